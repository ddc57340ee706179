//! `SELECT` over the in-memory `information_schema` tables.
//!
//! Monitoring tools poll StarRocks with small, fixed queries against `information_schema`:
//! row counts, per-schema sums, task runs of the last few minutes. The simulator has no planner,
//! so sqlparser does the parsing and this module compiles the tiny subset those queries use (one
//! table, WHERE, at most one GROUP BY column, COUNT/SUM/MIN/MAX/AVG, ORDER BY, LIMIT) into a small
//! expression tree and evaluates it over text rows. Anything outside that subset is refused with an
//! analysis error instead of being answered approximately.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use sqlparser::ast::{
    BinaryOperator, DateTimeField, DuplicateTreatment, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget, Interval, LimitClause,
    OrderByKind, OrderBySort, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, UnaryOperator, Value,
    WildcardAdditionalOptions,
};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use crate::resultset::{ColType, Column, ResultSet, Row, SqlError};

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

/// A compiled scalar expression. Booleans are the text "1"/"0" as in MySQL; `None` is NULL.
#[derive(Debug)]
enum Ex {
    Const(Option<String>, ColType),
    Col(usize),
    /// The value of `Plan::aggregates[i]` for the current group.
    Agg(usize),
    Cmp(CmpOp, Box<Ex>, Box<Ex>),
    And(Box<Ex>, Box<Ex>),
    Or(Box<Ex>, Box<Ex>),
    Not(Box<Ex>),
    IsNull(Box<Ex>, bool),
    In(Box<Ex>, Vec<Ex>, bool),
    Like(Box<Ex>, Box<Ex>, bool),
    Between(Box<Ex>, Box<Ex>, Box<Ex>, bool),
    /// A datetime moved by an interval.
    Shift(Box<Ex>, TimeDelta),
    Upper(Box<Ex>),
    Lower(Box<Ex>),
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl CmpOp {
    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord.is_eq(),
            CmpOp::NotEq => ord.is_ne(),
            CmpOp::Lt => ord.is_lt(),
            CmpOp::LtEq => ord.is_le(),
            CmpOp::Gt => ord.is_gt(),
            CmpOp::GtEq => ord.is_ge(),
        }
    }
}

impl Ex {
    fn eval(&self, row: &[Option<String>], aggs: &[Option<String>]) -> Option<String> {
        let eval = |e: &Ex| e.eval(row, aggs);
        let cmp = |op: CmpOp, l: &Ex, r: &Ex| Some(op.holds(compare(&eval(l)?, &eval(r)?)));
        match self {
            Ex::Const(value, _) => value.clone(),
            Ex::Col(i) => row.get(*i).cloned().flatten(),
            Ex::Agg(i) => aggs.get(*i).cloned().flatten(),
            Ex::Cmp(op, l, r) => cmp(*op, l, r).map(flag),
            Ex::And(l, r) => and(truth(eval(l)), truth(eval(r))).map(flag),
            Ex::Or(l, r) => match (truth(eval(l)), truth(eval(r))) {
                (Some(true), _) | (_, Some(true)) => Some(flag(true)),
                (Some(false), Some(false)) => Some(flag(false)),
                _ => None,
            },
            Ex::Not(e) => truth(eval(e)).map(|b| flag(!b)),
            Ex::IsNull(e, negated) => Some(flag(eval(e).is_none() != *negated)),
            Ex::In(e, list, negated) => {
                let value = eval(e)?;
                let mut saw_null = false;
                for item in list {
                    match eval(item) {
                        Some(item) if compare(&value, &item).is_eq() => {
                            return Some(flag(!negated));
                        }
                        Some(_) => {}
                        None => saw_null = true,
                    }
                }
                // `x IN (…, NULL)` without a match is unknown, not false.
                (!saw_null).then(|| flag(*negated))
            }
            Ex::Like(e, pattern, negated) => {
                Some(flag(like(&eval(e)?, &eval(pattern)?) != *negated))
            }
            Ex::Between(e, low, high, negated) => {
                let inside = and(cmp(CmpOp::GtEq, e, low), cmp(CmpOp::LtEq, e, high));
                inside.map(|b| flag(b != *negated))
            }
            Ex::Shift(e, delta) => {
                let moved = parse_datetime(&eval(e)?)?.checked_add_signed(*delta)?;
                Some(moved.format(DATETIME_FORMAT).to_string())
            }
            Ex::Upper(e) => eval(e).map(|s| s.to_uppercase()),
            Ex::Lower(e) => eval(e).map(|s| s.to_lowercase()),
        }
    }

