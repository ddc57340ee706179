//! SHOW statements and information_schema tables, rendered from the model with the columns,
//! order and value formats of the emulated version (FACTS.md §1–5).
//!
//! Rows are built as name → value pairs and laid out by the version's column list, so a column
//! that a version adds or renames is one entry in a list, not another code path.

use std::collections::HashMap;

use crate::format::{byte_uint, pct1, pct2, pretty_bytes, pretty_ms, time_string};
use crate::infoschema::Table as InfoTable;
use crate::model::ClusterState;
use crate::resultset::{ColType, Column, ResultSet, Row, SqlError};

type Cells = HashMap<&'static str, Option<String>>;

fn s(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// Lays out `cells` in `columns` order; a column the row does not know is SQL NULL.
fn layout(columns: &[&str], cells: &Cells) -> Row {
    columns
        .iter()
        .map(|c| cells.get(c).cloned().flatten())
        .collect()
}

fn varchar_set(columns: &[&str], rows: Vec<Row>) -> ResultSet {
    let mut rs = ResultSet::varchar(columns);
    rs.rows = rows;
    rs
}

pub fn no_database() -> SqlError {
    SqlError::new(1046, b"3D000", "No database selected")
}

fn unknown_db(db: &str) -> SqlError {
    SqlError::new(1049, b"42000", format!("Unknown database '{db}'"))
}

// ---- SHOW BACKENDS / COMPUTE NODES -------------------------------------------------------------

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
            // A dead FE's StartTime is the literal string NULL, not SQL NULL (FACTS §2).
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

// ---- SHOW PROCESSLIST --------------------------------------------------------------------------

pub fn show_processlist(st: &ClusterState, fe_idx: usize, full: bool) -> ResultSet {
    let cols = st.version.processlist_columns();
    let fes: Vec<usize> = if st.version.processlist_all_fes() {
        (0..st.fes.len())
            .filter(|&i| st.fes[i].alive || i == fe_idx)
            .collect()
    } else {
        vec![fe_idx]
    };
    let mut rows = Vec::new();
    for i in fes {
        let Some(fe) = st.fes.get(i) else { continue };
        for sess in &fe.sessions {
            let mut info = sess.info.clone();
            if !full && info.chars().count() > 100 {
                info = info.chars().take(100).collect();
            }
            let mut c: Cells = HashMap::new();
            c.insert("ServerName", s(&fe.name));
            c.insert("Id", s(sess.id));
            c.insert("User", s(&sess.user));
            c.insert("Host", s(&sess.host));
            c.insert("Db", s(&sess.db));
            c.insert("Command", s(sess.command));
            c.insert("ConnectionStartTime", time_string(sess.connect_ms, st.tz));
            c.insert(
                "Time",
                s(((st.now_ms - sess.command_start_ms) / 1000).max(0)),
            );
            c.insert("State", s(sess.state));
            c.insert("Info", s(info));
            c.insert("IsPending", s(false));
            c.insert("Warehouse", s("default_warehouse"));
            c.insert("CNGroup", s(""));
            c.insert("Catalog", s("default_catalog"));
            c.insert(
                "QueryId",
                if sess.command == "Query" {
                    s(format!(
                        "{:08x}-0000-4000-8000-{:012x}",
                        sess.id, sess.command_start_ms
                    ))
                } else {
                    None
                },
            );
            rows.push(layout(&cols, &c));
        }
    }
    let mut rs = varchar_set(&cols, rows);
    for col in rs.columns.iter_mut() {
        col.ty = match col.name.as_str() {
            "Id" => ColType::BigInt,
            "Time" => ColType::Int,
            _ => ColType::Varchar,
        };
    }
    rs
}

// ---- databases and data sizes ------------------------------------------------------------------

pub fn show_databases(st: &ClusterState) -> ResultSet {
    let mut names: Vec<&str> = st.catalog.dbs.iter().map(|d| d.name.as_str()).collect();
    names.sort_unstable();
    varchar_set(
        &["Database"],
        names.into_iter().map(|n| vec![s(n)]).collect(),
    )
}

fn replica_count(data_length: i64, replicas: i64) -> i64 {
    // Buckets grow with size: 16 per GiB of one replica, at least 16.
    (16 * (1 + data_length / replicas.max(1) / (1 << 30))) * replicas
}

pub fn show_data(
    st: &ClusterState,
    db: Option<&str>,
    table: Option<&str>,
) -> Result<ResultSet, SqlError> {
    let db = db.ok_or_else(no_database)?;
    if st.catalog.db(db).is_none() {
        return Err(unknown_db(db));
    }
    let mut tables: Vec<_> = st
        .catalog
        .tables_of(db)
        .filter(|t| t.engine == "StarRocks")
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(tbl) = table {
        let t = tables
            .iter()
            .find(|t| t.name == tbl)
            .ok_or_else(|| SqlError::analysis(format!("Unknown table '{db}.{tbl}'")))?;
        let rc = replica_count(t.data_length, t.replicas);
        return Ok(varchar_set(
            &["TableName", "IndexName", "Size", "ReplicaCount", "RowCount"],
            vec![
                vec![
                    s(&t.name),
                    s(&t.name),
                    s(byte_uint(t.data_length)),
                    s(rc),
                    s(t.rows),
                ],
                vec![s(""), s("Total"), s(byte_uint(t.data_length)), s(rc), s("")],
            ],
        ));
    }
    let mut rows = Vec::new();
    let (mut size, mut replicas) = (0i64, 0i64);
    for t in &tables {
        let rc = replica_count(t.data_length, t.replicas);
        size += t.data_length;
        replicas += rc;
        rows.push(vec![s(&t.name), s(byte_uint(t.data_length)), s(rc)]);
    }
    rows.push(vec![s("Total"), s(byte_uint(size)), s(replicas)]);
    rows.push(vec![s("Quota"), s(byte_uint(i64::MAX)), s(i64::MAX)]);
    rows.push(vec![
        s("Left"),
        s(byte_uint(i64::MAX - size)),
        s(i64::MAX - replicas),
    ]);
    Ok(varchar_set(&["TableName", "Size", "ReplicaCount"], rows))
}

// ---- loads, routine loads, schema changes, profiles, transactions --------------------------------

fn require_db<'a>(st: &ClusterState, db: Option<&'a str>) -> Result<&'a str, SqlError> {
    let db = db.ok_or_else(no_database)?;
    if st.catalog.db(db).is_none() {
        return Err(unknown_db(db));
    }
    Ok(db)
}

