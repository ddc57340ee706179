//! The node lists: rows of `SHOW FRONTENDS`, `SHOW BACKENDS` and `SHOW COMPUTE NODES` turned into
//! typed nodes.
//!
//! A result that is not the node list asked for (its key columns missing) is an error, never an
//! empty list: a cluster with zero nodes is a statement about the cluster, and a reply to another
//! statement (a connection left mid-statement, a proxy in the way) must not make it. A malformed
//! cell is NULL and a recorded problem; a row without its key is a recorded problem too, so that a
//! total counted from the list is never silently short.

use crate::model::{NodeKind, SourceError};

use super::values::{parse_bool, parse_bytes, parse_int, parse_pct, Rows};

/// A row of SHOW FRONTENDS.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontend {
    pub name: String,
    pub ip: String,
    pub query_port: Option<u16>,
    pub role: Option<String>,
    pub alive: Option<bool>,
    pub journal: Option<i64>,
    pub start: Option<String>,
    pub err: String,
}

/// A row of SHOW BACKENDS / SHOW COMPUTE NODES.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub id: String,
    pub kind: NodeKind,
    pub ip: String,
    pub http_port: Option<u16>,
    pub alive: Option<bool>,
    pub tablets: Option<i64>,
    pub data_used: Option<i64>,
    pub avail: Option<i64>,
    pub total: Option<i64>,
    pub max_disk_pct: Option<f64>,
    pub cpu_pct: Option<f64>,
    pub mem_pct: Option<f64>,
    pub running: Option<i64>,
    pub start: Option<String>,
    pub err: String,
}

/// What a node-list statement returned that is not a node list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{statement} returned no {column} column (columns: {columns}): not a node list")]
pub struct NotANodeList {
    pub statement: &'static str,
    pub column: &'static str,
    pub columns: String,
}

