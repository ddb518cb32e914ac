//! `zkcred regulator keygen|register` and `zkcred verifier keygen`: the
//! Ed25519 keys behind signed presentation requests, and the verifier
//! registration a regulator signs (see
//! `zkcred_credential::presentation::registration`).
//!
//! A regulator makes its key once (`regulator keygen`) and hands the public
//! key file to wallets (`zkcred wallet trust-regulator`). A verifier makes
//! its request key (`verifier keygen`) and brings the public key file and
//! its policies to the regulator, who audits the policies and signs the
//! registration (`regulator register`). The verifier then signs its
//! requests with the request key and the registration: `zkcred request new
//! --policy … --verifier-key … --registration …` offline, or the service's
//! `[[request_keys]]`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use time::Duration;
use zeroize::Zeroizing;
use zkcred_credential::presentation::{
    KeyRole, PublicSigningKey, RegisteredVerifier, SecretSigningKey, VerifierRegistration,
};
use zkcred_credential::Catalogue;
use zkcred_policy::{audit, Policy, PolicyLoader};

use super::display::safe;
use super::files::{format_time, write_document};
use super::{Context, Status};

/// `zkcred regulator …`.
#[derive(Debug, Subcommand)]
pub enum RegulatorCommand {
    /// Make the regulator's Ed25519 key: DIR/regulator.key (secret, mode
    /// 0600, never overwritten) and DIR/regulator.pub.json (for wallets:
    /// `zkcred wallet trust-regulator`).
    Keygen(KeygenArgs),
    /// Register a verifier: its request key and the policies it may make
    /// requests under (each audited on standard error), signed with the
    /// regulator's key.
    Register(RegisterArgs),
}

/// `zkcred verifier …`.
#[derive(Debug, Subcommand)]
pub enum VerifierCommand {
    /// Make the verifier's request key: DIR/request.key (secret, mode 0600,
    /// never overwritten) and DIR/request.pub.json (for the regulator's
    /// `zkcred regulator register`).
    Keygen(KeygenArgs),
}

/// Where a new key goes.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The directory for the key files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `zkcred regulator register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The regulator's secret key file (`zkcred regulator keygen`).
    #[arg(long, value_name = "FILE")]
    pub regulator_key: PathBuf,
    /// The verifier's request public key file (`zkcred verifier keygen`).
    #[arg(long, value_name = "FILE")]
    pub verifier_key: PathBuf,
    /// A policy file the verifier may make requests under; repeatable. All
    /// must name the same verifier (id, name, region).
    #[arg(long = "policy", value_name = "FILE", required = true)]
    pub policies: Vec<PathBuf>,
    /// Days the registration is valid, from now.
    #[arg(long, value_name = "N", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Write the registration to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl RegulatorCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            RegulatorCommand::Keygen(a) => keygen(ctx, KeyRole::Regulator, &a.out),
            RegulatorCommand::Register(a) => register(ctx, &a),
        }
    }
}

impl VerifierCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            VerifierCommand::Keygen(a) => keygen(ctx, KeyRole::Request, &a.out),
        }
    }
}

/// The file names of a role's key pair.
fn key_files(role: KeyRole) -> (&'static str, &'static str) {
    match role {
        KeyRole::Regulator => ("regulator.key", "regulator.pub.json"),
        KeyRole::Request => ("request.key", "request.pub.json"),
    }
}

/// Writes `data` to a new file (never over an existing one) with `mode`.
fn create_new(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let write = || -> std::io::Result<()> {
        let mut f = opts.open(path)?;
        f.write_all(data)?;
        f.write_all(b"\n")?;
        f.sync_all()
    };
    write().map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!("{} exists; a key file is never overwritten", path.display())
        } else {
            anyhow!("cannot write {}: {e}", path.display())
        }
    })
}

