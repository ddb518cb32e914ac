//! `zkcred audit verify`: a regulator's offline check of a disclosure-log
//! export against the log's public key and the signed tree heads the
//! regulator kept from earlier audits.
//!
//! The export is read as a stream ([`zkcred_translog::verify_export_json`]):
//! each record is checked and reduced to its leaf hash as it is read, so a
//! log of any size is verified keeping 32 bytes a record, never the
//! document.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use zkcred_translog::{verify_export_json, LogPublicKey, Report, SignedTreeHead, VerifyError};

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

/// The signed heads kept from earlier audits, from `path` (a JSON array).
pub(crate) fn known_heads(ctx: &mut Context<'_>, path: &PathBuf) -> Result<Vec<SignedTreeHead>> {
    serde_json::from_str(&read(ctx, path)?)
        .with_context(|| format!("{}: not a JSON array of signed tree heads", path.display()))
}

fn verify(ctx: &mut Context<'_>, a: VerifyArgs) -> Result<Status> {
    let key = LogPublicKey::from_hex(a.log_key.trim()).context("--log-key")?;
    let known = match &a.known_heads {
        None => Vec::new(),
        Some(p) => known_heads(ctx, p)?,
    };
    let outcome = if a.export.as_os_str() == "-" {
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(&mut *ctx.stdin));
        verify_export_json(&mut de, &key, &known)
    } else {
        let path: &Path = &a.export;
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
        verify_export_json(&mut de, &key, &known)
    };
    report(ctx, outcome, a.json)
}

/// Reports a verification's `outcome` as VALID (success) or INVALID to
/// standard output; `zkcred client log verify` shares it.
pub(crate) fn report(
    ctx: &mut Context<'_>,
    outcome: Result<Report, VerifyError>,
    json: bool,
) -> Result<Status> {
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
                proven: Vec::new(),
                status_epoch: None,
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
            passphrase: None,
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

    /// An export as the service streams it (page by page) verifies from a
    /// file and from standard input; a record altered deep in the stream
    /// or a truncated stream is refused.
    #[test]
    fn streamed_export_verifies_and_tampering_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let storage = std::sync::Arc::new(SqliteStorage::open(dir.path().join("log.db")).unwrap());
        let log = DisclosureLog::new(storage, LogSigningKey::from_seed(&[9u8; 32]));
        let events: Vec<DisclosureEvent> = (0..3000).map(event).collect();
        log.append(&events[..1200]).unwrap();
        log.sign_head().unwrap();
        log.append(&events[1200..]).unwrap();
        log.sign_head().unwrap();
        let key = log.public_key();
        let body: Vec<u8> = log
            .export_pages(&key, 250)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .concat();
        let path = dir.path().join("export.json");
        std::fs::write(&path, &body).unwrap();
        let args = |p: &std::path::Path| VerifyArgs {
            export: p.to_path_buf(),
            log_key: key.to_hex(),
            known_heads: None,
            json: true,
        };
        let (s, out) = run(args(&path));
        assert_eq!(s, Status::Success, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["report"]["records"], 3000);
        assert_eq!(v["report"]["signed_heads"], 2);

        // Standard input.
        let (mut stdin, mut stdout, mut stderr) = (&body[..], Vec::new(), Vec::new());
        let mut ctx = Context {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            now: OffsetDateTime::now_utc(),
            passphrase: None,
        };
        let s = verify(&mut ctx, args(std::path::Path::new("-"))).unwrap();
        assert_eq!(s, Status::Success);

        // Record 2500 refused instead of accepted: under the head at 3000.
        let text = String::from_utf8(body.clone()).unwrap();
        let at = text.find("\"sequence\":2500,").unwrap();
        let outcome = text[..at].rfind("\"outcome\":\"accepted\"").unwrap();
        assert!(outcome > text[..at].rfind("\"sequence\":2499,").unwrap());
        let mut bad = text.clone();
        bad.replace_range(outcome..outcome + 20, "\"outcome\":\"refused\"");
        let bad_path = dir.path().join("bad.json");
        std::fs::write(&bad_path, bad).unwrap();
        let (s, out) = run(args(&bad_path));
        assert_eq!(s, Status::Invalid, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["code"], "export_root_mismatch", "{out}");

        // Cut off mid-stream (a broken transfer): malformed.
        let cut = dir.path().join("cut.json");
        std::fs::write(&cut, &body[..body.len() / 2]).unwrap();
        let (s, out) = run(args(&cut));
        assert_eq!(s, Status::Invalid, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["code"], "export_malformed", "{out}");
    }
}
