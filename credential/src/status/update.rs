//! [`StatusUpdate`]: what a holder fetches to keep its witness current:
//! the changes from one epoch to the next, with each changed licence's new
//! status.
//!
//! # Document (`"format": "zkcred-status-update"`, `"version": 1`)
//!
//! ```json
//! {
//!   "format": "zkcred-status-update", "version": 1,
//!   "issuer": "11330105002500287C", "credential_type": "drivers_license",
//!   "from_epoch": 11, "to_epoch": 12,
//!   "update": "<hex: the accumulator update's octets>",
//!   "statuses": [ { "element": "<32 octets hex>", "status": "02" }, … ]
//! }
//! ```
//!
//! `update` is the octets of `zkcred_crypto::accumulator::Update` (the
//! accumulator changes in order, each with the value after it). `statuses`
//! lists every licence whose status changed in the epoch, by its
//! revocation handle (the accumulated element): first one entry per
//! accumulator change, in the same order and with the same element (a
//! removal's status is one that is not valid, a re-addition's is `01`),
//! then the changes that move no element (a suspended licence revoked,
//! cancelled, expired or revoked by penalty: already removed), whose status
//! is never `01`. No element appears twice. The handles are those the
//! accumulator changes publish anyway; a verifier never sees a handle.
//!
//! Version 1 covers one epoch: `to_epoch = from_epoch + 1`. Unknown
//! members are refused.
//!
//! # Digest
//!
//! [`StatusUpdate::digest`] = `SHA-256` of `canonical("ZKCRED-STATUS-UPDATE-V1",
//! u32 version, issuer, credential_type, u64 from_epoch, u64 to_epoch,
//! update octets, count, (element octets, status code)…)`; the signed
//! [`StatusEpoch`] of `to_epoch` carries it as `update_digest`, so the
//! status codes are as authenticated as the accumulator changes.

use serde::{Deserialize, Serialize};
use zkcred_crypto::accumulator::{Change, Element, Update};

use crate::canonical::Canonical;
use crate::credential::check_document;
use crate::error::Error;
use crate::keys::check_identifier;
use crate::status::epoch::check_type;
use crate::status::{hex_array, LicenseStatus, StatusEpoch};

/// Format name of status updates.
pub const STATUS_UPDATE_FORMAT: &str = "zkcred-status-update";
/// Version of the status update document.
pub const STATUS_UPDATE_VERSION: u32 = 1;

/// One licence's new status in an update, by its revocation handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The licence's revocation handle (the accumulated element).
    pub element: Element,
    /// Its status from the update's `to_epoch` on.
    pub status: LicenseStatus,
}