fn keygen(ctx: &mut Context<'_>, role: KeyRole, dir: &Path) -> Result<Status> {
    let (secret_name, public_name) = key_files(role);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (secret_path, public_path) = (dir.join(secret_name), dir.join(public_name));
    if public_path.exists() {
        bail!(
            "{} exists; a key file is never overwritten",
            public_path.display()
        );
    }
    let key = SecretSigningKey::generate(role, &mut OsRng);
    create_new(&secret_path, &key.to_secret_json(), 0o600)?;
    create_new(&public_path, key.public().to_json().as_bytes(), 0o644)?;
    writeln!(
        ctx.stdout,
        "{} key {}: secret {} (mode 0600, keep it offline), public {}",
        role.name(),
        key.public().key_id(),
        secret_path.display(),
        public_path.display()
    )?;
    Ok(Status::Success)
}

/// Reads a secret key file of `role`, refusing one that group or others
/// may read.
pub(crate) fn read_secret_key(role: KeyRole, path: &Path) -> Result<SecretSigningKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} must not be accessible by group or others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    let data = Zeroizing::new(
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
    );
    SecretSigningKey::from_secret_json(role, &data).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads a public key file of `role`.
pub(crate) fn read_public_key(role: KeyRole, path: &Path) -> Result<PublicSigningKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    PublicSigningKey::from_json(role, &text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Reads a verifier registration file.
pub(crate) fn read_registration(path: &Path) -> Result<VerifierRegistration> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    VerifierRegistration::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn register(ctx: &mut Context<'_>, a: &RegisterArgs) -> Result<Status> {
    let catalogue = Catalogue::builtin();
    let regulator = read_secret_key(KeyRole::Regulator, &a.regulator_key)?;
    let request_key = read_public_key(KeyRole::Request, &a.verifier_key)?;
    let loader = PolicyLoader::new(catalogue);
    let mut policies: Vec<Policy> = Vec::with_capacity(a.policies.len());
    for path in &a.policies {
        let p = loader.load(path).map_err(|e| anyhow!("{e}"))?;
        if let Some(first) = policies.first() {
            if first.spec.verifier != p.spec.verifier {
                bail!(
                    "{}: verifier {:?} ({}, {}) differs from {:?} of the first policy: \
                     register each verifier on its own",
                    path.display(),
                    p.spec.verifier.id,
                    p.spec.verifier.name,
                    p.spec.verifier.region,
                    first.spec.verifier.id
                );
            }
        }
        if policies
            .iter()
            .any(|q| q.id() == p.id() && q.version() == p.version())
        {
            bail!(
                "{}: policy {} v{} is given twice",
                path.display(),
                p.id(),
                p.version()
            );
        }
        policies.push(p);
    }
    let Some(first) = policies.first() else {
        bail!("no --policy given");
    };
    let v = &first.spec.verifier;
    let verifier = RegisteredVerifier {
        id: v.id.clone(),
        name: v.name.clone(),
        region: v.region.clone(),
    };
    for p in &policies {
        write!(ctx.stderr, "{}", audit(catalogue, p).to_text())?;
    }
    let docs = policies
        .iter()
        .map(|p| serde_json::to_value(&p.spec))
        .collect::<Result<Vec<_>, _>>()?;
    let expires_at = ctx.now + Duration::days(i64::from(a.days));
    let registration = VerifierRegistration::issue(
        &regulator,
        verifier,
        &request_key,
        docs,
        ctx.now,
        expires_at,
    )?;
    write_document(ctx, a.out.as_deref(), &registration.to_json(), false)?;
    writeln!(
        ctx.stderr,
        "registered verifier {} ({}, region {}) with request key {} for {} until {}, \
         signed with regulator key {}",
        safe(&registration.verifier.id),
        safe(&registration.verifier.name),
        registration.verifier.region,
        request_key.key_id(),
        policies
            .iter()
            .map(|p| format!("{} v{}", p.id(), p.version()))
            .collect::<Vec<_>>()
            .join(", "),
        format_time(expires_at),
        regulator.public().key_id()
    )?;
    Ok(Status::Success)
}
