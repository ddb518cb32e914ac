//! `zkcred client`: the README's walk-through against a real `zkcred serve`
//! on a free loopback port — an issuer, its keys exactly as
//! `zkcred issuer export-keys` prints them, a policy, a challenge answered by
//! the wallet, the decision, the regulator's view of the log and its offline
//! verification, a revoked key refusing, a retired policy.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

use serde_json::{json, Value};

const ISSUER: &str = "11330105002500287C";
const ADMIN: &str = "admin-token-0123456789";
const HOTEL: &str = "hotel-token-0123456789";
const REGULATOR: &str = "regulator-token-0123456789";
const POLICY: &str = "hotel-checkin";

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
             [[tokens]]\nname = \"regulator.gov\"\nrole = \"regulator\"\ntoken = \"{REGULATOR}\"\n\
             [[request_keys]]\nverifier = \"hotel.example\"\nkey = {:?}\nregistration = {:?}\n\
             [disclosure_log]\nsign_interval_secs = 0\n",
            dir.join("zkcred.db"),
            dir.join("log.key"),
            dir.join("verifier").join("request.key"),
            dir.join("registration.json"),
        ),
    )
    .unwrap();
    let (child, mut stderr, addr) = common::spawn_serve(&config);
    // Keep draining the server's log so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (Serve(child), format!("http://{addr}"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `zkcred ARGS` in `dir` with the service's URL and `token` in the
/// environment, as a user following the README would.
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

/// Runs and expects exit code `want`; returns standard output.
fn expect(dir: &Path, url: &str, token: &str, args: &[&str], want: i32) -> Run {
    let r = zkcred(dir, url, token, args);
    assert_eq!(
        r.code, want,
        "zkcred {args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// The file called `name` below `dir`.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        if p.is_dir() {
            if let Some(f) = find(&p, name) {
                return Some(f);
            }
        } else if p.file_name().and_then(|n| n.to_str()) == Some(name) {
            return Some(p);
        }
    }
    None
}

