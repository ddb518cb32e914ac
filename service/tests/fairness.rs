//! Fairness between verifiers under abuse (issue 12, defect 3, and the
//! per-token request rate): one verifier cannot exhaust the challenge store
//! for the others, spent challenges do not hold live slots, and a token over
//! its rate limit is answered 429 alone. A real server on an ephemeral
//! loopback port, the one typed client, real credentials and proofs.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

mod common;

use common::*;

/// The policy of the second verifier, `bar.example`.
const BAR_POLICY: &str = "bar-entry";

/// `bar.example`'s own policy (the hotel's, another id and verifier).
async fn bar_policy(c: &Client) {
    let mut p = policy_doc(1, &["holder_name"]);
    p["id"] = json!(BAR_POLICY);
    p["verifier"]["id"] = json!("bar.example");
    let (s, v) = c.post("/v1/policies", ADMIN, &p).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// `POST /v1/challenges` for `policy` with `token`: status, `Retry-After`
/// (seconds) and body.
async fn ask(c: &Client, token: &str, policy: &str) -> (StatusCode, Option<u64>, Value) {
    let url = format!("{}/v1/challenges", c.api.base_url());
    let r = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "policy": policy }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry_after = r
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry_after, r.json().await.unwrap())
}

/// Defect 3: a verifier asking for challenges in a loop exhausts its own
/// budget only (429 `challenge_quota_exceeded` with `Retry-After`); another
/// verifier still gets challenges and completes a presentation, and the
/// store's backstop is a distinct 503. Before the fix, one global capacity
/// was shared: the loop filled it and the second verifier got 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_verifier_exhausts_only_its_own_challenge_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.challenges.capacity = 8;
    cfg.challenges.per_verifier = 5;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    bar_policy(&c).await;

    // The hotel loops until refused: exactly its budget is issued.
    let mut hotel = Vec::new();
    let refusal = loop {
        let (s, retry, v) = ask(&c, HOTEL, POLICY).await;
        if s != StatusCode::CREATED {
            break (s, retry, v);
        }
        hotel.push(v["request"].clone());
        assert!(hotel.len() <= 5, "issued beyond the verifier's budget");
    };
    assert_eq!(hotel.len(), 5);
    let (s, retry, v) = refusal;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("challenge_quota_exceeded")
        ),
        "{v}"
    );
    assert_eq!(retry, Some(1));
    assert_eq!(v["retry_after"], 1);
    // Asking again changes nothing for the hotel.
    for _ in 0..20 {
        let (s, _, v) = ask(&c, HOTEL, POLICY).await;
        assert_eq!(v["code"], "challenge_quota_exceeded", "{s} {v}");
    }

    // The bar is served, and its presentation is accepted.
    let issued = c.role(BAR).challenge(BAR_POLICY).await.unwrap();
    let request = serde_json::to_value(&issued.request).unwrap();
    let p = h.present(&request);
    let sub = json!({ "policy": BAR_POLICY, "request": request, "presentation": p });
    let (s, v) = c.post("/v1/presentations", BAR, &sub).await;
    assert_eq!(
        (s, v["decision"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{v}"
    );

    // Answering one of the hotel's challenges gives it a slot back.
    let answer = submission(&hotel[0], &h.present(&hotel[0]));
    let (s, v) = c.post("/v1/presentations", HOTEL, &answer).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _, v) = ask(&c, HOTEL, POLICY).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // The store's own backstop (8 live: the hotel's 5, the bar's 3) is a
    // distinct 503, for every verifier.
    for _ in 0..3 {
        let (s, _, v) = ask(&c, BAR, BAR_POLICY).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    for (token, policy) in [(BAR, BAR_POLICY), (HOTEL, POLICY)] {
        let (s, retry, v) = ask(&c, token, policy).await;
        let expected = if token == HOTEL {
            // The hotel is at its own budget again: that refusal comes first.
            (StatusCode::TOO_MANY_REQUESTS, "challenge_quota_exceeded")
        } else {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "challenge_capacity_exceeded",
            )
        };
        assert_eq!((s, v["code"].as_str().unwrap()), expected, "{v}");
        assert_eq!(retry, Some(1));
    }
    server.shutdown().await.unwrap();
}

