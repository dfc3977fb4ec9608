//! A column neither grouped nor aggregated is refused where it stands (an ungrouped column
//! inside COALESCE returned a list).

use crate::query::rewrite::{fname, is_aggregate as is_aggregate_call, RewriteError};
use sqlparser::ast::{Expr as SQLExpr, Ident, Select, SelectItem};
use std::ops::ControlFlow;

/// A grouped SELECT may read a column outside an aggregate only when it is a GROUP BY
/// key (SQL's rule; DuckDB's binder error): Polars returned the group's values as a list
/// (`SELECT i, COALESCE(b, 0) … GROUP BY i` gave `[10]`). Such a column is refused where
/// it stands, in the SELECT list or HAVING. (Ordinals and aliases in GROUP BY name the
/// items they stand for; ROLLUP is checked by its rewrite.)
pub(crate) fn ungrouped_columns(sel: &mut Select) -> Result<(), RewriteError> {
    let sqlparser::ast::GroupByExpr::Expressions(by, _) = &sel.group_by else {
        return Ok(());
    };
    // ROLLUP's keys are checked by its rewrite, which says so in its own words
    let rollup = |k: &SQLExpr| {
        matches!(
            k,
            SQLExpr::Rollup(_) | SQLExpr::Cube(_) | SQLExpr::GroupingSets(_)
        ) || matches!(k, SQLExpr::Function(f) if matches!(fname(f).as_str(), "ROLLUP" | "CUBE"))
    };
    if by.is_empty() || by.iter().any(rollup) {
        return Ok(());
    }
    let aliases: Vec<&Ident> = sel
        .projection
        .iter()
        .filter_map(|it| match it {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias),
            _ => None,
        })
        .collect();
    // the keys: ordinals and aliases read as the items they name
    let mut keys: Vec<SQLExpr> = vec![];
    let mut stack: Vec<SQLExpr> = by.clone();
    while let Some(k) = stack.pop() {
        match k {
            SQLExpr::Nested(x) => stack.push(*x),
            SQLExpr::Value(ref v) => {
                if let Some(
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. },
                ) = v
                    .value
                    .to_string()
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| sel.projection.get(n.wrapping_sub(1)))
                {
                    keys.push(e.clone());
                }
            }
            SQLExpr::Identifier(ref i) => {
                for it in &sel.projection {
                    if let SelectItem::ExprWithAlias { expr, alias } = it {
                        if alias.value == i.value {
                            keys.push(expr.clone());
                        }
                    }
                }
                keys.push(k);
            }
            k => keys.push(k),
        }
    }
    let column_name = |e: &SQLExpr| -> Option<(Option<String>, String)> {
        match e {
            SQLExpr::Identifier(i) => Some((None, i.value.clone())),
            SQLExpr::CompoundIdentifier(ids) if ids.len() >= 2 => Some((
                Some(ids[ids.len() - 2].value.clone()),
                ids[ids.len() - 1].value.clone(),
            )),
            _ => None,
        }
    };
    let grouped = |e: &SQLExpr| {
        let Some((q, n)) = column_name(e) else {
            return false;
        };
        keys.iter().filter_map(column_name).any(|(kq, kn)| {
            kn.eq_ignore_ascii_case(&n)
                && (q.is_none()
                    || kq.is_none()
                    || q.as_deref().map(str::to_lowercase) == kq.as_deref().map(str::to_lowercase))
        }) || (q.is_none() && aliases.iter().any(|a| a.value == n))
    };
    // what an aggregate, a key or a subquery holds is not read ungrouped: cut away
    struct Cut<'a>(&'a [SQLExpr]);
    impl sqlparser::ast::VisitorMut for Cut<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut SQLExpr) -> ControlFlow<()> {
            if self.0.contains(e)
                || is_aggregate_call(e)
                || matches!(
                    e,
                    SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
                )
            {
                *e = SQLExpr::Value(sqlparser::ast::Value::Null.into());
            }
            ControlFlow::Continue(())
        }
    }
    let mut read: Vec<SQLExpr> = sel
        .projection
        .iter()
        .filter_map(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e.clone())
            }
            _ => None,
        })
        .chain(sel.having.clone())
        .collect();
    for e in &mut read {
        let _ = sqlparser::ast::VisitMut::visit(e, &mut Cut(&keys));
        let mut found: Option<SQLExpr> = None;
        let _ = sqlparser::ast::visit_expressions(&*e, |x: &SQLExpr| {
            if column_name(x).is_some() && !grouped(x) {
                found = Some(x.clone());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if let Some(c) = found {
            return Err(crate::query::rewrite::err_at(
                &c,
                format!("`{c}` is neither a GROUP BY key nor inside an aggregate; add it to GROUP BY, or aggregate it (MAX({c}), ANY_VALUE({c}))"),
            ));
        }
    }
    Ok(())
}
