//! The policy layer inside the service: the `zkcred-policy` trust registry,
//! policies, evaluation and minimisation audit, over the documents the
//! service stores.
//!
//! The service stores documents (see [`super::registry`]); this module turns
//! them into the policy crate's types and never models trust or policies
//! itself:
//!
//! - **registry**: the shipped regions, agreements and national tier
//!   ([`Registry::builtin`]), then the stored agreements (added, replaced or,
//!   when retired, removed) and the stored active issuers with their keys
//!   (revoked keys flagged), merged as one registry file so the policy
//!   crate checks them. A change is built into a new registry first and only
//!   stored if that succeeds; the new registry then replaces the old one.
//! - **policies**: the policy crate's JSON (`zkcred-policy` format), loaded
//!   with the registry; parsed once per (id, version).
//! - **evaluation** in the policy crate's stages: [`Engine::check_shape`]
//!   before the proofs, [`Engine::conclude`] after them, so the service can
//!   batch the proofs of many presentations in between.

use std::sync::{Arc, PoisonError, RwLock};
use zkcred_problem::ProblemCode;

use dashmap::DashMap;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use zkcred_credential::{
    Catalogue, DisclosedCredential, Error as CredError, Presentation, PresentationRequest,
};
use zkcred_policy::registry::{REGISTRY_FORMAT, REGISTRY_VERSION};
use zkcred_policy::{
    AuditReport, Decision, Evaluator, Policy, PolicyLoader, Registry, SystemClock,
};

use crate::storage::{Document, DocumentStatus};

/// A document or registry change the policy layer refuses, with a stable
/// code and a reason naming fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct EngineError {
    /// The problem code, e.g. [`ProblemCode::PolicyInvalid`].
    pub code: ProblemCode,
    /// What is wrong.
    pub reason: String,
}

impl EngineError {
    fn new(code: ProblemCode, reason: impl Into<String>) -> Self {
        EngineError {
            code,
            reason: reason.into(),
        }
    }
}

/// The registry documents as stored: the latest version of each, any status.
#[derive(Debug, Clone, Default)]
pub struct RegistryDocs {
    /// Issuers (`issuer`).
    pub issuers: Vec<Document>,
    /// Issuer keys (`issuer_key`, id `<issuer>/<key_id>`).
    pub keys: Vec<Document>,
    /// Agreements (`agreement`).
    pub agreements: Vec<Document>,
}

/// The policy layer; see the module documentation.
pub struct Engine {
    catalogue: &'static Catalogue,
    registry: RwLock<Arc<Registry>>,
    policies: DashMap<(String, u32), Arc<Policy>>,
    clock: SystemClock,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

fn load_error(code: ProblemCode, e: &zkcred_policy::LoadError) -> EngineError {
    EngineError::new(code, format!("{}: {}", e.location, e.message))
}

/// The registry file form of a stored key document.
fn key_entry(doc: &Document) -> Value {
    let b = &doc.body;
    json!({
        "key_id": b["key_id"],
        "suite": b["suite"],
        "public_key": b["public_key"],
        "not_before": b["not_before"],
        "not_after": b["not_after"],
        "revoked": doc.status == DocumentStatus::Revoked,
    })
}

impl Engine {
    /// An engine over `catalogue` with the shipped registry data.
    pub fn new(catalogue: &'static Catalogue) -> Result<Self, EngineError> {
        let registry = Registry::builtin(catalogue)
            .map_err(|e| load_error(ProblemCode::RegistryInvalid, &e))?;
        Ok(Engine {
            catalogue,
            registry: RwLock::new(Arc::new(registry)),
            policies: DashMap::new(),
            clock: SystemClock,
        })
    }

    /// The registry in force.
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Builds the registry the documents describe (see the module docs).
    pub fn build(&self, docs: &RegistryDocs) -> Result<Registry, EngineError> {
        let mut registry = Registry::builtin(self.catalogue)
            .map_err(|e| load_error(ProblemCode::RegistryInvalid, &e))?;
        for d in &docs.agreements {
            let known = registry.agreement(&d.id).is_some();
            let result = if d.status == DocumentStatus::Active {
                let a = serde_json::from_value(d.body.clone()).map_err(|e| {
                    EngineError::new(
                        ProblemCode::AgreementInvalid,
                        format!("agreement {}: {e}", d.id),
                    )
                })?;
                if known {
                    registry.replace_agreement(a).map(|_| ())
                } else {
                    registry.add_agreement(a)
                }
            } else if known {
                registry.remove_agreement(&d.id).map(|_| ())
            } else {
                Ok(())
            };
            result.map_err(|e| {
                EngineError::new(
                    ProblemCode::AgreementInvalid,
                    format!("agreement {}: {e}", d.id),
                )
            })?;
        }
        let issuers: Vec<Value> = docs
            .issuers
            .iter()
            .filter(|d| d.status == DocumentStatus::Active)
            .map(|d| {
                let mut body = d.body.as_object().cloned().unwrap_or_default();
                let prefix = format!("{}/", d.id);
                let keys: Vec<Value> = docs
                    .keys
                    .iter()
                    .filter(|k| k.id.starts_with(&prefix))
                    .map(key_entry)
                    .collect();
                body.insert("keys".into(), Value::Array(keys));
                Value::Object(body)
            })
            .collect();
        let file = json!({
            "format": REGISTRY_FORMAT,
            "version": REGISTRY_VERSION,
            "issuers": issuers,
        });
        registry
            .merge_text("stored issuers", &file.to_string())
            .map_err(|e| load_error(ProblemCode::IssuerInvalid, &e))?;
        Ok(registry)
    }

