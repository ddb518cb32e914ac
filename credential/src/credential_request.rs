//! The holder's request for a credential: a commitment to the wallet's
//! holder secret with a proof of knowledge (`Commit` of
//! draft-irtf-cfrg-bbs-blind-signatures), which the issuer signs blindly
//! ([`crate::issue_blind`]).
//!
//! ```json
//! { "format": "zkcred-credential-request", "version": 1,
//!   "suite": "BLS12-381-SHA-256", "commitment_with_proof": "<hex>" }
//! ```
//!
//! The commitment hides the holder secret perfectly (it is blinded by the
//! `secret_prover_blind` the wallet keeps); the proof shows that the holder
//! knows both openings, so nobody can ask for a credential bound to a
//! secret they do not know.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zkcred_crypto::bbs::Suite;
use zkcred_crypto::blind::{self, CommitmentWithProof, SecretProverBlind};

use crate::canonical::Canonical;
use crate::credential::check_document;
use crate::error::Error;
use crate::holder_secret::HolderSecret;
use crate::layout::COMMITTED_MESSAGES;

/// Format name of credential requests.
pub const CREDENTIAL_REQUEST_FORMAT: &str = "zkcred-credential-request";
/// Version of the credential request format.
pub const CREDENTIAL_REQUEST_VERSION: u32 = 1;
/// Longest accepted `commitment_with_proof` hex: one committed message is
/// `48 + 3 * 32` octets; the bound leaves room and stops oversized input
/// before decoding.
const MAX_COMMITMENT_HEX: usize = 2 * 1024;

/// A credential request (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// Always [`CREDENTIAL_REQUEST_FORMAT`].
    pub format: String,
    /// Always [`CREDENTIAL_REQUEST_VERSION`].
    pub version: u32,
    /// The ciphersuite of the issuer key the request is for.
    pub suite: String,
    /// The blind draft's `commitment_with_proof`, hex.
    pub commitment_with_proof: String,
}

impl CredentialRequest {
    /// Commits to `holder` for an issuer key of `suite`; returns the request
    /// and the `secret_prover_blind` the wallet keeps until the credential
    /// arrives.
    ///
    /// # Errors
    /// [`Error::Crypto`] (with negligible probability).
    pub fn new(
        suite: Suite,
        holder: &HolderSecret,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(CredentialRequest, SecretProverBlind), Error> {
        let (cwp, blind) =
            blind::core::commit(suite, std::slice::from_ref(holder.expose_scalar()), rng)
                .map_err(Error::Crypto)?;
        Ok((
            CredentialRequest {
                format: CREDENTIAL_REQUEST_FORMAT.into(),
                version: CREDENTIAL_REQUEST_VERSION,
                suite: suite.name().into(),
                commitment_with_proof: hex::encode(cwp.to_bytes()),
            },
            blind,
        ))
    }

    /// Parses a request document (checked by [`Self::commitment`]).
    ///
    /// # Errors
    /// [`Error::Json`].
    pub fn from_json(text: &str) -> Result<CredentialRequest, Error> {
        serde_json::from_str(text).map_err(|source| Error::Json {
            what: "credential request",
            source,
        })
    }

    /// The request document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The request's digest, which the issued credential carries as
    /// `commitment_digest`: `SHA-256(canonical("ZKCRED-CREDENTIAL-REQUEST-V1",
    /// suite, commitment_with_proof))`.
    pub fn digest(&self) -> [u8; 32] {
        let mut c = Canonical::new("ZKCRED-CREDENTIAL-REQUEST-V1");
        c.str(&self.suite)
            .str(&self.commitment_with_proof.to_ascii_lowercase());
        c.digest()
    }

    /// The issuer's checks: format and version, the suite of the signing
    /// key `suite`, a decodable commitment of exactly one committed message
    /// (the holder secret). The commitment's proof is verified by
    /// `BlindSign` itself.
    ///
    /// # Errors
    /// [`Error::UnsupportedFormat`]; [`Error::InvalidCredentialRequest`]
    /// naming what is wrong.
    pub fn commitment(&self, suite: Suite) -> Result<CommitmentWithProof, Error> {
        check_document(
            CREDENTIAL_REQUEST_FORMAT,
            CREDENTIAL_REQUEST_VERSION,
            &self.format,
            self.version,
        )?;
        let invalid = |m: String| Error::InvalidCredentialRequest(m);
        if Suite::from_name(&self.suite) != Some(suite) {
            return Err(invalid(format!(
                "the request is for suite {:?}, the issuer key signs with {}",
                self.suite.chars().take(64).collect::<String>(),
                suite.name()
            )));
        }
        if self.commitment_with_proof.len() > MAX_COMMITMENT_HEX {
            return Err(invalid("commitment_with_proof is too long".into()));
        }
        let bytes = crate::error::decode_hex("commitment_with_proof", &self.commitment_with_proof)?;
        let c = CommitmentWithProof::from_bytes(&bytes)
            .map_err(|e| invalid(format!("commitment_with_proof: {e}")))?;
        if c.committed_message_count() != COMMITTED_MESSAGES {
            return Err(invalid(format!(
                "the commitment must be to exactly {COMMITTED_MESSAGES} message (the holder secret), not {}",
                c.committed_message_count()
            )));
        }
        Ok(c)
    }
}
