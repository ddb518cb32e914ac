//! A typed async client of the verifier API (feature `client`).
//!
//! One [`Client`] holds the service's base URL, an optional bearer token and
//! a keep-alive connection pool; [`Client::with_token`] makes a client for
//! another role sharing the pool. Every route has a method returning its
//! typed answer; a refusal or error of the service is
//! [`ClientError::Problem`] with the service's problem document.
//!
//! For load generation, [`Client::post_raw`] sends pre-serialised bytes and
//! reads only the status and the decision or problem code.

use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zkcred_credential::{IssuerPublicKey, StatusEpoch};
use zkcred_translog::{LogExport, SignedTreeHead};

use crate::{
    Accepted, BatchRequest, BatchResponse, ChallengeRequest, ConsistencyProof, ConsistencyQuery,
    DocKind, Document, DocumentVersions, Health, HeldDecision, InclusionProof, InclusionQuery,
    IssuedChallenge, LogHead, LogRecords, PolicyAudit, PolicyAudits, ProblemDocument, RecordsQuery,
    StatusEpochSummary, Submission,
};

/// Why a call did not return its typed answer.
#[derive(Debug)]
pub enum ClientError {
    /// The service answered with a problem document (any 4xx or 5xx).
    Problem(Box<ProblemDocument>),
    /// The request did not complete: connection, timeout, I/O.
    Transport(reqwest::Error),
    /// The service's answer is not the expected document (or a non-problem
    /// error body).
    Decode(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Problem(p) => write!(f, "{p}"),
            ClientError::Transport(e) => write!(f, "cannot reach the service: {e}"),
            ClientError::Decode(e) => write!(f, "unexpected answer from the service: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Problem(p) => Some(p.as_ref()),
            ClientError::Transport(e) => Some(e),
            ClientError::Decode(_) => None,
        }
    }
}

impl ClientError {
    /// The problem document, if the service answered with one.
    pub fn problem(&self) -> Option<&ProblemDocument> {
        match self {
            ClientError::Problem(p) => Some(p),
            _ => None,
        }
    }

    /// The problem's code, if the service answered with a problem.
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        ClientError::Transport(e)
    }
}

/// The answer of a call, undecoded: status, content type and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header (empty when absent).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What [`Client::post_raw`] reads of a presentation's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status.
    pub status: u16,
    /// The body's `decision` (`accepted`, or `refused` on a problem).
    pub decision: Option<String>,
    /// The problem's `code`.
    pub code: Option<String>,
}

impl Outcome {
    /// 200 and `accepted`.
    pub fn accepted(&self) -> bool {
        self.status == 200 && self.decision.as_deref() == Some("accepted")
    }
}

#[derive(Deserialize)]
struct OutcomeBody {
    decision: Option<String>,
    code: Option<String>,
}

/// Options of a [`Client`]; see [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base: String,
    token: Option<String>,
    idle_per_host: usize,
    timeout: Duration,
}

impl ClientBuilder {
    /// The bearer token sent with every call.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Most idle keep-alive connections kept per host (default: unbounded).
    pub fn idle_per_host(mut self, n: usize) -> Self {
        self.idle_per_host = n;
        self
    }

    /// Timeout of each call (default 60 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(self.idle_per_host)
            .tcp_nodelay(true)
            .timeout(self.timeout)
            .build()?;
        let mut c = Client {
            http,
            base: self.base.trim_end_matches('/').to_owned(),
            auth: None,
        };
        if let Some(t) = &self.token {
            c = c.with_token(t)?;
        }
        Ok(c)
    }
}

/// The verifier API over HTTP; see the module documentation.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Option<HeaderValue>,
}

fn query_string<Q: Serialize>(q: &Q) -> Result<String, ClientError> {
    // The queries are flat maps of numbers: serialise through JSON.
    let v = serde_json::to_value(q).map_err(|e| ClientError::Decode(e.to_string()))?;
    let pairs: Vec<String> = v
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={v}"))
                .collect()
        })
        .unwrap_or_default();
    Ok(if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    })
}

