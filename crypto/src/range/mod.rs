//! Range proofs: Bulletproofs+ (Chung, Han, Ju, Kim, Seo, "Bulletproofs+:
//! Shorter Proofs for a Privacy-Enhanced Distributed Ledger", IACR ePrint
//! 2020/735, §4 range proof and §3 zero-knowledge weighted inner product)
//! over BLS12-381 G1, aggregated over several values and verified in batches.
//!
//! # What a proof shows
//! For values `v_1 .. v_J`, each committed as `V_j = g * v_j + h * gamma_j`
//! (`g`, `h` the Pedersen generators of [`crate::composite`]), that every
//! `v_j` lies in `[0, 2^(n_j))`, where the bit width `n_j` (1 to 64) is part
//! of the public statement. The statement gives each `V_j` as
//! `coefficient * P + offset * g` for a public point `P` (a commitment to an
//! attribute) and public scalars, so `m >= b` is the value `m - b` of `C - g * b`
//! and `m <= b` the value `b - m` of `g * b - C`; see [`ValueCommitment`].
//!
//! The values' bits are laid end to end (`N = sum n_j`, padded with a block
//! of zero bits whose commitment is the identity up to the next power of
//! two) and proven by one weighted inner-product argument of `log2 N`
//! rounds: the proof is `2 log2 N + 3` points and 3 scalars. One 32-bit value
//! is 13 points and 3 scalars, 720 octets; two are 816.
//!
//! # Generators
//! `G_1 .. G_N` and `H_1 .. H_N` are `create_generators` (IETF BBS draft
//! §4.1.1, hash to curve) with `api_id = ciphersuite_id || "BPPLUS_H2G_"`,
//! interleaved: `G_i` is the `(2i-1)`-th point of that sequence and `H_i`
//! the `2i`-th. No one knows a discrete-log relation among them, `P1`,
//! the BBS generators and the commitment generators, as each is a hash
//! output under its own domain.
//!
//! # Fiat-Shamir
//! The challenges `y`, `z`, one `e` per round and the final `e` come from a
//! transcript (the private `transcript` module) that starts from a caller's binding (the
//! composite presentation's challenge, which hashes the commitments, the
//! statement and the presentation header) and absorbs the statement's
//! values (widths, points, coefficients, offsets) and every prover message
//! before the challenge that follows it.
//!
//! # Verification as one multi-scalar multiplication
//! Unrolling the rounds turns the verifier's checks into one equation
//! `sum s_k P_k = O` over the shared generators `G_i`, `H_i`, `g`, `h` and
//! the proof's own points (derivation in `verify`). A batch multiplies
//! each proof's equation by an independent random 128-bit weight and adds
//! them: the shared generators' scalars add up, so a batch of `B` proofs
//! costs one multi-scalar multiplication of `2N + 2 + B (2 log2 N + 3 + J)`
//! points. If any single equation fails, the sum is the identity with
//! probability at most `2^-128` over the weights (each failing equation is
//! a nonzero group element, the weights are drawn after the proofs are
//! fixed, and the group has prime order); a failing batch is bisected so
//! that each proof gets its own result.
//!
//! # Constant time
//! The prover's sums over secret bits and blindings use constant-time
//! multiplications ([`crate::curve::G1Projective::lincomb_ct`]); folding the
//! public generators uses variable-time arithmetic on public data only.
//! Verification is variable time throughout (its inputs are public).

mod generators;
mod proof;
pub(crate) mod prove;
pub(crate) mod transcript;
mod verify;

pub(crate) use generators::pedersen_tables;
pub use generators::{range_generators, RangeGenerators, MAX_RANGE_BITS};
pub use proof::RangeProof;
pub use prove::{prove, RangeWitness};
pub use verify::{verify, verify_batch, RangeBatchItem};

use crate::curve::{G1Affine, Scalar};

/// Most bits of one value.
pub const MAX_VALUE_BITS: u32 = 64;

