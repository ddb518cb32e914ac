//! The recognition rule over the shipped registry plus test issuers.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::{now, Fixture};
use time::{Duration, OffsetDateTime};
use zkcred_policy::recognition::{AgreementMiss, KeyCheck};
use zkcred_policy::registry::date;
use zkcred_policy::{
    recognise, Agreement, Candidate, Issuance, Refusal, RegionCode, Registry, Route, TypeEntry,
};

fn region(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn candidate<'a>(
    f: &'a Fixture,
    verifier: &str,
    credential_type: &'a str,
    issuer: &'a str,
    key_id: &'a str,
) -> Candidate<'a> {
    let _ = f;
    Candidate {
        verifier_region: region(verifier),
        credential_type,
        issuer,
        key_id,
        issuance: Issuance::Unknown,
        at: now(),
    }
}

fn decide(f: &Fixture, verifier: &str, ty: &str, issuer: &str) -> Result<Vec<Route>, Refusal> {
    let key = f.key_id(issuer);
    recognise(&f.registry, &candidate(f, verifier, ty, issuer, &key)).map(|a| a.routes)
}

#[test]
fn same_region_after_roll_up() {
    let mut f = Fixture::new(1);
    // A district of Chongqing and a verifier in another district.
    let i = f.issuer("500103", &["marriage_certificate"]);
    let routes = decide(&f, "500112", "marriage_certificate", &i).unwrap();
    assert_eq!(
        routes,
        vec![Route::SameRegion {
            province: region("500000")
        }]
    );
    // Same province, prefecture-level verifier.
    let j = f.issuer("330106", &["business_license"]);
    let routes = decide(&f, "330100", "business_license", &j).unwrap();
    assert_eq!(
        routes[0],
        Route::SameRegion {
            province: region("330000")
        }
    );
}

#[test]
fn covered_by_an_agreement() {
    let mut f = Fixture::new(2);
    let zj = f.issuer("330106", &["marriage_certificate"]);
    let routes = decide(&f, "310101", "marriage_certificate", &zj).unwrap();
    assert_eq!(
        routes,
        vec![Route::Agreement {
            id: "yrd".into(),
            name_zh: "长三角地区电子证照互认应用合作共识".into(),
            assumed_entry: true,
        }]
    );
    // Sichuan–Chongqing, a type named by the public list.
    let cq = f.issuer("500103", &["food_business_license"]);
    let routes = decide(&f, "510104", "food_business_license", &cq).unwrap();
    assert!(matches!(
        &routes[..],
        [Route::Agreement { id, assumed_entry: false, .. }] if id == "chuanyu"
    ));
}

#[test]
fn national_tier() {
    let mut f = Fixture::new(3);
    let sh = f.issuer("310101", &["drivers_license"]);
    // Shanghai to Sichuan: no agreement, but national.
    let routes = decide(&f, "510104", "drivers_license", &sh).unwrap();
    assert_eq!(
        routes,
        vec![Route::National {
            assumed_entry: false
        }]
    );
    // Within the YRD both routes are reported, in rule order.
    let routes = decide(&f, "320102", "drivers_license", &sh).unwrap();
    assert_eq!(routes.len(), 2);
    assert!(matches!(routes[0], Route::Agreement { .. }));
    assert!(matches!(routes[1], Route::National { .. }));
}

