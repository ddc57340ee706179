//! HTTP delivery of one webhook attempt (client, IP-literal check, response reading) and the
//! redaction that keeps the token in a webhook URL out of logs, errors and the UI.
//!
//! Webhook URLs carry their credential (`access_token=`, `key=`, a path token), so they are
//! `SecretString`s, and [`redact_url`] is the only form that reaches logs, errors or the UI.
//! reqwest puts the URL into its error text, so errors here are built from the inner cause
//! (hyper's, io's), never from reqwest's own message.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use secrecy::ExposeSecret;
use tracing::warn;

use super::answers::classify;
use super::format::{payload, signed_url};
use super::{root_cause, Attempt, Channel, ChannelKind, Notification, Notifier};
use crate::target_policy::{FilteringResolver, RefusedTarget, TargetPolicy};

/// Longest Retry-After honoured; a receiver asking for more is retried on our schedule.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Most of a response body read: enough for any vendor's JSON answer.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// The HTTP client every webhook delivery uses, or why it could not be built.
pub(super) fn client(
    timeout: Duration,
    targets: Arc<TargetPolicy>,
) -> (Option<reqwest::Client>, String) {
    let built = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A webhook that redirects has moved: following it silently could send the alert
        // (and a token in the path) somewhere the user did not configure.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("starmon/", env!("CARGO_PKG_VERSION")))
        // Names resolve to allowed addresses only (IP literals are checked in the attempt).
        .dns_resolver(Arc::new(FilteringResolver(targets)))
        .build();
    match built {
        Ok(c) => (Some(c), String::new()),
        Err(e) => {
            let msg = format!(
                "cannot build the HTTP client: {}",
                root_cause(&e.without_url())
            );
            warn!(error = %msg, "notifications by webhook will fail");
            (None, msg)
        }
    }
}

impl Notifier {
    pub(super) async fn attempt_webhook(
        &self,
        kind: ChannelKind,
        ch: &Channel,
        n: &Notification,
    ) -> Attempt {
        let Some(client) = &self.inner.client else {
            return Attempt::Fatal(self.inner.client_error.clone());
        };
        let now = chrono::Utc::now().timestamp_millis();
        let (body, params) = payload(kind, n, now, ch.secret.as_ref());
        let url = match signed_url(ch.url.expose_secret(), &params) {
            Ok(u) => u,
            // The parse error names the problem, never the URL itself.
            Err(e) => return Attempt::Fatal(e.to_string()),
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

    /// An IP-literal webhook URL skips DNS, hence the resolver's filter: checked here.
    fn check_ip_literal(&self, url: &Url) -> Result<(), RefusedTarget> {
        let host = url.host_str().unwrap_or_default();
        match host.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(ip) => self.inner.cfg.targets.check(ip),
            Err(_) => Ok(()),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::super::{Channel, ChannelKind, EmailSettings, Severity, SmtpSecurity};
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
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
