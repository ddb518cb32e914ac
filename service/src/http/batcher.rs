//! Micro-batched BBS proof verification, off the async runtime.
//!
//! Handlers submit a presentation's proofs as one job and await the
//! results. With batching on, a small pool of OS threads serves a bounded
//! channel: the thread whose turn it is to collect takes the first waiting
//! job, then keeps taking jobs until the batch holds `max_size` proofs or
//! `max_wait_us` have passed since it took the first, releases the channel to
//! the next thread and verifies the whole batch with one `verify_batch`
//! (`verify_batch_parallel` from `parallel_threshold` proofs). Under load the
//! batches fill at once and each proof costs about half a single
//! verification. Collection is serialised (one collector at a time) while
//! verification runs on every thread.
//!
//! The collector only waits for company that is on its way: requests hold an
//! [`Upstream`] guard from the moment their challenge is consumed until their
//! proofs are queued, and when the queue is empty and no request is upstream
//! the batch is closed at once. So a lone request is verified without delay,
//! and `max_wait_us` bounds the wait otherwise.
//!
//! With batching off, each job's proofs are verified one by one on a tokio
//! blocking thread, so the two modes can be measured against each other.
//!
//! A full queue refuses new jobs ([`BatchError::Overloaded`], 503) rather
//! than letting latency grow without bound. A panic inside verification
//! fails that batch's jobs, not the thread.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use zkcred_crypto::bbs::{self, BatchItem, Proof, Suite, VerifierKey};
use zkcred_crypto::Scalar;

use super::config::BatchConfig;
use super::metrics::Metrics;

/// One proof and everything its verification needs, owned.
#[derive(Debug)]
pub struct VerifyItem {
    /// The ciphersuite.
    pub suite: Suite,
    /// The issuer's prepared key (shared with the key cache).
    pub key: Arc<VerifierKey>,
    /// The decoded proof.
    pub proof: Proof,
    /// The signature header.
    pub header: Vec<u8>,
    /// The presentation header.
    pub ph: Vec<u8>,
    /// Disclosed `(index, scalar)` pairs.
    pub disclosed: Vec<(usize, Scalar)>,
}

impl VerifyItem {
    fn as_batch_item(&self) -> BatchItem<'_> {
        BatchItem {
            suite: self.suite,
            key: &self.key,
            proof: &self.proof,
            header: &self.header,
            ph: &self.ph,
            disclosed: &self.disclosed,
        }
    }

    fn verify_alone(&self) -> Result<(), zkcred_crypto::Error> {
        self.key.proof_verify(
            self.suite,
            &self.proof,
            &self.header,
            &self.ph,
            &self.disclosed,
        )
    }
}

/// Per-proof results, in submission order.
pub type Results = Vec<Result<(), zkcred_crypto::Error>>;

/// Why a job was not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The queue is full.
    #[error("verification queue is full")]
    Overloaded,
    /// The verifier is shutting down (or a worker failed).
    #[error("verifier is shutting down")]
    ShutDown,
}

struct Job {
    items: Vec<VerifyItem>,
    reply: oneshot::Sender<Results>,
}

/// The verification front end; see the module documentation.
pub struct Batcher {
    tx: Mutex<Option<SyncSender<Job>>>,
    upstream: Arc<AtomicUsize>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    enabled: bool,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A request on its way to the batcher; see the module documentation.
#[derive(Debug)]
pub struct Upstream(Arc<AtomicUsize>);

impl Drop for Upstream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Clone)]
struct Limits {
    max_size: usize,
    max_wait: Duration,
    parallel_threshold: usize,
}

impl Batcher {
    /// Starts `workers` verification threads (when batching is enabled).
    pub fn start(config: &BatchConfig, workers: usize, metrics: Arc<Metrics>) -> Self {
        if !config.enabled {
            return Batcher {
                tx: Mutex::new(None),
                upstream: Arc::default(),
                workers: Mutex::new(Vec::new()),
                enabled: false,
            };
        }
        let (tx, rx) = mpsc::sync_channel::<Job>(config.queue);
        let rx = Arc::new(Mutex::new(rx));
        let upstream: Arc<AtomicUsize> = Arc::default();
        let limits = Limits {
            max_size: config.max_size,
            max_wait: Duration::from_micros(config.max_wait_us),
            parallel_threshold: config.parallel_threshold,
        };
        let handles = (0..workers.max(1))
            .map(|i| {
                let (rx, limits, metrics, upstream) = (
                    Arc::clone(&rx),
                    limits.clone(),
                    Arc::clone(&metrics),
                    Arc::clone(&upstream),
                );
                std::thread::Builder::new()
                    .name(format!("zkcred-verify-{i}"))
                    .spawn(move || worker(&rx, &limits, &metrics, &upstream))
                    .expect("spawning a verification thread")
            })
            .collect();
        Batcher {
            tx: Mutex::new(Some(tx)),
            upstream,
            workers: Mutex::new(handles),
            enabled: true,
        }
    }

