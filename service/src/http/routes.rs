//! The router: routes, handlers, the JSON body extractor and the layers
//! every request goes through (`tower-http`'s body limit, timeout and
//! request spans, the request count; see `edges`).
//!
//! | route | roles |
//! | --- | --- |
//! | `GET /healthz`, `GET /metrics`, `GET /v1/openapi.json` | none |
//! | `POST /v1/challenges`, `POST /v1/presentations[/batch]`, `GET /v1/presentations/decisions/{challenge}` | verifier |
//! | `POST` under `/v1/issuers`, `/v1/agreements`, `/v1/policies` | admin |
//! | `GET /v1/issuers…`, `GET /v1/agreements…` | admin, regulator |
//! | `GET /v1/policies…` | admin, regulator, verifier |
//! | `GET /v1/policies/{id}/audit`, `GET /v1/audit/policies`, `/v1/log/…` | admin, regulator |
//! | `POST /v1/registry/status-epochs` | admin |
//! | `GET /v1/status-epochs/{issuer}/{credential_type}` | admin, regulator, verifier |
//!
//! Every route that takes a token spends one request of that token's rate
//! limit ([`Auth`]): 429 `rate_limited` with `Retry-After` when it is spent.

use std::sync::Arc;
use std::time::Duration;
use zkcred_problem::ProblemCode;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;
use zkcred_api::{
    Accepted, BatchRequest, BatchResponse, BatchResult, ConsistencyProof, ConsistencyQuery,
    Document, DocumentVersions, Health, HeldDecision, InclusionProof, InclusionQuery,
    IssuedChallenge, LogEntry, LogHead, LogRecords, PolicyAudit, PolicyAudits, ProblemDocument,
    RecordsQuery, StatusEpochSummary, DEFAULT_RECORDS, MAX_RECORDS,
};
use zkcred_credential::StatusEpoch;
use zkcred_policy::AuditReport;

use super::auth::{Auth, Role};
use super::config::LimitsConfig;
use super::decisions::{batch_result, Consumed, IdempotencyKey};
use super::metrics::{method_label, Format, Metrics, UNMATCHED};
use super::openapi::{
    BadRequest, BodyTooLarge, Forbidden, InternalError, TooManyRequests, Unauthorized, Unavailable,
};
use super::problem::{self, Problem};
use super::registry::{AGREEMENT_KIND, ISSUER_KIND, POLICY_KIND};
use super::state::{blocking, AppState};
use super::status::{self, StatusEpochError};
use super::verify::{self, ChallengeRequest, Submission};
use crate::coherence::Change;
use crate::storage::Storage;

type St = State<Arc<AppState>>;
type Answer = Result<Response, Problem>;

const ADMIN: &[Role] = &[Role::Admin];
const READ_REGISTRY: &[Role] = &[Role::Admin, Role::Regulator];
const READ_POLICIES: &[Role] = &[Role::Admin, Role::Regulator, Role::Verifier];
const VERIFIER: &[Role] = &[Role::Verifier];

/// Every route: its path template and its handlers by method. [`router`]
/// is built from this table alone, so the OpenAPI test can walk every path
/// the router serves; each handler carries its `#[utoipa::path]`.
fn route_table() -> Vec<(&'static str, MethodRouter<Arc<AppState>>)> {
    vec![
        ("/healthz", get(healthz)),
        ("/metrics", get(metrics)),
        ("/v1/openapi.json", get(openapi)),
        ("/v1/challenges", post(challenges)),
        ("/v1/presentations", post(presentations)),
        ("/v1/presentations/batch", post(presentations_batch)),
        ("/v1/presentations/decisions/{challenge}", get(decision)),
        ("/v1/issuers", get(list_issuers).post(create_issuer)),
        ("/v1/issuers/{id}", get(get_issuer)),
        ("/v1/issuers/{id}/versions", post(version_issuer)),
        ("/v1/issuers/{id}/retire", post(retire_issuer)),
        ("/v1/issuers/{id}/keys", get(list_keys).post(add_key)),
        ("/v1/issuers/{id}/keys/rotate", post(rotate_key)),
        ("/v1/issuers/{id}/keys/{key_id}/revoke", post(revoke_key)),
        (
            "/v1/agreements",
            get(list_agreements).post(create_agreement),
        ),
        ("/v1/agreements/{id}", get(get_agreement)),
        ("/v1/agreements/{id}/versions", post(version_agreement)),
        ("/v1/agreements/{id}/retire", post(retire_agreement)),
        ("/v1/policies", get(list_policies).post(create_policy)),
        ("/v1/policies/{id}", get(get_policy)),
        ("/v1/policies/{id}/versions", post(version_policy)),
        ("/v1/policies/{id}/retire", post(retire_policy)),
        ("/v1/policies/{id}/audit", get(audit_policy)),
        ("/v1/audit/policies", get(audit_policies)),
        ("/v1/log/head", get(log_head).post(sign_head)),
        ("/v1/log/records", get(log_records)),
        ("/v1/log/inclusion", get(log_inclusion)),
        ("/v1/log/consistency", get(log_consistency)),
        ("/v1/log/export", get(log_export)),
        ("/v1/registry/status-epochs", post(register_status_epoch)),
        (
            "/v1/status-epochs/{issuer}/{credential_type}",
            get(current_status_epoch),
        ),
    ]
}

/// Builds the router over `state`: the routes of `route_table`, problem
/// documents for unknown paths and methods, the `edges`.
pub fn router(state: Arc<AppState>) -> Router {
    let routes = route_table()
        .into_iter()
        .fold(Router::new(), |r, (path, methods)| r.route(path, methods))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    edges(routes, &state.config.limits, Arc::clone(&state.metrics)).with_state(state)
}

