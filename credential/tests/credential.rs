//! Issuance, holder-side verification and the attribute encoding at its edges.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use serde_json::{json, Value};
use time::Duration;
use zkcred_credential::catalogue::REQUIRED_METADATA;
use zkcred_credential::{
    issue, issue_with, present, verify_presentation, AttributeError, AttributeSet, AttributeValue,
    Catalogue, Credential, Date, Error, IssueOptions, IssuerKey, KeySet, LicenseId,
    PresentationRequest, RequestedCredential, Uscc,
};
use zkcred_crypto::bbs::Suite;

/// A catalogue with two types of identical layout (but different ids) holding
/// one optional attribute of every type.
fn edge_catalogue() -> Catalogue {
    let meta: Vec<Value> = REQUIRED_METADATA
        .iter()
        .map(|(n, ty)| json!({"name": n, "type": ty, "sensitivity": "low", "optional": *n != "license_id"}))
        .collect();
    let attrs = json!([
        {"name": "s", "type": "string", "sensitivity": "low", "optional": true, "max_length": 64},
        {"name": "d", "type": "date", "sensitivity": "high", "optional": true},
        {"name": "i", "type": "integer", "sensitivity": "low", "optional": true},
        {"name": "b", "type": "boolean", "sensitivity": "low", "optional": true},
        {"name": "x", "type": "bytes", "sensitivity": "high", "optional": true}
    ]);
    let doc = json!({
        "format": "zkcred-catalogue", "version": 1, "metadata_attributes": meta,
        "types": [
            {"id": "edge_a", "type_code": "11100000000013338W901", "name_en": "A", "name_zh": "甲",
             "holder": "person", "attributes": attrs},
            {"id": "edge_b", "type_code": "11100000000013338W902", "name_en": "B", "name_zh": "乙",
             "holder": "person", "attributes": attrs}
        ]
    });
    Catalogue::from_json_str(&doc.to_string()).unwrap()
}

fn edge_attrs(c: &Catalogue, ty: &str, rng: &mut rand::rngs::StdRng) -> AttributeSet {
    let t = c.get(ty).unwrap();
    AttributeSet::new().with(
        "license_id",
        AttributeValue::String(
            LicenseId::generate(t.type_code.clone(), Uscc::parse(ISSUER).unwrap(), 1, rng)
                .unwrap()
                .to_string(),
        ),
    )
}

