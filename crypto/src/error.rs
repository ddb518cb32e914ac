//! The crate's error type.

/// Everything that can go wrong in `zkcred-crypto`. Malformed input always
/// ends here, never in a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An encoding had the wrong number of bytes.
    #[error("{what}: expected {expected} bytes, got {got}")]
    InvalidLength {
        /// What was being decoded.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A proof's length does not fit `272 + 32 * U` bytes.
    #[error("proof: {0} bytes is not a valid proof length")]
    InvalidProofLength(usize),
    /// A point encoding was malformed (flags, or a coordinate >= p).
    #[error("invalid point encoding")]
    InvalidPointEncoding,
    /// A point encoding named a point that is not on the curve.
    #[error("point is not on the curve")]
    PointNotOnCurve,
    /// A point is on the curve but outside the prime-order subgroup.
    #[error("point is not in the prime-order subgroup")]
    PointNotInSubgroup,
    /// The identity point where a non-identity point is required.
    #[error("identity point not allowed")]
    IdentityPoint,
    /// A scalar encoding was >= r.
    #[error("non-canonical scalar (>= group order)")]
    NonCanonicalScalar,
    /// A zero scalar where a non-zero one is required.
    #[error("zero scalar not allowed")]
    ZeroScalar,
    /// KeyGen's key material is shorter than 32 bytes.
    #[error("key material must be at least 32 bytes")]
    KeyMaterialTooShort,
    /// KeyGen's key info is 65536 bytes or longer.
    #[error("key info must be shorter than 65536 bytes")]
    KeyInfoTooLong,
    /// KeyGen produced a zero key (probability ~2^-255).
    #[error("key generation produced an invalid key")]
    KeyGenFailed,
    /// More messages than this implementation supports.
    #[error("{got} messages exceed the limit of {max}")]
    TooManyMessages {
        /// The count given.
        got: usize,
        /// [`crate::bbs::MAX_MESSAGES`].
        max: usize,
    },
    /// A disclosed index is not below the message count.
    #[error("disclosed index {index} out of range for {count} messages")]
    IndexOutOfRange {
        /// The offending index.
        index: usize,
        /// The number of messages.
        count: usize,
    },
    /// A disclosed index appears twice.
    #[error("disclosed index {0} repeated")]
    DuplicateIndex(usize),
    /// The octet-string interface (draft §3.4.3, §3.4.4) takes disclosed
    /// indexes in ascending order; `next` came after the larger `previous`.
    #[error("disclosed indexes must be ascending: {next} follows {previous}")]
    IndexesNotAscending {
        /// The index before.
        previous: usize,
        /// The smaller index that followed it.
        next: usize,
    },
    /// Header or presentation header longer than 2^64 - 1 bytes (or another
    /// length this implementation refuses).
    #[error("{0} too long")]
    TooLong(&'static str),
    /// The signature or proof does not verify.
    #[error("verification failed")]
    VerificationFailed,
    /// A range statement no proof can have: no values, a width of 0 or
    /// above 64 bits, or more bits in all than a proof may cover.
    #[error("invalid range statement")]
    InvalidRangeStatement,
    /// The prover was asked to prove a value outside its range (or a
    /// predicate its value does not meet).
    #[error("value outside the range to prove")]
    ValueOutOfRange,
    /// A composite statement that is inconsistent with itself or with its
    /// proof (an index out of range, a disclosed message committed, a
    /// count that does not match).
    #[error("invalid composite statement: {0}")]
    InvalidStatement(&'static str),
    /// A message count that does not fit the credential's generator list
    /// (a blind list has exactly `L + 1 + M` messages, see
    /// [`crate::bbs::MessageGenerators`]).
    #[error("{got} messages where the generator list has {expected}")]
    MessageCountMismatch {
        /// The list's message count.
        expected: usize,
        /// The count given.
        got: usize,
    },
    /// An attempt to disclose `secret_prover_blind` (message `L` of a blind
    /// credential), which stays hidden in every proof.
    #[error("secret_prover_blind (message {0}) cannot be disclosed")]
    SecretProverBlindDisclosed(usize),
    /// A `commitment_with_proof`'s octets are malformed (length, identity
    /// commitment; the points and scalars have their own errors).
    #[error("malformed commitment_with_proof: {0}")]
    MalformedCommitment(&'static str),
    /// The proof of a `commitment_with_proof` does not verify: the signer
    /// refuses to sign it (draft-irtf-cfrg-bbs-blind-signatures, commitment
    /// validation).
    #[error("the commitment's proof of knowledge does not verify")]
    InvalidCommitmentProof,
    /// An accumulator element equal to `-alpha`, which no value can hold
    /// (probability `2^-255` for a random handle).
    #[error("the element cannot be accumulated")]
    InvalidElement,
    /// The accumulator update removes the element (and does not add it
    /// back): its credential is no longer in the valid set.
    #[error("the element was removed from the accumulator")]
    ElementRemoved,
    /// A composite proof's accumulator membership does not hold: every
    /// other part of the proof verified, but the credential's handle is
    /// not in the accumulator value claimed (its licence is suspended,
    /// revoked or cancelled in that epoch, or the witness is stale).
    #[error("the credential is not in the accumulator")]
    NotAccumulated,
    /// An accumulator update's octets do not follow its encoding.
    #[error("malformed accumulator update: {0}")]
    MalformedUpdate(&'static str),
    /// A composite proof's octets do not follow its encoding.
    #[error("malformed composite proof: {0}")]
    MalformedCompositeProof(&'static str),
}
