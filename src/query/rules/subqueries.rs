//! Scalar, EXISTS and IN subqueries as joins ([`subqueries`]), correlated by equalities
//! (grouped by the keys) or by any comparisons ([`decorrelated`], the general method of
//! Neumann & Kemper: the outer columns' distinct values joined with the inner rows, the
//! conditions filtering the pairs, the aggregate grouped by those values and joined
//! back); an EXISTS that does not join is a count ([`exists_as_count`]); `x NOT IN
//! (SELECT …)` is an anti join and two counts for SQL's NULLs.

use super::syntax::*;
use crate::query::rewrite::{
    and_all, conjuncts as split_and, contains, fname, is_aggregate as is_aggregate_call,
    RewriteError,
};
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr as SQLExpr, Ident, Query as SQLQuery, Select,
    SelectItem, SetExpr,
};
use std::ops::ControlFlow;

/// A correlated subquery's shape: `SELECT agg FROM t b WHERE b.k = a.k AND …inner…`, split
/// into (the inner relation text, the item, [(inner key, outer key)], other terms).
type Correlated = (String, SQLExpr, Vec<(SQLExpr, SQLExpr)>, Vec<SQLExpr>);

fn correlation(q: &SQLQuery, outer: &[String]) -> Result<Option<Correlated>, Box<SQLExpr>> {
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Ok(None);
    };
    if q.with.is_some()
        || q.order_by.is_some()
        || q.limit_clause.is_some()
        || sel.from.len() != 1
        || !sel.from[0].joins.is_empty()
        || sel.having.is_some()
        || sel.distinct.is_some()
        || !matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty())
    {
        return Ok(None);
    }
    let [item] = sel.projection.as_slice() else {
        return Ok(None);
    };
    let item = match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
        _ => return Ok(None),
    };
    let inner = from_names(q);
    let reads_outer = |e: &SQLExpr| {
        qualifiers(e).is_none_or(|qs| qs.iter().any(|q| outer.contains(q) && !inner.contains(q)))
    };
    let mut terms = vec![];
    if let Some(w) = &sel.selection {
        split_and(w.clone(), &mut terms);
    }
    let mut keys = vec![];
    let mut rest = vec![];
    for t in terms {
        let t = match t {
            SQLExpr::Nested(x) => *x,
            t => t,
        };
        if !reads_outer(&t) {
            rest.push(t);
            continue;
        }
        match &t {
            SQLExpr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let side = |e: &SQLExpr| {
                    qualifiers(e).map(|qs| {
                        (
                            qs.iter().all(|q| inner.contains(q)) && !qs.is_empty(),
                            qs.iter().all(|q| outer.contains(q) && !inner.contains(q))
                                && !qs.is_empty(),
                        )
                    })
                };
                match (side(left), side(right)) {
                    (Some((true, false)), Some((false, true))) => {
                        keys.push(((**left).clone(), (**right).clone()))
                    }
                    (Some((false, true)), Some((true, false))) => {
                        keys.push(((**right).clone(), (**left).clone()))
                    }
                    _ => return Err(Box::new(t.clone())),
                }
            }
            _ => return Err(Box::new(t.clone())),
        }
    }
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some((sel.from[0].relation.to_string(), item, keys, rest)))
}

