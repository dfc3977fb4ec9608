//! `budgetql sql --dialect polars`: window functions written so that polars-sql (Polars'
//! own SQL, `pl.sql`) computes what SQL means. budgetql's binder plans windows itself
//! (`bind/window.rs`); this printer is for users who take the SQL to Polars, whose
//! windows differ silently from SQL in these ways (each case is in `tests/sql/plain.slt`):
//!
//! - **NULLs in a window's ORDER BY.** Polars sorts them first and ranks them NULL; SQL
//!   (DuckDB's default) sorts them last unless `NULLS FIRST` says otherwise, and ranks them
//!   as one peer group. Each key is preceded by a 0/1 key saying where its NULLs go.
//! - **The default frame is RANGE.** `SUM(x) OVER (ORDER BY k)` includes the rows tied
//!   with the current one (its peers); Polars steps row by row. SUM, COUNT, MIN, MAX and
//!   AVG add their peers' part: `MAX` over the peer group, `SUM`/`COUNT` the peer group's
//!   total less its running part.
//! - **`AVG(x) OVER (… ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`** was the
//!   partition's mean: it is the running sum over the running count.
//! - **Running SUM over NULLs** left NULL on the NULL rows: NULLs are skipped.
//! - **`LAST_VALUE` over the whole partition** (`… AND UNBOUNDED FOLLOWING`) was the
//!   current row's value: it is `FIRST_VALUE` in the reverse order.

use crate::query::rewrite::RewriteError;
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Function as SQLFunction, FunctionArg, FunctionArgExpr,
    FunctionArguments, OrderByExpr, Select, SelectItem, TableFactor, WindowFrameBound,
    WindowFrameUnits, WindowSpec, WindowType,
};
use std::ops::ControlFlow;

use crate::query::rewrite::{contains, fname};

fn one_arg(f: &SQLFunction) -> Option<String> {
    let FunctionArguments::List(l) = &f.args else {
        return None;
    };
    if l.duplicate_treatment.is_some() || !l.clauses.is_empty() {
        return None;
    }
    match l.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => Some(e.to_string()),
        [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] => Some("*".into()),
        _ => None,
    }
}

/// Every argument, printed.
fn all_args(f: &SQLFunction) -> Vec<String> {
    let FunctionArguments::List(l) = &f.args else {
        return vec![];
    };
    l.args.iter().map(|a| a.to_string()).collect()
}

#[derive(PartialEq, Clone, Copy)]
enum Frame {
    /// no frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW when ordered
    Default,
    /// ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    RunningRows,
    /// … BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    Whole,
    /// ROWS BETWEEN a PRECEDING AND b FOLLOWING (CURRENT ROW = 0), a few rows
    Sliding(u32, u32),
    Other,
}

/// A literal bound of a sliding frame: `n PRECEDING` / `CURRENT ROW` / `n FOLLOWING`.
fn bound(b: &WindowFrameBound) -> Option<(i64, bool)> {
    let n = |e: &Option<Box<SQLExpr>>| -> Option<i64> {
        match e.as_deref() {
            Some(SQLExpr::Value(v)) => v.value.to_string().parse().ok(),
            _ => None,
        }
    };
    match b {
        WindowFrameBound::CurrentRow => Some((0, false)),
        WindowFrameBound::Preceding(e) => Some((n(e)?, true)),
        WindowFrameBound::Following(e) => Some((n(e)?, false)),
    }
}

