//! The verifier's presentation request: its document, validation against
//! the catalogue, expiry and digest.

use std::collections::BTreeSet;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::statement::{reject_statements, statements_json, Statement};
use super::{
    MAX_CHALLENGE_LEN, MAX_REQUESTED_CREDENTIALS, MIN_CHALLENGE_LEN, PRESENTATION_VERSION,
    REQUEST_FORMAT,
};
use crate::canonical::Canonical;
use crate::catalogue::Catalogue;
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
    /// Further statements (none are defined in this version).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
}

impl RequestedCredential {
    /// Asks for a credential of `credential_type` disclosing `disclose`.
    pub fn new(credential_type: &str, disclose: &[&str]) -> Self {
        RequestedCredential {
            credential_type: credential_type.into(),
            disclose: disclose.iter().map(|s| s.to_string()).collect(),
            issuers: Vec::new(),
            statements: Vec::new(),
        }
    }
}

/// A verifier's presentation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationRequest {
    /// Always [`REQUEST_FORMAT`].
    pub format: String,
    /// Always [`PRESENTATION_VERSION`].
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

fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl PresentationRequest {
    /// A request with a fresh 32-octet challenge.
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
            version: PRESENTATION_VERSION,
            verifier: verifier.into(),
            challenge: hex::encode(challenge),
            expires_at,
            credentials,
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

    /// Checks the request against the catalogue: format, verifier, challenge,
    /// known types, disclosed names in the layout and unique, no statements.
    ///
    /// # Errors
    /// [`Error::UnsupportedFormat`]; [`Error::InvalidIdentifier`] for the
    /// verifier or an issuer; [`Error::InvalidRequest`] for a challenge that is
    /// not 16 to 64 hex octets, no or too many credentials, or an attribute
    /// asked for twice; [`Error::UnknownCredentialType`];
    /// [`AttributeError::NotInLayout`] (as [`Error::Attribute`]);
    /// [`Error::UnsupportedStatement`] for any statement.
    pub fn validate(&self, catalogue: &Catalogue) -> Result<(), Error> {
        check_document(
            REQUEST_FORMAT,
            PRESENTATION_VERSION,
            &self.format,
            self.version,
        )?;
        check_identifier("verifier", &self.verifier)?;
        decode_challenge(&self.challenge)?;
        if self.credentials.is_empty() || self.credentials.len() > MAX_REQUESTED_CREDENTIALS {
            return Err(Error::InvalidRequest(format!(
                "must ask for 1 to {MAX_REQUESTED_CREDENTIALS} credentials"
            )));
        }
        for rc in &self.credentials {
            let t = catalogue
                .get(&rc.credential_type)
                .ok_or_else(|| Error::UnknownCredentialType(rc.credential_type.clone()))?;
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
            for issuer in &rc.issuers {
                check_identifier("issuer", issuer)?;
            }
            reject_statements(&rc.statements)?;
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
        c.digest()
    }

    pub(super) fn check_live(&self, now: OffsetDateTime) -> Result<(), Error> {
        if now >= self.expires_at {
            return Err(Error::RequestExpired(format_time(self.expires_at)));
        }
        Ok(())
    }
}
