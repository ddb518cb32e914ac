//! Holder binding and pseudonyms, BLS12-381-SHA-256, single-threaded: blind
//! issuance, proof generation and verification (alone and in batches of
//! 64) of credentials bound to a holder secret, zkcred-crypto and
//! zkryptium 0.8 in the same run. One workload: 10 signer messages, 2
//! disclosed (`10-2`). The wrappers and what each path is are in
//! `zkcred_benches::holder`.
//!
//! Groups (criterion group `<name>/10-2`, function ids below):
//! - `holder_issue_commit`: the holder's `Commit` to one secret, encoded.
//!   `zkcred_commit` (the holder secret as a scalar), `zkryptium_commit`
//!   (its 32 octets as the committed message), `zkryptium_nym_commit`
//!   (`commit_with_nym`: no committed message, one prover nym).
//! - `holder_issue_sign`: the issuer's signature over 10 messages,
//!   commitment decoded and its proof checked, signature encoded.
//!   `zkcred_sign` and `zkryptium_sign`: plain BBS `Sign`, the reference;
//!   `zkcred_blind_sign`, `zkryptium_blind_sign`: `BlindSign` with the one
//!   committed message; `zkryptium_nym_blind_sign`: `blind_sign_with_nym`.
//! - `holder_issue_verify`: the holder's check of what it received, the
//!   signature decoded. `zkcred_verify`, `zkryptium_verify`: plain BBS
//!   `Verify`; `zkcred_blind_verify`, `zkryptium_blind_verify`: the blind
//!   interface's `Verify` (with the blind and the committed message);
//!   `zkcred_blind_accept`: what the product's holder runs,
//!   `ProverCredential::new_blind` (that check plus the prepared
//!   credential); `zkryptium_nym_verify`: `verify_finalize_with_nym`.
//! - `holder_prove`: a presentation disclosing messages 0 and 5, encoded.
//!   `zkcred_plain`: plain BBS proof of a plain credential (the reference);
//!   `zkcred_blind`: BBS proof of the blind credential (L = 10, M = 1; the
//!   blind and the holder secret hidden), the product's presentation
//!   without statements; `zkcred_nym`: the composite proof of the blind
//!   credential with one pseudonym on the holder secret, the product's
//!   presentation with a pseudonym; `zkcred_blind_cold`: the blind proof
//!   from octets with nothing prepared (signature decoded, messages hashed,
//!   generators, domain and prover tables built in the call), as zkryptium
//!   works; `zkryptium_plain`, `zkryptium_blind`
//!   (`blind_proof_gen`), `zkryptium_nym` (`proof_gen_with_nym`, its proof
//!   followed by its pseudonym).
//! - `holder_verify`: the same six, decoded and verified one at a time;
//!   the serialized sizes are printed once to stderr (`size <id>: <n>
//!   bytes`).
//! - `holder_verify_batch64`: 64 distinct proofs per iteration, all
//!   decoded in the loop, throughput per proof. `zkcred_plain`,
//!   `zkcred_blind` through `bbs::verify_batch` (the blind ones with the
//!   blind generator list), `zkcred_nym` through `composite::verify_batch`.
//!   zkryptium has no batch verification.
//!
//! The target: the holder secret and a pseudonym together add at most 0.3
//! ms per proof to a batched verification, `zkcred_nym - zkcred_plain` in
//! `holder_verify_batch64`; `benches/holder_summary.py` prints it.
//!
//! Before timing, every proof is checked to verify and not to verify with a
//! changed disclosed message; a pseudonym to be the same in two
//! presentations to one context and to differ in another; a proof not to
//! verify for another context; a batch with one changed proof to fail.
//!
//! Run: `cargo bench -p zkcred-benches --bench holder [-- <filter>]`; on a
//! busy machine `ZKCRED_BENCH_CLOCK=cpu` measures thread CPU time instead.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use zkcred_benches::holder::{self, zkcred as zk, zkryptium as zr, Kind, CONTEXT_ID};
use zkcred_benches::{group, rng, Clock, Workload};

/// Proofs per `holder_verify_batch64` iteration.
const BATCH: usize = 64;

/// The workload's messages with the first disclosed one changed.
fn tampered(w: &Workload) -> Vec<u8> {
    let mut m = w.messages[w.disclosed[0]].clone();
    m[0] ^= 1;
    m
}

