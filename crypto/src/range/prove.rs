//! The prover: aggregated range proof (ePrint 2020/735 §4) and its
//! zero-knowledge weighted inner-product argument (§3, Protocol 1).

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::generators::range_generators;
use super::transcript::Transcript;
use super::{padded_bits, powers, PedersenGenerators, RangeProof, ValueCommitment};
use crate::bbs::Suite;
use crate::curve::{msm_straus_vartime, G1Affine, G1Projective, Scalar};
use crate::Error;

/// The prover's secret for one value: `V = g * value + h * blinding`.
#[derive(Clone)]
pub struct RangeWitness {
    /// The value, below `2^bits` of its statement.
    pub value: u64,
    /// The blinding `gamma`.
    pub blinding: Scalar,
}

impl Drop for RangeWitness {
    fn drop(&mut self) {
        self.value.zeroize();
        self.blinding.zeroize();
    }
}

impl std::fmt::Debug for RangeWitness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RangeWitness(..)")
    }
}

/// Proves that each `witness[j].value` lies in `[0, 2^statement[j].bits)`,
/// bound to `binding` (the caller's Fiat-Shamir state). Does not check that
/// the witnesses open the statement's commitments: a proof for other values
/// simply fails to verify.
///
/// # Errors
/// [`Error::InvalidLength`] unless one witness per value;
/// [`Error::InvalidRangeStatement`] for no values, a width of 0 or above 64,
/// or more than [`super::MAX_RANGE_BITS`] bits in all;
/// [`Error::ValueOutOfRange`] for a value not below `2^bits`.
pub fn prove<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    pedersen: &PedersenGenerators,
    binding: &Scalar,
    statement: &[ValueCommitment],
    witness: &[RangeWitness],
    rng: &mut R,
) -> Result<RangeProof, Error> {
    for (v, w) in statement.iter().zip(witness) {
        if v.bits < 64 && w.value >> v.bits != 0 {
            return Err(Error::ValueOutOfRange);
        }
    }
    prove_unchecked(suite, pedersen, binding, statement, witness, rng)
}

/// [`prove`] without the check that every value fits its width: the bits
/// proven are the value's low bits. Only for tests that need a proof of a
/// false statement (which must not verify).
pub(crate) fn prove_unchecked<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    pedersen: &PedersenGenerators,
    binding: &Scalar,
    statement: &[ValueCommitment],
    witness: &[RangeWitness],
    rng: &mut R,
) -> Result<RangeProof, Error> {
    if statement.len() != witness.len() {
        return Err(Error::InvalidLength {
            what: "range witnesses",
            expected: statement.len(),
            got: witness.len(),
        });
    }
    let n = padded_bits(statement).ok_or(Error::InvalidRangeStatement)?;
    let gens = range_generators(suite, n);
    let (g, h) = (pedersen.g.to_projective(), pedersen.h.to_projective());

    // Bits of every value, end to end; the padding block stays zero.
    let mut a_l = vec![Scalar::ZERO; n];
    let mut pos = 0;
    for (v, w) in statement.iter().zip(witness) {
        for k in 0..v.bits as usize {
            if (w.value >> k) & 1 == 1 {
                a_l[pos + k] = Scalar::ONE;
            }
        }
        pos += v.bits as usize;
    }
    let mut a_r: Vec<Scalar> = a_l.iter().map(|b| *b - Scalar::ONE).collect();
    let mut alpha = Scalar::random(rng);

    let mut terms: Vec<(G1Projective, Scalar)> = Vec::with_capacity(2 * n + 1);
    for i in 0..n {
        terms.push((gens.g[i].to_projective(), a_l[i]));
        terms.push((gens.h[i].to_projective(), a_r[i]));
    }
    terms.push((h, alpha));
    let a = G1Projective::lincomb_ct(&terms).to_affine();
    terms.iter_mut().for_each(|(_, s)| s.zeroize());

    let mut t = Transcript::new(suite, super::verify::PROTOCOL, binding);
    super::verify::absorb_statement(&mut t, statement);
    t.append_point(&a);
    let y = t.challenge(b"y")?;
    let z = t.challenge(b"z")?;

    let ypow = powers(y, n + 2);
    let d = super::verify::d_vector(statement, z, n);
    let mut a_hat: Vec<Scalar> = a_l.iter().map(|x| *x - z).collect();
    let mut b_hat: Vec<Scalar> = (0..n).map(|i| a_r[i] + d[i] * ypow[n - i] + z).collect();
    let mut zj = z * z;
    let mut gamma_sum = Scalar::ZERO;
    for w in witness {
        gamma_sum += zj * w.blinding;
        zj *= z * z;
    }
    let mut alpha_hat = alpha + ypow[n + 1] * gamma_sum;
    a_l.iter_mut().for_each(Zeroize::zeroize);
    a_r.iter_mut().for_each(Zeroize::zeroize);
    alpha.zeroize();
    gamma_sum.zeroize();

    let result = wip_prove(
        &mut t,
        &gens.g[..n],
        &gens.h[..n],
        (&g, &h),
        &ypow,
        (&mut a_hat, &mut b_hat, &mut alpha_hat),
        y,
        rng,
    );
    a_hat.iter_mut().for_each(Zeroize::zeroize);
    b_hat.iter_mut().for_each(Zeroize::zeroize);
    alpha_hat.zeroize();
    let (l, r, a1, b, r1, s1, d1) = result?;
    Ok(RangeProof {
        a,
        l,
        r,
        a1,
        b,
        r1,
        s1,
        d1,
    })
}