/// A committed value as the statement gives it: `V = coefficient * point +
/// offset * g`, with `point` public (a commitment) or absent (then `V =
/// offset * g`). Its width says the value lies in `[0, 2^bits)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueCommitment {
    /// The public point, usually a Pedersen commitment to an attribute.
    pub point: Option<G1Affine>,
    /// Its coefficient (1 for `m - b`, -1 for `b - m`).
    pub coefficient: Scalar,
    /// The multiple of `g` added (`-b` or `b`).
    pub offset: Scalar,
    /// The width `n` (1 to [`MAX_VALUE_BITS`]): the value is below `2^n`.
    pub bits: u32,
}

/// The Pedersen generators a range statement is over: `g` multiplies the
/// value, `h` the blinding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PedersenGenerators {
    /// Value generator (`Y_1` of the composite commitments).
    pub g: G1Affine,
    /// Blinding generator (`Y_0`).
    pub h: G1Affine,
}

/// Total bits of `values`, padded to a power of two; `None` when empty, a
/// width is 0 or above [`MAX_VALUE_BITS`], or the total exceeds
/// [`MAX_RANGE_BITS`].
pub(crate) fn padded_bits(values: &[ValueCommitment]) -> Option<usize> {
    if values.is_empty()
        || values
            .iter()
            .any(|v| v.bits == 0 || v.bits > MAX_VALUE_BITS)
    {
        return None;
    }
    let total: usize = values.iter().map(|v| v.bits as usize).sum();
    let n = total.next_power_of_two();
    (n <= MAX_RANGE_BITS).then_some(n)
}

