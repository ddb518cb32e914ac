//! Who may ask: Ed25519 regulator and request keys, the verifier
//! registration a regulator signs, and signed presentation requests.
//!
//! A regulator signs a **verifier registration**: the verifier's identity,
//! its **request key** and the policy documents it may make requests under,
//! for a period. The verifier signs every request it issues with the
//! request key and embeds the registration, so a wallet that trusts the
//! regulator's key checks, offline, that the request comes from a
//! registered verifier, is unaltered, and names a registered policy. (Whether
//! the request asks no more than that policy allows needs the policy
//! language: `zkcred-policy`'s `consent` module, which calls
//! [`PresentationRequest::authenticate`] and is the wallet's one entry point.)
//!
//! # Key files
//!
//! ```json
//! { "format": "zkcred-regulator-public-key", "version": 1,
//!   "key_id": "<32 hex>", "public_key": "<64 hex: Ed25519 public key>" }
//! { "format": "zkcred-regulator-secret-key", "version": 1,
//!   "key_id": "…", "public_key": "…", "secret_key": "<64 hex: Ed25519 seed>" }
//! ```
//!
//! and the same with `zkcred-request-public-key` / `zkcred-request-secret-key`
//! for a verifier's request key ([`KeyRole`]). Keys are RFC 8032 Ed25519;
//! signatures are checked with `verify_strict` and weak (small-order)
//! public keys are refused. The key identifier is the first 16 octets, hex,
//! of `SHA-256(canonical("ZKCRED-ED25519-KEY-ID-V1", public key))`.
//!
//! # Registration (`"format": "zkcred-verifier-registration"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-verifier-registration", "version": 1,
//!   "verifier": { "id": "hotel.example.cn", "name": "…", "region": "310101" },
//!   "request_key": "<64 hex>",
//!   "policies": [ { "format": "zkcred-policy", "id": "hotel-check-in", "version": 1, … } ],
//!   "issued_at": "2026-03-01T00:00:00Z", "expires_at": "2027-03-01T00:00:00Z",
//!   "regulator_key_id": "<32 hex>", "signature": "<128 hex>" }
//! ```
//!
//! The regulator signs, with Ed25519,
//!
//! ```text
//! canonical("ZKCRED-VERIFIER-REGISTRATION-V1", format, u32 version,
//!     verifier id, name, region, request_key (hex text),
//!     u32 n, policy JSON…, issued_at, expires_at, regulator_key_id)
//! ```
//!
//! (see [`crate::canonical`]; a time is `i64` Unix seconds then `u32`
//! nanoseconds; a policy's JSON is encoded as a tree: each value a type
//! label (`null`, `bool`, `number`, `string`, `array`, `object`) then its
//! content, numbers as their JSON text, object members sorted by key, so
//! whitespace and member order do not matter). Policies are identified by
//! their `id` and `version`, each pair at most once.
//!
//! # Signed request (`"version": 2` of `zkcred-presentation-request`)
//!
//! A signed request adds to the fields of the unsigned (version 1) request
//!
//! ```json
//! { "policy": { "id": "hotel-check-in", "version": 1, "requirements": ["guest"] },
//!   "purpose": "<the policy's purpose description>",
//!   "legal_basis": "<the policy's legal basis>",
//!   "registration": { … the verifier's registration … },
//!   "signature": "<128 hex>" }
//! ```
//!
//! where `policy.requirements` names, for each requested entry in order,
//! the requirement of the policy it answers. The request key signs
//!
//! ```text
//! canonical("ZKCRED-REQUEST-SIGNATURE-V2", format, u32 version, verifier,
//!     challenge (text), request digest (32 octets), expires_at,
//!     policy id, u32 policy version, u32 n, requirement…,
//!     purpose, legal_basis, registration digest (32 octets))
//! registration digest = SHA-256(canonical("ZKCRED-VERIFIER-REGISTRATION-DIGEST-V1",
//!     registration signing input (octets), signature (hex text)))
//! ```
//!
//! so every field is covered: the entries through the request digest (the
//! one the presentation binds, which stays the version 1 digest), the rest
//! directly. An unsigned request is refused by [`PresentationRequest::authenticate`]
//! with [`Error::RequestUnsigned`].

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::request::PresentationRequest;
use super::{REQUEST_VERSION, UNSIGNED_REQUEST_VERSION};
use crate::canonical::Canonical;
use crate::credential::check_document;
use crate::error::Error;
use crate::keys::check_identifier;

