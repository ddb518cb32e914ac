//! A holder's local wallet: a directory of verified credentials, sealed
//! under a passphrase, and the holder secret.
//!
//! # Layout
//!
//! `<dir>/` (mode 0700) holds `wallet.json` (mode 0600): the format and
//! version, a random wallet identifier, the Argon2id parameters and salt,
//! and the [`HolderSecret`] sealed with XChaCha20-Poly1305; and
//! `credentials/` (0700) with one sealed record `<id>.json` (0600) per
//! [`WalletEntry`] (the credential, attribute values and reserved slot
//! values included, and the issuer key it verified with). Every file is
//! written atomically (a temporary file, synced, renamed). [`seal`] gives
//! the file formats, the key derivation and the associated data that binds
//! each sealed value to its file, wallet and name.
//!
//! # Keys
//!
//! The passphrase is the only thing that protects the files: a copy of the
//! directory opens anywhere with it, and without it an attacker learns the
//! number of entries and their sizes, the KDF parameters and when files
//! changed, not their contents. [`Wallet::open`] derives the keys once
//! (Argon2id is deliberately slow and memory-hard) and keeps them, zeroized
//! on drop, for the wallet's lifetime. A wrong passphrase fails the
//! authentication of the sealed holder secret ([`Error::WrongPassphrase`])
//! before anything is written.
//!
//! # Entry identifiers
//!
//! An entry's identifier is 16 hex characters: the first 8 octets of
//! `HMAC-SHA-256(entry_key, canonical("ZKCRED-WALLET-ENTRY-V2", signature octets))`,
//! with `entry_key` derived from the passphrase: stable for a credential in
//! this wallet, unrelated to attribute values, and not computable from the
//! credential without the passphrase.
//!
//! # Holder binding
//!
//! Credentials enter the wallet through blind issuance:
//! [`Wallet::request_credential`] commits to the holder secret for the
//! issuer and keeps the `secret_prover_blind` sealed under `pending/`;
//! [`Wallet::add`] binds the issued credential with it and the holder
//! secret, verifies it, and stores the blind in the entry. A credential
//! issued to another wallet has no pending request here and is refused
//! ([`Error::NotRequestedByThisWallet`]): a credential file copied between
//! wallets cannot be presented from either.
//!
//! # Status
//!
//! A credential whose issuer keeps a status registry carries a status
//! witness ([`crate::status::StatusWitness`]); [`Wallet::sync`] brings it
//! to the latest signed epoch from the issuer's published updates and
//! records the licence's status in the entry ([`HeldStatus`]; see
//! [`sync`]).
//!
//! # Earlier wallets
//!
//! A directory of plain `credentials/<id>.json` entries (the first wallet
//! format, `zkcred-wallet-entry` version 1 in the clear) holds credentials
//! issued without holder binding, which no verifier accepts any more:
//! [`Wallet::init`] refuses such a directory, naming the file, and writes
//! nothing; the issuer issues the licence again to the new wallet.

pub mod seal;
pub mod sync;

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::canonical::Canonical;
use crate::catalogue::Catalogue;
use crate::credential::{check_document, Credential, HolderBinding};
use crate::credential_request::CredentialRequest;
use crate::encoding::Date;
use crate::error::Error;
use crate::fsutil;
use crate::holder_secret::HolderSecret;
use crate::keys::{IssuerPublicKey, KeyResolver};
use crate::presentation::status::HolderStatus;
use crate::presentation::{present_prepared, HolderCredential, Presentation, PresentationRequest};
use crate::status::{LicenseStatus, StatusEpoch};
use zkcred_crypto::blind::SecretProverBlind;

use seal::{
    derive_keys, Sealed, WalletKeys, HOLDER_SECRET_NAME, MAX_RECORD_FILE, MAX_WALLET_FILE,
    SALT_LEN, SEALED_RECORD_FORMAT, SEALED_RECORD_VERSION, WALLET_FILE_FORMAT, WALLET_FILE_VERSION,
    WALLET_ID_LEN,
};
pub use seal::{KdfParams, SealedRecord, WalletFile};
pub use sync::{HeldStatus, SyncOutcome};

