//! Issuer keys: generation, key identifiers, key files, rotation and lookup.
//!
//! # Key identifier
//!
//! `key_id = hex(SHA-256(canonical("ZKCRED-KEY-ID-V1", pk_octets))[0..16])`:
//! 32 lower-case hex characters derived from the 96-octet compressed public
//! key (see [`crate::canonical`] for the length-prefixed encoding). Loading a
//! key file recomputes it and rejects a mismatch.
//!
//! # Key files
//!
//! A [`KeyStore`] is a directory (mode 0700) holding, per key,
//! `<key_id>.secret.json` (mode 0600) and `<key_id>.public.json` (mode 0644),
//! each written atomically (temporary file, fsync, rename). Public key file:
//!
//! ```json
//! { "format": "zkcred-issuer-public-key", "version": 1, "issuer": "11330105002500287C",
//!   "key_id": "…", "suite": "BLS12-381-SHA-256", "not_before": "2026-01-01T00:00:00Z",
//!   "not_after": "2028-01-01T00:00:00Z", "authority": "public_security",
//!   "public_key": "<96 octets hex>" }
//! ```
//!
//! The secret key file has the same fields with format
//! `zkcred-issuer-secret-key` plus `"secret_key": "<32 octets hex>"`. Secret
//! material lives in zeroizing buffers and no `Debug` or error prints it.
//!
//! # Validity and rotation
//!
//! Each key has a window `[not_before, not_after)` during which it may *issue*.
//! An issuer may hold several keys; [`KeyStore::signing_key`] picks the valid
//! one with the latest `not_before`, and [`KeyStore::rotate`] creates a new key
//! and ends the window of the keys it replaces. Credentials signed earlier stay
//! verifiable: verification needs only that the key is in the verifier's
//! [`KeySet`]; withdrawing a compromised key means removing it from key sets.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;
use zkcred_crypto::bbs::{PublicKey, SecretKey, Suite};

use crate::canonical::Canonical;
use crate::error::Error;
use crate::fsutil;

/// Format name of public key files.
pub const PUBLIC_KEY_FORMAT: &str = "zkcred-issuer-public-key";
/// Format name of secret key files.
pub const SECRET_KEY_FORMAT: &str = "zkcred-issuer-secret-key";
/// Format name of key sets.
pub const KEY_SET_FORMAT: &str = "zkcred-key-set";
/// Version of the key file formats.
pub const KEY_FORMAT_VERSION: u32 = 1;

/// Derives the key identifier of a public key (see the module docs).
pub fn key_id(pk: &PublicKey) -> String {
    let digest = Canonical::new("ZKCRED-KEY-ID-V1")
        .bytes(pk.as_bytes())
        .digest();
    hex::encode(&digest[..16])
}

/// Checks an issuer or verifier identifier: 1–128 characters of
/// `A-Z a-z 0-9 . _ : -`, starting with a letter or digit (a unified social
/// credit code, a domain name or a DID fit).
///
/// # Errors
/// [`Error::InvalidIdentifier`] when `s` breaks those rules.
pub fn check_identifier(what: &'static str, s: &str) -> Result<(), Error> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidIdentifier {
            what,
            value: s.chars().take(64).collect(),
        })
    }
}

fn parse_suite(name: &str) -> Result<Suite, Error> {
    Suite::from_name(name).ok_or_else(|| Error::UnknownSuite(name.chars().take(64).collect()))
}

fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// An issuer's public key with its identifier, suite and validity window.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PublicKeyFile", into = "PublicKeyFile")]
pub struct IssuerPublicKey {
    /// The issuer's identifier.
    pub issuer: String,
    /// The key identifier (derived from the public key).
    pub key_id: String,
    /// The ciphersuite this key signs with.
    pub suite: Suite,
    /// The BBS public key.
    pub public_key: PublicKey,
    /// Start of the issuance window.
    pub not_before: OffsetDateTime,
    /// End (exclusive) of the issuance window.
    pub not_after: OffsetDateTime,
    /// The kind of authority the issuer is (`public_security`,
    /// `market_regulation`, …, see [`crate::catalogue`]), declared when the
    /// key was made; issuance checks it against the catalogue's
    /// `issuing_authorities`. `None` for keys made before it was recorded.
    pub authority: Option<String>,
}

