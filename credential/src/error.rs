//! Error types of the credential layer.
//!
//! [`AttributeError`] and [`CatalogueError`] belong to the data-only parts
//! (values, catalogue); [`Error`] is what issuance, verification, presentation,
//! key handling and the wallet return. Every error names what was wrong
//! (the attribute, the credential type, the key) so callers can report it.

use zkcred_problem::ProblemCode;

use crate::encoding::AttributeType;
use crate::issuance::IssuanceError;
use crate::license_id::LicenseIdError;

/// An attribute value that does not fit its definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    /// The attribute is not in the credential type's layout.
    #[error("attribute {attribute:?} is not in the layout of credential type {credential_type:?}")]
    NotInLayout {
        /// The attribute name.
        attribute: String,
        /// The credential type.
        credential_type: String,
    },
    /// A required attribute has no value.
    #[error("required attribute {attribute:?} is missing")]
    Missing {
        /// The attribute name.
        attribute: String,
    },
    /// The value is not of the attribute's type.
    #[error("attribute {attribute:?} must be of type {expected}")]
    TypeMismatch {
        /// The attribute name.
        attribute: String,
        /// The type the catalogue defines.
        expected: AttributeType,
    },
    /// A date that is not a valid `YYYY-MM-DD` between 0001 and 9999.
    #[error("attribute {attribute:?}: {value:?} is not a date YYYY-MM-DD between 0001-01-01 and 9999-12-31")]
    InvalidDate {
        /// The attribute name.
        attribute: String,
        /// The rejected text (truncated).
        value: String,
    },
    /// Bytes given as something other than hex.
    #[error("attribute {attribute:?} must be hex-encoded bytes")]
    InvalidHex {
        /// The attribute name.
        attribute: String,
    },
    /// A string whose octets are not UTF-8.
    #[error("attribute {attribute:?} is not valid UTF-8")]
    InvalidUtf8 {
        /// The attribute name.
        attribute: String,
    },
    /// A string or bytes value over its length limit.
    #[error("attribute {attribute:?} has {length} octets, more than the maximum {max}")]
    TooLong {
        /// The attribute name.
        attribute: String,
        /// Length found.
        length: usize,
        /// Maximum allowed.
        max: usize,
    },
    /// A value that violates an attribute-specific rule (such as a license
    /// identifier of another type).
    #[error("attribute {attribute:?}: {reason}")]
    Invalid {
        /// The attribute name.
        attribute: String,
        /// What is wrong.
        reason: String,
    },
}

impl AttributeError {
    /// The stable machine code of the error (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            AttributeError::NotInLayout { .. } => "not_in_layout",
            AttributeError::Missing { .. } => "missing_attribute",
            AttributeError::TypeMismatch { .. } => "type_mismatch",
            AttributeError::InvalidDate { .. } => "invalid_date",
            AttributeError::InvalidHex { .. } => "invalid_hex",
            AttributeError::InvalidUtf8 { .. } => "invalid_utf8",
            AttributeError::TooLong { .. } => "too_long",
            AttributeError::Invalid { .. } => "invalid_attribute",
        }
    }
}

/// A catalogue file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("cannot read catalogue {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON of the catalogue's shape.
    #[error("catalogue is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The catalogue format version is not supported.
    #[error("unsupported catalogue format version {0}")]
    UnsupportedVersion(u32),
    /// Two credential types share an identifier or type code.
    #[error("duplicate credential type {0:?}")]
    DuplicateType(String),
    /// A credential type or attribute is malformed.
    #[error("credential type {credential_type:?}: {reason}")]
    InvalidType {
        /// The credential type (or `metadata` for the shared attributes).
        credential_type: String,
        /// What is wrong.
        reason: String,
    },
    /// A credential type's license type code is invalid.
    #[error("credential type {credential_type:?}: invalid license type code: {source}")]
    TypeCode {
        /// The credential type.
        credential_type: String,
        /// The cause.
        #[source]
        source: LicenseIdError,
    },
}

