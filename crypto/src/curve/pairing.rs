//! Pairing products over G2 points prepared once.
//!
//! A [`G2Prepared`] holds the Miller-loop line coefficients of a fixed G2
//! point (a public key, or the generator), so the loop for it skips all G2
//! arithmetic. A product of pairings shares one final exponentiation.

use blst::{
    blst_final_exp, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_fp6, blst_miller_loop_lines,
    blst_precompute_lines,
};

use super::{G1Affine, G2Affine};

/// Number of line coefficients blst's Miller loop uses for one G2 point.
const LINES: usize = 68;

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

/// The Miller loop `f(p, q)` before final exponentiation; identity `p` gives 1.
fn miller(p: &G1Affine, q: &G2Prepared) -> Option<blst_fp12> {
    if p.is_identity() {
        return None;
    }
    let mut f = blst_fp12::default();
    // SAFETY: valid lines and a valid non-identity affine point.
    unsafe { blst_miller_loop_lines(&mut f, q.lines.as_ptr(), &p.0) };
    Some(f)
}

/// Whether `prod e(p_i, q_i) == 1` in GT. Variable time: public data only.
pub fn pairing_product_is_one(terms: &[(&G1Affine, &G2Prepared)]) -> bool {
    let mut acc: Option<blst_fp12> = None;
    for (p, q) in terms {
        if let Some(f) = miller(p, q) {
            acc = Some(match acc {
                None => f,
                Some(a) => {
                    let mut out = blst_fp12::default();
                    // SAFETY: field multiplication of valid elements.
                    unsafe { blst_fp12_mul(&mut out, &a, &f) };
                    out
                }
            });
        }
    }
    let Some(f) = acc else { return true };
    let mut out = blst_fp12::default();
    // SAFETY: final exponentiation of a valid element.
    unsafe {
        blst_final_exp(&mut out, &f);
        blst_fp12_is_one(&out)
    }
}
