//! `zkcred loadtest`: drives the verifier service over loopback HTTP with
//! many concurrent keep-alive connections and reports throughput and latency.
//!
//! Without `--url` it starts the service in process on `127.0.0.1:0` over a
//! temporary database (its own tokio runtime, threads named
//! `zkcred-server`), sized to hold every challenge of the run.
//!
//! With several nodes (`--url` repeated, or comma-separated: nodes sharing
//! one store and one challenge store), setup goes to the first; each node
//! is then polled with a presentation of its own until it accepts one (the
//! change feed has brought it the issuer, key and policy: the time is
//! reported as the node's `ready_ms`); challenge `i` is fetched from node
//! `i mod n` and its presentation sent to node `i + 1 mod n`, so every
//! presentation is judged by another node than the one that issued its
//! challenge. The report adds, per node (the one a presentation was sent
//! to), what was sent, accepted and refused, throughput and latency.
//!
//! 1. Setup: an issuer key is generated and registered with an issuer and a
//!    policy through the admin API; `--credentials` resident ID cards are
//!    issued (the policy discloses only the holder's name).
//! 2. Preparation, not measured: `rate × duration` one-time challenges are
//!    fetched (a `429 rate_limited` answer is honoured: the connection
//!    waits `Retry-After` and asks again, as a deployed client should), then
//!    answered on every core (rayon) with credentials prepared
//!    once ([`HolderCredential`]); the request bodies are kept in memory. A
//!    challenge answers one presentation only, so nothing is reused.
//! 3. Measured: request `i` is due at `start + i / rate` (open loop); the
//!    `--connections` senders (one keep-alive connection each, on a tokio
//!    runtime of one thread named `zkcred-loadgen`) take the requests in
//!    order and latency counts from the due time, so time spent waiting for
//!    a free connection is included (no coordinated omission). With `--max`
//!    the same presentations go out back to back and latency counts from the
//!    send.
//! 4. Report: decisions, errors by HTTP status and problem code, throughput
//!    over the window, latency percentiles, the server's batch figures from
//!    `/metrics` and, in process, CPU time per thread group.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _, Result};
use rand::rngs::{OsRng, StdRng};
use rand::{RngCore, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;
use zkcred_api::client::{Client, Outcome};
use zkcred_api::{DocKind, Submission};
use zkcred_credential::formats::IdNumber;
use zkcred_credential::{
    issue, present_prepared, AttributeSet, AttributeValue, Catalogue, Credential, Date,
    HolderCredential, IssuerKey, LicenseId, PresentationRequest, Uscc,
};
use zkcred_crypto::bbs::Suite;
use zkcred_service::http::{Config, Role, RunningServer, Server, TokenConfig};

/// The issuer the generated credentials name (a valid USCC).
const ISSUER: &str = "11330105002500287C";
const CREDENTIAL_TYPE: &str = "resident_id_card";

/// What the run's policy asks of each holder's resident ID card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scene {
    /// The holder's name, disclosed (one BBS proof per presentation).
    #[default]
    Name,
    /// An adults-only venue: nothing disclosed, "18 or older" and "card
    /// still valid" proven (one composite proof with an aggregated range
    /// proof per presentation).
    Venue,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// `zkcred loadtest` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadtestArgs {
    /// A running service (default: start one in process on 127.0.0.1:0
    /// with a temporary database). Repeated or comma-separated: nodes of
    /// one service, sharing its store and challenges; challenges are
    /// fetched from them in turn and each presentation is sent to the node
    /// after the one that issued its challenge.
    #[arg(long, value_delimiter = ',', requires_all = ["admin_token", "verifier_token"])]
    pub url: Vec<String>,
    /// Admin bearer token of the service at --url.
    #[arg(long, requires = "url")]
    pub admin_token: Option<String>,
    /// Verifier bearer token of the service at --url.
    #[arg(long, requires = "url")]
    pub verifier_token: Option<String>,
    /// The verifier's name (that of --verifier-token's principal): the
    /// policy registered for the run is this verifier's.
    #[arg(long, default_value = "loadtest.example")]
    pub verifier_name: String,
    /// Length of the measured window, in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Presentations per second offered (open loop). `rate × duration`
    /// presentations are prepared.
    #[arg(long, default_value_t = 2000)]
    pub rate: u32,
    /// Send the `rate × duration` presentations back to back, as fast as
    /// the connections allow, to find the ceiling.
    #[arg(long)]
    pub max: bool,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// What the policy asks: `name` (the holder's name) or `venue` (adults
    /// only: an age and a validity predicate proven, nothing disclosed).
    #[arg(long, value_enum, default_value = "name")]
    pub scene: Scene,
    /// Micro-batching of the in-process server's verification.
    #[arg(long, value_enum, default_value = "on")]
    pub batching: Switch,
    /// Distinct holder credentials the presentations rotate over.
    #[arg(long, default_value_t = 8)]
    pub credentials: usize,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Default for LoadtestArgs {
    fn default() -> Self {
        LoadtestArgs {
            url: Vec::new(),
            admin_token: None,
            verifier_token: None,
            verifier_name: "loadtest.example".into(),
            duration: 60.0,
            rate: 2000,
            max: false,
            connections: 64,
            scene: Scene::Name,
            batching: Switch::On,
            credentials: 8,
            json: false,
        }
    }
}

/// Latency percentiles, milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// Figures read from the server's `/metrics` (differences over the window).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerFigures {
    /// Verification batches run (0 with batching off).
    pub batches: f64,
    /// Mean proofs per batch.
    pub mean_batch_size: Option<f64>,
    /// Mean time from a presentation's submission to the batcher to its
    /// result, milliseconds.
    pub mean_verification_ms: Option<f64>,
    /// Mean records per group commit of the disclosure log.
    pub mean_log_append_batch: Option<f64>,
}

