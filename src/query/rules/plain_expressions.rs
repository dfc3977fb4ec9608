//! Expressions made to mean what SQL means (each case found by the differential corpus,
//! `tests/sqldiff/`, with a minimal case in `tests/sql/plain.slt`):
//!
//! - `a IS DISTINCT FROM b AND c` is parsed as `a IS DISTINCT FROM (b AND c)`: re-associated
//!   and printed in parentheses.
//! - `COUNT(…)` is unsigned in Polars (`COUNT(DISTINCT year) - 11` wraps to 4294967295;
//!   a count over a UNION ALL fails to cast): every count is a BIGINT.
//! - `a % b` floors in Polars (`-7 % 3` = 2): SQL truncates (`-1`).
//! - an aggregate of a constant (`SUM(1)`, `MIN(2.25)`) is evaluated once, not per row:
//!   `SUM(k)` is `k × COUNT(*)` and every such aggregate is NULL over no rows.
//! - `POWER(x, n)` is refused on money and wraps on integers: it is computed in DOUBLE,
//!   as DuckDB does; so is every quotient `a / b` (Polars kept six decimal places of a
//!   divided money amount, and a quotient of quotients drifted).
//! - `RIGHT(s, n)` with n beyond the length drops characters: the whole text is kept.
//! - `ROUND` rounds half to even and `CAST(x AS INTEGER)` truncates in Polars; SQL rounds
//!   half away from zero (`ROUND(0.65, 1)` = 0.7, `CAST(1.5 AS INTEGER)` = 2).

use super::syntax::*;
use crate::query::rewrite::fname;
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr as SQLExpr, Function as SQLFunction, FunctionArg,
    FunctionArgExpr, FunctionArguments, Query as SQLQuery,
};
use std::ops::ControlFlow;

/// `a IS DISTINCT FROM (b AND c)` as parsed from `a IS DISTINCT FROM b AND c` →
/// `(a IS DISTINCT FROM b) AND c`; a right side the user parenthesised is kept.
fn reassociate(e: SQLExpr) -> SQLExpr {
    let (a, b, not) = match e {
        SQLExpr::IsDistinctFrom(a, b) => (a, b, false),
        SQLExpr::IsNotDistinctFrom(a, b) => (a, b, true),
        other => return other,
    };
    match *b {
        SQLExpr::BinaryOp {
            left,
            op: op @ (BinaryOperator::And | BinaryOperator::Or),
            right,
        } => SQLExpr::BinaryOp {
            left: Box::new(reassociate(make_raw(a, left, not))),
            op,
            right,
        },
        other => SQLExpr::Nested(Box::new(make_raw(a, Box::new(other), not))),
    }
}

fn make_raw(a: Box<SQLExpr>, b: Box<SQLExpr>, not: bool) -> SQLExpr {
    if not {
        SQLExpr::IsNotDistinctFrom(a, b)
    } else {
        SQLExpr::IsDistinctFrom(a, b)
    }
}

/// Every expression made to mean what SQL means ([`rewrite_one`]).
pub(crate) fn plain_expressions(q: &mut SQLQuery) {
    let _ = visit_expressions_mut(q, |e: &mut SQLExpr| {
        let taken = std::mem::replace(e, SQLExpr::Value(sqlparser::ast::Value::Null.into()));
        *e = rewrite_one(taken);
        ControlFlow::<()>::Continue(())
    });
}

fn rewrite_one(e: SQLExpr) -> SQLExpr {
    match e {
        // `- - 41` prints back as `--41`, a comment, when the rewrites print the query:
        // the inner sign in parentheses
        SQLExpr::UnaryOp { op, expr }
            if matches!(&*expr, SQLExpr::UnaryOp { .. })
                || matches!(&*expr, SQLExpr::Value(v) if v.value.to_string().starts_with('-')) =>
        {
            SQLExpr::UnaryOp {
                op,
                expr: Box::new(SQLExpr::Nested(expr)),
            }
        }
        SQLExpr::IsDistinctFrom(..) | SQLExpr::IsNotDistinctFrom(..) => reassociate(e),
        // a quotient is a DOUBLE, as in DuckDB: Polars divided money to six decimal
        // places, so `year / (amount / year)` was off in the fifth significant digit
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } => SQLExpr::BinaryOp {
            left: Box::new(parse(&format!("CAST({left} AS DOUBLE)"))),
            op: BinaryOperator::Divide,
            right,
        },
        // `a // b` floors in Polars (-7 // 2 = -4); SQL engines truncate (-3)
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::DuckIntegerDivide,
            right,
        } => parse(&format!(
            "CASE WHEN (({left}) < 0) <> (({right}) < 0) THEN -(ABS({left}) // ABS({right})) ELSE ABS({left}) // ABS({right}) END"
        )),
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::Modulo,
            right,
        } => {
            // a divisor written as a number stays one (`v % 0.25`: the binder reads it as
            // an exact DECIMAL beside money)
            let r = match &*right {
                SQLExpr::Value(v) if matches!(v.value, sqlparser::ast::Value::Number(..)) => {
                    right.to_string()
                }
                _ => format!("ABS({right})"),
            };
            parse(&format!(
                "CASE WHEN ({left}) < 0 THEN -(ABS({left}) % {r}) ELSE ABS({left}) % {r} END"
            ))
        }
        SQLExpr::Function(f) if f.over.is_none() => rewrite_function(f),
        other => other,
    }
}

