//! `zkcred soak`: a long run at a steady rate with a mix of valid, invalid,
//! malformed and replayed presentations (`cmd::traffic`), reporting
//! throughput, latency per class, every unexpected answer and the server's
//! resident memory over time.
//!
//! Without `--url` it starts `zkcred serve` as a child process (the
//! service's default configuration, a temporary database), so its memory is
//! that of the service alone (`VmRSS` of `/proc/<pid>/status`); with
//! `--url` it drives a running service and samples `--pid` if given.
//!
//! The default rate, 1600/s, is 80 % of the ceiling measured on a 2-core
//! machine with the default configuration (about 2000 decisions/s, `zkcred
//! loadtest --max`); measure yours and pass `--rate`. Challenges are
//! fetched and answered a second's worth at a time on a producer thread,
//! at most a chunk ahead of the senders, so a run of any length stays
//! within the challenges' lifetime and the store's capacity.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _, Result};
use serde::Serialize;

use super::child::{rss_kib, write_config, ChildServer, Tokens};
use super::loadtest::{percentiles, setup_with, Api, Percentiles, Scene};
use super::senders::{self, Until};
use super::traffic::{Class, Mix, Producer, Queue};

/// `zkcred soak` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Length of the run, in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub duration: f64,
    /// Presentations per second offered (open loop): 80 % of the measured
    /// ceiling (about 2000/s on 2 cores with the default configuration).
    #[arg(long, default_value_t = 1600)]
    pub rate: u32,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Fraction of presentations with a corrupted proof (expect 422
    /// `proof_invalid`).
    #[arg(long, default_value_t = 0.05)]
    pub invalid: f64,
    /// Fraction of malformed bodies (expect 400 `malformed_json`).
    #[arg(long, default_value_t = 0.05)]
    pub malformed: f64,
    /// Fraction of replayed presentations (expect 409 `challenge_replayed`).
    #[arg(long, default_value_t = 0.05)]
    pub replayed: f64,
    /// Seconds between samples of the server's resident memory.
    #[arg(long, default_value_t = 10.0)]
    pub sample_secs: f64,
    /// Distinct holder credentials.
    #[arg(long, default_value_t = 8)]
    pub credentials: usize,
    /// A running service (default: start `zkcred serve` as a child process
    /// over a temporary database).
    #[arg(long, requires_all = ["admin_token", "verifier_token"])]
    pub url: Option<String>,
    /// Admin bearer token of the service at --url.
    #[arg(long, requires = "url")]
    pub admin_token: Option<String>,
    /// Verifier bearer token of the service at --url.
    #[arg(long, requires = "url")]
    pub verifier_token: Option<String>,
    /// The process id of the service at --url, to sample its memory.
    #[arg(long, requires = "url")]
    pub pid: Option<u32>,
    /// The verifier's name (that of --verifier-token's principal).
    #[arg(long, default_value = "soak.example")]
    pub verifier_name: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Default for SoakArgs {
    fn default() -> Self {
        SoakArgs {
            duration: 600.0,
            rate: 1600,
            connections: 64,
            invalid: 0.05,
            malformed: 0.05,
            replayed: 0.05,
            sample_secs: 10.0,
            credentials: 8,
            url: None,
            admin_token: None,
            verifier_token: None,
            pid: None,
            verifier_name: "soak.example".into(),
            json: false,
        }
    }
}

/// One class's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// Sent and answered.
    pub sent: u64,
    /// Answered as the class must be.
    pub expected: u64,
    /// Latency from the due time, milliseconds.
    pub latency_ms: Percentiles,
}

/// A sample of the server's resident memory.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RssSample {
    /// Seconds from the start of the load.
    pub at_secs: f64,
    /// `VmRSS`, KiB.
    pub kib: u64,
}

