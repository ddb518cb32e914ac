//! `zkcred crashloop`: `zkcred serve` is started as a child process over
//! one database and log key, driven with presentations (valid, and with
//! corrupted proofs: both end in logged decisions) for a random short
//! time, killed with `kill -9` mid-load, and restarted, `--cycles` times.
//!
//! After every restart, before new load:
//!
//! 1. every decision acknowledged to the client so far (its `log_sequence`
//!    and outcome, from the 200 decision or the logged refusal) is in the
//!    log at that sequence with that outcome (`GET /v1/log/records`);
//! 2. the log key is the one of the first start, and a head signed now
//!    verifies under it and is consistent with every head seen before
//!    (`GET /v1/log/consistency`, checked against both signed roots);
//! 3. the export verifies under that key, read as a stream (`zkcred client
//!    log verify`'s logic), with every signed head seen before the crashes
//!    as a kept head.
//!
//! Requests in flight at the kill have no answer and are not checked:
//! the service promises nothing about a decision it never acknowledged.
//!
//! **Several nodes** (`--nodes N --database postgres://… --challenges
//! redis://…`): N children share one database, one log key and one
//! challenge store. Challenges are issued at one node and the
//! presentations spread over all of them (so most are answered at a node
//! that did not issue their challenge); each cycle kills one node, chosen
//! at random, mid-load while the others keep serving, checks the log
//! through a survivor, and restarts the killed node. The checks run at a
//! different node each cycle, and the final ones at every node: one log,
//! one tree, whichever node decided.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{ensure, Context as _, Result};
use rand::Rng;
use serde::Serialize;
use zkcred_api::client::Client;
use zkcred_api::{ConsistencyQuery, RecordsQuery, MAX_RECORDS};
use zkcred_translog::{LogPublicKey, Outcome, SignedTreeHead};

use super::child::{write_config_on, ChildServer, Tokens};
use super::client::log::verify_streamed;
use super::loadtest::{setup_with, Api, Scene, Setup};
use super::senders::{self, Until};
use super::traffic::{Mix, Producer, Queue};

/// `zkcred crashloop` options.
#[derive(Debug, Clone, clap::Args)]
pub struct CrashloopArgs {
    /// Kill / restart cycles.
    #[arg(long, default_value_t = 20)]
    pub cycles: u32,
    /// Presentations per second while loaded.
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Shortest load before the kill, seconds.
    #[arg(long, default_value_t = 0.5)]
    pub min_load_secs: f64,
    /// Longest load before the kill, seconds.
    #[arg(long, default_value_t = 3.0)]
    pub max_load_secs: f64,
    /// Fraction of presentations with a corrupted proof (logged refusals).
    #[arg(long, default_value_t = 0.2)]
    pub invalid: f64,
    /// Nodes sharing the database and the challenge store (more than one
    /// needs `--database postgres://…` and `--challenges redis://…`).
    #[arg(long, default_value_t = 1)]
    pub nodes: usize,
    /// The database the nodes share: a SQLite path or a `postgres://`
    /// URL (default: `zkcred.db` in the directory).
    #[arg(long, value_name = "PATH|URL")]
    pub database: Option<String>,
    /// The shared challenge store, `redis://…` (default: each node's own
    /// memory, so one node only). Its keys get a prefix of this run's.
    #[arg(long, value_name = "URL")]
    pub challenges: Option<String>,
    /// Keep the database, key and configuration in DIR (default: a
    /// temporary directory, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Default for CrashloopArgs {
    fn default() -> Self {
        CrashloopArgs {
            cycles: 20,
            rate: 200,
            connections: 16,
            min_load_secs: 0.5,
            max_load_secs: 3.0,
            invalid: 0.2,
            nodes: 1,
            database: None,
            challenges: None,
            dir: None,
            json: false,
        }
    }
}

