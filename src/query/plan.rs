//! budgetql's own logical plan of a query, lowered straight to Polars' LazyFrame DSL.
//!
//! This is the planner's first stage (the planner issue moves every construct here, one
//! rule at a time): the plan takes a query apart at its composition — set operations
//! (UNION, EXCEPT, INTERSECT, each DISTINCT or ALL), the ORDER BY/LIMIT over them — and
//! gives a SELECT without FROM its one-row input, as DuckDB's binder does; a SELECT core
//! is a leaf, still lowered by the SQL path (the rewrites and polars-sql).
//!
//! Set operations associate as SQL says (INTERSECT binds tighter; UNION and EXCEPT left to
//! right: sqlparser builds the tree so), which polars-sql did not honour. Building and
//! lowering use explicit stacks, never recursion, so a UNION ALL of 10,000 terms plans in
//! linear time and stack space.

use polars::prelude::*;
use sqlparser::ast::{
    Expr as SQLExpr, Ident, ObjectName, ObjectNamePart, Query as SQLQuery, Select, SelectFlavor,
    SelectItem, SetExpr, SetOperator, SetQuantifier, Spanned, TableFactor, TableWithJoins,
    UnaryOperator, Value as SQLValue,
};

/// The one-row, one-column relation a SELECT without FROM reads (never listed, never
/// shown: its column is not selected).
pub const ONE_ROW: &str = "__budgetql_one_row";

/// The name an ORDER BY/LIMIT over a set operation reads the operation's result under.
pub const SET_RESULT: &str = "__budgetql_set_result";

/// The one-row frame [`ONE_ROW`] names.
pub fn one_row() -> LazyFrame {
    DataFrame::new(1, vec![Column::new(ONE_ROW.into(), [1i32])])
        .unwrap_or_default()
        .lazy()
}

/// Set operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Union,
    Except,
    Intersect,
}

impl SetOp {
    pub fn name(self) -> &'static str {
        match self {
            SetOp::Union => "UNION",
            SetOp::Except => "EXCEPT",
            SetOp::Intersect => "INTERSECT",
        }
    }
}

/// A node of the plan.
#[derive(Debug)]
pub enum Plan {
    /// A SELECT core (or a parenthesised query with its own ORDER BY/LIMIT), lowered by the
    /// SQL path; `at` is where it starts (line, column) for messages.
    Select {
        query: Box<SQLQuery>,
        at: (usize, usize),
    },
    /// A row of constants (`SELECT 1, 'a'` as a later term of a set operation): a frame
    /// built directly, no SQL round trip.
    Row {
        values: Vec<AnyValue<'static>>,
        at: (usize, usize),
    },
    /// `inputs[0] op inputs[1] op …`, folded left to right; `all` keeps duplicates.
    SetOp {
        op: SetOp,
        all: bool,
        inputs: Vec<Plan>,
    },
}

/// What the outer query applies to a set operation's result: its ORDER BY, LIMIT/OFFSET
/// and FETCH, kept as a query over [`SET_RESULT`].
pub struct Tail(pub Box<SQLQuery>);

/// The plan of a query whose body is a set operation, with the ORDER BY/LIMIT to apply
/// over it; None for any other query (it is one leaf).
pub fn build(mut q: SQLQuery) -> Result<(Plan, Option<Tail>), SQLQuery> {
    if !matches!(*q.body, SetExpr::SetOperation { .. }) {
        return Err(q);
    }
    let with = q.with.take();
    let body = std::mem::replace(&mut *q.body, SetExpr::Select(Box::new(empty_select())));
    let tail = (q.order_by.is_some() || q.limit_clause.is_some() || q.fetch.is_some()).then(|| {
        // SELECT * FROM __budgetql_set_result ORDER BY … LIMIT …
        let mut t = q.clone();
        *t.body = SetExpr::Select(Box::new(select_star_from(SET_RESULT)));
        Tail(Box::new(t))
    });
    enum Work {
        Visit(SetExpr),
        Combine(SetOp, bool),
    }
    let mut work = vec![Work::Visit(body)];
    let mut out: Vec<Plan> = vec![];
    let mut first = true;
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            }) => {
                let op = match op {
                    SetOperator::Union => SetOp::Union,
                    SetOperator::Except | SetOperator::Minus => SetOp::Except,
                    SetOperator::Intersect => SetOp::Intersect,
                };
                let all = matches!(
                    set_quantifier,
                    SetQuantifier::All | SetQuantifier::AllByName
                );
                work.push(Work::Combine(op, all));
                work.push(Work::Visit(*right));
                work.push(Work::Visit(*left));
            }
            Work::Visit(leaf) => {
                let at = start(&leaf);
                // a later term that is a row of constants is built directly (the first
                // term names the columns, so it goes the SQL path)
                let row = if first { None } else { constant_row(&leaf) };
                first = false;
                out.push(match row {
                    Some(values) => Plan::Row { values, at },
                    None => {
                        let mut query = leaf_query(leaf);
                        query.with = with.clone();
                        Plan::Select {
                            query: Box::new(query),
                            at,
                        }
                    }
                });
            }
            Work::Combine(op, all) => {
                // each side pushed one plan; were one missing, the empty operation below
                // is refused when lowered (never a panic, never a partial answer)
                let (Some(r), Some(l)) = (out.pop(), out.pop()) else {
                    out.push(no_inputs());
                    continue;
                };
                out.push(match l {
                    Plan::SetOp {
                        op: lop,
                        all: lall,
                        mut inputs,
                    } if lop == op && lall == all => {
                        inputs.push(r);
                        Plan::SetOp { op, all, inputs }
                    }
                    l => Plan::SetOp {
                        op,
                        all,
                        inputs: vec![l, r],
                    },
                });
            }
        }
    }
    let plan = out.pop().unwrap_or_else(no_inputs);
    Ok((plan, tail))
}

