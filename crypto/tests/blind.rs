//! Blind-signed credentials through the crate: the issuance flow the
//! credential layer uses (a holder secret as the one committed message),
//! refusals (tampered commitments, malformed octets, the blind disclosed,
//! shapes that do not fit), and blind credentials in batches and composite
//! proofs beside plain ones.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use zkcred_crypto::bbs::{
    core, verify_batch, BatchItem, MessageGenerators, Proof, ProverCredential, PublicKey,
    SecretKey, Signature, Suite, VerifierKey,
};
use zkcred_crypto::blind::{self, CommitmentWithProof, SecretProverBlind, COMMITMENT_BASE_LEN};
use zkcred_crypto::composite::{
    self, CompositeItem, CompositeProof, MessageRef, ProverPart, RangeClaim, Relations,
    VerifierPart,
};
use zkcred_crypto::{Error, Scalar};

const SUITE: Suite = Suite::Bls12381Sha256;

/// An issued blind credential: signer messages as integers, one committed
/// holder secret.
struct Issued {
    pk: PublicKey,
    vk: VerifierKey,
    sig: Signature,
    header: Vec<u8>,
    messages: Vec<Scalar>,
    secret: Scalar,
    blind: SecretProverBlind,
    pc: ProverCredential,
}

impl Issued {
    fn which(&self) -> MessageGenerators {
        MessageGenerators::blind(self.messages.len(), 1)
    }
    fn secret_index(&self) -> usize {
        self.which().committed_message_index(0).unwrap()
    }
}

/// The flow the credential layer follows: the holder commits to its secret,
/// the issuer checks the commitment and signs its own messages with it,
/// the holder checks the signature while preparing the credential.
fn issue(suite: Suite, values: &[i64], secret: Scalar, rng: &mut StdRng) -> Issued {
    let sk = SecretKey::random(rng);
    let pk = sk.public_key();
    let header = b"blind credential header".to_vec();
    let (cwp, blind) = blind::core::commit(suite, &[secret], rng).unwrap();
    // Over the wire and back.
    let cwp = CommitmentWithProof::from_bytes(&cwp.to_bytes()).unwrap();
    assert_eq!(cwp.committed_message_count(), 1);
    let messages: Vec<Scalar> = values.iter().map(|v| Scalar::from_i64(*v)).collect();
    let sig = blind::core::blind_sign(suite, &sk, &pk, Some(&cwp), &header, &messages).unwrap();
    let sig = Signature::from_bytes(&sig.to_bytes()).unwrap();
    blind::core::blind_verify(suite, &pk, &sig, &header, &messages, &[secret], &blind).unwrap();
    let pc = ProverCredential::new_blind(
        suite,
        &pk,
        &sig,
        &header,
        messages.clone(),
        vec![secret],
        &blind,
    )
    .unwrap();
    Issued {
        vk: VerifierKey::new(pk.clone()),
        pk,
        sig,
        header,
        messages,
        secret,
        blind,
        pc,
    }
}

