//! `zkcred serve [--config FILE]`: structured logs, a runtime, the server,
//! and a graceful stop on Ctrl-C or SIGTERM. `SIGHUP` reads the request key
//! and registration files again and announces it to the nodes sharing the
//! store ([`super::server::RunningServer::reload_request_keys`]).

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
        let stop = stop_signal();
        tokio::pin!(stop);
        let mut hangups = hangup_signals();
        loop {
            tokio::select! {
                () = &mut stop => {
                    tracing::info!("stop requested; draining in-flight requests");
                    break;
                }
                r = server.stopped() => return r,
                () = hangup(&mut hangups) => match server.reload_request_keys().await {
                    Ok(changed) => tracing::info!(?changed, "SIGHUP: request keys read again"),
                    Err(e) => tracing::error!(error = %e, "SIGHUP: the request keys were not reloaded; the ones in use stay"),
                },
            }
        }
        server.shutdown().await
    })
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = Option<()>;

fn hangup_signals() -> Hangups {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        signal(SignalKind::hangup()).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The next `SIGHUP` (never, where there are none).
async fn hangup(hangups: &mut Hangups) {
    #[cfg(unix)]
    if let Some(h) = hangups {
        if h.recv().await.is_some() {
            return;
        }
    }
    let _ = hangups;
    std::future::pending::<()>().await;
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
