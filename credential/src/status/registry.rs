//! [`StatusRegistry`]: an issuer's licence status for one credential type:
//! the accumulator secret, the current epoch, and per issued credential its
//! revocation handle and status.
//!
//! # Files
//!
//! One registry per (issuer, credential type), in the issuer's key
//! directory ([`crate::keys::KeyStore`]):
//! `<keydir>/status/<issuer>/<credential_type>/` (mode 0700) holds
//!
//! | file | mode | holds |
//! | --- | --- | --- |
//! | `accumulator.secret.json` | 0600 | `format` `zkcred-status-secret-key`, `version` 1, `issuer`, `credential_type`, `accumulator_key` (96 octets hex), `secret_key` (32 octets hex) |
//! | `registry.json` | 0600 | `format` `zkcred-status-registry`, `version` 1, `issuer`, `credential_type`, `accumulator_key`, `epoch`, `value` (48 octets hex), `epoch_digest` (the current [`StatusEpoch`]'s digest, hex), `credentials`: per credential `credential_id`, `revocation_handle` (32 octets hex), `status` (code), `changed_at` (RFC 3339), `changed_epoch` |
//! | `published/epoch-<n>.json` | 0644 | every [`StatusEpoch`] so far |
//! | `published/update-<n>.json` | 0644 | every [`StatusUpdate`] so far, named by its `to_epoch` |
//! | `registry.lock` | 0600 | empty: the lock that serialises changes |
//!
//! Every operation that writes ([`StatusRegistry::init`],
//! [`StatusRegistry::register_issued`], [`StatusRegistry::change`]) holds
//! an exclusive lock on `registry.lock` (`flock` on Unix) while it works and
//! first reads `registry.json` again, so two issuer commands running at
//! once on one registry take turns, each building on the other's epoch and
//! credentials, instead of both making the same next epoch.
//! Every file is written atomically (temporary file, fsync, rename). A
//! change writes the update and epoch documents first and `registry.json`
//! last: that rename is the commit; an interruption before it leaves the
//! registry at the old epoch (the next change rewrites the documents of the
//! epoch it makes). The handles are kept 0600 with the secret: a handle is
//! published only when its credential's status changes.
//!
//! A credential's identifier is its `license_id` attribute (GB/T 36904,
//! present in every credential type's metadata and unique per licence; see
//! [`credential_id`]). The whole registry is rewritten on every change, so
//! its cost grows with the credentials it holds.
//!
//! # Operations
//!
//! * [`StatusRegistry::init`]: a fresh accumulator key, epoch 0 with a
//!   random starting value (`Accumulator::initial`), signed;
//! * [`StatusRegistry::register_issued`]: at issuance, records the
//!   credential's handle (valid) and returns its membership witness for the
//!   current epoch (`SecretKey::witness`); the value does not change;
//! * [`StatusRegistry::change`]: a batch of status changes as one new
//!   epoch: every change from valid to not valid removes the handle
//!   (`Change::Remove`), every reinstatement adds it back (`Change::Add`),
//!   changes between statuses that are not valid move nothing; one
//!   `SecretKey::update` makes the new value and the update.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;
use zkcred_crypto::accumulator::{Accumulator, Change, Element, PublicKey, SecretKey};

use crate::credential::{check_document, Credential};
use crate::error::Error;
use crate::fsutil;
use crate::keys::{check_identifier, IssuerKey};
use crate::status::epoch::{check_type, EpochContent};
use crate::status::{
    hex_array, LicenseStatus, StatusChange, StatusEpoch, StatusUpdate, StatusWitness,
};

