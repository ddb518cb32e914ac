//! The commands: `issuer`, `catalogue`, `wallet`, `request`, `verify`,
//! `audit`, `regulator`, `verifier`, `bbs` and `client` (the verifier service's API from the command
//! line; each a `clap` type with a `run` method on a [`Context`]); `serve`,
//! `demo`, `loadtest`, `soak` and `crashloop` ([`service`], which run the
//! verifier service and take no context).
//!
//! The binary only parses the command line and calls [`on_process`] with a
//! command's `run`, which builds the [`Context`] of the process's standard
//! streams and clock. Tests call `run` with buffers and a fixed clock
//! instead.
//!
//! Conventions shared by every command:
//!
//! * Documents (credentials, requests, presentations, key sets) are read from
//!   a file or, for `-`, from standard input, and written to standard output
//!   or `--out FILE`. Files holding holder secrets (credentials) are created
//!   with mode 0600.
//! * Notes for the person at the terminal go to standard error, so standard
//!   output stays a clean document.
//! * Errors name the file and the field; secret keys are never printed.
//! * [`Status::Invalid`] (exit code 1) is a negative verdict; errors (exit
//!   code 2) are usage or input problems.

pub mod audit;
pub mod bbs;
pub mod catalogue;
pub mod client;
pub mod crashloop;
pub mod demo;
pub mod issuer;
pub mod loadtest;
pub mod regulator;
pub mod request;
pub mod service;
pub mod soak;
pub mod verify;
pub mod wallet;

mod child;
mod display;
mod files;
mod passphrase;
mod senders;
mod traffic;

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use time::OffsetDateTime;

pub use files::{default_dir, load_keys};
pub use passphrase::PASSPHRASE_ENV;

/// The outcome of a command that ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done (or, for `verify`, the presentation is valid): exit code 0.
    Success,
    /// A negative verdict (`verify`: the presentation is invalid): exit code 1.
    Invalid,
}

impl Status {
    /// The process exit code: 0 or 1 (errors are 2).
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Invalid => 1,
        }
    }
}

/// Exit code of usage and input errors.
pub const EXIT_ERROR: u8 = 2;

/// What a command may touch: its standard streams, the clock and, for the
/// wallet commands, a passphrase given in process.
pub struct Context<'a> {
    /// Standard input (documents given as `-`).
    pub stdin: &'a mut dyn Read,
    /// Standard output (documents and listings).
    pub stdout: &'a mut dyn Write,
    /// Standard error (notes for the person at the terminal).
    pub stderr: &'a mut dyn Write,
    /// The current time.
    pub now: OffsetDateTime,
    /// The wallet passphrase, when the caller has it (tests); `None`: from
    /// [`PASSPHRASE_ENV`], else typed at the terminal.
    pub passphrase: Option<&'a [u8]>,
}

