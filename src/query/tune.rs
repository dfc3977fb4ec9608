//! Exact rewrites of the Polars plan polars-sql builds, where its translation of SQL asks
//! for work the answer does not need. Each rewrite matches one shape polars-sql (or
//! `windows.rs`) produces and replaces it by an expression with the same value on every
//! input; anything else is left as it is.
//!
//! - **`RANK() OVER (… ORDER BY k)`** becomes `k.rank().over(…, order_by = k)`: Polars
//!   sorts every partition by `k` before ranking, but a rank depends on the values, not
//!   on the rows' order. The `order_by` is dropped.
//! - **A window ordered by one key and its NULL-placement flag** (`windows.rs` puts
//!   `CASE WHEN k IS NULL THEN 1 ELSE 0 END` before the key so NULLs sort where SQL puts
//!   them; polars-sql can only say "ascending" or "descending") is ordered by a struct,
//!   which Polars sorts by row encoding, partition by partition. It becomes `k` alone with
//!   `nulls_last` set as the flag placed them. The flag is either inline or a `__wn…`
//!   column `windows.rs` added under the FROM item, found by its definition (and only when
//!   the plan defines that name once).
//! - **`SUM(x)`** is `when(x.null_count() < x.len()).then(x.sum())` (SQL's NULL for a
//!   group of NULLs): three reductions per group. `x.count() > 0` (the non-NULL count) is
//!   the same condition in one; in a group-by over a column that holds no NULL where it
//!   is read (a warehouse scan the manifest records without NULLs in it, or an in-memory
//!   frame without any, reached through filters and projections that pass it), the bare
//!   `x.sum()`: a group has rows, so it sums to NULL only when they all are NULL.
//! - **`RANK() OVER (…) <= N`** (or `< N`; in QUALIFY, a CASE branch, or a CTE's rank
//!   column filtered above it) is answered from the partition's N-th value instead of
//!   ranking every row (see [`top_n`]).
//! - **`x IN (1, 2, 3)`** compares with one list literal, not with the values imploded
//!   (an aggregation, which kept the filter above a comma join's cross product).
//! - **A window a projection computes more than once** (Polars' own common-subexpression
//!   pass leaves windows alone) is computed once, as a column added below it.

use polars::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The prefix of the NULL-placement columns `windows.rs` adds.
const FLAG_COLUMN: &str = "__wn";

/// The prefix of the columns holding a window a projection computed more than once.
const LIFTED_WINDOW: &str = "__budgetql_window_";

/// NULL-placement flag columns by name: the key they flag and whether NULL's flag is the
/// higher value; None for a name defined more than once (not used).
type Flags = HashMap<PlSmallStr, Option<(Expr, bool)>>;

/// The columns of each warehouse table that hold no NULL, keyed by the first file its
/// scan reads (`store::null_free_columns`).
pub type NullFree = Arc<HashMap<String, HashSet<String>>>;

/// The frame with its plan tuned; the same frame when nothing matched.
pub fn tune(lf: LazyFrame, null_free: &NullFree) -> LazyFrame {
    let mut flags = Flags::new();
    collect_flags(&lf.logical_plan, &mut flags);
    let tuner = Tuner {
        flags,
        null_free: null_free.clone(),
    };
    match tuner.plan(&lf.logical_plan) {
        Some(p) => LazyFrame::from_logical_plan(p, lf.get_current_optimizations()),
        None => lf,
    }
}

/// `x IN (1, 2, 3)`: polars-sql compares with the list's values imploded (an aggregation),
/// which stops Polars pushing the filter down (below a join, into a scan). The same
/// values as one list literal: the same membership, and the filter moves.
fn list_scalar(set: &Expr) -> Option<Expr> {
    let Expr::Agg(AggExpr::Implode { input, .. }) = set else {
        return None;
    };
    let Expr::Literal(LiteralValue::Series(values)) = input.as_ref() else {
        return None;
    };
    let values: Series = (**values).clone();
    Some(Expr::Literal(LiteralValue::Scalar(Scalar::new(
        DataType::List(Box::new(values.dtype().clone())),
        AnyValue::List(values),
    ))))
}

