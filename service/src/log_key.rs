//! The log's Ed25519 signing key on disk.
//!
//! The key is kept as a file of 64 hex digits (the 32-byte seed of
//! [`LogSigningKey::from_seed`]) created with mode 0600 and never
//! overwritten; loading refuses a file that group or others can read. The
//! seed is zeroized after use and the key on drop. The key itself, and
//! everything it signs, is `zkcred-translog`'s; only the file is kept here,
//! so the log crate stays free of I/O.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;
use zeroize::Zeroizing;
use zkcred_translog::record::now_timestamp;
use zkcred_translog::LogSigningKey;

use crate::storage::{LogKeyRecord, Storage};

/// Errors of the log key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The key file could not be read or written.
    #[error("log key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file is readable by group or others.
    #[error("log key file {path} must not be accessible by group or others (mode {mode:o})")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The key file does not hold 64 hex digits.
    #[error("log key file {path} is malformed")]
    Malformed {
        /// The file.
        path: PathBuf,
    },
    /// The key file is missing but the database has signed tree heads.
    #[error(
        "log key file {path} does not exist, but the database has signed tree heads \
         (signed by log key {expected}); fix the log_key path, or set \
         log_key_rotate = true to start a new key"
    )]
    Missing {
        /// The file.
        path: PathBuf,
        /// Hex public key that signed the latest head, or `unknown`.
        expected: String,
    },
    /// The key file holds a key that did not sign the latest stored head.
    #[error(
        "log key file {path} holds key {found}, but the database's latest tree head \
         was signed by log key {expected}; fix the log_key path, or set \
         log_key_rotate = true to rotate to this key"
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// Hex public key in the file.
        found: String,
        /// Hex public key that signed the latest head, or `unknown`.
        expected: String,
    },
}

impl KeyFileError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyFileError::Io { .. } => "log_key_io",
            KeyFileError::Permissions { .. } => "log_key_permissions",
            KeyFileError::Malformed { .. } => "log_key_malformed",
            KeyFileError::Missing { .. } => "log_key_missing",
            KeyFileError::Mismatch { .. } => "log_key_mismatch",
        }
    }
}

/// Loads the key at `path`.
///
/// # Errors
/// [`KeyFileError::Permissions`] if group or others may access the file
/// (Unix), [`KeyFileError::Malformed`] if it does not hold 64 hex digits
/// (a trailing newline is allowed), [`KeyFileError::Io`] if it cannot be
/// read.
pub fn load(path: &Path) -> Result<LogSigningKey, KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    check_private(path)?;
    let text = Zeroizing::new(fs::read_to_string(path).map_err(io)?);
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim_end(), &mut seed[..]).map_err(|_| KeyFileError::Malformed {
        path: path.to_owned(),
    })?;
    Ok(LogSigningKey::from_seed(&seed))
}

/// Loads the key at `path`, or generates one from the operating system's
/// random generator and writes it there (mode 0600) if the file does not
/// exist.
///
/// The file is written beside its final name, synced, and linked into
/// place without replacing anything, so a crash leaves no partial key and
/// two processes racing end up with the same key.
///
/// # Errors
/// Those of [`load`] for an existing file; [`KeyFileError::Io`] if the new
/// file cannot be written.
pub fn load_or_generate(path: &Path) -> Result<LogSigningKey, KeyFileError> {
    match fs::symlink_metadata(path) {
        Ok(_) => return load(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(KeyFileError::Io {
                path: path.to_owned(),
                source,
            })
        }
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut seed[..]);
    let key = LogSigningKey::from_seed(&seed);
    let text = Zeroizing::new(format!("{}\n", hex::encode(&seed[..])));
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    let result = (|| {
        let mut f = create_private(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    let _ = fs::remove_file(&tmp);
    match result {
        Ok(()) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
            }
            Ok(key)
        }
        // Someone else created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load(path),
        Err(e) => Err(io(e)),
    }
}

/// The log key for the database behind `storage`, checked against what
/// the database says (defect 7 of issue 12): returns the key and whether
/// this start rotates to it.
///
/// - No signed head stored: the key is loaded or generated (as
///   [`load_or_generate`]) and recorded as the log's key if it is not the
///   last recorded one.
/// - Signed heads stored: the file must exist and its key must verify the
///   latest head ([`KeyFileError::Missing`], [`KeyFileError::Mismatch`]
///   otherwise, naming the key that signed it when the history knows it),
///   unless `rotate`: then a missing file gets a new key, and a rotation
///   (old key, new key, tree size, time) is recorded. The caller then
///   signs a head with the new key at once.
///
/// # Errors
/// Those above, those of [`load_or_generate`], and storage errors.
pub fn open_for_log<S: Storage + ?Sized>(
    path: &Path,
    storage: &S,
    rotate: bool,
) -> Result<(LogSigningKey, bool), crate::Error> {
    let latest = storage.latest_tree_head()?;
    let history = storage.log_keys()?;
    let recorded = history.last().map(|k| k.public_key);
    let signer = latest.as_ref().and_then(|h| {
        history
            .iter()
            .rev()
            .map(|k| k.public_key)
            .find(|pk| pk.verify(h).is_ok())
    });
    let expected = || signer.map_or_else(|| "unknown".to_owned(), |k| k.to_hex());
    let exists = match fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => {
            return Err(KeyFileError::Io {
                path: path.to_owned(),
                source,
            }
            .into())
        }
    };
    if latest.is_some() && !exists && !rotate {
        return Err(KeyFileError::Missing {
            path: path.to_owned(),
            expected: expected(),
        }
        .into());
    }
    let key = load_or_generate(path)?;
    let pk = key.public_key();
    let size = storage.disclosure_count()?;
    let record = |from_tree_size, previous| {
        storage.add_log_key(&LogKeyRecord {
            public_key: pk,
            from_tree_size,
            added_at: now_timestamp(),
            previous,
        })
    };
    match &latest {
        None => {
            if recorded != Some(pk) {
                record(size, recorded)?;
            }
            Ok((key, false))
        }
        Some(head) if pk.verify(head).is_ok() => {
            if recorded != Some(pk) {
                // A database from before the key history: this key signed
                // its heads.
                record(0, recorded)?;
            }
            Ok((key, false))
        }
        Some(_) if !rotate => Err(KeyFileError::Mismatch {
            path: path.to_owned(),
            found: pk.to_hex(),
            expected: expected(),
        }
        .into()),
        Some(_) => {
            tracing::warn!(
                old = %expected(),
                new = %pk.to_hex(),
                tree_size = size,
                "rotating the disclosure log key"
            );
            record(size, signer.or(recorded))?;
            Ok((key, true))
        }
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path).map_err(|source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), KeyFileError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn key_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.key");
        let k1 = load_or_generate(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let k2 = load_or_generate(&path).unwrap();
        assert_eq!(k1.public_key(), k2.public_key());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );

        // The file holds the seed the key was made from.
        let text = fs::read_to_string(&path).unwrap();
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text.trim_end(), &mut seed).unwrap();
        assert_eq!(
            LogSigningKey::from_seed(&seed).public_key(),
            k1.public_key()
        );

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(&path).unwrap_err();
        assert_eq!(e.code(), "log_key_permissions");

        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(&path, "not hex\n").unwrap();
        assert_eq!(load(&path).unwrap_err().code(), "log_key_malformed");

        let missing = dir.path().join("absent.key");
        assert_eq!(load(&missing).unwrap_err().code(), "log_key_io");
    }
}
