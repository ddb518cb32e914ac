//! Pairing products over G2 points prepared once.
//!
//! A [`G2Prepared`] holds the Miller-loop line coefficients of a fixed G2
//! point (a public key, or the generator), so the loop for it skips all G2
//! arithmetic. [`pairing_product_is_one_vartime`] evaluates a product of pairings as
//! one multi-Miller loop — the Fp12 squarings shared by every pair, each
//! pair contributing only its sparse line multiplications — and one final
//! exponentiation. This follows the structure of blst's own
//! `miller_loop_lines` (the line schedule of the BLS12-381 parameter `z`),
//! interleaved over several pairs.

use blst::{
    blst_final_exp, blst_fp, blst_fp12, blst_fp12_conjugate, blst_fp12_is_one,
    blst_fp12_mul_by_xy00z0, blst_fp12_one, blst_fp12_sqr, blst_fp6, blst_fp_add, blst_fp_cneg,
    blst_fp_mul, blst_precompute_lines,
};

use super::{G1Affine, G2Affine};

/// Number of line coefficients blst's Miller loop uses for one G2 point.
const LINES: usize = 68;

/// The loop over `|z| = 0xd201000000010000` as blst schedules its lines:
/// segments `(first line, squarings)`, each starting with a line
/// multiplication and then `squarings` times "square, multiply by the next
/// line". Line 0 starts the loop.
const SEGMENTS: [(usize, usize); 5] = [(1, 2), (4, 3), (8, 9), (18, 32), (51, 16)];

/// A G2 point with its Miller-loop lines precomputed.
#[derive(Clone)]
pub struct G2Prepared {
    lines: Box<[blst_fp6; LINES]>,
}

impl G2Prepared {
    /// Precomputes the lines of `q`.
    pub fn new(q: &G2Affine) -> Self {
        let mut lines = Box::new([blst_fp6::default(); LINES]);
        // SAFETY: blst writes exactly 68 line coefficients.
        unsafe { blst_precompute_lines(lines.as_mut_ptr(), &q.0) };
        G2Prepared { lines }
    }
}

/// The value of a (multi-)Miller loop before the final exponentiation: an
/// element of Fp12, kept opaque so `blst`'s types stay inside `curve`.
#[derive(Clone, Copy)]
pub struct MillerLoopResult(blst_fp12);

/// A G1 point in the form line evaluation wants: `(-2x, 2y)`.
struct Px2 {
    x: blst_fp,
    y: blst_fp,
}

impl Px2 {
    fn new(p: &G1Affine) -> Self {
        let mut x = blst_fp::default();
        let mut y = blst_fp::default();
        // SAFETY: field arithmetic on valid elements.
        unsafe {
            blst_fp_add(&mut x, &p.0.x, &p.0.x);
            blst_fp_cneg(&mut x, &x, true);
            blst_fp_add(&mut y, &p.0.y, &p.0.y);
        }
        Px2 { x, y }
    }

    /// The precomputed line `l` evaluated at this point ("xy00z0" form).
    fn eval(&self, l: &blst_fp6) -> blst_fp6 {
        let mut out = *l;
        // SAFETY: field multiplications on valid elements.
        unsafe {
            blst_fp_mul(&mut out.fp2[1].fp[0], &l.fp2[1].fp[0], &self.x);
            blst_fp_mul(&mut out.fp2[1].fp[1], &l.fp2[1].fp[1], &self.x);
            blst_fp_mul(&mut out.fp2[2].fp[0], &l.fp2[2].fp[0], &self.y);
            blst_fp_mul(&mut out.fp2[2].fp[1], &l.fp2[2].fp[1], &self.y);
        }
        out
    }
}

/// The multi-Miller loop `prod f(p_i, q_i)` before final exponentiation.
/// Pairs with an identity G1 point contribute 1 and are skipped, so the
/// running time depends on the points: **variable time**, public data only.
pub fn multi_miller_loop_vartime(terms: &[(&G1Affine, &G2Prepared)]) -> MillerLoopResult {
    let pairs: Vec<(Px2, &G2Prepared)> = terms
        .iter()
        .filter(|(p, _)| !p.is_identity())
        .map(|(p, q)| (Px2::new(p), *q))
        .collect();
    // SAFETY: blst returns a pointer to a static constant.
    let mut f = unsafe { *blst_fp12_one() };
    let mul_lines = |f: &mut blst_fp12, i: usize| {
        for (px, q) in &pairs {
            let line = px.eval(&q.lines[i]);
            // SAFETY: sparse multiplication of valid elements.
            unsafe { blst_fp12_mul_by_xy00z0(f, f, &line) };
        }
    };
    mul_lines(&mut f, 0);
    for (start, squarings) in SEGMENTS {
        mul_lines(&mut f, start);
        for i in 1..=squarings {
            // SAFETY: squaring a valid element.
            unsafe { blst_fp12_sqr(&mut f, &f) };
            mul_lines(&mut f, start + i);
        }
    }
    // z is negative.
    // SAFETY: conjugation of a valid element.
    unsafe { blst_fp12_conjugate(&mut f) };
    MillerLoopResult(f)
}

/// Whether a Miller-loop value exponentiates to 1.
pub fn final_exp_is_one(f: &MillerLoopResult) -> bool {
    let mut out = blst_fp12::default();
    // SAFETY: final exponentiation of a valid element.
    unsafe {
        blst_final_exp(&mut out, &f.0);
        blst_fp12_is_one(&out)
    }
}

/// Whether `prod e(p_i, q_i) == 1` in GT. Variable time: public data only.
pub fn pairing_product_is_one_vartime(terms: &[(&G1Affine, &G2Prepared)]) -> bool {
    final_exp_is_one(&multi_miller_loop_vartime(terms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;
    use blst::{blst_fp12_is_equal, blst_miller_loop_lines};

    #[test]
    fn one_pair_matches_blst() {
        let g2 = G2Affine::generator();
        let q = G2Prepared::new(&g2);
        let p = G1Affine::generator()
            .to_projective()
            .mul_ct(&Scalar::from_u64(77))
            .to_affine();
        let ours = multi_miller_loop_vartime(&[(&p, &q)]);
        let mut theirs = blst_fp12::default();
        // SAFETY: valid lines and point.
        unsafe { blst_miller_loop_lines(&mut theirs, q.lines.as_ptr(), &p.0) };
        // SAFETY: both are initialised fp12 values.
        let equal = unsafe { blst_fp12_is_equal(&ours.0, &theirs) };
        assert!(equal);
    }

    #[test]
    fn bilinearity() {
        // e(a P, Q) * e(-P, a Q) == 1, and not for a different scalar.
        let a = Scalar::from_u64(123_456);
        let p = G1Affine::generator();
        let ap = p.to_projective().mul_ct(&a).to_affine();
        let neg_p = (-p.to_projective()).to_affine();
        let aq = G2Prepared::new(&G2Affine::generator_mul_ct(&a));
        let q = G2Prepared::new(&G2Affine::generator());
        assert!(pairing_product_is_one_vartime(&[(&ap, &q), (&neg_p, &aq)]));
        let bp = p
            .to_projective()
            .mul_ct(&Scalar::from_u64(123_457))
            .to_affine();
        assert!(!pairing_product_is_one_vartime(&[(&bp, &q), (&neg_p, &aq)]));
        assert!(pairing_product_is_one_vartime(&[(
            &G1Affine::identity(),
            &q
        )]));
    }
}
