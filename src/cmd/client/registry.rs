//! `zkcred client issuer|agreement|policy|key …`: the trust registry and
//! the policies.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use serde_json::Value;
use zkcred_api::{DocKind, Document};
use zkcred_credential::keys::{KEY_SET_FORMAT, PUBLIC_KEY_FORMAT};
use zkcred_credential::{IssuerPublicKey, KeySet};

use super::Session;
use crate::cmd::files::{read_document, shown};
use crate::cmd::Status;

/// The commands every versioned registry document has.
#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Register version 1 of a document (JSON file or `-`).
    Add {
        /// The document.
        file: PathBuf,
    },
    /// Register the next version of a document (its `id` names which).
    Version {
        /// The document.
        file: PathBuf,
    },
    /// Every version of one document.
    Show {
        /// Its id.
        id: String,
    },
    /// The latest version of every document.
    List,
    /// Retire the latest version.
    Retire {
        /// Its id.
        id: String,
    },
}

/// `zkcred client policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    #[command(flatten)]
    Doc(DocCommand),
    /// The minimisation audit of one policy, or of every policy.
    Audit {
        /// The policy's id (default: every policy).
        id: Option<String>,
    },
}

/// `zkcred client key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Register public keys: exactly what `zkcred issuer export-keys` prints
    /// (a key set: every key, skipping those already registered) or one
    /// `<key_id>.public.json`.
    Add {
        /// The key set or key (file or `-`).
        file: PathBuf,
        /// Only keys of this issuer.
        #[arg(long)]
        issuer: Option<String>,
    },
    /// Register a new key and retire the issuer's other active keys (they
    /// still verify what they signed).
    Rotate {
        /// A key, or a key set (with --key-id, or holding one key).
        file: PathBuf,
        /// Which key of the set.
        #[arg(long)]
        key_id: Option<String>,
    },
    /// Revoke a key: nothing verifies under it from now on.
    Revoke {
        /// The issuer.
        issuer: String,
        /// The key's id.
        key_id: String,
    },
    /// An issuer's keys.
    List {
        /// The issuer.
        issuer: String,
    },
}

/// One line for a stored document.
pub(crate) fn line(d: &Document) -> String {
    format!("{} {} v{} {}", d.kind, d.id, d.version, d.status)
}

fn lines(docs: &[Document]) -> String {
    if docs.is_empty() {
        return "(none)".into();
    }
    docs.iter().map(line).collect::<Vec<_>>().join("\n")
}

fn doc_id(doc: &Value, file: &std::path::Path) -> Result<String> {
    doc["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{}: the document has no \"id\"", shown(file)))
}

impl DocCommand {
    /// Runs the command for documents of `kind`.
    pub(crate) async fn run(self, s: &mut Session<'_, '_>, kind: DocKind) -> Result<Status> {
        let path = kind.path();
        match self {
            DocCommand::Add { file } => {
                let doc = s.read_json(&file)?;
                let d = s
                    .client
                    .create(kind, &doc)
                    .await
                    .map_err(|e| s.fail(&format!("POST {path}"), e))?;
                s.print(&d, || format!("added {}", line(&d)))?;
            }
            DocCommand::Version { file } => {
                let doc = s.read_json(&file)?;
                let id = doc_id(&doc, &file)?;
                let d = s
                    .client
                    .new_version(kind, &id, &doc)
                    .await
                    .map_err(|e| s.fail(&format!("POST {path}/{id}/versions"), e))?;
                s.print(&d, || format!("added {}", line(&d)))?;
            }
            DocCommand::Show { id } => {
                let v = s
                    .client
                    .versions(kind, &id)
                    .await
                    .map_err(|e| s.fail(&format!("GET {path}/{id}"), e))?;
                s.print(&v, || {
                    let mut out = lines(&v.versions);
                    if let Some(l) = &v.latest {
                        out.push_str(&format!(
                            "\n{}",
                            serde_json::to_string_pretty(&l.body).unwrap_or_default()
                        ));
                    }
                    out
                })?;
            }
            DocCommand::List => {
                let all = s
                    .client
                    .list(kind)
                    .await
                    .map_err(|e| s.fail(&format!("GET {path}"), e))?;
                s.print(&all, || lines(&all))?;
            }
            DocCommand::Retire { id } => {
                let d = s
                    .client
                    .retire(kind, &id)
                    .await
                    .map_err(|e| s.fail(&format!("POST {path}/{id}/retire"), e))?;
                s.print(&d, || format!("retired {}", line(&d)))?;
            }
        }
        Ok(Status::Success)
    }
}

impl PolicyCommand {
    pub(crate) async fn run(self, s: &mut Session<'_, '_>) -> Result<Status> {
        match self {
            PolicyCommand::Doc(c) => c.run(s, DocKind::Policy).await,
            PolicyCommand::Audit { id: Some(id) } => {
                let a = s
                    .client
                    .policy_audit(&id)
                    .await
                    .map_err(|e| s.fail(&format!("GET /v1/policies/{id}/audit"), e))?;
                s.print(&a, || audit_line(&a.audit))?;
                Ok(Status::Success)
            }
            PolicyCommand::Audit { id: None } => {
                let all = s
                    .client
                    .policy_audits()
                    .await
                    .map_err(|e| s.fail("GET /v1/audit/policies", e))?;
                s.print(&all, || {
                    all.policies
                        .iter()
                        .map(|a| audit_line(&a.audit))
                        .collect::<Vec<_>>()
                        .join("\n")
                })?;
                Ok(Status::Success)
            }
        }
    }
}

