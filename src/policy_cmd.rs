//! `zkcred policy …`: validate and audit verifier policies. The work is done
//! by [`zkcred_policy::cli`]; this module holds the clap definitions and the
//! printing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use zkcred_credential::Catalogue;
use zkcred_policy::cli::{self, CommandOutput};
use zkcred_policy::Registry;

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate policy files (schema, catalogue attributes, contradictions,
    /// registry references); errors are printed as FILE:LINE:COL.
    Check {
        /// Policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Catalogue file (default: the built-in catalogue).
        #[arg(long)]
        catalogue: Option<PathBuf>,
        /// Registry files merged over the shipped regions and agreements.
        #[arg(long)]
        registry: Vec<PathBuf>,
    },
    /// Minimisation audit: each attribute asked for with its sensitivity,
    /// findings and a score. Exit 1 if any policy has findings.
    Audit {
        /// Policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Catalogue file (default: the built-in catalogue).
        #[arg(long)]
        catalogue: Option<PathBuf>,
        /// Registry files merged over the shipped regions and agreements.
        #[arg(long)]
        registry: Vec<PathBuf>,
    },
}

fn context(catalogue: &Option<PathBuf>, registry: &[PathBuf]) -> Result<(Catalogue, Registry)> {
    let catalogue = match catalogue {
        Some(p) => Catalogue::load(p).with_context(|| format!("loading {}", p.display()))?,
        None => Catalogue::builtin().clone(),
    };
    let mut reg = Registry::builtin(&catalogue)?;
    for p in registry {
        reg.merge_file(p)?;
    }
    Ok((catalogue, reg))
}

fn emit(out: CommandOutput) -> ExitCode {
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    ExitCode::from(out.status)
}

/// Runs a `policy` subcommand.
pub fn run(cmd: PolicyCommand) -> Result<ExitCode> {
    Ok(match cmd {
        PolicyCommand::Check {
            files,
            catalogue,
            registry,
        } => {
            let (c, r) = context(&catalogue, &registry)?;
            emit(cli::check(&c, &r, &files))
        }
        PolicyCommand::Audit {
            files,
            json,
            catalogue,
            registry,
        } => {
            let (c, r) = context(&catalogue, &registry)?;
            emit(cli::audit_files(&c, &r, &files, json))
        }
    })
}
