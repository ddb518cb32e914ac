//! The holder's check of a signature with nym secrets and its final nym
//! secrets: `VerifyFinalizeWithNym` (the pseudonym draft's "Verification
//! and Finalization").

use zeroize::Zeroizing;

use super::{combined_header, messages_to_scalars, NymSecrets, SignerNymEntropy};
use crate::bbs::{verify_ct_with, MessageGenerators, PublicKey, Signature, Suite};
use crate::blind::SecretProverBlind;
use crate::curve::Scalar;
use crate::Error;

/// `VerifyFinalizeWithNym(PK, signature, header, messages,
/// committed_messages, prover_nyms, signer_nym_entropy,
/// secret_prover_blind)` over octet strings mapped under the pseudonym
/// `api_id`. See [`verify_finalize_with_nym_scalars`].
///
/// # Errors
/// As [`verify_finalize_with_nym_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn verify_finalize_with_nym<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[M],
    committed_messages: &[M],
    prover_nyms: &NymSecrets,
    signer_nym_entropy: &SignerNymEntropy,
    secret_prover_blind: &SecretProverBlind,
) -> Result<NymSecrets, Error> {
    crate::bbs::check_count(messages.len())?;
    crate::bbs::check_count(committed_messages.len())?;
    verify_finalize_with_nym_scalars(
        suite,
        pk,
        sig,
        header,
        &messages_to_scalars(suite, messages),
        &Zeroizing::new(messages_to_scalars(suite, committed_messages)),
        prover_nyms,
        signer_nym_entropy,
        secret_prover_blind,
    )
}

/// `VerifyFinalizeWithNym` over message scalars: `nym_secrets` are the
/// `prover_nyms` with `signer_nym_entropy` added to the last one; the
/// signature must verify over `messages || secret_prover_blind ||
/// committed_messages || nym_secrets` (generators `Q_1, H_1 .. H_L, J_0 ..
/// J_{M+N}`, header `header || I2OSP(N, 8)`). Returns the `nym_secrets`,
/// from which the holder computes pseudonyms. Constant time in the secrets
/// (only the final pairing check, on values the signature fixes, is not).
///
/// # Errors
/// [`Error::VerificationFailed`] when the signature does not verify;
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`] in all.
#[allow(clippy::too_many_arguments)]
pub fn verify_finalize_with_nym_scalars(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[Scalar],
    committed_messages: &[Scalar],
    prover_nyms: &NymSecrets,
    signer_nym_entropy: &SignerNymEntropy,
    secret_prover_blind: &SecretProverBlind,
) -> Result<NymSecrets, Error> {
    let nym_secrets = prover_nyms.with_entropy(signer_nym_entropy);
    let which = MessageGenerators::nym(messages.len(), committed_messages.len(), nym_secrets.len());
    let all = combined(
        messages,
        committed_messages,
        &nym_secrets,
        secret_prover_blind,
    );
    let header = combined_header(header, nym_secrets.len());
    verify_ct_with(suite, which, pk, sig, &header, &all)?;
    Ok(nym_secrets)
}

/// `messages || secret_prover_blind || committed_messages || nym_secrets`,
/// zeroized on drop: the message scalars of a credential with nym secrets.
pub(crate) fn combined(
    messages: &[Scalar],
    committed_messages: &[Scalar],
    nym_secrets: &NymSecrets,
    secret_prover_blind: &SecretProverBlind,
) -> Zeroizing<Vec<Scalar>> {
    let mut all = Zeroizing::new(Vec::with_capacity(
        messages.len() + 1 + committed_messages.len() + nym_secrets.len(),
    ));
    all.extend_from_slice(messages);
    all.push(*secret_prover_blind.as_scalar());
    all.extend_from_slice(committed_messages);
    all.extend_from_slice(nym_secrets.as_scalars());
    all
}
