use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::storage::conformance::{self, event, head};

fn open(dir: &tempfile::TempDir) -> SqliteStorage {
    SqliteStorage::open(dir.path().join("zkcred.db")).unwrap()
}

#[test]
fn disclosure_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    conformance::disclosure_round_trip(&open(&dir));
}

#[test]
fn invalid_event_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    conformance::invalid_event_appends_nothing(&open(&dir));
}

#[test]
fn tree_heads_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    conformance::tree_heads_round_trip(&open(&dir));
}

#[test]
fn documents_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    conformance::documents_round_trip(&open(&dir));
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
    let other = Connection::open(dir.path().join("zkcred.db")).unwrap();
    conformance::append_only(&s, &|sql| {
        other.execute(sql, []).map(drop).map_err(|e| e.to_string())
    });
}

#[test]
fn concurrent_appends_are_gapless() {
    let dir = tempfile::tempdir().unwrap();
    conformance::concurrent_appends_are_gapless(Arc::new(open(&dir)), 4);
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
fn log_key_history_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    conformance::log_keys_round_trip(&open(&dir));
}

#[test]
fn status_epochs_round_trip_and_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let all = conformance::status_epochs_round_trip(&open(&dir));
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
    conformance::log_tree_nodes(&open(&dir));
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
