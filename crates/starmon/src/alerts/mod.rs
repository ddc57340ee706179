//! Alerts: StarRocks' recommended rules and user thresholds evaluated on every collection
//! ([`rules`]), their lifecycle — pending, firing, resolved — with hysteresis, deduplication,
//! silences and acknowledgements ([`engine`]), and delivery to the channels ([`notify`]), which
//! never makes a collection wait.

pub mod engine;
mod error;
pub mod notify;
pub mod rules;
pub use crate::target_policy;

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio_util::task::TaskTracker;

use crate::config::{AlertsConfig, Config, ConfigError};
use crate::model::{ClusterRecord, CollectionStatus, NodeSample, Snapshot};
use crate::store::alerts::StoredChannel;
use crate::store::{Store, StoreError};
use engine::Engine;
pub use error::AlertError;
pub use notify::redact_url;
use notify::{Channel, ChannelKind, EmailSettings, Notifier, NotifierConfig, SmtpSecurity};

/// The e-mail settings of a channel as the API takes them (JSON) and the store keeps them
/// (encrypted).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailJson {
    host: String,
    #[serde(default = "smtp_port")]
    port: u16,
    from: String,
    to: Vec<String>,
    username: Option<String>,
    password: Option<String>,
    #[serde(default = "starttls")]
    security: SmtpSecurity,
}

fn smtp_port() -> u16 {
    587
}

fn starttls() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

/// Parses and checks e-mail settings; the error names what is wrong.
pub fn email_settings(json: &str) -> Result<EmailSettings, AlertError> {
    let e: EmailJson = serde_json::from_str(json).map_err(AlertError::EmailJson)?;
    if e.host.trim().is_empty() || e.from.trim().is_empty() || e.to.is_empty() {
        return Err(AlertError::EmailIncomplete);
    }
    Ok(EmailSettings {
        host: e.host,
        port: e.port,
        from: e.from,
        to: e.to,
        username: e.username,
        password: e.password.map(SecretString::from),
        security: e.security,
    })
}

/// Where an e-mail channel sends, safe to list: `smtp://host:port → ops@… (+1)`. Recipients'
/// domains are left out (they say whom starmon pages, not needed to recognise the channel);
/// `smtps` for TLS from the first byte.
pub fn email_target(s: &EmailSettings) -> String {
    let scheme = match s.security {
        SmtpSecurity::Tls => "smtps",
        SmtpSecurity::None | SmtpSecurity::Starttls => "smtp",
    };
    let mut out = format!("{scheme}://{}:{}", s.host, s.port);
    if let Some(first) = s.to.first() {
        let local = first.split_once('@').map_or(first.as_str(), |(l, _)| l);
        out.push_str(&format!(" → {local}@…"));
        if s.to.len() > 1 {
            out.push_str(&format!(" (+{})", s.to.len() - 1));
        }
    }
    out
}

/// The target of a stored channel as the API lists it: the webhook URL redacted, or the e-mail
/// server and first recipient.
pub fn shown_target(c: &StoredChannel) -> String {
    if c.kind != ChannelKind::Email.as_str() {
        return redact_url(c.url.expose_secret());
    }
    match c
        .settings
        .as_ref()
        .map(|s| email_settings(s.expose_secret()))
    {
        Some(Ok(s)) => email_target(&s),
        Some(Err(_)) | None => "<invalid e-mail settings>".to_string(),
    }
}

/// The engine and the notifier, as `serve` runs them.
pub struct Alerting {
    engine: Engine,
    notifier: Notifier,
    store: Arc<dyn Store>,
}

fn kind(k: &str) -> Option<ChannelKind> {
    Some(match k {
        "webhook" => ChannelKind::Webhook,
        "slack" => ChannelKind::Slack,
        "dingtalk" => ChannelKind::Dingtalk,
        "feishu" => ChannelKind::Feishu,
        "wecom" => ChannelKind::Wecom,
        "email" => ChannelKind::Email,
        _ => return None,
    })
}

/// A stored channel as the notifier takes it; None for one that cannot be used (logged).
pub fn channel(c: &StoredChannel) -> Result<Channel, AlertError> {
    let kind = kind(&c.kind).ok_or_else(|| AlertError::UnknownChannelKind(c.kind.clone()))?;
    let email = match (&c.settings, kind) {
        (Some(s), ChannelKind::Email) => Some(email_settings(s.expose_secret())?),
        _ => None,
    };
    Ok(Channel {
        id: c.id,
        name: c.name.clone(),
        kind,
        url: SecretString::from(c.url.expose_secret().to_string()),
        secret: c.secret.clone(),
        email,
        min_severity: c.min_severity,
    })
}

impl Alerting {
    pub fn new(store: Arc<dyn Store>, config: AlertsConfig, tz: chrono_tz::Tz) -> Alerting {
        Alerting {
            engine: Engine::new(store.clone(), config, tz),
            notifier: Notifier::new(NotifierConfig::default()),
            store,
        }
    }

    /// The engine as `[alerts]` configures it and a notifier limited to the networks `[notify]`
    /// allows; the notifier's workers are spawned on `tasks` when given, so shutdown can wait
    /// for them.
    pub fn from_config(
        store: Arc<dyn Store>,
        config: &Config,
        tasks: Option<TaskTracker>,
    ) -> Result<Alerting, ConfigError> {
        let notifier = Notifier::new(NotifierConfig {
            targets: Arc::new(config.notify.policy()?),
            tasks,
            ..Default::default()
        });
        Ok(Alerting::new(store, config.alerts.clone(), config.tz()?).with_notifier(notifier))
    }

    pub fn with_notifier(mut self, notifier: Notifier) -> Alerting {
        self.notifier = notifier;
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Evaluates the rules on the collection just stored and queues the notifications; returns
    /// how many transitions were notified. Blocking (SQLite); never waits for a channel.
    pub fn after_collection(
        &self,
        cluster: &ClusterRecord,
        snapshot: &Snapshot,
        nodes: &[NodeSample],
        status: &CollectionStatus,
    ) -> Result<usize, StoreError> {
        let notices = self.engine.evaluate(cluster, snapshot, nodes, status)?;
        if notices.is_empty() {
            return Ok(0);
        }
        let channels: Vec<Channel> = self
            .store
            .channels()?
            .iter()
            .filter(|c| c.enabled)
            .filter_map(|c| match channel(c) {
                Ok(ch) => Some(ch),
                Err(e) => {
                    tracing::warn!(channel = c.name, error = %e, "channel not usable");
                    None
                }
            })
            .collect();
        let n = notices.len();
        for notice in notices {
            self.notifier.send(&channels, notice);
        }
        Ok(n)
    }

    /// Refuses a channel whose target `[notify]` does not allow (when it is created or edited).
    pub async fn check_target(&self, c: &StoredChannel) -> Result<(), AlertError> {
        self.notifier.check_target(&channel(c)?).await
    }

    /// Sends a test notification to one channel now.
    pub async fn test_channel(&self, c: &StoredChannel) -> Result<(), AlertError> {
        let ch = channel(c)?;
        self.notifier.test(&ch).await
    }
}