/// A set operation without inputs: what a broken invariant of [`build`] leaves, which
/// [`combine`] refuses.
fn no_inputs() -> Plan {
    Plan::SetOp {
        op: SetOp::Union,
        all: true,
        inputs: vec![],
    }
}

/// A set-operation term as a query of its own.
fn leaf_query(leaf: SetExpr) -> SQLQuery {
    match leaf {
        SetExpr::Query(q) => *q,
        other => SQLQuery {
            with: None,
            body: Box::new(other),
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks: vec![],
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: vec![],
        },
    }
}

/// The query `SELECT * FROM name`.
pub fn select_star_query(name: &str) -> SQLQuery {
    leaf_query(SetExpr::Select(Box::new(select_star_from(name))))
}

/// `SELECT * FROM name`.
fn select_star_from(name: &str) -> Select {
    let mut s = empty_select();
    s.projection = vec![SelectItem::Wildcard(Default::default())];
    s.from = vec![table(name)];
    s
}

fn empty_select() -> Select {
    Select {
        select_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        optimizer_hints: vec![],
        distinct: None,
        select_modifiers: None,
        top: None,
        top_before_distinct: false,
        projection: vec![],
        exclude: None,
        into: None,
        from: vec![],
        lateral_views: vec![],
        prewhere: None,
        selection: None,
        connect_by: vec![],
        group_by: sqlparser::ast::GroupByExpr::Expressions(vec![], vec![]),
        cluster_by: vec![],
        distribute_by: vec![],
        sort_by: vec![],
        having: None,
        named_window: vec![],
        qualify: None,
        window_before_qualify: false,
        value_table_mode: None,
        flavor: SelectFlavor::Standard,
    }
}

/// `FROM name`.
fn table(name: &str) -> TableWithJoins {
    TableWithJoins {
        relation: TableFactor::Table {
            name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
            alias: None,
            args: None,
            with_hints: vec![],
            version: None,
            with_ordinality: false,
            partitions: vec![],
            json_path: None,
            sample: None,
            index_hints: vec![],
        },
        joins: vec![],
    }
}

/// Where a term starts (line, column), or (1, 1).
fn start(e: &SetExpr) -> (usize, usize) {
    let s = e.span().start;
    if s.line == 0 {
        (1, 1)
    } else {
        (s.line as usize, s.column as usize)
    }
}

/// The values of `SELECT c1, c2, …` where each item is an integer, a text or NULL
/// literal (aliased or not) and nothing else is in the SELECT.
fn constant_row(e: &SetExpr) -> Option<Vec<AnyValue<'static>>> {
    let SetExpr::Select(s) = e else { return None };
    let plain = s.from.is_empty()
        && s.selection.is_none()
        && s.having.is_none()
        && s.qualify.is_none()
        && s.distinct.is_none()
        && s.top.is_none()
        && s.named_window.is_empty()
        && matches!(&s.group_by, sqlparser::ast::GroupByExpr::Expressions(v, m) if v.is_empty() && m.is_empty());
    if !plain {
        return None;
    }
    s.projection
        .iter()
        .map(|item| {
            let e = match item {
                SelectItem::UnnamedExpr(e) => e,
                SelectItem::ExprWithAlias { expr, .. } => expr,
                _ => return None,
            };
            constant(e)
        })
        .collect()
}

fn constant(e: &SQLExpr) -> Option<AnyValue<'static>> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Null => Some(AnyValue::Null),
            SQLValue::SingleQuotedString(s) => Some(AnyValue::StringOwned(s.as_str().into())),
            SQLValue::Number(n, _) => n.parse::<i64>().ok().map(AnyValue::Int64),
            _ => None,
        },
        SQLExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match constant(expr)? {
            AnyValue::Int64(i) => i.checked_neg().map(AnyValue::Int64),
            _ => None,
        },
        SQLExpr::Nested(inner) => constant(inner),
        _ => None,
    }
}

