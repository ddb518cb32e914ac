//! Registry and policy administration over the stored documents, and the
//! issuer-key lookup of the verification path.
//!
//! Documents (kinds `issuer`, `issuer_key`, `agreement`, `policy`) are
//! versioned in the [`Storage`]; the [`PolicyEngine`] checks each one and is
//! reloaded after every registry change. Issuer keys are the credential
//! crate's public key documents, stored under `issuer_key` with the id
//! `<issuer>/<key_id>`: *active* keys and keys *retired* by a rotation
//! verify (credentials outlive their key's issuance window), *revoked* ones
//! never do. Verifier keys, with their precomputed tables, are cached and
//! the cache entries of an issuer are dropped on every rotation,
//! revocation or retirement.
//!
//! Every function here blocks on storage: call them off the async runtime.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;
use zkcred_credential::IssuerPublicKey;
use zkcred_crypto::bbs::VerifierKey;

use super::engine::{Kind, PolicyEngine, RegistryDocs};
use super::problem::Problem;
use crate::cache::TtlCache;
use crate::storage::{Document, DocumentStatus, SqliteStorage, Storage};

/// Storage kind of issuer keys.
pub const KEY_KIND: &str = "issuer_key";

/// A verification key ready for the hot path.
#[derive(Debug)]
pub struct CachedKey {
    /// The key document.
    pub public: IssuerPublicKey,
    /// The prepared key (lines, domain tables).
    pub verifier: Arc<VerifierKey>,
}

/// The verifier-key cache, keyed by (issuer, key id).
pub type KeyCache = TtlCache<(String, String), CachedKey>;

/// Registry administration; see the module documentation.
pub struct Registry {
    storage: Arc<SqliteStorage>,
    engine: Arc<dyn PolicyEngine>,
    keys: KeyCache,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

fn engine_problem(e: super::engine::EngineError) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, e.code, e.reason)
}

fn storage(e: crate::storage::StorageError) -> Problem {
    Problem::from(crate::Error::from(e))
}

/// The latest version of each id among `docs` (sorted by id then version).
pub fn latest(docs: Vec<Document>) -> Vec<Document> {
    let mut by_id: BTreeMap<String, Document> = BTreeMap::new();
    for d in docs {
        by_id.insert(d.id.clone(), d);
    }
    by_id.into_values().collect()
}