/// The status changes of one epoch (see the module docs). Exists only
/// decoded and checked: the accumulator update decodes, the epochs are
/// consecutive, `statuses` agrees with the accumulator changes. Whether it
/// belongs to a signed epoch is [`StatusUpdate::check_epochs`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UpdateFile", into = "UpdateFile")]
pub struct StatusUpdate {
    /// The issuer.
    pub issuer: String,
    /// The credential type.
    pub credential_type: String,
    /// The epoch the update starts from.
    pub from_epoch: u64,
    /// The epoch it leads to (`from_epoch + 1`).
    pub to_epoch: u64,
    /// The accumulator changes.
    pub update: Update,
    /// The new statuses (see the module docs for their order).
    pub statuses: Vec<StatusChange>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeFile {
    element: String,
    status: LicenseStatus,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateFile {
    format: String,
    version: u32,
    issuer: String,
    credential_type: String,
    from_epoch: u64,
    to_epoch: u64,
    update: String,
    statuses: Vec<ChangeFile>,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::StatusUpdateInvalid(reason.into())
}

impl StatusUpdate {
    /// An update from `from_epoch` to the next epoch, checked as the
    /// module docs say.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`] for a bad issuer or credential type;
    /// [`Error::StatusUpdateInvalid`] for an epoch number that has no
    /// successor, an update without changes, or `statuses` that do not
    /// agree with the accumulator changes.
    pub fn new(
        issuer: &str,
        credential_type: &str,
        from_epoch: u64,
        update: Update,
        statuses: Vec<StatusChange>,
    ) -> Result<StatusUpdate, Error> {
        let to_epoch = from_epoch
            .checked_add(1)
            .ok_or_else(|| invalid("the epoch number has no successor"))?;
        let u = StatusUpdate {
            issuer: issuer.to_owned(),
            credential_type: credential_type.to_owned(),
            from_epoch,
            to_epoch,
            update,
            statuses,
        };
        u.check()?;
        Ok(u)
    }

    fn check(&self) -> Result<(), Error> {
        check_identifier("issuer", &self.issuer)?;
        check_type(&self.credential_type)?;
        if self.from_epoch.checked_add(1) != Some(self.to_epoch) {
            return Err(invalid(format!(
                "from_epoch {} and to_epoch {} are not consecutive",
                self.from_epoch, self.to_epoch
            )));
        }
        if self.statuses.is_empty() {
            return Err(invalid("the update changes no status"));
        }
        let k = self.update.len();
        if self.statuses.len() < k {
            return Err(invalid(format!(
                "{} accumulator changes but {} statuses",
                k,
                self.statuses.len()
            )));
        }
        for (i, (change, s)) in self.update.changes().zip(&self.statuses).enumerate() {
            if change.element() != &s.element {
                return Err(invalid(format!(
                    "status {i} names another element than accumulator change {i}"
                )));
            }
            let fits = match change {
                Change::Add(_) => s.status.is_valid(),
                Change::Remove(_) => !s.status.is_valid(),
            };
            if !fits {
                return Err(invalid(format!(
                    "status {i} is {} for an accumulator {}",
                    s.status,
                    if matches!(change, Change::Add(_)) {
                        "addition"
                    } else {
                        "removal"
                    }
                )));
            }
        }
        if let Some(i) = (k..self.statuses.len()).find(|&i| self.statuses[i].status.is_valid()) {
            return Err(invalid(format!(
                "status {i} makes a licence valid without adding it to the accumulator"
            )));
        }
        let mut seen: Vec<[u8; 32]> = self.statuses.iter().map(|s| s.element.to_bytes()).collect();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("an element is changed twice"));
        }
        Ok(())
    }

    /// The update's digest (see the module docs): what the epoch
    /// `to_epoch` names as `update_digest`.
    pub fn digest(&self) -> [u8; 32] {
        let mut c = Canonical::new("ZKCRED-STATUS-UPDATE-V1");
        c.u32(STATUS_UPDATE_VERSION)
            .str(&self.issuer)
            .str(&self.credential_type)
            .u64(self.from_epoch)
            .u64(self.to_epoch)
            .bytes(&self.update.to_bytes())
            .count(self.statuses.len());
        for s in &self.statuses {
            c.bytes(&s.element.to_bytes()).str(s.status.code());
        }
        c.digest()
    }

    /// The new status of the licence with revocation handle `element`, if
    /// the update changes it.
    pub fn status_of(&self, element: &Element) -> Option<LicenseStatus> {
        self.statuses
            .iter()
            .find(|s| &s.element == element)
            .map(|s| s.status)
    }

