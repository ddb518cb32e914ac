//! Cross-implementation tests of the blind-signatures draft: zkcred-crypto
//! against zkryptium 0.8's `bbsplus_blind` feature, an independent
//! implementation of the same editor's copy.
//!
//! Each direction crosses the boundary at every step: a commitment made on
//! one side is signed on the other, the signature checked by the holder on
//! the first side, and a proof made on either side verified on the other.
//! Cases come from a seeded RNG; the seed is printed and can be fixed with
//! `ZKCRED_CROSS_SEED=<u64>` (as in `cross_zkryptium.rs`);
//! `ZKCRED_CROSS_CASES=<n>` changes the number of cases per test.
//!
//! zkryptium draws its commitment and proof blinding from the operating
//! system, so its outputs do not replay; every input to them does.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkcred_crypto::bbs::{
    MessageGenerators, Proof, ProverCredential, PublicKey, SecretKey, Signature, Suite,
};
use zkcred_crypto::blind::{self, CommitmentWithProof, SecretProverBlind};
use zkcred_crypto::Error;
use zkryptium::bbsplus::ciphersuites::{BbsCiphersuite, Bls12381Sha256, Bls12381Shake256};
use zkryptium::bbsplus::commitment::BlindFactor;
use zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
use zkryptium::schemes::algorithms::BBSplus;
use zkryptium::schemes::generics::{BlindSignature, Commitment, PoKSignature};

const DEFAULT_CASES: usize = 12;

fn base_seed() -> u64 {
    match std::env::var("ZKCRED_CROSS_SEED") {
        Ok(s) => {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            }
            .unwrap_or_else(|_| panic!("ZKCRED_CROSS_SEED={s:?} is not a u64"))
        }
        Err(_) => rand::random(),
    }
}

fn cases() -> usize {
    std::env::var("ZKCRED_CROSS_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn test_rng(test: &str) -> StdRng {
    let base = base_seed();
    println!("{test}: ZKCRED_CROSS_SEED={base}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in test.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    StdRng::seed_from_u64(base ^ h)
}

fn bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let n = rng.gen_range(0..=max);
    (0..n).map(|_| rng.gen()).collect()
}

/// One case: a key, the signer's and the holder's messages, what is
/// disclosed.
#[derive(Debug)]
struct Case {
    suite: Suite,
    sk: [u8; 32],
    header: Vec<u8>,
    ph: Vec<u8>,
    messages: Vec<Vec<u8>>,
    committed: Vec<Vec<u8>>,
    /// Whether the holder commits at all (with no committed message, it
    /// still may: a commitment to the blind alone).
    with_commitment: bool,
    disclosed: Vec<usize>,
    disclosed_committed: Vec<usize>,
}

impl Case {
    fn new(suite: Suite, rng: &mut StdRng) -> Case {
        let sk = *SecretKey::random(rng).to_bytes();
        let l = rng.gen_range(0..=8);
        let with_commitment = rng.gen_bool(0.85);
        let m = if with_commitment {
            rng.gen_range(0..=5)
        } else {
            0
        };
        let messages: Vec<Vec<u8>> = (0..l).map(|_| bytes(rng, 64)).collect();
        let committed: Vec<Vec<u8>> = (0..m).map(|_| bytes(rng, 64)).collect();
        let disclosed = (0..l).filter(|_| rng.gen_bool(0.5)).collect();
        let disclosed_committed = (0..m).filter(|_| rng.gen_bool(0.5)).collect();
        Case {
            suite,
            sk,
            header: bytes(rng, 40),
            ph: bytes(rng, 40),
            messages,
            committed,
            with_commitment,
            disclosed,
            disclosed_committed,
        }
    }

    fn keys(&self) -> (SecretKey, PublicKey) {
        let sk = SecretKey::from_bytes(&self.sk).unwrap();
        let pk = sk.public_key();
        (sk, pk)
    }

    fn pairs<'a>(list: &'a [Vec<u8>], idx: &[usize]) -> Vec<(usize, &'a [u8])> {
        idx.iter().map(|&i| (i, list[i].as_slice())).collect()
    }
}

