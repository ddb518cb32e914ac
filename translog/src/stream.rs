//! Verifying an export while it is read: the export document is parsed
//! from a JSON stream one record at a time and fed to an
//! [`ExportVerifier`], so a log of any size is checked keeping only its leaf
//! hashes (32 bytes a record) and signed heads, never its records.
//!
//! The crate does no I/O: the caller makes the [`serde_json::Deserializer`]
//! over what it reads (`Deserializer::from_reader` over a file or an HTTP
//! body, `from_slice` over bytes in memory).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::export::{ExportVerifier, Report, VerifyError};
use crate::record::DisclosureRecord;
use crate::sth::{LogPublicKey, SignedTreeHead};

/// Verifies the export document `de` yields against the trusted `key` and
/// the auditor's `known_heads`, as [`crate::verify_export_with`] does, but
/// reading it as a stream: the document is never held whole.
///
/// The document must be the whole input (only whitespace may follow).
///
/// # Errors
/// [`VerifyError::Malformed`] when the input is not JSON of the export's
/// shape (unknown, duplicate or missing fields included); otherwise the
/// first failed check, as [`crate::verify_export_with`] reports it. A
/// record or header that fails is reported as soon as it is read.
pub fn verify_export_json<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    key: &LogPublicKey,
    known_heads: &[SignedTreeHead],
) -> Result<Report, VerifyError> {
    let mut verifier = ExportVerifier::new(*key);
    let mut failure = None;
    let parsed = ExportSeed {
        v: &mut verifier,
        failure: &mut failure,
    }
    .deserialize(&mut *de);
    if let Some(e) = failure {
        return Err(e);
    }
    parsed?;
    de.end()?;
    verifier.finish(known_heads)
}

/// Verifies an export held in memory as bytes: [`verify_export_json`] over
/// a slice.
///
/// # Errors
/// As [`verify_export_json`].
pub fn verify_export_bytes(
    bytes: &[u8],
    key: &LogPublicKey,
    known_heads: &[SignedTreeHead],
) -> Result<Report, VerifyError> {
    verify_export_json(
        &mut serde_json::Deserializer::from_slice(bytes),
        key,
        known_heads,
    )
}

/// Keeps a verification failure for [`verify_export_json`] and stops the
/// parser with an error of its own type.
fn fail<E: de::Error>(slot: &mut Option<VerifyError>, e: VerifyError) -> E {
    let msg = e.to_string();
    *slot = Some(e);
    E::custom(msg)
}

#[derive(Deserialize, Clone, Copy)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Format,
    LogPublicKey,
    Records,
    SignedHeads,
}

const FIELDS: [&str; 4] = ["format", "log_public_key", "records", "signed_heads"];

/// The export object.
struct ExportSeed<'a> {
    v: &'a mut ExportVerifier,
    failure: &'a mut Option<VerifyError>,
}

impl<'de> DeserializeSeed<'de> for ExportSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExportSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a disclosure-log export object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ExportSeed { v, failure } = self;
        let mut seen = [false; 4];
        while let Some(field) = map.next_key::<Field>()? {
            let i = field as usize;
            if seen[i] {
                return Err(de::Error::duplicate_field(FIELDS[i]));
            }
            seen[i] = true;
            let checked = match field {
                Field::Format => {
                    let format: String = map.next_value()?;
                    v.format(&format)
                }
                Field::LogPublicKey => {
                    let key: LogPublicKey = map.next_value()?;
                    v.log_public_key(&key)
                }
                Field::Records => {
                    map.next_value_seed(Records {
                        v: &mut *v,
                        failure: &mut *failure,
                    })?;
                    Ok(())
                }
                Field::SignedHeads => {
                    map.next_value_seed(Heads { v: &mut *v })?;
                    Ok(())
                }
            };
            checked.map_err(|e| fail(failure, e))?;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(de::Error::missing_field(FIELDS[i]));
        }
        Ok(())
    }
}

/// The `records` array: each record checked as it is parsed, then dropped.
struct Records<'a> {
    v: &'a mut ExportVerifier,
    failure: &'a mut Option<VerifyError>,
}

impl<'de> DeserializeSeed<'de> for Records<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of disclosure records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<DisclosureRecord>()? {
            self.v.record(&r).map_err(|e| fail(self.failure, e))?;
        }
        Ok(())
    }
}

/// The `signed_heads` array.
struct Heads<'a> {
    v: &'a mut ExportVerifier,
}

impl<'de> DeserializeSeed<'de> for Heads<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Heads<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of signed tree heads")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(h) = seq.next_element::<SignedTreeHead>()? {
            self.v.signed_head(h);
        }
        Ok(())
    }
}
