//! The verifier: every check of a proof as one multi-scalar equation, and
//! batches of them.
//!
//! # The equation
//! With `y`, `z`, the rounds' `e_1 .. e_K` and the final `e` replayed from
//! the transcript, ePrint 2020/735's range verifier builds
//! `A^ = A * G^(-z) * H^(d o y<- + z) * g^zeta * prod_j V_j^(y^(N+1) z^(2j))`
//! and hands `(G, H, A^)` to the inner-product argument, whose rounds fold
//! `P <- L^(e^2) P R^(e^-2)`, `G <- G_1^(e^-1) G_2^(e y^-n')`,
//! `H <- H_1^e H_2^(e^-1)`, and whose last check is
//! `P^(e^2) A' B = G^(r' e) H^(s' e) g^(r' y s') h^delta'`.
//! After `K` rounds the folded `G` and `H` are `prod_i G_i^(u_i y^-i)` and
//! `prod_i H_i^(1/u_i)` with `u_i = prod_k e_k^(+-1)` (the sign by bit `k`
//! of `i`, most significant first), so the whole check is, with 0-based `i`,
//!
//! ```text
//! e^2 A + sum_k e^2 (e_k^2 L_k + e_k^-2 R_k) + e A' + B
//!   + sum_i (-e^2 z - r' e u_i y^-i) G_i
//!   + sum_i (e^2 (d_i y^(N-i) + z) - s' e / u_i) H_i
//!   + (e^2 zeta - r' s' y) g - delta' h
//!   + sum_j e^2 y^(N+1) z^(2(j+1)) V_j = O
//! zeta = (z - z^2) sum_{i=1..N} y^i - z y^(N+1) sum_i d_i
//! ```
//!
//! where `d` holds `z^(2(j+1)) 2^k` at bit `k` of value `j` (the padding
//! block included) and `V_j = coefficient_j * P_j + offset_j * g`.

use rand_core::{CryptoRng, RngCore};

use super::generators::{pedersen_tables, range_generators};
use super::transcript::Transcript;
use super::{padded_bits, powers, PedersenGenerators, RangeProof, ValueCommitment};
use crate::bbs::Suite;
use crate::curve::{
    msm_straus_with_vartime, G1Affine, G1Projective, Scalar, VartimeFixedBaseTable, VartimeVarBases,
};
use crate::Error;

/// The transcript's protocol label.
pub(crate) const PROTOCOL: &[u8] = b"ZKCRED-BPPLUS-RANGE-V1";

/// Absorbs the statement: the count, then per value its width, point
/// (48 zero octets when absent), coefficient and offset.
pub(crate) fn absorb_statement(t: &mut Transcript, statement: &[ValueCommitment]) {
    t.append_u64(statement.len() as u64);
    for v in statement {
        t.append_u64(u64::from(v.bits));
        match &v.point {
            Some(p) => t.append_point(p),
            None => t.append_bytes(&[]),
        }
        t.append_scalar(&v.coefficient);
        t.append_scalar(&v.offset);
    }
}

/// `d`: `z^(2(j+1)) * 2^k` at bit `k` of block `j`, the padding block last.
pub(crate) fn d_vector(statement: &[ValueCommitment], z: Scalar, n: usize) -> Vec<Scalar> {
    let z2 = z * z;
    let mut d = Vec::with_capacity(n);
    let mut zj = z2;
    let two = Scalar::from_u64(2);
    for v in statement {
        let mut p = Scalar::ONE;
        for _ in 0..v.bits {
            d.push(zj * p);
            p *= two;
        }
        zj *= z2;
    }
    let mut p = Scalar::ONE;
    while d.len() < n {
        d.push(zj * p);
        p *= two;
    }
    d
}

/// One proof of a batch.
#[derive(Clone, Copy, Debug)]
pub struct RangeBatchItem<'a> {
    /// The suite (its transcript hash and generators).
    pub suite: Suite,
    /// The Pedersen generators of the values.
    pub pedersen: &'a PedersenGenerators,
    /// The caller's Fiat-Shamir binding.
    pub binding: &'a Scalar,
    /// The values' commitments and widths.
    pub statement: &'a [ValueCommitment],
    /// The proof.
    pub proof: &'a RangeProof,
}

