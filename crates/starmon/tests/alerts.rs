//! Alerts end to end: starrocks-sim, starmon collecting it every second, and a local HTTP
//! receiver registered as a webhook channel. What an on-call engineer would notice: one
//! notification when a BE stops and one when it is back, the disk and error-rate rules firing on
//! real conditions, silences keeping quiet, and a broken receiver never slowing collection.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

mod common;

use common::{cluster, now_ms as now, poll_until, serve_router, TestApp};

/// What the receiver got, and how it answers.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(Instant, Value)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<u32>>,
    /// Wait this long before answering a failure.
    slow: Duration,
}

async fn receive(State(r): State<Receiver>, Json(v): Json<Value>) -> StatusCode {
    let fail = {
        let mut n = r.fail_first.lock().expect("lock");
        if *n > 0 {
            *n -= 1;
            true
        } else {
            false
        }
    };
    if fail {
        tokio::time::sleep(r.slow).await;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    r.got.lock().expect("lock").push((Instant::now(), v));
    StatusCode::OK
}

impl Receiver {
    async fn start(self) -> String {
        let app = Router::new().route("/hook", post(receive)).with_state(self);
        format!("http://{}/hook", serve_router(app).await)
    }

    /// (status, subject) of the notifications of `rule`.
    fn of(&self, rule: &str) -> Vec<(String, String)> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, v)| v["rule_id"] == rule)
            .map(|(_, v)| {
                (
                    v["status"].as_str().unwrap_or_default().to_string(),
                    v["subject"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// starmon collecting one emulated 3.3 cluster (registered as "prod") every second, alerts on.
struct Env {
    app: TestApp,
    cluster_id: i64,
}

impl std::ops::Deref for Env {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

const INTERVAL_SECS: u64 = 1;

async fn env() -> Env {
    let app = TestApp::builder()
        .clusters(vec![cluster("c0", "3.3.0", 5)])
        .interval_secs(INTERVAL_SECS)
        .timeouts_ms(1000, 1000)
        .start()
        .await;
    let cluster_id = app.register(0, "prod").await;
    Env { app, cluster_id }
}

impl Env {
    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }

    async fn channel(&self, url: &str) {
        self.post(
            "/api/v1/channels",
            json!({"name": format!("hook-{url}"), "kind": "webhook", "url": url, "min_severity": "info"}),
            StatusCode::CREATED,
        )
        .await;
    }

    /// Collections stored for the cluster with from <= collected_at < to.
    fn collections(&self, from: i64, to: i64) -> Vec<i64> {
        let conn = rusqlite::Connection::open(&self.db).expect("open");
        let mut stmt = conn
            .prepare(
                "SELECT collected_at FROM collection_status
                 WHERE cluster_id = ?1 AND collected_at >= ?2 AND collected_at < ?3 ORDER BY 1",
            )
            .expect("prepare");
        stmt.query_map(rusqlite::params![self.cluster_id, from, to], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    async fn wait_collected(&self) {
        let since = now();
        poll_until(Duration::from_secs(20), "a collection", async || {
            !self.collections(since, i64::MAX).is_empty()
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_be_notifies_once_and_its_return_once() {
    let e = env().await;
    let r = Receiver::default();
    let url = r.clone().start().await;
    e.channel(&url).await;
    e.wait_collected().await;

    let be = e.sim().clusters[0].node("be1").expect("be1").clone();
    let id = e.sim().clusters[0].with_state(|st| st.bes[1].id.to_string());
    let stopped_at = now();
    e.sim().clusters[0].with_state(|st| st.stop_be(1));
    be.set_running(false);
    poll_until(
        Duration::from_secs(20),
        "the firing notification",
        async || !r.of("be_down").is_empty(),
    )
    .await;
    let notified_at = now();
    assert_eq!(r.of("be_down"), [("firing".to_string(), id.clone())]);
    // Seen within two collections of the stop.
    let cycles = e.collections(stopped_at, notified_at).len();
    assert!(cycles <= 2, "{cycles} collections before the notification");

    // Down for a few more collections: nothing more.
    let t = now();
    poll_until(
        Duration::from_secs(20),
        "three more collections",
        async || e.collections(t, i64::MAX).len() >= 3,
    )
    .await;
    assert_eq!(r.of("be_down").len(), 1);
    let firing = e.get("/api/v1/alerts?state=firing").await;
    let alerts = firing["alerts"].as_array().expect("alerts");
    assert!(
        alerts
            .iter()
            .any(|a| a["rule_id"] == "be_down" && a["subject"] == id),
        "{firing}"
    );
    let fleet = e.get("/api/v1/fleet").await;
    assert!(
        fleet["clusters"][0]["alerts_firing"]
            .as_i64()
            .is_some_and(|n| n >= 1),
        "{fleet}"
    );

    e.sim().clusters[0].with_state(|st| st.start_be(1));
    be.set_running(true);
    poll_until(
        Duration::from_secs(20),
        "the resolved notification",
        async || r.of("be_down").len() == 2,
    )
    .await;
    assert_eq!(r.of("be_down")[1], ("resolved".to_string(), id));
    let t = now();
    poll_until(
        Duration::from_secs(20),
        "three more collections",
        async || e.collections(t, i64::MAX).len() >= 3,
    )
    .await;
    assert_eq!(
        r.of("be_down").len(),
        2,
        "exactly one firing and one resolved"
    );

    let history = e.get("/api/v1/alerts/history").await;
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|ev| ev["rule_id"] == "be_down")
        .filter_map(|ev| ev["event"].as_str())
        .collect();
    assert_eq!(kinds, ["resolved", "firing"]);

    // starmon's own metrics count the deliveries.
    let text = e
        .http
        .get(format!("{}/metrics", e.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let delivered = text
        .lines()
        .find(|l| l.starts_with(r#"starmon_notifications_total{result="delivered"}"#))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(delivered.is_some_and(|n| n >= 2), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_and_an_error_burst_fire_their_rules() {
    let e = env().await;
    let r = Receiver::default();
    let url = r.clone().start().await;
    e.channel(&url).await;
    e.wait_collected().await;
    assert!(r.of("disk_path_warning").is_empty());
    assert!(r.of("query_error_rate").is_empty());

    let c = "/clusters/c0";
    e.control(
        reqwest::Method::POST,
        &format!("{c}/nodes/be0/fill"),
        json!({"used_pct": 92.0}),
    )
    .await;
    poll_until(Duration::from_secs(20), "the disk rule", async || {
        !r.of("disk_path_warning").is_empty()
    })
    .await;
    let (status, subject) = r.of("disk_path_warning")[0].clone();
    assert_eq!(status, "firing");
    let be0 = e.sim().clusters[0].with_state(|st| st.bes[0].id.to_string());
    assert!(subject.starts_with(&format!("{be0}:")), "{subject}");
    // 92 % is under the critical 95 %.
    assert!(r.of("disk_path_critical").is_empty());

    // Half the queries fail: about 20 errors per second, far over 0.05/s.
    e.control(
        reqwest::Method::PATCH,
        &format!("{c}/workload"),
        json!({"error_fraction": 0.5}),
    )
    .await;
    poll_until(Duration::from_secs(20), "the error-rate rule", async || {
        !r.of("query_error_rate").is_empty()
    })
    .await;
    assert_eq!(r.of("query_error_rate")[0].0, "firing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_rule_does_not_notify() {
    let e = env().await;
    let r = Receiver::default();
    let url = r.clone().start().await;
    e.channel(&url).await;
    e.post(
        "/api/v1/silences",
        json!({"cluster_id": e.cluster_id, "rule_id": "be_down", "duration_secs": 3600, "comment": "planned restart"}),
        StatusCode::CREATED,
    )
    .await;
    e.wait_collected().await;
    let be = e.sim().clusters[0].node("be2").expect("be2").clone();
    e.sim().clusters[0].with_state(|st| st.stop_be(2));
    be.set_running(false);
    // The alert exists (marked silenced), but nobody is told.
    let v = poll_until(
        Duration::from_secs(20),
        "the silenced be_down alert",
        async || {
            let v = e.get("/api/v1/alerts?state=firing").await;
            v["alerts"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a["rule_id"] == "be_down"))
                .then_some(v)
        },
    )
    .await;
    let a = v["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["rule_id"] == "be_down")
        .cloned()
        .expect("alert");
    assert_eq!(a["silenced"], json!(true));
    let t = now();
    poll_until(
        Duration::from_secs(20),
        "three more collections",
        async || e.collections(t, i64::MAX).len() >= 3,
    )
    .await;
    assert!(r.of("be_down").is_empty(), "{:?}", r.of("be_down"));

    // Acknowledged by someone: recorded.
    let id = a["id"].as_i64().expect("id");
    let acked = e
        .post(
            &format!("/api/v1/alerts/{id}/ack"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(acked["acked_at"].is_number(), "{acked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_and_collection_keeps_its_pace() {
    let e = env().await;
    // The first two deliveries get a 500 after 3 s each.
    let r = Receiver {
        fail_first: Arc::new(Mutex::new(2)),
        slow: Duration::from_secs(3),
        ..Receiver::default()
    };
    let url = r.clone().start().await;
    e.channel(&url).await;
    e.wait_collected().await;
    let stopped_at = now();
    let be = e.sim().clusters[0].node("be0").expect("be0").clone();
    e.sim().clusters[0].with_state(|st| st.stop_be(0));
    be.set_running(false);
    poll_until(
        Duration::from_secs(60),
        "the retried notification",
        async || !r.of("be_down").is_empty(),
    )
    .await;
    assert_eq!(
        r.of("be_down").len(),
        1,
        "delivered once, after the retries"
    );
    assert_eq!(
        *r.fail_first.lock().expect("lock"),
        0,
        "both failures were seen"
    );
    // Meanwhile collections went on every second: no gap longer than two intervals.
    let times = e.collections(stopped_at, now());
    assert!(
        times.len() >= 5,
        "{} collections in the retry period",
        times.len()
    );
    let worst = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    assert!(
        worst <= 2 * INTERVAL_SECS as i64 * 1000,
        "a {worst} ms gap between collections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_hovering_at_the_threshold_does_not_flap() {
    let e = env().await;
    let r = Receiver::default();
    let url = r.clone().start().await;
    e.channel(&url).await;
    e.wait_collected().await;
    let fill = |pct: f64| {
        e.control(
            reqwest::Method::POST,
            "/clusters/c0/nodes/be0/fill",
            json!({"used_pct": pct}),
        )
    };
    // Over 90 %, then back and forth around it (never under the 85.5 % that clears it), one
    // collection at each level.
    for pct in [91.0, 89.0, 90.8, 88.0, 91.5, 89.5, 90.2] {
        fill(pct).await;
        let t = now();
        poll_until(Duration::from_secs(20), "a collection", async || {
            e.collections(t, i64::MAX).len() >= 2
        })
        .await;
    }
    let warnings = r.of("disk_path_warning");
    assert!(!warnings.is_empty(), "the first crossing fires");
    assert!(
        warnings.iter().all(|(status, _)| status == "firing"),
        "no resolved while hovering: {warnings:?}"
    );
    let paths: std::collections::BTreeSet<&String> = warnings.iter().map(|(_, s)| s).collect();
    assert_eq!(
        warnings.len(),
        paths.len(),
        "one firing per path: {warnings:?}"
    );
    // Clearly back under: resolved, once per path.
    fill(70.0).await;
    poll_until(
        Duration::from_secs(20),
        "the resolved notifications",
        async || r.of("disk_path_warning").len() == 2 * paths.len(),
    )
    .await;
    let t = now();
    poll_until(
        Duration::from_secs(20),
        "two more collections",
        async || e.collections(t, i64::MAX).len() >= 2,
    )
    .await;
    assert_eq!(r.of("disk_path_warning").len(), 2 * paths.len());
}
