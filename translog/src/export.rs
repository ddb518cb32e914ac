//! Log exports and their offline verification (`zkcred audit verify`).
//!
//! An export is one JSON document:
//!
//! ```json
//! { "format": "zkcred-disclosure-log/1",
//!   "log_public_key": "<64 hex>",
//!   "records": [ <DisclosureRecord>, ... ],        // sequence 0, 1, 2, ...
//!   "signed_heads": [ <SignedTreeHead>, ... ] }    // by tree size
//! ```
//!
//! [`verify_export`] recomputes every leaf from the records' canonical
//! encoding, then for each signed head in turn checks its signature, that
//! the records hold at least as many entries, that the recomputed root at
//! its size equals the signed root, and that it is consistent with the
//! previous head (an RFC 9162 consistency proof built from the records and
//! checked against the two *signed* roots). A regulator who kept heads from
//! earlier audits passes them to [`verify_export_with`]: they are checked
//! the same way, so a log that rewrote its history and re-signed it is
//! caught by the heads it handed out before.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::merkle::{self, Hash, ProofError};
use super::record::DisclosureRecord;
use super::sth::{KeyError, LogPublicKey, SignedTreeHead};

/// The value of [`LogExport::format`].
pub const EXPORT_FORMAT: &str = "zkcred-disclosure-log/1";

/// A full export of the disclosure log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogExport {
    /// Always `zkcred-disclosure-log/1` (`EXPORT_FORMAT`).
    pub format: String,
    /// The key that signed the heads.
    pub log_public_key: LogPublicKey,
    /// Every record, in sequence order from 0.
    pub records: Vec<DisclosureRecord>,
    /// Signed heads, in increasing tree size.
    pub signed_heads: Vec<SignedTreeHead>,
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Records in the export.
    pub records: u64,
    /// Signed heads checked (the export's and any supplied).
    pub signed_heads: usize,
    /// The largest tree size covered by a signed head.
    pub signed_size: u64,
    /// The root at [`Report::signed_size`].
    pub signed_root: Hash,
    /// Records after the last signed head: present but not yet vouched for.
    pub unsigned_records: u64,
}

/// Why an export does not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The export is not JSON of the expected shape.
    #[error("export is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The `format` field is not [`EXPORT_FORMAT`].
    #[error("unsupported export format {0:?}")]
    UnsupportedFormat(String),
    /// The export names another log key than the one trusted.
    #[error("export is from log key {found}, not the trusted key")]
    KeyMismatch {
        /// The key the export names (hex).
        found: String,
    },
    /// No signed head at all: nothing vouches for the records.
    #[error("export has no signed tree head")]
    NoSignedHead,
    /// A record breaks the field rules.
    #[error("record {index}: {source}")]
    InvalidRecord {
        /// Position in the export.
        index: u64,
        /// The rule broken.
        source: super::record::RecordError,
    },
    /// The record at a position carries another sequence number: records
    /// were dropped, duplicated or reordered.
    #[error("record at position {index} has sequence number {found}")]
    SequenceMismatch {
        /// Position in the export.
        index: u64,
        /// The sequence number found there.
        found: u64,
    },
    /// The heads are not in increasing size and time.
    #[error("signed head {index} is out of order")]
    HeadsOutOfOrder {
        /// Position among the heads.
        index: usize,
    },
    /// A head's signature (or timestamp form) does not verify.
    #[error("signed head for size {tree_size} does not verify: {source}")]
    BadSignature {
        /// The head's tree size.
        tree_size: u64,
        /// Why.
        source: KeyError,
    },
    /// A head covers more records than the export holds: records were
    /// dropped from the end.
    #[error("signed head covers {tree_size} records, export holds {records}")]
    HeadBeyondRecords {
        /// The head's tree size.
        tree_size: u64,
        /// Records in the export.
        records: u64,
    },
    /// The records do not hash to a head's signed root: a record was
    /// altered, dropped, inserted or reordered (or the head forged).
    #[error("records do not match the signed root at size {tree_size}")]
    RootMismatch {
        /// The head's tree size.
        tree_size: u64,
    },
    /// Two signed heads are not consistent: the log is not append-only.
    #[error("signed heads at sizes {old_size} and {new_size} are inconsistent: {source}")]
    Inconsistent {
        /// The earlier size.
        old_size: u64,
        /// The later size.
        new_size: u64,
        /// The failed proof check.
        source: ProofError,
    },
}

