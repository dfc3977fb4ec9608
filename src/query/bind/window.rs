//! Window functions, as polars-sql computes them.

use super::expr::{is_non_null_literal, literal_number, Num};
use super::*;

impl Exprs<'_> {
    /// A window function (in a query level without GROUP BY), as polars-sql computes it:
    /// over its partition, ordered by its ORDER BY (one direction for every key), an
    /// aggregate with ORDER BY as a running one (`cum_sum` …), ROWS frames from the start
    /// only.
    pub(super) fn window(
        &mut self,
        f: &sqlparser::ast::Function,
        over: &WindowType,
    ) -> Bound<Expr> {
        if self.grouping.is_some() {
            return unbound("a window in a grouped query");
        }
        let spec = window_spec(f, over)?;
        let (name, args) = window_args(f)?;
        let mut partition = vec![];
        for p in &spec.partition_by {
            if has_aggregate(p) {
                return unbound("an aggregate in PARTITION BY");
            }
            partition.push(self.bind(p)?);
        }
        let mut order = vec![];
        let desc = spec
            .order_by
            .first()
            .is_some_and(|o| !o.options.asc.unwrap_or(true));
        for o in &spec.order_by {
            if o.options.asc.unwrap_or(true) == desc {
                return unbound("mixed directions in a window's ORDER BY");
            }
            if has_aggregate(&o.expr) {
                return unbound("an aggregate in a window's ORDER BY");
            }
            order.push(self.bind(&o.expr)?);
        }
        let sorted = !order.is_empty();
        let opts = SortOptions::default().with_order_descending(desc);
        let err = Unbound::from;
        // the function over its window: `spec` applies the partition and the order
        let spec = |x: Expr, partition: Vec<Expr>, order: Vec<Expr>| -> Bound<Expr> {
            match (partition.is_empty(), order.is_empty()) {
                (true, true) => Ok(x),
                (false, true) => x.over(partition).map_err(err),
                (_, false) => x
                    .over_with_options(
                        (!partition.is_empty()).then_some(partition),
                        Some((order, opts)),
                        Default::default(),
                    )
                    .map_err(err),
            }
        };
        let schema = schema_of(self.scope);
        let mut arg = |k: usize| -> Bound<Expr> {
            match args.get(k).copied().flatten() {
                Some(e) if !has_aggregate(e) => self.bind(e),
                _ => unbound(format!("this use of {name}")),
            }
        };
        let running = |x: Expr, cum: fn(Expr, bool) -> Expr| -> Bound<Expr> {
            cum(x, false)
                .fill_null_with_strategy(FillNullStrategy::Forward(None))
                .over_with_options(
                    (!partition.is_empty()).then(|| partition.clone()),
                    Some((order.clone(), opts)),
                    Default::default(),
                )
                .map_err(err)
        };
        let n = args.len();
        match name.as_str() {
            "ROW_NUMBER" if n == 0 => spec(
                int_range(lit(0i64), len(), 1, DataType::UInt32) + lit(1u32),
                partition,
                order,
            ),
            "RANK" | "DENSE_RANK" if n == 0 && sorted => {
                let r = rank(&order, name == "DENSE_RANK", desc);
                spec(r, partition, order)
            }
            "COUNT" if sorted && n <= 1 => match args.first().copied() {
                None | Some(None) => spec(
                    int_range(lit(0), len(), 1, DataType::Int64) + lit(1),
                    partition,
                    order,
                ),
                Some(Some(e)) if is_non_null_literal(e) => spec(
                    int_range(lit(0), len(), 1, DataType::Int64) + lit(1),
                    partition,
                    order,
                ),
                Some(Some(_)) => running(arg(0)?, |x, r| x.cum_count(r)),
            },
            "COUNT" if n <= 1 => {
                let c = match args.first().copied() {
                    None | Some(None) => len(),
                    Some(Some(e)) if is_non_null_literal(e) => len(),
                    Some(Some(_)) => arg(0)?.count(),
                };
                spec(c, partition, order)
            }
            "SUM" if n == 1 && sorted => {
                // integers summed in 128 bits, read back strictly (see `summand`)
                let (x, wide) = super::expr::summand(arg(0)?, &schema);
                let s = running(x, |x, r| x.cum_sum(r))?;
                Ok(if wide {
                    s.strict_cast(DataType::Int64)
                } else {
                    s
                })
            }
            "MIN" | "MAX" if n == 1 && sorted => {
                let x = arg(0)?;
                let text = x
                    .clone()
                    .to_field(&schema)
                    .is_ok_and(|f| f.dtype.is_string());
                running(
                    x,
                    match (name.as_str(), text) {
                        ("MIN", false) => |x, r| x.cum_min(r),
                        ("MIN", true) => |x, _| running_text(x, false),
                        (_, false) => |x, r| x.cum_max(r),
                        (_, true) => |x, _| running_text(x, true),
                    },
                )
            }
            "SUM" | "MIN" | "MAX" | "AVG" | "MEDIAN" | "FIRST_VALUE" if n == 1 => {
                let x = arg(0)?;
                let a = match name.as_str() {
                    "SUM" => super::expr::sql_sum(x, &schema),
                    "MIN" => x.min(),
                    "MAX" => x.max(),
                    "AVG" => x.mean(),
                    "MEDIAN" => self.median(x, 0.5)?,
                    _ => x.first(),
                };
                spec(a, partition, order)
            }
            "LAST_VALUE" if n == 1 => arg(0),
            "LAG" | "LEAD" if sorted && (n == 1 || n == 2) => {
                let sign: i64 = if name == "LAG" { 1 } else { -1 };
                let k = lag_offset(args.get(1).copied())?;
                let x = arg(0)?.shift((sign * k).into());
                spec(x, partition, order)
            }
            _ => unbound(format!("the window function {name}")),
        }
    }
}

