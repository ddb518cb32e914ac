//! The verification pipeline: challenges out, presentations in, decisions
//! logged.
//!
//! A presentation goes through: the body is parsed (size-capped) → its
//! counts and lengths are checked against [`limits`] (413 `limit_exceeded`)
//! → it is admitted to the verification queue (503 `overloaded` sheds load
//! here) → its challenge is consumed atomically, bound to the policy and the
//! calling verifier → the policy must not have been retired since (409
//! `policy_retired`, logged) → on a blocking thread, the policy crate's shape stage (the
//! request is one the policy version bound to the challenge makes; nothing
//! over-disclosed, nothing missing), the presentation's binding, the issuer
//! keys (verifier-key cache over the registry in force) and every entry
//! decoded and prepared (typed errors become 4xx problems) → the BBS proofs
//! go to the micro-batcher → the policy crate's trust-and-conditions stage
//! decides → the decision is appended to the disclosure log
//! (group-committed) → the response. Every decision taken after the
//! challenge was consumed is logged, refusals included, and nothing before
//! it consumes the challenge: a consumed challenge ends in exactly one logged
//! decision. Everything after the consumption runs in a tracked task of its
//! own, so a request timeout or a dropped connection cannot cut a decision
//! short; the decision is held for a while for the client that missed it
//! ([`super::decisions`]). A refusal's record names the requested credential types but no
//! attributes.

use std::sync::Arc;
use std::time::Instant;
use zkcred_problem::ProblemCode;

use serde_json::Value;
use time::OffsetDateTime;
use zkcred_credential::presentation::status::StatusEpochView;
use zkcred_credential::presentation::{
    check_binding, prepare_presentation, PreparedPresentation, RangeOp, RequestPolicy, Statement,
};
use zkcred_credential::{DisclosedCredential, Error as CredError, IssuerPublicKey, KeyResolver};
use zkcred_policy::{Decision, Policy};

use super::auth::Principal;
use super::batcher::{BatchError, CompositeWork, Upstream, VerifyItem};
use super::decisions::{submission_digest, Begun, Consumed, IdempotencyKey, Slot};
use super::problem::{challenge_problem, Problem};
use super::registry::{CachedKey, POLICY_KIND};
use super::state::{blocking, AppState};
use super::status::StatusEpochs;
use crate::challenge::{ChallengeBinding, Nonce};
use crate::storage::DocumentStatus;
use zkcred_translog::{CredentialDisclosure, DisclosureEvent, Outcome, PolicyRef, ProvenStatement};

/// The bodies of the verification routes: the API's types.
pub use zkcred_api::{
    Accepted, ChallengeRequest, DisclosedOut, HeldDecision, IssuedChallenge, LinkOutcome,
    PredicateOutcome, Submission,
};

/// Issues a challenge for `policy_id` to the verifier `who`.
pub async fn issue_challenge(
    state: &Arc<AppState>,
    who: &Principal,
    policy_id: String,
) -> Result<IssuedChallenge, Problem> {
    let doc = match state.registry.cached_current_policy(&policy_id) {
        Some(doc) => doc,
        None => {
            let st = Arc::clone(state);
            blocking(move || st.registry.current_policy(&policy_id)).await?
        }
    };
    if doc.status != DocumentStatus::Active {
        return Err(Problem::new(
            ProblemCode::PolicyRetired,
            format!("policy {} is retired", doc.id),
        ));
    }
    let engine = state.registry.engine();
    let policy = engine.policy(&doc).map_err(|e| Problem::internal(&e))?;
    if policy.verifier() != &*who.name {
        return Err(Problem::new(
            ProblemCode::Forbidden,
            format!("policy {} belongs to another verifier", doc.id),
        ));
    }
    // A verifier with a request key signs under its registration, which
    // must hold this policy as it is: checked before a challenge is spent
    // on a request every wallet would refuse.
    let signer = state.request_signers.get(&who.name);
    if let Some(signer) = &signer {
        zkcred_policy::consent::check_registered(&policy, &signer.registration)
            .map_err(|e| Problem::new(e.code(), e.to_string()))?;
    }
    let ttl = time::Duration::seconds(state.config.challenges.ttl_secs as i64);
    // Taken before the challenge's own clock starts, and truncated: the
    // advertised expiry is never later than the store's.
    let wall = OffsetDateTime::now_utc();
    let mut request = engine
        .request(&policy, wall)
        .map_err(|e| Problem::internal(&e))?;
    let issued = state
        .challenges
        .issue(ChallengeBinding {
            verifier: who.name.to_string(),
            policy_id: doc.id.clone(),
            policy_version: doc.version,
        })
        .await
        .map_err(|e| challenge_problem(&e))?;
    state.metrics.challenge_issued();
    request.challenge = issued.nonce.to_hex();
    // A shared store's own clock decides the expiry: never advertise a
    // later one, whatever this node's clock says.
    let store_expiry = issued.expires_utc.unwrap_or(wall + ttl);
    request.expires_at = request
        .expires_at
        .min(wall + ttl)
        .min(store_expiry)
        .replace_nanosecond(0)
        .map_err(|e| Problem::internal(&e))?;
    if let Some(signer) = signer {
        request
            .sign(
                &signer.key,
                signer.registration.clone(),
                RequestPolicy {
                    id: policy.id().to_owned(),
                    version: policy.version(),
                    requirements: policy.requirements.iter().map(|r| r.id.clone()).collect(),
                },
                &policy.spec.purpose.description,
                &policy.spec.purpose.legal_basis,
            )
            .map_err(|e| Problem::internal(&e))?;
    }
    Ok(IssuedChallenge {
        policy: PolicyRef {
            id: doc.id.clone(),
            version: doc.version,
        },
        expires_at: request
            .expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Problem::internal(&e))?,
        request,
    })
}

