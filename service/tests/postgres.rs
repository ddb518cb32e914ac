//! Several nodes on one PostgreSQL database, as behind a load balancer:
//! two real servers on loopback sharing the database and the log key,
//! decisions taken on both at once land in one gap-free log, and a head
//! signed by either proves the records of both.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

use std::collections::HashSet;
use std::sync::Arc;

use zkcred_api::{ConsistencyQuery, InclusionQuery, RecordsQuery};
use zkcred_translog::{verify_export, LogPublicKey};

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_database_and_one_log() {
    const EACH: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let db = pg::TestDb::new();
    let (a, ca) = start(config_postgres(dir.path(), &db)).await;
    let h = holder(ISSUER);
    setup(&ca, &h).await;
    // The second node starts on the stored registry and the same log key.
    let (b, cb) = start(config_postgres(dir.path(), &db)).await;
    let (ca, cb) = (Arc::new(ca), Arc::new(cb));

    // Challenges live in each node's memory: each node answers its own.
    let mut subs = Vec::new();
    for c in [&ca, &cb] {
        for _ in 0..EACH {
            subs.push((Arc::clone(c), submission_for(c, &h).await));
        }
    }
    let tasks: Vec<_> = subs
        .into_iter()
        .map(|(c, sub)| tokio::spawn(async move { c.role(HOTEL).submit(&sub).await.unwrap() }))
        .collect();
    let mut sequences = HashSet::new();
    for t in tasks {
        let accepted = t.await.unwrap();
        assert_eq!(accepted.decision, "accepted");
        assert!(sequences.insert(accepted.log_sequence));
    }
    let total = (2 * EACH) as u64;
    assert_eq!(sequences, (0..total).collect::<HashSet<u64>>());

    // Either node reads the whole log; a head signed on one proves every
    // record on the other.
    let (ra, rb) = (ca.role(REGULATOR), cb.role(REGULATOR));
    let page = rb
        .log_records(&RecordsQuery {
            start: None,
            end: None,
            limit: Some(1000),
        })
        .await
        .unwrap();
    assert_eq!(page.records.len() as u64, total);
    for (i, r) in page.records.iter().enumerate() {
        assert_eq!(r.record.sequence, i as u64);
    }
    let first = ra.sign_head().await.unwrap();
    assert_eq!(first.tree_size, total);
    let key = LogPublicKey::from_hex(&rb.log_head().await.unwrap().log_public_key).unwrap();
    key.verify(&first).unwrap();
    for index in 0..total {
        let proof = rb
            .inclusion(&InclusionQuery {
                index,
                tree_size: Some(total),
            })
            .await
            .unwrap();
        proof.verify(&first.root_hash).unwrap();
    }

    // More on b, a head signed by b, consistent with a's.
    let sub = submission_for(&cb, &h).await;
    assert_eq!(
        cb.role(HOTEL).submit(&sub).await.unwrap().log_sequence,
        total
    );
    let second = rb.sign_head().await.unwrap();
    assert_eq!(second.tree_size, total + 1);
    let proof = ra
        .consistency(&ConsistencyQuery {
            old_size: first.tree_size,
            new_size: Some(second.tree_size),
        })
        .await
        .unwrap();
    proof.verify(&first.root_hash, &second.root_hash).unwrap();
    // A head older than the latest is never stored: a's view of the heads
    // is b's.
    assert_eq!(
        ra.log_head().await.unwrap().signed_head,
        Some(second.clone())
    );
    let (export, _) = ra.export().await.unwrap();
    let report = verify_export(&export, &key).unwrap();
    assert_eq!(report.records, total + 1);

    // Both stop; the data stays in the database for the next start.
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    let (c, cc) = start(config_postgres(dir.path(), &db)).await;
    assert_eq!(
        cc.role(REGULATOR).log_head().await.unwrap().tree_size,
        total + 1
    );
    c.shutdown().await.unwrap();
}