/// Apply `f` to every SELECT of the query: each query level's body or the terms of its
/// set operation, subqueries and CTEs included.
fn each_select(q: &mut SQLQuery, f: fn(&mut Select)) {
    use std::ops::ControlFlow;
    struct V(fn(&mut Select));
    impl sqlparser::ast::VisitorMut for V {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut SQLQuery) -> ControlFlow<()> {
            let mut stack: Vec<&mut SetExpr> = vec![&mut q.body];
            while let Some(e) = stack.pop() {
                match e {
                    SetExpr::Select(s) => (self.0)(s),
                    SetExpr::SetOperation { left, right, .. } => {
                        stack.push(left);
                        stack.push(right);
                    }
                    _ => {}
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = sqlparser::ast::VisitMut::visit(q, &mut V(f));
}

/// A SELECT without FROM reads the one-row relation (so `SELECT COUNT(*) + 1` is 2,
/// `SELECT 42 WHERE 1 = 0` has no row, `SELECT ROW_NUMBER() OVER ()` one); applied to
/// every SELECT of the query, subqueries and CTEs included.
pub fn give_from_less_selects_a_row(q: &mut SQLQuery) {
    each_select(q, |s| {
        if s.from.is_empty() && !s.projection.is_empty() {
            s.from = vec![table(ONE_ROW)];
        }
    });
}

/// A failure to lower, with where (line, column) and what.
#[derive(Debug)]
pub struct LowerError {
    pub at: (usize, usize),
    pub message: String,
}

/// Lower a plan to a LazyFrame; `leaf` lowers a SELECT core, `located` turns a failure
/// of the plan's own into the caller's error.
pub fn lower<E>(
    plan: Plan,
    leaf: &mut dyn FnMut(SQLQuery, (usize, usize)) -> Result<LazyFrame, E>,
    located: &dyn Fn(LowerError) -> E,
) -> Result<LazyFrame, E> {
    enum Work {
        Lower(Plan),
        Combine { op: SetOp, all: bool, n: usize },
    }
    let mut work = vec![Work::Lower(plan)];
    let mut out: Vec<(LazyFrame, (usize, usize))> = vec![];
    while let Some(w) = work.pop() {
        match w {
            Work::Lower(Plan::Select { query, at }) => out.push((leaf(*query, at)?, at)),
            Work::Lower(Plan::Row { values, at }) => {
                let cols = values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        Series::from_any_values(format!("column{}", i + 1).into(), &[v], false)
                            .map(Column::from)
                    })
                    .collect::<PolarsResult<Vec<_>>>()
                    .and_then(|cols| DataFrame::new(1, cols))
                    .map_err(|e| {
                        located(LowerError {
                            at,
                            message: e.to_string(),
                        })
                    })?;
                let df = cols;
                out.push((df.lazy(), at));
            }
            Work::Lower(Plan::SetOp { op, all, inputs }) => {
                work.push(Work::Combine {
                    op,
                    all,
                    n: inputs.len(),
                });
                // lowered left to right: pushed in reverse
                for p in inputs.into_iter().rev() {
                    work.push(Work::Lower(p));
                }
            }
            Work::Combine { op, all, n } => {
                let parts = out.split_off(out.len() - n);
                let at = parts[0].1;
                let lf = combine(op, all, parts).map_err(located)?;
                out.push((lf, at));
            }
        }
    }
    out.pop().map(|(lf, _)| lf).ok_or_else(|| {
        located(LowerError {
            at: (1, 1),
            message: "internal error: a plan lowered to no frame".into(),
        })
    })
}

/// The set operation over its lowered inputs: columns aligned by position to the first
/// input's names and to each position's common type.
fn combine(
    op: SetOp,
    all: bool,
    parts: Vec<(LazyFrame, (usize, usize))>,
) -> Result<LazyFrame, LowerError> {
    if parts.is_empty() {
        return Err(LowerError {
            at: (1, 1),
            message: format!(
                "internal error: a {} without inputs; please report this query",
                op.name()
            ),
        });
    }
    let mut schemas = vec![];
    for (lf, at) in &parts {
        let s = lf.clone().collect_schema().map_err(|e| LowerError {
            at: *at,
            message: e.to_string(),
        })?;
        schemas.push(s);
    }
    let names: Vec<PlSmallStr> = schemas[0].iter_names().cloned().collect();
    let mut types: Vec<DataType> = schemas[0].iter_values().cloned().collect();
    for (k, s) in schemas.iter().enumerate().skip(1) {
        if s.len() != names.len() {
            return Err(LowerError {
                at: parts[k].1,
                message: format!(
                    "each side of {} must have the same number of columns: the first SELECT has {}, this one {}",
                    op.name(),
                    names.len(),
                    s.len()
                ),
            });
        }
        for (i, dt) in s.iter_values().enumerate() {
            types[i] =
                polars_core::utils::get_supertype(&types[i], dt).ok_or_else(|| LowerError {
                    at: parts[k].1,
                    message: format!(
                        "{}: column {} is {} in the first SELECT and {} here; CAST one of them",
                        op.name(),
                        i + 1,
                        super::engine::type_name(&types[i]),
                        super::engine::type_name(dt)
                    ),
                })?;
        }
    }
    let aligned: Vec<LazyFrame> = parts
        .into_iter()
        .zip(&schemas)
        .map(|((lf, _), s)| {
            let same = s
                .iter()
                .zip(names.iter().zip(&types))
                .all(|((n, dt), (want_n, want_t))| n == want_n && dt == want_t);
            if same {
                lf
            } else {
                let exprs: Vec<Expr> = s
                    .iter_names()
                    .zip(names.iter().zip(&types))
                    .map(|(n, (want_n, want_t))| {
                        col(n.clone()).cast(want_t.clone()).alias(want_n.clone())
                    })
                    .collect();
                lf.select(exprs)
            }
        })
        .collect();
    let err = |e: PolarsError| LowerError {
        at: (1, 1),
        message: e.to_string(),
    };
    let keys: Vec<Expr> = names.iter().map(|n| col(n.clone())).collect();
    let mut inputs = aligned.into_iter();
    let Some(first) = inputs.next() else {
        return Err(LowerError {
            at: (1, 1),
            message: format!("internal error: a {} without inputs", op.name()),
        });
    };
    match op {
        SetOp::Union => {
            let mut all_inputs = vec![first];
            all_inputs.extend(inputs);
            let u = concat(
                all_inputs,
                UnionArgs {
                    rechunk: false,
                    parallel: true,
                    ..Default::default()
                },
            )
            .map_err(err)?;
            Ok(if all {
                u
            } else {
                u.unique_stable(None, UniqueKeepStrategy::First)
            })
        }
        SetOp::Except | SetOp::Intersect => {
            let how = if op == SetOp::Except {
                JoinType::Anti
            } else {
                JoinType::Semi
            };
            let mut acc = first;
            for next in inputs {
                acc = if all {
                    // multisets: the k-th copy of a row matches the k-th copy on the other side
                    let (l, r) = (
                        numbered(acc, &keys).map_err(err)?,
                        numbered(next, &keys).map_err(err)?,
                    );
                    let mut on = keys.clone();
                    on.push(col(COPY));
                    l.join(r, on.clone(), on, join_args(how.clone()))
                        .drop(Selector::ByName {
                            names: [PlSmallStr::from(COPY)].into(),
                            strict: true,
                        })
                } else {
                    acc.unique_stable(None, UniqueKeepStrategy::First).join(
                        next,
                        keys.clone(),
                        keys.clone(),
                        join_args(how.clone()),
                    )
                };
            }
            Ok(acc)
        }
    }
}

/// The column numbering the copies of equal rows (EXCEPT ALL, INTERSECT ALL).
const COPY: &str = "__budgetql_copy";

fn numbered(lf: LazyFrame, keys: &[Expr]) -> PolarsResult<LazyFrame> {
    Ok(lf
        .with_column(lit(1i64).alias(COPY))
        .with_column(col(COPY).cum_sum(false).over(keys)?.alias(COPY)))
}

fn join_args(how: JoinType) -> JoinArgs {
    let mut a = JoinArgs::new(how);
    a.nulls_equal = true;
    a
}

/// How deep an expression of the query nests, counted up to `limit` (the count stops
/// there, so a deeper input never recurses further than `limit`): the engine refuses a
/// statement nested deeper than it can walk without exhausting the stack.
pub fn too_deep(q: &SQLQuery, limit: usize) -> bool {
    use std::ops::ControlFlow;
    struct Depth {
        now: usize,
        limit: usize,
    }
    impl sqlparser::ast::Visitor for Depth {
        type Break = ();
        fn pre_visit_expr(&mut self, _: &SQLExpr) -> ControlFlow<()> {
            self.enter()
        }
        fn post_visit_expr(&mut self, _: &SQLExpr) -> ControlFlow<()> {
            self.leave()
        }
        fn pre_visit_query(&mut self, _: &SQLQuery) -> ControlFlow<()> {
            self.enter()
        }
        fn post_visit_query(&mut self, _: &SQLQuery) -> ControlFlow<()> {
            self.leave()
        }
    }
    impl Depth {
        fn enter(&mut self) -> ControlFlow<()> {
            self.now += 1;
            if self.now > self.limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        fn leave(&mut self) -> ControlFlow<()> {
            self.now -= 1;
            ControlFlow::Continue(())
        }
    }
    sqlparser::ast::Visit::visit(q, &mut Depth { now: 0, limit }).is_break()
}

/// SQL lets a SELECT list name two columns alike (`SELECT a + 1, a - 1`, or the same
/// expression twice); a frame cannot, and polars-sql names an unnamed expression after its
/// first column, so such a list failed ("duplicate name") or hid the column it read. An
/// unnamed expression is named by its SQL text instead (as DuckDB names it), with `:2`,
/// `:3` … after a text that repeats; one over an aggregate or a window keeps its name
/// unless it clashes, and aggregates and extensions are named by the rewrites.
pub fn name_clashing_expressions(q: &mut SQLQuery) {
    each_select(q, |s| name_items(&mut s.projection));
}

fn name_items(items: &mut [SelectItem]) {
    // the names the list gives explicitly (aliases, plain columns) are taken first
    let explicit = |item: &SelectItem| match item {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        SelectItem::UnnamedExpr(SQLExpr::Identifier(i)) => Some(i.value.clone()),
        SelectItem::UnnamedExpr(SQLExpr::CompoundIdentifier(p)) => {
            p.last().map(|i| i.value.clone())
        }
        _ => None,
    };
    let mut used: Vec<String> = items.iter().filter_map(explicit).collect();
    for item in items.iter_mut() {
        let SelectItem::UnnamedExpr(e) = item else {
            continue;
        };
        if matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_)) {
            continue;
        }
        // an aggregate, a window or an extension is named by the rewrites (`min_budget`,
        // SHARE's `share`) when its name clashes; any other expression by its SQL text,
        // as DuckDB names it, so that it never hides the column it reads (`SELECT
        // unit_code || project_name … ORDER BY unit_code` sorts by the column)
        // (a subquery's own aggregates do not count: it is one value)
        let mut own = e.clone();
        let _ = sqlparser::ast::visit_expressions_mut(&mut own, |x: &mut SQLExpr| {
            if matches!(
                x,
                SQLExpr::Subquery(_) | SQLExpr::Exists { .. } | SQLExpr::InSubquery { .. }
            ) {
                *x = SQLExpr::value(SQLValue::Null);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        let computed = super::rewrite::contains(&own, &|x| {
            matches!(x, SQLExpr::Function(f) if f.over.is_some()
                || super::rewrite::is_aggregate(x)
                || super::extensions::is_extension(x))
        });
        if computed {
            // an aggregate of one column is named after it (and `min_budget` … by the
            // rewrites when that clashes), `COUNT(*)` is `count`; one of no column
            // (`COUNT(79)`, `SUM(1)`) by its text below
            let extension = super::extensions::is_extension(e);
            if let SQLExpr::Function(f) = e {
                let star = matches!(&f.args, sqlparser::ast::FunctionArguments::List(l)
                    if matches!(l.args.as_slice(), [sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Wildcard)]));
                // (an aggregate of DISTINCT values other than COUNT is rewritten whole)
                let distinct = matches!(&f.args, sqlparser::ast::FunctionArguments::List(l)
                    if l.duplicate_treatment == Some(sqlparser::ast::DuplicateTreatment::Distinct))
                    && !f.name.to_string().eq_ignore_ascii_case("COUNT");
                if !distinct
                    && (star
                        || f.over.is_some()
                        || extension
                        || super::rewrite::single_column_arg(f).is_some())
                {
                    continue;
                }
            } else {
                let name = default_name(e);
                if !used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
                    used.push(name);
                    continue;
                }
            }
        }
        let text = e.to_string();
        let mut alias = text.clone();
        let mut k = 1;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&alias)) {
            k += 1;
            alias = format!("{text}:{k}");
        }
        let expr = std::mem::replace(e, SQLExpr::value(SQLValue::Null));
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: Ident::with_quote('"', alias.clone()),
        };
        used.push(alias);
    }
}

