//! One-time challenges in Redis, shared by several verifier nodes behind a
//! load balancer: a challenge issued on one node can be answered on any
//! other, and is consumed exactly once whichever nodes race for it.
//!
//! **Keys.** Under a configurable prefix `P` (default
//! [`DEFAULT_KEY_PREFIX`], `zkcred:challenge:`), with `D` the hex of the
//! challenge's digest `SHA-256(domain || nonce)` (never the nonce):
//!
//! | key | type | holds | expires |
//! | --- | --- | --- | --- |
//! | `P c:D` | hash | a live challenge: `v` verifier, `p` policy id, `n` policy version, `e` expiry (ms since the epoch by Redis's clock) | `ttl + grace` after issue |
//! | `P t:D` | string `1` | the tombstone of a consumed challenge | `grace` after the challenge's own expiry |
//! | `P v:<verifier>` | sorted set | the digests of the verifier's live challenges, scored by expiry: its budget | `ttl + grace` after its latest issue |
//! | `P live` | sorted set | the digests of every live challenge, scored by expiry: the capacity | `ttl + grace` after the latest issue |
//!
//! `grace` ([`RedisConfig::expired_grace`], 30 s by default) keeps an
//! expired challenge a little past its expiry, so that it is refused as
//! [`ChallengeError::Expired`] rather than [`ChallengeError::Unknown`], and
//! its tombstone as long. Budgets count expiry in the sorted sets' scores,
//! so an expired challenge frees its budget at once, not after the grace.
//!
//! **Scripts.** Each operation is one Lua script, sent by `EVALSHA` (the
//! script is loaded again by `EVAL` when Redis does not know it, after a
//! restart). Each reads the time from Redis (`TIME`), never from the node,
//! so nodes with skewed clocks agree on every expiry.
//!
//! - *issue* (`P c:D`, `P v:<verifier>`, `P live`): drops the expired
//!   members of both sets (`ZREMRANGEBYSCORE … -inf now`), refuses with
//!   [`ChallengeError::QuotaExceeded`] when the verifier's set holds
//!   [`ChallengeConfig::per_verifier`] members, with
//!   [`ChallengeError::CapacityExceeded`] when the overall set holds
//!   [`ChallengeConfig::capacity`]; otherwise writes the hash (with `PX`)
//!   and adds the digest to both sets, scored by `now + ttl`.
//! - *consume* (`P c:D`, `P t:D`, `P v:<verifier>`, `P live`): no hash →
//!   [`ChallengeError::Replayed`] if the tombstone is there, else
//!   [`ChallengeError::Unknown`]; `now >= e` → [`ChallengeError::Expired`];
//!   bound to another verifier or policy → [`ChallengeError::WrongVerifier`]
//!   / [`ChallengeError::WrongPolicy`], *without consuming*; otherwise
//!   deletes the hash, removes the digest from both sets (the budgets are
//!   released), writes the tombstone (`PX` until `e + grace`; none when
//!   [`ChallengeConfig::tombstones`] is 0) and returns the policy version.
//! - *count* (one set): `ZCOUNT` of the members not yet expired.
//!
//! **Atomicity.** Redis runs a script to its end before it runs any other
//! command, from any client. Of any number of consumptions of one
//! challenge, from any nodes, the first to run finds the hash and deletes
//! it in the same step; every later one finds no hash (and the tombstone).
//! Two issues cannot both take a budget's last slot: counting and adding
//! are one step. Nothing is decided on a node: no node-side cache, no
//! read-then-write across two commands, and a consumption is never retried.
//! When its answer is lost (the connection drops after the script ran,
//! or the timeout fires first), the node answers
//! [`ChallengeError::Unavailable`]; the challenge may be spent in Redis, and
//! any later attempt finds it so. A consumed challenge is never handed out
//! twice, whatever fails.
//!
//! What Redis itself must keep: the one guarantee that rests on Redis's
//! durability is that a deleted hash stays deleted. A Redis that restarts
//! *empty* is safe (every outstanding challenge is then refused as
//! unknown); one that reloads an older snapshot (RDB, or AOF without
//! `appendfsync always`), or a replica promoted before it received a
//! consumption (replication is asynchronous), can bring a spent challenge
//! back. Run the challenge store without persistence, or with `appendonly
//! yes` and `appendfsync always`, and without failover to lagging replicas.
//! On a Redis Cluster every key of a script must hash to one slot: give the
//! prefix a hash tag, e.g. `{zkcred}:challenge:`.
//!
//! **Failures.** Connections come from a `deadpool-redis` pool
//! ([`RedisConfig::pool_size`]); each operation (waiting for a connection,
//! connecting, the command) is bounded by [`RedisConfig::timeout`] as a
//! whole, so a Redis that is down or silent gives
//! [`ChallengeError::Unavailable`] within that time, never a hanging
//! request. A connection that broke is found by the pool's `PING` when it
//! is next taken and replaced by a new one, so the node recovers by itself
//! when Redis answers again. The start of an outage is logged once, with its
//! cause, and its end once.
//!
//! **Memory.** Measured on Redis 7.0.15 (64-bit, jemalloc, default
//! encodings), default prefix, a 13-character verifier name: `MEMORY
//! USAGE` gives 216 bytes for a live challenge's hash, about 171 bytes for
//! its member in each of the two sorted sets (past 128 members: skiplist
//! and dict) and 152 bytes for a tombstone (test `memory_per_challenge`);
//! `used_memory` grew by 652 bytes per live challenge over 20,000 issued
//! (the keyspace's and the expiry table's entries included), and fell by
//! 450 per challenge as they were consumed, so a tombstone costs about 200.
//! The default capacity of 100,000 live challenges is thus about 65 MB.
//! Tombstones are bounded by time (each lives no longer than its challenge
//! would have), not by [`ChallengeConfig::tombstones`]: at `r`
//! consumptions a second about `r * (ttl + grace)` of them, e.g. 2000/s with
//! the defaults (330 s) about 660,000, some 130 MB; give Redis a
//! `maxmemory` with a `volatile-ttl` policy if that is too much. Eviction
//! never lets a challenge through twice: an evicted tombstone turns a
//! replay's refusal into `challenge_unknown`, an evicted live challenge is
//! refused as unknown (an evicted budget set would only let more be issued;
//! `volatile-ttl` takes the keys nearest their expiry first, and the sets'
//! expiry is pushed back at every issue).
//!
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_redis::redis::{self, AsyncConnectionConfig, Script};
use deadpool_redis::{Manager, Pool, Runtime};
use rand::RngCore;

