//! Licence status: the issuer's registry, signed epochs and updates, and
//! the wallet's sync, over many epochs.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use rand::rngs::StdRng;
use time::Duration;
use zkcred_credential::status::{
    credential_id, LicenseStatus, StatusEpoch, StatusRegistry, StatusUpdate,
};
use zkcred_credential::{
    issue, Catalogue, Credential, Error, IssueOptions, IssuerKey, KeySet, Wallet, WalletEntry,
};
use zkcred_crypto::accumulator::Element;
use zkcred_crypto::bbs::Suite;
use zkcred_problem::ProblemCode;

use LicenseStatus as S;

/// Which error a refused input must give.
type Expect = fn(&Error) -> bool;

const TYPE: &str = "drivers_license";

/// An issuer with a status registry for driver's licences and a holder's
/// wallet, and every document published so far.
struct World {
    c: &'static Catalogue,
    key: IssuerKey,
    keys: KeySet,
    keydir: tempfile::TempDir,
    _wdir: tempfile::TempDir,
    wallet: Wallet,
    registry: StatusRegistry,
    epochs: Vec<StatusEpoch>,
    updates: Vec<StatusUpdate>,
    t: time::OffsetDateTime,
}

impl World {
    fn new(rng: &mut StdRng) -> World {
        let c = Catalogue::builtin();
        let key = issuer_key(ISSUER, Suite::Bls12381Sha256, rng);
        let mut keys = KeySet::new();
        keys.insert(key.public().clone());
        let keydir = tempfile::tempdir().unwrap();
        let wdir = tempfile::tempdir().unwrap();
        let wallet = Wallet::init(wdir.path().join("w"), PASS, small_kdf(), rng).unwrap();
        let (registry, epoch0) =
            StatusRegistry::init(keydir.path(), &key, TYPE, now(), rng).unwrap();
        assert_eq!(epoch0.epoch(), 0);
        epoch0.verify(key.public()).unwrap();
        World {
            c,
            key,
            keys,
            keydir,
            _wdir: wdir,
            wallet,
            registry,
            epochs: vec![epoch0],
            updates: Vec::new(),
            t: now(),
        }
    }

    /// Issues a driver's licence into the wallet, registered; returns its
    /// entry id and licence id.
    fn issue_held(&mut self, rng: &mut StdRng) -> (String, String) {
        let t = self.c.get(TYPE).unwrap();
        let attrs = sample_attributes(t, rng, Some(true));
        let mut cred = issue_for_wallet(
            &self.wallet,
            self.c,
            &self.key,
            &attrs,
            TYPE,
            &IssueOptions::default(),
            rng,
        );
        let sw = self.registry.register_issued(&cred, self.t).unwrap();
        assert_eq!(sw.epoch, self.registry.epoch());
        // The witness the issuer hands out verifies for the current value.
        let element = Element::new(cred.reserved.revocation_handle);
        assert!(sw
            .witness
            .verify(self.registry.public_key(), self.registry.value(), &element));
        cred.status = Some(sw);
        let lid = credential_id(&cred).unwrap();
        let id = self.wallet.add(self.c, &self.keys, cred, rng).unwrap();
        (id, lid)
    }

    /// Issues a licence to someone else, registered; returns its licence id.
    fn issue_elsewhere(&mut self, rng: &mut StdRng) -> String {
        let t = self.c.get(TYPE).unwrap();
        let attrs = sample_attributes(t, rng, Some(true));
        let cred = issue(self.c, &self.key, TYPE, &attrs, now(), rng).unwrap();
        self.registry.register_issued(&cred, self.t).unwrap();
        credential_id(&cred).unwrap()
    }

    /// One batch of changes: one new epoch.
    fn change(&mut self, changes: &[(&str, S)]) -> u64 {
        self.t += Duration::hours(1);
        let owned: Vec<(String, S)> = changes.iter().map(|(i, s)| ((*i).to_owned(), *s)).collect();
        let before = self.registry.epoch();
        let (epoch, update) = self.registry.change(&self.key, &owned, self.t).unwrap();
        assert_eq!(epoch.epoch(), before + 1);
        assert_eq!(self.registry.epoch(), before + 1);
        epoch.verify(self.key.public()).unwrap();
        update
            .check_epochs(self.epochs.last().unwrap(), &epoch)
            .unwrap();
        // The published documents are these and parse back to them.
        let e2 = StatusEpoch::from_json(&epoch.to_json()).unwrap();
        assert_eq!(e2, epoch);
        let u2 = StatusUpdate::from_json(&update.to_json()).unwrap();
        assert_eq!(u2, update);
        assert_eq!(self.registry.current_epoch().unwrap(), epoch);
        self.epochs.push(epoch);
        self.updates.push(update);
        self.registry.epoch()
    }

    fn sync(&self, rng: &mut StdRng) -> Result<Vec<zkcred_credential::wallet::SyncOutcome>, Error> {
        self.wallet
            .sync(&self.updates, &self.epochs, &self.keys, rng)
    }

