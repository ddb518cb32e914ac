//! The policy language: what a verifier asks for, why, and from whom.
//!
//! A policy is a JSON file (`"format": "zkcred-policy"`, `"format_version": 1`)
//! described by `policy/schema/policy.schema.json` and documented with
//! examples in `policy/README.md`. In short:
//!
//! ```json
//! { "format": "zkcred-policy", "format_version": 1,
//!   "id": "hotel-check-in", "version": 1, "title": "…",
//!   "verifier": { "id": "hotel.example.cn", "name": "…", "region": "310101" },
//!   "purpose": { "category": "identity_registration", "description": "…", "legal_basis": "…" },
//!   "retention": { "days": 365, "note": "…" },
//!   "freshness": { "request_ttl_seconds": 300 },
//!   "requirements": [ {
//!       "id": "guest", "description": "…",
//!       "types": ["resident_id_card"],
//!       "trust": { "issuers": [], "regions": [], "agreements": [], "routes": ["same_region", "agreement", "national"] },
//!       "disclose": ["holder_name", "holder_id"],
//!       "may_disclose": [],
//!       "predicates": [ { "attribute": "birth_date", "op": "at_least_before", "years": 18 } ],
//!       "freshness": { "max_credential_age_days": 365 } } ],
//!   "links": [ { "attribute": "holder_id", "requirements": ["guest", "licence"] } ] }
//! ```
//!
//! Loading ([`PolicyLoader`]) rejects, with the file position: unknown
//! fields; unknown credential types; attributes missing from any accepted
//! type (`unknown_attribute`); duplicates; malformed region codes; and
//! contradictory rules — an attribute both required and optional, predicates
//! that no value satisfies, agreements named while the agreement route is
//! excluded, issuer regions that the allowed routes can never admit. Given a
//! registry it also checks references to agreements, issuers and regions.
//!
//! `max_credential_age_days` is shorthand for the predicate
//! `issue_date at_most_before <n> days` and is checked together with the
//! declared predicates.
//!
//! `links` (optional) ask for credentials of one holder without disclosing
//! who: the named attribute's hidden values must be equal across the named
//! requirements (two or more). The attribute must exist, with one value
//! type and not optional, in every accepted type of each, and none of them
//! may disclose it (compare disclosed values instead). A request carries a
//! link as an `equal` statement on each later entry pointing to the first.
//!
//! [`Policy::request`] discloses the required and chosen optional
//! attributes, proves date and integer predicates as `range` statements
//! (never disclosing their attributes) and links as `equal` statements, and
//! discloses the attributes of `equals` / `one_of` predicates to the engine
//! only (see [`crate::predicate`]). A requirement turns into at most
//! [`MAX_STATEMENTS_PER_ENTRY`] statements, checked at load time.

use std::collections::BTreeSet;
use std::path::Path;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zkcred_credential::keys::check_identifier;
use zkcred_credential::presentation::status::StatusRequirement;
use zkcred_credential::presentation::MAX_STATEMENTS_PER_ENTRY;
use zkcred_credential::{
    Catalogue, EqualStatement, PresentationRequest, PseudonymRequest, RequestedCredential,
    Statement,
};

use crate::clock::presentation_date;
use crate::error::{read_file, LoadError, LoadErrorKind, RequestError, SourceText};
use crate::position::JsonPath;
use crate::predicate::{check_consistent, Condition, IfAbsent, Offset, Predicate, PredicateSpec};
use crate::recognition::RouteKind;
use crate::region::RegionCode;
use crate::registry::Registry;

/// Format name of policy files.
pub const POLICY_FORMAT: &str = "zkcred-policy";
/// Supported policy format version.
pub const POLICY_FORMAT_VERSION: u32 = 1;
/// Default lifetime of a presentation request built from a policy.
pub const DEFAULT_REQUEST_TTL_SECONDS: u32 = 300;
/// Longest allowed request lifetime.
pub const MAX_REQUEST_TTL_SECONDS: u32 = 86_400;
/// Most requirements in one policy (the credential layer's request limit).
pub const MAX_REQUIREMENTS: usize = zkcred_credential::presentation::MAX_REQUESTED_CREDENTIALS;

/// What a verifier needs the credentials for (read by the minimisation audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurposeCategory {
    /// Real-name registration required by law (hotel check-in, SIM cards).
    IdentityRegistration,
    /// Only whether the holder has reached an age.
    AgeVerification,
    /// An employer checking age or qualifications before hiring.
    EmploymentScreening,
    /// Checking title to a property (renting it out, listing it).
    PropertyVerification,
    /// Registering or changing an enterprise (branch registration).
    BusinessRegistration,
    /// Civil status registration (marriage, divorce, adoption).
    CivilRegistration,
    /// Access to a service that needs only a stable pseudonym.
    ServiceAccess,
    /// Anything else (audited as needing nothing sensitive).
    Other,
}

