//! `calculate_domain` and the scalar hashes the interfaces share.

use super::generators::{Generators, MessageGenerators};
use super::{PublicKey, Suite};
use crate::curve::Scalar;

/// `calculate_domain(PK, Q_1, (H_1..H_L), header, api_id)` (draft §4.2.3):
/// `hash_to_scalar(PK || I2OSP(L, 8) || Q_1 || H_1 .. H_L || api_id ||
/// I2OSP(len(header), 8) || header)`, `api_id` and the DST those of
/// `which` (for a blind list, `L` counts all its message generators, `H_i`
/// and `J_j`, as the blind draft's `FinalizeBlindSign` does).
pub(crate) fn calculate_domain(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    gens: &Generators,
    header: &[u8],
) -> Scalar {
    let l = gens.h().len() as u64;
    let mut buf = Vec::with_capacity(96 + 8 + 48 * (gens.as_slice().len()) + 64);
    buf.extend_from_slice(pk.as_bytes());
    buf.extend_from_slice(&l.to_be_bytes());
    for g in gens.as_slice() {
        buf.extend_from_slice(&g.to_compressed());
    }
    buf.extend_from_slice(which.api_id(suite));
    buf.extend_from_slice(&(header.len() as u64).to_be_bytes());
    suite.hash_parts_to_scalar(&[&buf, header], which.h2s_dst(suite))
}

/// `messages_to_scalars` (draft §4.1.2) with map-message-to-scalar-as-hash.
pub fn messages_to_scalars<M: AsRef<[u8]>>(suite: Suite, messages: &[M]) -> Vec<Scalar> {
    messages
        .iter()
        .map(|m| map_message_to_scalar(suite, m.as_ref()))
        .collect()
}

/// Map one octet-string message to a scalar with the suite's default DST
/// (`api_id || "MAP_MSG_TO_SCALAR_AS_HASH_"`).
pub fn map_message_to_scalar(suite: Suite, msg: &[u8]) -> Scalar {
    suite.hash_to_scalar(msg, &suite.consts().map_dst)
}

/// `hash_to_scalar(msg, dst)` (draft §4.1.3).
pub fn hash_to_scalar(suite: Suite, msg: &[u8], dst: &[u8]) -> Scalar {
    suite.hash_to_scalar(msg, dst)
}

/// `calculate_domain` (draft §4.2.3) of a credential with `message_count`
/// message scalars under the generator list `which`, for conformance checks
/// and tools (signing and verification compute it themselves).
///
/// # Errors
/// [`crate::Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`crate::Error::MessageCountMismatch`] when the count does not fit
/// `which`.
pub fn domain_for(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    header: &[u8],
    message_count: usize,
) -> Result<Scalar, crate::Error> {
    let gens = super::generators::generators_for(suite, which, message_count)?;
    Ok(calculate_domain(suite, which, pk, &gens, header))
}
