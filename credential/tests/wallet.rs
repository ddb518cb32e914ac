//! The wallet: add (verifying), list, show, remove, present.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use time::Duration;
use zkcred_credential::{
    issue_with, verify_presentation, AttributeValue, Catalogue, Date, Error, IssueOptions,
    KdfParams, KeySet, PresentationRequest, RequestedCredential, Wallet, WalletEntry,
};
use zkcred_crypto::bbs::Suite;

#[test]
fn wallet_add_list_show_present_remove() {
    let c = Catalogue::builtin();
    let mut rng = rng(1);
    let key = issuer_key(ISSUER, Suite::Bls12381Sha256, &mut rng);
    let other_key = issuer_key(OTHER_ISSUER, Suite::Bls12381Sha256, &mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    keys.insert(other_key.public().clone());
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::init(dir.path().join("w"), PASS, small_kdf(), &mut rng).unwrap();

    let t = c.get("drivers_license").unwrap();
    let mut old = sample_attributes(t, &mut rng, Some(true));
    old.insert(
        "issue_date",
        AttributeValue::Date(Date::parse("2016-04-01").unwrap()),
    );
    old.insert(
        "valid_from",
        AttributeValue::Date(Date::parse("2016-04-01").unwrap()),
    );
    let mut new = sample_attributes(t, &mut rng, Some(true));
    new.insert(
        "issue_date",
        AttributeValue::Date(Date::parse("2022-04-01").unwrap()),
    );
    new.insert(
        "valid_from",
        AttributeValue::Date(Date::parse("2022-04-01").unwrap()),
    );
    // Licenses issued years ago, converted now: back-dated issuance.
    let conversion = IssueOptions {
        allow_backdated: true,
    };
    let convert = |key, attrs, rng: &mut _| {
        issue_with(c, key, &t.id, attrs, &conversion, now(), rng).unwrap()
    };
    let old_cred = convert(&key, &old, &mut rng);
    let new_cred = convert(&key, &new, &mut rng);
    let other_cred = convert(&other_key, &old, &mut rng);

    // A tampered credential is refused and nothing is stored.
    let mut bad = old_cred.clone();
    bad.attributes
        .insert("vehicle_class".into(), serde_json::json!("A1"));
    assert!(matches!(
        wallet.add(c, &keys, bad, &mut rng),
        Err(Error::SignatureInvalid)
    ));
    // So is one from an untrusted issuer.
    let only_first: KeySet = {
        let mut k = KeySet::new();
        k.insert(key.public().clone());
        k
    };
    assert!(matches!(
        wallet.add(c, &only_first, other_cred.clone(), &mut rng),
        Err(Error::UnknownKey { .. })
    ));
    assert!(wallet.list(c).unwrap().is_empty());

    let id_old = wallet.add(c, &keys, old_cred.clone(), &mut rng).unwrap();
    let id_new = wallet.add(c, &keys, new_cred.clone(), &mut rng).unwrap();
    let id_other = wallet.add(c, &keys, other_cred, &mut rng).unwrap();
    assert!(
        matches!(wallet.add(c, &keys, old_cred.clone(), &mut rng), Err(Error::AlreadyInWallet(id)) if id == id_old)
    );

    let list = wallet.list(c).unwrap();
    assert_eq!(list.len(), 3);
    let s = list.iter().find(|s| s.id == id_new).unwrap();
    assert_eq!(s.credential_type, "drivers_license");
    assert_eq!(s.name_zh, "机动车驾驶证");
    assert_eq!(s.issue_date.as_deref(), Some("2022-04-01"));

    let shown = wallet.get(&id_old).unwrap();
    assert_eq!(shown.credential, old_cred);
    assert_eq!(shown.issuer_key, *key.public());
    for bad_id in [
        "../../etc/passwd",
        "0123456789abcdeF",
        "",
        "0000000000000000",
    ] {
        assert!(
            matches!(wallet.get(bad_id), Err(Error::NotInWallet(_))),
            "{bad_id}"
        );
    }

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(wallet.dir()), 0o700);
        assert_eq!(mode(&wallet.dir().join("credentials")), 0o700);
        assert_eq!(mode(&wallet.dir().join("wallet.json")), 0o600);
        let f = wallet
            .dir()
            .join("credentials")
            .join(format!("{id_old}.json"));
        assert_eq!(mode(&f), 0o600);
    }

    // Automatic choice: the latest issue date among accepted issuers.
    let req = PresentationRequest::new(
        "rental.example",
        vec![RequestedCredential::new(
            &t.id,
            &["vehicle_class", "issue_date"],
        )],
        now() + Duration::minutes(2),
        &mut rng,
    )
    .unwrap();
    let p = wallet.present(c, &req, &[], now(), &mut rng).unwrap();
    let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
    assert_eq!(
        out[0].attributes["issue_date"],
        new.get("issue_date").cloned().map(Some).unwrap()
    );
    // Explicit choice.
    let p = wallet
        .present(c, &req, &[Some(&id_old)], now(), &mut rng)
        .unwrap();
    let out = verify_presentation(c, &req, &p, &keys, now()).unwrap();
    assert_eq!(
        out[0].attributes["vehicle_class"].as_ref(),
        old.get("vehicle_class")
    );
    // Issuer restriction.
    let mut req2 = req.clone();
    req2.credentials[0].issuers = vec![OTHER_ISSUER.into()];
    let p = wallet.present(c, &req2, &[], now(), &mut rng).unwrap();
    assert_eq!(p.credentials[0].issuer, OTHER_ISSUER);
    verify_presentation(c, &req2, &p, &keys, now()).unwrap();
    assert!(matches!(
        wallet.present(c, &req2, &[Some(&id_old)], now(), &mut rng),
        Err(Error::IssuerNotAccepted(_))
    ));
    // Nothing of the requested type.
    let req3 = PresentationRequest::new(
        "rental.example",
        vec![RequestedCredential::new(
            "vehicle_license",
            &["plate_number"],
        )],
        now() + Duration::minutes(2),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(
        wallet.present(c, &req3, &[], now(), &mut rng),
        Err(Error::NoMatchingCredential(t)) if t == "vehicle_license"
    ));
    // Wrong type chosen explicitly.
    assert!(matches!(
        wallet.present(c, &req3, &[Some(&id_old)], now(), &mut rng),
        Err(Error::WrongCredentialType { .. })
    ));
    // Expired request.
    assert!(matches!(
        wallet.present(c, &req, &[], req.expires_at + Duration::SECOND, &mut rng),
        Err(Error::RequestExpired(_))
    ));

    wallet.remove(&id_other).unwrap();
    assert!(matches!(wallet.get(&id_other), Err(Error::NotInWallet(_))));
    assert_eq!(wallet.list(c).unwrap().len(), 2);
    // Reopening sees the same entries.
    let again = Wallet::open(wallet.dir(), PASS).unwrap();
    assert_eq!(again.list(c).unwrap().len(), 2);
    assert_eq!(again.holder_secret(), wallet.holder_secret());
}

