//! The crate-wide error, wrapping each module's error.

use crate::challenge::ChallengeError;
use crate::log_key::KeyFileError;
use crate::storage::StorageError;
use zkcred_translog::{KeyError, ProofError, RecordError, VerifyError};

/// Any error of this crate. [`Error::code`] is stable and machine-readable;
/// the HTTP layer maps it to an RFC 9457 problem type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A Merkle proof could not be made or did not verify.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A disclosure record breaks the field rules.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The log's public key or a tree-head signature.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The log's key file.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// A log export does not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Persistence failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A challenge was refused or could not be issued.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
}

impl Error {
    /// Stable machine-readable code, e.g. `challenge_replayed`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Proof(e) => e.code(),
            Error::Record(e) => e.code(),
            Error::Key(e) => e.code(),
            Error::KeyFile(e) => e.code(),
            Error::Verify(e) => e.code(),
            Error::Storage(e) => e.code(),
            Error::Challenge(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_pass_through() {
        let e: Error = ChallengeError::Replayed.into();
        assert_eq!(e.code(), "challenge_replayed");
        let e: Error = StorageError::DocumentNotFound.into();
        assert_eq!(e.code(), "document_not_found");
        let e: Error = ProofError::RootMismatch.into();
        assert_eq!(e.code(), "proof_root_mismatch");
    }
}
