//! The router: routes, handlers, the JSON body extractor and the layers
//! every request goes through (`tower-http`'s body limit, timeout and
//! request spans, the request count; see [`edges`]).
//!
//! | route | roles |
//! | --- | --- |
//! | `GET /healthz`, `GET /metrics`, `GET /v1/openapi.json` | none |
//! | `POST /v1/challenges`, `POST /v1/presentations[/batch]` | verifier |
//! | `POST` under `/v1/issuers`, `/v1/agreements`, `/v1/policies` | admin |
//! | `GET /v1/issuers…`, `GET /v1/agreements…` | admin, regulator |
//! | `GET /v1/policies…` | admin, regulator, verifier |
//! | `GET /v1/policies/{id}/audit`, `GET /v1/audit/policies`, `/v1/log/…` | admin, regulator |

use std::sync::Arc;
use std::time::Duration;
use zkcred_problem::ProblemCode;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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
    BatchRequest, BatchResponse, BatchResult, ConsistencyQuery, DocumentVersions, Health,
    InclusionQuery, LogEntry, LogHead, LogRecords, PolicyAudit, PolicyAudits, RecordsQuery,
    DEFAULT_RECORDS, MAX_RECORDS,
};
use zkcred_policy::AuditReport;

use super::auth::{Auth, Role};
use super::config::LimitsConfig;
use super::metrics::{method_label, Format, Metrics, UNMATCHED};
use super::problem::{self, Problem};
use super::registry::{AGREEMENT_KIND, ISSUER_KIND, POLICY_KIND};
use super::state::{blocking, AppState};
use super::verify::{self, ChallengeRequest, Submission};
use crate::storage::Storage;

/// The OpenAPI 3.1 document served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

type St = State<Arc<AppState>>;
type Answer = Result<Response, Problem>;

const ADMIN: &[Role] = &[Role::Admin];
const READ_REGISTRY: &[Role] = &[Role::Admin, Role::Regulator];
const READ_POLICIES: &[Role] = &[Role::Admin, Role::Regulator, Role::Verifier];
const VERIFIER: &[Role] = &[Role::Verifier];

/// Builds the router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/challenges", post(challenges))
        .route("/v1/presentations", post(presentations))
        .route("/v1/presentations/batch", post(presentations_batch))
        .route(
            "/v1/issuers",
            get(list_docs::<Issuers>).post(create_doc::<Issuers>),
        )
        .route("/v1/issuers/{id}", get(get_doc::<Issuers>))
        .route("/v1/issuers/{id}/versions", post(version_doc::<Issuers>))
        .route("/v1/issuers/{id}/retire", post(retire_doc::<Issuers>))
        .route("/v1/issuers/{id}/keys", get(list_keys).post(add_key))
        .route("/v1/issuers/{id}/keys/rotate", post(rotate_key))
        .route("/v1/issuers/{id}/keys/{key_id}/revoke", post(revoke_key))
        .route(
            "/v1/agreements",
            get(list_docs::<Agreements>).post(create_doc::<Agreements>),
        )
        .route("/v1/agreements/{id}", get(get_doc::<Agreements>))
        .route(
            "/v1/agreements/{id}/versions",
            post(version_doc::<Agreements>),
        )
        .route("/v1/agreements/{id}/retire", post(retire_doc::<Agreements>))
        .route(
            "/v1/policies",
            get(list_docs::<Policies>).post(create_doc::<Policies>),
        )
        .route("/v1/policies/{id}", get(get_doc::<Policies>))
        .route("/v1/policies/{id}/versions", post(version_doc::<Policies>))
        .route("/v1/policies/{id}/retire", post(retire_doc::<Policies>))
        .route("/v1/policies/{id}/audit", get(audit_policy))
        .route("/v1/audit/policies", get(audit_policies))
        .route("/v1/log/head", get(log_head).post(sign_head))
        .route("/v1/log/records", get(log_records))
        .route("/v1/log/inclusion", get(log_inclusion))
        .route("/v1/log/consistency", get(log_consistency))
        .route("/v1/log/export", get(log_export))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    edges(routes, &state.config.limits, Arc::clone(&state.metrics)).with_state(state)
}