/// CPU time of one group of threads over the measured window.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadCpu {
    /// Thread name without its number.
    pub threads: String,
    /// CPU seconds.
    pub cpu_secs: f64,
    /// Cores kept busy on average (`cpu_secs / window`).
    pub cores: f64,
    /// CPU milliseconds per request sent.
    pub ms_per_request: f64,
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where the load went.
    pub target: String,
    /// In-process micro-batching (`None` for --url).
    pub batching: Option<bool>,
    /// `rate` (open loop) or `max`.
    pub mode: &'static str,
    /// Offered rate (rate mode).
    pub offered_rate: Option<f64>,
    /// Connections.
    pub connections: usize,
    /// Holder credentials.
    pub credentials: usize,
    /// Presentations prepared (= requests to send).
    pub prepared: usize,
    /// Seconds spent fetching challenges.
    pub challenge_secs: f64,
    /// Seconds spent generating proofs.
    pub proof_secs: f64,
    /// Requests sent.
    pub sent: u64,
    /// Decisions `accepted`.
    pub accepted: u64,
    /// Everything else, by kind (`HTTP 503 overloaded`, `transport: …`).
    pub errors: BTreeMap<String, u64>,
    /// Seconds from the first due time to the last answer.
    pub window_secs: f64,
    /// Accepted decisions per second over the window.
    pub throughput: f64,
    /// Accepted decisions in each whole second of the window: fewest.
    pub per_second_min: u64,
    /// Most.
    pub per_second_max: u64,
    /// Latency (from the due time, or from the send with --max).
    pub latency_ms: Percentiles,
    /// How late requests left after their due time (the generator's or the
    /// connections' backlog), milliseconds.
    pub send_lag_ms: Percentiles,
    /// Server figures from `/metrics`.
    pub server: Option<ServerFigures>,
    /// CPU per thread group over the window (in process, Linux).
    pub cpu: Vec<ThreadCpu>,
    /// Whole-process CPU over the window, in cores (in process, Linux).
    pub process_cores: Option<f64>,
    /// `/proc/loadavg` before and after the window.
    pub load_average: Vec<String>,
    /// Per node, with several `--url`s (empty with one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeReport>,
}

/// What one of several nodes was sent and answered.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// Its URL.
    pub url: String,
    /// Milliseconds from the end of setup (on the first node) until this
    /// node accepted a presentation of its own.
    pub ready_ms: f64,
    /// Challenges it issued.
    pub challenges: u64,
    /// Presentations sent to it.
    pub sent: u64,
    /// Of them, accepted.
    pub accepted: u64,
    /// The others, by kind.
    pub errors: BTreeMap<String, u64>,
    /// Accepted decisions per second over the whole window.
    pub throughput: f64,
    /// Latency of the presentations sent to it.
    pub latency_ms: Percentiles,
    /// Its `/metrics` figures over the window.
    pub server: Option<ServerFigures>,
}

impl Report {
    /// Whether the run meets the service's target (issue 6): at least 2000
    /// accepted decisions per second over at least 60 s, p99 under 50 ms,
    /// no error.
    pub fn meets_target(&self) -> bool {
        self.throughput >= 2000.0
            && self.window_secs >= 60.0
            && self.latency_ms.p99 < 50.0
            && self.errors.is_empty()
            && self.accepted == self.sent
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let batching = match self.batching {
            Some(true) => ", batching on",
            Some(false) => ", batching off",
            None => "",
        };
        let _ = writeln!(s, "target          {}{batching}", self.target);
        match self.offered_rate {
            Some(r) => {
                let _ = writeln!(
                    s,
                    "mode            open loop at {r:.0}/s, {} connections",
                    self.connections
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "mode            max (back to back), {} connections",
                    self.connections
                );
            }
        }
        let _ = writeln!(
            s,
            "prepared        {} presentations over {} credentials (challenges {:.1} s, proofs {:.1} s)",
            self.prepared, self.credentials, self.challenge_secs, self.proof_secs
        );
        let _ = writeln!(s, "sent            {}", self.sent);
        let _ = writeln!(s, "accepted        {}", self.accepted);
        let errors: u64 = self.errors.values().sum();
        let _ = writeln!(s, "errors          {errors}");
        for (kind, n) in &self.errors {
            let _ = writeln!(s, "  {n:>8}  {kind}");
        }
        let _ = writeln!(
            s,
            "window          {:.2} s\nthroughput      {:.1} decisions/s (per whole second: min {}, max {})",
            self.window_secs, self.throughput, self.per_second_min, self.per_second_max
        );
        let p = &self.latency_ms;
        let _ = writeln!(
            s,
            "latency ms      p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  mean {:.2}",
            p.p50, p.p90, p.p99, p.p999, p.max, p.mean
        );
        let l = &self.send_lag_ms;
        let _ = writeln!(
            s,
            "send lag ms     p50 {:.2}  p99 {:.2}  max {:.2}",
            l.p50, l.p99, l.max
        );
        if let Some(f) = &self.server {
            let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
            let _ = writeln!(
                s,
                "server          batches {:.0}, mean batch {} proofs, mean verification {} ms, mean log commit {} records",
                f.batches,
                opt(f.mean_batch_size),
                opt(f.mean_verification_ms),
                opt(f.mean_log_append_batch)
            );
        }
        if let Some(c) = self.process_cores {
            let _ = writeln!(
                s,
                "cpu             process {c:.2} cores, {:.3} ms/request",
                c * self.window_secs * 1000.0 / self.sent.max(1) as f64
            );
            for t in &self.cpu {
                let _ = writeln!(
                    s,
                    "  {:>6.2} cores  {:>8.1} s  {:>6.3} ms/request  {}",
                    t.cores, t.cpu_secs, t.ms_per_request, t.threads
                );
            }
        }
        if !self.nodes.is_empty() {
            let _ = writeln!(
                s,
                "nodes           {} (challenge i from node i mod {n}, its presentation to node i + 1 mod {n})",
                self.nodes.len(),
                n = self.nodes.len()
            );
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let errors: u64 = n.errors.values().sum();
            let _ = writeln!(
                s,
                "  node {i}  {}  ready after {:.0} ms, {} challenges issued",
                n.url, n.ready_ms, n.challenges
            );
            let _ = writeln!(
                s,
                "          sent {}  accepted {}  errors {errors}  throughput {:.1}/s  latency ms p50 {:.2}  p99 {:.2}",
                n.sent, n.accepted, n.throughput, n.latency_ms.p50, n.latency_ms.p99
            );
            for (kind, count) in &n.errors {
                let _ = writeln!(s, "    {count:>8}  {kind}");
            }
        }
        for (when, l) in ["before", "after"].iter().zip(&self.load_average) {
            let _ = writeln!(s, "load average    {when}: {l}");
        }
        let _ = writeln!(
            s,
            "issue-6 target  {} (>= 2000/s for >= 60 s, p99 < 50 ms, no error)",
            if self.meets_target() {
                "met"
            } else {
                "not met"
            }
        );
        s
    }
}

