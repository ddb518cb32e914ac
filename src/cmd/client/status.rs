//! `zkcred client status …`: licence status epochs at the service (the
//! operator registers what issuers publish; anyone with a token reads the
//! current epoch).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use zkcred_api::StatusEpochSummary;
use zkcred_credential::status::registry::PUBLISHED_DIR;
use zkcred_credential::StatusEpoch;

use super::Session;
use crate::cmd::files::{read_document, shown, write_document};
use crate::cmd::Status;

/// `zkcred client status …`.
#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Register status epochs (admin): each EPOCH.json as `zkcred issuer
    /// status … --publish DIR` wrote it, or a folder searched for
    /// `epoch-<n>.json` files. They are sent in order of issuer, type and
    /// number; one already registered unchanged is reported as such.
    Publish {
        /// Epoch documents or folders (`-`: one document from standard input).
        #[arg(required = true, value_name = "EPOCH.json")]
        files: Vec<PathBuf>,
    },
    /// The current (highest) status epoch the service holds for ISSUER's
    /// CREDENTIAL_TYPE: its number, time, key and value; the document itself
    /// with --json or --out.
    Show {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// Also write the document to FILE (for `zkcred verify
        /// --status-epoch` or `zkcred wallet sync`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Whether `name` is `epoch-<n>.json`.
fn is_epoch_file(name: &str) -> bool {
    name.strip_prefix("epoch-")
        .and_then(|r| r.strip_suffix(".json"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The `epoch-<n>.json` files under `dir` (any depth), sorted.
fn epoch_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 8 {
        return Ok(());
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| anyhow!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            epoch_files(&p, out, depth + 1)?;
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_epoch_file)
        {
            out.push(p);
        }
    }
    Ok(())
}

/// One line for a registered epoch.
fn summary_line(s: &StatusEpochSummary, is_new: bool) -> String {
    format!(
        "{} epoch {} of {} / {} (published {}, key {}){}",
        if is_new {
            "registered"
        } else {
            "already registered:"
        },
        s.epoch,
        s.issuer,
        s.credential_type,
        s.published_at,
        s.key_id,
        if s.current { ", current" } else { "" }
    )
}

impl StatusCommand {
    pub(crate) async fn run(self, s: &mut Session<'_, '_>) -> Result<Status> {
        match self {
            StatusCommand::Publish { files } => {
                let mut paths = Vec::new();
                for f in files {
                    if f.is_dir() {
                        let before = paths.len();
                        epoch_files(&f, &mut paths, 0)?;
                        if paths.len() == before {
                            bail!(
                                "{}: no epoch-<n>.json file in it (an issuer's publication \
                                 folder holds them under <issuer>/<type>/ or {PUBLISHED_DIR}/)",
                                f.display()
                            );
                        }
                    } else {
                        paths.push(f);
                    }
                }
                let mut epochs = Vec::with_capacity(paths.len());
                for p in &paths {
                    let text = read_document(s.ctx, p)?;
                    let e = StatusEpoch::from_json(&text)
                        .map_err(|e| anyhow!("{}: not a status epoch: {e}", shown(p)))?;
                    epochs.push(e);
                }
                epochs.sort_by(|a, b| {
                    (&a.issuer, a.credential_type(), a.epoch()).cmp(&(
                        &b.issuer,
                        b.credential_type(),
                        b.epoch(),
                    ))
                });
                let mut out = Vec::with_capacity(epochs.len());
                for e in &epochs {
                    let (summary, is_new) =
                        s.client.publish_status_epoch(e).await.map_err(|err| {
                            s.fail(
                                &format!(
                                    "POST {} (epoch {} of {} / {})",
                                    zkcred_api::STATUS_EPOCHS_PATH,
                                    e.epoch(),
                                    e.issuer,
                                    e.credential_type()
                                ),
                                err,
                            )
                        })?;
                    if !s.json {
                        writeln_out(s, &summary_line(&summary, is_new))?;
                    }
                    out.push(summary);
                }
                if s.json {
                    s.print(&out, String::new)?;
                }
                Ok(Status::Success)
            }
            StatusCommand::Show {
                issuer,
                credential_type,
                out,
            } => {
                let e = s
                    .client
                    .status_epoch(&issuer, &credential_type)
                    .await
                    .map_err(|err| {
                        s.fail(
                            &format!(
                                "GET {}",
                                zkcred_api::status_epoch_path(&issuer, &credential_type)
                            ),
                            err,
                        )
                    })?;
                if let Some(path) = &out {
                    write_document(s.ctx, Some(path), &e.to_json(), false)?;
                }
                if s.json {
                    let v: serde_json::Value = serde_json::from_str(&e.to_json())?;
                    s.print(&v, String::new)?;
                } else {
                    let line = format!(
                        "epoch {} of {} / {}\npublished: {}\nsigned with key: {}\nvalue: {}{}",
                        e.epoch(),
                        e.issuer,
                        e.credential_type(),
                        crate::cmd::files::format_time(e.content.published_at),
                        e.key_id,
                        hex::encode(e.value().to_bytes()),
                        out.as_ref()
                            .map(|p| format!("\nwritten to {}", p.display()))
                            .unwrap_or_default()
                    );
                    writeln_out(s, &line)?;
                }
                Ok(Status::Success)
            }
        }
    }
}

fn writeln_out(s: &mut Session<'_, '_>, line: &str) -> Result<()> {
    writeln!(s.ctx.stdout, "{line}")?;
    Ok(())
}
