//! The verifier service's HTTP API as data: the request and response bodies
//! of every route, and the RFC 9457 problem document every error is.
//!
//! The service (`zkcred-service`) serialises these types in its handlers and
//! its clients deserialise the same types, so the two cannot drift. With the
//! cargo feature `client`, [`client::Client`] drives the API over HTTP; with
//! `openapi`, every type derives its `utoipa` schema (see `openapi`), from
//! which the service generates its OpenAPI document.
//!
//! | route | body | answer |
//! | --- | --- | --- |
//! | `GET /healthz` | | [`Health`] |
//! | `POST /v1/challenges` | [`ChallengeRequest`] | 201 [`IssuedChallenge`] |
//! | `POST /v1/presentations` | [`Submission`] | [`Accepted`] (refusals are problems) |
//! | `POST /v1/presentations/batch` | [`BatchRequest`] | [`BatchResponse`] |
//! | `GET /v1/{issuers,agreements,policies}` | | `Vec<`[`Document`]`>` (latest versions) |
//! | `GET /v1/{…}/{id}` | | [`DocumentVersions`] |
//! | `POST /v1/{…}`, `POST /v1/{…}/{id}/versions` | the document (JSON) | 201 [`Document`] |
//! | `POST /v1/{…}/{id}/retire` | | [`Document`] |
//! | `GET /v1/issuers/{id}/keys` | | `Vec<`[`Document`]`>` |
//! | `POST /v1/issuers/{id}/keys[/rotate]` | a public key document (`<key_id>.public.json`) | 201 [`Document`] |
//! | `POST /v1/issuers/{id}/keys/{key_id}/revoke` | | [`Document`] |
//! | `GET /v1/policies/{id}/audit` | | [`PolicyAudit`] |
//! | `GET /v1/audit/policies` | | [`PolicyAudits`] |
//! | `GET /v1/log/head` | | [`LogHead`] |
//! | `POST /v1/log/head` | | 201 [`SignedTreeHead`](zkcred_translog::SignedTreeHead) |
//! | `GET /v1/log/records` | query [`RecordsQuery`] | [`LogRecords`] |
//! | `GET /v1/log/inclusion` | query [`InclusionQuery`] | [`InclusionProof`] |
//! | `GET /v1/log/consistency` | query [`ConsistencyQuery`] | [`ConsistencyProof`] |
//! | `GET /v1/log/export` | | [`LogExport`](zkcred_translog::LogExport), streamed |
//! | `POST /v1/registry/status-epochs` | a status epoch document (`zkcred-status-epoch`) | 201 (200 if stored before) [`StatusEpochSummary`] |
//! | `GET /v1/status-epochs/{issuer}/{credential_type}` | | the highest stored status epoch document |
//!
//! Every error is a [`ProblemDocument`] (`application/problem+json`).

mod log;
mod problem;
mod registry;
mod status;
mod verify;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "openapi")]
pub mod openapi;

pub use log::{
    ConsistencyProof, ConsistencyQuery, InclusionProof, InclusionQuery, LogEntry, LogHead,
    LogRecords, RecordsQuery, DEFAULT_RECORDS, MAX_RECORDS,
};
pub use problem::{ProblemDocument, Reason, PROBLEM_JSON};
pub use registry::{
    DocKind, Document, DocumentStatus, DocumentVersions, PolicyAudit, PolicyAudits,
};
pub use status::{status_epoch_path, StatusEpochSummary, STATUS_EPOCHS_PATH};
pub use verify::{
    decision_path, Accepted, BatchRequest, BatchResponse, BatchResult, ChallengeRequest,
    DisclosedOut, Health, HeldDecision, IssuedChallenge, LinkOutcome, PredicateOutcome, Submission,
};

/// The port `zkcred serve` listens on by default.
pub const DEFAULT_PORT: u16 = 8750;
