//! The holder's check of a blind signature: `Verify` of the blind interface
//! (draft-irtf-cfrg-bbs-blind-signatures, "Blind Signature Verification",
//! with "Prepare Parameters"): `CoreVerify` over `messages ||
//! secret_prover_blind || committed_messages` and the blind generator list.
//! [`crate::bbs::ProverCredential::new_blind`] runs it before a blind
//! credential can be used.

use zeroize::Zeroizing;

use super::{messages_to_scalars, SecretProverBlind};
use crate::bbs::{MessageGenerators, PublicKey, Signature, Suite};
use crate::curve::Scalar;
use crate::Error;

/// `Verify(PK, signature, header, messages, committed_messages,
/// secret_prover_blind)` over octet strings, mapped under the blind
/// `api_id`. Without a commitment, `committed_messages` is empty and the
/// blind [`SecretProverBlind::zero`].
///
/// # Errors
/// As [`blind_verify_scalars`].
pub fn blind_verify<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[M],
    committed_messages: &[M],
    secret_prover_blind: &SecretProverBlind,
) -> Result<(), Error> {
    crate::bbs::check_count(messages.len())?;
    crate::bbs::check_count(committed_messages.len())?;
    blind_verify_scalars(
        suite,
        pk,
        sig,
        header,
        &messages_to_scalars(suite, messages),
        &Zeroizing::new(messages_to_scalars(suite, committed_messages)),
        secret_prover_blind,
    )
}

/// [`blind_verify`] over message scalars (both lists mapped under the blind
/// `api_id`, or scalar-encoded values). The holder's check: `B` is computed
/// with constant-time multiplications (the blind and the committed
/// messages are secrets); only the pairing check, on public values, is
/// variable time.
///
/// # Errors
/// [`Error::VerificationFailed`] when the signature does not verify;
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`] in all.
pub fn blind_verify_scalars(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[Scalar],
    committed_messages: &[Scalar],
    secret_prover_blind: &SecretProverBlind,
) -> Result<(), Error> {
    let which = MessageGenerators::blind(messages.len(), committed_messages.len());
    let all = combined(messages, committed_messages, secret_prover_blind);
    crate::bbs::verify_ct_with(suite, which, pk, sig, header, &all)
}

/// `messages || secret_prover_blind || committed_messages`, zeroized on
/// drop.
pub(crate) fn combined(
    messages: &[Scalar],
    committed_messages: &[Scalar],
    secret_prover_blind: &SecretProverBlind,
) -> Zeroizing<Vec<Scalar>> {
    let mut all = Zeroizing::new(Vec::with_capacity(
        messages.len() + 1 + committed_messages.len(),
    ));
    all.extend_from_slice(messages);
    all.push(*secret_prover_blind.as_scalar());
    all.extend_from_slice(committed_messages);
    all
}
