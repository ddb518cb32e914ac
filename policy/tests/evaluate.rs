//! Evaluation with presentations made by the credential layer's wallet.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::{answer_with, catalogue, evaluate_with, example, now, Fixture};
use serde_json::json;
use time::Duration;
use zkcred_credential::{
    Presentation, PresentationRequest, RangeOp, RangeStatement, RequestedCredential, Statement,
};
use zkcred_policy::evaluate::{Established, LinkStatus, PredicateStatus};
use zkcred_policy::{Choice, Decision, Evaluator, FixedClock, Policy, PolicyLoader, Reason};

fn load(f: &Fixture, name: &str) -> Policy {
    PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .load(example(name))
        .unwrap()
}

/// Evaluates 30 s after the request was made.
fn evaluate(f: &Fixture, p: &Policy, req: &PresentationRequest, pres: &Presentation) -> Decision {
    evaluate_with(&f.registry, p, req, pres, now() + Duration::seconds(30))
}

fn choices(types: &[&str]) -> Vec<Choice> {
    types
        .iter()
        .map(|t| Choice {
            credential_type: Some(t.to_string()),
            optional: vec![],
        })
        .collect()
}

/// A credential to issue: region, type, attribute overrides.
type Spec<'a> = (&'a str, &'a str, Vec<(&'a str, serde_json::Value)>);

/// Issues one credential per `(region, type)`, puts them in a wallet, builds
/// the policy's request and lets the wallet answer it.
fn present(
    f: &mut Fixture,
    policy: &Policy,
    creds: &[Spec<'_>],
) -> (PresentationRequest, Presentation) {
    let mut issued = Vec::new();
    for (region, ty, overrides) in creds {
        let i = f.issuer(region, &[ty]);
        issued.push(f.credential(&i, ty, overrides));
    }
    let types: Vec<&str> = creds.iter().map(|c| c.1).collect();
    let request = policy.request(&choices(&types), now(), &mut f.rng).unwrap();
    answer(f, &request, issued)
}

/// The wallet's answer with `issued` (one per entry); `Err` (the error's
/// text) when it cannot answer, e.g. a statement its values miss.
fn try_answer(
    f: &mut Fixture,
    request: &PresentationRequest,
    issued: Vec<zkcred_credential::Credential>,
) -> Result<Presentation, String> {
    answer_with(&f.registry, request, &issued, &mut f.rng).map_err(|e| e.to_string())
}

fn answer(
    f: &mut Fixture,
    request: &PresentationRequest,
    issued: Vec<zkcred_credential::Credential>,
) -> (PresentationRequest, Presentation) {
    let pres = try_answer(f, request, issued).unwrap();
    (request.clone(), pres)
}

/// Sample values that must never appear in logs (see `common::sample`).
const SECRETS: &[&str] = &[
    "张伟",
    "330106199005170019",
    "1990-05-17",
    "address-示例",
    "abababab",
];

fn assert_no_values_logged(d: &Decision) {
    let log = d.to_log_json();
    let dbg = format!("{d:?}");
    for s in SECRETS {
        assert!(!log.contains(s), "{s} in log {log}");
        assert!(!dbg.contains(s), "{s} in debug {dbg}");
    }
}

fn codes(d: &Decision) -> Vec<&'static str> {
    d.reason_codes().into_iter().map(|c| c.as_str()).collect()
}

/// `(file, one (region, type) per requirement)`: each example with a
/// matching presentation.
const CASES: &[(&str, &[(&str, &str)])] = &[
    ("hotel-check-in.json", &[("310104", "resident_id_card")]),
    ("employer-age-check.json", &[("330102", "residence_permit")]),
    (
        "landlord-real-estate.json",
        &[("500103", "real_estate_certificate")],
    ),
    // A Zhejiang head office registering a branch in Shanghai: the YRD agreement.
    (
        "branch-registration.json",
        &[("330106", "business_license")],
    ),
    // One party from Sichuan, one from Chongqing (川渝通办).
    (
        "marriage-registration.json",
        &[
            ("510107", "household_register"),
            ("500103", "household_register"),
        ],
    ),
    ("venue-age-check.json", &[("440305", "drivers_license")]),
    // One holder's ID card and driver's license, linked by holder_id.
    (
        "car-rental.json",
        &[
            ("440305", "resident_id_card"),
            ("440305", "drivers_license"),
        ],
    ),
    (
        "bad-venue-age-check.json",
        &[("440305", "resident_id_card")],
    ),
];

#[test]
fn every_example_accepts_a_matching_presentation() {
    let files = common::example_files();
    assert_eq!(files.len(), CASES.len(), "an example without a case");
    for (i, (file, creds)) in CASES.iter().enumerate() {
        let mut f = Fixture::new(100 + i as u64);
        let policy = load(&f, file);
        let spec: Vec<_> = creds.iter().map(|(r, t)| (*r, *t, vec![])).collect();
        let (req, pres) = present(&mut f, &policy, &spec);
        let d = evaluate(&f, &policy, &req, &pres);
        assert!(d.is_accepted(), "{file}: {:?}", d.reasons);
        assert!(d.reasons.is_empty());
        let values = d.values().expect("accepted decisions carry values");
        for (r, report) in policy.requirements.iter().zip(&d.credentials) {
            // Exactly the required attributes come back (no optional ones were asked).
            let mut want = r.disclose.clone();
            want.sort();
            assert_eq!(report.returned, want, "{file} {}", r.id);
            // Predicate attributes are proven, never disclosed: nothing to
            // discard, nothing returned.
            assert!(r.predicate_only_attributes().is_empty(), "{file}");
            assert!(report.discarded.is_empty(), "{file} {}", r.id);
            for a in r.proven_attributes() {
                assert!(values.get(&r.id, a).is_none(), "{file}: {a} returned");
            }
            assert_eq!(report.predicates.len(), r.predicates.len());
            for (p, result) in r.predicates.iter().zip(&report.predicates) {
                assert_eq!(result.status, PredicateStatus::Satisfied, "{file}");
                let how = if r.disclose.contains(&p.attribute) {
                    Established::Disclosed
                } else {
                    Established::Proven
                };
                assert_eq!(
                    result.established,
                    Some(how),
                    "{file}: {}",
                    result.predicate
                );
            }
            assert!(report.accepted_route.is_some());
        }
        // The request disclosed no proven attribute.
        for (r, rc) in policy.requirements.iter().zip(&req.credentials) {
            for a in r.proven_attributes() {
                assert!(!rc.disclose.iter().any(|d| d == a), "{file}: {a} asked for");
            }
        }
        assert!(d.links.iter().all(|l| l.status == LinkStatus::Proven));
        assert_eq!(d.links.len(), policy.links.len());
        if policy.requirements[0]
            .disclose
            .contains(&"holder_name".to_string())
        {
            let name = values.get(&policy.requirements[0].id, "holder_name");
            assert!(
                matches!(name, Some(Some(zkcred_credential::AttributeValue::String(s))) if s == "张伟" || s.contains("公司")),
                "{file}: {name:?}"
            );
        }
        assert_no_values_logged(&d);
    }
}

