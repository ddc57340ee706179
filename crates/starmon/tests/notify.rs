//! Notification delivery against local receivers on loopback: order, retries, what is not
//! retried, and that a dead receiver never slows the caller of `send`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use secrecy::SecretString;
use serde_json::Value;
use starmon::alerts::notify::{
    AlertStatus, Channel, ChannelKind, DeliveryStats, EmailSettings, Notification, Notifier,
    NotifierConfig, Severity, SmtpSecurity,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

mod common;
use common::{poll_every, serve_router};

/// What the receiver does with one request.
#[derive(Clone)]
enum Reply {
    Answer(u16, &'static str),
    /// Answer after a pause.
    Slow(Duration, u16, &'static str),
    /// Never answer.
    Hang,
}

struct Receiver {
    hits: AtomicUsize,
    /// Bodies of requests answered 2xx, in arrival order.
    accepted: Mutex<Vec<Value>>,
    queries: Mutex<Vec<String>>,
    /// Replies for the first requests, then `then` for every later one.
    script: Mutex<VecDeque<Reply>>,
    then: Reply,
}

impl Receiver {
    fn accepted(&self) -> Vec<Value> {
        self.accepted.lock().expect("lock").clone()
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn hook(
    State(r): State<Arc<Receiver>>,
    RawQuery(q): RawQuery,
    body: String,
) -> impl IntoResponse {
    r.hits.fetch_add(1, Ordering::SeqCst);
    r.queries.lock().expect("lock").push(q.unwrap_or_default());
    let reply = r
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| r.then.clone());
    let (status, text) = match reply {
        Reply::Answer(s, t) => (s, t),
        Reply::Slow(d, s, t) => {
            tokio::time::sleep(d).await;
            (s, t)
        }
        Reply::Hang => std::future::pending().await,
    };
    if (200..300).contains(&status) {
        let v = serde_json::from_str(&body).unwrap_or(Value::String(body));
        r.accepted.lock().expect("lock").push(v);
    }
    (StatusCode::from_u16(status).expect("status"), text)
}

/// A receiver on 127.0.0.1:0; returns its state and base URL.
async fn receiver(script: Vec<Reply>, then: Reply) -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver {
        hits: AtomicUsize::new(0),
        accepted: Mutex::new(Vec::new()),
        queries: Mutex::new(Vec::new()),
        script: Mutex::new(script.into()),
        then,
    });
    let app = Router::new()
        .route("/hook/{token}", post(hook))
        .with_state(r.clone());
    let addr = serve_router(app).await;
    (r, format!("http://{addr}"))
}

fn channel(id: i64, kind: ChannelKind, url: String) -> Channel {
    Channel {
        id,
        name: format!("ch{id}"),
        kind,
        url: SecretString::from(url),
        secret: None,
        email: None,
        min_severity: Severity::Info,
    }
}

fn alert(status: AlertStatus) -> Notification {
    Notification {
        alert_id: 1,
        status,
        rule_id: "be_down".to_string(),
        rule_name: "BE down".to_string(),
        severity: Severity::Critical,
        cluster_id: 1,
        cluster_name: "prod".to_string(),
        subject: "10001".to_string(),
        value: None,
        threshold: None,
        summary: "BE 10001 (10.0.0.3) is down".to_string(),
        started_at: 1_714_564_800_000,
        resolved_at: (status == AlertStatus::Resolved).then_some(1_714_565_130_000),
        dashboard_url: None,
    }
}

fn fast(retries: usize) -> NotifierConfig {
    NotifierConfig {
        timeout: Duration::from_millis(500),
        retry_delays: vec![Duration::from_millis(20); retries],
        ..NotifierConfig::default()
    }
}

async fn settle(n: &Notifier) -> DeliveryStats {
    assert!(
        n.wait_idle(Duration::from_secs(20)).await,
        "deliveries still pending: {:?}",
        n.stats()
    );
    n.stats()
}

#[tokio::test]
async fn firing_then_resolved_arrive_in_order() {
    // The first request is answered slowly: the resolved message must still wait for it.
    let (r, base) = receiver(
        vec![Reply::Slow(Duration::from_millis(300), 200, "ok")],
        Reply::Answer(200, "ok"),
    )
    .await;
    let n = Notifier::new(fast(0));
    let ch = [channel(
        1,
        ChannelKind::Webhook,
        format!("{base}/hook/t0ken"),
    )];
    n.send(&ch, alert(AlertStatus::Firing));
    n.send(&ch, alert(AlertStatus::Resolved));
    let stats = settle(&n).await;
    assert_eq!((stats.delivered, stats.failed), (2, 0));
    let got = r.accepted();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["status"], "firing");
    assert_eq!(got[1]["status"], "resolved");
    assert_eq!(got[1]["version"], 1);
    assert_eq!(got[1]["resolved_at"], 1_714_565_130_000i64);
}

#[tokio::test]
async fn a_receiver_answering_500_is_retried_and_gets_the_message_once() {
    let (r, base) = receiver(
        vec![Reply::Answer(500, "oops"), Reply::Answer(500, "oops")],
        Reply::Answer(200, "ok"),
    )
    .await;
    let n = Notifier::new(fast(5));
    let ch = [channel(1, ChannelKind::Slack, format!("{base}/hook/t0ken"))];
    n.send(&ch, alert(AlertStatus::Firing));
    let stats = settle(&n).await;
    assert_eq!(r.hits(), 3);
    assert_eq!(r.accepted().len(), 1, "delivered exactly once");
    assert!(r.accepted()[0]["text"]
        .as_str()
        .unwrap_or_default()
        .contains("BE 10001"));
    assert_eq!((stats.delivered, stats.failed, stats.attempts), (1, 0, 3));
}

#[tokio::test]
async fn a_hanging_receiver_does_not_slow_send_nor_other_channels() {
    let (dead, dead_base) = receiver(vec![], Reply::Hang).await;
    let (live, live_base) = receiver(vec![], Reply::Answer(200, "ok")).await;
    let n = Notifier::new(NotifierConfig {
        timeout: Duration::from_millis(300),
        retry_delays: vec![Duration::from_millis(10)],
        ..NotifierConfig::default()
    });
    let dead_ch = [channel(
        1,
        ChannelKind::Webhook,
        format!("{dead_base}/hook/t0ken"),
    )];
    // A first delivery so the dead receiver is hanging while the timed sends happen.
    n.send(&dead_ch, alert(AlertStatus::Firing));
    poll_every(
        Duration::from_millis(5),
        Duration::from_secs(5),
        "the dead receiver to be called",
        async || dead.hits() > 0,
    )
    .await;
    let both = [
        dead_ch[0].clone(),
        channel(2, ChannelKind::Webhook, format!("{live_base}/hook/t0ken")),
    ];
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        n.send(&both, alert(AlertStatus::Firing));
        slowest = slowest.max(t.elapsed());
    }
    assert!(slowest < Duration::from_millis(5), "send took {slowest:?}");
    // The live channel gets all 20 while the dead one is still timing out its queue.
    poll_every(
        Duration::from_millis(10),
        Duration::from_secs(10),
        "the live channel to get all 20",
        async || match live.accepted().len() {
            20.. => Ok(()),
            got => Err(format!("live channel got {got}")),
        },
    )
    .await;
    assert!(
        n.stats().pending > 0,
        "the dead channel's queue should still be working"
    );
}