fn setup(seed: u64) -> (rand::rngs::StdRng, IssuerKey, KeySet) {
    let mut rng = rng(seed);
    let key = issuer_key(ISSUER, Suite::Bls12381Sha256, &mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    (rng, key, keys)
}

#[test]
fn holder_verify_detects_tampering() {
    let c = Catalogue::builtin();
    let (mut rng, key, keys) = setup(1);
    let t = c.get("resident_id_card").unwrap();
    let attrs = sample_attributes(t, &mut rng, Some(true));
    let cred = issue(c, &key, &t.id, &attrs, now(), &mut rng).unwrap();
    assert_eq!(cred.verify(c, &keys).unwrap(), attrs);

    for name in cred.attributes.keys() {
        let ty = t.attribute(name).unwrap().ty;
        let mut bad = cred.clone();
        bad.attributes
            .insert(name.clone(), altered(ty, attrs.get(name)));
        let r = bad.verify(c, &keys);
        if name == "license_id" {
            // A changed license identifier no longer passes its check character.
            assert!(
                matches!(r, Err(Error::Attribute(AttributeError::Invalid { .. }))),
                "{name}"
            );
        } else {
            assert!(matches!(r, Err(Error::SignatureInvalid)), "{name}: {r:?}");
        }
    }
    // Another holder's secret with this credential's blind, or no holder
    // part at all (a credential file on its own).
    let mut bad = cred.clone();
    let blind = cred.holder.as_ref().unwrap().secret_prover_blind().clone();
    bad.holder = Some(zkcred_credential::HolderBinding::new(
        &zkcred_credential::HolderSecret::random(&mut rng),
        blind,
    ));
    assert!(matches!(bad.verify(c, &keys), Err(Error::SignatureInvalid)));
    let mut bad = cred.clone();
    bad.holder = None;
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::HolderBindingMissing)
    ));
    let mut bad = cred.clone();
    bad.reserved.revocation_handle = zkcred_crypto::Scalar::from_u64(5);
    assert!(matches!(bad.verify(c, &keys), Err(Error::SignatureInvalid)));
    let mut bad = cred.clone();
    bad.issuer = OTHER_ISSUER.into();
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::UnknownKey { .. })
    ));
    let mut bad = cred.clone();
    bad.issuer = "not an issuer".into();
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::InvalidIdentifier { .. })
    ));
    let mut bad = cred.clone();
    bad.credential_type = "unicorn_license".into();
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::UnknownCredentialType(_))
    ));
    let mut bad = cred.clone();
    bad.credential_type = "residence_permit".into();
    assert!(matches!(bad.verify(c, &keys), Err(Error::Attribute(_))));
    let mut bad = cred.clone();
    bad.signature.truncate(10);
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::Malformed {
            what: "signature",
            ..
        })
    ));
    let mut bad = cred.clone();
    bad.attributes.remove("address");
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::Attribute(AttributeError::Missing { .. }))
    ));
    let mut bad = cred.clone();
    bad.attributes
        .insert("birth_date".into(), json!("1990-02-30"));
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::Attribute(AttributeError::InvalidDate { .. }))
    ));
    let mut bad = cred.clone();
    bad.attributes.insert("photo_digest".into(), json!(12));
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::Attribute(AttributeError::TypeMismatch { attribute, .. })) if attribute == "photo_digest"
    ));
    let mut bad = cred.clone();
    bad.encoding_version = 9;
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::UnsupportedEncodingVersion(9))
    ));
    let mut bad = cred.clone();
    bad.suite = "BLS12-381-SHAKE-256".into();
    assert!(matches!(
        bad.verify(c, &keys),
        Err(Error::SuiteMismatch { .. })
    ));
    // A document with an unknown field or a malformed reserved value does not parse.
    let mut v: Value = serde_json::from_str(&cred.to_json()).unwrap();
    v["extra"] = json!(1);
    assert!(matches!(
        Credential::from_json(&v.to_string()),
        Err(Error::Json { .. })
    ));
    let mut v: Value = serde_json::from_str(&cred.to_json()).unwrap();
    v["reserved"]["revocation_handle"] = json!("ff".repeat(32));
    assert!(matches!(
        Credential::from_json(&v.to_string()),
        Err(Error::Json { .. })
    ));
    // The reserved values are redacted from Debug output.
    let dbg = format!("{cred:?}");
    assert!(!dbg.contains(&hex::encode(cred.reserved.revocation_handle.to_be_bytes())));
    assert!(dbg.contains("HolderBinding(<redacted>)"));
    // The document carries neither the holder secret nor the blind.
    let v: Value = serde_json::from_str(&cred.to_json()).unwrap();
    assert_eq!(
        v["reserved"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["revocation_handle"]
    );
    assert!(v.get("holder").is_none());
}

#[test]
fn header_binds_the_credential_type_even_for_identical_layouts() {
    let c = edge_catalogue();
    let (mut rng, key, keys) = setup(2);
    let attrs = AttributeSet::new().with("s", AttributeValue::String("v".into()));
    let mut attrs_a = edge_attrs(&c, "edge_a", &mut rng);
    for (k, v) in attrs.iter() {
        attrs_a.insert(k, v.clone());
    }
    let cred = issue(&c, &key, "edge_a", &attrs_a, now(), &mut rng).unwrap();
    cred.verify(&c, &keys).unwrap();
    // Relabel as edge_b (with a license id of that type, so only the header differs).
    let mut bad = cred.clone();
    bad.credential_type = "edge_b".into();
    let id_b = edge_attrs(&c, "edge_b", &mut rng);
    bad.attributes.insert(
        "license_id".into(),
        id_b.get("license_id").unwrap().to_json(),
    );
    assert!(matches!(
        bad.verify(&c, &keys),
        Err(Error::SignatureInvalid)
    ));
    // The same holds for proofs.
    let req = PresentationRequest::new(
        "v.example",
        vec![RequestedCredential::new("edge_b", &["s"])],
        now() + Duration::minutes(1),
        &mut rng,
    )
    .unwrap();
    let mut req_a = req.clone();
    req_a.credentials[0].credential_type = "edge_a".into();
    let mut p = present(&c, &req_a, &[(&cred, key.public())], now(), &mut rng).unwrap();
    p.credentials[0].credential_type = "edge_b".into();
    p.request_digest = hex::encode(req.digest());
    assert!(matches!(
        verify_presentation(&c, &req, &p, &keys, now()),
        Err(Error::ProofInvalid)
    ));
}

