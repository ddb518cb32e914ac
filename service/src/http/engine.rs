//! The seam between the service and the policy layer.
//!
//! The trust registry (issuers, agreements) and the policies are owned by
//! the `zkcred-policy` crate; the service only stores their documents,
//! serves them, and asks a [`PolicyEngine`] to check documents, to say what
//! a policy asks of a holder, to decide on verified presentations and to
//! audit policies for minimisation. Issuer *keys* are the credential
//! crate's [`zkcred_credential::IssuerPublicKey`] and are handled by the
//! service itself (cache, rotation, revocation).
//!
//! [`ProvisionalEngine`] is a stand-in until the policy crate is merged: a
//! policy is just the credentials it requests (the credential crate's
//! [`RequestedCredential`]), every presentation whose proofs verify under a
//! registered, unrevoked key is accepted, and the audit lists the requested
//! attributes with their catalogue sensitivity. It is not a registry or
//! policy model and is to be replaced, not extended.

use std::collections::BTreeSet;
use std::sync::{PoisonError, RwLock};

use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;
use zkcred_credential::{Catalogue, DisclosedCredential, PresentationRequest, RequestedCredential};

use crate::storage::Document;

/// Kinds of registry and policy documents the engine checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An issuing department.
    Issuer,
    /// A mutual-recognition agreement.
    Agreement,
    /// A verifier policy.
    Policy,
}

impl Kind {
    /// The storage kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Issuer => "issuer",
            Kind::Agreement => "agreement",
            Kind::Policy => "policy",
        }
    }
}

/// A document the engine refuses, with a stable code and a reason that
/// names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct EngineError {
    /// Stable code, e.g. `policy_invalid`.
    pub code: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl EngineError {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        EngineError {
            code,
            reason: reason.into(),
        }
    }
}

/// The decision on a presentation whose proofs verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The policy is satisfied.
    Accepted,
    /// It is not; `reason` is a stable code (`[a-z0-9_]`).
    Refused {
        /// The code, e.g. `policy_unsatisfied`.
        reason: &'static str,
        /// Explanation naming attributes or issuers, never values.
        detail: String,
    },
}

/// The active registry documents, as stored (latest version of each).
#[derive(Debug, Clone, Default)]
pub struct RegistryDocs {
    /// Active issuers.
    pub issuers: Vec<Document>,
    /// Active agreements.
    pub agreements: Vec<Document>,
}

/// What the service needs of the policy layer; see the module docs.
pub trait PolicyEngine: Send + Sync {
    /// Checks an administrator's document of `kind`; returns its identifier.
    fn check(&self, kind: Kind, body: &Value) -> Result<String, EngineError>;

    /// Replaces the engine's registry with the stored active documents
    /// (called at start and after every registry change).
    fn load_registry(&self, docs: &RegistryDocs) -> Result<(), EngineError>;

    /// The credentials a holder is asked for under `policy`.
    fn request(&self, policy: &Document) -> Result<Vec<RequestedCredential>, EngineError>;

    /// Decides on the verified credentials of a presentation under `policy`.
    fn evaluate(
        &self,
        policy: &Document,
        disclosed: &[DisclosedCredential],
        now: OffsetDateTime,
    ) -> Decision;

    /// The minimisation audit of `policy`, for regulators.
    fn audit(&self, policy: &Document) -> Value;
}

/// The stand-in engine; see the module documentation.
#[derive(Debug)]
pub struct ProvisionalEngine {
    catalogue: &'static Catalogue,
    issuers: RwLock<BTreeSet<String>>,
}

#[derive(Deserialize)]
struct Identified {
    id: String,
}

#[derive(Deserialize)]
struct PolicyBody {
    credentials: Vec<RequestedCredential>,
}

impl ProvisionalEngine {
    /// An engine over `catalogue`.
    pub fn new(catalogue: &'static Catalogue) -> Self {
        ProvisionalEngine {
            catalogue,
            issuers: RwLock::default(),
        }
    }