/// [`rewrite_one`] for a function call (not a window): aggregates of constants (SUM,
/// AVG, MIN and MAX of DISTINCT values are the binder's), counts as BIGINT, ROUND half away from zero,
/// the population variance, POWER in DOUBLE, RIGHT beyond the length.
fn rewrite_function(f: SQLFunction) -> SQLExpr {
    let f = filter_as_case(f);
    let name = fname(&f);
    let distinct = f.args.to_string().to_uppercase().starts_with("(DISTINCT");
    let one = match args(&f).as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(a))] => Some(a.clone()),
        _ => None,
    };
    match (name.as_str(), one) {
        // a constant is counted once per row (Polars counted it once): NULL never
        ("COUNT", Some(k)) if constant(&k) => parse(&if distinct {
            format!("CASE WHEN ({k}) IS NULL OR CAST(COUNT(*) AS BIGINT) = 0 THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END")
        } else {
            format!("CASE WHEN ({k}) IS NULL THEN CAST(0 AS BIGINT) ELSE CAST(COUNT(*) AS BIGINT) END")
        }),
        ("COUNT", _) => parse(&format!("CAST({f} AS BIGINT)")),
        ("SUM", Some(k)) if constant(&k) && !distinct => parse(&format!(
            "CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE ({k}) * CAST(COUNT(*) AS BIGINT) END"
        )),
        ("AVG" | "MIN" | "MAX", Some(k)) if constant(&k) => parse(&format!(
            "CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE {k} END"
        )),
        // population variance and deviation, which polars-sql does not know, from
        // the sample ones: VAR_POP = VAR_SAMP × (n − 1) / n (0 for one value)
        ("VAR_POP" | "STDDEV_POP", Some(x)) if !distinct => {
            let var = format!(
                "CASE WHEN COUNT({x}) = 1 THEN 0.0 ELSE VAR_SAMP({x}) * (COUNT({x}) - 1) / CAST(COUNT({x}) AS DOUBLE) END"
            );
            parse(&if name == "VAR_POP" { var } else { format!("SQRT({var})") })
        }
        ("POWER" | "POW", _) => match args(&f).as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(a)), FunctionArg::Unnamed(FunctionArgExpr::Expr(b))] => {
                parse(&format!("POWER(CAST({a} AS DOUBLE), {b})"))
            }
            _ => SQLExpr::Function(f),
        },
        ("RIGHT", _) => match args(&f).as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(s)), FunctionArg::Unnamed(FunctionArgExpr::Expr(n))] => {
                parse(&format!(
                    "CASE WHEN LENGTH({s}) <= {n} THEN {s} ELSE RIGHT({s}, {n}) END"
                ))
            }
            _ => SQLExpr::Function(f),
        },
        _ => SQLExpr::Function(f),
    }
}

/// `AGG(x) FILTER (WHERE c)` of an aggregate that skips NULLs is `AGG(CASE WHEN c THEN x
/// END)` (`COUNT(*)` counts `CASE WHEN c THEN 1 END`): the same answer, and the rewrites
/// above then see a plain aggregate (they would otherwise drop the FILTER).
fn filter_as_case(mut f: SQLFunction) -> SQLFunction {
    // the aggregates that read NULLs (FIRST, LAST, ARRAY_AGG) keep their FILTER (the
    // binder applies it); so does a WITHIN GROUP call, whose argument is its fraction
    const READ_NULLS: &[&str] = &["FIRST", "LAST", "ARRAY_AGG"];
    let Some(cond) = f.filter.clone() else {
        return f;
    };
    let name = fname(&f);
    if !crate::query::rewrite::AGGREGATES.contains(&name.as_str())
        || READ_NULLS.contains(&name.as_str())
        || f.over.is_some()
        || !f.within_group.is_empty()
    {
        return f;
    }
    let FunctionArguments::List(l) = &mut f.args else {
        return f;
    };
    let [arg] = l.args.as_mut_slice() else {
        return f;
    };
    let value = match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => x.clone(),
        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => parse("1"),
        _ => return f,
    };
    *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: None,
        conditions: vec![sqlparser::ast::CaseWhen {
            condition: *cond,
            result: value,
        }],
        else_result: None,
    }));
    f.filter = None;
    f
}
