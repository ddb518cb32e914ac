//! Proofs with a pseudonym: `ProofGenWithNym` and `ProofVerifyWithNym`
//! (the pseudonym draft's "Proof Generation with Pseudonym", "Proof
//! Verification with Pseudonym" and their core operations).
//!
//! The proof is an ordinary BBS [`Proof`] over the credential's messages
//! `messages || secret_prover_blind || committed_messages || nym_secrets`
//! (signer message `i` at index `i`, committed message `j` at `L + 1 + j`,
//! nym secret `k` at `L + 1 + M + k`; the blind and the nym secrets are
//! never disclosed). Its challenge also hashes the pseudonym and the
//! pseudonym's commitment `Ut`, which the blindings of the nym secrets'
//! messages (the last `N` of `m~`) blind, so one set of responses proves
//! both that the nym secrets are signed and that the pseudonym is theirs.

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use super::pseudonym::{self, Pseudonym};
use super::verify::combined;
use super::{combined_header, messages_to_scalars, NymSecrets};
use crate::bbs::{
    init_vartime, pairing_check_vartime, MessageGenerators, Proof, ProverCredential, PublicKey,
    Signature, Suite, VerifierKey,
};
use crate::blind::{blind_shape, SecretProverBlind};
use crate::curve::Scalar;
use crate::Error;

/// The nym list for `L` signer, `M` committed messages and `N` nym secrets,
/// and the joined disclosed indexes (checked ascending and in range).
fn shape(
    l: usize,
    m: usize,
    n: usize,
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
) -> Result<(MessageGenerators, Vec<usize>), Error> {
    super::check_nym_count(n)?;
    let s = blind_shape(l, m, disclosed_indexes, disclosed_commitment_indexes)?;
    let which = MessageGenerators::nym(l, m, n);
    which.message_count().ok_or(Error::TooManyMessages {
        got: usize::MAX,
        max: crate::bbs::MAX_MESSAGES,
    })?;
    Ok((which, s.disclosed))
}

/// The prover's credential with nym secrets, prepared for proving.
fn credential(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    which: MessageGenerators,
    all: &[Scalar],
    nym_count: usize,
) -> Result<ProverCredential, Error> {
    let header = combined_header(header, nym_count);
    ProverCredential::with_generators(suite, which, pk, sig, &header, all)
}

/// `CoreProofGenWithNym` on a prepared credential for sorted, checked
/// disclosed indexes and the random scalars `(r1, r2, e~, r1~, r3~, m~_j
/// ..)`: the BBS `ProofInit`, the pseudonym's initialization with the last
/// `N` blindings, the challenge over both, `ProofFinalize`.
fn prove_with_scalars(
    cred: &ProverCredential,
    nym_secrets: &NymSecrets,
    context_id: &[u8],
    ph: &[u8],
    disclosed: &[usize],
    random: &[Scalar],
) -> Result<(Proof, Pseudonym), Error> {
    let suite = cred.suite();
    let (init, mut secrets) = cred.proof_init(disclosed, random)?;
    let m_tilde = &random[5..];
    let n = nym_secrets.len();
    // The nym secrets are the last N messages and never disclosed, so
    // their blindings are the last N of m~ (proof_init checked the count).
    let start = m_tilde.len().checked_sub(n).ok_or(Error::InvalidLength {
        what: "random scalars",
        expected: 5 + n,
        got: random.len(),
    })?;
    let nym = pseudonym::proof_init(
        suite,
        context_id,
        nym_secrets.as_scalars(),
        &m_tilde[start..],
    );
    let nym = match nym {
        Ok(nym) => nym,
        Err(e) => {
            secrets.zeroize();
            return Err(e);
        }
    };
    let disclosed_msgs: Vec<(usize, Scalar)> = disclosed
        .iter()
        .filter_map(|&i| cred.message(i).map(|m| (i, m)))
        .collect();
    let c = pseudonym::challenge(suite, &init, &nym, &disclosed_msgs, ph, context_id);
    let proof = cred.proof_finalize(&init, &secrets, disclosed, m_tilde, c);
    secrets.zeroize();
    Ok((proof, nym.pseudonym))
}

/// `ProofGenWithNym(PK, signature, header, ph, nym_secrets, context_id,
/// messages, committed_messages, disclosed_indexes,
/// disclosed_commitment_indexes, secret_prover_blind)` over octet strings
/// mapped under the pseudonym `api_id`, with fresh blinding scalars from
/// `rng`: the proof and the pseudonym for `context_id`. Both index lists
/// are 0-based into their own list and strictly ascending.
///
/// # Errors
/// As [`proof_gen_with_nym_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_with_nym<M: AsRef<[u8]>, R: RngCore + CryptoRng + ?Sized>(
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
    rng: &mut R,
) -> Result<(Proof, Pseudonym), Error> {
    crate::bbs::check_count(messages.len())?;
    crate::bbs::check_count(committed_messages.len())?;
    proof_gen_with_nym_scalars(
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
        rng,
    )
}

