//! The trust registry: shipped data, files, run-time changes.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::{catalogue, now, Fixture};
use serde_json::{json, Value};
use zkcred_policy::registry::{BUILTIN_AGREEMENTS_JSON, BUILTIN_REGIONS_JSON};
use zkcred_policy::{Issuer, RegionCode, Registry, TypeEntry};

fn region(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

#[test]
fn shipped_agreements() {
    let r = Registry::builtin(catalogue()).unwrap();
    assert_eq!(r.regions().count(), 34);
    assert_eq!(r.region(region("500103")).unwrap().name_zh, "重庆市");
    let yrd = r.agreement("yrd").unwrap();
    assert_eq!(yrd.types.len(), 30);
    assert_eq!(
        yrd.members,
        ["310000", "320000", "330000", "340000"]
            .map(region)
            .to_vec()
    );
    let cy = r.agreement("chuanyu").unwrap();
    assert_eq!(cy.types.len(), 34);
    assert_eq!(cy.members, vec![region("500000"), region("510000")]);
    // The types the public list names are present and not assumed.
    for t in [
        "resident_id_card",
        "drivers_license",
        "residence_permit",
        "marriage_certificate",
        "business_license",
        "food_business_license",
    ] {
        let e = cy.types.iter().find(|e| e.credential_type == t).unwrap();
        assert!(!e.assumed, "{t}");
        assert!(e.source.as_deref().is_some_and(|s| !s.is_empty()));
    }
    for a in r.agreements() {
        // Every entry is either sourced or marked assumed, and in the catalogue.
        for e in &a.types {
            assert!(catalogue().get(&e.credential_type).is_some());
            assert!(
                e.assumed || e.source.is_some(),
                "{} {}",
                a.id,
                e.credential_type
            );
        }
        // Partial public lists: the assumptions say so.
        if a.types.iter().any(|e| e.assumed) {
            assert!(!a.assumptions.is_empty(), "{}", a.id);
        }
        assert!(a
            .in_force_on(zkcred_policy::clock::presentation_date(now()))
            .is_ok());
    }
    assert!(r.is_national("drivers_license"));
    assert!(!r.is_national("marriage_certificate"));
    assert_eq!(r.agreements_in_force(now()).count(), 2);
}

#[test]
fn the_shipped_files_mark_assumed_entries_explicitly() {
    // Each entry states "assumed" (it is a required member of the format).
    let doc: Value = serde_json::from_str(BUILTIN_AGREEMENTS_JSON).unwrap();
    for a in doc["agreements"].as_array().unwrap() {
        for e in a["types"].as_array().unwrap() {
            assert!(e["assumed"].is_boolean(), "{e}");
        }
    }
    let mut missing = doc.clone();
    missing["agreements"][0]["types"][0]
        .as_object_mut()
        .unwrap()
        .remove("assumed");
    let mut r = Registry::new(catalogue());
    r.merge_text("regions.json", BUILTIN_REGIONS_JSON).unwrap();
    let e = r
        .merge_text("agreements.json", &missing.to_string())
        .unwrap_err();
    assert_eq!(e.code(), "shape");
    // A non-assumed entry needs a source.
    let mut unsourced = doc.clone();
    unsourced["agreements"][0]["types"][0]
        .as_object_mut()
        .unwrap()
        .remove("source");
    let e = r
        .merge_text("agreements.json", &unsourced.to_string())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert_eq!(e.location.path.to_string(), "/agreements/0/types/0");
}

#[test]
fn file_round_trip_with_issuers_and_keys() {
    let mut f = Fixture::new(1);
    let a = f.issuer("330106", &["business_license", "food_business_license"]);
    let b = f.issuer("510104", &["household_register"]);
    f.registry.revoke_key(&b, &f.key_id(&b)).unwrap();
    let json = f.registry.to_json();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.json");
    std::fs::write(&path, &json).unwrap();
    let back = Registry::load_files(catalogue(), &[&path]).unwrap();
    assert_eq!(back, f.registry);
    assert!(back.issuer(&b).unwrap().keys[0].revoked);
    assert_eq!(back.issuer(&a).unwrap().types.len(), 2);
    // Loading the same issuers twice is a duplicate.
    let mut again = back.clone();
    let e = again.merge_file(&path).unwrap_err();
    assert_eq!(e.code(), "duplicate");
    assert_eq!(again, back, "a failed merge changes nothing");
}

fn issuers_file(issuer: Value) -> String {
    json!({"format": "zkcred-trust-registry", "version": 1, "issuers": [issuer]}).to_string()
}

#[test]
fn issuer_files_are_validated_with_positions() {
    let mut f = Fixture::new(2);
    let id = f.issuer("330106", &["business_license"]);
    let good: Value = serde_json::from_str(&f.registry.to_json()).unwrap();
    let issuer = good["issuers"][0].clone();
    let base = Registry::builtin(catalogue()).unwrap();
    let try_merge = |issuer: Value| {
        let mut r = base.clone();
        r.merge_text("issuers.json", &issuers_file(issuer))
    };
    try_merge(issuer.clone()).unwrap();
    let cases = [
        (
            "types",
            json!(["business_license", "dog_license"]),
            "unknown_credential_type",
            "/issuers/0/types/1",
        ),
        ("region", json!("990000"), "shape", "/issuers/0/region"),
        (
            "authority",
            json!("Public Security"),
            "invalid_value",
            "/issuers/0/authority",
        ),
        ("id", json!("bad id"), "invalid_value", "/issuers/0/id"),
    ];
    for (field, value, code, path) in cases {
        let mut i = issuer.clone();
        i[field] = value;
        let e = try_merge(i).unwrap_err();
        assert_eq!(e.code(), code, "{field}: {e}");
        assert_eq!(e.location.path.to_string(), path, "{field}: {e}");
        assert_eq!(e.location.file, "issuers.json");
    }
    // A key whose identifier does not match its public key.
    let mut i = issuer.clone();
    i["keys"][0]["key_id"] = json!("00000000000000000000000000000000");
    let e = try_merge(i).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert_eq!(e.location.path.to_string(), "/issuers/0/keys/0");
    // An unknown field in a key.
    let mut i = issuer.clone();
    i["keys"][0]["expired"] = json!(true);
    assert_eq!(try_merge(i).unwrap_err().code(), "unknown_field");
    // A region outside the listed provinces (registry without that region).
    let mut small = Registry::new(catalogue());
    small
        .merge_text(
            "r.json",
            r#"{"format": "zkcred-trust-registry", "version": 1,
                "regions": [{"code": "310000", "name_zh": "上海市", "name_en": "Shanghai"}]}"#,
        )
        .unwrap();
    let e = small
        .merge_text("issuers.json", &issuers_file(issuer))
        .unwrap_err();
    assert_eq!(e.code(), "unknown_region");
    assert_eq!(e.location.path.to_string(), "/issuers/0/region");
    assert!(small.issuer(&id).is_none());
}