/// Runs a load test; progress goes to standard error.
pub fn run(args: &LoadtestArgs) -> Result<Report> {
    ensure!(args.rate > 0, "--rate must be at least 1");
    ensure!(
        args.duration > 0.0 && args.duration.is_finite(),
        "--duration must be positive"
    );
    ensure!(args.connections > 0, "--connections must be at least 1");
    ensure!(args.credentials > 0, "--credentials must be at least 1");
    let count = (f64::from(args.rate) * args.duration).round() as usize;
    ensure!(count > 0, "rate × duration is less than one presentation");

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("zkcred-loadgen")
        .enable_all()
        .build()
        .context("starting the client runtime")?;

    // The server, in process unless --url.
    let mut in_process = None;
    let (bases, admin, verifier) = if args.url.is_empty() {
        let p = InProcess::start(args, count)?;
        let base = format!("http://{}", p.server.local_addr());
        let (a, v) = (p.admin.clone(), p.verifier.clone());
        in_process = Some(p);
        (vec![base], a, v)
    } else {
        ensure!(
            args.url.iter().all(|u| !u.trim().is_empty()),
            "--url: an empty URL"
        );
        eprintln!(
            "note: the service's [challenges] must hold {count} challenges at once (capacity, \
             and per_verifier for this verifier) and keep them through preparation and the \
             window (ttl_secs)"
        );
        (
            args.url
                .iter()
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .collect(),
            args.admin_token.clone().context("--admin-token")?,
            args.verifier_token.clone().context("--verifier-token")?,
        )
    };
    let nodes = bases
        .iter()
        .map(|b| Api::new(b, &admin, &verifier))
        .collect::<Result<Vec<_>>>()?;

    let result = client_rt.block_on(async {
        let setup = setup(&nodes[0], args).await?;
        let ready = if nodes.len() > 1 {
            wait_until_ready(&nodes, &setup).await?
        } else {
            Vec::new()
        };
        drive(args, &nodes, &setup, count, in_process.is_some(), &ready).await
    });
    drop(client_rt);
    let mut report = result?;
    report.target = if args.url.is_empty() {
        format!("in process {}", bases[0].trim_start_matches("http://"))
    } else {
        args.url.join(", ")
    };
    if let Some(p) = in_process {
        report.batching = Some(args.batching == Switch::On);
        p.stop()?;
    }
    Ok(report)
}

/// How long a node may take to accept a presentation after setup on the
/// first (beyond twice the change feed's default refresh, 30 s).
const READY_WITHIN: Duration = Duration::from_secs(120);

