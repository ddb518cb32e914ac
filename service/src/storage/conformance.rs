//! Checks every [`Storage`] backend must pass, run by each backend's tests
//! on a fresh, empty store.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;

use super::{DocumentStatus, LogKeyRecord, Storage, StorageError, StoredStatusEpoch};
use zkcred_translog::tree::{self, Frontier, MemoryNodes, NodeReader};
use zkcred_translog::{
    merkle, CredentialDisclosure, DisclosureEvent, DisclosureRecord, Hash, Outcome, PolicyRef,
    SignedTreeHead,
};

/// A valid event, varied by `i`.
pub(crate) fn event(i: u64) -> DisclosureEvent {
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

/// A head of `size` over `root` at 09:00 (the signature is not checked by
/// storage).
pub(crate) fn head(size: u64, root: Hash) -> SignedTreeHead {
    head_at(size, root, "2025-03-01T09:00:00.000Z")
}

fn head_at(size: u64, root: Hash, timestamp: &str) -> SignedTreeHead {
    SignedTreeHead {
        tree_size: size,
        root_hash: root,
        timestamp: timestamp.into(),
        signature: [size as u8; 64],
    }
}

pub(crate) fn status_row(issuer: &str, ty: &str, epoch: u64) -> StoredStatusEpoch {
    StoredStatusEpoch {
        issuer: issuer.into(),
        credential_type: ty.into(),
        epoch,
        document: format!("{{\"epoch\":{epoch}}}"),
        received_at: "2025-03-01T09:00:00.000Z".into(),
    }
}

/// Appends one and several records; reads them back with their leaf
/// hashes; ranges past the end are refused.
pub(crate) fn disclosure_round_trip(s: &dyn Storage) {
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
    assert_eq!(s.read_disclosures(6..6).unwrap(), Vec::new());
    assert_eq!(
        s.read_disclosures(4..7).unwrap_err().code(),
        "log_range_out_of_bounds"
    );
    assert_eq!(
        s.read_leaf_hashes(7..8).unwrap_err().code(),
        "log_range_out_of_bounds"
    );
    s.ping().unwrap();
}

/// A batch with one invalid record stores none of it and leaves no gap.
pub(crate) fn invalid_event_appends_nothing(s: &dyn Storage) {
    let mut bad = event(1);
    bad.credentials[0]
        .disclosed_attributes
        .push("1990-01-01".into());
    let e = s.append_disclosures(&[event(0), bad]).unwrap_err();
    assert_eq!(e.code(), "record_invalid");
    assert_eq!(s.disclosure_count().unwrap(), 0);
    assert_eq!(s.append_disclosure(&event(0)).unwrap(), 0);
    assert_eq!(s.append_disclosures(&[event(1), event(2)]).unwrap(), 1..3);
    let frontier = Frontier::positions(3);
    let f = Frontier::from_nodes(3, &s.read_log_nodes(&frontier).unwrap()).unwrap();
    assert_eq!(f.root(), merkle::root(&s.read_leaf_hashes(0..3).unwrap()));
}

/// Heads are stored in size and time order: beyond the log, smaller or
/// earlier than the latest are refused.
pub(crate) fn tree_heads_round_trip(s: &dyn Storage) {
    assert_eq!(s.latest_tree_head().unwrap(), None);
    assert!(s.tree_heads().unwrap().is_empty());
    s.append_disclosures(&[event(0), event(1), event(2)])
        .unwrap();
    let r = Hash([9; 32]);
    s.put_tree_head(&head(0, r)).unwrap();
    s.put_tree_head(&head(1, r)).unwrap();
    s.put_tree_head(&head(2, r)).unwrap();
    // The same size again, later: kept (a re-signing).
    let again = head_at(2, r, "2025-03-01T09:05:00.000Z");
    s.put_tree_head(&again).unwrap();
    // Another signer's older head arriving late is refused.
    assert!(matches!(
        s.put_tree_head(&head(1, r)).unwrap_err(),
        StorageError::HeadOutOfOrder {
            tree_size: 1,
            latest_size: 2
        }
    ));
    // Larger but earlier: refused too.
    let e = s
        .put_tree_head(&head_at(3, r, "2025-03-01T09:01:00.000Z"))
        .unwrap_err();
    assert!(matches!(e, StorageError::HeadOutOfOrder { .. }), "{e}");
    assert_eq!(e.code(), "storage_busy");
    assert_eq!(s.latest_tree_head().unwrap(), Some(again.clone()));
    let heads = s.tree_heads().unwrap();
    assert_eq!(
        heads,
        vec![head(0, r), head(1, r), head(2, r), again.clone()]
    );
    assert_eq!(
        s.put_tree_head(&head_at(4, r, "2025-03-01T09:10:00.000Z"))
            .unwrap_err()
            .code(),
        "tree_head_beyond_log"
    );
    let last = head_at(3, Hash([3; 32]), "2025-03-01T09:10:00.000Z");
    s.put_tree_head(&last).unwrap();
    assert_eq!(s.latest_tree_head().unwrap(), Some(last));
}

/// Versions, latest, listing in id then version order, status changes,
/// conflicts and invalid kinds, ids and versions.
pub(crate) fn documents_round_trip(s: &dyn Storage) {
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
    // Ids in byte order, whatever the database's collation: upper case
    // before lower case, ASCII before CJK.
    for id in ["Zed", "市场监管", "a-b"] {
        s.put_document("issuer", id, 1, &json!({}), DocumentStatus::Retired)
            .unwrap();
    }
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
    assert_eq!(v1.kind, "issuer");
    assert!(!v1.created_at.is_empty() && v1.created_at == v1.updated_at);
    assert!(s
        .get_document("issuer", "cn.gov.mps", Some(3))
        .unwrap()
        .is_none());
    assert!(s.get_document("issuer", "nobody", None).unwrap().is_none());
    assert!(s.get_document("nothing", "x", None).unwrap().is_none());

    let list: Vec<(String, u32)> = s
        .list_documents("issuer")
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.version))
        .collect();
    let expected: Vec<(String, u32)> = [
        ("Zed", 1),
        ("a-b", 1),
        ("cn.gov.mps", 1),
        ("cn.gov.mps", 2),
        ("cn.gov.samr", 1),
        ("市场监管", 1),
    ]
    .iter()
    .map(|&(id, v)| (id.to_owned(), v))
    .collect();
    assert_eq!(list, expected);
    assert!(s.list_documents("agreement").unwrap().is_empty());

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
        .put_document("issuer", "cn.gov.mps", 1, &body1, DocumentStatus::Active)
        .unwrap_err();
    assert!(matches!(
        e,
        StorageError::VersionConflict {
            version: 1,
            latest: 2
        }
    ));
    // Versions may skip, never go back.
    s.put_document("issuer", "cn.gov.mps", 7, &body2, DocumentStatus::Active)
        .unwrap();
    assert_eq!(
        s.get_document("issuer", "cn.gov.mps", None)
            .unwrap()
            .unwrap()
            .version,
        7
    );
    s.put_document(
        "issuer",
        "cn.gov.big",
        u32::MAX,
        &json!({}),
        DocumentStatus::Active,
    )
    .unwrap();
    assert_eq!(
        s.get_document("issuer", "cn.gov.big", None)
            .unwrap()
            .unwrap()
            .version,
        u32::MAX
    );
    let e = s
        .set_status("issuer", "cn.gov.mps", 9, DocumentStatus::Retired)
        .unwrap_err();
    assert_eq!(e.code(), "document_not_found");
    let long = "x".repeat(513);
    for (kind, id, version) in [
        ("Issuer", "x", 1),
        ("issuer", "", 1),
        ("issuer", "x", 0),
        ("", "x", 1),
        ("issuer", long.as_str(), 1),
    ] {
        let e = s
            .put_document(kind, id, version, &json!({}), DocumentStatus::Active)
            .unwrap_err();
        assert_eq!(e.code(), "document_invalid");
    }
}

