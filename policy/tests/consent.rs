//! The wallet's consent check: signed requests under a regulator's
//! registration, refused when altered, when they ask beyond the registered
//! policy, when the registration is untrusted or expired.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::{catalogue, example, now, rng};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zkcred_credential::presentation::{
    KeyRole, RegisteredVerifier, RequestPolicy, SecretSigningKey, TrustedRegulators,
    VerifierRegistration,
};
use zkcred_credential::{Error, PresentationRequest, Statement};
use zkcred_policy::consent::{self, Unsigned};
use zkcred_policy::{Policy, PolicyLoader};
use zkcred_problem::ProblemCode;

struct Setup {
    policy: Policy,
    regulator: SecretSigningKey,
    key: SecretSigningKey,
    registration: VerifierRegistration,
    trusted: TrustedRegulators,
}

fn registration_for(
    policy: &Policy,
    regulator: &SecretSigningKey,
    key: &SecretSigningKey,
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> VerifierRegistration {
    let v = &policy.spec.verifier;
    VerifierRegistration::issue(
        regulator,
        RegisteredVerifier {
            id: v.id.clone(),
            name: v.name.clone(),
            region: v.region.clone(),
        },
        key.public(),
        vec![serde_json::to_value(&policy.spec).unwrap()],
        issued_at,
        expires_at,
    )
    .unwrap()
}

fn setup(file: &str) -> Setup {
    let policy = PolicyLoader::new(catalogue()).load(example(file)).unwrap();
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut rng(1));
    let key = SecretSigningKey::generate(KeyRole::Request, &mut rng(2));
    let registration = registration_for(
        &policy,
        &regulator,
        &key,
        now() - Duration::days(1),
        now() + Duration::days(365),
    );
    let mut trusted = TrustedRegulators::new();
    trusted.insert(regulator.public().clone()).unwrap();
    Setup {
        policy,
        regulator,
        key,
        registration,
        trusted,
    }
}

impl Setup {
    fn ids(&self) -> Vec<String> {
        self.policy
            .requirements
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }

    /// The policy's request, unsigned.
    fn unsigned(&self) -> PresentationRequest {
        self.policy
            .request(&self.policy.default_choices(), now(), &mut rng(3))
            .unwrap()
    }

    fn sign(&self, mut r: PresentationRequest) -> PresentationRequest {
        consent::sign_request(
            &self.policy,
            &mut r,
            self.ids(),
            &self.key,
            &self.registration,
        )
        .unwrap();
        r
    }

    fn signed(&self) -> PresentationRequest {
        self.sign(self.unsigned())
    }

    fn check(&self, r: &PresentationRequest) -> Result<consent::Consent, Error> {
        consent::check(catalogue(), r, &self.trusted, now(), Unsigned::Refuse)
    }
}