/// The keys a presentation names, looked up once, and the licence status
/// epochs registered (in memory: resolving an epoch touches no storage).
struct Resolved<'a> {
    keys: Vec<Arc<CachedKey>>,
    status: &'a StatusEpochs,
}

impl KeyResolver for Resolved<'_> {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.keys
            .iter()
            .map(|k| &k.public)
            .find(|k| k.issuer == issuer && k.key_id == key_id)
    }

    fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
        epoch: u64,
    ) -> Option<StatusEpochView> {
        self.status.view(issuer, credential_type, epoch)
    }
}

/// The problem for a refused decision of the policy crate: its first
/// reason's code and explanation (names, never values), and all of them.
fn decision_problem(d: &Decision) -> Problem {
    let first = d.reasons.first();
    let code = first.map_or(ProblemCode::PolicyUnsatisfied, |r| r.code());
    let detail = first.map_or_else(|| "the policy is not satisfied".to_owned(), |r| r.explain());
    let reasons: Vec<Value> = d
        .reasons
        .iter()
        .map(|r| serde_json::json!({ "code": r.code().as_str(), "detail": r.explain() }))
        .collect();
    Problem::new(code, detail).with("reasons", reasons)
}

/// The per-request size limits of a submission, checked at the edge
/// ([`check_limits`]) before its challenge is consumed. Each is the bound the
/// layer behind it enforces (or tighter), so a submission within them can
/// only end in a logged decision, never in a record the disclosure log
/// refuses. Documented in the crate README ("Limits").
pub mod limits {
    /// Credentials one request asks for, and one presentation holds (the
    /// credential crate's bound on requests).
    pub const CREDENTIALS: usize = zkcred_credential::presentation::MAX_REQUESTED_CREDENTIALS;
    /// Attribute names one requested credential lists in `disclose`, and
    /// one presented credential discloses (the catalogue's bound on a
    /// type's attributes).
    pub const ATTRIBUTES: usize = zkcred_credential::catalogue::MAX_ATTRIBUTES;
    /// Accepted issuers one requested credential names.
    pub const ISSUERS: usize = 256;
    /// Statements one requested credential carries.
    pub const STATEMENTS: usize = 16;
    /// Octets of an identifier: the policy id, the request's and
    /// presentation's format, verifier, challenge and digest, a credential
    /// type, issuer, key id or suite (the disclosure log's bound).
    pub const IDENTIFIER_BYTES: usize = 256;
    /// Octets of an attribute name (the disclosure log's bound).
    pub const ATTRIBUTE_NAME_BYTES: usize = 64;
}

/// `limit_exceeded` (413) naming the limit and its value.
pub fn limit_problem(limit: &str, max: usize, what: &str) -> Problem {
    Problem::new(
        ProblemCode::LimitExceeded,
        format!("{what} exceeds the limit {limit} = {max}"),
    )
    .with("limit", limit)
    .with("max", max)
}

