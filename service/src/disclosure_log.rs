//! The disclosure log on top of a [`Storage`]: append decisions, sign tree
//! heads, serve inclusion and consistency proofs, export for regulators.
//!
//! Proofs and heads are computed from the stored leaf hashes of the first
//! `tree_size` records, which never change once written (the log is
//! append-only), so no lock is needed against concurrent appends.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::storage::Storage;
use zkcred_translog::export::EXPORT_FORMAT;
use zkcred_translog::merkle::{self, ProofError};
use zkcred_translog::record::{check_timestamp, now_timestamp};
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
    /// timestamp is reused.
    pub fn sign_head(&self) -> Result<SignedTreeHead, Error> {
        let _one_at_a_time = self.signing.lock().unwrap_or_else(PoisonError::into_inner);
        let size = self.storage.disclosure_count()?;
        let leaves = self.storage.read_leaf_hashes(0..size)?;
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
            root_hash: merkle::root(&leaves),
            timestamp,
        });
        self.storage.put_tree_head(&sth)?;
        Ok(sth)
    }

    /// The inclusion proof of record `index` in the tree of `tree_size`.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<InclusionProof, Error> {
        if index >= tree_size {
            return Err(ProofError::IndexOutOfRange { index, tree_size }.into());
        }
        let leaves = self.storage.read_leaf_hashes(0..tree_size)?;
        let path = merkle::inclusion_proof(&leaves, index)?;
        Ok(InclusionProof {
            leaf_index: index,
            tree_size,
            leaf_hash: leaves[index as usize],
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
        let leaves = self.storage.read_leaf_hashes(0..new_size)?;
        Ok(ConsistencyProof {
            old_size,
            new_size,
            path: merkle::consistency_proof(&leaves, old_size)?,
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
        let rotated = self.storage.log_keys()?.len() > 1;
        let size = self.storage.disclosure_count()?;
        let records = self
            .storage
            .read_disclosures(0..size)?
            .into_iter()
            .map(|e| e.record)
            .collect();
        let signed_heads = self
            .storage
            .tree_heads()?
            .into_iter()
            .filter(|h| h.tree_size <= size)
            .filter(|h| !rotated || key.verify(h).is_ok())
            .collect();
        Ok(LogExport {
            format: EXPORT_FORMAT.into(),
            log_public_key: *key,
            records,
            signed_heads,
        })
    }
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
}
