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
//! verification; a lone request waits at most `max_wait_us`. Collection is
//! serialised (one collector at a time) while verification runs on every
//! thread.
//!
//! With batching off, each job's proofs are verified one by one on a tokio
//! blocking thread, so the two modes can be measured against each other.
//!
//! A full queue refuses new jobs ([`BatchError::Overloaded`], 503) rather
//! than letting latency grow without bound. A panic inside verification
//! fails that batch's jobs, not the thread.

use std::panic::AssertUnwindSafe;
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
                workers: Mutex::new(Vec::new()),
                enabled: false,
            };
        }
        let (tx, rx) = mpsc::sync_channel::<Job>(config.queue);
        let rx = Arc::new(Mutex::new(rx));
        let limits = Limits {
            max_size: config.max_size,
            max_wait: Duration::from_micros(config.max_wait_us),
            parallel_threshold: config.parallel_threshold,
        };
        let handles = (0..workers.max(1))
            .map(|i| {
                let (rx, limits, metrics) = (Arc::clone(&rx), limits.clone(), Arc::clone(&metrics));
                std::thread::Builder::new()
                    .name(format!("zkcred-verify-{i}"))
                    .spawn(move || worker(&rx, &limits, &metrics))
                    .expect("spawning a verification thread")
            })
            .collect();
        Batcher {
            tx: Mutex::new(Some(tx)),
            workers: Mutex::new(handles),
            enabled: true,
        }
    }

    /// Whether micro-batching is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Verifies `items`; `result[i]` is `items[i]`'s.
    pub async fn verify(&self, items: Vec<VerifyItem>) -> Result<Results, BatchError> {
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

/// Takes the next batch: blocks for the first job, then gathers more until
/// the size or time limit. `None` when the channel is closed and drained.
fn collect(rx: &Mutex<Receiver<Job>>, limits: &Limits) -> Option<Vec<Job>> {
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
                if now >= deadline {
                    break;
                }
                match rx.recv_timeout(deadline - now) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        size += next.items.len();
        jobs.push(next);
    }
    Some(jobs)
}

fn worker(rx: &Mutex<Receiver<Job>>, limits: &Limits, metrics: &Metrics) {
    while let Some(jobs) = collect(rx, limits) {
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