/// zkryptium's side, for either suite.
mod zk {
    use super::*;

    fn keys(sk: &[u8; 32]) -> (BBSplusSecretKey, BBSplusPublicKey) {
        let sk = BBSplusSecretKey::from_bytes(sk).unwrap();
        let pk = sk.public_key();
        (sk, pk)
    }

    pub fn commit<CS: BbsCiphersuite>(committed: &[Vec<u8>]) -> (Vec<u8>, [u8; 32]) {
        let (c, b) = Commitment::<BBSplus<CS>>::commit(Some(committed)).unwrap();
        (c.to_bytes(), b.to_bytes())
    }

    pub fn try_blind_sign<CS: BbsCiphersuite>(
        case: &Case,
        cwp: Option<&[u8]>,
    ) -> Result<Vec<u8>, String> {
        let (sk, pk) = keys(&case.sk);
        BlindSignature::<BBSplus<CS>>::blind_sign(
            &sk,
            &pk,
            cwp,
            Some(&case.header),
            Some(&case.messages),
        )
        .map(|s| s.to_bytes().to_vec())
        .map_err(|e| e.to_string())
    }

    pub fn blind_sign<CS: BbsCiphersuite>(case: &Case, cwp: Option<&[u8]>) -> Vec<u8> {
        try_blind_sign::<CS>(case, cwp).unwrap()
    }

    pub fn verify<CS: BbsCiphersuite>(case: &Case, sig: &[u8], blind: &[u8; 32]) -> bool {
        let (_, pk) = keys(&case.sk);
        let sig = BlindSignature::<BBSplus<CS>>::from_bytes(sig.try_into().unwrap()).unwrap();
        let b = BlindFactor::from_bytes(blind).unwrap();
        sig.verify_blind_sign(
            &pk,
            Some(&case.header),
            Some(&case.messages),
            Some(&case.committed),
            Some(&b),
        )
        .is_ok()
    }

    pub fn proof_gen<CS: BbsCiphersuite>(case: &Case, sig: &[u8], blind: &[u8; 32]) -> Vec<u8> {
        let (_, pk) = keys(&case.sk);
        let b = BlindFactor::from_bytes(blind).unwrap();
        PoKSignature::<BBSplus<CS>>::blind_proof_gen(
            &pk,
            sig,
            Some(&case.header),
            Some(&case.ph),
            Some(&case.messages),
            Some(&case.committed),
            Some(&case.disclosed),
            Some(&case.disclosed_committed),
            Some(&b),
        )
        .unwrap()
        .to_bytes()
    }

    pub fn proof_verify<CS: BbsCiphersuite>(case: &Case, proof: &[u8], ph: &[u8]) -> bool {
        let (_, pk) = keys(&case.sk);
        let proof = PoKSignature::<BBSplus<CS>>::from_bytes(proof).unwrap();
        let msgs: Vec<Vec<u8>> = case
            .disclosed
            .iter()
            .map(|&i| case.messages[i].clone())
            .collect();
        let cmsgs: Vec<Vec<u8>> = case
            .disclosed_committed
            .iter()
            .map(|&j| case.committed[j].clone())
            .collect();
        proof
            .blind_proof_verify(
                &pk,
                Some(&case.header),
                Some(ph),
                Some(case.messages.len()),
                Some(&msgs),
                Some(&cmsgs),
                Some(&case.disclosed),
                Some(&case.disclosed_committed),
            )
            .is_ok()
    }
}

/// Dispatches a zkryptium call to the case's suite.
macro_rules! zk {
    ($case:expr, $f:ident($($a:expr),*)) => {
        match $case.suite {
            Suite::Bls12381Sha256 => zk::$f::<Bls12381Sha256>($($a),*),
            Suite::Bls12381Shake256 => zk::$f::<Bls12381Shake256>($($a),*),
        }
    };
}

