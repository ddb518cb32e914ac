//! The service's configuration: a TOML file whose every setting has a
//! default, so an empty file (or none) is a valid configuration.
//!
//! ```toml
//! listen = "127.0.0.1:8750"
//! database = "zkcred.db"     # a SQLite file (one node), or a PostgreSQL URL shared by several
//! # database = "postgres://zkcred:secret@db.example:5432/zkcred"
//! log_key = "zkcred-log.key"
//! # log_key_rotate = true   # only for the one start that changes the log key
//!
//! [[tokens]]
//! name = "hotel.example"      # the verifier identity bound into challenges
//! role = "verifier"           # admin | verifier | regulator
//! token = "…"                 # or sha256 = "<64 hex digits of SHA-256(token)>"
//!
//! [[request_keys]]            # one per verifier: its requests are signed
//! verifier = "hotel.example"
//! key = "hotel-request.key"   # `zkcred verifier keygen` (mode 0600)
//! registration = "hotel-registration.json"   # `zkcred regulator register`
//!
//! [batch]
//! enabled = true              # micro-batch BBS proofs across requests
//! max_size = 64               # proofs per batch at most
//! max_wait_us = 1000          # how long the first proof waits for company
//! workers = 0                 # verification threads (0: one per core)
//! parallel_threshold = 0      # split a batch over all cores from this size (0: never)
//! queue = 4096                # waiting presentations before refusing (503)
//!
//! [limits]
//! body_bytes = 1048576
//! batch_items = 256
//! request_timeout_ms = 10000
//!
//! [challenges]
//! ttl_secs = 300
//! capacity = 100000           # live (issued, unspent) challenges, all verifiers
//! per_verifier = 20000        # live challenges of one verifier (429 beyond)
//! tombstones = 1000000        # spent challenges remembered to answer `replayed`
//! # store = "redis://127.0.0.1:6379/"   # shared by several nodes (absent: in this process)
//! redis_pool_size = 16        # connections to Redis
//! redis_key_prefix = "zkcred:challenge:"
//! redis_timeout_ms = 2000     # one Redis operation at most, connecting included (then 503)
//!
//! [rate_limit]
//! per_token_per_sec = 10000   # requests per second per token name (0: no limit)
//! burst = 20000               # requests a token may send at once
//!
//! [decisions]
//! retention_secs = 120        # how long a decision is held for a client that missed it
//! capacity = 50000            # most decisions held (the oldest go first)
//!
//! [key_cache]
//! ttl_secs = 600
//! capacity = 10000
//!
//! [disclosure_log]
//! sign_interval_secs = 60     # sign a head when the log grew (0: only on demand)
//! max_concurrent_exports = 4  # GET /v1/log/export streams at once (1 to 64)
//!
//! [connections]
//! max = 1024                  # open connections; at the cap new ones wait in the listen backlog
//! header_timeout_ms = 10000   # to receive a request head, from accept or from its first byte
//! idle_timeout_ms = 30000     # a keep-alive connection between requests; also a stalled response write
//! max_header_bytes = 16384    # request line and headers; beyond: 431 and close
//! shutdown_grace_ms = 15000   # in-flight requests' time to finish at a graceful stop
//!
//! [postgres]                  # used only when `database` is a postgres:// URL
//! pool_size = 16              # connections to the database at most
//! timeout_ms = 2000           # connecting, or waiting for a free connection (then 503 storage_unavailable)
//! lock_timeout_ms = 5000      # waiting for the log's or a document's lock (then 503 storage_busy)
//!
//! [coherence]
//! # enabled = true            # unset: on when `database` is a postgres:// URL, off for a SQLite file
//! refresh_secs = 30           # full reload of the cached registry, policies, epochs and request keys
//! # notify_url = "postgres://zkcred@db.example/zkcred"   # LISTEN/NOTIFY; unset: `database` if postgres://
//! channel = "zkcred_changes"  # the NOTIFY channel
//! reconnect_max_ms = 5000     # longest pause between reconnections of the notification listener
//! ```
//!
//! **Storage.** `database` is a SQLite file path (created if missing; one
//! node per file) or a `postgres://` / `postgresql://` URL
//! ([`crate::storage::PgStorage`]): several nodes behind a load balancer
//! share one PostgreSQL database and append to one gap-free disclosure log
//! (see the storage module's documentation for the sequencer). The URL may
//! carry a password; it is never logged.
//!
//! **Challenges.** Only live challenges hold slots: answering one frees its
//! slot at once, and what remains of it is a 16-octet tombstone in a
//! separate bounded set (about 20 to 40 bytes each, so at most ~40 MB for
//! the default million), which only makes a replay's refusal precise
//! (`challenge_replayed` rather than `challenge_unknown`; both refuse). A
//! verifier holding `per_verifier` live challenges gets 429
//! `challenge_quota_exceeded` with `Retry-After` while the others are still
//! served; `capacity` is the backstop over all of them (503
//! `challenge_capacity_exceeded`). A challenge answered `T` seconds after it
//! was issued holds a slot for `T`, one never answered for `ttl_secs`: with
//! the defaults and clients that answer within 2 s, one verifier sustains
//! 20000 / 2 = 10000 decisions per second and the store 50000, far above
//! the 2000 per second the service is built for.
//!
//! **Several nodes.** With `store = "redis://…"` the challenges live in
//! that Redis, shared by every node that names it (with the same
//! `redis_key_prefix`): a challenge issued by one node is answered on any
//! other, consumed exactly once; `capacity` and `per_verifier` are then
//! limits over all the nodes together, and tombstones last as long as their
//! challenge would have, whatever `tombstones` says (0 still turns them
//! off). A Redis that cannot be reached within `redis_timeout_ms` makes
//! challenge requests fail with 503 `challenge_store_unavailable` and
//! `Retry-After: 1`; the node recovers by itself. The URL may carry a
//! password (`redis://:secret@host:6379/0`); it is never logged. See
//! [`crate::challenge::redis`] for the design and what Redis must keep.
//!
//! **Request keys.** A verifier with a `[[request_keys]]` entry gets
//! signed requests from `POST /v1/challenges`: signed with its request key,
//! carrying its registration, under a policy the registration must hold
//! unchanged (otherwise 409 `registration_mismatch`). A verifier without
//! one gets unsigned (version 1) requests, which wallets refuse by default;
//! the service warns about each such verifier at start. See
//! [`crate::request_keys`].
//!
//! **Rate limit.** Every authenticated request spends one token from its
//! principal's bucket (one bucket per token *name*, shared by that name's
//! tokens; a generic cell rate algorithm from `governor`); an empty bucket
//! answers 429 `rate_limited` with `Retry-After`, before the body is read.
//! The default lets one verifier run the whole service at its design rate
//! (2000 decisions per second are 4000 requests: a challenge and a
//! presentation each) with room to spare, and stops a runaway client; set
//! it to each verifier's fair share where several share a service.
//!
//! `[connections]` is enforced by the accept loop and connection driver
//! (`http::connections`):
//!
//! - `max` (default 1024): connections open at once. At the cap the server
//!   stops calling `accept` until one closes: new connections wait in the
//!   kernel's listen backlog (no file descriptor spent on them), and are
//!   served in order as slow or idle clients are reaped by the timeouts
//!   below. At start, when the process's soft `RLIMIT_NOFILE` leaves fewer
//!   than `max` + 64 descriptors, the soft limit is raised towards the hard
//!   one, and if that is not enough the cap is lowered to fit (logged).
//! - `header_timeout_ms` (default 10 s): a connection must deliver a
//!   complete request head within this time of being accepted, or of the
//!   first byte of its next request; otherwise it is closed without an
//!   answer (the client sees the connection close). Trickling bytes does not
//!   extend it.
//! - `idle_timeout_ms` (default 30 s): a keep-alive connection with no
//!   request under way is closed after this long; so is one whose response
//!   the client has not read for this long (the socket's send buffer full).
//! - `max_header_bytes` (default 16 KiB; also at most 100 header fields):
//!   a longer request head is answered `431 Request Header Fields Too
//!   Large` with an empty body by hyper, and the connection is closed.
//! - `shutdown_grace_ms` (default 15 s, above the 10 s request timeout): at a
//!   graceful stop the listener closes, idle connections and connections
//!   still sending their head are closed at once, requests under way may
//!   finish (their connections close after the answer), and whatever is left
//!   after the grace period is cut, so the stop always goes on to drain the
//!   verification queue and the log writer, sign the last head and
//!   checkpoint.
//!
//! `[coherence]` is the change feed between nodes that share one store
//! ([`crate::coherence`]): what one node changes (registry documents,
//! policies, status epochs, request keys) is reloaded by every node within
//! the notification's delivery (milliseconds) and at worst `refresh_secs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::auth::Role;

