//! What a receiver's HTTP answer means for a delivery: delivered, retry or give up, and the
//! error text — the status and the vendors' documented error fields only, never the body.

use std::time::Duration;

use serde_json::Value;

use super::format::truncate_chars;
use super::{Attempt, ChannelKind};

/// Longest vendor error message kept.
const MAX_VENDOR_MSG_CHARS: usize = 100;

/// The vendor's documented error fields in a receiver's answer, and nothing else of it:
/// DingTalk/WeCom `errcode`/`errmsg`, Feishu `code`/`msg` (or the older `StatusCode`/
/// `StatusMessage`), Slack's plain-text error word (`no_service`, `invalid_token`). The code is
/// None when the answer has none.
fn vendor_error(kind: ChannelKind, body: &str) -> (Option<i64>, Option<String>) {
    let fields: &[(&str, &str)] = match kind {
        ChannelKind::Dingtalk | ChannelKind::Wecom => &[("errcode", "errmsg")],
        ChannelKind::Feishu => &[("code", "msg"), ("StatusCode", "StatusMessage")],
        ChannelKind::Slack => {
            let word = body.trim();
            let is_word = (1..=64).contains(&word.len())
                && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            return (None, is_word.then(|| word.to_string()));
        }
        ChannelKind::Webhook | ChannelKind::Email => return (None, None),
    };
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return (None, None);
    };
    for (code, msg) in fields {
        if let Some(c) = v.get(*code).and_then(Value::as_i64) {
            let m = v
                .get(*msg)
                .and_then(Value::as_str)
                .map(|m| truncate_chars(m.trim(), MAX_VENDOR_MSG_CHARS));
            return (Some(c), m);
        }
    }
    (None, None)
}

/// Decides an HTTP answer: status first, then the vendor's own error field in a 2xx body. The
/// text carries the status and the vendor's error fields only, never the body.
pub(super) fn classify(
    kind: ChannelKind,
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> Attempt {
    let (code, msg) = vendor_error(kind, body);
    let detail = match (code, &msg) {
        (Some(c), Some(m)) => format!(": {} error {c}: {m}", kind.as_str()),
        (Some(c), None) => format!(": {} error {c}", kind.as_str()),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    };
    match status {
        200..=299 => {}
        300..=399 => {
            return Attempt::Fatal(format!(
                "HTTP {status}: the receiver redirects; configure the final URL"
            ))
        }
        408 | 429 => return Attempt::Retry(format!("HTTP {status}{detail}"), retry_after),
        400..=499 => return Attempt::Fatal(format!("HTTP {status}{detail}")),
        _ => return Attempt::Retry(format!("HTTP {status}{detail}"), None),
    }
    if !matches!(
        kind,
        ChannelKind::Dingtalk | ChannelKind::Wecom | ChannelKind::Feishu
    ) {
        return Attempt::Delivered;
    }
    match code {
        Some(0) => Attempt::Delivered,
        Some(_) => Attempt::Retry(detail.trim_start_matches(": ").to_string(), None),
        None => Attempt::Retry(
            format!("{} answered without an error code", kind.as_str()),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receivers_answer_is_never_quoted_only_vendor_error_fields() {
        use ChannelKind::*;
        let page = "<html><title>Jenkins</title>admin password: hunter2</html>";
        for kind in [Webhook, Slack, Dingtalk, Feishu, Wecom] {
            for status in [200, 404, 500] {
                let text = match classify(kind, status, page, None) {
                    Attempt::Retry(t, _) | Attempt::Fatal(t) => t,
                    Attempt::Delivered => continue,
                };
                assert!(
                    !text.contains("hunter2") && !text.contains("html"),
                    "{text}"
                );
            }
        }
        assert_eq!(
            classify(Slack, 404, "no_service", None),
            Attempt::Fatal("HTTP 404: no_service".into())
        );
        assert_eq!(
            classify(
                Dingtalk,
                200,
                r#"{"errcode":310000,"errmsg":"sign not match","extra":"hunter2"}"#,
                None
            ),
            Attempt::Retry("dingtalk error 310000: sign not match".into(), None)
        );
        assert_eq!(
            classify(Feishu, 400, r#"{"code":9499,"msg":"Bad Request"}"#, None),
            Attempt::Fatal("HTTP 400: feishu error 9499: Bad Request".into())
        );
        let long = format!(r#"{{"errcode":1,"errmsg":"{}"}}"#, "x".repeat(500));
        match classify(Wecom, 200, &long, None) {
            Attempt::Retry(t, _) => assert!(t.chars().count() < 140, "truncated: {t}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_are_classified() {
        use ChannelKind::*;
        assert_eq!(classify(Webhook, 204, "", None), Attempt::Delivered);
        assert_eq!(classify(Slack, 200, "ok", None), Attempt::Delivered);
        assert!(matches!(classify(Slack, 500, "", None), Attempt::Retry(..)));
        assert!(matches!(
            classify(Webhook, 503, "", None),
            Attempt::Retry(..)
        ));
        assert!(matches!(
            classify(Slack, 404, "no_service", None),
            Attempt::Fatal(_)
        ));
        assert!(matches!(
            classify(Webhook, 302, "", None),
            Attempt::Fatal(_)
        ));
        assert_eq!(
            classify(Webhook, 429, "", Some(Duration::from_secs(3))),
            Attempt::Retry("HTTP 429".to_string(), Some(Duration::from_secs(3)))
        );
        assert_eq!(
            classify(Dingtalk, 200, r#"{"errcode":0,"errmsg":"ok"}"#, None),
            Attempt::Delivered
        );
        assert!(matches!(
            classify(Dingtalk, 200, r#"{"errcode":310000,"errmsg":"sign not match"}"#, None),
            Attempt::Retry(ref e, None) if e.contains("310000")
        ));
        assert!(matches!(
            classify(Wecom, 200, "ok", None),
            Attempt::Retry(..)
        ));
        assert_eq!(
            classify(Wecom, 200, r#"{"errcode":0,"errmsg":"ok"}"#, None),
            Attempt::Delivered
        );
        assert_eq!(
            classify(Feishu, 200, r#"{"code":0,"msg":"success","data":{}}"#, None),
            Attempt::Delivered
        );
        assert_eq!(
            classify(
                Feishu,
                200,
                r#"{"StatusCode":0,"StatusMessage":"success"}"#,
                None
            ),
            Attempt::Delivered
        );
        assert!(matches!(
            classify(
                Feishu,
                200,
                r#"{"code":19021,"msg":"sign match fail"}"#,
                None
            ),
            Attempt::Retry(..)
        ));
    }
}
