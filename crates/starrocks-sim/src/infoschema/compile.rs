//! Compiles sqlparser's AST into a plan's parts, refusing anything outside the subset.
//!
//! The parts: outputs, filter, sort keys and aggregates, all as `eval` expressions.

use chrono::TimeDelta;
use sqlparser::ast::{
    BinaryOperator, DateTimeField, DuplicateTreatment, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, InTarget, Interval, OrderBySort, SelectItem,
    SelectItemQualifiedWildcardKind, UnaryOperator, Value, WildcardAdditionalOptions,
};

use crate::resultset::{ColType, Column, SqlError};

use super::eval::{flag, AggFunc, Aggregate, CmpOp, Ex};
use super::{unsupported, MAX_DEPTH};

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

pub(super) fn integer_literal(e: &Expr) -> Option<i64> {
    signed_number(e)?.parse().ok()
}

#[derive(Debug)]
pub(super) struct Output {
    pub(super) name: String,
    pub(super) ex: Ex,
}

#[derive(Debug)]
pub(super) enum SortKey {
    /// An output column, by alias or ordinal.
    Output(usize),
    Expr(Ex),
}

#[derive(Debug)]
pub(super) struct SortSpec {
    pub(super) key: SortKey,
    pub(super) desc: bool,
    pub(super) nulls_first: bool,
}

pub(super) struct Compiler<'a> {
    pub(super) columns: &'a [Column],
    pub(super) qualifiers: &'a [Vec<String>],
    pub(super) now: String,
    pub(super) aggregates: Vec<Aggregate>,
}

impl Compiler<'_> {
    pub(super) fn projection(&mut self, items: &[SelectItem]) -> Result<Vec<Output>, SqlError> {
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
    pub(super) fn group_column(&self, e: &Expr, outputs: &[Output]) -> Result<usize, SqlError> {
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

    pub(super) fn sort_spec(
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

    pub(super) fn expr(
        &mut self,
        e: &Expr,
        aggregates_allowed: bool,
        depth: usize,
    ) -> Result<Ex, SqlError> {
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
