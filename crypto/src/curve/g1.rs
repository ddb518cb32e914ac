//! The group G1 of BLS12-381: points, their octet encoding and arithmetic.
//!
//! Decoding is where validity is established: [`G1Affine::from_compressed`]
//! rejects bad encodings, points off the curve, points outside the prime-order
//! subgroup and (unless asked otherwise) the identity, so code holding a
//! `G1Affine` never re-checks.

use core::fmt;
use core::ops::{Add, AddAssign, Neg, Sub};

use blst::{
    blst_p1, blst_p1_add_or_double, blst_p1_add_or_double_affine, blst_p1_affine,
    blst_p1_affine_compress, blst_p1_affine_in_g1, blst_p1_affine_is_inf, blst_p1_cneg,
    blst_p1_compress, blst_p1_from_affine, blst_p1_is_equal, blst_p1_is_inf, blst_p1_mult,
    blst_p1_to_affine, blst_p1_uncompress, blst_p1s_mult_pippenger,
    blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_to_affine, BLST_ERROR,
};

use super::Scalar;
use crate::Error;

/// Length of a compressed G1 point (the draft's `octet_point_length`).
pub const G1_LEN: usize = 48;

/// A G1 point in affine coordinates.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct G1Affine(pub(crate) blst_p1_affine);

/// A G1 point in projective (Jacobian) coordinates, for arithmetic.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct G1Projective(pub(crate) blst_p1);

impl G1Affine {
    /// The point at infinity.
    pub fn identity() -> Self {
        G1Affine(blst_p1_affine::default())
    }

    /// The standard generator of G1 (not a BBS base point).
    pub fn generator() -> Self {
        // SAFETY: blst returns a pointer to a static constant.
        G1Affine(unsafe { *blst::blst_p1_affine_generator() })
    }

    /// Decodes a compressed point, checking the encoding, that the point is on
    /// the curve and in the prime-order subgroup, and that it is not the
    /// identity (the draft's `octets_to_point_E1` plus its callers' checks).
    ///
    /// # Errors
    /// [`Error::IdentityPoint`] for the identity, otherwise as
    /// [`G1Affine::from_compressed_allow_identity`].
    pub fn from_compressed(bytes: &[u8]) -> Result<Self, Error> {
        let p = Self::from_compressed_allow_identity(bytes)?;
        if p.is_identity() {
            return Err(Error::IdentityPoint);
        }
        Ok(p)
    }

