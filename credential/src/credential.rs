//! Attribute sets, the credential envelope, issuance and holder-side verification.
//!
//! # Envelope (`"format": "zkcred-credential"`, `"version": 1`)
//!
//! ```json
//! {
//!   "format": "zkcred-credential", "version": 1, "encoding_version": 1,
//!   "credential_type": "drivers_license",
//!   "issuer": "11330105002500287C", "key_id": "<32 hex>", "suite": "BLS12-381-SHA-256",
//!   "attributes": { "holder_name": "张三", "birth_date": "1990-05-17", "penalty_points": null, … },
//!   "reserved": { "holder_binding": "<32 octets hex>", "revocation_handle": "<32 octets hex>" },
//!   "signature": "<80 octets hex>",
//!   "status": { "epoch": 12, "witness": "<48 octets hex>" }
//! }
//! ```
//!
//! `status` is optional (see [`crate::status::StatusWitness`]): present
//! when the issuer keeps a status registry for the type.
//!
//! `attributes` holds every attribute of the type's layout (absent optional
//! ones as `null`) in the JSON forms of [`crate::encoding`]. `reserved` holds
//! the two reserved slot values (see [`crate::layout`]); they are the holder's
//! secrets and never leave the wallet. The signature is a BBS signature over
//! the layout's messages with the header of [`crate::layout::signature_header`].

use std::collections::BTreeMap;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use zeroize::Zeroize;
use zkcred_crypto::bbs::{Signature, Suite};
use zkcred_crypto::blind::{self, SecretProverBlind};
use zkcred_crypto::Scalar;

use crate::catalogue::{Catalogue, CredentialType};
use crate::credential_request::CredentialRequest;
use crate::encoding::{AttributeValue, ENCODING_VERSION};
use crate::error::{AttributeError, Error};
use crate::holder_secret::HolderSecret;
use crate::issuance::{self, IssueOptions};
use crate::keys::{check_identifier, IssuerKey, IssuerPublicKey, KeyResolver};
use crate::layout;
use crate::license_id::LicenseId;
use crate::status::StatusWitness;

/// Format name of credentials.
pub const CREDENTIAL_FORMAT: &str = "zkcred-credential";
/// Version of the credential envelope.
pub const CREDENTIAL_VERSION: u32 = 2;

/// The typed attribute values of one credential (absent values are not stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeSet {
    values: BTreeMap<String, AttributeValue>,
}

impl AttributeSet {
    /// An empty set.
    pub fn new() -> Self {
        AttributeSet::default()
    }

    /// Sets a value (replacing any earlier one).
    pub fn insert(&mut self, name: impl Into<String>, value: AttributeValue) -> &mut Self {
        self.values.insert(name.into(), value);
        self
    }

    /// Builder form of [`insert`](Self::insert).
    pub fn with(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.insert(name, value);
        self
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.values.get(name)
    }

    /// Present values by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttributeValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Parses a JSON object of attribute values for type `t` and validates it
    /// ([`validate`](Self::validate)). `null` or a missing key is absent.
    ///
    /// # Errors
    /// [`AttributeError::NotInLayout`] for a name the type does not define;
    /// the value errors of [`AttributeValue::from_json`]; then as
    /// [`AttributeSet::validate`].
    pub fn from_json(t: &CredentialType, json: &Value) -> Result<Self, AttributeError> {
        let obj = json.as_object().ok_or_else(|| AttributeError::Invalid {
            attribute: String::new(),
            reason: "attributes must be a JSON object".into(),
        })?;
        let mut set = AttributeSet::new();
        for (name, v) in obj {
            let def = t
                .attribute(name)
                .ok_or_else(|| AttributeError::NotInLayout {
                    attribute: name.clone(),
                    credential_type: t.id.clone(),
                })?;
            if let Some(value) = AttributeValue::from_json(name, def.ty, v)? {
                set.values.insert(name.clone(), value);
            }
        }
        set.validate(t)?;
        Ok(set)
    }

