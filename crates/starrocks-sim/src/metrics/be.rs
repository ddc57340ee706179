//! The BE (and CN) `/metrics` body: `starrocks_be_` samples, in text, JSON or brpc vars form.

use super::{int, BE};
use crate::exposition::{write_be, write_bvars, write_json, Kind, Sample, Value};
use crate::model::{ClusterState, CPU_MODES};

/// The BE (or CN) `/metrics` body for backend `i`.
pub fn be_metrics(st: &ClusterState, i: usize, json: bool) -> String {
    let b = &st.bes[i];
    let v = st.version;
    let g = |name: &str, val: Value| Sample::new(format!("{BE}{name}"), Kind::Gauge, "", val);
    let c = |name: &str, val: u64| Sample::new(format!("{BE}{name}"), Kind::Counter, "", int(val));
    let mut s = Vec::with_capacity(200);
    for (mode, jiffies) in CPU_MODES.iter().zip(b.cpu_jiffies) {
        s.push(c("cpu", jiffies).label("mode", *mode));
    }
    for d in &b.disks {
        s.push(g("disks_total_capacity", int(d.total)).label("path", d.path.clone()));
        s.push(g("disks_avail_capacity", int(d.avail)).label("path", d.path.clone()));
        s.push(g("disks_data_used_capacity", int(d.data_used)).label("path", d.path.clone()));
        s.push(g("disks_state", int(1)).label("path", d.path.clone()));
    }
    let devices: Vec<String> = (0..b.disks.len().max(1))
        .map(|k| format!("vd{}", (b'b' + k as u8) as char))
        .collect();
    let per = |x: u64| x / devices.len() as u64;
    for dev in &devices {
        s.push(c("disk_bytes_read", per(b.disk_read_bytes)).label("device", dev.clone()));
        s.push(c("disk_bytes_written", per(b.disk_written_bytes)).label("device", dev.clone()));
        s.push(c("disk_io_time_ms", per(b.disk_io_time_ms)).label("device", dev.clone()));
        s.push(
            c("disk_io_time_weigthed", per(b.disk_io_time_ms) * 31).label("device", dev.clone()),
        );
        s.push(
            c("disk_reads_completed", per(b.disk_read_bytes) / 78_000).label("device", dev.clone()),
        );
        s.push(
            c("disk_writes_completed", per(b.disk_written_bytes) / 101_000)
                .label("device", dev.clone()),
        );
        s.push(c("disk_read_time_ms", per(b.disk_io_time_ms) / 8).label("device", dev.clone()));
        s.push(c("disk_write_time_ms", per(b.disk_io_time_ms) * 27).label("device", dev.clone()));
    }
    for (dev, rx, tx) in [
        ("eth0", b.net_rx_bytes, b.net_tx_bytes),
        ("lo", 918_227_733_110, 918_227_733_110),
    ] {
        s.push(c("network_receive_bytes", rx).label("device", dev));
        s.push(c("network_send_bytes", tx).label("device", dev));
        s.push(c("network_receive_packets", rx / 1_050).label("device", dev));
        s.push(c("network_send_packets", tx / 1_180).label("device", dev));
    }
    let k = &b.counters;
    let engine: [(&str, &str, u64); 16] = [
        ("base_compaction", "total", k.base_compaction_total),
        ("base_compaction", "failed", k.base_compaction_failed),
        (
            "cumulative_compaction",
            "total",
            k.cumulative_compaction_total,
        ),
        (
            "cumulative_compaction",
            "failed",
            k.cumulative_compaction_failed,
        ),
        ("publish", "total", k.publish_total),
        ("publish", "failed", k.publish_failed),
        ("report_tablet", "total", k.report_tablet_total),
        ("report_tablet", "failed", 0),
        ("create_tablet", "total", k.create_tablet_total),
        ("create_tablet", "failed", 0),
        ("clone", "total", k.clone_total),
        ("clone", "failed", 0),
        ("schema_change", "total", k.schema_change_total),
        ("schema_change", "failed", k.schema_change_failed),
        ("drop_tablet", "total", k.create_tablet_total / 3),
        ("storage_migrate", "total", 0),
    ];
    for (ty, status, val) in engine {
        // Label text order is status then type, whatever order they are given in.
        s.push(
            c("engine_requests_total", val)
                .label("type", ty)
                .label("status", status),
        );
    }
    for (ty, bytes) in [
        ("base", k.compaction_bytes_base),
        ("cumulative", k.compaction_bytes_cumulative),
        ("update", 0),
    ] {
        s.push(c("compaction_bytes_total", bytes).label("type", ty));
    }
    s.push(g("tablet_base_max_compaction_score", int(b.base_score)));
    s.push(g(
        "tablet_cumulative_max_compaction_score",
        int(b.cumulative_score),
    ));
    s.push(g("tablet_update_max_compaction_score", int(0)));
    s.push(g("process_mem_bytes", int(b.mem_used)));
    s.push(g("query_mem_bytes", int(b.mem_used / 6)));
    s.push(g("load_mem_bytes", int(b.mem_used / 20)));
    s.push(g(
        "jemalloc_allocated_bytes",
        int(b.mem_used - b.mem_used / 40),
    ));
    s.push(g(
        "jemalloc_resident_bytes",
        int(b.mem_used + b.mem_used / 10),
    ));
    s.push(g("process_fd_num_used", int(5_217)));
    s.push(g("process_fd_num_limit_soft", int(6_553_600)));
    s.push(g("process_thread_num", int(3_211)));
    s.push(g("fd_num_used", int(5_217)));
    s.push(g("fd_num_limit", int(6_553_600)));
    s.push(g(
        "max_disk_io_util_percent",
        int((b.cpu_busy * 50.0) as i64),
    ));
    s.push(g("query_cache_hit_ratio", Value::Double(0.0)));
    s.push(g("query_cache_usage_ratio", Value::Double(0.0)));
    s.push(c("query_scan_bytes", k.query_scan_bytes));
    s.push(c("query_scan_rows", k.query_scan_rows));
    s.push(c("fragment_requests_total", k.fragment_requests));
    s.push(c("load_rows", k.load_rows));
    s.push(c("load_bytes", k.load_bytes));
    s.push(g("resource_group_running_queries", int(b.running_queries)).label("name", "default_wg"));
    for (ty, deltas) in [
        ("base", k.base_compaction_total),
        ("cumulative", k.cumulative_compaction_total * 4),
        ("update", 0),
    ] {
        s.push(c("compaction_deltas_total", deltas).label("type", ty));
    }
    s.push(c("disk_sync_total", k.load_rows / 50));
    s.push(c(
        "fragment_request_duration_us",
        k.fragment_requests * 223_000,
    ));
    s.push(c("memtable_flush_total", k.load_rows / 420));
    for (ty, n) in [
        ("read", k.fragment_requests * 7),
        ("write", k.load_rows / 70),
    ] {
        s.push(c("meta_request_total", n).label("type", ty));
        s.push(c("meta_request_duration", n * 73).label("type", ty));
    }
    for name in [
        "push_request_duration_us",
        "push_request_write_bytes",
        "push_request_write_rows",
    ] {
        s.push(c(name, 0));
    }
    s.push(g("push_request_write_bytes_per_second", int(0)));
    for status in ["SUCCESS", "FAIL"] {
        s.push(c("push_requests_total", 0).label("status", status));
    }
    for (name, val) in [
        ("jemalloc_active_bytes", b.mem_used + b.mem_used / 15),
        ("jemalloc_mapped_bytes", b.mem_used + b.mem_used / 5),
        ("jemalloc_metadata_bytes", b.mem_used / 33),
        ("jemalloc_metadata_thp", 0),
        ("jemalloc_retained_bytes", b.mem_used / 2),
        ("max_network_receive_bytes_rate", 88_211_390),
        ("max_network_send_bytes_rate", 61_300_177),
        ("page_cache_capacity", b.mem_limit / 5),
        ("process_fd_num_limit_hard", 6_553_600),
        ("query_cache_capacity", 536_870_912),
        ("query_cache_usage", 0),
        ("query_cache_lookup_count", 0),
        ("query_cache_hit_count", 0),
        ("query_scan_bytes_per_second", (b.cpu_busy * 1.2e9) as i64),
        (
            "page_cache_lookup_count",
            (k.query_scan_rows / 10_000) as i64,
        ),
        ("page_cache_hit_count", (k.query_scan_rows / 12_000) as i64),
    ] {
        s.push(g(name, int(val)));
    }
    for (name, n) in [
        ("tcp_in_errs", 2u64),
        ("tcp_in_segs", b.net_rx_bytes / 990),
        ("tcp_out_segs", b.net_tx_bytes / 960),
        ("tcp_retrans_segs", b.net_tx_bytes / 55_000_000),
    ] {
        s.push(c("snmp", n).label("name", name));
    }
    s.push(c("stream_load", k.load_rows / 8).label("type", "load_rows"));
    s.push(c("stream_load", k.load_bytes / 8).label("type", "receive_bytes"));
    for (name, total, current) in [("BackendService", 8_811u64, 37i64), ("heartbeat", 3, 3)] {
        s.push(c("thrift_connections_total", total).label("name", name));
        s.push(g("thrift_current_connections", int(current)).label("name", name));
    }
    let txns = k.publish_total / 400;
    for (ty, n) in [
        ("begin", txns),
        ("commit", txns - txns / 100),
        ("exec", txns),
        ("rollback", txns / 100),
    ] {
        s.push(c("txn_request", n).label("type", ty));
    }
    if v.be_has_compaction_task_gauges() {
        s.push(g(
            "running_base_compaction_task_num",
            int(i64::from(b.base_score > 5)),
        ));
        s.push(g(
            "running_cumulative_compaction_task_num",
            int((b.cumulative_score / 10).min(8)),
        ));
        s.push(g("max_tablet_rowset_num", int(b.cumulative_score * 5 + 20)));
        s.push(g("running_update_compaction_task_num", int(0)));
        s.push(g("wait_base_compaction_task_num", int(0)));
        s.push(g(
            "wait_cumulative_compaction_task_num",
            int((b.cumulative_score / 20).min(6)),
        ));
        s.push(g("base_compaction_task_byte_per_second", int(0)));
        s.push(g("base_compaction_task_cost_time_ms", int(0)));
        s.push(c("update_compaction_duration_us", 0).label("type", "update"));
    }
    if json {
        return write_json(&s, BE);
    }
    let mut out = String::with_capacity(16 * 1024);
    write_be(&mut out, &s);
    if v.be_appends_bvar() {
        write_bvars(
            &mut out,
            &[
                ("bthread_count", "187".into()),
                ("bthread_worker_count", "33".into()),
                (
                    "process_cpu_usage",
                    format!("{:.3}", b.cpu_busy * f64::from(b.cpu_cores)),
                ),
            ],
        );
    }
    out
}
