//! SHOW results over the wire: exact column sets per version (docs/starrocks-facts.md §1–5) and value shapes
//! equal to the fixtures'.

mod common;

use common::*;
use mysql_async::prelude::Queryable;

const BASE_BACKENDS: &[&str] = &[
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
    "NumRunningQueries",
    "MemUsedPct",
    "CpuUsedPct",
];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// SHOW BACKENDS columns written out from docs/starrocks-facts.md §1.1, independent of the emulator's tables.
fn expected_backends(ver: &str) -> Vec<String> {
    let mut cols = strings(BASE_BACKENDS);
    let at = |s: &str| v(ver) >= v(s);
    if at("3.3.4") {
        cols.insert(23, "MemLimit".into());
    }
    if at("3.2.3") {
        cols.push("DataCacheMetrics".into());
    }
    if at("3.3.0") {
        cols.push("Location".into());
    } else if at("3.2.8") {
        cols.push("location".into());
    }
    if at("3.4.0") {
        cols.push("StatusCode".into());
    }
    cols
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_backends_columns_per_version() {
    let versions = [
        "2.5", "3.0", "3.1", "3.2.2", "3.2.5", "3.2", "3.3.2", "3.3", "3.4", "3.5", "4.0", "4.1",
    ];
    let sim = start(&versions, shape(1, 2, 0), true).await;
    for (c, ver) in sim.clusters.iter().zip(versions) {
        let mut conn = connect(c, 0).await;
        let t = q(&mut conn, "SHOW BACKENDS").await;
        assert_eq!(t.columns, expected_backends(ver), "SHOW BACKENDS on {ver}");
        let proc = q(&mut conn, "SHOW PROC '/backends'").await;
        assert_eq!(proc.columns, t.columns, "SHOW PROC '/backends' on {ver}");
        assert_eq!(t.rows.len(), 2);
    }
    // The fixtures are the 3.3.4+ and 3.4+ shapes.
    assert_eq!(
        expected_backends("3.3"),
        fixture_tsv("show_backends_3x.tsv").columns
    );
    assert_eq!(
        expected_backends("3.4"),
        fixture_tsv("show_backends_34plus.tsv").columns
    );
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_frontends_and_processlist_columns_per_version() {
    let fe16 = strings(&[
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
    assert_eq!(fe16, fixture_tsv("show_frontends_3x.tsv").columns);
    let pl10 = strings(&[
        "Id",
        "User",
        "Host",
        "Db",
        "Command",
        "ConnectionStartTime",
        "Time",
        "State",
        "Info",
        "IsPending",
    ]);
    assert_eq!(pl10, fixture_tsv("show_processlist.tsv").columns);
    let sim = start(VERSIONS, shape(2, 1, 0), true).await;
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut conn = connect(c, 0).await;
        let fe = q(&mut conn, "SHOW FRONTENDS").await;
        let mut expected = fe16.clone();
        if ver >= v("3.5") {
            expected.insert(0, "Id".into());
        }
        assert_eq!(fe.columns, expected, "SHOW FRONTENDS on {ver}");
        let pl = q(&mut conn, "SHOW PROCESSLIST").await;
        let mut expected = pl10.clone();
        if ver >= v("3.5") {
            expected.insert(0, "ServerName".into());
            expected.push("Warehouse".into());
            if ver >= v("4.0") {
                expected.extend(strings(&["CNGroup", "Catalog", "QueryId"]));
            }
        } else if ver >= v("3.0") && ver < v("3.3") {
            expected.push("Warehouse".into());
        }
        assert_eq!(pl.columns, expected, "SHOW PROCESSLIST on {ver}");
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_compute_nodes_columns_in_shared_data_clusters() {
    let versions = ["2.5", "3.0", "3.1", "3.3", "3.4"];
    let sim = start(&versions, shape(1, 0, 2), true).await;
    let base = strings(&[
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
    ]);
    for (c, ver) in sim.clusters.iter().zip(versions) {
        let mut expected = base.clone();
        match ver {
            "2.5" => {}
            "3.0" => expected.extend(strings(&[
                "CpuCores",
                "NumRunningQueries",
                "MemUsedPct",
                "CpuUsedPct",
            ])),
            "3.1" => expected.extend(strings(&[
                "CpuCores",
                "NumRunningQueries",
                "MemUsedPct",
                "CpuUsedPct",
                "HasStoragePath",
                "StarletPort",
                "WorkerId",
            ])),
            _ => {
                expected.extend(strings(&[
                    "CpuCores",
                    "MemLimit",
                    "NumRunningQueries",
                    "MemUsedPct",
                    "CpuUsedPct",
                    "DataCacheMetrics",
                    "HasStoragePath",
                ]));
                if ver == "3.4" {
                    expected.push("StatusCode".into());
                }
                expected.extend(strings(&[
                    "StarletPort",
                    "WorkerId",
                    "WarehouseName",
                    "TabletNum",
                ]));
            }
        }
        let mut conn = connect(c, 0).await;
        let t = q(&mut conn, "SHOW COMPUTE NODES").await;
        assert_eq!(t.columns, expected, "SHOW COMPUTE NODES on {ver}");
        assert_eq!(t.rows.len(), 2);
        assert!(
            q(&mut conn, "SHOW BACKENDS").await.rows.is_empty(),
            "no BEs in this cluster"
        );
    }
    sim.shutdown();
}

/// Digits collapse to `N` and size units to `U`, so `2.500 TB` and `13.001 GB` share a shape.
fn value_shape(cell: Option<&str>) -> String {
    let Some(s) = cell else {
        return "<NULL>".into();
    };
    let mut out = String::new();
    let mut prev_digit = false;
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            if !prev_digit {
                out.push('N');
            }
            prev_digit = true;
        } else {
            out.push(ch);
            prev_digit = false;
        }
    }
    for unit in ["TB", "GB", "MB", "KB"] {
        out = out
            .replace(&format!("N {unit}"), "N U")
            .replace(&format!("N{unit}"), "NU");
    }
    if out.ends_with("N B") {
        out = out.replace("N B", "N U");
    }
    out
}

fn assert_same_shapes(sim_row: &Table, sim_i: usize, fixture: &Table, fix_i: usize, skip: &[&str]) {
    for col in &fixture.columns {
        if skip.contains(&col.as_str()) {
            continue;
        }
        let got = sim_row.cell(sim_i, col);
        let want = fixture.cell(fix_i, col);
        if col == "Version" {
            let ok = got.is_some_and(|g| {
                let (num, hash) = g.split_once('-').unwrap_or((g, ""));
                num.split('.').count() == 3
                    && hash.len() == 7
                    && hash.chars().all(|c| c.is_ascii_hexdigit())
            });
            assert!(ok, "Version {got:?} should look like {want:?}");
            continue;
        }
        assert_eq!(
            value_shape(got),
            value_shape(want),
            "column {col}: {got:?} vs fixture {want:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_backends_values_have_the_fixture_formats_alive_and_dead() {
    let sim = start(&["3.3", "3.5"], shape(3, 3, 0), true).await;
    for (c, fixture) in sim
        .clusters
        .iter()
        .zip(["show_backends_3x.tsv", "show_backends_34plus.tsv"])
    {
        let fix = fixture_tsv(fixture);
        let before = {
            let mut conn = connect(c, 0).await;
            q(&mut conn, "SHOW BACKENDS").await
        };
        // The dead BE of the fixture is 10.20.30.43; stop our third BE.
        control(
            &sim,
            reqwest::Method::POST,
            &format!("/clusters/{}/nodes/be2/stop", c.spec.name),
            serde_json::json!({}),
        )
        .await;
        let mut conn = connect(c, 0).await;
        let t = q(&mut conn, "SHOW BACKENDS").await;
        for i in 0..2 {
            assert_same_shapes(&t, i, &fix, i, &[]);
        }
        assert_same_shapes(&t, 2, &fix, 2, &[]);
        assert_eq!(t.cell(2, "Alive"), Some("false"));
        assert_eq!(t.cell(2, "ErrMsg"), fix.cell(2, "ErrMsg"));
        // The FE keeps the dead BE's last reported resource columns.
        for col in [
            "NumRunningQueries",
            "MemUsedPct",
            "CpuUsedPct",
            "LastHeartbeat",
            "DataUsedCapacity",
        ] {
            assert_eq!(t.cell(2, col), before.cell(2, col), "{col} stays stale");
        }
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_frontends_values_follow_the_fixture_and_a_dead_fe_shows_literal_null() {
    let sim = start(&["3.3"], shape(3, 1, 0), true).await;
    let c = &sim.clusters[0];
    let fix = fixture_tsv("show_frontends_3x.tsv");
    control(
        &sim,
        reqwest::Method::POST,
        &format!("/clusters/{}/nodes/fe2/stop", c.spec.name),
        serde_json::json!({}),
    )
    .await;
    let mut conn = connect(c, 1).await;
    let t = q(&mut conn, "SHOW FRONTENDS").await;
    assert_eq!(t.cell(0, "Role"), Some("LEADER"));
    assert_same_shapes(&t, 0, &fix, 0, &[]);
    assert_same_shapes(&t, 1, &fix, 1, &[]);
    assert_same_shapes(&t, 2, &fix, 2, &["Role"]);
    assert_eq!(
        t.cell(2, "StartTime"),
        Some("NULL"),
        "literal string, not SQL NULL"
    );
    assert_eq!(t.cell(2, "Alive"), Some("false"));
    // HttpPort is the answering FE's own port on every row.
    let http: Vec<_> = (0..3).map(|i| t.cell(i, "HttpPort")).collect();
    assert!(http.iter().all(|p| *p == http[0]));
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processlist_shows_the_running_statement_and_all_fes_from_3_5() {
    let sim = start(&["3.3", "3.5"], shape(2, 1, 0), true).await;
    let fix = fixture_tsv("show_processlist.tsv");
    let own = fix.find("Info", "show processlist");
    for c in &sim.clusters {
        let ver = c.spec.version;
        let mut other = connect(c, 1).await;
        q(&mut other, "SELECT 1").await;
        let mut conn = connect(c, 0).await;
        let t = q(&mut conn, "show processlist").await;
        let me = t.find("Info", "show processlist");
        for col in ["User", "Command", "State", "IsPending", "Db"] {
            assert_eq!(t.cell(me, col), fix.cell(own, col), "{col} of our own row");
        }
        assert_eq!(
            value_shape(t.cell(me, "ConnectionStartTime")),
            value_shape(fix.cell(own, "ConnectionStartTime"))
        );
        let sleeping_select = t
            .rows
            .iter()
            .any(|r| r[t.col("Info")].as_deref() == Some("SELECT 1"));
        if ver >= v("3.5") {
            assert!(sleeping_select, "3.5+ lists the other FE's connections");
            let servers: std::collections::HashSet<_> = t
                .rows
                .iter()
                .map(|r| r[t.col("ServerName")].clone())
                .collect();
            assert_eq!(servers.len(), 2, "rows of both FEs");
            let id: u64 = t
                .cell(me, "Id")
                .and_then(|s| s.parse().ok())
                .expect("numeric id");
            assert_eq!(id >> 24, 1, "global connection id carries FE id 1");
        } else {
            assert!(!sleeping_select, "before 3.5 only this FE's connections");
        }
        for r in 0..t.rows.len() {
            assert!(matches!(
                t.cell(r, "Command"),
                Some("Sleep") | Some("Query")
            ));
            assert!(t.cell(r, "Time").is_some_and(|s| s.parse::<i64>().is_ok()));
            let info = t.cell(r, "Info").unwrap_or("");
            assert!(
                info.chars().count() <= 100,
                "SHOW PROCESSLIST truncates Info"
            );
        }
        let full = q(&mut conn, "SHOW FULL PROCESSLIST").await;
        assert!(
            full.rows.iter().any(|r| r[full.col("Info")]
                .as_ref()
                .is_some_and(|i| i.chars().count() > 100)),
            "FULL keeps long SQL"
        );
    }
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn databases_data_and_information_schema_agree() {
    let sim = start(&["3.3"], shape(1, 3, 0), true).await;
    let c = &sim.clusters[0];
    let mut conn = connect(c, 0).await;
    let dbs = q(&mut conn, "SHOW DATABASES").await;
    assert_eq!(dbs.columns, vec!["Database"]);
    let names: Vec<String> = dbs.rows.iter().filter_map(|r| r[0].clone()).collect();
    assert!(names.contains(&"information_schema".to_string()));
    let counted = q(
        &mut conn,
        "SELECT COUNT(*) FROM information_schema.schemata",
    )
    .await;
    assert_eq!(
        counted.rows[0][0].as_deref(),
        Some(names.len().to_string().as_str())
    );

    let user_db = names
        .iter()
        .find(|n| !["information_schema", "_statistics_", "sys"].contains(&n.as_str()))
        .expect("a user db");
    let data = q(&mut conn, &format!("SHOW DATA FROM {user_db}")).await;
    assert_eq!(data.columns, vec!["TableName", "Size", "ReplicaCount"]);
    let tail: Vec<_> = data
        .rows
        .iter()
        .rev()
        .take(3)
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    assert_eq!(tail, vec!["Left", "Quota", "Total"]);
    assert_eq!(
        data.rows[data.rows.len() - 2][1].as_deref(),
        Some("8388608.000 TB")
    );
    let err = query(&mut conn, "SHOW DATA")
        .await
        .expect_err("no database selected");
    assert_eq!(server_error(err).0, 1046);

    let per_db = q(
        &mut conn,
        "SELECT TABLE_SCHEMA, COUNT(*) AS n, SUM(DATA_LENGTH) AS bytes FROM information_schema.tables WHERE TABLE_SCHEMA NOT IN ('information_schema', '_statistics_', 'sys') GROUP BY TABLE_SCHEMA ORDER BY TABLE_SCHEMA",
    )
    .await;
    assert_eq!(per_db.columns, vec!["TABLE_SCHEMA", "n", "bytes"]);
    // Tables hold what the BEs store: their sizes add up to the disks' data-used bytes.
    let bytes: i64 = per_db
        .rows
        .iter()
        .map(|r| {
            r[2].as_deref()
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
        })
        .sum();
    let t = truth(c).await;
    let stored = t["summary"]["disk_data_used_bytes"]
        .as_i64()
        .expect("bytes");
    assert!(
        (bytes - stored).abs() as f64 / (stored as f64) < 0.01,
        "{bytes} vs {stored}"
    );
    assert_eq!(
        per_db.rows.len() as u64,
        t["summary"]["user_databases"].as_u64().expect("count")
    );
    sim.shutdown();
}

/// SHOW ROUTINE LOAD columns from docs/starrocks-facts.md §5.1 (shared-nothing).
fn expected_routine_load(ver: &str) -> Vec<String> {
    let mut cols = strings(&[
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
    ]);
    let at = |s: &str| v(ver) >= v(s);
    if at("3.3.0") {
        cols.extend(strings(&[
            "TimestampProgress",
            "ReasonOfStateChanged",
            "ErrorLogUrls",
            "TrackingSQL",
            "OtherMsg",
            "LatestSourcePosition",
        ]));
        if at("3.4.0") {
            cols.push("OffsetLag".into());
        }
    } else if at("3.2.0") {
        cols.extend(strings(&[
            "ReasonOfStateChanged",
            "ErrorLogUrls",
            "TrackingSQL",
            "OtherMsg",
        ]));
    } else {
        cols.extend(strings(&[
            "ReasonOfStateChanged",
            "ErrorLogUrls",
            "OtherMsg",
        ]));
    }
    cols
}

/// SHOW LOAD columns from docs/starrocks-facts.md §5.5.
fn expected_load(ver: &str) -> Vec<String> {
    let at = |s: &str| v(ver) >= v(s);
    if !at("3.0.0") {
        return strings(&[
            "JobId",
            "Label",
            "State",
            "Progress",
            "Type",
            "Priority",
            "EtlInfo",
            "TaskInfo",
            "ErrorMsg",
            "CreateTime",
            "EtlStartTime",
            "EtlFinishTime",
            "LoadStartTime",
            "LoadFinishTime",
            "URL",
            "JobDetails",
        ]);
    }
    let mut cols = strings(&[
        "JobId",
        "Label",
        "State",
        "Progress",
        "Type",
        "Priority",
        "ScanRows",
        "FilteredRows",
        "UnselectedRows",
        "SinkRows",
        "EtlInfo",
        "TaskInfo",
        "ErrorMsg",
        "CreateTime",
        "EtlStartTime",
        "EtlFinishTime",
        "LoadStartTime",
        "LoadFinishTime",
        "TrackingSQL",
        "JobDetails",
    ]);
    if at("3.3.0") {
        cols.push("Warehouse".into());
    }
    cols
}

/// information_schema.materialized_views columns from docs/starrocks-facts.md §4.2.
fn expected_mv(ver: &str) -> Vec<String> {
    let at = |s: &str| v(ver) >= v(s);
    if !at("3.0.0") {
        return strings(&[
            "MATERIALIZED_VIEW_ID",
            "TABLE_SCHEMA",
            "TABLE_NAME",
            "MATERIALIZED_VIEW_DEFINITION",
            "TABLE_ROWS",
        ]);
    }
    let mut cols = strings(&[
        "MATERIALIZED_VIEW_ID",
        "TABLE_SCHEMA",
        "TABLE_NAME",
        "REFRESH_TYPE",
        "IS_ACTIVE",
    ]);
    if at("3.1.0") {
        cols.push("INACTIVE_REASON".into());
    }
    cols.extend(strings(&[
        "PARTITION_TYPE",
        "TASK_ID",
        "TASK_NAME",
        "LAST_REFRESH_START_TIME",
        "LAST_REFRESH_FINISHED_TIME",
        "LAST_REFRESH_DURATION",
        "LAST_REFRESH_STATE",
        "LAST_REFRESH_FORCE_REFRESH",
        "LAST_REFRESH_START_PARTITION",
        "LAST_REFRESH_END_PARTITION",
        "LAST_REFRESH_BASE_REFRESH_PARTITIONS",
        "LAST_REFRESH_MV_REFRESH_PARTITIONS",
        "LAST_REFRESH_ERROR_CODE",
        "LAST_REFRESH_ERROR_MESSAGE",
        "TABLE_ROWS",
        "MATERIALIZED_VIEW_DEFINITION",
    ]));
    if at("3.3.0") {
        cols.extend(strings(&[
            "EXTRA_MESSAGE",
            "QUERY_REWRITE_STATUS",
            "CREATOR",
        ]));
    }
    if at("4.1.0") {
        cols.extend(strings(&[
            "LAST_REFRESH_PROCESS_TIME",
            "LAST_REFRESH_JOB_ID",
        ]));
    }
    cols
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_routine_load_alter_profile_and_mv_statements_by_version() {
    let sim = start(VERSIONS, shape(1, 2, 0), true).await;
    // Let loads, refreshes and transactions happen.
    sim.clock.advance(900_000);
    for (c, ver) in sim.clusters.iter().zip(VERSIONS) {
        let mut conn = connect(c, 0).await;
        let rl_db = c.with_state(|st| st.routine_loads[0].db.clone());
        let rl = q(&mut conn, &format!("SHOW ROUTINE LOAD FROM {rl_db}")).await;
        assert_eq!(
            rl.columns,
            expected_routine_load(ver),
            "SHOW ROUTINE LOAD on {ver}"
        );
        let stat = rl.cell(0, "Statistic").expect("statistic");
        let parsed: serde_json::Value = serde_json::from_str(stat).expect("Statistic is JSON");
        let n = |k: &str| {
            parsed[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{k} in {stat}"))
        };
        assert_eq!(
            n("loadedRows"),
            n("totalRows") - n("errorRows") - n("unselectedRows")
        );
        assert!(
            stat.starts_with("{\"receivedBytes\":"),
            "HashMap key order: {stat}"
        );
        // USE makes FROM optional.
        conn.query_drop(format!("USE {rl_db}")).await.expect("use");
        assert_eq!(
            q(&mut conn, "SHOW ROUTINE LOAD").await.rows.len(),
            rl.rows.len()
        );

        let load = q(&mut conn, "SHOW LOAD").await;
        assert_eq!(load.columns, expected_load(ver), "SHOW LOAD on {ver}");
        let alter = q(&mut conn, "SHOW ALTER TABLE COLUMN").await;
        assert_eq!(
            alter.columns,
            strings(&[
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
                "Timeout"
            ])
        );

        let profiles = query(&mut conn, "SHOW PROFILELIST").await;
        if v(ver) >= v("3.1.0") {
            let profiles = profiles.expect("3.1+ has it");
            assert_eq!(
                profiles.columns,
                strings(&["QueryId", "StartTime", "Time", "State", "Statement"])
            );
            assert!(
                !profiles.rows.is_empty(),
                "statements that ran were profiled"
            );
            let time = profiles.cell(0, "Time").expect("Time");
            assert!(
                time.ends_with("ms") || time.ends_with('s') || time.ends_with('m'),
                "{time}"
            );
            assert_eq!(profiles.cell(0, "State"), Some("Finished"));
        } else {
            assert_eq!(
                server_error(profiles.expect_err("2.5 and 3.0 have no PROFILELIST")).0,
                1064
            );
        }
        let mv = q(
            &mut conn,
            "SELECT * FROM information_schema.materialized_views",
        )
        .await;
        assert_eq!(mv.columns, expected_mv(ver), "materialized_views on {ver}");
        assert!(!mv.rows.is_empty());
        let runs = q(
            &mut conn,
            "SELECT STATE, COUNT(*) FROM information_schema.task_runs GROUP BY STATE",
        )
        .await;
        assert_eq!(runs.columns, strings(&["STATE", "count(*)"]));
        assert!(
            runs.rows.iter().any(|r| r[0].as_deref() == Some("SUCCESS")),
            "refreshes ran: {:?}",
            runs.rows
        );
        let txn = q(&mut conn, "SHOW PROC '/transactions'").await;
        assert_eq!(txn.columns, strings(&["DbId", "DbName"]));
        let db_id = txn.rows[0][0].clone().expect("db id");
        let states = q(&mut conn, &format!("SHOW PROC '/transactions/{db_id}'")).await;
        assert_eq!(states.columns, strings(&["State", "Number"]));
        let finished = q(
            &mut conn,
            &format!("SHOW PROC '/transactions/{db_id}/finished'"),
        )
        .await;
        let mut expected = strings(&[
            "TransactionId",
            "Label",
            "Coordinator",
            "TransactionStatus",
            "LoadJobSourceType",
            "PrepareTime",
        ]);
        if v(ver) >= v("4.0.0") {
            expected.push("PreparedTime".into());
        }
        expected.extend(strings(&[
            "CommitTime",
            "PublishTime",
            "FinishTime",
            "Reason",
            "ErrorReplicasCount",
            "ListenerId",
            "TimeoutMs",
        ]));
        if v(ver) >= v("4.0.0") {
            expected.push("PreparedTimeoutMs".into());
        }
        expected.push("ErrMsg".into());
        assert_eq!(finished.columns, expected, "transactions on {ver}");
        assert!(!finished.rows.is_empty(), "transactions happened");
    }
    sim.shutdown();
}
