//! `zkcred`: the command-line program. Parsing and dispatch only: every
//! command is implemented in the library (`zkcred::cmd`, `zkcred::policy_cmd`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use zkcred::cmd;

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
    Bbs(cmd::bbs::BbsCommand),
    /// Run the verifier service (HTTP API) until Ctrl-C or SIGTERM.
    Serve {
        /// TOML configuration file (default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Issuer keys (keygen, rotation, export), issuing credentials and their status.
    #[command(subcommand)]
    Issuer(cmd::issuer::IssuerCommand),
    /// The license catalogue: credential types and their attributes.
    #[command(subcommand)]
    Catalogue(cmd::catalogue::CatalogueCommand),
    /// The holder's wallet: init (sealed under a passphrase); add, list, show, remove credentials; sync their status; present.
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
    /// Regulator keys and verifier registrations (the key wallets trust to
    /// vouch for a verifier's request key and policies).
    #[command(subcommand)]
    Regulator(cmd::regulator::RegulatorCommand),
    /// A verifier's request key (signs its presentation requests).
    #[command(subcommand)]
    Verifier(cmd::regulator::VerifierCommand),
    /// Regulator tools: verify a disclosure-log export.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Verifier policies: validate them, audit what they ask for.
    #[command(subcommand)]
    Policy(zkcred::policy_cmd::PolicyCommand),
    /// The whole system in one command: issuers, holders, the verifier
    /// service on loopback, eleven scenes (hotel, employer, landlord,
    /// replay, KTV, rental desk, returning guest, copied licence, altered
    /// request, licence status) and the regulator's view.
    Demo(cmd::demo::DemoArgs),
    /// Drive the verifier service with concurrent presentations and report
    /// throughput and latency (in process unless --url).
    Loadtest(cmd::loadtest::LoadtestArgs),
    /// A long run against `zkcred serve` (a child process unless --url) at
    /// a steady rate with valid, invalid, malformed and replayed
    /// presentations: throughput, latency per class, unexpected answers and
    /// the server's memory over time. Exit 1 on any unexpected answer.
    Soak(cmd::soak::SoakArgs),
    /// Start `zkcred serve`, load it, kill -9 it mid-load and restart it,
    /// --cycles times; after each restart check every acknowledged decision
    /// against the log, the export and the consistency of every head seen
    /// before. Exit 1 on any failed check.
    Crashloop(cmd::crashloop::CrashloopArgs),
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

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Issuer(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Catalogue(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Wallet(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Request(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Verify(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Audit(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Regulator(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Verifier(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Bbs(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Client(c) => cmd::on_process(|ctx| c.run(ctx)),
        Command::Policy(c) => zkcred::policy_cmd::run(c),
        Command::Demo(a) => cmd::service::demo(a),
        Command::Loadtest(a) => cmd::service::loadtest(&a),
        Command::Soak(a) => cmd::service::soak(&a),
        Command::Crashloop(a) => cmd::service::crashloop(&a),
        Command::Serve { config } => cmd::service::serve(config.as_deref()),
    }
}