/// Format name of verifier registrations.
pub const REGISTRATION_FORMAT: &str = "zkcred-verifier-registration";
/// Version of the registration format.
pub const REGISTRATION_VERSION: u32 = 1;
/// Version of the Ed25519 key file formats.
pub const SIGNING_KEY_VERSION: u32 = 1;
/// Most policies one registration holds.
pub const MAX_REGISTERED_POLICIES: usize = 64;
/// Longest verifier name, purpose or legal basis, in octets.
pub const MAX_TEXT_LEN: usize = 2048;

/// What an Ed25519 key of zkcred signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// A regulator's key: signs verifier registrations.
    Regulator,
    /// A verifier's request key: signs the presentation requests it issues.
    Request,
}

impl KeyRole {
    /// The format name of the role's public key files.
    pub fn public_format(self) -> &'static str {
        match self {
            KeyRole::Regulator => "zkcred-regulator-public-key",
            KeyRole::Request => "zkcred-request-public-key",
        }
    }

    /// The format name of the role's secret key files.
    pub fn secret_format(self) -> &'static str {
        match self {
            KeyRole::Regulator => "zkcred-regulator-secret-key",
            KeyRole::Request => "zkcred-request-secret-key",
        }
    }

    /// `regulator` or `request`.
    pub fn name(self) -> &'static str {
        match self {
            KeyRole::Regulator => "regulator",
            KeyRole::Request => "request",
        }
    }
}

/// The key identifier of an Ed25519 public key (see the module docs).
pub fn signing_key_id(public_key: &[u8; 32]) -> String {
    let d = Canonical::new("ZKCRED-ED25519-KEY-ID-V1")
        .bytes(public_key)
        .digest();
    hex::encode(&d[..16])
}

fn bad(what: &str) -> Error {
    Error::InvalidRegistration(what.to_owned())
}

/// Lowercase hex of exactly `n` octets.
fn decode_lower_hex<const N: usize>(what: &str, text: &str) -> Result<[u8; N], Error> {
    if text.len() != 2 * N || !text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad(&format!(
            "{what} must be {} lowercase hex digits",
            2 * N
        )));
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| bad(&format!("{what} is not hex")))?;
    Ok(out)
}

fn decode_verifying_key(what: &str, text: &str) -> Result<VerifyingKey, Error> {
    let bytes = decode_lower_hex::<32>(what, text)?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| bad(&format!("{what} is not an Ed25519 public key")))?;
    if key.is_weak() {
        return Err(bad(&format!("{what} is a weak (small-order) Ed25519 key")));
    }
    Ok(key)
}

/// An Ed25519 public key of a regulator or of a verifier's requests.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicSigningKey {
    role: KeyRole,
    key: VerifyingKey,
    key_id: String,
}

