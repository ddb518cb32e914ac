//! The issuer's side: `BlindSign` (draft-irtf-cfrg-bbs-blind-signatures,
//! "Blind Signature Generation", with "Commitment Validation and
//! Deserialization", "Calculate B Value" and "Finalize Blind Sign").

use zeroize::Zeroizing;

use super::{messages_to_scalars, CommitmentWithProof};
use crate::bbs::{
    combine_b_vartime, finalize_sign, generators_for, MessageGenerators, PublicKey, SecretKey,
    Signature, Suite,
};
use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

/// `BlindSign(SK, PK, commitment_with_proof, header, messages)` over
/// octet-string messages, mapped to scalars under the blind `api_id`
/// ([`super::messages_to_scalars`]). See [`blind_sign_scalars`].
///
/// # Errors
/// As [`blind_sign_scalars`].
pub fn blind_sign<M: AsRef<[u8]>>(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    commitment_with_proof: Option<&CommitmentWithProof>,
    header: &[u8],
    messages: &[M],
) -> Result<Signature, Error> {
    crate::bbs::check_count(messages.len())?;
    blind_sign_scalars(
        suite,
        sk,
        pk,
        commitment_with_proof,
        header,
        &messages_to_scalars(suite, messages),
    )
}

/// `BlindSign` over the signer's message scalars (`L` of them). With a
/// `commitment_with_proof` (`M` committed messages), its proof is verified
/// first and the signature is over the blind list `(L, M)`; with none, the
/// commitment is the identity and the list is `(L, 0)` (the holder then
/// uses a zero `secret_prover_blind`).
///
/// `B = P1 + Q_1 * domain + sum H_i * msg_i + C`, the domain over all `L +
/// M + 2` generators under the blind `api_id`; `e = hash_to_scalar(SK ||
/// B, api_id || "H2S_")` (the draft's `FinalizeBlindSign`, which hashes
/// `B` where `CoreSign` hashes the messages); `A = B * 1 / (SK + e)`.
/// Deterministic, like `CoreSign`.
///
/// # Errors
/// [`Error::InvalidCommitmentProof`] when the commitment's proof does not
/// verify; [`Error::TooManyMessages`] when `L + M + 1` passes
/// [`crate::bbs::MAX_MESSAGES`]; [`Error::IdentityPoint`] if `B` or `A` is
/// the identity; [`Error::KeyGenFailed`] if `SK + e = 0`.
pub fn blind_sign_scalars(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    commitment_with_proof: Option<&CommitmentWithProof>,
    header: &[u8],
    messages: &[Scalar],
) -> Result<Signature, Error> {
    let m = commitment_with_proof.map_or(0, CommitmentWithProof::committed_message_count);
    let which = MessageGenerators::blind(messages.len(), m);
    let count = which.message_count().ok_or(Error::TooManyMessages {
        got: usize::MAX,
        max: crate::bbs::MAX_MESSAGES,
    })?;
    let gens = generators_for(suite, which, count)?;
    if let Some(c) = commitment_with_proof {
        c.verify(suite)?;
    }
    let commitment: Vec<(G1Affine, Scalar)> = commitment_with_proof
        .map(|c| (c.commitment, Scalar::ONE))
        .into_iter()
        .collect();
    let domain = crate::bbs::calculate_domain_with(suite, which, pk, &gens, header);
    let b = combine_b_vartime(suite, &gens, domain, messages, Scalar::ONE, &commitment);
    if b.is_identity() {
        return Err(Error::IdentityPoint);
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(SCALAR_LEN + G1_LEN));
    buf.extend_from_slice(sk.to_bytes().as_ref());
    buf.extend_from_slice(&b.to_compressed());
    let e = suite.hash_to_scalar(&buf, &suite.consts().blind_h2s_dst);
    finalize_sign(sk, &b, e)
}
