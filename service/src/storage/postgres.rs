//! [`Storage`] in PostgreSQL, shared by several verifier nodes
//! (`tokio-postgres` through a `deadpool-postgres` pool; the schema by
//! `refinery` migrations embedded from `service/migrations/postgres/`).
//!
//! - **One log for all nodes: a sequencer under a row lock.** The log's
//!   size lives in a one-row table, `log_state`. Every append runs in one
//!   transaction that first locks that row (`SELECT size FROM log_state
//!   FOR UPDATE`), numbers its records `size..size + n`, reads the tree's
//!   frontier once (at most 64 nodes, `zkcred_translog::tree::Frontier`),
//!   builds each record, its leaf hash and the interior nodes it completes,
//!   inserts them all with one statement (arrays through `unnest`),
//!   advances `log_state` and commits. Whichever node appends, the next
//!   one waits for the lock and reads the size the last commit left, so
//!   sequence numbers are gap-free and unique across nodes; a failed or
//!   rolled-back append leaves no trace (the size moves only with its
//!   records). A row lock rather than a `SERIAL` sequence: sequences hand
//!   out numbers outside transactions, so a rollback would leave a gap, and
//!   the frontier must be read and extended by one writer at a time anyway.
//!   A row lock rather than `SERIALIZABLE`: conflicting appenders queue
//!   instead of failing and retrying, and readers (heads, proofs, pages)
//!   never wait for it, since nodes and records never change once written.
//! - **Group commit across nodes.** Each node's log writer
//!   (`http::log_writer`) already takes every decision waiting and appends
//!   them in one call; here that call is one transaction with a fixed
//!   number of round trips (begin, lock, frontier, one insert of records,
//!   nodes and size, commit) and one WAL flush, whatever its size. What
//!   limits throughput is that one append transaction runs at a time across
//!   all nodes: the lock is held for those round trips and the commit's
//!   flush, so the log takes about `1 / (round trips + flush)` groups per
//!   second; under load the groups grow, which is what keeps the rate of
//!   records up.
//! - **Heads** are stored under a transaction-scoped advisory lock, so head
//!   writers of all nodes are serialised and a head is refused when it is
//!   beyond the log or older than the latest, by size or time (the same
//!   rule as SQLite). **Document versions** are checked and inserted under
//!   an advisory lock of their `(kind, id)`, with the primary key behind
//!   it: of two nodes storing the same version, one gets
//!   [`StorageError::VersionConflict`].
//! - **Integrity**: `CHECK` constraints, and triggers that refuse `UPDATE`,
//!   `DELETE` and `TRUNCATE` on the log, its nodes, heads, log keys and
//!   status epochs (the log size only grows; a document version's body
//!   never changes), for every SQL client of the database.
//! - **Sync over async.** [`Storage`] is synchronous and is called from
//!   tokio's blocking threads, the log writer's thread and at start. Each
//!   [`PgStorage`] owns a small tokio runtime of its own
//!   ([`PgOptions::runtime_threads`]) where the pool's connections live;
//!   a call spawns its work there and waits for the answer on a channel,
//!   so it works from any thread, inside a runtime or not.
//! - **A database that is gone** answers quickly: connecting and waiting
//!   for a pooled connection are bounded by [`PgOptions::timeout`], and
//!   refused or lost connections, pool timeouts and the server's shutdown
//!   codes are [`StorageError::Unavailable`] (503 `storage_unavailable`);
//!   the pool drops dead connections and opens new ones on the next call.
//!   Lock waits are bounded by [`PgOptions::lock_timeout`] and statements
//!   by the server's `statement_timeout` (30 s; both then 503
//!   `storage_busy`); a transaction left idle by a stalled node is ended by
//!   the server after `idle_in_transaction_session_timeout` (10 s), so it
//!   cannot hold the log's lock for longer; and the client drops a
//!   connection whose sent data stays unacknowledged for 10 s
//!   (`TCP_USER_TIMEOUT`).
//! - **Schema**: refinery's migrations, run at open under a session
//!   advisory lock, so nodes starting together migrate once.
//!
//! Limits: connections are plain TCP or Unix sockets (`NoTls`; TLS to the
//! database is not built in). The URL may hold a password: it is never
//! logged, nor shown by `Debug`.

use std::future::Future;
use std::ops::Range;
use std::str::FromStr;
use std::sync::mpsc;
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;

