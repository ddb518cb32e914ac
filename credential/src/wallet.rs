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
//! # Earlier wallets
//!
//! A directory of plain `credentials/<id>.json` entries (the first wallet
//! format, `zkcred-wallet-entry` in the clear) is converted by
//! [`Wallet::init`]: each entry is sealed under its new identifier, then
//! `wallet.json` is written, then the plain files are removed (what the
//! file system keeps of deleted blocks is beyond this crate).

pub mod seal;

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::canonical::Canonical;
use crate::catalogue::Catalogue;
use crate::credential::{check_document, Credential};
use crate::encoding::Date;
use crate::error::Error;
use crate::fsutil;
use crate::holder_secret::HolderSecret;
use crate::keys::{IssuerPublicKey, KeyResolver};
use crate::presentation::{present, Presentation, PresentationRequest};

use seal::{
    derive_keys, Sealed, WalletKeys, HOLDER_SECRET_NAME, MAX_RECORD_FILE, MAX_WALLET_FILE,
    SALT_LEN, SEALED_RECORD_FORMAT, SEALED_RECORD_VERSION, WALLET_FILE_FORMAT, WALLET_FILE_VERSION,
    WALLET_ID_LEN,
};
pub use seal::{KdfParams, SealedRecord, WalletFile};

/// Format name of wallet entries (the plaintext of a sealed record).
pub const WALLET_ENTRY_FORMAT: &str = "zkcred-wallet-entry";
/// Version of the wallet entry format.
pub const WALLET_ENTRY_VERSION: u32 = 1;
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
fn legacy_entry(id: &str, data: &[u8]) -> Option<WalletEntry> {
    let e: WalletEntry = serde_json::from_slice(data).ok()?;
    (e.format == WALLET_ENTRY_FORMAT && e.version == WALLET_ENTRY_VERSION && e.id == id)
        .then_some(e)
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
    /// holds a file that is not a plain entry of the first format (nothing
    /// is written then); [`Error::Io`].
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
        // Plain entries of the first format, read before anything is written.
        let creds = dir.join(CREDENTIALS_DIR);
        let mut legacy = Vec::new();
        if creds.is_dir() {
            for id in ids_in(&creds)? {
                let path = creds.join(format!("{id}.json"));
                let data = read_capped(&path, MAX_RECORD_FILE, "wallet entry")?;
                if let Some(e) = legacy_entry(&id, &data) {
                    legacy.push((path, e));
                    continue;
                }
                let reason = if SealedRecord::from_json(&data).is_ok() {
                    "is a sealed entry without its wallet.json (an interrupted `init`, \
                     or part of another wallet): move it away first"
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
        let mut converted = Vec::new();
        for (path, mut entry) in legacy {
            let id = entry_id(&wallet.keys.entry_id, &entry.credential);
            entry.id.clone_from(&id);
            wallet.write_entry(&entry, rng)?;
            if path != wallet.path(&id) {
                converted.push(path);
            }
        }
        // The commit point: from here the wallet opens.
        fsutil::write_atomic(
            &wallet.dir.join(WALLET_FILE),
            file.to_json().as_bytes(),
            0o600,
        )?;
        for path in converted {
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(wallet)
    }

    /// Opens the wallet in `dir` with `passphrase`: reads and checks
    /// `wallet.json` ([`WalletFile::from_json`]), derives the keys (once,
    /// for the wallet's lifetime) and opens the holder secret. Writes
    /// nothing unless the passphrase is right; then creates
    /// `credentials/` if a copy lost the empty folder, and removes plain
    /// entries of the first format that an interrupted [`Wallet::init`]
    /// left beside their sealed copies.
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
        wallet.remove_converted_leftovers()?;
        Ok(wallet)
    }

    /// Removes plain first-format entries whose sealed copy is stored
    /// (best effort: a file it cannot read is left to [`Wallet::get`]).
    fn remove_converted_leftovers(&self) -> Result<(), Error> {
        for id in self.ids()? {
            let path = self.path(&id);
            let Ok(data) = read_capped(&path, MAX_RECORD_FILE, "wallet entry") else {
                continue;
            };
            let Some(old) = legacy_entry(&id, &data) else {
                continue;
            };
            let new_id = entry_id(&self.keys.entry_id, &old.credential);
            if new_id != id
                && self
                    .get(&new_id)
                    .is_ok_and(|e| e.credential == old.credential)
            {
                std::fs::remove_file(&path).map_err(|source| Error::Io {
                    path: path.display().to_string(),
                    source,
                })?;
            }
        }
        Ok(())
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

    /// Verifies `credential` with the trusted `keys` and stores it sealed
    /// (a fresh nonce from `rng`). Returns the entry identifier.
    ///
    /// # Errors
    /// As [`Credential::verify`]; [`Error::UnknownKey`];
    /// [`Error::AlreadyInWallet`] when the credential is stored already;
    /// [`Error::Io`] when the entry cannot be written.
    pub fn add(
        &self,
        catalogue: &Catalogue,
        keys: &impl KeyResolver,
        credential: Credential,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<String, Error> {
        credential.verify(catalogue, keys)?;
        let issuer_key = keys
            .resolve(&credential.issuer, &credential.key_id)
            .ok_or_else(|| Error::UnknownKey {
                issuer: credential.issuer.clone(),
                key_id: credential.key_id.clone(),
            })?
            .clone();
        let id = entry_id(&self.keys.entry_id, &credential);
        if self.path(&id).exists() {
            return Err(Error::AlreadyInWallet(id));
        }
        let entry = WalletEntry {
            format: WALLET_ENTRY_FORMAT.into(),
            version: WALLET_ENTRY_VERSION,
            id: id.clone(),
            credential,
            issuer_key,
        };
        self.write_entry(&entry, rng)?;
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
    /// credential; then as [`present`].
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
                        date_attr(a, "issue_date")
                            .cmp(&date_attr(b, "issue_date"))
                            .then_with(|| b.id.cmp(&a.id))
                    })
                    .cloned()
                    .ok_or_else(|| Error::NoMatchingCredential(rc.credential_type.clone()))?,
            };
            chosen.push(entry);
        }
        let pairs: Vec<(&Credential, &IssuerPublicKey)> = chosen
            .iter()
            .map(|e| (&e.credential, &e.issuer_key))
            .collect();
        present(catalogue, request, &pairs, now, rng)
    }
}
