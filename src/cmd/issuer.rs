//! `zkcred issuer keygen|keys|export-keys|issue|status`: an issuing
//! department's keys, credentials and their status.
//!
//! `status` keeps, per issuer and credential type, a status registry in the
//! key directory (`zkcred_credential::status::StatusRegistry`:
//! `<KEYDIR>/status/<issuer>/<type>/`). Once a type has one, `issue` records
//! each credential in it and gives the credential its status witness; each
//! status change (`suspend`, `reinstate`, `revoke`, `cancel`, `expire`,
//! `penalty`, several licences at once) makes one new epoch, whose signed
//! `epoch-<n>.json` (for verifiers) and `update-<n>.json` (for wallets) are
//! kept in the registry's `published/` and, with `--publish DIR`, copied to
//! `DIR/<issuer>/<type>/` for a static file host.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use zkcred_credential::keys::{check_authority, check_identifier};
use zkcred_credential::status::registry::{epoch_file_name, update_file_name};
use zkcred_credential::status::{credential_id, LicenseStatus, StatusRegistry};
use zkcred_credential::{
    issue_blind, AttributeError, AttributeSet, AttributeValue, Catalogue, CredentialRequest, Error,
    IssueOptions, IssuerKey, IssuerPublicKey, KeySet, KeyStore, LicenseId, Uscc,
};
use zkcred_crypto::bbs::Suite;

use super::catalogue::lookup;
use super::display::title;
use super::files::{default_dir, format_time, parse_time, read_document, shown, write_document};
use super::{Context, Status};

/// Issuance window of a new key when `--not-after` is not given.
pub const DEFAULT_KEY_LIFETIME: Duration = Duration::days(730);

/// `zkcred issuer …`.
#[derive(Debug, Subcommand)]
pub enum IssuerCommand {
    /// Generate a signing key for an issuer into the key directory and print
    /// its key id and public key. Another key for the same issuer is a
    /// rotation: the new key signs from now on and the current one stops
    /// issuing (its credentials stay verifiable).
    Keygen(KeygenArgs),
    /// List the keys in the key directory with their issuance windows.
    Keys(KeysArgs),
    /// Print the public keys (a key set) that verifiers and holders need.
    ExportKeys(ExportArgs),
    /// Issue a credential to a holder's request (`zkcred wallet request`):
    /// attributes as JSON in, the blindly signed credential JSON out. When
    /// the issuer keeps a status registry for the type, the credential is
    /// recorded in it and carries its status witness.
    Issue(IssueArgs),
    /// Licence status: a registry per credential type, status changes as
    /// signed epochs for verifiers and updates for wallets.
    #[command(subcommand)]
    Status(StatusCommand),
}

/// The key directory option.
#[derive(Debug, Args)]
pub struct KeyDir {
    /// Key directory (default: $ZKCRED_KEYS, else ~/.zkcred/keys).
    #[arg(long, value_name = "KEYDIR")]
    pub dir: Option<PathBuf>,
}

impl KeyDir {
    fn path(&self) -> Result<PathBuf> {
        default_dir(self.dir.as_deref(), "ZKCRED_KEYS", "keys")
    }

    /// Opens an existing key directory (never creates one).
    fn open_existing(&self) -> Result<(PathBuf, KeyStore)> {
        let dir = self.path()?;
        if !dir.is_dir() {
            bail!(
                "key directory {} does not exist (create a key with `zkcred issuer keygen`)",
                dir.display()
            );
        }
        let store = KeyStore::open(&dir)?;
        Ok((dir, store))
    }
}

fn public_keys(dir: &Path, store: &KeyStore) -> Result<KeySet> {
    store
        .public_keys()
        .with_context(|| format!("key directory {}", dir.display()))
}