/// The name polars-sql gives an unnamed expression: its first column (the first
/// result of a CASE), else `literal`.
fn default_name(e: &SQLExpr) -> String {
    use std::ops::ControlFlow;
    let e = match e {
        SQLExpr::Case { conditions, .. } => match conditions.first() {
            Some(w) => &w.result,
            None => e,
        },
        other => other,
    };
    let mut found = None;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        let name = match x {
            SQLExpr::Identifier(i) => Some(i.value.clone()),
            SQLExpr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
            _ => None,
        };
        match name {
            Some(n) => {
                found = Some(n);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    });
    found.unwrap_or_else(|| "literal".into())
}

/// A SELECT core as budgetql plans it ([`super::bind`] builds it), lowered straight to
/// Polars' LazyFrame DSL by [`Node::lower`]. Expressions are Polars expressions, already
/// bound (names resolved, aggregates and keys read from their columns).
#[derive(Clone)]
pub enum Node {
    /// A relation of the session (a table, a view, a session table), as its frame.
    Frame { name: String, lf: LazyFrame },
    /// A derived table or a CTE (named by its alias; an unnamed one by an empty name):
    /// its plan, and its frame lowered once (every reference to a CTE reads the one
    /// frame, so Polars can compute it once).
    Subquery {
        name: String,
        input: Box<Node>,
        lf: LazyFrame,
    },
    /// Inputs combined into one frame by a plan of their own: a set operation inside a
    /// query (built by [`build`] and lowered by [`lower`]; its SELECT terms' plans), or a
    /// rule's plan of a node (`optimize/`; the node it replaces), kept for EXPLAIN.
    Combined {
        what: String,
        inputs: Vec<Node>,
        lf: LazyFrame,
    },
    /// Rows where the predicate is true.
    Filter { input: Box<Node>, predicate: Expr },
    /// A join of any kind: on equal keys (none: every pair of rows), and then, when the
    /// condition has more than equalities, on the `residual` predicate over both sides;
    /// the right side's clashing names are renamed before it, so both sides' columns are
    /// kept. `columns` are the output's, left then right (with `true` for the right side).
    Join {
        left: Box<Node>,
        right: Box<Node>,
        how: JoinType,
        left_on: Vec<Expr>,
        right_on: Vec<Expr>,
        residual: Option<Expr>,
        columns: Vec<(String, DataType, bool)>,
    },
    /// Groups by the keys, one row per group with the aggregates (one row without keys);
    /// `calls` says, for each aggregate that is a plain one over a column, what it is
    /// (for the rules in `optimize/` that compute it another way).
    Aggregate {
        input: Box<Node>,
        keys: Vec<Expr>,
        aggs: Vec<Expr>,
        calls: Vec<Option<AggCall>>,
    },
    /// Columns computed beside the input's.
    With { input: Box<Node>, exprs: Vec<Expr> },
    /// Exactly these columns.
    Project { input: Box<Node>, exprs: Vec<Expr> },
    /// Distinct rows; with `on` (`DISTINCT ON`), the first row of each distinct value
    /// of those columns, in the input's order.
    Distinct { input: Box<Node>, on: Vec<String> },
    Sort {
        input: Box<Node>,
        by: Vec<Expr>,
        descending: Vec<bool>,
        nulls_last: Vec<bool>,
    },
    /// `LIMIT len OFFSET offset`.
    Slice {
        input: Box<Node>,
        offset: i64,
        len: IdxSize,
    },
}