impl PurposeCategory {
    /// The category's name in files.
    pub fn name(self) -> &'static str {
        match self {
            PurposeCategory::IdentityRegistration => "identity_registration",
            PurposeCategory::AgeVerification => "age_verification",
            PurposeCategory::EmploymentScreening => "employment_screening",
            PurposeCategory::PropertyVerification => "property_verification",
            PurposeCategory::BusinessRegistration => "business_registration",
            PurposeCategory::CivilRegistration => "civil_registration",
            PurposeCategory::ServiceAccess => "service_access",
            PurposeCategory::Other => "other",
        }
    }
}

/// The verifier section of a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierSpec {
    /// Identifier, as in presentation requests.
    pub id: String,
    /// Display name.
    pub name: String,
    /// GB/T 2260 region code of the verifier.
    pub region: String,
}

/// The purpose section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// Category.
    pub category: PurposeCategory,
    /// What the data is for, in plain words.
    pub description: String,
    /// The law, regulation or consent that permits the processing.
    pub legal_basis: String,
}

/// The retention section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days the disclosed values are kept after the decision (0: not kept).
    pub days: u32,
    /// Why that long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Policy-wide freshness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freshness {
    /// Lifetime of a presentation request (seconds); a request that lives
    /// longer is refused.
    #[serde(default = "default_ttl")]
    pub request_ttl_seconds: u32,
}

fn default_ttl() -> u32 {
    DEFAULT_REQUEST_TTL_SECONDS
}

impl Default for Freshness {
    fn default() -> Self {
        Freshness {
            request_ttl_seconds: DEFAULT_REQUEST_TTL_SECONDS,
        }
    }
}

/// Which issuers a requirement accepts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSpec {
    /// Only these issuers (empty: any recognised issuer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    /// Only issuers within these regions (GB/T 2260, prefix containment; empty: anywhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Cross-region credentials only through these agreements (empty: any agreement).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<String>,
    /// The recognition routes accepted (absent: all three).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<RouteKind>>,
}

/// Freshness of one requirement's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFreshness {
    /// The credential must have been issued within this many days.
    pub max_credential_age_days: u32,
}

/// One credential requirement as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementSpec {
    /// Identifier within the policy.
    pub id: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Accepted credential types.
    pub types: Vec<String>,
    /// Accepted issuers, regions, agreements and routes.
    #[serde(default)]
    pub trust: TrustSpec,
    /// Attributes that must be disclosed.
    #[serde(default)]
    pub disclose: Vec<String>,
    /// Attributes the verifier may additionally ask for.
    #[serde(default)]
    pub may_disclose: Vec<String>,
    /// Conditions on attributes that are not disclosed.
    #[serde(default)]
    pub predicates: Vec<PredicateSpec>,
    /// Freshness of the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<CredentialFreshness>,
    /// The licence's status: the holder proves the licence valid (not
    /// suspended, revoked or cancelled) in its issuer's status list, for
    /// an epoch at most this old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSpec>,
}

/// A status requirement as written: `{"max_epoch_age_seconds": 600}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// How long after the issuer published the next status epoch a proof
    /// against the previous one is still accepted, in seconds (0: the
    /// current epoch only; at most 31 days).
    pub max_epoch_age_seconds: u64,
}

/// A policy file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Always [`POLICY_FORMAT`].
    pub format: String,
    /// Always [`POLICY_FORMAT_VERSION`].
    pub format_version: u32,
    /// Policy identifier.
    pub id: String,
    /// Policy revision (1, 2, …).
    pub version: u32,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who verifies.
    pub verifier: VerifierSpec,
    /// Why.
    pub purpose: Purpose,
    /// How long values are kept.
    pub retention: Retention,
    /// Request lifetime.
    #[serde(default)]
    pub freshness: Freshness,
    /// What is asked for.
    pub requirements: Vec<RequirementSpec>,
    /// Attributes proven equal across requirements without disclosure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
    /// A per-verifier pseudonym the holder proves (a hotel recognising a
    /// returning guest without an ID number): stable for one holder in
    /// this context, unlinkable across contexts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<PseudonymSpec>,
}

/// A pseudonym as written in a policy: `{"context": "hotel:<chain id>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymSpec {
    /// The context: policies of one verifier (a hotel chain) that should
    /// recognise the same guest share it; 1 to 255 octets, no control
    /// characters.
    pub context: String,
}

/// A link as written: `attribute` has one hidden value across the
/// credentials of `requirements` (one holder, one vehicle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The attribute, in every accepted type of each requirement.
    pub attribute: String,
    /// Two or more requirement identifiers.
    pub requirements: Vec<String>,
}

/// A validated link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The attribute whose hidden values are equal.
    pub attribute: String,
    /// The requirements' positions in the policy, ascending: a request's
    /// entries at these positions, each later one proving equality with
    /// the first.
    pub requirements: Vec<usize>,
}

