//! Every IETF BBS signatures vector (revisions 09/10, both ciphersuites)
//! passes: key pair, generators, hash-to-scalar, map-message-to-scalar,
//! mocked random scalars, signature001-010 and proof001-015. Valid signatures
//! and proofs are reproduced byte for byte (see `zkcred::conformance`). So
//! does every blind-signatures vector (generators, commit001-002,
//! signature001-005, proof001-008) and every pseudonym vector (generators,
//! nymCommit001-004, nymSignature001-006, nymProof001-007 and 101-104).

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use zkcred::conformance::{run_file, Verdict};
use zkcred_crypto::bbs::Suite;

fn expected_files() -> Vec<String> {
    let mut v: Vec<String> = [
        "keypair",
        "generators",
        "h2s",
        "MapMessageToScalarAsHash",
        "mockedRng",
    ]
    .iter()
    .map(|s| format!("{s}.json"))
    .collect();
    v.extend((1..=10).map(|i| format!("signature/signature{i:03}.json")));
    v.extend((1..=15).map(|i| format!("proof/proof{i:03}.json")));
    v
}

fn run_suite(folder: &str, suite: Suite) {
    let dir = common::fixtures_dir().join("bbs-signatures").join(folder);
    let mut failures = Vec::new();
    for f in expected_files() {
        let path = dir.join(&f);
        assert!(path.is_file(), "missing vector {}", path.display());
        let out = run_file(&path, None);
        match out.verdict {
            Verdict::Pass => {}
            other => failures.push(format!("{f} ({}): {other:?}", out.case_name)),
        }
        // The suite given explicitly agrees with the folder's.
        assert_eq!(zkcred::conformance::suite_from_path(&path), Some(suite));
    }
    assert!(
        failures.is_empty(),
        "{suite:?} vectors failed:\n{}",
        failures.join("\n")
    );
}

fn blind_files() -> Vec<String> {
    let mut v = vec!["generators.json".to_string()];
    v.extend((1..=2).map(|i| format!("commit/commit{i:03}.json")));
    v.extend((1..=5).map(|i| format!("signature/signature{i:03}.json")));
    v.extend((1..=8).map(|i| format!("proof/proof{i:03}.json")));
    v
}

fn run_blind_suite(folder: &str, suite: Suite) {
    let dir = common::fixtures_dir()
        .join("bbs-blind-signatures")
        .join(folder);
    let mut failures = Vec::new();
    for f in blind_files() {
        let path = dir.join(&f);
        assert!(path.is_file(), "missing vector {}", path.display());
        let out = run_file(&path, None);
        match out.verdict {
            Verdict::Pass if f == "generators.json" || out.check.contains("byte for byte") => {}
            other => failures.push(format!(
                "{f} ({}): {other:?} [{}]",
                out.case_name, out.check
            )),
        }
        assert_eq!(zkcred::conformance::suite_from_path(&path), Some(suite));
    }
    assert!(
        failures.is_empty(),
        "{suite:?} blind vectors failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn blind_sha256_vectors() {
    run_blind_suite("bls12-381-sha-256", Suite::Bls12381Sha256);
}

#[test]
fn blind_shake256_vectors() {
    run_blind_suite("bls12-381-shake-256", Suite::Bls12381Shake256);
}

fn nym_files() -> Vec<String> {
    let mut v = vec!["generators.json".to_string()];
    v.extend((1..=4).map(|i| format!("nymCommit/nymCommit{i:03}.json")));
    v.extend((1..=6).map(|i| format!("nymSignature/nymSignature{i:03}.json")));
    v.extend(
        (1..=7)
            .chain(101..=104)
            .map(|i| format!("nymProof/nymProof{i:03}.json")),
    );
    v
}

fn run_nym_suite(folder: &str, suite: Suite) {
    let dir = common::fixtures_dir().join("bbs-pseudonyms").join(folder);
    let mut failures = Vec::new();
    for f in nym_files() {
        let path = dir.join(&f);
        assert!(path.is_file(), "missing vector {}", path.display());
        let out = run_file(&path, None);
        match out.verdict {
            Verdict::Pass if f == "generators.json" || out.check.contains("byte for byte") => {}
            other => failures.push(format!(
                "{f} ({}): {other:?} [{}]",
                out.case_name, out.check
            )),
        }
        assert_eq!(zkcred::conformance::suite_from_path(&path), Some(suite));
    }
    assert!(
        failures.is_empty(),
        "{suite:?} pseudonym vectors failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn nym_sha256_vectors() {
    run_nym_suite("bls12-381-sha-256", Suite::Bls12381Sha256);
}

#[test]
fn nym_shake256_vectors() {
    run_nym_suite("bls12-381-shake-256", Suite::Bls12381Shake256);
}

#[test]
fn sha256_vectors() {
    run_suite("bls12-381-sha-256", Suite::Bls12381Sha256);
}

#[test]
fn shake256_vectors() {
    run_suite("bls12-381-shake-256", Suite::Bls12381Shake256);
}

#[test]
fn the_wrong_suite_fails_the_vectors() {
    // Guards against a runner that passes everything: the SHA-256 proof
    // vectors read as SHAKE-256 must fail.
    let dir = common::fixtures_dir().join("bbs-signatures/bls12-381-sha-256");
    let out = run_file(
        &dir.join("proof/proof001.json"),
        Some(Suite::Bls12381Shake256),
    );
    assert!(matches!(out.verdict, Verdict::Fail(_)), "{:?}", out.verdict);
    let out = run_file(&dir.join("generators.json"), Some(Suite::Bls12381Shake256));
    assert!(matches!(out.verdict, Verdict::Fail(_)), "{:?}", out.verdict);
    // Likewise the blind vectors of every kind.
    let dir = common::fixtures_dir().join("bbs-blind-signatures/bls12-381-sha-256");
    for f in blind_files() {
        let out = run_file(&dir.join(&f), Some(Suite::Bls12381Shake256));
        assert!(
            matches!(out.verdict, Verdict::Fail(_)),
            "{f}: {}",
            out.line()
        );
    }
    // And the pseudonym vectors of every kind.
    let dir = common::fixtures_dir().join("bbs-pseudonyms/bls12-381-sha-256");
    for f in nym_files() {
        let out = run_file(&dir.join(&f), Some(Suite::Bls12381Shake256));
        assert!(
            matches!(out.verdict, Verdict::Fail(_)),
            "{f}: {}",
            out.line()
        );
    }
}