/// Polls each node with a challenge of its own, answered and sent back to
/// it, until it accepts one: the node then knows the run's issuer, key and
/// policy. Returns, per node, the milliseconds that took.
async fn wait_until_ready(nodes: &[Api], setup: &Setup) -> Result<Vec<f64>> {
    eprintln!(
        "waiting for {} nodes to accept the run's issuer, key and policy…",
        nodes.len()
    );
    let started = Instant::now();
    let mut ready: Vec<Option<f64>> = vec![None; nodes.len()];
    let mut last = vec![String::new(); nodes.len()];
    while ready.iter().any(Option::is_none) {
        for (k, node) in nodes.iter().enumerate() {
            if ready[k].is_some() {
                continue;
            }
            let outcome = match node.verifier.challenge(&setup.policy).await {
                Ok(issued) => {
                    let body = prepare(setup, vec![issued.request])?
                        .pop()
                        .context("a presentation was not made")?;
                    failure(node.verifier.post_raw("/v1/presentations", body).await)
                }
                Err(e) => Some(format!("challenge: {e}")),
            };
            match outcome {
                None => ready[k] = Some(started.elapsed().as_secs_f64() * 1000.0),
                Some(kind) => last[k] = kind,
            }
        }
        if let Some(k) = ready.iter().position(Option::is_none) {
            if started.elapsed() > READY_WITHIN {
                bail!(
                    "node {} did not accept a presentation within {} s of setup (last: {}): \
                     does it share the first node's store, with its change feed on?",
                    nodes[k].base,
                    READY_WITHIN.as_secs(),
                    last[k]
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(ready.into_iter().map(|r| r.unwrap_or(0.0)).collect())
}

/// The node challenge `i` is fetched from.
fn challenge_node(i: usize, nodes: usize) -> usize {
    i % nodes
}

/// The node presentation `i` is sent to: the next one after its
/// challenge's (the same with one node).
fn presentation_node(i: usize, nodes: usize) -> usize {
    (i + 1) % nodes
}

/// How long challenges (and the policy's requests) must live: through
/// preparation and the window.
fn challenge_ttl(args: &LoadtestArgs) -> u64 {
    3600 + (args.duration as u64).saturating_mul(2)
}

/// The in-process server and what it needs kept alive.
struct InProcess {
    runtime: tokio::runtime::Runtime,
    server: RunningServer,
    admin: String,
    verifier: String,
    _dir: tempfile::TempDir,
}

impl InProcess {
    fn start(args: &LoadtestArgs, count: usize) -> Result<Self> {
        let dir = tempfile::tempdir().context("creating a temporary directory")?;
        let token = || {
            let mut b = [0u8; 16];
            OsRng.fill_bytes(&mut b);
            hex::encode(b)
        };
        let (admin, verifier) = (token(), token());
        let mut config = Config {
            listen: "127.0.0.1:0".parse()?,
            database: dir.path().join("zkcred.db"),
            log_key: dir.path().join("log.key"),
            tokens: vec![
                TokenConfig::new("loadtest-admin", Role::Admin, &admin),
                TokenConfig::new(&args.verifier_name, Role::Verifier, &verifier),
            ],
            ..Config::default()
        };
        config.batch.enabled = args.batching == Switch::On;
        // Every challenge of the run is outstanding at once, all of them
        // this one verifier's, and must outlive preparation and the window:
        // the harness holds them on purpose, unlike a real client, which
        // fetches a challenge just before it is answered. Everything else
        // (the rate limit included) stays at its default.
        config.challenges.capacity = count + 10_000;
        config.challenges.per_verifier = count + 10_000;
        config.challenges.ttl_secs = challenge_ttl(args);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("zkcred-server")
            .enable_all()
            .build()
            .context("starting the server runtime")?;
        let server = runtime
            .block_on(Server::start(config))
            .context("starting the in-process server")?;
        Ok(InProcess {
            runtime,
            server,
            admin,
            verifier,
            _dir: dir,
        })
    }

    fn stop(self) -> Result<()> {
        let InProcess {
            runtime,
            server,
            _dir,
            ..
        } = self;
        runtime
            .block_on(server.shutdown())
            .context("stopping the in-process server")?;
        Ok(())
    }
}

/// The service as the load test uses it: the one client, with the admin's
/// and the verifier's tokens over one connection pool; the senders make
/// their own ([`Api::connection`]).
pub(crate) struct Api {
    pub(crate) base: String,
    verifier_token: String,
    pub(crate) admin: Client,
    pub(crate) verifier: Client,
}

impl Api {
    pub(crate) fn new(base: &str, admin: &str, verifier: &str) -> Result<Self> {
        let pool = Client::new(base, None)?;
        Ok(Api {
            base: base.to_owned(),
            verifier_token: verifier.to_owned(),
            admin: pool.with_token(admin)?,
            verifier: pool.with_token(verifier)?,
        })
    }

    /// A verifier client with one keep-alive connection of its own.
    pub(crate) fn connection(&self) -> Result<Client> {
        Ok(Client::builder(&self.base)
            .token(&self.verifier_token)
            .idle_per_host(1)
            .timeout(Duration::from_secs(60))
            .build()?)
    }

    async fn metrics(&self) -> Option<String> {
        self.verifier.metrics().await.ok()
    }
}

/// What setup registered and issued.
pub(crate) struct Setup {
    pub(crate) policy: String,
    pub(crate) key: IssuerKey,
    pub(crate) credentials: Vec<Credential>,
}

/// The region of the issuer and of the verifier (same-region recognition).
const REGION: &str = "330106";

/// The issuer document registered for the run.
fn issuer_document() -> Value {
    json!({
        "id": ISSUER,
        "name_zh": "杭州市公安局西湖分局",
        "region": REGION,
        "authority": "public_security",
        "types": [CREDENTIAL_TYPE],
    })
}

/// The policy document (`zkcred-policy`) registered for the run: the
/// holder's name from a resident ID card (or, for the venue scene, an age
/// and a validity predicate), requests living `ttl_secs`.
fn policy_document(id: &str, verifier: &str, ttl_secs: u64, scene: Scene) -> Value {
    let requirement = match scene {
        Scene::Name => json!({
            "id": "holder",
            "description": "A resident ID card",
            "types": [CREDENTIAL_TYPE],
            "disclose": ["holder_name"],
        }),
        Scene::Venue => json!({
            "id": "holder",
            "description": "An adult with a valid resident ID card",
            "types": [CREDENTIAL_TYPE],
            "disclose": [],
            "predicates": [
                { "attribute": "birth_date", "op": "at_least_before", "years": 18 },
                { "attribute": "valid_until", "op": "after", "if_absent": "pass" },
            ],
        }),
    };
    json!({
        "format": "zkcred-policy",
        "format_version": 1,
        "id": id,
        "version": 1,
        "title": "zkcred loadtest",
        "verifier": { "id": verifier, "name": "zkcred loadtest", "region": REGION },
        "purpose": {
            "category": "identity_registration",
            "description": "Synthetic load: the holder's name from a resident ID card.",
            "legal_basis": "none (test data)",
        },
        "retention": { "days": 0 },
        "freshness": { "request_ttl_seconds": ttl_secs.clamp(1, 86_400) },
        "requirements": [requirement],
    })
}

fn attributes(i: usize) -> Result<AttributeSet> {
    let catalogue = Catalogue::builtin();
    let t = catalogue
        .get(CREDENTIAL_TYPE)
        .context("resident_id_card is not in the catalogue")?;
    let id = LicenseId::generate(t.type_code.clone(), Uscc::parse(ISSUER)?, 1, &mut OsRng)?;
    let s = |v: &str| AttributeValue::String(v.into());
    let d = |v: &str| {
        Date::parse(v)
            .map(AttributeValue::Date)
            .with_context(|| format!("date {v}"))
    };
    // GB 11643 ID numbers of people born on 1990-01-01 (sequence 000-999).
    let holder_id = IdNumber::with_check_char(&format!("33010619900101{:03}", i % 1000))?;
    Ok(AttributeSet::new()
        .with("license_id", s(&id.to_string()))
        .with("license_number", s(holder_id.as_str()))
        .with("holder_name", s(&format!("测试持证人{i}")))
        .with("holder_id", s(holder_id.as_str()))
        .with("holder_id_type", s("居民身份证"))
        .with("issuer_name", s("杭州市公安局西湖分局"))
        .with("issuer_code", s(ISSUER))
        .with("issue_date", d("2020-01-01")?)
        .with("valid_from", d("2020-01-01")?)
        .with("valid_until", d("2040-01-01")?)
        .with("area_code", s("330106"))
        .with("sex", s(if i.is_multiple_of(2) { "男" } else { "女" }))
        .with("ethnicity", s("汉"))
        .with("birth_date", d("1990-01-01")?)
        .with("address", s("浙江省杭州市西湖区文三路 90 号"))
        .with("photo_digest", AttributeValue::Bytes(vec![i as u8; 32])))
}

/// Registers the issuer, a fresh key and a policy of its own; issues the
/// credentials. An issuer left by an earlier run against --url is reused.
async fn setup(api: &Api, args: &LoadtestArgs) -> Result<Setup> {
    setup_with(
        api,
        &args.verifier_name,
        challenge_ttl(args),
        args.credentials,
        args.scene,
    )
    .await
}

/// [`setup`] for `verifier` (the verifier token's principal), with the
/// policy's requests living `ttl_secs` and `credentials` holders.
pub(crate) async fn setup_with(
    api: &Api,
    verifier: &str,
    ttl_secs: u64,
    credentials: usize,
    scene: Scene,
) -> Result<Setup> {
    let now = OffsetDateTime::now_utc();
    let key = IssuerKey::generate(
        ISSUER,
        Suite::Bls12381Sha256,
        // Open before the cards' issue date (2020-01-01).
        now - time::Duration::days(3650),
        now + time::Duration::days(365),
        &mut OsRng,
    )?
    .with_authority("public_security")?;
    match api.admin.create(DocKind::Issuer, &issuer_document()).await {
        Ok(_) => {}
        Err(e) if e.code() == Some("already_exists") => {}
        Err(e) => bail!("registering the issuer: {e}"),
    }
    api.admin
        .add_key(key.public(), false)
        .await
        .context("registering the issuer key")?;
    let policy = format!("loadtest-{}", hex::encode(OsRng.next_u64().to_be_bytes()));
    api.admin
        .create(
            DocKind::Policy,
            &policy_document(&policy, verifier, ttl_secs, scene),
        )
        .await
        .context("registering the policy")?;
    let credentials = (0..credentials)
        .map(|i| {
            issue(
                Catalogue::builtin(),
                &key,
                CREDENTIAL_TYPE,
                &attributes(i)?,
                now,
                &mut OsRng,
            )
            .map_err(anyhow::Error::from)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Setup {
        policy,
        key,
        credentials,
    })
}

/// Fetches `count` challenges over `connections` connections (to each
/// node), challenge `i` from node [`challenge_node`]. A connection
/// answered 429 `rate_limited` waits the `Retry-After` the service names
/// and asks again; any other refusal ends the run.
async fn fetch_challenges(
    nodes: &[Api],
    policy: &str,
    count: usize,
    connections: usize,
) -> Result<Vec<PresentationRequest>> {
    let next = Arc::new(AtomicUsize::new(0));
    let throttled = Arc::new(AtomicUsize::new(0));
    let policy: Arc<str> = Arc::from(policy);
    let mut tasks = Vec::new();
    for _ in 0..connections.min(count) {
        let (next, throttled, policy) = (
            Arc::clone(&next),
            Arc::clone(&throttled),
            Arc::clone(&policy),
        );
        let clients = nodes
            .iter()
            .map(Api::connection)
            .collect::<Result<Vec<_>>>()?;
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(got);
                }
                let client = &clients[challenge_node(i, clients.len())];
                let issued = loop {
                    match client.challenge(&policy).await {
                        Err(e) if e.code() == Some("rate_limited") => {
                            throttled.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(retry_after(&e)).await;
                        }
                        r => break r.with_context(|| format!("challenge {i}"))?,
                    }
                };
                got.push((i, issued.request));
            }
        }));
    }
    let mut all = vec![None; count];
    for t in tasks {
        for (i, r) in t.await.context("a challenge task failed")?? {
            all[i] = Some(r);
        }
    }
    match throttled.load(Ordering::Relaxed) {
        0 => {}
        n => eprintln!(
            "  the service's rate limit deferred {n} challenge requests (Retry-After honoured)"
        ),
    }
    all.into_iter()
        .map(|r| r.context("a challenge was not fetched"))
        .collect()
}

