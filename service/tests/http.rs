//! The HTTP service end to end: a real server on an ephemeral loopback port,
//! the one typed client (`zkcred_api::client`), real credentials and proofs.
//! Error paths a typed client cannot produce (no token, malformed JSON,
//! wrong methods) go through its raw `send_raw`.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zkcred_api::{
    BatchRequest, ConsistencyQuery, DocKind, InclusionQuery, RecordsQuery, Submission,
};
use zkcred_service::disclosure_log::ConsistencyProof;
use zkcred_translog::{verify_export, LogPublicKey, SignedTreeHead};

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    end_to_end_on(|| config(dir.path())).await;
}

/// The same over PostgreSQL: the whole service on the other backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let db = pg::TestDb::new();
    end_to_end_on(|| config_postgres(dir.path(), &db)).await;
}

/// Everything a client does, from a fresh store, then again after a
/// restart on the same store (`config` gives the same one each time).
async fn end_to_end_on(config: impl Fn() -> zkcred_service::http::Config) {
    let (server, c) = start(config()).await;
    let h = holder(ISSUER);

    // Open endpoints.
    let (s, v) = c.call(Method::GET, "/healthz", None, None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, v) = c.call(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!((s, v["openapi"].as_str()), (StatusCode::OK, Some("3.1.0")));
    let (s, v) = c.call(Method::GET, "/nowhere", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // Authentication and roles.
    let issuer = issuer_doc(ISSUER);
    let (s, v) = c
        .call(Method::POST, "/v1/issuers", None, Some(&issuer))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _) = c
        .call(
            Method::POST,
            "/v1/issuers",
            Some("not-a-token-at-all"),
            Some(&issuer),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = c.post("/v1/issuers", HOTEL, &issuer).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, _) = c.post("/v1/issuers", REGULATOR, &issuer).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = c.get("/v1/log/export", HOTEL).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = c
        .post("/v1/challenges", ADMIN, &json!({ "policy": POLICY }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Registry and policy administration.
    let (s, v) = c
        .post("/v1/challenges", HOTEL, &json!({ "policy": POLICY }))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("policy_not_found"))
    );
    setup(&c, &h).await;
    let (s, v) = c.post("/v1/issuers", ADMIN, &issuer).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_exists"))
    );
    let mut bad = policy_doc(1, &["holder_name"]);
    bad["requirements"][0]["types"] = json!(["nope"]);
    let (s, v) = c.post("/v1/policies", ADMIN, &bad).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("policy_invalid"))
    );
    let (s, v) = c
        .post(
            "/v1/issuers",
            ADMIN,
            &json!({ "id": "x", "region": "999999" }),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("issuer_invalid"))
    );
    let (s, v) = c
        .post("/v1/policies", ADMIN, &policy_doc(1, &["holder_name"]))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_exists"))
    );
    let (s, v) = c.get("/v1/issuers", REGULATOR).await;
    assert_eq!((s, v.as_array().unwrap().len()), (StatusCode::OK, 1));
    let (s, v) = c.get(&format!("/v1/issuers/{ISSUER}/keys"), ADMIN).await;
    assert_eq!(
        (s, v[0]["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
    let (s, v) = c.get("/v1/policies", HOTEL).await;
    assert_eq!((s, v[0]["id"].as_str()), (StatusCode::OK, Some(POLICY)));
    let agreement = json!({
        "id": "zj-sh-test",
        "name_zh": "浙沪测试互认",
        "name_en": "Zhejiang-Shanghai test recognition",
        "members": ["330000", "310000"],
        "effective_from": "2024-01-01",
        "source": "test",
        "types": [{ "type": "resident_id_card", "assumed": true }],
    });
    let (s, v) = c.post("/v1/agreements", ADMIN, &agreement).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = c
        .post("/v1/agreements", ADMIN, &json!({ "id": "broken" }))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agreement_invalid"))
    );
    let (s, v) = c.get("/v1/agreements/zj-sh-test", REGULATOR).await;
    assert_eq!(
        (s, v["latest"]["version"].as_u64()),
        (StatusCode::OK, Some(1))
    );

    // A good presentation, through the typed client.
    let hotel = c.role(HOTEL);
    let issued = hotel.challenge(POLICY).await.unwrap();
    assert_eq!(issued.request.verifier, "hotel.example");
    let sub = Submission {
        policy: POLICY.into(),
        presentation: h.answer(&issued.request),
        request: issued.request,
    };
    let accepted = hotel.submit_idempotent(&sub, "hotel-0001").await.unwrap();
    assert_eq!(accepted.decision, "accepted");
    assert_eq!(
        Value::Object(accepted.credentials[0].attributes.clone()),
        json!({ "holder_name": "张三" })
    );
    assert_eq!(accepted.log_sequence, 0);

    // The identical submission with the same Idempotency-Key is a retry:
    // the same decision, not a second one. Without the key, or with another,
    // it is a replay (a captured presentation sent again); so is another
    // presentation on the spent challenge.
    assert_eq!(
        hotel.submit_idempotent(&sub, "hotel-0001").await.unwrap(),
        accepted
    );
    for again in [
        hotel.submit(&sub).await,
        hotel.submit_idempotent(&sub, "hotel-0002").await,
    ] {
        assert_eq!(problem(again), (409, "challenge_replayed".into()));
    }
    let replay = Submission {
        presentation: h.answer(&sub.request),
        ..sub.clone()
    };
    assert_eq!(
        problem(hotel.submit(&replay).await),
        (409, "challenge_replayed".into())
    );

    // Another verifier cannot use the hotel's challenge (and does not burn it).
    let sub = answered(&c, &h, |_| {}).await;
    let (s, v) = c.post("/v1/presentations", BAR, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("challenge_wrong_verifier"))
    );
    let (s, _) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK);

    // Over-disclosure, tampering, malformed proofs: clear 4xx, logged refusals.
    let sub = answered(&c, &h, |p| {
        p["credentials"][0]["disclosed"]["birth_date"] = json!("1990-01-01");
    })
    .await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("over_disclosure")),
        "{v}"
    );
    assert_eq!(v["decision"], "refused");
    assert!(v["log_sequence"].is_u64());
    assert!(
        !v.to_string().contains("1990"),
        "no value in the problem: {v}"
    );
    // The refusal is logged with the names the presentation disclosed.
    let seq = v["log_sequence"].as_u64().unwrap();
    let refused_names = |seq: u64| {
        let c = &c;
        async move {
            let (s, v) = c
                .get(
                    &format!("/v1/log/records?start={seq}&end={}", seq + 1),
                    REGULATOR,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let cred = &v["records"][0]["record"]["credentials"][0];
            // The hotel's validity predicate is proven, not disclosed: the
            // record names it by attribute, operator and bound.
            assert_eq!(cred["proven"][0]["attribute"], "valid_until", "{v}");
            assert_eq!(cred["proven"][0]["op"], ">", "{v}");
            cred["disclosed_attributes"].clone()
        }
    };
    assert_eq!(
        refused_names(seq).await,
        json!(["birth_date", "holder_name"])
    );
    // A name outside the catalogue (which could carry a value) is refused
    // and never written to the log.
    let sub = answered(&c, &h, |p| {
        p["credentials"][0]["disclosed"]["id_110101199003070011"] = json!("x");
    })
    .await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let names = refused_names(v["log_sequence"].as_u64().unwrap()).await;
    assert_eq!(names, json!(["holder_name"]));

    let sub = answered(&c, &h, |p| {
        p["credentials"][0]["disclosed"]["holder_name"] = json!("李四")
    })
    .await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("proof_invalid"))
    );
    assert!(!v.to_string().contains("李四"));

    // The hotel's policy has a predicate: the presentation's one composite
    // proof sits beside the entries.
    let sub = answered(&c, &h, |p| p["proof"]["value"] = json!("zz")).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("proof_malformed"))
    );
    let sub = answered(&c, &h, |p| p["proof"]["value"] = json!("00")).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("proof_malformed"))
    );
    let sub = answered(&c, &h, |p| {
        let v = p["proof"]["value"].as_str().unwrap().to_owned();
        p["proof"]["value"] = json!(v[..v.len() - 64]);
    })
    .await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert!(
        s == StatusCode::BAD_REQUEST || s == StatusCode::UNPROCESSABLE_ENTITY,
        "{v}"
    );

    // The request must be the one issued.
    let sub = answered(&c, &h, |_| {}).await;
    let mut forged = sub.clone();
    forged["request"]["credentials"][0]["disclose"] = json!(["holder_name", "birth_date"]);
    let (s, v) = c.post("/v1/presentations", HOTEL, &forged).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("request_not_from_policy")
        )
    );

    // Unknown issuer.
    let stranger = holder(OTHER_ISSUER);
    let request = challenge(&c, HOTEL).await;
    let p = stranger.present(&request);
    let (s, v) = c
        .post("/v1/presentations", HOTEL, &submission(&request, &p))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_issuer"))
    );

    // Malformed JSON, wrong shapes, oversized bodies.
    let (s, _, text) = c
        .raw(
            Method::POST,
            "/v1/presentations",
            Some(HOTEL),
            Some(b"{\"policy\":".to_vec()),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(text.contains("malformed_json"));
    let (s, v) = c
        .post("/v1/presentations", HOTEL, &json!({ "policy": 3 }))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let big = json!({ "policy": "x".repeat(100_000) });
    let (s, v) = c.post("/v1/challenges", HOTEL, &big).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );
    let (s, v) = c
        .post(
            "/v1/presentations",
            HOTEL,
            &json!({ "policy": POLICY, "request": {}, "presentation": {} }),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let (s, v) = c
        .call(Method::DELETE, "/v1/policies", Some(ADMIN), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );

    // Still healthy.
    let (s, _) = c.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);

    // A batch: good, tampered, good, malformed item.
    let mut items = Vec::new();
    for i in 0..3 {
        items.push(
            answered(&c, &h, |p| {
                if i == 1 {
                    p["credentials"][0]["disclosed"]["holder_name"] = json!("王五");
                }
            })
            .await,
        );
    }
    items.push(json!({ "policy": POLICY }));
    let v = hotel.submit_batch(&BatchRequest { items }).await.unwrap();
    let statuses: Vec<u16> = v.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 422, 200, 400]);
    let refused = v.results[1].problem.as_ref().unwrap();
    assert_eq!(refused.code, "proof_invalid");
    assert!(refused.is_refusal() && refused.log_sequence().is_some());
    assert_eq!(
        v.results[0].decision.as_ref().map(|d| d.decision.as_str()),
        Some("accepted")
    );

    // Rotation keeps old credentials verifiable; revocation stops them.
    let next = holder(ISSUER);
    let (s, v) = c
        .post(
            &format!("/v1/issuers/{ISSUER}/keys/rotate"),
            ADMIN,
            &next.public_key(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let sub = answered(&c, &h, |_| {}).await;
    assert_eq!(
        c.post("/v1/presentations", HOTEL, &sub).await.0,
        StatusCode::OK
    );
    let sub = answered(&c, &next, |_| {}).await;
    assert_eq!(
        c.post("/v1/presentations", HOTEL, &sub).await.0,
        StatusCode::OK
    );
    let old_id = h.key.public().key_id.clone();
    let (s, v) = c
        .post(
            &format!("/v1/issuers/{ISSUER}/keys/{old_id}/revoke"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("revoked")));
    let sub = answered(&c, &h, |_| {}).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked"))
    );

    // The regulator's side: audit, heads, proofs, export.
    let (s, v) = c
        .get(&format!("/v1/policies/{POLICY}/audit"), REGULATOR)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["audit"]["policy_id"], POLICY);
    assert!(v["audit"]["attributes"].is_array(), "{v}");
    let (s, v) = c.get("/v1/audit/policies", REGULATOR).await;
    assert_eq!(
        (s, v["policies"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let regulator = c.role(REGULATOR);
    let head = regulator.log_head().await.unwrap();
    let key = LogPublicKey::from_hex(&head.log_public_key).unwrap();
    let first: SignedTreeHead = regulator.sign_head().await.unwrap();
    key.verify(&first).unwrap();
    assert!(first.tree_size >= 12, "{}", first.tree_size);
    for i in 0..first.tree_size {
        let proof = regulator
            .inclusion(&InclusionQuery {
                index: i,
                tree_size: Some(first.tree_size),
            })
            .await
            .unwrap();
        proof.verify(&first.root_hash).unwrap();
    }
    // Without a tree size: the latest signed head's.
    let proof = regulator
        .inclusion(&InclusionQuery {
            index: 0,
            tree_size: None,
        })
        .await
        .unwrap();
    assert_eq!(proof.tree_size, first.tree_size);
    proof.verify(&first.root_hash).unwrap();
    let (s, v) = c.get("/v1/log/inclusion?index=x", REGULATOR).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (s, _) = c
        .get(
            &format!("/v1/log/inclusion?index={0}&tree_size={0}", first.tree_size),
            REGULATOR,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let sub = answered(&c, &next, |_| {}).await;
    assert_eq!(
        c.post("/v1/presentations", HOTEL, &sub).await.0,
        StatusCode::OK
    );
    let (_, v) = c.post("/v1/log/head", ADMIN, &json!({})).await;
    let second: SignedTreeHead = serde_json::from_value(v).unwrap();
    key.verify(&second).unwrap();
    // Without a new size: the latest signed head's.
    let proof = regulator
        .consistency(&ConsistencyQuery {
            old_size: first.tree_size,
            new_size: None,
        })
        .await
        .unwrap();
    assert_eq!(proof.new_size, second.tree_size);
    proof.verify(&first.root_hash, &second.root_hash).unwrap();
    // Records: from the start without a query; pages follow `next`.
    let all = regulator
        .log_records(&RecordsQuery::default())
        .await
        .unwrap();
    assert_eq!(all.records.len() as u64, second.tree_size);
    assert_eq!(all.next, None);
    assert_eq!(
        all.records[0].record.credentials[0].disclosed_attributes,
        ["holder_name"]
    );
    assert_eq!(
        all.records[0].record.credentials[0].proven[0].attribute,
        "valid_until"
    );
    let page = regulator
        .log_records(&RecordsQuery {
            start: Some(2),
            end: None,
            limit: Some(5),
        })
        .await
        .unwrap();
    assert_eq!(page.records.len(), 5);
    assert_eq!(page.records[0].record.sequence, 2);
    assert_eq!(page.next, Some(7));
    let (s, v) = c.get("/v1/log/records", REGULATOR).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["records"].as_array().unwrap().len() as u64,
        second.tree_size
    );
    let (export, text) = regulator.export().await.unwrap();
    assert!(!text.contains("张三"), "no attribute value in the log");
    let report = verify_export(&export, &key).unwrap();
    assert_eq!(report.records, second.tree_size);

    // Policy versions and retirement.
    let v2 = policy_doc(2, &["holder_name", "sex"]);
    let (s, v) = c
        .post(&format!("/v1/policies/{POLICY}/versions"), ADMIN, &v2)
        .await;
    assert_eq!((s, v["version"].as_u64()), (StatusCode::CREATED, Some(2)));
    let request = challenge(&c, HOTEL).await;
    assert_eq!(
        request["credentials"][0]["disclose"],
        json!(["holder_name", "sex"])
    );
    assert_eq!(
        request["credentials"][0]["statements"][0]["attribute"],
        "valid_until"
    );
    let (s, v) = c
        .post(&format!("/v1/policies/{POLICY}/versions"), ADMIN, &v2)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("document_version_conflict"))
    );
    let (s, _) = c
        .post("/v1/challenges", BAR, &json!({ "policy": POLICY }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another verifier's policy");
    let (s, _) = c
        .post(&format!("/v1/policies/{POLICY}/retire"), ADMIN, &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = c
        .post("/v1/challenges", HOTEL, &json!({ "policy": POLICY }))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("policy_retired"))
    );

    // Metrics.
    let (s, _, text) = c.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("zkcred_decisions_total{outcome=\"accepted\",reason=\"ok\"}"));
    assert!(text.contains("zkcred_decisions_total{outcome=\"refused\",reason=\"proof_invalid\"}"));
    assert!(text.contains("zkcred_challenge_refusals_total{code=\"challenge_replayed\"} 3"));
    assert!(text.contains("zkcred_verification_seconds_count"));
    assert!(text.contains("zkcred_key_cache_hits_total"));
    assert!(text.contains("route=\"/v1/presentations\",method=\"POST\",status=\"200\""));

    // Restart on the same database: nothing lost.
    let size = second.tree_size;
    server.shutdown().await.unwrap();
    let (server, c) = start(config()).await;
    let (_, v) = c.get("/v1/log/head", REGULATOR).await;
    assert_eq!(v["tree_size"].as_u64(), Some(size));
    assert_eq!(v["log_public_key"].as_str(), Some(key.to_hex().as_str()));
    let (_, v) = c.get(&format!("/v1/policies/{POLICY}"), ADMIN).await;
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    let (s, v) = c
        .post(
            &format!("/v1/policies/{POLICY}/versions"),
            ADMIN,
            &policy_doc(3, &["holder_name"]),
        )
        .await;
    assert_eq!((s, v["version"].as_u64()), (StatusCode::CREATED, Some(3)));
    let sub = answered(&c, &next, |_| {}).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["log_sequence"].as_u64(), Some(size));
    let (_, v) = c.post("/v1/log/head", REGULATOR, &json!({})).await;
    let third: SignedTreeHead = serde_json::from_value(v).unwrap();
    let (_, v) = c
        .get(
            &format!(
                "/v1/log/consistency?old_size={}&new_size={}",
                second.tree_size, third.tree_size
            ),
            REGULATOR,
        )
        .await;
    let proof: ConsistencyProof = serde_json::from_value(v).unwrap();
    proof.verify(&second.root_hash, &third.root_hash).unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_challenge_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.challenges.ttl_secs = 1;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let request = challenge(&c, HOTEL).await;
    let p = h.present(&request);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, v) = c
        .post("/v1/presentations", HOTEL, &submission(&request, &p))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::GONE, Some("challenge_expired"))
    );
    server.shutdown().await.unwrap();
}

