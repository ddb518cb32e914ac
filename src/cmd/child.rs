//! `zkcred serve` as a child process, for `zkcred soak` and `zkcred
//! crashloop`: its configuration written to a directory, its address read
//! from its log, its resident memory read from `/proc/<pid>/status`, and a
//! `kill -9` ([`ChildServer::kill`]: `SIGKILL` on Unix).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};

/// The tokens of a child server's configuration.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    /// The admin's token.
    pub admin: String,
    /// The verifier's token.
    pub verifier: String,
    /// The verifier's name (its principal).
    pub verifier_name: String,
    /// The regulator's token.
    pub regulator: String,
}

impl Tokens {
    /// Fresh random tokens for `verifier_name`.
    pub fn generate(verifier_name: &str) -> Self {
        use rand::RngCore as _;
        let token = || {
            let mut b = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut b);
            hex::encode(b)
        };
        Tokens {
            admin: token(),
            verifier: token(),
            verifier_name: verifier_name.to_owned(),
            regulator: token(),
        }
    }
}

/// Writes `dir/zkcred.toml`: the service's defaults, on `127.0.0.1:0`, with
/// `dir/zkcred.db`, `dir/log.key` and the three tokens; `extra` (TOML) is
/// appended as is. Returns the file's path.
pub(crate) fn write_config(dir: &Path, tokens: &Tokens, extra: &str) -> Result<PathBuf> {
    write_config_on(dir, tokens, &dir.join("zkcred.db").to_string_lossy(), extra)
}

/// As [`write_config`], over `database` (a SQLite path or a
/// `postgres://` URL): one file any number of nodes can start from (each
/// listens on a port of its own).
pub(crate) fn write_config_on(
    dir: &Path,
    tokens: &Tokens,
    database: &str,
    extra: &str,
) -> Result<PathBuf> {
    let path = dir.join("zkcred.toml");
    let text = format!(
        "listen = \"127.0.0.1:0\"\ndatabase = {:?}\nlog_key = {:?}\n\n\
         [[tokens]]\nname = \"soak-admin\"\nrole = \"admin\"\ntoken = \"{}\"\n\n\
         [[tokens]]\nname = {:?}\nrole = \"verifier\"\ntoken = \"{}\"\n\n\
         [[tokens]]\nname = \"soak-regulator\"\nrole = \"regulator\"\ntoken = \"{}\"\n\n{extra}",
        database,
        dir.join("log.key"),
        tokens.admin,
        tokens.verifier_name,
        tokens.verifier,
        tokens.regulator,
    );
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// A running `zkcred serve` child; killed (`SIGKILL`) when dropped.
#[derive(Debug)]
pub(crate) struct ChildServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

/// How long a child may take to log its address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl ChildServer {
    /// Starts `zkcred serve --config CONFIG` (this executable) and waits
    /// for it to log the address it listens on. Its log is read and
    /// dropped on a thread (startup and warnings only: request lines are
    /// off), so it never blocks on a full pipe.
    ///
    /// # Errors
    /// The executable cannot be run, or the server exits or stays silent
    /// for 30 s (its last log lines are in the error).
    pub fn start(config: &Path) -> Result<Self> {
        let exe = std::env::current_exe().context("locating the zkcred executable")?;
        let mut child = Command::new(exe)
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "warn,zkcred_service=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting zkcred serve")?;
        let stderr = child.stderr.take().context("the child's log")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut found = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !found {
                    let addr = line
                        .split("addr=")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .map(str::to_owned);
                    found = addr.is_some();
                    let _ = tx.send(addr.ok_or(line));
                }
            }
        });
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(Ok(addr)) => {
                    return Ok(ChildServer {
                        child,
                        url: format!("http://{addr}"),
                    })
                }
                Ok(Err(line)) => seen.push(line),
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("zkcred serve did not start; its log:\n{}", seen.join("\n"));
                }
            }
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: the child is stopped at once, mid-request, and reaped.
    ///
    /// # Errors
    /// The signal cannot be sent or the child not reaped.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill().context("kill -9 of zkcred serve")?;
        self.child.wait().context("reaping zkcred serve")?;
        Ok(())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of process `pid` in KiB (`VmRSS` of
/// `/proc/<pid>/status`); `None` where there is no such file.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
