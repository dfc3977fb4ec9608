//! Rules over budgetql's plan ([`Node`]) that compute the same answer another way,
//! faster: one file each, one list ([`RULES`]), applied bottom-up to every query level
//! as the binder finishes it (so a CTE's or derived table's plan is chosen before it is
//! lowered). A rule matches what a plan computes, never how the query was spelled.
//!
//! A new rule is a file here and one line in [`RULES`]; `EXPLAIN` shows the node a rule
//! chose, by name, in "budgetql plan".

use super::plan::Node;
use polars::prelude::LazyFrame;

mod value_counts;

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

/// One rule: its name, what it does, whether the session applies it, and its plan of a
/// node (whose inputs the rules have seen first): a frame with the node's answer, or None
/// when the node is not of its shape.
pub(crate) struct Rule {
    pub name: &'static str,
    pub what: &'static str,
    pub on: fn(&Settings) -> bool,
    pub plan: fn(&Node) -> Option<LazyFrame>,
}

/// Every rule, in the order it runs on a node.
pub(crate) const RULES: &[Rule] = &[Rule {
    name: "value_counts",
    what: "grouped MEDIAN/QUANTILE_CONT (with COUNT, SUM, AVG, MIN, MAX of the same column) from value counts",
    on: |s| s.value_counts,
    plan: value_counts::from_value_counts,
}];

/// The plan with every rule the session applies, inputs first; a node a rule plans is
/// kept under the rule's frame, for EXPLAIN.
pub(crate) fn apply(node: Node, settings: &Settings) -> Node {
    let mut node = node.map_inputs(&mut |n| apply(n, settings));
    for r in RULES.iter().filter(|r| (r.on)(settings)) {
        if let Some(lf) = (r.plan)(&node) {
            node = Node::Combined {
                what: format!("RULE {}: {}", r.name, r.what),
                inputs: vec![node],
                lf,
            };
        }
    }
    node
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
