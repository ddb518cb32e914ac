//! The holder's side of a request: who asks, under which registered policy,
//! for what; and the verifier's side of signing requests under a
//! registration.
//!
//! [`check`] is the wallet's one entry point before it presents anything.
//! It runs, in order:
//!
//! 1. the request's shape against the catalogue
//!    ([`PresentationRequest::validate`]);
//! 2. the credential layer's authentication
//!    ([`PresentationRequest::authenticate`]): the request is signed, its
//!    embedded registration is signed by a regulator key the wallet trusts
//!    and valid now, the request's signature verifies under the registered
//!    request key, the registration is for the request's verifier and holds
//!    the request's policy, the request has not expired;
//! 3. the registered policy loads with the policy language and is the
//!    verifier's;
//! 4. the request asks no more than that policy allows ([`within_policy`]):
//!    purpose and legal basis are the policy's, it lives no longer than the
//!    policy's request lifetime (plus [`CLOCK_SKEW_SECONDS`] for the
//!    wallet's clock), and each entry answers a distinct requirement of the
//!    policy with types among the requirement's, discloses only what the
//!    requirement requires or allows (required, optional, or the attribute
//!    of an `equals` / `one_of` predicate), and carries only statements the
//!    policy's predicates and links make ([`Policy::entry_statements`], on
//!    any day the request may have been made). Asking for less than the
//!    policy (fewer requirements, no optional attributes) is allowed: the
//!    verifier may then refuse the answer, but nothing beyond the policy
//!    leaves the wallet.
//!
//! Each failure is a distinct [`Error`] with its own problem code
//! (`request_unsigned`, `registration_untrusted`, `registration_expired`,
//! `request_signature_invalid`, `registration_mismatch`,
//! `request_exceeds_policy`, …). On success it returns the [`Consent`]:
//! what to show the holder before asking for confirmation.
//!
//! Unsigned (version 1) requests are refused unless the caller passes
//! [`Unsigned::Allow`] (development only); their consent then says that
//! nothing about the verifier was checked.
//!
//! The verifier's side is [`sign_request`]: a request made by
//! [`Policy::request`], signed with the request key under the verifier's
//! registration, after checking that the registration holds exactly this
//! policy.

use serde_json::Value;
use time::OffsetDateTime;
use zkcred_credential::presentation::{
    RequestPolicy, SecretSigningKey, TrustedRegulators, VerifierRegistration,
};
use zkcred_credential::{Catalogue, EqualStatement, Error, PresentationRequest, Statement};

use crate::evaluate::request_days;
use crate::policy::{Disclosure, Policy, PolicyLoader, PurposeCategory};

/// How far ahead of the wallet's clock the verifier's clock may be: a
/// request may live this much longer than the policy's request lifetime
/// as the wallet measures it.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// Whether unsigned (version 1) requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsigned {
    /// Refuse them with [`Error::RequestUnsigned`] (the default).
    Refuse,
    /// Answer them, for development only: nothing about the verifier or
    /// what it may ask is checked.
    Allow,
}

/// What a registered verifier's signed request was checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The verifier's name, as the regulator registered it.
    pub verifier_name: String,
    /// The verifier's GB/T 2260 region code.
    pub verifier_region: String,
    /// The policy identifier.
    pub policy_id: String,
    /// The policy version.
    pub policy_version: u32,
    /// The policy's title, if any.
    pub policy_title: Option<String>,
    /// The purpose category.
    pub category: PurposeCategory,
    /// The purpose, in plain words.
    pub purpose: String,
    /// The legal basis.
    pub legal_basis: String,
    /// Days the verifier keeps the disclosed values (0: not kept).
    pub retention_days: u32,
    /// The regulator key that signed the registration.
    pub regulator_key_id: String,
    /// When the registration expires.
    pub registration_expires_at: OffsetDateTime,
}

/// What one requested entry takes from the holder.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentEntry {
    /// The policy requirement it answers (signed requests).
    pub requirement: Option<String>,
    /// The requirement's description, if any.
    pub description: Option<String>,
    /// The accepted credential types.
    pub types: Vec<String>,
    /// Every attribute disclosed to the verifier, by name.
    pub disclose: Vec<String>,
    /// Those of `disclose` the verifier's policy only checks (an `equals`
    /// or `one_of` condition) and does not keep.
    pub checked_only: Vec<String>,
    /// What is proven without disclosing it.
    pub statements: Vec<Statement>,
    /// The accepted issuers (empty: any).
    pub issuers: Vec<String>,
    /// Whether the licence's status is proven (valid in its issuer's
    /// status list), and the oldest status epoch accepted, in seconds
    /// after it was superseded.
    pub status_max_epoch_age: Option<u64>,
}

