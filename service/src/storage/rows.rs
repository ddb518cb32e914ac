//! Row decoding and checks shared by the storage backends: integers and
//! hashes as the databases hold them, documents, heads, log keys and status
//! epochs from their columns.

use super::{Document, LogKeyRecord, StorageError, StoredStatusEpoch};
use zkcred_translog::{Hash, LogPublicKey, SignedTreeHead};

/// `v` as a database integer.
pub(super) fn to_i64(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| StorageError::Corrupt("integer beyond i64"))
}

/// A database integer as `u64`.
pub(super) fn to_u64(v: i64) -> Result<u64, StorageError> {
    u64::try_from(v).map_err(|_| StorageError::Corrupt("negative integer"))
}

/// A stored 32-byte hash.
pub(super) fn hash_from(blob: Vec<u8>) -> Result<Hash, StorageError> {
    <[u8; 32]>::try_from(blob)
        .map(Hash)
        .map_err(|_| StorageError::Corrupt("hash is not 32 bytes"))
}

/// A new document version's kind, id (see [`check_kind_id`]) and version
/// (from 1): what both backends check before storing it.
pub(super) fn check_new_document(kind: &str, id: &str, version: u32) -> Result<(), StorageError> {
    check_kind_id(kind, id)?;
    if version == 0 {
        return Err(StorageError::InvalidDocument("versions start at 1"));
    }
    Ok(())
}

/// A document's kind (1-64 of `[a-z0-9_]`) and id (1-512 bytes).
pub(super) fn check_kind_id(kind: &str, id: &str) -> Result<(), StorageError> {
    let kind_ok = !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !kind_ok {
        return Err(StorageError::InvalidDocument(
            "kind must be 1-64 of [a-z0-9_]",
        ));
    }
    if id.is_empty() || id.len() > 512 {
        return Err(StorageError::InvalidDocument("id must be 1-512 bytes"));
    }
    Ok(())
}

/// A document's columns: kind, id, version, body (JSON text), status,
/// created and updated (RFC 3339).
pub(super) struct RawDocument {
    pub(super) kind: String,
    pub(super) id: String,
    pub(super) version: i64,
    pub(super) body: String,
    pub(super) status: String,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

impl RawDocument {
    /// The document, its body parsed and its status checked.
    pub(super) fn decode(self) -> Result<Document, StorageError> {
        Ok(Document {
            kind: self.kind,
            id: self.id,
            version: u32::try_from(self.version)
                .map_err(|_| StorageError::Corrupt("document version"))?,
            body: serde_json::from_str(&self.body)
                .map_err(|_| StorageError::Corrupt("document body is not JSON"))?,
            status: super::parse_status(&self.status)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A signed head from its columns: size, root, timestamp, signature.
pub(super) fn decode_head(
    raw: (i64, Vec<u8>, String, Vec<u8>),
) -> Result<SignedTreeHead, StorageError> {
    let (size, root, timestamp, sig) = raw;
    Ok(SignedTreeHead {
        tree_size: to_u64(size)?,
        root_hash: hash_from(root)?,
        timestamp,
        signature: <[u8; 64]>::try_from(sig)
            .map_err(|_| StorageError::Corrupt("signature is not 64 bytes"))?,
    })
}

/// A log key from its columns: key, from size, added at, previous key.
pub(super) fn decode_log_key(
    raw: (Vec<u8>, i64, String, Option<Vec<u8>>),
) -> Result<LogKeyRecord, StorageError> {
    let key = |b: Vec<u8>| {
        <[u8; 32]>::try_from(b)
            .ok()
            .and_then(|b| LogPublicKey::from_bytes(&b).ok())
            .ok_or(StorageError::Corrupt("log public key"))
    };
    Ok(LogKeyRecord {
        public_key: key(raw.0)?,
        from_tree_size: to_u64(raw.1)?,
        added_at: raw.2,
        previous: raw.3.map(key).transpose()?,
    })
}

/// A status epoch from its columns: issuer, type, epoch, document,
/// received at.
pub(super) fn decode_status_epoch(
    raw: (String, String, i64, String, String),
) -> Result<StoredStatusEpoch, StorageError> {
    Ok(StoredStatusEpoch {
        issuer: raw.0,
        credential_type: raw.1,
        epoch: to_u64(raw.2)?,
        document: raw.3,
        received_at: raw.4,
    })
}
