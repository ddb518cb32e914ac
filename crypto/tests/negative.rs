//! Malformed input is rejected with a typed error, never a panic: bit flips,
//! identity and off-subgroup points, non-canonical scalars, bad lengths, bad
//! disclosed indexes.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkcred_crypto::bbs::{self, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::curve::{G1Affine, G2Affine};
use zkcred_crypto::{Error, Scalar};

const R_HEX: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
const P_HEX: &str = "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

struct Fixture {
    suite: Suite,
    pk: PublicKey,
    sig: Signature,
    header: Vec<u8>,
    ph: Vec<u8>,
    messages: Vec<Vec<u8>>,
    disclosed: Vec<usize>,
    proof: Proof,
}

fn fixture(suite: Suite, rng: &mut StdRng) -> Fixture {
    let sk = SecretKey::random(rng);
    let pk = sk.public_key();
    let messages: Vec<Vec<u8>> = (0..4)
        .map(|i| format!("attribute {i}").into_bytes())
        .collect();
    let header = b"zkcred test header".to_vec();
    let ph = b"challenge".to_vec();
    let sig = bbs::sign(suite, &sk, &pk, &header, &messages).unwrap();
    let disclosed = vec![1, 3];
    let proof = bbs::proof_gen(suite, &pk, &sig, &header, &ph, &messages, &disclosed, rng).unwrap();
    Fixture {
        suite,
        pk,
        sig,
        header,
        ph,
        messages,
        disclosed,
        proof,
    }
}

impl Fixture {
    fn disclosed(&self) -> Vec<(usize, &[u8])> {
        self.disclosed
            .iter()
            .map(|&i| (i, self.messages[i].as_slice()))
            .collect()
    }
    fn verify_bytes(&self, bytes: &[u8]) -> Result<(), Error> {
        let proof = Proof::from_bytes(bytes)?;
        bbs::proof_verify(
            self.suite,
            &self.pk,
            &proof,
            &self.header,
            &self.ph,
            &self.disclosed(),
        )
    }
}

#[test]
fn every_single_bit_flip_of_a_proof_is_rejected() {
    let mut rng = StdRng::seed_from_u64(7);
    for suite in Suite::ALL {
        let f = fixture(suite, &mut rng);
        let good = f.proof.to_bytes();
        f.verify_bytes(&good)
            .expect("the unmodified proof verifies");
        let mut rejected = 0;
        for bit in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            match f.verify_bytes(&bad) {
                Err(_) => rejected += 1,
                Ok(()) => panic!("{suite:?}: flipping bit {bit} left a valid proof"),
            }
        }
        assert_eq!(rejected, good.len() * 8);
    }
}

#[test]
fn every_single_bit_flip_of_a_signature_is_rejected() {
    let mut rng = StdRng::seed_from_u64(8);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    let good = f.sig.to_bytes();
    for bit in 0..good.len() * 8 {
        let mut bad = good;
        bad[bit / 8] ^= 1 << (bit % 8);
        let res = Signature::from_bytes(&bad)
            .and_then(|s| bbs::verify(f.suite, &f.pk, &s, &f.header, &f.messages));
        assert!(res.is_err(), "flipping signature bit {bit} left it valid");
    }
}

#[test]
fn wrong_lengths_are_typed_errors() {
    let mut rng = StdRng::seed_from_u64(9);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    let good = f.proof.to_bytes();
    for len in [
        0,
        1,
        100,
        271,
        good.len() - 1,
        good.len() + 1,
        good.len() + 31,
    ] {
        let mut b = good.clone();
        b.resize(len, 0);
        assert!(
            matches!(Proof::from_bytes(&b), Err(Error::InvalidProofLength(n)) if n == len),
            "proof of {len} bytes"
        );
    }
    // One scalar more is a well-formed proof for one more undisclosed
    // message: it decodes, then fails verification.
    let mut longer = good.clone();
    longer.splice(good.len() - 32..good.len() - 32, Scalar::ONE.to_be_bytes());
    assert_eq!(f.verify_bytes(&longer), Err(Error::VerificationFailed));
    let shorter = [&good[..good.len() - 64], &good[good.len() - 32..]].concat();
    // One scalar fewer: 3 messages in all, so disclosed index 3 is out of range.
    assert_eq!(
        f.verify_bytes(&shorter),
        Err(Error::IndexOutOfRange { index: 3, count: 3 })
    );

    let sig = f.sig.to_bytes();
    for len in [0, 79, 81, 48, 32] {
        let mut b = sig.to_vec();
        b.resize(len, 0);
        assert!(matches!(
            Signature::from_bytes(&b),
            Err(Error::InvalidLength { .. })
        ));
    }
    let pk = f.pk.to_bytes();
    assert!(matches!(
        PublicKey::from_bytes(&pk[..95]),
        Err(Error::InvalidLength { .. })
    ));
    assert!(matches!(
        PublicKey::from_bytes(&[pk.as_slice(), &[0]].concat()),
        Err(Error::InvalidLength { .. })
    ));
    assert!(matches!(
        SecretKey::from_bytes(&[1u8; 31]),
        Err(Error::InvalidLength { .. })
    ));
}

