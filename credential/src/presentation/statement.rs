//! Statements about a credential beyond plain disclosure: range predicates
//! over undisclosed dates and integers, and equality of undisclosed values
//! across the entries of one presentation. Their wire form, their digest
//! (bound into each entry's proof), and their resolution against the
//! catalogue into message indexes and integer bounds (see the module docs
//! of [`crate::presentation`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canonical::Canonical;
use crate::catalogue::{Catalogue, CredentialType};
use crate::encoding::{AttributeType, Date};
use crate::error::Error;
use crate::layout;

/// Most statements one requested or presented entry may carry.
pub const MAX_STATEMENTS_PER_ENTRY: usize = 8;

/// A statement about an undisclosed attribute, proven in zero knowledge
/// (JSON: an object tagged by `"kind"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Statement {
    /// `{"kind": "range", "attribute": …, "op": …, "value" | "min", "max": …}`:
    /// the attribute's hidden value lies within a bound.
    Range(RangeStatement),
    /// `{"kind": "equal", "attribute": …, "to": {"entry": n, "attribute": …}}`:
    /// the attribute's hidden value equals another entry's hidden value.
    Equal(EqualStatement),
}

/// The comparison of a [`RangeStatement`] (JSON: the symbol, or `between`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeOp {
    /// `>=`: value ≥ `value`.
    #[serde(rename = ">=")]
    Ge,
    /// `<=`: value ≤ `value`.
    #[serde(rename = "<=")]
    Le,
    /// `>`: value > `value`.
    #[serde(rename = ">")]
    Gt,
    /// `<`: value < `value`.
    #[serde(rename = "<")]
    Lt,
    /// `between`: `min` ≤ value ≤ `max` (both inclusive).
    #[serde(rename = "between")]
    Between,
}

impl RangeOp {
    /// The operator as written in JSON (`>=`, `<=`, `>`, `<`, `between`).
    pub fn symbol(self) -> &'static str {
        match self {
            RangeOp::Ge => ">=",
            RangeOp::Le => "<=",
            RangeOp::Gt => ">",
            RangeOp::Lt => "<",
            RangeOp::Between => "between",
        }
    }
}

impl fmt::Display for RangeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A range predicate over a `date` or `integer` attribute.
///
/// The bounds are JSON values of the attribute's type: `"YYYY-MM-DD"` for
/// dates, a JSON integer for integers. `>=`, `<=`, `>` and `<` take `value`;
/// `between` takes `min` and `max`, both inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeStatement {
    /// The attribute, by name.
    pub attribute: String,
    /// The comparison.
    pub op: RangeOp,
    /// The bound of `>=`, `<=`, `>`, `<`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The inclusive lower bound of `between`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Value>,
    /// The inclusive upper bound of `between`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
}

/// Another entry's attribute, the right-hand side of an [`EqualStatement`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryAttribute {
    /// The entry's position in the request (0-based), earlier than the
    /// statement's own entry.
    pub entry: u32,
    /// The attribute of that entry, by name.
    pub attribute: String,
}

/// Equality of two hidden values: `attribute` of this entry equals
/// `to.attribute` of the earlier entry `to.entry`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqualStatement {
    /// The attribute of this entry, by name.
    pub attribute: String,
    /// The earlier entry's attribute it equals.
    pub to: EntryAttribute,
}

impl RangeStatement {
    /// A one-sided statement `attribute op value` (`op` not `between`; use
    /// [`RangeStatement::between`] for that).
    pub fn bound(attribute: &str, op: RangeOp, value: Value) -> Self {
        RangeStatement {
            attribute: attribute.into(),
            op,
            value: Some(value),
            min: None,
            max: None,
        }
    }

    /// `min ≤ attribute ≤ max`.
    pub fn between(attribute: &str, min: Value, max: Value) -> Self {
        RangeStatement {
            attribute: attribute.into(),
            op: RangeOp::Between,
            value: None,
            min: Some(min),
            max: Some(max),
        }
    }