#[test]
fn every_example_refuses_a_mismatched_presentation() {
    for (i, (file, creds)) in CASES.iter().enumerate() {
        let mut f = Fixture::new(200 + i as u64);
        let policy = load(&f, file);
        // The first credential is a vehicle license, which no example accepts.
        let mut issued = Vec::new();
        let mut entries = Vec::new();
        for (j, (region, ty)) in creds.iter().enumerate() {
            let ty = if j == 0 { "vehicle_license" } else { *ty };
            let issuer = f.issuer(region, &[ty]);
            issued.push(f.credential(&issuer, ty, &[]));
            let t = catalogue().get(ty).unwrap();
            let disclose: Vec<&str> = policy.requirements[j]
                .disclose
                .iter()
                .map(String::as_str)
                .filter(|a| t.attribute(a).is_some())
                .collect();
            entries.push(RequestedCredential::new(ty, &disclose));
        }
        let req = PresentationRequest::new(
            policy.verifier(),
            entries,
            now() + Duration::seconds(60),
            &mut f.rng,
        )
        .unwrap();
        let (req, pres) = answer(&mut f, &req, issued);
        let d = evaluate(&f, &policy, &req, &pres);
        assert!(!d.is_accepted(), "{file}");
        assert!(codes(&d).contains(&"wrong_type"), "{file}: {:?}", d.reasons);
        assert!(d.values().is_none());
        assert!(d.credentials.is_empty(), "no proof work for a misfit");
        assert_no_values_logged(&d);
    }
}

#[test]
fn over_disclosure_is_refused_and_the_extra_value_never_returned() {
    let mut f = Fixture::new(300);
    let policy = load(&f, "hotel-check-in.json");
    let issuer = f.issuer("310104", &["resident_id_card"]);
    let cred = f.credential(&issuer, "resident_id_card", &[]);
    // A request that asks for more than the policy allows, honestly answered.
    let mut req = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    req.credentials[0].disclose.push("address".into());
    req.credentials[0].disclose.push("birth_date".into());
    let (req, pres) = answer(&mut f, &req, vec![cred.clone()]);
    assert!(pres.credentials[0].disclosed.contains_key("address"));
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(!d.is_accepted());
    assert!(codes(&d).contains(&"request_not_from_policy"));
    assert!(d.reasons.contains(&Reason::OverDisclosure {
        requirement: "guest".into(),
        attributes: vec!["address".into(), "birth_date".into()],
    }));
    assert!(d.values().is_none());
    assert_no_values_logged(&d);

    // A holder (or a man in the middle) adding a value to a correct presentation.
    let good = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    let (good, mut pres) = answer(&mut f, &good, vec![cred]);
    assert!(evaluate(&f, &policy, &good, &pres).is_accepted());
    pres.credentials[0]
        .disclosed
        .insert("address".into(), json!("address-示例"));
    let d = evaluate(&f, &policy, &good, &pres);
    assert_eq!(codes(&d), vec!["over_disclosure"]);
    assert!(d.values().is_none());
    assert_no_values_logged(&d);
}

#[test]
fn missing_required_attribute_is_refused() {
    let mut f = Fixture::new(301);
    let policy = load(&f, "hotel-check-in.json");
    let (req, mut pres) = present(&mut f, &policy, &[("310104", "resident_id_card", vec![])]);
    pres.credentials[0].disclosed.remove("holder_id");
    let d = evaluate(&f, &policy, &req, &pres);
    assert_eq!(
        d.reasons,
        vec![Reason::MissingRequired {
            requirement: "guest".into(),
            attributes: vec!["holder_id".into()],
        }]
    );
    // A request that leaves out a required attribute is not this policy's.
    let mut req = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    req.credentials[0].disclose.retain(|a| a != "photo_digest");
    let issuer = f.issuer("310104", &["resident_id_card"]);
    let cred = f.credential(&issuer, "resident_id_card", &[]);
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(codes(&d).contains(&"request_not_from_policy"));
    assert!(codes(&d).contains(&"missing_required"));
}

#[test]
fn wrong_type_is_refused() {
    let mut f = Fixture::new(302);
    let policy = load(&f, "employer-age-check.json");
    // A driver's license has a name and a birth date, but is not accepted here.
    let issuer = f.issuer("330102", &["drivers_license"]);
    let cred = f.credential(&issuer, "drivers_license", &[]);
    let req = PresentationRequest::new(
        policy.verifier(),
        vec![RequestedCredential::new(
            "drivers_license",
            &["holder_name", "birth_date"],
        )],
        now() + Duration::seconds(60),
        &mut f.rng,
    )
    .unwrap();
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.reasons.contains(&Reason::WrongType {
        requirement: "candidate".into(),
        accepted: vec!["resident_id_card".into(), "residence_permit".into()],
        found: "drivers_license".into(),
    }));
}

