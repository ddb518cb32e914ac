//! `zkcred serve`: starts from a config file, answers on loopback, stops
//! gracefully on SIGTERM; a bad config is a clear error.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

fn zkcred() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zkcred"))
}

#[test]
fn bad_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let out = zkcred()
        .args(["serve", "--config"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[batch]\nmax_size = 0\n").unwrap();
    let out = zkcred()
        .args(["serve", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("batch.max_size"));
}

#[cfg(unix)]
#[test]
fn serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zkcred.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {:?}\nlog_key = {:?}\n",
            dir.path().join("zkcred.db"),
            dir.path().join("log.key")
        ),
    )
    .unwrap();
    let (mut child, mut stderr, addr) = common::spawn_serve(&config);
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"status\":\"ok\""));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

/// Issue 12, defect 7: once the database has a signed head, a mistyped
/// `log_key` path is refused (exit 1) instead of starting a new key.
#[cfg(unix)]
#[test]
fn a_mistyped_log_key_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zkcred.toml");
    let write = |key: &str| {
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\ndatabase = {:?}\nlog_key = {:?}\n\
                 [[tokens]]\nname = \"root\"\nrole = \"admin\"\ntoken = \"admin-token-0123456789\"\n",
                dir.path().join("zkcred.db"),
                dir.path().join(key)
            ),
        )
        .unwrap();
    };
    write("log.key");
    let (mut child, _stderr, addr) = common::spawn_serve(&config);
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.write_all(
        b"POST /v1/log/head HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
          Authorization: Bearer admin-token-0123456789\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());

    write("log.kye");
    let out = zkcred()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("log.kye") && stderr.contains("log_key_rotate"),
        "{stderr}"
    );
    assert!(!dir.path().join("log.kye").exists());
}
