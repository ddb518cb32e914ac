//! The service under abuse and faults (issue 12): every limit answered at
//! the edge with a stable code before the challenge is consumed, load shed
//! before consumption, retired policies' outstanding challenges refused.
//! A real server on an ephemeral loopback port, the one typed client, real
//! credentials and proofs.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::path::Path;

use rand::rngs::OsRng;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;
use zkcred_api::client::Client as ApiClient;
use zkcred_api::DocKind;
use zkcred_credential::{
    issue, present, AttributeSet, AttributeValue, Catalogue, Credential, Date, IssuerKey,
    LicenseId, Presentation, PresentationRequest, Uscc,
};
use zkcred_crypto::bbs::Suite;
use zkcred_service::http::{Config, Role, RunningServer, Server, TokenConfig};

const ISSUER: &str = "11330105002500287C";
const ADMIN: &str = "admin-token-0123456789";
const HOTEL: &str = "hotel-token-0123456789";
const BAR: &str = "bar-token-0123456789";
const REGULATOR: &str = "regulator-token-0123456789";
const POLICY: &str = "hotel-checkin";

fn config(dir: &Path) -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.join("zkcred.db"),
        log_key: dir.join("log.key"),
        tokens: vec![
            TokenConfig::new("root", Role::Admin, ADMIN),
            TokenConfig::new("hotel.example", Role::Verifier, HOTEL),
            TokenConfig::new("bar.example", Role::Verifier, BAR),
            TokenConfig::new("regulator.gov", Role::Regulator, REGULATOR),
        ],
        ..Config::default()
    };
    c.batch.max_wait_us = 500;
    c.limits.body_bytes = 64 * 1024;
    c.disclosure_log.sign_interval_secs = 0;
    c
}

/// The one client, plus raw calls for the error paths.
struct Client {
    api: ApiClient,
}

impl Client {
    fn new(server: &RunningServer) -> Self {
        Client {
            api: ApiClient::new(&format!("http://{}", server.local_addr()), None).unwrap(),
        }
    }

    /// The typed client with `token`.
    fn role(&self, token: &str) -> ApiClient {
        self.api.with_token(token).unwrap()
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, String, String) {
        let c = match token {
            Some(t) => self.role(t),
            None => self.api.anonymous(),
        };
        let r = c.send_raw(method, path, body).await.unwrap();
        (r.status, r.content_type.clone(), r.text())
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (status, ct, text) = self
            .raw(
                method,
                path,
                token,
                body.map(|b| b.to_string().into_bytes()),
            )
            .await;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(ct, "application/problem+json", "{path}: {v}");
            assert!(v["code"].is_string() && v["type"].is_string() && v["title"].is_string());
            assert_eq!(v["status"], status.as_u16());
        }
        (status, v)
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }
}

fn attributes(issuer: &str) -> AttributeSet {
    let c = Catalogue::builtin();
    let t = c.get("resident_id_card").unwrap();
    let d = |s| AttributeValue::Date(Date::parse(s).unwrap());
    let s = |v: &str| AttributeValue::String(v.into());
    let id = LicenseId::generate(
        t.type_code.clone(),
        Uscc::parse(issuer).unwrap(),
        1,
        &mut OsRng,
    )
    .unwrap();
    AttributeSet::new()
        .with("license_id", s(&id.to_string()))
        .with("license_number", s("33010619900101123X"))
        .with("holder_name", s("张三"))
        .with("holder_id", s("33010619900101123X"))
        .with("holder_id_type", s("居民身份证"))
        .with("issuer_name", s("杭州市公安局西湖分局"))
        .with("issuer_code", s(issuer))
        .with("issue_date", d("2020-01-01"))
        .with("valid_from", d("2020-01-01"))
        .with("valid_until", d("2040-01-01"))
        .with("area_code", s("330106"))
        .with("sex", s("男"))
        .with("ethnicity", s("汉"))
        .with("birth_date", d("1990-01-01"))
        .with("address", s("浙江省杭州市西湖区文三路 90 号"))
        .with("photo_digest", AttributeValue::Bytes(vec![7; 32]))
}

struct Holder {
    key: IssuerKey,
    credential: Credential,
}

fn holder(issuer: &str) -> Holder {
    let now = OffsetDateTime::now_utc();
    let key = IssuerKey::generate(
        issuer,
        Suite::Bls12381Sha256,
        now - time::Duration::days(3650),
        now + time::Duration::days(365),
        &mut OsRng,
    )
    .unwrap()
    .with_authority("public_security")
    .unwrap();
    let credential = issue(
        Catalogue::builtin(),
        &key,
        "resident_id_card",
        &attributes(issuer),
        now,
        &mut OsRng,
    )
    .unwrap();
    Holder { key, credential }
}

