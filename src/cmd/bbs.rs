//! `zkcred bbs`: conformance against the IETF fixture files, and signing
//! and proving in the fixtures' format (to make vectors).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};
use zkcred_crypto::bbs::Suite;

use super::{Context, Status};
use crate::{conformance, generate};

/// A ciphersuite on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SuiteArg {
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

/// `zkcred bbs …`.
#[derive(Debug, Subcommand)]
pub enum BbsCommand {
    /// Run every IETF fixture file below DIR (BBS signatures, blind
    /// signatures and pseudonym drafts): a line per file
    /// (PASS, FAIL, SKIP, or DATA for the draft's message list) saying which
    /// check was made, then `N passed, N failed, N skipped`. Exits non-zero
    /// on any failure or skip.
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
        /// The ciphersuite.
        #[arg(long, value_enum, default_value = "sha256")]
        suite: SuiteArg,
    },
    /// Prove: fixture-format JSON on stdin (signerPublicKey, signature,
    /// header, presentationHeader, messages, disclosedIndexes), a proof
    /// fixture on stdout.
    Prove {
        /// The ciphersuite.
        #[arg(long, value_enum, default_value = "sha256")]
        suite: SuiteArg,
        /// Use the draft's mocked random scalars (reproducible test vectors
        /// only: such a proof hides nothing).
        #[arg(long)]
        mocked_rng: bool,
    },
}

impl BbsCommand {
    /// Runs the command. `conformance` is [`Status::Invalid`] (exit 1) when
    /// any file failed or was skipped.
    ///
    /// # Errors
    ///
    /// Unreadable fixture folders, standard input that is not JSON or not
    /// a fixture of the expected shape, and failures writing the output.
    pub fn run(self, ctx: &mut Context<'_>) -> Result<Status> {
        match self {
            BbsCommand::Conformance { dir, suite } => {
                let outcomes = conformance::run_dir(&dir, suite.map(Suite::from))?;
                for o in &outcomes {
                    writeln!(ctx.stdout, "{}", o.line())?;
                }
                let totals = conformance::Totals::of(&outcomes);
                writeln!(ctx.stdout, "{}", totals.closing_line())?;
                Ok(if totals.success() {
                    Status::Success
                } else {
                    Status::Invalid
                })
            }
            BbsCommand::Sign { suite } => {
                let out = generate::sign(suite.into(), &read_json(ctx)?)?;
                writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&out)?)?;
                Ok(Status::Success)
            }
            BbsCommand::Prove { suite, mocked_rng } => {
                let out = generate::prove(suite.into(), &read_json(ctx)?, mocked_rng)?;
                writeln!(ctx.stdout, "{}", serde_json::to_string_pretty(&out)?)?;
                Ok(Status::Success)
            }
        }
    }
}

/// Standard input as one JSON value.
fn read_json(ctx: &mut Context<'_>) -> Result<serde_json::Value> {
    let mut s = String::new();
    ctx.stdin.read_to_string(&mut s).context("reading stdin")?;
    serde_json::from_str(&s).context("stdin is not valid JSON")
}