/// Format name of the accumulator secret key file.
pub const STATUS_SECRET_FORMAT: &str = "zkcred-status-secret-key";
/// Format name of the registry file.
pub const STATUS_REGISTRY_FORMAT: &str = "zkcred-status-registry";
/// Version of both files.
pub const STATUS_REGISTRY_VERSION: u32 = 1;
/// The folder of registries in a key directory.
pub const STATUS_DIR: &str = "status";
/// The secret key file's name in a registry directory.
pub const SECRET_FILE: &str = "accumulator.secret.json";
/// The registry file's name in a registry directory.
pub const REGISTRY_FILE: &str = "registry.json";
/// The folder of published documents in a registry directory.
pub const PUBLISHED_DIR: &str = "published";
/// The lock file's name in a registry directory (see the module docs).
pub const LOCK_FILE: &str = "registry.lock";

/// The file name of epoch `n`'s [`StatusEpoch`] in a publication folder.
pub fn epoch_file_name(n: u64) -> String {
    format!("epoch-{n}.json")
}

/// The file name of the [`StatusUpdate`] leading to epoch `n` in a
/// publication folder.
pub fn update_file_name(n: u64) -> String {
    format!("update-{n}.json")
}

/// The identifier a status registry knows a credential by: its
/// `license_id` attribute (GB/T 36904).
///
/// # Errors
/// [`Error::Malformed`] (`what`: "credential") when the document has no
/// `license_id` string.
pub fn credential_id(credential: &Credential) -> Result<String, Error> {
    credential
        .attributes
        .get("license_id")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Malformed {
            what: "credential",
            reason: "it has no license_id to keep its status under".into(),
        })
}

/// One credential in the registry. `Debug` shows no handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The credential identifier ([`credential_id`]).
    pub credential_id: String,
    /// Its revocation handle (message 0, the accumulated element).
    pub handle: Element,
    /// Its status.
    pub status: LicenseStatus,
    /// When it was registered or its status last changed.
    pub changed_at: OffsetDateTime,
    /// The epoch from which that holds.
    pub changed_epoch: u64,
}

/// An issuer's status registry for one credential type, open (see the
/// module docs). Holds the accumulator secret (zeroized on drop); `Debug`
/// shows neither it nor any handle.
pub struct StatusRegistry {
    dir: PathBuf,
    issuer: String,
    credential_type: String,
    secret: SecretKey,
    public: PublicKey,
    epoch: u64,
    value: Accumulator,
    epoch_digest: [u8; 32],
    credentials: BTreeMap<String, RegistryEntry>,
}

impl fmt::Debug for StatusRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusRegistry")
            .field("dir", &self.dir)
            .field("issuer", &self.issuer)
            .field("credential_type", &self.credential_type)
            .field("epoch", &self.epoch)
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretFile<S> {
    format: String,
    version: u32,
    issuer: String,
    credential_type: String,
    accumulator_key: String,
    secret_key: S,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    credential_id: String,
    revocation_handle: String,
    status: LicenseStatus,
    #[serde(with = "time::serde::rfc3339")]
    changed_at: OffsetDateTime,
    changed_epoch: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    format: String,
    version: u32,
    issuer: String,
    credential_type: String,
    accumulator_key: String,
    epoch: u64,
    value: String,
    epoch_digest: String,
    credentials: Vec<EntryFile>,
}

fn json_err(what: &'static str) -> impl FnOnce(serde_json::Error) -> Error {
    move |source| Error::Json { what, source }
}

/// The registry file's content as [`StatusRegistry`] keeps it.
struct State {
    public: PublicKey,
    epoch: u64,
    value: Accumulator,
    epoch_digest: [u8; 32],
    credentials: BTreeMap<String, RegistryEntry>,
}

/// Takes the exclusive lock of the registry directory `dir` (creating it
/// and the lock file when missing), waiting while another process holds
/// it; dropping the file releases it.
fn lock_dir(dir: &Path) -> Result<std::fs::File, Error> {
    fsutil::create_private_dir(dir)?;
    let path = dir.join(LOCK_FILE);
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&path).map_err(io)?;
    file.lock().map_err(io)?;
    Ok(file)
}

