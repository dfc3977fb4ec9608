//! Rules over budgetql's plan ([`Node`]) that compute the same answer another way,
//! faster: one file each, one list ([`RULES`]), applied bottom-up to every query level
//! as the binder finishes it (so a CTE's or derived table's plan is chosen before it is
//! lowered). A rule matches what a plan computes — the binder's nodes and Polars
//! expressions — never how the query was spelled, and keeps the answer on every input
//! (each file says why).
//!
//! A new rule is a file here and one line in [`RULES`]. `EXPLAIN` lists the rules that
//! changed the plan (`(plan rule top_n: …)`), and shows a node a rule planned as a whole
//! (`RULE value_counts: …`) above the node it replaced.

use super::plan::Node;
use polars::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod null_free_sums;
mod repeated_windows;
mod sum_guard;
mod top_n;
mod value_counts;

/// The columns of each warehouse table that hold no NULL, keyed by the first file its
/// scan reads (`store::null_free_columns`).
pub type NullFree = Arc<HashMap<String, HashSet<String>>>;

/// Which rules a session applies (each can be turned off, to compare with the general
/// plan).
#[derive(Debug, Clone)]
pub struct Settings {
    /// grouped MEDIAN/QUANTILE_CONT from value counts ([`value_counts`])
    pub value_counts: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { value_counts: true }
    }
}

/// What the rules know beside the plan, and which of them changed it.
#[derive(Default)]
pub struct Context {
    pub settings: Settings,
    pub null_free: NullFree,
    applied: RefCell<Vec<&'static Rule>>,
}

impl Context {
    pub fn new(settings: Settings, null_free: NullFree) -> Context {
        Context {
            settings,
            null_free,
            applied: RefCell::default(),
        }
    }

    /// The rules that changed a plan, each once, as EXPLAIN lists them.
    pub fn applied(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for r in self.applied.borrow().iter() {
            let line = format!("(plan rule {}: {})", r.name, r.what);
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
    }
}

/// One rule: its name, what it does, whether the session applies it, and the rewrite of
/// one node whose inputs the rules have seen: `Ok` with the new node when it changed it,
/// `Err` with the node as it was otherwise.
pub(crate) struct Rule {
    pub name: &'static str,
    pub what: &'static str,
    pub on: fn(&Settings) -> bool,
    pub apply: fn(Node, &Context) -> Result<Node, Node>,
}

/// Every rule, in the order it runs on a node.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        name: "value_counts",
        what: "grouped MEDIAN/QUANTILE_CONT (with COUNT, SUM, AVG, MIN, MAX of the same column) from value counts",
        on: |s| s.value_counts,
        apply: value_counts::value_counts,
    },
    Rule {
        name: "sum_guard",
        what: "SQL's SUM (NULL over no value) tested by one count",
        on: |_| true,
        apply: sum_guard::sum_guard,
    },
    Rule {
        name: "null_free_sums",
        what: "a grouped SUM of a column without NULLs as the bare sum",
        on: |_| true,
        apply: null_free_sums::null_free_sums,
    },
    Rule {
        name: "top_n",
        what: "RANK() … <= N from the partition's N-th value",
        on: |_| true,
        apply: top_n::top_n,
    },
    Rule {
        name: "repeated_windows",
        what: "a window a projection computes more than once computed once, below it",
        on: |_| true,
        apply: repeated_windows::repeated_windows,
    },
];

/// The plan with every rule the session applies, inputs first.
pub(crate) fn apply(node: Node, cx: &Context) -> Node {
    let mut node = node.map_inputs(&mut |n| apply(n, cx));
    for r in RULES.iter().filter(|r| (r.on)(&cx.settings)) {
        node = match (r.apply)(node, cx) {
            Ok(n) => {
                cx.applied.borrow_mut().push(r);
                n
            }
            Err(n) => n,
        };
    }
    node
}

/// A node's own expressions each rewritten by `f`: `Ok` when one changed.
fn rewrite_exprs(node: Node, f: &dyn Fn(Expr) -> Expr) -> Result<Node, Node> {
    let mut changed = false;
    let node = node.map_exprs(&mut |e| {
        let new = f(e.clone());
        changed |= new != e;
        new
    });
    if changed {
        Ok(node)
    } else {
        Err(node)
    }
}

/// An integer literal's value.
fn int_lit(e: &Expr) -> Option<i64> {
    match e {
        Expr::Literal(v) => v.extract_i64().ok(),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_named_once() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(!RULES[..i].iter().any(|p| p.name == r.name), "{}", r.name);
            assert!(!r.what.is_empty());
        }
    }
}
