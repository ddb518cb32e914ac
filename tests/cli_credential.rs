//! The credential commands end to end, run as a person would run them:
//! keygen, issue a resident ID card, add it to a wallet, present the name
//! only to a verifier's request, verify; then the ways it must fail.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const ISSUER: &str = "11330105002500287C";
const OTHER_ISSUER: &str = "11430000006122244L";
const NAME: &str = "张三";
const ID_NUMBER: &str = "330106199005172313";
/// The wallet passphrase the commands get from `ZKCRED_WALLET_PASSPHRASE`.
const PASSPHRASE: &str = "tests only: 正确的马 battery staple";

/// A scratch home: default directories and environment point into it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    /// Runs `zkcred` with `args` (and `stdin`), returning exit code, stdout, stderr.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        self.run_with_passphrase(args, stdin, PASSPHRASE)
    }

    /// As [`Scratch::run`], with `passphrase` in `ZKCRED_WALLET_PASSPHRASE`.
    fn run_with_passphrase(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        passphrase: &str,
    ) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkcred"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("ZKCRED_WALLET")
            .env_remove("ZKCRED_KEYS")
            .env("ZKCRED_WALLET_PASSPHRASE", passphrase)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run zkcred");
        if let Some(s) = stdin {
            // zkcred may exit (on an earlier error) without reading it all.
            let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args, None);
        assert_eq!(code, 0, "zkcred {args:?}\nstdout:\n{out}\nstderr:\n{err}");
        out
    }

    /// `zkcred wallet init` at `wallet` with the smallest Argon2id memory
    /// (the default, 64 MiB, is for users; tests stay fast).
    fn init_wallet(&self, wallet: &str) {
        let out = self.ok(&[
            "wallet",
            "init",
            "--wallet",
            wallet,
            "--kdf-memory-mib",
            "8",
        ]);
        assert!(out.contains("created wallet"), "{out}");
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.p(name)
    }

    /// A credential request of the wallet `wallet` (created first when
    /// missing) written to `<wallet>-request-<n>.json`; its path, for
    /// `zkcred issuer issue --request`.
    fn holder_request(&self, wallet: &str) -> String {
        let dir = self.path(wallet);
        if !dir.join("wallet.json").exists() {
            self.init_wallet(&self.p(wallet));
        }
        let request = self.ok(&["wallet", "request", "--wallet", &self.p(wallet)]);
        let n = (0..)
            .find(|n| !self.path(&format!("{wallet}-request-{n}.json")).exists())
            .unwrap();
        self.write(&format!("{wallet}-request-{n}.json"), &request)
    }
}

