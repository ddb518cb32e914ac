//! Predicates: conditions on an attribute that a policy needs to hold without
//! needing the value.
//!
//! | `op` | attribute type | holds when (D = presentation date, China Standard Time) |
//! | --- | --- | --- |
//! | `at_least_before` | date | value ≤ D − offset (e.g. `birth_date`, 18 years: aged 18 or more) |
//! | `at_most_before` | date | value ≥ D − offset (e.g. `issue_date`, 90 days: issued in the last 90 days) |
//! | `after` | date | value > D + offset (e.g. `valid_until`: still valid) |
//! | `at_least` / `at_most` | integer | value ≥ / ≤ `value` |
//! | `equals` | string, integer, boolean | value = `value` |
//! | `one_of` | string, integer | value ∈ `values` |
//!
//! Offsets are `years`, `months` and `days` (each 0 or more, applied in that
//! order; a day that does not exist in the target month clamps to the month's
//! last day, so 18 years before 2026-02-28 of someone born 2008-02-29 counts
//! as 2008-02-28 and that person is not yet 18). `if_absent` (`fail` by
//! default, or `pass`) decides an optional attribute that the credential does
//! not carry, e.g. `valid_until` of a license without expiry.
//!
//! # How predicates are established
//!
//! A request built from a policy ([`crate::Policy::request`]) turns each
//! date and integer predicate into a `range` statement the holder proves in
//! zero knowledge: the value itself never leaves the wallet. The bound is
//! the verifier's, computed from the request instant's date `D` in China
//! Standard Time with the offset rules above ([`Predicate::statement`]):
//!
//! | predicate | statement |
//! | --- | --- |
//! | `at_least_before` offset | `<=` D − offset |
//! | `at_most_before` offset (and `max_credential_age_days` n: `issue_date` `>=` D − n days) | `>=` D − offset |
//! | `after` offset | `>` D + offset |
//! | `at_least` n / `at_most` n | `>=` n / `<=` n |
//!
//! `equals` and `one_of` are not proven: a proof that a value equals a
//! public constant (or one of a few) tells the verifier the value all the
//! same, so the attribute is disclosed to the policy engine, which checks
//! it and discards it (it is never returned). A predicate over an attribute
//! the requirement discloses anyway is checked from the disclosed value.
//!
//! At evaluation ([`crate::evaluate`]) a proven statement establishes a
//! predicate when its bound is at least as strict as the predicate's bound
//! on the *presentation* date ([`Predicate::proven_by`]). A request made
//! just before midnight and answered after it is judged by the next day's
//! bound: an upper bound (an age) only gets stricter with time and still
//! passes; a lower bound (still valid, issued recently) is one day short
//! and the predicate is unproven: make a new request.
//!
//! An optional attribute the credential does not carry (a long-term card's
//! `valid_until`) cannot be proven in range; the holder discloses it as
//! `null` instead, and `if_absent` decides, as for a disclosed value.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use zkcred_credential::{AttributeType, AttributeValue, RangeOp, RangeStatement};

use crate::clock::{days_since_epoch, format_date, from_time_date, parse_date, to_time_date};

/// A predicate's date bound outside the dates a credential can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnrepresentableBound;

impl std::fmt::Display for UnrepresentableBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the bound is outside 0001-01-01..=9999-12-31")
    }
}

impl std::error::Error for UnrepresentableBound {}

/// A calendar offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offset {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Days.
    pub days: u32,
}

impl Offset {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (n, unit) in [
            (self.years, "year"),
            (self.months, "month"),
            (self.days, "day"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            }
        }
        parts.join(" ")
    }

    fn is_zero(&self) -> bool {
        self.years == 0 && self.months == 0 && self.days == 0
    }

    /// `d` shifted by this offset, backwards (`back`) or forwards; `None` if
    /// out of the representable range.
    pub fn shift(&self, d: Date, back: bool) -> Option<Date> {
        let months = i64::from(self.years) * 12 + i64::from(self.months);
        let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1;
        let target = if back { total - months } else { total + months };
        let year = i32::try_from(target.div_euclid(12)).ok()?;
        let month = time::Month::try_from(u8::try_from(target.rem_euclid(12) + 1).ok()?).ok()?;
        let day = d.day().min(time::util::days_in_month(month, year));
        let m = Date::from_calendar_date(year, month, day).ok()?;
        let days = time::Duration::days(i64::from(self.days));
        if back {
            m.checked_sub(days)
        } else {
            m.checked_add(days)
        }
    }
}