/// Errors of issuance, verification, presentation, keys and the wallet.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An attribute value is wrong (named in the inner error).
    #[error(transparent)]
    Attribute(#[from] AttributeError),
    /// The catalogue is unusable.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The attributes break an issuance rule (named, with its code, in the
    /// inner error).
    #[error(transparent)]
    Issuance(#[from] IssuanceError),
    /// A document is not of the expected format or version.
    #[error("expected a {expected} document of version {version}, found {found:?}")]
    UnsupportedFormat {
        /// The format expected.
        expected: &'static str,
        /// The version supported.
        version: u32,
        /// What was found (format and version).
        found: String,
    },
    /// The credential type is not in the catalogue.
    #[error("unknown credential type {0:?}")]
    UnknownCredentialType(String),
    /// The attribute encoding version is not supported.
    #[error("unsupported attribute encoding version {0}")]
    UnsupportedEncodingVersion(u32),
    /// The ciphersuite name is not known.
    #[error("unknown ciphersuite {0:?}")]
    UnknownSuite(String),
    /// The document's ciphersuite differs from the issuer key's.
    #[error("ciphersuite {found} does not match the issuer key's {key}")]
    SuiteMismatch {
        /// Suite of the credential or presentation.
        found: String,
        /// Suite of the key.
        key: String,
    },
    /// An issuer or verifier identifier is malformed.
    #[error("invalid {what} identifier {value:?}")]
    InvalidIdentifier {
        /// `issuer` or `verifier`.
        what: &'static str,
        /// The rejected value (truncated).
        value: String,
    },
    /// No public key is known for this issuer and key identifier.
    #[error("unknown key {key_id:?} of issuer {issuer:?}")]
    UnknownKey {
        /// The issuer.
        issuer: String,
        /// The key identifier.
        key_id: String,
    },
    /// A key file's key identifier does not match its public key.
    #[error("key identifier {stated:?} does not match the public key (expected {derived:?})")]
    KeyIdMismatch {
        /// The identifier in the file.
        stated: String,
        /// The identifier derived from the public key.
        derived: String,
    },
    /// A key's validity window is empty or malformed.
    #[error("invalid key validity window: {0}")]
    InvalidKeyWindow(String),
    /// The key is outside its validity window for issuance.
    #[error("key {key_id:?} is not valid for issuance at {at}")]
    KeyNotValid {
        /// The key identifier.
        key_id: String,
        /// The time of issuance.
        at: String,
    },
    /// No key of the issuer is valid at this time.
    #[error("issuer {0:?} has no key valid now")]
    NoSigningKey(String),
    /// A secret key file is unusable (no key material is ever printed).
    #[error("invalid secret key file: {0}")]
    InvalidSecretKey(&'static str),
    /// A signature, proof, public key or reserved value is not well-formed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The credential's signature does not verify.
    #[error("credential signature does not verify")]
    SignatureInvalid,
    /// A credential without its holder's part (holder secret and
    /// `secret_prover_blind`): a credential file on its own, outside the
    /// wallet it was issued to, can be neither verified nor presented.
    #[error("this credential is bound to a holder secret that is not here: present it from the wallet it was issued to")]
    HolderBindingMissing,
    /// The wallet holds the licence as not valid (suspended, revoked,
    /// cancelled, expired) at its latest synced epoch: it does not present
    /// it. Raised by the holder's side before any proof is made.
    #[error("entry {entry}: this {credential_type} is {status} since status epoch {since_epoch} (last synced epoch {epoch}): it cannot be presented")]
    LicenseStatusNotValid {
        /// The entry.
        entry: usize,
        /// The credential type.
        credential_type: String,
        /// The status the wallet holds.
        status: crate::status::LicenseStatus,
        /// The epoch from which it holds.
        since_epoch: u64,
        /// The latest epoch the wallet synced to.
        epoch: u64,
    },
    /// A requested entry asks for the licence's status and the holder has
    /// no status witness for the credential (never synced, or the issuer
    /// keeps no status list for its type).
    #[error("entry {entry} ({credential_type}) asks for the licence's status and this credential has no status witness: sync the wallet")]
    StatusWitnessMissing {
        /// The entry.
        entry: usize,
        /// The credential type.
        credential_type: String,
    },
    /// A presented entry does not name the status epoch its request asks
    /// for, or names one its request does not ask for.
    #[error("entry {entry}: {reason}")]
    StatusMissing {
        /// The entry.
        entry: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The status epoch a presentation names is not known to the verifier.
    #[error("no status epoch {epoch} of {issuer} for {credential_type} is known here")]
    StatusEpochUnknown {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// The epoch named.
        epoch: u64,
    },
    /// The status epoch a presentation names was superseded longer ago than
    /// the request allows.
    #[error("status epoch {epoch} was superseded {superseded_for} s ago; the policy accepts at most {max_epoch_age} s: sync the wallet")]
    StatusEpochStale {
        /// The epoch named.
        epoch: u64,
        /// Seconds since the next epoch was published, rounded up.
        superseded_for: u64,
        /// The request's bound, in seconds.
        max_epoch_age: u64,
    },
    /// The licence is not in its issuer's list of valid licences for the
    /// epoch named (suspended, revoked or cancelled, or the holder's
    /// witness is stale): every other part of the proof verified.
    #[error("the licence is not valid in its issuer's status list for the epoch presented (suspended, revoked or cancelled)")]
    LicenseNotValid,
    /// A credential that no pending request of this wallet asked for: issued
    /// to another wallet (its holder secret), or added already.
    #[error("no credential request of this wallet matches this credential: it was issued to another wallet's holder secret, or it was added already")]
    NotRequestedByThisWallet,
    /// Credentials presented together that are bound to different holder
    /// secrets (kept in different wallets): they cannot be shown as one
    /// person's. Raised by the holder's side before any proof is made.
    #[error("the credentials of entries 0 and {entry} are bound to different holder secrets (different wallets): they cannot be presented as one person's")]
    HolderMismatch {
        /// The first entry whose holder secret differs from entry 0's.
        entry: usize,
    },
    /// A holder's credential request (the commitment to the holder secret)
    /// is not acceptable.
    #[error("invalid credential request: {0}")]
    InvalidCredentialRequest(String),
    /// The presentation proof does not verify for the disclosed values, the
    /// credential header or the presentation binding.
    #[error("presentation proof does not verify")]
    ProofInvalid,
    /// A presentation request is malformed.
    #[error("invalid presentation request: {0}")]
    InvalidRequest(String),
    /// The request has expired.
    #[error("the presentation request expired at {0}")]
    RequestExpired(String),
    /// The presentation was made for another verifier.
    #[error("presentation is for verifier {found:?}, not {expected:?}")]
    VerifierMismatch {
        /// The verifier of the request.
        expected: String,
        /// The verifier named in the presentation.
        found: String,
    },
    /// The presentation answers another challenge.
    #[error("presentation answers a different challenge")]
    ChallengeMismatch,
    /// The presentation answers a different request.
    #[error("presentation answers a different request (request digest mismatch)")]
    RequestDigestMismatch,
    /// The presentation has the wrong number of credentials.
    #[error("request asks for {expected} credential(s), presentation has {found}")]
    CredentialCountMismatch {
        /// Number requested.
        expected: usize,
        /// Number presented.
        found: usize,
    },
    /// A presented credential is of another type than requested.
    #[error("expected a credential of type {expected:?}, found {found:?}")]
    WrongCredentialType {
        /// The requested type.
        expected: String,
        /// The presented type.
        found: String,
    },
    /// The issuer is not among those the request accepts.
    #[error("issuer {0:?} is not accepted by the request")]
    IssuerNotAccepted(String),
    /// A requested attribute was not disclosed.
    #[error("requested attribute {0:?} is not disclosed")]
    MissingDisclosure(String),
    /// An attribute was disclosed that the request did not ask for.
    #[error("attribute {0:?} is disclosed but was not requested")]
    UnrequestedDisclosure(String),
    /// A statement kind this version cannot prove or check.
    #[error("unsupported statement kind {0:?}")]
    UnsupportedStatement(String),
    /// A statement that is malformed or does not fit its entry: an unknown
    /// attribute, a range over an attribute that is not a date or integer,
    /// a bad or empty bound, a disclosed attribute, an equality with a later
    /// entry or across attribute types, too many statements (the message
    /// names the entry and attribute, and the verifier's bounds, never a
    /// holder's value).
    #[error("invalid statement: {0}")]
    InvalidStatement(String),
    /// The holder's credential does not meet a requested statement, e.g.
    /// a birth date after the bound of an age check. Raised by the holder's
    /// side before any proof is made; the message names the entry and the
    /// statement, never the value.
    #[error("the credential of entry {entry} does not meet {statement}")]
    StatementNotSatisfied {
        /// The entry (0-based).
        entry: usize,
        /// The statement, described (`birth_date <= 2008-11-29`).
        statement: String,
    },
    /// The request carries no verifier signature (an unsigned, version 1
    /// request; see [`crate::presentation::registration`]).
    #[error("the presentation request is not signed by its verifier (an unsigned request could come from anyone and ask for anything)")]
    RequestUnsigned,
    /// The request's signature does not verify under the request key of
    /// its registration: something in it was changed after it was signed.
    #[error("the presentation request's signature does not verify under the verifier's registered request key: it was altered after the verifier signed it")]
    RequestSignatureInvalid,
    /// A verifier registration or key file that is not well-formed (the
    /// message names the field).
    #[error("invalid verifier registration: {0}")]
    InvalidRegistration(String),
    /// The registration is not signed by a trusted regulator key: the key
    /// is unknown, or the signature does not verify (the message says which).
    #[error("the verifier's registration is not trusted: {0}")]
    RegistrationUntrusted(String),
    /// The registration is outside its validity window.
    #[error("the verifier's registration {0}")]
    RegistrationExpired(String),
    /// The registration does not cover the request: it names another
    /// verifier, or does not hold the request's policy.
    #[error("the verifier's registration does not cover the request: {0}")]
    RegistrationMismatch(String),
    /// A signed request asks for more than its registered policy allows:
    /// the detail names the entry and the attribute, type or statement.
    #[error("the request asks for more than its registered policy {policy} allows: {detail}")]
    RequestExceedsPolicy {
        /// The policy, `id vN`.
        policy: String,
        /// What is asked beyond it (names, never values).
        detail: String,
    },
    /// A proof object of an unknown type or version.
    #[error("unsupported proof type {kind:?} version {version}")]
    UnsupportedProof {
        /// The proof type.
        kind: String,
        /// The proof version.
        version: u32,
    },
    /// A licence status code that is not one of the national codes (see
    /// [`crate::status::LicenseStatus`]).
    #[error("unknown licence status code {0:?} (01 valid, 02 suspended, 03 revoked, 04 cancelled, 05 expired, 07 revoked by penalty)")]
    UnknownStatusCode(String),
    /// A status change the rules of [`crate::status::LicenseStatus`] do
    /// not allow.
    #[error("licence {credential:?}: its status cannot change from {from} to {to}: {reason}")]
    StatusTransition {
        /// The credential identifier (its `license_id`).
        credential: String,
        /// The current status.
        from: crate::status::LicenseStatus,
        /// The status asked for.
        to: crate::status::LicenseStatus,
        /// Why not.
        reason: &'static str,
    },
    /// The issuer keeps no status registry for this credential type.
    #[error("issuer {issuer:?} keeps no status registry for credential type {credential_type:?} (create one with `zkcred issuer status init`)")]
    NoStatusRegistry {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
    },
    /// A status registry exists already for this issuer and type.
    #[error(
        "issuer {issuer:?} has a status registry for credential type {credential_type:?} already"
    )]
    StatusRegistryExists {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
    },
    /// The status registry holds no credential with this identifier.
    #[error("the status registry holds no credential {0:?}")]
    UnknownStatusCredential(String),
    /// The status registry holds this credential identifier (or its
    /// revocation handle) already.
    #[error("the status registry holds credential {0:?} already")]
    StatusCredentialExists(String),
    /// A status epoch whose issuer signature does not verify.
    #[error(
        "the signature of status epoch {epoch} of {issuer:?} / {credential_type:?} does not verify"
    )]
    StatusSignatureInvalid {
        /// The issuer the epoch names.
        issuer: String,
        /// The credential type the epoch names.
        credential_type: String,
        /// The epoch number.
        epoch: u64,
    },
    /// A status document of another issuer or credential type than the
    /// key, epoch or credential it is used with.
    #[error("status document is for {found}, not {expected}")]
    StatusIssuerMismatch {
        /// What was expected (`issuer` or `issuer / type`).
        expected: String,
        /// What the document names.
        found: String,
    },
    /// A status epoch naming another issuer key than the one given to
    /// check it.
    #[error("status epoch is signed with key {found:?}, not {expected:?}")]
    StatusKeyMismatch {
        /// The key identifier of the key given.
        expected: String,
        /// The key identifier the epoch names.
        found: String,
    },
    /// Status epochs and updates that do not form an unbroken chain: an
    /// update or epoch missing between a credential's epoch and the
    /// latest, or an epoch whose previous-epoch digest is not that of the
    /// epoch before. Nothing was changed.
    #[error("status chain broken: {0}")]
    StatusChainBroken(String),
    /// A status update that does not match its signed epoch (digest,
    /// epochs, resulting value) or is inconsistent in itself.
    #[error("invalid status update: {0}")]
    StatusUpdateInvalid(String),
    /// The wallet has no credential with this identifier.
    #[error("no wallet entry {0:?}")]
    NotInWallet(String),
    /// The credential is already in the wallet.
    #[error("credential already in the wallet as {0:?}")]
    AlreadyInWallet(String),
    /// The wallet holds no credential that fits a requested entry.
    #[error("no credential of type {0:?} from an accepted issuer in the wallet")]
    NoMatchingCredential(String),
    /// The directory holds no wallet file.
    #[error("there is no wallet at {0} (create one with `zkcred wallet init`)")]
    NoWallet(String),
    /// The directory holds a wallet file already.
    #[error("a wallet exists already at {0}")]
    WalletExists(String),
    /// The wallet file's sealed holder secret does not open: the passphrase
    /// is wrong, or the file was altered. Nothing was changed.
    #[error("wrong passphrase, or the wallet file is damaged")]
    WrongPassphrase,
    /// A wallet entry's sealed record does not open with the wallet's key:
    /// altered, or moved from another entry or wallet.
    #[error("wallet entry {0} is damaged, or was moved from another entry or wallet")]
    RecordDamaged(String),
    /// A wallet cannot be created without a passphrase.
    #[error("the wallet passphrase is empty")]
    EmptyPassphrase,
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document could not be parsed.
    #[error("invalid {what} JSON: {source}")]
    Json {
        /// What was being parsed.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Another error from the BBS implementation.
    #[error("crypto: {0}")]
    Crypto(zkcred_crypto::Error),
}

