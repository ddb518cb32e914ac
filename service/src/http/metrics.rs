//! Prometheus metrics on `prometheus-client`.
//!
//! Exposed: `zkcred_http_requests_total{route,method,status}`,
//! `zkcred_decisions_total{outcome,reason}`,
//! `zkcred_challenges_issued_total`, `zkcred_challenge_refusals_total{code}`,
//! `zkcred_challenges_outstanding` (absent while a shared challenge store
//! does not answer), `zkcred_challenge_store_up` (1 when the challenge
//! store answered the scrape's count, else 0), the histograms
//! `zkcred_verification_seconds` (a presentation's proofs, from submission
//! to result) and `zkcred_batch_size` (proofs per verification batch),
//! `zkcred_log_appends_total`, `zkcred_log_append_batch_size` and the key
//! cache's `zkcred_key_cache_{hits,misses,expirations,evictions,invalidations}_total`
//! and `zkcred_key_cache_entries`; the connection figures
//! `zkcred_connections_open`, `zkcred_connections_accepted_total`,
//! `zkcred_connection_slot_waits_total` (the accept loop found every
//! connection slot taken and waited), `zkcred_connections_dropped_total{reason}`
//! (closed by the server: a [`DropReason`]) and
//! `zkcred_accept_errors_total{kind}` (an [`AcceptErrorKind`]); the change
//! feed between nodes ([`crate::coherence`]):
//! `zkcred_coherence_applied_total{change}` (`document`, `status_epoch`,
//! `request_keys`, `refresh`), `zkcred_coherence_published_total`,
//! `zkcred_coherence_failures_total{kind}` (`publish`, `apply`, `connect`,
//! `disconnect`), `zkcred_coherence_connects_total` and
//! `zkcred_coherence_connected` (1 while the notification listener is
//! connected).
//!
//! Every label value comes from a closed set, never from what a client
//! sent: the matched route template or `unmatched`, a method of
//! [`method_label`], the status code, and the service's own problem codes.
//!
//! [`Metrics::render`] writes the Prometheus text format (0.0.4), or
//! OpenMetrics text when the scraper asks for it ([`Format`]).

use std::time::Duration;
use zkcred_problem::ProblemCode;

use axum::http::{Method, StatusCode};
use prometheus_client::encoding::{prometheus_text, text, EncodeLabelSet};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::cache::CacheStats;

const LATENCY_BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const SIZE_BOUNDS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The `route` label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The `method` label: the method's name if it is one of the known methods,
/// else `other` (a client may send any token as a method).
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// A route template of the router, or [`UNMATCHED`].
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    outcome: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabel {
    change: &'static str,
}

/// Why the server closed a connection (the `reason` label of
/// `zkcred_connections_dropped_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// No complete request head within `connections.header_timeout_ms`.
    HeaderTimeout,
    /// No request within `connections.idle_timeout_ms` of the last answer.
    IdleTimeout,
    /// The client did not read its answer for `connections.idle_timeout_ms`.
    SendStalled,
    /// The request head was over `connections.max_header_bytes` (hyper
    /// answered 431).
    HeadTooLarge,
    /// The request head did not parse (hyper answered 400).
    MalformedHead,
    /// Idle or still sending its head when a graceful stop began.
    Shutdown,
    /// A request still under way when the stop's grace period ended.
    ShutdownGraceExpired,
}

impl DropReason {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::HeaderTimeout => "header_timeout",
            DropReason::IdleTimeout => "idle_timeout",
            DropReason::SendStalled => "send_stalled",
            DropReason::HeadTooLarge => "head_too_large",
            DropReason::MalformedHead => "malformed_head",
            DropReason::Shutdown => "shutdown",
            DropReason::ShutdownGraceExpired => "shutdown_grace_expired",
        }
    }
}

/// What kind of `accept` failure (the `kind` label of
/// `zkcred_accept_errors_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptErrorKind {
    /// Out of file descriptors (`EMFILE`, `ENFILE`).
    FdLimit,
    /// The one connection failed before it was accepted (aborted, reset).
    Connection,
    /// Anything else (`ENOBUFS`, `ENOMEM`, ...).
    Other,
}

