//! Evaluation: policy + request + presentation + registry + clock → [`Decision`].
//!
//! Three stages, each refusing with machine-readable [`Reason`]s:
//!
//! 1. **Shape** (no cryptography): the request is one this policy would
//!    make (verifier, lifetime, accepted types, attributes, and statements:
//!    each a range statement the policy makes for the requirement on a date
//!    the request may have been made, or one of its links); the
//!    presentation offers an accepted type per requirement and discloses
//!    exactly what the policy allows — an attribute the policy does not
//!    allow, or a proven one with a value, refuses the whole presentation
//!    (`over_disclosure`, naming the attributes, never their values), as
//!    does a missing required one.
//! 2. **Proof**: [`zkcred_credential::verify_presentation`] with the registry
//!    as key resolver (challenge, request digest, expiry, BBS proofs and the
//!    statements' proofs; [`DisclosedCredential::statements`] are those that
//!    verified).
//! 3. **Trust and conditions**: the recognition rule
//!    ([`crate::recognition`]) for each credential, then the requirement's
//!    own restrictions (issuers, regions, routes, agreements), then the
//!    predicates and freshness limits on the presentation date, then the
//!    links.
//!
//! A predicate is established either from a disclosed value ([`Established::Disclosed`]:
//! the requirement discloses the attribute, or the engine needs it for
//! `equals` / `one_of`, or the holder disclosed an absent optional
//! attribute as `null`, which `if_absent` decides) or by a verified range
//! statement on its attribute whose bound is at least as strict as the
//! predicate's on the presentation date ([`Established::Proven`]; see
//! [`crate::predicate`] for requests answered after midnight). A link holds
//! only by a verified `equal` statement on each later entry.
//!
//! An accepted [`Decision`] carries the values of the attributes the policy
//! allows (required and optional) in [`DisclosedValues`]; values disclosed
//! for the engine only are dropped. `Decision` serialises and prints
//! (`Debug`) *without* any value, so logging a decision logs attribute names
//! only; the values are reached through [`Decision::values`] alone.

use std::collections::BTreeMap;
use std::fmt;
use zkcred_problem::ProblemCode;

use serde::Serialize;
use time::OffsetDateTime;
use zkcred_credential::error::AttributeError;
use zkcred_credential::{
    verify_presentation, AttributeValue, Catalogue, DisclosedCredential, EqualStatement,
    Error as CredentialError, Presentation, PresentationRequest, Statement,
};

use crate::clock::{presentation_date, to_time_date, Clock};
use crate::policy::{Disclosure, Link, Policy, Requirement};
use crate::predicate::Predicate;
use crate::recognition::{recognise, Admission, Candidate, Issuance, Refusal, Route};
use crate::region::RegionCode;
use crate::registry::Registry;

/// Accepted or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every requirement is met.
    Accepted,
    /// At least one reason applies.
    Refused,
}

