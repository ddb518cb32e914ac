//! `zkcred client log …`: the regulator's view of the disclosure log.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use zkcred_api::{ConsistencyQuery, InclusionQuery, LogRecords, RecordsQuery};
use zkcred_translog::{DisclosureRecord, LogPublicKey, SignedTreeHead};

use super::Session;
use crate::cmd::files::write_document;
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
            format!(
                "{}[{}]",
                c.credential_type,
                c.disclosed_attributes.join(",")
            )
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
                let (_, text) = s
                    .client
                    .export()
                    .await
                    .map_err(|e| s.fail("GET /v1/log/export", e))?;
                write_document(s.ctx, out.as_deref(), text.trim_end(), false)?;
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
                let known: Vec<SignedTreeHead> = match &known_heads {
                    None => Vec::new(),
                    Some(p) => serde_json::from_str(&crate::cmd::audit::read(s.ctx, p)?)
                        .with_context(|| {
                            format!("{}: not a JSON array of signed tree heads", p.display())
                        })?,
                };
                let (_, text) = s
                    .client
                    .export()
                    .await
                    .map_err(|e| s.fail("GET /v1/log/export", e))?;
                return crate::cmd::audit::report(s.ctx, &text, &key, &known, s.json);
            }
        }
        Ok(Status::Success)
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
