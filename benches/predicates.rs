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
//! zkcred-crypto (`zkcred_benches::zkcred_predicates`), the same
//! credential and claim:
//! - `zkcred_bbs_only`: the plain BBS proof (`ProverCredential::prove`,
//!   `VerifierKey::proof_verify`), the baseline.
//! - `zkcred_range32`: a composite proof (`composite::prove` /
//!   `composite::verify`) with one range claim `min: Some(20240)`, `bits:
//!   32` on message 3: it proves `expiry - 20240 < 2^32`, the peers' claim
//!   exactly, with one 32-bit Bulletproofs+ range proof on a Pedersen
//!   commitment tied to the BBS message.
//!
//! Before timing the same checks, plus: the composite proof fails against a
//! shifted claim (`min` one day later), and an expired credential's
//! composite proof is refused by the prover (`Error::ValueOutOfRange`).
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
//!   sequential verifications as above. zkcred's are one batch:
//!   `bbs::verify_batch` for the plain proofs, `composite::verify_batch`
//!   (pairings in one random linear combination, range proofs in one
//!   multi-scalar multiplication) for the composite ones; all 64 decoded
//!   in the loop.
//! - `id_card_age_validity/18`: zkcred alone, an ID-card-like credential of
//!   18 messages (2 disclosed, 0 and 9) with a birth date at 4 (1990-04-12)
//!   and an expiry date at 12 (2029-03-15). `zkcred_age_validity` is one
//!   composite proof with two claims, "18 or older on 2025-06-01" (birth
//!   date `max: Some(13665)`, 2007-06-01) and "not expired" (expiry `min:
//!   Some(20240)`), 32 bits each; `zkcred_bbs_only` the plain proof of the
//!   same disclosure. Single verifications (one per iteration) and
//!   `*_batch64` (64 per iteration, throughput per proof), as above.
//!
//! Serialized proof sizes are printed to stderr once, as
//! `size <id>: <n> bytes`, and what the predicates add to zkcred's plain
//! proof as `size <id> - zkcred_bbs_only: +<n> bytes`.
//!
//! Run: `cargo bench -p zkcred-benches --bench predicates [-- <filter>]`; on
//! a busy machine `ZKCRED_BENCH_CLOCK=cpu` measures thread CPU time instead.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zkcred_benches::dock_predicates::{
    self as dock, Fixture, Predicate, EXPIRED, EXPIRY, PREDICATE_INDEX, RANGE_BITS, TODAY,
};
use zkcred_benches::zkcred_predicates::{self as zk, claim, ranges, Kind};
use zkcred_benches::{group, rng, Clock, Workload};
use zkcred_crypto::Error;

/// Proofs per `predicates_verify_batch64` iteration.
const BATCH: usize = 64;

/// zkcred's two proofs of the `10-2` groups, with their function ids.
const ZK: [(Kind, &str); 2] = [
    (Kind::Plain, "zkcred_bbs_only"),
    (Kind::Composite, "zkcred_range32"),
];

/// `id_card_age_validity`: index of the birth date (hidden).
const BIRTH_INDEX: usize = 4;
/// `id_card_age_validity`: index of the expiry date (hidden).
const VALIDITY_INDEX: usize = 12;
/// The holder's birth date, 1990-04-12, as days since 1970-01-01.
const BIRTH: i64 = 7_406;
/// A birth date under 18 on [`TODAY`], 2010-09-30.
const BIRTH_UNDERAGE: i64 = 14_882;
/// Latest birth date of someone 18 on [`TODAY`] (2025-06-01): 2007-06-01.
const AGE_CUTOFF: i64 = 13_665;

/// `today` as the `i64` day count zkcred's claims take.
fn today() -> i64 {
    i64::try_from(TODAY).unwrap()
}

/// The fixture of the `10-2` groups: the peers' credential (expiry date at
/// [`PREDICATE_INDEX`]) and claim (`TODAY <= expiry < TODAY + 2^32`).
fn zk_fixture(w: &Workload, expiry: u64) -> zk::Fixture {
    zk::Fixture::new(
        w,
        &[(PREDICATE_INDEX, i64::try_from(expiry).unwrap())],
        ranges(vec![claim(
            PREDICATE_INDEX,
            Some(today()),
            None,
            RANGE_BITS,
        )]),
    )
}

