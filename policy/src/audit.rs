//! The minimisation audit: what a policy asks for, how sensitive it is, and
//! where it asks for more than its purpose needs.
//!
//! # Attribute kinds
//!
//! Each attribute asked for is listed with its catalogue sensitivity, its
//! use and a kind. The uses: `required` and `optional` (disclosed and
//! returned), `checked` (disclosed to the engine for an `equals` / `one_of`
//! predicate, checked and discarded: proving equality to a public constant
//! would reveal the value anyway), `proven` (date and integer predicates
//! and links, proven in zero knowledge: the value never leaves the wallet;
//! the audit credits these and raises no finding over them). The kinds:
//!
//! | kind | which attributes |
//! | --- | --- |
//! | `identifier` | high-sensitivity strings of *person* credentials that identify someone: `holder_id`, `license_id`, names ending `_number`, `vin` (an organisation's credit code is public and not counted) |
//! | `birth_date` | `birth_date` |
//! | `biometric` | photos and other biometric digests (`photo…`, `…fingerprint…`, `…face…`) |
//! | `health` | `disability_category`, `disability_level`, `fit_for_work` |
//! | `personal` | medium-sensitivity attributes: names, addresses, ethnicity |
//! | `other_sensitive` | any other high-sensitivity attribute |
//! | `low` | the rest |
//!
//! # Guidance per purpose
//!
//! What each purpose category needs, as this project's guidance (not legal
//! advice; a regulator adjusts [`guidance`]):
//!
//! | purpose | identifier | birth date | biometric | health | personal | retention (days) |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | `identity_registration` | yes | no | yes | no | yes | 730 |
//! | `age_verification` | no | no | no | no | no | 30 |
//! | `employment_screening` | no | no | no | yes | yes | 180 |
//! | `property_verification` | no | no | no | no | yes | 1095 |
//! | `business_registration` | yes | no | no | no | yes | no limit |
//! | `civil_registration` | yes | yes | yes | no | yes | no limit |
//! | `service_access` | no | no | no | no | no | 90 |
//! | `other` | no | no | no | no | no | 30 |
//!
//! # Findings and score
//!
//! | code | severity | when |
//! | --- | --- | --- |
//! | `full_birth_date` | high | `birth_date` is disclosed (or optional) although the purpose needs no exact birth date: an age predicate would serve |
//! | `identifier_not_needed` | high | an identifying number for a purpose that needs only a pseudonym |
//! | `biometric_not_needed` | high | a photo or biometric the purpose does not need |
//! | `health_data_not_needed` | high | health or disability data the purpose does not need |
//! | `sensitive_not_needed` | high | another high-sensitivity attribute for a purpose that needs no identifiers |
//! | `personal_data_not_needed` | medium | names or addresses for a purpose that needs none |
//! | `retention_too_long` | medium | retention longer than the purpose needs |
//! | `optional_high_sensitivity` | low | a high-sensitivity attribute the purpose needs is only optional: require it or drop it |
//! | `redundant_predicate` | low | a predicate over an attribute that is disclosed anyway |
//!
//! A predicate met by disclosure is not only redundant: it shows that the
//! predicate would serve, so a `birth_date` disclosed (required or
//! optional) alongside a predicate over it also raises `full_birth_date`
//! (high), whatever the purpose; the policy cannot score 100 until it
//! drops the disclosure and lets the predicate be proven.
//!
//! The score starts at 100 and loses 25 per high, 10 per medium and 5 per
//! low finding, down to 0.

use serde::Serialize;
use zkcred_credential::catalogue::HolderKind;
use zkcred_credential::{AttributeDef, Catalogue, Sensitivity};

use crate::policy::{Disclosure, Policy, PurposeCategory, Requirement};

/// The kind of an attribute for the audit (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// An identifying number of a person.
    Identifier,
    /// The exact birth date.
    BirthDate,
    /// A photo or other biometric.
    Biometric,
    /// Health or disability data.
    Health,
    /// Names, addresses and other personal data of medium sensitivity.
    Personal,
    /// Another high-sensitivity attribute.
    OtherSensitive,
    /// Low sensitivity.
    Low,
}

const HEALTH: &[&str] = &["disability_category", "disability_level", "fit_for_work"];

