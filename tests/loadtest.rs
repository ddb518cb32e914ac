//! `zkcred loadtest` in process, briefly and at a low rate: every
//! presentation must be accepted. Against two nodes sharing one store, the
//! load is spread over both, every presentation crossing to the node that
//! did not issue its challenge.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use zkcred::cmd::loadtest::{run, LoadtestArgs, Scene, Switch};
use zkcred_service::http::{Config, Role, Server, TokenConfig};

fn short(batching: Switch) -> LoadtestArgs {
    LoadtestArgs {
        duration: 2.0,
        rate: 40,
        connections: 8,
        credentials: 2,
        batching,
        ..LoadtestArgs::default()
    }
}

fn check(batching: Switch) {
    let report = run(&short(batching)).unwrap();
    let text = report.to_text();
    assert_eq!(report.prepared, 80, "{text}");
    assert_eq!(report.sent, 80, "{text}");
    assert!(report.errors.is_empty(), "{text}");
    assert_eq!(report.accepted, 80, "{text}");
    assert!(report.latency_ms.p50 > 0.0, "{text}");
    assert_eq!(report.batching, Some(batching == Switch::On));
    let server = report.server.as_ref().expect("metrics were read");
    if batching == Switch::On {
        assert!(server.batches >= 1.0, "{text}");
    } else {
        assert_eq!(server.batches, 0.0, "{text}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["accepted"], 80);
}

#[test]
fn loadtest_batched_accepts_everything() {
    check(Switch::On);
}

#[test]
fn loadtest_unbatched_accepts_everything() {
    check(Switch::Off);
}

/// The adults-only venue: every presentation a composite proof (age and
/// validity proven, nothing disclosed), all accepted.
#[test]
fn the_venue_scene_is_accepted_with_proven_predicates() {
    let args = LoadtestArgs {
        scene: Scene::Venue,
        ..short(Switch::On)
    };
    let report = run(&args).unwrap();
    let text = report.to_text();
    assert!(report.errors.is_empty(), "{text}");
    assert_eq!(report.accepted, 80, "{text}");
}

/// Two nodes over one SQLite file, their caches kept in step by the change
/// feed (notifications through the test PostgreSQL, `ZKCRED_TEST_POSTGRES`)
/// and their challenges in the test Redis (`ZKCRED_TEST_REDIS`, a prefix
/// of this run's): the load test waits for the second node to know what
/// setup registered on the first, fetches challenges from both in turn and
/// sends every presentation to the other node, which accepts it.
#[test]
fn two_nodes_share_the_load_and_every_presentation_crosses_over() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (admin, verifier) = ("loadtest-admin-0123456789", "loadtest-verifier-0123456789");
    let postgres = std::env::var("ZKCRED_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let redis =
        std::env::var("ZKCRED_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let channel = format!("zkcred_test_{:016x}", rand::random::<u64>());
    let prefix = format!("zkcred-loadtest:{:016x}:", rand::random::<u64>());
    let node = || {
        let mut c = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: dir.path().join("zkcred.db"),
            log_key: dir.path().join("log.key"),
            tokens: vec![
                TokenConfig::new("loadtest-admin", Role::Admin, admin),
                TokenConfig::new("loadtest.example", Role::Verifier, verifier),
            ],
            ..Config::default()
        };
        c.disclosure_log.sign_interval_secs = 0;
        c.coherence.enabled = Some(true);
        c.coherence.notify_url = Some(postgres.clone());
        c.coherence.channel = channel.clone();
        c.challenges.store = Some(redis.clone());
        c.challenges.redis_key_prefix = prefix.clone();
        runtime.block_on(Server::start(c)).unwrap()
    };
    let (a, b) = (node(), node());
    let urls = vec![
        format!("http://{}", a.local_addr()),
        format!("http://{}", b.local_addr()),
    ];
    let args = LoadtestArgs {
        url: urls.clone(),
        admin_token: Some(admin.into()),
        verifier_token: Some(verifier.into()),
        ..short(Switch::On)
    };
    let report = run(&args).unwrap();
    let text = report.to_text();
    eprintln!("{text}");
    assert_eq!(report.target, urls.join(", "));
    assert_eq!((report.prepared, report.sent), (80, 80), "{text}");
    assert_eq!(report.nodes.len(), 2, "{text}");
    for (n, url) in report.nodes.iter().zip(&urls) {
        assert_eq!(&n.url, url);
        assert_eq!((n.challenges, n.sent), (40, 40), "{text}");
        assert!(n.ready_ms >= 0.0 && n.ready_ms < 120_000.0, "{text}");
        assert_eq!(n.accepted, 40, "{text}");
        assert!(n.errors.is_empty(), "{text}");
    }
    assert_eq!(report.accepted, 80, "{text}");
    assert!(text.contains("node 1"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["nodes"][1]["sent"], 40);
    runtime.block_on(a.shutdown()).unwrap();
    runtime.block_on(b.shutdown()).unwrap();
}

#[test]
fn one_url_reports_no_nodes() {
    let report = run(&short(Switch::On)).unwrap();
    assert!(report.nodes.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("nodes").is_none());
    assert!(!report.to_text().contains("nodes "));
}