    /// The JSON object of all the type's attributes (absent ones as `null`).
    pub fn to_json(&self, t: &CredentialType) -> BTreeMap<String, Value> {
        t.attributes
            .iter()
            .map(|a| {
                let v = self
                    .get(&a.name)
                    .map_or(Value::Null, AttributeValue::to_json);
                (a.name.clone(), v)
            })
            .collect()
    }

    /// Checks the set against type `t`: every name in the layout, every value
    /// of its attribute's type and length, every required attribute present,
    /// the license identifier a valid GB/T 36904 identifier of this type, and
    /// the validity period not ending before it starts.
    ///
    /// # Errors
    /// [`AttributeError::NotInLayout`], [`AttributeError::Missing`] for a
    /// required attribute without a value, [`AttributeError::Invalid`], and the
    /// value errors of [`AttributeValue::check`].
    pub fn validate(&self, t: &CredentialType) -> Result<(), AttributeError> {
        for (name, value) in &self.values {
            let def = t
                .attribute(name)
                .ok_or_else(|| AttributeError::NotInLayout {
                    attribute: name.clone(),
                    credential_type: t.id.clone(),
                })?;
            value.check(name, def.ty, def.max_length)?;
        }
        for def in &t.attributes {
            if !def.optional && !self.values.contains_key(&def.name) {
                return Err(AttributeError::Missing {
                    attribute: def.name.clone(),
                });
            }
        }
        if let Some(AttributeValue::String(s)) = self.get("license_id") {
            let id = LicenseId::parse(s).map_err(|e| AttributeError::Invalid {
                attribute: "license_id".into(),
                reason: e.to_string(),
            })?;
            if id.type_code() != &t.type_code {
                return Err(AttributeError::Invalid {
                    attribute: "license_id".into(),
                    reason: format!(
                        "type code {} is not that of {} ({})",
                        id.type_code(),
                        t.id,
                        t.type_code
                    ),
                });
            }
        }
        if let (Some(AttributeValue::Date(from)), Some(AttributeValue::Date(until))) =
            (self.get("valid_from"), self.get("valid_until"))
        {
            if until < from {
                return Err(AttributeError::Invalid {
                    attribute: "valid_until".into(),
                    reason: "validity ends before it starts".into(),
                });
            }
        }
        Ok(())
    }

    /// The attribute messages of type `t` in layout order (without the reserved slots).
    pub fn attribute_scalars(&self, suite: Suite, t: &CredentialType) -> Vec<Scalar> {
        t.attributes
            .iter()
            .map(|a| layout::attribute_scalar(suite, self.get(&a.name)))
            .collect()
    }
}

/// The values of the reserved signer slots, chosen by the issuer (see
/// [`crate::layout`]). Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ReservedSlots {
    /// Message 0: revocation handle.
    pub revocation_handle: Scalar,
}

impl ReservedSlots {
    /// Fresh random non-zero values.
    pub fn random(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        loop {
            let s = Scalar::random(rng);
            if s != Scalar::ZERO {
                return ReservedSlots {
                    revocation_handle: s,
                };
            }
        }
    }
}

impl Drop for ReservedSlots {
    fn drop(&mut self) {
        self.revocation_handle.zeroize();
    }
}

impl std::fmt::Debug for ReservedSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReservedSlots(<redacted>)")
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReservedSlotsJson {
    revocation_handle: String,
}

impl Drop for ReservedSlotsJson {
    fn drop(&mut self) {
        self.revocation_handle.zeroize();
    }
}

fn scalar_from_hex(s: &str) -> Result<Scalar, Error> {
    let malformed = |reason: &str| Error::Malformed {
        what: "reserved slot value",
        reason: reason.into(),
    };
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(s, &mut bytes).map_err(|_| malformed("not 32 octets of hex"))?;
    let r = Scalar::from_be_bytes(&bytes).map_err(|_| malformed("not a canonical scalar"));
    bytes.zeroize();
    r
}