fn frame(spec: &WindowSpec) -> Frame {
    let Some(f) = &spec.window_frame else {
        return Frame::Default;
    };
    let start_unbounded = matches!(f.start_bound, WindowFrameBound::Preceding(None));
    match (&f.units, start_unbounded, &f.end_bound) {
        (_, true, Some(WindowFrameBound::Following(None))) => Frame::Whole,
        (WindowFrameUnits::Rows, true, None | Some(WindowFrameBound::CurrentRow)) => {
            Frame::RunningRows
        }
        (WindowFrameUnits::Range, true, None | Some(WindowFrameBound::CurrentRow)) => {
            Frame::Default
        }
        (WindowFrameUnits::Rows, false, end) => {
            let start = bound(&f.start_bound);
            let end = match end {
                None => Some((0, false)),
                Some(e) => bound(e),
            };
            match (start, end) {
                (Some((a, true)), Some((b, false))) if a + b <= 20 => {
                    Frame::Sliding(a as u32, b as u32)
                }
                (Some((0, false)), Some((b, false))) if b <= 20 => Frame::Sliding(0, b as u32),
                _ => Frame::Other,
            }
        }
        _ => Frame::Other,
    }
}

/// One ORDER BY key as printed, with its direction.
fn key_text(ob: &OrderByExpr, flip: bool) -> String {
    let asc = ob.options.asc.unwrap_or(true) != flip;
    format!("{}{}", ob.expr, if asc { "" } else { " DESC" })
}

struct Flags<'a> {
    /// (alias, expression) columns to add under the FROM item
    cols: &'a mut Vec<(String, String)>,
    /// may flags be columns (one FROM item, no `*`)?
    as_columns: bool,
}

impl Flags<'_> {
    /// The column computing `expr` under the FROM item: an existing one when another window
    /// needs the same key (two windows over one key then stay one expression, which Polars
    /// computes once: YOY's two LAGs), else a new one named `prefix` + number.
    fn column(&mut self, prefix: &str, expr: String) -> String {
        if let Some((n, _)) = self
            .cols
            .iter()
            .find(|(n, e)| n.starts_with(prefix) && *e == expr)
        {
            return n.clone();
        }
        let name = format!("{prefix}{}", self.cols.len() + 1);
        self.cols.push((name.clone(), expr));
        name
    }
}

/// The window's ORDER BY with a NULL-placement key before each key.
fn order_keys(spec: &WindowSpec, flags: &mut Flags) -> Vec<OrderByExpr> {
    let inline_ok = spec.order_by.len() == 1;
    // Polars runs one direction per window: with mixed ASC/DESC, a DESC key becomes an
    // ascending key over its descending dense rank (ties stay ties)
    let dirs: Vec<bool> = spec
        .order_by
        .iter()
        .map(|o| o.options.asc.unwrap_or(true))
        .collect();
    let mixed = dirs.iter().any(|d| *d) && dirs.iter().any(|d| !*d);
    let mut out = vec![];
    for (i, ob) in spec.order_by.iter().enumerate() {
        // a key repeated adds nothing (and Polars refuses two keys of one name)
        if spec.order_by[..i].iter().any(|p| p.expr == ob.expr) {
            continue;
        }
        let ob = &if mixed && flags.as_columns && !ob.options.asc.unwrap_or(true) {
            let name = flags.column(
                "__wd",
                format!("DENSE_RANK() OVER (ORDER BY {} DESC)", ob.expr),
            );
            // the NULL key is computed from the original expression below
            let mut o = ob.clone();
            o.options.asc = Some(true);
            (o, Some(name))
        } else {
            (ob.clone(), None)
        };
        let (ob, renamed) = (&ob.0, &ob.1);
        let asc = ob.options.asc.unwrap_or(true);
        let nulls_last = ob.options.nulls_first.map(|f| !f).unwrap_or(true);
        let constant = matches!(ob.expr, SQLExpr::Value(_));
        if !constant && (flags.as_columns || inline_ok) {
            // under ASC a key of 1 for NULL sorts them last; under DESC 0 does
            let (null, other) = if asc == nulls_last { (1, 0) } else { (0, 1) };
            let e = format!("CASE WHEN {} IS NULL THEN {null} ELSE {other} END", ob.expr);
            let key = if flags.as_columns {
                flags.column("__wn", e)
            } else {
                e
            };
            if let Ok(expr) = crate::query::rewrite::parse_expr(&key) {
                let mut f = ob.clone();
                f.expr = expr;
                f.options.nulls_first = None;
                out.push(f);
            }
        }
        let mut k = ob.clone();
        k.options.nulls_first = None;
        if let Some(n) = renamed {
            k.expr = SQLExpr::Identifier(sqlparser::ast::Ident::new(n.clone()));
        }
        out.push(k);
    }
    out
}