impl VerifyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "export_malformed",
            VerifyError::UnsupportedFormat(_) => "export_format_unsupported",
            VerifyError::KeyMismatch { .. } => "export_key_mismatch",
            VerifyError::NoSignedHead => "export_no_signed_head",
            VerifyError::InvalidRecord { .. } => "export_record_invalid",
            VerifyError::SequenceMismatch { .. } => "export_sequence_mismatch",
            VerifyError::HeadsOutOfOrder { .. } => "export_heads_out_of_order",
            VerifyError::BadSignature { .. } => "export_head_signature_invalid",
            VerifyError::HeadBeyondRecords { .. } => "export_records_missing",
            VerifyError::RootMismatch { .. } => "export_root_mismatch",
            VerifyError::Inconsistent { .. } => "export_heads_inconsistent",
        }
    }
}

impl LogExport {
    /// Parses an export document (the shape in the module documentation).
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] if `text` is not JSON of that shape
    /// (unknown fields included).
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Writes the export as one JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an export always serialises")
    }
}

/// Verifies an export against the trusted log key (see the module
/// documentation).
///
/// # Errors
/// The first failed check, as a [`VerifyError`]: wrong format or key,
/// malformed or misnumbered records, no signed head, heads out of order,
/// a bad signature, a head beyond the records, a root that the records do
/// not reproduce, or two inconsistent heads.
pub fn verify_export(export: &LogExport, key: &LogPublicKey) -> Result<Report, VerifyError> {
    verify_export_with(export, key, &[])
}

/// Like [`verify_export`], also checking `known_heads` that the auditor
/// obtained earlier and kept.
///
/// # Errors
/// As [`verify_export`]; a kept head is checked like the export's own, so
/// a rewritten history shows as [`VerifyError::RootMismatch`] or
/// [`VerifyError::Inconsistent`] against it.
pub fn verify_export_with(
    export: &LogExport,
    key: &LogPublicKey,
    known_heads: &[SignedTreeHead],
) -> Result<Report, VerifyError> {
    let mut v = ExportVerifier::new(*key);
    v.format(&export.format)?;
    v.log_public_key(&export.log_public_key)?;
    for r in &export.records {
        v.record(r)?;
    }
    for h in &export.signed_heads {
        v.signed_head(h.clone());
    }
    v.finish(known_heads)
}

/// The checks of [`verify_export_with`], fed one part of an export at a
/// time, so an export need never be held whole: a record is checked and
/// reduced to its leaf hash as it arrives (32 bytes kept per record), and
/// the signed heads are kept until [`ExportVerifier::finish`].
///
/// [`crate::stream::verify_export_json`] drives it from a JSON stream;
/// [`verify_export_with`] from a parsed [`LogExport`]. The parts may come in
/// any order (records in sequence order among themselves); what cannot be
/// checked before all are seen is checked by [`ExportVerifier::finish`].
#[derive(Debug)]
pub struct ExportVerifier {
    key: LogPublicKey,
    leaves: Vec<Hash>,
    heads: Vec<SignedTreeHead>,
}

impl ExportVerifier {
    /// A verifier trusting `key`.
    pub fn new(key: LogPublicKey) -> Self {
        ExportVerifier {
            key,
            leaves: Vec::new(),
            heads: Vec::new(),
        }
    }

    /// Checks the export's `format` field.
    ///
    /// # Errors
    /// [`VerifyError::UnsupportedFormat`] unless it is [`EXPORT_FORMAT`].
    pub fn format(&mut self, format: &str) -> Result<(), VerifyError> {
        if format != EXPORT_FORMAT {
            return Err(VerifyError::UnsupportedFormat(format.to_owned()));
        }
        Ok(())
    }

    /// Checks the key the export names against the trusted one.
    ///
    /// # Errors
    /// [`VerifyError::KeyMismatch`] when they differ.
    pub fn log_public_key(&mut self, key: &LogPublicKey) -> Result<(), VerifyError> {
        if *key != self.key {
            return Err(VerifyError::KeyMismatch {
                found: key.to_hex(),
            });
        }
        Ok(())
    }

