//! Licence status epochs: registration by the operator, and the in-memory
//! view the verification path resolves a presentation's epoch from.
//!
//! An issuer publishes one signed epoch document per batch of status
//! changes of a credential type (`zkcred_credential::status::StatusEpoch`:
//! its accumulator value, chained to the previous epoch by digest). The
//! operator registers each at `POST /v1/registry/status-epochs`;
//! [`StatusEpochs::register`] checks it and stores it (table
//! `status_epochs`, append-only) before it is put in force:
//!
//! * the signature, with the issuer key the trust registry holds for the
//!   epoch's `key_id` (an unknown issuer or key, or a revoked key, is
//!   refused as for presentations);
//! * the issuer issues the credential type (its registry document's
//!   `types`);
//! * the chain: when epoch `n - 1` is stored, `previous` must be its
//!   digest; when `n + 1` is stored, its `previous` must be this one's
//!   digest; publication times never go back (checked against every
//!   stored epoch, those another node registered included: the ones this
//!   node does not hold yet are read from the store first). The first epoch the service
//!   sees of an issuer and type may have any number, and gaps are allowed
//!   (a verifier need not see every epoch);
//! * one accumulator key per issuer and type;
//! * an epoch number is stored once: the identical document again answers
//!   the stored epoch, another document for it is refused.
//!
//! The service keeps, per issuer and type, the accumulator key once and
//! per epoch its value, publication time, digest and `previous` (constant
//! size; no document), loaded from storage at start and updated on each
//! registration. [`StatusEpochs::view`] answers the verification path's
//! `KeyResolver::status_epoch` from memory alone: the epoch's value, and as
//! `superseded_at` the publication time of the next higher stored epoch
//! (`None` for the highest, the current one).
//!
//! Each node loads the store at start; an epoch registered at another node
//! sharing the store is put in force here by [`crate::coherence`]
//! ([`StatusEpochs::reload_epoch`] on its notification,
//! [`StatusEpochs::refresh`] at each periodic refresh).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, PoisonError, RwLock};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use zkcred_api::StatusEpochSummary;
use zkcred_credential::presentation::status::StatusEpochView;
use zkcred_credential::{Catalogue, Error as CredError, StatusEpoch};
use zkcred_crypto::accumulator::{Accumulator, PublicKey};
use zkcred_problem::ProblemCode;

use super::problem::Problem;
use super::registry::Registry;
use crate::storage::{Storage, StorageError, StoredStatusEpoch};

/// Why an epoch was not registered (or the stored ones not loaded). Each
/// maps to its problem code once, in [`StatusEpochError::code`].
#[derive(Debug, thiserror::Error)]
pub enum StatusEpochError {
    /// The body is not a status epoch document.
    #[error("not a status epoch document: {0}")]
    Document(CredError),
    /// The epoch number is beyond what the store keeps.
    #[error("epoch {0} is beyond the largest epoch number stored (2^63 - 1)")]
    EpochTooLarge(u64),
    /// The credential type is not in the catalogue.
    #[error("credential type {0:?} is not in the catalogue")]
    UnknownType(String),
    /// The issuer's key could not be used (unknown issuer or key, revoked).
    #[error("{}", .0.detail)]
    Key(Problem),
    /// The issuer does not issue the credential type.
    #[error("issuer {issuer} does not issue {credential_type} (its registry document's types)")]
    TypeNotIssued {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
    },
    /// The signature does not verify with the issuer's key (or the epoch
    /// names another issuer or key than the key it was checked with).
    #[error("{0}")]
    Signature(CredError),
    /// Another accumulator key than the stored epochs of the issuer and
    /// type name.
    #[error(
        "epoch {epoch} of {issuer} / {credential_type} names another accumulator key than the \
         epochs stored for them: a new key needs a new credential type registry, not a new epoch"
    )]
    AccumulatorKeyChanged {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// The epoch refused.
        epoch: u64,
    },
    /// The epoch is dated after the service's clock (beyond
    /// [`FUTURE_SKEW_SECONDS`]): it would keep its predecessor current
    /// until then, and no honest issuer publishes ahead of time.
    #[error("status epoch {epoch} is dated {published_at}, after this service's clock ({now}): check the issuer's clock")]
    FromTheFuture {
        /// The epoch refused.
        epoch: u64,
        /// Its publication time, RFC 3339.
        published_at: String,
        /// The service's time, RFC 3339.
        now: String,
    },
    /// The epoch does not chain onto its stored neighbours, or another
    /// document is stored for its number.
    #[error("{0}")]
    ChainBroken(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored epoch does not parse or does not match its row (at start).
    #[error("stored status epoch {epoch} of {issuer} / {credential_type}: {reason}")]
    Corrupt {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// The epoch number.
        epoch: u64,
        /// What is wrong.
        reason: String,
    },
}

