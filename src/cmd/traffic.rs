//! Presentations for `zkcred soak` and `zkcred crashloop`, made in rolling
//! chunks ahead of sending: a producer thread fetches a chunk's challenges
//! (backing off on 429 and 503 refusals), answers them on every core
//! (rayon), mixes in the other classes and queues the chunk, keeping at
//! most a few seconds of traffic ahead, so a run of any length never
//! outlives its challenges or fills the challenge store.
//!
//! The classes and what the service must answer each with:
//!
//! | class | body | expected |
//! | --- | --- | --- |
//! | valid | a fresh presentation | 200 `accepted` |
//! | invalid | a fresh presentation whose proof's last byte is flipped | 422 `proof_invalid` (or 400 `proof_malformed`), logged as refused |
//! | malformed | a truncated or mistyped body | 400 `malformed_json` |
//! | replayed | a valid body already sent | 409 `challenge_replayed` |
//!
//! 429 (any code) and 503 `overloaded` are "back off and retry", never
//! failures: the sender waits and sends the same body again.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, Result};
use rand::rngs::{OsRng, StdRng};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use zkcred_api::client::Client;
use zkcred_api::Submission;
use zkcred_credential::{present_prepared, Catalogue, HolderCredential, PresentationRequest};

use super::loadtest::Setup;

/// A kind of presentation sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Class {
    /// A fresh, valid presentation.
    Valid,
    /// A fresh presentation with a corrupted proof.
    Invalid,
    /// A body that is not a submission.
    Malformed,
    /// A valid body sent again.
    Replayed,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 4] = [
        Class::Valid,
        Class::Invalid,
        Class::Malformed,
        Class::Replayed,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Valid => "valid",
            Class::Invalid => "invalid",
            Class::Malformed => "malformed",
            Class::Replayed => "replayed",
        }
    }

    /// Whether `status` and problem `code` are what the service must answer
    /// this class with (see the module documentation).
    pub fn expected(self, status: u16, code: Option<&str>, decision: Option<&str>) -> bool {
        match self {
            Class::Valid => status == 200 && decision == Some("accepted"),
            Class::Invalid => matches!(
                (status, code),
                (422, Some("proof_invalid")) | (400, Some("proof_malformed"))
            ),
            Class::Malformed => (status, code) == (400, Some("malformed_json")),
            Class::Replayed => (status, code) == (409, Some("challenge_replayed")),
        }
    }
}

/// An answer that means "back off and retry the same body".
pub(crate) fn retry_later(status: u16, code: Option<&str>) -> bool {
    status == 429 || (status == 503 && code == Some("overloaded"))
}

/// Fractions of the traffic in each class other than valid.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Mix {
    /// Corrupted proofs.
    pub invalid: f64,
    /// Malformed bodies.
    pub malformed: f64,
    /// Replays.
    pub replayed: f64,
}

impl Mix {
    fn pick(&self, rng: &mut impl Rng) -> Class {
        let x: f64 = rng.gen();
        if x < self.invalid {
            Class::Invalid
        } else if x < self.invalid + self.malformed {
            Class::Malformed
        } else if x < self.invalid + self.malformed + self.replayed {
            Class::Replayed
        } else {
            Class::Valid
        }
    }

    /// Checks the fractions: each in [0, 1], their sum at most 0.9.
    pub fn check(&self) -> Result<()> {
        for f in [self.invalid, self.malformed, self.replayed] {
            anyhow::ensure!((0.0..=1.0).contains(&f), "a class fraction must be 0 to 1");
        }
        anyhow::ensure!(
            self.invalid + self.malformed + self.replayed <= 0.9,
            "invalid + malformed + replayed must leave at least 10 % valid"
        );
        Ok(())
    }
}

/// One request to send.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Its class.
    pub class: Class,
    /// The body (`POST /v1/presentations`).
    pub body: Arc<Vec<u8>>,
}

/// The queue between the producer and the senders.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    items: Mutex<VecDeque<Item>>,
    room: Condvar,
    stop: AtomicBool,
    /// Set when the producer failed or finished.
    done: AtomicBool,
    /// The producer's error, if it failed.
    error: Mutex<Option<String>>,
    /// Retries after 429/503 while fetching challenges.
    pub challenge_retries: AtomicU64,
}

impl Queue {
    /// The next item, if one is ready.
    pub fn pop(&self) -> Option<Item> {
        let item = self
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        if item.is_some() {
            self.room.notify_one();
        }
        item
    }

    /// Whether no item is ready.
    pub fn is_empty(&self) -> bool {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Asks the producer to stop (after its current chunk).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.room.notify_all();
    }

    /// Whether the producer has finished (or failed).
    pub fn finished(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }

