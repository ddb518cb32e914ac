//! Licence status from the verifier's side of the command line: `zkcred
//! verify --status-epoch` offline (valid in the current epoch, stale once a
//! newer one is given, unknown without epochs, a forged epoch refused), and
//! `zkcred client status publish|show` against a real `zkcred serve`.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

use serde_json::{json, Value};

const ISSUER: &str = "11330105002500287C";
const TYPE: &str = "resident_id_card";
const ADMIN: &str = "admin-token-0123456789";
const HOTEL: &str = "hotel-token-0123456789";

/// A `zkcred serve` child, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> (Serve, String) {
    let config = dir.join("zkcred.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = {:?}\nlog_key = {:?}\n\
             [[tokens]]\nname = \"root\"\nrole = \"admin\"\ntoken = \"{ADMIN}\"\n\
             [[tokens]]\nname = \"hotel.example\"\nrole = \"verifier\"\ntoken = \"{HOTEL}\"\n\
             [disclosure_log]\nsign_interval_secs = 0\n",
            dir.join("zkcred.db"),
            dir.join("log.key"),
        ),
    )
    .unwrap();
    let (child, mut stderr, addr) = common::spawn_serve(&config);
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (Serve(child), format!("http://{addr}"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `zkcred ARGS` in `dir` (keys, wallet and service from the
/// environment, as a user would set them).
fn zkcred(dir: &Path, url: &str, token: &str, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_zkcred"))
        .args(args)
        .current_dir(dir)
        .env("ZKCRED_URL", url)
        .env("ZKCRED_TOKEN", token)
        .env("ZKCRED_KEYS", dir.join("keys"))
        .env("ZKCRED_WALLET", dir.join("wallet"))
        .env(
            "ZKCRED_WALLET_PASSPHRASE",
            "tests only: the holder's passphrase",
        )
        .output()
        .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn expect(dir: &Path, url: &str, token: &str, args: &[&str], want: i32) -> Run {
    let r = zkcred(dir, url, token, args);
    assert_eq!(
        r.code, want,
        "zkcred {args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn attributes() -> Value {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let d = time::OffsetDateTime::now_utc().to_offset(offset).date();
    let today = format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    json!({
        "license_number": "330106199005172313",
        "holder_name": "张三",
        "holder_id": "330106199005172313",
        "holder_id_type": "居民身份证",
        "issuer_name": "杭州市公安局西湖区分局",
        "issuer_code": ISSUER,
        "issue_date": today,
        "valid_from": today,
        "valid_until": "2040-06-01",
        "area_code": "330106",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "1990-05-17",
        "address": "浙江省杭州市西湖区文三路 90 号",
        "photo_digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    })
}

/// The verdict of `zkcred verify --json` with `epochs` (exit code, code).
fn verdict(dir: &Path, epochs: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "verify",
        "--request",
        "request.json",
        "--keys",
        "keys",
        "--json",
    ];
    for e in epochs {
        args.extend(["--status-epoch", e]);
    }
    args.push("presentation.json");
    let r = zkcred(dir, "", "", &args);
    (
        r.code,
        serde_json::from_str(&r.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn status_epochs_offline_and_at_the_service() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ok = |args: &[&str]| expect(dir, "", "", args, 0).stdout;
    ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
    ]);
    ok(&["wallet", "init", "--kdf-memory-mib", "8"]);
    ok(&[
        "issuer",
        "status",
        "init",
        "--type",
        TYPE,
        "--publish",
        "pub",
    ]);
    let epoch = |n: u64| format!("pub/{ISSUER}/{TYPE}/epoch-{n}.json");

    // A card issued to the wallet, with its status witness, synced.
    let request = ok(&["wallet", "request"]);
    write(dir, "credential-request.json", &request);
    write(dir, "attrs.json", &attributes().to_string());
    let card = ok(&[
        "issuer",
        "issue",
        "--issuer",
        ISSUER,
        "--type",
        TYPE,
        "--request",
        "credential-request.json",
        "attrs.json",
    ]);
    write(dir, "card.json", &card);
    let card: Value = serde_json::from_str(&card).unwrap();
    assert_eq!(card["status"]["epoch"], 0);
    let licence = card["attributes"]["license_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&["wallet", "add", "--keys", "keys", "card.json"]);
    ok(&["wallet", "sync", "--from", "pub"]);

    // A request from a policy asking for status in the current epoch,
    // answered by the wallet.
    let mut policy: Value =
        serde_json::from_str(include_str!("../policy/examples/hotel-check-in.json")).unwrap();
    policy["verifier"]["id"] = json!("hotel.example");
    policy["requirements"][0]["disclose"] = json!(["holder_name"]);
    policy["requirements"][0]["status"] = json!({ "max_epoch_age_seconds": 0 });
    write(dir, "policy.json", &policy.to_string());
    let r = expect(
        dir,
        "",
        "",
        &[
            "request",
            "new",
            "--policy",
            "policy.json",
            "--out",
            "request.json",
        ],
        0,
    );
    // The request says, in words, that it asks for licence status.
    assert!(
        r.stderr
            .contains("valid in its issuer's status list, in an epoch superseded at most 0 s ago"),
        "{}",
        r.stderr
    );
    ok(&[
        "wallet",
        "present",
        "request.json",
        "--yes",
        "--allow-unsigned",
        "--out",
        "presentation.json",
    ]);

    // Offline: valid with epoch 0; without any epoch, unknown.
    let r = expect(
        dir,
        "",
        "",
        &[
            "verify",
            "--request",
            "request.json",
            "--keys",
            "keys",
            "--status-epoch",
            &epoch(0),
            "presentation.json",
        ],
        0,
    );
    assert!(
        r.stdout.contains("status:  valid in epoch 0"),
        "{}",
        r.stdout
    );
    let (code, v) = verdict(dir, &[&epoch(0)]);
    assert_eq!(
        (code, v["credentials"][0]["status_epoch"].as_u64()),
        (0, Some(0))
    );
    let (code, v) = verdict(dir, &[]);
    assert_eq!(
        (code, v["code"].as_str()),
        (1, Some("status_epoch_unknown"))
    );
    assert!(
        v["reason"].as_str().unwrap().contains("--status-epoch"),
        "{v}"
    );

    // Suspended: epoch 1. Given too, it supersedes epoch 0 (a second later).
    ok(&[
        "issuer",
        "status",
        "suspend",
        "--type",
        TYPE,
        "--publish",
        "pub",
        &licence,
    ]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, v) = verdict(dir, &[&epoch(1), &epoch(0)]);
    assert_eq!(
        (code, v["code"].as_str()),
        (1, Some("status_epoch_stale")),
        "{v}"
    );
    // A forged epoch is the verifier's input error (exit 2), not a verdict.
    let mut forged: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(epoch(1))).unwrap()).unwrap();
    forged["published_at"] = json!("2020-01-01T00:00:00Z");
    write(dir, "forged.json", &forged.to_string());
    let r = expect(
        dir,
        "",
        "",
        &[
            "verify",
            "--request",
            "request.json",
            "--keys",
            "keys",
            "--status-epoch",
            "forged.json",
            "presentation.json",
        ],
        2,
    );
    assert!(r.stderr.contains("does not verify"), "{}", r.stderr);

    // At the service: the operator registers the issuer, its keys and the
    // published epochs (a folder), then reads the current one back.
    let (_server, url) = serve(dir);
    let u = url.as_str();
    let keys = ok(&["issuer", "export-keys"]);
    write(dir, "keys.json", &keys);
    write(
        dir,
        "issuer.json",
        &json!({
            "id": ISSUER, "name_zh": "杭州市公安局西湖分局", "region": "330106",
            "authority": "public_security", "types": [TYPE],
        })
        .to_string(),
    );
    expect(
        dir,
        u,
        ADMIN,
        &["client", "issuer", "add", "issuer.json"],
        0,
    );
    expect(dir, u, ADMIN, &["client", "key", "add", "keys.json"], 0);
    let r = expect(dir, u, ADMIN, &["client", "status", "publish", "pub"], 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(lines[0].starts_with(&format!("registered epoch 0 of {ISSUER} / {TYPE}")));
    assert!(lines[1].starts_with(&format!("registered epoch 1 of {ISSUER} / {TYPE}")));
    assert!(lines[1].ends_with(", current"), "{}", lines[1]);
    // Again: held already, nothing changes.
    let r = expect(
        dir,
        u,
        ADMIN,
        &["client", "status", "publish", &epoch(1)],
        0,
    );
    assert!(
        r.stdout.starts_with("already registered: epoch 1"),
        "{}",
        r.stdout
    );
    // The forged epoch is refused with the service's code.
    let r = expect(
        dir,
        u,
        ADMIN,
        &["client", "status", "publish", "forged.json"],
        2,
    );
    assert!(
        r.stderr.contains("status_signature_invalid"),
        "{}",
        r.stderr
    );
    // A verifier may read the current epoch, not register one.
    let r = expect(
        dir,
        u,
        HOTEL,
        &[
            "client",
            "status",
            "show",
            ISSUER,
            TYPE,
            "--out",
            "current.json",
        ],
        0,
    );
    assert!(
        r.stdout
            .starts_with(&format!("epoch 1 of {ISSUER} / {TYPE}")),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("current.json"))
            .unwrap()
            .trim(),
        std::fs::read_to_string(dir.join(epoch(1))).unwrap().trim()
    );
    let r = expect(
        dir,
        u,
        HOTEL,
        &["client", "status", "publish", &epoch(0)],
        2,
    );
    assert!(r.stderr.contains("forbidden"), "{}", r.stderr);
    let r = expect(
        dir,
        u,
        HOTEL,
        &["client", "status", "show", ISSUER, "drivers_license"],
        2,
    );
    assert!(r.stderr.contains("not_found"), "{}", r.stderr);
}
