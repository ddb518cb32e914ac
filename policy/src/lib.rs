//! Verifier policies for zkcred: who is trusted, what may be asked, and
//! whether a presentation meets a policy.
//!
//! * [`region`]: GB/T 2260 region codes and their roll-up to provinces.
//! * [`registry`]: the trust registry — regions, issuers and their keys,
//!   mutual-recognition agreements, the national tier; loads from JSON files
//!   (shipped: `registry/regions.json`, `registry/agreements.json`) and
//!   changes at run time.
//! * [`recognition`]: the recognition rule (same region, agreement in force,
//!   national tier; issuer allowed the type; key valid and not revoked), with
//!   explanations.
//! * [`policy`] and [`predicate`]: the policy language (JSON, schema in
//!   `schema/policy.schema.json`), validated at load time with file positions.
//! * [`evaluate`]: policy + request + presentation + registry + clock →
//!   [`evaluate::Decision`].
//! * `audit`: the minimisation audit for regulators.
//! * [`consent`]: the wallet's check of a signed request (registration,
//!   signature, the registered policy's bounds) and what to show the holder;
//!   signing requests under a registration.
//! * [`cli`]: the `zkcred policy check` and `zkcred policy audit` commands.
//! * [`clock`], [`position`], [`error`]: the injectable clock, file positions,
//!   error types with stable codes.
//!
//! ```text
//! let registry = Registry::builtin(catalogue)?;  registry.merge_file("issuers.json")?;
//! let policy = PolicyLoader::new(catalogue).with_registry(&registry).load("hotel.json")?;
//! let request = policy.request(&policy.default_choices(), clock.now(), rng)?;
//! // … the holder answers with a presentation …
//! let decision = Evaluator { catalogue, registry: &registry, clock: &clock }
//!     .evaluate(&policy, &request, &presentation);
//! log(decision.to_log_json());            // names and reasons only
//! if let Some(values) = decision.values() { /* the allowed values */ }
//! ```

pub mod audit;
pub mod cli;
pub mod clock;
pub mod consent;
pub mod error;
pub mod evaluate;
pub mod policy;
pub mod position;
pub mod predicate;
pub mod recognition;
pub mod region;
pub mod registry;

pub use audit::{audit, AuditReport, Finding, FindingCode, Severity};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{LoadError, LoadErrorKind, Location, RegistryError, RequestError};
pub use evaluate::{Decision, DisclosedValues, Evaluator, Outcome, Reason};
pub use policy::{Choice, Policy, PolicyLoader, PurposeCategory, Requirement};
pub use predicate::Predicate;
pub use recognition::{recognise, Admission, Candidate, Issuance, Refusal, Route, RouteKind};
pub use region::RegionCode;
pub use registry::{Agreement, Issuer, NationalTier, Region, Registry, RegistryKey, TypeEntry};
