//! The log across restarts (issue 12): the log key is checked against the
//! stored heads (defect 7), and a graceful stop leaves the data in the
//! database file itself, not only in its WAL (defect 9).

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::path::Path;

use zkcred_service::http::{Config, RunningServer, Server};
use zkcred_translog::record::now_timestamp;
use zkcred_translog::{
    verify_export, CredentialDisclosure, DisclosureEvent, LogPublicKey, Outcome, PolicyRef,
};

fn config(dir: &Path, key: &str) -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("zkcred.db"),
        log_key: dir.join(key),
        ..Config::default()
    };
    c.disclosure_log.sign_interval_secs = 0;
    c
}

fn event() -> DisclosureEvent {
    DisclosureEvent {
        timestamp: now_timestamp(),
        verifier: "hotel.example".into(),
        policy: PolicyRef {
            id: "hotel-checkin".into(),
            version: 1,
        },
        credentials: vec![CredentialDisclosure {
            credential_type: "cn.resident_id".into(),
            disclosed_attributes: vec!["age_over_18".into()],
            issuer: "cn.gov.mps".into(),
            proven: Vec::new(),
            status_epoch: None,
        }],
        outcome: Outcome::Accepted,
        reason: "ok".into(),
    }
}

/// Starts, appends `n` decisions, stops (which signs a head); returns the
/// log's key.
async fn run(config: Config, n: usize) -> LogPublicKey {
    let server: RunningServer = Server::start(config).await.unwrap();
    let log = std::sync::Arc::clone(&server.state().log);
    let pk = log.public_key();
    tokio::task::spawn_blocking(move || log.append(&vec![event(); n]).unwrap())
        .await
        .unwrap();
    server.shutdown().await.unwrap();
    pk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_other_log_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(config(dir.path(), "a.key"), 3).await;

    // A mistyped path: no new key is made, the error names the path and
    // the key that signed the stored heads.
    let err = Server::start(config(dir.path(), "mistyped.key"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("mistyped.key"), "{err}");
    assert!(err.contains(&a.to_hex()), "{err}");
    assert!(!dir.path().join("mistyped.key").exists());

    // A path to another key.
    let b = zkcred_service::log_key::load_or_generate(&dir.path().join("b.key")).unwrap();
    let err = Server::start(config(dir.path(), "b.key"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.key"), "{err}");
    assert!(err.contains(&a.to_hex()), "{err}");
    assert!(err.contains(&b.public_key().to_hex()), "{err}");

    // The right key still starts.
    assert_eq!(run(config(dir.path(), "a.key"), 1).await, a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_rotation_is_recorded_and_old_heads_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(config(dir.path(), "a.key"), 3).await;
    let b = zkcred_service::log_key::load_or_generate(&dir.path().join("b.key"))
        .unwrap()
        .public_key();

    let mut rotate = config(dir.path(), "b.key");
    rotate.log_key_rotate = true;
    let server = Server::start(rotate).await.unwrap();
    let log = std::sync::Arc::clone(&server.state().log);
    assert_eq!(log.public_key(), b);
    let history = log.key_history().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!((history[0].public_key, history[0].previous), (a, None));
    assert_eq!(history[1].public_key, b);
    assert_eq!(history[1].previous, Some(a));
    assert_eq!(history[1].from_tree_size, 3);
    tokio::task::spawn_blocking(move || log.append(&[event(), event()]).unwrap())
        .await
        .unwrap();
    server.shutdown().await.unwrap();

    // Later starts with B need no option; A is now refused.
    let server = Server::start(config(dir.path(), "b.key")).await.unwrap();
    let log = std::sync::Arc::clone(&server.state().log);
    let export = log.export().unwrap();
    let now = verify_export(&export, &b).unwrap();
    assert_eq!((now.records, now.signed_size, now.signed_heads), (5, 5, 2));
    // The heads signed before the rotation verify under A.
    let old = verify_export(&log.export_for(&a).unwrap(), &a).unwrap();
    assert_eq!((old.records, old.signed_size), (5, 3));
    // B's first head is at A's last size, with the same root.
    let first_b = export.signed_heads[0].clone();
    assert_eq!((first_b.tree_size, first_b.root_hash), (3, old.signed_root));
    server.shutdown().await.unwrap();
    let err = Server::start(config(dir.path(), "a.key"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&b.to_hex()), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_clean_stop_the_database_file_alone_holds_the_data() {
    let dir = tempfile::tempdir().unwrap();
    run(config(dir.path(), "log.key"), 4).await;

    let copy = tempfile::tempdir().unwrap();
    let only_db = copy.path().join("zkcred.db");
    std::fs::copy(dir.path().join("zkcred.db"), &only_db).unwrap();
    let conn = rusqlite::Connection::open(&only_db).unwrap();
    let records: i64 = conn
        .query_row("SELECT count(*) FROM disclosure_log", [], |r| r.get(0))
        .unwrap();
    let heads: i64 = conn
        .query_row("SELECT count(*) FROM tree_heads", [], |r| r.get(0))
        .unwrap();
    assert_eq!((records, heads), (4, 1));
}
