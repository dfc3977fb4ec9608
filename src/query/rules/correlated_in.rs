//! `x IN (SELECT c FROM t WHERE …)` in WHERE, where the subquery reads the outer row
//! through a qualified name (`t1.k < t0.k`): the subquery lowering plans correlated
//! EXISTS, not correlated IN (it took `t0` for a table the subquery should read, and said
//! so). As a condition of WHERE (a conjunct, not under NOT or OR) `x IN (s)` keeps the
//! same rows as
//!
//! ```sql
//! EXISTS (SELECT 1 FROM t WHERE (…) AND c = (x))
//! ```
//!
//! (a NULL answer and a false one both drop the row). `x`'s bare columns are qualified by
//! the outer query's one FROM item, so the subquery cannot take them for its own.
//! `NOT IN`, and IN under OR or NOT, are left as they are (their NULLs differ from NOT
//! EXISTS).

use crate::query::rewrite::{and_all, conjuncts, RewriteError};
use sqlparser::ast::{Expr as SQLExpr, Ident, Query as SQLQuery, Select, SelectItem, SetExpr};
use std::ops::ControlFlow;

/// Rewrite the correlated IN conjuncts of every SELECT's WHERE.
pub(crate) fn correlated_in(q: &mut SQLQuery) -> Result<(), RewriteError> {
    super::syntax::each_select(q, &mut |sel| {
        rewrite_where(sel);
        Ok(())
    })
}

fn rewrite_where(sel: &mut Select) {
    let Some(outer) = super::one_from_name(sel) else {
        return;
    };
    let Some(w) = sel.selection.take() else {
        return;
    };
    let mut terms = vec![];
    conjuncts(w, &mut terms);
    for t in &mut terms {
        if let SQLExpr::InSubquery {
            expr,
            subquery,
            negated: false,
        } = &*t
        {
            if let Some(e) = as_exists(expr, subquery, &outer) {
                *t = e;
            }
        }
    }
    sel.selection = and_all(terms);
}

/// `x IN (s)` as EXISTS, when `s` is one SELECT of one item that reads `outer` by name.
fn as_exists(x: &SQLExpr, s: &SQLQuery, outer: &Ident) -> Option<SQLExpr> {
    let SetExpr::Select(inner) = s.body.as_ref() else {
        return None;
    };
    if s.with.is_some()
        || s.limit_clause.is_some()
        || s.fetch.is_some()
        || inner.having.is_some()
        || inner.distinct.is_some()
        || !matches!(&inner.group_by, sqlparser::ast::GroupByExpr::Expressions(k, _) if k.is_empty())
    {
        return None;
    }
    let [SelectItem::UnnamedExpr(item) | SelectItem::ExprWithAlias { expr: item, .. }] =
        inner.projection.as_slice()
    else {
        return None;
    };
    if crate::query::rewrite::is_aggregate(item) {
        return None;
    }
    // the subquery names the outer item (`t0.k`), and no FROM item of its own has that name
    let own = super::from_item_names(inner);
    if own.iter().any(|n| n.eq_ignore_ascii_case(&outer.value)) {
        return None;
    }
    let mut reads_outer = false;
    let _ = sqlparser::ast::visit_expressions(s, |e: &SQLExpr| {
        if let SQLExpr::CompoundIdentifier(ids) = e {
            reads_outer |= ids.len() == 2 && ids[0].value.eq_ignore_ascii_case(&outer.value);
        }
        ControlFlow::<()>::Continue(())
    });
    if !reads_outer {
        return None;
    }
    // x's bare columns are the outer row's
    let mut x = x.clone();
    let mut nested = false;
    let _ = sqlparser::ast::visit_expressions_mut(&mut x, |e: &mut SQLExpr| {
        if let SQLExpr::Identifier(i) = &*e {
            *e = SQLExpr::CompoundIdentifier(vec![outer.clone(), i.clone()]);
        }
        nested |= matches!(
            e,
            SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
        );
        ControlFlow::<()>::Continue(())
    });
    if nested {
        return None;
    }
    let mut q = s.clone();
    let SetExpr::Select(sel) = q.body.as_mut() else {
        return None;
    };
    // the item's bare columns are the subquery's (its one FROM item's), named so: the
    // lowering of a correlated subquery needs every column qualified
    let mut item = item.clone();
    if let [single] = own.as_slice() {
        let _ = sqlparser::ast::visit_expressions_mut(&mut item, |e: &mut SQLExpr| {
            if let SQLExpr::Identifier(i) = &*e {
                *e = SQLExpr::CompoundIdentifier(vec![Ident::new(single.clone()), i.clone()]);
            }
            ControlFlow::<()>::Continue(())
        });
    }
    let eq = crate::query::rewrite::parse_expr(&format!("({item}) = ({x})")).ok()?;
    let mut terms = vec![];
    if let Some(w) = sel.selection.take() {
        conjuncts(w, &mut terms);
    }
    terms.push(eq);
    sel.selection = and_all(terms);
    sel.projection = vec![SelectItem::UnnamedExpr(
        crate::query::rewrite::parse_expr("1").ok()?,
    )];
    Some(SQLExpr::Exists {
        subquery: Box::new(q),
        negated: false,
    })
}
