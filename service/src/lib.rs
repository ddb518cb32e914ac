//! # zkcred-service
//!
//! The zkcred verifier service: [`http`], the JSON-over-HTTP API (`zkcred
//! serve`), on these foundations:
//!
//! - [`translog`]: the tamper-evident disclosure log (RFC 6962 Merkle tree,
//!   signed tree heads, export verification for regulators);
//! - [`storage`]: persistence behind the [`storage::Storage`] trait, with a
//!   single-file SQLite implementation;
//! - [`disclosure_log`]: the log on top of a storage: append, sign heads,
//!   proofs, export;
//! - [`challenge`]: one-time challenges, bound to a policy and a verifier;
//! - [`cache`]: the TTL cache (on `moka`) of issuer verification keys and policies.
//!
//! Every error has a stable machine-readable `code()` (see [`Error`]).
//! Nothing here logs or stores attribute values.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod challenge;
pub mod disclosure_log;
mod error;
pub mod http;
pub mod storage;
pub mod translog;

pub use error::Error;
