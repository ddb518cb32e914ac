//! Presentation requests, presentations and their verification.
//!
//! # Request (`"format": "zkcred-presentation-request"`, `"version": 1` unsigned, `2` signed)
//!
//! Version 1 is the unsigned request below, for development: wallets refuse
//! it by default. Version 2, the signed request, adds `policy`, `purpose`,
//! `legal_basis`, the verifier's `registration` and the request key's
//! `signature` ([`registration`] has the formats and what is signed); the
//! digest below is the same for both.
//!
//! ```json
//! { "format": "zkcred-presentation-request", "version": 1,
//!   "verifier": "rental.example", "challenge": "<16–64 random octets, hex>",
//!   "expires_at": "2026-03-01T10:05:00Z",
//!   "credentials": [
//!     { "credential_type": "resident_id_card", "disclose": ["holder_name"],
//!       "accepted_types": ["resident_id_card", "residence_permit"],
//!       "statements": [ { "kind": "range", "attribute": "birth_date",
//!                         "op": "<=", "value": "2008-03-01" } ] },
//!     { "credential_type": "drivers_license", "disclose": ["vehicle_class"],
//!       "issuers": ["11330105002500287C"],
//!       "statements": [
//!         { "kind": "range", "attribute": "valid_until", "op": ">", "value": "2026-03-01" },
//!         { "kind": "equal", "attribute": "holder_id",
//!           "to": { "entry": 0, "attribute": "holder_id" } } ] } ] }
//! ```
//!
//! `issuers` (optional) restricts the accepted issuers. `accepted_types`
//! (optional) lists every credential type that may answer the entry; it
//! then contains `credential_type`, the verifier's first choice, and every
//! disclosed or statement attribute must exist in each type. The request
//! digest is
//!
//! ```text
//! SHA-256(canonical("ZKCRED-REQUEST-V1", verifier, challenge octets,
//!     i64 expires_at (Unix seconds), u32 n, per entry: credential_type,
//!     u32 n, disclose…, u32 n, issuers…, u32 n, statement JSON…
//!     [, "accepted_types", per entry: u32 n, accepted type…]))
//! ```
//!
//! (see [`crate::canonical`]); the bracketed section is present only when
//! some entry lists `accepted_types`. Statement JSON is canonical: keys
//! sorted, no whitespace, absent bounds left out.
//!
//! # Presentation (`"format": "zkcred-presentation"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-presentation", "version": 1,
//!   "verifier": "rental.example", "challenge": "…", "request_digest": "<32 octets hex>",
//!   "credentials": [
//!     { "credential_type": "resident_id_card", "issuer": "…", "key_id": "…",
//!       "suite": "BLS12-381-SHA-256", "encoding_version": 1,
//!       "disclosed": { "holder_name": "张三" },
//!       "statements": [ { "kind": "range", "attribute": "birth_date", "op": "<=", "value": "2008-03-01" } ],
//!       "proof": { "type": "bbs", "version": 1, "value": "<hex>" } },
//!     { "credential_type": "drivers_license", "…": "…",
//!       "disclosed": { "vehicle_class": "C1", "valid_until": null },
//!       "statements": [ { "kind": "equal", "attribute": "holder_id",
//!                         "to": { "entry": 0, "attribute": "holder_id" } } ],
//!       "proof": { "…": "…" } } ] }
//! ```
//!
//! One presented credential answers each requested entry, in order, with
//! one of the entry's accepted types. Disclosed values are given by name;
//! the verifier maps names to message indexes with its catalogue. Each
//! proof is bound to the credential's signature header and the
//! presentation header
//!
//! ```text
//! ph = canonical("ZKCRED-PRESENTATION-V1", challenge octets, verifier,
//!                request_digest, u32 entry index, statements_digest)
//! statements_digest = SHA-256(canonical("ZKCRED-STATEMENTS-V1", u32 n, statement JSON…))
//! ```
//!
//! over the entry's presented `statements`, so a presentation cannot be
//! replayed to another verifier, another challenge or another request, nor
//! have its entries reordered or its statements swapped.
//!
//! # Statements
//!
//! A statement is something the holder proves about an attribute it does
//! *not* disclose ([`Statement`], JSON tagged by `"kind"`); at most
//! [`MAX_STATEMENTS_PER_ENTRY`] per entry, none twice.
//!
//! | kind | parameters | proves (and binds) |
//! | --- | --- | --- |
//! | `range` | `attribute`, `op` `>=` `<=` `>` `<` with `value`, or `between` with `min`, `max` (inclusive) | the hidden value of `attribute` lies within the bound: a `date` attribute against `"YYYY-MM-DD"`, an `integer` attribute against a JSON integer |
//! | `equal` | `attribute`, `to`: `{entry, attribute}` | the hidden value of `attribute` in this entry equals the hidden value of `to.attribute` in the earlier entry `to.entry`: both credentials carry the same value (one holder, one vehicle) though neither is shown |
//!
//! A statement's attribute must be in the layout of every accepted type of
//! its entry and not disclosed by it; `range` applies to `date` and
//! `integer` attributes only, and its bounds must leave a value of the type
//! (dates 0001-01-01 to 9999-12-31, integers within `i64`); `equal` needs
//! the same attribute type on both sides, and the earlier entry must not
//! disclose its attribute either. [`resolve_statements`] checks this and
//! turns each statement into what the proof works on: the message index
//! and inclusive integer bounds of a range ([`ResolvedRange`]; dates as
//! days since 1970-01-01, `>` v as min v+1, `<` v as max v−1), the two
//! message indexes of an equality ([`ResolvedEqual`]).
//!
//! Each statement binds only what it says: a range proof reveals that the
//! value is within the bound and nothing else (not how far within); an
//! equality proof reveals that the two values are equal and nothing about
//! either. Both are about the signed messages, so they are exactly as
//! strong as the issuer's signature over the credential.
//!
//! **An optional attribute the credential does not carry** (a
//! `valid_until` of a long-term card) has no value to prove a range over.
//! The holder then discloses the attribute as `null` in `disclosed`
//! instead, and leaves that statement out of the presented `statements`;
//! the verifier checks the `null` as a disclosed absent value (the
//! encoding's absent scalar) and its policy decides what absence means
//! (for `zkcred-policy`, a predicate's `if_absent`). Every other requested
//! statement is presented as requested. Note that two absent values are
//! equal, so `equal` is meant for attributes every accepted type requires.
//!
//! # Modules
//!
//! * `request`: the verifier's [`PresentationRequest`] and its digest.
//! * [`registration`]: Ed25519 regulator and request keys, the verifier
//!   registration a regulator signs, signing and authenticating requests.
//! * `statement`: [`Statement`]s, their digest and their resolution
//!   ([`resolve_statements`]), bound into each proof.
//! * `document`: the [`Presentation`] document and its entries.
//! * `header`: [`presentation_header`], which binds each proof to its request.
//! * `prove`: the holder side ([`present`], [`HolderCredential`]).
//! * `verify`: the verifier side ([`verify_presentation`], and the split
//!   [`check_binding`] / [`prepare_presentation`] a batching verifier uses).
//!
//! Composite proofs plug in at `statement` (the kinds, their parameters and
//! resolution), `prove` (`HolderCredential::present_entry` builds each
//! entry's proof) and `verify` (`prepare_entry` checks an entry up to its
//! proofs; [`PreparedEntry`] carries what the proof checks need), with a
//! new `proof.type` / `proof.version` in [`ProofObject`].

