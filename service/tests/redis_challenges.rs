//! Several nodes sharing their one-time challenges in the machine's real
//! Redis (127.0.0.1:6379, `[challenges] store`): two servers, each with its
//! own database, one Redis and one key prefix. A challenge issued by one
//! node is answered on the other, once; a node whose Redis cannot be
//! reached answers 503 `challenge_store_unavailable` at once and consumes
//! nothing, and recovers by itself when Redis is back.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::time::{Duration, Instant};

use deadpool_redis::redis;
use reqwest::{Method, StatusCode};
use serde_json::json;
use zkcred_api::Submission;

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use common::*;
use proxy::Proxy;

/// The tests' Redis (started by `.ci/run services` when not running).
fn redis() -> String {
    pg::redis_url()
}

/// A key prefix no other test or run uses.
fn prefix(test: &str) -> String {
    format!(
        "zkcred-http-test:{test}:{}:{}:",
        std::process::id(),
        rand::random::<u64>()
    )
}

fn node_config(dir: &std::path::Path, store: &str, prefix: &str) -> zkcred_service::http::Config {
    let mut c = config(dir);
    c.challenges.store = Some(store.to_owned());
    c.challenges.redis_key_prefix = prefix.to_owned();
    c.challenges.redis_timeout_ms = 500;
    c
}

/// Deletes the test's keys (all of them expire by themselves anyway).
async fn clean(prefix: &str) {
    let mut c = redis::Client::open(redis())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut c)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut c)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_issued_on_one_node_is_answered_once_on_another() {
    let p = prefix("two-nodes");
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node_a, a) = start(node_config(dir_a.path(), &redis(), &p)).await;
    let (node_b, b) = start(node_config(dir_b.path(), &redis(), &p)).await;
    let h = holder(ISSUER);
    // The same registry on both nodes (each has its own database).
    setup(&a, &h).await;
    setup(&b, &h).await;

    let (s, v) = b.call(Method::GET, "/healthz", None, None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));

    // Issued by A, accepted by B.
    let issued = a.role(HOTEL).challenge(POLICY).await.unwrap();
    let sub = Submission {
        policy: POLICY.into(),
        presentation: h.answer(&issued.request),
        request: issued.request,
    };
    let accepted = b.role(HOTEL).submit(&sub).await.unwrap();
    assert_eq!(accepted.decision, "accepted");
    // A replay is refused on either node.
    for node in [&a, &b] {
        assert_eq!(
            problem(node.role(HOTEL).submit(&sub).await),
            (409, "challenge_replayed".into())
        );
    }

    // Another verifier on B cannot use A's hotel challenge, and does not
    // burn it: the hotel's presentation on A is accepted afterwards.
    let request = challenge(&b, HOTEL).await;
    let body = submission(&request, &h.present(&request));
    let (s, v) = a.post("/v1/presentations", BAR, &body).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("challenge_wrong_verifier"))
    );
    let (s, _) = a.post("/v1/presentations", HOTEL, &body).await;
    assert_eq!(s, StatusCode::OK);

    // Both nodes see the shared store: nothing outstanding now.
    let (s, _, text) = b.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("zkcred_challenges_outstanding 0"), "{text}");
    assert!(text.contains("zkcred_challenge_store_up 1"));
    let _ = challenge(&a, HOTEL).await;
    let (_, _, text) = b.raw(Method::GET, "/metrics", None, None).await;
    assert!(text.contains("zkcred_challenges_outstanding 1"), "{text}");

    node_a.shutdown().await.unwrap();
    node_b.shutdown().await.unwrap();
    clean(&p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_its_redis_answers_503_fast_and_consumes_nothing() {
    let p = prefix("unreachable");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (dir_up, dir_down) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (up_node, up) = start(node_config(dir_up.path(), &redis(), &p)).await;
    let down_url = format!("redis://127.0.0.1:{port}/");
    let (down_node, down) = start(node_config(dir_down.path(), &down_url, &p)).await;
    let h = holder(ISSUER);
    setup(&up, &h).await;
    setup(&down, &h).await;

    let t0 = Instant::now();
    let (s, ct, body) = down
        .raw(
            Method::POST,
            "/v1/challenges",
            Some(HOTEL),
            Some(json!({ "policy": POLICY }).to_string().into_bytes()),
        )
        .await;
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ct, "application/problem+json");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "challenge_store_unavailable");
    assert_eq!(v["retry_after"], 1);
    assert!(
        !body.contains(&port.to_string()),
        "the cause stays in the log: {body}"
    );

    // A presentation on a challenge from the node that has its Redis: the
    // node without it refuses with 503 and consumes nothing...
    let request = challenge(&up, HOTEL).await;
    let sub = submission(&request, &h.present(&request));
    let (s, v) = down.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("challenge_store_unavailable")
        )
    );
    // ...so the other node still accepts it.
    let (s, v) = up.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, v) = down.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unhealthy"))
    );
    let (_, _, text) = down.raw(Method::GET, "/metrics", None, None).await;
    assert!(text.contains("zkcred_challenge_store_up 0"), "{text}");
    assert!(!text.contains("zkcred_challenges_outstanding"));
    assert!(
        text.contains("zkcred_challenge_refusals_total{code=\"challenge_store_unavailable\"} 1")
    );

    up_node.shutdown().await.unwrap();
    down_node.shutdown().await.unwrap();
    clean(&p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_rides_out_a_redis_outage_and_recovers_by_itself() {
    let p = prefix("outage");
    // The node reaches Redis through a proxy the test cuts: a real outage
    // for this node only.
    let proxy = Proxy::start("127.0.0.1:6379".parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redis://{}/", proxy.addr);
    let (node, c) = start(node_config(dir.path(), &url, &p)).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let request = challenge(&c, HOTEL).await;
    let sub = submission(&request, &h.present(&request));

    proxy.cut();
    let t0 = Instant::now();
    let (s, v) = c
        .post("/v1/challenges", HOTEL, &json!({ "policy": POLICY }))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("challenge_store_unavailable")
        )
    );
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("challenge_store_unavailable")
        )
    );
    let (s, _) = c.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());

    // Redis is back: the very next requests succeed (the pool drops the
    // dead connections and makes new ones), and the challenge asked for
    // during the outage was not consumed.
    proxy.restore();
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed"))
    );
    let _ = challenge(&c, HOTEL).await;
    let (s, _) = c.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);

    node.shutdown().await.unwrap();
    clean(&p).await;
}
