//! Licence status at the service: the operator registers an issuer's
//! status epochs (signature, chain, accumulator key, one document per
//! number), and presentations of a policy asking for status are resolved
//! against them, from memory: accepted in the current epoch, refused once
//! a newer epoch is registered (`max_epoch_age_seconds: 0`), refused for a
//! suspended licence and for an unknown epoch; decisions and the log carry
//! the epoch number and nothing of the licence. A restart reloads the
//! epochs from the store.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

mod common;

use common::*;
use rand::rngs::OsRng;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zkcred_api::client::Client as ApiClient;
use zkcred_api::{BatchRequest, DocKind, RecordsQuery, Submission};
use zkcred_credential::presentation::status::HolderStatus;
use zkcred_credential::status::{credential_id, EpochContent};
use zkcred_credential::{
    issue, present_prepared, Catalogue, Credential, HolderCredential, IssuerKey, IssuerPublicKey,
    LicenseStatus, Presentation, PresentationRequest, StatusEpoch, StatusRegistry,
};
use zkcred_crypto::accumulator::{Accumulator, Witness};
use zkcred_crypto::bbs::Suite;

const TYPE: &str = "resident_id_card";

/// The hotel's policy, asking for the card's status in the current epoch.
fn status_policy() -> Value {
    let mut p = policy_doc(1, &["holder_name"]);
    p["requirements"][0]["status"] = json!({ "max_epoch_age_seconds": 0 });
    p
}

/// The holder's status material for one epoch.
fn held(epoch: &StatusEpoch, witness: Witness) -> HolderStatus {
    HolderStatus {
        epoch: epoch.epoch(),
        public_key: epoch.accumulator_key().clone(),
        value: *epoch.value(),
        witness,
    }
}

/// A fresh challenge answered with `status`; `tamper` may change the
/// presentation before it is sent.
async fn status_submission(
    hotel: &ApiClient,
    h: &Holder,
    status: HolderStatus,
    tamper: impl FnOnce(&mut Presentation),
) -> Submission {
    card_submission(hotel, &h.credential, h.key.public(), status, tamper).await
}

/// [`status_submission`] for any card of the issuer.
async fn card_submission(
    hotel: &ApiClient,
    card: &Credential,
    key: &IssuerPublicKey,
    status: HolderStatus,
    tamper: impl FnOnce(&mut Presentation),
) -> Submission {
    let issued = hotel.challenge(POLICY).await.unwrap();
    let req: PresentationRequest = issued.request;
    assert_eq!(req.credentials[0].status.unwrap().max_epoch_age, 0);
    let c = Catalogue::builtin();
    let hc = HolderCredential::new(c, card, key)
        .unwrap()
        .with_status(status);
    let mut p = present_prepared(c, &req, &[&hc], OffsetDateTime::now_utc(), &mut OsRng).unwrap();
    tamper(&mut p);
    Submission {
        policy: POLICY.into(),
        request: req,
        presentation: p,
    }
}

