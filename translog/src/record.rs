//! Disclosure records: what the log keeps about each decision, and their
//! canonical byte encoding (the Merkle leaf).
//!
//! A record names *what kind* of data a verifier saw — the policy, the
//! credential types and issuers, the *names* of the disclosed attributes —
//! and the outcome. It never holds an attribute value, a proof, a challenge
//! or anything else that could link two presentations by the same holder.
//! Every text field is checked against a narrow character set, so a value
//! cannot slip in by mistake (a reason is a code such as
//! `policy_unsatisfied`, not a message; an attribute name starts with a
//! letter, so no date or number passes as one).
//!
//! # Canonical encoding
//!
//! A record's leaf is its JSON in the RFC 8785 (JCS) canonical form: no
//! whitespace, object members in lexicographic order, integers in plain
//! decimal. Because the struct fields below are declared in that order, hold
//! only integers, validated ASCII strings, arrays and such structs, and are
//! serialised by `serde_json`'s compact writer, that writer's output *is*
//! the JCS form; a test pins it byte for byte.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::merkle::{leaf_hash, Hash};

/// The decision a record logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The presentation satisfied the policy.
    Accepted,
    /// The presentation was refused; the reason code says why.
    Refused,
}

/// The policy a decision was taken under.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    /// Policy identifier.
    pub id: String,
    /// Policy version (from 1).
    pub version: u32,
}

/// One credential of a presentation, as far as the log may know it.
///
/// Fields in JCS order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialDisclosure {
    /// The credential type (e.g. `cn.resident_id`).
    pub credential_type: String,
    /// Names of the attributes disclosed, sorted and without duplicates in a
    /// record.
    pub disclosed_attributes: Vec<String>,
    /// The issuer's identifier.
    pub issuer: String,
    /// Statements proven about attributes *not* disclosed (range
    /// predicates, equality links), by attribute name, operator and the
    /// verifier's public bound; never a value. Absent when empty, so
    /// records without statements encode as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proven: Vec<ProvenStatement>,
    /// The epoch of the issuer's status list the licence was proven valid
    /// in (its number only: nothing of the licence), when the policy asks
    /// for licence status. Absent otherwise, so records without it encode
    /// as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_epoch: Option<u64>,
}

/// A statement a credential was proven to meet, as the log keeps it.
///
/// Fields in JCS order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenStatement {
    /// The attribute's name.
    pub attribute: String,
    /// The verifier's bound: a date `YYYY-MM-DD` or an integer, `min..max`
    /// for `between`, and for `equal` the other side as `entry<k>.<name>`.
    pub bound: String,
    /// `>=`, `<=`, `>`, `<`, `between` or `equal`.
    pub op: String,
}

impl ProvenStatement {
    /// Checks the fields against the record's rules: a catalogue-style
    /// attribute name, one of [`PROVEN_OPS`], a bound of up to 64 of
    /// `[A-Za-z0-9_.:-]` (so no value or free text can pass as one).
    ///
    /// # Errors
    /// [`RecordError`] naming the first field that breaks its rule.
    pub fn check(&self) -> Result<(), RecordError> {
        check_attribute_name(&self.attribute).map_err(|_| RecordError {
            field: "credentials.proven.attribute",
            rule: "a letter then up to 63 of [A-Za-z0-9_.-]",
        })?;
        if !PROVEN_OPS.contains(&self.op.as_str()) {
            return Err(RecordError {
                field: "credentials.proven.op",
                rule: "one of >=, <=, >, <, between, equal",
            });
        }
        check_bound(&self.bound)
    }
}

/// The operators a [`ProvenStatement`] may name.
pub const PROVEN_OPS: [&str; 6] = [">=", "<=", ">", "<", "between", "equal"];

/// A decision to be logged; the log assigns its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureEvent {
    /// Decision time, RFC 3339 (see [`format_timestamp`]).
    pub timestamp: String,
    /// The verifier's identifier.
    pub verifier: String,
    /// The policy applied.
    pub policy: PolicyRef,
    /// The credentials presented.
    pub credentials: Vec<CredentialDisclosure>,
    /// The outcome.
    pub outcome: Outcome,
    /// Reason code (`[a-z0-9_]`), e.g. `ok`, `challenge_replayed`.
    pub reason: String,
}

/// A logged decision: a `DisclosureEvent` with its sequence number.
///
/// Fields in JCS order; see the module documentation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRecord {
    /// The credentials presented.
    pub credentials: Vec<CredentialDisclosure>,
    /// The outcome.
    pub outcome: Outcome,
    /// The policy applied.
    pub policy: PolicyRef,
    /// Reason code.
    pub reason: String,
    /// Position in the log, from 0; equal to the Merkle leaf index.
    pub sequence: u64,
    /// Decision time, RFC 3339.
    pub timestamp: String,
    /// The verifier's identifier.
    pub verifier: String,
}

/// A record field that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record field `{field}` is invalid: {rule}")]
pub struct RecordError {
    /// The offending field.
    pub field: &'static str,
    /// The rule it breaks.
    pub rule: &'static str,
}

