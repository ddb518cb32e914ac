//! The verifier's presentation request: its document, validation against
//! the catalogue, expiry and digest.

use std::collections::BTreeSet;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::registration::{RequestPolicy, VerifierRegistration};
use super::statement::{
    check_list, earlier_entry, resolve_equal, resolve_range, statements_json, Statement,
};
use super::status::{StatusRequirement, MAX_EPOCH_AGE};
use super::{
    MAX_CHALLENGE_LEN, MAX_REQUESTED_CREDENTIALS, MIN_CHALLENGE_LEN, REQUEST_FORMAT,
    REQUEST_VERSION, UNSIGNED_REQUEST_VERSION,
};
use crate::canonical::Canonical;
use crate::catalogue::{Catalogue, CredentialType};
use crate::credential::check_document;
use crate::error::{AttributeError, Error};
use crate::keys::check_identifier;

/// One credential a verifier asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestedCredential {
    /// The credential type.
    pub credential_type: String,
    /// Attributes to disclose, by name.
    pub disclose: Vec<String>,
    /// Accepted issuers (empty: any issuer whose key the verifier trusts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    /// Statements the holder proves about undisclosed attributes (range
    /// predicates, equality with an earlier entry), at most
    /// [`MAX_STATEMENTS_PER_ENTRY`](super::MAX_STATEMENTS_PER_ENTRY).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    /// Every credential type accepted for this entry, when more than
    /// `credential_type` (which it then contains: the verifier's first
    /// choice). Empty: only `credential_type`. Disclosed and statement
    /// attributes must exist in each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_types: Vec<String>,
    /// Whether, and how freshly, the holder proves that the licence is
    /// valid in its issuer's status list ([`super::status`]); `None`: not
    /// asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRequirement>,
}

impl RequestedCredential {
    /// Asks for a credential of `credential_type` disclosing `disclose`.
    pub fn new(credential_type: &str, disclose: &[&str]) -> Self {
        RequestedCredential {
            credential_type: credential_type.into(),
            disclose: disclose.iter().map(|s| s.to_string()).collect(),
            issuers: Vec::new(),
            statements: Vec::new(),
            accepted_types: Vec::new(),
            status: None,
        }
    }

    /// Whether a credential of type `ty` answers this entry: it is
    /// `credential_type` or one of `accepted_types`.
    pub fn accepts(&self, ty: &str) -> bool {
        self.credential_type == ty || self.accepted_types.iter().any(|t| t == ty)
    }

    /// The accepted types: `credential_type` first, then the other
    /// `accepted_types` in their order (each once).
    pub fn types(&self) -> Vec<&str> {
        let mut out = vec![self.credential_type.as_str()];
        for t in &self.accepted_types {
            if !out.contains(&t.as_str()) {
                out.push(t);
            }
        }
        out
    }
}

/// A verifier's presentation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationRequest {
    /// Always [`REQUEST_FORMAT`].
    pub format: String,
    /// [`UNSIGNED_REQUEST_VERSION`] (1) or, signed, [`REQUEST_VERSION`] (2).
    pub version: u32,
    /// The verifier's identity.
    pub verifier: String,
    /// One-time challenge, hex.
    pub challenge: String,
    /// When the request stops being answerable.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The credentials asked for.
    pub credentials: Vec<RequestedCredential>,
    /// Signed requests (version 2): the registered policy the request is
    /// made under, and the requirement each entry answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<RequestPolicy>,
    /// Signed requests: the policy's purpose, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Signed requests: the policy's legal basis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Signed requests: the verifier's registration, signed by a regulator
    /// (embedded so that an offline wallet can check it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<Box<VerifierRegistration>>,
    /// Signed requests: the request key's Ed25519 signature over every
    /// other field, 128 lowercase hex digits (see
    /// [`registration`](super::registration)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// A per-verifier pseudonym asked for: the holder proves, in the same
    /// composite proof, `pseudonym = hash_to_curve(context) * holder
    /// secret` (see `zkcred_crypto::composite::pseudonym`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<PseudonymRequest>,
}

/// A pseudonym asked for in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymRequest {
    /// The verifier's context, e.g. `hotel:<chain id>`: the same holder
    /// gets the same pseudonym in the same context, unlinkable ones in
    /// others. 1 to 255 octets of UTF-8 without control characters.
    pub context: String,
}