/// Every `flag(k) AS __wn…` the plan's projections define.
fn collect_flags(p: &DslPlan, out: &mut Flags) {
    let defs: &[Expr] = match p {
        DslPlan::Select { expr, .. } => expr,
        DslPlan::HStack { exprs, .. } => exprs,
        _ => &[],
    };
    for d in defs {
        if let Expr::Alias(e, name) = d {
            if name.starts_with(FLAG_COLUMN) {
                let flag = inline_flag(e);
                out.entry(name.clone())
                    .and_modify(|f| *f = None)
                    .or_insert(flag);
            }
        }
    }
    match p {
        DslPlan::Filter { input, .. }
        | DslPlan::Cache { input, .. }
        | DslPlan::Select { input, .. }
        | DslPlan::GroupBy { input, .. }
        | DslPlan::HStack { input, .. }
        | DslPlan::Distinct { input, .. }
        | DslPlan::Sort { input, .. }
        | DslPlan::Slice { input, .. }
        | DslPlan::MapFunction { input, .. } => collect_flags(input, out),
        DslPlan::IR { dsl, .. } => collect_flags(dsl, out),
        DslPlan::Join {
            input_left,
            input_right,
            ..
        } => {
            collect_flags(input_left, out);
            collect_flags(input_right, out);
        }
        DslPlan::Union { inputs, .. } | DslPlan::HConcat { inputs, .. } => {
            for i in inputs {
                collect_flags(i, out);
            }
        }
        _ => {}
    }
}

struct Tuner {
    flags: Flags,
    null_free: NullFree,
}

impl Tuner {
    /// A tuned copy of an input, or None when nothing under it changed (the input stays
    /// shared, as polars-sql built it).
    fn input(&self, p: &Arc<DslPlan>) -> Option<Arc<DslPlan>> {
        self.plan(p).map(Arc::new)
    }

    /// Expressions tuned, or None when none changed.
    fn exprs(&self, es: &[Expr]) -> Option<Vec<Expr>> {
        let out: Vec<Expr> = es.iter().map(|e| self.expr(e.clone())).collect();
        (out.as_slice() != es).then_some(out)
    }

    /// A node's expressions and input, tuned; None when neither changed.
    fn node(&self, es: &[Expr], i: &Arc<DslPlan>) -> Option<(Vec<Expr>, Arc<DslPlan>)> {
        let (ne, ni) = (self.exprs(es), self.input(i));
        if ne.is_none() && ni.is_none() {
            return None;
        }
        Some((
            ne.unwrap_or_else(|| es.to_vec()),
            ni.unwrap_or_else(|| i.clone()),
        ))
    }

    /// [`Self::node`], always returning the expressions and input, and whether they changed
    /// (for a node with a rewrite of its own to try after its parts').
    fn node_or_same(&self, es: &[Expr], i: &Arc<DslPlan>) -> (Vec<Expr>, Arc<DslPlan>, bool) {
        match self.node(es, i) {
            Some((e, i)) => (e, i, true),
            None => (es.to_vec(), i.clone(), false),
        }
    }

    /// A projection's expressions and input tuned and its repeated windows lifted below
    /// it, with the names of the columns they were lifted to; None when nothing changed.
    fn projection(
        &self,
        es: &[Expr],
        i: &Arc<DslPlan>,
    ) -> Option<(Vec<Expr>, Arc<DslPlan>, Vec<PlSmallStr>)> {
        let (exprs, input, changed) = self.node_or_same(es, i);
        let (exprs, input, lifted) = lift_repeated_windows(exprs, input);
        (changed || !lifted.is_empty()).then_some((exprs, input, lifted))
    }

    fn plan(&self, p: &DslPlan) -> Option<DslPlan> {
        Some(match p {
            DslPlan::Select {
                expr: e,
                input: i,
                options,
            } => {
                let (expr, input, _) = self.projection(e, i)?;
                DslPlan::Select {
                    expr,
                    input,
                    options: *options,
                }
            }
            DslPlan::HStack {
                input: i,
                exprs: e,
                options,
            } => {
                let (exprs, input, lifted) = self.projection(e, i)?;
                let stacked = DslPlan::HStack {
                    exprs,
                    input,
                    options: *options,
                };
                if lifted.is_empty() {
                    stacked
                } else {
                    // the columns added below are not this node's
                    LazyFrame::from(stacked)
                        .drop(by_name(lifted, true, false))
                        .logical_plan
                }
            }
            DslPlan::GroupBy {
                input: i,
                keys,
                predicates,
                aggs,
                maintain_order,
                options,
                apply,
            } => {
                let (tuned, input, changed) = self.node_or_same(aggs, i);
                // a group has rows: its SUM is NULL only when all of them are NULL, which a
                // column without NULLs never is (without keys, SUM over no rows is NULL)
                let sums: Vec<Expr> = if keys.is_empty() {
                    tuned.clone()
                } else {
                    tuned
                        .iter()
                        .map(|a| self.plain_sum(a, &input).unwrap_or_else(|| a.clone()))
                        .collect()
                };
                if !changed && sums == tuned {
                    return None;
                }
                DslPlan::GroupBy {
                    input,
                    keys: keys.clone(),
                    predicates: predicates.clone(),
                    aggs: sums,
                    maintain_order: *maintain_order,
                    options: options.clone(),
                    apply: apply.clone(),
                }
            }
            DslPlan::Filter {
                input: i,
                predicate,
            } => {
                if let Some(p) = self.top_n_of_column(predicate, i) {
                    return Some(DslPlan::Filter {
                        input: self.input(i).unwrap_or_else(|| i.clone()),
                        predicate: p,
                    });
                }
                let (mut p, input) = self.node(std::slice::from_ref(predicate), i)?;
                DslPlan::Filter {
                    input,
                    predicate: p.pop().unwrap_or_else(|| predicate.clone()),
                }
            }
            DslPlan::Sort {
                input: i,
                by_column,
                slice,
                sort_options,
            } => DslPlan::Sort {
                input: self.input(i)?,
                by_column: by_column.clone(),
                slice: *slice,
                sort_options: sort_options.clone(),
            },
            DslPlan::Slice {
                input: i,
                offset,
                len,
            } => DslPlan::Slice {
                input: self.input(i)?,
                offset: *offset,
                len: *len,
            },
            DslPlan::Distinct { input: i, options } => DslPlan::Distinct {
                input: self.input(i)?,
                options: options.clone(),
            },
            DslPlan::MapFunction { input: i, function } => DslPlan::MapFunction {
                input: self.input(i)?,
                function: function.clone(),
            },
            DslPlan::Join { .. } | DslPlan::Union { .. } => return self.join_or_union(p),
            // polars-sql wraps the inputs it has already resolved in their conversion: the
            // plan it was converted from, when tuned, is converted again
            DslPlan::IR { dsl, .. } => return self.plan(dsl),
            // scans, caches (a CTE read twice shares one), and the rest: left as built
            _ => return None,
        })
    }

