//! Batch verification of BBS proofs.
//!
//! Each proof's Fiat-Shamir challenge is recomputed exactly, as in
//! [`super::core::proof_verify`]; only the pairing equations
//! `e(Abar_k, W_k) * e(Bbar_k, -BP2) = 1` are combined. With independent
//! uniformly random coefficients `rho_k` in `[1, 2^128)` the batch checks
//!
//! ```text
//! prod_keys e(sum_{k: key} rho_k Abar_k, W_key) * e(sum_k rho_k Bbar_k, -BP2) = 1
//! ```
//!
//! — one Miller loop per distinct key plus one for `-BP2` (shared by every
//! key and both suites), and a single final exponentiation.
//!
//! # Soundness
//! Write `g_k = e(Abar_k, W_k) * e(Bbar_k, -BP2)`, an element of GT, a group
//! of prime order `r` (`Abar_k` and `Bbar_k` are subgroup-checked when the
//! proof is decoded). The combined check tests `prod g_k^{rho_k} = 1`. If
//! some `g_j != 1`, then for every choice of the other coefficients at most
//! one residue of `rho_j` mod `r` satisfies it, and `rho_j` is drawn from
//! `2^128 - 1` values independent of the proofs (they are fixed before the
//! coefficients are drawn): a batch holding an invalid proof passes with
//! probability at most `2^-128` per combined check. When a combined check
//! fails, the batch is split in halves and each half checked again with
//! fresh coefficients, down to single proofs, which get the exact
//! per-proof pairing check; so every proof gets the result the per-proof
//! verifier gives it (up to that same bound), and a forged proof can neither
//! make good ones fail nor pass itself.

use std::collections::HashMap;

use rand_core::{CryptoRng, RngCore};

use super::verifier::check_challenge_vartime;
use super::{MessageGenerators, Proof, Suite, VerifierKey};
use crate::curve::{
    final_exp_is_one, msm_u128_vartime, multi_miller_loop_vartime, pairing_product_is_one_vartime,
    G1Affine, G2Prepared, Scalar,
};
use crate::Error;

/// One proof to verify in a batch, with everything its verification needs.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    /// The ciphersuite the proof was made under.
    pub suite: Suite,
    /// The generator list the credential is signed under
    /// ([`MessageGenerators::Plain`] for the BBS draft's interface).
    pub generators: MessageGenerators,
    /// The issuer's prepared key.
    pub key: &'a VerifierKey,
    /// The decoded proof.
    pub proof: &'a Proof,
    /// The signature header.
    pub header: &'a [u8],
    /// The presentation header.
    pub ph: &'a [u8],
    /// Disclosed `(index, message scalar)` pairs.
    pub disclosed: &'a [(usize, Scalar)],
}