#[test]
fn predicates_are_proven_without_returning_values() {
    let mut f = Fixture::new(303);
    let policy = load(&f, "employer-age-check.json");
    // The request proves the age: birth_date is a statement, never disclosed.
    let req = policy
        .request(&choices(&["resident_id_card"]), now(), &mut f.rng)
        .unwrap();
    assert_eq!(req.credentials[0].disclose, vec!["holder_name"]);
    assert_eq!(
        req.credentials[0].statements,
        vec![Statement::Range(RangeStatement::bound(
            "birth_date",
            RangeOp::Le,
            json!("2010-03-01")
        ))]
    );
    // Fourteen years old on the presentation date: no proof can be made.
    let issuer = f.issuer("330102", &["resident_id_card"]);
    let young = f.credential(
        &issuer,
        "resident_id_card",
        &[("birth_date", json!("2012-01-01"))],
    );
    let e = try_answer(&mut f, &req, vec![young]).unwrap_err();
    assert!(e.contains("birth_date <= 2010-03-01"), "{e}");
    // Sixteen today (2026-03-01 in Beijing): proven, and the decision says so
    // without the value.
    let (req, pres) = present(
        &mut f,
        &policy,
        &[(
            "330102",
            "resident_id_card",
            vec![("birth_date", json!("2010-03-01"))],
        )],
    );
    assert!(!pres.credentials[0].disclosed.contains_key("birth_date"));
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert_eq!(
        d.credentials[0].predicates[0].established,
        Some(Established::Proven)
    );
    let log = d.to_log_json();
    assert!(log.contains("\"established\":\"proven\""), "{log}");
    assert!(!log.contains("2010-03-01"), "{log}");
    // A holder that leaves the statement out proves nothing.
    let mut dropped = pres.clone();
    dropped.credentials[0].statements.clear();
    assert!(!evaluate(&f, &policy, &req, &dropped).is_accepted());
    // A request that leaves out the predicates' statements cannot satisfy them.
    let cred = f.credential(&issuer, "resident_id_card", &[]);
    let req = PresentationRequest::new(
        policy.verifier(),
        vec![RequestedCredential::new(
            "resident_id_card",
            &["holder_name"],
        )],
        now() + Duration::seconds(60),
        &mut f.rng,
    )
    .unwrap();
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert_eq!(codes(&d), vec!["predicate_unproven"]);
    assert!(d.credentials[0]
        .predicates
        .iter()
        .all(|p| p.established.is_none()));
}

/// A policy that discloses the attribute checks the disclosed value (and
/// the audit charges for it): a false predicate is `not_satisfied`.
#[test]
fn predicates_over_disclosed_values_are_checked() {
    let mut f = Fixture::new(313);
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("venue-age-check.json")).unwrap())
            .unwrap();
    doc["requirements"][0]["disclose"] = json!(["birth_date"]);
    let policy = PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .parse("venue.json", &doc.to_string())
        .unwrap();
    let (req, pres) = present(
        &mut f,
        &policy,
        &[(
            "440305",
            "resident_id_card",
            vec![("birth_date", json!("2012-01-01"))],
        )],
    );
    assert!(req.credentials[0].statements.is_empty());
    let d = evaluate(&f, &policy, &req, &pres);
    assert_eq!(codes(&d), vec!["predicate_not_satisfied"]);
    assert_eq!(
        d.credentials[0].predicates[0].established,
        Some(Established::Disclosed)
    );
    assert!(!d.to_log_json().contains("2012-01-01"));
}

#[test]
fn validity_predicates_and_absent_values() {
    let mut f = Fixture::new(304);
    let policy = load(&f, "hotel-check-in.json");
    // valid_until > 2026-03-01 is proven, not disclosed.
    let req = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    assert_eq!(
        req.credentials[0].statements,
        vec![Statement::Range(RangeStatement::bound(
            "valid_until",
            RangeOp::Gt,
            json!("2026-03-01")
        ))]
    );
    let issuer = f.issuer("310104", &["resident_id_card"]);
    let expired = f.credential(
        &issuer,
        "resident_id_card",
        &[("valid_until", json!("2026-02-28"))],
    );
    assert!(try_answer(&mut f, &req, vec![expired]).is_err());
    // Expiring on the presentation date is not "after" it.
    let today = f.credential(
        &issuer,
        "resident_id_card",
        &[("valid_until", json!("2026-03-01"))],
    );
    assert!(try_answer(&mut f, &req, vec![today]).is_err());
    // A long-term card has no valid_until: the holder discloses it as null,
    // and the policy says that passes.
    let long_term = vec![("valid_until", json!(null))];
    let (req, pres) = present(
        &mut f,
        &policy,
        &[("310104", "resident_id_card", long_term)],
    );
    assert_eq!(pres.credentials[0].disclosed["valid_until"], json!(null));
    assert!(pres.credentials[0].statements.is_empty());
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert_eq!(
        d.credentials[0].predicates[0].established,
        Some(Established::Disclosed)
    );
    assert_eq!(d.credentials[0].discarded, vec!["valid_until".to_string()]);
    assert!(d.values().unwrap().get("guest", "valid_until").is_none());
    // A proven attribute disclosed with a value is over-disclosure.
    let mut leaked = pres.clone();
    leaked.credentials[0]
        .disclosed
        .insert("valid_until".into(), json!("2035-06-01"));
    let d = evaluate(&f, &policy, &req, &leaked);
    assert_eq!(codes(&d), vec!["over_disclosure"]);
    // Absence fails a predicate without `if_absent: pass`.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("hotel-check-in.json")).unwrap())
            .unwrap();
    doc["requirements"][0]["predicates"][0]
        .as_object_mut()
        .unwrap()
        .remove("if_absent");
    let strict = PolicyLoader::new(catalogue())
        .parse("strict.json", &doc.to_string())
        .unwrap();
    let d = evaluate(&f, &strict, &req, &pres);
    assert_eq!(codes(&d), vec!["predicate_not_satisfied"]);
}