    fn entry(&self, id: &str) -> WalletEntry {
        self.wallet.get(id).unwrap()
    }

    /// Checks the wallet's view of `id`: its status and epoch, and that its
    /// witness verifies against the latest epoch exactly when it is valid.
    fn expect(&self, id: &str, status: S, since: u64) {
        let e = self.entry(id);
        let held = e.status().unwrap();
        let latest = self.epochs.last().unwrap();
        assert_eq!(held.status, status, "{id}");
        assert_eq!(held.epoch, latest.epoch(), "{id}");
        assert_eq!(held.since_epoch, since, "{id}");
        let element = Element::new(e.credential.reserved.revocation_handle);
        let stored = e.credential.status.unwrap();
        let verifies = stored
            .witness
            .verify(latest.accumulator_key(), latest.value(), &element);
        assert_eq!(verifies, status.is_valid(), "{id}: {status}");
        match e.status_witness() {
            Some(w) => {
                assert!(status.is_valid());
                assert_eq!(w.epoch, latest.epoch());
            }
            None => assert!(!status.is_valid()),
        }
        // What a presentation would use: the witness and its signed epoch.
        if let Some((w, epoch)) = e.membership() {
            assert!(status.is_valid());
            assert_eq!(epoch, latest);
            assert!(w
                .witness
                .verify(epoch.accumulator_key(), epoch.value(), &element));
        }
        // The registry agrees.
        let lid = credential_id(&e.credential).unwrap();
        assert_eq!(self.registry.entry(&lid).unwrap().status, status);
    }
}

#[test]
fn valid_suspended_reinstated_and_revoked_over_many_epochs() {
    let mut rng = rng(150);
    let mut w = World::new(&mut rng);
    let (a, _a_lid) = w.issue_held(&mut rng);
    let (b, b_lid) = w.issue_held(&mut rng);
    let (c, c_lid) = w.issue_held(&mut rng);
    let (d, d_lid) = w.issue_held(&mut rng);
    let e_lid = w.issue_elsewhere(&mut rng);
    let f_lid = w.issue_elsewhere(&mut rng);

    // Epochs 1 and 2, synced together.
    w.change(&[(&b_lid, S::Suspended), (&e_lid, S::Suspended)]);
    w.change(&[(&d_lid, S::Revoked), (&f_lid, S::Cancelled)]);
    let out = w.sync(&mut rng).unwrap();
    assert_eq!(out.len(), 4);
    assert!(out.iter().all(|o| o.from_epoch == 0 && o.to_epoch == 2));
    let of = |id: &str| out.iter().find(|o| o.id == id).unwrap().clone();
    assert_eq!(
        (of(&b).previous_status, of(&b).status),
        (S::Valid, S::Suspended)
    );
    w.expect(&a, S::Valid, 0);
    w.expect(&b, S::Suspended, 1);
    w.expect(&c, S::Valid, 0);
    w.expect(&d, S::Revoked, 2);

    // A credential issued at epoch 2 joins with a witness for epoch 2; a
    // sync with nothing newer checks it and keeps the signed epoch.
    let (g, g_lid) = w.issue_held(&mut rng);
    w.expect(&g, S::Valid, 2);
    assert!(w.entry(&g).membership().is_none());
    let out = w.sync(&mut rng).unwrap();
    assert!(out.iter().all(|o| o.from_epoch == 2 && o.to_epoch == 2));
    let (_, epoch) = w
        .entry(&g)
        .membership()
        .map(|(a, b)| (*a, b.clone()))
        .unwrap();
    assert_eq!(&epoch, w.epochs.last().unwrap());
    assert!(w.entry(&b).membership().is_none(), "suspended");

    // Epoch 3: B reinstated, C suspended, E reinstated (not held), in one batch.
    w.change(&[
        (&b_lid, S::Valid),
        (&c_lid, S::Suspended),
        (&e_lid, S::Valid),
    ]);
    w.sync(&mut rng).unwrap();
    w.expect(&a, S::Valid, 0);
    w.expect(&b, S::Valid, 3);
    w.expect(&c, S::Suspended, 3);
    w.expect(&g, S::Valid, 2);

    // Epoch 4: C, suspended, revoked by penalty: no accumulator change.
    w.change(&[(&c_lid, S::RevokedByPenalty)]);
    assert_eq!(w.updates.last().unwrap().update.len(), 0);
    // Epoch 5: G suspended; epoch 6: G reinstated and E suspended again;
    // epoch 7: B expires. Synced one by one, then twice more at the end.
    w.change(&[(&g_lid, S::Suspended)]);
    w.sync(&mut rng).unwrap();
    w.expect(&c, S::RevokedByPenalty, 4);
    w.expect(&g, S::Suspended, 5);
    w.change(&[(&g_lid, S::Valid), (&e_lid, S::Suspended)]);
    w.sync(&mut rng).unwrap();
    w.expect(&g, S::Valid, 6);
    w.change(&[(&b_lid, S::Expired)]);
    let out = w.sync(&mut rng).unwrap();
    assert!(out.iter().all(|o| o.to_epoch == 7));
    w.expect(&a, S::Valid, 0);
    w.expect(&b, S::Expired, 7);
    w.expect(&c, S::RevokedByPenalty, 4);
    w.expect(&d, S::Revoked, 2);
    w.expect(&g, S::Valid, 6);
    for id in [&a, &g] {
        assert_eq!(w.entry(id).membership().unwrap().1.epoch(), 7);
    }
    assert!(w.entry(&c).membership().is_none());
    // Nothing new: a second sync changes nothing.
    let again = w.sync(&mut rng).unwrap();
    assert!(again
        .iter()
        .all(|o| o.from_epoch == 7 && o.to_epoch == 7 && o.previous_status == o.status));

    // The wallet's summaries carry the status.
    let list = w.wallet.list(w.c).unwrap();
    let row = list.iter().find(|r| r.id == b).unwrap();
    assert_eq!((row.status, row.status_epoch), (Some(S::Expired), Some(7)));

    // Final statuses have no way back.
    let err = w
        .registry
        .change(&w.key, &[(d_lid.clone(), S::Valid)], w.t)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::StatusTransition {
            from: S::Revoked,
            to: S::Valid,
            ..
        }
    ));
    assert_eq!(err.code(), ProblemCode::StatusTransitionInvalid);

    // The registry reopens as it was.
    let reopened = StatusRegistry::open(w.keydir.path(), ISSUER, TYPE).unwrap();
    assert_eq!(reopened.epoch(), 7);
    assert_eq!(reopened.value(), w.registry.value());
    assert_eq!(reopened.public_key(), w.registry.public_key());
    let statuses: Vec<_> = reopened
        .entries()
        .map(|e| (e.credential_id.clone(), e.status))
        .collect();
    let expected: Vec<_> = w
        .registry
        .entries()
        .map(|e| (e.credential_id.clone(), e.status))
        .collect();
    assert_eq!(statuses, expected);
    assert_eq!(reopened.entry(&f_lid).unwrap().status, S::Cancelled);
    assert_eq!(reopened.entry(&f_lid).unwrap().changed_epoch, 2);
    for n in 0..=7 {
        assert_eq!(reopened.published_epoch(n).unwrap(), w.epochs[n as usize]);
    }
    for n in 1..=7 {
        assert_eq!(
            reopened.published_update(n).unwrap(),
            w.updates[n as usize - 1]
        );
    }
}

