//! `starmon serve`: collect every registered cluster and serve the API and the dashboard until
//! Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use starmon::app::{App, SHUTDOWN_DEADLINE};
use starmon::config::Config;
use starmon::store::auth::AuthStore;
use tokio_util::sync::CancellationToken;

use super::{init_logging, load_config, open_store, runtime, shutdown_signal};
use crate::cli::StoreArgs;

/// The settings with the command line's `--listen` and `--collect-interval` over them.
pub fn run(
    store: &StoreArgs,
    listen: Option<String>,
    collect_interval: Option<u64>,
) -> anyhow::Result<()> {
    let mut config = load_config(store)?;
    if let Some(l) = listen {
        config.listen = l;
    }
    if let Some(i) = collect_interval {
        config.collector.interval_secs = i;
        config.collector.jobs_interval_secs = config.collector.jobs_interval_secs.max(i);
        config.collector.size_interval_secs = config.collector.size_interval_secs.max(i);
    }
    config.validate()?;
    runtime()?.block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    init_logging();
    let addr: SocketAddr = config
        .listen
        .parse()
        .with_context(|| format!("listen address {:?} is not HOST:PORT", config.listen))?;
    // Checked before opening the database, which a refused start should not create.
    if !config.auth.enabled {
        starmon::server::check_exposure(addr, false, 0).map_err(anyhow::Error::msg)?;
    }
    let sqlite = Arc::new(open_store(&config)?);
    starmon::server::check_exposure(addr, config.auth.enabled, sqlite.user_count()?)
        .map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // The bound address: with port 0 the configured one does not say where to connect.
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(addr = %bound, database = %config.database.display(), auth = config.auth.enabled, "starmon serving");
    let app = App::start(sqlite, Arc::new(config), CancellationToken::new())?;
    app.serve(listener);
    shutdown_signal().await;
    tracing::info!("shutting down");
    app.shutdown(SHUTDOWN_DEADLINE).await;
    Ok(())
}