/// Most attribute names quoted in one reason (names come from the holder).
const MAX_NAMES: usize = 16;

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Why a presentation was refused (no attribute values, ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The request names another verifier than the policy.
    RequestVerifierMismatch {
        /// The policy's verifier.
        expected: String,
        /// The request's verifier.
        found: String,
    },
    /// The request lives longer than the policy's `request_ttl_seconds`.
    RequestTtlExceeded {
        /// The policy's limit.
        limit_seconds: u32,
    },
    /// The request is not one this policy would make.
    RequestNotFromPolicy {
        /// The requirement concerned, if one.
        requirement: Option<String>,
        /// What differs.
        detail: String,
    },
    /// Not one presented credential per requirement.
    CredentialCount {
        /// Requirements.
        expected: usize,
        /// Presented credentials.
        found: usize,
    },
    /// A credential of a type the requirement does not accept.
    WrongType {
        /// The requirement.
        requirement: String,
        /// Accepted types.
        accepted: Vec<String>,
        /// The presented type.
        found: String,
    },
    /// Attributes disclosed that the policy does not allow (their values are discarded).
    OverDisclosure {
        /// The requirement.
        requirement: String,
        /// The attribute names.
        attributes: Vec<String>,
    },
    /// Required attributes not disclosed.
    MissingRequired {
        /// The requirement.
        requirement: String,
        /// The attribute names.
        attributes: Vec<String>,
    },
    /// The presentation does not verify.
    VerificationFailed {
        /// The credential layer's error kind.
        error: &'static str,
        /// Explanation (names, never values).
        message: String,
    },
    /// The recognition rule refuses the credential.
    NotRecognised {
        /// The requirement.
        requirement: String,
        /// Why.
        refusal: Refusal,
    },
    /// Recognised, but the requirement accepts only other issuers.
    IssuerNotAccepted {
        /// The requirement.
        requirement: String,
        /// The issuer.
        issuer: String,
    },
    /// Recognised, but the issuer is outside the requirement's regions.
    RegionNotAccepted {
        /// The requirement.
        requirement: String,
        /// The issuer's region.
        issuer_region: RegionCode,
    },
    /// Recognised only by routes or agreements the requirement does not accept.
    RouteNotAccepted {
        /// The requirement.
        requirement: String,
        /// The routes that admitted it.
        admitted_by: Vec<Route>,
    },
    /// A predicate or freshness limit does not hold.
    PredicateNotSatisfied {
        /// The requirement.
        requirement: String,
        /// The predicate, described.
        predicate: String,
    },
    /// A predicate's attribute was neither disclosed nor proven (or proven
    /// only within a looser bound than the predicate's on the presentation
    /// date).
    PredicateUnproven {
        /// The requirement.
        requirement: String,
        /// The predicate, described.
        predicate: String,
    },
    /// Linked credentials carry no verified equality proof of the linked
    /// attribute.
    LinkUnproven {
        /// The attribute.
        attribute: String,
        /// The linked requirements.
        requirements: Vec<String>,
    },
}

impl Reason {
    /// The problem code of this reason (`zkcred-problem`), the one place
    /// the policy crate's reasons meet the wire vocabulary.
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as P;
        match self {
            Reason::RequestVerifierMismatch { .. } => P::RequestVerifierMismatch,
            Reason::RequestTtlExceeded { .. } => P::RequestTtlExceeded,
            Reason::RequestNotFromPolicy { .. } => P::RequestNotFromPolicy,
            Reason::CredentialCount { .. } => P::CredentialCount,
            Reason::WrongType { .. } => P::WrongType,
            Reason::OverDisclosure { .. } => P::OverDisclosure,
            Reason::MissingRequired { .. } => P::MissingRequired,
            Reason::VerificationFailed { .. } => P::VerificationFailed,
            Reason::NotRecognised { .. } => P::NotRecognised,
            Reason::IssuerNotAccepted { .. } => P::IssuerNotAccepted,
            Reason::RegionNotAccepted { .. } => P::RegionNotAccepted,
            Reason::RouteNotAccepted { .. } => P::RouteNotAccepted,
            Reason::PredicateNotSatisfied { .. } => P::PredicateNotSatisfied,
            Reason::PredicateUnproven { .. } => P::PredicateUnproven,
            Reason::LinkUnproven { .. } => P::LinkUnproven,
        }
    }

    /// One line of explanation.
    pub fn explain(&self) -> String {
        match self {
            Reason::RequestVerifierMismatch { expected, found } => {
                format!("request is for verifier {found}, the policy's is {expected}")
            }
            Reason::RequestTtlExceeded { limit_seconds } => {
                format!("request lives longer than the policy's {limit_seconds} s")
            }
            Reason::RequestNotFromPolicy {
                requirement,
                detail,
            } => match requirement {
                Some(r) => format!("request entry {r}: {detail}"),
                None => format!("request: {detail}"),
            },
            Reason::CredentialCount { expected, found } => {
                format!("{found} credential(s) presented, {expected} required")
            }
            Reason::WrongType {
                requirement,
                accepted,
                found,
            } => format!(
                "{requirement}: {found} is not an accepted type ({})",
                accepted.join(", ")
            ),
            Reason::OverDisclosure {
                requirement,
                attributes,
            } => format!(
                "{requirement}: discloses {} which the policy does not allow",
                attributes.join(", ")
            ),
            Reason::MissingRequired {
                requirement,
                attributes,
            } => format!("{requirement}: does not disclose {}", attributes.join(", ")),
            Reason::VerificationFailed { error, message } => {
                format!("verification failed ({error}): {message}")
            }
            Reason::NotRecognised {
                requirement,
                refusal,
            } => format!("{requirement}: {}", refusal.explain()),
            Reason::IssuerNotAccepted {
                requirement,
                issuer,
            } => format!("{requirement}: issuer {issuer} is not among the accepted issuers"),
            Reason::RegionNotAccepted {
                requirement,
                issuer_region,
            } => format!("{requirement}: issuer region {issuer_region} is not accepted"),
            Reason::RouteNotAccepted {
                requirement,
                admitted_by,
            } => format!(
                "{requirement}: recognised only by {} which the policy does not accept",
                admitted_by
                    .iter()
                    .map(Route::explain)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Reason::PredicateNotSatisfied {
                requirement,
                predicate,
            } => format!("{requirement}: {predicate} does not hold"),
            Reason::PredicateUnproven {
                requirement,
                predicate,
            } => format!("{requirement}: {predicate} is neither proven nor checkable"),
            Reason::LinkUnproven {
                attribute,
                requirements,
            } => format!(
                "{} are not proven to share one {attribute}",
                requirements.join(", ")
            ),
        }
    }
}

