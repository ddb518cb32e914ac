//! `PgStorage` against the real PostgreSQL (see `test_db`): the backend
//! conformance checks, then what only a shared database has: several
//! instances (nodes) appending to one log, racing for document versions and
//! heads, a database that goes away and comes back.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::json;

use super::test_db::{with_dbname, TestDb};
use super::*;
use crate::storage::conformance::{self, event, head};
use crate::storage::Backend;
use zkcred_translog::merkle;

fn options(pool_size: usize) -> PgOptions {
    PgOptions {
        pool_size,
        ..PgOptions::default()
    }
}

fn open(db: &TestDb) -> PgStorage {
    PgStorage::open_with(&db.url, &options(4)).unwrap()
}

#[test]
fn disclosure_round_trip() {
    let db = TestDb::new();
    conformance::disclosure_round_trip(&open(&db));
}

#[test]
fn invalid_event_appends_nothing() {
    let db = TestDb::new();
    conformance::invalid_event_appends_nothing(&open(&db));
}

#[test]
fn tree_heads_round_trip() {
    let db = TestDb::new();
    conformance::tree_heads_round_trip(&open(&db));
}

#[test]
fn documents_round_trip() {
    let db = TestDb::new();
    conformance::documents_round_trip(&open(&db));
}

#[test]
fn log_keys_round_trip() {
    let db = TestDb::new();
    conformance::log_keys_round_trip(&open(&db));
}

#[test]
fn status_epochs_round_trip_and_are_kept() {
    let db = TestDb::new();
    let all = conformance::status_epochs_round_trip(&open(&db));
    // Another instance (another node, or a restart) reads the same.
    assert_eq!(open(&db).status_epochs().unwrap(), all);
}

#[test]
fn log_tree_nodes() {
    let db = TestDb::new();
    conformance::log_tree_nodes(&open(&db));
}

#[test]
fn concurrent_appends_are_gapless() {
    let db = TestDb::new();
    conformance::concurrent_appends_are_gapless(Arc::new(open(&db)), 6);
}