mod composite;
mod document;
mod header;
mod prove;
pub mod registration;
mod request;
mod statement;
pub mod status;
mod verify;

pub use document::{Presentation, PresentedCredential, ProofObject};
pub use header::{composite_presentation_header, presentation_header};
pub use prove::{present, present_prepared, HolderCredential};
pub use registration::{
    AuthenticatedRequest, KeyRole, PublicSigningKey, RegisteredVerifier, RequestPolicy,
    SecretSigningKey, TrustedRegulators, VerifierRegistration,
};
pub use request::{PresentationRequest, PseudonymRequest, RequestedCredential};
pub use statement::{
    resolve_statements, EntryAttribute, EqualStatement, RangeOp, RangeStatement, ResolvedEqual,
    ResolvedRange, Statement, MAX_STATEMENTS_PER_ENTRY,
};
pub use verify::{
    check_binding, prepare_entry, prepare_presentation, verify_presentation, DisclosedCredential,
    PreparedComposite, PreparedEntry, PreparedPresentation,
};

/// Format name of presentation requests.
pub const REQUEST_FORMAT: &str = "zkcred-presentation-request";
/// Format name of presentations.
pub const PRESENTATION_FORMAT: &str = "zkcred-presentation";
/// Version of the presentation format.
pub const PRESENTATION_VERSION: u32 = 1;
/// Version of unsigned presentation requests (development only: wallets
/// refuse them unless told otherwise).
pub const UNSIGNED_REQUEST_VERSION: u32 = 1;
/// Version of signed presentation requests ([`registration`]).
pub const REQUEST_VERSION: u32 = 2;
/// Proof type of an entry's own BBS proof: the blind-signatures draft's
/// `ProofGen` over a blind-signed credential (version 2; version 1 was the
/// signatures draft's `ProofGen` over credentials without holder binding,
/// no longer accepted).
pub const PROOF_TYPE_BBS: &str = "bbs";
/// Proof type of composite proofs ([`zkcred_crypto::composite`]).
pub const PROOF_TYPE_COMPOSITE: &str = "zkcred-composite";
/// Version of the composite proof object (2: over blind-signed credentials,
/// with holder binding and pseudonyms).
pub const COMPOSITE_PROOF_VERSION: u32 = 2;
/// Version of the BBS proof object (see [`PROOF_TYPE_BBS`]).
pub const PROOF_VERSION: u32 = 2;
/// Minimum challenge length in octets (128 bits).
pub const MIN_CHALLENGE_LEN: usize = 16;
/// Maximum challenge length in octets.
pub const MAX_CHALLENGE_LEN: usize = 64;
/// Most credentials one request may ask for.
pub const MAX_REQUESTED_CREDENTIALS: usize = 16;