/// Classifies an attribute of a type held by `holder`.
pub fn kind_of(def: &AttributeDef, holder: HolderKind) -> AttributeKind {
    let n = def.name.as_str();
    if n == "birth_date" {
        return AttributeKind::BirthDate;
    }
    if n.starts_with("photo") || n.contains("fingerprint") || n.contains("face") {
        return AttributeKind::Biometric;
    }
    if HEALTH.contains(&n) {
        return AttributeKind::Health;
    }
    match def.sensitivity {
        Sensitivity::High => {
            let identifying = n == "holder_id"
                || n == "license_id"
                || n == "vin"
                || n.ends_with("_number")
                || n.ends_with("_id_number");
            if identifying && holder == HolderKind::Person {
                AttributeKind::Identifier
            } else if identifying {
                AttributeKind::Low
            } else {
                AttributeKind::OtherSensitive
            }
        }
        Sensitivity::Medium => AttributeKind::Personal,
        Sensitivity::Low => AttributeKind::Low,
    }
}

/// What a purpose needs (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Guidance {
    /// Identifying numbers.
    pub identifier: bool,
    /// The exact birth date.
    pub birth_date: bool,
    /// Photos and biometrics.
    pub biometric: bool,
    /// Health data.
    pub health: bool,
    /// Names and addresses.
    pub personal: bool,
    /// Longest retention in days (`None`: no limit, e.g. public archives).
    pub max_retention_days: Option<u32>,
}