/// The pieces of a join on correlation keys: the inner keys as `__kN` columns, the ON
/// condition against the outer keys, and the inner terms as a WHERE.
fn key_join(
    keys: &[(SQLExpr, SQLExpr)],
    name: &str,
    rest: Vec<SQLExpr>,
) -> (String, String, String) {
    let cols = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("{k} AS {name}_k{}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let on = keys
        .iter()
        .enumerate()
        .map(|(i, (_, o))| format!("{o} = {name}.{name}_k{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let wh = and_all(rest)
        .map(|r| format!(" WHERE {r}"))
        .unwrap_or_default();
    (cols, on, wh)
}

/// `x > ALL (SELECT y …)` / `x > ANY (SELECT y …)` in WHERE (polars-sql answered them
/// wrong): `ANY` compares with the subquery's MIN (MAX for `<`), `= ANY` is `IN`; `ALL` is
/// true over no rows, false when a `y` is NULL, else a comparison with the MAX (MIN for
/// `<`). None when the term is not one; an error for a form not lowered.
fn quantified(t: &SQLExpr) -> Option<Result<SQLExpr, RewriteError>> {
    let (left, op, right, all) = match t {
        SQLExpr::AnyOp {
            left,
            compare_op,
            right,
            ..
        } => (left, compare_op, right, false),
        SQLExpr::AllOp {
            left,
            compare_op,
            right,
        } => (left, compare_op, right, true),
        _ => return None,
    };
    let SQLExpr::Subquery(sub) = &**right else {
        return Some(Err(not_yet(
            t,
            "ANY/ALL over a list; write it as IN (…) or with AND/OR",
        )));
    };
    let item = match sub.body.as_ref() {
        SetExpr::Select(sel) if sel.projection.len() == 1 => match &sel.projection[0] {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
            _ => return Some(Err(not_yet(t, "ANY/ALL over `SELECT *`; name the column"))),
        },
        _ => return Some(Err(not_yet(
            t,
            "ANY/ALL over this subquery; compare with its MIN or MAX: x > (SELECT MAX(y) FROM …)",
        ))),
    };
    if !outer_refs(sub).is_empty() {
        return Some(Err(not_yet(t, "ANY/ALL over a correlated subquery; compare with its MIN or MAX: x > (SELECT MAX(y) FROM … WHERE …)")));
    }
    let with = |e: String| {
        let mut q = (**sub).clone();
        if let SetExpr::Select(sel) = q.body.as_mut() {
            sel.projection = vec![SelectItem::UnnamedExpr(parse(&e))];
        }
        format!("({q})")
    };
    let high = matches!(op, BinaryOperator::Gt | BinaryOperator::GtEq);
    let low = matches!(op, BinaryOperator::Lt | BinaryOperator::LtEq);
    Some(Ok(match (all, high || low, op) {
        (false, true, _) => parse(&format!(
            "{left} {op} {}",
            with(format!("{}({item})", if high { "MIN" } else { "MAX" }))
        )),
        (false, false, BinaryOperator::Eq) => parse(&format!("{left} IN ({sub})")),
        (true, true, _) => parse(&format!(
            "CASE WHEN {} = 0 THEN TRUE ELSE {} = 0 AND {left} {op} {} END",
            with("COUNT(*)".into()),
            with(format!("COUNT(*) - COUNT({item})")),
            with(format!("{}({item})", if high { "MAX" } else { "MIN" }))
        )),
        _ => {
            return Some(Err(not_yet(
                t,
                &format!(
                    "`{op} {}`; write it with NOT IN / IN, or compare with MIN/MAX",
                    if all { "ALL" } else { "ANY" }
                ),
            )))
        }
    }))
}

/// `EXISTS (SELECT … FROM t b WHERE b.k = a.k AND b.x > a.x)` is `(SELECT MAX(b.x) FROM t b
/// WHERE b.k = a.k) > a.x` (`MIN` for `<`): true exactly when a matching row is larger.
/// NULL (no match, or a NULL on either side) is false, as EXISTS is.
fn exists_as_aggregate(
    sub: &SQLQuery,
    term: &SQLExpr,
    negated: bool,
    outer: &[String],
) -> Option<SQLExpr> {
    let SQLExpr::BinaryOp { left, op, right } = term else {
        return None;
    };
    let inner = from_names(sub);
    let is_inner = |e: &SQLExpr| {
        qualifiers(e).is_some_and(|qs| !qs.is_empty() && qs.iter().all(|q| inner.contains(q)))
    };
    let is_outer = |e: &SQLExpr| {
        qualifiers(e).is_some_and(|qs| {
            !qs.is_empty() && qs.iter().all(|q| outer.contains(q) && !inner.contains(q))
        })
    };
    // as `inner OP outer`
    let (i, o, op) = if is_inner(left) && is_outer(right) {
        (left, right, op.clone())
    } else if is_outer(left) && is_inner(right) {
        let flipped = match op {
            BinaryOperator::Gt => BinaryOperator::Lt,
            BinaryOperator::GtEq => BinaryOperator::LtEq,
            BinaryOperator::Lt => BinaryOperator::Gt,
            BinaryOperator::LtEq => BinaryOperator::GtEq,
            _ => return None,
        };
        (right, left, flipped)
    } else {
        return None;
    };
    let agg = match op {
        BinaryOperator::Gt | BinaryOperator::GtEq => "MAX",
        BinaryOperator::Lt | BinaryOperator::LtEq => "MIN",
        _ => return None,
    };
    let SetExpr::Select(sel) = sub.body.as_ref() else {
        return None;
    };
    let mut terms = vec![];
    split_and(sel.selection.clone()?, &mut terms);
    let rest: Vec<SQLExpr> = terms
        .into_iter()
        .filter(|t| t != term && !matches!(t, SQLExpr::Nested(x) if **x == *term))
        .collect();
    let from = sel.from.first()?.relation.to_string();
    let wh = and_all(rest)
        .map(|r| format!(" WHERE {r}"))
        .unwrap_or_default();
    let test = format!("COALESCE((SELECT {agg}({i}) FROM {from}{wh}) {op} {o}, FALSE)");
    Some(parse(&if negated { format!("NOT {test}") } else { test }))
}

/// `+`, `-`, `*`, `/`, `%`.
fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
    )
}

/// Whether NULL in `col` makes `term` NULL or false: a comparison (or BETWEEN, LIKE)
/// with `col` under arithmetic alone on one side.
fn rejects_null(term: &SQLExpr, col: &SQLExpr) -> bool {
    fn under_arithmetic(e: &SQLExpr, col: &SQLExpr) -> bool {
        match e {
            _ if e == col => true,
            SQLExpr::Nested(x) | SQLExpr::Cast { expr: x, .. } => under_arithmetic(x, col),
            SQLExpr::UnaryOp { op, expr } => {
                matches!(
                    op,
                    sqlparser::ast::UnaryOperator::Minus | sqlparser::ast::UnaryOperator::Plus
                ) && under_arithmetic(expr, col)
            }
            SQLExpr::BinaryOp { left, op, right } => {
                is_arithmetic(op) && (under_arithmetic(left, col) || under_arithmetic(right, col))
            }
            _ => false,
        }
    }
    match term {
        SQLExpr::Nested(x) => rejects_null(x, col),
        SQLExpr::BinaryOp { left, op, right } => {
            crate::query::rewrite::is_comparison(op)
                && (under_arithmetic(left, col) || under_arithmetic(right, col))
        }
        SQLExpr::Between {
            expr, low, high, ..
        } => [expr, low, high].iter().any(|e| under_arithmetic(e, col)),
        SQLExpr::Like { expr, pattern, .. } => {
            under_arithmetic(expr, col) || under_arithmetic(pattern, col)
        }
        _ => false,
    }
}

/// A correlated scalar subquery with any condition, `(SELECT COUNT(*) FROM t1 x WHERE x.b
/// < t1.b)`, unnested the general way (Neumann & Kemper, "Unnesting Arbitrary Queries"):
/// the distinct values of the outer columns it reads (its domain) are joined with the
/// inner rows, the conditions filter the pairs, and the aggregate is grouped by the domain
/// values; the outer rows then take their group's value by a LEFT JOIN on those columns.
/// Returns the join and whether the value is a COUNT (0, not NULL, for an outer row
/// without a group); None for a shape this does not lower.
///
/// An outer row without a group gets the aggregate of no rows; that is exact for every
/// outer value except NULL, which a join never matches — so each outer column must be
/// compared in a term of its own (NULL there leaves no inner row, as no group does).
fn decorrelated(
    sub: &SQLQuery,
    outer: &[String],
    outer_from: &str,
    name: &str,
) -> Option<(String, bool)> {
    let SetExpr::Select(sel) = sub.body.as_ref() else {
        return None;
    };
    if sub.with.is_some()
        || sub.order_by.is_some()
        || sub.limit_clause.is_some()
        || sel.from.is_empty()
        || sel.having.is_some()
        || sel.distinct.is_some()
        || !matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty())
    {
        return None;
    }
    let item = match sel.projection.as_slice() {
        [SelectItem::UnnamedExpr(e)] | [SelectItem::ExprWithAlias { expr: e, .. }] => e,
        _ => return None,
    };
    if !is_aggregate_call(item) {
        return None;
    }
    let inner = from_names(sub);
    let is_outer = |q: &String| outer.contains(q) && !inner.contains(q);
    // the outer columns, read only in WHERE, each qualified
    let mut cols: Vec<SQLExpr> = vec![];
    let mut elsewhere = false;
    let mut rest = sel.clone();
    let condition = rest.selection.take()?;
    let _ = visit_expressions_mut(&mut rest, |x: &mut SQLExpr| {
        if let SQLExpr::CompoundIdentifier(ids) = x {
            elsewhere |= ids.len() == 2 && is_outer(&ids[0].value);
        }
        elsewhere |= matches!(
            x,
            SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
        );
        ControlFlow::<()>::Continue(())
    });
    if elsewhere {
        return None;
    }
    let mut terms = vec![];
    split_and(condition, &mut terms);
    for t in &terms {
        // a bare column could be inner or outer: only the tables' columns would say
        qualifiers(t)?;
        let _ = visit_expressions_mut(&mut t.clone(), |x: &mut SQLExpr| {
            let (outer_col, long) = match &*x {
                SQLExpr::CompoundIdentifier(ids) => {
                    (ids.len() == 2 && is_outer(&ids[0].value), ids.len() > 2)
                }
                _ => (false, false),
            };
            if outer_col && !cols.contains(x) {
                cols.push(x.clone());
            }
            elsewhere |= long;
            ControlFlow::<()>::Continue(())
        });
    }
    if cols.is_empty()
        || elsewhere
        || !cols
            .iter()
            .all(|c| terms.iter().any(|t| rejects_null(t, c)))
    {
        return None;
    }
    let domain_col = |k: usize| format!("__dom.__d{}", k + 1);
    let terms: Vec<SQLExpr> = terms
        .into_iter()
        .map(|mut t| {
            let _ = visit_expressions_mut(&mut t, |x: &mut SQLExpr| {
                if let Some(k) = cols.iter().position(|c| c == x) {
                    *x = parse(&domain_col(k));
                }
                ControlFlow::<()>::Continue(())
            });
            t
        })
        .collect();
    let domain = cols
        .iter()
        .enumerate()
        .map(|(k, c)| format!("{c} AS __d{}", k + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let keys = (0..cols.len())
        .map(|k| format!("{} AS {name}_k{}", domain_col(k), k + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let by = (0..cols.len())
        .map(domain_col)
        .collect::<Vec<_>>()
        .join(", ");
    let from = sel
        .from
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" CROSS JOIN ");
    let wh = and_all(terms)
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    let on = cols
        .iter()
        .enumerate()
        .map(|(k, c)| format!("{c} = {name}.{name}_k{}", k + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let join = format!(
        "LEFT JOIN (SELECT {keys}, {item} AS {name}_v FROM {from} CROSS JOIN (SELECT DISTINCT {domain} FROM {outer_from}) AS __dom{wh} GROUP BY {by}) AS {name} ON {on}"
    );
    Some((join, is_count(item)))
}

/// `EXISTS (SELECT … FROM f WHERE w)` as a count, `(SELECT COUNT(*) FROM f WHERE w) > 0`
/// (`= 0` for NOT EXISTS), which the scalar-subquery lowering joins, correlated or not:
/// for an EXISTS polars-sql cannot run (inside OR, CASE or the SELECT list, or correlated
/// by more than equalities). The select list, DISTINCT and ORDER BY do not change whether a
/// row exists; a grouped or limited subquery is counted as a derived table when it reads
/// no outer row. None when neither applies.
fn exists_as_count(sub: &SQLQuery, negated: bool) -> Option<SQLExpr> {
    let SetExpr::Select(sel) = sub.body.as_ref() else {
        return None;
    };
    let plain = sub.with.is_none()
        && sub.limit_clause.is_none()
        && sub.fetch.is_none()
        && sel.having.is_none()
        && !sel.from.is_empty()
        && matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty());
    let count = if plain {
        let mut q = sub.clone();
        q.order_by = None;
        if let SetExpr::Select(s) = q.body.as_mut() {
            s.distinct = None;
            s.projection = vec![SelectItem::UnnamedExpr(parse("COUNT(*)"))];
        }
        q.to_string()
    } else if outer_refs(sub).is_empty() {
        format!("SELECT COUNT(*) FROM ({sub}) AS __exists")
    } else {
        return None;
    };
    Some(parse(&format!(
        "({count}) {} 0",
        if negated { "=" } else { ">" }
    )))
}

/// Every EXISTS left in `e` (after WHERE's semi and anti joins) as a count.
fn exists_as_counts(e: &mut SQLExpr) {
    let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
        if let SQLExpr::Exists { subquery, negated } = x {
            if let Some(c) = exists_as_count(subquery, *negated) {
                *x = SQLExpr::Nested(Box::new(c));
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Subqueries polars-sql refuses, lowered to joins:
/// - an uncorrelated scalar subquery `x / (SELECT SUM(x) FROM t)` → `CROSS JOIN (SELECT
///   SUM(x) AS __v FROM t) AS __sqN`, read as `__sqN.__v`;
/// - a correlated one `(SELECT MAX(b.x) FROM t b WHERE b.k = a.k)` → `LEFT JOIN (SELECT
///   b.k AS __k1, MAX(b.x) AS __v FROM t b GROUP BY b.k) AS __sqN ON __sqN.__k1 = a.k`
///   (a COUNT of no rows is 0);
/// - `[NOT] EXISTS (SELECT … FROM t b WHERE b.k = a.k AND …)` in WHERE → a semi (anti) join
///   on the keys.
///
/// A correlation other than `inner.col = outer.col` is refused with a way to write it.
/// Replaces scalar subqueries (not those nested inside them) by `__slotN` names.
struct Slots(Vec<SQLQuery>);

impl sqlparser::ast::VisitorMut for Slots {
    type Break = ();
    fn pre_visit_expr(&mut self, e: &mut SQLExpr) -> ControlFlow<()> {
        if let SQLExpr::Subquery(q) = e {
            self.0.push((**q).clone());
            *e = SQLExpr::Identifier(Ident::new(format!("__slot{}", self.0.len())));
        }
        ControlFlow::Continue(())
    }
}

/// `SELECT SUM(budget) / (SELECT COUNT(*) FROM units) FROM projects` (aggregates, no GROUP
/// BY, a scalar subquery in the SELECT list or HAVING) → `SELECT __a1 / __sq1.__v FROM
/// (SELECT SUM(budget) AS __a1 FROM projects) AS __agg CROSS JOIN (SELECT COUNT(*) AS __v
/// FROM units) AS __sq1`: aggregate first (one row, even over no rows), then join.
/// Returns false when the SELECT is not of that shape.
fn aggregate_then_join(sel: &mut Select, n: &mut usize) -> Result<bool, RewriteError> {
    use sqlparser::ast::VisitMut;
    let mut slots = Slots(vec![]);
    let mut items = sel.projection.clone();
    for it in &mut items {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = it {
            let _ = e.visit(&mut slots);
        } else {
            return Ok(false);
        }
    }
    let mut having = sel.having.clone();
    if let Some(h) = &mut having {
        let _ = h.visit(&mut slots);
    }
    if slots.0.is_empty() {
        return Ok(false);
    }
    if let Some(sub) = slots.0.iter().find(|q| !outer_refs(q).is_empty()) {
        return Err(crate::query::rewrite::err_at(sub, "not supported yet: a correlated subquery in an aggregate query without GROUP BY; compute it in a CTE and join it"));
    }
    // the aggregates, each once, as columns of the aggregated row
    let mut aggs: Vec<String> = vec![];
    let mut take = |e: &mut SQLExpr| {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            if is_aggregate_call(x) {
                let t = x.to_string();
                let k = match aggs.iter().position(|a| *a == t) {
                    Some(k) => k,
                    None => {
                        aggs.push(t);
                        aggs.len() - 1
                    }
                };
                *x = SQLExpr::Identifier(Ident::new(format!("__a{}", k + 1)));
            }
            ControlFlow::<()>::Continue(())
        });
    };
    for it in &mut items {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = it {
            take(e);
        }
    }
    if let Some(h) = &mut having {
        take(h);
    }
    let mut joins = vec![];
    let mut names = vec![];
    for q in &slots.0 {
        *n += 1;
        let name = format!("__sq{n}");
        let mut s = q.clone();
        if let SetExpr::Select(i) = s.body.as_mut() {
            let [item] = i.projection.as_slice() else {
                return Ok(false);
            };
            let e = match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
                _ => return Ok(false),
            };
            i.projection = vec![SelectItem::ExprWithAlias {
                expr: e,
                alias: Ident::new(format!("{name}_v")),
            }];
        } else {
            return Ok(false);
        }
        joins.push(format!("CROSS JOIN ({}) AS {name}", one_row(&s, &name)));
        names.push(name);
    }
    let put = |e: &mut SQLExpr| {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            if let SQLExpr::Identifier(i) = x {
                let slot = i
                    .value
                    .strip_prefix("__slot")
                    .and_then(|k| k.parse::<usize>().ok());
                if let Some(name) = slot.and_then(|k| names.get(k.wrapping_sub(1))) {
                    *x = parse(&format!("{name}.{name}_v"));
                }
            }
            ControlFlow::<()>::Continue(())
        });
    };
    for it in &mut items {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = it {
            put(e);
        }
    }
    if let Some(h) = &mut having {
        put(h);
    }
    let mut inner = sel.clone();
    inner.having = None;
    inner.projection = aggs
        .iter()
        .enumerate()
        .map(|(k, a)| SelectItem::ExprWithAlias {
            expr: parse(a),
            alias: Ident::new(format!("__a{}", k + 1)),
        })
        .collect();
    subqueries(&mut inner, n)?;
    let items_text = items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let wh = having.map(|h| format!(" WHERE {h}")).unwrap_or_default();
    let outer = crate::query::rewrite::query(&format!(
        "SELECT {items_text} FROM ({inner}) AS __agg {}{wh}",
        joins.join(" ")
    ))?;
    match *outer.body {
        SetExpr::Select(o) => *sel = *o,
        _ => return Ok(false),
    }
    Ok(true)
}

fn subqueries(sel: &mut Select, n: &mut usize) -> Result<(), RewriteError> {
    if sel.from.is_empty() {
        // `SELECT (SELECT SUM(budget) FROM projects) AS t`: the subqueries join a one-row
        // relation
        let scalar = sel.projection.iter().any(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                contains(e, &|x| matches!(x, SQLExpr::Subquery(_)))
            }
            _ => false,
        });
        if !scalar {
            return Ok(());
        }
        sel.from = vec![crate::query::rewrite::from_item(
            "(SELECT 1 AS __one) AS __one",
        )?];
    }
    let outer: Vec<String> = sel
        .from
        .iter()
        .flat_map(|t| {
            relation_name(&t.relation)
                .into_iter()
                .chain(t.joins.iter().filter_map(|j| relation_name(&j.relation)))
        })
        .collect();
    let outer_from = sel
        .from
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let grouped =
        matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if !es.is_empty());
    let aggregated = grouped
        || sel.projection.iter().any(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                // the subqueries' own aggregates do not count
                let mut c = e.clone();
                let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
                    if matches!(
                        x,
                        SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
                    ) {
                        *x = SQLExpr::Value(sqlparser::ast::Value::Null.into());
                    }
                    ControlFlow::<()>::Continue(())
                });
                contains(&c, &is_aggregate_call)
            }
            _ => false,
        });
    if aggregated && !grouped && aggregate_then_join(sel, n)? {
        return Ok(());
    }
    let mut joins: Vec<String> = vec![];
    let mut failed: Option<RewriteError> = None;
    where_subqueries(sel, n, &outer, &mut joins, &mut failed);
    scalar_subqueries(
        sel,
        n,
        &outer,
        &outer_from,
        (aggregated, grouped),
        &mut joins,
        &mut failed,
    );
    if let Some(e) = failed {
        return Err(e);
    }
    if joins.is_empty() {
        return Ok(());
    }
    let added = crate::query::rewrite::from_item(&format!("__t {}", joins.join(" ")))?;
    sel.from[0].joins.extend(added.joins);
    hide_helper_columns(sel, &joins);
    Ok(())
}