#[test]
fn encoding_edges_round_trip_and_absent_differs_from_present() {
    let c = edge_catalogue();
    let (mut rng, key, keys) = setup(3);
    let cases: Vec<(&str, Option<AttributeValue>)> = vec![
        ("i", Some(AttributeValue::Integer(i64::MAX))),
        ("i", Some(AttributeValue::Integer(i64::MIN))),
        ("i", Some(AttributeValue::Integer(-1))),
        ("i", Some(AttributeValue::Integer(0))),
        ("i", None),
        (
            "d",
            Some(AttributeValue::Date(Date::parse("1969-12-31").unwrap())),
        ),
        (
            "d",
            Some(AttributeValue::Date(Date::parse("1900-01-01").unwrap())),
        ),
        ("d", Some(AttributeValue::Date(Date::MIN))),
        ("d", Some(AttributeValue::Date(Date::MAX))),
        (
            "d",
            Some(AttributeValue::Date(Date::parse("1970-01-01").unwrap())),
        ),
        ("d", None),
        ("s", Some(AttributeValue::String("1".into()))),
        ("s", Some(AttributeValue::String("e\u{301}".into()))),
        ("s", None),
        ("x", Some(AttributeValue::Bytes(Vec::new()))),
        ("x", Some(AttributeValue::Bytes(b"1".to_vec()))),
        ("x", None),
        ("b", Some(AttributeValue::Boolean(false))),
        ("b", Some(AttributeValue::Boolean(true))),
        ("b", None),
    ];
    // The empty string is encoded (see the encoding tests) but never issued.
    let empty = edge_attrs(&c, "edge_a", &mut rng).with("s", AttributeValue::String(String::new()));
    assert!(matches!(
        issue(&c, &key, "edge_a", &empty, now(), &mut rng),
        Err(Error::Issuance(e)) if e.attribute == "s" && e.code() == "empty_value"
    ));
    for (name, value) in cases {
        let mut attrs = edge_attrs(&c, "edge_a", &mut rng);
        if let Some(v) = &value {
            attrs.insert(name, v.clone());
        }
        let issued = issue(&c, &key, "edge_a", &attrs, now(), &mut rng).unwrap();
        // The document round-trips; the holder's part is the wallet's.
        let mut cred = Credential::from_json(&issued.to_json()).unwrap();
        assert!(cred.holder.is_none());
        cred.holder.clone_from(&issued.holder);
        assert_eq!(cred, issued);
        assert_eq!(cred.verify(&c, &keys).unwrap(), attrs, "{name} {value:?}");
        let req = PresentationRequest::new(
            "v.example",
            vec![RequestedCredential::new("edge_a", &[name])],
            now() + Duration::minutes(1),
            &mut rng,
        )
        .unwrap();
        let p = present(&c, &req, &[(&cred, key.public())], now(), &mut rng).unwrap();
        let out = verify_presentation(&c, &req, &p, &keys, now()).unwrap();
        assert_eq!(out[0].attributes[name], value, "{name}");
        // Swap in the neighbouring values: absent <-> present, edge <-> edge.
        let ty = c.get("edge_a").unwrap().attribute(name).unwrap().ty;
        let replacements = [Value::Null, altered(ty, value.as_ref()), altered(ty, None)];
        for r in replacements {
            let same = match &value {
                None => r.is_null(),
                Some(v) => v.to_json() == r,
            };
            if same {
                continue;
            }
            let mut bad = p.clone();
            bad.credentials[0].disclosed.insert(name.into(), r.clone());
            assert!(
                matches!(
                    verify_presentation(&c, &req, &bad, &keys, now()),
                    Err(Error::ProofInvalid)
                ),
                "{name} {value:?} -> {r}"
            );
        }
    }
}

