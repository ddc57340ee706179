//! SHOW BACKENDS, SHOW COMPUTE NODES and SHOW FRONTENDS: the node lists, in each version's columns.

use std::collections::HashMap;

use super::{layout, s, varchar_set, Cells};
use crate::format::{byte_uint, pct1, pct2, pretty_bytes, time_string};
use crate::model::ClusterState;
use crate::resultset::ResultSet;

fn backend_columns(st: &ClusterState) -> Vec<&'static str> {
    let v = st.version;
    let mut cols = vec![
        "BackendId",
        "IP",
        "HeartbeatPort",
        "BePort",
        "HttpPort",
        "BrpcPort",
        "LastStartTime",
        "LastHeartbeat",
        "Alive",
        "SystemDecommissioned",
        "ClusterDecommissioned",
        "TabletNum",
        "DataUsedCapacity",
        "AvailCapacity",
        "TotalCapacity",
        "UsedPct",
        "MaxDiskUsedPct",
        "ErrMsg",
        "Version",
        "Status",
        "DataTotalCapacity",
        "DataUsedPct",
        "CpuCores",
    ];
    if v.backends_has_mem_limit() {
        cols.push("MemLimit");
    }
    cols.extend(["NumRunningQueries", "MemUsedPct", "CpuUsedPct"]);
    if v.backends_has_datacache() {
        cols.push("DataCacheMetrics");
    }
    if let Some(loc) = v.backends_location_column() {
        cols.push(loc);
    }
    if v.has_status_code() {
        cols.push("StatusCode");
    }
    if st.shared_data {
        cols.extend(["StarletPort", "WorkerId"]);
        if v >= crate::version::Version::new(3, 3, 0) {
            cols.push("WarehouseName");
        }
    }
    cols
}

fn compute_node_columns(st: &ClusterState) -> Vec<&'static str> {
    let v = st.version;
    use crate::version::Version as V;
    let mut cols = vec![
        "ComputeNodeId",
        "IP",
        "HeartbeatPort",
        "BePort",
        "HttpPort",
        "BrpcPort",
        "LastStartTime",
        "LastHeartbeat",
        "Alive",
        "SystemDecommissioned",
        "ClusterDecommissioned",
        "ErrMsg",
        "Version",
    ];
    if v >= V::new(3, 3, 0) {
        cols.extend([
            "CpuCores",
            "MemLimit",
            "NumRunningQueries",
            "MemUsedPct",
            "CpuUsedPct",
            "DataCacheMetrics",
            "HasStoragePath",
        ]);
        if v.has_status_code() {
            cols.push("StatusCode");
        }
        if st.shared_data {
            cols.extend(["StarletPort", "WorkerId", "WarehouseName", "TabletNum"]);
        }
    } else if v >= V::new(3, 0, 0) {
        cols.extend(["CpuCores", "NumRunningQueries", "MemUsedPct", "CpuUsedPct"]);
        if v >= V::new(3, 1, 0) {
            cols.push("HasStoragePath");
            if st.shared_data {
                cols.extend(["StarletPort", "WorkerId"]);
            }
        }
    }
    cols
}

fn node_cells(st: &ClusterState, i: usize) -> Cells {
    let be = &st.bes[i];
    let tz = st.tz;
    let total: i64 = be.disks.iter().map(|d| d.total).sum();
    // Backend.getAvailableCapacityB starts at 1.
    let avail: i64 = 1 + be.disks.iter().map(|d| d.avail).sum::<i64>();
    let data_used: i64 = be.disks.iter().map(|d| d.data_used).sum();
    let data_total: i64 = be.disks.iter().map(|d| d.data_used + d.avail).sum();
    let pct = |num: i64, den: i64| {
        if den <= 0 {
            0.0
        } else {
            num as f64 * 100.0 / den as f64
        }
    };
    let max_disk = be.disks.iter().map(|d| d.used_pct()).fold(0.0, f64::max);
    let mut c: Cells = HashMap::new();
    c.insert(
        if be.compute_node {
            "ComputeNodeId"
        } else {
            "BackendId"
        },
        s(be.id),
    );
    c.insert("IP", s(&be.addr.ip));
    c.insert("HeartbeatPort", s(be.heartbeat_port));
    c.insert("BePort", s(be.be_port));
    c.insert("HttpPort", s(be.addr.http_port));
    c.insert("BrpcPort", s(be.brpc_port));
    c.insert("LastStartTime", time_string(be.start_ms, tz));
    c.insert("LastHeartbeat", time_string(be.last_heartbeat_ms, tz));
    c.insert("Alive", s(be.alive));
    c.insert("SystemDecommissioned", s(false));
    c.insert("ClusterDecommissioned", s(false));
    c.insert("TabletNum", s(be.tablets));
    c.insert("DataUsedCapacity", s(byte_uint(data_used)));
    c.insert("AvailCapacity", s(byte_uint(avail)));
    c.insert("TotalCapacity", s(byte_uint(total)));
    c.insert("UsedPct", s(pct2(pct(total - avail, total))));
    c.insert("MaxDiskUsedPct", s(pct2(max_disk)));
    c.insert("ErrMsg", s(&be.err_msg));
    c.insert("Version", s(st.version.full()));
    c.insert(
        "Status",
        s(format!(
            "{{\"lastSuccessReportTabletsTime\":\"{}\"}}",
            time_string(be.last_report_ms, tz).unwrap_or_else(|| "N/A".into())
        )),
    );
    c.insert("DataTotalCapacity", s(byte_uint(data_total)));
    c.insert("DataUsedPct", s(pct2(pct(data_used, data_total))));
    c.insert("CpuCores", s(be.cpu_cores));
    c.insert("MemLimit", s(pretty_bytes(be.mem_limit)));
    c.insert("NumRunningQueries", s(be.running_queries));
    c.insert("MemUsedPct", s(pct2(pct(be.mem_used, be.mem_limit))));
    c.insert("CpuUsedPct", s(pct1(be.cpu_busy * 100.0)));
    c.insert(
        "DataCacheMetrics",
        s("Status: Normal, DiskUsage: 0B/0B, MemUsage: 0B/0B"),
    );
    c.insert("Location", s(""));
    c.insert("location", s(""));
    c.insert(
        "StatusCode",
        s(if be.alive { "OK" } else { "DISCONNECTED" }),
    );
    c.insert("HasStoragePath", s(!be.disks.is_empty()));
    c.insert("StarletPort", s(9070));
    c.insert("WorkerId", s(i + 1));
    c.insert("WarehouseName", s("default_warehouse"));
    if st.corrupt_show {
        for (k, v) in [
            ("TabletNum", "28k"),
            ("DataUsedCapacity", "2.500 XB"),
            ("UsedPct", "39,35 %"),
            ("MaxDiskUsedPct", "n/a %"),
            ("CpuUsedPct", "high"),
            ("MemUsedPct", "%"),
            ("NumRunningQueries", "-"),
        ] {
            c.insert(k, s(v));
        }
    }
    c
}

