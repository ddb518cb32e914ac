//! Typed attribute values and their encoding into BBS messages
//! (`encoding_version` 1).
//!
//! # Attribute types and their JSON form
//!
//! | type      | Rust value         | JSON                          |
//! |-----------|--------------------|-------------------------------|
//! | `string`  | UTF-8 text         | string                        |
//! | `date`    | days since 1970-01-01 | `"YYYY-MM-DD"` (0001–9999) |
//! | `integer` | `i64`              | number                        |
//! | `boolean` | `bool`             | `true` / `false`              |
//! | `bytes`   | octets             | hex string (either case in, lower case out) |
//!
//! An absent optional attribute is `null` (or a missing key) in JSON.
//!
//! # Encoding into scalars (version 1)
//!
//! Every attribute becomes exactly one BBS message (a scalar mod r):
//!
//! * `date`: `Scalar::from_i64(days since 1970-01-01)`; dates before 1970 are
//!   negative and map to `r − |days|`.
//! * `integer`: `Scalar::from_i64(v)` (negatives map to `r − |v|`).
//! * `boolean`: the scalar 0 or 1.
//! * `string` and `bytes`: `map_message_to_scalar(suite, typed_octets)`, the
//!   draft's MapMessageToScalarAsHash with the suite's default DST.
//! * absent (any type): `map_message_to_scalar(suite, absent_octets)`.
//!
//! Numeric types are plain scalars so that later range proofs can work on
//! them. Several numeric types share scalar values (integer 1, boolean
//! `true` and date 1970-01-02 are all the scalar 1); that is harmless because
//! the type of every message slot is fixed by the catalogue layout.
//!
//! The typed octet string of a hashed value is
//!
//! ```text
//! "ZKCRED-ATTR-V1" ‖ tag (1 octet) ‖ I2OSP(len(value), 8) ‖ value
//! ```
//!
//! with tags `0x01` string (the UTF-8 octets, no normalisation), `0x05` bytes;
//! the absent value is `"ZKCRED-ATTR-V1" ‖ 0x00` (no length, no value). Tags
//! `0x02`–`0x04` are reserved for date, integer and boolean. The distinct tags
//! keep the string `"1"`, the bytes `0x31` and the absent value apart, and the
//! length prefix makes the encoding injective. The absent scalar is a hash
//! output, so it differs from every numeric value (those lie within 2^63 of
//! zero) except with negligible probability. The attribute's name is *not*
//! part of the encoding, so equal values in different credentials map to equal
//! scalars (needed for later equality proofs); the slot position and the
//! signature header fix which attribute a message is.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AttributeError;

/// Version of the attribute encoding defined in this module.
pub const ENCODING_VERSION: u32 = 1;
/// Domain-separation prefix of typed octet strings.
pub const ATTRIBUTE_DST: &[u8] = b"ZKCRED-ATTR-V1";
/// Typed-octet tag of the absent value.
pub const TAG_ABSENT: u8 = 0x00;
/// Typed-octet tag of strings.
pub const TAG_STRING: u8 = 0x01;
/// Typed-octet tag of byte strings.
pub const TAG_BYTES: u8 = 0x05;
/// Maximum length of a string value, in UTF-8 octets.
pub const MAX_STRING_BYTES: usize = 16 * 1024;
/// Maximum length of a bytes value, in octets.
pub const MAX_BYTES_LEN: usize = 64 * 1024;

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    /// UTF-8 text.
    String,
    /// Calendar date.
    Date,
    /// Signed 64-bit integer.
    Integer,
    /// Boolean.
    Boolean,
    /// Octet string.
    Bytes,
}

