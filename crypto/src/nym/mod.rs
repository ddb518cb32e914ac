//! Pseudonyms: BBS per-verifier linkability (IETF CFRG
//! draft-irtf-cfrg-bbs-per-verifier-linkability), on top of blind
//! signatures ([`crate::blind`]).
//!
//! A holder proves possession of a credential to a verifier and shows a
//! *pseudonym*: the same every time it presents to that verifier (the
//! verifier can link its own presentations, e.g. to recognise a returning
//! user or limit use), different and unlinkable at every other verifier.
//! The pseudonym comes from *nym secrets* that the issuer signed without
//! seeing them, and the proof shows that it does.
//!
//! # Revision followed
//! The draft's editor's copy of June 2026 (the -03 era text), in which a
//! pseudonym comes from a *vector* of nym secrets; its test vectors
//! (`crypto/tests/vectors/bbs-pseudonyms/`, the same as zkryptium 0.8
//! ships) are reproduced byte for byte, both suites
//! (`crypto/tests/nym_vectors.rs`), and zkryptium 0.8's `bbsplus_nym`
//! interoperates in both directions (`crypto/tests/cross_zkryptium_nym.rs`).
//!
//! # Construction
//! - `api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"` ([`api_id`]) scopes
//!   everything: the signer's generators `(Q_1, H_1 .. H_L)`, the commitment
//!   generators `(J_0 .. J_{M+N}) = create_generators(M + N + 1, "BLIND_" ||
//!   api_id)`, message mapping, domain, challenges, `e` and the context
//!   point. The operations are the blind draft's over
//!   [`crate::bbs::MessageGenerators::Nym`]: message index `L` is
//!   `secret_prover_blind`, `L + 1 .. L + M` the committed messages and
//!   `L + M + 1 .. L + M + N` the nym secrets, never disclosed.
//! - **Commit** ([`commit_with_nym`]): the blind draft's commitment with
//!   proof over `committed_messages || prover_nyms` (the holder's random
//!   share of the nym secrets).
//! - **Issue** ([`blind_sign_with_nym`]): the issuer checks the
//!   commitment's proof and signs as the blind draft does, adding `J_{M+N}
//!   * signer_nym_entropy` to `B` (its share lands on the *last* nym) and
//!   signing the header `header || I2OSP(N, 8)`.
//! - **Finalize** ([`verify_finalize_with_nym`]): the holder's
//!   `nym_secrets` are its `prover_nyms` with `signer_nym_entropy` added to
//!   the last one, and the signature must verify over them.
//! - **Pseudonym** ([`pseudonym_of`]): with the context point `OP =
//!   hash_to_curve_g1(context_id, api_id)` ([`context_point`]) and `z =
//!   hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")`, `pseudonym =
//!   OP * (s_0 + s_1 z + .. + s_{N-1} z^(N-1))`; with one nym secret,
//!   `OP * s_0`.
//! - **Prove / verify** ([`proof_gen_with_nym`], [`proof_verify_with_nym`]):
//!   a BBS proof over the credential's messages whose blindings of the nym
//!   secrets (the last `N` of `m~`) also blind the pseudonym's polynomial:
//!   `Ut = OP * poly(m~)`; the verifier recomputes `Uv = OP * poly(m^) -
//!   pseudonym * c` from the last `N` responses. The challenge is the BBS
//!   one with `pseudonym || Ut` after `T2` and `I2OSP(len(context_id), 8)
//!   || context_id` after the presentation header, under `api_id ||
//!   "H2S_"`.
//!
//! # Differences from the draft text
//! - Octets are decoded at the edge: `BlindSignWithNym` takes a decoded
//!   [`crate::blind::CommitmentWithProof`] and the verifier a decoded
//!   [`Pseudonym`] (refusing the identity, points off the subgroup and
//!   wrong lengths).
//! - A commitment is required (the pseudonym needs the holder's nyms in
//!   it), `N` is at least 1 and at most the commitment's response count.
//! - Secrets are types: [`NymSecrets`] (both `prover_nyms` and
//!   `nym_secrets`) and [`SignerNymEntropy`] are zeroized, compared in
//!   constant time and never printed; the holder's computations with them
//!   are constant time.
//! - The vectors' mocked random scalars use DSTs under the BBS `api_id`,
//!   as the blind draft's do (module `mocked`, feature `mocked-rng`).
//!
//! # Interfaces
//! Octet-string messages mapped under the pseudonym `api_id` (the functions
//! here) and message scalars ([`core`]). [`context_point`] and
//! [`pseudonym_of`] stand alone, for protocols (such as composite proofs)
//! that prove a pseudonym of their own holder secret.

