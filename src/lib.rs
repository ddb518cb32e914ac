//! The `zkcred` program's library half: command implementations that the
//! binary wires to `clap`, kept here so integration tests can call them.

pub mod cmd;
pub mod conformance;
pub mod generate;
pub mod hexjson;
pub mod policy_cmd;
