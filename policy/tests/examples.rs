//! The example policies: schema validity, loading, and the minimisation audit.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use std::path::Path;

use common::{catalogue, example, example_files};
use serde_json::{json, Value};
use zkcred_policy::audit::{audit, FindingCode, Severity};
use zkcred_policy::cli;
use zkcred_policy::policy::Disclosure;
use zkcred_policy::{PolicyLoader, Registry};

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/policy.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn registry() -> Registry {
    Registry::builtin(catalogue()).unwrap()
}

#[test]
fn every_example_validates_against_the_schema_and_loads() {
    let v = schema();
    let reg = registry();
    let loader = PolicyLoader::new(catalogue()).with_registry(&reg);
    let files = example_files();
    assert!(files.len() >= 6);
    for f in &files {
        let doc = read(f);
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
        let policy = loader.load(f).unwrap_or_else(|e| panic!("{e}"));
        // The file form round-trips through the Rust types and stays schema-valid.
        let again: Value = serde_json::from_str(&policy.to_json()).unwrap();
        assert!(v.is_valid(&again), "{}", f.display());
        let reparsed = loader.parse("again.json", &policy.to_json()).unwrap();
        assert_eq!(reparsed, policy);
    }
}

/// Changes that both the schema and the loader must reject.
#[test]
fn schema_and_loader_agree_on_rejections() {
    let v = schema();
    let loader = PolicyLoader::new(catalogue());
    let base = read(&example("employer-age-check.json"));
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut m = base.clone();
    m["retention_period"] = json!(3);
    cases.push(("unknown top-level field", m));
    let mut m = base.clone();
    m["requirements"][0]["predicates"][0]["weeks"] = json!(3);
    cases.push(("unknown predicate field", m));
    let mut m = base.clone();
    m["requirements"][0]["trust"] = json!({"routes": ["everywhere"]});
    cases.push(("unknown route", m));
    let mut m = base.clone();
    m["purpose"]["category"] = json!("marketing");
    cases.push(("unknown purpose", m));
    let mut m = base.clone();
    m.as_object_mut().unwrap().remove("retention");
    cases.push(("missing retention", m));
    let mut m = base.clone();
    m["requirements"] = json!([]);
    cases.push(("no requirements", m));
    let mut m = base.clone();
    m["requirements"][0]["predicates"][0]["value"] = json!(3);
    cases.push(("value on a date operator", m));
    let mut m = base.clone();
    m["requirements"][0]["predicates"][0]["op"] = json!("at_least");
    cases.push(("integer operator without value", m));
    let mut m = base.clone();
    m["freshness"] = json!({"request_ttl_seconds": 0});
    cases.push(("zero lifetime", m));
    let mut m = base.clone();
    m["verifier"]["region"] = json!("31010");
    cases.push(("short region code", m));
    let mut m = base.clone();
    m["id"] = json!("Employer Age Check");
    cases.push(("bad id", m));
    let mut m = base.clone();
    m["format_version"] = json!(2);
    cases.push(("future format", m));
    let mut m = base.clone();
    m["requirements"][0]["disclose"] = json!(["holder_name", "holder_name"]);
    cases.push(("duplicate attribute", m));
    let mut m = base.clone();
    m["links"] = json!([{"attribute": "holder_id", "requirements": ["candidate"]}]);
    cases.push(("link of one requirement", m));
    let mut m = base.clone();
    m["links"] = json!([{"attribute": "holder_id", "requirements": ["candidate", "candidate"]}]);
    cases.push(("link naming a requirement twice", m));
    let mut m = base.clone();
    m["links"] =
        json!([{"attribute": "holder_id", "requirements": ["candidate", "x"], "op": "equal"}]);
    cases.push(("unknown link field", m));
    for (what, doc) in cases {
        assert!(!v.is_valid(&doc), "schema accepts: {what}");
        assert!(
            loader.parse("case.json", &doc.to_string()).is_err(),
            "loader accepts: {what}"
        );
    }
}

