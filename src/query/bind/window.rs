//! Window functions, bound with SQL's meaning (DuckDB's where SQL leaves a choice).
//!
//! A window is its partition, its order and its frame. Polars evaluates a function over
//! each partition sorted by one order expression, in one direction with one NULL
//! placement; SQL gives each ORDER BY key its own. The keys become one order ([`order`]):
//! one key as it is; several as a struct in the first key's direction, each key after a
//! flag that places its NULLs, a key of the other direction as its dense rank in that
//! direction (ties stay ties).
//!
//! Within the sorted partition every frame is a range of positions, `lo..=hi`
//! ([`Edge`]): ROWS offsets count from the row's position; RANGE's CURRENT ROW is the
//! row's peer group (the rows whose keys equal its keys), found in the same sorted pass,
//! so each function sees tied rows in one order. Over a frame, SUM, COUNT and AVG are
//! differences of running totals; MIN and MAX running ones from either end, or the
//! values of a few rows; FIRST_VALUE, LAST_VALUE, NTH_VALUE read the value at a
//! position. RANK, DENSE_RANK, PERCENT_RANK and CUME_DIST follow from the peer group's
//! edges; a RANK over one key ranks the values themselves (no sort: the plan rules
//! answer `RANK() … <= N` from the N-th value). Any aggregate runs over a window that
//! spans the partition (no ORDER BY, or a frame from its first to its last row).
//!
//! In a grouped query level the window runs over the groups: its arguments, partition
//! and keys read the level's keys and aggregates (`SUM(SUM(x)) OVER (…)`).

use super::expr::{is_non_null_literal, literal_number, Num};
use super::*;

/// One ORDER BY key of a window: bound, with its direction and where its NULLs go.
struct Key {
    e: Expr,
    asc: bool,
    nulls_last: bool,
}

/// Where a frame starts or ends, in the partition sorted by the window's order.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Edge {
    /// the partition's first row (as the start) or its last row (as the end)
    Unbounded,
    /// the row this many rows after the current one (before it when negative)
    Rows(i64),
    /// the first row of the current row's peer group
    PeerStart,
    /// the last row of the current row's peer group
    PeerEnd,
}

/// A window bound: its partition, its order as Polars sorts by it, and its frame.
struct Window {
    partition: Vec<Expr>,
    /// the sort expression and options; None when the window has no ORDER BY (or only
    /// constant keys: every row is then a peer of every other)
    order: Option<(Expr, SortOptions)>,
    /// the keys, for a RANK over one key
    keys: Vec<Key>,
    start: Edge,
    end: Edge,
}

impl Window {
    /// `f` over the window: per partition, in the window's order.
    fn over(&self, f: Expr) -> Bound<Expr> {
        let partition = (!self.partition.is_empty()).then(|| self.partition.clone());
        match (&partition, &self.order) {
            (None, None) => Ok(f),
            (_, Some((k, opts))) => f
                .over_with_options(
                    partition,
                    Some((vec![k.clone()], *opts)),
                    Default::default(),
                )
                .map_err(Unbound::from),
            (Some(p), None) => f.over(p).map_err(Unbound::from),
        }
    }

    /// Whether the frame is the whole partition.
    fn whole(&self) -> bool {
        self.start == Edge::Unbounded && self.end == Edge::Unbounded
    }

    /// The first position of the frame, not before the partition's start (it may be
    /// past its end: the frame is then empty).
    fn lo(&self) -> Expr {
        let lo = self.edge(self.start, true);
        when(lo.clone().lt(lit(0i64))).then(lit(0i64)).otherwise(lo)
    }

    /// The last position of the frame, not past the partition's end.
    fn hi(&self) -> Expr {
        let hi = self.edge(self.end, false);
        let last = rows() - lit(1i64);
        when(hi.clone().gt(last.clone())).then(last).otherwise(hi)
    }

    fn edge(&self, e: Edge, start: bool) -> Expr {
        match (e, start) {
            (Edge::Unbounded, true) => lit(0i64),
            (Edge::Unbounded, false) => rows() - lit(1i64),
            (Edge::Rows(d), _) => position() + lit(d),
            (Edge::PeerStart, _) => self.peer_start(),
            (Edge::PeerEnd, _) => self.peer_end(),
        }
    }

