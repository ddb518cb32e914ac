//! Cross-implementation tests of the pseudonym draft: zkcred-crypto's
//! `nym` module against zkryptium 0.8's `bbsplus_nym` feature, an
//! independent implementation of the same editor's copy.
//!
//! Each direction runs the draft's whole flow with one implementation on
//! one side and the other on the other side: commitments made by one are
//! signed by the other, signatures checked and nym secrets finalized by
//! both, proofs made by one verified by the other, pseudonyms compared.
//! Signing is deterministic, so both issuers must produce the same octets.
//! Cases come from a seeded RNG: `ZKCRED_CROSS_SEED=<u64>` replays one
//! (the seed is printed), `ZKCRED_CROSS_CASES=<n>` sets the number per
//! suite and direction. zkryptium draws its own commitment and proof
//! randomness internally, so its octets do not replay; every input does.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing test

use std::sync::OnceLock;

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use zkcred_crypto::bbs::{Proof, SecretKey, Signature, Suite};
use zkcred_crypto::blind::{CommitmentWithProof, SecretProverBlind};
use zkcred_crypto::nym::{self, NymSecrets, Pseudonym, SignerNymEntropy};
use zkcred_crypto::Error;
use zkryptium::bbsplus::ciphersuites::{BbsCiphersuite, Bls12381Sha256, Bls12381Shake256};
use zkryptium::bbsplus::commitment::BlindFactor;
use zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
use zkryptium::bbsplus::pseudonym::{BBSplusPseudonym, PseudonymSecret};
use zkryptium::schemes::algorithms::BBSplus;
use zkryptium::schemes::generics::{BlindSignature, Commitment, PoKSignature};

const DEFAULT_CASES: usize = 8;

fn base_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| match std::env::var("ZKCRED_CROSS_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ZKCRED_CROSS_SEED={s:?} is not a u64")),
        Err(_) => rand::random(),
    })
}

fn cases() -> usize {
    std::env::var("ZKCRED_CROSS_CASES")
        .ok()
        .map(|s| {
            s.trim()
                .parse()
                .expect("ZKCRED_CROSS_CASES is not a number")
        })
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

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let mut v = vec![0u8; rng.gen_range(0..=max)];
    rng.fill_bytes(&mut v);
    v
}

/// One case's inputs.
struct Case {
    messages: Vec<Vec<u8>>,
    committed: Vec<Vec<u8>>,
    header: Vec<u8>,
    ph: Vec<u8>,
    ctx: Vec<u8>,
    n: usize,
    disclosed: Vec<usize>,
    disclosed_committed: Vec<usize>,
    sk: SecretKey,
    entropy: SignerNymEntropy,
    prover_nyms: NymSecrets,
}

impl Case {
    fn new(rng: &mut StdRng) -> Case {
        let messages: Vec<Vec<u8>> = (0..rng.gen_range(0..6))
            .map(|_| random_bytes(rng, 48))
            .collect();
        let committed: Vec<Vec<u8>> = (0..rng.gen_range(0..4))
            .map(|_| random_bytes(rng, 48))
            .collect();
        let disclosed = (0..messages.len()).filter(|_| rng.gen_bool(0.5)).collect();
        let disclosed_committed = (0..committed.len()).filter(|_| rng.gen_bool(0.5)).collect();
        let n = rng.gen_range(1..=4);
        Case {
            header: random_bytes(rng, 32),
            ph: random_bytes(rng, 32),
            ctx: random_bytes(rng, 32),
            disclosed,
            disclosed_committed,
            sk: SecretKey::random(rng),
            entropy: SignerNymEntropy::random(rng),
            prover_nyms: NymSecrets::random(n, rng).unwrap(),
            n,
            messages,
            committed,
        }
    }

