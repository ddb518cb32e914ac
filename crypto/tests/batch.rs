//! Batch verification gives every proof exactly the per-proof result: mixed
//! keys, suites and message counts, with 0, 1, 2 or many forgeries in random
//! positions, including forgeries that pass the challenge and fail only the
//! pairing (proofs made from a forged signature).

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::sync::OnceLock;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkcred_crypto::bbs::{self, BatchItem, Proof, SecretKey, Signature, Suite, VerifierKey};
use zkcred_crypto::curve::G1Affine;
use zkcred_crypto::{Error, Scalar};

struct Case {
    suite: Suite,
    key: usize,
    proof: Proof,
    header: Vec<u8>,
    ph: Vec<u8>,
    disclosed: Vec<(usize, Scalar)>,
}

struct Pool {
    keys: Vec<VerifierKey>,
    good: Vec<Case>,
    /// Proofs of knowledge of a forged signature: consistent challenge,
    /// failing pairing equation.
    forged: Vec<Case>,
}

fn make_case(rng: &mut StdRng, suite: Suite, key: usize, sk: &SecretKey, forge: bool) -> Case {
    let pk = sk.public_key();
    let l = rng.gen_range(1..=12);
    let msgs: Vec<Scalar> = (0..l).map(|_| Scalar::random(rng)).collect();
    let header = format!("type-{}", rng.gen_range(0..3)).into_bytes();
    let ph: Vec<u8> = (0..16).map(|_| rng.gen()).collect();
    let sig = if forge {
        let a = G1Affine::generator()
            .to_projective()
            .mul_ct(&Scalar::random(rng))
            .to_affine();
        let mut bytes = [0u8; 80];
        bytes[..48].copy_from_slice(&a.to_compressed());
        bytes[48..].copy_from_slice(&Scalar::random(rng).to_be_bytes());
        Signature::from_bytes(&bytes).unwrap()
    } else {
        bbs::core::sign(suite, sk, &pk, &header, &msgs).unwrap()
    };
    let idx: Vec<usize> = (0..l).filter(|_| rng.gen_bool(0.3)).collect();
    let proof = bbs::core::proof_gen(suite, &pk, &sig, &header, &ph, &msgs, &idx, rng).unwrap();
    let disclosed = idx.iter().map(|&i| (i, msgs[i])).collect();
    Case {
        suite,
        key,
        proof,
        header,
        ph,
        disclosed,
    }
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(2026);
        let sks: Vec<SecretKey> = (0..3).map(|_| SecretKey::random(&mut rng)).collect();
        let keys = sks
            .iter()
            .map(|sk| VerifierKey::new(sk.public_key()))
            .collect();
        let mut good = Vec::new();
        let mut forged = Vec::new();
        for i in 0..36 {
            let (suite, k) = (Suite::ALL[i % 2], i % 3);
            good.push(make_case(&mut rng, suite, k, &sks[k], false));
            if i % 3 == 0 {
                forged.push(make_case(&mut rng, suite, k, &sks[k], true));
            }
        }
        Pool { keys, good, forged }
    })
}

fn item<'a>(p: &'a Pool, c: &'a Case) -> BatchItem<'a> {
    BatchItem {
        suite: c.suite,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &p.keys[c.key],
        proof: &c.proof,
        header: &c.header,
        ph: &c.ph,
        disclosed: &c.disclosed,
    }
}

fn single(it: &BatchItem<'_>) -> Result<(), Error> {
    bbs::core::proof_verify(
        it.suite,
        it.key.public_key(),
        it.proof,
        it.header,
        it.ph,
        it.disclosed,
    )
}

#[test]
fn forged_proofs_fail_only_the_pairing() {
    let p = pool();
    for c in &p.forged {
        let it = item(p, c);
        assert_eq!(single(&it), Err(Error::VerificationFailed));
    }
    for c in &p.good {
        single(&item(p, c)).unwrap();
    }
}

/// A tampered view of a good case: its disclosed value changed (challenge
/// fails) or it is checked against another key.
enum Bad {
    Forged(usize),
    WrongValue,
    WrongKey(usize),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn batch_equals_per_proof(
        picks in prop::collection::vec(0usize..36, 1..40),
        bad in prop::collection::vec((0usize..3, 0usize..100, 0usize..1000), 0..6),
        seed in any::<u64>(),
    ) {
        let p = pool();
        let mut cases: Vec<(usize, Option<Bad>)> = picks.iter().map(|&i| (i, None)).collect();
        for (kind, pos, which) in bad {
            let b = match kind {
                0 => Bad::Forged(which % p.forged.len()),
                1 => Bad::WrongValue,
                _ => Bad::WrongKey(which),
            };
            let at = pos % (cases.len() + 1);
            cases.insert(at, (which % p.good.len(), Some(b)));
        }
        let changed: Vec<Vec<(usize, Scalar)>> = cases
            .iter()
            .map(|(i, _)| {
                let mut d = p.good[*i].disclosed.clone();
                if let Some(first) = d.first_mut() {
                    first.1 += Scalar::ONE;
                } else {
                    d.push((0, Scalar::ONE));
                }
                d
            })
            .collect();
        let items: Vec<BatchItem<'_>> = cases
            .iter()
            .zip(&changed)
            .map(|((i, b), ch)| match b {
                None => item(p, &p.good[*i]),
                Some(Bad::Forged(f)) => item(p, &p.forged[*f]),
                Some(Bad::WrongValue) => BatchItem { disclosed: ch, ..item(p, &p.good[*i]) },
                Some(Bad::WrongKey(k)) => {
                    let c = &p.good[*i];
                    BatchItem { key: &p.keys[(c.key + 1 + k % 2) % 3], ..item(p, c) }
                }
            })
            .collect();
        let want: Vec<Result<(), Error>> = items.iter().map(single).collect();
        let got = bbs::verify_batch(&items, &mut StdRng::seed_from_u64(seed));
        prop_assert_eq!(&got, &want);
        let par = bbs::verify_batch_parallel(&items);
        prop_assert_eq!(&par, &want);
        for (c, r) in cases.iter().zip(&got) {
            prop_assert_eq!(c.1.is_none(), r.is_ok());
        }
    }
}

#[test]
fn many_forgeries_in_a_large_batch() {
    let p = pool();
    let mut rng = StdRng::seed_from_u64(5);
    let mut items = Vec::new();
    let mut expect = Vec::new();
    for _ in 0..150 {
        if rng.gen_bool(0.1) {
            items.push(item(p, &p.forged[rng.gen_range(0..p.forged.len())]));
            expect.push(false);
        } else {
            items.push(item(p, &p.good[rng.gen_range(0..p.good.len())]));
            expect.push(true);
        }
    }
    let got = bbs::verify_batch(&items, &mut rng);
    let ok: Vec<bool> = got.iter().map(Result::is_ok).collect();
    assert_eq!(ok, expect);
    assert!(bbs::verify_batch(&[], &mut rng).is_empty());
}
