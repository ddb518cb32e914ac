//! Presentation requests, presentations and their verification.
//!
//! # Request (`"format": "zkcred-presentation-request"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-presentation-request", "version": 1,
//!   "verifier": "bank.example", "challenge": "<16–64 random octets, hex>",
//!   "expires_at": "2026-03-01T10:05:00Z",
//!   "credentials": [ { "credential_type": "drivers_license",
//!                      "disclose": ["holder_name", "vehicle_class"],
//!                      "issuers": ["11330105002500287C"], "statements": [] } ] }
//! ```
//!
//! `issuers` (optional) restricts the accepted issuers. The request digest is
//! `SHA-256(canonical("ZKCRED-REQUEST-V1", verifier, challenge octets,
//! i64 expires_at (Unix seconds), u32 n, per entry: credential_type,
//! u32 n, disclose…, u32 n, issuers…, u32 n, statement JSON…))` — see
//! [`crate::canonical`]; statements are serialised as JSON with sorted keys.
//!
//! # Presentation (`"format": "zkcred-presentation"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-presentation", "version": 1,
//!   "verifier": "bank.example", "challenge": "…", "request_digest": "<32 octets hex>",
//!   "credentials": [ { "credential_type": "drivers_license", "issuer": "…", "key_id": "…",
//!       "suite": "BLS12-381-SHA-256", "encoding_version": 1,
//!       "disclosed": { "holder_name": "张三", "vehicle_class": "C1" },
//!       "statements": [],
//!       "proof": { "type": "bbs", "version": 1, "value": "<hex>" } } ] }
//! ```
//!
//! One presented credential answers each requested entry, in order. Disclosed
//! values are given by name; the verifier maps names to message indexes with
//! its catalogue. Each proof is a BBS proof with the credential's signature
//! header and the presentation header
//!
//! ```text
//! ph = canonical("ZKCRED-PRESENTATION-V1", challenge octets, verifier,
//!                request_digest, u32 entry index, statements_digest)
//! statements_digest = SHA-256(canonical("ZKCRED-STATEMENTS-V1", u32 n, statement JSON…))
//! ```
//!
//! so a presentation cannot be replayed to another verifier, another
//! challenge or another request, nor have its entries reordered.
//!
//! # Extension: statements
//!
//! `statements` (in requested entries and presented credentials) is where
//! later versions add predicates over undisclosed attributes, such as range
//! proofs over dates and integers: each is an object with a `kind` and its
//! own parameters, bound into the proof by the presentation header. This
//! version defines no statement kinds and rejects any it is given with
//! [`Error::UnsupportedStatement`]; a new proof construction gets a new
//! `proof.type`/`proof.version`.

use std::collections::{BTreeMap, BTreeSet};

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use zkcred_crypto::bbs::{self, Proof, Suite};
use zkcred_crypto::Scalar;

use crate::canonical::Canonical;
use crate::catalogue::{Catalogue, CredentialType};
use crate::credential::{check_document, messages, resolve_key, Credential};
use crate::encoding::{AttributeValue, ENCODING_VERSION};
use crate::error::{AttributeError, Error};
use crate::keys::{check_identifier, IssuerPublicKey, KeyResolver};
use crate::layout;

/// Format name of presentation requests.
pub const REQUEST_FORMAT: &str = "zkcred-presentation-request";
/// Format name of presentations.
pub const PRESENTATION_FORMAT: &str = "zkcred-presentation";
/// Version of both formats.
pub const PRESENTATION_VERSION: u32 = 1;
/// Proof type of BBS proofs.
pub const PROOF_TYPE_BBS: &str = "bbs";
/// Version of the BBS proof object.
pub const PROOF_VERSION: u32 = 1;
/// Minimum challenge length in octets (128 bits).
pub const MIN_CHALLENGE_LEN: usize = 16;
/// Maximum challenge length in octets.
pub const MAX_CHALLENGE_LEN: usize = 64;
/// Most credentials one request may ask for.
pub const MAX_REQUESTED_CREDENTIALS: usize = 16;

/// A statement about a credential beyond plain disclosure (an extension
/// point: this version defines no kinds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// The statement kind, e.g. a later `range`.
    pub kind: String,
    /// The kind's parameters.
    #[serde(flatten)]
    pub params: serde_json::Map<String, Value>,
}

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

fn statements_json(statements: &[Statement]) -> Vec<String> {
    statements
        .iter()
        .map(|s| {
            // serde_json's map is sorted, so this is a canonical form.
            let v = serde_json::to_value(s).unwrap_or(Value::Null);
            v.to_string()
        })
        .collect()
}