    fn zk_keys(&self) -> (BBSplusSecretKey, BBSplusPublicKey) {
        let sk = BBSplusSecretKey::from_bytes(self.sk.to_bytes().as_ref()).unwrap();
        let pk = BBSplusPublicKey::from_bytes(&self.sk.public_key().to_bytes()).unwrap();
        (sk, pk)
    }

    fn zk_nyms(s: &NymSecrets) -> Vec<PseudonymSecret> {
        s.to_bytes()
            .iter()
            .map(|b| PseudonymSecret::from_bytes(b).unwrap())
            .collect()
    }

    fn zk_entropy(&self) -> PseudonymSecret {
        PseudonymSecret::from_bytes(&self.entropy.to_bytes()).unwrap()
    }

    fn pairs<'a>(list: &'a [Vec<u8>], idx: &[usize]) -> Vec<(usize, &'a [u8])> {
        idx.iter().map(|&i| (i, list[i].as_slice())).collect()
    }

    fn picked(list: &[Vec<u8>], idx: &[usize]) -> Vec<Vec<u8>> {
        idx.iter().map(|&i| list[i].clone()).collect()
    }
}

/// zkryptium's side, generic over its ciphersuite type.
trait Zk {
    fn commit(c: &Case) -> (Vec<u8>, [u8; 32]);
    fn sign(c: &Case, cwp: &[u8]) -> Vec<u8>;
    fn finalize(c: &Case, sig: &[u8], blind: &[u8; 32]) -> Vec<[u8; 32]>;
    fn prove(
        c: &Case,
        sig: &[u8],
        nym_secrets: &NymSecrets,
        blind: &[u8; 32],
    ) -> (Vec<u8>, Vec<u8>);
    fn verify(c: &Case, proof: &[u8], pseudonym: &[u8], ctx: &[u8]) -> bool;
}

impl<CS: BbsCiphersuite> Zk for CS {
    fn commit(c: &Case) -> (Vec<u8>, [u8; 32]) {
        let (cwp, blind) = Commitment::<BBSplus<CS>>::commit_with_nym(
            Some(&c.committed),
            Case::zk_nyms(&c.prover_nyms),
        )
        .unwrap();
        (cwp.to_bytes(), blind.to_bytes())
    }

    fn sign(c: &Case, cwp: &[u8]) -> Vec<u8> {
        let (sk, pk) = c.zk_keys();
        BlindSignature::<BBSplus<CS>>::blind_sign_with_nym(
            &sk,
            &pk,
            Some(cwp),
            c.n,
            Some(&c.header),
            &c.zk_entropy(),
            Some(&c.messages),
        )
        .unwrap()
        .to_bytes()
        .to_vec()
    }

    fn finalize(c: &Case, sig: &[u8], blind: &[u8; 32]) -> Vec<[u8; 32]> {
        let (_, pk) = c.zk_keys();
        let sig = BlindSignature::<BBSplus<CS>>::from_bytes(sig.try_into().unwrap()).unwrap();
        sig.verify_finalize_with_nym(
            &pk,
            Some(&c.header),
            Some(&c.messages),
            Some(&c.committed),
            Case::zk_nyms(&c.prover_nyms),
            Some(&c.zk_entropy()),
            Some(&BlindFactor::from_bytes(blind).unwrap()),
        )
        .unwrap()
        .iter()
        .map(PseudonymSecret::to_bytes)
        .collect()
    }

    fn prove(
        c: &Case,
        sig: &[u8],
        nym_secrets: &NymSecrets,
        blind: &[u8; 32],
    ) -> (Vec<u8>, Vec<u8>) {
        let (_, pk) = c.zk_keys();
        let (proof, pseudonym) = PoKSignature::<BBSplus<CS>>::proof_gen_with_nym(
            &pk,
            sig,
            Some(&c.header),
            Some(&c.ph),
            &Case::zk_nyms(nym_secrets),
            &c.ctx,
            Some(&c.messages),
            Some(&c.committed),
            Some(&c.disclosed),
            Some(&c.disclosed_committed),
            Some(&BlindFactor::from_bytes(blind).unwrap()),
        )
        .unwrap();
        (proof.to_bytes(), pseudonym.to_bytes())
    }

