//! Statement dispatch: what an FE answers to a COM_QUERY.
//!
//! StarRocks-specific SHOW statements are recognised by their keywords (no SQL grammar knows
//! them); SELECTs over information_schema go to the `infoschema` evaluator; anything else gets a
//! StarRocks-style error packet.

use chrono::NaiveDateTime;

use crate::infoschema::{self, Table as InfoTable, TableSource};
use crate::model::ClusterState;
use crate::resultset::{ColType, Column, ResultSet, SqlError};
use crate::show;

/// Per-connection state the statements can see and change.
#[derive(Debug, Clone)]
pub struct SessionCtx {
    pub fe_idx: usize,
    pub conn_id: u64,
    pub user: String,
    pub db: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Rows(ResultSet),
    /// An OK packet (SET, USE, …).
    Ok,
}

/// What running one statement produced, and whether StarRocks counts it as a query.
pub struct Outcome {
    pub reply: Result<Reply, SqlError>,
    pub is_query: bool,
}

/// Strips leading `/* … */` comments, whitespace and trailing semicolons.
pub fn normalize(sql: &str) -> &str {
    let mut s = sql.trim();
    while let Some(rest) = s.strip_prefix("/*") {
        match rest.find("*/") {
            Some(end) => s = rest[end + 2..].trim_start(),
            None => break,
        }
    }
    s.trim_end_matches(|c: char| c == ';' || c.is_whitespace())
}

pub fn execute(st: &mut ClusterState, ctx: &mut SessionCtx, sql: &str) -> Outcome {
    let stmt = normalize(sql);
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let first = words
        .first()
        .map(|w| w.to_ascii_uppercase())
        .unwrap_or_default();
    let is_query = first == "SELECT" || first == "WITH";
    let reply = match first.as_str() {
        "" => Err(SqlError::syntax(
            "Getting syntax error at line 1, column 0. Detail message: Unexpected input '<EOF>', the most similar input is {'SELECT', 'SHOW', 'SET', 'USE'}.",
        )),
        "SHOW" => show_statement(st, ctx, stmt, &words),
        "SELECT" => select(st, ctx, stmt),
        "SET" => set_statement(stmt),
        "USE" => match words.get(1) {
            Some(db) => use_db(st, ctx, db.trim_matches('`')),
            None => Err(syntax_error_at(stmt, "<EOF>")),
        },
        "BEGIN" | "COMMIT" | "ROLLBACK" => Ok(Reply::Ok),
        _ => Err(syntax_error_at(stmt, words.first().copied().unwrap_or(""))),
    };
    Outcome { reply, is_query }
}

pub fn use_db(st: &ClusterState, ctx: &mut SessionCtx, db: &str) -> Result<Reply, SqlError> {
    if st.catalog.db(db).is_none() {
        return Err(SqlError::new(
            1049,
            b"42000",
            format!("Unknown database '{db}'"),
        ));
    }
    ctx.db = Some(db.to_string());
    Ok(Reply::Ok)
}

fn syntax_error_at(stmt: &str, token: &str) -> SqlError {
    let column = stmt.find(token).unwrap_or(0);
    SqlError::syntax(format!(
        "Getting syntax error at line 1, column {column}. Detail message: Unexpected input '{token}', the most similar input is {{'SELECT', 'SHOW', 'SET', 'USE'}}."
    ))
}

fn upper(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_ascii_uppercase()).collect()
}

/// Statements forwarded to the leader fail when no FE leads (election in progress).
fn need_leader(st: &ClusterState) -> Result<(), SqlError> {
    match st.alive_leader() {
        Some(_) => Ok(()),
        None => Err(SqlError::unknown(
            "Leader FE is not ready, please retry later",
        )),
    }
}

/// `FROM db` / `IN db` after the statement's keywords, or the session's database.
fn from_db<'a>(
    ctx: &'a SessionCtx,
    rest: &'a [&'a str],
) -> Result<(Option<String>, &'a [&'a str]), SqlError> {
    match rest {
        [kw, db, tail @ ..] if kw.eq_ignore_ascii_case("FROM") || kw.eq_ignore_ascii_case("IN") => {
            Ok((Some(db.trim_matches('`').to_string()), tail))
        }
        tail => Ok((ctx.db.clone(), tail)),
    }
}