/// Reads and checks `dir`'s registry file (see [`StatusRegistry::open`]).
fn read_state(dir: &Path, issuer: &str, credential_type: &str) -> Result<State, Error> {
    let path = dir.join(REGISTRY_FILE);
    if !path.is_file() {
        return Err(Error::NoStatusRegistry {
            issuer: issuer.to_owned(),
            credential_type: credential_type.to_owned(),
        });
    }
    let file: RegistryFile =
        serde_json::from_slice(&fsutil::read(&path)?).map_err(json_err("status registry"))?;
    check_document(
        STATUS_REGISTRY_FORMAT,
        STATUS_REGISTRY_VERSION,
        &file.format,
        file.version,
    )?;
    let malformed = |reason: String| Error::Malformed {
        what: "status registry",
        reason,
    };
    if file.issuer != issuer || file.credential_type != credential_type {
        return Err(malformed(format!(
            "{} holds the registry of {:?} / {:?}",
            path.display(),
            file.issuer.chars().take(128).collect::<String>(),
            file.credential_type.chars().take(64).collect::<String>()
        )));
    }
    let pk: [u8; 96] = hex_array("status registry accumulator_key", &file.accumulator_key)?;
    let public = PublicKey::from_bytes(&pk).map_err(|e| malformed(e.to_string()))?;
    let v: [u8; 48] = hex_array("status registry value", &file.value)?;
    let value = Accumulator::from_bytes(&v).map_err(|e| malformed(e.to_string()))?;
    let epoch_digest = hex_array("status registry epoch_digest", &file.epoch_digest)?;
    let mut credentials = BTreeMap::new();
    for e in file.credentials {
        let h: [u8; 32] = hex_array("status registry revocation_handle", &e.revocation_handle)?;
        let handle = Element::from_bytes(&h).map_err(|e| malformed(e.to_string()))?;
        let id = e.credential_id.clone();
        let entry = RegistryEntry {
            credential_id: e.credential_id,
            handle,
            status: e.status,
            changed_at: e.changed_at,
            changed_epoch: e.changed_epoch,
        };
        if credentials.insert(id.clone(), entry).is_some() {
            return Err(malformed(format!(
                "credential {:?} is listed twice",
                id.chars().take(128).collect::<String>()
            )));
        }
    }
    Ok(State {
        public,
        epoch: file.epoch,
        value,
        epoch_digest,
        credentials,
    })
}

/// Whole seconds: epochs and records carry no sub-second times.
fn seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

impl StatusRegistry {
    /// The registry directory of `issuer` and `credential_type` in the key
    /// directory `key_dir`.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`] for an issuer or type that is not an
    /// identifier (so no path can leave `key_dir`).
    pub fn dir_in(key_dir: &Path, issuer: &str, credential_type: &str) -> Result<PathBuf, Error> {
        check_identifier("issuer", issuer)?;
        check_type(credential_type)?;
        Ok(key_dir.join(STATUS_DIR).join(issuer).join(credential_type))
    }

    /// Whether `key_dir` holds a registry for `issuer` and
    /// `credential_type` (false for identifiers that are not valid).
    pub fn exists(key_dir: &Path, issuer: &str, credential_type: &str) -> bool {
        StatusRegistry::dir_in(key_dir, issuer, credential_type)
            .is_ok_and(|d| d.join(REGISTRY_FILE).is_file())
    }

