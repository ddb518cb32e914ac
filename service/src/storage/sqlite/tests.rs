use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;

use super::*;
use zkcred_translog::{CredentialDisclosure, Outcome, PolicyRef};

fn event(i: u64) -> DisclosureEvent {
    DisclosureEvent {
        timestamp: "2025-03-01T08:30:00.000Z".into(),
        verifier: format!("verifier-{}", i % 5),
        policy: PolicyRef {
            id: "age-check".into(),
            version: 1,
        },
        credentials: vec![CredentialDisclosure {
            credential_type: "cn.driving_license".into(),
            disclosed_attributes: vec!["class".into(), "valid_until".into()],
            issuer: "cn.gov.mps.traffic".into(),
            proven: Vec::new(),
            status_epoch: None,
        }],
        outcome: Outcome::Accepted,
        reason: "ok".into(),
    }
}

fn open(dir: &tempfile::TempDir) -> SqliteStorage {
    SqliteStorage::open(dir.path().join("zkcred.db")).unwrap()
}

fn head(size: u64, root: Hash) -> SignedTreeHead {
    SignedTreeHead {
        tree_size: size,
        root_hash: root,
        timestamp: "2025-03-01T09:00:00.000Z".into(),
        signature: [size as u8; 64],
    }
}

#[test]
fn disclosure_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    assert_eq!(s.disclosure_count().unwrap(), 0);
    assert_eq!(s.append_disclosure(&event(0)).unwrap(), 0);
    let events: Vec<_> = (1..6).map(event).collect();
    assert_eq!(s.append_disclosures(&events).unwrap(), 1..6);
    assert_eq!(s.append_disclosures(&[]).unwrap(), 6..6);
    assert_eq!(s.disclosure_count().unwrap(), 6);

    let entries = s.read_disclosures(0..6).unwrap();
    assert_eq!(entries.len(), 6);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(
            e.record,
            DisclosureRecord::from_event(i as u64, &event(i as u64)).unwrap()
        );
        assert_eq!(e.leaf_hash, e.record.leaf_hash());
    }
    let leaves = s.read_leaf_hashes(2..4).unwrap();
    assert_eq!(leaves, vec![entries[2].leaf_hash, entries[3].leaf_hash]);
    assert!(s.read_leaf_hashes(0..0).unwrap().is_empty());
    assert_eq!(
        s.read_disclosures(4..7).unwrap_err().code(),
        "log_range_out_of_bounds"
    );
}

#[test]
fn invalid_event_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    let mut bad = event(1);
    bad.credentials[0]
        .disclosed_attributes
        .push("1990-01-01".into());
    let e = s.append_disclosures(&[event(0), bad]).unwrap_err();
    assert_eq!(e.code(), "record_invalid");
    assert_eq!(s.disclosure_count().unwrap(), 0);
    assert_eq!(s.append_disclosure(&event(0)).unwrap(), 0);
}

#[test]
fn tree_heads_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    assert_eq!(s.latest_tree_head().unwrap(), None);
    s.append_disclosures(&[event(0), event(1)]).unwrap();
    let r = Hash([9; 32]);
    s.put_tree_head(&head(0, r)).unwrap();
    s.put_tree_head(&head(1, r)).unwrap();
    s.put_tree_head(&head(2, r)).unwrap();
    // Another signer's older head arriving late is refused.
    assert!(matches!(
        s.put_tree_head(&head(1, r)).unwrap_err(),
        StorageError::HeadOutOfOrder {
            tree_size: 1,
            latest_size: 2
        }
    ));
    assert_eq!(s.latest_tree_head().unwrap(), Some(head(2, r)));
    let sizes: Vec<u64> = s
        .tree_heads()
        .unwrap()
        .iter()
        .map(|h| h.tree_size)
        .collect();
    assert_eq!(sizes, [0, 1, 2]);
    assert_eq!(
        s.put_tree_head(&head(3, r)).unwrap_err().code(),
        "tree_head_beyond_log"
    );
}

