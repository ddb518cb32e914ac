//! Every catalogue type: issue, store in a wallet, present several disclosure
//! subsets, verify; tampering with any part of a presentation fails with a
//! specific error.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use time::Duration;
use zkcred_credential::presentation::ProofObject;
use zkcred_credential::{
    issue, layout, verify_presentation, AttributeError, AttributeSet, Catalogue, Credential,
    CredentialType, Error, KeySet, Presentation, PresentationRequest, RequestedCredential,
    Statement, Wallet,
};
use zkcred_crypto::bbs::Suite;

const VERIFIER: &str = "hr.example-employer.cn";

fn request(
    t: &CredentialType,
    disclose: &[&str],
    rng: &mut rand::rngs::StdRng,
) -> PresentationRequest {
    PresentationRequest::new(
        VERIFIER,
        vec![RequestedCredential::new(&t.id, disclose)],
        now() + Duration::minutes(5),
        rng,
    )
    .unwrap()
}

fn check_disclosed(
    c: &Catalogue,
    req: &PresentationRequest,
    p: &Presentation,
    keys: &KeySet,
    issued: &AttributeSet,
) {
    let out = verify_presentation(c, req, p, keys, now()).unwrap();
    assert_eq!(out.len(), 1);
    let d = &out[0];
    assert_eq!(d.credential_type, req.credentials[0].credential_type);
    assert_eq!(d.issuer, ISSUER);
    assert_eq!(d.attributes.len(), req.credentials[0].disclose.len());
    for (name, v) in &d.attributes {
        assert_eq!(v.as_ref(), issued.get(name), "{name}");
    }
}

#[test]
fn every_type_round_trips_through_a_wallet() {
    let c = Catalogue::builtin();
    let mut rng = rng(1);
    let mut keys = KeySet::new();
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::init(dir.path(), PASS, small_kdf(), &mut rng).unwrap();
    for (n, t) in c.types().enumerate() {
        // A key of the kind of department that issues the type.
        let key = issuer_key_for(ISSUER, t, &mut rng);
        keys.insert(key.public().clone());
        let attrs = sample_attributes(t, &mut rng, if n % 2 == 0 { None } else { Some(false) });
        // Blind issuance to the wallet; the envelope survives JSON, and
        // only the wallet that asked for it can bind and verify it.
        let issued = issue_for_wallet(
            &wallet,
            c,
            &key,
            &attrs,
            &t.id,
            &zkcred_credential::IssueOptions::default(),
            &mut rng,
        );
        let cred = Credential::from_json(&issued.to_json()).unwrap();
        assert_eq!(cred, issued);
        assert!(matches!(
            cred.verify(c, &keys),
            Err(Error::HolderBindingMissing)
        ));
        let id = wallet.add(c, &keys, cred, &mut rng).unwrap();
        assert_eq!(
            wallet
                .get(&id)
                .unwrap()
                .credential
                .verify(c, &keys)
                .unwrap(),
            attrs
        );
        let entry = wallet.get(&id).unwrap();
        assert_eq!(entry.credential.attribute_set(c).unwrap(), attrs);

        let names: Vec<&str> = t.attributes.iter().map(|a| a.name.as_str()).collect();
        let mut random: Vec<&str> = names.clone();
        random.shuffle(&mut rng);
        random.truncate(rng.gen_range(1..=4));
        let optional: Vec<&str> = t
            .attributes
            .iter()
            .filter(|a| a.optional)
            .map(|a| a.name.as_str())
            .collect();
        let subsets: Vec<Vec<&str>> =
            vec![vec![], vec!["holder_name"], names.clone(), random, optional];
        for disclose in subsets {
            let req = request(t, &disclose, &mut rng);
            let p = wallet
                .present(c, &req, &[Some(&id)], now(), &mut rng)
                .unwrap();
            let p = Presentation::from_json(&p.to_json()).unwrap();
            assert_eq!(p.credentials[0].disclosed.len(), disclose.len());
            check_disclosed(c, &req, &p, &keys, &attrs);
        }
    }
    assert_eq!(wallet.list(c).unwrap().len(), c.len());
}

/// A presentation of `t` disclosing a few attributes (an optional one among them).
struct Fixture {
    keys: KeySet,
    req: PresentationRequest,
    p: Presentation,
    attrs: AttributeSet,
}

