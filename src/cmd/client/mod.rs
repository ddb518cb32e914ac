//! `zkcred client …`: the verifier service's API from the command line, for
//! operators (registry, policies, licence status epochs), verifiers (challenges, submissions) and
//! regulators (the disclosure log), through the one typed client
//! ([`zkcred_api::client::Client`]).
//!
//! The service's URL and token come from `--url`/`--token` or `ZKCRED_URL`/
//! `ZKCRED_TOKEN`. Every command prints a short human summary, or with
//! `--json` the service's answer as JSON. Exit codes are the other
//! commands': 0 done, 1 a negative verdict (a refused submission, a log
//! export that does not verify), 2 usage, input or service errors (the
//! service's problem document is shown; with `--json` it is printed to
//! standard output).

pub(crate) mod log;
pub(crate) mod registry;
pub(crate) mod status;
mod verify;

use std::path::Path;

use anyhow::{anyhow, Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use zkcred_api::client::{Client, ClientError};

use super::files::read_document;
use super::{Context, Status};

/// `zkcred client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The service's base URL.
    #[arg(
        long,
        env = "ZKCRED_URL",
        default_value = "http://127.0.0.1:8750",
        global = true
    )]
    pub url: String,
    /// Bearer token (admin, verifier or regulator, as the command needs).
    #[arg(long, env = "ZKCRED_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Print the service's answer as JSON (machine output).
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: ClientCommand,
}

/// The resource groups.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Issuers of the trust registry (admin; show and list: regulator too).
    #[command(subcommand)]
    Issuer(registry::DocCommand),
    /// Issuer keys: add what `zkcred issuer export-keys` prints, rotate, revoke.
    #[command(subcommand)]
    Key(registry::KeyCommand),
    /// Mutual-recognition agreements (admin; show and list: regulator too).
    #[command(subcommand)]
    Agreement(registry::DocCommand),
    /// Verifier policies: add, new versions, retire, minimisation audit.
    #[command(subcommand)]
    Policy(registry::PolicyCommand),
    /// Licence status epochs: register what issuers publish (admin), show
    /// the current epoch of an issuer's credential type.
    #[command(subcommand)]
    Status(status::StatusCommand),
    /// Get a one-time challenge for POLICY (verifier): the presentation
    /// request to hand to the holder (`zkcred wallet present`).
    Challenge(verify::ChallengeArgs),
    /// Submit a holder's presentation (verifier): ACCEPTED (exit 0) with the
    /// disclosed values, or REFUSED (exit 1) with the reason.
    Submit(verify::SubmitArgs),
    /// The decision on the presentation that answered CHALLENGE (verifier),
    /// for a submission whose answer was lost (a timeout, a dropped
    /// connection): as `submit` shows it, while the service holds it.
    Decision(verify::DecisionArgs),
    /// The disclosure log (admin, regulator): head, records, proofs, export
    /// and its offline verification.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Whether the service answers (`GET /healthz`, no token).
    Health,
}

/// What a command needs: the client, the output mode and the streams.
pub(crate) struct Session<'c, 'a> {
    pub client: Client,
    pub json: bool,
    pub ctx: &'c mut Context<'a>,
}

impl Session<'_, '_> {
    /// Prints `value` as JSON (with `--json`) or the `human` lines.
    pub fn print<T: Serialize>(&mut self, value: &T, human: impl FnOnce() -> String) -> Result<()> {
        if self.json {
            writeln!(self.ctx.stdout, "{}", serde_json::to_string_pretty(value)?)?;
        } else {
            let text = human();
            if !text.is_empty() {
                writeln!(self.ctx.stdout, "{text}")?;
            }
        }
        Ok(())
    }

    /// A note for the person at the terminal (standard error).
    pub fn note(&mut self, text: &str) -> Result<()> {
        writeln!(self.ctx.stderr, "{text}")?;
        Ok(())
    }

    /// The error of a failed call: with `--json`, the problem document is
    /// printed to standard output first.
    pub fn fail(&mut self, what: &str, e: ClientError) -> anyhow::Error {
        if let (true, Some(p)) = (self.json, e.problem()) {
            if let Ok(text) = serde_json::to_string_pretty(p) {
                let _ = writeln!(self.ctx.stdout, "{text}");
            }
        }
        anyhow!("{what}: {e}")
    }

    /// Reads a JSON document from a file or standard input (`-`).
    pub fn read_json(&mut self, path: &Path) -> Result<serde_json::Value> {
        let text = read_document(self.ctx, path)?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not JSON", super::files::shown(path)))
    }
}

impl ClientArgs {
    /// Runs the command against the service.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        let client = Client::new(&self.url, self.token.as_deref())
            .map_err(|e| anyhow!("--url/--token: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the client runtime")?;
        let mut s = Session {
            client,
            json: self.json,
            ctx,
        };
        runtime.block_on(async move {
            match self.command {
                ClientCommand::Issuer(c) => c.run(&mut s, zkcred_api::DocKind::Issuer).await,
                ClientCommand::Agreement(c) => c.run(&mut s, zkcred_api::DocKind::Agreement).await,
                ClientCommand::Key(c) => c.run(&mut s).await,
                ClientCommand::Policy(c) => c.run(&mut s).await,
                ClientCommand::Status(c) => c.run(&mut s).await,
                ClientCommand::Challenge(a) => verify::challenge(&mut s, a).await,
                ClientCommand::Submit(a) => verify::submit(&mut s, a).await,
                ClientCommand::Decision(a) => verify::decision(&mut s, a).await,
                ClientCommand::Log(c) => c.run(&mut s).await,
                ClientCommand::Health => {
                    let h = s
                        .client
                        .health()
                        .await
                        .map_err(|e| s.fail("GET /healthz", e))?;
                    s.print(&h, || {
                        format!(
                            "{} — log size {}, batching {}",
                            h.status,
                            h.log_size,
                            if h.batching { "on" } else { "off" }
                        )
                    })?;
                    Ok(Status::Success)
                }
            }
        })
    }
}
