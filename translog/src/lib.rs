//! # zkcred-translog
//!
//! The disclosure transparency log of zkcred, in the manner of Certificate
//! Transparency (RFC 6962 / RFC 9162): the maths and the encodings only.
//!
//! - [`merkle`]: the Merkle tree hash of RFC 6962 §2.1, inclusion and
//!   consistency proofs (§2.1.1, §2.1.2) and their verifiers (RFC 9162
//!   §2.1.3.2, §2.1.4.2).
//! - [`record`]: what is logged about each decision, and its canonical
//!   encoding, the RFC 8785 (JCS) JSON that is the Merkle leaf.
//! - [`sth`]: tree heads signed with the log's Ed25519 key (RFC 8032).
//! - [`export`]: the export document and its offline verification
//!   (`zkcred audit verify`, or a regulator's own tools); [`stream`]: the
//!   same checks on an export read as a stream, never held whole.
//!
//! No I/O: no HTTP, no database, no async runtime. Storing records, keeping
//! the signing key in a file and serving proofs belong to `zkcred-service`;
//! this crate only reads the clock ([`record::now_timestamp`], through
//! `std::time`) and the operating system's random generator
//! ([`LogSigningKey::generate`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod export;
pub mod merkle;
#[cfg(feature = "openapi")]
mod openapi;
pub mod record;
pub mod sth;
pub mod stream;
pub mod tree;

pub use export::{
    verify_export, verify_export_with, ExportVerifier, LogExport, Report, VerifyError,
};
pub use merkle::{Hash, ProofError};
pub use record::{
    CredentialDisclosure, DisclosureEvent, DisclosureRecord, Outcome, PolicyRef, ProvenStatement,
    RecordError, PROVEN_OPS,
};
pub use sth::{KeyError, LogPublicKey, LogSigningKey, SignedTreeHead, TreeHead};
pub use stream::{verify_export_bytes, verify_export_json};
