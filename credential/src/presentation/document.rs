//! The presentation document: one presented credential per requested
//! entry, each with its disclosures and typed, versioned proof object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::statement::Statement;
use crate::error::Error;

/// A proof object, typed and versioned: an entry's BBS proof
/// ([`PROOF_TYPE_BBS`](super::PROOF_TYPE_BBS)) or a presentation's
/// composite proof ([`PROOF_TYPE_COMPOSITE`](super::PROOF_TYPE_COMPOSITE)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofObject {
    /// Proof type ([`PROOF_TYPE_BBS`](super::PROOF_TYPE_BBS)).
    #[serde(rename = "type")]
    pub kind: String,
    /// Proof version ([`PROOF_VERSION`](super::PROOF_VERSION)).
    pub version: u32,
    /// The proof octets, hex.
    pub value: String,
}

/// One credential in a presentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentedCredential {
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// The issuer key identifier.
    pub key_id: String,
    /// The ciphersuite.
    pub suite: String,
    /// The attribute encoding version.
    pub encoding_version: u32,
    /// Disclosed values by name (JSON forms; absent as `null`).
    pub disclosed: BTreeMap<String, Value>,
    /// The requested statements this entry proves, in request order (an
    /// optional attribute's statement is left out when the attribute is
    /// absent and disclosed as `null` instead; see the module docs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    /// The epoch of the issuer's status list the entry's licence status is
    /// proven against, when the request asks for status
    /// ([`super::status`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_epoch: Option<u64>,
    /// The entry's own BBS proof; absent in a composite presentation,
    /// whose one proof covers every entry ([`Presentation::proof`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofObject>,
}

/// A holder's answer to a presentation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// Always [`PRESENTATION_FORMAT`](super::PRESENTATION_FORMAT).
    pub format: String,
    /// Always [`PRESENTATION_VERSION`](super::PRESENTATION_VERSION).
    pub version: u32,
    /// The verifier the presentation is for.
    pub verifier: String,
    /// The challenge it answers, hex.
    pub challenge: String,
    /// Digest of the request it answers, hex.
    pub request_digest: String,
    /// One entry per requested credential, in request order.
    pub credentials: Vec<PresentedCredential>,
    /// The composite proof over every entry and the statements
    /// ([`PROOF_TYPE_COMPOSITE`](super::PROOF_TYPE_COMPOSITE)), present
    /// exactly when the request has statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofObject>,
}

impl Presentation {
    /// Parses a presentation document.
    ///
    /// # Errors
    /// [`Error::Json`] when the text is not a presentation document (its
    /// contents are checked by [`verify_presentation`](super::verify_presentation)).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            what: "presentation",
            source,
        })
    }

    /// The presentation document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