#[test]
fn agreements_are_validated_with_positions() {
    let base = Registry::builtin(catalogue()).unwrap();
    let agreement = json!({
        "id": "pearl-river", "name_zh": "粤港澳", "name_en": "Greater Bay Area",
        "members": ["440000", "810000", "820000"],
        "effective_from": "2024-01-01", "source": "test",
        "types": [{"type": "business_license", "assumed": true}]
    });
    let file = |a: Value| {
        json!({"format": "zkcred-trust-registry", "version": 1, "agreements": [a]}).to_string()
    };
    let mut r = base.clone();
    r.merge_text("a.json", &file(agreement.clone())).unwrap();
    assert!(r
        .agreement("pearl-river")
        .unwrap()
        .effective_until
        .is_none());
    let cases = [
        (
            "members",
            json!(["440000", "440300"]),
            "unknown_region",
            "/agreements/0/members/1",
        ),
        (
            "members",
            json!(["440000"]),
            "invalid_value",
            "/agreements/0/members",
        ),
        ("id", json!("yrd"), "duplicate", "/agreements/0/id"),
        (
            "effective_until",
            json!("2023-12-31"),
            "contradictory",
            "/agreements/0/effective_until",
        ),
        (
            "effective_from",
            json!("2024-02-30"),
            "shape",
            "/agreements/0/effective_from",
        ),
        (
            "types",
            json!([{"type": "dog_license", "assumed": true}]),
            "unknown_credential_type",
            "/agreements/0/types/0",
        ),
        ("types", json!([]), "invalid_value", "/agreements/0/types"),
    ];
    for (field, value, code, path) in cases {
        let mut a = agreement.clone();
        a[field] = value;
        let mut r = base.clone();
        let e = r.merge_text("a.json", &file(a)).unwrap_err();
        assert_eq!(e.code(), code, "{field}: {e}");
        assert_eq!(e.location.path.to_string(), path, "{field}: {e}");
        assert_eq!(r, base);
    }
}