impl RecordError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        "record_invalid"
    }
}

impl DisclosureRecord {
    /// Builds the record at `sequence` from an event: checks every field
    /// and sorts and deduplicates the attribute names.
    ///
    /// # Errors
    /// [`RecordError`] naming the first field that breaks its rule.
    pub fn from_event(sequence: u64, event: &DisclosureEvent) -> Result<Self, RecordError> {
        let mut credentials = event.credentials.clone();
        for c in &mut credentials {
            c.disclosed_attributes.sort();
            c.disclosed_attributes.dedup();
        }
        let record = DisclosureRecord {
            credentials,
            outcome: event.outcome,
            policy: event.policy.clone(),
            reason: event.reason.clone(),
            sequence,
            timestamp: event.timestamp.clone(),
            verifier: event.verifier.clone(),
        };
        record.validate()?;
        Ok(record)
    }

    /// Checks every field (see the module documentation); records parsed
    /// from an export go through this too.
    ///
    /// # Errors
    /// [`RecordError`] naming the first field that breaks its rule.
    pub fn validate(&self) -> Result<(), RecordError> {
        check_identifier("verifier", &self.verifier)?;
        check_identifier("policy.id", &self.policy.id)?;
        if self.policy.version == 0 {
            return Err(RecordError {
                field: "policy.version",
                rule: "starts at 1",
            });
        }
        check_code("reason", &self.reason)?;
        check_timestamp("timestamp", &self.timestamp)?;
        if self.credentials.len() > MAX_ITEMS {
            return Err(RecordError {
                field: "credentials",
                rule: "too many",
            });
        }
        for c in &self.credentials {
            check_identifier("credentials.credential_type", &c.credential_type)?;
            check_identifier("credentials.issuer", &c.issuer)?;
            if c.disclosed_attributes.len() > MAX_ITEMS {
                return Err(RecordError {
                    field: "credentials.disclosed_attributes",
                    rule: "too many",
                });
            }
            for name in &c.disclosed_attributes {
                check_attribute_name(name)?;
            }
            if c.proven.len() > MAX_ITEMS {
                return Err(RecordError {
                    field: "credentials.proven",
                    rule: "too many",
                });
            }
            for p in &c.proven {
                p.check()?;
            }
            if !c.disclosed_attributes.windows(2).all(|w| w[0] < w[1]) {
                return Err(RecordError {
                    field: "credentials.disclosed_attributes",
                    rule: "sorted, without duplicates",
                });
            }
        }
        Ok(())
    }

    /// The canonical (RFC 8785) JSON bytes: the Merkle leaf.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a record always serialises")
    }

    /// `SHA-256(0x00 || canonical_bytes)`: the Merkle leaf hash (RFC 6962
    /// §2.1).
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.canonical_bytes())
    }
}

const MAX_ITEMS: usize = 256;
const MAX_IDENTIFIER: usize = 256;
const MAX_NAME: usize = 64;

/// Identifiers of verifiers, issuers, policies and credential types: URIs,
/// DIDs or dotted names, printable ASCII without spaces, quotes or
/// backslashes.
fn check_identifier(field: &'static str, s: &str) -> Result<(), RecordError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_IDENTIFIER
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RecordError {
            field,
            rule: "1-256 URI characters",
        })
    }
}

/// Attribute names: a letter, then letters, digits, `_`, `.` or `-`.
fn check_attribute_name(s: &str) -> Result<(), RecordError> {
    let ok = s.len() <= MAX_NAME
        && s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RecordError {
            field: "credentials.disclosed_attributes",
            rule: "a letter then up to 63 of [A-Za-z0-9_.-]",
        })
    }
}

/// Bounds: up to 64 of `[A-Za-z0-9_.:-]` (dates, integers, `min..max`,
/// `entry<k>.<name>`).
fn check_bound(s: &str) -> Result<(), RecordError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_NAME
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RecordError {
            field: "credentials.proven.bound",
            rule: "1-64 of [A-Za-z0-9_.:-]",
        })
    }
}

/// Reason codes: `[a-z0-9_]`, starting with a letter.
fn check_code(field: &'static str, s: &str) -> Result<(), RecordError> {
    let ok = s.len() <= MAX_NAME
        && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(RecordError {
            field,
            rule: "a lowercase letter then up to 63 of [a-z0-9_]",
        })
    }
}

/// Checks an RFC 3339 timestamp as written by [`format_timestamp`]: UTC,
/// `Z`, milliseconds. One form only, so that equal instants encode equally
/// and timestamps in this form order as strings as they do in time.
///
/// `field` names the checked field in the error.
///
/// # Errors
/// [`RecordError`] (for `field`) if `s` is not in exactly that form.
pub fn check_timestamp(field: &'static str, s: &str) -> Result<(), RecordError> {
    let ok = OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .is_some_and(|t| format_timestamp(t) == s);
    if ok {
        Ok(())
    } else {
        Err(RecordError {
            field,
            rule: "RFC 3339, UTC, milliseconds: 2025-01-31T08:00:00.000Z",
        })
    }
}