    fn verify(c: &Case, proof: &[u8], pseudonym: &[u8], ctx: &[u8]) -> bool {
        let (_, pk) = c.zk_keys();
        let proof = PoKSignature::<BBSplus<CS>>::from_bytes(proof).unwrap();
        let pseudonym = BBSplusPseudonym::from_bytes(pseudonym).unwrap();
        proof
            .proof_verify_with_nym(
                &pk,
                Some(&c.header),
                Some(&c.ph),
                &pseudonym,
                ctx,
                c.n,
                Some(c.messages.len()),
                Some(&Case::picked(&c.messages, &c.disclosed)),
                Some(&Case::picked(&c.committed, &c.disclosed_committed)),
                Some(&c.disclosed),
                Some(&c.disclosed_committed),
            )
            .is_ok()
    }
}

type CommitFn = fn(&Case) -> (Vec<u8>, [u8; 32]);
type SignFn = fn(&Case, &[u8]) -> Vec<u8>;
type FinalizeFn = fn(&Case, &[u8], &[u8; 32]) -> Vec<[u8; 32]>;
type ProveFn = fn(&Case, &[u8], &NymSecrets, &[u8; 32]) -> (Vec<u8>, Vec<u8>);
type VerifyFn = fn(&Case, &[u8], &[u8], &[u8]) -> bool;

/// zkryptium's operations for one suite.
struct ZkFns {
    commit: CommitFn,
    sign: SignFn,
    finalize: FinalizeFn,
    prove: ProveFn,
    verify: VerifyFn,
}

fn zk_fns<CS: BbsCiphersuite>() -> ZkFns {
    ZkFns {
        commit: <CS as Zk>::commit,
        sign: <CS as Zk>::sign,
        finalize: <CS as Zk>::finalize,
        prove: <CS as Zk>::prove,
        verify: <CS as Zk>::verify,
    }
}

fn zk_for(suite: Suite) -> ZkFns {
    match suite {
        Suite::Bls12381Sha256 => zk_fns::<Bls12381Sha256>(),
        Suite::Bls12381Shake256 => zk_fns::<Bls12381Shake256>(),
    }
}

/// Our issuer on a commitment's octets; must equal zkryptium's signature.
fn our_sign(suite: Suite, c: &Case, cwp: &[u8]) -> Signature {
    let cwp = CommitmentWithProof::from_bytes(cwp).unwrap();
    nym::blind_sign_with_nym(
        suite,
        &c.sk,
        &c.sk.public_key(),
        &cwp,
        c.n,
        &c.entropy,
        &c.header,
        &c.messages,
    )
    .unwrap()
}

fn our_verify(
    suite: Suite,
    c: &Case,
    proof: &[u8],
    pseudonym: &[u8],
    ctx: &[u8],
) -> Result<(), Error> {
    let proof = Proof::from_bytes(proof)?;
    let pseudonym = Pseudonym::from_bytes(pseudonym)?;
    nym::proof_verify_with_nym(
        suite,
        &c.sk.public_key(),
        &proof,
        &c.header,
        &c.ph,
        &pseudonym,
        ctx,
        c.n,
        c.messages.len(),
        &Case::pairs(&c.messages, &c.disclosed),
        &Case::pairs(&c.committed, &c.disclosed_committed),
    )
}

