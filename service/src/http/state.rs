//! The state shared by every request.

use std::sync::Arc;

use zkcred_credential::Catalogue;

use super::auth::Tokens;
use super::batcher::Batcher;
use super::config::Config;
use super::decisions::Decisions;
use super::log_writer::LogWriter;
use super::metrics::Metrics;
use super::registry::Registry;
use super::status::StatusEpochs;
use crate::challenge::Challenges;
use crate::disclosure_log::DisclosureLog;
use crate::storage::DynStorage;

/// Everything a handler needs.
pub struct AppState {
    /// The configuration in force.
    pub config: Config,
    /// Bearer tokens.
    pub tokens: Tokens,
    /// The credential catalogue.
    pub catalogue: &'static Catalogue,
    /// Registry and policy documents, the policy engine, the key cache.
    pub registry: Registry,
    /// The licence status epochs registered, in memory (what presentations
    /// asking for status are resolved against).
    pub status: StatusEpochs,
    /// Outstanding one-time challenges: in this process, or in Redis shared
    /// by several nodes (`[challenges] store`).
    pub challenges: Challenges,
    /// The verifiers' request keys and registrations (signed requests).
    pub request_signers: crate::request_keys::RequestSigners,
    /// The disclosure log (heads, proofs, export) over the storage the
    /// configuration chose ([`crate::storage::Backend`]).
    pub log: Arc<DisclosureLog<DynStorage>>,
    /// Group-committing appender of disclosure records.
    pub log_writer: LogWriter,
    /// Proof verification.
    pub batcher: Batcher,
    /// Decisions in progress (tracked tasks) and decisions held for the
    /// clients that missed their answer.
    pub decisions: Decisions,
    /// Counters and histograms.
    pub metrics: Arc<Metrics>,
    /// Permits for concurrent log exports
    /// (`disclosure_log.max_concurrent_exports`).
    pub exports: Arc<tokio::sync::Semaphore>,
    /// Announces this node's changes to the nodes sharing its store
    /// ([`crate::coherence`]).
    pub coherence: crate::coherence::Coherence,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Runs blocking work (storage, key preparation) off the async runtime.
pub async fn blocking<T, F>(f: F) -> Result<T, super::problem::Problem>
where
    F: FnOnce() -> Result<T, super::problem::Problem> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| super::problem::Problem::internal(&e))?
}