    /// [`Self::plan`] for a join or a union: their inputs tuned.
    fn join_or_union(&self, p: &DslPlan) -> Option<DslPlan> {
        Some(match p {
            DslPlan::Join {
                input_left,
                input_right,
                left_on,
                right_on,
                predicates,
                options,
            } => {
                let (l, r) = (self.input(input_left), self.input(input_right));
                if l.is_none() && r.is_none() {
                    return None;
                }
                DslPlan::Join {
                    input_left: l.unwrap_or_else(|| input_left.clone()),
                    input_right: r.unwrap_or_else(|| input_right.clone()),
                    left_on: left_on.clone(),
                    right_on: right_on.clone(),
                    predicates: predicates.clone(),
                    options: options.clone(),
                }
            }
            DslPlan::Union { inputs, args } => {
                let tuned: Vec<Option<DslPlan>> = inputs.iter().map(|p| self.plan(p)).collect();
                if tuned.iter().all(Option::is_none) {
                    return None;
                }
                DslPlan::Union {
                    inputs: tuned
                        .into_iter()
                        .zip(inputs)
                        .map(|(t, p)| t.unwrap_or_else(|| p.clone()))
                        .collect(),
                    args: *args,
                }
            }
            _ => return None,
        })
    }

    fn expr(&self, e: Expr) -> Expr {
        e.map_expr(|e| match e {
            Expr::Over {
                function,
                partition_by,
                order_by: Some((key, opts)),
                mapping,
            } => {
                if is_rank_of(&function, &key) {
                    if partition_by.is_empty() {
                        return Arc::unwrap_or_clone(function);
                    }
                    return Expr::Over {
                        function,
                        partition_by,
                        order_by: None,
                        mapping,
                    };
                }
                let order_by = Some(match self.flagged_key(&key) {
                    Some((k, null_flag_high)) => (
                        Arc::new(k),
                        SortOptions {
                            // the flag sorted ascending puts its high value last; descending, first
                            nulls_last: null_flag_high != opts.descending,
                            ..opts
                        },
                    ),
                    None => (key, opts),
                });
                Expr::Over {
                    function,
                    partition_by,
                    order_by,
                    mapping,
                }
            }
            Expr::Ternary {
                predicate,
                truthy,
                falsy,
            } => Expr::Ternary {
                predicate: match guarded_sum(&predicate, &truthy) {
                    Some(x) => Arc::new(x.clone().count().gt(lit(0))),
                    None => predicate,
                },
                truthy,
                falsy,
            },
            Expr::BinaryExpr { left, op, right } => match top_n(&left, op, &right) {
                Some(e) => e,
                None => Expr::BinaryExpr { left, op, right },
            },
            Expr::Function {
                mut input,
                function: function @ FunctionExpr::Boolean(BooleanFunction::IsIn { .. }),
            } => {
                if let Some(set) = input.get_mut(1) {
                    if let Some(scalar) = list_scalar(set) {
                        *set = scalar;
                    }
                }
                Expr::Function { input, function }
            }
            e => e,
        })
    }

