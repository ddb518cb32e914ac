//! Issuance rules: what no department would sign.
//!
//! [`check`] runs at issuance ([`crate::credential::issue_with`]) after the
//! catalogue checks of [`crate::AttributeSet::validate`] (names, types,
//! lengths, required values, real calendar dates, the GB/T 36904 license
//! identifier). It refuses, with one [`IssuanceError`] naming the attribute
//! and the [`Rule`] (a stable snake_case code):
//!
//! * **strings** (every type): a present value that is empty or white space
//!   only (`empty_value`), starts or ends with white space
//!   (`surrounding_whitespace`) or holds a control character
//!   (`control_character`);
//! * **national formats**: `area_code` a GB/T 2260 code
//!   ([`crate::formats::area_code`]); `issuer_code` a GB 32100 unified social
//!   credit code; `holder_id` the format its `holder_id_type` names: a GB
//!   11643 citizen ID number for `居民身份证`, a USCC for `统一社会信用代码`;
//!   organisations are identified by their USCC, persons never are
//!   (`holder_id_type`); `license_number` ([`crate::formats::license_number`]),
//!   equal to `holder_id` where the type's `license_number_format` is
//!   `holder_id_number`;
//! * **dates** (China Standard Time, UTC+8, the calendar licenses are dated
//!   in): `issue_date` and `birth_date` not after the day of issuance;
//!   `birth_date` equal to the one in a citizen ID `holder_id` and not after
//!   `issue_date`; `valid_until` not already past on the day of issuance
//!   (one before `valid_from` is refused by the catalogue check);
//! * **authority**: the key's declared authority kind
//!   ([`crate::IssuerPublicKey::authority`]) among the type's
//!   `issuing_authorities` (catalogue); a key that declares none cannot issue
//!   a type the catalogue restricts;
//! * **back-dating**: `issue_date` not before the day the key's issuance
//!   window opened, unless [`IssueOptions::allow_backdated`].
//!
//! # Converting paper licenses (back-dated issuance)
//!
//! A department that converts a paper license into an electronic one signs
//! it today, with a key made today, but the license was issued years ago and
//! `issue_date` must say so. That is refused by default (a typo in the year
//! would otherwise go unnoticed) and allowed with
//! `IssueOptions { allow_backdated: true, .. }` (`zkcred issuer issue
//! --backdated`). Everything else still applies: the issue date may not lie
//! in the future and the license may not already have expired. Verifiers'
//! policies keep reasoning on the stated `issue_date` (freshness predicates
//! see the original date); the trust registry's key check asks only that the
//! key's window overlaps the time between the stated issue date and the
//! presentation (see `zkcred_policy::recognition`), which a conversion
//! signed today satisfies.

use std::fmt;

use time::{OffsetDateTime, UtcOffset};

use crate::catalogue::{CredentialType, HolderKind, LicenseNumberFormat};
use crate::credential::AttributeSet;
use crate::encoding::{AttributeValue, Date};
use crate::formats::{license_number, AreaCode, AreaCodeError, IdNumber, IdNumberError};
use crate::keys::IssuerPublicKey;
use crate::license_id::{LicenseIdError, Uscc};

/// `holder_id_type` of a citizen identification number.
pub const HOLDER_ID_TYPE_ID_CARD: &str = "居民身份证";
/// `holder_id_type` of a unified social credit code.
pub const HOLDER_ID_TYPE_USCC: &str = "统一社会信用代码";

/// Options of issuance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueOptions {
    /// Allow an `issue_date` before the day the key's issuance window opened
    /// (converting an existing paper license; see the module docs).
    pub allow_backdated: bool,
}

/// The rule an attribute broke at issuance, with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A present string that is empty or white space only.
    EmptyValue,
    /// A string starting or ending with white space.
    SurroundingWhitespace,
    /// A string holding a control character.
    ControlCharacter,
    /// An ID number not of the form 17 digits and a check character.
    IdNumberFormat,
    /// An ID number whose check character is wrong (ISO 7064 MOD 11-2).
    IdNumberCheckDigit,
    /// An ID number whose birth date is not a real date.
    IdNumberBirthDate,
    /// An ID number whose address code is not a GB/T 2260 code.
    IdNumberAreaCode,
    /// A birth date differing from the one in the holder's ID number.
    BirthDateMismatch,
    /// An area code not of six ASCII digits.
    AreaCodeFormat,
    /// An area code whose province pair is unknown.
    AreaCodeProvince,
    /// A unified social credit code of the wrong length or characters.
    UsccFormat,
    /// A unified social credit code whose check character is wrong.
    UsccCheckCharacter,
    /// A holder identifier type that does not fit the holder kind.
    HolderIdType,
    /// A license number breaking the general rules.
    LicenseNumberFormat,
    /// A license number that is not the holder's ID number where it must be.
    LicenseNumberMismatch,
    /// A date after the day of issuance.
    DateInFuture,
    /// A birth date after the issue date.
    BirthAfterIssue,
    /// A license already expired on the day of issuance.
    AlreadyExpired,
    /// An issue date before the key's window opened, without the opt-in.
    Backdated,
    /// The key's authority kind does not issue this type.
    AuthorityNotPermitted,
    /// The key declares no authority kind and the type is restricted.
    AuthorityUndeclared,
}

