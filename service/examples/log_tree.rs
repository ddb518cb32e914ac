//! Latency of the disclosure log's heads and proofs on both storage
//! backends, from the stored tree interior (`Storage::read_log_nodes`, one
//! call of `O(log n)` nodes) against the old way (every leaf hash read,
//! then `merkle::root` / `merkle::inclusion_proof` /
//! `merkle::consistency_proof`), at several log sizes.
//!
//! ```text
//! cargo run --release -p zkcred-service --example log_tree -- \
//!     [--sizes 10000,1000000,10000000] [--old-way-max 10000000] \
//!     [--backends sqlite,postgres] [--samples 21] [--dir DIR] \
//!     [--pg postgres://postgres@127.0.0.1:5432/postgres] [--keep]
//! ```
//!
//! Each log is filled in bulk with synthetic records (valid canonical
//! records of varied verifiers, their leaf hashes and every interior node
//! from `tree::Frontier`): SQLite in one transaction without fsync,
//! PostgreSQL by `COPY`. Then, warm (one call first), `--samples` runs of
//! each operation on random indexes and sizes, and the median; last,
//! appends of groups of 1, 64 and 512 records (one transaction each). The
//! old way takes at most 5 samples at 10^6 records and 3 at 10^7. The
//! benchmark's databases are dropped at the end unless `--keep` (a kept log
//! is reused only while it has exactly the size asked, so not after a
//! run's appends). See `benches/README.md` for the results.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use rand::Rng;
use zkcred_service::disclosure_log::DisclosureLog;
use zkcred_service::storage::{PgOptions, PgStorage, SqliteStorage, Storage};
use zkcred_translog::tree::{self, Frontier, NodeBatch};
use zkcred_translog::{
    merkle, CredentialDisclosure, DisclosureEvent, DisclosureRecord, Hash, LogSigningKey, Outcome,
    PolicyRef,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct Args {
    sizes: Vec<u64>,
    old_way_max: u64,
    backends: Vec<String>,
    samples: usize,
    dir: PathBuf,
    pg: String,
    keep: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        sizes: vec![10_000, 1_000_000, 10_000_000],
        old_way_max: 10_000_000,
        backends: vec!["sqlite".into(), "postgres".into()],
        samples: 21,
        dir: std::env::temp_dir().join("zkcred-log-tree-bench"),
        pg: "postgres://postgres@127.0.0.1:5432/postgres".into(),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--keep" {
            a.keep = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sizes" => {
                a.sizes = value
                    .split(',')
                    .map(str::parse)
                    .collect::<std::result::Result<_, _>>()?
            }
            "--old-way-max" => a.old_way_max = value.parse()?,
            "--backends" => a.backends = value.split(',').map(str::to_owned).collect(),
            "--samples" => a.samples = value.parse()?,
            "--dir" => a.dir = value.into(),
            "--pg" => a.pg = value,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// The synthetic event of record `i` (valid; about 330 bytes as a record).
fn event(i: u64) -> DisclosureEvent {
    DisclosureEvent {
        timestamp: "2025-03-01T08:30:00.000Z".into(),
        verifier: format!("hotel-{}.example", i % 997),
        policy: PolicyRef {
            id: "hotel-checkin".into(),
            version: 1 + (i % 3) as u32,
        },
        credentials: vec![CredentialDisclosure {
            credential_type: "resident_id_card".into(),
            disclosed_attributes: vec!["holder_name".into()],
            issuer: "11330105002500287C".into(),
            proven: Vec::new(),
            status_epoch: None,
        }],
        outcome: if i.is_multiple_of(10) {
            Outcome::Refused
        } else {
            Outcome::Accepted
        },
        reason: if i.is_multiple_of(10) {
            "proof_invalid".into()
        } else {
            "ok".into()
        },
    }
}

/// Record `i`: its canonical text and leaf hash.
fn record(i: u64) -> Result<(String, Hash)> {
    let bytes = DisclosureRecord::from_event(i, &event(i))?.canonical_bytes();
    let leaf = merkle::leaf_hash(&bytes);
    Ok((String::from_utf8(bytes)?, leaf))
}

fn fill_sqlite(path: &std::path::Path, n: u64) -> Result<()> {
    drop(SqliteStorage::open(path)?);
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    {
        let mut rec =
            tx.prepare("INSERT INTO disclosure_log (seq, record, leaf_hash) VALUES (?1, ?2, ?3)")?;
        let mut node =
            tx.prepare("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?;
        let mut frontier = Frontier::new();
        for i in 0..n {
            let (text, leaf) = record(i)?;
            rec.execute(rusqlite::params![i as i64, text, leaf.0.as_slice()])?;
            for (level, idx, h) in frontier.append(leaf).into_iter().filter(|x| x.0 > 0) {
                node.execute(rusqlite::params![level, idx as i64, h.0.as_slice()])?;
            }
        }
    }
    tx.commit()?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(())
}

/// CSV field: quoted, inner quotes doubled.
fn csv(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn copy_rows(
    client: &tokio_postgres::Client,
    sql: &str,
    rows: impl Iterator<Item = Result<String>>,
) -> Result<()> {
    let sink = client.copy_in(sql).await?;
    futures_util::pin_mut!(sink);
    let mut chunk = String::with_capacity(1 << 20);
    for row in rows {
        chunk.push_str(&row?);
        if chunk.len() >= 1 << 20 {
            let full = std::mem::replace(&mut chunk, String::with_capacity(1 << 20));
            sink.send(std::collections::VecDeque::from(full.into_bytes()))
                .await?;
        }
    }
    sink.send(std::collections::VecDeque::from(chunk.into_bytes()))
        .await?;
    sink.as_mut().finish().await?;
    Ok(())
}

async fn fill_postgres(url: &str, n: u64) -> Result<()> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client
        .batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        .await?;
    copy_rows(
        &client,
        "COPY disclosure_log (seq, record, leaf_hash) FROM STDIN WITH (FORMAT csv)",
        (0..n).map(|i| {
            let (text, leaf) = record(i)?;
            Ok(format!("{i},{},\\x{}\n", csv(&text), leaf.to_hex()))
        }),
    )
    .await?;
    let mut frontier = Frontier::new();
    let mut pending: Vec<(u8, u64, Hash)> = Vec::new();
    let nodes = (0..n).flat_map(move |i| {
        pending.clear();
        match record(i) {
            Ok((_, leaf)) => {
                pending.extend(frontier.append(leaf).into_iter().filter(|x| x.0 > 0));
                pending
                    .iter()
                    .map(|(l, idx, h)| Ok(format!("{l},{idx},\\x{}\n", h.to_hex())))
                    .collect::<Vec<_>>()
            }
            Err(e) => vec![Err(e)],
        }
    });
    copy_rows(
        &client,
        "COPY log_nodes (level, idx, hash) FROM STDIN WITH (FORMAT csv)",
        nodes,
    )
    .await?;
    client
        .execute("UPDATE log_state SET size = $1", &[&(n as i64)])
        .await?;
    client
        .batch_execute("ANALYZE disclosure_log; ANALYZE log_nodes; CHECKPOINT")
        .await?;
    Ok(())
}

/// The median of `samples` runs of `f` (after one warm-up), and what `f`
/// reported of its last run (nodes read).
fn median(samples: usize, mut f: impl FnMut() -> Result<usize>) -> Result<(Duration, usize)> {
    let mut reads = f()?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let at = Instant::now();
        reads = f()?;
        times.push(at.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], reads))
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Runs every operation on a filled store; one table row per operation.
fn measure(
    backend: &str,
    s: std::sync::Arc<dyn Storage>,
    n: u64,
    samples: usize,
    old_way: bool,
) -> Result<Vec<String>> {
    let mut rows = Vec::new();
    let mut rng = rand::thread_rng();
    let mut row = |op: &str, (t, reads): (Duration, usize), k: usize| {
        let line = format!("| {backend} | {n} | {op} | {} | {reads} | {k} |", ms(t));
        println!("{line}");
        rows.push(line);
    };
    assert_eq!(s.disclosure_count()?, n, "filled size");
    let log = DisclosureLog::new(
        std::sync::Arc::new(std::sync::Arc::clone(&s)),
        LogSigningKey::from_seed(&[7; 32]),
    );
    // New way: one node fetch each.
    let root = |size: u64| -> Result<(Hash, usize)> {
        let rec = NodeBatch::recorder();
        tree::root_at(&rec, size)?;
        let asked = rec.asked();
        let batch = NodeBatch::with_nodes(&asked, &s.read_log_nodes(&asked)?)?;
        Ok((tree::root_at(&batch, size)?, asked.len()))
    };
    let (stored_root, _) = root(n)?;
    row(
        "head root (count + nodes)",
        median(samples, || {
            let size = s.disclosure_count()?;
            Ok(root(size)?.1)
        })?,
        samples,
    );
    row(
        "sign_head (root, sign, store head)",
        median(samples, || {
            log.sign_head()?;
            Ok(Frontier::positions(n).len())
        })?,
        samples,
    );
    row(
        "inclusion proof",
        median(samples, || {
            let index = rng.gen_range(0..n);
            let p = log.inclusion_proof(index, n)?;
            p.verify(&stored_root)?;
            // What it read: the leaf and the path's nodes, in one fetch.
            let rec = NodeBatch::recorder();
            tree::NodeReader::node(&rec, 0, index)?;
            tree::inclusion_proof_at(&rec, n, index)?;
            Ok(rec.asked().len())
        })?,
        samples,
    );
    let mut rng = rand::thread_rng();
    row(
        "consistency proof",
        median(samples, || {
            let old = rng.gen_range(1..n);
            log.consistency_proof(old, n)?;
            let rec = NodeBatch::recorder();
            tree::consistency_proof_at(&rec, old, n)?;
            Ok(rec.asked().len())
        })?,
        samples,
    );
    if old_way {
        let k = if n >= 1_000_000 {
            samples.min(if n >= 10_000_000 { 3 } else { 5 })
        } else {
            samples
        };
        row(
            "old: root from every leaf",
            median(k, || {
                let leaves = s.read_leaf_hashes(0..s.disclosure_count()?)?;
                assert_eq!(merkle::root(&leaves), stored_root);
                Ok(leaves.len())
            })?,
            k,
        );
        let mut rng = rand::thread_rng();
        row(
            "old: inclusion from every leaf",
            median(k, || {
                let leaves = s.read_leaf_hashes(0..n)?;
                merkle::inclusion_proof(&leaves, rng.gen_range(0..n))?;
                Ok(leaves.len())
            })?,
            k,
        );
        row(
            "old: consistency from every leaf",
            median(k, || {
                let leaves = s.read_leaf_hashes(0..n)?;
                merkle::consistency_proof(&leaves, rng.gen_range(1..n))?;
                Ok(leaves.len())
            })?,
            k,
        );
    }
    // Appends last (they grow the log): one transaction per group, as the
    // log writer commits, with the frontier read under the log's lock.
    let mut next = n;
    for group in [1u64, 64, 512] {
        row(
            &format!("append a group of {group}"),
            median(samples, || {
                let events: Vec<_> = (next..next + group).map(event).collect();
                let range = s.append_disclosures(&events)?;
                assert_eq!(range, next..next + group);
                next += group;
                Ok(Frontier::positions(range.start).len())
            })?,
            samples,
        );
    }
    Ok(rows)
}

fn main() -> Result<()> {
    let a = args()?;
    std::fs::create_dir_all(&a.dir)?;
    let admin = a.pg.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let admin_exec = |sql: String| -> Result<()> {
        rt.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(&admin, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            client.batch_execute(&sql).await?;
            Ok(())
        })
    };
    println!("| backend | records | operation | median ms | nodes / leaves read | samples |");
    println!("|---|---:|---|---:|---:|---:|");
    let mut dropped = Vec::new();
    for &n in &a.sizes {
        for backend in &a.backends {
            let started = Instant::now();
            let storage: std::sync::Arc<dyn Storage> = match backend.as_str() {
                "sqlite" => {
                    let path = a.dir.join(format!("log-{n}.db"));
                    let reuse =
                        path.exists() && SqliteStorage::open(&path)?.disclosure_count()? == n;
                    if !reuse {
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                        fill_sqlite(&path, n)?;
                        eprintln!(
                            "sqlite {n}: filled in {:.1} s",
                            started.elapsed().as_secs_f64()
                        );
                    }
                    if !a.keep {
                        dropped.push(path.clone());
                    }
                    std::sync::Arc::new(SqliteStorage::open(&path)?)
                }
                "postgres" => {
                    let name = format!("zkcred_bench_{n}");
                    let url = match a.pg.rsplit_once('/') {
                        Some((base, _)) => format!("{base}/{name}"),
                        None => return Err("--pg needs a database path".into()),
                    };
                    let _ = admin_exec(format!("CREATE DATABASE {name}"));
                    let s = PgStorage::open_with(&url, &PgOptions::default())?;
                    if s.disclosure_count()? != n {
                        drop(s);
                        admin_exec(format!("DROP DATABASE {name} WITH (FORCE)"))?;
                        admin_exec(format!("CREATE DATABASE {name}"))?;
                        drop(PgStorage::open(&url)?);
                        rt.block_on(fill_postgres(&url, n))?;
                        eprintln!(
                            "postgres {n}: filled in {:.1} s",
                            started.elapsed().as_secs_f64()
                        );
                    }
                    if !a.keep {
                        dropped.push(PathBuf::from(format!("postgres:{name}")));
                    }
                    std::sync::Arc::new(PgStorage::open(&url)?)
                }
                other => return Err(format!("unknown backend {other}").into()),
            };
            measure(backend, storage, n, a.samples, n <= a.old_way_max)?;
        }
    }
    for d in dropped {
        match d.to_str().and_then(|s| s.strip_prefix("postgres:")) {
            Some(name) => admin_exec(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?,
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", d.display()));
                }
            }
        }
    }
    Ok(())
}