/// The request as JSON, changed by `f`, parsed back.
fn altered(r: &PresentationRequest, f: impl FnOnce(&mut Value)) -> PresentationRequest {
    let mut v = serde_json::to_value(r).unwrap();
    f(&mut v);
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_signed_request_within_its_policy_is_shown_and_accepted() {
    let s = setup("car-rental.json");
    let r = s.signed();
    assert_eq!(r.version, 2);
    // Through JSON, as a wallet receives it.
    let r = PresentationRequest::from_json(&r.to_json()).unwrap();
    let c = s.check(&r).unwrap();
    let reg = c.registered.as_ref().unwrap();
    assert_eq!(c.verifier, "rent.nanshan-example-car.cn");
    assert_eq!(reg.verifier_name, "深圳南山示例汽车租赁有限公司");
    assert_eq!(reg.verifier_region, "440305");
    assert_eq!(
        (reg.policy_id.as_str(), reg.policy_version),
        ("car-rental", 1)
    );
    assert!(reg.purpose.starts_with("Register the renter by name"));
    assert!(reg.legal_basis.contains("小微型客车租赁经营服务管理办法"));
    assert_eq!(reg.retention_days, 365);
    assert_eq!(reg.regulator_key_id, s.regulator.public().key_id());
    assert_eq!(c.entries.len(), 2);
    assert_eq!(c.entries[0].requirement.as_deref(), Some("renter"));
    assert_eq!(c.entries[0].disclose, ["holder_name"]);
    assert_eq!(c.entries[0].types, ["resident_id_card", "residence_permit"]);
    assert!(c.entries[0]
        .statements
        .iter()
        .any(|s| s.describe().starts_with("birth_date <= ")));
    assert_eq!(c.entries[1].requirement.as_deref(), Some("licence"));
    assert!(c.entries[1]
        .statements
        .iter()
        .any(|s| s.describe() == "holder_id = entry 0's holder_id"));
    // The same request with the optional nothing, one requirement only
    // (asking for less) is within the policy too.
    let mut one = s.unsigned();
    one.credentials.remove(0);
    one.credentials[0]
        .statements
        .retain(|st| matches!(st, Statement::Range(_)));
    consent::sign_request(
        &s.policy,
        &mut one,
        vec!["licence".into()],
        &s.key,
        &s.registration,
    )
    .unwrap();
    let c = s.check(&one).unwrap();
    assert_eq!(c.entries.len(), 1);
    assert_eq!(c.entries[0].requirement.as_deref(), Some("licence"));
}

#[test]
fn an_altered_request_is_refused_by_its_signature() {
    let s = setup("car-rental.json");
    let r = s.signed();
    assert!(s.check(&r).is_ok());
    let later = (now() + Duration::seconds(100))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    type Change = Box<dyn Fn(&mut Value)>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "disclosure list",
            Box::new(|v| v["credentials"][0]["disclose"] = json!(["holder_name", "ethnicity"])),
        ),
        (
            "disclosure removed",
            Box::new(|v| v["credentials"][1]["disclose"] = json!([])),
        ),
        (
            "purpose",
            Box::new(|v| v["purpose"] = json!("Marketing (we promise)")),
        ),
        (
            "legal basis",
            Box::new(|v| v["legal_basis"] = json!("consent")),
        ),
        (
            "verifier",
            Box::new(|v| v["verifier"] = json!("rent.nanshan-examp1e-car.cn")),
        ),
        ("expiry", Box::new(move |v| v["expires_at"] = json!(later))),
        (
            "challenge",
            Box::new(|v| v["challenge"] = json!("11".repeat(32))),
        ),
        (
            "policy version",
            Box::new(|v| v["policy"]["version"] = json!(2)),
        ),
        (
            "policy id",
            Box::new(|v| v["policy"]["id"] = json!("hotel-check-in")),
        ),
        (
            "requirements",
            Box::new(|v| v["policy"]["requirements"] = json!(["licence", "renter"])),
        ),
        (
            "statement bound",
            Box::new(|v| v["credentials"][0]["statements"][0]["value"] = json!("2020-01-01")),
        ),
        (
            "accepted types",
            Box::new(|v| v["credentials"][0]["accepted_types"] = json!(["resident_id_card"])),
        ),
    ];
    for (what, change) in changes {
        let bad = altered(&r, change);
        assert_ne!(bad, r, "{what}: nothing changed");
        match s.check(&bad) {
            Err(Error::RequestSignatureInvalid) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // A changed signature, and one from another key.
    let bad = altered(&r, |v| v["signature"] = json!("00".repeat(64)));
    assert!(matches!(s.check(&bad), Err(Error::RequestSignatureInvalid)));
    let other = SecretSigningKey::generate(KeyRole::Request, &mut rng(9));
    let mut forged = r.clone();
    forged.signature = Some(hex::encode(other.sign(&forged.signing_input().unwrap())));
    assert!(matches!(
        s.check(&forged),
        Err(Error::RequestSignatureInvalid)
    ));
    assert_eq!(
        Error::RequestSignatureInvalid.code(),
        ProblemCode::RequestSignatureInvalid
    );
}

#[test]
fn a_signed_request_beyond_its_policy_is_refused_naming_what() {
    let s = setup("car-rental.json");
    let exceeds = |r: &PresentationRequest| match s.check(r) {
        Err(e @ Error::RequestExceedsPolicy { .. }) => {
            assert_eq!(e.code(), ProblemCode::RequestExceedsPolicy);
            e.to_string()
        }
        other => panic!("{other:?}"),
    };
    // An attribute the requirement does not allow.
    let mut r = s.unsigned();
    r.credentials[0].disclose.push("ethnicity".into());
    let m = exceeds(&s.sign(r));
    assert!(
        m.contains("entry 0 (renter) asks to disclose ethnicity"),
        "{m}"
    );
    assert!(m.contains("car-rental v1"), "{m}");
    // The birth date, which the policy only proves.
    let mut r = s.unsigned();
    r.credentials[0].statements.clear();
    r.credentials[0].disclose.push("birth_date".into());
    let m = exceeds(&s.sign(r));
    assert!(m.contains("birth_date") && m.contains("only proves"), "{m}");
    // Another accepted type.
    let mut r = s.unsigned();
    r.credentials[1].credential_type = "vehicle_license".into();
    r.credentials[1].disclose = vec!["plate_number".into()];
    r.credentials[1].statements.clear();
    r.validate(catalogue()).unwrap();
    let m = exceeds(&s.sign(r));
    assert!(
        m.contains("entry 1 (licence) accepts credential type vehicle_license"),
        "{m}"
    );
    // A statement the policy does not make: a later birth-date bound.
    let mut r = s.unsigned();
    let Statement::Range(range) = &mut r.credentials[0].statements[0] else {
        panic!("the first statement is the age range")
    };
    range.value = Some(json!("2020-01-01"));
    let m = exceeds(&s.sign(r));
    assert!(m.contains("asks to prove birth_date <= 2020-01-01"), "{m}");
    // Living longer than the policy's request lifetime.
    let mut r = s.unsigned();
    r.expires_at = now() + Duration::hours(2);
    let m = exceeds(&s.sign(r));
    assert!(m.contains("request lifetime of 300 s"), "{m}");
    // A requirement the policy does not have, and one asked twice.
    let mut r = s.unsigned();
    consent::sign_request(
        &s.policy,
        &mut r,
        vec!["renter".into(), "passenger".into()],
        &s.key,
        &s.registration,
    )
    .unwrap();
    assert!(exceeds(&r).contains("requirement \"passenger\""));
    // Another purpose or legal basis than the policy's, correctly signed.
    for (purpose, basis) in [
        ("Marketing", s.policy.spec.purpose.legal_basis.as_str()),
        (s.policy.spec.purpose.description.as_str(), "none"),
    ] {
        let mut r = s.unsigned();
        r.sign(
            &s.key,
            s.registration.clone(),
            RequestPolicy {
                id: "car-rental".into(),
                version: 1,
                requirements: s.ids(),
            },
            purpose,
            basis,
        )
        .unwrap();
        let m = exceeds(&r);
        assert!(m.contains("purpose") || m.contains("legal basis"), "{m}");
    }
}

#[test]
fn untrusted_expired_or_altered_registrations_are_refused() {
    let s = setup("hotel-check-in.json");
    let r = s.signed();
    assert!(s.check(&r).is_ok());
    // Another regulator's key is trusted, not this one.
    let stranger = SecretSigningKey::generate(KeyRole::Regulator, &mut rng(7));
    let mut other = TrustedRegulators::new();
    other.insert(stranger.public().clone()).unwrap();
    match consent::check(catalogue(), &r, &other, now(), Unsigned::Refuse) {
        Err(e @ Error::RegistrationUntrusted(_)) => {
            assert_eq!(e.code(), ProblemCode::RegistrationUntrusted);
            assert!(e.to_string().contains(s.regulator.public().key_id()), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        consent::check(
            catalogue(),
            &r,
            &TrustedRegulators::new(),
            now(),
            Unsigned::Refuse
        ),
        Err(Error::RegistrationUntrusted(_))
    ));
    // A registration signed by an untrusted key that claims the trusted
    // key's identifier.
    let mut claimed = registration_for(
        &s.policy,
        &stranger,
        &s.key,
        now() - Duration::days(1),
        now() + Duration::days(1),
    );
    claimed.regulator_key_id = s.regulator.public().key_id().to_owned();
    let mut r2 = s.unsigned();
    r2.sign(
        &s.key,
        claimed,
        RequestPolicy {
            id: "hotel-check-in".into(),
            version: 1,
            requirements: s.ids(),
        },
        &s.policy.spec.purpose.description,
        &s.policy.spec.purpose.legal_basis,
    )
    .unwrap();
    match s.check(&r2) {
        Err(Error::RegistrationUntrusted(m)) => assert!(m.contains("does not verify"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The verifier widens its registered policy (asks for the address too)
    // and signs a request under it: the regulator's signature breaks.
    let mut widened = s.registration.clone();
    widened.policies[0]["requirements"][0]["disclose"]
        .as_array_mut()
        .unwrap()
        .push(json!("address"));
    let mut r3 = s.unsigned();
    r3.credentials[0].disclose.push("address".into());
    r3.sign(
        &s.key,
        widened,
        RequestPolicy {
            id: "hotel-check-in".into(),
            version: 1,
            requirements: s.ids(),
        },
        &s.policy.spec.purpose.description,
        &s.policy.spec.purpose.legal_basis,
    )
    .unwrap();
    assert!(matches!(s.check(&r3), Err(Error::RegistrationUntrusted(_))));
    // Expired, and not yet valid.
    for (from, until, word) in [
        (
            now() - Duration::days(400),
            now() - Duration::days(35),
            "expired at",
        ),
        (
            now() + Duration::days(1),
            now() + Duration::days(30),
            "not valid before",
        ),
    ] {
        let reg = registration_for(&s.policy, &s.regulator, &s.key, from, until);
        let mut r = s.unsigned();
        consent::sign_request(&s.policy, &mut r, s.ids(), &s.key, &reg).unwrap();
        match s.check(&r) {
            Err(e @ Error::RegistrationExpired(_)) => {
                assert_eq!(e.code(), ProblemCode::RegistrationExpired);
                assert!(e.to_string().contains(word), "{e}");
            }
            other => panic!("{word}: {other:?}"),
        }
    }
}

#[test]
fn registrations_must_cover_the_request() {
    let s = setup("hotel-check-in.json");
    // The registration holds another version of the policy: the verifier
    // cannot sign under this one.
    let mut v2 = s.policy.clone();
    v2.spec.version = 2;
    let mut r = s.unsigned();
    assert!(matches!(
        consent::sign_request(&v2, &mut r, s.ids(), &s.key, &s.registration),
        Err(Error::RegistrationMismatch(_))
    ));
    // A registered document that differs from the policy in use.
    let mut changed = s.policy.clone();
    changed.spec.retention.days = 3650;
    assert!(matches!(
        consent::sign_request(&changed, &mut r, s.ids(), &s.key, &s.registration),
        Err(Error::RegistrationMismatch(m)) if m.contains("differs")
    ));
    // Another key than the registered one.
    let other = SecretSigningKey::generate(KeyRole::Request, &mut rng(11));
    assert!(matches!(
        consent::sign_request(&s.policy, &mut r, s.ids(), &other, &s.registration),
        Err(Error::InvalidRegistration(_))
    ));
    // Signed by hand under a policy reference the registration lacks (the
    // signature is right; the reference is not registered).
    let mut r = s.signed();
    r.policy.as_mut().unwrap().version = 7;
    r.signature = Some(hex::encode(s.key.sign(&r.signing_input().unwrap())));
    match s.check(&r) {
        Err(e @ Error::RegistrationMismatch(_)) => {
            assert_eq!(e.code(), ProblemCode::RegistrationMismatch);
            assert!(e.to_string().contains("not registered"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // And for another verifier than the registration's.
    let mut r = s.signed();
    r.verifier = "hotel.elsewhere.example.cn".into();
    r.signature = Some(hex::encode(s.key.sign(&r.signing_input().unwrap())));
    assert!(
        matches!(s.check(&r), Err(Error::RegistrationMismatch(m)) if m.contains("hotel.elsewhere"))
    );
}

#[test]
fn unsigned_and_expired_requests() {
    let s = setup("hotel-check-in.json");
    let unsigned = s.unsigned();
    match s.check(&unsigned) {
        Err(e @ Error::RequestUnsigned) => assert_eq!(e.code(), ProblemCode::RequestUnsigned),
        other => panic!("{other:?}"),
    }
    // Allowed for development: nothing registered is claimed.
    let c = consent::check(catalogue(), &unsigned, &s.trusted, now(), Unsigned::Allow).unwrap();
    assert!(c.registered.is_none());
    assert_eq!(
        c.entries[0].disclose,
        ["holder_name", "holder_id", "photo_digest"]
    );
    // Allowing unsigned requests does not weaken the check of signed ones.
    let bad = altered(&s.signed(), |v| v["purpose"] = json!("anything"));
    assert!(matches!(
        consent::check(catalogue(), &bad, &s.trusted, now(), Unsigned::Allow),
        Err(Error::RequestSignatureInvalid)
    ));
    // A signed field in a version 1 request, or a version 2 request
    // missing one, is malformed.
    let half = altered(&s.signed(), |v| {
        v.as_object_mut().unwrap().remove("signature");
    });
    assert!(matches!(s.check(&half), Err(Error::InvalidRequest(_))));
    let mixed = altered(&unsigned, |v| v["purpose"] = json!("x"));
    assert!(matches!(s.check(&mixed), Err(Error::InvalidRequest(_))));
    // Expired.
    let r = s.signed();
    assert!(matches!(
        consent::check(catalogue(), &r, &s.trusted, r.expires_at, Unsigned::Refuse),
        Err(Error::RequestExpired(_))
    ));
}
