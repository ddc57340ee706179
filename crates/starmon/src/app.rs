//! The composition root: the long-lived parts of a running starmon — store, alert engine and
//! notifier, collector, API state and HTTP application — built in one place, with the
//! cancellation token that stops them and the task tracker that shutdown waits on.
//!
//! Every long-lived task is spawned on [`App::tasks`]: the collector, the HTTP server, and the
//! notifier's per-channel workers. Shutdown cancels, then waits for all of them with a deadline,
//! so a notification queued by the last collection is delivered (or counted and logged as not
//! delivered) instead of vanishing with the runtime.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::alerts::Alerting;
use crate::api::{ApiState, ApiStateError};
use crate::auth::AuthState;
use crate::collector::{self, Changes};
use crate::config::{Config, ConfigError};
use crate::server::Limits;
use crate::store::sqlite::SqliteStore;
use crate::store::Store;
use crate::telemetry::Telemetry;

/// How long shutdown waits for the collector, the requests in flight and the deliveries in
/// progress together (what `serve` gave the collector and the server one after the other).
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Api(#[from] ApiStateError),
}

/// A running starmon: what `serve` and `demo` start and stop.
pub struct App {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub alerting: Arc<Alerting>,
    /// The API and the dashboard behind the access check, as served.
    pub router: Router,
    /// Cancelled by shutdown; reaches the collector, the server and anything given to `spawn`.
    pub cancel: CancellationToken,
    /// Every long-lived task, notifier workers included.
    pub tasks: TaskTracker,
}

/// What shutdown found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown {
    /// Every task ended within the deadline.
    pub finished: bool,
    /// Notifications still queued or being retried when shutdown gave up on them.
    pub undelivered: u64,
}

impl App {
    /// Builds the application over `sqlite` with the access check `config.auth` asks for, and
    /// starts collecting.
    pub fn start(
        sqlite: Arc<SqliteStore>,
        config: Arc<Config>,
        cancel: CancellationToken,
    ) -> Result<App, AppError> {
        let auth = AuthState::with_login_limits(sqlite.clone(), &config.auth, &config.server);
        App::assemble(sqlite, auth, config, cancel)
    }

    /// Builds the application over any store and access check, and starts collecting.
    pub fn assemble(
        store: Arc<dyn Store>,
        auth: AuthState,
        config: Arc<Config>,
        cancel: CancellationToken,
    ) -> Result<App, AppError> {
        let tasks = TaskTracker::new();
        let telemetry = Arc::new(Telemetry::new());
        let changes = Arc::new(Changes::default());
        // One engine for the collector (which evaluates) and the API (silences, history,
        // channels), its notifier's workers on our tracker.
        let alerting = Arc::new(Alerting::from_config(
            store.clone(),
            &config,
            Some(tasks.clone()),
        )?);
        let api = ApiState::new(
            store.clone(),
            &config,
            telemetry.clone(),
            changes.clone(),
            alerting.clone(),
        )?;
        tasks.spawn(collector::run(
            store.clone(),
            config.clone(),
            telemetry,
            changes,
            alerting.clone(),
            cancel.clone(),
        ));
        Ok(App {
            router: crate::server::app(api, auth),
            config,
            store,
            alerting,
            cancel,
            tasks,
        })
    }

    /// Serves the application on `listener` until shutdown, within the `[server]` limits.
    pub fn serve(&self, listener: TcpListener) {
        let limits = Limits::from_config(&self.config.server);
        self.tasks.spawn(crate::server::serve(
            listener,
            self.router.clone(),
            limits,
            self.cancel.clone(),
        ));
    }

    /// Runs `task` until it ends; shutdown waits for it. It should watch [`App::cancel`].
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Cancels everything and waits at most `deadline` for every task, notifier workers
    /// included. Notifications still pending after it are logged as not delivered.
    pub async fn shutdown(self, deadline: Duration) -> Shutdown {
        self.cancel.cancel();
        self.tasks.close();
        let finished = tokio::time::timeout(deadline, self.tasks.wait())
            .await
            .is_ok();
        let undelivered = self.alerting.notifier().stats().pending;
        if undelivered > 0 {
            tracing::warn!(
                undelivered,
                "stopping with notifications not delivered; they are lost"
            );
        } else if !finished {
            tracing::warn!(
                tasks = self.tasks.len(),
                "stopping before every task finished"
            );
        }
        Shutdown {
            finished,
            undelivered,
        }
    }
}

/// Opens (creating if needed) the database `config` names.
pub fn open_store(config: &Config) -> Result<SqliteStore, crate::store::StoreError> {
    SqliteStore::open(&config.database)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::notify::{AlertStatus, Channel, ChannelKind, Notification};
    use crate::model::alerts::Severity;
    use secrecy::SecretString;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn notification() -> Notification {
        Notification {
            alert_id: 1,
            status: AlertStatus::Firing,
            rule_id: "be_cpu_high".into(),
            rule_name: "BE CPU high".into(),
            severity: Severity::Critical,
            cluster_id: 1,
            cluster_name: "c".into(),
            subject: String::new(),
            value: None,
            threshold: None,
            summary: "test".into(),
            started_at: 0,
            resolved_at: None,
            dashboard_url: None,
        }
    }

    fn webhook(url: String) -> Channel {
        Channel {
            id: 1,
            name: "hook".into(),
            kind: ChannelKind::Webhook,
            url: SecretString::from(url),
            secret: None,
            email: None,
            min_severity: Severity::Info,
        }
    }

    /// A receiver that answers 200 after `delay`, sending what it received on `got`.
    async fn receiver(delay: Duration) -> (String, tokio::sync::mpsc::UnboundedReceiver<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let _ = conn.read(&mut buf).await;
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(());
                    let _ = conn
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                });
            }
        });
        (url, rx)
    }

    async fn app() -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tmp");
        let config = Config {
            database: dir.path().join("s.db"),
            ..Config::default()
        };
        let sqlite = Arc::new(open_store(&config).expect("open"));
        let app = App::start(sqlite, Arc::new(config), CancellationToken::new()).expect("start");
        (app, dir)
    }

    /// Before the tracker, shutdown returned while a delivery was in flight and the runtime
    /// dropped it: the alert was never sent and nothing said so.
    #[tokio::test]
    async fn shutdown_waits_for_a_notification_in_flight() {
        let (url, mut got) = receiver(Duration::from_millis(300)).await;
        let (app, _dir) = app().await;
        let notifier = app.alerting.notifier().clone();
        notifier.send(&[webhook(url)], notification());
        let report = app.shutdown(Duration::from_secs(10)).await;
        assert_eq!(
            report,
            Shutdown {
                finished: true,
                undelivered: 0
            }
        );
        assert_eq!(notifier.stats().delivered, 1);
        assert!(got.try_recv().is_ok(), "the receiver got it");
    }

    #[tokio::test]
    async fn a_notification_shutdown_cannot_wait_for_is_counted_as_undelivered() {
        let (url, _got) = receiver(Duration::from_secs(30)).await;
        let (app, _dir) = app().await;
        app.alerting
            .notifier()
            .send(&[webhook(url)], notification());
        let report = app.shutdown(Duration::from_millis(200)).await;
        assert_eq!(
            report,
            Shutdown {
                finished: false,
                undelivered: 1
            }
        );
    }
}
