//! Small helpers for the hex strings of the IETF fixture JSON format.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

/// The string field `key` of `v`, decoded from hex.
pub fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>> {
    let s = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing string field `{key}`"))?;
    hex::decode(s).with_context(|| format!("field `{key}` is not hex"))
}

/// The string field `key` of `v` decoded from hex, or empty when absent.
pub fn hex_field_or_empty(v: &Value, key: &str) -> Result<Vec<u8>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => hex_field(v, key),
    }
}

/// The array of hex strings `key` of `v`, decoded.
pub fn hex_array(v: &Value, key: &str) -> Result<Vec<Vec<u8>>> {
    let arr = v
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("missing array field `{key}`"))?;
    arr.iter()
        .enumerate()
        .map(|(i, m)| {
            let s = m
                .as_str()
                .ok_or_else(|| anyhow!("`{key}[{i}]` is not a string"))?;
            hex::decode(s).with_context(|| format!("`{key}[{i}]` is not hex"))
        })
        .collect()
}

/// The array of non-negative integers `key` of `v`.
pub fn index_array(v: &Value, key: &str) -> Result<Vec<usize>> {
    let arr = v
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("missing array field `{key}`"))?;
    arr.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| anyhow!("`{key}[{i}]` is not a non-negative integer"))
        })
        .collect()
}
