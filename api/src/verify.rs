//! Challenges and presentations.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zkcred_credential::{Presentation, PresentationRequest};
use zkcred_translog::PolicyRef;

use crate::ProblemDocument;

/// `GET /healthz`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok` (an unhealthy service answers 503 `unhealthy`).
    pub status: String,
    /// Records in the disclosure log.
    pub log_size: u64,
    /// Whether proofs are verified in micro-batches.
    pub batching: bool,
    /// The storage backend, `sqlite` or `postgres`, which answered.
    #[serde(default)]
    pub storage: String,
    /// The challenge store, `in-process` or `redis`, which answered.
    #[serde(default)]
    pub challenge_store: String,
}

/// `POST /v1/challenges` body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The policy the verifier will judge the presentation under.
    pub policy: String,
}

/// `POST /v1/challenges` answer (201).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedChallenge {
    /// The policy and its version in force.
    pub policy: PolicyRef,
    /// The presentation request to hand to the holder (its `challenge` is
    /// the one-time nonce, hex); signed, with the verifier's registration,
    /// when the service has the verifier's request key.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PresentationRequestSchema))]
    pub request: PresentationRequest,
    /// When the challenge stops being accepted (RFC 3339).
    pub expires_at: String,
}

/// `POST /v1/presentations` body (and one item of a batch).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The policy the challenge was issued for.
    pub policy: String,
    /// The request as issued.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PresentationRequestSchema))]
    pub request: PresentationRequest,
    /// The holder's presentation.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PresentationSchema))]
    pub presentation: Presentation,
}

/// What an accepted decision returns for one requirement of the policy.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosedOut {
    /// The policy requirement.
    pub requirement: String,
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// The values the policy returns, by name (`null`: an absent optional
    /// attribute); values disclosed only for predicates are not returned.
    pub attributes: Map<String, Value>,
    /// Each predicate of the requirement and how it was met (never the
    /// value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicates: Vec<PredicateOutcome>,
    /// The epoch of the issuer's status list the licence was proven valid
    /// in (policies with a `status` requirement only). The disclosure log
    /// records it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_epoch: Option<u64>,
}

/// A predicate's outcome in an accepted decision.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateOutcome {
    /// The predicate in words, with the bound applied
    /// (`birth_date at least 18 years before 2026-11-29`).
    pub predicate: String,
    /// `satisfied` (an accepted decision has no other).
    pub status: String,
    /// `proven` (a zero-knowledge range proof: the value was never
    /// disclosed) or `disclosed` (checked from a disclosed value, or from
    /// the disclosed absence of an optional attribute).
    pub established: String,
}

/// A link's outcome in an accepted decision: the attribute's hidden values
/// were proven equal across the requirements.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOutcome {
    /// The attribute.
    pub attribute: String,
    /// The linked requirements.
    pub requirements: Vec<String>,
    /// `proven`.
    pub status: String,
}

/// `POST /v1/presentations` answer: an accepted decision. Refusals are
/// problem documents with `decision: "refused"`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// Always `accepted`.
    pub decision: String,
    /// Always `ok`.
    pub reason: String,
    /// The policy version applied.
    pub policy: PolicyRef,
    /// The decision's record in the disclosure log.
    pub log_sequence: u64,
    /// What the presentation disclosed.
    pub credentials: Vec<DisclosedOut>,
    /// The policy's links, each proven.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkOutcome>,
    /// The holder's pseudonym for the policy's context (policies with a
    /// `pseudonym` only): hex of a compressed BLS12-381 G1 point, 96
    /// characters. The same holder gets the same pseudonym in this context
    /// every time, unlinkable ones in others; the verifier may key its own
    /// records by it. Never written to the disclosure log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
}

/// `POST /v1/presentations/batch` body: 1 to `limits.batch_items`
/// submissions, each judged on its own. Items are kept as JSON so that a
/// malformed one is refused alone.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The submissions (`Submission` documents).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Submission>, min_items = 1))]
    pub items: Vec<Value>,
}

impl BatchRequest {
    /// A batch of well-formed submissions.
    pub fn of(items: &[Submission]) -> Result<Self, serde_json::Error> {
        Ok(BatchRequest {
            items: items
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The outcome of one item of a batch: its HTTP status and either the
/// decision or the problem.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    /// What `POST /v1/presentations` would have answered.
    pub status: u16,
    /// The accepted decision (status 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Accepted>,
    /// The problem (any other status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<ProblemDocument>,
}

/// `POST /v1/presentations/batch` answer: one result per item, in order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// The results.
    pub results: Vec<BatchResult>,
}

/// The path of the decision held for `challenge` (its 64 hex digits):
/// `/v1/presentations/decisions/{challenge}`.
pub fn decision_path(challenge: &str) -> String {
    format!("/v1/presentations/decisions/{challenge}")
}

/// `GET /v1/presentations/decisions/{challenge}` answer: the decision on
/// the presentation that consumed the challenge, for a client that did not
/// get its answer (a timeout, a dropped connection). The service holds it,
/// in memory only, for `[decisions] retention_secs` after the challenge was
/// consumed (see the service's README).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldDecision {
    /// `pending` (status 202: still being decided; ask again) or `decided`
    /// (status 200).
    pub state: String,
    /// The decision, when `decided`: the status and body that `POST
    /// /v1/presentations` answered, the same as a batch item's result (a
    /// refusal's problem carries `decision` and `log_sequence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<BatchResult>,
}

impl HeldDecision {
    /// `state` while the decision is being taken.
    pub const PENDING: &'static str = "pending";
    /// `state` once it is taken.
    pub const DECIDED: &'static str = "decided";

    /// Whether the decision is taken.
    pub fn is_decided(&self) -> bool {
        self.state == Self::DECIDED
    }
}
