//! Compiled expressions and aggregates, evaluated over text rows with MySQL's rules.
//!
//! NULL logic, truthiness, numeric-or-text comparison, LIKE, and the sort order of values.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::resultset::{ColType, Row};

use super::DATETIME_FORMAT;

/// A compiled scalar expression. Booleans are the text "1"/"0" as in MySQL; `None` is NULL.
#[derive(Debug)]
pub(super) enum Ex {
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
pub(super) enum CmpOp {
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
    pub(super) fn eval(&self, row: &[Option<String>], aggs: &[Option<String>]) -> Option<String> {
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
    pub(super) fn columns(&self, out: &mut Vec<usize>) {
        if let Ex::Col(i) = self {
            out.push(*i);
        }
        for child in self.children() {
            child.columns(out);
        }
    }
}

pub(super) fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// MySQL truthiness: a non-zero number is true, anything else that is not NULL is false.
pub(super) fn truth(value: Option<String>) -> Option<bool> {
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
pub(super) enum SortVal {
    Num(TotalF64, Option<i128>),
    Text(String),
}

impl SortVal {
    pub(super) fn of(s: &str) -> SortVal {
        match as_float(s) {
            Some(f) => SortVal::Num(TotalF64(f), s.parse().ok()),
            None => SortVal::Text(s.to_owned()),
        }
    }
}

/// An `f64` ordered by `total_cmp`.
#[derive(Debug)]
pub(super) struct TotalF64(f64);

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
pub(super) fn like(text: &str, pattern: &str) -> bool {
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
pub(super) enum AggFunc {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

#[derive(Debug)]
pub(super) struct Aggregate {
    pub(super) func: AggFunc,
    /// `None` for `COUNT(*)`.
    pub(super) arg: Option<Ex>,
    pub(super) distinct: bool,
}

impl Aggregate {
    /// The aggregate over one group, and whether a SUM stayed within integers.
    pub(super) fn compute(&self, rows: &[&Row]) -> (Option<String>, bool) {
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