    fn children(&self) -> Vec<&Ex> {
        match self {
            Ex::Const(..) | Ex::Col(_) | Ex::Agg(_) => vec![],
            Ex::Not(e) | Ex::IsNull(e, _) | Ex::Shift(e, _) | Ex::Upper(e) | Ex::Lower(e) => {
                vec![e]
            }
            Ex::Cmp(_, l, r) | Ex::And(l, r) | Ex::Or(l, r) | Ex::Like(l, r, _) => vec![l, r],
            Ex::Between(e, low, high, _) => vec![e, low, high],
            Ex::In(e, list, _) => std::iter::once(e.as_ref()).chain(list).collect(),
        }
    }

    /// Columns read directly, i.e. not through an aggregate.
    fn columns(&self, out: &mut Vec<usize>) {
        if let Ex::Col(i) = self {
            out.push(*i);
        }
        for child in self.children() {
            child.columns(out);
        }
    }
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// MySQL truthiness: a non-zero number is true, anything else that is not NULL is false.
fn truth(value: Option<String>) -> Option<bool> {
    value.map(|s| as_float(&s).is_some_and(|n| n != 0.0))
}

fn and(l: Option<bool>, r: Option<bool>) -> Option<bool> {
    match (l, r) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn as_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// WHERE comparison: numeric when both sides are numbers, otherwise byte-wise on the text.
fn compare(a: &str, b: &str) -> Ordering {
    if let (Ok(x), Ok(y)) = (a.parse::<i128>(), b.parse::<i128>()) {
        return x.cmp(&y);
    }
    match (as_float(a), as_float(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// Sort key for ORDER BY and MIN/MAX. `compare` is not transitive across numbers and text
/// ("9" < "10" < "2a" < "9") and `sort_by` may panic on an inconsistent order, so here every
/// number sorts before every text; among numbers the float decides and the exact integer breaks
/// the ties its rounding creates.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortVal {
    Num(TotalF64, Option<i128>),
    Text(String),
}

impl SortVal {
    fn of(s: &str) -> SortVal {
        match as_float(s) {
            Some(f) => SortVal::Num(TotalF64(f), s.parse().ok()),
            None => SortVal::Text(s.to_owned()),
        }
    }
}

/// An `f64` ordered by `total_cmp`.
#[derive(Debug)]
struct TotalF64(f64);

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for TotalF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for TotalF64 {}

/// SQL LIKE: `%` is any run, `_` one character, `\` escapes the next one. Case-sensitive, as in
/// StarRocks.
fn like(text: &str, pattern: &str) -> bool {
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy match that backtracks only to the last `%`: no exponential blow-up.
    let (mut p, mut t) = (0, 0);
    let mut last_any: Option<(usize, usize)> = None;
    loop {
        match (toks.get(p), text.get(t)) {
            (None, None) => return true,
            (Some(Tok::Any), _) => {
                last_any = Some((p, t));
                p += 1;
            }
            (Some(Tok::One), Some(_)) => (p, t) = (p + 1, t + 1),
            (Some(Tok::Lit(c)), Some(x)) if c == x => (p, t) = (p + 1, t + 1),
            _ => match last_any {
                Some((any_p, any_t)) if any_t < text.len() => {
                    last_any = Some((any_p, any_t + 1));
                    (p, t) = (any_p + 1, any_t + 1);
                }
                _ => return false,
            },
        }
    }
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AggFunc {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

#[derive(Debug)]
struct Aggregate {
    func: AggFunc,
    /// `None` for `COUNT(*)`.
    arg: Option<Ex>,
    distinct: bool,
}

impl Aggregate {
    /// The aggregate over one group, and whether a SUM stayed within integers.
    fn compute(&self, rows: &[&Row]) -> (Option<String>, bool) {
        let Some(arg) = &self.arg else {
            return (Some(rows.len().to_string()), true);
        };
        let mut values: Vec<String> = rows.iter().filter_map(|row| arg.eval(row, &[])).collect();
        if self.distinct {
            let mut seen = HashSet::new();
            values.retain(|v| seen.insert(v.clone()));
        }
        let extreme = |pick: Ordering| {
            values
                .iter()
                .reduce(|best, v| {
                    if SortVal::of(v).cmp(&SortVal::of(best)) == pick {
                        v
                    } else {
                        best
                    }
                })
                .cloned()
        };
        match self.func {
            AggFunc::Count => (Some(values.len().to_string()), true),
            AggFunc::Min => (extreme(Ordering::Less), true),
            AggFunc::Max => (extreme(Ordering::Greater), true),
            AggFunc::Sum if values.is_empty() => (None, true),
            AggFunc::Sum => {
                let ints: Option<Vec<i64>> = values.iter().map(|v| v.parse().ok()).collect();
                match ints {
                    Some(ints) => {
                        let sum = ints
                            .iter()
                            .fold(0i128, |acc, &v| acc.saturating_add(v.into()));
                        (Some(sum.to_string()), true)
                    }
                    None => (Some(float_sum(&values).to_string()), false),
                }
            }
            AggFunc::Avg if values.is_empty() => (None, false),
            AggFunc::Avg => {
                let avg = float_sum(&values) / values.len() as f64;
                (Some(avg.to_string()), false)
            }
        }
    }
}

/// Text that is not a number counts as 0, as MySQL's implicit cast does.
fn float_sum(values: &[String]) -> f64 {
    values.iter().map(|v| as_float(v).unwrap_or(0.0)).sum()
}

#[derive(Debug)]
struct Output {
    name: String,
    ex: Ex,
}

#[derive(Debug)]
enum SortKey {
    /// An output column, by alias or ordinal.
    Output(usize),
    Expr(Ex),
}

#[derive(Debug)]
struct SortSpec {
    key: SortKey,
    desc: bool,
    nulls_first: bool,
}

/// What one result row is evaluated against: a source row for column references and the
/// aggregate values of its group.
struct Unit<'r> {
    row: &'r [Option<String>],
    aggregates: Vec<Option<String>>,
}

#[derive(Debug)]
struct Plan {
    columns: Vec<Column>,
    outputs: Vec<Output>,
    filter: Option<Ex>,
    aggregates: Vec<Aggregate>,
    /// Set when the query aggregates; the inner value is the GROUP BY column.
    grouping: Option<Option<usize>>,
    order: Vec<SortSpec>,
    offset: usize,
    limit: Option<usize>,
}

impl Plan {
    fn compile(
        query: &Query,
        select: &Select,
        columns: &[Column],
        qualifiers: &[Vec<String>],
        now: NaiveDateTime,
    ) -> Result<Plan, SqlError> {
        let mut c = Compiler {
            columns,
            qualifiers,
            now: now.format(DATETIME_FORMAT).to_string(),
            aggregates: Vec::new(),
        };
        let outputs = c.projection(&select.projection)?;
        let filter = match &select.selection {
            Some(e) => Some(c.expr(e, false, 0)?),
            None => None,
        };
        let group = match &select.group_by {
            GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => {
                match exprs.as_slice() {
                    [] => None,
                    [e] => Some(c.group_column(e, &outputs)?),
                    _ => return Err(unsupported("GROUP BY on several columns")),
                }
            }
            _ => return Err(unsupported("This GROUP BY form")),
        };
        let order = match &query.order_by {
            None => Vec::new(),
            Some(order_by) if order_by.interpolate.is_some() => {
                return Err(unsupported("ORDER BY … INTERPOLATE"));
            }
            Some(order_by) => match &order_by.kind {
                OrderByKind::Expressions(exprs) => exprs
                    .iter()
                    .map(|e| c.sort_spec(e, &outputs))
                    .collect::<Result<_, _>>()?,
                OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            },
        };
        let (offset, limit) = limit_clause(query.limit_clause.as_ref())?;

        let grouping = (group.is_some() || !c.aggregates.is_empty()).then_some(group);
        if let Some(group) = grouping {
            let mut read = Vec::new();
            outputs.iter().for_each(|o| o.ex.columns(&mut read));
            for spec in &order {
                if let SortKey::Expr(e) = &spec.key {
                    e.columns(&mut read);
                }
            }
            if let Some(&col) = read.iter().find(|&&i| Some(i) != group) {
                let name = columns.get(col).map_or("?", |c| c.name.as_str());
                return Err(SqlError::analysis(format!(
                    "'{name}' must be an aggregate expression or appear in GROUP BY clause"
                )));
            }
        }
        Ok(Plan {
            columns: columns.to_vec(),
            outputs,
            filter,
            aggregates: c.aggregates,
            grouping,
            order,
            offset,
            limit,
        })
    }

    fn run(self, table: Table) -> ResultSet {
        let rows: Vec<&Row> = table
            .rows
            .iter()
            .filter(|row| {
                self.filter
                    .as_ref()
                    .is_none_or(|f| truth(f.eval(row, &[])) == Some(true))
            })
            .collect();

        let mut sum_is_integral = vec![true; self.aggregates.len()];
        let units: Vec<Unit> = match self.grouping {
            None => rows
                .iter()
                .map(|row| Unit {
                    row,
                    aggregates: Vec::new(),
                })
                .collect(),
            Some(group) => group_rows(&rows, group)
                .into_iter()
                .map(|members| {
                    let values = self
                        .aggregates
                        .iter()
                        .zip(&mut sum_is_integral)
                        .map(|(agg, integral)| {
                            let (value, stayed_integral) = agg.compute(&members);
                            *integral &= stayed_integral;
                            value
                        })
                        .collect();
                    Unit {
                        row: members.first().map_or(&[][..], |row| row.as_slice()),
                        aggregates: values,
                    }
                })
                .collect(),
        };

        let mut result: Vec<(Row, Vec<Option<SortVal>>)> = units
            .iter()
            .map(|unit| {
                let (row, aggs) = (unit.row, unit.aggregates.as_slice());
                let cells: Row = self.outputs.iter().map(|o| o.ex.eval(row, aggs)).collect();
                let keys = self
                    .order
                    .iter()
                    .map(|spec| {
                        let value = match &spec.key {
                            SortKey::Output(i) => cells.get(*i).cloned().flatten(),
                            SortKey::Expr(e) => e.eval(row, aggs),
                        };
                        value.as_deref().map(SortVal::of)
                    })
                    .collect();
                (cells, keys)
            })
            .collect();
        result.sort_by(|(_, a), (_, b)| {
            let per_key = self.order.iter().zip(a.iter().zip(b));
            per_key
                .map(|(spec, (x, y))| match (x, y) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) if spec.nulls_first => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (Some(_), None) if spec.nulls_first => Ordering::Greater,
                    (Some(_), None) => Ordering::Less,
                    (Some(x), Some(y)) if spec.desc => y.cmp(x),
                    (Some(x), Some(y)) => x.cmp(y),
                })
                .find(|ord| ord.is_ne())
                .unwrap_or(Ordering::Equal)
        });

        let columns = self
            .outputs
            .iter()
            .map(|o| Column::typed(o.name.clone(), self.type_of(&o.ex, &sum_is_integral)))
            .collect();
        let rows = result
            .into_iter()
            .map(|(cells, _)| cells)
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect();
        ResultSet { columns, rows }
    }

    fn type_of(&self, ex: &Ex, sum_is_integral: &[bool]) -> ColType {
        match ex {
            Ex::Const(_, ty) => *ty,
            Ex::Col(i) => self.columns.get(*i).map_or(ColType::Varchar, |c| c.ty),
            Ex::Agg(i) => match self.aggregates.get(*i) {
                Some(Aggregate {
                    func: AggFunc::Count,
                    ..
                }) => ColType::BigInt,
                Some(Aggregate {
                    func: AggFunc::Avg, ..
                }) => ColType::Double,
                Some(Aggregate {
                    func: AggFunc::Sum,
                    arg: Some(arg),
                    ..
                }) => {
                    let integral = sum_is_integral.get(*i).copied().unwrap_or(false);
                    if integral && self.type_of(arg, sum_is_integral) != ColType::Double {
                        ColType::BigInt
                    } else {
                        ColType::Double
                    }
                }
                Some(Aggregate { arg: Some(arg), .. }) => self.type_of(arg, sum_is_integral),
                _ => ColType::Varchar,
            },
            Ex::Shift(..) => ColType::Datetime,
            Ex::Upper(_) | Ex::Lower(_) => ColType::Varchar,
            Ex::Cmp(..)
            | Ex::And(..)
            | Ex::Or(..)
            | Ex::Not(_)
            | Ex::IsNull(..)
            | Ex::In(..)
            | Ex::Like(..)
            | Ex::Between(..) => ColType::BigInt,
        }
    }
}

/// Groups rows by the GROUP BY column in order of first appearance; without one, all rows form
/// a single group, even when there are none.
fn group_rows<'r>(rows: &[&'r Row], group: Option<usize>) -> Vec<Vec<&'r Row>> {
    let Some(col) = group else {
        return vec![rows.to_vec()];
    };
    let mut index: HashMap<Option<&str>, usize> = HashMap::new();
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    for &row in rows {
        let key = row.get(col).and_then(|v| v.as_deref());
        let slot = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(slot) {
            group.push(row);
        }
    }
    groups
}

