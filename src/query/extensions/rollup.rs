//! `GROUP BY ROLLUP(a, b)`: subtotal (小计) and grand-total (合计) rows in budget-table order,
//! as a UNION ALL of the grouping levels.

use super::{function_names, Extension, Form};
use crate::query::rewrite::{
    contains, err_at, is_aggregate, natural_name, quote, Hoist, RewriteError,
};
use sqlparser::ast::{
    Expr as SQLExpr, GroupByExpr, Query as SQLQuery, Select as SQLSelect, SelectItem,
};

pub(super) const ROLLUP: Extension = Extension {
    name: "ROLLUP",
    usage: "GROUP BY ROLLUP(a, b)",
    help: "subtotal (小计) and grand-total (合计) rows, in budget-table order",
    form: Form::Grouping { lower },
};

/// `GROUP BY ROLLUP(a, b)`: the grouped rows, a 小计 row after each group of `a`,
/// and a 合计 row last. Key columns become text so they can hold the labels.
fn lower(q: &SQLQuery, sel: &SQLSelect, h: &mut Hoist) -> Option<Result<String, RewriteError>> {
    let GroupByExpr::Expressions(all, _) = &sel.group_by else {
        return None;
    };
    let rollup = all.iter().find(|e| matches!(e, SQLExpr::Rollup(_)))?;
    Some(rollup_query(q, sel, rollup, all, h))
}

fn rollup_query(
    q: &SQLQuery,
    sel: &SQLSelect,
    rollup: &SQLExpr,
    all: &[SQLExpr],
    h: &mut Hoist,
) -> Result<String, RewriteError> {
    let SQLExpr::Rollup(sets) = rollup else {
        unreachable!("matched by lower")
    };
    if all.len() != 1 {
        return Err(err_at(
            rollup,
            "ROLLUP must be the only GROUP BY item: GROUP BY ROLLUP(a, b)",
        ));
    }
    if q.order_by.is_some() {
        return Err(err_at(
            rollup,
            "ROLLUP prints rows in budget-table order (each 小计 after its group, 合计 last); to sort differently, wrap it: SELECT * FROM (… GROUP BY ROLLUP(…)) ORDER BY …",
        ));
    }
    let mut keys: Vec<SQLExpr> = vec![];
    for s in sets {
        if s.len() != 1 {
            return Err(err_at(
                rollup,
                "ROLLUP takes single columns: ROLLUP(a, b), not ROLLUP((a, b))",
            ));
        }
        keys.push(s[0].clone());
    }
    let key_texts: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let items: Vec<(SQLExpr, String)> = sel
        .projection
        .iter()
        .map(|it| match it {
            SelectItem::ExprWithAlias { expr, alias } => Ok((expr.clone(), alias.value.clone())),
            SelectItem::UnnamedExpr(expr) => Ok((
                expr.clone(),
                natural_name(expr).unwrap_or_else(|| expr.to_string()),
            )),
            _ => Err(err_at(
                sel,
                "`*` cannot be used with ROLLUP; list the columns",
            )),
        })
        .collect::<Result<_, _>>()?;
    if items.iter().any(|(e, _)| contains(e, &super::is_extension)) {
        return Err(err_at(
            rollup,
            format!(
                "{} cannot be combined with ROLLUP in one query; compute them in a CTE first",
                function_names()
            ),
        ));
    }
    let from = sel
        .from
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let n = keys.len();
    let mut branches = vec![];
    for level in (0..=n).rev() {
        let mut cols = vec![];
        for (e, name) in &items {
            let t = e.to_string();
            match key_texts.iter().position(|k| *k == t) {
                Some(i) if i < level => {
                    cols.push(format!("CAST({e} AS VARCHAR) AS {}", quote(name)))
                }
                Some(i) if i == level => cols.push(format!(
                    "'{}' AS {}",
                    if level == 0 { "合计" } else { "小计" },
                    quote(name)
                )),
                Some(_) => cols.push(format!("CAST(NULL AS VARCHAR) AS {}", quote(name))),
                None => {
                    if !contains(e, &is_aggregate) && !matches!(e, SQLExpr::Value(_)) {
                        return Err(err_at(e, format!("`{e}` is neither a ROLLUP key nor an aggregate; add it to ROLLUP(…) or aggregate it")));
                    }
                    cols.push(format!("{e} AS {}", quote(name)));
                }
            }
        }
        for (i, k) in keys.iter().enumerate() {
            if i < level {
                cols.push(format!("0 AS __t{i}, {k} AS __s{i}"));
            } else {
                cols.push(format!("1 AS __t{i}, NULL AS __s{i}"));
            }
        }
        let mut b = format!("SELECT {} FROM {from}", cols.join(", "));
        if let Some(wh) = &sel.selection {
            b.push_str(&format!(" WHERE {wh}"));
        }
        if level > 0 {
            b.push_str(&format!(" GROUP BY {}", key_texts[..level].join(", ")));
        }
        if let Some(h) = &sel.having {
            b.push_str(&format!(" HAVING {h}"));
        }
        branches.push(b);
    }
    let order: Vec<String> = (0..n).map(|i| format!("__t{i}, __s{i}")).collect();
    let names: Vec<String> = items.iter().map(|(_, n)| quote(n)).collect();
    let r = h.name("rollup");
    h.cte(&r, &branches.join(" UNION ALL "));
    let mut out = format!(
        "SELECT {} FROM {r} ORDER BY {}",
        names.join(", "),
        order.join(", ")
    );
    if let Some(l) = &q.limit_clause {
        out.push_str(&format!("{l}"));
    }
    Ok(out)
}