    /// The position of the first row of the current row's peer group.
    fn peer_start(&self) -> Expr {
        match &self.order {
            None => lit(0i64),
            Some((k, _)) => {
                let first = position()
                    .eq(lit(0i64))
                    .or(k.clone().neq_missing(k.clone().shift(lit(1i64))));
                when(first)
                    .then(position())
                    .otherwise(null_of(DataType::Int64))
                    .fill_null_with_strategy(FillNullStrategy::Forward(None))
            }
        }
    }

    /// The position of the last row of the current row's peer group.
    fn peer_end(&self) -> Expr {
        match &self.order {
            None => rows() - lit(1i64),
            Some((k, _)) => {
                let last = position()
                    .eq(rows() - lit(1i64))
                    .or(k.clone().neq_missing(k.clone().shift(lit(-1i64))));
                when(last)
                    .then(position())
                    .otherwise(null_of(DataType::Int64))
                    .fill_null_with_strategy(FillNullStrategy::Backward(None))
            }
        }
    }

    /// Whether the frame holds no row.
    fn empty(&self) -> Expr {
        self.lo().gt(self.hi())
    }
}

/// The row's position in its sorted partition, from 0.
fn position() -> Expr {
    int_range(lit(0i64), len(), 1, DataType::Int64)
}

/// The number of rows of the partition.
fn rows() -> Expr {
    len().cast(DataType::Int64)
}

fn null_of(dtype: DataType) -> Expr {
    Expr::Literal(LiteralValue::untyped_null()).cast(dtype)
}

/// `x` at position `i` of the sorted partition (NULL where `i` is NULL, before the
/// first row or past the last). `i` is made one position per row even where it is one
/// for all (the partition's first row): Polars gathers one value per group for it then,
/// which it cannot combine with a row's own values.
fn at(x: Expr, i: Expr) -> Expr {
    let i = i + position() * lit(0i64);
    let inside = i.clone().gt_eq(lit(0i64)).and(i.clone().lt(rows()));
    let i = when(inside).then(i).otherwise(null_of(DataType::Int64));
    x.gather(i, true)
}

/// `total` at the frame's last row less `total` just before its first (0 before the
/// partition's start): the frame's part of a running total.
fn framed(total: Expr, w: &Window) -> Expr {
    let before = w.lo() - lit(1i64);
    let below = when(before.clone().lt(lit(0i64)))
        .then(lit(0))
        .otherwise(at(total.clone(), before));
    at(total, w.hi()) - below
}

