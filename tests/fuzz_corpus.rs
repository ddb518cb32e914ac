//! Replays the fuzz corpus and every crash regression on stable, in the
//! ordinary `cargo test`: the bodies of the `cargo fuzz` targets
//! (`fuzz/src/lib.rs`, compiled here as a module, without libFuzzer) run on
//! each file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`.
//! A body panics on a crash or a broken property, so a fixed crash that
//! comes back fails here. See `fuzz/README.md`.

#![allow(clippy::unwrap_used)]

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted (none if it is missing).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut n = 0;
    for (name, body) in bodies::TARGETS {
        for file in inputs(kind, name) {
            let data = std::fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| body(&data));
            assert!(
                result.is_ok(),
                "fuzz target {name} fails on {}",
                file.display()
            );
            n += 1;
        }
    }
    n
}

#[test]
fn every_target_has_a_binary_and_a_corpus() {
    for (name, _) in bodies::TARGETS {
        let bin = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        assert!(bin.is_file(), "no fuzz target binary {}", bin.display());
        assert!(
            !inputs("corpus", name).is_empty(),
            "no corpus for fuzz target {name}"
        );
    }
}

#[test]
fn corpus_replays_clean() {
    assert!(replay("corpus") > 0);
}

#[test]
fn crash_regressions_replay_clean() {
    replay("regressions");
}

/// The fixtures reach what the targets check (see `bodies::check_fixtures`).
#[test]
fn fixtures_are_valid() {
    bodies::check_fixtures();
}

/// The seeds are valid objects: each target accepts its own seed inputs
/// without a broken property.
#[test]
fn seeds_replay_clean() {
    for (name, data) in bodies::seeds() {
        let body = bodies::TARGETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b)
            .unwrap();
        body(&data);
    }
}

/// Writes the starting corpus (`bodies::seeds()` and the IETF vectors) to
/// `fuzz/corpus/`: `cargo test --test fuzz_corpus write_seed_corpus --
/// --ignored`.
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_seed_corpus() {
    use std::collections::BTreeMap;
    use std::collections::BTreeSet;
    let mut written: BTreeMap<&str, BTreeSet<Vec<u8>>> = BTreeMap::new();
    let mut write = |target: &'static str, data: &[u8]| {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let seen = written.entry(target).or_default();
        let n = seen.len();
        if seen.insert(data.to_vec()) {
            std::fs::write(dir.join(format!("seed-{n:03}")), data).unwrap();
        }
    };
    for (target, data) in bodies::seeds() {
        write(target, &data);
    }
    // The IETF vectors of the three drafts: their keys, signatures and
    // proofs for the octet decoders; for the conformance runner, the first
    // two files of each folder (every fixture kind, both suites, without
    // copying the whole set into the corpus).
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("crypto/tests/vectors");
    let mut per_folder: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for file in zkcred::conformance::fixture_files(&vectors).unwrap() {
        let data = std::fs::read(&file).unwrap();
        let n = per_folder
            .entry(file.parent().unwrap().to_path_buf())
            .or_default();
        if *n < 2 {
            write("conformance", &data);
        }
        *n += 1;
        let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
        for field in [
            "signerPublicKey",
            "signature",
            "proof",
            "commitmentWithProof",
        ] {
            if let Some(h) = v.get(field).and_then(|x| x.as_str()) {
                if let Ok(bytes) = hex::decode(h) {
                    write("crypto_decode", &bytes);
                }
            }
        }
    }
}