#[test]
fn a_batch_is_one_epoch_and_a_bad_batch_changes_nothing() {
    let mut rng = rng(151);
    let mut w = World::new(&mut rng);
    let ids: Vec<String> = (0..5).map(|_| w.issue_elsewhere(&mut rng)).collect();
    let value0 = *w.registry.value();

    // Refused batches: nothing changes, no epoch is published.
    let bad_batches: Vec<(Vec<(String, S)>, Expect)> = vec![
        (vec![], |e| matches!(e, Error::InvalidRequest(_))),
        (
            vec![(ids[0].clone(), S::Suspended), (ids[0].clone(), S::Revoked)],
            |e| matches!(e, Error::InvalidRequest(_)),
        ),
        (
            vec![
                (ids[0].clone(), S::Suspended),
                ("no-such-licence".into(), S::Revoked),
            ],
            |e| matches!(e, Error::UnknownStatusCredential(_)),
        ),
        (
            vec![(ids[0].clone(), S::Suspended), (ids[1].clone(), S::Valid)],
            |e| matches!(e, Error::StatusTransition { .. }),
        ),
    ];
    for (batch, want) in bad_batches {
        let err = w.registry.change(&w.key, &batch, w.t).unwrap_err();
        assert!(want(&err), "{err:?}");
        assert_eq!(w.registry.epoch(), 0);
        assert_eq!(w.registry.value(), &value0);
        assert!(w.registry.entries().all(|e| e.status == S::Valid));
        assert!(!w.registry.published_dir().join("epoch-1.json").exists());
    }
    // A key of another issuer cannot sign the registry's epochs.
    let other = issuer_key(OTHER_ISSUER, Suite::Bls12381Sha256, &mut rng);
    assert!(matches!(
        w.registry
            .change(&other, &[(ids[0].clone(), S::Suspended)], w.t),
        Err(Error::StatusIssuerMismatch { .. })
    ));

    // Three changes, one epoch: two removals and a final status.
    let n = w.change(&[
        (&ids[0], S::Suspended),
        (&ids[1], S::Revoked),
        (&ids[2], S::Expired),
    ]);
    assert_eq!(n, 1);
    let u = w.updates.last().unwrap();
    assert_eq!((u.from_epoch, u.to_epoch), (0, 1));
    assert_eq!(u.update.len(), 3);
    assert_eq!(
        u.statuses.iter().map(|s| s.status).collect::<Vec<_>>(),
        [S::Suspended, S::Revoked, S::Expired]
    );
    for (i, id) in ids.iter().enumerate() {
        let e = w.registry.entry(id).unwrap();
        assert_eq!(e.changed_epoch, if i < 3 { 1 } else { 0 });
    }
    // A reinstatement and a suspended licence revoked: one move, two statuses.
    w.change(&[(&ids[0], S::Valid), (&ids[3], S::Cancelled)]);
    let u = w.updates.last().unwrap();
    assert_eq!(u.update.len(), 2);
    w.change(&[(&ids[0], S::Suspended)]);
    w.change(&[(&ids[0], S::RevokedByPenalty), (&ids[4], S::Suspended)]);
    let u = w.updates.last().unwrap();
    assert_eq!(u.update.len(), 1, "only the valid licence moves");
    assert_eq!(u.statuses.len(), 2);
    assert_eq!(u.statuses[1].status, S::RevokedByPenalty);

    // A registry exists once per issuer and type.
    assert!(matches!(
        StatusRegistry::init(w.keydir.path(), &w.key, TYPE, now(), &mut rng),
        Err(Error::StatusRegistryExists { .. })
    ));
    assert!(matches!(
        StatusRegistry::open(w.keydir.path(), ISSUER, "resident_id_card"),
        Err(Error::NoStatusRegistry { .. })
    ));
    assert!(StatusRegistry::open(w.keydir.path(), "../x", TYPE).is_err());
}

