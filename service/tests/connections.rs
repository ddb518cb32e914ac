//! Connection limits under abuse (issue 12, defect 2 "Idle connections lock
//! everyone out", and the connection limits of "Limits documented and
//! tested"): a real server on an ephemeral loopback port, raw TCP clients
//! that go silent, trickle their head, idle, send oversized heads or sit
//! mid-request while the server stops. Timeouts are set short here so each
//! test takes a few seconds.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zkcred_service::cache::CacheStats;
use zkcred_service::http::metrics::Format;
use zkcred_service::http::{Config, RunningServer};
use zkcred_service::storage::Storage;
use zkcred_translog::record::now_timestamp;
use zkcred_translog::{CredentialDisclosure, DisclosureEvent, Outcome, PolicyRef};

mod common;

use common::*;

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: t\r\n\r\n";

fn config_with(dir: &std::path::Path, set: impl FnOnce(&mut Config)) -> Config {
    let mut c = config(dir);
    set(&mut c);
    c
}

/// A metric's value in the server's exposition (0 if absent).
fn metric(server: &RunningServer, series: &str) -> f64 {
    let text = server
        .state()
        .metrics
        .render(Format::Prometheus, CacheStats::default(), Some(0));
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

/// Reads until the server closes the connection (EOF or reset); returns
/// what was read, or None if it is still open after `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok()?;
    Some(got)
}

/// Reads one answer (head and a `content-length` body) off a keep-alive
/// connection; returns its head.
async fn read_answer(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(
            n > 0,
            "closed before the answer: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if got.len() >= end + 4 + len {
            return head;
        }
    }
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// Defect 2: silent sockets (connected, nothing sent) held every slot of a
/// small cap; they are reaped by the header timeout, the cap is never
/// exceeded (the loop waits instead of accepting), and /healthz, queued
/// behind them, is answered once they are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_reaped_and_healthz_answers_again() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_millis(600);
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.max = 4;
        c.connections.header_timeout_ms = 600;
    }))
    .await;
    let addr = server.local_addr();
    let mut silent = Vec::new();
    for _ in 0..12 {
        silent.push(connect(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(metric(&server, "zkcred_connections_open"), 4.0);
    assert!(metric(&server, "zkcred_connection_slot_waits_total") >= 1.0);

    // Three rounds of four silent sockets are ahead of it.
    let started = Instant::now();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(8))
        .build()
        .unwrap();
    let r = http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        took >= timeout * 2 && took < timeout * 3 + Duration::from_millis(1500),
        "/healthz answered after {took:?}"
    );
    for s in &mut silent {
        let got = closed_within(s, Duration::from_secs(2)).await;
        assert_eq!(got.as_deref(), Some(&[][..]), "silent socket not closed");
    }
    assert_eq!(
        metric(
            &server,
            "zkcred_connections_dropped_total{reason=\"header_timeout\"}"
        ),
        12.0
    );
    server.shutdown().await.unwrap();
}

/// Defect 2: a client trickling its head a byte at a time is dropped at
/// the header timeout, counted from the accept; its bytes do not extend it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_sent_byte_by_byte_is_dropped_at_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.header_timeout_ms = 800;
    }))
    .await;
    let s = connect(server.local_addr()).await;
    let started = Instant::now();
    let (mut rx, mut tx) = s.into_split();
    let trickle = tokio::spawn(async move {
        let head = b"GET /healthz HTTP/1.1\r\nhost: t\r\nx-slow: ".iter();
        for b in head.chain(std::iter::repeat(&b'a')).take(100) {
            if tx.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(4), rx.read(&mut buf))
        .await
        .expect("the server closed the connection")
        .unwrap_or(0);
    let took = started.elapsed();
    assert_eq!(n, 0, "no answer to a head that never ended");
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_millis(2000),
        "closed after {took:?}"
    );
    trickle.abort();
    assert_eq!(
        metric(
            &server,
            "zkcred_connections_dropped_total{reason=\"header_timeout\"}"
        ),
        1.0
    );
    server.shutdown().await.unwrap();
}