/// How a predicate fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredicateStatus {
    /// It holds.
    Satisfied,
    /// It does not hold.
    NotSatisfied,
    /// Its attribute was neither disclosed nor proven.
    Unproven,
}

/// How a predicate's status was established (never with the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Established {
    /// By a verified range proof: the value was never disclosed.
    Proven,
    /// Checked from a disclosed value (or a disclosed absent value).
    Disclosed,
}

/// A predicate's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PredicateResult {
    /// The predicate, described.
    pub predicate: String,
    /// Its status.
    pub status: PredicateStatus,
    /// How the status was established (absent when unproven).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub established: Option<Established>,
}

/// How a link fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Every later credential proved equality with the first.
    Proven,
    /// Some equality proof is missing.
    Unproven,
}

/// A link's result (names only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkResult {
    /// The attribute.
    pub attribute: String,
    /// The linked requirements, in policy order.
    pub requirements: Vec<String>,
    /// Its status.
    pub status: LinkStatus,
}

/// What was decided about one presented credential (names, never values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialReport {
    /// The requirement it answers.
    pub requirement: String,
    /// Its type.
    pub credential_type: String,
    /// Its issuer.
    pub issuer: String,
    /// Its key.
    pub key_id: String,
    /// Why it is recognised (absent if refused by the recognition rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admission: Option<Admission>,
    /// The route the policy accepted it by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_route: Option<Route>,
    /// Names of the values returned to the verifier.
    pub returned: Vec<String>,
    /// Names of values disclosed for the engine only (`equals` / `one_of`
    /// predicates, absent values of proven attributes) and discarded.
    pub discarded: Vec<String>,
    /// Predicate results.
    pub predicates: Vec<PredicateResult>,
}

/// The values returned for one requirement.
#[derive(Clone, PartialEq, Eq)]
pub struct RequirementValues {
    /// The requirement.
    pub requirement: String,
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// Values by attribute name (`None`: an absent optional attribute).
    pub values: BTreeMap<String, Option<AttributeValue>>,
}

/// The values an accepted decision returns; `Debug` shows names only.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct DisclosedValues(Vec<RequirementValues>);

impl DisclosedValues {
    /// Per requirement, in policy order.
    pub fn requirements(&self) -> &[RequirementValues] {
        &self.0
    }

    /// The value of `attribute` under `requirement` (`Some(None)`: absent).
    pub fn get(&self, requirement: &str, attribute: &str) -> Option<&Option<AttributeValue>> {
        self.0
            .iter()
            .find(|r| r.requirement == requirement)?
            .values
            .get(attribute)
    }

    /// `(requirement, attribute)` names of every returned value.
    pub fn names(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .flat_map(|r| {
                r.values
                    .keys()
                    .map(move |k| (r.requirement.clone(), k.clone()))
            })
            .collect()
    }
}