    /// The statement's inclusive bounds as integers of the attribute's
    /// scalar encoding (`date`: days since 1970-01-01, as in
    /// [`crate::encoding`]; `integer`: the value): `>` v gives min v+1, `<` v
    /// gives max v−1, `>=` and `<=` one bound, `between` both.
    ///
    /// # Errors
    /// [`Error::InvalidStatement`] when `attribute_type` is not `date` or
    /// `integer`; when a bound is missing, extra (`value` with `between`,
    /// `min`/`max` with the others), not of the type (a date that is not
    /// `YYYY-MM-DD` in 0001–9999, a number that is not an integer or
    /// outside `i64`); when `>`/`<` push it outside the type's range
    /// (dates: [`Date::MIN`]..=[`Date::MAX`]); when min > max.
    pub fn bounds(
        &self,
        attribute_type: AttributeType,
    ) -> Result<(Option<i64>, Option<i64>), Error> {
        let a = &self.attribute;
        let bad = |reason: String| Error::InvalidStatement(format!("range on {a:?}: {reason}"));
        let (lowest, highest) = match attribute_type {
            AttributeType::Date => (Date::MIN.days(), Date::MAX.days()),
            AttributeType::Integer => (i64::MIN, i64::MAX),
            other => {
                return Err(bad(format!(
                    "range statements apply to date and integer attributes, not {other}"
                )))
            }
        };
        let parse = |field: &str, v: &Option<Value>| -> Result<i64, Error> {
            let v = v
                .as_ref()
                .ok_or_else(|| bad(format!("{:?} needs \"{field}\"", self.op.symbol())))?;
            match attribute_type {
                AttributeType::Date => v
                    .as_str()
                    .and_then(Date::parse)
                    .map(Date::days)
                    .ok_or_else(|| bad(format!("\"{field}\" must be a date \"YYYY-MM-DD\""))),
                _ => v
                    .as_i64()
                    .ok_or_else(|| bad(format!("\"{field}\" must be an integer (64-bit)"))),
            }
        };
        let step = |v: Option<i64>, field: &str| {
            v.filter(|v| (lowest..=highest).contains(v)).ok_or_else(|| {
                bad(format!(
                    "{:?} \"{field}\" leaves no value of the {attribute_type} type",
                    self.op.symbol()
                ))
            })
        };
        let one_sided = || -> Result<i64, Error> {
            if self.min.is_some() || self.max.is_some() {
                return Err(bad(format!(
                    "{:?} takes \"value\", not \"min\"/\"max\"",
                    self.op.symbol()
                )));
            }
            parse("value", &self.value)
        };
        let (min, max) = match self.op {
            RangeOp::Ge => (Some(one_sided()?), None),
            RangeOp::Le => (None, Some(one_sided()?)),
            RangeOp::Gt => (Some(step(one_sided()?.checked_add(1), "value")?), None),
            RangeOp::Lt => (None, Some(step(one_sided()?.checked_sub(1), "value")?)),
            RangeOp::Between => {
                if self.value.is_some() {
                    return Err(bad(
                        "\"between\" takes \"min\" and \"max\", not \"value\"".into()
                    ));
                }
                let lo = parse("min", &self.min)?;
                let hi = parse("max", &self.max)?;
                if lo > hi {
                    return Err(bad("\"min\" is greater than \"max\"".into()));
                }
                (Some(lo), Some(hi))
            }
        };
        Ok((min, max))
    }
}

impl EqualStatement {
    /// `attribute` of this entry equals `other_attribute` of entry `entry`.
    pub fn new(attribute: &str, entry: u32, other_attribute: &str) -> Self {
        EqualStatement {
            attribute: attribute.into(),
            to: EntryAttribute {
                entry,
                attribute: other_attribute.into(),
            },
        }
    }
}

fn show(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "?".into(),
    }
}

impl Statement {
    /// The attribute of the statement's own entry it is about.
    pub fn attribute(&self) -> &str {
        match self {
            Statement::Range(r) => &r.attribute,
            Statement::Equal(e) => &e.attribute,
        }
    }