impl AttributeType {
    /// The type's name as used in the catalogue.
    pub fn name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Date => "date",
            AttributeType::Integer => "integer",
            AttributeType::Boolean => "boolean",
            AttributeType::Bytes => "bytes",
        }
    }

    /// Whether values of this type are signed as the scalar of their value
    /// (and so can take part in later range proofs).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            AttributeType::Date | AttributeType::Integer | AttributeType::Boolean
        )
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A calendar date, stored as days since 1970-01-01 (negative before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

impl Date {
    /// The first supported date, 0001-01-01.
    pub const MIN: Date = Date(-719_162);
    /// The last supported date, 9999-12-31.
    pub const MAX: Date = Date(2_932_896);

    /// Builds a date from days since 1970-01-01, within [`Date::MIN`]..=[`Date::MAX`].
    pub fn from_days(days: i64) -> Option<Date> {
        let d = i32::try_from(days).ok()?;
        (Date::MIN.0..=Date::MAX.0).contains(&d).then_some(Date(d))
    }

    /// Builds a date from a year, month (1–12) and day.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        let month = time::Month::try_from(month).ok()?;
        let d = time::Date::from_calendar_date(year, month, day).ok()?;
        Some(Date(d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &b[r];
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                part.iter()
                    .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
            )
        };
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        Date::from_ymd(year as i32, month as u8, day as u8)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        i64::from(self.0)
    }

    /// The date of a UTC timestamp.
    pub fn from_datetime(t: time::OffsetDateTime) -> Option<Date> {
        let d = t.to_offset(time::UtcOffset::UTC).date();
        Date::from_ymd(d.year(), d.month() as u8, d.day())
    }

    fn to_time(self) -> time::Date {
        // In range by construction.
        time::Date::from_julian_day(self.0 + UNIX_EPOCH_JULIAN_DAY).unwrap_or(time::Date::MIN)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_time();
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }
}

/// A present attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// UTF-8 text.
    String(String),
    /// Calendar date.
    Date(Date),
    /// Signed 64-bit integer.
    Integer(i64),
    /// Boolean.
    Boolean(bool),
    /// Octet string.
    Bytes(Vec<u8>),
}

/// How a value is turned into a message: a plain scalar or hashed octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageInput {
    /// Signed as `Scalar::from_i64` of this number.
    Numeric(i64),
    /// Signed as `map_message_to_scalar` of these typed octets.
    Octets(Vec<u8>),
}

impl AttributeValue {
    /// The value's type.
    pub fn attribute_type(&self) -> AttributeType {
        match self {
            AttributeValue::String(_) => AttributeType::String,
            AttributeValue::Date(_) => AttributeType::Date,
            AttributeValue::Integer(_) => AttributeType::Integer,
            AttributeValue::Boolean(_) => AttributeType::Boolean,
            AttributeValue::Bytes(_) => AttributeType::Bytes,
        }
    }

    /// Builds a string value from raw octets, which must be UTF-8.
    ///
    /// # Errors
    /// [`AttributeError::InvalidUtf8`] when `octets` is not UTF-8.
    pub fn string_from_utf8(attribute: &str, octets: Vec<u8>) -> Result<Self, AttributeError> {
        let s = String::from_utf8(octets).map_err(|_| AttributeError::InvalidUtf8 {
            attribute: attribute.to_owned(),
        })?;
        Ok(AttributeValue::String(s))
    }

    /// Checks the value against an attribute's type and length limits.
    ///
    /// # Errors
    /// [`AttributeError::TypeMismatch`] when the value is not of type `ty`,
    /// [`AttributeError::TooLong`] past `max_length`.
    pub fn check(
        &self,
        attribute: &str,
        expected: AttributeType,
        max_length: Option<usize>,
    ) -> Result<(), AttributeError> {
        if self.attribute_type() != expected {
            return Err(AttributeError::TypeMismatch {
                attribute: attribute.to_owned(),
                expected,
            });
        }
        let (len, global) = match self {
            AttributeValue::String(s) => (s.len(), MAX_STRING_BYTES),
            AttributeValue::Bytes(b) => (b.len(), MAX_BYTES_LEN),
            _ => return Ok(()),
        };
        let max = max_length.map_or(global, |m| m.min(global));
        if len > max {
            return Err(AttributeError::TooLong {
                attribute: attribute.to_owned(),
                length: len,
                max,
            });
        }
        Ok(())
    }

    /// Parses the JSON form of a value of type `ty` (see the module docs).
    /// `null` is the absent value. Length limits are checked by [`check`](Self::check).
    ///
    /// # Errors
    /// [`AttributeError::TypeMismatch`] for a JSON value of the wrong kind,
    /// [`AttributeError::InvalidDate`], [`AttributeError::InvalidHex`].
    pub fn from_json(
        attribute: &str,
        ty: AttributeType,
        value: &Value,
    ) -> Result<Option<Self>, AttributeError> {
        let mismatch = || AttributeError::TypeMismatch {
            attribute: attribute.to_owned(),
            expected: ty,
        };
        if value.is_null() {
            return Ok(None);
        }
        let v = match ty {
            AttributeType::String => {
                AttributeValue::String(value.as_str().ok_or_else(mismatch)?.to_owned())
            }
            AttributeType::Date => {
                let s = value.as_str().ok_or_else(mismatch)?;
                AttributeValue::Date(Date::parse(s).ok_or_else(|| AttributeError::InvalidDate {
                    attribute: attribute.to_owned(),
                    value: s.chars().take(32).collect(),
                })?)
            }
            AttributeType::Integer => AttributeValue::Integer(value.as_i64().ok_or_else(mismatch)?),
            AttributeType::Boolean => {
                AttributeValue::Boolean(value.as_bool().ok_or_else(mismatch)?)
            }
            AttributeType::Bytes => {
                let s = value.as_str().ok_or_else(mismatch)?;
                AttributeValue::Bytes(hex::decode(s).map_err(|_| AttributeError::InvalidHex {
                    attribute: attribute.to_owned(),
                })?)
            }
        };
        Ok(Some(v))
    }

