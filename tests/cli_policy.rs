//! The `zkcred policy` commands, run as a person would run them.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::path::{Path, PathBuf};
use std::process::Command;

fn zkcred(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(args)
        .output()
        .expect("run zkcred");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn example(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("policy/examples")
        .join(name);
    p.to_string_lossy().into_owned()
}

#[test]
fn check_validates_the_examples() {
    let files = [
        example("hotel-check-in.json"),
        example("marriage-registration.json"),
    ];
    let args: Vec<&str> = ["policy", "check"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let (code, out, err) = zkcred(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ok (policy hotel-check-in v1, 1 requirement(s))"),
        "{out}"
    );
    assert!(
        out.contains("ok (policy marriage-registration v1, 2 requirement(s))"),
        "{out}"
    );
}

#[test]
fn check_reports_file_line_column() {
    let p = std::env::temp_dir().join(format!("zkcred-policy-check-{}.json", std::process::id()));
    let text = std::fs::read_to_string(example("employer-age-check.json"))
        .unwrap()
        .replace(
            "\"disclose\": [\"holder_name\"]",
            "\"disclose\": [\"holder_name\", \"address\"]",
        );
    std::fs::write(&p, text).unwrap();
    let (code, _, err) = zkcred(&["policy", "check", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    // "address" is not an attribute of the residence permit.
    assert!(err.contains(&format!("{}:26:", p.display())), "{err}");
    assert!(err.contains("[unknown_attribute]"), "{err}");
    let _ = std::fs::remove_file(&p);
}

#[test]
fn audit_text_and_json() {
    let (code, out, _) = zkcred(&["policy", "audit", &example("venue-age-check.json")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("findings: none"));
    let bad = example("bad-venue-age-check.json");
    let (code, out, _) = zkcred(&["policy", "audit", &bad]);
    assert_eq!(code, 1);
    assert!(out.contains("[high] full_birth_date"), "{out}");
    assert!(out.contains("[medium] retention_too_long"), "{out}");
    let (code, out, _) = zkcred(&["policy", "audit", "--json", &bad]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = doc["reports"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"identifier_not_needed"), "{codes:?}");
    let (code, _, err) = zkcred(&["policy", "audit"]);
    assert_eq!(code, 2, "{err}");
}
