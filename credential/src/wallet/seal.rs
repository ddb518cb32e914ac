//! The wallet at rest: the wallet file, sealed records, key derivation.
//!
//! # Wallet file (`wallet.json`)
//!
//! ```json
//! {
//!   "format": "zkcred-wallet", "version": 1,
//!   "wallet_id": "<16 octets hex>",
//!   "kdf": { "algorithm": "argon2id", "argon2_version": 19, "memory_kib": 65536,
//!            "iterations": 3, "parallelism": 4, "salt": "<16 octets hex>" },
//!   "holder_secret": { "nonce": "<24 octets hex>", "ciphertext": "<48 octets hex>" }
//! }
//! ```
//!
//! # Sealed record (`credentials/<id>.json`)
//!
//! ```json
//! { "format": "zkcred-wallet-record", "version": 1,
//!   "nonce": "<24 octets hex>", "ciphertext": "<hex>" }
//! ```
//!
//! # Keys and sealing
//!
//! `Argon2id(passphrase, salt, m, t, p)` (RFC 9106, version 0x13) gives 64
//! octets: the first 32 are the sealing key, the last 32 the entry-naming
//! key. Each sealed value is `XChaCha20-Poly1305(key, nonce, plaintext, ad)`
//! (draft-irtf-cfrg-xchacha, RFC 8439's AEAD with a 24-octet nonce) with a
//! fresh random nonce per write and the associated data
//! `canonical("ZKCRED-WALLET-SEAL-V1", format, u32 version, wallet_id, name)`
//! ([`crate::canonical`]): `format`/`version` those of the file holding the
//! sealed value, `name` `"holder_secret"` for the wallet file and
//! `"credentials/<id>"` for an entry. A sealed value therefore opens only
//! in the file, wallet and place it was written for. The holder secret's
//! plaintext is its 32-octet big-endian encoding; an entry's is the
//! [`super::WalletEntry`] JSON.
//!
//! The decoders here parse untrusted files: they refuse unknown fields,
//! other formats and versions, wrong lengths and out-of-range KDF
//! parameters (which would otherwise let a file ask for any amount of
//! memory) before any key is derived.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::canonical::Canonical;
use crate::credential::check_document;
use crate::error::{decode_hex, Error};

/// Format name of the wallet file.
pub const WALLET_FILE_FORMAT: &str = "zkcred-wallet";
/// Version of the wallet file format.
pub const WALLET_FILE_VERSION: u32 = 1;
/// Format name of a sealed record (one wallet entry).
pub const SEALED_RECORD_FORMAT: &str = "zkcred-wallet-record";
/// Version of the sealed record format.
pub const SEALED_RECORD_VERSION: u32 = 1;

/// The KDF algorithm name in the wallet file.
pub const KDF_ALGORITHM: &str = "argon2id";
/// The Argon2 version in the wallet file (0x13, RFC 9106).
pub const ARGON2_VERSION: u32 = 0x13;
/// Length of the KDF salt (octets).
pub const SALT_LEN: usize = 16;
/// Length of the wallet identifier (octets).
pub const WALLET_ID_LEN: usize = 16;
/// Length of an XChaCha20-Poly1305 nonce (octets).
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag (octets).
pub const TAG_LEN: usize = 16;

/// Domain tag of the associated data.
const AD_TAG: &str = "ZKCRED-WALLET-SEAL-V1";
/// The record name of the holder secret in the wallet file.
pub(crate) const HOLDER_SECRET_NAME: &str = "holder_secret";

/// Argon2id cost parameters (RFC 9106, section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory `m`, in KiB (1024 octets).
    pub memory_kib: u32,
    /// Passes `t`.
    pub iterations: u32,
    /// Lanes `p`.
    pub parallelism: u32,
}

impl KdfParams {
    /// The default: RFC 9106, section 4, second recommended option
    /// ("uniformly safe" when much less memory than 2 GiB is available):
    /// m = 64 MiB, t = 3, p = 4. The lanes are computed one after the other
    /// here (no threads), so p = 4 costs the holder the same time as p = 1
    /// and an attacker the same memory and work per guess.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };
    /// Smallest memory accepted (8 MiB), for tests and weak devices; the
    /// default stays memory-hard.
    pub const MIN_MEMORY_KIB: u32 = 8 * 1024;
    /// Largest memory accepted (4 GiB): a wallet file cannot make the
    /// holder's device allocate more.
    pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
    /// Largest number of passes accepted.
    pub const MAX_ITERATIONS: u32 = 64;
    /// Largest number of lanes accepted.
    pub const MAX_PARALLELISM: u32 = 16;