/// `zkcred issuer keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The issuer's identifier (a unified social credit code, a domain name
    /// or a DID).
    #[arg(long)]
    pub issuer: String,
    /// The key directory.
    #[command(flatten)]
    pub dir: KeyDir,
    /// Start of the key's issuance window (YYYY-MM-DD or RFC 3339; default
    /// now). A future date pre-provisions a key that takes over then.
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    pub not_before: Option<OffsetDateTime>,
    /// End of the issuance window (default: two years after the start).
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    pub not_after: Option<OffsetDateTime>,
    /// Ciphersuite: sha256 (BLS12-381-SHA-256) or shake256.
    #[arg(long, default_value = "sha256", value_parser = parse_suite)]
    pub suite: Suite,
    /// The kind of authority the issuer is (public_security, civil_affairs,
    /// market_regulation, natural_resources, transport, …; `zkcred catalogue
    /// show TYPE` lists who issues a type). Required, except for a rotation,
    /// which keeps the kind of the key it replaces.
    #[arg(long, value_name = "KIND")]
    pub authority: Option<String>,
    /// Machine output: the public key file's JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_suite(s: &str) -> Result<Suite, String> {
    Suite::from_name(s).ok_or_else(|| format!("unknown ciphersuite {s:?} (sha256 or shake256)"))
}

/// `zkcred issuer keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// The key directory.
    #[command(flatten)]
    pub dir: KeyDir,
    /// Only this issuer's keys.
    #[arg(long)]
    pub issuer: Option<String>,
}

/// `zkcred issuer export-keys`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The key directory.
    #[command(flatten)]
    pub dir: KeyDir,
    /// Only this issuer's keys.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Write the key set to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `zkcred issuer issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuer's identifier (its current key signs).
    #[arg(long)]
    pub issuer: String,
    /// The credential type (see `zkcred catalogue list`).
    #[arg(long = "type", value_name = "TYPE")]
    pub credential_type: String,
    /// The key directory.
    #[command(flatten)]
    pub dir: KeyDir,
    /// Sign with this key of the issuer instead of its current one.
    #[arg(long, value_name = "KEY_ID")]
    pub key: Option<String>,
    /// Write the credential to FILE (mode 0600) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Allow an issue_date before the signing key began issuing: converting
    /// an existing (paper) license that was issued earlier. Without it such
    /// a date is refused as a likely mistake.
    #[arg(long)]
    pub backdated: bool,
    /// The holder's credential request (`zkcred wallet request`): the
    /// commitment to the holder secret that the credential is signed over
    /// blindly, so that only that wallet can present it.
    #[arg(long, value_name = "REQUEST.json")]
    pub request: PathBuf,
    /// The attributes as a JSON object of name: value (see `zkcred catalogue
    /// show TYPE`), or - for standard input. A missing `license_id` is
    /// generated when the issuer is a unified social credit code.
    #[arg(value_name = "ATTRS.json", default_value = "-")]
    pub attributes: PathBuf,
}

impl IssuerCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            IssuerCommand::Keygen(a) => keygen(ctx, a),
            IssuerCommand::Keys(a) => keys(ctx, a),
            IssuerCommand::ExportKeys(a) => export(ctx, a),
            IssuerCommand::Issue(a) => issue_cmd(ctx, a),
            IssuerCommand::Status(c) => c.run(ctx),
        }
    }
}