#[test]
fn trust_restrictions_of_the_policy() {
    let mut f = Fixture::new(305);
    let branch = load(&f, "branch-registration.json");
    // Jiangsu: the YRD agreement.
    let (req, pres) = present(&mut f, &branch, &[("320102", "business_license", vec![])]);
    let d = evaluate(&f, &branch, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert!(matches!(
        &d.credentials[0].accepted_route,
        Some(zkcred_policy::Route::Agreement { id, .. }) if id == "yrd"
    ));
    // Sichuan: only the national tier admits it, which the policy excludes.
    let (req, pres) = present(&mut f, &branch, &[("510104", "business_license", vec![])]);
    let d = evaluate(&f, &branch, &req, &pres);
    assert_eq!(codes(&d), vec!["route_not_accepted"]);
    // Shanghai household register at a Chengdu marriage office: not recognised.
    let marriage = load(&f, "marriage-registration.json");
    let (req, pres) = present(
        &mut f,
        &marriage,
        &[
            ("510107", "household_register", vec![]),
            ("310101", "household_register", vec![]),
        ],
    );
    let d = evaluate(&f, &marriage, &req, &pres);
    assert_eq!(codes(&d), vec!["not_recognised"]);
    assert!(matches!(
        &d.reasons[0],
        Reason::NotRecognised { requirement, .. } if requirement == "party_b"
    ));
    // A Sichuan title at a Chongqing agency: 川渝 admits it, the policy does not.
    let landlord = load(&f, "landlord-real-estate.json");
    let (req, pres) = present(
        &mut f,
        &landlord,
        &[("510104", "real_estate_certificate", vec![])],
    );
    let d = evaluate(&f, &landlord, &req, &pres);
    assert_eq!(codes(&d), vec!["region_not_accepted", "route_not_accepted"]);
}

#[test]
fn revoked_key_refuses_at_evaluation() {
    let mut f = Fixture::new(306);
    let policy = load(&f, "hotel-check-in.json");
    let (req, pres) = present(&mut f, &policy, &[("310104", "resident_id_card", vec![])]);
    assert!(evaluate(&f, &policy, &req, &pres).is_accepted());
    let issuer = pres.credentials[0].issuer.clone();
    let key = pres.credentials[0].key_id.clone();
    f.registry.revoke_key(&issuer, &key).unwrap();
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(matches!(
        &d.reasons[..],
        [Reason::NotRecognised {
            refusal: zkcred_policy::Refusal::KeyRevoked { .. },
            ..
        }]
    ));
}

#[test]
fn request_checks() {
    let mut f = Fixture::new(307);
    let policy = load(&f, "hotel-check-in.json");
    let issuer = f.issuer("310104", &["resident_id_card"]);
    let cred = f.credential(&issuer, "resident_id_card", &[]);
    let good = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    // Longer-lived than the policy's 300 s.
    let long = PresentationRequest::new(
        policy.verifier(),
        good.credentials.clone(),
        now() + Duration::hours(2),
        &mut f.rng,
    )
    .unwrap();
    let (long, pres) = answer(&mut f, &long, vec![cred.clone()]);
    let d = evaluate(&f, &policy, &long, &pres);
    assert_eq!(codes(&d), vec!["request_ttl_exceeded"]);
    // Made for another verifier.
    let other = PresentationRequest::new(
        "other.example",
        good.credentials.clone(),
        now() + Duration::seconds(60),
        &mut f.rng,
    )
    .unwrap();
    let (other, pres) = answer(&mut f, &other, vec![cred.clone()]);
    let d = evaluate(&f, &policy, &other, &pres);
    assert_eq!(codes(&d), vec!["request_verifier_mismatch"]);
    // Expired by the time it is evaluated.
    let (good, pres) = answer(&mut f, &good, vec![cred.clone()]);
    let clock = FixedClock::new(now() + Duration::seconds(301));
    let d = Evaluator {
        catalogue: catalogue(),
        registry: &f.registry,
        clock: &clock,
    }
    .evaluate(&policy, &good, &pres);
    assert!(matches!(
        &d.reasons[..],
        [Reason::VerificationFailed {
            error: "request_expired",
            ..
        }]
    ));
    // A tampered value fails the proof, and the message names no value.
    let mut tampered = pres.clone();
    tampered.credentials[0]
        .disclosed
        .insert("holder_name".into(), json!("李娜"));
    let d = evaluate(&f, &policy, &good, &tampered);
    assert!(matches!(
        &d.reasons[..],
        [Reason::VerificationFailed {
            error: "proof_invalid",
            ..
        }]
    ));
    assert!(!d.to_log_json().contains("李娜"));
    // Choices that do not fit the policy.
    assert_eq!(
        policy.request(&[], now(), &mut f.rng).unwrap_err().code(),
        "choice_count"
    );
    let bad_type = Choice {
        credential_type: Some("drivers_license".into()),
        optional: vec![],
    };
    assert_eq!(
        policy
            .request(&[bad_type], now(), &mut f.rng)
            .unwrap_err()
            .code(),
        "type_not_accepted"
    );
}

#[test]
fn optional_attributes_and_credential_freshness() {
    let mut f = Fixture::new(308);
    let text = json!({
        "format": "zkcred-policy", "format_version": 1,
        "id": "fresh-register", "version": 2,
        "verifier": {"id": "bank.example.cn", "name": "示例银行", "region": "330106"},
        "purpose": {"category": "identity_registration", "description": "Open an account",
                    "legal_basis": "《中华人民共和国反洗钱法》"},
        "retention": {"days": 365},
        "requirements": [{
            "id": "holder", "types": ["household_register"],
            "disclose": ["holder_name"], "may_disclose": ["registered_address"],
            "freshness": {"max_credential_age_days": 300}
        }]
    })
    .to_string();
    let policy = PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .parse("inline.json", &text)
        .unwrap();
    let issuer = f.issuer("330106", &["household_register"]);
    // Issued 2025-06-01: 273 days before 2026-03-01.
    let cred = f.credential(&issuer, "household_register", &[]);
    let choice = Choice {
        credential_type: None,
        optional: vec!["registered_address".into()],
    };
    let req = policy.request(&[choice], now(), &mut f.rng).unwrap();
    // The freshness limit is a statement: issue_date >= 300 days ago.
    assert_eq!(
        req.credentials[0].disclose,
        vec!["holder_name", "registered_address"]
    );
    assert_eq!(
        req.credentials[0].statements,
        vec![Statement::Range(RangeStatement::bound(
            "issue_date",
            RangeOp::Ge,
            json!("2025-05-05")
        ))]
    );
    let (req, pres) = answer(&mut f, &req, vec![cred.clone()]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    let v = d.values().unwrap();
    assert!(v.get("holder", "registered_address").is_some());
    assert!(v.get("holder", "issue_date").is_none());
    assert!(d.credentials[0].discarded.is_empty());
    // The issue date appears nowhere in the decision.
    assert!(
        !d.to_log_json().contains("2025-06-01"),
        "{}",
        d.to_log_json()
    );
    assert!(!format!("{d:?}").contains("2025-06-01"));
    // Undisclosed, the issue date cannot narrow the key check.
    assert!(!matches!(
        d.credentials[0].admission.as_ref().unwrap().key_check,
        zkcred_policy::recognition::KeyCheck::IssueDate
    ));
    // Older than 200 days: a 200-day policy's request cannot be answered,
    // and the 300-day request is not one that policy makes.
    let strict = PolicyLoader::new(catalogue())
        .parse("inline.json", &text.replace("300", "200"))
        .unwrap();
    let strict_req = strict
        .request(&strict.default_choices(), now(), &mut f.rng)
        .unwrap();
    let e = try_answer(&mut f, &strict_req, vec![cred]).unwrap_err();
    assert!(e.contains("issue_date >= 2025-08-13"), "{e}");
    let d = evaluate(&f, &strict, &req, &pres);
    assert_eq!(codes(&d), vec!["request_not_from_policy"]);
    let why = d.reasons[0].explain();
    assert!(why.contains("issue_date >= 2025-05-05"), "{why}");
    // Optional attributes must be listed by the policy.
    let not_optional = Choice {
        credential_type: None,
        optional: vec!["birth_date".into()],
    };
    assert_eq!(
        policy
            .request(&[not_optional], now(), &mut f.rng)
            .unwrap_err()
            .code(),
        "not_optional"
    );
}

/// `check_shape` + a separate proof check + `conclude` (what a batching
/// verifier does) decides exactly as `evaluate`.
#[test]
fn split_stages_decide_as_evaluate() {
    let mut f = Fixture::new(41);
    let p = load(&f, "landlord-real-estate.json");
    let (req, pres) = present(&mut f, &p, &[("500103", "real_estate_certificate", vec![])]);
    assert!(req.credentials[0].statements.is_empty());
    let clock = FixedClock::new(now() + Duration::seconds(30));
    let ev = Evaluator {
        catalogue: catalogue(),
        registry: &f.registry,
        clock: &clock,
    };
    let split = |pres: &Presentation| match ev.check_shape(&p, &req, pres) {
        Err(refused) => *refused,
        Ok(()) => {
            let verified = zkcred_credential::verify_presentation(
                catalogue(),
                &req,
                pres,
                &f.registry,
                now() + Duration::seconds(30),
            );
            ev.conclude(&p, verified)
        }
    };
    let accepted = ev.evaluate(&p, &req, &pres);
    assert!(accepted.is_accepted(), "{:?}", accepted.reasons);
    assert_eq!(split(&pres), accepted);
    assert_eq!(split(&pres).values(), accepted.values());
    // Refused at the shape stage and at the proof stage.
    let mut over = pres.clone();
    over.credentials[0]
        .disclosed
        .insert("birth_date".into(), json!("1990-05-17"));
    assert_eq!(split(&over), ev.evaluate(&p, &req, &over));
    assert_eq!(codes(&split(&over)), ["over_disclosure"]);
    let mut forged = pres.clone();
    forged.credentials[0]
        .disclosed
        .insert("holder_name".into(), json!("李四"));
    assert_eq!(split(&forged), ev.evaluate(&p, &req, &forged));
    assert_eq!(codes(&split(&forged)), ["verification_failed"]);
}

/// A paper license issued in 2015 and converted (signed) this year with a key
/// made 30 days ago: a policy that asks for the issue date accepts it (the
/// key was open between the issue date and the presentation), and a
/// freshness rule still sees the original date.
#[test]
fn converted_paper_license_keeps_its_issue_date() {
    let mut f = Fixture::new(309);
    let issuer = f.issuer_with_window(
        "330106",
        &["household_register"],
        now() - Duration::days(30),
        now() + Duration::days(700),
    );
    let cred = f.converted(
        &issuer,
        "household_register",
        &[
            ("issue_date", json!("2015-06-01")),
            ("valid_from", json!("2015-06-01")),
        ],
    );
    assert_eq!(cred.attributes["issue_date"], "2015-06-01");
    let policy = |freshness: serde_json::Value| {
        let mut requirement = json!({
            "id": "holder", "types": ["household_register"],
            "disclose": ["holder_name", "issue_date"]
        });
        if !freshness.is_null() {
            requirement["freshness"] = freshness;
        }
        let text = json!({
            "format": "zkcred-policy", "format_version": 1,
            "id": "converted", "version": 1,
            "verifier": {"id": "bank.example.cn", "name": "示例银行", "region": "330106"},
            "purpose": {"category": "identity_registration", "description": "Open an account",
                        "legal_basis": "《中华人民共和国反洗钱法》"},
            "retention": {"days": 365},
            "requirements": [requirement]
        })
        .to_string();
        PolicyLoader::new(catalogue())
            .with_registry(&f.registry)
            .parse("inline.json", &text)
            .unwrap()
    };
    let plain = policy(serde_json::Value::Null);
    let fresh = policy(json!({"max_credential_age_days": 300}));
    let req = plain
        .request(&choices(&["household_register"]), now(), &mut f.rng)
        .unwrap();
    let (req, pres) = answer(&mut f, &req, vec![cred.clone()]);
    let d = evaluate(&f, &plain, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert!(matches!(
        d.credentials[0].admission.as_ref().unwrap().key_check,
        zkcred_policy::recognition::KeyCheck::IssueDate
    ));
    // Issued more than 300 days ago: a freshness rule refuses it.
    let req = fresh
        .request(&choices(&["household_register"]), now(), &mut f.rng)
        .unwrap();
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &fresh, &req, &pres);
    assert_eq!(codes(&d), vec!["predicate_not_satisfied"]);
}

/// The car rental links the ID card and the driver's license by holder_id:
/// the request carries the equality, the holder proves it, and a license
/// of someone else cannot be presented.
#[test]
fn links_prove_one_holder() {
    let mut f = Fixture::new(320);
    let policy = load(&f, "car-rental.json");
    let req = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    // Every accepted type of the renter; the license's statements: still
    // valid, and the same holder_id as entry 0.
    assert_eq!(req.credentials[0].credential_type, "resident_id_card");
    assert_eq!(
        req.credentials[0].accepted_types,
        vec!["resident_id_card", "residence_permit"]
    );
    assert!(req.credentials[1].accepted_types.is_empty());
    assert_eq!(
        req.credentials[1].statements,
        vec![
            Statement::Range(RangeStatement::bound(
                "valid_until",
                RangeOp::Gt,
                json!("2026-03-01")
            )),
            Statement::Equal(zkcred_credential::EqualStatement::new(
                "holder_id",
                0,
                "holder_id"
            )),
        ]
    );
    assert!(!req
        .credentials
        .iter()
        .any(|rc| rc.disclose.contains(&"holder_id".to_string())));
    req.validate(catalogue()).unwrap();
    let id_issuer = f.issuer("440305", &["resident_id_card"]);
    let dl_issuer = f.issuer("440305", &["drivers_license"]);
    let id = f.credential(&id_issuer, "resident_id_card", &[]);
    let dl = f.credential(&dl_issuer, "drivers_license", &[]);
    let (req, pres) = answer(&mut f, &req, vec![id.clone(), dl]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert_eq!(d.links.len(), 1);
    assert_eq!(d.links[0].status, LinkStatus::Proven);
    assert_eq!(d.links[0].requirements, vec!["renter", "licence"]);
    let log = d.to_log_json();
    assert!(!log.contains("330106199005170019"), "{log}");
    assert!(d.values().unwrap().get("licence", "holder_id").is_none());
    // Someone else's license: the equality cannot be proven.
    let other = f.credential(
        &dl_issuer,
        "drivers_license",
        // Another birth date: the fixture gives another ID number.
        &[("birth_date", json!("1985-01-01"))],
    );
    let e = try_answer(&mut f, &req, vec![id.clone(), other]).unwrap_err();
    assert!(e.contains("holder_id = entry 0's holder_id"), "{e}");
    // A presentation without the equality: the link is unproven.
    let mut unlinked = pres.clone();
    unlinked.credentials[1]
        .statements
        .retain(|s| matches!(s, Statement::Range(_)));
    let d = evaluate(&f, &policy, &req, &unlinked);
    assert!(!d.is_accepted());
    // A request without the link's statement, honestly answered: the
    // credentials verify, but nothing ties them to one holder.
    let mut no_link = req.clone();
    no_link.credentials[1]
        .statements
        .retain(|s| matches!(s, Statement::Range(_)));
    let id = f.credential(&id_issuer, "resident_id_card", &[]);
    let dl = f.credential(&dl_issuer, "drivers_license", &[]);
    let (no_link, pres) = answer(&mut f, &no_link, vec![id, dl]);
    let d = evaluate(&f, &policy, &no_link, &pres);
    assert_eq!(codes(&d), vec!["link_unproven"]);
    assert_eq!(d.links[0].status, LinkStatus::Unproven);
}

/// The engine's own judgement of verified statements, given directly to
/// `conclude` (as a batching verifier does): which bounds establish a
/// predicate, and when a link holds.
#[test]
fn conclude_judges_verified_statements() {
    use std::collections::BTreeMap;
    use zkcred_credential::{DisclosedCredential, EqualStatement};
    let mut f = Fixture::new(321);
    let policy = load(&f, "car-rental.json");
    let id_issuer = f.issuer("440305", &["resident_id_card"]);
    let dl_issuer = f.issuer("440305", &["drivers_license"]);
    let entry =
        |ty: &str, issuer: &str, attributes: &[(&str, &str)], statements: Vec<Statement>| {
            DisclosedCredential {
                credential_type: ty.into(),
                issuer: issuer.into(),
                key_id: f.key_id(issuer),
                suite: zkcred_crypto::bbs::Suite::Bls12381Sha256,
                attributes: attributes
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            Some(zkcred_credential::AttributeValue::String(v.to_string())),
                        )
                    })
                    .collect::<BTreeMap<_, _>>(),
                statements,
                pseudonym: None,
                status_epoch: None,
            }
        };
    let range =
        |a: &str, op, v: serde_json::Value| Statement::Range(RangeStatement::bound(a, op, v));
    let link = Statement::Equal(EqualStatement::new("holder_id", 0, "holder_id"));
    let clock = FixedClock::new(now());
    let ev = Evaluator {
        catalogue: catalogue(),
        registry: &f.registry,
        clock: &clock,
    };
    let decide = |age: Statement, licence: Vec<Statement>| {
        ev.conclude(
            &policy,
            Ok(vec![
                entry(
                    "resident_id_card",
                    &id_issuer,
                    &[("holder_name", "张伟")],
                    vec![age],
                ),
                entry(
                    "drivers_license",
                    &dl_issuer,
                    &[("vehicle_class", "C1")],
                    licence,
                ),
            ]),
        )
    };
    let valid = range("valid_until", RangeOp::Gt, json!("2026-03-01"));
    // As requested: accepted.
    let d = decide(
        range("birth_date", RangeOp::Le, json!("2008-03-01")),
        vec![valid.clone(), link.clone()],
    );
    assert!(d.is_accepted(), "{:?}", d.reasons);
    // Stricter than needed still establishes it; a day looser does not.
    let d = decide(
        range("birth_date", RangeOp::Lt, json!("2008-03-01")),
        vec![valid.clone(), link.clone()],
    );
    assert!(d.is_accepted(), "{:?}", d.reasons);
    let d = decide(
        range("birth_date", RangeOp::Le, json!("2008-03-02")),
        vec![valid.clone(), link.clone()],
    );
    assert_eq!(codes(&d), vec!["predicate_unproven"]);
    // A range on another attribute proves nothing about this one.
    let d = decide(
        range("issue_date", RangeOp::Le, json!("2008-03-01")),
        vec![valid.clone(), link.clone()],
    );
    assert_eq!(codes(&d), vec!["predicate_unproven"]);
    // `between` works when its upper bound is strict enough.
    let d = decide(
        Statement::Range(RangeStatement::between(
            "birth_date",
            json!("1900-01-01"),
            json!("2000-01-01"),
        )),
        vec![valid.clone(), link.clone()],
    );
    assert!(d.is_accepted(), "{:?}", d.reasons);
    // valid_until >= the presentation date is one day short of "after".
    let d = decide(
        range("birth_date", RangeOp::Le, json!("2008-03-01")),
        vec![
            range("valid_until", RangeOp::Ge, json!("2026-03-01")),
            link.clone(),
        ],
    );
    assert_eq!(codes(&d), vec!["predicate_unproven"]);
    // No equality, or one with another attribute or entry: the link is unproven.
    for wrong in [
        None,
        Some(Statement::Equal(EqualStatement::new(
            "holder_name",
            0,
            "holder_name",
        ))),
        Some(Statement::Equal(EqualStatement::new(
            "holder_id",
            0,
            "license_number",
        ))),
    ] {
        let mut licence = vec![valid.clone()];
        licence.extend(wrong);
        let d = decide(
            range("birth_date", RangeOp::Le, json!("2008-03-01")),
            licence,
        );
        assert_eq!(codes(&d), vec!["link_unproven"]);
        assert_eq!(
            d.reasons,
            vec![Reason::LinkUnproven {
                attribute: "holder_id".into(),
                requirements: vec!["renter".into(), "licence".into()],
            }]
        );
        assert_eq!(d.links[0].status, LinkStatus::Unproven);
        assert!(d.reasons[0].explain().contains("renter, licence"));
        assert_eq!(
            d.reason_codes()[0].status(),
            zkcred_problem::ProblemCode::PredicateUnproven.status()
        );
    }
}

