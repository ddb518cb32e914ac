//! `zkcred verify`: offline verification of a presentation against the
//! verifier's own request and trusted issuer keys, with a readable verdict.
//!
//! A request that asks for licence status is checked against the status
//! epochs given with `--status-epoch` ([`Trusted`]): each epoch's issuer
//! signature is checked with the trusted keys, the highest epoch of an
//! issuer and type is the current one, and an epoch is superseded when the
//! next higher one given was published.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Bound;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use zkcred_credential::presentation::status::StatusEpochView;
use zkcred_credential::{
    verify_presentation, AttributeValue, Catalogue, Error, IssuerPublicKey, KeyResolver, KeySet,
    Presentation, PresentationRequest, StatusEpoch,
};

use super::display::{attribute_lines, safe, type_title};
use super::files::{load_keys, read_document, shown};
use super::{Context, Status};

/// `zkcred verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The request the presentation must answer (the verifier's own copy).
    #[arg(long, value_name = "REQUEST.json")]
    pub request: PathBuf,
    /// Trusted issuer public keys: a key set (`zkcred issuer export-keys`),
    /// a public key file or a key directory; repeatable.
    #[arg(long = "keys", value_name = "KEYSET.json", required = true)]
    pub keys: Vec<PathBuf>,
    /// Also check the verified presentation against this policy's
    /// predicates and links (each proven by a statement at least as strict
    /// as the predicate on today's date in China Standard Time, or checked
    /// from a disclosed value); the trust registry is the service's
    /// business and is not consulted here.
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Option<PathBuf>,
    /// A licence status epoch of an issuer (`zkcred issuer status …
    /// --publish`, `zkcred client status show --out`), for requests that
    /// ask for licence status; repeatable. Each is checked with the trusted
    /// keys; per issuer and type the highest given is the current epoch.
    #[arg(long = "status-epoch", value_name = "EPOCH.json")]
    pub status_epochs: Vec<PathBuf>,
    /// Machine output: the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// The holder's presentation, or - for standard input.
    #[arg(value_name = "PRESENTATION.json", default_value = "-")]
    pub presentation: PathBuf,
}

/// One verified credential of a valid presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedCredential {
    /// The credential type.
    pub credential_type: String,
    /// Its English name.
    pub name_en: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// The issuer.
    pub issuer: String,
    /// The issuer's key.
    pub key_id: String,
    /// The ciphersuite.
    pub suite: String,
    /// The disclosed attributes by name (JSON forms, absent as `null`).
    pub disclosed: Map<String, Value>,
    /// Statements proven in zero knowledge about attributes not disclosed,
    /// in words (`birth_date <= 2008-03-01`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proven: Vec<String>,
    /// The epoch of the issuer's status list the licence was proven valid
    /// in (requests asking for licence status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_epoch: Option<u64>,
}

/// Trusted issuer keys and the status epochs given with `--status-epoch`,
/// as the verifier's key resolver (see the module documentation).
#[derive(Debug)]
pub struct Trusted<'a> {
    keys: &'a KeySet,
    epochs: BTreeMap<(String, String), BTreeMap<u64, StatusEpoch>>,
}

