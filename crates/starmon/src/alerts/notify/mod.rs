//! The notifier's API: what a notification and a channel are, and [`Notifier`], which queues
//! deliveries of alert notifications (firing and resolved) to channels and makes them in the
//! background — a generic JSON webhook, Slack, DingTalk, Feishu/Lark and WeCom webhooks, and SMTP
//! e-mail.
//!
//! The parts: [`format`] (the bodies each service documents, and signing), [`queue`] (per-channel
//! ordered queues, retries, caps), [`webhook`] (HTTP delivery, URL redaction), [`email`] (SMTP),
//! [`answers`] (what a receiver's answer means); [`target_policy`] (which networks channels
//! may reach) is a leaf at the crate root, since the configuration validates its lists too.
//! `send` is synchronous and never touches the network, so the collector, which only calls
//! `send`, never waits for any channel.
//!
//! A 4xx other than 408/429 is not retried (the request will not get better), and neither is a
//! redirect (a webhook URL that moved must be edited). A 2xx whose body carries a vendor error
//! (DingTalk/WeCom `errcode`, Feishu `code`) is a failure and is retried, as the issue asks.
//!
//! A receiver's answer is never quoted: errors (shown by the test button, logged, stored) carry
//! the HTTP status and only the vendors' documented error fields, truncated — otherwise a channel
//! pointed at an internal service would read that service's pages back through starmon. Targets
//! are checked against `[notify]` network lists ([`target_policy`]) on the address connected to.

mod answers;
mod email;
pub mod format;
mod queue;
mod webhook;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};
use tokio_util::task::TaskTracker;

use super::AlertError;
use crate::target_policy::{ResolveError, TargetPolicy};
pub use format::{
    dingtalk_sign, email_subject_and_body, feishu_sign, payload, plain_text, signed_url, title,
};
use queue::Delivery;
pub use webhook::redact_url;

// At the crate root since the configuration validates its network lists; kept at this path.
pub use crate::target_policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

pub use crate::model::alerts::Severity;

/// One state change of one alert, as every channel receives it.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub alert_id: i64,
    pub status: AlertStatus,
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub cluster_id: i64,
    pub cluster_name: String,
    /// What the alert is about: "" for the cluster, a node id "10001", "10001:/data1" for a disk.
    pub subject: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// One human line, e.g. "BE 10001 (10.0.0.3) is down".
    pub summary: String,
    /// Unix ms.
    pub started_at: i64,
    /// Unix ms.
    pub resolved_at: Option<i64>,
    pub dashboard_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Webhook,
    Slack,
    Dingtalk,
    Feishu,
    Wecom,
    Email,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Feishu => "feishu",
            ChannelKind::Wecom => "wecom",
            ChannelKind::Email => "email",
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay on port 25). Credentials travel in the clear: use only on loopback.
    None,
    /// Upgrade with STARTTLS (usually port 587); refuses to continue without TLS.
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how e-mail notifications are sent. `Debug` shows no password.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub to: Vec<String>,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub security: SmtpSecurity,
}

/// A place notifications go. `Debug` prints the URL redacted and no secret.
#[derive(Clone)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// The webhook URL; it contains the receiver's token. Unused ("") for e-mail.
    pub url: SecretString,
    /// DingTalk / Feishu signing secret, when the robot has signing enabled.
    pub secret: Option<SecretString>,
    pub email: Option<EmailSettings>,
    /// Deliver only alerts at least this severe.
    pub min_severity: Severity,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &redact_url(self.url.expose_secret()))
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("email", &self.email)
            .field("min_severity", &self.min_severity)
            .finish()
    }
}

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// Budget of one attempt (connect + request + response), webhook or SMTP.
    pub timeout: Duration,
    /// Waits before the 2nd, 3rd, … attempt; its length is the number of retries. The default,
    /// 1, 2, 4, 8 and 16 s, makes 6 attempts over about half a minute plus their timeouts.
    pub retry_delays: Vec<Duration>,
    /// Requests in flight at once, across all channels.
    pub max_in_flight: usize,
    /// Deliveries queued or being retried, across all channels; past it new ones are dropped.
    pub max_pending: usize,
    /// The networks targets may be in (`[notify]` in the configuration).
    pub targets: Arc<TargetPolicy>,
    /// Where the per-channel workers are spawned: `serve` passes its tracker so shutdown waits
    /// for deliveries in progress instead of dropping them with the runtime.
    pub tasks: Option<TaskTracker>,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            timeout: Duration::from_secs(10),
            retry_delays: [1, 2, 4, 8, 16].map(Duration::from_secs).to_vec(),
            max_in_flight: 8,
            max_pending: 10_000,
            targets: Arc::default(),
            tasks: None,
        }
    }
}

/// Counters since start, for `/metrics` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryStats {
    /// Deliveries queued or in progress now.
    pub pending: u64,
    /// Deliveries the receiver accepted.
    pub delivered: u64,
    /// Deliveries given up: a non-retryable answer, or every retry failed.
    pub failed: u64,
    /// Deliveries never attempted because `max_pending` were already waiting.
    pub dropped: u64,
    /// Requests made (first attempts and retries).
    pub attempts: u64,
}

/// Sends notifications in the background. Cheap to clone; clones share queues and counters.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("stats", &self.stats())
            .finish()
    }
}