/// A request made just before midnight (China Standard Time) and answered
/// just after: the age bound of the day before is stricter than needed and
/// still proves the age; "still valid" on the day before is a day short.
#[test]
fn requests_across_midnight() {
    let mut f = Fixture::new(322);
    let policy = load(&f, "car-rental.json");
    // 2026-03-01 23:59:50 in Beijing; evaluated 30 s later, on 2026-03-02.
    let made = now() + Duration::hours(8) - Duration::seconds(10);
    let at = made + Duration::seconds(30);
    let req = policy
        .request(&policy.default_choices(), made, &mut f.rng)
        .unwrap();
    let id_issuer = f.issuer("440305", &["resident_id_card"]);
    let dl_issuer = f.issuer("440305", &["drivers_license"]);
    let id = f.credential(&id_issuer, "resident_id_card", &[]);
    let dl = f.credential(&dl_issuer, "drivers_license", &[]);
    let (req, pres) = answer(&mut f, &req, vec![id, dl]);
    let d = evaluate_with(&f.registry, &policy, &req, &pres, at);
    // The request is still one the policy makes (made the day before).
    assert_eq!(codes(&d), vec!["predicate_unproven"], "{:?}", d.reasons);
    assert!(matches!(
        &d.reasons[0],
        Reason::PredicateUnproven { requirement, predicate }
            if requirement == "licence" && predicate.starts_with("valid_until")
    ));
    assert_eq!(
        d.credentials[0].predicates[0].established,
        Some(Established::Proven)
    );
    // The same request evaluated before midnight is accepted.
    let d = evaluate_with(
        &f.registry,
        &policy,
        &req,
        &pres,
        made + Duration::seconds(5),
    );
    assert!(d.is_accepted(), "{:?}", d.reasons);
}

