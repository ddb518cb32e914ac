//! Credential layer of zkcred: BBS credentials for Chinese electronic licenses.
//!
//! * [`catalogue`]: the license catalogue (credential types and typed attributes), as data.
//! * [`formats`]: national formats: GB/T 2260 area codes, GB 11643 ID numbers, license numbers.
//! * [`issuance`]: the issuance rules (formats, dates, authority, back-dating) and their error codes.
//! * [`license_id`]: GB/T 36904 license identifiers and GB 32100 unified social credit codes.
//! * [`encoding`]: typed attribute values and their encoding into BBS messages.
//! * [`layout`]: the fixed message layout per type and the signature header.
//! * [`credential`]: attribute sets, the credential envelope, issuance, holder verification.
//! * [`presentation`]: presentation requests, presentations, proving (holder) and
//!   verification (verifier), one module per role.
//! * [`keys`]: issuer keys, key identifiers, key files, rotation, key sets.
//! * [`wallet`]: the holder's wallet directory, sealed under a passphrase
//!   (Argon2id, XChaCha20-Poly1305), and its [`holder_secret`].
//! * [`holder_secret`]: the holder secret (zeroized, redacted, never serialised in clear).
//! * [`status`]: licence status without tracking the holder: status codes,
//!   the issuer's status registry (an accumulator per credential type),
//!   signed epochs for verifiers, updates for holders.
//! * [`canonical`]: length-prefixed canonical byte encodings used for headers and digests.
//!
//! Typical flow: an issuer loads its [`keys::KeyStore`] and calls
//! [`credential::issue`]; the holder creates a wallet once
//! ([`wallet::Wallet::init`]), opens it with the passphrase
//! ([`wallet::Wallet::open`]) and adds the credential to it (which
//! verifies it); a verifier creates a
//! [`presentation::PresentationRequest`], the holder answers with
//! [`wallet::Wallet::present`], and the verifier calls
//! [`presentation::verify_presentation`] with its trusted [`keys::KeySet`].

pub mod canonical;
pub mod catalogue;
pub mod credential;
pub mod credential_request;
pub mod encoding;
pub mod error;
pub mod formats;
mod fsutil;
pub mod holder_secret;
pub mod issuance;
pub mod keys;
pub mod layout;
pub mod license_id;
pub mod presentation;
pub mod status;
pub mod wallet;

pub use catalogue::{
    AttributeDef, Catalogue, CredentialType, HolderKind, LicenseNumberFormat, Sensitivity,
};
pub use credential::{
    issue, issue_blind, issue_to, issue_with, AttributeSet, Credential, HolderBinding,
    ReservedSlots,
};
pub use credential_request::CredentialRequest;
pub use encoding::{AttributeType, AttributeValue, Date, ENCODING_VERSION};
pub use error::{AttributeError, CatalogueError, Error};
pub use holder_secret::HolderSecret;
pub use issuance::{IssuanceError, IssueOptions, Rule};
pub use keys::{IssuerKey, IssuerPublicKey, KeyResolver, KeySet, KeyStore};
pub use license_id::{LicenseId, LicenseIdError, LicenseTypeCode, Uscc};
pub use presentation::{
    present, present_prepared, resolve_statements, verify_presentation, DisclosedCredential,
    EqualStatement, HolderCredential, Presentation, PresentationRequest, PseudonymRequest, RangeOp,
    RangeStatement, RequestedCredential, Statement,
};
pub use status::{LicenseStatus, StatusEpoch, StatusRegistry, StatusUpdate, StatusWitness};
pub use wallet::{KdfParams, Wallet, WalletEntry, WalletSummary};