async fn concurrent_presentations(batching: bool) {
    const N: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.batch.enabled = batching;
    cfg.batch.max_wait_us = 2000;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let mut subs = Vec::new();
    for _ in 0..N {
        subs.push(answered(&c, &h, |_| {}).await);
    }
    let c = std::sync::Arc::new(c);
    let tasks: Vec<_> = subs
        .into_iter()
        .map(|sub| {
            let c = std::sync::Arc::clone(&c);
            tokio::spawn(async move { c.post("/v1/presentations", HOTEL, &sub).await })
        })
        .collect();
    let mut sequences = Vec::new();
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        sequences.push(v["log_sequence"].as_u64().unwrap());
    }
    sequences.sort_unstable();
    assert_eq!(sequences, (0..N as u64).collect::<Vec<_>>());
    let (_, _, text) = c.raw(Method::GET, "/metrics", None, None).await;
    let batches = text
        .lines()
        .find_map(|l| l.strip_prefix("zkcred_batch_size_count "))
        .unwrap()
        .parse::<u64>()
        .unwrap();
    if batching {
        assert!((1..=N as u64).contains(&batches), "{batches}");
    } else {
        assert_eq!(batches, 0);
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_presentations_batched() {
    concurrent_presentations(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_presentations_unbatched() {
    concurrent_presentations(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_in_flight_requests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let body = answered(&c, &h, |_| {}).await.to_string();
    // A request whose head has arrived but whose body is still coming is in
    // flight when the shutdown starts.
    let mut conn = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST /v1/presentations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {HOTEL}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!stopping.is_finished(), "shutdown waits for the request");
    conn.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    stopping.await.unwrap().unwrap();
    // The decision was logged before the answer, and shutdown signed a head
    // covering it.
    let (server, c) = start(config(dir.path())).await;
    let (_, v) = c.get("/v1/log/head", REGULATOR).await;
    assert_eq!(v["tree_size"], 1);
    assert_eq!(v["signed_head"]["tree_size"], 1);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_administration() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let sub = answered(&c, &h, |_| {}).await;
    assert_eq!(
        c.post("/v1/presentations", HOTEL, &sub).await.0,
        StatusCode::OK
    );

    // Issuers: read, version, retire (its keys stop verifying at once).
    let v = c
        .role(REGULATOR)
        .versions(DocKind::Issuer, ISSUER)
        .await
        .unwrap();
    assert_eq!(v.latest.map(|d| d.version), Some(1));
    assert_eq!(
        problem(c.role(ADMIN).versions(DocKind::Issuer, "nobody").await),
        (404, "issuer_not_found".into())
    );
    let mut renamed = issuer_doc(ISSUER);
    renamed["name_en"] = json!("Xihu Public Security Bureau");
    let (s, v) = c
        .post(&format!("/v1/issuers/{ISSUER}/versions"), ADMIN, &renamed)
        .await;
    assert_eq!(
        (s, v["version"].as_u64()),
        (StatusCode::CREATED, Some(2)),
        "{v}"
    );
    let (s, v) = c
        .post(
            &format!("/v1/issuers/{OTHER_ISSUER}/versions"),
            ADMIN,
            &renamed,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let sub = answered(&c, &h, |_| {}).await;
    assert_eq!(
        c.post("/v1/presentations", HOTEL, &sub).await.0,
        StatusCode::OK
    );
    let d = c.role(ADMIN).retire(DocKind::Issuer, ISSUER).await.unwrap();
    assert_eq!(d.status, zkcred_api::DocumentStatus::Retired);
    let sub = answered(&c, &h, |_| {}).await;
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_issuer"))
    );
    let (s, v) = c
        .post(
            &format!("/v1/issuers/{ISSUER}/keys"),
            ADMIN,
            &holder(ISSUER).public_key(),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("issuer_retired"))
    );
    // A key of another issuer is refused.
    let (s, v) = c
        .post(
            &format!("/v1/issuers/{ISSUER}/keys"),
            ADMIN,
            &holder(OTHER_ISSUER).public_key(),
        )
        .await;
    assert_eq!(s.as_u16() / 100, 4, "{v}");

    // Agreements: list, version, retire.
    let (s, v) = c.get("/v1/agreements", ADMIN).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let mut agreement = json!({
        "id": "zj-sh-test",
        "name_zh": "浙沪测试互认",
        "name_en": "Zhejiang-Shanghai test recognition",
        "members": ["330000", "310000"],
        "effective_from": "2024-01-01",
        "source": "test",
        "types": [{ "type": "resident_id_card", "assumed": true }],
    });
    assert_eq!(
        c.post("/v1/agreements", ADMIN, &agreement).await.0,
        StatusCode::CREATED
    );
    agreement["effective_until"] = json!("2030-12-31");
    let (s, v) = c
        .post("/v1/agreements/zj-sh-test/versions", ADMIN, &agreement)
        .await;
    assert_eq!(
        (s, v["version"].as_u64()),
        (StatusCode::CREATED, Some(2)),
        "{v}"
    );
    let (s, v) = c
        .post("/v1/agreements/zj-sh-test/retire", ADMIN, &json!({}))
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("retired")));
    let (s, v) = c.get("/v1/agreements", REGULATOR).await;
    assert_eq!(
        (s, v[0]["status"].as_str()),
        (StatusCode::OK, Some("retired"))
    );
    let (s, _) = c
        .post("/v1/agreements/zj-sh-test/retire", HOTEL, &json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    server.shutdown().await.unwrap();
}

/// Methods and paths are client input: whatever is sent, the request
/// counter's labels stay within route templates, known methods and statuses
/// (random 60 KB methods once grew `/metrics` to hundreds of megabytes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_methods_and_paths_leave_metrics_bounded() {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let mut rng = rand::thread_rng();
    for i in 0..300 {
        let len = rng.gen_range(1000..8000);
        let method: String = (0..len)
            .map(|_| char::from(rng.gen_range(b'A'..=b'Z')))
            .collect();
        let segment: String = (&mut rng)
            .sample_iter(Alphanumeric)
            .take(len)
            .map(char::from)
            .collect();
        let path = match i % 3 {
            0 => format!("/{segment}"),
            1 => format!("/v1/issuers/{segment}"),
            _ => format!("/v1/issuers/{segment}/keys/{segment}/revoke"),
        };
        let method = if i % 4 == 0 {
            Method::GET
        } else {
            Method::from_bytes(method.as_bytes()).unwrap()
        };
        let (s, _, _) = c.raw(method, &path, None, None).await;
        assert!(s.is_client_error(), "{s}");
    }
    let (s, _, text) = c.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("zkcred_http_requests_total{"))
        .collect();
    assert!(
        (3..=10).contains(&series.len()),
        "{} request series: {series:?}",
        series.len()
    );
    assert!(series.iter().all(|l| l.len() < 200), "{series:?}");
    assert!(text.len() < 16 * 1024, "/metrics is {} bytes", text.len());
    assert!(text.contains("route=\"unmatched\",method=\"other\",status=\"404\""));
    assert!(text.contains("route=\"/v1/issuers/{id}\",method=\"other\",status=\"405\""));
    server.shutdown().await.unwrap();
}