fn keygen(ctx: &mut Context<'_>, a: KeygenArgs) -> Result<Status> {
    check_identifier("issuer", &a.issuer)?;
    let now = ctx.now;
    let not_before = a.not_before.unwrap_or(now);
    let not_after = a.not_after.unwrap_or(not_before + DEFAULT_KEY_LIFETIME);
    if not_after <= not_before {
        bail!(
            "--not-after {} must be later than the start {}",
            format_time(not_after),
            format_time(not_before)
        );
    }
    if not_after <= now {
        bail!(
            "the issuance window ends at {}, in the past: the key could never sign",
            format_time(not_after)
        );
    }
    let dir = a.dir.path()?;
    let store = KeyStore::open(&dir)?;
    let current: Vec<IssuerPublicKey> = public_keys(&dir, &store)?
        .keys()
        .filter(|k| k.issuer == a.issuer && k.is_valid_at(now))
        .cloned()
        .collect();
    let inherited = current.iter().find_map(|k| k.authority.clone());
    let authority = match (&a.authority, &inherited) {
        (Some(given), Some(old)) if given != old => bail!(
            "issuer {} is a {old} authority (its current key says so); --authority {given} \
             would change the kind of department",
            a.issuer
        ),
        (Some(given), _) => given.clone(),
        (None, Some(old)) => old.clone(),
        (None, None) => bail!(
            "--authority KIND is required: the kind of department the issuer is \
             (public_security, civil_affairs, market_regulation, …; `zkcred catalogue show \
             TYPE` lists who issues a type)"
        ),
    };
    check_authority(&authority)?;
    let mut notes = Vec::new();
    let key = if not_before > now {
        let key = IssuerKey::generate(&a.issuer, a.suite, not_before, not_after, &mut OsRng)?
            .with_authority(&authority)?;
        store.save(&key)?;
        if !current.is_empty() {
            notes.push(format!(
                "pre-provisioned: this key takes over issuance at {}; the current key keeps \
                 signing until then",
                format_time(not_before)
            ));
        }
        key
    } else if !current.is_empty() {
        if a.not_before.is_some_and(|t| t < now) {
            bail!(
                "issuer {} already has a key valid now; a rotation starts now, so \
                 --not-before cannot be in the past",
                a.issuer
            );
        }
        let mut key = store.rotate(&a.issuer, a.suite, now, not_after, &mut OsRng)?;
        if key.public().authority.as_deref() != Some(authority.as_str()) {
            // The replaced keys declared no kind: record the one given.
            key = key.with_authority(&authority)?;
            store.save(&key)?;
        }
        for old in current.iter().filter(|k| k.not_before < now) {
            notes.push(format!(
                "rotation: key {} stops issuing now; credentials it signed stay verifiable \
                 while verifiers keep it in their key sets",
                old.key_id
            ));
        }
        key
    } else {
        let key = IssuerKey::generate(&a.issuer, a.suite, not_before, not_after, &mut OsRng)?
            .with_authority(&authority)?;
        store.save(&key)?;
        key
    };
    let p = key.public();
    if a.json {
        writeln!(ctx.stdout, "{}", p.to_json())?;
    } else {
        let out = &mut ctx.stdout;
        writeln!(out, "key id:      {}", p.key_id)?;
        writeln!(out, "issuer:      {}", p.issuer)?;
        writeln!(out, "suite:       {}", p.suite.name())?;
        writeln!(
            out,
            "authority:   {}",
            p.authority.as_deref().unwrap_or("-")
        )?;
        writeln!(
            out,
            "issues from: {} until {}",
            format_time(p.not_before),
            format_time(p.not_after)
        )?;
        writeln!(out, "public key:  {}", hex::encode(p.public_key.as_bytes()))?;
        writeln!(
            out,
            "files:       {}/{id}.public.json, {}/{id}.secret.json (secret, mode 0600)",
            dir.display(),
            dir.display(),
            id = p.key_id
        )?;
    }
    for n in notes {
        writeln!(ctx.stderr, "{n}")?;
    }
    writeln!(
        ctx.stderr,
        "verifiers and holders need the public keys: zkcred issuer export-keys --dir {}",
        dir.display()
    )?;
    Ok(Status::Success)
}

fn keys(ctx: &mut Context<'_>, a: KeysArgs) -> Result<Status> {
    let (dir, store) = a.dir.open_existing()?;
    let set = public_keys(&dir, &store)?;
    let now = ctx.now;
    let mut any = false;
    for k in set
        .keys()
        .filter(|k| a.issuer.as_ref().is_none_or(|i| *i == k.issuer))
    {
        any = true;
        let signing = set
            .keys()
            .filter(|o| o.issuer == k.issuer && o.is_valid_at(now))
            .max_by_key(|o| (o.not_before, o.key_id.clone()))
            .is_some_and(|o| o.key_id == k.key_id);
        let state = if signing {
            "current"
        } else if k.not_before > now {
            "pending"
        } else if k.not_after <= now {
            "retired"
        } else {
            "valid"
        };
        writeln!(
            ctx.stdout,
            "{}  {}  {}  {} .. {}  {state}",
            k.key_id,
            k.issuer,
            k.suite.name(),
            format_time(k.not_before),
            format_time(k.not_after)
        )?;
    }
    if !any {
        writeln!(ctx.stderr, "no keys in {}", dir.display())?;
    }
    Ok(Status::Success)
}

fn export(ctx: &mut Context<'_>, a: ExportArgs) -> Result<Status> {
    let (dir, store) = a.dir.open_existing()?;
    let all = public_keys(&dir, &store)?;
    let mut set = KeySet::new();
    for k in all
        .keys()
        .filter(|k| a.issuer.as_ref().is_none_or(|i| *i == k.issuer))
    {
        set.insert(k.clone());
    }
    if set.is_empty() {
        match &a.issuer {
            Some(i) => bail!("no keys of issuer {i:?} in {}", dir.display()),
            None => bail!("no keys in {}", dir.display()),
        }
    }
    write_document(ctx, a.out.as_deref(), &set.to_json(), false)?;
    Ok(Status::Success)
}