struct Inner {
    cfg: NotifierConfig,
    /// `None` when the HTTP client could not be built; webhook deliveries then fail with `client_error`.
    client: Option<reqwest::Client>,
    client_error: String,
    /// Per channel id, the deliveries waiting. A key is present exactly while that channel's
    /// worker task runs: whoever inserts the key spawns the worker, the worker removes it when it
    /// finds the queue empty, both under this lock, so no delivery is left without a worker.
    queues: Mutex<HashMap<i64, VecDeque<Delivery>>>,
    /// Queued plus in progress; changed under `queues`' lock so the cap is exact.
    pending: AtomicU64,
    in_flight: Semaphore,
    idle: Notify,
    /// The runtime to spawn on when `send` is called from outside one.
    runtime: Option<tokio::runtime::Handle>,
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    attempts: AtomicU64,
}

/// The outcome of one attempt.
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    Delivered,
    /// Worth trying again; the receiver may ask for a minimum wait (429 Retry-After).
    Retry(String, Option<Duration>),
    /// Will not get better by retrying.
    Fatal(String),
}

impl Notifier {
    pub fn new(cfg: NotifierConfig) -> Notifier {
        let (client, client_error) = webhook::client(cfg.timeout, cfg.targets.clone());
        Notifier {
            inner: Arc::new(Inner {
                in_flight: Semaphore::new(cfg.max_in_flight.max(1)),
                cfg,
                client,
                client_error,
                queues: Mutex::new(HashMap::new()),
                pending: AtomicU64::new(0),
                idle: Notify::new(),
                runtime: tokio::runtime::Handle::try_current().ok(),
                delivered: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                attempts: AtomicU64::new(0),
            }),
        }
    }

    /// Queues one delivery of `n` per channel at least as permissive as its severity, and
    /// returns. Never blocks and never awaits the network.
    pub fn send(&self, channels: &[Channel], n: Notification) {
        let n = Arc::new(n);
        for ch in channels.iter().filter(|c| n.severity >= c.min_severity) {
            self.enqueue(Delivery {
                channel: ch.clone(),
                notification: n.clone(),
            });
        }
    }

    /// One delivery attempt now, ignoring `min_severity`, for the "test notification" button:
    /// Ok, or what went wrong (URL redacted).
    pub async fn test(&self, channel: &Channel) -> Result<(), AlertError> {
        let now = chrono::Utc::now().timestamp_millis();
        let n = Notification {
            alert_id: 0,
            status: AlertStatus::Firing,
            rule_id: "test".to_string(),
            rule_name: "Test notification".to_string(),
            severity: Severity::Info,
            cluster_id: 0,
            cluster_name: "starmon".to_string(),
            subject: String::new(),
            value: None,
            threshold: None,
            summary: format!(
                "test notification from starmon to channel \"{}\"",
                channel.name
            ),
            started_at: now,
            resolved_at: None,
            dashboard_url: None,
        };
        self.inner.attempts.fetch_add(1, Ordering::Relaxed);
        match self.attempt(channel, &n).await {
            Attempt::Delivered => Ok(()),
            Attempt::Retry(e, _) | Attempt::Fatal(e) => Err(AlertError::Delivery(e)),
        }
    }

    pub fn stats(&self) -> DeliveryStats {
        let i = &self.inner;
        DeliveryStats {
            pending: i.pending.load(Ordering::Relaxed),
            delivered: i.delivered.load(Ordering::Relaxed),
            failed: i.failed.load(Ordering::Relaxed),
            dropped: i.dropped.load(Ordering::Relaxed),
            attempts: i.attempts.load(Ordering::Relaxed),
        }
    }

    /// Waits until nothing is queued or being retried, at most `timeout`; true if idle. For
    /// tests, and for shutdown to give deliveries in progress a deadline.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            // Registered before the check, so a wake-up between the check and the await is kept.
            notified.as_mut().enable();
            if self.inner.pending.load(Ordering::Relaxed) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.inner.pending.load(Ordering::Relaxed) == 0;
            }
        }
    }

    async fn attempt(&self, ch: &Channel, n: &Notification) -> Attempt {
        match ch.kind {
            ChannelKind::Email => self.attempt_email(ch, n).await,
            kind => self.attempt_webhook(kind, ch, n).await,
        }
    }

    /// Whether the channel's target is allowed by `[notify]`, for creating or editing a channel:
    /// an error only when the target is refused (a name that does not resolve now may later).
    pub async fn check_target(&self, ch: &Channel) -> Result<(), AlertError> {
        let (host, port) = match (&ch.email, ch.kind) {
            (Some(s), ChannelKind::Email) => (s.host.clone(), s.port),
            _ => {
                let Ok(url) = Url::parse(ch.url.expose_secret()) else {
                    return Ok(());
                };
                match (url.host_str(), url.port_or_known_default()) {
                    (Some(h), Some(p)) => (h.to_string(), p),
                    _ => return Ok(()),
                }
            }
        };
        match self.inner.cfg.targets.resolve(&host, port).await {
            Err(ResolveError::Refused(e)) => Err(AlertError::Refused(e)),
            Ok(_) | Err(ResolveError::Dns(_)) => Ok(()),
        }
    }
}

/// The innermost cause: the outer layers say "error sending request", the inner one why.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
