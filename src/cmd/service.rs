//! The commands that run the verifier service: `serve`, `demo` and
//! `loadtest`. They start servers and threads that log to the standard
//! streams, so they take no [`Context`](super::Context) (which holds the
//! streams' locks for the whole command).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{demo, loadtest};

/// `zkcred serve`: the service until Ctrl-C or SIGTERM.
///
/// # Errors
///
/// An unusable configuration, database or log key, or a failure to bind.
pub fn serve(config: Option<&Path>) -> Result<ExitCode> {
    zkcred_service::http::cli::serve(config)?;
    Ok(ExitCode::SUCCESS)
}

/// `zkcred demo`, narrated on standard output.
///
/// # Errors
///
/// Whatever stops a scene (see [`demo::run`]).
pub fn demo(args: demo::DemoArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    demo::run(args, &mut stdout.lock())?;
    Ok(ExitCode::SUCCESS)
}

/// `zkcred loadtest`: the report on standard output, as text or (with
/// `--json`) JSON.
///
/// # Errors
///
/// Whatever stops the run (see [`loadtest::run`]), or writing the report.
pub fn loadtest(args: &loadtest::LoadtestArgs) -> Result<ExitCode> {
    let report = loadtest::run(args)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
