//! Cache coherence between nodes that share one store: a change made
//! through one node takes effect on every node within a bounded time.
//!
//! # What each node holds in memory
//!
//! | what | where | built from | without this module, another node's change is seen |
//! | --- | --- | --- | --- |
//! | the trust registry in force (issuers, their keys with revocation flags, agreements) | [`Engine`](crate::http::engine::Engine), put in force by [`Registry`] | the stored `issuer`, `issuer_key`, `agreement` documents | never (until a restart) |
//! | prepared verifier keys | the registry's [`KeyCache`](crate::http::registry::KeyCache) (`[key_cache]` TTL) | the registry in force | after a key's TTL, and then from the stale registry |
//! | the latest version of each policy | the registry's policy cache (5 s TTL) | the stored `policy` documents | within 5 s |
//! | parsed policy versions | the engine, by (id, version) | a stored version, immutable | (never stale) |
//! | licence status epochs | [`StatusEpochs`] | the `status_epochs` table | never (until a restart) |
//! | request keys and registrations | [`RequestSigners`] | the files `[[request_keys]]` names | never (until a restart) |
//!
//! The verification path reads only these (no storage read per
//! presentation); this module changes none of it, only what is in them.
//!
//! # Changes
//!
//! A node that changes something announces a [`Change`] after it is
//! committed: a small JSON payload naming what changed, never a document, a
//! key or anything personal (`{"change":"document","kind":"issuer_key",
//! "id":"<issuer>/<key_id>"}`, `{"change":"status_epoch","issuer":…,
//! "credential_type":…,"epoch":12}`, `{"change":"request_keys",
//! "verifier":…}`, `{"change":"everything"}`). Every node applies it with
//! [`apply`], which reloads from the store what it names:
//!
//! - `document` of an issuer, key or agreement: the registry is rebuilt
//!   from the stored documents if they differ from those it was built from,
//!   and the cached verifier keys of each issuer whose document or keys
//!   changed are dropped ([`Registry::reload_registry`]); a revoked key or a
//!   retired issuer stops verifying, a new key or agreement is recognised;
//! - `document` of a policy: its cached latest version is dropped
//!   ([`Registry::reload_policy`]), so a retirement or a new version is read
//!   at the next challenge or submission;
//! - `status_epoch`: that stored epoch is put in force
//!   ([`StatusEpochs::reload_epoch`]);
//! - `request_keys`: the verifier's key and registration files are read
//!   again ([`RequestSigners::reload`]);
//! - `everything` (also what an unknown or unreadable payload means, so a
//!   node of an older version still converges): [`refresh`].
//!
//! Applying is idempotent: the node that made the change applies it again
//! when its own notification comes back, and finds nothing to do.
//!
//! [`refresh`] reloads all of it: the registry (rebuilt only when the
//! stored documents differ, keys dropped only for the issuers that
//! changed), every cached policy whose stored latest version or status
//! differs, every stored status epoch not held, every request key file.
//!
//! # Transport and bound
//!
//! With a PostgreSQL URL (`[coherence] notify_url`, else `database` when it
//! is `postgres://…`) changes travel by `LISTEN` / `NOTIFY` on channel
//! `[coherence] channel` (default `zkcred_changes`) over one dedicated
//! connection per node ([`notify`]), which reconnects with backoff when it
//! drops. Each node also runs [`refresh`] every `[coherence] refresh_secs`
//! (default 30 s), after each (re)connection of its listener (what was
//! announced while it was not listening is lost to it), and when a burst of
//! more than [`MAX_CHANGES_AT_ONCE`] changes arrives at once.
//!
//! **The bound**: a change committed and announced by one node is in force
//! on every other node once the notification is delivered and applied:
//! milliseconds (a registry rebuild from the stored documents, on a
//! blocking thread). A notification that is lost (the announcing node
//! could not send it, a listener was reconnecting) is made up by the next
//! refresh: at worst `refresh_secs` plus the time of one refresh. (The
//! node that made the change has it in force before it answers.) Before
//! being announced a change is committed, so the store a node reloads from
//! always holds it.
//!
//! The feed is on by default when `database` is a PostgreSQL URL; with a
//! SQLite file (one node per file) it is off unless `[coherence] enabled`
//! is set (then: the periodic refresh, and notifications through
//! `notify_url` if given).