    /// The producer's error, if it failed.
    pub fn error(&self) -> Option<String> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits while more than `ahead` items are queued; false when stopped.
    fn wait_for_room(&self, ahead: usize) -> bool {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        while items.len() > ahead && !self.stop.load(Ordering::Relaxed) {
            items = self
                .room
                .wait_timeout(items, Duration::from_millis(100))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        !self.stop.load(Ordering::Relaxed)
    }

    fn push(&self, chunk: Vec<Item>) {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(chunk);
    }
}

/// What the producer needs.
pub(crate) struct Producer {
    /// The service (verifier token, one pool).
    pub client: Client,
    /// The policy, key and credentials registered.
    pub setup: Arc<Setup>,
    /// The class mix.
    pub mix: Mix,
    /// Items per chunk.
    pub chunk: usize,
    /// Most items queued ahead of the senders.
    pub ahead: usize,
    /// Items to make in all (`None`: until stopped).
    pub total: Option<u64>,
    /// Concurrent challenge requests.
    pub fetchers: usize,
}

impl Producer {
    /// Starts the producer thread over `queue`.
    pub fn spawn(self, queue: Arc<Queue>) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("zkcred-producer".into())
            .spawn(move || {
                if let Err(e) = self.run(&queue) {
                    *queue.error.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(format!("{e:#}"));
                }
                queue.done.store(true, Ordering::Relaxed);
            })
            .expect("spawning the producer thread")
    }

    fn run(self, queue: &Queue) -> Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the producer's runtime")?;
        let catalogue = Catalogue::builtin();
        let public = self.setup.key.public();
        let holders = self
            .setup
            .credentials
            .iter()
            .map(|c| HolderCredential::new(catalogue, c, public))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rng = StdRng::from_rng(OsRng)?;
        let mut made = 0u64;
        // Valid bodies of the last two chunks: replays come from the older,
        // which the senders took at least a chunk ago.
        let mut history: VecDeque<Vec<Arc<Vec<u8>>>> = VecDeque::new();
        while self.total.is_none_or(|t| made < t) {
            if !queue.wait_for_room(self.ahead) {
                return Ok(());
            }
            let n = self
                .total
                .map_or(self.chunk, |t| self.chunk.min((t - made) as usize));
            let classes: Vec<Class> = (0..n).map(|_| self.mix.pick(&mut rng)).collect();
            let fresh = classes
                .iter()
                .filter(|c| matches!(c, Class::Valid | Class::Invalid))
                .count();
            let requests = rt.block_on(fetch(
                &self.client,
                &self.setup.policy,
                fresh,
                self.fetchers,
                queue,
            ))?;
            let now = OffsetDateTime::now_utc();
            let policy = &self.setup.policy;
            let presentations: Vec<Value> = requests
                .into_par_iter()
                .enumerate()
                .map_init(
                    || StdRng::from_rng(OsRng).expect("seeding from the OS"),
                    |rng, (i, request)| {
                        let holder = &holders[i % holders.len()];
                        let presentation =
                            present_prepared(catalogue, &request, &[holder], now, rng)?;
                        Ok(serde_json::to_value(Submission {
                            policy: policy.clone(),
                            request,
                            presentation,
                        })?)
                    },
                )
                .collect::<Result<_>>()?;
            let mut fresh = presentations.into_iter();
            let mut chunk = Vec::with_capacity(n);
            let mut valid_now = Vec::new();
            for class in classes {
                let (class, body) = match class {
                    Class::Valid | Class::Invalid => {
                        let mut v = fresh.next().context("a presentation per challenge")?;
                        if class == Class::Invalid {
                            corrupt_proof(&mut v);
                        }
                        let body = Arc::new(serde_json::to_vec(&v)?);
                        if class == Class::Valid {
                            valid_now.push(Arc::clone(&body));
                        }
                        (class, body)
                    }
                    Class::Replayed if history.len() == 2 && !history[0].is_empty() => {
                        let old = &history[0];
                        (
                            Class::Replayed,
                            Arc::clone(&old[rng.gen_range(0..old.len())]),
                        )
                    }
                    Class::Replayed | Class::Malformed => {
                        (Class::Malformed, Arc::new(malformed(&mut rng)))
                    }
                };
                chunk.push(Item { class, body });
            }
            history.push_back(valid_now);
            if history.len() > 2 {
                history.pop_front();
            }
            made += chunk.len() as u64;
            queue.push(chunk);
        }
        Ok(())
    }
}

