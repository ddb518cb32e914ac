//! Statements about a credential beyond plain disclosure, and their digest
//! (the extension point for composite proofs; see the module docs of
//! [`crate::presentation`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::Canonical;
use crate::error::Error;

/// A statement about a credential beyond plain disclosure (an extension
/// point: this version defines no kinds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// The statement kind, e.g. a later `range`.
    pub kind: String,
    /// The kind's parameters.
    #[serde(flatten)]
    pub params: serde_json::Map<String, Value>,
}

pub(super) fn statements_json(statements: &[Statement]) -> Vec<String> {
    statements
        .iter()
        .map(|s| {
            // serde_json's map is sorted, so this is a canonical form.
            let v = serde_json::to_value(s).unwrap_or(Value::Null);
            v.to_string()
        })
        .collect()
}

pub(super) fn statements_digest(statements: &[Statement]) -> [u8; 32] {
    let mut c = Canonical::new("ZKCRED-STATEMENTS-V1");
    let js = statements_json(statements);
    c.count(js.len());
    for j in &js {
        c.str(j);
    }
    c.digest()
}

pub(super) fn reject_statements(statements: &[Statement]) -> Result<(), Error> {
    match statements.first() {
        Some(s) => Err(Error::UnsupportedStatement(
            s.kind.chars().take(64).collect(),
        )),
        None => Ok(()),
    }
}