fn statements_digest(statements: &[Statement]) -> [u8; 32] {
    let mut c = Canonical::new("ZKCRED-STATEMENTS-V1");
    let js = statements_json(statements);
    c.count(js.len());
    for j in &js {
        c.str(j);
    }
    c.digest()
}

fn reject_statements(statements: &[Statement]) -> Result<(), Error> {
    match statements.first() {
        Some(s) => Err(Error::UnsupportedStatement(
            s.kind.chars().take(64).collect(),
        )),
        None => Ok(()),
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

fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl PresentationRequest {
    /// A request with a fresh 32-octet challenge.
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

    fn check_live(&self, now: OffsetDateTime) -> Result<(), Error> {
        if now >= self.expires_at {
            return Err(Error::RequestExpired(format_time(self.expires_at)));
        }
        Ok(())
    }
}

/// A BBS proof object (typed and versioned so other proofs can follow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofObject {
    /// Proof type ([`PROOF_TYPE_BBS`]).
    #[serde(rename = "type")]
    pub kind: String,
    /// Proof version ([`PROOF_VERSION`]).
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
    /// Further statements (none in this version).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<Statement>,
    /// The proof.
    pub proof: ProofObject,
}

/// A holder's answer to a presentation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// Always [`PRESENTATION_FORMAT`].
    pub format: String,
    /// Always [`PRESENTATION_VERSION`].
    pub version: u32,
    /// The verifier the presentation is for.
    pub verifier: String,
    /// The challenge it answers, hex.
    pub challenge: String,
    /// Digest of the request it answers, hex.
    pub request_digest: String,
    /// One entry per requested credential, in request order.
    pub credentials: Vec<PresentedCredential>,
}

impl Presentation {
    /// Parses a presentation document.
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

/// The presentation header of entry `index` (see the module docs).
pub fn presentation_header(
    request: &PresentationRequest,
    index: usize,
    statements: &[Statement],
) -> Vec<u8> {
    let mut c = Canonical::new("ZKCRED-PRESENTATION-V1");
    c.bytes(&hex::decode(&request.challenge).unwrap_or_default())
        .str(&request.verifier)
        .bytes(&request.digest())
        .count(index)
        .bytes(&statements_digest(statements));
    c.finish()
}

fn disclosed_indexes(t: &CredentialType, names: &[String]) -> Result<Vec<usize>, Error> {
    names
        .iter()
        .map(|n| {
            layout::message_index(t, n).ok_or_else(|| {
                AttributeError::NotInLayout {
                    attribute: n.clone(),
                    credential_type: t.id.clone(),
                }
                .into()
            })
        })
        .collect()
}

/// Answers `request` with `credentials[i]` (and its issuer key) for the
/// `i`-th requested entry. Each credential is verified first.
///
/// A holder answering many requests with the same credentials prepares
/// them once with [`HolderCredential::new`] and calls [`present_prepared`]:
/// the signature is then checked and the prover's tables built only once.
pub fn present(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    credentials: &[(&Credential, &IssuerPublicKey)],
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    check_answerable(catalogue, request, credentials.len(), now)?;
    let mut out = Vec::with_capacity(credentials.len());
    for (index, (rc, (cred, key))) in request.credentials.iter().zip(credentials).enumerate() {
        check_entry(rc, cred)?;
        let holder = HolderCredential::new(catalogue, cred, key)?;
        out.push(holder.present_entry(request, index, rc, rng)?);
    }
    Ok(presentation(request, out))
}

/// [`present`] with credentials prepared by [`HolderCredential::new`].
pub fn present_prepared(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    credentials: &[&HolderCredential<'_>],
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    check_answerable(catalogue, request, credentials.len(), now)?;
    let mut out = Vec::with_capacity(credentials.len());
    for (index, (rc, holder)) in request.credentials.iter().zip(credentials).enumerate() {
        check_entry(rc, holder.credential)?;
        out.push(holder.present_entry(request, index, rc, rng)?);
    }
    Ok(presentation(request, out))
}

fn check_answerable(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    count: usize,
    now: OffsetDateTime,
) -> Result<(), Error> {
    request.validate(catalogue)?;
    request.check_live(now)?;
    if count != request.credentials.len() {
        return Err(Error::CredentialCountMismatch {
            expected: request.credentials.len(),
            found: count,
        });
    }
    Ok(())
}

fn check_entry(rc: &RequestedCredential, cred: &Credential) -> Result<(), Error> {
    if cred.credential_type != rc.credential_type {
        return Err(Error::WrongCredentialType {
            expected: rc.credential_type.clone(),
            found: cred.credential_type.clone(),
        });
    }
    if !rc.issuers.is_empty() && !rc.issuers.contains(&cred.issuer) {
        return Err(Error::IssuerNotAccepted(cred.issuer.clone()));
    }
    Ok(())
}

fn presentation(
    request: &PresentationRequest,
    credentials: Vec<PresentedCredential>,
) -> Presentation {
    Presentation {
        format: PRESENTATION_FORMAT.into(),
        version: PRESENTATION_VERSION,
        verifier: request.verifier.clone(),
        challenge: request.challenge.clone(),
        request_digest: hex::encode(request.digest()),
        credentials,
    }
}

/// A holder's credential checked once and prepared for many presentations:
/// its signature verified against the issuer key and the constant-time
/// prover tables ([`bbs::ProverCredential`]) built. Holds the credential's
/// secrets (messages, tables), zeroized on drop by the prover.
pub struct HolderCredential<'a> {
    credential: &'a Credential,
    key: &'a IssuerPublicKey,
    t: &'a CredentialType,
    attributes: crate::credential::AttributeSet,
    prover: bbs::ProverCredential,
}

impl std::fmt::Debug for HolderCredential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderCredential")
            .field("credential_type", &self.credential.credential_type)
            .field("issuer", &self.credential.issuer)
            .field("key_id", &self.credential.key_id)
            .finish_non_exhaustive()
    }
}