impl fmt::Debug for DisclosedValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for r in &self.0 {
            m.entry(&r.requirement, &r.values.keys().collect::<Vec<_>>());
        }
        m.finish()
    }
}

impl fmt::Debug for RequirementValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequirementValues")
            .field("requirement", &self.requirement)
            .field("credential_type", &self.credential_type)
            .field("issuer", &self.issuer)
            .field("attributes", &self.values.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The outcome of evaluating a presentation under a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The policy identifier.
    pub policy_id: String,
    /// The policy revision.
    pub policy_version: u32,
    /// The verifier.
    pub verifier: String,
    /// When it was decided.
    #[serde(with = "time::serde::rfc3339")]
    pub evaluated_at: OffsetDateTime,
    /// Accepted or refused.
    pub outcome: Outcome,
    /// Why it was refused (empty when accepted).
    pub reasons: Vec<Reason>,
    /// Per credential, once the proofs verified.
    pub credentials: Vec<CredentialReport>,
    /// Per link of the policy, once the proofs verified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkResult>,
    #[serde(skip)]
    values: Option<DisclosedValues>,
    /// The holder's pseudonym (accepted decisions of policies with one):
    /// like the values, never serialized with the decision, so it reaches
    /// no log by accident.
    #[serde(skip)]
    pseudonym: Option<String>,
}

impl Decision {
    /// Whether the presentation was accepted.
    pub fn is_accepted(&self) -> bool {
        self.outcome == Outcome::Accepted
    }

    /// The returned values (accepted decisions only).
    pub fn values(&self) -> Option<&DisclosedValues> {
        self.values.as_ref()
    }

    /// The holder's pseudonym for the policy's context, hex of a compressed
    /// G1 point (accepted decisions of policies with a `pseudonym` only).
    pub fn pseudonym(&self) -> Option<&str> {
        self.pseudonym.as_deref()
    }

    /// The codes of the reasons.
    pub fn reason_codes(&self) -> Vec<ProblemCode> {
        self.reasons.iter().map(Reason::code).collect()
    }

    /// The decision as JSON for logs: reasons and attribute names, no values.
    pub fn to_log_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Evaluates presentations (see the module docs).
#[derive(Clone, Copy)]
pub struct Evaluator<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The trust registry (also the key resolver).
    pub registry: &'a Registry,
    /// The clock.
    pub clock: &'a dyn Clock,
}

fn attribute_error_message(e: &AttributeError) -> String {
    let (name, what) = match e {
        AttributeError::NotInLayout { attribute, .. } => (attribute, "is not in the layout"),
        AttributeError::Missing { attribute } => (attribute, "is missing"),
        AttributeError::TypeMismatch { attribute, .. } => (attribute, "has the wrong type"),
        AttributeError::InvalidDate { attribute, .. } => (attribute, "is not a valid date"),
        AttributeError::InvalidHex { attribute } => (attribute, "is not hex"),
        AttributeError::InvalidUtf8 { attribute } => (attribute, "is not UTF-8"),
        AttributeError::TooLong { attribute, .. } => (attribute, "is too long"),
        AttributeError::Invalid { attribute, .. } => (attribute, "has an invalid value"),
    };
    format!("attribute {:?} {what}", clip(name))
}