/// What the holder is asked to agree to: shown before anything is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    /// The verifier's identifier in the request.
    pub verifier: String,
    /// `None` for an unsigned request answered with [`Unsigned::Allow`]:
    /// then nothing about the verifier was checked.
    pub registered: Option<Registered>,
    /// When the request expires.
    pub expires_at: OffsetDateTime,
    /// One per requested entry, in order.
    pub entries: Vec<ConsentEntry>,
    /// The context of the pseudonym asked for, if any: the verifier will
    /// recognise the holder on later visits in this context (and only in
    /// it).
    pub pseudonym: Option<String>,
}

fn exceeds(policy: &Policy, detail: String) -> Error {
    Error::RequestExceedsPolicy {
        policy: format!("{} v{}", policy.id(), policy.version()),
        detail,
    }
}

fn clip(s: &str) -> String {
    s.chars().take(128).collect()
}

/// The wallet's check of `request` at `now` (see the module docs); the
/// consent to show the holder.
///
/// # Errors
/// [`Error::RequestUnsigned`] for an unsigned request unless `unsigned`
/// is [`Unsigned::Allow`]; the errors of [`PresentationRequest::validate`]
/// and [`PresentationRequest::authenticate`]
/// ([`Error::RegistrationUntrusted`], [`Error::RegistrationExpired`],
/// [`Error::RequestSignatureInvalid`], [`Error::RegistrationMismatch`],
/// [`Error::RequestExpired`]); [`Error::RegistrationMismatch`] for a
/// registered policy that does not load or is another verifier's;
/// [`Error::RequestExceedsPolicy`] as [`within_policy`].
pub fn check(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    trusted: &TrustedRegulators,
    now: OffsetDateTime,
    unsigned: Unsigned,
) -> Result<Consent, Error> {
    request.validate(catalogue)?;
    if !request.is_signed() {
        if unsigned == Unsigned::Refuse {
            return Err(Error::RequestUnsigned);
        }
        request.check_live(now)?;
        return Ok(Consent {
            verifier: request.verifier.clone(),
            registered: None,
            expires_at: request.expires_at,
            entries: request
                .credentials
                .iter()
                .map(|rc| ConsentEntry {
                    requirement: None,
                    description: None,
                    types: rc.types().into_iter().map(str::to_owned).collect(),
                    disclose: rc.disclose.clone(),
                    checked_only: Vec::new(),
                    statements: rc.statements.clone(),
                    issuers: rc.issuers.clone(),
                    status_max_epoch_age: rc.status.map(|s| s.max_epoch_age),
                })
                .collect(),
            pseudonym: request.pseudonym.as_ref().map(|p| p.context.clone()),
        });
    }
    let auth = request.authenticate(trusted, now)?;
    let policy = load_registered(catalogue, auth.registered_policy, auth.policy)?;
    if policy.verifier() != request.verifier {
        return Err(Error::RegistrationMismatch(format!(
            "registered policy {} v{} is verifier {:?}'s, not {:?}'s",
            policy.id(),
            policy.version(),
            policy.verifier(),
            request.verifier
        )));
    }
    within_policy(
        &policy,
        request,
        &auth.policy.requirements,
        auth.purpose,
        auth.legal_basis,
        now,
    )?;
    let entries = request
        .credentials
        .iter()
        .zip(&auth.policy.requirements)
        .map(|(rc, rid)| {
            let r = policy.requirements.iter().find(|r| &r.id == rid);
            let spec = policy.spec.requirements.iter().find(|r| &r.id == rid);
            ConsentEntry {
                requirement: Some(rid.clone()),
                description: spec.and_then(|s| s.description.clone()),
                types: rc.types().into_iter().map(str::to_owned).collect(),
                disclose: rc.disclose.clone(),
                checked_only: rc
                    .disclose
                    .iter()
                    .filter(|a| r.is_some_and(|r| r.disclosure(a) == Disclosure::PredicateOnly))
                    .cloned()
                    .collect(),
                statements: rc.statements.clone(),
                issuers: rc.issuers.clone(),
                status_max_epoch_age: rc.status.map(|s| s.max_epoch_age),
            }
        })
        .collect();
    let reg = auth.registration;
    Ok(Consent {
        verifier: request.verifier.clone(),
        registered: Some(Registered {
            verifier_name: reg.verifier.name.clone(),
            verifier_region: reg.verifier.region.clone(),
            policy_id: policy.id().to_owned(),
            policy_version: policy.version(),
            policy_title: policy.spec.title.clone(),
            category: policy.spec.purpose.category,
            purpose: policy.spec.purpose.description.clone(),
            legal_basis: policy.spec.purpose.legal_basis.clone(),
            retention_days: policy.spec.retention.days,
            regulator_key_id: reg.regulator_key_id.clone(),
            registration_expires_at: reg.expires_at,
        }),
        expires_at: request.expires_at,
        entries,
        pseudonym: request.pseudonym.as_ref().map(|p| p.context.clone()),
    })
}

