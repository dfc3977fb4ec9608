//! The rules that rewrite a parsed query before the budget extensions are lowered and the
//! query is bound: one list, [`RULES`], run in its order by [`apply`]. Each rule is a
//! function over the query's syntax tree that keeps its answer and makes it one the
//! binder (or polars-sql, for what the binder leaves) answers as SQL does; a rule that
//! cannot keep the answer refuses the query with a located message.
//!
//! A new rule is a file under `rules/` and one line in [`RULES`] (what the rules share
//! over the syntax tree is in `syntax.rs`). `EXPLAIN` lists the rules that changed the
//! query.
//!
//! The rules still work on the syntax tree and `rewrite.rs` (the extensions) on SQL text;
//! the planner issue moves them onto the plan ([`super::plan::Node`]).

use crate::query::rewrite::RewriteError;
use sqlparser::ast::{Ident, ObjectNamePart, Query as SQLQuery, Select, TableFactor};

mod comma_joins;
mod correlated_in;
mod count_names;
mod exists_outer_terms;
mod having_without_group_by;
mod join_conditions;
mod membership;
mod order_by_aggregates;
mod outer_names;
mod plain_expressions;
mod row_values;
mod select_list;
mod star_options;
mod subqueries;
mod syntax;
mod ungrouped_columns;

pub(crate) use syntax::each_select;

/// What a rule may ask about the relations a query reads.
pub(crate) struct Context<'a> {
    /// the columns of a relation (table, view, session table, CTE of the session) by name
    pub columns: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

/// One rule: its name, what it does (one line), and the rewrite.
pub(crate) struct Rule {
    pub name: &'static str,
    pub what: &'static str,
    pub apply: fn(&mut SQLQuery, &Context) -> Result<(), RewriteError>,
}

/// Every rule, in the order it runs.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        name: "outer_names",
        what: "a bare name in a subquery that only an enclosing query's table has, qualified",
        apply: |q, cx| {
            outer_names::outer_names(q, cx.columns);
            Ok(())
        },
    },
    Rule {
        name: "comma_joins",
        what: "FROM t1, t2, … joined on the WHERE equalities between them",
        apply: |q, cx| comma_joins::comma_joins(q, cx.columns),
    },
    Rule {
        name: "membership",
        what: "x IN / op ANY / op ALL (SELECT …) outside WHERE as counts, with SQL's NULLs",
        apply: |q, cx| membership::in_subqueries(q, cx.columns),
    },
    Rule {
        name: "order_by_aggregates",
        what: "ORDER BY an aggregate of the SELECT list orders by that item",
        apply: |q, _| {
            order_by_aggregates::order_by_items(q);
            Ok(())
        },
    },
    Rule {
        name: "select_list",
        what: "GROUP BY ALL listed; a second output of one name named `_2`",
        apply: |q, _| each_select(q, &mut select_list::select_list),
    },
    Rule {
        name: "ungrouped_columns",
        what: "a column neither grouped nor aggregated refused where it stands",
        apply: |q, _| each_select(q, &mut ungrouped_columns::ungrouped_columns),
    },
    Rule {
        name: "star_options",
        what: "SELECT * over USING joins, EXCLUDE (t.col)",
        apply: |q, _| each_select(q, &mut star_options::star_options),
    },
    Rule {
        name: "having_without_group_by",
        what: "HAVING without GROUP BY: one group",
        apply: |q, _| each_select(q, &mut having_without_group_by::having_without_group_by),
    },
    Rule {
        name: "join_conditions",
        what: "JOIN … ON terms other than key equalities: filters before or after the join",
        apply: |q, _| each_select(q, &mut join_conditions::join_conditions),
    },
    Rule {
        name: "correlated_in",
        what: "x IN (SELECT … reading the outer row) in WHERE as EXISTS (… AND item = x)",
        apply: |q, _| correlated_in::correlated_in(q),
    },
    Rule {
        name: "exists_outer_terms",
        what: "a condition of the outer row alone inside EXISTS moved out of it",
        apply: |q, _| {
            exists_outer_terms::exists_outer_terms(q);
            Ok(())
        },
    },
    Rule {
        name: "subqueries",
        what: "scalar, EXISTS and IN subqueries, correlated by any condition, as joins",
        apply: |q, _| subqueries::all_subqueries(q),
    },
    Rule {
        name: "row_values",
        what: "a row value left outside IN (SELECT …) refused with a way to write it",
        apply: |q, _| row_values::row_values(q),
    },
    Rule {
        name: "count_names",
        what: "unaliased COUNT(*) named `count`, COUNT(x) named `x`",
        apply: |q, _| {
            count_names::name_counts(q);
            Ok(())
        },
    },
    Rule {
        name: "plain_expressions",
        what: "counts BIGINT, % truncating, quotients DOUBLE, ROUND half away from zero, …",
        apply: |q, _| {
            plain_expressions::plain_expressions(q);
            Ok(())
        },
    },
];