/// A wallet with one held licence, B, changed over three epochs:
/// suspended (1), reinstated (2), suspended (3).
fn three_epochs(rng: &mut StdRng) -> (World, String) {
    let mut w = World::new(rng);
    let (b, b_lid) = w.issue_held(rng);
    let other = w.issue_elsewhere(rng);
    w.change(&[(&b_lid, S::Suspended)]);
    w.change(&[(&b_lid, S::Valid), (&other, S::Revoked)]);
    w.change(&[(&b_lid, S::Suspended)]);
    (w, b)
}

/// The entry is exactly as issued: valid at epoch 0, never synced.
fn untouched(w: &World, id: &str) {
    let e = w.entry(id);
    assert_eq!(e.status, None);
    assert_eq!(e.credential.status.unwrap().epoch, 0);
    assert_eq!(e.status().unwrap().status, S::Valid);
}

#[test]
fn a_gap_in_the_chain_is_refused_and_nothing_changes() {
    let mut rng = rng(152);
    let (w, b) = three_epochs(&mut rng);
    // The update 1 -> 2 is missing.
    let updates = [w.updates[0].clone(), w.updates[2].clone()];
    let err = w
        .wallet
        .sync(&updates, &w.epochs, &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::StatusChainBroken(_)), "{err}");
    assert!(err.to_string().contains("from epoch 1 to 2"), "{err}");
    assert_eq!(err.code(), ProblemCode::StatusChainBroken);
    untouched(&w, &b);
    // Epoch 2 is missing.
    let epochs = [
        w.epochs[0].clone(),
        w.epochs[1].clone(),
        w.epochs[3].clone(),
    ];
    let err = w
        .wallet
        .sync(&w.updates, &epochs, &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::StatusChainBroken(_)), "{err}");
    untouched(&w, &b);
    // The epoch the wallet is at is missing.
    let err = w
        .wallet
        .sync(&w.updates, &w.epochs[1..], &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::StatusChainBroken(_)), "{err}");
    untouched(&w, &b);
    // Only the first epoch's update and epoch: synced that far, no further.
    let out = w
        .wallet
        .sync(&w.updates[..1], &w.epochs[..2], &w.keys, &mut rng)
        .unwrap();
    assert_eq!((out[0].to_epoch, out[0].status), (1, S::Suspended));
    // Then the rest.
    let out = w.sync(&mut rng).unwrap();
    assert_eq!((out[0].from_epoch, out[0].to_epoch), (1, 3));
    w.expect(&b, S::Suspended, 3);
}

