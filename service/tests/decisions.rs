//! Issue 12, defect 4: whatever times out, a presentation whose challenge
//! was consumed ends in exactly one logged decision, and the client can
//! learn it (`GET /v1/presentations/decisions/{challenge}`, or the identical
//! resubmission with the same `Idempotency-Key`). Real server on loopback, real SQLite; storage stalls are
//! made the way they happen in production: another connection holds the
//! database's write lock (a backup, an operator's shell), so the log
//! writer's appends wait.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use zkcred_api::{decision_path, RecordsQuery};
use zkcred_translog::Outcome;

mod common;

use common::*;

/// Holds SQLite's write lock on the service's database until ended, so
/// every append of the disclosure log waits (within the service's busy
/// timeout, 5 s).
struct Stall(rusqlite::Connection);

impl Stall {
    fn begin(dir: &Path) -> Stall {
        let conn = rusqlite::Connection::open(dir.join("zkcred.db")).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        Stall(conn)
    }

    fn end(self) {
        self.0.execute_batch("ROLLBACK").unwrap();
    }
}

fn challenge_of(sub: &Value) -> String {
    sub["request"]["challenge"].as_str().unwrap().to_owned()
}

/// The `Idempotency-Key` the tests' client chose for a submission.
fn key_of(sub: &Value) -> String {
    format!("retry-{}", &challenge_of(sub)[..16])
}

/// The decision held at `url`, once taken (a `timeout` of the lookup
/// itself, under a very short request timeout, is asked again).
async fn decided(c: &Client, url: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (s, v) = c.get(url, HOTEL).await;
        match s {
            StatusCode::OK => {
                assert_eq!(v["state"], "decided", "{v}");
                return v["result"].clone();
            }
            StatusCode::ACCEPTED => assert_eq!(v["state"], "pending", "{v}"),
            StatusCode::SERVICE_UNAVAILABLE if v["code"] == "timeout" => {}
            _ => panic!("{url}: {s} {v}"),
        }
        assert!(Instant::now() < deadline, "{url} still pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every record of the log, read with the regulator's token.
async fn records(c: &Client) -> Vec<zkcred_api::LogEntry> {
    let page = c
        .role(REGULATOR)
        .log_records(&RecordsQuery {
            start: None,
            end: None,
            limit: Some(1000),
        })
        .await
        .unwrap();
    assert_eq!(page.next, None);
    page.records
}

/// Posts every submission at once from its own task, each with its own
/// `Idempotency-Key`.
async fn post_all(c: &Arc<Client>, path: &str, bodies: &[Value]) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = bodies
        .iter()
        .map(|b| {
            let (c, b, path) = (Arc::clone(c), b.clone(), path.to_owned());
            tokio::spawn(async move { c.post_keyed(&path, HOTEL, &key_of(&b), &b).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The defect's first reproduction, scaled down: a storage stall longer
/// than the request timeout. Every client gets 503 `timeout` naming where
/// its decision is; it is `pending` while the stall lasts (an identical
/// retry with the same `Idempotency-Key` then times out again, still not
/// `challenge_replayed`); afterwards each client learns its decision by GET
/// and by the identical retry, the answers agree with the log, the log
/// holds exactly one record per challenge, and a different body, or the
/// identical body without the key, on a consumed challenge is
/// `challenge_replayed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_stall_longer_than_the_timeout_loses_no_decision() {
    const N: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.request_timeout_ms = 400;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let mut subs = Vec::new();
    for _ in 0..N {
        subs.push(answered(&c, &h, |_| {}).await);
    }
    let c = Arc::new(c);

    let stall = Stall::begin(dir.path());
    let answers = post_all(&c, "/v1/presentations", &subs).await;
    for (sub, (s, v)) in subs.iter().zip(&answers) {
        assert_eq!(
            (*s, v["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")),
            "{v}"
        );
        assert_eq!(v["decision_url"], decision_path(&challenge_of(sub)), "{v}");
    }
    // While the stall lasts: pending, for its verifier only.
    let hotel = c.role(HOTEL);
    for sub in &subs {
        let held = hotel.decision(&challenge_of(sub)).await.unwrap();
        assert_eq!((held.state.as_str(), held.result), ("pending", None));
    }
    let url = decision_path(&challenge_of(&subs[0]));
    let (s, v) = c.get(&url, BAR).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("decision_unknown"))
    );
    let (s, v) = c.get(&decision_path(&"00".repeat(32)), HOTEL).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("decision_unknown"))
    );
    let (s, v) = c.get(&decision_path("zz"), HOTEL).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_malformed"))
    );
    let (s, v) = c
        .post_keyed("/v1/presentations", HOTEL, &key_of(&subs[0]), &subs[0])
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")),
        "{v}"
    );
    assert_eq!(v["decision_url"], url);
    stall.end();

    let mut sequences = Vec::new();
    for sub in &subs {
        let url = decision_path(&challenge_of(sub));
        let result = decided(&c, &url).await;
        assert_eq!(result["status"], 200, "{result}");
        let accepted = &result["decision"];
        assert_eq!(accepted["decision"], "accepted");
        let seq = accepted["log_sequence"].as_u64().unwrap();
        // The identical submission with the same key answers the same
        // decision; without the key it is a replay.
        let (s, again) = c
            .post_keyed("/v1/presentations", HOTEL, &key_of(sub), sub)
            .await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(&again, accepted);
        let (s, v) = c.post("/v1/presentations", HOTEL, sub).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::CONFLICT, Some("challenge_replayed")),
            "{v}"
        );
        sequences.push(seq);
    }
    // Another body on a consumed challenge: replayed, nothing logged.
    let other = submission(&subs[0]["request"], &h.present(&subs[0]["request"]));
    assert_ne!(other, subs[0]);
    let (s, v) = c.post("/v1/presentations", HOTEL, &other).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed")),
        "{v}"
    );
    let (s, v) = c.post("/v1/presentations", BAR, &subs[1]).await;
    assert_eq!(s.as_u16() / 100, 4, "{v}");
    assert_ne!(v["decision"], "accepted");

    let log = records(&c).await;
    assert_eq!(log.len(), N, "exactly one record per consumed challenge");
    sequences.sort_unstable();
    assert_eq!(sequences, (0..N as u64).collect::<Vec<_>>());
    assert!(log.iter().all(|e| e.record.outcome == Outcome::Accepted));
    server.shutdown().await.unwrap();
}

