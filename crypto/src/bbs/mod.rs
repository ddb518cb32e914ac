//! BBS signatures (IETF CFRG draft-irtf-cfrg-bbs-signatures) over BLS12-381.
//!
//! # Revision followed
//! The operations follow revision 11 of the draft (September 2026), whose
//! algorithms for the two ciphersuites here are those of revisions 09 and 10:
//! `create_generators` with `api_id`-scoped seeds, `e` derived
//! deterministically in `CoreSign`, proofs `(Abar, Bbar, D, e^, r1^, r3^,
//! (m^_j), c)` with the challenge over `(R, (i, msg_i)*, Abar, Bbar, D, T1,
//! T2, domain)`. The published vectors (revisions 09/10, in the shared
//! fixtures) are reproduced byte for byte; where a later text departs from
//! them, the vectors win. Recorded differences: none found. The text of
//! revision 11 itself was not available to us offline; the algorithms above
//! are those the vectors pin down, and `zkcred bbs conformance` is the check
//! to run against any newer vectors.
//!
//! # Interfaces
//! - Octet-string messages, the draft's interface: [`sign`], [`verify`],
//!   [`proof_gen`], [`proof_verify`] (messages mapped with
//!   [`map_message_to_scalar`]).
//! - Scalar messages, the draft's "core" operations: [`core`]. Dates and
//!   integers are signed as the scalar of their value so that later proofs
//!   can reason about them (ranges, equality).
//! - Generator lists: every operation on a credential runs over a
//!   [`MessageGenerators`] list: [`MessageGenerators::Plain`] is this
//!   draft's; [`MessageGenerators::Blind`] the blind-signatures draft's
//!   (see [`crate::blind`] and the list's docs for its message indexes).
//!   The plain list is the default and every plain operation is byte for
//!   byte the draft's.
//!
//! # Limits
//! At most [`MAX_MESSAGES`] messages per signature. Disclosed indexes are
//! 0-based, in any order, unique and below the message count.
//!
//! # Verification speed
//! - Generators are derived once per suite and carry fixed-base window
//!   tables (`curve::VartimeFixedBaseTable`); `P1` too.
//! - `T1` and `T2` of `ProofVerify` are each one interleaved wNAF evaluation
//!   (`curve::msm_straus_with_vartime`): generators through their tables, the
//!   proof's `Abar`, `Bbar`, `D` through GLV-split windows built once per
//!   proof and shared by both sums.
//! - The two pairings are one multi-Miller loop over G2 lines prepared once
//!   (per key for `W`, per process for `-BP2`) and one final exponentiation.
//! - [`VerifierKey`] caches per (suite, message count, header) the domain and
//!   the table of `P1 + Q_1 * domain`.
//! - [`verify_batch`] recomputes every challenge but checks all pairing
//!   equations with one multi-pairing (one Miller loop per distinct key plus
//!   one); [`verify_batch_parallel`] splits a batch across cores.
//!
//! # Constant time
//! Signing multiplies by `1 / (SK + e)` with blst's constant-time GLV
//! multiplication; proof generation (which handles the holder's undisclosed
//! messages, the signature and the blinding scalars) uses only constant-time
//! single multiplications (`G1Projective::lincomb_ct`), because blst's and
//! our multi-scalar algorithms index memory by scalar bits. Computing `B`
//! while signing uses the variable-time tables: it depends only on the
//! messages, which the issuer supplies and which the signature binds, not on
//! the key. Verification touches public data only and is variable time
//! throughout.
//!
//! # Randomness
//! Proof generation draws its blinding scalars from a caller-supplied CSPRNG
//! (`rand_core::CryptoRng`). The only other source is `mocked` (feature
//! `mocked-rng`, off by default), the draft's deterministic test scalars,
//! kept separate and named for what it is.

mod batch;
pub mod core;
mod domain;
mod generators;
mod keys;
#[cfg(feature = "mocked-rng")]
pub mod mocked;
mod proof;
mod sign;
mod suite;
mod types;
mod verifier;

use rand_core::{CryptoRng, RngCore};