/// Today in China Standard Time, the calendar licenses are dated in.
fn today() -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let d = time::OffsetDateTime::now_utc().to_offset(offset).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A resident ID card issued today.
fn resident_id_attributes() -> Value {
    json!({
        "license_number": ID_NUMBER,
        "holder_name": NAME,
        "holder_id": ID_NUMBER,
        "holder_id_type": "居民身份证",
        "issuer_name": "杭州市公安局西湖区分局",
        "issuer_code": ISSUER,
        "issue_date": today(),
        "valid_from": today(),
        "valid_until": "2040-06-01",
        "area_code": "330106",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "1990-05-17",
        "address": "浙江省杭州市西湖区文三路 90 号",
        "photo_digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    })
}

fn field<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{out}"))
        .trim()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn issue_hold_present_verify_and_the_ways_it_fails() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");

    // Issuer: a key, printed without its secret, stored 0600.
    let out = s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    let key_id = field(&out, "key id:").to_owned();
    assert_eq!(key_id.len(), 32, "{out}");
    assert_eq!(field(&out, "issuer:"), ISSUER);
    assert_eq!(field(&out, "public key:").len(), 192);
    let secret_file = s.path("keys").join(format!("{key_id}.secret.json"));
    let secret: Value =
        serde_json::from_str(&std::fs::read_to_string(&secret_file).unwrap()).unwrap();
    let sk = secret["secret_key"].as_str().unwrap();
    assert!(!out.contains(sk), "keygen printed the secret key");
    #[cfg(unix)]
    assert_eq!(mode(&secret_file), 0o600);

    let keyset = s.ok(&["issuer", "export-keys", "--dir", &keys_dir]);
    assert!(!keyset.contains(sk), "export-keys printed the secret key");
    let keyset_file = s.write("keys.json", &keyset);
    let exported: Value = serde_json::from_str(&keyset).unwrap();
    assert_eq!(exported["keys"][0]["key_id"], key_id.as_str());

    // The catalogue tells a person what to fill in.
    let out = s.ok(&["catalogue", "list"]);
    assert!(out.lines().any(|l| l.starts_with("resident_id_card")
        && l.contains("居民身份证")
        && l.contains("Resident Identity Card")));
    let out = s.ok(&["catalogue", "show", "resident_id_card"]);
    assert!(out.contains("birth_date") && out.contains("出生日期") && out.contains("high"));
    assert!(out.contains("issued by: public_security"), "{out}");

    // Holder: a wallet must be created first; it asks for the credential
    // (a commitment to its holder secret).
    let wallet = s.p("wallet");
    let (code, _, err) = s.run(&["wallet", "request", "--wallet", &wallet], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("no wallet") && err.contains("zkcred wallet init"),
        "{err}"
    );
    assert!(!s.path("wallet").exists(), "request created a wallet");
    s.init_wallet(&wallet);
    let (code, request, err) = s.run(&["wallet", "request", "--wallet", &wallet], None);
    assert_eq!(code, 0, "{err}");
    let cr: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(cr["format"], "zkcred-credential-request");
    let card_request = s.write("card-request.json", &request);

    // Issue a resident ID card from a file (license_id is generated),
    // blindly signed over the holder's commitment.
    let attrs = s.write("attrs.json", &resident_id_attributes().to_string());
    let (code, credential, err) = s.run(
        &[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &card_request,
            &attrs,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("generated license_id 1.2.156.3005.2."),
        "{err}"
    );
    assert!(!credential.contains(sk));
    let cred: Value = serde_json::from_str(&credential).unwrap();
    assert_eq!(cred["credential_type"], "resident_id_card");
    assert_eq!(cred["key_id"], key_id.as_str());
    assert_eq!(cred["attributes"]["holder_name"], NAME);
    let cred_file = s.write("card.json", &credential);

    // The credential file alone carries no holder secret.
    assert!(cred["reserved"].get("holder_binding").is_none());
    // The wallet binds and verifies before storing.
    let out = s.ok(&[
        "wallet",
        "add",
        "--wallet",
        &wallet,
        "--keys",
        &keyset_file,
        &cred_file,
    ]);
    let entry = out.split_whitespace().nth(1).unwrap().to_owned();
    assert_eq!(entry.len(), 16, "{out}");
    #[cfg(unix)]
    assert_eq!(
        mode(
            &s.path("wallet")
                .join("credentials")
                .join(format!("{entry}.json"))
        ),
        0o600
    );
    let (code, _, err) = s.run(
        &[
            "wallet",
            "add",
            "--wallet",
            &wallet,
            "--keys",
            &keyset_file,
            &cred_file,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("already in the wallet"), "{err}");

    let out = s.ok(&["wallet", "list", "--wallet", &wallet]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with(&entry) && out.contains("居民身份证") && out.contains(ISSUER));
    assert!(out.contains("2040-06-01"), "{out}");

    let out = s.ok(&["wallet", "show", "--wallet", &wallet, &entry[..6]]);
    assert!(out.contains(NAME) && out.contains(ID_NUMBER) && out.contains("1990-05-17"));
    assert!(
        out.contains("(持证主体)") && out.contains("(照片摘要 (SHA-256))"),
        "{out}"
    );
    let reserved = cred["reserved"]["revocation_handle"].as_str().unwrap();
    assert!(
        !out.contains(reserved),
        "show printed a reserved slot value"
    );

    // Verifier: a request for the name only.
    let request = s.ok(&[
        "request",
        "new",
        "--verifier",
        "bank.example",
        "--type",
        "resident_id_card",
        "--disclose",
        "holder_name",
        "--ttl",
        "600",
    ]);
    let request_file = s.write("request.json", &request);
    let req: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(req["credentials"][0]["disclose"], json!(["holder_name"]));

    // Holder answers it.
    // A hand-made request is unsigned: refused unless allowed for
    // development, and then shown with a warning.
    let (code, out, err) = s.run(
        &["wallet", "present", "--wallet", &wallet, &request_file],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("refused, nothing presented") && err.contains("[request_unsigned]"),
        "{err}"
    );
    let (code, presentation, err) = s.run(
        &[
            "wallet",
            "present",
            "--allow-unsigned",
            "--yes",
            "--wallet",
            &wallet,
            &request_file,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("WARNING: UNSIGNED REQUEST"), "{err}");
    assert!(
        err.contains("bank.example") && err.contains("holder_name"),
        "{err}"
    );
    assert!(!presentation.contains(ID_NUMBER), "the ID number leaked");
    assert!(
        !presentation.contains("1990-05-17"),
        "the birth date leaked"
    );
    let pres_file = s.write("presentation.json", &presentation);

    // Verify: VALID, the name shown, the ID number not.
    let out = s.ok(&[
        "verify",
        "--request",
        &request_file,
        "--keys",
        &keyset_file,
        &pres_file,
    ]);
    assert_eq!(out.lines().next(), Some("VALID"), "{out}");
    assert!(out.contains("verifier: bank.example"), "{out}");
    assert!(out.contains("居民身份证") && out.contains("Resident Identity Card"));
    assert!(out.contains(ISSUER) && out.contains(&key_id));
    let name_line = out.lines().find(|l| l.contains("holder_name")).unwrap();
    assert!(name_line.contains(NAME), "{out}");
    assert!(!out.contains(ID_NUMBER), "{out}");
    // Machine output, the presentation on standard input.
    let (code, out, err) = s.run(
        &[
            "verify",
            "--json",
            "--request",
            &request_file,
            "--keys",
            &keyset_file,
            "-",
        ],
        Some(&presentation),
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["credentials"][0]["name_zh"], "居民身份证");
    assert_eq!(
        v["credentials"][0]["disclosed"],
        json!({ "holder_name": NAME })
    );

    // Tampering: another name in the presentation.
    let mut forged: Value = serde_json::from_str(&presentation).unwrap();
    forged["credentials"][0]["disclosed"]["holder_name"] = json!("李四");
    let forged_file = s.write("forged.json", &forged.to_string());
    let (code, out, _) = s.run(
        &[
            "verify",
            "--request",
            &request_file,
            "--keys",
            &keyset_file,
            &forged_file,
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("INVALID: the proof does not verify"),
        "{out}"
    );
    assert!(out.contains("disclosed value"), "{out}");
    assert!(
        !out.contains("李四"),
        "an unverified value was shown: {out}"
    );
    let (code, out, _) = s.run(
        &[
            "verify",
            "--json",
            "--request",
            &request_file,
            "--keys",
            &keyset_file,
            &forged_file,
        ],
        None,
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["valid"].clone(), v["code"].clone()),
        (json!(false), json!("proof_invalid"))
    );

    // An extra, unrequested disclosure is refused by name.
    let mut extra: Value = serde_json::from_str(&presentation).unwrap();
    extra["credentials"][0]["disclosed"]["holder_id"] = json!(ID_NUMBER);
    let extra_file = s.write("extra.json", &extra.to_string());
    let (code, out, _) = s.run(
        &[
            "verify",
            "--request",
            &request_file,
            "--keys",
            &keyset_file,
            &extra_file,
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("\"holder_id\" is disclosed but was not requested"),
        "{out}"
    );

    // The same presentation against a request with another challenge.
    let request2 = s.ok(&[
        "request",
        "new",
        "--verifier",
        "bank.example",
        "--type",
        "resident_id_card",
        "--disclose",
        "holder_name",
    ]);
    let request2_file = s.write("request2.json", &request2);
    let (code, out, _) = s.run(
        &[
            "verify",
            "--request",
            &request2_file,
            "--keys",
            &keyset_file,
            &pres_file,
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("INVALID: the presentation answers a different challenge"),
        "{out}"
    );

    // Keys of another issuer are not this issuer's keys.
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        OTHER_ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &s.p("other-keys"),
    ]);
    let other = s.ok(&["issuer", "export-keys", "--dir", &s.p("other-keys")]);
    let other_file = s.write("other-keys.json", &other);
    let (code, out, _) = s.run(
        &[
            "verify",
            "--request",
            &request_file,
            "--keys",
            &other_file,
            &pres_file,
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "key {key_id} of issuer {ISSUER} is not among the trusted keys"
        )),
        "{out}"
    );
    // Another wallet refuses the copied credential file: it was issued to
    // the first wallet's holder secret.
    s.init_wallet(&s.p("wallet2"));
    let (code, _, err) = s.run(
        &[
            "wallet",
            "add",
            "--wallet",
            &s.p("wallet2"),
            "--keys",
            &keyset_file,
            &cred_file,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("issued to another wallet"), "{err}");
    // A credential issued to the second wallet, checked against keys that
    // do not include its issuer's: not stored.
    let request2 = s.write(
        "card2-request.json",
        &s.ok(&["wallet", "request", "--wallet", &s.p("wallet2")]),
    );
    let card2 = s.ok(&[
        "issuer",
        "issue",
        "--issuer",
        ISSUER,
        "--type",
        "resident_id_card",
        "--dir",
        &keys_dir,
        "--request",
        &request2,
        &attrs,
    ]);
    let card2_file = s.write("card2.json", &card2);
    let (code, _, err) = s.run(
        &[
            "wallet",
            "add",
            "--wallet",
            &s.p("wallet2"),
            "--keys",
            &other_file,
            &card2_file,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("not among the trusted keys") && err.contains("not stored"),
        "{err}"
    );

    // A forged credential never enters a wallet.
    let mut bad: Value = serde_json::from_str(&card2).unwrap();
    bad["attributes"]["birth_date"] = json!("1980-05-17");
    let bad_file = s.write("bad-card.json", &bad.to_string());
    let (code, _, err) = s.run(
        &[
            "wallet",
            "add",
            "--wallet",
            &s.p("wallet2"),
            "--keys",
            &keyset_file,
            &bad_file,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("signature does not verify"), "{err}");

    // Rotation: a second keygen; the old credential stays verifiable with
    // both keys exported, and new credentials use the new key. The CLI's
    // clock has whole seconds and a key rotates only once its successor's
    // start is later than its own: let a second pass.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, out, err) = s.run(
        &["issuer", "keygen", "--issuer", ISSUER, "--dir", &keys_dir],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let new_key = field(&out, "key id:").to_owned();
    assert_ne!(new_key, key_id);
    // The rotation keeps the kind of authority.
    assert_eq!(field(&out, "authority:"), "public_security");
    assert!(
        err.contains(&format!("rotation: key {key_id} stops issuing")),
        "{err}"
    );
    let keys = s.ok(&["issuer", "keys", "--dir", &keys_dir]);
    assert!(
        keys.lines()
            .any(|l| l.starts_with(&new_key) && l.ends_with("current")),
        "{keys}"
    );
    assert!(
        keys.lines()
            .any(|l| l.starts_with(&key_id) && l.ends_with("retired")),
        "{keys}"
    );
    let rotated_set = s.write(
        "keys2.json",
        &s.ok(&["issuer", "export-keys", "--dir", &keys_dir]),
    );
    let out = s.ok(&[
        "verify",
        "--request",
        &request_file,
        "--keys",
        &rotated_set,
        &pres_file,
    ]);
    assert!(out.starts_with("VALID"));
    let request3 = s.write(
        "card3-request.json",
        &s.ok(&["wallet", "request", "--wallet", &wallet]),
    );
    let (code, credential2, err) = s.run(
        &[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &request3,
        ],
        Some(&resident_id_attributes().to_string()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(credential2.contains(&new_key));

    // Remove: the wallet is empty again.
    s.ok(&["wallet", "remove", "--wallet", &wallet, &entry]);
    let (code, out, err) = s.run(&["wallet", "list", "--wallet", &wallet], None);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("empty"), "{err}");
    let (code, _, err) = s.run(
        &[
            "wallet",
            "present",
            "--allow-unsigned",
            "--yes",
            "--wallet",
            &wallet,
            &request_file,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no 居民身份证"), "{err}");
}

#[test]
fn issuing_bad_attributes_names_the_attribute() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    let req = s.holder_request("wallet");
    let issue = |attrs: &str| {
        s.run(
            &[
                "issuer",
                "issue",
                "--issuer",
                ISSUER,
                "--type",
                "resident_id_card",
                "--dir",
                &keys_dir,
                "--request",
                &req,
                "-",
            ],
            Some(attrs),
        )
    };
    let with = |name: &str, v: Value| {
        let mut a = resident_id_attributes();
        a[name] = v;
        a.to_string()
    };

    let (code, out, err) = issue(&with("birth_date", json!("1990-13-45")));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("standard input") && err.contains("\"birth_date\""),
        "{err}"
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");

    let (code, _, err) = issue(&with("area_code", json!(330106)));
    assert_eq!(code, 2);
    assert!(
        err.contains("\"area_code\" must be of type string"),
        "{err}"
    );

    let (code, _, err) = issue(&with("photo_digest", json!("not hex")));
    assert_eq!(code, 2);
    assert!(err.contains("\"photo_digest\" must be hex"), "{err}");

    let (code, _, err) = issue(&with("shoe_size", json!(42)));
    assert_eq!(code, 2);
    assert!(
        err.contains("\"shoe_size\"") && err.contains("catalogue show"),
        "{err}"
    );

    let mut missing = resident_id_attributes();
    missing.as_object_mut().unwrap().remove("holder_name");
    let (code, _, err) = issue(&missing.to_string());
    assert_eq!(code, 2);
    assert!(
        err.contains("required attribute \"holder_name\" is missing"),
        "{err}"
    );

    let (code, _, err) = issue(&with("license_id", json!("1.2.156.3005.2.nonsense")));
    assert_eq!(code, 2);
    assert!(err.contains("\"license_id\""), "{err}");

    let (code, _, err) = issue("{\"holder_name\": ");
    assert_eq!(code, 2);
    assert!(err.contains("standard input: not valid JSON"), "{err}");

    let (code, _, err) = s.run(
        &[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &req,
            &s.p("missing.json"),
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("missing.json"), "{err}");

    let (code, _, err) = s.run(
        &[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_card",
            "--dir",
            &keys_dir,
            "--request",
            &req,
        ],
        Some("{}"),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown credential type \"resident_card\""),
        "{err}"
    );

    let (code, _, err) = s.run(
        &[
            "issuer",
            "issue",
            "--issuer",
            OTHER_ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &req,
        ],
        Some(&resident_id_attributes().to_string()),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("has no key valid now") && err.contains("keygen"),
        "{err}"
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    let s = Scratch::new();
    // Missing required options are usage errors.
    let (code, _, err) = s.run(&["verify", "p.json"], None);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = s.run(&["issuer", "keygen", "--issuer", "bad issuer"], None);
    assert_eq!(code, 2);
    assert!(err.contains("invalid issuer identifier"), "{err}");
    let (code, _, err) = s.run(
        &[
            "issuer",
            "keygen",
            "--issuer",
            ISSUER,
            "--not-after",
            "2020-02-30",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("2020-02-30"), "{err}");
    let (code, _, err) = s.run(
        &[
            "request",
            "new",
            "--verifier",
            "shop.example",
            "--type",
            "resident_id_card",
            "--disclose",
            "holder_name,age",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no attribute \"age\""), "{err}");
    // A request file that is not a request.
    let not_request = s.write("r.json", "{\"format\": \"something-else\"}");
    let keys = s.write("k.json", "[]");
    let (code, _, err) = s.run(
        &["verify", "--request", &not_request, "--keys", &keys, "-"],
        Some("{}"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("r.json"), "{err}");
    // Defaults: the wallet lives under $ZKCRED_WALLET, else ~/.zkcred/wallet.
    let (code, _, err) = s.run(&["wallet", "list"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(".zkcred/wallet") && err.contains("zkcred wallet init"),
        "{err}"
    );
    let (code, _, err) = s.run(&["wallet", "show", "0123"], None);
    assert_eq!(code, 2);
    assert!(err.contains("no wallet"), "{err}");
}

/// Issue 10 §3: what no department would sign is refused with exit code 2
/// and `file: attribute: message [code]`; a paper license is converted only
/// with `--backdated`; the authority kind is declared at keygen.
#[test]
fn issuance_refuses_what_no_department_would_sign() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");
    // A key must say what kind of department signs with it.
    let (code, _, err) = s.run(
        &["issuer", "keygen", "--issuer", ISSUER, "--dir", &keys_dir],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--authority"), "{err}");
    let (code, _, err) = s.run(
        &[
            "issuer",
            "keygen",
            "--issuer",
            ISSUER,
            "--authority",
            "Public Security",
            "--dir",
            &keys_dir,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("invalid authority identifier"), "{err}");
    let out = s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    assert_eq!(field(&out, "authority:"), "public_security");
    let market_dir = s.p("market-keys");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        OTHER_ISSUER,
        "--authority",
        "market_regulation",
        "--dir",
        &market_dir,
    ]);
    let req = s.holder_request("wallet");
    let issue = |issuer: &str, dir: &str, extra: &[&str], attrs: &Value| {
        let mut args = vec![
            "issuer",
            "issue",
            "--issuer",
            issuer,
            "--type",
            "resident_id_card",
            "--dir",
            dir,
            "--request",
            &req,
        ];
        args.extend_from_slice(extra);
        args.push("-");
        s.run(&args, Some(&attrs.to_string()))
    };
    let with = |pairs: &[(&str, Value)]| {
        let mut a = resident_id_attributes();
        for (k, v) in pairs {
            a[*k] = v.clone();
        }
        a
    };
    let refused = |attrs: &Value, attribute: &str, code: &str| {
        let (exit, out, err) = issue(ISSUER, &keys_dir, &[], attrs);
        assert_eq!(exit, 2, "{attribute} [{code}] accepted: {out}");
        assert!(out.is_empty());
        assert!(
            err.contains(&format!("standard input: {attribute}: "))
                && err.trim_end().ends_with(&format!("[{code}]")),
            "expected {attribute} [{code}]: {err}"
        );
    };
    refused(
        &with(&[
            ("holder_id", json!("330106199005172314")),
            ("license_number", json!("330106199005172314")),
        ]),
        "holder_id",
        "id_number_check_digit",
    );
    refused(
        &with(&[("birth_date", json!("1991-05-17"))]),
        "birth_date",
        "birth_date_mismatch",
    );
    refused(
        &with(&[("area_code", json!("33"))]),
        "area_code",
        "area_code_format",
    );
    refused(
        &with(&[("area_code", json!("abcdef"))]),
        "area_code",
        "area_code_format",
    );
    refused(
        &with(&[("issue_date", json!("2099-01-01"))]),
        "issue_date",
        "date_in_future",
    );
    refused(
        &with(&[
            ("valid_until", json!("2001-01-01")),
            ("valid_from", json!("2000-01-01")),
        ]),
        "valid_until",
        "already_expired",
    );
    refused(
        &with(&[("holder_name", json!(""))]),
        "holder_name",
        "empty_value",
    );
    // 30 February is not a date: refused while reading, with its code.
    let (exit, _, err) = issue(
        ISSUER,
        &keys_dir,
        &[],
        &with(&[("birth_date", json!("1990-02-30"))]),
    );
    assert_eq!(exit, 2);
    assert!(
        err.contains("\"birth_date\"") && err.contains("[invalid_date]"),
        "{err}"
    );
    // A market regulator does not issue resident ID cards.
    let (exit, _, err) = issue(
        OTHER_ISSUER,
        &market_dir,
        &[],
        &with(&[("issuer_code", json!(OTHER_ISSUER))]),
    );
    assert_eq!(exit, 2);
    assert!(
        err.contains("issuer: a market_regulation authority does not issue resident_id_card")
            && err.contains("[authority_not_permitted]"),
        "{err}"
    );

    // Converting a paper card issued in 2015: refused without --backdated,
    // issued with it, the issue date kept.
    let paper = with(&[
        ("issue_date", json!("2015-06-01")),
        ("valid_from", json!("2015-06-01")),
        ("valid_until", json!("2035-06-01")),
    ]);
    let (exit, _, err) = issue(ISSUER, &keys_dir, &[], &paper);
    assert_eq!(exit, 2);
    assert!(
        err.contains("issue_date: ")
            && err.contains("--backdated")
            && err.contains("[backdated_issue_date]"),
        "{err}"
    );
    let (exit, out, err) = issue(ISSUER, &keys_dir, &["--backdated"], &paper);
    assert_eq!(exit, 0, "{err}");
    let cred: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(cred["attributes"]["issue_date"], "2015-06-01");
    // The holder's wallet accepts it.
    let keyset = s.write(
        "keys.json",
        &s.ok(&["issuer", "export-keys", "--dir", &keys_dir]),
    );
    let cred_file = s.write("paper.json", &out);
    s.ok(&[
        "wallet",
        "add",
        "--wallet",
        &s.p("wallet"),
        "--keys",
        &keyset,
        &cred_file,
    ]);
}

/// `zkcred regulator keygen` (in `regulator/`), `zkcred verifier keygen`
/// (in `verifier/`) and the registration of `policies`; its file.
fn register(s: &Scratch, policies: &[&str]) -> String {
    let out = s.ok(&["regulator", "keygen", "--out", &s.p("regulator")]);
    assert!(out.starts_with("regulator key "), "{out}");
    #[cfg(unix)]
    assert_eq!(mode(&s.path("regulator").join("regulator.key")), 0o600);
    let out = s.ok(&["verifier", "keygen", "--out", &s.p("verifier")]);
    assert!(out.starts_with("request key "), "{out}");
    // Never over an existing key.
    let (code, _, err) = s.run(&["verifier", "keygen", "--out", &s.p("verifier")], None);
    assert_eq!(code, 2);
    assert!(err.contains("never overwritten"), "{err}");
    let mut args = vec![
        "regulator".to_owned(),
        "register".into(),
        "--regulator-key".into(),
        s.p("regulator/regulator.key"),
        "--verifier-key".into(),
        s.p("verifier/request.pub.json"),
        "--days".into(),
        "30".into(),
    ];
    for p in policies {
        args.extend(["--policy".to_owned(), p.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, registration, err) = s.run(&args, None);
    assert_eq!(code, 0, "{err}");
    // The regulator saw its audit of each policy.
    assert!(err.contains("registered verifier "), "{err}");
    let reg: Value = serde_json::from_str(&registration).unwrap();
    assert_eq!(reg["format"], "zkcred-verifier-registration");
    assert_eq!(reg["policies"].as_array().unwrap().len(), policies.len());
    s.write("registration.json", &registration)
}

/// The wallet `name` trusts the regulator of [`register`].
fn trust(s: &Scratch, name: &str) {
    let out = s.ok(&[
        "wallet",
        "trust-regulator",
        "--wallet",
        &s.p(name),
        &s.p("regulator/regulator.pub.json"),
    ]);
    assert!(out.starts_with("trusting regulator key "), "{out}");
}

/// An adults-only venue's policy through the CLI: the request it makes
/// asks for no value, only `birth_date <=` a bound; the adult's wallet
/// answers with a presentation holding no birth date in any form (not the
/// date, not its day count, not the ID number that contains it), which
/// verifies against the request and the policy; a minor's wallet refuses
/// and says why.
#[test]
fn an_adults_only_policy_admits_an_adult_without_the_birth_date_and_a_minor_s_wallet_refuses() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    let keyset_file = s.write(
        "keys.json",
        &s.ok(&["issuer", "export-keys", "--dir", &keys_dir]),
    );
    // A 16-year-old's card: the ID number carries the birth date.
    let year = time::OffsetDateTime::now_utc().year() - 16;
    let minor_id =
        zkcred_credential::formats::IdNumber::with_check_char(&format!("330106{year}0601231"))
            .unwrap()
            .to_string();
    let mut minor = resident_id_attributes();
    minor["birth_date"] = json!(format!("{year}-06-01"));
    minor["holder_id"] = json!(minor_id);
    minor["license_number"] = json!(minor_id);
    for (name, attrs) in [("adult", resident_id_attributes()), ("minor", minor)] {
        let attrs = s.write(&format!("{name}-attrs.json"), &attrs.to_string());
        let req = s.holder_request(name);
        let cred = s.ok(&[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &req,
            &attrs,
        ]);
        let cred_file = s.write(&format!("{name}.json"), &cred);
        s.ok(&[
            "wallet",
            "add",
            "--wallet",
            &s.p(name),
            "--keys",
            &keyset_file,
            &cred_file,
        ]);
    }
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policy/examples/venue-age-check.json"
    );
    // The regulator registers the venue's request key for this policy;
    // both wallets trust the regulator; the venue signs its request.
    let registration = register(&s, &[policy]);
    for name in ["adult", "minor"] {
        trust(&s, name);
    }
    let request = s.ok(&[
        "request",
        "new",
        "--policy",
        policy,
        "--verifier-key",
        &s.p("verifier/request.key"),
        "--registration",
        &registration,
    ]);
    let req: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(req["credentials"][0]["disclose"], json!([]));
    assert_eq!(
        req["credentials"][0]["statements"][0]["attribute"],
        "birth_date"
    );
    assert_eq!(req["credentials"][0]["statements"][0]["op"], "<=");
    let request_file = s.write("request.json", &request);

    let (code, presentation, err) = s.run(
        &[
            "wallet",
            "present",
            "--yes",
            "--wallet",
            &s.p("adult"),
            &request_file,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    // What the holder was shown before: who asks, why, what is proven.
    for shown in [
        "Request from 深圳南山示例KTV (ktv.nanshan-example.cn, region 440305)",
        "policy:      venue-age-check v1",
        "purpose:     Admit only guests aged 18 or more",
        "legal basis: 《中华人民共和国未成年人保护法》第五十八条",
        "retention:   the values are not kept",
        "discloses: nothing (only that you hold it)",
        "proves without disclosing: birth_date <= ",
    ] {
        assert!(err.contains(shown), "{shown:?} not in:\n{err}");
    }
    let days = zkcred_credential::Date::parse("1990-05-17").unwrap().days();
    for leak in ["1990-05-17", "19900517", ID_NUMBER, NAME] {
        assert!(
            !presentation.contains(leak),
            "{leak} leaked: {presentation}"
        );
    }
    // The day count as a value anywhere in the document (as a substring
    // it turns up by chance inside the proof's hex).
    fn values(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.values().for_each(|x| values(x, out)),
            Value::Array(a) => a.iter().for_each(|x| values(x, out)),
            Value::String(s) => out.push(s.clone()),
            other => out.push(other.to_string()),
        }
    }
    let mut all = Vec::new();
    values(&serde_json::from_str(&presentation).unwrap(), &mut all);
    assert!(!all.is_empty());
    assert!(
        !all.iter().any(|v| v == &days.to_string()),
        "the day count {days} is a value of the presentation"
    );
    let pres_file = s.write("presentation.json", &presentation);
    let out = s.ok(&[
        "verify",
        "--request",
        &request_file,
        "--keys",
        &keyset_file,
        "--policy",
        policy,
        &pres_file,
    ]);
    assert_eq!(out.lines().next(), Some("VALID"), "{out}");
    assert!(
        out.contains("proven in zero knowledge") && out.contains("birth_date <="),
        "{out}"
    );
    assert!(
        out.contains("✓ guest: birth_date at least 18 years") && out.contains("proven"),
        "{out}"
    );

    let (code, out, err) = s.run(
        &[
            "wallet",
            "present",
            "--yes",
            "--wallet",
            &s.p("minor"),
            &request_file,
        ],
        None,
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.is_empty(), "nothing leaves the wallet: {out}");
    assert!(err.contains("does not meet birth_date <="), "{err}");
    assert!(
        !err.contains(&format!("{year}-06-01")),
        "the minor's birth date in the message: {err}"
    );
}

/// Every file under `dir` (relative path → octets), recursively.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// The wallet at rest through the CLI: `init` (once), files holding no
/// attribute value and no holder secret in any form, a wrong passphrase
/// refused with a clear error and nothing changed, a damaged entry a clear
/// error, a copied wallet opening elsewhere with the passphrase.
#[test]
fn the_wallet_at_rest_holds_no_value_and_opens_only_with_its_passphrase() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    let keyset_file = s.write(
        "keys.json",
        &s.ok(&["issuer", "export-keys", "--dir", &keys_dir]),
    );
    let attrs = s.write("attrs.json", &resident_id_attributes().to_string());
    let wallet = s.p("wallet");
    let req = s.holder_request("wallet");
    let credential = s.ok(&[
        "issuer",
        "issue",
        "--issuer",
        ISSUER,
        "--type",
        "resident_id_card",
        "--dir",
        &keys_dir,
        "--request",
        &req,
        &attrs,
    ]);
    let cred: Value = serde_json::from_str(&credential).unwrap();
    let cred_file = s.write("card.json", &credential);
    let (code, _, err) = s.run(&["wallet", "init", "--wallet", &wallet], None);
    assert_eq!(code, 2);
    assert!(err.contains("exists already"), "{err}");
    let out = s.ok(&[
        "wallet",
        "add",
        "--wallet",
        &wallet,
        "--keys",
        &keyset_file,
        &cred_file,
    ]);
    let entry = out.split_whitespace().nth(1).unwrap().to_owned();
    #[cfg(unix)]
    {
        assert_eq!(mode(&s.path("wallet")), 0o700);
        assert_eq!(mode(&s.path("wallet").join("wallet.json")), 0o600);
        assert_eq!(mode(&s.path("wallet").join("credentials")), 0o700);
    }

    // No value, slot or secret in any file, in any of these forms.
    let reserved = &cred["reserved"];
    let needles = [
        NAME.to_owned(),
        "\\u5f20\\u4e09".to_owned(), // 张三, as an escaping JSON writer writes it
        hex::encode(NAME.as_bytes()),
        ID_NUMBER.to_owned(),
        "1990-05-17".to_owned(),
        "19900517".to_owned(),
        "1990/05/17".to_owned(),
        "17/05/1990".to_owned(),
        "1990年05月17日".to_owned(),
        "文三路".to_owned(),
        cred["commitment_digest"].as_str().unwrap().to_owned(),
        reserved["revocation_handle"].as_str().unwrap().to_owned(),
        cred["signature"].as_str().unwrap().to_owned(),
        "holder_name".to_owned(),
    ];
    let files = snapshot(&s.path("wallet"));
    // wallet.json and the entry (the pending request was used up).
    assert_eq!(files.len(), 2, "{:?}", files.keys());
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes).to_lowercase();
        for n in &needles {
            assert!(
                !text.contains(&n.to_lowercase()),
                "{n} in {}",
                path.display()
            );
        }
    }
    // The same values are in the credential file (the search can fail).
    for n in [&needles[0], &needles[3], &needles[4], &needles[10]] {
        assert!(credential.contains(n.as_str()), "{n}");
    }
    // The holder secret is never printed: init said nothing of its value,
    // and show prints the attributes only.
    let out = s.ok(&["wallet", "show", "--wallet", &wallet, &entry]);
    assert!(out.contains(NAME), "{out}");
    assert!(!out.contains(reserved["revocation_handle"].as_str().unwrap()));

    // A wrong passphrase: the clear error, exit 2, every file unchanged,
    // for every command that opens the wallet.
    let before = snapshot(&s.path("wallet"));
    let request_file = s.write(
        "request.json",
        &s.ok(&[
            "request",
            "new",
            "--verifier",
            "bank.example",
            "--type",
            "resident_id_card",
            "--disclose",
            "holder_name",
        ]),
    );
    for args in [
        &["wallet", "list", "--wallet", &wallet][..],
        &["wallet", "show", "--wallet", &wallet, &entry],
        &["wallet", "remove", "--wallet", &wallet, &entry],
        &[
            "wallet",
            "present",
            "--allow-unsigned",
            "--yes",
            "--wallet",
            &wallet,
            &request_file,
        ],
        &[
            "wallet",
            "add",
            "--wallet",
            &wallet,
            "--keys",
            &keyset_file,
            &cred_file,
        ],
    ] {
        let (code, out, err) = s.run_with_passphrase(args, None, "tests only: wrong");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains("wrong passphrase, or the wallet file is damaged"),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(snapshot(&s.path("wallet")), before, "{args:?}");
    }

    // A damaged entry: a clear error naming it, no panic.
    let record = s
        .path("wallet")
        .join("credentials")
        .join(format!("{entry}.json"));
    let original = std::fs::read(&record).unwrap();
    let mut v: Value = serde_json::from_slice(&original).unwrap();
    let ct = v["ciphertext"].as_str().unwrap().to_owned();
    let flipped = if ct.starts_with('0') { "1" } else { "0" };
    v["ciphertext"] = json!(format!("{flipped}{}", &ct[1..]));
    std::fs::write(&record, v.to_string()).unwrap();
    let (code, _, err) = s.run(&["wallet", "show", "--wallet", &wallet, &entry], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&entry) && err.contains("damaged"), "{err}");
    let (code, _, err) = s.run(&["wallet", "list", "--wallet", &wallet], None);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("skipping") && err.contains("damaged"), "{err}");
    std::fs::write(&record, &original).unwrap();

    // A copy elsewhere opens with the passphrase, and presents.
    let copy = s.path("elsewhere");
    std::fs::create_dir_all(copy.join("credentials")).unwrap();
    for (rel, bytes) in snapshot(&s.path("wallet")) {
        std::fs::write(copy.join(rel), bytes).unwrap();
    }
    let copy = copy.to_str().unwrap().to_owned();
    let out = s.ok(&["wallet", "list", "--wallet", &copy]);
    assert!(out.starts_with(&entry), "{out}");
    let (code, presentation, err) = s.run(
        &[
            "wallet",
            "present",
            "--allow-unsigned",
            "--yes",
            "--wallet",
            &copy,
            &request_file,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let pres_file = s.write("presentation.json", &presentation);
    let out = s.ok(&[
        "verify",
        "--request",
        &request_file,
        "--keys",
        &keyset_file,
        &pres_file,
    ]);
    assert_eq!(out.lines().next(), Some("VALID"), "{out}");
    let (code, _, err) = s.run_with_passphrase(&["wallet", "list", "--wallet", &copy], None, "");
    assert_eq!(code, 2);
    assert!(err.contains("wrong passphrase"), "{err}");

    // Out-of-range KDF memory is refused before anything is created.
    let (code, _, err) = s.run(
        &[
            "wallet",
            "init",
            "--wallet",
            &s.p("w3"),
            "--kdf-memory-mib",
            "4",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--kdf-memory-mib"), "{err}");
    assert!(!s.path("w3").exists());
}

/// A hotel's signed request through the CLI: the wallet shows who asks and
/// what, presents on confirmation only, and refuses (writing nothing to
/// standard output) a request rewritten to ask for more, one from a
/// verifier no trusted regulator registered, an unsigned one, and one
/// signed under a registration that does not hold its policy.
#[test]
fn the_wallet_presents_signed_requests_and_refuses_altered_ones() {
    let s = Scratch::new();
    let keys_dir = s.p("keys");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys_dir,
    ]);
    let keyset_file = s.write(
        "keys.json",
        &s.ok(&["issuer", "export-keys", "--dir", &keys_dir]),
    );
    let attrs = s.write("attrs.json", &resident_id_attributes().to_string());
    // Two wallets, each with a card issued to it.
    for name in ["wallet", "stranger"] {
        let req = s.holder_request(name);
        let cred = s.ok(&[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            "resident_id_card",
            "--dir",
            &keys_dir,
            "--request",
            &req,
            &attrs,
        ]);
        let cred_file = s.write(&format!("{name}-card.json"), &cred);
        s.ok(&[
            "wallet",
            "add",
            "--wallet",
            &s.p(name),
            "--keys",
            &keyset_file,
            &cred_file,
        ]);
    }
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policy/examples/hotel-check-in.json"
    );
    let registration = register(&s, &[policy]);
    trust(&s, "wallet");
    let (code, request, err) = s.run(
        &[
            "request",
            "new",
            "--policy",
            policy,
            "--verifier-key",
            &s.p("verifier/request.key"),
            "--registration",
            &registration,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("signed with request key"), "{err}");
    let req: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(req["version"], 2);
    assert_eq!(req["policy"]["requirements"], json!(["guest"]));
    let request_file = s.write("request.json", &request);
    let present = |wallet: &str, file: &str, extra: &[&str]| {
        let mut args = vec!["wallet", "present", "--wallet", wallet];
        args.extend_from_slice(extra);
        args.push(file);
        s.run(&args, None)
    };
    let wallet = s.p("wallet");

    // No terminal to ask on and no --yes: shown, not presented.
    let (code, out, err) = present(&wallet, &request_file, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("Request from 上海外滩示例酒店 Bund Example Hotel (hotel.huangpu.example.cn, region 310101)"),
        "{err}"
    );
    assert!(
        err.contains("discloses: holder_name, holder_id, photo_digest"),
        "{err}"
    );
    assert!(
        err.contains("retention:   the values are kept 365 days"),
        "{err}"
    );
    assert!(err.contains("confirm with --yes"), "{err}");

    // Confirmed: presented, and it verifies under the policy.
    let (code, presentation, err) = present(&wallet, &request_file, &["--yes"]);
    assert_eq!(code, 0, "{err}");
    let pres_file = s.write("presentation.json", &presentation);
    let out = s.ok(&[
        "verify",
        "--request",
        &request_file,
        "--keys",
        &keyset_file,
        "--policy",
        policy,
        &pres_file,
    ]);
    assert_eq!(out.lines().next(), Some("VALID"), "{out}");

    // Rewritten to ask for the address too, or for another purpose.
    for (what, path, value) in [
        (
            "disclosure",
            "/credentials/0/disclose",
            json!(["holder_name", "holder_id", "photo_digest", "address"]),
        ),
        ("purpose", "/purpose", json!("Loyalty programme")),
        ("verifier", "/verifier", json!("hotel.huangpu-example.cn")),
    ] {
        let mut bad = req.clone();
        *bad.pointer_mut(path).unwrap() = value;
        let bad_file = s.write("altered.json", &bad.to_string());
        let (code, out, err) = present(&wallet, &bad_file, &["--yes"]);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(out.is_empty(), "{what}: {out}");
        assert!(err.contains("[request_signature_invalid]"), "{what}: {err}");
        assert!(
            !err.contains("Request from"),
            "{what}: shown before the check: {err}"
        );
    }

    // A wallet that trusts no regulator.
    let (code, out, err) = present(&s.p("stranger"), &request_file, &["--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("[registration_untrusted]") && err.contains("wallet trust-regulator"),
        "{err}"
    );

    // The same policy's request unsigned.
    let unsigned = s.write(
        "unsigned.json",
        &s.ok(&["request", "new", "--policy", policy]),
    );
    let (code, out, err) = present(&wallet, &unsigned, &["--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("[request_unsigned]"), "{err}");

    // Signing under a registration without the policy is refused.
    let other = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policy/examples/venue-age-check.json"
    );
    let (code, _, err) = s.run(
        &[
            "request",
            "new",
            "--policy",
            other,
            "--verifier-key",
            &s.p("verifier/request.key"),
            "--registration",
            &registration,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("does not cover the request"), "{err}");
    // --verifier-key needs --registration.
    let (code, _, _) = s.run(
        &[
            "request",
            "new",
            "--policy",
            policy,
            "--verifier-key",
            &s.p("verifier/request.key"),
        ],
        None,
    );
    assert_eq!(code, 2);
}
