//! `zkcred audit verify`: a regulator's offline check of a disclosure-log
//! export against the log's public key and the signed tree heads the
//! regulator kept from earlier audits.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use zkcred_translog::{verify_export_with, LogExport, LogPublicKey, SignedTreeHead};

use super::{Context, Status};

/// `zkcred audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify a disclosure-log export: every record hashes into every signed
    /// head, each head is signed by the log key, and consecutive heads are
    /// consistent (nothing altered, dropped or reordered).
    Verify(VerifyArgs),
}

/// `zkcred audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The export (JSON, as served by `GET /v1/log/export`), or `-`.
    pub export: PathBuf,
    /// The log's Ed25519 public key, hex, as obtained out of band (the key in
    /// the export itself is only compared with it).
    #[arg(long, value_name = "HEX")]
    pub log_key: String,
    /// Signed tree heads kept from earlier audits (a JSON array), checked
    /// against this export too: they catch a log that rewrote its history
    /// and re-signed it.
    #[arg(long, value_name = "FILE")]
    pub known_heads: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl AuditCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            AuditCommand::Verify(a) => verify(ctx, a),
        }
    }
}

pub(crate) fn read(ctx: &mut Context<'_>, path: &PathBuf) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        ctx.stdin
            .read_to_string(&mut s)
            .context("reading standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

fn verify(ctx: &mut Context<'_>, a: VerifyArgs) -> Result<Status> {
    let key = LogPublicKey::from_hex(a.log_key.trim()).context("--log-key")?;
    let text = read(ctx, &a.export)?;
    let known: Vec<SignedTreeHead> = match &a.known_heads {
        None => Vec::new(),
        Some(p) => serde_json::from_str(&read(ctx, p)?)
            .with_context(|| format!("{}: not a JSON array of signed tree heads", p.display()))?,
    };
    report(ctx, &text, &key, &known, a.json)
}

/// Verifies an export's `text` against `key` and the `known` heads and
/// reports VALID (success) or INVALID to standard output; `zkcred client log
/// verify` shares it.
pub(crate) fn report(
    ctx: &mut Context<'_>,
    text: &str,
    key: &LogPublicKey,
    known: &[SignedTreeHead],
    json: bool,
) -> Result<Status> {
    let outcome = LogExport::from_json(text).and_then(|e| verify_export_with(&e, key, known));
    match outcome {
        Ok(r) => {
            if json {
                let v = json!({ "valid": true, "report": r });
                writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                writeln!(ctx.stdout, "VALID disclosure log")?;
                writeln!(ctx.stdout, "  records:        {}", r.records)?;
                writeln!(ctx.stdout, "  signed heads:   {} checked", r.signed_heads)?;
                writeln!(ctx.stdout, "  signed size:    {}", r.signed_size)?;
                writeln!(ctx.stdout, "  signed root:    {}", r.signed_root.to_hex())?;
                if r.unsigned_records > 0 {
                    writeln!(
                        ctx.stdout,
                        "  not yet signed: {} record(s) after the last head",
                        r.unsigned_records
                    )?;
                }
            }
            Ok(Status::Success)
        }
        Err(e) => {
            if json {
                let v = json!({ "valid": false, "code": e.code(), "reason": e.to_string() });
                writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                writeln!(ctx.stdout, "INVALID disclosure log: {e} ({})", e.code())?;
            }
            Ok(Status::Invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;
    use zkcred_service::disclosure_log::DisclosureLog;
    use zkcred_service::storage::SqliteStorage;
    use zkcred_translog::{
        CredentialDisclosure, DisclosureEvent, LogSigningKey, Outcome, PolicyRef,
    };

    fn event(i: u64) -> DisclosureEvent {
        DisclosureEvent {
            credentials: vec![CredentialDisclosure {
                credential_type: "resident_id_card".into(),
                disclosed_attributes: vec!["holder_name".into()],
                issuer: "500000-psb".into(),
            }],
            outcome: if i.is_multiple_of(3) {
                Outcome::Refused
            } else {
                Outcome::Accepted
            },
            policy: PolicyRef {
                id: "hotel-checkin".into(),
                version: 1,
            },
            reason: if i.is_multiple_of(3) {
                "challenge_replayed".into()
            } else {
                "accepted".into()
            },
            timestamp: "2026-11-26T10:00:00.000Z".into(),
            verifier: "hotel.example".into(),
        }
    }

    fn run(args: VerifyArgs) -> (Status, String) {
        let (mut stdin, mut stdout, mut stderr) = (&b""[..], Vec::new(), Vec::new());
        let mut ctx = Context {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            now: OffsetDateTime::now_utc(),
        };
        let s = verify(&mut ctx, args).unwrap();
        (s, String::from_utf8(stdout).unwrap())
    }

    #[test]
    fn export_verifies_and_tampering_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let storage = std::sync::Arc::new(SqliteStorage::open(dir.path().join("log.db")).unwrap());
        let key = LogSigningKey::from_seed(&[7u8; 32]);
        let log = DisclosureLog::new(storage, key);
        let events: Vec<DisclosureEvent> = (0..9).map(event).collect();
        log.append(&events[..5]).unwrap();
        log.sign_head().unwrap();
        log.append(&events[5..]).unwrap();
        log.sign_head().unwrap();
        let export = log.export().unwrap();
        let key_hex = export.log_public_key.to_hex();
        let path = dir.path().join("export.json");
        std::fs::write(&path, export.to_json()).unwrap();
        let args = |p: &std::path::Path| VerifyArgs {
            export: p.to_path_buf(),
            log_key: key_hex.clone(),
            known_heads: None,
            json: false,
        };
        let (s, out) = run(args(&path));
        assert_eq!(s, Status::Success, "{out}");
        assert!(out.contains("records:        9"), "{out}");

        // Alter one record's outcome: the recomputed root no longer matches.
        let mut v: serde_json::Value = serde_json::from_str(&export.to_json()).unwrap();
        v["records"][2]["outcome"] = "refused".into();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, v.to_string()).unwrap();
        let (s, out) = run(args(&bad));
        assert_eq!(s, Status::Invalid, "{out}");
        assert!(out.starts_with("INVALID"), "{out}");

        // Another trusted key: refused.
        let other = LogSigningKey::from_seed(&[8u8; 32]).public_key().to_hex();
        let (s, _) = run(VerifyArgs {
            log_key: other,
            ..args(&path)
        });
        assert_eq!(s, Status::Invalid);
    }
}
