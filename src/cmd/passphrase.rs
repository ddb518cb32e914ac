//! The wallet passphrase: from the caller (tests), from
//! `ZKCRED_WALLET_PASSPHRASE` (scripts), else typed at the terminal without
//! echo (`rpassword`). It is held in `Zeroizing` buffers and never printed.

use anyhow::{anyhow, bail, Result};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::Context;

/// The environment variable a script gives the wallet passphrase in.
pub const PASSPHRASE_ENV: &str = "ZKCRED_WALLET_PASSPHRASE";

/// Whether the passphrase opens a wallet or creates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Opening: asked once.
    Open,
    /// Creating: typed twice at the terminal, the two must match.
    Create,
}

/// Reads one line from the terminal without echo.
fn prompt(text: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(rpassword::prompt_password(text).map_err(|e| {
        anyhow!(
            "cannot read the wallet passphrase from the terminal ({e}); \
             set {PASSPHRASE_ENV} to give it without one"
        )
    })?);
    // Moves the buffer (no copy is left behind).
    Ok(Zeroizing::new(std::mem::take(&mut *line).into_bytes()))
}

/// The wallet passphrase for `purpose`: the context's (tests), else
/// [`PASSPHRASE_ENV`] if set (even if empty: an empty passphrase is then
/// refused where it matters), else a prompt on the terminal, twice when
/// creating a wallet.
///
/// # Errors
/// No terminal to prompt on; the two typed passphrases differ.
pub(crate) fn wallet_passphrase(ctx: &Context<'_>, purpose: Purpose) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(p) = ctx.passphrase {
        return Ok(Zeroizing::new(p.to_vec()));
    }
    if let Some(v) = std::env::var_os(PASSPHRASE_ENV) {
        return Ok(Zeroizing::new(v.into_encoded_bytes()));
    }
    match purpose {
        Purpose::Open => prompt("Wallet passphrase: "),
        Purpose::Create => {
            let first = prompt("New wallet passphrase: ")?;
            if first.is_empty() {
                bail!("the wallet passphrase is empty; nothing was created");
            }
            let again = prompt("The same passphrase again: ")?;
            if !bool::from(first.as_slice().ct_eq(again.as_slice())) {
                bail!("the two passphrases differ; nothing was created");
            }
            Ok(first)
        }
    }
}