use super::rows::{
    check_new_document, decode_head, decode_log_key, decode_status_epoch, hash_from, to_i64,
    to_u64, RawDocument,
};
use super::{
    Document, DocumentStatus, LogEntry, LogKeyRecord, Storage, StorageError, StoredStatusEpoch,
};
use zkcred_translog::record::now_timestamp;
use zkcred_translog::tree::Frontier;
use zkcred_translog::{DisclosureEvent, DisclosureRecord, Hash, SignedTreeHead};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// The session advisory lock held while migrating (one node at a time).
const MIGRATION_LOCK: i64 = 0x7a6b_6372_6564_0001;
/// The transaction advisory lock of head writers.
const HEADS_LOCK: i64 = 0x7a6b_6372_6564_0002;
/// The class (first key) of the two-key advisory locks of documents; the
/// second key is a hash of `(kind, id)`.
const DOCUMENTS_LOCK_CLASS: i32 = 0x7a6b_6364;
/// How long a transaction may stay idle before the server ends it (and
/// releases its locks): a stalled node must not hold the log's lock.
const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(10);
/// The server ends a statement running longer than this.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Tuning of a [`PgStorage`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections at most (each node: reads from the HTTP handlers'
    /// blocking threads, the log writer, the head signer).
    pub pool_size: usize,
    /// Longest wait to connect (TCP and startup) and for a free pooled
    /// connection; then [`StorageError::Unavailable`].
    pub timeout: Duration,
    /// Longest wait for a lock (the log's, a document's): the server's
    /// `lock_timeout`; then `storage_busy`.
    pub lock_timeout: Duration,
    /// Worker threads of the storage's own runtime (1 or 2 are plenty: they
    /// only drive sockets).
    pub runtime_threads: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 16,
            timeout: Duration::from_secs(2),
            lock_timeout: Duration::from_secs(5),
            runtime_threads: 2,
        }
    }
}

/// [`Storage`] in a PostgreSQL database; see the module documentation.
pub struct PgStorage {
    pool: Pool,
    /// Where the pool's connections and every call's work run. `None` only
    /// while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    /// Host, port and database, for `Debug` (never the password).
    target: String,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage")
            .field("target", &self.target)
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl Drop for PgStorage {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks stop, which tokio
        // refuses (panics) inside another runtime; the service may drop the
        // last handle on a worker thread. Nothing is waited for: every call
        // has returned, and the connections close with their tasks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Whether `e` is a lost or refused connection, or the server shutting
/// down: the database is unavailable rather than the statement wrong.
fn is_connection_error(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        // 08: connection exception; 57P01-03: admin / crash shutdown,
        // cannot connect now; 53300: too many connections.
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
    }
    // I/O on the socket (refused, reset, timed out), or the driver's own
    // timeout.
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        || e.to_string() == "timeout waiting for server"
}

/// Whether `e` is a refusal to wait or to serialise: lock timeout,
/// serialization failure, deadlock, statement timeout. The request may
/// succeed when repeated (`storage_busy`, 503).
pub(super) fn is_busy(e: &tokio_postgres::Error) -> bool {
    e.code()
        .is_some_and(|c| matches!(c.code(), "40001" | "40P01" | "55P03" | "57014"))
}

/// A readable account of `e`: the driver's `Display` omits the server's
/// message.
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    match (e.as_db_error(), std::error::Error::source(e)) {
        (Some(db), _) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        (None, Some(source)) => format!("{e}: {source}"),
        (None, None) => e.to_string(),
    }
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        if is_connection_error(&e) {
            StorageError::Unavailable(describe(&e))
        } else {
            StorageError::Postgres(e)
        }
    }
}

fn pool_error(e: PoolError) -> StorageError {
    match e {
        PoolError::Backend(e) => StorageError::Unavailable(format!("connecting: {}", describe(&e))),
        PoolError::Timeout(kind) => StorageError::Unavailable(format!(
            "no database connection within the timeout ({kind:?})"
        )),
        PoolError::Closed => StorageError::Unavailable("the connection pool is closed".into()),
        PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
            StorageError::Setup(e.to_string())
        }
    }
}

async fn connection(pool: &Pool) -> Result<Object, StorageError> {
    pool.get().await.map_err(pool_error)
}

