//! `zkcred wallet init|request|add|list|show|remove|present`: the holder's local
//! wallet, sealed under a passphrase (see `zkcred_credential::wallet`).
//! `init` creates it; every other command opens it with the passphrase
//! (`ZKCRED_WALLET_PASSPHRASE`, else typed at the terminal), deriving the
//! key once per command.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use serde_json::{json, Value};
use zkcred_credential::wallet::WalletSummary;
use zkcred_credential::{
    Catalogue, Credential, Error, KdfParams, PresentationRequest, Wallet, WalletEntry,
};

use super::display::{attribute_lines, safe, type_title};
use super::files::{default_dir, format_time, load_keys, read_document, shown, write_document};
use super::passphrase::{wallet_passphrase, Purpose};
use super::{Context, Status};

/// The wallet directory option.
#[derive(Debug, Args)]
pub struct WalletDir {
    /// Wallet directory (default: $ZKCRED_WALLET, else ~/.zkcred/wallet).
    #[arg(long, value_name = "DIR")]
    pub wallet: Option<PathBuf>,
}

impl WalletDir {
    fn path(&self) -> Result<PathBuf> {
        default_dir(self.wallet.as_deref(), "ZKCRED_WALLET", "wallet")
    }

    /// Opens the existing wallet with its passphrase (never creates one;
    /// no passphrase is asked for when there is no wallet).
    fn open(&self, ctx: &Context<'_>) -> Result<Wallet> {
        let dir = self.path()?;
        if !Wallet::exists(&dir) {
            if dir.join("credentials").is_dir() {
                bail!(
                    "{} holds the credentials of an earlier zkcred in the clear, issued \
                     without holder binding: create a wallet elsewhere (`zkcred wallet init`) \
                     and ask the issuers for new credentials (`zkcred wallet request`)",
                    dir.display()
                );
            }
            bail!(
                "there is no wallet at {} (create one with `zkcred wallet init`)",
                dir.display()
            );
        }
        let passphrase = wallet_passphrase(ctx, Purpose::Open)?;
        Wallet::open(&dir, &passphrase).with_context(|| format!("wallet {}", dir.display()))
    }
}

