//! The pseudonym draft end to end over random inputs: commit with nym,
//! blind sign with nym, verify and finalize, prove and verify with a
//! pseudonym; and the pseudonym's properties: the same for the same nym
//! secrets and context, different across contexts and across holders.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing test

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use zkcred_crypto::bbs::{Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::blind::SecretProverBlind;
use zkcred_crypto::nym::{self, NymSecrets, Pseudonym, SignerNymEntropy};
use zkcred_crypto::{Error, Scalar};

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let mut v = vec![0u8; rng.gen_range(0..=max)];
    rng.fill_bytes(&mut v);
    v
}

/// A holder's credential with nym secrets, issued through the draft's
/// three steps.
struct Holder {
    suite: Suite,
    pk: PublicKey,
    sig: Signature,
    header: Vec<u8>,
    messages: Vec<Vec<u8>>,
    committed: Vec<Vec<u8>>,
    blind: SecretProverBlind,
    nym_secrets: NymSecrets,
}

fn issue(suite: Suite, sk: &SecretKey, n: usize, rng: &mut StdRng) -> Holder {
    let pk = sk.public_key();
    let messages: Vec<Vec<u8>> = (0..rng.gen_range(0..5))
        .map(|_| random_bytes(rng, 40))
        .collect();
    let committed: Vec<Vec<u8>> = (0..rng.gen_range(0..4))
        .map(|_| random_bytes(rng, 40))
        .collect();
    let header = random_bytes(rng, 24);
    // Holder: its nyms and the commitment.
    let prover_nyms = NymSecrets::random(n, rng).unwrap();
    let (cwp, blind) = nym::commit_with_nym(suite, &committed, &prover_nyms, rng).unwrap();
    // Issuer: the commitment's octets, N, its own entropy.
    let cwp = zkcred_crypto::blind::CommitmentWithProof::from_bytes(&cwp.to_bytes()).unwrap();
    let entropy = SignerNymEntropy::random(rng);
    let sig =
        nym::blind_sign_with_nym(suite, sk, &pk, &cwp, n, &entropy, &header, &messages).unwrap();
    // Holder: checks the signature and learns its nym secrets.
    let nym_secrets = nym::verify_finalize_with_nym(
        suite,
        &pk,
        &sig,
        &header,
        &messages,
        &committed,
        &prover_nyms,
        &entropy,
        &blind,
    )
    .unwrap();
    assert_ne!(nym_secrets, prover_nyms);
    Holder {
        suite,
        pk,
        sig,
        header,
        messages,
        committed,
        blind,
        nym_secrets,
    }
}

struct Shown {
    proof: Proof,
    pseudonym: Pseudonym,
    disclosed: Vec<usize>,
    disclosed_committed: Vec<usize>,
    ph: Vec<u8>,
}

impl Holder {
    fn show(&self, ctx: &[u8], rng: &mut StdRng) -> Shown {
        let disclosed: Vec<usize> = (0..self.messages.len())
            .filter(|_| rng.gen_bool(0.5))
            .collect();
        let disclosed_committed: Vec<usize> = (0..self.committed.len())
            .filter(|_| rng.gen_bool(0.5))
            .collect();
        let ph = random_bytes(rng, 16);
        let (proof, pseudonym) = nym::proof_gen_with_nym(
            self.suite,
            &self.pk,
            &self.sig,
            &self.header,
            &ph,
            &self.nym_secrets,
            ctx,
            &self.messages,
            &self.committed,
            &disclosed,
            &disclosed_committed,
            &self.blind,
            rng,
        )
        .unwrap();
        Shown {
            proof,
            pseudonym,
            disclosed,
            disclosed_committed,
            ph,
        }
    }

