//! Delivery of alert notifications (firing and resolved) to channels: a generic JSON webhook,
//! Slack, DingTalk, Feishu/Lark and WeCom webhooks, and SMTP e-mail.
//!
//! Three parts, in the order of the file:
//! - Message formats: [`payload`] turns a [`Notification`] into the JSON body one service
//!   documents (plus, for DingTalk, the signing query parameters). Pure and tested byte for byte.
//! - Secrets: webhook URLs carry their credential (`access_token=`, `key=`, a path token), so they
//!   are `SecretString`s, and [`redact_url`] is the only form that reaches logs, errors or the UI.
//!   reqwest puts the URL into its error text, so errors here are built from the inner cause
//!   (hyper's, io's), never from reqwest's own message.
//! - [`Notifier`]: `send` is synchronous and never touches the network. It appends one delivery
//!   per channel to that channel's queue and returns; a task per non-empty queue delivers in order
//!   (so a channel sees "resolved" after "firing"), retrying 5xx, 429, timeouts and connection
//!   errors with the configured backoff. Other channels are not held up by a dead one, and the
//!   collector, which only calls `send`, never waits for any. A semaphore bounds the requests in
//!   flight across channels; it is held for one attempt only, never while sleeping between
//!   retries. Everything queued or being retried counts against `max_pending`: past it new
//!   deliveries are dropped and counted, so a receiver that is down for days costs bounded memory.
//!
//! A 4xx other than 408/429 is not retried (the request will not get better), and neither is a
//! redirect (a webhook URL that moved must be edited). A 2xx whose body carries a vendor error
//! (DingTalk/WeCom `errcode`, Feishu `code`) is a failure and is retried, as the issue asks.
//!
//! A receiver's answer is never quoted: errors (shown by the test button, logged, stored) carry
//! the HTTP status and only the vendors' documented error fields, truncated — otherwise a channel
//! pointed at an internal service would read that service's pages back through starmon. Targets
//! are checked against `[notify]` network lists ([`super::target_policy`]) on the address
//! connected to.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::{Notify, Semaphore};
use tracing::{debug, info, warn, Instrument};

use super::target_policy::{FilteringResolver, RefusedTarget, ResolveError, TargetPolicy};
use answers::classify;

mod answers;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

pub use super::rules::Severity;

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

// ---------------------------------------------------------------------------------------------
// Message formats

/// Longest summary put into a title; a summary is meant to be one line, this guards the
/// receivers' size limits (WeCom markdown 4,096 bytes, Slack section 3,000 characters).
const MAX_SUMMARY_CHARS: usize = 300;

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `2024-05-01T12:00:00Z`; a timestamp chrono cannot represent is shown as the number.
fn rfc3339(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => ms.to_string(),
    }
}

/// At most three decimals, without trailing zeros: 93.5, 0.123, 1024.
fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// "[FIRING · CRITICAL] prod-east: BE 10001 (10.0.0.3) is down" / "[RESOLVED] prod-east: …".
pub fn title(n: &Notification) -> String {
    let summary = truncate_chars(&n.summary, MAX_SUMMARY_CHARS);
    match n.status {
        AlertStatus::Firing => format!(
            "[FIRING · {}] {}: {}",
            n.severity.as_str().to_uppercase(),
            n.cluster_name,
            summary
        ),
        AlertStatus::Resolved => format!("[RESOLVED] {}: {}", n.cluster_name, summary),
    }
}

/// The labelled facts every format shows, in order.
fn facts(n: &Notification) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("Severity", n.severity.as_str().to_string()),
        ("Cluster", n.cluster_name.clone()),
    ];
    if !n.subject.is_empty() {
        f.push(("Subject", n.subject.clone()));
    }
    f.push(("Rule", n.rule_name.clone()));
    match (n.value, n.threshold) {
        (Some(v), Some(t)) => f.push(("Value", format!("{} (threshold {})", number(v), number(t)))),
        (Some(v), None) => f.push(("Value", number(v))),
        (None, Some(t)) => f.push(("Threshold", number(t))),
        (None, None) => {}
    }
    f.push(("Started", rfc3339(n.started_at)));
    if let Some(r) = n.resolved_at {
        f.push(("Resolved", rfc3339(r)));
    }
    f
}

/// Plain text: the title, then one "Label: value" line per fact, then the dashboard link.
/// Used for Feishu text messages and e-mail bodies.
pub fn plain_text(n: &Notification) -> String {
    let mut s = title(n);
    for (k, v) in facts(n) {
        s.push_str(&format!("\n{k}: {v}"));
    }
    if let Some(url) = &n.dashboard_url {
        s.push_str(&format!("\nDashboard: {url}"));
    }
    s
}

