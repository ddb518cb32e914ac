//! The verifiers' request keys and registrations: the service signs the
//! presentation requests it issues (`POST /v1/challenges`) for each
//! verifier that has one configured (`[[request_keys]]`, see
//! [`crate::http::config`]).
//!
//! At start every configured request key file (an Ed25519 secret key of
//! `zkcred verifier keygen`, mode 0600) and registration (`zkcred regulator
//! register`) is loaded and checked: the registration must be for the
//! configured verifier and name this key. A registration outside its period
//! is logged as an error but does not stop the service (wallets refuse that
//! verifier's requests until it is renewed). A verifier token without a
//! request key gets unsigned requests, which wallets refuse by default:
//! that is logged as a warning at start.
//!
//! The files are read again by [`RequestSigners::reload`] (the periodic
//! refresh of [`crate::coherence`], a `Change::RequestKeys`, `SIGHUP` to
//! `zkcred serve`): a verifier whose key or registration changed signs
//! with the new ones from then on. A reload that fails changes nothing (the
//! keys in use stay) and is logged; the configuration itself (which
//! verifiers, which files) is read at start only.
//!
//! When a challenge is issued under a policy, the request is signed only
//! if the verifier's registration holds exactly that policy document (same
//! id, version and content); otherwise the challenge is refused with
//! `registration_mismatch` (409), since every wallet would refuse the
//! request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use time::OffsetDateTime;
use zeroize::Zeroizing;
use zkcred_credential::presentation::{KeyRole, SecretSigningKey, VerifierRegistration};

use crate::http::auth::Role;
use crate::http::config::{RequestKeyConfig, TokenConfig};

/// Why a request key or registration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RequestKeyError {
    /// A file could not be read.
    #[error("request key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The secret key file is readable by group or others.
    #[error("request key file {path} must not be accessible by group or others (mode {mode:o})")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// A key or registration file that is not one, or that does not fit
    /// the configuration.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong (never key material).
        message: String,
    },
}

impl RequestKeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RequestKeyError::Io { .. } => "request_key_io",
            RequestKeyError::Permissions { .. } => "request_key_permissions",
            RequestKeyError::Invalid { .. } => "request_key_invalid",
        }
    }
}

/// One verifier's request key and registration.
#[derive(Debug)]
pub struct RequestSigner {
    /// The request key (zeroized on drop, never printed).
    pub key: SecretSigningKey,
    /// The registration embedded in every request.
    pub registration: VerifierRegistration,
}

/// The request signers, by verifier (replaced whole by a reload).
#[derive(Debug, Default)]
pub struct RequestSigners(RwLock<HashMap<String, Arc<RequestSigner>>>);

fn read(path: &Path) -> Result<Vec<u8>, RequestKeyError> {
    std::fs::read(path).map_err(|source| RequestKeyError::Io {
        path: path.to_owned(),
        source,
    })
}

fn read_key(path: &Path) -> Result<SecretSigningKey, RequestKeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| RequestKeyError::Io {
                path: path.to_owned(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(RequestKeyError::Permissions {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    let data = Zeroizing::new(read(path)?);
    SecretSigningKey::from_secret_json(KeyRole::Request, &data).map_err(|e| {
        RequestKeyError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        }
    })
}

impl RequestSigners {
    /// Loads and checks every configured request key and registration at
    /// `now` (see the module docs); warns about verifier tokens without one.
    ///
    /// # Errors
    /// [`RequestKeyError`] for a file that cannot be read, a key file
    /// others may read, a file that is not a request key or a registration,
    /// or a registration of another verifier or key.
    pub fn load(
        configs: &[RequestKeyConfig],
        tokens: &[TokenConfig],
        now: OffsetDateTime,
    ) -> Result<Self, RequestKeyError> {
        let mut map = HashMap::new();
        for c in configs {
            let signer = load_one(c)?;
            check_period(c, &signer.registration, now);
            tracing::info!(
                verifier = %c.verifier,
                request_key = %signer.key.public().key_id(),
                regulator_key = %signer.registration.regulator_key_id,
                policies = signer.registration.policies.len(),
                "requests are signed"
            );
            map.insert(c.verifier.clone(), Arc::new(signer));
        }
        let mut unsigned: Vec<&str> = tokens
            .iter()
            .filter(|t| t.role == Role::Verifier && !map.contains_key(&t.name))
            .map(|t| t.name.as_str())
            .collect();
        unsigned.sort_unstable();
        unsigned.dedup();
        for v in unsigned {
            tracing::warn!(
                verifier = %v,
                "no request key configured: this verifier's requests are UNSIGNED and wallets refuse them (add a [[request_keys]] entry)"
            );
        }
        Ok(RequestSigners(RwLock::new(map)))
    }

    /// The signer of `verifier`'s requests, if configured.
    pub fn get(&self, verifier: &str) -> Option<Arc<RequestSigner>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(verifier)
            .map(Arc::clone)
    }

    /// Reads the configured files again (of `only` that verifier, or of
    /// all) and checks them as at start; replaces the signers whose key or
    /// registration changed and returns their verifiers (sorted). All or
    /// nothing: when a file fails, no signer changes.
    ///
    /// # Errors
    /// As [`RequestSigners::load`].
    pub fn reload(
        &self,
        configs: &[RequestKeyConfig],
        only: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, RequestKeyError> {
        let fresh = configs
            .iter()
            .filter(|c| only.is_none_or(|v| v == c.verifier))
            .map(|c| Ok((c, load_one(c)?)))
            .collect::<Result<Vec<_>, RequestKeyError>>()?;
        let mut map = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let mut changed = Vec::new();
        for (c, signer) in fresh {
            let same = map.get(&c.verifier).is_some_and(|old| {
                old.key.public() == signer.key.public() && old.registration == signer.registration
            });
            if !same {
                check_period(c, &signer.registration, now);
                tracing::info!(
                    verifier = %c.verifier,
                    request_key = %signer.key.public().key_id(),
                    "request key or registration reloaded"
                );
                map.insert(c.verifier.clone(), Arc::new(signer));
                changed.push(c.verifier.clone());
            }
        }
        changed.sort_unstable();
        Ok(changed)
    }
}

/// Reads and checks one verifier's key and registration (see the module
/// docs).
fn load_one(c: &RequestKeyConfig) -> Result<RequestSigner, RequestKeyError> {
    let key = read_key(&c.key)?;
    let text = read(&c.registration)?;
    let invalid = |message: String| RequestKeyError::Invalid {
        path: c.registration.clone(),
        message,
    };
    let text = std::str::from_utf8(&text).map_err(|_| invalid("not UTF-8 text".into()))?;
    let registration = VerifierRegistration::from_json(text).map_err(|e| invalid(e.to_string()))?;
    if registration.verifier.id != c.verifier {
        return Err(invalid(format!(
            "the registration is for verifier {:?}, configured for {:?}",
            registration.verifier.id, c.verifier
        )));
    }
    if registration.request_key != key.public().to_hex() {
        return Err(invalid(format!(
            "the registration names another request key than {} ({})",
            key.public().key_id(),
            c.key.display()
        )));
    }
    Ok(RequestSigner { key, registration })
}

/// Logs a registration outside its period (it is still used).
fn check_period(c: &RequestKeyConfig, registration: &VerifierRegistration, now: OffsetDateTime) {
    if now >= registration.expires_at || now < registration.issued_at {
        tracing::error!(
            verifier = %c.verifier,
            registration = %c.registration.display(),
            "the verifier's registration is outside its period: wallets refuse its requests until the regulator renews it"
        );
    }
}
