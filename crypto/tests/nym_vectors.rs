//! The pseudonym draft's test vectors (draft-irtf-cfrg-bbs-per-verifier-
//! linkability, editor's copy of June 2026), both suites, from
//! `tests/vectors/bbs-pseudonyms/` (or `$ZKCRED_FIXTURES/bbs-pseudonyms/`).
//!
//! Known quirk of the published files: some scalars in `proverNyms` and
//! `nym_secrets` are written with 63 hex digits (the leading zero dropped);
//! [`scalar`] left-pads them to 64.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing test

use std::path::PathBuf;

use serde_json::Value;
use zkcred_crypto::bbs::Suite;
use zkcred_crypto::nym::{self, Pseudonym};
use zkcred_crypto::Scalar;

fn root() -> PathBuf {
    match std::env::var_os("ZKCRED_FIXTURES") {
        Some(dir) => PathBuf::from(dir).join("bbs-pseudonyms"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bbs-pseudonyms"),
    }
}

fn folder(suite: Suite) -> &'static str {
    match suite {
        Suite::Bls12381Sha256 => "bls12-381-sha-256",
        Suite::Bls12381Shake256 => "bls12-381-shake-256",
    }
}

/// Every file of `kind` (`nymCommit`, `nymSignature`, `nymProof`) for a
/// suite, sorted, with its name.
fn files(suite: Suite, kind: &str) -> Vec<(String, Value)> {
    let dir = root().join(folder(suite)).join(kind);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// A 32-octet big-endian scalar, left-padding the published files' 63-digit
/// values.
fn scalar(v: &Value) -> Scalar {
    let s = v.as_str().unwrap();
    assert!(s.len() <= 64, "scalar of {} hex digits", s.len());
    let padded = format!("{s:0>64}");
    let arr: [u8; 32] = hex::decode(padded).unwrap().try_into().unwrap();
    Scalar::from_be_bytes(&arr).unwrap()
}

fn scalars(v: &Value) -> Vec<Scalar> {
    v.as_array().unwrap().iter().map(scalar).collect()
}

#[test]
fn pseudonyms_match_the_vectors() {
    let mut checked = 0;
    for suite in Suite::ALL {
        for (name, v) in files(suite, "nymProof") {
            let nym_secrets = scalars(&v["nym_secrets"]);
            let context_id = bytes(&v["context_id"]);
            let expected = bytes(&v["pseudonym"]);
            let got = nym::pseudonym_of(suite, &context_id, &nym_secrets).unwrap();
            assert_eq!(
                hex::encode(got.to_bytes()),
                hex::encode(&expected),
                "{name}"
            );
            assert_eq!(Pseudonym::from_bytes(&expected).unwrap(), got, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 22);
}