/// What to decide when an optional attribute is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IfAbsent {
    /// The predicate fails.
    #[default]
    Fail,
    /// The predicate holds.
    Pass,
}

/// A predicate's condition (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// value ≤ D − offset.
    AtLeastBefore(Offset),
    /// value ≥ D − offset.
    AtMostBefore(Offset),
    /// value > D + offset.
    After(Offset),
    /// value ≥ n.
    AtLeast(i64),
    /// value ≤ n.
    AtMost(i64),
    /// value ∈ set (`equals` is a set of one).
    OneOf(Vec<AttributeValue>),
}

/// A declared predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// The attribute it is about.
    pub attribute: String,
    /// The condition.
    pub condition: Condition,
    /// Decision for an absent optional attribute.
    pub if_absent: IfAbsent,
}

/// The operators of the file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Date: at least an offset before the presentation date.
    AtLeastBefore,
    /// Date: at most an offset before the presentation date.
    AtMostBefore,
    /// Date: after the presentation date plus an offset.
    After,
    /// Integer lower bound.
    AtLeast,
    /// Integer upper bound.
    AtMost,
    /// Equality.
    Equals,
    /// Membership.
    OneOf,
}

/// A predicate as written in a policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredicateSpec {
    /// The attribute.
    pub attribute: String,
    /// The operator.
    pub op: Op,
    /// Offset years (date operators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u32>,
    /// Offset months (date operators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// Offset days (date operators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// The bound or value (`at_least`, `at_most`, `equals`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The allowed values (`one_of`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// Decision for an absent optional attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_absent: Option<IfAbsent>,
}

/// A problem with a predicate spec: the offending member and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The member of the predicate object at fault.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

fn spec_err(field: &'static str, message: impl Into<String>) -> SpecError {
    SpecError {
        field,
        message: message.into(),
    }
}

/// Most years an offset may span (ages, validity periods).
pub const MAX_OFFSET_YEARS: u32 = 150;