impl fmt::Debug for IssuerPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerPublicKey")
            .field("issuer", &self.issuer)
            .field("key_id", &self.key_id)
            .field("suite", &self.suite.name())
            .field("not_before", &format_time(self.not_before))
            .field("not_after", &format_time(self.not_after))
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

impl IssuerPublicKey {
    /// Whether the key may issue at `t`.
    pub fn is_valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before <= t && t < self.not_after
    }

    /// Parses a public key file.
    ///
    /// # Errors
    /// [`Error::Json`] when the text is not a valid public key document.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            what: "issuer public key",
            source,
        })
    }

    /// The public key file's JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyFile {
    format: String,
    version: u32,
    issuer: String,
    key_id: String,
    suite: String,
    #[serde(with = "time::serde::rfc3339")]
    not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    public_key: String,
}

/// Checks an authority kind: an identifier `[a-z][a-z0-9_]*` of at most 64
/// characters (such as `public_security`).
///
/// # Errors
///
/// [`Error::InvalidIdentifier`] naming `authority`.
pub fn check_authority(s: &str) -> Result<(), Error> {
    if crate::catalogue::is_identifier(s) {
        Ok(())
    } else {
        Err(Error::InvalidIdentifier {
            what: "authority",
            value: s.chars().take(64).collect(),
        })
    }
}

fn check_format(expected: &'static str, format: &str, version: u32) -> Result<(), Error> {
    if format != expected || version != KEY_FORMAT_VERSION {
        return Err(Error::UnsupportedFormat {
            expected,
            version: KEY_FORMAT_VERSION,
            found: format!("{} v{version}", format.chars().take(64).collect::<String>()),
        });
    }
    Ok(())
}

fn check_window(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Result<(), Error> {
    if not_before >= not_after {
        return Err(Error::InvalidKeyWindow(format!(
            "not_before {} is not before not_after {}",
            format_time(not_before),
            format_time(not_after)
        )));
    }
    Ok(())
}

fn build_public(
    issuer: String,
    stated_key_id: String,
    suite: &str,
    pk_hex: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    authority: Option<String>,
) -> Result<IssuerPublicKey, Error> {
    check_identifier("issuer", &issuer)?;
    if let Some(a) = &authority {
        check_authority(a)?;
    }
    let suite = parse_suite(suite)?;
    let bytes = crate::error::decode_hex("public key", pk_hex)?;
    let public_key = PublicKey::from_bytes(&bytes).map_err(|e| Error::Malformed {
        what: "public key",
        reason: e.to_string(),
    })?;
    let derived = key_id(&public_key);
    if derived != stated_key_id {
        return Err(Error::KeyIdMismatch {
            stated: stated_key_id.chars().take(64).collect(),
            derived,
        });
    }
    check_window(not_before, not_after)?;
    Ok(IssuerPublicKey {
        issuer,
        key_id: derived,
        suite,
        public_key,
        not_before,
        not_after,
        authority,
    })
}

impl TryFrom<PublicKeyFile> for IssuerPublicKey {
    type Error = Error;
    fn try_from(f: PublicKeyFile) -> Result<Self, Error> {
        check_format(PUBLIC_KEY_FORMAT, &f.format, f.version)?;
        build_public(
            f.issuer,
            f.key_id,
            &f.suite,
            &f.public_key,
            f.not_before,
            f.not_after,
            f.authority,
        )
    }
}

impl From<IssuerPublicKey> for PublicKeyFile {
    fn from(k: IssuerPublicKey) -> Self {
        PublicKeyFile {
            format: PUBLIC_KEY_FORMAT.into(),
            version: KEY_FORMAT_VERSION,
            issuer: k.issuer,
            key_id: k.key_id,
            suite: k.suite.name().into(),
            not_before: k.not_before,
            not_after: k.not_after,
            authority: k.authority,
            public_key: hex::encode(k.public_key.as_bytes()),
        }
    }
}

/// An issuer's key pair. The secret key is zeroized on drop and never printed.
pub struct IssuerKey {
    public: IssuerPublicKey,
    secret: SecretKey,
}

impl fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKey")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretKeyFile<S> {
    format: String,
    version: u32,
    issuer: String,
    key_id: String,
    suite: String,
    #[serde(with = "time::serde::rfc3339")]
    not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    public_key: String,
    secret_key: S,
}

