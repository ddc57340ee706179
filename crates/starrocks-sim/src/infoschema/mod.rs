//! `SELECT` over the in-memory `information_schema` tables.
//!
//! Monitoring tools poll StarRocks with small, fixed queries against `information_schema`:
//! row counts, per-schema sums, task runs of the last few minutes. The simulator has no planner,
//! so sqlparser does the parsing and this module compiles the tiny subset those queries use (one
//! table, WHERE, at most one GROUP BY column, COUNT/SUM/MIN/MAX/AVG, ORDER BY, LIMIT) into a small
//! expression tree and evaluates it over text rows. Anything outside that subset is refused with an
//! analysis error instead of being answered approximately.
//!
//! `plan` runs one SELECT, compiled by `compile` into `eval` expressions; this module parses the
//! statement, checks its shape and opens the table.

mod compile;
mod eval;
mod plan;

use chrono::NaiveDateTime;
use sqlparser::ast::{Query, Select, SelectFlavor, SetExpr, Statement, TableFactor};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use crate::resultset::{Column, ResultSet, Row, SqlError};

use plan::Plan;

/// One in-memory table: its columns (in order) and text rows (None = SQL NULL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// Where tables come from. Lookups are case-insensitive; `schema` is "information_schema" when the
/// query names it or names no schema.
pub trait TableSource {
    fn table(&self, schema: &str, name: &str) -> Option<Table>;
}

/// Runs one SELECT. `now` is the server's current local time (used by NOW(), CURRENT_TIMESTAMP,
/// DATE_SUB…).
pub fn execute_select(
    sql: &str,
    source: &dyn TableSource,
    now: NaiveDateTime,
) -> Result<ResultSet, SqlError> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(unsupported(&format!(
            "A statement longer than {MAX_SQL_BYTES} bytes"
        )));
    }
    let statements = Parser::parse_sql(&MySqlDialect {}, sql).map_err(|e| syntax_error(&e))?;
    let query = match statements.as_slice() {
        [Statement::Query(query)] => query,
        [] => return Err(syntax_error(&"empty statement")),
        [_] => return Err(unsupported("A statement other than SELECT")),
        _ => return Err(unsupported("More than one statement")),
    };
    let select = plain_select(query)?;
    let (table, qualifiers) = open_table(select, source)?;
    let plan = Plan::compile(query, select, &table.columns, &qualifiers, now)?;
    Ok(plan.run(table))
}

const DEFAULT_SCHEMA: &str = "information_schema";
const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// sqlparser's AST is dropped recursively, so a long operator chain (`1|1|1…`, two bytes a level)
/// can overflow the stack when the statement is freed; monitoring queries are far shorter.
const MAX_SQL_BYTES: usize = 16 * 1024;
/// sqlparser bounds nesting but not long left-deep chains (`a OR b OR …`); this keeps compiling
/// and evaluating such input from exhausting the stack.
const MAX_DEPTH: usize = 256;

fn syntax_error(detail: &dyn std::fmt::Display) -> SqlError {
    let detail = detail.to_string();
    let (line, column) = error_position(&detail).unwrap_or((1, 0));
    SqlError::syntax(format!(
        "Getting syntax error at line {line}, column {column}. Detail message: {detail}."
    ))
}

