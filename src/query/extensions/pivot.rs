//! `FROM t PIVOT (agg(v) FOR col IN ('x', 'y' AS z))`: one column per value of `col`, as
//! conditional aggregates grouped by the source's other columns.

use super::{Extension, Form};
use crate::query::rewrite::{
    err_at, fname, function_args, query, quote, uncast, Columns, Hoist, RewriteError,
};
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Ident, PivotValueSource, TableFactor, Value as SQLValue,
};
use std::ops::ControlFlow;

pub(super) const PIVOT: Extension = Extension {
    name: "PIVOT",
    usage: "FROM t PIVOT (agg(v) FOR col IN ('x', 'y' AS z))",
    help: "one column per value of col, grouped by the other columns",
    form: Form::From { lower },
};

/// A PIVOT item → a derived table of the conditional aggregates (its source, when a
/// derived table, rewritten first by the caller).
fn lower(
    tf: &TableFactor,
    cols: &mut dyn Columns,
    h: &mut Hoist,
) -> Option<Result<TableFactor, RewriteError>> {
    if !matches!(tf, TableFactor::Pivot { .. }) {
        return None;
    }
    Some(pivot(tf, cols, h).and_then(|(text, alias)| {
        Ok(TableFactor::Derived {
            lateral: false,
            subquery: Box::new(query(&text)?),
            alias: Some(alias),
            sample: None,
        })
    }))
}

/// `src PIVOT (agg(v) FOR col IN (x, y))` → conditional aggregates grouped by the other columns.
fn pivot(
    tf: &TableFactor,
    cols: &mut dyn Columns,
    h: &mut Hoist,
) -> Result<(String, sqlparser::ast::TableAlias), RewriteError> {
    let TableFactor::Pivot {
        table,
        aggregate_functions,
        value_column,
        value_source,
        default_on_null,
        alias,
    } = tf
    else {
        unreachable!("matched by lower")
    };
    let PivotValueSource::List(values) = value_source else {
        return Err(err_at(
            tf,
            "PIVOT needs an explicit value list: PIVOT (SUM(v) FOR col IN ('a', 'b'))",
        ));
    };
    if value_column.len() != 1 {
        return Err(err_at(tf, "PIVOT takes one FOR column"));
    }
    let pcol = value_column[0].to_string();
    let src = match table.as_ref() {
        TableFactor::Derived { subquery, .. } => format!("({subquery})"),
        other => other.to_string(),
    };
    let probe = match table.as_ref() {
        TableFactor::Derived { subquery, .. } => subquery.to_string(),
        other => format!("SELECT * FROM {other}"),
    };
    // the source may read CTEs hoisted so far
    let probe = h.with_ctes(probe);
    let all = cols
        .columns_of(&probe)
        .map_err(|e| err_at(tf, format!("PIVOT source: {e}")))?;
    let mut used: Vec<String> = vec![pcol.trim_matches('"').to_string()];
    for a in aggregate_functions {
        let mut c = a.expr.clone();
        let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
            if let SQLExpr::Identifier(i) = x {
                used.push(i.value.clone());
            }
            ControlFlow::<()>::Continue(())
        });
    }
    if !all.iter().any(|c| *c == used[0]) {
        return Err(err_at(
            tf,
            format!(
                "PIVOT … FOR {pcol}: the source has no column `{pcol}`; it has {}",
                all.join(", ")
            ),
        ));
    }
    let group: Vec<String> = all
        .iter()
        .filter(|c| !used.contains(c))
        .map(|c| quote(c))
        .collect();
    let mut items = group.clone();
    for v in values {
        let label = match &v.alias {
            Some(a) => a.value.clone(),
            None => match &v.expr {
                SQLExpr::Value(x) => match &x.value {
                    SQLValue::SingleQuotedString(s) | SQLValue::DoubleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                },
                other => other.to_string(),
            },
        };
        for a in aggregate_functions {
            let agg = uncast(&a.expr);
            let SQLExpr::Function(f) = agg else {
                return Err(err_at(
                    &a.expr,
                    "PIVOT needs an aggregate such as SUM(amount)",
                ));
            };
            let args = function_args(f);
            let inner = match args.first() {
                Some(x) => format!("CASE WHEN {pcol} = {} THEN {x} END", v.expr),
                None => format!("CASE WHEN {pcol} = {} THEN 1 END", v.expr),
            };
            let mut agg = format!("{}({inner})", f.name);
            if let Some(d) = default_on_null {
                agg = format!("COALESCE({agg}, {d})");
            }
            let name = if aggregate_functions.len() > 1 {
                format!(
                    "{label}_{}",
                    a.alias
                        .as_ref()
                        .map(|x| x.value.clone())
                        .unwrap_or_else(|| fname(f).to_lowercase())
                )
            } else {
                label.clone()
            };
            items.push(format!("{agg} AS {}", quote(&name)));
        }
    }
    let mut text = format!("SELECT {} FROM {src} AS __pivot_src", items.join(", "));
    if !group.is_empty() {
        text.push_str(&format!(" GROUP BY {}", group.join(", ")));
    }
    let alias = alias.clone().unwrap_or_else(|| sqlparser::ast::TableAlias {
        explicit: true,
        name: Ident::new("__pivot"),
        columns: vec![],
        at: None,
    });
    Ok((text, alias))
}