use super::{ChallengeBinding, ChallengeConfig, ChallengeError, IssuedChallenge, Nonce};

/// The key prefix when none is configured.
pub const DEFAULT_KEY_PREFIX: &str = "zkcred:challenge:";

/// Issue: see the module documentation. Answers `{0, expiry}`, `{1, now}`
/// (quota), `{2, now}` (capacity) or `{3, now}` (the digest is taken: draw
/// again).
const ISSUE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {1, now} end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {2, now} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {3, now} end
local ttl = tonumber(ARGV[1])
local keep = ttl + tonumber(ARGV[2])
local expires = now + ttl
redis.call('HSET', KEYS[1], 'v', ARGV[6], 'p', ARGV[7], 'n', ARGV[8], 'e', string.format('%d', expires))
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('ZADD', KEYS[2], expires, ARGV[5])
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZADD', KEYS[3], expires, ARGV[5])
redis.call('PEXPIRE', KEYS[3], keep)
return {0, expires}
";

/// Consume: see the module documentation. Answers `{0, policy version}`,
/// or a refusal: `{1}` unknown, `{2}` replayed, `{3}` expired, `{4}` wrong
/// verifier, `{5}` wrong policy.
const CONSUME: &str = r"
local c = redis.call('HMGET', KEYS[1], 'v', 'p', 'n', 'e')
if not c[4] then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {2} end
  return {1}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = tonumber(c[4])
if now >= expires then return {3} end
if c[1] ~= ARGV[1] then return {4} end
if c[2] ~= ARGV[2] then return {5} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
if ARGV[5] == '1' then
  redis.call('SET', KEYS[2], '1', 'PX', string.format('%d', expires - now + tonumber(ARGV[4])))
end
return {0, tonumber(c[3])}
";

/// Count: the members of a set not yet expired.
const COUNT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now), '+inf')
";