pub fn show_routine_load(
    st: &ClusterState,
    db: Option<&str>,
    all: bool,
) -> Result<ResultSet, SqlError> {
    let db = require_db(st, db)?;
    use crate::version::Version as V;
    let v = st.version;
    let mut cols = vec![
        "Id",
        "Name",
        "CreateTime",
        "PauseTime",
        "EndTime",
        "DbName",
        "TableName",
        "State",
        "DataSourceType",
        "CurrentTaskNum",
        "JobProperties",
        "DataSourceProperties",
        "CustomProperties",
        "Statistic",
        "Progress",
    ];
    if v >= V::new(3, 3, 0) {
        cols.extend([
            "TimestampProgress",
            "ReasonOfStateChanged",
            "ErrorLogUrls",
            "TrackingSQL",
            "OtherMsg",
        ]);
        if st.shared_data {
            cols.push("Warehouse");
        }
        cols.push("LatestSourcePosition");
        if v >= V::new(3, 4, 0) {
            cols.push("OffsetLag");
        }
    } else if v >= V::new(3, 2, 0) {
        cols.extend([
            "ReasonOfStateChanged",
            "ErrorLogUrls",
            "TrackingSQL",
            "OtherMsg",
        ]);
    } else {
        cols.extend(["ReasonOfStateChanged", "ErrorLogUrls", "OtherMsg"]);
    }
    let rows = st
        .routine_loads
        .iter()
        .filter(|r| r.db == db && (all || !matches!(r.state, "STOPPED" | "CANCELLED")))
        .map(|r| {
            let loaded = r.total_rows - r.error_rows;
            let elapsed_s = ((st.now_ms - r.create_ms) / 1000).max(1) as u64;
            let statistic = format!(
                "{{\"receivedBytes\":{},\"errorRows\":{},\"committedTaskNum\":{},\"loadedRows\":{},\"loadRowsRate\":{},\"abortedTaskNum\":{},\"totalRows\":{},\"unselectedRows\":0,\"receivedBytesRate\":{},\"taskExecuteTimeMs\":{}}}",
                r.received_bytes,
                r.error_rows,
                r.committed_tasks,
                loaded,
                loaded / elapsed_s,
                r.aborted_tasks,
                r.total_rows,
                r.received_bytes / elapsed_s,
                r.committed_tasks * 9_800,
            );
            let progress = format!(
                "{{\"0\":\"{}\",\"1\":\"{}\",\"2\":\"{}\"}}",
                r.offsets[0], r.offsets[1], r.offsets[2]
            );
            let mut c: Cells = HashMap::new();
            c.insert("Id", s(r.id));
            c.insert("Name", s(&r.name));
            c.insert("CreateTime", time_string(r.create_ms, st.tz));
            c.insert("PauseTime", r.pause_ms.and_then(|m| time_string(m, st.tz)));
            c.insert("EndTime", None);
            c.insert("DbName", s(&r.db));
            c.insert("TableName", s(&r.table));
            c.insert("State", s(r.state));
            c.insert("DataSourceType", s("KAFKA"));
            c.insert("CurrentTaskNum", s(if r.state == "RUNNING" { 3 } else { 0 }));
            c.insert(
                "JobProperties",
                s("{\"partitions\":\"*\",\"columnToColumnExpr\":\"*\",\"maxBatchIntervalS\":\"10\",\"whereExpr\":\"*\",\"dataFormat\":\"json\",\"timezone\":\"Asia/Shanghai\",\"format\":\"json\",\"json_root\":\"\",\"strict_mode\":\"false\",\"jsonpaths\":\"\",\"taskTimeoutSecond\":\"60\",\"desireTaskConcurrentNum\":\"3\",\"maxErrorNum\":\"0\",\"strip_outer_array\":\"false\",\"currentTaskConcurrentNum\":\"3\",\"maxBatchRows\":\"200000\"}"),
            );
            c.insert(
                "DataSourceProperties",
                s(format!("{{\"topic\":\"{}\",\"currentKafkaPartitions\":\"0,1,2\",\"brokerList\":\"kafka-1:9092,kafka-2:9092\"}}", r.name)),
            );
            c.insert("CustomProperties", s(format!("{{\"group.id\":\"{}_group\"}}", r.name)));
            c.insert("Statistic", s(statistic));
            c.insert("Progress", s(progress));
            c.insert("TimestampProgress", s("{}"));
            c.insert("ReasonOfStateChanged", s(&r.reason));
            c.insert("ErrorLogUrls", s(""));
            c.insert("TrackingSQL", s(""));
            c.insert("OtherMsg", s(""));
            c.insert("Warehouse", s("default_warehouse"));
            c.insert("LatestSourcePosition", s("{}"));
            c.insert("OffsetLag", s("{}"));
            layout(&cols, &c)
        })
        .collect();
    Ok(varchar_set(&cols, rows))
}