#[test]
fn identity_points_are_rejected() {
    let mut g1_inf = [0u8; 48];
    g1_inf[0] = 0xc0;
    let mut g2_inf = [0u8; 96];
    g2_inf[0] = 0xc0;
    assert_eq!(
        G1Affine::from_compressed(&g1_inf),
        Err(Error::IdentityPoint)
    );
    assert_eq!(
        PublicKey::from_bytes(&g2_inf).unwrap_err(),
        Error::IdentityPoint
    );
    let mut rng = StdRng::seed_from_u64(10);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    // Identity in A of a signature, and in each point of a proof.
    let mut sig = f.sig.to_bytes();
    sig[..48].copy_from_slice(&g1_inf);
    assert_eq!(Signature::from_bytes(&sig), Err(Error::IdentityPoint));
    for k in 0..3 {
        let mut p = f.proof.to_bytes();
        p[48 * k..48 * (k + 1)].copy_from_slice(&g1_inf);
        assert_eq!(
            Proof::from_bytes(&p),
            Err(Error::IdentityPoint),
            "proof point {k}"
        );
    }
}

/// Compressed encodings of small x coordinates: on the curve but (with
/// overwhelming probability, cofactor ~2^125) outside the subgroup, or off
/// the curve.
#[test]
fn off_subgroup_and_off_curve_points_are_rejected() {
    let (mut not_in_subgroup, mut not_on_curve) = (0, 0);
    for x in 1u8..=40 {
        let mut enc = [0u8; 48];
        enc[0] = 0x80;
        enc[47] = x;
        match G1Affine::from_compressed(&enc) {
            Err(Error::PointNotInSubgroup) => not_in_subgroup += 1,
            Err(Error::PointNotOnCurve) | Err(Error::InvalidPointEncoding) => not_on_curve += 1,
            other => panic!("x = {x}: unexpected {other:?}"),
        }
    }
    assert!(not_in_subgroup > 0 && not_on_curve > 0);

    let (mut g2_sub, mut g2_curve) = (0, 0);
    for x in 1u8..=40 {
        let mut enc = [0u8; 96];
        enc[0] = 0x80;
        enc[95] = x;
        match G2Affine::from_compressed(&enc) {
            Err(Error::PointNotInSubgroup) => g2_sub += 1,
            Err(Error::PointNotOnCurve) | Err(Error::InvalidPointEncoding) => g2_curve += 1,
            other => panic!("G2 x = {x}: unexpected {other:?}"),
        }
    }
    assert!(g2_sub > 0 && g2_curve > 0);

    // An off-subgroup point inside a proof is refused at decoding.
    let mut rng = StdRng::seed_from_u64(11);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    let bad_point = (1u8..=40)
        .map(|x| {
            let mut enc = [0u8; 48];
            enc[0] = 0x80;
            enc[47] = x;
            enc
        })
        .find(|e| G1Affine::from_compressed(e) == Err(Error::PointNotInSubgroup))
        .unwrap();
    let mut p = f.proof.to_bytes();
    p[48..96].copy_from_slice(&bad_point);
    assert_eq!(Proof::from_bytes(&p), Err(Error::PointNotInSubgroup));
}

#[test]
fn non_canonical_coordinates_and_scalars_are_rejected() {
    // x = p (with the compression flag) is not a canonical field element.
    let mut enc = hex::decode(P_HEX).unwrap();
    enc[0] |= 0x80;
    assert_eq!(
        G1Affine::from_compressed(&enc),
        Err(Error::InvalidPointEncoding)
    );

    let r: [u8; 32] = hex::decode(R_HEX).unwrap().try_into().unwrap();
    assert_eq!(Scalar::from_be_bytes(&r), Err(Error::NonCanonicalScalar));
    assert_eq!(
        Scalar::from_be_bytes(&[0xff; 32]),
        Err(Error::NonCanonicalScalar)
    );
    assert!(matches!(
        SecretKey::from_bytes(&r),
        Err(Error::NonCanonicalScalar)
    ));
    assert!(matches!(
        SecretKey::from_bytes(&[0u8; 32]),
        Err(Error::ZeroScalar)
    ));

    let mut rng = StdRng::seed_from_u64(12);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    let mut sig = f.sig.to_bytes();
    sig[48..].copy_from_slice(&r);
    assert_eq!(Signature::from_bytes(&sig), Err(Error::NonCanonicalScalar));
    sig[48..].copy_from_slice(&[0u8; 32]);
    assert_eq!(Signature::from_bytes(&sig), Err(Error::ZeroScalar));
    // r + k as e is the same residue as k: accepting it would make signatures malleable.
    let proof = f.proof.to_bytes();
    for k in 0..(proof.len() - 144) / 32 {
        let mut p = proof.clone();
        p[144 + 32 * k..144 + 32 * (k + 1)].copy_from_slice(&r);
        assert_eq!(
            Proof::from_bytes(&p),
            Err(Error::NonCanonicalScalar),
            "proof scalar {k}"
        );
    }
}