    /// SQL's `SUM(c)` (`c.sum()` guarded by `c.count() > 0`, possibly named) as the bare
    /// `c.sum()` when `c` holds no NULL where the group-by reads it.
    fn plain_sum(&self, agg: &Expr, input: &DslPlan) -> Option<Expr> {
        let (e, name) = match agg {
            Expr::Alias(e, n) => (e.as_ref(), Some(n)),
            e => (e, None),
        };
        let Expr::Ternary {
            predicate,
            truthy,
            falsy,
        } = e
        else {
            return None;
        };
        let x = guarded_sum(predicate, truthy)?;
        let Expr::Column(c) = x else {
            return None;
        };
        let null = match falsy.as_ref() {
            Expr::Cast { expr, .. } => expr.as_ref(),
            e => e,
        };
        if !matches!(null, Expr::Literal(v) if v.is_null()) || !self.without_nulls(input, c) {
            return None;
        }
        let sum = truthy.as_ref().clone();
        Some(match name {
            Some(n) => sum.alias(n.clone()),
            None => sum,
        })
    }

    /// Column `c` of `p`'s output holds no NULL: it is passed down unchanged (filters,
    /// sorts, projections naming it) to a warehouse scan recorded without NULLs in it, or
    /// to an in-memory frame without any. Anything else (a join, a computed column, an
    /// unknown scan) may bring NULLs.
    fn without_nulls(&self, p: &DslPlan, c: &str) -> bool {
        match p {
            DslPlan::Filter { input, .. }
            | DslPlan::Sort { input, .. }
            | DslPlan::Slice { input, .. }
            | DslPlan::Cache { input, .. } => self.without_nulls(input, c),
            DslPlan::IR { dsl, .. } => self.without_nulls(dsl, c),
            DslPlan::Select { expr, input, .. } => match passed(expr, c) {
                Some(Some(from)) => self.without_nulls(input, &from),
                _ => false,
            },
            DslPlan::HStack { exprs, input, .. } => match passed(exprs, c) {
                Some(Some(from)) => self.without_nulls(input, &from),
                // not among the added columns (each named): the input's
                None if exprs
                    .iter()
                    .all(|e| matches!(e, Expr::Column(_) | Expr::Alias(..))) =>
                {
                    self.without_nulls(input, c)
                }
                _ => false,
            },
            DslPlan::Scan { sources, .. } => sources.first_path().is_some_and(|f| {
                self.null_free
                    .get(f.as_str())
                    .is_some_and(|cols| cols.contains(c))
            }),
            DslPlan::DataFrameScan { df, .. } => {
                df.column(c).is_ok_and(|col| col.null_count() == 0)
            }
            _ => false,
        }
    }

    /// `WHERE r <= N` over a projection that computes `r` as a RANK window and passes the
    /// window's columns through unchanged (a CTE or derived table holding the rank): the
    /// condition on the window itself, so the threshold plan applies and the rank, when
    /// nothing above reads it, is not computed.
    fn top_n_of_column(&self, predicate: &Expr, input: &DslPlan) -> Option<Expr> {
        let Expr::BinaryExpr { left, op, right } = predicate else {
            return None;
        };
        let Expr::Column(r) = left.as_ref() else {
            return None;
        };
        let exprs = match input {
            DslPlan::Select { expr, .. } => expr,
            DslPlan::IR { dsl, .. } => return self.top_n_of_column(predicate, dsl),
            _ => return None,
        };
        let mut def = None;
        let mut passed = vec![];
        for e in exprs {
            match e {
                Expr::Column(c) => passed.push(c),
                Expr::Alias(x, name) if name == r => def = Some(x),
                _ => return None,
            }
        }
        let def = self.expr(def?.as_ref().clone());
        let reads_passed = (&def)
            .into_iter()
            .all(|n| !matches!(n, Expr::Column(c) if !passed.contains(&c)));
        if !reads_passed {
            return None;
        }
        top_n(&def, *op, right)
    }

    /// `as_struct([flag, k])` where the flag is `when(k.is_null()).then(a).otherwise(b)` with
    /// integer literals `a != b`, inline or as a flag column: `k`, and whether the NULLs'
    /// flag is the higher value.
    fn flagged_key(&self, e: &Expr) -> Option<(Expr, bool)> {
        let Expr::Function {
            input,
            function: FunctionExpr::AsStruct,
        } = e
        else {
            return None;
        };
        let [flag, k] = input.as_slice() else {
            return None;
        };
        let (flagged, high) = match flag {
            Expr::Column(name) => self.flags.get(name)?.clone()?,
            e => inline_flag(e)?,
        };
        (flagged == *k).then_some((flagged, high))
    }
}

