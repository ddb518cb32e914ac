//! Scalars of the BLS12-381 prime-order subgroup (integers mod r).
//!
//! Wraps `blst_fr` (Montgomery form). All field operations are blst's
//! constant-time ones; only [`Scalar::is_zero`] and equality branch, and they
//! are built from the same constant-time comparisons via `subtle`.

use core::fmt;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use blst::{
    blst_bendian_from_scalar, blst_fr, blst_fr_add, blst_fr_from_scalar, blst_fr_from_uint64,
    blst_fr_inverse, blst_fr_mul, blst_fr_sub, blst_scalar, blst_scalar_fr_check,
    blst_scalar_from_be_bytes, blst_scalar_from_bendian, blst_scalar_from_fr,
};
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

use crate::Error;

/// Length of a scalar's octet encoding (the draft's `octet_scalar_length`).
pub const SCALAR_LEN: usize = 32;

/// An element of the scalar field of BLS12-381 (mod r).
#[derive(Clone, Copy, Default)]
pub struct Scalar(pub(crate) blst_fr);

impl Scalar {
    /// The additive identity.
    pub const ZERO: Scalar = Scalar(blst_fr { l: [0; 4] });
    /// The multiplicative identity (R mod r, in Montgomery form).
    pub const ONE: Scalar = Scalar(blst_fr {
        l: [
            0x0000_0001_ffff_fffe,
            0x5884_b7fa_0003_4802,
            0x998c_4fef_ecbc_4ff5,
            0x1824_b159_acc5_056f,
        ],
    });

    /// The scalar of a non-negative integer.
    pub fn from_u64(v: u64) -> Scalar {
        let limbs = [v, 0, 0, 0];
        let mut out = blst_fr::default();
        // SAFETY: blst_fr_from_uint64 reads exactly four limbs.
        unsafe { blst_fr_from_uint64(&mut out, limbs.as_ptr()) };
        Scalar(out)
    }

    /// The scalar of a signed integer: a negative `v` maps to `r - |v|`.
    pub fn from_i64(v: i64) -> Scalar {
        let s = Scalar::from_u64(v.unsigned_abs());
        if v < 0 {
            -s
        } else {
            s
        }
    }

    /// Decodes a canonical big-endian scalar (the draft's `OS2IP` followed by
    /// the `< r` check). Values `>= r` are rejected, not reduced.
    ///
    /// # Errors
    /// [`Error::NonCanonicalScalar`] for a value `>= r`.
    pub fn from_be_bytes(bytes: &[u8; SCALAR_LEN]) -> Result<Scalar, Error> {
        let mut s = blst_scalar::default();
        // SAFETY: reads 32 bytes from a 32-byte array.
        unsafe { blst_scalar_from_bendian(&mut s, bytes.as_ptr()) };
        // SAFETY: `s` is a valid blst_scalar.
        if !unsafe { blst_scalar_fr_check(&s) } {
            return Err(Error::NonCanonicalScalar);
        }
        let mut out = blst_fr::default();
        // SAFETY: `s` is canonical.
        unsafe { blst_fr_from_scalar(&mut out, &s) };
        s.b.zeroize();
        Ok(Scalar(out))
    }

    /// Decodes a big-endian integer of any length and reduces it mod r
    /// (the draft's `OS2IP(octets) mod r`).
    pub fn from_be_bytes_reduced(bytes: &[u8]) -> Scalar {
        let mut s = blst_scalar::default();
        // SAFETY: reads `bytes.len()` bytes; the result is always < r.
        unsafe { blst_scalar_from_be_bytes(&mut s, bytes.as_ptr(), bytes.len()) };
        let mut out = blst_fr::default();
        // SAFETY: blst_scalar_from_be_bytes returns a reduced scalar.
        unsafe { blst_fr_from_scalar(&mut out, &s) };
        s.b.zeroize();
        Scalar(out)
    }

    /// The canonical big-endian encoding (the draft's `I2OSP(s, 32)`).
    pub fn to_be_bytes(&self) -> [u8; SCALAR_LEN] {
        let s = self.to_blst_scalar();
        let mut out = [0u8; SCALAR_LEN];
        // SAFETY: writes 32 bytes into a 32-byte array.
        unsafe { blst_bendian_from_scalar(out.as_mut_ptr(), &s) };
        out
    }

