//! One-time challenges: the nonce, what it is bound to, why one is refused,
//! and the two stores that hold them behind one face, [`Challenges`].
//!
//! A challenge is a 256-bit random nonce, issued for one verifier and one
//! policy; the holder binds it into the presentation header of its proof.
//! The first presentation that brings it consumes it atomically; any later
//! use is refused, and the refusal says why: [`ChallengeError::Unknown`],
//! [`ChallengeError::Expired`], [`ChallengeError::Replayed`], or bound to
//! another [`ChallengeError::WrongVerifier`] /
//! [`ChallengeError::WrongPolicy`] (a mismatched attempt does not consume
//! the challenge). The policy version in force at issue time is returned on
//! consumption, so the presentation is judged under the version the holder
//! was shown.
//!
//! **Secrets.** Both stores key a challenge by `SHA-256(domain || nonce)`
//! ([`Nonce`]'s digest), never by the nonce: a store holds no usable nonce,
//! and its (variable-time) key comparison only ever sees digests, whose
//! timing tells an attacker nothing about an unspent nonce. No secret is
//! compared directly.
//!
//! **Two stores, one behaviour.** Each holds *live* challenges only (issued,
//! not yet consumed; an expired one a little longer, to be refused as
//! expired), counts them against a budget per verifier
//! ([`ChallengeConfig::per_verifier`], [`ChallengeError::QuotaExceeded`])
//! and an overall one ([`ChallengeConfig::capacity`],
//! [`ChallengeError::CapacityExceeded`]), both checked atomically at issue
//! and released at consumption or expiry, and remembers spent challenges
//! for a while as tombstones, which only tell [`ChallengeError::Replayed`]
//! from [`ChallengeError::Unknown`]: a nonce no longer live is refused
//! whatever the tombstones hold.
//!
//! - [`ChallengeStore`] ([`store`]): in the process, a sharded concurrent
//!   map. The default; one node.
//! - [`RedisChallenges`] ([`redis`]): in Redis, shared by every node behind
//!   a load balancer: a challenge issued on one node is answered on any
//!   other, consumed exactly once whichever nodes race for it (one Lua
//!   script per operation, timed by the Redis server's clock). When Redis
//!   cannot be reached every operation fails fast with
//!   [`ChallengeError::Unavailable`] (503 with `Retry-After`), and the node
//!   recovers by itself when Redis answers again.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkcred_problem::ProblemCode;

use sha2::{Digest, Sha256};

pub mod redis;
pub mod store;

pub use self::redis::{RedisChallenges, RedisConfig};
pub use self::store::ChallengeStore;

const DOMAIN: &[u8] = b"zkcred/challenge/v1\0";

/// Settings of a challenge store, in process or in Redis.
#[derive(Debug, Clone)]
pub struct ChallengeConfig {
    /// How long a challenge may be used after it is issued.
    pub ttl: Duration,
    /// The most live (issued, unspent) challenges held at once, over all
    /// verifiers.
    pub capacity: usize,
    /// The most live challenges one verifier may hold at once.
    pub per_verifier: usize,
    /// The most spent challenges remembered, to tell a replay apart from
    /// an unknown nonce (0: none; every replay is then `Unknown`).
    pub tombstones: usize,
    /// How often issuing sweeps out expired entries (in process; Redis
    /// trims the expired ones at every issue).
    pub sweep_interval: Duration,
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        ChallengeConfig {
            ttl: Duration::from_secs(300),
            capacity: 100_000,
            per_verifier: 20_000,
            tombstones: 1_000_000,
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

    /// `SHA-256(domain || nonce)`: the store's key of this challenge (see
    /// the module documentation), safe to keep and to compare in variable
    /// time.
    pub(crate) fn digest(&self) -> [u8; 32] {
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
    /// When it stops being accepted, by this node's clock (for a shared
    /// store, about then: the store's clock decides).
    pub expires_at: Instant,
    /// When it stops being accepted by a shared store's own clock (Redis's
    /// `TIME`), which may not agree with this node's; `None` for the
    /// in-process store, whose clock is this node's.
    pub expires_utc: Option<time::OffsetDateTime>,
}

/// Why a challenge was not accepted or not issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No such challenge: never issued, expired and swept, or spent and
    /// its tombstone forgotten.
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
    /// The verifier holds its whole budget of live challenges
    /// ([`ChallengeConfig::per_verifier`]).
    #[error(
        "this verifier holds its whole budget of outstanding challenges; answer or let some expire"
    )]
    QuotaExceeded,
    /// The store is full of live challenges ([`ChallengeConfig::capacity`]).
    #[error("too many outstanding challenges")]
    CapacityExceeded,
    /// The shared store could not be asked (Redis unreachable, the
    /// connection lost, no answer within the timeout, or Redis refusing the
    /// command). Nothing is known to have changed; a challenge whose
    /// consumption ended so may have been consumed (it is then refused as
    /// replayed), never handed out twice.
    #[error("the challenge store is unavailable; retry later")]
    Unavailable {
        /// What failed, for the service's log (never sent to clients):
        /// the error of the pool, the connection or the command.
        cause: String,
    },
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
            ChallengeError::QuotaExceeded => ProblemCode::ChallengeQuotaExceeded,
            ChallengeError::CapacityExceeded => ProblemCode::ChallengeCapacityExceeded,
            ChallengeError::Unavailable { .. } => ProblemCode::ChallengeStoreUnavailable,
        }
    }

    /// When asking again may succeed, for the refusals of issuing: one
    /// second (a slot frees as soon as a challenge is answered; expired
    /// ones are swept about once a second); and for an unavailable store,
    /// one second too (the pool makes new connections as soon as Redis
    /// answers). `None` for the others, which no wait mends.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ChallengeError::QuotaExceeded
            | ChallengeError::CapacityExceeded
            | ChallengeError::Unavailable { .. } => Some(Duration::from_secs(1)),
            _ => None,
        }
    }
}