/// An aggregate that is a plain one over a column of the input (no DISTINCT, FILTER or
/// ORDER BY inside), by the input's column name.
#[derive(Debug, Clone, PartialEq)]
pub enum AggCall {
    /// `COUNT(*)`: the rows
    CountRows,
    Count(String),
    Sum(String),
    Avg(String),
    Min(String),
    Max(String),
    /// `QUANTILE_CONT(x, p)`; `MEDIAN(x)` is p = 0.5
    Quantile(String, f64),
}

impl AggCall {
    /// The column it reads.
    pub fn column(&self) -> Option<&str> {
        match self {
            AggCall::CountRows => None,
            AggCall::Count(c)
            | AggCall::Sum(c)
            | AggCall::Avg(c)
            | AggCall::Min(c)
            | AggCall::Max(c)
            | AggCall::Quantile(c, _) => Some(c),
        }
    }
}

impl Node {
    /// The node with each input replaced by `f` of it (a relation lowered already —
    /// a frame, a subquery, a combined node — has none).
    pub fn map_inputs(self, f: &mut dyn FnMut(Node) -> Node) -> Node {
        let mut g = |b: Box<Node>| Box::new(f(*b));
        match self {
            n @ (Node::Frame { .. } | Node::Subquery { .. } | Node::Combined { .. }) => n,
            Node::Filter { input, predicate } => Node::Filter {
                input: g(input),
                predicate,
            },
            Node::Join {
                left,
                right,
                how,
                left_on,
                right_on,
                residual,
                columns,
            } => Node::Join {
                left: g(left),
                right: g(right),
                how,
                left_on,
                right_on,
                residual,
                columns,
            },
            Node::Aggregate {
                input,
                keys,
                aggs,
                calls,
            } => Node::Aggregate {
                input: g(input),
                keys,
                aggs,
                calls,
            },
            Node::With { input, exprs } => Node::With {
                input: g(input),
                exprs,
            },
            Node::Project { input, exprs } => Node::Project {
                input: g(input),
                exprs,
            },
            Node::Distinct { input, on } => Node::Distinct {
                input: g(input),
                on,
            },
            Node::Sort {
                input,
                by,
                descending,
                nulls_last,
            } => Node::Sort {
                input: g(input),
                by,
                descending,
                nulls_last,
            },
            Node::Slice { input, offset, len } => Node::Slice {
                input: g(input),
                offset,
                len,
            },
        }
    }