impl fmt::Debug for PublicSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicSigningKey")
            .field("role", &self.role)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyFile {
    format: String,
    version: u32,
    key_id: String,
    public_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretKeyFile<S> {
    format: String,
    version: u32,
    key_id: String,
    public_key: String,
    secret_key: S,
}

impl PublicSigningKey {
    fn new(role: KeyRole, key: VerifyingKey) -> Self {
        PublicSigningKey {
            role,
            key_id: signing_key_id(key.as_bytes()),
            key,
        }
    }

    /// A `role` key from its 64 lowercase hex digits.
    ///
    /// # Errors
    /// [`Error::InvalidRegistration`] for text that is not a valid, strong
    /// Ed25519 public key.
    pub fn from_hex(role: KeyRole, text: &str) -> Result<Self, Error> {
        Ok(PublicSigningKey::new(
            role,
            decode_verifying_key("public key", text)?,
        ))
    }

    /// The role.
    pub fn role(&self) -> KeyRole {
        self.role
    }

    /// The key identifier (32 hex digits).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key, 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.as_bytes())
    }

    /// Whether `signature` is this key's Ed25519 signature over `message`
    /// (RFC 8032, strict verification: canonical `S`, no small-order `R`).
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// Parses a public key file of `role`.
    ///
    /// # Errors
    /// [`Error::Json`] for text that is no key file; [`Error::UnsupportedFormat`]
    /// for another format (such as another role's key, or a secret key);
    /// [`Error::InvalidRegistration`] for a bad key or a `key_id` that is
    /// not the key's.
    pub fn from_json(role: KeyRole, text: &str) -> Result<Self, Error> {
        let file: PublicKeyFile = serde_json::from_str(text).map_err(|source| Error::Json {
            what: "public key file",
            source,
        })?;
        check_document(
            role.public_format(),
            SIGNING_KEY_VERSION,
            &file.format,
            file.version,
        )?;
        let key = PublicSigningKey::from_hex(role, &file.public_key)?;
        if file.key_id != key.key_id {
            return Err(bad("key_id does not match the public key"));
        }
        Ok(key)
    }

    /// The public key file.
    pub fn to_json(&self) -> String {
        let file = PublicKeyFile {
            format: self.role.public_format().into(),
            version: SIGNING_KEY_VERSION,
            key_id: self.key_id.clone(),
            public_key: self.to_hex(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }
}

/// An Ed25519 secret key of a regulator or of a verifier's requests. The
/// key is zeroized on drop and never printed.
pub struct SecretSigningKey {
    role: KeyRole,
    key: SigningKey,
    public: PublicSigningKey,
}

impl fmt::Debug for SecretSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSigningKey")
            .field("role", &self.role)
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

impl SecretSigningKey {
    fn from_signing_key(role: KeyRole, key: SigningKey) -> Self {
        let public = PublicSigningKey::new(role, key.verifying_key());
        SecretSigningKey { role, key, public }
    }

    /// A fresh key of `role`.
    pub fn generate(role: KeyRole, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        SecretSigningKey::from_signing_key(role, SigningKey::from_bytes(&seed))
    }

    /// The role.
    pub fn role(&self) -> KeyRole {
        self.role
    }

    /// The public key.
    pub fn public(&self) -> &PublicSigningKey {
        &self.public
    }

    /// An Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// The secret key file, in a zeroizing buffer (write it with mode 0600).
    pub fn to_secret_json(&self) -> Zeroizing<Vec<u8>> {
        let seed = Zeroizing::new(hex::encode(self.key.as_bytes()));
        let file = SecretKeyFile::<&str> {
            format: self.role.secret_format().into(),
            version: SIGNING_KEY_VERSION,
            key_id: self.public.key_id.clone(),
            public_key: self.public.to_hex(),
            secret_key: seed.as_str(),
        };
        // Sized up front: the buffer holding the secret is never reallocated.
        let mut out = Zeroizing::new(Vec::with_capacity(1024));
        if serde_json::to_writer_pretty(&mut *out, &file).is_err() {
            out.clear();
        }
        out
    }

    /// Parses a secret key file of `role`, checking that the secret and
    /// public keys match.
    ///
    /// # Errors
    /// [`Error::InvalidSecretKey`] for a file that is not such a key file
    /// (never showing key material); [`Error::UnsupportedFormat`] for another
    /// format or role.
    pub fn from_secret_json(role: KeyRole, data: &[u8]) -> Result<Self, Error> {
        let file: SecretKeyFile<String> = serde_json::from_slice(data)
            .map_err(|_| Error::InvalidSecretKey("not a secret key file"))?;
        let seed_hex = Zeroizing::new(file.secret_key);
        check_document(
            role.secret_format(),
            SIGNING_KEY_VERSION,
            &file.format,
            file.version,
        )?;
        let mut seed = Zeroizing::new([0u8; 32]);
        if seed_hex.len() != 64 || hex::decode_to_slice(seed_hex.as_bytes(), seed.as_mut()).is_err()
        {
            return Err(Error::InvalidSecretKey("secret key is not 64 hex digits"));
        }
        let key = SecretSigningKey::from_signing_key(role, SigningKey::from_bytes(&seed));
        if key.public.to_hex() != file.public_key || key.public.key_id != file.key_id {
            return Err(Error::InvalidSecretKey(
                "secret key does not match the public key or key_id",
            ));
        }
        Ok(key)
    }
}

/// The regulator keys a wallet trusts to sign verifier registrations, by
/// key identifier.
#[derive(Debug, Clone, Default)]
pub struct TrustedRegulators(BTreeMap<String, PublicSigningKey>);

impl TrustedRegulators {
    /// No trusted key.
    pub fn new() -> Self {
        TrustedRegulators::default()
    }

    /// Trusts `key`.
    ///
    /// # Errors
    /// [`Error::InvalidRegistration`] for a key of another role.
    pub fn insert(&mut self, key: PublicSigningKey) -> Result<(), Error> {
        if key.role != KeyRole::Regulator {
            return Err(bad("a request key is not a regulator key"));
        }
        self.0.insert(key.key_id.clone(), key);
        Ok(())
    }

    /// The trusted key `key_id`.
    pub fn get(&self, key_id: &str) -> Option<&PublicSigningKey> {
        self.0.get(key_id)
    }

    /// The number of trusted keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The trusted keys, by key identifier.
    pub fn keys(&self) -> impl Iterator<Item = &PublicSigningKey> {
        self.0.values()
    }
}

/// The verifier a registration is for (the `verifier` of its policies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredVerifier {
    /// Identifier, as in presentation requests.
    pub id: String,
    /// Display name, shown to the holder.
    pub name: String,
    /// GB/T 2260 region code (six digits).
    pub region: String,
}

/// A verifier registration signed by a regulator (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierRegistration {
    /// Always [`REGISTRATION_FORMAT`].
    pub format: String,
    /// Always [`REGISTRATION_VERSION`].
    pub version: u32,
    /// The registered verifier.
    pub verifier: RegisteredVerifier,
    /// The verifier's request key, 64 lowercase hex digits.
    pub request_key: String,
    /// The policy documents (`zkcred-policy`) the verifier may make
    /// requests under.
    pub policies: Vec<Value>,
    /// When the registration was made.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// When it stops being valid (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The key identifier of the regulator key that signed it.
    pub regulator_key_id: String,
    /// The regulator's Ed25519 signature, 128 lowercase hex digits.
    pub signature: String,
}

