//! Decisions run to their end, and are held for the clients that missed
//! their answer.
//!
//! Once a presentation's challenge is consumed, the rest of its pipeline
//! (policy in force, verification, conclusion, the append to the disclosure
//! log) runs in a task of its own, tracked by [`Decisions`]: a request
//! timeout, a client that gives up or a dropped connection cancel only the
//! handler waiting for it, never the decision, so a consumed challenge ends
//! in exactly one logged decision. [`RunningServer::shutdown`] waits for
//! every tracked decision before it stops the verification threads and the
//! log writer.
//!
//! Each decision is also held here, keyed like the challenge store by
//! `SHA-256(domain || nonce)` ([`crate::challenge::Nonce`]), with the
//! verifier that submitted it and, when the request carried an
//! `Idempotency-Key` header ([`IdempotencyKey`]), a digest of the key and
//! the submission ([`submission_digest`]), so a client that did not get its
//! answer can learn it: by `GET /v1/presentations/decisions/{challenge}`
//! (the same verifier only; `pending` while it is being taken), or by
//! retrying: the identical submission with the same `Idempotency-Key`
//! answers the held decision instead of `challenge_replayed`. Without the
//! key, or with another key or body, a consumed challenge stays
//! `challenge_replayed`: a presentation captured and sent again is refused
//! as a replay, as before; only the client that chose the key can retry.
//! A `timeout` answer names the decisions its request started
//! ([`Consumed`]).
//!
//! **Memory only.** The held answers are never written anywhere: an
//! accepted answer carries the disclosed attribute values, which the
//! service keeps out of its logs and database. They are held for
//! `[decisions] retention_secs` and at most `[decisions] capacity` of them
//! (the oldest go first); an accepted answer is held serialised in a buffer
//! that is zeroized when it is dropped (evicted, expired, or at stop).
//! Expired entries are dropped when the next decision is taken or looked
//! up.
//!
//! [`RunningServer::shutdown`]: super::server::RunningServer::shutdown

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use zeroize::Zeroizing;
use zkcred_api::{Accepted, BatchResult, HeldDecision, Submission};

use super::problem::Problem;
use crate::challenge::{ChallengeBinding, ChallengeError};

/// What a decision answers: the accepted body, or the refusal (logged, with
/// `decision` and `log_sequence`) or other problem.
pub type Answer = Result<Accepted, Problem>;

const SUBMISSION_DOMAIN: &[u8] = b"zkcred/submission/v1\0";

/// The name of the request header that makes a submission retryable
/// (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest `Idempotency-Key` accepted, in octets.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// The request's `Idempotency-Key` header (draft-ietf-httpapi-idempotency-
/// key-header, a client-chosen unique string; here 1 to
/// [`IDEMPOTENCY_KEY_MAX`] visible ASCII characters), if any: a retry of a
/// submission with the same key and the identical submission answers the
/// decision taken on it.
///
/// # Errors
/// As an extractor, 400 `invalid_request` for a header that is empty,
/// longer than [`IDEMPOTENCY_KEY_MAX`], not visible ASCII, or repeated.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(Option<Arc<str>>);

impl IdempotencyKey {
    /// A key (tests, in-process callers).
    pub fn new(key: &str) -> Self {
        IdempotencyKey(Some(Arc::from(key)))
    }

    /// The key, if the request had one.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let Some(v) = values.next() else {
            return Ok(IdempotencyKey(None));
        };
        let bad = || {
            Problem::invalid(format!(
                "Idempotency-Key must appear once, with 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters"
            ))
        };
        if values.next().is_some() {
            return Err(bad());
        }
        let bytes = v.as_bytes();
        if bytes.is_empty()
            || bytes.len() > IDEMPOTENCY_KEY_MAX
            || !bytes.iter().all(|b| b.is_ascii_graphic())
        {
            return Err(bad());
        }
        let key = std::str::from_utf8(bytes).map_err(|_| bad())?;
        Ok(IdempotencyKey(Some(Arc::from(key))))
    }
}

/// The digest identifying a retryable submission: SHA-256 over a domain,
/// the `Idempotency-Key` (length-prefixed) and the submission's JSON as the
/// service re-serialises it after parsing, so two submissions with the same
/// key, members and values have the same digest whatever their whitespace
/// or member order. `None` without a key: such a submission is never a
/// retry.
///
/// # Errors
/// `internal_error` if the submission cannot be serialised (it always can).
pub fn submission_digest(
    key: &IdempotencyKey,
    sub: &Submission,
) -> Result<Option<[u8; 32]>, Problem> {
    let Some(key) = key.get() else {
        return Ok(None);
    };
    struct Hashing<'a>(&'a mut Sha256);
    impl io::Write for Hashing<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut h = Sha256::new();
    h.update(SUBMISSION_DOMAIN);
    // At most 255 octets (checked by the extractor), so one length octet.
    h.update([u8::try_from(key.len()).unwrap_or(u8::MAX)]);
    h.update(key.as_bytes());
    serde_json::to_writer(Hashing(&mut h), sub).map_err(|e| Problem::internal(&e))?;
    Ok(Some(h.finalize().into()))
}

