//! zkcred vs zkryptium (both the IETF draft, BLS12-381-SHA-256): keygen,
//! sign, verify, proof_gen, proof_verify.
//!
//! Groups are named `<operation>/<messages>-<disclosed>` (`keygen` alone) and
//! hold one function per implementation, `zkcred` and `zkryptium`, so the
//! ratio reads straight off a group. Run:
//! `cargo bench -p zkcred-benches --bench bbs [-- <filter>]`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use zkcred_benches::{key_material, rng, zkcred, zkryptium, Workload, SIZES};

/// Operations take milliseconds: fewer, flat samples keep a run short.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(1));
    g
}

fn keygen(c: &mut Criterion) {
    let km = key_material();
    let mut g = group(c, "keygen");
    g.bench_function("zkcred", |b| b.iter(|| zkcred::keygen(black_box(&km))));
    g.bench_function("zkryptium", |b| {
        b.iter(|| zkryptium::keygen(black_box(&km)))
    });
    g.finish();
}

fn per_size(c: &mut Criterion) {
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

        let mut g = group(c, &format!("sign/{}", w.id()));
        g.bench_function("zkcred", |b| {
            b.iter(|| zkcred::sign(&ours.sk, &ours.pk, black_box(&w.messages)))
        });
        g.bench_function("zkryptium", |b| {
            b.iter(|| zkryptium::sign(&theirs.sk, &theirs.pk, black_box(&w.messages)))
        });
        g.finish();

        let mut g = group(c, &format!("verify/{}", w.id()));
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

        let mut g = group(c, &format!("proof_gen/{}", w.id()));
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

        let mut g = group(c, &format!("proof_verify/{}", w.id()));
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

criterion_group!(benches, keygen, per_size);
criterion_main!(benches);