/// A requirement's accepted issuers, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    /// Only these issuers (empty: any).
    pub issuers: Vec<String>,
    /// Only issuers within these regions (empty: anywhere).
    pub regions: Vec<RegionCode>,
    /// Only these agreements for cross-region credentials (empty: any).
    pub agreements: Vec<String>,
    /// Accepted routes.
    pub routes: BTreeSet<RouteKind>,
}

/// How a requirement treats an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Must be disclosed.
    Required,
    /// May be asked for.
    Optional,
    /// Only an `equals` / `one_of` predicate over it is needed: the value
    /// is disclosed to the policy engine, checked, and never returned.
    PredicateOnly,
    /// Only date or integer predicates or a link over it are needed: they
    /// are proven in zero knowledge and the value is never disclosed.
    Proven,
    /// Not allowed.
    NotAllowed,
}

/// A validated credential requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// Identifier within the policy.
    pub id: String,
    /// Accepted credential types.
    pub types: Vec<String>,
    /// Accepted issuers.
    pub trust: Trust,
    /// Must be disclosed.
    pub disclose: Vec<String>,
    /// May be asked for.
    pub may_disclose: Vec<String>,
    /// Declared predicates followed by the freshness predicate, if any.
    pub predicates: Vec<Predicate>,
    /// Freshness limit in days.
    pub max_credential_age_days: Option<u32>,
    /// The status epoch's age limit in seconds, when the licence's status
    /// is proven ([`StatusSpec`]).
    pub max_status_epoch_age: Option<u64>,
    /// Attributes the policy's links prove equal to other requirements'.
    pub linked: Vec<String>,
}

impl Requirement {
    /// How this requirement treats `attribute`.
    pub fn disclosure(&self, attribute: &str) -> Disclosure {
        if self.disclose.iter().any(|a| a == attribute) {
            Disclosure::Required
        } else if self.may_disclose.iter().any(|a| a == attribute) {
            Disclosure::Optional
        } else if self
            .predicates
            .iter()
            .any(|p| p.attribute == attribute && p.needs_value())
        {
            Disclosure::PredicateOnly
        } else if self.predicates.iter().any(|p| p.attribute == attribute)
            || self.linked.iter().any(|a| a == attribute)
        {
            Disclosure::Proven
        } else {
            Disclosure::NotAllowed
        }
    }

    fn attributes_with(&self, d: Disclosure) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in self
            .predicates
            .iter()
            .map(|p| p.attribute.as_str())
            .chain(self.linked.iter().map(String::as_str))
        {
            if self.disclosure(a) == d && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Attributes disclosed to the engine only, for an `equals` / `one_of`
    /// predicate, and never returned.
    pub fn predicate_only_attributes(&self) -> Vec<&str> {
        self.attributes_with(Disclosure::PredicateOnly)
    }

    /// Attributes proven in zero knowledge (range predicates, links) and
    /// never disclosed.
    pub fn proven_attributes(&self) -> Vec<&str> {
        self.attributes_with(Disclosure::Proven)
    }

    /// The attributes a request entry under this requirement discloses,
    /// given the chosen optional ones: the required ones, then `optional`,
    /// then those of `equals` / `one_of` predicates (each once; also an
    /// optional attribute not chosen, whose value such a predicate needs).
    pub fn disclosed_names<'a>(&'a self, optional: &'a [String]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for a in self
            .disclose
            .iter()
            .chain(optional)
            .chain(
                self.predicates
                    .iter()
                    .filter(|p| p.needs_value())
                    .map(|p| &p.attribute),
            )
            .map(String::as_str)
        {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// The number of statements an entry under this requirement may carry
    /// at most: a range statement per date or integer predicate, an
    /// equality per link in which it is not the first requirement.
    fn max_statements(&self, later_links: usize) -> usize {
        self.predicates
            .iter()
            .filter(|p| {
                !p.needs_value()
                    && self.disclosure(&p.attribute) != Disclosure::PredicateOnly
                    && !self.disclose.contains(&p.attribute)
            })
            .count()
            + later_links
    }
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The file as written (for display and re-serialisation).
    pub spec: PolicySpec,
    /// The verifier's region.
    pub verifier_region: RegionCode,
    /// Validated requirements, in file order.
    pub requirements: Vec<Requirement>,
    /// Validated links, in file order.
    pub links: Vec<Link>,
}

/// What the verifier asks for under one requirement in a concrete request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choice {
    /// Only this accepted type (default: every accepted type, the first
    /// as the entry's `credential_type`).
    pub credential_type: Option<String>,
    /// Which optional attributes to ask for.
    pub optional: Vec<String>,
}

/// Loads and validates policies against a catalogue and, optionally, a registry.
#[derive(Debug, Clone, Copy)]
pub struct PolicyLoader<'a> {
    /// The catalogue the attributes are checked against.
    pub catalogue: &'a Catalogue,
    /// If given, references to agreements, issuers and regions are checked too.
    pub registry: Option<&'a Registry>,
}

