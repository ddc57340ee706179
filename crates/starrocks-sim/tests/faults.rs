//! Faults injected through the control API change what a client observes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mysql_async::prelude::Queryable;
use reqwest::Method;
use serde_json::json;

async fn post(sim: &starrocks_sim::Sim, path: &str, body: serde_json::Value) -> reqwest::Response {
    control(sim, Method::POST, path, body).await
}

async fn reachable(url: &str) -> bool {
    reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_backend_refuses_connections_and_shows_dead_until_started() {
    let sim = start(&["3.4"], shape(1, 3, 0), true).await;
    let c = &sim.clusters[0];
    let name = &c.spec.name;
    let url = format!("{}/metrics", be_http(c, "be1"));
    assert!(reachable(&url).await);
    let resp = post(&sim, &format!("/clusters/{name}/nodes/be1/stop"), json!({})).await;
    assert_eq!(resp.status(), 200);
    eventually(
        "be1 refuses connections",
        Duration::from_secs(5),
        || async { !reachable(&url).await },
    )
    .await;
    let err = reqwest::get(&url).await.expect_err("stopped endpoint");
    assert!(err.is_connect(), "{err}");
    let mut conn = connect(c, 0).await;
    let t = q(&mut conn, "SHOW BACKENDS").await;
    let row = t.find("IP", &c.node("be1").expect("be1").ip.to_string());
    assert_eq!(t.cell(row, "Alive"), Some("false"));
    assert_eq!(t.cell(row, "StatusCode"), Some("DISCONNECTED"));
    let health = text(&format!("{}/api/health", fe_http(c, 0))).await;
    assert!(health.contains("\"online_backend_num\":2"), "{health}");
    let before_start = t.cell(row, "LastStartTime").map(String::from);

    sim.clock.advance(5_000);
    post(
        &sim,
        &format!("/clusters/{name}/nodes/be1/start"),
        json!({}),
    )
    .await;
    eventually("be1 answers again", Duration::from_secs(5), || async {
        reachable(&url).await
    })
    .await;
    let t = q(&mut conn, "SHOW BACKENDS").await;
    assert_eq!(t.cell(row, "Alive"), Some("true"));
    assert_eq!(t.cell(row, "ErrMsg"), Some(""));
    assert_ne!(
        t.cell(row, "LastStartTime").map(String::from),
        before_start,
        "a new process started"
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_an_fe_drops_its_clients_and_the_others_see_it_dead() {
    let sim = start(&["3.3"], shape(3, 1, 0), true).await;
    let c = &sim.clusters[0];
    let name = &c.spec.name;
    let mut on_fe2 = connect(c, 2).await;
    q(&mut on_fe2, "SELECT 1").await;
    post(&sim, &format!("/clusters/{name}/nodes/fe2/stop"), json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while on_fe2.query_drop("SELECT 1").await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "fe2's connection should be closed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = mysql_async::Conn::new(opts(c, 2)).await;
    assert!(refused.is_err(), "no new logins on a stopped FE");
    let mut on_fe0 = connect(c, 0).await;
    let t = q(&mut on_fe0, "SHOW FRONTENDS").await;
    let row = t.find("IP", &c.fe_node(2).expect("fe2").ip.to_string());
    assert_eq!(t.cell(row, "Alive"), Some("false"));
    assert_eq!(t.cell(row, "StartTime"), Some("NULL"));
    post(
        &sim,
        &format!("/clusters/{name}/nodes/fe2/start"),
        json!({}),
    )
    .await;
    eventually("fe2 accepts logins", Duration::from_secs(5), || async {
        mysql_async::Conn::new(opts(c, 2)).await.is_ok()
    })
    .await;
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_leader_elects_another_and_moving_it_moves_leader_only_values() {
    let sim = start(&["3.3"], shape(3, 2, 0), true).await;
    let c = &sim.clusters[0];
    let name = &c.spec.name;
    let is_master = |body: String| body.lines().any(|l| l == "node_info{type=\"is_master\"} 1");
    assert!(is_master(text(&format!("{}/metrics", fe_http(c, 0))).await));

    let resp = post(&sim, &format!("/clusters/{name}/leader"), json!({"fe": 1})).await;
    assert_eq!(resp.status(), 200);
    assert!(is_master(text(&format!("{}/metrics", fe_http(c, 1))).await));
    assert!(!is_master(
        text(&format!("{}/metrics", fe_http(c, 0))).await
    ));
    let mut conn = connect(c, 2).await;
    let t = q(&mut conn, "SHOW FRONTENDS").await;
    assert_eq!(
        t.cell(t.find("Role", "LEADER"), "IP"),
        Some(c.fe_node(1).expect("fe1").ip.to_string().as_str())
    );
    // Transactions now count on fe1 only.
    let txn = |i: usize| {
        let url = format!("{}/metrics", fe_http(c, i));
        async move {
            text(&url)
                .await
                .lines()
                .find_map(|l| l.strip_prefix("starrocks_fe_txn_begin "))
                .and_then(|v| v.parse::<u64>().ok())
                .expect("txn_begin")
        }
    };
    let (a0, a1) = (txn(0).await, txn(1).await);
    post(&sim, "/clock/advance", json!({"seconds": 120})).await;
    let (b0, b1) = (txn(0).await, txn(1).await);
    assert_eq!(b0, a0, "the old leader's counter stands still");
    assert!(
        b1 > a1 + 100,
        "the new leader counts transactions: {a1} -> {b1}"
    );

    post(&sim, &format!("/clusters/{name}/nodes/fe1/stop"), json!({})).await;
    let t = q(&mut conn, "SHOW FRONTENDS").await;
    let leader_ip = t.cell(t.find("Role", "LEADER"), "IP").map(String::from);
    assert_ne!(
        leader_ip,
        Some(c.fe_node(1).expect("fe1").ip.to_string()),
        "a stopped FE cannot lead"
    );
    let bad = post(&sim, &format!("/clusters/{name}/leader"), json!({"fe": 1})).await;
    assert_eq!(bad.status(), 400);
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_an_fe_resets_its_counters_and_start_time() {
    let sim = start(&["3.3"], shape(2, 1, 0), false).await;
    let c = &sim.clusters[0];
    let counter = |body: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix("starrocks_fe_query_total "))
            .and_then(|v| v.parse::<u64>().ok())
            .expect("query_total")
    };
    let before = counter(&text(&format!("{}/metrics", fe_http(c, 1))).await);
    assert!(before > 1000);
    let fe1_ip = c.fe_node(1).expect("fe1").ip.to_string();
    let mut on_fe0 = connect(c, 0).await;
    let start_time = |t: &Table| t.cell(t.find("IP", &fe1_ip), "StartTime").map(String::from);
    let started_before = start_time(&q(&mut on_fe0, "SHOW FRONTENDS").await);
    let mut conn = connect(c, 1).await;
    post(
        &sim,
        &format!("/clusters/{}/nodes/fe1/restart", c.spec.name),
        json!({}),
    )
    .await;
    eventually("fe1 serves again", Duration::from_secs(5), || async {
        reachable(&format!("{}/metrics", fe_http(c, 1))).await
    })
    .await;
    let after = counter(&text(&format!("{}/metrics", fe_http(c, 1))).await);
    assert!(after < before, "counter restarted: {before} -> {after}");
    let started_after = start_time(&q(&mut on_fe0, "SHOW FRONTENDS").await);
    assert!(started_after.is_some());
    assert_ne!(
        started_after, started_before,
        "a new process, a new StartTime"
    );
    assert!(
        conn.query_drop("SELECT 1").await.is_err(),
        "the old process's connections are gone"
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_failing_and_garbage_endpoints() {
    let sim = start(&["3.3"], shape(1, 2, 0), true).await;
    let c = &sim.clusters[0];
    let name = &c.spec.name;
    let put = |node: &str, body: serde_json::Value| {
        let path = format!("/clusters/{name}/nodes/{node}/faults");
        let sim = &sim;
        async move { control(sim, Method::PUT, &path, body).await.status() }
    };
    assert_eq!(put("be0", json!({"http_delay_ms": 300})).await, 200);
    let started = Instant::now();
    text(&format!("{}/metrics", be_http(c, "be0"))).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    text(&format!("{}/metrics", be_http(c, "be1"))).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "other nodes are not slowed"
    );

    assert_eq!(put("be0", json!({"http": "error500"})).await, 200);
    assert_eq!(
        get(&format!("{}/metrics", be_http(c, "be0")))
            .await
            .status(),
        500
    );
    assert_eq!(put("be0", json!({"http": "garbage"})).await, 200);
    let resp = get(&format!("{}/metrics", be_http(c, "be0"))).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.expect("body");
    assert!(
        !body.contains("# TYPE starrocks_be_cpu"),
        "not an exposition: {body:?}"
    );
    assert_eq!(put("be0", json!({})).await, 200);
    assert!(text(&format!("{}/metrics", be_http(c, "be0")))
        .await
        .contains("# TYPE starrocks_be_cpu counter"));

    assert_eq!(put("fe0", json!({"sql_delay_ms": 250})).await, 200);
    let mut conn = connect(c, 0).await;
    let started = Instant::now();
    q(&mut conn, "SELECT 1").await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(
        put("fe0", json!({"http": "sideways"})).await,
        400,
        "unknown fault kinds are refused"
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filling_a_disk_shows_in_show_backends_and_be_metrics() {
    let sim = start(&["3.3"], shape(1, 2, 0), true).await;
    let c = &sim.clusters[0];
    let resp = post(
        &sim,
        &format!("/clusters/{}/nodes/be1/fill", c.spec.name),
        json!({"used_pct": 93.0, "path": "/data1/starrocks/storage"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut conn = connect(c, 0).await;
    let t = q(&mut conn, "SHOW BACKENDS").await;
    let row = t.find("IP", &c.node("be1").expect("be1").ip.to_string());
    assert_eq!(t.cell(row, "MaxDiskUsedPct"), Some("93.00 %"));
    let body = text(&format!("{}/metrics", be_http(c, "be1"))).await;
    let get_value = |name: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{{path=\"/data1/starrocks/storage\"}} ")))
            .and_then(|v| v.parse::<f64>().ok())
            .expect("disk metric")
    };
    let used = 1.0
        - get_value("starrocks_be_disks_avail_capacity")
            / get_value("starrocks_be_disks_total_capacity");
    assert!((used - 0.93).abs() < 1e-6, "{used}");
    let bad = post(
        &sim,
        &format!("/clusters/{}/nodes/be1/fill", c.spec.name),
        json!({"used_pct": 140}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    let bad = post(
        &sim,
        &format!("/clusters/{}/nodes/fe0/fill", c.spec.name),
        json!({"used_pct": 50}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_show_values_and_workload_changes() {
    let sim = start(&["3.3"], shape(1, 1, 0), true).await;
    let c = &sim.clusters[0];
    let name = &c.spec.name;
    control(
        &sim,
        Method::PUT,
        &format!("/clusters/{name}/show_fault"),
        json!({"corrupt": true}),
    )
    .await;
    let mut conn = connect(c, 0).await;
    let t = q(&mut conn, "SHOW BACKENDS").await;
    assert!(t
        .cell(0, "TabletNum")
        .is_some_and(|s| s.parse::<i64>().is_err()));
    assert!(t
        .cell(0, "UsedPct")
        .is_some_and(|s| s.trim_end_matches(" %").parse::<f64>().is_err()));
    control(
        &sim,
        Method::PUT,
        &format!("/clusters/{name}/show_fault"),
        json!({"corrupt": false}),
    )
    .await;
    let t = q(&mut conn, "SHOW BACKENDS").await;
    assert!(t
        .cell(0, "TabletNum")
        .is_some_and(|s| s.parse::<i64>().is_ok()));

    let resp = control(
        &sim,
        Method::PATCH,
        &format!("/clusters/{name}/workload"),
        json!({"qps": 200.0, "error_fraction": 0.5, "timeout_fraction": 0.1}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let before = truth(c).await["summary"].clone();
    post(&sim, "/clock/advance", json!({"seconds": 100})).await;
    let after = truth(c).await["summary"].clone();
    let delta = |k: &str| after[k].as_f64().unwrap_or(0.0) - before[k].as_f64().unwrap_or(0.0);
    assert!(
        (delta("query_total") / 100.0 - 200.0).abs() < 15.0,
        "qps {}",
        delta("query_total") / 100.0
    );
    assert!((delta("query_err") / delta("query_total") - 0.5).abs() < 0.02);
    assert!((delta("query_timeout") / delta("query_total") - 0.1).abs() < 0.02);
    let bad = control(
        &sim,
        Method::PATCH,
        &format!("/clusters/{name}/workload"),
        json!({"error_fraction": 2}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    let msg = bad.text().await.expect("body");
    assert!(msg.contains("error_fraction"), "{msg}");
    let bad = control(
        &sim,
        Method::PATCH,
        &format!("/clusters/{name}/workload"),
        json!({"qpz": 1}),
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        control(&sim, Method::GET, "/clusters/nope/truth", json!({}))
            .await
            .status(),
        404
    );
    assert_eq!(
        post(&sim, &format!("/clusters/{name}/nodes/be9/stop"), json!({}))
            .await
            .status(),
        404
    );
    sim.shutdown();
}