impl<'a> HolderCredential<'a> {
    /// Verifies `credential` with `key` and prepares it for proving.
    pub fn new(
        catalogue: &'a Catalogue,
        credential: &'a Credential,
        key: &'a IssuerPublicKey,
    ) -> Result<Self, Error> {
        let attributes = credential.verify(catalogue, key)?;
        let t = catalogue
            .get(&credential.credential_type)
            .ok_or_else(|| Error::UnknownCredentialType(credential.credential_type.clone()))?;
        let msgs = messages(key.suite, t, &attributes, &credential.reserved);
        let header = layout::signature_header(t, &credential.issuer, &credential.key_id);
        let signature = bbs::Signature::from_bytes(&crate::error::decode_hex(
            "signature",
            &credential.signature,
        )?)
        .map_err(Error::Crypto)?;
        let prover =
            bbs::ProverCredential::new(key.suite, &key.public_key, &signature, &header, &msgs)
                .map_err(Error::Crypto)?;
        Ok(HolderCredential {
            credential,
            key,
            t,
            attributes,
            prover,
        })
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        self.credential
    }

    /// Entry `index` of `request`, answered with this credential.
    fn present_entry(
        &self,
        request: &PresentationRequest,
        index: usize,
        rc: &RequestedCredential,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<PresentedCredential, Error> {
        let cred = self.credential;
        let indexes = disclosed_indexes(self.t, &rc.disclose)?;
        let statements: Vec<Statement> = Vec::new();
        let ph = presentation_header(request, index, &statements);
        let proof = self
            .prover
            .prove(&ph, &indexes, rng)
            .map_err(Error::Crypto)?;
        let disclosed = rc
            .disclose
            .iter()
            .map(|n| {
                let v = self
                    .attributes
                    .get(n)
                    .map_or(Value::Null, AttributeValue::to_json);
                (n.clone(), v)
            })
            .collect();
        Ok(PresentedCredential {
            credential_type: cred.credential_type.clone(),
            issuer: cred.issuer.clone(),
            key_id: cred.key_id.clone(),
            suite: self.key.suite.name().into(),
            encoding_version: ENCODING_VERSION,
            disclosed,
            statements,
            proof: ProofObject {
                kind: PROOF_TYPE_BBS.into(),
                version: PROOF_VERSION,
                value: hex::encode(proof.to_bytes()),
            },
        })
    }
}

/// What a verified presentation discloses about one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosedCredential {
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// The issuer key identifier.
    pub key_id: String,
    /// The ciphersuite.
    pub suite: Suite,
    /// Disclosed values by name (`None`: the optional attribute is absent).
    pub attributes: BTreeMap<String, Option<AttributeValue>>,
}

