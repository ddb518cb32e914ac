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
//! [`Upstream`] guard from their admission ([`Batcher::admit`], just before
//! their challenge is consumed) until their proofs are queued, and when the
//! queue is empty and no request is upstream the batch is closed at once. So
//! a lone request is verified without delay, and `max_wait_us` bounds the
//! wait otherwise.
//!
//! With batching off, each job's proofs are verified one by one on a tokio
//! blocking thread, so the two modes can be measured against each other.
//!
//! Load is shed at admission, before the challenge is consumed: a request
//! takes one of `queue` places when it is admitted and gives it back when its
//! job leaves the channel (or when it ends early). With every place taken,
//! [`Batcher::admit`] refuses ([`BatchError::Overloaded`], 503) rather than
//! letting latency grow without bound, and the refused request's challenge
//! stays answerable. As the channel holds `queue` jobs and only admitted
//! requests send one, an admitted request's job always finds room. A panic
//! inside verification fails that batch's jobs, not the thread.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use zkcred_credential::presentation::PreparedPresentation;
use zkcred_crypto::bbs::{self, BatchItem, Proof, Suite, VerifierKey};
use zkcred_crypto::composite;
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
            generators: zkcred_crypto::bbs::MessageGenerators::Plain,
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

/// A composite presentation's proof (one proof over every entry and its
/// statements), owned: the prepared presentation and each entry's key.
#[derive(Debug, Clone)]
pub struct CompositeWork {
    /// The presentation checked up to its proof (`composite` is set).
    pub prepared: Arc<PreparedPresentation>,
    /// The prepared key of each entry, in entry order.
    pub keys: Vec<Arc<VerifierKey>>,
}

impl CompositeWork {
    /// The number of entries, which is how much of a batch it takes.
    fn weight(&self) -> usize {
        self.prepared.entries.len().max(1)
    }

    /// Runs `f` on the crypto layer's view of this work (`None` if the
    /// presentation is not composite).
    fn with_item<T>(&self, f: impl FnOnce(Option<composite::CompositeItem<'_>>) -> T) -> T {
        let keys: Vec<&VerifierKey> = self.keys.iter().map(|k| k.as_ref()).collect();
        let parts = self.prepared.composite_parts(&keys);
        match (&parts, &self.prepared.composite) {
            (Some(parts), Some(c)) => f(Some(composite::CompositeItem {
                parts,
                relations: &c.relations,
                ph: &c.presentation_header,
                proof: &c.proof,
            })),
            _ => f(None),
        }
    }

    fn verify_alone(&self) -> Result<(), zkcred_crypto::Error> {
        self.with_item(|it| match it {
            Some(it) => composite::verify(&it),
            None => Err(zkcred_crypto::Error::VerificationFailed),
        })
    }
}

/// What a job asks to verify.
#[derive(Debug)]
pub enum Work {
    /// Independent BBS proofs (a presentation without statements).
    Proofs(Vec<VerifyItem>),
    /// One composite proof.
    Composite(CompositeWork),
}

impl Work {
    fn weight(&self) -> usize {
        match self {
            Work::Proofs(items) => items.len(),
            Work::Composite(c) => c.weight(),
        }
    }
}

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
    work: Work,
    reply: oneshot::Sender<Results>,
    /// The request's place, given back when the job leaves the channel.
    place: Place,
}