impl Error {
    /// The problem code a verifier answers this error with (the wire
    /// vocabulary of `zkcred-problem`); the one place the credential layer's
    /// errors meet it. Errors that only arise in a holder's wallet or an
    /// issuer's files map to the nearest general code.
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as P;
        match self {
            Error::Attribute(AttributeError::NotInLayout { .. }) => P::OverDisclosure,
            Error::Attribute(_) | Error::Issuance(_) => P::AttributeInvalid,
            Error::Catalogue(_) | Error::Io { .. } => P::InternalError,
            Error::UnsupportedFormat { .. } => P::UnsupportedFormat,
            Error::UnknownCredentialType(_)
            | Error::InvalidIdentifier { .. }
            | Error::InvalidRequest(_)
            | Error::InvalidCredentialRequest(_) => P::InvalidRequest,
            Error::HolderBindingMissing | Error::NotRequestedByThisWallet => P::NotFound,
            Error::HolderMismatch { .. } => P::ProofInvalid,
            Error::StatusWitnessMissing { .. } | Error::StatusMissing { .. } => P::StatusMissing,
            Error::StatusEpochUnknown { .. } => P::StatusEpochUnknown,
            Error::StatusEpochStale { .. } => P::StatusEpochStale,
            Error::LicenseNotValid | Error::LicenseStatusNotValid { .. } => P::LicenseNotValid,
            Error::UnsupportedEncodingVersion(_) => P::UnsupportedEncoding,
            Error::UnknownSuite(_) | Error::SuiteMismatch { .. } => P::SuiteMismatch,
            Error::UnknownKey { .. } => P::UnknownKey,
            Error::KeyIdMismatch { .. }
            | Error::InvalidKeyWindow(_)
            | Error::InvalidSecretKey(_) => P::KeyInvalid,
            Error::KeyNotValid { .. } => P::KeyOutsideWindow,
            Error::NoSigningKey(_) => P::KeyNotFound,
            Error::Malformed { .. } | Error::Crypto(_) => P::ProofMalformed,
            Error::SignatureInvalid | Error::ProofInvalid => P::ProofInvalid,
            Error::RequestExpired(_) => P::ChallengeExpired,
            Error::VerifierMismatch { .. } => P::VerifierMismatch,
            Error::ChallengeMismatch => P::ChallengeMismatch,
            Error::RequestDigestMismatch => P::RequestDigestMismatch,
            Error::CredentialCountMismatch { .. } => P::CredentialCountMismatch,
            Error::WrongCredentialType { .. } => P::WrongCredentialType,
            Error::IssuerNotAccepted(_) => P::IssuerNotAccepted,
            Error::MissingDisclosure(_) => P::MissingDisclosure,
            Error::UnrequestedDisclosure(_) => P::OverDisclosure,
            Error::UnsupportedStatement(_) => P::UnsupportedStatement,
            Error::InvalidStatement(_) => P::InvalidStatement,
            Error::StatementNotSatisfied { .. } => P::StatementNotSatisfied,
            Error::UnsupportedProof { .. } => P::UnsupportedProof,
            Error::RequestUnsigned => P::RequestUnsigned,
            Error::RequestSignatureInvalid => P::RequestSignatureInvalid,
            Error::InvalidRegistration(_) => P::InvalidRequest,
            Error::RegistrationUntrusted(_) => P::RegistrationUntrusted,
            Error::RegistrationExpired(_) => P::RegistrationExpired,
            Error::RegistrationMismatch(_) => P::RegistrationMismatch,
            Error::RequestExceedsPolicy { .. } => P::RequestExceedsPolicy,
            Error::UnknownStatusCode(_) => P::InvalidRequest,
            Error::StatusTransition { .. } => P::StatusTransitionInvalid,
            Error::NoStatusRegistry { .. } | Error::UnknownStatusCredential(_) => P::NotFound,
            Error::StatusRegistryExists { .. } | Error::StatusCredentialExists(_) => {
                P::AlreadyExists
            }
            Error::StatusSignatureInvalid { .. } => P::StatusSignatureInvalid,
            Error::StatusIssuerMismatch { .. } => P::StatusIssuerMismatch,
            Error::StatusKeyMismatch { .. } => P::StatusKeyMismatch,
            Error::StatusChainBroken(_) => P::StatusChainBroken,
            Error::StatusUpdateInvalid(_) => P::StatusUpdateInvalid,
            Error::NotInWallet(_) | Error::NoMatchingCredential(_) => P::NotFound,
            Error::AlreadyInWallet(_) | Error::WalletExists(_) => P::AlreadyExists,
            Error::NoWallet(_) => P::NotFound,
            Error::WrongPassphrase => P::Unauthorized,
            Error::RecordDamaged(_) => P::InternalError,
            Error::EmptyPassphrase => P::InvalidRequest,
            Error::Json { .. } => P::MalformedJson,
        }
    }
}

/// The octets of a hex field (`what`: "proof", "signature", ...): plain hex
/// digits, either case, nothing else. `const_hex` (vectorised: proofs are
/// decoded on the verifier's hot path) would also accept a `0x` prefix,
/// which is not the format.
pub(crate) fn decode_hex(what: &'static str, text: &str) -> Result<Vec<u8>, Error> {
    if text.starts_with("0x") || text.starts_with("0X") {
        return Err(Error::Malformed {
            what,
            reason: "a 0x prefix is not allowed".into(),
        });
    }
    const_hex::decode(text).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })
}
