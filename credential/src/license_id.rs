//! Electronic license identifiers (电子证照标识, GB/T 36904) and unified social
//! credit codes (统一社会信用代码, GB 32100).
//!
//! # License identifier structure
//!
//! ```text
//! 1.2.156.3005.2 . <type code> . <issuer USCC> . <serial> . <version> . <check>
//! root OID         21 chars      18 chars        1-32       3 digits    1 char
//! ```
//!
//! Example (a published identifier): `1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`.
//!
//! * **root**: the fixed OID arc `1.2.156.3005.2` of Chinese electronic licenses.
//! * **type code** (证照类型代码): the 18-character unified social credit code of
//!   the authority that defines the license type, followed by a 3-digit sequence
//!   number. The embedded code's own check character is validated.
//! * **issuer** (证照颁发机构代码): the issuing authority's 18-character unified
//!   social credit code, validated with its GB 32100 check character.
//! * **serial** (流水号): assigned by the issuer.
//! * **version** (版本号): three decimal digits, `001` for a first issue.
//! * **check** (校验位): ISO/IEC 7064 MOD 37,36 hybrid check character computed
//!   over the concatenation `type code ‖ issuer ‖ serial ‖ version` (no root, no
//!   dots), over the alphabet `0-9A-Z` (values 0–35).
//!
//! The structure, the dots as separators, the field lengths of the type code,
//! issuer and version and the check-character input were confirmed against
//! published identifiers (whose check characters this module reproduces, see
//! the tests). **Assumed**, because the standard's text was not at hand: the
//! serial is 1 to 32 characters of `0-9A-Z` (published serials are 10 to 32
//! characters: dates with counters, random strings, hex UUIDs), and all
//! letters must be upper case (lower case is rejected rather than folded, so
//! that every identifier has exactly one spelling).
//!
//! # Unified social credit code (GB 32100)
//!
//! 18 characters over `0-9 A-H J-N P-R T-U W-Y` (no I, O, S, V, Z), with values
//! 0–30 in that order. Position 1 is the registration authority, 2 the
//! organisation kind, 3–8 the administrative division code (digits), 9–17 the
//! organisation code, 18 the check character: `C18 = (31 − Σ Ci·Wi mod 31) mod 31`
//! with weights `Wi = 3^(i−1) mod 31`.

use std::fmt;
use std::str::FromStr;

use rand_core::{CryptoRng, RngCore};