    /// The kind as written in JSON (`range`, `equal`).
    pub fn kind(&self) -> &'static str {
        match self {
            Statement::Range(_) => "range",
            Statement::Equal(_) => "equal",
        }
    }

    /// The statement in words, e.g. `birth_date <= 2008-11-29`,
    /// `penalty_points between 0 and 11`, `holder_id = entry 0's holder_id`
    /// (bounds are the verifier's, never a holder's value).
    pub fn describe(&self) -> String {
        match self {
            Statement::Range(r) if r.op == RangeOp::Between => format!(
                "{} between {} and {}",
                r.attribute,
                show(&r.min),
                show(&r.max)
            ),
            Statement::Range(r) => format!("{} {} {}", r.attribute, r.op, show(&r.value)),
            Statement::Equal(e) => format!(
                "{} = entry {}'s {}",
                e.attribute, e.to.entry, e.to.attribute
            ),
        }
    }
}

impl From<RangeStatement> for Statement {
    fn from(r: RangeStatement) -> Self {
        Statement::Range(r)
    }
}

impl From<EqualStatement> for Statement {
    fn from(e: EqualStatement) -> Self {
        Statement::Equal(e)
    }
}

/// A range statement resolved against the credential type of its entry:
/// what the range proof of that entry proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRange {
    /// The attribute, by name.
    pub attribute: String,
    /// Its message index in the type's layout ([`crate::layout`]).
    pub index: usize,
    /// Its type (`date` or `integer`).
    pub attribute_type: AttributeType,
    /// Inclusive lower bound on the message's integer (dates: days since
    /// 1970-01-01), if any.
    pub min: Option<i64>,
    /// Inclusive upper bound, if any.
    pub max: Option<i64>,
}

/// An equality statement resolved against the credential types of both
/// entries: message `index` of this entry equals message `other_index` of
/// entry `other_entry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedEqual {
    /// The message index in this entry's layout.
    pub index: usize,
    /// The earlier entry (0-based).
    pub other_entry: usize,
    /// The message index in the earlier entry's layout.
    pub other_index: usize,
}

fn invalid(entry: usize, s: &Statement, reason: impl fmt::Display) -> Error {
    Error::InvalidStatement(format!(
        "entry {entry}: {} statement on {:?}: {reason}",
        s.kind(),
        s.attribute().chars().take(64).collect::<String>()
    ))
}

/// The count and duplicate checks of one entry's statements.
pub(super) fn check_list(entry: usize, statements: &[Statement]) -> Result<(), Error> {
    if statements.len() > MAX_STATEMENTS_PER_ENTRY {
        return Err(Error::InvalidStatement(format!(
            "entry {entry}: {} statements, at most {MAX_STATEMENTS_PER_ENTRY}",
            statements.len()
        )));
    }
    for (i, s) in statements.iter().enumerate() {
        if statements[..i].contains(s) {
            return Err(invalid(entry, s, "listed twice"));
        }
    }
    Ok(())
}

/// Resolves a range statement of entry `entry` (of type `t`, disclosing
/// `disclose`).
pub(super) fn resolve_range(
    t: &CredentialType,
    entry: usize,
    disclose: &[String],
    s: &Statement,
    r: &RangeStatement,
) -> Result<ResolvedRange, Error> {
    let def = t.attribute(&r.attribute).ok_or_else(|| {
        invalid(
            entry,
            s,
            format_args!("credential type {} has no such attribute", t.id),
        )
    })?;
    if disclose.contains(&r.attribute) {
        return Err(invalid(entry, s, "the attribute is also disclosed"));
    }
    let (min, max) = r
        .bounds(def.ty)
        .map_err(|e| invalid(entry, s, format_args!("in {}: {e}", t.id)))?;
    let index = layout::message_index(t, &r.attribute)
        .ok_or_else(|| invalid(entry, s, "not in the layout"))?;
    Ok(ResolvedRange {
        attribute: r.attribute.clone(),
        index,
        attribute_type: def.ty,
        min,
        max,
    })
}