fn issue_cmd(ctx: &mut Context<'_>, a: IssueArgs) -> Result<Status> {
    check_identifier("issuer", &a.issuer)?;
    let catalogue = Catalogue::builtin();
    let t = lookup(catalogue, &a.credential_type)?;
    let file = shown(&a.attributes);
    let text = read_document(ctx, &a.attributes)?;
    let mut json: Value =
        serde_json::from_str(&text).map_err(|e| anyhow!("{file}: not valid JSON: {e}"))?;
    let obj = json.as_object_mut().ok_or_else(|| {
        anyhow!("{file}: the attributes must be a JSON object of name: value pairs")
    })?;
    let uscc = Uscc::parse(&a.issuer).ok();
    let mut generated = None;
    if obj.get("license_id").is_none_or(Value::is_null) {
        if let Some(uscc) = uscc.clone() {
            let id = LicenseId::generate(t.type_code.clone(), uscc, 1, &mut OsRng)
                .map_err(|e| anyhow!("generating a license_id: {e}"))?
                .to_string();
            obj.insert("license_id".into(), Value::String(id.clone()));
            generated = Some(id);
        }
    }
    let attributes = AttributeSet::from_json(t, &json).map_err(|e| {
        let hint = match &e {
            AttributeError::NotInLayout { .. } => {
                format!(" (`zkcred catalogue show {}` lists the attributes)", t.id)
            }
            AttributeError::Missing { attribute } if attribute == "license_id" => {
                " (it is generated only when --issuer is a unified social credit code)".into()
            }
            _ => String::new(),
        };
        anyhow!("{file}: {e}{hint} [{}]", e.code())
    })?;
    let (dir, store) = a.dir.open_existing()?;
    let key = match &a.key {
        Some(id) => {
            let key = store.load(id).map_err(|e| match e {
                Error::UnknownKey { .. } => anyhow!("no key {id:?} in {}", dir.display()),
                e => anyhow!(e).context(format!("key {id} in {}", dir.display())),
            })?;
            if key.public().issuer != a.issuer {
                bail!(
                    "key {id} belongs to issuer {}, not {}",
                    key.public().issuer,
                    a.issuer
                );
            }
            key
        }
        None => store.signing_key(&a.issuer, ctx.now).map_err(|e| match e {
            Error::NoSigningKey(_) => anyhow!(
                "issuer {} has no key valid now in {} (create one with `zkcred issuer keygen \
                 --issuer {}`)",
                a.issuer,
                dir.display(),
                a.issuer
            ),
            e => anyhow!(e).context(format!("key directory {}", dir.display())),
        })?,
    };
    let mut registry = if StatusRegistry::exists(&dir, &a.issuer, &t.id) {
        Some(
            StatusRegistry::open(&dir, &a.issuer, &t.id)
                .with_context(|| format!("the status registry of {}", t.id))?,
        )
    } else {
        None
    };
    let options = IssueOptions {
        allow_backdated: a.backdated,
    };
    let request_file = shown(&a.request);
    let request = CredentialRequest::from_json(&read_document(ctx, &a.request)?)
        .map_err(|e| anyhow!("{request_file}: {e}"))?;
    let mut credential = issue_blind(
        catalogue,
        &key,
        &t.id,
        &attributes,
        &options,
        &request,
        ctx.now,
        &mut OsRng,
    )
    .map_err(|e| match e {
        Error::Issuance(e) => anyhow!("{file}: {e}"),
        e => anyhow!(e),
    })?;
    let registered = match registry.as_mut() {
        Some(r) => {
            let witness = r.register_issued(&credential, ctx.now).map_err(|e| {
                anyhow!(e).context(format!(
                    "recording the credential in the status registry of {}; nothing issued",
                    t.id
                ))
            })?;
            credential.status = Some(witness);
            Some(witness.epoch)
        }
        None => None,
    };
    write_document(ctx, a.out.as_deref(), &credential.to_json(), true)?;
    if let Some(epoch) = registered {
        writeln!(
            ctx.stderr,
            "status: recorded as valid at epoch {epoch} (licence {})",
            credential_id(&credential).map_or_else(|_| "?".into(), |i| super::display::safe(&i))
        )?;
    }
    if let Some(id) = generated {
        writeln!(ctx.stderr, "generated license_id {id}")?;
    }
    let holder = match attributes.get("holder_name") {
        Some(AttributeValue::String(s)) => super::display::safe(s),
        _ => "?".into(),
    };
    writeln!(
        ctx.stderr,
        "issued {} to {holder} with key {}",
        title(t),
        key.key_id()
    )?;
    Ok(Status::Success)
}