fn limit_clause(limit: Option<&LimitClause>) -> Result<(usize, Option<usize>), SqlError> {
    let count = |e: &Expr| {
        integer_literal(e)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| SqlError::analysis("LIMIT and OFFSET take a non-negative integer"))
    };
    match limit {
        None => Ok((0, None)),
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) if limit_by.is_empty() => {
            let offset = offset.as_ref().map(|o| count(&o.value)).transpose()?;
            Ok((offset.unwrap_or(0), limit.as_ref().map(count).transpose()?))
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            Ok((count(offset)?, Some(count(limit)?)))
        }
        Some(LimitClause::LimitOffset { .. }) => Err(unsupported("LIMIT BY")),
    }
}

/// A select-list position in GROUP BY / ORDER BY: an unsigned integer literal (MySQL treats
/// `-1` or `'1'` there as a constant).
fn ordinal(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// A number literal with its sign folded in (`-1.5` parses as minus applied to `1.5`).
fn signed_number(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => {
            let n = signed_number(expr)?;
            Some(match n.strip_prefix('-') {
                Some(positive) => positive.to_owned(),
                None => format!("-{n}"),
            })
        }
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => signed_number(expr),
        _ => None,
    }
}

fn integer_literal(e: &Expr) -> Option<i64> {
    signed_number(e)?.parse().ok()
}

