//! The in-process challenge store: a sharded concurrent map (`dashmap`),
//! the default [`super::Challenges`] of a single node.
//!
//! A challenge is consumed under the map shard's write lock, so exactly one
//! of any number of racing presentations gets it.
//!
//! **Live challenges and spent ones are kept apart.** The map holds only
//! *live* challenges: issued, not yet consumed (expired ones until the next
//! sweep). Consuming a challenge *removes* it from the map, so its slot is
//! free again at once, and puts a tombstone (the first 16 octets of its
//! digest, nothing else) into a separate, bounded set of spent challenges.
//! Replay safety does not depend on that set: a nonce that is not in the
//! live map is refused whatever else happens, so a replay of a spent nonce
//! is refused as [`ChallengeError::Replayed`] while its tombstone is kept
//! and as [`ChallengeError::Unknown`] once it is gone. Tombstones only make
//! the refusal more precise, and so the set may forget: it holds
//! [`ChallengeConfig::tombstones`] at most, in time slices of
//! `ttl / 8` by the time of spending; a slice is dropped whole once every
//! challenge spent in it has expired, or, oldest first, when the set is
//! full. Remembering a spent challenge never blocks issuing a new one.
//! (Truncating the digest to 128 bits cannot let a replay through either:
//! the set is only asked about nonces the live map does not hold.)
//!
//! **Budgets.** Live challenges count against two limits, both checked
//! atomically as a challenge is issued and released as it is consumed or
//! swept: the verifier's own budget, [`ChallengeConfig::per_verifier`]
//! ([`ChallengeError::QuotaExceeded`] beyond it, while other verifiers are
//! still served), and the store's, [`ChallengeConfig::capacity`], a backstop
//! over all verifiers ([`ChallengeError::CapacityExceeded`]). A verifier
//! frees its budget by having its challenges answered, or by their expiry.
//! The store keeps one counter per verifier name it has issued to (in the
//! service, the configured tokens: a closed set).
//!
//! **Sweeping.** Expired live challenges and expired tombstone slices are
//! swept at most once per [`ChallengeConfig::sweep_interval`] as challenges
//! are issued, never more often (a full store or an exhausted budget does
//! not make every request pay for a sweep), so a challenge may hold its
//! slot up to one interval past its expiry.
//!
//! **Throughput.** Only live challenges hold slots, so by Little's law the
//! store sustains `capacity / T` decisions per second (and one verifier
//! `per_verifier / T`), where `T` is the mean time from issue to
//! consumption; a challenge never answered holds its slot for the full TTL.
//! See the service's README (Limits) for the figures of the defaults.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use rand::RngCore;

use super::{ChallengeBinding, ChallengeConfig, ChallengeError, IssuedChallenge, Nonce};

/// Time slices of the tombstone set per TTL.
const TOMBSTONE_SLICES: u32 = 8;

/// A live challenge.
struct Slot {
    binding: Arc<ChallengeBinding>,
    expires_at: Instant,
    /// The live-challenge count of `binding.verifier`.
    budget: Arc<AtomicUsize>,
}

/// What the tombstone set keeps of a spent challenge: its digest's first
/// 16 octets.
type Tombstone = [u8; 16];

fn tombstone(digest: &[u8; 32]) -> Tombstone {
    let mut t = [0u8; 16];
    t.copy_from_slice(&digest[..16]);
    t
}

/// The tombstones spent within one time slice.
struct Slice {
    /// When its first tombstone was added.
    opened: Instant,
    /// The latest expiry of the challenges in it.
    newest_expiry: Instant,
    digests: HashSet<Tombstone>,
}

/// The bounded set of spent challenges; see the module documentation.
struct Tombstones {
    /// Oldest first.
    slices: VecDeque<Slice>,
    len: usize,
    capacity: usize,
    per_slice: usize,
    span: Duration,
}

impl Tombstones {
    fn new(capacity: usize, ttl: Duration) -> Self {
        Tombstones {
            slices: VecDeque::new(),
            len: 0,
            capacity,
            per_slice: capacity.div_ceil(TOMBSTONE_SLICES as usize).max(1),
            span: ttl / TOMBSTONE_SLICES,
        }
    }