impl Exprs<'_> {
    /// A window function call, bound over the window it names.
    pub(super) fn window(
        &mut self,
        f: &sqlparser::ast::Function,
        over: &WindowType,
    ) -> Bound<Expr> {
        let spec = window_spec(f, over)?;
        let (name, args) = window_args(f)?;
        let w = self.window_of(spec)?;
        // the arguments, bound over the level's rows (its groups, in a grouped level)
        let mut bound: Vec<(&SQLExpr, Expr)> = vec![];
        for a in args.iter().flatten() {
            bound.push((a, self.bind(a)?));
        }
        let arg = |k: usize| -> Bound<Expr> {
            match args.get(k).copied().flatten() {
                Some(e) => {
                    let x = bound
                        .iter()
                        .find(|(a, _)| std::ptr::eq(*a, e))
                        .map(|(_, x)| x.clone())
                        .expect("every argument is bound");
                    // a constant is a value per row (a function reads it at positions)
                    Ok(if super::expr::reads_no_column(e) {
                        repeat(x, len())
                    } else {
                        x
                    })
                }
                None => unbound(format!("* in {name}")),
            }
        };
        let n = args.len();
        let i = position;
        match name.as_str() {
            "ROW_NUMBER" if n == 0 => w.over(i() + lit(1i64)),
            "RANK" if n == 0 => match single_key(&w) {
                Some(k) => self.value_rank(&w, k),
                None => w.over(w.peer_start() + lit(1i64)),
            },
            "DENSE_RANK" if n == 0 => {
                let first = i().eq(w.peer_start()).cast(DataType::Int64);
                w.over(first.cum_sum(false))
            }
            "PERCENT_RANK" if n == 0 => {
                let r = w.peer_start().cast(DataType::Float64)
                    / (rows() - lit(1i64)).cast(DataType::Float64);
                w.over(when(rows().eq(lit(1i64))).then(lit(0.0)).otherwise(r))
            }
            "CUME_DIST" if n == 0 => w.over(
                (w.peer_end() + lit(1i64)).cast(DataType::Float64) / rows().cast(DataType::Float64),
            ),
            "NTILE" if n == 1 => {
                let b = positive_literal(args[0], "NTILE's number of groups")?;
                w.over(ntile(b))
            }
            "LAG" | "LEAD" if (1..=3).contains(&n) => {
                let k = match args.get(1).copied() {
                    None => 1,
                    Some(Some(e)) => match literal_number(e) {
                        Some(Num::Int(k)) => i64::try_from(k).map_err(|_| {
                            Unbound::Invalid(format!("{name}'s offset {k} is too large"))
                        })?,
                        _ => {
                            return unbound(format!(
                                "{name} with an offset that is not a whole number"
                            ))
                        }
                    },
                    Some(None) => return unbound(format!("* in {name}")),
                };
                let k = if name == "LAG" { k } else { -k };
                let x = arg(0)?;
                let shifted = x.shift(lit(k));
                Ok(match args.get(2).copied() {
                    None => w.over(shifted)?,
                    Some(_) => {
                        let from = i() - lit(k);
                        let inside = from.clone().gt_eq(lit(0i64)).and(from.lt(rows()));
                        w.over(when(inside).then(shifted).otherwise(arg(2)?))?
                    }
                })
            }
            // over the whole partition: the value at a place of it
            "FIRST_VALUE" if n == 1 && w.whole() => w.over(arg(0)?.first()),
            "LAST_VALUE" if n == 1 && w.whole() => w.over(arg(0)?.last()),
            "NTH_VALUE" if n == 2 && w.whole() => {
                let k = positive_literal(args[1], "NTH_VALUE's position")?;
                w.over(arg(0)?.get(lit(k - 1), true))
            }
            "FIRST_VALUE" if n == 1 => {
                let v = at(arg(0)?, w.lo());
                w.over(when(w.empty()).then(lit(NULL)).otherwise(v))
            }
            "LAST_VALUE" if n == 1 => {
                let v = at(arg(0)?, w.hi());
                w.over(when(w.empty()).then(lit(NULL)).otherwise(v))
            }
            "NTH_VALUE" if n == 2 => {
                let k = positive_literal(args[1], "NTH_VALUE's position")?;
                let p = w.lo() + lit(k - 1);
                let v = at(arg(0)?, p.clone());
                w.over(when(p.gt(w.hi())).then(lit(NULL)).otherwise(v))
            }
            _ if AGGREGATES.contains(&name.as_str()) => {
                let distinct = matches!(&f.args, FunctionArguments::List(l)
                    if l.duplicate_treatment == Some(sqlparser::ast::DuplicateTreatment::Distinct));
                if w.whole() {
                    let agg = self.aggregate_of(&name, &args, distinct, &[], None, Some(&bound))?;
                    return w.over(agg);
                }
                if distinct {
                    return unbound(format!(
                        "DISTINCT in {name} over a frame smaller than the partition"
                    ));
                }
                self.framed_aggregate(&w, &name, &args, &arg)
            }
            _ => unbound(format!("the window function {name}")),
        }
    }

    /// An aggregate over a frame smaller than the partition: COUNT, SUM, AVG, MIN, MAX.
    fn framed_aggregate(
        &self,
        w: &Window,
        name: &str,
        args: &[Option<&SQLExpr>],
        arg: &dyn Fn(usize) -> Bound<Expr>,
    ) -> Bound<Expr> {
        let schema = schema_of(self.scope);
        let rows_in_frame = || {
            let c = w.hi() - w.lo() + lit(1i64);
            when(c.clone().lt(lit(0i64))).then(lit(0i64)).otherwise(c)
        };
        // the number of values that are not NULL in the frame
        let counted = |x: Expr| framed(x.is_not_null().cast(DataType::Int64).cum_sum(false), w);
        match (name, args) {
            ("COUNT", [] | [None]) => w.over(rows_in_frame()),
            ("COUNT", [Some(e)]) if is_non_null_literal(e) => w.over(rows_in_frame()),
            ("COUNT", [Some(_)]) => w.over(counted(arg(0)?)),
            ("SUM" | "AVG", [Some(_)]) => {
                let x = arg(0)?;
                let (s, wide) = super::expr::summand(x.clone(), &schema);
                let total = framed(s.fill_null(lit(0)).cum_sum(false), w);
                let count = counted(x);
                let none = count.clone().eq(lit(0i64));
                let e = if name == "SUM" {
                    let total = if wide {
                        total.strict_cast(DataType::Int64)
                    } else {
                        total
                    };
                    when(none).then(lit(NULL)).otherwise(total)
                } else {
                    when(none).then(lit(NULL)).otherwise(
                        total.cast(DataType::Float64) / count.cast(DataType::Float64),
                    )
                };
                w.over(e)
            }
            ("MIN" | "MAX", [Some(_)]) => {
                let x = arg(0)?;
                let max = name == "MAX";
                let text = x
                    .clone()
                    .to_field(&schema)
                    .is_ok_and(|f| f.dtype.is_string());
                let e = match (w.start, w.end) {
                    // running from the partition's start (or, reversed, to its end)
                    (Edge::Unbounded, _) | (_, Edge::Unbounded) => {
                        let from_end = w.start != Edge::Unbounded;
                        let run = if text {
                            running_text(x, max, from_end)
                        } else {
                            let r = if max {
                                x.cum_max(from_end)
                            } else {
                                x.cum_min(from_end)
                            };
                            r.fill_null_with_strategy(if from_end {
                                FillNullStrategy::Backward(None)
                            } else {
                                FillNullStrategy::Forward(None)
                            })
                        };
                        let at_edge = if from_end {
                            at(run, w.lo())
                        } else {
                            at(run, w.hi())
                        };
                        when(w.empty()).then(lit(NULL)).otherwise(at_edge)
                    }
                    // a few rows around the current one: their values side by side
                    (Edge::Rows(a), Edge::Rows(b)) if b >= a && b - a < 64 => {
                        let vals: Vec<Expr> = (a..=b).map(|d| x.clone().shift(lit(-d))).collect();
                        if max {
                            polars::lazy::dsl::max_horizontal(vals)?
                        } else {
                            polars::lazy::dsl::min_horizontal(vals)?
                        }
                    }
                    (Edge::Rows(a), Edge::Rows(b)) if b < a => lit(NULL),
                    _ => {
                        return unbound(format!(
                            "{name} over this frame (budgetql computes MIN and MAX over frames that start at the partition's first row or end at its last, or that span up to 64 rows)"
                        ))
                    }
                };
                w.over(e)
            }
            _ => unbound(format!(
                "{name} over a frame smaller than the partition (budgetql computes COUNT, SUM, AVG, MIN and MAX over such frames; other aggregates over the whole partition)"
            )),
        }
    }

    /// RANK over one key, from the values: Polars ranks the values that are not NULL
    /// among themselves (a NULL's rank is NULL); the NULLs are one peer group, ranked
    /// after the others (NULLS LAST) or first, moving the others down by their number.
    fn value_rank(&self, w: &Window, k: &Key) -> Bound<Expr> {
        let r = k.e.clone().rank(
            RankOptions {
                method: RankMethod::Min,
                descending: !k.asc,
            },
            None,
        );
        let partition = |e: Expr| -> Bound<Expr> {
            if w.partition.is_empty() {
                Ok(e)
            } else {
                e.over(w.partition.clone()).map_err(Unbound::from)
            }
        };
        let values = partition(k.e.clone().count())?;
        let ranked = partition(r)?;
        Ok(if k.nulls_last {
            when(k.e.clone().is_null())
                .then(values + lit(1u32))
                .otherwise(ranked)
        } else {
            let nulls = partition(len())? - values;
            when(k.e.clone().is_null())
                .then(lit(1u32))
                .otherwise(ranked + nulls)
        })
    }

    /// The window of a call: its partition and keys bound, its frame read.
    fn window_of(&mut self, spec: &sqlparser::ast::WindowSpec) -> Bound<Window> {
        let mut partition = vec![];
        for p in &spec.partition_by {
            if !is_literal(p) {
                let e = self.bind(p)?;
                if !partition.contains(&e) {
                    partition.push(e);
                }
            }
        }
        let mut keys: Vec<Key> = vec![];
        for o in &spec.order_by {
            if is_literal(&o.expr) {
                continue;
            }
            let e = self.bind(&o.expr)?;
            if keys.iter().any(|k| k.e == e) {
                continue;
            }
            keys.push(Key {
                e,
                asc: o.options.asc.unwrap_or(true),
                nulls_last: !o.options.nulls_first.unwrap_or(false),
            });
        }
        let order = order(&keys);
        let (start, end) = frame(spec, order.is_some())?;
        Ok(Window {
            partition,
            order,
            keys,
            start,
            end,
        })
    }
}