#[tokio::test]
async fn the_queue_is_capped_and_drops_are_counted() {
    let (_dead, base) = receiver(vec![], Reply::Hang).await;
    let n = Notifier::new(NotifierConfig {
        timeout: Duration::from_millis(200),
        retry_delays: vec![],
        max_pending: 3,
        ..NotifierConfig::default()
    });
    let ch = [channel(
        1,
        ChannelKind::Webhook,
        format!("{base}/hook/t0ken"),
    )];
    for _ in 0..10 {
        n.send(&ch, alert(AlertStatus::Firing));
    }
    assert_eq!(n.stats().dropped, 7);
    let stats = settle(&n).await;
    assert_eq!((stats.failed, stats.dropped, stats.delivered), (3, 7, 0));
}

#[tokio::test]
async fn dingtalk_errcode_is_a_failure_and_retried_and_requests_are_signed() {
    let (r, base) = receiver(
        vec![],
        Reply::Answer(200, r#"{"errcode":310000,"errmsg":"sign not match"}"#),
    )
    .await;
    let n = Notifier::new(fast(2));
    let mut ch = channel(
        1,
        ChannelKind::Dingtalk,
        format!("{base}/hook/send?access_token=t0ken"),
    );
    ch.secret = Some(SecretString::from("SECabc".to_string()));
    n.send(&[ch.clone()], alert(AlertStatus::Firing));
    let stats = settle(&n).await;
    assert_eq!(r.hits(), 3, "first attempt and two retries");
    assert_eq!((stats.delivered, stats.failed), (0, 1));
    let q = r.queries.lock().expect("lock")[0].clone();
    assert!(q.starts_with("access_token=t0ken&timestamp="), "{q}");
    assert!(q.contains("&sign="), "{q}");
    assert_eq!(r.accepted()[0]["msgtype"], "markdown");

    let err = n
        .test(&ch)
        .await
        .expect_err("errcode 310000 is an error")
        .to_string();
    assert!(err.contains("310000"), "{err}");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let (r, base) = receiver(vec![], Reply::Answer(400, "invalid_payload")).await;
    let n = Notifier::new(fast(5));
    let ch = [channel(1, ChannelKind::Slack, format!("{base}/hook/t0ken"))];
    n.send(&ch, alert(AlertStatus::Firing));
    let stats = settle(&n).await;
    assert_eq!(r.hits(), 1);
    assert_eq!((stats.delivered, stats.failed, stats.attempts), (0, 1, 1));
}

#[tokio::test]
async fn a_429_is_retried() {
    let (r, base) = receiver(
        vec![Reply::Answer(429, "slow down")],
        Reply::Answer(200, "ok"),
    )
    .await;
    let n = Notifier::new(fast(2));
    let ch = [channel(
        1,
        ChannelKind::Webhook,
        format!("{base}/hook/t0ken"),
    )];
    n.send(&ch, alert(AlertStatus::Firing));
    let stats = settle(&n).await;
    assert_eq!((r.hits(), stats.delivered), (2, 1));
}

#[tokio::test]
async fn channels_below_their_minimum_severity_get_nothing() {
    let (r, base) = receiver(vec![], Reply::Answer(200, "ok")).await;
    let n = Notifier::new(fast(0));
    let mut ch = channel(1, ChannelKind::Webhook, format!("{base}/hook/t0ken"));
    ch.min_severity = Severity::Critical;
    let mut warning = alert(AlertStatus::Firing);
    warning.severity = Severity::Warning;
    n.send(&[ch.clone()], warning);
    n.send(&[ch], alert(AlertStatus::Firing));
    let stats = settle(&n).await;
    assert_eq!((stats.delivered, r.accepted().len()), (1, 1));
    assert_eq!(r.accepted()[0]["severity"], "critical");
}

#[tokio::test]
async fn test_button_errors_never_show_the_token() {
    let (_r, base) = receiver(vec![], Reply::Answer(403, "forbidden")).await;
    let n = Notifier::new(fast(0));
    let ch = channel(
        1,
        ChannelKind::Webhook,
        format!("{base}/hook/S3CRETt0ken1234?key=S3CRETkey"),
    );
    let err = n.test(&ch).await.expect_err("403").to_string();
    assert!(err.contains("403"), "{err}");
    assert!(!err.contains("S3CRET"), "{err}");

    // Connection refused: reqwest's own error text would include the URL.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = listener.local_addr().expect("addr");
    drop(listener);
    let ch = channel(
        2,
        ChannelKind::Feishu,
        format!("http://{closed}/hook/S3CRETt0ken1234"),
    );
    let err = n.test(&ch).await.expect_err("refused").to_string();
    assert!(!err.contains("S3CRET"), "{err}");
    assert!(err.contains("connect"), "{err}");
}

/// A minimal SMTP server: accepts one message, returns what came after DATA.
async fn smtp_server() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let Ok((sock, _)) = listener.accept().await else {
            return String::new();
        };
        let (rd, mut wr) = sock.into_split();
        let mut lines = BufReader::new(rd).lines();
        let _ = wr.write_all(b"220 test ESMTP\r\n").await;
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    let _ = wr.write_all(b"250 queued\r\n").await;
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let cmd = line.to_ascii_uppercase();
            let reply: &[u8] = if cmd.starts_with("EHLO") {
                b"250-test\r\n250 8BITMIME\r\n"
            } else if cmd.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if cmd.starts_with("QUIT") {
                let _ = wr.write_all(b"221 bye\r\n").await;
                break;
            } else {
                b"250 ok\r\n"
            };
            let _ = wr.write_all(reply).await;
        }
        data
    });
    (port, task)
}

#[tokio::test]
async fn email_is_sent_over_smtp() {
    let (port, server) = smtp_server().await;
    let n = Notifier::new(fast(0));
    let mut ch = channel(1, ChannelKind::Email, String::new());
    ch.email = Some(EmailSettings {
        host: "127.0.0.1".to_string(),
        port,
        from: "starmon <starmon@example.com>".to_string(),
        to: vec!["ops@example.com".to_string()],
        username: None,
        password: None,
        security: SmtpSecurity::None,
    });
    n.send(&[ch], alert(AlertStatus::Resolved));
    let stats = settle(&n).await;
    assert_eq!((stats.delivered, stats.failed), (1, 0), "{stats:?}");
    let data = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server done")
        .expect("server task");
    assert!(
        data.contains("Subject: [RESOLVED] prod: BE 10001 (10.0.0.3) is down"),
        "{data}"
    );
    assert!(data.contains("Resolved: 2024-05-01T12:05:30Z"), "{data}");
}