/// Loads a registered policy document with the policy language (without a
/// trust registry: a wallet has none).
fn load_registered(
    catalogue: &Catalogue,
    document: &Value,
    reference: &RequestPolicy,
) -> Result<Policy, Error> {
    let name = format!(
        "registered policy {} v{}",
        clip(&reference.id),
        reference.version
    );
    PolicyLoader::new(catalogue)
        .parse(&name, &document.to_string())
        .map_err(|e| Error::RegistrationMismatch(format!("{name} cannot be used: {e}")))
}

/// Whether `request`, whose entries answer the policy's `requirements` (by
/// identifier, one per entry) and which states `purpose` and
/// `legal_basis`, asks no more than `policy` allows at `now` (see the
/// module docs).
///
/// # Errors
/// [`Error::RequestExceedsPolicy`] naming the first thing asked beyond the
/// policy: another purpose or legal basis, a longer lifetime, a
/// requirement the policy does not have (or answered twice), a type it
/// does not accept, an attribute it does not allow disclosed (named), a
/// statement it does not make.
pub fn within_policy(
    policy: &Policy,
    request: &PresentationRequest,
    requirements: &[String],
    purpose: &str,
    legal_basis: &str,
    now: OffsetDateTime,
) -> Result<(), Error> {
    let spec = &policy.spec;
    match (&request.pseudonym, &spec.pseudonym) {
        (Some(asked), None) => {
            return Err(exceeds(
                policy,
                format!(
                    "it asks for a pseudonym (context {:?}), the policy for none",
                    clip(&asked.context)
                ),
            ))
        }
        (Some(asked), Some(allowed)) if asked.context != allowed.context => {
            return Err(exceeds(
                policy,
                format!(
                    "it asks for a pseudonym in context {:?}, the policy in {:?}",
                    clip(&asked.context),
                    clip(&allowed.context)
                ),
            ))
        }
        _ => {}
    }
    if purpose != spec.purpose.description {
        return Err(exceeds(
            policy,
            format!(
                "it states the purpose {:?}, the policy {:?}",
                clip(purpose),
                clip(&spec.purpose.description)
            ),
        ));
    }
    if legal_basis != spec.purpose.legal_basis {
        return Err(exceeds(
            policy,
            format!(
                "it states the legal basis {:?}, the policy {:?}",
                clip(legal_basis),
                clip(&spec.purpose.legal_basis)
            ),
        ));
    }
    let ttl = spec.freshness.request_ttl_seconds;
    let latest = now + time::Duration::seconds(i64::from(ttl) + CLOCK_SKEW_SECONDS);
    if request.expires_at > latest {
        return Err(exceeds(
            policy,
            format!(
                "it stays answerable for {} s, longer than the policy's request lifetime of {ttl} s",
                (request.expires_at - now).whole_seconds()
            ),
        ));
    }
    if requirements.len() != request.credentials.len() {
        return Err(exceeds(
            policy,
            format!(
                "it names {} requirement(s) for {} entries",
                requirements.len(),
                request.credentials.len()
            ),
        ));
    }
    // The policy position of each entry's requirement.
    let mut positions = Vec::with_capacity(requirements.len());
    for (j, rid) in requirements.iter().enumerate() {
        let Some(k) = policy.requirements.iter().position(|r| &r.id == rid) else {
            return Err(exceeds(
                policy,
                format!(
                    "entry {j} answers requirement {:?}, which the policy does not have",
                    clip(rid)
                ),
            ));
        };
        if positions.contains(&k) {
            return Err(exceeds(
                policy,
                format!("requirement {rid:?} is asked for twice"),
            ));
        }
        positions.push(k);
    }
    let days = request_days(request, ttl, now);
    for (j, (rc, &k)) in request.credentials.iter().zip(&positions).enumerate() {
        let r = &policy.requirements[k];
        let at = |what: String| exceeds(policy, format!("entry {j} ({}) {what}", r.id));
        for ty in rc.types() {
            if !r.types.iter().any(|t| t == ty) {
                return Err(at(format!(
                    "accepts credential type {}, which the requirement does not",
                    clip(ty)
                )));
            }
        }
        for a in &rc.disclose {
            match r.disclosure(a) {
                Disclosure::Required | Disclosure::Optional | Disclosure::PredicateOnly => {}
                Disclosure::Proven => {
                    return Err(at(format!(
                        "asks to disclose {}, which the policy only proves without disclosure",
                        clip(a)
                    )))
                }
                Disclosure::NotAllowed => {
                    return Err(at(format!(
                        "asks to disclose {}, which the policy does not allow",
                        clip(a)
                    )))
                }
            }
        }
        let disclose: Vec<&str> = rc.disclose.iter().map(String::as_str).collect();
        let mut made: Vec<Statement> = Vec::new();
        for day in &days {
            let Ok(list) = policy.entry_statements(k, &disclose, *day) else {
                continue;
            };
            for s in list {
                let s = match s {
                    Statement::Equal(e) => {
                        // The link's first requirement, where this request
                        // asks for it: an earlier entry.
                        let first = usize::try_from(e.to.entry).unwrap_or(usize::MAX);
                        match positions[..j].iter().position(|&p| p == first) {
                            Some(i) => Statement::Equal(EqualStatement::new(
                                &e.attribute,
                                u32::try_from(i).unwrap_or(u32::MAX),
                                &e.to.attribute,
                            )),
                            None => continue,
                        }
                    }
                    range => range,
                };
                if !made.contains(&s) {
                    made.push(s);
                }
            }
        }
        if let Some(s) = rc.statements.iter().find(|s| !made.contains(s)) {
            return Err(at(format!(
                "asks to prove {}, which the policy does not",
                clip(&s.describe())
            )));
        }
        if rc.status.map(|s| s.max_epoch_age) != r.max_status_epoch_age {
            return Err(at(match r.max_status_epoch_age {
                None => "asks to prove the licence's status, which the policy does not".into(),
                Some(age) => format!(
                    "asks for the licence's status otherwise than the policy (epochs at most {age} s old)"
                ),
            }));
        }
    }
    Ok(())
}