/// How long a 429 asks to wait: its `retry_after` member (the seconds of
/// its `Retry-After` header), else one second.
fn retry_after(e: &zkcred_api::client::ClientError) -> Duration {
    let secs = e
        .problem()
        .and_then(|p| p.extensions.get("retry_after"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    Duration::from_secs(secs.clamp(1, 60))
}

/// Answers every request, on all cores; returns the request bodies
/// (serialised [`Submission`]s).
fn prepare(setup: &Setup, requests: Vec<PresentationRequest>) -> Result<Vec<Vec<u8>>> {
    let catalogue = Catalogue::builtin();
    let public = setup.key.public();
    let holders = setup
        .credentials
        .iter()
        .map(|c| HolderCredential::new(catalogue, c, public))
        .collect::<Result<Vec<_>, _>>()?;
    let now = OffsetDateTime::now_utc();
    let bodies: Vec<Vec<u8>> = requests
        .into_par_iter()
        .enumerate()
        .map_init(
            || StdRng::from_rng(OsRng).expect("seeding from the OS"),
            |rng, (i, request)| {
                let holder = &holders[i % holders.len()];
                let presentation = present_prepared(catalogue, &request, &[holder], now, rng)?;
                let body = Submission {
                    policy: setup.policy.clone(),
                    request,
                    presentation,
                };
                Ok(serde_json::to_vec(&body)?)
            },
        )
        .collect::<Result<_>>()?;
    Ok(bodies)
}

/// One answered request.
struct Sample {
    /// The node it was sent to.
    node: usize,
    /// Finished, from the window's start, microseconds.
    done_us: u64,
    latency_us: u64,
    lag_us: u64,
    outcome: Option<String>,
}

async fn drive(
    args: &LoadtestArgs,
    nodes: &[Api],
    setup: &Setup,
    count: usize,
    in_process: bool,
    ready_ms: &[f64],
) -> Result<Report> {
    let (bodies, challenge_secs, proof_secs) = prepare_bodies(args, nodes, setup, count).await?;
    let before_metrics = all_metrics(nodes).await;
    let before_cpu = in_process.then(thread_cpu).flatten();
    let load_before = loadavg();
    let samples = send_all(args, nodes, bodies, count).await?;
    let window = samples.iter().map(|s| s.done_us).max().unwrap_or(0) as f64 / 1e6;
    let after_cpu = in_process.then(thread_cpu).flatten();
    let load_after = loadavg();
    let after_metrics = all_metrics(nodes).await;
    let mut report = summarise(args, &samples, window, count);
    report.challenge_secs = challenge_secs;
    report.proof_secs = proof_secs;
    let pairs: Vec<Option<(String, String)>> = before_metrics
        .into_iter()
        .zip(after_metrics)
        .map(|(b, a)| b.zip(a))
        .collect();
    let known: Vec<(String, String)> = pairs.iter().flatten().cloned().collect();
    report.server = (!known.is_empty()).then(|| server_figures(&known));
    (report.cpu, report.process_cores) = match (before_cpu, after_cpu) {
        (Some(b), Some(a)) => cpu_report(&b, &a, window, samples.len()),
        _ => (Vec::new(), None),
    };
    report.load_average = load_before.into_iter().chain(load_after).collect();
    if nodes.len() > 1 {
        report.nodes = nodes
            .iter()
            .enumerate()
            .map(|(k, node)| {
                let mine: Vec<&Sample> = samples.iter().filter(|s| s.node == k).collect();
                let (accepted, errors) = tally(mine.iter().copied());
                NodeReport {
                    url: node.base.clone(),
                    ready_ms: ready_ms.get(k).copied().unwrap_or(0.0),
                    challenges: (0..count)
                        .filter(|&i| challenge_node(i, nodes.len()) == k)
                        .count() as u64,
                    sent: mine.len() as u64,
                    accepted,
                    errors,
                    throughput: if window > 0.0 {
                        accepted as f64 / window
                    } else {
                        0.0
                    },
                    latency_ms: percentiles(mine.iter().map(|s| s.latency_us).collect()),
                    server: pairs[k]
                        .as_ref()
                        .map(|p| server_figures(std::slice::from_ref(p))),
                }
            })
            .collect();
    }
    Ok(report)
}

/// Every node's `/metrics` text (`None` where it could not be read).
async fn all_metrics(nodes: &[Api]) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        out.push(n.metrics().await);
    }
    out
}

