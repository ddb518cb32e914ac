//! The recognition rule: does a verifier in one region accept a credential
//! from an issuer in another?
//!
//! A verifier in region **R** accepts a credential of type **T**, signed with
//! key **K** of issuer **I** sitting in region **S**, when
//!
//! 1. **I** is in the registry and may issue **T**;
//! 2. **K** is one of **I**'s keys, is not revoked, and its issuance window
//!    `[not_before, not_after)` was open when the credential was issued;
//! 3. one of these *routes* admits it (all are checked and reported, in this
//!    order):
//!    * **same region** — `province(S) = province(R)`;
//!    * **agreement** — the provinces differ, and an agreement in force on
//!      the presentation date has both as members and covers **T**;
//!    * **national** — **T** is in the national tier.
//!
//! Regions compare at province level (see [`crate::region`]).
//!
//! # When was the credential issued?
//!
//! Presentations do not reveal the signing instant. [`Issuance::OnDate`] is
//! used when the holder disclosed `issue_date` (a China Standard Time date).
//! Issuance (`zkcred_credential::issuance`) never signs an `issue_date` later
//! than the day of signing, so the signing instant lies between the start of
//! the issue day and the presentation: the key's window must overlap that
//! span. For a license signed on its issue day that is the day itself; for
//! a paper license converted later (signed with the explicit back-dating
//! option, its `issue_date` before the key existed) it is the time since. A
//! retired key cannot have signed a license dated after its window closed,
//! and a key whose window has not opened cannot have signed anything. Otherwise
//! [`Issuance::Unknown`] only knows the credential existed at presentation
//! time, so the key's window must have opened by then (a key whose window
//! has not started cannot have signed anything yet). A policy that needs the
//! exact check asks for `issue_date`.
//!
//! Every outcome explains itself: an [`Admission`] lists the admitting routes;
//! a [`Refusal`] says which condition failed and, for cross-region refusals,
//! why each agreement did not apply.

use serde::Serialize;
use time::{Date, OffsetDateTime};
use zkcred_problem::ProblemCode;

use crate::clock::{day_start, format_date, presentation_date};
use crate::region::RegionCode;
use crate::registry::{NotInForce, Registry};

/// What is known about when a credential was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuance {
    /// The disclosed `issue_date` (China Standard Time).
    OnDate(Date),
    /// Not disclosed: only that it was before the presentation.
    Unknown,
}

/// A credential to decide on.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The verifier's region.
    pub verifier_region: RegionCode,
    /// The credential type.
    pub credential_type: &'a str,
    /// The issuer identifier.
    pub issuer: &'a str,
    /// The key identifier.
    pub key_id: &'a str,
    /// When it was issued, as far as known.
    pub issuance: Issuance,
    /// The presentation instant.
    pub at: OffsetDateTime,
}

/// A route by which a credential is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// Issuer and verifier are in the same province.
    SameRegion {
        /// The province.
        province: RegionCode,
    },
    /// A mutual-recognition agreement in force covers both provinces and the type.
    Agreement {
        /// The agreement identifier.
        id: String,
        /// Its Chinese name.
        name_zh: String,
        /// Whether the type's entry in the agreement is assumed.
        assumed_entry: bool,
    },
    /// The type is recognised everywhere.
    National {
        /// Whether the type's national entry is assumed.
        assumed_entry: bool,
    },
}

impl Route {
    /// The route's kind: `same_region`, `agreement` or `national`.
    pub fn kind(&self) -> RouteKind {
        match self {
            Route::SameRegion { .. } => RouteKind::SameRegion,
            Route::Agreement { .. } => RouteKind::Agreement,
            Route::National { .. } => RouteKind::National,
        }
    }

    /// One line of explanation.
    pub fn explain(&self) -> String {
        match self {
            Route::SameRegion { province } => format!("same region (province {province})"),
            Route::Agreement {
                id,
                name_zh,
                assumed_entry,
            } => format!(
                "agreement {id} ({name_zh}){}",
                if *assumed_entry {
                    ", type entry assumed"
                } else {
                    ""
                }
            ),
            Route::National { assumed_entry } => format!(
                "national tier{}",
                if *assumed_entry {
                    " (entry assumed)"
                } else {
                    ""
                }
            ),
        }
    }
}

/// The kinds of route (what policies may restrict).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// Same province.
    SameRegion,
    /// A mutual-recognition agreement.
    Agreement,
    /// The national tier.
    National,
}

/// How the key check was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "evidence", rename_all = "snake_case")]
pub enum KeyCheck {
    /// The key's window overlaps the span from the disclosed issue date to
    /// the presentation (the date itself is not repeated here: it may be a
    /// value the policy does not return).
    IssueDate,
    /// No issue date: the window opened before the presentation.
    OpenedBeforePresentation,
}