/// How far ahead of the service's clock an epoch's publication time may
/// be (clock skew between issuer and verifier), in seconds.
pub const FUTURE_SKEW_SECONDS: i64 = 300;

impl StatusEpochError {
    /// The problem code.
    pub fn code(&self) -> ProblemCode {
        match self {
            StatusEpochError::Document(CredError::Json { .. }) => ProblemCode::MalformedJson,
            StatusEpochError::Document(CredError::UnsupportedFormat { .. }) => {
                ProblemCode::UnsupportedFormat
            }
            StatusEpochError::Document(_)
            | StatusEpochError::EpochTooLarge(_)
            | StatusEpochError::UnknownType(_) => ProblemCode::InvalidRequest,
            StatusEpochError::Key(p) => p.code,
            StatusEpochError::TypeNotIssued { .. } => ProblemCode::StatusIssuerMismatch,
            StatusEpochError::Signature(e) => match e.code() {
                c @ (ProblemCode::StatusIssuerMismatch
                | ProblemCode::StatusKeyMismatch
                | ProblemCode::UnknownKey) => c,
                _ => ProblemCode::StatusSignatureInvalid,
            },
            StatusEpochError::AccumulatorKeyChanged { .. } => ProblemCode::StatusKeyMismatch,
            StatusEpochError::ChainBroken(_) | StatusEpochError::FromTheFuture { .. } => {
                ProblemCode::StatusChainBroken
            }
            StatusEpochError::Storage(e) => e.code(),
            StatusEpochError::Corrupt { .. } => ProblemCode::StorageCorrupt,
        }
    }

    /// The problem document: the message for client errors, the cause
    /// logged for the service's own.
    pub fn problem(self) -> Problem {
        match self {
            StatusEpochError::Key(p) => p,
            StatusEpochError::Storage(e) => Problem::from(crate::Error::from(e)),
            e if e.code().status() >= 500 => Problem::internal(&e),
            e => Problem::new(e.code(), e.to_string()),
        }
    }
}

/// One stored epoch, as much as resolving and chaining need.
#[derive(Debug, Clone, Copy)]
struct Entry {
    value: Accumulator,
    published_at: OffsetDateTime,
    digest: [u8; 32],
    previous: Option<[u8; 32]>,
}

/// The stored epochs of one issuer and credential type.
struct Lane {
    accumulator_key: PublicKey,
    epochs: BTreeMap<u64, Entry>,
}

/// Issuer → credential type → lane.
type Lanes = HashMap<String, HashMap<String, Lane>>;

/// The stored status epochs in memory; see the module documentation.
pub struct StatusEpochs {
    lanes: RwLock<Lanes>,
    /// Serialises registrations (check, store, put in force).
    admin: Mutex<()>,
}

impl std::fmt::Debug for StatusEpochs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusEpochs").finish_non_exhaustive()
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn entry_of(e: &StatusEpoch) -> Entry {
    Entry {
        value: *e.value(),
        published_at: e.content.published_at,
        digest: e.digest(),
        previous: e.content.previous,
    }
}

/// The document as stored: compact JSON.
fn document_text(e: &StatusEpoch) -> Result<String, StatusEpochError> {
    serde_json::to_string(e).map_err(|source| {
        StatusEpochError::Document(CredError::Json {
            what: "status epoch",
            source,
        })
    })
}

