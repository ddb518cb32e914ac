//! Starting and stopping the server, in process or from `zkcred serve`.
//!
//! [`Server::start`] opens the database and the log key, builds the state,
//! binds the listener and serves on the current tokio runtime; it returns a
//! [`RunningServer`] with the bound address; connections are served by
//! [`super::connections`] under `[connections]` (cap, header and idle
//! timeouts, head size). [`RunningServer::shutdown`] stops accepting
//! connections, closes idle ones and ones still sending their head, lets
//! in-flight requests finish for at most `connections.shutdown_grace_ms`
//! (then cuts them), waits for the decisions still running after their
//! requests ended ([`super::decisions`]), stops the verification threads
//! and the log writer (after they drained their queues), signs a last tree
//! head if the log grew, and checkpoints the database (so the database file
//! alone holds everything).
//!
//! At start the log key is checked against the stored heads
//! ([`crate::log_key::open_for_log`]): a missing or different key on a
//! database with signed heads is refused unless `log_key_rotate` is set;
//! the verifiers' request keys and registrations are loaded and checked
//! ([`crate::request_keys`]); the challenge store is set up
//! (`[challenges] store`: in process, or a Redis pool, asked once with
//! `PING`; a Redis that does not answer is logged, not fatal).
//!
//! When the configuration turns it on ([`FeedSettings::from_config`]), the
//! change feed between nodes sharing the store runs beside the server
//! ([`crate::coherence`]): its transport and its applier start with it and
//! stop at the shutdown's start.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::auth::Tokens;
use super::batcher::Batcher;
use super::config::{Config, ConfigError};
use super::connections::{self, Limits};
use super::decisions::Decisions;
use super::engine::Engine;
use super::log_writer::LogWriter;
use super::metrics::Metrics;
use super::registry::{KeyCache, Registry};
use super::routes::router;
use super::state::AppState;
use super::status::StatusEpochs;
use crate::coherence::{Change, Coherence, FeedSettings};
use crate::disclosure_log::DisclosureLog;
use crate::request_keys::RequestSigners;
use crate::storage::{Backend, Storage};