#[test]
fn documents_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    let body1 = json!({"name": "公安部", "keys": ["k1"]});
    let body2 = json!({"name": "公安部", "keys": ["k1", "k2"]});
    s.put_document("issuer", "cn.gov.mps", 1, &body1, DocumentStatus::Active)
        .unwrap();
    s.put_document("issuer", "cn.gov.mps", 2, &body2, DocumentStatus::Active)
        .unwrap();
    s.put_document(
        "issuer",
        "cn.gov.samr",
        1,
        &json!({}),
        DocumentStatus::Active,
    )
    .unwrap();
    s.put_document(
        "policy",
        "age-check",
        1,
        &json!({"rule": 1}),
        DocumentStatus::Active,
    )
    .unwrap();

    let latest = s
        .get_document("issuer", "cn.gov.mps", None)
        .unwrap()
        .unwrap();
    assert_eq!((latest.version, &latest.body), (2, &body2));
    let v1 = s
        .get_document("issuer", "cn.gov.mps", Some(1))
        .unwrap()
        .unwrap();
    assert_eq!(v1.body, body1);
    assert_eq!(v1.status, DocumentStatus::Active);
    assert!(s
        .get_document("issuer", "cn.gov.mps", Some(3))
        .unwrap()
        .is_none());
    assert!(s.get_document("issuer", "nobody", None).unwrap().is_none());

    let list: Vec<(String, u32)> = s
        .list_documents("issuer")
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.version))
        .collect();
    assert_eq!(
        list,
        [
            ("cn.gov.mps".to_string(), 1),
            ("cn.gov.mps".to_string(), 2),
            ("cn.gov.samr".to_string(), 1)
        ]
    );

    s.set_status("issuer", "cn.gov.mps", 1, DocumentStatus::Revoked)
        .unwrap();
    let v1 = s
        .get_document("issuer", "cn.gov.mps", Some(1))
        .unwrap()
        .unwrap();
    assert_eq!(v1.status, DocumentStatus::Revoked);
    assert_eq!(
        v1.body, body1,
        "versions are immutable; only status changes"
    );

    let e = s
        .put_document("issuer", "cn.gov.mps", 2, &body1, DocumentStatus::Active)
        .unwrap_err();
    assert!(matches!(
        e,
        StorageError::VersionConflict {
            version: 2,
            latest: 2
        }
    ));
    assert_eq!(e.code(), "document_version_conflict");
    let e = s
        .set_status("issuer", "cn.gov.mps", 9, DocumentStatus::Retired)
        .unwrap_err();
    assert_eq!(e.code(), "document_not_found");
    for (kind, id, version) in [("Issuer", "x", 1), ("issuer", "", 1), ("issuer", "x", 0)] {
        let e = s
            .put_document(kind, id, version, &json!({}), DocumentStatus::Active)
            .unwrap_err();
        assert_eq!(e.code(), "document_invalid");
    }
}

#[test]
fn reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(&dir);
        s.append_disclosures(&(0..10).map(event).collect::<Vec<_>>())
            .unwrap();
        s.put_tree_head(&head(10, Hash([1; 32]))).unwrap();
        s.put_document("policy", "p", 1, &json!({"a": 1}), DocumentStatus::Active)
            .unwrap();
    }
    let s = open(&dir);
    assert_eq!(s.disclosure_count().unwrap(), 10);
    assert_eq!(s.read_disclosures(0..10).unwrap().len(), 10);
    assert_eq!(s.latest_tree_head().unwrap().unwrap().tree_size, 10);
    assert_eq!(
        s.get_document("policy", "p", None).unwrap().unwrap().body,
        json!({"a": 1})
    );
    assert_eq!(s.append_disclosure(&event(10)).unwrap(), 10);

    let conn = lock(&s.writer);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[test]
fn log_is_append_only_in_sql() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    s.append_disclosure(&event(0)).unwrap();
    s.put_tree_head(&head(1, Hash([1; 32]))).unwrap();
    drop(s);
    let conn = Connection::open(dir.path().join("zkcred.db")).unwrap();
    for sql in [
        "UPDATE disclosure_log SET record = '{}'",
        "DELETE FROM disclosure_log",
        "UPDATE tree_heads SET tree_size = 0",
        "DELETE FROM tree_heads",
    ] {
        let e = conn.execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

#[test]
fn concurrent_appends_are_gapless() {
    const THREADS: u64 = 4;
    const EACH: u64 = 25;
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(open(&dir));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for i in 0..EACH {
                    if i % 5 == 0 {
                        // Batches interleave with single appends.
                        let r = s.append_disclosures(&[event(t), event(t)]).unwrap();
                        got.extend(r);
                    } else {
                        got.push(s.append_disclosure(&event(t)).unwrap());
                    }
                    // Readers run alongside the writer.
                    let n = s.disclosure_count().unwrap();
                    assert!(n > *got.last().unwrap());
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        let got = h.join().unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]));
        all.extend(got);
    }
    let total = THREADS * (EACH + EACH / 5);
    assert_eq!(all.len() as u64, total);
    let unique: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(unique, (0..total).collect::<HashSet<u64>>());
    assert_eq!(s.disclosure_count().unwrap(), total);
    let entries = s.read_disclosures(0..total).unwrap();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.record.sequence, i as u64);
    }
}

