//! Jobs and their history: routine loads, loads, schema changes, profiles, transactions.

use std::collections::HashMap;

use super::{layout, no_database, s, unknown_db, varchar_set, Cells};
use crate::format::{pretty_ms, time_string};
use crate::model::ClusterState;
use crate::resultset::{ResultSet, SqlError};

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