impl StatusEpochs {
    /// The epochs `storage` holds, each parsed once (their signatures were
    /// checked when they were registered).
    ///
    /// # Errors
    /// [`StatusEpochError::Storage`]; [`StatusEpochError::Corrupt`] for a
    /// stored document that does not parse or does not match its row.
    pub fn load(storage: &dyn Storage) -> Result<StatusEpochs, StatusEpochError> {
        let mut lanes = Lanes::new();
        for row in storage.status_epochs()? {
            insert_row(&mut lanes, &row)?;
        }
        Ok(StatusEpochs {
            lanes: RwLock::new(lanes),
            admin: Mutex::new(()),
        })
    }

    /// Whether epoch `epoch` of `issuer` and `credential_type` is held.
    pub fn holds(&self, issuer: &str, credential_type: &str, epoch: u64) -> bool {
        self.read()
            .get(issuer)
            .and_then(|l| l.get(credential_type))
            .is_some_and(|l| l.epochs.contains_key(&epoch))
    }

    /// Puts in force epoch `epoch` of `issuer` and `credential_type` as
    /// stored (registered by another node sharing the store), unless it is
    /// held already; returns whether it was added (`false` too when the
    /// store does not hold it). Idempotent; serialised with registrations.
    ///
    /// # Errors
    /// [`StatusEpochError::Storage`]; [`StatusEpochError::Corrupt`] for a
    /// stored document that does not parse, does not match its row, or
    /// names another accumulator key than the epochs held.
    pub fn reload_epoch(
        &self,
        storage: &dyn Storage,
        issuer: &str,
        credential_type: &str,
        epoch: u64,
    ) -> Result<bool, StatusEpochError> {
        let _admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        if self.holds(issuer, credential_type, epoch) {
            return Ok(false);
        }
        let Some(row) = storage.status_epoch(issuer, credential_type, Some(epoch))? else {
            return Ok(false);
        };
        let mut lanes = self.lanes.write().unwrap_or_else(PoisonError::into_inner);
        insert_row(&mut lanes, &row)?;
        Ok(true)
    }

    /// Puts in force every stored epoch not held yet (epochs are
    /// append-only: what is held stays); returns how many were added. Each
    /// new one is parsed once; the ones held are not parsed again.
    ///
    /// # Errors
    /// As [`StatusEpochs::reload_epoch`]; the epochs added before a corrupt
    /// one stay.
    pub fn refresh(&self, storage: &dyn Storage) -> Result<usize, StatusEpochError> {
        let _admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        self.add_missing(storage)
    }

    /// [`StatusEpochs::refresh`] under the caller's hold of `admin`.
    fn add_missing(&self, storage: &dyn Storage) -> Result<usize, StatusEpochError> {
        let rows = storage.status_epochs()?;
        let missing: Vec<&StoredStatusEpoch> = rows
            .iter()
            .filter(|r| !self.holds(&r.issuer, &r.credential_type, r.epoch))
            .collect();
        if missing.is_empty() {
            return Ok(0);
        }
        let mut lanes = self.lanes.write().unwrap_or_else(PoisonError::into_inner);
        for row in &missing {
            insert_row(&mut lanes, row)?;
        }
        Ok(missing.len())
    }

    /// The number of epochs held (all issuers and types).
    pub fn len(&self) -> usize {
        self.read()
            .values()
            .flat_map(HashMap::values)
            .map(|l| l.epochs.len())
            .sum()
    }

    /// Whether no epoch is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Lanes> {
        self.lanes.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Epoch `epoch` of `issuer`'s status list for `credential_type`, as
    /// the verification path resolves it: from memory, `superseded_at` the
    /// publication time of epoch `epoch + 1` (with a gap after `epoch`, its
    /// own publication time: the earliest it can have been superseded).
    pub fn view(&self, issuer: &str, credential_type: &str, epoch: u64) -> Option<StatusEpochView> {
        let lanes = self.read();
        let lane = lanes.get(issuer)?.get(credential_type)?;
        let entry = lane.epochs.get(&epoch)?;
        // Superseded when epoch + 1 was published; with a gap after this
        // epoch that time is unknown (between this epoch's publication and
        // the next stored one's): take the earliest, so a gap never makes
        // an old epoch look fresh.
        let superseded_at = lane
            .epochs
            .range((Bound::Excluded(epoch), Bound::Unbounded))
            .next()
            .map(|(&n, next)| {
                if Some(n) == epoch.checked_add(1) {
                    next.published_at
                } else {
                    entry.published_at
                }
            });
        Some(StatusEpochView {
            epoch,
            public_key: lane.accumulator_key.clone(),
            value: entry.value,
            superseded_at,
        })
    }

