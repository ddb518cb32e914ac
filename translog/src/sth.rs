//! Signed tree heads and the log's Ed25519 key.
//!
//! A tree head (size, root hash, RFC 3339 timestamp) is signed over the byte
//! string
//!
//! ```text
//! "zkcred/translog/sth/v1" || 0x00 || u64be(tree_size) || root_hash (32)
//!   || u16be(len(timestamp)) || timestamp (ASCII)
//! ```
//!
//! with Ed25519 (RFC 8032, strict verification). The signing key is made from
//! a 32-byte seed and zeroized on drop; keeping the seed (a file created with
//! mode 0600 in the service) is not this crate's business.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::merkle::Hash;
use super::record::check_timestamp;

const DOMAIN: &[u8] = b"zkcred/translog/sth/v1\0";

/// An unsigned tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of records covered.
    pub tree_size: u64,
    /// Merkle root over the first `tree_size` records.
    pub root_hash: Hash,
    /// When the head was signed, RFC 3339 (UTC, milliseconds).
    pub timestamp: String,
}

impl TreeHead {
    /// The byte string that is signed (see the module documentation).
    pub fn signing_input(&self) -> Vec<u8> {
        let ts = self.timestamp.as_bytes();
        let mut m = Vec::with_capacity(DOMAIN.len() + 8 + 32 + 2 + ts.len());
        m.extend_from_slice(DOMAIN);
        m.extend_from_slice(&self.tree_size.to_be_bytes());
        m.extend_from_slice(&self.root_hash.0);
        let len = u16::try_from(ts.len()).expect("checked timestamps are short");
        m.extend_from_slice(&len.to_be_bytes());
        m.extend_from_slice(ts);
        m
    }
}

/// A tree head with the log's signature.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTreeHead {
    /// Number of records covered.
    pub tree_size: u64,
    /// Merkle root over the first `tree_size` records.
    pub root_hash: Hash,
    /// When the head was signed, RFC 3339 (UTC, milliseconds).
    pub timestamp: String,
    /// Ed25519 signature over the head's signing input
    /// (`TreeHead::signing_input`), hex.
    #[serde(with = "hex_signature")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9a-f]{128}$"))]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// The head without its signature.
    pub fn head(&self) -> TreeHead {
        TreeHead {
            tree_size: self.tree_size,
            root_hash: self.root_hash,
            timestamp: self.timestamp.clone(),
        }
    }
}

mod hex_signature {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sig: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(sig))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; 64];
        hex::decode_to_slice(&s, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// Errors of the log's public key and of tree-head signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A public key is not a valid Ed25519 key.
    #[error("invalid log public key")]
    InvalidPublicKey,
    /// A tree-head signature does not verify.
    #[error("tree head signature does not verify")]
    BadSignature,
    /// A tree head's timestamp is not in the canonical form.
    #[error("tree head timestamp is invalid")]
    BadTimestamp,
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::InvalidPublicKey => "log_public_key_invalid",
            KeyError::BadSignature => "tree_head_signature_invalid",
            KeyError::BadTimestamp => "tree_head_timestamp_invalid",
        }
    }
}

/// The log's Ed25519 signing key (zeroized on drop).
pub struct LogSigningKey {
    key: SigningKey,
}