/// Where and how to reach Redis.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[user:password@]host[:port][/db]` (or `redis+unix://`);
    /// it may hold a password, so it is never logged or shown by `Debug`.
    pub url: String,
    /// Most connections open at once (each multiplexes its requests).
    pub pool_size: usize,
    /// Prepended to every key (see the module documentation).
    pub key_prefix: String,
    /// Longest one operation may take: waiting for a pooled connection,
    /// connecting, and the command. Beyond, [`ChallengeError::Unavailable`].
    pub timeout: Duration,
    /// How long an expired challenge is kept, to be refused as expired
    /// rather than unknown (and a tombstone past its challenge's expiry).
    pub expired_grace: Duration,
}

impl RedisConfig {
    /// The defaults for `url`: 16 connections, [`DEFAULT_KEY_PREFIX`], a 2 s
    /// timeout, a 30 s grace.
    pub fn new(url: &str) -> Self {
        RedisConfig {
            url: url.to_owned(),
            pool_size: 16,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: Duration::from_secs(2),
            expired_grace: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redacted(&self.url))
            .field("pool_size", &self.pool_size)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .field("expired_grace", &self.expired_grace)
            .finish()
    }
}

/// `url` with its user information (`user:password@`) replaced by `***@`,
/// fit for logs.
pub fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &url[scheme_end + at..]),
        None => url.to_owned(),
    }
}

/// Why a [`RedisChallenges`] could not be set up: the URL or the pool's
/// settings (no connection is made at setup).
#[derive(Debug, thiserror::Error)]
#[error("challenge store: {0}")]
pub struct RedisSetupError(String);

/// One-time challenges in Redis; see the module documentation.
pub struct RedisChallenges {
    pool: Pool,
    prefix: String,
    live_key: String,
    config: ChallengeConfig,
    timeout: Duration,
    grace: Duration,
    issue: Script,
    consume: Script,
    count: Script,
    /// Whether the last operation found Redis unavailable (an outage is
    /// logged at its start and its end).
    down: AtomicBool,
}

