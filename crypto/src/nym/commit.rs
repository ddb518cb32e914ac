//! The holder's commitment: `CommitWithNym` (the pseudonym draft's
//! "Commitment"): the blind draft's commitment with proof over the
//! committed messages followed by the `prover_nyms`, under the pseudonym
//! interface's `"BLIND_" || api_id` generators and `api_id || "H2S_"`.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::{messages_to_scalars, NymSecrets};
use crate::bbs::{check_count, MessageGenerators, Suite};
use crate::blind::{commit_with_scalars_for, CommitmentWithProof, SecretProverBlind};
use crate::curve::Scalar;
use crate::Error;

/// `committed_messages || prover_nyms` and the list they are committed
/// under: `(J_0 .. J_{M+N})`, `J_0` for `secret_prover_blind`.
fn committed(
    committed_messages: &[Scalar],
    prover_nyms: &NymSecrets,
) -> Result<(MessageGenerators, Zeroizing<Vec<Scalar>>), Error> {
    check_count(committed_messages.len())?;
    let which = MessageGenerators::nym(0, committed_messages.len(), prover_nyms.len());
    let mut all = Zeroizing::new(Vec::with_capacity(
        committed_messages.len() + prover_nyms.len(),
    ));
    all.extend_from_slice(committed_messages);
    all.extend_from_slice(prover_nyms.as_scalars());
    check_count(all.len())?;
    Ok((which, all))
}

/// `CommitWithNym(committed_messages, prover_nyms)` over octet-string
/// committed messages (mapped under the pseudonym `api_id`, see
/// [`super::messages_to_scalars`]), with fresh randomness from `rng`: the
/// `commitment_with_proof` to send the issuer (with `N =
/// prover_nyms.len()`) and the `secret_prover_blind` to keep.
///
/// # Errors
/// As [`commit_with_nym_scalars`].
pub fn commit_with_nym<M: AsRef<[u8]>, R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    committed_messages: &[M],
    prover_nyms: &NymSecrets,
    rng: &mut R,
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let scalars = Zeroizing::new(messages_to_scalars(suite, committed_messages));
    commit_with_nym_scalars(suite, &scalars, prover_nyms, rng)
}

/// `CommitWithNym` over committed message scalars: `C = J_0 *
/// secret_prover_blind + sum J_i * m_i + sum J_{M+k} * prover_nym_k` with
/// its proof of knowledge; constant time in every secret.
///
/// # Errors
/// [`Error::TooManyMessages`] when `M + N` passes
/// [`crate::bbs::MAX_MESSAGES`]; [`Error::IdentityPoint`] with negligible
/// probability.
pub fn commit_with_nym_scalars<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    committed_messages: &[Scalar],
    prover_nyms: &NymSecrets,
    rng: &mut R,
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    let (which, all) = committed(committed_messages, prover_nyms)?;
    let blind = SecretProverBlind::random(rng);
    let mut random = Zeroizing::new(Vec::with_capacity(all.len() + 2));
    random.push(*blind.as_scalar());
    for _ in 0..=all.len() {
        random.push(Scalar::random(rng));
    }
    commit_with_scalars_for(suite, which, &all, &random)
}

/// [`commit_with_nym_scalars`] with the random scalars given:
/// `(secret_prover_blind, s~, m~_1 .. m~_{M+N})` (the mocked vectors'
/// seam).
#[cfg(feature = "mocked-rng")]
pub(crate) fn commit_with_nym_with_scalars(
    suite: Suite,
    committed_messages: &[Scalar],
    prover_nyms: &NymSecrets,
    random: &[Scalar],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    let (which, all) = committed(committed_messages, prover_nyms)?;
    commit_with_scalars_for(suite, which, &all, random)
}