/// The window's only key, when it has one and RANK can rank its values.
fn single_key(w: &Window) -> Option<&Key> {
    match w.keys.as_slice() {
        [k] => Some(k),
        _ => None,
    }
}

/// The keys as the one order Polars sorts a partition by (see the module's notes).
fn order(keys: &[Key]) -> Option<(Expr, SortOptions)> {
    let first = keys.first()?;
    if let [k] = keys {
        return Some((
            k.e.clone(),
            SortOptions::default()
                .with_order_descending(!k.asc)
                .with_nulls_last(k.nulls_last),
        ));
    }
    let asc = first.asc;
    let mut fields = vec![];
    for (j, k) in keys.iter().enumerate() {
        // ascending, a flag of 1 sorts last; descending, first
        let (null, other) = if asc == k.nulls_last { (1, 0) } else { (0, 1) };
        fields.push(
            when(k.e.clone().is_null())
                .then(lit(null))
                .otherwise(lit(other))
                .alias(format!("n{j}")),
        );
        let e = if k.asc == asc {
            k.e.clone()
        } else {
            k.e.clone().rank(
                RankOptions {
                    method: RankMethod::Dense,
                    descending: true,
                },
                None,
            )
        };
        fields.push(e.alias(format!("k{j}")));
    }
    Some((
        as_struct(fields),
        SortOptions::default().with_order_descending(!asc),
    ))
}