#[test]
fn an_altered_update_is_refused_and_nothing_changes() {
    let mut rng = rng(153);
    let (w, b) = three_epochs(&mut rng);
    let sync_with = |u1: StatusUpdate, rng: &mut StdRng| {
        let updates = [w.updates[0].clone(), u1, w.updates[2].clone()];
        w.wallet.sync(&updates, &w.epochs, &w.keys, rng)
    };
    // The status code changed (02 -> 03 would tell the wallet "revoked").
    let text = w.updates[0]
        .to_json()
        .replace("\"status\": \"02\"", "\"status\": \"03\"");
    let altered = StatusUpdate::from_json(&text).unwrap();
    assert_ne!(altered, w.updates[0]);
    let updates = [altered, w.updates[1].clone(), w.updates[2].clone()];
    let err = w
        .wallet
        .sync(&updates, &w.epochs, &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::StatusUpdateInvalid(_)), "{err}");
    assert_eq!(err.code(), ProblemCode::StatusUpdateInvalid);
    untouched(&w, &b);
    // The accumulator change dropped (the reinstatement hidden).
    let mut dropped = w.updates[1].clone();
    let other = dropped.statuses.remove(0);
    assert!(other.status.is_valid());
    assert!(StatusUpdate::new(
        &dropped.issuer,
        &dropped.credential_type,
        dropped.from_epoch,
        dropped.update.clone(),
        dropped.statuses.clone()
    )
    .is_err());
    // An update of the same shape from another registry: the digest and
    // values do not match the signed epochs.
    let mut rng2 = common::rng(154);
    let (w2, _) = three_epochs(&mut rng2);
    let err = sync_with(w2.updates[1].clone(), &mut rng).unwrap_err();
    assert!(matches!(err, Error::StatusUpdateInvalid(_)), "{err}");
    untouched(&w, &b);
    // Well-formed but inconsistent documents are refused when parsed.
    let json = w.updates[1].to_json();
    for (from, to) in [
        ("\"to_epoch\": 2", "\"to_epoch\": 3"),
        ("\"status\": \"01\"", "\"status\": \"02\""),
        ("\"status\": \"01\"", "\"status\": \"06\""),
        (
            "\"format\": \"zkcred-status-update\"",
            "\"format\": \"zkcred-status-update\", \"note\": 1",
        ),
        ("\"version\": 1", "\"version\": 2"),
    ] {
        assert!(json.contains(from), "{from}");
        let bad = json.replacen(from, to, 1);
        assert!(StatusUpdate::from_json(&bad).is_err(), "{to}");
    }
    // Then the real documents sync.
    w.sync(&mut rng).unwrap();
    w.expect(&b, S::Suspended, 3);
}

#[test]
fn an_epoch_with_a_bad_signature_is_refused() {
    let mut rng = rng(155);
    let (w, b) = three_epochs(&mut rng);
    // Another value, timestamp or chain link in epoch 2 breaks its signature.
    let mut doc: serde_json::Value = serde_json::from_str(&w.epochs[2].to_json()).unwrap();
    doc["published_at"] = "2030-01-01T00:00:00Z".into();
    let forged = StatusEpoch::from_json(&doc.to_string()).unwrap();
    assert_ne!(forged, w.epochs[2]);
    let err = forged.verify(w.key.public()).unwrap_err();
    assert!(
        matches!(err, Error::StatusSignatureInvalid { epoch: 2, .. }),
        "{err}"
    );
    assert_eq!(err.code(), ProblemCode::StatusSignatureInvalid);
    let mut epochs = w.epochs.clone();
    epochs[2] = forged;
    let err = w
        .wallet
        .sync(&w.updates, &epochs, &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::StatusSignatureInvalid { .. }), "{err}");
    untouched(&w, &b);
    // A value from another registry with this epoch's signature.
    let mut swapped = w.epochs[3].clone();
    swapped.content.value = *w.epochs[1].value();
    assert!(matches!(
        swapped.verify(w.key.public()),
        Err(Error::StatusSignatureInvalid { .. })
    ));
    // Signed by another issuer's key, or by another key of this issuer.
    let other = issuer_key(OTHER_ISSUER, Suite::Bls12381Sha256, &mut rng);
    let err = w.epochs[1].verify(other.public()).unwrap_err();
    assert!(matches!(err, Error::StatusIssuerMismatch { .. }), "{err}");
    assert_eq!(err.code(), ProblemCode::StatusIssuerMismatch);
    let second = issuer_key(ISSUER, Suite::Bls12381Sha256, &mut rng);
    let err = w.epochs[1].verify(second.public()).unwrap_err();
    assert!(matches!(err, Error::StatusKeyMismatch { .. }), "{err}");
    assert_eq!(err.code(), ProblemCode::StatusKeyMismatch);
    let resigned = StatusEpoch::sign(&second, w.epochs[1].content.clone()).unwrap();
    resigned.verify(second.public()).unwrap();
    // The wallet does not trust that key: unknown, nothing changed.
    let mut epochs = w.epochs.clone();
    epochs[1] = resigned;
    let err = w
        .wallet
        .sync(&w.updates, &epochs, &w.keys, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownKey { .. }), "{err}");
    untouched(&w, &b);
}

