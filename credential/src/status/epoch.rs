//! [`StatusEpoch`]: what a verifier fetches to check licence status: one
//! signed document per epoch of an issuer's status accumulator for a
//! credential type, of constant size whatever the number of credentials.
//!
//! # Document (`"format": "zkcred-status-epoch"`, `"version": 1`)
//!
//! ```json
//! {
//!   "format": "zkcred-status-epoch", "version": 1,
//!   "issuer": "11330105002500287C", "credential_type": "drivers_license",
//!   "key_id": "<32 hex: the issuer key that signed>",
//!   "accumulator_key": "<96 octets hex: Q, compressed G2>",
//!   "epoch": 12, "value": "<48 octets hex: V, compressed G1>",
//!   "published_at": "2026-03-01T08:00:00Z",
//!   "previous": "<32 octets hex: digest of epoch 11>",
//!   "update_digest": "<32 octets hex: digest of the update 11 -> 12>",
//!   "signature": "<80 octets hex: BBS signature>"
//! }
//! ```
//!
//! `previous` and `update_digest` are absent at epoch 0 and present at every
//! later epoch. Unknown members are refused.
//!
//! # Digest and signature
//!
//! The epoch's digest ([`StatusEpoch::digest`]) is `SHA-256` of
//! `canonical("ZKCRED-STATUS-EPOCH-V1", u32 version, issuer, credential_type,
//! key_id, accumulator_key octets, u64 epoch, value octets, i64
//! published_at seconds since 1970, u32 its nanoseconds, previous octets (empty at 0),
//! update_digest octets (empty at 0))` (see [`crate::canonical`]). The
//! next epoch's `previous` is this digest, so epochs form a hash chain.
//!
//! The signature is a BBS signature (draft-irtf-cfrg-bbs-signatures §3.4.1
//! `Sign`) by the issuer key `key_id` over one octet-string message, the
//! digest, with the header [`EPOCH_SIGNATURE_HEADER`]: the issuer's
//! existing credential key signs its status, and nothing else can be
//! mistaken for it (credentials use another header and many messages).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zkcred_crypto::accumulator::{Accumulator, PublicKey};
use zkcred_crypto::bbs::{self, Signature};

use crate::canonical::Canonical;
use crate::catalogue::is_identifier;
use crate::credential::check_document;
use crate::error::Error;
use crate::keys::{check_identifier, IssuerKey, IssuerPublicKey, KeyResolver};
use crate::status::hex_array;

/// Format name of status epochs.
pub const STATUS_EPOCH_FORMAT: &str = "zkcred-status-epoch";
/// Version of the status epoch document.
pub const STATUS_EPOCH_VERSION: u32 = 1;
/// The BBS header of epoch signatures.
pub const EPOCH_SIGNATURE_HEADER: &[u8] = b"zkcred/status-epoch/v1";

/// The content of an epoch before it is signed ([`StatusEpoch::sign`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochContent {
    /// The credential type (catalogue identifier).
    pub credential_type: String,
    /// The accumulator public key `Q`.
    pub accumulator_key: PublicKey,
    /// The epoch number (0 for the registry's first).
    pub epoch: u64,
    /// The accumulator value `V` of the epoch.
    pub value: Accumulator,
    /// When the epoch was published.
    pub published_at: OffsetDateTime,
    /// The digest of the previous epoch (`None` exactly at epoch 0).
    pub previous: Option<[u8; 32]>,
    /// The digest of the update from the previous epoch ([`crate::status::StatusUpdate::digest`];
    /// `None` exactly at epoch 0).
    pub update_digest: Option<[u8; 32]>,
}