/// `ProofGenWithNym` over message scalars. The signature is not verified
/// here (a proof of a bad signature fails to verify; the holder checked it
/// with [`super::verify_finalize_with_nym`]).
///
/// # Errors
/// [`Error::IndexesNotAscending`], [`Error::DuplicateIndex`],
/// [`Error::IndexOutOfRange`] for bad indexes; [`Error::TooManyMessages`]
/// past [`crate::bbs::MAX_MESSAGES`] in all; [`Error::IdentityPoint`] for a
/// signature whose `B` is the identity, or a pseudonym that is (nym
/// secrets whose polynomial vanishes at `z`).
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_with_nym_scalars<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    nym_secrets: &NymSecrets,
    context_id: &[u8],
    messages: &[Scalar],
    committed_messages: &[Scalar],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    rng: &mut R,
) -> Result<(Proof, Pseudonym), Error> {
    let (which, disclosed) = shape(
        messages.len(),
        committed_messages.len(),
        nym_secrets.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let all = combined(
        messages,
        committed_messages,
        nym_secrets,
        secret_prover_blind,
    );
    let cred = credential(suite, pk, sig, header, which, &all, nym_secrets.len())?;
    let count = 5 + all.len() - disclosed.len();
    let random: Zeroizing<Vec<Scalar>> =
        Zeroizing::new((0..count).map(|_| Scalar::random(rng)).collect());
    prove_with_scalars(&cred, nym_secrets, context_id, ph, &disclosed, &random)
}

/// [`proof_gen_with_nym_scalars`] with the random scalars given (the
/// mocked vectors' seam).
#[cfg(feature = "mocked-rng")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn proof_gen_with_nym_with_scalars(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    nym_secrets: &NymSecrets,
    context_id: &[u8],
    messages: &[Scalar],
    committed_messages: &[Scalar],
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
    secret_prover_blind: &SecretProverBlind,
    random: &[Scalar],
) -> Result<(Proof, Pseudonym), Error> {
    let (which, disclosed) = shape(
        messages.len(),
        committed_messages.len(),
        nym_secrets.len(),
        disclosed_indexes,
        disclosed_commitment_indexes,
    )?;
    let all = combined(
        messages,
        committed_messages,
        nym_secrets,
        secret_prover_blind,
    );
    let cred = credential(suite, pk, sig, header, which, &all, nym_secrets.len())?;
    prove_with_scalars(&cred, nym_secrets, context_id, ph, &disclosed, random)
}

/// The number of random scalars a proof with nym secrets draws: `5 + U`,
/// `U = L + 1 + M + N - R`.
#[cfg(feature = "mocked-rng")]
pub(crate) fn random_scalar_count(
    l: usize,
    m: usize,
    n: usize,
    disclosed_indexes: &[usize],
    disclosed_commitment_indexes: &[usize],
) -> Result<usize, Error> {
    let (which, disclosed) = shape(l, m, n, disclosed_indexes, disclosed_commitment_indexes)?;
    Ok(5 + which.message_count().unwrap_or(0) - disclosed.len())
}

/// `ProofVerifyWithNym(PK, proof, header, ph, pseudonym, context_id, L,
/// disclosed_messages, disclosed_committed_messages, disclosed_indexes,
/// disclosed_commitment_indexes)` with the length of the nym vector `N`:
/// each disclosed list is `(index, message)` pairs 0-based into its own
/// list, strictly ascending, the messages octet strings mapped under the
/// pseudonym `api_id`. `M` follows from the proof: `R + U - 1 - L - N`.
/// Variable time: every input is public.
///
/// # Errors
/// As [`proof_verify_with_nym_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn proof_verify_with_nym(
    suite: Suite,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    pseudonym: &Pseudonym,
    context_id: &[u8],
    nym_count: usize,
    signer_messages: usize,
    disclosed_messages: &[(usize, &[u8])],
    disclosed_committed_messages: &[(usize, &[u8])],
) -> Result<(), Error> {
    crate::bbs::check_count(disclosed_messages.len())?;
    crate::bbs::check_count(disclosed_committed_messages.len())?;
    let map = |(i, msg): &(usize, &[u8])| (*i, super::map_message_to_scalar(suite, msg));
    let signer: Vec<(usize, Scalar)> = disclosed_messages.iter().map(map).collect();
    let committed: Vec<(usize, Scalar)> = disclosed_committed_messages.iter().map(map).collect();
    proof_verify_with_nym_scalars(
        suite,
        pk,
        proof,
        header,
        ph,
        pseudonym,
        context_id,
        nym_count,
        signer_messages,
        &signer,
        &committed,
    )
}