/// A path segment with the characters that would change the path escaped.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Client {
    /// A client of the service at `base` (e.g. `http://127.0.0.1:8750`),
    /// with `token` if given.
    pub fn new(base: &str, token: Option<&str>) -> Result<Self, ClientError> {
        let mut b = Client::builder(base);
        if let Some(t) = token {
            b = b.token(t);
        }
        b.build()
    }

    /// Options: token, pool size, timeout.
    pub fn builder(base: &str) -> ClientBuilder {
        ClientBuilder {
            base: base.to_owned(),
            token: None,
            idle_per_host: usize::MAX,
            timeout: Duration::from_secs(60),
        }
    }

    /// The same service and connection pool with another bearer token.
    pub fn with_token(&self, token: &str) -> Result<Self, ClientError> {
        let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::Decode("the token is not a valid header value".into()))?;
        v.set_sensitive(true);
        Ok(Client {
            http: self.http.clone(),
            base: self.base.clone(),
            auth: Some(v),
        })
    }

    /// The same service and connection pool without a token.
    pub fn anonymous(&self) -> Self {
        Client {
            auth: None,
            ..self.clone()
        }
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    // --- generic ----------------------------------------------------------

    /// Sends `body` (bytes, sent as JSON) with `method` to `path` and returns
    /// the answer undecoded; only transport failures are errors.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ClientError> {
        self.send_raw_with(method, path, &[], body).await
    }

    /// [`Client::send_raw`] with extra request `headers` (name, value).
    pub async fn send_raw_with(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ClientError> {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(a) = &self.auth {
            rb = rb.header(AUTHORIZATION, a.clone());
        }
        for (name, value) in headers {
            rb = rb.header(*name, *value);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b);
        }
        let r = rb.send().await?;
        let status = r.status();
        let content_type = r
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = r.bytes().await?.to_vec();
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    /// Sends a JSON body (or none) and decodes the answer as `T`; a 4xx or
    /// 5xx is the service's problem document.
    pub async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let bytes = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let r = self.send_raw(method, path, bytes).await?;
        decode(&r)
    }

    /// `GET path` decoded as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<Value, T>(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body, decoded as `T`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `POST path` without a body, decoded as `T`.
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call::<Value, T>(Method::POST, path, None).await
    }

    /// Posts pre-serialised JSON `body` to `path` and reads only the status
    /// and the `decision` or `code` of the answer: the load generator's hot
    /// path.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> Result<Outcome, reqwest::Error> {
        let mut rb = self
            .http
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(a) = &self.auth {
            rb = rb.header(AUTHORIZATION, a.clone());
        }
        let r = rb.send().await?;
        let status = r.status().as_u16();
        let bytes = r.bytes().await?;
        let (decision, code) = match serde_json::from_slice::<OutcomeBody>(&bytes) {
            Ok(b) => (b.decision, b.code),
            Err(_) => (None, None),
        };
        Ok(Outcome {
            status,
            decision,
            code,
        })
    }

    // --- open routes --------------------------------------------------------

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/healthz").await
    }

    /// `GET /v1/openapi.json`.
    pub async fn openapi(&self) -> Result<Value, ClientError> {
        self.get("/v1/openapi.json").await
    }

    /// `GET /metrics` (Prometheus text).
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let r = self.send_raw(Method::GET, "/metrics", None).await?;
        if !r.status.is_success() {
            return Err(error_of(&r));
        }
        Ok(r.text())
    }

    // --- verification -------------------------------------------------------

    /// `POST /v1/challenges`: a one-time challenge for `policy`.
    pub async fn challenge(&self, policy: &str) -> Result<IssuedChallenge, ClientError> {
        let body = ChallengeRequest {
            policy: policy.to_owned(),
        };
        self.post("/v1/challenges", &body).await
    }

    /// `POST /v1/presentations`: the decision. A refusal is
    /// [`ClientError::Problem`] with [`ProblemDocument::is_refusal`].
    pub async fn submit(&self, submission: &Submission) -> Result<Accepted, ClientError> {
        self.post("/v1/presentations", submission).await
    }

    /// `POST /v1/presentations` with an `Idempotency-Key`: the same call
    /// again (same `key`, identical submission) after a lost answer (a
    /// `timeout`, a dropped connection) answers the decision taken on it
    /// instead of `challenge_replayed`. Choose a fresh key per submission.
    ///
    /// # Errors
    /// As [`Client::submit`]; 400 `invalid_request` for a key that is not 1
    /// to 255 visible ASCII characters.
    pub async fn submit_idempotent(
        &self,
        submission: &Submission,
        key: &str,
    ) -> Result<Accepted, ClientError> {
        let body =
            serde_json::to_vec(submission).map_err(|e| ClientError::Decode(e.to_string()))?;
        let r = self
            .send_raw_with(
                Method::POST,
                "/v1/presentations",
                &[("idempotency-key", key)],
                Some(body),
            )
            .await?;
        decode(&r)
    }

    /// `POST /v1/presentations/batch`.
    pub async fn submit_batch(&self, batch: &BatchRequest) -> Result<BatchResponse, ClientError> {
        self.post("/v1/presentations/batch", batch).await
    }

    /// `GET /v1/presentations/decisions/{challenge}`: the decision on the
    /// presentation that consumed `challenge` (hex), `pending` while it is
    /// being taken. For a submission whose answer was lost (a `timeout`, a
    /// dropped connection); resubmitting the identical submission with the
    /// same `Idempotency-Key` ([`Client::submit_idempotent`]) answers the
    /// same decision too.
    ///
    /// # Errors
    /// [`ClientError::Problem`] `decision_unknown` (404) when the service
    /// holds no decision for it: not consumed, not this verifier's, or no
    /// longer held.
    pub async fn decision(&self, challenge: &str) -> Result<HeldDecision, ClientError> {
        self.get(&crate::decision_path(&segment(challenge))).await
    }

    // --- registry -----------------------------------------------------------

    /// `GET /v1/{kind}`: the latest version of each document.
    pub async fn list(&self, kind: DocKind) -> Result<Vec<Document>, ClientError> {
        self.get(kind.path()).await
    }

    /// `GET /v1/{kind}/{id}`: every version.
    pub async fn versions(&self, kind: DocKind, id: &str) -> Result<DocumentVersions, ClientError> {
        self.get(&format!("{}/{}", kind.path(), segment(id))).await
    }

    /// `POST /v1/{kind}`: registers version 1 of `document`.
    pub async fn create<B: Serialize + ?Sized>(
        &self,
        kind: DocKind,
        document: &B,
    ) -> Result<Document, ClientError> {
        self.post(kind.path(), document).await
    }

    /// `POST /v1/{kind}/{id}/versions`: the next version.
    pub async fn new_version<B: Serialize + ?Sized>(
        &self,
        kind: DocKind,
        id: &str,
        document: &B,
    ) -> Result<Document, ClientError> {
        self.post(
            &format!("{}/{}/versions", kind.path(), segment(id)),
            document,
        )
        .await
    }

    /// `POST /v1/{kind}/{id}/retire`.
    pub async fn retire(&self, kind: DocKind, id: &str) -> Result<Document, ClientError> {
        self.post_empty(&format!("{}/{}/retire", kind.path(), segment(id)))
            .await
    }

    /// `GET /v1/issuers/{id}/keys`.
    pub async fn keys(&self, issuer: &str) -> Result<Vec<Document>, ClientError> {
        self.get(&format!("/v1/issuers/{}/keys", segment(issuer)))
            .await
    }

    /// `POST /v1/issuers/{id}/keys` (or `…/keys/rotate` with `rotate`,
    /// retiring the issuer's other active keys): registers a public key.
    pub async fn add_key(
        &self,
        key: &IssuerPublicKey,
        rotate: bool,
    ) -> Result<Document, ClientError> {
        let path = format!(
            "/v1/issuers/{}/keys{}",
            segment(&key.issuer),
            if rotate { "/rotate" } else { "" }
        );
        let body: Value =
            serde_json::from_str(&key.to_json()).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.post(&path, &body).await
    }

    /// `POST /v1/issuers/{id}/keys/{key_id}/revoke`.
    pub async fn revoke_key(&self, issuer: &str, key_id: &str) -> Result<Document, ClientError> {
        self.post_empty(&format!(
            "/v1/issuers/{}/keys/{}/revoke",
            segment(issuer),
            segment(key_id)
        ))
        .await
    }

    /// `GET /v1/policies/{id}/audit`.
    pub async fn policy_audit(&self, id: &str) -> Result<PolicyAudit, ClientError> {
        self.get(&format!("/v1/policies/{}/audit", segment(id)))
            .await
    }

    /// `GET /v1/audit/policies`.
    pub async fn policy_audits(&self) -> Result<PolicyAudits, ClientError> {
        self.get("/v1/audit/policies").await
    }

    // --- licence status ---------------------------------------------------------

    /// `POST /v1/registry/status-epochs` (admin): registers an issuer's
    /// signed status epoch. The service checks its signature with the
    /// issuer's registered key and that it chains onto the epochs it holds.
    /// Returns the stored epoch's summary and whether it was stored now
    /// (201), or held already, unchanged (200).
    ///
    /// # Errors
    /// [`ClientError::Problem`] with the code `status_signature_invalid`,
    /// `status_chain_broken` (a `previous` that is not the stored epoch
    /// before, or another document for a stored number),
    /// `status_key_mismatch` (another accumulator key than the stored
    /// epochs'), `status_issuer_mismatch` (a type the issuer does not
    /// issue), `unknown_issuer`, `unknown_key`, `key_revoked`.
    pub async fn publish_status_epoch(
        &self,
        epoch: &StatusEpoch,
    ) -> Result<(StatusEpochSummary, bool), ClientError> {
        let body = serde_json::to_vec(epoch).map_err(|e| ClientError::Decode(e.to_string()))?;
        let r = self
            .send_raw(Method::POST, crate::STATUS_EPOCHS_PATH, Some(body))
            .await?;
        let summary = decode(&r)?;
        Ok((summary, r.status == StatusCode::CREATED))
    }

    /// `GET /v1/status-epochs/{issuer}/{credential_type}`: the highest
    /// status epoch the service holds for them, parsed as a well-formed
    /// epoch (its signature is not checked here: check it with the
    /// issuer's key, `StatusEpoch::verify_with`, before trusting it).
    ///
    /// # Errors
    /// [`ClientError::Problem`] `not_found` (404) when the service holds
    /// none; [`ClientError::Decode`] when the answer is not a status epoch.
    pub async fn status_epoch(
        &self,
        issuer: &str,
        credential_type: &str,
    ) -> Result<StatusEpoch, ClientError> {
        self.get(&crate::status_epoch_path(
            &segment(issuer),
            &segment(credential_type),
        ))
        .await
    }

    // --- disclosure log -------------------------------------------------------

    /// `GET /v1/log/head`.
    pub async fn log_head(&self) -> Result<LogHead, ClientError> {
        self.get("/v1/log/head").await
    }

    /// `POST /v1/log/head`: signs a head over the log as it is now.
    pub async fn sign_head(&self) -> Result<SignedTreeHead, ClientError> {
        self.post_empty("/v1/log/head").await
    }

    /// `GET /v1/log/records`: one page.
    pub async fn log_records(&self, q: &RecordsQuery) -> Result<LogRecords, ClientError> {
        self.get(&format!("/v1/log/records{}", query_string(q)?))
            .await
    }

    /// `GET /v1/log/inclusion`.
    pub async fn inclusion(&self, q: &InclusionQuery) -> Result<InclusionProof, ClientError> {
        self.get(&format!("/v1/log/inclusion{}", query_string(q)?))
            .await
    }

    /// `GET /v1/log/consistency`.
    pub async fn consistency(&self, q: &ConsistencyQuery) -> Result<ConsistencyProof, ClientError> {
        self.get(&format!("/v1/log/consistency{}", query_string(q)?))
            .await
    }

    /// `GET /v1/log/export`: the export and its text as served, held whole
    /// in memory (for small logs; [`Client::export_stream`] reads a log of
    /// any size a chunk at a time).
    pub async fn export(&self) -> Result<(LogExport, String), ClientError> {
        let r = self.send_raw(Method::GET, "/v1/log/export", None).await?;
        if !r.status.is_success() {
            return Err(error_of(&r));
        }
        let text = r.text();
        let export = LogExport::from_json(&text).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok((export, text))
    }
}

