//! Exact per-group medians and quantiles from value counts.
//!
//! `SELECT k…, COUNT(*), AVG(v), MEDIAN(v), QUANTILE_CONT(v, p) … GROUP BY k…` is what
//! analysts ask of indicator targets, and Polars' default plan gathers every group's
//! values into a list and sorts it: slow and memory-hungry on ten million rows. Target
//! values take few distinct values (100, 95, 90, 1 …), so this plan counts each
//! (group, value) pair first — a plain hash aggregation that shrinks millions of rows to
//! a few hundred — and derives every statistic from the counts: the quantile at
//! position p·(n−1) is found by the cumulative count, with the same linear interpolation
//! `QUANTILE_CONT` and `MEDIAN` use. The answer is the same (tested against the default
//! plan); only the work differs.
//!
//! Used only for a single grouped SELECT over plain columns whose aggregates all read
//! one numeric column and are named (`AS …`); anything else takes the general path.

use polars::prelude::*;
use polars::sql::SQLContext;
use sqlparser::ast::{
    Expr as SQLExpr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, OrderByKind,
    Query as SQLQuery, SelectItem, SetExpr, Statement as SQLStatement, Value as SQLValue,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser as SQLParser;

enum Agg {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Quantile(f64),
}

/// The value-count plan of `sql`, or None when the statement is not of that shape.
pub fn plan(ctx: &mut SQLContext, sql: &str) -> Option<PolarsResult<LazyFrame>> {
    // every query passes here: parse again only when a median or quantile is asked for
    let upper = sql.to_ascii_uppercase();
    if !upper.contains("MEDIAN") && !upper.contains("QUANTILE_CONT") {
        return None;
    }
    let mut stmts = SQLParser::parse_sql(&GenericDialect {}, sql).ok()?;
    let SQLStatement::Query(q) = stmts.pop()? else {
        return None;
    };
    build(ctx, &q)
}

fn ident(e: &SQLExpr) -> Option<String> {
    match e {
        SQLExpr::Identifier(id) => Some(id.value.clone()),
        _ => None,
    }
}

fn build(ctx: &mut SQLContext, q: &SQLQuery) -> Option<PolarsResult<LazyFrame>> {
    if q.with.is_some() || q.fetch.is_some() {
        return None;
    }
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return None;
    };
    if sel.distinct.is_some()
        || sel.having.is_some()
        || sel.qualify.is_some()
        || !sel.named_window.is_empty()
    {
        return None;
    }
    let GroupByExpr::Expressions(gb, mods) = &sel.group_by else {
        return None;
    };
    if gb.is_empty() || !mods.is_empty() {
        return None;
    }
    let keys: Vec<String> = gb.iter().map(ident).collect::<Option<_>>()?;
    // the projection: keys, and named aggregates of one column
    let mut value: Option<String> = None;
    let mut out: Vec<(String, Option<Agg>)> = vec![];
    for it in &sel.projection {
        let (e, alias) = match it {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            _ => return None,
        };
        if let Some(k) = ident(e) {
            if !keys.contains(&k) {
                return None;
            }
            out.push((alias.unwrap_or(k), None));
            continue;
        }
        let e = super::rewrite::uncast(e);
        let SQLExpr::Function(f) = e else { return None };
        if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
            return None;
        }
        let name = f.name.to_string().to_uppercase();
        let FunctionArguments::List(list) = &f.args else {
            return None;
        };
        if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
            return None;
        }
        let args: Vec<&FunctionArg> = list.args.iter().collect();
        let col_arg = |a: &FunctionArg| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => ident(e),
            _ => None,
        };
        let agg = match (name.as_str(), args.as_slice()) {
            ("COUNT", [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]) => Agg::CountStar,
            ("COUNT", [a]) => {
                value.get_or_insert(col_arg(a)?);
                Agg::Count
            }
            ("SUM" | "AVG" | "MIN" | "MAX" | "MEDIAN", [a]) => {
                let c = col_arg(a)?;
                if value.get_or_insert(c.clone()) != &c {
                    return None;
                }
                match name.as_str() {
                    "SUM" => Agg::Sum,
                    "AVG" => Agg::Avg,
                    "MIN" => Agg::Min,
                    "MAX" => Agg::Max,
                    _ => Agg::Quantile(0.5),
                }
            }
            (
                "QUANTILE_CONT",
                [a, FunctionArg::Unnamed(FunctionArgExpr::Expr(SQLExpr::Value(p)))],
            ) => {
                let c = col_arg(a)?;
                if value.get_or_insert(c.clone()) != &c {
                    return None;
                }
                let SQLValue::Number(p, _) = &p.value else {
                    return None;
                };
                let p: f64 = p.parse().ok()?;
                if !(0.0..=1.0).contains(&p) {
                    return None;
                }
                Agg::Quantile(p)
            }
            _ => return None,
        };
        // unnamed aggregates would need polars-sql's naming: take the general path
        out.push((alias?, Some(agg)));
    }
    if !out.iter().any(|(_, a)| matches!(a, Some(Agg::Quantile(_)))) {
        return None;
    }
    let v = value?;
    if keys.contains(&v) || keys.iter().any(|k| k.starts_with("__")) || v.starts_with("__") {
        return None;
    }
    // ORDER BY output names only; LIMIT a number
    let mut order: Vec<(String, bool, bool)> = vec![];
    if let Some(ob) = &q.order_by {
        let OrderByKind::Expressions(terms) = &ob.kind else {
            return None;
        };
        for t in terms {
            let name = ident(&t.expr)?;
            if !out.iter().any(|(n, _)| *n == name) {
                return None;
            }
            let desc = t.options.asc == Some(false);
            // SQL's default: NULLS LAST ascending, NULLS FIRST descending
            let nulls_last = t.options.nulls_first.map_or(!desc, |f| !f);
            order.push((name, desc, nulls_last));
        }
    }
    let limit = match &q.limit_clause {
        None => None,
        Some(sqlparser::ast::LimitClause::LimitOffset {
            limit: Some(SQLExpr::Value(n)),
            offset: None,
            limit_by,
        }) if limit_by.is_empty() => match &n.value {
            SQLValue::Number(n, _) => Some(n.parse::<u32>().ok()?),
            _ => return None,
        },
        Some(_) => return None,
    };

    // the rows: keys and the value, through polars-sql (FROM, joins and WHERE as written)
    let mut inner = (**sel).clone();
    inner.projection = keys
        .iter()
        .chain(std::iter::once(&v))
        .map(|c| SelectItem::UnnamedExpr(SQLExpr::Identifier(sqlparser::ast::Ident::new(c))))
        .collect();
    inner.group_by = GroupByExpr::Expressions(vec![], vec![]);
    let lf = match ctx.execute(&inner.to_string()) {
        Ok(lf) => lf,
        Err(e) => return Some(Err(e)),
    };
    let mut lf = lf;
    let dt = match lf.collect_schema() {
        Ok(s) => s.get(&v).cloned()?,
        Err(e) => return Some(Err(e)),
    };
    if !dt.is_primitive_numeric() {
        return None; // decimals and text keep the general path
    }

    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
    let mut by = key_exprs.clone();
    by.push(col(v.as_str()));
    let counts = lf
        .group_by(by)
        .agg([len().cast(DataType::Float64).alias("__c")])
        .sort(
            [v.as_str()],
            SortMultipleOptions::default().with_nulls_last(true),
        );
    let nn = col(v.as_str()).is_not_null();
    let c = col("__c").filter(nn.clone());
    let vals = col(v.as_str()).filter(nn).cast(DataType::Float64);
    let n = c.clone().sum();
    let sum = (vals.clone() * c.clone()).sum();
    let mut aggs: Vec<Expr> = vec![];
    for (name, agg) in &out {
        let Some(agg) = agg else { continue };
        let e = match agg {
            Agg::CountStar => col("__c").sum().cast(IDX_DTYPE),
            Agg::Count => n.clone().cast(IDX_DTYPE),
            Agg::Sum => when(n.clone().gt(lit(0.0)))
                .then(sum.clone())
                .otherwise(lit(NULL).cast(DataType::Float64)),
            Agg::Avg => when(n.clone().gt(lit(0.0)))
                .then(sum.clone() / n.clone())
                .otherwise(lit(NULL).cast(DataType::Float64)),
            Agg::Min => col(v.as_str()).min(),
            Agg::Max => col(v.as_str()).max(),
            Agg::Quantile(p) => {
                let pos = (n.clone() - lit(1.0)) * lit(*p);
                let lo = pos.clone().floor();
                let hi = pos.clone().ceil();
                let cum = c.clone().cum_sum(false);
                let at = |rank: Expr| vals.clone().filter(cum.clone().gt(rank)).first();
                let v_lo = at(lo.clone());
                let v_hi = at(hi);
                v_lo.clone() + (v_hi - v_lo) * (pos - lo)
            }
        };
        aggs.push(e.alias(name.as_str()));
    }
    let mut res = counts.group_by(key_exprs).agg(aggs);
    // output columns in the statement's order and names
    let sel_out: Vec<Expr> = out
        .iter()
        .map(|(name, agg)| match agg {
            None => {
                // a key, maybe renamed
                let key = sel
                    .projection
                    .iter()
                    .find_map(|it| match it {
                        SelectItem::ExprWithAlias { expr, alias } if alias.value == *name => {
                            ident(expr)
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| name.clone());
                col(key.as_str()).alias(name.as_str())
            }
            Some(_) => col(name.as_str()),
        })
        .collect();
    res = res.select(sel_out);
    if !order.is_empty() {
        let cols: Vec<PlSmallStr> = order.iter().map(|(n, _, _)| n.as_str().into()).collect();
        let opts = SortMultipleOptions::default()
            .with_order_descending_multi(order.iter().map(|o| o.1))
            .with_nulls_last_multi(order.iter().map(|o| o.2))
            .with_maintain_order(true);
        res = res.sort(cols, opts);
    }
    if let Some(n) = limit {
        res = res.limit(n as IdxSize);
    }
    Some(Ok(res))
}