#[test]
fn readme_walk_through_with_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The hotel's policy; the regulator registers the hotel's request key
    // for it, and the service signs the hotel's requests with that key.
    let mut policy: Value =
        serde_json::from_str(include_str!("../policy/examples/hotel-check-in.json")).unwrap();
    policy["id"] = json!(POLICY);
    policy["verifier"]["id"] = json!("hotel.example");
    policy["verifier"]["region"] = json!("330106");
    policy["requirements"][0]["disclose"] = json!(["holder_name"]);
    write(dir, "policy.json", &policy);
    let offline = |args: &[&str]| expect(dir, "", "", args, 0).stdout;
    offline(&["regulator", "keygen", "--out", "regulator"]);
    offline(&["verifier", "keygen", "--out", "verifier"]);
    let registration = offline(&[
        "regulator",
        "register",
        "--regulator-key",
        "regulator/regulator.key",
        "--verifier-key",
        "verifier/request.pub.json",
        "--policy",
        "policy.json",
    ]);
    std::fs::write(dir.join("registration.json"), registration).unwrap();
    let (_server, url) = serve(dir);
    let u = url.as_str();
    let ok = |token: &str, args: &[&str]| expect(dir, u, token, args, 0).stdout;

    // The issuing department: a key, exported as the README says.
    ok(
        "",
        &[
            "issuer",
            "keygen",
            "--issuer",
            ISSUER,
            "--authority",
            "public_security",
        ],
    );
    let keys = ok("", &["issuer", "export-keys"]);
    std::fs::write(dir.join("keys.json"), &keys).unwrap();

    // The operator registers the issuer, its keys and a policy.
    write(
        dir,
        "issuer.json",
        &json!({
            "id": ISSUER, "name_zh": "杭州市公安局西湖分局", "region": "330106",
            "authority": "public_security", "types": ["resident_id_card"],
        }),
    );
    let out = ok(ADMIN, &["client", "issuer", "add", "issuer.json"]);
    assert_eq!(out.trim(), format!("added issuer {ISSUER} v1 active"));
    let out = ok(ADMIN, &["client", "key", "add", "keys.json"]);
    assert!(
        out.starts_with(&format!("added issuer_key {ISSUER}/")),
        "{out}"
    );
    // Adding the same key set again skips what is registered.
    let out = ok(ADMIN, &["client", "key", "add", "keys.json", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["added"], json!([]));
    assert_eq!(v["skipped"].as_array().unwrap().len(), 1);
    let key_id = v["skipped"][0]
        .as_str()
        .unwrap()
        .split('/')
        .nth(1)
        .unwrap()
        .to_owned();
    // A single `<key_id>.public.json` is taken too (here: already there).
    let single = find(&dir.join("keys"), &format!("{key_id}.public.json"))
        .expect("keygen writes <key_id>.public.json");
    let r = expect(
        dir,
        u,
        ADMIN,
        &["client", "key", "add", single.to_str().unwrap()],
        0,
    );
    assert!(
        r.stdout
            .contains(&format!("skipped issuer_key {ISSUER}/{key_id}")),
        "{}",
        r.stdout
    );

    let out = ok(ADMIN, &["client", "policy", "add", "policy.json"]);
    assert_eq!(out.trim(), format!("added policy {POLICY} v1 active"));
    // Registering it twice is the service's problem, exit 2.
    let r = expect(
        dir,
        u,
        ADMIN,
        &["client", "policy", "add", "policy.json"],
        2,
    );
    assert!(r.stderr.contains("already_exists"), "{}", r.stderr);
    // A verifier may not register issuers.
    let r = expect(
        dir,
        u,
        HOTEL,
        &["client", "issuer", "add", "issuer.json"],
        2,
    );
    assert!(r.stderr.contains("forbidden"), "{}", r.stderr);

    // A holder gets a credential.
    write(
        dir,
        "attrs.json",
        &json!({
            "license_number": "33010619900101123X", "holder_name": "王芳",
            "holder_id": "33010619900101123X", "holder_id_type": "居民身份证",
            "issuer_name": "西湖分局", "issuer_code": ISSUER, "issue_date": "2024-03-01",
            "valid_from": "2024-03-01", "valid_until": "2040-03-01", "area_code": "330106",
            "sex": "女", "ethnicity": "汉", "birth_date": "1990-01-01", "address": "杭州",
            "photo_digest": "00ff",
        }),
    );
    // The smallest Argon2id memory keeps the test fast (users get 64 MiB).
    ok("", &["wallet", "init", "--kdf-memory-mib", "8"]);
    let request = ok("", &["wallet", "request"]);
    std::fs::write(dir.join("card-request.json"), request).unwrap();
    let card = ok(
        "",
        &[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--backdated",
            "--request",
            "card-request.json",
            "attrs.json",
        ],
    );
    std::fs::write(dir.join("card.json"), card).unwrap();
    ok("", &["wallet", "add", "--keys", "keys.json", "card.json"]);
    // The wallet trusts the regulator's key.
    ok(
        "",
        &["wallet", "trust-regulator", "regulator/regulator.pub.json"],
    );

    // The verifier: a challenge, the holder's answer, the decision.
    let answer = |n: usize| {
        let (req, pres) = (format!("request{n}.json"), format!("presentation{n}.json"));
        ok(HOTEL, &["client", "challenge", POLICY, "--out", &req]);
        let p = ok("", &["wallet", "present", "--yes", &req]);
        std::fs::write(dir.join(&pres), p).unwrap();
        (req, pres)
    };
    let (req, pres) = answer(1);
    let out = ok(
        HOTEL,
        &[
            "client",
            "submit",
            "--policy",
            POLICY,
            "--idempotency-key",
            "front-desk-0001",
            &req,
            &pres,
        ],
    );
    assert!(
        out.starts_with("ACCEPTED under policy hotel-checkin v1 (log record 0)"),
        "{out}"
    );
    assert!(out.contains("holder_name: 王芳"), "{out}");
    assert!(
        !out.contains("33010619900101123X"),
        "the ID number stays hidden"
    );
    // The identical submission again with the same key (a retry): the same
    // decision, not a second one; also by the challenge. Without the key
    // the identical submission is a replay (below).
    let out = ok(
        HOTEL,
        &[
            "client",
            "submit",
            "--policy",
            POLICY,
            "--idempotency-key",
            "front-desk-0001",
            &req,
            &pres,
        ],
    );
    assert!(
        out.starts_with("ACCEPTED under policy hotel-checkin v1 (log record 0)"),
        "{out}"
    );
    let request: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(&req)).unwrap()).unwrap();
    let challenge = request["challenge"].as_str().unwrap();
    let out = ok(HOTEL, &["client", "decision", challenge]);
    assert!(
        out.starts_with("ACCEPTED under policy hotel-checkin v1 (log record 0)"),
        "{out}"
    );
    let r = expect(dir, u, HOTEL, &["client", "decision", &"0".repeat(64)], 2);
    assert!(r.stderr.contains("decision_unknown"), "{}", r.stderr);
    // Replayed: the identical submission without the key, and another
    // presentation on the spent challenge, are refused before any decision
    // (exit 2, the problem named).
    let r = expect(
        dir,
        u,
        HOTEL,
        &["client", "submit", "--policy", POLICY, &req, &pres],
        2,
    );
    assert!(r.stderr.contains("challenge_replayed"), "{}", r.stderr);
    let again = ok("", &["wallet", "present", "--yes", &req]);
    std::fs::write(dir.join("again.json"), again).unwrap();
    let r = expect(
        dir,
        u,
        HOTEL,
        &["client", "submit", "--policy", POLICY, &req, "again.json"],
        2,
    );
    assert!(r.stderr.contains("challenge_replayed"), "{}", r.stderr);

    // The regulator's view.
    let out = ok(REGULATOR, &["client", "log", "head", "--sign", "--json"]);
    let head: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(head["tree_size"], 1);
    assert_eq!(head["signed_head"]["tree_size"], 1);
    let log_key = head["log_public_key"].as_str().unwrap().to_owned();
    let out = ok(REGULATOR, &["client", "log", "records"]);
    assert!(out.starts_with("#0 "), "{out}");
    assert!(
        out.contains("hotel.example hotel-checkin v1 resident_id_card[holder_name"),
        "{out}"
    );
    assert!(out.contains("→ accepted (ok)"), "{out}");
    assert!(!out.contains("王芳"), "no values in the log");
    let out = ok(REGULATOR, &["client", "log", "inclusion", "0"]);
    assert!(out.contains("record 0 is in the tree of size 1"), "{out}");
    assert!(
        out.contains("verified against the latest signed head"),
        "{out}"
    );

    // The key is revoked: the next presentation is refused (exit 1) and logged.
    let out = ok(ADMIN, &["client", "key", "revoke", ISSUER, &key_id]);
    assert_eq!(
        out.trim(),
        format!("revoked issuer_key {ISSUER}/{key_id} v1 revoked")
    );
    let (req, pres) = answer(2);
    let r = expect(
        dir,
        u,
        HOTEL,
        &[
            "client", "submit", "--policy", POLICY, &req, &pres, "--json",
        ],
        1,
    );
    let refusal: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(refusal["code"], "key_revoked");
    assert_eq!(refusal["decision"], "refused");
    assert_eq!(refusal["log_sequence"], 1);

    ok(REGULATOR, &["client", "log", "head", "--sign"]);
    let out = ok(REGULATOR, &["client", "log", "consistency", "1"]);
    assert!(
        out.contains("the tree of size 2 extends the tree of size 1"),
        "{out}"
    );
    let out = ok(
        REGULATOR,
        &["client", "log", "records", "--start", "1", "--json"],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    assert_eq!(v["records"][0]["record"]["reason"], "key_revoked");
    ok(
        REGULATOR,
        &["client", "log", "export", "--out", "export.json"],
    );
    let out = ok(
        "",
        &["audit", "verify", "export.json", "--log-key", &log_key],
    );
    assert!(out.contains("VALID disclosure log"), "{out}");
    let out = ok(
        REGULATOR,
        &["client", "log", "verify", "--log-key", &log_key],
    );
    assert!(out.contains("VALID disclosure log"), "{out}");
    assert!(out.contains("records:        2"), "{out}");
    // Another key: the export does not verify under it (exit 1).
    let other = zkcred_translog::LogSigningKey::from_seed(&[7; 32])
        .public_key()
        .to_hex();
    let r = expect(
        dir,
        u,
        REGULATOR,
        &["client", "log", "verify", "--log-key", &other],
        1,
    );
    assert!(
        r.stdout.starts_with("INVALID disclosure log"),
        "{}",
        r.stdout
    );
    // A verifier may not read the log.
    let r = expect(dir, u, HOTEL, &["client", "log", "records"], 2);
    assert!(r.stderr.contains("forbidden"), "{}", r.stderr);

    // The policy's audit; retiring it stops its challenges.
    let out = ok(REGULATOR, &["client", "policy", "audit", POLICY]);
    assert!(out.starts_with("hotel-checkin v1: score "), "{out}");
    let out = ok(ADMIN, &["client", "policy", "retire", POLICY]);
    assert_eq!(out.trim(), format!("retired policy {POLICY} v1 retired"));
    let r = expect(dir, u, HOTEL, &["client", "challenge", POLICY], 2);
    assert!(r.stderr.contains("policy_retired"), "{}", r.stderr);
    let r = expect(dir, u, HOTEL, &["client", "challenge", POLICY, "--json"], 2);
    let problem: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(problem["status"], 409);

    // Health needs no token; a service that is not there is exit 2.
    let out = ok("", &["client", "health"]);
    assert!(out.starts_with("ok — log size 2"), "{out}");
    let r = expect(dir, "http://127.0.0.1:9", "", &["client", "health"], 2);
    assert!(
        r.stderr.contains("cannot reach the service"),
        "{}",
        r.stderr
    );
}
