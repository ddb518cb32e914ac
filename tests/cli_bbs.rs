//! The `zkcred bbs` commands, run as a person would run them.

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
fn conformance_over_the_shared_fixtures() {
    let dir = common::fixtures_dir().join("bbs-signatures");
    let (code, out, err) = zkcred(&["bbs", "conformance", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.lines().any(|l| l.starts_with("60 passed, 0 failed")),
        "{out}"
    );
    assert_eq!(out.lines().filter(|l| l.starts_with("PASS ")).count(), 60);
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
        "disclosedIndexes": [2, 0],
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
    // The random proof verifies but is not reproducible byte for byte; the
    // mocked one is. Both signature and mocked proof pass.
    assert!(
        out.contains("PASS") && out.contains("signature.json"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("PASS") && l.contains("proof1.json")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL") && l.contains("proof0.json")),
        "{out}"
    );
    assert_eq!(code, 1);

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
