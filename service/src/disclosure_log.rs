//! The disclosure log on top of a [`Storage`]: append decisions, sign tree
//! heads, serve inclusion and consistency proofs, export for regulators.
//!
//! Heads and proofs are computed from the tree's stored interior
//! ([`Storage::read_log_nodes`]: the hashes of complete perfect subtrees,
//! written with the records that complete them): `O(log n)` nodes for a
//! head, at most `O(log^2 n)` for a proof, fetched in one storage call
//! (`zkcred_translog::tree::NodeBatch` lists them first), whatever the size
//! of the log. Nodes never change once written (the log is append-only),
//! so no lock is needed against concurrent appends, from this node or
//! another sharing the database.
//!
//! Heads are stored in size and time order. Several nodes sharing a
//! database may sign at once: the store refuses a head older than the
//! latest ([`StorageError::HeadOutOfOrder`]) and [`DisclosureLog::sign_head`]
//! signs again over the log as it is then.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::storage::{Storage, StorageError};
use zkcred_translog::export::EXPORT_FORMAT;
use zkcred_translog::merkle::ProofError;
use zkcred_translog::record::{check_timestamp, now_timestamp};
use zkcred_translog::tree::{self, NodeBatch, TreeReadError};
use zkcred_translog::{
    DisclosureEvent, LogExport, LogPublicKey, LogSigningKey, SignedTreeHead, TreeHead,
};

/// Inclusion and consistency proofs, as served to an auditor: the API's
/// types.
pub use zkcred_api::{ConsistencyProof, InclusionProof};

/// The disclosure log: a storage and the log's signing key.
pub struct DisclosureLog<S: ?Sized> {
    key: LogSigningKey,
    /// Serialises [`DisclosureLog::sign_head`], so heads are stored in
    /// size and time order.
    signing: Mutex<()>,
    storage: Arc<S>,
}