/// A recognised credential and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Admission {
    /// The issuer's province.
    pub issuer_province: RegionCode,
    /// The verifier's province.
    pub verifier_province: RegionCode,
    /// Every route that admits it, in rule order (never empty).
    pub routes: Vec<Route>,
    /// How the key's validity at issuance was established.
    pub key_check: KeyCheck,
}

/// Why an agreement did not admit a cross-region credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum AgreementMiss {
    /// The verifier's or the issuer's province is not a member.
    NotMember {
        /// The agreement.
        id: String,
        /// The province that is not a member.
        province: RegionCode,
    },
    /// The agreement does not cover the type.
    TypeNotCovered {
        /// The agreement.
        id: String,
    },
    /// Not yet in force on the presentation date.
    NotYetInForce {
        /// The agreement.
        id: String,
        /// First date in force.
        effective_from: String,
    },
    /// No longer in force on the presentation date.
    Expired {
        /// The agreement.
        id: String,
        /// Last date in force.
        effective_until: String,
    },
}

impl AgreementMiss {
    /// One line of explanation.
    pub fn explain(&self) -> String {
        match self {
            AgreementMiss::NotMember { id, province } => {
                format!("{id}: province {province} is not a member")
            }
            AgreementMiss::TypeNotCovered { id } => format!("{id}: does not cover the type"),
            AgreementMiss::NotYetInForce { id, effective_from } => {
                format!("{id}: not in force before {effective_from}")
            }
            AgreementMiss::Expired {
                id,
                effective_until,
            } => format!("{id}: expired after {effective_until}"),
        }
    }
}

/// Why a credential is not recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    /// The issuer is not in the registry.
    UnknownIssuer {
        /// The issuer.
        issuer: String,
    },
    /// The issuer may not issue this type.
    TypeNotAllowedForIssuer {
        /// The issuer.
        issuer: String,
        /// The type.
        credential_type: String,
    },
    /// The key is not one of the issuer's.
    UnknownKey {
        /// The issuer.
        issuer: String,
        /// The key.
        key_id: String,
    },
    /// The key is revoked.
    KeyRevoked {
        /// The issuer.
        issuer: String,
        /// The key.
        key_id: String,
    },
    /// The key was not valid when the credential was issued.
    KeyOutsideWindow {
        /// The key.
        key_id: String,
        /// Start of its window (RFC 3339).
        not_before: String,
        /// End of its window (RFC 3339).
        not_after: String,
        /// What the check was based on.
        evidence: KeyCheck,
    },
    /// The issuer's region is not listed in the registry.
    UnknownRegion {
        /// The region.
        region: RegionCode,
    },
    /// Different provinces and no agreement in force or national entry admits it.
    NotRecognised {
        /// The issuer's province.
        issuer_province: RegionCode,
        /// The verifier's province.
        verifier_province: RegionCode,
        /// Why each agreement did not apply.
        agreements: Vec<AgreementMiss>,
    },
}

