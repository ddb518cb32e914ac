//! A holder's local wallet: a directory of verified credentials.
//!
//! Layout: `<dir>/` (mode 0700) holds `credentials/<id>.json` (mode 0600,
//! written atomically), each a [`WalletEntry`]: the credential and the issuer
//! public key it was verified with (needed later to derive proofs). An entry's
//! identifier is the first 16 hex characters of
//! `SHA-256(canonical("ZKCRED-WALLET-ENTRY-V1", signature octets))`.
//!
//! Entries hold the credential's reserved slot values, which are holder
//! secrets: the files are private to the user.

use std::path::{Path, PathBuf};

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::canonical::Canonical;
use crate::catalogue::Catalogue;
use crate::credential::{check_document, Credential};
use crate::encoding::Date;
use crate::error::Error;
use crate::fsutil;
use crate::keys::{IssuerPublicKey, KeyResolver};
use crate::presentation::{present, Presentation, PresentationRequest};

/// Format name of wallet entries.
pub const WALLET_ENTRY_FORMAT: &str = "zkcred-wallet-entry";
/// Version of the wallet entry format.
pub const WALLET_ENTRY_VERSION: u32 = 1;

/// One stored credential.
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

/// A wallet directory.
#[derive(Debug, Clone)]
pub struct Wallet {
    dir: PathBuf,
}

fn entry_id(credential: &Credential) -> String {
    let sig = hex::decode(&credential.signature).unwrap_or_default();
    let d = Canonical::new("ZKCRED-WALLET-ENTRY-V1")
        .bytes(&sig)
        .digest();
    hex::encode(&d[..8])
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
    /// Opens (creating if needed, mode 0700) a wallet directory.
    ///
    /// # Errors
    /// [`Error::Io`] when the directories cannot be created or made private.
    pub fn open(dir: impl AsRef<Path>) -> Result<Wallet, Error> {
        let dir = dir.as_ref().to_path_buf();
        fsutil::create_private_dir(&dir)?;
        fsutil::create_private_dir(&dir.join("credentials"))?;
        Ok(Wallet { dir })
    }

    /// The wallet directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join("credentials").join(format!("{id}.json"))
    }

    /// Verifies `credential` with the trusted `keys` and stores it. Returns
    /// the entry identifier.
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
    ) -> Result<String, Error> {
        credential.verify(catalogue, keys)?;
        let issuer_key = keys
            .resolve(&credential.issuer, &credential.key_id)
            .ok_or_else(|| Error::UnknownKey {
                issuer: credential.issuer.clone(),
                key_id: credential.key_id.clone(),
            })?
            .clone();
        let id = entry_id(&credential);
        let path = self.path(&id);
        if path.exists() {
            return Err(Error::AlreadyInWallet(id));
        }
        let entry = WalletEntry {
            format: WALLET_ENTRY_FORMAT.into(),
            version: WALLET_ENTRY_VERSION,
            id: id.clone(),
            credential,
            issuer_key,
        };
        let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&entry).unwrap_or_default());
        fsutil::write_atomic(&path, &json, 0o600)?;
        Ok(id)
    }

    /// The entry `id`.
    ///
    /// # Errors
    /// [`Error::NotInWallet`] for a malformed or absent identifier, [`Error::Io`],
    /// [`Error::Json`] or [`Error::UnsupportedFormat`] for an unreadable entry
    /// file.
    pub fn get(&self, id: &str) -> Result<WalletEntry, Error> {
        if !is_entry_id(id) {
            return Err(Error::NotInWallet(id.chars().take(64).collect()));
        }
        let path = self.path(id);
        if !path.exists() {
            return Err(Error::NotInWallet(id.to_owned()));
        }
        let data = zeroize::Zeroizing::new(fsutil::read(&path)?);
        let entry: WalletEntry = serde_json::from_slice(&data).map_err(|source| Error::Json {
            what: "wallet entry",
            source,
        })?;
        check_document(
            WALLET_ENTRY_FORMAT,
            WALLET_ENTRY_VERSION,
            &entry.format,
            entry.version,
        )?;
        if entry.id != id {
            return Err(Error::NotInWallet(id.to_owned()));
        }
        Ok(entry)
    }

    /// Removes the entry `id`.
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
    /// [`Error::Io`] when the directory cannot be read; as [`Wallet::get`] for
    /// each entry.
    pub fn entries(&self) -> Result<Vec<WalletEntry>, Error> {
        let dir = self.dir.join("credentials");
        let rd = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let mut ids = Vec::new();
        for e in rd {
            let e = e.map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".json") {
                if is_entry_id(id) {
                    ids.push(id.to_owned());
                }
            }
        }
        ids.sort();
        ids.iter().map(|id| self.get(id)).collect()
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