type WipOutput = (
    Vec<G1Affine>,
    Vec<G1Affine>,
    G1Affine,
    G1Affine,
    Scalar,
    Scalar,
    Scalar,
);

/// The weighted inner-product argument on `P = G^a H^b g^(a (.)_y b)
/// h^alpha`, where `a (.)_y b = sum_i a_i b_i y^(i+1)` (0-based `i`).
#[allow(clippy::too_many_arguments)]
fn wip_prove<R: RngCore + CryptoRng + ?Sized>(
    t: &mut Transcript,
    g_vec: &[G1Affine],
    h_vec: &[G1Affine],
    (g, h): (&G1Projective, &G1Projective),
    ypow: &[Scalar],
    (a, b, alpha): (&mut Vec<Scalar>, &mut Vec<Scalar>, &mut Scalar),
    y: Scalar,
    rng: &mut R,
) -> Result<WipOutput, Error> {
    let mut gs: Vec<G1Projective> = g_vec.iter().map(G1Affine::to_projective).collect();
    let mut hs: Vec<G1Projective> = h_vec.iter().map(G1Affine::to_projective).collect();
    let (mut ls, mut rs) = (Vec::new(), Vec::new());
    let mut n = a.len();
    while n > 1 {
        let half = n / 2;
        let y_half = ypow[half];
        let y_half_inv = y_half.invert();
        let (a1, a2) = a.split_at(half);
        let (b1, b2) = b.split_at(half);
        let mut c_l = Scalar::ZERO;
        let mut c_r = Scalar::ZERO;
        for i in 0..half {
            c_l += a1[i] * b2[i] * ypow[i + 1];
            c_r += a2[i] * b1[i] * ypow[i + 1];
        }
        c_r *= y_half;
        let mut d_l = Scalar::random(rng);
        let mut d_r = Scalar::random(rng);
        let mut lt = Vec::with_capacity(2 * half + 2);
        let mut rt = Vec::with_capacity(2 * half + 2);
        for i in 0..half {
            lt.push((gs[half + i], y_half_inv * a1[i]));
            lt.push((hs[i], b2[i]));
            rt.push((gs[i], y_half * a2[i]));
            rt.push((hs[half + i], b1[i]));
        }
        lt.push((*g, c_l));
        lt.push((*h, d_l));
        rt.push((*g, c_r));
        rt.push((*h, d_r));
        let lr = G1Projective::batch_to_affine(&[
            G1Projective::lincomb_ct(&lt),
            G1Projective::lincomb_ct(&rt),
        ]);
        lt.iter_mut().for_each(|(_, s)| s.zeroize());
        rt.iter_mut().for_each(|(_, s)| s.zeroize());
        c_l.zeroize();
        c_r.zeroize();
        t.append_point(&lr[0]);
        t.append_point(&lr[1]);
        let e = t.challenge(b"e")?;
        let e_inv = e.invert();
        // Fold the public generators (variable time: public data).
        let ge = e * y_half_inv;
        let mut ng = Vec::with_capacity(half);
        let mut nh = Vec::with_capacity(half);
        let gaff = G1Projective::batch_to_affine(&gs);
        let haff = G1Projective::batch_to_affine(&hs);
        for i in 0..half {
            ng.push(msm_straus_vartime(
                &[],
                &[(gaff[i], e_inv), (gaff[half + i], ge)],
            ));
            nh.push(msm_straus_vartime(
                &[],
                &[(haff[i], e), (haff[half + i], e_inv)],
            ));
        }
        let ey = e_inv * y_half;
        let na: Vec<Scalar> = (0..half).map(|i| e * a1[i] + ey * a2[i]).collect();
        let nb: Vec<Scalar> = (0..half).map(|i| e_inv * b1[i] + e * b2[i]).collect();
        *alpha = e * e * d_l + *alpha + e_inv * e_inv * d_r;
        d_l.zeroize();
        d_r.zeroize();
        a.iter_mut().for_each(Zeroize::zeroize);
        b.iter_mut().for_each(Zeroize::zeroize);
        *a = na;
        *b = nb;
        gs = ng;
        hs = nh;
        ls.push(lr[0]);
        rs.push(lr[1]);
        n = half;
    }
    let (a0, b0) = (a[0], b[0]);
    let mut r = Scalar::random(rng);
    let mut s = Scalar::random(rng);
    let mut delta = Scalar::random(rng);
    let mut eta = Scalar::random(rng);
    let a1 = G1Projective::lincomb_ct(&[
        (gs[0], r),
        (hs[0], s),
        (*g, r * y * b0 + s * y * a0),
        (*h, delta),
    ]);
    let bp = G1Projective::lincomb_ct(&[(*g, r * y * s), (*h, eta)]);
    let pts = G1Projective::batch_to_affine(&[a1, bp]);
    t.append_point(&pts[0]);
    t.append_point(&pts[1]);
    let e = t.challenge(b"final")?;
    let r1 = r + a0 * e;
    let s1 = s + b0 * e;
    let d1 = eta + delta * e + *alpha * e * e;
    r.zeroize();
    s.zeroize();
    delta.zeroize();
    eta.zeroize();
    Ok((ls, rs, pts[0], pts[1], r1, s1, d1))
}