/// Root OID of Chinese electronic license identifiers.
pub const ROOT: &str = "1.2.156.3005.2";
/// Length of a unified social credit code.
pub const USCC_LEN: usize = 18;
/// Length of a license type code (18-character USCC + 3-digit sequence).
pub const TYPE_CODE_LEN: usize = 21;
/// Maximum length of a serial number (assumed, see module docs).
pub const MAX_SERIAL_LEN: usize = 32;

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const MOD37_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Why a license identifier or unified social credit code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenseIdError {
    /// The identifier does not start with `1.2.156.3005.2.`.
    #[error("license identifier does not start with the root {ROOT}")]
    BadRoot,
    /// The identifier does not have the five dot-separated fields after the root.
    #[error("license identifier must have 5 dot-separated fields after the root, found {0}")]
    FieldCount(usize),
    /// A field has the wrong length.
    #[error("{field} has length {found}, expected {expected}")]
    Length {
        /// Which field.
        field: &'static str,
        /// Length found.
        found: usize,
        /// Length (or range) expected.
        expected: &'static str,
    },
    /// A field contains a character outside its alphabet.
    #[error("{field} contains the invalid character {ch:?} at position {position}")]
    BadCharacter {
        /// Which field.
        field: &'static str,
        /// The offending character.
        ch: char,
        /// 1-based position within the field.
        position: usize,
    },
    /// The check character does not match.
    #[error("{field} check character is {found:?}, expected {expected:?}")]
    CheckMismatch {
        /// Which field (`unified social credit code` or `license identifier`).
        field: &'static str,
        /// Check character found.
        found: char,
        /// Check character computed.
        expected: char,
    },
    /// The version is out of range.
    #[error("version {0} is outside 0..=999")]
    Version(u32),
}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// Computes the GB 32100 check character of the first 17 characters of a USCC.
///
/// # Errors
/// [`LicenseIdError::Length`] unless 17 characters,
/// [`LicenseIdError::BadCharacter`] for a character outside the GB 32100
/// alphabet.
pub fn uscc_check_char(first17: &str) -> Result<char, LicenseIdError> {
    const FIELD: &str = "unified social credit code";
    if first17.len() != USCC_LEN - 1 {
        return Err(LicenseIdError::Length {
            field: FIELD,
            found: first17.chars().count(),
            expected: "17 (without check character)",
        });
    }
    let mut sum = 0u32;
    let mut weight = 1u32;
    for (i, c) in first17.bytes().enumerate() {
        let v = uscc_value(c).ok_or(LicenseIdError::BadCharacter {
            field: FIELD,
            ch: first17[i..].chars().next().unwrap_or('?'),
            position: i + 1,
        })?;
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Ok(USCC_ALPHABET[check as usize] as char)
}

/// A validated 18-character unified social credit code (GB 32100).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and validates a unified social credit code.
    ///
    /// # Errors
    /// [`LicenseIdError::Length`] unless 18 characters,
    /// [`LicenseIdError::BadCharacter`], [`LicenseIdError::CheckMismatch`] when
    /// the check character is not the GB 32100 one.
    pub fn parse(s: &str) -> Result<Self, LicenseIdError> {
        const FIELD: &str = "unified social credit code";
        if s.len() != USCC_LEN || s.chars().count() != USCC_LEN {
            return Err(LicenseIdError::Length {
                field: FIELD,
                found: s.chars().count(),
                expected: "18",
            });
        }
        for (i, c) in s.bytes().enumerate() {
            let ok = if (2..8).contains(&i) {
                c.is_ascii_digit()
            } else {
                uscc_value(c).is_some()
            };
            if !ok {
                return Err(LicenseIdError::BadCharacter {
                    field: FIELD,
                    ch: c as char,
                    position: i + 1,
                });
            }
        }
        let expected = uscc_check_char(&s[..17])?;
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(LicenseIdError::CheckMismatch {
                field: FIELD,
                found,
                expected,
            });
        }
        Ok(Uscc(s.to_owned()))
    }

    /// Builds a code from its first 17 characters by appending the check character.
    ///
    /// # Errors
    /// As [`uscc_check_char`].
    pub fn with_check_char(first17: &str) -> Result<Self, LicenseIdError> {
        let check = uscc_check_char(first17)?;
        Uscc::parse(&format!("{first17}{check}"))
    }

    /// The code as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = LicenseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

/// A validated license type code: the defining authority's USCC and a 3-digit sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenseTypeCode(String);

impl LicenseTypeCode {
    /// Parses and validates a 21-character license type code.
    ///
    /// # Errors
    /// [`LicenseIdError::Length`] unless 21 characters,
    /// [`LicenseIdError::BadCharacter`] for a non-digit sequence number, and the
    /// errors of [`Uscc::parse`] for the embedded code.
    pub fn parse(s: &str) -> Result<Self, LicenseIdError> {
        const FIELD: &str = "license type code";
        if s.len() != TYPE_CODE_LEN || s.chars().count() != TYPE_CODE_LEN {
            return Err(LicenseIdError::Length {
                field: FIELD,
                found: s.chars().count(),
                expected: "21",
            });
        }
        Uscc::parse(&s[..USCC_LEN])?;
        for (i, c) in s.bytes().enumerate().skip(USCC_LEN) {
            if !c.is_ascii_digit() {
                return Err(LicenseIdError::BadCharacter {
                    field: FIELD,
                    ch: c as char,
                    position: i + 1,
                });
            }
        }
        Ok(LicenseTypeCode(s.to_owned()))
    }

    /// The code as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The defining authority's unified social credit code.
    pub fn defining_authority(&self) -> Uscc {
        Uscc(self.0[..USCC_LEN].to_owned())
    }
}

