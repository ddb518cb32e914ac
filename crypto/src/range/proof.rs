//! The range proof object and its octet encoding.

use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

/// A Bulletproofs+ range proof: `A`, the rounds' `(L_k, R_k)`, the last
/// round's `A'` and `B`, and the scalars `r'`, `s'`, `delta'` (ePrint
/// 2020/735, Protocol 1 and Figure 3).
///
/// Octets: `A || (L_1 || R_1) .. (L_K || R_K) || A' || B || r' || s' ||
/// delta'`, points compressed (48 octets), scalars big-endian (32): `48 (2K
/// + 3) + 96` octets for `K = log2 N` rounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeProof {
    pub(crate) a: G1Affine,
    pub(crate) l: Vec<G1Affine>,
    pub(crate) r: Vec<G1Affine>,
    pub(crate) a1: G1Affine,
    pub(crate) b: G1Affine,
    pub(crate) r1: Scalar,
    pub(crate) s1: Scalar,
    pub(crate) d1: Scalar,
}

/// Most rounds a proof may have (`log2` of [`super::MAX_RANGE_BITS`]).
const MAX_ROUNDS: usize = 10;

impl RangeProof {
    /// The number of rounds `K` (`N = 2^K` bits).
    pub fn rounds(&self) -> usize {
        self.l.len()
    }

    /// Length of [`RangeProof::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        G1_LEN * (2 * self.l.len() + 3) + 3 * SCALAR_LEN
    }

    /// The proof's octets (see the type's docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&self.a.to_compressed());
        for (l, r) in self.l.iter().zip(&self.r) {
            out.extend_from_slice(&l.to_compressed());
            out.extend_from_slice(&r.to_compressed());
        }
        out.extend_from_slice(&self.a1.to_compressed());
        out.extend_from_slice(&self.b.to_compressed());
        for s in [&self.r1, &self.s1, &self.d1] {
            out.extend_from_slice(&s.to_be_bytes());
        }
        out
    }

    /// Decodes a proof: the length must be `48 (2K + 3) + 96` for `K` up to
    /// 10; every point valid, in the subgroup and not the identity; every
    /// scalar canonical. Whether `K` fits the statement is checked by the
    /// verifier.
    ///
    /// # Errors
    /// [`Error::InvalidProofLength`] for any other length; the point errors
    /// of [`G1Affine::from_compressed`]; [`Error::NonCanonicalScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<RangeProof, Error> {
        let fixed = 3 * G1_LEN + 3 * SCALAR_LEN;
        if bytes.len() < fixed || !(bytes.len() - fixed).is_multiple_of(2 * G1_LEN) {
            return Err(Error::InvalidProofLength(bytes.len()));
        }
        let k = (bytes.len() - fixed) / (2 * G1_LEN);
        if k > MAX_ROUNDS {
            return Err(Error::InvalidProofLength(bytes.len()));
        }
        let mut points = bytes[..G1_LEN * (2 * k + 3)]
            .chunks_exact(G1_LEN)
            .map(G1Affine::from_compressed)
            .collect::<Result<Vec<_>, _>>()?;
        let scalars = bytes[G1_LEN * (2 * k + 3)..]
            .chunks_exact(SCALAR_LEN)
            .map(|c| {
                let arr: &[u8; SCALAR_LEN] = c
                    .try_into()
                    .map_err(|_| Error::InvalidProofLength(bytes.len()))?;
                Scalar::from_be_bytes(arr)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let b = points.pop().ok_or(Error::InvalidProofLength(bytes.len()))?;
        let a1 = points.pop().ok_or(Error::InvalidProofLength(bytes.len()))?;
        let a = points[0];
        let (mut l, mut r) = (Vec::with_capacity(k), Vec::with_capacity(k));
        for pair in points[1..].chunks_exact(2) {
            l.push(pair[0]);
            r.push(pair[1]);
        }
        Ok(RangeProof {
            a,
            l,
            r,
            a1,
            b,
            r1: scalars[0],
            s1: scalars[1],
            d1: scalars[2],
        })
    }
}