    /// The highest epoch number held for `issuer` and `credential_type`.
    pub fn current(&self, issuer: &str, credential_type: &str) -> Option<u64> {
        let lanes = self.read();
        let lane = lanes.get(issuer)?.get(credential_type)?;
        lane.epochs.keys().next_back().copied()
    }

    /// Checks `epoch` (see the module documentation), stores it with
    /// `now` as its arrival and puts it in force. Returns its summary and
    /// whether it was stored now (`false`: the identical document was
    /// stored before). Blocks on storage: call it off the async runtime.
    ///
    /// # Errors
    /// See [`StatusEpochError`].
    pub fn register(
        &self,
        storage: &dyn Storage,
        registry: &Registry,
        catalogue: &Catalogue,
        epoch: StatusEpoch,
        now: OffsetDateTime,
    ) -> Result<(StatusEpochSummary, bool), StatusEpochError> {
        let (issuer, ty, n) = (
            epoch.issuer.clone(),
            epoch.credential_type().to_owned(),
            epoch.epoch(),
        );
        if i64::try_from(n).is_err() {
            return Err(StatusEpochError::EpochTooLarge(n));
        }
        if catalogue.get(&ty).is_none() {
            return Err(StatusEpochError::UnknownType(ty));
        }
        let key = registry
            .verification_key(&issuer, &epoch.key_id)
            .map_err(StatusEpochError::Key)?;
        let issues_type = registry
            .engine()
            .registry()
            .issuer(&issuer)
            .is_some_and(|i| i.types.contains(&ty));
        if !issues_type {
            return Err(StatusEpochError::TypeNotIssued {
                issuer,
                credential_type: ty,
            });
        }
        epoch
            .verify(&key.public)
            .map_err(StatusEpochError::Signature)?;
        if epoch.content.published_at > now + time::Duration::seconds(FUTURE_SKEW_SECONDS) {
            return Err(StatusEpochError::FromTheFuture {
                epoch: n,
                published_at: rfc3339(epoch.content.published_at),
                now: rfc3339(now),
            });
        }

        let _admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        // Another node sharing the store may have registered neighbours
        // this one has not applied yet: the chain is checked against the
        // store, not only against what this node holds.
        self.add_missing(storage)?;
        let entry = entry_of(&epoch);
        {
            let lanes = self.read();
            if let Some(lane) = lanes.get(&issuer).and_then(|l| l.get(&ty)) {
                if lane.accumulator_key != *epoch.accumulator_key() {
                    return Err(StatusEpochError::AccumulatorKeyChanged {
                        issuer,
                        credential_type: ty,
                        epoch: n,
                    });
                }
                if lane.epochs.contains_key(&n) {
                    drop(lanes);
                    return self.stored_again(storage, &epoch);
                }
                check_chain(&issuer, &ty, n, &entry, &lane.epochs)?;
            }
        }
        let received_at = rfc3339(now);
        storage.add_status_epoch(&StoredStatusEpoch {
            issuer: issuer.clone(),
            credential_type: ty.clone(),
            epoch: n,
            document: document_text(&epoch)?,
            received_at: received_at.clone(),
        })?;
        {
            let mut lanes = self.lanes.write().unwrap_or_else(PoisonError::into_inner);
            lanes
                .entry(issuer.clone())
                .or_default()
                .entry(ty.clone())
                .or_insert_with(|| Lane {
                    accumulator_key: epoch.accumulator_key().clone(),
                    epochs: BTreeMap::new(),
                })
                .epochs
                .insert(n, entry);
        }
        tracing::info!(issuer = %issuer, credential_type = %ty, epoch = n, "status epoch registered");
        Ok((self.summary(&epoch, received_at), true))
    }

