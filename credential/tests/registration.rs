//! Ed25519 key files, verifier registrations and their signatures.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing test

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zkcred_credential::presentation::{
    KeyRole, PublicSigningKey, RegisteredVerifier, SecretSigningKey, TrustedRegulators,
    VerifierRegistration,
};
use zkcred_credential::{Error, PresentationRequest, RequestedCredential};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_352_000).unwrap()
}

fn policy_doc(id: &str, version: u32) -> Value {
    json!({"format": "zkcred-policy", "format_version": 1, "id": id, "version": version,
           "verifier": {"id": "shop.example.cn", "name": "Shop", "region": "310101"},
           "requirements": [{"id": "buyer", "types": ["resident_id_card"], "disclose": ["holder_name"]}]})
}

fn keys() -> (SecretSigningKey, SecretSigningKey) {
    let mut rng = StdRng::seed_from_u64(5);
    (
        SecretSigningKey::generate(KeyRole::Regulator, &mut rng),
        SecretSigningKey::generate(KeyRole::Request, &mut rng),
    )
}

fn registration(reg: &SecretSigningKey, req: &SecretSigningKey) -> VerifierRegistration {
    VerifierRegistration::issue(
        reg,
        RegisteredVerifier {
            id: "shop.example.cn".into(),
            name: "Shop 商店".into(),
            region: "310101".into(),
        },
        req.public(),
        vec![policy_doc("buy", 1), policy_doc("buy", 2)],
        now() - Duration::days(1),
        now() + Duration::days(30),
    )
    .unwrap()
}

#[test]
fn key_files_round_trip_and_keep_their_role() {
    let (reg, req) = keys();
    let text = reg.public().to_json();
    let back = PublicSigningKey::from_json(KeyRole::Regulator, &text).unwrap();
    assert_eq!(&back, reg.public());
    assert_eq!(back.key_id().len(), 32);
    // Another role's file, a secret file, a wrong key id are refused.
    assert!(matches!(
        PublicSigningKey::from_json(KeyRole::Request, &text),
        Err(Error::UnsupportedFormat { .. })
    ));
    let secret = reg.to_secret_json();
    let secret_text = std::str::from_utf8(&secret).unwrap();
    assert!(PublicSigningKey::from_json(KeyRole::Regulator, secret_text).is_err());
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["key_id"] = json!("00".repeat(16));
    assert!(matches!(
        PublicSigningKey::from_json(KeyRole::Regulator, &v.to_string()),
        Err(Error::InvalidRegistration(_))
    ));
    // A small-order point is not a key.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["public_key"] = json!(format!("01{}", "00".repeat(31)));
    assert!(PublicSigningKey::from_json(KeyRole::Regulator, &v.to_string()).is_err());
    // The secret file round-trips; its Debug never shows the secret.
    let back = SecretSigningKey::from_secret_json(KeyRole::Regulator, &secret).unwrap();
    assert_eq!(back.public(), reg.public());
    let seed: Value = serde_json::from_slice(&secret).unwrap();
    let seed = seed["secret_key"].as_str().unwrap().to_owned();
    assert!(!format!("{back:?}").contains(&seed));
    assert!(matches!(
        SecretSigningKey::from_secret_json(KeyRole::Request, &secret),
        Err(Error::UnsupportedFormat { .. })
    ));
    let mut v: Value = serde_json::from_slice(&secret).unwrap();
    v["public_key"] = json!(req.public().to_hex());
    assert!(matches!(
        SecretSigningKey::from_secret_json(KeyRole::Regulator, v.to_string().as_bytes()),
        Err(Error::InvalidSecretKey(_))
    ));
    // Only regulator keys are trusted to sign registrations.
    let mut t = TrustedRegulators::new();
    assert!(t.insert(req.public().clone()).is_err());
    t.insert(reg.public().clone()).unwrap();
    assert_eq!(t.len(), 1);
}

