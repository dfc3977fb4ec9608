//! A condition inside `EXISTS (SELECT … WHERE …)` that reads only the outer row (or no
//! column at all) decides nothing about the subquery's rows: for an outer row where it is
//! not true the subquery has no row, and where it is true it filters nothing. So
//!
//! ```sql
//! EXISTS (SELECT 1 FROM t1 WHERE t1.k = t0.k AND t0.f)
//!   = COALESCE(t0.f, FALSE) AND EXISTS (SELECT 1 FROM t1 WHERE t1.k = t0.k)
//! ```
//!
//! (never NULL, as EXISTS), and NOT EXISTS is its negation. The lowering of correlated
//! subqueries joins on conditions between the subquery's and the outer tables and refused
//! a term with no column of the subquery's own. A subquery that aggregates without GROUP BY
//! (one row even when no row passes its WHERE), is grouped, or is limited is left alone.

use crate::query::rewrite::{contains, is_aggregate};
use sqlparser::ast::{BinaryOperator, Expr as SQLExpr, Query as SQLQuery, SelectItem, SetExpr};
use std::ops::ControlFlow;

/// Move the outer-only terms of every EXISTS of `q` out of it.
pub(crate) fn exists_outer_terms(q: &mut SQLQuery) {
    let _ = sqlparser::ast::visit_expressions_mut(q, |e: &mut SQLExpr| {
        if let SQLExpr::Exists { subquery, negated } = e {
            if let Some(outer) = hoist(subquery) {
                let exists = SQLExpr::Exists {
                    subquery: subquery.clone(),
                    negated: false,
                };
                let cond = SQLExpr::BinaryOp {
                    left: Box::new(outer),
                    op: BinaryOperator::And,
                    right: Box::new(exists),
                };
                *e = if *negated {
                    SQLExpr::UnaryOp {
                        op: sqlparser::ast::UnaryOperator::Not,
                        expr: Box::new(SQLExpr::Nested(Box::new(cond))),
                    }
                } else {
                    SQLExpr::Nested(Box::new(cond))
                };
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Take the outer-only terms out of the subquery's WHERE; their conjunction as
/// `COALESCE(…, FALSE)`, or None when there is none or the subquery is not a plain one.
fn hoist(sub: &mut SQLQuery) -> Option<SQLExpr> {
    if sub.with.is_some() || sub.limit_clause.is_some() || sub.fetch.is_some() {
        return None;
    }
    let SetExpr::Select(sel) = sub.body.as_mut() else {
        return None;
    };
    let grouped =
        !matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty());
    let aggregates = sel.projection.iter().any(|it| match it {
        SelectItem::UnnamedExpr(x) | SelectItem::ExprWithAlias { expr: x, .. } => {
            contains(x, &is_aggregate)
        }
        _ => false,
    });
    if grouped || sel.having.is_some() || aggregates || sel.top.is_some() || sel.from.is_empty() {
        return None;
    }
    let inner = super::from_item_names(sel);
    let mut terms = vec![];
    crate::query::rewrite::conjuncts(sel.selection.take()?, &mut terms);
    let (outer, rest): (Vec<SQLExpr>, Vec<SQLExpr>) =
        terms.into_iter().partition(|t| outer_only(t, &inner));
    sel.selection = crate::query::rewrite::and_all(rest);
    let outer = crate::query::rewrite::and_all(outer)?;
    crate::query::rewrite::parse_expr(&format!("COALESCE(({outer}), FALSE)")).ok()
}

/// True when `t` reads no column of the subquery's own tables (`inner`): every column is
/// qualified by another name, and it holds no subquery, aggregate or window.
fn outer_only(t: &SQLExpr, inner: &[String]) -> bool {
    let mut ok = true;
    let _ = sqlparser::ast::visit_expressions(t, |x: &SQLExpr| {
        match x {
            SQLExpr::Identifier(_)
            | SQLExpr::Subquery(_)
            | SQLExpr::Exists { .. }
            | SQLExpr::InSubquery { .. }
            | SQLExpr::AnyOp { .. }
            | SQLExpr::AllOp { .. } => ok = false,
            SQLExpr::CompoundIdentifier(ids) => {
                let q = ids.len().checked_sub(2).map(|i| &ids[i].value);
                if q.is_none_or(|q| inner.iter().any(|n| n.eq_ignore_ascii_case(q))) {
                    ok = false;
                }
            }
            SQLExpr::Function(f) if f.over.is_some() || is_aggregate(x) => ok = false,
            _ => {}
        }
        if ok {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    ok
}