/// Signs `request`, made under `policy` with entries answering its
/// `requirements` (by identifier, in order; all of them for a request of
/// [`Policy::request`]), with the verifier's request `key` under its
/// `registration`, stating the policy's purpose and legal basis.
///
/// # Errors
/// [`Error::RegistrationMismatch`] when the registration does not hold
/// this exact policy document (same id and version, same content) or is
/// another verifier's; the errors of [`PresentationRequest::sign`].
pub fn sign_request(
    policy: &Policy,
    request: &mut PresentationRequest,
    requirements: Vec<String>,
    key: &SecretSigningKey,
    registration: &VerifierRegistration,
) -> Result<(), Error> {
    check_registered(policy, registration)?;
    request.sign(
        key,
        registration.clone(),
        RequestPolicy {
            id: policy.id().to_owned(),
            version: policy.version(),
            requirements,
        },
        &policy.spec.purpose.description,
        &policy.spec.purpose.legal_basis,
    )
}

/// Whether `registration` holds exactly `policy` (same identifier and
/// version, same document) for the policy's verifier.
///
/// # Errors
/// [`Error::RegistrationMismatch`] saying what differs.
pub fn check_registered(policy: &Policy, registration: &VerifierRegistration) -> Result<(), Error> {
    if registration.verifier.id != policy.verifier() {
        return Err(Error::RegistrationMismatch(format!(
            "the registration is for verifier {:?}, policy {} is verifier {:?}'s",
            registration.verifier.id,
            policy.id(),
            policy.verifier()
        )));
    }
    let Some(doc) = registration.policy(policy.id(), policy.version()) else {
        return Err(Error::RegistrationMismatch(format!(
            "policy {} v{} is not in the registration (ask the regulator to register it)",
            policy.id(),
            policy.version()
        )));
    };
    let ours = serde_json::to_value(&policy.spec).map_err(|source| Error::Json {
        what: "policy",
        source,
    })?;
    if *doc != ours {
        return Err(Error::RegistrationMismatch(format!(
            "policy {} v{} differs from the document registered under that id and version",
            policy.id(),
            policy.version()
        )));
    }
    Ok(())
}
