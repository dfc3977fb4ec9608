//! A window a projection computes more than once (`(x - LAG(x) OVER w) / LAG(x) OVER w`;
//! Polars' own common-subexpression pass leaves windows alone, and the binder's plans run
//! without it) is computed once, as a column added below the projection (rows are the
//! same: a window keeps its frame's rows), and read by name where it stood.

use super::Context;
use crate::query::plan::Node;
use polars::prelude::*;

/// The prefix of the columns holding a window a projection computed more than once.
const LIFTED_WINDOW: &str = "__budgetql_window_";

pub(super) fn repeated_windows(node: Node, _: &Context) -> Result<Node, Node> {
    match node {
        Node::Project { input, exprs } => match lift(&exprs) {
            Some((exprs, lifted, _)) => Ok(Node::Project {
                input: Box::new(Node::With {
                    input,
                    exprs: lifted,
                }),
                exprs,
            }),
            None => Err(Node::Project { input, exprs }),
        },
        Node::With { input, exprs } => match lift(&exprs) {
            // the columns added below are not this node's: dropped after it
            Some((exprs, lifted, names)) => Ok(Node::Project {
                input: Box::new(Node::With {
                    input: Box::new(Node::With {
                        input,
                        exprs: lifted,
                    }),
                    exprs,
                }),
                exprs: vec![all().exclude_cols(names).as_expr()],
            }),
            None => Err(Node::With { input, exprs }),
        },
        other => Err(other),
    }
}

/// The projection reading its repeated windows by name, the windows named, and their
/// names; None when no window repeats.
fn lift(exprs: &[Expr]) -> Option<(Vec<Expr>, Vec<Expr>, Vec<PlSmallStr>)> {
    let windows = repeated(exprs);
    if windows.is_empty() {
        return None;
    }
    let names: Vec<PlSmallStr> = (1..=windows.len())
        .map(|i| format!("{LIFTED_WINDOW}{i}").into())
        .collect();
    let exprs = exprs
        .iter()
        .map(|e| {
            e.clone()
                .map_expr(|n| match windows.iter().position(|w| *w == n) {
                    Some(i) => Expr::Column(names[i].clone()),
                    None => n,
                })
        })
        .collect();
    let lifted = windows
        .into_iter()
        .zip(&names)
        .map(|(w, n)| w.alias(n.clone()))
        .collect();
    Some((exprs, lifted, names))
}

/// The window expressions a projection computes more than once, none inside another
/// window.
fn repeated(exprs: &[Expr]) -> Vec<Expr> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn over(f: Expr, order: Expr) -> Expr {
        Expr::Over {
            function: Arc::new(f),
            partition_by: vec![col("p")],
            order_by: Some((Arc::new(order), SortOptions::default())),
            mapping: Default::default(),
        }
    }

    #[test]
    fn a_window_written_twice_is_computed_once() {
        let w = over(col("b").shift(lit(1)), col("y"));
        let other = over(col("b").shift(lit(2)), col("y"));
        let exprs = vec![
            (col("b") - w.clone()).alias("d"),
            w.clone().alias("l"),
            other.clone().alias("o"),
        ];
        assert_eq!(repeated(&exprs), vec![w.clone()]);
        let (read, lifted, names) = lift(&exprs).expect("lifted");
        assert_eq!(names, vec![PlSmallStr::from("__budgetql_window_1")]);
        let by_name = col("__budgetql_window_1");
        assert_eq!(
            read,
            vec![
                (col("b") - by_name.clone()).alias("d"),
                by_name.alias("l"),
                other.clone().alias("o")
            ]
        );
        assert_eq!(lifted, vec![w.clone().alias("__budgetql_window_1")]);
        // a window also evaluated inside another window's groups stays where it is
        let nested = over(w.clone().sum(), col("y"));
        assert!(repeated(&[w.clone(), w.clone(), nested]).is_empty());
        assert!(repeated(&[w, other]).is_empty());
    }

    #[test]
    fn columns_lifted_beside_a_with_are_dropped_after_it() {
        let df = df!("p" => [1, 1, 2], "b" => [1i64, 2, 3], "y" => [1, 2, 3]).expect("frame");
        let w = over(col("b").shift(lit(1)), col("y"));
        let node = Node::With {
            input: Box::new(Node::Frame {
                name: "t".into(),
                lf: df.lazy(),
            }),
            exprs: vec![(col("b") - w.clone()).alias("d"), w.alias("l")],
        };
        let Ok(lifted) = repeated_windows(node, &Context::default()) else {
            panic!("lifted")
        };
        let out = lifted.lower().collect().expect("runs");
        let names: Vec<String> = out
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, vec!["p", "b", "y", "d", "l"]);
    }
}
