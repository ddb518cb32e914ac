//! RFC 9457 problem documents: every error the API returns is
//! `application/problem+json` with `type`, `title`, `status`, `detail` and a
//! stable machine-readable `code` (the `type` is `urn:zkcred:problem:<code>`).
//!
//! Details name what was wrong (a field, an attribute *name*, an issuer
//! identifier) but never carry an attribute value, a proof or a token.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
pub use zkcred_api::{ProblemDocument, PROBLEM_JSON};

/// An API error; see the module documentation.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `challenge_replayed`.
    pub code: &'static str,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Extension members (e.g. `decision`, `log_sequence`).
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with `status`, `code` and `detail`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            code,
            detail: detail.into(),
            extensions: Map::new(),
        }
    }

    /// 400 `malformed_json`.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "malformed_json", detail)
    }

    /// 400 `invalid_request` (well-formed JSON, unusable content).
    pub fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }

    /// 404 with a specific code.
    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 500 `internal_error`; the cause goes to the log, not to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the service failed to handle the request; see its log",
        )
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.into(), value.into());
        self
    }

    /// The short, occurrence-independent title of the code.
    pub fn title(&self) -> &'static str {
        title(self.code)
    }

    /// The problem document.
    pub fn document(&self) -> ProblemDocument {
        ProblemDocument {
            extensions: self.extensions.clone(),
            ..ProblemDocument::new(self.status.as_u16(), self.code, self.title(), &self.detail)
        }
    }

    /// The problem document as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.document()).unwrap_or(Value::Null)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let mut r = (self.status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zkcred\""),
            );
        }
        r
    }
}

impl From<crate::Error> for Problem {
    fn from(e: crate::Error) -> Self {
        use crate::storage::StorageError as S;
        match &e {
            crate::Error::Challenge(c) => challenge_problem(c),
            crate::Error::Proof(p) => {
                Problem::new(StatusCode::BAD_REQUEST, p.code(), p.to_string())
            }
            crate::Error::Storage(S::RangeOutOfBounds { .. }) => {
                Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string())
            }
            crate::Error::Storage(S::DocumentNotFound) => {
                Problem::not_found("document_not_found", "no such document")
            }
            crate::Error::Storage(S::VersionConflict { .. }) => {
                Problem::new(StatusCode::CONFLICT, e.code(), e.to_string())
            }
            crate::Error::Storage(S::InvalidDocument(_) | S::InvalidRecord(_)) => {
                Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string())
            }
            crate::Error::Storage(s @ S::Database(_)) if s.code() == "storage_busy" => {
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_busy",
                    "storage is busy; retry",
                )
            }
            _ => Problem::internal(&e),
        }
    }
}

/// The problem for a refused or unissuable challenge.
pub fn challenge_problem(e: &crate::challenge::ChallengeError) -> Problem {
    use crate::challenge::ChallengeError as C;
    let status = match e {
        C::Replayed => StatusCode::CONFLICT,
        C::Expired => StatusCode::GONE,
        C::WrongVerifier => StatusCode::FORBIDDEN,
        C::Unknown | C::WrongPolicy => StatusCode::UNPROCESSABLE_ENTITY,
        C::Malformed => StatusCode::BAD_REQUEST,
        C::CapacityExceeded => StatusCode::SERVICE_UNAVAILABLE,
    };
    Problem::new(status, e.code(), e.to_string())
}

fn title(code: &str) -> &'static str {
    match code {
        "unauthorized" => "Missing or unknown bearer token",
        "forbidden" => "The token's role may not do this",
        "malformed_json" => "The body is not valid JSON of the expected shape",
        "invalid_request" => "The request cannot be used",
        "body_too_large" => "The body exceeds the size limit",
        "timeout" => "The request took too long",
        "overloaded" => "The service is overloaded; retry later",
        "not_found" => "No such resource",
        "method_not_allowed" => "Method not allowed on this resource",
        "policy_not_found" => "No such policy",
        "policy_retired" => "The policy is retired",
        "issuer_not_found" => "No such issuer",
        "key_not_found" => "No such issuer key",
        "agreement_not_found" => "No such agreement",
        "document_not_found" => "No such document",
        "already_exists" => "The resource already exists",
        "challenge_unknown" => "Unknown challenge",
        "challenge_expired" => "The challenge has expired",
        "challenge_replayed" => "The challenge was already used",
        "challenge_wrong_verifier" => "The challenge was issued to another verifier",
        "challenge_wrong_policy" => "The challenge was issued for another policy",
        "challenge_malformed" => "Malformed challenge",
        "challenge_capacity_exceeded" => "Too many outstanding challenges",
        "request_not_from_policy" => "The request is not one the policy makes",
        "missing_required" => "A required attribute is not disclosed",
        "not_recognised" => "The credential is not recognised under the trust registry",
        "predicate_not_satisfied" => "A condition of the policy is not met",
        "issuer_invalid" | "agreement_invalid" | "policy_invalid" | "key_invalid" => {
            "The document is refused by the trust registry or policy rules"
        }
        "proof_invalid" => "A presentation proof does not verify",
        "proof_malformed" => "A presentation proof cannot be decoded",
        "over_disclosure" => "Attributes were disclosed that the policy does not ask for",
        "missing_disclosure" => "A requested attribute is not disclosed",
        "unknown_issuer" => "The issuer is not in the trust registry",
        "unknown_key" => "The issuer key is not in the trust registry",
        "key_revoked" => "The issuer key is revoked",
        "issuer_not_accepted" => "The issuer is not accepted by the policy",
        "policy_unsatisfied" => "The presentation does not satisfy the policy",
        "internal_error" => "Internal error",
        _ => "The presentation or request was refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_shape() {
        let p = Problem::new(StatusCode::CONFLICT, "challenge_replayed", "used")
            .with("decision", "refused");
        let j = p.to_json();
        assert_eq!(j["type"], "urn:zkcred:problem:challenge_replayed");
        assert_eq!(j["status"], 409);
        assert_eq!(j["code"], "challenge_replayed");
        assert_eq!(j["title"], "The challenge was already used");
        assert_eq!(j["decision"], "refused");
        let r = p.into_response();
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