/// Why a configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("invalid config: {0}")]
    Toml(#[from] toml::de::Error),
    /// A setting is out of range or inconsistent.
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// The whole configuration; see the module documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// The storage (registry, policies, disclosure log): a SQLite file
    /// path, or a `postgres://` / `postgresql://` URL (a secret when it
    /// holds a password: never logged), opened by
    /// [`crate::storage::Backend::open_with`].
    pub database: PathBuf,
    /// The disclosure log's Ed25519 key file (created if missing, but only
    /// while the database has no signed tree head: see `log_key_rotate`).
    pub log_key: PathBuf,
    /// Start with a `log_key` that did not sign the stored tree heads (a
    /// new or another key): records the rotation in the database and signs
    /// a head with the new key at once. Without it such a start is refused.
    /// Set it for the one start that rotates, then remove it.
    pub log_key_rotate: bool,
    /// Bearer tokens and their roles.
    pub tokens: Vec<TokenConfig>,
    /// The verifiers' request keys and registrations.
    pub request_keys: Vec<RequestKeyConfig>,
    /// Micro-batching of proof verification.
    pub batch: BatchConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// One-time challenges.
    pub challenges: ChallengesConfig,
    /// The per-token request rate limit.
    pub rate_limit: RateLimitConfig,
    /// Decisions held for the clients that missed their answer.
    pub decisions: DecisionsConfig,
    /// The issuer verifier-key cache.
    pub key_cache: KeyCacheConfig,
    /// Tree-head signing.
    pub disclosure_log: LogConfig,
    /// Connection limits and the graceful stop's grace period.
    pub connections: ConnectionsConfig,
    /// The PostgreSQL connection pool (when `database` is a URL).
    pub postgres: PostgresConfig,
    /// The change feed between nodes sharing the store.
    pub coherence: CoherenceConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8750)),
            database: PathBuf::from("zkcred.db"),
            log_key: PathBuf::from("zkcred-log.key"),
            log_key_rotate: false,
            tokens: Vec::new(),
            request_keys: Vec::new(),
            batch: BatchConfig::default(),
            limits: LimitsConfig::default(),
            challenges: ChallengesConfig::default(),
            rate_limit: RateLimitConfig::default(),
            decisions: DecisionsConfig::default(),
            key_cache: KeyCacheConfig::default(),
            disclosure_log: LogConfig::default(),
            connections: ConnectionsConfig::default(),
            postgres: PostgresConfig::default(),
            coherence: CoherenceConfig::default(),
        }
    }
}