#[test]
fn issuance_rejects_bad_input_with_named_errors() {
    let c = Catalogue::builtin();
    let (mut rng, _, _) = setup(4);
    let t = c.get("business_license").unwrap();
    let key = issuer_key_for(ISSUER, t, &mut rng);
    let good = sample_attributes(t, &mut rng, Some(true));

    let mut json: serde_json::Map<String, Value> = good.to_json(t).into_iter().collect();
    json.remove("domicile");
    assert_eq!(
        AttributeSet::from_json(t, &Value::Object(json.clone())),
        Err(AttributeError::Missing {
            attribute: "domicile".into()
        })
    );
    json.insert("domicile".into(), json!(42));
    assert!(matches!(
        AttributeSet::from_json(t, &Value::Object(json.clone())),
        Err(AttributeError::TypeMismatch { attribute, .. }) if attribute == "domicile"
    ));
    json.insert("domicile".into(), json!("x".repeat(513)));
    assert!(matches!(
        AttributeSet::from_json(t, &Value::Object(json.clone())),
        Err(AttributeError::TooLong { attribute, max: 512, .. }) if attribute == "domicile"
    ));
    json.insert("domicile".into(), good.get("domicile").unwrap().to_json());
    json.insert("shoe_size".into(), json!(42));
    assert!(matches!(
        AttributeSet::from_json(t, &Value::Object(json.clone())),
        Err(AttributeError::NotInLayout { attribute, .. }) if attribute == "shoe_size"
    ));
    json.remove("shoe_size");
    assert_eq!(
        AttributeSet::from_json(t, &Value::Object(json)).unwrap(),
        good
    );
    assert!(AttributeSet::from_json(t, &json!([1, 2])).is_err());

    // A license identifier of another type is refused.
    let other = c.get("food_business_license").unwrap();
    let foreign = LicenseId::generate(
        other.type_code.clone(),
        Uscc::parse(ISSUER).unwrap(),
        1,
        &mut rng,
    )
    .unwrap();
    let bad = good
        .clone()
        .with("license_id", AttributeValue::String(foreign.to_string()));
    assert!(matches!(
        issue(c, &key, &t.id, &bad, now(), &mut rng),
        Err(Error::Attribute(AttributeError::Invalid { attribute, .. })) if attribute == "license_id"
    ));
    let bad = good.clone().with(
        "valid_until",
        AttributeValue::Date(Date::parse("2000-01-01").unwrap()),
    );
    assert!(matches!(
        issue(c, &key, &t.id, &bad, now(), &mut rng),
        Err(Error::Attribute(AttributeError::Invalid { attribute, .. })) if attribute == "valid_until"
    ));
    let bad = good.clone().with(
        "registered_capital_yuan",
        AttributeValue::String("1".into()),
    );
    assert!(matches!(
        issue(c, &key, &t.id, &bad, now(), &mut rng),
        Err(Error::Attribute(AttributeError::TypeMismatch { .. }))
    ));
    assert!(matches!(
        issue(c, &key, "unicorn_license", &good, now(), &mut rng),
        Err(Error::UnknownCredentialType(_))
    ));
    // Outside the key's issuance window.
    for at in [
        key.public().not_before - Duration::SECOND,
        key.public().not_after,
    ] {
        assert!(matches!(
            issue(c, &key, &t.id, &good, at, &mut rng),
            Err(Error::KeyNotValid { .. })
        ));
    }
    // Dated on the day the window opens, it may be signed at its first instant.
    let opening = Date::from_datetime(key.public().not_before).unwrap();
    let good = good
        .with("issue_date", AttributeValue::Date(opening))
        .with("valid_from", AttributeValue::Date(opening));
    issue(c, &key, &t.id, &good, key.public().not_before, &mut rng).unwrap();
}

#[test]
fn rotated_keys_keep_old_credentials_verifiable() {
    let c = Catalogue::builtin();
    let mut rng = rng(5);
    let dir = tempfile::tempdir().unwrap();
    let store = zkcred_credential::KeyStore::open(dir.path()).unwrap();
    let t0 = now() - Duration::days(400);
    let first = store
        .rotate(
            ISSUER,
            Suite::Bls12381Sha256,
            t0,
            t0 + Duration::days(3650),
            &mut rng,
        )
        .unwrap()
        .with_authority("civil_affairs")
        .unwrap();
    store.save(&first).unwrap();
    let t = c.get("marriage_certificate").unwrap();
    let day = AttributeValue::Date(Date::from_datetime(t0 + Duration::days(1)).unwrap());
    let attrs = sample_attributes(t, &mut rng, None)
        .with("issue_date", day.clone())
        .with("valid_from", day);
    let old_key = store.signing_key(ISSUER, t0 + Duration::days(1)).unwrap();
    let old = issue(c, &old_key, &t.id, &attrs, t0 + Duration::days(1), &mut rng).unwrap();
    let new_key = store
        .rotate(
            ISSUER,
            Suite::Bls12381Sha256,
            now(),
            now() + Duration::days(3650),
            &mut rng,
        )
        .unwrap();
    assert_ne!(new_key.key_id(), old_key.key_id());
    // A rotation keeps the kind of authority.
    assert_eq!(new_key.public().authority.as_deref(), Some("civil_affairs"));
    let signer = store.signing_key(ISSUER, now()).unwrap();
    assert_eq!(signer.key_id(), new_key.key_id());
    // The same license re-issued under the new key keeps its issue date
    // (before the new key existed): only with the back-dating option.
    assert!(matches!(
        issue(c, &signer, &t.id, &attrs, now(), &mut rng),
        Err(Error::Issuance(e)) if e.code() == "backdated_issue_date"
    ));
    let backdated = IssueOptions {
        allow_backdated: true,
    };
    let new = issue_with(c, &signer, &t.id, &attrs, &backdated, now(), &mut rng).unwrap();
    // The retired key can no longer issue.
    let retired = store.load(old_key.key_id()).unwrap();
    assert!(matches!(
        issue(c, &retired, &t.id, &attrs, now(), &mut rng),
        Err(Error::KeyNotValid { .. })
    ));
    let keys = store.public_keys().unwrap();
    old.verify(c, &keys).unwrap();
    new.verify(c, &keys).unwrap();
    assert_ne!(old.key_id, new.key_id);
}
