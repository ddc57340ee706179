//! SHOW statements and information_schema tables, rendered from the model per emulated version.
//!
//! Columns, their order and value formats follow the emulated version (docs/starrocks-facts.md §1–5).
//! Rows are built as name → value pairs and laid out by the version's column list, so a column
//! that a version adds or renames is one entry in a list, not another code path.
//!
//! Shared row helpers, SHOW PROCESSLIST and the database/data-size statements live here; the
//! node lists are in `nodes`, jobs and transactions in `jobs`, information_schema in `tables`.

mod jobs;
mod nodes;
mod tables;

use std::collections::HashMap;

use crate::format::{byte_uint, time_string};
use crate::model::ClusterState;
use crate::resultset::{ColType, ResultSet, Row, SqlError};

pub use jobs::{
    show_alter_column, show_load, show_proc_transactions, show_profilelist, show_routine_load,
};
pub use nodes::{show_backends, show_compute_nodes, show_frontends};
pub use tables::info_schema_table;

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
