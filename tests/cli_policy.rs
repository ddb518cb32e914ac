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

/// The date 18 years before today in China Standard Time (29 February
/// becomes 28 February in a common year), as `YYYY-MM-DD`.
fn eighteen_years_ago() -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(offset).date();
    let year = today.year() - 18;
    let day = today
        .day()
        .min(time::util::days_in_month(today.month(), year));
    format!("{year:04}-{:02}-{day:02}", today.month() as u8)
}

#[test]
fn request_from_a_policy() {
    // The venue's door check: nothing disclosed, the age proven, every
    // accepted type offered.
    let (code, out, err) = zkcred(&[
        "request",
        "new",
        "--policy",
        &example("venue-age-check.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(req["verifier"], "ktv.nanshan-example.cn");
    let entry = &req["credentials"][0];
    assert_eq!(entry["disclose"], serde_json::json!([]));
    assert_eq!(
        entry["accepted_types"],
        serde_json::json!(["resident_id_card", "drivers_license", "residence_permit"])
    );
    // The date is computed twice (here and in the binary): retry once if
    // midnight in Beijing fell in between.
    let bound = eighteen_years_ago();
    if entry["statements"][0]["value"] != bound.as_str() {
        return request_from_a_policy();
    }
    assert_eq!(
        entry["statements"],
        serde_json::json!([{"kind": "range", "attribute": "birth_date", "op": "<=", "value": bound}])
    );
    assert!(
        err.contains("request from policy venue-age-check v1"),
        "{err}"
    );
    assert!(
        err.contains(&format!("birth_date <= {bound} (proven, not disclosed)")),
        "{err}"
    );
    assert!(err.contains("discloses nothing"), "{err}");
    assert!(err.contains("(drivers_license)"), "{err}");
    // The lifetime is the policy's (120 s).
    let expires = time::OffsetDateTime::parse(
        req["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = expires - time::OffsetDateTime::now_utc();
    assert!(left <= time::Duration::seconds(120) && left > time::Duration::seconds(60));

    // The car rental: the license proves it is the renter's own.
    let (code, out, err) = zkcred(&["request", "new", "--policy", &example("car-rental.json")]);
    assert_eq!(code, 0, "{err}");
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(req["credentials"].as_array().unwrap().len(), 2);
    assert_eq!(
        req["credentials"][1]["statements"][1],
        serde_json::json!({"kind": "equal", "attribute": "holder_id",
                           "to": {"entry": 0, "attribute": "holder_id"}})
    );
    assert!(
        err.contains("holder_id = entry 0's holder_id (proven, not disclosed)"),
        "{err}"
    );
    assert!(err.contains("entry 1 (licence)"), "{err}");
    // Only the license, written to a file: its link is left out.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    let (code, out, err) = zkcred(&[
        "request",
        "new",
        "--policy",
        &example("car-rental.json"),
        "--requirement",
        "licence",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let entries = req["credentials"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["credential_type"], "drivers_license");
    assert_eq!(entries[0]["statements"].as_array().unwrap().len(), 1);
    assert!(err.contains("links to other requirements"), "{err}");
    assert!(err.contains("entry 0 (licence)"), "{err}");
}

#[test]
fn request_from_a_policy_with_optional_attributes_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("employer-age-check.json"))
        .unwrap()
        .replace(
            "\"disclose\": [\"holder_name\"],",
            "\"disclose\": [\"holder_name\"], \"may_disclose\": [\"sex\"],",
        );
    assert!(text.contains("\"sex\""));
    let policy = dir.path().join("employer.json");
    std::fs::write(&policy, text).unwrap();
    let p = policy.to_str().unwrap();
    let (code, out, err) = zkcred(&["request", "new", "--policy", p, "--optional", "sex"]);
    assert_eq!(code, 0, "{err}");
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        req["credentials"][0]["disclose"],
        serde_json::json!(["holder_name", "sex"])
    );
    assert!(err.contains("discloses holder_name, sex"), "{err}");
    // Not optional anywhere in the policy.
    let (code, _, err) = zkcred(&["request", "new", "--policy", p, "--optional", "address"]);
    assert_eq!(code, 2);
    assert!(err.contains("--optional"), "{err}");
    // No such requirement.
    let (code, _, err) = zkcred(&["request", "new", "--policy", p, "--requirement", "boss"]);
    assert_eq!(code, 2);
    assert!(err.contains("no requirement \"boss\""), "{err}");
    // The hand-made form's options conflict with --policy.
    let (code, _, err) = zkcred(&["request", "new", "--policy", p, "--verifier", "x.example"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    // --requirement needs --policy.
    let (code, _, _) = zkcred(&[
        "request",
        "new",
        "--verifier",
        "x.example",
        "--type",
        "resident_id_card",
        "--requirement",
        "r",
    ]);
    assert_eq!(code, 2);
    let (code, _, err) = zkcred(&[
        "request",
        "new",
        "--verifier",
        "x.example",
        "--type",
        "resident_id_card",
        "--optional",
        "sex",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("need --policy"), "{err}");
    // A policy that does not load names its position.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"format\": 1\n}\n").unwrap();
    let (code, _, err) = zkcred(&["request", "new", "--policy", broken.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.json:2:"), "{err}");
}

#[test]
fn hand_made_request_with_statements() {
    let base = [
        "request",
        "new",
        "--verifier",
        "fleet.example",
        "--type",
        "drivers_license",
        "--disclose",
        "vehicle_class",
    ];
    let with = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        zkcred(&args)
    };
    let (code, out, err) = with(&[
        "--statement",
        r#"{"kind":"range","attribute":"penalty_points","op":"<","value":12}"#,
        "--statement",
        r#"{"kind":"range","attribute":"valid_until","op":"between","min":"2027-01-01","max":"2040-12-31"}"#,
    ]);
    assert_eq!(code, 0, "{err}");
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        req["credentials"][0]["statements"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        err.contains("penalty_points < 12 (proven, not disclosed)"),
        "{err}"
    );
    assert!(
        err.contains("valid_until between 2027-01-01 and 2040-12-31 (proven, not disclosed)"),
        "{err}"
    );
    // Without statements, the form works as before.
    let (code, out, _) = with(&[]);
    assert_eq!(code, 0);
    let req: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(req["credentials"][0].get("statements").is_none());
    // A range over a string attribute, a disclosed one, bad JSON, an unknown kind.
    for (statement, needle) in [
        (
            r#"{"kind":"range","attribute":"sex","op":">=","value":"C1"}"#,
            "date and integer",
        ),
        (
            r#"{"kind":"range","attribute":"vehicle_class","op":">=","value":"C1"}"#,
            "also disclosed",
        ),
        (
            r#"{"kind":"range","attribute":"nickname","op":">=","value":1}"#,
            "no such attribute",
        ),
        (
            r#"{"kind":"range","attribute":"penalty_points","op":"<"#,
            "--statement 1",
        ),
        (
            r#"{"kind":"membership","attribute":"holder_id"}"#,
            "--statement 1",
        ),
        (
            r#"{"kind":"range","attribute":"penalty_points","op":"<","value":1.5}"#,
            "integer",
        ),
    ] {
        let (code, out, err) = with(&["--statement", statement]);
        assert_eq!(code, 2, "{statement}: {out}");
        assert!(err.contains(needle), "{statement}: {err}");
    }
}