/// The window expressions a projection computes more than once, none inside another
/// window (Polars' own common-subexpression pass leaves windows alone: a user's
/// `(x - LAG(x) OVER w) / LAG(x) OVER w` computed its LAG twice).
fn repeated_windows(exprs: &[Expr]) -> Vec<Expr> {
    // a projection of `*` would also show the columns they are lifted to
    let wildcard = exprs
        .iter()
        .flat_map(|e| e.into_iter())
        .any(|n| matches!(n, Expr::Selector(_)) || matches!(n, Expr::Column(c) if c == "*"));
    if wildcard {
        return vec![];
    }
    // every window anywhere, and those inside another window
    let all: Vec<&Expr> = exprs
        .iter()
        .flat_map(|e| e.into_iter())
        .filter(|n| matches!(n, Expr::Over { .. }))
        .collect();
    let inner: Vec<&Expr> = all
        .iter()
        .flat_map(|w| w.into_iter().skip(1))
        .filter(|n| matches!(n, Expr::Over { .. }))
        .collect();
    let outer: Vec<&Expr> = all
        .iter()
        .copied()
        .filter(|w| !inner.iter().any(|i| std::ptr::eq(*i, *w)))
        .collect();
    let count = |v: &[&Expr], w: &Expr| v.iter().filter(|x| **x == w).count();
    let mut out: Vec<Expr> = vec![];
    for w in &outer {
        let n = count(&outer, w);
        // every occurrence is an outer one: none is evaluated in another window's groups
        if n > 1 && count(&all, w) == n && !out.contains(w) {
            out.push((*w).clone());
        }
    }
    out
}

/// A projection's repeated windows computed once, as columns added to its input (rows
/// are the same: a window keeps its frame's rows), and read by name where they stood;
/// with the names of the added columns.
fn lift_repeated_windows(
    exprs: Vec<Expr>,
    input: Arc<DslPlan>,
) -> (Vec<Expr>, Arc<DslPlan>, Vec<PlSmallStr>) {
    let lifted = repeated_windows(&exprs);
    if lifted.is_empty() {
        return (exprs, input, vec![]);
    }
    let names: Vec<PlSmallStr> = (1..=lifted.len())
        .map(|i| format!("{LIFTED_WINDOW}{i}").into())
        .collect();
    let exprs = exprs
        .into_iter()
        .map(|e| {
            e.map_expr(|n| match lifted.iter().position(|w| *w == n) {
                Some(i) => Expr::Column(names[i].clone()),
                None => n,
            })
        })
        .collect();
    let input = DslPlan::HStack {
        input,
        exprs: lifted
            .into_iter()
            .zip(&names)
            .map(|(w, n)| w.alias(n.clone()))
            .collect(),
        options: Default::default(),
    };
    (exprs, Arc::new(input), names)
}

/// `rank <= n` (or `< n`) where `rank` is `RANK() OVER (PARTITION BY p ORDER BY k)` as
/// Polars computes it (`k.rank(min).over(p)`), or a CASE with such a rank in a branch:
/// the same condition without ranking. A rank is at most n when fewer than n values of the
/// partition come before the row's, i.e. when the row's value is not past the n-th value
/// of the partition sorted in the rank's direction (NaN sorts and compares as the largest
/// in Polars, so floats agree too); every row passes when the partition has fewer than n
/// values; a NULL value's rank is NULL, and so is the condition. Selecting the n-th value
/// sorts the values alone (no indices, no ranks to scatter back): 5× faster in Polars 2.1.
fn top_n(left: &Expr, op: Operator, right: &Expr) -> Option<Expr> {
    let n = int_lit(right)?;
    let n = match op {
        Operator::LtEq => n,
        Operator::Lt => n - 1,
        _ => return None,
    };
    if n < 1 {
        return None;
    }
    if let Expr::Ternary {
        predicate,
        truthy,
        falsy,
    } = left
    {
        let (a, b) = (top_n(truthy, op, right), top_n(falsy, op, right));
        if a.is_none() && b.is_none() {
            return None;
        }
        let cmp = |x: &Arc<Expr>| Expr::BinaryExpr {
            left: x.clone(),
            op,
            right: Arc::new(right.clone()),
        };
        return Some(Expr::Ternary {
            predicate: predicate.clone(),
            truthy: Arc::new(a.unwrap_or_else(|| cmp(truthy))),
            falsy: Arc::new(b.unwrap_or_else(|| cmp(falsy))),
        });
    }
    let (rank, partition) = match left {
        Expr::Over {
            function,
            partition_by,
            order_by,
            mapping: WindowMapping::GroupsToRows,
        } => {
            let k = rank_key(function)?.0;
            if order_by.as_ref().is_some_and(|(o, _)| o.as_ref() != k) {
                return None;
            }
            (function.as_ref(), Some(partition_by))
        }
        e => (e, None),
    };
    let (k, descending) = rank_key(rank)?;
    // several ORDER BY keys rank a struct, which Polars sorts but does not compare
    if matches!(
        k,
        Expr::Function {
            function: FunctionExpr::AsStruct,
            ..
        }
    ) {
        return None;
    }
    let mut nth = k
        .clone()
        .sort(SortOptions {
            descending,
            nulls_last: true,
            ..Default::default()
        })
        .slice(lit(n - 1), lit(1))
        .first();
    if let Some(p) = partition {
        if p.is_empty() {
            return None;
        }
        nth = Expr::Over {
            function: Arc::new(nth),
            partition_by: p.clone(),
            order_by: None,
            mapping: WindowMapping::GroupsToRows,
        };
    }
    // past no n-th value (fewer than n values): within
    let within = if descending {
        k.clone().gt_eq(nth)
    } else {
        k.clone().lt_eq(nth)
    }
    .fill_null(lit(true));
    Some(
        when(k.clone().is_null())
            .then(lit(NULL).cast(DataType::Boolean))
            .otherwise(within),
    )
}