/// One cycle: the checks after its start, then its load and kill.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cycle {
    /// From 1; the last "cycle" is the final restart, checked without load.
    pub cycle: u32,
    /// The node the checks ran at (from 0), and the node killed in this
    /// cycle's load (`None` for the final checks).
    pub checked_at: usize,
    /// The node killed mid-load.
    pub killed: Option<usize>,
    /// Records in the log after the restart.
    pub log_size: u64,
    /// Acknowledged decisions checked against the log after the restart.
    pub checked: u64,
    /// Heads from before checked for consistency after the restart.
    pub heads_checked: usize,
    /// Seconds of load before the kill (0 for the final restart).
    pub load_secs: f64,
    /// Decisions acknowledged during the load.
    pub acknowledged: u64,
    /// Requests without an answer (in flight at the kill, or refused
    /// connections after it).
    pub unanswered: u64,
    /// What failed.
    pub failures: Vec<String>,
}

/// The outcome of a crash loop.
#[derive(Debug, Clone, Serialize)]
pub struct CrashloopReport {
    /// Kill / restart cycles run.
    pub cycles: u32,
    /// Decisions acknowledged over all cycles.
    pub acknowledged: u64,
    /// Acknowledged decisions checked against the log, summed over the
    /// restarts (each is checked after every later restart).
    pub checked: u64,
    /// Signed heads seen before a crash and checked after.
    pub heads_kept: usize,
    /// The log's public key (hex).
    pub log_public_key: String,
    /// Every cycle.
    pub per_cycle: Vec<Cycle>,
    /// Failures over all cycles.
    pub failures: Vec<String>,
}

impl CrashloopReport {
    /// Every check held and every cycle ran.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.per_cycle.len() as u32 == self.cycles + 1
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "log key         {}", self.log_public_key);
        for c in &self.per_cycle {
            let _ = writeln!(
                s,
                "cycle {:>3}       log {:>7}, checked at node {} {:>7} decisions and {:>3} heads; load {:.2} s: {} acknowledged, {} unanswered at the kill{}{}",
                c.cycle,
                c.checked_at,
                c.log_size,
                c.checked,
                c.heads_checked,
                c.load_secs,
                c.acknowledged,
                c.unanswered,
                c.killed.map(|k| format!(" of node {k}")).unwrap_or_default(),
                if c.failures.is_empty() { "" } else { "  FAILED" }
            );
        }
        let _ = writeln!(
            s,
            "cycles          {} (kill -9 mid-load, restart, check)",
            self.cycles
        );
        let _ = writeln!(s, "acknowledged    {} decisions", self.acknowledged);
        let _ = writeln!(
            s,
            "checked         {} decision checks, {} kept heads",
            self.checked, self.heads_kept
        );
        let _ = writeln!(s, "failures        {}", self.failures.len());
        for f in &self.failures {
            let _ = writeln!(s, "  {f}");
        }
        let _ = writeln!(
            s,
            "result          {}",
            if self.passed() { "PASS" } else { "FAIL" }
        );
        s
    }
}

/// The longest a head signed during the load may take.
const SIGN_TIMEOUT: Duration = Duration::from_secs(2);

/// The longest a presentation may take before it counts as unanswered.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What the loop carries across restarts.
struct Seen {
    key: Option<LogPublicKey>,
    acknowledged: Vec<(u64, bool)>,
    heads: Vec<SignedTreeHead>,
}

