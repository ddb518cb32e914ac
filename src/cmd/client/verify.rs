//! `zkcred client challenge|submit|decision`: the verifier's calls.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use serde_json::Value;
use zkcred_api::client::ClientError;
use zkcred_api::{Accepted, BatchResult, Submission};
use zkcred_credential::{Presentation, PresentationRequest};

use super::Session;
use crate::cmd::files::{read_document, shown, write_document};
use crate::cmd::Status;

/// `zkcred client challenge`.
#[derive(Debug, Args)]
pub struct ChallengeArgs {
    /// The policy the presentation will be judged under.
    pub policy: String,
    /// Write the request to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `zkcred client submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The policy the challenge was issued for.
    #[arg(long)]
    pub policy: String,
    /// The presentation request as issued (`zkcred client challenge`).
    pub request: PathBuf,
    /// The holder's presentation (`zkcred wallet present`), or `-`.
    pub presentation: PathBuf,
    /// Send an `Idempotency-Key` (1 to 255 visible ASCII characters, fresh
    /// per submission): the same command again after a lost answer gets
    /// the decision already taken instead of `challenge_replayed`.
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
}

/// `zkcred client decision`.
#[derive(Debug, Args)]
pub struct DecisionArgs {
    /// The challenge the presentation answered: 64 hex digits, the
    /// request's `challenge`.
    pub challenge: String,
}

/// Gets a challenge; writes the request (or, with `--json`, the whole
/// answer).
pub(crate) async fn challenge(s: &mut Session<'_, '_>, a: ChallengeArgs) -> Result<Status> {
    let issued = s
        .client
        .challenge(&a.policy)
        .await
        .map_err(|e| s.fail("POST /v1/challenges", e))?;
    let text = if s.json {
        serde_json::to_string_pretty(&issued)?
    } else {
        serde_json::to_string_pretty(&issued.request)?
    };
    write_document(s.ctx, a.out.as_deref(), &text, false)?;
    s.note(&format!(
        "challenge for policy {} v{} (expires {}); the holder answers with zkcred wallet present",
        issued.policy.id, issued.policy.version, issued.expires_at
    ))?;
    Ok(Status::Success)
}

fn parse<T: serde::de::DeserializeOwned>(
    s: &mut Session<'_, '_>,
    path: &std::path::Path,
) -> Result<T> {
    let text = read_document(s.ctx, path)?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not the expected document", shown(path)))
}

/// Submits a presentation: ACCEPTED (0) or REFUSED (1).
pub(crate) async fn submit(s: &mut Session<'_, '_>, a: SubmitArgs) -> Result<Status> {
    let request: PresentationRequest = parse(s, &a.request)?;
    let presentation: Presentation = parse(s, &a.presentation)?;
    let sub = Submission {
        policy: a.policy,
        request,
        presentation,
    };
    let answer = match &a.idempotency_key {
        Some(key) => s.client.submit_idempotent(&sub, key).await,
        None => s.client.submit(&sub).await,
    };
    report(s, "POST /v1/presentations", answer)
}

/// Shows a decision: ACCEPTED (0) with the disclosed values, REFUSED (1),
/// or the service's error.
fn report(
    s: &mut Session<'_, '_>,
    what: &str,
    answer: Result<Accepted, ClientError>,
) -> Result<Status> {
    match answer {
        Ok(d) => {
            s.print(&d, || {
                let mut out = format!(
                    "ACCEPTED under policy {} v{} (log record {})",
                    d.policy.id, d.policy.version, d.log_sequence
                );
                for c in &d.credentials {
                    out.push_str(&format!(
                        "\n  {} from {} ({}):",
                        c.credential_type, c.issuer, c.requirement
                    ));
                    for (k, v) in &c.attributes {
                        let shown = match v {
                            Value::String(t) => t.clone(),
                            other => other.to_string(),
                        };
                        out.push_str(&format!("\n    {k}: {shown}"));
                    }
                    if let Some(n) = c.status_epoch {
                        out.push_str(&format!(
                            "\n    licence valid in the issuer's status epoch {n}"
                        ));
                    }
                }
                out
            })?;
            Ok(Status::Success)
        }
        Err(ClientError::Problem(p)) if p.is_refusal() => {
            s.print(&p, || {
                let mut out = format!("REFUSED: {} ({})", p.detail, p.code);
                if let Some(seq) = p.log_sequence() {
                    out.push_str(&format!(" — log record {seq}"));
                }
                out
            })?;
            Ok(Status::Invalid)
        }
        Err(e) => Err(s.fail(what, e)),
    }
}

/// The decision held for a challenge (for a submission whose answer was
/// lost): as `submit` shows it; still pending is an error (ask again).
pub(crate) async fn decision(s: &mut Session<'_, '_>, a: DecisionArgs) -> Result<Status> {
    let what = "GET /v1/presentations/decisions";
    let held = s
        .client
        .decision(&a.challenge)
        .await
        .map_err(|e| s.fail(what, e))?;
    match held.result {
        Some(BatchResult {
            decision: Some(d), ..
        }) => report(s, what, Ok(d)),
        Some(BatchResult {
            problem: Some(p), ..
        }) => report(s, what, Err(ClientError::Problem(Box::new(p)))),
        _ => {
            s.print(&held, String::new)?;
            Err(anyhow::anyhow!(
                "{what}: the decision is still being taken; ask again"
            ))
        }
    }
}