/// `k.rank(min)`: `k` and whether it ranks descending.
fn rank_key(f: &Expr) -> Option<(&Expr, bool)> {
    match f {
        Expr::Function {
            input,
            function:
                FunctionExpr::Rank {
                    options:
                        RankOptions {
                            method: RankMethod::Min,
                            descending,
                        },
                    ..
                },
        } if input.len() == 1 => Some((&input[0], *descending)),
        _ => None,
    }
}

/// `f` is `k.rank(…)`.
fn is_rank_of(f: &Expr, k: &Expr) -> bool {
    matches!(f, Expr::Function { input, function: FunctionExpr::Rank { .. } }
        if input.len() == 1 && input[0] == *k)
}

/// `when(k.is_null()).then(a).otherwise(b)` with integer literals `a != b`: `k`, and
/// whether `a` (the NULLs' flag) is the higher value.
fn inline_flag(flag: &Expr) -> Option<(Expr, bool)> {
    let Expr::Ternary {
        predicate,
        truthy,
        falsy,
    } = flag
    else {
        return None;
    };
    let Expr::Function {
        input: tested,
        function: FunctionExpr::Boolean(BooleanFunction::IsNull),
    } = predicate.as_ref()
    else {
        return None;
    };
    let [k] = tested.as_slice() else {
        return None;
    };
    let (a, b) = (int_lit(truthy)?, int_lit(falsy)?);
    (a != b).then(|| (k.clone(), a > b))
}

fn int_lit(e: &Expr) -> Option<i64> {
    match e {
        Expr::Literal(v) => v.extract_i64().ok(),
        _ => None,
    }
}

/// How a projection makes its column `c`: Some(Some(from)) when it passes column `from`
/// under the name `c` (`col(c)` or `col(from).alias(c)`), Some(None) when it computes `c`
/// otherwise, None when no item is named `c`.
fn passed(exprs: &[Expr], c: &str) -> Option<Option<String>> {
    exprs.iter().find_map(|e| match e {
        Expr::Column(n) if n == c => Some(Some(n.to_string())),
        Expr::Alias(inner, n) if n == c => Some(match inner.as_ref() {
            Expr::Column(from) => Some(from.to_string()),
            _ => None,
        }),
        _ => None,
    })
}