/// `ProofVerifyWithNym` over disclosed message scalars, each list indexed
/// into its own messages (signer messages `0..L-1`, committed messages
/// `0..M-1`), strictly ascending.
///
/// # Errors
/// [`Error::InvalidLength`] for `N = 0`; [`Error::MessageCountMismatch`]
/// when the proof is too short for `L` signer messages and `N` nym
/// secrets; [`Error::IndexesNotAscending`], [`Error::DuplicateIndex`],
/// [`Error::IndexOutOfRange`] for bad indexes;
/// [`Error::VerificationFailed`] when the proof, or its pseudonym for this
/// `context_id`, does not verify.
#[allow(clippy::too_many_arguments)]
pub fn proof_verify_with_nym_scalars(
    suite: Suite,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    pseudonym: &Pseudonym,
    context_id: &[u8],
    nym_count: usize,
    signer_messages: usize,
    disclosed_messages: &[(usize, Scalar)],
    disclosed_committed_messages: &[(usize, Scalar)],
) -> Result<(), Error> {
    verify_inner(
        suite,
        pk,
        None,
        proof,
        header,
        ph,
        pseudonym,
        context_id,
        nym_count,
        signer_messages,
        disclosed_messages,
        disclosed_committed_messages,
    )
}

/// [`proof_verify_with_nym_scalars`] with the issuer's prepared
/// [`VerifierKey`] (its cached domains and tables).
///
/// # Errors
/// As [`proof_verify_with_nym_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn proof_verify_with_nym_prepared(
    suite: Suite,
    key: &VerifierKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    pseudonym: &Pseudonym,
    context_id: &[u8],
    nym_count: usize,
    signer_messages: usize,
    disclosed_messages: &[(usize, Scalar)],
    disclosed_committed_messages: &[(usize, Scalar)],
) -> Result<(), Error> {
    verify_inner(
        suite,
        key.public_key(),
        Some(key),
        proof,
        header,
        ph,
        pseudonym,
        context_id,
        nym_count,
        signer_messages,
        disclosed_messages,
        disclosed_committed_messages,
    )
}

#[allow(clippy::too_many_arguments)]
fn verify_inner(
    suite: Suite,
    pk: &PublicKey,
    cache: Option<&VerifierKey>,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    pseudonym: &Pseudonym,
    context_id: &[u8],
    nym_count: usize,
    signer_messages: usize,
    disclosed_messages: &[(usize, Scalar)],
    disclosed_committed_messages: &[(usize, Scalar)],
) -> Result<(), Error> {
    super::check_nym_count(nym_count)?;
    let l = signer_messages;
    let total =
        disclosed_messages.len() + disclosed_committed_messages.len() + proof.undisclosed_count();
    crate::bbs::check_count(total)?;
    // L is the caller's; nym_count is at most MAX_MESSAGES (checked above).
    let fixed = l.checked_add(1 + nym_count);
    let m = fixed
        .and_then(|f| total.checked_sub(f))
        .ok_or(Error::MessageCountMismatch {
            expected: fixed.unwrap_or(usize::MAX),
            got: total,
        })?;
    let si: Vec<usize> = disclosed_messages.iter().map(|(i, _)| *i).collect();
    let cj: Vec<usize> = disclosed_committed_messages
        .iter()
        .map(|(j, _)| *j)
        .collect();
    let (which, _) = shape(l, m, nym_count, &si, &cj)?;
    let mut disclosed: Vec<(usize, Scalar)> = disclosed_messages.to_vec();
    disclosed.extend(
        disclosed_committed_messages
            .iter()
            .map(|(j, msg)| (l + 1 + j, *msg)),
    );
    let header = combined_header(header, nym_count);
    let (init, disclosed) = init_vartime(suite, which, pk, cache, proof, &header, &disclosed)?;
    // Neither the blind (index L) nor a nym secret (from L + 1 + M) is
    // disclosed, so the nym secrets' responses are the last N.
    let responses = proof
        .m_hat
        .len()
        .checked_sub(nym_count)
        .map(|start| &proof.m_hat[start..])
        .ok_or(Error::VerificationFailed)?;
    let nym = pseudonym::proof_verify_init_vartime(
        suite,
        pseudonym,
        context_id,
        responses,
        proof.challenge,
    )?;
    if pseudonym::challenge(suite, &init, &nym, &disclosed, ph, context_id) != proof.challenge {
        return Err(Error::VerificationFailed);
    }
    pairing_check_vartime(pk, proof)
}