impl serde::Serialize for LicenseTypeCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Display for LicenseTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn mod37_value(c: u8) -> Option<u32> {
    MOD37_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|v| v as u32)
}

/// Computes the ISO/IEC 7064 MOD 37,36 (hybrid) check character of `data`
/// (characters `0-9A-Z`).
///
/// With M = 36: P starts at M; for each character a, S = (P + a) mod M (0 is
/// replaced by M) and P = 2S mod (M + 1). The check character c makes
/// (P + c) mod M equal to 1.
///
/// # Errors
/// [`LicenseIdError::BadCharacter`] for a character outside `0-9A-Z`.
pub fn mod37_36_check_char(data: &str) -> Result<char, LicenseIdError> {
    let mut p = 36u32;
    for (i, c) in data.bytes().enumerate() {
        let a = mod37_value(c).ok_or(LicenseIdError::BadCharacter {
            field: "check character input",
            ch: data[i..].chars().next().unwrap_or('?'),
            position: i + 1,
        })?;
        let mut s = (p + a) % 36;
        if s == 0 {
            s = 36;
        }
        p = (2 * s) % 37;
    }
    let check = (37 - p) % 36;
    Ok(MOD37_ALPHABET[check as usize] as char)
}

/// A validated electronic license identifier (GB/T 36904).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenseId {
    type_code: LicenseTypeCode,
    issuer: Uscc,
    serial: String,
    version: u16,
}

fn validate_serial(serial: &str) -> Result<(), LicenseIdError> {
    const FIELD: &str = "serial number";
    let n = serial.chars().count();
    if n == 0 || n > MAX_SERIAL_LEN {
        return Err(LicenseIdError::Length {
            field: FIELD,
            found: n,
            expected: "1 to 32",
        });
    }
    for (i, c) in serial.chars().enumerate() {
        if !(c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(LicenseIdError::BadCharacter {
                field: FIELD,
                ch: c,
                position: i + 1,
            });
        }
    }
    Ok(())
}

impl LicenseId {
    /// Builds an identifier from its parts (the check character is computed).
    ///
    /// # Errors
    /// [`LicenseIdError::Length`] or [`LicenseIdError::BadCharacter`] for a
    /// serial that is not 1 to 32 characters of `0-9A-Z`,
    /// [`LicenseIdError::Version`] above 999.
    pub fn new(
        type_code: LicenseTypeCode,
        issuer: Uscc,
        serial: &str,
        version: u32,
    ) -> Result<Self, LicenseIdError> {
        validate_serial(serial)?;
        if version > 999 {
            return Err(LicenseIdError::Version(version));
        }
        Ok(LicenseId {
            type_code,
            issuer,
            serial: serial.to_owned(),
            version: version as u16,
        })
    }

