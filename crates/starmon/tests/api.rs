//! The history API over a real SQLite file and a real socket: what a user reads back, and the
//! 4xx answers to bad requests.

use std::sync::Arc;

use serde_json::Value;
use starmon::model::{
    CollectionStatus, DiskPath, NewCluster, NodeKind, NodeSample, Outcome, Snapshot,
};
use starmon::store::Store;

mod common;

use common::{get_json as get, send, TestApp};

const DAY: i64 = 86_400_000;
const TB: i64 = 1 << 40;

struct Server {
    base: String,
    store: Arc<dyn Store>,
    cluster: i64,
    t0: i64,
    _app: TestApp,
}

/// Serves a fresh database as `starmon serve` does (access control off), without the collector:
/// what the test writes into the store is all there is.
async fn serve() -> TestApp {
    TestApp::builder().without_collector().start().await
}

/// A store with one cluster: 20 snapshots 30 s apart (qps = 10, 20, …, 200) and 14 days of one
/// BE path growing by 1 % of 10 TB a day, rolled up; served on port 0.
async fn server() -> Server {
    let app = serve().await;
    let store = &app.store;
    let c = store
        .add_cluster(&NewCluster {
            name: "prod".into(),
            fe_host: "10.0.0.1".into(),
            fe_query_port: 9030,
            fe_http_port: 8030,
            user: "root".into(),
            password: "secret-pw".to_string().into(),
        })
        .expect("add");
    let now = chrono::Utc::now().timestamp_millis();
    let t0 = now - 3_600_000;
    for i in 0..20 {
        let s = Snapshot {
            collected_at: t0 + i * 30_000,
            qps: Some(10.0 * (i + 1) as f64),
            query_latency_p99: if i % 2 == 0 { Some(100.0) } else { None },
            ..Snapshot::default()
        };
        let st = CollectionStatus {
            collected_at: s.collected_at,
            outcome: Outcome::Ok,
            duration_ms: 5,
            errors: vec![],
        };
        store.write_collection(c.id, &s, &[], &st).expect("write");
    }
    let first_day = now - 15 * DAY;
    for d in 0..14i64 {
        let at = first_day + d * DAY;
        let used = TB * 10 * (50 + d) / 100;
        let node = NodeSample {
            node_id: "10001".into(),
            kind: Some(NodeKind::Be),
            host: "10.0.0.41".into(),
            disk_used_bytes: Some(used),
            disks: vec![DiskPath {
                path: "/data1".into(),
                total_bytes: 10 * TB,
                avail_bytes: 10 * TB - used,
                data_used_bytes: Some(used),
            }],
            ..NodeSample::default()
        };
        let s = Snapshot {
            collected_at: at,
            total_data_bytes: Some(used),
            ..Snapshot::default()
        };
        let st = CollectionStatus {
            collected_at: at,
            outcome: Outcome::Ok,
            duration_ms: 5,
            errors: vec![],
        };
        store
            .write_collection(c.id, &s, &[node], &st)
            .expect("write day");
    }
    store.rollup_daily(chrono_tz::UTC, now).expect("rollup");
    Server {
        base: app.base.clone(),
        store: app.store.clone(),
        cluster: c.id,
        t0,
        _app: app,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_latest_and_history_downsampled() {
    let s = server().await;
    let (code, body) = get(&format!("{}/api/v1/clusters", s.base)).await;
    assert_eq!(code, 200);
    assert_eq!(body["clusters"][0]["name"], "prod");
    assert!(
        !body.to_string().contains("secret-pw"),
        "the password is never returned"
    );

    let (code, body) = get(&format!("{}/api/v1/clusters/{}/latest", s.base, s.cluster)).await;
    assert_eq!(code, 200);
    assert_eq!(body["snapshot"]["qps"], 200.0);

    // 20 points over 600 s into 5 buckets of 120 s: 4 snapshots each.
    let (from, to) = (s.t0, s.t0 + 600_000);
    let (code, body) = get(&format!(
        "{}/api/v1/clusters/{}/metrics?names=qps,query_latency_p99&from={from}&to={to}&points=5",
        s.base, s.cluster
    ))
    .await;
    assert_eq!(code, 200, "{body}");
    let qps = body["series"]["qps"].as_array().expect("qps series");
    assert_eq!(qps.len(), 5);
    assert_eq!(
        (
            qps[0]["min"].as_f64(),
            qps[0]["avg"].as_f64(),
            qps[0]["max"].as_f64()
        ),
        (Some(10.0), Some(25.0), Some(40.0))
    );
    assert_eq!(qps[4]["avg"].as_f64(), Some(185.0));
    assert_eq!(qps[1]["t"].as_i64(), Some(from + 120_000));
    // p99 is known in every other snapshot: the average is over known values only.
    let p99 = body["series"]["query_latency_p99"]
        .as_array()
        .expect("p99 series");
    assert_eq!(p99[0]["avg"].as_f64(), Some(100.0));

    let (code, body) = get(&format!(
        "{}/api/v1/clusters/{}/status?from={from}&to={to}",
        s.base, s.cluster
    ))
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["statuses"].as_array().map(Vec::len), Some(20));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_forecast_per_path() {
    let s = server().await;
    let (code, body) = get(&format!(
        "{}/api/v1/clusters/{}/capacity",
        s.base, s.cluster
    ))
    .await;
    assert_eq!(code, 200, "{body}");
    let p = &body["paths"][0];
    assert_eq!(
        (p["node_id"].as_str(), p["path"].as_str()),
        (Some("10001"), Some("/data1"))
    );
    // 63 % used on the last day, +1 % a day. On a 10 TB path both limits are bound by their
    // free-space condition: under 200 GB free is 98.05 % used, under 100 GB is 99.02 %.
    let tablets = &p["no_new_tablets"];
    assert_eq!(tablets["status"], "expected", "{p}");
    let days = tablets["days_from_last"].as_f64().expect("days");
    let want = 100.0 - 200.0 / 10_240.0 * 100.0 - 63.0;
    assert!((days - want).abs() < 0.5, "{days} vs {want}");
    let loads = p["loads_refused"]["days_from_last"].as_f64().expect("days");
    assert!(
        (loads - (100.0 - 100.0 / 10_240.0 * 100.0 - 63.0)).abs() < 0.5,
        "{loads}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_parameter() {
    let s = server().await;
    let base = format!("{}/api/v1/clusters/{}", s.base, s.cluster);
    for (url, mentions) in [
        (format!("{base}/metrics?names=qpz"), "qpz"),
        (format!("{base}/metrics"), "names"),
        (
            format!("{base}/metrics?names=qps&from=2000&to=1000"),
            "from",
        ),
        (format!("{base}/metrics?names=qps&from=yesterday"), "from"),
        (format!("{base}/metrics?names=qps&points=0"), "points"),
        (
            format!("{base}/metrics?names=qps&points=99999999"),
            "points",
        ),
        (
            format!("{base}/metrics?names=qps&from=0&to=86400000&step=1&points=100"),
            "step",
        ),
        (format!("{base}/status?to=soon"), "to"),
        (format!("{}/api/v1/clusters/abc/latest", s.base), "abc"),
    ] {
        let (code, body) = get(&url).await;
        assert_eq!(code, 400, "{url}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(mentions)),
            "{url}: {body}"
        );
    }
    let (code, body) = get(&format!("{}/api/v1/clusters/999/latest", s.base)).await;
    assert_eq!(code, 404, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_history_and_daily_rollups() {
    let s = server().await;
    let base = format!("{}/api/v1/clusters/{}", s.base, s.cluster);
    let now = chrono::Utc::now().timestamp_millis();
    let from = now - 16 * DAY;
    // 14 daily samples of one BE, one point a day.
    let (code, body) = get(&format!("{base}/nodes/10001/metrics?names=disk_used_bytes,cpu_usage_pct&from={from}&to={now}&step=86400&points=20")).await;
    assert_eq!(code, 200, "{body}");
    let used = body["series"]["disk_used_bytes"]
        .as_array()
        .expect("series");
    let known: Vec<f64> = used.iter().filter_map(|p| p["max"].as_f64()).collect();
    assert_eq!(known.len(), 14);
    assert_eq!(known[0], (10 * TB * 50 / 100) as f64);
    assert_eq!(known[13], (10 * TB * 63 / 100) as f64);
    assert!(
        body["series"]["cpu_usage_pct"]
            .as_array()
            .expect("series")
            .iter()
            .all(|p| p["avg"].is_null()),
        "never measured: null"
    );
    let (code, body) = get(&format!("{base}/nodes/10001/metrics?names=qpz")).await;
    assert_eq!(code, 400);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("qpz")));
    let (code, body) = get(&format!("{base}/nodes/nobody/metrics?names=cpu_usage_pct")).await;
    assert_eq!(code, 200);
    assert!(body["series"]["cpu_usage_pct"]
        .as_array()
        .is_some_and(Vec::is_empty));

    // The rolled-up days (the 14 synthetic ones; the last hour's day is not complete yet).
    let (code, body) = get(&format!("{base}/daily?days=30")).await;
    assert_eq!(code, 200, "{body}");
    let days = body["days"].as_array().expect("days");
    assert!(days.len() >= 14, "{body}");
    for (code_want, url) in [
        (400, format!("{base}/daily?days=0")),
        (400, format!("{base}/daily?days=many")),
        (404, format!("{}/api/v1/clusters/42/daily", s.base)),
    ] {
        assert_eq!(get(&url).await.0, code_want, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_past_the_detail_retention_comes_from_the_daily_rollups() {
    let s = server().await;
    let now = chrono::Utc::now().timestamp_millis();
    // Retention as `serve` runs it: the detail of the days before the last 7 is gone.
    let removed = s
        .store
        .enforce_retention(chrono_tz::UTC, now, 7 * DAY, 30)
        .expect("retention");
    assert!(removed.snapshots_deleted >= 8, "{removed:?}");
    let from = now - 16 * DAY;
    let (code, body) = get(&format!(
        "{}/api/v1/clusters/{}/metrics?names=total_data_bytes,query_total&from={from}&to={now}&step=86400&points=20",
        s.base, s.cluster
    ))
    .await;
    assert_eq!(code, 200, "{body}");
    let known: Vec<f64> = body["series"]["total_data_bytes"]
        .as_array()
        .expect("series")
        .iter()
        .filter_map(|p| p["avg"].as_f64())
        .collect();
    // All 14 days, oldest first: 50 % … 63 % of 10 TB, whether from rollups or detail.
    let want: Vec<f64> = (50..64).map(|p| (TB * 10 * p / 100) as f64).collect();
    assert_eq!(known, want);
    assert!(body["detail_from"].as_i64().is_some_and(|t| t > from));
    // A per-interval increase has no daily figure on the same scale: unknown, not made up.
    assert!(body["series"]["query_total"]
        .as_array()
        .expect("series")
        .iter()
        .all(|p| p["avg"].is_null()));
}

/// A cluster with known queries: in the 5 minutes before `at`, 95 % success at 200 ms p99; in
/// the 5 before, 90 % at 100 ms; yesterday 50 % and the day before 80 % (rolled up).
async fn kpi_server() -> (Server, i64) {
    let s = server().await;
    let app = serve().await;
    let store = &app.store;
    let c = store
        .add_cluster(&NewCluster {
            name: "kpi".into(),
            fe_host: "10.0.0.1".into(),
            fe_query_port: 9030,
            fe_http_port: 8030,
            user: "root".into(),
            password: "pw".to_string().into(),
        })
        .expect("add");
    // Both 5-minute windows must fall on the same UTC day as `at`, or in the first minutes after
    // midnight they land in "yesterday" and change its daily figures: anchor no earlier than
    // 00:15 (a few minutes ahead of the clock then, which nothing here refuses).
    let clock = chrono::Utc::now();
    let today = clock.date_naive();
    let quarter_past_midnight = today
        .and_hms_opt(0, 15, 0)
        .expect("00:15")
        .and_utc()
        .timestamp_millis();
    let now = clock.timestamp_millis().max(quarter_past_midnight);
    let write = |at: i64, ok: i64, err: i64, p99: f64| {
        let snap = Snapshot {
            collected_at: at,
            interval_secs: Some(30.0),
            query_total: Some(ok + err),
            query_success: Some(ok),
            query_error: Some(err),
            query_latency_p99: Some(p99),
            ..Snapshot::default()
        };
        let st = CollectionStatus {
            collected_at: at,
            outcome: Outcome::Ok,
            duration_ms: 5,
            errors: vec![],
        };
        store
            .write_collection(c.id, &snap, &[], &st)
            .expect("write");
    };
    for i in 0..10 {
        write(now - 300_000 + 15_000 + i * 30_000, 95, 5, 200.0);
        write(now - 600_000 + 15_000 + i * 30_000, 90, 10, 100.0);
    }
    let noon = |days_back: u64| {
        (today - chrono::Days::new(days_back))
            .and_hms_opt(12, 0, 0)
            .expect("noon")
            .and_utc()
            .timestamp_millis()
    };
    write(noon(1), 50, 50, 300.0);
    write(noon(2), 80, 20, 300.0);
    store.rollup_daily(chrono_tz::UTC, now).expect("rollup");
    (
        Server {
            base: app.base.clone(),
            store: app.store.clone(),
            cluster: c.id,
            t0: s.t0,
            _app: app,
        },
        now,
    )
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpis_compare_the_window_with_the_one_before_and_the_days_before() {
    let (s, now) = kpi_server().await;
    let base = format!("{}/api/v1/clusters/{}", s.base, s.cluster);
    let (code, body) = get(&format!("{base}/kpis?window=300&at={now}")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["samples"], 10);
    let sr = &body["kpis"]["success_rate"];
    assert!(close(&sr["current"], 95.0), "{sr}");
    assert!(close(&sr["previous"], 90.0), "{sr}");
    assert!(
        close(&sr["change_pct"], (95.0 - 90.0) / 90.0 * 100.0),
        "{sr}"
    );
    // No data a day or a week before: unknown, not 0 %.
    assert!(
        sr["day_ago"].is_null() && sr["day_change_pct"].is_null(),
        "{sr}"
    );
    assert!(sr["week_change_pct"].is_null(), "{sr}");
    let qps = &body["kpis"]["qps"];
    assert!(close(&qps["current"], 100.0 / 30.0), "{qps}");
    assert!(close(&qps["change_pct"], 0.0), "{qps}");
    assert!(close(&body["kpis"]["error_rate"]["current"], 5.0 / 30.0));
    assert!(close(
        &body["kpis"]["query_latency_p99"]["change_pct"],
        100.0
    ));
    assert!(body["kpis"]["cpu_usage_pct"]["current"].is_null());

    let day = &body["daily"]["figures"]["success_rate"];
    assert!(close(&day["value"], 50.0), "{day}");
    assert!(close(&day["previous"], 80.0), "{day}");
    assert!(
        close(&day["change_pct"], (50.0 - 80.0) / 80.0 * 100.0),
        "{day}"
    );
    assert!(day["week_ago"].is_null(), "{day}");

    for (url, mentions) in [
        (format!("{base}/kpis?window=5"), "window"),
        (format!("{base}/kpis?window=abc"), "window"),
        (format!("{base}/kpis?at=later"), "at"),
    ] {
        let (code, body) = get(&url).await;
        assert_eq!(code, 400, "{url}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(mentions)),
            "{url}: {body}"
        );
    }
    assert_eq!(
        get(&format!("{}/api/v1/clusters/77/kpis", s.base)).await.0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let s = server().await;
    let (code, doc) = get(&format!("{}/api/v1/openapi.json", s.base)).await;
    assert_eq!(code, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let client = reqwest::Client::new();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15, "{}", paths.len());
    for (path, ops) in paths {
        let url = format!(
            "{}{}",
            s.base,
            path.replace("{id}", &s.cluster.to_string())
                .replace("{node}", "10001")
        );
        for method in ops.as_object().expect("operations").keys() {
            // Removing the cluster would spoil the other operations: ask for one that is not there.
            let url = if method == "delete" {
                url.replace(&format!("/clusters/{}", s.cluster), "/clusters/999")
            } else {
                url.clone()
            };
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let mut req = client.request(m, &url);
            if method == "post" || method == "patch" {
                req = req.json(&serde_json::json!({}));
            }
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            let body = resp.text().await.expect("body");
            // axum answers an unrouted path with an empty 404 and an unrouted method with 405;
            // every handler of ours answers with a body.
            assert!(
                status != 405 && !(status == 404 && body.is_empty()),
                "{method} {path}: {status} {body:?}"
            );
            let documented = ops[method]["responses"]
                .as_object()
                .expect("responses")
                .contains_key(&status.to_string());
            assert!(documented, "{method} {path}: undocumented {status} {body}");
        }
    }
}

fn mentions(body: &Value, what: &str) -> bool {
    body["error"].as_str().is_some_and(|e| e.contains(what))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rules_channels_and_silences_are_managed_over_the_api() {
    use reqwest::Method;
    use serde_json::json;
    let s = server().await;
    let api = format!("{}/api/v1", s.base);

    // Built-in rules with their defaults; a change persists and shows.
    let (code, body) = get(&format!("{api}/alert-rules")).await;
    assert_eq!(code, 200);
    let rule = |body: &Value, id: &str| {
        body["rules"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["id"] == id).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(rule(&body, "be_cpu_high")["threshold"], 90.0);
    assert_eq!(rule(&body, "be_down")["severity"], "critical");
    let (code, body) = send(
        Method::PATCH,
        &format!("{api}/alert-rules/be_cpu_high"),
        json!({"threshold": 85.0, "for_secs": 600}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (_, body) = get(&format!("{api}/alert-rules")).await;
    assert_eq!(rule(&body, "be_cpu_high")["threshold"], 85.0);
    assert_eq!(rule(&body, "be_cpu_high")["for_secs"], 600);
    for (url, patch, code_want, what) in [
        ("be_cpu_high", json!({"severity": "dire"}), 400, "severity"),
        ("be_cpu_high", json!({"name": "x"}), 400, "name"),
        (
            "be_cpu_high",
            json!({"for_secs": 99_999_999}),
            400,
            "for_secs",
        ),
        ("nope", json!({"enabled": false}), 404, "nope"),
    ] {
        let (code, body) = send(Method::PATCH, &format!("{api}/alert-rules/{url}"), patch).await;
        assert_eq!(code, code_want, "{url}: {body}");
        assert!(mentions(&body, what), "{body}");
    }

    // A user rule on a stored metric.
    let new_rule = json!({"name": "many connections", "scope": "cluster", "metric": "connections",
                          "op": ">", "threshold": 2000, "for_secs": 60, "severity": "warning"});
    let mut bad = new_rule.clone();
    bad["metric"] = json!("conections");
    let (code, body) = send(Method::POST, &format!("{api}/alert-rules"), bad).await;
    assert_eq!(code, 400);
    assert!(mentions(&body, "conections"), "{body}");
    let (code, body) = send(Method::POST, &format!("{api}/alert-rules"), new_rule).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("user:"), "{id}");
    let (code, body) = send(
        Method::DELETE,
        &format!("{api}/alert-rules/be_down"),
        json!({}),
    )
    .await;
    assert_eq!(code, 400);
    assert!(mentions(&body, "disable"), "{body}");
    let (code, _) = send(
        Method::DELETE,
        &format!("{api}/alert-rules/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(code, 204);
    let (code, _) = send(
        Method::DELETE,
        &format!("{api}/alert-rules/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(code, 404);

    // Channels: the URL's token and the signing secret never come back.
    let token = "access_token=0123456789abcdef";
    let url = format!("http://127.0.0.1:9/robot/send?{token}");
    for (body, what) in [
        (json!({"name": "x", "kind": "pager", "url": url}), "kind"),
        (
            json!({"name": "x", "kind": "slack", "url": "not a url"}),
            "url",
        ),
        (json!({"name": "x", "kind": "email"}), "email"),
        (json!({"kind": "slack", "url": url}), "name"),
    ] {
        let (code, resp) = send(Method::POST, &format!("{api}/channels"), body).await;
        assert_eq!(code, 400, "{resp}");
        assert!(mentions(&resp, what), "{resp}");
    }
    let (code, body) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "ops", "kind": "dingtalk", "url": url, "secret": "SECsigning"}),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let channel = body["id"].as_i64().expect("id");
    assert_eq!(body["has_secret"], true);
    let (code, again) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "ops", "kind": "slack", "url": url}),
    )
    .await;
    assert_eq!(code, 409, "{again}");
    let (_, list) = get(&format!("{api}/channels")).await;
    let text = list.to_string();
    assert!(
        !text.contains("0123456789abcdef") && !text.contains("SECsigning"),
        "{text}"
    );
    assert!(text.contains("127.0.0.1"), "{text}");
    // Nothing listens on port 9: the test button says so, without the token.
    let (code, test) = send(
        Method::POST,
        &format!("{api}/channels/{channel}/test"),
        json!({}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(test["ok"], false);
    assert!(
        test["error"]
            .as_str()
            .is_some_and(|e| !e.contains("0123456789abcdef")),
        "{test}"
    );
    let (code, body) = send(
        Method::PATCH,
        &format!("{api}/channels/{channel}"),
        json!({"min_severity": "critical", "enabled": false}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        (body["min_severity"].as_str(), body["enabled"].as_bool()),
        (Some("critical"), Some(false))
    );
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{api}/channels/{channel}"),
            json!({})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{api}/channels/{channel}"),
            json!({})
        )
        .await
        .0,
        404
    );

    // Silences.
    for (body, what) in [
        (json!({"comment": "x"}), "ends_at"),
        (json!({"comment": "x", "ends_at": 1000}), "future"),
        (
            json!({"comment": "x", "duration_secs": 60, "rule_id": "nope"}),
            "nope",
        ),
        (
            json!({"comment": "x", "duration_secs": 60, "cluster_id": 999}),
            "cluster_id",
        ),
    ] {
        let (code, resp) = send(Method::POST, &format!("{api}/silences"), body).await;
        assert_eq!(code, 400, "{resp}");
        assert!(mentions(&resp, what), "{resp}");
    }
    let (code, body) = send(
        Method::POST,
        &format!("{api}/silences"),
        json!({"cluster_id": s.cluster, "rule_id": "be_down", "duration_secs": 3600, "comment": "maintenance"}),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let silence = body["id"].as_i64().expect("id");
    let (_, list) = get(&format!("{api}/silences")).await;
    assert_eq!(list["silences"][0]["comment"], "maintenance");
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{api}/silences/{silence}"),
            json!({})
        )
        .await
        .0,
        204
    );
    let (_, list) = get(&format!("{api}/silences")).await;
    assert!(list["silences"].as_array().is_some_and(Vec::is_empty));

    // Alerts: nothing firing here; unknown ids and bad parameters are named.
    let (code, body) = get(&format!("{api}/alerts")).await;
    assert_eq!(code, 200);
    assert!(body["alerts"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(
        send(Method::POST, &format!("{api}/alerts/12345/ack"), json!({}))
            .await
            .0,
        404
    );
    let (code, body) = get(&format!("{api}/alerts?state=burning")).await;
    assert_eq!(code, 400);
    assert!(mentions(&body, "state"));
    let (code, body) = get(&format!("{api}/alerts/history?limit=0")).await;
    assert_eq!(code, 400);
    assert!(mentions(&body, "limit"));
}

/// Found by the API fuzzer: nulls in a PATCH were taken as "keep", and times before 1970 made
/// dates no ISO reader accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_refuse_nulls_and_times_stay_within_writable_dates() {
    use reqwest::Method;
    use serde_json::json;
    let s = server().await;
    let api = format!("{}/api/v1", s.base);
    for (url, body, field) in [
        (
            format!("{api}/alert-rules/be_cpu_high"),
            json!({"enabled": null}),
            "enabled",
        ),
        (
            format!("{api}/clusters/{}", s.cluster),
            json!({"name": null}),
            "name",
        ),
    ] {
        let (code, resp) = send(Method::PATCH, &url, body).await;
        assert_eq!(code, 400, "{url}: {resp}");
        assert!(mentions(&resp, field), "{resp}");
    }
    let (code, body) = send(
        Method::POST,
        &format!("{api}/channels"),
        json!({"name": "c", "kind": "slack", "url": "http://127.0.0.1:9/x"}),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let (code, resp) = send(
        Method::PATCH,
        &format!("{api}/channels/{}", body["id"]),
        json!({"url": null}),
    )
    .await;
    assert_eq!(code, 400, "{resp}");
    for url in [
        format!("{api}/clusters/{}/kpis?at=-91625097600000", s.cluster),
        format!(
            "{api}/clusters/{}/metrics?names=qps&from=-5&to=10",
            s.cluster
        ),
        format!("{api}/clusters/{}/status?to=253402300800000", s.cluster),
    ] {
        let (code, resp) = get(&url).await;
        assert_eq!(code, 400, "{url}: {resp}");
        assert!(mentions(&resp, "1970"), "{resp}");
    }
    // Found by the fuzzer: a step wider than any range made a negative bucket width (a 500).
    let (code, resp) = get(&format!(
        "{api}/clusters/{}/metrics?names=qps&step=288230376151711745&points=10",
        s.cluster
    ))
    .await;
    assert_eq!(code, 200, "{resp}");
    assert!(
        resp["series"]["qps"]
            .as_array()
            .is_some_and(|p| p.len() <= 1),
        "{resp}"
    );
    // The earliest time that is allowed gives dates an ISO reader accepts.
    let (code, resp) = get(&format!("{api}/clusters/{}/kpis?at=0", s.cluster)).await;
    assert_eq!(code, 200, "{resp}");
    assert_eq!(resp["daily"]["week_ago_date"], "1969-12-24");
}

/// Found by the API fuzzer: a query parameter an endpoint does not take was ignored; a typo like
/// `cluster=` for `cluster_id=` then silently returned every cluster's alerts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_query_parameters_are_named() {
    let s = server().await;
    let api = format!("{}/api/v1", s.base);
    for (url, name) in [
        (format!("{api}/alerts?cluster=1"), "cluster"),
        (
            format!("{api}/clusters/{}/metrics?names=qps&pointz=5", s.cluster),
            "pointz",
        ),
        (format!("{api}/clusters?verbose=1"), "verbose"),
    ] {
        let (code, body) = get(&url).await;
        assert_eq!(code, 400, "{url}: {body}");
        assert!(mentions(&body, name), "{body}");
    }
    // What the endpoint takes is still fine, and so is no query at all.
    assert_eq!(
        get(&format!("{api}/alerts?cluster_id=1&state=firing"))
            .await
            .0,
        200
    );
    assert_eq!(get(&format!("{api}/clusters")).await.0, 200);
}

/// Every query string and JSON body is read into a typed struct that takes no unknown keys: a
/// key the endpoint does not take, or a value of the wrong type, is a 400 in the API's JSON error
/// shape naming it (axum's own rejections are plain text and do not always name it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_extractors_name_the_offending_parameter_or_field() {
    use reqwest::Method;
    use serde_json::json;
    let s = server().await;
    let api = format!("{}/api/v1", s.base);
    let c = s.cluster;
    // Unknown query parameters, on routes that take some and on routes that take none.
    for (method, url, name) in [
        (Method::GET, format!("{api}/fleet?verbose=1"), "verbose"),
        (
            Method::GET,
            format!("{api}/clusters/{c}/kpis?windw=60"),
            "windw",
        ),
        (
            Method::GET,
            format!("{api}/clusters/{c}/daily?day=3"),
            "day",
        ),
        (
            Method::GET,
            format!("{api}/clusters/{c}/status?since=1"),
            "since",
        ),
        (
            Method::GET,
            format!("{api}/clusters/{c}/nodes?all=1"),
            "all",
        ),
        (Method::GET, format!("{api}/silences?al=true"), "al"),
        (Method::GET, format!("{api}/alerts/history?limt=3"), "limt"),
        (Method::GET, format!("{}/healthz?x=1", s.base), "x"),
        (Method::DELETE, format!("{api}/silences/1?force=1"), "force"),
        (Method::POST, format!("{api}/clusters/test?dry=1"), "dry"),
    ] {
        let resp = reqwest::Client::new()
            .request(method.clone(), &url)
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 400, "{method} {url}");
        let body: Value = resp.json().await.expect("a JSON error body");
        assert!(mentions(&body, name), "{method} {url}: {body}");
        assert!(mentions(&body, "unknown query parameter"), "{body}");
    }
    // A parameter given twice is refused by name rather than one of them silently winning.
    let (code, body) = get(&format!("{api}/clusters/{c}/daily?days=3&days=4")).await;
    assert_eq!(code, 400, "{body}");
    assert!(mentions(&body, "days"), "{body}");
    // Wrong types in queries keep their parameter in the message.
    for (url, name) in [
        (format!("{api}/silences?all=maybe"), "all"),
        (format!("{api}/alerts?cluster_id=one"), "cluster_id"),
        (format!("{api}/clusters/{c}/kpis?window=abc"), "window"),
    ] {
        let (code, body) = get(&url).await;
        assert_eq!(code, 400, "{url}: {body}");
        assert!(mentions(&body, name), "{url}: {body}");
    }
    // Unknown fields and wrong types in JSON bodies (create and patch), named.
    let cluster = json!({"name": "x", "fe_host": "10.0.0.9", "fe_query_port": 9030,
                         "fe_http_port": 8030, "user": "root", "password": "p", "test": false});
    let mut extra = cluster.clone();
    extra["colour"] = json!("red");
    let mut wrong = cluster.clone();
    wrong["fe_query_port"] = json!("9030");
    for (method, url, body, name) in [
        (Method::POST, format!("{api}/clusters"), extra, "colour"),
        (
            Method::POST,
            format!("{api}/clusters"),
            wrong,
            "fe_query_port",
        ),
        (
            Method::PATCH,
            format!("{api}/clusters/{c}"),
            json!({"nmae": "y"}),
            "nmae",
        ),
        (
            Method::PATCH,
            format!("{api}/clusters/{c}"),
            json!({"fe_http_port": -1}),
            "fe_http_port",
        ),
        (
            Method::POST,
            format!("{api}/silences"),
            json!({"comment": "c", "duration_secs": 60, "until": 5}),
            "until",
        ),
        (
            Method::POST,
            format!("{api}/alert-rules"),
            json!({"name": "r", "scope": "cluster", "metric": "qps", "op": ">",
                   "threshold": "high", "severity": "warning"}),
            "threshold",
        ),
        (
            Method::PATCH,
            format!("{api}/alert-rules/be_cpu_high"),
            json!({"enabled": "yes"}),
            "enabled",
        ),
        (
            Method::POST,
            format!("{api}/auth/login"),
            json!({"username": "a", "password": "b", "remember": true}),
            "remember",
        ),
    ] {
        let (code, resp) = send(method.clone(), &url, body).await;
        assert_eq!(code, 400, "{method} {url}: {resp}");
        assert!(mentions(&resp, name), "{method} {url}: {resp}");
    }
    // Nothing was registered by the refused requests.
    let (_, body) = get(&format!("{api}/clusters")).await;
    assert_eq!(body["clusters"].as_array().map(Vec::len), Some(1), "{body}");
}