    /// Creates the registry of `key`'s issuer for `credential_type` in
    /// `key_dir`: a fresh accumulator key, epoch 0 with a random value,
    /// signed by `key` at `now` and written to `published/`. Returns the
    /// registry and epoch 0.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`]; [`Error::StatusRegistryExists`] when
    /// the directory holds a registry or a secret key already (nothing is
    /// written); as [`StatusEpoch::sign`]; [`Error::Io`].
    pub fn init(
        key_dir: &Path,
        key: &IssuerKey,
        credential_type: &str,
        now: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(StatusRegistry, StatusEpoch), Error> {
        let issuer = key.public().issuer.clone();
        let dir = StatusRegistry::dir_in(key_dir, &issuer, credential_type)?;
        let _lock = lock_dir(&dir)?;
        if dir.join(REGISTRY_FILE).exists() || dir.join(SECRET_FILE).exists() {
            return Err(Error::StatusRegistryExists {
                issuer,
                credential_type: credential_type.to_owned(),
            });
        }
        let secret = SecretKey::random(rng);
        let public = secret.public_key();
        let value = Accumulator::initial(rng);
        let epoch0 = StatusEpoch::sign(
            key,
            EpochContent {
                credential_type: credential_type.to_owned(),
                accumulator_key: public.clone(),
                epoch: 0,
                value,
                published_at: seconds(now),
                previous: None,
                update_digest: None,
            },
        )?;
        let registry = StatusRegistry {
            dir,
            issuer,
            credential_type: credential_type.to_owned(),
            secret,
            public,
            epoch: 0,
            value,
            epoch_digest: epoch0.digest(),
            credentials: BTreeMap::new(),
        };
        fsutil::create_private_dir(&registry.dir.join(PUBLISHED_DIR))?;
        fsutil::write_atomic(
            &registry.dir.join(SECRET_FILE),
            &registry.secret_json(),
            0o600,
        )?;
        registry.write_published(&epoch0, None)?;
        registry.save()?;
        Ok((registry, epoch0))
    }

    /// Opens the registry of `issuer` and `credential_type` in `key_dir`.
    ///
    /// # Errors
    /// [`Error::InvalidIdentifier`]; [`Error::NoStatusRegistry`] when there
    /// is none; [`Error::Io`]; [`Error::InvalidSecretKey`] for a secret key
    /// file that does not parse or does not match the registry's public
    /// key; [`Error::Json`], [`Error::UnsupportedFormat`] or
    /// [`Error::Malformed`] for a registry file that does not parse or
    /// names another issuer or type, or the same credential twice.
    pub fn open(
        key_dir: &Path,
        issuer: &str,
        credential_type: &str,
    ) -> Result<StatusRegistry, Error> {
        let dir = StatusRegistry::dir_in(key_dir, issuer, credential_type)?;
        let State {
            public,
            epoch,
            value,
            epoch_digest,
            credentials,
        } = read_state(&dir, issuer, credential_type)?;
        let secret = read_secret(&dir.join(SECRET_FILE), issuer, credential_type, &public)?;
        Ok(StatusRegistry {
            dir,
            issuer: issuer.to_owned(),
            credential_type: credential_type.to_owned(),
            secret,
            public,
            epoch,
            value,
            epoch_digest,
            credentials,
        })
    }

    /// Takes the registry's lock and reads its file again, for an
    /// operation about to write (see the module docs); the lock holds until
    /// the returned file is dropped.
    fn lock_and_reload(&mut self) -> Result<std::fs::File, Error> {
        let lock = lock_dir(&self.dir)?;
        let state = read_state(&self.dir, &self.issuer, &self.credential_type)?;
        if state.public != self.public {
            return Err(Error::Malformed {
                what: "status registry",
                reason: "its accumulator key changed since it was opened".into(),
            });
        }
        self.epoch = state.epoch;
        self.value = state.value;
        self.epoch_digest = state.epoch_digest;
        self.credentials = state.credentials;
        Ok(lock)
    }

    /// The registry directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of the published documents (`published/`).
    pub fn published_dir(&self) -> PathBuf {
        self.dir.join(PUBLISHED_DIR)
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The credential type.
    pub fn credential_type(&self) -> &str {
        &self.credential_type
    }

    /// The current epoch number.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The current accumulator value.
    pub fn value(&self) -> &Accumulator {
        &self.value
    }

    /// The accumulator public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Every registered credential, ordered by identifier.
    pub fn entries(&self) -> impl Iterator<Item = &RegistryEntry> {
        self.credentials.values()
    }

    /// The credential `credential_id`, if registered.
    pub fn entry(&self, credential_id: &str) -> Option<&RegistryEntry> {
        self.credentials.get(credential_id)
    }

    /// The published epoch `n` (from `published/`).
    ///
    /// # Errors
    /// [`Error::Io`] when the file is missing; as [`StatusEpoch::from_json`].
    pub fn published_epoch(&self, n: u64) -> Result<StatusEpoch, Error> {
        let path = self.published_dir().join(epoch_file_name(n));
        let text = fsutil::read(&path)?;
        StatusEpoch::from_json(&String::from_utf8_lossy(&text))
    }

    /// The published update leading to epoch `n` (`n` ≥ 1).
    ///
    /// # Errors
    /// [`Error::Io`] when the file is missing; as [`StatusUpdate::from_json`].
    pub fn published_update(&self, n: u64) -> Result<StatusUpdate, Error> {
        let path = self.published_dir().join(update_file_name(n));
        let text = fsutil::read(&path)?;
        StatusUpdate::from_json(&String::from_utf8_lossy(&text))
    }

    /// The current epoch's signed document.
    ///
    /// # Errors
    /// As [`StatusRegistry::published_epoch`]; [`Error::Malformed`] when the
    /// published document is not the registry's current epoch.
    pub fn current_epoch(&self) -> Result<StatusEpoch, Error> {
        let e = self.published_epoch(self.epoch)?;
        if e.digest() != self.epoch_digest {
            return Err(Error::Malformed {
                what: "status registry",
                reason: format!(
                    "published/{} is not the registry's epoch {}",
                    epoch_file_name(self.epoch),
                    self.epoch
                ),
            });
        }
        Ok(e)
    }

    /// Records a credential just issued (valid from the current epoch, at
    /// `now`) and returns its membership witness for the current epoch, to
    /// go into the credential's `status` member. The registry file is
    /// read again under the registry's lock first (another process may have
    /// changed it) and written before this returns.
    ///
    /// # Errors
    /// [`Error::StatusIssuerMismatch`] for a credential of another issuer
    /// or type; as [`credential_id`]; [`Error::StatusCredentialExists`]
    /// when its identifier or handle is registered already;
    /// [`Error::Crypto`] for a handle that cannot be accumulated
    /// (negligible); [`Error::Io`]; as [`StatusRegistry::open`] for a
    /// registry file that no longer reads, or names another accumulator key.
    pub fn register_issued(
        &mut self,
        credential: &Credential,
        now: OffsetDateTime,
    ) -> Result<StatusWitness, Error> {
        if credential.issuer != self.issuer || credential.credential_type != self.credential_type {
            return Err(Error::StatusIssuerMismatch {
                expected: format!("{} / {}", self.issuer, self.credential_type),
                found: format!("{} / {}", credential.issuer, credential.credential_type),
            });
        }
        let id = credential_id(credential)?;
        let handle = credential.revocation_element();
        let _lock = self.lock_and_reload()?;
        if self.credentials.contains_key(&id) || self.entries().any(|e| e.handle == handle) {
            return Err(Error::StatusCredentialExists(id));
        }
        let witness = self
            .secret
            .witness(&self.value, &handle)
            .map_err(Error::Crypto)?;
        self.credentials.insert(
            id.clone(),
            RegistryEntry {
                credential_id: id.clone(),
                handle,
                status: LicenseStatus::Valid,
                changed_at: seconds(now),
                changed_epoch: self.epoch,
            },
        );
        if let Err(e) = self.save() {
            self.credentials.remove(&id);
            return Err(e);
        }
        Ok(StatusWitness {
            epoch: self.epoch,
            witness,
        })
    }

    /// Applies `changes` (credential identifier, new status) as one new
    /// epoch, signed by `key` at `now` (see the module docs): writes the
    /// update and the epoch to `published/`, then the registry. Returns
    /// the new epoch and the update leading to it. Nothing changes on an
    /// error.
    ///
    /// # Errors
    /// [`Error::StatusIssuerMismatch`] for a key of another issuer;
    /// [`Error::InvalidRequest`] for no changes, an identifier named
    /// twice, or `now` before the current epoch's `published_at` (a clock
    /// set back); as [`StatusRegistry::current_epoch`] when the current
    /// epoch's document is missing or is not the registry's;
    /// [`Error::UnknownStatusCredential`];
    /// [`Error::StatusTransition`] for a change the rules forbid;
    /// [`Error::Crypto`] from the accumulator (negligible);
    /// as [`StatusEpoch::sign`]; [`Error::Io`]; as
    /// [`StatusRegistry::open`] for a registry file that no longer reads, or
    /// names another accumulator key.
    pub fn change(
        &mut self,
        key: &IssuerKey,
        changes: &[(String, LicenseStatus)],
        now: OffsetDateTime,
    ) -> Result<(StatusEpoch, StatusUpdate), Error> {
        if key.public().issuer != self.issuer {
            return Err(Error::StatusIssuerMismatch {
                expected: self.issuer.clone(),
                found: key.public().issuer.clone(),
            });
        }
        if changes.is_empty() {
            return Err(Error::InvalidRequest("no status change given".into()));
        }
        let _lock = self.lock_and_reload()?;
        let current = self.current_epoch()?.content.published_at;
        if seconds(now) < current {
            return Err(Error::InvalidRequest(format!(
                "the clock ({}) is before the publication of the current epoch {} ({}): an \
                 epoch published earlier than its predecessor would be refused by verifiers; \
                 check the clock",
                seconds(now),
                self.epoch,
                current
            )));
        }
        let mut moves = Vec::new();
        let mut moved_statuses = Vec::new();
        let mut still = Vec::new();
        for (i, (id, to)) in changes.iter().enumerate() {
            if changes[..i].iter().any(|(other, _)| other == id) {
                return Err(Error::InvalidRequest(format!(
                    "licence {:?} is named twice in one change",
                    id.chars().take(128).collect::<String>()
                )));
            }
            let entry = self
                .credentials
                .get(id)
                .ok_or_else(|| Error::UnknownStatusCredential(id.chars().take(128).collect()))?;
            entry.status.check_transition(*to, id)?;
            let change = StatusChange {
                element: entry.handle.clone(),
                status: *to,
            };
            match (entry.status.is_valid(), to.is_valid()) {
                (true, false) => {
                    moves.push(Change::Remove(entry.handle.clone()));
                    moved_statuses.push(change);
                }
                (false, true) => {
                    moves.push(Change::Add(entry.handle.clone()));
                    moved_statuses.push(change);
                }
                _ => still.push(change),
            }
        }
        let next = self
            .epoch
            .checked_add(1)
            .ok_or_else(|| Error::InvalidRequest("the registry has no epoch number left".into()))?;
        let (value, update) = self
            .secret
            .update(&self.value, &moves)
            .map_err(Error::Crypto)?;
        moved_statuses.extend(still);
        let status_update = StatusUpdate::new(
            &self.issuer,
            &self.credential_type,
            self.epoch,
            update,
            moved_statuses,
        )?;
        let now = seconds(now);
        let epoch = StatusEpoch::sign(
            key,
            EpochContent {
                credential_type: self.credential_type.clone(),
                accumulator_key: self.public.clone(),
                epoch: next,
                value,
                published_at: now,
                previous: Some(self.epoch_digest),
                update_digest: Some(status_update.digest()),
            },
        )?;
        self.write_published(&epoch, Some(&status_update))?;
        let before = (
            self.epoch,
            self.value,
            self.epoch_digest,
            self.credentials.clone(),
        );
        self.epoch = next;
        self.value = value;
        self.epoch_digest = epoch.digest();
        for (id, to) in changes {
            if let Some(e) = self.credentials.get_mut(id) {
                e.status = *to;
                e.changed_at = now;
                e.changed_epoch = next;
            }
        }
        if let Err(e) = self.save() {
            (self.epoch, self.value, self.epoch_digest, self.credentials) = before;
            return Err(e);
        }
        Ok((epoch, status_update))
    }

    fn write_published(
        &self,
        epoch: &StatusEpoch,
        update: Option<&StatusUpdate>,
    ) -> Result<(), Error> {
        let dir = self.published_dir();
        fsutil::create_private_dir(&dir)?;
        if let Some(u) = update {
            fsutil::write_atomic(
                &dir.join(update_file_name(u.to_epoch)),
                u.to_json().as_bytes(),
                0o644,
            )?;
        }
        fsutil::write_atomic(
            &dir.join(epoch_file_name(epoch.epoch())),
            epoch.to_json().as_bytes(),
            0o644,
        )
    }

    fn secret_json(&self) -> Zeroizing<Vec<u8>> {
        let sk = self.secret.to_bytes();
        let sk_hex = Zeroizing::new(hex::encode(sk.as_ref()));
        let file = SecretFile::<&str> {
            format: STATUS_SECRET_FORMAT.into(),
            version: STATUS_REGISTRY_VERSION,
            issuer: self.issuer.clone(),
            credential_type: self.credential_type.clone(),
            accumulator_key: hex::encode(self.public.to_bytes()),
            secret_key: sk_hex.as_str(),
        };
        // Sized up front: the buffer holding the secret is never reallocated.
        let mut out = Zeroizing::new(Vec::with_capacity(4096));
        if serde_json::to_writer_pretty(&mut *out, &file).is_err() {
            out.clear();
        }
        out
    }

    fn save(&self) -> Result<(), Error> {
        let file = RegistryFile {
            format: STATUS_REGISTRY_FORMAT.into(),
            version: STATUS_REGISTRY_VERSION,
            issuer: self.issuer.clone(),
            credential_type: self.credential_type.clone(),
            accumulator_key: hex::encode(self.public.to_bytes()),
            epoch: self.epoch,
            value: hex::encode(self.value.to_bytes()),
            epoch_digest: hex::encode(self.epoch_digest),
            credentials: self
                .credentials
                .values()
                .map(|e| EntryFile {
                    credential_id: e.credential_id.clone(),
                    revocation_handle: hex::encode(e.handle.to_bytes()),
                    status: e.status,
                    changed_at: e.changed_at,
                    changed_epoch: e.changed_epoch,
                })
                .collect(),
        };
        let json =
            Zeroizing::new(serde_json::to_vec_pretty(&file).map_err(json_err("status registry"))?);
        fsutil::write_atomic(&self.dir.join(REGISTRY_FILE), &json, 0o600)
    }
}

fn read_secret(
    path: &Path,
    issuer: &str,
    credential_type: &str,
    public: &PublicKey,
) -> Result<SecretKey, Error> {
    let data = Zeroizing::new(fsutil::read(path)?);
    let file: SecretFile<String> = serde_json::from_slice(&data)
        .map_err(|_| Error::InvalidSecretKey("not an accumulator secret key file"))?;
    let sk_hex = Zeroizing::new(file.secret_key);
    check_document(
        STATUS_SECRET_FORMAT,
        STATUS_REGISTRY_VERSION,
        &file.format,
        file.version,
    )?;
    if file.issuer != issuer || file.credential_type != credential_type {
        return Err(Error::InvalidSecretKey(
            "the accumulator secret key file is another registry's",
        ));
    }
    let bytes = Zeroizing::new(
        hex::decode(sk_hex.as_bytes())
            .map_err(|_| Error::InvalidSecretKey("accumulator secret key is not hex"))?,
    );
    let secret = SecretKey::from_bytes(&bytes)
        .map_err(|_| Error::InvalidSecretKey("accumulator secret key is not a valid scalar"))?;
    if secret.public_key() != *public || file.accumulator_key != hex::encode(public.to_bytes()) {
        return Err(Error::InvalidSecretKey(
            "accumulator secret key does not match the registry's public key",
        ));
    }
    Ok(secret)
}