fn spec_text(partition: &[SQLExpr], order: &[OrderByExpr], flip: bool) -> String {
    let mut s = String::new();
    if !partition.is_empty() {
        s.push_str("PARTITION BY ");
        s.push_str(
            &partition
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !order.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str("ORDER BY ");
        s.push_str(
            &order
                .iter()
                .map(|o| key_text(o, flip))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    format!("({s})")
}

/// What a window call needs or becomes.
enum Call {
    Keep,
    Text(String),
    /// a running total over tied rows needs a row number to break ties the same way in
    /// every window it is computed from
    NeedsRowNumber,
}

/// The rewritten window call, as SQL text, or None to keep it (with its new keys).
/// `row` is the column numbering the rows, when the FROM item has one.
fn rewrite_call(
    f: &SQLFunction,
    spec: &WindowSpec,
    keys: &[OrderByExpr],
    row: Option<&str>,
) -> Call {
    match rewrite_text(f, spec, keys, row) {
        Ok(Some(t)) => Call::Text(t),
        Ok(None) => Call::Keep,
        Err(()) => Call::NeedsRowNumber,
    }
}

/// The window's keys with the row number last, so windows computed separately see tied
/// rows in one order: the order the rows come in, as DuckDB's stable sort keeps peers (in
/// the keys' direction, so descending keys are followed by the row number negated).
fn tie_broken(keys: &[OrderByExpr], row: &str) -> Vec<OrderByExpr> {
    let mut k = keys.to_vec();
    let asc = keys.last().is_none_or(|l| l.options.asc.unwrap_or(true));
    let number = SQLExpr::Identifier(sqlparser::ast::Ident::new(row));
    k.push(OrderByExpr {
        expr: if asc {
            number
        } else {
            SQLExpr::UnaryOp {
                op: sqlparser::ast::UnaryOperator::Minus,
                expr: Box::new(number),
            }
        },
        options: sqlparser::ast::OrderByOptions {
            asc: Some(asc),
            nulls_first: None,
        },
        with_fill: None,
    });
    k
}

fn rewrite_text(
    f: &SQLFunction,
    spec: &WindowSpec,
    keys: &[OrderByExpr],
    row: Option<&str>,
) -> Result<Option<String>, ()> {
    let name = fname(f);
    let fr = frame(spec);
    let w = spec_text(&spec.partition_by, keys, false);
    let part = spec_text(&spec.partition_by, &[], false);
    let tie_broken = |row: &str| tie_broken(keys, row);
    let all = all_args(f);
    if let Some(t) = single_key_rank(f, spec) {
        return Ok(Some(t));
    }
    match (name.as_str(), all.as_slice()) {
        ("PERCENT_RANK", []) => {
            return Ok(Some(format!(
                "CASE WHEN COUNT(*) OVER {part} = 1 THEN 0.0 ELSE (RANK() OVER {w} - 1) / CAST(COUNT(*) OVER {part} - 1 AS DOUBLE) END"
            )))
        }
        ("CUME_DIST", []) => {
            let g = spec_text(&peers(spec), &[], false);
            return Ok(Some(format!(
                "(RANK() OVER {w} - 1 + COUNT(*) OVER {g}) / CAST(COUNT(*) OVER {part} AS DOUBLE)"
            )));
        }
        ("NTILE", [b]) => {
            let (rn, n) = (format!("ROW_NUMBER() OVER {w}"), format!("COUNT(*) OVER {part}"));
            let q = format!("FLOOR({n} / {b})");
            let r = format!("({n} - {b} * {q})");
            return Ok(Some(format!(
                "CAST(CASE WHEN {rn} <= {r} * ({q} + 1) THEN FLOOR(({rn} - 1) / ({q} + 1)) + 1 ELSE FLOOR(({rn} - 1 - {r}) / {q}) + 1 END AS BIGINT)"
            )));
        }
        ("LAG" | "LEAD", [x, off, default]) => {
            let Some(row) = row else { return Err(()) };
            let wr = spec_text(&spec.partition_by, &tie_broken(row), false);
            let inside = if name == "LAG" {
                format!("ROW_NUMBER() OVER {wr} > {off}")
            } else {
                format!("ROW_NUMBER() OVER {wr} + {off} <= COUNT(*) OVER {part}")
            };
            return Ok(Some(format!(
                "CASE WHEN {inside} THEN {name}({x}, {off}) OVER {wr} ELSE {default} END"
            )));
        }
        _ => {}
    }
    let Some(x) = one_arg(f) else { return Ok(None) };
    if let (Frame::Sliding(a, b), "SUM" | "COUNT" | "AVG" | "MIN" | "MAX") = (fr, name.as_str()) {
        if x == "*" {
            return Ok(None);
        }
        // the frame's rows one by one: LAG/LEAD over one tie-broken order (a row beyond the
        // partition's edge is NULL, as it is outside the frame)
        let Some(row) = row else { return Err(()) };
        let wr = spec_text(&spec.partition_by, &tie_broken(row), false);
        let mut vals = vec![x.clone()];
        vals.extend((1..=a).map(|i| format!("LAG({x}, {i}) OVER {wr}")));
        vals.extend((1..=b).map(|i| format!("LEAD({x}, {i}) OVER {wr}")));
        let count = vals
            .iter()
            .map(|v| format!("CASE WHEN {v} IS NULL THEN 0 ELSE 1 END"))
            .collect::<Vec<_>>()
            .join(" + ");
        let sum = vals
            .iter()
            .map(|v| format!("COALESCE({v}, 0)"))
            .collect::<Vec<_>>()
            .join(" + ");
        return Ok(Some(match name.as_str() {
            "COUNT" => format!("CAST({count} AS BIGINT)"),
            "SUM" => format!("CASE WHEN {count} = 0 THEN NULL ELSE {sum} END"),
            "AVG" => format!("({sum}) / CAST(NULLIF({count}, 0) AS DOUBLE)"),
            _ if vals.len() == 1 => x.clone(),
            m => format!(
                "{}({})",
                if m == "MIN" { "LEAST" } else { "GREATEST" },
                vals.join(", ")
            ),
        }));
    }
    Ok(Some(match (name.as_str(), fr) {
        ("SUM" | "COUNT" | "AVG" | "MIN" | "MAX", Frame::Whole) => {
            format!("{name}({x}) OVER {part}")
        }
        ("FIRST_VALUE", Frame::Whole) => format!("FIRST_VALUE({x}) OVER {w}"),
        ("LAST_VALUE", Frame::Whole) => format!(
            "FIRST_VALUE({x}) OVER {}",
            spec_text(&spec.partition_by, keys, true)
        ),
        ("MIN" | "MAX", Frame::Default) => {
            // the peer group: the partition and the ORDER BY keys' values; a running MIN/MAX
            // widened to the peers does not depend on how ties are ordered
            let g = spec_text(&peers(spec), &[], false);
            let h = if name == "MIN" { "LEAST" } else { "GREATEST" };
            format!("{h}({name}({x}) OVER {w}, {name}({x}) OVER {g})")
        }
        ("SUM" | "COUNT" | "AVG", Frame::Default | Frame::RunningRows) => {
            let range = fr == Frame::Default;
            // a running sum over ties, and its peers' part, must see the tied rows in one
            // order: the row number breaks the ties
            let (w, gc) = if range {
                let Some(row) = row else { return Err(()) };
                let k = tie_broken(row);
                (
                    spec_text(&spec.partition_by, &k, false),
                    spec_text(&peers(spec), &k, false),
                )
            } else {
                (w.clone(), String::new())
            };
            let g = spec_text(&peers(spec), &[], false);
            let count = |x: &str| {
                if range {
                    format!("(COUNT({x}) OVER {w} + COUNT({x}) OVER {g} - COUNT({x}) OVER {gc})")
                } else {
                    format!("COUNT({x}) OVER {w}")
                }
            };
            let sum = |x: &str| {
                let z = format!("COALESCE({x}, 0)");
                let s = if range {
                    format!("(SUM({z}) OVER {w} + SUM({z}) OVER {g} - SUM({z}) OVER {gc})")
                } else {
                    format!("SUM({z}) OVER {w}")
                };
                format!("CASE WHEN {} = 0 THEN NULL ELSE {s} END", count(x))
            };
            match name.as_str() {
                "COUNT" => format!("CAST({} AS BIGINT)", count(&x)),
                "SUM" => sum(&x),
                _ => format!("{} / CAST(NULLIF({}, 0) AS DOUBLE)", sum(&x), count(&x)),
            }
        }
        _ => return Ok(None),
    }))
}

/// `RANK() OVER (… ORDER BY k)` over one key ranks the bare key, and places its NULLs by
/// counting: Polars ranks the non-NULL values among themselves (a NULL's rank is NULL), so
/// under NULLS LAST a non-NULL row's rank is Polars' and a NULL row's is one past the
/// partition's non-NULL count; under NULLS FIRST the NULLs rank 1 and the others move down
/// by their count. Ranking a (NULL-placement flag, key) struct instead costs a row-encoded
/// sort per partition: 7.3 s of q4 on the large warehouse.
fn single_key_rank(f: &SQLFunction, spec: &WindowSpec) -> Option<String> {
    if !is_single_key_rank(f, spec) {
        return None;
    }
    let ob = &spec.order_by[0];
    let k = &ob.expr;
    let mut bare = ob.clone();
    bare.options.nulls_first = None;
    let w = spec_text(&spec.partition_by, &[bare], false);
    let part = spec_text(&spec.partition_by, &[], false);
    Some(if ob.options.nulls_first == Some(true) {
        format!(
            "CASE WHEN {k} IS NULL THEN 1 ELSE RANK() OVER {w} + (COUNT(*) OVER {part} - COUNT({k}) OVER {part}) END"
        )
    } else {
        format!("CASE WHEN {k} IS NULL THEN COUNT({k}) OVER {part} + 1 ELSE RANK() OVER {w} END")
    })
}

/// `RANK()` over one ORDER BY key that is not a constant, with no frame.
fn is_single_key_rank(f: &SQLFunction, spec: &WindowSpec) -> bool {
    fname(f) == "RANK"
        && all_args(f).is_empty()
        && spec.window_frame.is_none()
        && spec.order_by.len() == 1
        && !matches!(spec.order_by[0].expr, SQLExpr::Value(_))
}

/// The peer group of a window: its partition and its ORDER BY keys' values.
fn peers(spec: &WindowSpec) -> Vec<SQLExpr> {
    let mut p: Vec<SQLExpr> = spec.partition_by.clone();
    p.extend(
        spec.order_by
            .iter()
            .map(|o| o.expr.clone())
            .filter(|e| !matches!(e, SQLExpr::Value(_))),
    );
    p
}

fn mixed_window(e: &SQLExpr) -> bool {
    contains(e, &|x| match x {
        SQLExpr::Function(f) => match &f.over {
            Some(WindowType::WindowSpec(s)) => {
                let d: Vec<bool> = s
                    .order_by
                    .iter()
                    .map(|o| o.options.asc.unwrap_or(true))
                    .collect();
                d.iter().any(|x| *x) && d.iter().any(|x| !*x)
            }
            _ => false,
        },
        _ => false,
    })
}

/// `SELECT items FROM t QUALIFY <window> …` → `SELECT names FROM (SELECT items, <window>
/// AS __qwN FROM t) AS __q WHERE …`, when the window mixes ASC/DESC or reads a column
/// the SELECT list does not: the window then runs in a SELECT list, which sees every
/// column and where DESC keys can be turned into ascending ones.
fn lower_qualify(sel: &mut Select) -> Result<bool, RewriteError> {
    let Some(cond) = &sel.qualify else {
        return Ok(false);
    };
    let grouped =
        !matches!(&sel.group_by, sqlparser::ast::GroupByExpr::Expressions(es, _) if es.is_empty());
    let Some(names) = sel
        .projection
        .iter()
        .map(crate::query::rewrite::output_name)
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(false);
    };
    // polars-sql's QUALIFY sees only the selected columns: lowered too when it reads
    // another one (`SELECT project_code … QUALIFY ROW_NUMBER() OVER (ORDER BY budget DESC)`)
    let unselected = contains(cond, &|x| {
        let n = match x {
            SQLExpr::Identifier(i) => Some(&i.value),
            SQLExpr::CompoundIdentifier(ids) => ids.last().map(|i| &i.value),
            _ => None,
        };
        n.is_some_and(|n| !names.contains(n))
    });
    if !(mixed_window(cond) || unselected)
        || grouped
        || sel.from.len() != 1
        || !sel.from[0].joins.is_empty()
    {
        return Ok(false);
    }
    let mut cond = cond.clone();
    let mut wins: Vec<SQLExpr> = vec![];
    let _ = visit_expressions_mut(&mut cond, |x: &mut SQLExpr| {
        if matches!(x, SQLExpr::Function(f) if f.over.is_some()) {
            wins.push(x.clone());
            *x = SQLExpr::Identifier(sqlparser::ast::Ident::new(format!("__qw{}", wins.len())));
        }
        ControlFlow::<()>::Continue(())
    });
    let mut inner = sel.clone();
    inner.qualify = None;
    inner.distinct = None;
    for (i, w) in wins.into_iter().enumerate() {
        inner.projection.push(SelectItem::ExprWithAlias {
            expr: w,
            alias: sqlparser::ast::Ident::new(format!("__qw{}", i + 1)),
        });
    }
    select(&mut inner)?;
    let distinct = sel.distinct.take();
    *sel = crate::query::rewrite::outer_select(&names, &inner, "__q", &format!("WHERE {cond}"))?;
    sel.distinct = distinct;
    Ok(true)
}

/// Rewrite the windows of one SELECT.
fn select(sel: &mut Select) -> Result<bool, RewriteError> {
    if lower_qualify(sel)? {
        return Ok(true);
    }
    let star = sel.projection.iter().any(|it| {
        matches!(
            it,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let single = sel.from.len() == 1
        && sel.from[0].joins.is_empty()
        && matches!(
            sel.from[0].relation,
            TableFactor::Table { .. } | TableFactor::Derived { .. }
        );
    let mut cols: Vec<(String, String)> = vec![];
    let mut changed = false;
    let mut failed: Option<RewriteError> = None;
    // QUALIFY sees only the selected columns (polars-sql), so its windows' NULL keys are
    // written inline
    let mut visit = |e: &mut SQLExpr, cols: &mut Vec<(String, String)>, in_qualify: bool| {
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            let SQLExpr::Function(f) = x else {
                return ControlFlow::<()>::Continue(());
            };
            let Some(WindowType::WindowSpec(spec)) = &f.over else {
                return ControlFlow::Continue(());
            };
            if spec.order_by.is_empty() {
                return ControlFlow::Continue(());
            }
            let spec = spec.clone();
            let mut flags = Flags {
                cols,
                as_columns: single && !star && !in_qualify,
            };
            // a single-key RANK places its NULLs itself (no flag key)
            let keys = if is_single_key_rank(f, &spec) {
                spec.order_by.clone()
            } else {
                order_keys(&spec, &mut flags)
            };
            let row = flags.as_columns.then_some("__wr");
            let text = match rewrite_call(f, &spec, &keys, row) {
                Call::Text(t) => {
                    if row.is_some()
                        && t.contains("__wr")
                        && !flags.cols.iter().any(|(n, _)| n == "__wr")
                    {
                        flags
                            .cols
                            .push(("__wr".into(), "ROW_NUMBER() OVER ()".into()));
                    }
                    t
                }
                Call::NeedsRowNumber => {
                    failed.get_or_insert(crate::query::rewrite::err_at(&*f, format!(
                        "not supported yet: `{f}` here (beside a join, `SELECT *` or in QUALIFY): a running {} over ORDER BY counts the rows tied with the current one, which budgetql computes only over one table; compute it in a CTE, or give the frame: ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
                        fname(f)
                    )));
                    return ControlFlow::Continue(());
                }
                Call::Keep => {
                    // the same call over the new keys
                    let mut g = f.clone();
                    let mut s = spec.clone();
                    s.order_by = keys;
                    g.over = Some(WindowType::WindowSpec(s));
                    g.to_string()
                }
            };
            match crate::query::rewrite::parse_expr(&text) {
                Ok(new) => {
                    *x = SQLExpr::Nested(Box::new(new));
                    changed = true;
                }
                Err(e) => failed = Some(e),
            }
            ControlFlow::Continue(())
        });
    };
    for it in &mut sel.projection {
        match it {
            SelectItem::UnnamedExpr(e) => {
                // keep the name Polars gave the item: its column, else the function's name
                let name = match &*e {
                    SQLExpr::Function(f) if f.over.is_some() => Some(match one_arg(f) {
                        Some(a) if a.chars().all(|c| c.is_alphanumeric() || c == '_') => a,
                        _ => fname(f).to_lowercase(),
                    }),
                    _ => None,
                };
                visit(e, &mut cols, false);
                if let (Some(name), SQLExpr::Nested(inner)) = (name, &*e) {
                    if !matches!(&**inner, SQLExpr::Function(_)) {
                        *it = SelectItem::ExprWithAlias {
                            expr: e.clone(),
                            alias: sqlparser::ast::Ident::new(name),
                        };
                    }
                }
            }
            SelectItem::ExprWithAlias { expr, .. } => visit(expr, &mut cols, false),
            _ => {}
        }
    }
    if let Some(q) = &mut sel.qualify {
        visit(q, &mut cols, true);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if !cols.is_empty() {
        if let Some(relation) = with_columns(&sel.from[0].relation, &cols)? {
            sel.from[0].relation = relation;
        }
    }
    Ok(changed)
}

/// The FROM item with the columns `cols` (name, expression) computed beside its own:
/// `(SELECT *, e AS n FROM item AS alias (cols…)) AS alias`; None for an item of another kind.
fn with_columns(
    relation: &TableFactor,
    cols: &[(String, String)],
) -> Result<Option<TableFactor>, RewriteError> {
    let (inner, alias) = match relation {
        TableFactor::Table { name, alias, .. } => {
            let a = alias
                .as_ref()
                .map(|a| a.name.to_string())
                .unwrap_or_else(|| name.to_string());
            // the alias with its column names, if it renames them: `t1 AS x (c1, c2)`
            let full = alias
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_else(|| a.clone());
            (format!("{name} AS {full}"), a)
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let a = alias
                .as_ref()
                .map(|a| a.name.to_string())
                .unwrap_or_else(|| "__wsrc".into());
            let full = alias
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_else(|| a.clone());
            (format!("({subquery}) AS {full}"), a)
        }
        // `single` admits only these two
        _ => return Ok(None),
    };
    let extra = cols
        .iter()
        .map(|(n, e)| format!("{e} AS {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Some(
        crate::query::rewrite::from_item(&format!("(SELECT *, {extra} FROM {inner}) AS {alias}"))?
            .relation,
    ))
}

/// Rewrite every window of a query's SQL text; the text is returned unchanged when it
/// has none to rewrite.
pub fn lower(sql: &str) -> Result<String, RewriteError> {
    if !sql.to_uppercase().contains(" OVER ") {
        return Ok(sql.to_string());
    }
    let mut q = crate::query::rewrite::query(sql)?;
    let mut changed = false;
    crate::query::rules::each_select(&mut q, &mut |sel| {
        changed |= select(sel)?;
        Ok(())
    })?;
    Ok(if changed {
        q.to_string()
    } else {
        sql.to_string()
    })
}