/// Preparation, not measured: the challenges, then the presentations
/// answering them. Returns the bodies and the seconds each step took.
async fn prepare_bodies(
    args: &LoadtestArgs,
    nodes: &[Api],
    setup: &Setup,
    count: usize,
) -> Result<(Vec<Vec<u8>>, f64, f64)> {
    let started = Instant::now();
    match nodes.len() {
        1 => eprintln!("fetching {count} challenges…"),
        n => eprintln!("fetching {count} challenges from {n} nodes in turn…"),
    }
    let requests = fetch_challenges(nodes, &setup.policy, count, args.connections).await?;
    let challenge_secs = started.elapsed().as_secs_f64();
    eprintln!(
        "  {challenge_secs:.1} s; generating {count} presentations on {} threads…",
        rayon::current_num_threads()
    );
    let started = Instant::now();
    // This future runs on the calling thread, outside the client runtime's
    // worker; nothing else is in flight while proofs are generated.
    let bodies = prepare(setup, requests)?;
    let proof_secs = started.elapsed().as_secs_f64();
    eprintln!(
        "  {proof_secs:.1} s ({:.0}/s); sending{}…",
        count as f64 / proof_secs,
        if args.max {
            " back to back".to_owned()
        } else {
            format!(" at {}/s for {} s", args.rate, args.duration)
        }
    );
    Ok((bodies, challenge_secs, proof_secs))
}