/// Maps a credential-layer error to a code and a message without values.
fn verification_reason(e: &CredentialError) -> Reason {
    use CredentialError as E;
    let error = match e {
        E::Attribute(_) => "invalid_attribute",
        E::RequestExpired(_) => "request_expired",
        E::VerifierMismatch { .. } => "verifier_mismatch",
        E::ChallengeMismatch => "challenge_mismatch",
        E::RequestDigestMismatch => "request_digest_mismatch",
        E::CredentialCountMismatch { .. } => "credential_count_mismatch",
        E::WrongCredentialType { .. } => "wrong_credential_type",
        E::IssuerNotAccepted(_) => "issuer_not_accepted",
        E::MissingDisclosure(_) => "missing_disclosure",
        E::UnrequestedDisclosure(_) => "unrequested_disclosure",
        E::UnsupportedStatement(_) => "unsupported_statement",
        E::UnsupportedProof { .. } => "unsupported_proof",
        E::UnknownKey { .. } => "unknown_key",
        E::ProofInvalid => "proof_invalid",
        E::Malformed { .. } => "malformed",
        E::UnknownCredentialType(_) => "unknown_credential_type",
        E::UnsupportedFormat { .. } => "unsupported_format",
        E::UnsupportedEncodingVersion(_) => "unsupported_encoding_version",
        E::UnknownSuite(_) => "unknown_suite",
        E::SuiteMismatch { .. } => "suite_mismatch",
        E::InvalidRequest(_) => "invalid_request",
        E::InvalidIdentifier { .. } => "invalid_identifier",
        _ => "verification_error",
    };
    let message = match e {
        E::Attribute(a) => attribute_error_message(a),
        other => other.to_string(),
    };
    Reason::VerificationFailed { error, message }
}