/// Whether `database` names a PostgreSQL database (`postgres://` or
/// `postgresql://`).
pub(super) fn is_postgres_url(database: &str) -> bool {
    let lower = database.get(..13).unwrap_or(database).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The driver's configuration for `url` with `options`' timeouts and the
/// server settings every connection gets.
fn pg_config(url: &str, options: &PgOptions) -> Result<tokio_postgres::Config, StorageError> {
    // The parser's message never quotes the URL, which may hold a password.
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| StorageError::Setup(format!("invalid PostgreSQL URL: {}", describe(&e))))?;
    config.connect_timeout(options.timeout);
    config.tcp_user_timeout(IDLE_IN_TRANSACTION);
    if config.get_application_name().is_none() {
        config.application_name("zkcred");
    }
    let ms = |d: Duration| d.as_millis().max(1);
    let settings = format!(
        "-c lock_timeout={} -c idle_in_transaction_session_timeout={} -c statement_timeout={}",
        ms(options.lock_timeout),
        ms(IDLE_IN_TRANSACTION),
        ms(STATEMENT_TIMEOUT)
    );
    let all = match config.get_options() {
        Some(given) if !given.is_empty() => format!("{given} {settings}"),
        _ => settings,
    };
    config.options(all);
    Ok(config)
}

/// Host(s), port(s) and database of `config`, without user or password.
fn describe_target(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!(
        "{}:{}/{}",
        hosts.join(","),
        ports.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// Brings the schema up to date, one node at a time.
async fn migrate(pool: &Pool) -> Result<(), StorageError> {
    let mut client = connection(pool).await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let report = embedded::migrations::runner()
        .set_grouped(true)
        .run_async(&mut **client)
        .await;
    // A failed unlock leaves the lock to the connection's end: drop it.
    if client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await
        .is_err()
    {
        let _ = Object::take(client);
    }
    report?;
    Ok(())
}

/// One row per position, in order; each node read by one index probe of
/// the table that holds its level (a `CASE` evaluates only its branch's
/// subquery), `NULL` when missing.
const NODES_SQL: &str = "
    SELECT CASE WHEN q.level = 0
        THEN (SELECT d.leaf_hash FROM disclosure_log d WHERE d.seq = q.idx)
        ELSE (SELECT n.hash FROM log_nodes n WHERE n.level = q.level AND n.idx = q.idx)
    END
    FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS q(level, idx, ord)
    ORDER BY q.ord";

/// The nodes at `positions`, in that order, in one query: level 0 from
/// the records' leaf hashes, the others from `log_nodes`.
async fn read_nodes(
    client: &impl GenericClient,
    positions: &[(u8, u64)],
) -> Result<Vec<Hash>, StorageError> {
    if positions.is_empty() {
        return Ok(Vec::new());
    }
    let levels: Vec<i16> = positions.iter().map(|&(l, _)| i16::from(l)).collect();
    let indexes = positions
        .iter()
        .map(|&(_, i)| to_i64(i))
        .collect::<Result<Vec<i64>, _>>()?;
    let stmt = client.prepare_cached(NODES_SQL).await?;
    let rows = client.query(&stmt, &[&levels, &indexes]).await?;
    if rows.len() != positions.len() {
        return Err(StorageError::Corrupt("log tree node query"));
    }
    rows.into_iter()
        .map(|r| {
            let blob: Option<Vec<u8>> = r.try_get(0)?;
            hash_from(blob.ok_or(StorageError::Corrupt("log tree node missing"))?)
        })
        .collect()
}

/// Everything one append inserts, as the columns of its arrays.
#[derive(Default)]
struct AppendRows {
    seqs: Vec<i64>,
    records: Vec<String>,
    leaves: Vec<Vec<u8>>,
    levels: Vec<i16>,
    indexes: Vec<i64>,
    hashes: Vec<Vec<u8>>,
}

impl AppendRows {
    /// Records `events` from `start`, and the nodes above level 0 they
    /// complete on `frontier`.
    fn build(
        start: u64,
        events: &[DisclosureEvent],
        frontier: &mut Frontier,
    ) -> Result<Self, StorageError> {
        let mut rows = AppendRows::default();
        for (i, event) in events.iter().enumerate() {
            let seq = start + i as u64;
            let record = DisclosureRecord::from_event(seq, event)?;
            let bytes = record.canonical_bytes();
            let leaf = zkcred_translog::merkle::leaf_hash(&bytes);
            rows.seqs.push(to_i64(seq)?);
            rows.records.push(
                String::from_utf8(bytes)
                    .map_err(|_| StorageError::Corrupt("canonical record is not UTF-8"))?,
            );
            rows.leaves.push(leaf.0.to_vec());
            for (level, index, hash) in frontier.append(leaf).into_iter().filter(|n| n.0 > 0) {
                rows.levels.push(i16::from(level));
                rows.indexes.push(to_i64(index)?);
                rows.hashes.push(hash.0.to_vec());
            }
        }
        Ok(rows)
    }
}

/// Records, nodes and the new size in one statement; the size moves only
/// from the value read under the lock.
const APPEND_SQL: &str = "
    WITH records AS (
        INSERT INTO disclosure_log (seq, record, leaf_hash)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])
    ), nodes AS (
        INSERT INTO log_nodes (level, idx, hash)
        SELECT * FROM unnest($4::smallint[], $5::bigint[], $6::bytea[])
    )
    UPDATE log_state SET size = $7 WHERE size = $8";