/// An optional trailing `LIMIT n`; anything else left over is a syntax error.
fn trailing_limit(stmt: &str, tail: &[&str]) -> Result<Option<usize>, SqlError> {
    match tail {
        [] => Ok(None),
        [kw, n] if kw.eq_ignore_ascii_case("LIMIT") => n
            .parse::<usize>()
            .map(Some)
            .map_err(|_| syntax_error_at(stmt, n)),
        [tok, ..] => Err(syntax_error_at(stmt, tok)),
    }
}

fn limited(mut rs: ResultSet, limit: Option<usize>) -> ResultSet {
    if let Some(n) = limit {
        rs.rows.truncate(n);
    }
    rs
}

fn show_statement(
    st: &mut ClusterState,
    ctx: &mut SessionCtx,
    stmt: &str,
    words: &[&str],
) -> Result<Reply, SqlError> {
    let up = upper(words);
    let up: Vec<&str> = up.iter().map(String::as_str).collect();
    let rows = match &up[1..] {
        ["BACKENDS"] => {
            need_leader(st)?;
            show::show_backends(st)
        }
        ["FRONTENDS"] => {
            need_leader(st)?;
            let answering = st.alive_leader().unwrap_or(ctx.fe_idx);
            show::show_frontends(st, answering)
        }
        ["COMPUTE", "NODES"] => {
            need_leader(st)?;
            show::show_compute_nodes(st)
        }
        ["PROCESSLIST"] => show::show_processlist(st, ctx.fe_idx, false),
        ["FULL", "PROCESSLIST"] => show::show_processlist(st, ctx.fe_idx, true),
        ["DATABASES"] => show::show_databases(st),
        ["PROC", _] => {
            need_leader(st)?;
            let path = words[2].trim_matches(|c| c == '\'' || c == '"');
            let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            match parts.as_slice() {
                ["backends"] => show::show_backends(st),
                ["frontends"] => show::show_frontends(st, st.alive_leader().unwrap_or(ctx.fe_idx)),
                ["compute_nodes"] => show::show_compute_nodes(st),
                ["transactions", rest @ ..] => show::show_proc_transactions(st, rest)?,
                _ => return Err(SqlError::unknown(format!("Invalid proc path: {path}"))),
            }
        }
        ["DATA", ..] => {
            let (db, tail) = from_db(ctx, &words[2..])?;
            trailing_limit(stmt, tail)?;
            let (db, table) = match db.as_deref().and_then(|d| d.split_once('.')) {
                Some((d, t)) if !t.is_empty() => (Some(d.to_string()), Some(t.to_string())),
                _ => (db, None),
            };
            show::show_data(st, db.as_deref(), table.as_deref())?
        }
        ["ROUTINE", "LOAD", ..] | ["ALL", "ROUTINE", "LOAD", ..] => {
            let all = up[1] == "ALL";
            let skip = if all { 4 } else { 3 };
            let (db, tail) = from_db(ctx, &words[skip..])?;
            let limit = trailing_limit(stmt, tail)?;
            limited(show::show_routine_load(st, db.as_deref(), all)?, limit)
        }
        ["LOAD", ..] => {
            let (db, tail) = from_db(ctx, &words[2..])?;
            let limit = trailing_limit(stmt, tail)?;
            limited(show::show_load(st, db.as_deref())?, limit)
        }
        ["ALTER", "TABLE", "COLUMN", ..] => {
            let (db, tail) = from_db(ctx, &words[4..])?;
            let limit = trailing_limit(stmt, tail)?;
            limited(show::show_alter_column(st, db.as_deref())?, limit)
        }
        ["PROFILELIST", ..] => {
            let limit = trailing_limit(stmt, &words[2..])?;
            limited(show::show_profilelist(st)?, limit)
        }
        ["VARIABLES", ..] | ["SESSION", "VARIABLES", ..] | ["GLOBAL", "VARIABLES", ..] => {
            let pos = up.iter().position(|w| *w == "VARIABLES").unwrap_or(1);
            show_variables(st, &words[pos + 1..])?
        }
        _ => {
            return Err(syntax_error_at(
                stmt,
                words.get(1).copied().unwrap_or("<EOF>"),
            ))
        }
    };
    Ok(Reply::Rows(rows))
}

