//! A node whose PostgreSQL goes away (a real outage: its connections cut
//! by a proxy while the server keeps serving every other test) answers
//! 503 `storage_unavailable`, reports itself unhealthy naming the storage,
//! loses nothing it acknowledged, takes no sequence number for what it
//! could not write, and serves again by itself when the database returns.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use zkcred_api::client::ClientError;
use zkcred_api::RecordsQuery;

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use common::*;
use proxy::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_rides_out_a_database_outage() {
    let dir = tempfile::tempdir().unwrap();
    let db = pg::TestDb::new();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let (server, path) = rest.split_once('/').unwrap();
    let proxy = Proxy::start(server.parse().unwrap()).await;
    let mut config = config_postgres(dir.path(), &db);
    config.database = format!("{scheme}://{user}@{}/{path}", proxy.addr).into();
    config.postgres.timeout_ms = 500;
    let (_node, c) = start(config).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let first = c
        .role(HOTEL)
        .submit(&submission_for(&c, &h).await)
        .await
        .unwrap();
    assert_eq!(first.log_sequence, 0);

    // The challenge is issued before the outage (challenges are in the
    // node's memory here); the decision cannot be logged during it.
    let pending = submission_for(&c, &h).await;
    proxy.cut();
    let t0 = Instant::now();
    match c.role(HOTEL).submit(&pending).await {
        Err(ClientError::Problem(p)) => {
            assert_eq!(
                (p.status, p.code.as_str()),
                (503, "storage_unavailable"),
                "{p:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let (status, body) = c.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("storage (postgres)"),
        "{body}"
    );

    // Back: the pool reconnects by itself.
    proxy.restore();
    let t0 = Instant::now();
    loop {
        let (status, _) = c.call(Method::GET, "/healthz", None, None).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "never healthy again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let next = c
        .role(HOTEL)
        .submit(&submission_for(&c, &h).await)
        .await
        .unwrap();
    // The failed decision took no number: the log has no gap.
    assert_eq!(next.log_sequence, 1);
    let page = c
        .role(REGULATOR)
        .log_records(&RecordsQuery {
            start: None,
            end: None,
            limit: Some(100),
        })
        .await
        .unwrap();
    assert_eq!(page.records.len(), 2);
    assert_eq!(page.records[0].record.sequence, 0);
    assert_eq!(page.records[1].record.sequence, 1);
}
