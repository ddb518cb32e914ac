//! `zkcred serve [--config FILE]`: structured logs, a runtime, the server,
//! and a graceful stop on Ctrl-C or SIGTERM.

use std::path::Path;

use super::config::Config;
use super::server::{Server, ServerError};

/// Installs the `tracing` subscriber: human-readable lines on stderr
/// (coloured only on a terminal), filtered by `RUST_LOG` (default `info`).
/// Does nothing if one is set.
pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Runs the service until Ctrl-C or SIGTERM, then shuts down gracefully.
pub fn serve(config_path: Option<&Path>) -> Result<(), ServerError> {
    init_tracing();
    let config = match config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if config.tokens.is_empty() {
        tracing::warn!(
            "no tokens configured: only /healthz, /metrics and /v1/openapi.json will answer"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("zkcred-http")
        .build()?;
    runtime.block_on(async {
        let mut server = Server::start(config).await?;
        tokio::select! {
            _ = stop_signal() => tracing::info!("stop requested; draining in-flight requests"),
            r = server.stopped() => return r,
        }
        server.shutdown().await
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