/// `(a, b) IN (SELECT x, y …)` in WHERE: a semi join on both keys.
fn tuple_in_semi_join(t: &SQLExpr, n: &mut usize) -> Option<String> {
    if let SQLExpr::InSubquery {
        expr,
        subquery,
        negated: false,
    } = t
    {
        if let (SQLExpr::Tuple(keys), SetExpr::Select(inner)) = (&**expr, subquery.body.as_ref()) {
            if inner.projection.len() == keys.len() && outer_refs(subquery).is_empty() {
                *n += 1;
                let name = format!("__in{n}");
                let mut q = (**subquery).clone();
                if let SetExpr::Select(i) = q.body.as_mut() {
                    for (k, it) in i.projection.iter_mut().enumerate() {
                        if let SelectItem::UnnamedExpr(e)
                        | SelectItem::ExprWithAlias { expr: e, .. } = it
                        {
                            *it = SelectItem::ExprWithAlias {
                                expr: e.clone(),
                                alias: Ident::new(format!("__k{}", k + 1)),
                            };
                        }
                    }
                    i.distinct = Some(sqlparser::ast::Distinct::Distinct);
                }
                let on = keys
                    .iter()
                    .enumerate()
                    .map(|(k, e)| format!("{e} = {name}.__k{}", k + 1))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                return Some(format!("LEFT SEMI JOIN ({q}) AS {name} ON {on}"));
            }
        }
    }
    None
}

