//! Administrative division codes (行政区划代码, GB/T 2260).
//!
//! GB/T 2260 clause 4 (code structure): a code is six decimal digits in
//! three pairs, `PP CC DD`: province-level division (省级), prefecture-level
//! division (地级) and county-level division (县级); a higher-level division
//! has zeros in the lower pairs (`330000` Zhejiang, `330100` Hangzhou,
//! `330106` Xihu district).
//!
//! The province pair must be one of the province-level codes the standard
//! assigns ([`PROVINCES`]: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81,
//! 82). The lower pairs are not checked against the code list: it changes
//! every year and licenses keep the code of the day they were issued.

use std::fmt;

/// The province-level pairs of GB/T 2260 (including 71 Taiwan, 81 Hong Kong, 82 Macao).
pub const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Why an area code was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AreaCodeError {
    /// Not exactly six ASCII digits (GB/T 2260 clause 4).
    #[error("an area code is exactly six ASCII digits (GB/T 2260)")]
    Format,
    /// The first two digits are not a province-level code.
    #[error("{0:02} is not a province-level code of GB/T 2260")]
    Province(u8),
}

/// A six-digit GB/T 2260 administrative division code with a known province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode([u8; 6]);

impl AreaCode {
    /// Parses a code: exactly six ASCII digits whose first pair is in [`PROVINCES`].
    ///
    /// # Errors
    ///
    /// [`AreaCodeError::Format`] for anything but six ASCII digits (`"3301"`,
    /// `"33010６"`, `"ABCDEF"`); [`AreaCodeError::Province`] for an unknown
    /// province pair (`"000000"`, `"990101"`).
    pub fn parse(s: &str) -> Result<AreaCode, AreaCodeError> {
        let b = s.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return Err(AreaCodeError::Format);
        }
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(AreaCodeError::Province(province));
        }
        let mut code = [0u8; 6];
        code.copy_from_slice(b);
        Ok(AreaCode(code))
    }

    /// The province pair (11–82).
    pub fn province(&self) -> u8 {
        (self.0[0] - b'0') * 10 + (self.0[1] - b'0')
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        // Six ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for s in ["110000", "330106", "500103", "650102", "820000", "710000"] {
            let c = AreaCode::parse(s).unwrap();
            assert_eq!(c.as_str(), s);
        }
        assert_eq!(AreaCode::parse("330106").unwrap().province(), 33);
    }

    #[test]
    fn invalid_codes() {
        for s in [
            "", "33", "33010", "3301060", "33O106", "abcdef", "33010６", " 33010", "-33010",
        ] {
            assert_eq!(AreaCode::parse(s), Err(AreaCodeError::Format), "{s:?}");
        }
        assert_eq!(AreaCode::parse("000000"), Err(AreaCodeError::Province(0)));
        assert_eq!(AreaCode::parse("990101"), Err(AreaCodeError::Province(99)));
        assert_eq!(AreaCode::parse("160000"), Err(AreaCodeError::Province(16)));
        assert_eq!(AreaCode::parse("830000"), Err(AreaCodeError::Province(83)));
    }
}
