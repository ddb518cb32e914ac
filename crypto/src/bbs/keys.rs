//! Key generation (`KeyGen`, `SkToPk`) and the key types.

use core::fmt;
use std::sync::{Arc, OnceLock};

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::Suite;
use crate::curve::{G2Affine, G2Prepared, Scalar, G2_LEN, SCALAR_LEN};
use crate::Error;

/// A BBS secret key: a non-zero scalar. Zeroized on drop; its `Debug` prints
/// nothing of the key. Keys are not bound to a ciphersuite.
pub struct SecretKey(Scalar);

impl SecretKey {
    /// A fresh key from a CSPRNG: `KeyGen` over 32 random bytes of key
    /// material with empty key info, so the key is as the draft derives it.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SecretKey {
        let mut ikm = Zeroizing::new([0u8; 32]);
        loop {
            rng.fill_bytes(ikm.as_mut());
            if let Ok(sk) = keygen(Suite::Bls12381Sha256, ikm.as_ref(), b"", None) {
                return sk;
            }
        }
    }

    /// Decodes a 32-byte big-endian key; rejects zero and values >= r.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 32 bytes, [`Error::NonCanonicalScalar`]
    /// for a value `>= r`, [`Error::ZeroScalar`] for zero.
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, Error> {
        let arr: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "secret key",
            expected: SCALAR_LEN,
            got: bytes.len(),
        })?;
        let s = Scalar::from_be_bytes(arr)?;
        if s.is_zero() {
            return Err(Error::ZeroScalar);
        }
        Ok(SecretKey(s))
    }

    /// The 32-byte big-endian encoding, in a buffer zeroized on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        Zeroizing::new(self.0.to_be_bytes())
    }

    /// `SkToPk`: `W = SK * BP2`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_point(G2Affine::generator_mul_ct(&self.0))
    }

    pub(crate) fn scalar(&self) -> &Scalar {
        &self.0
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl PartialEq for SecretKey {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}
impl Eq for SecretKey {}

/// `KeyGen(key_material, key_info, key_dst)` (draft §3.4.1). `key_dst`
/// defaults to `api_id || "KEYGEN_DST_"` of `suite`.
///
/// # Errors
/// [`Error::KeyMaterialTooShort`] under 32 bytes of key material,
/// [`Error::KeyInfoTooLong`] for key info of 65536 bytes or more,
/// [`Error::KeyGenFailed`] if the derived scalar is zero (as the draft
/// specifies; probability about `2^-255`).
pub fn keygen(
    suite: Suite,
    key_material: &[u8],
    key_info: &[u8],
    key_dst: Option<&[u8]>,
) -> Result<SecretKey, Error> {
    if key_material.len() < 32 {
        return Err(Error::KeyMaterialTooShort);
    }
    if key_info.len() > 65535 {
        return Err(Error::KeyInfoTooLong);
    }
    let default_dst;
    let dst = match key_dst {
        Some(d) => d,
        None => {
            default_dst = suite.dst(b"KEYGEN_DST_");
            &default_dst
        }
    };
    let info_len = (key_info.len() as u16).to_be_bytes();
    let sk = suite.hash_parts_to_scalar(&[key_material, &info_len, key_info], dst);
    if sk.is_zero() {
        return Err(Error::KeyGenFailed);
    }
    Ok(SecretKey(sk))
}

/// A BBS public key `W` in G2: decoded, subgroup-checked and non-identity.
/// Its Miller-loop lines are computed on first use and shared by clones.
#[derive(Clone)]
pub struct PublicKey {
    w: G2Affine,
    bytes: [u8; G2_LEN],
    prepared: Arc<OnceLock<G2Prepared>>,
}

impl PublicKey {
    /// Decodes a 96-byte compressed G2 point (the draft's `octets_to_pubkey`).
    ///
    /// # Errors
    /// As [`G2Affine::from_compressed`]: [`Error::InvalidLength`],
    /// [`Error::InvalidPointEncoding`], [`Error::PointNotOnCurve`],
    /// [`Error::IdentityPoint`], [`Error::PointNotInSubgroup`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey, Error> {
        G2Affine::from_compressed(bytes).map(PublicKey::from_point)
    }

    fn from_point(w: G2Affine) -> PublicKey {
        PublicKey {
            bytes: w.to_compressed(),
            w,
            prepared: Arc::new(OnceLock::new()),
        }
    }

    /// The 96-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; G2_LEN] {
        self.bytes
    }

    /// The encoding, borrowed.
    pub fn as_bytes(&self) -> &[u8; G2_LEN] {
        &self.bytes
    }

    /// The point `W`.
    pub fn point(&self) -> &G2Affine {
        &self.w
    }

    /// `W` with its Miller-loop lines precomputed (once per key).
    pub fn prepared(&self) -> &G2Prepared {
        self.prepared.get_or_init(|| G2Prepared::new(&self.w))
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for PublicKey {}

impl core::hash::Hash for PublicKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(")?;
        for b in self.bytes {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}
