//! `zkcred request new`: a verifier's presentation request, made offline,
//! by hand (`--verifier`, `--type`, `--disclose`, `--statement`) or from a
//! policy file (`--policy`), signed with the verifier's request key under
//! its registration (`--verifier-key`, `--registration`). Wallets refuse
//! unsigned requests unless told to accept them for development.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use time::Duration;
use zkcred_credential::keys::check_identifier;
use zkcred_credential::presentation::KeyRole;
use zkcred_credential::{
    AttributeError, Catalogue, Error, PresentationRequest, RequestedCredential, Sensitivity,
    Statement,
};
use zkcred_policy::consent::sign_request;
use zkcred_policy::{Choice, Policy, PolicyLoader};

use super::catalogue::lookup;
use super::display::{title, type_title};
use super::files::{format_time, write_document};
use super::regulator::{read_registration, read_secret_key};
use super::{Context, Status};

/// `zkcred request …`.
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Create a presentation request with a fresh one-time challenge.
    New(NewArgs),
}

/// `zkcred request new`: by hand (`--verifier`, `--type`, …) or from a
/// policy (`--policy`).
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Build the request the policy FILE asks for (its verifier, types,
    /// disclosures, proven predicates and links, lifetime), made now.
    #[arg(long, value_name = "FILE",
          conflicts_with_all = ["verifier", "credential_type", "disclose", "issuers", "statements", "ttl"])]
    pub policy: Option<PathBuf>,
    /// With --policy: ask only for this requirement (default: all of
    /// them). Its links to other requirements are left out.
    #[arg(long, value_name = "ID")]
    pub requirement: Option<String>,
    /// With --policy: optional attributes to ask for too, comma-separated
    /// (each must be in some requirement's `may_disclose`).
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    pub optional: Vec<String>,
    /// The verifier's identifier (a domain name, a unified social credit
    /// code or a DID).
    #[arg(long, required_unless_present = "policy")]
    pub verifier: Option<String>,
    /// The credential type asked for (see `zkcred catalogue list`).
    #[arg(long = "type", value_name = "TYPE", required_unless_present = "policy")]
    pub credential_type: Option<String>,
    /// Attributes to disclose, comma-separated. None: the holder shows only
    /// that it holds such a credential.
    #[arg(long, value_name = "a,b,c", value_delimiter = ',')]
    pub disclose: Vec<String>,
    /// A statement the holder proves without disclosing, as JSON; repeatable.
    /// E.g. `{"kind":"range","attribute":"birth_date","op":"<=","value":"2008-03-01"}`
    /// (ops `>=`, `<=`, `>`, `<` with `value`; `between` with `min`, `max`).
    #[arg(long = "statement", value_name = "JSON")]
    pub statements: Vec<String>,
    /// Accept only credentials of this issuer; repeatable (default: any
    /// issuer whose key the verifier trusts).
    #[arg(long = "issuer", value_name = "ISSUER")]
    pub issuers: Vec<String>,
    /// Seconds the request stays answerable (at most 30 days).
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(u32).range(1..=2_592_000))]
    pub ttl: Option<u32>,
    /// With --policy: sign the request with the verifier's request secret
    /// key FILE (`zkcred verifier keygen`). Without it the request is
    /// unsigned, and wallets refuse it unless `--allow-unsigned`
    /// (development only).
    #[arg(long, value_name = "FILE", requires_all = ["policy", "registration"])]
    pub verifier_key: Option<PathBuf>,
    /// With --verifier-key: the verifier's registration FILE (`zkcred
    /// regulator register`), embedded in the request; it must hold this
    /// policy, unchanged.
    #[arg(long, value_name = "FILE", requires = "verifier_key")]
    pub registration: Option<PathBuf>,
    /// Write the request to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Default lifetime of a hand-made request.
const DEFAULT_TTL_SECONDS: u32 = 300;

impl RequestCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            RequestCommand::New(a) => match a.policy.clone() {
                Some(path) => from_policy(ctx, &path, a),
                None => new(ctx, a),
            },
        }
    }
}

