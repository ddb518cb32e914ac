//! A verification workload to profile (`valgrind --tool=callgrind`, `perf`):
//! `n` proofs of `messages` messages with `disclosed` disclosed, decoded and
//! batch-verified `rounds` times.
//!
//! `cargo run --release -p zkcred-crypto --example verify_profile -- \
//!     [messages=18] [disclosed=1] [n=16] [rounds=20]`

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use zkcred_crypto::bbs::{self, BatchItem, Proof, Suite, VerifierKey};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (l, k, n, rounds) = (arg(1, 18), arg(2, 1), arg(3, 16), arg(4, 20));
    let suite = Suite::Bls12381Sha256;
    let mut rng = StdRng::seed_from_u64(7);
    let sk = bbs::keygen(suite, &[7u8; 32], b"profile", None).expect("keygen");
    let pk = sk.public_key();
    let msgs: Vec<Vec<u8>> = (0..l)
        .map(|i| format!("message {i}").into_bytes())
        .collect();
    let disclosed: Vec<usize> = (0..k).collect();
    let sig = bbs::sign(suite, &sk, &pk, b"header", &msgs).expect("sign");
    let bytes: Vec<Vec<u8>> = (0..n)
        .map(|_| {
            bbs::proof_gen(
                suite, &pk, &sig, b"header", b"ph", &msgs, &disclosed, &mut rng,
            )
            .expect("proof_gen")
            .to_bytes()
        })
        .collect();
    let pairs: Vec<(usize, zkcred_crypto::Scalar)> = disclosed
        .iter()
        .map(|&i| (i, bbs::map_message_to_scalar(suite, &msgs[i])))
        .collect();
    let vk = VerifierKey::new(pk);
    let started = Instant::now();
    let mut decoding = std::time::Duration::ZERO;
    for _ in 0..rounds {
        let t = Instant::now();
        let proofs: Vec<Proof> = bytes
            .iter()
            .map(|b| Proof::from_bytes(b).expect("decode"))
            .collect();
        decoding += t.elapsed();
        let items: Vec<BatchItem<'_>> = proofs
            .iter()
            .map(|proof| BatchItem {
                suite,
                generators: zkcred_crypto::bbs::MessageGenerators::Plain,
                key: &vk,
                proof,
                header: b"header",
                ph: b"ph",
                disclosed: &pairs,
            })
            .collect();
        let results = bbs::verify_batch(&items, &mut rng);
        assert!(results.iter().all(Result::is_ok));
    }
    let proofs = (rounds * n) as u32;
    let per = started.elapsed() / proofs;
    let decode = decoding / proofs;
    println!(
        "{l} messages, {k} disclosed, batches of {n}: {per:?} per proof \
         ({decode:?} decoding, {:?} verifying)",
        per.saturating_sub(decode)
    );
}
