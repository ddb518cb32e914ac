//! The draft's core operations over messages that are already scalars.
//!
//! Use these when attribute values are encoded directly as scalars (dates as
//! days, integers as their value) rather than hashed from octets.

pub use super::proof::proof_gen;
pub use super::sign::{sign, verify, verify_with};
pub use super::verifier::{proof_verify, proof_verify_with};