/// Verifies every item; `result[i]` is what verifying `items[i]` alone
/// gives. Single-threaded: for callers that already parallelise. Variable
/// time, as every verification here: the inputs are public (the random
/// coefficients are the verifier's own and only decide soundness).
pub fn verify_batch<R: RngCore + CryptoRng + ?Sized>(
    items: &[BatchItem<'_>],
    rng: &mut R,
) -> Vec<Result<(), Error>> {
    let mut results: Vec<Result<(), Error>> = items
        .iter()
        .map(|it| {
            check_challenge_vartime(
                it.suite,
                it.generators,
                it.key.public_key(),
                Some(it.key),
                it.proof,
                it.header,
                it.ph,
                it.disclosed,
            )
        })
        .collect();
    let pending: Vec<usize> = (0..items.len()).filter(|&i| results[i].is_ok()).collect();
    let pairs: Vec<(&VerifierKey, &Proof)> = items.iter().map(|it| (it.key, it.proof)).collect();
    settle_pairings(&pairs, &pending, rng, &mut results);
    results
}

/// [`verify_batch`] across all cores (rayon): the items are split into one
/// contiguous chunk per worker, each verified as its own batch with its own
/// coefficients drawn from the operating system's CSPRNG.
#[cfg(feature = "parallel")]
pub fn verify_batch_parallel(items: &[BatchItem<'_>]) -> Vec<Result<(), Error>> {
    use rayon::prelude::*;
    if items.is_empty() {
        return Vec::new();
    }
    let workers = rayon::current_num_threads().max(1);
    let chunk = items.len().div_ceil(workers).max(8);
    items
        .par_chunks(chunk)
        .flat_map_iter(|c| verify_batch(c, &mut rand_core::OsRng))
        .collect()
}

/// One pairing equation `e(a, K) * e(b, -BP2) = 1` for a G2 key `K`: a BBS
/// proof's `(Abar, Bbar)` under the issuer's `W`, or an accumulator
/// membership's `(Cbar, Dbar)` under the accumulator key `Q`
/// ([`crate::accumulator`]). Equations with the same key share their
/// Miller loop in a combined check.
#[derive(Clone, Copy)]
pub(crate) struct PairingEquation<'a> {
    /// The key's compressed octets (the grouping key).
    pub key: &'a [u8; 96],
    /// The key's prepared lines.
    pub prepared: &'a G2Prepared,
    /// The point paired with the key.
    pub a: G1Affine,
    /// The point paired with `-BP2`.
    pub b: G1Affine,
}

impl<'a> PairingEquation<'a> {
    /// A BBS proof's equation `e(Abar, W) * e(Bbar, -BP2) = 1`.
    pub(crate) fn bbs(key: &'a VerifierKey, proof: &Proof) -> Self {
        PairingEquation {
            key: key.public_key().as_bytes(),
            prepared: key.public_key().prepared(),
            a: proof.abar,
            b: proof.bbar,
        }
    }

    /// The exact check of this one equation.
    pub(crate) fn holds_vartime(&self) -> bool {
        let neg_bp2 = &Suite::Bls12381Sha256.consts().neg_bp2;
        pairing_product_is_one_vartime(&[(&self.a, self.prepared), (&self.b, neg_bp2)])
    }
}

/// Gives every index in `group` its final result by combined pairing checks
/// of `e(Abar, W) * e(Bbar, -BP2)` over the `(key, proof)` pairs, bisecting
/// on failure.
pub(crate) fn settle_pairings<R: RngCore + CryptoRng + ?Sized>(
    items: &[(&VerifierKey, &Proof)],
    group: &[usize],
    rng: &mut R,
    results: &mut [Result<(), Error>],
) {
    let equations: Vec<PairingEquation<'_>> = items
        .iter()
        .map(|(k, p)| PairingEquation::bbs(k, p))
        .collect();
    settle_equations(&equations, group, rng, results);
}

/// Gives every index in `group` its final result by random linear
/// combinations of the equations (one Miller loop per distinct key plus
/// one for `-BP2`, one final exponentiation), bisecting on failure (the
/// composite proofs' batch uses it with their BBS and membership
/// equations).
///
/// Soundness: with coefficients `rho_i` uniform in `[1, 2^128)`, a set
/// holding one false equation passes with probability at most `2^-128`
/// (the product of the equations' left sides is `g^(sum rho_i x_i)` for
/// exponents `x_i`, not all zero, of the target group of prime order `r >
/// 2^254`).
pub(crate) fn settle_equations<R: RngCore + CryptoRng + ?Sized>(
    items: &[PairingEquation<'_>],
    group: &[usize],
    rng: &mut R,
    results: &mut [Result<(), Error>],
) {
    if group.is_empty() || combined_pairing_ok_vartime(items, group, rng) {
        return;
    }
    if group.len() == 1 {
        results[group[0]] = Err(Error::VerificationFailed);
        return;
    }
    let (a, b) = group.split_at(group.len() / 2);
    settle_equations(items, a, rng, results);
    settle_equations(items, b, rng, results);
}

/// A uniformly random coefficient in `[1, 2^128)`.
fn coefficient<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> u128 {
    loop {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        let v = u128::from_le_bytes(b);
        if v != 0 {
            return v;
        }
    }
}

/// One key's share of a combined check: its prepared lines, points and
/// coefficients.
type KeyGroup<'a> = (&'a G2Prepared, Vec<G1Affine>, Vec<u128>);

fn combined_pairing_ok_vartime<R: RngCore + CryptoRng + ?Sized>(
    items: &[PairingEquation<'_>],
    group: &[usize],
    rng: &mut R,
) -> bool {
    if let [only] = group {
        // One equation: the exact check, no coefficient needed.
        return items[*only].holds_vartime();
    }
    let rho: Vec<u128> = group.iter().map(|_| coefficient(rng)).collect();
    // Group the key side by key (same key: same prepared G2 lines).
    let mut by_key: HashMap<&[u8; 96], KeyGroup<'_>> = HashMap::new();
    let mut bs = Vec::with_capacity(group.len());
    for (&i, &r) in group.iter().zip(&rho) {
        let eq = &items[i];
        let e = by_key
            .entry(eq.key)
            .or_insert_with(|| (eq.prepared, Vec::new(), Vec::new()));
        e.1.push(eq.a);
        e.2.push(r);
        bs.push(eq.b);
    }
    let b_sum = msm_u128_vartime(&bs, &rho).to_affine();
    let a_sums: Vec<(&G2Prepared, G1Affine)> = by_key
        .into_values()
        .map(|(k, pts, rs)| (k, msm_u128_vartime(&pts, &rs).to_affine()))
        .collect();
    let neg_bp2 = &Suite::Bls12381Sha256.consts().neg_bp2;
    let mut terms: Vec<(&G1Affine, &G2Prepared)> = a_sums.iter().map(|(k, a)| (a, *k)).collect();
    terms.push((&b_sum, neg_bp2));
    final_exp_is_one(&multi_miller_loop_vartime(&terms))
}