/// Runs a command on the process's standard streams (locked for the whole
/// command) and clock, in whole seconds; flushes standard output and gives
/// the exit code of its [`Status`].
///
/// # Errors
///
/// The command's error, a clock that cannot be read, or a failure to flush
/// standard output.
pub fn on_process(f: impl FnOnce(&mut Context<'_>) -> Result<Status>) -> Result<ExitCode> {
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut ctx = Context {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        // Whole seconds: key windows and request expiries read better so.
        now: OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .context("reading the clock")?,
        passphrase: None,
    };
    let status = f(&mut ctx)?;
    ctx.stdout.flush().context("writing standard output")?;
    Ok(ExitCode::from(status.code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use serde_json::Value;
    use time::Duration;

    /// The commands as the binary parses them.
    #[derive(Parser)]
    enum Top {
        #[command(subcommand)]
        Issuer(issuer::IssuerCommand),
        #[command(subcommand)]
        Wallet(wallet::WalletCommand),
        #[command(subcommand)]
        Request(request::RequestCommand),
        Verify(verify::VerifyArgs),
    }

    /// Runs `args` in-process at `now`; returns the status (or error text) and stdout.
    fn run(args: &[&str], now: OffsetDateTime) -> (Result<Status, String>, String) {
        let top = Top::try_parse_from(std::iter::once("zkcred").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let (mut stdin, mut stdout, mut stderr) = (&b""[..], Vec::new(), Vec::new());
        let mut ctx = Context {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            now,
            passphrase: Some(b"in-process test passphrase"),
        };
        let r = match top {
            Top::Issuer(c) => c.run(&mut ctx),
            Top::Wallet(c) => c.run(&mut ctx),
            Top::Request(c) => c.run(&mut ctx),
            Top::Verify(c) => c.run(&mut ctx),
        };
        (
            r.map_err(|e| format!("{e:#}")),
            String::from_utf8(stdout).unwrap(),
        )
    }

    #[test]
    fn the_clock_decides_key_windows_and_request_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
        let t0 = OffsetDateTime::from_unix_timestamp(1_772_352_000).unwrap(); // 2026-03-01
        let (keys, wallet) = (p("keys"), p("wallet"));
        let issuer = "11330105002500287C";
        let ok = |args: &[&str], now| {
            let (r, out) = run(args, now);
            assert_eq!(r, Ok(Status::Success), "{args:?}");
            out
        };
        ok(
            &[
                "issuer",
                "keygen",
                "--issuer",
                issuer,
                "--authority",
                "public_security",
                "--dir",
                &keys,
            ],
            t0,
        );
        std::fs::write(
            p("keys.json"),
            ok(&["issuer", "export-keys", "--dir", &keys], t0),
        )
        .unwrap();
        let attrs = serde_json::json!({
            "license_number": "33010619900101123X", "holder_name": "王芳", "holder_id": "33010619900101123X",
            "holder_id_type": "居民身份证", "issuer_name": "西湖分局", "issuer_code": issuer,
            "issue_date": "2026-03-01", "valid_from": "2026-03-01", "area_code": "330106",
            "sex": "女", "ethnicity": "汉", "birth_date": "1990-01-01", "address": "杭州",
            "photo_digest": "00ff"
        });
        std::fs::write(p("attrs.json"), attrs.to_string()).unwrap();
        // The holder's wallet asks first (blind issuance); asking needs a
        // wallet, created first (the passphrase comes from the context; the
        // smallest Argon2id memory keeps the test fast).
        let (r, _) = run(&["wallet", "request", "--wallet", &wallet], t0);
        assert!(r.unwrap_err().contains("zkcred wallet init"));
        let out = ok(
            &[
                "wallet",
                "init",
                "--wallet",
                &wallet,
                "--kdf-memory-mib",
                "8",
            ],
            t0,
        );
        assert!(out.contains("created wallet"), "{out}");
        std::fs::write(
            p("card-request.json"),
            ok(&["wallet", "request", "--wallet", &wallet], t0),
        )
        .unwrap();
        let card_request = p("card-request.json");
        let issue = [
            "issuer",
            "issue",
            "--issuer",
            issuer,
            "--type",
            "resident_id_card",
            "--dir",
            &keys,
            "--request",
            &card_request,
        ];
        // Before the key's window there is nothing to sign with.
        let (r, _) = run(
            &[&issue[..], &[&p("attrs.json")]].concat(),
            t0 - Duration::DAY,
        );
        assert!(r.unwrap_err().contains("no key valid now"));
        let cred = ok(&[&issue[..], &[&p("attrs.json")]].concat(), t0);
        std::fs::write(p("card.json"), cred).unwrap();
        ok(
            &[
                "wallet",
                "add",
                "--wallet",
                &wallet,
                "--keys",
                &p("keys.json"),
                &p("card.json"),
            ],
            t0,
        );
        let req = ok(
            &[
                "request",
                "new",
                "--verifier",
                "shop.example",
                "--type",
                "resident_id_card",
                "--ttl",
                "60",
            ],
            t0,
        );
        std::fs::write(p("req.json"), req).unwrap();
        let pres = ok(
            &[
                "wallet",
                "present",
                "--allow-unsigned",
                "--yes",
                "--wallet",
                &wallet,
                &p("req.json"),
            ],
            t0,
        );
        std::fs::write(p("pres.json"), pres).unwrap();
        let verify = |now| {
            run(
                &[
                    "verify",
                    "--json",
                    "--request",
                    &p("req.json"),
                    "--keys",
                    &p("keys.json"),
                    &p("pres.json"),
                ],
                now,
            )
        };
        // Nothing disclosed: valid, an empty disclosure.
        let (r, out) = verify(t0 + Duration::seconds(59));
        assert_eq!(r, Ok(Status::Success), "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["credentials"][0]["disclosed"], serde_json::json!({}));
        // After the request's expiry: invalid.
        let (r, out) = verify(t0 + Duration::seconds(60));
        assert_eq!(r, Ok(Status::Invalid));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["code"], "request_expired");
        // Nor can the holder answer an expired request.
        let (r, _) = run(
            &[
                "wallet",
                "present",
                "--allow-unsigned",
                "--yes",
                "--wallet",
                &wallet,
                &p("req.json"),
            ],
            t0 + Duration::HOUR,
        );
        assert!(r.unwrap_err().contains("expired"));
    }
}
