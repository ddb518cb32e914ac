//! zkcred vs zkryptium (both the IETF draft, BLS12-381-SHA-256): keygen,
//! sign, verify, proof_gen, proof_verify.
//!
//! Groups are named `<operation>/<messages>-<disclosed>` (`keygen` alone) and
//! hold one function per implementation, `zkcred` and `zkryptium`, so the
//! ratio reads straight off a group. Run:
//! `cargo bench -p zkcred-benches --bench bbs [-- <filter>]`; on a busy
//! machine `ZKCRED_BENCH_CLOCK=cpu` measures thread CPU time instead.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use zkcred_benches::{group, key_material, rng, zkcred, zkryptium, Clock, Workload, SIZES};

/// Operations take milliseconds: fewer, flat samples keep a run short.
fn keygen(c: &mut Criterion<Clock>) {
    let km = key_material();
    let mut g = group(c, "keygen", 1);
    g.bench_function("zkcred", |b| b.iter(|| zkcred::keygen(black_box(&km))));
    g.bench_function("zkryptium", |b| {
        b.iter(|| zkryptium::keygen(black_box(&km)))
    });
    g.finish();
}

fn per_size(c: &mut Criterion<Clock>) {
    for (n, k) in SIZES {
        let w = Workload::new(n, k);
        let ours = zkcred::Fixture::new(&w);
        let theirs = zkryptium::Fixture::new(&w);
        // Same key material, deterministic signing: the same signature.
        assert_eq!(
            ours.sig, theirs.sig,
            "zkcred and zkryptium signatures differ"
        );
        let pairs = w.disclosed_pairs();
        let disclosed_msgs = w.disclosed_messages();

        let mut g = group(c, &format!("sign/{}", w.id()), 1);
        g.bench_function("zkcred", |b| {
            b.iter(|| zkcred::sign(&ours.sk, &ours.pk, black_box(&w.messages)))
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| zkryptium::sign(&theirs.sk, &theirs.pk, black_box(&w.messages)))
        });
        g.finish();

        let mut g = group(c, &format!("verify/{}", w.id()), 1);
        g.bench_function("zkcred", |b| {
            b.iter(|| assert!(zkcred::verify(&ours.pk, black_box(&ours.sig), &w.messages)))
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| {
                assert!(zkryptium::verify(
                    &theirs.pk,
                    black_box(&theirs.sig),
                    &w.messages
                ))
            })
        });
        g.finish();

        let mut g = group(c, &format!("proof_gen/{}", w.id()), 1);
        let mut prover_rng = rng();
        g.bench_function("zkcred", |b| {
            b.iter(|| {
                zkcred::proof_gen(
                    &ours.pk,
                    black_box(&ours.sig),
                    &w.messages,
                    &w.disclosed,
                    &mut prover_rng,
                )
            })
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| {
                zkryptium::proof_gen(
                    &theirs.pk,
                    black_box(&theirs.sig),
                    &w.messages,
                    &w.disclosed,
                )
            })
        });
        g.finish();

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
        g.finish();
    }
}

/// The harness's entry point, `benches()`: every group above, measured with
/// the clock `ZKCRED_BENCH_CLOCK` selects. In a private module because
/// `criterion_group!` makes an undocumented `pub fn`.
mod harness {
    use super::*;

    criterion_group!(name = benches; config = Clock::criterion(); targets = keygen, per_size);
}

criterion_main!(harness::benches);
