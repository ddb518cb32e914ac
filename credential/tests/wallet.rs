//! The wallet: add (verifying), list, show, remove, present.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use time::Duration;
use zkcred_credential::{
    issue_with, verify_presentation, AttributeValue, Catalogue, Date, Error, IssueOptions, KeySet,
    PresentationRequest, RequestedCredential, Wallet,
};
use zkcred_crypto::bbs::Suite;

#[test]
fn wallet_add_list_show_present_remove() {
    let c = Catalogue::builtin();
    let mut rng = rng(1);
    let key = issuer_key(ISSUER, Suite::Bls12381Sha256, &mut rng);
    let other_key = issuer_key(OTHER_ISSUER, Suite::Bls12381Sha256, &mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    keys.insert(other_key.public().clone());
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::open(dir.path().join("w")).unwrap();

    let t = c.get("drivers_license").unwrap();
    let mut old = sample_attributes(t, &mut rng, Some(true));
    old.insert(
        "issue_date",
        AttributeValue::Date(Date::parse("2016-04-01").unwrap()),
    );
    old.insert(
        "valid_from",
        AttributeValue::Date(Date::parse("2016-04-01").unwrap()),
    );
    let mut new = sample_attributes(t, &mut rng, Some(true));
    new.insert(
        "issue_date",
        AttributeValue::Date(Date::parse("2022-04-01").unwrap()),
    );
    new.insert(
        "valid_from",
        AttributeValue::Date(Date::parse("2022-04-01").unwrap()),
    );
    // Licenses issued years ago, converted now: back-dated issuance.
    let conversion = IssueOptions {
        allow_backdated: true,
    };
    let convert = |key, attrs, rng: &mut _| {
        issue_with(c, key, &t.id, attrs, &conversion, now(), rng).unwrap()
    };
    let old_cred = convert(&key, &old, &mut rng);
    let new_cred = convert(&key, &new, &mut rng);
    let other_cred = convert(&other_key, &old, &mut rng);

    // A tampered credential is refused and nothing is stored.
    let mut bad = old_cred.clone();
    bad.attributes
        .insert("vehicle_class".into(), serde_json::json!("A1"));
    assert!(matches!(
        wallet.add(c, &keys, bad),
        Err(Error::SignatureInvalid)
    ));
    // So is one from an untrusted issuer.
    let only_first: KeySet = {
        let mut k = KeySet::new();
        k.insert(key.public().clone());
        k
    };
    assert!(matches!(
        wallet.add(c, &only_first, other_cred.clone()),
        Err(Error::UnknownKey { .. })
    ));
    assert!(wallet.list(c).unwrap().is_empty());

    let id_old = wallet.add(c, &keys, old_cred.clone()).unwrap();
    let id_new = wallet.add(c, &keys, new_cred.clone()).unwrap();
    let id_other = wallet.add(c, &keys, other_cred).unwrap();
    assert!(
        matches!(wallet.add(c, &keys, old_cred.clone()), Err(Error::AlreadyInWallet(id)) if id == id_old)
    );

    let list = wallet.list(c).unwrap();
    assert_eq!(list.len(), 3);
    let s = list.iter().find(|s| s.id == id_new).unwrap();
    assert_eq!(s.credential_type, "drivers_license");
    assert_eq!(s.name_zh, "机动车驾驶证");
    assert_eq!(s.issue_date.as_deref(), Some("2022-04-01"));

    let shown = wallet.get(&id_old).unwrap();
    assert_eq!(shown.credential, old_cred);
    assert_eq!(shown.issuer_key, *key.public());
    for bad_id in [
        "../../etc/passwd",
        "0123456789abcdeF",
        "",
        "0000000000000000",
    ] {
        assert!(
            matches!(wallet.get(bad_id), Err(Error::NotInWallet(_))),
            "{bad_id}"
        );
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(wallet.dir()), 0o700);
        let f = wallet
            .dir()
            .join("credentials")
            .join(format!("{id_old}.json"));
        assert_eq!(mode(&f), 0o600);
    }

    // Automatic choice: the latest issue date among accepted issuers.
    let req = PresentationRequest::new(
        "rental.example",
        vec![RequestedCredential::new(
            &t.id,
            &["vehicle_class", "issue_date"],
        )],
        now() + Duration::minutes(2),
        &mut rng,
    )
    .unwrap();
    let p = wallet.present(c, &req, &[], now(), &mut rng).unwrap();
    let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
    assert_eq!(
        out[0].attributes["issue_date"],
        new.get("issue_date").cloned().map(Some).unwrap()
    );
    // Explicit choice.
    let p = wallet
        .present(c, &req, &[Some(&id_old)], now(), &mut rng)
        .unwrap();
    let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
    assert_eq!(
        out[0].attributes["vehicle_class"].as_ref(),
        old.get("vehicle_class")
    );
    // Issuer restriction.
    let mut req2 = req.clone();
    req2.credentials[0].issuers = vec![OTHER_ISSUER.into()];
    let p = wallet.present(c, &req2, &[], now(), &mut rng).unwrap();
    assert_eq!(p.credentials[0].issuer, OTHER_ISSUER);
    verify_presentation(c, &req2, &p, &keys, now()).unwrap();
    assert!(matches!(
        wallet.present(c, &req2, &[Some(&id_old)], now(), &mut rng),
        Err(Error::IssuerNotAccepted(_))
    ));
    // Nothing of the requested type.
    let req3 = PresentationRequest::new(
        "rental.example",
        vec![RequestedCredential::new(
            "vehicle_license",
            &["plate_number"],
        )],
        now() + Duration::minutes(2),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(
        wallet.present(c, &req3, &[], now(), &mut rng),
        Err(Error::NoMatchingCredential(t)) if t == "vehicle_license"
    ));
    // Wrong type chosen explicitly.
    assert!(matches!(
        wallet.present(c, &req3, &[Some(&id_old)], now(), &mut rng),
        Err(Error::WrongCredentialType { .. })
    ));
    // Expired request.
    assert!(matches!(
        wallet.present(c, &req, &[], req.expires_at + Duration::SECOND, &mut rng),
        Err(Error::RequestExpired(_))
    ));

    wallet.remove(&id_other).unwrap();
    assert!(matches!(wallet.get(&id_other), Err(Error::NotInWallet(_))));
    assert_eq!(wallet.list(c).unwrap().len(), 2);
    // Reopening sees the same entries.
    let again = Wallet::open(wallet.dir()).unwrap();
    assert_eq!(again.list(c).unwrap().len(), 2);
}

#[test]
fn corrupted_wallet_files_are_errors() {
    let c = Catalogue::builtin();
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::open(dir.path()).unwrap();
    let id = "0123456789abcdef";
    std::fs::write(
        wallet.dir().join("credentials").join(format!("{id}.json")),
        b"{not json",
    )
    .unwrap();
    assert!(matches!(wallet.get(id), Err(Error::Json { .. })));
    assert!(wallet.list(c).is_err());
}