struct Compiler<'a> {
    columns: &'a [Column],
    qualifiers: &'a [Vec<String>],
    now: String,
    aggregates: Vec<Aggregate>,
}

impl Compiler<'_> {
    fn projection(&mut self, items: &[SelectItem]) -> Result<Vec<Output>, SqlError> {
        let mut outputs = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let ex = self.expr(e, true, 0)?;
                    let name = match e {
                        Expr::Identifier(id) => id.value.clone(),
                        Expr::CompoundIdentifier(ids) => {
                            ids.last().map(|id| id.value.clone()).unwrap_or_default()
                        }
                        _ => e.to_string().to_lowercase(),
                    };
                    outputs.push(Output { name, ex });
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let ex = self.expr(expr, true, 0)?;
                    outputs.push(Output {
                        name: alias.value.clone(),
                        ex,
                    });
                }
                SelectItem::Wildcard(options) => self.wildcard(options, &mut outputs)?,
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    options,
                ) => {
                    let parts: Option<Vec<&Ident>> = name.0.iter().map(|p| p.as_ident()).collect();
                    if !parts.is_some_and(|parts| self.is_qualifier(&parts)) {
                        return Err(SqlError::analysis(format!("Unknown table '{name}'")));
                    }
                    self.wildcard(options, &mut outputs)?;
                }
                _ => return Err(unsupported("This select item")),
            }
        }
        Ok(outputs)
    }

    fn wildcard(
        &self,
        options: &WildcardAdditionalOptions,
        outputs: &mut Vec<Output>,
    ) -> Result<(), SqlError> {
        if options.opt_ilike.is_some()
            || options.opt_exclude.is_some()
            || options.opt_except.is_some()
            || options.opt_replace.is_some()
            || options.opt_rename.is_some()
            || options.opt_alias.is_some()
        {
            return Err(unsupported("A `*` with options"));
        }
        outputs.extend(self.columns.iter().enumerate().map(|(i, c)| Output {
            name: c.name.clone(),
            ex: Ex::Col(i),
        }));
        Ok(())
    }

    fn is_qualifier(&self, parts: &[&Ident]) -> bool {
        self.qualifiers.iter().any(|q| {
            q.len() == parts.len()
                && q.iter()
                    .zip(parts)
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b.value))
        })
    }

    fn column(&self, ids: &[Ident]) -> Result<usize, SqlError> {
        let found = ids.split_last().and_then(|(col, qualifier)| {
            let qualifier: Vec<&Ident> = qualifier.iter().collect();
            if !qualifier.is_empty() && !self.is_qualifier(&qualifier) {
                return None;
            }
            self.columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(&col.value))
        });
        found.ok_or_else(|| {
            let written: Vec<&str> = ids.iter().map(|id| id.value.as_str()).collect();
            SqlError::analysis(format!("Column '{}' cannot be resolved", written.join(".")))
        })
    }

    /// The GROUP BY column: a column name, else a select alias or ordinal naming a plain column.
    fn group_column(&self, e: &Expr, outputs: &[Output]) -> Result<usize, SqlError> {
        let output_column = |output: Option<&Output>| match output {
            Some(Output { ex: Ex::Col(i), .. }) => Some(*i),
            _ => None,
        };
        match e {
            Expr::Identifier(id) => self.column(std::slice::from_ref(id)).or_else(|err| {
                output_column(
                    outputs
                        .iter()
                        .find(|o| o.name.eq_ignore_ascii_case(&id.value)),
                )
                .ok_or(err)
            }),
            Expr::CompoundIdentifier(ids) => self.column(ids),
            _ => {
                let index = ordinal(e).and_then(|n| n.checked_sub(1));
                output_column(index.and_then(|i| outputs.get(i)))
                    .ok_or_else(|| unsupported("GROUP BY on anything but a single column"))
            }
        }
    }

    fn sort_spec(
        &mut self,
        e: &sqlparser::ast::OrderByExpr,
        outputs: &[Output],
    ) -> Result<SortSpec, SqlError> {
        if e.with_fill.is_some() {
            return Err(unsupported("ORDER BY … WITH FILL"));
        }
        let desc = match e.options.sort {
            None | Some(OrderBySort::Asc) => false,
            Some(OrderBySort::Desc) => true,
            Some(OrderBySort::Using(_)) => return Err(unsupported("ORDER BY … USING")),
        };
        // MySQL: NULL is the smallest value.
        let nulls_first = e.options.nulls_first.unwrap_or(!desc);
        let key = match &e.expr {
            Expr::Identifier(id) => match outputs
                .iter()
                .position(|o| o.name.eq_ignore_ascii_case(&id.value))
            {
                Some(i) => SortKey::Output(i),
                None => SortKey::Expr(self.expr(&e.expr, true, 0)?),
            },
            expr => match ordinal(expr) {
                Some(n) => {
                    let i = n.checked_sub(1).filter(|&i| i < outputs.len());
                    SortKey::Output(i.ok_or_else(|| {
                        SqlError::analysis(format!("ORDER BY position {n} is not in select list"))
                    })?)
                }
                None => SortKey::Expr(self.expr(expr, true, 0)?),
            },
        };
        Ok(SortSpec {
            key,
            desc,
            nulls_first,
        })
    }

    fn expr(&mut self, e: &Expr, aggregates_allowed: bool, depth: usize) -> Result<Ex, SqlError> {
        if depth > MAX_DEPTH {
            return Err(SqlError::analysis("Expression is nested too deeply"));
        }
        let mut sub = |e: &Expr| self.expr(e, aggregates_allowed, depth + 1).map(Box::new);
        Ok(match e {
            Expr::Identifier(id) => Ex::Col(self.column(std::slice::from_ref(id))?),
            Expr::CompoundIdentifier(ids) => Ex::Col(self.column(ids)?),
            Expr::Nested(inner) => *sub(inner)?,
            Expr::Value(v) => literal(&v.value)?,
            Expr::UnaryOp {
                op: UnaryOperator::Not | UnaryOperator::BangNot,
                expr,
            } => Ex::Not(sub(expr)?),
            Expr::UnaryOp { op, .. } => match signed_number(e) {
                Some(n) => number(n),
                None => return Err(unsupported(&format!("The operator {op}"))),
            },
            Expr::BinaryOp { left, op, right } => match (op, left.as_ref(), right.as_ref()) {
                (BinaryOperator::And, ..) => Ex::And(sub(left)?, sub(right)?),
                (BinaryOperator::Or, ..) => Ex::Or(sub(left)?, sub(right)?),
                (BinaryOperator::Plus, _, Expr::Interval(iv)) => {
                    Ex::Shift(sub(left)?, interval(iv, 1)?)
                }
                (BinaryOperator::Plus, Expr::Interval(iv), _) => {
                    Ex::Shift(sub(right)?, interval(iv, 1)?)
                }
                (BinaryOperator::Minus, _, Expr::Interval(iv)) => {
                    Ex::Shift(sub(left)?, interval(iv, -1)?)
                }
                (op, ..) => {
                    let op = match op {
                        BinaryOperator::Eq => CmpOp::Eq,
                        BinaryOperator::NotEq => CmpOp::NotEq,
                        BinaryOperator::Lt => CmpOp::Lt,
                        BinaryOperator::LtEq => CmpOp::LtEq,
                        BinaryOperator::Gt => CmpOp::Gt,
                        BinaryOperator::GtEq => CmpOp::GtEq,
                        op => return Err(unsupported(&format!("The operator {op}"))),
                    };
                    Ex::Cmp(op, sub(left)?, sub(right)?)
                }
            },
            Expr::IsNull(inner) => Ex::IsNull(sub(inner)?, false),
            Expr::IsNotNull(inner) => Ex::IsNull(sub(inner)?, true),
            Expr::In {
                expr,
                target: InTarget::List(list),
                negated,
                global: false,
            } => {
                let list = list
                    .iter()
                    .map(|item| sub(item).map(|b| *b))
                    .collect::<Result<_, _>>()?;
                Ex::In(sub(expr)?, list, *negated)
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => Ex::Between(sub(expr)?, sub(low)?, sub(high)?, *negated),
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => Ex::Like(sub(expr)?, sub(pattern)?, *negated),
            Expr::Function(f) => self.function(f, aggregates_allowed, depth)?,
            Expr::Subquery(_)
            | Expr::Exists { .. }
            | Expr::In {
                target: InTarget::Subquery(_),
                ..
            } => {
                return Err(unsupported("A subquery"));
            }
            Expr::Interval(_) => {
                return Err(unsupported("INTERVAL outside DATE_ADD, DATE_SUB, + and -"))
            }
            _ => return Err(unsupported("This expression")),
        })
    }

    fn function(
        &mut self,
        f: &Function,
        aggregates_allowed: bool,
        depth: usize,
    ) -> Result<Ex, SqlError> {
        let name = match f.name.0.as_slice() {
            [part] => part.as_ident().map(|id| id.value.to_ascii_uppercase()),
            _ => None,
        };
        let name = name.ok_or_else(|| unsupported(&format!("The function {}", f.name)))?;
        if f.over.is_some() {
            return Err(unsupported("A window function"));
        }
        if f.filter.is_some()
            || !f.within_group.is_empty()
            || f.null_treatment.is_some()
            || f.uses_odbc_syntax
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(unsupported(&format!("This form of {name}")));
        }
        let (args, distinct) = match &f.args {
            FunctionArguments::None => (Vec::new(), false),
            FunctionArguments::List(list) if list.clauses.is_empty() => {
                let args = list.args.iter().map(|arg| match arg {
                    FunctionArg::Unnamed(arg) => Ok(arg),
                    _ => Err(unsupported("A named function argument")),
                });
                let distinct = list.duplicate_treatment == Some(DuplicateTreatment::Distinct);
                (args.collect::<Result<Vec<_>, _>>()?, distinct)
            }
            _ => return Err(unsupported(&format!("This form of {name}"))),
        };
        let aggregate = match name.as_str() {
            "COUNT" => Some(AggFunc::Count),
            "SUM" => Some(AggFunc::Sum),
            "MIN" => Some(AggFunc::Min),
            "MAX" => Some(AggFunc::Max),
            "AVG" => Some(AggFunc::Avg),
            _ => None,
        };
        if let Some(func) = aggregate {
            if !aggregates_allowed {
                return Err(SqlError::analysis(format!(
                    "Aggregate function {name} is not allowed here"
                )));
            }
            let arg = match args.as_slice() {
                [FunctionArgExpr::Wildcard] if func == AggFunc::Count && !distinct => None,
                [FunctionArgExpr::Expr(arg)] => Some(self.expr(arg, false, depth + 1)?),
                _ => return Err(SqlError::analysis(format!("{name} takes one argument"))),
            };
            self.aggregates.push(Aggregate {
                func,
                arg,
                distinct,
            });
            return Ok(Ex::Agg(self.aggregates.len() - 1));
        }
        if distinct {
            return Err(unsupported(&format!("DISTINCT in {name}")));
        }
        let args: Vec<&Expr> = args
            .into_iter()
            .map(|arg| match arg {
                FunctionArgExpr::Expr(e) => Ok(e),
                _ => Err(unsupported(&format!("`*` as an argument of {name}"))),
            })
            .collect::<Result<_, _>>()?;
        let bad_arguments = || unsupported(&format!("This argument list of {name}"));
        let mut sub = |e: &Expr| self.expr(e, aggregates_allowed, depth + 1).map(Box::new);
        Ok(match name.as_str() {
            "NOW" | "CURRENT_TIMESTAMP" | "LOCALTIME" | "LOCALTIMESTAMP" => {
                if !args.is_empty() {
                    return Err(bad_arguments());
                }
                Ex::Const(Some(self.now.clone()), ColType::Datetime)
            }
            "DATE_SUB" | "DATE_ADD" => {
                let [base, Expr::Interval(iv)] = args.as_slice() else {
                    return Err(bad_arguments());
                };
                let sign = if name == "DATE_SUB" { -1 } else { 1 };
                Ex::Shift(sub(base)?, interval(iv, sign)?)
            }
            "UPPER" | "UCASE" | "LOWER" | "LCASE" => {
                let [arg] = args.as_slice() else {
                    return Err(bad_arguments());
                };
                let arg = sub(arg)?;
                if name.starts_with('U') {
                    Ex::Upper(arg)
                } else {
                    Ex::Lower(arg)
                }
            }
            _ => return Err(unsupported(&format!("The function {name}"))),
        })
    }
}