fn require(
    rows: &Rows,
    statement: &'static str,
    columns: &[&'static str],
) -> Result<(), NotANodeList> {
    match columns.iter().find(|c| !rows.has_column(c)) {
        None => Ok(()),
        Some(column) => Err(NotANodeList {
            statement,
            column,
            columns: rows.columns.join(", "),
        }),
    }
}

/// Reads a cell that must parse; a malformed value becomes NULL and a recorded problem.
fn cell<T>(
    rows: &Rows,
    i: usize,
    col: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
    problems: &mut Vec<SourceError>,
) -> Option<T> {
    let raw = rows.get(i, col)?;
    let v = parse(raw);
    if v.is_none() {
        problems.push(SourceError {
            source: what.to_string(),
            error: format!("malformed {col} value {raw:?}"),
        });
    }
    v
}

fn port(s: &str) -> Option<u16> {
    s.trim().parse().ok()
}

fn missing_key(what: &str, column: &str, row: usize, problems: &mut Vec<SourceError>) {
    problems.push(SourceError {
        source: what.to_string(),
        error: format!("row {row} has no {column}"),
    });
}

/// SHOW FRONTENDS.
pub fn frontends(
    rows: &Rows,
    problems: &mut Vec<SourceError>,
) -> Result<Vec<Frontend>, NotANodeList> {
    const WHAT: &str = "SHOW FRONTENDS";
    require(rows, WHAT, &["Name", "IP", "Alive"])?;
    let mut out = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let Some(name) = rows.get(i, "Name").filter(|n| !n.is_empty()) else {
            missing_key(WHAT, "Name", i, problems);
            continue;
        };
        out.push(Frontend {
            name: name.to_string(),
            ip: rows.get(i, "IP").unwrap_or_default().to_string(),
            query_port: cell(rows, i, "QueryPort", port, WHAT, problems),
            role: rows.get(i, "Role").map(String::from),
            alive: cell(rows, i, "Alive", parse_bool, WHAT, problems),
            journal: cell(rows, i, "ReplayedJournalId", parse_int, WHAT, problems),
            start: rows
                .get(i, "StartTime")
                .filter(|s| *s != "NULL")
                .map(String::from),
            err: rows.get(i, "ErrMsg").unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

/// SHOW BACKENDS (`kind` Be) or SHOW COMPUTE NODES (`kind` Cn).
pub fn backends(
    rows: &Rows,
    kind: NodeKind,
    problems: &mut Vec<SourceError>,
) -> Result<Vec<Backend>, NotANodeList> {
    let (id_col, what) = match kind {
        NodeKind::Cn => ("ComputeNodeId", "SHOW COMPUTE NODES"),
        _ => ("BackendId", "SHOW BACKENDS"),
    };
    require(rows, what, &[id_col, "IP", "Alive"])?;
    let mut out = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let Some(id) = rows.get(i, id_col).filter(|n| !n.is_empty()) else {
            missing_key(what, id_col, i, problems);
            continue;
        };
        out.push(Backend {
            kind,
            id: id.to_string(),
            ip: rows.get(i, "IP").unwrap_or_default().to_string(),
            http_port: cell(rows, i, "HttpPort", port, what, problems),
            alive: cell(rows, i, "Alive", parse_bool, what, problems),
            tablets: cell(rows, i, "TabletNum", parse_int, what, problems),
            data_used: cell(rows, i, "DataUsedCapacity", parse_bytes, what, problems),
            avail: cell(rows, i, "AvailCapacity", parse_bytes, what, problems),
            total: cell(rows, i, "TotalCapacity", parse_bytes, what, problems),
            max_disk_pct: cell(rows, i, "MaxDiskUsedPct", parse_pct, what, problems),
            cpu_pct: cell(rows, i, "CpuUsedPct", parse_pct, what, problems),
            mem_pct: cell(rows, i, "MemUsedPct", parse_pct, what, problems),
            running: cell(rows, i, "NumRunningQueries", parse_int, what, problems),
            start: rows.get(i, "LastStartTime").map(String::from),
            err: rows.get(i, "ErrMsg").unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], cells: &[&[Option<&str>]]) -> Rows {
        Rows::new(
            columns.iter().map(|c| c.to_string()).collect(),
            cells
                .iter()
                .map(|r| r.iter().map(|c| c.map(String::from)).collect())
                .collect(),
        )
    }

    #[test]
    fn malformed_values_are_null_and_reported() {
        let r = rows(
            &["BackendId", "IP", "Alive", "TabletNum", "MaxDiskUsedPct"],
            &[&[
                Some("1"),
                Some("10.0.0.1"),
                Some("true"),
                Some("28k"),
                Some("39,35 %"),
            ]],
        );
        let mut problems = Vec::new();
        let bes = backends(&r, NodeKind::Be, &mut problems).expect("a node list");
        assert_eq!(bes[0].tablets, None);
        assert_eq!(bes[0].max_disk_pct, None);
        assert_eq!(bes[0].alive, Some(true));
        let text: Vec<&str> = problems.iter().map(|p| p.error.as_str()).collect();
        assert!(text.iter().any(|e| e.contains("TabletNum")), "{text:?}");
        assert!(
            text.iter().any(|e| e.contains("MaxDiskUsedPct")),
            "{text:?}"
        );
    }

    #[test]
    fn missing_optional_columns_are_null_without_a_problem() {
        let r = rows(
            &["BackendId", "IP", "Alive"],
            &[&[Some("1"), Some("h"), Some("false")]],
        );
        let mut problems = Vec::new();
        let bes = backends(&r, NodeKind::Be, &mut problems).expect("a node list");
        assert_eq!(bes[0].cpu_pct, None);
        assert_eq!(bes[0].alive, Some(false));
        assert!(problems.is_empty());
    }

    #[test]
    fn a_reply_to_another_statement_is_not_an_empty_cluster() {
        // What a connection left mid-statement hands the next reader: the previous answer.
        let version = rows(&["current_version()"], &[&[Some("3.3.9-abc")]]);
        let mut problems = Vec::new();
        let e = frontends(&version, &mut problems).expect_err("not a node list");
        assert!(e.to_string().contains("SHOW FRONTENDS"), "{e}");
        let e = backends(&version, NodeKind::Be, &mut problems).expect_err("not a node list");
        assert_eq!(e.column, "BackendId");
        let fes = rows(&["Name", "IP", "Alive"], &[]);
        assert!(backends(&fes, NodeKind::Cn, &mut problems).is_err());
        // An empty list with the right columns is a real answer (no compute nodes).
        let cns = rows(&["ComputeNodeId", "IP", "Alive"], &[]);
        assert_eq!(backends(&cns, NodeKind::Cn, &mut problems), Ok(Vec::new()));
    }

    #[test]
    fn a_row_without_its_key_is_reported_not_dropped_silently() {
        let r = rows(
            &["Name", "IP", "Alive"],
            &[
                &[Some("fe1"), Some("h1"), Some("true")],
                &[None, Some("h2"), Some("true")],
            ],
        );
        let mut problems = Vec::new();
        let fes = frontends(&r, &mut problems).expect("a node list");
        assert_eq!(fes.len(), 1);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
