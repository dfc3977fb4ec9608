//! Plain SQL made to mean what SQL means before polars-sql sees it. Each rewrite fixes
//! one place where polars-sql 0.55 (or sqlparser 0.62) silently answers differently
//! from the SQL standard, DuckDB and PostgreSQL — found by the differential corpus
//! (`tests/sqldiff/`), each with a minimal case in `tests/sql/plain.slt`:
//!
//! - `a IS DISTINCT FROM b AND c` is parsed as `a IS DISTINCT FROM (b AND c)`: re-associated
//!   and printed in parentheses (polars-sql parses the printed text again).
//! - `COUNT(…)` is unsigned in Polars (`COUNT(DISTINCT year) - 11` wraps to 4294967295;
//!   a count over a UNION ALL fails to cast): every count is a BIGINT.
//! - `a % b` floors in Polars (`-7 % 3` = 2): SQL truncates (`-1`).
//! - an aggregate of a constant (`SUM(1)`, `MIN(2.25)`) is evaluated once, not per row:
//!   `SUM(k)` is `k × COUNT(*)` and every such aggregate is NULL over no rows.
//! - `POWER(x, n)` is refused on money and wraps on integers: it is computed in DOUBLE,
//!   as DuckDB does; so is every quotient `a / b` (Polars kept six decimal places of a
//!   divided money amount, and a quotient of quotients drifted).
//! - `RIGHT(s, n)` with n beyond the length drops characters: the whole text is kept.
//! - `ROUND` rounds half to even and `CAST(x AS INTEGER)` truncates in Polars; SQL rounds
//!   half away from zero (`ROUND(0.65, 1)` = 0.7, `CAST(1.5 AS INTEGER)` = 2).
//! - join conditions other than `left.k = right.k` (see [`join_conditions`]).
//! - scalar and EXISTS subqueries, which polars-sql refuses, become joins ([`subqueries`]),
//!   correlated by equalities (grouped by the keys) or by any comparisons ([`decorrelated`]:
//!   the outer columns' distinct values joined with the inner rows); an EXISTS polars-sql
//!   cannot run is a count ([`exists_as_count`]);
//!   so does `x NOT IN (SELECT …)` (an anti join and two counts for SQL's NULLs), which
//!   polars-sql evaluated as a list per row until the allocation failed.

use super::rewrite::RewriteError;
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr as SQLExpr, Function as SQLFunction, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, JoinConstraint, JoinOperator, ObjectNamePart,
    Query as SQLQuery, Select, SelectItem, SetExpr, TableFactor,
};
use std::ops::ControlFlow;

/// Parse SQL the rewrites print from the query's own pieces; text that does not parse
/// back (it cannot: it is printed AST) is kept as a name, which the engine then reports.
fn parse(text: &str) -> SQLExpr {
    super::rewrite::parse_expr(text).unwrap_or_else(|_| SQLExpr::Identifier(Ident::new(text)))
}

use super::rewrite::{
    and_all, conjuncts as split_and, contains, fname, is_aggregate as is_aggregate_call,
};

fn args(f: &SQLFunction) -> Vec<&FunctionArg> {
    match &f.args {
        FunctionArguments::List(l) => l.args.iter().collect(),
        _ => vec![],
    }
}

fn is_count(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Function(f) if fname(f) == "COUNT" && f.over.is_none())
}

/// True when an expression reads no column and no subquery (`1`, `2.5 * 3`, `-1`).
fn constant(e: &SQLExpr) -> bool {
    !contains(e, &|x| {
        matches!(
            x,
            SQLExpr::Identifier(_)
                | SQLExpr::CompoundIdentifier(_)
                | SQLExpr::Subquery(_)
                | SQLExpr::Function(_)
                | SQLExpr::Exists { .. }
                | SQLExpr::InSubquery { .. }
        )
    })
}

/// `a IS DISTINCT FROM (b AND c)` as parsed from `a IS DISTINCT FROM b AND c` →
/// `(a IS DISTINCT FROM b) AND c`; a right side the user parenthesised is kept.
fn reassociate(e: SQLExpr) -> SQLExpr {
    let (a, b, not) = match e {
        SQLExpr::IsDistinctFrom(a, b) => (a, b, false),
        SQLExpr::IsNotDistinctFrom(a, b) => (a, b, true),
        other => return other,
    };
    match *b {
        SQLExpr::BinaryOp {
            left,
            op: op @ (BinaryOperator::And | BinaryOperator::Or),
            right,
        } => SQLExpr::BinaryOp {
            left: Box::new(reassociate(make_raw(a, left, not))),
            op,
            right,
        },
        other => SQLExpr::Nested(Box::new(make_raw(a, Box::new(other), not))),
    }
}

