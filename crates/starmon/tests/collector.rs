//! The collector against starrocks-sim over real sockets: what it computes equals what the
//! emulator's truth says happened, for every supported version, and faults degrade it gracefully.

use std::time::Duration;

use serde_json::{json, Value};
use starmon::collector::{ClusterCollector, Collected, Target};
use starmon::config::CollectorConfig;
use starmon::model::{NodeKind, Outcome};
use starrocks_sim::{Cluster, Shape};

mod common;
use common::{clusters, control, emulator, poll_every, truth};

const VERSIONS: &[&str] = &[
    "2.5", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "4.0", "4.1",
];

/// The emulator serving clusters `c0`, `c1`, … of `versions` and `shape`, its clock frozen (the
/// tests move it).
async fn emulator_of(versions: &[&str], shape: Shape) -> starrocks_sim::Sim {
    emulator(clusters(versions, shape), true).await
}

fn cfg() -> CollectorConfig {
    CollectorConfig {
        http_timeout_ms: 1000,
        sql_timeout_ms: 2000,
        connect_timeout_ms: 1000,
        ..CollectorConfig::default()
    }
}

fn target(c: &Cluster, fe: usize) -> Target {
    let n = c.fe_node(fe).expect("fe");
    Target {
        name: c.spec.name.clone(),
        fe_host: n.ip.to_string(),
        fe_query_port: n.query_port.expect("query port"),
        fe_http_port: n.http_port,
        user: c.spec.user.clone(),
        password: c.spec.password.clone().into(),
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Collects with the emulator's model time as the clock, recording the truth just before and just
/// after, so that our own statements (which the FE counts too) bound the comparison.
async fn collect(c: &Cluster, col: &mut ClusterCollector) -> (Value, Collected, Value) {
    let before = truth(c);
    let got = col.collect_once(c.clock.now_ms()).await;
    let after = truth(c);
    (before, got, after)
}

fn sum_fe(t: &Value, key: &str) -> f64 {
    t["frontends"]
        .as_array()
        .expect("fes")
        .iter()
        .map(|fe| f(&fe["counters"][key]))
        .sum()
}

fn assert_between(what: &str, got: Option<i64>, low: f64, high: f64) {
    let got = got.unwrap_or_else(|| panic!("{what} is NULL")) as f64;
    assert!(
        got >= low && got <= high,
        "{what}: {got} not in [{low}, {high}]"
    );
}

fn close(what: &str, got: Option<f64>, want: f64, tolerance: f64) {
    let got = got.unwrap_or_else(|| panic!("{what} is NULL"));
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want} ± {tolerance}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_equal_the_truth_for_every_version() {
    let sim = emulator_of(
        VERSIONS,
        Shape {
            fes: 3,
            bes: 3,
            cns: 0,
        },
    )
    .await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut col = ClusterCollector::new(target(c, 0), cfg()).expect("collector");
        let (b0, first, a0) = collect(c, &mut col).await;
        assert_eq!(
            first.status.outcome,
            Outcome::Ok,
            "{ver}: {:?}",
            first.status.errors
        );
        assert_eq!(
            first.snapshot.query_total, None,
            "no increase on the first sample"
        );
        sim.clock.advance(30_000);
        c.with_state(|_| ());
        let (b1, got, a1) = collect(c, &mut col).await;
        assert_eq!(
            got.status.outcome,
            Outcome::Ok,
            "{ver}: {:?}",
            got.status.errors
        );
        let s = &got.snapshot;
        let t = &a1["summary"];
        assert_eq!(s.interval_secs, Some(30.0), "{ver}");
        // Counters: between the truth right after the first and right before the second
        // collection, and the truth around both (our own statements count too).
        for (field, key, value) in [
            ("query_total", "query_total", s.query_total),
            ("query_success", "query_success", s.query_success),
            ("query_error", "query_err", s.query_error),
            ("query_timeout", "query_timeout", s.query_timeout),
            ("txn_begin_total", "txn_begin", s.txn_begin_total),
            ("txn_failed_total", "txn_failed", s.txn_failed_total),
        ] {
            let low = sum_fe(&b1, key) - sum_fe(&a0, key);
            let high = sum_fe(&a1, key) - sum_fe(&b0, key);
            assert_between(&format!("{ver} {field}"), value, low, high);
        }
        let q_low = sum_fe(&b1, "query_total") - sum_fe(&a0, "query_total");
        assert!(
            q_low > 500.0,
            "{ver}: the emulator served queries ({q_low})"
        );
        close(&format!("{ver} qps"), s.qps, q_low / 30.0, 0.5);
        assert_eq!(s.fe_node_total, Some(3));
        assert_eq!(s.fe_node_alive, Some(3));
        assert_eq!(s.be_node_total, t["be_total"].as_i64());
        assert_eq!(s.be_node_alive, t["be_alive"].as_i64());
        assert_eq!(s.total_tablet_count, t["tablets"].as_i64(), "{ver}");
        assert_eq!(s.disk_total_bytes, t["disk_total_bytes"].as_i64(), "{ver}");
        assert_eq!(s.disk_used_bytes, t["disk_used_bytes"].as_i64(), "{ver}");
        assert_eq!(
            s.disk_data_used_bytes,
            t["disk_data_used_bytes"].as_i64(),
            "{ver}"
        );
        close(
            &format!("{ver} max_disk_used_pct"),
            s.max_disk_used_pct,
            f(&t["max_disk_used_pct"]),
            1e-9,
        );
        close(
            &format!("{ver} mem_usage_pct"),
            s.mem_usage_pct,
            f(&t["mem_used_pct_avg_alive"]),
            0.01,
        );
        assert_eq!(s.total_database_count, t["databases"].as_i64(), "{ver}");
        assert_eq!(s.total_table_count, t["tables"].as_i64(), "{ver}");
        assert_eq!(
            s.running_queries,
            t["running_queries"].as_i64(),
            "{ver}: running statements, not sessions"
        );
        assert_eq!(s.connections, t["connections"].as_i64(), "{ver}");
        close(
            &format!("{ver} max_compaction_score"),
            s.max_compaction_score,
            f(&t["max_compaction_score"]),
            0.0,
        );
        // CPU: 1 − Δidle/Δtotal per BE from the jiffies, averaged over the BEs.
        let cpu = cpu_from_jiffies(&a0, &b1);
        close(
            &format!("{ver} cpu_usage_pct"),
            s.cpu_usage_pct,
            cpu.iter().sum::<f64>() / cpu.len() as f64,
            1e-6,
        );
        // p99: each FE's quantile weighted by the queries it served.
        let fes = a1["frontends"].as_array().expect("fes");
        let (mut num, mut den) = (0.0, 0.0);
        for (i, fe) in fes.iter().enumerate() {
            let w = f(&fe["counters"]["query_total"])
                - f(&a0["frontends"][i]["counters"]["query_total"]);
            num += f(&fe["query_latency_ms"]["0.99"]) * w;
            den += w;
        }
        close(
            &format!("{ver} p99"),
            s.query_latency_p99,
            num / den,
            num / den * 0.01,
        );
        assert_eq!(
            s.query_latency_p50, None,
            "{ver}: the p50 gauge is 0 by default, so unknown"
        );
        // Compactions: the BE counters' increases.
        let be_sum = |t: &Value, k: &str| {
            t["backends"]
                .as_array()
                .expect("bes")
                .iter()
                .map(|b| f(&b["counters"][k]))
                .sum::<f64>()
        };
        assert_eq!(
            s.cumulative_compaction_requests_total,
            Some(
                (be_sum(&b1, "cumulative_compaction_total")
                    - be_sum(&a0, "cumulative_compaction_total")) as i64
            )
        );
        // Per-node history: every BE and FE, with the BE's disks per path.
        let be_nodes: Vec<_> = got
            .nodes
            .iter()
            .filter(|n| n.kind == Some(starmon::model::NodeKind::Be))
            .collect();
        assert_eq!(be_nodes.len(), 3);
        for (n, b) in be_nodes.iter().zip(a1["backends"].as_array().expect("bes")) {
            assert_eq!(
                n.disks.len(),
                b["disks"].as_array().map(Vec::len).unwrap_or(0)
            );
            assert_eq!(n.tablets, b["tablets"].as_i64());
            assert!(
                n.net_rx_bytes_per_sec.is_some_and(|r| r > 0.0),
                "{ver}: network rate"
            );
        }
        assert_eq!(
            got.nodes
                .iter()
                .filter(|n| n.kind == Some(starmon::model::NodeKind::Fe))
                .count(),
            3
        );
        assert!(got
            .nodes
            .iter()
            .any(|n| n.role.as_deref() == Some("LEADER")));
        col.close().await;
    }
    sim.shutdown();
}

/// CPU busy % per BE from the truth's jiffies between two readings, for the BEs alive in both.
fn cpu_from_jiffies(then: &Value, now: &Value) -> Vec<f64> {
    now["backends"]
        .as_array()
        .expect("bes")
        .iter()
        .zip(then["backends"].as_array().expect("bes"))
        .filter(|(n, t)| n["alive"] == true && t["alive"] == true)
        .map(|(now, then)| {
            let total = |b: &Value| {
                b["cpu_jiffies"]
                    .as_object()
                    .expect("jiffies")
                    .values()
                    .map(f)
                    .sum::<f64>()
            };
            let idle = |b: &Value| f(&b["cpu_jiffies"]["idle"]);
            (1.0 - (idle(now) - idle(then)) / (total(now) - total(then))) * 100.0
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_backend_is_dead_not_averaged_and_comes_back() {
    let sim = emulator_of(
        VERSIONS,
        Shape {
            fes: 1,
            bes: 3,
            cns: 0,
        },
    )
    .await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut col = ClusterCollector::new(target(c, 0), cfg()).expect("collector");
        let (_, _, a0) = collect(c, &mut col).await;
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{}/nodes/be1/stop", c.spec.name),
            json!({}),
        )
        .await;
        sim.clock.advance(30_000);
        let (b1, got, t) = collect(c, &mut col).await;
        let s = &got.snapshot;
        assert_eq!(got.status.outcome, Outcome::Partial, "{ver}");
        assert!(
            got.status
                .errors
                .iter()
                .any(|e| e.source.starts_with("be ") && e.error.contains("not alive")),
            "{ver}: {:?}",
            got.status.errors
        );
        assert_eq!(
            (s.be_node_total, s.be_node_alive),
            (Some(3), Some(2)),
            "{ver}"
        );
        // Averages over the alive BEs only: the stopped one's stale MemUsedPct/CpuUsedPct are out.
        close(
            &format!("{ver} mem_usage_pct"),
            s.mem_usage_pct,
            f(&t["summary"]["mem_used_pct_avg_alive"]),
            0.01,
        );
        let cpu = cpu_from_jiffies(&a0, &b1);
        assert_eq!(cpu.len(), 2);
        close(
            &format!("{ver} cpu_usage_pct"),
            s.cpu_usage_pct,
            cpu.iter().sum::<f64>() / 2.0,
            1e-6,
        );
        // Disks: the dead BE falls back to SHOW BACKENDS (3 decimals of TB), the others are exact.
        let total = f(&t["summary"]["disk_total_bytes"]);
        close(
            &format!("{ver} disk_total_bytes"),
            s.disk_total_bytes.map(|v| v as f64),
            total,
            0.001 * 1024f64.powi(4),
        );
        let dead = got
            .nodes
            .iter()
            .find(|n| n.alive == Some(false))
            .expect("the dead node is in the history");
        assert_eq!(dead.disks.first().map(|d| d.path.as_str()), Some("*"));
        // No live measurement of a dead node: SHOW BACKENDS still carries its last resource
        // report, which is stale. What stays true while it is down (the FE's tablet count, the
        // disks' last known sizes) stays.
        let live = [
            ("cpu_usage_pct", dead.cpu_usage_pct),
            ("mem_usage_pct", dead.mem_usage_pct),
            ("mem_used_bytes", dead.mem_used_bytes.map(|v| v as f64)),
            ("compaction_score", dead.compaction_score),
            ("running_queries", dead.running_queries.map(|v| v as f64)),
            ("net_rx_bytes_per_sec", dead.net_rx_bytes_per_sec),
            ("net_tx_bytes_per_sec", dead.net_tx_bytes_per_sec),
            ("disk_read_bytes_per_sec", dead.disk_read_bytes_per_sec),
            ("disk_write_bytes_per_sec", dead.disk_write_bytes_per_sec),
            ("qps", dead.qps),
            ("connections", dead.connections.map(|v| v as f64)),
            ("jvm_heap_used_pct", dead.jvm_heap_used_pct),
            ("query_latency_p99", dead.query_latency_p99),
        ];
        for (name, value) in live {
            assert_eq!(value, None, "{ver}: the dead BE's {name}");
        }
        assert!(
            dead.tablets.is_some(),
            "{ver}: the FE still counts its tablets"
        );
        assert!(
            dead.disk_total_bytes.is_some(),
            "{ver}: its last known disk size"
        );
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{}/nodes/be1/start", c.spec.name),
            json!({}),
        )
        .await;
        let got = poll_every(
            Duration::from_millis(50),
            Duration::from_secs(10),
            format_args!("{ver} to recover"),
            async || {
                sim.clock.advance(30_000);
                let got = col.collect_once(c.clock.now_ms()).await;
                if got.status.outcome == Outcome::Ok {
                    Ok(got)
                } else {
                    Err(format!("{:?}", got.status.errors))
                }
            },
        )
        .await;
        assert_eq!(got.snapshot.be_node_alive, Some(3));
        col.close().await;
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fe_restart_leader_move_and_failover_keep_the_figures_sane() {
    let sim = emulator_of(
        VERSIONS,
        Shape {
            fes: 3,
            bes: 2,
            cns: 0,
        },
    )
    .await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let name = &c.spec.name;
        let mut col = ClusterCollector::new(target(c, 0), cfg()).expect("collector");
        col.collect_once(c.clock.now_ms()).await;
        // Restart a follower: its counters fall to zero; no negative or huge increase.
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{name}/nodes/fe1/restart"),
            json!({}),
        )
        .await;
        sim.clock.advance(30_000);
        let (_, got, a) = collect(c, &mut col).await;
        let high = sum_fe(&a, "query_total");
        let q = got.snapshot.query_total.expect("query_total known");
        assert!(
            q >= 0 && (q as f64) < 30.0 * 60.0,
            "{ver}: {q} after a restart (lifetime total {high})"
        );
        // Move the leader: transactions continue, counted on the new leader.
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{name}/leader"),
            json!({"fe": 2}),
        )
        .await;
        let (_, _, a0) = collect(c, &mut col).await;
        sim.clock.advance(60_000);
        let (b1, got, _) = collect(c, &mut col).await;
        let new_leader_delta = f(&b1["frontends"][2]["counters"]["txn_begin"])
            - f(&a0["frontends"][2]["counters"]["txn_begin"]);
        assert!(
            new_leader_delta > 60.0,
            "{ver}: the new leader counts transactions"
        );
        assert_eq!(
            got.snapshot.txn_begin_total,
            Some(new_leader_delta as i64),
            "{ver}"
        );
        // Stop the FE the collector uses: it goes on through another FE.
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{name}/nodes/fe0/stop"),
            json!({}),
        )
        .await;
        sim.clock.advance(30_000);
        let got = col.collect_once(c.clock.now_ms()).await;
        assert_eq!(
            got.status.outcome,
            Outcome::Partial,
            "{ver}: {:?}",
            got.status.errors
        );
        assert_eq!(got.snapshot.fe_node_alive, Some(2));
        assert!(
            got.snapshot.be_node_total.is_some() && got.snapshot.qps.is_some(),
            "{ver}: collected through another FE"
        );
        // The stopped FE's row has no current figures: SHOW FRONTENDS still lists its last
        // ReplayedJournalId, which is stale.
        let dead = got
            .nodes
            .iter()
            .find(|n| n.kind == Some(NodeKind::Fe) && n.alive == Some(false))
            .expect("the stopped FE is in the history");
        assert_eq!(
            (dead.replayed_journal_id, dead.qps, dead.connections),
            (None, None, None),
            "{ver}"
        );
        assert_eq!(
            (dead.jvm_heap_used_pct, dead.query_latency_p99),
            (None, None),
            "{ver}"
        );
        col.close().await;
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_endpoints_null_their_fields_and_spare_other_clusters() {
    // Every version twice: a faulted cluster and a healthy one beside it.
    let pairs: Vec<&str> = VERSIONS.iter().flat_map(|v| [*v, *v]).collect();
    let sim = emulator_of(
        &pairs,
        Shape {
            fes: 1,
            bes: 2,
            cns: 0,
        },
    )
    .await;
    for pair in sim.clusters.chunks(2) {
        let (bad, good) = (&pair[0], &pair[1]);
        let mut col_bad = ClusterCollector::new(target(bad, 0), cfg()).expect("collector");
        let mut col_good = ClusterCollector::new(target(good, 0), cfg()).expect("collector");
        col_bad.collect_once(bad.clock.now_ms()).await;
        col_good.collect_once(good.clock.now_ms()).await;
        let faults = |node: &str, body: Value| {
            let path = format!("/clusters/{}/nodes/{node}/faults", bad.spec.name);
            let sim = &sim;
            async move { control(sim, reqwest::Method::PUT, &path, body).await }
        };
        faults("be0", json!({"http_delay_ms": 3000})).await;
        faults("be1", json!({"http": "garbage"})).await;
        faults("fe0", json!({"http": "error500"})).await;
        control(
            &sim,
            reqwest::Method::PUT,
            &format!("/clusters/{}/show_fault", bad.spec.name),
            json!({"corrupt": true}),
        )
        .await;
        sim.clock.advance(30_000);
        let (r_bad, r_good) = tokio::join!(
            col_bad.collect_once(bad.clock.now_ms()),
            col_good.collect_once(good.clock.now_ms())
        );
        let s = &r_bad.snapshot;
        assert_eq!(r_bad.status.outcome, Outcome::Partial);
        let sources: Vec<&str> = r_bad
            .status
            .errors
            .iter()
            .map(|e| e.source.as_str())
            .collect();
        let errs = format!("{:?}", r_bad.status.errors);
        assert!(errs.contains("timed out"), "slow BE: {errs}");
        assert!(
            errs.contains("not a metrics exposition"),
            "garbage BE: {errs}"
        );
        assert!(errs.contains("HTTP 500"), "failing FE: {errs}");
        assert!(errs.contains("TabletNum"), "malformed SHOW value: {errs}");
        assert!(sources.iter().any(|s| s.starts_with("SHOW BACKENDS")));
        // FE /metrics failed: everything that comes only from it is unknown, not zero.
        assert_eq!(s.query_total, None);
        assert_eq!(s.qps, None);
        assert_eq!(s.query_latency_p99, None);
        assert_eq!(
            s.total_tablet_count, None,
            "a malformed TabletNum makes the sum unknown"
        );
        // SQL still answered: node counts are known.
        assert_eq!(s.be_node_total, Some(2));
        assert!(
            r_bad.status.duration_ms < 5_000,
            "the slow endpoint is cut at its timeout"
        );
        // The other cluster did not notice.
        assert_eq!(
            r_good.status.outcome,
            Outcome::Ok,
            "{:?}",
            r_good.status.errors
        );
        assert!(r_good.snapshot.qps.is_some() && r_good.snapshot.total_tablet_count.is_some());
        col_bad.close().await;
        col_good.close().await;
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mv_refreshes_are_counted_once_and_shared_data_has_no_be_disks() {
    let sim = emulator_of(
        &["2.5", "3.3"],
        Shape {
            fes: 1,
            bes: 1,
            cns: 2,
        },
    )
    .await;
    for c in &sim.clusters {
        let mut col = ClusterCollector::new(target(c, 0), cfg()).expect("collector");
        let first = col.collect_once(c.clock.now_ms()).await;
        assert_eq!(
            first.snapshot.mv_refresh_success_total, None,
            "first look only learns what exists"
        );
        assert_eq!(first.snapshot.cn_node_total, Some(2));
        let before = truth(c);
        sim.clock.advance(1_800_000);
        let got = col.collect_once(c.clock.now_ms()).await;
        let after = truth(c);
        let d = |k: &str| f(&after["summary"][k]) - f(&before["summary"][k]);
        assert!(d("mv_refresh_success") + d("mv_refresh_failed") > 0.0);
        assert_eq!(
            got.snapshot.mv_refresh_success_total,
            Some(d("mv_refresh_success") as i64)
        );
        assert_eq!(
            got.snapshot.mv_refresh_failed_total,
            Some(d("mv_refresh_failed") as i64)
        );
        // Compute nodes have no local data disks: disk figures come from the one BE only.
        let cn_disks: usize = got
            .nodes
            .iter()
            .filter(|n| n.kind == Some(starmon::model::NodeKind::Cn))
            .map(|n| n.disks.len())
            .sum();
        assert_eq!(cn_disks, 0);
        col.close().await;
    }
    sim.shutdown();
}
