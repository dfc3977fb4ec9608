//! Unaliased `COUNT(*)` named `count` (Polars would say `len`), `COUNT(x)` named `x`.

use super::syntax::*;
use sqlparser::ast::{
    Expr as SQLExpr, FunctionArg, FunctionArgExpr, Ident, Query as SQLQuery, SelectItem, SetExpr,
    TableFactor,
};

/// Unaliased `COUNT(*)` items are named `count` (polars would say `len`) and `COUNT(x)`
/// items `x`, before the counts become casts that would lose those names.
pub(crate) fn name_counts(q: &mut SQLQuery) {
    fn body(s: &mut SetExpr) {
        match s {
            SetExpr::Select(sel) => {
                let defaults: Vec<Option<String>> = sel
                    .projection
                    .iter()
                    .map(crate::query::rewrite::default_name)
                    .collect();
                for (i, it) in sel.projection.iter_mut().enumerate() {
                    let SelectItem::UnnamedExpr(e) = it else {
                        continue;
                    };
                    if !is_count(e) {
                        continue;
                    }
                    let SQLExpr::Function(f) = &*e else { continue };
                    let name = match args(f).as_slice() {
                        [FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Identifier(id)))]
                            if f.args.to_string().to_uppercase().contains("DISTINCT") =>
                        {
                            format!("count_{}", id.value)
                        }
                        [FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Identifier(id)))] => {
                            let n = &id.value;
                            let clash = defaults
                                .iter()
                                .enumerate()
                                .any(|(j, d)| j != i && d.as_deref() == Some(n.as_str()));
                            if clash {
                                format!("count_{n}")
                            } else {
                                n.clone()
                            }
                        }
                        [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] => "count".into(),
                        _ => continue,
                    };
                    *it = SelectItem::ExprWithAlias {
                        expr: e.clone(),
                        alias: Ident::new(name),
                    };
                }
                for t in &mut sel.from {
                    factor(&mut t.relation);
                    for j in &mut t.joins {
                        factor(&mut j.relation);
                    }
                }
            }
            SetExpr::Query(q) => name_counts(q),
            SetExpr::SetOperation { left, right, .. } => {
                body(left);
                body(right);
            }
            _ => {}
        }
    }
    fn factor(t: &mut TableFactor) {
        if let TableFactor::Derived { subquery, .. } = t {
            name_counts(subquery);
        }
    }
    if let Some(w) = &mut q.with {
        for c in &mut w.cte_tables {
            name_counts(&mut c.query);
        }
    }
    body(&mut q.body);
}