fn make_raw(a: Box<SQLExpr>, b: Box<SQLExpr>, not: bool) -> SQLExpr {
    if not {
        SQLExpr::IsNotDistinctFrom(a, b)
    } else {
        SQLExpr::IsDistinctFrom(a, b)
    }
}

/// Unaliased `COUNT(*)` items are named `count` (polars would say `len`) and `COUNT(x)`
/// items `x`, before the counts become casts that would lose those names.
pub(crate) fn name_counts(q: &mut SQLQuery) {
    fn body(s: &mut SetExpr) {
        match s {
            SetExpr::Select(sel) => {
                let defaults: Vec<Option<String>> = sel
                    .projection
                    .iter()
                    .map(super::rewrite::default_name)
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

/// Every SELECT of a query, its CTEs, derived tables and expression subqueries.
pub(crate) fn each_select(
    q: &mut SQLQuery,
    f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
) -> Result<(), RewriteError> {
    fn body(
        s: &mut SetExpr,
        f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
    ) -> Result<(), RewriteError> {
        match s {
            SetExpr::Select(sel) => {
                for t in &mut sel.from {
                    factor(&mut t.relation, f)?;
                    for j in &mut t.joins {
                        factor(&mut j.relation, f)?;
                    }
                }
                f(sel)
            }
            SetExpr::Query(q) => each_select(q, f),
            SetExpr::SetOperation { left, right, .. } => {
                body(left, f)?;
                body(right, f)
            }
            _ => Ok(()),
        }
    }
    fn factor(
        t: &mut TableFactor,
        f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
    ) -> Result<(), RewriteError> {
        if let TableFactor::Derived { subquery, .. } = t {
            each_select(subquery, f)?;
        }
        Ok(())
    }
    if let Some(w) = &mut q.with {
        for c in &mut w.cte_tables {
            each_select(&mut c.query, f)?;
        }
    }
    body(&mut q.body, f)
}

/// The name a FROM item is referred to by.
fn relation_name(t: &TableFactor) -> Option<String> {
    match t {
        TableFactor::Table { name, alias, .. } => alias
            .as_ref()
            .map(|a| a.name.value.clone())
            .or_else(|| match name.0.last() {
                Some(ObjectNamePart::Identifier(i)) => Some(i.value.clone()),
                _ => None,
            }),
        TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| a.name.value.clone()),
        _ => None,
    }
}

/// The relations a condition reads: Some(qualifiers) when every column is qualified.
fn qualifiers(e: &SQLExpr) -> Option<Vec<String>> {
    let mut c = e.clone();
    let mut out = vec![];
    let mut bare = false;
    let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
        match x {
            SQLExpr::CompoundIdentifier(ids) if ids.len() >= 2 => {
                out.push(ids[ids.len() - 2].value.clone())
            }
            SQLExpr::Identifier(_) | SQLExpr::Subquery(_) | SQLExpr::Exists { .. } => bare = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (!bare).then_some(out)
}

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
        return Err(super::rewrite::err_at(on, "not supported yet: a LEFT JOIN on this condition between unnamed relations; give each an alias"));
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
    let t = super::rewrite::from_item(&format!(
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
                    return Err(super::rewrite::err_at(&others[0], format!(
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
                    return Err(super::rewrite::err_at(bad, format!(
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
    *relation = super::rewrite::from_item(&format!(
        "(SELECT * FROM {inner_from} WHERE {cond}) AS {alias}"
    ))?
    .relation;
    Ok(())
}

/// The names a query's FROM items are referred to by (its own level only).
fn from_names(q: &SQLQuery) -> Vec<String> {
    let mut out = vec![];
    if let SetExpr::Select(sel) = q.body.as_ref() {
        for t in &sel.from {
            out.extend(relation_name(&t.relation));
            for j in &t.joins {
                out.extend(relation_name(&j.relation));
            }
        }
    }
    out
}

/// Qualifiers a query uses that no FROM item in scope defines: the outer rows it reads (a
/// correlated subquery). A qualifier is looked up in the FROM of each SELECT from the
/// column outwards to `q`, so a table of a derived table inside `q` (`(SELECT … FROM
/// (SELECT k FROM u WHERE u.k > 1) AS d)`) is not an outer row, and neither hides one.
fn outer_refs(q: &SQLQuery) -> Vec<String> {
    struct Refs {
        scopes: Vec<Vec<String>>,
        out: Vec<String>,
    }
    impl sqlparser::ast::Visitor for Refs {
        type Break = ();
        fn pre_visit_select(&mut self, sel: &Select) -> ControlFlow<()> {
            let names = sel
                .from
                .iter()
                .flat_map(|t| {
                    std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
                })
                .filter_map(relation_name)
                .collect();
            self.scopes.push(names);
            ControlFlow::Continue(())
        }
        fn post_visit_select(&mut self, _: &Select) -> ControlFlow<()> {
            self.scopes.pop();
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, x: &SQLExpr) -> ControlFlow<()> {
            if let SQLExpr::CompoundIdentifier(ids) = x {
                if ids.len() >= 2 {
                    let qn = &ids[ids.len() - 2].value;
                    if !self.scopes.iter().any(|s| s.contains(qn)) && !self.out.contains(qn) {
                        self.out.push(qn.clone());
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Refs {
        scopes: vec![],
        out: vec![],
    };
    let _ = sqlparser::ast::Visit::visit(q, &mut v);
    v.out
}

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
            super::rewrite::is_comparison(op)
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

fn not_yet(e: &SQLExpr, what: &str) -> RewriteError {
    super::rewrite::err_at(e, format!("not supported yet: {what}"))
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
        return Err(super::rewrite::err_at(sub, "not supported yet: a correlated subquery in an aggregate query without GROUP BY; compute it in a CTE and join it"));
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
    let outer = super::rewrite::query(&format!(
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
        sel.from = vec![super::rewrite::from_item("(SELECT 1 AS __one) AS __one")?];
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
    let added = super::rewrite::from_item(&format!("__t {}", joins.join(" ")))?;
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
        super::bind::functions::ONE_ROW
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

/// Columns the rewrites added, left out of each `SELECT *` (after its own EXCLUDE list).
fn exclude_from_stars(sel: &mut Select, helpers: &[String]) {
    use sqlparser::ast::{ExcludeSelectItem, ObjectName};
    if helpers.is_empty() {
        return;
    }
    for it in &mut sel.projection {
        let SelectItem::Wildcard(opts) = it else {
            continue;
        };
        let mut names = exclude_list(opts);
        // quoted: a polars-sql name such as `k:u` prints back as one identifier
        names.extend(
            helpers
                .iter()
                .map(|h| ObjectName::from(vec![Ident::with_quote('"', h.clone())])),
        );
        opts.opt_exclude = Some(ExcludeSelectItem::Multiple(names));
    }
}

/// A `*`'s EXCLUDE names, taken out of it.
fn exclude_list(
    opts: &mut sqlparser::ast::WildcardAdditionalOptions,
) -> Vec<sqlparser::ast::ObjectName> {
    use sqlparser::ast::ExcludeSelectItem;
    match opts.opt_exclude.take() {
        Some(ExcludeSelectItem::Single(n)) => vec![n],
        Some(ExcludeSelectItem::Multiple(ns)) => ns,
        None => vec![],
    }
}

/// What `SELECT *` means beside joins and EXCLUDE, which polars-sql got wrong:
/// - `JOIN … USING (k)` lists `k` once (polars-sql also listed the right side's `k:u`);
///   after a RIGHT or FULL join the one `k` would have to be the coalesced key, which is
///   refused with a way to write it;
/// - `EXCLUDE (t.k)` names `k` of the one FROM item `t` (polars-sql ignored a qualified
///   name and kept the column); over a join, where the name is ambiguous, it is refused.
pub(crate) fn star_options(sel: &mut Select) -> Result<(), RewriteError> {
    use sqlparser::ast::{ExcludeSelectItem, ObjectName};
    let stars = sel
        .projection
        .iter()
        .any(|it| matches!(it, SelectItem::Wildcard(_)));
    if !stars {
        return Ok(());
    }
    let mut hidden: Vec<String> = vec![];
    for t in &sel.from {
        for j in &t.joins {
            let (c, outer) = match &j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c) => (c, false),
                JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => (c, true),
                _ => continue,
            };
            let JoinConstraint::Using(keys) = c else {
                continue;
            };
            let Some(right) = relation_name(&j.relation) else {
                continue;
            };
            if outer {
                return Err(super::rewrite::err_at(
                    &j.relation,
                    "not supported yet: `SELECT *` over a RIGHT or FULL join with USING (its key is the two sides coalesced); join ON the keys and name the columns, e.g. SELECT COALESCE(a.k, b.k) AS k, …",
                ));
            }
            for k in keys {
                if let Some(ObjectNamePart::Identifier(i)) = k.0.last() {
                    hidden.push(format!("{}:{right}", i.value));
                }
            }
        }
    }
    let single = (sel.from.len() == 1 && sel.from[0].joins.is_empty())
        .then(|| relation_name(&sel.from[0].relation))
        .flatten();
    for it in &mut sel.projection {
        let SelectItem::Wildcard(opts) = it else {
            continue;
        };
        let mut names = exclude_list(opts);
        for n in &mut names {
            let [ObjectNamePart::Identifier(q), ObjectNamePart::Identifier(c)] = n.0.as_slice()
            else {
                continue;
            };
            if single
                .as_ref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&q.value))
            {
                *n = ObjectName::from(vec![c.clone()]);
            } else {
                return Err(super::rewrite::err_at(
                    &*n,
                    format!("not supported yet: `EXCLUDE ({n})` names a column by its table over a join (or a table the query does not read); name it alone, EXCLUDE ({c}), or list the columns you want"),
                ));
            }
        }
        if !names.is_empty() {
            opts.opt_exclude = Some(ExcludeSelectItem::Multiple(names));
        }
    }
    exclude_from_stars(sel, &hidden);
    Ok(())
}

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
            return Err(super::rewrite::err_at(
                &c,
                format!("`{c}` is neither a GROUP BY key nor inside an aggregate; add it to GROUP BY, or aggregate it (MAX({c}), ANY_VALUE({c}))"),
            ));
        }
    }
    Ok(())
}

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
        return Err(super::rewrite::err_at(&cond, "not supported yet: HAVING without GROUP BY over a select list without names; name each item (`SUM(budget) AS total`)"));
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
    *sel = super::rewrite::outer_select(&names, &inner, "__h", "WHERE __having")?;
    Ok(())
}

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
        let Some(name) = super::rewrite::output_name(it) else {
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

/// `ORDER BY COUNT(*) DESC` in a grouped query: polars-sql evaluates the aggregate over
/// the whole input again and fails ("sort expressions must have same length"); an ORDER
/// BY term that is an aggregate SELECT item is ordered by that item's name (or position,
/// when it has none), which is what it means. In every query of the statement.
pub(crate) fn order_by_items(q: &mut SQLQuery) {
    use sqlparser::ast::VisitMut;
    struct Queries;
    impl sqlparser::ast::VisitorMut for Queries {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut SQLQuery) -> ControlFlow<()> {
            order_by_item_names(q);
            ControlFlow::Continue(())
        }
    }
    let _ = q.visit(&mut Queries);
}

/// [`order_by_items`] for one query's own ORDER BY.
fn order_by_item_names(q: &mut SQLQuery) {
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return;
    };
    let Some(ob) = &mut q.order_by else { return };
    let sqlparser::ast::OrderByKind::Expressions(terms) = &mut ob.kind else {
        return;
    };
    for t in terms {
        if !contains(&t.expr, &|x| is_aggregate_call(x)) {
            continue;
        }
        let at = sel.projection.iter().position(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => *e == t.expr,
            _ => false,
        });
        let Some(at) = at else { continue };
        t.expr = match &sel.projection[at] {
            SelectItem::ExprWithAlias { alias, .. } => SQLExpr::Identifier(alias.clone()),
            _ => SQLExpr::Value(sqlparser::ast::Value::Number((at + 1).to_string(), false).into()),
        };
    }
}

/// Normalise a query in place (see the module docs). `kind` says what a column name is
/// (`None`: not a column of the tables the query reads).
/// `x = (a, b)` and other row values left after the subquery rules: refused here, not
/// as a syntax-tree dump.
pub(crate) fn row_values(q: &mut SQLQuery) -> Result<(), RewriteError> {
    let mut tuple: Option<RewriteError> = None;
    let _ = visit_expressions_mut(q, |x: &mut SQLExpr| {
        if let SQLExpr::Tuple(_) = x {
            tuple.get_or_insert(not_yet(&*x, &format!("the row value `{x}` here; compare column by column (`a = 1 AND b = 2`), or count distinct pairs in a subquery: SELECT COUNT(*) FROM (SELECT DISTINCT a, b FROM …)")));
        }
        ControlFlow::<()>::Continue(())
    });
    match tuple {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every subquery in a WHERE, the SELECT list or HAVING as a join ([`subqueries`]).
pub(crate) fn all_subqueries(q: &mut SQLQuery) -> Result<(), RewriteError> {
    let mut n = 0;
    each_select(q, &mut |sel| subqueries(sel, &mut n))
}

/// Every expression made to mean what SQL means ([`rewrite_one`]).
pub(crate) fn plain_expressions(q: &mut SQLQuery) {
    let _ = visit_expressions_mut(q, |e: &mut SQLExpr| {
        let taken = std::mem::replace(e, SQLExpr::Value(sqlparser::ast::Value::Null.into()));
        *e = rewrite_one(taken);
        ControlFlow::<()>::Continue(())
    });
}

fn rewrite_one(e: SQLExpr) -> SQLExpr {
    match e {
        // `- - 41` prints back as `--41`, a comment, when the rewrites print the query:
        // the inner sign in parentheses
        SQLExpr::UnaryOp { op, expr }
            if matches!(&*expr, SQLExpr::UnaryOp { .. })
                || matches!(&*expr, SQLExpr::Value(v) if v.value.to_string().starts_with('-')) =>
        {
            SQLExpr::UnaryOp {
                op,
                expr: Box::new(SQLExpr::Nested(expr)),
            }
        }
        SQLExpr::IsDistinctFrom(..) | SQLExpr::IsNotDistinctFrom(..) => reassociate(e),
        // a quotient is a DOUBLE, as in DuckDB: Polars divided money to six decimal
        // places, so `year / (amount / year)` was off in the fifth significant digit
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } => SQLExpr::BinaryOp {
            left: Box::new(parse(&format!("CAST({left} AS DOUBLE)"))),
            op: BinaryOperator::Divide,
            right,
        },
        // `a // b` floors in Polars (-7 // 2 = -4); SQL engines truncate (-3)
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::DuckIntegerDivide,
            right,
        } => parse(&format!(
            "CASE WHEN (({left}) < 0) <> (({right}) < 0) THEN -(ABS({left}) // ABS({right})) ELSE ABS({left}) // ABS({right}) END"
        )),
        SQLExpr::BinaryOp {
            left,
            op: BinaryOperator::Modulo,
            right,
        } => {
            // a divisor written as a number stays one (`v % 0.25`: the binder reads it as
            // an exact DECIMAL beside money)
            let r = match &*right {
                SQLExpr::Value(v) if matches!(v.value, sqlparser::ast::Value::Number(..)) => {
                    right.to_string()
                }
                _ => format!("ABS({right})"),
            };
            parse(&format!(
                "CASE WHEN ({left}) < 0 THEN -(ABS({left}) % {r}) ELSE ABS({left}) % {r} END"
            ))
        }
        SQLExpr::Function(f) if f.over.is_none() => rewrite_function(f),
        other => other,
    }
}

/// [`rewrite_one`] for a function call (not a window): aggregates of constants (SUM,
/// AVG, MIN and MAX of DISTINCT values are the binder's), counts as BIGINT, ROUND half away from zero,
/// the population variance, POWER in DOUBLE, RIGHT beyond the length.
fn rewrite_function(f: SQLFunction) -> SQLExpr {
    let f = filter_as_case(f);
    let name = fname(&f);
    let distinct = f.args.to_string().to_uppercase().starts_with("(DISTINCT");
    let one = match args(&f).as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(a))] => Some(a.clone()),
        _ => None,
    };
    match (name.as_str(), one) {
        // a constant is counted once per row (Polars counted it once): NULL never
        ("COUNT", Some(k)) if constant(&k) => parse(&if distinct {
            format!("CASE WHEN ({k}) IS NULL OR CAST(COUNT(*) AS BIGINT) = 0 THEN CAST(0 AS BIGINT) ELSE CAST(1 AS BIGINT) END")
        } else {
            format!("CASE WHEN ({k}) IS NULL THEN CAST(0 AS BIGINT) ELSE CAST(COUNT(*) AS BIGINT) END")
        }),
        ("COUNT", _) => parse(&format!("CAST({f} AS BIGINT)")),
        ("SUM", Some(k)) if constant(&k) && !distinct => parse(&format!(
            "CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE ({k}) * CAST(COUNT(*) AS BIGINT) END"
        )),
        ("AVG" | "MIN" | "MAX", Some(k)) if constant(&k) => parse(&format!(
            "CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE {k} END"
        )),
        // population variance and deviation, which polars-sql does not know, from
        // the sample ones: VAR_POP = VAR_SAMP × (n − 1) / n (0 for one value)
        ("VAR_POP" | "STDDEV_POP", Some(x)) if !distinct => {
            let var = format!(
                "CASE WHEN COUNT({x}) = 1 THEN 0.0 ELSE VAR_SAMP({x}) * (COUNT({x}) - 1) / CAST(COUNT({x}) AS DOUBLE) END"
            );
            parse(&if name == "VAR_POP" { var } else { format!("SQRT({var})") })
        }
        ("POWER" | "POW", _) => match args(&f).as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(a)), FunctionArg::Unnamed(FunctionArgExpr::Expr(b))] => {
                parse(&format!("POWER(CAST({a} AS DOUBLE), {b})"))
            }
            _ => SQLExpr::Function(f),
        },
        ("RIGHT", _) => match args(&f).as_slice() {
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(s)), FunctionArg::Unnamed(FunctionArgExpr::Expr(n))] => {
                parse(&format!(
                    "CASE WHEN LENGTH({s}) <= {n} THEN {s} ELSE RIGHT({s}, {n}) END"
                ))
            }
            _ => SQLExpr::Function(f),
        },
        _ => SQLExpr::Function(f),
    }
}

/// `AGG(x) FILTER (WHERE c)` of an aggregate that skips NULLs is `AGG(CASE WHEN c THEN x
/// END)` (`COUNT(*)` counts `CASE WHEN c THEN 1 END`): the same answer, and the rewrites
/// above then see a plain aggregate (they would otherwise drop the FILTER).
fn filter_as_case(mut f: SQLFunction) -> SQLFunction {
    // the aggregates that read NULLs (FIRST, LAST, ARRAY_AGG) keep their FILTER (the
    // binder applies it); so does a WITHIN GROUP call, whose argument is its fraction
    const READ_NULLS: &[&str] = &["FIRST", "LAST", "ARRAY_AGG"];
    let Some(cond) = f.filter.clone() else {
        return f;
    };
    let name = fname(&f);
    if !super::rewrite::AGGREGATES.contains(&name.as_str())
        || READ_NULLS.contains(&name.as_str())
        || f.over.is_some()
        || !f.within_group.is_empty()
    {
        return f;
    }
    let FunctionArguments::List(l) = &mut f.args else {
        return f;
    };
    let [arg] = l.args.as_mut_slice() else {
        return f;
    };
    let value = match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => x.clone(),
        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => parse("1"),
        _ => return f,
    };
    *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: None,
        conditions: vec![sqlparser::ast::CaseWhen {
            condition: *cond,
            result: value,
        }],
        else_result: None,
    }));
    f.filter = None;
    f
}