/// A bearer token: who presents it and in which role.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The principal's name; for a verifier, its identity in challenges,
    /// presentation requests and the disclosure log.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The token itself.
    #[serde(default)]
    pub token: Option<String>,
    /// Or the hex SHA-256 digest of the token (keeps it out of the file).
    #[serde(default)]
    pub sha256: Option<String>,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl TokenConfig {
    /// A token given in clear (tests, in-process use).
    pub fn new(name: &str, role: Role, token: &str) -> Self {
        TokenConfig {
            name: name.into(),
            role,
            token: Some(token.into()),
            sha256: None,
        }
    }

    /// The SHA-256 digest the token is checked against.
    pub fn digest(&self) -> Result<[u8; 32], ConfigError> {
        match (&self.token, &self.sha256) {
            (Some(t), None) if t.len() >= 16 => Ok(Sha256::digest(t.as_bytes()).into()),
            (Some(_), None) => Err(ConfigError::Invalid(format!(
                "token of {:?} is shorter than 16 characters",
                self.name
            ))),
            (None, Some(h)) => {
                let mut d = [0u8; 32];
                hex::decode_to_slice(h, &mut d).map_err(|_| {
                    ConfigError::Invalid(format!("sha256 of {:?} is not 64 hex digits", self.name))
                })?;
                Ok(d)
            }
            _ => Err(ConfigError::Invalid(format!(
                "token {:?} needs exactly one of `token` and `sha256`",
                self.name
            ))),
        }
    }
}

/// A verifier's request key and registration (see
/// [`crate::request_keys`]). Relative paths are relative to the working
/// directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestKeyConfig {
    /// The verifier (a verifier token's `name`).
    pub verifier: String,
    /// Its request secret key file (`zkcred verifier keygen`; mode 0600).
    pub key: PathBuf,
    /// Its registration (`zkcred regulator register`).
    pub registration: PathBuf,
}