    /// Checks the next record (its sequence number and field rules) and
    /// keeps its leaf hash.
    ///
    /// # Errors
    /// [`VerifyError::SequenceMismatch`] or [`VerifyError::InvalidRecord`].
    pub fn record(&mut self, r: &DisclosureRecord) -> Result<(), VerifyError> {
        let index = self.leaves.len() as u64;
        if r.sequence != index {
            return Err(VerifyError::SequenceMismatch {
                index,
                found: r.sequence,
            });
        }
        r.validate()
            .map_err(|source| VerifyError::InvalidRecord { index, source })?;
        self.leaves.push(r.leaf_hash());
        Ok(())
    }

    /// Records seen so far.
    pub fn records(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Keeps the export's next signed head (in the export's order), for
    /// [`ExportVerifier::finish`].
    pub fn signed_head(&mut self, head: SignedTreeHead) {
        self.heads.push(head);
    }

    /// The checks that need every part: the export's heads in order, then
    /// each head (the export's and `known_heads`, by size) signed by the
    /// key, within the records, matching the recomputed root, consistent
    /// with the previous one.
    ///
    /// # Errors
    /// As [`verify_export_with`].
    pub fn finish(self, known_heads: &[SignedTreeHead]) -> Result<Report, VerifyError> {
        let ExportVerifier { key, leaves, heads } = self;
        let n = leaves.len() as u64;

        // The export's own heads must be in order; the auditor's are merged in.
        for (i, w) in heads.windows(2).enumerate() {
            if w[1].tree_size < w[0].tree_size || !not_earlier(&w[0].timestamp, &w[1].timestamp) {
                return Err(VerifyError::HeadsOutOfOrder { index: i + 1 });
            }
        }
        let mut heads: Vec<&SignedTreeHead> = heads.iter().chain(known_heads).collect();
        heads.sort_by_key(|h| h.tree_size);
        if heads.is_empty() {
            return Err(VerifyError::NoSignedHead);
        }

        let mut prev: Option<&SignedTreeHead> = None;
        for h in &heads {
            key.verify(h).map_err(|source| VerifyError::BadSignature {
                tree_size: h.tree_size,
                source,
            })?;
            if h.tree_size > n {
                return Err(VerifyError::HeadBeyondRecords {
                    tree_size: h.tree_size,
                    records: n,
                });
            }
            let size = h.tree_size as usize;
            if merkle::root(&leaves[..size]) != h.root_hash {
                return Err(VerifyError::RootMismatch {
                    tree_size: h.tree_size,
                });
            }
            if let Some(p) = prev {
                let proof = merkle::consistency_proof(&leaves[..size], p.tree_size)
                    .expect("sizes are ordered and within the records");
                merkle::verify_consistency(
                    p.tree_size,
                    h.tree_size,
                    &p.root_hash,
                    &h.root_hash,
                    &proof,
                )
                .map_err(|source| VerifyError::Inconsistent {
                    old_size: p.tree_size,
                    new_size: h.tree_size,
                    source,
                })?;
            }
            prev = Some(h);
        }
        let last = prev.expect("at least one head");
        Ok(Report {
            records: n,
            signed_heads: heads.len(),
            signed_size: last.tree_size,
            signed_root: last.root_hash,
            unsigned_records: n - last.tree_size,
        })
    }
}