impl AcceptErrorKind {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptErrorKind::FdLimit => "fd_limit",
            AcceptErrorKind::Connection => "connection",
            AcceptErrorKind::Other => "other",
        }
    }
}

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format, version 0.0.4.
    Prometheus,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
}

impl Format {
    /// OpenMetrics if `accept` (an `Accept` header) names it, else the
    /// Prometheus text format.
    pub fn negotiate(accept: Option<&str>) -> Self {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    /// The `Content-Type` of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    challenge_refusals: Family<CodeLabel, Counter>,
    challenges_issued: Counter,
    log_appends: Counter,
    /// Verification latency of a presentation's proofs, seconds.
    pub verification_seconds: Histogram,
    /// Proofs per verification batch.
    pub batch_size: Histogram,
    /// Records per disclosure-log transaction.
    pub log_append_batch: Histogram,
    connections_open: Gauge,
    connections_accepted: Counter,
    connection_slot_waits: Counter,
    connections_dropped: Family<ReasonLabel, Counter>,
    accept_errors: Family<KindLabel, Counter>,
    coherence_applied: Family<ChangeLabel, Counter>,
    coherence_published: Counter,
    coherence_failures: Family<KindLabel, Counter>,
    coherence_connects: Counter,
    coherence_connected: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            decisions: Family::default(),
            challenge_refusals: Family::default(),
            challenges_issued: Counter::default(),
            log_appends: Counter::default(),
            verification_seconds: Histogram::new(LATENCY_BOUNDS),
            batch_size: Histogram::new(SIZE_BOUNDS),
            log_append_batch: Histogram::new(SIZE_BOUNDS),
            connections_open: Gauge::default(),
            connections_accepted: Counter::default(),
            connection_slot_waits: Counter::default(),
            connections_dropped: Family::default(),
            accept_errors: Family::default(),
            coherence_applied: Family::default(),
            coherence_published: Counter::default(),
            coherence_failures: Family::default(),
            coherence_connects: Counter::default(),
            coherence_connected: Gauge::default(),
        };
        // Metric handles share their values with their clones: the registry
        // holds clones. Counter names get `_total` from the library; help
        // texts get their full stop from it.
        let mut r = m.registry;
        r.register(
            "zkcred_http_requests",
            "HTTP requests served",
            m.requests.clone(),
        );
        r.register(
            "zkcred_decisions",
            "Presentation decisions by outcome and reason",
            m.decisions.clone(),
        );
        r.register(
            "zkcred_challenges_issued",
            "One-time challenges issued",
            m.challenges_issued.clone(),
        );
        r.register(
            "zkcred_challenge_refusals",
            "Presented challenges refused, by code",
            m.challenge_refusals.clone(),
        );
        r.register(
            "zkcred_verification_seconds",
            "Time to verify a presentation's proofs, from submission to result",
            m.verification_seconds.clone(),
        );
        r.register(
            "zkcred_batch_size",
            "Proofs per verification batch",
            m.batch_size.clone(),
        );
        r.register(
            "zkcred_log_appends",
            "Disclosure records appended",
            m.log_appends.clone(),
        );
        r.register(
            "zkcred_log_append_batch_size",
            "Disclosure records per storage transaction",
            m.log_append_batch.clone(),
        );
        r.register(
            "zkcred_connections_open",
            "HTTP connections open",
            m.connections_open.clone(),
        );
        r.register(
            "zkcred_connections_accepted",
            "HTTP connections accepted",
            m.connections_accepted.clone(),
        );
        r.register(
            "zkcred_connection_slot_waits",
            "Times every connection slot was taken and the accept loop waited for one",
            m.connection_slot_waits.clone(),
        );
        r.register(
            "zkcred_connections_dropped",
            "HTTP connections closed by the server, by reason",
            m.connections_dropped.clone(),
        );
        r.register(
            "zkcred_accept_errors",
            "Failed accepts of HTTP connections, by kind",
            m.accept_errors.clone(),
        );
        r.register(
            "zkcred_coherence_applied",
            "Changes of other nodes (and full refreshes) applied to this node's caches, by change",
            m.coherence_applied.clone(),
        );
        r.register(
            "zkcred_coherence_published",
            "Changes this node announced to the others",
            m.coherence_published.clone(),
        );
        r.register(
            "zkcred_coherence_failures",
            "Failures of the change feed, by kind",
            m.coherence_failures.clone(),
        );
        r.register(
            "zkcred_coherence_connects",
            "Connections of the change notification listener",
            m.coherence_connects.clone(),
        );
        r.register(
            "zkcred_coherence_connected",
            "Whether the change notification listener is connected",
            m.coherence_connected.clone(),
        );
        Metrics { registry: r, ..m }
    }
}