/// Micro-batching settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchConfig {
    /// Batch proofs across concurrent requests (off: each request verifies
    /// its own proofs on a blocking thread).
    pub enabled: bool,
    /// Most proofs in one batch.
    pub max_size: usize,
    /// Longest wait, in microseconds, for a batch to fill.
    pub max_wait_us: u64,
    /// Verification threads (0: one per available core).
    pub workers: usize,
    /// Batches of at least this many proofs are split over all cores with
    /// `verify_batch_parallel` (0: never).
    pub parallel_threshold: usize,
    /// Presentations waiting for a worker before new ones are refused.
    pub queue: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            enabled: true,
            max_size: 64,
            max_wait_us: 1000,
            workers: 0,
            parallel_threshold: 0,
            queue: 4096,
        }
    }
}

/// Request limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body accepted.
    pub body_bytes: usize,
    /// Most presentations in one batch request.
    pub batch_items: usize,
    /// Longest a request may take, in milliseconds.
    pub request_timeout_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            body_bytes: 1 << 20,
            batch_items: 256,
            request_timeout_ms: 10_000,
        }
    }
}

/// One-time challenge settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChallengesConfig {
    /// How long a challenge stays answerable, in seconds.
    pub ttl_secs: u64,
    /// Most live (issued, unspent, unexpired) challenges of all verifiers
    /// together; beyond, 503 `challenge_capacity_exceeded`.
    pub capacity: usize,
    /// Most live challenges of one verifier; beyond, 429
    /// `challenge_quota_exceeded` for that verifier only.
    pub per_verifier: usize,
    /// Most spent challenges remembered so that a replay is answered
    /// `challenge_replayed` (beyond, the oldest are forgotten and a replay
    /// of them is `challenge_unknown`, refused all the same; 0: none).
    /// In Redis, tombstones last until their challenge would have expired,
    /// and this only turns them off (0) or on.
    pub tombstones: usize,
    /// Where challenges are kept: absent, in this process (one node); a
    /// `redis://[user:password@]host[:port][/db]` URL, in that Redis, shared
    /// by every node that names it. Never logged (it may hold a password).
    pub store: Option<String>,
    /// Connections to Redis at most (1 to 1024).
    pub redis_pool_size: usize,
    /// Prepended to every Redis key (1 to 128 octets); nodes share
    /// challenges when they share the URL and the prefix.
    pub redis_key_prefix: String,
    /// Longest one Redis operation may take, in milliseconds, waiting for a
    /// connection and connecting included (1 to 60000); beyond, 503
    /// `challenge_store_unavailable`.
    pub redis_timeout_ms: u64,
}

impl std::fmt::Debug for ChallengesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengesConfig")
            .field("ttl_secs", &self.ttl_secs)
            .field("capacity", &self.capacity)
            .field("per_verifier", &self.per_verifier)
            .field("tombstones", &self.tombstones)
            .field(
                "store",
                &self.store.as_deref().map(crate::challenge::redis::redacted),
            )
            .field("redis_pool_size", &self.redis_pool_size)
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field("redis_timeout_ms", &self.redis_timeout_ms)
            .finish()
    }
}

impl Default for ChallengesConfig {
    fn default() -> Self {
        let d = crate::challenge::ChallengeConfig::default();
        let r = crate::challenge::RedisConfig::new("");
        ChallengesConfig {
            ttl_secs: d.ttl.as_secs(),
            capacity: d.capacity,
            per_verifier: d.per_verifier,
            tombstones: d.tombstones,
            store: None,
            redis_pool_size: r.pool_size,
            redis_key_prefix: r.key_prefix,
            redis_timeout_ms: r.timeout.as_millis() as u64,
        }
    }
}

impl ChallengesConfig {
    /// The challenge store's settings.
    pub fn store(&self) -> crate::challenge::ChallengeConfig {
        crate::challenge::ChallengeConfig {
            ttl: std::time::Duration::from_secs(self.ttl_secs),
            capacity: self.capacity,
            per_verifier: self.per_verifier,
            tombstones: self.tombstones,
            ..crate::challenge::ChallengeConfig::default()
        }
    }

    /// The Redis settings, when `store` names a Redis.
    pub fn redis(&self) -> Option<crate::challenge::RedisConfig> {
        let url = self.store.as_deref()?;
        Some(crate::challenge::RedisConfig {
            pool_size: self.redis_pool_size,
            key_prefix: self.redis_key_prefix.clone(),
            timeout: std::time::Duration::from_millis(self.redis_timeout_ms),
            ..crate::challenge::RedisConfig::new(url)
        })
    }

