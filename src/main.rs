//! `zkcred`: the command-line program.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use zkcred::cmd::{self, Status};
use zkcred::conformance;
use zkcred_crypto::bbs::Suite;

/// The service's request path allocates small, short-lived buffers on many
/// threads (tokio workers, verification and log threads); mimalloc's
/// per-thread heaps serve them without the lock traffic of the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "zkcred",
    version,
    about = "Privacy-preserving verification of electronic licenses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// BBS signature tools: conformance against IETF vectors, vector generation.
    #[command(subcommand)]
    Bbs(BbsCommand),
    /// Run the verifier service (HTTP API) until Ctrl-C or SIGTERM.
    Serve {
        /// TOML configuration file (default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Issuer keys (keygen, rotation, export) and issuing credentials.
    #[command(subcommand)]
    Issuer(cmd::issuer::IssuerCommand),
    /// The license catalogue: credential types and their attributes.
    #[command(subcommand)]
    Catalogue(cmd::catalogue::CatalogueCommand),
    /// The holder's wallet: add, list, show, remove credentials; present.
    #[command(subcommand)]
    Wallet(cmd::wallet::WalletCommand),
    /// Presentation requests (a verifier's one-time challenge).
    #[command(subcommand)]
    Request(cmd::request::RequestCommand),
    /// Verify a presentation offline: VALID (exit 0) or INVALID (exit 1)
    /// with the disclosed attributes or the reason.
    Verify(cmd::verify::VerifyArgs),
    /// Drive a running verifier service: registry, policies, challenges,
    /// submissions and the disclosure log (URL and token from --url/--token
    /// or ZKCRED_URL/ZKCRED_TOKEN).
    Client(cmd::client::ClientArgs),
    /// Regulator tools: verify a disclosure-log export.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Verifier policies: validate them, audit what they ask for.
    #[command(subcommand)]
    Policy(zkcred::policy_cmd::PolicyCommand),
    /// The whole system in one command: issuers, holders, the verifier
    /// service on loopback, four scenes and the regulator's view.
    Demo(cmd::demo::DemoArgs),
    /// Drive the verifier service with concurrent presentations and report
    /// throughput and latency (in process unless --url).
    Loadtest(cmd::loadtest::LoadtestArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum SuiteArg {
    /// BLS12-381-SHA-256
    Sha256,
    /// BLS12-381-SHAKE-256
    Shake256,
}

impl From<SuiteArg> for Suite {
    fn from(s: SuiteArg) -> Suite {
        match s {
            SuiteArg::Sha256 => Suite::Bls12381Sha256,
            SuiteArg::Shake256 => Suite::Bls12381Shake256,
        }
    }
}

#[derive(Subcommand)]
enum BbsCommand {
    /// Run every IETF fixture file below DIR: a line per file (PASS, FAIL,
    /// SKIP, or DATA for the draft's message list) saying which check was
    /// made, then `N passed, N failed, N skipped`. Exits non-zero on any
    /// failure or skip.
    Conformance {
        /// A fixture file or a folder of them.
        dir: PathBuf,
        /// Ciphersuite for every file (default: from a `bls12-381-*` folder).
        #[arg(long, value_enum)]
        suite: Option<SuiteArg>,
    },
    /// Sign: fixture-format JSON on stdin (signerKeyPair, header, messages),
    /// a signature fixture on stdout.
    Sign {
        #[arg(long, value_enum, default_value = "sha256")]
        suite: SuiteArg,
    },
    /// Prove: fixture-format JSON on stdin (signerPublicKey, signature,
    /// header, presentationHeader, messages, disclosedIndexes), a proof
    /// fixture on stdout.
    Prove {
        #[arg(long, value_enum, default_value = "sha256")]
        suite: SuiteArg,
        /// Use the draft's mocked random scalars (reproducible test vectors
        /// only: such a proof hides nothing).
        #[arg(long)]
        mocked_rng: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}

fn read_stdin_json() -> Result<serde_json::Value> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading stdin")?;
    serde_json::from_str(&s).context("stdin is not valid JSON")
}

/// Runs a credential command on the process's streams and clock.
fn run_cmd(f: impl FnOnce(&mut cmd::Context<'_>) -> Result<Status>) -> Result<ExitCode> {
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut ctx = cmd::Context {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        // Whole seconds: key windows and request expiries read better so.
        now: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .context("reading the clock")?,
    };
    let status = f(&mut ctx)?;
    ctx.stdout.flush().context("writing standard output")?;
    Ok(ExitCode::from(status.code()))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Issuer(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Catalogue(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Wallet(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Request(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Verify(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Audit(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Client(c) => run_cmd(|ctx| c.run(ctx)),
        Command::Policy(cmd) => zkcred::policy_cmd::run(cmd),
        Command::Bbs(BbsCommand::Conformance { dir, suite }) => {
            let outcomes = conformance::run_dir(&dir, suite.map(Suite::from))?;
            for o in &outcomes {
                println!("{}", o.line());
            }
            let totals = conformance::Totals::of(&outcomes);
            println!("{}", totals.closing_line());
            Ok(if totals.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Demo(a) => {
            let stdout = std::io::stdout();
            cmd::demo::run(a, &mut stdout.lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Loadtest(args) => {
            let report = cmd::loadtest::run(&args)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { config } => {
            zkcred_service::http::cli::serve(config.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bbs(BbsCommand::Sign { suite }) => {
            let out = zkcred::generate::sign(suite.into(), &read_stdin_json()?)?;
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bbs(BbsCommand::Prove { suite, mocked_rng }) => {
            let out = zkcred::generate::prove(suite.into(), &read_stdin_json()?, mocked_rng)?;
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
