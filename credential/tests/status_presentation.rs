//! Licence status in presentations: an entry asking for status is
//! answered with a membership proof for the epoch the holder synced to;
//! the verifier resolves the epoch, checks its freshness and the proof.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

mod common;

use common::*;
use time::{Duration, OffsetDateTime};
use zkcred_credential::presentation::status::{HolderStatus, StatusEpochView, StatusRequirement};
use zkcred_credential::{
    present_prepared, verify_presentation, Catalogue, Error, HolderCredential, IssuerPublicKey,
    KeyResolver, KeySet, PresentationRequest, RequestedCredential,
};
use zkcred_crypto::accumulator::{Accumulator, Change, Element, SecretKey, Witness};

/// A verifier's trust: the issuer keys and the status epochs it fetched.
struct Trust<'a> {
    keys: &'a KeySet,
    epochs: Vec<(String, String, StatusEpochView)>,
}

impl KeyResolver for Trust<'_> {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.keys.resolve(issuer, key_id)
    }
    fn status_epoch(&self, issuer: &str, ty: &str, epoch: u64) -> Option<StatusEpochView> {
        self.epochs
            .iter()
            .find(|(i, t, v)| i == issuer && t == ty && v.epoch == epoch)
            .map(|(_, _, v)| v.clone())
    }
}

fn request(rng: &mut rand::rngs::StdRng, max_epoch_age: u64) -> PresentationRequest {
    let mut rc = RequestedCredential::new("drivers_license", &["vehicle_class"]);
    rc.status = Some(StatusRequirement { max_epoch_age });
    PresentationRequest::new("rental.example", vec![rc], now() + Duration::hours(1), rng).unwrap()
}

fn view(
    epoch: u64,
    sk: &SecretKey,
    value: Accumulator,
    superseded_at: Option<OffsetDateTime>,
) -> StatusEpochView {
    StatusEpochView {
        epoch,
        public_key: sk.public_key(),
        value,
        superseded_at,
    }
}

/// A fresh accumulator for `dl`'s issuer: its key, epoch 0's value and
/// `dl`'s witness.
fn status_of(
    dl: &zkcred_credential::Credential,
    rng: &mut rand::rngs::StdRng,
) -> (SecretKey, Accumulator, Witness) {
    let sk = SecretKey::random(rng);
    let v0 = Accumulator::initial(rng);
    let w = sk
        .witness(&v0, &Element::new(dl.reserved.revocation_handle))
        .unwrap();
    (sk, v0, w)
}

/// `dl` prepared for presenting, with its status material at epoch 0.
fn holder_at_epoch0<'a>(
    c: &'a Catalogue,
    dl: &'a zkcred_credential::Credential,
    key: &'a IssuerPublicKey,
    sk: &SecretKey,
    v0: Accumulator,
    w: Witness,
) -> HolderCredential<'a> {
    HolderCredential::new(c, dl, key)
        .unwrap()
        .with_status(HolderStatus {
            epoch: 0,
            public_key: sk.public_key(),
            value: v0,
            witness: w,
        })
}

#[test]
fn suspended_then_reinstated_licence_through_presentations() {
    let c = Catalogue::builtin();
    let mut rng = rng(15);
    let TwoLicenses { key, keys, dl, .. } = two_licenses(c, &mut rng);
    let sk = SecretKey::random(&mut rng);
    let v0 = Accumulator::initial(&mut rng);
    let handle = Element::new(dl.reserved.revocation_handle);
    let w0 = sk.witness(&v0, &handle).unwrap();
    let holder = |epoch: u64, value: Accumulator, witness: Witness| {
        HolderCredential::new(c, &dl, key.public())
            .unwrap()
            .with_status(HolderStatus {
                epoch,
                public_key: sk.public_key(),
                value,
                witness,
            })
    };
    let ty = "drivers_license".to_string();
    let issuer = dl.issuer.clone();

    // Epoch 0, valid: accepted, and the decision names the epoch.
    let mut trust = Trust {
        keys: &keys,
        epochs: vec![(issuer.clone(), ty.clone(), view(0, &sk, v0, None))],
    };
    let req = request(&mut rng, 600);
    let h0 = holder(0, v0, w0);
    let p = present_prepared(c, &req, &[&h0], now(), &mut rng).unwrap();
    assert_eq!(p.credentials[0].status_epoch, Some(0));
    let out = verify_presentation(c, &req, &p, &trust, now()).unwrap();
    assert_eq!(out[0].status_epoch, Some(0));

    // Epoch 1: suspended (removed). The holder's old witness against the
    // new value: refused as not valid.
    let (v1, u1) = sk.update(&v0, &[Change::Remove(handle.clone())]).unwrap();
    trust.epochs[0].2.superseded_at = Some(now());
    trust
        .epochs
        .push((issuer.clone(), ty.clone(), view(1, &sk, v1, None)));
    assert!(w0.update_vartime(&handle, &v0, &u1).is_err());
    let req = request(&mut rng, 600);
    let stale = holder(1, v1, w0);
    let p = present_prepared(c, &req, &[&stale], now(), &mut rng).unwrap();
    assert!(matches!(
        verify_presentation(c, &req, &p, &trust, now()),
        Err(Error::LicenseNotValid)
    ));
    // Against epoch 0 within the policy's window: still accepted (the
    // freshness bound is the policy's choice) ...
    let p = present_prepared(c, &req, &[&h0], now(), &mut rng).unwrap();
    let r = verify_presentation(c, &req, &p, &trust, now() + Duration::seconds(600));
    assert!(r.is_ok(), "{r:?}");
    // ... and refused past it.
    let req = request(&mut rng, 600);
    let p = present_prepared(c, &req, &[&h0], now(), &mut rng).unwrap();
    assert!(matches!(
        verify_presentation(c, &req, &p, &trust, now() + Duration::seconds(601)),
        Err(Error::StatusEpochStale { epoch: 0, .. })
    ));
    let strict = request(&mut rng, 0);
    let p = present_prepared(c, &strict, &[&h0], now(), &mut rng).unwrap();
    assert!(matches!(
        verify_presentation(c, &strict, &p, &trust, now() + Duration::seconds(1)),
        Err(Error::StatusEpochStale { .. })
    ));

    // Epoch 2: reinstated. The holder's updated witness is accepted.
    let (v2, u2) = sk.update(&v1, &[Change::Add(handle.clone())]).unwrap();
    trust.epochs[1].2.superseded_at = Some(now());
    trust
        .epochs
        .push((issuer.clone(), ty.clone(), view(2, &sk, v2, None)));
    let w2 = w0.update_vartime(&handle, &v1, &u2).unwrap();
    let h2 = holder(2, v2, w2);
    let req = request(&mut rng, 0);
    let p = present_prepared(c, &req, &[&h2], now(), &mut rng).unwrap();
    let out = verify_presentation(c, &req, &p, &trust, now()).unwrap();
    assert_eq!(out[0].status_epoch, Some(2));

    // An epoch the verifier does not know, or a wrong number for the
    // value: refused.
    let mut p = present_prepared(c, &req, &[&h2], now(), &mut rng).unwrap();
    p.credentials[0].status_epoch = Some(9);
    assert!(matches!(
        verify_presentation(c, &req, &p, &trust, now()),
        Err(Error::StatusEpochUnknown { epoch: 9, .. })
    ));
    // Epoch 1 has another value (the licence suspended): refused. (Epoch 0
    // has epoch 2's value again: a suspension undone restores the value,
    // and a proof is about the value, the same set of valid licences.)
    assert_eq!(trust.epochs[0].2.value, v2);
    p.credentials[0].status_epoch = Some(1);
    assert!(verify_presentation(c, &req, &p, &trust, now()).is_err());
    // No epoch named, or one named where none is asked: refused.
    p.credentials[0].status_epoch = None;
    assert!(matches!(
        verify_presentation(c, &req, &p, &trust, now()),
        Err(Error::StatusMissing { .. })
    ));
}