    /// The challenge store these settings name: in process, or in Redis
    /// (no connection is made yet).
    ///
    /// # Errors
    /// [`crate::challenge::redis::RedisSetupError`] for an unusable Redis
    /// URL or pool setting. Must be called inside a tokio runtime.
    pub fn open(
        &self,
    ) -> Result<crate::challenge::Challenges, crate::challenge::redis::RedisSetupError> {
        Ok(match self.redis() {
            None => crate::challenge::Challenges::InProcess(crate::challenge::ChallengeStore::new(
                self.store(),
            )),
            Some(redis) => crate::challenge::Challenges::Redis(
                crate::challenge::RedisChallenges::new(&redis, self.store())?,
            ),
        })
    }
}

/// The per-token request rate limit (see the module documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Requests per second each token name may make, sustained (0: no
    /// limit).
    pub per_token_per_sec: u32,
    /// Requests a token name may make at once after a quiet spell (the
    /// bucket's size); at least 1 when the limit is on.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_token_per_sec: 10_000,
            burst: 20_000,
        }
    }
}

/// Settings of the decisions held, in memory only, for the clients that
/// did not get their answer (a `timeout`, a dropped connection); see
/// [`super::decisions`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionsConfig {
    /// How long a decision is held after its challenge was consumed, in
    /// seconds.
    pub retention_secs: u64,
    /// Most decisions held at once; beyond it the oldest is dropped. Each
    /// holds the answer (an accepted one: the disclosed values returned,
    /// typically under 1 KiB).
    pub capacity: usize,
}

impl Default for DecisionsConfig {
    fn default() -> Self {
        DecisionsConfig {
            retention_secs: 120,
            capacity: 50_000,
        }
    }
}

/// Issuer verifier-key cache settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyCacheConfig {
    /// How long a key stays cached, in seconds.
    pub ttl_secs: u64,
    /// About how many keys are cached at most.
    pub capacity: usize,
}

impl Default for KeyCacheConfig {
    fn default() -> Self {
        KeyCacheConfig {
            ttl_secs: 600,
            capacity: 10_000,
        }
    }
}

/// Tree-head signing settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Sign a head this often when the log has grown (0: on demand only).
    pub sign_interval_secs: u64,
    /// Most `GET /v1/log/export` streams at once (1 to 64); another is
    /// refused with 503 `log_export_busy`. Each holds about one page of
    /// records (500) in memory.
    pub max_concurrent_exports: usize,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            sign_interval_secs: 60,
            max_concurrent_exports: 4,
        }
    }
}

/// The PostgreSQL connection pool; see the module documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresConfig {
    /// Connections to the database at most (1 to 1024).
    pub pool_size: usize,
    /// Longest wait, in milliseconds, to connect or for a free pooled
    /// connection; beyond, the call fails with 503 `storage_unavailable`.
    pub timeout_ms: u64,
    /// Longest wait, in milliseconds, for the log's or a document's lock
    /// (the server's `lock_timeout`); beyond, 503 `storage_busy`.
    pub lock_timeout_ms: u64,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        let d = crate::storage::PgOptions::default();
        PostgresConfig {
            pool_size: d.pool_size,
            timeout_ms: d.timeout.as_millis() as u64,
            lock_timeout_ms: d.lock_timeout.as_millis() as u64,
        }
    }
}

impl PostgresConfig {
    /// The storage's options.
    pub fn options(&self) -> crate::storage::PgOptions {
        crate::storage::PgOptions {
            pool_size: self.pool_size,
            timeout: std::time::Duration::from_millis(self.timeout_ms),
            lock_timeout: std::time::Duration::from_millis(self.lock_timeout_ms),
            ..crate::storage::PgOptions::default()
        }
    }
}

/// Connection limits; see the module documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Most connections open at once (1 to 1,000,000); beyond, new
    /// connections wait in the listen backlog.
    pub max: usize,
    /// Longest time to receive a request head, in milliseconds, from the
    /// connection's accept or the first byte of its next request.
    pub header_timeout_ms: u64,
    /// Longest a keep-alive connection may wait for its next request, or
    /// a response wait for the client to read it, in milliseconds.
    pub idle_timeout_ms: u64,
    /// Largest request head (request line and headers), in bytes (1024 to
    /// 262144); beyond, 431 and the connection is closed.
    pub max_header_bytes: usize,
    /// At a graceful stop, how long requests under way may take to finish,
    /// in milliseconds, before their connections are cut.
    pub shutdown_grace_ms: u64,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        ConnectionsConfig {
            max: 1024,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 30_000,
            max_header_bytes: 16 * 1024,
            shutdown_grace_ms: 15_000,
        }
    }
}

