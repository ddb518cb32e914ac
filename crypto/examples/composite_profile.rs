//! A workload to profile composite verification: a 10-message credential,
//! 2 disclosed, one 32-bit range claim, verified `ROUNDS` times alone and in
//! batches of 64, next to the plain BBS proof. Prints mean times.
//!
//! `cargo run --release -p zkcred-crypto --example composite_profile`

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use rand::rngs::OsRng;
use zkcred_crypto::bbs::{self, core, ProverCredential, SecretKey, Suite, VerifierKey};
use zkcred_crypto::composite::{
    self, CompositeItem, MessageRef, ProverPart, RangeClaim, Relations, VerifierPart,
};
use zkcred_crypto::Scalar;

const SUITE: Suite = Suite::Bls12381Sha256;
const ROUNDS: usize = 200;

fn main() {
    let sk = SecretKey::random(&mut OsRng);
    let pk = sk.public_key();
    let messages: Vec<Scalar> = (0..10).map(|i| Scalar::from_i64(13_000 + i)).collect();
    let header = b"profile".to_vec();
    let sig = core::sign(SUITE, &sk, &pk, &header, &messages).unwrap();
    let pc = ProverCredential::new(SUITE, &pk, &sig, &header, &messages).unwrap();
    let vk = VerifierKey::new(pk);
    let disclosed = [0usize, 1];
    let pairs: Vec<(usize, Scalar)> = disclosed.iter().map(|&i| (i, messages[i])).collect();
    let rel = Relations {
        equalities: vec![],
        ranges: vec![RangeClaim {
            message: MessageRef {
                credential: 0,
                index: 5,
            },
            min: None,
            max: Some(20_000),
            bits: 32,
        }],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let parts = [ProverPart {
        credential: &pc,
        disclosed: &disclosed,
    }];
    let t = Instant::now();
    let proofs: Vec<_> = (0..64)
        .map(|_| composite::prove(&parts, &rel, b"ph", &mut OsRng).unwrap())
        .collect();
    println!(
        "prove composite: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 64.0
    );
    let t = Instant::now();
    let plain: Vec<_> = (0..64)
        .map(|_| pc.prove(b"ph", &disclosed, &mut OsRng).unwrap())
        .collect();
    println!(
        "prove plain:     {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / 64.0
    );
    println!(
        "size composite {} plain {}",
        proofs[0].to_bytes().len(),
        plain[0].to_bytes().len()
    );
    let vparts = [VerifierPart {
        suite: SUITE,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &vk,
        header: &header,
        disclosed: &pairs,
    }];
    let items: Vec<CompositeItem<'_>> = proofs
        .iter()
        .map(|p| CompositeItem {
            parts: &vparts,
            relations: &rel,
            ph: b"ph",
            proof: p,
        })
        .collect();
    // PROFILE=composite|plain N: only N verifications after one warm-up
    // (tables built), for instruction counts.
    if let Some(mode) = std::env::var_os("PROFILE") {
        let n: usize = std::env::args()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        composite::verify(&items[0]).unwrap();
        vk.proof_verify(SUITE, &plain[0], &header, b"ph", &pairs)
            .unwrap();
        for i in 0..n {
            if mode == "plain" {
                vk.proof_verify(SUITE, &plain[i % 64], &header, b"ph", &pairs)
                    .unwrap();
            } else {
                composite::verify(&items[i % 64]).unwrap();
            }
        }
        return;
    }
    let t = Instant::now();
    for i in 0..ROUNDS {
        composite::verify(&items[i % 64]).unwrap();
    }
    println!(
        "verify composite: {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / ROUNDS as f64
    );
    let t = Instant::now();
    for i in 0..ROUNDS {
        vk.proof_verify(SUITE, &plain[i % 64], &header, b"ph", &pairs)
            .unwrap();
    }
    println!(
        "verify plain:     {:.3} ms",
        t.elapsed().as_secs_f64() * 1e3 / ROUNDS as f64
    );
    let t = Instant::now();
    for _ in 0..5 {
        assert!(composite::verify_batch(&items, &mut OsRng)
            .iter()
            .all(|r| r.is_ok()));
    }
    println!(
        "batch64 composite: {:.3} ms/proof",
        t.elapsed().as_secs_f64() * 1e3 / 320.0
    );
    let bitems: Vec<bbs::BatchItem<'_>> = plain
        .iter()
        .map(|p| bbs::BatchItem {
            suite: SUITE,
            generators: zkcred_crypto::bbs::MessageGenerators::Plain,
            key: &vk,
            proof: p,
            header: &header,
            ph: b"ph",
            disclosed: &pairs,
        })
        .collect();
    let t = Instant::now();
    for _ in 0..5 {
        assert!(bbs::verify_batch(&bitems, &mut OsRng)
            .iter()
            .all(|r| r.is_ok()));
    }
    println!(
        "batch64 plain:     {:.3} ms/proof",
        t.elapsed().as_secs_f64() * 1e3 / 320.0
    );
}