/// A signed status epoch (see the module docs). Exists only decoded and
/// checked: points valid, hex lengths exact, `previous` and
/// `update_digest` present exactly after epoch 0. The signature is checked
/// by [`StatusEpoch::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EpochFile", into = "EpochFile")]
pub struct StatusEpoch {
    /// The issuer.
    pub issuer: String,
    /// The issuer key that signed (its key identifier).
    pub key_id: String,
    /// The content signed.
    pub content: EpochContent,
    /// The issuer's BBS signature over [`StatusEpoch::digest`].
    pub signature: Signature,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EpochFile {
    format: String,
    version: u32,
    issuer: String,
    credential_type: String,
    key_id: String,
    accumulator_key: String,
    epoch: u64,
    value: String,
    #[serde(with = "time::serde::rfc3339")]
    published_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    update_digest: Option<String>,
    signature: String,
}

/// Checks a credential type identifier as the catalogue defines them.
pub(crate) fn check_type(credential_type: &str) -> Result<(), Error> {
    if is_identifier(credential_type) {
        Ok(())
    } else {
        Err(Error::InvalidIdentifier {
            what: "credential type",
            value: credential_type.chars().take(64).collect(),
        })
    }
}

fn check_links(c: &EpochContent) -> Result<(), Error> {
    let first = c.epoch == 0;
    if first != c.previous.is_none() || first != c.update_digest.is_none() {
        return Err(Error::Malformed {
            what: "status epoch",
            reason: "previous and update_digest must be absent at epoch 0 and present after it"
                .into(),
        });
    }
    Ok(())
}

impl TryFrom<EpochFile> for StatusEpoch {
    type Error = Error;
    fn try_from(f: EpochFile) -> Result<Self, Error> {
        check_document(
            STATUS_EPOCH_FORMAT,
            STATUS_EPOCH_VERSION,
            &f.format,
            f.version,
        )?;
        check_identifier("issuer", &f.issuer)?;
        check_type(&f.credential_type)?;
        let key_id_ok = f.key_id.len() == 32
            && f.key_id
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if !key_id_ok {
            return Err(Error::Malformed {
                what: "status epoch key_id",
                reason: "not 32 lower-case hex characters".into(),
            });
        }
        let pk: [u8; 96] = hex_array("status epoch accumulator_key", &f.accumulator_key)?;
        let accumulator_key = PublicKey::from_bytes(&pk).map_err(|e| Error::Malformed {
            what: "status epoch accumulator_key",
            reason: e.to_string(),
        })?;
        let v: [u8; 48] = hex_array("status epoch value", &f.value)?;
        let value = Accumulator::from_bytes(&v).map_err(|e| Error::Malformed {
            what: "status epoch value",
            reason: e.to_string(),
        })?;
        let previous = f
            .previous
            .as_deref()
            .map(|p| hex_array::<32>("status epoch previous", p))
            .transpose()?;
        let update_digest = f
            .update_digest
            .as_deref()
            .map(|p| hex_array::<32>("status epoch update_digest", p))
            .transpose()?;
        let sig: [u8; 80] = hex_array("status epoch signature", &f.signature)?;
        let signature = Signature::from_bytes(&sig).map_err(|e| Error::Malformed {
            what: "status epoch signature",
            reason: e.to_string(),
        })?;
        let content = EpochContent {
            credential_type: f.credential_type,
            accumulator_key,
            epoch: f.epoch,
            value,
            published_at: f.published_at,
            previous,
            update_digest,
        };
        check_links(&content)?;
        Ok(StatusEpoch {
            issuer: f.issuer,
            key_id: f.key_id,
            content,
            signature,
        })
    }
}

impl From<StatusEpoch> for EpochFile {
    fn from(e: StatusEpoch) -> Self {
        EpochFile {
            format: STATUS_EPOCH_FORMAT.into(),
            version: STATUS_EPOCH_VERSION,
            issuer: e.issuer,
            credential_type: e.content.credential_type,
            key_id: e.key_id,
            accumulator_key: hex::encode(e.content.accumulator_key.to_bytes()),
            epoch: e.content.epoch,
            value: hex::encode(e.content.value.to_bytes()),
            published_at: e.content.published_at,
            previous: e.content.previous.map(hex::encode),
            update_digest: e.content.update_digest.map(hex::encode),
            signature: hex::encode(e.signature.to_bytes()),
        }
    }
}

fn digest_of(issuer: &str, key_id: &str, c: &EpochContent) -> [u8; 32] {
    let at = c.published_at;
    Canonical::new("ZKCRED-STATUS-EPOCH-V1")
        .u32(STATUS_EPOCH_VERSION)
        .str(issuer)
        .str(&c.credential_type)
        .str(key_id)
        .bytes(c.accumulator_key.as_bytes())
        .u64(c.epoch)
        .bytes(&c.value.to_bytes())
        .i64(at.unix_timestamp())
        .u32(at.nanosecond())
        .bytes(c.previous.as_ref().map_or(&[][..], |d| &d[..]))
        .bytes(c.update_digest.as_ref().map_or(&[][..], |d| &d[..]))
        .digest()
}

impl StatusEpoch {
    /// Signs `content` with the issuer key `key` (BBS, see the module
    /// docs); the epoch names the key's issuer and key identifier.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`] for a credential type that is not a
    /// catalogue identifier; [`Error::Malformed`] when `previous` and
    /// `update_digest` are not present exactly after epoch 0;
    /// [`Error::Crypto`] if signing fails (negligible).
    pub fn sign(key: &IssuerKey, content: EpochContent) -> Result<StatusEpoch, Error> {
        check_type(&content.credential_type)?;
        check_links(&content)?;
        let public = key.public();
        let digest = digest_of(&public.issuer, &public.key_id, &content);
        let signature = bbs::sign(
            public.suite,
            key.secret(),
            &public.public_key,
            EPOCH_SIGNATURE_HEADER,
            &[digest],
        )
        .map_err(Error::Crypto)?;
        Ok(StatusEpoch {
            issuer: public.issuer.clone(),
            key_id: public.key_id.clone(),
            content,
            signature,
        })
    }