/// A policy document's `id` and `version`, if it has them.
pub fn policy_ref(policy: &Value) -> Option<(&str, u32)> {
    let id = policy.get("id")?.as_str()?;
    let version = u32::try_from(policy.get("version")?.as_u64()?).ok()?;
    Some((id, version))
}

/// Appends a JSON value as a tree (see the module docs).
fn canonical_json(c: &mut Canonical, v: &Value) {
    match v {
        Value::Null => {
            c.str("null");
        }
        Value::Bool(b) => {
            c.str("bool").u32(u32::from(*b));
        }
        Value::Number(n) => {
            c.str("number").str(&n.to_string());
        }
        Value::String(s) => {
            c.str("string").str(s);
        }
        Value::Array(a) => {
            c.str("array").count(a.len());
            for x in a {
                canonical_json(c, x);
            }
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            c.str("object").count(members.len());
            for (k, x) in members {
                c.str(k);
                canonical_json(c, x);
            }
        }
    }
}

fn canonical_time(c: &mut Canonical, t: OffsetDateTime) {
    c.i64(t.unix_timestamp()).u32(t.nanosecond());
}

pub(super) fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn check_text(what: &str, s: &str) -> Result<(), Error> {
    if s.trim().is_empty() || s.len() > MAX_TEXT_LEN {
        return Err(bad(&format!("{what} must be 1 to {MAX_TEXT_LEN} octets")));
    }
    Ok(())
}

