//! The commands that run the verifier service: `serve`, `demo` and
//! `loadtest`. They start servers and threads that log to the standard
//! streams, so they take no [`Context`](super::Context) (which holds the
//! streams' locks for the whole command).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{crashloop, demo, loadtest, soak};

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

/// `zkcred soak`: the report on standard output (text or JSON); exit 1
/// when an answer was not the expected one.
///
/// # Errors
///
/// Whatever stops the run (see [`soak::run`]), or writing the report.
pub fn soak(args: &soak::SoakArgs) -> Result<ExitCode> {
    let report = soak::run(args)?;
    print_report(args.json, &report, &report.to_text())?;
    Ok(verdict(report.passed()))
}

/// `zkcred crashloop`: the report on standard output (text or JSON); exit
/// 1 when a check failed.
///
/// # Errors
///
/// Whatever stops the run (see [`crashloop::run`]), or writing the report.
pub fn crashloop(args: &crashloop::CrashloopArgs) -> Result<ExitCode> {
    let report = crashloop::run(args)?;
    print_report(args.json, &report, &report.to_text())?;
    Ok(verdict(report.passed()))
}

fn print_report(json: bool, report: &impl serde::Serialize, text: &str) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        write!(out, "{text}")?;
    }
    out.flush()?;
    Ok(())
}

fn verdict(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::Status::Invalid.code())
    }
}