/// The outcome of a soak.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    /// Where the load went.
    pub target: String,
    /// Offered rate.
    pub rate: u32,
    /// Requested duration, seconds.
    pub duration_secs: f64,
    /// Connections.
    pub connections: usize,
    /// The class mix.
    pub mix: BTreeMap<&'static str, f64>,
    /// Requests answered.
    pub sent: u64,
    /// Requests planned (`rate × duration`).
    pub planned: u64,
    /// Seconds from the first due time to the last answer.
    pub window_secs: f64,
    /// Answers per second over the window.
    pub throughput: f64,
    /// Answers in whole seconds: fewest and most.
    pub per_second_min: u64,
    /// Most.
    pub per_second_max: u64,
    /// By class.
    pub classes: BTreeMap<&'static str, ClassReport>,
    /// Unexpected answers by `class: HTTP status code` (or transport error).
    pub errors: BTreeMap<String, u64>,
    /// Retries after 429 or 503 `overloaded` (not errors).
    pub retries: BTreeMap<String, u64>,
    /// Retries of challenge requests after 429 or 503.
    pub challenge_retries: u64,
    /// Items due before the producer had them ready.
    pub generator_starved: u64,
    /// The producer's error, if it stopped early.
    pub producer_error: Option<String>,
    /// Resident memory of the server over time (none without a pid).
    pub rss: Vec<RssSample>,
}

