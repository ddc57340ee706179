//! SQL, /metrics and the control API's truth tell the same story, rounded as StarRocks rounds,
//! and a seed fixes the story.

mod common;

use common::*;
use serde_json::json;

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// `DebugUtil.getByteUint` written out again from docs/starrocks-facts.md §1.2 for the test.
fn byte_uint(b: f64) -> String {
    let units = [
        (1024f64.powi(4), "TB"),
        (1024f64.powi(3), "GB"),
        (1024f64.powi(2), "MB"),
        (1024.0, "KB"),
    ];
    for (size, unit) in units {
        if b >= size {
            return format!("{:.3} {unit}", b / size);
        }
    }
    format!("{b:.3} B")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_backends_is_the_truth_formatted() {
    let sim = start(&["3.3", "3.5"], shape(1, 3, 0), true).await;
    for c in &sim.clusters {
        control(
            &sim,
            reqwest::Method::POST,
            "/clock/advance",
            json!({"seconds": 45}),
        )
        .await;
        let t = truth(c).await;
        let mut conn = connect(c, 0).await;
        let rows = q(&mut conn, "SHOW BACKENDS").await;
        for be in t["backends"].as_array().expect("backends") {
            let row = rows.find("IP", be["host"].as_str().expect("host"));
            let disks = be["disks"].as_array().expect("disks");
            let total: f64 = disks.iter().map(|d| f(&d["total_bytes"])).sum();
            let avail: f64 = disks.iter().map(|d| f(&d["avail_bytes"])).sum::<f64>() + 1.0;
            let data: f64 = disks.iter().map(|d| f(&d["data_used_bytes"])).sum();
            assert_eq!(
                rows.cell(row, "TabletNum"),
                Some(be["tablets"].to_string().as_str())
            );
            assert_eq!(
                rows.cell(row, "TotalCapacity"),
                Some(byte_uint(total).as_str())
            );
            assert_eq!(
                rows.cell(row, "DataUsedCapacity"),
                Some(byte_uint(data).as_str())
            );
            assert_eq!(
                rows.cell(row, "UsedPct"),
                Some(format!("{:.2} %", (total - avail) * 100.0 / total).as_str())
            );
            let max = disks.iter().map(|d| f(&d["used_pct"])).fold(0.0, f64::max);
            assert_eq!(
                rows.cell(row, "MaxDiskUsedPct"),
                Some(format!("{max:.2} %").as_str())
            );
            assert_eq!(
                rows.cell(row, "CpuUsedPct"),
                Some(format!("{:.1} %", f(&be["cpu_used_pct"])).as_str())
            );
            assert_eq!(
                rows.cell(row, "MemUsedPct"),
                Some(format!("{:.2} %", f(&be["mem_used_pct"])).as_str())
            );
            // BE /metrics has the exact bytes of the same disks.
            let body = text(&format!(
                "http://{}:{}/metrics",
                be["host"].as_str().expect("host"),
                be["http_port"]
            ))
            .await;
            for d in disks {
                let line = format!(
                    "starrocks_be_disks_data_used_capacity{{path=\"{}\"}} {}",
                    d["path"].as_str().expect("path"),
                    d["data_used_bytes"]
                );
                assert!(body.contains(&line), "missing {line}");
            }
        }
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe_counters_and_running_queries_match_the_truth() {
    let sim = start(&["3.5"], shape(3, 2, 0), true).await;
    let c = &sim.clusters[0];
    control(
        &sim,
        reqwest::Method::POST,
        "/clock/advance",
        json!({"seconds": 90}),
    )
    .await;
    let mut conn = connect(c, 0).await;
    // Statements of this connection count too; read the truth after them.
    let pl = q(&mut conn, "SHOW PROCESSLIST").await;
    let t = truth(c).await;
    let running = pl
        .rows
        .iter()
        .filter(|r| r[pl.col("Command")].as_deref() == Some("Query"))
        .count();
    // Our SHOW PROCESSLIST was running while it listed; it is sleeping in the truth now.
    assert_eq!(
        running as u64,
        t["summary"]["running_queries"].as_u64().expect("count") + 1
    );
    for (i, fe) in t["frontends"].as_array().expect("fes").iter().enumerate() {
        let body = text(&format!("{}/metrics", fe_http(c, i))).await;
        for (metric, key) in [
            ("query_total", "query_total"),
            ("query_err", "query_err"),
            ("query_success", "query_success"),
            ("request_total", "request_total"),
        ] {
            let line = format!("starrocks_fe_{metric} {}", fe["counters"][key]);
            assert!(body.lines().any(|l| l == line), "fe{i}: missing {line}");
        }
        let p99 = format!(
            "starrocks_fe_query_latency_ms{{quantile=\"0.99\"}} {:.1}",
            f(&fe["query_latency_ms"]["0.99"])
        );
        assert!(body.contains(&p99), "fe{i}: missing {p99}");
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_cluster() {
    let a = start(&["3.3"], shape(3, 3, 0), true).await;
    let b = start(&["3.3"], shape(3, 3, 0), true).await;
    for sim in [&a, &b] {
        control(
            sim,
            reqwest::Method::POST,
            "/clock/advance",
            json!({"seconds": 300}),
        )
        .await;
    }
    let (ta, tb) = (truth(&a.clusters[0]).await, truth(&b.clusters[0]).await);
    for key in [
        "query_total",
        "query_err",
        "tablets",
        "disk_data_used_bytes",
        "mv_refresh_failed",
    ] {
        assert_eq!(ta["summary"][key], tb["summary"][key], "{key}");
    }
    assert_eq!(
        ta["backends"][1]["cpu_jiffies"],
        tb["backends"][1]["cpu_jiffies"]
    );
    let other = {
        let mut c = starrocks_sim::ClusterConfig::new("other", v("3.3"), 4242);
        c.shape = shape(3, 3, 0);
        starrocks_sim::Sim::start(starrocks_sim::SimConfig {
            clusters: vec![c],
            control_addr: "127.0.0.1:0".parse().expect("addr"),
            frozen_clock: true,
        })
        .await
        .expect("start")
    };
    let to = truth(&other.clusters[0]).await;
    assert_ne!(
        to["summary"]["disk_data_used_bytes"],
        ta["summary"]["disk_data_used_bytes"]
    );
    for sim in [a, b, other] {
        sim.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disks_fill_at_the_configured_rate() {
    let sim = start(&["3.3"], shape(1, 2, 0), true).await;
    let c = &sim.clusters[0];
    control(
        &sim,
        reqwest::Method::PATCH,
        &format!("/clusters/{}/workload", c.spec.name),
        json!({"disk_fill_bytes_per_sec": 1.0e6}),
    )
    .await;
    let before = f(&truth(c).await["summary"]["disk_data_used_bytes"]);
    control(
        &sim,
        reqwest::Method::POST,
        "/clock/advance",
        json!({"seconds": 2000}),
    )
    .await;
    let after = f(&truth(c).await["summary"]["disk_data_used_bytes"]);
    // 2 BEs × 2 paths × 1 MB/s × 2000 s, with ±50 % jitter per second averaging out.
    let rate = (after - before) / 2000.0 / 4.0;
    assert!((rate - 1.0e6).abs() < 0.05e6, "fill rate {rate}");
    sim.shutdown();
}