    /// Whether micro-batching is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Announces a request that will submit proofs soon; hand the guard to
    /// [`Batcher::verify`] (or drop it if the request ends early).
    pub fn upstream(&self) -> Upstream {
        self.upstream.fetch_add(1, Ordering::AcqRel);
        Upstream(Arc::clone(&self.upstream))
    }

    /// Verifies `items`; `result[i]` is `items[i]`'s. `announced` is the
    /// request's [`Upstream`] guard, released once the job is queued.
    pub async fn verify(
        &self,
        items: Vec<VerifyItem>,
        announced: Option<Upstream>,
    ) -> Result<Results, BatchError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        if !self.enabled {
            return tokio::task::spawn_blocking(move || {
                items.iter().map(VerifyItem::verify_alone).collect()
            })
            .await
            .map_err(|_| BatchError::ShutDown);
        }
        let (reply, answer) = oneshot::channel();
        {
            let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = tx.as_ref().ok_or(BatchError::ShutDown)?;
            tx.try_send(Job { items, reply }).map_err(|e| match e {
                TrySendError::Full(_) => BatchError::Overloaded,
                TrySendError::Disconnected(_) => BatchError::ShutDown,
            })?;
        }
        // Released only now that the job is in the channel, so a collector
        // never sees neither.
        drop(announced);
        answer.await.map_err(|_| BatchError::ShutDown)
    }

    /// Stops taking jobs, lets the threads finish the queued ones and joins
    /// them.
    pub fn shutdown(&self) {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let handles =
            std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
        for h in handles {
            let _ = h.join();
        }
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Longest single wait of a collector before it looks at `upstream` again.
const WAIT_SLICE: Duration = Duration::from_micros(200);

/// Takes the next batch: blocks for the first job, then gathers more until
/// the size or time limit. `None` when the channel is closed and drained.
fn collect(rx: &Mutex<Receiver<Job>>, limits: &Limits, upstream: &AtomicUsize) -> Option<Vec<Job>> {
    let rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
    let first = rx.recv().ok()?;
    let deadline = Instant::now() + limits.max_wait;
    let mut size = first.items.len();
    let mut jobs = vec![first];
    while size < limits.max_size {
        let next = match rx.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {
                let now = Instant::now();
                if now >= deadline || upstream.load(Ordering::Acquire) == 0 {
                    break;
                }
                // In slices, so a wait for a request that ended early
                // (refused before its proofs) stops soon.
                match rx.recv_timeout((deadline - now).min(WAIT_SLICE)) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        size += next.items.len();
        jobs.push(next);
    }
    Some(jobs)
}

fn worker(rx: &Mutex<Receiver<Job>>, limits: &Limits, metrics: &Metrics, upstream: &AtomicUsize) {
    while let Some(jobs) = collect(rx, limits, upstream) {
        let results = std::panic::catch_unwind(AssertUnwindSafe(|| verify_jobs(&jobs, limits)));
        match results {
            Ok(results) => {
                metrics.batch_size.observe(results.len() as f64);
                let mut results = results.into_iter();
                for job in jobs {
                    let mine: Results = results.by_ref().take(job.items.len()).collect();
                    // The requester may have gone (timeout); nothing to do.
                    let _ = job.reply.send(mine);
                }
            }
            Err(_) => {
                tracing::error!(
                    jobs = jobs.len(),
                    "verification panicked; failing its batch"
                );
                // Dropping the reply senders fails the waiting requests.
            }
        }
    }
}

fn verify_jobs(jobs: &[Job], limits: &Limits) -> Results {
    let items: Vec<BatchItem<'_>> = jobs
        .iter()
        .flat_map(|j| j.items.iter().map(VerifyItem::as_batch_item))
        .collect();
    if limits.parallel_threshold > 0 && items.len() >= limits.parallel_threshold {
        bbs::verify_batch_parallel(&items)
    } else {
        bbs::verify_batch(&items, &mut rand::rngs::OsRng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        let (reply, _) = oneshot::channel();
        Job {
            items: Vec::new(),
            reply,
        }
    }

    #[test]
    fn collector_waits_only_for_announced_company() {
        let (tx, rx) = mpsc::sync_channel(8);
        let rx = Mutex::new(rx);
        let limits = Limits {
            max_size: 4,
            max_wait: Duration::from_millis(300),
            parallel_threshold: 0,
        };
        let upstream = AtomicUsize::new(0);

        // Nobody else is coming: the batch closes at once.
        tx.send(job()).unwrap();
        let t = Instant::now();
        assert_eq!(collect(&rx, &limits, &upstream).unwrap().len(), 1);
        assert!(t.elapsed() < Duration::from_millis(150));

        // A request is on its way: wait for it, up to the limit.
        upstream.store(1, Ordering::Release);
        tx.send(job()).unwrap();
        let late = tx.clone();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            late.send(job()).unwrap();
        });
        let t = Instant::now();
        assert_eq!(collect(&rx, &limits, &upstream).unwrap().len(), 2);
        assert!(t.elapsed() >= Duration::from_millis(300));
        sender.join().unwrap();

        // Closed and drained: the worker stops.
        drop(tx);
        assert!(collect(&rx, &limits, &upstream).is_none());
    }
}