    /// Builds an identifier with a random 20-character serial number.
    ///
    /// # Errors
    /// [`LicenseIdError::Version`] above 999.
    pub fn generate(
        type_code: LicenseTypeCode,
        issuer: Uscc,
        version: u32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, LicenseIdError> {
        let serial: String = (0..20)
            .map(|_| {
                // Rejection sampling keeps the 36 symbols uniform.
                loop {
                    let b = (rng.next_u32() & 0xff) as u8;
                    if b < 252 {
                        return MOD37_ALPHABET[(b % 36) as usize] as char;
                    }
                }
            })
            .collect();
        LicenseId::new(type_code, issuer, &serial, version)
    }

    /// Parses and validates an identifier, including every check character.
    ///
    /// # Errors
    /// [`LicenseIdError::BadRoot`] without the `1.2.156.3005.2` arc,
    /// [`LicenseIdError::FieldCount`], [`LicenseIdError::Length`],
    /// [`LicenseIdError::BadCharacter`], the errors of [`LicenseTypeCode::parse`]
    /// and [`Uscc::parse`], [`LicenseIdError::Version`], and
    /// [`LicenseIdError::CheckMismatch`] when the ISO/IEC 7064 MOD 37,36 check
    /// character is wrong.
    pub fn parse(s: &str) -> Result<Self, LicenseIdError> {
        let rest = s
            .strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(LicenseIdError::BadRoot)?;
        let fields: Vec<&str> = rest.split('.').collect();
        if fields.len() != 5 {
            return Err(LicenseIdError::FieldCount(fields.len()));
        }
        let type_code = LicenseTypeCode::parse(fields[0])?;
        let issuer = Uscc::parse(fields[1])?;
        validate_serial(fields[2])?;
        let version_str = fields[3];
        if version_str.len() != 3 {
            return Err(LicenseIdError::Length {
                field: "version",
                found: version_str.chars().count(),
                expected: "3",
            });
        }
        for (i, c) in version_str.chars().enumerate() {
            if !c.is_ascii_digit() {
                return Err(LicenseIdError::BadCharacter {
                    field: "version",
                    ch: c,
                    position: i + 1,
                });
            }
        }
        let version: u32 = version_str.parse().map_err(|_| LicenseIdError::Length {
            field: "version",
            found: version_str.len(),
            expected: "3",
        })?;
        let check = fields[4];
        if check.chars().count() != 1 {
            return Err(LicenseIdError::Length {
                field: "check character",
                found: check.chars().count(),
                expected: "1",
            });
        }
        let id = LicenseId::new(type_code, issuer, fields[2], version)?;
        let expected = id.check_char();
        let found = check.chars().next().unwrap_or('?');
        if found != expected {
            return Err(LicenseIdError::CheckMismatch {
                field: "license identifier",
                found,
                expected,
            });
        }
        Ok(id)
    }

    /// The MOD 37,36 check character of this identifier.
    pub fn check_char(&self) -> char {
        let data = format!(
            "{}{}{}{:03}",
            self.type_code, self.issuer, self.serial, self.version
        );
        // All parts are validated to the 0-9A-Z alphabet, so this cannot fail.
        mod37_36_check_char(&data).unwrap_or('?')
    }

    /// The license type code.
    pub fn type_code(&self) -> &LicenseTypeCode {
        &self.type_code
    }

    /// The issuing authority's unified social credit code.
    pub fn issuer(&self) -> &Uscc {
        &self.issuer
    }

    /// The serial number.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The version (0..=999).
    pub fn version(&self) -> u32 {
        u32::from(self.version)
    }
}

impl fmt::Display for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ROOT}.{}.{}.{}.{:03}.{}",
            self.type_code,
            self.issuer,
            self.serial,
            self.version,
            self.check_char()
        )
    }
}

impl FromStr for LicenseId {
    type Err = LicenseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LicenseId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    // Codes published by issuing authorities (they appear in real license identifiers)
    // and the worked example of GB 32100 with its correct check character.
    const GOOD_USCC: &[&str] = &[
        "11100000000013338W",
        "11330105002500287C",
        "11430000006122244L",
        "113700000045046442",
        "11110000000021135M",
        "11100000MB03271699",
        "91512081MA62K0260E",
        "91350100M000100Y43",
    ];

    #[test]
    fn known_good_uscc_validate() {
        for s in GOOD_USCC {
            assert_eq!(Uscc::parse(s).map(|u| u.to_string()), Ok(s.to_string()));
            assert_eq!(Uscc::with_check_char(&s[..17]).unwrap().as_str(), *s);
        }
    }