/// The holder's side in zkcred: check the signature, prove, and have both
/// implementations verify the proof (and refuse it under another ph).
fn zkcred_holder(case: &Case, sig_bytes: &[u8], blind: &SecretProverBlind, rng: &mut StdRng) {
    let (_, pk) = case.keys();
    let sig = Signature::from_bytes(sig_bytes).unwrap();
    blind::blind_verify(
        case.suite,
        &pk,
        &sig,
        &case.header,
        &case.messages,
        &case.committed,
        blind,
    )
    .unwrap_or_else(|e| panic!("zkcred's holder rejects the signature: {e}\n{case:?}"));
    let proof = blind::blind_proof_gen(
        case.suite,
        &pk,
        &sig,
        &case.header,
        &case.ph,
        &case.messages,
        &case.committed,
        &case.disclosed,
        &case.disclosed_committed,
        blind,
        rng,
    )
    .unwrap();
    let bytes = proof.to_bytes();
    assert!(
        zk!(case, proof_verify(case, &bytes, &case.ph)),
        "zkryptium rejects zkcred's blind proof\n{case:?}"
    );
    assert!(!zk!(case, proof_verify(case, &bytes, b"another ph")));
    // The same through a prepared credential and the key cache.
    let cred = ProverCredential::new_blind(
        case.suite,
        &pk,
        &sig,
        &case.header,
        blind::messages_to_scalars(case.suite, &case.messages),
        blind::messages_to_scalars(case.suite, &case.committed),
        blind,
    )
    .unwrap();
    let which = MessageGenerators::blind(case.messages.len(), case.committed.len());
    assert_eq!(cred.generators(), which);
    let joined: Vec<usize> = case
        .disclosed
        .iter()
        .copied()
        .chain(
            case.disclosed_committed
                .iter()
                .map(|&j| which.committed_message_index(j).unwrap()),
        )
        .collect();
    let p2 = cred.prove(&case.ph, &joined, rng).unwrap();
    assert!(
        zk!(case, proof_verify(case, &p2.to_bytes(), &case.ph)),
        "zkryptium rejects a ProverCredential blind proof\n{case:?}"
    );
}

/// The verifier's side in zkcred, for a proof made by zkryptium.
fn zkcred_verifies(case: &Case, proof_bytes: &[u8]) {
    let (_, pk) = case.keys();
    let proof = Proof::from_bytes(proof_bytes).unwrap();
    assert_eq!(proof.to_bytes(), proof_bytes);
    let d = Case::pairs(&case.messages, &case.disclosed);
    let dc = Case::pairs(&case.committed, &case.disclosed_committed);
    let verify = |ph: &[u8]| {
        blind::blind_proof_verify(
            case.suite,
            &pk,
            &proof,
            &case.header,
            ph,
            case.messages.len(),
            &d,
            &dc,
        )
    };
    verify(&case.ph)
        .unwrap_or_else(|e| panic!("zkcred rejects zkryptium's blind proof: {e}\n{case:?}"));
    assert_eq!(verify(b"another ph"), Err(Error::VerificationFailed));
}