impl PredicateSpec {
    /// Checks the spec against the attribute's type and builds the predicate.
    ///
    /// # Errors
    /// A [`SpecError`] naming the member at fault: an operator that does not
    /// apply to `ty`, an offset on a non-date operator, a missing or malformed
    /// value, or an offset beyond [`MAX_OFFSET_YEARS`].
    pub fn build(&self, ty: AttributeType) -> Result<Predicate, SpecError> {
        let is_date_op = matches!(self.op, Op::AtLeastBefore | Op::AtMostBefore | Op::After);
        let has_offset = self.years.is_some() || self.months.is_some() || self.days.is_some();
        if !is_date_op && has_offset {
            return Err(spec_err(
                "op",
                "years, months and days apply to date operators only",
            ));
        }
        if is_date_op && (self.value.is_some() || self.values.is_some()) {
            return Err(spec_err(
                "value",
                "date operators take years, months and days",
            ));
        }
        let offset = Offset {
            years: self.years.unwrap_or(0),
            months: self.months.unwrap_or(0),
            days: self.days.unwrap_or(0),
        };
        if offset.years > MAX_OFFSET_YEARS
            || offset.months > 12 * MAX_OFFSET_YEARS
            || offset.days > 366 * MAX_OFFSET_YEARS
        {
            return Err(spec_err(
                "years",
                format!("offsets are limited to {MAX_OFFSET_YEARS} years"),
            ));
        }
        let need = |t: AttributeType| -> Result<(), SpecError> {
            if ty == t {
                Ok(())
            } else {
                Err(spec_err(
                    "op",
                    format!(
                        "{:?} needs a {t} attribute, {:?} is {ty}",
                        self.op, self.attribute
                    ),
                ))
            }
        };
        let int_value = |v: &Option<Value>| -> Result<i64, SpecError> {
            v.as_ref()
                .and_then(Value::as_i64)
                .ok_or_else(|| spec_err("value", "an integer value is required"))
        };
        let condition = match self.op {
            Op::AtLeastBefore => {
                need(AttributeType::Date)?;
                Condition::AtLeastBefore(offset)
            }
            Op::AtMostBefore => {
                need(AttributeType::Date)?;
                if offset.is_zero() {
                    return Err(spec_err("op", "at_most_before needs a non-zero offset"));
                }
                Condition::AtMostBefore(offset)
            }
            Op::After => {
                need(AttributeType::Date)?;
                Condition::After(offset)
            }
            Op::AtLeast | Op::AtMost => {
                need(AttributeType::Integer)?;
                if self.values.is_some() {
                    return Err(spec_err("values", "at_least and at_most take one value"));
                }
                let n = int_value(&self.value)?;
                if self.op == Op::AtLeast {
                    Condition::AtLeast(n)
                } else {
                    Condition::AtMost(n)
                }
            }
            Op::Equals | Op::OneOf => {
                let raw: Vec<&Value> = match (self.op, &self.value, &self.values) {
                    (Op::Equals, Some(v), None) => vec![v],
                    (Op::OneOf, None, Some(vs)) if !vs.is_empty() => vs.iter().collect(),
                    (Op::Equals, _, _) => {
                        return Err(spec_err("value", "equals takes exactly one value"))
                    }
                    _ => return Err(spec_err("values", "one_of takes a non-empty values list")),
                };
                if !matches!(
                    ty,
                    AttributeType::String | AttributeType::Integer | AttributeType::Boolean
                ) {
                    return Err(spec_err(
                        "op",
                        format!(
                            "{:?} applies to string, integer and boolean attributes",
                            self.op
                        ),
                    ));
                }
                let mut set = Vec::with_capacity(raw.len());
                for v in raw {
                    let parsed = AttributeValue::from_json(&self.attribute, ty, v)
                        .ok()
                        .flatten()
                        .ok_or_else(|| {
                            spec_err(
                                if self.op == Op::Equals {
                                    "value"
                                } else {
                                    "values"
                                },
                                format!("{v} is not a {ty} value"),
                            )
                        })?;
                    if set.contains(&parsed) {
                        return Err(spec_err("values", format!("{v} listed twice")));
                    }
                    set.push(parsed);
                }
                Condition::OneOf(set)
            }
        };
        Ok(Predicate {
            attribute: self.attribute.clone(),
            condition,
            if_absent: self.if_absent.unwrap_or_default(),
        })
    }
}

fn show(v: &AttributeValue) -> String {
    v.to_json().to_string()
}

