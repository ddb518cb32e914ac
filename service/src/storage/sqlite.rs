//! [`Storage`] in one SQLite file (bundled SQLite, through `rusqlite`).
//!
//! - **Durability**: WAL journal with `synchronous=FULL`, so a commit is on
//!   disk (the WAL is fsynced) before the call returns; `NORMAL` would only
//!   survive an application crash, and could lose the last decisions on a
//!   power cut, which a regulator's log must not. The cost, one fsync per
//!   transaction, is paid once per batch by [`Storage::append_disclosures`].
//! - **Integrity**: `STRICT` tables, `CHECK` constraints, and triggers that
//!   make the disclosure log and the tree heads append-only even to other
//!   SQL clients of the file.
//! - **Connections**: SQLite admits one writer at a time, so a single
//!   writer connection behind a mutex serialises writes without `BUSY`
//!   retries and makes sequence numbers gapless by construction; a few
//!   read-only connections (WAL lets them read while the writer commits)
//!   serve reads round-robin. No pool crate is needed for that.
//! - **Schema**: versioned migrations (`rusqlite_migration`, tracked in
//!   `PRAGMA user_version`), applied on open.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

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

const SCHEMA_V1: &str = r#"
CREATE TABLE disclosure_log (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 0),
    record    TEXT NOT NULL,
    leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)
) STRICT;
CREATE TRIGGER disclosure_log_no_update BEFORE UPDATE ON disclosure_log
BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;
CREATE TRIGGER disclosure_log_no_delete BEFORE DELETE ON disclosure_log
BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only'); END;

CREATE TABLE tree_heads (
    id        INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
    root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
    timestamp TEXT NOT NULL,
    signature BLOB NOT NULL CHECK (length(signature) = 64)
) STRICT;
CREATE INDEX tree_heads_by_size ON tree_heads (tree_size, id);
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;

CREATE TABLE documents (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id, version)
) STRICT, WITHOUT ROWID;
"#;

/// The log's signing keys, in the order they came into use: the first
/// key, then one row per rotation (see [`super::LogKeyRecord`]).
const SCHEMA_V2: &str = r#"
CREATE TABLE log_keys (
    id             INTEGER PRIMARY KEY,
    public_key     BLOB NOT NULL CHECK (length(public_key) = 32),
    from_tree_size INTEGER NOT NULL CHECK (from_tree_size >= 0),
    added_at       TEXT NOT NULL,
    previous       BLOB CHECK (previous IS NULL OR length(previous) = 32)
) STRICT;
CREATE TRIGGER log_keys_no_update BEFORE UPDATE ON log_keys
BEGIN SELECT RAISE(ABORT, 'the log key history is append-only'); END;
CREATE TRIGGER log_keys_no_delete BEFORE DELETE ON log_keys
BEGIN SELECT RAISE(ABORT, 'the log key history is append-only'); END;
"#;

/// Licence status epochs (see [`super::StoredStatusEpoch`]): one row per
/// issuer, credential type and epoch number, never changed once stored.
const SCHEMA_V3: &str = r#"
CREATE TABLE status_epochs (
    issuer          TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 256),
    credential_type TEXT NOT NULL CHECK (length(credential_type) BETWEEN 1 AND 256),
    epoch           INTEGER NOT NULL CHECK (epoch >= 0),
    document        TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (issuer, credential_type, epoch)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER status_epochs_no_update BEFORE UPDATE ON status_epochs
BEGIN SELECT RAISE(ABORT, 'status epochs are append-only'); END;
CREATE TRIGGER status_epochs_no_delete BEFORE DELETE ON status_epochs
BEGIN SELECT RAISE(ABORT, 'status epochs are append-only'); END;
"#;

/// The interior of the log's Merkle tree: node `(level, idx)` for every
/// complete perfect subtree of `2^level` leaves, level 1 and up (level 0,
/// the leaf hashes, are in `disclosure_log`). Written with the records that
/// complete them; under one row per record on average. Filled for the
/// records already stored by [`SqliteStorage::open`] (see
/// `fill_log_nodes`).
const SCHEMA_V4: &str = r#"
CREATE TABLE log_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 63),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END;
"#;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(SCHEMA_V1),
        M::up(SCHEMA_V2),
        M::up(SCHEMA_V3),
        M::up(SCHEMA_V4),
    ])
}

