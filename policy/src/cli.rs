//! The `zkcred policy` commands, as functions returning their output and
//! exit status (the binary only prints).
//!
//! * `zkcred policy check FILE...` — validates each policy (against the
//!   catalogue and the shipped registry): `FILE: ok (…)` or the positioned
//!   error `FILE:LINE:COL: message [code]`. Exit 0 when all are valid, 1
//!   otherwise.
//! * `zkcred policy audit FILE... [--json]` — the minimisation audit of each
//!   policy as text or JSON (`{"reports": […], "errors": […]}`). Exit 0 when
//!   no policy has findings, 1 when some do, 2 when a file does not load.

use std::path::Path;

use serde::Serialize;
use zkcred_credential::Catalogue;

use crate::audit::{audit, AuditReport};
use crate::error::LoadError;
use crate::policy::{Policy, PolicyLoader};
use crate::registry::Registry;

/// What a command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: u8,
}

fn load_all<'a>(
    catalogue: &Catalogue,
    registry: &Registry,
    files: &'a [impl AsRef<Path>],
) -> Vec<(&'a Path, Result<Policy, LoadError>)> {
    let loader = PolicyLoader::new(catalogue).with_registry(registry);
    files
        .iter()
        .map(|f| (f.as_ref(), loader.load(f.as_ref())))
        .collect()
}

/// `zkcred policy check FILE...`.
pub fn check(
    catalogue: &Catalogue,
    registry: &Registry,
    files: &[impl AsRef<Path>],
) -> CommandOutput {
    let mut out = CommandOutput {
        stdout: String::new(),
        stderr: String::new(),
        status: 0,
    };
    for (path, result) in load_all(catalogue, registry, files) {
        match result {
            Ok(p) => out.stdout.push_str(&format!(
                "{}: ok (policy {} v{}, {} requirement(s))\n",
                path.display(),
                p.id(),
                p.version(),
                p.requirements.len()
            )),
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.status = 1;
            }
        }
    }
    out
}

#[derive(Serialize)]
struct ErrorJson {
    file: String,
    line: usize,
    column: usize,
    path: String,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct AuditJson<'a> {
    reports: &'a [AuditReport],
    errors: Vec<ErrorJson>,
}

/// `zkcred policy audit FILE... [--json]`.
pub fn audit_files(
    catalogue: &Catalogue,
    registry: &Registry,
    files: &[impl AsRef<Path>],
    json: bool,
) -> CommandOutput {
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (_, result) in load_all(catalogue, registry, files) {
        match result {
            Ok(p) => reports.push(audit(catalogue, &p)),
            Err(e) => errors.push(e),
        }
    }
    let status = if !errors.is_empty() {
        2
    } else if reports.iter().any(|r| !r.findings.is_empty()) {
        1
    } else {
        0
    };
    let (stdout, stderr) = if json {
        let doc = AuditJson {
            reports: &reports,
            errors: errors
                .iter()
                .map(|e| ErrorJson {
                    file: e.location.file.clone(),
                    line: e.location.at.line,
                    column: e.location.at.column,
                    path: e.location.path.to_string(),
                    code: e.code(),
                    message: e.message.clone(),
                })
                .collect(),
        };
        (
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
            String::new(),
        )
    } else {
        let text: Vec<String> = reports.iter().map(AuditReport::to_text).collect();
        let errs: String = errors.iter().map(|e| format!("{e}\n")).collect();
        (text.join("\n"), errs)
    };
    CommandOutput {
        stdout,
        stderr,
        status,
    }
}
