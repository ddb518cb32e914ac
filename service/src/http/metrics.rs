//! Prometheus metrics: hand-rolled counters and histograms and a renderer of
//! the text exposition format (version 0.0.4).
//!
//! Exposed: `zkcred_http_requests_total{route,method,status}`,
//! `zkcred_decisions_total{outcome,reason}`,
//! `zkcred_challenges_issued_total`, `zkcred_challenge_refusals_total{code}`,
//! `zkcred_challenges_outstanding`, the histograms
//! `zkcred_verification_seconds` (a presentation's proofs, from submission
//! to result) and `zkcred_batch_size` (proofs per verification batch),
//! `zkcred_log_appends_total`, `zkcred_log_append_batch_size` and the key
//! cache's `zkcred_key_cache_{hits,misses,expirations,evictions,invalidations}_total`
//! and `zkcred_key_cache_entries`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::cache::CacheStats;

/// A histogram with fixed upper bounds.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Per bucket (non-cumulative), plus one for `+Inf`.
    counts: Vec<AtomicU64>,
    /// Sum of observations, in millionths of the unit.
    sum_micros: AtomicU64,
}

impl Histogram {
    /// A histogram with the given bucket upper bounds (ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, v: f64) {
        let i = self
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((v * 1e6).max(0.0) as u64, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.counts[self.bounds.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

const LATENCY_BOUNDS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const SIZE_BOUNDS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

type Labels = BTreeMap<Vec<String>, u64>;

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    requests: Mutex<Labels>,
    decisions: Mutex<Labels>,
    challenge_refusals: Mutex<Labels>,
    challenges_issued: AtomicU64,
    log_appends: AtomicU64,
    /// Verification latency of a presentation's proofs, seconds.
    pub verification_seconds: Histogram,
    /// Proofs per verification batch.
    pub batch_size: Histogram,
    /// Records per disclosure-log transaction.
    pub log_append_batch: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::default(),
            decisions: Mutex::default(),
            challenge_refusals: Mutex::default(),
            challenges_issued: AtomicU64::new(0),
            log_appends: AtomicU64::new(0),
            verification_seconds: Histogram::new(LATENCY_BOUNDS),
            batch_size: Histogram::new(SIZE_BOUNDS),
            log_append_batch: Histogram::new(SIZE_BOUNDS),
        }
    }
}

fn bump(m: &Mutex<Labels>, labels: Vec<String>) {
    *m.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(labels)
        .or_default() += 1;
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render_labeled(out: &mut String, name: &str, help: &str, keys: &[&str], m: &Mutex<Labels>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    let m = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for (values, n) in m.iter() {
        let labels: Vec<String> = keys
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        let _ = writeln!(out, "{name}{{{}}} {n}", labels.join(","));
    }
}

fn render_scalar(out: &mut String, name: &str, kind: &str, help: &str, v: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
    );
}

impl Metrics {
    /// Counts a served request (`route` is the matched route template).
    pub fn request(&self, route: &str, method: &str, status: u16) {
        bump(
            &self.requests,
            vec![route.into(), method.into(), status.to_string()],
        );
    }

    /// Counts a decision.
    pub fn decision(&self, accepted: bool, reason: &str) {
        let outcome = if accepted { "accepted" } else { "refused" };
        bump(&self.decisions, vec![outcome.into(), reason.into()]);
    }

    /// Counts an issued challenge.
    pub fn challenge_issued(&self) {
        self.challenges_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a refused challenge.
    pub fn challenge_refused(&self, code: &str) {
        bump(&self.challenge_refusals, vec![code.into()]);
    }

    /// Records a disclosure-log transaction of `n` records.
    pub fn log_appended(&self, n: usize) {
        self.log_appends.fetch_add(n as u64, Ordering::Relaxed);
        self.log_append_batch.observe(n as f64);
    }

    /// Records how long a presentation's proofs took.
    pub fn verified(&self, took: Duration) {
        self.verification_seconds.observe(took.as_secs_f64());
    }

    /// The text exposition, with the key cache's counters and the number of
    /// outstanding challenges.
    pub fn render(&self, key_cache: CacheStats, challenges_outstanding: usize) -> String {
        let mut out = String::with_capacity(4096);
        render_labeled(
            &mut out,
            "zkcred_http_requests_total",
            "HTTP requests served.",
            &["route", "method", "status"],
            &self.requests,
        );
        render_labeled(
            &mut out,
            "zkcred_decisions_total",
            "Presentation decisions by outcome and reason.",
            &["outcome", "reason"],
            &self.decisions,
        );
        render_scalar(
            &mut out,
            "zkcred_challenges_issued_total",
            "counter",
            "One-time challenges issued.",
            self.challenges_issued.load(Ordering::Relaxed),
        );
        render_labeled(
            &mut out,
            "zkcred_challenge_refusals_total",
            "Presented challenges refused, by code.",
            &["code"],
            &self.challenge_refusals,
        );
        render_scalar(
            &mut out,
            "zkcred_challenges_outstanding",
            "gauge",
            "Challenges held (live and used-but-unexpired).",
            challenges_outstanding as u64,
        );
        self.verification_seconds.render(
            &mut out,
            "zkcred_verification_seconds",
            "Time to verify a presentation's proofs, from submission to result.",
        );
        self.batch_size.render(
            &mut out,
            "zkcred_batch_size",
            "Proofs per verification batch.",
        );
        render_scalar(
            &mut out,
            "zkcred_log_appends_total",
            "counter",
            "Disclosure records appended.",
            self.log_appends.load(Ordering::Relaxed),
        );
        self.log_append_batch.render(
            &mut out,
            "zkcred_log_append_batch_size",
            "Disclosure records per storage transaction.",
        );
        for (name, v) in [
            ("hits", key_cache.hits),
            ("misses", key_cache.misses),
            ("expirations", key_cache.expirations),
            ("evictions", key_cache.evictions),
            ("invalidations", key_cache.invalidations),
        ] {
            render_scalar(
                &mut out,
                &format!("zkcred_key_cache_{name}_total"),
                "counter",
                &format!("Issuer verifier-key cache {name}."),
                v,
            );
        }
        render_scalar(
            &mut out,
            "zkcred_key_cache_entries",
            "gauge",
            "Issuer verifier keys cached.",
            key_cache.entries,
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.request("/v1/presentations", "POST", 200);
        m.request("/v1/presentations", "POST", 200);
        m.decision(false, "proof_invalid");
        m.batch_size.observe(3.0);
        m.batch_size.observe(1000.0);
        m.verified(Duration::from_micros(1500));
        let text = m.render(CacheStats::default(), 7);
        assert!(text.contains(
            "zkcred_http_requests_total{route=\"/v1/presentations\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(
            text.contains("zkcred_decisions_total{outcome=\"refused\",reason=\"proof_invalid\"} 1")
        );
        assert!(text.contains("zkcred_batch_size_bucket{le=\"4\"} 1"));
        assert!(text.contains("zkcred_batch_size_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("zkcred_verification_seconds_bucket{le=\"0.002\"} 1"));
        assert!(text.contains("zkcred_challenges_outstanding 7"));
        assert!(text.contains("# TYPE zkcred_key_cache_hits_total counter"));
    }
}