/// The change feed between nodes sharing one store; see
/// [`crate::coherence`].
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoherenceConfig {
    /// On or off. Unset: on when `database` is a PostgreSQL URL (several
    /// nodes may share it), off for a SQLite file (one node per file).
    pub enabled: Option<bool>,
    /// Every this many seconds (1 to 86400) the node reloads what it
    /// caches from the store: the bound on a missed notification.
    pub refresh_secs: u64,
    /// The PostgreSQL URL whose connection LISTENs and NOTIFYs. Unset:
    /// `database` when it is a PostgreSQL URL; with neither, the feed is
    /// the periodic refresh alone. A secret (it may hold a password):
    /// never logged.
    pub notify_url: Option<String>,
    /// The NOTIFY channel (a lower-case SQL identifier, at most 63 octets):
    /// nodes sharing a store must use the same one.
    pub channel: String,
    /// Longest pause between reconnections of the listener, in
    /// milliseconds (100 to 600000); the pause starts at 100 ms and doubles.
    pub reconnect_max_ms: u64,
}

impl Default for CoherenceConfig {
    fn default() -> Self {
        CoherenceConfig {
            enabled: None,
            refresh_secs: 30,
            notify_url: None,
            channel: "zkcred_changes".into(),
            reconnect_max_ms: 5_000,
        }
    }
}

impl std::fmt::Debug for CoherenceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoherenceConfig")
            .field("enabled", &self.enabled)
            .field("refresh_secs", &self.refresh_secs)
            .field("notify_url", &self.notify_url.as_ref().map(|_| "<set>"))
            .field("channel", &self.channel)
            .field("reconnect_max_ms", &self.reconnect_max_ms)
            .finish()
    }
}

/// Whether `url` is a PostgreSQL connection URL (`postgres://` or
/// `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Whether `name` can be a NOTIFY channel: a lower-case SQL identifier of
/// at most 63 octets (`[a-z_][a-z0-9_]*`), so it is used unquoted safely.
pub fn is_channel_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

