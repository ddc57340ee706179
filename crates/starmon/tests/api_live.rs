//! The API against starrocks-sim over real sockets: clusters registered, tested, edited and removed
//! over HTTP; the real-time overview compared with the emulator's own state, its cache, and its
//! fallback to stored data when the cluster stops answering; starmon's own /metrics.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use starrocks_sim::Cluster;

mod common;

use common::{cluster, cluster_body, TestApp};

/// One 11-node-seeded cluster of `version` (frozen clock), starmon collecting it every second
/// with alerts off: the emulator's default workload fails 1 % of its queries, over StarRocks'
/// recommended alert threshold; alerts are tested in tests/alerts.rs.
async fn env(version: &str) -> TestApp {
    TestApp::builder()
        .clusters(vec![cluster("c0", version, 11)])
        .frozen_clock(true)
        .interval_secs(1)
        .timeouts_ms(1000, 1000)
        .sql_timeout_ms(2000)
        .alerts(false)
        .start()
        .await
}

#[tokio::test]
async fn clusters_are_managed_over_the_api_and_the_password_never_comes_back() {
    let e = env("3.3.0").await;
    let body = cluster_body(e.cluster(0), "prod");
    let password = body["password"].as_str().expect("pw").to_string();

    // Bad bodies name what is wrong.
    let (s, v) = e
        .send(
            reqwest::Method::POST,
            "/api/v1/clusters",
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error"].as_str().expect("msg").contains("fe_host"), "{v}");
    let mut zero_port = body.clone();
    zero_port["fe_query_port"] = json!(0);
    let (s, v) = e
        .send(reqwest::Method::POST, "/api/v1/clusters", zero_port)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().expect("msg").contains("fe_query_port"));
    let mut empty = body.clone();
    empty["name"] = json!("  ");
    let (s, _) = e
        .send(reqwest::Method::POST, "/api/v1/clusters", empty)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // A wrong password is refused before anything is stored.
    let mut wrong = body.clone();
    wrong["password"] = json!("not-the-password");
    let (s, v) = e
        .send(reqwest::Method::POST, "/api/v1/clusters", wrong.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, list) = e.get("/api/v1/clusters").await;
    assert_eq!(list["clusters"].as_array().expect("list").len(), 0);

    // The connection test of an unregistered cluster says what failed.
    let (s, v) = e
        .send(reqwest::Method::POST, "/api/v1/clusters/test", wrong)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ok"], json!(false));
    assert!(v["login_error"].is_string(), "{v}");

    let id = e.register(0, "prod").await;
    let (s, v) = e
        .send(reqwest::Method::POST, "/api/v1/clusters", body.clone())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Registered: every FE and BE of the emulator answers the test.
    let (s, v) = e
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/clusters/{id}/test"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ok"], json!(true), "{v}");
    let truth = e
        .cluster(0)
        .with_state(|st| starrocks_sim::truth::truth(st));
    let expected_nodes = truth["frontends"].as_array().expect("fes").len()
        + truth["backends"].as_array().expect("bes").len();
    assert_eq!(v["nodes"].as_array().expect("nodes").len(), expected_nodes);
    let version = truth["version"].as_str().expect("version");
    assert!(
        v["version"]
            .as_str()
            .is_some_and(|v| v.starts_with(version)),
        "{v} vs {version}"
    );

    for path in [
        "/api/v1/clusters".to_string(),
        format!("/api/v1/clusters/{id}"),
    ] {
        let r = e
            .http
            .get(format!("{}{path}", e.base))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.expect("text");
        assert!(
            !text.contains(&password),
            "{path} leaks the password: {text}"
        );
        assert!(!text.contains("password"), "{path}: {text}");
    }

    // The collector picks the new cluster up at once and stores collections.
    e.wait_for(
        &format!("/api/v1/clusters/{id}/latest"),
        Duration::from_secs(20),
        |v| v["snapshot"]["be_node_alive"].is_number(),
    )
    .await;
    let metrics = e
        .http
        .get(format!("{}/metrics", e.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"starmon_collections_total{cluster="prod",outcome="ok"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("starmon_store_size_bytes "), "{metrics}");
    assert!(metrics.contains("starmon_clusters 1"), "{metrics}");

    let (s, _) = e
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/clusters/{id}"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = e.get(&format!("/api/v1/clusters/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = e.get(&format!("/api/v1/clusters/{id}/overview")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// What the emulator says is executing, as (user, sql) pairs, leaving out real connections
/// (starmon's own).
fn running_in_sim(c: &Cluster) -> BTreeSet<(String, String)> {
    c.with_state(|st| {
        st.fes
            .iter()
            .filter(|f| f.alive)
            .flat_map(|f| f.sessions.iter())
            .filter(|s| s.command == "Query" && !s.real)
            .map(|s| (s.user.clone(), s.info.clone()))
            .collect()
    })
}

#[tokio::test]
async fn the_overview_is_live_cached_and_falls_back_to_stored_data() {
    // 3.3: each FE lists only its own connections, so every FE must be asked.
    let e = env("3.3.0").await;
    let id = e.register(0, "prod").await;
    let path = format!("/api/v1/clusters/{id}/overview");

    let r = e
        .http
        .get(format!("{}{path}", e.base))
        .send()
        .await
        .expect("overview");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["source"], json!("live"), "{v}");
    assert_eq!(v["stale"], json!(false));
    let truth = e
        .cluster(0)
        .with_state(|st| starrocks_sim::truth::truth(st));
    assert_eq!(v["summary"]["fe_node_alive"], truth["summary"]["fe_alive"]);
    assert_eq!(v["summary"]["be_node_alive"], truth["summary"]["be_alive"]);
    assert_eq!(
        v["nodes"].as_array().expect("nodes").len(),
        truth["frontends"].as_array().expect("fes").len()
            + truth["backends"].as_array().expect("bes").len()
    );

    // Running statements: the emulator's executing sessions on every FE, with their SQL text.
    let listed: BTreeSet<(String, String)> = v["running_queries"]
        .as_array()
        .expect("running queries")
        .iter()
        .map(|q| {
            (
                q["user"].as_str().unwrap_or_default().to_string(),
                q["sql"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, running_in_sim(e.cluster(0)));

    // Jobs, against the emulator's state.
    let (loads, changes, routine, mvs, dbs) = e.cluster(0).with_state(|st| {
        let loads = st.loads.iter().filter(|l| l.state != "FINISHED").count();
        let changes = st
            .schema_changes
            .iter()
            .filter(|c| c.state != "FINISHED")
            .count();
        let routine = st
            .routine_loads
            .iter()
            .filter(|r| r.state != "STOPPED" && r.state != "CANCELLED")
            .count();
        let dbs = st.catalog.dbs.iter().filter(|d| !d.system).count();
        (loads, changes, routine, st.catalog.mvs.len(), dbs)
    });
    assert_eq!(
        v["loads"].as_array().expect("loads").len(),
        loads,
        "{}",
        v["loads"]
    );
    assert_eq!(
        v["schema_changes"].as_array().expect("changes").len(),
        changes
    );
    assert_eq!(
        v["routine_loads"].as_array().expect("routine").len(),
        routine
    );
    assert_eq!(v["materialized_views"].as_array().expect("mvs").len(), mvs);
    assert_eq!(v["transactions"].as_array().expect("txns").len(), dbs);

    // Asked again at once: the same answer from the cache.
    let r = e
        .http
        .get(format!("{}{path}", e.base))
        .send()
        .await
        .expect("overview");
    let age = r
        .headers()
        .get("age")
        .and_then(|a| a.to_str().ok())
        .map(str::to_string);
    let again: Value = r.json().await.expect("json");
    assert_eq!(again["fetched_at"], v["fetched_at"]);
    assert!(age.is_some());

    // Wait for a stored snapshot, then stop every FE: the overview says so and shows it.
    e.wait_for(
        &format!("/api/v1/clusters/{id}/nodes"),
        Duration::from_secs(20),
        |v| !v["nodes"].as_array().is_none_or(|n| n.is_empty()),
    )
    .await;
    for n in &e.cluster(0).nodes {
        n.set_running(false);
    }
    let stale = e
        .wait_for(&path, Duration::from_secs(30), |v| {
            v["source"] == json!("stored")
        })
        .await;
    assert_eq!(stale["stale"], json!(true));
    assert!(
        stale["error"].as_str().is_some_and(|m| !m.is_empty()),
        "{stale}"
    );
    assert!(stale["stored_at"].is_number(), "{stale}");
    assert_eq!(
        stale["summary"]["be_node_alive"],
        truth["summary"]["be_alive"]
    );
    assert!(stale["running_queries"].is_null());
    assert!(!stale["nodes"].as_array().expect("nodes").is_empty());

    let metrics = e
        .http
        .get(format!("{}/metrics", e.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"starmon_overview_requests_total{result="hit"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_node_list_is_the_latest_collection() {
    let e = env("3.5.0").await;
    let id = e.register(0, "prod").await;
    let v = e
        .wait_for(
            &format!("/api/v1/clusters/{id}/nodes"),
            Duration::from_secs(20),
            |v| !v["nodes"].as_array().is_none_or(|n| n.is_empty()),
        )
        .await;
    let truth = e
        .cluster(0)
        .with_state(|st| starrocks_sim::truth::truth(st));
    let ids: BTreeSet<String> = v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["node_id"].as_str().expect("id").to_string())
        .collect();
    let mut expected: BTreeSet<String> = truth["backends"]
        .as_array()
        .expect("bes")
        .iter()
        .map(|b| b["id"].to_string())
        .collect();
    expected.extend(
        truth["frontends"]
            .as_array()
            .expect("fes")
            .iter()
            .map(|f| f["name"].as_str().expect("name").to_string()),
    );
    assert_eq!(ids, expected);

    // The fleet: healthy, all nodes alive as the emulator says; a stopped BE makes it a warning.
    let v = e
        .wait_for("/api/v1/fleet", Duration::from_secs(20), |v| {
            v["clusters"][0]["health"] == json!("ok")
        })
        .await;
    let c = &v["clusters"][0];
    assert_eq!(c["be_alive"], truth["summary"]["be_alive"]);
    assert_eq!(c["fe_total"], truth["summary"]["fe_total"]);
    assert_eq!(c["outcome"], json!("ok"));
    let be = e.cluster(0).node("be0").expect("be0");
    e.cluster(0).with_state(|st| st.stop_be(0));
    be.set_running(false);
    let v = e
        .wait_for("/api/v1/fleet", Duration::from_secs(20), |v| {
            v["clusters"][0]["health"] == json!("warning")
        })
        .await;
    let reasons = v["clusters"][0]["reasons"].as_array().expect("reasons");
    assert!(reasons.contains(&json!("be_dead")), "{v}");
    assert_eq!(
        v["clusters"][0]["be_alive"].as_i64(),
        truth["summary"]["be_alive"].as_i64().map(|n| n - 1)
    );

    let (s, v) = e.get("/api/v1/clusters/999/nodes").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}