impl fmt::Debug for LogSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigningKey")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl LogSigningKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Self {
        LogSigningKey {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The key from a 32-byte seed (the Ed25519 private key of RFC 8032
    /// §5.1.5).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        LogSigningKey {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The public key that verifies this key's heads.
    pub fn public_key(&self) -> LogPublicKey {
        LogPublicKey(self.key.verifying_key())
    }

    /// Signs a tree head.
    ///
    /// # Panics
    /// If the timestamp is not in the canonical form (a programming error:
    /// heads are made by the log from [`crate::record::now_timestamp`]).
    pub fn sign(&self, head: &TreeHead) -> SignedTreeHead {
        assert!(
            check_timestamp("timestamp", &head.timestamp).is_ok(),
            "tree head timestamp must be canonical"
        );
        let sig = self.key.sign(&head.signing_input());
        SignedTreeHead {
            tree_size: head.tree_size,
            root_hash: head.root_hash,
            timestamp: head.timestamp.clone(),
            signature: sig.to_bytes(),
        }
    }
}

/// The log's public key; serialised as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LogPublicKey(VerifyingKey);

impl LogPublicKey {
    /// Parses the 32-byte key (RFC 8032 §5.1.2 encoding).
    ///
    /// # Errors
    /// [`KeyError::InvalidPublicKey`] if the bytes are not a point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(bytes)
            .map(LogPublicKey)
            .map_err(|_| KeyError::InvalidPublicKey)
    }

    /// Parses 64 hex digits (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`KeyError::InvalidPublicKey`] if `s` is not 64 hex digits of a
    /// valid key.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut b).map_err(|_| KeyError::InvalidPublicKey)?;
        Self::from_bytes(&b)
    }

    /// The 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The hex form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// `SHA-256(key)`: a short identifier of the log.
    pub fn key_id(&self) -> Hash {
        Hash(Sha256::digest(self.to_bytes()).into())
    }

    /// Checks a signed head's timestamp form and its Ed25519 signature over
    /// [`TreeHead::signing_input`] (RFC 8032 §5.1.7, strict: no small-order
    /// keys or non-canonical encodings).
    ///
    /// # Errors
    /// [`KeyError::BadTimestamp`] if the timestamp is not in the canonical
    /// form, [`KeyError::BadSignature`] if the signature does not verify.
    pub fn verify(&self, sth: &SignedTreeHead) -> Result<(), KeyError> {
        check_timestamp("timestamp", &sth.timestamp).map_err(|_| KeyError::BadTimestamp)?;
        let sig = Signature::from_bytes(&sth.signature);
        self.0
            .verify_strict(&sth.head().signing_input(), &sig)
            .map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for LogPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogPublicKey({})", self.to_hex())
    }
}

impl Serialize for LogPublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for LogPublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LogPublicKey::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn head() -> TreeHead {
        TreeHead {
            tree_size: 3,
            root_hash: leaf_hash(b"r"),
            timestamp: "2025-03-01T08:30:00.000Z".into(),
        }
    }

    #[test]
    fn sign_and_verify() {
        let k = LogSigningKey::from_seed(&[7; 32]);
        let sth = k.sign(&head());
        k.public_key().verify(&sth).unwrap();
        let json = serde_json::to_string(&sth).unwrap();
        let back: SignedTreeHead = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sth);
        for tamper in [
            |s: &mut SignedTreeHead| s.tree_size += 1,
            |s: &mut SignedTreeHead| s.root_hash.0[0] ^= 1,
            |s: &mut SignedTreeHead| s.timestamp = "2025-03-01T08:30:00.001Z".into(),
            |s: &mut SignedTreeHead| s.signature[10] ^= 1,
        ] {
            let mut bad = sth.clone();
            tamper(&mut bad);
            let e = k.public_key().verify(&bad).unwrap_err();
            assert_eq!(e.code(), "tree_head_signature_invalid");
        }
        let other = LogSigningKey::from_seed(&[8; 32]).public_key();
        assert!(matches!(other.verify(&sth), Err(KeyError::BadSignature)));
        let pk = LogPublicKey::from_hex(&k.public_key().to_hex()).unwrap();
        assert_eq!(pk, k.public_key());
    }

    #[test]
    fn signing_input_layout() {
        let m = head().signing_input();
        assert!(m.starts_with(b"zkcred/translog/sth/v1\0"));
        assert_eq!(m.len(), 23 + 8 + 32 + 2 + 24);
        assert_eq!(&m[23..31], &3u64.to_be_bytes());
        assert_eq!(&m[63..65], &24u16.to_be_bytes());
    }
}
