//! `zkcred request new`: a verifier's presentation request, made offline.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use time::Duration;
use zkcred_credential::keys::check_identifier;
use zkcred_credential::{
    AttributeError, Catalogue, Error, PresentationRequest, RequestedCredential, Sensitivity,
};

use super::catalogue::lookup;
use super::display::title;
use super::files::{format_time, write_document};
use super::{Context, Status};

/// `zkcred request …`.
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Create a presentation request with a fresh one-time challenge.
    New(NewArgs),
}

/// `zkcred request new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The verifier's identifier (a domain name, a unified social credit
    /// code or a DID).
    #[arg(long)]
    pub verifier: String,
    /// The credential type asked for (see `zkcred catalogue list`).
    #[arg(long = "type", value_name = "TYPE")]
    pub credential_type: String,
    /// Attributes to disclose, comma-separated. None: the holder shows only
    /// that it holds such a credential.
    #[arg(long, value_name = "a,b,c", value_delimiter = ',')]
    pub disclose: Vec<String>,
    /// Accept only credentials of this issuer; repeatable (default: any
    /// issuer whose key the verifier trusts).
    #[arg(long = "issuer", value_name = "ISSUER")]
    pub issuers: Vec<String>,
    /// Seconds the request stays answerable (at most 30 days).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(1..=2_592_000))]
    pub ttl: u32,
    /// Write the request to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl RequestCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            RequestCommand::New(a) => new(ctx, a),
        }
    }
}

fn new(ctx: &mut Context<'_>, a: NewArgs) -> Result<Status> {
    let catalogue = Catalogue::builtin();
    check_identifier("verifier", &a.verifier)?;
    let t = lookup(catalogue, &a.credential_type)?;
    let disclose: Vec<&str> = a
        .disclose
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let mut rc = RequestedCredential::new(&t.id, &disclose);
    rc.issuers = a.issuers.clone();
    let expires_at = ctx.now + Duration::seconds(i64::from(a.ttl));
    let request = PresentationRequest::new(&a.verifier, vec![rc], expires_at, &mut OsRng)?;
    request.validate(catalogue).map_err(|e| match e {
        Error::Attribute(AttributeError::NotInLayout { attribute, .. }) => anyhow!(
            "--disclose: {} has no attribute {attribute:?} (`zkcred catalogue show {}` lists them)",
            t.id,
            t.id
        ),
        e => anyhow!(e),
    })?;
    write_document(ctx, a.out.as_deref(), &request.to_json(), false)?;
    writeln!(
        ctx.stderr,
        "request for {} from verifier {}, answerable until {}",
        title(t),
        a.verifier,
        format_time(expires_at)
    )?;
    for name in &disclose {
        if let Some(def) = t.attribute(name) {
            if def.sensitivity == Sensitivity::High {
                writeln!(
                    ctx.stderr,
                    "note: {name} is highly sensitive; ask for it only if you must"
                )?;
            }
        }
    }
    Ok(Status::Success)
}