/// Format name of wallet entries (the plaintext of a sealed record).
pub const WALLET_ENTRY_FORMAT: &str = "zkcred-wallet-entry";
/// Version of the wallet entry format.
pub const WALLET_ENTRY_VERSION: u32 = 2;
/// The wallet file's name in the wallet directory.
pub const WALLET_FILE: &str = "wallet.json";
/// The folder of sealed records in the wallet directory.
pub const CREDENTIALS_DIR: &str = "credentials";

/// One stored credential (the plaintext of its sealed record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletEntry {
    /// Always [`WALLET_ENTRY_FORMAT`].
    pub format: String,
    /// Always [`WALLET_ENTRY_VERSION`].
    pub version: u32,
    /// The entry identifier.
    pub id: String,
    /// The credential.
    pub credential: Credential,
    /// The issuer key the credential verified with.
    pub issuer_key: IssuerPublicKey,
    /// The credential's `secret_prover_blind` (hex; the holder's part with
    /// the wallet's holder secret, see [`crate::layout`]).
    pub secret_prover_blind: SecretHex,
    /// The licence status as the last [`Wallet::sync`] left it (absent
    /// before a sync moved the entry past its issuance epoch, and in
    /// entries written before status existed); see [`WalletEntry::status`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<HeldStatus>,
    /// The signed status epoch the last [`Wallet::sync`] brought the entry
    /// to (its signature and chain checked then); see
    /// [`WalletEntry::membership`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_epoch: Option<StatusEpoch>,
}

/// A secret as hex inside a sealed record: zeroized on drop, redacted in
/// `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretHex(String);

impl Drop for SecretHex {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for SecretHex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHex(<redacted>)")
    }
}

impl SecretHex {
    fn of_blind(b: &SecretProverBlind) -> SecretHex {
        SecretHex(hex::encode(&b.to_bytes()[..]))
    }

    fn blind(&self) -> Result<SecretProverBlind, Error> {
        let bytes = Zeroizing::new(crate::error::decode_hex("secret_prover_blind", &self.0)?);
        SecretProverBlind::from_bytes(&bytes).map_err(|e| Error::Malformed {
            what: "secret_prover_blind",
            reason: e.to_string(),
        })
    }
}

/// Folder of the sealed `secret_prover_blind`s of credential requests
/// waiting for their credential.
pub const PENDING_DIR: &str = "pending";
/// Format of a pending request's sealed record.
const PENDING_RECORD: (&str, u32) = ("zkcred-wallet-pending-request", 1);

/// The pending record's name for a credential request digest (hex).
fn pending_name(digest_hex: &str) -> Option<String> {
    let d = digest_hex.get(..32)?;
    d.bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        .then(|| format!("{PENDING_DIR}/{d}"))
}

/// A line of [`Wallet::list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletSummary {
    /// The entry identifier.
    pub id: String,
    /// The credential type.
    pub credential_type: String,
    /// The type's English name.
    pub name_en: String,
    /// The type's Chinese name.
    pub name_zh: String,
    /// The issuer.
    pub issuer: String,
    /// The issue date, if the credential has one.
    pub issue_date: Option<String>,
    /// The end of validity, if the credential has one.
    pub valid_until: Option<String>,
    /// The licence status the wallet holds, for credentials with a status
    /// member ([`WalletEntry::status`]).
    pub status: Option<LicenseStatus>,
    /// The status epoch the wallet holds the credential at.
    pub status_epoch: Option<u64>,
}