/// Checks a submission against [`limits`]: counts and lengths only, no
/// meaning, so it runs before the challenge is consumed and a submission
/// over a limit leaves its challenge answerable.
pub fn check_limits(sub: &Submission) -> Result<(), Problem> {
    use limits::*;
    let count = |n: usize, max: usize, limit: &str, what: &str| {
        if n > max {
            Err(limit_problem(limit, max, what))
        } else {
            Ok(())
        }
    };
    let ident = |s: &str, what: &str| count(s.len(), IDENTIFIER_BYTES, "identifier_bytes", what);
    let name =
        |s: &str, what: &str| count(s.len(), ATTRIBUTE_NAME_BYTES, "attribute_name_bytes", what);
    let (req, pres) = (&sub.request, &sub.presentation);
    ident(&sub.policy, "the policy id")?;
    for (s, what) in [
        (&req.format, "the request's format"),
        (&req.verifier, "the request's verifier"),
        (&req.challenge, "the request's challenge"),
        (&pres.format, "the presentation's format"),
        (&pres.verifier, "the presentation's verifier"),
        (&pres.challenge, "the presentation's challenge"),
        (&pres.request_digest, "the presentation's request digest"),
    ] {
        ident(s, what)?;
    }
    count(
        req.credentials.len(),
        CREDENTIALS,
        "credentials",
        "the number of requested credentials",
    )?;
    count(
        pres.credentials.len(),
        CREDENTIALS,
        "credentials",
        "the number of presented credentials",
    )?;
    for rc in &req.credentials {
        ident(&rc.credential_type, "a requested credential type")?;
        count(
            rc.disclose.len(),
            ATTRIBUTES,
            "attributes",
            "the number of attributes a requested credential lists",
        )?;
        count(
            rc.issuers.len(),
            ISSUERS,
            "issuers",
            "the number of issuers a requested credential names",
        )?;
        count(
            rc.statements.len(),
            STATEMENTS,
            "statements",
            "the number of statements of a requested credential",
        )?;
        for n in &rc.disclose {
            name(n, "a requested attribute name")?;
        }
        for i in &rc.issuers {
            ident(i, "a requested issuer")?;
        }
    }
    for pc in &pres.credentials {
        ident(&pc.credential_type, "a presented credential type")?;
        ident(&pc.issuer, "a presented credential's issuer")?;
        ident(&pc.key_id, "a presented credential's key id")?;
        ident(&pc.suite, "a presented credential's suite")?;
        count(
            pc.disclosed.len(),
            ATTRIBUTES,
            "attributes",
            "the number of attributes a presented credential discloses",
        )?;
        for n in pc.disclosed.keys() {
            name(n, "a disclosed attribute name")?;
        }
    }
    Ok(())
}

/// Decides on one submission by the verifier `who`.
///
/// Once the challenge is consumed, the decision runs in a task of its own
/// ([`super::decisions::Decisions::spawn`]): cancelling this future (a request timeout, a
/// dropped connection) leaves it running to its logged end, and the client
/// can learn it ([`super::decisions`]); `consumed` notes the challenge for
/// the `timeout` answer. The identical submission on a consumed challenge,
/// by the same verifier and with the same `key` (its `Idempotency-Key`),
/// answers the decision taken on it; without a key it is a replay.
pub async fn decide(
    state: &Arc<AppState>,
    who: &Principal,
    sub: Submission,
    key: &IdempotencyKey,
    consumed: &Consumed,
) -> Result<Accepted, Problem> {
    check_limits(&sub)?;
    let nonce = Nonce::from_hex(&sub.request.challenge).map_err(|e| challenge_problem(&e))?;
    let submission = submission_digest(key, &sub)?;
    // Load is shed here, before the challenge is consumed: an `overloaded`
    // (or `shutting_down`) answer leaves the challenge answerable and logs
    // nothing. Admitted, the request's place in the verification queue is
    // held until its proofs are queued, so they always find room, and the
    // batcher knows they are coming.
    let announced = state.batcher.admit().map_err(batch_problem)?;
    let started = match state.challenges.in_process() {
        // The in-process store answers at once, under the held decisions'
        // lock.
        Some(store) => {
            let begun = state
                .decisions
                .begin(nonce.digest(), &who.name, submission, || {
                    store.consume(&nonce, &who.name, &sub.policy)
                });
            start(state, who, sub, begun, announced, consumed, nonce.to_hex())
        }
        // A shared store answers over the network: the consumption and the
        // start of the decision it leads to run in a tracked task of their
        // own, so that a request cancelled meanwhile (a timeout, a dropped
        // connection, an aborted batch) cannot leave a challenge consumed
        // in Redis without its logged decision.
        None => {
            let (st, who, consumed) = (Arc::clone(state), who.clone(), consumed.clone());
            state
                .decisions
                .track(async move {
                    let result = st.challenges.consume(&nonce, &who.name, &sub.policy).await;
                    let begun = st
                        .decisions
                        .begin(nonce.digest(), &who.name, submission, || result);
                    start(&st, &who, sub, begun, announced, &consumed, nonce.to_hex())
                })
                .await
                .map_err(|e| Problem::internal(&e))?
        }
    };
    match started? {
        Started::Known(slot) => slot.wait().await,
        Started::Deciding(answered, slot) => match answered.await {
            Ok(decision) => decision,
            // The task ended without answering (it panicked): its slot says so.
            Err(_) => slot.wait().await,
        },
    }
}