    /// The little-endian `blst_scalar` form that blst's multiplications take.
    pub(crate) fn to_blst_scalar(self) -> blst_scalar {
        let mut s = blst_scalar::default();
        // SAFETY: converts out of Montgomery form.
        unsafe { blst_scalar_from_fr(&mut s, &self.0) };
        s
    }

    /// A uniformly random scalar: 48 random bytes reduced mod r, as the
    /// draft's `calculate_random_scalars` does (bias below 2^-128).
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
        let mut buf = [0u8; 48];
        rng.fill_bytes(&mut buf);
        let s = Scalar::from_be_bytes_reduced(&buf);
        buf.zeroize();
        s
    }

    /// Whether this is zero (constant time).
    pub fn is_zero(&self) -> bool {
        bool::from(self.ct_eq(&Scalar::ZERO))
    }

    /// The multiplicative inverse (constant time); zero maps to zero.
    pub fn invert(&self) -> Scalar {
        let mut out = blst_fr::default();
        // SAFETY: plain field operation on valid elements.
        unsafe { blst_fr_inverse(&mut out, &self.0) };
        Scalar(out)
    }
}

impl ConstantTimeEq for Scalar {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.l.ct_eq(&other.0.l)
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}
impl Eq for Scalar {}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar(")?;
        for b in self.to_be_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Zeroize for Scalar {
    fn zeroize(&mut self) {
        self.0.l.zeroize();
    }
}

impl From<u64> for Scalar {
    fn from(v: u64) -> Self {
        Scalar::from_u64(v)
    }
}

macro_rules! binop {
    ($tr:ident, $m:ident, $tra:ident, $ma:ident, $f:ident) => {
        impl $tr for Scalar {
            type Output = Scalar;
            fn $m(self, rhs: Scalar) -> Scalar {
                let mut out = blst_fr::default();
                // SAFETY: plain field operation on valid elements.
                unsafe { $f(&mut out, &self.0, &rhs.0) };
                Scalar(out)
            }
        }
        impl<'a> $tr<&'a Scalar> for &'a Scalar {
            type Output = Scalar;
            fn $m(self, rhs: &'a Scalar) -> Scalar {
                (*self).$m(*rhs)
            }
        }
        impl $tra for Scalar {
            fn $ma(&mut self, rhs: Scalar) {
                *self = (*self).$m(rhs);
            }
        }
    };
}
binop!(Add, add, AddAssign, add_assign, blst_fr_add);
binop!(Sub, sub, SubAssign, sub_assign, blst_fr_sub);
binop!(Mul, mul, MulAssign, mul_assign, blst_fr_mul);

impl Neg for Scalar {
    type Output = Scalar;
    fn neg(self) -> Scalar {
        Scalar::ZERO - self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_one() {
        assert_eq!(Scalar::ONE, Scalar::from_u64(1));
        let mut be = [0u8; 32];
        be[31] = 1;
        assert_eq!(Scalar::ONE.to_be_bytes(), be);
    }

    #[test]
    fn negative_integers_wrap() {
        assert_eq!(Scalar::from_i64(-5) + Scalar::from_u64(5), Scalar::ZERO);
        assert_eq!(Scalar::from_i64(i64::MIN), -Scalar::from_u64(1 << 63));
    }

    #[test]
    fn canonical_check() {
        // r itself is not canonical; r - 1 is.
        let r = hex_r();
        assert_eq!(Scalar::from_be_bytes(&r), Err(Error::NonCanonicalScalar));
        let mut r1 = r;
        r1[31] -= 1;
        let s = Scalar::from_be_bytes(&r1).unwrap();
        assert_eq!(s + Scalar::ONE, Scalar::ZERO);
        assert_eq!(Scalar::from_be_bytes_reduced(&r), Scalar::ZERO);
    }

    #[test]
    fn inverse() {
        let a = Scalar::from_u64(123_456_789);
        assert_eq!(a * a.invert(), Scalar::ONE);
    }

    fn hex_r() -> [u8; 32] {
        let h = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }
}
