//! The draft's mocked random scalars (Appendix "Mocked Random Scalars").
//!
//! **For conformance testing only.** These scalars are a public function of a
//! public seed: a proof made with them hides nothing. They exist so that the
//! published test vectors, which were generated this way, can be reproduced
//! byte for byte (by the tests and by `zkcred bbs conformance`).

use super::proof::{ascending_indexes, proof_gen_with_scalars};
use super::{check_count, Proof, PublicKey, Signature, Suite, EXPAND_LEN};
use crate::curve::hash::MAX_EXPAND_LEN;
use crate::curve::Scalar;
use crate::Error;

/// The seed the draft's proof vectors use: ASCII
/// `"3.141592653589793238462643383279"`.
pub const DRAFT_SEED: &[u8] = b"3.141592653589793238462643383279";

/// `seeded_random_scalars(SEED, count)` with DST `api_id ||
/// "MOCK_RANDOM_SCALARS_DST_"`.
///
/// # Errors
/// As [`mocked_random_scalars_with_dst`].
pub fn mocked_random_scalars(
    suite: Suite,
    seed: &[u8],
    count: usize,
) -> Result<Vec<Scalar>, Error> {
    mocked_random_scalars_with_dst(suite, seed, &suite.dst(b"MOCK_RANDOM_SCALARS_DST_"), count)
}

/// `seeded_random_scalars(SEED, count)` with any DST: `expand_message(SEED,
/// dst, 48 * count)` cut into `count` scalars, each reduced mod `r`. The
/// blind-signatures vectors use `api_id || "COMMIT_MOCK_RANDOM_SCALARS_DST_"`
/// and `api_id || "PROOF_MOCK_RANDOM_SCALARS_DST_"` (see
/// [`crate::blind::mocked`]).
///
/// # Errors
/// [`Error::TooLong`] for no scalars or more than one `expand_message`
/// call yields.
pub fn mocked_random_scalars_with_dst(
    suite: Suite,
    seed: &[u8],
    dst: &[u8],
    count: usize,
) -> Result<Vec<Scalar>, Error> {
    let len = count.saturating_mul(EXPAND_LEN);
    if count == 0 || len > MAX_EXPAND_LEN {
        return Err(Error::TooLong("mocked random scalar count"));
    }
    let v = suite.expander().expand(&[seed], dst, len);
    Ok(v.chunks_exact(EXPAND_LEN)
        .map(Scalar::from_be_bytes_reduced)
        .collect())
}

/// `ProofGen` over octet-string messages with mocked random scalars from
/// `seed`, `5 + U` of them. Never use for a real presentation.
///
/// # Errors
/// As [`super::proof_gen`]: disclosed indexes must be strictly ascending.
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_mocked<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[M],
    disclosed_indexes: &[usize],
    seed: &[u8],
) -> Result<Proof, Error> {
    // Checked first so that the scalar count below cannot underflow.
    check_count(messages.len())?;
    ascending_indexes(disclosed_indexes, messages.len())?;
    let count = 5 + messages.len() - disclosed_indexes.len();
    let random = mocked_random_scalars(suite, seed, count)?;
    proof_gen_with_random_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        messages,
        disclosed_indexes,
        &random,
    )
}

/// `ProofGen` over octet-string messages with the random scalars given, in
/// the draft's order `(r1, r2, e~, r1~, r3~, m~_j1 .. m~_jU)`: the
/// `random_scalars` of a vector's `trace`, so that a proof file records
/// exactly how to reproduce it. Never use for a real presentation.
///
/// # Errors
/// As [`proof_gen_mocked`]; [`Error::InvalidLength`] unless there are
/// `5 + U` scalars.
#[allow(clippy::too_many_arguments)]
pub fn proof_gen_with_random_scalars<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[M],
    disclosed_indexes: &[usize],
    random: &[Scalar],
) -> Result<Proof, Error> {
    check_count(messages.len())?;
    let scalars = super::messages_to_scalars(suite, messages);
    ascending_indexes(disclosed_indexes, scalars.len())?;
    proof_gen_with_scalars(
        suite,
        pk,
        sig,
        header,
        ph,
        &scalars,
        disclosed_indexes,
        random,
    )
}
