//! License numbers (证照编号, the GB/T 36903 metadata element).
//!
//! GB/T 36903 leaves the number's format to each license type. Every number
//! must be usable as printed: non-empty, without surrounding white space or
//! control characters, at most [`MAX_LICENSE_NUMBER_CHARS`] characters. A
//! type whose catalogue entry sets `"license_number_format":
//! "holder_id_number"` (the resident identity card, whose number is the
//! citizen identification number, and the motor vehicle driving license,
//! whose number is the holder's identification number under the Ministry of
//! Public Security's rules on applying for and using driving licenses) must
//! carry the holder's `holder_id` as its number.

/// Most characters a license number may have.
pub const MAX_LICENSE_NUMBER_CHARS: usize = 64;

/// Why a license number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LicenseNumberError {
    /// Empty or white space only.
    #[error("a license number must not be empty")]
    Empty,
    /// Starts or ends with white space.
    #[error("a license number must not start or end with white space")]
    Whitespace,
    /// Contains a control character.
    #[error("a license number must not contain control characters")]
    Control,
    /// Longer than [`MAX_LICENSE_NUMBER_CHARS`].
    #[error("a license number has at most {MAX_LICENSE_NUMBER_CHARS} characters")]
    TooLong,
}

/// Checks the rules every license number follows (see the module docs).
///
/// # Errors
///
/// The first rule broken, in the order of [`LicenseNumberError`].
pub fn check(s: &str) -> Result<(), LicenseNumberError> {
    if s.trim().is_empty() {
        return Err(LicenseNumberError::Empty);
    }
    if s.trim() != s {
        return Err(LicenseNumberError::Whitespace);
    }
    if s.chars().any(char::is_control) {
        return Err(LicenseNumberError::Control);
    }
    if s.chars().count() > MAX_LICENSE_NUMBER_CHARS {
        return Err(LicenseNumberError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for s in [
            "No.0000000001",
            "川(2024)成都市不动产权第0031415号",
            "330106199005172313",
        ] {
            assert_eq!(check(s), Ok(()), "{s}");
        }
        assert_eq!(check(""), Err(LicenseNumberError::Empty));
        assert_eq!(check(" \u{3000}"), Err(LicenseNumberError::Empty));
        assert_eq!(check(" No.1"), Err(LicenseNumberError::Whitespace));
        assert_eq!(check("No.\u{7}1"), Err(LicenseNumberError::Control));
        assert_eq!(check(&"9".repeat(65)), Err(LicenseNumberError::TooLong));
        assert_eq!(check(&"9".repeat(64)), Ok(()));
    }
}