/// Resolves an equality statement of entry `entry` (of type `t`,
/// disclosing `disclose`) against the type `other` of entry `e.to.entry`.
pub(super) fn resolve_equal(
    t: &CredentialType,
    entry: usize,
    disclose: &[String],
    s: &Statement,
    e: &EqualStatement,
    other: &CredentialType,
) -> Result<ResolvedEqual, Error> {
    let other_entry = earlier_entry(entry, s, e)?;
    let def = t.attribute(&e.attribute).ok_or_else(|| {
        invalid(
            entry,
            s,
            format_args!("credential type {} has no such attribute", t.id),
        )
    })?;
    if disclose.contains(&e.attribute) {
        return Err(invalid(entry, s, "the attribute is also disclosed"));
    }
    let other_def = other.attribute(&e.to.attribute).ok_or_else(|| {
        invalid(
            entry,
            s,
            format_args!(
                "credential type {} of entry {other_entry} has no attribute {:?}",
                other.id,
                e.to.attribute.chars().take(64).collect::<String>()
            ),
        )
    })?;
    if def.ty != other_def.ty {
        return Err(invalid(
            entry,
            s,
            format_args!(
                "{} is {} in {}, {} is {} in {}: equality needs one attribute type",
                e.attribute, def.ty, t.id, e.to.attribute, other_def.ty, other.id
            ),
        ));
    }
    let index = layout::message_index(t, &e.attribute)
        .ok_or_else(|| invalid(entry, s, "not in the layout"))?;
    let other_index = layout::message_index(other, &e.to.attribute)
        .ok_or_else(|| invalid(entry, s, "not in the layout"))?;
    Ok(ResolvedEqual {
        index,
        other_entry,
        other_index,
    })
}

/// The earlier entry an equality statement of `entry` points to.
pub(super) fn earlier_entry(
    entry: usize,
    s: &Statement,
    e: &EqualStatement,
) -> Result<usize, Error> {
    usize::try_from(e.to.entry)
        .ok()
        .filter(|&o| o < entry)
        .ok_or_else(|| {
            invalid(
                entry,
                s,
                format_args!("\"to.entry\" {} is not an earlier entry", e.to.entry),
            )
        })
}

/// Resolves the statements of entry `entry_index`, answered with a
/// credential of `credential_type` that discloses `disclose`, where entry
/// `j < entry_index` is answered with a credential of type
/// `earlier_types[j]`: each range statement into its message index and
/// inclusive integer bounds ([`RangeStatement::bounds`]), each equality
/// statement into the two message indexes. This is what the prover and the
/// verifier of an entry's composite proof agree on.
///
/// Checks: at most [`MAX_STATEMENTS_PER_ENTRY`] statements, none twice;
/// every attribute in the layout of its entry's type and not disclosed by
/// this entry; range statements only on `date` and `integer` attributes,
/// with bounds as [`RangeStatement::bounds`] requires; equality only with
/// an earlier entry, between attributes of one attribute type.
///
/// # Errors
/// [`Error::UnknownCredentialType`] for a type not in the catalogue;
/// [`Error::InvalidStatement`] for a statement that breaks a check above,
/// including an equality statement whose earlier entry has no type in
/// `earlier_types`.
pub fn resolve_statements(
    catalogue: &Catalogue,
    credential_type: &str,
    entry_index: usize,
    statements: &[Statement],
    earlier_types: &[&str],
    disclose: &[String],
) -> Result<(Vec<ResolvedRange>, Vec<ResolvedEqual>), Error> {
    check_list(entry_index, statements)?;
    let lookup = |ty: &str| {
        catalogue
            .get(ty)
            .ok_or_else(|| Error::UnknownCredentialType(ty.chars().take(64).collect()))
    };
    let t = lookup(credential_type)?;
    let mut ranges = Vec::new();
    let mut equals = Vec::new();
    for s in statements {
        match s {
            Statement::Range(r) => ranges.push(resolve_range(t, entry_index, disclose, s, r)?),
            Statement::Equal(e) => {
                let other_entry = earlier_entry(entry_index, s, e)?;
                let other_ty = earlier_types.get(other_entry).ok_or_else(|| {
                    invalid(
                        entry_index,
                        s,
                        format_args!("no credential type given for entry {other_entry}"),
                    )
                })?;
                let other = lookup(other_ty)?;
                equals.push(resolve_equal(t, entry_index, disclose, s, e, other)?);
            }
        }
    }
    Ok((ranges, equals))
}