/// Where a submission stands once the challenge store has answered.
enum Started {
    /// Its decision is being taken; the answer comes on the channel.
    Deciding(
        tokio::sync::oneshot::Receiver<Result<Accepted, Problem>>,
        Arc<Slot>,
    ),
    /// An identical earlier submission's decision (perhaps still pending).
    Known(Arc<Slot>),
}

/// Starts the decision on a consumed challenge in a task of its own, finds
/// the held decision a resubmission asks for, or refuses; never waits.
/// `challenge` is the challenge's hex, noted in `consumed`.
fn start(
    state: &Arc<AppState>,
    who: &Principal,
    sub: Submission,
    begun: Begun,
    announced: Upstream,
    consumed: &Consumed,
    challenge: String,
) -> Result<Started, Problem> {
    let (binding, slot) = match begun {
        Begun::Consumed(binding, slot) => (binding, slot),
        Begun::Known(slot) => {
            consumed.note(challenge);
            return Ok(Started::Known(slot));
        }
        Begun::Refused(e) => {
            state.metrics.challenge_refused(e.code());
            return Err(challenge_problem(&e));
        }
    };
    consumed.note(challenge);
    // From here on the challenge is spent: every outcome is one logged
    // decision, taken to its end whatever happens to this request.
    let (answer, answered) = tokio::sync::oneshot::channel();
    let (st, who, finished) = (Arc::clone(state), who.clone(), Arc::clone(&slot));
    state.decisions.spawn(&slot, async move {
        let decision = decide_consumed(&st, &who, sub, &binding, announced).await;
        finished.finish(&decision);
        let _ = answer.send(decision);
    });
    Ok(Started::Deciding(answered, slot))
}

/// The decision on a submission whose challenge is consumed: policy in
/// force, verification, conclusion, each outcome appended to the log.
async fn decide_consumed(
    state: &Arc<AppState>,
    who: &Principal,
    sub: Submission,
    binding: &ChallengeBinding,
    announced: Upstream,
) -> Result<Accepted, Problem> {
    // What a refusal's record may name: the requested credential types that
    // are catalogue types, and the attribute names the presentation
    // disclosed for each that are in the type's layout. Names come from
    // untrusted input, so only catalogue names are kept: anything else
    // could carry a value into the log.
    let types: Vec<String> = sub
        .request
        .credentials
        .iter()
        .map(|rc| match state.catalogue.get(&rc.credential_type) {
            Some(t) => t.id.clone(),
            None => "unknown".to_owned(),
        })
        .collect();
    let proven_names: Vec<Vec<ProvenStatement>> = types
        .iter()
        .zip(&sub.request.credentials)
        .map(|(ty, rc)| match state.catalogue.get(ty) {
            Some(t) => proven_statements(&rc.statements)
                .into_iter()
                .filter(|p| t.attribute(&p.attribute).is_some())
                .collect(),
            None => Vec::new(),
        })
        .collect();
    let disclosed_names = types
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let (Some(t), Some(pc)) =
                (state.catalogue.get(ty), sub.presentation.credentials.get(i))
            else {
                return Vec::new();
            };
            pc.disclosed
                .keys()
                .filter(|name| t.attribute(name).is_some())
                .cloned()
                .collect()
        })
        .collect();
    // The status epoch each entry names, when its request asks for status:
    // a number, nothing of the licence (a refusal's record names it too).
    let status_epochs: Vec<Option<u64>> = sub
        .request
        .credentials
        .iter()
        .enumerate()
        .map(|(i, rc)| {
            rc.status?;
            sub.presentation.credentials.get(i)?.status_epoch
        })
        .collect();
    let mut ctx = Ctx {
        state,
        who,
        policy_ref: PolicyRef {
            id: binding.policy_id.clone(),
            version: binding.policy_version,
        },
        types,
        disclosed_names,
        proven_names,
        status_epochs,
    };
    let policy = match policy_in_force(state, binding).await {
        Ok(p) => p,
        Err(p) => return Err(ctx.refuse(p, &[]).await),
    };
    match verify(state, Arc::clone(&policy), sub, announced).await {
        Ok(disclosed) => ctx.decide(&policy, disclosed).await,
        Err((p, issuers)) => Err(ctx.refuse(p, &issuers).await),
    }
}

