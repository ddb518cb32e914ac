//! RFC 9457 problem documents.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zkcred_problem::ProblemCode;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document: every error the API returns.
///
/// `type` is `urn:zkcred:problem:<code>`; `code` is the stable
/// machine-readable code (e.g. `challenge_replayed`); `detail` names what was
/// wrong (a field, an attribute *name*), never a value, proof or token.
/// Refused presentations carry the extensions `decision` (`"refused"`),
/// `log_sequence` (the refusal's record in the disclosure log) and, for
/// policy refusals, `reasons`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDocument {
    /// `urn:zkcred:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short, occurrence-independent title of the code.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::problem_code))]
    pub code: String,
    /// Extension members (`decision`, `log_sequence`, `reasons`, …).
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::problem_extensions))]
    pub extensions: Map<String, Value>,
}

/// One reason of a policy refusal (extension `reasons`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code, e.g. `missing_required`.
    pub code: String,
    /// Explanation (names, never values).
    pub detail: String,
}

impl ProblemDocument {
    /// The document's code as a [`ProblemCode`]; `None` for a code this
    /// version does not know (a newer service may send one).
    pub fn problem_code(&self) -> Option<ProblemCode> {
        self.code.parse().ok()
    }

    /// The document for `code` (status and title from its table entry).
    pub fn from_code(code: ProblemCode, detail: impl Into<String>) -> Self {
        ProblemDocument::new(code.status(), code.as_str(), code.title(), detail)
    }

    /// A problem with `status`, `code`, `title` and `detail`.
    pub fn new(status: u16, code: &str, title: &str, detail: impl Into<String>) -> Self {
        ProblemDocument {
            type_: format!("urn:zkcred:problem:{code}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            code: code.to_owned(),
            extensions: Map::new(),
        }
    }

    /// Extension `decision`: `Some("refused")` when the problem is a logged
    /// refusal of a presentation.
    pub fn decision(&self) -> Option<&str> {
        self.extensions.get("decision").and_then(Value::as_str)
    }

    /// Extension `log_sequence`: the refusal's record in the disclosure log.
    pub fn log_sequence(&self) -> Option<u64> {
        self.extensions.get("log_sequence").and_then(Value::as_u64)
    }

    /// Extension `reasons` (policy refusals), empty when absent.
    pub fn reasons(&self) -> Vec<Reason> {
        self.extensions
            .get("reasons")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default()
    }

    /// Whether this is a refusal of a presentation recorded in the log (a
    /// verdict, not a failure to handle the request).
    pub fn is_refusal(&self) -> bool {
        self.decision() == Some("refused")
    }
}

impl std::fmt::Display for ProblemDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.code, self.detail)
    }
}

impl std::error::Error for ProblemDocument {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_flattened_both_ways() {
        let mut p = ProblemDocument::new(422, "key_revoked", "The issuer key is revoked", "no");
        p.extensions.insert("decision".into(), "refused".into());
        p.extensions.insert("log_sequence".into(), 7.into());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "urn:zkcred:problem:key_revoked");
        assert_eq!(v["log_sequence"], 7);
        let back: ProblemDocument = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        assert!(back.is_refusal());
        assert_eq!(back.log_sequence(), Some(7));
        assert!(back.reasons().is_empty());
    }
}