impl<'a> PolicyLoader<'a> {
    /// A loader over `catalogue` without registry checks.
    pub fn new(catalogue: &'a Catalogue) -> Self {
        PolicyLoader {
            catalogue,
            registry: None,
        }
    }

    /// Also check references against `registry`.
    pub fn with_registry(mut self, registry: &'a Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Loads a policy file.
    ///
    /// # Errors
    /// A [`LoadError`] of kind [`LoadErrorKind::Io`] when the file cannot be read;
    /// otherwise as [`PolicyLoader::parse`].
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let path = path.as_ref();
        let text = read_file(path)?;
        self.parse(&path.display().to_string(), &text)
    }

    /// Parses and validates policy JSON `text`, naming it `file` in positions.
    ///
    /// # Errors
    /// A positioned [`LoadError`]: [`LoadErrorKind::Syntax`],
    /// [`LoadErrorKind::UnknownField`] or [`LoadErrorKind::Shape`] for JSON that
    /// is not a policy document, and the kinds of the policy rules
    /// ([`LoadErrorKind::UnsupportedFormat`],
    /// [`LoadErrorKind::UnknownCredentialType`],
    /// [`LoadErrorKind::UnknownAttribute`], [`LoadErrorKind::UnknownRegion`],
    /// [`LoadErrorKind::UnknownReference`], [`LoadErrorKind::Duplicate`],
    /// [`LoadErrorKind::Contradictory`], [`LoadErrorKind::InvalidValue`]).
    pub fn parse(&self, file: &str, text: &str) -> Result<Policy, LoadError> {
        let src = SourceText { file, text };
        let spec: PolicySpec = src.parse()?;
        self.validate(&src, spec)
    }

    fn validate(&self, src: &SourceText<'_>, spec: PolicySpec) -> Result<Policy, LoadError> {
        use LoadErrorKind as K;
        let root = JsonPath::root();
        let err = |kind, path: &JsonPath, msg: String| Err(src.error(kind, path, msg));
        if spec.format != POLICY_FORMAT {
            return err(
                K::UnsupportedFormat,
                &root.key("format"),
                format!("format must be {POLICY_FORMAT:?}"),
            );
        }
        if spec.format_version != POLICY_FORMAT_VERSION {
            return err(
                K::UnsupportedFormat,
                &root.key("format_version"),
                format!("unsupported policy format version {}", spec.format_version),
            );
        }
        if !crate::registry::is_document_id(&spec.id) {
            return err(
                K::InvalidValue,
                &root.key("id"),
                format!(
                    "policy id {:?} must match [a-z][a-z0-9_-]* (at most 64)",
                    spec.id
                ),
            );
        }
        if spec.version == 0 {
            return err(
                K::InvalidValue,
                &root.key("version"),
                "version starts at 1".into(),
            );
        }
        let vp = root.key("verifier");
        if let Err(e) = check_identifier("verifier", &spec.verifier.id) {
            return err(K::InvalidValue, &vp.key("id"), e.to_string());
        }
        if spec.verifier.name.trim().is_empty() {
            return err(
                K::InvalidValue,
                &vp.key("name"),
                "empty verifier name".into(),
            );
        }
        let verifier_region = match RegionCode::parse(&spec.verifier.region) {
            Ok(r) => r,
            Err(e) => return err(K::UnknownRegion, &vp.key("region"), e.to_string()),
        };
        if let Some(reg) = self.registry {
            if reg.region(verifier_region).is_none() {
                return err(
                    K::UnknownRegion,
                    &vp.key("region"),
                    format!("region {verifier_region} is not in the registry"),
                );
            }
        }
        let pp = root.key("purpose");
        if spec.purpose.description.trim().is_empty() {
            return err(
                K::InvalidValue,
                &pp.key("description"),
                "empty purpose".into(),
            );
        }
        if spec.purpose.legal_basis.trim().is_empty() {
            return err(
                K::InvalidValue,
                &pp.key("legal_basis"),
                "a legal basis is required".into(),
            );
        }
        let ttl = spec.freshness.request_ttl_seconds;
        if ttl == 0 || ttl > MAX_REQUEST_TTL_SECONDS {
            return err(
                K::InvalidValue,
                &root.key("freshness").key("request_ttl_seconds"),
                format!("request_ttl_seconds must be 1 to {MAX_REQUEST_TTL_SECONDS}"),
            );
        }
        let rp = root.key("requirements");
        if spec.requirements.is_empty() || spec.requirements.len() > MAX_REQUIREMENTS {
            return err(
                K::InvalidValue,
                &rp,
                format!("a policy has 1 to {MAX_REQUIREMENTS} requirements"),
            );
        }
        let mut requirements = Vec::with_capacity(spec.requirements.len());
        for (i, r) in spec.requirements.iter().enumerate() {
            let p = rp.index(i);
            if spec.requirements[..i].iter().any(|o| o.id == r.id) {
                return err(
                    K::Duplicate,
                    &p.key("id"),
                    format!("requirement id {:?} used twice", r.id),
                );
            }
            requirements.push(self.requirement(src, &p, r, verifier_region)?);
        }
        let links = self.links(src, &spec, &mut requirements)?;
        if let Some(ps) = &spec.pseudonym {
            let check = PseudonymRequest {
                context: ps.context.clone(),
            }
            .check();
            if let Err(e) = check {
                return err(
                    K::InvalidValue,
                    &JsonPath::root().key("pseudonym").key("context"),
                    e.to_string(),
                );
            }
        }
        for (i, r) in requirements.iter().enumerate() {
            let later = links
                .iter()
                .filter(|l| l.requirements.iter().skip(1).any(|&j| j == i))
                .count();
            let n = r.max_statements(later);
            if n > MAX_STATEMENTS_PER_ENTRY {
                return err(
                    K::InvalidValue,
                    &rp.index(i).key("predicates"),
                    format!(
                        "requirement {:?} needs {n} proven statements (predicates, freshness, links), at most {MAX_STATEMENTS_PER_ENTRY}",
                        r.id
                    ),
                );
            }
        }
        Ok(Policy {
            spec,
            verifier_region,
            requirements,
            links,
        })
    }