impl<S: ?Sized> std::fmt::Debug for DisclosureLog<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DisclosureLog")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> DisclosureLog<S> {
    /// The log over `storage`, signing with `key`.
    pub fn new(storage: Arc<S>, key: LogSigningKey) -> Self {
        DisclosureLog {
            key,
            signing: Mutex::new(()),
            storage,
        }
    }

    /// The key that verifies this log's heads.
    pub fn public_key(&self) -> LogPublicKey {
        self.key.public_key()
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Arc<S> {
        &self.storage
    }

    /// Appends decisions in one transaction; returns their sequence numbers.
    pub fn append(&self, events: &[DisclosureEvent]) -> Result<Range<u64>, Error> {
        Ok(self.storage.append_disclosures(events)?)
    }

    /// Signs and stores a head over the whole log as it is now.
    ///
    /// The timestamp never goes back: if the clock did, the previous head's
    /// timestamp is reused. When another node stored a newer head between
    /// this one's reading and storing, the log is read again (a few times
    /// at most; then [`StorageError::HeadOutOfOrder`], a 503).
    pub fn sign_head(&self) -> Result<SignedTreeHead, Error> {
        let _one_at_a_time = self.signing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut attempt = 0;
        loop {
            match self.try_sign_head() {
                Err(Error::Storage(StorageError::HeadOutOfOrder { .. })) if attempt < 8 => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn try_sign_head(&self) -> Result<SignedTreeHead, Error> {
        let size = self.storage.disclosure_count()?;
        let root_hash = self.read_tree(|r| tree::root_at(r, size))?;
        let mut timestamp = now_timestamp();
        if let Some(prev) = self.storage.latest_tree_head()? {
            // Both are canonical UTC forms of equal length: text order is
            // time order.
            if check_timestamp("timestamp", &prev.timestamp).is_ok() && prev.timestamp > timestamp {
                timestamp = prev.timestamp;
            }
        }
        let sth = self.key.sign(&TreeHead {
            tree_size: size,
            root_hash,
            timestamp,
        });
        self.storage.put_tree_head(&sth)?;
        Ok(sth)
    }

    /// Runs a computation of `zkcred_translog::tree` over the stored
    /// nodes: once to list the nodes it reads, which come in one storage
    /// call, then over them.
    fn read_tree<T>(
        &self,
        compute: impl Fn(&NodeBatch) -> Result<T, TreeReadError>,
    ) -> Result<T, Error> {
        let recorder = NodeBatch::recorder();
        compute(&recorder).map_err(tree_error)?;
        let asked = recorder.asked();
        let hashes = self.storage.read_log_nodes(&asked)?;
        let batch = NodeBatch::with_nodes(&asked, &hashes).map_err(tree_error)?;
        compute(&batch).map_err(tree_error)
    }

    /// Refuses a tree larger than the log (as reading its leaves did).
    fn check_size(&self, tree_size: u64) -> Result<(), Error> {
        let size = self.storage.disclosure_count()?;
        if tree_size > size {
            return Err(StorageError::RangeOutOfBounds {
                start: 0,
                end: tree_size,
                size,
            }
            .into());
        }
        Ok(())
    }

    /// The inclusion proof of record `index` in the tree of `tree_size`.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<InclusionProof, Error> {
        if index >= tree_size {
            return Err(ProofError::IndexOutOfRange { index, tree_size }.into());
        }
        self.check_size(tree_size)?;
        let (leaf_hash, path) = self.read_tree(|r| {
            let leaf = tree::NodeReader::node(r, 0, index)?;
            Ok((leaf, tree::inclusion_proof_at(r, tree_size, index)?))
        })?;
        Ok(InclusionProof {
            leaf_index: index,
            tree_size,
            leaf_hash,
            path,
        })
    }

    /// The consistency proof between the trees of `old_size` and `new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, Error> {
        if old_size > new_size {
            return Err(ProofError::SizeOutOfRange { old_size, new_size }.into());
        }
        self.check_size(new_size)?;
        Ok(ConsistencyProof {
            old_size,
            new_size,
            path: self.read_tree(|r| tree::consistency_proof_at(r, old_size, new_size))?,
        })
    }

    /// Every record and the signed heads of the current key, as one export
    /// document (see [`DisclosureLog::export_for`]).
    pub fn export(&self) -> Result<LogExport, Error> {
        self.export_for(&self.public_key())
    }

    /// The log's key history, oldest first: the first key and each
    /// rotation (old key, new key, tree size, time).
    pub fn key_history(&self) -> Result<Vec<crate::storage::LogKeyRecord>, Error> {
        Ok(self.storage.log_keys()?)
    }

    /// Every record and the signed heads of `key`, as one export document
    /// that [`zkcred_translog::verify_export`] checks under `key`.
    ///
    /// The export format names one key, so a log whose key was rotated
    /// exports one document per key of [`DisclosureLog::key_history`]; the
    /// records are the same in each, and the first head of a new key is
    /// at the size where the old key's last head stands, with the same
    /// root. Heads are attributed to a key by verifying their signature;
    /// while the history holds at most one key, every stored head is
    /// exported (so a head that does not verify shows as a failure).
    pub fn export_for(&self, key: &LogPublicKey) -> Result<LogExport, Error> {
        let size = self.storage.disclosure_count()?;
        let records = self
            .storage
            .read_disclosures(0..size)?
            .into_iter()
            .map(|e| e.record)
            .collect();
        Ok(LogExport {
            format: EXPORT_FORMAT.into(),
            log_public_key: *key,
            records,
            signed_heads: heads_for(&*self.storage, key, size)?,
        })
    }

    /// The export document of [`DisclosureLog::export_for`], as the log is
    /// now, produced in chunks of at most `page_records` records each (see
    /// [`ExportPages`]), so it is never held whole.
    pub fn export_pages(
        &self,
        key: &LogPublicKey,
        page_records: u64,
    ) -> Result<ExportPages<S>, Error> {
        Ok(ExportPages {
            storage: Arc::clone(&self.storage),
            key: *key,
            size: self.storage.disclosure_count()?,
            next: 0,
            page_records: page_records.max(1),
            part: Part::Start,
        })
    }
}

/// A tree computation's error: the sizes refused, or a node the store
/// lacks (its corruption).
fn tree_error(e: TreeReadError) -> Error {
    match e {
        TreeReadError::Proof(p) => p.into(),
        TreeReadError::Missing { .. } => StorageError::Corrupt("log tree node missing").into(),
    }
}

/// The signed heads of `key` up to `size` (every stored head while the log
/// has had one key; see [`DisclosureLog::export_for`]).
fn heads_for<S: Storage + ?Sized>(
    storage: &S,
    key: &LogPublicKey,
    size: u64,
) -> Result<Vec<SignedTreeHead>, Error> {
    let rotated = storage.log_keys()?.len() > 1;
    Ok(storage
        .tree_heads()?
        .into_iter()
        .filter(|h| h.tree_size <= size)
        .filter(|h| !rotated || key.verify(h).is_ok())
        .collect())
}

/// Records per chunk of a streamed export (`GET /v1/log/export`): about
/// 150 KB of JSON a chunk for typical records.
pub const EXPORT_PAGE_RECORDS: u64 = 500;

/// An export document ([`LogExport`]'s JSON, byte for byte what
/// [`LogExport::to_json`] writes) produced as an iterator of chunks: the
/// opening fields, then the records a page at a time (each page one
/// storage read of at most `page_records` records), then the signed heads
/// and the closing brace.
///
/// The log's size is fixed when the iterator is made: records appended
/// meanwhile are not in it, and only heads up to that size are. Each call
/// of `next` blocks on storage; an async caller runs it on a blocking
/// thread.
pub struct ExportPages<S: ?Sized> {
    storage: Arc<S>,
    key: LogPublicKey,
    size: u64,
    next: u64,
    page_records: u64,
    part: Part,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Start,
    Records,
    Heads,
    Done,
}

impl<S: ?Sized> std::fmt::Debug for ExportPages<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportPages")
            .field("size", &self.size)
            .field("next", &self.next)
            .field("page_records", &self.page_records)
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> ExportPages<S> {
    /// Records in the export (the log's size when it was started).
    pub fn size(&self) -> u64 {
        self.size
    }

    fn chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let mut out = Vec::new();
        match self.part {
            Part::Start => {
                out.extend_from_slice(b"{\"format\":");
                json(EXPORT_FORMAT, &mut out);
                out.extend_from_slice(b",\"log_public_key\":");
                json(&self.key, &mut out);
                out.extend_from_slice(b",\"records\":[");
                self.part = Part::Records;
            }
            Part::Records => {
                let end = self.size.min(self.next + self.page_records);
                for (i, e) in self
                    .storage
                    .read_disclosures(self.next..end)?
                    .iter()
                    .enumerate()
                {
                    if self.next + i as u64 > 0 {
                        out.push(b',');
                    }
                    json(&e.record, &mut out);
                }
                self.next = end;
                if end == self.size {
                    self.part = Part::Heads;
                }
                if out.is_empty() {
                    return self.chunk();
                }
            }
            Part::Heads => {
                out.extend_from_slice(b"],\"signed_heads\":[");
                for (i, h) in heads_for(&*self.storage, &self.key, self.size)?
                    .iter()
                    .enumerate()
                {
                    if i > 0 {
                        out.push(b',');
                    }
                    json(h, &mut out);
                }
                out.extend_from_slice(b"]}");
                self.part = Part::Done;
            }
            Part::Done => return Ok(None),
        }
        Ok(Some(out))
    }
}

