//! Cache coherence between nodes sharing one store (`zkcred_service::coherence`).
//!
//! The apply side runs over two in-process servers on one SQLite file
//! (changes applied by hand, so each step is seen): a change made through node A is
//! stale on node B until B applies the change A announces, and takes
//! effect there once it does. The transport runs against the real
//! PostgreSQL (`ZKCRED_TEST_POSTGRES`, default the local server): a
//! notification sent on one connection reaches another, and a listener
//! whose backend is terminated reconnects. End to end, a key revoked on A
//! stops verifying on B within the bound: through `NOTIFY`, and through
//! the periodic refresh alone; and over the PostgreSQL backend, where the
//! feed is on by default.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use rand::rngs::OsRng;
use reqwest::StatusCode;
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use zkcred_api::{DocKind, Submission};
use zkcred_credential::presentation::status::HolderStatus;
use zkcred_credential::presentation::{
    KeyRole, RegisteredVerifier, SecretSigningKey, VerifierRegistration,
};
use zkcred_credential::{
    present_prepared, Catalogue, HolderCredential, PresentationRequest, StatusRegistry,
};
use zkcred_policy::PolicyLoader;
use zkcred_service::coherence::notify::{self, FeedEvent, NotifySettings};
use zkcred_service::coherence::{self, Change, DocumentKind, Reloaded};
use zkcred_service::http::{Config, RequestKeyConfig, RunningServer};

const TYPE: &str = "resident_id_card";

/// Two nodes over one SQLite file, their feeds as `configure` sets them.
async fn two_nodes(
    dir: &Path,
    configure: impl Fn(&mut Config),
) -> ((RunningServer, Client), (RunningServer, Client)) {
    let mut c = config(dir);
    configure(&mut c);
    let a = start(c.clone()).await;
    let b = start(c).await;
    (a, b)
}

/// Node B's answer to a fresh presentation of `h`'s card: status and
/// problem code (`None` when accepted).
async fn present_at(c: &Client, h: &Holder) -> (StatusCode, Option<String>) {
    let sub = answered(c, h, |_| {}).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    (s, v["code"].as_str().map(str::to_owned))
}

fn key_change(h: &Holder) -> Change {
    Change::Document {
        kind: DocumentKind::IssuerKey,
        id: format!("{ISSUER}/{}", h.key.public().key_id),
    }
}