/// One of the `queue` places (none when batching is off); given back on
/// drop.
#[derive(Debug, Default)]
struct Place(Option<Arc<AtomicUsize>>);

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(admitted) = self.0.take() {
            admitted.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The verification front end; see the module documentation.
pub struct Batcher {
    tx: Mutex<Option<SyncSender<Job>>>,
    upstream: Arc<AtomicUsize>,
    /// Places taken (see the module documentation), at most `queue`.
    admitted: Arc<AtomicUsize>,
    queue: usize,
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

/// An admitted request on its way to the batcher, holding its place; see
/// the module documentation.
#[derive(Debug)]
pub struct Upstream {
    upstream: Arc<AtomicUsize>,
    place: Place,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.upstream.fetch_sub(1, Ordering::AcqRel);
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
                admitted: Arc::default(),
                queue: config.queue,
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
            admitted: Arc::default(),
            queue: config.queue,
            workers: Mutex::new(handles),
            enabled: true,
        }
    }

    /// Whether micro-batching is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Admits a request that will submit proofs soon, taking one of the
    /// `queue` places; call it before consuming the challenge, hand the
    /// guard to [`Batcher::verify`] (or drop it if the request ends early).
    ///
    /// # Errors
    /// [`BatchError::Overloaded`] when every place is taken,
    /// [`BatchError::ShutDown`] once the batcher stops taking jobs.
    pub fn admit(&self) -> Result<Upstream, BatchError> {
        let place = if self.enabled {
            if self
                .tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none()
            {
                return Err(BatchError::ShutDown);
            }
            let queue = self.queue;
            self.admitted
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                    (n < queue).then_some(n + 1)
                })
                .map_err(|_| BatchError::Overloaded)?;
            Place(Some(Arc::clone(&self.admitted)))
        } else {
            Place(None)
        };
        self.upstream.fetch_add(1, Ordering::AcqRel);
        Ok(Upstream {
            upstream: Arc::clone(&self.upstream),
            place,
        })
    }

    /// Verifies `items`; `result[i]` is `items[i]`'s. `announced` is the
    /// request's [`Upstream`] guard, released once the job is queued.
    pub async fn verify(
        &self,
        items: Vec<VerifyItem>,
        announced: Option<Upstream>,
    ) -> Result<Results, BatchError> {
        self.submit(Work::Proofs(items), announced).await
    }

    /// Verifies a composite proof; the result holds its one outcome once
    /// per entry. `announced` as for [`Batcher::verify`].
    pub async fn verify_composite(
        &self,
        work: CompositeWork,
        announced: Option<Upstream>,
    ) -> Result<Results, BatchError> {
        self.submit(Work::Composite(work), announced).await
    }

    async fn submit(
        &self,
        work: Work,
        mut announced: Option<Upstream>,
    ) -> Result<Results, BatchError> {
        if work.weight() == 0 {
            return Ok(Vec::new());
        }
        if !self.enabled {
            return tokio::task::spawn_blocking(move || verify_alone(&work))
                .await
                .map_err(|_| BatchError::ShutDown);
        }
        let (reply, answer) = oneshot::channel();
        let place = announced
            .as_mut()
            .map(|a| std::mem::take(&mut a.place))
            .unwrap_or_default();
        {
            let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = tx.as_ref().ok_or(BatchError::ShutDown)?;
            let job = Job { work, reply, place };
            tx.try_send(job).map_err(|e| match e {
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
    let mut first = rx.recv().ok()?;
    // Out of the channel: the request's place is free again.
    drop(std::mem::take(&mut first.place));
    let deadline = Instant::now() + limits.max_wait;
    let mut size = first.work.weight();
    let mut jobs = vec![first];
    while size < limits.max_size {
        let mut next = match rx.try_recv() {
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
        drop(std::mem::take(&mut next.place));
        size += next.work.weight();
        jobs.push(next);
    }
    Some(jobs)
}

fn worker(rx: &Mutex<Receiver<Job>>, limits: &Limits, metrics: &Metrics, upstream: &AtomicUsize) {
    while let Some(jobs) = collect(rx, limits, upstream) {
        let results = std::panic::catch_unwind(AssertUnwindSafe(|| verify_jobs(&jobs, limits)));
        match results {
            Ok(results) => {
                metrics
                    .batch_size
                    .observe(jobs.iter().map(|j| j.work.weight()).sum::<usize>() as f64);
                for (job, mine) in jobs.into_iter().zip(results) {
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

/// One job's results, verified on its own (batching off).
fn verify_alone(work: &Work) -> Results {
    match work {
        Work::Proofs(items) => items.iter().map(VerifyItem::verify_alone).collect(),
        Work::Composite(c) => vec![c.verify_alone(); c.weight()],
    }
}

/// Every job's results: the plain proofs in one BBS batch, the composite
/// proofs in one composite batch (their pairing equations combined, their
/// range proofs in one multi-scalar multiplication).
fn verify_jobs(jobs: &[Job], limits: &Limits) -> Vec<Results> {
    let items: Vec<BatchItem<'_>> = jobs
        .iter()
        .flat_map(|j| match &j.work {
            Work::Proofs(items) => items.iter().map(VerifyItem::as_batch_item).collect(),
            Work::Composite(_) => Vec::new(),
        })
        .collect();
    let plain = if items.is_empty() {
        Vec::new()
    } else if limits.parallel_threshold > 0 && items.len() >= limits.parallel_threshold {
        bbs::verify_batch_parallel(&items)
    } else {
        bbs::verify_batch(&items, &mut rand::rngs::OsRng)
    };
    let composite = verify_composites(jobs);
    let mut plain = plain.into_iter();
    let mut composite = composite.into_iter();
    jobs.iter()
        .map(|j| match &j.work {
            Work::Proofs(items) => plain.by_ref().take(items.len()).collect(),
            Work::Composite(c) => {
                let r = composite
                    .next()
                    .unwrap_or(Err(zkcred_crypto::Error::VerificationFailed));
                vec![r; c.weight()]
            }
        })
        .collect()
}

/// The composite jobs' results, in job order.
fn verify_composites(jobs: &[Job]) -> Vec<Result<(), zkcred_crypto::Error>> {
    let works: Vec<&CompositeWork> = jobs
        .iter()
        .filter_map(|j| match &j.work {
            Work::Composite(c) => Some(c),
            Work::Proofs(_) => None,
        })
        .collect();
    if works.is_empty() {
        return Vec::new();
    }
    let keys: Vec<Vec<&VerifierKey>> = works
        .iter()
        .map(|w| w.keys.iter().map(|k| k.as_ref()).collect())
        .collect();
    let parts: Vec<Option<Vec<composite::VerifierPart<'_>>>> = works
        .iter()
        .zip(&keys)
        .map(|(w, k)| w.prepared.composite_parts(k))
        .collect();
    let mut index = Vec::with_capacity(works.len());
    let mut items = Vec::with_capacity(works.len());
    for (w, p) in works.iter().zip(&parts) {
        match (p, &w.prepared.composite) {
            (Some(p), Some(c)) => {
                index.push(Some(items.len()));
                items.push(composite::CompositeItem {
                    parts: p,
                    relations: &c.relations,
                    ph: &c.presentation_header,
                    proof: &c.proof,
                });
            }
            _ => index.push(None),
        }
    }
    let results = composite::verify_batch(&items, &mut rand::rngs::OsRng);
    index
        .into_iter()
        .map(|i| match i {
            Some(i) => results[i].clone(),
            None => Err(zkcred_crypto::Error::VerificationFailed),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        let (reply, _) = oneshot::channel();
        Job {
            work: Work::Proofs(Vec::new()),
            reply,
            place: Place::default(),
        }
    }

    #[test]
    fn admission_is_bounded_by_the_queue_and_places_come_back() {
        let config = BatchConfig {
            queue: 2,
            ..BatchConfig::default()
        };
        let batcher = Batcher::start(&config, 1, Arc::new(Metrics::default()));
        let a = batcher.admit().unwrap();
        let b = batcher.admit().unwrap();
        assert_eq!(batcher.admit().unwrap_err(), BatchError::Overloaded);
        drop(a);
        let c = batcher.admit().unwrap();
        assert_eq!(batcher.admit().unwrap_err(), BatchError::Overloaded);
        drop((b, c));
        assert_eq!(batcher.admitted.load(Ordering::Acquire), 0);
        assert_eq!(batcher.upstream.load(Ordering::Acquire), 0);
        batcher.shutdown();
        assert_eq!(batcher.admit().unwrap_err(), BatchError::ShutDown);
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