#[test]
fn run_time_changes() {
    let mut f = Fixture::new(3);
    let id = f.issuer("330106", &["business_license"]);
    let r = &mut f.registry;
    // Duplicates and unknowns are refused with stable codes.
    let dup = Issuer::new(
        &id,
        "x",
        region("330106"),
        "market_regulation",
        &["business_license"],
    );
    assert_eq!(r.add_issuer(dup).unwrap_err().code(), "duplicate_issuer");
    let unknown_type = Issuer::new("NEW1", "x", region("330106"), "x", &["dog_license"]);
    assert_eq!(
        r.add_issuer(unknown_type).unwrap_err().code(),
        "unknown_credential_type"
    );
    let no_types = Issuer::new("NEW2", "x", region("330106"), "x", &[]);
    assert_eq!(r.add_issuer(no_types).unwrap_err().code(), "invalid_entry");
    assert_eq!(
        r.set_issuer_types("nobody", &["business_license"])
            .unwrap_err()
            .code(),
        "unknown_issuer"
    );
    // A key of another issuer is refused.
    let other = f.keys[&id].public().clone();
    let mut foreign = other.clone();
    foreign.issuer = "NEW3".into();
    let r = &mut f.registry;
    r.add_issuer(Issuer::new(
        "NEW3",
        "新",
        region("330106"),
        "x",
        &["business_license"],
    ))
    .unwrap();
    assert_eq!(
        r.add_key(other.clone()).unwrap_err().code(),
        "duplicate_key"
    );
    let mut carrying = Issuer::new("NEW4", "新", region("330106"), "x", &["business_license"]);
    carrying.keys.push(zkcred_policy::RegistryKey {
        key: other,
        revoked: false,
    });
    assert_eq!(r.add_issuer(carrying).unwrap_err().code(), "invalid_key");
    r.add_key(foreign.clone()).unwrap();
    assert_eq!(r.add_key(foreign).unwrap_err().code(), "duplicate_key");
    assert_eq!(
        r.remove_issuer("nobody").unwrap_err().code(),
        "unknown_issuer"
    );
    assert_eq!(
        r.remove_agreement("nothing").unwrap_err().code(),
        "unknown_agreement"
    );
    // The national tier can change at run time.
    let mut national = r.national().clone();
    national
        .types
        .push(TypeEntry::assumed("marriage_certificate"));
    r.set_national(national.clone()).unwrap();
    assert!(r.is_national("marriage_certificate"));
    national
        .types
        .push(TypeEntry::assumed("marriage_certificate"));
    assert_eq!(
        r.set_national(national).unwrap_err().code(),
        "invalid_entry"
    );
    national_needs_source(r);
}

fn national_needs_source(r: &mut Registry) {
    let mut national = r.national().clone();
    national.types.push(TypeEntry {
        credential_type: "divorce_certificate".into(),
        assumed: false,
        source: None,
    });
    assert_eq!(
        r.set_national(national).unwrap_err().code(),
        "invalid_entry"
    );
}