#[test]
fn log_is_append_only_in_sql() {
    let db = TestDb::new();
    let s = open(&db);
    let other = db.session();
    conformance::append_only(&s, &|sql| other.exec(sql));
    // What only PostgreSQL has: TRUNCATE, the log size, document bodies.
    for sql in [
        "TRUNCATE disclosure_log CASCADE",
        "TRUNCATE log_nodes",
        "TRUNCATE tree_heads",
        "TRUNCATE log_keys",
        "TRUNCATE status_epochs",
    ] {
        let e = other.exec(sql).expect_err(sql);
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    for sql in [
        "UPDATE log_state SET size = 0",
        "DELETE FROM log_state",
        "TRUNCATE log_state",
        "INSERT INTO log_state (one, size) VALUES (false, 9)",
    ] {
        assert!(other.exec(sql).is_err(), "{sql}");
    }
    s.put_document("policy", "p", 1, &json!({"a": 1}), DocumentStatus::Active)
        .unwrap();
    let e = other
        .exec("UPDATE documents SET body = '{}'")
        .expect_err("body");
    assert!(e.contains("immutable"), "{e}");
    other
        .exec("UPDATE documents SET status = 'retired'")
        .expect("the status may change");
    assert_eq!(s.disclosure_count().unwrap(), 2);
    assert_eq!(
        s.get_document("policy", "p", None).unwrap().unwrap().body,
        json!({"a": 1})
    );
}

#[test]
fn tampered_row_is_reported_on_read() {
    let db = TestDb::new();
    let s = open(&db);
    s.append_disclosures(&[event(0), event(1)]).unwrap();
    // Bypass the append-only trigger, as the database's owner could.
    db.session()
        .exec(
            r#"ALTER TABLE disclosure_log DISABLE TRIGGER disclosure_log_append_only;
               UPDATE disclosure_log SET record = replace(record, '"ok"', '"no"') WHERE seq = 1;"#,
        )
        .unwrap();
    assert_eq!(
        s.read_disclosures(0..2).unwrap_err().code(),
        "storage_corrupt"
    );
    assert_eq!(s.read_disclosures(0..1).unwrap().len(), 1);
    db.session()
        .exec("DELETE FROM disclosure_log WHERE seq = 0")
        .unwrap();
    assert_eq!(
        s.read_leaf_hashes(0..2).unwrap_err().code(),
        "storage_corrupt"
    );
}

/// Several instances on one database, each appending from many threads in
/// groups of random sizes (as each node's log writer does): one log, the
/// sequence `0..N` without gap or repeat, every record where its event
/// was appended, and the stored tree's root equal to the root of every
/// leaf.
#[test]
fn two_nodes_append_one_gap_free_log() {
    const NODES: usize = 2;
    const THREADS: usize = 8;
    const EACH: usize = 200;
    let db = TestDb::new();
    let nodes: Vec<Arc<PgStorage>> = (0..NODES)
        .map(|_| Arc::new(PgStorage::open_with(&db.url, &options(THREADS)).unwrap()))
        .collect();
    let start = Arc::new(Barrier::new(NODES * THREADS));
    let mut handles = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for t in 0..THREADS {
            let (node, start) = (Arc::clone(node), Arc::clone(&start));
            handles.push(std::thread::spawn(move || {
                // Each event says who sent it: its verifier names the
                // node, thread and counter.
                let mine = |i: usize| {
                    let mut e = event(i as u64);
                    e.verifier = format!("node{n}-thread{t}-{i}");
                    e
                };
                let mut rng = rand::thread_rng();
                let mut sent = Vec::new();
                start.wait();
                let mut i = 0;
                while i < EACH {
                    let group = rng.gen_range(1..=16).min(EACH - i);
                    let events: Vec<_> = (i..i + group).map(mine).collect();
                    let range = node.append_disclosures(&events).unwrap();
                    assert_eq!(range.end - range.start, group as u64);
                    sent.extend(range.zip(events));
                    i += group;
                }
                sent
            }));
        }
    }
    let mut by_seq: HashMap<u64, DisclosureEvent> = HashMap::new();
    for h in handles {
        for (seq, e) in h.join().unwrap() {
            assert!(by_seq.insert(seq, e).is_none(), "sequence {seq} twice");
        }
    }
    let total = (NODES * THREADS * EACH) as u64;
    assert_eq!(by_seq.len() as u64, total);
    for node in &nodes {
        assert_eq!(node.disclosure_count().unwrap(), total);
    }
    let entries = nodes[1].read_disclosures(0..total).unwrap();
    assert_eq!(entries.len() as u64, total);
    for (i, entry) in entries.iter().enumerate() {
        let seq = i as u64;
        assert_eq!(entry.record.sequence, seq);
        assert_eq!(
            entry.record,
            DisclosureRecord::from_event(seq, &by_seq[&seq]).unwrap()
        );
    }
    let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
    let positions = Frontier::positions(total);
    let frontier = Frontier::from_nodes(total, &nodes[0].read_log_nodes(&positions).unwrap());
    assert_eq!(frontier.unwrap().root(), merkle::root(&leaves));
    // The interior agrees with the leaves at every level, whichever node
    // wrote it.
    let mut memory = zkcred_translog::tree::MemoryNodes::new();
    for l in &leaves {
        memory.append(*l);
    }
    for level in 1..12u8 {
        let positions: Vec<(u8, u64)> = (0..total >> level).map(|i| (level, i)).collect();
        let expected: Vec<Hash> = positions
            .iter()
            .map(|&(l, i)| zkcred_translog::tree::NodeReader::node(&memory, l, i).unwrap())
            .collect();
        assert_eq!(nodes[1].read_log_nodes(&positions).unwrap(), expected);
    }
}

