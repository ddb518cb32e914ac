//! Fixture files made by another implementation (zkryptium 0.8), with its
//! own random blinding, pass `zkcred bbs conformance`: signatures are
//! re-signed byte for byte (signing is deterministic), proofs are judged by
//! verification, and a peer proof marked invalid is rejected.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::path::Path;
use std::process::Command;

use rand::{Rng, RngCore, SeedableRng};
use serde_json::{json, Value};
use zkryptium::bbsplus::ciphersuites::{BbsCiphersuite, Bls12381Sha256, Bls12381Shake256};
use zkryptium::keys::pair::KeyPair;
use zkryptium::schemes::algorithms::BBSplus;
use zkryptium::schemes::generics::{PoKSignature, Signature};

/// Writes `count` signature and proof files made by zkryptium under `dir`.
fn peer_files<CS: BbsCiphersuite>(dir: &Path, rng: &mut impl RngCore, count: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for n in 0..count {
        let mut km = [0u8; 32];
        rng.fill_bytes(&mut km);
        let kp = KeyPair::<BBSplus<CS>>::generate(&km, Some(b"peer"), None).unwrap();
        let (sk, pk) = (kp.private_key().to_bytes(), kp.public_key().to_bytes());
        let messages: Vec<Vec<u8>> = (0..rng.gen_range(1..8))
            .map(|_| {
                let mut m = vec![0u8; rng.gen_range(0..40)];
                rng.fill_bytes(&mut m);
                m
            })
            .collect();
        let header = format!("peer header {n}").into_bytes();
        let ph = format!("peer challenge {n}").into_bytes();
        let sig = Signature::<BBSplus<CS>>::sign(
            Some(messages.as_slice()),
            kp.private_key(),
            kp.public_key(),
            Some(header.as_slice()),
        )
        .unwrap()
        .to_bytes();
        let disclosed: Vec<usize> = (0..messages.len()).filter(|_| rng.gen_bool(0.5)).collect();
        let proof = PoKSignature::<BBSplus<CS>>::proof_gen(
            kp.public_key(),
            &sig[..],
            Some(header.as_slice()),
            Some(ph.as_slice()),
            Some(messages.as_slice()),
            Some(disclosed.as_slice()),
        )
        .unwrap()
        .to_bytes();
        let hexes = |v: &[Vec<u8>]| v.iter().map(hex::encode).collect::<Vec<_>>();
        let write = |name: String, v: Value| {
            std::fs::write(dir.join(name), serde_json::to_string_pretty(&v).unwrap()).unwrap()
        };
        write(
            format!("peer-signature{n:02}.json"),
            json!({
                "caseName": format!("zkryptium signature {n}"),
                "signerKeyPair": {"secretKey": hex::encode(sk), "publicKey": hex::encode(pk)},
                "header": hex::encode(&header),
                "messages": hexes(&messages),
                "signature": hex::encode(sig),
                "result": {"valid": true},
                "generator": "zkryptium 0.8",
            }),
        );
        let proof_case = json!({
            "caseName": format!("zkryptium proof {n}"),
            "signerPublicKey": hex::encode(pk),
            "signature": hex::encode(sig),
            "header": hex::encode(&header),
            "presentationHeader": hex::encode(&ph),
            "messages": hexes(&messages),
            "disclosedIndexes": disclosed,
            "proof": hex::encode(&proof),
            "result": {"valid": true},
        });
        write(format!("peer-proof{n:02}.json"), proof_case.clone());
        // The same proof under another presentation header: invalid.
        let mut wrong = proof_case;
        wrong["caseName"] = json!(format!("zkryptium proof {n}, other presentation header"));
        wrong["presentationHeader"] = json!(hex::encode(b"another challenge"));
        wrong["result"] = json!({"valid": false, "reason": "different presentation header"});
        write(format!("peer-proof{n:02}-invalid.json"), wrong);
    }
}

#[test]
fn peer_made_signatures_and_proofs_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_0010);
    let per_suite = 6;
    peer_files::<Bls12381Sha256>(&tmp.path().join("bls12-381-sha-256"), &mut rng, per_suite);
    peer_files::<Bls12381Shake256>(&tmp.path().join("bls12-381-shake-256"), &mut rng, per_suite);
    let out = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(["bbs", "conformance"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let files = 2 * per_suite * 3;
    assert!(
        stdout
            .lines()
            .any(|l| l == format!("{files} passed, 0 failed, 0 skipped")),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("PASS")).collect();
    assert_eq!(lines.len(), files);
    for l in lines {
        let expected = if l.contains("-invalid.json") {
            "[rejected as expected (different presentation header)"
        } else if l.contains("peer-proof") {
            "[verified only: the file records no random scalars"
        } else {
            "[verified; re-signed byte for byte"
        };
        assert!(l.contains(expected), "{l}");
    }
    // The extra `generator` field is reported, not a reason to skip.
    assert!(
        stdout.contains("(note: field `generator` is not read by this runner)"),
        "{stdout}"
    );
}