impl IssuerKey {
    /// Generates a fresh key for `issuer`, valid for issuance in `[not_before, not_after)`.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`] for a bad `issuer`,
    /// [`Error::InvalidKeyWindow`] unless `not_before < not_after`.
    pub fn generate(
        issuer: &str,
        suite: Suite,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<IssuerKey, Error> {
        check_identifier("issuer", issuer)?;
        check_window(not_before, not_after)?;
        let secret = SecretKey::random(rng);
        let public_key = secret.public_key();
        Ok(IssuerKey {
            public: IssuerPublicKey {
                issuer: issuer.to_owned(),
                key_id: key_id(&public_key),
                suite,
                public_key,
                not_before,
                not_after,
                authority: None,
            },
            secret,
        })
    }

    /// The same key declaring the kind of authority its issuer is (see
    /// [`IssuerPublicKey::authority`]). The key identifier does not change.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidIdentifier`] when `authority` is not `[a-z][a-z0-9_]*`.
    pub fn with_authority(mut self, authority: &str) -> Result<IssuerKey, Error> {
        check_authority(authority)?;
        self.public.authority = Some(authority.to_owned());
        Ok(self)
    }

    /// The public part.
    pub fn public(&self) -> &IssuerPublicKey {
        &self.public
    }

    /// The key identifier.
    pub fn key_id(&self) -> &str {
        &self.public.key_id
    }

    pub(crate) fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The secret key file's JSON, in a zeroizing buffer.
    pub fn to_secret_json(&self) -> Zeroizing<Vec<u8>> {
        let sk = self.secret.to_bytes();
        let sk_hex = Zeroizing::new(hex::encode(sk.as_ref()));
        let file = SecretKeyFile::<&str> {
            format: SECRET_KEY_FORMAT.into(),
            version: KEY_FORMAT_VERSION,
            issuer: self.public.issuer.clone(),
            key_id: self.public.key_id.clone(),
            suite: self.public.suite.name().into(),
            not_before: self.public.not_before,
            not_after: self.public.not_after,
            authority: self.public.authority.clone(),
            public_key: hex::encode(self.public.public_key.as_bytes()),
            secret_key: sk_hex.as_str(),
        };
        // Sized up front so the buffer holding the secret is never reallocated
        // (a reallocation would leave an unzeroized copy behind).
        let mut out = Zeroizing::new(Vec::with_capacity(4096));
        if serde_json::to_writer_pretty(&mut *out, &file).is_err() {
            out.clear();
        }
        out
    }

    /// Parses a secret key file, checking that the secret and public keys match.
    ///
    /// # Errors
    /// [`Error::InvalidSecretKey`] for a file that is not a secret key file, a
    /// secret that is not a valid scalar, or one that does not match the public
    /// key; [`Error::UnsupportedFormat`]; the errors of the public part
    /// ([`Error::InvalidIdentifier`], [`Error::UnknownSuite`],
    /// [`Error::Malformed`], [`Error::KeyIdMismatch`],
    /// [`Error::InvalidKeyWindow`]).
    pub fn from_secret_json(data: &[u8]) -> Result<IssuerKey, Error> {
        let file: SecretKeyFile<String> = serde_json::from_slice(data)
            .map_err(|_| Error::InvalidSecretKey("not a secret key file"))?;
        let sk_hex = Zeroizing::new(file.secret_key);
        check_format(SECRET_KEY_FORMAT, &file.format, file.version)?;
        let sk_bytes = Zeroizing::new(
            hex::decode(sk_hex.as_bytes())
                .map_err(|_| Error::InvalidSecretKey("secret key is not hex"))?,
        );
        let secret = SecretKey::from_bytes(&sk_bytes)
            .map_err(|_| Error::InvalidSecretKey("secret key is not a valid scalar"))?;
        let public = build_public(
            file.issuer,
            file.key_id,
            &file.suite,
            &file.public_key,
            file.not_before,
            file.not_after,
            file.authority.clone(),
        )?;
        if secret.public_key() != public.public_key {
            return Err(Error::InvalidSecretKey(
                "secret key does not match the public key",
            ));
        }
        Ok(IssuerKey { public, secret })
    }
}

/// Finds issuer public keys by issuer and key identifier.
pub trait KeyResolver {
    /// The key `key_id` of `issuer`, if known.
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey>;

    /// Epoch `epoch` of `issuer`'s status list for `credential_type`, if
    /// known (its issuer signature checked when it was obtained). The
    /// default knows none: a resolver without status epochs refuses every
    /// presentation whose request asks for licence status.
    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: u64,
    ) -> Option<crate::presentation::status::StatusEpochView> {
        let _ = (issuer, credential_type, epoch);
        None
    }
}