fn issuers(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_stops_verifying_on_the_other_node_once_applied() {
    let dir = tempfile::tempdir().unwrap();
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |_| {}).await;
    let h = holder(ISSUER);
    setup(&ca, &h).await;

    // B started before the issuer existed: its registry does not know it.
    assert_eq!(
        present_at(&cb, &h).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_issuer".into())
        )
    );
    let done = coherence::apply(b.state(), &key_change(&h)).unwrap();
    assert!(done.registry_rebuilt);
    assert_eq!(done.issuers, issuers(&[ISSUER]));
    assert_eq!(present_at(&cb, &h).await, (StatusCode::OK, None));
    // Applying again (the announcing node's own notification) does nothing.
    assert!(coherence::apply(b.state(), &key_change(&h))
        .unwrap()
        .is_empty());

    // Revoked through A: A refuses at once; B, whose cache holds the key,
    // verifies until it applies the change.
    let admin = ca.role(ADMIN);
    admin
        .revoke_key(ISSUER, &h.key.public().key_id)
        .await
        .unwrap();
    assert_eq!(
        present_at(&ca, &h).await,
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked".into()))
    );
    assert_eq!(present_at(&cb, &h).await, (StatusCode::OK, None));
    let done = coherence::apply(b.state(), &key_change(&h)).unwrap();
    assert_eq!(done.issuers, issuers(&[ISSUER]));
    assert_eq!(
        present_at(&cb, &h).await,
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked".into()))
    );

    // A new key and the issuer's retirement, applied as one refresh.
    let fresh = holder(ISSUER);
    admin.add_key(fresh.key.public(), true).await.unwrap();
    let done = coherence::refresh(b.state()).unwrap();
    assert_eq!(
        (done.registry_rebuilt, done.issuers.clone()),
        (true, issuers(&[ISSUER]))
    );
    assert_eq!(present_at(&cb, &fresh).await, (StatusCode::OK, None));
    admin.retire(DocKind::Issuer, ISSUER).await.unwrap();
    let retired = Change::document("issuer", ISSUER);
    assert_eq!(
        coherence::apply(b.state(), &retired).unwrap().issuers,
        issuers(&[ISSUER])
    );
    assert_eq!(
        present_at(&cb, &fresh).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_issuer".into())
        )
    );
    assert!(coherence::refresh(b.state()).unwrap().is_empty());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_versions_and_retirement_reach_the_other_node() {
    let dir = tempfile::tempdir().unwrap();
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |_| {}).await;
    let h = holder(ISSUER);
    setup(&ca, &h).await;
    coherence::refresh(b.state()).unwrap();
    let hotel_b = cb.role(HOTEL);
    // B caches version 1 as the latest.
    assert_eq!(hotel_b.challenge(POLICY).await.unwrap().policy.version, 1);
    let before = challenge(&cb, HOTEL).await;

    let admin = ca.role(ADMIN);
    admin
        .new_version(DocKind::Policy, POLICY, &policy_doc(2, &["holder_name"]))
        .await
        .unwrap();
    let policy = Change::document("policy", POLICY);
    let done = coherence::apply(b.state(), &policy).unwrap();
    assert_eq!(done.policies, 1, "{done:?}");
    assert_eq!(hotel_b.challenge(POLICY).await.unwrap().policy.version, 2);

    // Retired through A: once applied, B issues no challenge under it and
    // refuses (logged) the ones it issued before.
    admin.retire(DocKind::Policy, POLICY).await.unwrap();
    assert_eq!(coherence::apply(b.state(), &policy).unwrap().policies, 1);
    assert_eq!(
        problem(hotel_b.challenge(POLICY).await),
        (409, "policy_retired".into())
    );
    let sub = submission(&before, &h.present(&before));
    let (s, v) = cb.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s.as_u16(), v["code"].as_str()),
        (409, Some("policy_retired"))
    );
    // A refresh finds B's cache in step with the store.
    assert_eq!(coherence::refresh(b.state()).unwrap().policies, 0);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_epoch_registered_on_one_node_is_resolved_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |_| {}).await;
    let h = holder(ISSUER);
    let admin = ca.role(ADMIN);
    admin
        .create(DocKind::Issuer, &issuer_doc(ISSUER))
        .await
        .unwrap();
    admin.add_key(h.key.public(), false).await.unwrap();
    let mut policy = policy_doc(1, &["holder_name"]);
    policy["requirements"][0]["status"] = json!({ "max_epoch_age_seconds": 600 });
    admin.create(DocKind::Policy, &policy).await.unwrap();
    coherence::refresh(b.state()).unwrap();

    let keys = tempfile::tempdir().unwrap();
    let at = OffsetDateTime::now_utc() - time::Duration::seconds(300);
    let (mut list, epoch0) =
        StatusRegistry::init(keys.path(), &h.key, TYPE, at, &mut OsRng).unwrap();
    let w0 = list.register_issued(&h.credential, at).unwrap();
    admin.publish_status_epoch(&epoch0).await.unwrap();
    let status = HolderStatus {
        epoch: 0,
        public_key: epoch0.accumulator_key().clone(),
        value: *epoch0.value(),
        witness: w0.witness,
    };

    // Registered through A: B does not know the epoch until it applies it.
    let hotel_b = cb.role(HOTEL);
    let sub = status_submission(&hotel_b, &h, status.clone()).await;
    assert_eq!(
        problem(hotel_b.submit(&sub).await),
        (422, "status_epoch_unknown".into())
    );
    assert_eq!(b.state().status.current(ISSUER, TYPE), None);
    let change = Change::StatusEpoch {
        issuer: ISSUER.into(),
        credential_type: TYPE.into(),
        epoch: 0,
    };
    let done = coherence::apply(b.state(), &change).unwrap();
    assert_eq!(done.status_epochs, 1);
    let sub = status_submission(&hotel_b, &h, status).await;
    let accepted = hotel_b.submit(&sub).await.unwrap();
    assert_eq!(accepted.credentials[0].status_epoch, Some(0));
    assert_eq!(
        coherence::apply(b.state(), &change).unwrap().status_epochs,
        0
    );

    // The next epochs, missed by B (no change applied): the refresh adds
    // them, then finds nothing more.
    let id = zkcred_credential::status::credential_id(&h.credential).unwrap();
    let later = OffsetDateTime::now_utc() - time::Duration::seconds(60);
    let (epoch1, _) = list
        .change(
            &h.key,
            &[(id, zkcred_credential::LicenseStatus::Suspended)],
            later,
        )
        .unwrap();
    admin.publish_status_epoch(&epoch1).await.unwrap();
    let done = coherence::refresh(b.state()).unwrap();
    assert_eq!(
        done,
        Reloaded {
            status_epochs: 1,
            ..Reloaded::default()
        }
    );
    assert_eq!(b.state().status.current(ISSUER, TYPE), Some(1));
    assert!(coherence::refresh(b.state()).unwrap().is_empty());

    // Epoch 2 through A, not applied on B; an epoch 3 chained onto another
    // epoch 2 is refused at B all the same: registration checks the chain
    // against the store, not only against what B holds.
    let id = zkcred_credential::status::credential_id(&h.credential).unwrap();
    let (epoch2, _) = list
        .change(
            &h.key,
            &[(id, zkcred_credential::LicenseStatus::Valid)],
            later,
        )
        .unwrap();
    admin.publish_status_epoch(&epoch2).await.unwrap();
    let mut content = epoch2.content.clone();
    content.epoch = 3;
    content.previous = Some([7; 32]);
    let stray = zkcred_credential::StatusEpoch::sign(&h.key, content).unwrap();
    assert_eq!(
        problem(cb.role(ADMIN).publish_status_epoch(&stray).await),
        (409, "status_chain_broken".into())
    );
    assert_eq!(b.state().status.current(ISSUER, TYPE), Some(2));
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A fresh challenge of `hotel` answered with the card's `status`.
async fn status_submission(
    hotel: &zkcred_api::client::Client,
    h: &Holder,
    status: HolderStatus,
) -> Submission {
    let issued = hotel.challenge(POLICY).await.unwrap();
    let req: PresentationRequest = issued.request;
    let c = Catalogue::builtin();
    let hc = HolderCredential::new(c, &h.credential, h.key.public())
        .unwrap()
        .with_status(status);
    let p = present_prepared(c, &req, &[&hc], OffsetDateTime::now_utc(), &mut OsRng).unwrap();
    Submission {
        policy: POLICY.into(),
        request: req,
        presentation: p,
    }
}

