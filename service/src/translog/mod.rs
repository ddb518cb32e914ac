//! The disclosure transparency log, in the manner of Certificate
//! Transparency (RFC 6962 / RFC 9162).
//!
//! - [`merkle`]: the Merkle tree hash, inclusion and consistency proofs and
//!   their verifiers.
//! - [`record`]: what is logged about each decision, and its canonical
//!   encoding (the leaf).
//! - [`sth`]: signed tree heads and the log's Ed25519 key.
//! - [`export`]: the export document and its offline verification.

pub mod export;
pub mod merkle;
pub mod record;
pub mod sth;

pub use export::{verify_export, verify_export_with, LogExport, Report, VerifyError};
pub use merkle::{Hash, ProofError};
pub use record::{
    CredentialDisclosure, DisclosureEvent, DisclosureRecord, Outcome, PolicyRef, RecordError,
};
pub use sth::{KeyError, LogPublicKey, LogSigningKey, SignedTreeHead, TreeHead};
