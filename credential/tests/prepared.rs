//! The split verification API (`prepare_presentation` + `finish`) agrees
//! with `verify_presentation`, and its entries verify in one BBS batch.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use time::Duration;
use zkcred_credential::presentation::{prepare_presentation, PreparedPresentation};
use zkcred_credential::{
    present, verify_presentation, Catalogue, Error, KeySet, Presentation, PresentationRequest,
    RequestedCredential,
};
use zkcred_crypto::bbs::{verify_batch, BatchItem, VerifierKey};

const VERIFIER: &str = "hotel.example";

struct Fixture {
    keys: KeySet,
    vk: VerifierKey,
    req: PresentationRequest,
    p: Presentation,
}

fn fixture(seed: u64) -> Fixture {
    let c = Catalogue::builtin();
    let mut rng = rng(seed);
    let TwoLicenses {
        key, keys, id, dl, ..
    } = two_licenses(c, &mut rng);
    let req = PresentationRequest::new(
        VERIFIER,
        vec![
            RequestedCredential::new("resident_id_card", &["holder_name"]),
            RequestedCredential::new("drivers_license", &["holder_name", "valid_until"]),
        ],
        now() + Duration::minutes(5),
        &mut rng,
    )
    .unwrap();
    let p = present(
        c,
        &req,
        &[(&id, key.public()), (&dl, key.public())],
        now(),
        &mut rng,
    )
    .unwrap();
    Fixture {
        vk: VerifierKey::new(key.public().public_key.clone()),
        keys,
        req,
        p,
    }
}

fn batch_finish(f: &Fixture, prepared: Vec<PreparedPresentation>) -> Vec<Result<usize, Error>> {
    let items: Vec<BatchItem<'_>> = prepared
        .iter()
        .flat_map(|pp| pp.entries.iter())
        .map(|e| BatchItem {
            suite: e.credential.suite,
            generators: zkcred_crypto::bbs::MessageGenerators::Plain,
            key: &f.vk,
            proof: &e.proof,
            header: &e.header,
            ph: &e.presentation_header,
            disclosed: &e.disclosed,
        })
        .collect();
    let mut results = verify_batch(&items, &mut rand::rngs::OsRng).into_iter();
    prepared
        .into_iter()
        .map(|pp| {
            let n = pp.entries.len();
            let mine: Vec<_> = results.by_ref().take(n).collect();
            pp.finish(mine).map(|d| d.len())
        })
        .collect()
}

#[test]
fn prepared_agrees_with_verify_presentation() {
    let f = fixture(7);
    let c = Catalogue::builtin();
    let direct = verify_presentation(c, &f.req, &f.p, &f.keys, now()).unwrap();
    let prepared = prepare_presentation(c, &f.req, &f.p, &f.keys, now()).unwrap();
    assert_eq!(prepared.entries.len(), 2);
    let results: Vec<_> = prepared
        .entries
        .iter()
        .map(|e| {
            f.vk.proof_verify(
                e.credential.suite,
                &e.proof,
                &e.header,
                &e.presentation_header,
                &e.disclosed,
            )
        })
        .collect();
    assert_eq!(prepared.finish(results).unwrap(), direct);
}

#[test]
fn batch_of_good_and_tampered_presentations() {
    let f = fixture(8);
    let c = Catalogue::builtin();
    // A disclosed value changed after proving: prepares fine, fails the proof.
    let mut bad = f.p.clone();
    bad.credentials[1]
        .disclosed
        .insert("holder_name".into(), serde_json::json!("王五"));
    let prepared = vec![
        prepare_presentation(c, &f.req, &f.p, &f.keys, now()).unwrap(),
        prepare_presentation(c, &f.req, &bad, &f.keys, now()).unwrap(),
        prepare_presentation(c, &f.req, &f.p, &f.keys, now()).unwrap(),
    ];
    let out = batch_finish(&f, prepared);
    assert_eq!(out[0].as_ref().unwrap(), &2);
    assert!(matches!(out[1], Err(Error::ProofInvalid)));
    assert_eq!(out[2].as_ref().unwrap(), &2);
}

#[test]
fn preparation_errors_match_verify_presentation() {
    let f = fixture(9);
    let c = Catalogue::builtin();
    let mut over = f.p.clone();
    over.credentials[0]
        .disclosed
        .insert("birth_date".into(), serde_json::json!("1990-01-01"));
    let mut unknown_key = f.p.clone();
    unknown_key.credentials[1].key_id = "00".repeat(16);
    let mut garbled = f.p.clone();
    garbled.credentials[0].proof.as_mut().unwrap().value = "abcd".into();
    for bad in [over, unknown_key, garbled] {
        let a = verify_presentation(c, &f.req, &bad, &f.keys, now()).unwrap_err();
        let b = prepare_presentation(c, &f.req, &bad, &f.keys, now()).unwrap_err();
        assert_eq!(a.to_string(), b.to_string());
    }
    // Missing proof results count as failures, never as successes.
    let prepared = prepare_presentation(c, &f.req, &f.p, &f.keys, now()).unwrap();
    assert!(matches!(
        prepared.finish([Ok(())]),
        Err(Error::ProofInvalid)
    ));
}
