//! One-time challenges, in a sharded concurrent map (`dashmap`).
//!
//! A challenge is a 256-bit random nonce, issued for one verifier and one
//! policy; the holder binds it into the presentation header of its proof.
//! The first presentation that brings it consumes it atomically (under the
//! map shard's write lock); any later use is refused, and the refusal says
//! why: [`ChallengeError::Unknown`], [`ChallengeError::Expired`],
//! [`ChallengeError::Replayed`], or bound to another
//! [`ChallengeError::WrongVerifier`] / [`ChallengeError::WrongPolicy`] (a
//! mismatched attempt does not consume the challenge). The policy version
//! in force at issue time is returned on consumption, so the presentation
//! is judged under the version the holder was shown.
//!
//! **Secrets.** The map is keyed by `SHA-256(domain || nonce)`, never by the
//! nonce: the store holds no usable nonce, and the map's (variable-time)
//! key comparison only ever sees digests, whose timing tells an attacker
//! nothing about an unspent nonce. No secret is compared directly.
//!
//! **Memory.** A consumed challenge stays as a small tombstone until its
//! expiry, so a replay is recognised as such. Expired entries are swept at
//! most once per [`ChallengeConfig::sweep_interval`] as challenges are
//! issued, and whenever the store is full; beyond
//! [`ChallengeConfig::capacity`] live entries, issuing fails with
//! [`ChallengeError::CapacityExceeded`].

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkcred_problem::ProblemCode;

use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use rand::RngCore;
use sha2::{Digest, Sha256};

const DOMAIN: &[u8] = b"zkcred/challenge/v1\0";

/// Settings of a [`ChallengeStore`].
#[derive(Debug, Clone)]
pub struct ChallengeConfig {
    /// How long a challenge may be used after it is issued.
    pub ttl: Duration,
    /// The most entries (live challenges and tombstones) held at once.
    pub capacity: usize,
    /// How often issuing sweeps out expired entries.
    pub sweep_interval: Duration,
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        ChallengeConfig {
            ttl: Duration::from_secs(300),
            capacity: 100_000,
            sweep_interval: Duration::from_secs(1),
        }
    }
}

/// A challenge nonce: 32 random bytes, shown as 64 hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Nonce([u8; 32]);

impl Nonce {
    /// The nonce bytes (to bind into a presentation header).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hex form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, ChallengeError> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s, &mut b).map_err(|_| ChallengeError::Malformed)?;
        Ok(Nonce(b))
    }

    /// Takes 32 bytes as a nonce.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Nonce(bytes)
    }

    /// The key the store holds the challenge under, `SHA-256(domain ||
    /// nonce)`: identifies a challenge without holding a usable nonce (the
    /// decision store keys its entries by it too).
    pub(crate) fn digest(&self) -> [u8; 32] {
        self.key()
    }

    fn key(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(self.0);
        h.finalize().into()
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce(..)")
    }
}

/// What a challenge is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeBinding {
    /// The verifier that asked.
    pub verifier: String,
    /// The policy it asked under.
    pub policy_id: String,
    /// The policy version in force when it asked.
    pub policy_version: u32,
}

/// A freshly issued challenge.
#[derive(Debug, Clone)]
pub struct IssuedChallenge {
    /// The nonce to send to the holder.
    pub nonce: Nonce,
    /// When it stops being accepted.
    pub expires_at: Instant,
}

/// Why a challenge was not accepted or not issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No such challenge: never issued, or expired and swept.
    #[error("unknown challenge")]
    Unknown,
    /// The challenge has expired.
    #[error("challenge expired")]
    Expired,
    /// The challenge was already used by a presentation.
    #[error("challenge already used")]
    Replayed,
    /// The challenge was issued to another verifier.
    #[error("challenge was issued to another verifier")]
    WrongVerifier,
    /// The challenge was issued for another policy.
    #[error("challenge was issued for another policy")]
    WrongPolicy,
    /// The presented challenge is not 64 hex digits.
    #[error("malformed challenge")]
    Malformed,
    /// The store is full of live challenges.
    #[error("too many outstanding challenges")]
    CapacityExceeded,
}