/// `GET /v1/presentations/decisions/{challenge}`: the decision held for
/// `challenge` (hex) if `who` took it; `Ok((true, _))` when decided.
///
/// # Errors
/// `challenge_malformed` (400) for a challenge that is not 64 hex digits;
/// `decision_unknown` (404) when no decision of `who` is held for it.
pub fn held_decision(
    state: &AppState,
    who: &Principal,
    challenge: &str,
) -> Result<(bool, HeldDecision), Problem> {
    let nonce = Nonce::from_hex(challenge).map_err(|e| challenge_problem(&e))?;
    let held = state
        .decisions
        .held(&nonce.digest(), &who.name)
        .ok_or_else(|| {
            Problem::new(
                ProblemCode::DecisionUnknown,
                "no decision of this verifier is held for the challenge: never consumed, \
                 or no longer held",
            )
        })?;
    Ok((held.is_decided(), held))
}

/// The policy version the challenge was issued for, unless the policy has
/// been retired since: its latest version retired (`policy_retired`, 409).
/// A version superseded by a newer active one still judges the challenges
/// issued for it. The latest version comes from the registry's cache of
/// current policies, which this node's changes invalidate at once.
async fn policy_in_force(
    state: &Arc<AppState>,
    binding: &ChallengeBinding,
) -> Result<Arc<Policy>, Problem> {
    let current = match state.registry.cached_current_policy(&binding.policy_id) {
        Some(doc) => doc,
        None => {
            let st = Arc::clone(state);
            let id = binding.policy_id.clone();
            blocking(move || st.registry.current_policy(&id)).await?
        }
    };
    if current.status != DocumentStatus::Active {
        return Err(Problem::new(
            ProblemCode::PolicyRetired,
            format!(
                "policy {} was retired after the challenge was issued",
                binding.policy_id
            ),
        ));
    }
    let engine = state.registry.engine();
    match engine.cached_policy(&binding.policy_id, binding.policy_version) {
        Some(p) => Ok(p),
        None => {
            let st = Arc::clone(state);
            let (id, version) = (binding.policy_id.clone(), binding.policy_version);
            let doc = blocking(move || st.registry.get(POLICY_KIND, &id, Some(version))).await?;
            engine.policy(&doc).map_err(|e| Problem::internal(&e))
        }
    }
}

struct Ctx<'a> {
    state: &'a Arc<AppState>,
    who: &'a Principal,
    policy_ref: PolicyRef,
    types: Vec<String>,
    /// Per requested credential, the catalogue attribute names disclosed.
    disclosed_names: Vec<Vec<String>>,
    /// Per requested credential, the statements asked for (catalogue
    /// attributes only), as a refusal's record names them.
    proven_names: Vec<Vec<ProvenStatement>>,
    /// Per requested credential, the status epoch it names (entries asked
    /// for licence status only).
    status_epochs: Vec<Option<u64>>,
}

