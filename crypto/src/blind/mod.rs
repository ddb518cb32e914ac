//! Blind BBS signatures (IETF CFRG draft-irtf-cfrg-bbs-blind-signatures):
//! the holder commits to messages the issuer does not see, the issuer signs
//! its own messages and the commitment, and the holder proves knowledge of
//! the signature disclosing any of both kinds of message.
//!
//! # Revision followed
//! The draft's editor's copy whose test vectors the repository carries
//! (`crypto/tests/vectors/bbs-blind-signatures/`, the vectors zkryptium 0.8
//! ships; the "-02 era"), both ciphersuites. What pins it down, each point
//! checked against the vectors (`crypto/tests/blind_vectors.rs`):
//!
//! - `api_id = ciphersuite_id || "BLIND_H2G_HM2S_"` ([`api_id`]) scopes
//!   everything: generators, message mapping, domain, challenges and `e`.
//! - Signer generators `(Q_1, H_1 .. H_L) = create_generators(L + 1,
//!   api_id)`; commitment ("blind") generators `(J_0 .. J_M) =
//!   create_generators(M + 1, "BLIND_" || api_id)`, `J_0` the draft's
//!   `Q_2`.
//! - `commitment_with_proof = C || s^ || m^_1 .. m^_M || c` with `C = J_0 *
//!   secret_prover_blind + sum J_i * m_i` and the blind challenge
//!   `hash_to_scalar(I2OSP(M, 8) || J_0 .. J_M || C || Cbar, api_id ||
//!   "H2S_")` ([`CommitmentWithProof`]).
//! - `BlindSign`: `B = P1 + Q_1 * domain + sum H_i * msg_i + C`, the domain
//!   over all `L + M + 2` generators (its `L` is `L + M + 1`), `e =
//!   hash_to_scalar(SK || B, api_id || "H2S_")`. Without a commitment, `M =
//!   0`, `C` the identity, and the holder's blind is zero.
//! - The signature is a BBS signature over `messages || secret_prover_blind
//!   || committed_messages` with generators `Q_1, H_1 .. H_L, J_0 .. J_M`:
//!   `Verify`, `ProofGen` and `ProofVerify` are the BBS draft's core
//!   operations over that list ([`crate::bbs::MessageGenerators::Blind`],
//!   whose docs give the message index convention), committed message `j`
//!   at index `L + 1 + j`, the blind at `L` never disclosed.
//! - The vectors' mocked scalars use DSTs under the BBS `api_id` (see
//!   `blind::mocked`, feature `mocked-rng`).
//!
//! # Differences from the draft
//! - `e` hashes `SK || B` here as in the vectors; the BBS draft's own
//!   `CoreSign` hashes `SK || msg_1 .. msg_L || domain`. The vectors win.
//! - `BlindSign` takes a decoded [`CommitmentWithProof`] (or none) instead
//!   of octets: decoding happens at the edge
//!   ([`CommitmentWithProof::from_bytes`]), which also refuses an identity
//!   commitment and zero scalars in the proof. "No commitment" is `None`.
//! - The holder's `Verify` ([`blind_verify`]) computes `B` in constant time,
//!   since the blind and committed messages are secrets.
//! - `secret_prover_blind` is a [`SecretProverBlind`] (zeroized, redacted),
//!   not a bare scalar.
//!
//! # Interfaces
//! Octet-string messages mapped under the blind `api_id` ([`commit`],
//! [`blind_sign`], [`blind_verify`], [`blind_proof_gen`],
//! [`blind_proof_verify`]) and scalar messages ([`core`]), as in
//! [`crate::bbs`]. A blind credential proves through
//! [`crate::bbs::ProverCredential::new_blind`] and verifies through
//! [`crate::bbs::VerifierKey::proof_verify_with`], in batches
//! ([`crate::bbs::BatchItem::generators`]) and in composite proofs
//! ([`crate::composite::VerifierPart::generators`]) like any credential.

mod commitment;
#[cfg(feature = "mocked-rng")]
pub mod mocked;
mod proof;
mod sign;
mod verify;

use rand_core::{CryptoRng, RngCore};

pub(crate) use commitment::commit_with_scalars_for;
pub use commitment::{CommitmentWithProof, SecretProverBlind, COMMITMENT_BASE_LEN};
pub(crate) use proof::shape as blind_shape;
pub use proof::{blind_proof_gen, blind_proof_verify};
pub use sign::blind_sign;
pub use verify::blind_verify;

use crate::bbs::{check_count, MessageGenerators, Suite};
use crate::curve::Scalar;
use crate::Error;

/// The draft's core operations over messages that are already scalars
/// (under the blind list, see [`crate::bbs::MessageGenerators`]).
pub mod core {
    pub use super::commitment::commit;
    pub use super::sign::blind_sign_scalars as blind_sign;
    pub use super::verify::blind_verify_scalars as blind_verify;
}

/// The blind interface's `api_id`: `ciphersuite_id || "BLIND_H2G_HM2S_"`.
pub fn api_id(suite: Suite) -> &'static [u8] {
    suite.blind_api_id()
}

/// `messages_to_scalars` under the blind `api_id` (DST `api_id ||
/// "MAP_MSG_TO_SCALAR_AS_HASH_"`), for signer and committed messages alike.
pub fn messages_to_scalars<M: AsRef<[u8]>>(suite: Suite, messages: &[M]) -> Vec<Scalar> {
    let which = MessageGenerators::blind(0, 0);
    messages
        .iter()
        .map(|m| which.map_message_to_scalar(suite, m.as_ref()))
        .collect()
}

/// `Commit(committed_messages)` over octet strings mapped under the blind
/// `api_id`, with fresh randomness from `rng`: the `commitment_with_proof`
/// to send the issuer and the `secret_prover_blind` to keep.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`];
/// [`Error::IdentityPoint`] with negligible probability.
pub fn commit<M: AsRef<[u8]>, R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    committed_messages: &[M],
    rng: &mut R,
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let scalars = zeroize::Zeroizing::new(messages_to_scalars(suite, committed_messages));
    commitment::commit(suite, &scalars, rng)
}