impl Evaluator<'_> {
    /// Evaluates `presentation`, made for `request`, under `policy` now.
    ///
    /// This is [`Evaluator::check_shape`], the proof check
    /// ([`verify_presentation`] with the registry as key resolver), then
    /// [`Evaluator::conclude`]. A verifier that checks the proofs of many
    /// presentations together (batch verification) calls the two stages
    /// itself around its own proof check.
    pub fn evaluate(
        &self,
        policy: &Policy,
        request: &PresentationRequest,
        presentation: &Presentation,
    ) -> Decision {
        if let Err(refused) = self.check_shape(policy, request, presentation) {
            return *refused;
        }
        let verified = verify_presentation(
            self.catalogue,
            request,
            presentation,
            self.registry,
            self.clock.now(),
        );
        self.conclude(policy, verified)
    }

    fn empty_decision(policy: &Policy, now: OffsetDateTime) -> Decision {
        Decision {
            policy_id: policy.id().to_owned(),
            policy_version: policy.version(),
            verifier: policy.verifier().to_owned(),
            evaluated_at: now,
            outcome: Outcome::Refused,
            reasons: Vec::new(),
            credentials: Vec::new(),
            links: Vec::new(),
            values: None,
            pseudonym: None,
        }
    }

    /// Stage 1 (no cryptography): the request and the presentation against
    /// the policy. `Err` is the refused decision.
    ///
    /// # Errors
    /// The refused [`Decision`], with every shape reason found (its outcome
    /// [`Outcome::Refused`]).
    pub fn check_shape(
        &self,
        policy: &Policy,
        request: &PresentationRequest,
        presentation: &Presentation,
    ) -> Result<(), Box<Decision>> {
        let now = self.clock.now();
        let reasons = shape_reasons(policy, request, presentation, now);
        if reasons.is_empty() {
            return Ok(());
        }
        let mut decision = Self::empty_decision(policy, now);
        decision.reasons = reasons;
        Err(Box::new(decision))
    }

    /// Stage 3, given the outcome of the proof check of a presentation that
    /// passed [`Evaluator::check_shape`] (what [`verify_presentation`] gives,
    /// or the same from a batched check): the trust rules and conditions per
    /// credential, and the decision.
    pub fn conclude(
        &self,
        policy: &Policy,
        verified: Result<Vec<DisclosedCredential>, CredentialError>,
    ) -> Decision {
        let now = self.clock.now();
        let mut decision = Self::empty_decision(policy, now);
        let disclosed = match verified {
            Ok(d) => d,
            Err(e) => {
                decision.reasons.push(verification_reason(&e));
                return decision;
            }
        };
        for l in &policy.links {
            let result = link_result(policy, l, &disclosed);
            if result.status == LinkStatus::Unproven {
                decision.reasons.push(Reason::LinkUnproven {
                    attribute: result.attribute.clone(),
                    requirements: result.requirements.clone(),
                });
            }
            decision.links.push(result);
        }
        let pseudonym = disclosed.first().and_then(|d| d.pseudonym.clone());
        if policy.spec.pseudonym.is_some() && pseudonym.is_none() {
            decision.reasons.push(Reason::RequestNotFromPolicy {
                requirement: None,
                detail: "the policy requires a pseudonym and none was proven".into(),
            });
        }
        let mut values = Vec::with_capacity(disclosed.len());
        for (r, dc) in policy.requirements.iter().zip(disclosed) {
            let (report, reasons, kept) = self.check_credential(policy, r, dc, now);
            decision.credentials.push(report);
            decision.reasons.extend(reasons);
            values.push(kept);
        }
        if decision.reasons.is_empty() {
            decision.outcome = Outcome::Accepted;
            decision.values = Some(DisclosedValues(values));
            decision.pseudonym = pseudonym.filter(|_| policy.spec.pseudonym.is_some());
        }
        decision
    }

    fn check_credential(
        &self,
        policy: &Policy,
        r: &Requirement,
        dc: DisclosedCredential,
        now: OffsetDateTime,
    ) -> (CredentialReport, Vec<Reason>, RequirementValues) {
        let mut reasons = Vec::new();
        let issuance = match dc.attributes.get("issue_date") {
            Some(Some(AttributeValue::Date(d))) => {
                to_time_date(*d).map_or(Issuance::Unknown, Issuance::OnDate)
            }
            _ => Issuance::Unknown,
        };
        let candidate = Candidate {
            verifier_region: policy.verifier_region,
            credential_type: &dc.credential_type,
            issuer: &dc.issuer,
            key_id: &dc.key_id,
            issuance,
            at: now,
        };
        let mut admission = None;
        let mut accepted_route = None;
        match recognise(self.registry, &candidate) {
            Err(refusal) => reasons.push(Reason::NotRecognised {
                requirement: r.id.clone(),
                refusal,
            }),
            Ok(adm) => {
                let issuer_region = self.registry.issuer(&dc.issuer).map(|i| i.region);
                if !r.trust.issuers.is_empty() && !r.trust.issuers.contains(&dc.issuer) {
                    reasons.push(Reason::IssuerNotAccepted {
                        requirement: r.id.clone(),
                        issuer: clip(&dc.issuer),
                    });
                }
                if let Some(region) = issuer_region {
                    if !r.trust.regions.is_empty()
                        && !r.trust.regions.iter().any(|c| c.contains(region))
                    {
                        reasons.push(Reason::RegionNotAccepted {
                            requirement: r.id.clone(),
                            issuer_region: region,
                        });
                    }
                }
                accepted_route = adm
                    .routes
                    .iter()
                    .find(|route| {
                        r.trust.routes.contains(&route.kind())
                            && match route {
                                Route::Agreement { id, .. } => {
                                    r.trust.agreements.is_empty() || r.trust.agreements.contains(id)
                                }
                                _ => true,
                            }
                    })
                    .cloned();
                if accepted_route.is_none() {
                    reasons.push(Reason::RouteNotAccepted {
                        requirement: r.id.clone(),
                        admitted_by: adm.routes.clone(),
                    });
                }
                admission = Some(adm);
            }
        }
        let today = presentation_date(now);
        let mut predicates = Vec::with_capacity(r.predicates.len());
        for p in &r.predicates {
            let description = p.describe();
            let (status, established) = match dc.attributes.get(&p.attribute) {
                Some(v) if p.holds(v.as_ref(), today) => {
                    (PredicateStatus::Satisfied, Some(Established::Disclosed))
                }
                Some(_) => (PredicateStatus::NotSatisfied, Some(Established::Disclosed)),
                None if proven(p, &dc.statements, today) => {
                    (PredicateStatus::Satisfied, Some(Established::Proven))
                }
                None => (PredicateStatus::Unproven, None),
            };
            match status {
                PredicateStatus::Unproven => reasons.push(Reason::PredicateUnproven {
                    requirement: r.id.clone(),
                    predicate: description.clone(),
                }),
                PredicateStatus::NotSatisfied => reasons.push(Reason::PredicateNotSatisfied {
                    requirement: r.id.clone(),
                    predicate: description.clone(),
                }),
                PredicateStatus::Satisfied => {}
            }
            predicates.push(PredicateResult {
                predicate: description,
                status,
                established,
            });
        }
        let mut kept = BTreeMap::new();
        let mut discarded = Vec::new();
        for (name, value) in dc.attributes {
            match r.disclosure(&name) {
                Disclosure::Required | Disclosure::Optional => {
                    kept.insert(name, value);
                }
                // Shape checks refused anything not allowed; what remains
                // here served a predicate (a value for `equals` / `one_of`,
                // or an absent proven attribute) and is dropped.
                Disclosure::PredicateOnly | Disclosure::Proven | Disclosure::NotAllowed => {
                    discarded.push(name)
                }
            }
        }
        let report = CredentialReport {
            requirement: r.id.clone(),
            credential_type: dc.credential_type.clone(),
            issuer: dc.issuer.clone(),
            key_id: dc.key_id.clone(),
            admission,
            accepted_route,
            returned: kept.keys().cloned().collect(),
            discarded,
            predicates,
        };
        let values = RequirementValues {
            requirement: r.id.clone(),
            credential_type: dc.credential_type,
            issuer: dc.issuer,
            values: kept,
        };
        (report, reasons, values)
    }
}

