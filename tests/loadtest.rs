//! `zkcred loadtest` in process, briefly and at a low rate: every
//! presentation must be accepted.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use zkcred::cmd::loadtest::{run, LoadtestArgs, Scene, Switch};

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
