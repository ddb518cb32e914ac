//! [`StatusWitness`]: the status section of a credential document, the
//! holder's membership witness for one epoch of its issuer's status
//! accumulator.
//!
//! # Shape
//!
//! ```json
//! "status": { "epoch": 12, "witness": "<48 octets hex: compressed G1>" }
//! ```
//!
//! An optional member of the credential document: credentials of a type
//! for which the issuer keeps no status registry, and documents made before
//! status existed, have none. The issuer sets it at issuance (the witness
//! `C = V / (y + alpha)` of the credential's revocation handle `y` for the
//! current epoch's value `V`); the wallet keeps it current
//! ([`crate::wallet::Wallet::sync`]). The witness is unique to the
//! credential: it is never logged, and `Debug` shows only the epoch.

use std::fmt;

use serde::{Deserialize, Serialize};
use zkcred_crypto::accumulator::Witness;

use crate::error::Error;
use crate::status::hex_array;

/// A credential's membership witness and the epoch it is for (see the
/// module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StatusWitness {
    /// The epoch whose accumulator value the witness is for.
    pub epoch: u64,
    /// The membership witness `C`.
    pub witness: Witness,
}

impl fmt::Debug for StatusWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusWitness")
            .field("epoch", &self.epoch)
            .field("witness", &"<redacted>")
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusWitnessJson {
    epoch: u64,
    witness: String,
}

impl StatusWitness {
    /// Decodes the witness octets.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what`: "status witness") unless 48 octets of
    /// hex encoding a valid, non-identity G1 point.
    pub fn parse(epoch: u64, witness_hex: &str) -> Result<StatusWitness, Error> {
        let bytes: [u8; 48] = hex_array("status witness", witness_hex)?;
        let witness = Witness::from_bytes(&bytes).map_err(|e| Error::Malformed {
            what: "status witness",
            reason: e.to_string(),
        })?;
        Ok(StatusWitness { epoch, witness })
    }
}

impl Serialize for StatusWitness {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StatusWitnessJson {
            epoch: self.epoch,
            witness: hex::encode(self.witness.to_bytes()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StatusWitness {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = StatusWitnessJson::deserialize(d)?;
        StatusWitness::parse(j.epoch, &j.witness).map_err(serde::de::Error::custom)
    }
}