    /// The default parameters with `mib` MiB of memory.
    ///
    /// # Errors
    /// As [`KdfParams::check`].
    pub fn with_memory_mib(mib: u32) -> Result<KdfParams, Error> {
        let p = KdfParams {
            memory_kib: mib.saturating_mul(1024),
            ..KdfParams::DEFAULT
        };
        p.check()?;
        Ok(p)
    }

    /// Checks the parameters against the bounds above (memory
    /// [`MIN_MEMORY_KIB`](Self::MIN_MEMORY_KIB) to
    /// [`MAX_MEMORY_KIB`](Self::MAX_MEMORY_KIB), 1 to
    /// [`MAX_ITERATIONS`](Self::MAX_ITERATIONS) passes, 1 to
    /// [`MAX_PARALLELISM`](Self::MAX_PARALLELISM) lanes).
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what`: "wallet KDF parameters") naming the
    /// parameter out of range.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |reason: String| {
            Err(Error::Malformed {
                what: "wallet KDF parameters",
                reason,
            })
        };
        if !(Self::MIN_MEMORY_KIB..=Self::MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return bad(format!(
                "memory {} KiB is outside {} KiB (8 MiB) to {} KiB (4 GiB)",
                self.memory_kib,
                Self::MIN_MEMORY_KIB,
                Self::MAX_MEMORY_KIB
            ));
        }
        if !(1..=Self::MAX_ITERATIONS).contains(&self.iterations) {
            return bad(format!(
                "{} passes is outside 1 to {}",
                self.iterations,
                Self::MAX_ITERATIONS
            ));
        }
        if !(1..=Self::MAX_PARALLELISM).contains(&self.parallelism) {
            return bad(format!(
                "{} lanes is outside 1 to {}",
                self.parallelism,
                Self::MAX_PARALLELISM
            ));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

/// The two keys derived from the passphrase (zeroized on drop).
pub(crate) struct WalletKeys {
    /// XChaCha20-Poly1305 key of every sealed value.
    pub(crate) seal: Zeroizing<[u8; 32]>,
    /// HMAC-SHA-256 key naming entries.
    pub(crate) entry_id: Zeroizing<[u8; 32]>,
}

/// `Argon2id(passphrase, salt)` under `kdf`, split into the two keys.
///
/// # Errors
/// As [`KdfParams::check`]; [`Error::Malformed`] if Argon2 refuses its
/// inputs (a passphrase longer than 2^32 − 1 octets).
pub(crate) fn derive_keys(
    passphrase: &[u8],
    kdf: &KdfParams,
    salt: &[u8; SALT_LEN],
) -> Result<WalletKeys, Error> {
    kdf.check()?;
    let failed = |e: argon2::Error| Error::Malformed {
        what: "wallet KDF parameters",
        reason: e.to_string(),
    };
    let params =
        Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(64)).map_err(failed)?;
    let mut out = Zeroizing::new([0u8; 64]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, salt, &mut out[..])
        .map_err(failed)?;
    let mut keys = WalletKeys {
        seal: Zeroizing::new([0u8; 32]),
        entry_id: Zeroizing::new([0u8; 32]),
    };
    keys.seal.copy_from_slice(&out[..32]);
    keys.entry_id.copy_from_slice(&out[32..]);
    Ok(keys)
}

/// The associated data of a sealed value (see the module docs).
fn associated_data(format: &str, version: u32, wallet_id: &[u8], name: &str) -> Vec<u8> {
    Canonical::new(AD_TAG)
        .str(format)
        .u32(version)
        .bytes(wallet_id)
        .str(name)
        .finish()
}

/// A nonce and the ciphertext (with its tag) of one sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The random nonce ([`NONCE_LEN`] octets).
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the 16-octet tag.
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// Seals `plaintext` for `name` in a file of `format`/`version` of
    /// wallet `wallet_id`, with a fresh nonce from `rng`.
    pub(crate) fn seal(
        key: &[u8; 32],
        (format, version): (&str, u32),
        wallet_id: &[u8],
        name: &str,
        plaintext: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Sealed, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let aad = associated_data(format, version, wallet_id, name);
        let ciphertext = XChaCha20Poly1305::new(key.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // Only a plaintext beyond the cipher's 256 GiB limit fails.
            .map_err(|_| Error::Malformed {
                what: "wallet record",
                reason: "too large to seal".into(),
            })?;
        Ok(Sealed { nonce, ciphertext })
    }

    /// Opens the value sealed for `name` (as [`Sealed::seal`]); `None` when
    /// the tag does not verify: another key (passphrase), another wallet,
    /// file or name, or altered octets.
    pub(crate) fn open(
        &self,
        key: &[u8; 32],
        (format, version): (&str, u32),
        wallet_id: &[u8],
        name: &str,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let aad = associated_data(format, version, wallet_id, name);
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                XNonce::from_slice(&self.nonce),
                Payload {
                    msg: &self.ciphertext,
                    aad: &aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }

    fn from_hex(what: &'static str, nonce: &str, ciphertext: &str) -> Result<Sealed, Error> {
        let nonce = fixed::<NONCE_LEN>(what, "nonce", nonce)?;
        let ciphertext = decode_hex(what, ciphertext)?;
        if ciphertext.len() < TAG_LEN {
            return Err(Error::Malformed {
                what,
                reason: "ciphertext shorter than its tag".into(),
            });
        }
        Ok(Sealed { nonce, ciphertext })
    }

    fn to_json(&self) -> SealedJson {
        SealedJson {
            nonce: hex::encode(self.nonce),
            ciphertext: hex::encode(&self.ciphertext),
        }
    }
}

/// Exactly `N` octets of hex in field `field`.
fn fixed<const N: usize>(what: &'static str, field: &str, text: &str) -> Result<[u8; N], Error> {
    let v = decode_hex(what, text)?;
    v.try_into().map_err(|_| Error::Malformed {
        what,
        reason: format!("{field} is not {N} octets"),
    })
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedJson {
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    algorithm: String,
    argon2_version: u32,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletFileJson {
    format: String,
    version: u32,
    wallet_id: String,
    kdf: KdfJson,
    holder_secret: SealedJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedRecordJson {
    format: String,
    version: u32,
    nonce: String,
    ciphertext: String,
}

/// The decoded wallet file (see the module docs). Holds no secret in the
/// clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletFile {
    /// The wallet's random identifier, bound into every sealed value.
    pub wallet_id: [u8; WALLET_ID_LEN],
    /// Argon2id parameters.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; SALT_LEN],
    /// The sealed holder secret (32 octets of plaintext).
    pub holder_secret: Sealed,
}

/// Largest wallet file read (it is a few hundred octets).
pub const MAX_WALLET_FILE: usize = 64 * 1024;
/// Largest sealed record read (16 MiB).
pub const MAX_RECORD_FILE: usize = 16 << 20;

impl WalletFile {
    /// Parses and checks a wallet file: format and version, a 16-octet
    /// identifier, `argon2id` version 19 with parameters within
    /// [`KdfParams::check`], a 16-octet salt, a 24-octet nonce and a
    /// ciphertext of 32 + 16 octets; unknown fields are refused.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what`: "wallet file") for more than
    /// [`MAX_WALLET_FILE`] octets and for the checks above,
    /// [`Error::Json`], [`Error::UnsupportedFormat`].
    pub fn from_json(data: &[u8]) -> Result<WalletFile, Error> {
        const WHAT: &str = "wallet file";
        let malformed = |reason: String| Error::Malformed { what: WHAT, reason };
        if data.len() > MAX_WALLET_FILE {
            return Err(malformed(format!("larger than {MAX_WALLET_FILE} octets")));
        }
        let j: WalletFileJson =
            serde_json::from_slice(data).map_err(|source| Error::Json { what: WHAT, source })?;
        check_document(
            WALLET_FILE_FORMAT,
            WALLET_FILE_VERSION,
            &j.format,
            j.version,
        )?;
        let wallet_id = fixed::<WALLET_ID_LEN>(WHAT, "wallet_id", &j.wallet_id)?;
        if j.kdf.algorithm != KDF_ALGORITHM || j.kdf.argon2_version != ARGON2_VERSION {
            return Err(malformed(format!(
                "KDF {:?} version {} (expected {KDF_ALGORITHM} version {ARGON2_VERSION})",
                j.kdf.algorithm.chars().take(32).collect::<String>(),
                j.kdf.argon2_version
            )));
        }
        let kdf = KdfParams {
            memory_kib: j.kdf.memory_kib,
            iterations: j.kdf.iterations,
            parallelism: j.kdf.parallelism,
        };
        kdf.check()?;
        let salt = fixed::<SALT_LEN>(WHAT, "salt", &j.kdf.salt)?;
        let holder_secret =
            Sealed::from_hex(WHAT, &j.holder_secret.nonce, &j.holder_secret.ciphertext)?;
        if holder_secret.ciphertext.len() != 32 + TAG_LEN {
            return Err(malformed(
                "the sealed holder secret is not 48 octets".into(),
            ));
        }
        Ok(WalletFile {
            wallet_id,
            kdf,
            salt,
            holder_secret,
        })
    }

    /// The file's JSON (pretty-printed).
    pub fn to_json(&self) -> String {
        let j = WalletFileJson {
            format: WALLET_FILE_FORMAT.into(),
            version: WALLET_FILE_VERSION,
            wallet_id: hex::encode(self.wallet_id),
            kdf: KdfJson {
                algorithm: KDF_ALGORITHM.into(),
                argon2_version: ARGON2_VERSION,
                memory_kib: self.kdf.memory_kib,
                iterations: self.kdf.iterations,
                parallelism: self.kdf.parallelism,
                salt: hex::encode(self.salt),
            },
            holder_secret: self.holder_secret.to_json(),
        };
        serde_json::to_string_pretty(&j).unwrap_or_default()
    }
}