/// Formats a time as RFC 3339 in UTC with milliseconds:
/// `2025-01-31T08:00:00.000Z`.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// The current time in the form of [`format_timestamp`].
pub fn now_timestamp() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn event() -> DisclosureEvent {
        DisclosureEvent {
            timestamp: "2025-03-01T08:30:00.125Z".into(),
            verifier: "did:web:hotel.example".into(),
            policy: PolicyRef {
                id: "hotel-checkin".into(),
                version: 2,
            },
            credentials: vec![CredentialDisclosure {
                credential_type: "cn.resident_id".into(),
                disclosed_attributes: vec!["name".into(), "age_over_18".into(), "name".into()],
                issuer: "cn.gov.mps".into(),
                proven: Vec::new(),
                status_epoch: None,
            }],
            outcome: Outcome::Accepted,
            reason: "ok".into(),
        }
    }

    #[test]
    fn canonical_bytes_are_jcs() {
        let r = DisclosureRecord::from_event(7, &event()).unwrap();
        let want = r#"{"credentials":[{"credential_type":"cn.resident_id","disclosed_attributes":["age_over_18","name"],"issuer":"cn.gov.mps"}],"outcome":"accepted","policy":{"id":"hotel-checkin","version":2},"reason":"ok","sequence":7,"timestamp":"2025-03-01T08:30:00.125Z","verifier":"did:web:hotel.example"}"#;
        assert_eq!(String::from_utf8(r.canonical_bytes()).unwrap(), want);
        // Parsing and re-encoding is the identity.
        let back: DisclosureRecord = serde_json::from_str(want).unwrap();
        assert_eq!(back.canonical_bytes(), want.as_bytes());
        let mut leaf = vec![0u8];
        leaf.extend_from_slice(want.as_bytes());
        assert_eq!(r.leaf_hash(), crate::merkle::Hash(sha2_digest(&leaf)));
    }

    fn sha2_digest(b: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(b).into()
    }

    #[test]
    fn proven_statements_encode_in_jcs_order_and_only_when_present() {
        let mut e = event();
        e.credentials[0].proven = vec![ProvenStatement {
            attribute: "birth_date".into(),
            bound: "2008-11-29".into(),
            op: "<=".into(),
        }];
        let r = DisclosureRecord::from_event(1, &e).unwrap();
        let text = String::from_utf8(r.canonical_bytes()).unwrap();
        assert!(text.contains(r#""issuer":"cn.gov.mps","proven":[{"attribute":"birth_date","bound":"2008-11-29","op":"<="}]"#), "{text}");
        let back: DisclosureRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        for (attribute, bound, op) in [
            ("birth_date", "2008-11-29", "=="),
            ("birth_date", "张三", "<="),
            ("birth_date", "a b", "<="),
            ("1990", "2008-11-29", "<="),
            ("birth_date", "", "<="),
        ] {
            e.credentials[0].proven[0] = ProvenStatement {
                attribute: attribute.into(),
                bound: bound.into(),
                op: op.into(),
            };
            assert!(
                DisclosureRecord::from_event(1, &e).is_err(),
                "{attribute} {bound} {op}"
            );
        }
    }

    #[test]
    fn values_cannot_pass_as_names() {
        let bad = |f: &dyn Fn(&mut DisclosureEvent)| {
            let mut e = event();
            f(&mut e);
            DisclosureRecord::from_event(0, &e).unwrap_err()
        };
        // A date, a number, a Chinese name, free text: all refused.
        for v in ["1990-01-01", "110101199001011234", "张三", "John Smith", ""] {
            let e = bad(&|e| e.credentials[0].disclosed_attributes.push(v.into()));
            assert_eq!(e.field, "credentials.disclosed_attributes");
        }
        let e = bad(&|e| e.reason = "Holder is under 18".into());
        assert_eq!(e.field, "reason");
        let e = bad(&|e| e.verifier = "a verifier".into());
        assert_eq!(e.field, "verifier");
        let e = bad(&|e| e.timestamp = "2025-03-01T16:30:00.125+08:00".into());
        assert_eq!(e.field, "timestamp");
        let e = bad(&|e| e.timestamp = "2025-03-01T08:30:00Z".into());
        assert_eq!(e.field, "timestamp");
        let e = bad(&|e| e.policy.version = 0);
        assert_eq!(e.field, "policy.version");
        assert_eq!(e.code(), "record_invalid");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r = DisclosureRecord::from_event(0, &event()).unwrap();
        let mut v = serde_json::to_value(&r).unwrap();
        v["holder"] = "someone".into();
        assert!(serde_json::from_value::<DisclosureRecord>(v).is_err());
    }

    #[test]
    fn timestamps() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_740_817_800_125_999_999).unwrap();
        assert_eq!(format_timestamp(t), "2025-03-01T08:30:00.125Z");
        assert!(check_timestamp("t", &now_timestamp()).is_ok());
    }
}