/// A verifier may not add statements of its own (each one tells it a bit
/// about the holder) nor ask to disclose what the policy proves.
#[test]
fn requests_with_statements_the_policy_does_not_make() {
    let mut f = Fixture::new(323);
    let policy = load(&f, "venue-age-check.json");
    let issuer = f.issuer("440305", &["drivers_license"]);
    let cred = f.credential(&issuer, "drivers_license", &[]);
    let good = policy
        .request(&choices(&["drivers_license"]), now(), &mut f.rng)
        .unwrap();
    let mut probing = good.clone();
    probing.credentials[0].statements = vec![Statement::Range(RangeStatement::bound(
        "birth_date",
        RangeOp::Le,
        json!("1990-06-01"),
    ))];
    let (probing, pres) = answer(&mut f, &probing, vec![cred.clone()]);
    let d = evaluate(&f, &policy, &probing, &pres);
    assert_eq!(codes(&d), vec!["request_not_from_policy"]);
    assert!(d.reasons[0].explain().contains("birth_date <= 1990-06-01"));
    let mut extra = good.clone();
    extra.credentials[0]
        .statements
        .push(Statement::Range(RangeStatement::bound(
            "penalty_points",
            RangeOp::Lt,
            json!(100),
        )));
    let (extra, pres) = answer(&mut f, &extra, vec![cred.clone()]);
    assert_eq!(
        codes(&evaluate(&f, &policy, &extra, &pres)),
        vec!["request_not_from_policy"]
    );
    // Disclosing the birth date instead of proving it.
    let mut disclosing = good.clone();
    disclosing.credentials[0].statements.clear();
    disclosing.credentials[0].disclose = vec!["birth_date".into()];
    let (disclosing, pres) = answer(&mut f, &disclosing, vec![cred.clone()]);
    let d = evaluate(&f, &policy, &disclosing, &pres);
    assert!(codes(&d).contains(&"request_not_from_policy"));
    assert!(d
        .reasons
        .iter()
        .any(|r| r.explain().contains("proves without disclosure")));
    assert!(codes(&d).contains(&"over_disclosure"));
    // Types the requirement does not accept among the alternatives.
    let mut alt = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    assert_eq!(alt.credentials[0].accepted_types.len(), 3);
    alt.credentials[0]
        .accepted_types
        .push("vehicle_license".into());
    let d = evaluate(&f, &policy, &alt, &pres);
    assert!(d
        .reasons
        .iter()
        .any(|r| r.explain().contains("vehicle_license is not accepted")));
    // The good one passes.
    let (good, pres) = answer(&mut f, &good, vec![cred]);
    assert!(evaluate(&f, &policy, &good, &pres).is_accepted());
}

