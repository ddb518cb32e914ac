//! # zkcred-crypto
//!
//! BBS multi-message signatures and their zero-knowledge proofs of knowledge
//! over BLS12-381, following the IETF CFRG draft "The BBS Signature Scheme"
//! (draft-irtf-cfrg-bbs-signatures). See [`bbs`] for the revision followed and
//! how it relates to the published test vectors, and [`curve`] for the choice
//! of curve library.
//!
//! Two companion drafts build on it: [`blind`] (blind signatures,
//! draft-irtf-cfrg-bbs-blind-signatures: the issuer signs messages the
//! holder committed to without seeing them) and [`nym`] (per-verifier
//! pseudonyms, draft-irtf-cfrg-bbs-per-verifier-linkability: a proof shows
//! a pseudonym, constant for one verifier and unlinkable across verifiers,
//! of nym secrets signed blindly). Both are the BBS core over other
//! generator lists ([`bbs::MessageGenerators`]).
//!
//! Beyond the drafts, zero-knowledge statements about hidden messages:
//! [`range`] (Bulletproofs+ range proofs over BLS12-381 G1, aggregated and
//! batch-verified) and [`composite`] (several credentials' BBS proofs,
//! commitments to hidden messages, equalities and range claims under one
//! challenge). These are our own constructions on `blst`, as the hot path
//! is: the module docs give the construction, its sources and the
//! soundness arguments.
//!
//! Types carry validity: a [`bbs::PublicKey`], [`bbs::Signature`] or
//! [`bbs::Proof`] exists only after every check the draft asks for (exact
//! lengths, canonical scalars, points on the curve, in the subgroup and not
//! the identity), so the core never sees raw bytes.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod accumulator;
pub mod bbs;
pub mod blind;
pub mod composite;
pub mod nym;
pub mod range;
// The blst FFI lives here and nowhere else; every unsafe block says why it
// is sound (`// SAFETY:`), which clippy checks.
#[allow(unsafe_code)]
pub mod curve;
mod error;

pub use curve::Scalar;
pub use error::Error;