    /// The node's own expressions (a filter's predicate, the aggregates, the computed
    /// columns), for the rules that rewrite them.
    pub fn exprs(&self) -> &[Expr] {
        match self {
            Node::Filter { predicate, .. } => std::slice::from_ref(predicate),
            Node::Aggregate { aggs, .. } => aggs,
            Node::With { exprs, .. } | Node::Project { exprs, .. } => exprs,
            _ => &[],
        }
    }

    /// The node with each of its own expressions ([`Node::exprs`]) replaced by `f` of it.
    pub fn map_exprs(self, f: &mut dyn FnMut(Expr) -> Expr) -> Node {
        let mut all = |v: Vec<Expr>| v.into_iter().map(&mut *f).collect::<Vec<_>>();
        match self {
            Node::Filter { input, predicate } => Node::Filter {
                input,
                predicate: all(vec![predicate])
                    .pop()
                    .unwrap_or(Expr::Literal(LiteralValue::untyped_null())),
            },
            Node::Aggregate {
                input,
                keys,
                aggs,
                calls,
            } => Node::Aggregate {
                input,
                keys,
                aggs: all(aggs),
                calls,
            },
            Node::With { input, exprs } => Node::With {
                input,
                exprs: all(exprs),
            },
            Node::Project { input, exprs } => Node::Project {
                input,
                exprs: all(exprs),
            },
            other => other,
        }
    }

