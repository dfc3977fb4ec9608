//! HAVING without GROUP BY: the whole input is one group.

use super::syntax::*;
use crate::query::rewrite::RewriteError;
use sqlparser::ast::{Expr as SQLExpr, FunctionArg, FunctionArgExpr, Ident, Select, SelectItem};

/// `SELECT aggregates FROM t HAVING cond` (no GROUP BY: one group, all rows) → `SELECT
/// names FROM (SELECT aggregates, cond AS __having FROM t) AS __h WHERE __having`;
/// polars-sql refuses HAVING without GROUP BY.
pub(crate) fn having_without_group_by(sel: &mut Select) -> Result<(), RewriteError> {
    let Some(cond) = sel.having.clone() else {
        return Ok(());
    };
    if !matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty()) {
        return Ok(());
    }
    let names: Option<Vec<String>> = sel.projection.iter().map(|it| match it {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        SelectItem::UnnamedExpr(e) if is_count(e) && matches!(e, SQLExpr::Function(f) if matches!(args(f).as_slice(), [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)])) => Some("count".into()),
        _ => None,
    }).collect();
    let Some(names) = names else {
        return Err(crate::query::rewrite::err_at(&cond, "not supported yet: HAVING without GROUP BY over a select list without names; name each item (`SUM(budget) AS total`)"));
    };
    let mut inner = sel.clone();
    inner.having = None;
    for it in &mut inner.projection {
        if let SelectItem::UnnamedExpr(e) = it {
            *it = SelectItem::ExprWithAlias {
                expr: e.clone(),
                alias: Ident::new("count"),
            };
        }
    }
    inner.projection.push(SelectItem::ExprWithAlias {
        expr: cond,
        alias: Ident::new("__having"),
    });
    // HAVING makes the query an aggregate one (one row) even when its items hold no
    // aggregate (`SELECT 1 FROM t HAVING 1 < 2`): a count keeps it so
    inner.projection.push(SelectItem::ExprWithAlias {
        expr: parse("COUNT(*)"),
        alias: Ident::new("__having_rows"),
    });
    *sel = crate::query::rewrite::outer_select(&names, &inner, "__h", "WHERE __having")?;
    Ok(())
}
