//! The rewrite stage: a query with the budget extensions → SQL the binder plans.
//!
//! - each extension is lowered where its grammar puts it, by its own file in
//!   [`super::extensions`] (SHARE and YOY where they stand, ROLLUP over the SELECT, PIVOT
//!   in FROM);
//! - any window over an aggregate (`SUM(SUM(x)) OVER ()`, `SHARE(SUM(x))`, `LAG(SUM(x))`)
//!   is lowered into a CTE: group first, then the window over the grouped rows;
//! - a join on DISTINCT keys read nowhere else, and `IN (SELECT …)` at the top of WHERE,
//!   become semi joins; every CTE is hoisted to the top of the statement.

use super::extensions::{self, is_extension, Over};
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Function as SQLFunction, FunctionArg, FunctionArgExpr,
    FunctionArguments, GroupByExpr, Ident, ObjectNamePart, Query as SQLQuery, Select as SQLSelect,
    SelectItem, SetExpr, Spanned, TableFactor, Value as SQLValue, WindowType,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser as SQLParser;
use std::ops::ControlFlow;

/// A rewrite failure, located (1-based line and column inside the statement).
#[derive(Debug, Clone, PartialEq)]
pub struct RewriteError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

pub(crate) fn err_at(node: &impl Spanned, message: impl Into<String>) -> RewriteError {
    let s = node.span().start;
    RewriteError {
        line: s.line.max(1),
        column: s.column.max(1),
        message: message.into(),
    }
}

/// Column names of a relation (table name or subquery text), for PIVOT.
pub trait Columns {
    fn columns_of(&mut self, sql: &str) -> Result<Vec<String>, String>;
}

pub(crate) const AGGREGATES: &[&str] = &[
    "SUM",
    "COUNT",
    "AVG",
    "MEAN",
    "MIN",
    "MAX",
    "MEDIAN",
    "STDDEV",
    "STDEV",
    "STDDEV_SAMP",
    "STDDEV_POP",
    "VARIANCE",
    "VAR",
    "VAR_SAMP",
    "VAR_POP",
    "FIRST",
    "LAST",
    "QUANTILE_CONT",
    "QUANTILE_DISC",
    "PERCENTILE_CONT",
    "PERCENTILE_DISC",
    "ARRAY_AGG",
    "STRING_AGG",
    "GROUP_CONCAT",
    "LISTAGG",
    "TOTAL",
    "BOOL_AND",
    "BOOL_OR",
    "ANY_VALUE",
    "MODE",
    "CORR",
    "COVAR",
    "COVAR_SAMP",
    "COVAR_POP",
];

pub(crate) fn fname(f: &SQLFunction) -> String {
    match f.name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => i.value.to_uppercase(),
        _ => String::new(),
    }
}

