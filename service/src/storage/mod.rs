//! Persistence: the disclosure log, signed tree heads, and versioned JSON
//! documents (trust registry entries, keys, agreements, policies).
//!
//! [`Storage`] is synchronous: the SQLite implementation blocks on disk
//! anyway, and an async service calls it through `spawn_blocking` (and the
//! log writer from its own thread). The PostgreSQL implementation
//! ([`PgStorage`]) runs its async driver on a small runtime of its own and
//! waits for each call's answer, so it can be called from any thread,
//! inside a tokio runtime or not.
//!
//! The service holds its storage as a [`DynStorage`] (`Arc<dyn Storage>`:
//! the trait is object safe, with no generic methods, and an `Arc` of a
//! storage is a storage), opened by [`Backend::open`] from the `database`
//! setting, so the state names no backend.
//!
//! Documents are generic — `(kind, id, version)` with a JSON body and a
//! status — so new kinds need no schema change. Versions of one document
//! are immutable once stored; only the status changes.
//!
//! Licence status epochs ([`StoredStatusEpoch`]: an issuer's signed status
//! epoch documents, per issuer, credential type and epoch number) have a
//! table of their own, append-only like the log: what the service checked
//! and put in force is never rewritten.

#[cfg(test)]
pub(crate) mod conformance;
pub(crate) mod postgres;
mod rows;
mod sqlite;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use zkcred_problem::ProblemCode;

use zkcred_translog::{
    DisclosureEvent, DisclosureRecord, Hash, LogPublicKey, RecordError, SignedTreeHead,
};

pub use postgres::{PgOptions, PgStorage};
pub use sqlite::{SqliteOptions, SqliteStorage};

/// Lifecycle status and versions of stored documents: the API's types, so
/// what is stored is what the registry routes answer.
pub use zkcred_api::{Document, DocumentStatus};

/// Parses a stored status.
pub(crate) fn parse_status(s: &str) -> Result<DocumentStatus, StorageError> {
    match s {
        "active" => Ok(DocumentStatus::Active),
        "retired" => Ok(DocumentStatus::Retired),
        "revoked" => Ok(DocumentStatus::Revoked),
        _ => Err(StorageError::Corrupt("unknown document status")),
    }
}

/// A stored disclosure record with its leaf hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The record (its `sequence` is the leaf index).
    pub record: DisclosureRecord,
    /// The Merkle leaf hash stored with it.
    pub leaf_hash: Hash,
}

/// A key of the disclosure log's history: the first key, or a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKeyRecord {
    /// The key that signs heads from then on.
    pub public_key: LogPublicKey,
    /// The log's size when the key came into use (0 for the first key).
    pub from_tree_size: u64,
    /// When it was recorded (RFC 3339 UTC).
    pub added_at: String,
    /// The key it replaced (`None` for the first key).
    pub previous: Option<LogPublicKey>,
}

/// A licence status epoch as stored: the issuer's signed document (the
/// credential crate's `StatusEpoch`, format `zkcred-status-epoch`), which
/// the service checked when it was registered, and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStatusEpoch {
    /// The issuer.
    pub issuer: String,
    /// The credential type.
    pub credential_type: String,
    /// The epoch number (at most `i64::MAX`).
    pub epoch: u64,
    /// The signed document, as JSON text.
    pub document: String,
    /// When the service received it (RFC 3339 UTC).
    pub received_at: String,
}