    /// Validates the links and records each linked attribute in its
    /// requirements.
    fn links(
        &self,
        src: &SourceText<'_>,
        spec: &PolicySpec,
        requirements: &mut [Requirement],
    ) -> Result<Vec<Link>, LoadError> {
        use LoadErrorKind as K;
        let e = |kind, path: &JsonPath, msg: String| src.error(kind, path, msg);
        let lp = JsonPath::root().key("links");
        let mut links: Vec<Link> = Vec::with_capacity(spec.links.len());
        for (i, l) in spec.links.iter().enumerate() {
            let p = lp.index(i);
            let ap = p.key("attribute");
            if !zkcred_credential::catalogue::is_identifier(&l.attribute) {
                return Err(e(
                    K::InvalidValue,
                    &ap,
                    format!("attribute {:?} must match [a-z][a-z0-9_]*", l.attribute),
                ));
            }
            if l.requirements.len() < 2 {
                return Err(e(
                    K::InvalidValue,
                    &p.key("requirements"),
                    "a link names two or more requirements".into(),
                ));
            }
            let mut indexes = Vec::with_capacity(l.requirements.len());
            let mut ty = None;
            for (j, id) in l.requirements.iter().enumerate() {
                let rp = p.key("requirements").index(j);
                let Some(k) = requirements.iter().position(|r| &r.id == id) else {
                    return Err(e(
                        K::UnknownReference,
                        &rp,
                        format!("no requirement {id:?} in this policy"),
                    ));
                };
                if indexes.contains(&k) {
                    return Err(e(
                        K::Duplicate,
                        &rp,
                        format!("requirement {id:?} listed twice"),
                    ));
                }
                let r = &requirements[k];
                for t in &r.types {
                    let def = self
                        .catalogue
                        .get(t)
                        .and_then(|ct| ct.attribute(&l.attribute));
                    let Some(def) = def else {
                        return Err(e(
                            K::UnknownAttribute,
                            &ap,
                            format!(
                                "credential type {t:?} (requirement {id:?}) has no attribute {:?}",
                                l.attribute
                            ),
                        ));
                    };
                    if def.optional {
                        return Err(e(
                            K::InvalidValue,
                            &ap,
                            format!(
                                "attribute {:?} is optional in {t:?}: two credentials without it would prove equal",
                                l.attribute
                            ),
                        ));
                    }
                    match ty {
                        None => ty = Some(def.ty),
                        Some(other) if other != def.ty => {
                            return Err(e(
                                K::InvalidValue,
                                &ap,
                                format!(
                                "attribute {:?} has different types across the linked credentials",
                                l.attribute
                            ),
                            ))
                        }
                        Some(_) => {}
                    }
                }
                if matches!(
                    r.disclosure(&l.attribute),
                    Disclosure::Required | Disclosure::Optional | Disclosure::PredicateOnly
                ) {
                    return Err(e(
                        K::Contradictory,
                        &rp,
                        format!(
                            "requirement {id:?} discloses {:?}: a link proves equality without disclosure, compare disclosed values instead",
                            l.attribute
                        ),
                    ));
                }
                indexes.push(k);
            }
            indexes.sort_unstable();
            if links.iter().any(|o| {
                o.attribute == l.attribute
                    && o.requirements
                        .iter()
                        .filter(|x| indexes.contains(x))
                        .count()
                        >= 2
            }) {
                return Err(e(
                    K::Duplicate,
                    &p,
                    format!(
                        "another link already joins two of these requirements on {:?}",
                        l.attribute
                    ),
                ));
            }
            for &k in &indexes {
                if !requirements[k].linked.contains(&l.attribute) {
                    requirements[k].linked.push(l.attribute.clone());
                }
            }
            links.push(Link {
                attribute: l.attribute.clone(),
                requirements: indexes,
            });
        }
        Ok(links)
    }