pub fn show_load(st: &ClusterState, db: Option<&str>) -> Result<ResultSet, SqlError> {
    let db = require_db(st, db)?;
    use crate::version::Version as V;
    let v = st.version;
    let mut cols = vec!["JobId", "Label", "State", "Progress", "Type", "Priority"];
    if v >= V::new(3, 0, 0) {
        cols.extend(["ScanRows", "FilteredRows", "UnselectedRows", "SinkRows"]);
    }
    cols.extend([
        "EtlInfo",
        "TaskInfo",
        "ErrorMsg",
        "CreateTime",
        "EtlStartTime",
        "EtlFinishTime",
        "LoadStartTime",
        "LoadFinishTime",
    ]);
    cols.push(if v >= V::new(3, 0, 0) {
        "TrackingSQL"
    } else {
        "URL"
    });
    cols.push("JobDetails");
    if v >= V::new(3, 3, 0) {
        cols.push("Warehouse");
    }
    let rows = st
        .loads
        .iter()
        .filter(|j| j.db == db)
        .map(|j| {
            let loaded_pct = match j.state {
                "FINISHED" => 100,
                "PENDING" => 0,
                "CANCELLED" => 0,
                _ => (((st.now_ms - j.create_ms) * 100) / (j.ends_ms - j.create_ms).max(1)).min(99),
            };
            let mut c: Cells = HashMap::new();
            c.insert("JobId", s(j.id));
            c.insert("Label", s(&j.label));
            c.insert("State", s(j.state));
            c.insert(
                "Progress",
                s(match j.state {
                    "CANCELLED" => "ETL:N/A; LOAD:N/A".to_string(),
                    "PENDING" => "ETL:0%; LOAD:0%".to_string(),
                    _ => format!("ETL:100%; LOAD:{loaded_pct}%"),
                }),
            );
            c.insert("Type", s(j.kind));
            c.insert("Priority", s("NORMAL"));
            c.insert("ScanRows", s(j.rows * loaded_pct as u64 / 100));
            c.insert("FilteredRows", s(0));
            c.insert("UnselectedRows", s(0));
            c.insert("SinkRows", s(j.rows * loaded_pct as u64 / 100));
            c.insert("EtlInfo", None);
            c.insert("TaskInfo", s("resource:N/A; timeout(s):14400; max_filter_ratio:0.0"));
            c.insert("ErrorMsg", if j.state == "CANCELLED" { j.error.clone() } else { None });
            c.insert("CreateTime", time_string(j.create_ms, st.tz));
            c.insert("EtlStartTime", time_string(j.create_ms, st.tz));
            c.insert("EtlFinishTime", time_string(j.create_ms, st.tz));
            c.insert("LoadStartTime", time_string(j.create_ms + 500, st.tz));
            c.insert("LoadFinishTime", j.finish_ms.and_then(|m| time_string(m, st.tz)));
            c.insert("URL", None);
            c.insert("TrackingSQL", s(""));
            c.insert(
                "JobDetails",
                s(format!(
                    "{{\"Unfinished backends\":{{}},\"ScannedRows\":{},\"TaskNumber\":1,\"LoadBytes\":{},\"All backends\":{{}},\"FileNumber\":0,\"FileSize\":0}}",
                    j.rows,
                    j.rows * 120
                )),
            );
            c.insert("Warehouse", s("default_warehouse"));
            layout(&cols, &c)
        })
        .collect();
    Ok(varchar_set(&cols, rows))
}