/// The measured window: `--connections` senders, one keep-alive connection
/// (to each node) each, take the bodies in order on the open-loop schedule
/// (or back to back with `--max`); presentation `i` goes to node
/// [`presentation_node`].
async fn send_all(
    args: &LoadtestArgs,
    nodes: &[Api],
    bodies: Vec<Vec<u8>>,
    count: usize,
) -> Result<Vec<Sample>> {
    // Each body is taken once, by the sender that draws its index.
    let bodies: Arc<Vec<std::sync::Mutex<Vec<u8>>>> =
        Arc::new(bodies.into_iter().map(std::sync::Mutex::new).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let period = 1.0 / f64::from(args.rate);
    let max = args.max;
    let mut tasks = Vec::new();
    for _ in 0..args.connections.min(count) {
        let (next, bodies) = (Arc::clone(&next), Arc::clone(&bodies));
        let clients = nodes
            .iter()
            .map(Api::connection)
            .collect::<Result<Vec<_>>>()?;
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return samples;
                }
                let due = if max {
                    start
                } else {
                    start + Duration::from_secs_f64(i as f64 * period)
                };
                tokio::time::sleep_until(due).await;
                let body = std::mem::take(
                    &mut *bodies[i]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                );
                let node = presentation_node(i, clients.len());
                let sent = tokio::time::Instant::now();
                let outcome = failure(clients[node].post_raw("/v1/presentations", body).await);
                let done = tokio::time::Instant::now();
                let from = if max { sent } else { due };
                samples.push(Sample {
                    node,
                    done_us: micros(done.saturating_duration_since(start)),
                    latency_us: micros(done.saturating_duration_since(from)),
                    lag_us: if max {
                        0
                    } else {
                        micros(sent.saturating_duration_since(due))
                    },
                    outcome,
                });
            }
        }));
    }
    let mut samples = Vec::with_capacity(count);
    for t in tasks {
        samples.extend(t.await.context("a sender task failed")?);
    }
    Ok(samples)
}

/// Accepted samples and the others by kind.
fn tally<'a>(samples: impl Iterator<Item = &'a Sample>) -> (u64, BTreeMap<String, u64>) {
    let mut errors = BTreeMap::new();
    let mut accepted = 0u64;
    for s in samples {
        match &s.outcome {
            None => accepted += 1,
            Some(kind) => *errors.entry(kind.clone()).or_insert(0) += 1,
        }
    }
    (accepted, errors)
}

/// The report's counts, throughput and latencies from the samples (the
/// preparation times, server figures, CPU and nodes are filled in by the
/// caller).
fn summarise(args: &LoadtestArgs, samples: &[Sample], window: f64, count: usize) -> Report {
    let (accepted, errors) = tally(samples.iter());
    let mut seconds = vec![0u64; window.ceil() as usize + 1];
    for s in samples.iter().filter(|s| s.outcome.is_none()) {
        seconds[(s.done_us / 1_000_000) as usize] += 1;
    }
    // Whole seconds only: the last one is partial.
    let whole = &seconds[..(window.floor() as usize).max(1).min(seconds.len())];
    Report {
        target: String::new(),
        batching: None,
        mode: if args.max { "max" } else { "rate" },
        offered_rate: (!args.max).then_some(f64::from(args.rate)),
        connections: args.connections,
        credentials: args.credentials,
        prepared: count,
        challenge_secs: 0.0,
        proof_secs: 0.0,
        sent: samples.len() as u64,
        accepted,
        errors,
        window_secs: window,
        throughput: if window > 0.0 {
            accepted as f64 / window
        } else {
            0.0
        },
        per_second_min: whole.iter().copied().min().unwrap_or(0),
        per_second_max: whole.iter().copied().max().unwrap_or(0),
        latency_ms: percentiles(samples.iter().map(|s| s.latency_us).collect()),
        send_lag_ms: percentiles(samples.iter().map(|s| s.lag_us).collect()),
        server: None,
        cpu: Vec::new(),
        process_cores: None,
        load_average: Vec::new(),
        nodes: Vec::new(),
    }
}

/// `None` when the presentation was accepted, else the kind of failure.
fn failure(r: Result<Outcome, reqwest::Error>) -> Option<String> {
    match r {
        Err(e) => Some(transport_kind(&e)),
        Ok(o) if o.accepted() => None,
        Ok(Outcome {
            status,
            code: Some(c),
            ..
        }) => Some(format!("HTTP {status} {c}")),
        Ok(Outcome {
            status,
            decision: Some(d),
            ..
        }) => Some(format!("HTTP {status} decision {d}")),
        Ok(o) => Some(format!("HTTP {}", o.status)),
    }
}

pub(crate) fn transport_kind(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    };
    format!("transport: {kind}")
}

pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

pub(crate) fn percentiles(mut us: Vec<u64>) -> Percentiles {
    if us.is_empty() {
        return Percentiles::default();
    }
    us.sort_unstable();
    let at = |q: f64| {
        // Nearest rank.
        let rank = (q * us.len() as f64).ceil() as usize;
        us[rank.clamp(1, us.len()) - 1] as f64 / 1000.0
    };
    Percentiles {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
        mean: us.iter().sum::<u64>() as f64 / us.len() as f64 / 1000.0,
    }
}

/// The value of an unlabelled sample `name` in Prometheus text.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(name)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

/// The server figures over the window from `(before, after)` metrics of
/// each node: counts summed over the nodes, means over all of them.
fn server_figures(pairs: &[(String, String)]) -> ServerFigures {
    let diff = |name: &str| {
        pairs
            .iter()
            .filter_map(|(b, a)| Some(metric(a, name)? - metric(b, name).unwrap_or(0.0)))
            .reduce(|x, y| x + y)
    };
    let mean = |sum: &str, count: &str, scale: f64| match (diff(sum), diff(count)) {
        (Some(s), Some(c)) if c > 0.0 => Some(s / c * scale),
        _ => None,
    };
    ServerFigures {
        batches: diff("zkcred_batch_size_count").unwrap_or(0.0),
        mean_batch_size: mean("zkcred_batch_size_sum", "zkcred_batch_size_count", 1.0),
        mean_verification_ms: mean(
            "zkcred_verification_seconds_sum",
            "zkcred_verification_seconds_count",
            1000.0,
        ),
        mean_log_append_batch: mean(
            "zkcred_log_append_batch_size_sum",
            "zkcred_log_append_batch_size_count",
            1.0,
        ),
    }
}

fn loadavg() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// CPU ticks per thread (`/proc/self/task/*/stat`), keyed by thread id, with
/// the thread's name; plus the whole process's under id 0.
type CpuSnapshot = BTreeMap<u64, (String, u64)>;

fn thread_cpu() -> Option<CpuSnapshot> {
    let ticks = |stat: &str| -> Option<(String, u64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some((name, utime + stime))
    };
    let mut out = BTreeMap::new();
    out.insert(0, ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?);
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(tid) = entry.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        if let Some(t) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|s| ticks(&s))
        {
            out.insert(tid, t);
        }
    }
    Some(out)
}

fn cpu_report(
    before: &CpuSnapshot,
    after: &CpuSnapshot,
    window: f64,
    requests: usize,
) -> (Vec<ThreadCpu>, Option<f64>) {
    // The usual USER_HZ; /proc reports ticks of it.
    const HZ: f64 = 100.0;
    let spent = |tid: &u64, now: u64| now - before.get(tid).map_or(0, |(_, t)| (*t).min(now));
    let mut groups: BTreeMap<String, u64> = BTreeMap::new();
    for (tid, (name, t)) in after.iter().filter(|(tid, _)| **tid != 0) {
        let group = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
        *groups.entry(group.to_owned()).or_insert(0) += spent(tid, *t);
    }
    let process = after.get(&0).map(|(_, t)| spent(&0, *t) as f64 / HZ);
    let window = window.max(1e-9);
    let mut cpu: Vec<ThreadCpu> = groups
        .into_iter()
        .filter(|(_, t)| *t > 0)
        .map(|(threads, t)| ThreadCpu {
            threads,
            cpu_secs: t as f64 / HZ,
            cores: t as f64 / HZ / window,
            ms_per_request: t as f64 / HZ * 1000.0 / requests.max(1) as f64,
        })
        .collect();
    cpu.sort_by(|a, b| b.cpu_secs.total_cmp(&a.cpu_secs));
    (cpu, process.map(|p| p / window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let p = percentiles((1..=1000).map(|i| i * 1000).collect());
        assert_eq!(
            (p.p50, p.p90, p.p99, p.p999, p.max),
            (500.0, 900.0, 990.0, 999.0, 1000.0)
        );
        assert_eq!(percentiles(Vec::new()).max, 0.0);
    }

    #[test]
    fn metrics_are_read_and_differenced() {
        let before = "zkcred_batch_size_sum 10\nzkcred_batch_size_count 2\n";
        let after = "# HELP x\nzkcred_batch_size_sum 110\nzkcred_batch_size_count 4\nzkcred_batch_size_bucket{le=\"4\"} 1\n";
        let f = server_figures(&[(before.into(), after.into())]);
        assert_eq!(f.batches, 2.0);
        assert_eq!(f.mean_batch_size, Some(50.0));
        assert_eq!(f.mean_verification_ms, None);
        // Two nodes: counts add up, the mean is over both.
        let other = (
            String::new(),
            "zkcred_batch_size_sum 30\nzkcred_batch_size_count 3\n".to_owned(),
        );
        let f = server_figures(&[(before.into(), after.into()), other]);
        assert_eq!(f.batches, 5.0);
        assert_eq!(f.mean_batch_size, Some(26.0));
    }

    #[test]
    fn every_presentation_goes_to_another_node_than_its_challenge() {
        for n in 2..5 {
            let mut sent = vec![0; n];
            for i in 0..20 * n {
                let (c, p) = (challenge_node(i, n), presentation_node(i, n));
                assert_ne!(c, p);
                sent[p] += 1;
            }
            assert!(sent.iter().all(|&s| s == 20), "{sent:?}");
        }
        assert_eq!((challenge_node(7, 1), presentation_node(7, 1)), (0, 0));
    }
}
