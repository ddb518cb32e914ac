//! Error types of the policy crate, each with a stable machine-readable `code()`.
//!
//! * [`LoadError`]: a policy or registry file that cannot be used, with the
//!   file position (`file:line:column`) and the JSON path of the problem.
//! * [`RegistryError`]: a run-time change to the trust registry that was refused.
//! * [`RequestError`]: a presentation request that cannot be built from a policy.

use std::fmt;

use crate::position::{JsonPath, LineCol};

/// Where in a file a load error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name (or `<input>` for text without a file).
    pub file: String,
    /// Line and column.
    pub at: LineCol,
    /// JSON path of the offending value (`/` when unknown or the whole document).
    pub path: JsonPath,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.at.line, self.at.column)
    }
}

/// What kind of problem a [`LoadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid JSON.
    Syntax,
    /// A member the format does not define.
    UnknownField,
    /// Valid JSON of the wrong shape: a missing member, a wrong type, an unknown enumeration value.
    Shape,
    /// Another format, or a version this build does not support.
    UnsupportedFormat,
    /// A credential type the catalogue does not define.
    UnknownCredentialType,
    /// An attribute that some accepted credential type does not have.
    UnknownAttribute,
    /// A region code that is malformed or not in the registry.
    UnknownRegion,
    /// A reference to an agreement, issuer or other entry that does not exist.
    UnknownReference,
    /// The same identifier, type or attribute listed twice.
    Duplicate,
    /// Rules that cannot all hold, or that exclude each other.
    Contradictory,
    /// A value out of its allowed range or form.
    InvalidValue,
}

impl LoadErrorKind {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            LoadErrorKind::Io => "io",
            LoadErrorKind::Syntax => "syntax",
            LoadErrorKind::UnknownField => "unknown_field",
            LoadErrorKind::Shape => "shape",
            LoadErrorKind::UnsupportedFormat => "unsupported_format",
            LoadErrorKind::UnknownCredentialType => "unknown_credential_type",
            LoadErrorKind::UnknownAttribute => "unknown_attribute",
            LoadErrorKind::UnknownRegion => "unknown_region",
            LoadErrorKind::UnknownReference => "unknown_reference",
            LoadErrorKind::Duplicate => "duplicate",
            LoadErrorKind::Contradictory => "contradictory",
            LoadErrorKind::InvalidValue => "invalid_value",
        }
    }
}

/// A policy or registry file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message} [{}]", kind.code())]
pub struct LoadError {
    /// The kind of problem.
    pub kind: LoadErrorKind,
    /// Where it is.
    pub location: Location,
    /// What is wrong (names the offending field, attribute or rule).
    pub message: String,
}

impl LoadError {
    /// The stable code of the error's kind.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// Builds [`LoadError`]s for one file's text, locating JSON paths in it.
#[derive(Debug, Clone, Copy)]
pub struct SourceText<'a> {
    /// The file name shown in positions.
    pub file: &'a str,
    /// The file's text.
    pub text: &'a str,
}

impl SourceText<'_> {
    /// An error of `kind` at the value at `path`.
    pub fn error(
        &self,
        kind: LoadErrorKind,
        path: &JsonPath,
        message: impl Into<String>,
    ) -> LoadError {
        LoadError {
            kind,
            location: Location {
                file: self.file.to_owned(),
                at: crate::position::locate(self.text, path),
                path: path.clone(),
            },
            message: message.into(),
        }
    }

    /// Parses `T` from the text, mapping serde errors to positioned load errors.
    ///
    /// # Errors
    /// A [`LoadError`] at the failing value's position, of kind
    /// [`LoadErrorKind::Syntax`] for malformed JSON, [`LoadErrorKind::UnknownField`]
    /// for a member the format does not define, otherwise
    /// [`LoadErrorKind::Shape`].
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, LoadError> {
        let mut de = serde_json::Deserializer::from_str(self.text);
        let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
        let value = result.map_err(|e| {
            let path = JsonPath::from_serde(e.path());
            let inner = e.into_inner();
            let kind = match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    LoadErrorKind::Syntax
                }
                serde_json::error::Category::Io => LoadErrorKind::Io,
                serde_json::error::Category::Data => {
                    if inner.to_string().starts_with("unknown field") {
                        LoadErrorKind::UnknownField
                    } else {
                        LoadErrorKind::Shape
                    }
                }
            };
            let mut at = crate::position::from_serde_json(self.text, inner.line(), inner.column());
            // serde_json appends " at line L column C"; the position is ours.
            let text = inner.to_string();
            let message = match text.rfind(" at line ") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            let mut path = path;
            if kind == LoadErrorKind::UnknownField {
                // serde points at the key's closing quote: point at its start,
                // and make the path name the unknown member.
                at = unknown_key_start(self.text, inner.line(), inner.column()).unwrap_or(at);
                if let Some(name) = message.split('`').nth(1) {
                    if path.0.last() != Some(&crate::position::Seg::Key(name.to_owned())) {
                        path = path.key(name);
                    }
                }
            }
            LoadError {
                kind,
                location: Location {
                    file: self.file.to_owned(),
                    at,
                    path,
                },
                message,
            }
        })?;
        de.end().map_err(|e| LoadError {
            kind: LoadErrorKind::Syntax,
            location: Location {
                file: self.file.to_owned(),
                at: crate::position::from_serde_json(self.text, e.line(), e.column()),
                path: JsonPath::root(),
            },
            message: "trailing characters after the document".into(),
        })?;
        Ok(value)
    }
}