    /// An epoch number already stored: the identical document answers
    /// the stored epoch; another one is refused.
    fn stored_again(
        &self,
        storage: &dyn Storage,
        epoch: &StatusEpoch,
    ) -> Result<(StatusEpochSummary, bool), StatusEpochError> {
        let (issuer, ty, n) = (&epoch.issuer, epoch.credential_type(), epoch.epoch());
        let stored = storage.status_epoch(issuer, ty, Some(n))?.ok_or_else(|| {
            StatusEpochError::Corrupt {
                issuer: issuer.clone(),
                credential_type: ty.to_owned(),
                epoch: n,
                reason: "held in memory but not stored".into(),
            }
        })?;
        let same = StatusEpoch::from_json(&stored.document).is_ok_and(|s| s == *epoch);
        if !same {
            return Err(StatusEpochError::ChainBroken(format!(
                "epoch {n} of {issuer} / {ty} is stored with another document: an epoch number \
                 is published once"
            )));
        }
        Ok((self.summary(epoch, stored.received_at), false))
    }

    fn summary(&self, e: &StatusEpoch, received_at: String) -> StatusEpochSummary {
        let current = self.current(&e.issuer, e.credential_type()) == Some(e.epoch());
        StatusEpochSummary {
            issuer: e.issuer.clone(),
            credential_type: e.credential_type().to_owned(),
            epoch: e.epoch(),
            key_id: e.key_id.clone(),
            published_at: rfc3339(e.content.published_at),
            received_at,
            digest: hex::encode(e.digest()),
            current,
        }
    }
}

/// Parses a stored epoch and adds it to `lanes` (its signature was checked
/// when it was registered).
fn insert_row(lanes: &mut Lanes, row: &StoredStatusEpoch) -> Result<(), StatusEpochError> {
    let corrupt = |reason: String| StatusEpochError::Corrupt {
        issuer: row.issuer.clone(),
        credential_type: row.credential_type.clone(),
        epoch: row.epoch,
        reason,
    };
    let e = StatusEpoch::from_json(&row.document).map_err(|e| corrupt(e.to_string()))?;
    if e.issuer != row.issuer
        || e.credential_type() != row.credential_type
        || e.epoch() != row.epoch
    {
        return Err(corrupt("the document names another epoch".into()));
    }
    let lane = lanes
        .entry(row.issuer.clone())
        .or_default()
        .entry(row.credential_type.clone())
        .or_insert_with(|| Lane {
            accumulator_key: e.accumulator_key().clone(),
            epochs: BTreeMap::new(),
        });
    if lane.accumulator_key != *e.accumulator_key() {
        return Err(corrupt(
            "another accumulator key than the epochs before".into(),
        ));
    }
    lane.epochs.insert(e.epoch(), entry_of(&e));
    Ok(())
}

/// Epoch `n` (`entry`) against its stored neighbours in `epochs`.
fn check_chain(
    issuer: &str,
    ty: &str,
    n: u64,
    entry: &Entry,
    epochs: &BTreeMap<u64, Entry>,
) -> Result<(), StatusEpochError> {
    let broken = |what: String| {
        StatusEpochError::ChainBroken(format!("epoch {n} of {issuer} / {ty}: {what}"))
    };
    let before = epochs.range(..n).next_back();
    let after = epochs.range((Bound::Excluded(n), Bound::Unbounded)).next();
    if let Some((&b, prev)) = before {
        if b + 1 == n && entry.previous != Some(prev.digest) {
            return Err(broken(format!(
                "its previous-epoch digest is not the digest of the stored epoch {b}"
            )));
        }
        if entry.published_at < prev.published_at {
            return Err(broken(format!(
                "published before the stored epoch {b} (publication times never go back)"
            )));
        }
    }
    if let Some((&a, next)) = after {
        if n + 1 == a && next.previous != Some(entry.digest) {
            return Err(broken(format!(
                "the stored epoch {a} does not name it as its previous epoch"
            )));
        }
        if entry.published_at > next.published_at {
            return Err(broken(format!("published after the stored epoch {a}")));
        }
    }
    Ok(())
}