/// Rows sorted by IP string, then BePort string (`ListComparator(1,3)`).
fn sorted_nodes(st: &ClusterState, compute: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..st.bes.len())
        .filter(|&i| st.bes[i].compute_node == compute)
        .collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&st.bes[a], &st.bes[b]);
        (x.addr.ip.as_str(), x.be_port.to_string())
            .cmp(&(y.addr.ip.as_str(), y.be_port.to_string()))
    });
    idx
}

pub fn show_backends(st: &ClusterState) -> ResultSet {
    let cols = backend_columns(st);
    let rows = sorted_nodes(st, false)
        .into_iter()
        .map(|i| layout(&cols, &node_cells(st, i)))
        .collect();
    varchar_set(&cols, rows)
}

pub fn show_compute_nodes(st: &ClusterState) -> ResultSet {
    let cols = compute_node_columns(st);
    let rows = sorted_nodes(st, true)
        .into_iter()
        .map(|i| layout(&cols, &node_cells(st, i)))
        .collect();
    varchar_set(&cols, rows)
}

// ---- SHOW FRONTENDS ----------------------------------------------------------------------------

pub fn show_frontends(st: &ClusterState, answering: usize) -> ResultSet {
    let mut cols = Vec::new();
    if st.version.frontends_has_id() {
        cols.push("Id");
    }
    cols.extend([
        "Name",
        "IP",
        "EditLogPort",
        "HttpPort",
        "QueryPort",
        "RpcPort",
        "Role",
        "ClusterId",
        "Join",
        "Alive",
        "ReplayedJournalId",
        "LastHeartbeat",
        "IsHelper",
        "ErrMsg",
        "StartTime",
        "Version",
    ]);
    let local_http = st
        .fes
        .get(answering)
        .map(|f| f.addr.http_port)
        .unwrap_or(8030);
    let rows = st
        .fes
        .iter()
        .enumerate()
        .map(|(i, fe)| {
            let alive = fe.alive || i == answering;
            let role = st.role_name(i);
            let mut c: Cells = HashMap::new();
            c.insert("Id", s(fe.id));
            c.insert("Name", s(&fe.name));
            c.insert("IP", s(&fe.addr.ip));
            c.insert("EditLogPort", s(9010));
            c.insert("HttpPort", s(local_http));
            c.insert("QueryPort", s(fe.addr.query_port));
            c.insert("RpcPort", s(9020));
            c.insert("Role", s(role));
            c.insert("ClusterId", s(st.cluster_id));
            c.insert("Join", s(true));
            c.insert("Alive", s(alive));
            c.insert(
                "ReplayedJournalId",
                if st.corrupt_show {
                    s("4.8e7")
                } else {
                    s(fe.replayed_journal_id)
                },
            );
            c.insert("LastHeartbeat", time_string(fe.last_heartbeat_ms, st.tz));
            c.insert("IsHelper", s(i == 0));
            c.insert(
                "ErrMsg",
                s(if alive {
                    ""
                } else {
                    "java.net.ConnectException: Connection refused (Connection refused)"
                }),
            );
            // A dead FE's StartTime is the literal string NULL, not SQL NULL (docs/starrocks-facts.md §2).
            c.insert(
                "StartTime",
                if alive {
                    time_string(fe.start_ms, st.tz)
                } else {
                    s("NULL")
                },
            );
            c.insert("Version", s(st.version.full()));
            layout(&cols, &c)
        })
        .collect();
    varchar_set(&cols, rows)
}