/// `equals` / `one_of` are not proven (a proof of equality to a public
/// constant reveals the value): the attribute is disclosed to the engine,
/// checked and discarded; the integer predicate next to it is proven.
#[test]
fn set_predicates_stay_disclosed_to_the_engine() {
    let mut f = Fixture::new(324);
    let text = json!({
        "format": "zkcred-policy", "format_version": 1,
        "id": "fleet", "version": 1,
        "verifier": {"id": "fleet.example.cn", "name": "示例车队", "region": "330106"},
        "purpose": {"category": "employment_screening", "description": "Hire a driver",
                    "legal_basis": "《道路运输从业人员管理规定》"},
        "retention": {"days": 30},
        "requirements": [{
            "id": "driver", "types": ["drivers_license"],
            "disclose": ["holder_name"], "may_disclose": ["vehicle_class"],
            "predicates": [
                {"attribute": "vehicle_class", "op": "one_of", "values": ["vehicle_class-示例", "A1"]},
                {"attribute": "penalty_points", "op": "at_most", "value": 50}
            ]
        }]
    })
    .to_string();
    let policy = PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .parse("fleet.json", &text)
        .unwrap();
    let req = policy
        .request(&policy.default_choices(), now(), &mut f.rng)
        .unwrap();
    assert_eq!(
        req.credentials[0].disclose,
        vec!["holder_name", "vehicle_class"]
    );
    assert_eq!(
        req.credentials[0].statements,
        vec![Statement::Range(RangeStatement::bound(
            "penalty_points",
            RangeOp::Le,
            json!(50)
        ))]
    );
    let issuer = f.issuer("330106", &["drivers_license"]);
    let cred = f.credential(&issuer, "drivers_license", &[]);
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &policy, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    let how: Vec<_> = d.credentials[0]
        .predicates
        .iter()
        .map(|p| p.established)
        .collect();
    assert_eq!(
        how,
        vec![Some(Established::Disclosed), Some(Established::Proven)]
    );
    // Asked for as optional, the value is returned; it was needed anyway.
    assert!(d.values().unwrap().get("driver", "vehicle_class").is_some());
    assert!(d
        .values()
        .unwrap()
        .get("driver", "penalty_points")
        .is_none());
    // Without the optional use, the engine-only value is discarded.
    let text2 = text.replace("\"may_disclose\":[\"vehicle_class\"],", "");
    let policy2 = PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .parse("fleet.json", &text2)
        .unwrap();
    assert!(policy2.requirements[0].may_disclose.is_empty(), "{text2}");
    assert_eq!(
        policy2.requirements[0].predicate_only_attributes(),
        vec!["vehicle_class"]
    );
    let req = policy2
        .request(&policy2.default_choices(), now(), &mut f.rng)
        .unwrap();
    let cred = f.credential(&issuer, "drivers_license", &[]);
    let (req, pres) = answer(&mut f, &req, vec![cred]);
    let d = evaluate(&f, &policy2, &req, &pres);
    assert!(d.is_accepted(), "{:?}", d.reasons);
    assert_eq!(
        d.credentials[0].discarded,
        vec!["vehicle_class".to_string()]
    );
    assert!(d.values().unwrap().get("driver", "vehicle_class").is_none());
}

