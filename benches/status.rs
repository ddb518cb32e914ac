//! Credential status through a positive accumulator (issue 15), BLS12-381,
//! single-threaded: a BBS proof of knowledge (10 messages, messages 1 and 6
//! disclosed) with and without a proof that the hidden message 0, the
//! credential's revocation handle, is a member of the registry's
//! accumulator; the holder's witness update after removals; the registry's
//! update for a batch of removals; proof sizes.
//!
//! Peer: docknetwork's `vb_accumulator` 0.29 and `proof_system` 0.34 (on
//! `bbs_plus` 0.25, arkworks 0.4, no `parallel` features), wrapped in
//! `zkcred_benches::dock_status`. The registry holds the holder's handle
//! and 10,000 others.
//! - `dock_bbs_only`: the composite proof with `PoKBBSSignature23IETF`
//!   alone (as in `predicates.rs`), the baseline.
//! - `dock_vb`: plus `VBAccumulatorMembership` (the VB paper's membership
//!   proof), its element tied to message 0 by a witness-equality meta
//!   statement.
//! - `dock_vb_cdh`: plus `VBAccumulatorMembershipCDH{Prover,Verifier}`
//!   (docknetwork's newer membership protocol), tied the same way.
//!
//! Groups (function ids as above):
//! - `status_prove/10-2`: statements built, proof generated, serialized.
//! - `status_verify/10-2`: proof deserialized, statements built (disclosed
//!   messages hashed), verified.
//! - `status_verify_batch64/10-2`: 64 distinct proofs, throughput per
//!   proof; proof_system verifies one proof at a time, so 64 sequential
//!   verifications.
//! - `status_witness_update/<k>`, k = 1, 100, 10000 removals of other
//!   credentials: `dock_single`, vb_accumulator's single-update path
//!   (`update_after_removal` once per removal, given the value after each),
//!   and `dock_omega`, its update from the published `Omega`
//!   (`update_using_public_info_after_batch_updates`; 10,000 removals are
//!   published as 10 batches of 1,000 and applied with
//!   `update_using_public_info_after_multiple_batch_updates`, see
//!   `dock_status::OMEGA_BATCH`). Throughput per update.
//! - `status_accumulator_update/1000`: the registry removes 1,000 members:
//!   `dock_remove_batch` (`PositiveAccumulator::remove_batch`, its member
//!   set updated; the set's copy is made outside the timing) and
//!   `dock_remove_batch_omega` (the same and the `Omega` the holders need).
//!
//! zkcred-crypto (`zkcred_benches::zkcred_status`), the same credential
//! and disclosure; the registry's value is `Accumulator::initial` (issuing
//! does not change it, so the 10,000 other handles need no addition):
//! - `zkcred_bbs_only`: the plain BBS proof, the baseline;
//! - `zkcred_composite`: a composite proof with no relation (what the
//!   composite framing alone costs);
//! - `zkcred_membership`: a composite proof with one `MembershipClaim` on
//!   message 0 (`composite::prove_with_witnesses`, `composite::verify`;
//!   batches with `composite::verify_batch`, the membership pairing folded
//!   into the batch's random linear combination);
//! - `status_witness_update/<k>`, `zkcred`: `Witness::update_vartime` over
//!   the epoch's `Update` of `k` removals (one multi-scalar multiplication
//!   of `k + 1` points);
//! - `status_accumulator_update/1000`, `zkcred`: `SecretKey::update` with
//!   1,000 removals: the new value and the `Update` (every intermediate
//!   value), what the registry publishes.
//!
//! Before timing: every proof verifies and fails with a changed disclosed
//! message; a membership proof fails against another accumulator value; a
//! removed credential's witness cannot be updated and its proof with the
//! old witness fails against the new value; both update paths give the
//! same witness, which verifies against the new value and not the old;
//! `remove_batch` ends at the value the single removals reach. zkcred: the
//! same, plus a batch with one changed proof fails, a removed handle's
//! witness update is `Error::ElementRemoved`, and the updated witness after
//! one removal is the one the registry would hand out.
//!
//! Serialized proof sizes (and the published update for 1,000 removals:
//! zkcred's `Update`, dock's `Omega`) are printed to stderr (`size <id>: <n> bytes`)
//! and written to `status_sizes.json` in criterion's directory for
//! `status_summary.py`.
//!
//! Run: `cargo bench -p zkcred-benches --bench status [-- <filter>]`
//! (`ZKCRED_BENCH_CLOCK=cpu`: thread CPU time).

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use zkcred_benches::dock_status::{self as dock, Fixture, Status};
use zkcred_benches::zkcred_status as zs;
use zkcred_benches::{group, rng, Clock};
use zkcred_crypto::accumulator::Change;
use zkcred_crypto::Error;

