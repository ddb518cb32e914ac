//! The service signs the requests it issues with the verifier's request key
//! under its registration, and a wallet that trusts the regulator accepts
//! them (and refuses them altered); a verifier without a request key gets
//! unsigned requests; a policy version the registration lacks gets no
//! challenge; a key or registration that does not fit stops the start.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use rand::rngs::OsRng;
use serde_json::json;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};
use zkcred_api::{DocKind, Submission};
use zkcred_credential::presentation::{
    KeyRole, RegisteredVerifier, SecretSigningKey, TrustedRegulators, VerifierRegistration,
};
use zkcred_credential::{Catalogue, Error, PresentationRequest};
use zkcred_policy::consent::{self, Unsigned};
use zkcred_policy::PolicyLoader;
use zkcred_service::http::{RequestKeyConfig, Server};

fn write_private(path: &Path, data: &[u8]) {
    std::fs::write(path, data).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The hotel's request key and a registration of policy version 1, signed
/// by `regulator`; the paths of their files.
fn hotel_keys(dir: &Path, regulator: &SecretSigningKey) -> (PathBuf, PathBuf) {
    let policy = PolicyLoader::new(Catalogue::builtin())
        .parse("hotel", &policy_doc(1, &["holder_name"]).to_string())
        .unwrap();
    let key = SecretSigningKey::generate(KeyRole::Request, &mut OsRng);
    let now = OffsetDateTime::now_utc();
    let registration = VerifierRegistration::issue(
        regulator,
        RegisteredVerifier {
            id: "hotel.example".into(),
            name: policy.spec.verifier.name.clone(),
            region: policy.spec.verifier.region.clone(),
        },
        key.public(),
        vec![serde_json::to_value(&policy.spec).unwrap()],
        now - Duration::days(1),
        now + Duration::days(30),
    )
    .unwrap();
    let (k, r) = (dir.join("hotel.key"), dir.join("hotel-registration.json"));
    write_private(&k, &key.to_secret_json());
    std::fs::write(&r, registration.to_json()).unwrap();
    (k, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_signs_its_requests_and_the_wallet_verifies_them() {
    let dir = tempfile::tempdir().unwrap();
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut OsRng);
    let (key, registration) = hotel_keys(dir.path(), &regulator);
    let mut cfg = config(dir.path());
    cfg.limits.body_bytes = 256 * 1024;
    cfg.request_keys = vec![RequestKeyConfig {
        verifier: "hotel.example".into(),
        key,
        registration,
    }];
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;

    let issued = c.role(HOTEL).challenge(POLICY).await.unwrap();
    let text = serde_json::to_string(&issued.request).unwrap();
    let request = PresentationRequest::from_json(&text).unwrap();
    assert!(request.is_signed());
    let mut trusted = TrustedRegulators::new();
    trusted.insert(regulator.public().clone()).unwrap();
    let now = OffsetDateTime::now_utc();
    let shown = consent::check(
        Catalogue::builtin(),
        &request,
        &trusted,
        now,
        Unsigned::Refuse,
    )
    .unwrap();
    let reg = shown.registered.as_ref().unwrap();
    assert_eq!((reg.policy_id.as_str(), reg.policy_version), (POLICY, 1));
    assert_eq!(shown.entries[0].disclose, ["holder_name"]);
    assert_eq!(shown.entries[0].requirement.as_deref(), Some("guest"));
    // Rewritten to ask for the ID number too: refused by the signature.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["credentials"][0]["disclose"] = json!(["holder_name", "holder_id"]);
    let altered: PresentationRequest = serde_json::from_value(v).unwrap();
    assert!(matches!(
        consent::check(
            Catalogue::builtin(),
            &altered,
            &trusted,
            now,
            Unsigned::Refuse
        ),
        Err(Error::RequestSignatureInvalid)
    ));
    // Another regulator's wallet does not trust it.
    let mut other = TrustedRegulators::new();
    other
        .insert(
            SecretSigningKey::generate(KeyRole::Regulator, &mut OsRng)
                .public()
                .clone(),
        )
        .unwrap();
    assert!(matches!(
        consent::check(
            Catalogue::builtin(),
            &request,
            &other,
            now,
            Unsigned::Refuse
        ),
        Err(Error::RegistrationUntrusted(_))
    ));
    // The holder answers the signed request; the service accepts it.
    let presentation = h.answer(&request);
    let accepted = c
        .role(HOTEL)
        .submit(&Submission {
            policy: POLICY.into(),
            request,
            presentation,
        })
        .await
        .unwrap();
    assert_eq!(accepted.policy.version, 1);

    // A new policy version the registration does not hold: no challenge
    // (every wallet would refuse the request).
    c.role(ADMIN)
        .new_version(
            DocKind::Policy,
            POLICY,
            &policy_doc(2, &["holder_name", "sex"]),
        )
        .await
        .unwrap();
    assert_eq!(
        problem(c.role(HOTEL).challenge(POLICY).await),
        (409, "registration_mismatch".into())
    );

    // The bar has no request key: its requests are unsigned.
    let mut bar = policy_doc(1, &["holder_name"]);
    bar["id"] = json!("bar-entry");
    bar["verifier"]["id"] = json!("bar.example");
    c.role(ADMIN).create(DocKind::Policy, &bar).await.unwrap();
    let issued = c.role(BAR).challenge("bar-entry").await.unwrap();
    assert_eq!(issued.request.version, 1);
    assert!(issued.request.signature.is_none());
    assert!(matches!(
        consent::check(
            Catalogue::builtin(),
            &issued.request,
            &trusted,
            now,
            Unsigned::Refuse
        ),
        Err(Error::RequestUnsigned)
    ));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_key_that_does_not_fit_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut OsRng);
    let (key, registration) = hotel_keys(dir.path(), &regulator);
    let entry = |verifier: &str, key: &Path, registration: &Path| RequestKeyConfig {
        verifier: verifier.into(),
        key: key.to_owned(),
        registration: registration.to_owned(),
    };
    // Configured for another verifier than the registration's.
    let mut cfg = config(dir.path());
    cfg.request_keys = vec![entry("bar.example", &key, &registration)];
    let e = Server::start(cfg).await.unwrap_err().to_string();
    assert!(e.contains("the registration is for verifier"), "{e}");
    // Another key than the registered one.
    let other = dir.path().join("other.key");
    write_private(
        &other,
        &SecretSigningKey::generate(KeyRole::Request, &mut OsRng).to_secret_json(),
    );
    let mut cfg = config(dir.path());
    cfg.request_keys = vec![entry("hotel.example", &other, &registration)];
    let e = Server::start(cfg).await.unwrap_err().to_string();
    assert!(e.contains("another request key"), "{e}");
    // A key file others may read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut cfg = config(dir.path());
        cfg.request_keys = vec![entry("hotel.example", &key, &registration)];
        let e = Server::start(cfg).await.unwrap_err().to_string();
        assert!(e.contains("must not be accessible"), "{e}");
    }
    // The regulator's key is not a request key.
    let reg_file = dir.path().join("regulator.key");
    write_private(&reg_file, &regulator.to_secret_json());
    let mut cfg = config(dir.path());
    cfg.request_keys = vec![entry("hotel.example", &reg_file, &registration)];
    assert!(Server::start(cfg).await.is_err());
}