/// A decision as held.
enum Held {
    /// The accepted body, serialised; zeroized when dropped (it carries
    /// disclosed values).
    Accepted(Zeroizing<Vec<u8>>),
    /// A refusal or other problem: codes and names, never values.
    Problem(Problem),
}

impl Held {
    fn of(answer: &Answer) -> Held {
        match answer {
            Ok(a) => match serde_json::to_vec(a) {
                Ok(bytes) => Held::Accepted(Zeroizing::new(bytes)),
                Err(e) => Held::Problem(Problem::internal(&e)),
            },
            Err(p) => Held::Problem(p.clone()),
        }
    }

    fn answer(&self) -> Answer {
        match self {
            Held::Accepted(bytes) => {
                serde_json::from_slice(bytes).map_err(|e| Problem::internal(&e))
            }
            Held::Problem(p) => Err(p.clone()),
        }
    }

    fn result(&self) -> BatchResult {
        batch_result(self.answer())
    }
}

/// An answer as a batch item (and as a held decision's `result`): 200 with
/// the accepted body, or the problem's status with its document.
pub fn batch_result(answer: Answer) -> BatchResult {
    match answer {
        Ok(a) => BatchResult {
            status: 200,
            decision: Some(a),
            problem: None,
        },
        Err(p) => BatchResult {
            status: p.code.status(),
            decision: None,
            problem: Some(p.document()),
        },
    }
}

/// The decision on one consumed challenge: pending until
/// [`Slot::finish`].
pub struct Slot {
    verifier: Arc<str>,
    /// [`submission_digest`]: `None` when the submission had no key.
    submission: Option<[u8; 32]>,
    answer: watch::Sender<Option<Arc<Held>>>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("verifier", &self.verifier)
            .field("decided", &self.answer.borrow().is_some())
            .finish_non_exhaustive()
    }
}

impl Slot {
    /// Records the decision (the first one only).
    pub fn finish(&self, answer: &Answer) {
        let held = Arc::new(Held::of(answer));
        self.answer.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            *slot = Some(held);
            true
        });
    }

    /// Waits for the decision and answers it.
    pub async fn wait(&self) -> Answer {
        let mut rx = self.answer.subscribe();
        // The sender lives in `self`, so the channel cannot close here.
        let held = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|e| Problem::internal(&e))?
            .clone();
        match held {
            Some(h) => h.answer(),
            None => Err(Problem::internal(&"a decision slot was left empty")),
        }
    }

    fn held(&self) -> HeldDecision {
        match &*self.answer.borrow() {
            Some(h) => HeldDecision {
                state: HeldDecision::DECIDED.to_owned(),
                result: Some(h.result()),
            },
            None => HeldDecision {
                state: HeldDecision::PENDING.to_owned(),
                result: None,
            },
        }
    }
}

/// Finishes its slot with `internal_error` if the decision's task ends
/// without an answer (a panic), so nobody waits for it for ever.
struct FinishOnDrop(Arc<Slot>);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.finish(&Err(Problem::internal(
            &"a decision ended without an answer",
        )));
    }
}

/// What [`Decisions::begin`] found.
#[derive(Debug)]
pub enum Begun {
    /// The challenge was consumed now: take the decision in
    /// [`Decisions::spawn`] and [`Slot::finish`] it.
    Consumed(Arc<ChallengeBinding>, Arc<Slot>),
    /// The identical submission with the same `Idempotency-Key`, by the
    /// same verifier, consumed it before:
    /// its decision (perhaps still pending).
    Known(Arc<Slot>),
    /// The challenge store's refusal: nothing consumed, and not a
    /// resubmission of a held decision.
    Refused(ChallengeError),
}

struct Entry {
    at: Instant,
    slot: Arc<Slot>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<[u8; 32], Entry>,
    /// Keys in the order they were inserted (each key is inserted once: a
    /// challenge is consumed once).
    order: VecDeque<[u8; 32]>,
}

impl Inner {
    /// Drops entries older than `retention`, and the oldest beyond `keep`.
    fn evict(&mut self, now: Instant, retention: Duration, keep: usize) {
        while let Some(key) = self.order.front() {
            let expired = self
                .slots
                .get(key)
                .is_none_or(|e| now.saturating_duration_since(e.at) >= retention);
            if !expired && self.slots.len() <= keep {
                break;
            }
            if let Some(key) = self.order.pop_front() {
                self.slots.remove(&key);
            }
        }
    }
}

