//! The service under abuse and faults (issue 12): every limit answered at
//! the edge with a stable code before the challenge is consumed, load shed
//! before consumption, retired policies' outstanding challenges refused.
//! A real server on an ephemeral loopback port, the one typed client, real
//! credentials and proofs.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;

use common::*;

/// The number of records in the disclosure log (a fresh head is signed).
async fn log_size(c: &Client) -> u64 {
    let (s, v) = c.post("/v1/log/head", ADMIN, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["tree_size"].as_u64().unwrap()
}

/// Defect 6: every per-request size limit is checked at the edge with 413
/// `limit_exceeded` naming the limit, before the challenge is consumed; the
/// challenge stays answerable and nothing is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_checked_at_the_edge_before_the_challenge_is_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.body_bytes = 4 << 20;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;

    let request = challenge(&c, HOTEL).await;
    let p = serde_json::to_value(h.present(&request)).unwrap();
    let valid = json!({ "policy": POLICY, "request": request, "presentation": p });

    type Tamper = fn(&mut Value);
    let cases: [(&str, Tamper); 6] = [
        ("credentials", |s| {
            let one = s["request"]["credentials"][0].clone();
            s["request"]["credentials"] = Value::Array(vec![one; 257]);
        }),
        ("credentials", |s| {
            let one = s["presentation"]["credentials"][0].clone();
            s["presentation"]["credentials"] = Value::Array(vec![one; 17]);
        }),
        ("attributes", |s| {
            let names: Vec<Value> = (0..121).map(|i| json!(format!("a{i}"))).collect();
            s["request"]["credentials"][0]["disclose"] = Value::Array(names);
        }),
        ("identifier_bytes", |s| {
            s["presentation"]["credentials"][0]["key_id"] = json!("k".repeat(257));
        }),
        ("attribute_name_bytes", |s| {
            s["presentation"]["credentials"][0]["disclosed"]["a".repeat(65)] = json!("x");
        }),
        ("issuers", |s| {
            let issuers: Vec<Value> = (0..257).map(|i| json!(format!("i{i}"))).collect();
            s["request"]["credentials"][0]["issuers"] = Value::Array(issuers);
        }),
    ];
    for (limit, tamper) in cases {
        let mut sub = valid.clone();
        tamper(&mut sub);
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(
            (s, v["code"].as_str(), v["limit"].as_str()),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Some("limit_exceeded"),
                Some(limit)
            ),
            "{v}"
        );
        assert!(v["max"].is_u64(), "{v}");
        assert!(
            v.get("log_sequence").is_none(),
            "not a logged decision: {v}"
        );
        // In a batch too, item by item.
        let (s, v) = c
            .post("/v1/presentations/batch", HOTEL, &json!({ "items": [sub] }))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["results"][0]["status"], 413, "{v}");
        assert_eq!(v["results"][0]["problem"]["code"], "limit_exceeded", "{v}");
    }
    assert_eq!(log_size(&c).await, before, "nothing logged");

    // The batch itself: more items than `limits.batch_items`.
    let items = vec![valid.clone(); 257];
    let (s, v) = c
        .post("/v1/presentations/batch", HOTEL, &json!({ "items": items }))
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["limit"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("limit_exceeded"),
            Some("batch_items")
        )
    );

    // The challenge is still answerable.
    let (s, v) = c.post("/v1/presentations", HOTEL, &valid).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(log_size(&c).await, before + 1);
    server.shutdown().await.unwrap();
}

/// Defect 5: a full verification queue is answered with 503 `overloaded`
/// before the challenge is consumed: nothing is logged and the retry the
/// client is told to make is judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_shed_before_the_challenge_is_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.batch.queue = 1;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;
    let sub = answered(&c, &h, |_| {}).await;

    // Every place in the queue taken.
    let held = server.state().batcher.admit().unwrap();
    for _ in 0..2 {
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("overloaded")),
            "{v}"
        );
        assert!(
            v.get("log_sequence").is_none(),
            "not a logged decision: {v}"
        );
    }
    assert_eq!(log_size(&c).await, before, "no refusal logged");
    drop(held);

    // The retry is judged.
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(log_size(&c).await, before + 1);
    server.shutdown().await.unwrap();
}

/// Defect 5 under real load: a batch of presentations against a queue of
/// one. Each item ends either judged and logged, or `overloaded` and
/// answerable by a retry; the log holds exactly one decision per judged
/// presentation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overloaded_presentations_stay_answerable_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.batch.queue = 1;
    cfg.batch.workers = 1;
    cfg.batch.max_size = 1;
    // Sixteen presentations with range proofs (the hotel's validity
    // predicate) exceed the common 64 KiB test limit.
    cfg.limits.body_bytes = 1 << 20;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;
    let mut items = Vec::new();
    for _ in 0..16 {
        items.push(answered(&c, &h, |_| {}).await);
    }
    let (s, v) = c
        .post("/v1/presentations/batch", HOTEL, &json!({ "items": items }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut overloaded = Vec::new();
    for (i, r) in v["results"].as_array().unwrap().iter().enumerate() {
        match r["status"].as_u64() {
            Some(200) => {}
            Some(503) => {
                assert_eq!(r["problem"]["code"], "overloaded", "{r}");
                overloaded.push(i);
            }
            _ => panic!("item {i}: {r}"),
        }
    }
    assert!(!overloaded.is_empty(), "a queue of one sheds some of 16");
    assert_eq!(
        log_size(&c).await,
        before + (16 - overloaded.len() as u64),
        "only judged presentations are logged"
    );
    for i in &overloaded {
        let (s, v) = c.post("/v1/presentations", HOTEL, &items[*i]).await;
        assert_eq!(s, StatusCode::OK, "the retry of item {i}: {v}");
    }
    assert_eq!(log_size(&c).await, before + 16);
    server.shutdown().await.unwrap();
}

/// Defect 10: retiring a policy makes its outstanding challenges refused
/// (`policy_retired`, a logged refusal: the challenge is spent); a version
/// superseded by a newer one still judges the challenges issued for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retired_policy_challenges_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;

    // Superseded: judged under the version it was issued for.
    let old = answered(&c, &h, |_| {}).await;
    let v2 = policy_doc(2, &["holder_name", "sex"]);
    let (s, v) = c
        .post(&format!("/v1/policies/{POLICY}/versions"), ADMIN, &v2)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = c.post("/v1/presentations", HOTEL, &old).await;
    assert_eq!(
        (s, v["policy"]["version"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );

    // Retired: refused, logged once, the challenge spent.
    let sub = answered(&c, &h, |_| {}).await;
    let (s, _) = c
        .post(&format!("/v1/policies/{POLICY}/retire"), ADMIN, &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str(), v["decision"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("policy_retired"),
            Some("refused")
        ),
        "{v}"
    );
    assert!(v["log_sequence"].is_u64(), "{v}");
    assert_eq!(log_size(&c).await, before + 2);
    // The identical submission again (no Idempotency-Key): a replay, not a
    // second decision.
    let (s, again) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed"))
    );
    assert_eq!(log_size(&c).await, before + 2);
    // Another presentation on the spent challenge: a replay.
    let replay = submission(&sub["request"], &h.present(&sub["request"]));
    let (s, v) = c.post("/v1/presentations", HOTEL, &replay).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed"))
    );
    server.shutdown().await.unwrap();
}
