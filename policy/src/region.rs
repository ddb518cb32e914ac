//! GB/T 2260 administrative division codes and how they roll up to provinces.
//!
//! A code is six digits `PPCCXX`: `PP` the province-level division
//! (province, autonomous region, municipality, SAR), `CC` the prefecture
//! level, `XX` the county level; a level that is not specified is `00`
//! (`330000` Zhejiang, `330100` Hangzhou, `330106` Xihu district).
//!
//! # Roll-up rule
//!
//! Mutual recognition is decided between **province-level divisions**: the
//! agreements are signed by provincial governments, and every issuer and
//! verifier belongs to exactly one of them. A code rolls up to its province by
//! keeping `PP` and zeroing the rest ([`RegionCode::province`]): `500103`
//! (Yuzhong district) belongs to `500000` Chongqing, `429004` (Xiantao, a
//! county-level city directly under Hubei) to `420000`. Only the province part
//! is checked against the known list: prefecture and county codes change every
//! year, so they are accepted as long as they are well formed.
//!
//! Containment is by prefix ([`RegionCode::contains`]): a province contains
//! every code with its `PP`, a prefecture every code with its `PPCC`, a county
//! only itself. Policies use it to restrict issuers to part of a province.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The province-level `PP` prefixes of GB/T 2260 (31 provinces, autonomous
/// regions and municipalities, Taiwan, Hong Kong and Macao).
pub const PROVINCE_PREFIXES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A well-formed GB/T 2260 code whose province part is a known province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u32);

/// Why a text is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Not six ASCII digits.
    #[error("a region code is six digits (GB/T 2260), found {0:?}")]
    Malformed(String),
    /// The first two digits name no province-level division.
    #[error("{0:?} is not in a known province-level division (GB/T 2260)")]
    UnknownProvince(String),
    /// A county part without a prefecture part (`PP00XX`).
    #[error("{0:?} has a county part but no prefecture part")]
    MissingPrefecture(String),
}

impl RegionCodeError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RegionCodeError::Malformed(_) => "malformed_region_code",
            RegionCodeError::UnknownProvince(_) => "unknown_province",
            RegionCodeError::MissingPrefecture(_) => "missing_prefecture",
        }
    }
}

impl RegionCode {
    /// Parses and checks a code (see the module docs).
    ///
    /// # Errors
    /// [`RegionCodeError::Malformed`] unless six digits,
    /// [`RegionCodeError::UnknownProvince`] for a province the GB/T 2260 list
    /// does not have, [`RegionCodeError::MissingPrefecture`] for a county-level
    /// code without a prefecture.
    pub fn parse(s: &str) -> Result<RegionCode, RegionCodeError> {
        let truncated = || s.chars().take(16).collect::<String>();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Malformed(truncated()));
        }
        let n: u32 = s
            .parse()
            .map_err(|_| RegionCodeError::Malformed(truncated()))?;
        if !PROVINCE_PREFIXES.contains(&(n / 10_000)) {
            return Err(RegionCodeError::UnknownProvince(s.to_owned()));
        }
        if (n / 100).is_multiple_of(100) && !n.is_multiple_of(100) {
            return Err(RegionCodeError::MissingPrefecture(s.to_owned()));
        }
        Ok(RegionCode(n))
    }

    /// The province-level division this code belongs to (`PP0000`).
    pub fn province(self) -> RegionCode {
        RegionCode(self.0 / 10_000 * 10_000)
    }

    /// Whether this is a province-level code (`PP0000`).
    pub fn is_province(self) -> bool {
        self.0.is_multiple_of(10_000)
    }

    /// Whether `other` lies within this division (prefix containment; a code
    /// contains itself).
    pub fn contains(self, other: RegionCode) -> bool {
        if self.is_province() {
            self.0 / 10_000 == other.0 / 10_000
        } else if self.0.is_multiple_of(100) {
            self.0 / 100 == other.0 / 100
        } else {
            self.0 == other.0
        }
    }

    /// The code as a number.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn roll_up_to_provinces() {
        assert_eq!(code("500103").province(), code("500000"));
        assert_eq!(code("510104").province(), code("510000"));
        assert_eq!(code("429004").province(), code("420000"));
        assert_eq!(code("310000").province(), code("310000"));
        assert!(code("310000").is_province());
        assert!(!code("330100").is_province());
        assert_eq!(code("330106").to_string(), "330106");
        assert_eq!(code("110000").to_string(), "110000");
    }

    #[test]
    fn containment_is_by_prefix() {
        assert!(code("330000").contains(code("330106")));
        assert!(code("330100").contains(code("330106")));
        assert!(!code("330200").contains(code("330106")));
        assert!(code("330106").contains(code("330106")));
        assert!(!code("330106").contains(code("330100")));
        assert!(!code("330000").contains(code("320106")));
        assert!(!code("330100").contains(code("330000")));
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in ["", "31000", "3100000", "31000a", "３１００００", "-10000"] {
            assert!(
                matches!(RegionCode::parse(bad), Err(RegionCodeError::Malformed(_))),
                "{bad:?}"
            );
        }
        for bad in ["000000", "100000", "990000", "560000", "700000"] {
            assert!(
                matches!(
                    RegionCode::parse(bad),
                    Err(RegionCodeError::UnknownProvince(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            RegionCode::parse("330006").unwrap_err().code(),
            "missing_prefecture"
        );
        let v: RegionCode = serde_json::from_str("\"510000\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"510000\"");
        assert!(serde_json::from_str::<RegionCode>("\"51000\"").is_err());
        assert!(serde_json::from_str::<RegionCode>("510000").is_err());
    }
}