impl<'a> Trusted<'a> {
    /// `keys` and the status `epochs`, each epoch's signature checked with
    /// `keys` (`files[i]` names `epochs[i]` in messages).
    ///
    /// # Errors
    /// An epoch whose signature the keys do not verify; two different
    /// documents for one epoch number; consecutive epochs that do not chain
    /// (`previous`) or name different accumulator keys.
    pub fn new(keys: &'a KeySet, epochs: Vec<StatusEpoch>, files: &[PathBuf]) -> Result<Self> {
        let mut by_lane: BTreeMap<(String, String), BTreeMap<u64, StatusEpoch>> = BTreeMap::new();
        for (i, e) in epochs.into_iter().enumerate() {
            let file = files.get(i).map_or_else(String::new, |p| shown(p));
            e.verify_with(keys).map_err(|err| {
                anyhow!(
                    "{file}: status epoch {} of {}: {err}",
                    e.epoch(),
                    safe(&e.issuer)
                )
            })?;
            let lane = by_lane
                .entry((e.issuer.clone(), e.credential_type().to_owned()))
                .or_default();
            if let Some(other) = lane.get(&e.epoch()) {
                if *other != e {
                    bail!(
                        "{file}: another document for status epoch {} of {} / {} was given",
                        e.epoch(),
                        safe(&e.issuer),
                        e.credential_type()
                    );
                }
            }
            lane.insert(e.epoch(), e);
        }
        for ((issuer, ty), lane) in &by_lane {
            let mut it = lane.values().peekable();
            while let (Some(a), Some(b)) = (it.next(), it.peek()) {
                if a.accumulator_key() != b.accumulator_key() {
                    bail!(
                        "status epochs {} and {} of {} / {ty} name different accumulator keys",
                        a.epoch(),
                        b.epoch(),
                        safe(issuer)
                    );
                }
                if a.epoch() + 1 == b.epoch() && b.content.previous != Some(a.digest()) {
                    bail!(
                        "status epoch {} of {} / {ty} does not follow the epoch {} given",
                        b.epoch(),
                        safe(issuer),
                        a.epoch()
                    );
                }
            }
        }
        Ok(Trusted {
            keys,
            epochs: by_lane,
        })
    }

    /// Reads and checks the epoch files `paths` (see [`Trusted::new`]).
    ///
    /// # Errors
    /// An unreadable file or one that is not a status epoch; as
    /// [`Trusted::new`].
    pub fn load(ctx: &mut Context<'_>, keys: &'a KeySet, paths: &[PathBuf]) -> Result<Self> {
        let mut epochs = Vec::with_capacity(paths.len());
        for p in paths {
            let text = read_document(ctx, p)?;
            epochs.push(
                StatusEpoch::from_json(&text)
                    .map_err(|e| anyhow!("{}: not a status epoch: {e}", shown(p)))?,
            );
        }
        Trusted::new(keys, epochs, paths)
    }
}

impl KeyResolver for Trusted<'_> {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.keys.resolve(issuer, key_id)
    }

    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: u64,
    ) -> Option<StatusEpochView> {
        let lane = self
            .epochs
            .get(&(issuer.to_owned(), credential_type.to_owned()))?;
        let e = lane.get(&epoch)?;
        // Superseded when epoch + 1 was published; with a gap after this
        // epoch that time is unknown (somewhere between this epoch's
        // publication and the next given one's): take the earliest, so a
        // gap never makes an old epoch look fresh.
        let superseded_at = lane
            .range((Bound::Excluded(epoch), Bound::Unbounded))
            .next()
            .map(|(&n, next)| {
                if Some(n) == epoch.checked_add(1) {
                    next.content.published_at
                } else {
                    e.content.published_at
                }
            });
        Some(StatusEpochView {
            epoch,
            public_key: e.accumulator_key().clone(),
            value: *e.value(),
            superseded_at,
        })
    }
}

/// The outcome of verifying a presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Whether the presentation is valid.
    pub valid: bool,
    /// The verifier of the request.
    pub verifier: String,
    /// Why it is invalid: a stable code (`proof_invalid`, `challenge_mismatch`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Why it is invalid, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What a valid presentation discloses, one entry per requested credential.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<VerifiedCredential>,
    /// With `--policy`: each predicate and link and how it fared.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_checks: Vec<PolicyCheck>,
}

/// One predicate or link of `--policy`, checked against a valid
/// presentation (names and bounds, never a value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyCheck {
    /// The requirement (for a link, the linked requirements).
    pub requirement: String,
    /// The predicate or link in words.
    pub check: String,
    /// `proven`, `checked from a disclosed value`, `not satisfied` or
    /// `unproven`.
    pub outcome: &'static str,
    /// Whether it holds.
    pub holds: bool,
}