/// A predicate's result as the API reports it (its wire names).
fn predicate_outcome(p: &zkcred_policy::evaluate::PredicateResult) -> PredicateOutcome {
    PredicateOutcome {
        predicate: p.predicate.clone(),
        status: serde_json::to_value(p.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        established: p
            .established
            .and_then(|e| serde_json::to_value(e).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    }
}

/// The log's form of statements: attribute name, operator and the
/// verifier's bound, never a value; a statement the log's rules refuse
/// ([`ProvenStatement::check`]: also an attribute name outside them) is
/// left out (bounds come from the verifier's own
/// request, so this only drops what no policy makes).
pub(crate) fn proven_statements(statements: &[Statement]) -> Vec<ProvenStatement> {
    let text = |v: &Option<Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    statements
        .iter()
        .map(|s| match s {
            Statement::Range(r) => ProvenStatement {
                attribute: r.attribute.clone(),
                bound: match r.op {
                    RangeOp::Between => format!("{}..{}", text(&r.min), text(&r.max)),
                    _ => text(&r.value),
                },
                op: r.op.symbol().to_owned(),
            },
            Statement::Equal(e) => ProvenStatement {
                attribute: e.attribute.clone(),
                bound: format!("entry{}.{}", e.to.entry, e.to.attribute),
                op: "equal".to_owned(),
            },
        })
        .filter(|p| p.check().is_ok())
        .collect()
}

impl Ctx<'_> {
    fn event(
        &self,
        outcome: Outcome,
        reason: &str,
        credentials: Vec<CredentialDisclosure>,
    ) -> DisclosureEvent {
        DisclosureEvent {
            timestamp: zkcred_translog::record::now_timestamp(),
            verifier: self.who.name.to_string(),
            policy: self.policy_ref.clone(),
            credentials,
            outcome,
            reason: reason.into(),
        }
    }

    async fn append(&self, event: DisclosureEvent) -> Result<u64, Problem> {
        match self.state.log_writer.append(event).await {
            Ok(Ok(seq)) => Ok(seq),
            // A database that is gone is a 503 the client can retry (with
            // a new challenge: this one is spent); anything else is ours.
            Ok(Err(e)) if e.code().status() == 503 => Err(Problem::from(e)),
            Ok(Err(e)) => Err(Problem::internal(&e)),
            Err(e) => Err(Problem::internal(&e)),
        }
    }

    /// Logs a refusal; returns the problem with the decision attached.
    async fn refuse(&mut self, p: Problem, issuers: &[String]) -> Problem {
        self.state.metrics.decision(false, p.code.as_str());
        let credentials = self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| CredentialDisclosure {
                credential_type: t.clone(),
                disclosed_attributes: self.disclosed_names.get(i).cloned().unwrap_or_default(),
                proven: self.proven_names.get(i).cloned().unwrap_or_default(),
                issuer: issuers
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| "unverified".into()),
                status_epoch: self.status_epochs.get(i).copied().flatten(),
            })
            .collect();
        let event = self.event(Outcome::Refused, p.code.as_str(), credentials);
        match self.append(event).await {
            Ok(seq) => p.with("decision", "refused").with("log_sequence", seq),
            Err(internal) => internal,
        }
    }

    async fn decide(
        &mut self,
        policy: &Policy,
        disclosed: Vec<DisclosedCredential>,
    ) -> Result<Accepted, Problem> {
        let issuers: Vec<String> = disclosed.iter().map(|d| d.issuer.clone()).collect();
        // What the verifier saw: every disclosed name, predicate inputs too.
        let summary: Vec<CredentialDisclosure> = disclosed
            .iter()
            .map(|d| CredentialDisclosure {
                credential_type: d.credential_type.clone(),
                disclosed_attributes: d.attributes.keys().cloned().collect(),
                issuer: d.issuer.clone(),
                proven: proven_statements(&d.statements),
                status_epoch: d.status_epoch,
            })
            .collect();
        let decision = self.state.registry.engine().conclude(policy, Ok(disclosed));
        let Some(values) = decision.values().filter(|_| decision.is_accepted()) else {
            let p = decision_problem(&decision);
            return Err(self.refuse(p, &issuers).await);
        };
        let credentials = values
            .requirements()
            .iter()
            .map(|r| DisclosedOut {
                requirement: r.requirement.clone(),
                credential_type: r.credential_type.clone(),
                issuer: r.issuer.clone(),
                attributes: r
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_ref().map_or(Value::Null, |v| v.to_json())))
                    .collect(),
                predicates: decision
                    .credentials
                    .iter()
                    .find(|c| c.requirement == r.requirement)
                    .map(|c| c.predicates.iter().map(predicate_outcome).collect())
                    .unwrap_or_default(),
                status_epoch: summary
                    .iter()
                    .find(|d| d.credential_type == r.credential_type && d.issuer == r.issuer)
                    .and_then(|d| d.status_epoch),
            })
            .collect();
        let links = decision
            .links
            .iter()
            .map(|l| LinkOutcome {
                attribute: l.attribute.clone(),
                requirements: l.requirements.clone(),
                status: "proven".to_owned(),
            })
            .collect();
        let seq = self
            .append(self.event(Outcome::Accepted, "ok", summary))
            .await?;
        self.state.metrics.decision(true, "ok");
        Ok(Accepted {
            decision: "accepted".to_owned(),
            reason: "ok".to_owned(),
            policy: self.policy_ref.clone(),
            log_sequence: seq,
            credentials,
            links,
            pseudonym: decision.pseudonym().map(str::to_owned),
        })
    }
}

