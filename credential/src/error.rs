//! Error types of the credential layer.
//!
//! [`AttributeError`] and [`CatalogueError`] belong to the data-only parts
//! (values, catalogue); [`Error`] is what issuance, verification, presentation,
//! key handling and the wallet return. Every error names what was wrong
//! (the attribute, the credential type, the key) so callers can report it.

use crate::encoding::AttributeType;
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
