//! `zkcred wallet init|request|add|list|show|remove|present|trust-regulator|sync`:
//! the holder's local wallet, sealed under a passphrase (see
//! `zkcred_credential::wallet`). `init` creates it; every other command
//! opens it with the passphrase (`ZKCRED_WALLET_PASSPHRASE`, else typed at
//! the terminal), deriving the key once per command.
//!
//! `present` answers only signed requests (see
//! `zkcred_policy::consent`): the verifier's registration must be signed by
//! a regulator key the wallet trusts (`trust-regulator` keeps it in the
//! wallet directory's `regulators/`), the request unaltered and within the
//! registered policy. It then shows on standard error who asks, under which
//! policy and purpose, and what each credential discloses and proves, and
//! asks for confirmation on the terminal (`--yes` confirms for scripts).
//!
//! `sync --from DIR` reads the status documents an issuer published
//! (`zkcred issuer status … --publish DIR`: `DIR/<issuer>/<type>/epoch-<n>.json`
//! and `update-<n>.json`) and brings every credential's status witness to
//! the latest signed epoch (`Wallet::sync`); `list` and `show` then give each
//! credential's status and epoch. Witnesses are never printed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use serde_json::{json, Value};
use zkcred_credential::presentation::{KeyRole, TrustedRegulators};
use zkcred_credential::status::{StatusEpoch, StatusUpdate};
use zkcred_credential::wallet::WalletSummary;
use zkcred_credential::{
    Catalogue, Credential, Error, KdfParams, PresentationRequest, Wallet, WalletEntry,
};

