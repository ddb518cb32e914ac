//! Proof verification, BLS12-381-SHA-256: zkcred, zkryptium and
//! docknetwork's bbs_plus (BBS proof of knowledge, both its IETF-style
//! `proof_23_ietf` protocol as `bbs_plus` and its `proof_23_cdl` protocol as
//! `bbs_plus_cdl`), single-threaded, in one run.
//!
//! Groups:
//! - `proof_verify/<messages>-<disclosed>`: one proof. `zkcred` is
//!   `bbs::proof_verify`, `zkcred_vk` the same through a prepared
//!   `VerifierKey` (built once, as a verifier keeps one per issuer key).
//! - `proof_verify_batch/<messages>-<disclosed>`: [`BATCH`] proofs under one
//!   key, throughput per proof. `zkcred` is `bbs::verify_batch` (one
//!   combined pairing check), `zkcred_loop` one `VerifierKey` verification
//!   after the other; zkryptium has no batch API and loops; bbs_plus folds
//!   the pairings into its `RandomizedPairingChecker`.
//!
//! - `verify_batch_large/10-2/<n>`: batches of 64 and 1024 proofs, per
//!   proof: `zkcred_1key` (one issuer), `zkcred_8keys` (eight issuers, one
//!   Miller loop each), `zkcred_par` (one issuer, decoding and
//!   `verify_batch_parallel` on all cores; the only multi-threaded figure), and `bbs_plus` (its
//!   randomized pairing checker, one issuer; 64 only).
//!
//! Run: `cargo bench -p zkcred-benches --bench verify [-- <filter>]`; on a
//! busy machine `ZKCRED_BENCH_CLOCK=cpu` measures thread CPU time instead.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use zkcred_benches::{dock, group, rng, zkcred, zkryptium, Clock, Workload, SIZES};
use zkcred_crypto::bbs::VerifierKey;

/// Proofs per batch in the `proof_verify_batch` groups.
const BATCH: usize = 8;