/// Whether a verified range statement on the predicate's attribute
/// establishes it on `today` (see [`Predicate::proven_by`]).
fn proven(p: &Predicate, statements: &[Statement], today: time::Date) -> bool {
    let Some(ty) = p.range_type() else {
        return false;
    };
    statements.iter().any(|s| match s {
        Statement::Range(rs) if rs.attribute == p.attribute => rs
            .bounds(ty)
            .is_ok_and(|(min, max)| p.proven_by(min, max, today)),
        _ => false,
    })
}

/// A link holds when every later linked credential carries a verified
/// equality with the first one's attribute.
fn link_result(policy: &Policy, l: &Link, disclosed: &[DisclosedCredential]) -> LinkResult {
    let first = l.requirements[0];
    let entry = u32::try_from(first).unwrap_or(u32::MAX);
    let want = Statement::Equal(EqualStatement::new(&l.attribute, entry, &l.attribute));
    let proven = l.requirements[1..].iter().all(|&j| {
        disclosed
            .get(j)
            .is_some_and(|dc| dc.statements.contains(&want))
    });
    LinkResult {
        attribute: l.attribute.clone(),
        requirements: l
            .requirements
            .iter()
            .filter_map(|&j| policy.requirements.get(j).map(|r| r.id.clone()))
            .collect(),
        status: if proven {
            LinkStatus::Proven
        } else {
            LinkStatus::Unproven
        },
    }
}

/// The presentation dates on which `request` may have been made: from the
/// date of its expiry less the policy's lifetime to the date of `now` (a
/// few days at most).
pub(crate) fn request_days(
    request: &PresentationRequest,
    ttl: u32,
    now: OffsetDateTime,
) -> Vec<time::Date> {
    let made = request.expires_at - time::Duration::seconds(i64::from(ttl));
    let a = presentation_date(made.min(now));
    let b = presentation_date(made.max(now));
    let mut days = vec![a];
    let mut d = a;
    while d < b && days.len() < 4 {
        match d.next_day() {
            Some(n) => {
                d = n;
                days.push(n);
            }
            None => break,
        }
    }
    if days.last() != Some(&b) {
        days.push(b);
    }
    days
}

fn names(list: Vec<&String>) -> Vec<String> {
    list.into_iter().take(MAX_NAMES).map(|s| clip(s)).collect()
}

