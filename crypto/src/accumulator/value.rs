//! The accumulator value `V` (a G1 point) and the elements it holds.

use std::fmt;

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::keys::hex_prefix;
use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

/// An accumulator value `V` in G1 (48 octets compressed): public, one per
/// epoch of an issuer's status list for a credential type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Accumulator(pub(crate) G1Affine);

impl Accumulator {
    /// A fresh starting value `V_0 = P1 * r` for a random non-zero `r`
    /// (nobody needs `r`; it is dropped).
    pub fn initial<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Accumulator {
        loop {
            let mut r = Scalar::random(rng);
            let v = G1Affine::generator().to_projective().mul_ct(&r).to_affine();
            r.zeroize();
            if !v.is_identity() {
                return Accumulator(v);
            }
        }
    }

    /// Decodes a value: a compressed G1 point, on the curve, in the
    /// subgroup, not the identity.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 48 octets; [`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Accumulator, Error> {
        Ok(Accumulator(G1Affine::from_compressed(bytes)?))
    }

    /// The compressed point.
    pub fn to_bytes(&self) -> [u8; G1_LEN] {
        self.0.to_compressed()
    }

    /// `V` itself.
    pub fn point(&self) -> &G1Affine {
        &self.0
    }
}

impl fmt::Debug for Accumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Accumulator({})", hex_prefix(&self.to_bytes()))
    }
}

/// An accumulated element `y`: a credential's revocation handle, the
/// hidden BBS message the membership proof is about. The issuer knows it
/// and publishes it when it removes it; verifiers never see it. Zeroized on
/// drop; `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Element(pub(crate) Scalar);

impl Element {
    /// The element of a scalar (the credential's message 0).
    pub fn new(y: Scalar) -> Element {
        Element(y)
    }

    /// A uniformly random element.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Element {
        Element(Scalar::random(rng))
    }

    /// Decodes 32 big-endian octets, canonical.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 32 octets; [`Error::NonCanonicalScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Element, Error> {
        let b: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "accumulator element",
            expected: SCALAR_LEN,
            got: bytes.len(),
        })?;
        Ok(Element(Scalar::from_be_bytes(b)?))
    }

    /// The 32 big-endian octets.
    pub fn to_bytes(&self) -> [u8; SCALAR_LEN] {
        self.0.to_be_bytes()
    }

    /// The element as a scalar.
    pub fn as_scalar(&self) -> Scalar {
        self.0
    }
}

impl Drop for Element {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Element(<redacted>)")
    }
}
