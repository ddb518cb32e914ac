//! The crate-wide error, wrapping each module's error.

use zkcred_problem::ProblemCode;

use crate::challenge::ChallengeError;
use crate::log_key::KeyFileError;
use crate::storage::StorageError;
use zkcred_translog::{KeyError, ProofError, RecordError, VerifyError};

/// Any error of this crate. [`Error::code`] is its problem code, from which
/// the HTTP layer renders the RFC 9457 document; the log crate's own
/// diagnostic codes (for regulators' tools) stay in its errors' `Display`.
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
    /// The problem code, e.g. [`ProblemCode::ChallengeReplayed`].
    pub fn code(&self) -> ProblemCode {
        match self {
            Error::Proof(
                ProofError::IndexOutOfRange { .. } | ProofError::SizeOutOfRange { .. },
            ) => ProblemCode::LogRangeOutOfBounds,
            Error::Record(_) => ProblemCode::RecordInvalid,
            Error::Proof(_) | Error::Key(_) | Error::KeyFile(_) | Error::Verify(_) => {
                ProblemCode::InternalError
            }
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
        // A proof that fails to verify here is the service's own fault.
        let e: Error = ProofError::RootMismatch.into();
        assert_eq!(e.code(), ProblemCode::InternalError);
        let e: Error = ProofError::IndexOutOfRange {
            index: 9,
            tree_size: 3,
        }
        .into();
        assert_eq!(e.code(), ProblemCode::LogRangeOutOfBounds);
    }
}