fn write_private(path: &Path, data: &[u8]) {
    std::fs::write(path, data).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Writes the hotel's request key and a registration of policy `version`
/// (signed by `regulator`) to `key` and `registration`.
fn write_registration(
    key_path: &Path,
    registration_path: &Path,
    key: &SecretSigningKey,
    regulator: &SecretSigningKey,
    version: u32,
) {
    let policy = PolicyLoader::new(Catalogue::builtin())
        .parse("hotel", &policy_doc(version, &["holder_name"]).to_string())
        .unwrap();
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
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    )
    .unwrap();
    write_private(key_path, &key.to_secret_json());
    std::fs::write(registration_path, registration.to_json()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_keys_are_read_again_on_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut OsRng);
    let key = SecretSigningKey::generate(KeyRole::Request, &mut OsRng);
    let (key_path, reg_path) = (dir.path().join("hotel.key"), dir.path().join("hotel.json"));
    write_registration(&key_path, &reg_path, &key, &regulator, 1);
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |c| {
        c.limits.body_bytes = 256 * 1024;
        c.request_keys = vec![RequestKeyConfig {
            verifier: "hotel.example".into(),
            key: key_path.clone(),
            registration: reg_path.clone(),
        }];
    })
    .await;
    let h = holder(ISSUER);
    setup(&ca, &h).await;
    coherence::refresh(b.state()).unwrap();
    let (hotel_a, hotel_b) = (ca.role(HOTEL), cb.role(HOTEL));
    assert!(hotel_b.challenge(POLICY).await.unwrap().request.is_signed());

    // Version 2 of the policy: neither node may sign under the version 1
    // registration.
    ca.role(ADMIN)
        .new_version(DocKind::Policy, POLICY, &policy_doc(2, &["holder_name"]))
        .await
        .unwrap();
    coherence::apply(b.state(), &Change::document("policy", POLICY)).unwrap();
    for hotel in [&hotel_a, &hotel_b] {
        assert_eq!(
            problem(hotel.challenge(POLICY).await),
            (409, "registration_mismatch".into())
        );
    }
    // The regulator registers version 2, under a new request key; the
    // operator replaces the files and reloads A (SIGHUP), which announces
    // it; B reads its own files when it applies the change.
    let key2 = SecretSigningKey::generate(KeyRole::Request, &mut OsRng);
    write_registration(&key_path, &reg_path, &key2, &regulator, 2);
    assert_eq!(
        a.reload_request_keys().await.unwrap(),
        vec!["hotel.example".to_owned()]
    );
    let issued = hotel_a.challenge(POLICY).await.unwrap();
    assert_eq!(issued.policy.version, 2);
    assert_eq!(
        problem(hotel_b.challenge(POLICY).await),
        (409, "registration_mismatch".into())
    );
    let done = coherence::apply(b.state(), &Change::RequestKeys { verifier: None }).unwrap();
    assert_eq!(done.request_keys, vec!["hotel.example".to_owned()]);
    let issued = hotel_b.challenge(POLICY).await.unwrap();
    assert!(issued.request.is_signed());
    assert_eq!(
        issued.request.registration.unwrap().request_key,
        key2.public().to_hex()
    );
    // Unchanged files: nothing to do.
    assert!(coherence::refresh(b.state()).unwrap().is_empty());

    // A broken file changes nothing: the keys in use stay.
    std::fs::write(&reg_path, "{}").unwrap();
    assert!(a.reload_request_keys().await.is_err());
    assert!(coherence::refresh(b.state()).is_err());
    assert!(hotel_b.challenge(POLICY).await.unwrap().request.is_signed());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

