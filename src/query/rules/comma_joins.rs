//! Comma joins planned: `FROM t1, t2, t3 WHERE a1 = b2 AND b2 = c3 AND a1 = 5` becomes
//! `FROM t1 JOIN t2 ON t1.a1 = t2.b2 JOIN t3 ON t2.b2 = t3.c3 WHERE a1 = 5`.
//!
//! polars-sql joins the items of a comma-separated FROM in the order written and finds
//! a join condition only among qualified columns (`t1.a1 = t2.b2`); anything else was a
//! full cross product filtered afterwards — SQLite's select5 joins of up to 64 tables
//! exhausted memory. Here each column a WHERE term reads is resolved to its FROM item
//! (by qualifier, or by the one table that has a column of that name), the equalities
//! between two items become join keys, and the items are ordered so that each joins one
//! already placed (starting from an item a term filters by itself); items no equality
//! reaches are cross-joined last. Every other term stays in WHERE, where Polars pushes
//! the one-table ones down to their table. Inner joins on equalities and a filter give
//! the same rows; `SELECT *` keeps the written order of the items' columns.
//!
//! Left as written: a FROM with explicit joins, a term whose columns cannot all be
//! placed (an outer column of a correlated subquery, a name two tables share), and a
//! reordering `SELECT *` would change when two items share a column name.

use crate::query::rewrite::{conjuncts, RewriteError};
use sqlparser::ast::{
    BinaryOperator, Expr as SQLExpr, Ident, ObjectNamePart, Query as SQLQuery, Select, SelectItem,
    TableFactor,
};
use std::ops::ControlFlow;

/// Plan the comma joins of every SELECT in the query. `columns` gives a table's column
/// names (None for a name that is not a table: a CTE, a view's columns unknown).
pub(crate) fn comma_joins(
    q: &mut SQLQuery,
    columns: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<(), RewriteError> {
    super::syntax::each_select(q, &mut |sel| plan_select(sel, columns))
}

/// A FROM item: the name its columns are qualified by, and its columns when known.
struct Item {
    name: Ident,
    columns: Option<Vec<String>>,
}

/// What a WHERE term reads: the items (by index), or None when a column cannot be placed.
fn items_read(term: &SQLExpr, items: &[Item]) -> Option<Vec<usize>> {
    let mut out: Vec<usize> = vec![];
    let mut placed = true;
    let _ = sqlparser::ast::visit_expressions(term, |x: &SQLExpr| {
        let at = match x {
            SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. } => None,
            SQLExpr::CompoundIdentifier(ids) if ids.len() == 2 => items
                .iter()
                .position(|i| i.name.value.eq_ignore_ascii_case(&ids[0].value)),
            SQLExpr::CompoundIdentifier(_) => None,
            SQLExpr::Identifier(c) => {
                let has = |i: &Item| {
                    i.columns
                        .as_ref()
                        .map(|cs| cs.iter().any(|n| *n == c.value))
                };
                // unknown columns anywhere make a bare name unplaceable
                if items.iter().any(|i| has(i).is_none()) {
                    None
                } else {
                    let found: Vec<usize> = (0..items.len())
                        .filter(|&k| has(&items[k]) == Some(true))
                        .collect();
                    match found.as_slice() {
                        [k] => Some(*k),
                        _ => None,
                    }
                }
            }
            _ => return ControlFlow::Continue(()),
        };
        match at {
            Some(k) => {
                if !out.contains(&k) {
                    out.push(k);
                }
                ControlFlow::Continue(())
            }
            None => {
                placed = false;
                ControlFlow::Break(())
            }
        }
    });
    placed.then_some(out)
}

/// `a = b` between columns of two different items: (item of a, item of b).
fn equi_edge(term: &SQLExpr, items: &[Item]) -> Option<(usize, usize)> {
    let SQLExpr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = term
    else {
        return None;
    };
    let column = |e: &SQLExpr| matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_));
    if !column(left) || !column(right) {
        return None;
    }
    let (l, r) = (items_read(left, items)?, items_read(right, items)?);
    match (l.as_slice(), r.as_slice()) {
        ([a], [b]) if a != b => Some((*a, *b)),
        _ => None,
    }
}