/// `zkcred issuer status …`.
#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Start keeping status for a credential type: a fresh accumulator key
    /// (its secret in a 0600 file) and epoch 0, signed with the issuer's
    /// current key. Credentials issued from now on carry a status witness;
    /// ones issued earlier have none and cannot be changed here.
    Init(StatusInitArgs),
    /// Suspend licences (暂扣, 02): they stop verifying until reinstated.
    Suspend(StatusChangeArgs),
    /// Reinstate suspended licences (back to 有效, 01).
    Reinstate(StatusChangeArgs),
    /// Revoke licences (吊销, 03; final).
    Revoke(StatusChangeArgs),
    /// Cancel licences (注销, 04; final).
    Cancel(StatusChangeArgs),
    /// Mark licences expired (过期, 05; final).
    Expire(StatusChangeArgs),
    /// Revoke licences as an administrative penalty (撤销, 07; final).
    Penalty(StatusChangeArgs),
    /// Show a registry: its epoch and value, and each licence's status.
    Show(StatusShowArgs),
}

/// The registry a status command works on.
#[derive(Debug, Args)]
pub struct StatusTarget {
    /// The issuer (default: the only issuer with keys in the key directory).
    #[arg(long)]
    pub issuer: Option<String>,
    /// The credential type (see `zkcred catalogue list`).
    #[arg(long = "type", value_name = "TYPE")]
    pub credential_type: String,
    /// The key directory (the registry lives in its `status/`).
    #[command(flatten)]
    pub dir: KeyDir,
}

/// `zkcred issuer status init`.
#[derive(Debug, Args)]
pub struct StatusInitArgs {
    /// The registry.
    #[command(flatten)]
    pub target: StatusTarget,
    /// Also write the published documents to DIR/ISSUER/TYPE/.
    #[arg(long, value_name = "DIR")]
    pub publish: Option<PathBuf>,
}

/// `zkcred issuer status suspend|reinstate|revoke|cancel|expire|penalty`.
#[derive(Debug, Args)]
pub struct StatusChangeArgs {
    /// The registry.
    #[command(flatten)]
    pub target: StatusTarget,
    /// Also write the published documents to DIR/ISSUER/TYPE/
    /// (epoch-N.json for verifiers, update-N.json for wallets).
    #[arg(long, value_name = "DIR")]
    pub publish: Option<PathBuf>,
    /// The licences, by their license_id; all change in one new epoch.
    #[arg(value_name = "CREDENTIAL_ID", required = true)]
    pub ids: Vec<String>,
}

/// `zkcred issuer status show`.
#[derive(Debug, Args)]
pub struct StatusShowArgs {
    /// The registry.
    #[command(flatten)]
    pub target: StatusTarget,
    /// Machine output: JSON.
    #[arg(long)]
    pub json: bool,
}

impl StatusCommand {
    /// Runs the command.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            StatusCommand::Init(a) => status_init(ctx, a),
            StatusCommand::Show(a) => status_show(ctx, a),
            StatusCommand::Suspend(a) => status_change(ctx, a, LicenseStatus::Suspended),
            StatusCommand::Reinstate(a) => status_change(ctx, a, LicenseStatus::Valid),
            StatusCommand::Revoke(a) => status_change(ctx, a, LicenseStatus::Revoked),
            StatusCommand::Cancel(a) => status_change(ctx, a, LicenseStatus::Cancelled),
            StatusCommand::Expire(a) => status_change(ctx, a, LicenseStatus::Expired),
            StatusCommand::Penalty(a) => status_change(ctx, a, LicenseStatus::RevokedByPenalty),
        }
    }
}

