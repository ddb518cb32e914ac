//! Licence status from the command line: an issuer starts a status
//! registry, issues, suspends, reinstates and revokes licences and
//! publishes the epochs; a wallet syncs from the publication directory;
//! gaps and forged epochs are refused and witnesses are never printed.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const ISSUER: &str = "11330105002500287C";
const TYPE: &str = "resident_id_card";
const PASSPHRASE: &str = "tests only: 状态 battery staple";

struct Scratch {
    dir: tempfile::TempDir,
    /// Every output of every command run, to check no witness is printed.
    seen: std::cell::RefCell<String>,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
            seen: Default::default(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    /// Runs `zkcred` with `args`, returning exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkcred"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("ZKCRED_WALLET")
            .env_remove("ZKCRED_KEYS")
            .env("ZKCRED_WALLET_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run zkcred");
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        // `issuer issue` prints the credential document, which carries the
        // witness by design; everything else must not.
        if args.get(1) != Some(&"issue") {
            let mut seen = self.seen.borrow_mut();
            seen.push_str(&o);
            seen.push_str(&e);
        }
        (out.status.code().unwrap_or(-1), o, e)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "zkcred {args:?}\nstdout:\n{out}\nstderr:\n{err}");
        out
    }

    /// Runs a command that must fail with exit code 2; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 2, "zkcred {args:?}\nstdout:\n{out}\nstderr:\n{err}");
        err
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.p(name)
    }

    /// Issues an ID card to the wallet and adds it; returns the
    /// credential document and the wallet entry id.
    fn issue_card(&self, n: u32) -> (Value, String) {
        let wallet = self.p("wallet");
        let request = self.ok(&["wallet", "request", "--wallet", &wallet]);
        let request = self.write(&format!("request-{n}.json"), &request);
        let attrs = self.write(&format!("attrs-{n}.json"), &attributes().to_string());
        let (code, credential, err) = self.run(&[
            "issuer",
            "issue",
            "--issuer",
            ISSUER,
            "--type",
            TYPE,
            "--dir",
            &self.p("keys"),
            "--request",
            &request,
            &attrs,
        ]);
        assert_eq!(code, 0, "{err}");
        let file = self.write(&format!("card-{n}.json"), &credential);
        let out = self.ok(&[
            "wallet",
            "add",
            "--wallet",
            &wallet,
            "--keys",
            &self.p("keys"),
            &file,
        ]);
        let entry = out.split_whitespace().nth(1).unwrap().to_owned();
        (serde_json::from_str(&credential).unwrap(), entry)
    }

    fn status_json(&self) -> Value {
        let out = self.ok(&[
            "issuer",
            "status",
            "show",
            "--type",
            TYPE,
            "--dir",
            &self.p("keys"),
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    }

    fn show_json(&self, entry: &str) -> Value {
        let out = self.ok(&[
            "wallet",
            "show",
            "--wallet",
            &self.p("wallet"),
            entry,
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    }

    fn change(&self, verb: &str, ids: &[&str]) -> String {
        let keys = self.p("keys");
        let publish = self.p("pub");
        let mut args = vec![
            "issuer",
            "status",
            verb,
            "--type",
            TYPE,
            "--dir",
            &keys,
            "--publish",
            &publish,
        ];
        args.extend_from_slice(ids);
        self.ok(&args)
    }
}

fn today() -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let d = time::OffsetDateTime::now_utc().to_offset(offset).date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn attributes() -> Value {
    json!({
        "license_number": "330106199005172313",
        "holder_name": "张三",
        "holder_id": "330106199005172313",
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

fn license_id(credential: &Value) -> String {
    credential["attributes"]["license_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The wallet's status of `entry`: (code, epoch, since_epoch).
fn held(s: &Scratch, entry: &str) -> (String, u64, u64) {
    let v = s.show_json(entry);
    let st = &v["status"];
    (
        st["status"].as_str().unwrap().to_owned(),
        st["epoch"].as_u64().unwrap(),
        st["since_epoch"].as_u64().unwrap(),
    )
}

/// An edit of a published document.
type Edit<'a> = &'a dyn Fn(&mut Value);

/// A copy of the publication directory without `remove`, with `edit`
/// applied to the file named `edited`.
fn copy_pub(
    s: &Scratch,
    name: &str,
    remove: Option<&str>,
    edited: Option<(&str, Edit<'_>)>,
) -> String {
    let from = s.path("pub").join(ISSUER).join(TYPE);
    let to = s.path(name).join(ISSUER).join(TYPE);
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        let file = e.file_name().to_string_lossy().into_owned();
        if Some(file.as_str()) == remove {
            continue;
        }
        let mut text = std::fs::read_to_string(e.path()).unwrap();
        if let Some((target, edit)) = &edited {
            if *target == file {
                let mut v: Value = serde_json::from_str(&text).unwrap();
                edit(&mut v);
                text = v.to_string();
            }
        }
        std::fs::write(to.join(&file), text).unwrap();
    }
    s.p(name)
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn status_from_issuance_to_sync_and_the_ways_it_fails() {
    let s = Scratch::new();
    let keys = s.p("keys");
    let wallet = s.p("wallet");
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        ISSUER,
        "--authority",
        "public_security",
        "--dir",
        &keys,
    ]);
    s.ok(&[
        "wallet",
        "init",
        "--wallet",
        &wallet,
        "--kdf-memory-mib",
        "8",
    ]);

    // Before the registry: no status member, and nothing to change.
    let (early, early_entry) = s.issue_card(0);
    assert!(early.get("status").is_none(), "{early}");
    let err = s.fails(&["issuer", "status", "show", "--type", TYPE, "--dir", &keys]);
    assert!(
        err.contains("no status registry") && err.contains("status init"),
        "{err}"
    );

    // The registry: epoch 0, published.
    let out = s.ok(&[
        "issuer",
        "status",
        "init",
        "--type",
        TYPE,
        "--dir",
        &keys,
        "--publish",
        &s.p("pub"),
    ]);
    assert!(out.contains("epoch 0"), "{out}");
    let reg_dir = s.path("keys").join("status").join(ISSUER).join(TYPE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&reg_dir.join("accumulator.secret.json")), 0o600);
        assert_eq!(mode(&reg_dir.join("registry.json")), 0o600);
    }
    let secret: Value = serde_json::from_str(
        &std::fs::read_to_string(reg_dir.join("accumulator.secret.json")).unwrap(),
    )
    .unwrap();
    let pub_dir = s.path("pub").join(ISSUER).join(TYPE);
    assert_eq!(files(&pub_dir), ["epoch-0.json"]);
    let err = s.fails(&["issuer", "status", "init", "--type", TYPE, "--dir", &keys]);
    assert!(err.contains("already"), "{err}");

    // Issued from now on: recorded, with a witness for epoch 0.
    let (a, a_entry) = s.issue_card(1);
    let (b, b_entry) = s.issue_card(2);
    assert_eq!(a["status"]["epoch"], 0);
    let witnesses: Vec<String> = [&a, &b]
        .iter()
        .map(|c| c["status"]["witness"].as_str().unwrap().to_owned())
        .collect();
    assert!(witnesses.iter().all(|w| w.len() == 96));
    let (a_id, b_id, early_id) = (license_id(&a), license_id(&b), license_id(&early));
    let list = s.ok(&["wallet", "list", "--wallet", &wallet]);
    assert!(
        list.lines()
            .any(|l| l.starts_with(&a_entry) && l.contains("status 01 valid (epoch 0)")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with(&early_entry) && !l.contains("status")),
        "{list}"
    );
    let shown = s.ok(&["wallet", "show", "--wallet", &wallet, &a_entry]);
    assert!(
        shown.contains("status:  01 valid (有效) since epoch 0"),
        "{shown}"
    );

    // Epoch 1: A suspended; the wallet syncs.
    let out = s.change("suspend", &[&a_id]);
    assert!(
        out.contains("epoch 1") && out.contains("02 suspended"),
        "{out}"
    );
    assert_eq!(
        files(&pub_dir),
        ["epoch-0.json", "epoch-1.json", "update-1.json"]
    );
    let out = s.ok(&["wallet", "sync", "--wallet", &wallet, "--from", &s.p("pub")]);
    assert!(out.contains("now 02 suspended (暂扣)"), "{out}");
    assert_eq!(held(&s, &a_entry), ("02".into(), 1, 1));
    assert_eq!(held(&s, &b_entry), ("01".into(), 1, 0));
    let shown = s.ok(&["wallet", "show", "--wallet", &wallet, &a_entry]);
    assert!(
        shown.contains("02 suspended (暂扣) since epoch 1"),
        "{shown}"
    );

    // Epochs 2 and 3: A reinstated, B revoked; the wallet has not synced.
    s.change("reinstate", &[&a_id]);
    s.change("revoke", &[&b_id]);

    // A gap (the update into epoch 2 missing) is refused; nothing changes.
    let gap = copy_pub(&s, "gap", Some("update-2.json"), None);
    let err = s.fails(&["wallet", "sync", "--wallet", &wallet, "--from", &gap]);
    assert!(
        err.contains("status chain broken") && err.contains("nothing changed"),
        "{err}"
    );
    assert!(err.contains("[status_chain_broken]"), "{err}");
    assert_eq!(held(&s, &a_entry), ("02".into(), 1, 1));
    // An epoch altered after signing is refused; nothing changes.
    let forge = |v: &mut Value| v["published_at"] = json!("2031-01-01T00:00:00Z");
    let forged = copy_pub(&s, "forged", None, Some(("epoch-2.json", &forge)));
    let err = s.fails(&["wallet", "sync", "--wallet", &wallet, "--from", &forged]);
    assert!(err.contains("[status_signature_invalid]"), "{err}");
    assert_eq!(held(&s, &a_entry), ("02".into(), 1, 1));
    // An altered status code in an update is refused; nothing changes.
    let recode = |v: &mut Value| v["statuses"][0]["status"] = json!("04");
    let recoded = copy_pub(&s, "recoded", None, Some(("update-3.json", &recode)));
    let err = s.fails(&["wallet", "sync", "--wallet", &wallet, "--from", &recoded]);
    assert!(err.contains("[status_update_invalid]"), "{err}");
    assert_eq!(held(&s, &b_entry), ("01".into(), 1, 0));
    // A document that does not parse names its file.
    let broken = copy_pub(
        &s,
        "broken",
        None,
        Some(("epoch-3.json", &|v: &mut Value| v["extra"] = json!(1))),
    );
    let err = s.fails(&["wallet", "sync", "--wallet", &wallet, "--from", &broken]);
    assert!(err.contains("epoch-3.json"), "{err}");

    // The real documents: A valid again, B revoked.
    let out = s.ok(&["wallet", "sync", "--wallet", &wallet, "--from", &s.p("pub")]);
    assert!(out.contains("epoch 1 -> 3"), "{out}");
    assert_eq!(held(&s, &a_entry), ("01".into(), 3, 2));
    assert_eq!(held(&s, &b_entry), ("03".into(), 3, 3));
    let list = s.ok(&["wallet", "list", "--wallet", &wallet]);
    assert!(
        list.lines()
            .any(|l| l.starts_with(&b_entry) && l.contains("status 03 revoked (epoch 3)")),
        "{list}"
    );

    // A batch: two licences, one epoch.
    let (c, c_entry) = s.issue_card(3);
    let (d, _) = s.issue_card(4);
    let out = s.change("suspend", &[&license_id(&c), &license_id(&d)]);
    assert!(out.contains("epoch 4: 2 licence(s)"), "{out}");
    assert!(pub_dir.join("epoch-4.json").exists() && !pub_dir.join("epoch-5.json").exists());
    let update: Value =
        serde_json::from_str(&std::fs::read_to_string(pub_dir.join("update-4.json")).unwrap())
            .unwrap();
    assert_eq!(update["statuses"].as_array().unwrap().len(), 2);
    s.ok(&["wallet", "sync", "--wallet", &wallet, "--from", &s.p("pub")]);
    assert_eq!(held(&s, &c_entry), ("02".into(), 4, 4));

    // Refused changes leave the registry as it was.
    let err = s.fails(&[
        "issuer",
        "status",
        "reinstate",
        "--type",
        TYPE,
        "--dir",
        &keys,
        &b_id,
    ]);
    assert!(
        err.contains("final") && err.contains("nothing changed"),
        "{err}"
    );
    let err = s.fails(&[
        "issuer", "status", "revoke", "--type", TYPE, "--dir", &keys, &a_id, &early_id,
    ]);
    assert!(
        err.contains("no licence") && err.contains("nothing changed"),
        "{err}"
    );
    let err = s.fails(&[
        "issuer", "status", "penalty", "--type", TYPE, "--dir", &keys,
    ]);
    assert!(err.contains("CREDENTIAL_ID"), "{err}");
    let shown = s.status_json();
    assert_eq!(shown["epoch"], 4);
    let statuses: Vec<(String, String)> = shown["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["credential_id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses.len(), 4);
    assert!(statuses.contains(&(a_id.clone(), "01".into())));
    assert!(statuses.contains(&(b_id.clone(), "03".into())));
    let text = s.ok(&["issuer", "status", "show", "--type", TYPE, "--dir", &keys]);
    assert!(text.contains("epoch:       4"), "{text}");
    assert!(
        text.contains("4 (1 valid, 2 suspended, 1 revoked)"),
        "{text}"
    );

    // A second issuer in the key directory: --issuer is then needed.
    s.ok(&[
        "issuer",
        "keygen",
        "--issuer",
        "11430000006122244L",
        "--authority",
        "public_security",
        "--dir",
        &keys,
    ]);
    let err = s.fails(&["issuer", "status", "show", "--type", TYPE, "--dir", &keys]);
    assert!(err.contains("--issuer"), "{err}");
    s.ok(&[
        "issuer", "status", "show", "--type", TYPE, "--dir", &keys, "--issuer", ISSUER,
    ]);

    // No witness, handle or secret was ever printed.
    let seen = s.seen.borrow();
    for w in &witnesses {
        assert!(!seen.contains(w.as_str()), "a witness was printed");
        assert!(!seen.contains(&w[..16]), "a witness prefix was printed");
    }
    for c in [&a, &b] {
        let handle = c["reserved"]["revocation_handle"].as_str().unwrap();
        assert!(!seen.contains(handle), "a handle was printed");
    }
    assert!(!seen.contains(secret["secret_key"].as_str().unwrap()));
}

/// After the issuer rotates its key, epochs are signed with a key the
/// wallet never saw: the sync says to give the key set with `--keys`, and
/// with it the sync goes through.
#[test]
fn a_sync_after_a_key_rotation_asks_for_the_key_set() {
    let s = Scratch::new();
    let keys = s.p("keys");
    let wallet = s.p("wallet");
    let keygen = ["issuer", "keygen", "--issuer", ISSUER, "--dir", &keys];
    let mut first = keygen.to_vec();
    first.extend(["--authority", "public_security"]);
    s.ok(&first);
    s.ok(&[
        "wallet",
        "init",
        "--wallet",
        &wallet,
        "--kdf-memory-mib",
        "8",
    ]);
    s.ok(&[
        "issuer",
        "status",
        "init",
        "--type",
        TYPE,
        "--dir",
        &keys,
        "--publish",
        &s.p("pub"),
    ]);
    let (card, _) = s.issue_card(0);
    // A rotation retires the current key only once a whole second of the
    // CLI's clock has passed since it began.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.ok(&keygen);
    s.change("suspend", &[&license_id(&card)]);
    let err = s.fails(&["wallet", "sync", "--wallet", &wallet, "--from", &s.p("pub")]);
    assert!(
        err.contains("[unknown_key]") && err.contains("--keys"),
        "{err}"
    );
    let set = s.ok(&["issuer", "export-keys", "--dir", &keys]);
    let set = s.write("keys.json", &set);
    let out = s.ok(&[
        "wallet",
        "sync",
        "--wallet",
        &wallet,
        "--from",
        &s.p("pub"),
        "--keys",
        &set,
    ]);
    assert!(out.contains("now 02 suspended"), "{out}");
}