/// A set of trusted issuer public keys (what a verifier or holder trusts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: BTreeMap<(String, String), IssuerPublicKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySetFile {
    format: String,
    version: u32,
    keys: Vec<IssuerPublicKey>,
}

impl KeySet {
    /// An empty key set.
    pub fn new() -> Self {
        KeySet::default()
    }

    /// Adds (or replaces) a key.
    pub fn insert(&mut self, key: IssuerPublicKey) {
        self.keys
            .insert((key.issuer.clone(), key.key_id.clone()), key);
    }

    /// Removes a key; returns whether it was present.
    pub fn remove(&mut self, issuer: &str, key_id: &str) -> bool {
        self.keys
            .remove(&(issuer.to_owned(), key_id.to_owned()))
            .is_some()
    }

    /// All keys, ordered by issuer and key identifier.
    pub fn keys(&self) -> impl Iterator<Item = &IssuerPublicKey> {
        self.keys.values()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Parses a key set document (`"format": "zkcred-key-set"`).
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON or keys, [`Error::UnsupportedFormat`].
    pub fn from_json(text: &str) -> Result<KeySet, Error> {
        let f: KeySetFile = serde_json::from_str(text).map_err(|source| Error::Json {
            what: "key set",
            source,
        })?;
        check_format(KEY_SET_FORMAT, &f.format, f.version)?;
        let mut set = KeySet::new();
        for k in f.keys {
            set.insert(k);
        }
        Ok(set)
    }

    /// The key set document.
    pub fn to_json(&self) -> String {
        let f = KeySetFile {
            format: KEY_SET_FORMAT.into(),
            version: KEY_FORMAT_VERSION,
            keys: self.keys.values().cloned().collect(),
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }
}

impl KeyResolver for KeySet {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.keys.get(&(issuer.to_owned(), key_id.to_owned()))
    }
}

impl KeyResolver for IssuerPublicKey {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        (self.issuer == issuer && self.key_id == key_id).then_some(self)
    }
}

/// A directory of issuer key files (see the module docs).
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

fn is_key_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