impl StatusTarget {
    /// The key directory, its store, the issuer and the (catalogue) type.
    fn resolve(&self) -> Result<(PathBuf, KeyStore, String, String)> {
        let t = lookup(Catalogue::builtin(), &self.credential_type)?;
        let (dir, store) = self.dir.open_existing()?;
        let issuer = match &self.issuer {
            Some(i) => {
                check_identifier("issuer", i)?;
                i.clone()
            }
            None => {
                let mut issuers: Vec<String> = public_keys(&dir, &store)?
                    .keys()
                    .map(|k| k.issuer.clone())
                    .collect();
                issuers.dedup();
                match issuers.as_slice() {
                    [one] => one.clone(),
                    [] => bail!("no keys in {}", dir.display()),
                    _ => bail!(
                        "the key directory {} holds keys of {} issuers: name one with --issuer",
                        dir.display(),
                        issuers.len()
                    ),
                }
            }
        };
        Ok((dir, store, issuer, t.id.clone()))
    }
}

/// The issuer's key to sign status epochs with at `now`.
fn status_signing_key(
    store: &KeyStore,
    dir: &Path,
    issuer: &str,
    now: OffsetDateTime,
) -> Result<IssuerKey> {
    store.signing_key(issuer, now).map_err(|e| match e {
        Error::NoSigningKey(_) => anyhow!(
            "issuer {issuer} has no key valid now in {} to sign status with (create one with \
             `zkcred issuer keygen --issuer {issuer}`)",
            dir.display()
        ),
        e => anyhow!(e).context(format!("key directory {}", dir.display())),
    })
}

/// Copies the registry's published documents that `publish` lacks (or
/// holds differently) to `publish/<issuer>/<type>/`; returns that folder
/// and how many files were written.
fn publish_to(registry: &StatusRegistry, publish: &Path) -> Result<(PathBuf, usize)> {
    let out = publish
        .join(registry.issuer())
        .join(registry.credential_type());
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = 0;
    for n in 0..=registry.epoch() {
        let mut names = vec![epoch_file_name(n)];
        if n > 0 {
            names.push(update_file_name(n));
        }
        for name in names {
            let from = registry.published_dir().join(&name);
            let data =
                std::fs::read(&from).with_context(|| format!("cannot read {}", from.display()))?;
            let to = out.join(&name);
            if std::fs::read(&to).is_ok_and(|old| old == data) {
                continue;
            }
            let tmp = out.join(format!(".{name}.{}.tmp", std::process::id()));
            std::fs::write(&tmp, &data)
                .and_then(|()| std::fs::rename(&tmp, &to))
                .with_context(|| format!("cannot write {}", to.display()))?;
            written += 1;
        }
    }
    Ok((out, written))
}

fn publish_note(
    ctx: &mut Context<'_>,
    registry: &StatusRegistry,
    publish: Option<&Path>,
) -> Result<()> {
    match publish {
        Some(p) => {
            let (out, n) = publish_to(registry, p)?;
            writeln!(
                ctx.stderr,
                "published to {} ({n} file(s) written): verifiers fetch epoch-{}.json, wallets \
                 the update files (`zkcred wallet sync --from {}`)",
                out.display(),
                registry.epoch(),
                p.display()
            )?;
        }
        None => writeln!(
            ctx.stderr,
            "the documents are in {}; publish them with --publish DIR",
            registry.published_dir().display()
        )?,
    }
    Ok(())
}

fn status_init(ctx: &mut Context<'_>, a: StatusInitArgs) -> Result<Status> {
    let (dir, store, issuer, type_id) = a.target.resolve()?;
    let key = status_signing_key(&store, &dir, &issuer, ctx.now)?;
    let (registry, epoch) = StatusRegistry::init(&dir, &key, &type_id, ctx.now, &mut OsRng)
        .map_err(|e| match e {
            Error::StatusRegistryExists { .. } => anyhow!(
                "{e} ({})",
                StatusRegistry::dir_in(&dir, &issuer, &type_id)
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ),
            e => anyhow!(e),
        })?;
    let catalogue = Catalogue::builtin();
    writeln!(
        ctx.stdout,
        "status registry for {} of issuer {issuer}: epoch {}, signed with key {}",
        super::display::type_title(catalogue, &type_id),
        epoch.epoch(),
        epoch.key_id
    )?;
    writeln!(
        ctx.stdout,
        "accumulator key: {}",
        hex::encode(registry.public_key().to_bytes())
    )?;
    writeln!(
        ctx.stdout,
        "files: {} (the accumulator secret in accumulator.secret.json, mode 0600)",
        registry.dir().display()
    )?;
    publish_note(ctx, &registry, a.publish.as_deref())?;
    writeln!(
        ctx.stderr,
        "credentials of this type issued from now on carry a status witness; earlier ones have \
         none"
    )?;
    Ok(Status::Success)
}