    /// The epoch number.
    pub fn epoch(&self) -> u64 {
        self.content.epoch
    }

    /// The credential type.
    pub fn credential_type(&self) -> &str {
        &self.content.credential_type
    }

    /// The accumulator value `V` of this epoch.
    pub fn value(&self) -> &Accumulator {
        &self.content.value
    }

    /// The accumulator public key `Q`.
    pub fn accumulator_key(&self) -> &PublicKey {
        &self.content.accumulator_key
    }

    /// The epoch's digest: what the signature signs and the next epoch's
    /// `previous` (see the module docs).
    pub fn digest(&self) -> [u8; 32] {
        digest_of(&self.issuer, &self.key_id, &self.content)
    }

    /// Checks the signature with `key`, which must be the key the epoch
    /// names.
    ///
    /// # Errors
    /// [`Error::StatusIssuerMismatch`] when `key` is another issuer's;
    /// [`Error::StatusKeyMismatch`] when it is another key of the issuer;
    /// [`Error::StatusSignatureInvalid`] when the signature does not
    /// verify; [`Error::Crypto`] for other failures of the BBS layer.
    pub fn verify(&self, key: &IssuerPublicKey) -> Result<(), Error> {
        if key.issuer != self.issuer {
            return Err(Error::StatusIssuerMismatch {
                expected: key.issuer.clone(),
                found: self.issuer.clone(),
            });
        }
        if key.key_id != self.key_id {
            return Err(Error::StatusKeyMismatch {
                expected: key.key_id.clone(),
                found: self.key_id.clone(),
            });
        }
        match bbs::verify(
            key.suite,
            &key.public_key,
            &self.signature,
            EPOCH_SIGNATURE_HEADER,
            &[self.digest()],
        ) {
            Ok(()) => Ok(()),
            Err(zkcred_crypto::Error::VerificationFailed) => Err(Error::StatusSignatureInvalid {
                issuer: self.issuer.clone(),
                credential_type: self.content.credential_type.clone(),
                epoch: self.content.epoch,
            }),
            Err(e) => Err(Error::Crypto(e)),
        }
    }

    /// [`StatusEpoch::verify`] with the key `keys` hold for the epoch's
    /// issuer and key identifier.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] when `keys` hold no such key; as
    /// [`StatusEpoch::verify`].
    pub fn verify_with(&self, keys: &impl KeyResolver) -> Result<(), Error> {
        let key = keys
            .resolve(&self.issuer, &self.key_id)
            .ok_or_else(|| Error::UnknownKey {
                issuer: self.issuer.clone(),
                key_id: self.key_id.clone(),
            })?;
        self.verify(key)
    }

    /// Parses a status epoch document (its signature unchecked): the JSON
    /// shape first, then every field.
    ///
    /// # Errors
    /// [`Error::Json`] for text that is not a JSON object of the document's
    /// members (an unknown or missing member, a wrong type, a bad
    /// `published_at`); [`Error::UnsupportedFormat`];
    /// [`Error::InvalidIdentifier`] for a bad issuer or credential type;
    /// [`Error::Malformed`] naming the field for a bad key identifier, hex,
    /// point, signature or a `previous` / `update_digest` present at epoch 0
    /// or missing after it.
    pub fn from_json(text: &str) -> Result<StatusEpoch, Error> {
        let file: EpochFile = serde_json::from_str(text).map_err(|source| Error::Json {
            what: "status epoch",
            source,
        })?;
        StatusEpoch::try_from(file)
    }

    /// The document's JSON (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