#[test]
fn a_request_for_status_needs_the_holders_witness() {
    let c = Catalogue::builtin();
    let mut rng = rng(16);
    let TwoLicenses { key, dl, .. } = two_licenses(c, &mut rng);
    let h = HolderCredential::new(c, &dl, key.public()).unwrap();
    let req = request(&mut rng, 60);
    assert!(matches!(
        present_prepared(c, &req, &[&h], now(), &mut rng),
        Err(Error::StatusWitnessMissing { entry: 0, .. })
    ));
    // The requirement is part of the signed digest.
    let mut other = req.clone();
    other.credentials[0].status = Some(StatusRequirement { max_epoch_age: 61 });
    assert_ne!(req.digest(), other.digest());
    other.credentials[0].status = None;
    assert_ne!(req.digest(), other.digest());
}

#[test]
fn a_verifier_without_epochs_refuses_status_presentations() {
    let c = Catalogue::builtin();
    let mut rng = rng(17);
    let TwoLicenses { key, keys, dl, .. } = two_licenses(c, &mut rng);
    let (sk, v0, w) = status_of(&dl, &mut rng);
    let h = holder_at_epoch0(c, &dl, key.public(), &sk, v0, w);
    let req = request(&mut rng, 60);
    let p = present_prepared(c, &req, &[&h], now(), &mut rng).unwrap();
    // The key set alone knows no status epoch.
    assert!(matches!(
        verify_presentation(c, &req, &p, &keys, now()),
        Err(Error::StatusEpochUnknown { .. })
    ));
    // Another issuer's accumulator under the same epoch number: refused.
    let other = SecretKey::random(&mut rng);
    let trust = Trust {
        keys: &keys,
        epochs: vec![(
            dl.issuer.clone(),
            "drivers_license".into(),
            view(0, &other, v0, None),
        )],
    };
    assert!(verify_presentation(c, &req, &p, &trust, now()).is_err());
}

#[test]
fn two_presentations_of_one_licence_share_nothing_beyond_the_disclosed() {
    let c = Catalogue::builtin();
    let mut rng = rng(18);
    let TwoLicenses { key, dl, .. } = two_licenses(c, &mut rng);
    let (sk, v0, w) = status_of(&dl, &mut rng);
    let h = holder_at_epoch0(c, &dl, key.public(), &sk, v0, w);
    let req = request(&mut rng, 60);
    let a = present_prepared(c, &req, &[&h], now(), &mut rng).unwrap();
    let b = present_prepared(c, &req, &[&h], now(), &mut rng).unwrap();
    // Same request, same disclosures and epoch; proofs with no 16-octet
    // run in common.
    assert_eq!(a.credentials, b.credentials);
    let pa = hex::decode(&a.proof.as_ref().unwrap().value).unwrap();
    let pb = hex::decode(&b.proof.as_ref().unwrap().value).unwrap();
    // Skip the encoding's framing (version, tags, counts, lengths).
    let shared = pa
        .windows(16)
        .filter(|x| x.iter().filter(|b| **b == 0).count() < 8)
        .filter(|x| pb.windows(16).any(|y| y == *x))
        .count();
    assert_eq!(shared, 0);
    for secret in [
        w.to_bytes().to_vec(),
        dl.reserved.revocation_handle.to_be_bytes().to_vec(),
    ] {
        assert!(!pa.windows(16).any(|x| x == &secret[..16]));
    }
}