    /// The JSON form of the value.
    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::String(s) => Value::String(s.clone()),
            AttributeValue::Date(d) => Value::String(d.to_string()),
            AttributeValue::Integer(i) => Value::from(*i),
            AttributeValue::Boolean(b) => Value::Bool(*b),
            AttributeValue::Bytes(b) => Value::String(hex::encode(b)),
        }
    }

    /// What is signed for this value (see the module docs).
    pub fn message_input(&self) -> MessageInput {
        match self {
            AttributeValue::Date(d) => MessageInput::Numeric(d.days()),
            AttributeValue::Integer(i) => MessageInput::Numeric(*i),
            AttributeValue::Boolean(b) => MessageInput::Numeric(i64::from(*b)),
            AttributeValue::String(s) => {
                MessageInput::Octets(typed_octets(TAG_STRING, s.as_bytes()))
            }
            AttributeValue::Bytes(b) => MessageInput::Octets(typed_octets(TAG_BYTES, b)),
        }
    }
}

/// What is signed for an optional value: absent values use [`absent_octets`].
pub fn message_input(value: Option<&AttributeValue>) -> MessageInput {
    match value {
        Some(v) => v.message_input(),
        None => MessageInput::Octets(absent_octets()),
    }
}

/// `ATTRIBUTE_DST ‖ tag ‖ I2OSP(len, 8) ‖ value`.
pub fn typed_octets(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ATTRIBUTE_DST.len() + 9 + value.len());
    out.extend_from_slice(ATTRIBUTE_DST);
    out.push(tag);
    out.extend_from_slice(&(value.len() as u64).to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// The octets of the absent value: `ATTRIBUTE_DST ‖ 0x00`.
pub fn absent_octets() -> Vec<u8> {
    let mut out = ATTRIBUTE_DST.to_vec();
    out.push(TAG_ABSENT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_round_trip_including_before_1970() {
        for (s, days) in [
            ("1970-01-01", 0),
            ("1970-01-02", 1),
            ("1969-12-31", -1),
            ("1900-02-28", -25_509),
            ("2000-02-29", 11_016),
            ("0001-01-01", Date::MIN.days()),
            ("9999-12-31", Date::MAX.days()),
        ] {
            let d = Date::parse(s).unwrap();
            assert_eq!(d.days(), days, "{s}");
            assert_eq!(d.to_string(), s);
            assert_eq!(Date::from_days(days), Some(d));
        }
        assert_eq!(Date::from_days(Date::MIN.days() - 1), None);
        assert_eq!(Date::from_days(Date::MAX.days() + 1), None);
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for s in [
            "1970-1-01",
            "1970-02-30",
            "1900-02-29",
            "0000-01-01",
            "19700101",
            "1970-01-01T00:00",
            "+970-01-01",
            "1970-13-01",
            "١٩٧٠-01-01",
            "",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
            assert!(matches!(
                AttributeValue::from_json("d", AttributeType::Date, &json!(s)),
                Err(AttributeError::InvalidDate { .. })
            ));
        }
    }

    #[test]
    fn json_round_trip_per_type() {
        let cases = [
            (AttributeType::String, json!("张三")),
            (AttributeType::String, json!("")),
            (AttributeType::Date, json!("1955-10-01")),
            (AttributeType::Integer, json!(i64::MAX)),
            (AttributeType::Integer, json!(i64::MIN)),
            (AttributeType::Boolean, json!(false)),
            (AttributeType::Bytes, json!("00ff31")),
            (AttributeType::Bytes, json!("")),
        ];
        for (ty, j) in cases {
            let v = AttributeValue::from_json("a", ty, &j).unwrap().unwrap();
            assert_eq!(v.attribute_type(), ty);
            assert_eq!(v.to_json(), j);
            v.check("a", ty, None).unwrap();
        }
        assert_eq!(
            AttributeValue::from_json("a", AttributeType::Bytes, &json!("00FF")).unwrap(),
            Some(AttributeValue::Bytes(vec![0, 255]))
        );
        assert_eq!(
            AttributeValue::from_json("a", AttributeType::Integer, &Value::Null),
            Ok(None)
        );
    }

    #[test]
    fn wrong_json_types_name_the_attribute() {
        let cases = [
            (AttributeType::String, json!(1)),
            (AttributeType::Integer, json!("1")),
            (AttributeType::Integer, json!(1.5)),
            (AttributeType::Integer, json!(u64::MAX)),
            (AttributeType::Boolean, json!(1)),
            (AttributeType::Date, json!(0)),
            (AttributeType::Bytes, json!([1, 2])),
        ];
        for (ty, j) in cases {
            assert_eq!(
                AttributeValue::from_json("sex", ty, &j),
                Err(AttributeError::TypeMismatch {
                    attribute: "sex".into(),
                    expected: ty
                }),
                "{j}"
            );
        }
        assert_eq!(
            AttributeValue::from_json("photo", AttributeType::Bytes, &json!("abc")),
            Err(AttributeError::InvalidHex {
                attribute: "photo".into()
            })
        );
        assert!(AttributeValue::from_json("photo", AttributeType::Bytes, &json!("zz")).is_err());
    }

    #[test]
    fn type_and_length_checks() {
        let long = AttributeValue::String("字".repeat(MAX_STRING_BYTES / 3 + 1));
        assert!(matches!(
            long.check("scope", AttributeType::String, None),
            Err(AttributeError::TooLong { ref attribute, .. }) if attribute == "scope"
        ));
        let exact = AttributeValue::String("a".repeat(MAX_STRING_BYTES));
        exact.check("scope", AttributeType::String, None).unwrap();
        let v = AttributeValue::String("abcd".into());
        assert!(v.check("x", AttributeType::String, Some(3)).is_err());
        v.check("x", AttributeType::String, Some(4)).unwrap();
        assert_eq!(
            AttributeValue::Integer(1).check("x", AttributeType::Date, None),
            Err(AttributeError::TypeMismatch {
                attribute: "x".into(),
                expected: AttributeType::Date
            })
        );
        let big = AttributeValue::Bytes(vec![0; MAX_BYTES_LEN + 1]);
        assert!(big.check("b", AttributeType::Bytes, None).is_err());
    }

    #[test]
    fn non_utf8_strings_are_rejected() {
        assert_eq!(
            AttributeValue::string_from_utf8("name", vec![0xff, 0xfe]),
            Err(AttributeError::InvalidUtf8 {
                attribute: "name".into()
            })
        );
        assert_eq!(
            AttributeValue::string_from_utf8("name", "é".as_bytes().to_vec()),
            Ok(AttributeValue::String("é".into()))
        );
    }

    #[test]
    fn typed_octets_keep_types_apart() {
        let s = AttributeValue::String("1".into()).message_input();
        let b = AttributeValue::Bytes(b"1".to_vec()).message_input();
        let i = AttributeValue::Integer(1).message_input();
        let empty_s = AttributeValue::String(String::new()).message_input();
        let empty_b = AttributeValue::Bytes(Vec::new()).message_input();
        let absent = message_input(None);
        let all = [&s, &b, &i, &empty_s, &empty_b, &absent];
        for (x, a) in all.iter().enumerate() {
            for (y, c) in all.iter().enumerate() {
                assert_eq!(x == y, a == c, "{x} {y}");
            }
        }
        assert_eq!(i, MessageInput::Numeric(1));
        assert_eq!(
            AttributeValue::Boolean(true).message_input(),
            MessageInput::Numeric(1)
        );
        assert_eq!(
            AttributeValue::Date(Date::parse("1969-12-31").unwrap()).message_input(),
            MessageInput::Numeric(-1)
        );
        // NFC and NFD spellings are different octets: no normalisation.
        assert_ne!(
            AttributeValue::String("\u{e9}".into()).message_input(),
            AttributeValue::String("e\u{301}".into()).message_input()
        );
        assert_eq!(
            typed_octets(TAG_STRING, b"ab"),
            [ATTRIBUTE_DST, &[1, 0, 0, 0, 0, 0, 0, 0, 2], b"ab"].concat()
        );
    }
}