/// The service's one-time challenges: in this process, or in Redis,
/// shared by every node (see the module documentation). Every operation
/// is async; the in-process store answers at once.
#[derive(Debug)]
pub enum Challenges {
    /// In this process ([`ChallengeStore`]): the default, for one node.
    InProcess(ChallengeStore),
    /// In Redis ([`RedisChallenges`]): for several nodes.
    Redis(RedisChallenges),
}

impl Challenges {
    /// `"in-process"` or `"redis"` (for logs and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            Challenges::InProcess(_) => "in-process",
            Challenges::Redis(_) => "redis",
        }
    }

    /// The store's settings.
    pub fn config(&self) -> &ChallengeConfig {
        match self {
            Challenges::InProcess(s) => s.config(),
            Challenges::Redis(r) => r.config(),
        }
    }

    /// The in-process store, when that is the one in use (its consumption
    /// can then run under a caller's lock: it never waits).
    pub fn in_process(&self) -> Option<&ChallengeStore> {
        match self {
            Challenges::InProcess(s) => Some(s),
            Challenges::Redis(_) => None,
        }
    }

    /// Issues a challenge bound to `binding`, valid for the configured TTL.
    ///
    /// # Errors
    /// [`ChallengeError::QuotaExceeded`], [`ChallengeError::CapacityExceeded`]
    /// ([`ChallengeStore::issue`]); [`ChallengeError::Unavailable`] when
    /// Redis cannot be asked.
    pub async fn issue(
        &self,
        binding: ChallengeBinding,
    ) -> Result<IssuedChallenge, ChallengeError> {
        match self {
            Challenges::InProcess(s) => s.issue(binding),
            Challenges::Redis(r) => r.issue(binding).await,
        }
    }

    /// Consumes the challenge `nonce` for a presentation to `verifier` under
    /// `policy_id`, returning what it was bound to; at most one call
    /// succeeds per challenge, over all nodes sharing the store.
    ///
    /// # Errors
    /// As [`ChallengeStore::consume`]; [`ChallengeError::Unavailable`] when
    /// Redis cannot be asked or its answer is lost (the challenge may then
    /// be spent: it is never handed out twice).
    pub async fn consume(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        match self {
            Challenges::InProcess(s) => s.consume(nonce, verifier, policy_id),
            Challenges::Redis(r) => r.consume(nonce, verifier, policy_id).await,
        }
    }

    /// Live challenges of all verifiers (in process, expired ones until
    /// they are swept; in Redis, unexpired ones).
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`] when Redis cannot be asked.
    pub async fn live(&self) -> Result<usize, ChallengeError> {
        match self {
            Challenges::InProcess(s) => Ok(s.len()),
            Challenges::Redis(r) => r.live().await,
        }
    }

    /// Live challenges of `verifier` (counted against its budget).
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`] when Redis cannot be asked.
    pub async fn outstanding(&self, verifier: &str) -> Result<usize, ChallengeError> {
        match self {
            Challenges::InProcess(s) => Ok(s.outstanding(verifier)),
            Challenges::Redis(r) => r.outstanding(verifier).await,
        }
    }

    /// Checks that the store answers (Redis: `PING` through the pool;
    /// in process: always).
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`] when Redis cannot be asked.
    pub async fn ping(&self) -> Result<(), ChallengeError> {
        match self {
            Challenges::InProcess(_) => Ok(()),
            Challenges::Redis(r) => r.ping().await,
        }
    }
}
