//! Composite presentations: statements about hidden attributes (ranges,
//! equalities) proven in one proof, through the credential layer's
//! `present` and `verify_presentation`.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

mod common;

use common::*;
use serde_json::json;
use time::Duration;
use zkcred_credential::presentation::{EqualStatement, RangeOp, RangeStatement, Statement};
use zkcred_credential::{
    issue_to, present, verify_presentation, AttributeValue, Catalogue, Credential, Date, Error,
    PresentationRequest, RequestedCredential,
};
use zkcred_crypto::bbs::Suite;

struct Holder {
    keys: zkcred_credential::KeySet,
    key: zkcred_credential::IssuerKey,
    id: Credential,
    dl: Credential,
    id_number: String,
}

/// An ID card and a driver's license of one person born on `birth`, the
/// license valid until `valid_until` (or without expiry).
fn holder(c: &Catalogue, seed: u64, birth: &str, valid_until: Option<&str>) -> Holder {
    holder_in(c, seed, birth, valid_until, None)
}

/// As [`holder`], the credentials bound to `secret` when given (another
/// wallet of the same person).
fn holder_in(
    c: &Catalogue,
    seed: u64,
    birth: &str,
    valid_until: Option<&str>,
    secret: Option<zkcred_credential::HolderSecret>,
) -> Holder {
    let mut rng = rng(seed);
    let key = issuer_key(ISSUER, Suite::Bls12381Sha256, &mut rng);
    let mut keys = zkcred_credential::KeySet::new();
    keys.insert(key.public().clone());
    let birth = Date::parse(birth).unwrap();
    let id_number = resident_id(&mut rng, birth);
    let drawn = zkcred_credential::HolderSecret::random(&mut rng);
    let secret = secret.unwrap_or(drawn);
    let mut make = |ty: &str| {
        let t = c.get(ty).unwrap();
        // A license without expiry: its optional attributes all absent.
        let optional = ty != "drivers_license" || valid_until.is_some();
        let mut attrs = sample_attributes(t, &mut rng, Some(optional));
        attrs.insert("birth_date", AttributeValue::Date(birth));
        attrs.insert("holder_id", AttributeValue::String(id_number.clone()));
        if t.attribute("license_number").is_some() && t.license_number_format.is_some() {
            attrs.insert("license_number", AttributeValue::String(id_number.clone()));
        }
        if let (true, Some(v)) = (ty == "drivers_license", valid_until) {
            attrs.insert("valid_until", AttributeValue::Date(Date::parse(v).unwrap()));
        }
        issue_to(
            c,
            &key,
            ty,
            &attrs,
            &zkcred_credential::IssueOptions::default(),
            &secret,
            now(),
            &mut rng,
        )
        .unwrap()
    };
    let id = make("resident_id_card");
    let dl = make("drivers_license");
    Holder {
        keys,
        key,
        id,
        dl,
        id_number,
    }
}

fn range(attribute: &str, op: RangeOp, value: serde_json::Value) -> Statement {
    RangeStatement::bound(attribute, op, value).into()
}

fn request(entries: Vec<RequestedCredential>, seed: u64) -> PresentationRequest {
    PresentationRequest::new(
        "ktv.example",
        entries,
        now() + Duration::minutes(5),
        &mut rng(seed),
    )
    .unwrap()
}

/// 2026-03-01 minus 18 years.
const ADULT_BOUND: &str = "2008-03-01";

fn age_request(seed: u64) -> PresentationRequest {
    let mut rc = RequestedCredential::new("resident_id_card", &[]);
    rc.statements = vec![range("birth_date", RangeOp::Le, json!(ADULT_BOUND))];
    request(vec![rc], seed)
}

#[test]
fn an_adult_is_admitted_without_any_trace_of_the_birth_date() {
    let c = Catalogue::builtin();
    let h = holder(c, 1, "2000-07-15", Some("2030-01-01"));
    let req = age_request(2);
    let p = present(c, &req, &[(&h.id, h.key.public())], now(), &mut rng(3)).unwrap();
    assert!(p.proof.is_some() && p.credentials[0].proof.is_none());
    let out = verify_presentation(c, &req, &p, &h.keys, now()).unwrap();
    assert!(out[0].attributes.is_empty());
    assert_eq!(out[0].statements, req.credentials[0].statements);
    // Neither the date, nor its day count, nor the ID number (which holds
    // the date) is anywhere in the document.
    let text = p.to_json();
    let days = Date::parse("2000-07-15").unwrap().days();
    for needle in ["2000-07-15", "20000715", &days.to_string(), &h.id_number] {
        assert!(!text.contains(needle), "{needle} leaked");
    }
    let bytes = hex::decode(&p.proof.as_ref().unwrap().value).unwrap();
    assert!(!bytes.windows(4).any(|w| w == (days as u32).to_be_bytes()));
}