/// A decoded sealed record: one wallet entry, encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord(pub Sealed);

impl SealedRecord {
    /// Parses a sealed record: format and version, a 24-octet nonce, a
    /// ciphertext of at least the 16-octet tag; unknown fields are refused.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what`: "wallet record") for more than
    /// [`MAX_RECORD_FILE`] octets and for the checks above,
    /// [`Error::Json`], [`Error::UnsupportedFormat`].
    pub fn from_json(data: &[u8]) -> Result<SealedRecord, Error> {
        const WHAT: &str = "wallet record";
        if data.len() > MAX_RECORD_FILE {
            return Err(Error::Malformed {
                what: WHAT,
                reason: format!("larger than {MAX_RECORD_FILE} octets"),
            });
        }
        let j: SealedRecordJson =
            serde_json::from_slice(data).map_err(|source| Error::Json { what: WHAT, source })?;
        check_document(
            SEALED_RECORD_FORMAT,
            SEALED_RECORD_VERSION,
            &j.format,
            j.version,
        )?;
        Ok(SealedRecord(Sealed::from_hex(
            WHAT,
            &j.nonce,
            &j.ciphertext,
        )?))
    }

    /// The record's JSON (one line).
    pub fn to_json(&self) -> String {
        let s = self.0.to_json();
        let j = SealedRecordJson {
            format: SEALED_RECORD_FORMAT.into(),
            version: SEALED_RECORD_VERSION,
            nonce: s.nonce,
            ciphertext: s.ciphertext,
        };
        serde_json::to_string(&j).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const SMALL: KdfParams = KdfParams {
        memory_kib: KdfParams::MIN_MEMORY_KIB,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn derivation_depends_on_every_input() {
        let salt = [2u8; SALT_LEN];
        let a = derive_keys(b"passphrase", &SMALL, &salt).unwrap();
        let b = derive_keys(b"passphrase", &SMALL, &salt).unwrap();
        assert_eq!(*a.seal, *b.seal);
        assert_eq!(*a.entry_id, *b.entry_id);
        assert_ne!(*a.seal, *a.entry_id);
        let other_pass = derive_keys(b"passphrasf", &SMALL, &salt).unwrap();
        let other_salt = derive_keys(b"passphrase", &SMALL, &[3u8; SALT_LEN]).unwrap();
        let other_cost = derive_keys(
            b"passphrase",
            &KdfParams {
                iterations: 2,
                ..SMALL
            },
            &salt,
        )
        .unwrap();
        for k in [other_pass, other_salt, other_cost] {
            assert_ne!(*k.seal, *a.seal);
        }
    }

    #[test]
    fn sealed_values_open_only_where_they_were_sealed() {
        let mut rng = StdRng::seed_from_u64(1);
        let key = [7u8; 32];
        let id = [9u8; WALLET_ID_LEN];
        let fv = (SEALED_RECORD_FORMAT, SEALED_RECORD_VERSION);
        let s = Sealed::seal(&key, fv, &id, "credentials/a", b"hello", &mut rng).unwrap();
        assert_eq!(s.ciphertext.len(), 5 + TAG_LEN);
        assert_eq!(
            &s.open(&key, fv, &id, "credentials/a").unwrap()[..],
            b"hello"
        );
        assert!(s.open(&[8u8; 32], fv, &id, "credentials/a").is_none());
        assert!(s.open(&key, fv, &[0u8; 16], "credentials/a").is_none());
        assert!(s.open(&key, fv, &id, "credentials/b").is_none());
        assert!(s
            .open(
                &key,
                (WALLET_FILE_FORMAT, WALLET_FILE_VERSION),
                &id,
                "credentials/a"
            )
            .is_none());
        assert!(s
            .open(&key, (SEALED_RECORD_FORMAT, 2), &id, "credentials/a")
            .is_none());
        let mut t = s.clone();
        t.ciphertext[0] ^= 1;
        assert!(t.open(&key, fv, &id, "credentials/a").is_none());
        // A fresh nonce per seal.
        let s2 = Sealed::seal(&key, fv, &id, "credentials/a", b"hello", &mut rng).unwrap();
        assert_ne!(s2.nonce, s.nonce);
        assert_ne!(s2.ciphertext, s.ciphertext);
    }

    #[test]
    fn decoders_round_trip_and_refuse_what_is_off() {
        let mut rng = StdRng::seed_from_u64(2);
        let sealed = Sealed::seal(
            &[1u8; 32],
            (WALLET_FILE_FORMAT, WALLET_FILE_VERSION),
            &[0u8; 16],
            HOLDER_SECRET_NAME,
            &[5u8; 32],
            &mut rng,
        )
        .unwrap();
        let f = WalletFile {
            wallet_id: [4u8; WALLET_ID_LEN],
            kdf: KdfParams::DEFAULT,
            salt: [6u8; SALT_LEN],
            holder_secret: sealed.clone(),
        };
        let text = f.to_json();
        assert_eq!(WalletFile::from_json(text.as_bytes()).unwrap(), f);
        let r = SealedRecord(sealed);
        assert_eq!(SealedRecord::from_json(r.to_json().as_bytes()).unwrap(), r);

        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let edit = |path: &[&str], value: serde_json::Value| {
            let mut v = v.clone();
            let mut at = &mut v;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = value;
            WalletFile::from_json(v.to_string().as_bytes())
        };
        use serde_json::json;
        for (path, value) in [
            (&["format"][..], json!("zkcred-wallet-record")),
            (&["version"], json!(2)),
            (&["wallet_id"], json!("00")),
            (&["kdf", "algorithm"], json!("argon2i")),
            (&["kdf", "argon2_version"], json!(16)),
            (&["kdf", "memory_kib"], json!(1024)),
            (&["kdf", "memory_kib"], json!(u32::MAX)),
            (&["kdf", "iterations"], json!(0)),
            (&["kdf", "iterations"], json!(1000)),
            (&["kdf", "parallelism"], json!(0)),
            (&["kdf", "parallelism"], json!(17)),
            (&["kdf", "salt"], json!("00")),
            (&["kdf", "extra"], json!(1)),
            (&["holder_secret", "nonce"], json!("00")),
            (&["holder_secret", "ciphertext"], json!("00")),
            (&["holder_secret", "ciphertext"], json!("0x00")),
            (&["extra"], json!(true)),
        ] {
            assert!(edit(path, value.clone()).is_err(), "{path:?} = {value}");
        }
        assert!(WalletFile::from_json(&vec![b' '; MAX_WALLET_FILE + 1]).is_err());
        assert!(SealedRecord::from_json(b"{}").is_err());
        assert!(SealedRecord::from_json(
            br#"{"format":"zkcred-wallet-record","version":1,"nonce":"00","ciphertext":""}"#
        )
        .is_err());
    }
}
