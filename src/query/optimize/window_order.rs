//! The order of a window, as little as its answer needs:
//!
//! - **`RANK() OVER (… ORDER BY k)`** is `k.rank().over(…)` without `order_by`: Polars
//!   sorts every partition by `k` before ranking, but a rank depends on the values, not
//!   on the rows' order.
//! - **A window ordered by one key and its NULL-placement flag** (`windows.rs` puts
//!   `CASE WHEN k IS NULL THEN 1 ELSE 0 END` before the key so NULLs sort where SQL puts
//!   them) is ordered by a struct, which Polars sorts by row encoding, partition by
//!   partition. It is `k` alone with `nulls_last` set as the flag placed them. The flag is
//!   inline or a `__wn…` column `windows.rs` added under the FROM item, found by its
//!   definition in the plan below (used only when the plan defines that name once).

use super::{int_lit, rewrite_exprs, Context};
use crate::query::plan::Node;
use polars::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The prefix of the NULL-placement columns `windows.rs` adds.
const FLAG_COLUMN: &str = "__wn";

/// NULL-placement flag columns by name: the key they flag and whether NULL's flag is the
/// higher value; None for a name defined more than once (not used).
type Flags = HashMap<PlSmallStr, Option<(Expr, bool)>>;

pub(super) fn window_order(node: Node, _: &Context) -> Result<Node, Node> {
    let reads_windows = node
        .exprs()
        .iter()
        .any(|e| e.into_iter().any(|n| matches!(n, Expr::Over { .. })));
    if !reads_windows {
        return Err(node);
    }
    let mut flags = Flags::new();
    collect_flags(&node, &mut flags);
    rewrite_exprs(node, &|e| ordered(e, &flags))
}

/// Every `flag(k) AS __wn…` the plan defines, at this node and below it.
fn collect_flags(node: &Node, out: &mut Flags) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        for d in n.exprs() {
            if let Expr::Alias(e, name) = d {
                if name.starts_with(FLAG_COLUMN) {
                    let flag = inline_flag(e);
                    out.entry(name.clone())
                        .and_modify(|f| *f = None)
                        .or_insert(flag);
                }
            }
        }
        stack.extend(n.inputs());
    }
}

/// A window's order, as little as its answer needs.
fn ordered(e: Expr, flags: &Flags) -> Expr {
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
            let order_by = Some(match flagged_key(&key, flags) {
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
        e => e,
    })
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

/// `as_struct([flag, k])` where the flag is `when(k.is_null()).then(a).otherwise(b)` with
/// integer literals `a != b`, inline or as a flag column: `k`, and whether the NULLs'
/// flag is the higher value.
fn flagged_key(e: &Expr, flags: &Flags) -> Option<(Expr, bool)> {
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
        Expr::Column(name) => flags.get(name)?.clone()?,
        e => inline_flag(e)?,
    };
    (flagged == *k).then_some((flagged, high))
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

    fn flags(list: &[(&str, Option<(Expr, bool)>)]) -> Flags {
        list.iter()
            .map(|(n, f)| (PlSmallStr::from(*n), f.clone()))
            .collect()
    }

    #[test]
    fn a_rank_is_not_sorted_first() {
        let t = flags(&[]);
        let k = col("budget");
        let r = RankOptions {
            method: RankMethod::Min,
            descending: true,
        };
        let e = ordered(over(k.clone().rank(r, None), k.clone(), true), &t);
        assert_eq!(order_of(&e), None);
        // ranking one expression ordered by another keeps its order (not a rank of the key)
        let e = ordered(over(k.clone().rank(r, None), col("other"), true), &t);
        assert!(order_of(&e).is_some());
        // a ROW_NUMBER-like function depends on the order: kept
        let e = ordered(over(k.clone().shift(lit(1)), k, false), &t);
        assert!(order_of(&e).is_some());
    }

    #[test]
    fn a_flagged_key_becomes_the_key_with_its_nulls_placed() {
        let k = col("year");
        let t = flags(&[("__wn1", Some((k.clone(), true)))]);
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
            let (key, opts) =
                order_of(&ordered(over(f.clone(), order, desc), &t)).expect("ordered");
            assert_eq!(key, k);
            assert_eq!((opts.descending, opts.nulls_last), (desc, last));
        }
    }

    #[test]
    fn anything_else_keeps_its_struct() {
        let k = col("year");
        let t = flags(&[("__wn1", None), ("__wn2", Some((col("other"), true)))]);
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
            let e = ordered(over(f.clone(), order.clone(), false), &t);
            assert_eq!(order_of(&e).map(|(k, _)| k), Some(order));
        }
    }
}
