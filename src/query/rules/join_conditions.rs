//! JOIN … ON terms other than `left.k = right.k`: a term of one side filters that side
//! before the join (an inner join), or the pairs after it; a LEFT JOIN on any condition
//! keeps each left row that matched nothing once.

use super::syntax::*;
use crate::query::rewrite::{and_all, conjuncts as split_and, RewriteError};
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr as SQLExpr, Ident, JoinConstraint, JoinOperator,
    Select, SelectItem, TableFactor,
};
use std::ops::ControlFlow;

/// `l LEFT JOIN r ON <any condition>` (polars-sql kept only the matched rows): each left
/// row numbered, the pairs the condition keeps found by a cross join of the numbered left
/// rows with `r`, and those joined back to the left rows by number — a left row without a
/// pair keeps NULLs. The helper columns' names, for `SELECT *` to leave out.
fn left_join_by_row_id(
    twj: &mut sqlparser::ast::TableWithJoins,
    on: &SQLExpr,
) -> Result<Vec<String>, RewriteError> {
    let Some(joined) = twj.joins.first().map(|j| j.relation.clone()) else {
        return Ok(vec![]);
    };
    let (Some(left), Some(right)) = (relation_name(&twj.relation), relation_name(&joined)) else {
        return Err(crate::query::rewrite::err_at(on, "not supported yet: a LEFT JOIN on this condition between unnamed relations; give each an alias"));
    };
    let from = |t: &TableFactor, alias: &str| match t {
        TableFactor::Table { name, .. } => format!("{name} AS {alias}"),
        other => other.to_string(),
    };
    // (the same numbering under two names: polars-sql confused one name in both scopes)
    let numbered = |n: &str| {
        format!(
            "(SELECT *, ROW_NUMBER() OVER () AS {n} FROM {}) AS {left}",
            from(&twj.relation, &left)
        )
    };
    let pairs = format!(
        "(SELECT {left}.__lid_pair AS __mid, {right}.* FROM {} CROSS JOIN {} WHERE {on}) AS {right}",
        numbered("__lid_pair"),
        from(&joined, &right)
    );
    let numbered = numbered("__lid");
    let t = crate::query::rewrite::from_item(&format!(
        "{numbered} LEFT JOIN {pairs} ON {left}.__lid = {right}.__mid"
    ))?;
    twj.relation = t.relation;
    if let (Some(j), Some(first)) = (t.joins.into_iter().next(), twj.joins.first_mut()) {
        *first = j;
    }
    Ok(vec!["__lid".into(), "__mid".into()])
}