#[test]
fn registrations_verify_and_cover_member_order_not_whitespace() {
    let (reg, req) = keys();
    let r = registration(&reg, &req);
    let mut trusted = TrustedRegulators::new();
    trusted.insert(reg.public().clone()).unwrap();
    assert_eq!(&r.verify(&trusted, now()).unwrap(), req.public());
    // Compact, reordered JSON is the same registration.
    let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
    let p0 = v["policies"][0].as_object().unwrap().clone();
    let reversed: serde_json::Map<String, Value> = p0.into_iter().rev().collect();
    v["policies"][0] = Value::Object(reversed);
    let again = VerifierRegistration::from_json(&v.to_string()).unwrap();
    assert!(again.verify(&trusted, now()).is_ok());
    assert_eq!(again.digest(), r.digest());
    // Any changed field breaks the regulator's signature.
    for (what, path, value) in [
        ("name", "/verifier/name", json!("Sh0p")),
        ("region", "/verifier/region", json!("310104")),
        (
            "policy",
            "/policies/1/requirements/0/disclose/0",
            json!("holder_id"),
        ),
        ("expiry", "/expires_at", json!("2030-01-01T00:00:00Z")),
        ("issued", "/issued_at", json!("2026-02-27T00:00:00.5Z")),
    ] {
        let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
        *v.pointer_mut(path).unwrap() = value;
        let bad = VerifierRegistration::from_json(&v.to_string()).unwrap();
        assert!(
            matches!(
                bad.verify(&trusted, now()),
                Err(Error::RegistrationUntrusted(_))
            ),
            "{what}"
        );
    }
    // Another request key in it: still the regulator's signature that fails.
    let mut bad = r.clone();
    bad.request_key = reg.public().to_hex();
    assert!(matches!(
        bad.verify(&trusted, now()),
        Err(Error::RegistrationUntrusted(_))
    ));
    // Malformed: duplicate policies, an empty period, stray fields.
    let issue = |policies: Vec<Value>, from: OffsetDateTime, until: OffsetDateTime| {
        VerifierRegistration::issue(
            &reg,
            RegisteredVerifier {
                id: "shop.example.cn".into(),
                name: "Shop".into(),
                region: "310101".into(),
            },
            req.public(),
            policies,
            from,
            until,
        )
    };
    assert!(issue(
        vec![policy_doc("a", 1), policy_doc("a", 1)],
        now(),
        now() + Duration::days(1)
    )
    .is_err());
    assert!(issue(vec![], now(), now() + Duration::days(1)).is_err());
    assert!(issue(vec![json!({"id": "a"})], now(), now() + Duration::days(1)).is_err());
    assert!(issue(vec![policy_doc("a", 1)], now(), now()).is_err());
    // The request key cannot sign registrations.
    assert!(VerifierRegistration::issue(
        &req,
        r.verifier.clone(),
        req.public(),
        vec![policy_doc("a", 1)],
        now(),
        now() + Duration::days(1)
    )
    .is_err());
    let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
    v["extra"] = json!(1);
    assert!(matches!(
        VerifierRegistration::from_json(&v.to_string()),
        Err(Error::Json { .. })
    ));
    let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
    v["signature"] = json!("AB".repeat(64));
    assert!(matches!(
        VerifierRegistration::from_json(&v.to_string()),
        Err(Error::InvalidRegistration(_))
    ));
}

#[test]
fn requests_sign_and_authenticate() {
    let (reg, req) = keys();
    let r = registration(&reg, &req);
    let mut trusted = TrustedRegulators::new();
    trusted.insert(reg.public().clone()).unwrap();
    let mut request = PresentationRequest::new(
        "shop.example.cn",
        vec![RequestedCredential::new(
            "resident_id_card",
            &["holder_name"],
        )],
        now() + Duration::minutes(5),
        &mut StdRng::seed_from_u64(1),
    )
    .unwrap();
    assert!(!request.is_signed());
    assert!(matches!(
        request.authenticate(&trusted, now()),
        Err(Error::RequestUnsigned)
    ));
    let unsigned_digest = request.digest();
    let policy = zkcred_credential::presentation::RequestPolicy {
        id: "buy".into(),
        version: 2,
        requirements: vec!["buyer".into()],
    };
    request
        .sign(&req, r.clone(), policy.clone(), "to sell", "contract")
        .unwrap();
    assert!(request.is_signed());
    // The digest a presentation binds is unchanged by signing.
    assert_eq!(request.digest(), unsigned_digest);
    request
        .validate(zkcred_credential::Catalogue::builtin())
        .unwrap();
    let auth = request.authenticate(&trusted, now()).unwrap();
    assert_eq!(auth.policy, &policy);
    assert_eq!(auth.registered_policy["version"], 2);
    // A policy the registration lacks cannot be signed under.
    let mut other = request.clone();
    let missing = zkcred_credential::presentation::RequestPolicy {
        version: 3,
        ..policy.clone()
    };
    assert!(matches!(
        other.sign(&req, r.clone(), missing, "to sell", "contract"),
        Err(Error::RegistrationMismatch(_))
    ));
    // Nor with the regulator's key, nor with a key the registration does
    // not name.
    assert!(other
        .sign(&reg, r.clone(), policy.clone(), "to sell", "contract")
        .is_err());
    let stranger = SecretSigningKey::generate(KeyRole::Request, &mut StdRng::seed_from_u64(8));
    assert!(other
        .sign(&stranger, r.clone(), policy, "to sell", "contract")
        .is_err());
    assert_eq!(
        other, request,
        "a refused signing leaves the request as it was"
    );
    // Expired.
    assert!(matches!(
        request.authenticate(&trusted, now() + Duration::minutes(5)),
        Err(Error::RequestExpired(_))
    ));
}