/// The highest stored epoch document of `issuer` and `credential_type`.
///
/// # Errors
/// 404 `not_found` when none is stored; the store's errors.
pub fn current_document(
    storage: &dyn Storage,
    issuer: &str,
    credential_type: &str,
) -> Result<serde_json::Value, Problem> {
    let row = storage
        .status_epoch(issuer, credential_type, None)
        .map_err(|e| Problem::from(crate::Error::from(e)))?
        .ok_or_else(|| {
            Problem::new(
                ProblemCode::NotFound,
                "no status epoch of this issuer and credential type is registered",
            )
        })?;
    serde_json::from_str(&row.document).map_err(|e| Problem::internal(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;
    use zkcred_crypto::accumulator::SecretKey;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_770_000_000 + secs).unwrap()
    }

    fn entry(seed: u8, published: i64, previous: Option<u8>) -> Entry {
        Entry {
            value: Accumulator::initial(&mut OsRng),
            published_at: at(published),
            digest: [seed; 32],
            previous: previous.map(|p| [p; 32]),
        }
    }

    #[test]
    fn an_epoch_in_memory_is_small() {
        assert!(std::mem::size_of::<Entry>() <= 200);
    }

    #[test]
    fn chains_are_checked_against_stored_neighbours_only() {
        let mut epochs = BTreeMap::new();
        epochs.insert(3, entry(3, 30, Some(2)));
        epochs.insert(7, entry(7, 70, Some(6)));
        let ok = |n: u64, e: Entry| check_chain("i", "t", n, &e, &epochs);
        // Epoch 4 must name 3; 6 must be named by 7; 5 has no neighbour.
        assert!(ok(4, entry(4, 40, Some(3))).is_ok());
        assert!(ok(4, entry(4, 40, Some(9))).is_err());
        assert!(ok(6, entry(6, 60, Some(1))).is_ok());
        assert!(ok(6, entry(9, 60, Some(5))).is_err());
        assert!(ok(5, entry(5, 50, Some(1))).is_ok());
        // Below the first stored and above the last: any number.
        assert!(ok(0, entry(0, 1, None)).is_ok());
        assert!(ok(100, entry(100, 1000, Some(99))).is_ok());
        // Publication times never go back, whatever the distance.
        assert!(ok(5, entry(5, 29, Some(4))).is_err());
        assert!(ok(5, entry(5, 71, Some(4))).is_err());
        assert!(ok(5, entry(5, 30, Some(4))).is_ok());
        let e = ok(4, entry(4, 40, Some(9))).unwrap_err();
        assert_eq!(e.code(), ProblemCode::StatusChainBroken);
        assert!(e.to_string().contains("epoch 4 of i / t"), "{e}");
    }

    #[test]
    fn views_are_superseded_by_the_next_epoch_or_at_once_across_a_gap() {
        let key = SecretKey::random(&mut OsRng).public_key();
        let mut lane = Lane {
            accumulator_key: key,
            epochs: BTreeMap::new(),
        };
        for (n, t) in [(2, 20), (3, 30), (9, 90)] {
            lane.epochs.insert(n, entry(n as u8, t, None));
        }
        let mut types = HashMap::new();
        types.insert("t".to_owned(), lane);
        let mut lanes = Lanes::new();
        lanes.insert("i".to_owned(), types);
        let s = StatusEpochs {
            lanes: RwLock::new(lanes),
            admin: Mutex::new(()),
        };
        assert_eq!(s.len(), 3);
        assert_eq!(s.current("i", "t"), Some(9));
        assert_eq!(s.view("i", "t", 2).unwrap().superseded_at, Some(at(30)));
        // Across a gap: epoch 4's time is unknown, so the earliest it can
        // be, epoch 3's own publication (never the later epoch 9's).
        assert_eq!(s.view("i", "t", 3).unwrap().superseded_at, Some(at(30)));
        assert_eq!(s.view("i", "t", 9).unwrap().superseded_at, None);
        assert!(s.view("i", "t", 4).is_none());
        assert!(s.view("i", "u", 2).is_none());
        assert!(s.view("j", "t", 2).is_none());
        assert!(s.view("i", "t", u64::MAX).is_none());
    }
}