/// The frame's edges: the default is RANGE from the partition's start to the current
/// row's peers (the whole partition without ORDER BY).
fn frame(spec: &sqlparser::ast::WindowSpec, ordered: bool) -> Bound<(Edge, Edge)> {
    let Some(f) = &spec.window_frame else {
        return Ok((
            Edge::Unbounded,
            if ordered {
                Edge::PeerEnd
            } else {
                Edge::Unbounded
            },
        ));
    };
    let rows = match f.units {
        WindowFrameUnits::Rows => true,
        WindowFrameUnits::Range => false,
        WindowFrameUnits::Groups => return unbound("a GROUPS frame"),
    };
    let edge = |b: &WindowFrameBound, start: bool| -> Bound<Edge> {
        let offset = |e: &Option<Box<SQLExpr>>| -> Bound<Option<i64>> {
            match e.as_deref() {
                None => Ok(None),
                Some(_) if !rows => unbound(
                    "a RANGE frame with an offset (budgetql computes RANGE frames bounded by UNBOUNDED and CURRENT ROW, and ROWS frames with offsets)",
                ),
                Some(e) => match literal_number(e) {
                    Some(Num::Int(n)) if n >= 0 => i64::try_from(n)
                        .map(Some)
                        .map_err(|_| Unbound::Invalid(format!("the frame offset {n} is too large"))),
                    _ => Err(Unbound::Invalid(format!(
                        "a frame offset is a whole number of rows, 0 or more: `{e}`"
                    ))),
                },
            }
        };
        Ok(match b {
            WindowFrameBound::CurrentRow if rows => Edge::Rows(0),
            WindowFrameBound::CurrentRow if !ordered => Edge::Unbounded,
            WindowFrameBound::CurrentRow if start => Edge::PeerStart,
            WindowFrameBound::CurrentRow => Edge::PeerEnd,
            WindowFrameBound::Preceding(e) => match offset(e)? {
                None if start => Edge::Unbounded,
                None => {
                    return Err(Unbound::Invalid(
                        "a frame cannot end at UNBOUNDED PRECEDING".into(),
                    ))
                }
                Some(n) => Edge::Rows(-n),
            },
            WindowFrameBound::Following(e) => match offset(e)? {
                None if !start => Edge::Unbounded,
                None => {
                    return Err(Unbound::Invalid(
                        "a frame cannot start at UNBOUNDED FOLLOWING".into(),
                    ))
                }
                Some(n) => Edge::Rows(n),
            },
        })
    };
    let start = edge(&f.start_bound, true)?;
    let end = match &f.end_bound {
        Some(b) => edge(b, false)?,
        None => edge(&WindowFrameBound::CurrentRow, false)?,
    };
    Ok((start, end))
}