    /// Puts `registry` in force.
    pub fn install(&self, registry: Registry) {
        *self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(registry);
    }

    /// Checks an issuer document's outer shape; returns its id (the registry
    /// build checks the rest).
    pub fn issuer_id(&self, body: &Value) -> Result<String, EngineError> {
        let obj = body.as_object().ok_or_else(|| {
            EngineError::new(ProblemCode::IssuerInvalid, "a JSON object is required")
        })?;
        if obj.contains_key("keys") {
            return Err(EngineError::new(
                ProblemCode::IssuerInvalid,
                "keys are added through /v1/issuers/{id}/keys, not in the issuer document",
            ));
        }
        identifier(obj, ProblemCode::IssuerInvalid)
    }

    /// Checks an agreement document's outer shape; returns its id.
    pub fn agreement_id(&self, body: &Value) -> Result<String, EngineError> {
        let obj = body.as_object().ok_or_else(|| {
            EngineError::new(ProblemCode::AgreementInvalid, "a JSON object is required")
        })?;
        identifier(obj, ProblemCode::AgreementInvalid)
    }

    /// Loads a policy document against the registry in force.
    pub fn load_policy(&self, body: &Value) -> Result<Policy, EngineError> {
        let registry = self.registry();
        PolicyLoader::new(self.catalogue)
            .with_registry(&registry)
            .parse("policy", &body.to_string())
            .map_err(|e| load_error(ProblemCode::PolicyInvalid, &e))
    }

    /// The policy of a stored version (parsed once).
    pub fn policy(&self, doc: &Document) -> Result<Arc<Policy>, EngineError> {
        let key = (doc.id.clone(), doc.version);
        if let Some(p) = self.policies.get(&key) {
            return Ok(Arc::clone(&p));
        }
        let p = Arc::new(self.load_policy(&doc.body)?);
        self.policies.insert(key, Arc::clone(&p));
        Ok(p)
    }

    /// The policy of version `version` of `id` if it was parsed before: a
    /// stored version never changes, so the hot path skips the storage.
    pub fn cached_policy(&self, id: &str, version: u32) -> Option<Arc<Policy>> {
        // The map is keyed by owned strings; a miss here is rare (once per
        // version and process), a hit costs one short allocation.
        self.policies
            .get(&(id.to_owned(), version))
            .map(|p| Arc::clone(&p))
    }

    /// A presentation request under `policy` at `now` (fresh random
    /// challenge; the caller puts its own in).
    pub fn request(
        &self,
        policy: &Policy,
        now: OffsetDateTime,
    ) -> Result<PresentationRequest, EngineError> {
        policy
            .request(&policy.default_choices(), now, &mut rand::rngs::OsRng)
            .map_err(|e| EngineError::new(ProblemCode::PolicyInvalid, e.to_string()))
    }

    fn evaluator<'a>(&'a self, registry: &'a Registry) -> Evaluator<'a> {
        Evaluator {
            catalogue: self.catalogue,
            registry,
            clock: &self.clock,
        }
    }

    /// The policy crate's shape stage; `Err` is the refused decision.
    pub fn check_shape(
        &self,
        policy: &Policy,
        request: &PresentationRequest,
        presentation: &Presentation,
    ) -> Result<(), Box<Decision>> {
        let registry = self.registry();
        self.evaluator(&registry)
            .check_shape(policy, request, presentation)
    }

    /// The policy crate's trust-and-conditions stage, after the proofs.
    pub fn conclude(
        &self,
        policy: &Policy,
        verified: Result<Vec<DisclosedCredential>, CredError>,
    ) -> Decision {
        let registry = self.registry();
        self.evaluator(&registry).conclude(policy, verified)
    }

    /// The minimisation audit of `policy`.
    pub fn audit(&self, policy: &Policy) -> AuditReport {
        zkcred_policy::audit(self.catalogue, policy)
    }
}

fn identifier(obj: &Map<String, Value>, code: ProblemCode) -> Result<String, EngineError> {
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| EngineError::new(code, "the document needs a string `id`"))?;
    if id.is_empty() || id.len() > 128 || id.contains('/') {
        return Err(EngineError::new(
            code,
            "`id` must be 1-128 characters without `/`",
        ));
    }
    Ok(id.to_owned())
}
