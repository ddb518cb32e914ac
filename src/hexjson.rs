//! Field readers for the IETF fixture JSON format: octet strings as hex,
//! lists of them, lists of indexes.
//!
//! Every reader names the field in its error, and a field that is present
//! with the wrong type is an error, never read as absent. `null` counts as
//! absent. The `_or_empty` readers apply the draft's default (the empty
//! octet string or list) to an absent optional field.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// The field `key` of `v`: `None` when absent or `null`.
fn present<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn decode(s: &str, what: &str) -> Result<Vec<u8>> {
    hex::decode(s).with_context(|| format!("{what} is not hex"))
}

/// The required string field `key` of `v`, decoded from hex.
///
/// # Errors
/// When the field is absent, not a string, or not hex; the message names it.
pub fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>> {
    opt_hex_field(v, key)?.ok_or_else(|| anyhow!("missing string field `{key}`"))
}

/// The optional string field `key` of `v`, decoded from hex: `None` when
/// absent or `null`.
///
/// # Errors
/// When the field is present but not a hex string; the message names it.
pub fn opt_hex_field(v: &Value, key: &str) -> Result<Option<Vec<u8>>> {
    match present(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => decode(s, &format!("field `{key}`")).map(Some),
        Some(other) => bail!("field `{key}` must be a hex string, found {}", kind(other)),
    }
}

/// The optional string field `key` of `v` decoded from hex, or the empty
/// octet string when absent (the draft's default for `header` and `ph`).
///
/// # Errors
/// As [`opt_hex_field`].
pub fn hex_field_or_empty(v: &Value, key: &str) -> Result<Vec<u8>> {
    Ok(opt_hex_field(v, key)?.unwrap_or_default())
}

/// The required array of hex strings `key` of `v`, decoded.
///
/// # Errors
/// When absent, not an array, or an element is not a hex string (named by
/// its position).
pub fn hex_array(v: &Value, key: &str) -> Result<Vec<Vec<u8>>> {
    match present(v, key) {
        None => bail!("missing array field `{key}`"),
        Some(_) => hex_array_or_empty(v, key),
    }
}

/// The optional array of hex strings `key` of `v`, decoded; empty when
/// absent (the draft's default for `messages`).
///
/// # Errors
/// As [`hex_array`], but absence is not an error.
pub fn hex_array_or_empty(v: &Value, key: &str) -> Result<Vec<Vec<u8>>> {
    let Some(x) = present(v, key) else {
        return Ok(Vec::new());
    };
    let arr = x
        .as_array()
        .ok_or_else(|| anyhow!("field `{key}` must be an array, found {}", kind(x)))?;
    arr.iter()
        .enumerate()
        .map(|(i, m)| {
            let s = m
                .as_str()
                .ok_or_else(|| anyhow!("`{key}[{i}]` must be a hex string, found {}", kind(m)))?;
            decode(s, &format!("`{key}[{i}]`"))
        })
        .collect()
}

/// The optional array of non-negative integers `key` of `v`; empty when
/// absent (the draft's default for `disclosedIndexes`). Order is kept: the
/// caller decides whether it must be ascending.
///
/// # Errors
/// When present but not an array, or an element is not a non-negative
/// integer (named by its position).
pub fn index_array_or_empty(v: &Value, key: &str) -> Result<Vec<usize>> {
    let Some(x) = present(v, key) else {
        return Ok(Vec::new());
    };
    let arr = x
        .as_array()
        .ok_or_else(|| anyhow!("field `{key}` must be an array, found {}", kind(x)))?;
    arr.iter()
        .enumerate()
        .map(|(i, n)| {
            n.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| anyhow!("`{key}[{i}]` must be a non-negative integer"))
        })
        .collect()
}

/// The optional string field `key` of `v`.
///
/// # Errors
/// When present but not a string.
pub fn opt_str_field<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>> {
    match present(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => bail!("field `{key}` must be a string, found {}", kind(other)),
    }
}

/// The JSON type of `v`, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn present_fields_of_the_wrong_type_are_errors_naming_the_field() {
        let v = json!({"publicKey": 12, "messages": ["00", 7], "idx": [1, -1], "h": "zz"});
        let e = opt_hex_field(&v, "publicKey").unwrap_err().to_string();
        assert!(e.contains("`publicKey`") && e.contains("a number"), "{e}");
        let e = hex_array_or_empty(&v, "messages").unwrap_err().to_string();
        assert!(e.contains("`messages[1]`"), "{e}");
        let e = index_array_or_empty(&v, "idx").unwrap_err().to_string();
        assert!(e.contains("`idx[1]`"), "{e}");
        let e = format!("{:#}", hex_field(&v, "h").unwrap_err());
        assert!(e.contains("`h`") && e.contains("not hex"), "{e}");
    }

    #[test]
    fn absent_and_null_optional_fields_take_the_draft_defaults() {
        let v = json!({"header": null});
        assert_eq!(hex_field_or_empty(&v, "header").unwrap(), Vec::<u8>::new());
        assert!(hex_array_or_empty(&v, "messages").unwrap().is_empty());
        assert!(index_array_or_empty(&v, "disclosedIndexes")
            .unwrap()
            .is_empty());
        assert!(hex_field(&v, "header").is_err());
        assert!(hex_array(&v, "messages").is_err());
        // Order is the caller's to judge.
        let v = json!({"i": [25, 14]});
        assert_eq!(index_array_or_empty(&v, "i").unwrap(), vec![25, 14]);
    }
}
