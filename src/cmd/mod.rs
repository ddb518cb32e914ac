//! The credential commands: `issuer`, `catalogue`, `wallet`, `request` and
//! `verify`.
//!
//! Each top-level command is a `clap` type here with a `run` method; the
//! binary only parses the command line and calls `run` with a [`Context`]
//! (the process's standard streams and clock). Tests call `run` with buffers
//! and a fixed clock instead.
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

pub mod catalogue;
pub mod issuer;
pub mod request;
pub mod verify;
pub mod wallet;

mod display;
mod files;

use std::io::{Read, Write};

use time::OffsetDateTime;

pub use files::{default_dir, load_keys};

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

/// What a command may touch: its standard streams and the clock.
pub struct Context<'a> {
    /// Standard input (documents given as `-`).
    pub stdin: &'a mut dyn Read,
    /// Standard output (documents and listings).
    pub stdout: &'a mut dyn Write,
    /// Standard error (notes for the person at the terminal).
    pub stderr: &'a mut dyn Write,
    /// The current time.
    pub now: OffsetDateTime,
}