/// Refusal with the issuers that were verified far enough to name.
type Refusal = (Problem, Vec<String>);

/// Shape, binding, keys, preparation (blocking thread), then the proofs
/// (batcher).
async fn verify(
    state: &Arc<AppState>,
    policy: Arc<Policy>,
    sub: Submission,
    announced: Upstream,
) -> Result<Vec<DisclosedCredential>, Refusal> {
    let st = Arc::clone(state);
    let (prepared, keys) = tokio::task::spawn_blocking(move || prepare(&st, &policy, &sub))
        .await
        .map_err(|e| (Problem::internal(&e), Vec::new()))??;
    let issuers: Vec<String> = keys.iter().map(|k| k.public.issuer.clone()).collect();
    let started = Instant::now();
    let (prepared, results) = if prepared.composite.is_some() {
        let prepared = Arc::new(prepared);
        let work = CompositeWork {
            prepared: Arc::clone(&prepared),
            keys: keys.iter().map(|k| Arc::clone(&k.verifier)).collect(),
        };
        let results = state
            .batcher
            .verify_composite(work, Some(announced))
            .await
            .map_err(|e| (batch_problem(e), issuers.clone()))?;
        // The job is done with its copy: this is the only one left.
        let prepared = Arc::try_unwrap(prepared).unwrap_or_else(|a| (*a).clone());
        (prepared, results)
    } else {
        let items = prepared
            .entries
            .iter()
            .zip(&keys)
            .map(|(e, k)| VerifyItem {
                suite: e.credential.suite,
                generators: e.generators,
                key: Arc::clone(&k.verifier),
                proof: e.proof.clone(),
                header: e.header.clone(),
                ph: e.presentation_header.clone(),
                disclosed: e.disclosed.clone(),
            })
            .collect();
        let results = state
            .batcher
            .verify(items, Some(announced))
            .await
            // After admission the queue has room for this job, so this is a
            // shutdown (or a failed worker): a logged refusal, as the challenge
            // is spent.
            .map_err(|e| (batch_problem(e), issuers.clone()))?;
        (prepared, results)
    };
    state.metrics.verified(started.elapsed());
    prepared
        .finish(results)
        .map_err(|e| (presentation_problem(&e), issuers))
}

/// The problem for a job the batcher does not take.
fn batch_problem(e: BatchError) -> Problem {
    match e {
        BatchError::Overloaded => Problem::new(
            ProblemCode::Overloaded,
            "the verification queue is full; retry later",
        ),
        BatchError::ShutDown => {
            Problem::new(ProblemCode::ShuttingDown, "the service is shutting down")
        }
    }
}

fn prepare(
    state: &AppState,
    policy: &Policy,
    sub: &Submission,
) -> Result<(PreparedPresentation, Vec<Arc<CachedKey>>), Refusal> {
    let now = OffsetDateTime::now_utc();
    state
        .registry
        .engine()
        .check_shape(policy, &sub.request, &sub.presentation)
        .map_err(|d| (decision_problem(&d), Vec::new()))?;
    check_binding(state.catalogue, &sub.request, &sub.presentation, now)
        .map_err(|e| (presentation_problem(&e), Vec::new()))?;
    let mut keys: Vec<Arc<CachedKey>> = Vec::with_capacity(sub.presentation.credentials.len());
    for pc in &sub.presentation.credentials {
        let k = state
            .registry
            .verification_key(&pc.issuer, &pc.key_id)
            .map_err(|p| (p, keys.iter().map(|k| k.public.issuer.clone()).collect()))?;
        keys.push(k);
    }
    let issuers: Vec<String> = keys.iter().map(|k| k.public.issuer.clone()).collect();
    let resolver = Resolved {
        keys,
        status: &state.status,
    };
    let prepared = prepare_presentation(
        state.catalogue,
        &sub.request,
        &sub.presentation,
        &resolver,
        now,
    )
    .map_err(|e| (presentation_problem(&e), issuers))?;
    Ok((prepared, resolver.keys))
}