#[test]
fn corrupted_wallet_files_are_errors() {
    let c = Catalogue::builtin();
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::init(dir.path(), PASS, small_kdf(), &mut rng(2)).unwrap();
    let id = "0123456789abcdef";
    std::fs::write(
        wallet.dir().join("credentials").join(format!("{id}.json")),
        b"{not json",
    )
    .unwrap();
    assert!(matches!(
        wallet.get(id),
        Err(Error::Json {
            what: "wallet record",
            ..
        })
    ));
    assert!(wallet.list(c).is_err());
}

/// Every file under `dir` (relative path → octets), recursively.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Copies `from` into `to` recursively (files and folders only).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A wallet holding one resident ID card with known values.
struct Fixture {
    _tmp: tempfile::TempDir,
    wallet: Wallet,
    keys: KeySet,
    id: String,
    card: zkcred_credential::Credential,
    attrs: zkcred_credential::AttributeSet,
}

fn fixture(seed: u64) -> Fixture {
    let c = Catalogue::builtin();
    let mut rng = rng(seed);
    let tl = two_licenses(c, &mut rng);
    let tmp = tempfile::tempdir().unwrap();
    let wallet = Wallet::init(tmp.path().join("w"), PASS, small_kdf(), &mut rng).unwrap();
    let id = wallet.add(c, &tl.keys, tl.id.clone(), &mut rng).unwrap();
    wallet.add(c, &tl.keys, tl.dl.clone(), &mut rng).unwrap();
    Fixture {
        _tmp: tmp,
        wallet,
        keys: tl.keys,
        id,
        card: tl.id,
        attrs: tl.id_attributes,
    }
}