impl Rule {
    /// The stable machine code (snake_case).
    pub fn code(self) -> &'static str {
        match self {
            Rule::EmptyValue => "empty_value",
            Rule::SurroundingWhitespace => "surrounding_whitespace",
            Rule::ControlCharacter => "control_character",
            Rule::IdNumberFormat => "id_number_format",
            Rule::IdNumberCheckDigit => "id_number_check_digit",
            Rule::IdNumberBirthDate => "id_number_birth_date",
            Rule::IdNumberAreaCode => "id_number_area_code",
            Rule::BirthDateMismatch => "birth_date_mismatch",
            Rule::AreaCodeFormat => "area_code_format",
            Rule::AreaCodeProvince => "area_code_province",
            Rule::UsccFormat => "uscc_format",
            Rule::UsccCheckCharacter => "uscc_check_character",
            Rule::HolderIdType => "holder_id_type",
            Rule::LicenseNumberFormat => "license_number_format",
            Rule::LicenseNumberMismatch => "license_number_mismatch",
            Rule::DateInFuture => "date_in_future",
            Rule::BirthAfterIssue => "birth_after_issue",
            Rule::AlreadyExpired => "already_expired",
            Rule::Backdated => "backdated_issue_date",
            Rule::AuthorityNotPermitted => "authority_not_permitted",
            Rule::AuthorityUndeclared => "authority_undeclared",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An attribute set that no department would sign: the attribute, the rule
/// and what was wrong. Displays as `attribute: message [code]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{attribute}: {message} [{}]", rule.code())]
pub struct IssuanceError {
    /// The attribute (or `issuer` for the authority rules).
    pub attribute: String,
    /// The rule broken.
    pub rule: Rule,
    /// A human-readable explanation for the issuer who supplied the values
    /// (it may quote a rejected date; it never quotes a name or ID number).
    pub message: String,
}

impl IssuanceError {
    fn new(attribute: &str, rule: Rule, message: impl Into<String>) -> Self {
        IssuanceError {
            attribute: attribute.to_owned(),
            rule,
            message: message.into(),
        }
    }

    /// The stable machine code of the rule.
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }
}

/// China Standard Time, the calendar licenses are dated in.
const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The China Standard Time calendar day of `t` (`None` outside 0001–9999).
pub fn china_date(t: OffsetDateTime) -> Option<Date> {
    let d = t.checked_to_offset(CST)?.date();
    Date::from_ymd(d.year(), d.month() as u8, d.day())
}

fn string<'a>(a: &'a AttributeSet, name: &str) -> Option<&'a str> {
    match a.get(name) {
        Some(AttributeValue::String(s)) => Some(s),
        _ => None,
    }
}

fn date(a: &AttributeSet, name: &str) -> Option<Date> {
    match a.get(name) {
        Some(AttributeValue::Date(d)) => Some(*d),
        _ => None,
    }
}