    fn requirement(
        &self,
        src: &SourceText<'_>,
        p: &JsonPath,
        r: &RequirementSpec,
        verifier_region: RegionCode,
    ) -> Result<Requirement, LoadError> {
        use LoadErrorKind as K;
        let e = |kind, path: &JsonPath, msg: String| src.error(kind, path, msg);
        if !zkcred_credential::catalogue::is_identifier(&r.id) {
            return Err(e(
                K::InvalidValue,
                &p.key("id"),
                format!("requirement id {:?} must match [a-z][a-z0-9_]*", r.id),
            ));
        }
        if r.types.is_empty() {
            return Err(e(
                K::InvalidValue,
                &p.key("types"),
                "no accepted types".into(),
            ));
        }
        let mut types = Vec::new();
        for (j, t) in r.types.iter().enumerate() {
            let tp = p.key("types").index(j);
            let Some(ct) = self.catalogue.get(t) else {
                return Err(e(
                    K::UnknownCredentialType,
                    &tp,
                    format!("unknown credential type {t:?}"),
                ));
            };
            if types
                .iter()
                .any(|x: &&zkcred_credential::CredentialType| x.id == *t)
            {
                return Err(e(K::Duplicate, &tp, format!("type {t:?} listed twice")));
            }
            types.push(ct);
        }
        // An attribute must exist, with one value type, in every accepted type.
        let attribute_type = |name: &str, path: &JsonPath| {
            let mut ty = None;
            for t in &types {
                match t.attribute(name) {
                    None => {
                        return Err(e(
                            K::UnknownAttribute,
                            path,
                            format!("credential type {:?} has no attribute {name:?}", t.id),
                        ))
                    }
                    Some(a) => match ty {
                        None => ty = Some(a.ty),
                        Some(other) if other != a.ty => {
                            return Err(e(
                                K::InvalidValue,
                                path,
                                format!(
                                "attribute {name:?} has different types across the accepted types"
                            ),
                            ))
                        }
                        Some(_) => {}
                    },
                }
            }
            ty.ok_or_else(|| e(K::InvalidValue, path, "no accepted types".into()))
        };
        for (list, field) in [(&r.disclose, "disclose"), (&r.may_disclose, "may_disclose")] {
            for (j, name) in list.iter().enumerate() {
                let ap = p.key(field).index(j);
                attribute_type(name, &ap)?;
                if list[..j].contains(name) {
                    return Err(e(
                        K::Duplicate,
                        &ap,
                        format!("attribute {name:?} listed twice"),
                    ));
                }
                if field == "may_disclose" && r.disclose.contains(name) {
                    return Err(e(
                        K::Contradictory,
                        &ap,
                        format!("attribute {name:?} is both required (disclose) and optional (may_disclose)"),
                    ));
                }
            }
        }
        let mut predicates = Vec::new();
        for (j, ps) in r.predicates.iter().enumerate() {
            let pp = p.key("predicates").index(j);
            let ty = attribute_type(&ps.attribute, &pp.key("attribute"))?;
            let built = ps
                .build(ty)
                .map_err(|se| e(K::InvalidValue, &pp.key(se.field), se.message))?;
            let same: Vec<&Predicate> = predicates
                .iter()
                .filter(|q: &&Predicate| q.attribute == built.attribute)
                .chain(std::iter::once(&built))
                .collect();
            if let Err(why) = check_consistent(&same) {
                return Err(e(K::Contradictory, &pp, why));
            }
            predicates.push(built);
        }
        let max_age = r.freshness.as_ref().map(|f| f.max_credential_age_days);
        if let Some(days) = max_age {
            let fp = p.key("freshness").key("max_credential_age_days");
            if days == 0 {
                return Err(e(
                    K::InvalidValue,
                    &fp,
                    "max_credential_age_days must be at least 1".into(),
                ));
            }
            attribute_type("issue_date", &fp)?;
            let fresh = Predicate {
                attribute: "issue_date".into(),
                condition: Condition::AtMostBefore(Offset {
                    years: 0,
                    months: 0,
                    days,
                }),
                if_absent: IfAbsent::Fail,
            };
            let same: Vec<&Predicate> = predicates
                .iter()
                .filter(|q| q.attribute == "issue_date")
                .chain(std::iter::once(&fresh))
                .collect();
            if let Err(why) = check_consistent(&same) {
                return Err(e(K::Contradictory, &fp, why));
            }
            predicates.push(fresh);
        }
        let status_age = r.status.as_ref().map(|s| s.max_epoch_age_seconds);
        if let Some(age) = status_age {
            if age > zkcred_credential::presentation::status::MAX_EPOCH_AGE {
                return Err(e(
                    K::InvalidValue,
                    &p.key("status").key("max_epoch_age_seconds"),
                    format!(
                        "max_epoch_age_seconds must be at most {} (31 days)",
                        zkcred_credential::presentation::status::MAX_EPOCH_AGE
                    ),
                ));
            }
        }
        let trust = self.trust(src, &p.key("trust"), &r.trust, &r.types, verifier_region)?;
        Ok(Requirement {
            id: r.id.clone(),
            types: r.types.clone(),
            trust,
            disclose: r.disclose.clone(),
            may_disclose: r.may_disclose.clone(),
            predicates,
            max_credential_age_days: max_age,
            max_status_epoch_age: status_age,
            linked: Vec::new(),
        })
    }

