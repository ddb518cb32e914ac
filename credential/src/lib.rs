//! Credential layer of zkcred: BBS credentials for Chinese electronic licenses.
//!
//! * [`catalogue`]: the license catalogue (credential types and typed attributes), as data.
//! * [`license_id`]: GB/T 36904 license identifiers and GB 32100 unified social credit codes.
//! * [`encoding`]: typed attribute values and their encoding into BBS messages.
//! * [`canonical`]: length-prefixed canonical byte encodings used for headers and digests.

pub mod canonical;
pub mod catalogue;
pub mod encoding;
pub mod error;
pub mod license_id;

pub use catalogue::{AttributeDef, Catalogue, CredentialType, HolderKind, Sensitivity};
pub use encoding::{AttributeType, AttributeValue, Date, ENCODING_VERSION};
pub use error::{AttributeError, CatalogueError};
pub use license_id::{LicenseId, LicenseIdError, LicenseTypeCode, Uscc};