/// Stage 1: the request and the presentation against the policy.
fn shape_reasons(
    policy: &Policy,
    request: &PresentationRequest,
    presentation: &Presentation,
    now: OffsetDateTime,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if request.verifier != policy.verifier() {
        reasons.push(Reason::RequestVerifierMismatch {
            expected: policy.verifier().to_owned(),
            found: clip(&request.verifier),
        });
    }
    let wanted = policy.spec.pseudonym.as_ref().map(|p| p.context.as_str());
    let asked = request.pseudonym.as_ref().map(|p| p.context.as_str());
    if wanted != asked {
        reasons.push(Reason::RequestNotFromPolicy {
            requirement: None,
            detail: match (wanted, asked) {
                (Some(_), None) => "the request asks for no pseudonym, the policy for one".into(),
                (None, Some(_)) => "the request asks for a pseudonym, the policy for none".into(),
                _ => "the request's pseudonym context is not the policy's".into(),
            },
        });
    }
    let ttl = policy.spec.freshness.request_ttl_seconds;
    if request.expires_at > now + time::Duration::seconds(i64::from(ttl)) {
        reasons.push(Reason::RequestTtlExceeded { limit_seconds: ttl });
    }
    let n = policy.requirements.len();
    if request.credentials.len() != n {
        reasons.push(Reason::RequestNotFromPolicy {
            requirement: None,
            detail: format!(
                "asks for {} credential(s), the policy for {n}",
                request.credentials.len()
            ),
        });
    } else {
        let days = request_days(request, ttl, now);
        for (i, (r, rc)) in policy
            .requirements
            .iter()
            .zip(&request.credentials)
            .enumerate()
        {
            let mut detail = Vec::new();
            for ty in rc.types() {
                if !r.types.iter().any(|t| t == ty) {
                    detail.push(format!("type {} is not accepted", clip(ty)));
                }
            }
            let extra: Vec<&String> = rc
                .disclose
                .iter()
                .filter(|a| r.disclosure(a) == Disclosure::NotAllowed)
                .collect();
            if !extra.is_empty() {
                detail.push(format!("asks for {}", names(extra).join(", ")));
            }
            let proven: Vec<&String> = rc
                .disclose
                .iter()
                .filter(|a| r.disclosure(a) == Disclosure::Proven)
                .collect();
            if !proven.is_empty() {
                detail.push(format!(
                    "asks to disclose {}, which the policy proves without disclosure",
                    names(proven).join(", ")
                ));
            }
            let disclose: Vec<&str> = rc.disclose.iter().map(String::as_str).collect();
            let made: Vec<Statement> = days
                .iter()
                .filter_map(|d| policy.entry_statements(i, &disclose, *d).ok())
                .flatten()
                .collect();
            let foreign: Vec<&Statement> =
                rc.statements.iter().filter(|s| !made.contains(s)).collect();
            if let Some(s) = foreign.first() {
                detail.push(format!(
                    "carries {} statement(s) the policy does not make, such as {}",
                    foreign.len(),
                    clip(&s.describe())
                ));
            }
            let missing: Vec<&String> = r
                .disclose
                .iter()
                .filter(|a| !rc.disclose.contains(a))
                .collect();
            if !missing.is_empty() {
                detail.push(format!("does not ask for {}", names(missing).join(", ")));
            }
            if !detail.is_empty() {
                reasons.push(Reason::RequestNotFromPolicy {
                    requirement: Some(r.id.clone()),
                    detail: detail.join("; "),
                });
            }
        }
    }
    if presentation.credentials.len() != n {
        reasons.push(Reason::CredentialCount {
            expected: n,
            found: presentation.credentials.len(),
        });
        return reasons;
    }
    for (r, pc) in policy.requirements.iter().zip(&presentation.credentials) {
        if !r.types.contains(&pc.credential_type) {
            reasons.push(Reason::WrongType {
                requirement: r.id.clone(),
                accepted: r.types.clone(),
                found: clip(&pc.credential_type),
            });
        }
        // A proven attribute may only be disclosed as absent (`null`), by
        // a holder whose credential does not carry it.
        let extra: Vec<&String> = pc
            .disclosed
            .iter()
            .filter(|(a, v)| match r.disclosure(a) {
                Disclosure::NotAllowed => true,
                Disclosure::Proven => !v.is_null(),
                _ => false,
            })
            .map(|(a, _)| a)
            .collect();
        if !extra.is_empty() {
            reasons.push(Reason::OverDisclosure {
                requirement: r.id.clone(),
                attributes: names(extra),
            });
        }
        let missing: Vec<&String> = r
            .disclose
            .iter()
            .filter(|a| !pc.disclosed.contains_key(*a))
            .collect();
        if !missing.is_empty() {
            reasons.push(Reason::MissingRequired {
                requirement: r.id.clone(),
                attributes: names(missing),
            });
        }
    }
    reasons
}