/// `zkcred wallet …`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Create the wallet: a fresh holder secret, sealed under a passphrase
    /// (asked twice, or ZKCRED_WALLET_PASSPHRASE).
    Init {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// Argon2id memory in MiB (8 to 4096). The default, 64 MiB with 3
        /// passes and 4 lanes, is RFC 9106's second recommended option;
        /// less makes guessing the passphrase from a copy cheaper.
        #[arg(long, value_name = "MIB", default_value_t = KdfParams::DEFAULT.memory_kib / 1024)]
        kdf_memory_mib: u32,
    },
    /// Ask for a credential: a commitment to the wallet's holder secret,
    /// with a proof of knowledge, for the issuer to sign blindly
    /// (`zkcred issuer issue --request`). The issuer learns nothing of the
    /// secret; only this wallet can use the credential it issues.
    Request {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The ciphersuite of the issuer's key (see its key set).
        #[arg(long, value_name = "SUITE", default_value = "BLS12-381-SHA-256")]
        suite: String,
        /// Write the request to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Bind a credential issued to this wallet's request, verify it
    /// against trusted issuer keys and store it.
    Add {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// Trusted issuer public keys: a key set (`zkcred issuer
        /// export-keys`), a public key file or a key directory; repeatable.
        #[arg(long = "keys", value_name = "KEYSET.json", required = true)]
        keys: Vec<PathBuf>,
        /// The credential JSON, or - for standard input.
        #[arg(value_name = "CREDENTIAL.json", default_value = "-")]
        credential: PathBuf,
    },
    /// List the credentials, one line each: id, type, issuer, validity.
    List {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// Machine output: a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Show a credential's attributes.
    Show {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The credential's id (or a unique prefix of it), from `zkcred wallet list`.
        id: String,
        /// Machine output: the credential's attributes as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a credential from the wallet.
    Remove {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The credential's id (or a unique prefix of it).
        id: String,
    },
    /// Answer a presentation request: the presentation JSON out, disclosing
    /// only the requested attributes.
    Present {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The verifier's request, or - for standard input.
        #[arg(value_name = "REQUEST.json")]
        request: PathBuf,
        /// Use this credential (id or unique prefix) for the next requested
        /// credential, in request order; repeatable. Default: the newest
        /// fitting credential.
        #[arg(long = "choose", value_name = "ID")]
        choose: Vec<String>,
        /// Write the presentation to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

impl WalletCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        let catalogue = Catalogue::builtin();
        match self {
            WalletCommand::Init {
                wallet,
                kdf_memory_mib,
            } => init(ctx, &wallet, kdf_memory_mib),
            WalletCommand::Request { wallet, suite, out } => {
                let suite = zkcred_crypto::bbs::Suite::from_name(&suite)
                    .ok_or_else(|| anyhow!("unknown suite {:?}", safe(&suite)))?;
                let w = wallet.open(ctx)?;
                let request = w.request_credential(suite, &mut OsRng)?;
                write_document(ctx, out.as_deref(), &request.to_json(), false)?;
                writeln!(
                    ctx.stderr,
                    "credential request for a {} key: give it to the issuer; the wallet keeps \
                     its blinding until the credential arrives (`zkcred wallet add`)",
                    suite.name()
                )?;
                Ok(Status::Success)
            }
            WalletCommand::Add {
                wallet,
                keys,
                credential,
            } => add(ctx, catalogue, &wallet, &keys, &credential),
            WalletCommand::List { wallet, json } => list(ctx, catalogue, &wallet, json),
            WalletCommand::Show { wallet, id, json } => {
                let w = wallet.open(ctx)?;
                let entry = w.get(&resolve_id(&w, &id)?)?;
                show(ctx, catalogue, &entry, json)
            }
            WalletCommand::Remove { wallet, id } => {
                let w = wallet.open(ctx)?;
                let id = resolve_id(&w, &id)?;
                let entry = w.get(&id)?;
                w.remove(&id)?;
                writeln!(
                    ctx.stdout,
                    "removed {id}  {}",
                    type_title(catalogue, &entry.credential.credential_type)
                )?;
                Ok(Status::Success)
            }
            WalletCommand::Present {
                wallet,
                request,
                choose,
                out,
            } => present(ctx, catalogue, &wallet, &request, &choose, out.as_deref()),
        }
    }
}

/// `zkcred wallet init`.
fn init(ctx: &mut Context<'_>, wallet: &WalletDir, memory_mib: u32) -> Result<Status> {
    let dir = wallet.path()?;
    let kdf =
        KdfParams::with_memory_mib(memory_mib).map_err(|e| anyhow!("--kdf-memory-mib: {e}"))?;
    if Wallet::exists(&dir) {
        bail!("a wallet exists already at {}", dir.display());
    }
    let passphrase = wallet_passphrase(ctx, Purpose::Create)?;
    Wallet::init(&dir, &passphrase, kdf, &mut OsRng)
        .with_context(|| format!("wallet {}", dir.display()))?;
    writeln!(
        ctx.stdout,
        "created wallet {} (Argon2id {} MiB, {} passes, {} lanes; a new holder secret)",
        dir.display(),
        kdf.memory_kib / 1024,
        kdf.iterations,
        kdf.parallelism
    )?;
    writeln!(
        ctx.stderr,
        "keep the passphrase: the wallet cannot be opened without it, and nobody can recover it"
    )?;
    Ok(Status::Success)
}

/// An entry id from a full id or a unique prefix.
fn resolve_id(w: &Wallet, given: &str) -> Result<String> {
    let ids = w.ids()?;
    if ids.iter().any(|i| i == given) {
        return Ok(given.to_owned());
    }
    let matches: Vec<&String> = if given.is_empty() {
        Vec::new()
    } else {
        ids.iter().filter(|i| i.starts_with(given)).collect()
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!(
            "no credential {:?} in the wallet {} (`zkcred wallet list` shows the ids)",
            safe(given),
            w.dir().display()
        ),
        _ => bail!(
            "{:?} is the start of {} credential ids; give more of it",
            safe(given),
            matches.len()
        ),
    }
}

fn add(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    wallet: &WalletDir,
    keys: &[PathBuf],
    path: &Path,
) -> Result<Status> {
    let file = shown(path);
    let trusted = load_keys(keys)?;
    let credential =
        Credential::from_json(&read_document(ctx, path)?).map_err(|e| anyhow!("{file}: {e}"))?;
    let (issuer, key_id) = (credential.issuer.clone(), credential.key_id.clone());
    let type_id = credential.credential_type.clone();
    let w = wallet.open(ctx)?;
    let id = w
        .add(catalogue, &trusted, credential, &mut OsRng)
        .map_err(|e| match e {
            Error::UnknownKey { .. } => anyhow!(
                "{file}: signed by key {} of issuer {}, which is not among the trusted keys \
                 ({}); not stored",
                safe(&key_id),
                safe(&issuer),
                keys.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::AlreadyInWallet(id) => anyhow!("{file}: already in the wallet as {id}"),
            e => anyhow!("{file}: {e}; not stored"),
        })?;
    writeln!(
        ctx.stdout,
        "added {id}  {}  issuer {issuer}",
        type_title(catalogue, &type_id)
    )?;
    Ok(Status::Success)
}

fn summary(catalogue: &Catalogue, e: &WalletEntry) -> WalletSummary {
    let t = catalogue.get(&e.credential.credential_type);
    let date = |name: &str| {
        e.credential
            .attributes
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    WalletSummary {
        id: e.id.clone(),
        credential_type: e.credential.credential_type.clone(),
        name_en: t.map(|t| t.name_en.clone()).unwrap_or_default(),
        name_zh: t.map(|t| t.name_zh.clone()).unwrap_or_default(),
        issuer: e.credential.issuer.clone(),
        issue_date: date("issue_date"),
        valid_until: date("valid_until"),
    }
}

fn list(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    wallet: &WalletDir,
    json: bool,
) -> Result<Status> {
    let w = wallet.open(ctx)?;
    let dir = w.dir().to_path_buf();
    let mut rows = Vec::new();
    for id in w.ids()? {
        // One unreadable entry must not hide the others.
        match w.get(&id) {
            Ok(e) => rows.push(summary(catalogue, &e)),
            Err(e) => writeln!(
                ctx.stderr,
                "skipping {}: {e}",
                dir.join("credentials").join(format!("{id}.json")).display()
            )?,
        }
    }
    if json {
        writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(Status::Success);
    }
    if rows.is_empty() {
        writeln!(ctx.stderr, "the wallet {} is empty", dir.display())?;
    }
    for r in &rows {
        let title = if r.name_zh.is_empty() {
            safe(&r.credential_type)
        } else {
            format!("{} {} ({})", r.name_zh, r.name_en, r.credential_type)
        };
        writeln!(
            ctx.stdout,
            "{}  {title}  issuer {}  issued {}  valid until {}",
            r.id,
            safe(&r.issuer),
            r.issue_date.as_deref().map_or("-".into(), safe),
            r.valid_until.as_deref().map_or("-".into(), safe),
        )?;
    }
    Ok(Status::Success)
}

fn show(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    e: &WalletEntry,
    json: bool,
) -> Result<Status> {
    let c = &e.credential;
    let t = catalogue.get(&c.credential_type);
    // Catalogue order, then anything the catalogue does not know.
    let mut ordered: Vec<(&str, &Value)> = Vec::new();
    if let Some(t) = t {
        for a in &t.attributes {
            if let Some(v) = c.attributes.get(&a.name) {
                ordered.push((a.name.as_str(), v));
            }
        }
    }
    for (n, v) in &c.attributes {
        if t.and_then(|t| t.attribute(n)).is_none() {
            ordered.push((n.as_str(), v));
        }
    }
    if json {
        // The reserved slot values are holder secrets: never shown.
        let doc = json!({
            "id": e.id,
            "credential_type": c.credential_type,
            "issuer": c.issuer,
            "key_id": c.key_id,
            "suite": c.suite,
            "attributes": c.attributes,
        });
        writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(Status::Success);
    }
    let out = &mut ctx.stdout;
    writeln!(out, "id:      {}", e.id)?;
    writeln!(
        out,
        "type:    {}",
        type_title(catalogue, &c.credential_type)
    )?;
    writeln!(out, "issuer:  {}", safe(&c.issuer))?;
    writeln!(out, "key id:  {}  ({})", safe(&c.key_id), safe(&c.suite))?;
    writeln!(out, "attributes:")?;
    for line in attribute_lines(t, ordered) {
        writeln!(out, "{line}")?;
    }
    Ok(Status::Success)
}

fn present(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    wallet: &WalletDir,
    request_path: &Path,
    choose: &[String],
    out: Option<&Path>,
) -> Result<Status> {
    let file = shown(request_path);
    let request = PresentationRequest::from_json(&read_document(ctx, request_path)?)
        .map_err(|e| anyhow!("{file}: {e}"))?;
    request
        .validate(catalogue)
        .map_err(|e| anyhow!("{file}: {e}"))?;
    if choose.len() > request.credentials.len() {
        bail!(
            "{} --choose given, but the request asks for {} credential(s)",
            choose.len(),
            request.credentials.len()
        );
    }
    let w = wallet.open(ctx)?;
    let ids = choose
        .iter()
        .map(|c| resolve_id(&w, c))
        .collect::<Result<Vec<_>>>()?;
    let choice: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
    let presentation = w
        .present(catalogue, &request, &choice, ctx.now, &mut OsRng)
        .map_err(|e| match e {
            Error::NoMatchingCredential(t) => anyhow!(
                "the wallet holds no {} from an issuer the request accepts",
                type_title(catalogue, &t)
            ),
            e => anyhow!("{file}: {e}"),
        })?;
    write_document(ctx, out, &presentation.to_json(), false)?;
    writeln!(
        ctx.stderr,
        "presented to verifier {} (request expires {}):",
        safe(&request.verifier),
        format_time(request.expires_at)
    )?;
    for (rc, pc) in request.credentials.iter().zip(&presentation.credentials) {
        let disclosed = if rc.disclose.is_empty() {
            "nothing (only that you hold it)".to_string()
        } else {
            rc.disclose.join(", ")
        };
        writeln!(
            ctx.stderr,
            "  {} from issuer {}: discloses {disclosed}; every other attribute stays hidden",
            type_title(catalogue, &pc.credential_type),
            safe(&pc.issuer)
        )?;
    }
    Ok(Status::Success)
}