impl Holder {
    fn present(&self, request: &Value) -> Presentation {
        let req: PresentationRequest = serde_json::from_value(request.clone()).unwrap();
        self.answer(&req)
    }

    fn answer(&self, req: &PresentationRequest) -> Presentation {
        present(
            Catalogue::builtin(),
            req,
            &[(&self.credential, self.key.public())],
            OffsetDateTime::now_utc(),
            &mut OsRng,
        )
        .unwrap()
    }
}

async fn challenge(c: &Client, token: &str) -> Value {
    let issued = c.role(token).challenge(POLICY).await.unwrap();
    assert_eq!(issued.policy.id, POLICY);
    serde_json::to_value(issued.request).unwrap()
}

/// A fresh challenge answered by `h`, possibly tampered with.
async fn answered(c: &Client, h: &Holder, tamper: impl FnOnce(&mut Value)) -> Value {
    let request = challenge(c, HOTEL).await;
    let mut p = serde_json::to_value(h.present(&request)).unwrap();
    tamper(&mut p);
    json!({ "policy": POLICY, "request": request, "presentation": p })
}

fn issuer_doc(id: &str) -> Value {
    json!({
        "id": id,
        "name_zh": "杭州市公安局西湖分局",
        "region": "330106",
        "authority": "public_security",
        "types": ["resident_id_card"],
    })
}

/// The hotel check-in example policy of the policy crate, for this test's
/// verifier, asking for `disclose`.
fn policy_doc(version: u32, disclose: &[&str]) -> Value {
    let mut p: Value =
        serde_json::from_str(include_str!("../../policy/examples/hotel-check-in.json")).unwrap();
    p["id"] = json!(POLICY);
    p["version"] = json!(version);
    p["verifier"]["id"] = json!("hotel.example");
    p["verifier"]["region"] = json!("330106");
    p["requirements"][0]["disclose"] = json!(disclose);
    p
}

async fn setup(c: &Client, h: &Holder) {
    let admin = c.role(ADMIN);
    let d = admin
        .create(DocKind::Issuer, &issuer_doc(ISSUER))
        .await
        .unwrap();
    assert_eq!((d.kind.as_str(), d.version), ("issuer", 1));
    let d = admin.add_key(h.key.public(), false).await.unwrap();
    assert_eq!(d.id, format!("{ISSUER}/{}", h.key.public().key_id));
    let d = admin
        .create(DocKind::Policy, &policy_doc(1, &["holder_name"]))
        .await
        .unwrap();
    assert_eq!(d.version, 1);
}

async fn start(config: Config) -> (RunningServer, Client) {
    let server = Server::start(config).await.unwrap();
    let client = Client::new(&server);
    (server, client)
}

/// The number of records in the disclosure log (a fresh head is signed).
async fn log_size(c: &Client) -> u64 {
    let (s, v) = c.post("/v1/log/head", ADMIN, &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["tree_size"].as_u64().unwrap()
}

/// Defect 6: every per-request size limit is checked at the edge with 413
/// `limit_exceeded` naming the limit, before the challenge is consumed; the
/// challenge stays answerable and nothing is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_checked_at_the_edge_before_the_challenge_is_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.limits.body_bytes = 1 << 20;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;

    let request = challenge(&c, HOTEL).await;
    let p = serde_json::to_value(h.present(&request)).unwrap();
    let valid = json!({ "policy": POLICY, "request": request, "presentation": p });

    type Tamper = fn(&mut Value);
    let cases: [(&str, Tamper); 6] = [
        ("credentials", |s| {
            let one = s["request"]["credentials"][0].clone();
            s["request"]["credentials"] = Value::Array(vec![one; 257]);
        }),
        ("credentials", |s| {
            let one = s["presentation"]["credentials"][0].clone();
            s["presentation"]["credentials"] = Value::Array(vec![one; 17]);
        }),
        ("attributes", |s| {
            let names: Vec<Value> = (0..121).map(|i| json!(format!("a{i}"))).collect();
            s["request"]["credentials"][0]["disclose"] = Value::Array(names);
        }),
        ("identifier_bytes", |s| {
            s["presentation"]["credentials"][0]["key_id"] = json!("k".repeat(257));
        }),
        ("attribute_name_bytes", |s| {
            s["presentation"]["credentials"][0]["disclosed"]["a".repeat(65)] = json!("x");
        }),
        ("issuers", |s| {
            let issuers: Vec<Value> = (0..257).map(|i| json!(format!("i{i}"))).collect();
            s["request"]["credentials"][0]["issuers"] = Value::Array(issuers);
        }),
    ];
    for (limit, tamper) in cases {
        let mut sub = valid.clone();
        tamper(&mut sub);
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(
            (s, v["code"].as_str(), v["limit"].as_str()),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Some("limit_exceeded"),
                Some(limit)
            ),
            "{v}"
        );
        assert!(v["max"].is_u64(), "{v}");
        assert!(
            v.get("log_sequence").is_none(),
            "not a logged decision: {v}"
        );
        // In a batch too, item by item.
        let (s, v) = c
            .post("/v1/presentations/batch", HOTEL, &json!({ "items": [sub] }))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["results"][0]["status"], 413, "{v}");
        assert_eq!(v["results"][0]["problem"]["code"], "limit_exceeded", "{v}");
    }
    assert_eq!(log_size(&c).await, before, "nothing logged");

    // The batch itself: more items than `limits.batch_items`.
    let items = vec![valid.clone(); 257];
    let (s, v) = c
        .post("/v1/presentations/batch", HOTEL, &json!({ "items": items }))
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["limit"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("limit_exceeded"),
            Some("batch_items")
        )
    );

    // The challenge is still answerable.
    let (s, v) = c.post("/v1/presentations", HOTEL, &valid).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(log_size(&c).await, before + 1);
    server.shutdown().await.unwrap();
}