impl ChallengeError {
    /// The problem code.
    pub fn code(&self) -> ProblemCode {
        match self {
            ChallengeError::Unknown => ProblemCode::ChallengeUnknown,
            ChallengeError::Expired => ProblemCode::ChallengeExpired,
            ChallengeError::Replayed => ProblemCode::ChallengeReplayed,
            ChallengeError::WrongVerifier => ProblemCode::ChallengeWrongVerifier,
            ChallengeError::WrongPolicy => ProblemCode::ChallengeWrongPolicy,
            ChallengeError::Malformed => ProblemCode::ChallengeMalformed,
            ChallengeError::CapacityExceeded => ProblemCode::ChallengeCapacityExceeded,
        }
    }
}

struct Slot {
    binding: Arc<ChallengeBinding>,
    expires_at: Instant,
    used: bool,
}

/// The store of outstanding one-time challenges; see the module
/// documentation.
pub struct ChallengeStore {
    map: DashMap<[u8; 32], Slot>,
    /// Entries in `map`, kept exactly (reserved before insert, released on
    /// removal) so capacity checks need not lock every shard.
    len: AtomicUsize,
    last_sweep: Mutex<Instant>,
    config: ChallengeConfig,
}

impl fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeStore")
            .field("len", &self.len())
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
            last_sweep: Mutex::new(Instant::now()),
            config,
        }
    }

    /// Entries held (live challenges and tombstones of used ones).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Issues a challenge bound to `binding`, valid for the configured TTL.
    pub fn issue(&self, binding: ChallengeBinding) -> Result<IssuedChallenge, ChallengeError> {
        self.issue_at(binding, Instant::now())
    }

    /// [`ChallengeStore::issue`] at a given time.
    pub fn issue_at(
        &self,
        binding: ChallengeBinding,
        now: Instant,
    ) -> Result<IssuedChallenge, ChallengeError> {
        self.maybe_sweep(now);
        if !self.reserve() {
            self.sweep_at(now);
            if !self.reserve() {
                return Err(ChallengeError::CapacityExceeded);
            }
        }
        let binding = Arc::new(binding);
        let expires_at = now + self.config.ttl;
        loop {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let nonce = Nonce(bytes);
            // A collision of 256-bit random values does not happen; if it
            // did, drawing again is the right answer.
            if let Entry::Vacant(v) = self.map.entry(nonce.key()) {
                v.insert(Slot {
                    binding: Arc::clone(&binding),
                    expires_at,
                    used: false,
                });
                return Ok(IssuedChallenge { nonce, expires_at });
            }
        }
    }

    /// Consumes the challenge `nonce` for a presentation to `verifier` under
    /// `policy_id`, returning what it was bound to. At most one call
    /// succeeds per challenge.
    pub fn consume(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        self.consume_at(nonce, verifier, policy_id, Instant::now())
    }

    /// [`ChallengeStore::consume`] at a given time.
    pub fn consume_at(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
        now: Instant,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        let mut slot = self
            .map
            .get_mut(&nonce.key())
            .ok_or(ChallengeError::Unknown)?;
        if slot.used {
            return Err(ChallengeError::Replayed);
        }
        if now >= slot.expires_at {
            return Err(ChallengeError::Expired);
        }
        if slot.binding.verifier != verifier {
            return Err(ChallengeError::WrongVerifier);
        }
        if slot.binding.policy_id != policy_id {
            return Err(ChallengeError::WrongPolicy);
        }
        slot.used = true;
        Ok(Arc::clone(&slot.binding))
    }

    /// Removes every entry expired at `now`; returns how many.
    pub fn sweep_at(&self, now: Instant) -> usize {
        let mut removed = 0;
        self.map.retain(|_, slot| {
            let keep = now < slot.expires_at;
            if !keep {
                removed += 1;
            }
            keep
        });
        self.len.fetch_sub(removed, Ordering::AcqRel);
        *self
            .last_sweep
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
        removed
    }

    fn maybe_sweep(&self, now: Instant) {
        let due = match self.last_sweep.try_lock() {
            Ok(last) => now.saturating_duration_since(*last) >= self.config.sweep_interval,
            // Another thread is sweeping.
            Err(_) => false,
        };
        if due {
            self.sweep_at(now);
        }
    }

    fn reserve(&self) -> bool {
        self.len
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.config.capacity).then_some(n + 1)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    fn binding() -> ChallengeBinding {
        ChallengeBinding {
            verifier: "hotel".into(),
            policy_id: "checkin".into(),
            policy_version: 3,
        }
    }

    fn store(capacity: usize) -> ChallengeStore {
        ChallengeStore::new(ChallengeConfig {
            ttl: Duration::from_secs(60),
            capacity,
            sweep_interval: Duration::from_secs(1),
        })
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
        assert!(s.consume(&c.nonce, "hotel", "checkin").is_ok());
    }

    #[test]
    fn expiry_and_sweep() {
        let s = store(10);
        let t0 = Instant::now();
        let c = s.issue_at(binding(), t0).unwrap();
        let used = s.issue_at(binding(), t0).unwrap();
        s.consume_at(&used.nonce, "hotel", "checkin", t0).unwrap();
        let late = t0 + Duration::from_secs(60);
        assert_eq!(
            s.consume_at(&c.nonce, "hotel", "checkin", late),
            Err(ChallengeError::Expired)
        );
        assert_eq!(
            s.consume_at(&used.nonce, "hotel", "checkin", late),
            Err(ChallengeError::Replayed)
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s.sweep_at(late), 2);
        assert!(s.is_empty());
        assert_eq!(
            s.consume_at(&c.nonce, "hotel", "checkin", late),
            Err(ChallengeError::Unknown)
        );
    }

    #[test]
    fn capacity_is_a_hard_limit() {
        let s = store(5);
        let t0 = Instant::now();
        for _ in 0..5 {
            s.issue_at(binding(), t0).unwrap();
        }
        let e = s.issue_at(binding(), t0).unwrap_err();
        assert_eq!(e.code(), "challenge_capacity_exceeded");
        // Consumed but unexpired entries still count (they are tombstones).
        assert_eq!(s.len(), 5);
        // Once they expire, a full store sweeps and issues again.
        let later = t0 + Duration::from_secs(61);
        s.issue_at(binding(), later).unwrap();
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn memory_stays_bounded_under_load() {
        // 20 challenges per simulated second with a 60 s TTL: the store
        // settles at about 60 s worth plus one sweep interval.
        let s = store(100_000);
        let t0 = Instant::now();
        let mut peak = 0;
        for i in 0..20_000u64 {
            let now = t0 + Duration::from_millis(i * 50);
            let c = s.issue_at(binding(), now).unwrap();
            if i % 2 == 0 {
                s.consume_at(&c.nonce, "hotel", "checkin", now).unwrap();
            }
            peak = peak.max(s.len());
        }
        assert!(peak <= 61 * 20 + 1, "peak {peak}");
        assert_eq!(s.len(), s.map.len());
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
            assert!(results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| *e == ChallengeError::Replayed));
        }
    }

    #[test]
    fn concurrent_issue_respects_capacity() {
        let s = Arc::new(store(300));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let s = Arc::clone(&s);
                std::thread::spawn(move || (0..100).filter(|_| s.issue(binding()).is_ok()).count())
            })
            .collect();
        let issued: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(issued, 300);
        assert_eq!(s.len(), 300);
        assert_eq!(s.map.len(), 300);
    }
}