#[test]
fn holder_secret_issuance_and_presentation() {
    let mut rng = StdRng::seed_from_u64(7);
    for suite in Suite::ALL {
        let secret = Scalar::random(&mut rng);
        let c = issue(suite, &[19900101, 42, 7], secret, &mut rng);
        assert_eq!(c.pc.generators(), c.which());
        assert_eq!(c.pc.message_count(), 5);
        // Disclose signer message 1; the secret stays hidden.
        let proof = c.pc.prove(b"nonce", &[1], &mut rng).unwrap();
        let proof = Proof::from_bytes(&proof.to_bytes()).unwrap();
        let disclosed = [(1, c.messages[1])];
        c.vk.proof_verify_with(suite, c.which(), &proof, &c.header, b"nonce", &disclosed)
            .unwrap();
        core::proof_verify_with(
            suite,
            c.which(),
            &c.pk,
            &proof,
            &c.header,
            b"nonce",
            &disclosed,
        )
        .unwrap();
        // Disclosing the committed secret is possible (index L + 1)...
        let idx = c.secret_index();
        assert_eq!(idx, 4);
        let p2 = c.pc.prove(b"nonce", &[idx], &mut rng).unwrap();
        c.vk.proof_verify_with(
            suite,
            c.which(),
            &p2,
            &c.header,
            b"nonce",
            &[(idx, c.secret)],
        )
        .unwrap();
        // ...the wrong secret is not.
        assert_eq!(
            c.vk.proof_verify_with(
                suite,
                c.which(),
                &p2,
                &c.header,
                b"nonce",
                &[(idx, c.secret + Scalar::ONE)]
            ),
            Err(Error::VerificationFailed)
        );
        // Under the plain list, or another split of the same count, it fails.
        assert_eq!(
            c.vk.proof_verify(suite, &proof, &c.header, b"nonce", &disclosed),
            Err(Error::VerificationFailed)
        );
        assert_eq!(
            c.vk.proof_verify_with(
                suite,
                MessageGenerators::blind(2, 2),
                &proof,
                &c.header,
                b"nonce",
                &disclosed
            ),
            Err(Error::VerificationFailed)
        );
        // A shape whose count differs is refused as such.
        assert_eq!(
            c.vk.proof_verify_with(
                suite,
                MessageGenerators::blind(3, 2),
                &proof,
                &c.header,
                b"nonce",
                &disclosed
            ),
            Err(Error::MessageCountMismatch {
                expected: 6,
                got: 5
            })
        );
        // The same secret, the wrong blind: the holder's check refuses.
        let wrong = SecretProverBlind::random(&mut rng);
        assert_eq!(
            blind::core::blind_verify(
                suite,
                &c.pk,
                &c.sig,
                &c.header,
                &c.messages,
                &[secret],
                &wrong
            ),
            Err(Error::VerificationFailed)
        );
        assert!(ProverCredential::new_blind(
            suite,
            &c.pk,
            &c.sig,
            &c.header,
            c.messages.clone(),
            vec![secret + Scalar::ONE],
            &c.blind,
        )
        .is_err());
    }
}

#[test]
fn the_secret_prover_blind_is_never_disclosed() {
    let mut rng = StdRng::seed_from_u64(8);
    let c = issue(SUITE, &[1, 2], Scalar::random(&mut rng), &mut rng);
    let l = c.which().secret_prover_blind_index().unwrap();
    assert_eq!(l, 2);
    assert_eq!(
        c.pc.prove(b"ph", &[0, l], &mut rng),
        Err(Error::SecretProverBlindDisclosed(l))
    );
    // A verifier is not asked to accept it either: a proof of the same
    // shape with the blind among the disclosed is refused before any check.
    let proof = c.pc.prove(b"ph", &[0, 3], &mut rng).unwrap();
    // Build a proof-shaped claim with index L disclosed (the proof has one
    // hidden message less than the credential has: 4 = 2 disclosed + 2).
    let blind_scalar = *c.blind.as_scalar();
    assert_eq!(
        c.vk.proof_verify_with(
            SUITE,
            c.which(),
            &proof,
            &c.header,
            b"ph",
            &[(0, c.messages[0]), (l, blind_scalar)]
        ),
        Err(Error::SecretProverBlindDisclosed(l))
    );
    assert_eq!(
        format!("{:?}", c.blind),
        "SecretProverBlind(<redacted>)",
        "Debug prints no secret"
    );
    let dbg = format!("{:?}", c.pc);
    assert!(dbg.contains("Blind") && !dbg.contains(&hex::encode(blind_scalar.to_be_bytes())));
}