/// Runs the crash loop; progress goes to standard error.
///
/// # Errors
/// Bad options, a server that does not start, a failed setup. Failed
/// checks are in the report, not errors.
pub fn run(args: &CrashloopArgs) -> Result<CrashloopReport> {
    ensure!(args.cycles > 0, "--cycles must be at least 1");
    ensure!(args.rate > 0, "--rate must be at least 1");
    ensure!(
        args.min_load_secs > 0.0 && args.max_load_secs >= args.min_load_secs,
        "--min-load-secs must be positive and at most --max-load-secs"
    );
    let mix = Mix {
        invalid: args.invalid,
        malformed: 0.0,
        replayed: 0.0,
    };
    mix.check()?;
    let temp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir().context("creating a temporary directory")?;
            temp.path().to_owned()
        }
    };
    ensure!(args.nodes >= 1, "--nodes must be at least 1");
    if args.nodes > 1 {
        ensure!(
            args.database.as_deref().is_some_and(|d| d.contains("://")),
            "several nodes share a database server: --database postgres://…"
        );
        ensure!(
            args.challenges.is_some(),
            "several nodes share their challenges: --challenges redis://…"
        );
    }
    let tokens = Tokens::generate("crashloop.example");
    let mut extra = String::from("[disclosure_log]\nsign_interval_secs = 0\n");
    if let Some(url) = &args.challenges {
        use rand::RngCore as _;
        let mut run_id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut run_id);
        extra.push_str(&format!(
            "\n[challenges]\nstore = {url:?}\nredis_key_prefix = \"zkcred:crashloop:{}:\"\n",
            hex::encode(run_id)
        ));
    }
    let database = match &args.database {
        Some(d) => d.clone(),
        None => dir.join("zkcred.db").to_string_lossy().into_owned(),
    };
    let config = write_config_on(&dir, &tokens, &database, &extra)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("zkcred-crashloop")
        .enable_all()
        .build()
        .context("starting the client runtime")?;

    let mut seen = Seen {
        key: None,
        acknowledged: Vec::new(),
        heads: Vec::new(),
    };
    let mut setup: Option<Arc<Setup>> = None;
    let mut cycles = Vec::new();
    // The first node makes the log key; the others read it.
    let t0 = std::time::Instant::now();
    let mut nodes = Vec::with_capacity(args.nodes);
    for _ in 0..args.nodes {
        nodes.push(Some(ChildServer::start(&config)?));
    }
    eprintln!(
        "{} node(s) started in {:.2} s",
        args.nodes,
        t0.elapsed().as_secs_f64()
    );
    for cycle in 1..=args.cycles + 1 {
        let last = cycle > args.cycles;
        let t0 = std::time::Instant::now();
        let url = |i: usize| nodes[i].as_ref().map(|n| n.url.clone()).unwrap_or_default();
        // The checks: at one node per cycle, at every node at the end.
        let at: Vec<usize> = if last {
            (0..args.nodes).collect()
        } else {
            vec![(cycle as usize - 1) % args.nodes]
        };
        let mut c = Cycle {
            cycle,
            checked_at: at[0],
            killed: None,
            ..Cycle::default()
        };
        for &i in &at {
            let regulator = Client::new(&url(i), Some(&tokens.regulator))?;
            let checked = rt.block_on(check(&regulator, &mut seen))?;
            c.log_size = checked.log_size;
            c.checked += checked.checked;
            c.heads_checked += checked.heads_checked;
            c.failures.extend(
                checked
                    .failures
                    .into_iter()
                    .map(|f| format!("node {i}: {f}")),
            );
        }
        eprintln!(
            "cycle {cycle}: checked at node(s) {at:?} in {:.2} s",
            t0.elapsed().as_secs_f64()
        );
        if last {
            for n in nodes.iter_mut().filter_map(Option::take) {
                n.kill()?;
            }
            cycles.push(c);
            break;
        }
        let victim = rand::thread_rng().gen_range(0..args.nodes);
        // Challenges and heads from a node that survives the kill (the
        // only node, when there is one).
        let issuer_node = (victim + 1) % args.nodes;
        let api = Api::new(&url(issuer_node), &tokens.admin, &tokens.verifier)?;
        let s = match &setup {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(rt.block_on(setup_with(
                    &api,
                    &tokens.verifier_name,
                    3600,
                    4,
                    Scene::Name,
                ))?);
                setup = Some(Arc::clone(&s));
                s
            }
        };
        let urls: Vec<String> = (0..args.nodes).map(url).collect();
        let server = nodes[victim].take().context("every node runs")?;
        let load = rand::thread_rng().gen_range(args.min_load_secs..=args.max_load_secs);
        load_and_kill(
            &rt,
            args,
            mix,
            &api,
            s,
            server,
            &urls,
            &urls[issuer_node],
            &tokens,
            load,
            &mut seen,
            &mut c,
        )?;
        c.killed = Some(victim);
        eprintln!(
            "cycle {cycle}: {} acknowledged in {load:.2} s, node {victim} killed; {} failures",
            c.acknowledged,
            c.failures.len()
        );
        let t0 = std::time::Instant::now();
        nodes[victim] = Some(ChildServer::start(&config)?);
        eprintln!(
            "cycle {cycle}: node {victim} restarted in {:.2} s",
            t0.elapsed().as_secs_f64()
        );
        cycles.push(c);
    }
    let failures = cycles
        .iter()
        .flat_map(|c| {
            c.failures
                .iter()
                .map(move |f| format!("cycle {}: {f}", c.cycle))
        })
        .collect();
    Ok(CrashloopReport {
        cycles: args.cycles,
        acknowledged: seen.acknowledged.len() as u64,
        checked: cycles.iter().map(|c| c.checked).sum(),
        heads_kept: seen.heads.len(),
        log_public_key: seen.key.map(|k| k.to_hex()).unwrap_or_default(),
        per_cycle: cycles,
        failures,
    })
}

