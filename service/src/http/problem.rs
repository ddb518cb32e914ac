//! RFC 9457 problem documents: every error the API returns is
//! `application/problem+json` with `type`, `title`, `status`, `detail` and a
//! stable machine-readable `code` (the `type` is `urn:zkcred:problem:<code>`).
//!
//! Details name what was wrong (a field, an attribute *name*, an issuer
//! identifier) but never carry an attribute value, a proof or a token.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use zkcred_problem::ProblemCode;

pub use zkcred_api::{ProblemDocument, PROBLEM_JSON};

/// An API error; see the module documentation.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The code; the status and title follow from it.
    pub code: ProblemCode,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Extension members (e.g. `decision`, `log_sequence`).
    pub extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with `code` and `detail`.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Problem {
            code,
            detail: detail.into(),
            extensions: Map::new(),
        }
    }

    /// 400 `malformed_json`.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Problem::new(ProblemCode::MalformedJson, detail)
    }

    /// 400 `invalid_request` (well-formed JSON, unusable content).
    pub fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(ProblemCode::InvalidRequest, detail)
    }

    /// 500 `internal_error`; the cause goes to the log, not to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Problem::new(
            ProblemCode::InternalError,
            "the service failed to handle the request; see its log",
        )
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.into(), value.into());
        self
    }

    /// The HTTP status, from the code's table entry.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The short, occurrence-independent title of the code.
    pub fn title(&self) -> &'static str {
        self.code.title()
    }

    /// The problem document.
    pub fn document(&self) -> ProblemDocument {
        ProblemDocument {
            extensions: self.extensions.clone(),
            ..ProblemDocument::from_code(self.code, self.detail.clone())
        }
    }

    /// The problem document as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.document()).unwrap_or(Value::Null)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = self.to_json().to_string();
        let mut r = (status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zkcred\""),
            );
        }
        r
    }
}

impl From<crate::Error> for Problem {
    /// Client-caused errors carry their code and message; the service's own
    /// failures become `internal_error` with the cause logged.
    fn from(e: crate::Error) -> Self {
        let code = e.code();
        match &e {
            crate::Error::Storage(crate::storage::StorageError::DocumentNotFound) => {
                Problem::new(code, "no such document")
            }
            crate::Error::Storage(crate::storage::StorageError::Database(_))
                if code == ProblemCode::StorageBusy =>
            {
                Problem::new(code, "storage is busy; retry")
            }
            _ if code.status() < 500 => Problem::new(code, e.to_string()),
            _ => Problem::internal(&e),
        }
    }
}

/// The problem for a refused or unissuable challenge.
pub fn challenge_problem(e: &crate::challenge::ChallengeError) -> Problem {
    Problem::new(e.code(), e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_shape() {
        let p = Problem::new(ProblemCode::ChallengeReplayed, "used").with("decision", "refused");
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
