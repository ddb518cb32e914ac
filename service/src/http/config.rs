//! The service's configuration: a TOML file whose every setting has a
//! default, so an empty file (or none) is a valid configuration.
//!
//! ```toml
//! listen = "127.0.0.1:8750"
//! database = "zkcred.db"
//! log_key = "zkcred-log.key"
//! # log_key_rotate = true   # only for the one start that changes the log key
//!
//! [[tokens]]
//! name = "hotel.example"      # the verifier identity bound into challenges
//! role = "verifier"           # admin | verifier | regulator
//! token = "…"                 # or sha256 = "<64 hex digits of SHA-256(token)>"
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
//! capacity = 100000
//!
//! [key_cache]
//! ttl_secs = 600
//! capacity = 10000
//!
//! [disclosure_log]
//! sign_interval_secs = 60     # sign a head when the log grew (0: only on demand)
//! max_concurrent_exports = 4  # GET /v1/log/export streams at once (1 to 64)
//! ```

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
    /// The storage (registry, policies, disclosure log): a SQLite file path
    /// today, opened by [`crate::storage::Backend::open`].
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
    /// Micro-batching of proof verification.
    pub batch: BatchConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// One-time challenges.
    pub challenges: ChallengesConfig,
    /// The issuer verifier-key cache.
    pub key_cache: KeyCacheConfig,
    /// Tree-head signing.
    pub disclosure_log: LogConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8750)),
            database: PathBuf::from("zkcred.db"),
            log_key: PathBuf::from("zkcred-log.key"),
            log_key_rotate: false,
            tokens: Vec::new(),
            batch: BatchConfig::default(),
            limits: LimitsConfig::default(),
            challenges: ChallengesConfig::default(),
            key_cache: KeyCacheConfig::default(),
            disclosure_log: LogConfig::default(),
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChallengesConfig {
    /// How long a challenge stays answerable, in seconds.
    pub ttl_secs: u64,
    /// Most outstanding challenges (and tombstones of used ones).
    pub capacity: usize,
}

impl Default for ChallengesConfig {
    fn default() -> Self {
        ChallengesConfig {
            ttl_secs: 300,
            capacity: 100_000,
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
        if self.key_cache.ttl_secs == 0 {
            return bad("key_cache.ttl_secs must be at least 1");
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
    }

    #[test]
    fn bad_settings_are_refused() {
        for text in [
            "listen = 3",
            "unknown = 1",
            "[batch]\nmax_size = 0",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"short\"",
            "[[tokens]]\nname = \"a\"\nrole = \"root\"\ntoken = \"0123456789abcdef\"",
            "[[tokens]]\nname = \"a b\"\nrole = \"admin\"\ntoken = \"0123456789abcdef\"",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\nsha256 = \"zz\"",
            "[[tokens]]\nname = \"a\"\nrole = \"admin\"\ntoken = \"0123456789abcdef\"\n[[tokens]]\nname = \"b\"\nrole = \"verifier\"\ntoken = \"0123456789abcdef\"",
        ] {
            assert!(Config::from_toml(text).is_err(), "{text}");
        }
    }
}