impl Predicate {
    /// A sentence describing the predicate (never a credential's value).
    pub fn describe(&self) -> String {
        let a = &self.attribute;
        let base = match &self.condition {
            Condition::AtLeastBefore(o) if o.is_zero() => {
                format!("{a} on or before the presentation date")
            }
            Condition::AtLeastBefore(o) => {
                format!("{a} at least {} before the presentation date", o.describe())
            }
            Condition::AtMostBefore(o) => {
                format!("{a} at most {} before the presentation date", o.describe())
            }
            Condition::After(o) if o.is_zero() => format!("{a} after the presentation date"),
            Condition::After(o) => {
                format!("{a} more than {} after the presentation date", o.describe())
            }
            Condition::AtLeast(n) => format!("{a} at least {n}"),
            Condition::AtMost(n) => format!("{a} at most {n}"),
            Condition::OneOf(vs) if vs.len() == 1 => format!("{a} equals {}", show(&vs[0])),
            Condition::OneOf(vs) => format!(
                "{a} one of {}",
                vs.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
        };
        match self.if_absent {
            IfAbsent::Fail => base,
            IfAbsent::Pass => format!("{base} (or absent)"),
        }
    }

    /// Whether only a disclosed value can establish the predicate
    /// (`equals`, `one_of`: see the module docs).
    pub fn needs_value(&self) -> bool {
        matches!(self.condition, Condition::OneOf(_))
    }

    /// The attribute type a range statement for this predicate is over
    /// (`date` or `integer`), or `None` for `equals` and `one_of`.
    pub fn range_type(&self) -> Option<AttributeType> {
        match self.condition {
            Condition::AtLeastBefore(_) | Condition::AtMostBefore(_) | Condition::After(_) => {
                Some(AttributeType::Date)
            }
            Condition::AtLeast(_) | Condition::AtMost(_) => Some(AttributeType::Integer),
            Condition::OneOf(_) => None,
        }
    }

    /// The range statement that proves this predicate on date `today` (the
    /// request date, China Standard Time; see the table in the module
    /// docs), or `Ok(None)` for `equals` and `one_of`, which are not proven.
    ///
    /// # Errors
    /// [`UnrepresentableBound`] when the date bound falls outside
    /// 0001-01-01..=9999-12-31 (no credential date compares with it).
    pub fn statement(&self, today: Date) -> Result<Option<RangeStatement>, UnrepresentableBound> {
        let date = |d: Option<Date>| -> Result<Value, UnrepresentableBound> {
            let d = d.ok_or(UnrepresentableBound)?;
            from_time_date(d).ok_or(UnrepresentableBound)?;
            Ok(Value::String(format_date(d)))
        };
        let a = &self.attribute;
        let s = match &self.condition {
            Condition::AtLeastBefore(o) => {
                RangeStatement::bound(a, RangeOp::Le, date(o.shift(today, true))?)
            }
            Condition::AtMostBefore(o) => {
                RangeStatement::bound(a, RangeOp::Ge, date(o.shift(today, true))?)
            }
            Condition::After(o) => {
                let bound = o.shift(today, false);
                // `>` D+o needs a date after it.
                date(bound.and_then(Date::next_day))?;
                RangeStatement::bound(a, RangeOp::Gt, date(bound)?)
            }
            Condition::AtLeast(n) => RangeStatement::bound(a, RangeOp::Ge, Value::from(*n)),
            Condition::AtMost(n) => RangeStatement::bound(a, RangeOp::Le, Value::from(*n)),
            Condition::OneOf(_) => return Ok(None),
        };
        Ok(Some(s))
    }

    /// Whether a proven range with inclusive integer bounds `min`, `max`
    /// (as [`RangeStatement::bounds`] gives them: dates as days since
    /// 1970-01-01) establishes the predicate on presentation date `today`:
    /// every value the proof allows satisfies the predicate.
    pub fn proven_by(&self, min: Option<i64>, max: Option<i64>, today: Date) -> bool {
        match &self.condition {
            Condition::AtLeastBefore(o) => match (max, o.shift(today, true)) {
                (Some(m), Some(b)) => m <= days_since_epoch(b),
                _ => false,
            },
            Condition::AtMostBefore(o) => match (min, o.shift(today, true)) {
                (Some(m), Some(b)) => m >= days_since_epoch(b),
                // Nothing is older than the representable range.
                (_, None) => true,
                (None, Some(_)) => false,
            },
            Condition::After(o) => match (min, o.shift(today, false)) {
                (Some(m), Some(b)) => m > days_since_epoch(b),
                _ => false,
            },
            Condition::AtLeast(n) => min.is_some_and(|m| m >= *n),
            Condition::AtMost(n) => max.is_some_and(|m| m <= *n),
            Condition::OneOf(_) => false,
        }
    }

    /// Whether the predicate holds for `value` on presentation date `today`.
    pub fn holds(&self, value: Option<&AttributeValue>, today: Date) -> bool {
        let Some(value) = value else {
            return self.if_absent == IfAbsent::Pass;
        };
        match (&self.condition, value) {
            (Condition::AtLeastBefore(o), AttributeValue::Date(d)) => {
                match (to_time_date(*d), o.shift(today, true)) {
                    (Some(v), Some(bound)) => v <= bound,
                    // The bound is before the representable range: nothing is that old.
                    (Some(_), None) => false,
                    _ => false,
                }
            }
            (Condition::AtMostBefore(o), AttributeValue::Date(d)) => {
                match (to_time_date(*d), o.shift(today, true)) {
                    (Some(v), Some(bound)) => v >= bound,
                    (Some(_), None) => true,
                    _ => false,
                }
            }
            (Condition::After(o), AttributeValue::Date(d)) => {
                match (to_time_date(*d), o.shift(today, false)) {
                    (Some(v), Some(bound)) => v > bound,
                    _ => false,
                }
            }
            (Condition::AtLeast(n), AttributeValue::Integer(v)) => v >= n,
            (Condition::AtMost(n), AttributeValue::Integer(v)) => v <= n,
            (Condition::OneOf(set), v) => set.contains(v),
            _ => false,
        }
    }
}

/// Checks that the predicates on one attribute can hold together. Date
/// predicates are checked on every presentation date of a four-year leap
/// cycle (calendar offsets vary with the date); returns a description of the
/// conflict.
///
/// # Errors
/// A description of the conflict when no value satisfies every predicate.
pub fn check_consistent(preds: &[&Predicate]) -> Result<(), String> {
    let names = || {
        preds
            .iter()
            .map(|p| p.describe())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    // Integer and set conditions.
    let mut lo = i64::MIN;
    let mut hi = i64::MAX;
    let mut set: Option<Vec<AttributeValue>> = None;
    let mut dated = false;
    for p in preds {
        match &p.condition {
            Condition::AtLeast(n) => lo = lo.max(*n),
            Condition::AtMost(n) => hi = hi.min(*n),
            Condition::OneOf(vs) => {
                set = Some(match set {
                    None => vs.clone(),
                    Some(s) => s.into_iter().filter(|v| vs.contains(v)).collect(),
                })
            }
            _ => dated = true,
        }
    }
    if lo > hi {
        return Err(format!("no value satisfies {}", names()));
    }
    if let Some(s) = &set {
        let fits = s.iter().any(|v| match v {
            AttributeValue::Integer(n) => (lo..=hi).contains(n),
            _ => true,
        });
        if !fits {
            return Err(format!("no value satisfies {}", names()));
        }
    }
    if dated {
        let start = parse_date("2024-01-01").ok_or("calendar")?;
        for i in 0..1461 {
            let today = start + time::Duration::days(i);
            let mut low: Option<Date> = None; // inclusive
            let mut high: Option<Date> = None; // inclusive
            for p in preds {
                let (bound, is_low) = match &p.condition {
                    Condition::AtLeastBefore(o) => (o.shift(today, true), false),
                    Condition::AtMostBefore(o) => (o.shift(today, true), true),
                    Condition::After(o) => (o.shift(today, false).and_then(|d| d.next_day()), true),
                    _ => continue,
                };
                let Some(b) = bound else { continue };
                if is_low {
                    low = Some(low.map_or(b, |l| l.max(b)));
                } else {
                    high = Some(high.map_or(b, |h| h.min(b)));
                }
            }
            if let (Some(l), Some(h)) = (low, high) {
                if l > h {
                    return Err(format!(
                        "no date satisfies {} (e.g. on presentation date {})",
                        names(),
                        format_date(today)
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Value) -> PredicateSpec {
        serde_json::from_value(v).unwrap()
    }

    fn date(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn d(s: &str) -> AttributeValue {
        AttributeValue::Date(zkcred_credential::Date::parse(s).unwrap())
    }

    #[test]
    fn age_threshold_is_exact_to_the_day() {
        let p = spec(json!({"attribute": "birth_date", "op": "at_least_before", "years": 18}))
            .build(AttributeType::Date)
            .unwrap();
        let today = date("2026-03-01");
        assert!(p.holds(Some(&d("2008-03-01")), today));
        assert!(!p.holds(Some(&d("2008-03-02")), today));
        assert!(p.holds(Some(&d("1950-01-01")), today));
        assert!(!p.holds(None, today));
        // Born on 29 February: 18 only on 1 March of a common year.
        assert!(!p.holds(Some(&d("2008-02-29")), date("2026-02-28")));
        assert!(p.holds(Some(&d("2008-02-29")), date("2026-03-01")));
        assert_eq!(
            p.describe(),
            "birth_date at least 18 years before the presentation date"
        );
    }

    #[test]
    fn freshness_and_validity() {
        let recent = spec(json!({"attribute": "issue_date", "op": "at_most_before", "days": 90}))
            .build(AttributeType::Date)
            .unwrap();
        let today = date("2026-03-01");
        assert!(recent.holds(Some(&d("2025-12-01")), today));
        assert!(!recent.holds(Some(&d("2025-11-30")), today));
        let valid = spec(json!({"attribute": "valid_until", "op": "after", "if_absent": "pass"}))
            .build(AttributeType::Date)
            .unwrap();
        assert!(valid.holds(Some(&d("2026-03-02")), today));
        assert!(!valid.holds(Some(&d("2026-03-01")), today));
        assert!(valid.holds(None, today));
        let margin = spec(json!({"attribute": "valid_until", "op": "after", "months": 1}))
            .build(AttributeType::Date)
            .unwrap();
        assert!(!margin.holds(Some(&d("2026-04-01")), today));
        assert!(margin.holds(Some(&d("2026-04-02")), today));
        // Month-end clamping going forwards.
        assert_eq!(
            Offset {
                years: 0,
                months: 1,
                days: 0
            }
            .shift(date("2026-01-31"), false),
            Some(date("2026-02-28"))
        );
    }

    #[test]
    fn integer_and_set_conditions() {
        let p = spec(json!({"attribute": "penalty_points", "op": "at_most", "value": 11}))
            .build(AttributeType::Integer)
            .unwrap();
        assert!(p.holds(Some(&AttributeValue::Integer(11)), date("2026-03-01")));
        assert!(!p.holds(Some(&AttributeValue::Integer(12)), date("2026-03-01")));
        let s = spec(json!({"attribute": "vehicle_class", "op": "one_of", "values": ["C1", "C2"]}))
            .build(AttributeType::String)
            .unwrap();
        assert!(s.holds(
            Some(&AttributeValue::String("C2".into())),
            date("2026-03-01")
        ));
        assert!(!s.holds(
            Some(&AttributeValue::String("A1".into())),
            date("2026-03-01")
        ));
        assert_eq!(s.describe(), "vehicle_class one of \"C1\", \"C2\"");
    }

    #[test]
    fn specs_that_do_not_fit_their_attribute() {
        let cases = [
            (
                json!({"attribute": "sex", "op": "after"}),
                AttributeType::String,
                "op",
            ),
            (
                json!({"attribute": "birth_date", "op": "at_least", "value": 3}),
                AttributeType::Date,
                "op",
            ),
            (
                json!({"attribute": "n", "op": "at_least", "value": "3"}),
                AttributeType::Integer,
                "value",
            ),
            (
                json!({"attribute": "n", "op": "at_least", "days": 3, "value": 3}),
                AttributeType::Integer,
                "op",
            ),
            (
                json!({"attribute": "d", "op": "after", "value": 3}),
                AttributeType::Date,
                "value",
            ),
            (
                json!({"attribute": "d", "op": "at_most_before"}),
                AttributeType::Date,
                "op",
            ),
            (
                json!({"attribute": "d", "op": "after", "years": 1000}),
                AttributeType::Date,
                "years",
            ),
            (
                json!({"attribute": "s", "op": "one_of", "values": []}),
                AttributeType::String,
                "values",
            ),
            (
                json!({"attribute": "s", "op": "one_of", "values": ["a", "a"]}),
                AttributeType::String,
                "values",
            ),
            (
                json!({"attribute": "s", "op": "equals", "value": 1}),
                AttributeType::String,
                "value",
            ),
            (
                json!({"attribute": "b", "op": "one_of", "values": ["x"]}),
                AttributeType::Bytes,
                "op",
            ),
        ];
        for (v, ty, field) in cases {
            let e = spec(v.clone()).build(ty).unwrap_err();
            assert_eq!(e.field, field, "{v}: {}", e.message);
        }
        assert!(
            serde_json::from_value::<PredicateSpec>(json!({"attribute": "a", "op": "older"}))
                .is_err()
        );
        assert!(serde_json::from_value::<PredicateSpec>(
            json!({"attribute": "a", "op": "after", "weeks": 1})
        )
        .is_err());
    }

    fn stmt(p: &Predicate, today: &str) -> Value {
        serde_json::to_value(p.statement(date(today)).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn statements_follow_the_offset_rules_including_leap_days() {
        let b = |v: Value, ty| spec(v).build(ty).unwrap();
        let adult = b(
            json!({"attribute": "birth_date", "op": "at_least_before", "years": 18}),
            AttributeType::Date,
        );
        let want = |op: &str, v: Value| json!({"attribute": "birth_date", "op": op, "value": v});
        assert_eq!(stmt(&adult, "2026-11-29"), want("<=", json!("2008-11-29")));
        // The day before a leap day's anniversary in a common year: the
        // 29 February 2008 child is not yet covered.
        assert_eq!(stmt(&adult, "2026-02-28"), want("<=", json!("2008-02-28")));
        assert_eq!(stmt(&adult, "2026-03-01"), want("<=", json!("2008-03-01")));
        // 18 years before a leap day lands on a common year's 28 February.
        assert_eq!(stmt(&adult, "2028-02-29"), want("<=", json!("2010-02-28")));
        let recent = b(
            json!({"attribute": "issue_date", "op": "at_most_before", "years": 1}),
            AttributeType::Date,
        );
        assert_eq!(
            stmt(&recent, "2024-02-29"),
            json!({"attribute": "issue_date", "op": ">=", "value": "2023-02-28"})
        );
        let days = b(
            json!({"attribute": "issue_date", "op": "at_most_before", "days": 90}),
            AttributeType::Date,
        );
        assert_eq!(
            stmt(&days, "2024-03-01"),
            json!({"attribute": "issue_date", "op": ">=", "value": "2023-12-02"})
        );
        let month = b(
            json!({"attribute": "valid_until", "op": "after", "months": 1}),
            AttributeType::Date,
        );
        assert_eq!(
            stmt(&month, "2026-01-31"),
            json!({"attribute": "valid_until", "op": ">", "value": "2026-02-28"})
        );
        assert_eq!(
            stmt(&month, "2024-01-31"),
            json!({"attribute": "valid_until", "op": ">", "value": "2024-02-29"})
        );
        let points = b(
            json!({"attribute": "penalty_points", "op": "at_most", "value": 11}),
            AttributeType::Integer,
        );
        assert_eq!(
            stmt(&points, "2026-03-01"),
            json!({"attribute": "penalty_points", "op": "<=", "value": 11})
        );
        let seats = b(
            json!({"attribute": "seats", "op": "at_least", "value": -3}),
            AttributeType::Integer,
        );
        assert_eq!(
            stmt(&seats, "2026-03-01"),
            json!({"attribute": "seats", "op": ">=", "value": -3})
        );
        // Set predicates are not proven.
        let set = b(
            json!({"attribute": "vehicle_class", "op": "one_of", "values": ["C1"]}),
            AttributeType::String,
        );
        assert!(set.needs_value());
        assert_eq!(set.statement(date("2026-03-01")), Ok(None));
        assert_eq!(set.range_type(), None);
        // A bound past 9999-12-31 cannot be stated.
        let far = b(
            json!({"attribute": "valid_until", "op": "after", "years": 1}),
            AttributeType::Date,
        );
        assert_eq!(far.statement(date("9998-12-31")), Err(UnrepresentableBound));
        assert!(far.statement(date("9998-12-29")).is_ok());
    }

    /// The statement made on a day establishes the predicate on that day
    /// and on later days only while it is still strict enough.
    #[test]
    fn proven_bounds_against_the_presentation_date() {
        let b = |v: Value, ty| spec(v).build(ty).unwrap();
        let bounds = |p: &Predicate, made: &str| {
            let s = p.statement(date(made)).unwrap().unwrap();
            s.bounds(p.range_type().unwrap()).unwrap()
        };
        let adult = b(
            json!({"attribute": "birth_date", "op": "at_least_before", "years": 18}),
            AttributeType::Date,
        );
        let (lo, hi) = bounds(&adult, "2026-02-28");
        assert!(adult.proven_by(lo, hi, date("2026-02-28")));
        // An upper bound only gets stricter: still proven the next days.
        assert!(adult.proven_by(lo, hi, date("2026-03-01")));
        assert!(adult.proven_by(lo, hi, date("2027-01-01")));
        // Made a day later, it does not prove the age of the day before.
        let (lo, hi) = bounds(&adult, "2026-03-01");
        assert!(!adult.proven_by(lo, hi, date("2026-02-28")));
        // A lower bound is one day short the next day.
        let valid = b(
            json!({"attribute": "valid_until", "op": "after"}),
            AttributeType::Date,
        );
        let (lo, hi) = bounds(&valid, "2026-03-01");
        assert!(valid.proven_by(lo, hi, date("2026-03-01")));
        assert!(!valid.proven_by(lo, hi, date("2026-03-02")));
        assert!(valid.proven_by(lo, hi, date("2026-02-27")));
        let recent = b(
            json!({"attribute": "issue_date", "op": "at_most_before", "days": 90}),
            AttributeType::Date,
        );
        let (lo, hi) = bounds(&recent, "2026-03-01");
        assert!(recent.proven_by(lo, hi, date("2026-03-01")));
        assert!(!recent.proven_by(lo, hi, date("2026-03-02")));
        // Integers: the other side's bound proves nothing.
        let points = b(
            json!({"attribute": "penalty_points", "op": "at_most", "value": 11}),
            AttributeType::Integer,
        );
        assert!(points.proven_by(None, Some(11), date("2026-03-01")));
        assert!(points.proven_by(Some(0), Some(3), date("2026-03-01")));
        assert!(!points.proven_by(None, Some(12), date("2026-03-01")));
        assert!(!points.proven_by(Some(0), None, date("2026-03-01")));
        let min = b(
            json!({"attribute": "seats", "op": "at_least", "value": 5}),
            AttributeType::Integer,
        );
        assert!(min.proven_by(Some(5), None, date("2026-03-01")));
        assert!(!min.proven_by(Some(4), Some(9), date("2026-03-01")));
    }

    #[test]
    fn contradictions_are_found() {
        let b = |v: Value, ty| spec(v).build(ty).unwrap();
        let adult = b(
            json!({"attribute": "birth_date", "op": "at_least_before", "years": 18}),
            AttributeType::Date,
        );
        let young = b(
            json!({"attribute": "birth_date", "op": "at_most_before", "years": 16}),
            AttributeType::Date,
        );
        let under_30 = b(
            json!({"attribute": "birth_date", "op": "at_most_before", "years": 30}),
            AttributeType::Date,
        );
        assert!(check_consistent(&[&adult, &young]).is_err());
        assert!(check_consistent(&[&adult, &under_30]).is_ok());
        // Exactly 18 years on both sides is one day wide: consistent.
        let at_most_18 = b(
            json!({"attribute": "birth_date", "op": "at_most_before", "years": 18}),
            AttributeType::Date,
        );
        assert!(check_consistent(&[&adult, &at_most_18]).is_ok());
        let future = b(
            json!({"attribute": "birth_date", "op": "after"}),
            AttributeType::Date,
        );
        assert!(check_consistent(&[&adult, &future]).is_err());
        let lo = b(
            json!({"attribute": "n", "op": "at_least", "value": 5}),
            AttributeType::Integer,
        );
        let hi = b(
            json!({"attribute": "n", "op": "at_most", "value": 4}),
            AttributeType::Integer,
        );
        assert!(check_consistent(&[&lo, &hi]).is_err());
        let set = b(
            json!({"attribute": "n", "op": "one_of", "values": [1, 2]}),
            AttributeType::Integer,
        );
        assert!(check_consistent(&[&lo, &set]).is_err());
        let s1 = b(
            json!({"attribute": "s", "op": "equals", "value": "a"}),
            AttributeType::String,
        );
        let s2 = b(
            json!({"attribute": "s", "op": "equals", "value": "b"}),
            AttributeType::String,
        );
        assert!(check_consistent(&[&s1, &s2]).is_err());
        assert!(check_consistent(&[&s1]).is_ok());
    }
}
