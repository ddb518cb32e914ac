//! `zkcred crashloop --nodes 3` over the machine's PostgreSQL and Redis:
//! three `zkcred serve` processes on one database, one log key and one
//! challenge store; presentations spread over the three (most answered at
//! a node that did not issue their challenge); in each cycle one node is
//! killed with `kill -9` mid-load while the others serve, and restarted.
//! Every acknowledged decision must be in the log with its outcome, every
//! head signed before a kill consistent with the heads after, and the
//! export verify — read at a different node each cycle and at all three
//! at the end.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::process::Command;

#[path = "../service/src/storage/postgres/test_db.rs"]
mod pg;

#[test]
fn three_nodes_survive_a_kill_9_each_cycle() {
    let db = pg::TestDb::new();
    let redis = pg::redis_url();
    let out = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args([
            "crashloop",
            "--nodes",
            "3",
            "--database",
            &db.url,
            "--challenges",
            &redis,
            "--cycles",
            "3",
            "--rate",
            "60",
            "--connections",
            "6",
            "--min-load-secs",
            "1",
            "--max-load-secs",
            "1.5",
            "--json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert!(out.status.success(), "{r:#}\n{stderr}");
    assert_eq!(r["failures"], serde_json::json!([]), "{r:#}");
    let cycles = r["per_cycle"].as_array().unwrap();
    assert_eq!(cycles.len(), 4, "{r:#}");
    // A node was killed in every loaded cycle, and the checks moved.
    for c in &cycles[..3] {
        assert!(c["killed"].as_u64().unwrap() < 3, "{r:#}");
    }
    let at: Vec<u64> = cycles[..3]
        .iter()
        .map(|c| c["checked_at"].as_u64().unwrap())
        .collect();
    assert_eq!(at, [0, 1, 2], "{r:#}");
    let acknowledged = r["acknowledged"].as_u64().unwrap();
    assert!(acknowledged > 0, "{r:#}");
    // The final checks ran at all three nodes, each over every decision.
    assert_eq!(cycles[3]["checked"], 3 * acknowledged, "{r:#}");
    assert!(cycles[3]["log_size"].as_u64().unwrap() >= acknowledged);
    assert!(r["heads_kept"].as_u64().unwrap() >= 6, "{r:#}");
}
