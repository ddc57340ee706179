//! The information_schema tables, rendered from the model for `infoschema` to query.

use std::collections::HashMap;

use super::{layout, s, Cells};
use crate::format::time_string;
use crate::infoschema::Table as InfoTable;
use crate::model::ClusterState;
use crate::resultset::{ColType, Column, Row};

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