/// Why the server did not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database or the log key.
    #[error(transparent)]
    Service(#[from] crate::Error),
    /// Loading the stored registry into the policy engine failed.
    #[error("loading the registry: {0}")]
    Registry(String),
    /// A verifier's request key or registration.
    #[error(transparent)]
    RequestKeys(#[from] crate::request_keys::RequestKeyError),
    /// Loading the stored licence status epochs failed.
    #[error("loading the status epochs: {0}")]
    StatusEpochs(#[from] super::status::StatusEpochError),
    /// Binding or serving.
    #[error("server I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Entry point; see the module documentation.
#[derive(Debug)]
pub struct Server;

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    serve: JoinHandle<std::io::Result<()>>,
    signer: Option<JoinHandle<()>>,
    /// The change feed's applier and transport tasks.
    feed: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts a server: opens the database and the log key, puts the
    /// stored registry in force, binds and serves. Must run inside a
    /// multi-threaded tokio runtime.
    pub async fn start(config: Config) -> Result<RunningServer, ServerError> {
        config.check()?;
        let tokens = Tokens::new(&config.tokens, &config.rate_limit)?;
        let request_signers = RequestSigners::load(
            &config.request_keys,
            &config.tokens,
            time::OffsetDateTime::now_utc(),
        )?;
        let (db, key_path) = (config.database.clone(), config.log_key.clone());
        let (rotate, pg) = (config.log_key_rotate, config.postgres.options());
        let (backend, log) = tokio::task::spawn_blocking(move || {
            let backend = Backend::open_with(&db, &pg).map_err(crate::Error::from)?;
            let storage = backend.storage();
            let (key, rotated) = crate::log_key::open_for_log(&key_path, &*storage, rotate)?;
            let log = DisclosureLog::new(Arc::new(storage), key);
            if rotated {
                // The new key vouches at once for the log as the old key
                // left it, so an auditor can chain the two.
                log.sign_head()?;
            }
            Ok::<_, crate::Error>((backend, log))
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        let metrics = Arc::new(Metrics::default());
        let log = Arc::new(log);
        let keys = KeyCache::new(
            Duration::from_secs(config.key_cache.ttl_secs),
            config.key_cache.capacity,
        );
        let catalogue = zkcred_credential::Catalogue::builtin();
        let engine = Engine::new(catalogue).map_err(|e| ServerError::Registry(e.to_string()))?;
        let registry = Registry::open(backend.storage(), engine, keys)
            .map_err(|p| ServerError::Registry(p.detail))?;
        let storage = backend.storage();
        let status = tokio::task::spawn_blocking(move || StatusEpochs::load(&*storage))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
        let challenges = config
            .challenges
            .open()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        // A shared store that does not answer now is no reason not to
        // start: challenges are refused with 503 until it does (the store
        // logs the outage, with its cause).
        let answers = challenges.ping().await.is_ok();
        tracing::info!(store = challenges.kind(), answers, "one-time challenges");
        let (stop, mut stopped) = watch::channel(false);
        let (coherence, feed) = Coherence::start(
            FeedSettings::from_config(&config).as_ref(),
            Arc::clone(&metrics),
            stop.subscribe(),
        );
        let state = Arc::new(AppState {
            tokens,
            catalogue,
            registry,
            status,
            challenges,
            request_signers,
            log_writer: LogWriter::start(Arc::clone(&log), Arc::clone(&metrics)),
            log,
            batcher: Batcher::start(&config.batch, config.verify_workers(), Arc::clone(&metrics)),
            decisions: Decisions::new(
                Duration::from_secs(config.decisions.retention_secs),
                config.decisions.capacity,
            ),
            metrics,
            exports: Arc::new(tokio::sync::Semaphore::new(
                config.disclosure_log.max_concurrent_exports,
            )),
            coherence,
            config,
        });
        let feed = match feed {
            Some(f) => {
                let (applier, transport) = f.spawn(Arc::clone(&state), stop.subscribe());
                std::iter::once(applier).chain(transport).collect()
            }
            None => Vec::new(),
        };

        let listener = TcpListener::bind(state.config.listen).await?;
        let addr = listener.local_addr()?;
        let app = router(Arc::clone(&state));
        let mut limits = Limits::from_config(&state.config.connections);
        limits.max = connections::fit_to_fd_limit(limits.max);
        let serve = tokio::spawn(connections::serve(
            listener,
            app,
            limits,
            Arc::clone(&state.metrics),
            stop.subscribe(),
        ));
        let signer = match state.config.disclosure_log.sign_interval_secs {
            0 => None,
            secs => {
                let st = Arc::clone(&state);
                Some(tokio::spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(secs));
                    tick.tick().await;
                    loop {
                        tokio::select! {
                            _ = tick.tick() => {}
                            _ = stopped.wait_for(|s| *s) => return,
                        }
                        let s = Arc::clone(&st);
                        let _ = tokio::task::spawn_blocking(move || sign_if_grown(&s)).await;
                    }
                }))
            }
        };
        tracing::info!(%addr, batching = state.batcher.enabled(), "zkcred service listening");
        Ok(RunningServer {
            addr,
            state,
            stop,
            serve,
            signer,
            feed,
        })
    }
}

/// Signs a head if the log has records no head covers.
fn sign_if_grown(state: &AppState) {
    let storage = state.log.storage();
    let grown = match (storage.disclosure_count(), storage.latest_tree_head()) {
        (Ok(n), Ok(Some(h))) => n > h.tree_size,
        (Ok(n), Ok(None)) => n > 0,
        _ => false,
    };
    if grown {
        match state.log.sign_head() {
            Ok(h) => tracing::info!(tree_size = h.tree_size, "signed tree head"),
            Err(e) => tracing::error!(error = %e, "signing a tree head failed"),
        }
    }
}

impl RunningServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (for in-process tools: metrics, the log).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Reads the request key and registration files again (see
    /// [`crate::request_keys`]; `zkcred serve` does it on `SIGHUP`) and
    /// announces the change so that every node sharing the store reads
    /// its own. Returns the verifiers whose key or registration changed
    /// here.
    ///
    /// # Errors
    /// [`ServerError::RequestKeys`] for a file that cannot be used:
    /// nothing changes on this node, nothing is announced.
    pub async fn reload_request_keys(&self) -> Result<Vec<String>, ServerError> {
        let st = Arc::clone(&self.state);
        let changed = tokio::task::spawn_blocking(move || {
            st.request_signers.reload(
                &st.config.request_keys,
                None,
                time::OffsetDateTime::now_utc(),
            )
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
        self.state
            .coherence
            .publish(Change::RequestKeys { verifier: None })
            .await;
        Ok(changed)
    }

    /// Waits until the server stops by itself (an I/O failure); a running
    /// server only stops through [`RunningServer::shutdown`].
    pub async fn stopped(&mut self) -> Result<(), ServerError> {
        (&mut self.serve)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
        Ok(())
    }

    /// Graceful shutdown; see the module documentation.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        let served = self
            .serve
            .await
            .map_err(|e| std::io::Error::other(e.to_string()));
        if let Some(s) = self.signer {
            let _ = s.await;
        }
        for task in self.feed {
            let _ = task.await;
        }
        // Decisions whose requests timed out or were dropped still run:
        // they end, logged, before the verifier threads and the writer stop.
        self.state.decisions.drain().await;
        let state = self.state;
        tokio::task::spawn_blocking(move || {
            state.batcher.shutdown();
            state.log_writer.shutdown();
            sign_if_grown(&state);
            // Leave the data in the database file itself, not in the WAL.
            if let Err(e) = state.log.storage().checkpoint() {
                tracing::error!(error = %e, "checkpointing the database at stop failed");
            }
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        tracing::info!("zkcred service stopped");
        served??;
        Ok(())
    }
}