/// The defect's second reproduction: a 25 ms request timeout, no stall.
/// Whichever requests time out, every challenge that was consumed ends in
/// exactly one record, and its decision can be learnt; a challenge that
/// was not consumed has none and stays answerable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_very_short_timeout_burns_no_challenge_without_a_record() {
    const N: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let h = holder(ISSUER);
    {
        let (server, c) = start(config(dir.path())).await;
        setup(&c, &h).await;
        server.shutdown().await.unwrap();
    }
    let mut cfg = config(dir.path());
    cfg.limits.request_timeout_ms = 25;
    let (server, c) = start(cfg).await;
    let mut subs = Vec::new();
    while subs.len() < N {
        // Issuing may time out too: that spends nothing.
        if let Ok(issued) = c.role(HOTEL).challenge(POLICY).await {
            let request = serde_json::to_value(issued.request).unwrap();
            subs.push(submission(&request, &h.present(&request)));
        }
    }
    let c = Arc::new(c);
    let answers = post_all(&c, "/v1/presentations", &subs).await;

    let (mut consumed, mut timed_out) = (Vec::new(), 0);
    for (sub, (s, v)) in subs.iter().zip(&answers) {
        let url = decision_path(&challenge_of(sub));
        match (*s, v["code"].as_str()) {
            (StatusCode::OK, _) => {
                assert_eq!(decided(&c, &url).await["decision"], *v);
                consumed.push(v["log_sequence"].as_u64().unwrap());
            }
            (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")) => {
                timed_out += 1;
                if v.get("decision_url").is_some() {
                    assert_eq!(v["decision_url"], url);
                    let result = decided(&c, &url).await;
                    assert_eq!(result["status"], 200, "{result}");
                    consumed.push(result["decision"]["log_sequence"].as_u64().unwrap());
                } else {
                    // Not consumed: nothing held, nothing logged.
                    let (s, v) = c.get(&url, HOTEL).await;
                    if s != StatusCode::SERVICE_UNAVAILABLE {
                        assert_eq!(v["code"], "decision_unknown", "{v}");
                    }
                }
            }
            _ => panic!("unexpected answer {s} {v}"),
        }
    }
    eprintln!(
        "{timed_out} of {N} requests timed out; {} decisions",
        consumed.len()
    );
    server.shutdown().await.unwrap();

    let (server, c) = start(config(dir.path())).await;
    let log = records(&c).await;
    consumed.sort_unstable();
    assert_eq!(
        consumed,
        (0..log.len() as u64).collect::<Vec<_>>(),
        "one record per consumed challenge, each as answered"
    );
    assert!(log.iter().all(|e| e.record.outcome == Outcome::Accepted));
    server.shutdown().await.unwrap();
}