/// sqlparser ends most messages with "at Line: L, Column: C".
fn error_position(message: &str) -> Option<(u64, u64)> {
    let (_, tail) = message.rsplit_once("Line: ")?;
    let (line, column) = tail.split_once(", Column: ")?;
    let column: String = column.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

fn unsupported(what: &str) -> SqlError {
    SqlError::analysis(format!("{what} is not supported"))
}

/// The single `SELECT … FROM …` block of the query, refusing every clause this module does not
/// evaluate.
fn plain_select(query: &Query) -> Result<&Select, SqlError> {
    if query.with.is_some() {
        return Err(unsupported("WITH"));
    }
    if query.fetch.is_some()
        || !query.locks.is_empty()
        || query.for_clause.is_some()
        || query.settings.is_some()
        || query.format_clause.is_some()
        || !query.pipe_operators.is_empty()
    {
        return Err(unsupported("This query clause"));
    }
    let select = match query.body.as_ref() {
        SetExpr::Select(select) => select,
        SetExpr::Query(_) => return Err(unsupported("A subquery")),
        SetExpr::SetOperation { op, .. } => return Err(unsupported(&op.to_string())),
        _ => return Err(unsupported("A statement other than SELECT")),
    };
    if select.having.is_some() {
        return Err(unsupported("HAVING"));
    }
    if select.distinct.is_some() {
        return Err(unsupported("SELECT DISTINCT"));
    }
    if !select.named_window.is_empty() || select.qualify.is_some() {
        return Err(unsupported("A window function"));
    }
    if select.top.is_some()
        || select.into.is_some()
        || select.exclude.is_some()
        || !select.lateral_views.is_empty()
        || select.prewhere.is_some()
        || !select.connect_by.is_empty()
        || !select.cluster_by.is_empty()
        || !select.distribute_by.is_empty()
        || !select.sort_by.is_empty()
        || select.value_table_mode.is_some()
        || select.flavor != SelectFlavor::Standard
    {
        return Err(unsupported("This SELECT clause"));
    }
    Ok(select)
}

/// Fetches the FROM table and the qualifiers (`alias`, `table`, `schema.table`) its columns may be
/// written with.
fn open_table(
    select: &Select,
    source: &dyn TableSource,
) -> Result<(Table, Vec<Vec<String>>), SqlError> {
    let from = match select.from.as_slice() {
        [from] if from.joins.is_empty() => from,
        [] => return Err(unsupported("SELECT without FROM")),
        _ => return Err(unsupported("JOIN")),
    };
    let (name, alias) = match &from.relation {
        TableFactor::Table {
            name,
            alias,
            args: None,
            version: None,
            sample: None,
            partitions,
            with_hints,
            ..
        } if partitions.is_empty() && with_hints.is_empty() => (name, alias),
        TableFactor::Derived { .. } => return Err(unsupported("A subquery")),
        _ => return Err(unsupported("This kind of FROM clause")),
    };
    let parts: Option<Vec<&str>> = name
        .0
        .iter()
        .map(|part| part.as_ident().map(|i| i.value.as_str()))
        .collect();
    let (schema, table_name) = match parts.as_deref() {
        Some([table]) => (DEFAULT_SCHEMA, *table),
        Some([schema, table]) => (*schema, *table),
        _ => return Err(unsupported("A catalog-qualified table name")),
    };
    let table = source
        .table(schema, table_name)
        .ok_or_else(|| SqlError::analysis(format!("Unknown table '{schema}.{table_name}'")))?;
    let qualifiers = match alias {
        Some(alias) if !alias.columns.is_empty() => {
            return Err(unsupported("A table alias with column names"));
        }
        Some(alias) => vec![vec![alias.name.value.clone()]],
        None => vec![
            vec![table_name.to_owned()],
            vec![schema.to_owned(), table_name.to_owned()],
        ],
    };
    Ok((table, qualifiers))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::eval::{like, SortVal};
    use super::*;
    use crate::resultset::ColType;

    struct FakeSource;

    /// A row written as `a|b|NULL`.
    fn row(line: &str) -> Row {
        line.split('|')
            .map(|cell| (cell != "NULL").then(|| cell.to_owned()))
            .collect()
    }

    impl TableSource for FakeSource {
        fn table(&self, schema: &str, name: &str) -> Option<Table> {
            if !schema.eq_ignore_ascii_case("information_schema") {
                return None;
            }
            let (varchar, typed) = (Column::varchar, Column::typed);
            match name.to_ascii_lowercase().as_str() {
                "tables" => Some(Table {
                    columns: vec![
                        varchar("TABLE_SCHEMA"),
                        varchar("TABLE_NAME"),
                        varchar("TABLE_TYPE"),
                        typed("TABLE_ROWS", ColType::BigInt),
                        typed("DATA_LENGTH", ColType::BigInt),
                        typed("CREATE_TIME", ColType::Datetime),
                    ],
                    rows: vec![
                        row("sales|orders|BASE TABLE|100|2048|2024-05-01 11:00:00"),
                        row("sales|customers|BASE TABLE|20|512|2024-05-01 11:58:00"),
                        row("sales|order_view|VIEW|NULL|NULL|2024-05-01 11:57:00"),
                        row("ops|metrics|BASE TABLE|5|1024|NULL"),
                        row("information_schema|tables|SYSTEM VIEW|0|0|NULL"),
                        row("_statistics_|column_statistics|BASE TABLE|7|300|2024-04-30 09:00:00"),
                    ],
                }),
                "task_runs" => Some(Table {
                    columns: vec![
                        varchar("TASK_NAME"),
                        varchar("STATE"),
                        typed("CREATE_TIME", ColType::Datetime),
                        typed("FINISH_TIME", ColType::Datetime),
                    ],
                    rows: vec![
                        row("mv_refresh_1|SUCCESS|2024-05-01 11:50:00|2024-05-01 11:51:00"),
                        row("mv_refresh_2|FAILED|2024-05-01 11:56:30|2024-05-01 11:57:00"),
                        row("load_job|RUNNING|2024-05-01 11:59:00|NULL"),
                        row("old_job|SUCCESS|2024-04-30 08:00:00|2024-04-30 08:05:00"),
                    ],
                }),
                "materialized_views" => Some(Table {
                    columns: vec![varchar("TABLE_NAME"), typed("TABLE_ROWS", ColType::BigInt)],
                    rows: Vec::new(),
                }),
                _ => None,
            }
        }
    }

    /// 2024-05-01 12:00:00, the fixture's "now".
    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 5, 1)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("valid date")
    }

    fn query(sql: &str) -> Result<ResultSet, SqlError> {
        execute_select(sql, &FakeSource, now())
    }

    fn run(sql: &str) -> ResultSet {
        match query(sql) {
            Ok(rs) => rs,
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    fn fail(sql: &str) -> SqlError {
        match query(sql) {
            Ok(rs) => panic!("{sql}: expected an error, got {rs:?}"),
            Err(e) => e,
        }
    }

    /// The rows of a result, NULL written as "NULL" to keep expectations short.
    fn rows(rs: &ResultSet) -> Vec<Vec<&str>> {
        rs.rows
            .iter()
            .map(|r| r.iter().map(|c| c.as_deref().unwrap_or("NULL")).collect())
            .collect()
    }

    /// The first column of each row.
    fn first(rs: &ResultSet) -> Vec<&str> {
        rows(rs)
            .into_iter()
            .map(|r| r.first().copied().unwrap_or("?"))
            .collect()
    }

    fn names(rs: &ResultSet) -> Vec<&str> {
        rs.columns.iter().map(|c| c.name.as_str()).collect()
    }

    fn types(rs: &ResultSet) -> Vec<ColType> {
        rs.columns.iter().map(|c| c.ty).collect()
    }

    fn analysis(detail: &str) -> SqlError {
        SqlError::analysis(detail)
    }

    #[test]
    fn column_list_keeps_the_names_as_written_and_the_source_types() {
        let rs = run("SELECT TABLE_SCHEMA, table_name, t.TABLE_ROWS FROM information_schema.tables t WHERE TABLE_TYPE = 'VIEW'");
        assert_eq!(names(&rs), ["TABLE_SCHEMA", "table_name", "TABLE_ROWS"]);
        assert_eq!(
            types(&rs),
            [ColType::Varchar, ColType::Varchar, ColType::BigInt]
        );
        assert_eq!(rows(&rs), [["sales", "order_view", "NULL"]]);
    }

    #[test]
    fn star_returns_every_column_and_row_in_table_order() {
        let rs = run("select * from task_runs");
        assert_eq!(
            names(&rs),
            ["TASK_NAME", "STATE", "CREATE_TIME", "FINISH_TIME"]
        );
        assert_eq!(
            types(&rs),
            [
                ColType::Varchar,
                ColType::Varchar,
                ColType::Datetime,
                ColType::Datetime
            ]
        );
        assert_eq!(
            first(&rs),
            ["mv_refresh_1", "mv_refresh_2", "load_job", "old_job"]
        );
        assert_eq!(
            rows(&rs)[2],
            ["load_job", "RUNNING", "2024-05-01 11:59:00", "NULL"]
        );
    }

    #[test]
    fn qualified_star_aliases_backquotes_case_and_semicolon() {
        let rs = run(
            "SeLeCt `t`.* FrOm `INFORMATION_SCHEMA`.`TASK_RUNS` AS t wHeRe `state` = 'FAILED';",
        );
        assert_eq!(
            rows(&rs),
            [[
                "mv_refresh_2",
                "FAILED",
                "2024-05-01 11:56:30",
                "2024-05-01 11:57:00"
            ]]
        );
        let rs = run("SELECT tables.TABLE_NAME AS n FROM tables WHERE information_schema.tables.TABLE_SCHEMA = 'ops'");
        assert_eq!(names(&rs), ["n"]);
        assert_eq!(rows(&rs), [["metrics"]]);
    }

    #[test]
    fn count_star_without_and_with_where() {
        let rs = run("SELECT COUNT(*) FROM information_schema.tables");
        assert_eq!(names(&rs), ["count(*)"]);
        assert_eq!(types(&rs), [ColType::BigInt]);
        assert_eq!(rows(&rs), [["6"]]);

        let rs = run("SELECT count(*) AS n FROM tables WHERE TABLE_SCHEMA = 'sales'");
        assert_eq!(names(&rs), ["n"]);
        assert_eq!(rows(&rs), [["3"]]);
    }

    #[test]
    fn count_of_a_column_skips_nulls_and_count_distinct_counts_values() {
        let rs = run("SELECT COUNT(TABLE_ROWS), COUNT(DISTINCT TABLE_SCHEMA), count(distinct TABLE_TYPE) FROM tables");
        assert_eq!(
            names(&rs),
            [
                "count(table_rows)",
                "count(distinct table_schema)",
                "count(distinct table_type)"
            ]
        );
        // 5 non-NULL TABLE_ROWS; schemas sales, ops, information_schema, _statistics_; 3 types.
        assert_eq!(rows(&rs), [["5", "4", "3"]]);
    }

    #[test]
    fn sum_with_group_by() {
        let rs = run(
            "SELECT TABLE_SCHEMA, SUM(DATA_LENGTH) AS bytes, COUNT(*) FROM tables \
             GROUP BY TABLE_SCHEMA ORDER BY TABLE_SCHEMA",
        );
        assert_eq!(names(&rs), ["TABLE_SCHEMA", "bytes", "count(*)"]);
        assert_eq!(
            types(&rs),
            [ColType::Varchar, ColType::BigInt, ColType::BigInt]
        );
        // sales: 2048 + 512 (+ NULL ignored); ops: 1024; information_schema: 0; _statistics_: 300.
        assert_eq!(
            rows(&rs),
            [
                ["_statistics_", "300", "1"],
                ["information_schema", "0", "1"],
                ["ops", "1024", "1"],
                ["sales", "2560", "3"],
            ]
        );
    }

    #[test]
    fn group_by_alias_and_ordinal_and_order_by_aggregate() {
        let rs = run("SELECT TABLE_TYPE AS kind, COUNT(*) AS n FROM tables GROUP BY kind ORDER BY n DESC, kind");
        assert_eq!(
            rows(&rs),
            [["BASE TABLE", "4"], ["SYSTEM VIEW", "1"], ["VIEW", "1"]]
        );
        let rs = run(
            "SELECT STATE, COUNT(*) FROM task_runs GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1",
        );
        assert_eq!(rows(&rs), [["SUCCESS", "2"]]);
    }

    #[test]
    fn group_by_without_aggregates_returns_each_value_once() {
        let rs = run("SELECT STATE FROM task_runs GROUP BY STATE ORDER BY STATE");
        assert_eq!(first(&rs), ["FAILED", "RUNNING", "SUCCESS"]);
    }

    #[test]
    fn sum_min_max_avg_types_and_values() {
        let rs = run("SELECT SUM(TABLE_ROWS), MIN(TABLE_ROWS), MAX(TABLE_ROWS), AVG(TABLE_ROWS), MIN(CREATE_TIME), MAX(TABLE_NAME) FROM tables WHERE TABLE_SCHEMA = 'sales'");
        assert_eq!(
            names(&rs),
            [
                "sum(table_rows)",
                "min(table_rows)",
                "max(table_rows)",
                "avg(table_rows)",
                "min(create_time)",
                "max(table_name)"
            ]
        );
        assert_eq!(
            types(&rs),
            [
                ColType::BigInt,
                ColType::BigInt,
                ColType::BigInt,
                ColType::Double,
                ColType::Datetime,
                ColType::Varchar
            ]
        );
        // TABLE_ROWS of sales: 100, 20, NULL. MIN is numeric (20 < 100), not textual.
        assert_eq!(
            rows(&rs),
            [["120", "20", "100", "60", "2024-05-01 11:00:00", "orders"]]
        );

        let rs = run("SELECT AVG(DATA_LENGTH) FROM tables WHERE TABLE_NAME IN ('orders', 'metrics', 'tables', 'customers')");
        // (2048 + 1024 + 0 + 512) / 4
        assert_eq!(rows(&rs), [["896"]]);
        let rs = run("SELECT AVG(DATA_LENGTH) FROM tables WHERE TABLE_NAME IN ('customers', 'metrics', 'tables', 'column_statistics')");
        // (512 + 1024 + 0 + 300) / 4
        assert_eq!(rows(&rs), [["459"]]);
        let rs =
            run("SELECT AVG(TABLE_ROWS) FROM tables WHERE TABLE_NAME IN ('metrics', 'customers')");
        assert_eq!(rows(&rs), [["12.5"]]);
    }

    #[test]
    fn sum_over_non_integers_is_double() {
        let rs = run("SELECT SUM(TASK_NAME) FROM task_runs WHERE STATE = 'SUCCESS'");
        // Non-numeric text counts as 0, which makes the sum a DOUBLE.
        assert_eq!(types(&rs), [ColType::Double]);
        assert_eq!(rows(&rs), [["0"]]);
    }

    #[test]
    fn in_and_not_in_exclude_system_schemas() {
        let rs = run(
            "SELECT TABLE_NAME FROM tables \
             WHERE TABLE_SCHEMA NOT IN ('information_schema', '_statistics_', 'sys') ORDER BY TABLE_NAME",
        );
        assert_eq!(first(&rs), ["customers", "metrics", "order_view", "orders"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_SCHEMA IN ('information_schema', '_statistics_')");
        assert_eq!(first(&rs), ["tables", "column_statistics"]);
        let rs = run("SELECT COUNT(*) FROM tables WHERE TABLE_ROWS IN (5, '20', 7.0)");
        assert_eq!(rows(&rs), [["3"]]);
    }

    #[test]
    fn like_and_not_like() {
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_NAME LIKE 'order%'");
        assert_eq!(first(&rs), ["orders", "order_view"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_NAME LIKE '_e%s'");
        assert_eq!(first(&rs), ["metrics"]);
        // `\_` is a literal underscore; LIKE is case-sensitive as in StarRocks.
        let rs = run(
            r"SELECT TABLE_NAME FROM tables WHERE TABLE_NAME LIKE '%\_%' OR TABLE_NAME LIKE 'ORDERS'",
        );
        assert_eq!(first(&rs), ["order_view", "column_statistics"]);
        let rs = run("SELECT TASK_NAME FROM task_runs WHERE TASK_NAME NOT LIKE 'mv%'");
        assert_eq!(first(&rs), ["load_job", "old_job"]);
    }

    #[test]
    fn like_matcher_edge_cases() {
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("abc", "a%c"));
        assert!(like("abc", "%%%"));
        assert!(!like("abc", "%b"));
        assert!(like("a%c", r"a\%c"));
        assert!(!like("abc", r"a\%c"));
        assert!(like("ééa", "__a"));
    }

    #[test]
    fn is_null_and_is_not_null() {
        let rs = run("SELECT TABLE_NAME FROM tables WHERE CREATE_TIME IS NULL");
        assert_eq!(first(&rs), ["metrics", "tables"]);
        let rs = run(
            "SELECT TASK_NAME FROM task_runs WHERE FINISH_TIME IS NOT NULL AND STATE <> 'FAILED'",
        );
        assert_eq!(first(&rs), ["mv_refresh_1", "old_job"]);
    }

    #[test]
    fn time_window_with_date_sub() {
        // now = 12:00:00, so the window starts at 11:55:00.
        let rs = run("SELECT TASK_NAME FROM information_schema.task_runs WHERE CREATE_TIME >= DATE_SUB(NOW(), INTERVAL 5 MINUTE)");
        assert_eq!(first(&rs), ["mv_refresh_2", "load_job"]);
    }

    #[test]
    fn time_window_with_interval_arithmetic() {
        // Window starts at 11:00:00 inclusive.
        let rs =
            run("SELECT TASK_NAME FROM task_runs WHERE CREATE_TIME >= NOW() - INTERVAL 1 HOUR");
        assert_eq!(first(&rs), ["mv_refresh_1", "mv_refresh_2", "load_job"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE CREATE_TIME >= CURRENT_TIMESTAMP - INTERVAL 1 HOUR");
        assert_eq!(first(&rs), ["orders", "customers", "order_view"]);
        // 2024-04-30 08:00:00 is more than one day but less than one week old.
        let rs = run("SELECT TASK_NAME FROM task_runs WHERE CREATE_TIME < CURRENT_TIMESTAMP() - INTERVAL 1 DAY AND CREATE_TIME > NOW() - INTERVAL 1 WEEK");
        assert_eq!(first(&rs), ["old_job"]);
        let rs = run("SELECT TASK_NAME FROM task_runs WHERE FINISH_TIME + INTERVAL 30 SECOND > DATE_ADD(CREATE_TIME, INTERVAL 90 SECOND)");
        // Finished more than a minute after creation: mv_refresh_2 took 30 s, mv_refresh_1
        // exactly 60 s (11:51:30 > 11:51:30 fails), old_job 5 min; load_job has no FINISH_TIME.
        assert_eq!(first(&rs), ["old_job"]);
    }

    #[test]
    fn now_and_interval_in_the_projection() {
        let rs =
            run("SELECT NOW(), NOW() - INTERVAL '2' HOUR AS two_hours_ago FROM task_runs LIMIT 1");
        assert_eq!(names(&rs), ["now()", "two_hours_ago"]);
        assert_eq!(types(&rs), [ColType::Datetime, ColType::Datetime]);
        assert_eq!(rows(&rs), [["2024-05-01 12:00:00", "2024-05-01 10:00:00"]]);
    }

    #[test]
    fn between_upper_and_lower() {
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS BETWEEN 5 AND 20");
        assert_eq!(first(&rs), ["customers", "metrics", "column_statistics"]);
        let rs = run("SELECT UPPER(TABLE_NAME) FROM tables WHERE LOWER(TABLE_TYPE) = 'view'");
        assert_eq!(names(&rs), ["upper(table_name)"]);
        assert_eq!(first(&rs), ["ORDER_VIEW"]);
    }

    #[test]
    fn order_by_is_numeric_with_nulls_first_ascending_and_last_descending() {
        let rs = run("SELECT TABLE_NAME, TABLE_ROWS FROM tables ORDER BY TABLE_ROWS");
        assert_eq!(
            first(&rs),
            [
                "order_view",
                "tables",
                "metrics",
                "column_statistics",
                "customers",
                "orders"
            ]
        );
        let rs = run("SELECT TABLE_NAME FROM tables ORDER BY TABLE_ROWS DESC");
        assert_eq!(
            first(&rs),
            [
                "orders",
                "customers",
                "column_statistics",
                "metrics",
                "tables",
                "order_view"
            ]
        );
    }

    #[test]
    fn order_by_with_limit_and_offset() {
        let rs =
            run("SELECT TABLE_NAME, DATA_LENGTH FROM tables ORDER BY DATA_LENGTH DESC LIMIT 2");
        assert_eq!(rows(&rs), [["orders", "2048"], ["metrics", "1024"]]);
        let rs = run("SELECT TABLE_NAME FROM tables ORDER BY 1 LIMIT 2 OFFSET 1");
        assert_eq!(first(&rs), ["customers", "metrics"]);
        let rs = run(
            "SELECT TABLE_NAME FROM tables ORDER BY TABLE_SCHEMA DESC, TABLE_NAME ASC LIMIT 1, 2",
        );
        assert_eq!(first(&rs), ["order_view", "orders"]);
        let rs = run("SELECT TABLE_NAME FROM tables LIMIT 0");
        assert!(rs.rows.is_empty());
        let rs = run("SELECT TABLE_NAME FROM tables LIMIT 10 OFFSET 5");
        assert_eq!(first(&rs), ["column_statistics"]);
    }

    #[test]
    fn aggregates_over_an_empty_table() {
        let rs = run("SELECT COUNT(*), COUNT(TABLE_NAME), SUM(TABLE_ROWS), MIN(TABLE_ROWS), MAX(TABLE_NAME), AVG(TABLE_ROWS) FROM materialized_views");
        assert_eq!(
            types(&rs),
            [
                ColType::BigInt,
                ColType::BigInt,
                ColType::BigInt,
                ColType::BigInt,
                ColType::Varchar,
                ColType::Double
            ]
        );
        assert_eq!(rows(&rs), [["0", "0", "NULL", "NULL", "NULL", "NULL"]]);
        // The same when WHERE leaves nothing.
        let rs = run("SELECT COUNT(*), SUM(DATA_LENGTH) FROM tables WHERE TABLE_SCHEMA = 'nope'");
        assert_eq!(rows(&rs), [["0", "NULL"]]);
        // With GROUP BY there is no group at all.
        let rs = run("SELECT TABLE_NAME, COUNT(*) FROM materialized_views GROUP BY TABLE_NAME");
        assert!(rs.rows.is_empty());
        assert_eq!(names(&rs), ["TABLE_NAME", "count(*)"]);
    }

    #[test]
    fn null_comparisons_are_unknown() {
        // order_view has TABLE_ROWS NULL: neither the comparison nor its negation selects it.
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS > 10");
        assert_eq!(first(&rs), ["orders", "customers"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE NOT (TABLE_ROWS > 10)");
        assert_eq!(first(&rs), ["metrics", "tables", "column_statistics"]);
        let rs = run("SELECT COUNT(*) FROM tables WHERE TABLE_ROWS = NULL OR TABLE_ROWS <> NULL");
        assert_eq!(rows(&rs), [["0"]]);
        // Unknown OR true is true; unknown AND false is false, and NOT false is true.
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS > 1 OR TABLE_TYPE = 'VIEW'");
        assert_eq!(
            first(&rs),
            [
                "orders",
                "customers",
                "order_view",
                "metrics",
                "column_statistics"
            ]
        );
        let rs = run("SELECT TABLE_NAME FROM tables WHERE NOT (TABLE_ROWS > 1 AND TABLE_TYPE = 'BASE TABLE')");
        assert_eq!(first(&rs), ["order_view", "tables"]);
        // NOT IN with a NULL in the list never holds.
        let rs = run("SELECT COUNT(*) FROM tables WHERE TABLE_SCHEMA NOT IN ('ops', NULL)");
        assert_eq!(rows(&rs), [["0"]]);
        let rs = run("SELECT COUNT(*) FROM tables WHERE TABLE_SCHEMA IN ('ops', NULL)");
        assert_eq!(rows(&rs), [["1"]]);
    }

    #[test]
    fn comparisons_are_numeric_only_when_both_sides_are_numbers() {
        // Numerically 100 > 20; as text "100" < "20".
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS > '20'");
        assert_eq!(first(&rs), ["orders"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_NAME > 'order_view' AND TABLE_SCHEMA != 'ops'");
        assert_eq!(first(&rs), ["orders", "tables"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS >= -1 AND TABLE_ROWS < 1.5");
        assert_eq!(first(&rs), ["tables"]);
        let rs = run("SELECT TABLE_NAME FROM tables WHERE TABLE_ROWS > -0.5 AND TABLE_ROWS < +5.5");
        assert_eq!(first(&rs), ["metrics", "tables"]);
    }

    #[test]
    fn sort_order_is_total_with_numbers_before_text() {
        // Pairwise, "9" < "10" (numbers), "10" < "2a" and "2a" < "9" (text): a cycle that
        // sorting must not trip over.
        let mut values = vec![
            "2a",
            "10",
            "x",
            "9",
            "1.5",
            "-3",
            "9007199254740993",
            "9007199254740992",
        ];
        values.sort_by_key(|v| SortVal::of(v));
        assert_eq!(
            values,
            [
                "-3",
                "1.5",
                "9",
                "10",
                "9007199254740992",
                "9007199254740993",
                "2a",
                "x"
            ]
        );
    }

    #[test]
    fn parse_failures_are_syntax_errors() {
        let e = fail("SELECT * FROM tables WHERE");
        assert_eq!(e.code, 1064);
        assert_eq!(
            e.message,
            "Getting syntax error at line 1, column 0. Detail message: sql parser error: Expected: an expression, found: EOF."
        );
        let e = fail("SELECT * FROM tables garbage garbage");
        assert_eq!(
            e.message,
            "Getting syntax error at line 1, column 30. Detail message: sql parser error: Expected: end of statement, found: garbage at Line: 1, Column: 30."
        );
    }

    #[test]
    fn unknown_table() {
        assert_eq!(
            fail("SELECT * FROM nope"),
            analysis("Unknown table 'information_schema.nope'")
        );
        assert_eq!(
            fail("SELECT * FROM sys.tables"),
            analysis("Unknown table 'sys.tables'")
        );
    }

    #[test]
    fn unknown_column_even_when_no_row_is_read() {
        assert_eq!(
            fail("SELECT bogus FROM tables"),
            analysis("Column 'bogus' cannot be resolved")
        );
        assert_eq!(
            fail("SELECT COUNT(*) FROM materialized_views WHERE bogus = 1"),
            analysis("Column 'bogus' cannot be resolved")
        );
        assert_eq!(
            fail("SELECT x.TABLE_NAME FROM tables t"),
            analysis("Column 'x.TABLE_NAME' cannot be resolved")
        );
        assert_eq!(
            fail("SELECT 1 FROM tables ORDER BY nope"),
            analysis("Column 'nope' cannot be resolved")
        );
    }

    #[test]
    fn a_plain_column_beside_aggregates_must_be_the_group_by_column() {
        let expected =
            analysis("'TABLE_NAME' must be an aggregate expression or appear in GROUP BY clause");
        assert_eq!(fail("SELECT TABLE_NAME, COUNT(*) FROM tables"), expected);
        assert_eq!(
            fail("SELECT TABLE_NAME, COUNT(*) FROM tables GROUP BY TABLE_SCHEMA"),
            expected
        );
        assert_eq!(
            fail("SELECT * FROM tables GROUP BY TABLE_SCHEMA").code,
            1064
        );
    }

    #[test]
    fn sql_outside_the_subset_is_an_analysis_error() {
        let cases = [
            ("SELECT * FROM tables a JOIN task_runs b ON a.TABLE_NAME = b.TASK_NAME", "JOIN is not supported"),
            ("SELECT * FROM tables, task_runs", "JOIN is not supported"),
            ("SELECT * FROM (SELECT * FROM tables) t", "A subquery is not supported"),
            ("SELECT * FROM tables WHERE TABLE_NAME IN (SELECT TASK_NAME FROM task_runs)", "A subquery is not supported"),
            ("SELECT COUNT(*) OVER () FROM tables", "A window function is not supported"),
            ("SELECT 1 FROM tables; SELECT 2 FROM tables", "More than one statement is not supported"),
            ("SELECT TABLE_SCHEMA, COUNT(*) FROM tables GROUP BY TABLE_SCHEMA HAVING COUNT(*) > 1", "HAVING is not supported"),
            ("SELECT COUNT(*) FROM tables GROUP BY TABLE_SCHEMA, TABLE_TYPE", "GROUP BY on several columns is not supported"),
            ("DELETE FROM tables", "A statement other than SELECT is not supported"),
            ("SHOW TABLES", "A statement other than SELECT is not supported"),
            ("SELECT md5(TABLE_NAME) FROM tables", "The function MD5 is not supported"),
            ("SELECT * FROM tables UNION SELECT * FROM tables", "UNION is not supported"),
            ("SELECT DATA_LENGTH / 1024 FROM tables", "The operator / is not supported"),
            ("SELECT 1", "SELECT without FROM is not supported"),
            ("SELECT * FROM tables WHERE CREATE_TIME > NOW() - INTERVAL 1 MONTH", "The INTERVAL unit MONTH is not supported"),
        ];
        for (sql, detail) in cases {
            assert_eq!(query(sql), Err(analysis(detail)), "{sql}");
        }
        assert_eq!(
            fail("SELECT * FROM tables WHERE COUNT(*) > 1"),
            analysis("Aggregate function COUNT is not allowed here")
        );
        assert_eq!(
            fail("SELECT 1 FROM tables ORDER BY 3"),
            analysis("ORDER BY position 3 is not in select list")
        );
    }

    #[test]
    fn garbage_returns_an_error_without_panicking() {
        let long = "x".repeat(10 * 1024);
        let deep = format!(
            "SELECT * FROM tables WHERE {}1{}",
            "(".repeat(5_000),
            ")".repeat(5_000)
        );
        let bitwise = format!("SELECT * FROM tables WHERE {}", vec!["1"; 8_000].join("|"));
        let too_long = format!(
            "SELECT * FROM tables WHERE TABLE_NAME IN ({})",
            vec!["'t'"; 5_000].join(",")
        );
        assert_eq!(
            query(&too_long),
            Err(analysis(
                "A statement longer than 16384 bytes is not supported"
            ))
        );
        let chain = format!(
            "SELECT * FROM tables WHERE {}",
            vec!["TABLE_ROWS = 1"; 2_000].join(" OR ")
        );
        let garbage = [
            "",
            ";",
            "SELECT",
            "SELECT * FROM",
            "SELECT (TABLE_NAME FROM tables",
            "SELECT TABLE_NAME) FROM tables",
            "SELECT * FROM tables WHERE ((TABLE_ROWS = 1)",
            long.as_str(),
            deep.as_str(),
            chain.as_str(),
            bitwise.as_str(),
            "SELECT * FROM tables LIMIT -1",
            "SELECT * FROM tables LIMIT 99999999999999999999999",
            "SELECT * FROM tables WHERE CREATE_TIME > NOW() - INTERVAL 9223372036854775807 WEEK",
            "SELECT COUNT(DISTINCT *) FROM tables",
            "SELECT SUM() FROM tables",
            "SELECT NOW(3) FROM tables",
            "SELECT \u{0}\u{ffff} FROM tables",
            "SELECT * FROM a.b.c.d",
        ];
        for sql in garbage {
            let shown: String = sql.chars().take(60).collect();
            assert!(query(sql).is_err(), "{shown} should fail");
        }
    }

    #[test]
    fn odd_but_valid_input_evaluates_sensibly() {
        // A datetime that cannot be parsed shifts to NULL, which never matches.
        let rs = run("SELECT COUNT(*) FROM task_runs WHERE TASK_NAME - INTERVAL 1 DAY < NOW()");
        assert_eq!(rows(&rs), [["0"]]);
        // Date-only text is midnight.
        let rs = run("SELECT DATE_ADD('2024-05-01', INTERVAL 1 HOUR) FROM materialized_views");
        assert!(rs.rows.is_empty());
        let rs = run(
            "SELECT COUNT(*) FROM task_runs WHERE DATE_ADD('2024-05-01', INTERVAL 12 HOUR) = NOW()",
        );
        assert_eq!(rows(&rs), [["4"]]);
    }
}
