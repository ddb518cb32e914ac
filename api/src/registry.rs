//! Registry documents: issuers, issuer keys, agreements, policies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Lifecycle status of a stored document version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStatus {
    /// In force.
    Active,
    /// Superseded or withdrawn in the ordinary course (a rotated key still
    /// verifies the credentials it signed).
    Retired,
    /// Withdrawn because it must no longer be trusted (keys).
    Revoked,
}

impl DocumentStatus {
    /// `active`, `retired` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Active => "active",
            DocumentStatus::Retired => "retired",
            DocumentStatus::Revoked => "revoked",
        }
    }
}

impl std::fmt::Display for DocumentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a stored registry document, as every registry route
/// answers it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// `issuer`, `issuer_key`, `agreement` or `policy`.
    pub kind: String,
    /// Its identifier within the kind (keys: `<issuer>/<key_id>`).
    pub id: String,
    /// Its version, from 1 (policies: the policy's own `version`).
    pub version: u32,
    /// The document itself, as registered.
    pub body: Value,
    /// Its status.
    pub status: DocumentStatus,
    /// When this version was stored (RFC 3339).
    pub created_at: String,
    /// When its status last changed (RFC 3339).
    pub updated_at: String,
}

/// `GET /v1/{issuers,agreements,policies}/{id}`: every version, oldest
/// first, and the latest.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersions {
    /// The latest version.
    pub latest: Option<Document>,
    /// Every version, oldest first.
    pub versions: Vec<Document>,
}

/// `GET /v1/policies/{id}/audit`: a policy's latest version and its
/// minimisation audit (the policy crate's `AuditReport`; clients read it as
/// JSON: `policy_id`, `policy_version`, `score` 0–100, `attributes`,
/// `findings`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(bound = ""))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyAudit<A = Value> {
    /// The policy document.
    pub policy: Document,
    /// Its audit.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::AuditReportSchema))]
    pub audit: A,
}

/// `GET /v1/audit/policies`: the audit of every policy's latest version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(bound = ""))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyAudits<A = Value> {
    /// One per policy, by id.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<PolicyAudit>))]
    pub policies: Vec<PolicyAudit<A>>,
}

/// The three kinds of versioned registry documents with the same five
/// routes (list, get, create, new version, retire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// `/v1/issuers`.
    Issuer,
    /// `/v1/agreements`.
    Agreement,
    /// `/v1/policies`.
    Policy,
}

impl DocKind {
    /// The collection's path, e.g. `/v1/issuers`.
    pub fn path(self) -> &'static str {
        match self {
            DocKind::Issuer => "/v1/issuers",
            DocKind::Agreement => "/v1/agreements",
            DocKind::Policy => "/v1/policies",
        }
    }

    /// The storage kind, e.g. `issuer`.
    pub fn kind(self) -> &'static str {
        match self {
            DocKind::Issuer => "issuer",
            DocKind::Agreement => "agreement",
            DocKind::Policy => "policy",
        }
    }
}