/// Errors of a storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed (I/O, lock timeout, constraint, ...).
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed a statement (constraint, lock timeout,
    /// serialization failure, ...). Lost connections are
    /// [`StorageError::Unavailable`] instead.
    #[error("database error: {}", postgres::describe(.0))]
    Postgres(tokio_postgres::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The PostgreSQL schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    PgMigration(#[from] refinery::Error),
    /// The database file is not usable with the required settings.
    #[error("database setup failed: {0}")]
    Setup(String),
    /// Stored data does not have the expected form.
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),
    /// A record to append breaks the field rules.
    #[error("invalid disclosure record: {0}")]
    InvalidRecord(#[from] RecordError),
    /// A document's kind, id, version or body is not acceptable.
    #[error("invalid document: {0}")]
    InvalidDocument(&'static str),
    /// A requested range of records extends past the end of the log.
    #[error("records {start}..{end} requested, log has {size}")]
    RangeOutOfBounds {
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
        /// Records in the log.
        size: u64,
    },
    /// A signed head covers more records than the log holds.
    #[error("tree head for size {tree_size}, log has {size}")]
    HeadBeyondLog {
        /// The head's size.
        tree_size: u64,
        /// Records in the log.
        size: u64,
    },
    /// The database cannot be reached: connection refused, lost, or the
    /// pool's wait timed out. Nothing was changed by the failed call; the
    /// node answers 503 until the database returns.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A signed head older than the latest stored one: smaller, or with an
    /// earlier timestamp (another node stored a newer head meanwhile).
    /// Heads are stored in size and time order, as an export lists them.
    #[error("tree head for size {tree_size} is older than the stored head for size {latest_size}")]
    HeadOutOfOrder {
        /// The head's size.
        tree_size: u64,
        /// The latest stored head's size.
        latest_size: u64,
    },
    /// The document (version) does not exist.
    #[error("document not found")]
    DocumentNotFound,
    /// A status epoch with this issuer, credential type and number is
    /// stored already (epochs are never replaced).
    #[error("status epoch {epoch} of {issuer} / {credential_type} is stored already")]
    StatusEpochExists {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// The epoch number.
        epoch: u64,
    },
    /// The version is not above the latest stored version of the document.
    #[error("document version {version} is not above the latest stored version {latest}")]
    VersionConflict {
        /// The version offered.
        version: u32,
        /// The latest stored version.
        latest: u32,
    },
}

impl StorageError {
    /// The problem code.
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as P;
        match self {
            StorageError::Database(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                P::StorageBusy
            }
            StorageError::Database(_) => P::StorageError,
            StorageError::Postgres(e) if postgres::is_busy(e) => P::StorageBusy,
            StorageError::Postgres(_) => P::StorageError,
            StorageError::Migration(_) | StorageError::PgMigration(_) => P::StorageMigrationFailed,
            StorageError::Unavailable(_) => P::StorageUnavailable,
            StorageError::HeadOutOfOrder { .. } => P::StorageBusy,
            StorageError::Setup(_) => P::StorageSetupFailed,
            StorageError::Corrupt(_) => P::StorageCorrupt,
            StorageError::InvalidRecord(_) => P::RecordInvalid,
            StorageError::InvalidDocument(_) => P::DocumentInvalid,
            StorageError::RangeOutOfBounds { .. } => P::LogRangeOutOfBounds,
            StorageError::HeadBeyondLog { .. } => P::TreeHeadBeyondLog,
            StorageError::DocumentNotFound => P::DocumentNotFound,
            StorageError::VersionConflict { .. } => P::DocumentVersionConflict,
            StorageError::StatusEpochExists { .. } => P::AlreadyExists,
        }
    }
}

/// The persistence the verifier service needs.
///
/// Implementations are shared between threads; every method is atomic (a
/// failed call changes nothing) and durable once it returns `Ok`.
pub trait Storage: Send + Sync {
    /// Appends records for `events`, in order, in one transaction: each gets
    /// the next sequence number, is validated and canonically encoded, and
    /// is stored with its leaf hash. Returns the sequence numbers assigned.
    fn append_disclosures(&self, events: &[DisclosureEvent]) -> Result<Range<u64>, StorageError>;

    /// Appends one record; returns its sequence number.
    fn append_disclosure(&self, event: &DisclosureEvent) -> Result<u64, StorageError> {
        Ok(self.append_disclosures(std::slice::from_ref(event))?.start)
    }

    /// Number of records in the log (the current tree size).
    fn disclosure_count(&self) -> Result<u64, StorageError>;

    /// The records with sequence numbers in `range`.
    fn read_disclosures(&self, range: Range<u64>) -> Result<Vec<LogEntry>, StorageError>;

    /// The leaf hashes of the records in `range`.
    fn read_leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, StorageError>;

    /// The hashes of nodes of the log's Merkle tree, in the order asked:
    /// node `(level, index)` is the hash of the perfect subtree over the
    /// leaves `index * 2^level .. (index + 1) * 2^level`
    /// (`zkcred_translog::tree`; level 0 are the leaf hashes). Every
    /// backend stores, in the transaction that appends records, the nodes
    /// each record completes ([`zkcred_translog::tree::Frontier::append`]),
    /// so heads and proofs read `O(log n)` nodes in one call instead of
    /// every leaf.
    ///
    /// # Errors
    /// [`StorageError::Corrupt`] when a node asked for is not stored (a
    /// node of a subtree not yet complete is never asked for by the tree
    /// functions); the backend's.
    fn read_log_nodes(&self, nodes: &[(u8, u64)]) -> Result<Vec<Hash>, StorageError>;

    /// Stores a signed tree head, which must not exceed the log's size
    /// ([`StorageError::HeadBeyondLog`]) nor be older than the latest
    /// stored head, by size or by timestamp
    /// ([`StorageError::HeadOutOfOrder`]: several nodes signing at once;
    /// the signer reads the log again and signs a newer head).
    fn put_tree_head(&self, head: &SignedTreeHead) -> Result<(), StorageError>;

    /// The most recent signed tree head (largest size, then latest stored).
    fn latest_tree_head(&self) -> Result<Option<SignedTreeHead>, StorageError>;

    /// Every signed tree head, by size then time of storing.
    fn tree_heads(&self) -> Result<Vec<SignedTreeHead>, StorageError>;

    /// The log's key history, oldest first.
    fn log_keys(&self) -> Result<Vec<LogKeyRecord>, StorageError>;

    /// Records a key of the log (the first one, or a rotation).
    fn add_log_key(&self, key: &LogKeyRecord) -> Result<(), StorageError>;

    /// Checks that the database answers (one trivial query), for the
    /// health report.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] or the backend's error.
    fn ping(&self) -> Result<(), StorageError>;

    /// Moves everything committed into the main database file, so the file
    /// alone holds the data (SQLite: `PRAGMA wal_checkpoint(TRUNCATE)`).
    /// Called at a graceful stop.
    fn checkpoint(&self) -> Result<(), StorageError>;

    /// Stores a new version of a document. `version` must be above every
    /// stored version of `(kind, id)`.
    fn put_document(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        body: &serde_json::Value,
        status: DocumentStatus,
    ) -> Result<(), StorageError>;

    /// A document version, or its latest version when `version` is `None`.
    fn get_document(
        &self,
        kind: &str,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<Document>, StorageError>;

    /// Every version of every document of `kind`, by id then version.
    fn list_documents(&self, kind: &str) -> Result<Vec<Document>, StorageError>;

    /// Changes the status of a document version.
    fn set_status(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        status: DocumentStatus,
    ) -> Result<(), StorageError>;

    /// Stores a licence status epoch. Epochs are append-only: one of the
    /// same issuer, credential type and number is never replaced
    /// ([`StorageError::StatusEpochExists`]).
    fn add_status_epoch(&self, epoch: &StoredStatusEpoch) -> Result<(), StorageError>;

    /// The status epoch `epoch` of `issuer` and `credential_type`, or their
    /// highest stored epoch when `epoch` is `None`.
    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: Option<u64>,
    ) -> Result<Option<StoredStatusEpoch>, StorageError>;

    /// Every stored status epoch, by issuer, credential type and number
    /// (what the service loads into memory at start).
    fn status_epochs(&self) -> Result<Vec<StoredStatusEpoch>, StorageError>;
}

/// A storage chosen at run time.
pub type DynStorage = Arc<dyn Storage>;

/// A shared storage is a storage (so `DisclosureLog<DynStorage>` works).
impl<S: Storage + ?Sized> Storage for Arc<S> {
    fn append_disclosures(&self, events: &[DisclosureEvent]) -> Result<Range<u64>, StorageError> {
        (**self).append_disclosures(events)
    }

    fn append_disclosure(&self, event: &DisclosureEvent) -> Result<u64, StorageError> {
        (**self).append_disclosure(event)
    }

    fn disclosure_count(&self) -> Result<u64, StorageError> {
        (**self).disclosure_count()
    }

    fn read_disclosures(&self, range: Range<u64>) -> Result<Vec<LogEntry>, StorageError> {
        (**self).read_disclosures(range)
    }

    fn read_leaf_hashes(&self, range: Range<u64>) -> Result<Vec<Hash>, StorageError> {
        (**self).read_leaf_hashes(range)
    }

    fn read_log_nodes(&self, nodes: &[(u8, u64)]) -> Result<Vec<Hash>, StorageError> {
        (**self).read_log_nodes(nodes)
    }

    fn put_tree_head(&self, head: &SignedTreeHead) -> Result<(), StorageError> {
        (**self).put_tree_head(head)
    }

    fn ping(&self) -> Result<(), StorageError> {
        (**self).ping()
    }

    fn latest_tree_head(&self) -> Result<Option<SignedTreeHead>, StorageError> {
        (**self).latest_tree_head()
    }

    fn tree_heads(&self) -> Result<Vec<SignedTreeHead>, StorageError> {
        (**self).tree_heads()
    }

    fn log_keys(&self) -> Result<Vec<LogKeyRecord>, StorageError> {
        (**self).log_keys()
    }

    fn add_log_key(&self, key: &LogKeyRecord) -> Result<(), StorageError> {
        (**self).add_log_key(key)
    }

    fn checkpoint(&self) -> Result<(), StorageError> {
        (**self).checkpoint()
    }

    fn put_document(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        body: &serde_json::Value,
        status: DocumentStatus,
    ) -> Result<(), StorageError> {
        (**self).put_document(kind, id, version, body, status)
    }

    fn get_document(
        &self,
        kind: &str,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<Document>, StorageError> {
        (**self).get_document(kind, id, version)
    }

    fn list_documents(&self, kind: &str) -> Result<Vec<Document>, StorageError> {
        (**self).list_documents(kind)
    }

    fn set_status(
        &self,
        kind: &str,
        id: &str,
        version: u32,
        status: DocumentStatus,
    ) -> Result<(), StorageError> {
        (**self).set_status(kind, id, version, status)
    }

    fn add_status_epoch(&self, epoch: &StoredStatusEpoch) -> Result<(), StorageError> {
        (**self).add_status_epoch(epoch)
    }

    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: Option<u64>,
    ) -> Result<Option<StoredStatusEpoch>, StorageError> {
        (**self).status_epoch(issuer, credential_type, epoch)
    }

    fn status_epochs(&self) -> Result<Vec<StoredStatusEpoch>, StorageError> {
        (**self).status_epochs()
    }
}

/// The storage backend the `database` setting names, opened.
///
/// A `postgres://` or `postgresql://` URL is a PostgreSQL database, which
/// several nodes may share ([`PgStorage`]); anything else is a SQLite file
/// path (one node per file, [`SqliteStorage`]). Other URL schemes are
/// refused.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite database file.
    Sqlite(Arc<SqliteStorage>),
    /// A PostgreSQL database.
    Postgres(Arc<PgStorage>),
}

impl Backend {
    /// Opens the backend `database` names with default PostgreSQL options;
    /// see [`Backend::open_with`].
    ///
    /// # Errors
    /// As [`Backend::open_with`].
    pub fn open(database: &Path) -> Result<Backend, StorageError> {
        Self::open_with(database, &PgOptions::default())
    }

    /// Opens the backend `database` names: a PostgreSQL URL with `pg`
    /// (connected and migrated, see [`PgStorage::open_with`]), or a SQLite
    /// file (created if missing and migrated, see [`SqliteStorage::open`]).
    ///
    /// # Errors
    ///
    /// [`StorageError::Setup`] when `database` is a URL of a scheme no
    /// backend serves; otherwise what the backend's `open` gives.
    pub fn open_with(database: &Path, pg: &PgOptions) -> Result<Backend, StorageError> {
        if let Some(text) = database.to_str() {
            if postgres::is_postgres_url(text) {
                return Ok(Backend::Postgres(Arc::new(PgStorage::open_with(text, pg)?)));
            }
            if let Some((scheme, _)) = text.split_once("://") {
                return Err(StorageError::Setup(format!(
                    "no storage backend for {:?} URLs (postgres:// or a SQLite file path)",
                    scheme.chars().take(32).collect::<String>()
                )));
            }
        }
        Ok(Backend::Sqlite(Arc::new(SqliteStorage::open(database)?)))
    }

    /// The backend behind the [`Storage`] trait.
    pub fn storage(&self) -> DynStorage {
        match self {
            Backend::Sqlite(s) => Arc::clone(s) as DynStorage,
            Backend::Postgres(s) => Arc::clone(s) as DynStorage,
        }
    }
}

#[cfg(test)]
mod backend_tests {
    use super::*;

    #[test]
    fn opens_a_path_and_refuses_unknown_urls() {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::open(&dir.path().join("zkcred.db")).unwrap();
        assert!(matches!(backend, Backend::Sqlite(_)));
        assert_eq!(backend.storage().disclosure_count().unwrap(), 0);
        let err = Backend::open(Path::new("mysql://db.example/zkcred")).unwrap_err();
        assert!(matches!(err, StorageError::Setup(_)), "{err}");
    }
}