/// `policy` with a pseudonym in `context`.
fn with_pseudonym(f: &Fixture, file: &str, context: &str) -> Policy {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example(file)).unwrap()).unwrap();
    v["pseudonym"] = json!({ "context": context });
    PolicyLoader::new(catalogue())
        .with_registry(&f.registry)
        .parse(file, &v.to_string())
        .unwrap()
}

#[test]
fn pseudonyms_recognise_a_holder_in_one_context_only() {
    let mut f = Fixture::new(1400);
    let chain = with_pseudonym(&f, "hotel-check-in.json", "hotel:chain-a");
    let other = with_pseudonym(&f, "hotel-check-in.json", "hotel:chain-b");
    let issuer = f.issuer("310104", &["resident_id_card"]);
    let card = f.credential(&issuer, "resident_id_card", &[]);
    fn stay(f: &mut Fixture, policy: &Policy, cred: &zkcred_credential::Credential) -> String {
        let req = policy
            .request(&policy.default_choices(), now(), &mut f.rng)
            .unwrap();
        assert_eq!(
            req.pseudonym.as_ref().map(|p| p.context.as_str()),
            policy.spec.pseudonym.as_ref().map(|p| p.context.as_str())
        );
        let (req, pres) = answer(f, &req, vec![cred.clone()]);
        let d = evaluate(f, policy, &req, &pres);
        assert!(d.is_accepted(), "{:?}", d.reasons);
        // Never serialised with the decision (so never logged).
        let p = d.pseudonym().unwrap().to_owned();
        assert!(!d.to_log_json().contains(&p));
        assert!(!serde_json::to_string(&d).unwrap().contains(&p));
        p
    }
    let first = stay(&mut f, &chain, &card);
    let second = stay(&mut f, &chain, &card);
    assert_eq!(first, second, "the same holder, the same context");
    assert_eq!(first.len(), 96);
    let elsewhere = stay(&mut f, &other, &card);
    assert_ne!(first, elsewhere, "another context");
    // Another holder (another wallet's secret) in the same context.
    let mut g = Fixture::new(1401);
    let chain_g = with_pseudonym(&g, "hotel-check-in.json", "hotel:chain-a");
    let issuer_g = g.issuer("310104", &["resident_id_card"]);
    let card_g = g.credential(&issuer_g, "resident_id_card", &[]);
    assert_ne!(first, stay(&mut g, &chain_g, &card_g), "another holder");

    // A request without the policy's pseudonym, or with another context,
    // is not this policy's.
    for asked in [None, Some("hotel:chain-b")] {
        let mut req = chain
            .request(&chain.default_choices(), now(), &mut f.rng)
            .unwrap();
        req.pseudonym = asked.map(|c| zkcred_credential::PseudonymRequest { context: c.into() });
        let (req, pres) = answer(&mut f, &req, vec![card.clone()]);
        let d = evaluate(&f, &chain, &req, &pres);
        assert!(codes(&d).contains(&"request_not_from_policy"), "{asked:?}");
        assert!(d.pseudonym().is_none());
    }
    // A pseudonym swapped into another presentation's proof does not verify
    // (the crypto tests swap the point itself; here a whole proof from
    // another context).
    let req_a = chain
        .request(&chain.default_choices(), now(), &mut f.rng)
        .unwrap();
    let (req_a, _) = answer(&mut f, &req_a, vec![card.clone()]);
    let req_b = other
        .request(&other.default_choices(), now(), &mut f.rng)
        .unwrap();
    let (_, pres_b) = answer(&mut f, &req_b, vec![card]);
    let d = evaluate(&f, &chain, &req_a, &pres_b);
    assert!(!d.is_accepted());
}