fn fixture(t: &CredentialType, seed: u64) -> Fixture {
    let c = Catalogue::builtin();
    let mut rng = rng(seed);
    let key = issuer_key_for(ISSUER, t, &mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    let attrs = sample_attributes(t, &mut rng, None);
    let cred = issue(c, &key, &t.id, &attrs, now(), &mut rng).unwrap();
    let mut disclose = vec!["holder_name", "valid_until", "issue_date"];
    disclose.extend(t.attributes.iter().skip(11).map(|a| a.name.as_str()));
    let req = request(t, &disclose, &mut rng);
    let p = zkcred_credential::present(c, &req, &[(&cred, key.public())], now(), &mut rng).unwrap();
    Fixture {
        keys,
        req,
        p,
        attrs,
    }
}

fn verify(f: &Fixture, p: &Presentation) -> Result<(), Error> {
    verify_presentation(Catalogue::builtin(), &f.req, p, &f.keys, now()).map(|_| ())
}

#[test]
fn tampering_with_any_disclosed_value_is_detected_for_every_type() {
    let c = Catalogue::builtin();
    for (n, t) in c.types().enumerate() {
        let f = fixture(t, 100 + n as u64);
        verify(&f, &f.p).unwrap();
        for name in f.p.credentials[0].disclosed.keys() {
            let ty = t.attribute(name).unwrap().ty;
            let mut p = f.p.clone();
            p.credentials[0]
                .disclosed
                .insert(name.clone(), common::altered(ty, f.attrs.get(name)));
            assert!(
                matches!(verify(&f, &p), Err(Error::ProofInvalid)),
                "{}.{name}",
                t.id
            );
        }
    }
}

#[test]
fn tampering_with_the_envelope_is_detected_specifically() {
    let c = Catalogue::builtin();
    let t = c.get("drivers_license").unwrap();
    let f = fixture(t, 7);
    let mut rng = rng(8);

    // Credential type: another type than requested.
    let mut p = f.p.clone();
    p.credentials[0].credential_type = "vehicle_license".into();
    assert!(matches!(
        verify(&f, &p),
        Err(Error::WrongCredentialType { .. })
    ));

    // Credential type changed in both request and presentation: the header binds it.
    let other = c.get("residence_permit").unwrap();
    let mut req = f.req.clone();
    req.credentials[0].credential_type = other.id.clone();
    req.credentials[0].disclose = vec![
        "holder_name".into(),
        "valid_until".into(),
        "issue_date".into(),
    ];
    let mut p = f.p.clone();
    p.credentials[0].credential_type = other.id.clone();
    p.credentials[0]
        .disclosed
        .retain(|k, _| req.credentials[0].disclose.contains(k));
    p.request_digest = hex::encode(req.digest());
    assert!(matches!(
        verify_presentation(c, &req, &p, &f.keys, now()),
        Err(Error::ProofInvalid)
    ));

    // Issuer: unknown issuer, or a known one whose key set lists the same key.
    let mut p = f.p.clone();
    p.credentials[0].issuer = OTHER_ISSUER.into();
    assert!(matches!(verify(&f, &p), Err(Error::UnknownKey { .. })));
    let mut keys = f.keys.clone();
    let mut alias = f.keys.keys().next().unwrap().clone();
    alias.issuer = OTHER_ISSUER.into();
    keys.insert(alias);
    assert!(matches!(
        verify_presentation(c, &f.req, &p, &keys, now()),
        Err(Error::ProofInvalid)
    ));
    let mut req = f.req.clone();
    req.credentials[0].issuers = vec![OTHER_ISSUER.into()];
    let mut p2 = f.p.clone();
    p2.request_digest = hex::encode(req.digest());
    assert!(matches!(
        verify_presentation(c, &req, &p2, &f.keys, now()),
        Err(Error::IssuerNotAccepted(_))
    ));

    // Key identifier and suite.
    let mut p = f.p.clone();
    p.credentials[0].key_id = "00".repeat(16);
    assert!(matches!(verify(&f, &p), Err(Error::UnknownKey { .. })));
    let mut p = f.p.clone();
    p.credentials[0].suite = Suite::Bls12381Shake256.name().into();
    assert!(matches!(verify(&f, &p), Err(Error::SuiteMismatch { .. })));
    let mut p = f.p.clone();
    p.credentials[0].suite = "RSA".into();
    assert!(matches!(verify(&f, &p), Err(Error::UnknownSuite(_))));

    // Challenge and verifier in the presentation.
    let mut p = f.p.clone();
    p.challenge = hex::encode([7u8; 32]);
    assert!(matches!(verify(&f, &p), Err(Error::ChallengeMismatch)));
    let mut p = f.p.clone();
    p.verifier = "evil.example".into();
    assert!(matches!(
        verify(&f, &p),
        Err(Error::VerifierMismatch { .. })
    ));
    let mut p = f.p.clone();
    p.request_digest = hex::encode([0u8; 32]);
    assert!(matches!(verify(&f, &p), Err(Error::RequestDigestMismatch)));

    // Replay to another verifier / another request, with every plain field rewritten.
    let mut other_req = f.req.clone();
    other_req.verifier = "bank.example".into();
    let mut p = f.p.clone();
    p.verifier = other_req.verifier.clone();
    p.request_digest = hex::encode(other_req.digest());
    assert!(matches!(
        verify_presentation(c, &other_req, &p, &f.keys, now()),
        Err(Error::ProofInvalid)
    ));
    assert!(matches!(
        verify_presentation(c, &other_req, &f.p, &f.keys, now()),
        Err(Error::VerifierMismatch { .. })
    ));
    let fresh = request(t, &["holder_name"], &mut rng);
    assert!(matches!(
        verify_presentation(c, &fresh, &f.p, &f.keys, now()),
        Err(Error::ChallengeMismatch)
    ));
    let mut same_challenge = fresh.clone();
    same_challenge.challenge = f.req.challenge.clone();
    let mut p = f.p.clone();
    p.credentials[0].disclosed.retain(|k, _| k == "holder_name");
    p.request_digest = hex::encode(same_challenge.digest());
    assert!(matches!(
        verify_presentation(c, &same_challenge, &p, &f.keys, now()),
        Err(Error::ProofInvalid)
    ));

    // The same request with a fresh challenge, every plain field rewritten.
    let mut rechallenged = f.req.clone();
    rechallenged.challenge = hex::encode([9u8; 32]);
    let mut p = f.p.clone();
    p.challenge = rechallenged.challenge.clone();
    p.request_digest = hex::encode(rechallenged.digest());
    assert!(matches!(
        verify_presentation(c, &rechallenged, &p, &f.keys, now()),
        Err(Error::ProofInvalid)
    ));

    // Expired request.
    assert!(matches!(
        verify_presentation(c, &f.req, &f.p, &f.keys, f.req.expires_at),
        Err(Error::RequestExpired(_))
    ));

    // Disclosure set: missing, unrequested, not in layout, wrong type.
    let mut p = f.p.clone();
    p.credentials[0].disclosed.remove("holder_name");
    assert!(matches!(verify(&f, &p), Err(Error::MissingDisclosure(n)) if n == "holder_name"));
    let mut p = f.p.clone();
    p.credentials[0]
        .disclosed
        .insert("license_id".into(), json!("x"));
    assert!(matches!(verify(&f, &p), Err(Error::UnrequestedDisclosure(n)) if n == "license_id"));
    let mut p = f.p.clone();
    p.credentials[0].disclosed.insert("salary".into(), json!(1));
    assert!(matches!(
        verify(&f, &p),
        Err(Error::Attribute(AttributeError::NotInLayout { attribute, .. })) if attribute == "salary"
    ));
    let mut p = f.p.clone();
    p.credentials[0]
        .disclosed
        .insert("issue_date".into(), json!(20240101));
    assert!(matches!(
        verify(&f, &p),
        Err(Error::Attribute(AttributeError::TypeMismatch { attribute, .. })) if attribute == "issue_date"
    ));
    let mut p = f.p.clone();
    p.credentials[0]
        .disclosed
        .insert("holder_name".into(), Value::Null);
    assert!(matches!(
        verify(&f, &p),
        Err(Error::Attribute(AttributeError::Missing { attribute })) if attribute == "holder_name"
    ));

    // Statements, proof object, proof bytes.
    let mut p = f.p.clone();
    p.credentials[0]
        .statements
        .push(Statement::Range(zkcred_credential::RangeStatement::bound(
            "birth_date",
            zkcred_credential::RangeOp::Le,
            json!("2008-01-01"),
        )));
    assert!(matches!(verify(&f, &p), Err(Error::UnsupportedStatement(k)) if k == "range"));
    let mut p = f.p.clone();
    p.credentials[0].proof = Some(ProofObject {
        kind: "bbs".into(),
        version: 1,
        value: p.credentials[0].proof.as_mut().unwrap().value.clone(),
    });
    assert!(matches!(
        verify(&f, &p),
        Err(Error::UnsupportedProof { .. })
    ));
    let mut p = f.p.clone();
    p.credentials[0].proof.as_mut().unwrap().value.truncate(20);
    assert!(matches!(
        verify(&f, &p),
        Err(Error::Malformed { what: "proof", .. })
    ));
    // Hex text only: no 0x prefix, no odd length, no other characters.
    for bad in [
        format!("0x{}", f.p.credentials[0].proof.as_ref().unwrap().value),
        format!("{}0", f.p.credentials[0].proof.as_ref().unwrap().value),
        format!("{}zz", f.p.credentials[0].proof.as_ref().unwrap().value),
    ] {
        let mut p = f.p.clone();
        p.credentials[0].proof.as_mut().unwrap().value = bad;
        assert!(matches!(
            verify(&f, &p),
            Err(Error::Malformed { what: "proof", .. })
        ));
    }
    // Upper-case hex is hex.
    let mut p = f.p.clone();
    p.credentials[0].proof.as_mut().unwrap().value = p.credentials[0]
        .proof
        .as_mut()
        .unwrap()
        .value
        .to_uppercase();
    assert!(verify(&f, &p).is_ok());
    let mut p = f.p.clone();
    let mut bytes = hex::decode(&p.credentials[0].proof.as_mut().unwrap().value).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    p.credentials[0].proof.as_mut().unwrap().value = hex::encode(bytes);
    assert!(matches!(
        verify(&f, &p),
        Err(Error::ProofInvalid | Error::Malformed { .. })
    ));
    let mut p = f.p.clone();
    p.credentials[0].encoding_version = 2;
    assert!(matches!(
        verify(&f, &p),
        Err(Error::UnsupportedEncodingVersion(2))
    ));
    let mut p = f.p.clone();
    p.format = "something-else".into();
    assert!(matches!(
        verify(&f, &p),
        Err(Error::UnsupportedFormat { .. })
    ));
    let mut p = f.p.clone();
    p.credentials.push(p.credentials[0].clone());
    assert!(matches!(
        verify(&f, &p),
        Err(Error::CredentialCountMismatch { .. })
    ));
}

#[test]
fn entries_cannot_be_swapped_and_reserved_slots_are_never_disclosed() {
    let c = Catalogue::builtin();
    let mut rng = rng(21);
    let key = issuer_key_of(ISSUER, "education", Suite::Bls12381Shake256, &mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    let t = c.get("academic_degree_certificate").unwrap();
    // Two degrees of one holder (one wallet's holder secret).
    let holder = zkcred_credential::HolderSecret::random(&mut rng);
    let degree = |rng: &mut _| {
        zkcred_credential::issue_to(
            c,
            &key,
            &t.id,
            &sample_attributes(t, rng, Some(true)),
            &zkcred_credential::IssueOptions::default(),
            &holder,
            now(),
            rng,
        )
        .unwrap()
    };
    let a = degree(&mut rng);
    let b = degree(&mut rng);
    let req = PresentationRequest::new(
        VERIFIER,
        vec![
            RequestedCredential::new(&t.id, &["major"]),
            RequestedCredential::new(&t.id, &["major"]),
        ],
        now() + Duration::minutes(1),
        &mut rng,
    )
    .unwrap();
    let p = zkcred_credential::present(
        c,
        &req,
        &[(&a, key.public()), (&b, key.public())],
        now(),
        &mut rng,
    )
    .unwrap();
    let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
    assert_eq!(out.len(), 2);
    let mut swapped = p.clone();
    swapped.credentials.swap(0, 1);
    assert!(matches!(
        verify_presentation(c, &req, &swapped, &keys, now()),
        Err(Error::ProofInvalid)
    ));

    // Reserved slots are not attributes: a request cannot name them.
    for reserved in ["holder_binding", "revocation_handle"] {
        let mut r = req.clone();
        r.credentials[0].disclose = vec![reserved.into()];
        assert!(matches!(
            r.validate(c),
            Err(Error::Attribute(AttributeError::NotInLayout { .. }))
        ));
    }
    // The presentation never carries the reserved values.
    let text = p.to_json();
    for cred in [&a, &b] {
        let blind = cred
            .holder
            .as_ref()
            .unwrap()
            .secret_prover_blind()
            .to_bytes();
        assert!(!text.contains(&hex::encode(&blind[..])));
        assert!(!text.contains(&hex::encode(cred.reserved.revocation_handle.to_be_bytes())));
    }
    // Two entries: one composite proof (the holder binding between them).
    assert!(p.credentials.iter().all(|e| e.proof.is_none()));
    assert!(p.proof.is_some());
    // Disclosed indexes depend on the type only: every single-entry proof
    // has the same size.
    let single = |cred: &Credential, rng: &mut _| {
        let r = PresentationRequest::new(
            VERIFIER,
            vec![RequestedCredential::new(&t.id, &["major"])],
            now() + Duration::minutes(1),
            rng,
        )
        .unwrap();
        zkcred_credential::present(c, &r, &[(cred, key.public())], now(), rng)
            .unwrap()
            .credentials[0]
            .proof
            .clone()
            .unwrap()
            .value
            .len()
    };
    assert_eq!(single(&a, &mut rng), single(&b, &mut rng));
    assert_eq!(layout::message_count(t), t.attributes.len() + 3);
}