/// `x^0 .. x^(n-1)`.
pub(crate) fn powers(x: Scalar, n: usize) -> Vec<Scalar> {
    let mut out = Vec::with_capacity(n);
    let mut acc = Scalar::ONE;
    for _ in 0..n {
        out.push(acc);
        acc *= x;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::prove::prove_unchecked;
    use super::*;
    use crate::bbs::Suite;
    use crate::curve::G1Projective;
    use crate::Error;
    use rand::rngs::OsRng;

    fn pedersen() -> PedersenGenerators {
        let p =
            crate::bbs::create_generators_with_api_id(Suite::Bls12381Sha256, b"TEST_PEDERSEN_", 2);
        PedersenGenerators { g: p[1], h: p[0] }
    }

    /// A commitment to `v` with a fresh blinding, as the statement `V = 1 * C`.
    fn commit(pg: &PedersenGenerators, v: u64, bits: u32) -> (ValueCommitment, RangeWitness) {
        let gamma = Scalar::random(&mut OsRng);
        let c = G1Projective::msm_vartime(&[pg.g, pg.h], &[Scalar::from_u64(v), gamma]).to_affine();
        (
            ValueCommitment {
                point: Some(c),
                coefficient: Scalar::ONE,
                offset: Scalar::ZERO,
                bits,
            },
            RangeWitness {
                value: v,
                blinding: gamma,
            },
        )
    }

    fn check(values: &[(u64, u32)]) -> Result<(), Error> {
        let pg = pedersen();
        let (st, wit): (Vec<_>, Vec<_>) = values.iter().map(|(v, b)| commit(&pg, *v, *b)).unzip();
        let binding = Scalar::from_u64(7);
        let proof = prove_unchecked(Suite::Bls12381Sha256, &pg, &binding, &st, &wit, &mut OsRng)?;
        let item = RangeBatchItem {
            suite: Suite::Bls12381Sha256,
            pedersen: &pg,
            binding: &binding,
            statement: &st,
            proof: &proof,
        };
        verify(&item)
    }

    #[test]
    fn values_in_range_verify_and_values_outside_do_not() {
        assert_eq!(check(&[(0, 32)]), Ok(()));
        assert_eq!(check(&[((1 << 32) - 1, 32)]), Ok(()));
        assert_eq!(check(&[(1 << 32, 32)]), Err(Error::VerificationFailed));
        assert_eq!(check(&[(u64::MAX, 64)]), Ok(()));
        assert_eq!(check(&[(5, 3)]), Ok(()));
        assert_eq!(check(&[(8, 3)]), Err(Error::VerificationFailed));
        // Aggregated, with padding (32 + 16 = 48 bits, padded to 64).
        assert_eq!(check(&[(12345, 32), (65535, 16)]), Ok(()));
        assert_eq!(
            check(&[(12345, 32), (65536, 16)]),
            Err(Error::VerificationFailed)
        );
        assert_eq!(check(&[(1, 32), (2, 32), (3, 64)]), Ok(()));
    }

    #[test]
    fn the_checked_prover_refuses_a_value_outside_its_width() {
        let pg = pedersen();
        let (st, wit) = commit(&pg, 1 << 32, 32);
        let r = prove(
            Suite::Bls12381Sha256,
            &pg,
            &Scalar::ONE,
            &[st],
            &[wit],
            &mut OsRng,
        );
        assert_eq!(r.err(), Some(Error::ValueOutOfRange));
    }

    #[test]
    fn tampering_fails_and_round_trips_hold() {
        let pg = pedersen();
        let (st, wit) = commit(&pg, 20_000, 32);
        let st = [st];
        let binding = Scalar::from_u64(99);
        let proof = prove(
            Suite::Bls12381Sha256,
            &pg,
            &binding,
            &st,
            &[wit],
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(proof.encoded_len(), 720);
        let bytes = proof.to_bytes();
        assert_eq!(RangeProof::from_bytes(&bytes).unwrap(), proof);
        let ok = RangeBatchItem {
            suite: Suite::Bls12381Sha256,
            pedersen: &pg,
            binding: &binding,
            statement: &st,
            proof: &proof,
        };
        assert_eq!(verify(&ok), Ok(()));
        // Another binding, another offset, a different width.
        let other = Scalar::from_u64(100);
        assert!(verify(&RangeBatchItem {
            binding: &other,
            ..ok
        })
        .is_err());
        let mut st2 = st;
        st2[0].offset = -Scalar::ONE;
        assert!(verify(&RangeBatchItem {
            statement: &st2,
            ..ok
        })
        .is_err());
        let mut st3 = st;
        st3[0].bits = 31;
        assert!(verify(&RangeBatchItem {
            statement: &st3,
            ..ok
        })
        .is_err());
        // Every scalar and point, changed.
        for pos in [
            0usize,
            48 * 3 + 5,
            48 * 12 + 1,
            bytes.len() - 1,
            bytes.len() - 40,
            bytes.len() - 70,
        ] {
            let mut b = bytes.clone();
            b[pos] ^= 1;
            if let Ok(p) = RangeProof::from_bytes(&b) {
                assert!(
                    verify(&RangeBatchItem { proof: &p, ..ok }).is_err(),
                    "byte {pos}"
                );
            }
        }
        assert!(RangeProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(RangeProof::from_bytes(&[bytes.clone(), vec![0; 96]].concat()).is_err());
    }

    #[test]
    fn a_batch_gives_each_proof_its_own_result() {
        let pg = pedersen();
        let binding = Scalar::from_u64(3);
        let mut sts = Vec::new();
        let mut proofs = Vec::new();
        for i in 0..9u64 {
            let bits = if i % 3 == 0 { 64 } else { 32 };
            let v = if i == 4 { 1u64 << 33 } else { 1000 * i };
            let (st, w) = commit(&pg, v, bits);
            proofs.push(
                prove_unchecked(
                    Suite::Bls12381Sha256,
                    &pg,
                    &binding,
                    &[st],
                    &[w],
                    &mut OsRng,
                )
                .unwrap(),
            );
            sts.push([st]);
        }
        let items: Vec<_> = (0..9)
            .map(|i| RangeBatchItem {
                suite: Suite::Bls12381Sha256,
                pedersen: &pg,
                binding: &binding,
                statement: &sts[i],
                proof: &proofs[i],
            })
            .collect();
        let r = verify_batch(&items, &mut OsRng);
        for (i, r) in r.iter().enumerate() {
            assert_eq!(r.is_ok(), i != 4, "item {i}");
        }
    }
}