#[test]
fn backup_to_copies_a_running_database_into_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    s.append_disclosures(&[event(0), event(1), event(2)])
        .unwrap();
    s.put_document("policy", "p", 1, &json!({"a": 1}), DocumentStatus::Active)
        .unwrap();
    let dest = dir.path().join("backup.db");
    s.backup_to(&dest).unwrap();
    // The service keeps going; the copy is as of the backup.
    s.append_disclosure(&event(3)).unwrap();
    assert!(!dir.path().join("backup.db-wal").exists());
    let copy = SqliteStorage::open(&dest).unwrap();
    assert_eq!(copy.disclosure_count().unwrap(), 3);
    assert_eq!(
        copy.read_disclosures(0..3).unwrap(),
        s.read_disclosures(0..3).unwrap()
    );
    assert!(copy.get_document("policy", "p", None).unwrap().is_some());
    // An existing file is not overwritten.
    assert!(s.backup_to(&dest).is_err());
}

#[test]
fn log_key_history_round_trips_and_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    assert!(s.log_keys().unwrap().is_empty());
    let a = zkcred_translog::LogSigningKey::from_seed(&[1; 32]).public_key();
    let b = zkcred_translog::LogSigningKey::from_seed(&[2; 32]).public_key();
    let first = LogKeyRecord {
        public_key: a,
        from_tree_size: 0,
        added_at: "2025-03-01T09:00:00.000Z".into(),
        previous: None,
    };
    let rotation = LogKeyRecord {
        public_key: b,
        from_tree_size: 7,
        added_at: "2025-03-02T09:00:00.000Z".into(),
        previous: Some(a),
    };
    s.add_log_key(&first).unwrap();
    s.add_log_key(&rotation).unwrap();
    assert_eq!(s.log_keys().unwrap(), vec![first, rotation]);
    let w = lock(&s.writer);
    assert!(w.execute("DELETE FROM log_keys", []).is_err());
    assert!(w
        .execute("UPDATE log_keys SET from_tree_size = 0", [])
        .is_err());
}

fn status_row(issuer: &str, ty: &str, epoch: u64) -> StoredStatusEpoch {
    StoredStatusEpoch {
        issuer: issuer.into(),
        credential_type: ty.into(),
        epoch,
        document: format!("{{\"epoch\":{epoch}}}"),
        received_at: "2025-03-01T09:00:00.000Z".into(),
    }
}

#[test]
fn status_epochs_round_trip_and_are_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    assert!(s.status_epochs().unwrap().is_empty());
    assert_eq!(s.status_epoch("a", "t", None).unwrap(), None);
    let rows = [
        status_row("b", "t", 0),
        status_row("a", "t", 7),
        status_row("a", "t", 3),
        status_row("a", "u", 1),
    ];
    for r in &rows {
        s.add_status_epoch(r).unwrap();
    }
    // The same number again is refused, whatever the document.
    let mut again = status_row("a", "t", 7);
    again.document = "{}".into();
    let e = s.add_status_epoch(&again).unwrap_err();
    assert!(
        matches!(e, StorageError::StatusEpochExists { epoch: 7, .. }),
        "{e}"
    );
    assert_eq!(e.code(), "already_exists");
    // Ordered by issuer, type, epoch; the latest is the highest number.
    let all = s.status_epochs().unwrap();
    let keys: Vec<(&str, &str, u64)> = all
        .iter()
        .map(|r| (r.issuer.as_str(), r.credential_type.as_str(), r.epoch))
        .collect();
    assert_eq!(
        keys,
        [("a", "t", 3), ("a", "t", 7), ("a", "u", 1), ("b", "t", 0)]
    );
    assert_eq!(
        s.status_epoch("a", "t", None).unwrap(),
        Some(rows[1].clone())
    );
    assert_eq!(
        s.status_epoch("a", "t", Some(3)).unwrap(),
        Some(rows[2].clone())
    );
    assert_eq!(s.status_epoch("a", "t", Some(4)).unwrap(), None);
    assert_eq!(s.status_epoch("a", "v", None).unwrap(), None);
    // Beyond i64: refused before SQL, nothing stored.
    assert!(s.add_status_epoch(&status_row("a", "t", u64::MAX)).is_err());
    // Append-only even to other SQL clients of the file.
    let w = lock(&s.writer);
    assert!(w.execute("DELETE FROM status_epochs", []).is_err());
    assert!(w
        .execute("UPDATE status_epochs SET document = '{}'", [])
        .is_err());
    drop(w);
    drop(s);
    // And kept across a reopen.
    assert_eq!(open(&dir).status_epochs().unwrap(), all);
}