    fn check(&self, s: &Shown, pseudonym: &Pseudonym, ctx: &[u8]) -> Result<(), Error> {
        let d: Vec<(usize, &[u8])> = s
            .disclosed
            .iter()
            .map(|&i| (i, self.messages[i].as_slice()))
            .collect();
        let dc: Vec<(usize, &[u8])> = s
            .disclosed_committed
            .iter()
            .map(|&j| (j, self.committed[j].as_slice()))
            .collect();
        // The verifier sees the octets only.
        let proof = Proof::from_bytes(&s.proof.to_bytes())?;
        let pseudonym = Pseudonym::from_bytes(&pseudonym.to_bytes())?;
        nym::proof_verify_with_nym(
            self.suite,
            &self.pk,
            &proof,
            &self.header,
            &s.ph,
            &pseudonym,
            ctx,
            self.nym_secrets.len(),
            self.messages.len(),
            &d,
            &dc,
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Two presentations to one verifier carry one pseudonym; a second
    /// verifier sees another; a second holder of the same issuer another
    /// again. Every proof verifies for its own context and pseudonym only.
    #[test]
    fn pseudonyms_link_per_verifier_only(seed in any::<u64>(), n in 1usize..5, shake in any::<bool>()) {
        let suite = if shake { Suite::Bls12381Shake256 } else { Suite::Bls12381Sha256 };
        let mut rng = StdRng::seed_from_u64(seed);
        let sk = SecretKey::random(&mut rng);
        let alice = issue(suite, &sk, n, &mut rng);
        let bob = issue(suite, &sk, n, &mut rng);
        let ctx_a = random_bytes(&mut rng, 32);
        let mut ctx_b = ctx_a.clone();
        ctx_b.push(rng.gen());

        let a1 = alice.show(&ctx_a, &mut rng);
        let a2 = alice.show(&ctx_a, &mut rng);
        let ab = alice.show(&ctx_b, &mut rng);
        let b1 = bob.show(&ctx_a, &mut rng);

        prop_assert_eq!(a1.pseudonym, a2.pseudonym);
        prop_assert_ne!(a1.proof.to_bytes(), a2.proof.to_bytes());
        prop_assert_ne!(a1.pseudonym, ab.pseudonym);
        prop_assert_ne!(a1.pseudonym, b1.pseudonym);
        prop_assert_eq!(
            a1.pseudonym,
            nym::pseudonym_of(suite, &ctx_a, alice.nym_secrets.as_scalars()).unwrap()
        );

        prop_assert_eq!(alice.check(&a1, &a1.pseudonym, &ctx_a), Ok(()));
        prop_assert_eq!(alice.check(&a2, &a2.pseudonym, &ctx_a), Ok(()));
        prop_assert_eq!(alice.check(&ab, &ab.pseudonym, &ctx_b), Ok(()));
        prop_assert_eq!(bob.check(&b1, &b1.pseudonym, &ctx_a), Ok(()));
        // Swapped pseudonyms and contexts.
        prop_assert_eq!(alice.check(&a1, &ab.pseudonym, &ctx_a), Err(Error::VerificationFailed));
        prop_assert_eq!(alice.check(&a1, &a1.pseudonym, &ctx_b), Err(Error::VerificationFailed));
        prop_assert_eq!(alice.check(&ab, &ab.pseudonym, &ctx_a), Err(Error::VerificationFailed));
        prop_assert_eq!(alice.check(&a1, &b1.pseudonym, &ctx_a), Err(Error::VerificationFailed));
        prop_assert_eq!(bob.check(&b1, &a1.pseudonym, &ctx_a), Err(Error::VerificationFailed));
    }

    /// The pseudonym function itself, over many more cases: deterministic,
    /// and different for another context, another secret or another order.
    #[test]
    fn pseudonym_of_is_a_function_of_secrets_and_context(
        seed in any::<u64>(),
        n in 1usize..6,
        ctx in prop::collection::vec(any::<u8>(), 0..48),
        shake in any::<bool>(),
    ) {
        let suite = if shake { Suite::Bls12381Shake256 } else { Suite::Bls12381Sha256 };
        let mut rng = StdRng::seed_from_u64(seed);
        let s = NymSecrets::random(n, &mut rng).unwrap();
        let p = nym::pseudonym_of(suite, &ctx, s.as_scalars()).unwrap();
        prop_assert_eq!(p, nym::pseudonym_of(suite, &ctx, s.as_scalars()).unwrap());
        let mut other_ctx = ctx.clone();
        other_ctx.push(0);
        prop_assert_ne!(p, nym::pseudonym_of(suite, &other_ctx, s.as_scalars()).unwrap());
        let other_suite = if shake { Suite::Bls12381Sha256 } else { Suite::Bls12381Shake256 };
        prop_assert_ne!(p, nym::pseudonym_of(other_suite, &ctx, s.as_scalars()).unwrap());
        let t = NymSecrets::random(n, &mut rng).unwrap();
        prop_assert_ne!(p, nym::pseudonym_of(suite, &ctx, t.as_scalars()).unwrap());
        let mut changed = s.as_scalars().to_vec();
        let k = rng.gen_range(0..n);
        changed[k] += Scalar::ONE;
        prop_assert_ne!(p, nym::pseudonym_of(suite, &ctx, &changed).unwrap());
        if n > 1 {
            let mut reversed = s.as_scalars().to_vec();
            reversed.reverse();
            if reversed != s.as_scalars() {
                prop_assert_ne!(p, nym::pseudonym_of(suite, &ctx, &reversed).unwrap());
            }
        }
        // One secret: the context point times it.
        let one = &s.as_scalars()[..1];
        let op = nym::context_point(suite, &ctx);
        prop_assert_eq!(
            *nym::pseudonym_of(suite, &ctx, one).unwrap().as_point(),
            op.to_projective().mul_ct(&one[0]).to_affine()
        );
    }
}

#[test]
fn issuance_refuses_bad_commitments_and_counts() {
    let mut rng = StdRng::seed_from_u64(7);
    for suite in Suite::ALL {
        let sk = SecretKey::random(&mut rng);
        let pk = sk.public_key();
        let prover_nyms = NymSecrets::random(2, &mut rng).unwrap();
        let (cwp, _) = nym::commit_with_nym(suite, &[b"m"], &prover_nyms, &mut rng).unwrap();
        let e = SignerNymEntropy::random(&mut rng);
        // N = 0, or more nyms than the commitment holds.
        assert!(nym::blind_sign_with_nym::<&[u8]>(suite, &sk, &pk, &cwp, 0, &e, b"", &[]).is_err());
        assert!(nym::blind_sign_with_nym::<&[u8]>(suite, &sk, &pk, &cwp, 4, &e, b"", &[]).is_err());
        // A blind-signatures commitment (another api_id) is refused.
        let (blind_cwp, _) =
            zkcred_crypto::blind::commit(suite, &[b"m", b"n", b"o"], &mut rng).unwrap();
        assert_eq!(
            nym::blind_sign_with_nym::<&[u8]>(suite, &sk, &pk, &blind_cwp, 2, &e, b"", &[]),
            Err(Error::InvalidCommitmentProof)
        );
        assert_eq!(
            nym::verify_commitment(suite, &blind_cwp),
            Err(Error::InvalidCommitmentProof)
        );
        nym::verify_commitment(suite, &cwp).unwrap();
        // A commitment of the other suite is refused.
        let other = Suite::ALL.into_iter().find(|s| *s != suite).unwrap();
        assert_eq!(
            nym::blind_sign_with_nym::<&[u8]>(other, &sk, &pk, &cwp, 2, &e, b"", &[]),
            Err(Error::InvalidCommitmentProof)
        );
    }
}

#[test]
fn absurd_counts_are_errors_not_panics() {
    let mut rng = StdRng::seed_from_u64(11);
    let suite = Suite::Bls12381Sha256;
    let sk = SecretKey::random(&mut rng);
    let h = issue(suite, &sk, 2, &mut rng);
    let s = h.show(b"ctx", &mut rng);
    for (n, l) in [
        (2, usize::MAX),
        (2, usize::MAX - 3),
        (usize::MAX, 0),
        (0, 0),
        (5000, 1),
    ] {
        let r = nym::proof_verify_with_nym(
            suite,
            &h.pk,
            &s.proof,
            &h.header,
            &s.ph,
            &s.pseudonym,
            b"ctx",
            n,
            l,
            &[],
            &[],
        );
        assert!(r.is_err(), "N = {n}, L = {l}");
    }
    // Disclosed indexes past their lists, or not ascending.
    let many = [(0usize, b"x".as_slice()), (0, b"y".as_slice())];
    for (d, dc) in [
        (&many[..1], &[(usize::MAX, b"x".as_slice())][..]),
        (&many[..], &[][..]),
    ] {
        let r = nym::proof_verify_with_nym(
            suite,
            &h.pk,
            &s.proof,
            &h.header,
            &s.ph,
            &s.pseudonym,
            b"ctx",
            h.nym_secrets.len(),
            h.messages.len(),
            d,
            dc,
        );
        assert!(r.is_err());
    }
}
