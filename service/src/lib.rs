//! # zkcred-service
//!
//! Foundations of the zkcred verifier service that do not depend on the
//! credential and policy layers:
//!
//! - [`translog`]: the tamper-evident disclosure log (RFC 6962 Merkle tree,
//!   signed tree heads, export verification for regulators);
//! - [`storage`]: persistence behind the [`storage::Storage`] trait, with a
//!   single-file SQLite implementation;
//! - [`disclosure_log`]: the log on top of a storage: append, sign heads,
//!   proofs, export;
//! - [`challenge`]: one-time challenges, bound to a policy and a verifier;
//! - [`cache`]: a TTL cache for issuer verification keys.
//!
//! Every error has a stable machine-readable `code()` (see [`Error`]).
//! Nothing here logs or stores attribute values.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod challenge;
pub mod disclosure_log;
mod error;
pub mod storage;
pub mod translog;

pub use error::Error;