#[test]
fn epoch_documents_are_strict() {
    let mut rng = rng(156);
    let (w, _) = three_epochs(&mut rng);
    let e0 = w.epochs[0].to_json();
    let e1 = w.epochs[1].to_json();
    assert!(
        !e0.contains("previous") && !e0.contains("update_digest"),
        "{e0}"
    );
    assert!(
        e1.contains("\"previous\"") && e1.contains("\"update_digest\""),
        "{e1}"
    );
    // Every field appears; sizes are fixed.
    let v: serde_json::Value = serde_json::from_str(&e1).unwrap();
    assert_eq!(v["accumulator_key"].as_str().unwrap().len(), 192);
    assert_eq!(v["value"].as_str().unwrap().len(), 96);
    assert_eq!(v["previous"].as_str().unwrap().len(), 64);
    assert_eq!(v["signature"].as_str().unwrap().len(), 160);
    assert_eq!(
        v["previous"].as_str().unwrap(),
        hex::encode(w.epochs[0].digest())
    );
    let cases: Vec<(String, Expect)> = vec![
        (
            e1.replacen("\"epoch\": 1", "\"epoch\": 1, \"extra\": true", 1),
            |e| matches!(e, Error::Json { .. }),
        ),
        (e1.replacen("\"version\": 1", "\"version\": 2", 1), |e| {
            matches!(e, Error::UnsupportedFormat { .. })
        }),
        (e1.replacen("\"epoch\": 1", "\"epoch\": 0", 1), |e| {
            matches!(e, Error::Malformed { .. })
        }),
        (e0.replacen("\"epoch\": 0", "\"epoch\": 4", 1), |e| {
            matches!(e, Error::Malformed { .. })
        }),
        (
            e1.replacen(
                &format!("\"value\": \"{}", &v["value"].as_str().unwrap()[..2]),
                "\"value\": \"0x",
                1,
            ),
            |e| matches!(e, Error::Malformed { .. }),
        ),
        (
            e1.replacen(v["value"].as_str().unwrap(), &"00".repeat(48), 1),
            |e| matches!(e, Error::Malformed { .. }),
        ),
        (
            e1.replacen(v["signature"].as_str().unwrap(), "abcd", 1),
            |e| matches!(e, Error::Malformed { .. }),
        ),
        (e1.replacen("\"issuer\": \"", "\"issuer\": \"../", 1), |e| {
            matches!(e, Error::InvalidIdentifier { .. })
        }),
    ];
    for (text, want) in cases {
        let err = StatusEpoch::from_json(&text).unwrap_err();
        assert!(want(&err), "{err:?}\n{text}");
    }
}

#[test]
fn credentials_without_status_stay_readable_and_witnesses_stay_out_of_logs() {
    let mut rng = rng(157);
    let mut w = World::new(&mut rng);
    let (b, _) = w.issue_held(&mut rng);
    let entry = w.entry(&b);
    let sw = entry.credential.status.unwrap();
    let witness_hex = hex::encode(sw.witness.to_bytes());
    let handle_hex = hex::encode(entry.credential.reserved.revocation_handle.to_be_bytes());
    // The document carries the status member.
    let doc = entry.credential.to_json();
    assert!(doc.contains(&witness_hex));
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["status"]["epoch"], 0);
    assert_eq!(Credential::from_json(&doc).unwrap().status, Some(sw));
    // An older document without it reads, and writes without it.
    let mut old = v.clone();
    old.as_object_mut().unwrap().remove("status");
    let old = Credential::from_json(&old.to_string()).unwrap();
    assert_eq!(old.status, None);
    assert!(!old.to_json().contains("\"status\""));
    // A malformed status member is refused.
    for bad in [
        serde_json::json!({"epoch": 0}),
        serde_json::json!({"epoch": 0, "witness": "00"}),
        serde_json::json!({"epoch": 0, "witness": witness_hex, "status": "01"}),
        serde_json::json!({"epoch": -1, "witness": witness_hex}),
    ] {
        let mut doc = v.clone();
        doc["status"] = bad.clone();
        assert!(Credential::from_json(&doc.to_string()).is_err(), "{bad}");
    }
    // Never in Debug: the credential, the wallet entry, the witness, the
    // registry (which also hides its secret and the handles).
    let logs = format!(
        "{:?} {:?} {:?} {:?} {:?}",
        entry.credential,
        entry,
        sw,
        w.registry,
        w.registry.entries().collect::<Vec<_>>()
    );
    assert!(logs.contains("StatusWitness"), "{logs}");
    assert!(!logs.contains(&witness_hex), "{logs}");
    assert!(!logs.contains(&witness_hex[..16]), "{logs}");
    assert!(!logs.contains(&handle_hex), "{logs}");
    let secret_file =
        std::fs::read_to_string(w.registry.dir().join("accumulator.secret.json")).unwrap();
    let sv: serde_json::Value = serde_json::from_str(&secret_file).unwrap();
    let secret_hex = sv["secret_key"].as_str().unwrap();
    assert_eq!(secret_hex.len(), 64);
    assert!(!logs.contains(secret_hex));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&w.registry.dir().join("accumulator.secret.json")),
            0o600
        );
        assert_eq!(mode(&w.registry.dir().join("registry.json")), 0o600);
        assert_eq!(mode(w.registry.dir()), 0o700);
        assert_eq!(
            mode(&w.registry.published_dir().join("epoch-0.json")),
            0o644
        );
    }
    // Registering the same licence twice is refused.
    let cred = w.entry(&b).credential;
    assert!(matches!(
        w.registry.register_issued(&cred, now()),
        Err(Error::StatusCredentialExists(_))
    ));
}