#[test]
fn not_covered_explains_every_agreement() {
    let mut f = Fixture::new(4);
    let sc = f.issuer("510104", &["marriage_certificate"]);
    let err = decide(&f, "310101", "marriage_certificate", &sc).unwrap_err();
    assert_eq!(err.code(), "not_recognised");
    let Refusal::NotRecognised {
        issuer_province,
        verifier_province,
        agreements,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*issuer_province, region("510000"));
    assert_eq!(*verifier_province, region("310000"));
    assert_eq!(
        agreements,
        &vec![
            AgreementMiss::NotMember {
                id: "yrd".into(),
                province: region("510000")
            },
            AgreementMiss::NotMember {
                id: "chuanyu".into(),
                province: region("310000")
            },
        ]
    );
    assert!(err
        .explain()
        .contains("yrd: province 510000 is not a member"));
    // Both provinces members, but the type is not on the list.
    let zj = f.issuer("330106", &["lawyer_practice_certificate"]);
    let err = decide(&f, "310101", "lawyer_practice_certificate", &zj).unwrap_err();
    let Refusal::NotRecognised { agreements, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(agreements.contains(&AgreementMiss::TypeNotCovered { id: "yrd".into() }));
}

fn with_agreement(f: &mut Fixture, from: &str, until: Option<&str>) {
    let a = Agreement {
        id: "test-pact".into(),
        name_zh: "测试互认协议".into(),
        name_en: "Test pact".into(),
        members: vec![region("110000"), region("120000")],
        effective_from: date(from).unwrap(),
        effective_until: until.map(|u| date(u).unwrap()),
        source: "test".into(),
        assumptions: vec![],
        types: vec![TypeEntry::assumed("teacher_qualification_certificate")],
    };
    f.registry.add_agreement(a).unwrap();
}

#[test]
fn agreement_not_yet_in_force_or_expired() {
    // now() is 2026-03-01 in Beijing.
    let mut f = Fixture::new(5);
    with_agreement(&mut f, "2026-03-02", None);
    let tj = f.issuer("120101", &["teacher_qualification_certificate"]);
    let err = decide(&f, "110101", "teacher_qualification_certificate", &tj).unwrap_err();
    let Refusal::NotRecognised { agreements, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(agreements.contains(&AgreementMiss::NotYetInForce {
        id: "test-pact".into(),
        effective_from: "2026-03-02".into()
    }));
    // In force from today.
    f.registry
        .replace_agreement(Agreement {
            effective_from: date("2026-03-01").unwrap(),
            ..f.registry.agreement("test-pact").unwrap().clone()
        })
        .unwrap();
    assert!(decide(&f, "110101", "teacher_qualification_certificate", &tj).is_ok());
    // Expired yesterday; the last day in force is inclusive.
    for (until, ok) in [("2026-02-28", false), ("2026-03-01", true)] {
        f.registry
            .replace_agreement(Agreement {
                effective_from: date("2020-01-01").unwrap(),
                effective_until: Some(date(until).unwrap()),
                ..f.registry.agreement("test-pact").unwrap().clone()
            })
            .unwrap();
        let r = decide(&f, "110101", "teacher_qualification_certificate", &tj);
        assert_eq!(r.is_ok(), ok, "{until}: {r:?}");
        if let Err(Refusal::NotRecognised { agreements, .. }) = r {
            assert!(agreements.contains(&AgreementMiss::Expired {
                id: "test-pact".into(),
                effective_until: until.into()
            }));
        }
    }
    // Removing the agreement removes the route.
    f.registry.remove_agreement("test-pact").unwrap();
    assert!(decide(&f, "110101", "teacher_qualification_certificate", &tj).is_err());
}

#[test]
fn issuer_not_allowed_the_type() {
    let mut f = Fixture::new(6);
    let i = f.issuer("330106", &["business_license"]);
    let err = decide(&f, "330106", "food_business_license", &i).unwrap_err();
    assert_eq!(err.code(), "type_not_allowed_for_issuer");
    f.registry
        .set_issuer_types(&i, &["business_license", "food_business_license"])
        .unwrap();
    assert!(decide(&f, "330106", "food_business_license", &i).is_ok());
}

#[test]
fn revoked_key() {
    let mut f = Fixture::new(7);
    let i = f.issuer("330106", &["business_license"]);
    assert!(decide(&f, "330106", "business_license", &i).is_ok());
    let key = f.key_id(&i);
    f.registry.revoke_key(&i, &key).unwrap();
    let err = decide(&f, "330106", "business_license", &i).unwrap_err();
    assert_eq!(err.code(), "key_revoked");
    assert_eq!(
        f.registry.revoke_key(&i, "00").unwrap_err().code(),
        "unknown_key"
    );
}

fn at_issue_date(f: &Fixture, issuer: &str, issue_date: &str) -> Result<(), Refusal> {
    let key = f.key_id(issuer);
    let c = Candidate {
        issuance: Issuance::OnDate(date(issue_date).unwrap()),
        ..candidate(f, "330106", "business_license", issuer, &key)
    };
    recognise(&f.registry, &c).map(|a| assert_eq!(a.key_check, KeyCheck::IssueDate))
}

#[test]
fn key_outside_its_window() {
    let mut f = Fixture::new(8);
    // Window [2026-01-01T00:00Z, 2027-01-01T00:00Z): from 08:00 on 1 January in Beijing.
    let from = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
    let i = f.issuer_with_window(
        "330106",
        &["business_license"],
        from,
        from + Duration::days(365),
    );
    assert!(at_issue_date(&f, &i, "2026-01-01").is_ok());
    assert!(at_issue_date(&f, &i, "2026-06-30").is_ok());
    // An issue date before the window opened: a paper license converted
    // (signed) later, which the key, open since, may have signed.
    assert!(at_issue_date(&f, &i, "2025-12-31").is_ok());
    assert!(at_issue_date(&f, &i, "2015-06-01").is_ok());
    // 1 January 2027 in Beijing starts at 16:00Z on 31 December, inside the window.
    assert!(at_issue_date(&f, &i, "2027-01-01").is_ok());
    // Dated after the window closed: the key cannot have signed it.
    let err = at_issue_date(&f, &i, "2027-01-02").unwrap_err();
    assert_eq!(err.code(), "key_outside_window");
    assert!(
        err.explain().contains("the disclosed issue date"),
        "{}",
        err.explain()
    );
    assert!(!err.explain().contains("2027-01-02"));
    // A key whose window opens after the presentation signed nothing yet,
    // whatever the issue date says.
    let pending = f.issuer_with_window(
        "330106",
        &["business_license"],
        now() + Duration::days(1),
        now() + Duration::days(30),
    );
    assert_eq!(
        at_issue_date(&f, &pending, "2026-03-02")
            .unwrap_err()
            .code(),
        "key_outside_window"
    );
    // Without an issue date: the window must have opened before the presentation.
    let late = f.issuer_with_window(
        "330106",
        &["business_license"],
        now() + Duration::days(1),
        now() + Duration::days(30),
    );
    let err = decide(&f, "330106", "business_license", &late).unwrap_err();
    assert!(matches!(
        err,
        Refusal::KeyOutsideWindow {
            evidence: KeyCheck::OpenedBeforePresentation,
            ..
        }
    ));
    // A key whose window closed long ago still recognises what it signed.
    let old = f.issuer_with_window(
        "330106",
        &["business_license"],
        now() - Duration::days(800),
        now() - Duration::days(400),
    );
    assert!(decide(&f, "330106", "business_license", &old).is_ok());
}

#[test]
fn unknown_issuer_and_key() {
    let mut f = Fixture::new(9);
    let i = f.issuer("330106", &["business_license"]);
    let c = candidate(&f, "330106", "business_license", "91330106MA2B3C4D5E", "k");
    assert_eq!(
        recognise(&f.registry, &c).unwrap_err().code(),
        "unknown_issuer"
    );
    let c = candidate(&f, "330106", "business_license", &i, "0123");
    assert_eq!(
        recognise(&f.registry, &c).unwrap_err().code(),
        "unknown_key"
    );
    f.registry.remove_issuer(&i).unwrap();
    assert!(decide_after_removal(&f, &i));
}

fn decide_after_removal(f: &Fixture, issuer: &str) -> bool {
    let c = candidate(f, "330106", "business_license", issuer, "k");
    matches!(
        recognise(&f.registry, &c),
        Err(Refusal::UnknownIssuer { .. })
    )
}

#[test]
fn empty_registry_recognises_nothing() {
    let r = Registry::new(common::catalogue());
    let c = Candidate {
        verifier_region: region("310000"),
        credential_type: "business_license",
        issuer: "x",
        key_id: "k",
        issuance: Issuance::Unknown,
        at: now(),
    };
    assert_eq!(recognise(&r, &c).unwrap_err().code(), "unknown_issuer");
}