    fn contains(&self, t: &Tombstone) -> bool {
        self.slices.iter().any(|s| s.digests.contains(t))
    }

    /// Remembers a challenge spent at `now` that expires at `expires_at`,
    /// forgetting the oldest slice first if the set is full.
    fn insert(&mut self, t: Tombstone, expires_at: Instant, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        while self.len >= self.capacity {
            match self.slices.pop_front() {
                Some(s) => self.len -= s.digests.len(),
                None => break,
            }
        }
        let open = self.slices.back().is_none_or(|s| {
            s.digests.len() >= self.per_slice
                || now.saturating_duration_since(s.opened) >= self.span
        });
        if open {
            self.slices.push_back(Slice {
                opened: now,
                newest_expiry: expires_at,
                digests: HashSet::new(),
            });
        }
        if let Some(s) = self.slices.back_mut() {
            if s.digests.insert(t) {
                self.len += 1;
            }
            s.newest_expiry = s.newest_expiry.max(expires_at);
        }
    }

    /// Drops the oldest slices whose challenges have all expired at `now`.
    fn sweep(&mut self, now: Instant) {
        while let Some(s) = self.slices.front() {
            if now < s.newest_expiry {
                break;
            }
            self.len -= s.digests.len();
            self.slices.pop_front();
        }
    }
}

/// The store of outstanding one-time challenges; see the module
/// documentation.
pub struct ChallengeStore {
    /// Live challenges, by digest.
    map: DashMap<[u8; 32], Slot>,
    /// Entries in `map`, kept exactly (reserved before insert, released on
    /// removal) so capacity checks need not lock every shard.
    len: AtomicUsize,
    /// Live challenges per verifier, kept like `len`.
    budgets: DashMap<Box<str>, Arc<AtomicUsize>>,
    tombstones: Mutex<Tombstones>,
    last_sweep: Mutex<Instant>,
    config: ChallengeConfig,
}

impl fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeStore")
            .field("len", &self.len())
            .field("tombstones", &self.tombstones_len())
            .field("config", &self.config)
            .finish()
    }
}

impl ChallengeStore {
    /// An empty store.
    pub fn new(config: ChallengeConfig) -> Self {
        ChallengeStore {
            map: DashMap::new(),
            len: AtomicUsize::new(0),
            budgets: DashMap::new(),
            tombstones: Mutex::new(Tombstones::new(config.tombstones, config.ttl)),
            last_sweep: Mutex::new(Instant::now()),
            config,
        }
    }

    /// The store's settings.
    pub fn config(&self) -> &ChallengeConfig {
        &self.config
    }

    /// Live challenges held (issued and not spent; expired ones until they
    /// are swept).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the store holds no live challenge.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live challenges held for `verifier` (counted against its budget).
    pub fn outstanding(&self, verifier: &str) -> usize {
        self.budgets
            .get(verifier)
            .map_or(0, |b| b.load(Ordering::Acquire))
    }

    /// Spent challenges remembered as tombstones.
    pub fn tombstones_len(&self) -> usize {
        self.tombstones().len
    }

    /// Issues a challenge bound to `binding`, valid for the configured TTL.
    ///
    /// # Errors
    /// [`ChallengeError::QuotaExceeded`] when the verifier holds
    /// [`ChallengeConfig::per_verifier`] live challenges,
    /// [`ChallengeError::CapacityExceeded`] when the store holds
    /// [`ChallengeConfig::capacity`].
    pub fn issue(&self, binding: ChallengeBinding) -> Result<IssuedChallenge, ChallengeError> {
        self.issue_at(binding, Instant::now())
    }