/// The tracked decision tasks and the held decisions; see the module
/// documentation.
pub struct Decisions {
    inner: Mutex<Inner>,
    retention: Duration,
    capacity: usize,
    tasks: TaskTracker,
}

impl std::fmt::Debug for Decisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decisions")
            .field("held", &self.len())
            .field("running", &self.tasks.len())
            .field("retention", &self.retention)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Decisions {
    /// Holds at most `capacity` decisions (at least one), each for
    /// `retention`.
    pub fn new(retention: Duration, capacity: usize) -> Self {
        Decisions {
            inner: Mutex::new(Inner::default()),
            retention,
            capacity: capacity.max(1),
            tasks: TaskTracker::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decisions held (pending and decided).
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// Whether no decision is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decision tasks still running.
    pub fn running(&self) -> usize {
        self.tasks.len()
    }

    /// Consumes a challenge through `consume` and starts holding its
    /// decision, or finds the decision a resubmission asks for.
    ///
    /// `challenge` is the challenge's digest ([`crate::challenge::Nonce`]),
    /// `submission` the submission's ([`submission_digest`]). `consume`
    /// runs under this store's lock, so a resubmission refused by the
    /// in-process challenge store always finds the slot of the submission
    /// that consumed the challenge. (A shared store in Redis is asked
    /// before, outside the lock, and `consume` only hands its answer over:
    /// an identical resubmission racing the first one on the same node may
    /// then be refused as replayed in the moment between Redis's answer and
    /// this call; one sent to another node always is, since each node holds
    /// its own decisions.) A refusal as `challenge_replayed`,
    /// `challenge_unknown` or `challenge_expired` is answered by the held
    /// decision when `verifier` and `submission` are those it was taken
    /// for.
    pub fn begin(
        &self,
        challenge: [u8; 32],
        verifier: &Arc<str>,
        submission: Option<[u8; 32]>,
        consume: impl FnOnce() -> Result<Arc<ChallengeBinding>, ChallengeError>,
    ) -> Begun {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.evict(now, self.retention, self.capacity);
        match consume() {
            Ok(binding) => {
                let (answer, _) = watch::channel(None);
                let slot = Arc::new(Slot {
                    verifier: Arc::clone(verifier),
                    submission,
                    answer,
                });
                inner.evict(now, self.retention, self.capacity - 1);
                inner.slots.insert(
                    challenge,
                    Entry {
                        at: now,
                        slot: Arc::clone(&slot),
                    },
                );
                inner.order.push_back(challenge);
                Begun::Consumed(binding, slot)
            }
            Err(
                e @ (ChallengeError::Replayed | ChallengeError::Unknown | ChallengeError::Expired),
            ) => match inner.slots.get(&challenge) {
                Some(held)
                    if *held.slot.verifier == **verifier
                        && submission.is_some()
                        && held.slot.submission == submission =>
                {
                    Begun::Known(Arc::clone(&held.slot))
                }
                _ => Begun::Refused(e),
            },
            Err(e) => Begun::Refused(e),
        }
    }

    /// Runs `work` to its end whatever happens to the request that started
    /// it, tracked like the decisions (so [`Decisions::drain`] waits for
    /// it): the consumption of a challenge in a shared store, which must
    /// reach its decision once Redis has answered.
    pub fn track<F>(&self, work: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(work)
    }

    /// Runs `decide` to its end whatever happens to the request that
    /// started it, tracked so that [`Decisions::drain`] waits for it; its
    /// slot is finished with `internal_error` should `decide` end without
    /// finishing it.
    pub fn spawn<F>(&self, slot: &Arc<Slot>, decide: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let guard = FinishOnDrop(Arc::clone(slot));
        self.tasks.spawn(async move {
            decide.await;
            drop(guard);
        });
    }

    /// The decision held for `challenge` (its digest), if `verifier` took
    /// it and it is still held.
    pub fn held(&self, challenge: &[u8; 32], verifier: &str) -> Option<HeldDecision> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.evict(now, self.retention, self.capacity);
        let entry = inner.slots.get(challenge)?;
        (*entry.slot.verifier == *verifier).then(|| entry.slot.held())
    }

    /// Waits until every decision started has ended (and lets no new one
    /// be waited for past this point); then drops the held decisions.
    /// Called at a graceful stop, before the verification threads and the
    /// log writer stop.
    pub async fn drain(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        let mut inner = self.lock();
        inner.slots.clear();
        inner.order.clear();
    }
}

/// The challenges a request consumed (or found decided by an identical
/// earlier submission), so that its `timeout` answer can tell the client
/// where the decisions are: `decision_url` for `POST /v1/presentations`,
/// `decision_urls` for the batch. Put in every request's extensions by the
/// router's edge; a handler without it gets a detached one.
#[derive(Debug, Clone, Default)]
pub struct Consumed(Arc<Mutex<Notes>>);

#[derive(Debug, Default)]
struct Notes {
    challenges: Vec<String>,
    batch: bool,
}

impl Consumed {
    fn notes(&self) -> std::sync::MutexGuard<'_, Notes> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a consumed challenge (hex).
    pub fn note(&self, challenge: String) {
        self.notes().challenges.push(challenge);
    }

    /// Marks the request as a batch (its answer names a list).
    pub fn batch(&self) {
        self.notes().batch = true;
    }

    /// The extension member for a `timeout` answer, if the request
    /// consumed a challenge: `("decision_url", "…")` or
    /// `("decision_urls", ["…", …])`.
    pub fn member(&self) -> Option<(&'static str, serde_json::Value)> {
        let notes = self.notes();
        let urls: Vec<String> = notes
            .challenges
            .iter()
            .map(|c| zkcred_api::decision_path(c))
            .collect();
        match (notes.batch, urls.as_slice()) {
            (_, []) => None,
            (false, [one]) => Some(("decision_url", one.clone().into())),
            _ => Some(("decision_urls", urls.into())),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Consumed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Consumed>()
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkcred_problem::ProblemCode;

    fn binding() -> Arc<ChallengeBinding> {
        Arc::new(ChallengeBinding {
            verifier: "hotel.example".into(),
            policy_id: "p".into(),
            policy_version: 1,
        })
    }

    fn refused(seq: u64) -> Answer {
        Err(Problem::new(ProblemCode::ProofInvalid, "no").with("log_sequence", seq))
    }

    #[tokio::test]
    async fn resubmission_finds_the_decision_and_nothing_else_does() {
        let d = Decisions::new(Duration::from_secs(60), 10);
        let hotel: Arc<str> = Arc::from("hotel.example");
        let bar: Arc<str> = Arc::from("bar.example");
        let Begun::Consumed(_, slot) = d.begin([1; 32], &hotel, Some([7; 32]), || Ok(binding()))
        else {
            panic!("not consumed");
        };
        assert!(!d.held(&[1; 32], "hotel.example").unwrap().is_decided());
        assert!(d.held(&[1; 32], "bar.example").is_none());
        slot.finish(&refused(4));
        slot.finish(&refused(5));
        let replayed = || Err(ChallengeError::Replayed);
        let Begun::Known(again) = d.begin([1; 32], &hotel, Some([7; 32]), replayed) else {
            panic!("identical resubmission not recognised");
        };
        let p = again.wait().await.unwrap_err();
        assert_eq!(p.extensions["log_sequence"], 4);
        for (who, body) in [
            (&hotel, Some([8; 32])),
            (&bar, Some([7; 32])),
            (&hotel, None),
        ] {
            assert!(matches!(
                d.begin([1; 32], who, body, replayed),
                Begun::Refused(ChallengeError::Replayed)
            ));
        }
        let held = d.held(&[1; 32], "hotel.example").unwrap();
        assert_eq!(held.result.unwrap().status, 422);
    }

    #[tokio::test]
    async fn oldest_go_first_and_expired_ones_go() {
        let d = Decisions::new(Duration::from_millis(200), 3);
        let hotel: Arc<str> = Arc::from("hotel.example");
        for i in 0..5u8 {
            assert!(matches!(
                d.begin([i; 32], &hotel, None, || Ok(binding())),
                Begun::Consumed(..)
            ));
        }
        assert_eq!(d.len(), 3);
        assert!(d.held(&[1; 32], "hotel.example").is_none());
        assert!(d.held(&[4; 32], "hotel.example").is_some());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(d.held(&[4; 32], "hotel.example").is_none());
        assert!(d.is_empty());
    }

    #[tokio::test]
    async fn a_task_that_ends_without_an_answer_still_finishes_its_slot() {
        let d = Decisions::new(Duration::from_secs(60), 10);
        let hotel: Arc<str> = Arc::from("hotel.example");
        let Begun::Consumed(_, slot) = d.begin([2; 32], &hotel, None, || Ok(binding())) else {
            panic!("not consumed");
        };
        d.spawn(&slot, async {});
        let p = slot.wait().await.unwrap_err();
        assert_eq!(p.code, ProblemCode::InternalError);
        d.drain().await;
        assert_eq!(d.running(), 0);
        assert!(d.is_empty());
    }
}