#[test]
fn status_errors_have_distinct_problem_codes() {
    let codes = [
        ProblemCode::StatusTransitionInvalid,
        ProblemCode::StatusSignatureInvalid,
        ProblemCode::StatusIssuerMismatch,
        ProblemCode::StatusKeyMismatch,
        ProblemCode::StatusChainBroken,
        ProblemCode::StatusUpdateInvalid,
    ];
    let mut names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), codes.len());
    assert_eq!(
        Error::UnknownStatusCode("06".into()).code(),
        ProblemCode::InvalidRequest
    );
}

/// A verifier's trust for [`wallet_presents_only_valid_licences`]: issuer
/// keys and the status epochs it fetched (each signature checked).
struct Verifier {
    keys: KeySet,
    epochs: Vec<StatusEpoch>,
}

impl zkcred_credential::KeyResolver for Verifier {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&zkcred_credential::IssuerPublicKey> {
        self.keys.resolve(issuer, key_id)
    }
    fn status_epoch(
        &self,
        issuer: &str,
        ty: &str,
        epoch: u64,
    ) -> Option<zkcred_credential::presentation::status::StatusEpochView> {
        let lane: Vec<&StatusEpoch> = self
            .epochs
            .iter()
            .filter(|e| e.issuer == issuer && e.credential_type() == ty)
            .collect();
        let e = lane.iter().find(|e| e.epoch() == epoch)?;
        e.verify_with(&self.keys).ok()?;
        Some(zkcred_credential::presentation::status::StatusEpochView {
            epoch,
            public_key: e.accumulator_key().clone(),
            value: *e.value(),
            superseded_at: lane
                .iter()
                .find(|n| n.epoch() == epoch + 1)
                .map(|n| n.content.published_at),
        })
    }
}

