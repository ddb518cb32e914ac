//! Range predicates over BBS credentials, BLS12-381, single-threaded: proof
//! generation, verification and proof size of a BBS proof of knowledge
//! (10 messages, 2 disclosed) that also proves a hidden message lies in a
//! range.
//!
//! Peers, all docknetwork's `proof_system` 0.34 (on `bbs_plus` 0.25,
//! `dock_crypto_utils` 0.23, arkworks 0.4, no `parallel` features); the
//! wrappers are in `zkcred_benches::dock_predicates`:
//! - `dock_bbs_only`: a composite proof with the `PoKBBSSignature23IETF`
//!   statement alone, proof_system's statement for bbs_plus' IETF-style BBS
//!   proof of knowledge (`proof_23_ietf`). The baseline: what a predicate
//!   adds is the difference to it.
//! - `dock_legogroth16`: plus a `BoundCheckLegoGroth16` statement, a
//!   LegoGroth16 SNARK of proof_system's bound-check circuit
//!   (`min <= value < max`, 64-bit values), whose commitment to the value is
//!   tied to the BBS message by a witness-equality meta statement (the
//!   Schnorr responses for the message are shared). Its proving and
//!   verifying keys (a per-circuit trusted setup) are made once, outside the
//!   timed loops.
//! - `dock_bpp`: plus a `BoundCheckBpp` statement: two aggregated
//!   Bulletproofs++ range proofs (`value - min` and `max - 1 - value`,
//!   proof_system always proves them as 64-bit values in base 2, whatever the
//!   bounds) on Pedersen commitments, each tied to the BBS message by a
//!   Schnorr proof under the same witness equality. Generators made once,
//!   outside the timed loops.
//!
//! The hidden message (index 3) is an expiry date, the integer day count
//! since 1970-01-01 (2029-03-15 = 21623); the predicate is "not expired on
//! 2025-06-01": `20240 <= expiry < 20240 + 2^32`, a range 32 bits wide.
//! Before timing, every proof is checked to verify, a proof with a changed
//! disclosed message to fail, and an expired credential's (2024-12-31)
//! predicate proofs to fail to generate or to verify.
//!
//! Groups (function ids as above):
//! - `predicates_prove/10-2`: statements built, proof generated and
//!   serialized.
//! - `predicates_verify/10-2`: proof deserialized, statements built (the
//!   disclosed messages hashed), proof verified with proof_system's default
//!   `VerifierConfig` (its `RandomizedPairingChecker` option, which folds
//!   the pairings of one proof, measured no faster here).
//! - `predicates_verify_batch64/10-2`: 64 distinct proofs, throughput per
//!   proof. proof_system cannot verify proofs together (its pairing checker
//!   lives and is checked inside one proof's `verify`), so this is 64
//!   sequential verifications as above.
//!
//! Serialized proof sizes are printed to stderr once, as
//! `size <id>: <n> bytes`.
//!
//! Places for zkcred's own implementation (`zkcred_*` functions beside the
//! peers) are marked `ZKCRED-PREDICATES`.
//!
//! Run: `cargo bench -p zkcred-benches --bench predicates [-- <filter>]`; on
//! a busy machine `ZKCRED_BENCH_CLOCK=cpu` measures thread CPU time instead.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use zkcred_benches::dock_predicates::{self as dock, Fixture, Predicate, EXPIRED, EXPIRY};
use zkcred_benches::{group, rng, Clock, Workload};

/// Proofs per `predicates_verify_batch64` iteration.
const BATCH: usize = 64;

fn predicates(c: &mut Criterion<Clock>) {
    let w = Workload::new(10, 2);
    let pairs = w.disclosed_pairs();
    let f = Fixture::new(&w, EXPIRY);
    let mut prover_rng = rng();
    let mut verifier_rng = rng();

    // Correctness before timing: each proof verifies, not with a changed
    // disclosed message, and an expired date's predicate proofs fail.
    let mut tampered = w.messages[w.disclosed[0]].clone();
    tampered[0] ^= 1;
    let mut tampered_pairs = pairs.clone();
    tampered_pairs[0].1 = &tampered;
    let expired = f.with_date(EXPIRED);
    for p in Predicate::ALL {
        let proof = dock::proof_gen(&f, p, &w.disclosed, &mut prover_rng).unwrap();
        assert!(
            dock::proof_verify(&f, p, &proof, &pairs, &mut verifier_rng),
            "{}: proof does not verify",
            p.id()
        );
        assert!(
            !dock::proof_verify(&f, p, &proof, &tampered_pairs, &mut verifier_rng),
            "{}: proof verifies with a changed disclosed message",
            p.id()
        );
        eprintln!("size {}: {} bytes", p.id(), proof.len());
        if p != Predicate::BbsOnly {
            let outcome = match dock::proof_gen(&expired, p, &w.disclosed, &mut prover_rng) {
                Err(e) => format!("generation fails ({e:?})"),
                Ok(bad) => {
                    assert!(
                        !dock::proof_verify(&expired, p, &bad, &pairs, &mut verifier_rng),
                        "{}: an out-of-range proof verifies",
                        p.id()
                    );
                    "proof generated, verification fails".to_string()
                }
            };
            eprintln!("out of range {}: {outcome}", p.id());
        }
    }
    // ZKCRED-PREDICATES: zkcred's own fixture, the same checks, and its
    // `size zkcred_*` lines go here.

    let mut g = group(c, &format!("predicates_prove/{}", w.id()), 1);
    for p in Predicate::ALL {
        g.bench_function(p.id(), |b| {
            b.iter(|| dock::proof_gen(black_box(&f), p, &w.disclosed, &mut prover_rng).unwrap())
        });
    }
    // ZKCRED-PREDICATES: `zkcred_*` proof generation here.
    g.finish();

    let proofs: Vec<(Predicate, Vec<u8>)> = Predicate::ALL
        .iter()
        .map(|&p| {
            let proof = dock::proof_gen(&f, p, &w.disclosed, &mut prover_rng).unwrap();
            (p, proof)
        })
        .collect();
    let mut g = group(c, &format!("predicates_verify/{}", w.id()), 1);
    for (p, proof) in &proofs {
        g.bench_function(p.id(), |b| {
            b.iter(|| {
                assert!(dock::proof_verify(
                    &f,
                    *p,
                    black_box(proof),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    // ZKCRED-PREDICATES: `zkcred_*` verification here.
    g.finish();

    let mut g = group(
        c,
        &format!("predicates_verify_batch{BATCH}/{}", w.id()),
        BATCH,
    );
    g.sample_size(10);
    for p in Predicate::ALL {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| dock::proof_gen(&f, p, &w.disclosed, &mut prover_rng).unwrap())
            .collect();
        assert!(dock::proof_verify_each(
            &f,
            p,
            &batch,
            &pairs,
            &mut verifier_rng
        ));
        g.bench_function(p.id(), |b| {
            b.iter(|| {
                assert!(dock::proof_verify_each(
                    &f,
                    p,
                    black_box(&batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    // ZKCRED-PREDICATES: `zkcred_*` batch verification (one combined check,
    // if zkcred's predicates batch) here.
    g.finish();
}

/// The harness's entry point, `benches()`, measured with the clock
/// `ZKCRED_BENCH_CLOCK` selects. In a private module because
/// `criterion_group!` makes an undocumented `pub fn`.
mod harness {
    use super::*;

    criterion_group!(name = benches; config = Clock::criterion(); targets = predicates);
}

criterion_main!(harness::benches);
