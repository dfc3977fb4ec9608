//! `x IN (SELECT c FROM …)` outside WHERE (in the SELECT list, HAVING, a CASE), and
//! `x op ANY (SELECT …)` / `x op ALL (SELECT …)` there (any comparison), as counts the
//! scalar-subquery lowering joins. polars-sql failed on these (`unknown column _POLARS_TMP_0`) or
//! answered `1 = ANY (SELECT NULL)` false. SQL's three-valued answer, spelled out:
//!
//! ```sql
//! CASE WHEN (SELECT COUNT(*) FROM (s) AS __inq) = 0 THEN FALSE        -- no values
//!      WHEN (x) IS NULL THEN NULL
//!      WHEN (SELECT COUNT(*) FROM (s) AS __inq WHERE __inq.c = (x)) > 0 THEN TRUE
//!      WHEN (SELECT COUNT(*) FROM (s) AS __inq WHERE __inq.c IS NULL) > 0 THEN NULL
//!      ELSE FALSE END
//! ```
//!
//! (`x < ANY` counts `x < __inq.c`.) `NOT IN` is its negation; `x op ALL (s)` is
//! `NOT (x op' ANY (s))`, op' the opposite comparison (`<` for `>=`). The third count reads the outer row through `x`, so `x`'s
//! bare columns are qualified by the one FROM item (a query reading several leaves them
//! to polars-sql). The subquery must not read the outer row itself, and must give one
//! column: named, or `*` over a table of one column.

use crate::query::rewrite::RewriteError;
use sqlparser::ast::{
    BinaryOperator, Expr as SQLExpr, Ident, ObjectNamePart, Query as SQLQuery, Select, SelectItem,
    SetExpr, TableFactor,
};
use std::ops::ControlFlow;

/// Rewrite the memberships of every SELECT's list and HAVING. `columns` gives a table's
/// column names.
pub(crate) fn in_subqueries(
    q: &mut SQLQuery,
    columns: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<(), RewriteError> {
    super::syntax::each_select(q, &mut |sel| {
        rewrite_select(sel, columns);
        Ok(())
    })
}

fn rewrite_select(sel: &mut Select, columns: &dyn Fn(&str) -> Option<Vec<String>>) {
    // the one FROM item's name (none without FROM); a query reading several is left alone
    if sel.from.len() > 1 || sel.from.first().is_some_and(|t| !t.joins.is_empty()) {
        return;
    }
    let outer: Option<Ident> = super::one_from_name(sel);
    let mut exprs: Vec<&mut SQLExpr> = sel
        .projection
        .iter_mut()
        .filter_map(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        })
        .collect();
    if let Some(h) = &mut sel.having {
        exprs.push(h);
    }
    // in WHERE, not a term of its top AND that the subquery lowering joins (`x [NOT] IN
    // (s)`) or compares with a MIN or MAX (`x > ANY (s)`, `x <= ALL (s)`, `x = ANY (s)`):
    // `<> ANY`, `= ALL`, `<> ALL`, and any IN, ANY or ALL under NOT or OR
    let mut quantified = vec![];
    if let Some(w) = &mut sel.selection {
        let mut terms = vec![];
        top_terms(w, &mut terms);
        for t in terms {
            // a term that is an IN itself stays a semi (or anti) join
            if !min_max_form(t) && !matches!(t, SQLExpr::InSubquery { .. }) {
                quantified.push(t);
            }
        }
    }
    for e in exprs.into_iter().chain(quantified) {
        let _ = sqlparser::ast::visit_expressions_mut(e, |x: &mut SQLExpr| {
            // (value, subquery, comparison for ANY, negated): `x op ALL (s)` is
            // `NOT (x op' ANY (s))` with op' the opposite comparison, in SQL's three values
            let (value, sub, op, negated) = match &*x {
                SQLExpr::InSubquery {
                    expr,
                    subquery,
                    negated,
                } => (expr, subquery, BinaryOperator::Eq, *negated),
                SQLExpr::AnyOp {
                    left,
                    compare_op,
                    right,
                    ..
                } => match (right.as_ref(), opposite(compare_op)) {
                    (SQLExpr::Subquery(s), Some(_)) => (left, s, compare_op.clone(), false),
                    _ => return ControlFlow::<()>::Continue(()),
                },
                SQLExpr::AllOp {
                    left,
                    compare_op,
                    right,
                } => match (right.as_ref(), opposite(compare_op)) {
                    (SQLExpr::Subquery(s), Some(op)) => (left, s, op, true),
                    _ => return ControlFlow::Continue(()),
                },
                _ => return ControlFlow::Continue(()),
            };
            if let Some(r) = membership(value, sub, &op, negated, outer.as_ref(), columns) {
                *x = r;
            }
            ControlFlow::Continue(())
        });
    }
}

