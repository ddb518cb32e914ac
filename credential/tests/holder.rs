//! `HolderCredential` + `present_prepared`: a credential checked once
//! answers many requests, each presentation verifying like one from
//! `present`.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use time::Duration;
use zkcred_credential::{
    present_prepared, verify_presentation, AttributeValue, Catalogue, Error, HolderCredential,
    PresentationRequest, RequestedCredential,
};

#[test]
fn prepared_credentials_answer_many_requests() {
    let c = Catalogue::builtin();
    let mut rng = rng(7);
    let TwoLicenses {
        key,
        keys,
        id,
        id_attributes: attrs,
        dl,
        ..
    } = two_licenses(c, &mut rng);
    let id_h = HolderCredential::new(c, &id, key.public()).unwrap();
    let dl_h = HolderCredential::new(c, &dl, key.public()).unwrap();
    assert_eq!(id_h.credential().credential_type, "resident_id_card");

    let mut proofs = Vec::new();
    for _ in 0..3 {
        let req = PresentationRequest::new(
            "hotel.example",
            vec![
                RequestedCredential::new("resident_id_card", &["holder_name"]),
                RequestedCredential::new("drivers_license", &["valid_until"]),
            ],
            now() + Duration::minutes(5),
            &mut rng,
        )
        .unwrap();
        let p = present_prepared(c, &req, &[&id_h, &dl_h], now(), &mut rng).unwrap();
        let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
        assert_eq!(
            out[0].attributes["holder_name"],
            attrs.get("holder_name").cloned()
        );
        // Two entries: one composite proof, with the holder binding.
        assert!(p.credentials.iter().all(|e| e.proof.is_none()));
        proofs.push(p.proof.as_ref().unwrap().value.clone());
        // Entries out of order are refused before any proof is made.
        assert!(matches!(
            present_prepared(c, &req, &[&dl_h, &id_h], now(), &mut rng),
            Err(Error::WrongCredentialType { .. })
        ));
    }
    proofs.dedup();
    assert_eq!(proofs.len(), 3, "fresh randomness per presentation");

    // A credential whose values were altered is refused when prepared.
    let mut forged = id.clone();
    forged.attributes.insert(
        "holder_name".into(),
        AttributeValue::String("李四".into()).to_json(),
    );
    assert!(matches!(
        HolderCredential::new(c, &forged, key.public()),
        Err(Error::SignatureInvalid)
    ));
}