/// zkcred's checks before timing the `10-2` groups: each proof verifies, not
/// with a changed disclosed message; the composite proof not against a
/// shifted claim; an expired credential's range proof is refused. Prints
/// the sizes.
fn zk_checks(
    w: &Workload,
    zf: &zk::Fixture,
    pairs: &[(usize, &[u8])],
    tampered_pairs: &[(usize, &[u8])],
    rng: &mut rand::rngs::StdRng,
) {
    let mut sizes = Vec::new();
    for (kind, id) in ZK {
        let proof = zk::prove(zf, kind, &w.disclosed, rng).unwrap();
        assert!(zk::verify(zf, kind, &proof, pairs), "{id}: does not verify");
        assert!(
            !zk::verify(zf, kind, &proof, tampered_pairs),
            "{id}: verifies with a changed disclosed message"
        );
        eprintln!("size {id}: {} bytes", proof.len());
        sizes.push(proof.len());
        if kind == Kind::Composite {
            let shifted = ranges(vec![claim(
                PREDICATE_INDEX,
                Some(today() + 1),
                None,
                RANGE_BITS,
            )]);
            assert!(
                !zk::verify_claims(zf, &shifted, &proof, pairs),
                "{id}: verifies against a claim it was not made for"
            );
            let expired = zf.with_dates(&[(PREDICATE_INDEX, i64::try_from(EXPIRED).unwrap())]);
            let refused = zk::prove(&expired, kind, &w.disclosed, rng);
            assert!(
                matches!(refused, Err(Error::ValueOutOfRange)),
                "{id}: an expired credential's proof: {refused:?}"
            );
            eprintln!("out of range {id}: generation fails (ValueOutOfRange)");
        }
    }
    eprintln!(
        "size zkcred_range32 - zkcred_bbs_only: +{} bytes",
        sizes[1] - sizes[0]
    );
}

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
    let zf = zk_fixture(&w, EXPIRY);
    zk_checks(&w, &zf, &pairs, &tampered_pairs, &mut prover_rng);

    let mut g = group(c, &format!("predicates_prove/{}", w.id()), 1);
    for p in Predicate::ALL {
        g.bench_function(p.id(), |b| {
            b.iter(|| dock::proof_gen(black_box(&f), p, &w.disclosed, &mut prover_rng).unwrap())
        });
    }
    for (kind, id) in ZK {
        g.bench_function(id, |b| {
            b.iter(|| zk::prove(black_box(&zf), kind, &w.disclosed, &mut prover_rng).unwrap())
        });
    }
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
    for (kind, id) in ZK {
        let proof = zk::prove(&zf, kind, &w.disclosed, &mut prover_rng).unwrap();
        g.bench_function(id, |b| {
            b.iter(|| assert!(zk::verify(&zf, kind, black_box(&proof), &pairs)))
        });
    }
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
    for (kind, id) in ZK {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| zk::prove(&zf, kind, &w.disclosed, &mut prover_rng).unwrap())
            .collect();
        assert!(zk::verify_batch(
            &zf,
            kind,
            &batch,
            &pairs,
            &mut verifier_rng
        ));
        let mut spoiled = batch.clone();
        let last = spoiled[BATCH / 2].last_mut().unwrap();
        *last ^= 1;
        assert!(
            !zk::verify_batch(&zf, kind, &spoiled, &pairs, &mut verifier_rng),
            "{id}: a batch with a changed proof verifies"
        );
        g.bench_function(id, |b| {
            b.iter(|| {
                assert!(zk::verify_batch(
                    &zf,
                    kind,
                    black_box(&batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    g.finish();

    id_card(c);
}

/// `id_card_age_validity/18`: an 18-message credential with an age and a
/// validity claim in one composite proof, next to the plain proof; single
/// and batched verification.
fn id_card(c: &mut Criterion<Clock>) {
    let w = Workload::new(18, 2);
    assert!(!w.disclosed.contains(&BIRTH_INDEX) && !w.disclosed.contains(&VALIDITY_INDEX));
    let pairs = w.disclosed_pairs();
    let expiry = i64::try_from(EXPIRY).unwrap();
    let zf = zk::Fixture::new(
        &w,
        &[(BIRTH_INDEX, BIRTH), (VALIDITY_INDEX, expiry)],
        ranges(vec![
            claim(BIRTH_INDEX, None, Some(AGE_CUTOFF), RANGE_BITS),
            claim(VALIDITY_INDEX, Some(today()), None, RANGE_BITS),
        ]),
    );
    let mut prover_rng = rng();
    let mut verifier_rng = rng();
    let ids = [
        (Kind::Plain, "zkcred_bbs_only"),
        (Kind::Composite, "zkcred_age_validity"),
    ];

    // Correctness: both verify, the composite proof not against claims with
    // another age cutoff; an underage or an expired holder is refused.
    let mut sizes = Vec::new();
    for (kind, id) in ids {
        let proof = zk::prove(&zf, kind, &w.disclosed, &mut prover_rng).unwrap();
        assert!(
            zk::verify(&zf, kind, &proof, &pairs),
            "{id}: does not verify"
        );
        eprintln!("size {id} (18-2): {} bytes", proof.len());
        sizes.push(proof.len());
        if kind == Kind::Composite {
            let other = ranges(vec![
                claim(BIRTH_INDEX, None, Some(AGE_CUTOFF - 1), RANGE_BITS),
                claim(VALIDITY_INDEX, Some(today()), None, RANGE_BITS),
            ]);
            assert!(!zk::verify_claims(&zf, &other, &proof, &pairs));
            for (index, date) in [
                (BIRTH_INDEX, BIRTH_UNDERAGE),
                (VALIDITY_INDEX, i64::try_from(EXPIRED).unwrap()),
            ] {
                let bad = zf.with_dates(&[(index, date)]);
                let refused = zk::prove(&bad, kind, &w.disclosed, &mut prover_rng);
                assert!(
                    matches!(refused, Err(Error::ValueOutOfRange)),
                    "{id}: message {index} out of its range: {refused:?}"
                );
            }
        }
    }
    eprintln!(
        "size zkcred_age_validity - zkcred_bbs_only (18-2): +{} bytes",
        sizes[1] - sizes[0]
    );

    let mut g = group(c, "id_card_age_validity/18", 1);
    for (kind, id) in ids {
        let proof = zk::prove(&zf, kind, &w.disclosed, &mut prover_rng).unwrap();
        g.bench_function(id, |b| {
            b.iter(|| assert!(zk::verify(&zf, kind, black_box(&proof), &pairs)))
        });
    }
    g.sample_size(10);
    g.throughput(Throughput::Elements(BATCH as u64));
    for (kind, id) in ids {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| zk::prove(&zf, kind, &w.disclosed, &mut prover_rng).unwrap())
            .collect();
        assert!(zk::verify_batch(
            &zf,
            kind,
            &batch,
            &pairs,
            &mut verifier_rng
        ));
        g.bench_function(format!("{id}_batch{BATCH}"), |b| {
            b.iter(|| {
                assert!(zk::verify_batch(
                    &zf,
                    kind,
                    black_box(&batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
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