/// `x NOT IN (SELECT k …)`: polars-sql evaluates it against the subquery's values as
/// a list per row, which aborted budgetql (a failed allocation, not a panic) on
/// 1.4 M projects against 9.3 M indicators. An anti join drops the rows whose x is
/// among the values; SQL's NULLs are kept by counting the values once: a NULL x
/// passes only when there are none, and a NULL among them lets no row pass.
fn not_in_anti_join(t: &SQLExpr, n: &mut usize) -> Option<(String, SQLExpr)> {
    if let SQLExpr::InSubquery {
        expr,
        subquery,
        negated: true,
    } = t
    {
        if let SetExpr::Select(inner) = subquery.body.as_ref() {
            let key = match inner.projection.as_slice() {
                [SelectItem::UnnamedExpr(e)] | [SelectItem::ExprWithAlias { expr: e, .. }] => {
                    Some(e.clone())
                }
                _ => None,
            };
            if let (Some(key), false, true) = (
                key,
                matches!(**expr, SQLExpr::Tuple(_)),
                outer_refs(subquery).is_empty(),
            ) {
                *n += 1;
                let name = format!("__nin{n}");
                let mut q = (**subquery).clone();
                if let SetExpr::Select(i) = q.body.as_mut() {
                    i.projection = vec![SelectItem::ExprWithAlias {
                        expr: key,
                        alias: Ident::new("__k1"),
                    }];
                }
                let join = format!("LEFT ANTI JOIN ({q}) AS {name} ON {expr} = {name}.__k1");
                // one pass over the values: 2 when there are none, 1 when none is
                // NULL, 0 when one is
                let term = parse(&format!(
                    "CASE (SELECT CASE WHEN COUNT(*) = 0 THEN 2 WHEN COUNT(*) = COUNT({name}s.__k1) THEN 1 ELSE 0 END FROM ({q}) AS {name}s) WHEN 2 THEN TRUE WHEN 1 THEN {expr} IS NOT NULL ELSE FALSE END"
                ));
                return Some((join, term));
            }
        }
    }
    None
}