fn proof_verify(c: &mut Criterion<Clock>) {
    for (n, k) in SIZES {
        let w = Workload::new(n, k);
        let pairs = w.disclosed_pairs();
        let disclosed_msgs = w.disclosed_messages();
        let mut prover_rng = rng();

        let ours = zkcred::Fixture::new(&w);
        let vk = VerifierKey::new(ours.pk.clone());
        let theirs = zkryptium::Fixture::new(&w);
        let signed = dock::Signed::new(&w);
        let dock_ietf = dock::ietf::proof_gen(&signed, &w.disclosed, &mut prover_rng);
        let dock_cdl = dock::cdl::proof_gen(&signed, &w.disclosed, &mut prover_rng);
        assert!(zkcred::proof_verify_vk(&vk, &ours.proof, &pairs));
        assert!(dock::ietf::proof_verify(&signed, &dock_ietf, &pairs));
        assert!(dock::cdl::proof_verify(&signed, &dock_cdl, &pairs));

        let mut g = group(c, &format!("proof_verify/{}", w.id()), 1);
        g.bench_function("zkcred", |b| {
            b.iter(|| {
                assert!(zkcred::proof_verify(
                    &ours.pk,
                    black_box(&ours.proof),
                    &pairs
                ))
            })
        });
        g.bench_function("zkcred_vk", |b| {
            b.iter(|| assert!(zkcred::proof_verify_vk(&vk, black_box(&ours.proof), &pairs)))
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| {
                assert!(zkryptium::proof_verify(
                    &theirs.pk,
                    black_box(&theirs.proof),
                    &disclosed_msgs,
                    &w.disclosed
                ))
            })
        });
        g.bench_function("bbs_plus", |b| {
            b.iter(|| {
                assert!(dock::ietf::proof_verify(
                    &signed,
                    black_box(&dock_ietf),
                    &pairs
                ))
            })
        });
        g.bench_function("bbs_plus_cdl", |b| {
            b.iter(|| {
                assert!(dock::cdl::proof_verify(
                    &signed,
                    black_box(&dock_cdl),
                    &pairs
                ))
            })
        });
        g.finish();

        // BATCH distinct proofs of the same signature, per implementation.
        let ours_batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| {
                zkcred::proof_gen(
                    &ours.pk,
                    &ours.sig,
                    &w.messages,
                    &w.disclosed,
                    &mut prover_rng,
                )
            })
            .collect();
        let theirs_batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| zkryptium::proof_gen(&theirs.pk, &theirs.sig, &w.messages, &w.disclosed))
            .collect();
        let ietf_batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| dock::ietf::proof_gen(&signed, &w.disclosed, &mut prover_rng))
            .collect();
        let cdl_batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| dock::cdl::proof_gen(&signed, &w.disclosed, &mut prover_rng))
            .collect();
        let mut verifier_rng = rng();

        let mut g = group(c, &format!("proof_verify_batch/{}", w.id()), BATCH);
        g.sample_size(10);
        g.bench_function("zkcred", |b| {
            b.iter(|| {
                assert!(zkcred::verify_batch(
                    &vk,
                    black_box(&ours_batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
        g.bench_function("zkcred_loop", |b| {
            b.iter(|| {
                assert!(black_box(&ours_batch)
                    .iter()
                    .all(|proof| zkcred::proof_verify_vk(&vk, proof, &pairs)))
            })
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| {
                assert!(black_box(&theirs_batch).iter().all(|proof| {
                    zkryptium::proof_verify(&theirs.pk, proof, &disclosed_msgs, &w.disclosed)
                }))
            })
        });
        g.bench_function("bbs_plus", |b| {
            b.iter(|| {
                assert!(dock::ietf::proof_verify_batch(
                    &signed,
                    black_box(&ietf_batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
        g.bench_function("bbs_plus_cdl", |b| {
            b.iter(|| {
                assert!(dock::cdl::proof_verify_batch(
                    &signed,
                    black_box(&cdl_batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
        g.finish();
    }
}

/// Batches of 64 and 1024 proofs, 10 messages with 2 disclosed.
fn verify_batch_large(c: &mut Criterion<Clock>) {
    let w = Workload::new(10, 2);
    let pairs = w.disclosed_pairs();
    let mut prover_rng = rng();
    let mut verifier_rng = rng();
    let keys: Vec<_> = (0..8u8)
        .map(|i| {
            let mut km = zkcred_benches::key_material();
            km[0] ^= i;
            zkcred::keygen(&km)
        })
        .collect();
    let vks: Vec<VerifierKey> = keys
        .iter()
        .map(|(_, pk)| VerifierKey::new(pk.clone()))
        .collect();
    let signed = dock::Signed::new(&w);
    for n in [64usize, 1024] {
        let one = zkcred::proofs_for_keys(&keys[..1], &w, n, &mut prover_rng);
        let eight = zkcred::proofs_for_keys(&keys, &w, n, &mut prover_rng);
        assert!(zkcred::verify_batch_keys(
            &vks,
            &one,
            &pairs,
            &mut verifier_rng,
            false
        ));
        assert!(zkcred::verify_batch_keys(
            &vks,
            &eight,
            &pairs,
            &mut verifier_rng,
            false
        ));
        let mut g = group(c, &format!("verify_batch_large/{}/{n}", w.id()), n);
        g.sample_size(10);
        g.bench_function("zkcred_1key", |b| {
            b.iter(|| {
                assert!(zkcred::verify_batch_keys(
                    &vks,
                    black_box(&one),
                    &pairs,
                    &mut verifier_rng,
                    false
                ))
            })
        });
        g.bench_function("zkcred_8keys", |b| {
            b.iter(|| {
                assert!(zkcred::verify_batch_keys(
                    &vks,
                    black_box(&eight),
                    &pairs,
                    &mut verifier_rng,
                    false
                ))
            })
        });
        g.bench_function("zkcred_par", |b| {
            b.iter(|| {
                assert!(zkcred::verify_batch_keys(
                    &vks,
                    black_box(&one),
                    &pairs,
                    &mut verifier_rng,
                    true
                ))
            })
        });
        if n <= 64 {
            let ietf_batch: Vec<Vec<u8>> = (0..n)
                .map(|_| dock::ietf::proof_gen(&signed, &w.disclosed, &mut prover_rng))
                .collect();
            g.bench_function("bbs_plus", |b| {
                b.iter(|| {
                    assert!(dock::ietf::proof_verify_batch(
                        &signed,
                        black_box(&ietf_batch),
                        &pairs,
                        &mut verifier_rng
                    ))
                })
            });
        }
        g.finish();
    }
}

/// The harness's entry point, `benches()`: every group above, measured with
/// the clock `ZKCRED_BENCH_CLOCK` selects. In a private module because
/// `criterion_group!` makes an undocumented `pub fn`.
mod harness {
    use super::*;

    criterion_group!(name = benches; config = Clock::criterion(); targets = proof_verify, verify_batch_large);
}

criterion_main!(harness::benches);