/// Checks `disclosed` (verified against `request`) against the policy's
/// predicates and links on `today` (China Standard Time).
pub fn policy_checks(
    catalogue: &Catalogue,
    policy: &zkcred_policy::Policy,
    disclosed: &[zkcred_credential::DisclosedCredential],
    today: time::Date,
) -> Vec<PolicyCheck> {
    use zkcred_credential::presentation::Statement;
    let mut out = Vec::new();
    for (r, d) in policy.requirements.iter().zip(disclosed) {
        for p in &r.predicates {
            let ty = catalogue
                .get(&d.credential_type)
                .and_then(|t| t.attribute(&p.attribute))
                .map(|a| a.ty);
            let proven = d.statements.iter().any(|s| match (s, ty) {
                (Statement::Range(rs), Some(ty)) if rs.attribute == p.attribute => rs
                    .bounds(ty)
                    .is_ok_and(|(min, max)| p.proven_by(min, max, today)),
                _ => false,
            });
            let (outcome, holds) = if proven {
                ("proven", true)
            } else if let Some(v) = d.attributes.get(&p.attribute) {
                if p.holds(v.as_ref(), today) {
                    ("checked from a disclosed value", true)
                } else {
                    ("not satisfied", false)
                }
            } else {
                ("unproven", false)
            };
            out.push(PolicyCheck {
                requirement: r.id.clone(),
                check: p.describe(),
                outcome,
                holds,
            });
        }
    }
    for l in &policy.links {
        let anchor = l.requirements.first().copied().unwrap_or(0);
        let holds = l.requirements.iter().skip(1).all(|&k| {
            disclosed.get(k).is_some_and(|d| {
                d.statements.iter().any(|s| {
                    matches!(s, Statement::Equal(e)
                        if e.attribute == l.attribute
                            && e.to.attribute == l.attribute
                            && e.to.entry as usize == anchor)
                })
            })
        });
        let names: Vec<&str> = l
            .requirements
            .iter()
            .filter_map(|&k| policy.requirements.get(k).map(|r| r.id.as_str()))
            .collect();
        out.push(PolicyCheck {
            requirement: names.join("+"),
            check: format!("{} equal across {}", l.attribute, names.join(" and ")),
            outcome: if holds { "proven" } else { "unproven" },
            holds,
        });
    }
    out
}

/// The stable code of a rejection reason.
pub fn reason_code(e: &Error) -> &'static str {
    match e {
        Error::ProofInvalid => "proof_invalid",
        Error::UnknownKey { .. } => "unknown_key",
        Error::ChallengeMismatch => "challenge_mismatch",
        Error::VerifierMismatch { .. } => "verifier_mismatch",
        Error::RequestDigestMismatch => "request_mismatch",
        Error::RequestExpired(_) => "request_expired",
        Error::CredentialCountMismatch { .. } => "credential_count",
        Error::WrongCredentialType { .. } => "wrong_credential_type",
        Error::IssuerNotAccepted(_) => "issuer_not_accepted",
        Error::MissingDisclosure(_) => "missing_disclosure",
        Error::UnrequestedDisclosure(_) => "unrequested_disclosure",
        Error::UnsupportedStatement(_) => "unsupported_statement",
        Error::UnsupportedProof { .. } => "unsupported_proof",
        Error::SuiteMismatch { .. } | Error::UnknownSuite(_) => "suite_mismatch",
        Error::UnsupportedEncodingVersion(_) => "unsupported_encoding",
        Error::UnsupportedFormat { .. } => "unsupported_format",
        Error::UnknownCredentialType(_) => "unknown_credential_type",
        Error::Attribute(_) => "bad_attribute",
        Error::Malformed { .. } | Error::Json { .. } => "malformed",
        Error::StatusMissing { .. } => "status_missing",
        Error::StatusEpochUnknown { .. } => "status_epoch_unknown",
        Error::StatusEpochStale { .. } => "status_epoch_stale",
        Error::LicenseNotValid => "license_not_valid",
        _ => "invalid",
    }
}