#[cfg(test)]
mod tests {
    fn n(sql: &str) -> String {
        let mut q = super::super::rewrite::query(sql).unwrap();
        let cx = crate::query::rules::Context { columns: &|_| None };
        crate::query::rules::apply(&mut q, &cx, None).unwrap();
        q.to_string()
    }

    #[test]
    fn is_distinct_from_binds_tighter_than_and() {
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS DISTINCT FROM b AND c = 1"),
            "SELECT 1 FROM t WHERE (a IS DISTINCT FROM b) AND c = 1"
        );
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM b AND c AND d"),
            "SELECT 1 FROM t WHERE (a IS NOT DISTINCT FROM b) AND c AND d"
        );
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS DISTINCT FROM (b AND c)"),
            "SELECT 1 FROM t WHERE (a IS DISTINCT FROM (b AND c))"
        );
    }

    #[test]
    fn counts_are_bigint_and_keep_their_names() {
        assert_eq!(
            n("SELECT COUNT(*), COUNT(DISTINCT year) - 11 AS d FROM t"),
            "SELECT CAST(COUNT(*) AS BIGINT) AS count, CAST(COUNT(DISTINCT year) AS BIGINT) - 11 AS d FROM t"
        );
    }

    #[test]
    fn a_column_named_like_a_slot_is_left_alone() {
        let s = n("SELECT SUM(x) / (SELECT COUNT(*) FROM u) AS r, MIN(__slot0) AS a, MIN(__slot9) AS b FROM t");
        assert!(s.contains("__slot0") && s.contains("__slot9"), "{s}");
    }

    #[test]
    fn constant_aggregates_count_rows() {
        assert_eq!(
            n("SELECT SUM(1), MIN(2.25) FROM t"),
            "SELECT CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE (1) * CAST(COUNT(*) AS BIGINT) END, CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE 2.25 END FROM t"
        );
    }
}