/// Writes `v` as JSON with object keys in sorted order (whatever the
/// `serde_json` map's own order), no whitespace.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_canonical(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Each statement's canonical JSON: serialised through `serde_json::Value`,
/// keys sorted, no whitespace, absent bounds left out.
pub(super) fn statements_json(statements: &[Statement]) -> Vec<String> {
    statements
        .iter()
        .map(|s| {
            let v = serde_json::to_value(s).unwrap_or(Value::Null);
            let mut out = String::new();
            write_canonical(&v, &mut out);
            out
        })
        .collect()
}

/// `SHA-256(canonical("ZKCRED-STATEMENTS-V1", u32 n, statement JSON…))`.
pub(super) fn statements_digest(statements: &[Statement]) -> [u8; 32] {
    let mut c = Canonical::new("ZKCRED-STATEMENTS-V1");
    let js = statements_json(statements);
    c.count(js.len());
    for j in &js {
        c.str(j);
    }
    c.digest()
}

/// Refuses any statement: what the proof layer does until it proves them.
///
/// # Errors
/// [`Error::UnsupportedStatement`] naming the first statement's kind.
pub(super) fn reject_statements(statements: &[Statement]) -> Result<(), Error> {
    match statements.first() {
        Some(s) => Err(Error::UnsupportedStatement(s.kind().into())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Statement, serde_json::Error> {
        serde_json::from_value(v)
    }

    fn days(s: &str) -> i64 {
        Date::parse(s).unwrap().days()
    }

    #[test]
    fn wire_forms_round_trip() {
        let r =
            json!({"kind": "range", "attribute": "birth_date", "op": "<=", "value": "2008-11-29"});
        let s = parse(r.clone()).unwrap();
        assert_eq!(
            s,
            Statement::Range(RangeStatement::bound(
                "birth_date",
                RangeOp::Le,
                json!("2008-11-29")
            ))
        );
        assert_eq!(serde_json::to_value(&s).unwrap(), r);
        let b = json!({"kind": "range", "attribute": "penalty_points", "op": "between", "min": 0, "max": 11});
        let s = parse(b.clone()).unwrap();
        assert_eq!(serde_json::to_value(&s).unwrap(), b);
        assert_eq!(s.describe(), "penalty_points between 0 and 11");
        let e = json!({"kind": "equal", "attribute": "holder_id", "to": {"entry": 0, "attribute": "holder_id"}});
        let s = parse(e.clone()).unwrap();
        assert_eq!(
            s,
            Statement::Equal(EqualStatement::new("holder_id", 0, "holder_id"))
        );
        assert_eq!(serde_json::to_value(&s).unwrap(), e);
        assert_eq!(s.describe(), "holder_id = entry 0's holder_id");
        for op in ["<", ">", ">=", "<="] {
            let v = json!({"kind": "range", "attribute": "a", "op": op, "value": 1});
            let s = parse(v).unwrap();
            assert!(matches!(&s, Statement::Range(r) if r.op.symbol() == op));
        }
    }

    #[test]
    fn bad_json_is_refused() {
        for v in [
            json!({"kind": "ranges", "attribute": "a", "op": "<", "value": 1}),
            json!({"attribute": "a", "op": "<", "value": 1}),
            json!({"kind": "range", "attribute": "a", "op": "=<", "value": 1}),
            json!({"kind": "range", "attribute": "a", "op": "<", "value": 1, "note": "x"}),
            json!({"kind": "range", "op": "<", "value": 1}),
            json!({"kind": "equal", "attribute": "a", "to": {"entry": -1, "attribute": "a"}}),
            json!({"kind": "equal", "attribute": "a", "to": {"entry": 0}}),
            json!({"kind": "equal", "attribute": "a", "to": {"entry": 0, "attribute": "a", "x": 1}}),
            json!({"kind": "equal", "attribute": "a", "to": {"entry": 0, "attribute": "a"}, "op": "<"}),
            json!("range"),
        ] {
            assert!(parse(v.clone()).is_err(), "{v}");
        }
    }

    #[test]
    fn bounds_at_inside_and_outside_the_type() {
        let b = |op, v: Value| RangeStatement::bound("d", op, v);
        let date = AttributeType::Date;
        let int = AttributeType::Integer;
        // One-sided: >= and <= as written, > and < one further.
        assert_eq!(
            b(RangeOp::Ge, json!("2008-11-29")).bounds(date).unwrap(),
            (Some(days("2008-11-29")), None)
        );
        assert_eq!(
            b(RangeOp::Le, json!("2008-11-29")).bounds(date).unwrap(),
            (None, Some(days("2008-11-29")))
        );
        assert_eq!(
            b(RangeOp::Gt, json!("2026-02-28")).bounds(date).unwrap(),
            (Some(days("2026-03-01")), None)
        );
        assert_eq!(
            b(RangeOp::Lt, json!("2024-03-01")).bounds(date).unwrap(),
            (None, Some(days("2024-02-29")))
        );
        assert_eq!(
            b(RangeOp::Lt, json!("1970-01-01")).bounds(date).unwrap(),
            (None, Some(-1))
        );
        // At the ends of the date range: >= and <= hold, > and < fall off.
        assert_eq!(
            b(RangeOp::Le, json!("9999-12-31")).bounds(date).unwrap(),
            (None, Some(Date::MAX.days()))
        );
        assert_eq!(
            b(RangeOp::Ge, json!("0001-01-01")).bounds(date).unwrap(),
            (Some(Date::MIN.days()), None)
        );
        assert!(b(RangeOp::Gt, json!("9999-12-31")).bounds(date).is_err());
        assert!(b(RangeOp::Lt, json!("0001-01-01")).bounds(date).is_err());
        assert!(b(RangeOp::Gt, json!("9999-12-30")).bounds(date).is_ok());
        // Integers: the i64 range.
        assert_eq!(
            b(RangeOp::Gt, json!(11)).bounds(int).unwrap(),
            (Some(12), None)
        );
        assert_eq!(
            b(RangeOp::Lt, json!(-3)).bounds(int).unwrap(),
            (None, Some(-4))
        );
        assert_eq!(
            b(RangeOp::Le, json!(i64::MAX)).bounds(int).unwrap(),
            (None, Some(i64::MAX))
        );
        assert!(b(RangeOp::Gt, json!(i64::MAX)).bounds(int).is_err());
        assert!(b(RangeOp::Lt, json!(i64::MIN)).bounds(int).is_err());
        assert!(b(RangeOp::Ge, json!(u64::MAX)).bounds(int).is_err());
        // Between: inclusive, min = max allowed, min > max refused.
        let w = |lo: Value, hi: Value| RangeStatement::between("d", lo, hi);
        assert_eq!(
            w(json!(3), json!(3)).bounds(int).unwrap(),
            (Some(3), Some(3))
        );
        assert!(w(json!(4), json!(3)).bounds(int).is_err());
        assert_eq!(
            w(json!("2000-02-29"), json!("2000-03-01"))
                .bounds(date)
                .unwrap(),
            (Some(days("2000-02-29")), Some(days("2000-03-01")))
        );
        assert!(w(json!("2000-03-01"), json!("2000-02-29"))
            .bounds(date)
            .is_err());
    }

    #[test]
    fn malformed_bounds_are_refused() {
        let date = AttributeType::Date;
        let int = AttributeType::Integer;
        let cases: Vec<(RangeStatement, AttributeType)> = vec![
            (
                RangeStatement::bound("d", RangeOp::Le, json!("2001-02-29")),
                date,
            ),
            (
                RangeStatement::bound("d", RangeOp::Le, json!("20010228")),
                date,
            ),
            (
                RangeStatement::bound("d", RangeOp::Le, json!(20010228)),
                date,
            ),
            (
                RangeStatement::bound("d", RangeOp::Le, json!("0000-01-01")),
                date,
            ),
            (RangeStatement::bound("n", RangeOp::Le, json!(1.5)), int),
            (RangeStatement::bound("n", RangeOp::Le, json!(1e3)), int),
            (RangeStatement::bound("n", RangeOp::Le, json!("12")), int),
            (RangeStatement::bound("n", RangeOp::Le, json!(null)), int),
            (RangeStatement::bound("n", RangeOp::Le, json!(true)), int),
            (RangeStatement::bound("n", RangeOp::Between, json!(1)), int),
            (
                RangeStatement::between("n", json!(1), json!(2)),
                AttributeType::String,
            ),
            (
                RangeStatement::bound("n", RangeOp::Le, json!(1)),
                AttributeType::Boolean,
            ),
            (
                RangeStatement::bound("n", RangeOp::Le, json!("a")),
                AttributeType::String,
            ),
        ];
        for (r, ty) in cases {
            assert!(
                matches!(r.bounds(ty), Err(Error::InvalidStatement(_))),
                "{r:?} {ty}"
            );
        }
        let mut r = RangeStatement::bound("n", RangeOp::Le, json!(1));
        r.min = Some(json!(0));
        assert!(r.bounds(int).is_err(), "min with <=");
        let mut r = RangeStatement::between("n", json!(1), json!(2));
        r.max = None;
        assert!(r.bounds(int).is_err(), "between without max");
    }

    fn s(v: Value) -> Statement {
        parse(v).unwrap()
    }

    #[test]
    fn resolution_against_the_catalogue() {
        let c = Catalogue::builtin();
        let dl = c.get("drivers_license").unwrap();
        let stmts = vec![
            s(
                json!({"kind": "range", "attribute": "birth_date", "op": "<=", "value": "2008-11-29"}),
            ),
            s(
                json!({"kind": "range", "attribute": "penalty_points", "op": "between", "min": 0, "max": 11}),
            ),
            s(
                json!({"kind": "equal", "attribute": "holder_id", "to": {"entry": 0, "attribute": "holder_id"}}),
            ),
        ];
        let disclose = vec!["vehicle_class".to_string()];
        let (ranges, equals) = resolve_statements(
            c,
            "drivers_license",
            1,
            &stmts,
            &["resident_id_card"],
            &disclose,
        )
        .unwrap();
        assert_eq!(
            ranges,
            vec![
                ResolvedRange {
                    attribute: "birth_date".into(),
                    index: layout::message_index(dl, "birth_date").unwrap(),
                    attribute_type: AttributeType::Date,
                    min: None,
                    max: Some(days("2008-11-29")),
                },
                ResolvedRange {
                    attribute: "penalty_points".into(),
                    index: layout::message_index(dl, "penalty_points").unwrap(),
                    attribute_type: AttributeType::Integer,
                    min: Some(0),
                    max: Some(11),
                }
            ]
        );
        let id = c.get("resident_id_card").unwrap();
        assert_eq!(
            equals,
            vec![ResolvedEqual {
                index: layout::message_index(dl, "holder_id").unwrap(),
                other_entry: 0,
                other_index: layout::message_index(id, "holder_id").unwrap(),
            }]
        );
        let err =
            |stmts: &[Statement], ty: &str, entry: usize, earlier: &[&str], disclose: &[String]| {
                match resolve_statements(c, ty, entry, stmts, earlier, disclose) {
                    Err(Error::InvalidStatement(m)) => m,
                    other => panic!("{stmts:?}: {other:?}"),
                }
            };
        // Unknown attribute.
        let m = err(
            &[s(
                json!({"kind": "range", "attribute": "age", "op": ">=", "value": 18}),
            )],
            "drivers_license",
            0,
            &[],
            &[],
        );
        assert!(m.contains("no such attribute"), "{m}");
        // Range on a string attribute.
        let m = err(
            &[s(
                json!({"kind": "range", "attribute": "vehicle_class", "op": ">=", "value": "C1"}),
            )],
            "drivers_license",
            0,
            &[],
            &[],
        );
        assert!(m.contains("date and integer"), "{m}");
        // A date bound on an integer attribute.
        err(
            &[s(
                json!({"kind": "range", "attribute": "penalty_points", "op": "<=", "value": "2000-01-01"}),
            )],
            "drivers_license",
            0,
            &[],
            &[],
        );
        // Both disclosed and proven.
        let m = err(
            &stmts[..1],
            "drivers_license",
            0,
            &[],
            &["birth_date".to_string()],
        );
        assert!(m.contains("also disclosed"), "{m}");
        // Equality with itself or a later entry.
        let m = err(
            &stmts[2..],
            "drivers_license",
            0,
            &["resident_id_card"],
            &[],
        );
        assert!(m.contains("not an earlier entry"), "{m}");
        // Equality across attribute types: holder_id (string) = birth_date (date).
        let cross = s(
            json!({"kind": "equal", "attribute": "holder_id", "to": {"entry": 0, "attribute": "birth_date"}}),
        );
        let m = err(&[cross], "drivers_license", 1, &["resident_id_card"], &[]);
        assert!(m.contains("one attribute type"), "{m}");
        // The other entry's attribute must exist in its type.
        let missing = s(
            json!({"kind": "equal", "attribute": "address", "to": {"entry": 0, "attribute": "registered_address"}}),
        );
        let m = err(
            std::slice::from_ref(&missing),
            "drivers_license",
            1,
            &["resident_id_card"],
            &[],
        );
        assert!(m.contains("has no attribute \"registered_address\""), "{m}");
        // Another name of the same type in a type that has it: fine.
        assert!(resolve_statements(
            c,
            "drivers_license",
            1,
            &[missing],
            &["household_register"],
            &[]
        )
        .is_ok());
        // Too many, and twice.
        let many: Vec<Statement> = (0..9)
            .map(|i| {
                s(json!({"kind": "range", "attribute": "penalty_points", "op": "<=", "value": i}))
            })
            .collect();
        let m = err(&many, "drivers_license", 0, &[], &[]);
        assert!(m.contains("at most 8"), "{m}");
        assert!(resolve_statements(c, "drivers_license", 0, &many[..8], &[], &[]).is_ok());
        let m = err(
            &[stmts[0].clone(), stmts[0].clone()],
            "drivers_license",
            0,
            &[],
            &[],
        );
        assert!(m.contains("twice"), "{m}");
        assert!(matches!(
            resolve_statements(c, "no_such_type", 0, &[], &[], &[]),
            Err(Error::UnknownCredentialType(_))
        ));
    }

    #[test]
    fn digest_is_canonical_and_changes_with_any_statement() {
        let a = s(
            json!({"kind": "range", "attribute": "birth_date", "op": "<=", "value": "2008-11-29"}),
        );
        // Keys are sorted whatever the order written.
        assert_eq!(
            statements_json(std::slice::from_ref(&a)),
            vec![
                r#"{"attribute":"birth_date","kind":"range","op":"<=","value":"2008-11-29"}"#
                    .to_string()
            ]
        );
        let base = statements_digest(std::slice::from_ref(&a));
        let variants = [
            json!({"kind": "range", "attribute": "birth_date", "op": "<=", "value": "2008-11-28"}),
            json!({"kind": "range", "attribute": "birth_date", "op": "<", "value": "2008-11-29"}),
            json!({"kind": "range", "attribute": "issue_date", "op": "<=", "value": "2008-11-29"}),
            json!({"kind": "range", "attribute": "birth_date", "op": "between", "min": "2008-11-29", "max": "2008-11-29"}),
        ];
        for v in variants {
            assert_ne!(statements_digest(&[s(v.clone())]), base, "{v}");
        }
        assert_ne!(statements_digest(&[]), base);
        assert_ne!(statements_digest(&[a.clone(), a.clone()]), base);
        let e0 = s(
            json!({"kind": "equal", "attribute": "holder_id", "to": {"entry": 0, "attribute": "holder_id"}}),
        );
        let e1 = s(
            json!({"kind": "equal", "attribute": "holder_id", "to": {"entry": 1, "attribute": "holder_id"}}),
        );
        assert_ne!(
            statements_digest(std::slice::from_ref(&e0)),
            statements_digest(&[e1])
        );
        assert_ne!(
            statements_digest(&[a.clone(), e0.clone()]),
            statements_digest(&[e0, a])
        );
    }
}