fn text_of(v: &AttributeValue) -> String {
    match v {
        AttributeValue::String(s) => s.clone(),
        other => other.to_json().to_string().trim_matches('"').to_owned(),
    }
}

#[test]
fn no_attribute_value_or_secret_is_stored_in_the_clear() {
    let f = fixture(11);
    let name = text_of(f.attrs.get("holder_name").unwrap());
    let id_number = text_of(f.attrs.get("holder_id").unwrap());
    let AttributeValue::Date(birth) = f.attrs.get("birth_date").unwrap() else {
        panic!("birth_date is a date")
    };
    let b = birth.to_string(); // YYYY-MM-DD
    let (y, m, d) = (&b[0..4], &b[5..7], &b[8..10]);
    let mut needles: Vec<(String, String)> = vec![
        ("holder name".into(), name.clone()),
        // As a JSON writer that escapes non-ASCII would write it.
        (
            "holder name, JSON-escaped".into(),
            name.chars()
                .map(|ch| format!("\\u{:04x}", ch as u32))
                .collect(),
        ),
        (
            "holder name, hex of UTF-8".into(),
            hex::encode(name.as_bytes()),
        ),
        ("ID number".into(), id_number.clone()),
        ("ID number, lower case".into(), id_number.to_lowercase()),
        ("birth date".into(), b.clone()),
        ("birth date, compact".into(), format!("{y}{m}{d}")),
        ("birth date, slashes".into(), format!("{y}/{m}/{d}")),
        ("birth date, day first".into(), format!("{d}/{m}/{y}")),
        ("birth date, Chinese".into(), format!("{y}年{m}月{d}日")),
        (
            "holder secret".into(),
            hex::encode(f.wallet.holder_secret().expose_scalar().to_be_bytes()),
        ),
        (
            "holder binding slot".into(),
            hex::encode(f.card.reserved.holder_binding.to_be_bytes()),
        ),
        (
            "revocation handle slot".into(),
            hex::encode(f.card.reserved.revocation_handle.to_be_bytes()),
        ),
        ("signature".into(), f.card.signature.clone()),
        ("an attribute name".into(), "holder_name".into()),
        ("the credential type".into(), "resident_id_card".into()),
    ];
    // Every attribute value's message scalar (hex) too.
    let c = Catalogue::builtin();
    let t = c.get("resident_id_card").unwrap();
    for (i, s) in f
        .attrs
        .attribute_scalars(zkcred_crypto::bbs::Suite::Bls12381Sha256, t)
        .iter()
        .enumerate()
    {
        needles.push((format!("message {i}"), hex::encode(s.to_be_bytes())));
    }
    let files = snapshot(f.wallet.dir());
    assert_eq!(files.len(), 3, "wallet.json and two records: {files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes).to_lowercase();
        for (what, needle) in &needles {
            assert!(
                !text.contains(&needle.to_lowercase()),
                "{what} found in {}",
                path.display()
            );
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{what} found in {}",
                path.display()
            );
        }
    }
    // The same search finds them in the plaintext (the test can fail).
    let plain = serde_json::to_string(&f.wallet.get(&f.id).unwrap()).unwrap();
    for (what, needle) in &needles {
        if what.contains("JSON-escaped")
            || what.contains("hex of UTF-8")
            || what.starts_with("birth date,")
            || what.starts_with("message")
            || what.contains("lower case")
            || what.starts_with("holder secret")
        {
            continue;
        }
        assert!(
            plain.contains(needle.as_str()),
            "{what} not in the plaintext"
        );
    }
}

#[test]
fn a_wrong_passphrase_is_a_clear_error_and_changes_nothing() {
    let f = fixture(12);
    let dir = f.wallet.dir().to_path_buf();
    let before = snapshot(&dir);
    for wrong in [
        &b"correct horse"[..],
        b"",
        b"CORRECT HORSE \xe7\x94\xb5\xe6\xb1\xa0 STAPLE",
    ] {
        let e = Wallet::open(&dir, wrong).unwrap_err();
        assert!(matches!(e, Error::WrongPassphrase), "{e:?}");
        assert_eq!(
            e.to_string(),
            "wrong passphrase, or the wallet file is damaged"
        );
    }
    let after = snapshot(&dir);
    assert_eq!(before, after);
    // The right one still opens it, with the same secret and entries.
    let again = Wallet::open(&dir, PASS).unwrap();
    assert_eq!(again.holder_secret(), f.wallet.holder_secret());
    assert_eq!(again.ids().unwrap(), f.wallet.ids().unwrap());
    assert_eq!(again.get(&f.id).unwrap().credential, f.card);
    // Debug shows neither keys nor the secret.
    let shown = format!("{again:?} {:?}", again.holder_secret());
    assert!(!shown.contains(&hex::encode(
        again.holder_secret().expose_scalar().to_be_bytes()
    )));
    assert!(shown.contains("redacted"), "{shown}");
}