/// The idle timeout between keep-alive requests is its own: longer than
/// the header timeout here, it keeps a connection that idles past the
/// header timeout, and closes it once it idled for the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.header_timeout_ms = 400;
        c.connections.idle_timeout_ms = 1500;
    }))
    .await;
    let mut s = connect(server.local_addr()).await;
    s.write_all(HEALTHZ).await.unwrap();
    assert!(read_answer(&mut s).await.starts_with("http/1.1 200"));
    tokio::time::sleep(Duration::from_millis(900)).await;
    s.write_all(HEALTHZ).await.unwrap();
    assert!(read_answer(&mut s).await.starts_with("http/1.1 200"));
    let idle = Instant::now();
    let got = closed_within(&mut s, Duration::from_secs(4)).await;
    let took = idle.elapsed();
    assert_eq!(got.as_deref(), Some(&[][..]));
    assert!(
        took >= Duration::from_millis(1300) && took < Duration::from_millis(2500),
        "closed after {took:?}"
    );
    assert_eq!(
        metric(
            &server,
            "zkcred_connections_dropped_total{reason=\"idle_timeout\"}"
        ),
        1.0
    );
    server.shutdown().await.unwrap();
}

/// A request head over `connections.max_header_bytes` is answered 431 by
/// hyper and the connection is closed; one under it is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_is_refused_with_431() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.max_header_bytes = 2048;
    }))
    .await;
    let head = |pad: usize| {
        format!(
            "GET /healthz HTTP/1.1\r\nhost: t\r\nx-pad: {}\r\n\r\n",
            "a".repeat(pad)
        )
    };
    let mut s = connect(server.local_addr()).await;
    s.write_all(head(1500).as_bytes()).await.unwrap();
    assert!(read_answer(&mut s).await.starts_with("http/1.1 200"));

    let mut s = connect(server.local_addr()).await;
    s.write_all(head(4000).as_bytes()).await.unwrap();
    let got = closed_within(&mut s, Duration::from_secs(3)).await.unwrap();
    let text = String::from_utf8_lossy(&got).to_lowercase();
    assert!(
        text.starts_with("http/1.1 431 request header fields too large"),
        "{text}"
    );
    assert_eq!(
        metric(
            &server,
            "zkcred_connections_dropped_total{reason=\"head_too_large\"}"
        ),
        1.0
    );
    server.shutdown().await.unwrap();
}

fn event() -> DisclosureEvent {
    DisclosureEvent {
        timestamp: now_timestamp(),
        verifier: "hotel.example".into(),
        policy: PolicyRef {
            id: POLICY.into(),
            version: 1,
        },
        credentials: vec![CredentialDisclosure {
            credential_type: "resident_id_card".into(),
            disclosed_attributes: vec!["holder_name".into()],
            issuer: ISSUER.into(),
            proven: Vec::new(),
            status_epoch: None,
        }],
        outcome: Outcome::Accepted,
        reason: "ok".into(),
    }
}

/// Grows the log by `n` records with no head signed over them.
async fn grow_log(server: &RunningServer, n: usize) {
    let log = std::sync::Arc::clone(&server.state().log);
    tokio::task::spawn_blocking(move || log.append(&vec![event(); n]).unwrap())
        .await
        .unwrap();
}