pub fn show_alter_column(st: &ClusterState, db: Option<&str>) -> Result<ResultSet, SqlError> {
    let db = require_db(st, db)?;
    let mut cols = vec![
        "JobId",
        "TableName",
        "CreateTime",
        "FinishTime",
        "IndexName",
        "IndexId",
        "OriginIndexId",
        "SchemaVersion",
        "TransactionId",
        "State",
        "Msg",
        "Progress",
        "Timeout",
    ];
    if st.shared_data && st.version >= crate::version::Version::new(3, 3, 0) {
        cols.push("Warehouse");
    }
    let rows = st
        .schema_changes
        .iter()
        .filter(|j| j.db == db)
        .map(|j| {
            let mut c: Cells = HashMap::new();
            c.insert("JobId", s(j.job_id));
            c.insert("TableName", s(&j.table));
            c.insert("CreateTime", time_string(j.create_ms, st.tz));
            c.insert(
                "FinishTime",
                j.finish_ms.and_then(|m| time_string(m, st.tz)),
            );
            c.insert("IndexName", s(&j.table));
            c.insert("IndexId", s(j.job_id + 1));
            c.insert("OriginIndexId", s(j.job_id - 1000));
            c.insert("SchemaVersion", s("1:1987543210"));
            c.insert("TransactionId", s(j.txn_id));
            c.insert("State", s(j.state));
            c.insert("Msg", s(""));
            c.insert(
                "Progress",
                if j.state == "RUNNING" {
                    s(format!("{}/{}", j.done_tablets, j.total_tablets))
                } else {
                    None
                },
            );
            c.insert("Timeout", s(86_400));
            c.insert("Warehouse", s("default_warehouse"));
            layout(&cols, &c)
        })
        .collect();
    Ok(varchar_set(&cols, rows))
}