impl KeyStore {
    /// Opens (creating if needed, mode 0700) a key directory.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be created or made private.
    pub fn open(dir: impl AsRef<Path>) -> Result<KeyStore, Error> {
        let dir = dir.as_ref().to_path_buf();
        fsutil::create_private_dir(&dir)?;
        Ok(KeyStore { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn secret_path(&self, key_id: &str) -> PathBuf {
        self.dir.join(format!("{key_id}.secret.json"))
    }

    fn public_path(&self, key_id: &str) -> PathBuf {
        self.dir.join(format!("{key_id}.public.json"))
    }

    /// Writes a key's secret (0600) and public (0644) files atomically.
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written.
    pub fn save(&self, key: &IssuerKey) -> Result<(), Error> {
        let id = key.key_id();
        fsutil::write_atomic(&self.secret_path(id), &key.to_secret_json(), 0o600)?;
        fsutil::write_atomic(
            &self.public_path(id),
            key.public.to_json().as_bytes(),
            0o644,
        )
    }

    /// Loads a key pair by key identifier.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] for a malformed or absent key identifier,
    /// [`Error::Io`], otherwise as [`IssuerKey::from_secret_json`].
    pub fn load(&self, key_id: &str) -> Result<IssuerKey, Error> {
        if !is_key_id(key_id) {
            return Err(Error::UnknownKey {
                issuer: String::new(),
                key_id: key_id.chars().take(64).collect(),
            });
        }
        let path = self.secret_path(key_id);
        if !path.exists() {
            return Err(Error::UnknownKey {
                issuer: String::new(),
                key_id: key_id.to_owned(),
            });
        }
        let data = Zeroizing::new(fsutil::read(&path)?);
        IssuerKey::from_secret_json(&data)
    }

    /// All public keys in the store.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory or a file cannot be read, [`Error::Json`]
    /// for a public key file that does not parse.
    pub fn public_keys(&self) -> Result<KeySet, Error> {
        let mut set = KeySet::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|source| Error::Io {
            path: self.dir.display().to_string(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: self.dir.display().to_string(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".public.json") else {
                continue;
            };
            if !is_key_id(id) {
                continue;
            }
            let text = fsutil::read(&entry.path())?;
            let key: IssuerPublicKey =
                serde_json::from_slice(&text).map_err(|source| Error::Json {
                    what: "issuer public key",
                    source,
                })?;
            set.insert(key);
        }
        Ok(set)
    }

    /// The key `issuer` should sign with at `now`: among its keys valid at
    /// `now`, the one with the latest `not_before`.
    ///
    /// # Errors
    /// [`Error::NoSigningKey`] when no key of `issuer` is valid at `now`;
    /// otherwise as [`KeyStore::public_keys`] and [`KeyStore::load`].
    pub fn signing_key(&self, issuer: &str, now: OffsetDateTime) -> Result<IssuerKey, Error> {
        let set = self.public_keys()?;
        let best = set
            .keys()
            .filter(|k| k.issuer == issuer && k.is_valid_at(now))
            .max_by_key(|k| (k.not_before, k.key_id.clone()))
            .ok_or_else(|| Error::NoSigningKey(issuer.to_owned()))?;
        self.load(&best.key_id)
    }

    /// Generates and stores a new key for `issuer` valid from `now` until
    /// `not_after`, and ends at `now` the issuance window of the issuer's keys
    /// valid at `now` (their files are rewritten). Keys whose window starts
    /// later (pre-provisioned) are left alone. The new key declares the
    /// authority kind of the keys it replaces, if they declare one.
    ///
    /// # Errors
    /// As [`IssuerKey::generate`], [`KeyStore::public_keys`], [`KeyStore::load`]
    /// and [`KeyStore::save`]. A failure part way leaves the windows of the
    /// keys already rewritten as they are.
    pub fn rotate(
        &self,
        issuer: &str,
        suite: Suite,
        now: OffsetDateTime,
        not_after: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<IssuerKey, Error> {
        let mut new = IssuerKey::generate(issuer, suite, now, not_after, rng)?;
        let keys = self.public_keys()?;
        if let Some(a) = keys
            .keys()
            .filter(|k| k.issuer == issuer && k.is_valid_at(now))
            .find_map(|k| k.authority.clone())
        {
            new = new.with_authority(&a)?;
        }
        for old in keys.keys() {
            if old.issuer == issuer && old.is_valid_at(now) && old.not_before < now {
                let mut key = self.load(&old.key_id)?;
                key.public.not_after = now;
                self.save(&key)?;
            }
        }
        self.save(&new)?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use time::Duration;

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap() // 2026-01-01
    }

    fn key(rng: &mut StdRng) -> IssuerKey {
        IssuerKey::generate(
            "11330105002500287C",
            Suite::Bls12381Sha256,
            t0(),
            t0() + Duration::days(365),
            rng,
        )
        .unwrap()
    }

    #[test]
    fn key_id_is_derived_and_checked() {
        let mut rng = StdRng::seed_from_u64(1);
        let k = key(&mut rng);
        assert_eq!(k.key_id().len(), 32);
        assert_eq!(k.key_id(), key_id(&k.public().public_key));
        let json = k.public().to_json();
        assert_eq!(IssuerPublicKey::from_json(&json).unwrap(), *k.public());
        let other = key(&mut rng);
        let forged = json.replace(k.key_id(), other.key_id());
        assert!(matches!(
            IssuerPublicKey::from_json(&forged),
            Err(Error::Json { .. })
        ));
        // The inner cause is a key identifier mismatch.
        let f: PublicKeyFile = serde_json::from_str(&forged).unwrap();
        assert!(matches!(
            IssuerPublicKey::try_from(f),
            Err(Error::KeyIdMismatch { .. })
        ));
    }

    #[test]
    fn authority_kind_round_trips_and_is_optional() {
        let mut rng = StdRng::seed_from_u64(4);
        let bare = key(&mut rng);
        let id = bare.key_id().to_owned();
        // Files without the field (made before it existed) still load.
        let json = bare.public().to_json();
        assert!(!json.contains("authority"));
        assert_eq!(IssuerPublicKey::from_json(&json).unwrap().authority, None);
        let k = bare.with_authority("public_security").unwrap();
        assert_eq!(k.key_id(), id);
        let json = k.public().to_json();
        assert!(
            json.contains("\"authority\": \"public_security\""),
            "{json}"
        );
        assert_eq!(IssuerPublicKey::from_json(&json).unwrap(), *k.public());
        let back = IssuerKey::from_secret_json(&k.to_secret_json()).unwrap();
        assert_eq!(back.public().authority.as_deref(), Some("public_security"));
        assert!(matches!(
            key(&mut rng).with_authority("公安"),
            Err(Error::InvalidIdentifier {
                what: "authority",
                ..
            })
        ));
        let bad = json.replace("public_security", "Public Security");
        assert!(IssuerPublicKey::from_json(&bad).is_err());
    }

    #[test]
    fn secret_key_never_printed() {
        let mut rng = StdRng::seed_from_u64(2);
        let k = key(&mut rng);
        let sk_hex = hex::encode(k.secret().to_bytes().as_ref());
        let dbg = format!("{k:?} {:?}", k.public());
        assert!(!dbg.contains(&sk_hex));
        assert!(dbg.contains("redacted"));
        let json = k.to_secret_json();
        assert!(std::str::from_utf8(&json).unwrap().contains(&sk_hex));
    }

    #[test]
    fn secret_file_round_trip_and_tamper() {
        let mut rng = StdRng::seed_from_u64(3);
        let k = key(&mut rng);
        let json = k.to_secret_json();
        let back = IssuerKey::from_secret_json(&json).unwrap();
        assert_eq!(back.public(), k.public());
        let other = key(&mut rng);
        let text = String::from_utf8(json.to_vec()).unwrap();
        let swapped = text.replace(
            &hex::encode(k.public().public_key.as_bytes()),
            &hex::encode(other.public().public_key.as_bytes()),
        );
        assert!(IssuerKey::from_secret_json(swapped.as_bytes()).is_err());
        assert!(matches!(
            IssuerKey::from_secret_json(b"{}"),
            Err(Error::InvalidSecretKey(_))
        ));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut rng = StdRng::seed_from_u64(4);
        assert!(matches!(
            IssuerKey::generate(
                "bad issuer",
                Suite::Bls12381Sha256,
                t0(),
                t0() + Duration::DAY,
                &mut rng
            ),
            Err(Error::InvalidIdentifier { .. })
        ));
        assert!(matches!(
            IssuerKey::generate("x", Suite::Bls12381Sha256, t0(), t0(), &mut rng),
            Err(Error::InvalidKeyWindow(_))
        ));
        assert!(check_identifier("issuer", "did:web:gov.cn").is_ok());
        assert!(check_identifier("issuer", "../etc").is_err());
        assert!(check_identifier("issuer", "").is_err());
        assert!(check_identifier("issuer", &"a".repeat(129)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn store_permissions_rotation_and_lookup() {
        use std::os::unix::fs::PermissionsExt;
        let mut rng = StdRng::seed_from_u64(5);
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path().join("keys")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        let issuer = "11330105002500287C";
        let first = store
            .rotate(
                issuer,
                Suite::Bls12381Sha256,
                t0(),
                t0() + Duration::days(730),
                &mut rng,
            )
            .unwrap();
        assert_eq!(mode(&store.secret_path(first.key_id())), 0o600);
        assert_eq!(mode(&store.public_path(first.key_id())), 0o644);
        let later = t0() + Duration::days(100);
        assert_eq!(
            store.signing_key(issuer, later).unwrap().key_id(),
            first.key_id()
        );
        let second = store
            .rotate(
                issuer,
                Suite::Bls12381Sha256,
                later,
                later + Duration::days(730),
                &mut rng,
            )
            .unwrap();
        let set = store.public_keys().unwrap();
        assert_eq!(set.len(), 2);
        let old = set.resolve(issuer, first.key_id()).unwrap();
        assert_eq!(old.not_after, later);
        assert!(!old.is_valid_at(later));
        assert!(old.is_valid_at(later - Duration::SECOND));
        assert_eq!(
            store
                .signing_key(issuer, later + Duration::DAY)
                .unwrap()
                .key_id(),
            second.key_id()
        );
        assert_eq!(
            store
                .signing_key(issuer, t0() + Duration::DAY)
                .unwrap()
                .key_id(),
            first.key_id()
        );
        assert!(matches!(
            store.signing_key(issuer, t0() - Duration::DAY),
            Err(Error::NoSigningKey(_))
        ));
        assert!(matches!(
            store.load("../../etc/passwd"),
            Err(Error::UnknownKey { .. })
        ));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        // Key sets round-trip.
        let back = KeySet::from_json(&set.to_json()).unwrap();
        assert_eq!(back, set);
    }
}
