//! `zkcred soak` and `zkcred crashloop`, briefly: each starts `zkcred serve`
//! as a child process, and must pass and report what it measured.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::process::Command;

use serde_json::Value;

fn zkcred(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

#[test]
fn soak_sends_every_class_and_samples_memory() {
    let (code, r, stderr) = zkcred(&[
        "soak",
        "--duration",
        "3",
        "--rate",
        "30",
        "--connections",
        "4",
        "--credentials",
        "2",
        "--invalid",
        "0.25",
        "--malformed",
        "0.25",
        "--replayed",
        "0.25",
        "--sample-secs",
        "1",
        "--json",
    ]);
    assert_eq!(code, 0, "{r:#}\n{stderr}");
    assert_eq!(r["planned"], 90, "{r:#}");
    assert_eq!(r["sent"], 90, "{r:#}");
    assert_eq!(r["errors"], serde_json::json!({}), "{r:#}");
    assert!(r["producer_error"].is_null(), "{r:#}");
    // Each class sent and answered as it must be.
    let mut total = 0;
    for class in ["valid", "invalid", "malformed", "replayed"] {
        let c = &r["classes"][class];
        let sent = c["sent"]
            .as_u64()
            .unwrap_or_else(|| panic!("no {class}: {r:#}"));
        assert!(sent > 0, "{class}: {r:#}");
        assert_eq!(c["expected"], sent, "{class}: {r:#}");
        assert!(c["latency_ms"]["p50"].as_f64().unwrap() > 0.0, "{r:#}");
        assert!(
            c["latency_ms"]["p99"].as_f64().unwrap() >= c["latency_ms"]["p50"].as_f64().unwrap()
        );
        total += sent;
    }
    assert_eq!(total, 90);
    assert!(r["throughput"].as_f64().unwrap() > 15.0, "{r:#}");
    // The child's memory: at the start, about every second, at the end.
    let rss = r["rss"].as_array().unwrap();
    assert!(rss.len() >= 4, "{r:#}");
    assert!(
        rss.iter().all(|s| s["kib"].as_u64().unwrap() > 1024),
        "{r:#}"
    );
}

#[test]
fn crashloop_checks_acknowledged_decisions_after_each_kill() {
    let (code, r, stderr) = zkcred(&[
        "crashloop",
        "--cycles",
        "3",
        "--rate",
        "30",
        "--connections",
        "4",
        "--min-load-secs",
        "0.5",
        "--max-load-secs",
        "1",
        "--json",
    ]);
    assert_eq!(code, 0, "{r:#}\n{stderr}");
    assert_eq!(r["failures"], serde_json::json!([]), "{r:#}");
    assert_eq!(r["cycles"], 3);
    let cycles = r["per_cycle"].as_array().unwrap();
    // Three kills, and a check after each restart.
    assert_eq!(cycles.len(), 4, "{r:#}");
    let acknowledged = r["acknowledged"].as_u64().unwrap();
    assert!(acknowledged > 0, "{r:#}");
    // Every decision acknowledged before the last kill is checked after it.
    assert_eq!(cycles[3]["checked"], acknowledged, "{r:#}");
    assert!(
        cycles[3]["log_size"].as_u64().unwrap() >= acknowledged,
        "{r:#}"
    );
    // Heads signed before each kill are checked after it.
    assert!(cycles[1]["heads_checked"].as_u64().unwrap() >= 1, "{r:#}");
    assert!(r["heads_kept"].as_u64().unwrap() >= 4, "{r:#}");
    assert_eq!(r["log_public_key"].as_str().unwrap().len(), 64);
}
