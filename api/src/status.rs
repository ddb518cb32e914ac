//! Licence status epochs: what the operator registers at the service and
//! what verifiers read back.
//!
//! An epoch is the credential crate's signed status epoch document
//! (`zkcred_credential::status::StatusEpoch`, format
//! `zkcred-status-epoch`): an issuer's accumulator value for one credential
//! type at one epoch. The service keeps every epoch it accepted and
//! resolves the epoch a presentation names from them.

use serde::{Deserialize, Serialize};

/// `POST /v1/registry/status-epochs`: where the operator registers epochs.
pub const STATUS_EPOCHS_PATH: &str = "/v1/registry/status-epochs";

/// `GET /v1/status-epochs/{issuer}/{credential_type}`, with both segments
/// as given (the client escapes them).
pub fn status_epoch_path(issuer: &str, credential_type: &str) -> String {
    format!("/v1/status-epochs/{issuer}/{credential_type}")
}

/// `POST /v1/registry/status-epochs` answer (201 when stored now, 200 when
/// the identical document was stored before): the epoch as the service
/// holds it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEpochSummary {
    /// The issuer.
    pub issuer: String,
    /// The credential type.
    pub credential_type: String,
    /// The epoch number.
    pub epoch: u64,
    /// The issuer key that signed it.
    pub key_id: String,
    /// When the issuer published it (RFC 3339).
    pub published_at: String,
    /// When the service received it first (RFC 3339).
    pub received_at: String,
    /// The epoch's digest (SHA-256, 64 hex digits): what the next epoch's
    /// `previous` names.
    pub digest: String,
    /// Whether it is the highest epoch the service holds for the issuer
    /// and type (the one presentations with `max_epoch_age_seconds: 0`
    /// must use).
    pub current: bool,
}