/// Run every rule over `q`, in order; with `changed`, collect the rules that changed it
/// (for EXPLAIN: each change is found by comparing the query before and after).
pub(crate) fn apply(
    q: &mut SQLQuery,
    cx: &Context,
    mut changed: Option<&mut Vec<&'static Rule>>,
) -> Result<(), RewriteError> {
    for rule in RULES {
        let before = changed.is_some().then(|| q.clone());
        (rule.apply)(q, cx)?;
        if let (Some(list), Some(before)) = (changed.as_deref_mut(), before) {
            if before != *q {
                list.push(rule);
            }
        }
    }
    Ok(())
}

/// The name a SELECT's one FROM item (without joins) is read by: its alias, else its
/// table's name; None for several items or a join.
pub(crate) fn one_from_name(sel: &Select) -> Option<Ident> {
    let [t] = sel.from.as_slice() else {
        return None;
    };
    if !t.joins.is_empty() {
        return None;
    }
    match &t.relation {
        TableFactor::Table { name, alias, .. } => {
            alias
                .as_ref()
                .map(|a| a.name.clone())
                .or_else(|| match name.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => Some(i.clone()),
                    _ => None,
                })
        }
        TableFactor::Derived { alias: Some(a), .. } => Some(a.name.clone()),
        _ => None,
    }
}

/// The names a SELECT's FROM items and joins are read by (aliases, else table names).
pub(crate) fn from_item_names(sel: &Select) -> Vec<String> {
    sel.from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(|r| match r {
            TableFactor::Table { name, alias, .. } => Some(
                alias
                    .as_ref()
                    .map_or_else(|| name.to_string(), |a| a.name.value.clone()),
            ),
            TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| a.name.value.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    fn n(sql: &str) -> String {
        let mut q = crate::query::rewrite::query(sql).unwrap();
        let cx = crate::query::rules::Context { columns: &|_| None };
        crate::query::rules::apply(&mut q, &cx, None).unwrap();
        q.to_string()
    }

    #[test]
    fn is_distinct_from_binds_tighter_than_and() {
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS DISTINCT FROM b AND c = 1"),
            "SELECT 1 FROM t WHERE (a IS DISTINCT FROM b) AND c = 1"
        );
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM b AND c AND d"),
            "SELECT 1 FROM t WHERE (a IS NOT DISTINCT FROM b) AND c AND d"
        );
        assert_eq!(
            n("SELECT 1 FROM t WHERE a IS DISTINCT FROM (b AND c)"),
            "SELECT 1 FROM t WHERE (a IS DISTINCT FROM (b AND c))"
        );
    }

    #[test]
    fn counts_are_bigint_and_keep_their_names() {
        assert_eq!(
            n("SELECT COUNT(*), COUNT(DISTINCT year) - 11 AS d FROM t"),
            "SELECT CAST(COUNT(*) AS BIGINT) AS count, CAST(COUNT(DISTINCT year) AS BIGINT) - 11 AS d FROM t"
        );
    }

    #[test]
    fn a_column_named_like_a_slot_is_left_alone() {
        let s = n("SELECT SUM(x) / (SELECT COUNT(*) FROM u) AS r, MIN(__slot0) AS a, MIN(__slot9) AS b FROM t");
        assert!(s.contains("__slot0") && s.contains("__slot9"), "{s}");
    }

    #[test]
    fn constant_aggregates_count_rows() {
        assert_eq!(
            n("SELECT SUM(1), MIN(2.25) FROM t"),
            "SELECT CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE (1) * CAST(COUNT(*) AS BIGINT) END, CASE WHEN CAST(COUNT(*) AS BIGINT) = 0 THEN NULL ELSE 2.25 END FROM t"
        );
    }
}