/// The WHERE terms with a subquery polars-sql cannot run as written: `(a, b) IN (SELECT
/// …)` and `x NOT IN (SELECT …)` as semi and anti joins, `[NOT] EXISTS` correlated by
/// equalities as semi and anti joins, other EXISTS as comparisons or counts; ANY/ALL.
fn where_subqueries(
    sel: &mut Select,
    n: &mut usize,
    outer: &[String],
    joins: &mut Vec<String>,
    failed: &mut Option<RewriteError>,
) {
    // EXISTS terms of WHERE
    if let Some(w) = sel.selection.take() {
        let mut terms = vec![];
        split_and(w, &mut terms);
        let mut keep = vec![];
        for t in terms {
            if let Some(join) = tuple_in_semi_join(&t, n) {
                joins.push(join);
                continue;
            }
            if let Some((join, term)) = not_in_anti_join(&t, n) {
                joins.push(join);
                keep.push(term);
                continue;
            }
            if let Some(r) = quantified(&t) {
                match r {
                    Ok(e) => keep.push(e),
                    Err(e) => {
                        failed.get_or_insert(e);
                        keep.push(t);
                    }
                }
                continue;
            }
            let (sub, negated) = match &t {
                SQLExpr::Exists { subquery, negated } => (subquery, *negated),
                SQLExpr::UnaryOp {
                    op: sqlparser::ast::UnaryOperator::Not,
                    expr,
                } => match &**expr {
                    SQLExpr::Exists { subquery, negated } => (subquery, !*negated),
                    _ => {
                        keep.push(t);
                        continue;
                    }
                },
                _ => {
                    keep.push(t);
                    continue;
                }
            };
            if outer_refs(sub).is_empty() {
                keep.push(t);
                continue;
            }
            match correlation(sub, &outer) {
                Ok(Some((from, _item, keys, rest))) => {
                    *n += 1;
                    let name = format!("__ex{n}");
                    let (cols, on, wh) = key_join(&keys, &name, rest);
                    let kind = if negated {
                        "LEFT ANTI JOIN"
                    } else {
                        "LEFT SEMI JOIN"
                    };
                    // a semi or anti join keeps each outer row once however many inner rows
                    // match, so the inner side needs no DISTINCT (which cost q7 spelled with
                    // EXISTS a hash pass over every matching indicator)
                    joins.push(format!(
                        "{kind} (SELECT {cols} FROM {from}{wh}) AS {name} ON {on}"
                    ));
                }
                Ok(None) => match exists_as_count(sub, negated) {
                    Some(e) => keep.push(e),
                    None => {
                        failed.get_or_insert(not_yet(&t, "a correlated EXISTS of this shape (grouped or limited); write it as a join on the matching columns, or as `col IN (SELECT …)`"));
                        keep.push(t);
                    }
                },
                // the scalar subquery is lowered below
                Err(term) => match exists_as_aggregate(sub, &term, negated, &outer)
                    .or_else(|| exists_as_count(sub, negated))
                {
                    Some(e) => keep.push(e),
                    None => {
                        failed.get_or_insert(not_yet(&term, &format!("the correlated condition `{term}` inside a grouped or limited EXISTS; compare with an aggregate instead, e.g. `a.x < (SELECT MAX(b.x) FROM t b WHERE b.k = a.k)`")));
                        keep.push(t);
                    }
                },
            }
        }
        sel.selection = and_all(keep);
    }
}