/// One line of a policy's minimisation audit: id, version, score, the
/// attributes asked for and the findings.
pub(crate) fn audit_line(a: &Value) -> String {
    let asked: Vec<String> = a["attributes"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .map(|x| {
                    let how = match x["disclosure"].as_str() {
                        Some("proven") => ", proven",
                        _ => "",
                    };
                    format!(
                        "{}({}{how})",
                        x["attribute"]
                            .as_str()
                            .or(x["name"].as_str())
                            .unwrap_or("?"),
                        x["sensitivity"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let findings: Vec<&str> = a["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    format!(
        "{} v{}: score {}/100, asks {}; findings: {}",
        a["policy_id"].as_str().unwrap_or("?"),
        a["policy_version"],
        a["score"],
        asked.join(" "),
        if findings.is_empty() {
            "none".to_owned()
        } else {
            findings.join(", ")
        }
    )
}

/// The keys of a file: a key set (`zkcred issuer export-keys`) or one public
/// key document.
fn read_keys(s: &mut Session<'_, '_>, file: &std::path::Path) -> Result<Vec<IssuerPublicKey>> {
    let text = read_document(s.ctx, file)?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", shown(file)))?;
    match v["format"].as_str() {
        Some(KEY_SET_FORMAT) => Ok(KeySet::from_json(&text)
            .with_context(|| shown(file))?
            .keys()
            .cloned()
            .collect()),
        Some(PUBLIC_KEY_FORMAT) => Ok(vec![
            IssuerPublicKey::from_json(&text).with_context(|| shown(file))?
        ]),
        _ => bail!(
            "{}: neither a key set ({KEY_SET_FORMAT}, from zkcred issuer export-keys) \
             nor a public key ({PUBLIC_KEY_FORMAT})",
            shown(file)
        ),
    }
}

impl KeyCommand {
    pub(crate) async fn run(self, s: &mut Session<'_, '_>) -> Result<Status> {
        match self {
            KeyCommand::Add { file, issuer } => {
                let keys: Vec<IssuerPublicKey> = read_keys(s, &file)?
                    .into_iter()
                    .filter(|k| issuer.as_ref().is_none_or(|i| &k.issuer == i))
                    .collect();
                if keys.is_empty() {
                    bail!("{}: no key to add", shown(&file));
                }
                let mut added = Vec::new();
                let mut skipped = Vec::new();
                for k in &keys {
                    match s.client.add_key(k, false).await {
                        Ok(d) => added.push(d),
                        Err(e) if e.code() == Some("already_exists") => {
                            skipped.push(format!("{}/{}", k.issuer, k.key_id))
                        }
                        Err(e) => {
                            let what = format!("POST /v1/issuers/{}/keys", k.issuer);
                            return Err(s.fail(&what, e));
                        }
                    }
                }
                let out = serde_json::json!({ "added": added, "skipped": skipped });
                s.print(&out, || {
                    added
                        .iter()
                        .map(|d| format!("added {}", line(d)))
                        .chain(
                            skipped
                                .iter()
                                .map(|k| format!("skipped issuer_key {k}: already registered")),
                        )
                        .collect::<Vec<_>>()
                        .join("\n")
                })?;
            }
            KeyCommand::Rotate { file, key_id } => {
                let keys = read_keys(s, &file)?;
                let key = match (&key_id, keys.len()) {
                    (Some(id), _) => keys
                        .into_iter()
                        .find(|k| &k.key_id == id)
                        .ok_or_else(|| anyhow!("{}: no key {id}", shown(&file)))?,
                    (None, 1) => keys.into_iter().next().expect("one key"),
                    (None, n) => bail!(
                        "{}: the key set holds {n} keys; name the new one with --key-id",
                        shown(&file)
                    ),
                };
                let d = s.client.add_key(&key, true).await.map_err(|e| {
                    s.fail(&format!("POST /v1/issuers/{}/keys/rotate", key.issuer), e)
                })?;
                s.print(&d, || {
                    format!(
                        "added {} (the issuer's other active keys are retired)",
                        line(&d)
                    )
                })?;
            }
            KeyCommand::Revoke { issuer, key_id } => {
                let d = s.client.revoke_key(&issuer, &key_id).await.map_err(|e| {
                    s.fail(
                        &format!("POST /v1/issuers/{issuer}/keys/{key_id}/revoke"),
                        e,
                    )
                })?;
                s.print(&d, || format!("revoked {}", line(&d)))?;
            }
            KeyCommand::List { issuer } => {
                let all = s
                    .client
                    .keys(&issuer)
                    .await
                    .map_err(|e| s.fail(&format!("GET /v1/issuers/{issuer}/keys"), e))?;
                s.print(&all, || lines(&all))?;
            }
        }
        Ok(Status::Success)
    }
}