/// NTILE(b): the rows split into b groups as even as can be, the first ones a row larger.
fn ntile(b: i64) -> Expr {
    let (rn, n, b) = (position() + lit(1i64), rows(), lit(b));
    let q = n.clone() / b.clone();
    let r = n - b * q.clone();
    let big = q.clone() + lit(1i64);
    let small = when(q.clone().eq(lit(0i64))).then(lit(1i64)).otherwise(q);
    when(rn.clone().lt_eq(r.clone() * big.clone()))
        .then((rn.clone() - lit(1i64)) / big + lit(1i64))
        .otherwise((rn - lit(1i64) - r) / small + lit(1i64))
}

/// A positive whole number given as a literal.
fn positive_literal(e: Option<&SQLExpr>, what: &str) -> Bound<i64> {
    match e.map(literal_number) {
        Some(Some(Num::Int(k))) if k > 0 => {
            i64::try_from(k).map_err(|_| Unbound::Invalid(format!("{what} {k} is too large")))
        }
        _ => unbound(format!(
            "{what} given as anything but a positive whole number"
        )),
    }
}

/// The running MAX (`max`) or MIN of text, which Polars cannot accumulate: each value's
/// place among the partition's values sorted (its ordinal rank) is accumulated instead,
/// and the value at that place read back (NULL before the first value that is not
/// NULL). `from_end`: accumulated from the partition's last row back.
fn running_text(x: Expr, max: bool, from_end: bool) -> Expr {
    let place = x.clone().rank(
        RankOptions {
            method: RankMethod::Ordinal,
            descending: false,
        },
        None,
    ) - lit(1u32);
    let best = if max {
        place.cum_max(from_end)
    } else {
        place.cum_min(from_end)
    };
    let filled = best.fill_null_with_strategy(if from_end {
        FillNullStrategy::Backward(None)
    } else {
        FillNullStrategy::Forward(None)
    });
    x.sort(SortOptions::default().with_nulls_last(true))
        .gather(filled, true)
}

/// The window of a window function, when the binder binds it: an inline spec (named
/// windows are inlined before), no FILTER or null treatment.
fn window_spec<'w>(
    f: &sqlparser::ast::Function,
    over: &'w WindowType,
) -> Bound<&'w sqlparser::ast::WindowSpec> {
    let WindowType::WindowSpec(spec) = over else {
        return unbound("a named window");
    };
    if spec.window_name.is_some() {
        return unbound("a window that extends a named window");
    }
    if f.filter.is_some() {
        return unbound("FILTER in a window function");
    }
    if f.null_treatment.is_some() {
        return unbound("IGNORE NULLS or RESPECT NULLS");
    }
    if !f.within_group.is_empty() || !matches!(f.parameters, FunctionArguments::None) {
        return unbound("this window");
    }
    Ok(spec)
}

/// A window function's name and arguments (`None` for `*`).
fn window_args(f: &sqlparser::ast::Function) -> Bound<(String, Vec<Option<&SQLExpr>>)> {
    let Some(name) = function_name(f) else {
        return unbound("a qualified function");
    };
    let FunctionArguments::List(l) = &f.args else {
        if matches!(f.args, FunctionArguments::None) {
            return unbound("a window function without parentheses");
        }
        return unbound("a subquery argument");
    };
    if !l.clauses.is_empty() {
        return unbound("clauses in a window function");
    }
    let mut args: Vec<Option<&SQLExpr>> = vec![];
    for a in &l.args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(Some(e)),
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => args.push(None),
            _ => return unbound("a named or qualified argument"),
        }
    }
    Ok((name, args))
}