    /// Every plan under this node, those of subqueries and combined nodes too.
    pub fn inputs(&self) -> Vec<&Node> {
        match self {
            Node::Frame { .. } => vec![],
            Node::Subquery { input, .. } => vec![input],
            Node::Combined { inputs, .. } => inputs.iter().collect(),
            Node::Join { left, right, .. } => vec![left, right],
            Node::Filter { input, .. }
            | Node::Aggregate { input, .. }
            | Node::With { input, .. }
            | Node::Project { input, .. }
            | Node::Distinct { input, .. }
            | Node::Sort { input, .. }
            | Node::Slice { input, .. } => vec![input],
        }
    }

    /// The plan as a LazyFrame.
    pub fn lower(self) -> LazyFrame {
        match self {
            Node::Frame { lf, .. } => lf,
            Node::Subquery { lf, .. } | Node::Combined { lf, .. } => lf,
            Node::Filter { input, predicate } => input.lower().filter(predicate),
            Node::Join {
                left,
                right,
                how,
                left_on,
                right_on,
                residual,
                columns,
            } => lower_join(
                left.lower(),
                right.lower(),
                how,
                (left_on, right_on),
                residual,
                &columns,
            ),
            Node::Aggregate {
                input, keys, aggs, ..
            } => {
                let lf = input.lower();
                if keys.is_empty() {
                    lf.select(aggs)
                } else {
                    lf.group_by(keys).agg(aggs)
                }
            }
            Node::With { input, exprs } => input.lower().with_columns(exprs),
            Node::Project { input, exprs } => input.lower().select(exprs),
            Node::Distinct { input, on } if on.is_empty() => {
                input.lower().unique_stable(None, UniqueKeepStrategy::Any)
            }
            Node::Distinct { input, on } => input.lower().unique_stable(
                Some(Selector::ByName {
                    names: on.into_iter().map(PlSmallStr::from).collect(),
                    strict: true,
                }),
                UniqueKeepStrategy::First,
            ),
            Node::Sort {
                input,
                by,
                descending,
                nulls_last,
            } => input.lower().sort_by_exprs(
                by,
                SortMultipleOptions::default()
                    .with_order_descending_multi(descending)
                    .with_nulls_last_multi(nulls_last),
            ),
            Node::Slice { input, offset, len } => input.lower().slice(offset, len),
        }
    }