#[test]
fn wrong_shapes_are_refused() {
    let mut rng = StdRng::seed_from_u64(9);
    let c = issue(SUITE, &[1, 2, 3], Scalar::random(&mut rng), &mut rng);
    let mut all = c.messages.clone();
    all.push(*c.blind.as_scalar());
    all.push(c.secret);
    // The full list under its own shape prepares; another count does not.
    ProverCredential::with_generators(SUITE, c.which(), &c.pk, &c.sig, &c.header, &all).unwrap();
    assert_eq!(
        ProverCredential::with_generators(SUITE, c.which(), &c.pk, &c.sig, &c.header, &all[..4])
            .err(),
        Some(Error::MessageCountMismatch {
            expected: 5,
            got: 4
        })
    );
    assert_eq!(
        core::verify_with(
            SUITE,
            MessageGenerators::blind(3, 1),
            &c.pk,
            &c.sig,
            &c.header,
            &all
        ),
        Ok(())
    );
    assert_eq!(
        core::verify_with(
            SUITE,
            MessageGenerators::blind(4, 0),
            &c.pk,
            &c.sig,
            &c.header,
            &all
        ),
        Err(Error::VerificationFailed)
    );
    let huge = MessageGenerators::blind(usize::MAX, 1);
    assert!(matches!(
        core::verify_with(SUITE, huge, &c.pk, &c.sig, &c.header, &all),
        Err(Error::MessageCountMismatch { .. })
    ));
    assert_eq!(huge.committed_message_index(0), None);
    assert_eq!(huge.message_count(), None);
    // The blind proof verifier: an L larger than the proof covers (up to
    // the largest there is).
    let proof0 = c.pc.prove(b"ph", &[], &mut rng).unwrap();
    assert_eq!(
        blind::blind_proof_verify(
            SUITE,
            &c.pk,
            &proof0,
            &c.header,
            b"ph",
            usize::MAX,
            &[],
            &[]
        ),
        Err(Error::MessageCountMismatch {
            expected: usize::MAX,
            got: 5
        })
    );
    let proof = c.pc.prove(b"ph", &[], &mut rng).unwrap();
    assert_eq!(
        blind::blind_proof_verify(SUITE, &c.pk, &proof, &c.header, b"ph", 9, &[], &[]),
        Err(Error::MessageCountMismatch {
            expected: 10,
            got: 5
        })
    );
}

fn commitment(rng: &mut StdRng, m: usize) -> (CommitmentWithProof, Vec<u8>) {
    let msgs: Vec<Vec<u8>> = (0..m).map(|i| vec![i as u8; 5]).collect();
    let (c, _) = blind::commit(SUITE, &msgs, rng).unwrap();
    let b = c.to_bytes();
    (c, b)
}

#[test]
fn malformed_commitment_octets_are_typed_errors() {
    let mut rng = StdRng::seed_from_u64(10);
    let (c, good) = commitment(&mut rng, 2);
    assert_eq!(good.len(), COMMITMENT_BASE_LEN + 64);
    assert_eq!(CommitmentWithProof::from_bytes(&good).unwrap(), c);
    // Lengths that are not 112 + 32 M.
    for len in [
        0,
        1,
        48,
        111,
        113,
        good.len() - 1,
        good.len() + 1,
        good.len() + 31,
    ] {
        let mut b = good.clone();
        b.resize(len, 7);
        assert!(
            matches!(
                CommitmentWithProof::from_bytes(&b),
                Err(Error::MalformedCommitment(_))
            ),
            "length {len}"
        );
    }
    // The identity commitment.
    let mut b = good.clone();
    b[..48].fill(0);
    b[0] = 0xc0;
    assert_eq!(
        CommitmentWithProof::from_bytes(&b),
        Err(Error::IdentityPoint)
    );
    // A point not on the curve / a bad encoding.
    let mut b = good.clone();
    b[0] &= 0x7f; // uncompressed flag: not the compressed form
    assert_eq!(
        CommitmentWithProof::from_bytes(&b),
        Err(Error::InvalidPointEncoding)
    );
    // Non-canonical and zero scalars, in every scalar position.
    for k in 0..4 {
        let at = 48 + 32 * k;
        let mut b = good.clone();
        b[at..at + 32].fill(0xff);
        assert_eq!(
            CommitmentWithProof::from_bytes(&b),
            Err(Error::NonCanonicalScalar),
            "scalar {k}"
        );
        b[at..at + 32].fill(0);
        assert_eq!(
            CommitmentWithProof::from_bytes(&b),
            Err(Error::ZeroScalar),
            "scalar {k}"
        );
    }
    // Random octets of plausible lengths never panic.
    for _ in 0..200 {
        let m = rng.gen_range(0..4);
        let mut b = vec![0u8; COMMITMENT_BASE_LEN + 32 * m];
        rng.fill_bytes(&mut b);
        let _ = CommitmentWithProof::from_bytes(&b);
    }
    // The blind's own decoder.
    assert!(matches!(
        SecretProverBlind::from_bytes(&[0u8; 31]),
        Err(Error::InvalidLength { .. })
    ));
    assert_eq!(
        SecretProverBlind::from_bytes(&[0xff; 32]),
        Err(Error::NonCanonicalScalar)
    );
}