/// Wraps `routes` in what every request goes through, outermost first:
/// a request span ([`TraceLayer`]: method and route template, then status
/// and latency; never bodies, tokens or paths), the request count, the
/// mapping of the two layers' bare refusals to problem documents, the
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
        .layer(middleware::map_response(move |r: Response| async move {
            as_problem(r, timeout)
        }))
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
/// (the timeout's empty one). Problem documents pass unchanged.
fn as_problem(r: Response, timeout: Duration) -> Response {
    let is_problem = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes() == problem::PROBLEM_JSON.as_bytes());
    match r.status() {
        _ if is_problem => r,
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large().into_response(),
        TIMED_OUT => Problem::new(
            ProblemCode::Timeout,
            format!("the request took longer than {} ms", timeout.as_millis()),
        )
        .into_response(),
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

async fn healthz(State(st): St) -> Answer {
    let s = Arc::clone(&st);
    let size = blocking(move || {
        s.log
            .storage()
            .disclosure_count()
            .map_err(|e| Problem::from(crate::Error::from(e)))
    })
    .await
    .map_err(|_| Problem::new(ProblemCode::Unhealthy, "storage is not answering"))?;
    ok(Health {
        status: "ok".into(),
        log_size: size,
        batching: st.batcher.enabled(),
    })
}

async fn metrics(State(st): St, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok());
    let format = Format::negotiate(accept);
    let text = st
        .metrics
        .render(format, st.registry.key_cache().stats(), st.challenges.len());
    ([(header::CONTENT_TYPE, format.content_type())], text).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

// --- verification ---------------------------------------------------------

async fn challenges(
    State(st): St,
    Auth(who): Auth,
    JsonBody(body): JsonBody<ChallengeRequest>,
) -> Answer {
    who.require(VERIFIER)?;
    created(verify::issue_challenge(&st, &who, body.policy).await?)
}

async fn presentations(
    State(st): St,
    Auth(who): Auth,
    JsonBody(sub): JsonBody<Submission>,
) -> Answer {
    who.require(VERIFIER)?;
    ok(verify::decide(&st, &who, sub).await?)
}

async fn presentations_batch(
    State(st): St,
    Auth(who): Auth,
    JsonBody(body): JsonBody<BatchRequest>,
) -> Answer {
    who.require(VERIFIER)?;
    let limit = st.config.limits.batch_items;
    if body.items.is_empty() || body.items.len() > limit {
        return Err(Problem::invalid(format!(
            "a batch holds 1 to {limit} items"
        )));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, item) in body.items.into_iter().enumerate() {
        let (st, who) = (Arc::clone(&st), who.clone());
        tasks.spawn(async move {
            let r = match Submission::deserialize(&item) {
                Ok(sub) => verify::decide(&st, &who, sub).await,
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
        slots[i] = Some(match r {
            Ok(a) => BatchResult {
                status: 200,
                decision: Some(a),
                problem: None,
            },
            Err(p) => BatchResult {
                status: p.code.status(),
                decision: None,
                problem: Some(p.document()),
            },
        });
    }
    // Every task reports its slot (or the join failed above).
    let results = slots.into_iter().flatten().collect();
    ok(BatchResponse { results })
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
    created(blocking(move || st.registry.create(K::KIND, &body)).await?)
}

async fn version_doc<K: DocKind>(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    created(blocking(move || st.registry.new_version(K::KIND, &id, &body)).await?)
}

async fn retire_doc<K: DocKind>(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(ADMIN)?;
    ok(blocking(move || st.registry.retire(K::KIND, &id)).await?)
}

async fn list_keys(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(READ_REGISTRY)?;
    ok(blocking(move || st.registry.keys_of(&id)).await?)
}

async fn add_key(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    created(blocking(move || st.registry.add_key(&id, &body, false)).await?)
}

async fn rotate_key(
    State(st): St,
    Auth(who): Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    who.require(ADMIN)?;
    created(blocking(move || st.registry.add_key(&id, &body, true)).await?)
}

async fn revoke_key(
    State(st): St,
    Auth(who): Auth,
    Path((id, key_id)): Path<(String, String)>,
) -> Answer {
    who.require(ADMIN)?;
    ok(blocking(move || st.registry.revoke_key(&id, &key_id)).await?)
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

async fn audit_policy(State(st): St, Auth(who): Auth, Path(id): Path<String>) -> Answer {
    who.require(READ_REGISTRY)?;
    let s = Arc::clone(&st);
    let doc = blocking(move || s.registry.get(POLICY_KIND, &id, None)).await?;
    ok(audited(&st, doc)?)
}

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

// --- disclosure log ---------------------------------------------------------

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

async fn sign_head(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    created(blocking(move || st.log.sign_head().map_err(Problem::from)).await?)
}

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

async fn log_export(State(st): St, Auth(who): Auth) -> Answer {
    who.require(READ_REGISTRY)?;
    let export = blocking(move || st.log.export().map_err(Problem::from)).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        export.to_json(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.route(path, method(..)...)` of [`router`], read from this
    /// file's source so that a new route cannot be missed.
    fn served_routes() -> Vec<(String, String)> {
        let src = include_str!("routes.rs");
        let body = &src[src.find("pub fn router").unwrap()..src.find("fn edges").unwrap()];
        // Formatting may wrap a route over several lines: join them first.
        let joined: String = body.lines().map(str::trim).collect();
        let mut out = Vec::new();
        for route in joined.split(".route(\"").skip(1) {
            let route = route.split(".route(").next().unwrap();
            let route = route.split(".fallback(").next().unwrap();
            let path = route.split('"').next().unwrap().to_owned();
            for m in ["get", "post", "put", "delete", "patch"] {
                if [" ", ",", "."]
                    .iter()
                    .any(|sep| route.contains(&format!("{sep}{m}(")))
                {
                    out.push((path.clone(), m.to_owned()));
                }
            }
        }
        out
    }

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

        let text = metrics.render(Format::Prometheus, Default::default(), 0);
        for series in [
            "{route=\"/slow\",method=\"GET\",status=\"503\"} 1",
            "{route=\"/echo\",method=\"POST\",status=\"413\"} 2",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
    }

    #[test]
    fn openapi_documents_every_route() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let routes = served_routes();
        assert!(routes.len() >= 30, "{routes:?}");
        for (path, method) in &routes {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not in openapi.json"
            );
        }
        // And nothing documented that is not served.
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(documented, routes.len());
    }
}