const STATUS_COLUMNS: &str = "issuer, credential_type, epoch, document, received_at";
const DOC_COLUMNS: &str = "kind, id, version, body, status, created_at, updated_at";
const HEAD_COLUMNS: &str = "tree_size, root_hash, timestamp, signature";

fn document_row(r: &tokio_postgres::Row) -> Result<Document, StorageError> {
    RawDocument {
        kind: r.try_get(0)?,
        id: r.try_get(1)?,
        version: r.try_get(2)?,
        body: r.try_get(3)?,
        status: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
    }
    .decode()
}

fn head_row(r: &tokio_postgres::Row) -> Result<SignedTreeHead, StorageError> {
    decode_head((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
}

fn status_epoch_row(r: &tokio_postgres::Row) -> Result<StoredStatusEpoch, StorageError> {
    decode_status_epoch((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    ))
}

async fn log_size(client: &impl GenericClient) -> Result<u64, StorageError> {
    let stmt = client.prepare_cached("SELECT size FROM log_state").await?;
    to_u64(client.query_one(&stmt, &[]).await?.try_get(0)?)
}

async fn check_range(client: &impl GenericClient, range: &Range<u64>) -> Result<(), StorageError> {
    let size = log_size(client).await?;
    if range.start > range.end || range.end > size {
        return Err(StorageError::RangeOutOfBounds {
            start: range.start,
            end: range.end,
            size,
        });
    }
    Ok(())
}

impl PgStorage {
    /// Opens the database at `url` (`postgres://…` or `postgresql://…`)
    /// with default options and migrates its schema.
    ///
    /// # Errors
    /// See [`PgStorage::open_with`].
    pub fn open(url: &str) -> Result<Self, StorageError> {
        Self::open_with(url, &PgOptions::default())
    }

    /// Opens the database at `url` with `options`: starts the storage's
    /// runtime, connects and migrates the schema (under an advisory lock,
    /// so nodes starting together migrate once).
    ///
    /// # Errors
    /// [`StorageError::Setup`] for an unparsable URL or bad options;
    /// [`StorageError::Unavailable`] when the database cannot be reached
    /// within [`PgOptions::timeout`]; [`StorageError::PgMigration`].
    pub fn open_with(url: &str, options: &PgOptions) -> Result<Self, StorageError> {
        if options.pool_size == 0 || options.runtime_threads == 0 {
            return Err(StorageError::Setup(
                "PostgreSQL pool size and runtime threads must be at least 1".into(),
            ));
        }
        let config = pg_config(url, options)?;
        let target = describe_target(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.runtime_threads)
            .thread_name("zkcred-postgres")
            .enable_all()
            .build()
            .map_err(|e| StorageError::Setup(format!("starting the PostgreSQL runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|e| StorageError::Setup(format!("PostgreSQL pool: {e}")))?;
        let storage = PgStorage {
            pool,
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            target,
        };
        storage.call(|pool| async move { migrate(&pool).await })?;
        Ok(storage)
    }

    /// Runs `work` on the storage's runtime and waits for its answer; from
    /// any thread.
    fn call<T, F, Fut>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StorageError>> + Send + 'static,
    {
        let fut = work(self.pool.clone());
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().unwrap_or_else(|_| {
            Err(StorageError::Unavailable(
                "the PostgreSQL call ended without an answer".into(),
            ))
        })
    }

    /// The connection pool's state: connections open, idle, waited for.
    pub fn pool_status(&self) -> deadpool_postgres::Status {
        self.pool.status()
    }
}

impl Storage for PgStorage {
    fn append_disclosures(&self, events: &[DisclosureEvent]) -> Result<Range<u64>, StorageError> {
        if events.is_empty() {
            let start = self.disclosure_count()?;
            return Ok(start..start);
        }
        let events = events.to_vec();
        self.call(|pool| async move {
            let mut client = connection(&pool).await?;
            let tx = client.transaction().await?;
            let lock = tx
                .prepare_cached("SELECT size FROM log_state FOR UPDATE")
                .await?;
            let size: i64 = tx.query_one(&lock, &[]).await?.try_get(0)?;
            let start = to_u64(size)?;
            let positions = Frontier::positions(start);
            let mut frontier = Frontier::from_nodes(start, &read_nodes(&tx, &positions).await?)
                .map_err(|_| StorageError::Corrupt("log tree frontier"))?;
            let rows = AppendRows::build(start, &events, &mut frontier)?;
            let end = start + events.len() as u64;
            let insert = tx.prepare_cached(APPEND_SQL).await?;
            let moved = tx
                .execute(
                    &insert,
                    &[
                        &rows.seqs,
                        &rows.records,
                        &rows.leaves,
                        &rows.levels,
                        &rows.indexes,
                        &rows.hashes,
                        &to_i64(end)?,
                        &size,
                    ],
                )
                .await?;
            if moved != 1 {
                return Err(StorageError::Corrupt("the log size moved under its lock"));
            }
            tx.commit().await?;
            Ok(start..end)
        })
    }

    fn disclosure_count(&self) -> Result<u64, StorageError> {
        self.call(|pool| async move { log_size(&connection(&pool).await?).await })
    }

    fn read_disclosures(&self, range: Range<u64>) -> Result<Vec<LogEntry>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            check_range(&client, &range).await?;
            let stmt = client
                .prepare_cached(
                    "SELECT seq, record, leaf_hash FROM disclosure_log
                     WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                )
                .await?;
            let rows = client
                .query(&stmt, &[&to_i64(range.start)?, &to_i64(range.end)?])
                .await?;
            if rows.len() as u64 != range.end - range.start {
                return Err(StorageError::Corrupt("disclosure log has a gap"));
            }
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let seq: i64 = row.try_get(0)?;
                let text: String = row.try_get(1)?;
                let record: DisclosureRecord = serde_json::from_str(&text)
                    .map_err(|_| StorageError::Corrupt("disclosure record is not a record"))?;
                if record.sequence != to_u64(seq)? {
                    return Err(StorageError::Corrupt(
                        "record sequence differs from its row",
                    ));
                }
                let leaf_hash = hash_from(row.try_get(2)?)?;
                if zkcred_translog::merkle::leaf_hash(text.as_bytes()) != leaf_hash {
                    return Err(StorageError::Corrupt("record does not match its leaf hash"));
                }
                out.push(LogEntry { record, leaf_hash });
            }
            Ok(out)
        })
    }

    fn read_leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            check_range(&client, &range).await?;
            let stmt = client
                .prepare_cached(
                    "SELECT leaf_hash FROM disclosure_log
                     WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                )
                .await?;
            let rows = client
                .query(&stmt, &[&to_i64(range.start)?, &to_i64(range.end)?])
                .await?;
            if rows.len() as u64 != range.end - range.start {
                return Err(StorageError::Corrupt("disclosure log has a gap"));
            }
            rows.into_iter().map(|r| hash_from(r.try_get(0)?)).collect()
        })
    }

    fn read_log_nodes(&self, nodes: &[(u8, u64)]) -> Result<Vec<Hash>, StorageError> {
        if nodes.is_empty() {
            return Ok(Vec::new());
        }
        let nodes = nodes.to_vec();
        self.call(|pool| async move { read_nodes(&connection(&pool).await?, &nodes).await })
    }

    fn put_tree_head(&self, head: &SignedTreeHead) -> Result<(), StorageError> {
        let head = head.clone();
        self.call(|pool| async move {
            let mut client = connection(&pool).await?;
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&HEADS_LOCK])
                .await?;
            let size = log_size(&tx).await?;
            if head.tree_size > size {
                return Err(StorageError::HeadBeyondLog {
                    tree_size: head.tree_size,
                    size,
                });
            }
            let latest = tx
                .prepare_cached(&format!(
                    "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1"
                ))
                .await?;
            if let Some(row) = tx.query_opt(&latest, &[]).await? {
                let latest = head_row(&row)?;
                // Canonical UTC timestamps of one length: byte order is time
                // order (compared here, not under the database's collation).
                if head.tree_size < latest.tree_size || head.timestamp < latest.timestamp {
                    return Err(StorageError::HeadOutOfOrder {
                        tree_size: head.tree_size,
                        latest_size: latest.tree_size,
                    });
                }
            }
            let insert = tx
                .prepare_cached(
                    "INSERT INTO tree_heads (tree_size, root_hash, timestamp, signature)
                     VALUES ($1, $2, $3, $4)",
                )
                .await?;
            tx.execute(
                &insert,
                &[
                    &to_i64(head.tree_size)?,
                    &head.root_hash.0.as_slice(),
                    &head.timestamp,
                    &head.signature.as_slice(),
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn latest_tree_head(&self) -> Result<Option<SignedTreeHead>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(&format!(
                    "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1"
                ))
                .await?;
            client
                .query_opt(&stmt, &[])
                .await?
                .map(|r| head_row(&r))
                .transpose()
        })
    }

    fn tree_heads(&self) -> Result<Vec<SignedTreeHead>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(&format!(
                    "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size, id"
                ))
                .await?;
            client
                .query(&stmt, &[])
                .await?
                .iter()
                .map(head_row)
                .collect()
        })
    }

    fn log_keys(&self) -> Result<Vec<LogKeyRecord>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(
                    "SELECT public_key, from_tree_size, added_at, previous FROM log_keys ORDER BY id",
                )
                .await?;
            client
                .query(&stmt, &[])
                .await?
                .iter()
                .map(|r| {
                    decode_log_key((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
                })
                .collect()
        })
    }

    fn add_log_key(&self, key: &LogKeyRecord) -> Result<(), StorageError> {
        let key = key.clone();
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(
                    "INSERT INTO log_keys (public_key, from_tree_size, added_at, previous)
                     VALUES ($1, $2, $3, $4)",
                )
                .await?;
            client
                .execute(
                    &stmt,
                    &[
                        &key.public_key.to_bytes().as_slice(),
                        &to_i64(key.from_tree_size)?,
                        &key.added_at,
                        &key.previous.map(|k| k.to_bytes().to_vec()),
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn ping(&self) -> Result<(), StorageError> {
        self.call(|pool| async move {
            connection(&pool).await?.simple_query("SELECT 1").await?;
            Ok(())
        })
    }

    /// Nothing to do: a commit is in the server's WAL, which the server
    /// checkpoints itself.
    fn checkpoint(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn put_document(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        body: &serde_json::Value,
        status: DocumentStatus,
    ) -> Result<(), StorageError> {
        check_new_document(kind, id, version)?;
        let text = serde_json::to_string(body)
            .map_err(|_| StorageError::InvalidDocument("body does not serialise"))?;
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.call(move |pool| async move {
            let mut client = connection(&pool).await?;
            let tx = client.transaction().await?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2 || chr(10) || $3))",
                &[&DOCUMENTS_LOCK_CLASS, &kind, &id],
            )
            .await?;
            let latest = tx
                .prepare_cached("SELECT MAX(version) FROM documents WHERE kind = $1 AND id = $2")
                .await?;
            let latest: Option<i64> = tx.query_one(&latest, &[&kind, &id]).await?.try_get(0)?;
            if let Some(latest) = latest {
                if i64::from(version) <= latest {
                    return Err(StorageError::VersionConflict {
                        version,
                        latest: u32::try_from(latest)
                            .map_err(|_| StorageError::Corrupt("document version"))?,
                    });
                }
            }
            let insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO documents ({DOC_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $6)"
                ))
                .await?;
            let inserted = tx
                .execute(
                    &insert,
                    &[
                        &kind,
                        &id,
                        &i64::from(version),
                        &text,
                        &status.as_str(),
                        &now_timestamp(),
                    ],
                )
                .await;
            match inserted {
                // A writer that bypassed the lock stored this version first.
                Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    return Err(StorageError::VersionConflict {
                        version,
                        latest: version,
                    });
                }
                other => other?,
            };
            tx.commit().await?;
            Ok(())
        })
    }

    fn get_document(
        &self,
        kind: &str,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<Document>, StorageError> {
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let row = match version {
                Some(v) => {
                    let stmt = client
                        .prepare_cached(&format!(
                            "SELECT {DOC_COLUMNS} FROM documents
                             WHERE kind = $1 AND id = $2 AND version = $3"
                        ))
                        .await?;
                    client
                        .query_opt(&stmt, &[&kind, &id, &i64::from(v)])
                        .await?
                }
                None => {
                    let stmt = client
                        .prepare_cached(&format!(
                            "SELECT {DOC_COLUMNS} FROM documents WHERE kind = $1 AND id = $2
                             ORDER BY version DESC LIMIT 1"
                        ))
                        .await?;
                    client.query_opt(&stmt, &[&kind, &id]).await?
                }
            };
            row.map(|r| document_row(&r)).transpose()
        })
    }

    fn list_documents(&self, kind: &str) -> Result<Vec<Document>, StorageError> {
        let kind = kind.to_owned();
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(&format!(
                    "SELECT {DOC_COLUMNS} FROM documents WHERE kind = $1 ORDER BY id, version"
                ))
                .await?;
            client
                .query(&stmt, &[&kind])
                .await?
                .iter()
                .map(document_row)
                .collect()
        })
    }

    fn set_status(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        status: DocumentStatus,
    ) -> Result<(), StorageError> {
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(
                    "UPDATE documents SET status = $4, updated_at = $5
                     WHERE kind = $1 AND id = $2 AND version = $3",
                )
                .await?;
            let changed = client
                .execute(
                    &stmt,
                    &[
                        &kind,
                        &id,
                        &i64::from(version),
                        &status.as_str(),
                        &now_timestamp(),
                    ],
                )
                .await?;
            if changed == 0 {
                return Err(StorageError::DocumentNotFound);
            }
            Ok(())
        })
    }

    fn add_status_epoch(&self, e: &StoredStatusEpoch) -> Result<(), StorageError> {
        let e = e.clone();
        let epoch = to_i64(e.epoch)?;
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(&format!(
                    "INSERT INTO status_epochs ({STATUS_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT DO NOTHING"
                ))
                .await?;
            let inserted = client
                .execute(
                    &stmt,
                    &[
                        &e.issuer,
                        &e.credential_type,
                        &epoch,
                        &e.document,
                        &e.received_at,
                    ],
                )
                .await?;
            if inserted == 0 {
                return Err(StorageError::StatusEpochExists {
                    issuer: e.issuer,
                    credential_type: e.credential_type,
                    epoch: e.epoch,
                });
            }
            Ok(())
        })
    }

    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: Option<u64>,
    ) -> Result<Option<StoredStatusEpoch>, StorageError> {
        let (issuer, ty) = (issuer.to_owned(), credential_type.to_owned());
        let epoch = epoch.map(to_i64).transpose()?;
        self.call(move |pool| async move {
            let client = connection(&pool).await?;
            let row = match epoch {
                Some(n) => {
                    let stmt = client
                        .prepare_cached(&format!(
                            "SELECT {STATUS_COLUMNS} FROM status_epochs
                             WHERE issuer = $1 AND credential_type = $2 AND epoch = $3"
                        ))
                        .await?;
                    client.query_opt(&stmt, &[&issuer, &ty, &n]).await?
                }
                None => {
                    let stmt = client
                        .prepare_cached(&format!(
                            "SELECT {STATUS_COLUMNS} FROM status_epochs
                             WHERE issuer = $1 AND credential_type = $2
                             ORDER BY epoch DESC LIMIT 1"
                        ))
                        .await?;
                    client.query_opt(&stmt, &[&issuer, &ty]).await?
                }
            };
            row.map(|r| status_epoch_row(&r)).transpose()
        })
    }

    fn status_epochs(&self) -> Result<Vec<StoredStatusEpoch>, StorageError> {
        self.call(|pool| async move {
            let client = connection(&pool).await?;
            let stmt = client
                .prepare_cached(&format!(
                    "SELECT {STATUS_COLUMNS} FROM status_epochs
                     ORDER BY issuer, credential_type, epoch"
                ))
                .await?;
            client
                .query(&stmt, &[])
                .await?
                .iter()
                .map(status_epoch_row)
                .collect()
        })
    }
}

#[cfg(test)]
pub(crate) mod test_db;
#[cfg(test)]
mod tests;