use super::display::{attribute_lines, safe, type_title};
use super::files::{default_dir, format_time, load_keys, read_document, shown, write_document};
use super::passphrase::{wallet_passphrase, Purpose};
use super::regulator::read_public_key;
use super::{Context, Status};
use zkcred_policy::consent::{self, Consent, Unsigned};

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
        /// Confirm without asking (scripts, tests): present what the
        /// summary on standard error shows.
        #[arg(long)]
        yes: bool,
        /// DEVELOPMENT ONLY: also answer unsigned requests, whose verifier,
        /// purpose and bounds nobody vouches for (signed requests are
        /// checked all the same).
        #[arg(long)]
        allow_unsigned: bool,
    },
    /// Bring the credentials' status up to date from the documents their
    /// issuers published (`zkcred issuer status … --publish DIR`): checks
    /// every epoch's signature and the chain of updates, updates each
    /// witness, and marks suspended, revoked … licences. A gap or a bad
    /// signature changes nothing.
    Sync {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The publication directory (or one issuer's, or one type's
        /// folder in it).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// More trusted issuer keys (a key set, key file or key directory;
        /// repeatable), e.g. an issuer's new key after a rotation. The keys
        /// the wallet's credentials verified with are trusted already.
        #[arg(long = "keys", value_name = "KEYSET.json")]
        keys: Vec<PathBuf>,
    },
    /// Trust a regulator's public key (`zkcred regulator keygen`) to vouch
    /// for verifiers: kept in the wallet directory's `regulators/`.
    TrustRegulator {
        /// The wallet location.
        #[command(flatten)]
        wallet: WalletDir,
        /// The regulator's public key file.
        #[arg(value_name = "REGULATOR.pub.json")]
        key: PathBuf,
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
                yes,
                allow_unsigned,
            } => {
                let how = Answer {
                    yes,
                    terminal: std::io::stdin().is_terminal(),
                    unsigned: if allow_unsigned {
                        Unsigned::Allow
                    } else {
                        Unsigned::Refuse
                    },
                };
                present(
                    ctx,
                    catalogue,
                    &wallet,
                    &request,
                    &choose,
                    out.as_deref(),
                    how,
                )
            }
            WalletCommand::TrustRegulator { wallet, key } => trust_regulator(ctx, &wallet, &key),
            WalletCommand::Sync { wallet, from, keys } => {
                sync(ctx, catalogue, &wallet, &from, &keys)
            }
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
        status: e.status().map(|h| h.status),
        status_epoch: e.status().map(|h| h.epoch),
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
        let status = match (r.status, r.status_epoch) {
            (Some(s), Some(n)) => format!("  status {} {} (epoch {n})", s.code(), s.name_en()),
            _ => String::new(),
        };
        writeln!(
            ctx.stdout,
            "{}  {title}  issuer {}  issued {}  valid until {}{status}",
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
            "status": e.status().map(|h| json!({
                "status": h.status,
                "epoch": h.epoch,
                "since_epoch": h.since_epoch,
            })),
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
    match e.status() {
        Some(h) => writeln!(
            out,
            "status:  {} since epoch {} (synced to epoch {})",
            h.status, h.since_epoch, h.epoch
        )?,
        None => writeln!(out, "status:  - (the issuer keeps no status for it)")?,
    }
    writeln!(out, "attributes:")?;
    for line in attribute_lines(t, ordered) {
        writeln!(out, "{line}")?;
    }
    Ok(Status::Success)
}

/// The directory of the trusted regulator keys in the wallet `dir`.
fn regulators_dir(dir: &Path) -> PathBuf {
    dir.join("regulators")
}

/// The regulator keys the wallet at `dir` trusts (none without the
/// directory).
fn trusted_regulators(dir: &Path) -> Result<TrustedRegulators> {
    let rdir = regulators_dir(dir);
    let mut trusted = TrustedRegulators::new();
    if !rdir.is_dir() {
        return Ok(trusted);
    }
    let mut paths = Vec::new();
    for e in std::fs::read_dir(&rdir).with_context(|| format!("cannot read {}", rdir.display()))? {
        let p = e
            .with_context(|| format!("cannot read {}", rdir.display()))?
            .path();
        if p.extension().is_some_and(|x| x == "json") {
            paths.push(p);
        }
    }
    paths.sort();
    for p in paths {
        trusted.insert(read_public_key(KeyRole::Regulator, &p)?)?;
    }
    Ok(trusted)
}

fn trust_regulator(ctx: &mut Context<'_>, wallet: &WalletDir, path: &Path) -> Result<Status> {
    let key = read_public_key(KeyRole::Regulator, path)?;
    let dir = regulators_dir(&wallet.path()?);
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let file = dir.join(format!("{}.json", key.key_id()));
    write_document(ctx, Some(&file), &key.to_json(), false)?;
    writeln!(
        ctx.stdout,
        "trusting regulator key {} ({})",
        key.key_id(),
        file.display()
    )?;
    Ok(Status::Success)
}

/// How `wallet present` gets its answer.
#[derive(Debug, Clone, Copy)]
struct Answer {
    /// `--yes`: confirmed without asking.
    yes: bool,
    /// Standard input is a terminal to ask on.
    terminal: bool,
    /// Whether unsigned requests are answered (`--allow-unsigned`).
    unsigned: Unsigned,
}

/// What the holder agrees to, on standard error.
fn show_consent(ctx: &mut Context<'_>, catalogue: &Catalogue, c: &Consent) -> Result<()> {
    let err = &mut ctx.stderr;
    match &c.registered {
        Some(r) => {
            writeln!(
                err,
                "Request from {} ({}, region {})",
                safe(&r.verifier_name),
                safe(&c.verifier),
                safe(&r.verifier_region)
            )?;
            writeln!(
                err,
                "  signed by its registered request key; registration by regulator key {} \
                 valid until {}",
                r.regulator_key_id,
                format_time(r.registration_expires_at)
            )?;
            writeln!(
                err,
                "  policy:      {} v{}{}",
                safe(&r.policy_id),
                r.policy_version,
                r.policy_title
                    .as_deref()
                    .map(|t| format!(" — {}", safe(t)))
                    .unwrap_or_default()
            )?;
            writeln!(
                err,
                "  purpose:     {} ({})",
                safe(&r.purpose),
                r.category.name()
            )?;
            writeln!(err, "  legal basis: {}", safe(&r.legal_basis))?;
            if r.retention_days == 0 {
                writeln!(err, "  retention:   the values are not kept")?;
            } else {
                writeln!(
                    err,
                    "  retention:   the values are kept {} days",
                    r.retention_days
                )?;
            }
        }
        None => {
            writeln!(
                err,
                "WARNING: UNSIGNED REQUEST, answered because of --allow-unsigned (development only)."
            )?;
            writeln!(
                err,
                "  It claims to come from {}; nobody vouches for that, for its purpose, \
                 or for what it may ask.",
                safe(&c.verifier)
            )?;
        }
    }
    writeln!(err, "  answerable until {}", format_time(c.expires_at))?;
    for (i, e) in c.entries.iter().enumerate() {
        let label = match (&e.requirement, &e.description) {
            (Some(r), Some(d)) => format!(" ({}: {})", safe(r), safe(d)),
            (Some(r), None) => format!(" ({})", safe(r)),
            _ => String::new(),
        };
        let types: Vec<String> = e.types.iter().map(|t| type_title(catalogue, t)).collect();
        writeln!(err, "  credential {i}{label}: {}", types.join(" or "))?;
        if e.disclose.is_empty() {
            writeln!(err, "    discloses: nothing (only that you hold it)")?;
        } else {
            let names: Vec<String> = e
                .disclose
                .iter()
                .map(|a| {
                    if e.checked_only.contains(a) {
                        format!("{} (checked, not kept)", safe(a))
                    } else {
                        safe(a)
                    }
                })
                .collect();
            writeln!(err, "    discloses: {}", names.join(", "))?;
        }
        for s in &e.statements {
            writeln!(
                err,
                "    proves without disclosing: {}",
                safe(&s.describe())
            )?;
        }
        if !e.issuers.is_empty() {
            let issuers: Vec<String> = e.issuers.iter().map(|i| safe(i)).collect();
            writeln!(err, "    only from issuer(s) {}", issuers.join(", "))?;
        }
        if let Some(age) = e.status_max_epoch_age {
            writeln!(
                err,
                "    proves without disclosing: the licence is valid in its issuer's status \
                 list (not suspended, revoked or cancelled; status at most {age} s old), \
                 without showing which licence"
            )?;
        }
    }
    if let Some(ctx_id) = &c.pseudonym {
        writeln!(
            err,
            "  pseudonym:   one for context {:?}: this verifier will recognise you on \
             later visits in that context; other contexts cannot link it to you",
            safe(ctx_id)
        )?;
    }
    if c.entries.len() > 1 {
        writeln!(
            err,
            "  proves that all {} credentials are yours (one holder secret); the secret \
             itself never leaves the wallet",
            c.entries.len()
        )?;
    }
    writeln!(err, "  every other attribute stays hidden")?;
    Ok(())
}

/// Asks for confirmation on the terminal (`answer.yes`: confirmed).
fn confirm(ctx: &mut Context<'_>, answer: Answer, verifier: &str) -> Result<bool> {
    if answer.yes {
        return Ok(true);
    }
    if !answer.terminal {
        bail!(
            "nothing presented: confirm with --yes (no terminal to ask on); \
             the summary above is what would be presented"
        );
    }
    write!(ctx.stderr, "Present this to {}? [y/N] ", safe(verifier))?;
    ctx.stderr.flush()?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 64 {
        match ctx.stdin.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("reading the answer"),
        }
    }
    let answer = String::from_utf8_lossy(&line).trim().to_lowercase();
    Ok(matches!(answer.as_str(), "y" | "yes"))
}