impl Registry {
    /// The registry over `storage`, loading `engine` with what is stored.
    pub fn open(
        storage: Arc<SqliteStorage>,
        engine: Arc<dyn PolicyEngine>,
        keys: KeyCache,
    ) -> Result<Self, Problem> {
        let r = Registry {
            storage,
            engine,
            keys,
        };
        r.reload()?;
        Ok(r)
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn PolicyEngine> {
        &self.engine
    }

    /// The key cache (for metrics).
    pub fn key_cache(&self) -> &KeyCache {
        &self.keys
    }

    fn reload(&self) -> Result<(), Problem> {
        let active = |kind: &str| -> Result<Vec<Document>, Problem> {
            Ok(latest(self.storage.list_documents(kind).map_err(storage)?)
                .into_iter()
                .filter(|d| d.status == DocumentStatus::Active)
                .collect())
        };
        let docs = RegistryDocs {
            issuers: active(Kind::Issuer.as_str())?,
            agreements: active(Kind::Agreement.as_str())?,
        };
        self.engine
            .load_registry(&docs)
            .map_err(|e| Problem::internal(&e))
    }

    /// The latest version of every document of `kind`.
    pub fn list(&self, kind: &str) -> Result<Vec<Document>, Problem> {
        Ok(latest(self.storage.list_documents(kind).map_err(storage)?))
    }

    /// A document (latest version, or `version`).
    pub fn get(&self, kind: Kind, id: &str, version: Option<u32>) -> Result<Document, Problem> {
        self.storage
            .get_document(kind.as_str(), id, version)
            .map_err(storage)?
            .ok_or_else(|| not_found(kind))
    }

    /// Every version of a document.
    pub fn versions(&self, kind: Kind, id: &str) -> Result<Vec<Document>, Problem> {
        let all: Vec<Document> = self
            .storage
            .list_documents(kind.as_str())
            .map_err(storage)?
            .into_iter()
            .filter(|d| d.id == id)
            .collect();
        if all.is_empty() {
            return Err(not_found(kind));
        }
        Ok(all)
    }

    /// Creates version 1 of a new issuer, agreement or policy.
    pub fn create(&self, kind: Kind, body: &Value) -> Result<Document, Problem> {
        let id = self.engine.check(kind, body).map_err(engine_problem)?;
        if self
            .storage
            .get_document(kind.as_str(), &id, None)
            .map_err(storage)?
            .is_some()
        {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "already_exists",
                format!("{} {id} exists; add a version instead", kind.as_str()),
            ));
        }
        self.storage
            .put_document(kind.as_str(), &id, 1, body, DocumentStatus::Active)
            .map_err(storage)?;
        self.after_change(kind, &id)?;
        self.get(kind, &id, Some(1))
    }

    /// Stores the next version of a document; earlier versions are retired.
    pub fn new_version(&self, kind: Kind, id: &str, body: &Value) -> Result<Document, Problem> {
        let checked = self.engine.check(kind, body).map_err(engine_problem)?;
        if checked != id {
            return Err(Problem::invalid(format!(
                "the document's id is {checked}, the path names {id}"
            )));
        }
        let prev = self.get(kind, id, None)?;
        let version = prev.version + 1;
        self.storage
            .put_document(kind.as_str(), id, version, body, DocumentStatus::Active)
            .map_err(storage)?;
        if prev.status == DocumentStatus::Active {
            self.storage
                .set_status(kind.as_str(), id, prev.version, DocumentStatus::Retired)
                .map_err(storage)?;
        }
        self.after_change(kind, id)?;
        self.get(kind, id, Some(version))
    }

    /// Retires the latest version of a document.
    pub fn retire(&self, kind: Kind, id: &str) -> Result<Document, Problem> {
        let d = self.get(kind, id, None)?;
        self.storage
            .set_status(kind.as_str(), id, d.version, DocumentStatus::Retired)
            .map_err(storage)?;
        self.after_change(kind, id)?;
        self.get(kind, id, Some(d.version))
    }

    fn after_change(&self, kind: Kind, id: &str) -> Result<(), Problem> {
        match kind {
            Kind::Issuer => {
                self.keys.invalidate_issuer(id);
                self.reload()
            }
            Kind::Agreement => self.reload(),
            Kind::Policy => Ok(()),
        }
    }

    fn active_issuer(&self, issuer: &str) -> Result<(), Problem> {
        let d = self.get(Kind::Issuer, issuer, None)?;
        if d.status != DocumentStatus::Active {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "issuer_retired",
                format!("issuer {issuer} is retired"),
            ));
        }
        Ok(())
    }

    fn parse_key(&self, issuer: &str, body: &Value) -> Result<IssuerPublicKey, Problem> {
        let key = IssuerPublicKey::from_json(&body.to_string())
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "key_invalid", e.to_string()))?;
        if key.issuer != issuer {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "key_invalid",
                format!("the key belongs to issuer {}, not {issuer}", key.issuer),
            ));
        }
        Ok(key)
    }

    /// Adds a key of `issuer` (a public key document).
    pub fn add_key(&self, issuer: &str, body: &Value) -> Result<Document, Problem> {
        self.active_issuer(issuer)?;
        let key = self.parse_key(issuer, body)?;
        let id = format!("{issuer}/{}", key.key_id);
        if self
            .storage
            .get_document(KEY_KIND, &id, None)
            .map_err(storage)?
            .is_some()
        {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "already_exists",
                format!("key {} of {issuer} exists", key.key_id),
            ));
        }
        let stored = serde_json::to_value(&key).map_err(|e| Problem::internal(&e))?;
        self.storage
            .put_document(KEY_KIND, &id, 1, &stored, DocumentStatus::Active)
            .map_err(storage)?;
        self.keys.invalidate_issuer(issuer);
        self.key_doc(&id)
    }

    /// Adds a new key of `issuer` and retires its other active keys (they
    /// still verify the credentials they signed; see the module docs).
    pub fn rotate_key(&self, issuer: &str, body: &Value) -> Result<Document, Problem> {
        let new = self.add_key(issuer, body)?;
        for d in self.keys_of(issuer)? {
            if d.id != new.id && d.status == DocumentStatus::Active {
                self.storage
                    .set_status(KEY_KIND, &d.id, d.version, DocumentStatus::Retired)
                    .map_err(storage)?;
            }
        }
        self.keys.invalidate_issuer(issuer);
        self.key_doc(&new.id)
    }

    /// Revokes a key: nothing verifies under it from now on.
    pub fn revoke_key(&self, issuer: &str, key_id: &str) -> Result<Document, Problem> {
        let id = format!("{issuer}/{key_id}");
        let d = self.key_doc(&id)?;
        self.storage
            .set_status(KEY_KIND, &id, d.version, DocumentStatus::Revoked)
            .map_err(storage)?;
        self.keys.invalidate_issuer(issuer);
        self.key_doc(&id)
    }

    fn key_doc(&self, id: &str) -> Result<Document, Problem> {
        self.storage
            .get_document(KEY_KIND, id, None)
            .map_err(storage)?
            .ok_or_else(|| Problem::not_found("key_not_found", "no such issuer key"))
    }

    /// Every key of `issuer`.
    pub fn keys_of(&self, issuer: &str) -> Result<Vec<Document>, Problem> {
        self.get(Kind::Issuer, issuer, None)?;
        let prefix = format!("{issuer}/");
        Ok(self
            .list(KEY_KIND)?
            .into_iter()
            .filter(|d| d.id.starts_with(&prefix))
            .collect())
    }

    /// The verification key `key_id` of `issuer`, through the cache. Refused
    /// (422): `unknown_issuer` (not registered, or retired), `unknown_key`,
    /// `key_revoked`.
    pub fn verification_key(&self, issuer: &str, key_id: &str) -> Result<Arc<CachedKey>, Problem> {
        let cache_key = (issuer.to_owned(), key_id.to_owned());
        self.keys
            .get_or_try_insert_with(&cache_key, issuer, || self.load_key(issuer, key_id))
    }

    fn load_key(&self, issuer: &str, key_id: &str) -> Result<Arc<CachedKey>, Problem> {
        let refuse =
            |code, detail: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail);
        let issuer_ok = zkcred_credential::keys::check_identifier("issuer", issuer).is_ok()
            && self
                .storage
                .get_document(Kind::Issuer.as_str(), issuer, None)
                .map_err(storage)?
                .is_some_and(|d| d.status == DocumentStatus::Active);
        if !issuer_ok {
            return Err(refuse(
                "unknown_issuer",
                "the presented issuer is not an active issuer of the registry".into(),
            ));
        }
        if key_id.is_empty() || key_id.len() > 64 {
            return Err(refuse(
                "unknown_key",
                format!("issuer {issuer} has no such key"),
            ));
        }
        let id = format!("{issuer}/{key_id}");
        let doc = self
            .storage
            .get_document(KEY_KIND, &id, None)
            .map_err(storage)?
            .ok_or_else(|| refuse("unknown_key", format!("issuer {issuer} has no such key")))?;
        if doc.status == DocumentStatus::Revoked {
            return Err(refuse(
                "key_revoked",
                format!("key {key_id} of {issuer} is revoked"),
            ));
        }
        let public: IssuerPublicKey =
            serde_json::from_value(doc.body).map_err(|e| Problem::internal(&e))?;
        let verifier = Arc::new(VerifierKey::new(public.public_key.clone()));
        Ok(Arc::new(CachedKey { public, verifier }))
    }
}

fn not_found(kind: Kind) -> Problem {
    let code = match kind {
        Kind::Issuer => "issuer_not_found",
        Kind::Agreement => "agreement_not_found",
        Kind::Policy => "policy_not_found",
    };
    Problem::not_found(code, format!("no such {}", kind.as_str()))
}