impl<S: Storage + ?Sized> Iterator for ExportPages<S> {
    type Item = Result<Vec<u8>, Error>;

    /// The next chunk; after an error, none.
    fn next(&mut self) -> Option<Self::Item> {
        let r = self.chunk();
        if r.is_err() {
            self.part = Part::Done;
        }
        r.transpose()
    }
}

/// Appends `v` as JSON to `out`.
fn json<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    serde_json::to_writer(out, v).expect("export parts always serialise");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;
    use zkcred_translog::{verify_export, CredentialDisclosure, Outcome, PolicyRef};

    fn event(i: u64) -> DisclosureEvent {
        DisclosureEvent {
            timestamp: now_timestamp(),
            verifier: "pharmacy".into(),
            policy: PolicyRef {
                id: "prescription".into(),
                version: 1,
            },
            credentials: vec![CredentialDisclosure {
                credential_type: "cn.medical_insurance".into(),
                disclosed_attributes: vec!["insured".into()],
                issuer: "cn.gov.nhsa".into(),
                proven: Vec::new(),
                status_epoch: None,
            }],
            outcome: if i.is_multiple_of(3) {
                Outcome::Refused
            } else {
                Outcome::Accepted
            },
            reason: if i.is_multiple_of(3) {
                "credential_expired"
            } else {
                "ok"
            }
            .into(),
        }
    }

    #[test]
    fn log_end_to_end_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("log.db");
        let key_path = dir.path().join("log.key");
        let mut heads = Vec::new();
        {
            let log = DisclosureLog::new(
                Arc::new(SqliteStorage::open(&db).unwrap()),
                crate::log_key::load_or_generate(&key_path).unwrap(),
            );
            heads.push(log.sign_head().unwrap());
            for batch in [1, 4, 2, 6] {
                let events: Vec<_> = (0..batch).map(event).collect();
                log.append(&events).unwrap();
                heads.push(log.sign_head().unwrap());
            }
        }
        // Reopen: same key, same records; carry on.
        let log = DisclosureLog::new(
            Arc::new(SqliteStorage::open(&db).unwrap()),
            crate::log_key::load_or_generate(&key_path).unwrap(),
        );
        log.append(&[event(1), event(2)]).unwrap();
        let latest = log.sign_head().unwrap();
        assert_eq!(latest.tree_size, 15);
        heads.push(latest.clone());
        let pk = log.public_key();

        for h in &heads {
            pk.verify(h).unwrap();
            for i in 0..h.tree_size {
                log.inclusion_proof(i, h.tree_size)
                    .unwrap()
                    .verify(&h.root_hash)
                    .unwrap();
            }
        }
        for w in heads.windows(2) {
            let p = log
                .consistency_proof(w[0].tree_size, w[1].tree_size)
                .unwrap();
            p.verify(&w[0].root_hash, &w[1].root_hash).unwrap();
        }
        assert_eq!(
            log.inclusion_proof(15, 15).unwrap_err().code(),
            "log_range_out_of_bounds"
        );
        assert_eq!(
            log.inclusion_proof(0, 16).unwrap_err().code(),
            "log_range_out_of_bounds"
        );

        let export = log.export().unwrap();
        let text = export.to_json();
        assert!(!text.contains("proof\""), "no proof material in records");
        let report = verify_export(&LogExport::from_json(&text).unwrap(), &pk).unwrap();
        assert_eq!(report.records, 15);
        assert_eq!(report.signed_heads, heads.len());
        assert_eq!(report.signed_root, latest.root_hash);
        assert_eq!(report.unsigned_records, 0);
    }

    /// The paged export is the export document byte for byte, read a page
    /// of at most `page_records` records per chunk (so per storage read).
    #[test]
    fn paged_export_is_the_export_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let log = DisclosureLog::new(
            Arc::new(SqliteStorage::open(dir.path().join("log.db")).unwrap()),
            LogSigningKey::from_seed(&[5; 32]),
        );
        let pk = log.public_key();
        // An empty log: opening, no records, no heads, closing.
        let empty: Vec<Vec<u8>> = log
            .export_pages(&pk, 100)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(empty.concat(), log.export().unwrap().to_json().into_bytes());
        let events: Vec<_> = (0..2345).map(event).collect();
        log.append(&events[..1000]).unwrap();
        log.sign_head().unwrap();
        log.append(&events[1000..]).unwrap();
        log.sign_head().unwrap();
        let pages = log.export_pages(&pk, 100).unwrap();
        assert_eq!(pages.size(), 2345);
        // Appended after the start: not in this export.
        log.append(&events[..3]).unwrap();
        let chunks: Vec<Vec<u8>> = pages.collect::<Result<_, _>>().unwrap();
        // Opening, 24 pages of records, heads and closing.
        assert_eq!(chunks.len(), 1 + 24 + 1);
        for c in &chunks[1..25] {
            let n = String::from_utf8_lossy(c).matches("\"sequence\":").count();
            assert!((1..=100).contains(&n), "{n} records in one chunk");
        }
        let body = chunks.concat();
        let report = zkcred_translog::verify_export_bytes(&body, &pk, &[]).unwrap();
        assert_eq!(report.records, 2345);
        assert_eq!(report.signed_heads, 2);
        // Byte for byte the in-memory document of the same records.
        let mut whole = log.export().unwrap();
        whole.records.truncate(2345);
        assert_eq!(body, whole.to_json().into_bytes());
    }
}
