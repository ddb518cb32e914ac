//! Registry and policy administration over the stored documents, and the
//! issuer-key lookup of the verification path.
//!
//! Documents (kinds `issuer`, `issuer_key`, `agreement`, `policy`) are
//! versioned in the [`Storage`]. A registry change (issuer, key, agreement)
//! is applied to the stored documents in memory, built into a new policy
//! registry by the [`Engine`] (which refuses what the policy crate refuses),
//! and only then written and put in force; administration is serialised so
//! changes cannot interleave.
//!
//! Issuer keys are the credential crate's public key documents, stored under
//! `issuer_key` with the id `<issuer>/<key_id>`: *active* keys and keys
//! *retired* by a rotation verify (credentials outlive their key's issuance
//! window), *revoked* ones never do. Verifier keys, with their precomputed
//! tables, are cached; an issuer's entries are dropped on every change to
//! the issuer or its keys.
//!
//! Policies are the policy crate's documents; their stored version is the
//! policy's own `version`, which must grow. The latest version of each
//! policy is cached for challenge issuance ([`Registry::current_policy`]):
//! this node's policy changes drop the entry at once; the TTL bounds how long
//! another node's change could go unseen once several nodes share a store.
//!
//! Another node's changes reach this one through [`crate::coherence`]:
//! [`Registry::reload_registry`] rebuilds the registry in force from the
//! stored documents when they differ from those it was built from (the
//! `(version, status)` of every issuer, key and agreement: a stored version
//! never changes but for its status) and drops the cached keys of exactly
//! the issuers that changed; [`Registry::reload_policy`] and
//! [`Registry::refresh_policies`] drop cached policies.
//!
//! Every function here blocks on storage: call them off the async runtime.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use zkcred_problem::ProblemCode;

use serde_json::Value;
use zkcred_credential::IssuerPublicKey;
use zkcred_crypto::bbs::VerifierKey;

use super::engine::{Engine, EngineError, RegistryDocs};
use super::problem::Problem;
use crate::cache::TtlCache;
use crate::storage::{Document, DocumentStatus, DynStorage, Storage, StorageError};

/// Storage kind of issuers.
pub const ISSUER_KIND: &str = "issuer";
/// Storage kind of issuer keys.
pub const KEY_KIND: &str = "issuer_key";
/// Storage kind of agreements.
pub const AGREEMENT_KIND: &str = "agreement";
/// Storage kind of policies.
pub const POLICY_KIND: &str = "policy";

/// A verification key ready for the hot path.
#[derive(Debug)]
pub struct CachedKey {
    /// The key.
    pub public: IssuerPublicKey,
    /// The prepared key (lines, domain tables).
    pub verifier: Arc<VerifierKey>,
}

/// The verifier-key cache, keyed by (issuer, key id).
pub type KeyCache = TtlCache<(String, String), CachedKey>;