fn reason(e: &Error, keys: &[PathBuf]) -> String {
    match e {
        Error::ProofInvalid => "the proof does not verify: a disclosed value, the credential's \
             type, issuer or key, or the binding to this request was altered"
            .into(),
        Error::UnknownKey { issuer, key_id } => format!(
            "key {} of issuer {} is not among the trusted keys ({})",
            safe(key_id),
            safe(issuer),
            keys.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Error::ChallengeMismatch => "the presentation answers a different challenge (it was made \
             for another request, or it is replayed)"
            .into(),
        Error::StatusEpochUnknown {
            issuer,
            credential_type,
            epoch,
        } => format!(
            "the presentation proves the licence's status in epoch {epoch} of {} for {}, and no \
             such epoch was given (--status-epoch: the issuer's published epoch-{epoch}.json)",
            safe(issuer),
            safe(credential_type)
        ),
        e => safe(&e.to_string()),
    }
}

/// Verifies the presentation text against `request` and `keys` at `now`.
/// Anything wrong with the presentation, including not parsing, is a
/// negative verdict (the presentation comes from the untrusted side).
pub fn check(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &str,
    keys: &impl KeyResolver,
    key_files: &[PathBuf],
    now: OffsetDateTime,
) -> Verdict {
    let invalid = |e: &Error| Verdict {
        valid: false,
        verifier: request.verifier.clone(),
        code: Some(reason_code(e)),
        reason: Some(reason(e, key_files)),
        credentials: Vec::new(),
        policy_checks: Vec::new(),
    };
    let presentation = match Presentation::from_json(presentation) {
        Ok(p) => p,
        Err(e) => return invalid(&e),
    };
    let disclosed = match verify_presentation(catalogue, request, &presentation, keys, now) {
        Ok(d) => d,
        Err(e) => return invalid(&e),
    };
    let credentials = request
        .credentials
        .iter()
        .zip(disclosed)
        .map(|(rc, d)| {
            let t = catalogue.get(&d.credential_type);
            let proven = d.statements.iter().map(|s| s.describe()).collect();
            // The requested names, then `null` answers to statements.
            let names: Vec<&String> = rc
                .disclose
                .iter()
                .chain(d.attributes.keys().filter(|n| !rc.disclose.contains(n)))
                .collect();
            let disclosed = names
                .into_iter()
                .map(|n| {
                    let v = d
                        .attributes
                        .get(n)
                        .and_then(Option::as_ref)
                        .map_or(Value::Null, AttributeValue::to_json);
                    (n.clone(), v)
                })
                .collect();
            VerifiedCredential {
                name_en: t.map(|t| t.name_en.clone()).unwrap_or_default(),
                name_zh: t.map(|t| t.name_zh.clone()).unwrap_or_default(),
                credential_type: d.credential_type,
                issuer: d.issuer,
                key_id: d.key_id,
                suite: d.suite.name().into(),
                disclosed,
                proven,
                status_epoch: d.status_epoch,
            }
        })
        .collect();
    Verdict {
        valid: true,
        verifier: request.verifier.clone(),
        code: None,
        reason: None,
        credentials,
        policy_checks: Vec::new(),
    }
}

impl VerifyArgs {
    /// Runs the command: [`Status::Success`] for a valid presentation,
    /// [`Status::Invalid`] otherwise; errors for unusable requests, key files
    /// or unreadable input.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        let catalogue = Catalogue::builtin();
        let request_file = shown(&self.request);
        let request = PresentationRequest::from_json(&read_document(ctx, &self.request)?)
            .map_err(|e| anyhow!("{request_file}: {e}"))?;
        request
            .validate(catalogue)
            .map_err(|e| anyhow!("{request_file}: {e}"))?;
        let keys = load_keys(&self.keys)?;
        if keys.is_empty() {
            bail!("no trusted keys in {}", self.keys[0].display());
        }
        let trusted = Trusted::load(ctx, &keys, &self.status_epochs)?;
        let text = read_document(ctx, &self.presentation)?;
        let mut verdict = check(catalogue, &request, &text, &trusted, &self.keys, ctx.now);
        if let (Some(path), true) = (&self.policy, verdict.valid) {
            let policy = zkcred_policy::PolicyLoader::new(catalogue)
                .load(path)
                .map_err(|e| anyhow!("{e}"))?;
            let presentation = Presentation::from_json(&text)?;
            let disclosed =
                verify_presentation(catalogue, &request, &presentation, &trusted, ctx.now)?;
            let today = zkcred_policy::clock::presentation_date(ctx.now);
            verdict.policy_checks = policy_checks(catalogue, &policy, &disclosed, today);
            if verdict.policy_checks.iter().any(|c| !c.holds) {
                verdict.valid = false;
                verdict.code = Some("policy_unsatisfied");
                verdict.reason = Some(format!(
                    "the presentation does not meet the policy {}",
                    policy.id()
                ));
            }
        }
        if self.json {
            writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&verdict)?)?;
        } else {
            render(ctx.stdout, catalogue, &verdict)?;
        }
        Ok(if verdict.valid {
            Status::Success
        } else {
            Status::Invalid
        })
    }
}