#[test]
fn bounds_at_and_either_side_across_a_leap_day() {
    let c = Catalogue::builtin();
    // Born 2008-02-29: on 2026-03-01 the bound 2008-03-01 admits, 2008-02-28 does not.
    let h = holder(c, 4, "2008-02-29", Some("2030-01-01"));
    for (op, bound, holds) in [
        (RangeOp::Le, "2008-02-29", true),
        (RangeOp::Le, "2008-03-01", true),
        (RangeOp::Le, "2008-02-28", false),
        (RangeOp::Lt, "2008-02-29", false),
        (RangeOp::Lt, "2008-03-01", true),
        (RangeOp::Ge, "2008-02-29", true),
        (RangeOp::Ge, "2008-03-01", false),
        (RangeOp::Gt, "2008-02-28", true),
        (RangeOp::Gt, "2008-02-29", false),
    ] {
        let mut rc = RequestedCredential::new("resident_id_card", &["holder_name"]);
        rc.statements = vec![range("birth_date", op, json!(bound))];
        let req = request(vec![rc], 5);
        let r = present(c, &req, &[(&h.id, h.key.public())], now(), &mut rng(6));
        match r {
            Ok(p) => {
                assert!(holds, "{op:?} {bound} proved though false");
                verify_presentation(c, &req, &p, &h.keys, now()).unwrap();
            }
            Err(Error::StatementNotSatisfied {
                entry: 0,
                statement,
            }) => {
                assert!(!holds, "{op:?} {bound} refused though true");
                assert!(statement.contains("birth_date"), "{statement}");
                assert!(!statement.contains("2008-02-29") || bound == "2008-02-29");
            }
            Err(e) => panic!("{e}"),
        }
    }
    let mut rc = RequestedCredential::new("resident_id_card", &[]);
    rc.statements =
        vec![
            RangeStatement::between("birth_date", json!("2008-02-29"), json!("2008-02-29")).into(),
        ];
    let req = request(vec![rc], 7);
    let p = present(c, &req, &[(&h.id, h.key.public())], now(), &mut rng(8)).unwrap();
    verify_presentation(c, &req, &p, &h.keys, now()).unwrap();
}

#[test]
fn a_minor_is_refused_by_the_wallet() {
    let c = Catalogue::builtin();
    let h = holder(c, 9, "2010-05-01", Some("2030-01-01"));
    let err = present(
        c,
        &age_request(10),
        &[(&h.id, h.key.public())],
        now(),
        &mut rng(11),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::StatementNotSatisfied { entry: 0, .. }),
        "{err}"
    );
}

#[test]
fn the_same_person_across_two_credentials_and_not_across_two_people() {
    let c = Catalogue::builtin();
    let a = holder(c, 12, "1990-01-01", Some("2030-01-01"));
    let mut id_rc = RequestedCredential::new("resident_id_card", &["holder_name"]);
    id_rc.statements = vec![range("birth_date", RangeOp::Le, json!(ADULT_BOUND))];
    let mut dl_rc = RequestedCredential::new("drivers_license", &["vehicle_class"]);
    dl_rc.statements = vec![
        range("valid_until", RangeOp::Gt, json!("2026-03-01")),
        EqualStatement::new("holder_id", 0, "holder_id").into(),
    ];
    let req = request(vec![id_rc, dl_rc], 13);
    let p = present(
        c,
        &req,
        &[(&a.id, a.key.public()), (&a.dl, a.key.public())],
        now(),
        &mut rng(14),
    )
    .unwrap();
    let out = verify_presentation(c, &req, &p, &a.keys, now()).unwrap();
    assert_eq!(out[1].statements.len(), 2);
    assert!(!p.to_json().contains(&a.id_number));

    // Another person's license (another wallet, another ID number): the
    // wallet refuses, on the holder binding first.
    let b = holder(c, 15, "1991-01-01", Some("2030-01-01"));
    let err = present(
        c,
        &req,
        &[(&a.id, a.key.public()), (&b.dl, b.key.public())],
        now(),
        &mut rng(16),
    )
    .unwrap_err();
    assert!(matches!(err, Error::HolderMismatch { entry: 1 }), "{err}");
    // A license of another ID number bound to the same holder secret (one
    // wallet holding two people's licenses): the equality statement
    // refuses it.
    let shared = || Some(zkcred_credential::HolderSecret::random(&mut rng(777)));
    let a2 = holder_in(c, 12, "1990-01-01", Some("2030-01-01"), shared());
    let b2 = holder_in(c, 15, "1991-01-01", Some("2030-01-01"), shared());
    let err = present(
        c,
        &req,
        &[(&a2.id, a2.key.public()), (&b2.dl, b2.key.public())],
        now(),
        &mut rng(16),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::StatementNotSatisfied { entry: 1, .. }),
        "{err}"
    );

    // The same person's license kept in another wallet (another holder
    // secret, the same ID number): not presentable with this ID card.
    let elsewhere = holder_in(
        c,
        12,
        "1990-01-01",
        Some("2030-01-01"),
        Some(zkcred_credential::HolderSecret::random(&mut rng(98))),
    );
    assert_eq!(elsewhere.id_number, a.id_number);
    let err = present(
        c,
        &req,
        &[(&a.id, a.key.public()), (&elsewhere.dl, a.key.public())],
        now(),
        &mut rng(16),
    )
    .unwrap_err();
    assert!(matches!(err, Error::HolderMismatch { entry: 1 }), "{err}");

    // A license that expires on the requested date (the statement asks for later).
    let old = holder(c, 17, "1990-01-01", Some("2026-03-01"));
    let err = present(
        c,
        &req,
        &[(&old.id, old.key.public()), (&old.dl, old.key.public())],
        now(),
        &mut rng(18),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::StatementNotSatisfied { entry: 1, .. }),
        "{err}"
    );
}

