//! The blind-signatures draft's mocked random scalars, to reproduce its
//! test vectors (feature `mocked-rng`).
//!
//! **For conformance testing only.** These scalars are a public function of
//! a public seed: a commitment or proof made with them hides nothing.
//!
//! The vectors draw them with `seeded_random_scalars(SEED, count)`
//! ([`crate::bbs::mocked::mocked_random_scalars_with_dst`]) under two DSTs
//! scoped to the BBS `api_id` (not the blind one):
//! `api_id || "COMMIT_MOCK_RANDOM_SCALARS_DST_"` for `Commit` (`M + 2`
//! scalars: `secret_prover_blind, s~, m~_1 .. m~_M`) and `api_id ||
//! "PROOF_MOCK_RANDOM_SCALARS_DST_"` for `ProofGen` (`5 + U` scalars, the
//! BBS draft's order).

use super::commitment::commit_with_scalars;
use super::proof::{blind_proof_gen_with_scalars, shape};
use super::{messages_to_scalars, CommitmentWithProof, SecretProverBlind};
use crate::bbs::mocked::mocked_random_scalars_with_dst;
use crate::bbs::{check_count, Proof, PublicKey, Signature, Suite};
use crate::curve::Scalar;
use crate::Error;

/// `api_id || "COMMIT_MOCK_RANDOM_SCALARS_DST_"`: the DST of the mocked
/// scalars of `Commit`.
pub fn commit_dst(suite: Suite) -> Vec<u8> {
    suite.dst(b"COMMIT_MOCK_RANDOM_SCALARS_DST_")
}

/// `api_id || "PROOF_MOCK_RANDOM_SCALARS_DST_"`: the DST of the mocked
/// scalars of the blind `ProofGen`.
pub fn proof_dst(suite: Suite) -> Vec<u8> {
    suite.dst(b"PROOF_MOCK_RANDOM_SCALARS_DST_")
}

/// `Commit` over octet-string committed messages (mapped under the blind
/// `api_id`) with the random scalars given: `(secret_prover_blind, s~,
/// m~_1 .. m~_M)`. Never use for a real commitment.
///
/// # Errors
/// [`Error::InvalidLength`] unless `M + 2` scalars;
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`].
pub fn commit_with_random_scalars<M: AsRef<[u8]>>(
    suite: Suite,
    committed_messages: &[M],
    random: &[Scalar],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    commit_with_scalars(
        suite,
        &messages_to_scalars(suite, committed_messages),
        random,
    )
}

/// `Commit` with the draft's mocked scalars from `seed` (`M + 2` of them
/// under [`commit_dst`]). Never use for a real commitment.
///
/// # Errors
/// As [`commit_with_random_scalars`].
pub fn commit_mocked<M: AsRef<[u8]>>(
    suite: Suite,
    committed_messages: &[M],
    seed: &[u8],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let random = mocked_random_scalars_with_dst(
        suite,
        seed,
        &commit_dst(suite),
        committed_messages.len() + 2,
    )?;
    commit_with_random_scalars(suite, committed_messages, &random)
}

/// The blind `ProofGen` over octet strings with the random scalars given,
/// `(r1, r2, e~, r1~, r3~, m~_j1 .. m~_jU)`: a vector's
/// `trace.random_scalars`. Never use for a real presentation.
///
/// # Errors
/// As [`super::blind_proof_gen`]; [`Error::InvalidLength`] unless `5 + U`
/// scalars.
#[allow(clippy::too_many_arguments)]
pub fn blind_proof_gen_with_random_scalars<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[M],
    committed_messages: &[M],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    random: &[Scalar],
) -> Result<Proof, Error> {
    blind_proof_gen_with_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        messages,
        committed_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        random,
    )
}

/// The blind `ProofGen` with the draft's mocked scalars from `seed` (`5 +
/// U` of them under [`proof_dst`], `U = L + 1 + M - R`). Never use for a
/// real presentation.
///
/// # Errors
/// As [`blind_proof_gen_with_random_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn blind_proof_gen_mocked<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[M],
    committed_messages: &[M],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    seed: &[u8],
) -> Result<Proof, Error> {
    // Checked first so that the scalar count below cannot underflow.
    let s = shape(
        messages.len(),
        committed_messages.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let total = s.which.message_count().unwrap_or(0);
    let count = 5 + total - s.disclosed.len();
    let random = mocked_random_scalars_with_dst(suite, seed, &proof_dst(suite), count)?;
    blind_proof_gen_with_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        messages,
        committed_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        &random,
    )
}
