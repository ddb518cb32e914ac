//! Proofs of knowledge of a blind signature: `ProofGen` and `ProofVerify` of
//! the blind interface (draft-irtf-cfrg-bbs-blind-signatures, "Proof
//! Generation", "Proof Verification"). They are the BBS draft's
//! `CoreProofGen` / `CoreProofVerify` over the blind generator list, the
//! signer's and the committed disclosed messages joined into one list of
//! indexes: signer message `i` is index `i`, committed message `j` is index
//! `L + 1 + j` ([`MessageGenerators`]). The proof is an ordinary
//! [`Proof`]; the verifier learns `L` (and from the proof's length, `M`),
//! not which committed messages were hidden beyond the indexes.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::verify::combined;
use super::{messages_to_scalars, SecretProverBlind};
use crate::bbs::{
    ascending_indexes, check_count, core, MessageGenerators, Proof, ProverCredential, PublicKey,
    Signature, Suite,
};
use crate::curve::Scalar;
use crate::Error;

/// The shape of a blind proof and its joined disclosed indexes.
pub(crate) struct BlindShape {
    pub which: MessageGenerators,
    pub disclosed: Vec<usize>,
}

/// Checks both index lists (ascending, in range, as the draft's octet
/// interface takes them) and joins them.
pub(crate) fn shape(
    l: usize,
    m: usize,
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
) -> Result<BlindShape, Error> {
    check_count(l)?;
    check_count(m)?;
    ascending_indexes(disclosed_indexes, l)?;
    ascending_indexes(disclosed_commitment_indexes, m)?;
    let which = MessageGenerators::blind(l, m);
    let disclosed = disclosed_indexes
        .iter()
        .copied()
        .chain(disclosed_commitment_indexes.iter().map(|j| l + 1 + j))
        .collect();
    Ok(BlindShape { which, disclosed })
}

/// `ProofGen(PK, signature, header, ph, messages, committed_messages,
/// disclosed_indexes, disclosed_commitment_indexes, secret_prover_blind)`
/// over octet strings mapped under the blind `api_id`, with fresh blinding
/// scalars from `rng`. Both index lists are 0-based into their own list and
/// strictly ascending.
///
/// # Errors
/// [`Error::IndexesNotAscending`], [`Error::DuplicateIndex`],
/// [`Error::IndexOutOfRange`] for bad indexes; [`Error::TooManyMessages`]
/// past [`crate::bbs::MAX_MESSAGES`]; [`Error::IdentityPoint`] as
/// [`ProverCredential::new`]. The signature is not verified here (a proof
/// of a bad signature fails to verify); [`ProverCredential::new_blind`]
/// does verify it.
#[allow(clippy::too_many_arguments)]
pub fn blind_proof_gen<M: AsRef<[u8]>, R: RngCore + CryptoRng + ?Sized>(
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
    rng: &mut R,
) -> Result<Proof, Error> {
    let shape = shape(
        messages.len(),
        committed_messages.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let all = combined(
        &messages_to_scalars(suite, messages),
        &Zeroizing::new(messages_to_scalars(suite, committed_messages)),
        secret_prover_blind,
    );
    let cred = ProverCredential::with_generators(suite, shape.which, pk, sig, header, &all)?;
    cred.prove(ph, &shape.disclosed, rng)
}

/// [`blind_proof_gen`] with the random scalars given, `(r1, r2, e~, r1~,
/// r3~, m~_j ..)` (the seam of the mocked vectors).
#[cfg(feature = "mocked-rng")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn blind_proof_gen_with_scalars<M: AsRef<[u8]>>(
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
    let shape = shape(
        messages.len(),
        committed_messages.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let all = combined(
        &messages_to_scalars(suite, messages),
        &Zeroizing::new(messages_to_scalars(suite, committed_messages)),
        secret_prover_blind,
    );
    let cred = ProverCredential::with_generators(suite, shape.which, pk, sig, header, &all)?;
    cred.prove_with_scalars(ph, &shape.disclosed, random)
}

/// `ProofVerify(PK, proof, header, ph, L, disclosed_messages,
/// disclosed_committed_messages, disclosed_indexes,
/// disclosed_commitment_indexes)`: `L` the number of signer messages,
/// each disclosed list `(index, message)` pairs 0-based into its own list,
/// strictly ascending; the messages are octet strings mapped under the
/// blind `api_id`. `M` follows from the proof: `R + U - 1 - L`. Variable
/// time: every input is public.
///
/// # Errors
/// [`Error::MessageCountMismatch`] when the proof is too short for `L`
/// signer messages; [`Error::IndexesNotAscending`],
/// [`Error::DuplicateIndex`], [`Error::IndexOutOfRange`] for bad indexes;
/// [`Error::VerificationFailed`] when the proof does not verify.
#[allow(clippy::too_many_arguments)]
pub fn blind_proof_verify(
    suite: Suite,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    signer_messages: usize,
    disclosed_messages: &[(usize, &[u8])],
    disclosed_committed_messages: &[(usize, &[u8])],
) -> Result<(), Error> {
    let l = signer_messages;
    let total =
        disclosed_messages.len() + disclosed_committed_messages.len() + proof.undisclosed_count();
    check_count(total)?;
    let m = l
        .checked_add(1)
        .and_then(|l1| total.checked_sub(l1))
        .ok_or(Error::MessageCountMismatch {
            expected: l.saturating_add(1),
            got: total,
        })?;
    let si: Vec<usize> = disclosed_messages.iter().map(|(i, _)| *i).collect();
    let cj: Vec<usize> = disclosed_committed_messages
        .iter()
        .map(|(j, _)| *j)
        .collect();
    let shape = shape(l, m, &si, &cj)?;
    let map = |msg: &[u8]| shape.which.map_message_to_scalar(suite, msg);
    let mut disclosed: Vec<(usize, Scalar)> = disclosed_messages
        .iter()
        .map(|(i, msg)| (*i, map(msg)))
        .collect();
    disclosed.extend(
        disclosed_committed_messages
            .iter()
            .map(|(j, msg)| (l + 1 + j, map(msg))),
    );
    core::proof_verify_with(suite, shape.which, pk, proof, header, ph, &disclosed)
}