/// The log's key history round-trips in order.
pub(crate) fn log_keys_round_trip(s: &dyn Storage) {
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
}

/// Status epochs: never replaced, ordered by issuer, type and number,
/// the latest is the highest number; numbers beyond `i64` refused.
pub(crate) fn status_epochs_round_trip(s: &dyn Storage) -> Vec<StoredStatusEpoch> {
    assert!(s.status_epochs().unwrap().is_empty());
    assert_eq!(s.status_epoch("a", "t", None).unwrap(), None);
    let rows = [
        status_row("b", "t", 0),
        status_row("a", "t", 7),
        status_row("a", "t", 3),
        status_row("a", "u", 1),
        status_row("B", "t", 1),
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
    // Ordered by issuer (bytes: upper case first), type, epoch.
    let all = s.status_epochs().unwrap();
    let keys: Vec<(&str, &str, u64)> = all
        .iter()
        .map(|r| (r.issuer.as_str(), r.credential_type.as_str(), r.epoch))
        .collect();
    assert_eq!(
        keys,
        [
            ("B", "t", 1),
            ("a", "t", 3),
            ("a", "t", 7),
            ("a", "u", 1),
            ("b", "t", 0)
        ]
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
    assert_eq!(s.status_epochs().unwrap(), all);
    all
}

/// With a record, a head, a key and an epoch stored, `exec` (another SQL
/// client of the same database) cannot change or delete any of them, and
/// the store is unchanged.
pub(crate) fn append_only(s: &dyn Storage, exec: &dyn Fn(&str) -> Result<(), String>) {
    s.append_disclosures(&[event(0), event(1)]).unwrap();
    s.put_tree_head(&head(2, Hash([1; 32]))).unwrap();
    log_keys_round_trip(s);
    s.add_status_epoch(&status_row("a", "t", 1)).unwrap();
    let before = (
        s.read_disclosures(0..2).unwrap(),
        s.read_log_nodes(&[(1, 0)]).unwrap(),
        s.tree_heads().unwrap(),
        s.log_keys().unwrap(),
        s.status_epochs().unwrap(),
    );
    for sql in [
        "UPDATE disclosure_log SET record = '{}'",
        "DELETE FROM disclosure_log",
        "UPDATE log_nodes SET idx = 7",
        "DELETE FROM log_nodes",
        "UPDATE tree_heads SET tree_size = 0",
        "DELETE FROM tree_heads",
        "UPDATE log_keys SET from_tree_size = 1",
        "DELETE FROM log_keys",
        "UPDATE status_epochs SET document = '{}'",
        "DELETE FROM status_epochs",
    ] {
        let e = exec(sql).expect_err(sql);
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    let after = (
        s.read_disclosures(0..2).unwrap(),
        s.read_log_nodes(&[(1, 0)]).unwrap(),
        s.tree_heads().unwrap(),
        s.log_keys().unwrap(),
        s.status_epochs().unwrap(),
    );
    assert_eq!(before, after);
}

/// `threads` threads append singly and in pairs at once: the sequence
/// numbers each gets grow, together they are `0..total` without a gap or
/// a repeat, and every record's `sequence` is its row.
pub(crate) fn concurrent_appends_are_gapless(s: Arc<dyn Storage>, threads: u64) {
    const EACH: u64 = 25;
    let handles: Vec<_> = (0..threads)
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
    let total = threads * (EACH + EACH / 5);
    assert_eq!(all.len() as u64, total);
    let unique: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(unique, (0..total).collect::<HashSet<u64>>());
    assert_eq!(s.disclosure_count().unwrap(), total);
    let entries = s.read_disclosures(0..total).unwrap();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.record.sequence, i as u64);
    }
    let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
    let f = Frontier::from_nodes(
        total,
        &s.read_log_nodes(&Frontier::positions(total)).unwrap(),
    )
    .unwrap();
    assert_eq!(f.root(), merkle::root(&leaves));
}

/// Appends in groups of varied sizes; every node the tree functions ask
/// for equals the one an in-memory tree of the same leaves holds, and the
/// frontier read back gives the root of the leaf-based computation.
pub(crate) fn log_tree_nodes(s: &dyn Storage) {
    let mut memory = MemoryNodes::new();
    let mut next = 0u64;
    for group in [1u64, 1, 2, 5, 8, 13, 1, 64, 100, 3] {
        let events: Vec<_> = (next..next + group).map(event).collect();
        let range = s.append_disclosures(&events).expect("append");
        assert_eq!(range, next..next + group);
        next += group;
        for l in s.read_leaf_hashes(range).expect("leaves") {
            memory.append(l);
        }
        let positions = Frontier::positions(next);
        let frontier = Frontier::from_nodes(next, &s.read_log_nodes(&positions).expect("frontier"))
            .expect("frontier length");
        let leaves = s.read_leaf_hashes(0..next).expect("leaves");
        assert_eq!(frontier.root(), merkle::root(&leaves), "root at {next}");
    }
    // Every complete node, level by level.
    for level in 0..8u8 {
        let count = next >> level;
        let positions: Vec<(u8, u64)> = (0..count).map(|i| (level, i)).collect();
        let stored = s.read_log_nodes(&positions).expect("nodes");
        let expected: Vec<_> = positions
            .iter()
            .map(|&(l, i)| memory.node(l, i).expect("memory node"))
            .collect();
        assert_eq!(stored, expected, "level {level}");
    }
    // Mixed levels, repeats, in the order asked.
    let asked = [(3u8, 2u64), (0, 5), (7, 0), (0, 5), (1, 0), (3, 2)];
    let expected: Vec<_> = asked
        .iter()
        .map(|&(l, i)| memory.node(l, i).expect("memory node"))
        .collect();
    assert_eq!(s.read_log_nodes(&asked).expect("mixed"), expected);
    // Nodes of incomplete subtrees do not exist.
    assert_eq!(
        s.read_log_nodes(&[(0, next)]).unwrap_err().code(),
        "storage_corrupt"
    );
    assert_eq!(
        s.read_log_nodes(&[(1, 0), (8, 0)]).unwrap_err().code(),
        "storage_corrupt"
    );
    assert!(s.read_log_nodes(&[]).expect("nothing").is_empty());
    // Proofs from the store equal the leaf-based ones.
    let leaves = s.read_leaf_hashes(0..next).expect("leaves");
    for (old, new) in [(1u64, next), (17, 100), (64, 128), (next - 1, next)] {
        let rec = tree::NodeBatch::recorder();
        tree::consistency_proof_at(&rec, old, new).expect("sizes");
        let asked = rec.asked();
        let batch = tree::NodeBatch::with_nodes(&asked, &s.read_log_nodes(&asked).expect("nodes"))
            .expect("batch");
        assert_eq!(
            tree::consistency_proof_at(&batch, old, new).expect("proof"),
            merkle::consistency_proof(&leaves[..new as usize], old).expect("leaf proof")
        );
    }
    for index in [0u64, 1, 100, next - 1] {
        let rec = tree::NodeBatch::recorder();
        tree::inclusion_proof_at(&rec, next, index).expect("index");
        let asked = rec.asked();
        let batch = tree::NodeBatch::with_nodes(&asked, &s.read_log_nodes(&asked).expect("nodes"))
            .expect("batch");
        assert_eq!(
            tree::inclusion_proof_at(&batch, next, index).expect("proof"),
            merkle::inclusion_proof(&leaves, index).expect("leaf proof")
        );
    }
}