impl SoakReport {
    /// No unexpected answer, everything planned sent, the producer kept up
    /// without failing.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.producer_error.is_none() && self.sent == self.planned
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "target          {}", self.target);
        let _ = writeln!(
            s,
            "offered         {}/s for {} s, {} connections; mix {}",
            self.rate,
            self.duration_secs,
            self.connections,
            self.mix
                .iter()
                .map(|(k, v)| format!("{k} {:.0} %", v * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(s, "sent            {} of {}", self.sent, self.planned);
        let _ = writeln!(
            s,
            "throughput      {:.1}/s over {:.1} s (per whole second: min {}, max {})",
            self.throughput, self.window_secs, self.per_second_min, self.per_second_max
        );
        for (name, c) in &self.classes {
            let _ = writeln!(
                s,
                "  {name:<10} {:>8} sent  {:>8} as expected  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
                c.sent, c.expected, c.latency_ms.p50, c.latency_ms.p99, c.latency_ms.max
            );
        }
        let errors: u64 = self.errors.values().sum();
        let _ = writeln!(s, "errors          {errors}");
        for (k, n) in &self.errors {
            let _ = writeln!(s, "  {n:>8}  {k}");
        }
        let retries: u64 = self.retries.values().sum();
        let _ = writeln!(
            s,
            "retried         {retries} presentations, {} challenges (429 / 503 overloaded: back off)",
            self.challenge_retries
        );
        let _ = writeln!(
            s,
            "generator       starved {} times",
            self.generator_starved
        );
        if let Some(e) = &self.producer_error {
            let _ = writeln!(s, "producer error  {e}");
        }
        if let (Some(first), Some(last)) = (self.rss.first(), self.rss.last()) {
            let max = self.rss.iter().map(|r| r.kib).max().unwrap_or(0);
            let _ = writeln!(
                s,
                "server RSS      start {:.1} MiB, end {:.1} MiB, max {:.1} MiB",
                first.kib as f64 / 1024.0,
                last.kib as f64 / 1024.0,
                max as f64 / 1024.0
            );
            let _ = writeln!(
                s,
                "  over time     {}",
                self.rss
                    .iter()
                    .map(|r| format!("{:.0}s {:.1}", r.at_secs, r.kib as f64 / 1024.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            s,
            "result          {}",
            if self.passed() {
                "PASS (no unexpected answer)"
            } else {
                "FAIL"
            }
        );
        s
    }
}

/// Runs a soak; progress goes to standard error.
///
/// # Errors
/// Bad options, a server that does not start, a failed setup.
pub fn run(args: &SoakArgs) -> Result<SoakReport> {
    ensure!(args.rate > 0, "--rate must be at least 1");
    ensure!(
        args.duration > 0.0 && args.duration.is_finite(),
        "--duration must be positive"
    );
    ensure!(
        args.sample_secs > 0.0 && args.sample_secs.is_finite(),
        "--sample-secs must be positive"
    );
    ensure!(args.credentials > 0, "--credentials must be at least 1");
    let mix = Mix {
        invalid: args.invalid,
        malformed: args.malformed,
        replayed: args.replayed,
    };
    mix.check()?;
    let planned = (f64::from(args.rate) * args.duration).round().max(1.0) as u64;

    let mut child = None;
    let _dir;
    let (base, admin, verifier, pid) = match &args.url {
        Some(url) => (
            url.trim_end_matches('/').to_owned(),
            args.admin_token.clone().context("--admin-token")?,
            args.verifier_token.clone().context("--verifier-token")?,
            args.pid,
        ),
        None => {
            let dir = tempfile::tempdir().context("creating a temporary directory")?;
            let tokens = Tokens::generate(&args.verifier_name);
            let config = write_config(dir.path(), &tokens, "")?;
            let c = ChildServer::start(&config)?;
            let out = (c.url.clone(), tokens.admin, tokens.verifier, Some(c.pid()));
            child = Some(c);
            _dir = dir;
            out
        }
    };
    let api = Api::new(&base, &admin, &verifier)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("zkcred-soak")
        .enable_all()
        .build()
        .context("starting the client runtime")?;
    let setup = rt.block_on(setup_with(
        &api,
        &args.verifier_name,
        3600,
        args.credentials,
        Scene::Name,
    ))?;

    let chunk = (args.rate as usize).max(1);
    let queue = Arc::new(Queue::default());
    let producer = Producer {
        client: api.verifier.clone(),
        setup: Arc::new(setup),
        mix,
        chunk,
        ahead: chunk,
        total: Some(planned),
        fetchers: 8,
    }
    .spawn(Arc::clone(&queue));

    // The first chunk ready before the clock starts.
    let ready = Instant::now();
    while queue.is_empty() && !queue.finished() && ready.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Memory: at the start, every sample_secs, at the end.
    let samples = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let sampler = pid.map(|pid| {
        let (samples, stop) = (Arc::clone(&samples), Arc::clone(&stop));
        let every = Duration::from_secs_f64(args.sample_secs);
        std::thread::spawn(move || {
            let mut next = t0;
            while !stop.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    if let Some(kib) = rss_kib(pid) {
                        samples
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(RssSample {
                                at_secs: t0.elapsed().as_secs_f64(),
                                kib,
                            });
                    }
                    next += every;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    });
    eprintln!(
        "soak: {planned} presentations at {}/s for {} s against {base}…",
        args.rate, args.duration
    );
    let tally = rt.block_on(senders::run(
        || api.connection(),
        Arc::clone(&queue),
        args.connections,
        f64::from(args.rate),
        Until::Items(planned),
    ));
    stop.store(true, Ordering::Relaxed);
    if let Some(s) = sampler {
        let _ = s.join();
    }
    if let Some(kib) = pid.and_then(rss_kib) {
        samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RssSample {
                at_secs: t0.elapsed().as_secs_f64(),
                kib,
            });
    }
    queue.stop();
    let _ = producer.join();
    let tally = tally?;
    if let Some(c) = child {
        c.kill()?;
    }

    let sent = tally.answered();
    let whole = &tally.per_second[..(tally.window_secs.floor() as usize)
        .max(1)
        .min(tally.per_second.len())];
    let classes = Class::ALL
        .iter()
        .filter_map(|c| {
            let lat = tally.latency_us.get(c)?;
            Some((
                c.name(),
                ClassReport {
                    sent: lat.len() as u64,
                    expected: tally.expected.get(c).copied().unwrap_or(0),
                    latency_ms: percentiles(lat.iter().map(|&u| u64::from(u)).collect()),
                },
            ))
        })
        .collect();
    let rss = std::mem::take(&mut *samples.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(SoakReport {
        target: match &args.url {
            Some(u) => u.clone(),
            None => format!("zkcred serve (child, default configuration) at {base}"),
        },
        rate: args.rate,
        duration_secs: args.duration,
        connections: args.connections,
        mix: [
            ("invalid", args.invalid),
            ("malformed", args.malformed),
            ("replayed", args.replayed),
        ]
        .into_iter()
        .collect(),
        sent,
        planned,
        window_secs: tally.window_secs,
        throughput: if tally.window_secs > 0.0 {
            sent as f64 / tally.window_secs
        } else {
            0.0
        },
        per_second_min: whole.iter().copied().min().unwrap_or(0),
        per_second_max: whole.iter().copied().max().unwrap_or(0),
        classes,
        errors: tally.unexpected,
        retries: tally.retries,
        challenge_retries: queue
            .challenge_retries
            .load(std::sync::atomic::Ordering::Relaxed),
        generator_starved: tally.starved,
        producer_error: queue.error(),
        rss,
    })
}
