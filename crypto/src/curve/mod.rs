//! BLS12-381 arithmetic for BBS, on top of `blst`.
//!
//! # Why blst, used directly
//! `blst` (Supranational) is the fastest maintained BLS12-381 implementation
//! we measured here: hand-written assembly for x86-64 and aarch64, 2x to 7x
//! faster than the pure-Rust `bls12_381` for multiplication and pairing, and
//! audited. Its C API also exposes what BBS needs and the safe wrappers
//! (`blstrs`) hide: `blst_map_to_g1` (to build hash-to-curve on SHAKE-256 for
//! the second ciphersuite), Pippenger multi-scalar multiplication over
//! caller-owned scratch (no thread pool on the hot path), precomputed
//! Miller-loop lines for fixed G2 points, and reduction of wide integers
//! modulo r and p. The unsafe FFI calls are confined to this module; each
//! carries a `SAFETY` note. Everything above it works on the validated types
//! defined here.
//!
//! # Constant time
//! Field arithmetic and single-point multiplication ([`G1Projective::mul_ct`])
//! are constant time in blst. Multi-scalar multiplication
//! ([`G1Projective::msm_vartime`], the Straus evaluation in `msm` with its
//! variable-time point formulas in `vartime`) is not and is used only on
//! public data: everything a verifier handles.
//!
//! Names say which is which: constant-time items end in `_ct`; every
//! variable-time function ends in `_vartime` and every type only used by
//! variable-time code starts with `Vartime` ([`VartimeFixedBaseTable`],
//! [`VartimeVarBases`]). `blst`'s own types never appear in a public
//! signature: the Miller-loop value is the opaque [`MillerLoopResult`].

mod comb;
mod g1;
mod g2;
pub mod hash;
mod msm;
mod pairing;
mod scalar;
mod vartime;

pub use comb::{comb_lincomb_ct, CombTable};
pub use g1::{msm_u128_vartime, G1Affine, G1Projective, G1_LEN};
pub use g2::{G2Affine, G2_LEN};
pub use msm::{
    msm_straus_vartime, msm_straus_with_vartime, VartimeFixedBaseTable, VartimeVarBases,
    FIXED_WINDOW,
};
pub use pairing::{
    final_exp_is_one, multi_miller_loop_vartime, pairing_product_is_one_vartime, G2Prepared,
    MillerLoopResult,
};
pub use scalar::{Scalar, SCALAR_LEN};