#[test]
fn migrations_are_valid() {
    migrations().validate().unwrap();
}

const CRASH_DB: &str = "ZKCRED_TEST_CRASH_DB";

/// Child half of `nothing_lost_on_crash`: appends, then exits at once
/// without dropping (closing) anything; `exit` rather than `abort`, so no
/// core file is left behind. A no-op when run as an ordinary test.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_DB) else {
        return;
    };
    let s = SqliteStorage::open(path).unwrap();
    for i in 0..20 {
        s.append_disclosure(&event(i)).unwrap();
    }
    s.put_document("policy", "p", 1, &json!({}), DocumentStatus::Active)
        .unwrap();
    std::process::exit(42);
}

#[test]
fn nothing_lost_on_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "storage::sqlite::tests::crash_child",
            "--test-threads=1",
        ])
        .env(CRASH_DB, &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "the child must have run to its exit"
    );
    let s = SqliteStorage::open(&db).unwrap();
    assert_eq!(s.disclosure_count().unwrap(), 20);
    assert_eq!(s.read_disclosures(0..20).unwrap().len(), 20);
    assert!(s.get_document("policy", "p", Some(1)).unwrap().is_some());
}

#[test]
fn tampered_row_is_reported_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    s.append_disclosure(&event(0)).unwrap();
    drop(s);
    // Bypass the append-only trigger, as someone with the file could.
    let conn = Connection::open(dir.path().join("zkcred.db")).unwrap();
    conn.execute_batch(
        r#"DROP TRIGGER disclosure_log_no_update;
           UPDATE disclosure_log SET record = replace(record, '"ok"', '"no"');"#,
    )
    .unwrap();
    drop(conn);
    let s = open(&dir);
    assert_eq!(
        s.read_disclosures(0..1).unwrap_err().code(),
        "storage_corrupt"
    );
}

#[test]
fn log_tree_nodes() {
    let dir = tempfile::tempdir().unwrap();
    crate::storage::conformance::log_tree_nodes(&open(&dir), event);
}

#[test]
fn older_logs_get_their_tree_nodes_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zkcred.db");
    {
        let s = SqliteStorage::open(&path).unwrap();
        let events: Vec<_> = (0..1000).map(event).collect();
        s.append_disclosures(&events).unwrap();
    }
    // A log of schema version 3 has the records and no interior.
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP TRIGGER log_nodes_no_delete; DELETE FROM log_nodes;
             PRAGMA user_version = 3; DROP TABLE log_nodes;",
        )
        .unwrap();
    }
    let s = SqliteStorage::open(&path).unwrap();
    let leaves = s.read_leaf_hashes(0..1000).unwrap();
    let mut memory = zkcred_translog::tree::MemoryNodes::new();
    for l in &leaves {
        memory.append(*l);
    }
    for (level, index) in [(1u8, 0u64), (9, 0), (3, 124), (2, 249)] {
        assert_eq!(
            s.read_log_nodes(&[(level, index)]).unwrap(),
            vec![zkcred_translog::tree::NodeReader::node(&memory, level, index).unwrap()]
        );
    }
    // Appends go on from the filled frontier.
    s.append_disclosure(&event(1000)).unwrap();
    let leaves = s.read_leaf_hashes(0..1001).unwrap();
    let n = zkcred_translog::tree::Frontier::positions(1001);
    let f = zkcred_translog::tree::Frontier::from_nodes(1001, &s.read_log_nodes(&n).unwrap());
    assert_eq!(f.unwrap().root(), zkcred_translog::merkle::root(&leaves));
}