#[test]
fn a_damaged_wallet_file_or_record_is_a_clear_error() {
    let f = fixture(13);
    let dir = f.wallet.dir().to_path_buf();
    let record = dir.join("credentials").join(format!("{}.json", f.id));
    let original = std::fs::read_to_string(&record).unwrap();
    let v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let flip = |hex: &str, at: usize| {
        let mut b = hex.as_bytes().to_vec();
        b[at] = if b[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    // A flipped ciphertext or nonce digit, a cut tag: does not open.
    for field in ["ciphertext", "nonce"] {
        for at in [0, v[field].as_str().unwrap().len() - 1] {
            let mut t = v.clone();
            t[field] = flip(v[field].as_str().unwrap(), at).into();
            std::fs::write(&record, t.to_string()).unwrap();
            let e = f.wallet.get(&f.id).unwrap_err();
            assert!(
                matches!(&e, Error::RecordDamaged(id) if *id == f.id),
                "{e:?}"
            );
            assert!(e.to_string().contains("damaged"), "{e}");
            assert!(f.wallet.list(Catalogue::builtin()).is_err());
            assert!(f.wallet.remove(&f.id).is_err());
            assert!(record.exists(), "a damaged entry is not removed");
        }
    }
    let mut t = v.clone();
    let ct = v["ciphertext"].as_str().unwrap();
    t["ciphertext"] = ct[..ct.len() - 2].into();
    std::fs::write(&record, t.to_string()).unwrap();
    assert!(matches!(f.wallet.get(&f.id), Err(Error::RecordDamaged(_))));
    // Not a record at all: a parse error, not a panic.
    for junk in [
        &b""[..],
        b"{",
        b"[]",
        b"{\"format\":\"zkcred-wallet-record\"}",
        &[0xff; 40],
    ] {
        std::fs::write(&record, junk).unwrap();
        let e = f.wallet.get(&f.id).unwrap_err();
        assert!(
            matches!(e, Error::Json { .. } | Error::Malformed { .. }),
            "{e:?}"
        );
    }
    std::fs::write(&record, &original).unwrap();
    assert_eq!(f.wallet.get(&f.id).unwrap().credential, f.card);

    // The wallet file: an altered sealed secret, salt or wallet id is the
    // passphrase error; out-of-range parameters are refused before Argon2.
    let wf = dir.join("wallet.json");
    let original = std::fs::read_to_string(&wf).unwrap();
    let v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let cases: Vec<(&str, &str, serde_json::Value)> = vec![
        (
            "holder_secret",
            "ciphertext",
            flip(v["holder_secret"]["ciphertext"].as_str().unwrap(), 3).into(),
        ),
        (
            "holder_secret",
            "nonce",
            flip(v["holder_secret"]["nonce"].as_str().unwrap(), 3).into(),
        ),
        (
            "kdf",
            "salt",
            flip(v["kdf"]["salt"].as_str().unwrap(), 3).into(),
        ),
        ("kdf", "iterations", 2.into()),
    ];
    for (obj, field, value) in cases {
        let mut t = v.clone();
        t[obj][field] = value;
        std::fs::write(&wf, t.to_string()).unwrap();
        assert!(
            matches!(Wallet::open(&dir, PASS), Err(Error::WrongPassphrase)),
            "{obj}.{field}"
        );
    }
    let mut t = v.clone();
    t["wallet_id"] = flip(v["wallet_id"].as_str().unwrap(), 0).into();
    std::fs::write(&wf, t.to_string()).unwrap();
    assert!(matches!(
        Wallet::open(&dir, PASS),
        Err(Error::WrongPassphrase)
    ));
    let mut t = v.clone();
    t["kdf"]["memory_kib"] = (u32::MAX).into();
    std::fs::write(&wf, t.to_string()).unwrap();
    assert!(matches!(
        Wallet::open(&dir, PASS),
        Err(Error::Malformed {
            what: "wallet KDF parameters",
            ..
        })
    ));
    std::fs::write(&wf, "not json").unwrap();
    assert!(matches!(Wallet::open(&dir, PASS), Err(Error::Json { .. })));
    std::fs::write(&wf, &original).unwrap();
    Wallet::open(&dir, PASS).unwrap();
}

#[test]
fn a_record_moved_to_another_name_or_wallet_does_not_open() {
    let c = Catalogue::builtin();
    let f = fixture(14);
    let dir = f.wallet.dir().to_path_buf();
    let creds = dir.join("credentials");
    let ids = f.wallet.ids().unwrap();
    assert_eq!(ids.len(), 2);
    let other = ids.iter().find(|i| **i != f.id).unwrap().clone();
    let card_record = std::fs::read(creds.join(format!("{}.json", f.id))).unwrap();
    // The ID card's record over the driver's license's name.
    std::fs::write(creds.join(format!("{other}.json")), &card_record).unwrap();
    assert!(matches!(f.wallet.get(&other), Err(Error::RecordDamaged(i)) if i == other));
    // Under a new name.
    std::fs::write(creds.join("00000000000000ff.json"), &card_record).unwrap();
    assert!(matches!(
        f.wallet.get("00000000000000ff"),
        Err(Error::RecordDamaged(_))
    ));
    std::fs::remove_file(creds.join("00000000000000ff.json")).unwrap();
    // The same credential in another wallet with the same passphrase: its
    // record, put in place of this wallet's, does not open either.
    let mut rng = rng(15);
    let tmp = tempfile::tempdir().unwrap();
    let w2 = Wallet::init(tmp.path(), PASS, small_kdf(), &mut rng).unwrap();
    let id2 = w2.add(c, &f.keys, f.card.clone(), &mut rng).unwrap();
    assert_ne!(id2, f.id, "entry ids are keyed per wallet");
    std::fs::copy(
        tmp.path().join("credentials").join(format!("{id2}.json")),
        creds.join(format!("{}.json", f.id)),
    )
    .unwrap();
    assert!(matches!(f.wallet.get(&f.id), Err(Error::RecordDamaged(_))));
    // Nor does the other wallet's file open this wallet's records.
    std::fs::copy(tmp.path().join("wallet.json"), dir.join("wallet.json")).unwrap();
    let w3 = Wallet::open(&dir, PASS).unwrap();
    assert_eq!(w3.holder_secret(), w2.holder_secret());
    assert!(matches!(w3.get(&f.id), Err(Error::RecordDamaged(_))));
}

#[test]
fn a_copied_wallet_opens_elsewhere_with_its_passphrase() {
    let c = Catalogue::builtin();
    let f = fixture(16);
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("somewhere").join("else");
    copy_dir(f.wallet.dir(), &copy);
    let w = Wallet::open(&copy, PASS).unwrap();
    assert_eq!(w.holder_secret(), f.wallet.holder_secret());
    assert_eq!(w.wallet_id(), f.wallet.wallet_id());
    assert_eq!(w.list(c).unwrap(), f.wallet.list(c).unwrap());
    assert_eq!(w.get(&f.id).unwrap(), f.wallet.get(&f.id).unwrap());
    // And presents from there.
    let req = PresentationRequest::new(
        "bank.example",
        vec![RequestedCredential::new(
            "resident_id_card",
            &["holder_name"],
        )],
        now() + Duration::minutes(2),
        &mut rng(17),
    )
    .unwrap();
    let p = w.present(c, &req, &[], now(), &mut rng(18)).unwrap();
    verify_presentation(c, &req, &p, &f.keys, now()).unwrap();
    // Only the wallet file travelled (an empty credentials folder lost on
    // the way): it opens, empty, and gets its folder back.
    let bare = tmp.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(f.wallet.dir().join("wallet.json"), bare.join("wallet.json")).unwrap();
    let w = Wallet::open(&bare, PASS).unwrap();
    assert_eq!(w.holder_secret(), f.wallet.holder_secret());
    assert!(w.ids().unwrap().is_empty());
    // Without the passphrase the copy is useless.
    assert!(matches!(
        Wallet::open(&copy, b"guess"),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn init_and_open_refuse_what_they_must() {
    let mut rng = rng(19);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("w");
    assert!(matches!(Wallet::open(&dir, PASS), Err(Error::NoWallet(_))));
    assert!(!dir.exists(), "open creates nothing");
    assert!(matches!(
        Wallet::init(&dir, b"", small_kdf(), &mut rng),
        Err(Error::EmptyPassphrase)
    ));
    assert!(matches!(
        Wallet::init(
            &dir,
            PASS,
            KdfParams {
                memory_kib: 1024,
                ..small_kdf()
            },
            &mut rng
        ),
        Err(Error::Malformed { .. })
    ));
    assert!(!dir.exists(), "a refused init creates nothing");
    let w = Wallet::init(&dir, PASS, small_kdf(), &mut rng).unwrap();
    assert!(Wallet::exists(&dir));
    let before = snapshot(&dir);
    assert!(matches!(
        Wallet::init(&dir, b"another", small_kdf(), &mut rng),
        Err(Error::WalletExists(_))
    ));
    assert_eq!(snapshot(&dir), before);
    // A fresh secret per wallet.
    let w2 = Wallet::init(tmp.path().join("w2"), PASS, small_kdf(), &mut rng).unwrap();
    assert_ne!(w.holder_secret(), w2.holder_secret());
    assert_ne!(w.wallet_id(), w2.wallet_id());
    assert_eq!(KdfParams::DEFAULT.memory_kib, 65536);
    assert_eq!(KdfParams::with_memory_mib(8).unwrap().memory_kib, 8192);
    assert!(KdfParams::with_memory_mib(7).is_err());
    assert!(KdfParams::with_memory_mib(5000).is_err());
}

#[test]
fn init_seals_the_plain_entries_of_an_earlier_wallet() {
    let c = Catalogue::builtin();
    let mut rng = rng(20);
    let tl = two_licenses(c, &mut rng);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    let creds = dir.join("credentials");
    std::fs::create_dir_all(&creds).unwrap();
    // The first format: plain `zkcred-wallet-entry` JSON under a
    // signature-derived id.
    let mut old_ids = Vec::new();
    for (i, cred) in [&tl.id, &tl.dl].into_iter().enumerate() {
        let id = format!("{i:016x}");
        let entry = WalletEntry {
            format: "zkcred-wallet-entry".into(),
            version: 1,
            id: id.clone(),
            credential: cred.clone(),
            issuer_key: tl.key.public().clone(),
        };
        std::fs::write(
            creds.join(format!("{id}.json")),
            serde_json::to_vec_pretty(&entry).unwrap(),
        )
        .unwrap();
        old_ids.push(id);
    }
    // A stray file makes init refuse, writing nothing.
    std::fs::write(creds.join("00000000000000aa.json"), b"{}").unwrap();
    let before = snapshot(&dir);
    let e = Wallet::init(&dir, PASS, small_kdf(), &mut rng).unwrap_err();
    assert!(e.to_string().contains("00000000000000aa.json"), "{e}");
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_file(creds.join("00000000000000aa.json")).unwrap();
    let plain_card = std::fs::read(creds.join(format!("{}.json", old_ids[0]))).unwrap();

    let w = Wallet::init(&dir, PASS, small_kdf(), &mut rng).unwrap();
    let ids = w.ids().unwrap();
    assert_eq!(ids.len(), 2);
    for old in &old_ids {
        assert!(!ids.contains(old));
        assert!(!creds.join(format!("{old}.json")).exists());
    }
    // A plain file an interrupted init left beside its sealed copy is
    // removed when the wallet opens.
    let leftover = creds.join(format!("{}.json", old_ids[0]));
    std::fs::write(&leftover, &plain_card).unwrap();
    let w = Wallet::open(&dir, PASS).unwrap();
    assert!(!leftover.exists());
    assert_eq!(w.ids().unwrap(), ids);
    let mut creds_back: Vec<_> = w
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.credential)
        .collect();
    creds_back.sort_by(|a, b| a.credential_type.cmp(&b.credential_type));
    assert_eq!(creds_back, vec![tl.dl.clone(), tl.id.clone()]);
    let name = text_of(tl.id_attributes.get("holder_name").unwrap());
    for (path, bytes) in snapshot(&dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&name),
            "{}",
            path.display()
        );
    }
}