#[test]
fn audit_finds_the_planted_problems() {
    let reg = registry();
    let loader = PolicyLoader::new(catalogue()).with_registry(&reg);
    let bad = loader.load(example("bad-venue-age-check.json")).unwrap();
    let report = audit(catalogue(), &bad);
    let mut found: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f.code.code(), f.attribute.as_deref()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("biometric_not_needed", Some("photo_digest")),
            ("full_birth_date", Some("birth_date")),
            ("identifier_not_needed", Some("holder_id")),
            ("personal_data_not_needed", Some("address")),
            ("personal_data_not_needed", Some("holder_name")),
            ("retention_too_long", None),
        ]
    );
    // Most severe first, and the score reflects them.
    assert_eq!(report.findings[0].severity, Severity::High);
    assert_eq!(report.score, 0);
    let birth = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::FullBirthDate)
        .unwrap();
    assert!(birth.message.contains("age predicate would serve"));
    let id = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::IdentifierNotNeeded)
        .unwrap();
    assert!(id.message.contains("needs only a pseudonym"));
    // Every attribute asked for is listed with its catalogue sensitivity.
    let t = catalogue().get("resident_id_card").unwrap();
    assert_eq!(report.attributes.len(), 5);
    for a in &report.attributes {
        assert_eq!(
            a.sensitivity,
            t.attribute(&a.attribute).unwrap().sensitivity
        );
    }
}

#[test]
fn good_examples_have_no_findings() {
    let reg = registry();
    let loader = PolicyLoader::new(catalogue()).with_registry(&reg);
    for f in example_files() {
        if f.file_name().unwrap().to_string_lossy().starts_with("bad-") {
            continue;
        }
        let p = loader.load(&f).unwrap();
        let r = audit(catalogue(), &p);
        assert!(r.findings.is_empty(), "{}: {:?}", f.display(), r.findings);
        assert_eq!(r.score, 100);
        assert!(!r.attributes.is_empty());
    }
}

#[test]
fn audit_rules_each_fire_on_their_own() {
    // One small policy per rule, from a clean base (a service-access check of a
    // resident ID card that asks only for the issue date).
    let base = json!({
        "format": "zkcred-policy", "format_version": 1,
        "id": "rule", "version": 1,
        "verifier": {"id": "svc.example", "name": "Service", "region": "110105"},
        "purpose": {"category": "service_access", "description": "log in", "legal_basis": "consent"},
        "retention": {"days": 30},
        "requirements": [{"id": "r", "types": ["resident_id_card"], "disclose": ["issue_date"]}]
    });
    let run = |patch: &dyn Fn(&mut Value)| -> Vec<&'static str> {
        let mut doc = base.clone();
        patch(&mut doc);
        let p = PolicyLoader::new(catalogue())
            .parse("rule.json", &doc.to_string())
            .unwrap();
        audit(catalogue(), &p)
            .findings
            .iter()
            .map(|f| f.code.code())
            .collect()
    };
    assert!(run(&|_| {}).is_empty());
    assert_eq!(
        run(&|d| d["requirements"][0]["may_disclose"] = json!(["birth_date"])),
        vec!["full_birth_date"]
    );
    assert_eq!(
        run(&|d| d["requirements"][0]["disclose"] = json!(["license_id"])),
        vec!["identifier_not_needed"]
    );
    assert_eq!(
        run(&|d| d["requirements"][0]["disclose"] = json!(["photo_digest"])),
        vec!["biometric_not_needed"]
    );
    assert_eq!(
        run(&|d| {
            d["requirements"][0]["types"] = json!(["disability_certificate"]);
            d["requirements"][0]["disclose"] = json!(["disability_level"]);
        }),
        vec!["health_data_not_needed"]
    );
    assert_eq!(
        run(&|d| d["requirements"][0]["disclose"] = json!(["address"])),
        vec!["personal_data_not_needed"]
    );
    assert_eq!(
        run(&|d| d["retention"]["days"] = json!(91)),
        vec!["retention_too_long"]
    );
    assert!(run(&|d| d["retention"]["days"] = json!(90)).is_empty());
    assert_eq!(
        run(&|d| d["requirements"][0]["predicates"] =
            json!([{"attribute": "issue_date", "op": "at_most_before", "years": 10}])),
        vec!["redundant_predicate"]
    );
    assert_eq!(
        run(&|d| {
            d["purpose"]["category"] = json!("identity_registration");
            d["requirements"][0]["may_disclose"] = json!(["holder_id"]);
        }),
        vec!["optional_high_sensitivity"]
    );
    // An organisation's credit code is public: not an identifier finding.
    assert!(run(&|d| {
        d["requirements"][0]["types"] = json!(["business_license"]);
        d["requirements"][0]["disclose"] = json!(["holder_id"]);
    })
    .is_empty());
    // A predicate instead of the birth date is what the rule asks for.
    assert!(run(&|d| d["requirements"][0]["predicates"] =
        json!([{"attribute": "birth_date", "op": "at_least_before", "years": 18}]))
    .is_empty());
}

