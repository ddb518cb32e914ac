//! The `zkcred bbs` commands, run as a person would run them.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn zkcred(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zkcred");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn conformance_over_the_vendored_signatures_vectors() {
    let dir = common::fixtures_dir().join("bbs-signatures");
    let (code, out, err) = zkcred(&["bbs", "conformance", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(
        out.lines().last(),
        Some("60 passed, 0 failed, 0 skipped"),
        "{out}"
    );
    let passes: Vec<&str> = out.lines().filter(|l| l.starts_with("PASS ")).collect();
    assert_eq!(passes.len(), 60);
    // Each line says which check was made.
    assert!(passes.iter().all(|l| l.contains(" [")), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("DATA ") && l.contains("messages.json"))
            .count(),
        1,
        "{out}"
    );
}

#[test]
fn conformance_over_the_vendored_blind_signatures_vectors() {
    let dir = common::fixtures_dir().join("bbs-blind-signatures");
    let (code, out, err) = zkcred(&["bbs", "conformance", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(
        out.lines().last(),
        Some("32 passed, 0 failed, 0 skipped"),
        "{out}"
    );
    // Every commitment, signature and proof is reproduced byte for byte.
    let reproduced = out
        .lines()
        .filter(|l| l.starts_with("PASS ") && (l.contains("reproduced") || l.contains("re-signed")))
        .count();
    assert_eq!(reproduced, 30, "{out}");
}

#[test]
fn conformance_over_the_vendored_pseudonym_vectors() {
    let dir = common::fixtures_dir().join("bbs-pseudonyms");
    let (code, out, err) = zkcred(&["bbs", "conformance", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(
        out.lines().last(),
        Some("44 passed, 0 failed, 0 skipped"),
        "{out}"
    );
    // Every commitment, signature and proof is reproduced byte for byte.
    let reproduced = out
        .lines()
        .filter(|l| l.starts_with("PASS ") && (l.contains("reproduced") || l.contains("re-signed")))
        .count();
    assert_eq!(reproduced, 42, "{out}");
}

#[test]
fn a_run_with_a_skipped_case_exits_non_zero() {
    // A file that is no case of any draft is named and skipped: the run
    // must not claim success, even with every other file passing.
    let tmp = tempdir();
    let suite_dir = tmp.join("bls12-381-sha-256");
    std::fs::create_dir_all(&suite_dir).unwrap();
    let nym =
        common::fixtures_dir().join("bbs-pseudonyms/bls12-381-sha-256/nymCommit/nymCommit001.json");
    std::fs::copy(&nym, suite_dir.join("nymCommit001.json")).unwrap();
    std::fs::write(
        suite_dir.join("other.json"),
        r#"{"caseName": "x", "whatever": 1}"#,
    )
    .unwrap();
    let (code, out, _) = zkcred(&["bbs", "conformance", tmp.to_str().unwrap()], None);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().last(),
        Some("1 passed, 0 failed, 1 skipped"),
        "{out}"
    );
    assert!(out.contains("`whatever`"), "{out}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn sign_then_prove_then_conformance_roundtrip() {
    let tmp = tempdir();
    let suite_dir = tmp.join("bls12-381-shake-256");
    std::fs::create_dir_all(&suite_dir).unwrap();
    let sign_in = r#"{"signerKeyPair":{"secretKey":"60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc"},
        "header":"11223344","messages":["00","616263",""]}"#;
    let (code, sig_out, err) = zkcred(&["bbs", "sign", "--suite", "shake256"], Some(sign_in));
    assert_eq!(code, 0, "{err}");
    std::fs::write(suite_dir.join("signature.json"), &sig_out).unwrap();
    let sig: serde_json::Value = serde_json::from_str(&sig_out).unwrap();
    let prove_in = serde_json::json!({
        "signerPublicKey": sig["signerKeyPair"]["publicKey"],
        "signature": sig["signature"],
        "header": sig["header"],
        "presentationHeader": "beef",
        "messages": sig["messages"],
        "disclosedIndexes": [0, 2],
    })
    .to_string();
    for extra in [&[][..], &["--mocked-rng"][..]] {
        let mut args = vec!["bbs", "prove", "--suite", "shake256"];
        args.extend_from_slice(extra);
        let (code, proof_out, err) = zkcred(&args, Some(&prove_in));
        assert_eq!(code, 0, "{err}");
        std::fs::write(
            suite_dir.join(format!("proof{}.json", extra.len())),
            &proof_out,
        )
        .unwrap();
    }
    let (code, out, _) = zkcred(&["bbs", "conformance", tmp.to_str().unwrap()], None);
    // The random proof is judged by verification (it records no scalars);
    // the mocked one records the draft's trace and is reproduced.
    let line = |name: &str| {
        out.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no line for {name}: {out}"))
            .to_string()
    };
    assert!(line("signature.json").starts_with("PASS"), "{out}");
    assert!(line("proof0.json").starts_with("PASS"), "{out}");
    assert!(line("proof0.json").contains("[verified only"), "{out}");
    assert!(line("proof1.json").starts_with("PASS"), "{out}");
    assert!(
        line("proof1.json").contains("reproduced byte for byte from trace.random_scalars"),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");

    // Tampered message: the conformance run must fail the file.
    let mut v: serde_json::Value = serde_json::from_str(&sig_out).unwrap();
    v["messages"][1] = "616264".into();
    std::fs::write(suite_dir.join("signature.json"), v.to_string()).unwrap();
    let (code, out, _) = zkcred(
        &[
            "bbs",
            "conformance",
            suite_dir.join("signature.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 failed"), "{out}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let (code, _, err) = zkcred(&["bbs", "sign"], Some("{not json"));
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    let (code, _, err) = zkcred(
        &["bbs", "sign"],
        Some(r#"{"signerKeyPair":{"secretKey":"00"},"messages":[]}"#),
    );
    assert_eq!(code, 2);
    assert!(err.contains("secretKey"), "{err}");
    let (code, _, _) = zkcred(&["bbs", "conformance", "/nonexistent/zkcred"], None);
    assert_ne!(code, 0);
}

const SK: &str = "60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc";

#[test]
fn every_malformed_sign_field_is_an_error_naming_it() {
    let cases = [
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}","publicKey":12}}}}"#),
            "`publicKey`",
        ),
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}","publicKey":"zz"}}}}"#),
            "`publicKey`",
        ),
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}"}},"header":["00"]}}"#),
            "`header`",
        ),
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}"}},"messages":["00",1]}}"#),
            "`messages[1]`",
        ),
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}"}},"caseName":false}}"#),
            "`caseName`",
        ),
        (
            format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}"}},"mesages":[]}}"#),
            "unknown field `mesages`",
        ),
        (r#"{"signerKeyPair":"00"}"#.to_string(), "`signerKeyPair`"),
    ];
    for (input, field) in cases {
        let (code, out, err) = zkcred(&["bbs", "sign"], Some(&input));
        assert_eq!(code, 2, "{input}: {out}{err}");
        assert!(err.contains(field), "{input}: {err}");
    }
    // Without messages the draft's default, the empty list, is signed.
    let (code, out, err) = zkcred(
        &["bbs", "sign"],
        Some(&format!(r#"{{"signerKeyPair":{{"secretKey":"{SK}"}}}}"#)),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["messages"], serde_json::json!([]));
}

#[test]
fn prove_takes_indexes_ascending() {
    let (code, sig_out, err) = zkcred(
        &["bbs", "sign"],
        Some(&format!(
            r#"{{"signerKeyPair":{{"secretKey":"{SK}"}},"messages":["00","01","02"]}}"#
        )),
    );
    assert_eq!(code, 0, "{err}");
    let sig: serde_json::Value = serde_json::from_str(&sig_out).unwrap();
    let input = |idx: serde_json::Value| {
        serde_json::json!({
            "signerPublicKey": sig["signerKeyPair"]["publicKey"],
            "signature": sig["signature"],
            "messages": sig["messages"],
            "disclosedIndexes": idx,
        })
        .to_string()
    };
    let (code, _, err) = zkcred(&["bbs", "prove"], Some(&input(serde_json::json!([2, 0]))));
    assert_eq!(code, 2);
    assert!(
        err.contains("`disclosedIndexes`") && err.contains("ascending"),
        "{err}"
    );
    let (code, _, err) = zkcred(&["bbs", "prove"], Some(&input(serde_json::json!([0, 2]))));
    assert_eq!(code, 0, "{err}");
}

fn tempdir() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!(
        "zkcred-cli-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}