pub(crate) fn is_aggregate(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Function(f) if f.over.is_none() && AGGREGATES.contains(&fname(f).as_str()))
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=`.
pub(crate) fn is_comparison(op: &sqlparser::ast::BinaryOperator) -> bool {
    use sqlparser::ast::BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
}

/// True when an expression anywhere in `node` (an expression, a SELECT, an ORDER BY, a
/// query; subqueries included) is one for which `pred` holds.
pub(crate) fn contains<V: sqlparser::ast::Visit>(
    node: &V,
    pred: &dyn Fn(&SQLExpr) -> bool,
) -> bool {
    sqlparser::ast::visit_expressions(node, |x: &SQLExpr| {
        if pred(x) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}

pub(crate) fn function_args(f: &SQLFunction) -> Vec<SQLExpr> {
    match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e.clone()),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// Parse an expression from text (the rewrites build SQL from printed AST pieces).
fn expr(text: &str) -> Result<SQLExpr, RewriteError> {
    SQLParser::new(&GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| RewriteError {
            line: 1,
            column: 1,
            message: format!("internal rewrite produced invalid SQL `{text}`: {e}"),
        })
}

/// Parse an expression from text.
pub(crate) fn parse_expr(text: &str) -> Result<SQLExpr, RewriteError> {
    expr(text)
}

/// Parse a query from text.
pub fn query(text: &str) -> Result<SQLQuery, RewriteError> {
    SQLParser::new(&GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_query())
        .map(|q| *q)
        .map_err(|e| RewriteError {
            line: 1,
            column: 1,
            message: format!("internal rewrite produced invalid SQL `{text}`: {e}"),
        })
}

/// CTEs collected while rewriting: polars-sql resolves CTEs only at the top of a
/// statement, so every CTE (the user's and the generated ones) is hoisted there,
/// in dependency order.
#[derive(Default)]
pub struct Hoist {
    ctes: Vec<String>,
    n: usize,
}

impl Hoist {
    /// A name for a new CTE: `__{base}N`.
    pub(crate) fn name(&mut self, base: &str) -> String {
        self.n += 1;
        format!("__{base}{}", self.n)
    }

    /// A CTE, after the ones hoisted so far (it may read them).
    pub(crate) fn cte(&mut self, name: &str, body: &str) {
        self.ctes.push(format!("{name} AS ({body})"));
    }

    /// A query that may read the CTEs hoisted so far, with them.
    pub(crate) fn with_ctes(&self, query: String) -> String {
        if self.ctes.is_empty() {
            query
        } else {
            format!("WITH {} {query}", self.ctes.join(", "))
        }
    }
}

/// Rewrite a query's extensions; returns the SQL polars-sql should run.
pub fn rewrite(q: &SQLQuery, cols: &mut dyn Columns) -> Result<String, RewriteError> {
    let mut h = Hoist::default();
    let body = rewrite_q(q, cols, &mut h)?;
    Ok(if h.ctes.is_empty() {
        body
    } else {
        format!("WITH {} {body}", h.ctes.join(", "))
    })
}

/// Rewrite one query level; its CTEs go to `h`, the returned text has no WITH.
fn rewrite_q(q: &SQLQuery, cols: &mut dyn Columns, h: &mut Hoist) -> Result<String, RewriteError> {
    let mut q = q.clone();
    let with = q.with.take();
    if let Some(with) = &with {
        for cte in &with.cte_tables {
            let body = rewrite_q(&cte.query, cols, h)?;
            h.ctes.push(format!("{} AS ({body})", cte.alias));
        }
    }
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return Ok(q.to_string());
    };
    let mut sel = (**sel).clone();
    inline_named_windows(&mut sel, q.order_by.as_mut())?;
    distinct_joins_as_semi(&mut sel, with.as_ref(), q.order_by.as_ref());
    rewrite_from(&mut sel, cols, h)?;
    semi_joins(&mut sel, h);
    // polars names an unaliased COUNT(*) `len`; an analyst expects `count`
    for it in &mut sel.projection {
        if let SelectItem::UnnamedExpr(SQLExpr::Function(f)) = it {
            let star = matches!(&f.args, FunctionArguments::List(l) if l.args.len() == 1 && matches!(l.args[0], FunctionArg::Unnamed(FunctionArgExpr::Wildcard)));
            if fname(f) == "COUNT" && star && f.over.is_none() {
                *it = SelectItem::ExprWithAlias {
                    expr: SQLExpr::Function(f.clone()),
                    alias: Ident::new("count"),
                };
            }
        }
    }

    name_colliding_aggregates(&mut sel);

    if let Some(lowered) = extensions::lower_grouping(&q, &sel, h) {
        return lowered;
    }
    let items: Vec<SQLExpr> = sel.projection.iter().filter_map(item_expr).collect();
    // a bare column beside an aggregate without GROUP BY would be silently broadcast
    if matches!(&sel.group_by, GroupByExpr::Expressions(es, _) if es.is_empty())
        && items.iter().any(|e| contains(e, &is_aggregate))
    {
        if let Some(bare) = items
            .iter()
            .find(|e| matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_)))
        {
            return Err(err_at(bare, format!("`{bare}` is neither aggregated nor grouped; add GROUP BY {bare}, or aggregate it (e.g. MIN({bare}))")));
        }
    }
    let grouped = !matches!(&sel.group_by, GroupByExpr::Expressions(es, _) if es.is_empty())
        || items.iter().any(|e| contains(e, &is_aggregate));
    let has_ext = items.iter().any(|e| contains(e, &is_extension))
        || sel
            .qualify
            .as_ref()
            .is_some_and(|e| contains(e, &is_extension));
    if has_ext {
        // in a grouped query the extensions' windows run over the groups, by default
        // partitioned by the keys other than `year` (the binder plans windows there)
        let w = if grouped {
            grouped_over(&sel)?
        } else {
            Over::default()
        };
        name_extensions(&mut sel);
        for it in &mut sel.projection {
            if let Some(e) = item_expr_mut(it) {
                w.expand(e)?;
            }
        }
        if let Some(e) = sel.qualify.as_mut() {
            w.expand(e)?;
        }
    }
    q.body = Box::new(SetExpr::Select(Box::new(sel)));
    Ok(q.to_string())
}

/// The name an item's column gets when it has an obvious one: its alias, or the column
/// it reads (`b.line` → `line`).
pub(crate) fn output_name(it: &SelectItem) -> Option<String> {
    match it {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        SelectItem::UnnamedExpr(SQLExpr::Identifier(id)) => Some(id.value.clone()),
        SelectItem::UnnamedExpr(SQLExpr::CompoundIdentifier(ids)) => {
            ids.last().map(|i| i.value.clone())
        }
        _ => None,
    }
}

/// Polars names an unaliased `MIN(budget)` after its column, so `SELECT MIN(budget),
/// MAX(budget)` fails with a duplicate name. Unaliased aggregates of one column whose
/// names would collide with another output are named `min_budget`, `max_budget`, …
fn name_colliding_aggregates(sel: &mut SQLSelect) {
    let names: Vec<Option<String>> = sel.projection.iter().map(default_name).collect();
    for (i, it) in sel.projection.iter_mut().enumerate() {
        let SelectItem::UnnamedExpr(SQLExpr::Function(f)) = it else {
            continue;
        };
        let Some(n) = &names[i] else { continue };
        if f.over.is_some() || names.iter().filter(|x| x.as_ref() == Some(n)).count() < 2 {
            continue;
        }
        let alias = format!("{}_{n}", fname(f).to_lowercase());
        *it = SelectItem::ExprWithAlias {
            expr: SQLExpr::Function(f.clone()),
            alias: Ident::new(alias),
        };
    }
}