/// The venue check proves the age in zero knowledge: a perfect score, and
/// the report says so; the same policy disclosing the birth date as well
/// loses the full-birth-date penalty, whatever the purpose.
#[test]
fn proven_predicates_score_and_disclosed_ones_cost() {
    let reg = registry();
    let loader = PolicyLoader::new(catalogue()).with_registry(&reg);
    let venue = loader.load(example("venue-age-check.json")).unwrap();
    let r = audit(catalogue(), &venue);
    assert_eq!(r.score, 100, "{:?}", r.findings);
    assert!(r.findings.is_empty());
    assert!(r
        .attributes
        .iter()
        .all(|a| a.attribute == "birth_date" && a.disclosure == Disclosure::Proven));
    let text = r.to_text();
    assert!(
        text.contains("proven in zero knowledge, never disclosed: guest.birth_date"),
        "{text}"
    );
    assert!(text.contains(" proven "), "{text}");
    assert!(!text.contains("discarded"), "{text}");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["attributes"][0]["disclosure"], "proven");

    let mut doc = read(&example("venue-age-check.json"));
    doc["requirements"][0]["disclose"] = json!(["birth_date"]);
    let disclosed = loader.parse("v.json", &doc.to_string()).unwrap();
    let r = audit(catalogue(), &disclosed);
    assert!(r.score < 100);
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.code()).collect();
    assert_eq!(codes, vec!["full_birth_date", "redundant_predicate"]);
    assert_eq!(r.score, 70);
    // A purpose that needs the birth date still pays for disclosing it
    // next to a predicate that would serve.
    doc["purpose"]["category"] = json!("civil_registration");
    doc["retention"]["days"] = json!(30);
    let civil = loader.parse("v.json", &doc.to_string()).unwrap();
    let r = audit(catalogue(), &civil);
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.code()).collect();
    assert_eq!(codes, vec!["full_birth_date", "redundant_predicate"]);
    assert!(r.findings[0].message.contains("can be proven without it"));
    // Optional disclosure counts too.
    doc["requirements"][0]["disclose"] = json!([]);
    doc["requirements"][0]["may_disclose"] = json!(["birth_date"]);
    let optional = loader.parse("v.json", &doc.to_string()).unwrap();
    assert!(audit(catalogue(), &optional).score < 100);

    // The car rental links the two credentials by holder_id: listed as
    // proven, no identifier finding.
    let car = loader.load(example("car-rental.json")).unwrap();
    let r = audit(catalogue(), &car);
    assert_eq!(r.score, 100, "{:?}", r.findings);
    assert!(r.attributes.iter().any(|a| a.requirement == "licence"
        && a.attribute == "holder_id"
        && a.disclosure == Disclosure::Proven));
    assert!(r.to_text().contains("licence.holder_id"));
}

#[test]
fn cli_check_and_audit() {
    let reg = registry();
    let files = example_files();
    let out = cli::check(catalogue(), &reg, &files);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), files.len());
    let good: Vec<_> = files
        .iter()
        .filter(|f| !f.to_string_lossy().contains("bad-"))
        .cloned()
        .collect();
    let out = cli::audit_files(catalogue(), &reg, &good, false);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains("findings: none"));
    assert!(out.stdout.contains("出生日期"));
    let bad = [example("bad-venue-age-check.json")];
    let out = cli::audit_files(catalogue(), &reg, &bad, false);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.contains("[high] full_birth_date"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("score: 0/100"));
    let out = cli::audit_files(catalogue(), &reg, &bad, true);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["reports"][0]["policy_id"], "bad-venue-age-check");
    assert_eq!(doc["reports"][0]["score"], 0);
    assert_eq!(doc["reports"][0]["findings"].as_array().unwrap().len(), 6);
    assert_eq!(doc["reports"][0]["attributes"][1]["sensitivity"], "high");
    // A file that does not load: positioned error, exit 2 for audit, 1 for check.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"format\": \"zkcred-policy\",\n  \"bogus\": 1\n}\n",
    )
    .unwrap();
    let out = cli::check(catalogue(), &reg, std::slice::from_ref(&broken));
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("broken.json:3:"), "{}", out.stderr);
    assert!(out.stderr.contains("[unknown_field]"), "{}", out.stderr);
    let out = cli::audit_files(catalogue(), &reg, &[broken], true);
    assert_eq!(out.status, 2);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["errors"][0]["code"], "unknown_field");
    assert_eq!(doc["errors"][0]["line"], 3);
}