impl Client {
    /// `GET /v1/log/export` as it is streamed: the status is checked (a
    /// refusal, such as 503 `log_export_busy`, is its problem document) and
    /// the body is left to read with [`ExportStream::chunk`]. The whole
    /// transfer may take up to [`EXPORT_TIMEOUT`] (not the client's
    /// per-call timeout: a large log takes longer than a call).
    pub async fn export_stream(&self) -> Result<ExportStream, ClientError> {
        let mut rb = self
            .http
            .get(format!("{}/v1/log/export", self.base))
            .timeout(EXPORT_TIMEOUT);
        if let Some(a) = &self.auth {
            rb = rb.header(AUTHORIZATION, a.clone());
        }
        let r = rb.send().await?;
        let status = r.status();
        if !status.is_success() {
            let content_type = r
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = r.bytes().await?.to_vec();
            return Err(error_of(&RawResponse {
                status,
                content_type,
                body,
            }));
        }
        Ok(ExportStream { response: r })
    }
}

/// The longest a streamed export ([`Client::export_stream`]) may take.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The body of `GET /v1/log/export`, read a chunk at a time (each at most
/// what the service wrote at once: about one page of records), so the
/// export need never be held whole; feed it to
/// `zkcred_translog::verify_export_json` or write it to a file.
#[derive(Debug)]
pub struct ExportStream {
    response: reqwest::Response,
}