/// Fetches `count` challenges for `policy` over `fetchers` concurrent
/// requests, waiting and retrying on 429 and 503.
async fn fetch(
    client: &Client,
    policy: &str,
    count: usize,
    fetchers: usize,
    queue: &Queue,
) -> Result<Vec<PresentationRequest>> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..fetchers.clamp(1, count.max(1)) {
        let (client, policy, next) = (client.clone(), policy.to_owned(), Arc::clone(&next));
        tasks.spawn(async move {
            let (mut got, mut retries) = (Vec::new(), 0u64);
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let mut attempt = 0u32;
                loop {
                    match client.challenge(&policy).await {
                        Ok(c) => {
                            got.push(c.request);
                            break;
                        }
                        Err(e)
                            if e.problem()
                                .is_some_and(|p| p.status == 429 || p.status == 503)
                                && attempt < 600 =>
                        {
                            attempt += 1;
                            retries += 1;
                            tokio::time::sleep(backoff(attempt)).await;
                        }
                        Err(e) => return Err(anyhow::anyhow!("POST /v1/challenges: {e}")),
                    }
                }
            }
            Ok::<_, anyhow::Error>((got, retries))
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(r) = tasks.join_next().await {
        let (got, retries) = r.context("a challenge task failed")??;
        queue
            .challenge_retries
            .fetch_add(retries, Ordering::Relaxed);
        all.extend(got);
    }
    Ok(all)
}

/// The wait before retry `attempt` (1, 2, …) after a 429 or 503: 20 ms
/// doubling to 500 ms, with jitter.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 20u64 << attempt.min(5);
    Duration::from_millis(base.min(500) + rand::thread_rng().gen_range(0..20))
}

/// Flips the low bit of the proof's last hex digit: the proof still
/// decodes, and no longer verifies.
fn corrupt_proof(submission: &mut Value) {
    // A composite presentation's one proof, else the first entry's.
    let pointer = if submission.pointer("/presentation/proof/value").is_some() {
        "/presentation/proof/value"
    } else {
        "/presentation/credentials/0/proof/value"
    };
    if let Some(Value::String(proof)) = submission.pointer_mut(pointer) {
        if let Some(last) = proof.pop() {
            let flipped = last
                .to_digit(16)
                .and_then(|d| char::from_digit(d ^ 1, 16))
                .unwrap_or('0');
            proof.push(flipped);
        }
    }
}

/// A body the service must refuse as 400 `malformed_json`.
fn malformed(rng: &mut impl Rng) -> Vec<u8> {
    match rng.gen_range(0..4) {
        0 => br#"{"policy":"p","request":{"#.to_vec(),
        1 => b"[1,2,3]".to_vec(),
        2 => br#"{"policy":17,"request":null,"presentation":[]}"#.to_vec(),
        _ => (0..64).map(|_| rng.gen::<u8>()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_answers_per_class() {
        assert!(Class::Valid.expected(200, None, Some("accepted")));
        assert!(!Class::Valid.expected(422, Some("proof_invalid"), Some("refused")));
        assert!(Class::Invalid.expected(422, Some("proof_invalid"), Some("refused")));
        assert!(Class::Invalid.expected(400, Some("proof_malformed"), None));
        assert!(!Class::Invalid.expected(200, None, Some("accepted")));
        assert!(Class::Malformed.expected(400, Some("malformed_json"), None));
        assert!(!Class::Malformed.expected(500, Some("internal_error"), None));
        assert!(Class::Replayed.expected(409, Some("challenge_replayed"), None));
        assert!(!Class::Replayed.expected(200, None, Some("accepted")));
        // Back off and retry: any 429, and 503 overloaded only.
        assert!(retry_later(429, Some("rate_limited")));
        assert!(retry_later(503, Some("overloaded")));
        assert!(!retry_later(503, Some("timeout")));
    }

    #[test]
    fn a_composite_presentation_s_proof_is_the_one_corrupted() {
        let mut v = serde_json::json!({
            "presentation": { "credentials": [ {} ], "proof": { "value": "a0ff" } }
        });
        corrupt_proof(&mut v);
        assert_eq!(v["presentation"]["proof"]["value"], "a0fe");
    }

    #[test]
    fn corrupted_proof_still_decodes() {
        let mut v = serde_json::json!({
            "presentation": { "credentials": [ { "proof": { "value": "a0ff" } } ] }
        });
        corrupt_proof(&mut v);
        assert_eq!(
            v["presentation"]["credentials"][0]["proof"]["value"],
            "a0fe"
        );
    }

    #[test]
    fn the_mix_is_checked() {
        let ok = Mix {
            invalid: 0.1,
            malformed: 0.1,
            replayed: 0.1,
        };
        assert!(ok.check().is_ok());
        let mut rng = StdRng::seed_from_u64(1);
        let picks: Vec<Class> = (0..1000).map(|_| ok.pick(&mut rng)).collect();
        let valid = picks.iter().filter(|c| **c == Class::Valid).count();
        assert!((600..800).contains(&valid), "{valid}");
        assert!(Mix {
            invalid: 0.5,
            malformed: 0.5,
            replayed: 0.0
        }
        .check()
        .is_err());
    }
}