/// An open wallet: its directory, the keys derived from its passphrase
/// and its holder secret (all zeroized on drop; `Debug` shows the
/// directory only).
pub struct Wallet {
    dir: PathBuf,
    wallet_id: [u8; WALLET_ID_LEN],
    kdf: KdfParams,
    keys: WalletKeys,
    holder_secret: HolderSecret,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The entry identifier of a credential under `key` (see the module docs).
fn entry_id(key: &[u8; 32], credential: &Credential) -> String {
    let sig = hex::decode(&credential.signature).unwrap_or_default();
    let msg = Canonical::new("ZKCRED-WALLET-ENTRY-V2")
        .bytes(&sig)
        .finish();
    // HMAC takes keys of any length; 32 octets is never refused.
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map(|m| m.chain_update(&msg).finalize().into_bytes());
    match mac {
        Ok(d) => hex::encode(&d[..8]),
        Err(_) => String::new(),
    }
}

/// An entry id for a message: at most 64 characters of it.
fn safe_id(id: &str) -> String {
    id.chars().take(64).collect()
}

/// The entry's record name, bound into its associated data.
fn record_name(id: &str) -> String {
    format!("{CREDENTIALS_DIR}/{id}")
}

/// Reads at most `max` octets of `path` (more is an error).
fn read_capped(path: &Path, max: usize, what: &'static str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let data = Zeroizing::new(fsutil::read(path)?);
    if data.len() > max {
        return Err(Error::Malformed {
            what,
            reason: format!("{} is larger than {max} octets", path.display()),
        });
    }
    Ok(data)
}

/// The identifiers of the `<id>.json` files of `dir`, sorted.
fn ids_in(dir: &Path) -> Result<Vec<String>, Error> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut ids = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let name = e.map_err(io)?.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".json") {
            if is_entry_id(id) {
                ids.push(id.to_owned());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

/// A plain entry of the first wallet format, if `data` is one named `id`.
/// Whether `data` is a plain entry of the first wallet format.
fn is_first_format_entry(data: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(data)
        .is_ok_and(|v| v["format"] == WALLET_ENTRY_FORMAT && v["version"] == 1)
}

fn is_entry_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

fn date_attr(e: &WalletEntry, name: &str) -> Option<Date> {
    e.credential
        .attributes
        .get(name)
        .and_then(|v| v.as_str())
        .and_then(Date::parse)
}

impl Wallet {
    /// Whether `dir` holds a wallet file (says nothing of its passphrase).
    pub fn exists(dir: impl AsRef<Path>) -> bool {
        dir.as_ref().join(WALLET_FILE).is_file()
    }

    /// Creates a wallet in `dir` (created 0700 if missing): a fresh
    /// [`HolderSecret`], a random wallet identifier and salt, keys derived
    /// from `passphrase` with `kdf`, and `wallet.json` sealing the secret.
    /// Plain entries of the first wallet format already in
    /// `dir/credentials/` are sealed under their new identifiers first and
    /// removed after `wallet.json` is written (see the module docs).
    ///
    /// # Errors
    /// [`Error::EmptyPassphrase`]; as [`KdfParams::check`];
    /// [`Error::WalletExists`] when `dir` has a `wallet.json`;
    /// [`Error::Malformed`] (`what`: "wallet entry") when `credentials/`
    /// holds any file (a sealed entry without its wallet file, a plain entry
    /// of the first format, anything else; nothing is written then);
    /// [`Error::Io`].
    pub fn init(
        dir: impl AsRef<Path>,
        passphrase: &[u8],
        kdf: KdfParams,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Wallet, Error> {
        let dir = dir.as_ref().to_path_buf();
        if passphrase.is_empty() {
            return Err(Error::EmptyPassphrase);
        }
        kdf.check()?;
        if Wallet::exists(&dir) {
            return Err(Error::WalletExists(dir.display().to_string()));
        }
        // Anything already in `credentials/` is refused before anything is
        // written: a sealed entry without its wallet file, or a plain entry
        // of the first wallet format, whose credential was issued without
        // holder binding and cannot be kept (its issuer issues it again to
        // this wallet: `zkcred wallet request`).
        let creds = dir.join(CREDENTIALS_DIR);
        if creds.is_dir() {
            if let Some(id) = ids_in(&creds)?.first() {
                let path = creds.join(format!("{id}.json"));
                let data = read_capped(&path, MAX_RECORD_FILE, "wallet entry")?;
                let reason = if SealedRecord::from_json(&data).is_ok() {
                    "is a sealed entry without its wallet.json (an interrupted `init`, \
                     or part of another wallet): move it away first"
                } else if is_first_format_entry(&data) {
                    "is a credential of the first wallet format, issued without holder \
                     binding, which this wallet cannot keep: ask its issuer to issue it \
                     again to this wallet (`zkcred wallet request`), and move the file away"
                } else {
                    "is not a wallet entry: move it away first"
                };
                return Err(Error::Malformed {
                    what: "wallet entry",
                    reason: format!("{} {reason}", path.display()),
                });
            }
        }
        let mut wallet_id = [0u8; WALLET_ID_LEN];
        rng.fill_bytes(&mut wallet_id);
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let holder_secret = HolderSecret::random(rng);
        let keys = derive_keys(passphrase, &kdf, &salt)?;
        let sealed_secret = Sealed::seal(
            &keys.seal,
            (WALLET_FILE_FORMAT, WALLET_FILE_VERSION),
            &wallet_id,
            HOLDER_SECRET_NAME,
            &holder_secret.to_be_bytes()[..],
            rng,
        )?;
        let file = WalletFile {
            wallet_id,
            kdf,
            salt,
            holder_secret: sealed_secret,
        };
        fsutil::create_private_dir(&dir)?;
        fsutil::create_private_dir(&creds)?;
        let wallet = Wallet {
            dir,
            wallet_id,
            kdf,
            keys,
            holder_secret,
        };
        // The commit point: from here the wallet opens.
        fsutil::write_atomic(
            &wallet.dir.join(WALLET_FILE),
            file.to_json().as_bytes(),
            0o600,
        )?;
        Ok(wallet)
    }

    /// Opens the wallet in `dir` with `passphrase`: reads and checks
    /// `wallet.json` ([`WalletFile::from_json`]), derives the keys (once,
    /// for the wallet's lifetime) and opens the holder secret. Writes
    /// nothing unless the passphrase is right; then creates
    /// `credentials/` if a copy lost the empty folder.
    ///
    /// # Errors
    /// [`Error::NoWallet`] when `dir` has no `wallet.json`; as
    /// [`WalletFile::from_json`] for a damaged one;
    /// [`Error::WrongPassphrase`] when the holder secret does not open
    /// (wrong passphrase, or an altered wallet file); [`Error::Io`].
    pub fn open(dir: impl AsRef<Path>, passphrase: &[u8]) -> Result<Wallet, Error> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(WALLET_FILE);
        if !path.is_file() {
            return Err(Error::NoWallet(dir.display().to_string()));
        }
        let file = WalletFile::from_json(&read_capped(&path, MAX_WALLET_FILE, "wallet file")?)?;
        let keys = derive_keys(passphrase, &file.kdf, &file.salt)?;
        let plain = file
            .holder_secret
            .open(
                &keys.seal,
                (WALLET_FILE_FORMAT, WALLET_FILE_VERSION),
                &file.wallet_id,
                HOLDER_SECRET_NAME,
            )
            .ok_or(Error::WrongPassphrase)?;
        let holder_secret = HolderSecret::from_be_bytes(&plain)?;
        let wallet = Wallet {
            dir,
            wallet_id: file.wallet_id,
            kdf: file.kdf,
            keys,
            holder_secret,
        };
        fsutil::create_private_dir(&wallet.dir.join(CREDENTIALS_DIR))?;
        Ok(wallet)
    }

    /// The wallet directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The wallet's identifier (16 random octets, hex), bound into every
    /// sealed value.
    pub fn wallet_id(&self) -> String {
        hex::encode(self.wallet_id)
    }

    /// The wallet's Argon2id parameters.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// The holder secret (never printed; see [`HolderSecret`]).
    pub fn holder_secret(&self) -> &HolderSecret {
        &self.holder_secret
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(CREDENTIALS_DIR).join(format!("{id}.json"))
    }

    /// Seals `entry` into its record file (replacing any).
    fn write_entry(
        &self,
        entry: &WalletEntry,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(), Error> {
        let json = Zeroizing::new(serde_json::to_vec(entry).map_err(|source| Error::Json {
            what: "wallet entry",
            source,
        })?);
        let sealed = Sealed::seal(
            &self.keys.seal,
            (SEALED_RECORD_FORMAT, SEALED_RECORD_VERSION),
            &self.wallet_id,
            &record_name(&entry.id),
            &json,
            rng,
        )?;
        fsutil::write_atomic(
            &self.path(&entry.id),
            SealedRecord(sealed).to_json().as_bytes(),
            0o600,
        )
    }

    /// The identifiers of the stored entries (the record file names; no
    /// record is opened), sorted.
    ///
    /// # Errors
    /// [`Error::Io`] when the folder cannot be read.
    pub fn ids(&self) -> Result<Vec<String>, Error> {
        ids_in(&self.dir.join(CREDENTIALS_DIR))
    }

    /// Starts a blind issuance: commits to the holder secret for an issuer
    /// key of `suite` ([`CredentialRequest::new`]) and keeps the
    /// `secret_prover_blind` sealed under `pending/` until the credential
    /// arrives ([`Wallet::add`]). The request goes to the issuer; it reveals
    /// nothing of the holder secret.
    ///
    /// # Errors
    /// [`Error::Crypto`] (negligible); [`Error::Io`] when the record cannot
    /// be written.
    pub fn request_credential(
        &self,
        suite: zkcred_crypto::bbs::Suite,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<CredentialRequest, Error> {
        let (request, blind) = CredentialRequest::new(suite, &self.holder_secret, rng)?;
        let digest = hex::encode(request.digest());
        let name = pending_name(&digest).ok_or(Error::Malformed {
            what: "credential request",
            reason: "digest".into(),
        })?;
        let sealed = Sealed::seal(
            &self.keys.seal,
            PENDING_RECORD,
            &self.wallet_id,
            &name,
            &blind.to_bytes()[..],
            rng,
        )?;
        fsutil::create_private_dir(&self.dir.join(PENDING_DIR))?;
        fsutil::write_atomic(
            &self.dir.join(format!("{name}.json")),
            SealedRecord(sealed).to_json().as_bytes(),
            0o600,
        )?;
        Ok(request)
    }

    /// Binds a credential issued for this wallet's request (found by the
    /// credential's `commitment_digest`), verifies it with the trusted
    /// `keys` and stores it sealed (a fresh nonce from `rng`); the pending
    /// request is then removed. Returns the entry identifier.
    ///
    /// # Errors
    /// [`Error::NotRequestedByThisWallet`] when no pending request of this
    /// wallet matches (a credential issued to another wallet, or added
    /// twice); as [`Credential::bind`] ([`Error::SignatureInvalid`] for a
    /// credential that is not over this wallet's holder secret);
    /// [`Error::UnknownKey`]; [`Error::AlreadyInWallet`] when the
    /// credential is stored already; [`Error::Io`] when the entry cannot be
    /// written.
    pub fn add(
        &self,
        catalogue: &Catalogue,
        keys: &impl KeyResolver,
        mut credential: Credential,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<String, Error> {
        let id = entry_id(&self.keys.entry_id, &credential);
        if self.path(&id).exists() {
            return Err(Error::AlreadyInWallet(id));
        }
        let name =
            pending_name(&credential.commitment_digest).ok_or(Error::NotRequestedByThisWallet)?;
        let pending = self.dir.join(format!("{name}.json"));
        if !pending.is_file() {
            return Err(Error::NotRequestedByThisWallet);
        }
        let record =
            SealedRecord::from_json(&read_capped(&pending, MAX_RECORD_FILE, "pending request")?)?;
        let plain = record
            .0
            .open(&self.keys.seal, PENDING_RECORD, &self.wallet_id, &name)
            .ok_or_else(|| Error::RecordDamaged(name.clone()))?;
        let blind = SecretProverBlind::from_bytes(&plain).map_err(|e| Error::Malformed {
            what: "secret_prover_blind",
            reason: e.to_string(),
        })?;
        let stored = SecretHex::of_blind(&blind);
        credential.bind(catalogue, keys, &self.holder_secret, blind)?;
        let issuer_key = keys
            .resolve(&credential.issuer, &credential.key_id)
            .ok_or_else(|| Error::UnknownKey {
                issuer: credential.issuer.clone(),
                key_id: credential.key_id.clone(),
            })?
            .clone();
        let entry = WalletEntry {
            format: WALLET_ENTRY_FORMAT.into(),
            version: WALLET_ENTRY_VERSION,
            id: id.clone(),
            credential,
            issuer_key,
            secret_prover_blind: stored,
            status: None,
            status_epoch: None,
        };
        self.write_entry(&entry, rng)?;
        std::fs::remove_file(&pending).map_err(|source| Error::Io {
            path: pending.display().to_string(),
            source,
        })?;
        Ok(id)
    }

    /// The entry `id`, opened.
    ///
    /// # Errors
    /// [`Error::NotInWallet`] for a malformed or absent identifier;
    /// [`Error::Io`]; as [`SealedRecord::from_json`] for a file that is not
    /// a sealed record; [`Error::RecordDamaged`] when it does not open
    /// (altered, or moved from another entry or wallet);
    /// [`Error::Json`] or [`Error::UnsupportedFormat`] for an entry this
    /// version cannot read; [`Error::Malformed`] for an entry that opens
    /// but names another identifier.
    pub fn get(&self, id: &str) -> Result<WalletEntry, Error> {
        if !is_entry_id(id) {
            return Err(Error::NotInWallet(safe_id(id)));
        }
        let path = self.path(id);
        if !path.exists() {
            return Err(Error::NotInWallet(id.to_owned()));
        }
        let record =
            SealedRecord::from_json(&read_capped(&path, MAX_RECORD_FILE, "wallet record")?)?;
        let plain = record
            .0
            .open(
                &self.keys.seal,
                (SEALED_RECORD_FORMAT, SEALED_RECORD_VERSION),
                &self.wallet_id,
                &record_name(id),
            )
            .ok_or_else(|| Error::RecordDamaged(id.to_owned()))?;
        let entry: WalletEntry = serde_json::from_slice(&plain).map_err(|source| Error::Json {
            what: "wallet entry",
            source,
        })?;
        check_document(
            WALLET_ENTRY_FORMAT,
            WALLET_ENTRY_VERSION,
            &entry.format,
            entry.version,
        )?;
        // The associated data already binds the name; a mismatch here
        // would be a record written wrongly with the wallet's own key.
        if entry.id != id {
            return Err(Error::Malformed {
                what: "wallet entry",
                reason: format!("record {id} holds entry {:?}", safe_id(&entry.id)),
            });
        }
        let mut entry = entry;
        let blind = entry.secret_prover_blind.blind()?;
        entry.credential.holder = Some(HolderBinding::new(&self.holder_secret, blind));
        Ok(entry)
    }

    /// Removes the entry `id` (after opening it: only the passphrase's
    /// holder removes entries through this API).
    ///
    /// # Errors
    /// As [`Wallet::get`]; [`Error::Io`] when the file cannot be removed.
    pub fn remove(&self, id: &str) -> Result<(), Error> {
        self.get(id)?;
        let path = self.path(id);
        std::fs::remove_file(&path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// All entries, ordered by identifier.
    ///
    /// # Errors
    /// As [`Wallet::ids`]; as [`Wallet::get`] for each entry.
    pub fn entries(&self) -> Result<Vec<WalletEntry>, Error> {
        self.ids()?.iter().map(|id| self.get(id)).collect()
    }

    /// A summary of every entry (no attribute values beyond dates).
    ///
    /// # Errors
    /// As [`Wallet::entries`].
    pub fn list(&self, catalogue: &Catalogue) -> Result<Vec<WalletSummary>, Error> {
        Ok(self
            .entries()?
            .iter()
            .map(|e| {
                let t = catalogue.get(&e.credential.credential_type);
                WalletSummary {
                    id: e.id.clone(),
                    credential_type: e.credential.credential_type.clone(),
                    name_en: t.map(|t| t.name_en.clone()).unwrap_or_default(),
                    name_zh: t.map(|t| t.name_zh.clone()).unwrap_or_default(),
                    issuer: e.credential.issuer.clone(),
                    issue_date: date_attr(e, "issue_date").map(|d| d.to_string()),
                    valid_until: date_attr(e, "valid_until").map(|d| d.to_string()),
                    status: e.status().map(|h| h.status),
                    status_epoch: e.status().map(|h| h.epoch),
                }
            })
            .collect())
    }

    /// Answers `request` from the wallet. `choice[i]`, if given, names the
    /// entry for the `i`-th requested credential; otherwise the wallet picks,
    /// among entries of an accepted type from an accepted issuer, the one
    /// with the latest issue date (then the smallest identifier).
    ///
    /// # Errors
    /// As [`PresentationRequest::validate`] and [`Wallet::get`];
    /// [`Error::NoMatchingCredential`] when no entry answers a requested
    /// credential; [`Error::LicenseStatusNotValid`] when the chosen licence
    /// is suspended, revoked, cancelled or expired at the wallet's latest
    /// synced status epoch (the wallet picks a valid one when it can);
    /// [`Error::StatusWitnessMissing`] when an entry asks for licence status
    /// and the wallet has no synced epoch for the credential (run a sync);
    /// then as [`present_prepared`].
    pub fn present(
        &self,
        catalogue: &Catalogue,
        request: &PresentationRequest,
        choice: &[Option<&str>],
        now: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Presentation, Error> {
        request.validate(catalogue)?;
        let all = self.entries()?;
        let mut chosen: Vec<WalletEntry> = Vec::with_capacity(request.credentials.len());
        for (i, rc) in request.credentials.iter().enumerate() {
            let entry = match choice.get(i).copied().flatten() {
                Some(id) => self.get(id)?,
                None => all
                    .iter()
                    .filter(|e| rc.accepts(&e.credential.credential_type))
                    .filter(|e| rc.issuers.is_empty() || rc.issuers.contains(&e.credential.issuer))
                    .max_by(|a, b| {
                        // A licence valid in its issuer's status list
                        // before one that is not, then the latest issued.
                        let valid =
                            |e: &WalletEntry| e.status().is_none_or(|h| h.status.is_valid());
                        valid(a)
                            .cmp(&valid(b))
                            .then_with(|| {
                                date_attr(a, "issue_date").cmp(&date_attr(b, "issue_date"))
                            })
                            .then_with(|| b.id.cmp(&a.id))
                    })
                    .cloned()
                    .ok_or_else(|| Error::NoMatchingCredential(rc.credential_type.clone()))?,
            };
            chosen.push(entry);
        }
        // Licence status: a licence the wallet holds as not valid is not
        // presented; an entry asking for status gets the witness and the
        // signed epoch it is for.
        let mut holders = Vec::with_capacity(chosen.len());
        for (entry, (rc, e)) in request.credentials.iter().zip(&chosen).enumerate() {
            if let Some(held) = e.status().filter(|h| !h.status.is_valid()) {
                return Err(Error::LicenseStatusNotValid {
                    entry,
                    credential_type: e.credential.credential_type.clone(),
                    status: held.status,
                    since_epoch: held.since_epoch,
                    epoch: held.epoch,
                });
            }
            let mut h = HolderCredential::new(catalogue, &e.credential, &e.issuer_key)?;
            if rc.status.is_some() {
                if let Some((w, epoch)) = e.membership() {
                    h = h.with_status(HolderStatus {
                        epoch: w.epoch,
                        public_key: epoch.accumulator_key().clone(),
                        value: *epoch.value(),
                        witness: w.witness,
                    });
                }
            }
            holders.push(h);
        }
        let refs: Vec<&HolderCredential<'_>> = holders.iter().collect();
        present_prepared(catalogue, request, &refs, now, rng)
    }
}