/// The guidance for a purpose category.
pub fn guidance(p: PurposeCategory) -> Guidance {
    let g = |identifier, birth_date, biometric, health, personal, max_retention_days| Guidance {
        identifier,
        birth_date,
        biometric,
        health,
        personal,
        max_retention_days,
    };
    match p {
        PurposeCategory::IdentityRegistration => g(true, false, true, false, true, Some(730)),
        PurposeCategory::AgeVerification => g(false, false, false, false, false, Some(30)),
        PurposeCategory::EmploymentScreening => g(false, false, false, true, true, Some(180)),
        PurposeCategory::PropertyVerification => g(false, false, false, false, true, Some(1095)),
        PurposeCategory::BusinessRegistration => g(true, false, false, false, true, None),
        PurposeCategory::CivilRegistration => g(true, true, true, false, true, None),
        PurposeCategory::ServiceAccess => g(false, false, false, false, false, Some(90)),
        PurposeCategory::Other => g(false, false, false, false, false, Some(30)),
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Minor.
    Low,
    /// Notable.
    Medium,
    /// Serious.
    High,
}

impl Severity {
    fn penalty(self) -> u32 {
        match self {
            Severity::High => 25,
            Severity::Medium => 10,
            Severity::Low => 5,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// Full birth date where an age predicate would serve.
    FullBirthDate,
    /// Identifying number for a purpose that needs only a pseudonym.
    IdentifierNotNeeded,
    /// Photo or biometric not needed.
    BiometricNotNeeded,
    /// Health data not needed.
    HealthDataNotNeeded,
    /// Other high-sensitivity data not needed.
    SensitiveNotNeeded,
    /// Names or addresses not needed.
    PersonalDataNotNeeded,
    /// Retention longer than the purpose needs.
    RetentionTooLong,
    /// A needed high-sensitivity attribute that is only optional.
    OptionalHighSensitivity,
    /// A predicate over a disclosed attribute.
    RedundantPredicate,
}

impl FindingCode {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            FindingCode::FullBirthDate => "full_birth_date",
            FindingCode::IdentifierNotNeeded => "identifier_not_needed",
            FindingCode::BiometricNotNeeded => "biometric_not_needed",
            FindingCode::HealthDataNotNeeded => "health_data_not_needed",
            FindingCode::SensitiveNotNeeded => "sensitive_not_needed",
            FindingCode::PersonalDataNotNeeded => "personal_data_not_needed",
            FindingCode::RetentionTooLong => "retention_too_long",
            FindingCode::OptionalHighSensitivity => "optional_high_sensitivity",
            FindingCode::RedundantPredicate => "redundant_predicate",
        }
    }

    /// The severity.
    pub fn severity(self) -> Severity {
        match self {
            FindingCode::FullBirthDate
            | FindingCode::IdentifierNotNeeded
            | FindingCode::BiometricNotNeeded
            | FindingCode::HealthDataNotNeeded
            | FindingCode::SensitiveNotNeeded => Severity::High,
            FindingCode::PersonalDataNotNeeded | FindingCode::RetentionTooLong => Severity::Medium,
            FindingCode::OptionalHighSensitivity | FindingCode::RedundantPredicate => Severity::Low,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it is.
    pub code: FindingCode,
    /// How serious.
    pub severity: Severity,
    /// The requirement (none for policy-wide findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// The attribute, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Explanation.
    pub message: String,
}

/// An attribute a policy asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeUse {
    /// The requirement.
    pub requirement: String,
    /// The credential type.
    pub credential_type: String,
    /// The attribute.
    pub attribute: String,
    /// Its Chinese label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// Required, optional or predicate only.
    pub disclosure: Disclosure,
    /// Catalogue sensitivity.
    pub sensitivity: Sensitivity,
    /// Audit kind.
    pub kind: AttributeKind,
}

/// The audit of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Policy identifier.
    pub policy_id: String,
    /// Policy revision.
    pub policy_version: u32,
    /// The verifier.
    pub verifier: String,
    /// Purpose category.
    pub purpose: PurposeCategory,
    /// Retention in days.
    pub retention_days: u32,
    /// The guidance applied.
    pub guidance: Guidance,
    /// Every attribute asked for.
    pub attributes: Vec<AttributeUse>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// 0 to 100.
    pub score: u32,
}

fn needed(g: &Guidance, k: AttributeKind) -> bool {
    match k {
        AttributeKind::Identifier | AttributeKind::OtherSensitive => g.identifier,
        AttributeKind::BirthDate => g.birth_date,
        AttributeKind::Biometric => g.biometric,
        AttributeKind::Health => g.health,
        AttributeKind::Personal => g.personal,
        AttributeKind::Low => true,
    }
}

fn unneeded_finding(
    k: AttributeKind,
    attribute: &str,
    purpose: &str,
) -> Option<(FindingCode, String)> {
    Some(match k {
        AttributeKind::BirthDate => (
            FindingCode::FullBirthDate,
            format!("asks for the full birth date ({attribute}) where an age predicate would serve"),
        ),
        AttributeKind::Identifier => (
            FindingCode::IdentifierNotNeeded,
            format!("asks for the identifying number {attribute} for a purpose ({purpose}) that needs only a pseudonym"),
        ),
        AttributeKind::Biometric => (
            FindingCode::BiometricNotNeeded,
            format!("asks for {attribute} (photo or biometric) which {purpose} does not need"),
        ),
        AttributeKind::Health => (
            FindingCode::HealthDataNotNeeded,
            format!("asks for health data {attribute} which {purpose} does not need"),
        ),
        AttributeKind::OtherSensitive => (
            FindingCode::SensitiveNotNeeded,
            format!("asks for high-sensitivity {attribute} which {purpose} does not need"),
        ),
        AttributeKind::Personal => (
            FindingCode::PersonalDataNotNeeded,
            format!("asks for personal data {attribute} which {purpose} does not need"),
        ),
        AttributeKind::Low => return None,
    })
}

fn uses(catalogue: &Catalogue, r: &Requirement) -> Vec<AttributeUse> {
    let mut names: Vec<&str> = Vec::new();
    for n in r
        .disclose
        .iter()
        .chain(&r.may_disclose)
        .chain(r.predicates.iter().map(|p| &p.attribute))
        .chain(&r.linked)
    {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let mut out = Vec::new();
    for t in &r.types {
        let Some(ct) = catalogue.get(t) else { continue };
        for n in &names {
            let Some(def) = ct.attribute(n) else { continue };
            out.push(AttributeUse {
                requirement: r.id.clone(),
                credential_type: t.clone(),
                attribute: def.name.clone(),
                label_zh: def.label_zh.clone(),
                disclosure: r.disclosure(n),
                sensitivity: def.sensitivity,
                kind: kind_of(def, ct.holder),
            });
        }
    }
    out
}

/// Audits one policy (see the module docs).
pub fn audit(catalogue: &Catalogue, policy: &Policy) -> AuditReport {
    let purpose = policy.spec.purpose.category;
    let g = guidance(purpose);
    let mut attributes = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut push =
        |code: FindingCode, requirement: Option<&str>, attribute: Option<&str>, message: String| {
            let dup = findings.iter().any(|f| {
                f.code == code
                    && f.requirement.as_deref() == requirement
                    && f.attribute.as_deref() == attribute
            });
            if !dup {
                findings.push(Finding {
                    code,
                    severity: code.severity(),
                    requirement: requirement.map(str::to_owned),
                    attribute: attribute.map(str::to_owned),
                    message,
                });
            }
        };
    for r in &policy.requirements {
        let list = uses(catalogue, r);
        for u in &list {
            let disclosed = matches!(u.disclosure, Disclosure::Required | Disclosure::Optional);
            if !disclosed {
                continue;
            }
            if !needed(&g, u.kind) {
                if let Some((code, msg)) = unneeded_finding(u.kind, &u.attribute, purpose.name()) {
                    push(
                        code,
                        Some(&r.id),
                        Some(&u.attribute),
                        format!("{}: {msg}", r.id),
                    );
                }
            } else if u.disclosure == Disclosure::Optional && u.sensitivity == Sensitivity::High {
                push(
                    FindingCode::OptionalHighSensitivity,
                    Some(&r.id),
                    Some(&u.attribute),
                    format!(
                        "{}: {} is high-sensitivity and only optional: require it if the purpose needs it, otherwise drop it",
                        r.id, u.attribute
                    ),
                );
            }
        }
        for p in &r.predicates {
            if matches!(
                r.disclosure(&p.attribute),
                Disclosure::Required | Disclosure::Optional
            ) {
                let birth_date = list
                    .iter()
                    .any(|u| u.attribute == p.attribute && u.kind == AttributeKind::BirthDate);
                if birth_date {
                    push(
                        FindingCode::FullBirthDate,
                        Some(&r.id),
                        Some(&p.attribute),
                        format!(
                            "{}: discloses the full birth date ({}) although \"{}\" can be proven without it",
                            r.id,
                            p.attribute,
                            p.describe()
                        ),
                    );
                }
                push(
                    FindingCode::RedundantPredicate,
                    Some(&r.id),
                    Some(&p.attribute),
                    format!(
                        "{}: declares \"{}\" but also discloses {}: drop the disclosure",
                        r.id,
                        p.describe(),
                        p.attribute
                    ),
                );
            }
        }
        attributes.extend(list);
    }
    let days = policy.spec.retention.days;
    if let Some(max) = g.max_retention_days {
        if days > max {
            push(
                FindingCode::RetentionTooLong,
                None,
                None,
                format!(
                    "retention of {days} days is longer than {} needs ({max} days)",
                    purpose.name()
                ),
            );
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let penalty: u32 = findings.iter().map(|f| f.severity.penalty()).sum();
    AuditReport {
        policy_id: policy.id().to_owned(),
        policy_version: policy.version(),
        verifier: policy.verifier().to_owned(),
        purpose,
        retention_days: days,
        guidance: g,
        attributes,
        findings,
        score: 100u32.saturating_sub(penalty),
    }
}

fn sensitivity_name(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::High => "high",
        Sensitivity::Medium => "medium",
        Sensitivity::Low => "low",
    }
}

fn disclosure_name(d: Disclosure) -> &'static str {
    match d {
        Disclosure::Required => "required",
        Disclosure::Optional => "optional",
        Disclosure::PredicateOnly => "checked",
        Disclosure::Proven => "proven",
        Disclosure::NotAllowed => "not allowed",
    }
}

impl AuditReport {
    /// The report as text for people.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "policy {} v{} (verifier {}, purpose {}, retention {} days)\n",
            self.policy_id,
            self.policy_version,
            self.verifier,
            self.purpose.name(),
            self.retention_days
        );
        s.push_str(&format!(
            "  attributes:\n    {:<12} {:<28} {:<24} {:<10} {:<7} {}\n",
            "requirement", "credential type", "attribute", "use", "level", "label"
        ));
        for a in &self.attributes {
            s.push_str(&format!(
                "    {:<12} {:<28} {:<24} {:<10} {:<7} {}\n",
                a.requirement,
                a.credential_type,
                a.attribute,
                disclosure_name(a.disclosure),
                sensitivity_name(a.sensitivity),
                a.label_zh.as_deref().unwrap_or("")
            ));
        }
        let proven: Vec<String> = self
            .attributes
            .iter()
            .filter(|a| a.disclosure == Disclosure::Proven)
            .map(|a| format!("{}.{}", a.requirement, a.attribute))
            .fold(Vec::new(), |mut v, n| {
                if !v.contains(&n) {
                    v.push(n);
                }
                v
            });
        if !proven.is_empty() {
            s.push_str(&format!(
                "  proven in zero knowledge, never disclosed: {}\n",
                proven.join(", ")
            ));
        }
        if self
            .attributes
            .iter()
            .any(|a| a.disclosure == Disclosure::PredicateOnly)
        {
            s.push_str("  note: checked attributes are disclosed to the engine for an equals/one_of predicate (a proof of equality to a public constant would reveal them anyway), checked and discarded, never returned\n");
        }
        if self.findings.is_empty() {
            s.push_str("  findings: none\n");
        } else {
            s.push_str("  findings:\n");
            for f in &self.findings {
                s.push_str(&format!(
                    "    [{}] {}: {}\n",
                    f.severity.name(),
                    f.code.code(),
                    f.message
                ));
            }
        }
        s.push_str(&format!("  score: {}/100\n", self.score));
        s
    }
}
