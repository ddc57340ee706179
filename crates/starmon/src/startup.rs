//! [`start`]: the application as `serve` builds it, for the integration tests that serve it on
//! their own listener. Everything else goes through [`crate::app::App`].

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::app::{App, AppError};
use crate::auth::AuthState;
use crate::config::Config;
use crate::store::Store;

/// Starts collecting and returns the HTTP application with a handle that finishes once `cancel`
/// has stopped the collector and every notifier worker has finished.
pub fn start(
    store: Arc<dyn Store>,
    auth: AuthState,
    config: Arc<Config>,
    cancel: CancellationToken,
) -> Result<(axum::Router, tokio::task::JoinHandle<()>), AppError> {
    let app = App::assemble(store, auth, config, cancel)?;
    let router = app.router.clone();
    let tasks = app.tasks.clone();
    // Closing only means "wait() may return once empty": workers spawned later are still tracked.
    tasks.close();
    let done = tokio::spawn(async move { tasks.wait().await });
    Ok((router, done))
}