/// Verifies `presentation` against the verifier's own `request` at `now`,
/// with the trusted issuer keys `keys`. Returns the disclosed attributes or
/// the specific reason for rejection.
///
/// This is [`check_binding`], then per entry [`prepare_entry`] and the BBS
/// proof check, stopping at the first failure. A verifier that batches the
/// proofs of many presentations calls [`prepare_presentation`] and
/// [`PreparedPresentation::finish`] instead.
pub fn verify_presentation(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    keys: &impl KeyResolver,
    now: OffsetDateTime,
) -> Result<Vec<DisclosedCredential>, Error> {
    check_binding(catalogue, request, presentation, now)?;
    let mut out = Vec::with_capacity(request.credentials.len());
    for index in 0..request.credentials.len() {
        let entry = prepare_entry(catalogue, request, presentation, index, keys)?;
        let key = resolve_key(
            keys,
            &entry.credential.issuer,
            &entry.credential.key_id,
            entry.credential.suite.name(),
        )?;
        let result = bbs::core::proof_verify(
            entry.credential.suite,
            &key.public_key,
            &entry.proof,
            &entry.header,
            &entry.presentation_header,
            &entry.disclosed,
        );
        out.push(entry.finish(result)?);
    }
    Ok(out)
}

/// Checks what binds a presentation to the verifier's `request` at `now`:
/// the presentation format, the request itself (against the catalogue) and
/// its expiry, the verifier, the challenge, the request digest and the
/// number of entries. Nothing here touches a key or a proof.
pub fn check_binding(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    now: OffsetDateTime,
) -> Result<(), Error> {
    check_document(
        PRESENTATION_FORMAT,
        PRESENTATION_VERSION,
        &presentation.format,
        presentation.version,
    )?;
    request.validate(catalogue)?;
    request.check_live(now)?;
    if presentation.verifier != request.verifier {
        return Err(Error::VerifierMismatch {
            expected: request.verifier.clone(),
            found: presentation.verifier.chars().take(128).collect(),
        });
    }
    if presentation.challenge != request.challenge {
        return Err(Error::ChallengeMismatch);
    }
    if presentation.request_digest != hex::encode(request.digest()) {
        return Err(Error::RequestDigestMismatch);
    }
    if presentation.credentials.len() != request.credentials.len() {
        return Err(Error::CredentialCountMismatch {
            expected: request.credentials.len(),
            found: presentation.credentials.len(),
        });
    }
    Ok(())
}

/// One presented credential checked up to its BBS proof: the decoded proof
/// and everything its verification needs, and what it discloses if the
/// proof holds.
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    /// What the entry discloses once its proof verifies.
    pub credential: DisclosedCredential,
    /// The decoded proof (checked at decoding: lengths, canonical scalars,
    /// subgroup membership).
    pub proof: Proof,
    /// The credential's signature header.
    pub header: Vec<u8>,
    /// The entry's presentation header (challenge, verifier, request
    /// digest, position, statements).
    pub presentation_header: Vec<u8>,
    /// Disclosed `(message index, scalar)` pairs.
    pub disclosed: Vec<(usize, Scalar)>,
}

impl PreparedEntry {
    /// The entry's result given its BBS proof check.
    pub fn finish(
        self,
        proof_check: Result<(), zkcred_crypto::Error>,
    ) -> Result<DisclosedCredential, Error> {
        match proof_check {
            Ok(()) => Ok(self.credential),
            Err(zkcred_crypto::Error::VerificationFailed) => Err(Error::ProofInvalid),
            Err(e) => Err(Error::Crypto(e)),
        }
    }
}

/// A presentation checked up to its BBS proofs; see [`prepare_presentation`].
#[derive(Debug, Clone)]
pub struct PreparedPresentation {
    /// One entry per requested credential, in request order.
    pub entries: Vec<PreparedEntry>,
}

impl PreparedPresentation {
    /// The presentation's result given the BBS check of each entry's proof,
    /// in entry order: the disclosed credentials, or the first entry's
    /// failure.
    pub fn finish(
        self,
        proof_checks: impl IntoIterator<Item = Result<(), zkcred_crypto::Error>>,
    ) -> Result<Vec<DisclosedCredential>, Error> {
        let mut checks = proof_checks.into_iter();
        self.entries
            .into_iter()
            .map(|e| {
                e.finish(
                    checks
                        .next()
                        .unwrap_or(Err(zkcred_crypto::Error::VerificationFailed)),
                )
            })
            .collect()
    }
}