pub mod notify;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use zkcred_problem::ProblemCode;

use crate::http::config::{is_postgres_url, Config};
use crate::http::metrics::Metrics;
use crate::http::problem::Problem;
use crate::http::registry::{AGREEMENT_KIND, ISSUER_KIND, KEY_KIND, POLICY_KIND};
use crate::http::state::AppState;
use crate::http::status::StatusEpochError;
use crate::request_keys::RequestKeyError;
#[cfg(doc)]
use crate::{http::registry::Registry, http::status::StatusEpochs, request_keys::RequestSigners};
use notify::{FeedEvent, Notifier, NotifySettings};

/// Changes arriving together beyond this many are applied as one
/// [`refresh`].
pub const MAX_CHANGES_AT_ONCE: usize = 64;

/// How long [`Coherence::publish`] waits for the notification to be sent
/// (the answer to the change's request waits for it).
pub const PUBLISH_WAIT: Duration = Duration::from_secs(2);

/// The kind of a stored document a [`Change`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// An issuer (`issuer`).
    Issuer,
    /// An issuer key (`issuer_key`, id `<issuer>/<key_id>`).
    IssuerKey,
    /// A mutual-recognition agreement (`agreement`).
    Agreement,
    /// A policy (`policy`).
    Policy,
}

impl DocumentKind {
    /// The kind of the storage kind `kind` (`None` for another).
    pub fn from_storage(kind: &str) -> Option<Self> {
        match kind {
            ISSUER_KIND => Some(DocumentKind::Issuer),
            KEY_KIND => Some(DocumentKind::IssuerKey),
            AGREEMENT_KIND => Some(DocumentKind::Agreement),
            POLICY_KIND => Some(DocumentKind::Policy),
            _ => None,
        }
    }
}

/// What changed; see the module documentation. Serialised as the
/// notification's payload (JSON, tagged by `change`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// A stored document: a new one, a new version, a status change
    /// (retired, revoked).
    Document {
        /// Its kind.
        kind: DocumentKind,
        /// Its id (a key's is `<issuer>/<key_id>`).
        id: String,
    },
    /// A status epoch was registered.
    StatusEpoch {
        /// The issuer.
        issuer: String,
        /// The credential type.
        credential_type: String,
        /// The epoch number.
        epoch: u64,
    },
    /// A verifier's request key or registration files changed (`None`:
    /// any verifier's).
    RequestKeys {
        /// The verifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verifier: Option<String>,
    },
    /// Anything: reload everything.
    Everything,
}

impl Change {
    /// A change of the document `(kind, id)` as stored (`Everything` for
    /// a storage kind this module does not know).
    pub fn document(kind: &str, id: &str) -> Change {
        match DocumentKind::from_storage(kind) {
            Some(kind) => Change::Document {
                kind,
                id: id.to_owned(),
            },
            None => Change::Everything,
        }
    }

    /// The notification payload: compact JSON of at most
    /// [`notify::PAYLOAD_LIMIT`] octets (`everything` when the change's
    /// identifiers would not fit).
    pub fn to_payload(&self) -> String {
        let everything = || r#"{"change":"everything"}"#.to_owned();
        match serde_json::to_string(self) {
            Ok(p) if p.len() <= notify::PAYLOAD_LIMIT => p,
            _ => everything(),
        }
    }

    /// The change a payload names; `Everything` for one that does not
    /// parse (a newer node's change, a foreign sender): reloading it all
    /// is always correct.
    pub fn from_payload(payload: &str) -> Change {
        serde_json::from_str(payload).unwrap_or(Change::Everything)
    }

    /// The metrics label of the change.
    pub fn label(&self) -> &'static str {
        match self {
            Change::Document { .. } => "document",
            Change::StatusEpoch { .. } => "status_epoch",
            Change::RequestKeys { .. } => "request_keys",
            Change::Everything => "refresh",
        }
    }
}