/// Drives the server for `load` seconds, signing and keeping heads
/// meanwhile, kills it with `kill -9` while requests are in flight, and
/// keeps what was acknowledged.
#[allow(clippy::too_many_arguments)]
fn load_and_kill(
    rt: &tokio::runtime::Runtime,
    args: &CrashloopArgs,
    mix: Mix,
    api: &Api,
    setup: Arc<Setup>,
    server: ChildServer,
    urls: &[String],
    admin_url: &str,
    api_tokens: &Tokens,
    load: f64,
    seen: &mut Seen,
    c: &mut Cycle,
) -> Result<()> {
    let verifier_token = &api_tokens.verifier;
    // Heads are signed where the challenges come from: a survivor.
    let admin = Client::builder(admin_url)
        .token(&api_tokens.admin)
        .timeout(SIGN_TIMEOUT)
        .build()?;
    let chunk = (args.rate as usize / 2).max(1);
    let queue = Arc::new(Queue::default());
    let producer = Producer {
        client: api.verifier.clone(),
        setup,
        mix,
        chunk,
        ahead: chunk,
        total: None,
        fetchers: 4,
    }
    .spawn(Arc::clone(&queue));
    // Let the producer get a chunk ahead before the clock starts.
    let ready = std::time::Instant::now();
    while queue.is_empty() && !queue.finished() && ready.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let (tally, heads) = rt.block_on(async {
        let kill_at = tokio::time::Instant::now() + Duration::from_secs_f64(load);
        // Heads signed during the load: seen before the crash. A request
        // caught by the kill is given up after SIGN_TIMEOUT: on loopback,
        // one may hang rather than fail when its server dies.
        let signer = tokio::spawn(async move {
            let mut heads = Vec::new();
            let every = Duration::from_secs_f64((load / 3.0).max(0.1));
            loop {
                tokio::time::sleep(every).await;
                if tokio::time::Instant::now() + every / 2 >= kill_at {
                    return heads;
                }
                if let Ok(h) = admin.sign_head().await {
                    heads.push(h);
                }
            }
        });
        let killer = tokio::task::spawn_blocking(move || {
            std::thread::sleep(kill_at.saturating_duration_since(tokio::time::Instant::now()));
            server.kill()
        });
        // Senders keep going a little past the kill: requests in flight.
        // Connection `i` goes to node `i mod N`.
        let next_node = std::sync::atomic::AtomicUsize::new(0);
        let tally = senders::run(
            || {
                let i = next_node.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(Client::builder(&urls[i % urls.len()])
                    .token(verifier_token)
                    .idle_per_host(1)
                    .timeout(SEND_TIMEOUT)
                    .build()?)
            },
            Arc::clone(&queue),
            args.connections,
            f64::from(args.rate),
            Until::Instant(kill_at + Duration::from_millis(300)),
        )
        .await;
        let killed = killer.await.context("the killer task")?;
        killed?;
        let heads = signer.await.unwrap_or_default();
        Ok::<_, anyhow::Error>((tally?, heads))
    })?;
    queue.stop();
    let _ = producer.join();
    if let Some(e) = queue.error() {
        // Challenges refused once the server is gone end the producer.
        if !e.contains("POST /v1/challenges") {
            c.failures.push(format!("producer: {e}"));
        }
    }
    c.load_secs = load;
    c.acknowledged = tally.acknowledged.len() as u64;
    c.unanswered = tally
        .unexpected
        .iter()
        .filter(|(k, _)| k.contains("transport"))
        .map(|(_, n)| n)
        .sum();
    for (k, n) in &tally.unexpected {
        if !k.contains("transport") {
            c.failures.push(format!("{n} unexpected answers: {k}"));
        }
    }
    seen.acknowledged.extend(tally.acknowledged);
    seen.heads.extend(heads);
    Ok(())
}