/// The terms of a condition's top AND (through parentheses), without recursion: a chain
/// of thousands of terms must not overflow the stack.
fn top_terms<'e>(e: &'e mut SQLExpr, out: &mut Vec<&'e mut SQLExpr>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            SQLExpr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                stack.push(right);
                stack.push(left);
            }
            SQLExpr::Nested(x) => stack.push(x),
            _ => out.push(e),
        }
    }
}

/// A WHERE term the subquery lowering answers with the subquery's MIN or MAX (or IN).
fn min_max_form(t: &SQLExpr) -> bool {
    use BinaryOperator as B;
    match t {
        SQLExpr::AnyOp { compare_op, .. } => {
            matches!(compare_op, B::Eq | B::Lt | B::LtEq | B::Gt | B::GtEq)
        }
        SQLExpr::AllOp { compare_op, .. } => {
            matches!(compare_op, B::Lt | B::LtEq | B::Gt | B::GtEq)
        }
        _ => false,
    }
}

/// The subquery with its one column named, and that name; None when it reads the outer
/// row, is not one SELECT, or its column cannot be named.
fn one_column(
    sub: &SQLQuery,
    columns: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Option<(SQLQuery, String)> {
    let SetExpr::Select(s) = sub.body.as_ref() else {
        return None;
    };
    let mut q = sub.clone();
    let SetExpr::Select(sel) = q.body.as_mut() else {
        return None;
    };
    let inner = super::from_item_names(s);
    let mut outer_read = false;
    let _ = sqlparser::ast::visit_expressions(sub, |x: &SQLExpr| {
        if let SQLExpr::CompoundIdentifier(ids) = x {
            outer_read |=
                ids.len() == 2 && !inner.iter().any(|n| n.eq_ignore_ascii_case(&ids[0].value));
        }
        ControlFlow::<()>::Continue(())
    });
    if outer_read {
        return None;
    }
    let name = match sel.projection.as_slice() {
        [SelectItem::ExprWithAlias { alias, .. }] => alias.value.clone(),
        [SelectItem::UnnamedExpr(SQLExpr::Identifier(i))] => i.value.clone(),
        [SelectItem::UnnamedExpr(SQLExpr::CompoundIdentifier(ids))] => ids.last()?.value.clone(),
        [SelectItem::UnnamedExpr(e)] => {
            sel.projection = vec![SelectItem::ExprWithAlias {
                expr: e.clone(),
                alias: Ident::new("__in_c"),
            }];
            "__in_c".to_string()
        }
        [SelectItem::Wildcard(_)] => match sel.from.as_slice() {
            [t] if t.joins.is_empty() => match &t.relation {
                TableFactor::Table { name, .. } => match name.0.as_slice() {
                    [ObjectNamePart::Identifier(i)] => match columns(&i.value)?.as_slice() {
                        [c] => c.clone(),
                        _ => return None,
                    },
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    Some((q, name))
}

/// The comparison that is true exactly where `op` is false (NULL where it is NULL).
fn opposite(op: &BinaryOperator) -> Option<BinaryOperator> {
    use BinaryOperator as B;
    Some(match op {
        B::Eq => B::NotEq,
        B::NotEq => B::Eq,
        B::Lt => B::GtEq,
        B::GtEq => B::Lt,
        B::Gt => B::LtEq,
        B::LtEq => B::Gt,
        _ => return None,
    })
}

fn membership(
    value: &SQLExpr,
    sub: &SQLQuery,
    op: &BinaryOperator,
    negated: bool,
    outer: Option<&Ident>,
    columns: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Option<SQLExpr> {
    let (s, c) = one_column(sub, columns)?;
    // the value's bare columns are the outer row's: qualified by its one FROM item
    let mut x = value.clone();
    let mut unplaced = false;
    let _ = sqlparser::ast::visit_expressions_mut(&mut x, |e: &mut SQLExpr| {
        if let SQLExpr::Identifier(i) = &*e {
            match outer {
                Some(o) => *e = SQLExpr::CompoundIdentifier(vec![o.clone(), i.clone()]),
                None => unplaced = true,
            }
        }
        if matches!(
            e,
            SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
        ) {
            unplaced = true;
        }
        ControlFlow::<()>::Continue(())
    });
    if unplaced {
        return None;
    }
    let c = Ident::with_quote('"', c);
    let text = format!(
        "(CASE WHEN (SELECT COUNT(*) FROM ({s}) AS __inq) = 0 THEN FALSE \
         WHEN ({x}) IS NULL THEN NULL \
         WHEN (SELECT COUNT(*) FROM ({s}) AS __inq WHERE ({x}) {op} __inq.{c}) > 0 THEN TRUE \
         WHEN (SELECT COUNT(*) FROM ({s}) AS __inq WHERE __inq.{c} IS NULL) > 0 THEN NULL \
         ELSE FALSE END)"
    );
    let e = crate::query::rewrite::parse_expr(&if negated { format!("NOT {text}") } else { text })
        .ok()?;
    Some(e)
}