fn render(out: &mut dyn Write, catalogue: &Catalogue, v: &Verdict) -> Result<()> {
    let checks = |out: &mut dyn Write| -> Result<()> {
        if !v.policy_checks.is_empty() {
            writeln!(out, "policy:")?;
            for c in &v.policy_checks {
                writeln!(
                    out,
                    "  {} {}: {} — {}",
                    if c.holds { "✓" } else { "✗" },
                    safe(&c.requirement),
                    safe(&c.check),
                    c.outcome
                )?;
            }
        }
        Ok(())
    };
    if !v.valid {
        writeln!(
            out,
            "INVALID: {}",
            v.reason.as_deref().unwrap_or("rejected")
        )?;
        writeln!(out, "verifier: {}", safe(&v.verifier))?;
        checks(out)?;
        return Ok(());
    }
    writeln!(out, "VALID")?;
    writeln!(out, "verifier: {}", safe(&v.verifier))?;
    for (i, c) in v.credentials.iter().enumerate() {
        writeln!(
            out,
            "credential {}: {}",
            i + 1,
            type_title(catalogue, &c.credential_type)
        )?;
        writeln!(out, "  issuer:  {}", safe(&c.issuer))?;
        writeln!(out, "  key id:  {}  ({})", c.key_id, c.suite)?;
        if let Some(epoch) = c.status_epoch {
            writeln!(
                out,
                "  status:  valid in epoch {epoch} of the issuer's status list (proven without \
                 showing which licence)"
            )?;
        }
        if c.disclosed.is_empty() && c.proven.is_empty() {
            writeln!(
                out,
                "  disclosed: nothing (the holder holds such a credential)"
            )?;
        } else if c.disclosed.is_empty() {
            writeln!(out, "  disclosed: nothing")?;
        } else {
            writeln!(out, "  disclosed:")?;
            let t = catalogue.get(&c.credential_type);
            for line in attribute_lines(t, c.disclosed.iter().map(|(n, v)| (n.as_str(), v))) {
                writeln!(out, "  {line}")?;
            }
        }
        if !c.proven.is_empty() {
            writeln!(out, "  proven in zero knowledge (values not disclosed):")?;
            for p in &c.proven {
                writeln!(out, "    {}", safe(p))?;
            }
        }
    }
    checks(out)?;
    Ok(())
}