/// The scalars of one or more equations, added up.
struct Accumulator {
    g: Vec<Scalar>,
    h: Vec<Scalar>,
    pg: Scalar,
    ph: Scalar,
    points: Vec<G1Affine>,
    scalars: Vec<Scalar>,
}

impl Accumulator {
    fn new() -> Self {
        Accumulator {
            g: Vec::new(),
            h: Vec::new(),
            pg: Scalar::ZERO,
            ph: Scalar::ZERO,
            points: Vec::new(),
            scalars: Vec::new(),
        }
    }

    /// Adds `weight` times the equation of `item`.
    fn add(&mut self, item: &RangeBatchItem<'_>, weight: Scalar) -> Result<(), Error> {
        let statement = item.statement;
        let proof = item.proof;
        let n = padded_bits(statement).ok_or(Error::InvalidRangeStatement)?;
        if 1usize << proof.rounds() != n {
            return Err(Error::VerificationFailed);
        }
        let mut t = Transcript::new(item.suite, PROTOCOL, item.binding);
        absorb_statement(&mut t, statement);
        t.append_point(&proof.a);
        let y = t.challenge(b"y")?;
        let z = t.challenge(b"z")?;
        let mut es = Vec::with_capacity(proof.rounds());
        for (l, r) in proof.l.iter().zip(&proof.r) {
            t.append_point(l);
            t.append_point(r);
            es.push(t.challenge(b"e")?);
        }
        t.append_point(&proof.a1);
        t.append_point(&proof.b);
        let e = t.challenge(b"final")?;
        let e_invs: Vec<Scalar> = es.iter().map(Scalar::invert).collect();

        // u_i and 1/u_i, round 1 deciding the most significant bit.
        let mut u = vec![Scalar::ONE];
        let mut u_inv = vec![Scalar::ONE];
        for k in (0..es.len()).rev() {
            let (ek, ek_inv) = (es[k], e_invs[k]);
            let mut nu = Vec::with_capacity(2 * u.len());
            let mut nu_inv = Vec::with_capacity(2 * u.len());
            nu.extend(u.iter().map(|x| *x * ek_inv));
            nu.extend(u.iter().map(|x| *x * ek));
            nu_inv.extend(u_inv.iter().map(|x| *x * ek));
            nu_inv.extend(u_inv.iter().map(|x| *x * ek_inv));
            u = nu;
            u_inv = nu_inv;
        }
        let ypow = powers(y, n + 2);
        let y_inv_pow = powers(y.invert(), n);
        let d = d_vector(statement, z, n);
        let e2 = e * e;
        let we2 = weight * e2;

        if self.g.len() < n {
            self.g.resize(n, Scalar::ZERO);
            self.h.resize(n, Scalar::ZERO);
        }
        let r1e = proof.r1 * e;
        let s1e = proof.s1 * e;
        let mut sum_d = Scalar::ZERO;
        for i in 0..n {
            self.g[i] += weight * (-(e2 * z) - r1e * u[i] * y_inv_pow[i]);
            self.h[i] += weight * (e2 * (d[i] * ypow[n - i] + z) - s1e * u_inv[i]);
            sum_d += d[i];
        }
        let sum_y: Scalar = ypow[1..=n].iter().fold(Scalar::ZERO, |acc, x| acc + *x);
        let zeta = (z - z * z) * sum_y - z * ypow[n + 1] * sum_d;
        self.pg += weight * (e2 * zeta - proof.r1 * proof.s1 * y);
        self.ph += weight * -proof.d1;

        self.points.push(proof.a);
        self.scalars.push(we2);
        for (k, (l, r)) in proof.l.iter().zip(&proof.r).enumerate() {
            self.points.push(*l);
            self.scalars.push(we2 * es[k] * es[k]);
            self.points.push(*r);
            self.scalars.push(we2 * e_invs[k] * e_invs[k]);
        }
        self.points.push(proof.a1);
        self.scalars.push(weight * e);
        self.points.push(proof.b);
        self.scalars.push(weight);
        let z2 = z * z;
        let mut zj = z2;
        for v in statement {
            let f = we2 * ypow[n + 1] * zj;
            if let Some(p) = &v.point {
                self.points.push(*p);
                self.scalars.push(f * v.coefficient);
            }
            self.pg += f * v.offset;
            zj *= z2;
        }
        Ok(())
    }