fn literal(value: &Value) -> Result<Ex, SqlError> {
    Ok(match value {
        Value::Number(n, _) => number(n.clone()),
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            Ex::Const(Some(s.clone()), ColType::Varchar)
        }
        Value::Boolean(b) => Ex::Const(Some(flag(*b)), ColType::BigInt),
        Value::Null => Ex::Const(None, ColType::Varchar),
        _ => return Err(unsupported("This kind of literal")),
    })
}

fn number(n: String) -> Ex {
    let ty = if n.parse::<i64>().is_ok() {
        ColType::BigInt
    } else {
        ColType::Double
    };
    Ex::Const(Some(n), ty)
}

/// `INTERVAL n unit` as a signed duration; MySQL also accepts the amount quoted.
fn interval(iv: &Interval, sign: i64) -> Result<TimeDelta, SqlError> {
    if iv.last_field.is_some()
        || iv.leading_precision.is_some()
        || iv.fractional_seconds_precision.is_some()
    {
        return Err(unsupported("This INTERVAL form"));
    }
    let amount = match iv.value.as_ref() {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.trim().parse().ok(),
            _ => integer_literal(&iv.value),
        },
        e => integer_literal(e),
    };
    let amount: i64 =
        amount.ok_or_else(|| SqlError::analysis("INTERVAL takes an integer amount"))?;
    let unit_seconds: i64 = match &iv.leading_field {
        Some(DateTimeField::Second | DateTimeField::Seconds) => 1,
        Some(DateTimeField::Minute | DateTimeField::Minutes) => 60,
        Some(DateTimeField::Hour | DateTimeField::Hours) => 3_600,
        Some(DateTimeField::Day | DateTimeField::Days) => 86_400,
        Some(DateTimeField::Week(None) | DateTimeField::Weeks) => 604_800,
        Some(unit) => return Err(unsupported(&format!("The INTERVAL unit {unit}"))),
        None => return Err(unsupported("An INTERVAL without a unit")),
    };
    amount
        .checked_mul(unit_seconds)
        .and_then(|s| s.checked_mul(sign))
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(|| SqlError::analysis("INTERVAL is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