/// Signs an epoch like `like` with `change` applied to its content.
fn forged(
    key: &IssuerKey,
    like: &StatusEpoch,
    change: impl FnOnce(&mut EpochContent),
) -> StatusEpoch {
    let mut content = like.content.clone();
    change(&mut content);
    StatusEpoch::sign(key, content).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_epochs_registered_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    let admin = c.role(ADMIN);
    let hotel = c.role(HOTEL);
    admin
        .create(DocKind::Issuer, &issuer_doc(ISSUER))
        .await
        .unwrap();
    admin.add_key(h.key.public(), false).await.unwrap();
    admin
        .create(DocKind::Policy, &status_policy())
        .await
        .unwrap();

    // The issuer keeps a status list for ID cards; the card is valid at
    // epoch 0.
    let keys = tempfile::tempdir().unwrap();
    let start_at = OffsetDateTime::now_utc() - Duration::seconds(300);
    let (mut registry, epoch0) =
        StatusRegistry::init(keys.path(), &h.key, TYPE, start_at, &mut OsRng).unwrap();
    let w0 = registry.register_issued(&h.credential, start_at).unwrap();
    assert_eq!(w0.epoch, 0);
    let id = credential_id(&h.credential).unwrap();
    // Another card of the issuer, which stays valid throughout.
    let other = issue(
        Catalogue::builtin(),
        &h.key,
        TYPE,
        &attributes(ISSUER),
        start_at,
        &mut OsRng,
    )
    .unwrap();
    let other_w0 = registry.register_issued(&other, start_at).unwrap();

    // Nothing registered yet: no current epoch, and a presentation naming
    // epoch 0 is refused as unknown.
    let (status, _) = problem(hotel.status_epoch(ISSUER, TYPE).await);
    assert_eq!(status, 404);
    let sub = status_submission(&hotel, &h, held(&epoch0, w0.witness), |_| {}).await;
    assert_eq!(
        problem(hotel.submit(&sub).await),
        (422, "status_epoch_unknown".into())
    );

    // Registration: 201, then the identical document again is 200.
    let (summary, created) = admin.publish_status_epoch(&epoch0).await.unwrap();
    assert!(created);
    assert_eq!((summary.epoch, summary.current), (0, true));
    assert_eq!(summary.digest, hex::encode(epoch0.digest()));
    assert_eq!(summary.key_id, h.key.public().key_id);
    let (again, created) = admin.publish_status_epoch(&epoch0).await.unwrap();
    assert!(!created);
    assert_eq!(again, summary);
    assert_eq!(hotel.status_epoch(ISSUER, TYPE).await.unwrap(), epoch0);
    // Only the operator registers.
    assert_eq!(
        problem(hotel.publish_status_epoch(&epoch0).await),
        (403, "forbidden".into())
    );

    // Accepted in the current epoch; the decision and the log name the
    // epoch and nothing else of the status.
    let sub = status_submission(&hotel, &h, held(&epoch0, w0.witness), |_| {}).await;
    let accepted = hotel.submit(&sub).await.unwrap();
    assert_eq!(accepted.credentials[0].status_epoch, Some(0));
    let regulator = c.role(REGULATOR);
    let records = regulator
        .log_records(&RecordsQuery::default())
        .await
        .unwrap();
    let record = &records.records.last().unwrap().record;
    assert_eq!(record.sequence, accepted.log_sequence);
    assert_eq!(record.credentials[0].status_epoch, Some(0));
    let text = serde_json::to_string(record).unwrap();
    for secret in [
        hex::encode(epoch0.value().to_bytes()),
        hex::encode(w0.witness.to_bytes()),
        id.clone(),
    ] {
        assert!(!text.contains(&secret), "the record holds {secret}");
    }

    // Refusals at registration, each with its code; nothing is stored.
    // The suspension: epoch 1, published two minutes ago.
    let suspended_at = OffsetDateTime::now_utc() - Duration::seconds(120);
    let (epoch1, update1) = registry
        .change(
            &h.key,
            &[(id.clone(), LicenseStatus::Suspended)],
            suspended_at,
        )
        .unwrap();
    let mut tampered = serde_json::to_value(&epoch1).unwrap();
    tampered["published_at"] = json!("2020-01-01T00:00:00Z");
    let r = c.post("/v1/registry/status-epochs", ADMIN, &tampered).await;
    assert_eq!(r.1["code"], "status_signature_invalid", "{}", r.1);
    assert_eq!(r.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Dated an hour ahead of the service's clock: refused (it would keep
    // epoch 0 current until then).
    let ahead = forged(&h.key, &epoch1, |c| {
        c.published_at = time::OffsetDateTime::now_utc() + Duration::hours(1)
    });
    let r = c
        .post(
            "/v1/registry/status-epochs",
            ADMIN,
            &serde_json::to_value(&ahead).unwrap(),
        )
        .await;
    assert_eq!(r.1["code"], "status_chain_broken", "{}", r.1);
    assert!(
        r.1["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("after this service's clock"),
        "{}",
        r.1
    );
    let broken = forged(&h.key, &epoch1, |c| c.previous = Some([7; 32]));
    assert_eq!(
        problem(admin.publish_status_epoch(&broken).await),
        (409, "status_chain_broken".into())
    );
    let other_key = forged(&h.key, &epoch1, |c| {
        c.accumulator_key = zkcred_crypto::accumulator::SecretKey::random(&mut OsRng).public_key()
    });
    assert_eq!(
        problem(admin.publish_status_epoch(&other_key).await),
        (422, "status_key_mismatch".into())
    );
    let stranger = IssuerKey::generate(
        ISSUER,
        Suite::Bls12381Sha256,
        start_at - Duration::days(1),
        start_at + Duration::days(365),
        &mut OsRng,
    )
    .unwrap();
    assert_eq!(
        problem(
            admin
                .publish_status_epoch(&forged(&stranger, &epoch1, |_| {}))
                .await
        ),
        (422, "unknown_key".into())
    );
    let licences = forged(&h.key, &epoch0, |c| {
        c.credential_type = "drivers_license".into()
    });
    assert_eq!(
        problem(admin.publish_status_epoch(&licences).await),
        (422, "status_issuer_mismatch".into())
    );
    let r = c
        .post(
            "/v1/registry/status-epochs",
            ADMIN,
            &json!({ "format": "zkcred-status-epoch" }),
        )
        .await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST, "{}", r.1);
    assert_eq!(hotel.status_epoch(ISSUER, TYPE).await.unwrap(), epoch0);

    // Epoch 1 registered: another document for number 1 is refused.
    let (s1, created) = admin.publish_status_epoch(&epoch1).await.unwrap();
    assert!(created && s1.current && s1.epoch == 1);
    let fork = forged(&h.key, &epoch1, |c| {
        c.value = Accumulator::initial(&mut OsRng)
    });
    assert_eq!(
        problem(admin.publish_status_epoch(&fork).await),
        (409, "status_chain_broken".into())
    );
    assert_eq!(hotel.status_epoch(ISSUER, TYPE).await.unwrap(), epoch1);

    // Epoch 0 was superseded two minutes ago: stale for max age 0,
    // refused and logged as such.
    let sub = status_submission(&hotel, &h, held(&epoch0, w0.witness), |_| {}).await;
    let p = hotel.submit(&sub).await.unwrap_err();
    let p = p.problem().unwrap();
    assert_eq!((p.status, p.code.as_str()), (422, "status_epoch_stale"));
    assert!(p.is_refusal(), "a logged refusal: {p:?}");
    assert!(p.detail.contains("epoch 0"), "{}", p.detail);
    // The suspended card against epoch 1 (its old witness: no witness for
    // the new value exists): the licence is not valid.
    assert!(w0
        .witness
        .update_vartime(
            &h.credential.revocation_element(),
            epoch0.value(),
            &update1.update
        )
        .is_err());
    let sub = status_submission(&hotel, &h, held(&epoch1, w0.witness), |_| {}).await;
    let p = hotel.submit(&sub).await.unwrap_err();
    let p = p.problem().unwrap();
    assert_eq!((p.status, p.code.as_str()), (422, "license_not_valid"));
    assert!(
        p.detail.contains("suspended, revoked or cancelled"),
        "{}",
        p.detail
    );
    let log_seq = p.log_sequence().unwrap();
    let records = regulator
        .log_records(&RecordsQuery {
            start: Some(log_seq),
            end: Some(log_seq + 1),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(records.records[0].record.reason, "license_not_valid");
    // The refusal's record names the epoch the entry claimed, nothing more.
    assert_eq!(
        records.records[0].record.credentials[0].status_epoch,
        Some(1)
    );
    // In one batch, next to valid cards in the same epoch, the suspended
    // card alone is refused, as not valid.
    let other_w1 = other_w0
        .witness
        .update_vartime(&other.revocation_element(), epoch0.value(), &update1.update)
        .unwrap();
    let mut items = vec![status_submission(&hotel, &h, held(&epoch1, w0.witness), |_| {}).await];
    for _ in 0..3 {
        items.push(
            card_submission(
                &hotel,
                &other,
                h.key.public(),
                held(&epoch1, other_w1),
                |_| {},
            )
            .await,
        );
    }
    let results = hotel
        .submit_batch(&BatchRequest::of(&items).unwrap())
        .await
        .unwrap()
        .results;
    let outcome: Vec<(u16, Option<String>, Option<u64>)> = results
        .iter()
        .map(|r| {
            (
                r.status,
                r.problem.as_ref().map(|p| p.code.clone()),
                r.decision
                    .as_ref()
                    .and_then(|d| d.credentials[0].status_epoch),
            )
        })
        .collect();
    assert_eq!(
        outcome,
        [
            (422, Some("license_not_valid".into()), None),
            (200, None, Some(1)),
            (200, None, Some(1)),
            (200, None, Some(1)),
        ]
    );
    // An epoch the service does not hold.
    let sub = status_submission(&hotel, &h, held(&epoch1, w0.witness), |p| {
        p.credentials[0].status_epoch = Some(9)
    })
    .await;
    assert_eq!(
        problem(hotel.submit(&sub).await),
        (422, "status_epoch_unknown".into())
    );

    // Reinstated at epoch 2 (published a minute ago): the holder's
    // updated witness is accepted, and the decision names epoch 2.
    let reinstated_at = OffsetDateTime::now_utc() - Duration::seconds(60);
    let (epoch2, update2) = registry
        .change(&h.key, &[(id.clone(), LicenseStatus::Valid)], reinstated_at)
        .unwrap();
    let w2 = w0
        .witness
        .update_vartime(
            &h.credential.revocation_element(),
            epoch1.value(),
            &update2.update,
        )
        .unwrap();
    admin.publish_status_epoch(&epoch2).await.unwrap();
    let sub = status_submission(&hotel, &h, held(&epoch2, w2), |_| {}).await;
    let accepted = hotel.submit(&sub).await.unwrap();
    assert_eq!(accepted.credentials[0].status_epoch, Some(2));
    // A gap is allowed: epoch 4 without 3 (an issuer's epoch the
    // operator never saw) is registered and becomes current.
    let (epoch3, update3) = registry
        .change(
            &h.key,
            &[(id.clone(), LicenseStatus::Suspended)],
            reinstated_at,
        )
        .unwrap();
    let (epoch4, update4) = registry
        .change(&h.key, &[(id.clone(), LicenseStatus::Valid)], reinstated_at)
        .unwrap();
    let (s4, _) = admin.publish_status_epoch(&epoch4).await.unwrap();
    assert!(s4.current);
    // ... and epoch 3 fills it, chained on both sides.
    let (s3, created) = admin.publish_status_epoch(&epoch3).await.unwrap();
    assert!(created && !s3.current);
    server.shutdown().await.unwrap();

    // A restart loads the epochs from the store: epoch 4 is current,
    // epoch 2 is superseded.
    let (server, c) = start(config(dir.path())).await;
    let hotel = c.role(HOTEL);
    assert_eq!(hotel.status_epoch(ISSUER, TYPE).await.unwrap(), epoch4);
    let sub = status_submission(&hotel, &h, held(&epoch2, w2), |_| {}).await;
    assert_eq!(
        problem(hotel.submit(&sub).await),
        (422, "status_epoch_stale".into())
    );
    let w4 = {
        // The witness through epochs 3 (removed) and 4 (added back).
        assert!(w2
            .update_vartime(
                &h.credential.revocation_element(),
                epoch2.value(),
                &update3.update
            )
            .is_err());
        w2.update_vartime(
            &h.credential.revocation_element(),
            epoch3.value(),
            &update4.update,
        )
        .unwrap()
    };
    let sub = status_submission(&hotel, &h, held(&epoch4, w4), |_| {}).await;
    let accepted = hotel.submit(&sub).await.unwrap();
    assert_eq!(accepted.credentials[0].status_epoch, Some(4));
    server.shutdown().await.unwrap();
}