/// zkcred's checks before timing; prints the sizes.
fn zk_checks(w: &Workload, f: &zk::Fixture, rng: &mut rand::rngs::StdRng) {
    let pairs = w.disclosed_pairs();
    let bad = tampered(w);
    let mut bad_pairs = pairs.clone();
    bad_pairs[0].1 = &bad;
    for kind in Kind::ALL {
        let proof = zk::prove(f, kind, &w.disclosed, rng);
        assert!(zk::verify(f, kind, &proof, &pairs), "{}", kind.id());
        assert!(!zk::verify(f, kind, &proof, &bad_pairs), "{}", kind.id());
        eprintln!("size {}: {} bytes", kind.id(), proof.len());
    }
    let cold = zk::prove_blind_cold(f, &w.messages, &w.disclosed, rng);
    assert!(
        zk::verify(f, Kind::Blind, &cold, &pairs),
        "zkcred_blind_cold"
    );
    assert!(!zk::verify(f, Kind::Blind, &cold, &bad_pairs));
    // The pseudonym: stable in one context, different in another, and a
    // proof for one context does not verify for the other.
    let other = f.relations_for(holder::OTHER_CONTEXT_ID);
    let p1 = zk::prove(f, Kind::Pseudonym, &w.disclosed, rng);
    let p2 = zk::prove(f, Kind::Pseudonym, &w.disclosed, rng);
    let q = zk::prove_nym(f, &other, &w.disclosed, rng);
    let n1 = zk::verify_nym(f, &f.relations, &p1, &pairs).unwrap();
    let n2 = zk::verify_nym(f, &f.relations, &p2, &pairs).unwrap();
    let m = zk::verify_nym(f, &other, &q, &pairs).unwrap();
    assert_ne!(p1, p2, "two presentations are the same octets");
    assert_eq!(n1, n2, "pseudonym not stable");
    assert_ne!(n1, m, "pseudonym the same in two contexts");
    assert!(zk::verify_nym(f, &other, &p1, &pairs).is_none());
    // A credential signed over other messages is refused by the holder.
    let mut msgs = w.messages.clone();
    msgs[1][0] ^= 1;
    assert!(!zk::blind_verify(
        &f.pk,
        &f.blind_sig,
        &msgs,
        &f.holder_secret,
        &f.blind
    ));
    assert!(zk::accept(&f.pk, &f.blind_sig, &msgs, &f.holder_secret, &f.blind).is_err());
}

/// zkryptium's checks before timing; prints the sizes.
fn zr_checks(w: &Workload, f: &zr::Fixture) {
    let dm = w.disclosed_messages();
    let mut bad = dm.clone();
    bad[0] = tampered(w);
    let plain = zkcred_benches::zkryptium::Fixture::new(w);
    let proof =
        zkcred_benches::zkryptium::proof_gen(&plain.pk, &plain.sig, &w.messages, &w.disclosed);
    assert!(zkcred_benches::zkryptium::proof_verify(
        &plain.pk,
        &proof,
        &dm,
        &w.disclosed
    ));
    eprintln!("size zkryptium_plain: {} bytes", proof.len());
    let proof = zr::blind_proof_gen(f, &w.messages, &w.disclosed);
    assert!(zr::blind_proof_verify(f, &proof, &dm, &w.disclosed));
    assert!(!zr::blind_proof_verify(f, &proof, &bad, &w.disclosed));
    eprintln!("size zkryptium_blind: {} bytes", proof.len());
    let p1 = zr::proof_gen_with_nym(f, &w.messages, &w.disclosed, CONTEXT_ID);
    let p2 = zr::proof_gen_with_nym(f, &w.messages, &w.disclosed, CONTEXT_ID);
    let q = zr::proof_gen_with_nym(f, &w.messages, &w.disclosed, holder::OTHER_CONTEXT_ID);
    let n1 = zr::proof_verify_with_nym(f, &p1, &dm, &w.disclosed, CONTEXT_ID).unwrap();
    let n2 = zr::proof_verify_with_nym(f, &p2, &dm, &w.disclosed, CONTEXT_ID).unwrap();
    let m = zr::proof_verify_with_nym(f, &q, &dm, &w.disclosed, holder::OTHER_CONTEXT_ID).unwrap();
    assert_eq!(n1, n2, "zkryptium pseudonym not stable");
    assert_ne!(n1, m, "zkryptium pseudonym the same in two contexts");
    assert!(zr::proof_verify_with_nym(f, &p1, &bad, &w.disclosed, CONTEXT_ID).is_none());
    assert!(
        zr::proof_verify_with_nym(f, &p1, &dm, &w.disclosed, holder::OTHER_CONTEXT_ID).is_none()
    );
    eprintln!(
        "size zkryptium_nym: {} bytes (proof {} + pseudonym {})",
        p1.len(),
        p1.len() - zr::PSEUDONYM_LEN,
        zr::PSEUDONYM_LEN
    );
}