    /// The plan, one node a line, inputs indented below (EXPLAIN).
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![(self, 0usize)];
        let list = |v: &[Expr]| {
            v.iter()
                .map(|e| format!("{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        while let Some((n, depth)) = stack.pop() {
            let pad = "  ".repeat(depth);
            let (line, inputs): (String, Vec<&Node>) = match n {
                Node::Frame { name, .. } => (format!("SCAN {name}"), vec![]),
                Node::Subquery { name, input, .. } => (format!("SUBQUERY {name}"), vec![input]),
                Node::Combined { what, inputs, .. } => (what.clone(), inputs.iter().collect()),
                Node::Filter { input, predicate } => (format!("FILTER {predicate}"), vec![input]),
                Node::Join {
                    left,
                    right,
                    how,
                    left_on,
                    right_on,
                    residual,
                    ..
                } => (
                    format!(
                        "{how} JOIN ON [{}] = [{}]{}",
                        list(left_on),
                        list(right_on),
                        residual
                            .as_ref()
                            .map(|p| format!(" AND {p}"))
                            .unwrap_or_default()
                    ),
                    vec![left, right],
                ),
                Node::Aggregate {
                    input, keys, aggs, ..
                } => (
                    format!("AGGREGATE BY [{}]: {}", list(keys), list(aggs)),
                    vec![input],
                ),
                Node::With { input, exprs } => (format!("COMPUTE {}", list(exprs)), vec![input]),
                Node::Project { input, exprs } => (format!("PROJECT {}", list(exprs)), vec![input]),
                Node::Distinct { input, on } if on.is_empty() => ("DISTINCT".into(), vec![input]),
                Node::Distinct { input, on } => {
                    (format!("DISTINCT ON ({})", on.join(", ")), vec![input])
                }
                Node::Sort {
                    input,
                    by,
                    descending,
                    ..
                } => (
                    format!(
                        "SORT {}",
                        by.iter()
                            .zip(descending)
                            .map(|(e, d)| format!("{e}{}", if *d { " DESC" } else { "" }))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    vec![input],
                ),
                Node::Slice { input, offset, len } => (
                    if *len == IdxSize::MAX {
                        format!("OFFSET {offset}")
                    } else {
                        format!("LIMIT {len} OFFSET {offset}")
                    },
                    vec![input],
                ),
            };
            out.push_str(&format!("{pad}{line}\n"));
            for i in inputs.into_iter().rev() {
                stack.push((i, depth + 1));
            }
        }
        out
    }
}

/// A join lowered. Equal keys join as Polars joins them (SQL's NULL keys never match);
/// a residual predicate filters the matching pairs, found by row number, and an outer
/// join then joins each side's rows to their pairs, so a row that matched nothing is kept
/// once with NULLs for the other side; a semi or anti join with a residual keeps the left
/// rows with (without) a matching pair.
fn lower_join(
    l: LazyFrame,
    r: LazyFrame,
    how: JoinType,
    (left_on, right_on): (Vec<Expr>, Vec<Expr>),
    residual: Option<Expr>,
    columns: &[(String, DataType, bool)],
) -> LazyFrame {
    let pairs = |l: LazyFrame, r: LazyFrame, how: JoinType| {
        if left_on.is_empty() {
            l.cross_join(r, None)
        } else {
            let mut args = JoinArgs::new(how);
            args.coalesce = JoinCoalesce::KeepColumns;
            l.join(r, left_on.clone(), right_on.clone(), args)
        }
    };
    let output = || -> Vec<Expr> { columns.iter().map(|(n, _, _)| col(n.as_str())).collect() };
    const L: &str = "__bq_lrow";
    const R: &str = "__bq_rrow";
    let on = |how: JoinType, a: LazyFrame, b: LazyFrame, key: &str| {
        let mut args = JoinArgs::new(how);
        args.coalesce = JoinCoalesce::KeepColumns;
        a.join(b, [col(key)], [col(key)], args)
    };
    match (how.clone(), residual) {
        (JoinType::Cross, None) => l.cross_join(r, None),
        (JoinType::Right | JoinType::Full, None) => pairs(l, r, how).select(output()),
        (JoinType::Semi | JoinType::Anti, Some(p)) => {
            let l = l.with_row_index(L, None);
            let matched = pairs(l.clone(), r, JoinType::Inner)
                .filter(p)
                .select([col(L)]);
            on(how, l, matched, L).drop(Selector::ByName {
                names: [PlSmallStr::from(L)].into(),
                strict: true,
            })
        }
        (JoinType::Left | JoinType::Right | JoinType::Full, Some(p)) => {
            let (l, r) = (l.with_row_index(L, None), r.with_row_index(R, None));
            let matched = pairs(l.clone(), r.clone(), JoinType::Inner)
                .filter(p)
                .select([col(L), col(R)]);
            // the left rows with the right row number of each of their pairs (NULL: none)
            let left = if how == JoinType::Right {
                on(JoinType::Inner, l, matched, L)
            } else {
                on(JoinType::Left, l, matched, L)
            };
            on(how, left, r, R).select(output())
        }
        // an inner join (and a cross join filtered)
        (_, Some(p)) => pairs(l, r, JoinType::Inner).filter(p),
        (_, None) => pairs(l, r, how),
    }
}