/// Defect 3: spent challenges do not hold live slots. With room for 10 live
/// challenges, 100 issued and answered one after another all succeed, and a
/// replay of an early one is still refused as a replay. Before the fix,
/// the 11th challenge got 503: every spent one kept its slot until expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spent_challenges_do_not_count_against_live_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.challenges.capacity = 10;
    cfg.challenges.per_verifier = 10;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;

    let mut first = None;
    for i in 0..100 {
        let sub = answered(&c, &h, |_| {}).await;
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(
            (s, v["decision"].as_str()),
            (StatusCode::OK, Some("accepted")),
            "{i}: {v}"
        );
        first.get_or_insert(sub);
    }
    let (s, v) = c
        .post("/v1/presentations", HOTEL, first.as_ref().unwrap())
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed")),
        "{v}"
    );
    server.shutdown().await.unwrap();
}

/// Replay safety does not rest on the tombstones: once the bounded set has
/// forgotten a spent challenge, its replay is still refused (as
/// `challenge_unknown`, and nothing is logged); a recent one is still
/// `challenge_replayed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgotten_tombstones_still_refuse_replays() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.challenges.capacity = 4;
    cfg.challenges.tombstones = 8;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;

    let mut spent = Vec::new();
    for _ in 0..20 {
        let sub = answered(&c, &h, |_| {}).await;
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        spent.push(sub);
    }
    let (s, v) = c.post("/v1/log/head", ADMIN, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let logged = v["tree_size"].as_u64().unwrap();

    let (s, v) = c.post("/v1/presentations", HOTEL, &spent[0]).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("challenge_unknown")),
        "{v}"
    );
    assert!(v.get("decision").is_none(), "{v}");
    let (s, v) = c.post("/v1/presentations", HOTEL, &spent[19]).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed")),
        "{v}"
    );
    let (_, v) = c.post("/v1/log/head", ADMIN, &json!({})).await;
    assert_eq!(v["tree_size"].as_u64(), Some(logged), "a replay was logged");
    server.shutdown().await.unwrap();
}

/// The per-token request rate: a token over its limit gets 429
/// `rate_limited` with `Retry-After`, on any route and before its body is
/// read; another token is unaffected, an unknown token is still 401, and
/// after the wait the token is served again. Before the fix there was no
/// limit at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_per_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.rate_limit.per_token_per_sec = 1;
    cfg.rate_limit.burst = 3;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;

    for _ in 0..3 {
        let (s, v) = c.get("/v1/policies", HOTEL).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, retry, v) = ask(&c, HOTEL, POLICY).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
        "{v}"
    );
    assert_eq!(retry, Some(1));
    assert_eq!(v["retry_after"], 1);
    // Refused before the body is read: a malformed one makes no difference.
    let (s, _, text) = c
        .raw(
            reqwest::Method::POST,
            "/v1/presentations",
            Some(HOTEL),
            Some(b"{".to_vec()),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(text.contains("rate_limited"), "{text}");

    // Other tokens keep their own buckets; an unknown token is still 401.
    for token in [BAR, REGULATOR] {
        let (s, v) = c.get("/v1/policies", token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = c.get("/v1/policies", "unknown-token-0123456789").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // Unauthenticated routes are not limited.
    for _ in 0..5 {
        let (s, _) = c.call(reqwest::Method::GET, "/healthz", None, None).await;
        assert_eq!(s, StatusCode::OK);
    }

    // After the wait it names, the hotel is served again.
    tokio::time::sleep(std::time::Duration::from_secs(retry.unwrap())).await;
    let (s, _, v) = ask(&c, HOTEL, POLICY).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    server.shutdown().await.unwrap();
}
