//! The disclosure log's routes: head, records, proofs.

use serde::{Deserialize, Serialize};
use zkcred_translog::merkle::{self, Hash, ProofError};
use zkcred_translog::{DisclosureRecord, SignedTreeHead};

/// `GET /v1/log/head`: the log's size now, its latest signed head (if one
/// was signed) and the key that verifies its heads.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    /// Records in the log now.
    pub tree_size: u64,
    /// The latest signed tree head, if any.
    pub signed_head: Option<SignedTreeHead>,
    /// The log's Ed25519 public key, hex (compare it with the one obtained
    /// out of band).
    pub log_public_key: String,
}

/// Records a page of `GET /v1/log/records` holds when the query gives no
/// `limit`.
pub const DEFAULT_RECORDS: u64 = 100;
/// The most records one page holds.
pub const MAX_RECORDS: u64 = 1000;

/// `GET /v1/log/records` query: records `start..end` (sequence numbers),
/// at most `limit` of them.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsQuery {
    /// The first record (default 0: from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    /// One past the last record (default: the log's size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<u64>,
    /// At most this many records (default 100, `DEFAULT_RECORDS`; at most
    /// 1000, `MAX_RECORDS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// One stored record and its Merkle leaf hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The record (its `sequence` is the leaf index).
    pub record: DisclosureRecord,
    /// Its leaf hash.
    pub leaf_hash: Hash,
}

/// `GET /v1/log/records`: one page of records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecords {
    /// The records, in sequence order.
    pub records: Vec<LogEntry>,
    /// Where the next page starts, when the range asked for (or the log)
    /// has more records than this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// `GET /v1/log/inclusion` query.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionQuery {
    /// The record's sequence number.
    pub index: u64,
    /// The tree size to prove inclusion in (default: the latest signed
    /// head's, else the log's size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree_size: Option<u64>,
}

/// `GET /v1/log/consistency` query.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyQuery {
    /// The earlier tree size.
    pub old_size: u64,
    /// The later tree size (default: the latest signed head's, else the
    /// log's size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_size: Option<u64>,
}

/// `GET /v1/log/inclusion`: an inclusion proof.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The record's sequence number (leaf index).
    pub leaf_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The record's leaf hash.
    pub leaf_hash: Hash,
    /// The audit path, lowest level first.
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// Checks the proof against a root (e.g. a signed head's).
    pub fn verify(&self, root: &Hash) -> Result<(), ProofError> {
        merkle::verify_inclusion(
            &self.leaf_hash,
            self.leaf_index,
            self.tree_size,
            &self.path,
            root,
        )
    }
}

/// `GET /v1/log/consistency`: a consistency proof.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The earlier tree size.
    pub old_size: u64,
    /// The later tree size.
    pub new_size: u64,
    /// The proof hashes.
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks the proof against the two roots.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
        merkle::verify_consistency(self.old_size, self.new_size, old_root, new_root, &self.path)
    }
}