    /// [`ChallengeStore::issue`] at a given time.
    ///
    /// # Errors
    /// As [`ChallengeStore::issue`].
    pub fn issue_at(
        &self,
        binding: ChallengeBinding,
        now: Instant,
    ) -> Result<IssuedChallenge, ChallengeError> {
        self.maybe_sweep(now);
        let budget = self.budget_of(&binding.verifier);
        if !reserve(&budget, self.config.per_verifier) {
            return Err(ChallengeError::QuotaExceeded);
        }
        if !reserve(&self.len, self.config.capacity) {
            budget.fetch_sub(1, Ordering::AcqRel);
            return Err(ChallengeError::CapacityExceeded);
        }
        let binding = Arc::new(binding);
        let expires_at = now + self.config.ttl;
        loop {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let nonce = Nonce(bytes);
            // A collision of 256-bit random values does not happen; if it
            // did, drawing again is the right answer.
            if let Entry::Vacant(v) = self.map.entry(nonce.digest()) {
                v.insert(Slot {
                    binding: Arc::clone(&binding),
                    expires_at,
                    budget: Arc::clone(&budget),
                });
                return Ok(IssuedChallenge {
                    nonce,
                    expires_at,
                    expires_utc: None,
                });
            }
        }
    }

    /// Consumes the challenge `nonce` for a presentation to `verifier` under
    /// `policy_id`, returning what it was bound to. At most one call
    /// succeeds per challenge; it frees the challenge's slot and leaves a
    /// tombstone.
    ///
    /// # Errors
    /// [`ChallengeError::Unknown`], [`ChallengeError::Expired`],
    /// [`ChallengeError::Replayed`], [`ChallengeError::WrongVerifier`] or
    /// [`ChallengeError::WrongPolicy`]; see the module documentation.
    pub fn consume(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        self.consume_at(nonce, verifier, policy_id, Instant::now())
    }

    /// [`ChallengeStore::consume`] at a given time.
    ///
    /// # Errors
    /// As [`ChallengeStore::consume`].
    pub fn consume_at(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
        now: Instant,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        let key = nonce.digest();
        let slot = match self.map.entry(key) {
            Entry::Vacant(_) => {
                return Err(if self.tombstones().contains(&tombstone(&key)) {
                    ChallengeError::Replayed
                } else {
                    ChallengeError::Unknown
                });
            }
            Entry::Occupied(o) => {
                let slot = o.get();
                if now >= slot.expires_at {
                    return Err(ChallengeError::Expired);
                }
                if slot.binding.verifier != verifier {
                    return Err(ChallengeError::WrongVerifier);
                }
                if slot.binding.policy_id != policy_id {
                    return Err(ChallengeError::WrongPolicy);
                }
                // The tombstone goes in while the shard is still locked, so
                // a concurrent replay, which waits for the lock, finds it.
                self.tombstones()
                    .insert(tombstone(&key), slot.expires_at, now);
                o.remove()
            }
        };
        slot.budget.fetch_sub(1, Ordering::AcqRel);
        self.len.fetch_sub(1, Ordering::AcqRel);
        Ok(slot.binding)
    }

    /// Removes every live challenge expired at `now`, and the tombstone
    /// slices wholly expired; returns how many live challenges went.
    pub fn sweep_at(&self, now: Instant) -> usize {
        *self
            .last_sweep
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
        self.sweep(now)
    }

    fn sweep(&self, now: Instant) -> usize {
        let mut removed = 0;
        self.map.retain(|_, slot| {
            let keep = now < slot.expires_at;
            if !keep {
                slot.budget.fetch_sub(1, Ordering::AcqRel);
                removed += 1;
            }
            keep
        });
        self.len.fetch_sub(removed, Ordering::AcqRel);
        self.tombstones().sweep(now);
        removed
    }

    fn maybe_sweep(&self, now: Instant) {
        let due = match self.last_sweep.try_lock() {
            Ok(mut last) if now.saturating_duration_since(*last) >= self.config.sweep_interval => {
                *last = now;
                true
            }
            // Not yet due, or another thread is sweeping.
            _ => false,
        };
        if due {
            self.sweep(now);
        }
    }

    fn budget_of(&self, verifier: &str) -> Arc<AtomicUsize> {
        if let Some(b) = self.budgets.get(verifier) {
            return Arc::clone(&b);
        }
        Arc::clone(&self.budgets.entry(verifier.into()).or_default())
    }