/// The start of the object key whose closing quote is at `line`,
/// `byte_column` (serde_json's position of an unknown field).
fn unknown_key_start(text: &str, line: usize, byte_column: usize) -> Option<LineCol> {
    let l = text.split('\n').nth(line.checked_sub(1)?)?;
    let end = byte_column.checked_sub(1)?;
    if l.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    let mut i = end;
    loop {
        i = l[..i].rfind('"')?;
        let backslashes = l[..i].bytes().rev().take_while(|b| *b == b'\\').count();
        if backslashes % 2 == 0 {
            break;
        }
    }
    Some(LineCol {
        line,
        column: l[..i].chars().count() + 1,
    })
}

/// Reads a file for loading, as a positioned [`LoadError`] on failure.
///
/// # Errors
/// A [`LoadError`] of kind [`LoadErrorKind::Io`] when the file cannot be read
/// as UTF-8 text.
pub fn read_file(path: &std::path::Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError {
        kind: LoadErrorKind::Io,
        location: Location {
            file: path.display().to_string(),
            at: LineCol { line: 1, column: 1 },
            path: JsonPath::root(),
        },
        message: format!("cannot read: {e}"),
    })
}

/// A change to the trust registry that was refused (the registry is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// No issuer with this identifier.
    #[error("unknown issuer {0:?}")]
    UnknownIssuer(String),
    /// An issuer with this identifier already exists.
    #[error("issuer {0:?} already exists")]
    DuplicateIssuer(String),
    /// The issuer has no key with this identifier.
    #[error("issuer {issuer:?} has no key {key_id:?}")]
    UnknownKey {
        /// The issuer.
        issuer: String,
        /// The key identifier.
        key_id: String,
    },
    /// The issuer already has a key with this identifier.
    #[error("issuer {issuer:?} already has key {key_id:?}")]
    DuplicateKey {
        /// The issuer.
        issuer: String,
        /// The key identifier.
        key_id: String,
    },
    /// A key that does not belong to the issuer, or is malformed.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A credential type the catalogue does not define.
    #[error("unknown credential type {0:?}")]
    UnknownCredentialType(String),
    /// A region code that is malformed or not in the registry.
    #[error("unknown region {0:?}")]
    UnknownRegion(String),
    /// No agreement with this identifier.
    #[error("unknown agreement {0:?}")]
    UnknownAgreement(String),
    /// An agreement with this identifier already exists.
    #[error("agreement {0:?} already exists")]
    DuplicateAgreement(String),
    /// A malformed entry (identifier, name, dates).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being changed.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

impl RegistryError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::UnknownIssuer(_) => "unknown_issuer",
            RegistryError::DuplicateIssuer(_) => "duplicate_issuer",
            RegistryError::UnknownKey { .. } => "unknown_key",
            RegistryError::DuplicateKey { .. } => "duplicate_key",
            RegistryError::InvalidKey(_) => "invalid_key",
            RegistryError::UnknownCredentialType(_) => "unknown_credential_type",
            RegistryError::UnknownRegion(_) => "unknown_region",
            RegistryError::UnknownAgreement(_) => "unknown_agreement",
            RegistryError::DuplicateAgreement(_) => "duplicate_agreement",
            RegistryError::Invalid { .. } => "invalid_entry",
        }
    }
}

/// A presentation request that cannot be built from a policy.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// More or fewer choices than the policy has requirements.
    #[error("the policy has {expected} requirement(s), {found} choice(s) given")]
    ChoiceCount {
        /// Requirements in the policy.
        expected: usize,
        /// Choices given.
        found: usize,
    },
    /// A credential type the requirement does not accept.
    #[error("requirement {requirement:?} does not accept credential type {credential_type:?}")]
    TypeNotAccepted {
        /// The requirement.
        requirement: String,
        /// The type asked for.
        credential_type: String,
    },
    /// An optional attribute the requirement does not list in `may_disclose`.
    #[error("requirement {requirement:?} does not allow asking for {attribute:?}")]
    NotOptional {
        /// The requirement.
        requirement: String,
        /// The attribute asked for.
        attribute: String,
    },
    /// A predicate's bound on the request date falls outside the dates a
    /// credential can carry (0001-01-01 to 9999-12-31).
    #[error(
        "requirement {requirement:?}: the bound of {predicate} is outside the representable dates"
    )]
    BoundOutOfRange {
        /// The requirement.
        requirement: String,
        /// The predicate, described.
        predicate: String,
    },
    /// The credential layer refused the request.
    #[error(transparent)]
    Credential(#[from] zkcred_credential::Error),
}

impl RequestError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::ChoiceCount { .. } => "choice_count",
            RequestError::TypeNotAccepted { .. } => "type_not_accepted",
            RequestError::NotOptional { .. } => "not_optional",
            RequestError::BoundOutOfRange { .. } => "bound_out_of_range",
            RequestError::Credential(_) => "credential",
        }
    }
}
