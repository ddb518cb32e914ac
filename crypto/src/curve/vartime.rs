//! Variable-time Jacobian arithmetic on G1 for the verifier's hot path.
//!
//! blst's mixed addition is constant time: `blst_p1_add_or_double_affine`
//! computes the addition and the doubling inputs and selects between them
//! (8M + 4S and the selects). Verification only touches public data, so the
//! exceptional cases can be branched on instead, and the textbook mixed
//! addition (Jacobian + affine, 8M + 3S and seven additions: `madd-2004-hmv`
//! without the factors of two) runs over blst's field arithmetic. The
//! identity (`Z = 0`, blst's convention; an affine identity is `(0, 0)`),
//! `P + P` (doubling) and `P + (-P)` (identity) are handled explicitly, so
//! every result is exact for every input. Doubling stays blst's
//! (`dbl-2009-l`, branch-free and as cheap). blst keeps field elements fully
//! reduced in Montgomery form, so an element is zero exactly when its limbs
//! are.
//!
//! Never use these on secret data: they branch on the points' coordinates.

use blst::{
    blst_fp, blst_fp_add, blst_fp_mul, blst_fp_sqr, blst_fp_sub, blst_p1, blst_p1_affine,
    blst_p1_double, blst_p1_from_affine,
};

fn is_zero(a: &blst_fp) -> bool {
    a.l.iter().all(|&l| l == 0)
}

fn mul(a: &blst_fp, b: &blst_fp) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: field multiplication of valid (reduced) elements.
    unsafe { blst_fp_mul(&mut out, a, b) };
    out
}

fn sqr(a: &blst_fp) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: field squaring of a valid element.
    unsafe { blst_fp_sqr(&mut out, a) };
    out
}

fn add(a: &blst_fp, b: &blst_fp) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: field addition of valid elements.
    unsafe { blst_fp_add(&mut out, a, b) };
    out
}

fn sub(a: &blst_fp, b: &blst_fp) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: field subtraction of valid elements.
    unsafe { blst_fp_sub(&mut out, a, b) };
    out
}

/// `p = p + q` for an affine `q` (see the module docs), variable time, exact for
/// every input (identities, `q = p`, `q = -p`).
pub(crate) fn add_affine_vartime(p: &mut blst_p1, q: &blst_p1_affine) {
    if is_zero(&q.x) && is_zero(&q.y) {
        return;
    }
    if is_zero(&p.z) {
        // SAFETY: converts a valid affine point (Z = 1).
        unsafe { blst_p1_from_affine(p, q) };
        return;
    }
    let z1z1 = sqr(&p.z);
    let u2 = mul(&q.x, &z1z1);
    let s2 = mul(&q.y, &mul(&p.z, &z1z1));
    let h = sub(&u2, &p.x);
    let s = sub(&s2, &p.y);
    if is_zero(&h) {
        if is_zero(&s) {
            let q = *p;
            // SAFETY: doubles a valid point.
            unsafe { blst_p1_double(p, &q) };
        } else {
            *p = blst_p1::default();
        }
        return;
    }
    // With r = S2 - Y1 (no factor 2): X3 = r^2 - H^3 - 2 X1 H^2,
    // Y3 = r (X1 H^2 - X3) - Y1 H^3, Z3 = Z1 H.
    let hh = sqr(&h);
    let hhh = mul(&h, &hh);
    let v = mul(&p.x, &hh);
    let x3 = sub(&sub(&sqr(&s), &hhh), &add(&v, &v));
    let y3 = sub(&mul(&s, &sub(&v, &x3)), &mul(&p.y, &hhh));
    p.z = mul(&p.z, &h);
    p.x = x3;
    p.y = y3;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{G1Affine, G1Projective, Scalar};
    use blst::{blst_p1_add_or_double_affine, blst_p1_is_equal};

    fn point(k: u64) -> G1Projective {
        G1Affine::generator()
            .to_projective()
            .mul_ct(&Scalar::from_u64(k))
    }

    fn eq(a: &blst_p1, b: &blst_p1) -> bool {
        // SAFETY: compares valid points.
        unsafe { blst_p1_is_equal(a, b) }
    }

    fn reference_add(p: &blst_p1, q: &blst_p1_affine) -> blst_p1 {
        let mut out = blst_p1::default();
        // SAFETY: blst's complete addition of valid points.
        unsafe { blst_p1_add_or_double_affine(&mut out, p, q) };
        out
    }

    #[test]
    fn matches_blst_on_every_case() {
        let identity = blst_p1::default();
        let affine_identity = blst_p1_affine::default();
        for (a, b) in [(1u64, 2u64), (5, 5), (7, 3), (123_456_789, 987_654_321)] {
            // Jacobian inputs with Z != 1, as accumulators have.
            let p = (point(a) + point(a)).0;
            let q = point(b).double().to_affine().0;
            let mut got = p;
            add_affine_vartime(&mut got, &q);
            assert!(eq(&got, &reference_add(&p, &q)), "{a} + {b}");

            let mut want = blst_p1::default();
            // SAFETY: doubles a valid point.
            unsafe { blst_p1_double(&mut want, &p) };

            // p + p through the addition: a doubling.
            let pa = G1Projective(p).to_affine().0;
            let mut same = p;
            add_affine_vartime(&mut same, &pa);
            assert!(eq(&same, &want), "{a} + {a}");

            // p + (-p): the identity.
            let minus = (-G1Projective(p)).to_affine().0;
            let mut zero = p;
            add_affine_vartime(&mut zero, &minus);
            assert!(G1Projective(zero).is_identity(), "{a} - {a}");

            // Identities on either side.
            let mut from_identity = identity;
            add_affine_vartime(&mut from_identity, &q);
            assert!(eq(&from_identity, &reference_add(&identity, &q)));
            let mut plus_identity = p;
            add_affine_vartime(&mut plus_identity, &affine_identity);
            assert!(eq(&plus_identity, &p));
        }
    }

    #[test]
    fn long_chains_match_blst() {
        // Many mixed steps from a random-looking start, compared at the end.
        let mut ours = point(0x1234_5678_9abc_def1).0;
        let mut theirs = ours;
        for i in 1..200u64 {
            let q = point(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
                .to_affine()
                .0;
            if i % 3 == 0 {
                // SAFETY: doubles valid points.
                unsafe {
                    blst_p1_double(&mut ours, &ours);
                    blst_p1_double(&mut theirs, &theirs);
                }
            }
            add_affine_vartime(&mut ours, &q);
            theirs = reference_add(&theirs, &q);
        }
        assert!(eq(&ours, &theirs));
    }
}
