//! What is happening in a cluster right now, for the real-time overview: the statements running
//! on every FE with their SQL text, and per database the loads, transactions, schema changes and
//! routine loads, plus the state of every materialized view. Nothing here is stored.
//!
//! Each list is `None` when it could not be read (the error is in `errors`), `Some(vec![])` when
//! it was read and is empty. Columns are read by name, so versions that add or drop columns
//! (docs/starrocks-facts.md §3, §4.2, §5) only leave the missing fields NULL.

use serde::Serialize;

use super::{ClusterCollector, Errors};
use crate::model::SourceError;
use crate::starrocks::values::{parse_bool, parse_int, Rows};

/// Databases beyond this many are not listed one by one (each costs four statements).
pub const MAX_DATABASES: usize = 200;
/// Entries beyond this many per list are dropped; `truncated` says so.
pub const MAX_ENTRIES: usize = 500;

#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveDetails {
    pub running_queries: Option<Vec<RunningQuery>>,
    pub loads: Option<Vec<LoadJob>>,
    pub transactions: Option<Vec<DbTransactions>>,
    pub schema_changes: Option<Vec<SchemaChange>>,
    pub routine_loads: Option<Vec<RoutineLoad>>,
    pub materialized_views: Option<Vec<MaterializedView>>,
    /// Databases with more than [`MAX_DATABASES`], or a list longer than [`MAX_ENTRIES`].
    pub truncated: bool,
    pub errors: Vec<SourceError>,
}

/// A statement executing now (PROCESSLIST `Command = 'Query'`).
#[derive(Debug, Clone, Serialize)]
pub struct RunningQuery {
    /// The FE it runs on: `ServerName` (3.5+) or the FE's query address.
    pub fe: String,
    pub connection_id: Option<i64>,
    pub user: Option<String>,
    pub client: Option<String>,
    pub db: Option<String>,
    /// Seconds since the statement started.
    pub seconds: Option<i64>,
    pub sql: Option<String>,
    /// 4.0+ only.
    pub query_id: Option<String>,
}

/// A load job that has not finished successfully (SHOW LOAD; `CANCELLED` ones are failures).
#[derive(Debug, Clone, Serialize)]
pub struct LoadJob {
    pub db: String,
    pub job_id: Option<String>,
    pub label: Option<String>,
    pub state: Option<String>,
    pub progress: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub create_time: Option<String>,
    pub error: Option<String>,
}

/// Transactions of one database (`SHOW PROC '/transactions/<dbId>'`).
#[derive(Debug, Clone, Serialize)]
pub struct DbTransactions {
    pub db: String,
    pub running: Option<i64>,
    pub finished: Option<i64>,
}

/// A schema change that has not finished (SHOW ALTER TABLE COLUMN; `CANCELLED` are failures).
#[derive(Debug, Clone, Serialize)]
pub struct SchemaChange {
    pub db: String,
    pub job_id: Option<String>,
    pub table: Option<String>,
    pub state: Option<String>,
    pub progress: Option<String>,
    pub create_time: Option<String>,
    pub message: Option<String>,
}

/// A routine load job that is not stopped or cancelled (SHOW ROUTINE LOAD).
#[derive(Debug, Clone, Serialize)]
pub struct RoutineLoad {
    pub db: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub table: Option<String>,
    /// `RUNNING`, `NEED_SCHEDULE`, `PAUSED`, and `UNSTABLE` (3.x) for a running job in trouble.
    pub state: Option<String>,
    pub reason: Option<String>,
}

/// One materialized view (information_schema.materialized_views; 2.5 has no refresh columns).
#[derive(Debug, Clone, Serialize)]
pub struct MaterializedView {
    pub db: Option<String>,
    pub name: Option<String>,
    pub refresh_type: Option<String>,
    pub is_active: Option<bool>,
    pub inactive_reason: Option<String>,
    pub last_refresh_state: Option<String>,
    pub last_refresh_start_time: Option<String>,
    pub last_refresh_duration_secs: Option<f64>,
    pub last_refresh_error: Option<String>,
}