fn holder_benches(c: &mut Criterion<Clock>) {
    let w = Workload::new(10, 2);
    let id = w.id();
    let pairs = w.disclosed_pairs();
    let dm = w.disclosed_messages();
    let mut prover_rng = rng();
    let mut verifier_rng = rng();

    let zf = zk::Fixture::new(&w);
    let hs_octets = zf.holder_secret.to_be_bytes();
    let rf = zr::Fixture::new(&w, hs_octets);
    let rplain = zkcred_benches::zkryptium::Fixture::new(&w);
    zk_checks(&w, &zf, &mut prover_rng);
    zr_checks(&w, &rf);

    // 1. Issuance.
    let mut g = group(c, &format!("holder_issue_commit/{id}"), 1);
    g.bench_function("zkcred_commit", |b| {
        b.iter(|| zk::commit(black_box(&zf.holder_secret), &mut prover_rng))
    });
    g.bench_function("zkryptium_commit", |b| {
        b.iter(|| zr::commit(black_box(&rf.committed)))
    });
    g.bench_function("zkryptium_nym_commit", |b| {
        b.iter(|| zr::commit_with_nym(black_box(&rf.prover_nyms)))
    });
    g.finish();

    let mut g = group(c, &format!("holder_issue_sign/{id}"), 1);
    g.bench_function("zkcred_sign", |b| {
        b.iter(|| zkcred_benches::zkcred::sign(&zf.sk, &zf.pk, black_box(&w.messages)))
    });
    g.bench_function("zkcred_blind_sign", |b| {
        b.iter(|| zk::blind_sign(&zf.sk, &zf.pk, black_box(&zf.commitment), &w.messages))
    });
    g.bench_function("zkryptium_sign", |b| {
        b.iter(|| zkcred_benches::zkryptium::sign(&rf.sk, &rf.pk, black_box(&w.messages)))
    });
    g.bench_function("zkryptium_blind_sign", |b| {
        b.iter(|| zr::blind_sign(&rf.sk, &rf.pk, black_box(&rf.commitment), &w.messages))
    });
    g.bench_function("zkryptium_nym_blind_sign", |b| {
        b.iter(|| {
            zr::blind_sign_with_nym(
                &rf.sk,
                &rf.pk,
                black_box(&rf.nym_commitment),
                &rf.signer_nym_entropy,
                &w.messages,
            )
        })
    });
    g.finish();

    let mut g = group(c, &format!("holder_issue_verify/{id}"), 1);
    g.bench_function("zkcred_verify", |b| {
        b.iter(|| {
            assert!(zkcred_benches::zkcred::verify(
                &zf.pk,
                black_box(&zf.plain_sig),
                &w.messages
            ))
        })
    });
    g.bench_function("zkcred_blind_verify", |b| {
        b.iter(|| {
            assert!(zk::blind_verify(
                &zf.pk,
                black_box(&zf.blind_sig),
                &w.messages,
                &zf.holder_secret,
                &zf.blind
            ))
        })
    });
    g.bench_function("zkcred_blind_accept", |b| {
        b.iter(|| {
            zk::accept(
                &zf.pk,
                black_box(&zf.blind_sig),
                &w.messages,
                &zf.holder_secret,
                &zf.blind,
            )
            .unwrap()
        })
    });
    g.bench_function("zkryptium_verify", |b| {
        b.iter(|| {
            assert!(zkcred_benches::zkryptium::verify(
                &rplain.pk,
                black_box(&rplain.sig),
                &w.messages
            ))
        })
    });
    g.bench_function("zkryptium_blind_verify", |b| {
        b.iter(|| {
            assert!(zr::blind_verify(
                &rf.pk,
                black_box(&rf.blind_sig),
                &w.messages,
                &rf.committed,
                &rf.blind
            ))
        })
    });
    g.bench_function("zkryptium_nym_verify", |b| {
        b.iter(|| {
            zr::verify_finalize_with_nym(
                &rf.pk,
                black_box(&rf.nym_sig),
                &w.messages,
                &rf.prover_nyms,
                &rf.signer_nym_entropy,
                &rf.nym_blind,
            )
            .unwrap()
        })
    });
    g.finish();

    // 2. Proof generation.
    let mut g = group(c, &format!("holder_prove/{id}"), 1);
    for kind in Kind::ALL {
        g.bench_function(kind.id(), |b| {
            b.iter(|| zk::prove(black_box(&zf), kind, &w.disclosed, &mut prover_rng))
        });
    }
    g.bench_function("zkcred_blind_cold", |b| {
        b.iter(|| zk::prove_blind_cold(black_box(&zf), &w.messages, &w.disclosed, &mut prover_rng))
    });
    g.bench_function("zkryptium_plain", |b| {
        b.iter(|| {
            zkcred_benches::zkryptium::proof_gen(
                &rplain.pk,
                black_box(&rplain.sig),
                &w.messages,
                &w.disclosed,
            )
        })
    });
    g.bench_function("zkryptium_blind", |b| {
        b.iter(|| zr::blind_proof_gen(black_box(&rf), &w.messages, &w.disclosed))
    });
    g.bench_function("zkryptium_nym", |b| {
        b.iter(|| zr::proof_gen_with_nym(black_box(&rf), &w.messages, &w.disclosed, CONTEXT_ID))
    });
    g.finish();

    // 3. Verification, one proof at a time.
    let mut g = group(c, &format!("holder_verify/{id}"), 1);
    for kind in Kind::ALL {
        let proof = zk::prove(&zf, kind, &w.disclosed, &mut prover_rng);
        g.bench_function(kind.id(), |b| {
            b.iter(|| assert!(zk::verify(&zf, kind, black_box(&proof), &pairs)))
        });
    }
    let proof =
        zkcred_benches::zkryptium::proof_gen(&rplain.pk, &rplain.sig, &w.messages, &w.disclosed);
    g.bench_function("zkryptium_plain", |b| {
        b.iter(|| {
            assert!(zkcred_benches::zkryptium::proof_verify(
                &rplain.pk,
                black_box(&proof),
                &dm,
                &w.disclosed
            ))
        })
    });
    let proof = zr::blind_proof_gen(&rf, &w.messages, &w.disclosed);
    g.bench_function("zkryptium_blind", |b| {
        b.iter(|| {
            assert!(zr::blind_proof_verify(
                &rf,
                black_box(&proof),
                &dm,
                &w.disclosed
            ))
        })
    });
    let proof = zr::proof_gen_with_nym(&rf, &w.messages, &w.disclosed, CONTEXT_ID);
    g.bench_function("zkryptium_nym", |b| {
        b.iter(|| {
            zr::proof_verify_with_nym(&rf, black_box(&proof), &dm, &w.disclosed, CONTEXT_ID)
                .unwrap()
        })
    });
    g.finish();

    // 4. Verification in batches of 64 distinct proofs.
    let mut g = group(c, &format!("holder_verify_batch{BATCH}/{id}"), BATCH);
    g.sample_size(10);
    for kind in Kind::ALL {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| zk::prove(&zf, kind, &w.disclosed, &mut prover_rng))
            .collect();
        assert!(zk::verify_batch(
            &zf,
            kind,
            &batch,
            &pairs,
            &mut verifier_rng
        ));
        let mut spoiled = batch.clone();
        *spoiled[BATCH / 2].last_mut().unwrap() ^= 1;
        assert!(
            !zk::verify_batch(&zf, kind, &spoiled, &pairs, &mut verifier_rng),
            "{}: a batch with a changed proof verifies",
            kind.id()
        );
        g.bench_function(kind.id(), |b| {
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

    criterion_group!(name = benches; config = Clock::criterion(); targets = holder_benches);
}

criterion_main!(harness::benches);