/// Session variables a client may ask for; `socket` is deliberately absent (docs/starrocks-facts.md §9).
fn variables(st: &ClusterState) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("auto_increment_increment", "1".to_string()),
        ("autocommit", "1".into()),
        ("character_set_client", "utf8".into()),
        ("character_set_connection", "utf8".into()),
        ("character_set_results", "utf8".into()),
        ("character_set_server", "utf8".into()),
        ("collation_connection", "utf8_general_ci".into()),
        ("collation_database", "utf8_general_ci".into()),
        ("collation_server", "utf8_general_ci".into()),
        ("group_concat_max_len", "65535".into()),
        ("init_connect", "".into()),
        ("interactive_timeout", "3600".into()),
        ("language", "/starrocks/share/english/".into()),
        ("license", "Apache License 2.0".into()),
        ("lower_case_table_names", "0".into()),
        ("max_allowed_packet", "33554432".into()),
        ("net_buffer_length", "16384".into()),
        ("net_write_timeout", "60".into()),
        ("query_cache_size", "1048576".into()),
        ("query_cache_type", "0".into()),
        ("query_timeout", "300".into()),
        ("sql_mode", "ONLY_FULL_GROUP_BY".into()),
        ("system_time_zone", "Asia/Shanghai".into()),
        ("time_zone", "Asia/Shanghai".into()),
        ("tx_isolation", "REPEATABLE-READ".into()),
        ("version", st.version.mysql_server_version().into()),
        (
            "version_comment",
            format!("StarRocks version {}", st.version.full()),
        ),
        ("wait_timeout", "28800".into()),
    ];
    if st.version >= crate::version::Version::new(3, 3, 0) {
        vars.push(("transaction_read_only", "OFF".into()));
        vars.push(("transaction_isolation", "REPEATABLE-READ".into()));
    }
    if st.version >= crate::version::Version::new(3, 4, 2) {
        vars.push(("default_storage_engine", "olap".into()));
    }
    vars.sort_by(|a, b| a.0.cmp(b.0));
    vars
}

fn show_variables(st: &ClusterState, rest: &[&str]) -> Result<ResultSet, SqlError> {
    let pattern = match rest {
        [] => None,
        [kw, pat] if kw.eq_ignore_ascii_case("LIKE") => Some(pat.trim_matches(|c| c == '\'' || c == '"').to_string()),
        _ => return Err(SqlError::syntax("Getting syntax error at line 1, column 15. Detail message: only SHOW VARIABLES [LIKE 'pattern'] is supported.")),
    };
    let mut rs = ResultSet::varchar(&["Variable_name", "Value"]);
    for (name, value) in variables(st) {
        if pattern.as_deref().is_none_or(|p| like(name, p)) {
            rs.rows.push(vec![Some(name.into()), Some(value)]);
        }
    }
    Ok(rs)
}

fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|k| go(&t[k..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => {
                t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(&t[1..], rest)
            }
        }
    }
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&t, &p)
}

fn set_statement(stmt: &str) -> Result<Reply, SqlError> {
    // sqlx sends `SET sql_mode=(SELECT CONCAT(@@sql_mode, …))`; StarRocks only takes constants.
    if stmt.to_ascii_uppercase().contains("SELECT") {
        return Err(SqlError::analysis(
            "Set statement only support constant expr.",
        ));
    }
    Ok(Reply::Ok)
}

fn select(st: &mut ClusterState, ctx: &SessionCtx, stmt: &str) -> Result<Reply, SqlError> {
    let up = stmt.to_ascii_uppercase();
    if !up.contains(" FROM ") {
        return select_constants(st, ctx, stmt).map(Reply::Rows);
    }
    let now = crate::format::time_string(st.now_ms, st.tz)
        .and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S").ok())
        .unwrap_or_default();
    let source = StateTables { st };
    infoschema::execute_select(stmt, &source, now).map(Reply::Rows)
}

/// information_schema over the model. Tables of other databases hold no emulated data.
struct StateTables<'a> {
    st: &'a ClusterState,
}

impl TableSource for StateTables<'_> {
    fn table(&self, schema: &str, name: &str) -> Option<InfoTable> {
        if !schema.eq_ignore_ascii_case("information_schema") {
            return None;
        }
        show::info_schema_table(self.st, name)
    }
}