    /// As [`G1Affine::from_compressed`] but accepting the identity encoding.
    ///
    /// The encoding is the ZCash serialization of BLS12-381 points
    /// (draft-irtf-cfrg-pairing-friendly-curves, Appendix C), which `blst`
    /// implements.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless [`G1_LEN`] bytes,
    /// [`Error::InvalidPointEncoding`] for bad flag bits or a non-canonical `x`,
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`].
    pub fn from_compressed_allow_identity(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != G1_LEN {
            return Err(Error::InvalidLength {
                what: "G1 point",
                expected: G1_LEN,
                got: bytes.len(),
            });
        }
        let mut p = blst_p1_affine::default();
        // SAFETY: `bytes` holds exactly 48 bytes.
        match unsafe { blst_p1_uncompress(&mut p, bytes.as_ptr()) } {
            BLST_ERROR::BLST_SUCCESS => {}
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => return Err(Error::PointNotOnCurve),
            _ => return Err(Error::InvalidPointEncoding),
        }
        // SAFETY: `p` is a decoded affine point.
        if !unsafe { blst_p1_affine_in_g1(&p) } {
            return Err(Error::PointNotInSubgroup);
        }
        Ok(G1Affine(p))
    }

    /// The compressed encoding (the draft's `point_to_octets_E1`).
    pub fn to_compressed(&self) -> [u8; G1_LEN] {
        let mut out = [0u8; G1_LEN];
        // SAFETY: writes 48 bytes.
        unsafe { blst_p1_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }

    /// Whether this is the point at infinity.
    pub fn is_identity(&self) -> bool {
        // SAFETY: reads a valid point.
        unsafe { blst_p1_affine_is_inf(&self.0) }
    }

    /// This point in projective coordinates.
    pub fn to_projective(&self) -> G1Projective {
        let mut out = blst_p1::default();
        // SAFETY: conversion of a valid point.
        unsafe { blst_p1_from_affine(&mut out, &self.0) };
        G1Projective(out)
    }
}

impl PartialEq for G1Affine {
    fn eq(&self, other: &Self) -> bool {
        self.to_projective() == other.to_projective()
    }
}
impl Eq for G1Affine {}

impl fmt::Debug for G1Affine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "G1(")?;
        for b in self.to_compressed() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl G1Projective {
    /// The point at infinity.
    pub fn identity() -> Self {
        G1Projective(blst_p1::default())
    }

    /// Whether this is the point at infinity.
    pub fn is_identity(&self) -> bool {
        // SAFETY: reads a valid point.
        unsafe { blst_p1_is_inf(&self.0) }
    }

    /// Affine coordinates (one field inversion).
    pub fn to_affine(&self) -> G1Affine {
        let mut out = blst_p1_affine::default();
        // SAFETY: conversion of a valid point.
        unsafe { blst_p1_to_affine(&mut out, &self.0) };
        G1Affine(out)
    }

    /// Affine coordinates of many points with one shared inversion.
    pub fn batch_to_affine(points: &[G1Projective]) -> Vec<G1Affine> {
        if points.is_empty() {
            return Vec::new();
        }
        let mut out = vec![G1Affine::default(); points.len()];
        let ptrs = [points.as_ptr() as *const blst_p1, core::ptr::null()];
        // SAFETY: G1Projective is a transparent wrapper layout-compatible with
        // blst_p1 (single field); a null second pointer tells blst the input
        // is one contiguous array of `points.len()` points.
        unsafe {
            blst_p1s_to_affine(
                out.as_mut_ptr() as *mut blst_p1_affine,
                ptrs.as_ptr(),
                points.len(),
            )
        };
        out
    }

    /// The compressed encoding.
    pub fn to_compressed(&self) -> [u8; G1_LEN] {
        let mut out = [0u8; G1_LEN];
        // SAFETY: writes 48 bytes.
        unsafe { blst_p1_compress(out.as_mut_ptr(), &self.0) };
        out
    }

    /// `self * k` in constant time (blst's windowed multiplication with
    /// constant-time table look-ups). Use this whenever `k` is secret.
    pub fn mul_ct(&self, k: &Scalar) -> G1Projective {
        let mut s = k.to_blst_scalar();
        let mut out = blst_p1::default();
        // SAFETY: 32-byte little-endian scalar, 255 significant bits.
        unsafe { blst_p1_mult(&mut out, &self.0, s.b.as_ptr(), 255) };
        zeroize::Zeroize::zeroize(&mut s.b);
        G1Projective(out)
    }

    /// `sum points[i] * scalars[i]` by Pippenger's method in **variable
    /// time**: only for public data (verification).
    ///
    /// # Panics
    /// If `points` and `scalars` differ in length.
    pub fn msm_vartime(points: &[G1Affine], scalars: &[Scalar]) -> G1Projective {
        assert_eq!(points.len(), scalars.len(), "msm: length mismatch");
        match points.len() {
            0 => return G1Projective::identity(),
            1 => return points[0].to_projective().mul_ct(&scalars[0]),
            _ => {}
        }
        let bytes: Vec<u8> = scalars.iter().flat_map(|s| s.to_blst_scalar().b).collect();
        msm_raw(points, &bytes, 255)
    }

    /// `sum points[i] * scalars[i]` in constant time with respect to the
    /// scalars: one constant-time multiplication per term. blst's multi-point
    /// algorithms (Pippenger, fixed-base tables) index memory by scalar bits,
    /// so secret-dependent sums (signing, proof generation) use this.
    pub fn lincomb_ct(terms: &[(G1Projective, Scalar)]) -> G1Projective {
        terms
            .iter()
            .fold(G1Projective::identity(), |acc, (p, k)| acc + p.mul_ct(k))
    }
}

/// `sum points[i] * scalars[i]` for scalars below 2^128 (batch coefficients),
/// by Pippenger's method in variable time.
///
/// # Panics
/// If `points` and `scalars` differ in length.
pub fn msm_u128_vartime(points: &[G1Affine], scalars: &[u128]) -> G1Projective {
    assert_eq!(points.len(), scalars.len(), "msm: length mismatch");
    let bytes: Vec<u8> = scalars.iter().flat_map(|s| s.to_le_bytes()).collect();
    msm_raw(points, &bytes, 128)
}

/// Pippenger multi-scalar multiplication; `scalars` holds one little-endian
/// integer of `ceil(nbits / 8)` bytes per point, back to back.
fn msm_raw(points: &[G1Affine], scalars: &[u8], nbits: usize) -> G1Projective {
    let n = points.len();
    assert_eq!(scalars.len(), n * nbits.div_ceil(8), "msm: scalar bytes");
    if n == 0 {
        return G1Projective::identity();
    }
    // SAFETY: scratch sizing as documented by blst.
    let scratch_len = unsafe { blst_p1s_mult_pippenger_scratch_sizeof(n) } / 8;
    let mut scratch = vec![0u64; scratch_len.max(1)];
    let p = [points.as_ptr() as *const blst_p1_affine, core::ptr::null()];
    let s = [scalars.as_ptr(), core::ptr::null()];
    let mut out = blst_p1::default();
    // SAFETY: G1Affine wraps blst_p1_affine with the same layout; the scalar
    // buffer holds n integers of nbits/8 bytes; null-terminated pointer pairs
    // mark contiguous arrays.
    unsafe {
        blst_p1s_mult_pippenger(
            &mut out,
            p.as_ptr(),
            n,
            s.as_ptr(),
            nbits,
            scratch.as_mut_ptr() as *mut _,
        )
    };
    G1Projective(out)
}

impl PartialEq for G1Projective {
    fn eq(&self, other: &Self) -> bool {
        // SAFETY: compares valid points.
        unsafe { blst_p1_is_equal(&self.0, &other.0) }
    }
}
impl Eq for G1Projective {}

impl fmt::Debug for G1Projective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_affine().fmt(f)
    }
}

impl Add for G1Projective {
    type Output = G1Projective;
    fn add(self, rhs: G1Projective) -> G1Projective {
        let mut out = blst_p1::default();
        // SAFETY: complete addition formula on valid points.
        unsafe { blst_p1_add_or_double(&mut out, &self.0, &rhs.0) };
        G1Projective(out)
    }
}

impl Add<&G1Affine> for G1Projective {
    type Output = G1Projective;
    fn add(self, rhs: &G1Affine) -> G1Projective {
        let mut out = blst_p1::default();
        // SAFETY: mixed addition on valid points.
        unsafe { blst_p1_add_or_double_affine(&mut out, &self.0, &rhs.0) };
        G1Projective(out)
    }
}

impl AddAssign for G1Projective {
    fn add_assign(&mut self, rhs: G1Projective) {
        *self = *self + rhs;
    }
}

impl Neg for G1Projective {
    type Output = G1Projective;
    fn neg(mut self) -> G1Projective {
        // SAFETY: conditional negation of a valid point.
        unsafe { blst_p1_cneg(&mut self.0, true) };
        self
    }
}

impl Sub for G1Projective {
    type Output = G1Projective;
    fn sub(self, rhs: G1Projective) -> G1Projective {
        self + (-rhs)
    }
}
