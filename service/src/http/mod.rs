//! The HTTP service (axum on tokio): JSON over HTTP under `/v1`, with its
//! OpenAPI document at `/v1/openapi.json`.
//!
//! - [`config`]: the TOML configuration and its defaults;
//! - [`auth`]: bearer tokens with roles, compared in constant time;
//! - [`problem`]: RFC 9457 problem documents with stable codes;
//! - [`routes`]: the router, handlers, and the layers around them (body
//!   limit, timeout, request spans from `tower-http`; request counts);
//! - [`openapi`]: the OpenAPI document, generated from the wire types and
//!   the handlers' annotations;
//! - [`verify`]: challenges and the presentation pipeline;
//! - [`decisions`]: decisions run to their end in tracked tasks, and held
//!   (in memory, briefly) for the clients that missed their answer;
//! - [`batcher`]: micro-batched BBS verification on OS threads;
//! - [`log_writer`]: group commit of disclosure records;
//! - [`registry`]: registry and policy documents, issuer-key cache;
//! - [`status`]: licence status epochs: registration (signature, chain,
//!   accumulator key) and the in-memory view presentations are resolved
//!   against;
//! - [`engine`]: the policy crate (registry, policies, evaluation, audit) over the stored documents;
//! - [`metrics`]: metrics on `prometheus-client`, labels from closed sets;
//! - [`state`]: what every handler shares (the storage only behind the
//!   `Storage` trait);
//! - [`connections`]: the accept loop and connection driver (hyper
//!   HTTP/1.1): connection cap, header and idle timeouts, head size, the
//!   graceful stop's grace period;
//! - [`server`]: [`Server::start`] and graceful shutdown; [`cli`]: `zkcred serve`.

pub mod auth;
pub mod batcher;
pub mod cli;
pub mod config;
pub mod connections;
pub mod decisions;
pub mod engine;
mod export;
pub mod log_writer;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod registry;
pub mod routes;
pub mod server;
pub mod state;
pub mod status;
pub mod verify;

pub use auth::Role;
pub use config::{CoherenceConfig, Config, ConnectionsConfig, RequestKeyConfig, TokenConfig};
pub use server::{RunningServer, Server, ServerError};