/// What applying a change or a refresh changed on this node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reloaded {
    /// The registry in force was rebuilt from the store.
    pub registry_rebuilt: bool,
    /// Issuers whose cached verifier keys were dropped (sorted).
    pub issuers: Vec<String>,
    /// Cached latest policy versions dropped.
    pub policies: usize,
    /// Status epochs put in force.
    pub status_epochs: usize,
    /// Verifiers whose request key or registration changed (sorted).
    pub request_keys: Vec<String>,
}

impl Reloaded {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Reloaded::default()
    }
}

/// Why a change could not be applied. What was applied before the failure
/// stays; the next refresh tries again.
#[derive(Debug, thiserror::Error)]
pub enum CoherenceError {
    /// Reading the registry documents, or building them into a registry.
    #[error("reloading the registry: {detail}")]
    Registry {
        /// The problem code.
        code: ProblemCode,
        /// What failed.
        detail: String,
    },
    /// Reading or parsing the stored status epochs.
    #[error("reloading the status epochs: {0}")]
    StatusEpochs(#[from] StatusEpochError),
    /// Reading a request key or registration file.
    #[error("reloading the request keys: {0}")]
    RequestKeys(#[from] RequestKeyError),
}

impl From<Problem> for CoherenceError {
    fn from(p: Problem) -> Self {
        CoherenceError::Registry {
            code: p.code,
            detail: p.detail,
        }
    }
}

/// Applies `change` to this node's caches from the store (see the module
/// documentation). Blocks on storage: call it off the async runtime.
///
/// # Errors
/// [`CoherenceError`]; nothing is half-applied within one cache.
pub fn apply(state: &AppState, change: &Change) -> Result<Reloaded, CoherenceError> {
    let mut done = Reloaded::default();
    match change {
        Change::Document {
            kind: DocumentKind::Policy,
            id,
        } => done.policies = usize::from(state.registry.reload_policy(id)),
        Change::Document { .. } => reload_registry(state, &mut done)?,
        Change::StatusEpoch {
            issuer,
            credential_type,
            epoch,
        } => {
            let added =
                state
                    .status
                    .reload_epoch(state.log.storage(), issuer, credential_type, *epoch)?;
            done.status_epochs = usize::from(added);
        }
        Change::RequestKeys { verifier } => {
            done.request_keys = state.request_signers.reload(
                &state.config.request_keys,
                verifier.as_deref(),
                time::OffsetDateTime::now_utc(),
            )?;
        }
        Change::Everything => return refresh(state),
    }
    Ok(done)
}

fn reload_registry(state: &AppState, done: &mut Reloaded) -> Result<(), CoherenceError> {
    if let Some(issuers) = state.registry.reload_registry()? {
        done.registry_rebuilt = true;
        done.issuers = issuers;
    }
    Ok(())
}

/// Reloads everything this node caches from the store and the request key
/// files (see the module documentation): every part is tried, whatever
/// failed before it. Blocks: call it off the async runtime.
///
/// # Errors
/// The first part's failure (each failure is logged).
pub fn refresh(state: &AppState) -> Result<Reloaded, CoherenceError> {
    let mut done = Reloaded::default();
    let mut errors: Vec<CoherenceError> = Vec::new();
    if let Err(e) = reload_registry(state, &mut done) {
        errors.push(e);
    }
    match state.registry.refresh_policies() {
        Ok(n) => done.policies = n,
        Err(p) => errors.push(p.into()),
    }
    match state.status.refresh(state.log.storage()) {
        Ok(n) => done.status_epochs = n,
        Err(e) => errors.push(e.into()),
    }
    match state.request_signers.reload(
        &state.config.request_keys,
        None,
        time::OffsetDateTime::now_utc(),
    ) {
        Ok(v) => done.request_keys = v,
        Err(e) => errors.push(e.into()),
    }
    for e in &errors {
        tracing::error!(error = %e, "coherence: refresh failed in part");
    }
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

/// What the feed of a node does, from its configuration.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    /// How often everything is reloaded.
    pub refresh: Duration,
    /// Notifications, when a PostgreSQL URL is configured.
    pub notify: Option<NotifySettings>,
}

impl FeedSettings {
    /// The feed `config` asks for (`None`: off); see the module
    /// documentation. `config` is assumed checked ([`Config::check`]).
    pub fn from_config(config: &Config) -> Option<FeedSettings> {
        let c = &config.coherence;
        let database = config.database.to_str().filter(|d| is_postgres_url(d));
        if !c.enabled.unwrap_or(database.is_some()) {
            return None;
        }
        let url = c.notify_url.as_deref().or(database);
        Some(FeedSettings {
            refresh: Duration::from_secs(c.refresh_secs.max(1)),
            notify: url.map(|url| NotifySettings {
                url: url.to_owned(),
                channel: c.channel.clone(),
                reconnect_max: Duration::from_millis(c.reconnect_max_ms),
            }),
        })
    }
}

/// A node's side of the feed that the state holds: announcing changes.
#[derive(Debug)]
pub struct Coherence {
    notifier: Option<Notifier>,
    metrics: Arc<Metrics>,
}

/// The running parts of a started feed, for [`Feed::spawn`].
#[derive(Debug)]
pub struct Feed {
    refresh: Duration,
    events: Option<mpsc::UnboundedReceiver<FeedEvent>>,
    transport: Option<JoinHandle<()>>,
}

impl Coherence {
    /// A node without a feed: announcing does nothing.
    pub fn off(metrics: Arc<Metrics>) -> Coherence {
        Coherence {
            notifier: None,
            metrics,
        }
    }

    /// Starts the transport `settings` name (on the current tokio runtime)
    /// until `stop`; returns what the state holds and what
    /// [`Feed::spawn`] runs once the state exists. `None` settings: off.
    pub fn start(
        settings: Option<&FeedSettings>,
        metrics: Arc<Metrics>,
        stop: watch::Receiver<bool>,
    ) -> (Coherence, Option<Feed>) {
        let Some(settings) = settings else {
            return (Coherence::off(metrics), None);
        };
        let (notifier, events, transport) = match &settings.notify {
            Some(n) => {
                let (notifier, events, task) = notify::start(n.clone(), stop);
                (Some(notifier), Some(events), Some(task))
            }
            None => {
                tracing::info!(
                    refresh_secs = settings.refresh.as_secs(),
                    "coherence: no PostgreSQL URL for notifications; periodic refresh only"
                );
                (None, None, None)
            }
        };
        (
            Coherence { notifier, metrics },
            Some(Feed {
                refresh: settings.refresh,
                events,
                transport,
            }),
        )
    }

    /// Whether changes are announced to other nodes.
    pub fn announces(&self) -> bool {
        self.notifier.is_some()
    }

    /// Announces `change`, committed on this node, to every node (this
    /// one included), waiting at most [`PUBLISH_WAIT`] for it to be sent.
    /// A failure is logged and counted, never returned: the change is
    /// made, and the other nodes see it at their next refresh.
    pub async fn publish(&self, change: Change) {
        let Some(notifier) = &self.notifier else {
            return;
        };
        let sent = tokio::time::timeout(PUBLISH_WAIT, notifier.notify(change.to_payload()))
            .await
            .unwrap_or(Err(notify::NotifyError::Timeout));
        match sent {
            Ok(()) => self.metrics.coherence_published(),
            Err(e) => {
                self.metrics.coherence_failure("publish");
                tracing::warn!(
                    error = %e,
                    change = change.label(),
                    "coherence: a change was not announced; the other nodes apply it at their next refresh"
                );
            }
        }
    }
}

/// What the applier does next.
enum Work {
    Changes(Vec<Change>),
    Refresh(&'static str),
}

impl Feed {
    /// Runs the applier until `stop`: applies each change announced (the
    /// ones arriving together at once, duplicates dropped), refreshes
    /// every `refresh`, after each (re)connection and instead of a burst of
    /// more than [`MAX_CHANGES_AT_ONCE`] changes. Returns the applier's
    /// task and the transport's, if any.
    pub fn spawn(
        self,
        state: Arc<AppState>,
        mut stop: watch::Receiver<bool>,
    ) -> (JoinHandle<()>, Option<JoinHandle<()>>) {
        let Feed {
            refresh,
            mut events,
            transport,
        } = self;
        let applier = tokio::spawn(async move {
            let start = tokio::time::Instant::now() + refresh;
            let mut tick = tokio::time::interval_at(start, refresh);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let work = tokio::select! {
                    e = next_event(&mut events) => match e {
                        Some(e) => gather(e, &mut events, &state.metrics),
                        None => {
                            events = None;
                            continue;
                        }
                    },
                    _ = tick.tick() => Some(Work::Refresh("periodic")),
                    _ = stop.wait_for(|s| *s) => return,
                };
                let Some(work) = work else { continue };
                if matches!(work, Work::Refresh(_)) {
                    tick.reset();
                }
                let st = Arc::clone(&state);
                if let Err(e) = tokio::task::spawn_blocking(move || run(&st, work)).await {
                    tracing::error!(error = %e, "coherence: applying changes panicked");
                }
            }
        });
        (applier, transport)
    }
}

async fn next_event(events: &mut Option<mpsc::UnboundedReceiver<FeedEvent>>) -> Option<FeedEvent> {
    match events {
        Some(e) => e.recv().await,
        None => std::future::pending().await,
    }
}

/// `first` and the events already waiting, as one piece of work (`None`:
/// nothing to apply).
fn gather(
    first: FeedEvent,
    events: &mut Option<mpsc::UnboundedReceiver<FeedEvent>>,
    metrics: &Metrics,
) -> Option<Work> {
    let mut changes: Vec<Change> = Vec::new();
    let mut seen = HashSet::new();
    let mut refresh = None;
    let mut next = Some(first);
    while let Some(event) = next {
        match event {
            FeedEvent::Connected { .. } => {
                metrics.coherence_connected(true);
                refresh = Some("reconnected");
            }
            FeedEvent::Disconnected => {
                metrics.coherence_connected(false);
                metrics.coherence_failure("disconnect");
            }
            FeedEvent::ConnectFailed => metrics.coherence_failure("connect"),
            FeedEvent::Payload(p) => match Change::from_payload(&p) {
                Change::Everything => refresh = refresh.or(Some("announced")),
                c => {
                    if seen.insert(c.clone()) {
                        changes.push(c);
                    }
                }
            },
        }
        next = events.as_mut().and_then(|e| e.try_recv().ok());
    }
    if changes.len() > MAX_CHANGES_AT_ONCE {
        refresh = refresh.or(Some("burst"));
    }
    match refresh {
        Some(why) => Some(Work::Refresh(why)),
        None if changes.is_empty() => None,
        None => Some(Work::Changes(changes)),
    }
}

fn run(state: &AppState, work: Work) {
    match work {
        Work::Refresh(why) => {
            state.metrics.coherence_applied("refresh");
            match refresh(state) {
                Ok(done) if done.is_empty() => {
                    tracing::debug!(why, "coherence: refreshed, nothing changed");
                }
                Ok(done) => log_reloaded(&done, why),
                Err(_) => state.metrics.coherence_failure("apply"),
            }
        }
        Work::Changes(changes) => {
            for change in changes {
                state.metrics.coherence_applied(change.label());
                match apply(state, &change) {
                    Ok(done) if done.is_empty() => {}
                    Ok(done) => log_reloaded(&done, change.label()),
                    Err(e) => {
                        state.metrics.coherence_failure("apply");
                        tracing::error!(
                            error = %e,
                            change = change.label(),
                            "coherence: applying a change failed; the next refresh tries again"
                        );
                    }
                }
            }
        }
    }
}

fn log_reloaded(done: &Reloaded, why: &str) {
    tracing::info!(
        why,
        registry_rebuilt = done.registry_rebuilt,
        issuers = ?done.issuers,
        policies = done.policies,
        status_epochs = done.status_epochs,
        request_keys = ?done.request_keys,
        "coherence: reloaded"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_small_tagged_json_and_round_trip() {
        let changes = [
            Change::document(KEY_KIND, "11330105002500287C/k1"),
            Change::document(POLICY_KIND, "hotel-checkin"),
            Change::StatusEpoch {
                issuer: "11330105002500287C".into(),
                credential_type: "resident_id_card".into(),
                epoch: 12,
            },
            Change::RequestKeys {
                verifier: Some("hotel.example".into()),
            },
            Change::RequestKeys { verifier: None },
            Change::Everything,
        ];
        for c in &changes {
            let p = c.to_payload();
            assert!(p.len() < 200, "{p}");
            assert_eq!(&Change::from_payload(&p), c, "{p}");
        }
        assert_eq!(
            changes[0].to_payload(),
            r#"{"change":"document","kind":"issuer_key","id":"11330105002500287C/k1"}"#
        );
        assert_eq!(changes[4].to_payload(), r#"{"change":"request_keys"}"#);
    }

    #[test]
    fn what_cannot_be_read_means_everything() {
        for p in [
            "",
            "not json",
            r#"{"change":"document","kind":"credential","id":"x"}"#,
            r#"{"change":"status_epoch","issuer":"i"}"#,
            r#"{"change":"something_new","id":"x"}"#,
            r#"{"change":"document","kind":"policy","id":"p","extra":1}"#,
        ] {
            assert_eq!(Change::from_payload(p), Change::Everything, "{p}");
        }
        assert_eq!(Change::document("log_key", "x"), Change::Everything);
        // Identifiers too long for a notification: everything instead.
        let long = Change::document(ISSUER_KIND, &"i".repeat(notify::PAYLOAD_LIMIT));
        assert_eq!(long.to_payload(), r#"{"change":"everything"}"#);
    }

    #[test]
    fn the_feed_follows_the_database_unless_configured() {
        let mut c = Config::default();
        assert!(FeedSettings::from_config(&c).is_none(), "SQLite: off");
        c.coherence.enabled = Some(true);
        let f = FeedSettings::from_config(&c).unwrap();
        assert_eq!(f.refresh, Duration::from_secs(30));
        assert!(f.notify.is_none(), "SQLite: refresh only");
        c.coherence.notify_url = Some("postgres://u:secret@db.example/z".into());
        let f = FeedSettings::from_config(&c).unwrap();
        let n = f.notify.unwrap();
        assert_eq!(n.channel, "zkcred_changes");
        assert!(!format!("{n:?}").contains("secret"));
        assert!(!format!("{:?}", c.coherence).contains("secret"));

        let mut c = Config {
            database: "postgres://zkcred@db.example/zkcred".into(),
            ..Config::default()
        };
        let f = FeedSettings::from_config(&c).unwrap();
        assert_eq!(f.notify.unwrap().url, "postgres://zkcred@db.example/zkcred");
        c.coherence.enabled = Some(false);
        assert!(FeedSettings::from_config(&c).is_none());
    }

    #[test]
    fn gathered_events_are_deduplicated_and_bursts_refresh() {
        let metrics = Metrics::default();
        let (tx, rx) = mpsc::unbounded_channel();
        let mut events = Some(rx);
        let a = Change::document(POLICY_KIND, "a").to_payload();
        let b = Change::document(ISSUER_KIND, "b").to_payload();
        for p in [&a, &b, &a] {
            tx.send(FeedEvent::Payload(p.clone())).unwrap();
        }
        let first = events.as_mut().unwrap().try_recv().unwrap();
        match gather(first, &mut events, &metrics) {
            Some(Work::Changes(c)) => assert_eq!(
                c,
                vec![
                    Change::document(POLICY_KIND, "a"),
                    Change::document(ISSUER_KIND, "b")
                ]
            ),
            _ => panic!("expected two changes"),
        }
        // A (re)connection means a refresh, whatever came with it.
        tx.send(FeedEvent::Payload(a.clone())).unwrap();
        let r = gather(
            FeedEvent::Connected { backend_pid: 1 },
            &mut events,
            &metrics,
        );
        assert!(matches!(r, Some(Work::Refresh("reconnected"))));
        // A burst.
        for i in 0..=MAX_CHANGES_AT_ONCE {
            let p = Change::document(POLICY_KIND, &format!("p{i}")).to_payload();
            tx.send(FeedEvent::Payload(p)).unwrap();
        }
        let first = events.as_mut().unwrap().try_recv().unwrap();
        assert!(matches!(
            gather(first, &mut events, &metrics),
            Some(Work::Refresh("burst"))
        ));
        assert!(gather(FeedEvent::Disconnected, &mut events, &metrics).is_none());
    }
}
