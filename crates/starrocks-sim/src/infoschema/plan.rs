//! A compiled SELECT: filter, grouping, ordering and limits, and running it over one table.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use sqlparser::ast::{Expr, GroupByExpr, LimitClause, OrderByKind, Query, Select};

use crate::resultset::{ColType, Column, ResultSet, Row, SqlError};

use super::compile::{integer_literal, Compiler, Output, SortKey, SortSpec};
use super::eval::{truth, AggFunc, Aggregate, Ex, SortVal};
use super::{unsupported, Table, DATETIME_FORMAT};

/// What one result row is evaluated against: a source row for column references and the
/// aggregate values of its group.
struct Unit<'r> {
    row: &'r [Option<String>],
    aggregates: Vec<Option<String>>,
}

#[derive(Debug)]
pub(super) struct Plan {
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
    pub(super) fn compile(
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

    pub(super) fn run(self, table: Table) -> ResultSet {
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
