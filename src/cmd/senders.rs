//! The senders of `zkcred soak` and `zkcred crashloop`: `connections`
//! tasks, one keep-alive connection each, take the producer's items
//! ([`super::traffic`]) on an open-loop schedule (item `i` due at
//! `start + i / rate`; latency counts from the due time, so a backlog shows)
//! and tally each answer against its class's expected status.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use tokio::time::Instant;
use zkcred_api::client::Client;

use super::loadtest::{micros, transport_kind};
use super::traffic::{backoff, retry_later, Class, Item, Queue};

/// When the senders stop taking items.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Until {
    /// After this many items.
    Items(u64),
    /// At this instant (items due later are not sent).
    Instant(Instant),
}

/// What the senders saw.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Latencies in microseconds, by class (answers of the expected kind
    /// and unexpected ones alike).
    pub latency_us: BTreeMap<Class, Vec<u32>>,
    /// Answers as expected, by class.
    pub expected: BTreeMap<Class, u64>,
    /// Unexpected answers: `class: HTTP status code` or `class: transport: …`.
    pub unexpected: BTreeMap<String, u64>,
    /// Retries after 429 / 503 `overloaded`, by `status code`.
    pub retries: BTreeMap<String, u64>,
    /// Decisions acknowledged with a log sequence: `(sequence, accepted)`.
    pub acknowledged: Vec<(u64, bool)>,
    /// Answers in each whole second from the start.
    pub per_second: Vec<u64>,
    /// Items due while the producer had none ready (it fell behind).
    pub starved: u64,
    /// Seconds from the start to the last answer.
    pub window_secs: f64,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        for (c, mut v) in o.latency_us {
            self.latency_us.entry(c).or_default().append(&mut v);
        }
        for (c, n) in o.expected {
            *self.expected.entry(c).or_default() += n;
        }
        for (k, n) in o.unexpected {
            *self.unexpected.entry(k).or_default() += n;
        }
        for (k, n) in o.retries {
            *self.retries.entry(k).or_default() += n;
        }
        self.acknowledged.extend(o.acknowledged);
        if self.per_second.len() < o.per_second.len() {
            self.per_second.resize(o.per_second.len(), 0);
        }
        for (i, n) in o.per_second.into_iter().enumerate() {
            self.per_second[i] += n;
        }
        self.starved += o.starved;
        self.window_secs = self.window_secs.max(o.window_secs);
    }

    /// Requests answered (each counted once, retries aside).
    pub fn answered(&self) -> u64 {
        self.latency_us.values().map(|v| v.len() as u64).sum()
    }
}

/// The part of an answer the senders read.
#[derive(Deserialize, Default)]
struct Body {
    code: Option<String>,
    decision: Option<String>,
    log_sequence: Option<u64>,
}

/// Runs `connections` senders at `rate` items per second from `queue`
/// until `until` (or the producer has finished and its queue is empty);
/// `connect` makes each sender's client.
pub(crate) async fn run(
    connect: impl Fn() -> anyhow::Result<Client>,
    queue: Arc<Queue>,
    connections: usize,
    rate: f64,
    until: Until,
) -> anyhow::Result<Tally> {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(20);
    let period = 1.0 / rate;
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (client, queue, next) = (connect()?, Arc::clone(&queue), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let due = start + Duration::from_secs_f64(i as f64 * period);
                match until {
                    Until::Items(n) if i >= n => break,
                    Until::Instant(end) if due >= end => break,
                    _ => {}
                }
                tokio::time::sleep_until(due).await;
                let mut waited = false;
                let item = loop {
                    if let Some(item) = queue.pop() {
                        break Some(item);
                    }
                    if queue.finished() {
                        break None;
                    }
                    waited = true;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                };
                t.starved += u64::from(waited);
                let Some(item) = item else { break };
                send(&client, &item, &mut t).await;
                let done = Instant::now().saturating_duration_since(start);
                let latency = micros(Instant::now().saturating_duration_since(due));
                t.latency_us
                    .entry(item.class)
                    .or_default()
                    .push(u32::try_from(latency).unwrap_or(u32::MAX));
                let second = done.as_secs() as usize;
                if t.per_second.len() <= second {
                    t.per_second.resize(second + 1, 0);
                }
                t.per_second[second] += 1;
                t.window_secs = t.window_secs.max(done.as_secs_f64());
            }
            t
        }));
    }
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await?);
    }
    Ok(tally)
}

/// Sends one item, retrying on 429 / 503 `overloaded`, and tallies the
/// answer.
async fn send(client: &Client, item: &Item, t: &mut Tally) {
    let mut attempt = 0u32;
    loop {
        let r = client
            .send_raw(
                Method::POST,
                "/v1/presentations",
                Some(item.body.as_ref().clone()),
            )
            .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                let kind = match &e {
                    zkcred_api::client::ClientError::Transport(e) => transport_kind(e),
                    other => format!("client: {other}"),
                };
                *t.unexpected
                    .entry(format!("{}: {kind}", item.class.name()))
                    .or_default() += 1;
                return;
            }
        };
        let status = r.status.as_u16();
        let body: Body = serde_json::from_slice(&r.body).unwrap_or_default();
        let code = body.code.as_deref();
        if retry_later(status, code) && attempt < 100 {
            attempt += 1;
            *t.retries
                .entry(format!("{status} {}", code.unwrap_or("-")))
                .or_default() += 1;
            tokio::time::sleep(backoff(attempt)).await;
            continue;
        }
        if let (Some(seq), Some(d)) = (body.log_sequence, body.decision.as_deref()) {
            t.acknowledged.push((seq, d == "accepted"));
        }
        if item.class.expected(status, code, body.decision.as_deref()) {
            *t.expected.entry(item.class).or_default() += 1;
        } else {
            *t.unexpected
                .entry(format!(
                    "{}: HTTP {status} {}",
                    item.class.name(),
                    code.or(body.decision.as_deref()).unwrap_or("-")
                ))
                .or_default() += 1;
        }
        return;
    }
}