/// Wraps `routes` in what every request goes through, outermost first:
/// a request span ([`TraceLayer`]: method and route template, then status
/// and latency; never bodies, tokens or paths), the request count, the
/// mapping of the two layers' bare refusals to problem documents (a
/// `timeout` names the decisions its request started: [`Consumed`]), the
/// timeout ([`TimeoutLayer`]) and the body limit
/// ([`RequestBodyLimitLayer`]: a declared length over it is refused before
/// the body is read, a longer streamed body when [`JsonBody`] reads it).
fn edges<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    limits: &LimitsConfig,
    metrics: Arc<Metrics>,
) -> Router<S> {
    let timeout = Duration::from_millis(limits.request_timeout_ms);
    routes
        // The layer below enforces the limit; axum's own default (2 MB) would
        // otherwise apply on top of it.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(TimeoutLayer::with_status_code(TIMED_OUT, timeout))
        .layer(middleware::from_fn(
            move |mut req: Request, next: Next| async move {
                let consumed = Consumed::default();
                req.extensions_mut().insert(consumed.clone());
                as_problem(next.run(req).await, timeout, &consumed)
            },
        ))
        .layer(middleware::from_fn_with_state(metrics, count))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = method_label(req.method()),
                        route = req
                            .extensions()
                            .get::<MatchedPath>()
                            .map_or(UNMATCHED, MatchedPath::as_str),
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}

/// The status [`TimeoutLayer`] answers with; the service itself never
/// does, so [`as_problem`] can tell the timeout's answer apart.
const TIMED_OUT: StatusCode = StatusCode::REQUEST_TIMEOUT;

/// The problem document for a bare refusal of the library layers: 413
/// `body_too_large` (the body limit's plain-text answer) and 503 `timeout`
/// (the timeout's empty one; when the request had consumed challenges, with
/// where their decisions can be fetched: [`Consumed::member`]). Problem
/// documents pass unchanged.
fn as_problem(r: Response, timeout: Duration, consumed: &Consumed) -> Response {
    let is_problem = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes() == problem::PROBLEM_JSON.as_bytes());
    match r.status() {
        _ if is_problem => r,
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large().into_response(),
        TIMED_OUT => {
            let took = format!("the request took longer than {} ms", timeout.as_millis());
            match consumed.member() {
                Some((name, urls)) => Problem::new(
                    ProblemCode::Timeout,
                    format!(
                        "{took}; its decision goes on and is logged: fetch it at {name}, \
                         or resubmit the identical submission with the same Idempotency-Key"
                    ),
                )
                .with(name, urls),
                None => Problem::new(ProblemCode::Timeout, took),
            }
            .into_response()
        }
        _ => r,
    }
}

fn body_too_large() -> Problem {
    Problem::new(
        ProblemCode::BodyTooLarge,
        "the request body exceeds the configured limit",
    )
}

/// Counts every request by route template, method and status (labels from
/// closed sets: see [`Metrics::request`]).
async fn count(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let response = next.run(req).await;
    metrics.request(
        route.as_ref().map(MatchedPath::as_str),
        &method,
        response.status(),
    );
    response
}

/// A JSON body whose failures are problem documents: 413 `body_too_large`
/// beyond the limit, 400 `malformed_json` otherwise. The detail gives the
/// position and class of the error, never the offending text.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                body_too_large()
            } else {
                Problem::malformed_json("the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| json_problem(&e))
}

fn json_problem(e: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io | Category::Eof => "the JSON ends early",
        Category::Syntax => "JSON syntax error",
        Category::Data => "the JSON does not have the expected fields and types",
    };
    Problem::malformed_json(format!("{what} (line {}, column {})", e.line(), e.column()))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    q.map(|Query(t)| t)
        .map_err(|_| Problem::invalid("the query parameters are missing or not numbers"))
}

fn ok(v: impl serde::Serialize) -> Answer {
    Ok(Json(v).into_response())
}

fn created(v: impl serde::Serialize) -> Answer {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn not_found() -> Problem {
    Problem::new(ProblemCode::NotFound, "no such resource")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        ProblemCode::MethodNotAllowed,
        "this resource does not take that method",
    )
}

/// Liveness, storage and challenge store check
///
/// No token. Unhealthy when the storage or the challenge store (a shared
/// Redis, when configured) does not answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "`unhealthy`: storage or the challenge store is not answering; or `timeout`", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
async fn healthz(State(st): St) -> Answer {
    let s = Arc::clone(&st);
    // Both backends are asked, so a 503 names every one that is down.
    let (size, store) = tokio::join!(
        blocking(move || {
            s.log
                .storage()
                .disclosure_count()
                .map_err(|e| Problem::from(crate::Error::from(e)))
        }),
        st.challenges.ping()
    );
    let storage = if st.config.database.to_string_lossy().contains("://") {
        "postgres"
    } else {
        "sqlite"
    };
    let mut down = Vec::new();
    if size.is_err() {
        down.push(format!("storage ({storage}) is not answering"));
    }
    if store.is_err() {
        down.push(format!(
            "the challenge store ({}) is not answering",
            st.challenges.kind()
        ));
    }
    match size {
        Ok(log_size) if down.is_empty() => ok(Health {
            status: "ok".into(),
            log_size,
            batching: st.batcher.enabled(),
            storage: storage.into(),
            challenge_store: st.challenges.kind().into(),
        }),
        _ => Err(Problem::new(ProblemCode::Unhealthy, down.join("; "))),
    }
}

/// Prometheus metrics
///
/// No token. OpenMetrics text when `Accept` asks for
/// `application/openmetrics-text`, else Prometheus text format 0.0.4.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The metrics", content(
            ("text/plain; version=0.0.4; charset=utf-8"),
            ("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )),
    )
)]
async fn metrics(State(st): St, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok());
    let format = Format::negotiate(accept);
    let outstanding = st.challenges.live().await.ok();
    let text = st
        .metrics
        .render(format, st.registry.key_cache().stats(), outstanding);
    ([(header::CONTENT_TYPE, format.content_type())], text).into_response()
}

/// This document
///
/// No token. The OpenAPI 3.1 description of the API, generated from the
/// service's types and handlers.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object),
    )
)]
async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::DOCUMENT.clone(),
    )
        .into_response()
}

// --- verification ---------------------------------------------------------