    /// Whether the accumulated sum is the identity, for the generators of
    /// `suite` and the Pedersen generators `pedersen`: the shared
    /// generators through their fixed-base tables, the proofs' own points
    /// through per-call windows (few) or Pippenger (many, in a batch).
    fn sums_to_identity_vartime(self, suite: Suite, pedersen: &PedersenGenerators) -> bool {
        let n = self.g.len();
        let gens = range_generators(suite, n);
        let pt = pedersen_tables(&pedersen.g, &pedersen.h);
        let mut fixed: Vec<(&VartimeFixedBaseTable, Scalar)> = Vec::with_capacity(2 * n + 2);
        fixed.extend(gens.g_tables[..n].iter().zip(self.g));
        fixed.extend(gens.h_tables[..n].iter().zip(self.h));
        fixed.push((&pt.0, self.pg));
        fixed.push((&pt.1, self.ph));
        let sum = if self.points.len() <= STRAUS_MAX_POINTS {
            let bases = VartimeVarBases::new(&self.points);
            let var: Vec<(usize, Scalar)> = self.scalars.into_iter().enumerate().collect();
            msm_straus_with_vartime(&fixed, &bases, &var)
        } else {
            let bases = VartimeVarBases::new(&[]);
            msm_straus_with_vartime(&fixed, &bases, &[])
                + G1Projective::msm_vartime(&self.points, &self.scalars)
        };
        sum.is_identity()
    }
}

/// Up to this many per-proof points, interleaved windows beat Pippenger.
const STRAUS_MAX_POINTS: usize = 48;

/// Verifies one proof against its statement and binding. Variable time:
/// every input is public.
///
/// # Errors
/// [`Error::InvalidRangeStatement`] for a statement no proof can have (see
/// [`super::prove`]); [`Error::VerificationFailed`] when the proof does not
/// verify (including a proof of the wrong size for the statement).
pub fn verify(item: &RangeBatchItem<'_>) -> Result<(), Error> {
    let mut acc = Accumulator::new();
    acc.add(item, Scalar::ONE)?;
    if acc.sums_to_identity_vartime(item.suite, item.pedersen) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

/// Verifies many proofs with one multi-scalar multiplication per suite and
/// Pedersen generator pair (see the module docs of [`super`] for why random
/// weights make this sound); `result[i]` is what [`verify`] gives
/// `items[i]` (a failing batch is bisected). Variable time.
pub fn verify_batch<R: RngCore + CryptoRng + ?Sized>(
    items: &[RangeBatchItem<'_>],
    rng: &mut R,
) -> Vec<Result<(), Error>> {
    let mut results: Vec<Result<(), Error>> = vec![Ok(()); items.len()];
    // Statements no proof fits fail at once; the rest go in groups that
    // share their generators.
    let mut groups: Vec<(Suite, PedersenGenerators, Vec<usize>)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if padded_bits(it.statement).is_none() {
            results[i] = Err(Error::InvalidRangeStatement);
            continue;
        }
        match groups
            .iter_mut()
            .find(|(s, p, _)| *s == it.suite && p == it.pedersen)
        {
            Some(g) => g.2.push(i),
            None => groups.push((it.suite, *it.pedersen, vec![i])),
        }
    }
    for (suite, pedersen, group) in groups {
        settle(items, &group, suite, &pedersen, rng, &mut results);
    }
    results
}

fn settle<R: RngCore + CryptoRng + ?Sized>(
    items: &[RangeBatchItem<'_>],
    group: &[usize],
    suite: Suite,
    pedersen: &PedersenGenerators,
    rng: &mut R,
    results: &mut [Result<(), Error>],
) {
    if group.is_empty() {
        return;
    }
    if let [only] = group {
        results[*only] = verify(&items[*only]);
        return;
    }
    let mut acc = Accumulator::new();
    let mut ok = true;
    for &i in group {
        if acc.add(&items[i], weight(rng)).is_err() {
            ok = false;
            break;
        }
    }
    if ok && acc.sums_to_identity_vartime(suite, pedersen) {
        return;
    }
    let (a, b) = group.split_at(group.len() / 2);
    settle(items, a, suite, pedersen, rng, results);
    settle(items, b, suite, pedersen, rng, results);
}

/// A uniformly random weight in `[1, 2^128)`.
pub(crate) fn weight<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
    loop {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b[16..]);
        if b[16..].iter().any(|x| *x != 0) {
            return Scalar::from_be_bytes_reduced(&b);
        }
    }
}