/// Slack mrkdwn needs `&`, `<`, `>` escaped; everything else is literal.
/// <https://api.slack.com/reference/surfaces/formatting#escaping>
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The body a channel of `kind` receives, and the query parameters to add to its URL (DingTalk
/// signing). `now_ms` is the signing time; `secret` is the channel's signing secret, used by
/// DingTalk and Feishu only. For e-mail the value is the generic JSON (the message is built by
/// [`email_subject_and_body`]).
pub fn payload(
    kind: ChannelKind,
    n: &Notification,
    now_ms: i64,
    secret: Option<&SecretString>,
) -> (Value, Vec<(String, String)>) {
    match kind {
        ChannelKind::Webhook | ChannelKind::Email => (generic_payload(n), Vec::new()),
        ChannelKind::Slack => (slack_payload(n), Vec::new()),
        ChannelKind::Dingtalk => {
            let body = dingtalk_payload(n);
            let params = match secret {
                Some(s) => {
                    let ts = now_ms.to_string();
                    let sign = dingtalk_sign(&ts, s.expose_secret());
                    vec![("timestamp".to_string(), ts), ("sign".to_string(), sign)]
                }
                None => Vec::new(),
            };
            (body, params)
        }
        ChannelKind::Feishu => {
            let mut body = feishu_payload(n);
            if let (Some(s), Some(obj)) = (secret, body.as_object_mut()) {
                let ts = now_ms.div_euclid(1000).to_string();
                let sign = feishu_sign(&ts, s.expose_secret());
                obj.insert("timestamp".to_string(), Value::String(ts));
                obj.insert("sign".to_string(), Value::String(sign));
            }
            (body, Vec::new())
        }
        ChannelKind::Wecom => (wecom_payload(n), Vec::new()),
    }
}

/// Generic webhook: the notification's own fields as JSON, plus `"version": 1` so receivers can
/// tell a later, changed shape. Status and severity are lowercase strings, times unix ms.
fn generic_payload(n: &Notification) -> Value {
    match serde_json::to_value(n) {
        Ok(Value::Object(mut m)) => {
            m.insert("version".to_string(), json!(1));
            Value::Object(m)
        }
        // A struct of strings and numbers always serialises to an object; keep a valid body anyway.
        _ => json!({ "version": 1, "summary": n.summary }),
    }
}

/// Slack incoming webhook: `text` (the notification fallback) plus one mrkdwn section block.
/// <https://api.slack.com/messaging/webhooks> and
/// <https://api.slack.com/reference/block-kit/blocks#section>
fn slack_payload(n: &Notification) -> Value {
    let mut md = format!("*{}*", slack_escape(&title(n)));
    for (k, v) in facts(n) {
        md.push_str(&format!("\n*{k}:* {}", slack_escape(&v)));
    }
    if let Some(url) = &n.dashboard_url {
        md.push_str(&format!("\n<{}|Open in starmon>", slack_escape(url)));
    }
    json!({
        "text": slack_escape(&title(n)),
        "blocks": [
            { "type": "section", "text": { "type": "mrkdwn", "text": md } }
        ]
    })
}

/// DingTalk custom robot, markdown message: `{"msgtype":"markdown","markdown":{"title","text"}}`.
/// `title` is what the conversation list shows. A robot with the "keywords" security setting
/// needs one of its keywords in the text: every message contains "starmon" and the status word.
/// <https://open.dingtalk.com/document/robots/custom-robot-access>,
/// <https://open.dingtalk.com/document/development/robot-message-type>
fn dingtalk_payload(n: &Notification) -> Value {
    let t = title(n);
    let mut md = format!("### {t}\n");
    for (k, v) in facts(n) {
        md.push_str(&format!("\n- **{k}:** {v}"));
    }
    md.push_str("\n\n");
    match &n.dashboard_url {
        Some(url) => md.push_str(&format!("[Open in starmon]({url})")),
        None => md.push_str("starmon"),
    }
    json!({ "msgtype": "markdown", "markdown": { "title": t, "text": md } })
}

/// DingTalk signing: `sign` = base64(HMAC-SHA256(key = secret, message = "{timestamp}\n{secret}")),
/// sent URL-encoded as a query parameter beside `timestamp` (ms; DingTalk accepts it within an
/// hour of its clock). The value returned here is not yet URL-encoded: [`signed_url`] encodes it.
/// <https://open.dingtalk.com/document/robots/customize-robot-security-settings>
pub fn dingtalk_sign(timestamp_ms: &str, secret: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes a key of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Feishu/Lark custom bot, text message: `{"msg_type":"text","content":{"text":…}}`.
/// <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>
fn feishu_payload(n: &Notification) -> Value {
    json!({ "msg_type": "text", "content": { "text": plain_text(n) } })
}

/// Feishu signing: `sign` = base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = empty)),
/// with `timestamp` in seconds, both as strings in the body. Note the key and message are the
/// other way round from DingTalk's.
/// <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot> ("signature verification")
pub fn feishu_sign(timestamp_s: &str, secret: &str) -> String {
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(format!("{timestamp_s}\n{secret}").as_bytes())
    else {
        return String::new();
    };
    STANDARD.encode(mac.finalize().into_bytes())
}

/// WeCom (企业微信) group robot, markdown message: `{"msgtype":"markdown","markdown":{"content"}}`.
/// WeCom markdown supports `<font color="warning|info|comment">`: the status is coloured.
/// <https://developer.work.weixin.qq.com/document/path/91770>
fn wecom_payload(n: &Notification) -> Value {
    let color = match n.status {
        AlertStatus::Firing => "warning",
        AlertStatus::Resolved => "info",
    };
    let mut md = format!("<font color=\"{color}\">**{}**</font>", title(n));
    for (k, v) in facts(n) {
        md.push_str(&format!("\n> {k}: {v}"));
    }
    if let Some(url) = &n.dashboard_url {
        md.push_str(&format!("\n[Open in starmon]({url})"));
    }
    json!({ "msgtype": "markdown", "markdown": { "content": md } })
}

/// E-mail subject and plain-text body.
pub fn email_subject_and_body(n: &Notification) -> (String, String) {
    let mut body = plain_text(n);
    body.push_str("\n\n-- \nSent by starmon\n");
    (title(n), body)
}

/// The channel URL with `params` appended to its query, percent-encoded.
pub fn signed_url(url: &str, params: &[(String, String)]) -> Result<Url, String> {
    let mut u = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    if !params.is_empty() {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(u)
}

// ---------------------------------------------------------------------------------------------
// Secrets in URLs

/// A URL safe to show and log: scheme, host and port, the path with anything that looks like a
/// token replaced by `***`, every query value replaced by `***` (names kept), no user info and no
/// fragment. `https://oapi.dingtalk.com/robot/send?access_token=***`,
/// `https://hooks.slack.com/services/***/***/***`.
pub fn redact_url(url: &str) -> String {
    let Ok(u) = Url::parse(url) else {
        return "<invalid URL>".to_string();
    };
    let mut out = format!("{}://", u.scheme());
    if let Some(host) = u.host_str() {
        out.push_str(host);
    }
    if let Some(port) = u.port() {
        out.push_str(&format!(":{port}"));
    }
    match u.path_segments() {
        Some(segments) => {
            for seg in segments {
                out.push('/');
                out.push_str(if looks_like_token(seg) { "***" } else { seg });
            }
        }
        None => out.push_str(u.path()),
    }
    let names: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
    if !names.is_empty() {
        out.push('?');
        let masked: Vec<String> = names.iter().map(|k| format!("{k}=***")).collect();
        out.push_str(&masked.join("&"));
    }
    out
}

/// Path words such as `services`, `open-apis`, `hook`, `v2` stay; ids and keys (Slack's
/// `T0123456789`, Feishu's UUID, Discord's numeric id) go: 8+ characters with a digit, or 20+.
fn looks_like_token(seg: &str) -> bool {
    let len = seg.chars().count();
    (len >= 8 && seg.chars().any(|c| c.is_ascii_digit())) || len >= 20
}

// ---------------------------------------------------------------------------------------------
// Delivery

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
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            timeout: Duration::from_secs(10),
            retry_delays: [1, 2, 4, 8, 16].map(Duration::from_secs).to_vec(),
            max_in_flight: 8,
            max_pending: 10_000,
            targets: Arc::default(),
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

struct Delivery {
    channel: Channel,
    notification: Arc<Notification>,
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

/// Longest Retry-After honoured; a receiver asking for more is retried on our schedule.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Most of a response body read: enough for any vendor's JSON answer.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

impl Notifier {
    pub fn new(cfg: NotifierConfig) -> Notifier {
        let built = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            // A webhook that redirects has moved: following it silently could send the alert
            // (and a token in the path) somewhere the user did not configure.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("starmon/", env!("CARGO_PKG_VERSION")))
            // Names resolve to allowed addresses only (IP literals are checked in the attempt).
            .dns_resolver(Arc::new(FilteringResolver(cfg.targets.clone())))
            .build();
        let (client, client_error) = match built {
            Ok(c) => (Some(c), String::new()),
            Err(e) => {
                let msg = format!(
                    "cannot build the HTTP client: {}",
                    root_cause(&e.without_url())
                );
                warn!(error = %msg, "notifications by webhook will fail");
                (None, msg)
            }
        };
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

    fn enqueue(&self, d: Delivery) {
        let inner = &self.inner;
        let handle = match tokio::runtime::Handle::try_current() {
            Ok(h) => h,
            Err(_) => match &inner.runtime {
                Some(h) => h.clone(),
                None => {
                    inner.dropped.fetch_add(1, Ordering::Relaxed);
                    warn!(channel = %d.channel.name, "no async runtime to deliver on; notification dropped");
                    return;
                }
            },
        };
        let id = d.channel.id;
        let mut queues = lock(&inner.queues);
        if inner.pending.load(Ordering::Relaxed) >= inner.cfg.max_pending as u64 {
            let dropped = inner.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // One line per thousand: a receiver down for days must not flood the log too.
            if dropped % 1000 == 1 {
                warn!(
                    channel = %d.channel.name,
                    max_pending = inner.cfg.max_pending,
                    dropped_total = dropped,
                    "notification queue full; dropping notifications"
                );
            }
            return;
        }
        inner.pending.fetch_add(1, Ordering::Relaxed);
        match queues.get_mut(&id) {
            Some(q) => q.push_back(d),
            None => {
                queues.insert(id, VecDeque::from([d]));
                let me = self.clone();
                handle.spawn(async move { me.drain(id).await });
            }
        }
    }

    /// The worker of one channel: delivers its queue in order until it is empty.
    async fn drain(self, channel_id: i64) {
        loop {
            let next = {
                let mut queues = lock(&self.inner.queues);
                match queues.get_mut(&channel_id).and_then(VecDeque::pop_front) {
                    Some(d) => d,
                    None => {
                        queues.remove(&channel_id);
                        return;
                    }
                }
            };
            let span = tracing::info_span!(
                "notify",
                channel = %next.channel.name,
                kind = next.channel.kind.as_str(),
                alert_id = next.notification.alert_id,
                status = ?next.notification.status,
            );
            let ok = self
                .deliver_with_retries(&next.channel, &next.notification)
                .instrument(span)
                .await;
            let counter = if ok {
                &self.inner.delivered
            } else {
                &self.inner.failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let left = {
                let _queues = lock(&self.inner.queues);
                self.inner.pending.fetch_sub(1, Ordering::Relaxed) - 1
            };
            if left == 0 {
                self.inner.idle.notify_waiters();
            }
        }
    }

    async fn deliver_with_retries(&self, ch: &Channel, n: &Notification) -> bool {
        let delays = &self.inner.cfg.retry_delays;
        for attempt in 0..=delays.len() {
            let outcome = {
                // Closed never: the semaphore lives as long as `inner`.
                let _permit = self.inner.in_flight.acquire().await;
                self.inner.attempts.fetch_add(1, Ordering::Relaxed);
                self.attempt(ch, n).await
            };
            match outcome {
                Attempt::Delivered => {
                    debug!(attempt = attempt + 1, "delivered");
                    return true;
                }
                Attempt::Fatal(e) => {
                    warn!(target_url = %redact_url(ch.url.expose_secret()), error = %e, "notification not delivered; not retrying");
                    return false;
                }
                Attempt::Retry(e, at_least) => match delays.get(attempt) {
                    Some(delay) => {
                        let wait = at_least.map_or(*delay, |a| a.max(*delay));
                        info!(attempt = attempt + 1, error = %e, retry_in_ms = wait.as_millis() as u64, "notification attempt failed");
                        tokio::time::sleep(wait).await;
                    }
                    None => {
                        warn!(target_url = %redact_url(ch.url.expose_secret()), attempts = attempt + 1, error = %e, "notification not delivered after all retries");
                        return false;
                    }
                },
            }
        }
        false
    }

    /// One delivery attempt now, ignoring `min_severity`, for the "test notification" button:
    /// Ok, or what went wrong (URL redacted).
    pub async fn test(&self, channel: &Channel) -> Result<(), String> {
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
            Attempt::Retry(e, _) | Attempt::Fatal(e) => Err(e),
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

    async fn attempt_webhook(&self, kind: ChannelKind, ch: &Channel, n: &Notification) -> Attempt {
        let Some(client) = &self.inner.client else {
            return Attempt::Fatal(self.inner.client_error.clone());
        };
        let now = chrono::Utc::now().timestamp_millis();
        let (body, params) = payload(kind, n, now, ch.secret.as_ref());
        let url = match signed_url(ch.url.expose_secret(), &params) {
            Ok(u) => u,
            // The parse error names the problem, never the URL itself.
            Err(e) => return Attempt::Fatal(e),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Attempt::Fatal(format!("unsupported URL scheme {:?}", url.scheme()));
        }
        if let Err(e) = self.check_ip_literal(&url) {
            return Attempt::Fatal(e.to_string());
        }
        let resp = match client.post(url).json(&body).send().await {
            Ok(r) => r,
            // Every address of the name is refused: retrying will not change the policy.
            Err(e) => match refused_in(&e) {
                Some(refused) => return Attempt::Fatal(refused.to_string()),
                None => return Attempt::Retry(describe(&e, self.inner.cfg.timeout), None),
            },
        };
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        let text = match read_capped(resp).await {
            Ok(t) => t,
            Err(e) => return Attempt::Retry(describe(&e, self.inner.cfg.timeout), None),
        };
        classify(kind, status.as_u16(), &text, retry_after)
    }

    async fn attempt_email(&self, ch: &Channel, n: &Notification) -> Attempt {
        let Some(settings) = &ch.email else {
            return Attempt::Fatal("e-mail channel without SMTP settings".to_string());
        };
        let addr = match self
            .inner
            .cfg
            .targets
            .resolve(&settings.host, settings.port)
            .await
        {
            Ok(addrs) => match addrs.first() {
                Some(a) => *a,
                None => return Attempt::Retry(format!("{} has no address", settings.host), None),
            },
            Err(ResolveError::Refused(e)) => return Attempt::Fatal(e.to_string()),
            Err(e @ ResolveError::Dns(_)) => return Attempt::Retry(e.to_string(), None),
        };
        email::send(settings, addr, n, self.inner.cfg.timeout).await
    }

    /// An IP-literal webhook URL skips DNS, hence the resolver's filter: checked here.
    fn check_ip_literal(&self, url: &Url) -> Result<(), RefusedTarget> {
        let host = url.host_str().unwrap_or_default();
        match host.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(ip) => self.inner.cfg.targets.check(ip),
            Err(_) => Ok(()),
        }
    }

    /// Whether the channel's target is allowed by `[notify]`, for creating or editing a channel:
    /// an error only when the target is refused (a name that does not resolve now may later).
    pub async fn check_target(&self, ch: &Channel) -> Result<(), String> {
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
            Err(ResolveError::Refused(e)) => Err(e.to_string()),
            Ok(_) | Err(ResolveError::Dns(_)) => Ok(()),
        }
    }
}

/// The policy's refusal, when it is what made a request fail.
fn refused_in(e: &reqwest::Error) -> Option<RefusedTarget> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<RefusedTarget>() {
            return Some(r.clone());
        }
        cur = err.source();
    }
    None
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded maps stay consistent even if a holder panicked: every change is one call.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

async fn read_capped(mut resp: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_RESPONSE_BYTES - buf.len();
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A reqwest error as text without the URL (which holds the token).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if e.is_connect() {
        let e = reqwest_without_url(e);
        format!("cannot connect: {e}")
    } else {
        reqwest_without_url(e)
    }
}

fn reqwest_without_url(e: &reqwest::Error) -> String {
    // Only the outermost reqwest layer prints the URL; the innermost cause never does.
    match std::error::Error::source(e) {
        Some(src) => root_cause(src),
        None => "request failed".to_string(),
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

mod email {
    //! SMTP through lettre on tokio, TLS by rustls (the same stack as the webhooks).

    use std::time::Duration;

    use lettre::message::header::ContentType;
    use lettre::message::Mailbox;
    use std::net::SocketAddr;

    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    use secrecy::ExposeSecret;

    use super::{email_subject_and_body, Attempt, EmailSettings, Notification, SmtpSecurity};

    /// Sends to the server at `addr`, the address of `s.host` that `[notify]` allows: connecting
    /// to the checked address, not the name, so DNS cannot answer differently a second time.
    /// TLS still verifies the certificate against `s.host`.
    pub(super) async fn send(
        s: &EmailSettings,
        addr: SocketAddr,
        n: &Notification,
        timeout: Duration,
    ) -> Attempt {
        let message = match build(s, n) {
            Ok(m) => m,
            Err(e) => return Attempt::Fatal(e),
        };
        let tls = |wrap: fn(TlsParameters) -> Tls| {
            TlsParameters::new(s.host.clone())
                .map(wrap)
                .map_err(|e| Attempt::Fatal(format!("SMTP settings: {}", smtp_error(&e))))
        };
        let tls = match s.security {
            SmtpSecurity::None => Ok(Tls::None),
            SmtpSecurity::Starttls => tls(Tls::Required),
            SmtpSecurity::Tls => tls(Tls::Wrapper),
        };
        let tls = match tls {
            Ok(t) => t,
            Err(a) => return a,
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
                .port(addr.port())
                .tls(tls)
                .timeout(Some(timeout));
        if let Some(user) = &s.username {
            let password = s
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let transport = builder.build();
        // lettre's own timeout covers each command; this bounds the whole exchange.
        match tokio::time::timeout(timeout * 3, transport.send(message)).await {
            Err(_) => Attempt::Retry(
                format!("SMTP: no answer within {} ms", (timeout * 3).as_millis()),
                None,
            ),
            Ok(Ok(_)) => Attempt::Delivered,
            // A 5xx reply (unknown recipient, authentication refused) will not get better.
            Ok(Err(e)) if e.is_permanent() => Attempt::Fatal(smtp_error(&e)),
            Ok(Err(e)) => Attempt::Retry(smtp_error(&e), None),
        }
    }

    /// The reply code, or what kind of failure; never the server's reply text, which a channel
    /// pointed at some other service would read back (its banner, its error page).
    fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
        if let Some(code) = e.status() {
            format!("SMTP: the server replied {code}")
        } else if e.is_timeout() {
            "SMTP: no answer in time".to_string()
        } else if e.is_tls() {
            "SMTP: the TLS handshake failed".to_string()
        } else if e.is_response() || e.is_client() {
            "SMTP: the server does not speak SMTP as expected".to_string()
        } else {
            // Connection errors: our own socket's reason ("Connection refused").
            format!("SMTP: {}", super::root_cause(e))
        }
    }

    fn build(s: &EmailSettings, n: &Notification) -> Result<Message, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("invalid sender {:?}: {e}", s.from))?;
        if s.to.is_empty() {
            return Err("no recipients".to_string());
        }
        let (subject, body) = email_subject_and_body(n);
        let mut b = Message::builder().from(from).subject(subject);
        for to in &s.to {
            let mb: Mailbox = to
                .parse()
                .map_err(|e| format!("invalid recipient {to:?}: {e}"))?;
            b = b.to(mb);
        }
        b.header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(status: AlertStatus) -> Notification {
        Notification {
            alert_id: 42,
            status,
            rule_id: "be_down".to_string(),
            rule_name: "BE down".to_string(),
            severity: Severity::Critical,
            cluster_id: 7,
            cluster_name: "prod-east".to_string(),
            subject: "10001".to_string(),
            value: Some(0.0),
            threshold: Some(1.0),
            summary: "BE 10001 (10.0.0.3) is down".to_string(),
            // 2024-05-01T12:00:00Z and 12:05:30Z
            started_at: 1_714_564_800_000,
            resolved_at: match status {
                AlertStatus::Firing => None,
                AlertStatus::Resolved => Some(1_714_565_130_000),
            },
            dashboard_url: Some("https://starmon.example/clusters/7".to_string()),
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn titles_say_status_severity_cluster_and_summary() {
        assert_eq!(
            title(&sample(AlertStatus::Firing)),
            "[FIRING · CRITICAL] prod-east: BE 10001 (10.0.0.3) is down"
        );
        assert_eq!(
            title(&sample(AlertStatus::Resolved)),
            "[RESOLVED] prod-east: BE 10001 (10.0.0.3) is down"
        );
    }

    #[test]
    fn plain_text_has_every_fact_with_utc_times() {
        assert_eq!(
            plain_text(&sample(AlertStatus::Resolved)),
            "[RESOLVED] prod-east: BE 10001 (10.0.0.3) is down\n\
             Severity: critical\n\
             Cluster: prod-east\n\
             Subject: 10001\n\
             Rule: BE down\n\
             Value: 0 (threshold 1)\n\
             Started: 2024-05-01T12:00:00Z\n\
             Resolved: 2024-05-01T12:05:30Z\n\
             Dashboard: https://starmon.example/clusters/7"
        );
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(93.5), "93.5");
        assert_eq!(number(1024.0), "1024");
        assert_eq!(number(0.123456), "0.123");
        assert_eq!(number(-0.0001), "0");
    }

    #[test]
    fn generic_webhook_is_the_notification_with_a_version() {
        let (body, params) = payload(ChannelKind::Webhook, &sample(AlertStatus::Firing), 0, None);
        assert!(params.is_empty());
        assert_eq!(
            body,
            json!({
                "version": 1,
                "alert_id": 42,
                "status": "firing",
                "rule_id": "be_down",
                "rule_name": "BE down",
                "severity": "critical",
                "cluster_id": 7,
                "cluster_name": "prod-east",
                "subject": "10001",
                "value": 0.0,
                "threshold": 1.0,
                "summary": "BE 10001 (10.0.0.3) is down",
                "started_at": 1_714_564_800_000i64,
                "resolved_at": null,
                "dashboard_url": "https://starmon.example/clusters/7"
            })
        );
    }

    #[test]
    fn slack_is_text_plus_one_mrkdwn_section() {
        let mut n = sample(AlertStatus::Firing);
        n.summary = "disk <90% & rising>".to_string();
        let (body, params) = payload(ChannelKind::Slack, &n, 0, None);
        assert!(params.is_empty());
        assert_eq!(
            body,
            json!({
                "text": "[FIRING · CRITICAL] prod-east: disk &lt;90% &amp; rising&gt;",
                "blocks": [{
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "*[FIRING · CRITICAL] prod-east: disk &lt;90% &amp; rising&gt;*\n\
                                 *Severity:* critical\n\
                                 *Cluster:* prod-east\n\
                                 *Subject:* 10001\n\
                                 *Rule:* BE down\n\
                                 *Value:* 0 (threshold 1)\n\
                                 *Started:* 2024-05-01T12:00:00Z\n\
                                 <https://starmon.example/clusters/7|Open in starmon>"
                    }
                }]
            })
        );
    }

    #[test]
    fn dingtalk_is_a_markdown_message() {
        let (body, params) = payload(
            ChannelKind::Dingtalk,
            &sample(AlertStatus::Resolved),
            0,
            None,
        );
        assert!(params.is_empty(), "no signing without a secret");
        assert_eq!(
            body,
            json!({
                "msgtype": "markdown",
                "markdown": {
                    "title": "[RESOLVED] prod-east: BE 10001 (10.0.0.3) is down",
                    "text": "### [RESOLVED] prod-east: BE 10001 (10.0.0.3) is down\n\n\
                             - **Severity:** critical\n\
                             - **Cluster:** prod-east\n\
                             - **Subject:** 10001\n\
                             - **Rule:** BE down\n\
                             - **Value:** 0 (threshold 1)\n\
                             - **Started:** 2024-05-01T12:00:00Z\n\
                             - **Resolved:** 2024-05-01T12:05:30Z\n\n\
                             [Open in starmon](https://starmon.example/clusters/7)"
                }
            })
        );
    }

    // The expected signatures below were computed independently when the tests were written,
    // with Python's standard library, not with this code:
    //   python3 -c 'import hmac,hashlib,base64,urllib.parse; s=b"SEC0123456789abcdef";
    //     t=b"1714564800006"; d=base64.b64encode(hmac.new(s, t+b"\n"+s, hashlib.sha256).digest());
    //     print(d.decode(), urllib.parse.quote_plus(d))'
    //   python3 -c 'import hmac,hashlib,base64; k=b"1714564800\nfeishu-secret";
    //     print(base64.b64encode(hmac.new(k, b"", hashlib.sha256).digest()).decode())'
    // (The DingTalk timestamp was picked so the signature holds '+', '/' and '=' to encode.)
    const DINGTALK_SIGN: &str = "O065KhfvaL/9UXqsCySSnzkKyWzGu+8xWAQzSTalYMc=";
    const DINGTALK_SIGN_ENCODED: &str = "O065KhfvaL%2F9UXqsCySSnzkKyWzGu%2B8xWAQzSTalYMc%3D";
    const FEISHU_SIGN: &str = "e05HRrTs172bNs9eNg1Vy/dnHF2ZwFPriuXgUkXms8k=";

    #[test]
    fn dingtalk_signature_matches_an_independent_computation() {
        assert_eq!(
            dingtalk_sign("1714564800006", "SEC0123456789abcdef"),
            DINGTALK_SIGN
        );
        let (_, params) = payload(
            ChannelKind::Dingtalk,
            &sample(AlertStatus::Firing),
            1_714_564_800_006,
            Some(&secret("SEC0123456789abcdef")),
        );
        assert_eq!(
            params,
            vec![
                ("timestamp".to_string(), "1714564800006".to_string()),
                ("sign".to_string(), DINGTALK_SIGN.to_string()),
            ]
        );
        let url = signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            &params,
        )
        .expect("valid URL");
        assert_eq!(
            url.as_str(),
            format!("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1714564800006&sign={DINGTALK_SIGN_ENCODED}")
        );
    }

    #[test]
    fn feishu_signature_matches_an_independent_computation_and_goes_in_the_body() {
        assert_eq!(feishu_sign("1714564800", "feishu-secret"), FEISHU_SIGN);
        let (body, params) = payload(
            ChannelKind::Feishu,
            &sample(AlertStatus::Firing),
            1_714_564_800_999,
            Some(&secret("feishu-secret")),
        );
        assert!(params.is_empty());
        assert_eq!(
            body,
            json!({
                "timestamp": "1714564800",
                "sign": FEISHU_SIGN,
                "msg_type": "text",
                "content": { "text": plain_text(&sample(AlertStatus::Firing)) }
            })
        );
    }

    #[test]
    fn feishu_unsigned_is_the_documented_text_message() {
        let (body, _) = payload(ChannelKind::Feishu, &sample(AlertStatus::Firing), 0, None);
        assert_eq!(
            body,
            json!({ "msg_type": "text", "content": { "text": plain_text(&sample(AlertStatus::Firing)) } })
        );
    }

    #[test]
    fn wecom_is_a_markdown_message_coloured_by_status() {
        let (body, params) = payload(ChannelKind::Wecom, &sample(AlertStatus::Firing), 0, None);
        assert!(params.is_empty());
        assert_eq!(
            body,
            json!({
                "msgtype": "markdown",
                "markdown": {
                    "content": "<font color=\"warning\">**[FIRING · CRITICAL] prod-east: BE 10001 (10.0.0.3) is down**</font>\n\
                                > Severity: critical\n\
                                > Cluster: prod-east\n\
                                > Subject: 10001\n\
                                > Rule: BE down\n\
                                > Value: 0 (threshold 1)\n\
                                > Started: 2024-05-01T12:00:00Z\n\
                                [Open in starmon](https://starmon.example/clusters/7)"
                }
            })
        );
        let (resolved, _) = payload(ChannelKind::Wecom, &sample(AlertStatus::Resolved), 0, None);
        let content = resolved["markdown"]["content"].as_str().unwrap_or_default();
        assert!(content.starts_with("<font color=\"info\">**[RESOLVED]"));
        assert!(content.contains("> Resolved: 2024-05-01T12:05:30Z"));
    }

    #[test]
    fn email_has_the_title_as_subject() {
        let (subject, body) = email_subject_and_body(&sample(AlertStatus::Firing));
        assert_eq!(subject, title(&sample(AlertStatus::Firing)));
        assert!(body.starts_with(&plain_text(&sample(AlertStatus::Firing))));
    }

    #[test]
    fn redaction_masks_tokens_in_query_and_path() {
        assert_eq!(
            redact_url("https://oapi.dingtalk.com/robot/send?access_token=0123abcdef"),
            "https://oapi.dingtalk.com/robot/send?access_token=***"
        );
        assert_eq!(
            redact_url(
                "https://hooks.slack.com/services/T0123456789/B1001010101/7IsoQTrixdUtE971O1xQTm4T"
            ),
            "https://hooks.slack.com/services/***/***/***"
        );
        assert_eq!(
            redact_url(
                "https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd"
            ),
            "https://open.feishu.cn/open-apis/bot/v2/hook/***"
        );
        assert_eq!(
            redact_url(
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx&debug=1"
            ),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&debug=***"
        );
        assert_eq!(
            redact_url("http://user:hunter2@127.0.0.1:8080/alerts#frag"),
            "http://127.0.0.1:8080/alerts"
        );
        assert_eq!(redact_url("not a url"), "<invalid URL>");
    }

    #[test]
    fn channel_debug_prints_no_secret() {
        let ch = Channel {
            id: 1,
            name: "ops".to_string(),
            kind: ChannelKind::Dingtalk,
            url: secret("https://oapi.dingtalk.com/robot/send?access_token=tok3n-s3cret"),
            secret: Some(secret("SECsigning")),
            email: Some(EmailSettings {
                host: "smtp.example".to_string(),
                port: 465,
                from: "starmon@example".to_string(),
                to: vec!["ops@example".to_string()],
                username: Some("starmon".to_string()),
                password: Some(secret("mail-pa55")),
                security: SmtpSecurity::Tls,
            }),
            min_severity: Severity::Warning,
        };
        let s = format!("{ch:?}");
        for leaked in ["tok3n-s3cret", "SECsigning", "mail-pa55"] {
            assert!(!s.contains(leaked), "{leaked} in {s}");
        }
        assert!(s.contains("access_token=***"), "{s}");
    }
}