    fn tombstones(&self) -> MutexGuard<'_, Tombstones> {
        self.tombstones
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Takes one of `limit` slots counted by `n`; false if none is free.
fn reserve(n: &AtomicUsize, limit: usize) -> bool {
    n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
        (v < limit).then_some(v + 1)
    })
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    fn binding() -> ChallengeBinding {
        bound_to("hotel")
    }

    fn bound_to(verifier: &str) -> ChallengeBinding {
        ChallengeBinding {
            verifier: verifier.into(),
            policy_id: "checkin".into(),
            policy_version: 3,
        }
    }

    fn config(capacity: usize) -> ChallengeConfig {
        ChallengeConfig {
            ttl: Duration::from_secs(60),
            capacity,
            per_verifier: usize::MAX,
            tombstones: 1000,
            sweep_interval: Duration::from_secs(1),
        }
    }

    fn store(capacity: usize) -> ChallengeStore {
        ChallengeStore::new(config(capacity))
    }

    #[test]
    fn consume_once() {
        let s = store(10);
        let c = s.issue(binding()).unwrap();
        assert_eq!(c.nonce.to_hex().len(), 64);
        let b = s.consume(&c.nonce, "hotel", "checkin").unwrap();
        assert_eq!(b.policy_version, 3);
        assert_eq!(
            s.consume(&c.nonce, "hotel", "checkin"),
            Err(ChallengeError::Replayed)
        );
        let other = Nonce::from_bytes([0; 32]);
        assert_eq!(
            s.consume(&other, "hotel", "checkin"),
            Err(ChallengeError::Unknown)
        );
        assert_eq!(
            Nonce::from_hex("zz").unwrap_err().code(),
            "challenge_malformed"
        );
        let parsed = Nonce::from_hex(&c.nonce.to_hex()).unwrap();
        assert_eq!(parsed, c.nonce);
        assert_eq!(format!("{:?}", c.nonce), "Nonce(..)");
    }

    #[test]
    fn binding_mismatch_does_not_consume() {
        let s = store(10);
        let c = s.issue(binding()).unwrap();
        let e = s.consume(&c.nonce, "bar", "checkin").unwrap_err();
        assert_eq!(e.code(), "challenge_wrong_verifier");
        let e = s.consume(&c.nonce, "hotel", "age").unwrap_err();
        assert_eq!(e.code(), "challenge_wrong_policy");
        assert_eq!(s.outstanding("hotel"), 1);
        assert!(s.consume(&c.nonce, "hotel", "checkin").is_ok());
        assert_eq!(s.outstanding("hotel"), 0);
    }

    #[test]
    fn expiry_and_sweep() {
        let s = store(10);
        let t0 = Instant::now();
        let c = s.issue_at(binding(), t0).unwrap();
        let used = s.issue_at(binding(), t0).unwrap();
        s.consume_at(&used.nonce, "hotel", "checkin", t0).unwrap();
        // Spent: out of the live map at once, remembered as a tombstone.
        assert_eq!((s.len(), s.tombstones_len()), (1, 1));
        let late = t0 + Duration::from_secs(60);
        assert_eq!(
            s.consume_at(&c.nonce, "hotel", "checkin", late),
            Err(ChallengeError::Expired)
        );
        assert_eq!(
            s.consume_at(&used.nonce, "hotel", "checkin", late),
            Err(ChallengeError::Replayed)
        );
        assert_eq!(s.sweep_at(late), 1);
        assert!(s.is_empty());
        assert_eq!(s.outstanding("hotel"), 0);
        assert_eq!(s.tombstones_len(), 0);
        for n in [&c.nonce, &used.nonce] {
            assert_eq!(
                s.consume_at(n, "hotel", "checkin", late),
                Err(ChallengeError::Unknown)
            );
        }
    }

    #[test]
    fn capacity_counts_live_challenges_only() {
        let s = store(5);
        let t0 = Instant::now();
        let issued: Vec<_> = (0..5).map(|_| s.issue_at(binding(), t0).unwrap()).collect();
        let e = s.issue_at(binding(), t0).unwrap_err();
        assert_eq!(e.code(), "challenge_capacity_exceeded");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        // A spent challenge frees its slot at once.
        s.consume_at(&issued[0].nonce, "hotel", "checkin", t0)
            .unwrap();
        s.issue_at(binding(), t0).unwrap();
        assert_eq!(s.len(), 5);
        assert!(s.issue_at(binding(), t0).is_err());
        // Once the live ones expire, the next sweep frees theirs.
        let later = t0 + Duration::from_secs(61);
        s.issue_at(binding(), later).unwrap();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn spent_challenges_never_block_issuing() {
        // Far more challenges spent than the store holds, or remembers.
        let s = ChallengeStore::new(ChallengeConfig {
            tombstones: 16,
            ..config(3)
        });
        let t0 = Instant::now();
        let mut spent = Vec::new();
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i);
            let c = s.issue_at(binding(), now).unwrap();
            s.consume_at(&c.nonce, "hotel", "checkin", now).unwrap();
            spent.push(c.nonce);
            assert!(s.tombstones_len() <= 16);
        }
        assert_eq!(s.len(), 0);
        // The newest are remembered as replays; the oldest were forgotten,
        // and a replay of them is refused all the same.
        let now = t0 + Duration::from_secs(2);
        assert_eq!(
            s.consume_at(&spent[999], "hotel", "checkin", now),
            Err(ChallengeError::Replayed)
        );
        assert_eq!(
            s.consume_at(&spent[0], "hotel", "checkin", now),
            Err(ChallengeError::Unknown)
        );
    }

    #[test]
    fn tombstones_evict_the_oldest_slice_first() {
        let mut t = Tombstones::new(16, Duration::from_secs(80));
        assert_eq!(t.per_slice, 2);
        let t0 = Instant::now();
        let exp = t0 + Duration::from_secs(80);
        for i in 0..16u8 {
            t.insert([i; 16], exp, t0);
        }
        assert_eq!((t.len, t.slices.len()), (16, 8));
        // Full: the oldest slice (0 and 1) goes, and only it.
        t.insert([16; 16], exp, t0);
        assert_eq!(t.len, 15);
        assert!(!t.contains(&[0; 16]) && !t.contains(&[1; 16]));
        assert!((2..=16).all(|i| t.contains(&[i; 16])));
        // A remembered digest is not counted twice.
        t.insert([16; 16], exp, t0);
        assert_eq!(t.len, 15);
        // Nothing is remembered with no room at all.
        let mut none = Tombstones::new(0, Duration::from_secs(80));
        none.insert([1; 16], exp, t0);
        assert!(!none.contains(&[1; 16]));
    }

    #[test]
    fn tombstones_are_sliced_by_time_and_dropped_when_expired() {
        let ttl = Duration::from_secs(80);
        let mut t = Tombstones::new(1000, ttl);
        let t0 = Instant::now();
        // Spent 0, 5 and 12 s in; 10 s slices.
        for (i, at) in [(1u8, 0u64), (2, 5), (3, 12)] {
            let spent = t0 + Duration::from_secs(at);
            t.insert([i; 16], spent + ttl, spent);
        }
        assert_eq!(t.slices.len(), 2);
        // The first slice goes once its newest challenge has expired.
        t.sweep(t0 + Duration::from_secs(84));
        assert_eq!(t.len, 3);
        t.sweep(t0 + Duration::from_secs(85));
        assert_eq!(t.len, 1);
        assert!(t.contains(&[3; 16]) && !t.contains(&[1; 16]));
        t.sweep(t0 + Duration::from_secs(92));
        assert_eq!((t.len, t.slices.len()), (0, 0));
    }

    #[test]
    fn each_verifier_has_its_own_budget() {
        let s = ChallengeStore::new(ChallengeConfig {
            per_verifier: 3,
            ..config(5)
        });
        let t0 = Instant::now();
        let hotel: Vec<_> = (0..3).map(|_| s.issue_at(binding(), t0).unwrap()).collect();
        let e = s.issue_at(binding(), t0).unwrap_err();
        assert_eq!(e, ChallengeError::QuotaExceeded);
        assert_eq!(e.code(), "challenge_quota_exceeded");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        assert_eq!((s.outstanding("hotel"), s.len()), (3, 3));
        // Another verifier is still served, up to the store's capacity.
        s.issue_at(bound_to("bar"), t0).unwrap();
        s.issue_at(bound_to("bar"), t0).unwrap();
        let e = s.issue_at(bound_to("bar"), t0).unwrap_err();
        assert_eq!(e, ChallengeError::CapacityExceeded);
        assert_ne!(e.code(), ChallengeError::QuotaExceeded.code());
        // A refused issue takes nothing.
        assert_eq!((s.outstanding("bar"), s.len()), (2, 5));
        // Answering one of its challenges gives the verifier one back...
        s.consume_at(&hotel[0].nonce, "hotel", "checkin", t0)
            .unwrap();
        assert_eq!(s.outstanding("hotel"), 2);
        s.issue_at(binding(), t0).unwrap();
        assert!(s.issue_at(binding(), t0).is_err());
        // ...and so does expiry, at the next sweep.
        let later = t0 + Duration::from_secs(61);
        s.issue_at(binding(), later).unwrap();
        assert_eq!((s.outstanding("hotel"), s.outstanding("bar")), (1, 0));
        assert_eq!(s.outstanding("nobody"), 0);
    }

    #[test]
    fn memory_stays_bounded_under_load() {
        // 20 challenges per simulated second with a 60 s TTL, half of them
        // never answered: the live ones settle at about 60 s worth of the
        // unanswered plus one sweep interval, the tombstones at 60 s worth
        // of the answered plus a slice.
        let s = ChallengeStore::new(ChallengeConfig {
            tombstones: 100_000,
            ..config(100_000)
        });
        let t0 = Instant::now();
        let (mut live, mut dead) = (0, 0);
        for i in 0..20_000u64 {
            let now = t0 + Duration::from_millis(i * 50);
            let c = s.issue_at(binding(), now).unwrap();
            if i % 2 == 0 {
                s.consume_at(&c.nonce, "hotel", "checkin", now).unwrap();
            }
            live = live.max(s.len());
            dead = dead.max(s.tombstones_len());
        }
        assert!(live <= 61 * 10 + 1, "live {live}");
        assert!(dead <= (60 + 8 + 1) * 10, "tombstones {dead}");
        assert_eq!(s.len(), s.map.len());
        assert_eq!(s.outstanding("hotel"), s.len());
    }

    #[test]
    fn concurrent_consumers_one_wins() {
        const THREADS: usize = 8;
        let s = Arc::new(store(1000));
        for _ in 0..50 {
            let c = s.issue(binding()).unwrap();
            let barrier = Arc::new(Barrier::new(THREADS));
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (s, b, n) = (Arc::clone(&s), Arc::clone(&barrier), c.nonce.clone());
                    std::thread::spawn(move || {
                        b.wait();
                        s.consume(&n, "hotel", "checkin")
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
            // The losers see the tombstone: it is in before the slot goes.
            assert!(results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| *e == ChallengeError::Replayed));
        }
        assert!(s.is_empty());
    }

    #[test]
    fn concurrent_issue_respects_capacity_and_budgets() {
        let s = Arc::new(ChallengeStore::new(ChallengeConfig {
            per_verifier: 150,
            ..config(300)
        }));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let s = Arc::clone(&s);
                let who = if i % 2 == 0 { "hotel" } else { "bar" };
                std::thread::spawn(move || {
                    (0..100).filter(|_| s.issue(bound_to(who)).is_ok()).count()
                })
            })
            .collect();
        let issued: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(issued, 300);
        assert_eq!((s.outstanding("hotel"), s.outstanding("bar")), (150, 150));
        assert_eq!(s.len(), 300);
        assert_eq!(s.map.len(), 300);
    }
}