#[test]
fn disclosed_indexes_are_checked() {
    let mut rng = StdRng::seed_from_u64(13);
    let f = fixture(Suite::Bls12381Shake256, &mut rng);
    let gen = |idx: &[usize], rng: &mut StdRng| {
        bbs::proof_gen(
            f.suite,
            &f.pk,
            &f.sig,
            &f.header,
            &f.ph,
            &f.messages,
            idx,
            rng,
        )
    };
    assert_eq!(
        gen(&[4], &mut rng).unwrap_err(),
        Error::IndexOutOfRange { index: 4, count: 4 }
    );
    assert_eq!(
        gen(&[1, 1], &mut rng).unwrap_err(),
        Error::DuplicateIndex(1)
    );
    // The draft's octet-string interface takes indexes ascending: anything
    // else is refused by ProofGen and ProofVerify alike...
    assert_eq!(
        gen(&[3, 0], &mut rng).unwrap_err(),
        Error::IndexesNotAscending {
            previous: 3,
            next: 0
        }
    );
    let p = gen(&[0, 3], &mut rng).unwrap();
    let ascending = [(0, f.messages[0].as_slice()), (3, f.messages[3].as_slice())];
    bbs::proof_verify(f.suite, &f.pk, &p, &f.header, &f.ph, &ascending).unwrap();
    let reversed = [ascending[1], ascending[0]];
    assert_eq!(
        bbs::proof_verify(f.suite, &f.pk, &p, &f.header, &f.ph, &reversed),
        Err(Error::IndexesNotAscending {
            previous: 3,
            next: 0
        })
    );
    // ...while the scalar interface, which the credential layer uses, takes
    // any order and means the same set.
    let scalars = bbs::messages_to_scalars(f.suite, &f.messages);
    let any_order = [(3, scalars[3]), (0, scalars[0])];
    bbs::core::proof_verify(f.suite, &f.pk, &p, &f.header, &f.ph, &any_order).unwrap();
    let p2 = bbs::core::proof_gen(
        f.suite,
        &f.pk,
        &f.sig,
        &f.header,
        &f.ph,
        &scalars,
        &[3, 0],
        &mut rng,
    )
    .unwrap();
    bbs::proof_verify(f.suite, &f.pk, &p2, &f.header, &f.ph, &ascending).unwrap();

    let ok = f.disclosed();
    let verify =
        |d: &[(usize, &[u8])]| bbs::proof_verify(f.suite, &f.pk, &f.proof, &f.header, &f.ph, d);
    verify(&ok).unwrap();
    let repeated = [ok[0], ok[0]];
    assert_eq!(verify(&repeated), Err(Error::DuplicateIndex(ok[0].0)));
    let out_of_range = [ok[0], (7, ok[1].1)];
    assert_eq!(
        verify(&out_of_range),
        Err(Error::IndexOutOfRange { index: 7, count: 4 })
    );
    let moved = [ok[0], (2, ok[1].1)];
    assert_eq!(verify(&moved), Err(Error::VerificationFailed));
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = StdRng::seed_from_u64(14);
    let f = fixture(Suite::Bls12381Sha256, &mut rng);
    for _ in 0..300 {
        let len = rng.gen_range(0..700);
        let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        assert!(f.verify_bytes(&bytes).is_err());
        assert!(Signature::from_bytes(&bytes).is_err());
        assert!(PublicKey::from_bytes(&bytes).is_err());
    }
}

#[test]
fn too_many_messages_is_an_error() {
    let mut rng = StdRng::seed_from_u64(15);
    let sk = SecretKey::random(&mut rng);
    let msgs = vec![Scalar::ONE; bbs::MAX_MESSAGES + 1];
    assert!(matches!(
        bbs::core::sign(Suite::Bls12381Sha256, &sk, &sk.public_key(), b"", &msgs),
        Err(Error::TooManyMessages { .. })
    ));
}