#[test]
fn wallet_presents_only_valid_licences() {
    use zkcred_credential::presentation::status::StatusRequirement;
    use zkcred_credential::{verify_presentation, PresentationRequest, RequestedCredential};
    let mut rng = rng(1515);
    let mut w = World::new(&mut rng);
    let (id, lid) = w.issue_held(&mut rng);
    let other = w.issue_elsewhere(&mut rng);
    let request = |rng: &mut StdRng, t: time::OffsetDateTime| {
        let mut rc = RequestedCredential::new(TYPE, &["vehicle_class"]);
        rc.status = Some(StatusRequirement { max_epoch_age: 0 });
        PresentationRequest::new("rental.example", vec![rc], t + Duration::minutes(5), rng).unwrap()
    };
    let present = |w: &World, rng: &mut StdRng| {
        let req = request(rng, w.t);
        let p = w.wallet.present(w.c, &req, &[None], w.t, rng);
        (req, p)
    };
    // Before a sync the wallet has no signed epoch to prove against.
    let (_, p) = present(&w, &mut rng);
    assert!(matches!(
        p,
        Err(Error::StatusWitnessMissing { entry: 0, .. })
    ));
    w.sync(&mut rng).unwrap();
    let (req, p) = present(&w, &mut rng);
    let p = p.unwrap();
    assert_eq!(p.credentials[0].status_epoch, Some(0));
    let mut verifier = Verifier {
        keys: w.keys.clone(),
        epochs: w.epochs.clone(),
    };
    let out = verify_presentation(w.c, &req, &p, &verifier, w.t).unwrap();
    assert_eq!(out[0].status_epoch, Some(0));
    // Nothing of the licence in the presentation: not its id, handle or
    // witness.
    let text = p.to_json();
    let e = w.entry(&id);
    assert!(!text.contains(&lid));
    assert!(!text.contains(&hex::encode(
        e.credential.reserved.revocation_handle.to_be_bytes()
    )));
    assert!(!text.contains(&hex::encode(
        e.credential.status.unwrap().witness.to_bytes()
    )));

    // Suspended (with another licence revoked in the same epoch).
    w.change(&[(&lid, S::Suspended), (&other, S::Revoked)]);
    verifier.epochs = w.epochs.clone();
    // Not synced: the old epoch is refused by a policy asking for the
    // current one.
    let (req, p) = present(&w, &mut rng);
    let p = p.unwrap();
    assert_eq!(p.credentials[0].status_epoch, Some(0));
    assert!(matches!(
        verify_presentation(w.c, &req, &p, &verifier, w.t + Duration::seconds(1)),
        Err(Error::StatusEpochStale { epoch: 0, .. })
    ));
    // Synced: the wallet knows and does not present.
    w.sync(&mut rng).unwrap();
    let (_, p) = present(&w, &mut rng);
    match p {
        Err(e @ Error::LicenseStatusNotValid { .. }) => {
            assert_eq!(e.code(), ProblemCode::LicenseNotValid);
            assert!(e.to_string().contains("suspended"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // Reinstated: synced, presented, accepted against the new epoch.
    w.change(&[(&lid, S::Valid)]);
    verifier.epochs = w.epochs.clone();
    w.sync(&mut rng).unwrap();
    let (req, p) = present(&w, &mut rng);
    let p = p.unwrap();
    assert_eq!(p.credentials[0].status_epoch, Some(2));
    let out = verify_presentation(w.c, &req, &p, &verifier, w.t).unwrap();
    assert_eq!(out[0].status_epoch, Some(2));
}

/// Two handles on one registry, as two issuer commands run at once hold
/// (`zkcred issuer status suspend` while another `revoke` or `issue`
/// runs): each change must build on the other's, never make a second
/// epoch with the same number or forget a licence the other recorded.
#[test]
fn two_open_handles_on_one_registry_never_fork_the_chain() {
    let mut rng = rng(0x15b1);
    let mut w = World::new(&mut rng);
    let a = w.issue_elsewhere(&mut rng);
    let b = w.issue_elsewhere(&mut rng);
    // A second process opens the registry now, at epoch 0.
    let mut other = StatusRegistry::open(w.keydir.path(), ISSUER, TYPE).unwrap();
    // The first process issues one more licence and suspends `a`: epoch 1.
    let c = w.issue_elsewhere(&mut rng);
    let (e1, _) = w
        .registry
        .change(&w.key, &[(a.clone(), S::Suspended)], now())
        .unwrap();
    assert_eq!(e1.epoch(), 1);
    // The second process revokes `b`: it must make epoch 2, after epoch 1.
    let (e2, u2) = other
        .change(&w.key, &[(b.clone(), S::Revoked)], now())
        .unwrap();
    assert_eq!(e2.epoch(), 2, "a second epoch 1 was made");
    u2.check_epochs(&e1, &e2).unwrap();
    // On disk: every change and every licence, and the documents chain.
    let reg = StatusRegistry::open(w.keydir.path(), ISSUER, TYPE).unwrap();
    assert_eq!(reg.epoch(), 2);
    assert_eq!(reg.entry(&a).unwrap().status, S::Suspended);
    assert_eq!(reg.entry(&b).unwrap().status, S::Revoked);
    assert_eq!(reg.entry(&c).unwrap().status, S::Valid);
    let p1 = reg.published_epoch(1).unwrap();
    let p2 = reg.published_epoch(2).unwrap();
    assert_eq!(p1, e1);
    reg.published_update(2)
        .unwrap()
        .check_epochs(&p1, &p2)
        .unwrap();
    assert_eq!(reg.current_epoch().unwrap(), e2);
    // The first handle, used again, records and changes on epoch 2 as well:
    // the witness it hands out is for epoch 2's value.
    let t = w.c.get(TYPE).unwrap();
    let attrs = sample_attributes(t, &mut rng, Some(true));
    let d = issue(w.c, &w.key, TYPE, &attrs, now(), &mut rng).unwrap();
    let sw = w.registry.register_issued(&d, now()).unwrap();
    assert_eq!(sw.epoch, 2);
    assert!(sw.witness.verify(
        e2.accumulator_key(),
        e2.value(),
        &Element::new(d.reserved.revocation_handle)
    ));
    assert!(StatusRegistry::open(w.keydir.path(), ISSUER, TYPE)
        .unwrap()
        .entry(&credential_id(&d).unwrap())
        .is_some());
    let (e3, _) = w
        .registry
        .change(&w.key, &[(c.clone(), S::Cancelled)], now())
        .unwrap();
    assert_eq!(e3.epoch(), 3);
    assert_eq!(e3.content.previous, Some(e2.digest()));
}

/// An epoch is never signed as published before the registry's current
/// one (an issuer clock set back): verifiers and the service order epochs
/// by publication, and the service refuses such an epoch, and so every
/// later one, as a broken chain.
#[test]
fn an_epoch_is_never_published_before_the_current_one() {
    let mut rng = rng(0x15b2);
    let mut w = World::new(&mut rng);
    let a = w.issue_elsewhere(&mut rng);
    let b = w.issue_elsewhere(&mut rng);
    let later = now() + Duration::hours(2);
    let (e1, _) = w
        .registry
        .change(&w.key, &[(a, S::Suspended)], later)
        .unwrap();
    let err = w
        .registry
        .change(&w.key, &[(b.clone(), S::Suspended)], now())
        .unwrap_err();
    assert!(err.to_string().contains("clock"), "{err}");
    // Nothing changed, on disk or in memory.
    assert_eq!(w.registry.epoch(), 1);
    assert_eq!(w.registry.entry(&b).unwrap().status, S::Valid);
    assert!(w.registry.published_epoch(2).is_err());
    assert_eq!(w.registry.current_epoch().unwrap(), e1);
    // The same second as the current epoch is fine.
    let (e2, _) = w
        .registry
        .change(&w.key, &[(b, S::Suspended)], later)
        .unwrap();
    assert_eq!(e2.epoch(), 2);
}