/// The term with its bare columns qualified by their item's name.
fn qualified(mut term: SQLExpr, items: &[Item]) -> SQLExpr {
    let _ = sqlparser::ast::visit_expressions_mut(&mut term, |x: &mut SQLExpr| {
        if let SQLExpr::Identifier(c) = &*x {
            let c = c.clone();
            if let Some(Some(k)) = items_read(x, items).map(|v| v.first().copied()) {
                *x = SQLExpr::CompoundIdentifier(vec![items[k].name.clone(), c]);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    term
}

fn item_of(t: &TableFactor, columns: &dyn Fn(&str) -> Option<Vec<String>>) -> Option<Item> {
    match t {
        TableFactor::Table { name, alias, .. } => {
            let table = match name.0.as_slice() {
                [ObjectNamePart::Identifier(i)] => i.clone(),
                _ => return None,
            };
            Some(Item {
                name: alias
                    .as_ref()
                    .map_or_else(|| table.clone(), |a| a.name.clone()),
                columns: columns(&table.value),
            })
        }
        TableFactor::Derived {
            alias: Some(a),
            subquery,
            ..
        } if a.columns.is_empty() => {
            let columns = match subquery.body.as_ref() {
                sqlparser::ast::SetExpr::Select(s) => s
                    .projection
                    .iter()
                    .map(crate::query::rewrite::output_name)
                    .collect::<Option<Vec<String>>>(),
                _ => None,
            };
            Some(Item {
                name: a.name.clone(),
                columns,
            })
        }
        _ => None,
    }
}

fn plan_select(
    sel: &mut Select,
    columns: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<(), RewriteError> {
    if sel.from.len() < 2 || sel.from.iter().any(|t| !t.joins.is_empty()) {
        return Ok(());
    }
    let Some(items) = sel
        .from
        .iter()
        .map(|t| item_of(&t.relation, columns))
        .collect::<Option<Vec<Item>>>()
    else {
        return Ok(());
    };
    let Some(condition) = sel.selection.clone() else {
        return Ok(());
    };
    let mut terms = vec![];
    conjuncts(condition, &mut terms);
    let edges: Vec<Option<(usize, usize)>> = terms.iter().map(|t| equi_edge(t, &items)).collect();
    if edges.iter().all(Option::is_none) {
        return Ok(());
    }
    let filtered: Vec<bool> = (0..items.len())
        .map(|k| {
            terms
                .iter()
                .any(|t| items_read(t, &items).is_some_and(|r| r == [k]))
        })
        .collect();
    // greedy order: start where a term filters an item by itself, then always an item an
    // equality joins to those placed (a filtered one first), else the next (a cross join)
    let n = items.len();
    let first = (0..n).find(|&k| filtered[k]).unwrap_or(0);
    let mut order = vec![first];
    while order.len() < n {
        let joined = |k: usize| {
            edges
                .iter()
                .flatten()
                .any(|&(a, b)| (a == k && order.contains(&b)) || (b == k && order.contains(&a)))
        };
        let rest: Vec<usize> = (0..n).filter(|k| !order.contains(k)).collect();
        let next = rest
            .iter()
            .copied()
            .filter(|&k| joined(k))
            .max_by_key(|&k| (filtered[k], std::cmp::Reverse(k)))
            .or_else(|| {
                rest.iter()
                    .copied()
                    .max_by_key(|&k| (filtered[k], std::cmp::Reverse(k)))
            });
        match next {
            Some(k) => order.push(k),
            None => break,
        }
    }
    // `SELECT *` lists the items' columns in the written order
    let star = sel
        .projection
        .iter()
        .any(|it| matches!(it, SelectItem::Wildcard(_)));
    let reordered = order.iter().enumerate().any(|(i, &k)| i != k);
    if star && reordered {
        let mut seen: Vec<&String> = vec![];
        for it in &items {
            let Some(cs) = &it.columns else {
                return Ok(());
            };
            for c in cs {
                if seen.contains(&c) {
                    return Ok(());
                }
                seen.push(c);
            }
        }
        let stars = items
            .iter()
            .map(|i| format!("{}.*", i.name))
            .collect::<Vec<_>>()
            .join(", ");
        let q = crate::query::rewrite::query(&format!("SELECT {stars}"))?;
        let sqlparser::ast::SetExpr::Select(s) = *q.body else {
            return Ok(());
        };
        let mut projection = vec![];
        for it in std::mem::take(&mut sel.projection) {
            if matches!(it, SelectItem::Wildcard(_)) {
                projection.extend(s.projection.iter().cloned());
            } else {
                projection.push(it);
            }
        }
        sel.projection = projection;
    }
    // the FROM as a chain of joins, each ON the equalities with the items before it
    let mut used = vec![false; terms.len()];
    let mut from = sel.from[order[0]].relation.to_string();
    for (i, &k) in order.iter().enumerate().skip(1) {
        let before = &order[..i];
        // a column is a key of one join once (Polars refuses a repeated key, `b4 = e7
        // AND e7 = b4`); a repeated term stays in WHERE, where it filters the same rows
        let mut keys: Vec<String> = vec![];
        let mut on: Vec<String> = vec![];
        for (t, (term, e)) in terms.iter().zip(&edges).enumerate() {
            let Some((a, b)) = e else { continue };
            if !((*a == k && before.contains(b)) || (*b == k && before.contains(a))) {
                continue;
            }
            let q = qualified(term.clone(), &items);
            let SQLExpr::BinaryOp { left, right, .. } = &q else {
                continue;
            };
            let (l, r) = (left.to_string(), right.to_string());
            if keys.contains(&l) || keys.contains(&r) {
                continue;
            }
            keys.push(l);
            keys.push(r);
            used[t] = true;
            on.push(q.to_string());
        }
        let rel = &sel.from[k].relation;
        if on.is_empty() {
            from.push_str(&format!(" CROSS JOIN {rel}"));
        } else {
            from.push_str(&format!(" JOIN {rel} ON {}", on.join(" AND ")));
        }
    }
    sel.from = vec![crate::query::rewrite::from_item(&from)?];
    let rest: Vec<SQLExpr> = terms
        .into_iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(t, _)| t)
        .collect();
    sel.selection = crate::query::rewrite::and_all(rest);
    Ok(())
}