#[test]
fn the_signer_refuses_tampered_commitments() {
    let mut rng = StdRng::seed_from_u64(11);
    let sk = SecretKey::random(&mut rng);
    let pk = sk.public_key();
    let (c, good) = commitment(&mut rng, 2);
    let msgs = [b"a".to_vec(), b"b".to_vec()];
    blind::blind_sign(SUITE, &sk, &pk, Some(&c), b"h", &msgs).unwrap();
    // Every scalar of the proof changed (kept canonical and non-zero).
    for k in 0..4 {
        let mut b = good.clone();
        b[48 + 32 * k + 31] ^= 1;
        let t = CommitmentWithProof::from_bytes(&b).unwrap();
        assert_eq!(
            t.verify(SUITE),
            Err(Error::InvalidCommitmentProof),
            "scalar {k}"
        );
        assert_eq!(
            blind::blind_sign(SUITE, &sk, &pk, Some(&t), b"h", &msgs),
            Err(Error::InvalidCommitmentProof)
        );
    }
    // Another commitment point with this proof.
    let (other, other_bytes) = commitment(&mut rng, 2);
    let mut b = good.clone();
    b[..48].copy_from_slice(&other_bytes[..48]);
    let t = CommitmentWithProof::from_bytes(&b).unwrap();
    assert_ne!(t, other);
    assert_eq!(
        blind::blind_sign(SUITE, &sk, &pk, Some(&t), b"h", &msgs),
        Err(Error::InvalidCommitmentProof)
    );
    // One m^ more or less: another M, the proof no longer fits.
    let mut longer = good[..good.len() - 32].to_vec();
    longer.extend_from_slice(&good[48..80]);
    longer.extend_from_slice(&good[good.len() - 32..]);
    let t = CommitmentWithProof::from_bytes(&longer).unwrap();
    assert_eq!(t.committed_message_count(), 3);
    assert_eq!(t.verify(SUITE), Err(Error::InvalidCommitmentProof));
    let mut shorter = good[..48 + 32 * 2].to_vec();
    shorter.extend_from_slice(&good[good.len() - 32..]);
    let t = CommitmentWithProof::from_bytes(&shorter).unwrap();
    assert_eq!(t.verify(SUITE), Err(Error::InvalidCommitmentProof));
    // The other suite's signer refuses it too.
    assert_eq!(
        c.verify(Suite::Bls12381Shake256),
        Err(Error::InvalidCommitmentProof)
    );
}

#[test]
fn blind_and_plain_proofs_in_one_batch() {
    let mut rng = StdRng::seed_from_u64(12);
    let blind_cred = issue(SUITE, &[5, 6, 7], Scalar::random(&mut rng), &mut rng);
    let sk = SecretKey::random(&mut rng);
    let pk = sk.public_key();
    let plain_msgs: Vec<Scalar> = (0..4).map(Scalar::from_u64).collect();
    let sig = core::sign(SUITE, &sk, &pk, b"plain", &plain_msgs).unwrap();
    let plain = ProverCredential::new(SUITE, &pk, &sig, b"plain", &plain_msgs).unwrap();
    let plain_vk = VerifierKey::new(pk);

    let bp = blind_cred.pc.prove(b"ph", &[0], &mut rng).unwrap();
    let pp = plain.prove(b"ph", &[1], &mut rng).unwrap();
    let bd = [(0, blind_cred.messages[0])];
    let pd = [(1, plain_msgs[1])];
    let item = |blind: bool, generators| BatchItem {
        suite: SUITE,
        generators,
        key: if blind { &blind_cred.vk } else { &plain_vk },
        proof: if blind { &bp } else { &pp },
        header: if blind { &blind_cred.header } else { b"plain" },
        ph: b"ph",
        disclosed: if blind { &bd } else { &pd },
    };
    let items = [
        item(true, blind_cred.which()),
        item(false, MessageGenerators::Plain),
        item(true, MessageGenerators::Plain),
        item(false, MessageGenerators::blind(2, 1)),
    ];
    let out = verify_batch(&items, &mut rng);
    assert_eq!(out[0], Ok(()));
    assert_eq!(out[1], Ok(()));
    assert_eq!(out[2], Err(Error::VerificationFailed));
    assert_eq!(out[3], Err(Error::VerificationFailed));
}