/// What a registry in force was built from: `(version, status)` of the
/// latest version of every issuer, key and agreement document, by kind and
/// id. Stored versions are immutable but for their status, so two equal
/// snapshots describe the same documents.
type Snapshot = BTreeMap<(&'static str, String), (u32, DocumentStatus)>;

fn snapshot(docs: &RegistryDocs) -> Snapshot {
    let kinds = [
        (ISSUER_KIND, &docs.issuers),
        (KEY_KIND, &docs.keys),
        (AGREEMENT_KIND, &docs.agreements),
    ];
    kinds
        .into_iter()
        .flat_map(|(kind, list)| {
            list.iter()
                .map(move |d| ((kind, d.id.clone()), (d.version, d.status)))
        })
        .collect()
}

/// The issuer a registry document belongs to: an issuer's own id, the
/// `<issuer>` of a key's `<issuer>/<key_id>`; none for an agreement.
fn issuer_of(kind: &str, id: &str) -> Option<String> {
    match kind {
        ISSUER_KIND => Some(id.to_owned()),
        KEY_KIND => id.split_once('/').map(|(issuer, _)| issuer.to_owned()),
        _ => None,
    }
}

/// Registry administration; see the module documentation.
pub struct Registry {
    storage: DynStorage,
    engine: Engine,
    keys: KeyCache,
    policies: TtlCache<String, Document>,
    /// Serialises changes: administration here, reloads from the store.
    admin: Mutex<()>,
    /// What the registry in force was built from (changed under `admin`).
    installed: Mutex<Snapshot>,
}

/// How long the latest version of a policy stays cached for challenge
/// issuance (see the module documentation).
const POLICY_CACHE_TTL: Duration = Duration::from_secs(5);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

fn engine_problem(e: EngineError) -> Problem {
    Problem::new(e.code, e.reason)
}

fn storage(e: StorageError) -> Problem {
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

fn not_found(kind: &str) -> Problem {
    let code = match kind {
        ISSUER_KIND => ProblemCode::IssuerNotFound,
        AGREEMENT_KIND => ProblemCode::AgreementNotFound,
        POLICY_KIND => ProblemCode::PolicyNotFound,
        _ => ProblemCode::KeyNotFound,
    };
    Problem::new(code, format!("no such {}", kind.replace('_', " ")))
}

fn conflict(detail: String) -> Problem {
    Problem::new(ProblemCode::AlreadyExists, detail)
}

/// A document not yet stored, for building a candidate registry.
fn draft(kind: &str, id: &str, version: u32, body: &Value, status: DocumentStatus) -> Document {
    Document {
        kind: kind.into(),
        id: id.into(),
        version,
        body: body.clone(),
        status,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn upsert(list: &mut Vec<Document>, doc: Document) {
    list.retain(|d| d.id != doc.id);
    list.push(doc);
}

impl Registry {
    /// The registry over `storage`, putting the stored registry in force.
    pub fn open(storage: DynStorage, engine: Engine, keys: KeyCache) -> Result<Self, Problem> {
        let r = Registry {
            storage,
            engine,
            keys,
            policies: TtlCache::new(POLICY_CACHE_TTL, 4096),
            admin: Mutex::new(()),
            installed: Mutex::new(Snapshot::new()),
        };
        let docs = r.docs()?;
        let built = r.engine.build(&docs).map_err(engine_problem)?;
        r.install(built, &docs);
        Ok(r)
    }

    /// Puts `built` (from `docs`) in force. Called under `admin` (or
    /// before the registry is shared).
    fn install(&self, built: zkcred_policy::Registry, docs: &RegistryDocs) {
        self.engine.install(built);
        *self
            .installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = snapshot(docs);
    }

    /// Rebuilds the registry in force from the stored documents if they
    /// differ from what it was built from (another node changed them), and
    /// drops the cached verifier keys of every issuer whose document or
    /// keys changed. Returns those issuers (sorted), or `None` when nothing
    /// changed. Idempotent; serialised with this node's own changes.
    ///
    /// # Errors
    /// The store's errors; the policy crate's refusal of the stored
    /// documents (the registry in force is then kept).
    pub fn reload_registry(&self) -> Result<Option<Vec<String>>, Problem> {
        let _admin = self.lock();
        let docs = self.docs()?;
        let now = snapshot(&docs);
        let before = self
            .installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if now == before {
            return Ok(None);
        }
        let mut changed: Vec<String> = now
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .chain(before.iter().filter(|(k, _)| !now.contains_key(*k)))
            .filter_map(|((kind, id), _)| issuer_of(kind, id))
            .collect();
        changed.sort_unstable();
        changed.dedup();
        let built = self.engine.build(&docs).map_err(engine_problem)?;
        self.install(built, &docs);
        // After the new registry is in force, as in `commit`: a key load
        // that read the old one is not cached (the cache's epoch).
        for issuer in &changed {
            self.keys.invalidate_issuer(issuer);
        }
        Ok(Some(changed))
    }

    /// Drops the cached latest version of policy `id` (changed by another
    /// node); returns whether one was cached. No storage access.
    pub fn reload_policy(&self, id: &str) -> bool {
        self.policies.invalidate(&id.to_owned())
    }

    /// Drops every cached latest policy version that is no longer the
    /// stored latest version with its status; returns how many.
    ///
    /// # Errors
    /// The store's errors.
    pub fn refresh_policies(&self) -> Result<usize, Problem> {
        let stored = self.list(POLICY_KIND)?;
        let stale = stored
            .iter()
            .filter(|d| {
                self.policies
                    .peek(&d.id)
                    .is_some_and(|c| (c.version, c.status) != (d.version, d.status))
            })
            .filter(|d| self.policies.invalidate(&d.id))
            .count();
        Ok(stale)
    }

    /// The policy layer.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The key cache (for metrics).
    pub fn key_cache(&self) -> &KeyCache {
        &self.keys
    }

    fn docs(&self) -> Result<RegistryDocs, Problem> {
        Ok(RegistryDocs {
            issuers: self.list(ISSUER_KIND)?,
            keys: self.list(KEY_KIND)?,
            agreements: self.list(AGREEMENT_KIND)?,
        })
    }

    /// Applies `change` to the stored registry documents, builds the result,
    /// then runs `write` and puts it in force; drops `issuer`'s cached keys.
    fn commit(
        &self,
        issuer: Option<&str>,
        change: impl FnOnce(&mut RegistryDocs),
        write: impl FnOnce(&dyn Storage) -> Result<(), StorageError>,
    ) -> Result<(), Problem> {
        let mut docs = self.docs()?;
        change(&mut docs);
        let built = self.engine.build(&docs).map_err(engine_problem)?;
        write(&*self.storage).map_err(storage)?;
        self.install(built, &docs);
        if let Some(i) = issuer {
            self.keys.invalidate_issuer(i);
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.admin.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest version of every document of `kind`.
    pub fn list(&self, kind: &str) -> Result<Vec<Document>, Problem> {
        Ok(latest(self.storage.list_documents(kind).map_err(storage)?))
    }

    /// A document (latest version, or `version`).
    pub fn get(&self, kind: &str, id: &str, version: Option<u32>) -> Result<Document, Problem> {
        self.storage
            .get_document(kind, id, version)
            .map_err(storage)?
            .ok_or_else(|| not_found(kind))
    }

    /// Every version of a document.
    pub fn versions(&self, kind: &str, id: &str) -> Result<Vec<Document>, Problem> {
        let all: Vec<Document> = self
            .storage
            .list_documents(kind)
            .map_err(storage)?
            .into_iter()
            .filter(|d| d.id == id)
            .collect();
        if all.is_empty() {
            return Err(not_found(kind));
        }
        Ok(all)
    }

    fn exists(&self, kind: &str, id: &str) -> Result<bool, Problem> {
        Ok(self
            .storage
            .get_document(kind, id, None)
            .map_err(storage)?
            .is_some())
    }

    /// Creates version 1 of an issuer or agreement.
    pub fn create(&self, kind: &'static str, body: &Value) -> Result<Document, Problem> {
        if kind == POLICY_KIND {
            return self.put_policy(None, body);
        }
        let _admin = self.lock();
        let id = self.doc_id(kind, body)?;
        if self.exists(kind, &id)? {
            return Err(conflict(format!(
                "{kind} {id} exists; add a version instead"
            )));
        }
        let d = draft(kind, &id, 1, body, DocumentStatus::Active);
        let issuer = (kind == ISSUER_KIND).then_some(id.as_str());
        self.commit(
            issuer,
            |docs| upsert(docs.list_mut(kind), d),
            |s| s.put_document(kind, &id, 1, body, DocumentStatus::Active),
        )?;
        self.get(kind, &id, Some(1))
    }

    /// Stores the next version of a document; earlier versions are retired.
    pub fn new_version(
        &self,
        kind: &'static str,
        id: &str,
        body: &Value,
    ) -> Result<Document, Problem> {
        if kind == POLICY_KIND {
            return self.put_policy(Some(id), body);
        }
        let _admin = self.lock();
        let checked = self.doc_id(kind, body)?;
        if checked != id {
            return Err(Problem::invalid(format!(
                "the document's id is {checked}, the path names {id}"
            )));
        }
        let prev = self.get(kind, id, None)?;
        let version = prev.version + 1;
        let d = draft(kind, id, version, body, DocumentStatus::Active);
        let issuer = (kind == ISSUER_KIND).then_some(id);
        self.commit(
            issuer,
            |docs| upsert(docs.list_mut(kind), d),
            |s| {
                s.put_document(kind, id, version, body, DocumentStatus::Active)?;
                if prev.status == DocumentStatus::Active {
                    s.set_status(kind, id, prev.version, DocumentStatus::Retired)?;
                }
                Ok(())
            },
        )?;
        self.get(kind, id, Some(version))
    }

    /// Retires the latest version of a document (an issuer's keys stop
    /// verifying; a policy stops issuing challenges).
    pub fn retire(&self, kind: &'static str, id: &str) -> Result<Document, Problem> {
        let _admin = self.lock();
        let d = self.get(kind, id, None)?;
        let write = |s: &dyn Storage| s.set_status(kind, id, d.version, DocumentStatus::Retired);
        if kind == POLICY_KIND {
            write(&*self.storage).map_err(storage)?;
            self.policies.invalidate(&id.to_owned());
        } else {
            let mut retired = d.clone();
            retired.status = DocumentStatus::Retired;
            let issuer = (kind == ISSUER_KIND).then_some(id);
            self.commit(issuer, |docs| upsert(docs.list_mut(kind), retired), write)?;
        }
        self.get(kind, id, Some(d.version))
    }

    fn doc_id(&self, kind: &str, body: &Value) -> Result<String, Problem> {
        match kind {
            ISSUER_KIND => self.engine.issuer_id(body),
            _ => self.engine.agreement_id(body),
        }
        .map_err(engine_problem)
    }

    /// The latest version of policy `id` (any status) if it is cached: no
    /// storage access, so callable on the async runtime.
    pub fn cached_current_policy(&self, id: &str) -> Option<Arc<Document>> {
        self.policies.get(&id.to_owned())
    }

    /// The latest version of policy `id` (any status), cached.
    pub fn current_policy(&self, id: &str) -> Result<Arc<Document>, Problem> {
        self.policies
            .get_or_try_insert_with(&id.to_owned(), id, || {
                self.get(POLICY_KIND, id, None).map(Arc::new)
            })
    }

    fn put_policy(&self, path_id: Option<&str>, body: &Value) -> Result<Document, Problem> {
        let _admin = self.lock();
        let policy = self.engine.load_policy(body).map_err(engine_problem)?;
        let (id, version) = (policy.id().to_owned(), policy.version());
        let prev = self
            .storage
            .get_document(POLICY_KIND, &id, None)
            .map_err(storage)?;
        match (path_id, &prev) {
            (None, Some(_)) => {
                return Err(conflict(format!(
                    "policy {id} exists; add a version instead"
                )))
            }
            (Some(p), _) if p != id => {
                return Err(Problem::invalid(format!(
                    "the policy's id is {id}, the path names {p}"
                )))
            }
            (Some(_), None) => return Err(not_found(POLICY_KIND)),
            _ => {}
        }
        self.storage
            .put_document(POLICY_KIND, &id, version, body, DocumentStatus::Active)
            .map_err(storage)?;
        if let Some(prev) = prev.filter(|p| p.status == DocumentStatus::Active) {
            self.storage
                .set_status(POLICY_KIND, &id, prev.version, DocumentStatus::Retired)
                .map_err(storage)?;
        }
        self.policies.invalidate(&id);
        self.get(POLICY_KIND, &id, Some(version))
    }

    fn parse_key(&self, issuer: &str, body: &Value) -> Result<IssuerPublicKey, Problem> {
        let key = IssuerPublicKey::from_json(&body.to_string())
            .map_err(|e| Problem::new(ProblemCode::KeyInvalid, e.to_string()))?;
        if key.issuer != issuer {
            return Err(Problem::new(
                ProblemCode::KeyInvalid,
                format!("the key belongs to issuer {}, not {issuer}", key.issuer),
            ));
        }
        Ok(key)
    }

    fn active_issuer(&self, issuer: &str) -> Result<(), Problem> {
        if self.get(ISSUER_KIND, issuer, None)?.status != DocumentStatus::Active {
            return Err(Problem::new(
                ProblemCode::IssuerRetired,
                format!("issuer {issuer} is retired"),
            ));
        }
        Ok(())
    }

    /// Adds a key of `issuer`; with `rotate`, retires its other active keys
    /// (they still verify the credentials they signed).
    pub fn add_key(&self, issuer: &str, body: &Value, rotate: bool) -> Result<Document, Problem> {
        let _admin = self.lock();
        self.active_issuer(issuer)?;
        let key = self.parse_key(issuer, body)?;
        let id = format!("{issuer}/{}", key.key_id);
        if self.exists(KEY_KIND, &id)? {
            return Err(conflict(format!("key {} of {issuer} exists", key.key_id)));
        }
        let stored = serde_json::to_value(&key).map_err(|e| Problem::internal(&e))?;
        let retiring: Vec<Document> = if rotate {
            self.keys_of(issuer)?
                .into_iter()
                .filter(|d| d.status == DocumentStatus::Active)
                .collect()
        } else {
            Vec::new()
        };
        let d = draft(KEY_KIND, &id, 1, &stored, DocumentStatus::Active);
        self.commit(
            Some(issuer),
            |docs| {
                upsert(&mut docs.keys, d);
                for r in &retiring {
                    let mut r = r.clone();
                    r.status = DocumentStatus::Retired;
                    upsert(&mut docs.keys, r);
                }
            },
            |s| {
                s.put_document(KEY_KIND, &id, 1, &stored, DocumentStatus::Active)?;
                for r in &retiring {
                    s.set_status(KEY_KIND, &r.id, r.version, DocumentStatus::Retired)?;
                }
                Ok(())
            },
        )?;
        self.get(KEY_KIND, &id, None)
    }

    /// Revokes a key: nothing verifies under it from now on.
    pub fn revoke_key(&self, issuer: &str, key_id: &str) -> Result<Document, Problem> {
        let _admin = self.lock();
        let id = format!("{issuer}/{key_id}");
        let d = self.get(KEY_KIND, &id, None)?;
        let mut revoked = d.clone();
        revoked.status = DocumentStatus::Revoked;
        self.commit(
            Some(issuer),
            |docs| upsert(&mut docs.keys, revoked),
            |s| s.set_status(KEY_KIND, &id, d.version, DocumentStatus::Revoked),
        )?;
        self.get(KEY_KIND, &id, None)
    }

    /// Every key of `issuer`.
    pub fn keys_of(&self, issuer: &str) -> Result<Vec<Document>, Problem> {
        self.get(ISSUER_KIND, issuer, None)?;
        let prefix = format!("{issuer}/");
        Ok(self
            .list(KEY_KIND)?
            .into_iter()
            .filter(|d| d.id.starts_with(&prefix))
            .collect())
    }

    /// The verification key `key_id` of `issuer`, through the cache, from
    /// the registry in force. Refused (422): `unknown_issuer`, `unknown_key`,
    /// `key_revoked`.
    pub fn verification_key(&self, issuer: &str, key_id: &str) -> Result<Arc<CachedKey>, Problem> {
        let cache_key = (issuer.to_owned(), key_id.to_owned());
        self.keys
            .get_or_try_insert_with(&cache_key, issuer, || self.load_key(issuer, key_id))
    }

    fn load_key(&self, issuer: &str, key_id: &str) -> Result<Arc<CachedKey>, Problem> {
        let refuse = |code: ProblemCode, detail: &str| Problem::new(code, detail.to_owned());
        let registry = self.engine.registry();
        let i = registry.issuer(issuer).ok_or_else(|| {
            refuse(
                ProblemCode::UnknownIssuer,
                "the presented issuer is not an active issuer of the registry",
            )
        })?;
        let k = i
            .key(key_id)
            .ok_or_else(|| refuse(ProblemCode::UnknownKey, "the issuer has no such key"))?;
        if k.revoked {
            return Err(refuse(ProblemCode::KeyRevoked, "the issuer key is revoked"));
        }
        let verifier = Arc::new(VerifierKey::new(k.key.public_key.clone()));
        Ok(Arc::new(CachedKey {
            public: k.key.clone(),
            verifier,
        }))
    }
}

impl RegistryDocs {
    fn list_mut(&mut self, kind: &str) -> &mut Vec<Document> {
        match kind {
            ISSUER_KIND => &mut self.issuers,
            KEY_KIND => &mut self.keys,
            _ => &mut self.agreements,
        }
    }
}