/// An uncorrelated scalar subquery `s` (its value named `{name}_v`) as a relation of
/// exactly one row, to cross-join: itself when it is an aggregate without GROUP BY (one
/// row, even over no rows); otherwise its first value, NULL when it has no row, and an
/// error when it has more than one (a cross join would drop every row, or repeat them).
fn one_row(s: &SQLQuery, name: &str) -> String {
    let aggregate_row = s.limit_clause.is_none()
        && s.fetch.is_none()
        && matches!(s.body.as_ref(), SetExpr::Select(i)
            if i.having.is_none()
                && matches!(&i.group_by, sqlparser::ast::GroupByExpr::Expressions(k, _) if k.is_empty())
                && matches!(i.projection.as_slice(),
                    [SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }]
                        if is_aggregate_call(e)));
    if aggregate_row {
        return s.to_string();
    }
    format!(
        "SELECT {}(COUNT(*), FIRST(__one.{name}_v)) AS {name}_v FROM ({s}) AS __one",
        crate::query::bind::functions::ONE_ROW
    )
}

/// Scalar subqueries of the SELECT list, WHERE and HAVING (EXISTS among them, as counts)
/// as joins: uncorrelated ones cross-joined, correlated ones grouped by their keys
/// (equalities) or by their outer columns' values ([`decorrelated`]) and left-joined.
fn scalar_subqueries(
    sel: &mut Select,
    n: &mut usize,
    outer: &[String],
    outer_from: &str,
    (aggregated, grouped): (bool, bool),
    joins: &mut Vec<String>,
    failed: &mut Option<RewriteError>,
) {
    // `row`: the expression is evaluated per input row (WHERE), before any aggregation
    let mut visit = |e: &mut SQLExpr, joins: &mut Vec<String>, row: bool| {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            let SQLExpr::Subquery(sub) = x else {
                return ControlFlow::<()>::Continue(());
            };
            let SetExpr::Select(inner) = sub.body.as_ref() else {
                return ControlFlow::Continue(());
            };
            if inner.projection.len() != 1 {
                return ControlFlow::Continue(());
            }
            let refs = outer_refs(sub);
            *n += 1;
            let name = format!("__sq{n}");
            if refs.is_empty() {
                if aggregated && !grouped && !row {
                    return ControlFlow::Continue(());
                }
                let mut s = (**sub).clone();
                if let SetExpr::Select(i) = s.body.as_mut() {
                    let e = match &i.projection[0] {
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                            e.clone()
                        }
                        _ => return ControlFlow::Continue(()),
                    };
                    i.projection[0] = SelectItem::ExprWithAlias {
                        expr: e,
                        alias: Ident::new(format!("{name}_v")),
                    };
                }
                joins.push(format!("CROSS JOIN ({}) AS {name}", one_row(&s, &name)));
            } else {
                if aggregated && !grouped && !row {
                    return ControlFlow::Continue(());
                }
                match correlation(sub, &outer) {
                    Ok(Some((from, item, keys, rest))) if is_aggregate_call(&item) => {
                        let (cols, on, wh) = key_join(&keys, &name, rest);
                        let by = keys
                            .iter()
                            .map(|(k, _)| k.to_string())
                            .collect::<Vec<_>>()
                            .join(", ");
                        joins.push(format!("LEFT JOIN (SELECT {cols}, {item} AS {name}_v FROM {from}{wh} GROUP BY {by}) AS {name} ON {on}"));
                        if matches!(&item, SQLExpr::Function(f) if fname(f) == "COUNT") {
                            // in a grouped SELECT list or HAVING the joined value is one per
                            // group: read it through MIN (polars-sql cannot read a grouping
                            // column HAVING does not select)
                            let v = if grouped && !row {
                                format!("MIN({name}.{name}_v)")
                            } else {
                                format!("{name}.{name}_v")
                            };
                            *x = parse(&format!("COALESCE({v}, 0)"));
                            return ControlFlow::Continue(());
                        }
                    }
                    Err(term) => match decorrelated(sub, &outer, &outer_from, &name) {
                        Some((join, count)) => {
                            joins.push(join);
                            let v = if grouped && !row {
                                format!("MIN({name}.{name}_v)")
                            } else {
                                format!("{name}.{name}_v")
                            };
                            *x = parse(&if count {
                                format!("COALESCE({v}, 0)")
                            } else {
                                v
                            });
                            return ControlFlow::Continue(());
                        }
                        None => {
                            failed.get_or_insert(not_yet(&term, &format!("the correlated condition `{term}` in a subquery: budgetql joins a correlated subquery that is one aggregate (`SELECT COUNT(*) …`, `SELECT MAX(x) …`) whose conditions qualify every column (`x.b < t1.b`) and compare each outer column directly (not only inside OR, CASE or IS NULL)")));
                            return ControlFlow::Continue(());
                        }
                    },
                    _ => return ControlFlow::Continue(()),
                }
            }
            *x = parse(&if grouped && !row {
                format!("MIN({name}.{name}_v)")
            } else {
                format!("{name}.{name}_v")
            });
            ControlFlow::Continue(())
        });
    };
    for it in &mut sel.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = it {
            exists_as_counts(e);
            visit(e, joins, false);
        }
    }
    if let Some(w) = &mut sel.selection {
        exists_as_counts(w);
        visit(w, joins, true);
    }
    if let Some(h) = &mut sel.having {
        exists_as_counts(h);
        visit(h, joins, false);
    }
}

/// `SELECT *` over the joins [`subqueries`] added lists the table's columns, not the
/// joined values (`{name}_v`) and keys (`{name}_kN`): those are excluded from each `*`.
fn hide_helper_columns(sel: &mut Select, joins: &[String]) {
    let mut helpers: Vec<String> = vec![];
    for j in joins {
        if !(j.starts_with("CROSS JOIN") || j.starts_with("LEFT JOIN")) {
            continue;
        }
        let Some(at) = j.rfind(") AS ") else { continue };
        let name: String = j[at + 5..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Ok(re) = regex::Regex::new(&format!(r"\bAS ({name}_(?:v|k\d+))\b")) else {
            continue;
        };
        for c in re.captures_iter(j) {
            if !helpers.contains(&c[1].to_string()) {
                helpers.push(c[1].to_string());
            }
        }
    }
    exclude_from_stars(sel, &helpers);
}

/// Every subquery in a WHERE, the SELECT list or HAVING as a join ([`subqueries`]).
pub(crate) fn all_subqueries(q: &mut SQLQuery) -> Result<(), RewriteError> {
    let mut n = 0;
    each_select(q, &mut |sel| subqueries(sel, &mut n))
}
