//! The synthetic history the template is filled with: per cluster and instant, a collection
//! with realistic magnitudes (a daily shape, rare partial collections, NULL figures where serve
//! writes NULL), deterministic so that every run builds the same database.

use starmon::model::{
    Collected, CollectionStatus, DiskPath, NodeKind, NodeSample, Outcome, Snapshot, SourceError,
};

use crate::{DAY_MS, STEP_MS};

/// splitmix64: a deterministic value per (cluster, instant, field) without a rand dependency.
fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Uniform in [0, 1) for (cluster, instant, field).
fn unit(cluster: i64, t: i64, field: u64) -> f64 {
    let h =
        mix64(((cluster as u64) << 40) ^ (t as u64 / 1000) ^ field.wrapping_mul(0x1000_0000_01b3));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Where cluster `c`'s samples fall within each 30 s step, so clusters do not share instants.
fn offset(c: i64) -> i64 {
    (c * 7_919) % STEP_MS
}

/// Daily shape of a workload: low at night, high in the afternoon (UTC), in [0, 1].
fn diurnal(t: i64) -> f64 {
    let phase = (t.rem_euclid(DAY_MS)) as f64 / DAY_MS as f64;
    0.5 - 0.5 * (2.0 * std::f64::consts::PI * phase).cos()
}

/// The collection of cluster `c` at `t`: a snapshot with realistic magnitudes, and its status.
/// About 0.5 % of collections are partial (FE /metrics unreachable: query figures NULL), jobs
/// figures are NULL every other sample (60 s tier), as serve writes them.
fn synthetic(c: i64, t: i64, fes: usize, bes: usize) -> (Snapshot, CollectionStatus) {
    let u = |f: u64| unit(c, t, f);
    let base_qps = 2.0 + (mix64(c as u64) % 800) as f64;
    let day = diurnal(t);
    let partial = u(1) < 0.005;
    let qps = base_qps * (0.3 + 0.9 * day) * (0.9 + 0.2 * u(2));
    let total = (qps * 30.0).round() as i64;
    let errors = (total as f64 * 0.003 * u(3)).round() as i64;
    let p50 = 4.0 + 20.0 * u(4) + 10.0 * day;
    let spike = if u(5) < 0.01 { 8.0 } else { 1.0 };
    let disk_total = (bes as i64) * 2 * 2_000_000_000_000;
    // Fill grows ~0.4 % of capacity a day from a per-cluster start between 20 % and 70 %.
    let fill = 0.2
        + 0.5 * (mix64(c as u64 ^ 0xd15c) % 1000) as f64 / 1000.0
        + 0.004 * (t as f64 / DAY_MS as f64 - 20_000.0).max(0.0);
    let fill = fill.min(0.95);
    let used = (disk_total as f64 * fill) as i64;
    let usage_pct = fill * 100.0;
    let jobs = (t / STEP_MS) % 2 == 0;
    let be_alive = if u(6) < 0.002 {
        bes as i64 - 1
    } else {
        bes as i64
    };
    let s = Snapshot {
        collected_at: t,
        interval_secs: Some(30.0 + (u(7) - 0.5) * 0.2),
        query_total: (!partial).then_some(total),
        query_success: (!partial).then_some(total - errors),
        query_error: (!partial).then_some(errors),
        query_timeout: (!partial).then_some(errors / 10),
        query_latency_p50: (!partial).then_some(p50),
        query_latency_p90: (!partial).then_some(p50 * 2.5),
        query_latency_p95: (!partial).then_some(p50 * 3.5),
        query_latency_p99: (!partial).then_some(p50 * 7.0 * spike),
        qps: (!partial).then_some(qps),
        rps: (!partial).then_some(qps * 1.2),
        disk_total_bytes: Some(disk_total),
        disk_used_bytes: Some(used),
        disk_data_used_bytes: Some((used as f64 * 0.93) as i64),
        disk_usage_pct: Some(usage_pct),
        max_disk_used_pct: Some((usage_pct + 3.0 + 4.0 * u(8)).min(100.0)),
        cpu_usage_pct: Some(8.0 + 55.0 * day + 10.0 * u(9)),
        mem_usage_pct: Some(35.0 + 20.0 * u(10)),
        be_node_total: Some(bes as i64),
        be_node_alive: Some(be_alive),
        fe_node_total: Some(fes as i64),
        fe_node_alive: Some(fes as i64),
        cn_node_total: Some(0),
        cn_node_alive: Some(0),
        total_tablet_count: Some(100_000 + (mix64(c as u64) % 50_000) as i64 + t / 3_600_000),
        total_database_count: Some(12),
        total_table_count: Some(340),
        total_data_bytes: Some((used as f64 * 0.93) as i64),
        running_queries: (!partial).then_some((qps * 0.04 * (0.5 + u(11))).round() as i64),
        connections: Some(40 + (60.0 * u(12)) as i64),
        mv_refresh_running: Some(i64::from(u(13) < 0.1)),
        mv_refresh_success_total: jobs.then_some((3.0 * u(14)) as i64),
        mv_refresh_failed_total: jobs.then_some(i64::from(u(15) < 0.01)),
        txn_begin_total: Some((120.0 * u(16)) as i64),
        txn_success_total: Some((118.0 * u(16)) as i64),
        txn_failed_total: Some(i64::from(u(17) < 0.05)),
        load_finished_total: Some((20.0 * u(18)) as i64),
        routine_load_rows_total: Some((300_000.0 * u(19)) as i64),
        max_compaction_score: Some(5.0 + 60.0 * u(20)),
        base_compaction_requests_total: Some((4.0 * u(21)) as i64),
        base_compaction_failures_total: Some(0),
        cumulative_compaction_requests_total: Some((90.0 * u(22)) as i64),
        cumulative_compaction_failures_total: Some(i64::from(u(23) < 0.02)),
        load_running: Some((5.0 * u(24)) as i64),
        routine_load_running: Some(3),
        routine_load_paused: Some(i64::from(u(25) < 0.01)),
        schema_change_running: Some(i64::from(u(26) < 0.005)),
    };
    let status = CollectionStatus {
        collected_at: t,
        outcome: if partial {
            Outcome::Partial
        } else {
            Outcome::Ok
        },
        duration_ms: 40 + (120.0 * u(27) * u(27)) as i64,
        errors: if partial {
            vec![SourceError {
                source: "fe 127.0.0.1:8030 /metrics".into(),
                error: "timed out after 5000 ms".into(),
            }]
        } else {
            Vec::new()
        },
    };
    (s, status)
}

/// The nodes of cluster `c` at `t`: FEs by name, BEs by the emulator's ids, two paths per BE.
fn synthetic_nodes(c: i64, t: i64, fes: usize, bes: usize) -> Vec<NodeSample> {
    let u = |f: u64| unit(c, t, 100 + f);
    let mut out = Vec::with_capacity(fes + bes);
    for i in 0..fes {
        out.push(NodeSample {
            node_id: format!("127.0.0.1_9010_fe{}", i + 1),
            kind: Some(NodeKind::Fe),
            host: "127.0.0.1".into(),
            alive: Some(true),
            role: Some(if i == 0 { "LEADER" } else { "FOLLOWER" }.into()),
            cpu_usage_pct: Some(5.0 + 20.0 * u(i as u64)),
            qps: Some(50.0 * u(10 + i as u64)),
            connections: Some(10 + (20.0 * u(20 + i as u64)) as i64),
            jvm_heap_used_pct: Some(30.0 + 40.0 * u(30 + i as u64)),
            query_latency_p99: Some(50.0 + 200.0 * u(40 + i as u64)),
            replayed_journal_id: Some(1_000_000 + t / 1000),
            ..NodeSample::default()
        });
    }
    for i in 0..bes {
        let k = 50 + 20 * i as u64;
        let total = 2_000_000_000_000i64;
        let disks: Vec<DiskPath> = (0..2)
            .map(|p| {
                let used = (total as f64 * (0.4 + 0.2 * u(k + p))) as i64;
                DiskPath {
                    path: format!("/data{}/starrocks/storage", p + 1),
                    total_bytes: total,
                    avail_bytes: total - used,
                    data_used_bytes: Some((used as f64 * 0.93) as i64),
                }
            })
            .collect();
        let used: i64 = disks.iter().map(|d| d.total_bytes - d.avail_bytes).sum();
        out.push(NodeSample {
            node_id: (10_001 + i).to_string(),
            kind: Some(NodeKind::Be),
            host: "127.0.0.1".into(),
            alive: Some(true),
            cpu_usage_pct: Some(10.0 + 60.0 * u(k + 3)),
            mem_usage_pct: Some(20.0 + 30.0 * u(k + 4)),
            mem_used_bytes: Some((40e9 * u(k + 5)) as i64),
            disk_total_bytes: Some(2 * total),
            disk_used_bytes: Some(used),
            disk_data_used_bytes: Some((used as f64 * 0.93) as i64),
            max_disk_used_pct: Some(60.0),
            tablets: Some(20_000 + (5_000.0 * u(k + 6)) as i64),
            compaction_score: Some(5.0 + 50.0 * u(k + 7)),
            running_queries: Some((10.0 * u(k + 8)) as i64),
            net_rx_bytes_per_sec: Some(1e8 * u(k + 9)),
            net_tx_bytes_per_sec: Some(1e8 * u(k + 10)),
            disk_read_bytes_per_sec: Some(2e8 * u(k + 11)),
            disk_write_bytes_per_sec: Some(1e8 * u(k + 12)),
            disks,
            ..NodeSample::default()
        });
    }
    out
}

/// Cluster `c`'s 30 s grid from `from_ms` (inclusive) to `to_ms` (exclusive).
pub fn instants(c: i64, from_ms: i64, to_ms: i64) -> impl Iterator<Item = i64> {
    let first = from_ms + (offset(c) - from_ms).rem_euclid(STEP_MS);
    (first..to_ms).step_by(STEP_MS as usize)
}

/// The collection of cluster `c` at `t` as serve would store it; node samples only `with_nodes`.
pub fn collection(c: i64, t: i64, with_nodes: bool, fes: usize, bes: usize) -> Collected {
    let (snapshot, status) = synthetic(c, t, fes, bes);
    let nodes = if with_nodes {
        synthetic_nodes(c, t, fes, bes)
    } else {
        Vec::new()
    };
    Collected {
        snapshot,
        nodes,
        status,
    }
}
