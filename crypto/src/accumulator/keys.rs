//! The accumulator's key pair: the issuer's secret `alpha` and the public
//! `Q = alpha * BP2` in G2.

use std::fmt;
use std::sync::Arc;

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::curve::{G2Affine, G2Prepared, Scalar, G2_LEN, SCALAR_LEN};
use crate::Error;

/// The accumulator secret `alpha`: a non-zero scalar, held by the issuer
/// (one per issuer and credential type). Zeroized on drop; `Debug` shows
/// nothing of it.
pub struct SecretKey(pub(crate) Scalar);

impl SecretKey {
    /// A uniformly random non-zero key.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SecretKey {
        loop {
            let s = Scalar::random(rng);
            if !s.is_zero() {
                return SecretKey(s);
            }
        }
    }

    /// Decodes a key: 32 octets, big-endian, canonical (below `r`), not
    /// zero.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 32 octets; [`Error::NonCanonicalScalar`];
    /// [`Error::ZeroScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, Error> {
        let b: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "accumulator secret key",
            expected: SCALAR_LEN,
            got: bytes.len(),
        })?;
        let s = Scalar::from_be_bytes(b)?;
        if s.is_zero() {
            return Err(Error::ZeroScalar);
        }
        Ok(SecretKey(s))
    }

    /// The key's 32 octets, big-endian, zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        Zeroizing::new(self.0.to_be_bytes())
    }

    /// The public key `Q = alpha * BP2`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_point(G2Affine::generator_mul_ct(&self.0))
    }

    /// `1 / (y + alpha)` for an element `y`, in constant time.
    ///
    /// # Errors
    /// [`Error::InvalidElement`] when `y = -alpha` (probability `2^-255`
    /// for a random element; such an element cannot be accumulated).
    pub(crate) fn inverse_shift(&self, y: &Scalar) -> Result<Scalar, Error> {
        let mut t = *y + self.0;
        if t.is_zero() {
            return Err(Error::InvalidElement);
        }
        let inv = t.invert();
        t.zeroize();
        Ok(inv)
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("accumulator::SecretKey(<redacted>)")
    }
}

struct Inner {
    point: G2Affine,
    bytes: [u8; G2_LEN],
    prepared: G2Prepared,
}

/// The accumulator public key `Q = alpha * BP2` (G2, 96 octets compressed),
/// with its Miller-loop lines prepared once. Cloning is cheap (shared).
#[derive(Clone)]
pub struct PublicKey(Arc<Inner>);

impl PublicKey {
    fn from_point(point: G2Affine) -> PublicKey {
        PublicKey(Arc::new(Inner {
            bytes: point.to_compressed(),
            prepared: G2Prepared::new(&point),
            point,
        }))
    }

    /// Decodes a public key: a compressed G2 point, on the curve, in the
    /// subgroup, not the identity.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 96 octets; [`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey, Error> {
        Ok(PublicKey::from_point(G2Affine::from_compressed(bytes)?))
    }

    /// The compressed point.
    pub fn to_bytes(&self) -> [u8; G2_LEN] {
        self.0.bytes
    }

    /// The compressed point, borrowed.
    pub fn as_bytes(&self) -> &[u8; G2_LEN] {
        &self.0.bytes
    }

    /// `Q` itself.
    pub fn point(&self) -> &G2Affine {
        &self.0.point
    }

    /// The prepared lines of `Q`.
    pub(crate) fn prepared(&self) -> &G2Prepared {
        &self.0.prepared
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.bytes == other.0.bytes
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "accumulator::PublicKey({})", hex_prefix(&self.0.bytes))
    }
}

/// The first eight octets in hex, for `Debug`.
pub(crate) fn hex_prefix(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for x in b.iter().take(8) {
        let _ = write!(s, "{x:02x}");
    }
    s.push('…');
    s
}
