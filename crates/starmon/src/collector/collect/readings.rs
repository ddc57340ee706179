//! What one FE's or BE's `/metrics` says, as counter readings and gauges: the names and labels
//! starmon reads from the exposition (docs/starrocks-facts.md §latency, §BE metrics), nothing about time.

use std::collections::HashMap;

use crate::collector::arith::Reading;
use crate::model::DiskPath;
use crate::starrocks::prom::Exposition;

/// FE counters read from /metrics into `Reading`s (summed over `is_leader`/`user` series).
pub const FE_COUNTERS: &[(&str, &str)] = &[
    ("query_total", "starrocks_fe_query_total"),
    ("query_success", "starrocks_fe_query_success"),
    ("query_err", "starrocks_fe_query_err"),
    ("query_timeout", "starrocks_fe_query_timeout"),
    ("request_total", "starrocks_fe_request_total"),
    ("txn_begin", "starrocks_fe_txn_begin"),
    ("txn_success", "starrocks_fe_txn_success"),
    ("txn_failed", "starrocks_fe_txn_failed"),
    ("load_finished", "starrocks_fe_load_finished"),
    ("routine_load_rows", "starrocks_fe_routine_load_rows"),
];

/// What one FE's /metrics says.
pub struct FeMetrics {
    pub reading: Reading,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub connections: Option<f64>,
    pub heap_pct: Option<f64>,
    pub is_master: bool,
    pub exp: Exposition,
}

pub fn fe_metrics(exp: Exposition, epoch: Option<String>) -> FeMetrics {
    let mut values = HashMap::new();
    for (key, name) in FE_COUNTERS {
        if let Some(v) = exp.sum(name, &[]) {
            values.insert(*key, v);
        }
    }
    // The p50/p90 gauge is 0.0 unless enable_collect_query_detail_info: 0 means "not collected".
    let gauge = |ty: &str| {
        exp.value("starrocks_fe_query_latency", &[("type", ty)])
            .filter(|v| *v > 0.0)
    };
    let heap = |ty: &str| exp.value("jvm_heap_size_bytes", &[("type", ty)]);
    FeMetrics {
        p50: gauge("50_quantile"),
        p90: gauge("90_quantile"),
        p95: exp.value("starrocks_fe_query_latency_ms", &[("quantile", "0.95")]),
        p99: exp.value("starrocks_fe_query_latency_ms", &[("quantile", "0.99")]),
        connections: exp.sum("starrocks_fe_connection_total", &[]),
        heap_pct: match (heap("used"), heap("max")) {
            (Some(u), Some(m)) if m > 0.0 => Some(u * 100.0 / m),
            _ => None,
        },
        is_master: exp.value("node_info", &[("type", "is_master")]) == Some(1.0),
        reading: Reading { epoch, values },
        exp,
    }
}

/// What one BE's /metrics says.
pub struct BeMetrics {
    pub process: Reading,
    pub host: Reading,
    pub disks: Vec<DiskPath>,
    pub mem_bytes: Option<f64>,
    pub compaction_score: Option<f64>,
}

pub fn be_metrics(exp: &Exposition, epoch: Option<String>) -> BeMetrics {
    let mut process = HashMap::new();
    for (key, ty, status) in [
        ("base_total", "base_compaction", "total"),
        ("base_failed", "base_compaction", "failed"),
        ("cumu_total", "cumulative_compaction", "total"),
        ("cumu_failed", "cumulative_compaction", "failed"),
    ] {
        if let Some(v) = exp.value(
            "starrocks_be_engine_requests_total",
            &[("type", ty), ("status", status)],
        ) {
            process.insert(key, v);
        }
    }
    let mut host = HashMap::new();
    if let (Some(idle), Some(total)) = (
        exp.value("starrocks_be_cpu", &[("mode", "idle")]),
        exp.sum("starrocks_be_cpu", &[]),
    ) {
        host.insert("cpu_idle", idle);
        host.insert("cpu_total", total);
    }
    let not_lo = |name: &str| -> Option<f64> {
        let mut any = false;
        let sum = exp
            .matching(name, &[])
            .filter(|s| s.label("device") != Some("lo"))
            .map(|s| {
                any = true;
                s.value
            })
            .sum::<f64>();
        any.then_some(sum)
    };
    for (key, name) in [
        ("net_rx", "starrocks_be_network_receive_bytes"),
        ("net_tx", "starrocks_be_network_send_bytes"),
        ("disk_read", "starrocks_be_disk_bytes_read"),
        ("disk_write", "starrocks_be_disk_bytes_written"),
    ] {
        if let Some(v) = not_lo(name) {
            host.insert(key, v);
        }
    }
    let mut disks: Vec<DiskPath> = exp
        .matching("starrocks_be_disks_total_capacity", &[])
        .filter_map(|s| {
            let path = s.label("path")?.to_string();
            let avail = exp.value("starrocks_be_disks_avail_capacity", &[("path", &path)])?;
            let data = exp.value("starrocks_be_disks_data_used_capacity", &[("path", &path)]);
            Some(DiskPath {
                total_bytes: s.value as i64,
                avail_bytes: avail as i64,
                data_used_bytes: data.map(|d| d as i64),
                path,
            })
        })
        .collect();
    disks.sort_by(|a, b| a.path.cmp(&b.path));
    let scores = [
        exp.value("starrocks_be_tablet_base_max_compaction_score", &[]),
        exp.value("starrocks_be_tablet_cumulative_max_compaction_score", &[]),
    ];
    BeMetrics {
        process: Reading {
            epoch: epoch.clone(),
            values: process,
        },
        host: Reading {
            epoch,
            values: host,
        },
        disks,
        mem_bytes: exp.value("starrocks_be_process_mem_bytes", &[]),
        compaction_score: scores.into_iter().flatten().reduce(f64::max),
    }
}