impl fmt::Debug for RedisChallenges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisChallenges")
            .field("prefix", &self.prefix)
            .field("pool", &self.pool.status())
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisChallenges {
    /// A store in the Redis at `redis.url` with the limits of `config`.
    /// Connects lazily: a Redis that is down now makes the operations fail
    /// with [`ChallengeError::Unavailable`] until it answers.
    ///
    /// # Errors
    /// [`RedisSetupError`] for a URL that is not a Redis URL (or asks for
    /// TLS, which this build does not have), an empty key prefix, a zero
    /// pool size or timeout. Must be called inside a tokio runtime.
    pub fn new(redis: &RedisConfig, config: ChallengeConfig) -> Result<Self, RedisSetupError> {
        if redis.key_prefix.is_empty() || redis.pool_size == 0 || redis.timeout.is_zero() {
            return Err(RedisSetupError(
                "the key prefix, the pool size and the timeout must not be empty or zero".into(),
            ));
        }
        let connection = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(redis.timeout))
            .set_response_timeout(Some(redis.timeout));
        // The cause of a bad URL, never the URL itself: it may hold a
        // password.
        let manager = Manager::new_with_config(redis.url.as_str(), connection)
            .map_err(|e| RedisSetupError(format!("not a usable Redis URL ({:?})", e.kind())))?;
        let pool = Pool::builder(manager)
            .max_size(redis.pool_size)
            .wait_timeout(Some(redis.timeout))
            .create_timeout(Some(redis.timeout))
            .recycle_timeout(Some(redis.timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| RedisSetupError(e.to_string()))?;
        Ok(RedisChallenges {
            pool,
            live_key: format!("{}live", redis.key_prefix),
            prefix: redis.key_prefix.clone(),
            config,
            timeout: redis.timeout,
            grace: redis.expired_grace,
            issue: Script::new(ISSUE),
            consume: Script::new(CONSUME),
            count: Script::new(COUNT),
            down: AtomicBool::new(false),
        })
    }

    /// The store's limits.
    pub fn config(&self) -> &ChallengeConfig {
        &self.config
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    fn challenge_key(&self, digest: &str) -> String {
        format!("{}c:{digest}", self.prefix)
    }

    fn tombstone_key(&self, digest: &str) -> String {
        format!("{}t:{digest}", self.prefix)
    }

    fn verifier_key(&self, verifier: &str) -> String {
        format!("{}v:{verifier}", self.prefix)
    }

    /// Issues a challenge bound to `binding`, valid for the configured TTL
    /// by Redis's clock.
    ///
    /// # Errors
    /// [`ChallengeError::QuotaExceeded`], [`ChallengeError::CapacityExceeded`]
    /// (as the in-process store), [`ChallengeError::Unavailable`].
    pub async fn issue(
        &self,
        binding: ChallengeBinding,
    ) -> Result<IssuedChallenge, ChallengeError> {
        let started = Instant::now();
        let verifier_key = self.verifier_key(&binding.verifier);
        // A collision of 256-bit random values does not happen; a script
        // that answered "taken" every time would be a fault, not bad luck.
        for _ in 0..3 {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let nonce = Nonce(bytes);
            let digest = hex::encode(nonce.digest());
            let mut call = self.issue.prepare_invoke();
            call.key(self.challenge_key(&digest))
                .key(&verifier_key)
                .key(&self.live_key)
                .arg(millis(self.config.ttl))
                .arg(millis(self.grace))
                .arg(self.config.per_verifier)
                .arg(self.config.capacity)
                .arg(&digest)
                .arg(&binding.verifier)
                .arg(&binding.policy_id)
                .arg(binding.policy_version);
            let (status, at): (i64, i64) = self
                .with_connection(async |c| call.invoke_async(c).await)
                .await?;
            match status {
                0 => {
                    return Ok(IssuedChallenge {
                        nonce,
                        expires_at: started + self.config.ttl,
                        expires_utc: time::OffsetDateTime::from_unix_timestamp_nanos(
                            i128::from(at) * 1_000_000,
                        )
                        .ok(),
                    })
                }
                1 => return Err(ChallengeError::QuotaExceeded),
                2 => return Err(ChallengeError::CapacityExceeded),
                3 => continue,
                other => return Err(unexpected(&format!("issue answered {other}"))),
            }
        }
        Err(unexpected("issue found three fresh digests taken"))
    }

    /// Consumes the challenge `nonce` for a presentation to `verifier` under
    /// `policy_id`, returning what it was bound to. At most one call
    /// succeeds per challenge, over every node sharing the store.
    ///
    /// # Errors
    /// [`ChallengeError::Unknown`], [`ChallengeError::Expired`],
    /// [`ChallengeError::Replayed`], [`ChallengeError::WrongVerifier`] or
    /// [`ChallengeError::WrongPolicy`] (see the module documentation);
    /// [`ChallengeError::Unavailable`] when Redis cannot be asked or its
    /// answer is lost.
    pub async fn consume(
        &self,
        nonce: &Nonce,
        verifier: &str,
        policy_id: &str,
    ) -> Result<Arc<ChallengeBinding>, ChallengeError> {
        let digest = hex::encode(nonce.digest());
        let mut call = self.consume.prepare_invoke();
        call.key(self.challenge_key(&digest))
            .key(self.tombstone_key(&digest))
            .key(self.verifier_key(verifier))
            .key(&self.live_key)
            .arg(verifier)
            .arg(policy_id)
            .arg(&digest)
            .arg(millis(self.grace))
            .arg(if self.config.tombstones > 0 { "1" } else { "0" });
        let answer: Vec<i64> = self
            .with_connection(async |c| call.invoke_async(c).await)
            .await?;
        match answer.as_slice() {
            [0, version] => Ok(Arc::new(ChallengeBinding {
                verifier: verifier.to_owned(),
                policy_id: policy_id.to_owned(),
                policy_version: u32::try_from(*version)
                    .map_err(|_| unexpected("a stored policy version out of range"))?,
            })),
            [1] => Err(ChallengeError::Unknown),
            [2] => Err(ChallengeError::Replayed),
            [3] => Err(ChallengeError::Expired),
            [4] => Err(ChallengeError::WrongVerifier),
            [5] => Err(ChallengeError::WrongPolicy),
            other => Err(unexpected(&format!("consume answered {other:?}"))),
        }
    }

    /// Live (unexpired, unconsumed) challenges of all verifiers.
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`].
    pub async fn live(&self) -> Result<usize, ChallengeError> {
        self.count_live(&self.live_key).await
    }

    /// Live challenges of `verifier` (counted against its budget).
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`].
    pub async fn outstanding(&self, verifier: &str) -> Result<usize, ChallengeError> {
        self.count_live(&self.verifier_key(verifier)).await
    }

    async fn count_live(&self, key: &str) -> Result<usize, ChallengeError> {
        let mut call = self.count.prepare_invoke();
        call.key(key);
        self.with_connection(async |c| call.invoke_async(c).await)
            .await
    }

    /// `PING` through the pool.
    ///
    /// # Errors
    /// [`ChallengeError::Unavailable`].
    pub async fn ping(&self) -> Result<(), ChallengeError> {
        let pong: String = self
            .with_connection(async |c| redis::cmd("PING").query_async(c).await)
            .await?;
        match pong.as_str() {
            "PONG" => Ok(()),
            _ => Err(unexpected("PING was not answered PONG")),
        }
    }

    /// Runs `f` on a pooled connection within the timeout, and notes
    /// whether Redis answered.
    async fn with_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut deadpool_redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, ChallengeError> {
        let attempt = async {
            let mut conn = self.pool.get().await.map_err(|e| unavailable(&e))?;
            f(&mut conn).await.map_err(|e| unavailable(&e))
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(ChallengeError::Unavailable {
                cause: format!("no answer within {} ms", self.timeout.as_millis()),
            }),
        };
        self.observe(result)
    }

    /// Logs the start of an outage (with its cause) and its end, once each.
    fn observe<T>(&self, result: Result<T, ChallengeError>) -> Result<T, ChallengeError> {
        match &result {
            Err(ChallengeError::Unavailable { cause }) => {
                if !self.down.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        %cause,
                        "challenge store (Redis) unavailable: challenges are refused with 503 until it answers"
                    );
                }
            }
            _ => {
                if self.down.swap(false, Ordering::AcqRel) {
                    tracing::info!("challenge store (Redis) answers again");
                }
            }
        }
        result
    }
}