/// Join conditions polars-sql can run: `left.k = right.k` terms. polars-sql refuses any
/// other term of an ON, and a LEFT JOIN's extra term acted as a WHERE (dropping left
/// rows). An INNER JOIN's other terms move to WHERE (the same rows); a LEFT JOIN's terms
/// on the right table alone filter that table before the join; any other LEFT JOIN term
/// is refused with a way to write it.
pub(crate) fn join_conditions(sel: &mut Select) -> Result<(), RewriteError> {
    let mut to_where = vec![];
    let mut same_as: Vec<(SQLExpr, SQLExpr)> = vec![];
    let mut row_ids: Vec<String> = vec![];
    for twj in &mut sel.from {
        let mut left_names: Vec<String> = relation_name(&twj.relation).into_iter().collect();
        // the first join, when a LEFT JOIN on a condition other than equalities: lowered
        // by row ids after the loop
        let mut by_row_id: Option<SQLExpr> = None;
        for (ji, j) in twj.joins.iter_mut().enumerate() {
            let right = relation_name(&j.relation);
            let (inner, c) = match &mut j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (true, c),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (false, c),
                _ => {
                    left_names.extend(right);
                    continue;
                }
            };
            let JoinConstraint::On(on) = c else {
                left_names.extend(right);
                continue;
            };
            let mut terms = vec![];
            split_and(on.clone(), &mut terms);
            let side = |e: &SQLExpr| -> Option<(bool, bool)> {
                let qs = qualifiers(e)?;
                let r = right.as_deref();
                let on_right = qs.iter().any(|q| Some(q.as_str()) == r);
                let on_left = qs.iter().any(|q| left_names.contains(q));
                let known = qs
                    .iter()
                    .all(|q| Some(q.as_str()) == r || left_names.contains(q));
                known.then_some((on_left, on_right))
            };
            let equi = |e: &SQLExpr| match e {
                SQLExpr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right: r,
                } => matches!(
                    (side(left), side(r)),
                    (Some((true, false)), Some((false, true)))
                        | (Some((false, true)), Some((true, false)))
                ),
                _ => false,
            };
            let (keys, others): (Vec<SQLExpr>, Vec<SQLExpr>) =
                terms.into_iter().partition(|t| equi(t));
            // an inner join's right key equals its left key: read the left one (polars-sql
            // loses the right key of a join, `d.dept_code AS k … GROUP BY d.dept_code` failed)
            if inner {
                for k in &keys {
                    if let SQLExpr::BinaryOp { left, right: r, .. } = k {
                        let (lk, rk) = if side(left) == Some((true, false)) {
                            (left, r)
                        } else {
                            (r, left)
                        };
                        if matches!(&**rk, SQLExpr::CompoundIdentifier(_)) {
                            same_as.push(((**rk).clone(), (**lk).clone()));
                        }
                    }
                }
            }
            if !inner && !others.is_empty() {
                let rest_exists = others.iter().any(|t| side(t) != Some((false, true)));
                if (keys.is_empty() || rest_exists) && ji == 0 {
                    by_row_id = Some(on.clone());
                    left_names.extend(right);
                    continue;
                }
            }
            if others.is_empty() || keys.is_empty() {
                if !inner && !others.is_empty() {
                    return Err(crate::query::rewrite::err_at(&others[0], format!(
                        "not supported yet: the LEFT JOIN condition `{}` without a `left.column = right.column` term, after another join; join the first two tables in a CTE first",
                        others[0]
                    )));
                }
                left_names.extend(right);
                continue;
            }
            if inner {
                to_where.extend(others.into_iter().map(|t| SQLExpr::Nested(Box::new(t))));
            } else {
                let (right_only, rest): (Vec<SQLExpr>, Vec<SQLExpr>) = others
                    .into_iter()
                    .partition(|t| side(t) == Some((false, true)));
                if let Some(bad) = rest.first() {
                    return Err(crate::query::rewrite::err_at(bad, format!(
                        "not supported yet: the LEFT JOIN condition `{bad}` is neither `left.column = right.column` nor about the joined table alone; compute it in a CTE first, or filter with CASE WHEN … in the SELECT list"
                    )));
                }
                filter_before_join(
                    &mut j.relation,
                    right.as_deref().unwrap_or_default(),
                    right_only,
                )?;
            }
            if let Some(k) = and_all(keys) {
                *on = k;
            }
            left_names.extend(right);
        }
        if let Some(on) = by_row_id {
            row_ids.extend(left_join_by_row_id(twj, &on)?);
        }
    }
    exclude_from_stars(sel, &row_ids);
    read_left_keys(sel, &same_as);
    if !to_where.is_empty() {
        let mut all = vec![];
        if let Some(w) = sel.selection.take() {
            all.push(SQLExpr::Nested(Box::new(w)));
        }
        all.extend(to_where);
        sel.selection = and_all(all);
    }
    Ok(())
}

/// An inner join's right key equals its left key: the right one (`rk`) read as the left
/// one (`lk`) everywhere the SELECT reads it, keeping the name the right key gave its
/// column (polars-sql loses the right key of a join).
fn read_left_keys(sel: &mut Select, same_as: &[(SQLExpr, SQLExpr)]) {
    if same_as.is_empty() {
        return;
    }
    let swap = |e: &mut SQLExpr| {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            if let Some((_, l)) = same_as.iter().find(|(r, _)| r == x) {
                *x = l.clone();
            }
            ControlFlow::<()>::Continue(())
        });
    };
    for it in &mut sel.projection {
        match it {
            // keep the name the right key gave its column
            SelectItem::UnnamedExpr(e) if same_as.iter().any(|(r, _)| r == &*e) => {
                let name = match &*e {
                    SQLExpr::CompoundIdentifier(ids) => {
                        ids.last().map(|i| i.value.clone()).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                let mut x = e.clone();
                swap(&mut x);
                *it = SelectItem::ExprWithAlias {
                    expr: x,
                    alias: Ident::new(name),
                };
            }
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => swap(e),
            _ => {}
        }
    }
    if let sqlparser::ast::GroupByExpr::Expressions(es, _) = &mut sel.group_by {
        for e in es {
            swap(e);
        }
    }
    if let Some(h) = &mut sel.having {
        swap(h);
    }
    if let Some(w) = &mut sel.selection {
        swap(w);
    }
}

/// A LEFT JOIN's terms on the joined table alone filter that table before the join.
fn filter_before_join(
    relation: &mut TableFactor,
    alias: &str,
    terms: Vec<SQLExpr>,
) -> Result<(), RewriteError> {
    let cond = and_all(
        terms
            .into_iter()
            .map(|t| SQLExpr::Nested(Box::new(t)))
            .collect(),
    )
    .map(|c| c.to_string())
    .unwrap_or_default();
    let inner_from = match &*relation {
        TableFactor::Table { name, .. } => format!("{name} AS {alias}"),
        other => other.to_string(),
    };
    *relation = crate::query::rewrite::from_item(&format!(
        "(SELECT * FROM {inner_from} WHERE {cond}) AS {alias}"
    ))?
    .relation;
    Ok(())
}