#[test]
fn a_holder_secret_shared_by_two_blind_credentials_in_one_composite_proof() {
    let mut rng = StdRng::seed_from_u64(13);
    let secret = Scalar::random(&mut rng);
    // Two issuers, two suites, the same holder secret; a birth date in the
    // first to claim a range on.
    let a = issue(Suite::Bls12381Sha256, &[19900101, 1], secret, &mut rng);
    let b = issue(Suite::Bls12381Shake256, &[7, 8, 9], secret, &mut rng);
    let other = issue(
        Suite::Bls12381Sha256,
        &[7],
        Scalar::random(&mut rng),
        &mut rng,
    );
    let rel = |x: usize, y: usize| Relations {
        equalities: vec![(
            MessageRef {
                credential: 0,
                index: x,
            },
            MessageRef {
                credential: 1,
                index: y,
            },
        )],
        ranges: vec![RangeClaim {
            message: MessageRef {
                credential: 0,
                index: 0,
            },
            min: None,
            max: Some(20000101),
            bits: 32,
        }],
        pseudonyms: Vec::new(),
        memberships: vec![],
    };
    let relations = rel(a.secret_index(), b.secret_index());
    let parts = [
        ProverPart {
            credential: &a.pc,
            disclosed: &[1],
        },
        ProverPart {
            credential: &b.pc,
            disclosed: &[2],
        },
    ];
    let proof = composite::prove(&parts, &relations, b"ph", &mut rng).unwrap();
    let proof = CompositeProof::from_bytes(&proof.to_bytes()).unwrap();
    let da = [(1, a.messages[1])];
    let db = [(2, b.messages[2])];
    let vparts = |ga, gb| {
        [
            VerifierPart {
                suite: Suite::Bls12381Sha256,
                generators: ga,
                key: &a.vk,
                header: &a.header,
                disclosed: &da,
            },
            VerifierPart {
                suite: Suite::Bls12381Shake256,
                generators: gb,
                key: &b.vk,
                header: &b.header,
                disclosed: &db,
            },
        ]
    };
    let good = vparts(a.which(), b.which());
    let item = CompositeItem {
        parts: &good,
        relations: &relations,
        ph: b"ph",
        proof: &proof,
    };
    composite::verify(&item).unwrap();
    assert_eq!(
        composite::verify_batch(&[item, item], &mut rng),
        [Ok(()), Ok(())]
    );
    // The verifier's generator list must be the credential's.
    let wrong = vparts(a.which(), MessageGenerators::Plain);
    assert!(composite::verify(&CompositeItem {
        parts: &wrong,
        ..item
    })
    .is_err());
    // Another claim (the blinds equal instead of the secrets) does not verify.
    let blinds = rel(
        a.which().secret_prover_blind_index().unwrap(),
        b.which().secret_prover_blind_index().unwrap(),
    );
    assert!(composite::verify(&CompositeItem {
        relations: &blinds,
        ..item
    })
    .is_err());
    // A holder without the same secret cannot claim it.
    let parts = [
        ProverPart {
            credential: &other.pc,
            disclosed: &[],
        },
        ProverPart {
            credential: &b.pc,
            disclosed: &[2],
        },
    ];
    let eq_only = Relations {
        equalities: rel(other.secret_index(), b.secret_index()).equalities,
        ranges: Vec::new(),
        pseudonyms: Vec::new(),
        memberships: vec![],
    };
    assert_eq!(
        composite::prove(&parts, &eq_only, b"ph", &mut rng).err(),
        Some(Error::InvalidStatement("the messages claimed equal differ"))
    );
    // Nor disclose a blind in a composite proof.
    let parts = [ProverPart {
        credential: &a.pc,
        disclosed: &[2],
    }];
    assert_eq!(
        composite::prove(&parts, &Relations::default(), b"ph", &mut rng).err(),
        Some(Error::SecretProverBlindDisclosed(2))
    );
}
