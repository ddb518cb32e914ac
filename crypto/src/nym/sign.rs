//! The issuer's side: `BlindSignWithNym` (the pseudonym draft's "Blind
//! Issuance").

use zeroize::Zeroizing;

use super::{combined_header, messages_to_scalars, SignerNymEntropy};
use crate::bbs::{
    calculate_domain_with, combine_b_vartime, finalize_sign, generators_for, MessageGenerators,
    PublicKey, SecretKey, Signature, Suite,
};
use crate::blind::CommitmentWithProof;
use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

/// `BlindSignWithNym(SK, PK, commitment_with_proof, header, messages,
/// signer_nym_entropy, length_nym_vector)` over octet-string messages
/// mapped under the pseudonym `api_id`. See [`blind_sign_with_nym_scalars`].
///
/// # Errors
/// As [`blind_sign_with_nym_scalars`].
#[allow(clippy::too_many_arguments)]
pub fn blind_sign_with_nym<M: AsRef<[u8]>>(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    commitment_with_proof: &CommitmentWithProof,
    nym_count: usize,
    signer_nym_entropy: &SignerNymEntropy,
    header: &[u8],
    messages: &[M],
) -> Result<Signature, Error> {
    crate::bbs::check_count(messages.len())?;
    blind_sign_with_nym_scalars(
        suite,
        sk,
        pk,
        commitment_with_proof,
        nym_count,
        signer_nym_entropy,
        header,
        &messages_to_scalars(suite, messages),
    )
}

/// `BlindSignWithNym` over the signer's message scalars (`L`). The holder
/// sends `commitment_with_proof` (over `M` committed messages and `N =
/// nym_count` prover nyms, so it carries `M + N` responses) and `N`; the
/// issuer checks the commitment's proof, then signs
///
/// `B = P1 + Q_1 * domain + sum H_i * msg_i + C + J_{M+N} *
/// signer_nym_entropy`
///
/// (the entropy lands on the last nym), the domain over the generators
/// `Q_1, H_1 .. H_L, J_0 .. J_{M+N}` and the header `header ||
/// I2OSP(N, 8)`, `e = hash_to_scalar(SK || B, api_id || "H2S_")` with the
/// pseudonym `api_id`, `A = B / (SK + e)`. Deterministic.
///
/// # Errors
/// [`Error::InvalidLength`] for `N = 0`; [`Error::MessageCountMismatch`]
/// when the commitment has fewer than `N` responses;
/// [`Error::InvalidCommitmentProof`] when its proof does not verify;
/// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`] in all;
/// [`Error::IdentityPoint`] if `B` or `A` is the identity;
/// [`Error::KeyGenFailed`] if `SK + e = 0`.
#[allow(clippy::too_many_arguments)]
pub fn blind_sign_with_nym_scalars(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    commitment_with_proof: &CommitmentWithProof,
    nym_count: usize,
    signer_nym_entropy: &SignerNymEntropy,
    header: &[u8],
    messages: &[Scalar],
) -> Result<Signature, Error> {
    super::check_nym_count(nym_count)?;
    let committed = commitment_with_proof.committed_message_count();
    let m = committed
        .checked_sub(nym_count)
        .ok_or(Error::MessageCountMismatch {
            expected: nym_count,
            got: committed,
        })?;
    let which = MessageGenerators::nym(messages.len(), m, nym_count);
    let count = which.message_count().ok_or(Error::TooManyMessages {
        got: usize::MAX,
        max: crate::bbs::MAX_MESSAGES,
    })?;
    let gens = generators_for(suite, which, count)?;
    commitment_with_proof.verify_for(suite, which)?;
    let header = combined_header(header, nym_count);
    let domain = calculate_domain_with(suite, which, pk, &gens, &header);
    let c: [(G1Affine, Scalar); 1] = [(commitment_with_proof.commitment(), Scalar::ONE)];
    let mut b = combine_b_vartime(suite, &gens, domain, messages, Scalar::ONE, &c);
    // The entropy is the issuer's secret until the holder has it: a
    // constant-time multiplication of the last generator, J_{M+N}.
    let last = gens.as_slice()[gens.as_slice().len() - 1];
    b += last.to_projective().mul_ct(signer_nym_entropy.as_scalar());
    if b.is_identity() {
        return Err(Error::IdentityPoint);
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(SCALAR_LEN + G1_LEN));
    buf.extend_from_slice(sk.to_bytes().as_ref());
    buf.extend_from_slice(&b.to_compressed());
    let e = suite.hash_to_scalar(&buf, which.h2s_dst(suite));
    finalize_sign(sk, &b, e)
}