#[cfg(feature = "parallel")]
pub use batch::verify_batch_parallel;
pub(crate) use batch::{settle_equations, PairingEquation};
pub use batch::{verify_batch, BatchItem};
pub(crate) use domain::calculate_domain as calculate_domain_with;
pub use domain::{
    domain_for as calculate_domain, hash_to_scalar, map_message_to_scalar, messages_to_scalars,
};
pub(crate) use generators::{committed_generators, create_generators_with_api_id};
pub use generators::{
    create_generators, generators, generators_for, Generators, MessageGenerators,
};
pub use keys::{keygen, PublicKey, SecretKey};
pub use proof::ProverCredential;
pub(crate) use proof::{ascending_indexes, sorted_indexes, InitOutput};
pub(crate) use sign::{combine_b_vartime, finalize as finalize_sign, verify_ct_with};
pub use suite::{Suite, EXPAND_LEN};
pub use types::{Proof, Signature, PROOF_BASE_LEN, SIGNATURE_LEN};
pub use verifier::VerifierKey;
pub(crate) use verifier::{init_vartime, pairing_check_vartime};

use crate::Error;

/// The most messages one signature may carry here. The draft allows up to
/// 2^64 - 1; a bound keeps a malformed proof from making a verifier derive
/// millions of generators.
pub const MAX_MESSAGES: usize = 1024;

pub(crate) fn check_count(n: usize) -> Result<(), Error> {
    if n > MAX_MESSAGES {
        Err(Error::TooManyMessages {
            got: n,
            max: MAX_MESSAGES,
        })
    } else {
        Ok(())
    }
}

/// `Sign(SK, PK, header, messages)` over octet-string messages
/// (draft §3.4.1).
///
/// # Errors
/// [`Error::TooManyMessages`] past [`MAX_MESSAGES`]; [`Error::KeyGenFailed`]
/// if `SK + e = 0` and [`Error::IdentityPoint`] if `A` is the identity
/// (negligible; see [`core::sign`]).
pub fn sign<M: AsRef<[u8]>>(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    header: &[u8],
    messages: &[M],
) -> Result<Signature, Error> {
    check_count(messages.len())?;
    core::sign(suite, sk, pk, header, &messages_to_scalars(suite, messages))
}

/// `Verify(PK, signature, header, messages)` over octet-string messages
/// (draft §3.4.2). Variable time: the inputs are public.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`MAX_MESSAGES`];
/// [`Error::VerificationFailed`] when the signature does not verify.
pub fn verify<M: AsRef<[u8]>>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[M],
) -> Result<(), Error> {
    check_count(messages.len())?;
    core::verify(
        suite,
        pk,
        sig,
        header,
        &messages_to_scalars(suite, messages),
    )
}

/// `ProofGen(PK, signature, header, ph, messages, disclosed_indexes)`
/// (draft §3.4.3).
///
/// # Errors
/// [`Error::IndexesNotAscending`] or [`Error::DuplicateIndex`] unless
/// `disclosed_indexes` is strictly ascending, as the draft takes it;
/// [`Error::IndexOutOfRange`] for an index past the messages;
/// [`Error::TooManyMessages`] past [`MAX_MESSAGES`]. The scalar interface,
/// [`core::proof_gen`], accepts any order.
#[allow(clippy::too_many_arguments)]
pub fn proof_gen<M: AsRef<[u8]>, R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[M],
    disclosed_indexes: &[usize],
    rng: &mut R,
) -> Result<Proof, Error> {
    check_count(messages.len())?;
    proof::ascending_indexes(disclosed_indexes, messages.len())?;
    let scalars = messages_to_scalars(suite, messages);
    core::proof_gen(suite, pk, sig, header, ph, &scalars, disclosed_indexes, rng)
}

/// `ProofVerify(PK, proof, header, ph, disclosed_messages,
/// disclosed_indexes)` (draft §3.4.4), the disclosed messages given with
/// their indexes.
///
/// # Errors
/// [`Error::IndexesNotAscending`] or [`Error::DuplicateIndex`] unless the
/// indexes are strictly ascending, as the draft takes them (the scalar
/// interface, [`core::proof_verify`], accepts any order);
/// [`Error::IndexOutOfRange`] for an index past `L`;
/// [`Error::VerificationFailed`] when the proof does not verify.
pub fn proof_verify(
    suite: Suite,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    disclosed: &[(usize, &[u8])],
) -> Result<(), Error> {
    check_count(disclosed.len())?;
    let indexes: Vec<usize> = disclosed.iter().map(|(i, _)| *i).collect();
    proof::ascending_indexes(&indexes, disclosed.len() + proof.undisclosed_count())?;
    let scalars: Vec<_> = disclosed
        .iter()
        .map(|(i, m)| (*i, map_message_to_scalar(suite, m)))
        .collect();
    core::proof_verify(suite, pk, proof, header, ph, &scalars)
}