impl ExportStream {
    /// The next chunk of the document, or `None` at its end.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the transfer breaks off (the
    /// service ends the stream early when it fails mid-export).
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        Ok(self.response.chunk().await?.map(|b| b.to_vec()))
    }
}

/// The error of a 4xx/5xx answer: its problem document, else a decode error.
fn error_of(r: &RawResponse) -> ClientError {
    match serde_json::from_slice::<ProblemDocument>(&r.body) {
        Ok(p) => ClientError::Problem(Box::new(p)),
        Err(_) => ClientError::Decode(format!(
            "HTTP {} without a problem document: {}",
            r.status.as_u16(),
            r.text().chars().take(200).collect::<String>()
        )),
    }
}

fn decode<T: DeserializeOwned>(r: &RawResponse) -> Result<T, ClientError> {
    if !r.status.is_success() {
        return Err(error_of(r));
    }
    serde_json::from_slice(&r.body)
        .map_err(|e| ClientError::Decode(format!("HTTP {}: {e}", r.status.as_u16())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_segments() {
        let q = RecordsQuery {
            start: Some(5),
            end: None,
            limit: Some(10),
        };
        assert_eq!(query_string(&q).unwrap(), "?limit=10&start=5");
        assert_eq!(query_string(&RecordsQuery::default()).unwrap(), "");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("11330105002500287C"), "11330105002500287C");
    }
}