/// The error for a refused request: what is wrong, its code, and what to do.
fn refusal(file: &str, trusted: &TrustedRegulators, e: Error) -> anyhow::Error {
    let hint = match &e {
        Error::RequestUnsigned => {
            " (a request for development can be answered with --allow-unsigned)".to_owned()
        }
        Error::RegistrationUntrusted(_) if trusted.is_empty() => {
            " (the wallet trusts no regulator yet: `zkcred wallet trust-regulator FILE`)".to_owned()
        }
        _ => String::new(),
    };
    anyhow!(
        "{file}: refused, nothing presented: {e} [{}]{hint}",
        e.code()
    )
}

fn present(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    wallet: &WalletDir,
    request_path: &Path,
    choose: &[String],
    out: Option<&Path>,
    answer: Answer,
) -> Result<Status> {
    let file = shown(request_path);
    let request = PresentationRequest::from_json(&read_document(ctx, request_path)?)
        .map_err(|e| anyhow!("{file}: {e}"))?;
    let trusted = trusted_regulators(&wallet.path()?)?;
    // The one check before anything is made: signature, registration,
    // the registered policy's bounds (or, with --allow-unsigned, the
    // request's shape only).
    let consent = consent::check(catalogue, &request, &trusted, ctx.now, answer.unsigned)
        .map_err(|e| refusal(&file, &trusted, e))?;
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
    show_consent(ctx, catalogue, &consent)?;
    if !confirm(ctx, answer, &request.verifier)? {
        bail!("not confirmed: nothing presented");
    }
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

/// The status documents under `dir` (the publication directory, one
/// issuer's folder or one type's): `epoch-<n>.json` and `update-<n>.json`
/// at most three levels down, in path order.
fn status_files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    fn numbered(name: &str, prefix: &str) -> bool {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".json"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }
    let (mut epochs, mut updates) = (Vec::new(), Vec::new());
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read {}", folder.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("cannot read {}", folder.display()))?;
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if depth < 2 && !name.starts_with('.') {
                    folders.push((path, depth + 1));
                }
            } else if numbered(&name, "epoch-") {
                epochs.push(path);
            } else if numbered(&name, "update-") {
                updates.push(path);
            }
        }
    }
    epochs.sort();
    updates.sort();
    Ok((epochs, updates))
}

