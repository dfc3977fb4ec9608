//! A grouped `SUM(x)` over a column that holds no NULL where the group-by reads it (a
//! warehouse scan the manifest records without NULLs in that column, or an in-memory
//! frame without any, reached through filters and projections that pass it) is the bare
//! `x.sum()`: a group has rows, so its SUM is NULL only when they all are NULL, which
//! such a column never is. (Without keys, SUM over no rows is NULL: left alone.)

use super::sum_guard::guarded_sum;
use super::{passed, Context};
use crate::query::plan::Node;
use polars::prelude::*;

pub(super) fn null_free_sums(node: Node, cx: &Context) -> Result<Node, Node> {
    let Node::Aggregate {
        input,
        keys,
        aggs,
        calls,
    } = node
    else {
        return Err(node);
    };
    let sums: Vec<Expr> = if keys.is_empty() {
        aggs.clone()
    } else {
        aggs.iter()
            .map(|a| plain_sum(a, &input, cx).unwrap_or_else(|| a.clone()))
            .collect()
    };
    let changed = sums != aggs;
    let node = Node::Aggregate {
        input,
        keys,
        aggs: sums,
        calls,
    };
    if changed {
        Ok(node)
    } else {
        Err(node)
    }
}

/// SQL's `SUM(c)` (`c.sum()` guarded by a count, possibly named) as the bare `c.sum()`
/// when `c` holds no NULL where the group-by reads it.
fn plain_sum(agg: &Expr, input: &Node, cx: &Context) -> Option<Expr> {
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
    if !matches!(null, Expr::Literal(v) if v.is_null()) || !without_nulls(input, c, cx) {
        return None;
    }
    let sum = truthy.as_ref().clone();
    Some(match name {
        Some(n) => sum.alias(n.clone()),
        None => sum,
    })
}

/// Column `c` of the node's output holds no NULL: it is passed down unchanged (filters,
/// sorts, projections naming it, subqueries) to a warehouse scan recorded without NULLs
/// in it, or to an in-memory frame without any. Anything else (a join, a computed
/// column, an unknown scan) may bring NULLs.
fn without_nulls(node: &Node, c: &str, cx: &Context) -> bool {
    match node {
        Node::Filter { input, .. }
        | Node::Sort { input, .. }
        | Node::Slice { input, .. }
        | Node::Subquery { input, .. } => without_nulls(input, c, cx),
        Node::Project { exprs, input } => match passed(exprs, c) {
            Some(Some(from)) => without_nulls(input, &from, cx),
            _ => false,
        },
        Node::With { exprs, input } => match passed(exprs, c) {
            Some(Some(from)) => without_nulls(input, &from, cx),
            // not among the added columns (each named): the input's
            None if exprs
                .iter()
                .all(|e| matches!(e, Expr::Column(_) | Expr::Alias(..))) =>
            {
                without_nulls(input, c, cx)
            }
            _ => false,
        },
        Node::Frame { lf, .. } => scan_without_nulls(&lf.logical_plan, c, cx),
        _ => false,
    }
}

/// A relation's frame: a warehouse scan the manifest records without NULLs in `c`, or an
/// in-memory frame without any (through the projections and filters of a view).
fn scan_without_nulls(p: &DslPlan, c: &str, cx: &Context) -> bool {
    match p {
        DslPlan::Filter { input, .. }
        | DslPlan::Sort { input, .. }
        | DslPlan::Slice { input, .. }
        | DslPlan::Cache { input, .. } => scan_without_nulls(input, c, cx),
        DslPlan::IR { dsl, .. } => scan_without_nulls(dsl, c, cx),
        DslPlan::Select { expr, input, .. } => match passed(expr, c) {
            Some(Some(from)) => scan_without_nulls(input, &from, cx),
            _ => false,
        },
        DslPlan::Scan { sources, .. } => sources.first_path().is_some_and(|f| {
            cx.null_free
                .get(f.as_str())
                .is_some_and(|cols| cols.contains(c))
        }),
        DslPlan::DataFrameScan { df, .. } => df.column(c).is_ok_and(|col| col.null_count() == 0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grouped_sum_of_a_column_without_nulls_is_the_bare_sum() {
        let cx = Context::default();
        let df = df!("k" => [1, 1, 2], "x" => [Some(1i64), Some(2), Some(3)], "y" => [Some(1i64), None, None])
            .expect("frame");
        let scan = || Node::Frame {
            name: "t".into(),
            lf: df.clone().lazy(),
        };
        let sql_sum = |c: &str| {
            when(col(c).count().gt(lit(0)))
                .then(col(c).sum())
                .otherwise(lit(NULL))
                .alias("s")
        };
        assert_eq!(
            plain_sum(&sql_sum("x"), &scan(), &cx),
            Some(col("x").sum().alias("s"))
        );
        // a column with NULLs keeps the test (group 2 of y is all NULL: its SUM is NULL)
        assert_eq!(plain_sum(&sql_sum("y"), &scan(), &cx), None);
        // through a filter and a projection passing x under another name
        let renamed = Node::Project {
            exprs: vec![
                col("k"),
                col("x").alias("z"),
                (col("x") + lit(1)).alias("w"),
            ],
            input: Box::new(Node::Filter {
                input: Box::new(scan()),
                predicate: col("k").gt(lit(0)),
            }),
        };
        assert!(without_nulls(&renamed, "z", &cx));
        // a computed column, a column the projection does not have: unknown
        assert!(!without_nulls(&renamed, "w", &cx));
        assert!(!without_nulls(&renamed, "x", &cx));
        let stacked = Node::With {
            input: Box::new(scan()),
            exprs: vec![col("x") * lit(2)],
        };
        // an unnamed item added beside the input may replace x
        assert!(!without_nulls(&stacked, "x", &cx));
        // a warehouse scan is known only by its recorded columns
        let unknown = Node::Frame {
            name: "t".into(),
            lf: LazyFrame::default(),
        };
        assert!(!without_nulls(&unknown, "x", &cx));
    }
}