/// Issue a one-time challenge
///
/// Roles: verifier. The answer holds the presentation request to hand to the
/// holder, for the policy's version in force, and when the challenge
/// expires. For a verifier with a configured request key the request is
/// signed (version 2) and carries the verifier's registration; otherwise it
/// is unsigned (version 1), which wallets refuse by default.
#[utoipa::path(
    post,
    path = "/v1/challenges",
    tag = "verification",
    security(("bearer" = ["verifier"])),
    request_body = ChallengeRequest,
    responses(
        (status = 201, description = "The presentation request and its expiry", body = IssuedChallenge),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`policy_not_found`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "`policy_retired`; or `registration_mismatch` (the verifier signs its requests, and its registration does not hold this policy version as it is)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 503, description = "`challenge_capacity_exceeded` (every verifier's challenges together fill the store; with `Retry-After`), `challenge_store_unavailable` (the shared challenge store does not answer; with `Retry-After`), `timeout` or `storage_busy`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
    )
)]
async fn challenges(
    State(st): St,
    Auth(who): Auth,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Answer {
    who.require(VERIFIER)?;
    created(verify::issue_challenge(&st, &who, body.policy).await?)
}

/// Verify a presentation and decide
///
/// Roles: verifier. Judged under the policy the challenge was issued for;
/// the decision, accepted or refused, is recorded in the disclosure log.
/// Refusals are problem documents with `decision: "refused"` and
/// `log_sequence` (policy refusals also `reasons`). Once its challenge is
/// consumed a decision is taken to its end even if the request times out or
/// the connection drops; `GET /v1/presentations/decisions/{challenge}`
/// answers it, and so does a retry: the identical submission (same
/// verifier, same JSON values) with the same `Idempotency-Key` header.
/// Without that header a submission on a consumed challenge is a replay
/// (`challenge_replayed`).
#[utoipa::path(
    post,
    path = "/v1/presentations",
    tag = "verification",
    security(("bearer" = ["verifier"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters chosen by the client, unique per submission: a retry of the identical submission with the same key answers the decision taken on it instead of `challenge_replayed`")),
    request_body = Submission,
    responses(
        (status = 200, description = "Accepted: the disclosed values the policy returns", body = Accepted),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 409, description = "`challenge_replayed`; or `policy_retired` (the policy was retired after the challenge was issued: refused and logged, with `decision` and `log_sequence`)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 410, description = "`challenge_expired`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Refused and logged: `proof_invalid`, `over_disclosure`, `missing_disclosure`, `unknown_issuer`, `unknown_key`, `key_revoked`, `issuer_not_accepted`, `request_not_from_policy`, `not_recognised`, `predicate_not_satisfied`, … (with `decision` and `log_sequence`); or a challenge refusal: `challenge_unknown`, `challenge_wrong_policy`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded`, `shutting_down`, `challenge_store_unavailable` (with `Retry-After`; the challenge may have been spent), `timeout` or `storage_busy`; a `timeout` after the challenge was consumed has `decision_url`: the decision goes on and is logged, fetch it there (or resubmit the identical submission with the same `Idempotency-Key`)", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
    )
)]
async fn presentations(
    State(st): St,
    Auth(who): Auth,
    key: IdempotencyKey,
    consumed: Consumed,
    JsonBody(sub): JsonBody<Submission>,
) -> Answer {
    who.require(VERIFIER)?;
    ok(verify::decide(&st, &who, sub, &key, &consumed).await?)
}

/// Verify many presentations
///
/// Roles: verifier. 1 to `limits.batch_items` submissions, each judged on
/// its own as by `POST /v1/presentations` (a malformed item is refused
/// alone; with an `Idempotency-Key`, an identical resubmission answers its
/// held decisions); one result
/// per item, in order. A `timeout` after challenges were consumed has
/// `decision_urls`, one per consumed challenge.
#[utoipa::path(
    post,
    path = "/v1/presentations/batch",
    tag = "verification",
    security(("bearer" = ["verifier"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "As for `POST /v1/presentations`: with the same key, the identical batch answers the decisions taken on its items")),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per item, in order", body = BatchResponse),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn presentations_batch(
    State(st): St,
    Auth(who): Auth,
    key: IdempotencyKey,
    consumed: Consumed,
    JsonBody(body): JsonBody<BatchRequest>,
) -> Answer {
    who.require(VERIFIER)?;
    consumed.batch();
    let limit = st.config.limits.batch_items;
    if body.items.is_empty() {
        return Err(Problem::invalid("a batch holds at least one item"));
    }
    if body.items.len() > limit {
        return Err(verify::limit_problem(
            "batch_items",
            limit,
            "the number of batch items",
        ));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, item) in body.items.into_iter().enumerate() {
        let (st, who, key, consumed) =
            (Arc::clone(&st), who.clone(), key.clone(), consumed.clone());
        tasks.spawn(async move {
            let r = match Submission::deserialize(&item) {
                Ok(sub) => verify::decide(&st, &who, sub, &key, &consumed).await,
                Err(e) => Err(Problem::malformed_json(format!(
                    "item {i}: the JSON does not have the expected fields and types ({})",
                    if e.is_data() { "data" } else { "syntax" }
                ))),
            };
            (i, r)
        });
    }
    let mut slots: Vec<Option<BatchResult>> = vec![None; tasks.len()];
    while let Some(joined) = tasks.join_next().await {
        let (i, r) = joined.map_err(|e| Problem::internal(&e))?;
        slots[i] = Some(batch_result(r));
    }
    // Every task reports its slot (or the join failed above).
    let results = slots.into_iter().flatten().collect();
    ok(BatchResponse { results })
}

/// The decision on a consumed challenge
///
/// Roles: verifier (the one the challenge was issued to). For a client that
/// did not get its answer (a `timeout`, a dropped connection): the decision
/// on the presentation that consumed `challenge` (64 hex digits), held in
/// memory for `[decisions] retention_secs`. `pending` (202) while it is
/// being taken.
#[utoipa::path(
    get,
    path = "/v1/presentations/decisions/{challenge}",
    tag = "verification",
    security(("bearer" = ["verifier"])),
    params(("challenge" = String, Path, description = "The challenge (64 hex digits) of the request the presentation answered")),
    responses(
        (status = 200, description = "Decided: `result` is what `POST /v1/presentations` answers", body = HeldDecision),
        (status = 202, description = "Still being decided; ask again", body = HeldDecision),
        (status = 400, description = "`challenge_malformed`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "`decision_unknown`: never consumed, another verifier's, or no longer held", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 429, response = TooManyRequests),
        (status = 503, description = "`timeout`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
    )
)]
async fn decision(State(st): St, Auth(who): Auth, Path(challenge): Path<String>) -> Answer {
    who.require(VERIFIER)?;
    match verify::held_decision(&st, &who, &challenge)? {
        (true, held) => ok(held),
        (false, held) => Ok((StatusCode::ACCEPTED, Json(held)).into_response()),
    }
}

// --- registry and policies ------------------------------------------------

/// A kind of versioned registry document with the same five routes (list,
/// get, create, new version, retire): who may read it, and its storage kind.
trait DocKind {
    const KIND: &'static str;
    const READ: &'static [Role];
}

/// `/v1/issuers`.
struct Issuers;
impl DocKind for Issuers {
    const KIND: &'static str = ISSUER_KIND;
    const READ: &'static [Role] = READ_REGISTRY;
}

/// `/v1/agreements`.
struct Agreements;
impl DocKind for Agreements {
    const KIND: &'static str = AGREEMENT_KIND;
    const READ: &'static [Role] = READ_REGISTRY;
}

/// `/v1/policies`: verifiers read them too.
struct Policies;
impl DocKind for Policies {
    const KIND: &'static str = POLICY_KIND;
    const READ: &'static [Role] = READ_POLICIES;
}

async fn list_docs<K: DocKind>(State(st): St, Auth(who): Auth) -> Answer {
    who.require(K::READ)?;
    ok(blocking(move || st.registry.list(K::KIND)).await?)
}

async fn get_doc<K: DocKind>(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(K::READ)?;
    let versions = blocking(move || st.registry.versions(K::KIND, &id)).await?;
    let latest = versions.last().cloned();
    ok(DocumentVersions { latest, versions })
}

async fn create_doc<K: DocKind>(
    State(st): St,
    Auth(who): Auth,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.create(K::KIND, &body)).await?;
    created(announced(&st, d).await)
}

async fn version_doc<K: DocKind>(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.new_version(K::KIND, &id, &body)).await?;
    created(announced(&st, d).await)
}

async fn retire_doc<K: DocKind>(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.retire(K::KIND, &id)).await?;
    ok(announced(&st, d).await)
}

/// Announces the change of a stored document to the nodes sharing the
/// store ([`crate::coherence`]), after it was committed and put in force
/// here; returns it.
async fn announced(st: &AppState, doc: Document) -> Document {
    st.coherence
        .publish(Change::document(&doc.kind, &doc.id))
        .await;
    doc
}

/// The five annotated handlers of a kind of versioned registry document
/// (list, create, get, new version, retire) over the generic ones above.
/// Each takes its doc comment (summary, description) and path literally:
/// `#[utoipa::path]` reads them as written.
macro_rules! registry_routes {
    (
        $kind:ty, tag = $tag:tt, read = [$($read:tt),*], id = $id:tt, not_found = $nf:tt;
        $(#[doc = $list_doc:tt])* list $list:ident $list_path:tt;
        $(#[doc = $create_doc:tt])* create $create:ident;
        $(#[doc = $get_doc:tt])* get $get:ident $get_path:tt;
        $(#[doc = $version_doc:tt])* version $version:ident $version_path:tt;
        $(#[doc = $retire_doc:tt])* retire $retire:ident $retire_path:tt;
    ) => {
        $(#[doc = $list_doc])*
        #[utoipa::path(
            get,
            path = $list_path,
            tag = $tag,
            security(("bearer" = [$($read),*])),
            responses(
                (status = 200, description = "The latest version of each", body = Vec<Document>),
                (status = 401, response = Unauthorized),
                (status = 429, response = TooManyRequests),
                (status = 403, response = Forbidden),
                (status = 500, response = InternalError),
                (status = 503, response = Unavailable),
            )
        )]
        async fn $list(st: St, auth: Auth) -> Answer {
            list_docs::<$kind>(st, auth).await
        }

        $(#[doc = $create_doc])*
        #[utoipa::path(
            post,
            path = $list_path,
            tag = $tag,
            security(("bearer" = ["admin"])),
            request_body(content = Object, description = "The document, as its crate's format defines it"),
            responses(
                (status = 201, description = "Created: version 1", body = Document),
                (status = 400, response = BadRequest),
                (status = 413, response = BodyTooLarge),
                (status = 401, response = Unauthorized),
                (status = 429, response = TooManyRequests),
                (status = 403, response = Forbidden),
                (status = 409, description = "`already_exists`", body = ProblemDocument, content_type = "application/problem+json"),
                (status = 500, response = InternalError),
                (status = 503, response = Unavailable),
            )
        )]
        async fn $create(st: St, auth: Auth, body: JsonBody<Value>) -> Answer {
            create_doc::<$kind>(st, auth, body).await
        }

        $(#[doc = $get_doc])*
        #[utoipa::path(
            get,
            path = $get_path,
            tag = $tag,
            security(("bearer" = [$($read),*])),
            params(("id" = String, Path, description = $id)),
            responses(
                (status = 200, description = "The latest version and every version, oldest first", body = DocumentVersions),
                (status = 401, response = Unauthorized),
                (status = 429, response = TooManyRequests),
                (status = 403, response = Forbidden),
                (status = 404, description = $nf, body = ProblemDocument, content_type = "application/problem+json"),
                (status = 500, response = InternalError),
                (status = 503, response = Unavailable),
            )
        )]
        async fn $get(st: St, auth: Auth, id: Path<String>) -> Answer {
            get_doc::<$kind>(st, auth, id).await
        }

        $(#[doc = $version_doc])*
        #[utoipa::path(
            post,
            path = $version_path,
            tag = $tag,
            security(("bearer" = ["admin"])),
            params(("id" = String, Path, description = $id)),
            request_body(content = Object, description = "The next version of the document"),
            responses(
                (status = 201, description = "Stored; the previous version retired", body = Document),
                (status = 400, response = BadRequest),
                (status = 413, response = BodyTooLarge),
                (status = 401, response = Unauthorized),
                (status = 429, response = TooManyRequests),
                (status = 403, response = Forbidden),
                (status = 404, description = $nf, body = ProblemDocument, content_type = "application/problem+json"),
                (status = 409, description = "`document_version_conflict`", body = ProblemDocument, content_type = "application/problem+json"),
                (status = 500, response = InternalError),
                (status = 503, response = Unavailable),
            )
        )]
        async fn $version(st: St, auth: Auth, id: Path<String>, body: JsonBody<Value>) -> Answer {
            version_doc::<$kind>(st, auth, id, body).await
        }

        $(#[doc = $retire_doc])*
        #[utoipa::path(
            post,
            path = $retire_path,
            tag = $tag,
            security(("bearer" = ["admin"])),
            params(("id" = String, Path, description = $id)),
            responses(
                (status = 200, description = "Retired", body = Document),
                (status = 401, response = Unauthorized),
                (status = 429, response = TooManyRequests),
                (status = 403, response = Forbidden),
                (status = 404, description = $nf, body = ProblemDocument, content_type = "application/problem+json"),
                (status = 500, response = InternalError),
                (status = 503, response = Unavailable),
            )
        )]
        async fn $retire(st: St, auth: Auth, id: Path<String>) -> Answer {
            retire_doc::<$kind>(st, auth, id).await
        }
    };
}

registry_routes! {
    Issuers, tag = "issuers", read = ["admin", "regulator"],
    id = "The issuer's identifier", not_found = "`issuer_not_found`";
    /// List issuers
    ///
    /// Roles: admin, regulator. The latest version of each issuer.
    list list_issuers "/v1/issuers";
    /// Register an issuer
    ///
    /// Roles: admin. The body is an issuer document of the trust registry;
    /// it is stored as version 1.
    create create_issuer;
    /// An issuer
    ///
    /// Roles: admin, regulator. Its latest version and every version.
    get get_issuer "/v1/issuers/{id}";
    /// Store an issuer's next version
    ///
    /// Roles: admin. The previous version is retired.
    version version_issuer "/v1/issuers/{id}/versions";
    /// Retire an issuer
    ///
    /// Roles: admin.
    retire retire_issuer "/v1/issuers/{id}/retire";
}

registry_routes! {
    Agreements, tag = "agreements", read = ["admin", "regulator"],
    id = "The agreement's identifier", not_found = "`agreement_not_found`";
    /// List agreements
    ///
    /// Roles: admin, regulator. The latest version of each agreement.
    list list_agreements "/v1/agreements";
    /// Register an agreement
    ///
    /// Roles: admin. The body is a recognition agreement of the trust
    /// registry; it is stored as version 1.
    create create_agreement;
    /// An agreement
    ///
    /// Roles: admin, regulator. Its latest version and every version.
    get get_agreement "/v1/agreements/{id}";
    /// Store an agreement's next version
    ///
    /// Roles: admin. The previous version is retired.
    version version_agreement "/v1/agreements/{id}/versions";
    /// Retire an agreement
    ///
    /// Roles: admin.
    retire retire_agreement "/v1/agreements/{id}/retire";
}

registry_routes! {
    Policies, tag = "policies", read = ["admin", "regulator", "verifier"],
    id = "The policy's identifier", not_found = "`policy_not_found`";
    /// List policies
    ///
    /// Roles: admin, regulator, verifier. The latest version of each policy.
    list list_policies "/v1/policies";
    /// Register a policy
    ///
    /// Roles: admin. The body is a policy document; its own `version` is
    /// the stored version.
    create create_policy;
    /// A policy
    ///
    /// Roles: admin, regulator, verifier. Its latest version and every
    /// version.
    get get_policy "/v1/policies/{id}";
    /// Store a policy's next version
    ///
    /// Roles: admin. The body's `version` must be the next one; the previous
    /// version is retired.
    version version_policy "/v1/policies/{id}/versions";
    /// Retire a policy
    ///
    /// Roles: admin.
    retire retire_policy "/v1/policies/{id}/retire";
}

/// An issuer's keys
///
/// Roles: admin, regulator. Every version of every key, with its status.
#[utoipa::path(
    get,
    path = "/v1/issuers/{id}/keys",
    tag = "issuers",
    security(("bearer" = ["admin", "regulator"])),
    params(("id" = String, Path, description = "The issuer's identifier")),
    responses(
        (status = 200, description = "The issuer's keys", body = Vec<Document>),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn list_keys(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(READ_REGISTRY)?;
    ok(blocking(move || st.registry.keys_of(&id)).await?)
}

/// Add an issuer public key
///
/// Roles: admin. The body is a public key document of the credential crate
/// (`<key_id>.public.json`).
#[utoipa::path(
    post,
    path = "/v1/issuers/{id}/keys",
    tag = "issuers",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The issuer's identifier")),
    request_body(content = Object, description = "A public key document (credential crate, `<key_id>.public.json`)"),
    responses(
        (status = 201, description = "Added", body = Document),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`issuer_not_found`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "`already_exists` or `issuer_retired`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn add_key(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.add_key(&id, &body, false)).await?;
    created(announced(&st, d).await)
}

/// Rotate an issuer's keys
///
/// Roles: admin. Adds the key and retires the issuer's other active keys
/// (retired keys still verify the credentials they signed).
#[utoipa::path(
    post,
    path = "/v1/issuers/{id}/keys/rotate",
    tag = "issuers",
    security(("bearer" = ["admin"])),
    params(("id" = String, Path, description = "The issuer's identifier")),
    request_body(content = Object, description = "A public key document (credential crate, `<key_id>.public.json`)"),
    responses(
        (status = 201, description = "Added; the others retired", body = Document),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`issuer_not_found`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "`already_exists` or `issuer_retired`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn rotate_key(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.add_key(&id, &body, true)).await?;
    created(announced(&st, d).await)
}

/// Revoke an issuer key
///
/// Roles: admin. Nothing verifies under a revoked key any more.
#[utoipa::path(
    post,
    path = "/v1/issuers/{id}/keys/{key_id}/revoke",
    tag = "issuers",
    security(("bearer" = ["admin"])),
    params(
        ("id" = String, Path, description = "The issuer's identifier"),
        ("key_id" = String, Path, description = "The key's identifier"),
    ),
    responses(
        (status = 200, description = "Revoked", body = Document),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`key_not_found`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn revoke_key(
    State(st): St,
    Auth(who): Auth,
    Path((id, key_id)): Path<(String, String)>,
) -> Answer {
    who.require(ADMIN)?;
    let s = Arc::clone(&st);
    let d = blocking(move || s.registry.revoke_key(&id, &key_id)).await?;
    ok(announced(&st, d).await)
}

fn audited(
    st: &AppState,
    doc: crate::storage::Document,
) -> Result<PolicyAudit<AuditReport>, Problem> {
    let policy = st
        .registry
        .engine()
        .policy(&doc)
        .map_err(|e| Problem::internal(&e))?;
    let audit = st.registry.engine().audit(&policy);
    Ok(PolicyAudit { policy: doc, audit })
}

/// A policy with its minimisation audit
///
/// Roles: admin, regulator. The latest version of the policy and its
/// data-minimisation audit.
#[utoipa::path(
    get,
    path = "/v1/policies/{id}/audit",
    tag = "policies",
    security(("bearer" = ["admin", "regulator"])),
    params(("id" = String, Path, description = "The policy's identifier")),
    responses(
        (status = 200, description = "The policy and its audit", body = PolicyAudit),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`policy_not_found`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn audit_policy(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(READ_REGISTRY)?;
    let s = Arc::clone(&st);
    let doc = blocking(move || s.registry.get(POLICY_KIND, &id, None)).await?;
    ok(audited(&st, doc)?)
}

/// Every policy with its minimisation audit
///
/// Roles: admin, regulator. The latest version of every policy, by id.
#[utoipa::path(
    get,
    path = "/v1/audit/policies",
    tag = "policies",
    security(("bearer" = ["admin", "regulator"])),
    responses(
        (status = 200, description = "The policies and their audits", body = PolicyAudits),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn audit_policies(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    let s = Arc::clone(&st);
    let policies = blocking(move || s.registry.list(POLICY_KIND)).await?;
    let out = policies
        .into_iter()
        .map(|d| audited(&st, d))
        .collect::<Result<Vec<_>, _>>()?;
    ok(PolicyAudits { policies: out })
}

// --- licence status -----------------------------------------------------------

/// Register a licence status epoch
///
/// Roles: admin. The body is an issuer's signed status epoch document
/// (`zkcred-status-epoch`, as `zkcred issuer status … --publish` writes
/// it). The service checks the signature with the issuer's registered
/// key, that the issuer issues the credential type, that the epoch chains
/// onto the epochs it holds (`previous` is the digest of the stored epoch
/// before it; publication times never go back) and keeps the accumulator
/// key of the epochs before; then stores it (append-only) and resolves
/// presentations naming it from then on. The first epoch of an issuer and
/// type may have any number. The identical document again answers 200
/// with the stored epoch; another document for a stored number is
/// refused.
#[utoipa::path(
    post,
    path = "/v1/registry/status-epochs",
    tag = "status",
    security(("bearer" = ["admin"])),
    request_body(content = zkcred_api::openapi::StatusEpochSchema, description = "A signed status epoch document"),
    responses(
        (status = 201, description = "Stored and in force", body = StatusEpochSummary),
        (status = 200, description = "The identical document was stored before", body = StatusEpochSummary),
        (status = 400, response = BadRequest),
        (status = 413, response = BodyTooLarge),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 409, description = "`status_chain_broken`: `previous` is not the stored epoch before, a stored neighbour does not chain onto it, or another document is stored for its number", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "`status_signature_invalid`, `status_key_mismatch` (another accumulator key than the stored epochs'), `status_issuer_mismatch` (a type the issuer does not issue), `unknown_issuer`, `unknown_key`, `key_revoked`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn register_status_epoch(
    State(st): St,
    Auth(who): Auth,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    let epoch = StatusEpoch::from_json(&body.to_string())
        .map_err(|e| StatusEpochError::Document(e).problem())?;
    let s = Arc::clone(&st);
    let (summary, is_new) = blocking(move || {
        s.status
            .register(
                s.log.storage(),
                &s.registry,
                s.catalogue,
                epoch,
                time::OffsetDateTime::now_utc(),
            )
            .map_err(StatusEpochError::problem)
    })
    .await?;
    if is_new {
        st.coherence
            .publish(Change::StatusEpoch {
                issuer: summary.issuer.clone(),
                credential_type: summary.credential_type.clone(),
                epoch: summary.epoch,
            })
            .await;
        created(summary)
    } else {
        ok(summary)
    }
}

/// The current licence status epoch of an issuer and credential type
///
/// Roles: admin, regulator, verifier. The highest epoch the service holds
/// for them, as the issuer signed it.
#[utoipa::path(
    get,
    path = "/v1/status-epochs/{issuer}/{credential_type}",
    tag = "status",
    security(("bearer" = ["admin", "regulator", "verifier"])),
    params(
        ("issuer" = String, Path, description = "The issuer's identifier"),
        ("credential_type" = String, Path, description = "The credential type"),
    ),
    responses(
        (status = 200, description = "The signed status epoch document", body = zkcred_api::openapi::StatusEpochSchema),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: no epoch of this issuer and type is registered", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn current_status_epoch(
    State(st): St,
    Auth(who): Auth,
    Path((issuer, credential_type)): Path<(String, String)>,
) -> Answer {
    who.require(READ_POLICIES)?;
    ok(
        blocking(move || status::current_document(st.log.storage(), &issuer, &credential_type))
            .await?,
    )
}

// --- disclosure log ---------------------------------------------------------

/// The log's head
///
/// Roles: admin, regulator. The current tree size, the latest signed tree
/// head and the log's public key.
#[utoipa::path(
    get,
    path = "/v1/log/head",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    responses(
        (status = 200, description = "The head", body = LogHead),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn log_head(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    let s = Arc::clone(&st);
    let (size, head) = blocking(move || {
        let storage = s.log.storage();
        let err = |e| Problem::from(crate::Error::from(e));
        Ok((
            storage.disclosure_count().map_err(err)?,
            storage.latest_tree_head().map_err(err)?,
        ))
    })
    .await?;
    ok(LogHead {
        tree_size: size,
        signed_head: head,
        log_public_key: st.log.public_key().to_hex(),
    })
}

/// Sign a tree head now
///
/// Roles: admin, regulator.
#[utoipa::path(
    post,
    path = "/v1/log/head",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    responses(
        (status = 201, description = "The signed head", body = zkcred_translog::SignedTreeHead),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn sign_head(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    created(blocking(move || st.log.sign_head().map_err(Problem::from)).await?)
}

/// A page of disclosure records
///
/// Roles: admin, regulator. Records `[start, end)`, at most `limit` (default
/// 100, at most 1000); `next` in the answer is the following page's start.
#[utoipa::path(
    get,
    path = "/v1/log/records",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    params(RecordsQuery),
    responses(
        (status = 200, description = "The records", body = LogRecords),
        (status = 400, description = "`invalid_request` (query) or `log_range_out_of_bounds`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn log_records(
    State(st): St,
    Auth(who): Auth,
    q: Result<Query<RecordsQuery>, QueryRejection>,
) -> Answer {
    who.require(READ_REGISTRY)?;
    let q = query(q)?;
    let page = blocking(move || {
        let storage = st.log.storage();
        let err = |e| Problem::from(crate::Error::from(e));
        let size = storage.disclosure_count().map_err(err)?;
        let start = q.start.unwrap_or(0);
        let until = q.end.unwrap_or(size);
        let limit = q.limit.unwrap_or(DEFAULT_RECORDS).clamp(1, MAX_RECORDS);
        let end = until.min(start.saturating_add(limit));
        if start > end {
            return Err(Problem::invalid("start must not exceed end"));
        }
        let entries = storage.read_disclosures(start..end).map_err(err)?;
        Ok(LogRecords {
            records: entries
                .into_iter()
                .map(|e| LogEntry {
                    record: e.record,
                    leaf_hash: e.leaf_hash,
                })
                .collect(),
            next: (end < until.min(size)).then_some(end),
        })
    })
    .await?;
    ok(page)
}

/// The default size for proofs: the latest signed head's, else the log's.
fn default_size(st: &AppState) -> Result<u64, Problem> {
    let storage = st.log.storage();
    let err = |e| Problem::from(crate::Error::from(e));
    match storage.latest_tree_head().map_err(err)? {
        Some(h) => Ok(h.tree_size),
        None => storage.disclosure_count().map_err(err),
    }
}

/// An inclusion proof
///
/// Roles: admin, regulator. The proof that record `index` is in the tree of
/// `tree_size` records.
#[utoipa::path(
    get,
    path = "/v1/log/inclusion",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionProof),
        (status = 400, description = "`invalid_request` (query), `log_range_out_of_bounds` or `tree_head_beyond_log`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn log_inclusion(
    State(st): St,
    Auth(who): Auth,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> Answer {
    who.require(READ_REGISTRY)?;
    let q = query(q)?;
    ok(blocking(move || {
        let tree_size = match q.tree_size {
            Some(n) => n,
            None => default_size(&st)?,
        };
        st.log
            .inclusion_proof(q.index, tree_size)
            .map_err(Problem::from)
    })
    .await?)
}

/// A consistency proof
///
/// Roles: admin, regulator. The proof that the tree of `old_size` records is
/// a prefix of the tree of `new_size`.
#[utoipa::path(
    get,
    path = "/v1/log/consistency",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof),
        (status = 400, description = "`invalid_request` (query), `log_range_out_of_bounds` or `tree_head_beyond_log`", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, response = Unavailable),
    )
)]
async fn log_consistency(
    State(st): St,
    Auth(who): Auth,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Answer {
    who.require(READ_REGISTRY)?;
    let q = query(q)?;
    ok(blocking(move || {
        let new_size = match q.new_size {
            Some(n) => n,
            None => default_size(&st)?,
        };
        st.log
            .consistency_proof(q.old_size, new_size)
            .map_err(Problem::from)
    })
    .await?)
}

/// Export the whole log
///
/// Roles: admin, regulator. Every record and signed head, verifiable offline
/// (`zkcred audit verify`). The document is streamed (chunked, no
/// `Content-Length`), a page of records at a time, as the log was when the
/// export started; a failure mid-stream ends it early (a truncated document,
/// which does not parse). At most `disclosure_log.max_concurrent_exports`
/// run at once: another gets 503 `log_export_busy` with `Retry-After`.
#[utoipa::path(
    get,
    path = "/v1/log/export",
    tag = "log",
    security(("bearer" = ["admin", "regulator"])),
    responses(
        (status = 200, description = "The export, streamed", body = zkcred_translog::LogExport),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 403, response = Forbidden),        (status = 500, response = InternalError),
        (status = 503, description = "`log_export_busy` (retry after `Retry-After` seconds), `timeout` or `storage_busy`", body = ProblemDocument, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait (with `log_export_busy`)"))),
    )
)]
async fn log_export(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    super::export::respond(st).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edge layers over two test routes, served on a loopback port.
    async fn serve_edges(metrics: Arc<Metrics>) -> std::net::SocketAddr {
        let limits = LimitsConfig {
            body_bytes: 1024,
            batch_items: 1,
            request_timeout_ms: 50,
        };
        let routes = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route(
                "/echo",
                post(|JsonBody(v): JsonBody<Value>| async move { Json(v) }),
            );
        let app = edges(routes, &limits, metrics);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    async fn problem_code(r: reqwest::Response) -> (u16, String) {
        let status = r.status().as_u16();
        assert_eq!(r.headers()[header::CONTENT_TYPE], problem::PROBLEM_JSON);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], status);
        (status, v["code"].as_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn timeout_and_body_limit_answer_problem_documents() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let metrics = Arc::new(Metrics::default());
        let addr = serve_edges(Arc::clone(&metrics)).await;
        let http = reqwest::Client::new();

        let r = http
            .get(format!("http://{addr}/slow"))
            .send()
            .await
            .unwrap();
        assert_eq!(problem_code(r).await, (503, "timeout".to_owned()));

        let echo = format!("http://{addr}/echo");
        let r = http.post(&echo).body("[1, 2]").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // A declared length over the limit: refused before the body is read.
        let r = http
            .post(&echo)
            .body(vec![b' '; 2048])
            .send()
            .await
            .unwrap();
        assert_eq!(problem_code(r).await, (413, "body_too_large".to_owned()));
        // A streamed (chunked) body over the limit: refused while read.
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let chunk = " ".repeat(2048);
        let request = format!(
            "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\
             connection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len()
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("\"code\":\"body_too_large\""), "{answer}");

        let text = metrics.render(Format::Prometheus, Default::default(), Some(0));
        for series in [
            "{route=\"/slow\",method=\"GET\",status=\"503\"} 1",
            "{route=\"/echo\",method=\"POST\",status=\"413\"} 2",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
    }
}

#[cfg(test)]
mod openapi_tests {
    //! The generated OpenAPI document against the router itself.

    use std::collections::BTreeSet;

    use axum::body::Body;
    use axum::http::Method;
    use tower::ServiceExt;

    use super::*;
    use crate::http::openapi::DOCUMENT;
    use crate::http::{Config, Server};

    fn document() -> Value {
        serde_json::from_slice(&DOCUMENT).unwrap()
    }

    /// The methods a route could have; a documented operation of another
    /// method would not be checked.
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    /// Every documented operation: (method, path template).
    fn operations(doc: &Value) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                assert!(METHODS.contains(&method.as_str()), "{method} {path}");
                out.insert((method.clone(), path.clone()));
            }
        }
        out
    }

    /// A concrete path for a template: each `{param}` becomes `probe`.
    fn concrete(template: &str) -> String {
        template
            .split('/')
            .map(|seg| if seg.starts_with('{') { "probe" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// What the router answers `method path` (no token, empty body):
    /// status and problem code, if a problem.
    async fn probe(app: &Router, method: &str, path: &str) -> (StatusCode, Option<String>) {
        let request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(concrete(path))
            .body(Body::empty())
            .unwrap();
        let r = app.clone().oneshot(request).await.unwrap();
        let status = r.status();
        let is_problem = r.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes())
            == Some(problem::PROBLEM_JSON.as_bytes());
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let code = is_problem.then(|| {
            let v: Value = serde_json::from_slice(&body).unwrap();
            v["code"].as_str().unwrap().to_owned()
        });
        (status, code)
    }

    /// Every route the router answers (method and path template) is a
    /// documented operation, and every documented operation is answered by
    /// a route: an undocumented route (a handler without `#[utoipa::path]`,
    /// or one missing from `ApiDoc`'s `paths`) fails here.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn openapi_documents_the_router_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: dir.path().join("zkcred.db"),
            log_key: dir.path().join("log.key"),
            ..Config::default()
        };
        let server = Server::start(config).await.unwrap();
        let app = router(Arc::clone(server.state()));
        let doc = document();
        let documented = operations(&doc);
        let unrouted = |code: &Option<String>| {
            matches!(code.as_deref(), Some("not_found" | "method_not_allowed"))
        };

        // Router → document: every path of the table, with exactly the
        // methods the router answers on it.
        let mut served = BTreeSet::new();
        for (path, _) in route_table() {
            assert!(
                doc["paths"][path].is_object(),
                "{path} is routed but not in the OpenAPI document"
            );
            for method in METHODS {
                let (status, code) = probe(&app, method, path).await;
                let answered = !unrouted(&code);
                assert_eq!(
                    answered,
                    documented.contains(&(method.to_owned(), path.to_owned())),
                    "{method} {path}: the router answers {status} {code:?}, \
                     the document {} it",
                    if answered { "lacks" } else { "has" }
                );
                if answered {
                    served.insert((method.to_owned(), path.to_owned()));
                } else {
                    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                }
            }
        }
        // Document → router: nothing documented that is not served.
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(unserved.is_empty(), "documented, not routed: {unserved:?}");
        assert!(served.len() >= 33, "{served:?}");
        for (method, path) in &documented {
            let (status, code) = probe(&app, method, path).await;
            assert!(!unrouted(&code), "{method} {path}: {status} {code:?}");
        }
        // A path the router does not know is the fallback's 404.
        let (status, code) = probe(&app, "get", "/v1/nothing-here").await;
        assert_eq!(
            (status, code.as_deref()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );

        // And it is the document the route serves.
        let (status, _) = probe(&app, "get", "/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        server.shutdown().await.unwrap();
    }

    /// The value at a local reference (`#/components/...`).
    fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
        doc.pointer(reference.strip_prefix('#')?)
    }

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// OpenAPI 3.1, self-contained (every `$ref` resolves within it), every
    /// operation described, with responses and (unless public) the bearer
    /// scheme with roles that exist.
    #[test]
    fn openapi_document_is_complete_and_self_contained() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));

        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 50, "{}", all.len());
        for r in all {
            assert!(
                r.starts_with("#/components/") && resolve(&doc, r).is_some(),
                "unresolved $ref {r}"
            );
        }

        let scheme = &doc["components"]["securitySchemes"]["bearer"];
        assert_eq!(
            (&scheme["type"], &scheme["scheme"]),
            (&"http".into(), &"bearer".into())
        );
        let public = ["/healthz", "/metrics", "/v1/openapi.json"];
        for (method, path) in operations(&doc) {
            let op = &doc["paths"][&path][&method];
            let what = format!("{method} {path}");
            for field in ["summary", "description"] {
                assert!(
                    op[field].as_str().is_some_and(|s| !s.trim().is_empty()),
                    "{what} has no {field}"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success response"
            );
            for (status, response) in responses {
                let response = match response["$ref"].as_str() {
                    Some(r) => resolve(&doc, r).unwrap(),
                    None => response,
                };
                assert!(response["description"].is_string(), "{what} {status}");
                if !status.starts_with('2') {
                    assert!(
                        response["content"][problem::PROBLEM_JSON].is_object(),
                        "{what} {status} is not a problem document"
                    );
                }
            }
            if public.contains(&path.as_str()) {
                assert!(op.get("security").is_none(), "{what}");
                continue;
            }
            let security = op["security"].as_array().expect(&what);
            assert_eq!(security.len(), 1, "{what}");
            let roles = security[0]["bearer"].as_array().expect(&what);
            assert!(!roles.is_empty(), "{what}");
            for role in roles {
                let role: Role = serde_json::from_value(role.clone()).expect(&what);
                assert!(
                    responses.contains_key("401")
                        && responses.contains_key("403")
                        && responses.contains_key("429"),
                    "{what} {role:?}"
                );
            }
        }

        // The problem document's `code` is every problem code.
        let code = &doc["components"]["schemas"]["ProblemDocument"];
        let text = code.to_string();
        for c in ProblemCode::ALL {
            assert!(text.contains(&format!("\"{}\"", c.as_str())), "{c}");
        }
    }
}