impl PseudonymRequest {
    /// Checks the context.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for an empty, too long or control-character
    /// context.
    pub fn check(&self) -> Result<(), Error> {
        let n = self.context.len();
        if n == 0 || n > zkcred_crypto::composite::pseudonym::MAX_CONTEXT_ID_LEN {
            return Err(Error::InvalidRequest(
                "pseudonym context must be 1 to 255 octets".into(),
            ));
        }
        if self.context.chars().any(char::is_control) {
            return Err(Error::InvalidRequest(
                "pseudonym context has control characters".into(),
            ));
        }
        Ok(())
    }
}

fn decode_challenge(challenge: &str) -> Result<Vec<u8>, Error> {
    let bytes =
        hex::decode(challenge).map_err(|_| Error::InvalidRequest("challenge is not hex".into()))?;
    if !(MIN_CHALLENGE_LEN..=MAX_CHALLENGE_LEN).contains(&bytes.len()) {
        return Err(Error::InvalidRequest(format!(
            "challenge must be {MIN_CHALLENGE_LEN} to {MAX_CHALLENGE_LEN} octets"
        )));
    }
    Ok(bytes)
}

/// The catalogue types of an entry's accepted types, `credential_type` first.
fn entry_types<'c>(
    catalogue: &'c Catalogue,
    rc: &RequestedCredential,
) -> Result<Vec<&'c CredentialType>, Error> {
    if !rc.accepted_types.is_empty() && !rc.accepted_types.contains(&rc.credential_type) {
        return Err(Error::InvalidRequest(format!(
            "accepted_types must include credential_type {:?}",
            rc.credential_type
        )));
    }
    for (i, t) in rc.accepted_types.iter().enumerate() {
        if rc.accepted_types[..i].contains(t) {
            return Err(Error::InvalidRequest(format!("type {t:?} accepted twice")));
        }
    }
    rc.types()
        .into_iter()
        .map(|ty| {
            catalogue
                .get(ty)
                .ok_or_else(|| Error::UnknownCredentialType(ty.chars().take(64).collect()))
        })
        .collect()
}

fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl PresentationRequest {
    /// An unsigned (version 1) request with a fresh 32-octet challenge
    /// (sign it with [`PresentationRequest::sign`]).
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`] for a bad `verifier`. The credentials are
    /// not checked here: see [`PresentationRequest::validate`].
    pub fn new(
        verifier: &str,
        credentials: Vec<RequestedCredential>,
        expires_at: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, Error> {
        check_identifier("verifier", verifier)?;
        let mut challenge = [0u8; 32];
        rng.fill_bytes(&mut challenge);
        Ok(PresentationRequest {
            format: REQUEST_FORMAT.into(),
            version: UNSIGNED_REQUEST_VERSION,
            verifier: verifier.into(),
            challenge: hex::encode(challenge),
            expires_at,
            credentials,
            pseudonym: None,
            policy: None,
            purpose: None,
            legal_basis: None,
            registration: None,
            signature: None,
        })
    }

    /// Parses a request document (use [`validate`](Self::validate) to check it).
    ///
    /// # Errors
    /// [`Error::Json`] when the text is not a request document.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            what: "presentation request",
            source,
        })
    }

    /// The request document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the request against the catalogue: format and version (1,
    /// unsigned, or 2, signed: the signed fields' shape, not the signature,
    /// which [`PresentationRequest::authenticate`] checks), verifier, challenge,
    /// known types (every accepted type of every entry), disclosed names in
    /// every accepted type's layout and unique, and the statements (as
    /// [`resolve_statements`](super::resolve_statements) checks them, for
    /// every accepted type of the entry and of the earlier entry an equality
    /// points to, whose attribute that entry must not disclose either).
    ///
    /// # Errors
    /// [`Error::UnsupportedFormat`]; [`Error::InvalidIdentifier`] for the
    /// verifier or an issuer; [`Error::InvalidRequest`] for signed fields in
    /// a version 1 request or missing or malformed ones in a version 2
    /// request, a registration as [`VerifierRegistration::check_shape`]
    /// refuses it, a challenge that is
    /// not 16 to 64 hex octets, no or too many credentials, an attribute
    /// asked for twice, or `accepted_types` without `credential_type` or
    /// with a type twice; [`Error::UnknownCredentialType`];
    /// [`AttributeError::NotInLayout`] (as [`Error::Attribute`]) for a
    /// disclosed name some accepted type lacks; [`Error::InvalidStatement`].
    pub fn validate(&self, catalogue: &Catalogue) -> Result<(), Error> {
        let version = if self.version == UNSIGNED_REQUEST_VERSION {
            UNSIGNED_REQUEST_VERSION
        } else {
            REQUEST_VERSION
        };
        check_document(REQUEST_FORMAT, version, &self.format, self.version)?;
        self.check_signed_fields()?;
        check_identifier("verifier", &self.verifier)?;
        decode_challenge(&self.challenge)?;
        if let Some(p) = &self.pseudonym {
            p.check()?;
        }
        if self.credentials.is_empty() || self.credentials.len() > MAX_REQUESTED_CREDENTIALS {
            return Err(Error::InvalidRequest(format!(
                "must ask for 1 to {MAX_REQUESTED_CREDENTIALS} credentials"
            )));
        }
        let mut all_types: Vec<Vec<&CredentialType>> = Vec::with_capacity(self.credentials.len());
        for (index, rc) in self.credentials.iter().enumerate() {
            let types = entry_types(catalogue, rc)?;
            for t in &types {
                let mut seen = BTreeSet::new();
                for name in &rc.disclose {
                    if t.attribute(name).is_none() {
                        return Err(AttributeError::NotInLayout {
                            attribute: name.clone(),
                            credential_type: t.id.clone(),
                        }
                        .into());
                    }
                    if !seen.insert(name) {
                        return Err(Error::InvalidRequest(format!(
                            "attribute {name:?} requested twice"
                        )));
                    }
                }
            }
            for issuer in &rc.issuers {
                check_identifier("issuer", issuer)?;
            }
            if let Some(st) = &rc.status {
                if st.max_epoch_age > MAX_EPOCH_AGE {
                    return Err(Error::InvalidRequest(format!(
                        "entry {index}: status max_epoch_age above {MAX_EPOCH_AGE} s"
                    )));
                }
            }
            check_list(index, &rc.statements)?;
            for s in &rc.statements {
                match s {
                    Statement::Range(r) => {
                        for t in &types {
                            resolve_range(t, index, &rc.disclose, s, r)?;
                        }
                    }
                    Statement::Equal(e) => {
                        let other = earlier_entry(index, s, e)?;
                        if self.credentials[other].disclose.contains(&e.to.attribute) {
                            return Err(Error::InvalidStatement(format!(
                                "entry {index}: equal statement on {:?}: entry {other} discloses {:?}",
                                e.attribute, e.to.attribute
                            )));
                        }
                        for t in &types {
                            for o in &all_types[other] {
                                resolve_equal(t, index, &rc.disclose, s, e, o)?;
                            }
                        }
                    }
                }
            }
            all_types.push(types);
        }
        Ok(())
    }

    /// The request digest (see the module docs).
    pub fn digest(&self) -> [u8; 32] {
        let mut c = Canonical::new("ZKCRED-REQUEST-V1");
        c.str(&self.verifier)
            .bytes(&hex::decode(&self.challenge).unwrap_or_default())
            .i64(self.expires_at.unix_timestamp())
            .count(self.credentials.len());
        for rc in &self.credentials {
            c.str(&rc.credential_type).count(rc.disclose.len());
            for d in &rc.disclose {
                c.str(d);
            }
            c.count(rc.issuers.len());
            for i in &rc.issuers {
                c.str(i);
            }
            let js = statements_json(&rc.statements);
            c.count(js.len());
            for j in &js {
                c.str(j);
            }
        }
        // The accepted types follow all entries, and only when some entry
        // has them: requests without alternatives keep their digest, and
        // the section is unambiguous (the entries before it are
        // self-delimiting and counted).
        if self
            .credentials
            .iter()
            .any(|rc| !rc.accepted_types.is_empty())
        {
            c.str("accepted_types");
            for rc in &self.credentials {
                c.count(rc.accepted_types.len());
                for t in &rc.accepted_types {
                    c.str(t);
                }
            }
        }
        // Likewise the pseudonym, only when asked for.
        if let Some(p) = &self.pseudonym {
            c.str("pseudonym").str(&p.context);
        }
        // Likewise the status requirements, only when some entry asks.
        if self.credentials.iter().any(|rc| rc.status.is_some()) {
            c.str("status");
            for rc in &self.credentials {
                match &rc.status {
                    Some(st) => c.str("required").i64(st.max_epoch_age as i64),
                    None => c.str("none"),
                };
            }
        }
        c.digest()
    }

    /// Whether the request is still answerable at `now`.
    ///
    /// # Errors
    /// [`Error::RequestExpired`] from its `expires_at` on.
    pub fn check_live(&self, now: OffsetDateTime) -> Result<(), Error> {
        if now >= self.expires_at {
            return Err(Error::RequestExpired(format_time(self.expires_at)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn request(entries: Value) -> PresentationRequest {
        serde_json::from_value(json!({
            "format": REQUEST_FORMAT, "version": UNSIGNED_REQUEST_VERSION,
            "verifier": "rental.example", "challenge": "00".repeat(32),
            "expires_at": "2026-03-01T10:05:00Z",
            "credentials": entries,
        }))
        .unwrap()
    }

    fn check(entries: Value) -> Result<(), Error> {
        request(entries).validate(Catalogue::builtin())
    }

    fn range(attribute: &str, op: &str, value: Value) -> Value {
        json!({"kind": "range", "attribute": attribute, "op": op, "value": value})
    }

    fn equal(attribute: &str, entry: u32, other: &str) -> Value {
        json!({"kind": "equal", "attribute": attribute, "to": {"entry": entry, "attribute": other}})
    }

    #[test]
    fn statements_and_alternatives_validate() {
        let good = json!([
            {"credential_type": "resident_id_card", "disclose": ["holder_name"],
             "accepted_types": ["resident_id_card", "residence_permit"],
             "statements": [range("birth_date", "<=", json!("2008-03-01"))]},
            {"credential_type": "drivers_license", "disclose": ["vehicle_class"],
             "statements": [range("valid_until", ">", json!("2026-03-01")),
                            range("penalty_points", "<", json!(12)),
                            equal("holder_id", 0, "holder_id")]}
        ]);
        check(good.clone()).unwrap();
        let r = request(good);
        assert!(r.credentials[0].accepts("residence_permit"));
        assert!(r.credentials[0].accepts("resident_id_card"));
        assert!(!r.credentials[0].accepts("drivers_license"));
        assert_eq!(
            r.credentials[0].types(),
            vec!["resident_id_card", "residence_permit"]
        );
        assert_eq!(r.credentials[1].types(), vec!["drivers_license"]);
        // Round trip through JSON keeps everything.
        assert_eq!(PresentationRequest::from_json(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn bad_statements_and_alternatives_are_refused() {
        let invalid = |entries: Value, what: &str| match check(entries) {
            Err(Error::InvalidStatement(m)) => m,
            other => panic!("{what}: {other:?}"),
        };
        // An attribute one of the accepted types lacks (penalty_points: only driver's licenses).
        let m = invalid(
            json!([{"credential_type": "drivers_license", "disclose": [],
                    "accepted_types": ["drivers_license", "resident_id_card"],
                    "statements": [range("penalty_points", "<=", json!(11))]}]),
            "attribute missing in an alternative",
        );
        assert!(m.contains("resident_id_card"), "{m}");
        // Range over a string.
        invalid(
            json!([{"credential_type": "resident_id_card", "disclose": [],
                    "statements": [range("holder_name", ">=", json!("A"))]}]),
            "range over a string",
        );
        // Disclosed and proven.
        invalid(
            json!([{"credential_type": "resident_id_card", "disclose": ["birth_date"],
                    "statements": [range("birth_date", "<=", json!("2008-03-01"))]}]),
            "disclosed and proven",
        );
        // Equality: with a later entry, or across attribute types in some alternative.
        invalid(
            json!([{"credential_type": "resident_id_card", "disclose": [],
                    "statements": [equal("holder_id", 1, "holder_id")]},
                   {"credential_type": "drivers_license", "disclose": []}]),
            "equal forward",
        );
        invalid(
            json!([{"credential_type": "resident_id_card", "disclose": []},
                   {"credential_type": "drivers_license", "disclose": [],
                    "statements": [equal("birth_date", 0, "holder_id")]}]),
            "equal across types",
        );
        // The earlier entry discloses the other side.
        let m = invalid(
            json!([{"credential_type": "resident_id_card", "disclose": ["holder_id"]},
                   {"credential_type": "drivers_license", "disclose": [],
                    "statements": [equal("holder_id", 0, "holder_id")]}]),
            "other side disclosed",
        );
        assert!(m.contains("entry 0 discloses"), "{m}");
        // A bound that is not a date.
        invalid(
            json!([{"credential_type": "resident_id_card", "disclose": [],
                    "statements": [range("birth_date", "<=", json!("18 years ago"))]}]),
            "bad date",
        );
        // accepted_types without the first choice, twice, or unknown.
        for (types, what) in [
            (json!(["residence_permit"]), "without credential_type"),
            (json!(["resident_id_card", "resident_id_card"]), "twice"),
        ] {
            assert!(
                matches!(
                    check(
                        json!([{"credential_type": "resident_id_card", "disclose": [],
                                   "accepted_types": types}])
                    ),
                    Err(Error::InvalidRequest(_))
                ),
                "{what}"
            );
        }
        assert!(matches!(
            check(json!([{"credential_type": "resident_id_card", "disclose": [],
                           "accepted_types": ["resident_id_card", "pet_license"]}])),
            Err(Error::UnknownCredentialType(t)) if t == "pet_license"
        ));
        // A disclosed name missing from an alternative.
        assert!(matches!(
            check(json!([{"credential_type": "resident_id_card", "disclose": ["ethnicity"],
                           "accepted_types": ["resident_id_card", "drivers_license"]}])),
            Err(Error::Attribute(AttributeError::NotInLayout { credential_type, .. })) if credential_type == "drivers_license"
        ));
        // An unknown kind or a stray field does not even parse.
        for e in [
            json!([{"credential_type": "resident_id_card", "disclose": [],
                    "statements": [{"kind": "membership", "attribute": "holder_id"}]}]),
            json!([{"credential_type": "resident_id_card", "disclose": [],
                    "statements": [{"kind": "range", "attribute": "birth_date", "op": "<=",
                                    "value": "2008-03-01", "proof": "00"}]}]),
        ] {
            let text = json!({
                "format": REQUEST_FORMAT, "version": UNSIGNED_REQUEST_VERSION,
                "verifier": "rental.example", "challenge": "00".repeat(32),
                "expires_at": "2026-03-01T10:05:00Z", "credentials": e,
            })
            .to_string();
            assert!(matches!(
                PresentationRequest::from_json(&text),
                Err(Error::Json { .. })
            ));
        }
        assert_eq!(
            Error::InvalidStatement(String::new()).code(),
            zkcred_problem::ProblemCode::InvalidStatement
        );
    }

    #[test]
    fn digest_covers_statements_and_accepted_types() {
        let base = json!([{"credential_type": "resident_id_card", "disclose": ["holder_name"],
                           "statements": [range("birth_date", "<=", json!("2008-03-01"))]}]);
        let d = request(base.clone()).digest();
        // Without alternatives, the digest is the one of the version before
        // them: the same fields in the same order.
        let mut c = Canonical::new("ZKCRED-REQUEST-V1");
        let r = request(base.clone());
        c.str("rental.example")
            .bytes(&[0u8; 32])
            .i64(r.expires_at.unix_timestamp())
            .count(1)
            .str("resident_id_card")
            .count(1)
            .str("holder_name")
            .count(0)
            .count(1)
            .str(r#"{"attribute":"birth_date","kind":"range","op":"<=","value":"2008-03-01"}"#);
        assert_eq!(d, c.digest());
        let mut changed = base.clone();
        changed[0]["statements"][0]["value"] = json!("2008-03-02");
        assert_ne!(request(changed).digest(), d);
        let mut changed = base.clone();
        changed[0]["statements"][0]["op"] = json!("<");
        assert_ne!(request(changed).digest(), d);
        let mut changed = base.clone();
        changed[0]["statements"] = json!([]);
        assert_ne!(request(changed).digest(), d);
        let mut alt = base.clone();
        alt[0]["accepted_types"] = json!(["resident_id_card", "residence_permit"]);
        let da = request(alt.clone()).digest();
        assert_ne!(da, d);
        alt[0]["accepted_types"] = json!(["resident_id_card", "drivers_license"]);
        assert_ne!(request(alt).digest(), da);
    }
}
