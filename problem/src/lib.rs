//! # zkcred-problem
//!
//! The closed set of machine codes that zkcred puts in its RFC 9457 problem
//! documents (the `code` member, and `type` = `urn:zkcred:problem:<code>`),
//! each with its title and HTTP status, in one table.
//!
//! Every crate error that can reach a client maps to a [`ProblemCode`] once,
//! next to the error (`zkcred_credential::Error::code`, the policy crate's
//! `Reason::code` and `Refusal::code`, the service's challenge and storage
//! errors); the service renders the document from the code, and the typed
//! client parses it back. A code is never built from client input, so the
//! set is also safe as a metrics label.
//!
//! Codes are stable: a published code is never renamed or given another
//! meaning. New codes may be added; a client that meets a code it does not
//! know keeps the document's `code` string (see [`ProblemCode::from_str`]).
//!
//! No dependencies beyond `serde`: the credential and policy crates, which
//! have no HTTP, use it too.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

macro_rules! problem_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $status:literal, $title:literal; )*) => {
        /// A zkcred problem code; see the crate documentation. The wire
        /// form is [`ProblemCode::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ProblemCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ProblemCode {
            /// Every code, in table order.
            pub const ALL: &'static [ProblemCode] = &[ $( ProblemCode::$variant, )* ];

            /// The wire form, e.g. `challenge_replayed`.
            pub const fn as_str(self) -> &'static str {
                match self { $( ProblemCode::$variant => $code, )* }
            }

            /// The short, occurrence-independent title (RFC 9457 §3.1.3).
            pub const fn title(self) -> &'static str {
                match self { $( ProblemCode::$variant => $title, )* }
            }

            /// The HTTP status the service answers with (RFC 9110 §15).
            pub const fn status(self) -> u16 {
                match self { $( ProblemCode::$variant => $status, )* }
            }
        }

        impl FromStr for ProblemCode {
            type Err = UnknownCode;

            /// Parses the wire form.
            ///
            /// # Errors
            /// [`UnknownCode`] for a string that is no code of this
            /// version (a newer service may send one).
            fn from_str(s: &str) -> Result<Self, UnknownCode> {
                match s {
                    $( $code => Ok(ProblemCode::$variant), )*
                    _ => Err(UnknownCode),
                }
            }
        }
    };
}