fn sync(
    ctx: &mut Context<'_>,
    catalogue: &Catalogue,
    wallet: &WalletDir,
    from: &Path,
    keys: &[PathBuf],
) -> Result<Status> {
    if !from.is_dir() {
        bail!(
            "{} is not a directory of published status documents",
            from.display()
        );
    }
    let (epoch_paths, update_paths) = status_files(from)?;
    let mut epochs = Vec::with_capacity(epoch_paths.len());
    for p in &epoch_paths {
        let text = read_document(ctx, p)?;
        epochs.push(StatusEpoch::from_json(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?);
    }
    let mut updates = Vec::with_capacity(update_paths.len());
    for p in &update_paths {
        let text = read_document(ctx, p)?;
        updates.push(StatusUpdate::from_json(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?);
    }
    let mut trusted = load_keys(keys)?;
    let w = wallet.open(ctx)?;
    for e in w.entries()? {
        trusted.insert(e.issuer_key);
    }
    let outcomes = w
        .sync(&updates, &epochs, &trusted, &mut OsRng)
        .map_err(|e| {
            // Epochs signed after a key rotation: the wallet holds only the
            // keys its credentials were issued under.
            let hint = if matches!(e, Error::UnknownKey { .. }) {
                " (the issuer signs status with a key this wallet does not hold: give its \
                 current key set with --keys KEYSET.json, as `zkcred issuer export-keys` prints it)"
            } else {
                ""
            };
            anyhow!(
                "{e} [{}]; nothing changed (documents from {}){hint}",
                e.code(),
                from.display()
            )
        })?;
    if outcomes.is_empty() {
        writeln!(
            ctx.stderr,
            "no credential in the wallet carries a status witness: nothing to sync"
        )?;
    }
    for o in &outcomes {
        let what = if o.to_epoch == o.from_epoch {
            format!("at epoch {} (nothing newer)", o.to_epoch)
        } else {
            format!("epoch {} -> {}", o.from_epoch, o.to_epoch)
        };
        let status = if o.status == o.previous_status {
            format!("{}", o.status)
        } else {
            format!("now {} (was {})", o.status, o.previous_status.name_en())
        };
        writeln!(
            ctx.stdout,
            "{}  {}  issuer {}: {what}, {status}",
            o.id,
            type_title(catalogue, &o.credential_type),
            safe(&o.issuer)
        )?;
    }
    writeln!(
        ctx.stderr,
        "read {} epoch(s) and {} update(s) from {}",
        epochs.len(),
        updates.len(),
        from.display()
    )?;
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `confirm` on `input` with `answer`; the result and what was asked.
    fn ask(input: &[u8], yes: bool, terminal: bool) -> (Result<bool, String>, String) {
        let (mut stdin, mut stdout, mut stderr) = (input, Vec::new(), Vec::new());
        let mut ctx = Context {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            now: time::OffsetDateTime::UNIX_EPOCH,
            passphrase: None,
        };
        let answer = Answer {
            yes,
            terminal,
            unsigned: Unsigned::Refuse,
        };
        let r = confirm(&mut ctx, answer, "hotel.example").map_err(|e| e.to_string());
        assert!(stdout.is_empty());
        (r, String::from_utf8(stderr).unwrap())
    }

    #[test]
    fn presenting_needs_a_yes() {
        // --yes: confirmed without asking or reading.
        assert_eq!(ask(b"n\n", true, false), (Ok(true), String::new()));
        // On a terminal: only y or yes (any case) confirms.
        for (input, want) in [
            (&b"y\n"[..], true),
            (b"YES\n", true),
            (b" yes \n", true),
            (b"n\n", false),
            (b"\n", false),
            (b"", false),
            (b"yess\n", false),
            (b"sure, y\n", false),
        ] {
            let (r, asked) = ask(input, false, true);
            assert_eq!(r, Ok(want), "{input:?}");
            assert!(
                asked.contains("Present this to hotel.example? [y/N]"),
                "{asked}"
            );
        }
        // No terminal and no --yes: refused, nothing asked.
        let (r, asked) = ask(b"y\n", false, false);
        assert!(r.unwrap_err().contains("confirm with --yes"));
        assert!(asked.is_empty());
    }
}
