//! The group G2 of BLS12-381, as far as BBS needs it: public keys.

use core::fmt;

use blst::{
    blst_p2, blst_p2_affine, blst_p2_affine_compress, blst_p2_affine_in_g2, blst_p2_affine_is_inf,
    blst_p2_to_affine, blst_p2_uncompress, blst_sk_to_pk_in_g2, BLST_ERROR,
};

use super::Scalar;
use crate::Error;

/// Length of a compressed G2 point.
pub const G2_LEN: usize = 96;

/// A G2 point in affine coordinates, decoded and subgroup-checked.
#[derive(Clone, Copy, Default)]
pub struct G2Affine(pub(crate) blst_p2_affine);

impl G2Affine {
    /// Decodes a compressed point, rejecting bad encodings, points off the
    /// curve or outside the prime-order subgroup, and the identity.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless [`G2_LEN`] bytes,
    /// [`Error::InvalidPointEncoding`], [`Error::PointNotOnCurve`],
    /// [`Error::IdentityPoint`], [`Error::PointNotInSubgroup`].
    pub fn from_compressed(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != G2_LEN {
            return Err(Error::InvalidLength {
                what: "G2 point",
                expected: G2_LEN,
                got: bytes.len(),
            });
        }
        let mut p = blst_p2_affine::default();
        // SAFETY: `bytes` holds exactly 96 bytes.
        match unsafe { blst_p2_uncompress(&mut p, bytes.as_ptr()) } {
            BLST_ERROR::BLST_SUCCESS => {}
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => return Err(Error::PointNotOnCurve),
            _ => return Err(Error::InvalidPointEncoding),
        }
        // SAFETY: `p` is a decoded affine point.
        if unsafe { blst_p2_affine_is_inf(&p) } {
            return Err(Error::IdentityPoint);
        }
        // SAFETY: as above.
        if !unsafe { blst_p2_affine_in_g2(&p) } {
            return Err(Error::PointNotInSubgroup);
        }
        Ok(G2Affine(p))
    }

    /// `BP2 * k` in constant time (blst's key derivation path).
    pub fn generator_mul_ct(k: &Scalar) -> G2Affine {
        let mut s = k.to_blst_scalar();
        let mut p = blst_p2::default();
        let mut out = blst_p2_affine::default();
        // SAFETY: valid scalar in, valid point out.
        unsafe {
            blst_sk_to_pk_in_g2(&mut p, &s);
            blst_p2_to_affine(&mut out, &p);
        }
        zeroize::Zeroize::zeroize(&mut s.b);
        G2Affine(out)
    }

    /// The compressed encoding (the draft's `point_to_octets_E2`).
    pub fn to_compressed(&self) -> [u8; G2_LEN] {
        let mut out = [0u8; G2_LEN];
        // SAFETY: writes 96 bytes.
        unsafe { blst_p2_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }

    /// The negation `-self`.
    pub fn neg(&self) -> G2Affine {
        let mut p = blst::blst_p2::default();
        let mut out = blst_p2_affine::default();
        // SAFETY: conversions and negation of a valid point.
        unsafe {
            blst::blst_p2_from_affine(&mut p, &self.0);
            blst::blst_p2_cneg(&mut p, true);
            blst_p2_to_affine(&mut out, &p);
        }
        G2Affine(out)
    }

    /// The fixed generator BP2 of G2.
    pub fn generator() -> G2Affine {
        // SAFETY: blst returns a pointer to a static constant.
        G2Affine(unsafe { *blst::blst_p2_affine_generator() })
    }
}

impl PartialEq for G2Affine {
    fn eq(&self, other: &Self) -> bool {
        self.to_compressed() == other.to_compressed()
    }
}
impl Eq for G2Affine {}

impl fmt::Debug for G2Affine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "G2(")?;
        for b in self.to_compressed() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}
