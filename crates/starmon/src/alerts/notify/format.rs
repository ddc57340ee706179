//! Message formats: the JSON body each service documents for a [`Notification`] (generic webhook,
//! Slack, DingTalk, Feishu/Lark, WeCom), DingTalk and Feishu signing, and the e-mail text. Pure and
//! tested byte for byte.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{AlertStatus, ChannelKind, Notification};
use crate::alerts::AlertError;

/// Longest summary put into a title; a summary is meant to be one line, this guards the
/// receivers' size limits (WeCom markdown 4,096 bytes, Slack section 3,000 characters).
const MAX_SUMMARY_CHARS: usize = 300;

pub(super) fn truncate_chars(s: &str, max: usize) -> String {
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
pub fn signed_url(url: &str, params: &[(String, String)]) -> Result<Url, AlertError> {
    let mut u = Url::parse(url).map_err(AlertError::InvalidUrl)?;
    if !params.is_empty() {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::super::Severity;
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
}
