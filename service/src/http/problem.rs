//! RFC 9457 problem documents: every error the API returns is
//! `application/problem+json` with `type`, `title`, `status`, `detail` and a
//! stable machine-readable `code` (the `type` is `urn:zkcred:problem:<code>`).
//!
//! A problem that a wait can mend (429 `rate_limited`,
//! `challenge_quota_exceeded`; 503 `challenge_capacity_exceeded`) carries
//! the wait in whole seconds twice: as the `Retry-After` header (RFC 9110
//! §10.2.3) and as the document's `retry_after` member.
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

    /// Tells the client to wait `wait` before retrying: the `retry_after`
    /// member (and so the `Retry-After` header) in whole seconds, rounded
    /// up, at least 1.
    pub fn retry_after(self, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.with(RETRY_AFTER, secs.max(1))
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
        let retry_after = self.extensions.get(RETRY_AFTER).and_then(Value::as_u64);
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
        if let Some(secs) = retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
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
            // The database is gone for now (its cause is logged, not
            // shown): a 503 the client retries, not an internal error.
            crate::Error::Storage(crate::storage::StorageError::Unavailable(cause)) => {
                tracing::warn!(%cause, "storage unavailable");
                Problem::new(code, "storage is unavailable; retry later")
                    .retry_after(std::time::Duration::from_secs(1))
            }
            _ if code.status() < 500 => Problem::new(code, e.to_string()),
            _ => Problem::internal(&e),
        }
    }
}

/// The extension member (and header) of [`Problem::retry_after`].
const RETRY_AFTER: &str = "retry_after";

/// The problem for a refused or unissuable challenge, with `Retry-After`
/// when waiting can help ([`crate::challenge::ChallengeError::retry_after`]).
pub fn challenge_problem(e: &crate::challenge::ChallengeError) -> Problem {
    let p = Problem::new(e.code(), e.to_string());
    match e.retry_after() {
        Some(wait) => p.retry_after(wait),
        None => p,
    }
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
        assert!(r.headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn retry_after_is_a_header_and_a_member_in_whole_seconds() {
        use std::time::Duration;
        for (wait, secs) in [
            (Duration::from_micros(1), 1),
            (Duration::from_secs(2), 2),
            (Duration::from_millis(2001), 3),
        ] {
            let p = Problem::new(ProblemCode::RateLimited, "slow down").retry_after(wait);
            assert_eq!(p.to_json()["retry_after"], secs);
            let r = p.into_response();
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(r.headers()[header::RETRY_AFTER], secs.to_string().as_str());
        }
        let quota = challenge_problem(&crate::challenge::ChallengeError::QuotaExceeded);
        assert_eq!(quota.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(quota.to_json()["retry_after"], 1);
        let full = challenge_problem(&crate::challenge::ChallengeError::CapacityExceeded);
        assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(full.to_json()["retry_after"], 1);
        let replayed = challenge_problem(&crate::challenge::ChallengeError::Replayed);
        assert!(replayed.to_json().get("retry_after").is_none());
    }
}