/// Leaf hashes read per step while filling `log_nodes` for an older log.
const FILL_CHUNK: u64 = 65_536;

/// Tuning of a [`SqliteStorage`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Read-only connections (0: reads share the writer connection).
    pub readers: usize,
    /// How long a connection waits for a lock held by another process.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            readers: 2,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// [`Storage`] in one SQLite file; see the module documentation.
pub struct SqliteStorage {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.path)
            .field("readers", &self.readers.len())
            .finish()
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic mid-transaction rolled the transaction back when it dropped;
    // the connection itself is still sound.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path` with default
    /// options, and migrates its schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// Opens the database at `path` with `options`.
    pub fn open_with(
        path: impl AsRef<Path>,
        options: &SqliteOptions,
    ) -> Result<Self, StorageError> {
        let path = path.as_ref().to_owned();
        let mut writer = Connection::open(&path)?;
        writer.busy_timeout(options.busy_timeout)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Setup(format!(
                "journal mode is {mode}, WAL is required"
            )));
        }
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut writer)?;
        fill_log_nodes(&mut writer)?;

        let mut readers = Vec::with_capacity(options.readers);
        for _ in 0..options.readers {
            let r = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            r.busy_timeout(options.busy_timeout)?;
            r.pragma_update(None, "query_only", "ON")?;
            readers.push(Mutex::new(r));
        }
        Ok(SqliteStorage {
            path,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a consistent copy of the database, as of one moment, to the
    /// new file `dest` (`VACUUM INTO` on a connection of its own), while the
    /// service keeps running: readers and the writer are not blocked. The
    /// copy is a single self-contained file (no WAL).
    ///
    /// # Errors
    /// [`StorageError::Database`] if `dest` exists or cannot be written.
    pub fn backup_to(&self, dest: impl AsRef<Path>) -> Result<(), StorageError> {
        let dest = dest
            .as_ref()
            .to_str()
            .ok_or_else(|| StorageError::Setup("backup destination is not a UTF-8 path".into()))?;
        let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.execute("VACUUM INTO ?1", params![dest])?;
        Ok(())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return lock(&self.writer);
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    /// The frontier of the tree of the `size` records stored (read in the
    /// writer's transaction).
    fn frontier(conn: &Connection, size: u64) -> Result<Frontier, StorageError> {
        let positions = Frontier::positions(size);
        let hashes = read_nodes(conn, &positions)?;
        Frontier::from_nodes(size, &hashes).map_err(|_| StorageError::Corrupt("log tree frontier"))
    }

    fn count(conn: &Connection) -> Result<u64, StorageError> {
        let n: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM disclosure_log")?
            .query_row([], |r| r.get(0))?;
        to_u64(n)
    }

    fn check_range(conn: &Connection, range: &Range<u64>) -> Result<(), StorageError> {
        let size = Self::count(conn)?;
        if range.start > range.end || range.end > size {
            return Err(StorageError::RangeOutOfBounds {
                start: range.start,
                end: range.end,
                size,
            });
        }
        Ok(())
    }

    fn document_from_row(row: &Row<'_>) -> rusqlite::Result<RawDocument> {
        Ok(RawDocument {
            kind: row.get(0)?,
            id: row.get(1)?,
            version: row.get(2)?,
            body: row.get(3)?,
            status: row.get(4)?,
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
        })
    }

    fn head_from_row(row: &Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, String, Vec<u8>)> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    }
}

type RawStatusEpoch = (String, String, i64, String, String);

fn status_epoch_row(r: &Row<'_>) -> rusqlite::Result<RawStatusEpoch> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// The nodes at `positions`: level 0 from the records' leaf hashes, the
/// others from `log_nodes`.
fn read_nodes(conn: &Connection, positions: &[(u8, u64)]) -> Result<Vec<Hash>, StorageError> {
    let mut leaf = conn.prepare_cached("SELECT leaf_hash FROM disclosure_log WHERE seq = ?1")?;
    let mut node =
        conn.prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")?;
    let mut out = Vec::with_capacity(positions.len());
    for &(level, index) in positions {
        let blob: Option<Vec<u8>> = if level == 0 {
            leaf.query_row(params![to_i64(index)?], |r| r.get(0))
                .optional()?
        } else {
            node.query_row(params![level, to_i64(index)?], |r| r.get(0))
                .optional()?
        };
        out.push(hash_from(
            blob.ok_or(StorageError::Corrupt("log tree node missing"))?,
        )?);
    }
    Ok(out)
}

/// Stores the nodes above level 0 that one record completes.
fn insert_nodes(
    stmt: &mut rusqlite::CachedStatement<'_>,
    nodes: &[(u8, u64, Hash)],
) -> Result<(), StorageError> {
    for (level, index, hash) in nodes.iter().filter(|n| n.0 > 0) {
        stmt.execute(params![level, to_i64(*index)?, hash.0.as_slice()])?;
    }
    Ok(())
}

/// Fills `log_nodes` for records stored before the table existed (a log
/// of an earlier version), in chunks, in one transaction; a log whose
/// nodes are all stored costs one lookup of its frontier.
fn fill_log_nodes(conn: &mut Connection) -> Result<(), StorageError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let size = SqliteStorage::count(&tx)?;
    if SqliteStorage::frontier(&tx, size).is_ok() {
        return Ok(());
    }
    let mut frontier = Frontier::new();
    {
        let mut leaves = tx.prepare_cached(
            "SELECT leaf_hash FROM disclosure_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?;
        let mut at = 0u64;
        while at < size {
            let end = (at + FILL_CHUNK).min(size);
            let hashes = leaves
                .query_map(params![to_i64(at)?, to_i64(end)?], |r| {
                    r.get::<_, Vec<u8>>(0)
                })?
                .map(|b| hash_from(b?))
                .collect::<Result<Vec<_>, _>>()?;
            if hashes.len() as u64 != end - at {
                return Err(StorageError::Corrupt("disclosure log has a gap"));
            }
            for h in hashes {
                insert_nodes(&mut insert, &frontier.append(h))?;
            }
            at = end;
        }
    }
    tx.commit()?;
    Ok(())
}

const STATUS_COLUMNS: &str = "issuer, credential_type, epoch, document, received_at";
const DOC_COLUMNS: &str = "kind, id, version, body, status, created_at, updated_at";
const HEAD_COLUMNS: &str = "tree_size, root_hash, timestamp, signature";

impl Storage for SqliteStorage {
    fn append_disclosures(&self, events: &[DisclosureEvent]) -> Result<Range<u64>, StorageError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let start = Self::count(&tx)?;
        let mut frontier = Self::frontier(&tx, start)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO disclosure_log (seq, record, leaf_hash) VALUES (?1, ?2, ?3)",
            )?;
            let mut insert_node =
                tx.prepare_cached("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?;
            for (i, event) in events.iter().enumerate() {
                let seq = start + i as u64;
                let record = DisclosureRecord::from_event(seq, event)?;
                let bytes = record.canonical_bytes();
                let leaf = zkcred_translog::merkle::leaf_hash(&bytes);
                let text = String::from_utf8(bytes).expect("JSON is UTF-8");
                insert.execute(params![to_i64(seq)?, text, leaf.0.as_slice()])?;
                insert_nodes(&mut insert_node, &frontier.append(leaf))?;
            }
        }
        tx.commit()?;
        Ok(start..start + events.len() as u64)
    }

    fn disclosure_count(&self) -> Result<u64, StorageError> {
        Self::count(&self.reader())
    }

    fn read_disclosures(&self, range: Range<u64>) -> Result<Vec<LogEntry>, StorageError> {
        let conn = self.reader();
        Self::check_range(&conn, &range)?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, record, leaf_hash FROM disclosure_log
             WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![to_i64(range.start)?, to_i64(range.end)?], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        for row in rows {
            let (seq, text, leaf) = row?;
            let record: DisclosureRecord = serde_json::from_str(&text)
                .map_err(|_| StorageError::Corrupt("disclosure record is not a record"))?;
            if record.sequence != to_u64(seq)? {
                return Err(StorageError::Corrupt(
                    "record sequence differs from its row",
                ));
            }
            let leaf_hash = hash_from(leaf)?;
            if zkcred_translog::merkle::leaf_hash(text.as_bytes()) != leaf_hash {
                return Err(StorageError::Corrupt("record does not match its leaf hash"));
            }
            out.push(LogEntry { record, leaf_hash });
        }
        Ok(out)
    }

    fn read_leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, StorageError> {
        let conn = self.reader();
        Self::check_range(&conn, &range)?;
        let mut stmt = conn.prepare_cached(
            "SELECT leaf_hash FROM disclosure_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![to_i64(range.start)?, to_i64(range.end)?], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        for row in rows {
            out.push(hash_from(row?)?);
        }
        Ok(out)
    }

    fn read_log_nodes(&self, nodes: &[(u8, u64)]) -> Result<Vec<Hash>, StorageError> {
        read_nodes(&self.reader(), nodes)
    }

    fn put_tree_head(&self, head: &SignedTreeHead) -> Result<(), StorageError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let size = Self::count(&tx)?;
        if head.tree_size > size {
            return Err(StorageError::HeadBeyondLog {
                tree_size: head.tree_size,
                size,
            });
        }
        let latest = tx
            .prepare_cached(&format!(
                "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1"
            ))?
            .query_row([], Self::head_from_row)
            .optional()?
            .map(decode_head)
            .transpose()?;
        if let Some(latest) = latest {
            // Canonical UTC timestamps of one length: text order is time order.
            if head.tree_size < latest.tree_size || head.timestamp < latest.timestamp {
                return Err(StorageError::HeadOutOfOrder {
                    tree_size: head.tree_size,
                    latest_size: latest.tree_size,
                });
            }
        }
        tx.prepare_cached(
            "INSERT INTO tree_heads (tree_size, root_hash, timestamp, signature)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            to_i64(head.tree_size)?,
            head.root_hash.0.as_slice(),
            head.timestamp,
            head.signature.as_slice()
        ])?;
        tx.commit()?;
        Ok(())
    }

    fn latest_tree_head(&self) -> Result<Option<SignedTreeHead>, StorageError> {
        let conn = self.reader();
        let raw = conn
            .prepare_cached(&format!(
                "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1"
            ))?
            .query_row([], Self::head_from_row)
            .optional()?;
        raw.map(decode_head).transpose()
    }

    fn tree_heads(&self) -> Result<Vec<SignedTreeHead>, StorageError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {HEAD_COLUMNS} FROM tree_heads ORDER BY tree_size, id"
        ))?;
        let rows = stmt.query_map([], Self::head_from_row)?;
        rows.map(|r| decode_head(r?)).collect()
    }

    fn log_keys(&self) -> Result<Vec<LogKeyRecord>, StorageError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT public_key, from_tree_size, added_at, previous FROM log_keys ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.map(|r| decode_log_key(r?)).collect()
    }

    fn add_log_key(&self, key: &LogKeyRecord) -> Result<(), StorageError> {
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "INSERT INTO log_keys (public_key, from_tree_size, added_at, previous)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            key.public_key.to_bytes().as_slice(),
            to_i64(key.from_tree_size)?,
            key.added_at,
            key.previous.map(|k| k.to_bytes().to_vec()),
        ])?;
        Ok(())
    }

    fn ping(&self) -> Result<(), StorageError> {
        self.reader().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn checkpoint(&self) -> Result<(), StorageError> {
        let conn = lock(&self.writer);
        let (busy, _log, _done): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy != 0 {
            return Err(StorageError::Setup(
                "WAL checkpoint could not complete: another connection is reading".into(),
            ));
        }
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
        let text = serde_json::to_string(body).expect("a JSON value serialises");
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let latest: Option<i64> = tx
            .prepare_cached("SELECT MAX(version) FROM documents WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| r.get(0))?;
        if let Some(latest) = latest {
            if i64::from(version) <= latest {
                return Err(StorageError::VersionConflict {
                    version,
                    latest: u32::try_from(latest)
                        .map_err(|_| StorageError::Corrupt("document version"))?,
                });
            }
        }
        let now = now_timestamp();
        tx.prepare_cached(&format!(
            "INSERT INTO documents ({DOC_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        ))?
        .execute(params![kind, id, version, text, status.as_str(), now])?;
        tx.commit()?;
        Ok(())
    }

    fn get_document(
        &self,
        kind: &str,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<Document>, StorageError> {
        let conn = self.reader();
        let raw = match version {
            Some(v) => conn
                .prepare_cached(&format!(
                    "SELECT {DOC_COLUMNS} FROM documents WHERE kind = ?1 AND id = ?2 AND version = ?3"
                ))?
                .query_row(params![kind, id, v], Self::document_from_row)
                .optional()?,
            None => conn
                .prepare_cached(&format!(
                    "SELECT {DOC_COLUMNS} FROM documents WHERE kind = ?1 AND id = ?2
                     ORDER BY version DESC LIMIT 1"
                ))?
                .query_row(params![kind, id], Self::document_from_row)
                .optional()?,
        };
        raw.map(RawDocument::decode).transpose()
    }

    fn list_documents(&self, kind: &str) -> Result<Vec<Document>, StorageError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DOC_COLUMNS} FROM documents WHERE kind = ?1 ORDER BY id, version"
        ))?;
        let rows = stmt.query_map(params![kind], Self::document_from_row)?;
        rows.map(|r| r?.decode()).collect()
    }

    fn set_status(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        status: DocumentStatus,
    ) -> Result<(), StorageError> {
        let conn = lock(&self.writer);
        let changed = conn
            .prepare_cached(
                "UPDATE documents SET status = ?4, updated_at = ?5
                 WHERE kind = ?1 AND id = ?2 AND version = ?3",
            )?
            .execute(params![kind, id, version, status.as_str(), now_timestamp()])?;
        if changed == 0 {
            return Err(StorageError::DocumentNotFound);
        }
        Ok(())
    }

    fn add_status_epoch(&self, e: &StoredStatusEpoch) -> Result<(), StorageError> {
        let conn = lock(&self.writer);
        let inserted = conn
            .prepare_cached(&format!(
                "INSERT INTO status_epochs ({STATUS_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING"
            ))?
            .execute(params![
                e.issuer,
                e.credential_type,
                to_i64(e.epoch)?,
                e.document,
                e.received_at
            ])?;
        if inserted == 0 {
            return Err(StorageError::StatusEpochExists {
                issuer: e.issuer.clone(),
                credential_type: e.credential_type.clone(),
                epoch: e.epoch,
            });
        }
        Ok(())
    }

    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: Option<u64>,
    ) -> Result<Option<StoredStatusEpoch>, StorageError> {
        let conn = self.reader();
        let raw = match epoch {
            Some(n) => conn
                .prepare_cached(&format!(
                    "SELECT {STATUS_COLUMNS} FROM status_epochs
                     WHERE issuer = ?1 AND credential_type = ?2 AND epoch = ?3"
                ))?
                .query_row(
                    params![issuer, credential_type, to_i64(n)?],
                    status_epoch_row,
                )
                .optional()?,
            None => conn
                .prepare_cached(&format!(
                    "SELECT {STATUS_COLUMNS} FROM status_epochs
                     WHERE issuer = ?1 AND credential_type = ?2 ORDER BY epoch DESC LIMIT 1"
                ))?
                .query_row(params![issuer, credential_type], status_epoch_row)
                .optional()?,
        };
        raw.map(decode_status_epoch).transpose()
    }

    fn status_epochs(&self) -> Result<Vec<StoredStatusEpoch>, StorageError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {STATUS_COLUMNS} FROM status_epochs ORDER BY issuer, credential_type, epoch"
        ))?;
        let rows = stmt.query_map([], status_epoch_row)?;
        rows.map(|r| decode_status_epoch(r?)).collect()
    }
}

#[cfg(test)]
mod tests;