/// SQL's SUM as polars-sql writes it, `x.sum()` guarded by `x.null_count() < x.len()`,
/// or as [`Tuner::expr`] rewrites the guard, `x.count() > 0`: `x`.
fn guarded_sum<'a>(predicate: &'a Expr, truthy: &'a Expr) -> Option<&'a Expr> {
    let Expr::Agg(AggExpr::Sum(x)) = truthy else {
        return None;
    };
    let Expr::BinaryExpr { left, op, right } = predicate else {
        return None;
    };
    let guards = match (op, left.as_ref(), right.as_ref()) {
        (
            Operator::Lt,
            Expr::Function {
                input,
                function: FunctionExpr::NullCount,
            },
            Expr::Agg(AggExpr::Count {
                input: counted,
                include_nulls: true,
            }),
        ) => input.as_slice() == std::slice::from_ref(x.as_ref()) && counted == x,
        (
            Operator::Gt,
            Expr::Agg(AggExpr::Count {
                input: counted,
                include_nulls: false,
            }),
            zero,
        ) => counted == x && int_lit(zero) == Some(0),
        _ => false,
    };
    guards.then_some(x.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(k: Expr, null: i32, other: i32) -> Expr {
        when(k.is_null()).then(lit(null)).otherwise(lit(other))
    }

    fn over(f: Expr, order: Expr, descending: bool) -> Expr {
        Expr::Over {
            function: Arc::new(f),
            partition_by: vec![col("p")],
            order_by: Some((
                Arc::new(order),
                SortOptions::default().with_order_descending(descending),
            )),
            mapping: Default::default(),
        }
    }

    fn order_of(e: &Expr) -> Option<(Expr, SortOptions)> {
        let mut found = None;
        for n in e {
            if let Expr::Over { order_by, .. } = n {
                found = Some(order_by.clone().map(|(k, o)| ((*k).clone(), o)));
            }
        }
        found.expect("an over")
    }

    fn tuner(flags: &[(&str, Option<(Expr, bool)>)]) -> Tuner {
        Tuner {
            flags: flags
                .iter()
                .map(|(n, f)| (PlSmallStr::from(*n), f.clone()))
                .collect(),
            null_free: Default::default(),
        }
    }

    #[test]
    fn a_rank_is_not_sorted_first() {
        let t = tuner(&[]);
        let k = col("budget");
        let r = RankOptions {
            method: RankMethod::Min,
            descending: true,
        };
        let e = t.expr(over(k.clone().rank(r, None), k.clone(), true));
        assert_eq!(order_of(&e), None);
        // ranking one expression ordered by another keeps its order (not a rank of the key)
        let e = t.expr(over(k.clone().rank(r, None), col("other"), true));
        assert!(order_of(&e).is_some());
        // a ROW_NUMBER-like function depends on the order: kept
        let e = t.expr(over(k.clone().shift(lit(1)), k, false));
        assert!(order_of(&e).is_some());
    }

    #[test]
    fn a_flagged_key_becomes_the_key_with_its_nulls_placed() {
        let k = col("year");
        let t = tuner(&[("__wn1", Some((k.clone(), true)))]);
        let f = k.clone().shift(lit(1));
        let inline = |null, other| as_struct(vec![flag(k.clone(), null, other), k.clone()]);
        let column = as_struct(vec![col("__wn1"), k.clone()]);
        // (flag 1 for NULL, key) ascending: NULLs last; descending: first
        for (order, desc, last) in [
            (inline(1, 0), false, true),
            (inline(0, 1), false, false),
            (inline(1, 0), true, false),
            (inline(0, 1), true, true),
            (column.clone(), false, true),
            (column, true, false),
        ] {
            let (key, opts) = order_of(&t.expr(over(f.clone(), order, desc))).expect("ordered");
            assert_eq!(key, k);
            assert_eq!((opts.descending, opts.nulls_last), (desc, last));
        }
    }

    #[test]
    fn anything_else_keeps_its_struct() {
        let k = col("year");
        let t = tuner(&[("__wn1", None), ("__wn2", Some((col("other"), true)))]);
        let f = k.clone().shift(lit(1));
        for order in [
            // a flag column defined twice in the plan
            as_struct(vec![col("__wn1"), k.clone()]),
            // a flag of another key
            as_struct(vec![col("__wn2"), k.clone()]),
            as_struct(vec![flag(col("other"), 1, 0), k.clone()]),
            // equal flags place nothing; three keys are a real struct
            as_struct(vec![flag(k.clone(), 1, 1), k.clone()]),
            as_struct(vec![flag(k.clone(), 1, 0), k.clone(), col("x")]),
            // an unknown column
            as_struct(vec![col("__wn3"), k.clone()]),
        ] {
            let e = t.expr(over(f.clone(), order.clone(), false));
            assert_eq!(order_of(&e).map(|(k, _)| k), Some(order));
        }
    }

    #[test]
    fn sql_sum_counts_values_once() {
        let t = tuner(&[]);
        let x = col("budget");
        let sql_sum = when(x.clone().null_count().lt(x.clone().len()))
            .then(x.clone().sum())
            .otherwise(lit(NULL));
        let want = when(x.clone().count().gt(lit(0)))
            .then(x.clone().sum())
            .otherwise(lit(NULL));
        assert_eq!(t.expr(sql_sum), want);
        // the guard of another column's sum stays
        let other = when(x.clone().null_count().lt(x.clone().len()))
            .then(col("y").sum())
            .otherwise(lit(NULL));
        assert_eq!(t.expr(other.clone()), other);
    }

    fn rank(k: Expr, method: RankMethod) -> Expr {
        let r = RankOptions {
            method,
            descending: true,
        };
        Expr::Over {
            function: Arc::new(k.rank(r, None)),
            partition_by: vec![col("p")],
            order_by: None,
            mapping: Default::default(),
        }
    }

    fn sorts(e: &Expr) -> bool {
        e.into_iter().any(|n| matches!(n, Expr::Sort { .. }))
    }

    fn ranks(e: &Expr) -> bool {
        e.into_iter().any(|n| {
            matches!(
                n,
                Expr::Function {
                    function: FunctionExpr::Rank { .. },
                    ..
                }
            )
        })
    }

    #[test]
    fn a_rank_within_n_is_the_nth_value() {
        let t = tuner(&[]);
        let r = rank(col("b"), RankMethod::Min);
        for e in [r.clone().lt_eq(lit(10)), r.clone().lt(lit(2))] {
            let e = t.expr(e);
            assert!(sorts(&e) && !ranks(&e), "{e:?}");
        }
        // a CASE holding the rank in a branch
        let case = when(col("b").is_null()).then(lit(1)).otherwise(r.clone());
        let e = t.expr(case.lt_eq(lit(3)));
        assert!(sorts(&e) && !ranks(&e), "{e:?}");
        // not a top-N: kept as a rank
        for e in [
            r.clone().gt_eq(lit(10)),
            r.clone().lt(lit(1)),
            r.clone().lt_eq(col("n")),
            rank(col("b"), RankMethod::Dense).lt_eq(lit(10)),
            rank(col("b"), RankMethod::Ordinal).lt_eq(lit(10)),
            rank(as_struct(vec![col("b"), col("c")]), RankMethod::Min).lt_eq(lit(10)),
        ] {
            let e = t.expr(e);
            assert!(ranks(&e) && !sorts(&e), "{e:?}");
        }
    }

    #[test]
    fn a_rank_column_is_filtered_by_its_definition_only_over_passed_columns() {
        let t = tuner(&[]);
        let r = rank(col("b"), RankMethod::Min).alias("r");
        let filter = |cols: Vec<Expr>| {
            let input = DslPlan::Select {
                expr: cols,
                input: Arc::new(DslPlan::default()),
                options: Default::default(),
            };
            t.top_n_of_column(&col("r").lt_eq(lit(10)), &input)
        };
        assert!(filter(vec![col("b"), col("p"), r.clone()]).is_some());
        // the rank's columns are not all passed through: its meaning above is unknown
        assert!(filter(vec![col("b"), r.clone()]).is_none());
        assert!(filter(vec![col("b"), (col("p") + lit(1)).alias("p"), r.clone()]).is_none());
    }

    #[test]
    fn a_window_written_twice_is_computed_once() {
        let w = over(col("b").shift(lit(1)), col("y"), false);
        let other = over(col("b").shift(lit(2)), col("y"), false);
        let exprs = vec![
            (col("b") - w.clone()).alias("d"),
            w.clone().alias("l"),
            other.clone().alias("o"),
        ];
        assert_eq!(repeated_windows(&exprs), vec![w.clone()]);
        let (lifted, input, names) = lift_repeated_windows(exprs, Arc::new(DslPlan::default()));
        assert_eq!(names, vec![PlSmallStr::from("__budgetql_window_1")]);
        let read = col("__budgetql_window_1");
        assert_eq!(
            lifted,
            vec![
                (col("b") - read.clone()).alias("d"),
                read.alias("l"),
                other.clone().alias("o")
            ]
        );
        assert!(matches!(input.as_ref(), DslPlan::HStack { exprs, .. }
            if *exprs == vec![w.clone().alias("__budgetql_window_1")]));
        // a window also evaluated inside another window's groups stays where it is
        let nested = over(w.clone().sum(), col("y"), false);
        assert!(repeated_windows(&[w.clone(), w.clone(), nested]).is_empty());
        assert!(repeated_windows(&[w, other]).is_empty());
    }

    #[test]
    fn a_grouped_sum_of_a_column_without_nulls_is_the_bare_sum() {
        let t = tuner(&[]);
        let df = df!("k" => [1, 1, 2], "x" => [Some(1i64), Some(2), Some(3)], "y" => [Some(1i64), None, None])
            .expect("frame");
        let scan = Arc::new(DslPlan::DataFrameScan {
            schema: df.schema().clone(),
            df: Arc::new(df),
        });
        let sql_sum = |c: &str| {
            when(col(c).count().gt(lit(0)))
                .then(col(c).sum())
                .otherwise(lit(NULL))
                .alias("s")
        };
        assert_eq!(
            t.plain_sum(&sql_sum("x"), &scan),
            Some(col("x").sum().alias("s"))
        );
        // a column with NULLs keeps the test (group 2 of y is all NULL: its SUM is NULL)
        assert_eq!(t.plain_sum(&sql_sum("y"), &scan), None);
        // through a filter and a projection passing x under another name
        let renamed = DslPlan::Select {
            expr: vec![
                col("k"),
                col("x").alias("z"),
                (col("x") + lit(1)).alias("w"),
            ],
            input: Arc::new(DslPlan::Filter {
                input: scan.clone(),
                predicate: col("k").gt(lit(0)),
            }),
            options: Default::default(),
        };
        assert!(t.without_nulls(&renamed, "z"));
        // a computed column, a column the projection does not have, a join: unknown
        assert!(!t.without_nulls(&renamed, "w"));
        assert!(!t.without_nulls(&renamed, "x"));
        let stacked = DslPlan::HStack {
            input: scan.clone(),
            exprs: vec![col("x") * lit(2)],
            options: Default::default(),
        };
        // an unnamed item of a HStack may replace x
        assert!(!t.without_nulls(&stacked, "x"));
        // a warehouse scan is known only by its recorded columns
        assert!(!t.without_nulls(&DslPlan::default(), "x"));
    }
}