/// `SELECT 1`, `SELECT @@version_comment LIMIT 1`, `SELECT current_version()`, …
fn select_constants(
    st: &ClusterState,
    ctx: &SessionCtx,
    stmt: &str,
) -> Result<ResultSet, SqlError> {
    let body = stmt[6..].trim();
    let body = match body.to_ascii_uppercase().rfind(" LIMIT ") {
        Some(pos) => &body[..pos],
        None => body,
    };
    let vars = variables(st);
    let mut rs = ResultSet::default();
    let mut row = Vec::new();
    for item in split_top_level(body) {
        let item = item.trim();
        let (expr, alias) = match item.to_ascii_uppercase().rfind(" AS ") {
            Some(pos) => (
                item[..pos].trim(),
                Some(item[pos + 4..].trim().trim_matches('`')),
            ),
            None => (item, None),
        };
        let lower = expr.to_ascii_lowercase();
        let (ty, value) = if let Some(var) = lower.strip_prefix("@@") {
            let var = var
                .trim_start_matches("session.")
                .trim_start_matches("global.");
            match vars.iter().find(|(n, _)| *n == var) {
                Some((_, v)) => {
                    let ty = if v.parse::<i64>().is_ok() {
                        ColType::BigInt
                    } else {
                        ColType::Varchar
                    };
                    (ty, Some(v.clone()))
                }
                None => {
                    return Err(SqlError::new(
                        1193,
                        b"HY000",
                        format!("Unknown system variable '{var}'"),
                    ))
                }
            }
        } else if let Ok(n) = expr.parse::<i64>() {
            (ColType::BigInt, Some(n.to_string()))
        } else if (expr.starts_with('\'') && expr.ends_with('\'') && expr.len() >= 2)
            || (expr.starts_with('"') && expr.ends_with('"') && expr.len() >= 2)
        {
            (ColType::Varchar, Some(expr[1..expr.len() - 1].to_string()))
        } else {
            match lower.replace(' ', "").as_str() {
                "current_version()" => (ColType::Varchar, Some(st.version.full())),
                "version()" => (
                    ColType::Varchar,
                    Some(st.version.mysql_server_version().to_string()),
                ),
                "database()" | "schema()" => (ColType::Varchar, ctx.db.clone()),
                "connection_id()" => (ColType::BigInt, Some(ctx.conn_id.to_string())),
                "user()" | "current_user()" | "session_user()" => {
                    let host = st
                        .fes
                        .get(ctx.fe_idx)
                        .map(|f| f.addr.ip.clone())
                        .unwrap_or_default();
                    (ColType::Varchar, Some(format!("'{}'@'{host}'", ctx.user)))
                }
                "now()" | "current_timestamp()" | "current_timestamp" => (
                    ColType::Datetime,
                    crate::format::time_string(st.now_ms, st.tz),
                ),
                "null" => (ColType::Varchar, None),
                _ => {
                    return Err(SqlError::analysis(format!(
                        "No matching function with signature or unknown expression: {expr}"
                    )))
                }
            }
        };
        rs.columns.push(Column::typed(alias.unwrap_or(expr), ty));
        row.push(value);
    }
    if rs.columns.is_empty() {
        return Err(syntax_error_at(stmt, "<EOF>"));
    }
    rs.rows.push(row);
    Ok(rs)
}

/// Splits a select list at commas that are not inside parentheses or quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_comments_and_semicolons() {
        assert_eq!(
            normalize("  /* client */ SHOW BACKENDS ;; "),
            "SHOW BACKENDS"
        );
        assert_eq!(normalize("/* unterminated SHOW"), "/* unterminated SHOW");
    }

    #[test]
    fn select_list_splits_outside_parentheses_and_quotes() {
        assert_eq!(
            split_top_level("@@a, @@b,concat('x,y', f(1,2))"),
            vec!["@@a", " @@b", "concat('x,y', f(1,2))"]
        );
    }

    #[test]
    fn like_patterns() {
        assert!(like("max_allowed_packet", "max%"));
        assert!(like("wait_timeout", "wait_timeou_"));
        assert!(!like("wait_timeout", "max%"));
    }
}