impl Serialize for ReservedSlots {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReservedSlotsJson {
            revocation_handle: hex::encode(self.revocation_handle.to_be_bytes()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ReservedSlots {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = ReservedSlotsJson::deserialize(d)?;
        let r = scalar_from_hex(&j.revocation_handle).map_err(serde::de::Error::custom)?;
        Ok(ReservedSlots {
            revocation_handle: r,
        })
    }
}

/// The holder's part of a blind-issued credential: the wallet's holder
/// secret (the committed message) and the credential's
/// `secret_prover_blind`. Never part of a credential document: the wallet
/// keeps both sealed and sets them with [`Credential::bind`]. Zeroized on
/// drop, redacted in `Debug`, compared in constant time.
#[derive(Clone)]
pub struct HolderBinding {
    holder_secret: Scalar,
    secret_prover_blind: SecretProverBlind,
}

impl HolderBinding {
    /// The binding of `holder_secret` and `secret_prover_blind`.
    pub fn new(holder_secret: &HolderSecret, secret_prover_blind: SecretProverBlind) -> Self {
        HolderBinding {
            holder_secret: *holder_secret.expose_scalar(),
            secret_prover_blind,
        }
    }

    /// The holder secret.
    pub(crate) fn holder_secret(&self) -> &Scalar {
        &self.holder_secret
    }

    /// The credential's `secret_prover_blind`.
    pub fn secret_prover_blind(&self) -> &SecretProverBlind {
        &self.secret_prover_blind
    }
}

impl Drop for HolderBinding {
    fn drop(&mut self) {
        self.holder_secret.zeroize();
    }
}

impl PartialEq for HolderBinding {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(
            self.holder_secret.ct_eq(&other.holder_secret)
                & self
                    .secret_prover_blind
                    .as_scalar()
                    .ct_eq(other.secret_prover_blind.as_scalar()),
        )
    }
}

impl Eq for HolderBinding {}

impl std::fmt::Debug for HolderBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HolderBinding(<redacted>)")
    }
}

/// A signed credential as the holder keeps it (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Always [`CREDENTIAL_FORMAT`].
    pub format: String,
    /// Always [`CREDENTIAL_VERSION`].
    pub version: u32,
    /// Attribute encoding version ([`ENCODING_VERSION`]).
    pub encoding_version: u32,
    /// Credential type identifier (catalogue).
    pub credential_type: String,
    /// Issuer identifier.
    pub issuer: String,
    /// Issuer key identifier.
    pub key_id: String,
    /// Ciphersuite name.
    pub suite: String,
    /// Attribute values by name (JSON forms; absent as `null`).
    pub attributes: BTreeMap<String, Value>,
    /// Reserved signer slot values.
    pub reserved: ReservedSlots,
    /// `SHA-256` of the holder's `commitment_with_proof` the issuer signed,
    /// hex: how the wallet finds the `secret_prover_blind` it kept for this
    /// credential ([`CredentialRequest::digest`]).
    pub commitment_digest: String,
    /// Blind BBS signature, hex.
    pub signature: String,
    /// The status member: the membership witness for an epoch of the
    /// issuer's status accumulator ([`crate::status`]). Absent for types
    /// the issuer keeps no status registry for, and in documents made
    /// before status existed. Never logged (`Debug` shows the epoch only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusWitness>,
    /// The holder's part, set by [`Credential::bind`]; never serialized.
    #[serde(skip)]
    pub holder: Option<HolderBinding>,
}