/// A request whose head is in and whose body is not: the handler waits for
/// the body.
async fn request_under_way(addr: SocketAddr) -> TcpStream {
    let mut s = connect(addr).await;
    let head = format!(
        "POST /v1/presentations HTTP/1.1\r\nhost: t\r\nauthorization: Bearer {HOTEL}\r\n\
         content-type: application/json\r\ncontent-length: 20\r\n\r\n{{\"pol"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s
}

/// Defect 2: a graceful stop no longer hangs on a client inside its
/// request head. Idle, silent and half-sent connections are closed at once;
/// a request under way finishes and gets its answer; the stop then signs
/// the last head over the records appended before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_idle_and_half_sent_connections_at_once_and_lets_requests_finish() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_secs(5);
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.header_timeout_ms = 30_000;
        c.connections.idle_timeout_ms = 30_000;
        c.connections.shutdown_grace_ms = 5000;
    }))
    .await;
    let addr = server.local_addr();
    let state = std::sync::Arc::clone(server.state());
    grow_log(&server, 3).await;

    let mut idle = connect(addr).await;
    idle.write_all(HEALTHZ).await.unwrap();
    assert!(read_answer(&mut idle).await.starts_with("http/1.1 200"));
    let mut half = connect(addr).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost: t\r\n")
        .await
        .unwrap();
    let mut silent = connect(addr).await;
    let mut busy = request_under_way(addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let stopping = tokio::spawn(server.shutdown());
    for (name, s) in [
        ("idle", &mut idle),
        ("half", &mut half),
        ("silent", &mut silent),
    ] {
        let got = closed_within(s, Duration::from_secs(1)).await;
        assert_eq!(got.as_deref(), Some(&[][..]), "{name} not closed at once");
    }
    // The request under way is not cut: it gets its answer once its body
    // is in, with the connection closed after it.
    assert!(closed_within(&mut busy, Duration::from_millis(300))
        .await
        .is_none());
    busy.write_all(b"icy\": 1, \"x\": 2}   ").await.unwrap();
    let answer = closed_within(&mut busy, Duration::from_secs(3))
        .await
        .expect("answered and closed");
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 4"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");

    tokio::time::timeout(grace, stopping)
        .await
        .expect("the stop finished within the grace period")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < grace);
    let head = state.log.storage().latest_tree_head().unwrap().unwrap();
    assert_eq!(head.tree_size, 3);
}

/// Defect 2: whatever is still under way when the grace period ends is
/// cut, so the stop always reaches the final signed head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_cuts_what_is_left_after_the_grace_period_and_signs_the_last_head() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_millis(1000);
    let (server, _c) = start(config_with(dir.path(), |c| {
        c.connections.header_timeout_ms = 30_000;
        c.connections.idle_timeout_ms = 30_000;
        c.connections.shutdown_grace_ms = 1000;
    }))
    .await;
    let addr = server.local_addr();
    let state = std::sync::Arc::clone(server.state());
    grow_log(&server, 2).await;
    let mut half = connect(addr).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost: t\r\n")
        .await
        .unwrap();
    let mut busy = request_under_way(addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    tokio::time::timeout(grace * 4, server.shutdown())
        .await
        .expect("the stop did not hang")
        .unwrap();
    let took = started.elapsed();
    assert!(took >= grace - Duration::from_millis(100), "{took:?}");
    assert!(closed_within(&mut busy, Duration::from_millis(500))
        .await
        .is_some());
    assert!(closed_within(&mut half, Duration::from_millis(500))
        .await
        .is_some());
    let head = state.log.storage().latest_tree_head().unwrap().unwrap();
    assert_eq!(head.tree_size, 2);
    let text = state
        .metrics
        .render(Format::Prometheus, CacheStats::default(), Some(0));
    assert!(
        text.contains("zkcred_connections_dropped_total{reason=\"shutdown_grace_expired\"} 1"),
        "{text}"
    );
}

/// An answer given before the request's body was read (here a declared
/// length over `limits.body_bytes`) says `connection: close`: hyper closes
/// such a connection rather than drain the body, and a client that reused
/// it would lose its next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_body_was_read_closes_the_connection_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _c) = start(config(dir.path())).await;
    let mut s = connect(server.local_addr()).await;
    s.write_all(HEALTHZ).await.unwrap();
    let head = read_answer(&mut s).await;
    assert!(!head.contains("connection: close"), "{head}");
    let mut request = format!(
        "POST /v1/challenges HTTP/1.1\r\nhost: t\r\nauthorization: Bearer {HOTEL}\r\n\
         content-type: application/json\r\ncontent-length: 100000\r\n\r\n"
    )
    .into_bytes();
    request.extend(std::iter::repeat_n(b' ', 100_000));
    s.write_all(&request).await.unwrap();
    let head = read_answer(&mut s).await;
    assert!(head.starts_with("http/1.1 413"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(closed_within(&mut s, Duration::from_secs(2))
        .await
        .is_some());
    server.shutdown().await.unwrap();
}