fn status_change(ctx: &mut Context<'_>, a: StatusChangeArgs, to: LicenseStatus) -> Result<Status> {
    let (dir, store, issuer, type_id) = a.target.resolve()?;
    let mut registry = StatusRegistry::open(&dir, &issuer, &type_id)?;
    let key = status_signing_key(&store, &dir, &issuer, ctx.now)?;
    let changes: Vec<(String, LicenseStatus)> = a.ids.iter().map(|i| (i.clone(), to)).collect();
    let from: Vec<Option<LicenseStatus>> = a
        .ids
        .iter()
        .map(|i| registry.entry(i).map(|e| e.status))
        .collect();
    let (epoch, update) = registry
        .change(&key, &changes, ctx.now)
        .map_err(|e| match e {
            Error::UnknownStatusCredential(id) => anyhow!(
                "no licence {:?} in the status registry of {type_id} (`zkcred issuer status show \
                 --type {type_id}` lists them; credentials issued before `status init` are not \
                 in it); nothing changed",
                super::display::safe(&id)
            ),
            e => anyhow!("{e} [{}]; nothing changed", e.code()),
        })?;
    writeln!(
        ctx.stdout,
        "epoch {}: {} licence(s) now {to} ({} accumulator change(s))",
        epoch.epoch(),
        a.ids.len(),
        update.update.len()
    )?;
    for (id, old) in a.ids.iter().zip(from) {
        writeln!(
            ctx.stdout,
            "  {}  {} -> {}",
            super::display::safe(id),
            old.map_or_else(|| "?".to_owned(), |s| s.code().to_owned()),
            to.code()
        )?;
    }
    publish_note(ctx, &registry, a.publish.as_deref())?;
    Ok(Status::Success)
}

fn status_show(ctx: &mut Context<'_>, a: StatusShowArgs) -> Result<Status> {
    let (dir, _store, issuer, type_id) = a.target.resolve()?;
    let registry = StatusRegistry::open(&dir, &issuer, &type_id)?;
    let epoch = registry.current_epoch()?;
    if a.json {
        let credentials: Vec<Value> = registry
            .entries()
            .map(|e| {
                serde_json::json!({
                    "credential_id": e.credential_id,
                    "status": e.status,
                    "changed_at": format_time(e.changed_at),
                    "changed_epoch": e.changed_epoch,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "issuer": issuer,
            "credential_type": type_id,
            "epoch": registry.epoch(),
            "value": hex::encode(registry.value().to_bytes()),
            "accumulator_key": hex::encode(registry.public_key().to_bytes()),
            "published_at": format_time(epoch.content.published_at),
            "key_id": epoch.key_id,
            "credentials": credentials,
        });
        writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(Status::Success);
    }
    let out = &mut ctx.stdout;
    writeln!(
        out,
        "type:        {}",
        super::display::type_title(Catalogue::builtin(), &type_id)
    )?;
    writeln!(out, "issuer:      {issuer}")?;
    writeln!(
        out,
        "epoch:       {} (published {}, signed with key {})",
        registry.epoch(),
        format_time(epoch.content.published_at),
        epoch.key_id
    )?;
    writeln!(
        out,
        "value:       {}",
        hex::encode(registry.value().to_bytes())
    )?;
    let count = registry.entries().count();
    let by_status: Vec<String> = LicenseStatus::ALL
        .iter()
        .filter_map(|s| {
            let n = registry.entries().filter(|e| e.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.name_en()))
        })
        .collect();
    writeln!(
        out,
        "licences:    {count}{}",
        if by_status.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_status.join(", "))
        }
    )?;
    for e in registry.entries() {
        writeln!(
            out,
            "  {}  {}  since epoch {} ({})",
            super::display::safe(&e.credential_id),
            e.status,
            e.changed_epoch,
            format_time(e.changed_at)
        )?;
    }
    Ok(Status::Success)
}
