//! Sign, verify, prove and verify proofs over random inputs, through both the
//! octet-string and the scalar interfaces.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkcred_crypto::bbs::{self, SecretKey, Suite};
use zkcred_crypto::{Error, Scalar};

#[test]
fn octet_messages_roundtrip_and_tamper() {
    let mut rng = StdRng::seed_from_u64(1);
    for case in 0..40 {
        let suite = Suite::ALL[case % 2];
        let sk = SecretKey::random(&mut rng);
        let pk = sk.public_key();
        let n = rng.gen_range(1..=20);
        let messages: Vec<Vec<u8>> = (0..n)
            .map(|_| (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect())
            .collect();
        let header: Vec<u8> = (0..rng.gen_range(0..40)).map(|_| rng.gen()).collect();
        let sig = bbs::sign(suite, &sk, &pk, &header, &messages).unwrap();
        bbs::verify(suite, &pk, &sig, &header, &messages).unwrap();
        let disclosed: Vec<usize> = (0..n).filter(|_| rng.gen_bool(0.4)).collect();
        let ph = format!("nonce {case}").into_bytes();
        let proof = bbs::proof_gen(
            suite, &pk, &sig, &header, &ph, &messages, &disclosed, &mut rng,
        )
        .unwrap();
        let d: Vec<(usize, &[u8])> = disclosed
            .iter()
            .map(|&i| (i, messages[i].as_slice()))
            .collect();
        bbs::proof_verify(suite, &pk, &proof, &header, &ph, &d).unwrap();
        // The proof does not verify under the other suite, another ph, or a changed value.
        let other = Suite::ALL[(case + 1) % 2];
        assert_eq!(
            bbs::proof_verify(other, &pk, &proof, &header, &ph, &d),
            Err(Error::VerificationFailed)
        );
        assert_eq!(
            bbs::proof_verify(suite, &pk, &proof, &header, b"other", &d),
            Err(Error::VerificationFailed)
        );
        if let Some(&(i, _)) = d.first() {
            let mut changed = d.clone();
            changed[0] = (i, b"forged value");
            assert_eq!(
                bbs::proof_verify(suite, &pk, &proof, &header, &ph, &changed),
                Err(Error::VerificationFailed)
            );
        }
    }
}

#[test]
fn scalar_messages_roundtrip() {
    let mut rng = StdRng::seed_from_u64(2);
    let sk = SecretKey::random(&mut rng);
    let pk = sk.public_key();
    // Days since 1970 (negative before), integers at the edges.
    let messages = [
        Scalar::from_i64(-25_567),
        Scalar::from_i64(20_000),
        Scalar::from_i64(i64::MAX),
        Scalar::from_i64(i64::MIN),
        Scalar::ZERO,
        bbs::map_message_to_scalar(Suite::Bls12381Sha256, b"Zhang San"),
    ];
    for suite in Suite::ALL {
        let sig = bbs::core::sign(suite, &sk, &pk, b"h", &messages).unwrap();
        bbs::core::verify(suite, &pk, &sig, b"h", &messages).unwrap();
        let proof =
            bbs::core::proof_gen(suite, &pk, &sig, b"h", b"ph", &messages, &[0, 3], &mut rng)
                .unwrap();
        bbs::core::proof_verify(
            suite,
            &pk,
            &proof,
            b"h",
            b"ph",
            &[(0, messages[0]), (3, messages[3])],
        )
        .unwrap();
        assert_eq!(
            bbs::core::proof_verify(
                suite,
                &pk,
                &proof,
                b"h",
                b"ph",
                &[(0, Scalar::from_i64(-25_566)), (3, messages[3])]
            ),
            Err(Error::VerificationFailed)
        );
    }
}

#[test]
fn proofs_are_unlinkable_in_form() {
    // Two proofs of the same signature share no bytes in their points.
    let mut rng = StdRng::seed_from_u64(3);
    let sk = SecretKey::random(&mut rng);
    let pk = sk.public_key();
    let msgs = [b"a".to_vec(), b"b".to_vec()];
    let sig = bbs::sign(Suite::Bls12381Sha256, &sk, &pk, b"", &msgs).unwrap();
    let p1 = bbs::proof_gen(
        Suite::Bls12381Sha256,
        &pk,
        &sig,
        b"",
        b"",
        &msgs,
        &[0],
        &mut rng,
    )
    .unwrap();
    let p2 = bbs::proof_gen(
        Suite::Bls12381Sha256,
        &pk,
        &sig,
        b"",
        b"",
        &msgs,
        &[0],
        &mut rng,
    )
    .unwrap();
    assert_ne!(p1.to_bytes()[..144], p2.to_bytes()[..144]);
}

#[test]
fn keygen_checks_its_inputs() {
    let s = Suite::Bls12381Sha256;
    assert!(matches!(
        bbs::keygen(s, &[0u8; 31], b"", None),
        Err(Error::KeyMaterialTooShort)
    ));
    assert!(matches!(
        bbs::keygen(s, &[0u8; 32], &vec![0u8; 65536], None),
        Err(Error::KeyInfoTooLong)
    ));
    let a = bbs::keygen(s, &[1u8; 32], b"info", None).unwrap();
    let b = bbs::keygen(Suite::Bls12381Shake256, &[1u8; 32], b"info", None).unwrap();
    assert_ne!(a, b, "the default key DST is per suite");
    assert_eq!(format!("{a:?}"), "SecretKey(..)");
}