impl VerifierRegistration {
    /// Registers `verifier` with `request_key` for `policies` from
    /// `issued_at` to `expires_at`, signed by `regulator`. The policies are
    /// taken as given: check them with the policy language first (the
    /// `zkcred regulator register` command loads and audits each).
    ///
    /// # Errors
    /// [`Error::InvalidRegistration`] for a key of the wrong role, a bad
    /// verifier, no or too many policies, a policy without `id` and
    /// `version` or twice, or an empty period; as [`Self::check_shape`].
    pub fn issue(
        regulator: &SecretSigningKey,
        verifier: RegisteredVerifier,
        request_key: &PublicSigningKey,
        policies: Vec<Value>,
        issued_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<Self, Error> {
        if regulator.role != KeyRole::Regulator {
            return Err(bad("registrations are signed with a regulator key"));
        }
        if request_key.role != KeyRole::Request {
            return Err(bad("the registered key must be a request key"));
        }
        let mut r = VerifierRegistration {
            format: REGISTRATION_FORMAT.into(),
            version: REGISTRATION_VERSION,
            verifier,
            request_key: request_key.to_hex(),
            policies,
            issued_at,
            expires_at,
            regulator_key_id: regulator.public.key_id.clone(),
            signature: "00".repeat(64),
        };
        r.check_shape()?;
        r.signature = hex::encode(regulator.sign(&r.signing_input()));
        Ok(r)
    }

    /// Parses and checks the shape of a registration document (not its
    /// signature: see [`Self::verify`]).
    ///
    /// # Errors
    /// [`Error::Json`] for text that is not a registration document; as
    /// [`Self::check_shape`].
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let r: VerifierRegistration = serde_json::from_str(text).map_err(|source| Error::Json {
            what: "verifier registration",
            source,
        })?;
        r.check_shape()?;
        Ok(r)
    }

    /// The registration document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the fields: format and version, the verifier (identifier,
    /// name, six-digit region), the request key, 1 to
    /// [`MAX_REGISTERED_POLICIES`] policies each with an `id` and a
    /// `version` and no pair twice, a non-empty period, the regulator key
    /// identifier and the signature's encoding.
    ///
    /// # Errors
    /// [`Error::UnsupportedFormat`]; [`Error::InvalidIdentifier`] for the
    /// verifier; [`Error::InvalidRegistration`] naming the field.
    pub fn check_shape(&self) -> Result<(), Error> {
        check_document(
            REGISTRATION_FORMAT,
            REGISTRATION_VERSION,
            &self.format,
            self.version,
        )?;
        check_identifier("verifier", &self.verifier.id)?;
        check_text("verifier name", &self.verifier.name)?;
        if self.verifier.region.len() != 6
            || !self.verifier.region.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(bad("verifier region must be a six-digit GB/T 2260 code"));
        }
        decode_verifying_key("request_key", &self.request_key)?;
        if self.policies.is_empty() || self.policies.len() > MAX_REGISTERED_POLICIES {
            return Err(bad(&format!(
                "a registration holds 1 to {MAX_REGISTERED_POLICIES} policies"
            )));
        }
        for (i, p) in self.policies.iter().enumerate() {
            let Some(r) = policy_ref(p) else {
                return Err(bad(&format!(
                    "policy {i} is not a policy document with an id and a version"
                )));
            };
            if self.policies[..i].iter().any(|q| policy_ref(q) == Some(r)) {
                return Err(bad(&format!(
                    "policy {:?} version {} is registered twice",
                    r.0.chars().take(64).collect::<String>(),
                    r.1
                )));
            }
        }
        if self.expires_at <= self.issued_at {
            return Err(bad("expires_at must be after issued_at"));
        }
        decode_lower_hex::<16>("regulator_key_id", &self.regulator_key_id)?;
        decode_lower_hex::<64>("signature", &self.signature)?;
        Ok(())
    }

    /// The octets the regulator signs (see the module docs).
    pub fn signing_input(&self) -> Vec<u8> {
        let mut c = Canonical::new("ZKCRED-VERIFIER-REGISTRATION-V1");
        c.str(&self.format)
            .u32(self.version)
            .str(&self.verifier.id)
            .str(&self.verifier.name)
            .str(&self.verifier.region)
            .str(&self.request_key)
            .count(self.policies.len());
        for p in &self.policies {
            canonical_json(&mut c, p);
        }
        canonical_time(&mut c, self.issued_at);
        canonical_time(&mut c, self.expires_at);
        c.str(&self.regulator_key_id);
        c.finish()
    }

    /// The registration digest a signed request commits to (see the module
    /// docs): the signing input and the signature.
    pub fn digest(&self) -> [u8; 32] {
        Canonical::new("ZKCRED-VERIFIER-REGISTRATION-DIGEST-V1")
            .bytes(&self.signing_input())
            .str(&self.signature)
            .digest()
    }

    /// The registered request key.
    ///
    /// # Errors
    /// [`Error::InvalidRegistration`] for a `request_key` that is not a
    /// valid Ed25519 key.
    pub fn request_key(&self) -> Result<PublicSigningKey, Error> {
        Ok(PublicSigningKey::new(
            KeyRole::Request,
            decode_verifying_key("request_key", &self.request_key)?,
        ))
    }

    /// The registered policy document `id` version `version`.
    pub fn policy(&self, id: &str, version: u32) -> Option<&Value> {
        self.policies
            .iter()
            .find(|p| policy_ref(p) == Some((id, version)))
    }

    /// Checks the registration for a wallet at `now`: its shape, that a
    /// key of `trusted` signed it, and that `now` is within its period.
    /// Returns the registered request key.
    ///
    /// # Errors
    /// As [`Self::check_shape`]; [`Error::RegistrationUntrusted`] when
    /// the signing key is not trusted or the signature does not verify;
    /// [`Error::RegistrationExpired`] outside the period.
    pub fn verify(
        &self,
        trusted: &TrustedRegulators,
        now: OffsetDateTime,
    ) -> Result<PublicSigningKey, Error> {
        self.check_shape()?;
        let Some(key) = trusted.get(&self.regulator_key_id) else {
            return Err(Error::RegistrationUntrusted(format!(
                "it is signed by regulator key {}, which is not among the {} trusted regulator key(s)",
                self.regulator_key_id,
                trusted.len()
            )));
        };
        let sig = decode_lower_hex::<64>("signature", &self.signature)?;
        if !key.verifies(&self.signing_input(), &sig) {
            return Err(Error::RegistrationUntrusted(format!(
                "its signature does not verify under regulator key {}: it was altered or forged",
                self.regulator_key_id
            )));
        }
        if now < self.issued_at {
            return Err(Error::RegistrationExpired(format!(
                "is not valid before {}",
                format_time(self.issued_at)
            )));
        }
        if now >= self.expires_at {
            return Err(Error::RegistrationExpired(format!(
                "expired at {}",
                format_time(self.expires_at)
            )));
        }
        self.request_key()
    }
}

