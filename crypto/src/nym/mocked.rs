//! The pseudonym draft's mocked random scalars, to reproduce its test
//! vectors (feature `mocked-rng`).
//!
//! **For conformance testing only.** These scalars are a public function of
//! a public seed: a commitment or proof made with them hides nothing.
//!
//! The vectors draw them as the blind-signatures vectors do
//! ([`crate::blind::mocked`]): `seeded_random_scalars(SEED, count)` under
//! the BBS `api_id` (not the pseudonym one), with DST `api_id ||
//! "COMMIT_MOCK_RANDOM_SCALARS_DST_"` for `CommitWithNym` (`M + N + 2`
//! scalars: `secret_prover_blind, s~, m~_1 .. m~_{M+N}`) and `api_id ||
//! "PROOF_MOCK_RANDOM_SCALARS_DST_"` for `ProofGenWithNym` (`5 + U`
//! scalars, the BBS draft's order; the last `N` blind the nym secrets).

use zeroize::Zeroizing;

use super::commit::commit_with_nym_with_scalars;
use super::proof::{proof_gen_with_nym_with_scalars, random_scalar_count};
use super::{messages_to_scalars, NymSecrets, Pseudonym};
use crate::bbs::mocked::mocked_random_scalars_with_dst;
use crate::bbs::{check_count, Proof, PublicKey, Signature, Suite};
use crate::blind::mocked::{commit_dst, proof_dst};
use crate::blind::{CommitmentWithProof, SecretProverBlind};
use crate::curve::Scalar;
use crate::Error;

/// `CommitWithNym` over octet-string committed messages (mapped under the
/// pseudonym `api_id`) with the random scalars given: `(secret_prover_blind,
/// s~, m~_1 .. m~_{M+N})`. Never use for a real commitment.
///
/// # Errors
/// [`Error::InvalidLength`] unless `M + N + 2` scalars;
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`].
pub fn commit_with_nym_with_random_scalars<M: AsRef<[u8]>>(
    suite: Suite,
    committed_messages: &[M],
    prover_nyms: &NymSecrets,
    random: &[Scalar],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let scalars = Zeroizing::new(messages_to_scalars(suite, committed_messages));
    commit_with_nym_with_scalars(suite, &scalars, prover_nyms, random)
}

/// `CommitWithNym` with the draft's mocked scalars from `seed` (`M + N +
/// 2` of them under [`commit_dst`]). Never use for a real commitment.
///
/// # Errors
/// As [`commit_with_nym_with_random_scalars`].
pub fn commit_with_nym_mocked<M: AsRef<[u8]>>(
    suite: Suite,
    committed_messages: &[M],
    prover_nyms: &NymSecrets,
    seed: &[u8],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let count = committed_messages.len() + prover_nyms.len() + 2;
    let random = Zeroizing::new(mocked_random_scalars_with_dst(
        suite,
        seed,
        &commit_dst(suite),
        count,
    )?);
    commit_with_nym_with_random_scalars(suite, committed_messages, prover_nyms, &random)
}

/// `ProofGenWithNym` over octet strings with the random scalars given,
/// `(r1, r2, e~, r1~, r3~, m~_j1 .. m~_jU)`: a vector's
/// `trace.random_scalars`. Never use for a real presentation.
///
/// # Errors
/// As [`super::proof_gen_with_nym`]; [`Error::InvalidLength`] unless `5 +
/// U` scalars.
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_with_nym_with_random_scalars<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    nym_secrets: &NymSecrets,
    context_id: &[u8],
    messages: &[M],
    committed_messages: &[M],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    random: &[Scalar],
) -> Result<(Proof, Pseudonym), Error> {
    check_count(messages.len())?;
    check_count(committed_messages.len())?;
    proof_gen_with_nym_with_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        nym_secrets,
        context_id,
        &messages_to_scalars(suite, messages),
        &Zeroizing::new(messages_to_scalars(suite, committed_messages)),
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        random,
    )
}

/// `ProofGenWithNym` with the draft's mocked scalars from `seed` (`5 + U`
/// of them under [`proof_dst`], `U = L + 1 + M + N - R`). Never use for a
/// real presentation.
///
/// # Errors
/// As [`proof_gen_with_nym_with_random_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_with_nym_mocked<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    nym_secrets: &NymSecrets,
    context_id: &[u8],
    messages: &[M],
    committed_messages: &[M],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    seed: &[u8],
) -> Result<(Proof, Pseudonym), Error> {
    let count = random_scalar_count(
        messages.len(),
        committed_messages.len(),
        nym_secrets.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let random = mocked_random_scalars_with_dst(suite, seed, &proof_dst(suite), count)?;
    proof_gen_with_nym_with_random_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        nym_secrets,
        context_id,
        messages,
        committed_messages,
        disclosed_indexes,
        disclosed_commitment_indexes,
        secret_prover_blind,
        &random,
    )
}