pub fn show_profilelist(st: &ClusterState) -> Result<ResultSet, SqlError> {
    if !st.version.has_profilelist() {
        return Err(SqlError::syntax(
            "Getting syntax error at line 1, column 5. Detail message: Unexpected input 'PROFILELIST', the most similar input is {'PROCESSLIST'}.",
        ));
    }
    let rows = st
        .profiles
        .iter()
        .rev()
        .map(|p| {
            let mut stmt = p.statement.clone();
            if stmt.chars().count() > 124 {
                stmt = stmt.chars().take(124).collect::<String>() + " ...";
            }
            vec![
                s(&p.query_id),
                time_string(p.start_ms, st.tz),
                s(pretty_ms(p.duration_ms)),
                s(p.state),
                s(stmt),
            ]
        })
        .collect();
    Ok(varchar_set(
        &["QueryId", "StartTime", "Time", "State", "Statement"],
        rows,
    ))
}

/// `SHOW PROC '/transactions[/<db>[/running|finished]]'`.
pub fn show_proc_transactions(st: &ClusterState, rest: &[&str]) -> Result<ResultSet, SqlError> {
    let user_dbs: Vec<_> = st.catalog.dbs.iter().filter(|d| !d.system).collect();
    match rest {
        [] => Ok(varchar_set(
            &["DbId", "DbName"],
            user_dbs.iter().map(|d| vec![s(d.id), s(&d.name)]).collect(),
        )),
        [db, tail @ ..] => {
            let Some(dbo) = user_dbs
                .iter()
                .find(|d| d.id.to_string() == *db || d.name == *db)
            else {
                return Err(SqlError::unknown(format!("Database[{db}] does not exist")));
            };
            fn running(t: &&&crate::model::Txn) -> bool {
                t.finish_ms.is_none()
            }
            let txns: Vec<_> = st.txns.iter().filter(|t| t.db_id == dbo.id).collect();
            match tail {
                [] => Ok(varchar_set(
                    &["State", "Number"],
                    vec![
                        vec![s("running"), s(txns.iter().filter(running).count())],
                        vec![
                            s("finished"),
                            s(txns.iter().filter(|t| !running(t)).count()),
                        ],
                    ],
                )),
                [which] if *which == "running" || *which == "finished" => {
                    let want_running = *which == "running";
                    let mut cols = vec![
                        "TransactionId",
                        "Label",
                        "Coordinator",
                        "TransactionStatus",
                        "LoadJobSourceType",
                        "PrepareTime",
                    ];
                    if st.version.txn_has_prepared_time() {
                        cols.push("PreparedTime");
                    }
                    cols.extend([
                        "CommitTime",
                        "PublishTime",
                        "FinishTime",
                        "Reason",
                        "ErrorReplicasCount",
                        "ListenerId",
                        "TimeoutMs",
                    ]);
                    if st.version.txn_has_prepared_time() {
                        cols.push("PreparedTimeoutMs");
                    }
                    cols.push("ErrMsg");
                    let rows = txns
                        .iter()
                        .filter(|t| running(t) == want_running)
                        .map(|t| {
                            let mut c: Cells = HashMap::new();
                            c.insert("TransactionId", s(t.id));
                            c.insert("Label", s(&t.label));
                            c.insert("Coordinator", s(&t.coordinator));
                            c.insert("TransactionStatus", s(t.status));
                            c.insert("LoadJobSourceType", s(t.source));
                            c.insert("PrepareTime", time_string(t.prepare_ms, st.tz));
                            c.insert("PreparedTime", None);
                            c.insert(
                                "CommitTime",
                                t.commit_ms.and_then(|m| time_string(m, st.tz)),
                            );
                            c.insert(
                                "PublishTime",
                                t.commit_ms.and_then(|m| time_string(m + 100, st.tz)),
                            );
                            c.insert(
                                "FinishTime",
                                t.finish_ms.and_then(|m| time_string(m, st.tz)),
                            );
                            c.insert("Reason", s(&t.reason));
                            c.insert("ErrorReplicasCount", s(0));
                            c.insert("ListenerId", s(-1));
                            c.insert("TimeoutMs", s(300_000));
                            c.insert("PreparedTimeoutMs", s(86_400_000));
                            c.insert("ErrMsg", s(""));
                            layout(&cols, &c)
                        })
                        .collect();
                    Ok(varchar_set(&cols, rows))
                }
                _ => Err(SqlError::unknown(format!(
                    "Invalid proc path: /transactions/{}",
                    rest.join("/")
                ))),
            }
        }
    }
}

