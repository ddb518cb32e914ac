//! Citizen identification numbers (公民身份号码, GB 11643-1999).
//!
//! GB 11643-1999 clause 4 (structure): 18 characters,
//!
//! ```text
//! AAAAAA YYYYMMDD SSS C
//! area   birth    seq check
//! ```
//!
//! * clause 5.1: the address code, a GB/T 2260 administrative division code
//!   (checked with [`AreaCode`]: six digits, a known province);
//! * clause 5.2: the birth date `YYYYMMDD` (GB/T 7408), which must be a real
//!   calendar date;
//! * clause 5.3: the sequence code, three digits (odd for men, even for women);
//! * clause 5.4: the check character, ISO 7064:1983 MOD 11-2 over the first 17
//!   digits: `S = Σ aᵢ·Wᵢ` with `Wᵢ = 2^(18−i) mod 11` (i = 1..17, so 7 9 10 5
//!   8 4 2 1 6 3 7 9 10 5 8 4 2), check value `(12 − S mod 11) mod 11`,
//!   written `0`–`9`, or `X` for 10.
//!
//! Only the upper-case `X` is accepted, so every number has one spelling.

use std::fmt;

use crate::encoding::Date;
use crate::formats::area_code::{AreaCode, AreaCodeError};

/// Length of a citizen identification number.
pub const ID_NUMBER_LEN: usize = 18;

/// Why a citizen identification number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 17 ASCII digits followed by a digit or `X` (clause 4).
    #[error("an ID number is 17 digits and a check character 0-9 or X (GB 11643-1999 clause 4)")]
    Format,
    /// The address code is not a GB/T 2260 code (clause 5.1).
    #[error("the address code of the ID number is invalid (GB 11643-1999 clause 5.1): {0}")]
    AreaCode(AreaCodeError),
    /// The birth date is not a real calendar date (clause 5.2).
    #[error("the birth date {0} in the ID number is not a real date (GB 11643-1999 clause 5.2)")]
    BirthDate(String),
    /// The check character is wrong (clause 5.4).
    // The expected character is not shown: a typo is usually in another
    // digit, and "fixing" the check character would hide it.
    #[error("the check character {found} does not match the other 17 digits (GB 11643-1999 clause 5.4, ISO 7064 MOD 11-2): one of them is mistyped")]
    CheckDigit {
        /// The character found.
        found: char,
        /// The character computed.
        expected: char,
    },
}

/// The ISO 7064 MOD 11-2 check character of the first 17 characters of an
/// ID number (clause 5.4), or `None` unless they are 17 ASCII digits.
pub fn check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != ID_NUMBER_LEN - 1 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * ((1u32 << (17 - i)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    Some(if check == 10 {
        'X'
    } else {
        char::from(b'0' + check as u8)
    })
}

/// A validated citizen identification number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    text: String,
    area: AreaCode,
    birth: Date,
}

impl IdNumber {
    /// Parses and validates an 18-character ID number (see the module docs).
    ///
    /// # Errors
    ///
    /// In the order checked: [`IdNumberError::Format`],
    /// [`IdNumberError::AreaCode`], [`IdNumberError::BirthDate`],
    /// [`IdNumberError::CheckDigit`].
    pub fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        let b = s.as_bytes();
        if b.len() != ID_NUMBER_LEN
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(IdNumberError::Format);
        }
        let area = AreaCode::parse(&s[..6]).map_err(IdNumberError::AreaCode)?;
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let (y, m, d) = (num(6..10), num(10..12), num(12..14));
        let birth = u8::try_from(m)
            .ok()
            .zip(u8::try_from(d).ok())
            .and_then(|(m, d)| Date::from_ymd(y as i32, m, d))
            .ok_or_else(|| IdNumberError::BirthDate(s[6..14].to_owned()))?;
        let expected = check_char(&s[..17]).ok_or(IdNumberError::Format)?;
        let found = char::from(b[17]);
        if found != expected {
            return Err(IdNumberError::CheckDigit { found, expected });
        }
        Ok(IdNumber {
            text: s.to_owned(),
            area,
            birth,
        })
    }

    /// Builds a number from its first 17 digits by appending the check character.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), for the first 17 characters.
    pub fn with_check_char(first17: &str) -> Result<IdNumber, IdNumberError> {
        let c = check_char(first17).ok_or(IdNumberError::Format)?;
        IdNumber::parse(&format!("{first17}{c}"))
    }

    /// The birth date encoded in the number (clause 5.2).
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// The address code (clause 5.1).
    pub fn area_code(&self) -> AreaCode {
        self.area
    }

    /// The number as a string.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_including_x() {
        // The example of GB 11643-1999 appendix A and computed examples.
        for s in [
            "11010519491231002X",
            "440524188001010014",
            "330106199005172313",
        ] {
            let id = IdNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(id.as_str(), s);
        }
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), Date::parse("1949-12-31").unwrap());
        assert_eq!(id.area_code().as_str(), "110105");
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(
            IdNumber::with_check_char("33010619900517231")
                .unwrap()
                .as_str(),
            "330106199005172313"
        );
    }

    #[test]
    fn invalid_numbers() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckDigit {
                found: '1',
                expected: 'X'
            })
        );
        for s in [
            "",
            "11010519491231002",
            "11010519491231002x",
            "1101051949123100XX",
            "1101051949123100２X",
            "11010519491231002X0",
        ] {
            assert_eq!(IdNumber::parse(s), Err(IdNumberError::Format), "{s:?}");
        }
        assert!(matches!(
            IdNumber::parse("990105194912310021"),
            Err(IdNumberError::AreaCode(AreaCodeError::Province(99)))
        ));
        // 30 February and month 13.
        for first17 in [
            "11010519900230002",
            "11010519901301002",
            "11010500000101002",
        ] {
            let c = check_char(first17).unwrap();
            assert!(
                matches!(
                    IdNumber::parse(&format!("{first17}{c}")),
                    Err(IdNumberError::BirthDate(_))
                ),
                "{first17}"
            );
        }
    }
}