/// `a <= b` as instants (both already checked as canonical RFC 3339).
fn not_earlier(a: &str, b: &str) -> bool {
    match (
        OffsetDateTime::parse(a, &Rfc3339),
        OffsetDateTime::parse(b, &Rfc3339),
    ) {
        (Ok(a), Ok(b)) => a <= b,
        // Malformed timestamps are reported by the signature check.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CredentialDisclosure, DisclosureEvent, Outcome, PolicyRef};
    use crate::sth::{LogSigningKey, TreeHead};

    fn event(i: u64) -> DisclosureEvent {
        DisclosureEvent {
            timestamp: format!("2025-03-01T08:{:02}:{:02}.000Z", i / 60, i % 60),
            verifier: format!("did:web:verifier{}.example", i % 3),
            policy: PolicyRef {
                id: "age-check".into(),
                version: 1,
            },
            credentials: vec![CredentialDisclosure {
                credential_type: "cn.resident_id".into(),
                disclosed_attributes: vec!["age_over_18".into()],
                issuer: "cn.gov.mps".into(),
                proven: Vec::new(),
                status_epoch: None,
            }],
            outcome: if i % 4 == 3 {
                Outcome::Refused
            } else {
                Outcome::Accepted
            },
            reason: if i % 4 == 3 { "proof_invalid" } else { "ok" }.into(),
        }
    }

    fn sign_at(
        key: &LogSigningKey,
        records: &[DisclosureRecord],
        size: usize,
        t: u64,
    ) -> SignedTreeHead {
        let leaves: Vec<Hash> = records[..size].iter().map(|r| r.leaf_hash()).collect();
        key.sign(&TreeHead {
            tree_size: size as u64,
            root_hash: merkle::root(&leaves),
            timestamp: format!("2025-03-01T09:00:{t:02}.000Z"),
        })
    }

    /// 20 records, heads at sizes 0, 1, 5, 8, 13 and 17.
    fn export(key: &LogSigningKey) -> LogExport {
        let records: Vec<DisclosureRecord> = (0..20)
            .map(|i| DisclosureRecord::from_event(i, &event(i)).unwrap())
            .collect();
        let signed_heads = [0, 1, 5, 8, 13, 17]
            .iter()
            .enumerate()
            .map(|(t, &s)| sign_at(key, &records, s, t as u64))
            .collect();
        LogExport {
            format: EXPORT_FORMAT.into(),
            log_public_key: key.public_key(),
            records,
            signed_heads,
        }
    }

    fn key() -> LogSigningKey {
        LogSigningKey::from_seed(&[42; 32])
    }

    #[test]
    fn honest_export_verifies() {
        let k = key();
        let ex = export(&k);
        let parsed = LogExport::from_json(&ex.to_json()).unwrap();
        assert_eq!(parsed, ex);
        let report = verify_export(&parsed, &k.public_key()).unwrap();
        assert_eq!(report.records, 20);
        assert_eq!(report.signed_heads, 6);
        assert_eq!(report.signed_size, 17);
        assert_eq!(report.unsigned_records, 3);
    }

    /// The in-memory and the streamed verification agree on `ex`.
    fn code_of(ex: &LogExport) -> &'static str {
        let code = verify_export(ex, &key().public_key()).unwrap_err().code();
        let streamed =
            crate::verify_export_bytes(ex.to_json().as_bytes(), &key().public_key(), &[]);
        assert_eq!(streamed.unwrap_err().code(), code);
        code
    }

    /// The streamed verification reaches the same verdicts as the in-memory
    /// one, reads the fields in any order, and refuses what `from_json`
    /// refuses.
    #[test]
    fn streamed_verification_agrees() {
        let k = key();
        let pk = k.public_key();
        let honest = export(&k);
        let text = honest.to_json();
        let report = crate::verify_export_bytes(text.as_bytes(), &pk, &[]).unwrap();
        assert_eq!(report, verify_export(&honest, &pk).unwrap());
        // Heads before records, key last: the same report.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reordered = format!(
            r#"{{"signed_heads":{},"records":{},"format":{},"log_public_key":{}}}"#,
            v["signed_heads"], v["records"], v["format"], v["log_public_key"]
        );
        assert_eq!(
            crate::verify_export_bytes(reordered.as_bytes(), &pk, &[]).unwrap(),
            report
        );
        // Kept heads count as in memory.
        let kept = [honest.signed_heads[2].clone()];
        assert_eq!(
            crate::verify_export_bytes(text.as_bytes(), &pk, &kept).unwrap(),
            verify_export_with(&honest, &pk, &kept).unwrap()
        );
        for (bad, code) in [
            (text.replacen('{', r#"{"extra":1,"#, 1), "export_malformed"),
            (
                text.replacen('{', r#"{"format":"zkcred-disclosure-log/1","#, 1),
                "export_malformed",
            ),
            (
                text.replacen(r#""format":"zkcred-disclosure-log/1","#, "", 1),
                "export_malformed",
            ),
            (format!("{text} {{}}"), "export_malformed"),
            (text[..text.len() - 1].to_owned(), "export_malformed"),
            (
                text.replace("zkcred-disclosure-log/1", "other/2"),
                "export_format_unsupported",
            ),
        ] {
            let e = crate::verify_export_bytes(bad.as_bytes(), &pk, &[]).unwrap_err();
            assert_eq!(e.code(), code, "{}: {e}", &bad[..60]);
        }
        // A bad record stops the reading at that record.
        let mut ex = export(&k);
        ex.records[4].sequence = 7;
        let e = crate::verify_export_bytes(ex.to_json().as_bytes(), &pk, &[]).unwrap_err();
        assert!(
            matches!(e, VerifyError::SequenceMismatch { index: 4, found: 7 }),
            "{e}"
        );
    }

    #[test]
    fn changed_record() {
        let mut ex = export(&key());
        ex.records[6].credentials[0].disclosed_attributes = vec!["name".into()];
        let e = verify_export(&ex, &key().public_key()).unwrap_err();
        assert!(
            matches!(e, VerifyError::RootMismatch { tree_size: 8 }),
            "{e}"
        );
        let mut ex = export(&key());
        ex.records[2].outcome = Outcome::Refused;
        assert_eq!(code_of(&ex), "export_root_mismatch");
    }

    #[test]
    fn dropped_record() {
        let mut ex = export(&key());
        ex.records.remove(9);
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::SequenceMismatch {
                index: 9,
                found: 10
            })
        ));
        // Renumbered to hide the gap: the roots no longer match.
        for (i, r) in ex.records.iter_mut().enumerate() {
            r.sequence = i as u64;
        }
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::RootMismatch { tree_size: 13 })
        ));
        // Dropped from the end, under a signed head.
        let mut ex = export(&key());
        ex.records.truncate(15);
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::HeadBeyondRecords {
                tree_size: 17,
                records: 15
            })
        ));
    }

    #[test]
    fn reordered_records() {
        let mut ex = export(&key());
        ex.records.swap(3, 4);
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::SequenceMismatch { index: 3, found: 4 })
        ));
        ex.records[3].sequence = 3;
        ex.records[4].sequence = 4;
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::RootMismatch { tree_size: 5 })
        ));
    }

    #[test]
    fn forged_heads() {
        // A head whose root was changed without the key.
        let mut ex = export(&key());
        ex.signed_heads[3].root_hash.0[0] ^= 1;
        assert!(matches!(
            verify_export(&ex, &key().public_key()),
            Err(VerifyError::BadSignature { tree_size: 8, .. })
        ));
        // A head signed by another key.
        let mut ex = export(&key());
        let records = ex.records.clone();
        ex.signed_heads[4] = sign_at(&LogSigningKey::from_seed(&[1; 32]), &records, 13, 4);
        assert_eq!(code_of(&ex), "export_head_signature_invalid");
        // Heads out of order.
        let mut ex = export(&key());
        ex.signed_heads.swap(1, 2);
        assert_eq!(code_of(&ex), "export_heads_out_of_order");
        // No heads at all.
        let mut ex = export(&key());
        ex.signed_heads.clear();
        assert_eq!(code_of(&ex), "export_no_signed_head");
    }

    #[test]
    fn wrong_key() {
        let ex = export(&key());
        let other = LogSigningKey::from_seed(&[2; 32]).public_key();
        assert!(matches!(
            verify_export(&ex, &other),
            Err(VerifyError::KeyMismatch { .. })
        ));
        // Claiming the trusted key does not help: the signatures fail.
        let mut ex = export(&key());
        ex.log_public_key = other;
        assert!(matches!(
            verify_export(&ex, &other),
            Err(VerifyError::BadSignature { tree_size: 0, .. })
        ));
    }

    /// A log that rewrote a record and re-signed everything passes on its
    /// own heads, but not against a head the auditor kept from before.
    #[test]
    fn rewritten_history_is_caught_by_kept_heads() {
        let k = key();
        let honest = export(&k);
        let kept = honest.signed_heads[4].clone(); // size 13
        let mut rewritten = honest.clone();
        rewritten.records[10].reason = "policy_unsatisfied".into();
        rewritten.records[10].outcome = Outcome::Refused;
        let records = rewritten.records.clone();
        rewritten.signed_heads = [0, 1, 5, 8, 13, 17]
            .iter()
            .enumerate()
            .map(|(t, &s)| sign_at(&k, &records, s, t as u64))
            .collect();
        assert!(verify_export(&rewritten, &k.public_key()).is_ok());
        let e = verify_export_with(&rewritten, &k.public_key(), &[kept]).unwrap_err();
        assert!(
            matches!(e, VerifyError::RootMismatch { tree_size: 13 }),
            "{e}"
        );
    }

    #[test]
    fn malformed_exports() {
        assert_eq!(
            LogExport::from_json("{").unwrap_err().code(),
            "export_malformed"
        );
        let mut ex = export(&key());
        ex.format = "other/2".into();
        assert_eq!(code_of(&ex), "export_format_unsupported");
        let mut ex = export(&key());
        ex.records[0].reason = "Bad Reason".into();
        assert_eq!(code_of(&ex), "export_record_invalid");
    }
}
