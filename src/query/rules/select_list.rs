//! The SELECT list as SQL names it: `GROUP BY ALL` listed, a second output of one name
//! named `_2`.

use crate::query::rewrite::{contains, is_aggregate as is_aggregate_call, RewriteError};
use sqlparser::ast::{Expr as SQLExpr, Ident, Select, SelectItem};

/// `GROUP BY ALL` → the SELECT items that are not aggregates (polars-sql's GROUP BY ALL
/// lost the groups of QUANTILE_CONT); and a second output column of one name gets `_2`
/// (`SELECT a.line, b.line`: a Polars frame cannot hold two columns of one name).
pub(crate) fn select_list(sel: &mut Select) -> Result<(), RewriteError> {
    // DuckDB's FROM-first forms: `FROM t` is `SELECT * FROM t` (it was read as a query
    // of no column), `FROM t SELECT a` is `SELECT a FROM t`
    use sqlparser::ast::SelectFlavor;
    if sel.flavor == SelectFlavor::FromFirstNoSelect && sel.projection.is_empty() {
        sel.projection = vec![SelectItem::Wildcard(Default::default())];
    }
    sel.flavor = SelectFlavor::Standard;
    // a key listed twice groups as once (Polars refused the duplicate name)
    if let sqlparser::ast::GroupByExpr::Expressions(keys, _) = &mut sel.group_by {
        let mut seen: Vec<SQLExpr> = vec![];
        keys.retain(|k| {
            let dup = seen.contains(k);
            if !dup {
                seen.push(k.clone());
            }
            !dup
        });
    }
    let star = sel.projection.iter().any(|it| {
        matches!(
            it,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    if matches!(&sel.group_by, sqlparser::ast::GroupByExpr::All(m) if m.is_empty()) && !star {
        let keys: Vec<SQLExpr> = sel
            .projection
            .iter()
            .filter_map(|it| match it {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                _ => None,
            })
            .filter(|e| {
                !contains(*e, &|x| {
                    is_aggregate_call(x) || matches!(x, SQLExpr::Function(f) if f.over.is_some())
                })
            })
            .cloned()
            .collect();
        if !keys.is_empty() {
            sel.group_by = sqlparser::ast::GroupByExpr::Expressions(keys, vec![]);
        }
    }
    let mut seen: Vec<String> = vec![];
    for it in &mut sel.projection {
        let Some(name) = crate::query::rewrite::output_name(it) else {
            continue;
        };
        if seen.contains(&name) {
            let mut k = 2;
            while seen.contains(&format!("{name}_{k}")) {
                k += 1;
            }
            let new = format!("{name}_{k}");
            let e = match &*it {
                SelectItem::ExprWithAlias { expr, .. } | SelectItem::UnnamedExpr(expr) => {
                    expr.clone()
                }
                _ => continue,
            };
            *it = SelectItem::ExprWithAlias {
                expr: e,
                alias: Ident::new(new.clone()),
            };
            seen.push(new);
        } else {
            seen.push(name);
        }
    }
    Ok(())
}