fn new(ctx: &mut Context<'_>, a: NewArgs) -> Result<Status> {
    let catalogue = Catalogue::builtin();
    if a.requirement.is_some() || !a.optional.is_empty() {
        bail!("--requirement and --optional choose within a policy: they need --policy");
    }
    let (Some(verifier), Some(ty)) = (a.verifier.as_deref(), a.credential_type.as_deref()) else {
        bail!("--verifier and --type are required without --policy");
    };
    check_identifier("verifier", verifier)?;
    let t = lookup(catalogue, ty)?;
    let disclose: Vec<&str> = a
        .disclose
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let mut rc = RequestedCredential::new(&t.id, &disclose);
    rc.issuers = a.issuers.clone();
    for (i, text) in a.statements.iter().enumerate() {
        let s: Statement = serde_json::from_str(text)
            .with_context(|| format!("--statement {}: not a statement", i + 1))?;
        rc.statements.push(s);
    }
    let expires_at = ctx.now + Duration::seconds(i64::from(a.ttl.unwrap_or(DEFAULT_TTL_SECONDS)));
    let request = PresentationRequest::new(verifier, vec![rc], expires_at, &mut OsRng)?;
    request.validate(catalogue).map_err(|e| match e {
        Error::Attribute(AttributeError::NotInLayout { attribute, .. }) => anyhow!(
            "--disclose: {} has no attribute {attribute:?} (`zkcred catalogue show {}` lists them)",
            t.id,
            t.id
        ),
        Error::InvalidStatement(m) => anyhow!("--statement: {m}"),
        e => anyhow!(e),
    })?;
    write_document(ctx, a.out.as_deref(), &request.to_json(), false)?;
    writeln!(
        ctx.stderr,
        "request for {} from verifier {verifier}, answerable until {}",
        title(t),
        format_time(expires_at)
    )?;
    unsigned_note(ctx)?;
    summary(ctx, catalogue, &request, &[])?;
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

/// The choices for `policy`: every accepted type, and each `--optional`
/// attribute for the requirements that allow it.
fn choices(policy: &Policy, optional: &[String]) -> Result<Vec<Choice>> {
    let optional: Vec<&str> = optional
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    for o in &optional {
        if !policy
            .requirements
            .iter()
            .any(|r| r.may_disclose.iter().any(|m| m == o))
        {
            bail!(
                "--optional: no requirement of policy {} lists {o:?} in may_disclose",
                policy.id()
            );
        }
    }
    Ok(policy
        .requirements
        .iter()
        .map(|r| Choice {
            credential_type: None,
            optional: optional
                .iter()
                .filter(|o| r.may_disclose.iter().any(|m| m == *o))
                .map(|o| o.to_string())
                .collect(),
        })
        .collect())
}

fn from_policy(ctx: &mut Context<'_>, path: &std::path::Path, a: NewArgs) -> Result<Status> {
    let catalogue = Catalogue::builtin();
    let policy = PolicyLoader::new(catalogue)
        .load(path)
        .map_err(|e| anyhow!("{e}"))?;
    let choices = choices(&policy, &a.optional)?;
    let mut request = policy
        .request(&choices, ctx.now, &mut OsRng)
        .map_err(|e| anyhow!("policy {}: {e}", policy.id()))?;
    let mut labels: Vec<&str> = policy.requirements.iter().map(|r| r.id.as_str()).collect();
    if let Some(id) = &a.requirement {
        let Some(i) = policy.requirements.iter().position(|r| &r.id == id) else {
            bail!(
                "--requirement: policy {} has no requirement {id:?} (it has {})",
                policy.id(),
                labels.join(", ")
            );
        };
        let mut rc = request.credentials.swap_remove(i);
        let before = rc.statements.len();
        rc.statements.retain(|s| matches!(s, Statement::Range(_)));
        if rc.statements.len() != before {
            writeln!(
                ctx.stderr,
                "note: {id}'s links to other requirements need the whole policy's request; left out"
            )?;
        }
        request.credentials = vec![rc];
        labels = vec![id.as_str()];
    }
    request
        .validate(catalogue)
        .with_context(|| format!("policy {}: the request it makes", policy.id()))?;
    let signed = match (&a.verifier_key, &a.registration) {
        (Some(key), Some(reg)) => {
            let key = read_secret_key(KeyRole::Request, key)?;
            let registration = read_registration(reg)?;
            let ids = labels.iter().map(|l| l.to_string()).collect();
            sign_request(&policy, &mut request, ids, &key, &registration)
                .map_err(|e| anyhow!("{}: {e}", reg.display()))?;
            Some((key.public().key_id().to_owned(), registration))
        }
        _ => None,
    };
    write_document(ctx, a.out.as_deref(), &request.to_json(), false)?;
    writeln!(
        ctx.stderr,
        "request from policy {} v{}{} for verifier {}, answerable until {}",
        policy.id(),
        policy.version(),
        policy
            .spec
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default(),
        request.verifier,
        format_time(request.expires_at)
    )?;
    summary(ctx, catalogue, &request, &labels)?;
    match signed {
        Some((key_id, registration)) => writeln!(
            ctx.stderr,
            "signed with request key {key_id}; registration by regulator key {} valid until {}",
            registration.regulator_key_id,
            format_time(registration.expires_at)
        )?,
        None => unsigned_note(ctx)?,
    }
    Ok(Status::Success)
}

fn unsigned_note(ctx: &mut Context<'_>) -> Result<()> {
    writeln!(
        ctx.stderr,
        "note: the request is unsigned: wallets refuse it unless `--allow-unsigned` \
         (development only); sign requests with --policy, --verifier-key and --registration"
    )?;
    Ok(())
}

/// One block per entry: the types it accepts, what it discloses, the
/// statements in words (`birth_date <= 2008-11-29 (proven, not disclosed)`)
/// and the licence status it asks for.
fn summary(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    request: &PresentationRequest,
    labels: &[&str],
) -> Result<()> {
    for (i, rc) in request.credentials.iter().enumerate() {
        let label = labels.get(i).map(|l| format!(" ({l})")).unwrap_or_default();
        let types: Vec<String> = rc
            .types()
            .into_iter()
            .map(|t| type_title(catalogue, t))
            .collect();
        writeln!(ctx.stderr, "  entry {i}{label}: {}", types.join(" or "))?;
        if rc.disclose.is_empty() {
            writeln!(ctx.stderr, "    discloses nothing")?;
        } else {
            writeln!(ctx.stderr, "    discloses {}", rc.disclose.join(", "))?;
        }
        for s in &rc.statements {
            writeln!(ctx.stderr, "    {} (proven, not disclosed)", s.describe())?;
        }
        if let Some(st) = &rc.status {
            writeln!(
                ctx.stderr,
                "    the licence is valid in its issuer's status list, in an epoch superseded at \
                 most {} s ago (proven, not disclosed)",
                st.max_epoch_age
            )?;
        }
        if !rc.issuers.is_empty() {
            writeln!(ctx.stderr, "    issuers {}", rc.issuers.join(", "))?;
        }
    }
    Ok(())
}
