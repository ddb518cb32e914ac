//! Presentation requests, presentations and their verification.
//!
//! # Request (`"format": "zkcred-presentation-request"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-presentation-request", "version": 1,
//!   "verifier": "bank.example", "challenge": "<16–64 random octets, hex>",
//!   "expires_at": "2026-03-01T10:05:00Z",
//!   "credentials": [ { "credential_type": "drivers_license",
//!                      "disclose": ["holder_name", "vehicle_class"],
//!                      "issuers": ["11330105002500287C"], "statements": [] } ] }
//! ```
//!
//! `issuers` (optional) restricts the accepted issuers. The request digest is
//! `SHA-256(canonical("ZKCRED-REQUEST-V1", verifier, challenge octets,
//! i64 expires_at (Unix seconds), u32 n, per entry: credential_type,
//! u32 n, disclose…, u32 n, issuers…, u32 n, statement JSON…))` — see
//! [`crate::canonical`]; statements are serialised as JSON with sorted keys.
//!
//! # Presentation (`"format": "zkcred-presentation"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-presentation", "version": 1,
//!   "verifier": "bank.example", "challenge": "…", "request_digest": "<32 octets hex>",
//!   "credentials": [ { "credential_type": "drivers_license", "issuer": "…", "key_id": "…",
//!       "suite": "BLS12-381-SHA-256", "encoding_version": 1,
//!       "disclosed": { "holder_name": "张三", "vehicle_class": "C1" },
//!       "statements": [],
//!       "proof": { "type": "bbs", "version": 1, "value": "<hex>" } } ] }
//! ```
//!
//! One presented credential answers each requested entry, in order. Disclosed
//! values are given by name; the verifier maps names to message indexes with
//! its catalogue. Each proof is a BBS proof with the credential's signature
//! header and the presentation header
//!
//! ```text
//! ph = canonical("ZKCRED-PRESENTATION-V1", challenge octets, verifier,
//!                request_digest, u32 entry index, statements_digest)
//! statements_digest = SHA-256(canonical("ZKCRED-STATEMENTS-V1", u32 n, statement JSON…))
//! ```
//!
//! so a presentation cannot be replayed to another verifier, another
//! challenge or another request, nor have its entries reordered.
//!
//! # Extension: statements
//!
//! `statements` (in requested entries and presented credentials) is where
//! later versions add predicates over undisclosed attributes, such as range
//! proofs over dates and integers: each is an object with a `kind` and its
//! own parameters, bound into the proof by the presentation header. This
//! version defines no statement kinds and rejects any it is given with
//! [`Error::UnsupportedStatement`](crate::Error::UnsupportedStatement); a new proof construction gets a new
//!
//! # Modules
//!
//! * `request`: the verifier's [`PresentationRequest`] and its digest.
//! * `statement`: [`Statement`]s and their digest, bound into each proof.
//! * `document`: the [`Presentation`] document and its entries.
//! * `header`: [`presentation_header`], which binds each proof to its request.
//! * `prove`: the holder side ([`present`], [`HolderCredential`]).
//! * `verify`: the verifier side ([`verify_presentation`], and the split
//!   [`check_binding`] / [`prepare_presentation`] a batching verifier uses).
//!
//! Composite proofs (a later issue: range predicates, holder binding,
//! pseudonyms, accumulator membership) plug in at `statement` (the kinds and
//! their parameters, today all rejected by `reject_statements`), `prove`
//! (`HolderCredential::present_entry` builds each entry's proof) and
//! `verify` (`prepare_entry` checks an entry up to its proofs;
//! [`PreparedEntry`] carries what the proof checks need), with a new
//! `proof.type` / `proof.version` in [`ProofObject`].

mod document;
mod header;
mod prove;
mod request;
mod statement;
mod verify;

pub use document::{Presentation, PresentedCredential, ProofObject};
pub use header::presentation_header;
pub use prove::{present, present_prepared, HolderCredential};
pub use request::{PresentationRequest, RequestedCredential};
pub use statement::Statement;
pub use verify::{
    check_binding, prepare_entry, prepare_presentation, verify_presentation, DisclosedCredential,
    PreparedEntry, PreparedPresentation,
};

/// Format name of presentation requests.
pub const REQUEST_FORMAT: &str = "zkcred-presentation-request";
/// Format name of presentations.
pub const PRESENTATION_FORMAT: &str = "zkcred-presentation";
/// Version of both formats.
pub const PRESENTATION_VERSION: u32 = 1;
/// Proof type of BBS proofs.
pub const PROOF_TYPE_BBS: &str = "bbs";
/// Version of the BBS proof object.
pub const PROOF_VERSION: u32 = 1;
/// Minimum challenge length in octets (128 bits).
pub const MIN_CHALLENGE_LEN: usize = 16;
/// Maximum challenge length in octets.
pub const MAX_CHALLENGE_LEN: usize = 64;
/// Most credentials one request may ask for.
pub const MAX_REQUESTED_CREDENTIALS: usize = 16;