/// The checks after a restart (see the module documentation).
async fn check(regulator: &Client, seen: &mut Seen) -> Result<Cycle> {
    let mut c = Cycle::default();
    let head = regulator.log_head().await.context("GET /v1/log/head")?;
    c.log_size = head.tree_size;
    let key = LogPublicKey::from_hex(&head.log_public_key).context("the log key")?;
    match seen.key {
        None => seen.key = Some(key),
        Some(k) if k != key => c.failures.push(format!(
            "the log key changed: {} → {}",
            k.to_hex(),
            key.to_hex()
        )),
        Some(_) => {}
    }
    let key = seen.key.unwrap_or(key);

    // 1. Every acknowledged decision, with its outcome.
    let mut outcomes = Vec::with_capacity(head.tree_size as usize);
    let mut q = RecordsQuery {
        start: Some(0),
        end: Some(head.tree_size),
        limit: Some(MAX_RECORDS),
    };
    loop {
        let page = regulator
            .log_records(&q)
            .await
            .context("GET /v1/log/records")?;
        outcomes.extend(
            page.records
                .iter()
                .map(|e| e.record.outcome == Outcome::Accepted),
        );
        match page.next {
            Some(n) => q.start = Some(n),
            None => break,
        }
    }
    for &(seq, accepted) in &seen.acknowledged {
        c.checked += 1;
        match outcomes.get(seq as usize) {
            None => c.failures.push(format!(
                "acknowledged decision {seq} is not in the log (size {})",
                outcomes.len()
            )),
            Some(&a) if a != accepted => c.failures.push(format!(
                "decision {seq} was acknowledged as {} but logged as {}",
                outcome_name(accepted),
                outcome_name(a)
            )),
            Some(_) => {}
        }
    }

    // 2. A head signed now (so even a log that never had one can be
    // exported), consistent with every head seen before.
    let now = regulator.sign_head().await.context("POST /v1/log/head")?;
    if let Err(e) = key.verify(&now) {
        c.failures.push(format!(
            "the head signed after restart does not verify: {e}"
        ));
    }
    for old in &seen.heads {
        c.heads_checked += 1;
        let q = ConsistencyQuery {
            old_size: old.tree_size,
            new_size: Some(now.tree_size),
        };
        let ok = match regulator.consistency(&q).await {
            Ok(p) => p
                .verify(&old.root_hash, &now.root_hash)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = ok {
            c.failures.push(format!(
                "the head at size {} is not consistent with the head at {}: {e}",
                old.tree_size, now.tree_size
            ));
        }
    }
    // 3. The export verifies under the first key, with the kept heads.
    let stream = regulator
        .export_stream()
        .await
        .map_err(|e| anyhow::anyhow!("GET /v1/log/export: {e}"))?;
    match verify_streamed(stream, key, seen.heads.clone()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => c
            .failures
            .push(format!("the export does not verify: {e} ({})", e.code())),
        Err(e) => c.failures.push(format!("the export did not download: {e}")),
    }

    seen.heads.push(now);
    Ok(c)
}

fn outcome_name(accepted: bool) -> &'static str {
    if accepted {
        "accepted"
    } else {
        "refused"
    }
}
