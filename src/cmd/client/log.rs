//! `zkcred client log …`: the regulator's view of the disclosure log.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use std::io::Write as _;

use zkcred_api::client::{ClientError, ExportStream};
use zkcred_api::{ConsistencyQuery, InclusionQuery, LogRecords, RecordsQuery};
use zkcred_translog::{
    verify_export_json, DisclosureRecord, LogPublicKey, Report, SignedTreeHead, VerifyError,
};

use super::Session;
use crate::cmd::Status;

/// `zkcred client log …`.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// The log's size, its latest signed head and its public key.
    Head {
        /// Sign a new head over the log as it is now first.
        #[arg(long)]
        sign: bool,
    },
    /// Records (names of attributes and outcomes, never values), from the
    /// start unless --start; every page unless --limit.
    Records {
        /// The first record.
        #[arg(long)]
        start: Option<u64>,
        /// One past the last record.
        #[arg(long)]
        end: Option<u64>,
        /// Only one page of at most this many records.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// The inclusion proof of record INDEX (checked against the latest
    /// signed head when it is for that size).
    Inclusion {
        /// The record's sequence number.
        index: u64,
        /// Tree size (default: the latest signed head's).
        #[arg(long)]
        tree_size: Option<u64>,
    },
    /// The consistency proof from OLD_SIZE to a later size.
    Consistency {
        /// The earlier tree size.
        old_size: u64,
        /// The later tree size (default: the latest signed head's).
        #[arg(long)]
        new_size: Option<u64>,
    },
    /// The whole log and its signed heads, as one export document.
    Export {
        /// Write it to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Fetch an export and verify it offline (as `zkcred audit verify`):
    /// VALID (exit 0) or INVALID (exit 1).
    Verify {
        /// The log's public key, hex, obtained out of band (default: the key
        /// the service advertises, which proves only self-consistency).
        #[arg(long, value_name = "HEX")]
        log_key: Option<String>,
        /// Signed tree heads kept from earlier audits (a JSON array).
        #[arg(long, value_name = "FILE")]
        known_heads: Option<PathBuf>,
    },
}

/// One line for a disclosure record: names and outcome, never values.
pub(crate) fn record_line(r: &DisclosureRecord) -> String {
    let creds: Vec<String> = r
        .credentials
        .iter()
        .map(|c| {
            let proven: Vec<String> = c
                .proven
                .iter()
                .map(|p| format!("{} {} {}", p.attribute, p.op, p.bound))
                .collect();
            let mut inner = c.disclosed_attributes.join(",");
            if !proven.is_empty() {
                inner.push_str(&format!("; proven {}", proven.join(", ")));
            }
            if let Some(epoch) = c.status_epoch {
                inner.push_str(&format!("; status epoch {epoch}"));
            }
            format!("{}[{inner}]", c.credential_type)
        })
        .collect();
    let outcome = serde_json::to_value(r.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "#{} {} {} {} v{} {} → {} ({})",
        r.sequence,
        r.timestamp,
        r.verifier,
        r.policy.id,
        r.policy.version,
        creds.join(" "),
        outcome,
        r.reason
    )
}

fn head_line(h: &SignedTreeHead) -> String {
    format!(
        "signed head: size {}, root {}, signed at {}",
        h.tree_size,
        h.root_hash.to_hex(),
        h.timestamp
    )
}

impl LogCommand {
    pub(crate) async fn run(self, s: &mut Session<'_, '_>) -> Result<Status> {
        match self {
            LogCommand::Head { sign } => {
                if sign {
                    let h = s
                        .client
                        .sign_head()
                        .await
                        .map_err(|e| s.fail("POST /v1/log/head", e))?;
                    if !s.json {
                        s.note(&format!("signed a head over {} records", h.tree_size))?;
                    }
                }
                let head = s
                    .client
                    .log_head()
                    .await
                    .map_err(|e| s.fail("GET /v1/log/head", e))?;
                s.print(&head, || {
                    format!(
                        "records: {}\n{}\nlog key: {}",
                        head.tree_size,
                        head.signed_head
                            .as_ref()
                            .map_or("no signed head yet".to_owned(), head_line),
                        head.log_public_key
                    )
                })?;
            }
            LogCommand::Records { start, end, limit } => {
                let mut q = RecordsQuery { start, end, limit };
                let mut all = LogRecords {
                    records: Vec::new(),
                    next: None,
                };
                loop {
                    let page = s
                        .client
                        .log_records(&q)
                        .await
                        .map_err(|e| s.fail("GET /v1/log/records", e))?;
                    all.records.extend(page.records);
                    all.next = page.next;
                    match page.next {
                        Some(n) if limit.is_none() => q.start = Some(n),
                        _ => break,
                    }
                }
                s.print(&all, || {
                    if all.records.is_empty() {
                        return "(no records)".into();
                    }
                    all.records
                        .iter()
                        .map(|e| record_line(&e.record))
                        .collect::<Vec<_>>()
                        .join("\n")
                })?;
            }
            LogCommand::Inclusion { index, tree_size } => {
                let q = InclusionQuery { index, tree_size };
                let p = s
                    .client
                    .inclusion(&q)
                    .await
                    .map_err(|e| s.fail("GET /v1/log/inclusion", e))?;
                let checked = check_against_head(s, p.tree_size, |root| p.verify(root)).await?;
                s.print(&p, || {
                    format!(
                        "record {} is in the tree of size {} ({} hashes){}",
                        p.leaf_index,
                        p.tree_size,
                        p.path.len(),
                        checked
                    )
                })?;
            }
            LogCommand::Consistency { old_size, new_size } => {
                let q = ConsistencyQuery { old_size, new_size };
                let p = s
                    .client
                    .consistency(&q)
                    .await
                    .map_err(|e| s.fail("GET /v1/log/consistency", e))?;
                s.print(&p, || {
                    format!(
                        "the tree of size {} extends the tree of size {} ({} hashes)",
                        p.new_size,
                        p.old_size,
                        p.path.len()
                    )
                })?;
            }
            LogCommand::Export { out } => {
                let mut stream = s
                    .client
                    .export_stream()
                    .await
                    .map_err(|e| s.fail("GET /v1/log/export", e))?;
                let mut file = match &out {
                    Some(p) => Some(
                        std::fs::File::create(p)
                            .with_context(|| format!("cannot write {}", p.display()))?,
                    ),
                    None => None,
                };
                loop {
                    let chunk = match stream.chunk().await {
                        Ok(Some(c)) => c,
                        Ok(None) => break,
                        Err(e) => return Err(s.fail("GET /v1/log/export", e)),
                    };
                    match file.as_mut() {
                        Some(f) => f.write_all(&chunk),
                        None => s.ctx.stdout.write_all(&chunk),
                    }
                    .context("writing the export")?;
                }
                match (file, &out) {
                    (Some(mut f), Some(p)) => f
                        .write_all(b"\n")
                        .and_then(|()| f.sync_all())
                        .with_context(|| format!("cannot write {}", p.display()))?,
                    _ => s.ctx.stdout.write_all(b"\n")?,
                }
            }
            LogCommand::Verify {
                log_key,
                known_heads,
            } => {
                let key_hex = match log_key {
                    Some(k) => k,
                    None => {
                        let head = s
                            .client
                            .log_head()
                            .await
                            .map_err(|e| s.fail("GET /v1/log/head", e))?;
                        s.note(
                            "note: checking against the key the service advertises; \
                             pass --log-key to check against one obtained out of band",
                        )?;
                        head.log_public_key
                    }
                };
                let key = LogPublicKey::from_hex(key_hex.trim()).context("--log-key")?;
                let known = match &known_heads {
                    None => Vec::new(),
                    Some(p) => crate::cmd::audit::known_heads(s.ctx, p)?,
                };
                let stream = s
                    .client
                    .export_stream()
                    .await
                    .map_err(|e| s.fail("GET /v1/log/export", e))?;
                let outcome = match verify_streamed(stream, key, known).await {
                    Ok(outcome) => outcome,
                    Err(e) => return Err(s.fail("GET /v1/log/export", e)),
                };
                return crate::cmd::audit::report(s.ctx, outcome, s.json);
            }
        }
        Ok(Status::Success)
    }
}

/// Chunks in flight between the download and the verifier.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Verifies a streamed export as it downloads: the chunks go through a
/// bounded channel to [`verify_export_json`] on a blocking thread, so at
/// most a few chunks and the leaf hashes are held, never the document.
/// The outer error is the transfer's; the inner result the verdict (a
/// verifier that stops early on a bad record ends the download).
pub(crate) async fn verify_streamed(
    mut stream: ExportStream,
    key: LogPublicKey,
    known: Vec<SignedTreeHead>,
) -> Result<Result<Report, VerifyError>, ClientError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let verifier = tokio::task::spawn_blocking(move || {
        let reader = ChunkReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        };
        let mut de = serde_json::Deserializer::from_reader(reader);
        verify_export_json(&mut de, &key, &known)
    });
    let mut transfer = Ok(());
    loop {
        match stream.chunk().await {
            Ok(Some(c)) => {
                // The verifier stopped early (a bad record): its verdict stands.
                if tx.send(c).await.is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                transfer = Err(e);
                break;
            }
        }
    }
    drop(tx);
    let verdict = verifier
        .await
        .map_err(|e| ClientError::Decode(format!("export verifier failed: {e}")))?;
    match (transfer, verdict) {
        // A broken transfer leaves a truncated document: report the transfer.
        (Err(e), Err(_)) => Err(e),
        (_, verdict) => Ok(verdict),
    }
}

/// The chunks of a channel as one byte stream (end of input when the
/// sender is dropped).
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.blocking_recv() {
                Some(c) => {
                    self.chunk = c;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Checks a proof against the latest signed head when the head is for
/// `size`; returns a note for the summary.
async fn check_against_head(
    s: &mut Session<'_, '_>,
    size: u64,
    verify: impl FnOnce(&zkcred_translog::Hash) -> Result<(), zkcred_translog::ProofError>,
) -> Result<&'static str> {
    let head = s
        .client
        .log_head()
        .await
        .map_err(|e| s.fail("GET /v1/log/head", e))?;
    match head.signed_head {
        Some(h) if h.tree_size == size => {
            verify(&h.root_hash).context("the proof does not match the signed head")?;
            Ok("; verified against the latest signed head")
        }
        _ => Ok(""),
    }
}