/// The registered policy a signed request is made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestPolicy {
    /// The policy identifier.
    pub id: String,
    /// The policy version.
    pub version: u32,
    /// For each requested entry, in order, the identifier of the policy's
    /// requirement it answers.
    pub requirements: Vec<String>,
}

/// A signed request whose registration and signature checked out (see
/// [`PresentationRequest::authenticate`]).
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedRequest<'a> {
    /// The request.
    pub request: &'a PresentationRequest,
    /// Its registration, signed by a trusted regulator and valid now.
    pub registration: &'a VerifierRegistration,
    /// The policy it is made under.
    pub policy: &'a RequestPolicy,
    /// That policy's document in the registration.
    pub registered_policy: &'a Value,
    /// The purpose the request states.
    pub purpose: &'a str,
    /// The legal basis the request states.
    pub legal_basis: &'a str,
}

/// The signed parts of a version 2 request.
struct SignedParts<'a> {
    policy: &'a RequestPolicy,
    purpose: &'a str,
    legal_basis: &'a str,
    registration: &'a VerifierRegistration,
    signature: &'a str,
}

impl PresentationRequest {
    /// Whether the request carries the fields of a signed request.
    pub fn is_signed(&self) -> bool {
        self.version == REQUEST_VERSION
    }

    fn signed_parts(&self) -> Result<SignedParts<'_>, Error> {
        if self.version == UNSIGNED_REQUEST_VERSION {
            return Err(Error::RequestUnsigned);
        }
        match (
            &self.policy,
            &self.purpose,
            &self.legal_basis,
            &self.registration,
            &self.signature,
        ) {
            (Some(policy), Some(purpose), Some(legal_basis), Some(registration), Some(signature)) => {
                Ok(SignedParts {
                    policy,
                    purpose,
                    legal_basis,
                    registration,
                    signature,
                })
            }
            _ => Err(Error::InvalidRequest(
                "a signed request (version 2) needs policy, purpose, legal_basis, registration and signature".into(),
            )),
        }
    }

    /// Checks the signed fields' shape (for [`PresentationRequest::validate`]):
    /// none in a version 1 request, all in a version 2 one, one requirement
    /// per entry, texts of 1 to [`MAX_TEXT_LEN`] octets, the registration's
    /// shape and the signature's encoding.
    pub(super) fn check_signed_fields(&self) -> Result<(), Error> {
        if self.version == UNSIGNED_REQUEST_VERSION {
            if self.policy.is_some()
                || self.purpose.is_some()
                || self.legal_basis.is_some()
                || self.registration.is_some()
                || self.signature.is_some()
            {
                return Err(Error::InvalidRequest(
                    "an unsigned request (version 1) carries no policy, purpose, legal_basis, registration or signature".into(),
                ));
            }
            return Ok(());
        }
        let p = self.signed_parts()?;
        if p.policy.requirements.len() != self.credentials.len() {
            return Err(Error::InvalidRequest(format!(
                "policy.requirements names {} requirement(s) for {} entries",
                p.policy.requirements.len(),
                self.credentials.len()
            )));
        }
        for (i, r) in p.policy.requirements.iter().enumerate() {
            if !crate::catalogue::is_identifier(r) {
                return Err(Error::InvalidRequest(format!(
                    "policy.requirements[{i}] is not a requirement identifier"
                )));
            }
            if p.policy.requirements[..i].contains(r) {
                return Err(Error::InvalidRequest(format!(
                    "requirement {r:?} is answered twice"
                )));
            }
        }
        if p.policy.id.is_empty() || p.policy.id.len() > 64 {
            return Err(Error::InvalidRequest(
                "policy.id must be 1 to 64 octets".into(),
            ));
        }
        let text = |what: &str, s: &str| {
            check_text(what, s).map_err(|_| {
                Error::InvalidRequest(format!("{what} must be 1 to {MAX_TEXT_LEN} octets"))
            })
        };
        text("purpose", p.purpose)?;
        text("legal_basis", p.legal_basis)?;
        p.registration.check_shape()?;
        decode_lower_hex::<64>("request signature", p.signature).map_err(|_| {
            Error::InvalidRequest("signature must be 128 lowercase hex digits".into())
        })?;
        Ok(())
    }

    /// The octets the verifier's request key signs (see the module docs).
    ///
    /// # Errors
    /// [`Error::RequestUnsigned`] for a version 1 request;
    /// [`Error::InvalidRequest`] for a version 2 request missing a signed
    /// field.
    pub fn signing_input(&self) -> Result<Vec<u8>, Error> {
        let p = self.signed_parts()?;
        Ok(self.signing_input_of(p.policy, p.purpose, p.legal_basis, p.registration))
    }

    fn signing_input_of(
        &self,
        policy: &RequestPolicy,
        purpose: &str,
        legal_basis: &str,
        registration: &VerifierRegistration,
    ) -> Vec<u8> {
        let mut c = Canonical::new("ZKCRED-REQUEST-SIGNATURE-V2");
        c.str(&self.format)
            .u32(self.version)
            .str(&self.verifier)
            .str(&self.challenge)
            .bytes(&self.digest());
        canonical_time(&mut c, self.expires_at);
        c.str(&policy.id)
            .u32(policy.version)
            .count(policy.requirements.len());
        for r in &policy.requirements {
            c.str(r);
        }
        c.str(purpose)
            .str(legal_basis)
            .bytes(&registration.digest());
        c.finish()
    }

    /// Makes this a signed request (version 2) under `policy` of
    /// `registration`, stating `purpose` and `legal_basis` (the policy's),
    /// signed with the verifier's request `key`. Set every other field
    /// first: a later change breaks the signature.
    ///
    /// # Errors
    /// [`Error::InvalidRegistration`] for a key that is not a request key
    /// or not the registration's; [`Error::RegistrationMismatch`] for a
    /// registration of another verifier or without the policy;
    /// [`Error::InvalidRequest`] as [`PresentationRequest::validate`]
    /// checks the signed fields.
    pub fn sign(
        &mut self,
        key: &SecretSigningKey,
        registration: VerifierRegistration,
        policy: RequestPolicy,
        purpose: &str,
        legal_basis: &str,
    ) -> Result<(), Error> {
        if key.role != KeyRole::Request {
            return Err(bad("requests are signed with a request key"));
        }
        if registration.request_key != key.public.to_hex() {
            return Err(bad("the request key is not the one the registration names"));
        }
        if registration.verifier.id != self.verifier {
            return Err(Error::RegistrationMismatch(format!(
                "the registration is for verifier {:?}, the request is from {:?}",
                registration.verifier.id, self.verifier
            )));
        }
        if registration.policy(&policy.id, policy.version).is_none() {
            return Err(Error::RegistrationMismatch(format!(
                "policy {} v{} is not registered",
                policy.id, policy.version
            )));
        }
        let mut signed = self.clone();
        signed.version = REQUEST_VERSION;
        let input = signed.signing_input_of(&policy, purpose, legal_basis, &registration);
        signed.signature = Some(hex::encode(key.sign(&input)));
        signed.policy = Some(policy);
        signed.purpose = Some(purpose.to_owned());
        signed.legal_basis = Some(legal_basis.to_owned());
        signed.registration = Some(Box::new(registration));
        signed.check_signed_fields()?;
        *self = signed;
        Ok(())
    }

    /// The wallet's check of who asks: the request is signed (version 2);
    /// its registration is well-formed, signed by a key of `trusted` and
    /// valid at `now`; the request's signature verifies under the
    /// registration's request key (nothing was changed: entries,
    /// disclosures, statements, purpose, verifier, expiry, challenge,
    /// policy reference or registration); the registration is for the
    /// request's verifier and holds its policy; the request has not
    /// expired. Whether the request asks no more than that policy allows
    /// is the policy crate's part (`zkcred_policy::consent`).
    ///
    /// # Errors
    /// [`Error::RequestUnsigned`]; [`Error::InvalidRequest`] or
    /// [`Error::InvalidRegistration`] for a malformed signed field;
    /// [`Error::RegistrationUntrusted`]; [`Error::RegistrationExpired`];
    /// [`Error::RequestSignatureInvalid`]; [`Error::RegistrationMismatch`];
    /// [`Error::RequestExpired`].
    pub fn authenticate(
        &self,
        trusted: &TrustedRegulators,
        now: OffsetDateTime,
    ) -> Result<AuthenticatedRequest<'_>, Error> {
        let p = self.signed_parts()?;
        self.check_signed_fields()?;
        let request_key = p.registration.verify(trusted, now)?;
        let sig = decode_lower_hex::<64>("request signature", p.signature)?;
        let input = self.signing_input_of(p.policy, p.purpose, p.legal_basis, p.registration);
        if !request_key.verifies(&input, &sig) {
            return Err(Error::RequestSignatureInvalid);
        }
        if p.registration.verifier.id != self.verifier {
            return Err(Error::RegistrationMismatch(format!(
                "the registration is for verifier {:?}, the request names {:?}",
                p.registration.verifier.id,
                self.verifier.chars().take(128).collect::<String>()
            )));
        }
        let Some(registered_policy) = p.registration.policy(&p.policy.id, p.policy.version) else {
            return Err(Error::RegistrationMismatch(format!(
                "policy {:?} version {} is not registered for {}",
                p.policy.id.chars().take(64).collect::<String>(),
                p.policy.version,
                p.registration.verifier.id
            )));
        };
        self.check_live(now)?;
        Ok(AuthenticatedRequest {
            request: self,
            registration: p.registration,
            policy: p.policy,
            registered_policy,
            purpose: p.purpose,
            legal_basis: p.legal_basis,
        })
    }
}