#[test]
fn a_license_without_expiry_answers_its_validity_statement_with_null() {
    let c = Catalogue::builtin();
    let h = holder(c, 19, "1980-01-01", None);
    let mut rc = RequestedCredential::new("drivers_license", &[]);
    rc.statements = vec![range("valid_until", RangeOp::Gt, json!("2026-03-01"))];
    let req = request(vec![rc], 20);
    let p = present(c, &req, &[(&h.dl, h.key.public())], now(), &mut rng(21)).unwrap();
    assert_eq!(
        p.credentials[0].disclosed["valid_until"],
        serde_json::Value::Null
    );
    assert!(p.credentials[0].statements.is_empty());
    let out = verify_presentation(c, &req, &p, &h.keys, now()).unwrap();
    assert_eq!(out[0].attributes["valid_until"], None);
    assert!(out[0].statements.is_empty());
}

#[test]
fn tampering_with_statements_bounds_or_the_proof_is_refused() {
    let c = Catalogue::builtin();
    let h = holder(c, 22, "2000-07-15", Some("2030-01-01"));
    let req = age_request(23);
    let p = present(c, &req, &[(&h.id, h.key.public())], now(), &mut rng(24)).unwrap();
    verify_presentation(c, &req, &p, &h.keys, now()).unwrap();

    // The presented statement, with another bound.
    let mut q = p.clone();
    q.credentials[0].statements = vec![range("birth_date", RangeOp::Le, json!("2008-03-02"))];
    assert!(verify_presentation(c, &req, &q, &h.keys, now()).is_err());
    // A request with a stricter bound the proof was not made for: another digest.
    let mut stricter = req.clone();
    stricter.credentials[0].statements =
        vec![range("birth_date", RangeOp::Le, json!("2000-01-01"))];
    assert!(verify_presentation(c, &stricter, &p, &h.keys, now()).is_err());
    // The statement removed, or the attribute disclosed as null instead.
    let mut q = p.clone();
    q.credentials[0].statements.clear();
    assert!(verify_presentation(c, &req, &q, &h.keys, now()).is_err());
    let mut q = p.clone();
    q.credentials[0]
        .disclosed
        .insert("birth_date".into(), serde_json::Value::Null);
    assert!(verify_presentation(c, &req, &q, &h.keys, now()).is_err());
    // Each octet of the proof.
    let bytes = hex::decode(&p.proof.as_ref().unwrap().value).unwrap();
    for pos in (0..bytes.len()).step_by(37) {
        let mut b = bytes.clone();
        b[pos] ^= 0x10;
        let mut q = p.clone();
        q.proof.as_mut().unwrap().value = hex::encode(b);
        assert!(
            verify_presentation(c, &req, &q, &h.keys, now()).is_err(),
            "octet {pos}"
        );
    }
    // A per-entry proof where the composite belongs, and no proof at all.
    let mut q = p.clone();
    q.credentials[0].proof = q.proof.take();
    assert!(matches!(
        verify_presentation(c, &req, &q, &h.keys, now()),
        Err(Error::UnsupportedProof { .. })
    ));
    let mut q = p.clone();
    q.proof = None;
    assert!(matches!(
        verify_presentation(c, &req, &q, &h.keys, now()),
        Err(Error::UnsupportedProof { .. })
    ));
    // JSON round trip.
    let back = zkcred_credential::Presentation::from_json(&p.to_json()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn an_entry_accepts_any_of_its_types() {
    let c = Catalogue::builtin();
    let h = holder(c, 25, "1990-01-01", Some("2030-01-01"));
    let mut rc = RequestedCredential::new("resident_id_card", &["holder_name"]);
    rc.accepted_types = vec!["resident_id_card".into(), "drivers_license".into()];
    rc.statements = vec![range("birth_date", RangeOp::Le, json!(ADULT_BOUND))];
    let req = request(vec![rc], 26);
    let p = present(c, &req, &[(&h.dl, h.key.public())], now(), &mut rng(27)).unwrap();
    let out = verify_presentation(c, &req, &p, &h.keys, now()).unwrap();
    assert_eq!(out[0].credential_type, "drivers_license");
}