mod commit;
#[cfg(feature = "mocked-rng")]
pub mod mocked;
mod proof;
mod pseudonym;
mod secrets;
mod sign;
mod verify;

pub use commit::commit_with_nym;
pub use proof::{proof_gen_with_nym, proof_verify_with_nym};
pub use pseudonym::{api_id, context_point, pseudonym_of, Pseudonym, PSEUDONYM_LEN};
pub use secrets::{NymSecrets, SignerNymEntropy};
pub use sign::blind_sign_with_nym;
pub use verify::verify_finalize_with_nym;

use crate::bbs::{MessageGenerators, Suite};
use crate::blind::CommitmentWithProof;
use crate::curve::Scalar;
use crate::Error;

/// The draft's operations over message scalars (scalar-encoded values, or
/// octets mapped with [`messages_to_scalars`]).
pub mod core {
    pub use super::commit::commit_with_nym_scalars as commit_with_nym;
    pub use super::proof::proof_gen_with_nym_scalars as proof_gen_with_nym;
    pub use super::proof::proof_verify_with_nym_prepared;
    pub use super::proof::proof_verify_with_nym_scalars as proof_verify_with_nym;
    pub use super::sign::blind_sign_with_nym_scalars as blind_sign_with_nym;
    pub use super::verify::verify_finalize_with_nym_scalars as verify_finalize_with_nym;
}

/// `messages_to_scalars` under the pseudonym `api_id` (DST `api_id ||
/// "MAP_MSG_TO_SCALAR_AS_HASH_"`), for signer and committed messages alike.
pub fn messages_to_scalars<M: AsRef<[u8]>>(suite: Suite, messages: &[M]) -> Vec<Scalar> {
    messages
        .iter()
        .map(|m| map_message_to_scalar(suite, m.as_ref()))
        .collect()
}

/// One message mapped under the pseudonym `api_id`.
pub fn map_message_to_scalar(suite: Suite, msg: &[u8]) -> Scalar {
    MessageGenerators::nym(0, 0, 1).map_message_to_scalar(suite, msg)
}

/// The issuer's check of a `commitment_with_proof` made with
/// [`commit_with_nym`]: its proof of knowledge under the pseudonym
/// interface's generators `J_0 .. J_{M+N}` and `api_id` (the split between
/// committed messages and nyms does not enter it).
/// [`blind_sign_with_nym`] runs it too. Variable time (public data).
///
/// # Errors
/// [`Error::InvalidCommitmentProof`] when the proof does not verify (a
/// commitment of the blind-signatures interface, another suite, or a
/// forgery).
pub fn verify_commitment(
    suite: Suite,
    commitment_with_proof: &CommitmentWithProof,
) -> Result<(), Error> {
    let which = MessageGenerators::nym(0, commitment_with_proof.committed_message_count(), 0);
    commitment_with_proof.verify_for(suite, which)
}

/// `header || I2OSP(N, 8)`: the header the signature and proofs bind, so
/// that the length of the nym vector is signed.
pub(crate) fn combined_header(header: &[u8], nym_count: usize) -> Vec<u8> {
    [header, &(nym_count as u64).to_be_bytes()].concat()
}

/// Checks a nym secret count `N`: at least one, at most
/// [`crate::bbs::MAX_MESSAGES`].
pub(crate) fn check_nym_count(n: usize) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::InvalidLength {
            what: "nym secrets",
            expected: 1,
            got: 0,
        });
    }
    crate::bbs::check_count(n)
}