impl Config {
    /// Parses and checks a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Reads and checks a TOML configuration file. Relative paths in it
    /// stay relative to the working directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::from_toml(&text)
    }

    /// Checks ranges and the tokens.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.into()));
        if !(1..=64).contains(&self.disclosure_log.max_concurrent_exports) {
            return bad("disclosure_log.max_concurrent_exports must be 1 to 64");
        }
        if self.batch.max_size == 0 || self.batch.max_size > 4096 {
            return bad("batch.max_size must be 1 to 4096");
        }
        if self.batch.max_wait_us > 100_000 {
            return bad("batch.max_wait_us must be at most 100000");
        }
        if self.batch.queue == 0 {
            return bad("batch.queue must be at least 1");
        }
        if self.limits.body_bytes < 1024 {
            return bad("limits.body_bytes must be at least 1024");
        }
        if self.limits.batch_items == 0 {
            return bad("limits.batch_items must be at least 1");
        }
        if self.limits.request_timeout_ms == 0 {
            return bad("limits.request_timeout_ms must be at least 1");
        }
        if self.challenges.ttl_secs == 0 || self.challenges.capacity == 0 {
            return bad("challenges.ttl_secs and challenges.capacity must be at least 1");
        }
        if self.challenges.per_verifier == 0 {
            return bad("challenges.per_verifier must be at least 1");
        }
        if let Some(url) = &self.challenges.store {
            // The cause only: the URL may hold a password.
            if let Err(e) = deadpool_redis::redis::Client::open(url.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "challenges.store is not a usable Redis URL ({:?}); expected redis://host:port/",
                    e.kind()
                )));
            }
        }
        if !(1..=1024).contains(&self.challenges.redis_pool_size) {
            return bad("challenges.redis_pool_size must be 1 to 1024");
        }
        if !(1..=128).contains(&self.challenges.redis_key_prefix.len()) {
            return bad("challenges.redis_key_prefix must be 1 to 128 octets");
        }
        if !(1..=60_000).contains(&self.challenges.redis_timeout_ms) {
            return bad("challenges.redis_timeout_ms must be 1 to 60000");
        }
        if self.rate_limit.per_token_per_sec > 0 && self.rate_limit.burst == 0 {
            return bad("rate_limit.burst must be at least 1 when the limit is on");
        }
        if self.decisions.retention_secs == 0 || self.decisions.capacity == 0 {
            return bad("decisions.retention_secs and decisions.capacity must be at least 1");
        }
        if self.key_cache.ttl_secs == 0 {
            return bad("key_cache.ttl_secs must be at least 1");
        }
        let c = &self.connections;
        if c.max == 0 || c.max > 1_000_000 {
            return bad("connections.max must be 1 to 1000000");
        }
        if c.header_timeout_ms == 0 || c.idle_timeout_ms == 0 {
            return bad("connections.header_timeout_ms and idle_timeout_ms must be at least 1");
        }
        if !(1024..=256 * 1024).contains(&c.max_header_bytes) {
            return bad("connections.max_header_bytes must be 1024 to 262144");
        }
        let pg = &self.postgres;
        if !(1..=1024).contains(&pg.pool_size) {
            return bad("postgres.pool_size must be 1 to 1024");
        }
        if !(1..=600_000).contains(&pg.timeout_ms) || !(1..=600_000).contains(&pg.lock_timeout_ms) {
            return bad("postgres.timeout_ms and postgres.lock_timeout_ms must be 1 to 600000");
        }
        let co = &self.coherence;
        if !(1..=86_400).contains(&co.refresh_secs) {
            return bad("coherence.refresh_secs must be 1 to 86400");
        }
        if !(100..=600_000).contains(&co.reconnect_max_ms) {
            return bad("coherence.reconnect_max_ms must be 100 to 600000");
        }
        if !is_channel_name(&co.channel) {
            return bad("coherence.channel must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 octets)");
        }
        if co
            .notify_url
            .as_deref()
            .is_some_and(|u| !is_postgres_url(u) || u.parse::<tokio_postgres::Config>().is_err())
        {
            // The URL itself is not repeated: it may hold a password.
            return bad("coherence.notify_url must be a valid postgres:// or postgresql:// URL");
        }
        let mut digests = std::collections::HashSet::new();
        for t in &self.tokens {
            if zkcred_credential::keys::check_identifier("token name", &t.name).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "token name {:?} must be 1-128 of [A-Za-z0-9._:-], starting with a letter or digit",
                    t.name
                )));
            }
            if !digests.insert(t.digest()?) {
                return Err(ConfigError::Invalid(format!(
                    "token of {:?} is used twice",
                    t.name
                )));
            }
        }
        let mut verifiers = std::collections::HashSet::new();
        for k in &self.request_keys {
            if zkcred_credential::keys::check_identifier("verifier", &k.verifier).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "request_keys: verifier {:?} is not an identifier",
                    k.verifier
                )));
            }
            if !verifiers.insert(k.verifier.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "request_keys: verifier {:?} has two entries",
                    k.verifier
                )));
            }
        }
        Ok(())
    }

    /// The number of verification threads to run.
    pub fn verify_workers(&self) -> usize {
        match self.batch.workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_default() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.listen.port(), 8750);
        assert!(c.batch.enabled);
        assert_eq!(c.batch.max_wait_us, 1000);
        assert_eq!(
            (c.challenges.capacity, c.challenges.per_verifier),
            (100_000, 20_000)
        );
        assert_eq!(c.rate_limit.per_token_per_sec, 10_000);
        // The limit can be turned off.
        let off = Config::from_toml("[rate_limit]\nper_token_per_sec = 0\nburst = 0").unwrap();
        assert_eq!(off.rate_limit.per_token_per_sec, 0);
        // Challenges in process unless a store is named.
        assert!(c.challenges.store.is_none() && c.challenges.redis().is_none());
    }

    #[test]
    fn redis_store_settings_and_no_password_shown() {
        let c = Config::from_toml(
            "[challenges]\nstore = \"redis://:s3cret@127.0.0.1:6379/2\"\nredis_pool_size = 4\nredis_key_prefix = \"{zk}:c:\"\nredis_timeout_ms = 250",
        )
        .unwrap();
        let r = c.challenges.redis().unwrap();
        assert_eq!(r.url, "redis://:s3cret@127.0.0.1:6379/2");
        assert_eq!((r.pool_size, r.key_prefix.as_str()), (4, "{zk}:c:"));
        assert_eq!(r.timeout, std::time::Duration::from_millis(250));
        for shown in [format!("{c:?}"), format!("{r:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("redis://***@127.0.0.1:6379/2"), "{shown}");
        }
        let d = Config::from_toml("[challenges]\nstore = \"redis://127.0.0.1/\"").unwrap();
        let r = d.challenges.redis().unwrap();
        assert_eq!(
            (r.pool_size, r.key_prefix.as_str(), r.timeout.as_millis()),
            (16, "zkcred:challenge:", 2000)
        );
    }

    #[test]
    fn module_example_parses() {
        let doc = include_str!("config.rs");
        let start = doc.find("//! ```toml\n").unwrap() + 12;
        let end = start + doc[start..].find("//! ```\n").unwrap();
        let text: String = doc[start..end]
            .lines()
            .map(|l| l.trim_start_matches("//!").trim_start())
            .map(|l| l.replace('…', "0123456789abcdef0123"))
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::from_toml(&text).unwrap();
        assert_eq!(c.tokens.len(), 1);
        assert_eq!(c.tokens[0].role, Role::Verifier);
        assert_eq!(c.request_keys.len(), 1);
        assert_eq!(c.request_keys[0].verifier, "hotel.example");
        assert_eq!(c.postgres.pool_size, 16);
    }

    #[test]
    fn postgres_settings() {
        let c = Config::from_toml(
            "database = \"postgres://zkcred@db.example/zkcred\"\n\
             [postgres]\npool_size = 4\ntimeout_ms = 500\nlock_timeout_ms = 900",
        )
        .unwrap();
        assert_eq!(
            c.database.to_str(),
            Some("postgres://zkcred@db.example/zkcred")
        );
        let o = c.postgres.options();
        assert_eq!(o.pool_size, 4);
        assert_eq!(o.timeout, std::time::Duration::from_millis(500));
        assert_eq!(o.lock_timeout, std::time::Duration::from_millis(900));
    }

    #[test]
    fn bad_settings_are_refused() {
        for text in [
            "listen = 3",
            "unknown = 1",
            "[batch]\nmax_size = 0",
            "[challenges]\nper_verifier = 0",
            "[challenges]\nstore = \"http://127.0.0.1:6379/\"",
            "[challenges]\nstore = \"not a url\"",
            "[challenges]\nredis_pool_size = 0",
            "[challenges]\nredis_key_prefix = \"\"",
            "[challenges]\nredis_timeout_ms = 0",
            "[challenges]\nredis_timeout_ms = 600000",
            "[rate_limit]\nburst = 0",
            "[rate_limit]\nper_token_per_sec = -1",
            "[connections]\nmax = 0",
            "[connections]\nheader_timeout_ms = 0",
            "[connections]\nmax_header_bytes = 100",
            "[connections]\nunknown = 1",
            "[coherence]\nrefresh_secs = 0",
            "[coherence]\nchannel = \"Zk-changes\"",
            "[coherence]\nchannel = \"x; DROP TABLE documents\"",
            "[coherence]\nnotify_url = \"redis://127.0.0.1/\"",
            "[coherence]\nnotify_url = \"postgres://db.example:notaport/z\"",
            "[coherence]\nreconnect_max_ms = 10",
            "[postgres]\npool_size = 0",
            "[postgres]\ntimeout_ms = 0",
            "[postgres]\nlock_timeout_ms = 0",
            "[postgres]\nurl = \"postgres://x\"",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"short\"",
            "[[request_keys]]\nverifier = \"a b\"\nkey = \"k\"\nregistration = \"r\"",
            "[[request_keys]]\nverifier = \"a\"\nkey = \"k\"",
            "[[request_keys]]\nverifier = \"a\"\nkey = \"k\"\nregistration = \"r\"\n[[request_keys]]\nverifier = \"a\"\nkey = \"k2\"\nregistration = \"r2\"",
            "[[tokens]]\nname = \"a\"\nrole = \"root\"\ntoken = \"0123456789abcdef\"",
            "[[tokens]]\nname = \"a b\"\nrole = \"admin\"\ntoken = \"0123456789abcdef\"",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\nsha256 = \"zz\"",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"0123456789abcdef\"\n[[tokens]]\nname = \"b\"\nrole = \"verifier\"\ntoken = \"0123456789abcdef\"",
        ] {
            assert!(Config::from_toml(text).is_err(), "{text}");
        }
    }
}