fn check_string(name: &str, s: &str) -> Result<(), IssuanceError> {
    if s.trim().is_empty() {
        return Err(IssuanceError::new(
            name,
            Rule::EmptyValue,
            "must not be empty or white space only",
        ));
    }
    if s.trim() != s {
        return Err(IssuanceError::new(
            name,
            Rule::SurroundingWhitespace,
            "must not start or end with white space",
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(IssuanceError::new(
            name,
            Rule::ControlCharacter,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks a GB 11643-1999 citizen ID number given as attribute `name`.
///
/// # Errors
///
/// `id_number_format`, `id_number_area_code`, `id_number_birth_date` or
/// `id_number_check_digit`.
pub fn check_id_number(name: &str, s: &str) -> Result<IdNumber, IssuanceError> {
    IdNumber::parse(s).map_err(|e| {
        let rule = match e {
            IdNumberError::Format => Rule::IdNumberFormat,
            IdNumberError::AreaCode(_) => Rule::IdNumberAreaCode,
            IdNumberError::BirthDate(_) => Rule::IdNumberBirthDate,
            IdNumberError::CheckDigit { .. } => Rule::IdNumberCheckDigit,
        };
        IssuanceError::new(name, rule, e.to_string())
    })
}

/// Checks a GB 32100-2015 unified social credit code given as attribute `name`.
///
/// # Errors
///
/// `uscc_format` or `uscc_check_character`.
pub fn check_uscc(name: &str, s: &str) -> Result<Uscc, IssuanceError> {
    Uscc::parse(s).map_err(|e| {
        let rule = match e {
            LicenseIdError::CheckMismatch { .. } => Rule::UsccCheckCharacter,
            _ => Rule::UsccFormat,
        };
        IssuanceError::new(name, rule, format!("{e} (GB 32100-2015)"))
    })
}

/// Checks a GB/T 2260 area code given as attribute `name`.
///
/// # Errors
///
/// `area_code_format` or `area_code_province`.
pub fn check_area_code(name: &str, s: &str) -> Result<AreaCode, IssuanceError> {
    AreaCode::parse(s).map_err(|e| {
        let rule = match e {
            AreaCodeError::Format => Rule::AreaCodeFormat,
            AreaCodeError::Province(_) => Rule::AreaCodeProvince,
        };
        IssuanceError::new(name, rule, e.to_string())
    })
}

/// Checks `attributes` of type `t`, to be signed by `key` at `now`, against
/// the issuance rules (see the module docs). Run after
/// [`AttributeSet::validate`].
///
/// # Errors
///
/// The first rule broken, as an [`IssuanceError`].
pub fn check(
    t: &CredentialType,
    attributes: &AttributeSet,
    key: &IssuerPublicKey,
    now: OffsetDateTime,
    options: &IssueOptions,
) -> Result<(), IssuanceError> {
    // Authority first: a department that may not issue the type need not
    // hear about its data.
    if !t.issuing_authorities.is_empty() {
        match &key.authority {
            None => {
                return Err(IssuanceError::new(
                    "issuer",
                    Rule::AuthorityUndeclared,
                    format!(
                        "key {} declares no authority kind; {} is issued only by {}",
                        key.key_id,
                        t.id,
                        t.issuing_authorities.join(", ")
                    ),
                ))
            }
            Some(a) if !t.issued_by(a) => {
                return Err(IssuanceError::new(
                    "issuer",
                    Rule::AuthorityNotPermitted,
                    format!(
                        "a {a} authority does not issue {}; it is issued only by {}",
                        t.id,
                        t.issuing_authorities.join(", ")
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    for def in &t.attributes {
        if let Some(AttributeValue::String(s)) = attributes.get(&def.name) {
            check_string(&def.name, s)?;
        }
    }
    if let Some(s) = string(attributes, "area_code") {
        check_area_code("area_code", s)?;
    }
    if let Some(s) = string(attributes, "issuer_code") {
        check_uscc("issuer_code", s)?;
    }
    let id_type = string(attributes, "holder_id_type");
    let holder_id = string(attributes, "holder_id");
    let mut id_number = None;
    match (t.holder, id_type) {
        (HolderKind::Organisation, Some(ty)) if ty != HOLDER_ID_TYPE_USCC => {
            return Err(IssuanceError::new(
                "holder_id_type",
                Rule::HolderIdType,
                format!("an organisation is identified by its {HOLDER_ID_TYPE_USCC}"),
            ))
        }
        (HolderKind::Person, Some(HOLDER_ID_TYPE_USCC)) => {
            return Err(IssuanceError::new(
                "holder_id_type",
                Rule::HolderIdType,
                format!("a person is not identified by a {HOLDER_ID_TYPE_USCC}"),
            ))
        }
        _ => {}
    }
    if let (Some(ty), Some(id)) = (id_type, holder_id) {
        if ty == HOLDER_ID_TYPE_USCC {
            check_uscc("holder_id", id)?;
        } else if ty == HOLDER_ID_TYPE_ID_CARD {
            id_number = Some(check_id_number("holder_id", id)?);
        }
    }
    if let Some(n) = string(attributes, "license_number") {
        license_number::check(n).map_err(|e| {
            IssuanceError::new("license_number", Rule::LicenseNumberFormat, e.to_string())
        })?;
        if t.license_number_format == Some(LicenseNumberFormat::HolderIdNumber) {
            check_id_number("license_number", n)?;
            if holder_id.is_some_and(|h| h != n) {
                return Err(IssuanceError::new(
                    "license_number",
                    Rule::LicenseNumberMismatch,
                    format!(
                        "the number of a {} is the holder's ID number (holder_id)",
                        t.id
                    ),
                ));
            }
        }
    }
    let today = china_date(now).unwrap_or(Date::MAX);
    let birth = date(attributes, "birth_date");
    let issued = date(attributes, "issue_date");
    if let Some(b) = birth {
        if b > today {
            return Err(IssuanceError::new(
                "birth_date",
                Rule::DateInFuture,
                format!("{b} is after the day of issuance {today}"),
            ));
        }
        if let Some(id) = &id_number {
            if id.birth_date() != b {
                return Err(IssuanceError::new(
                    "birth_date",
                    Rule::BirthDateMismatch,
                    "differs from the birth date in the holder's ID number (GB 11643-1999 clause 5.2)",
                ));
            }
        }
    }
    if let Some(i) = issued {
        if i > today {
            return Err(IssuanceError::new(
                "issue_date",
                Rule::DateInFuture,
                format!("{i} is after the day of issuance {today}"),
            ));
        }
        if birth.is_some_and(|b| b > i) {
            return Err(IssuanceError::new(
                "birth_date",
                Rule::BirthAfterIssue,
                "is after the issue date",
            ));
        }
        let opened = china_date(key.not_before).unwrap_or(Date::MIN);
        if i < opened && !options.allow_backdated {
            return Err(IssuanceError::new(
                "issue_date",
                Rule::Backdated,
                format!(
                    "{i} is before key {} began issuing ({opened}); converting an existing \
                     license needs the explicit back-dating option (--backdated)",
                    key.key_id
                ),
            ));
        }
    }
    if let Some(until) = date(attributes, "valid_until") {
        if until < today {
            return Err(IssuanceError::new(
                "valid_until",
                Rule::AlreadyExpired,
                format!("{until}: the license has already expired on the day of issuance {today}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_formats_map_to_their_codes() {
        // Published unified social credit codes (GB 32100-2015).
        for ok in ["11330105002500287C", "11430000006122244L"] {
            check_uscc("issuer_code", ok).unwrap();
        }
        for (bad, code) in [
            ("11330105002500287D", "uscc_check_character"),
            ("11330105002500287c", "uscc_format"),
            ("1133010500250028", "uscc_format"),
            ("11330105002500I87C", "uscc_format"),
            ("11ABCDEF002500287C", "uscc_format"),
        ] {
            let e = check_uscc("issuer_code", bad).unwrap_err();
            assert_eq!(
                (e.attribute.as_str(), e.code()),
                ("issuer_code", code),
                "{bad}"
            );
        }
        check_id_number("holder_id", "11010519491231002X").unwrap();
        for (bad, code) in [
            ("110105194912310021", "id_number_check_digit"),
            ("11010519491231002x", "id_number_format"),
            ("1101051949123100", "id_number_format"),
            ("000105194912310021", "id_number_area_code"),
        ] {
            assert_eq!(
                check_id_number("holder_id", bad).unwrap_err().code(),
                code,
                "{bad}"
            );
        }
        check_area_code("area_code", "330106").unwrap();
        for (bad, code) in [
            ("3301", "area_code_format"),
            ("33010a", "area_code_format"),
            ("000000", "area_code_province"),
            ("900000", "area_code_province"),
        ] {
            assert_eq!(
                check_area_code("area_code", bad).unwrap_err().code(),
                code,
                "{bad}"
            );
        }
    }

    #[test]
    fn china_date_never_panics_at_the_edges() {
        // 9999-12-31T23:00Z is past the last representable day in Beijing.
        let max = OffsetDateTime::new_utc(time::Date::MAX, time::Time::from_hms(23, 0, 0).unwrap());
        let min = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT);
        assert_eq!(china_date(max), None);
        assert_eq!(china_date(min), None);
    }

    #[test]
    fn china_date_is_utc_plus_eight() {
        // 2026-03-01T16:00:00Z is 2 March 00:00 in Beijing.
        let t = OffsetDateTime::from_unix_timestamp(1_772_380_800).unwrap();
        assert_eq!(china_date(t), Date::parse("2026-03-02"));
        assert_eq!(
            china_date(t - time::Duration::SECOND),
            Date::parse("2026-03-01")
        );
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let rules = [
            Rule::EmptyValue,
            Rule::SurroundingWhitespace,
            Rule::ControlCharacter,
            Rule::IdNumberFormat,
            Rule::IdNumberCheckDigit,
            Rule::IdNumberBirthDate,
            Rule::IdNumberAreaCode,
            Rule::BirthDateMismatch,
            Rule::AreaCodeFormat,
            Rule::AreaCodeProvince,
            Rule::UsccFormat,
            Rule::UsccCheckCharacter,
            Rule::HolderIdType,
            Rule::LicenseNumberFormat,
            Rule::LicenseNumberMismatch,
            Rule::DateInFuture,
            Rule::BirthAfterIssue,
            Rule::AlreadyExpired,
            Rule::Backdated,
            Rule::AuthorityNotPermitted,
            Rule::AuthorityUndeclared,
        ];
        let codes: std::collections::HashSet<_> = rules.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), rules.len());
        assert!(codes
            .iter()
            .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    }
}