/// The problem for a presentation the credential layer refuses. Details
/// name attributes and identifiers, never values.
pub fn presentation_problem(e: &CredError) -> Problem {
    use CredError as E;
    let detail = match e {
        E::ProofInvalid => "a presentation proof does not verify".into(),
        E::Malformed { what, .. } => format!("the {what} cannot be decoded"),
        E::Crypto(_) => "a proof cannot be decoded or checked".into(),
        E::UnrequestedDisclosure(name) => {
            format!("attribute {name} is disclosed but the policy does not ask for it")
        }
        E::MissingDisclosure(name) => format!("requested attribute {name} is not disclosed"),
        E::Attribute(zkcred_credential::AttributeError::NotInLayout { .. }) => {
            "a disclosed attribute is not in the credential type's layout".into()
        }
        E::Attribute(a) => attribute_detail(a),
        E::UnknownKey { issuer, .. } => format!("issuer {issuer} has no such key"),
        E::SuiteMismatch { .. } | E::UnknownSuite(_) => {
            "the ciphersuite does not match the issuer key".into()
        }
        E::IssuerNotAccepted(i) => format!("issuer {i} is not accepted by the policy"),
        E::WrongCredentialType { expected, .. } => {
            format!("expected a credential of type {expected}")
        }
        E::CredentialCountMismatch { expected, found } => {
            format!("the policy asks for {expected} credential(s), the presentation has {found}")
        }
        E::VerifierMismatch { .. } => "the presentation is for another verifier".into(),
        E::ChallengeMismatch => "the presentation answers another challenge".into(),
        E::RequestDigestMismatch => "the presentation answers another request".into(),
        E::RequestExpired(_) => "the request has expired".into(),
        E::UnsupportedFormat { .. } => "not a zkcred presentation of a supported version".into(),
        E::UnsupportedProof { .. } => "unsupported proof type or version".into(),
        E::UnsupportedStatement(_) => "statements are not supported".into(),
        E::UnsupportedEncodingVersion(v) => {
            format!("attribute encoding version {v} is not supported")
        }
        E::UnknownCredentialType(_) => "unknown credential type".into(),
        E::InvalidRequest(_) | E::InvalidIdentifier { .. } => {
            "the presentation request is invalid".into()
        }
        // Licence status: the epoch's number, never anything of the licence.
        E::LicenseNotValid => "the licence is not in its issuer's list of valid licences for the \
             status epoch presented: it is suspended, revoked or cancelled"
            .into(),
        E::StatusMissing { entry, reason } => {
            format!("entry {entry}: {reason}")
        }
        E::StatusEpochUnknown {
            issuer,
            credential_type,
            epoch,
        } => {
            format!("status epoch {epoch} of {issuer} for {credential_type} is not registered here")
        }
        E::StatusEpochStale {
            epoch,
            superseded_for,
            max_epoch_age,
        } => format!(
            "status epoch {epoch} was superseded {superseded_for} s ago and the policy accepts \
             at most {max_epoch_age} s: the holder must sync the licence's status"
        ),
        _ => "the presentation cannot be used".into(),
    };
    // The code comes from the credential crate's one mapping; a local-only
    // error (wallet, files) that reaches here is a presentation we cannot use.
    let code = match e.code() {
        c if c.status() >= 500 || c == ProblemCode::NotFound => ProblemCode::PresentationInvalid,
        c => c,
    };
    Problem::new(code, detail)
}

fn attribute_detail(a: &zkcred_credential::AttributeError) -> String {
    use zkcred_credential::AttributeError as A;
    let name = match a {
        A::NotInLayout { attribute, .. }
        | A::Missing { attribute }
        | A::TypeMismatch { attribute, .. }
        | A::InvalidDate { attribute, .. }
        | A::InvalidHex { attribute }
        | A::InvalidUtf8 { attribute }
        | A::TooLong { attribute, .. }
        | A::Invalid { attribute, .. } => attribute,
    };
    format!("disclosed attribute {name} is not a valid value of its type")
}