/// Milliseconds, at least 1 (Redis refuses an expiry of 0).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn unavailable(e: &dyn fmt::Display) -> ChallengeError {
    ChallengeError::Unavailable {
        cause: e.to_string(),
    }
}

fn unexpected(what: &str) -> ChallengeError {
    ChallengeError::Unavailable {
        cause: format!("unexpected answer from Redis: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// The machine's Redis (started before the tests, as in CI).
    /// The tests' Redis (started by `.ci/run services` when not running).
    fn url() -> String {
        crate::storage::postgres::test_db::redis_url()
    }

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

    fn limits(capacity: usize, per_verifier: usize) -> ChallengeConfig {
        ChallengeConfig {
            ttl: Duration::from_secs(60),
            capacity,
            per_verifier,
            tombstones: 1000,
            sweep_interval: Duration::from_secs(1),
        }
    }

    /// A key prefix no other test (or run) uses.
    fn prefix(test: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        format!(
            "zkcred-test:{test}:{}:{}:{}:",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        )
    }

    fn settings(prefix: &str) -> RedisConfig {
        RedisConfig {
            key_prefix: prefix.to_owned(),
            pool_size: 4,
            ..RedisConfig::new(&url())
        }
    }

    /// Two "nodes": two stores with their own pools over one Redis and one
    /// prefix.
    fn nodes(test: &str, config: &ChallengeConfig) -> (RedisChallenges, RedisChallenges, String) {
        let p = prefix(test);
        let a = RedisChallenges::new(&settings(&p), config.clone()).unwrap();
        let b = RedisChallenges::new(&settings(&p), config.clone()).unwrap();
        (a, b, p)
    }

    async fn raw() -> redis::aio::MultiplexedConnection {
        redis::Client::open(url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    async fn keys(prefix: &str) -> Vec<String> {
        let mut c = raw().await;
        redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut c)
            .await
            .unwrap()
    }

    /// Deletes the test's keys (they would expire by themselves anyway:
    /// every key the store writes has a TTL).
    async fn clean(prefix: &str) {
        let found = keys(prefix).await;
        if !found.is_empty() {
            let mut c = raw().await;
            let _: i64 = redis::cmd("DEL")
                .arg(&found)
                .query_async(&mut c)
                .await
                .unwrap();
        }
        assert!(keys(prefix).await.is_empty());
    }

    async fn pttl(key: &str) -> i64 {
        let mut c = raw().await;
        redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut c)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn issued_on_one_node_consumed_on_another() {
        let (a, b, p) = nodes("two-nodes", &limits(100, 100));
        let c = a.issue(binding()).await.unwrap();
        assert_eq!(
            (a.live().await, b.outstanding("hotel").await),
            (Ok(1), Ok(1))
        );
        // Redis holds the digest, never the nonce.
        let stored = keys(&p).await;
        assert!(stored.iter().all(|k| !k.contains(&c.nonce.to_hex())));
        let digest = hex::encode(c.nonce.digest());
        assert!(stored.contains(&format!("{p}c:{digest}")), "{stored:?}");
        let got = b.consume(&c.nonce, "hotel", "checkin").await.unwrap();
        assert_eq!(*got, binding());
        // Spent on B, it is a replay on either node, and frees its budget.
        for node in [&a, &b] {
            assert_eq!(
                node.consume(&c.nonce, "hotel", "checkin").await,
                Err(ChallengeError::Replayed)
            );
        }
        assert_eq!(
            (a.live().await, a.outstanding("hotel").await),
            (Ok(0), Ok(0))
        );
        let never = Nonce::from_bytes([7; 32]);
        assert_eq!(
            b.consume(&never, "hotel", "checkin").await,
            Err(ChallengeError::Unknown)
        );
        // The tombstone lasts as long as the challenge would have.
        let left = pttl(&format!("{p}t:{digest}")).await;
        assert!((59_000..=90_000).contains(&left), "tombstone PTTL {left}");
        // The expiry is Redis's: now + ttl by its clock.
        let utc = c.expires_utc.unwrap();
        let ahead = utc - time::OffsetDateTime::now_utc();
        assert!(ahead > time::Duration::seconds(55) && ahead <= time::Duration::seconds(65));
        a.ping().await.unwrap();
        clean(&p).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_consumers_on_two_nodes_one_wins() {
        const RACERS: usize = 16;
        let (a, b, p) = nodes("race", &limits(1000, 1000));
        let (a, b) = (Arc::new(a), Arc::new(b));
        for _ in 0..50 {
            let c = a.issue(binding()).await.unwrap();
            let mut racers = tokio::task::JoinSet::new();
            for i in 0..RACERS {
                let node = Arc::clone(if i % 2 == 0 { &a } else { &b });
                let nonce = c.nonce.clone();
                racers.spawn(async move { node.consume(&nonce, "hotel", "checkin").await });
            }
            let results = racers.join_all().await;
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
            assert!(results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| *e == ChallengeError::Replayed));
        }
        assert_eq!(a.live().await, Ok(0));
        clean(&p).await;
    }

    #[tokio::test]
    async fn binding_mismatch_does_not_consume() {
        let (a, b, p) = nodes("mismatch", &limits(10, 10));
        let c = a.issue(binding()).await.unwrap();
        let e = b.consume(&c.nonce, "bar", "checkin").await.unwrap_err();
        assert_eq!(e.code(), "challenge_wrong_verifier");
        let e = b.consume(&c.nonce, "hotel", "age").await.unwrap_err();
        assert_eq!(e.code(), "challenge_wrong_policy");
        assert_eq!(a.outstanding("hotel").await, Ok(1));
        assert_eq!(a.outstanding("bar").await, Ok(0));
        assert!(b.consume(&c.nonce, "hotel", "checkin").await.is_ok());
        assert_eq!(a.outstanding("hotel").await, Ok(0));
        clean(&p).await;
    }

    #[tokio::test]
    async fn expired_then_unknown() {
        let p = prefix("expiry");
        let config = ChallengeConfig {
            ttl: Duration::from_millis(300),
            ..limits(10, 10)
        };
        let redis = RedisConfig {
            expired_grace: Duration::from_millis(1000),
            ..settings(&p)
        };
        let s = RedisChallenges::new(&redis, config).unwrap();
        let c = s.issue(binding()).await.unwrap();
        let used = s.issue(binding()).await.unwrap();
        s.consume(&used.nonce, "hotel", "checkin").await.unwrap();
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(
            s.consume(&c.nonce, "hotel", "checkin").await,
            Err(ChallengeError::Expired)
        );
        // Expired: out of the budgets at once, though still refused as
        // expired (and a wrong verifier does not learn more).
        assert_eq!(
            (s.live().await, s.outstanding("hotel").await),
            (Ok(0), Ok(0))
        );
        assert_eq!(
            s.consume(&c.nonce, "bar", "checkin").await,
            Err(ChallengeError::Expired)
        );
        assert_eq!(
            s.consume(&used.nonce, "hotel", "checkin").await,
            Err(ChallengeError::Replayed)
        );
        // After the grace Redis has dropped both: unknown.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        for n in [&c.nonce, &used.nonce] {
            assert_eq!(
                s.consume(n, "hotel", "checkin").await,
                Err(ChallengeError::Unknown)
            );
        }
        assert!(keys(&p).await.is_empty(), "every key expired by itself");
    }

    #[tokio::test]
    async fn quota_and_capacity() {
        let (a, b, p) = nodes("budgets", &limits(5, 3));
        let mut hotel = Vec::new();
        for node in [&a, &b, &a] {
            hotel.push(node.issue(binding()).await.unwrap());
        }
        let e = b.issue(binding()).await.unwrap_err();
        assert_eq!(e, ChallengeError::QuotaExceeded);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
        // Another verifier is still served, up to the capacity over both nodes.
        a.issue(bound_to("bar")).await.unwrap();
        b.issue(bound_to("bar")).await.unwrap();
        let e = a.issue(bound_to("bar")).await.unwrap_err();
        assert_eq!(e, ChallengeError::CapacityExceeded);
        assert_eq!(e.code(), "challenge_capacity_exceeded");
        // A refused issue takes nothing.
        assert_eq!((b.outstanding("bar").await, b.live().await), (Ok(2), Ok(5)));
        // Answering gives the verifier one back.
        b.consume(&hotel[0].nonce, "hotel", "checkin")
            .await
            .unwrap();
        a.issue(binding()).await.unwrap();
        assert_eq!(
            a.issue(binding()).await.unwrap_err(),
            ChallengeError::QuotaExceeded
        );
        clean(&p).await;
    }

    #[tokio::test]
    async fn expiry_frees_the_budget() {
        let p = prefix("budget-expiry");
        let config = ChallengeConfig {
            ttl: Duration::from_millis(200),
            ..limits(2, 2)
        };
        let s = RedisChallenges::new(&settings(&p), config).unwrap();
        s.issue(binding()).await.unwrap();
        s.issue(binding()).await.unwrap();
        assert_eq!(
            s.issue(binding()).await.unwrap_err(),
            ChallengeError::QuotaExceeded
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        s.issue(binding()).await.unwrap();
        assert_eq!(s.outstanding("hotel").await, Ok(1));
        clean(&p).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_issue_on_two_nodes_respects_the_budgets() {
        let (a, b, p) = nodes("issue-race", &limits(300, 150));
        let (a, b) = (Arc::new(a), Arc::new(b));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..4 {
            let node = Arc::clone(if i < 2 { &a } else { &b });
            let who = if i % 2 == 0 { "hotel" } else { "bar" };
            tasks.spawn(async move {
                let mut issued = 0;
                for _ in 0..100 {
                    if node.issue(bound_to(who)).await.is_ok() {
                        issued += 1;
                    }
                }
                issued
            });
        }
        let issued: usize = tasks.join_all().await.into_iter().sum();
        assert_eq!(issued, 300);
        assert_eq!(
            (a.outstanding("hotel").await, b.outstanding("bar").await),
            (Ok(150), Ok(150))
        );
        assert_eq!(a.live().await, Ok(300));
        clean(&p).await;
    }

    #[tokio::test]
    async fn no_tombstones_when_turned_off() {
        let p = prefix("no-tombstones");
        let config = ChallengeConfig {
            tombstones: 0,
            ..limits(10, 10)
        };
        let s = RedisChallenges::new(&settings(&p), config).unwrap();
        let c = s.issue(binding()).await.unwrap();
        s.consume(&c.nonce, "hotel", "checkin").await.unwrap();
        assert_eq!(
            s.consume(&c.nonce, "hotel", "checkin").await,
            Err(ChallengeError::Unknown)
        );
        clean(&p).await;
    }

    fn unavailable(r: Result<impl fmt::Debug, ChallengeError>) -> String {
        match r {
            Err(e @ ChallengeError::Unavailable { .. }) => {
                assert_eq!(e.code(), "challenge_store_unavailable");
                assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
                let ChallengeError::Unavailable { cause } = e else {
                    unreachable!()
                };
                cause
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn unreachable_redis_is_unavailable_fast() {
        // A port nothing listens on: refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let closed = RedisConfig {
            timeout: Duration::from_millis(500),
            ..RedisConfig::new(&format!("redis://:hunter2@127.0.0.1:{port}/"))
        };
        let s = RedisChallenges::new(&closed, limits(10, 10)).unwrap();
        let t0 = Instant::now();
        let cause = unavailable(s.issue(binding()).await);
        assert!(!cause.contains("hunter2"), "{cause}");
        unavailable(
            s.consume(&Nonce::from_bytes([1; 32]), "hotel", "checkin")
                .await,
        );
        unavailable(s.live().await);
        unavailable(s.ping().await);
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());

        // A server that takes connections and never answers: the timeout.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mute = RedisConfig {
            timeout: Duration::from_millis(300),
            ..RedisConfig::new(&format!("redis://{}/", silent.local_addr().unwrap()))
        };
        let s = RedisChallenges::new(&mute, limits(10, 10)).unwrap();
        let t0 = Instant::now();
        unavailable(s.issue(binding()).await);
        let took = t0.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(2),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn recovers_after_its_connection_is_killed() {
        let p = prefix("kill");
        let one = RedisConfig {
            pool_size: 1,
            ..settings(&p)
        };
        let s = RedisChallenges::new(&one, limits(10, 10)).unwrap();
        let c = s.issue(binding()).await.unwrap();
        // The pool's one connection, killed from outside.
        let id: i64 = s
            .with_connection(async |c| redis::cmd("CLIENT").arg("ID").query_async(c).await)
            .await
            .unwrap();
        let mut admin = raw().await;
        let killed: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .query_async(&mut admin)
            .await
            .unwrap();
        assert_eq!(killed, 1);
        // The next call finds the connection dead, makes a new one and
        // succeeds.
        let got = s.consume(&c.nonce, "hotel", "checkin").await.unwrap();
        assert_eq!(got.policy_version, 3);
        let new_id: i64 = s
            .with_connection(async |c| redis::cmd("CLIENT").arg("ID").query_async(c).await)
            .await
            .unwrap();
        assert_ne!(new_id, id);
        clean(&p).await;
    }

    /// Measures what one outstanding challenge costs Redis (the figures of
    /// the module documentation).
    #[tokio::test]
    async fn memory_per_challenge() {
        let p = prefix("memory");
        let s = RedisChallenges::new(&settings(&p), limits(1000, 1000)).unwrap();
        let verifier = "hotel.example";
        let mut issued = Vec::new();
        // Over 128 members: the sorted sets' production encoding.
        for _ in 0..200 {
            issued.push(s.issue(bound_to(verifier)).await.unwrap());
        }
        let mut c = raw().await;
        let mut usage = async |key: String| -> i64 {
            redis::cmd("MEMORY")
                .arg("USAGE")
                .arg(key)
                .arg("SAMPLES")
                .arg(0)
                .query_async(&mut c)
                .await
                .unwrap()
        };
        let digest = hex::encode(issued[0].nonce.digest());
        let hash = usage(format!("{p}c:{digest}")).await;
        let per_verifier = usage(format!("{p}v:{verifier}")).await;
        let live = usage(format!("{p}live")).await;
        let member = (per_verifier + live) / 2 / 200;
        s.consume(&issued[0].nonce, verifier, "checkin")
            .await
            .unwrap();
        let tombstone = usage(format!("{p}t:{digest}")).await;
        eprintln!(
            "MEMORY USAGE: challenge hash {hash} B, sorted-set member ~{member} B each \
             (verifier set {per_verifier} B, overall {live} B for 200), tombstone {tombstone} B"
        );
        assert!((100..400).contains(&hash), "hash {hash}");
        assert!((40..250).contains(&member), "member {member}");
        assert!((40..250).contains(&tombstone), "tombstone {tombstone}");
        clean(&p).await;
    }
}
