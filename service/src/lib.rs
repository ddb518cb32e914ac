//! # zkcred-service
//!
//! The zkcred verifier service: [`http`], the JSON-over-HTTP API (`zkcred
//! serve`), on these foundations:
//!
//! - [`storage`]: persistence behind the [`storage::Storage`] trait, with a
//!   single-file SQLite implementation; [`storage::Backend`] opens the one
//!   the configuration names, and the service holds it as a
//!   [`storage::DynStorage`];
//! - [`disclosure_log`]: the tamper-evident disclosure log on top of a
//!   storage: append, sign heads, proofs, export. The log's maths (RFC 6962
//!   Merkle tree, records, signed tree heads, export verification) is the
//!   `zkcred-translog` crate, which has no I/O;
//! - [`log_key`]: the log's signing key in a 0600 file, checked against
//!   the stored heads at start (explicit, recorded rotation);
//! - [`challenge`]: one-time challenges, bound to a policy and a verifier,
//!   in process or in a Redis shared by several nodes;
//! - [`request_keys`]: the verifiers' request keys and registrations, with
//!   which the service signs the requests it issues;
//! - [`cache`]: the TTL cache (on `moka`) of issuer verification keys and policies;
//! - [`coherence`]: the change feed between nodes sharing a store
//!   (PostgreSQL `LISTEN` / `NOTIFY` and a periodic refresh), which keeps
//!   every node's in-memory registry, keys, policies, status epochs and
//!   request keys in step with the store.
//!
//! Every error has a stable machine-readable `code()` (see [`Error`]).
//! Nothing here logs or stores attribute values.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod challenge;
pub mod coherence;
pub mod disclosure_log;
mod error;
pub mod http;
pub mod log_key;
pub mod request_keys;
pub mod storage;

pub use error::Error;