/// Everything of [`verify_presentation`] but the BBS proof checks: the
/// binding ([`check_binding`]) and every entry ([`prepare_entry`]). The
/// caller checks each entry's proof under the key of `credential.issuer`
/// and `credential.key_id` (for instance many presentations in one
/// `bbs::verify_batch`) and calls [`PreparedPresentation::finish`]. An
/// error here is the same one `verify_presentation` gives, except that a
/// failure of an earlier entry's proof would have been reported first.
pub fn prepare_presentation(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    keys: &impl KeyResolver,
    now: OffsetDateTime,
) -> Result<PreparedPresentation, Error> {
    check_binding(catalogue, request, presentation, now)?;
    let entries = (0..request.credentials.len())
        .map(|index| prepare_entry(catalogue, request, presentation, index, keys))
        .collect::<Result<_, _>>()?;
    Ok(PreparedPresentation { entries })
}

/// Checks entry `index` of a presentation whose binding
/// [`check_binding`] accepted, up to its BBS proof: type, accepted issuer,
/// encoding version, statements, proof type, exactly the requested
/// disclosures with well-formed values, a known key of the stated suite, a
/// decodable proof over the type's layout; builds its headers and
/// disclosed scalars.
pub fn prepare_entry(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    index: usize,
    keys: &impl KeyResolver,
) -> Result<PreparedEntry, Error> {
    let (rc, pc) = match (
        request.credentials.get(index),
        presentation.credentials.get(index),
    ) {
        (Some(rc), Some(pc)) => (rc, pc),
        _ => {
            return Err(Error::CredentialCountMismatch {
                expected: request.credentials.len(),
                found: presentation.credentials.len(),
            })
        }
    };
    if pc.credential_type != rc.credential_type {
        return Err(Error::WrongCredentialType {
            expected: rc.credential_type.clone(),
            found: pc.credential_type.chars().take(64).collect(),
        });
    }
    let t = catalogue
        .get(&pc.credential_type)
        .ok_or_else(|| Error::UnknownCredentialType(pc.credential_type.clone()))?;
    if !rc.issuers.is_empty() && !rc.issuers.contains(&pc.issuer) {
        return Err(Error::IssuerNotAccepted(
            pc.issuer.chars().take(128).collect(),
        ));
    }
    if pc.encoding_version != ENCODING_VERSION {
        return Err(Error::UnsupportedEncodingVersion(pc.encoding_version));
    }
    reject_statements(&pc.statements)?;
    if pc.proof.kind != PROOF_TYPE_BBS || pc.proof.version != PROOF_VERSION {
        return Err(Error::UnsupportedProof {
            kind: pc.proof.kind.chars().take(64).collect(),
            version: pc.proof.version,
        });
    }
    // The disclosed names must be exactly the requested ones.
    for name in pc.disclosed.keys() {
        if t.attribute(name).is_none() {
            return Err(AttributeError::NotInLayout {
                attribute: name.chars().take(64).collect(),
                credential_type: t.id.clone(),
            }
            .into());
        }
        if !rc.disclose.contains(name) {
            return Err(Error::UnrequestedDisclosure(name.clone()));
        }
    }
    let mut attributes = BTreeMap::new();
    let mut disclosed: Vec<(usize, Scalar)> = Vec::with_capacity(rc.disclose.len());
    let key = resolve_key(keys, &pc.issuer, &pc.key_id, &pc.suite)?;
    for name in &rc.disclose {
        let json = pc
            .disclosed
            .get(name)
            .ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        // Names were checked against the layout in `validate`.
        let def = t
            .attribute(name)
            .ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        let value = AttributeValue::from_json(name, def.ty, json)?;
        match &value {
            Some(v) => v.check(name, def.ty, def.max_length)?,
            None if !def.optional => {
                return Err(AttributeError::Missing {
                    attribute: name.clone(),
                }
                .into())
            }
            None => {}
        }
        let index =
            layout::message_index(t, name).ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        disclosed.push((index, layout::attribute_scalar(key.suite, value.as_ref())));
        attributes.insert(name.clone(), value);
    }
    let proof_bytes = crate::error::decode_hex("proof", &pc.proof.value)?;
    let proof = Proof::from_bytes(&proof_bytes).map_err(|e| Error::Malformed {
        what: "proof",
        reason: e.to_string(),
    })?;
    if proof.undisclosed_count() + disclosed.len() != layout::message_count(t) {
        // A proof over another layout (another type or catalogue).
        return Err(Error::ProofInvalid);
    }
    let header = layout::signature_header(t, &pc.issuer, &pc.key_id);
    let presentation_header = presentation_header(request, index, &pc.statements);
    Ok(PreparedEntry {
        credential: DisclosedCredential {
            credential_type: pc.credential_type.clone(),
            issuer: pc.issuer.clone(),
            key_id: pc.key_id.clone(),
            suite: key.suite,
            attributes,
        },
        proof,
        header,
        presentation_header,
        disclosed,
    })
}