problem_codes! {
    // --- Requests and transport ---
    /// No bearer token, or one the service does not know.
    Unauthorized = "unauthorized", 401, "Missing or unknown bearer token";
    /// The token's role may not do this.
    Forbidden = "forbidden", 403, "The token's role may not do this";
    /// The body is not JSON of the expected shape.
    MalformedJson = "malformed_json", 400, "The body is not valid JSON of the expected shape";
    /// Well-formed, but unusable.
    InvalidRequest = "invalid_request", 400, "The request cannot be used";
    /// The body exceeds the configured limit.
    BodyTooLarge = "body_too_large", 413, "The body exceeds the size limit";
    /// The request took longer than the configured limit.
    Timeout = "timeout", 503, "The request took too long";
    /// Verification queues are full.
    Overloaded = "overloaded", 503, "The service is overloaded; retry later";
    /// The service is stopping.
    ShuttingDown = "shutting_down", 503, "The service is shutting down";
    /// A health check failed.
    Unhealthy = "unhealthy", 503, "The service is not healthy";
    /// No such route or resource.
    NotFound = "not_found", 404, "No such resource";
    /// The route exists, the method does not.
    MethodNotAllowed = "method_not_allowed", 405, "Method not allowed on this resource";
    /// The service failed; the cause is in its log.
    InternalError = "internal_error", 500, "Internal error";
    /// The token sent more requests than its rate limit allows; retry
    /// after the `Retry-After` header's seconds.
    RateLimited = "rate_limited", 429, "Too many requests for this token";
    /// A count or length in the request exceeds a documented limit (the
    /// detail names the limit); the request must be made smaller.
    LimitExceeded = "limit_exceeded", 413, "The request exceeds a size limit";

    // --- Registry and policy documents ---
    /// No such policy.
    PolicyNotFound = "policy_not_found", 404, "No such policy";
    /// The policy is retired.
    PolicyRetired = "policy_retired", 409, "The policy is retired";
    /// No such issuer.
    IssuerNotFound = "issuer_not_found", 404, "No such issuer";
    /// The issuer is retired.
    IssuerRetired = "issuer_retired", 409, "The issuer is retired";
    /// No such issuer key.
    KeyNotFound = "key_not_found", 404, "No such issuer key";
    /// No such agreement.
    AgreementNotFound = "agreement_not_found", 404, "No such agreement";
    /// No such stored document.
    DocumentNotFound = "document_not_found", 404, "No such document";
    /// The resource exists already.
    AlreadyExists = "already_exists", 409, "The resource already exists";
    /// A new version was offered that is not the next one.
    DocumentVersionConflict = "document_version_conflict", 409, "The document version is not the next one";
    /// An issuer document the registry rules refuse.
    IssuerInvalid = "issuer_invalid", 400, "The issuer document is refused by the trust registry rules";
    /// An agreement document the registry rules refuse.
    AgreementInvalid = "agreement_invalid", 400, "The agreement document is refused by the trust registry rules";
    /// A policy document the policy rules refuse.
    PolicyInvalid = "policy_invalid", 400, "The policy document is refused by the policy rules";
    /// An issuer key document that cannot be used.
    KeyInvalid = "key_invalid", 400, "The issuer key document is refused";
    /// The stored documents do not form a valid registry.
    RegistryInvalid = "registry_invalid", 400, "The stored documents do not form a valid trust registry";
    /// A stored document that does not parse.
    DocumentInvalid = "document_invalid", 400, "The document is invalid";

    // --- One-time challenges ---
    /// No such challenge was issued.
    ChallengeUnknown = "challenge_unknown", 422, "Unknown challenge";
    /// The challenge expired.
    ChallengeExpired = "challenge_expired", 410, "The challenge has expired";
    /// The challenge was answered already.
    ChallengeReplayed = "challenge_replayed", 409, "The challenge was already used";
    /// The challenge was issued to another verifier.
    ChallengeWrongVerifier = "challenge_wrong_verifier", 403, "The challenge was issued to another verifier";
    /// The challenge was issued for another policy.
    ChallengeWrongPolicy = "challenge_wrong_policy", 422, "The challenge was issued for another policy";
    /// The challenge is not 32 octets of hex.
    ChallengeMalformed = "challenge_malformed", 400, "Malformed challenge";
    /// The challenge store is full (all verifiers together).
    ChallengeCapacityExceeded = "challenge_capacity_exceeded", 503, "Too many outstanding challenges";
    /// The verifier holds its whole budget of outstanding challenges;
    /// others are still served. Retry after `Retry-After`, or answer some.
    ChallengeQuotaExceeded = "challenge_quota_exceeded", 429, "The verifier holds too many outstanding challenges";
    /// The shared challenge store (Redis) cannot be reached; the node
    /// serves again when it returns.
    ChallengeStoreUnavailable = "challenge_store_unavailable", 503, "The challenge store is unavailable; retry later";

    // --- Decisions held for clients that missed their answer ---
    /// No decision is held for the challenge: never consumed, evicted,
    /// past its retention, or asked for by another verifier.
    DecisionUnknown = "decision_unknown", 404, "No decision is held for this challenge";

    // --- Presentations (credential layer) ---
    /// A proof does not verify.
    ProofInvalid = "proof_invalid", 422, "A presentation proof does not verify";
    /// A proof, signature or key cannot be decoded.
    ProofMalformed = "proof_malformed", 400, "A presentation proof cannot be decoded";
    /// An attribute value that does not fit its definition.
    AttributeInvalid = "attribute_invalid", 400, "An attribute value is invalid";
    /// Attributes disclosed that the request does not ask for.
    OverDisclosure = "over_disclosure", 422, "Attributes were disclosed that the policy does not ask for";
    /// A requested attribute is not disclosed.
    MissingDisclosure = "missing_disclosure", 422, "A requested attribute is not disclosed";
    /// The ciphersuite is unknown or not the key's.
    SuiteMismatch = "suite_mismatch", 400, "The ciphersuite does not match the issuer key";
    /// A credential of another type than the request's.
    WrongCredentialType = "wrong_credential_type", 422, "The credential is not of the requested type";
    /// Another number of credentials than the request's.
    CredentialCountMismatch = "credential_count_mismatch", 422, "The number of credentials does not match the request";
    /// The presentation is for another verifier.
    VerifierMismatch = "verifier_mismatch", 422, "The presentation is for another verifier";
    /// The presentation answers another challenge.
    ChallengeMismatch = "challenge_mismatch", 422, "The presentation answers another challenge";
    /// The presentation answers another request.
    RequestDigestMismatch = "request_digest_mismatch", 422, "The presentation answers another request";
    /// Not a presentation format this version reads.
    UnsupportedFormat = "unsupported_format", 400, "Unsupported document format or version";
    /// A proof type or version this version does not verify.
    UnsupportedProof = "unsupported_proof", 400, "Unsupported proof type or version";
    /// A statement kind this version does not verify.
    UnsupportedStatement = "unsupported_statement", 400, "Unsupported statement";
    /// A statement that is malformed or does not fit its credential type
    /// (unknown attribute, range over a non-numeric attribute, bad bound,
    /// equality across attribute types or with a later entry).
    InvalidStatement = "invalid_statement", 400, "A statement is invalid for its credential";
    /// The request asks for the licence's status and the presentation
    /// does not prove it (or proves one not asked for).
    StatusMissing = "status_missing", 422, "The presentation does not prove the licence status the request asks for";
    /// The status epoch named is not known to the verifier.
    StatusEpochUnknown = "status_epoch_unknown", 422, "Unknown licence status epoch";
    /// The status epoch named is older than the policy allows.
    StatusEpochStale = "status_epoch_stale", 422, "The licence status epoch is older than the policy allows";
    /// The licence is suspended, revoked or cancelled (not in its issuer's
    /// accumulator of valid licences for the epoch named).
    LicenseNotValid = "license_not_valid", 422, "The licence is suspended, revoked or cancelled";
    /// The holder's credential does not meet a requested statement (the
    /// wallet refuses to answer; never reaches a verifier).
    StatementNotSatisfied = "statement_not_satisfied", 422, "The credential does not meet a requested statement";
    /// An attribute encoding version this version does not read.
    UnsupportedEncoding = "unsupported_encoding", 400, "Unsupported attribute encoding version";
    /// The presentation cannot be used for another reason.
    PresentationInvalid = "presentation_invalid", 400, "The presentation cannot be used";

    // --- Signed requests (the holder's wallet; the service's challenges) ---
    /// The request carries no verifier signature (a version 1 request):
    /// wallets refuse it unless told to accept unsigned requests for
    /// development.
    RequestUnsigned = "request_unsigned", 422, "The presentation request is not signed";
    /// The request's signature does not verify under the request key of
    /// its registration: the request was altered after the verifier made it.
    RequestSignatureInvalid = "request_signature_invalid", 422, "The presentation request's signature does not verify";
    /// The verifier's registration is not signed by a regulator key the
    /// wallet trusts (an unknown key, or a signature that does not verify).
    RegistrationUntrusted = "registration_untrusted", 422, "The verifier's registration is not signed by a trusted regulator";
    /// The verifier's registration has expired or is not yet valid.
    RegistrationExpired = "registration_expired", 422, "The verifier's registration is not valid now";
    /// The registration does not cover the request: another verifier, or
    /// a policy (id and version) it does not hold.
    RegistrationMismatch = "registration_mismatch", 409, "The verifier's registration does not cover the request";
    /// A signed request asks for more than its registered policy allows
    /// (an attribute, type or statement, its purpose or lifetime).
    RequestExceedsPolicy = "request_exceeds_policy", 422, "The presentation request asks for more than its registered policy";

    // --- Policy decisions (the policy crate's reasons) ---
    /// The request names another verifier than the policy's.
    RequestVerifierMismatch = "request_verifier_mismatch", 422, "The request is for another verifier than the policy's";
    /// The request lives longer than the policy allows.
    RequestTtlExceeded = "request_ttl_exceeded", 422, "The request lives longer than the policy allows";
    /// The request is not one the policy makes.
    RequestNotFromPolicy = "request_not_from_policy", 422, "The request is not one the policy makes";
    /// Another number of credentials than the policy's.
    CredentialCount = "credential_count", 422, "The number of credentials does not match the policy";
    /// A credential of a type the policy does not accept.
    WrongType = "wrong_type", 422, "The credential type is not accepted by the policy";
    /// An attribute the policy requires is not disclosed.
    MissingRequired = "missing_required", 422, "A required attribute is not disclosed";
    /// A credential's proof does not verify.
    VerificationFailed = "verification_failed", 422, "A credential's proof does not verify";
    /// The issuer is not recognised under the trust registry.
    NotRecognised = "not_recognised", 422, "The credential is not recognised under the trust registry";
    /// The issuer is not among the policy's.
    IssuerNotAccepted = "issuer_not_accepted", 422, "The issuer is not accepted by the policy";
    /// The issuer's region is not among the policy's.
    RegionNotAccepted = "region_not_accepted", 422, "The issuer's region is not accepted by the policy";
    /// The recognition route (same province, agreement, national) is not accepted.
    RouteNotAccepted = "route_not_accepted", 422, "The recognition route is not accepted by the policy";
    /// A predicate of the policy is false.
    PredicateNotSatisfied = "predicate_not_satisfied", 422, "A condition of the policy is not met";
    /// A predicate's attribute was neither disclosed nor proven.
    PredicateUnproven = "predicate_unproven", 422, "A condition of the policy is not proven";
    /// Credentials the policy links (one holder) carry no verified
    /// equality proof of the linked attribute.
    LinkUnproven = "link_unproven", 422, "The credentials are not proven to belong together";
    /// The policy is not satisfied (no more specific reason).
    PolicyUnsatisfied = "policy_unsatisfied", 422, "The presentation does not satisfy the policy";

    // --- Licence status (the credential crate's status layer) ---
    /// A status change the rules do not allow (a final status changed
    /// again, a reinstatement of a licence that is not suspended, …).
    StatusTransitionInvalid = "status_transition_invalid", 409, "The licence status change is not allowed";
    /// A status epoch whose issuer signature does not verify.
    StatusSignatureInvalid = "status_signature_invalid", 422, "The status epoch's signature does not verify";
    /// A status document of another issuer or credential type than expected.
    StatusIssuerMismatch = "status_issuer_mismatch", 422, "The status document is for another issuer or credential type";
    /// A status epoch naming another issuer key than the one it is checked with.
    StatusKeyMismatch = "status_key_mismatch", 422, "The status epoch names another issuer key";
    /// Status epochs and updates that do not form an unbroken chain (a
    /// missing update, a previous-epoch digest that does not match).
    StatusChainBroken = "status_chain_broken", 409, "The status updates do not form an unbroken chain";
    /// A status update that does not match its signed epoch, or is
    /// inconsistent in itself.
    StatusUpdateInvalid = "status_update_invalid", 422, "The status update does not match its epoch";

    // --- Recognition (the policy crate's refusals) ---
    /// The issuer is not in the trust registry.
    UnknownIssuer = "unknown_issuer", 422, "The issuer is not in the trust registry";
    /// The issuer may not issue this credential type.
    TypeNotAllowedForIssuer = "type_not_allowed_for_issuer", 422, "The issuer may not issue this credential type";
    /// The key is not a registered key of the issuer.
    UnknownKey = "unknown_key", 422, "The issuer key is not in the trust registry";
    /// The key is revoked.
    KeyRevoked = "key_revoked", 422, "The issuer key is revoked";
    /// The key's validity window does not cover the credential.
    KeyOutsideWindow = "key_outside_window", 422, "The issuer key was not valid for this credential";
    /// The issuer's region is not in the registry.
    UnknownRegion = "unknown_region", 422, "The issuer's region is not in the trust registry";

    // --- The disclosure log and storage ---
    /// A log range outside the log.
    LogRangeOutOfBounds = "log_range_out_of_bounds", 400, "The range is outside the log";
    /// A tree head larger than the log.
    TreeHeadBeyondLog = "tree_head_beyond_log", 400, "The tree size is larger than the log";
    /// A record that is not a valid disclosure record.
    RecordInvalid = "record_invalid", 400, "The disclosure record is invalid";
    /// As many log exports as allowed are running; retry after
    /// `Retry-After` seconds.
    LogExportBusy = "log_export_busy", 503, "Too many log exports at once; retry later";
    /// The database is busy; retry.
    StorageBusy = "storage_busy", 503, "Storage is busy; retry";
    /// The database failed.
    StorageError = "storage_error", 500, "Storage failed";
    /// The database cannot be reached (connection refused or lost); the
    /// node serves again when it returns, and no acknowledged decision
    /// is lost.
    StorageUnavailable = "storage_unavailable", 503, "Storage is unavailable; retry later";
    /// Schema migration failed.
    StorageMigrationFailed = "storage_migration_failed", 500, "Storage migration failed";
    /// The database could not be set up.
    StorageSetupFailed = "storage_setup_failed", 500, "Storage setup failed";
    /// Stored data contradicts itself.
    StorageCorrupt = "storage_corrupt", 500, "Stored data is corrupt";
}