/// The running MAX (`max`) or MIN of text, which Polars cannot accumulate: each value's
/// place among the window's values sorted (its ordinal rank) is accumulated instead, and
/// the value at that place read back (NULL before the first value that is not NULL).
fn running_text(x: Expr, max: bool) -> Expr {
    let place = x.clone().rank(
        RankOptions {
            method: RankMethod::Ordinal,
            descending: false,
        },
        None,
    ) - lit(1u32);
    let best = if max {
        place.cum_max(false)
    } else {
        place.cum_min(false)
    };
    x.sort(SortOptions::default().with_nulls_last(true)).gather(
        best.fill_null_with_strategy(FillNullStrategy::Forward(None)),
        true,
    )
}

/// RANK (DENSE_RANK with `dense`) of the rows by the window's order keys.
fn rank(order: &[Expr], dense: bool, descending: bool) -> Expr {
    let method = if dense {
        RankMethod::Dense
    } else {
        RankMethod::Min
    };
    let by = match order {
        [k] => k.clone(),
        _ => as_struct(order.to_vec()),
    };
    by.rank(RankOptions { method, descending }, None)
}

/// The window of a window function, when the binder binds it: an inline spec, no
/// FILTER or null treatment, a ROWS frame from the partition's start if any.
fn window_spec<'w>(
    f: &sqlparser::ast::Function,
    over: &'w WindowType,
) -> Bound<&'w sqlparser::ast::WindowSpec> {
    let WindowType::WindowSpec(spec) = over else {
        return unbound("a named window");
    };
    if spec.window_name.is_some()
        || f.filter.is_some()
        || f.null_treatment.is_some()
        || !f.within_group.is_empty()
        || !matches!(f.parameters, FunctionArguments::None)
    {
        return unbound("this window");
    }
    if let Some(frame) = &spec.window_frame {
        let from_start = frame.units == WindowFrameUnits::Rows
            && matches!(frame.start_bound, WindowFrameBound::Preceding(None))
            && matches!(frame.end_bound, None | Some(WindowFrameBound::CurrentRow));
        if !from_start {
            return unbound("this window frame");
        }
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
    if !l.clauses.is_empty() || l.duplicate_treatment.is_some() {
        return unbound("DISTINCT or clauses in a window function");
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

/// LAG/LEAD's offset: 1, or a positive integer literal.
fn lag_offset(arg: Option<Option<&SQLExpr>>) -> Bound<i64> {
    match arg {
        None => Ok(1),
        Some(Some(e)) => match literal_number(e) {
            Some(Num::Int(k)) if k > 0 => {
                i64::try_from(k).map_err(|_| Unbound::Construct("this LAG/LEAD offset".into()))
            }
            _ => unbound("this LAG/LEAD offset"),
        },
        Some(None) => unbound("this LAG/LEAD offset"),
    }
}