// ---- information_schema --------------------------------------------------------------------------

fn info_table(columns: &[(&str, ColType)], rows: Vec<Row>) -> InfoTable {
    InfoTable {
        columns: columns.iter().map(|(n, t)| Column::typed(*n, *t)).collect(),
        rows,
    }
}

pub fn info_schema_table(st: &ClusterState, name: &str) -> Option<InfoTable> {
    use ColType::*;
    let tz = st.tz;
    match name.to_ascii_lowercase().as_str() {
        "tables" => {
            let cols = [
                ("TABLE_CATALOG", Varchar),
                ("TABLE_SCHEMA", Varchar),
                ("TABLE_NAME", Varchar),
                ("TABLE_TYPE", Varchar),
                ("ENGINE", Varchar),
                ("VERSION", BigInt),
                ("ROW_FORMAT", Varchar),
                ("TABLE_ROWS", BigInt),
                ("AVG_ROW_LENGTH", BigInt),
                ("DATA_LENGTH", BigInt),
                ("MAX_DATA_LENGTH", BigInt),
                ("INDEX_LENGTH", BigInt),
                ("DATA_FREE", BigInt),
                ("AUTO_INCREMENT", BigInt),
                ("CREATE_TIME", Datetime),
                ("UPDATE_TIME", Datetime),
                ("CHECK_TIME", Datetime),
                ("TABLE_COLLATION", Varchar),
                ("CHECKSUM", BigInt),
                ("CREATE_OPTIONS", Varchar),
                ("TABLE_COMMENT", Varchar),
            ];
            let rows = st
                .catalog
                .tables
                .iter()
                .map(|t| {
                    let olap = t.engine == "StarRocks";
                    let sized = |v: i64| if olap { s(v) } else { None };
                    vec![
                        s("def"),
                        s(&t.db),
                        s(&t.name),
                        s(t.table_type),
                        s(t.engine),
                        None,
                        None,
                        sized(t.rows),
                        sized(if t.rows > 0 {
                            t.data_length / t.replicas.max(1) / t.rows
                        } else {
                            0
                        }),
                        sized(t.data_length),
                        None,
                        None,
                        None,
                        None,
                        time_string(t.create_ms, tz),
                        if olap {
                            time_string(t.update_ms, tz)
                        } else {
                            None
                        },
                        None,
                        s("utf8_general_ci"),
                        None,
                        s(""),
                        s(""),
                    ]
                })
                .collect();
            Some(info_table(&cols, rows))
        }
        "schemata" => {
            let cols = [
                ("CATALOG_NAME", Varchar),
                ("SCHEMA_NAME", Varchar),
                ("DEFAULT_CHARACTER_SET_NAME", Varchar),
                ("DEFAULT_COLLATION_NAME", Varchar),
                ("SQL_PATH", Varchar),
            ];
            let rows = st
                .catalog
                .dbs
                .iter()
                .map(|d| vec![s("def"), s(&d.name), s("utf8"), s("utf8_general_ci"), None])
                .collect();
            Some(info_table(&cols, rows))
        }
        "materialized_views" => {
            let names = st.version.mv_columns();
            let cols: Vec<(&str, ColType)> = names.iter().map(|n| (*n, Varchar)).collect();
            let rows = st
                .catalog
                .mvs
                .iter()
                .map(|mv| {
                    let mut c: Cells = HashMap::new();
                    c.insert("MATERIALIZED_VIEW_ID", s(mv.id));
                    c.insert("TABLE_SCHEMA", s(&mv.db));
                    c.insert("TABLE_NAME", s(&mv.name));
                    c.insert("REFRESH_TYPE", s("ASYNC"));
                    c.insert("IS_ACTIVE", s(mv.active));
                    c.insert("INACTIVE_REASON", None);
                    c.insert("PARTITION_TYPE", s("UNPARTITIONED"));
                    c.insert("TASK_ID", s(mv.task_id));
                    c.insert("TASK_NAME", s(&mv.task_name));
                    if let Some((start, finish, state)) = mv.last_refresh {
                        c.insert("LAST_REFRESH_START_TIME", time_string(start, tz));
                        c.insert("LAST_REFRESH_FINISHED_TIME", time_string(finish, tz));
                        c.insert(
                            "LAST_REFRESH_DURATION",
                            s(format!("{:.3}", (finish - start) as f64 / 1000.0)),
                        );
                        c.insert("LAST_REFRESH_STATE", s(state));
                        c.insert(
                            "LAST_REFRESH_ERROR_CODE",
                            s(if state == "FAILED" { "-1" } else { "0" }),
                        );
                        c.insert(
                            "LAST_REFRESH_ERROR_MESSAGE",
                            s(if state == "FAILED" {
                                "Refresh materialized view failed: memory exceed limit"
                            } else {
                                ""
                            }),
                        );
                        c.insert("LAST_REFRESH_PROCESS_TIME", time_string(finish, tz));
                        c.insert(
                            "LAST_REFRESH_JOB_ID",
                            s(format!("{}-{}", mv.task_id, start)),
                        );
                    }
                    c.insert("LAST_REFRESH_FORCE_REFRESH", s(false));
                    c.insert("LAST_REFRESH_START_PARTITION", s(""));
                    c.insert("LAST_REFRESH_END_PARTITION", s(""));
                    c.insert("LAST_REFRESH_BASE_REFRESH_PARTITIONS", s("{}"));
                    c.insert("LAST_REFRESH_MV_REFRESH_PARTITIONS", s(""));
                    c.insert("TABLE_ROWS", s(mv.rows));
                    c.insert("MATERIALIZED_VIEW_DEFINITION", s(&mv.definition));
                    c.insert("EXTRA_MESSAGE", s(""));
                    c.insert("QUERY_REWRITE_STATUS", s("VALID"));
                    c.insert("CREATOR", s("'root'@'%'"));
                    layout(&names, &c)
                })
                .collect();
            Some(info_table(&cols, rows))
        }
        "task_runs" => {
            let cols = [
                ("QUERY_ID", Varchar),
                ("TASK_NAME", Varchar),
                ("CREATE_TIME", Datetime),
                ("FINISH_TIME", Datetime),
                ("STATE", Varchar),
                ("DATABASE", Varchar),
                ("DEFINITION", Varchar),
                ("EXPIRE_TIME", Datetime),
                ("ERROR_CODE", BigInt),
                ("ERROR_MESSAGE", Varchar),
                ("PROGRESS", Varchar),
            ];
            let rows = st
                .task_runs
                .iter()
                .map(|r| {
                    let mv = st.catalog.mvs.get(r.mv_index);
                    vec![
                        s(&r.query_id),
                        s(&r.task_name),
                        time_string(r.create_ms, tz),
                        r.finish_ms.and_then(|m| time_string(m, tz)),
                        s(r.state),
                        mv.map(|m| m.db.clone()),
                        mv.map(|m| format!("insert overwrite `{}` SELECT ...", m.name)),
                        time_string(r.create_ms + 7 * 86_400_000, tz),
                        s(if r.state == "FAILED" { -1 } else { 0 }),
                        r.error_message.clone(),
                        s(if r.finish_ms.is_some() { "100%" } else { "0%" }),
                    ]
                })
                .collect();
            Some(info_table(&cols, rows))
        }
        _ => None,
    }
}