    fn policy(&self, body: &Value) -> Result<PolicyBody, EngineError> {
        let p = PolicyBody::deserialize(body)
            .map_err(|e| EngineError::new("policy_invalid", e.to_string()))?;
        // A request carrying the policy's entries checks types, attribute
        // names and issuer identifiers against the catalogue.
        let probe = PresentationRequest {
            format: zkcred_credential::presentation::REQUEST_FORMAT.into(),
            version: zkcred_credential::presentation::PRESENTATION_VERSION,
            verifier: "policy.check".into(),
            challenge: "00".repeat(32),
            expires_at: OffsetDateTime::UNIX_EPOCH,
            credentials: p.credentials.clone(),
        };
        probe
            .validate(self.catalogue)
            .map_err(|e| EngineError::new("policy_invalid", e.to_string()))?;
        Ok(p)
    }
}

fn identifier(body: &Value, code: &'static str) -> Result<String, EngineError> {
    let id = Identified::deserialize(body)
        .map_err(|_| EngineError::new(code, "the document needs a string `id`"))?
        .id;
    zkcred_credential::keys::check_identifier("id", &id)
        .map_err(|_| EngineError::new(code, "`id` must be 1-128 of [A-Za-z0-9._:-]"))?;
    Ok(id)
}

impl PolicyEngine for ProvisionalEngine {
    fn check(&self, kind: Kind, body: &Value) -> Result<String, EngineError> {
        if !body.is_object() {
            return Err(EngineError::new(
                "document_invalid",
                "a JSON object is required",
            ));
        }
        match kind {
            Kind::Issuer => identifier(body, "issuer_invalid"),
            Kind::Agreement => identifier(body, "agreement_invalid"),
            Kind::Policy => {
                let id = identifier(body, "policy_invalid")?;
                self.policy(body)?;
                Ok(id)
            }
        }
    }

    fn load_registry(&self, docs: &RegistryDocs) -> Result<(), EngineError> {
        let ids = docs.issuers.iter().map(|d| d.id.clone()).collect();
        *self.issuers.write().unwrap_or_else(PoisonError::into_inner) = ids;
        Ok(())
    }

    fn request(&self, policy: &Document) -> Result<Vec<RequestedCredential>, EngineError> {
        Ok(self.policy(&policy.body)?.credentials)
    }

    fn evaluate(
        &self,
        _policy: &Document,
        disclosed: &[DisclosedCredential],
        _now: OffsetDateTime,
    ) -> Decision {
        let issuers = self.issuers.read().unwrap_or_else(PoisonError::into_inner);
        match disclosed.iter().find(|d| !issuers.contains(&d.issuer)) {
            Some(d) => Decision::Refused {
                reason: "unknown_issuer",
                detail: format!("issuer {} is not in the registry", d.issuer),
            },
            None => Decision::Accepted,
        }
    }

    fn audit(&self, policy: &Document) -> Value {
        let Ok(p) = self.policy(&policy.body) else {
            return json!({ "error": "the stored policy no longer checks" });
        };
        let mut findings = Vec::new();
        let credentials: Vec<Value> = p
            .credentials
            .iter()
            .map(|rc| {
                let t = self.catalogue.get(&rc.credential_type);
                let attributes: Vec<Value> = rc
                    .disclose
                    .iter()
                    .map(|name| {
                        let sensitivity = t
                            .and_then(|t| t.attribute(name))
                            .map(|a| serde_json::to_value(a.sensitivity).unwrap_or(Value::Null))
                            .unwrap_or(Value::Null);
                        if sensitivity == "high" {
                            findings.push(json!({
                                "credential_type": rc.credential_type,
                                "attribute": name,
                                "finding": "discloses a high-sensitivity attribute",
                            }));
                        }
                        json!({ "name": name, "sensitivity": sensitivity })
                    })
                    .collect();
                json!({ "credential_type": rc.credential_type, "disclose": attributes })
            })
            .collect();
        json!({
            "engine": "provisional",
            "policy": { "id": policy.id, "version": policy.version },
            "credentials": credentials,
            "findings": findings,
        })
    }
}