impl Metrics {
    /// Counts a served request: `route` is the matched route template (None:
    /// no route matched); the method is reduced to [`method_label`].
    pub fn request(&self, route: Option<&str>, method: &Method, status: StatusCode) {
        let labels = RequestLabels {
            route: route.unwrap_or(UNMATCHED).to_owned(),
            method: method_label(method),
            status: status.as_u16(),
        };
        self.requests.get_or_create(&labels).inc();
    }

    /// Counts a decision (`reason`: a problem code, or `ok`).
    pub fn decision(&self, accepted: bool, reason: &'static str) {
        let outcome = if accepted { "accepted" } else { "refused" };
        self.decisions
            .get_or_create(&DecisionLabels { outcome, reason })
            .inc();
    }

    /// Counts an issued challenge.
    pub fn challenge_issued(&self) {
        self.challenges_issued.inc();
    }

    /// Counts a refused challenge.
    pub fn challenge_refused(&self, code: ProblemCode) {
        self.challenge_refusals
            .get_or_create(&CodeLabel {
                code: code.as_str(),
            })
            .inc();
    }

    /// Records a disclosure-log transaction of `n` records.
    pub fn log_appended(&self, n: usize) {
        self.log_appends.inc_by(n as u64);
        self.log_append_batch.observe(n as f64);
    }

    /// Counts an accepted connection; the open-connections gauge goes down
    /// again when the returned guard is dropped.
    pub fn connection_opened(&self) -> OpenConnection {
        self.connections_accepted.inc();
        self.connections_open.inc();
        OpenConnection(self.connections_open.clone())
    }

    /// Counts a wait of the accept loop for a free connection slot.
    pub fn connection_slot_wait(&self) {
        self.connection_slot_waits.inc();
    }

    /// Counts a connection the server closed.
    pub fn connection_dropped(&self, reason: DropReason) {
        self.connections_dropped
            .get_or_create(&ReasonLabel {
                reason: reason.as_str(),
            })
            .inc();
    }

    /// Counts a failed accept.
    pub fn accept_failed(&self, kind: AcceptErrorKind) {
        self.accept_errors
            .get_or_create(&KindLabel {
                kind: kind.as_str(),
            })
            .inc();
    }

    /// Counts a change (`document`, `status_epoch`, `request_keys`) or a
    /// full refresh (`refresh`) applied by the change feed.
    pub fn coherence_applied(&self, change: &'static str) {
        self.coherence_applied
            .get_or_create(&ChangeLabel { change })
            .inc();
    }

    /// Counts a change announced to the other nodes.
    pub fn coherence_published(&self) {
        self.coherence_published.inc();
    }

    /// Counts a failure of the change feed (`publish`, `apply`, `connect`,
    /// `disconnect`).
    pub fn coherence_failure(&self, kind: &'static str) {
        self.coherence_failures
            .get_or_create(&KindLabel { kind })
            .inc();
    }

    /// The notification listener connected (counted) or lost its
    /// connection.
    pub fn coherence_connected(&self, connected: bool) {
        if connected {
            self.coherence_connects.inc();
        }
        self.coherence_connected.set(i64::from(connected));
    }

    /// Records how long a presentation's proofs took.
    pub fn verified(&self, took: Duration) {
        self.verification_seconds.observe(took.as_secs_f64());
    }

