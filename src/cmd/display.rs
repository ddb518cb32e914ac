//! Rendering attribute values and credential types for people.

use std::fmt::Write as _;

use serde_json::Value;
use zkcred_credential::{Catalogue, CredentialType};

/// Text from a document, made safe for a terminal: control characters
/// (including escape sequences a crafted document could carry) are shown
/// escaped, everything else as is.
pub(crate) fn safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}') {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// An attribute value in its JSON form, for display: strings and dates
/// unquoted, bytes as hex, `null` as `(absent)`.
pub(crate) fn value(v: &Value) -> String {
    match v {
        Value::Null => "(absent)".into(),
        Value::String(s) => safe(s),
        other => safe(&other.to_string()),
    }
}

/// `居民身份证 Resident Identity Card (resident_id_card)`, or the bare
/// identifier for a type the catalogue does not know.
pub(crate) fn type_title(catalogue: &Catalogue, id: &str) -> String {
    match catalogue.get(id) {
        Some(t) => title(t),
        None => format!("{} (not in the catalogue)", safe(id)),
    }
}

/// `居民身份证 Resident Identity Card (resident_id_card)`.
pub(crate) fn title(t: &CredentialType) -> String {
    format!("{} {} ({})", t.name_zh, t.name_en, t.id)
}

/// Lines `  name  value  (label)`, names padded to a common width.
pub(crate) fn attribute_lines<'a>(
    t: Option<&CredentialType>,
    values: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> Vec<String> {
    let values: Vec<(&str, &Value)> = values.into_iter().collect();
    let width = values.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    values
        .iter()
        .map(|(name, v)| {
            let label = t
                .and_then(|t| t.attribute(name))
                .and_then(|a| a.label_zh.as_deref())
                .map(|l| format!("  ({l})"))
                .unwrap_or_default();
            format!("  {:<width$}  {}{label}", safe(name), value(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(safe("张三"), "张三");
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(value(&json!(null)), "(absent)");
        assert_eq!(value(&json!(12)), "12");
        assert_eq!(value(&json!("1990-05-17")), "1990-05-17");
    }

    #[test]
    fn attribute_lines_carry_chinese_labels() {
        let c = Catalogue::builtin();
        let t = c.get("resident_id_card");
        let name = json!("张三");
        let lines = attribute_lines(t, [("holder_name", &name)]);
        assert_eq!(lines, vec!["  holder_name  张三  (持证主体)".to_string()]);
        assert!(type_title(c, "nope").contains("not in the catalogue"));
    }
}