    fn trust(
        &self,
        src: &SourceText<'_>,
        p: &JsonPath,
        t: &TrustSpec,
        types: &[String],
        verifier_region: RegionCode,
    ) -> Result<Trust, LoadError> {
        use LoadErrorKind as K;
        let e = |kind, path: &JsonPath, msg: String| src.error(kind, path, msg);
        let routes: BTreeSet<RouteKind> = match &t.routes {
            None => [
                RouteKind::SameRegion,
                RouteKind::Agreement,
                RouteKind::National,
            ]
            .into_iter()
            .collect(),
            Some(list) => {
                let mut set = BTreeSet::new();
                for (j, r) in list.iter().enumerate() {
                    if !set.insert(*r) {
                        return Err(e(
                            K::Duplicate,
                            &p.key("routes").index(j),
                            "route listed twice".into(),
                        ));
                    }
                }
                if set.is_empty() {
                    return Err(e(
                        K::Contradictory,
                        &p.key("routes"),
                        "no recognition route is accepted, so nothing can be".into(),
                    ));
                }
                set
            }
        };
        for (j, id) in t.issuers.iter().enumerate() {
            let ip = p.key("issuers").index(j);
            if let Err(err) = check_identifier("issuer", id) {
                return Err(e(K::InvalidValue, &ip, err.to_string()));
            }
            if t.issuers[..j].contains(id) {
                return Err(e(K::Duplicate, &ip, format!("issuer {id:?} listed twice")));
            }
            if let Some(reg) = self.registry {
                match reg.issuer(id) {
                    None => {
                        return Err(e(
                            K::UnknownReference,
                            &ip,
                            format!("issuer {id:?} is not in the registry"),
                        ))
                    }
                    Some(i) if !types.iter().any(|ty| i.types.contains(ty)) => {
                        return Err(e(
                            K::Contradictory,
                            &ip,
                            format!("issuer {id:?} may issue none of the accepted types"),
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        let mut regions = Vec::new();
        for (j, code) in t.regions.iter().enumerate() {
            let rp = p.key("regions").index(j);
            let r =
                RegionCode::parse(code).map_err(|err| e(K::UnknownRegion, &rp, err.to_string()))?;
            if regions.contains(&r) {
                return Err(e(K::Duplicate, &rp, format!("region {r} listed twice")));
            }
            if let Some(reg) = self.registry {
                if reg.region(r).is_none() {
                    return Err(e(
                        K::UnknownRegion,
                        &rp,
                        format!("region {r} is not in the registry"),
                    ));
                }
            }
            regions.push(r);
        }
        if !regions.is_empty()
            && routes.iter().all(|r| *r == RouteKind::SameRegion)
            && !regions
                .iter()
                .any(|r| r.province() == verifier_region.province())
        {
            return Err(e(
                K::Contradictory,
                &p.key("regions"),
                format!(
                    "only same-region credentials are accepted, but no listed region is in the verifier's province {}",
                    verifier_region.province()
                ),
            ));
        }
        for (j, id) in t.agreements.iter().enumerate() {
            let ap = p.key("agreements").index(j);
            if !routes.contains(&RouteKind::Agreement) {
                return Err(e(
                    K::Contradictory,
                    &ap,
                    format!("agreement {id:?} is named but the agreement route is not accepted"),
                ));
            }
            if t.agreements[..j].contains(id) {
                return Err(e(
                    K::Duplicate,
                    &ap,
                    format!("agreement {id:?} listed twice"),
                ));
            }
            if let Some(reg) = self.registry {
                let Some(a) = reg.agreement(id) else {
                    return Err(e(
                        K::UnknownReference,
                        &ap,
                        format!("agreement {id:?} is not in the registry"),
                    ));
                };
                if !a.has_member(verifier_region) {
                    return Err(e(
                        K::Contradictory,
                        &ap,
                        format!(
                            "agreement {id:?} does not include the verifier's province {}",
                            verifier_region.province()
                        ),
                    ));
                }
                if !types.iter().any(|ty| a.covers(ty)) {
                    return Err(e(
                        K::Contradictory,
                        &ap,
                        format!("agreement {id:?} covers none of the accepted types"),
                    ));
                }
            }
        }
        Ok(Trust {
            issuers: t.issuers.clone(),
            regions,
            agreements: t.agreements.clone(),
            routes,
        })
    }
}

impl Policy {
    /// The policy identifier.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The policy revision.
    pub fn version(&self) -> u32 {
        self.spec.version
    }

    /// The verifier identifier.
    pub fn verifier(&self) -> &str {
        &self.spec.verifier.id
    }

    /// The policy as JSON (the file form).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.spec).unwrap_or_default()
    }

    /// The default choices: every accepted type of each requirement, no
    /// optional attributes.
    pub fn default_choices(&self) -> Vec<Choice> {
        vec![Choice::default(); self.requirements.len()]
    }

    /// The statements of the entry for requirement `index` of a request
    /// made on `day` (China Standard Time) that discloses `disclose`: a
    /// `range` statement for each date or integer predicate over an
    /// attribute not disclosed ([`Predicate::statement`]), then an `equal`
    /// statement for each link in which the requirement is not the first,
    /// pointing to the first.
    ///
    /// # Errors
    /// [`RequestError::BoundOutOfRange`] for a date bound outside the
    /// representable dates.
    ///
    /// # Panics
    /// If `index` is not a requirement's position.
    pub fn entry_statements(
        &self,
        index: usize,
        disclose: &[&str],
        day: time::Date,
    ) -> Result<Vec<Statement>, RequestError> {
        let r = &self.requirements[index];
        let mut out = Vec::new();
        for p in &r.predicates {
            if disclose.contains(&p.attribute.as_str()) {
                continue;
            }
            let s = p
                .statement(day)
                .map_err(|_| RequestError::BoundOutOfRange {
                    requirement: r.id.clone(),
                    predicate: p.describe(),
                })?;
            if let Some(s) = s {
                let s = Statement::Range(s);
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        for l in &self.links {
            let first = l.requirements[0];
            if first != index && l.requirements.contains(&index) {
                // At most MAX_REQUIREMENTS (16) entries: the index fits.
                let entry = u32::try_from(first).unwrap_or(u32::MAX);
                out.push(Statement::Equal(EqualStatement::new(
                    &l.attribute,
                    entry,
                    &l.attribute,
                )));
            }
        }
        Ok(out)
    }

    /// Builds a presentation request under this policy at `now`, expiring
    /// after the policy's request lifetime. Each entry accepts every type of
    /// its requirement (`credential_type` the first, `accepted_types` all of
    /// them when more than one) unless the choice names one; discloses the
    /// required attributes, the chosen optional ones and those of `equals` /
    /// `one_of` predicates (for the engine only); and carries the statements
    /// of [`Policy::entry_statements`] for the date of `now` in China
    /// Standard Time: date and integer predicates and links are proven,
    /// their attributes never disclosed (see [`crate::predicate`]).
    ///
    /// # Errors
    /// [`RequestError::ChoiceCount`] unless one choice per requirement,
    /// [`RequestError::TypeNotAccepted`] for a chosen type the requirement does
    /// not accept, [`RequestError::NotOptional`] for an optional attribute it
    /// does not allow; [`RequestError::BoundOutOfRange`] as
    /// [`Policy::entry_statements`]; [`RequestError::Credential`] as
    /// [`PresentationRequest::new`].
    pub fn request(
        &self,
        choices: &[Choice],
        now: OffsetDateTime,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<PresentationRequest, RequestError> {
        if choices.len() != self.requirements.len() {
            return Err(RequestError::ChoiceCount {
                expected: self.requirements.len(),
                found: choices.len(),
            });
        }
        let day = presentation_date(now);
        let mut entries = Vec::with_capacity(choices.len());
        for (i, (r, c)) in self.requirements.iter().zip(choices).enumerate() {
            let (ty, accepted) = match &c.credential_type {
                Some(t) if r.types.contains(t) => (t.clone(), Vec::new()),
                Some(t) => {
                    return Err(RequestError::TypeNotAccepted {
                        requirement: r.id.clone(),
                        credential_type: t.clone(),
                    })
                }
                None if r.types.len() > 1 => (r.types[0].clone(), r.types.clone()),
                None => (r.types[0].clone(), Vec::new()),
            };
            if let Some(o) = c.optional.iter().find(|o| !r.may_disclose.contains(o)) {
                return Err(RequestError::NotOptional {
                    requirement: r.id.clone(),
                    attribute: o.clone(),
                });
            }
            let disclose = r.disclosed_names(&c.optional);
            let mut rc = RequestedCredential::new(&ty, &disclose);
            rc.issuers = r.trust.issuers.clone();
            rc.accepted_types = accepted;
            rc.statements = self.entry_statements(i, &disclose, day)?;
            rc.status = r
                .max_status_epoch_age
                .map(|max_epoch_age| StatusRequirement { max_epoch_age });
            entries.push(rc);
        }
        let expires =
            now + time::Duration::seconds(i64::from(self.spec.freshness.request_ttl_seconds));
        let mut request = PresentationRequest::new(&self.spec.verifier.id, entries, expires, rng)?;
        request.pseudonym = self.spec.pseudonym.as_ref().map(|p| PseudonymRequest {
            context: p.context.clone(),
        });
        Ok(request)
    }
}