/// Defect 5: a full verification queue is answered with 503 `overloaded`
/// before the challenge is consumed: nothing is logged and the retry the
/// client is told to make is judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_shed_before_the_challenge_is_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.batch.queue = 1;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;
    let sub = answered(&c, &h, |_| {}).await;

    // Every place in the queue taken.
    let held = server.state().batcher.admit().unwrap();
    for _ in 0..2 {
        let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("overloaded")),
            "{v}"
        );
        assert!(
            v.get("log_sequence").is_none(),
            "not a logged decision: {v}"
        );
    }
    assert_eq!(log_size(&c).await, before, "no refusal logged");
    drop(held);

    // The retry is judged.
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(log_size(&c).await, before + 1);
    server.shutdown().await.unwrap();
}

/// Defect 5 under real load: a batch of presentations against a queue of
/// one. Each item ends either judged and logged, or `overloaded` and
/// answerable by a retry; the log holds exactly one decision per judged
/// presentation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overloaded_presentations_stay_answerable_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.batch.queue = 1;
    cfg.batch.workers = 1;
    cfg.batch.max_size = 1;
    let (server, c) = start(cfg).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;
    let mut items = Vec::new();
    for _ in 0..16 {
        items.push(answered(&c, &h, |_| {}).await);
    }
    let (s, v) = c
        .post("/v1/presentations/batch", HOTEL, &json!({ "items": items }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut overloaded = Vec::new();
    for (i, r) in v["results"].as_array().unwrap().iter().enumerate() {
        match r["status"].as_u64() {
            Some(200) => {}
            Some(503) => {
                assert_eq!(r["problem"]["code"], "overloaded", "{r}");
                overloaded.push(i);
            }
            _ => panic!("item {i}: {r}"),
        }
    }
    assert!(!overloaded.is_empty(), "a queue of one sheds some of 16");
    assert_eq!(
        log_size(&c).await,
        before + (16 - overloaded.len() as u64),
        "only judged presentations are logged"
    );
    for i in &overloaded {
        let (s, v) = c.post("/v1/presentations", HOTEL, &items[*i]).await;
        assert_eq!(s, StatusCode::OK, "the retry of item {i}: {v}");
    }
    assert_eq!(log_size(&c).await, before + 16);
    server.shutdown().await.unwrap();
}

/// Defect 10: retiring a policy makes its outstanding challenges refused
/// (`policy_retired`, a logged refusal: the challenge is spent); a version
/// superseded by a newer one still judges the challenges issued for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retired_policy_challenges_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, c) = start(config(dir.path())).await;
    let h = holder(ISSUER);
    setup(&c, &h).await;
    let before = log_size(&c).await;

    // Superseded: judged under the version it was issued for.
    let old = answered(&c, &h, |_| {}).await;
    let v2 = policy_doc(2, &["holder_name", "sex"]);
    let (s, v) = c
        .post(&format!("/v1/policies/{POLICY}/versions"), ADMIN, &v2)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = c.post("/v1/presentations", HOTEL, &old).await;
    assert_eq!(
        (s, v["policy"]["version"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );

    // Retired: refused, logged once, the challenge spent.
    let sub = answered(&c, &h, |_| {}).await;
    let (s, _) = c
        .post(&format!("/v1/policies/{POLICY}/retire"), ADMIN, &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str(), v["decision"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("policy_retired"),
            Some("refused")
        ),
        "{v}"
    );
    assert!(v["log_sequence"].is_u64(), "{v}");
    assert_eq!(log_size(&c).await, before + 2);
    let (s, v) = c.post("/v1/presentations", HOTEL, &sub).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("challenge_replayed"))
    );
    server.shutdown().await.unwrap();
}