/// zkcred's holder, zkryptium's issuer and verifier.
#[test]
fn zkcred_holder_zkryptium_issuer_and_verifier() {
    let mut rng = test_rng("zkcred_holder_zkryptium_issuer_and_verifier");
    for suite in Suite::ALL {
        let zk = zk_for(suite);
        for _ in 0..cases() {
            let c = Case::new(&mut rng);
            let (cwp, blind) =
                nym::commit_with_nym(suite, &c.committed, &c.prover_nyms, &mut rng).unwrap();
            let sig = (zk.sign)(&c, &cwp.to_bytes());
            // Signing is deterministic: our issuer gives the same octets.
            assert_eq!(
                our_sign(suite, &c, &cwp.to_bytes()).to_bytes().to_vec(),
                sig
            );
            let sig = Signature::from_bytes(&sig).unwrap();
            let nym_secrets = nym::verify_finalize_with_nym(
                suite,
                &c.sk.public_key(),
                &sig,
                &c.header,
                &c.messages,
                &c.committed,
                &c.prover_nyms,
                &c.entropy,
                &blind,
            )
            .unwrap();
            let blind_bytes: [u8; 32] = *blind.to_bytes();
            let theirs = (zk.finalize)(&c, &sig.to_bytes(), &blind_bytes);
            assert_eq!(theirs, *nym_secrets.to_bytes());
            let (proof, pseudonym) = nym::proof_gen_with_nym(
                suite,
                &c.sk.public_key(),
                &sig,
                &c.header,
                &c.ph,
                &nym_secrets,
                &c.ctx,
                &c.messages,
                &c.committed,
                &c.disclosed,
                &c.disclosed_committed,
                &blind,
                &mut rng,
            )
            .unwrap();
            assert!((zk.verify)(
                &c,
                &proof.to_bytes(),
                &pseudonym.to_bytes(),
                &c.ctx
            ));
            let mut other = c.ctx.clone();
            other.push(1);
            assert!(!(zk.verify)(
                &c,
                &proof.to_bytes(),
                &pseudonym.to_bytes(),
                &other
            ));
            // zkryptium's own proof carries the same pseudonym.
            let (_, zk_pseudonym) = (zk.prove)(&c, &sig.to_bytes(), &nym_secrets, &blind_bytes);
            assert_eq!(zk_pseudonym, pseudonym.to_bytes().to_vec());
        }
    }
}

/// zkryptium's holder, zkcred's issuer and verifier.
#[test]
fn zkryptium_holder_zkcred_issuer_and_verifier() {
    let mut rng = test_rng("zkryptium_holder_zkcred_issuer_and_verifier");
    for suite in Suite::ALL {
        let zk = zk_for(suite);
        for _ in 0..cases() {
            let c = Case::new(&mut rng);
            let (cwp, blind) = (zk.commit)(&c);
            nym::verify_commitment(suite, &CommitmentWithProof::from_bytes(&cwp).unwrap()).unwrap();
            let sig = our_sign(suite, &c, &cwp);
            assert_eq!((zk.sign)(&c, &cwp), sig.to_bytes().to_vec());
            let theirs = (zk.finalize)(&c, &sig.to_bytes(), &blind);
            let nym_secrets = NymSecrets::from_bytes(&theirs).unwrap();
            let ours = nym::verify_finalize_with_nym(
                suite,
                &c.sk.public_key(),
                &sig,
                &c.header,
                &c.messages,
                &c.committed,
                &c.prover_nyms,
                &c.entropy,
                &SecretProverBlind::from_bytes(&blind).unwrap(),
            )
            .unwrap();
            assert_eq!(ours, nym_secrets);
            let (proof, pseudonym) = (zk.prove)(&c, &sig.to_bytes(), &nym_secrets, &blind);
            our_verify(suite, &c, &proof, &pseudonym, &c.ctx).unwrap();
            assert_eq!(
                pseudonym,
                nym::pseudonym_of(suite, &c.ctx, nym_secrets.as_scalars())
                    .unwrap()
                    .to_bytes()
                    .to_vec()
            );
            let mut other = c.ctx.clone();
            other.push(1);
            assert_eq!(
                our_verify(suite, &c, &proof, &pseudonym, &other),
                Err(Error::VerificationFailed)
            );
        }
    }
}