#[test]
fn zkryptium_commits_zkcred_signs() {
    let mut rng = test_rng("zkryptium_commits_zkcred_signs");
    for _ in 0..cases() {
        for suite in Suite::ALL {
            let case = Case::new(suite, &mut rng);
            let (sk, pk) = case.keys();
            let (cwp_bytes, blind_bytes) = if case.with_commitment {
                zk!(case, commit(&case.committed))
            } else {
                (Vec::new(), [0u8; 32])
            };
            let cwp = (!cwp_bytes.is_empty()).then(|| {
                let c = CommitmentWithProof::from_bytes(&cwp_bytes).unwrap_or_else(|e| {
                    panic!("zkcred cannot decode zkryptium's commitment: {e}\n{case:?}")
                });
                assert_eq!(c.to_bytes(), cwp_bytes);
                c
            });
            let sig =
                blind::blind_sign(suite, &sk, &pk, cwp.as_ref(), &case.header, &case.messages)
                    .unwrap_or_else(|e| {
                        panic!("zkcred refuses zkryptium's commitment: {e}\n{case:?}")
                    });
            // Signing is deterministic: zkryptium signs the same octets.
            let zk_sig = zk!(
                case,
                blind_sign(
                    &case,
                    (!cwp_bytes.is_empty()).then_some(cwp_bytes.as_slice())
                )
            );
            assert_eq!(sig.to_bytes().to_vec(), zk_sig, "{case:?}");
            assert!(
                zk!(case, verify(&case, &sig.to_bytes(), &blind_bytes)),
                "zkryptium's holder rejects zkcred's blind signature\n{case:?}"
            );
            // The zkryptium holder proves, zkcred verifies; and the reverse.
            let zk_proof = zk!(case, proof_gen(&case, &sig.to_bytes(), &blind_bytes));
            zkcred_verifies(&case, &zk_proof);
            let blind = SecretProverBlind::from_bytes(&blind_bytes).unwrap();
            zkcred_holder(&case, &sig.to_bytes(), &blind, &mut rng);
        }
    }
}

#[test]
fn zkcred_commits_zkryptium_signs() {
    let mut rng = test_rng("zkcred_commits_zkryptium_signs");
    for _ in 0..cases() {
        for suite in Suite::ALL {
            let case = Case::new(suite, &mut rng);
            let (cwp, blind) = if case.with_commitment {
                let (c, b) = blind::commit(suite, &case.committed, &mut rng).unwrap();
                (Some(c), b)
            } else {
                (None, SecretProverBlind::zero())
            };
            let cwp_bytes = cwp.as_ref().map(CommitmentWithProof::to_bytes);
            let zk_sig = zk!(case, blind_sign(&case, cwp_bytes.as_deref()));
            zkcred_holder(&case, &zk_sig, &blind, &mut rng);
            assert!(zk!(case, verify(&case, &zk_sig, &blind.to_bytes())));
            // The zkryptium holder's proof of the same signature verifies here.
            let zk_proof = zk!(case, proof_gen(&case, &zk_sig, &blind.to_bytes()));
            zkcred_verifies(&case, &zk_proof);
        }
    }
}

#[test]
fn a_tampered_commitment_is_refused_by_both_signers() {
    let mut rng = test_rng("a_tampered_commitment_is_refused_by_both_signers");
    for suite in Suite::ALL {
        let mut case = Case::new(suite, &mut rng);
        case.committed = vec![b"holder secret".to_vec()];
        let (sk, pk) = case.keys();
        let (cwp, _) = blind::commit(suite, &case.committed, &mut rng).unwrap();
        let good = cwp.to_bytes();
        // Flip a bit in s^ (octet 48 onwards is a scalar; keep it canonical by
        // touching the low octet).
        let mut bad = good.clone();
        bad[48 + 31] ^= 1;
        let bad_c = CommitmentWithProof::from_bytes(&bad).unwrap();
        assert_eq!(
            blind::blind_sign(suite, &sk, &pk, Some(&bad_c), &case.header, &case.messages),
            Err(Error::InvalidCommitmentProof)
        );
        let zk_refuses = zk!(case, try_blind_sign(&case, Some(bad.as_slice()))).is_err();
        assert!(zk_refuses, "zkryptium signs a tampered commitment");
        // The untampered one is signed by both, identically.
        let sig =
            blind::blind_sign(suite, &sk, &pk, Some(&cwp), &case.header, &case.messages).unwrap();
        assert_eq!(
            sig.to_bytes().to_vec(),
            zk!(case, blind_sign(&case, Some(good.as_slice())))
        );
    }
}