    /// The exposition in `format`, with the figures read at scrape time: the
    /// key cache's counters and the number of outstanding challenges (`None`:
    /// the challenge store did not answer).
    pub fn render(
        &self,
        format: Format,
        key_cache: CacheStats,
        challenges_outstanding: Option<usize>,
    ) -> String {
        let mut scraped = Registry::default();
        if let Some(n) = challenges_outstanding {
            scraped.register(
                "zkcred_challenges_outstanding",
                "Live challenges held (issued, not yet answered or swept)",
                ConstGauge::new(n as i64),
            );
        }
        scraped.register(
            "zkcred_challenge_store_up",
            "Whether the challenge store answered at this scrape (1) or not (0)",
            ConstGauge::new(i64::from(challenges_outstanding.is_some())),
        );
        for (name, v) in [
            ("hits", key_cache.hits),
            ("misses", key_cache.misses),
            ("expirations", key_cache.expirations),
            ("evictions", key_cache.evictions),
            ("invalidations", key_cache.invalidations),
        ] {
            scraped.register(
                format!("zkcred_key_cache_{name}"),
                format!("Issuer verifier-key cache {name}"),
                ConstCounter::new(v),
            );
        }
        scraped.register(
            "zkcred_key_cache_entries",
            "Issuer verifier keys cached",
            ConstGauge::new(key_cache.entries as i64),
        );
        let mut out = String::with_capacity(8192);
        // Writing to a String cannot fail.
        let _ = match format {
            Format::Prometheus => prometheus_text::encode(&mut out, &self.registry)
                .and_then(|()| prometheus_text::encode(&mut out, &scraped)),
            Format::OpenMetrics => text::encode_registry(&mut out, &self.registry)
                .and_then(|()| text::encode_registry(&mut out, &scraped))
                .and_then(|()| text::encode_eof(&mut out)),
        };
        out
    }
}

/// An open connection, counted in `zkcred_connections_open` until dropped.
#[derive(Debug)]
pub struct OpenConnection(Gauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Metrics {
        let m = Metrics::default();
        let post = Method::POST;
        m.request(Some("/v1/presentations"), &post, StatusCode::OK);
        m.request(Some("/v1/presentations"), &post, StatusCode::OK);
        m.decision(false, "proof_invalid");
        m.batch_size.observe(3.0);
        m.batch_size.observe(1000.0);
        m.verified(Duration::from_micros(1500));
        m
    }

    #[test]
    fn renders_counters_and_histograms() {
        let text = sample().render(Format::Prometheus, CacheStats::default(), Some(7));
        assert!(text.contains(
            "zkcred_http_requests_total{route=\"/v1/presentations\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(
            text.contains("zkcred_decisions_total{outcome=\"refused\",reason=\"proof_invalid\"} 1")
        );
        assert!(text.contains("zkcred_batch_size_bucket{le=\"4\"} 1"));
        assert!(text.contains("zkcred_batch_size_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("zkcred_batch_size_count 2"));
        assert!(text.contains("zkcred_verification_seconds_bucket{le=\"0.002\"} 1"));
        assert!(text.contains("zkcred_challenges_outstanding 7"));
        assert!(text.contains("zkcred_challenge_store_up 1"));
        assert!(text.contains("# TYPE zkcred_key_cache_hits_total counter"));
        assert!(text.contains("# HELP zkcred_log_appends_total Disclosure records appended.\n"));
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn renders_openmetrics_on_request() {
        let f = Format::negotiate(Some(
            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2",
        ));
        assert_eq!(f, Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Prometheus);
        let text = sample().render(f, CacheStats::default(), Some(7));
        assert!(text.contains("# TYPE zkcred_http_requests counter"));
        assert!(text.contains("zkcred_key_cache_misses_total 0"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn labels_come_from_closed_sets() {
        let m = Metrics::default();
        for i in 0..100 {
            let junk = Method::from_bytes(format!("X{}", "A".repeat(i * 50)).as_bytes()).unwrap();
            m.request(None, &junk, StatusCode::NOT_FOUND);
            m.request(None, &Method::GET, StatusCode::NOT_FOUND);
        }
        let text = m.render(Format::Prometheus, CacheStats::default(), Some(0));
        let mut series: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("zkcred_http_requests_total{"))
            .collect();
        series.sort_unstable();
        assert_eq!(
            series,
            [
                "zkcred_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 100",
                "zkcred_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 100",
            ]
        );
    }
}