impl ProblemCode {
    /// The problem `type` URI: `urn:zkcred:problem:<code>` (RFC 9457 §3.1.1).
    pub fn type_uri(self) -> String {
        format!("urn:zkcred:problem:{}", self.as_str())
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ProblemCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ProblemCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ProblemCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ProblemCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom(format_args!("unknown problem code {s:?}")))
    }
}

/// A string that is no [`ProblemCode`] of this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCode;

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown problem code")
    }
}

impl std::error::Error for UnknownCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &c in ProblemCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !s.starts_with('_'),
                "{s}"
            );
            assert_eq!(s.parse::<ProblemCode>(), Ok(c));
            assert_eq!(c, s);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<ProblemCode>(&json).unwrap(), c);
            assert!(!c.title().is_empty() && !c.title().ends_with('.'));
            assert_eq!(c.type_uri(), format!("urn:zkcred:problem:{s}"));
        }
        assert!("no_such_code".parse::<ProblemCode>().is_err());
        assert!(serde_json::from_str::<ProblemCode>("\"no_such_code\"").is_err());
    }

    #[test]
    fn statuses_are_client_or_server_errors() {
        for &c in ProblemCode::ALL {
            assert!((400..600).contains(&c.status()), "{c}");
        }
        assert_eq!(ProblemCode::ChallengeReplayed.status(), 409);
        assert_eq!(ProblemCode::ChallengeExpired.status(), 410);
        assert_eq!(ProblemCode::InternalError.status(), 500);
        assert_eq!(ProblemCode::ProofInvalid.status(), 422);
        assert_eq!(ProblemCode::RateLimited.status(), 429);
        assert_eq!(ProblemCode::ChallengeQuotaExceeded.status(), 429);
        assert_eq!(ProblemCode::ChallengeCapacityExceeded.status(), 503);
    }
}
