//! Reading and writing the documents the commands take and produce.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use zkcred_credential::keys::{KEY_SET_FORMAT, PUBLIC_KEY_FORMAT, SECRET_KEY_FORMAT};
use zkcred_credential::{Date, IssuerPublicKey, KeySet, KeyStore};

use super::Context;

/// Largest document read from a file or standard input (16 MiB).
const MAX_DOCUMENT: u64 = 16 << 20;

/// How a path given on the command line is shown in messages.
pub(crate) fn shown(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Reads a UTF-8 document from `path`, or from standard input for `-`.
pub(crate) fn read_document(ctx: &mut Context<'_>, path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        ctx.stdin
            .take(MAX_DOCUMENT + 1)
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_DOCUMENT + 1).read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    if bytes.len() as u64 > MAX_DOCUMENT {
        bail!("{}: larger than {MAX_DOCUMENT} bytes", shown(path));
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("{}: not UTF-8 text", shown(path)))
}

/// Writes `text` (plus a final newline) to `out`, or to standard output.
/// With `private`, a file is created (or truncated) with mode 0600.
pub(crate) fn write_document(
    ctx: &mut Context<'_>,
    out: Option<&Path>,
    text: &str,
    private: bool,
) -> Result<()> {
    let Some(path) = out else {
        writeln!(ctx.stdout, "{text}").context("writing standard output")?;
        return Ok(());
    };
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    let write = || -> std::io::Result<()> {
        let mut f = opts.open(path)?;
        #[cfg(unix)]
        if private {
            // An existing file keeps its mode on open; narrow it.
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

/// The directory given by a flag, else by the environment variable `var`,
/// else `~/.zkcred/<leaf>`.
pub fn default_dir(flag: Option<&Path>, var: &str, leaf: &str) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| anyhow!("no home directory: give the directory or set {var}"))?;
    Ok(PathBuf::from(home).join(".zkcred").join(leaf))
}

/// The issuer public keys in `paths`: key set documents (`zkcred issuer
/// export-keys`), single public key files, or key directories (their public
/// key files).
pub fn load_keys(paths: &[PathBuf]) -> Result<KeySet> {
    let mut set = KeySet::new();
    for path in paths {
        let keys = load_key_source(path)?;
        for k in keys.keys() {
            set.insert(k.clone());
        }
    }
    Ok(set)
}

fn load_key_source(path: &Path) -> Result<KeySet> {
    if path.is_dir() {
        let store = KeyStore::open(path)?;
        return store
            .public_keys()
            .with_context(|| format!("{}: reading the public key files", path.display()));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    let format = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned));
    match format.as_deref() {
        Some(KEY_SET_FORMAT) => {
            KeySet::from_json(&text).with_context(|| format!("key file {}", path.display()))
        }
        Some(PUBLIC_KEY_FORMAT) => {
            let key = IssuerPublicKey::from_json(&text)
                .with_context(|| format!("key file {}", path.display()))?;
            let mut set = KeySet::new();
            set.insert(key);
            Ok(set)
        }
        Some(SECRET_KEY_FORMAT) => bail!(
            "{} is a secret key file; verifiers and holders need only public keys \
             (`zkcred issuer export-keys`)",
            path.display()
        ),
        _ => bail!(
            "{} is not a key set or public key file (expected \"format\": \"{KEY_SET_FORMAT}\")",
            path.display()
        ),
    }
}

/// Parses a command-line time: `YYYY-MM-DD` (midnight UTC) or RFC 3339.
pub(crate) fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    if let Some(d) = Date::parse(s) {
        return Ok(OffsetDateTime::UNIX_EPOCH + time::Duration::days(d.days()));
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD or an RFC 3339 time"))
}

/// An RFC 3339 rendering of `t` (UTC).
pub(crate) fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_dates_or_rfc3339() {
        let t = parse_time("2026-03-01").unwrap();
        assert_eq!(format_time(t), "2026-03-01T00:00:00Z");
        let t = parse_time("2026-03-01T08:30:00+08:00").unwrap();
        assert_eq!(format_time(t), "2026-03-01T00:30:00Z");
        assert!(parse_time("2026-02-30").is_err());
        assert!(parse_time("tomorrow").unwrap_err().contains("tomorrow"));
    }

    #[test]
    fn documents_round_trip_through_files_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        let (mut input, mut out, mut err) = (&b"from stdin"[..], Vec::new(), Vec::new());
        let mut ctx = Context {
            stdin: &mut input,
            stdout: &mut out,
            stderr: &mut err,
            now: OffsetDateTime::UNIX_EPOCH,
            passphrase: None,
        };
        write_document(&mut ctx, Some(&path), "{}", true).unwrap();
        assert_eq!(read_document(&mut ctx, &path).unwrap(), "{}\n");
        assert_eq!(
            read_document(&mut ctx, Path::new("-")).unwrap(),
            "from stdin"
        );
        let missing = read_document(&mut ctx, &dir.path().join("nope.json")).unwrap_err();
        assert!(format!("{missing:#}").contains("nope.json"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn secret_key_files_are_refused_as_trusted_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        std::fs::write(&path, r#"{"format": "zkcred-issuer-secret-key"}"#).unwrap();
        let e = format!("{:#}", load_keys(&[path]).unwrap_err());
        assert!(e.contains("secret key file"), "{e}");
    }
}
