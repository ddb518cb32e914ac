//! Signatures and proofs: their octet encodings and decoding checks.

use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

use super::MAX_MESSAGES;

/// A BBS signature `(A, e)`: `A` a non-identity G1 point in the subgroup,
/// `e` a canonical non-zero scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    pub(crate) a: G1Affine,
    pub(crate) e: Scalar,
}

/// Length of an encoded signature.
pub const SIGNATURE_LEN: usize = G1_LEN + SCALAR_LEN;

impl Signature {
    /// `octets_to_signature` (draft §4.2.4.2).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless [`SIGNATURE_LEN`] bytes; for `A` as
    /// [`G1Affine::from_compressed`] ([`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`]); for `e` [`Error::NonCanonicalScalar`] or
    /// [`Error::ZeroScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, Error> {
        if bytes.len() != SIGNATURE_LEN {
            return Err(Error::InvalidLength {
                what: "signature",
                expected: SIGNATURE_LEN,
                got: bytes.len(),
            });
        }
        let a = G1Affine::from_compressed(&bytes[..G1_LEN])?;
        let e = nonzero_scalar(&bytes[G1_LEN..])?;
        Ok(Signature { a, e })
    }

    /// `signature_to_octets`.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out[..G1_LEN].copy_from_slice(&self.a.to_compressed());
        out[G1_LEN..].copy_from_slice(&self.e.to_be_bytes());
        out
    }
}

/// A BBS proof of knowledge of a signature (draft §3.5):
/// `(Abar, Bbar, D, e^, r1^, r3^, (m^_j), c)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub(crate) abar: G1Affine,
    pub(crate) bbar: G1Affine,
    pub(crate) d: G1Affine,
    pub(crate) e_hat: Scalar,
    pub(crate) r1_hat: Scalar,
    pub(crate) r3_hat: Scalar,
    pub(crate) m_hat: Vec<Scalar>,
    pub(crate) challenge: Scalar,
}

/// Length of a proof with no undisclosed messages.
pub const PROOF_BASE_LEN: usize = 3 * G1_LEN + 4 * SCALAR_LEN;

impl Proof {
    /// `octets_to_proof` (draft §4.2.4.4): exact length `272 + 32 U`, points
    /// valid and non-identity, scalars canonical and non-zero.
    ///
    /// # Errors
    /// [`Error::InvalidProofLength`] for a length not `272 + 32 U`;
    /// [`Error::TooManyMessages`] for `U` past [`MAX_MESSAGES`]; for the points as
    /// [`G1Affine::from_compressed`] ([`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`]); for the scalars [`Error::NonCanonicalScalar`]
    /// or [`Error::ZeroScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, Error> {
        if bytes.len() < PROOF_BASE_LEN
            || !(bytes.len() - PROOF_BASE_LEN).is_multiple_of(SCALAR_LEN)
        {
            return Err(Error::InvalidProofLength(bytes.len()));
        }
        let u = (bytes.len() - PROOF_BASE_LEN) / SCALAR_LEN;
        if u > MAX_MESSAGES {
            return Err(Error::TooManyMessages {
                got: u,
                max: MAX_MESSAGES,
            });
        }
        let abar = G1Affine::from_compressed(&bytes[..G1_LEN])?;
        let bbar = G1Affine::from_compressed(&bytes[G1_LEN..2 * G1_LEN])?;
        let d = G1Affine::from_compressed(&bytes[2 * G1_LEN..3 * G1_LEN])?;
        let mut scalars = bytes[3 * G1_LEN..]
            .chunks_exact(SCALAR_LEN)
            .map(nonzero_scalar)
            .collect::<Result<Vec<_>, _>>()?;
        let challenge = scalars
            .pop()
            .ok_or(Error::InvalidProofLength(bytes.len()))?;
        let m_hat = scalars.split_off(3);
        Ok(Proof {
            abar,
            bbar,
            d,
            e_hat: scalars[0],
            r1_hat: scalars[1],
            r3_hat: scalars[2],
            m_hat,
            challenge,
        })
    }

    /// `proof_to_octets`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        for p in [&self.abar, &self.bbar, &self.d] {
            out.extend_from_slice(&p.to_compressed());
        }
        for s in [&self.e_hat, &self.r1_hat, &self.r3_hat]
            .into_iter()
            .chain(self.m_hat.iter())
            .chain([&self.challenge])
        {
            out.extend_from_slice(&s.to_be_bytes());
        }
        out
    }

    /// Length of [`Proof::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        PROOF_BASE_LEN + SCALAR_LEN * self.m_hat.len()
    }

    /// The number of undisclosed messages `U` the proof covers.
    pub fn undisclosed_count(&self) -> usize {
        self.m_hat.len()
    }
}

fn nonzero_scalar(bytes: &[u8]) -> Result<Scalar, Error> {
    let arr: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
        what: "scalar",
        expected: SCALAR_LEN,
        got: bytes.len(),
    })?;
    let s = Scalar::from_be_bytes(arr)?;
    if s.is_zero() {
        return Err(Error::ZeroScalar);
    }
    Ok(s)
}