/// Proofs per `status_verify_batch64` iteration.
const BATCH: usize = 64;
/// Other credentials in the registry besides the holder's.
const OTHERS: usize = 10_000;
/// Removals before a witness update, one group each.
const WITNESS_UPDATES: [usize; 3] = [1, 100, 10_000];
/// Removals in one registry update.
const REGISTRY_REMOVALS: usize = 1_000;

/// Where the sizes go: `$CARGO_TARGET_DIR/criterion`, else the workspace's
/// `target/criterion` (criterion's own directory in both cases).
fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("criterion")
}

/// Prints the sizes and writes them as one JSON object (`{"id": bytes}`)
/// to `status_sizes.json` in [`criterion_dir`].
fn record_sizes(sizes: &[(String, usize)]) {
    let body: Vec<String> = sizes
        .iter()
        .map(|(id, n)| {
            eprintln!("size {id}: {n} bytes");
            format!("\"{id}\": {n}")
        })
        .collect();
    let dir = criterion_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("status_sizes.json"),
        format!("{{{}}}\n", body.join(", ")),
    )
    .unwrap();
}

fn status(c: &mut Criterion<Clock>) {
    let w = dock::workload();
    let pairs = w.disclosed_pairs();
    let mut prover_rng = rng();
    let mut verifier_rng = rng();
    let f = Fixture::new(&w, OTHERS);
    let value = *vb_value(&f);
    let element = f.element();

    // Correctness before timing.
    let mut tampered = w.messages[w.disclosed[0]].clone();
    tampered[0] ^= 1;
    let mut tampered_pairs = pairs.clone();
    tampered_pairs[0].1 = &tampered;
    let other_value = f
        .registry
        .publish_removals(&[dock::other_member(0)])
        .final_value();
    let revoked = f.registry.publish_removals(&[element]);
    assert!(revoked.update_single(&f.witness, &element).is_err());
    assert!(revoked.update_omega(&f.witness, &element).is_err());
    let mut sizes = Vec::new();
    for s in Status::ALL {
        let id = s.id();
        let proof =
            dock::proof_gen(&f, s, &value, &f.witness, &w.disclosed, &mut prover_rng).unwrap();
        assert!(
            dock::proof_verify(&f, s, &value, &proof, &pairs, &mut verifier_rng),
            "{id}: does not verify"
        );
        assert!(
            !dock::proof_verify(&f, s, &value, &proof, &tampered_pairs, &mut verifier_rng),
            "{id}: verifies with a changed disclosed message"
        );
        if s != Status::BbsOnly {
            assert!(
                !dock::proof_verify(&f, s, &other_value, &proof, &pairs, &mut verifier_rng),
                "{id}: verifies against another accumulator value"
            );
            let stale = revoked.final_value();
            let bad = dock::proof_gen(&f, s, &stale, &f.witness, &w.disclosed, &mut prover_rng);
            let refused = match bad {
                Err(e) => format!("generation fails ({e:?})"),
                Ok(bad) => {
                    assert!(
                        !dock::proof_verify(&f, s, &stale, &bad, &pairs, &mut verifier_rng),
                        "{id}: a revoked credential's proof verifies"
                    );
                    "proof generated, verification fails".to_string()
                }
            };
            eprintln!("revoked {id}: {refused}");
        }
        sizes.push((id.to_string(), proof.len()));
    }

    let zf = zs::Fixture::new(&w);
    let zvalue = zf.value;
    let (z_other_value, _) = zf.update(&zs::removals(1)).unwrap();
    let (z_revoked_value, z_revoked) = zf.update(&[Change::Remove(zf.element.clone())]).unwrap();
    let refused = zf.witness.update_vartime(&zf.element, &zvalue, &z_revoked);
    assert!(matches!(refused, Err(Error::ElementRemoved)), "{refused:?}");
    for s in zs::Status::ALL {
        let id = s.id();
        let proof = zs::prove(&zf, s, zvalue, &zf.witness, &w.disclosed, &mut prover_rng).unwrap();
        assert!(
            zs::verify(&zf, s, zvalue, &proof, &pairs),
            "{id}: does not verify"
        );
        assert!(
            !zs::verify(&zf, s, zvalue, &proof, &tampered_pairs),
            "{id}: verifies with a changed disclosed message"
        );
        if s == zs::Status::Membership {
            assert!(
                !zs::verify(&zf, s, z_other_value, &proof, &pairs),
                "{id}: verifies against another accumulator value"
            );
            let bad = zs::prove(
                &zf,
                s,
                z_revoked_value,
                &zf.witness,
                &w.disclosed,
                &mut prover_rng,
            )
            .unwrap();
            assert!(
                !zs::verify(&zf, s, z_revoked_value, &bad, &pairs),
                "{id}: a revoked credential's proof verifies"
            );
            eprintln!("revoked {id}: proof generated, verification fails");
        }
        sizes.push((id.to_string(), proof.len()));
    }

    let mut g = group(c, &format!("status_prove/{}", w.id()), 1);
    for s in Status::ALL {
        g.bench_function(s.id(), |b| {
            b.iter(|| {
                dock::proof_gen(
                    black_box(&f),
                    s,
                    &value,
                    &f.witness,
                    &w.disclosed,
                    &mut prover_rng,
                )
                .unwrap()
            })
        });
    }
    for s in zs::Status::ALL {
        g.bench_function(s.id(), |b| {
            b.iter(|| {
                zs::prove(
                    black_box(&zf),
                    s,
                    zvalue,
                    &zf.witness,
                    &w.disclosed,
                    &mut prover_rng,
                )
                .unwrap()
            })
        });
    }
    g.finish();

    let mut g = group(c, &format!("status_verify/{}", w.id()), 1);
    for s in Status::ALL {
        let proof =
            dock::proof_gen(&f, s, &value, &f.witness, &w.disclosed, &mut prover_rng).unwrap();
        g.bench_function(s.id(), |b| {
            b.iter(|| {
                assert!(dock::proof_verify(
                    &f,
                    s,
                    &value,
                    black_box(&proof),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    for s in zs::Status::ALL {
        let proof = zs::prove(&zf, s, zvalue, &zf.witness, &w.disclosed, &mut prover_rng).unwrap();
        g.bench_function(s.id(), |b| {
            b.iter(|| assert!(zs::verify(&zf, s, zvalue, black_box(&proof), &pairs)))
        });
    }
    g.finish();

    let mut g = group(c, &format!("status_verify_batch{BATCH}/{}", w.id()), BATCH);
    g.sample_size(10);
    for s in Status::ALL {
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| {
                dock::proof_gen(&f, s, &value, &f.witness, &w.disclosed, &mut prover_rng).unwrap()
            })
            .collect();
        g.bench_function(s.id(), |b| {
            b.iter(|| {
                assert!(dock::proof_verify_each(
                    &f,
                    s,
                    &value,
                    black_box(&batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    for s in zs::Status::ALL {
        let id = s.id();
        let batch: Vec<Vec<u8>> = (0..BATCH)
            .map(|_| zs::prove(&zf, s, zvalue, &zf.witness, &w.disclosed, &mut prover_rng).unwrap())
            .collect();
        assert!(zs::verify_batch(&zf, s, &batch, &pairs, &mut verifier_rng));
        let mut spoiled = batch.clone();
        *spoiled[BATCH / 2].last_mut().unwrap() ^= 1;
        assert!(
            !zs::verify_batch(&zf, s, &spoiled, &pairs, &mut verifier_rng),
            "{id}: a batch with a changed proof verifies"
        );
        g.bench_function(id, |b| {
            b.iter(|| {
                assert!(zs::verify_batch(
                    &zf,
                    s,
                    black_box(&batch),
                    &pairs,
                    &mut verifier_rng
                ))
            })
        });
    }
    g.finish();

    for k in WITNESS_UPDATES {
        let removed: Vec<_> = (0..k).map(dock::other_member).collect();
        let published = f.registry.publish_removals(&removed);
        let after = published.final_value();
        let single = published.update_single(&f.witness, &element).unwrap();
        let omega = published.update_omega(&f.witness, &element).unwrap();
        assert_eq!(single, omega, "{k}: the two update paths differ");
        assert!(f.registry.verify_membership(&after, &element, &single));
        assert!(!f.registry.verify_membership(&value, &element, &single));
        assert!(!f.registry.verify_membership(&after, &element, &f.witness));

        let (z_after, z_update) = zf.update(&zs::removals(k)).unwrap();
        let z_updated = zf
            .witness
            .update_vartime(&zf.element, &zvalue, &z_update)
            .unwrap();
        assert!(z_updated.verify(&zf.pk, &z_after, &zf.element));
        assert!(!z_updated.verify(&zf.pk, &zvalue, &zf.element));
        assert!(!zf.witness.verify(&zf.pk, &z_after, &zf.element));
        if k == 1 {
            assert_eq!(z_updated, zf.sk.witness(&z_after, &zf.element).unwrap());
        }

        let mut g = group(c, &format!("status_witness_update/{k}"), 1);
        if k >= 10_000 {
            g.sample_size(10);
        }
        g.bench_function("dock_single", |b| {
            b.iter(|| {
                published
                    .update_single(black_box(&f.witness), &element)
                    .unwrap()
            })
        });
        g.bench_function("dock_omega", |b| {
            b.iter(|| {
                published
                    .update_omega(black_box(&f.witness), &element)
                    .unwrap()
            })
        });
        g.bench_function("zkcred", |b| {
            b.iter(|| {
                black_box(&zf.witness)
                    .update_vartime(&zf.element, &zvalue, &z_update)
                    .unwrap()
            })
        });
        g.finish();
    }

    let removed: Vec<_> = (0..REGISTRY_REMOVALS).map(dock::other_member).collect();
    let expected = f.registry.publish_removals(&removed).final_value();
    let mut members = f.registry.members.clone();
    let (acc, omega) = dock::remove_batch_and_omega(&f.registry, &mut members, &removed).unwrap();
    assert_eq!(*vb_acc_value(&acc), expected);
    let mut members_again = members.clone();
    assert!(
        dock::remove_batch(&f.registry, &mut members_again, &removed[..1]).is_err(),
        "removing an absent member succeeds"
    );
    let updated = f
        .witness
        .update_using_public_info_after_batch_updates(&[], &removed, &omega, &element)
        .unwrap();
    assert!(f.registry.verify_membership(&expected, &element, &updated));
    let z_changes = zs::removals(REGISTRY_REMOVALS);
    let (z_after, z_update) = zf.update(&z_changes).unwrap();
    assert_eq!(z_update.len(), REGISTRY_REMOVALS);
    assert_eq!(z_update.value(&zvalue), z_after);
    let z_updated = zf
        .witness
        .update_vartime(&zf.element, &zvalue, &z_update)
        .unwrap();
    assert!(z_updated.verify(&zf.pk, &z_after, &zf.element));
    let mut omega_bytes = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_compressed(&omega, &mut omega_bytes).unwrap();
    sizes.push((
        format!("zkcred_update_{REGISTRY_REMOVALS}"),
        z_update.to_bytes().len(),
    ));
    sizes.push((format!("dock_omega_{REGISTRY_REMOVALS}"), omega_bytes.len()));
    let mut g = group(
        c,
        &format!("status_accumulator_update/{REGISTRY_REMOVALS}"),
        1,
    );
    g.bench_function("dock_remove_batch", |b| {
        b.iter_batched_ref(
            || f.registry.members.clone(),
            |members| dock::remove_batch(&f.registry, members, black_box(&removed)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("dock_remove_batch_omega", |b| {
        b.iter_batched_ref(
            || f.registry.members.clone(),
            |members| {
                dock::remove_batch_and_omega(&f.registry, members, black_box(&removed)).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("zkcred", |b| {
        b.iter(|| zf.update(black_box(&z_changes)).unwrap())
    });
    g.finish();

    record_sizes(&sizes);
}

/// The registry's current accumulator value.
fn vb_value(f: &Fixture) -> &ark_bls12_381::G1Affine {
    vb_acc_value(&f.registry.accumulator)
}

/// An accumulator's value.
fn vb_acc_value(
    acc: &vb_accumulator::prelude::PositiveAccumulator<ark_bls12_381::G1Affine>,
) -> &ark_bls12_381::G1Affine {
    use vb_accumulator::prelude::Accumulator;
    acc.value()
}

/// The harness's entry point, `benches()`, measured with the clock
/// `ZKCRED_BENCH_CLOCK` selects. In a private module because
/// `criterion_group!` makes an undocumented `pub fn`.
mod harness {
    use super::*;

    criterion_group!(name = benches; config = Clock::criterion(); targets = status);
}

criterion_main!(harness::benches);