    #[test]
    fn gb32100_worked_example_is_rejected_with_expected_check() {
        // The standard's example "91350100M000100Y4Z" is wrong (Z is not even in
        // the alphabet); the correct check character is "3".
        assert!(matches!(
            Uscc::parse("91350100M000100Y4Z"),
            Err(LicenseIdError::BadCharacter {
                ch: 'Z',
                position: 18,
                ..
            })
        ));
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(LicenseIdError::CheckMismatch {
                field: "unified social credit code",
                found: '4',
                expected: '3'
            })
        );
    }

    #[test]
    fn uscc_rejects_excluded_letters_and_bad_lengths() {
        for bad in [
            "1110000000001333IW",
            "11100000000013338",
            "11100000000013338WW",
            "",
        ] {
            assert!(Uscc::parse(bad).is_err(), "{bad}");
        }
        // Letters in the division code positions are rejected.
        assert!(matches!(
            Uscc::parse("111A0000000013338W"),
            Err(LicenseIdError::BadCharacter { position: 4, .. })
        ));
        // Lower case is not folded.
        assert!(Uscc::parse("11100000000013338w").is_err());
        // Multi-byte input is an error, not a panic.
        assert!(Uscc::parse("1110000000001333中").is_err());
    }

    #[test]
    fn uscc_every_single_substitution_detected() {
        for s in GOOD_USCC {
            for pos in 0..USCC_LEN {
                for &c in USCC_ALPHABET {
                    if c == s.as_bytes()[pos] {
                        continue;
                    }
                    let mut b = s.as_bytes().to_vec();
                    b[pos] = c;
                    let t = String::from_utf8(b).unwrap();
                    assert!(Uscc::parse(&t).is_err(), "{t} accepted");
                }
            }
        }
    }

    #[test]
    fn mod37_36_reference_values() {
        // Published ISO/IEC 7064 MOD 37,36 examples.
        assert_eq!(mod37_36_check_char("123AB"), Ok('X'));
        assert_eq!(mod37_36_check_char("DADPIDA3897722461"), Ok('J'));
        assert_eq!(mod37_36_check_char("A12425GABC1234002"), Ok('M'));
        assert!(mod37_36_check_char("12-3").is_err());
    }

    #[test]
    fn published_license_ids_validate() {
        for s in [
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
        ] {
            let id = LicenseId::parse(s).unwrap();
            assert_eq!(id.to_string(), s);
        }
        let id = LicenseId::parse(
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
        )
        .unwrap();
        assert_eq!(id.type_code().as_str(), "11100000000013338W009");
        assert_eq!(id.issuer().as_str(), "11330105002500287C");
        assert_eq!(id.serial(), "2025052201");
        assert_eq!(id.version(), 2);
        assert_eq!(id.check_char(), '0');
    }

    fn sample(rng: &mut StdRng) -> LicenseId {
        LicenseId::generate(
            LicenseTypeCode::parse("11100000000013338W011").unwrap(),
            Uscc::parse("11430000006122244L").unwrap(),
            1,
            rng,
        )
        .unwrap()
    }

    #[test]
    fn generate_round_trips() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let id = sample(&mut rng);
            let s = id.to_string();
            assert_eq!(LicenseId::parse(&s), Ok(id.clone()));
            assert_eq!(
                s.len(),
                ROOT.len() + 1 + 21 + 1 + 18 + 1 + 20 + 1 + 3 + 1 + 1
            );
        }
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let mut rng = StdRng::seed_from_u64(11);
        let printable: Vec<u8> = (0x20u8..0x7f).collect();
        for _ in 0..3 {
            let s = sample(&mut rng).to_string();
            for pos in 0..s.len() {
                for &c in &printable {
                    if c == s.as_bytes()[pos] {
                        continue;
                    }
                    let mut b = s.as_bytes().to_vec();
                    b[pos] = c;
                    let t = String::from_utf8(b).unwrap();
                    assert!(LicenseId::parse(&t).is_err(), "{t} accepted");
                }
            }
        }
    }

    #[test]
    fn structural_errors_are_specific() {
        assert_eq!(
            LicenseId::parse("1.2.156.3005.3.x"),
            Err(LicenseIdError::BadRoot)
        );
        assert_eq!(
            LicenseId::parse("1.2.156.3005.2.a.b"),
            Err(LicenseIdError::FieldCount(2))
        );
        assert!(LicenseId::new(
            LicenseTypeCode::parse("11100000000013338W011").unwrap(),
            Uscc::parse("11430000006122244L").unwrap(),
            "ABC",
            1000
        )
        .is_err());
        assert!(LicenseTypeCode::parse("11100000000013338W01A").is_err());
        assert!(LicenseTypeCode::parse("11100000000013338X011").is_err());
    }
}