    /// Checks that this update leads from the signed epoch `previous` to
    /// the signed epoch `next` (whose signatures the caller checked):
    /// same issuer, type and accumulator key; `previous` is epoch
    /// `from_epoch` and `next` is epoch `to_epoch`; `next` names
    /// `previous`'s digest and this update's digest; applied to
    /// `previous`'s value, the update gives `next`'s value.
    ///
    /// # Errors
    /// [`Error::StatusIssuerMismatch`] for another issuer or type;
    /// [`Error::StatusChainBroken`] for other epoch numbers or a `previous`
    /// digest that does not match; [`Error::StatusUpdateInvalid`] when the
    /// update's digest, the accumulator key or the resulting value does not
    /// match `next`.
    pub fn check_epochs(&self, previous: &StatusEpoch, next: &StatusEpoch) -> Result<(), Error> {
        for e in [previous, next] {
            if e.issuer != self.issuer || e.credential_type() != self.credential_type {
                return Err(Error::StatusIssuerMismatch {
                    expected: format!("{} / {}", self.issuer, self.credential_type),
                    found: format!("{} / {}", e.issuer, e.credential_type()),
                });
            }
        }
        if previous.epoch() != self.from_epoch || next.epoch() != self.to_epoch {
            return Err(Error::StatusChainBroken(format!(
                "the update {} -> {} does not join epochs {} and {}",
                self.from_epoch,
                self.to_epoch,
                previous.epoch(),
                next.epoch()
            )));
        }
        if next.content.previous != Some(previous.digest()) {
            return Err(Error::StatusChainBroken(format!(
                "epoch {} does not follow the epoch {} given (previous-epoch digest differs)",
                next.epoch(),
                previous.epoch()
            )));
        }
        if next.content.update_digest != Some(self.digest()) {
            return Err(invalid(format!(
                "the update {} -> {} is not the one epoch {} was signed with (digest differs)",
                self.from_epoch,
                self.to_epoch,
                next.epoch()
            )));
        }
        if previous.accumulator_key() != next.accumulator_key() {
            return Err(invalid(format!(
                "epochs {} and {} name different accumulator keys",
                previous.epoch(),
                next.epoch()
            )));
        }
        if self.update.value(previous.value()) != *next.value() {
            return Err(invalid(format!(
                "the update does not lead from epoch {}'s value to epoch {}'s",
                previous.epoch(),
                next.epoch()
            )));
        }
        Ok(())
    }

    /// Parses a status update document: the JSON shape first, then every
    /// field, then the checks of [`StatusUpdate::new`].
    ///
    /// # Errors
    /// [`Error::Json`] for text that is not a JSON object of the document's
    /// members (an unknown or missing member, a wrong type, an unknown
    /// status code); [`Error::UnsupportedFormat`]; [`Error::Malformed`]
    /// naming the field for bad hex or an accumulator update or element
    /// that does not decode; as [`StatusUpdate::new`].
    pub fn from_json(text: &str) -> Result<StatusUpdate, Error> {
        let file: UpdateFile = serde_json::from_str(text).map_err(|source| Error::Json {
            what: "status update",
            source,
        })?;
        StatusUpdate::try_from(file)
    }

    /// The document's JSON (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl TryFrom<UpdateFile> for StatusUpdate {
    type Error = Error;
    fn try_from(f: UpdateFile) -> Result<Self, Error> {
        check_document(
            STATUS_UPDATE_FORMAT,
            STATUS_UPDATE_VERSION,
            &f.format,
            f.version,
        )?;
        let octets = crate::error::decode_hex("status update", &f.update)?;
        let update = Update::from_bytes(&octets).map_err(|e| Error::Malformed {
            what: "status update",
            reason: e.to_string(),
        })?;
        let statuses = f
            .statuses
            .iter()
            .map(|s| {
                let b: [u8; 32] = hex_array("status update element", &s.element)?;
                let element = Element::from_bytes(&b).map_err(|e| Error::Malformed {
                    what: "status update element",
                    reason: e.to_string(),
                })?;
                Ok(StatusChange {
                    element,
                    status: s.status,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let u = StatusUpdate {
            issuer: f.issuer,
            credential_type: f.credential_type,
            from_epoch: f.from_epoch,
            to_epoch: f.to_epoch,
            update,
            statuses,
        };
        u.check()?;
        Ok(u)
    }
}

impl From<StatusUpdate> for UpdateFile {
    fn from(u: StatusUpdate) -> Self {
        UpdateFile {
            format: STATUS_UPDATE_FORMAT.into(),
            version: STATUS_UPDATE_VERSION,
            issuer: u.issuer,
            credential_type: u.credential_type,
            from_epoch: u.from_epoch,
            to_epoch: u.to_epoch,
            update: hex::encode(u.update.to_bytes()),
            statuses: u
                .statuses
                .iter()
                .map(|s| ChangeFile {
                    element: hex::encode(s.element.to_bytes()),
                    status: s.status,
                })
                .collect(),
        }
    }
}