/// A cell as text, `None` for SQL NULL, a missing column or an empty string.
fn text(rows: &Rows, i: usize, col: &str) -> Option<String> {
    rows.get(i, col)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Backtick-quotes an identifier for a SHOW statement.
fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn running_from(rows: &Rows, fe: &str, own: u32, out: &mut Vec<RunningQuery>) {
    for i in 0..rows.len() {
        if rows.get(i, "Command") != Some("Query") {
            continue;
        }
        let id = rows.get(i, "Id").and_then(parse_int);
        if id == Some(i64::from(own)) {
            continue;
        }
        out.push(RunningQuery {
            fe: text(rows, i, "ServerName").unwrap_or_else(|| fe.to_string()),
            connection_id: id,
            user: text(rows, i, "User"),
            client: text(rows, i, "Host"),
            db: text(rows, i, "Db"),
            seconds: rows.get(i, "Time").and_then(parse_int),
            sql: text(rows, i, "Info"),
            query_id: text(rows, i, "QueryId"),
        });
    }
}

/// Keeps the first [`MAX_ENTRIES`]; true if it dropped any.
fn cap<T>(v: &mut Option<Vec<T>>) -> bool {
    match v {
        Some(v) if v.len() > MAX_ENTRIES => {
            v.truncate(MAX_ENTRIES);
            true
        }
        _ => false,
    }
}

impl ClusterCollector {
    /// Reads the live lists. Call after [`ClusterCollector::collect_once`], which learns the
    /// alive FEs that PROCESSLIST must ask before 3.5.
    pub async fn live_details(&mut self) -> LiveDetails {
        self.start_budget();
        let mut errors = Errors(Vec::new());
        let mut out = LiveDetails {
            running_queries: self.running_statements(&mut errors).await,
            ..LiveDetails::default()
        };

        if let Some(rows) = self
            .query(
                "SELECT * FROM information_schema.materialized_views",
                &mut errors,
            )
            .await
        {
            let mvs = (0..rows.len())
                .map(|i| MaterializedView {
                    db: text(&rows, i, "TABLE_SCHEMA"),
                    name: text(&rows, i, "TABLE_NAME"),
                    refresh_type: text(&rows, i, "REFRESH_TYPE"),
                    is_active: rows.get(i, "IS_ACTIVE").and_then(parse_bool),
                    inactive_reason: text(&rows, i, "INACTIVE_REASON"),
                    last_refresh_state: text(&rows, i, "LAST_REFRESH_STATE"),
                    last_refresh_start_time: text(&rows, i, "LAST_REFRESH_START_TIME"),
                    last_refresh_duration_secs: rows
                        .get(i, "LAST_REFRESH_DURATION")
                        .and_then(|s| s.trim().parse().ok()),
                    last_refresh_error: text(&rows, i, "LAST_REFRESH_ERROR_MESSAGE"),
                })
                .collect();
            out.materialized_views = Some(mvs);
        }

        // The user databases, with the ids SHOW PROC wants.
        let Some(dbs) = self.query("SHOW PROC '/transactions'", &mut errors).await else {
            out.errors = errors.0;
            return out;
        };
        let mut dbs: Vec<(String, String)> = (0..dbs.len())
            .filter_map(|i| {
                Some((
                    dbs.get(i, "DbId")?.to_string(),
                    dbs.get(i, "DbName")?.to_string(),
                ))
            })
            .collect();
        if dbs.len() > MAX_DATABASES {
            dbs.truncate(MAX_DATABASES);
            out.truncated = true;
        }
        let mut txns = Some(Vec::new());
        let mut loads = Some(Vec::new());
        let mut changes = Some(Vec::new());
        let mut routine = Some(Vec::new());
        for (id, db) in &dbs {
            let from = quote_ident(db);
            match self
                .query(&format!("SHOW PROC '/transactions/{id}'"), &mut errors)
                .await
            {
                Some(r) => {
                    let count = |state: &str| {
                        (0..r.len())
                            .find(|&i| {
                                r.get(i, "State")
                                    .is_some_and(|s| s.eq_ignore_ascii_case(state))
                            })
                            .and_then(|i| r.get(i, "Number").and_then(parse_int))
                    };
                    if let Some(t) = txns.as_mut() {
                        t.push(DbTransactions {
                            db: db.clone(),
                            running: count("running"),
                            finished: count("finished"),
                        });
                    }
                }
                None => txns = None,
            }
            match self
                .query(&format!("SHOW LOAD FROM {from}"), &mut errors)
                .await
            {
                Some(r) => {
                    if let Some(l) = loads.as_mut() {
                        for i in 0..r.len() {
                            if r.get(i, "State") == Some("FINISHED") {
                                continue;
                            }
                            l.push(LoadJob {
                                db: db.clone(),
                                job_id: text(&r, i, "JobId"),
                                label: text(&r, i, "Label"),
                                state: text(&r, i, "State"),
                                progress: text(&r, i, "Progress"),
                                kind: text(&r, i, "Type"),
                                create_time: text(&r, i, "CreateTime"),
                                error: text(&r, i, "ErrorMsg"),
                            });
                        }
                    }
                }
                None => loads = None,
            }
            match self
                .query(&format!("SHOW ALTER TABLE COLUMN FROM {from}"), &mut errors)
                .await
            {
                Some(r) => {
                    if let Some(c) = changes.as_mut() {
                        for i in 0..r.len() {
                            if r.get(i, "State") == Some("FINISHED") {
                                continue;
                            }
                            c.push(SchemaChange {
                                db: db.clone(),
                                job_id: text(&r, i, "JobId"),
                                table: text(&r, i, "TableName"),
                                state: text(&r, i, "State"),
                                progress: text(&r, i, "Progress"),
                                create_time: text(&r, i, "CreateTime"),
                                message: text(&r, i, "Msg"),
                            });
                        }
                    }
                }
                None => changes = None,
            }
            match self
                .query(&format!("SHOW ROUTINE LOAD FROM {from}"), &mut errors)
                .await
            {
                Some(r) => {
                    if let Some(rl) = routine.as_mut() {
                        for i in 0..r.len() {
                            rl.push(RoutineLoad {
                                db: db.clone(),
                                id: text(&r, i, "Id"),
                                name: text(&r, i, "Name"),
                                table: text(&r, i, "TableName"),
                                state: text(&r, i, "State"),
                                reason: text(&r, i, "ReasonOfStateChanged"),
                            });
                        }
                    }
                }
                None => routine = None,
            }
        }
        out.truncated |= cap(&mut loads) | cap(&mut changes) | cap(&mut routine);
        out.transactions = txns;
        out.loads = loads;
        out.schema_changes = changes;
        out.routine_loads = routine;
        out.errors = errors.0;
        out
    }

    /// SHOW FULL PROCESSLIST on the FE in use and, before 3.5, on every other alive FE; `None`
    /// if any FE could not be asked (a partial list would hide statements).
    async fn running_statements(&mut self, errors: &mut Errors) -> Option<Vec<RunningQuery>> {
        let rows = self.query("SHOW FULL PROCESSLIST", errors).await?;
        let main = self.main.as_ref()?;
        let (own, main_ep) = (main.id(), (main.host.clone(), main.port));
        let mut out = Vec::new();
        running_from(
            &rows,
            &format!("{}:{}", main_ep.0, main_ep.1),
            own,
            &mut out,
        );
        if rows.has_column("ServerName") {
            return Some(out);
        }
        let others: Vec<(String, u16)> = self
            .known_fes
            .iter()
            .filter(|ep| **ep != main_ep)
            .cloned()
            .collect();
        let complete = self
            .on_other_fes(&others, "SHOW FULL PROCESSLIST", errors, |r, key, id| {
                running_from(r, key, id, &mut out)
            })
            .await;
        out.sort_by_key(|q| std::cmp::Reverse(q.seconds));
        complete.then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cols: &[&str], data: &[&[Option<&str>]]) -> Rows {
        Rows::new(
            cols.iter().map(|c| c.to_string()).collect(),
            data.iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        )
    }

    #[test]
    fn only_executing_statements_of_others_are_running() {
        // 3.3 columns (docs/starrocks-facts.md §3): Sleep rows keep their last SQL; our own connection is id 7.
        let r = rows(
            &[
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
            ],
            &[
                &[
                    Some("5"),
                    Some("etl"),
                    Some("10.1.1.1:5000"),
                    Some("sales"),
                    Some("Query"),
                    Some("2026-01-01 00:00:00"),
                    Some("42"),
                    Some("OK"),
                    Some("SELECT 1"),
                    Some("false"),
                ],
                &[
                    Some("6"),
                    Some("bi"),
                    Some("10.1.1.2:5000"),
                    Some(""),
                    Some("Sleep"),
                    Some("2026-01-01 00:00:00"),
                    Some("900"),
                    Some("EOF"),
                    Some("SELECT 2"),
                    Some("false"),
                ],
                &[
                    Some("7"),
                    Some("starmon"),
                    Some("127.0.0.1:1"),
                    Some(""),
                    Some("Query"),
                    Some("2026-01-01 00:00:00"),
                    Some("0"),
                    Some("OK"),
                    Some("SHOW FULL PROCESSLIST"),
                    Some("false"),
                ],
            ],
        );
        let mut out = Vec::new();
        running_from(&r, "10.0.0.1:9030", 7, &mut out);
        assert_eq!(out.len(), 1);
        let q = &out[0];
        assert_eq!(q.fe, "10.0.0.1:9030");
        assert_eq!(q.connection_id, Some(5));
        assert_eq!(q.user.as_deref(), Some("etl"));
        assert_eq!(q.db.as_deref(), Some("sales"));
        assert_eq!(q.seconds, Some(42));
        assert_eq!(q.sql.as_deref(), Some("SELECT 1"));
        assert_eq!(q.query_id, None);
    }

    #[test]
    fn server_name_names_the_fe_from_3_5() {
        let r = rows(
            &[
                "ServerName",
                "Id",
                "User",
                "Command",
                "Time",
                "Info",
                "QueryId",
            ],
            &[&[
                Some("10.0.0.2_9010_1"),
                Some("16777221"),
                Some("u"),
                Some("Query"),
                Some("3"),
                Some("SELECT 3"),
                None,
            ]],
        );
        let mut out = Vec::new();
        running_from(&r, "10.0.0.1:9030", 1, &mut out);
        assert_eq!(out[0].fe, "10.0.0.2_9010_1");
        assert_eq!(out[0].connection_id, Some(16_777_221));
        assert_eq!(out[0].query_id, None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("sales"), "`sales`");
        assert_eq!(quote_ident("we`ird"), "`we``ird`");
    }
}
