//! SQL's `SUM(x)` is NULL over no value: the binder writes it `x.sum()` guarded by
//! `x.null_count() < x.len()`, three reductions per group. `x.count() > 0` (the non-NULL
//! count) is the same condition in one.

use super::{int_lit, rewrite_exprs, Context};
use crate::query::plan::Node;
use polars::prelude::*;
use std::sync::Arc;

pub(super) fn sum_guard(node: Node, _: &Context) -> Result<Node, Node> {
    rewrite_exprs(node, &|e| {
        e.map_expr(|e| match e {
            Expr::Ternary {
                predicate,
                truthy,
                falsy,
            } => Expr::Ternary {
                predicate: match guarded_sum(&predicate, &truthy) {
                    Some(x) if !is_count_guard(&predicate) => {
                        Arc::new(x.clone().count().gt(lit(0)))
                    }
                    _ => predicate,
                },
                truthy,
                falsy,
            },
            e => e,
        })
    })
}

/// `x.count() > 0`.
fn is_count_guard(p: &Expr) -> bool {
    matches!(p, Expr::BinaryExpr { op: Operator::Gt, left, .. }
        if matches!(left.as_ref(), Expr::Agg(AggExpr::Count { include_nulls: false, .. })))
}

/// SQL's SUM as the binder writes it, `x.sum()` guarded by `x.null_count() < x.len()`,
/// or as this rule rewrites the guard, `x.count() > 0`: `x`.
pub(super) fn guarded_sum<'a>(predicate: &'a Expr, truthy: &'a Expr) -> Option<&'a Expr> {
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

    #[test]
    fn sql_sum_counts_values_once() {
        let x = col("budget");
        let sql_sum = when(x.clone().null_count().lt(x.clone().len()))
            .then(x.clone().sum())
            .otherwise(lit(NULL));
        let want = when(x.clone().count().gt(lit(0)))
            .then(x.clone().sum())
            .otherwise(lit(NULL));
        let node = |e: Expr| Node::Project {
            input: Box::new(Node::Frame {
                name: "t".into(),
                lf: LazyFrame::default(),
            }),
            exprs: vec![e],
        };
        let cx = Context::default();
        let Ok(Node::Project { exprs, .. }) = sum_guard(node(sql_sum), &cx) else {
            panic!("rewritten")
        };
        assert_eq!(exprs, vec![want.clone()]);
        // once rewritten, nothing changes; the guard of another column's sum stays
        assert!(sum_guard(node(want), &cx).is_err());
        let other = when(x.clone().null_count().lt(x.clone().len()))
            .then(col("y").sum())
            .otherwise(lit(NULL));
        assert!(sum_guard(node(other), &cx).is_err());
    }
}