/// The batch endpoint: a stalled batch times out naming every decision it
/// started; each is then learnt by GET and by the identical batch, and the
/// log holds one record per item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_batch_loses_no_decision() {
    const M: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.request_timeout_ms = 400;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let mut subs = Vec::new();
    for _ in 0..M {
        subs.push(answered(&c, &h, |_| {}).await);
    }
    let batch = json!({ "items": subs });

    let stall = Stall::begin(dir.path());
    let (s, v) = c
        .post_keyed("/v1/presentations/batch", HOTEL, "batch-1", &batch)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")),
        "{v}"
    );
    let mut urls: Vec<String> = serde_json::from_value(v["decision_urls"].clone()).unwrap();
    let mut expected: Vec<String> = subs
        .iter()
        .map(|s| decision_path(&challenge_of(s)))
        .collect();
    urls.sort();
    expected.sort();
    assert_eq!(urls, expected);
    stall.end();

    let mut sequences = Vec::new();
    for sub in &subs {
        let result = decided(&c, &decision_path(&challenge_of(sub))).await;
        assert_eq!(result["status"], 200, "{result}");
        sequences.push(result["decision"]["log_sequence"].as_u64().unwrap());
    }
    let (s, again) = c
        .post_keyed("/v1/presentations/batch", HOTEL, "batch-1", &batch)
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    let replayed: Vec<u64> = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["status"], 200, "{r}");
            r["decision"]["log_sequence"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(
        replayed, sequences,
        "the identical batch answers the same decisions"
    );
    sequences.sort_unstable();
    assert_eq!(sequences, (0..M as u64).collect::<Vec<_>>());
    assert_eq!(records(&c).await.len(), M);
    server.shutdown().await.unwrap();
}

/// A graceful stop waits for the decisions whose requests timed out: they
/// are logged, and the last signed head covers them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_waits_for_decisions_whose_requests_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.request_timeout_ms = 300;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let sub = answered(&c, &h, |_| {}).await;

    let stall = Stall::begin(dir.path());
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("timeout")),
        "{v}"
    );
    drop(c);
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the stop waits for the decision");
    stall.end();
    stopping.await.unwrap().unwrap();

    let (server, c) = start(config(dir.path())).await;
    let (_, v) = c.get("/v1/log/head", REGULATOR).await;
    assert_eq!(v["tree_size"], 1, "{v}");
    assert_eq!(v["signed_head"]["tree_size"], 1, "{v}");
    let log = records(&c).await;
    assert_eq!(log[0].record.outcome, Outcome::Accepted);
    server.shutdown().await.unwrap();
}

/// The client gives up (its own timeout closes the connection) while the
/// server, with its default 10 s timeout, is still deciding: the decision
/// is taken, logged once, and learnt afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_gives_up_still_gets_its_decision() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let sub = answered(&c, &h, |_| {}).await;
    let impatient = zkcred_api::client::Client::builder(&format!("http://{}", server.local_addr()))
        .token(HOTEL)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let typed: zkcred_api::Submission = serde_json::from_value(sub.clone()).unwrap();

    let stall = Stall::begin(dir.path());
    match impatient.submit_idempotent(&typed, &key_of(&sub)).await {
        Err(zkcred_api::client::ClientError::Transport(e)) => assert!(e.is_timeout(), "{e}"),
        other => panic!("expected the client's own timeout, got {other:?}"),
    }
    let held = c.role(HOTEL).decision(&challenge_of(&sub)).await.unwrap();
    assert_eq!(held.state, "pending");
    stall.end();

    let result = decided(&c, &decision_path(&challenge_of(&sub))).await;
    assert_eq!(result["status"], 200, "{result}");
    assert_eq!(result["decision"]["log_sequence"], 0);
    let (s, again) = c
        .post_keyed("/v1/presentations", HOTEL, &key_of(&sub), &sub)
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &result["decision"]));
    assert_eq!(records(&c).await.len(), 1);
    server.shutdown().await.unwrap();
}