/// The name Polars gives an unaliased item: [`output_name`], or for `SUM(budget)` the
/// column the function reads.
pub(crate) fn default_name(it: &SelectItem) -> Option<String> {
    match it {
        SelectItem::UnnamedExpr(SQLExpr::Function(f)) => single_column_arg(f),
        _ => output_name(it),
    }
}

/// The column an aggregate like `SUM(budget)` reads, when it reads exactly one.
pub(crate) fn single_column_arg(f: &SQLFunction) -> Option<String> {
    let FunctionArguments::List(l) = &f.args else {
        return None;
    };
    match l.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Identifier(id)))] => {
            Some(id.value.clone())
        }
        _ => None,
    }
}

/// Split a condition into its top-level `AND` terms.
pub(crate) fn conjuncts(e: SQLExpr, out: &mut Vec<SQLExpr>) {
    match e {
        SQLExpr::BinaryOp {
            left,
            op: sqlparser::ast::BinaryOperator::And,
            right,
        } => {
            conjuncts(*left, out);
            conjuncts(*right, out);
        }
        SQLExpr::Nested(inner)
            if matches!(
                *inner,
                SQLExpr::BinaryOp {
                    op: sqlparser::ast::BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(*inner, out)
        }
        other => out.push(other),
    }
}

/// `WHERE x IN (SELECT k FROM …) AND …` → `LEFT SEMI JOIN (SELECT k AS __k FROM …) AS __semiN
/// ON x = __semiN.__k WHERE …`. polars-sql plans `IN (subquery)` as one imploded list and
/// a membership test per row; a semi join is a hash join and keeps exactly the rows whose
/// key is in the subquery (a NULL key matches nothing, as `IN` filters it out). Only
/// top-level, non-negated terms over a single FROM item are rewritten.
fn semi_joins(sel: &mut SQLSelect, h: &mut Hoist) {
    if sel.from.len() != 1 {
        return;
    }
    let Some(cond) = sel.selection.take() else {
        return;
    };
    let mut terms = vec![];
    conjuncts(cond, &mut terms);
    let mut keep: Vec<SQLExpr> = vec![];
    for t in terms {
        let join = match &t {
            SQLExpr::InSubquery {
                expr,
                subquery,
                negated: false,
            } => semi_join(expr, subquery, h),
            _ => None,
        };
        match join {
            Some(j) => sel.from[0].joins.push(j),
            None => keep.push(t),
        }
    }
    sel.selection = and_all(keep);
}

/// A function under the cast the rule plain_expressions puts every count in (`CAST(COUNT(…) AS
/// BIGINT)`), for the plans that read aggregates by name.
pub(crate) fn uncast(e: &SQLExpr) -> &SQLExpr {
    match e {
        SQLExpr::Cast { expr, .. } if matches!(&**expr, SQLExpr::Function(_)) => expr,
        e => e,
    }
}

/// Terms joined with `AND`; None for none.
pub(crate) fn and_all(xs: Vec<SQLExpr>) -> Option<SQLExpr> {
    xs.into_iter().reduce(|a, b| SQLExpr::BinaryOp {
        left: Box::new(a),
        op: sqlparser::ast::BinaryOperator::And,
        right: Box::new(b),
    })
}

/// `FROM …` text → its FROM item (for rewrites that replace one relation by a derived
/// table or add joins to it).
pub(crate) fn from_item(text: &str) -> Result<sqlparser::ast::TableWithJoins, RewriteError> {
    let q = query(&format!("SELECT 1 FROM {text}"))?;
    match *q.body {
        SetExpr::Select(s) => s.from.into_iter().next(),
        _ => None,
    }
    .ok_or_else(|| RewriteError {
        line: 1,
        column: 1,
        message: format!("internal rewrite produced no FROM item from `{text}`"),
    })
}

/// `SELECT names FROM (inner) AS alias <rest>`: an outer level over a rewritten SELECT
/// that still shows the original output columns.
pub(crate) fn outer_select(
    names: &[String],
    inner: &impl std::fmt::Display,
    alias: &str,
    rest: &str,
) -> Result<SQLSelect, RewriteError> {
    let cols = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let q = query(&format!("SELECT {cols} FROM ({inner}) AS {alias} {rest}"))?;
    match *q.body {
        SetExpr::Select(s) => Ok(*s),
        _ => Err(RewriteError {
            line: 1,
            column: 1,
            message: "internal rewrite produced no SELECT".into(),
        }),
    }
}

/// `… OVER w … WINDOW w AS (…)` → `… OVER (…)`: polars-sql resolves a named window for
/// some functions only (`RANK() OVER w` failed with "RANK requires an OVER clause with
/// ORDER BY") and the lowering of grouped queries dropped the WINDOW clause. A definition
/// may build on an earlier one (`w2 AS (w ORDER BY …)`, `OVER (w ROWS …)`). A name the
/// WINDOW clause does not define is an error at the call; left as written when a
/// subquery uses windows by name (its names are its own).
fn inline_named_windows(
    sel: &mut SQLSelect,
    order_by: Option<&mut sqlparser::ast::OrderBy>,
) -> Result<(), RewriteError> {
    use sqlparser::ast::{NamedWindowExpr, WindowSpec};
    if sel.named_window.is_empty() {
        return Ok(());
    }
    // `OVER w` is `OVER (w)`: a spec built on a named window, with nothing of its own
    let on = |name: &Ident| WindowSpec {
        window_name: Some(name.clone()),
        partition_by: vec![],
        order_by: vec![],
        window_frame: None,
    };
    // a spec with the window it is built on filled in; None when that is not defined
    let resolve = |defs: &[(String, WindowSpec)], s: &WindowSpec| -> Option<WindowSpec> {
        let mut s = s.clone();
        if let Some(base) = s.window_name.take() {
            let low = base.value.to_lowercase();
            let (_, b) = defs.iter().find(|(n, _)| *n == low)?;
            if s.partition_by.is_empty() {
                s.partition_by = b.partition_by.clone();
            }
            if s.order_by.is_empty() {
                s.order_by = b.order_by.clone();
            }
            if s.window_frame.is_none() {
                s.window_frame = b.window_frame.clone();
            }
        }
        Some(s)
    };
    let mut defs: Vec<(String, WindowSpec)> = vec![];
    for sqlparser::ast::NamedWindowDefinition(name, e) in &sel.named_window {
        let spec = match e {
            NamedWindowExpr::NamedWindow(other) => on(other),
            NamedWindowExpr::WindowSpec(s) => s.clone(),
        };
        let Some(resolved) = resolve(&defs, &spec) else {
            return Err(RewriteError {
                line: name.span.start.line.max(1),
                column: name.span.start.column.max(1),
                message: format!(
                    "window `{name}` is built on `{}`, which the WINDOW clause does not define before it",
                    spec.window_name.as_ref().map(|o| o.to_string()).unwrap_or_default()
                ),
            });
        };
        defs.push((name.value.to_lowercase(), resolved));
    }
    let mut exprs: Vec<&mut SQLExpr> = sel
        .projection
        .iter_mut()
        .filter_map(item_expr_mut)
        .collect();
    exprs.extend(sel.selection.as_mut());
    exprs.extend(sel.having.as_mut());
    exprs.extend(sel.qualify.as_mut());
    if let Some(ob) = order_by {
        if let sqlparser::ast::OrderByKind::Expressions(es) = &mut ob.kind {
            exprs.extend(es.iter_mut().map(|o| &mut o.expr));
        }
    }
    let by_name = |f: &SQLFunction| match &f.over {
        Some(WindowType::NamedWindow(_)) => true,
        Some(WindowType::WindowSpec(s)) => s.window_name.is_some(),
        None => false,
    };
    let subquery_by_name = exprs.iter().any(|e| {
        contains(*e, &|x| match x {
            SQLExpr::Subquery(q)
            | SQLExpr::Exists { subquery: q, .. }
            | SQLExpr::InSubquery { subquery: q, .. } => {
                contains(q, &|y| matches!(y, SQLExpr::Function(f) if by_name(f)))
            }
            _ => false,
        })
    });
    if subquery_by_name {
        return Ok(());
    }
    let names: Vec<String> = sel.named_window.iter().map(|d| d.0.to_string()).collect();
    let mut undefined: Option<RewriteError> = None;
    for e in exprs {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            if let SQLExpr::Function(f) = x {
                let spec = match &f.over {
                    Some(WindowType::NamedWindow(n)) => Some(resolve(&defs, &on(n))),
                    Some(WindowType::WindowSpec(s)) if s.window_name.is_some() => {
                        Some(resolve(&defs, s))
                    }
                    _ => None,
                };
                match spec {
                    Some(Some(s)) => f.over = Some(WindowType::WindowSpec(s)),
                    Some(None) => {
                        undefined.get_or_insert_with(|| {
                            err_at(
                                &*f,
                                format!(
                                    "`{f}` names a window the WINDOW clause does not define (it defines {})",
                                    names.join(", ")
                                ),
                            )
                        });
                    }
                    None => {}
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
    if let Some(e) = undefined {
        return Err(e);
    }
    sel.named_window.clear();
    Ok(())
}

/// `… JOIN r ON x = r.c`, where `r` is `(SELECT DISTINCT c FROM …)` (a derived table or a
/// CTE of this query level) and nothing else reads `r` → `… LEFT SEMI JOIN (SELECT c FROM
/// …) AS r ON x = r.c`. Its rows being distinct, `r` matches an outer row at most once, so
/// the inner join keeps exactly the rows the semi join keeps, each once; the semi join
/// needs neither the DISTINCT (a hash pass over every matching row) nor the joined
/// columns. q7 spelled as a join on a DISTINCT CTE is then planned as q7's `IN`.
/// Not rewritten (kept as written): `r` read anywhere but in its ON (a column, `*`, a
/// bare `c` that would be ambiguous), a LIMIT/TOP in `r`, `DISTINCT ON`, USING, `r` on the
/// left of the join, a CTE that reads a relation of its own name.
fn distinct_joins_as_semi(
    sel: &mut SQLSelect,
    with: Option<&sqlparser::ast::With>,
    order_by: Option<&sqlparser::ast::OrderBy>,
) {
    use sqlparser::ast::{visit_relations, JoinConstraint, JoinOperator};
    if sel
        .projection
        .iter()
        .any(|it| matches!(it, SelectItem::Wildcard(_)))
    {
        return;
    }
    for t in 0..sel.from.len() {
        for j in 0..sel.from[t].joins.len() {
            let join = &sel.from[t].joins[j];
            let (JoinOperator::Join(JoinConstraint::On(on))
            | JoinOperator::Inner(JoinConstraint::On(on))) = &join.join_operator
            else {
                continue;
            };
            // the relation: its name in this query and its DISTINCT query
            let (name, sub) = match &join.relation {
                TableFactor::Derived {
                    subquery,
                    alias: Some(a),
                    lateral: false,
                    ..
                } if a.columns.is_empty() => (a.name.clone(), (**subquery).clone()),
                TableFactor::Table {
                    name,
                    alias,
                    args: None,
                    ..
                } if alias.as_ref().is_none_or(|a| a.columns.is_empty()) => {
                    let [ObjectNamePart::Identifier(n)] = name.0.as_slice() else {
                        continue;
                    };
                    let low = n.value.to_lowercase();
                    let Some(cte) = with
                        .iter()
                        .flat_map(|w| &w.cte_tables)
                        .find(|c| c.alias.name.value.to_lowercase() == low)
                        .map(|c| &*c.query)
                    else {
                        continue;
                    };
                    let own = visit_relations(cte, |o| match o.0.as_slice() {
                        [ObjectNamePart::Identifier(i)] if i.value.to_lowercase() == low => {
                            ControlFlow::Break(())
                        }
                        _ => ControlFlow::Continue(()),
                    });
                    if own.is_break() {
                        continue;
                    }
                    (alias.as_ref().map_or(n, |a| &a.name).clone(), cte.clone())
                }
                _ => continue,
            };
            let r = name.value.to_lowercase();
            let mut sub = sub;
            let SetExpr::Select(inner) = sub.body.as_mut() else {
                continue;
            };
            let one_distinct = matches!(inner.distinct, Some(sqlparser::ast::Distinct::Distinct))
                && inner.top.is_none()
                && sub.limit_clause.is_none()
                && sub.fetch.is_none();
            let c = match inner.projection.as_slice() {
                [it] if one_distinct => output_name(it).map(|c| c.to_lowercase()),
                _ => None,
            };
            let Some(c) = c else { continue };
            inner.distinct = None;
            // ON is `x = r.c` (either way round) with `x` not reading r
            let SQLExpr::BinaryOp {
                left,
                op: sqlparser::ast::BinaryOperator::Eq,
                right,
            } = on
            else {
                continue;
            };
            let is_rc = |e: &SQLExpr| {
                matches!(e, SQLExpr::CompoundIdentifier(ids) if ids.len() == 2
                    && ids[0].value.to_lowercase() == r && ids[1].value.to_lowercase() == c)
            };
            let x = match (is_rc(left), is_rc(right)) {
                (true, false) => right.as_ref().clone(),
                (false, true) => left.as_ref().clone(),
                _ => continue,
            };
            // nothing but this ON reads r (x itself included: `ON r.c = r.c + 0` stays)
            // (the FROM items' own queries are theirs: each is left out as a plain table)
            let mut rest = sel.clone();
            rest.from[t].joins[j].join_operator = JoinOperator::Inner(JoinConstraint::On(x));
            let Ok(plain) = from_item("__t") else {
                continue;
            };
            for f in &mut rest.from {
                f.relation = plain.relation.clone();
                for jn in &mut f.joins {
                    jn.relation = plain.relation.clone();
                }
            }
            let reads_r = |e: &SQLExpr| match e {
                SQLExpr::CompoundIdentifier(ids) => {
                    ids.len() > 1 && ids[0].value.to_lowercase() == r
                }
                SQLExpr::Identifier(i) => i.value.to_lowercase() == c,
                _ => false,
            };
            let reads = contains(&rest, &reads_r)
                || order_by.is_some_and(|ob| contains(ob, &reads_r))
                || rest.projection.iter().any(|it| {
                matches!(it, SelectItem::QualifiedWildcard(k, _) if k.to_string().to_lowercase() == r)
            });
            if reads {
                continue;
            }
            if let Some(semi) = parse_join(&format!("LEFT SEMI JOIN ({sub}) AS {name} ON {on}")) {
                sel.from[t].joins[j] = semi;
            }
        }
    }
}

fn semi_join(expr: &SQLExpr, subquery: &SQLQuery, h: &mut Hoist) -> Option<sqlparser::ast::Join> {
    let mut sq = subquery.clone();
    let SetExpr::Select(inner) = sq.body.as_mut() else {
        return None;
    };
    let [item] = inner.projection.as_mut_slice() else {
        return None;
    };
    let e = item_expr(item)?;
    *item = SelectItem::ExprWithAlias {
        expr: e,
        alias: Ident::new("__k"),
    };
    let n = h.name("semi");
    parse_join(&format!("LEFT SEMI JOIN ({sq}) AS {n} ON {expr} = {n}.__k"))
}

/// A join clause (`LEFT SEMI JOIN (…) AS n ON …`) as the AST a FROM item holds.
fn parse_join(text: &str) -> Option<sqlparser::ast::Join> {
    let q = query(&format!("SELECT 1 FROM __t {text}")).ok()?;
    let SetExpr::Select(s) = *q.body else {
        return None;
    };
    s.from.into_iter().next()?.joins.into_iter().next()
}

/// The window a grouped query's extensions run over by default: its GROUP BY keys (a
/// position read as the SELECT item it names; `GROUP BY ALL` the items without
/// aggregates) other than `year`, ordered by `year`.
fn grouped_over(sel: &SQLSelect) -> Result<Over, RewriteError> {
    let items: Vec<SQLExpr> = sel.projection.iter().filter_map(item_expr).collect();
    let keys: Vec<SQLExpr> = match &sel.group_by {
        GroupByExpr::Expressions(keys, _) => keys
            .iter()
            .map(|k| match k {
                SQLExpr::Value(v) => match &v.value {
                    SQLValue::Number(n, _) => {
                        let at = n
                            .parse::<usize>()
                            .ok()
                            .and_then(|p| items.get(p.wrapping_sub(1)));
                        at.cloned().ok_or_else(|| {
                            err_at(
                                k,
                                format!("GROUP BY {n}: the SELECT list has {} items", items.len()),
                            )
                        })
                    }
                    _ => Ok(k.clone()),
                },
                _ => Ok(k.clone()),
            })
            .collect::<Result<_, _>>()?,
        GroupByExpr::All(_) => items
            .iter()
            .filter(|e| {
                !contains(*e, &is_aggregate)
                    && !contains(*e, &is_extension)
                    && !matches!(e, SQLExpr::Value(_))
            })
            .cloned()
            .collect(),
    };
    let is_year = |k: &SQLExpr| match k {
        SQLExpr::Identifier(id) => id.value.eq_ignore_ascii_case("year"),
        SQLExpr::CompoundIdentifier(ids) => ids
            .last()
            .is_some_and(|i| i.value.eq_ignore_ascii_case("year")),
        _ => false,
    };
    Ok(Over {
        year: keys.iter().find(|k| is_year(k)).map(|k| k.to_string()),
        others: Some(
            keys.iter()
                .filter(|k| !is_year(k))
                .map(|k| k.to_string())
                .collect(),
        ),
    })
}

/// An extension call standing alone as an unnamed item is named by its column
/// (`SHARE(x)` → `share`; a second one `share_2`), so the item does not take the name
/// of the column it reads.
fn name_extensions(sel: &mut SQLSelect) {
    let mut used: Vec<String> = sel.projection.iter().filter_map(output_name).collect();
    for it in &mut sel.projection {
        let SelectItem::UnnamedExpr(e) = it else {
            continue;
        };
        let Some(column) = extensions::column_name(e) else {
            continue;
        };
        let mut name = column.to_string();
        let mut k = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            name = format!("{column}_{k}");
            k += 1;
        }
        used.push(name.clone());
        *it = SelectItem::ExprWithAlias {
            expr: e.clone(),
            alias: Ident::new(name),
        };
    }
}

fn item_expr(it: &SelectItem) -> Option<SQLExpr> {
    match it {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e.clone()),
        _ => None,
    }
}

fn item_expr_mut(it: &mut SelectItem) -> Option<&mut SQLExpr> {
    match it {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

/// Rewrite derived tables and PIVOT in FROM.
fn rewrite_from(
    sel: &mut SQLSelect,
    cols: &mut dyn Columns,
    h: &mut Hoist,
) -> Result<(), RewriteError> {
    for twj in &mut sel.from {
        rewrite_factor(&mut twj.relation, cols, h)?;
        for j in &mut twj.joins {
            rewrite_factor(&mut j.relation, cols, h)?;
        }
    }
    Ok(())
}

fn rewrite_factor(
    tf: &mut TableFactor,
    cols: &mut dyn Columns,
    h: &mut Hoist,
) -> Result<(), RewriteError> {
    match tf {
        TableFactor::Derived { subquery, .. } => {
            let text = rewrite_q(subquery, cols, h)?;
            **subquery = query(&text)?;
        }
        _ => {
            // a FROM extension over a derived table: the table rewritten first
            if let TableFactor::Pivot { table, .. } = tf {
                if let TableFactor::Derived { subquery, .. } = table.as_mut() {
                    let text = rewrite_q(subquery, cols, h)?;
                    **subquery = query(&text)?;
                }
            }
            if let Some(lowered) = extensions::lower_from(tf, cols, h) {
                *tf = lowered?;
            }
        }
    }
    Ok(())
}

/// The name polars would give an unaliased expression: its first column.
pub(crate) fn natural_name(e: &SQLExpr) -> Option<String> {
    match e {
        SQLExpr::Identifier(i) => Some(i.value.clone()),
        SQLExpr::CompoundIdentifier(is) => is.last().map(|i| i.value.clone()),
        _ => {
            let mut name = None;
            let mut c = e.clone();
            let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
                if name.is_none() {
                    if let SQLExpr::Identifier(i) = x {
                        name = Some(i.value.clone());
                    }
                }
                ControlFlow::<()>::Continue(())
            });
            name
        }
    }
}

pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoCols;
    impl Columns for NoCols {
        fn columns_of(&mut self, _: &str) -> Result<Vec<String>, String> {
            Ok(vec!["unit_code".into(), "kind".into(), "amount".into()])
        }
    }

    fn rw(sql: &str) -> String {
        rewrite(&query(sql).unwrap(), &mut NoCols).unwrap()
    }

    #[test]
    fn a_join_on_distinct_keys_read_nowhere_else_is_a_semi_join() {
        let cte = "WITH s AS (SELECT DISTINCT project_code FROM indicators WHERE target_value >= 95) \
                   SELECT p.year, SUM(p.budget) AS b FROM projects p JOIN s ON p.project_code = s.project_code GROUP BY 1 ORDER BY 1";
        let out = rw(cte);
        assert!(out.contains("LEFT SEMI JOIN (SELECT project_code FROM indicators WHERE target_value >= 95) AS s ON p.project_code = s.project_code"), "{out}");
        let derived = rw("SELECT year FROM projects p INNER JOIN (SELECT DISTINCT i.project_code AS k FROM indicators i) AS S ON S.k = p.project_code");
        assert!(derived.contains("LEFT SEMI JOIN (SELECT i.project_code AS k FROM indicators i) AS S ON S.k = p.project_code"), "{derived}");
        // kept as written: r read elsewhere, a LIMIT, not DISTINCT, `*`, a bare key name
        for kept in [
            "SELECT p.year, s.project_code FROM projects p JOIN (SELECT DISTINCT project_code FROM indicators) s ON p.project_code = s.project_code",
            "SELECT p.year FROM projects p JOIN (SELECT DISTINCT project_code FROM indicators) s ON p.project_code = s.project_code ORDER BY s.project_code",
            "SELECT p.year FROM projects p JOIN (SELECT DISTINCT project_code FROM indicators LIMIT 5) s ON p.project_code = s.project_code",
            "SELECT p.year FROM projects p JOIN (SELECT project_code FROM indicators) s ON p.project_code = s.project_code",
            "SELECT * FROM projects p JOIN (SELECT DISTINCT project_code FROM indicators) s ON p.project_code = s.project_code",
            "SELECT p.year FROM projects p JOIN (SELECT DISTINCT project_code FROM indicators) s ON p.project_code = s.project_code WHERE project_code > 'a'",
            "SELECT p.year FROM projects p LEFT JOIN (SELECT DISTINCT project_code FROM indicators) s ON p.project_code = s.project_code",
        ] {
            assert!(!rw(kept).contains("SEMI"), "{kept}");
        }
    }

    #[test]
    fn plain_sql_is_unchanged() {
        let s = "SELECT unit_code, SUM(budget) FROM projects GROUP BY unit_code ORDER BY 2 DESC LIMIT 3";
        assert_eq!(rw(s), s);
    }

    #[test]
    fn share_on_rows_becomes_a_window() {
        assert_eq!(
            rw("SELECT budget, SHARE(budget) AS s FROM projects"),
            "SELECT budget, (CAST((budget) AS DOUBLE) / CAST(SUM(budget) OVER () AS DOUBLE)) AS s FROM projects"
        );
    }

    #[test]
    fn share_of_an_aggregate_is_a_window_over_the_groups() {
        let out = rw("SELECT unit_name, SUM(budget), SHARE(SUM(budget)) FROM projects GROUP BY unit_name ORDER BY 2 DESC");
        assert_eq!(
            out,
            "SELECT unit_name, SUM(budget), (CAST((SUM(budget)) AS DOUBLE) / CAST(SUM(SUM(budget)) OVER () AS DOUBLE)) AS share \
             FROM projects GROUP BY unit_name ORDER BY 2 DESC"
        );
        // two unnamed calls: share, share_2 (beside an item named share_3 already)
        let out = rw("SELECT SHARE(budget), SHARE(fiscal), 1 AS share_2 FROM projects");
        assert!(
            out.contains(") AS share, (") && out.contains(") AS share_3, 1 AS share_2"),
            "{out}"
        );
    }

    #[test]
    fn yoy_partitions_by_the_other_keys() {
        let lag = "LAG(CAST((SUM(budget)) AS DOUBLE)) OVER (PARTITION BY dept_code ORDER BY year)";
        for q in [
            "SELECT year, dept_code, SUM(budget) AS b, YOY(SUM(budget)) AS g FROM projects GROUP BY year, dept_code",
            // keys by position, and GROUP BY ALL
            "SELECT year, dept_code, SUM(budget) AS b, YOY(SUM(budget)) AS g FROM projects GROUP BY 1, 2",
            "SELECT year, dept_code, SUM(budget) AS b, YOY(SUM(budget)) AS g FROM projects GROUP BY ALL",
        ] {
            let out = rw(q);
            assert!(out.contains(lag), "{out}");
        }
        // a qualified key is written as it is
        let out = rw("SELECT p.year, p.dept_code, YOY(SUM(p.budget)) FROM projects AS p GROUP BY p.year, p.dept_code");
        assert!(
            out.contains("OVER (PARTITION BY p.dept_code ORDER BY p.year)) AS yoy"),
            "{out}"
        );
    }

    #[test]
    fn yoy_without_years_is_an_error_at_the_call() {
        let e = rewrite(
            &query("SELECT unit_code,\n  YOY(SUM(budget)) FROM projects GROUP BY unit_code")
                .unwrap(),
            &mut NoCols,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.starts_with("YOY needs years"), "{}", e.message);
    }

    #[test]
    fn rollup_becomes_union_of_levels() {
        let out = rw(
            "SELECT unit_code, seq, SUM(budget) AS b FROM projects GROUP BY ROLLUP(unit_code, seq)",
        );
        assert!(out.contains("'小计' AS \"seq\""), "{out}");
        assert!(out.contains("'合计' AS \"unit_code\""), "{out}");
        assert!(out.ends_with("ORDER BY __t0, __s0, __t1, __s1"), "{out}");
    }

    #[test]
    fn pivot_becomes_conditional_aggregates() {
        let out = rw("SELECT * FROM funds PIVOT (SUM(amount) FOR kind IN ('fiscal', 'other'))");
        assert!(
            out.contains("SUM(CASE WHEN kind = 'fiscal' THEN amount END) AS \"fiscal\""),
            "{out}"
        );
        assert!(out.contains("GROUP BY \"unit_code\""), "{out}");
    }

    #[test]
    fn rewritten_sql_parses_back_to_itself() {
        for s in [
            "SELECT unit_name, SUM(budget), SHARE(SUM(budget)) FROM projects GROUP BY unit_name",
            "SELECT unit_code, seq, SUM(budget) AS b FROM projects GROUP BY ROLLUP(unit_code, seq)",
            "SELECT * FROM funds PIVOT (SUM(amount) FOR kind IN ('fiscal', 'other'))",
        ] {
            let once = rw(s);
            let again = query(&once).unwrap().to_string();
            assert_eq!(once, again);
        }
    }

    #[test]
    fn extension_statements_print_back_to_the_same_statement() {
        for s in [
            "SELECT unit_name, SUM(budget), SHARE(SUM(budget)) FROM projects GROUP BY unit_name",
            "SELECT project_name, SHARE(budget) OVER (PARTITION BY unit_code) AS s FROM projects",
            "SELECT year, dept_code, YOY(SUM(budget)) AS g FROM projects GROUP BY year, dept_code",
            "SELECT unit_code, level1, COUNT(*) FROM indicators GROUP BY ROLLUP(unit_code, level1)",
            "SELECT * FROM t PIVOT(SUM(amount) FOR kind IN ('fiscal', 'other' AS o))",
            "SELECT * FROM projects WHERE year = :year",
            "SELECT unit_code AS 单位, SUM(budget) AS 预算数 FROM projects GROUP BY 1",
        ] {
            let q = query(s).unwrap();
            let printed = q.to_string();
            assert_eq!(query(&printed).unwrap(), q, "{s} printed as {printed}");
        }
    }
}