/// Two instances storing the same document version at the same moment:
/// exactly one succeeds, the other gets a version conflict (not a 500).
#[test]
fn concurrent_document_versions_one_wins() {
    const ROUNDS: u32 = 20;
    let db = TestDb::new();
    let a = Arc::new(open(&db));
    let b = Arc::new(open(&db));
    for version in 1..=ROUNDS {
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = [&a, &b]
            .into_iter()
            .enumerate()
            .map(|(n, s)| {
                let (s, barrier) = (Arc::clone(s), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    s.put_document(
                        "policy",
                        "race",
                        version,
                        &json!({ "by": n }),
                        DocumentStatus::Active,
                    )
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "version {version}: {results:?}");
        for r in results.into_iter().filter_map(Result::err) {
            assert!(
                matches!(r, StorageError::VersionConflict { version: v, latest } if v == version && latest == version),
                "{r}"
            );
        }
    }
    let versions: Vec<u32> = a
        .list_documents("policy")
        .unwrap()
        .iter()
        .map(|d| d.version)
        .collect();
    assert_eq!(versions, (1..=ROUNDS).collect::<Vec<_>>());
}

/// Head writers on two instances at once: each head stored is at least as
/// large and as late as the one before; the others are refused as out of
/// order, never stored out of order.
#[test]
fn concurrent_heads_are_stored_in_order() {
    const THREADS: u64 = 4;
    const EACH: u64 = 25;
    let db = TestDb::new();
    let a = Arc::new(open(&db));
    let b = Arc::new(open(&db));
    a.append_disclosures(&(0..200).map(event).collect::<Vec<_>>())
        .unwrap();
    let ticket = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..2 * THREADS)
        .map(|t| {
            let s = Arc::clone(if t % 2 == 0 { &a } else { &b });
            let ticket = Arc::clone(&ticket);
            std::thread::spawn(move || {
                let mut stored = 0;
                for _ in 0..EACH {
                    // Later tickets are larger and later heads.
                    let k = ticket.fetch_add(1, Ordering::SeqCst);
                    let mut h = head(k, Hash([k as u8; 32]));
                    h.timestamp = format!("2025-03-01T{:02}:{:02}:00.000Z", k / 60, k % 60);
                    match s.put_tree_head(&h) {
                        Ok(()) => stored += 1,
                        Err(StorageError::HeadOutOfOrder { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                stored
            })
        })
        .collect();
    let stored: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let heads = b.tree_heads().unwrap();
    assert_eq!(heads.len() as u64, stored);
    assert!(stored > 0);
    for w in heads.windows(2) {
        assert!(w[0].tree_size < w[1].tree_size, "sizes out of order");
        assert!(w[0].timestamp < w[1].timestamp, "times out of order");
    }
    assert_eq!(a.latest_tree_head().unwrap().as_ref(), heads.last());
}

/// Nodes starting together on an empty database migrate it once.
#[test]
fn nodes_starting_together_migrate_once() {
    let db = TestDb::new();
    let url = Arc::new(db.url.clone());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = Arc::clone(&url);
            std::thread::spawn(move || PgStorage::open_with(&url, &options(1)).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let session = db.session();
    assert_eq!(
        session.int("SELECT count(*) FROM refinery_schema_history"),
        1
    );
    assert_eq!(session.int("SELECT size FROM log_state"), 0);
}

#[test]
fn backend_opens_postgres_urls() {
    let db = TestDb::new();
    for url in [
        db.url.clone(),
        db.url.replacen("postgres://", "postgresql://", 1),
    ] {
        let backend = Backend::open(Path::new(&url)).unwrap();
        assert!(matches!(backend, Backend::Postgres(_)), "{url}");
        let s = backend.storage();
        s.append_disclosure(&event(0)).unwrap();
        s.checkpoint().unwrap();
    }
    assert_eq!(open(&db).disclosure_count().unwrap(), 2);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Nothing listening, and a server that accepts but never answers: both
/// `Unavailable` within about the timeout; the URL's password in neither
/// the error nor `Debug`.
#[test]
fn unreachable_database_is_unavailable_fast() {
    let opts = PgOptions {
        timeout: Duration::from_millis(500),
        ..options(2)
    };
    let url = format!(
        "postgres://zkcred:hunter2-secret@127.0.0.1:{}/zkcred",
        closed_port()
    );
    let at = Instant::now();
    let e = PgStorage::open_with(&url, &opts).unwrap_err();
    assert!(matches!(e, StorageError::Unavailable(_)), "{e}");
    assert_eq!(e.code(), "storage_unavailable");
    assert!(at.elapsed() < Duration::from_secs(2), "{:?}", at.elapsed());
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = Backend::open_with(Path::new(&url), &opts).unwrap_err();
    assert_eq!(e.code(), "storage_unavailable");

    // Accepts connections (the kernel does, into the backlog) and never
    // answers the startup message.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://zkcred@127.0.0.1:{}/zkcred",
        silent.local_addr().unwrap().port()
    );
    let at = Instant::now();
    let e = PgStorage::open_with(&url, &opts).unwrap_err();
    assert!(matches!(e, StorageError::Unavailable(_)), "{e}");
    assert!(at.elapsed() < Duration::from_secs(3), "{:?}", at.elapsed());

    // A working storage shows no password either.
    let db = TestDb::new();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let url = match rest.split_once('@') {
        Some((user, host)) => format!("{scheme}://{user}:hunter2-secret@{host}"),
        None => format!("{scheme}://postgres:hunter2-secret@{rest}"),
    };
    let s = PgStorage::open_with(&url, &options(1)).unwrap();
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("hunter2") && shown.contains(&db.name),
        "{shown}"
    );
}

/// The storage's connections terminated by the server mid-call (an append
/// waiting for the log's lock): `Unavailable` at once, nothing appended;
/// the next calls succeed on new connections. Then the database refusing
/// connections: `Unavailable` within the timeout, and back when it
/// accepts them again.
#[test]
fn lost_connections_are_unavailable_then_recover() {
    let db = TestDb::new();
    let s = Arc::new(open(&db));
    s.append_disclosures(&[event(0), event(1)]).unwrap();

    // Another client holds the log's lock; the append waits for it.
    let holder = db.session();
    holder
        .exec("BEGIN; SELECT size FROM log_state FOR UPDATE")
        .unwrap();
    let waiting = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || {
            let r = s.append_disclosure(&event(2));
            (r, Instant::now())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    assert!(!waiting.is_finished(), "the append must wait for the lock");
    let ended = db.terminate_storage_connections();
    assert!(ended >= 1, "{ended}");
    let terminated_at = Instant::now();
    let (r, failed_at) = waiting.join().unwrap();
    let e = r.unwrap_err();
    assert_eq!(e.code(), "storage_unavailable", "{e}");
    assert!(failed_at.saturating_duration_since(terminated_at) < Duration::from_secs(1));
    holder.exec("ROLLBACK").unwrap();

    // The pool has noticed its connections closed and opens new ones.
    assert_eq!(s.append_disclosure(&event(2)).unwrap(), 2);
    assert_eq!(s.disclosure_count().unwrap(), 3);
    let e = s.read_disclosures(0..3).unwrap();
    assert_eq!(e[2].record.sequence, 2);

    // Idle connections terminated between calls: the next call connects
    // again (the connections' tasks see the server's goodbye at once; a
    // moment for them to run).
    assert!(db.terminate_storage_connections() >= 1);
    std::thread::sleep(Duration::from_millis(50));
    s.ping().unwrap();
    assert_eq!(s.append_disclosure(&event(3)).unwrap(), 3);

    // The database refuses connections: each call fails fast.
    let admin = db.admin();
    admin
        .exec(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false",
            db.name
        ))
        .unwrap();
    db.terminate_storage_connections();
    std::thread::sleep(Duration::from_millis(50));
    for _ in 0..3 {
        let at = Instant::now();
        let e = s.disclosure_count().unwrap_err();
        assert_eq!(e.code(), "storage_unavailable", "{e}");
        assert!(at.elapsed() < Duration::from_secs(3), "{:?}", at.elapsed());
        assert_eq!(s.ping().unwrap_err().code(), "storage_unavailable");
        assert_eq!(
            s.append_disclosure(&event(4)).unwrap_err().code(),
            "storage_unavailable"
        );
    }
    admin
        .exec(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
            db.name
        ))
        .unwrap();
    assert_eq!(s.append_disclosure(&event(4)).unwrap(), 4);
    assert_eq!(s.disclosure_count().unwrap(), 5);
}

/// A lock held past `lock_timeout` is `storage_busy`, and the append that
/// gave up left no gap.
#[test]
fn lock_timeout_is_busy() {
    let db = TestDb::new();
    let s = PgStorage::open_with(
        &db.url,
        &PgOptions {
            lock_timeout: Duration::from_millis(200),
            ..options(2)
        },
    )
    .unwrap();
    s.append_disclosure(&event(0)).unwrap();
    let holder = db.session();
    holder
        .exec("BEGIN; SELECT size FROM log_state FOR UPDATE")
        .unwrap();
    let e = s.append_disclosure(&event(1)).unwrap_err();
    assert_eq!(e.code(), "storage_busy", "{e}");
    // Reads never wait for the log's lock.
    assert_eq!(s.disclosure_count().unwrap(), 1);
    assert_eq!(s.read_disclosures(0..1).unwrap().len(), 1);
    holder.exec("ROLLBACK").unwrap();
    assert_eq!(s.append_disclosure(&event(1)).unwrap(), 1);
}

/// Calls from inside a tokio runtime (a worker thread, not only blocking
/// threads) work, and dropping the storage there does not panic.
#[test]
fn usable_and_droppable_inside_a_runtime() {
    let db = TestDb::new();
    let url = db.url.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let s = PgStorage::open_with(&url, &options(1)).unwrap();
        assert_eq!(s.append_disclosure(&event(0)).unwrap(), 0);
        assert_eq!(s.disclosure_count().unwrap(), 1);
        drop(s);
    });
}

#[test]
fn test_urls_keep_their_parameters() {
    assert_eq!(
        with_dbname("postgres://u@h:5432/postgres?sslmode=disable", "x"),
        "postgres://u@h:5432/x?sslmode=disable"
    );
    assert_eq!(with_dbname("postgres://u@h", "x"), "postgres://u@h/x");
}
