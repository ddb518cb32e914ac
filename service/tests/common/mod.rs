//! Shared by the service's integration tests: a real server on an ephemeral
//! loopback port with four tokens, the one typed client with raw calls for
//! the error paths, a license holder with real credentials, and the
//! registry documents of the hotel scene.

// Each test crate uses a different part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use rand::rngs::OsRng;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;
use zkcred_api::client::{Client as ApiClient, ClientError};
use zkcred_api::DocKind;
use zkcred_credential::{
    issue, present, AttributeSet, AttributeValue, Catalogue, Credential, Date, IssuerKey,
    LicenseId, Presentation, PresentationRequest, Uscc,
};
use zkcred_crypto::bbs::Suite;
use zkcred_service::http::{Config, Role, RunningServer, Server, TokenConfig};

/// A PostgreSQL database of its own for one test (the storage's unit tests
/// use the same file).
#[path = "../../src/storage/postgres/test_db.rs"]
pub mod pg;

/// [`config`] over `db` instead of a SQLite file (a small pool: the
/// server's PostgreSQL is shared by every test running at once).
pub fn config_postgres(dir: &Path, db: &pg::TestDb) -> Config {
    let mut c = config(dir);
    c.database = db.url.clone().into();
    c.postgres.pool_size = 4;
    c
}

pub const ISSUER: &str = "11330105002500287C";
pub const OTHER_ISSUER: &str = "11430000006122244L";
pub const ADMIN: &str = "admin-token-0123456789";
pub const HOTEL: &str = "hotel-token-0123456789";
pub const BAR: &str = "bar-token-0123456789";
pub const REGULATOR: &str = "regulator-token-0123456789";
pub const POLICY: &str = "hotel-checkin";

pub fn config(dir: &Path) -> Config {
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
pub struct Client {
    pub api: ApiClient,
}

impl Client {
    pub fn new(server: &RunningServer) -> Self {
        Client {
            api: ApiClient::new(&format!("http://{}", server.local_addr()), None).unwrap(),
        }
    }

    /// The typed client with `token`.
    pub fn role(&self, token: &str) -> ApiClient {
        self.api.with_token(token).unwrap()
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, String, String) {
        self.raw_with(method, path, token, &[], body).await
    }

    pub async fn raw_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (StatusCode, String, String) {
        let c = match token {
            Some(t) => self.role(t),
            None => self.api.anonymous(),
        };
        let r = c.send_raw_with(method, path, headers, body).await.unwrap();
        (r.status, r.content_type.clone(), r.text())
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        self.call_with(method, path, token, &[], body).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (status, ct, text) = self
            .raw_with(
                method,
                path,
                token,
                headers,
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

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// `post` with an `Idempotency-Key`.
    pub async fn post_keyed(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let headers = [("idempotency-key", key)];
        self.call_with(Method::POST, path, Some(token), &headers, Some(body))
            .await
    }
}

/// The problem of a failed typed call.
pub fn problem(r: Result<impl std::fmt::Debug, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Problem(p)) => (p.status, p.code),
        other => panic!("expected a problem, got {other:?}"),
    }
}

pub fn attributes(issuer: &str) -> AttributeSet {
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

pub struct Holder {
    pub key: IssuerKey,
    pub credential: Credential,
}

pub fn holder(issuer: &str) -> Holder {
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
    pub fn present(&self, request: &Value) -> Presentation {
        let req: PresentationRequest = serde_json::from_value(request.clone()).unwrap();
        self.answer(&req)
    }

    pub fn answer(&self, req: &PresentationRequest) -> Presentation {
        present(
            Catalogue::builtin(),
            req,
            &[(&self.credential, self.key.public())],
            OffsetDateTime::now_utc(),
            &mut OsRng,
        )
        .unwrap()
    }

    pub fn public_key(&self) -> Value {
        serde_json::from_str(&self.key.public().to_json()).unwrap()
    }
}

pub async fn challenge(c: &Client, token: &str) -> Value {
    let issued = c.role(token).challenge(POLICY).await.unwrap();
    assert_eq!(issued.policy.id, POLICY);
    serde_json::to_value(issued.request).unwrap()
}

pub fn submission(request: &Value, p: &Presentation) -> Value {
    json!({ "policy": POLICY, "request": request, "presentation": p })
}

/// A fresh challenge answered by `h`, possibly tampered with.
pub async fn answered(c: &Client, h: &Holder, tamper: impl FnOnce(&mut Value)) -> Value {
    let request = challenge(c, HOTEL).await;
    let mut p = serde_json::to_value(h.present(&request)).unwrap();
    tamper(&mut p);
    json!({ "policy": POLICY, "request": request, "presentation": p })
}

pub fn issuer_doc(id: &str) -> Value {
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
pub fn policy_doc(version: u32, disclose: &[&str]) -> Value {
    let mut p: Value =
        serde_json::from_str(include_str!("../../../policy/examples/hotel-check-in.json")).unwrap();
    p["id"] = json!(POLICY);
    p["version"] = json!(version);
    p["verifier"]["id"] = json!("hotel.example");
    p["verifier"]["region"] = json!("330106");
    p["requirements"][0]["disclose"] = json!(disclose);
    p
}

pub async fn setup(c: &Client, h: &Holder) {
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

/// A submission of `h` answering a fresh challenge of the node `c` for
/// the hotel's policy.
pub async fn submission_for(c: &Client, h: &Holder) -> zkcred_api::Submission {
    let issued = c.role(HOTEL).challenge(POLICY).await.unwrap();
    zkcred_api::Submission {
        policy: POLICY.into(),
        presentation: h.answer(&issued.request),
        request: issued.request,
    }
}

pub async fn start(config: Config) -> (RunningServer, Client) {
    let server = Server::start(config).await.unwrap();
    let client = Client::new(&server);
    (server, client)
}

/// A name no other test run uses (notification channels, key prefixes).
pub fn unique_name(prefix: &str) -> String {
    use rand::RngCore;
    format!("{prefix}_{:016x}", OsRng.next_u64())
}