/// Issues a credential of type `credential_type` with `key` at `now` with
/// the default [`IssueOptions`] to a fresh holder secret; see
/// [`issue_with`].
///
/// # Errors
///
/// As [`issue_with`].
pub fn issue(
    catalogue: &Catalogue,
    key: &IssuerKey,
    credential_type: &str,
    attributes: &AttributeSet,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Credential, Error> {
    issue_with(
        catalogue,
        key,
        credential_type,
        attributes,
        &IssueOptions::default(),
        now,
        rng,
    )
}

/// The whole blind issuance in one process, for tools and tests that play
/// both the holder and the issuer: a fresh holder secret, its commitment
/// ([`CredentialRequest::new`]), [`issue_blind`] and [`Credential::bind`].
/// The credential comes back bound (it can be presented); the holder secret
/// exists only inside it. A wallet uses [`issue_to`] with its own secret.
///
/// # Errors
///
/// As [`issue_to`].
pub fn issue_with(
    catalogue: &Catalogue,
    key: &IssuerKey,
    credential_type: &str,
    attributes: &AttributeSet,
    options: &IssueOptions,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Credential, Error> {
    let holder = HolderSecret::random(rng);
    issue_to(
        catalogue,
        key,
        credential_type,
        attributes,
        options,
        &holder,
        now,
        rng,
    )
}

/// [`issue_with`] to the holder secret `holder` (one holder's several
/// credentials share it).
///
/// # Errors
///
/// As [`issue_blind`] and [`Credential::bind`].
#[allow(clippy::too_many_arguments)]
pub fn issue_to(
    catalogue: &Catalogue,
    key: &IssuerKey,
    credential_type: &str,
    attributes: &AttributeSet,
    options: &IssueOptions,
    holder: &HolderSecret,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Credential, Error> {
    let (request, blind) = CredentialRequest::new(key.public().suite, holder, rng)?;
    let mut cred = issue_blind(
        catalogue,
        key,
        credential_type,
        attributes,
        options,
        &request,
        now,
        rng,
    )?;
    cred.bind(catalogue, key.public(), holder, blind)?;
    Ok(cred)
}

/// The issuer's side of blind issuance: checks the attributes against the
/// catalogue ([`AttributeSet::validate`]), the key's validity window at
/// `now`, the issuance rules of [`crate::issuance`] (national formats,
/// dates, the issuing authority, back-dating per `options`) and the
/// holder's `request` (its suite, one committed message, its proof of
/// knowledge), then signs the attributes and the commitment
/// (`BlindSign`, draft-irtf-cfrg-bbs-blind-signatures). The issuer learns
/// nothing of the holder secret; the credential is unbound until its
/// holder calls [`Credential::bind`].
///
/// # Errors
///
/// [`Error::UnknownCredentialType`], [`Error::Attribute`] (catalogue checks),
/// [`Error::KeyNotValid`], [`Error::Issuance`] (an issuance rule, with its
/// code), [`Error::InvalidCredentialRequest`] for a request of another
/// suite, another number of committed messages or a commitment proof that
/// does not verify, [`Error::Crypto`].
#[allow(clippy::too_many_arguments)]
pub fn issue_blind(
    catalogue: &Catalogue,
    key: &IssuerKey,
    credential_type: &str,
    attributes: &AttributeSet,
    options: &IssueOptions,
    request: &CredentialRequest,
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Credential, Error> {
    let t = catalogue
        .get(credential_type)
        .ok_or_else(|| Error::UnknownCredentialType(credential_type.to_owned()))?;
    attributes.validate(t)?;
    let public = key.public();
    if !public.is_valid_at(now) {
        return Err(Error::KeyNotValid {
            key_id: public.key_id.clone(),
            at: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        });
    }
    issuance::check(t, attributes, public, now, options)?;
    let commitment = request.commitment(public.suite)?;
    let reserved = ReservedSlots::random(rng);
    let messages = signer_messages(public.suite, t, attributes, &reserved);
    let header = layout::signature_header(t, &public.issuer, &public.key_id);
    let sig = blind::core::blind_sign(
        public.suite,
        key.secret(),
        &public.public_key,
        Some(&commitment),
        &header,
        &messages,
    )
    .map_err(|e| match e {
        zkcred_crypto::Error::InvalidCommitmentProof => {
            Error::InvalidCredentialRequest("the commitment's proof does not verify".into())
        }
        e => Error::Crypto(e),
    })?;
    Ok(Credential {
        format: CREDENTIAL_FORMAT.into(),
        version: CREDENTIAL_VERSION,
        encoding_version: ENCODING_VERSION,
        credential_type: t.id.clone(),
        issuer: public.issuer.clone(),
        key_id: public.key_id.clone(),
        suite: public.suite.name().into(),
        attributes: attributes.to_json(t),
        reserved,
        commitment_digest: hex::encode(request.digest()),
        signature: hex::encode(sig.to_bytes()),
        status: None,
        holder: None,
    })
}

/// The signer messages of a credential in layout order (`L` of them: the
/// reserved slots, then the attributes).
pub(crate) fn signer_messages(
    suite: Suite,
    t: &CredentialType,
    attributes: &AttributeSet,
    reserved: &ReservedSlots,
) -> Vec<Scalar> {
    let mut m = Vec::with_capacity(layout::signer_message_count(t));
    m.push(reserved.revocation_handle);
    m.extend(attributes.attribute_scalars(suite, t));
    m
}

/// A credential's checked parts, as [`Credential::check`] returns them.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub t: &'a CredentialType,
    pub key: &'a IssuerPublicKey,
    pub attributes: AttributeSet,
    pub signature: Signature,
}

pub(crate) fn check_document(
    expected: &'static str,
    version: u32,
    format: &str,
    found_version: u32,
) -> Result<(), Error> {
    if format != expected || found_version != version {
        return Err(Error::UnsupportedFormat {
            expected,
            version,
            found: format!(
                "{} v{found_version}",
                format.chars().take(64).collect::<String>()
            ),
        });
    }
    Ok(())
}

/// Finds the key for `issuer`/`key_id` and checks that it signs with `suite`.
pub(crate) fn resolve_key<'k>(
    keys: &'k impl KeyResolver,
    issuer: &str,
    key_id: &str,
    suite: &str,
) -> Result<&'k IssuerPublicKey, Error> {
    let parsed = Suite::from_name(suite)
        .ok_or_else(|| Error::UnknownSuite(suite.chars().take(64).collect()))?;
    let key = keys
        .resolve(issuer, key_id)
        .ok_or_else(|| Error::UnknownKey {
            issuer: issuer.chars().take(128).collect(),
            key_id: key_id.chars().take(64).collect(),
        })?;
    if key.suite != parsed {
        return Err(Error::SuiteMismatch {
            found: parsed.name().into(),
            key: key.suite.name().into(),
        });
    }
    Ok(key)
}

impl Credential {
    /// Parses a credential document (without verifying it).
    ///
    /// # Errors
    /// [`Error::Json`] when the text is not a credential document.
    pub fn from_json(text: &str) -> Result<Credential, Error> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            what: "credential",
            source,
        })
    }

    /// The credential document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The credential's revocation handle as an accumulator element
    /// (message 0): what its status witness and a membership proof are
    /// about ([`crate::status`]). A holder secret: never disclosed.
    pub fn revocation_element(&self) -> zkcred_crypto::accumulator::Element {
        zkcred_crypto::accumulator::Element::new(self.reserved.revocation_handle)
    }

    /// The typed attribute values (checked against the catalogue).
    ///
    /// # Errors
    /// [`Error::UnknownCredentialType`]; [`Error::Attribute`] as
    /// [`AttributeSet::from_json`].
    pub fn attribute_set(&self, catalogue: &Catalogue) -> Result<AttributeSet, Error> {
        let t = catalogue
            .get(&self.credential_type)
            .ok_or_else(|| Error::UnknownCredentialType(self.credential_type.clone()))?;
        let obj = Value::Object(self.attributes.clone().into_iter().collect());
        Ok(AttributeSet::from_json(t, &obj)?)
    }

    pub(crate) fn check<'a, 'k: 'a>(
        &self,
        catalogue: &'a Catalogue,
        keys: &'k impl KeyResolver,
    ) -> Result<Checked<'a>, Error> {
        check_document(
            CREDENTIAL_FORMAT,
            CREDENTIAL_VERSION,
            &self.format,
            self.version,
        )?;
        if self.encoding_version != ENCODING_VERSION {
            return Err(Error::UnsupportedEncodingVersion(self.encoding_version));
        }
        let t = catalogue
            .get(&self.credential_type)
            .ok_or_else(|| Error::UnknownCredentialType(self.credential_type.clone()))?;
        check_identifier("issuer", &self.issuer)?;
        let key = resolve_key(keys, &self.issuer, &self.key_id, &self.suite)?;
        let attributes = self.attribute_set(catalogue)?;
        for def in &t.attributes {
            // Every layout attribute is written out, absent ones as null.
            if !self.attributes.contains_key(&def.name) {
                return Err(AttributeError::Invalid {
                    attribute: def.name.clone(),
                    reason: "missing from the credential document (absent values are null)".into(),
                }
                .into());
            }
        }
        let sig_bytes = crate::error::decode_hex("signature", &self.signature)?;
        let signature = Signature::from_bytes(&sig_bytes).map_err(|e| Error::Malformed {
            what: "signature",
            reason: e.to_string(),
        })?;
        Ok(Checked {
            t,
            key,
            attributes,
            signature,
        })
    }

    /// Binds a credential issued to this holder: sets the holder's part
    /// ([`HolderBinding`]) and verifies the blind signature over the
    /// attributes, `secret_prover_blind` and the holder secret (the
    /// holder's `Verify` of the blind draft). Returns the typed
    /// attributes. A credential issued to another holder secret fails with
    /// [`Error::SignatureInvalid`] and stays unbound.
    ///
    /// # Errors
    /// As [`Credential::verify`].
    pub fn bind(
        &mut self,
        catalogue: &Catalogue,
        keys: &impl KeyResolver,
        holder: &HolderSecret,
        secret_prover_blind: SecretProverBlind,
    ) -> Result<AttributeSet, Error> {
        let previous = self
            .holder
            .replace(HolderBinding::new(holder, secret_prover_blind));
        match self.verify(catalogue, keys) {
            Ok(a) => Ok(a),
            Err(e) => {
                self.holder = previous;
                Err(e)
            }
        }
    }

    /// Holder-side check of a bound credential: the document is
    /// well-formed, its type and values fit the catalogue, the key is known
    /// (and of this suite), and the blind signature verifies over the
    /// attributes and the holder's part. Returns the typed attributes.
    ///
    /// # Errors
    /// [`Error::HolderBindingMissing`] for a credential without its
    /// holder's part (a credential file alone); [`Error::UnsupportedFormat`],
    /// [`Error::UnsupportedEncodingVersion`],
    /// [`Error::UnknownCredentialType`], [`Error::InvalidIdentifier`],
    /// [`Error::UnknownSuite`], [`Error::UnknownKey`], [`Error::SuiteMismatch`],
    /// [`Error::Attribute`], [`Error::Malformed`] for an undecodable signature,
    /// [`Error::SignatureInvalid`] when it does not verify (blind draft
    /// `Verify`), [`Error::Crypto`] for other failures of the BBS layer.
    pub fn verify(
        &self,
        catalogue: &Catalogue,
        keys: &impl KeyResolver,
    ) -> Result<AttributeSet, Error> {
        let c = self.check(catalogue, keys)?;
        let holder = self.holder.as_ref().ok_or(Error::HolderBindingMissing)?;
        let messages = signer_messages(c.key.suite, c.t, &c.attributes, &self.reserved);
        let header = layout::signature_header(c.t, &self.issuer, &self.key_id);
        match blind::core::blind_verify(
            c.key.suite,
            &c.key.public_key,
            &c.signature,
            &header,
            &messages,
            std::slice::from_ref(holder.holder_secret()),
            holder.secret_prover_blind(),
        ) {
            Ok(()) => Ok(c.attributes),
            Err(zkcred_crypto::Error::VerificationFailed) => Err(Error::SignatureInvalid),
            Err(e) => Err(Error::Crypto(e)),
        }
    }
}
