//! The log export streamed a page at a time (issue 12, defect 8): a log of
//! 20,000 records is exported without a `Content-Length` (the document is
//! never built whole), in many bounded chunks, as the same verifiable
//! document; concurrent exports are bounded with 503 `log_export_busy`.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{HOTEL, REGULATOR};
use reqwest::header::{CONTENT_LENGTH, RETRY_AFTER};
use zkcred_translog::record::now_timestamp;
use zkcred_translog::{
    verify_export_bytes, CredentialDisclosure, DisclosureEvent, Outcome, PolicyRef,
};

const RECORDS: u64 = 20_000;

fn event(i: u64) -> DisclosureEvent {
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
        outcome: if i.is_multiple_of(5) {
            Outcome::Refused
        } else {
            Outcome::Accepted
        },
        reason: if i.is_multiple_of(5) {
            "proof_invalid"
        } else {
            "ok"
        }
        .into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_export_is_streamed_in_bounded_chunks_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.disclosure_log.max_concurrent_exports = 2;
    let (server, c) = common::start(config).await;
    let state = Arc::clone(server.state());
    let log = Arc::clone(&state.log);
    let head = tokio::task::spawn_blocking(move || {
        let events: Vec<DisclosureEvent> = (0..RECORDS).map(event).collect();
        for part in events.chunks(5_000) {
            log.append(part).unwrap();
        }
        log.sign_head().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(head.tree_size, RECORDS);
    let pk = state.log.public_key();

    let url = format!("http://{}/v1/log/export", server.local_addr());
    let http = reqwest::Client::new();
    let mut r = http.get(&url).bearer_auth(REGULATOR).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    // Streamed: the length is not known up front, so the whole document
    // was not built before answering.
    assert!(
        r.headers().get(CONTENT_LENGTH).is_none(),
        "the export was built whole: {:?}",
        r.headers().get(CONTENT_LENGTH)
    );
    let (mut body, mut chunks, mut largest) = (Vec::new(), 0usize, 0usize);
    while let Some(b) = r.chunk().await.unwrap() {
        chunks += 1;
        largest = largest.max(b.len());
        body.extend_from_slice(&b);
    }
    // 40 pages of 500 records (about 150 KB each) plus the opening and the
    // heads; a chunk never holds more than a page.
    let average = body.len() / RECORDS as usize;
    assert!(chunks >= 40, "{chunks} chunks");
    assert!(
        largest <= 600 * average.max(1) + 1024,
        "a chunk of {largest} bytes: more than a page of records"
    );
    let report = verify_export_bytes(&body, &pk, &[]).unwrap();
    assert_eq!(report.records, RECORDS);
    assert_eq!(report.signed_size, RECORDS);

    // The typed client reads the same stream.
    let mut s = c.role(REGULATOR).export_stream().await.unwrap();
    let mut again = Vec::new();
    while let Some(b) = s.chunk().await.unwrap() {
        again.extend_from_slice(&b);
    }
    assert_eq!(again, body);

    // A verifier may not export.
    let (status, v) = c.get("/v1/log/export", HOTEL).await;
    assert_eq!(
        (status.as_u16(), v["code"].as_str()),
        (403, Some("forbidden"))
    );

    // Both permits taken: the next export is refused, with Retry-After.
    let held = Arc::clone(&state.exports)
        .acquire_many_owned(2)
        .await
        .unwrap();
    let r = http.get(&url).bearer_auth(REGULATOR).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()[RETRY_AFTER], "1");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "log_export_busy");
    let (status, code) = common::problem(c.role(REGULATOR).export_stream().await);
    assert_eq!((status, code.as_str()), (503, "log_export_busy"));
    drop(held);

    // A reader that goes away releases its permit.
    let mut r = http.get(&url).bearer_auth(REGULATOR).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.chunk().await.unwrap();
    drop(r);
    let t0 = Instant::now();
    while state.exports.available_permits() < 2 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "permit never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown().await.unwrap();
}