impl Refusal {
    /// The problem code of this refusal (`zkcred-problem`).
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as P;
        match self {
            Refusal::UnknownIssuer { .. } => P::UnknownIssuer,
            Refusal::TypeNotAllowedForIssuer { .. } => P::TypeNotAllowedForIssuer,
            Refusal::UnknownKey { .. } => P::UnknownKey,
            Refusal::KeyRevoked { .. } => P::KeyRevoked,
            Refusal::KeyOutsideWindow { .. } => P::KeyOutsideWindow,
            Refusal::UnknownRegion { .. } => P::UnknownRegion,
            Refusal::NotRecognised { .. } => P::NotRecognised,
        }
    }

    /// One line of explanation.
    pub fn explain(&self) -> String {
        match self {
            Refusal::UnknownIssuer { issuer } => format!("issuer {issuer} is not in the registry"),
            Refusal::TypeNotAllowedForIssuer {
                issuer,
                credential_type,
            } => format!("issuer {issuer} may not issue {credential_type}"),
            Refusal::UnknownKey { issuer, key_id } => {
                format!("key {key_id} is not a registered key of issuer {issuer}")
            }
            Refusal::KeyRevoked { issuer, key_id } => {
                format!("key {key_id} of issuer {issuer} is revoked")
            }
            Refusal::KeyOutsideWindow {
                key_id,
                not_before,
                not_after,
                evidence,
            } => {
                let basis = match evidence {
                    KeyCheck::IssueDate => {
                        "any time between the disclosed issue date and the presentation"
                    }
                    KeyCheck::OpenedBeforePresentation => "the presentation time",
                };
                format!("key {key_id} (valid {not_before} to {not_after}) was not valid at {basis}")
            }
            Refusal::UnknownRegion { region } => {
                format!("issuer region {region} is not in the registry")
            }
            Refusal::NotRecognised {
                issuer_province,
                verifier_province,
                agreements,
            } => {
                let mut s = format!(
                    "issuer province {issuer_province} differs from verifier province {verifier_province}, the type is not national"
                );
                if agreements.is_empty() {
                    s.push_str(", and no agreement is registered");
                } else {
                    s.push_str(", and no agreement applies (");
                    s.push_str(
                        &agreements
                            .iter()
                            .map(AgreementMiss::explain)
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                    s.push(')');
                }
                s
            }
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Applies the recognition rule (see the module docs).
///
/// # Errors
/// The [`Refusal`]: [`Refusal::UnknownIssuer`],
/// [`Refusal::TypeNotAllowedForIssuer`], [`Refusal::UnknownKey`],
/// [`Refusal::KeyRevoked`], [`Refusal::KeyOutsideWindow`],
/// [`Refusal::UnknownRegion`], or [`Refusal::NotRecognised`] when neither the
/// same province, an agreement in force nor the national tier admits it.
pub fn recognise(registry: &Registry, c: &Candidate<'_>) -> Result<Admission, Refusal> {
    let issuer = registry
        .issuer(c.issuer)
        .ok_or_else(|| Refusal::UnknownIssuer {
            issuer: c.issuer.to_owned(),
        })?;
    if !issuer.types.contains(c.credential_type) {
        return Err(Refusal::TypeNotAllowedForIssuer {
            issuer: issuer.id.clone(),
            credential_type: c.credential_type.to_owned(),
        });
    }
    let key = issuer.key(c.key_id).ok_or_else(|| Refusal::UnknownKey {
        issuer: issuer.id.clone(),
        key_id: c.key_id.to_owned(),
    })?;
    if key.revoked {
        return Err(Refusal::KeyRevoked {
            issuer: issuer.id.clone(),
            key_id: key.key.key_id.clone(),
        });
    }
    let (valid, key_check) = match c.issuance {
        Issuance::OnDate(d) => {
            // Signed at some instant of [start of the issue day, presentation].
            let start = day_start(d);
            (
                key.key.not_before <= c.at && start < key.key.not_after,
                KeyCheck::IssueDate,
            )
        }
        Issuance::Unknown => (
            key.key.not_before <= c.at,
            KeyCheck::OpenedBeforePresentation,
        ),
    };
    if !valid {
        return Err(Refusal::KeyOutsideWindow {
            key_id: key.key.key_id.clone(),
            not_before: rfc3339(key.key.not_before),
            not_after: rfc3339(key.key.not_after),
            evidence: key_check,
        });
    }
    if registry.region(issuer.region).is_none() {
        return Err(Refusal::UnknownRegion {
            region: issuer.region,
        });
    }
    let issuer_province = issuer.region.province();
    let verifier_province = c.verifier_region.province();
    let today = presentation_date(c.at);
    let mut routes = Vec::new();
    let mut misses = Vec::new();
    if issuer_province == verifier_province {
        routes.push(Route::SameRegion {
            province: issuer_province,
        });
    }
    // Agreements admit credentials from *another* member province.
    let cross_border = issuer_province != verifier_province;
    for a in registry.agreements().iter().filter(|_| cross_border) {
        let id = a.id.clone();
        let miss = if !a.has_member(verifier_province) {
            Some(AgreementMiss::NotMember {
                id,
                province: verifier_province,
            })
        } else if !a.has_member(issuer_province) {
            Some(AgreementMiss::NotMember {
                id,
                province: issuer_province,
            })
        } else if !a.covers(c.credential_type) {
            Some(AgreementMiss::TypeNotCovered { id })
        } else {
            match a.in_force_on(today) {
                Err(NotInForce::NotYet(d)) => Some(AgreementMiss::NotYetInForce {
                    id,
                    effective_from: format_date(d),
                }),
                Err(NotInForce::Expired(d)) => Some(AgreementMiss::Expired {
                    id,
                    effective_until: format_date(d),
                }),
                Ok(()) => None,
            }
        };
        match miss {
            Some(m) => misses.push(m),
            None => routes.push(Route::Agreement {
                id: a.id.clone(),
                name_zh: a.name_zh.clone(),
                assumed_entry: a
                    .types
                    .iter()
                    .any(|t| t.credential_type == c.credential_type && t.assumed),
            }),
        }
    }
    if let Some(t) = registry
        .national()
        .types
        .iter()
        .find(|t| t.credential_type == c.credential_type)
    {
        routes.push(Route::National {
            assumed_entry: t.assumed,
        });
    }
    if routes.is_empty() {
        return Err(Refusal::NotRecognised {
            issuer_province,
            verifier_province,
            agreements: misses,
        });
    }
    Ok(Admission {
        issuer_province,
        verifier_province,
        routes,
        key_check,
    })
}
