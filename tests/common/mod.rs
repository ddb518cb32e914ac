//! Shared test helpers: where the IETF fixtures are.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

/// The IETF test vectors: `$ZKCRED_FIXTURES` when set (to run newer
/// vectors), else the copy in the repository, `crypto/tests/vectors` (see its
/// README for provenance). Panics when the folder named is missing: the
/// vector tests never skip silently.
#[allow(dead_code)] // not every test crate reads the vectors
pub fn fixtures_dir() -> PathBuf {
    let dir = match std::env::var_os("ZKCRED_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crypto/tests/vectors"),
    };
    assert!(
        dir.is_dir(),
        "IETF fixtures folder {} is missing (ZKCRED_FIXTURES, else crypto/tests/vectors)",
        dir.display()
    );
    dir
}

/// Starts `zkcred serve --config CONFIG` (logging at `info`) and reads its
/// log until the line naming the bound address; returns the child, the rest
/// of its log and the address (`host:port`). Kills the child and panics when
/// no address is logged within 50 lines.
#[allow(dead_code)] // not every test crate starts a server
pub fn spawn_serve(config: &Path) -> (Child, BufReader<ChildStderr>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(["serve", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zkcred serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut line = String::new();
    for _ in 0..50 {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(addr) = line
            .split("addr=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
        {
            return (child, stderr, addr.to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server logs its address");
}