// --- the transport: PostgreSQL LISTEN / NOTIFY --------------------------------

async fn next_event(events: &mut mpsc::UnboundedReceiver<FeedEvent>) -> FeedEvent {
    tokio::time::timeout(Duration::from_secs(15), events.recv())
        .await
        .expect("an event within 15 s")
        .expect("the transport is running")
}

async fn connected(events: &mut mpsc::UnboundedReceiver<FeedEvent>) -> i32 {
    match next_event(events).await {
        FeedEvent::Connected { backend_pid } => backend_pid,
        other => panic!("expected a connection, got {other:?}"),
    }
}

async fn payload(events: &mut mpsc::UnboundedReceiver<FeedEvent>) -> String {
    match next_event(events).await {
        FeedEvent::Payload(p) => p,
        other => panic!("expected a payload, got {other:?}"),
    }
}

/// A plain connection to the test server, driven in the background.
async fn admin_connection() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&pg::admin_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_travel_between_connections_and_survive_a_terminated_backend() {
    let settings = NotifySettings {
        url: pg::admin_url(),
        channel: unique_name("zkcred_test"),
        reconnect_max: Duration::from_millis(500),
    };
    let (stop, stopped) = watch::channel(false);
    let (a, mut a_events, a_task) = notify::start(settings.clone(), stopped.clone());
    let (b, mut b_events, b_task) = notify::start(settings.clone(), stopped.clone());
    let a_pid = connected(&mut a_events).await;
    let b_pid = connected(&mut b_events).await;
    assert_ne!(a_pid, b_pid);

    // Sent on A's connection: B gets it, and A itself.
    let first = Change::document("issuer_key", "11330105002500287C/k1").to_payload();
    a.notify(first.clone()).await.unwrap();
    assert_eq!(payload(&mut b_events).await, first);
    assert_eq!(payload(&mut a_events).await, first);
    // What another channel carries is not delivered.
    let admin = admin_connection().await;
    admin
        .execute(
            "SELECT pg_notify($1, 'elsewhere')",
            &[&unique_name("zkcred_other")],
        )
        .await
        .unwrap();

    // B's backend is terminated: B reports it, reconnects on a new
    // backend, and receives again; what it sends reaches A.
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&b_pid])
        .await
        .unwrap()
        .get(0);
    assert!(killed);
    assert_eq!(next_event(&mut b_events).await, FeedEvent::Disconnected);
    let b_pid2 = connected(&mut b_events).await;
    assert_ne!(b_pid2, b_pid);
    let second = Change::document("policy", "hotel-checkin").to_payload();
    a.notify(second.clone()).await.unwrap();
    assert_eq!(payload(&mut b_events).await, second);
    assert_eq!(payload(&mut a_events).await, second);
    let third = Change::Everything.to_payload();
    b.notify(third.clone()).await.unwrap();
    assert_eq!(payload(&mut a_events).await, third);
    assert_eq!(payload(&mut b_events).await, third);

    // Too large for NOTIFY: refused before it is sent.
    let big = "x".repeat(notify::PAYLOAD_LIMIT + 1);
    assert!(matches!(
        a.notify(big).await,
        Err(notify::NotifyError::TooLarge(_))
    ));

    // The stop ends both tasks.
    stop.send(true).unwrap();
    for task in [a_task, b_task] {
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }
    assert!(matches!(
        a.notify(first).await,
        Err(notify::NotifyError::Stopped)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_retried_and_refuses_notifications() {
    let settings = NotifySettings {
        // Nothing listens on port 1.
        url: "postgres://postgres@127.0.0.1:1/postgres".into(),
        channel: unique_name("zkcred_test"),
        reconnect_max: Duration::from_millis(200),
    };
    let (stop, stopped) = watch::channel(false);
    let (n, mut events, task) = notify::start(settings, stopped);
    for _ in 0..3 {
        assert_eq!(next_event(&mut events).await, FeedEvent::ConnectFailed);
    }
    assert!(matches!(
        n.notify("{}".into()).await,
        Err(notify::NotifyError::Disconnected)
    ));
    drop(stop);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}

// --- end to end ---------------------------------------------------------------

/// Polls node `c` with fresh presentations of `h` until one is refused
/// with `code`; returns how long that took.
async fn until_refused(c: &Client, h: &Holder, code: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (s, got) = present_at(c, h).await;
        if got.as_deref() == Some(code) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "still {s} {got:?} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn metric(c: &Client, name: &str) -> f64 {
    let text = c.api.metrics().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_on_one_node_stops_verifying_on_the_other_through_notify() {
    let dir = tempfile::tempdir().unwrap();
    let channel = unique_name("zkcred_test");
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |c| {
        c.coherence.enabled = Some(true);
        c.coherence.notify_url = Some(pg::admin_url());
        c.coherence.channel = channel.clone();
        // Far beyond the test: only notifications can explain what B sees.
        c.coherence.refresh_secs = 3600;
    })
    .await;
    assert!(a.state().coherence.announces());
    let h = holder(ISSUER);
    // Both listeners are up (their first connection refreshes them).
    for c in [&ca, &cb] {
        let started = Instant::now();
        while metric(c, "zkcred_coherence_connected").await < 1.0 {
            assert!(started.elapsed() < Duration::from_secs(15));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    setup(&ca, &h).await;
    // Issuer and key reach B without a restart or a refresh.
    let started = Instant::now();
    while present_at(&cb, &h).await != (StatusCode::OK, None) {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ca.role(ADMIN)
        .revoke_key(ISSUER, &h.key.public().key_id)
        .await
        .unwrap();
    // From A's answer to B's key lookup refusing (the state, polled).
    let started = Instant::now();
    let kid = h.key.public().key_id.clone();
    while b.state().registry.verification_key(ISSUER, &kid).is_ok() {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let applied = started.elapsed();
    let took = until_refused(&cb, &h, "key_revoked", Duration::from_secs(5)).await;
    eprintln!("key revoked on A: in force on B after {applied:?}, a presentation refused there {took:?} later");
    assert!(metric(&cb, "zkcred_coherence_applied_total{change=\"document\"}").await >= 3.0);
    assert!(metric(&ca, "zkcred_coherence_published_total").await >= 4.0);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_notifications_the_refresh_bounds_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let ((a, ca), (b, cb)) = two_nodes(dir.path(), |c| {
        c.coherence.enabled = Some(true);
        c.coherence.refresh_secs = 1;
    })
    .await;
    assert!(!a.state().coherence.announces());
    let h = holder(ISSUER);
    setup(&ca, &h).await;
    let started = Instant::now();
    while present_at(&cb, &h).await != (StatusCode::OK, None) {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ca.role(ADMIN)
        .revoke_key(ISSUER, &h.key.public().key_id)
        .await
        .unwrap();
    let took = until_refused(&cb, &h, "key_revoked", Duration::from_secs(5)).await;
    eprintln!("key revoked on A, refused on B after {took:?} (refresh every 1 s)");
    assert!(metric(&cb, "zkcred_coherence_applied_total{change=\"refresh\"}").await >= 1.0);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_postgres_the_feed_is_on_by_default_and_carries_a_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let db = pg::TestDb::new();
    let (a, ca) = start(config_postgres(dir.path(), &db)).await;
    let (b, cb) = start(config_postgres(dir.path(), &db)).await;
    assert!(a.state().coherence.announces() && b.state().coherence.announces());
    for c in [&ca, &cb] {
        let started = Instant::now();
        while metric(c, "zkcred_coherence_connected").await < 1.0 {
            assert!(started.elapsed() < Duration::from_secs(15));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let h = holder(ISSUER);
    setup(&ca, &h).await;
    let started = Instant::now();
    while present_at(&cb, &h).await != (StatusCode::OK, None) {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ca.role(ADMIN)
        .revoke_key(ISSUER, &h.key.public().key_id)
        .await
        .unwrap();
    let started = Instant::now();
    let kid = h.key.public().key_id.clone();
    while b.state().registry.verification_key(ISSUER, &kid).is_ok() {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let applied = started.elapsed();
    until_refused(&cb, &h, "key_revoked", Duration::from_secs(5)).await;
    eprintln!("PostgreSQL store: key revoked on A, in force on B after {applied:?}");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
