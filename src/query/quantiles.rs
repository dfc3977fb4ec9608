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
//! Used for a single grouped SELECT over plain columns whose aggregates all read one
//! numeric column; anything else takes the general path. The plan is matched on the
//! question, not its spelling ([`canonical`]): `GROUP BY 1, 2`, grouping by an alias,
//! `ORDER BY` an ordinal, a source column or an aggregate, unnamed aggregates, and the
//! grouped query wrapped in a CTE or derived table (`WITH s AS (…) SELECT * FROM s ORDER
//! BY …`) all take it. Its result must have the general plan's column names and types
//! (checked before it is used), so the two can never disagree on the shape.

use polars::prelude::*;
use polars_arrow::array::Array;
use polars_core::series::BitRepr;
use sqlparser::ast::{
    Expr as SQLExpr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, OrderByKind,
    Query as SQLQuery, Select, SelectItem, SetExpr, Statement as SQLStatement, TableFactor,
    Value as SQLValue,
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

/// What plans a query's SQL into a frame (budgetql's binder): the whole query, to take
/// its output's names and types, and the parts this plan reads.
pub type Planner<'a> = dyn FnMut(&str) -> PolarsResult<LazyFrame> + 'a;

/// The value-count plan of `sql`, or None when the statement is not of that shape.
pub fn plan(ctx: &mut Planner, sql: &str) -> Option<PolarsResult<LazyFrame>> {
    // every query passes here: parse again only when a median or quantile is asked for
    let upper = sql.to_ascii_uppercase();
    if !upper.contains("MEDIAN") && !upper.contains("QUANTILE_CONT") {
        return None;
    }
    let mut stmts = SQLParser::parse_sql(&GenericDialect {}, sql).ok()?;
    let SQLStatement::Query(q) = stmts.pop()? else {
        return None;
    };
    let q = canonical(*q)?;
    let plan = build(ctx, &q)?;
    // the general plan's output: names (of unnamed aggregates too) and types the value-count
    // plan must reproduce; a statement the general plan refuses gets its error from there.
    // Planned only once the statement has the shape (else the caller plans it anyway).
    let general = ctx(sql).ok()?.collect_schema().ok()?;
    Some(plan.and_then(|lf| conform(lf, &general)))
}

/// The value-count plan with the general plan's names and types; an error when they do
/// not line up (the caller then takes the general path).
fn conform(mut lf: LazyFrame, general: &Schema) -> PolarsResult<LazyFrame> {
    let mine = lf.collect_schema()?;
    if mine.len() != general.len() {
        polars_bail!(ComputeError: "value-count plan: {} columns, general plan {}", mine.len(), general.len());
    }
    let mut cols = vec![];
    for ((m, mt), (g, gt)) in mine.iter().zip(general.iter()) {
        let numeric = |t: &DataType| t.is_primitive_numeric();
        if mt != gt && !(numeric(mt) && numeric(gt)) {
            polars_bail!(ComputeError: "value-count plan: column {m} is {mt}, general plan {gt}");
        }
        cols.push(col(m.as_str()).strict_cast(gt.clone()).alias(g.as_str()));
    }
    Ok(lf.select(cols))
}

/// The grouped query a statement asks, whatever its spelling: a `SELECT * FROM` a derived
/// table or CTE that is itself the grouped query is unwrapped (its ORDER BY and LIMIT
/// taken over), so `WITH s AS (SELECT … GROUP BY …) SELECT * FROM s ORDER BY …` is
/// planned as the grouped query with that ORDER BY.
fn canonical(mut q: SQLQuery) -> Option<SQLQuery> {
    loop {
        let SetExpr::Select(sel) = q.body.as_ref() else {
            return Some(q);
        };
        let star = matches!(sel.projection.as_slice(), [SelectItem::Wildcard(o)]
            if o.opt_exclude.is_none() && o.opt_except.is_none() && o.opt_replace.is_none()
                && o.opt_rename.is_none() && o.opt_ilike.is_none());
        let bare = star
            && sel.distinct.is_none()
            && sel.selection.is_none()
            && sel.having.is_none()
            && sel.qualify.is_none()
            && matches!(&sel.group_by, GroupByExpr::Expressions(g, m) if g.is_empty() && m.is_empty())
            && sel.from.len() == 1
            && sel.from[0].joins.is_empty();
        if !bare {
            return Some(q);
        }
        let mut inner = match &sel.from[0].relation {
            TableFactor::Derived {
                lateral: false,
                subquery,
                ..
            } => {
                if q.with.is_some() && subquery.with.is_some() {
                    return Some(q);
                }
                let mut i = (**subquery).clone();
                if i.with.is_none() {
                    i.with = q.with.clone();
                }
                i
            }
            TableFactor::Table {
                name, args: None, ..
            } if name.0.len() == 1 => {
                let n = name.to_string();
                let with = q.with.as_ref()?;
                let at = with
                    .cte_tables
                    .iter()
                    .position(|c| c.alias.name.value.eq_ignore_ascii_case(&n))?;
                let cte = &with.cte_tables[at];
                if with.recursive || !cte.alias.columns.is_empty() {
                    return Some(q);
                }
                let mut i = (*cte.query).clone();
                if i.with.is_some() {
                    return Some(q);
                }
                // the other CTEs stay (the grouped query may read them); the one unwrapped goes
                let mut rest = with.clone();
                rest.cte_tables.remove(at);
                i.with = (!rest.cte_tables.is_empty()).then_some(rest);
                i
            }
            _ => return Some(q),
        };
        // the outer ORDER BY / LIMIT apply to the inner rows, unless the inner query limits
        if q.order_by.is_some() || q.limit_clause.is_some() {
            if inner.limit_clause.is_some() || inner.fetch.is_some() {
                return Some(q);
            }
            if q.order_by.is_some() {
                inner.order_by = q.order_by.take();
            }
            inner.limit_clause = q.limit_clause.take();
        }
        if q.fetch.is_some() {
            return Some(q);
        }
        q = inner;
    }
}

fn ident(e: &SQLExpr) -> Option<String> {
    match e {
        SQLExpr::Identifier(id) => Some(id.value.clone()),
        _ => None,
    }
}

/// A positive integer literal (`GROUP BY 2`, `ORDER BY 1`).
fn ordinal(e: &SQLExpr) -> Option<usize> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) => n.parse::<usize>().ok().filter(|&n| n > 0),
            _ => None,
        },
        _ => None,
    }
}

/// A SELECT item's expression and alias.
fn item(it: &SelectItem) -> Option<(&SQLExpr, Option<&str>)> {
    match it {
        SelectItem::UnnamedExpr(e) => Some((e, None)),
        SelectItem::ExprWithAlias { expr, alias } => Some((expr, Some(alias.value.as_str()))),
        _ => None,
    }
}

/// The columns the FROM clause gives (planned, not read): to tell a source column from
/// an output alias of the same name in GROUP BY.
fn source_columns(ctx: &mut Planner, q: &SQLQuery, sel: &Select) -> Option<Vec<String>> {
    let mut s = sel.clone();
    s.projection = vec![SelectItem::Wildcard(Default::default())];
    s.selection = None;
    s.group_by = GroupByExpr::Expressions(vec![], vec![]);
    let mut src = q.clone();
    *src.body = SetExpr::Select(Box::new(s));
    src.order_by = None;
    src.limit_clause = None;
    let schema = ctx(&src.to_string()).ok()?.collect_schema().ok()?;
    Some(schema.iter_names().map(|n| n.to_string()).collect())
}

fn build(ctx: &mut Planner, q: &SQLQuery) -> Option<PolarsResult<LazyFrame>> {
    if q.fetch.is_some() {
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
    // GROUP BY 2 → the second SELECT item; GROUP BY an alias → what it names, unless the
    // FROM clause has a column of that name (which SQL groups by instead)
    let mut sources: Option<Vec<String>> = None;
    let mut keys: Vec<String> = vec![];
    for g in gb {
        let key = if let Some(n) = ordinal(g) {
            let (e, _) = item(sel.projection.get(n - 1)?)?;
            ident(e)?
        } else {
            let k = ident(g)?;
            let aliased = sel.projection.iter().find_map(|it| match item(it)? {
                (e, Some(a)) if a == k => Some(e),
                _ => None,
            });
            match aliased {
                Some(e) => {
                    if sources.is_none() {
                        sources = Some(source_columns(ctx, q, sel)?);
                    }
                    if sources.as_ref()?.contains(&k) {
                        k
                    } else {
                        ident(e)?
                    }
                }
                None => k,
            }
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
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
        // an unnamed aggregate gets the general plan's name at the end (`conform`)
        let name = alias.unwrap_or_else(|| format!("__agg{}", out.len()));
        out.push((name, Some(agg)));
    }
    if !out.iter().any(|(_, a)| matches!(a, Some(Agg::Quantile(_)))) {
        return None;
    }
    let v = value?;
    if keys.contains(&v) || keys.iter().any(|k| k.starts_with("__")) || v.starts_with("__") {
        return None;
    }
    // ORDER BY an output name, an ordinal, a grouped source column or a SELECT item's
    // expression (`ORDER BY COUNT(*) DESC`), or ALL; LIMIT a number
    let exprs: Vec<&SQLExpr> = sel
        .projection
        .iter()
        .map(|it| item(it).map(|(e, _)| super::rewrite::uncast(e)))
        .collect::<Option<_>>()?;
    let resolve = |e: &SQLExpr| -> Option<String> {
        if let Some(n) = ordinal(e) {
            return out.get(n - 1).map(|(name, _)| name.clone());
        }
        if let Some(x) = ident(e) {
            if out.iter().any(|(n, _)| *n == x) {
                return Some(x);
            }
        }
        let e = super::rewrite::uncast(e);
        let at = exprs.iter().position(|x| *x == e)?;
        Some(out[at].0.clone())
    };
    let mut order: Vec<(String, bool, bool)> = vec![];
    let sort_key = |name: String, o: &sqlparser::ast::OrderByOptions| {
        let desc = o.asc == Some(false);
        // DuckDB's default: NULLS LAST, ascending or descending
        let nulls_last = o.nulls_first.map_or(true, |f| !f);
        (name, desc, nulls_last)
    };
    if let Some(ob) = &q.order_by {
        match &ob.kind {
            // `ORDER BY ALL` reaches here as a name in some dialects
            OrderByKind::Expressions(terms)
                if matches!(terms.as_slice(), [t] if matches!(&t.expr,
                    SQLExpr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("ALL"))) =>
            {
                for (n, _) in &out {
                    order.push(sort_key(n.clone(), &terms[0].options));
                }
            }
            OrderByKind::Expressions(terms) => {
                for t in terms {
                    if t.with_fill.is_some() {
                        return None;
                    }
                    order.push(sort_key(resolve(&t.expr)?, &t.options));
                }
            }
            OrderByKind::All(o) => {
                for (n, _) in &out {
                    order.push(sort_key(n.clone(), o));
                }
            }
        }
        if ob.interpolate.is_some() {
            return None;
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
    let mut rows = q.clone();
    *rows.body = SetExpr::Select(Box::new(inner));
    rows.order_by = None;
    rows.limit_clause = None;
    let lf = match ctx(&rows.to_string()) {
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
    if dt.is_integer() && out.iter().any(|(_, a)| matches!(a, Some(Agg::Sum))) {
        return None; // an integer SUM stays exact on the general path
    }

    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
    let mut by = key_exprs.clone();
    by.push(col(v.as_str()));
    let counts = value_counts(lf, by).sort(
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

/// The rows of `lf` counted by the columns `by`: those columns and `__c`, the number of
/// rows with them (a float). Each batch's rows are counted by exact identity first (see
/// `batch_counts`), then Polars' group-by adds the batches' counts up, applying SQL's
/// equality.
fn value_counts(lf: LazyFrame, by: Vec<Expr>) -> LazyFrame {
    lf.select(by.clone())
        .map(
            batch_counts,
            OptFlags::STREAMING,
            Some(Arc::new(with_batch_count)),
            Some("value counts of each batch"),
        )
        .group_by(by)
        .agg([col(BATCH_COUNT).sum().alias("__c")])
}

/// The column `batch_counts` adds: how many rows of the batch each row stands for.
const BATCH_COUNT: &str = "__p";

fn with_batch_count(input: &Schema) -> PolarsResult<SchemaRef> {
    let mut s = input.clone();
    s.with_column(BATCH_COUNT.into(), DataType::Float64);
    Ok(Arc::new(s))
}

/// One row for each distinct row of a batch (its first), with how many rows it stands
/// for (as a float: the counts' type in the plan above, exact to 2^53).
///
/// Polars' own group-by row-encodes every row's keys (three strings and a float for
/// q5: a third of the query's time). Here each column is first turned into small ids —
/// a string by its 16-byte view (equal views, equal strings; a view seen before costs
/// one lookup of an integer, and only a new view reads its bytes), any other value by
/// its bit pattern — and the ids are packed into one integer per row. Rows are only
/// grouped when they are identical (same bytes, same bits, or both NULL), never when
/// merely equal, so the group-by above, which adds the batches' counts, still decides
/// what counts as equal (-0.0 and 0.0, NaNs): the answer is the plain group-by's.
/// A column of another type, or ids too many to pack into 128 bits, takes Polars'
/// group-by for that batch.
fn batch_counts(df: DataFrame) -> PolarsResult<DataFrame> {
    let mut ids: Vec<Vec<u32>> = Vec::with_capacity(df.width());
    let mut widths: Vec<u32> = Vec::with_capacity(df.width());
    for c in df.columns() {
        match column_ids(c.as_materialized_series())? {
            Some((col_ids, distinct)) => {
                widths.push(u32::BITS - distinct.leading_zeros());
                ids.push(col_ids);
            }
            None => return batch_counts_by_polars(df),
        }
    }
    let bits: u32 = widths.iter().sum();
    let (first, counts) = if bits <= 64 {
        first_and_counts(df.height(), |i| packed::<u64>(&ids, &widths, i))
    } else if bits <= 128 {
        first_and_counts(df.height(), |i| packed::<u128>(&ids, &widths, i))
    } else {
        return batch_counts_by_polars(df);
    };
    with_counts(df, first, counts)
}

/// Row `i`'s ids, each column's in its own `widths` bits.
fn packed<K>(ids: &[Vec<u32>], widths: &[u32], i: usize) -> K
where
    K: Default + From<u32> + std::ops::Shl<u32, Output = K> + std::ops::BitOr<Output = K>,
{
    let mut key = K::default();
    let mut shift = 0;
    for (col_ids, &w) in ids.iter().zip(widths) {
        // a column of NULLs only (width 0) adds nothing, and may sit at the full width,
        // where a shift would overflow
        if w > 0 {
            key = key | (K::from(col_ids[i]) << shift);
            shift += w;
        }
    }
    key
}

/// The first row of each distinct key and the number of rows with it.
fn first_and_counts<K: std::hash::Hash + Eq>(
    rows: usize,
    key: impl Fn(usize) -> K,
) -> (Vec<IdxSize>, Vec<f64>) {
    let mut seen: PlHashMap<K, usize> = PlHashMap::default();
    let mut first: Vec<IdxSize> = vec![];
    let mut counts: Vec<f64> = vec![];
    for i in 0..rows {
        let g = *seen.entry(key(i)).or_insert_with(|| {
            first.push(i as IdxSize);
            counts.push(0.0);
            counts.len() - 1
        });
        counts[g] += 1.0;
    }
    (first, counts)
}

fn with_counts(df: DataFrame, first: Vec<IdxSize>, counts: Vec<f64>) -> PolarsResult<DataFrame> {
    let idx = IdxCa::from_vec(PlSmallStr::EMPTY, first);
    let mut out = df.take(&idx)?;
    out.with_column(Column::new(BATCH_COUNT.into(), counts))?;
    Ok(out)
}

/// The same, by Polars' group-by (columns `column_ids` has no ids for).
fn batch_counts_by_polars(df: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<PlSmallStr> = df.get_column_names_owned();
    let gb = df.group_by(names)?;
    let groups = gb.get_groups();
    let mut first = Vec::with_capacity(groups.len());
    let mut counts = Vec::with_capacity(groups.len());
    for g in groups.iter() {
        first.push(g.first());
        counts.push(g.len() as f64);
    }
    with_counts(df, first, counts)
}

/// Each row's id in its column (0 for NULL; identical values, identical ids) and the
/// largest id, or None for a type without ids here.
fn column_ids(s: &Series) -> PolarsResult<Option<(Vec<u32>, u32)>> {
    if let DataType::String = s.dtype() {
        return Ok(Some(string_ids(s.str()?)));
    }
    if let DataType::Boolean = s.dtype() {
        let ids = s
            .bool()?
            .iter()
            .map(|b| b.map_or(0, |b| 1 + u32::from(b)))
            .collect();
        return Ok(Some((ids, 2)));
    }
    Ok(match s.bit_repr() {
        Some(BitRepr::U8(ca)) => Some(bit_ids(&ca)),
        Some(BitRepr::U16(ca)) => Some(bit_ids(&ca)),
        Some(BitRepr::U32(ca)) => Some(bit_ids(&ca)),
        Some(BitRepr::U64(ca)) => Some(bit_ids(&ca)),
        Some(BitRepr::U128(ca)) => Some(bit_ids(&ca)),
        None => None,
    })
}

fn bit_ids<T>(ca: &ChunkedArray<T>) -> (Vec<u32>, u32)
where
    T: PolarsNumericType,
    T::Native: std::hash::Hash + Eq,
{
    let mut seen: PlHashMap<T::Native, u32> = PlHashMap::default();
    let mut ids = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let validity = arr.validity();
        let mut prev: Option<(T::Native, u32)> = None;
        for (i, &v) in arr.values().iter().enumerate() {
            if validity.is_some_and(|m| !m.get_bit(i)) {
                ids.push(0);
                continue;
            }
            let id = match prev {
                Some((p, id)) if p == v => id,
                _ => {
                    let next = seen.len() as u32 + 1;
                    *seen.entry(v).or_insert(next)
                }
            };
            prev = Some((v, id));
            ids.push(id);
        }
    }
    (ids, seen.len() as u32)
}

fn string_ids(ca: &StringChunked) -> (Vec<u32>, u32) {
    let mut by_bytes: PlHashMap<&[u8], u32> = PlHashMap::default();
    let mut ids = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        // a view names bytes in its own array's buffers: views are compared per array
        let mut by_view: PlHashMap<u128, u32> = PlHashMap::default();
        let validity = arr.validity();
        let mut prev: Option<(u128, u32)> = None;
        for (i, view) in arr.views().iter().enumerate() {
            if validity.is_some_and(|m| !m.get_bit(i)) {
                ids.push(0);
                continue;
            }
            let v = view.as_u128();
            let id = match prev {
                Some((p, id)) if p == v => id,
                _ => *by_view.entry(v).or_insert_with(|| {
                    // SAFETY: i < arr.len() (it indexes the array's own views)
                    let bytes = unsafe { arr.value_unchecked(i) }.as_bytes();
                    let next = by_bytes.len() as u32 + 1;
                    *by_bytes.entry(bytes).or_insert(next)
                }),
            };
            prev = Some((v, id));
            ids.push(id);
        }
    }
    (ids, by_bytes.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `value_counts` (batch counts added up, on the streaming engine and in memory)
    /// against a plain group-by count of the same rows.
    fn check(df: DataFrame) {
        let names: Vec<PlSmallStr> = df.get_column_names_owned();
        let by: Vec<Expr> = names.iter().map(|n| col(n.clone())).collect();
        let sorted = |lf: LazyFrame| {
            lf.sort(
                names.clone(),
                SortMultipleOptions::default().with_nulls_last(true),
            )
        };
        let plain = sorted(
            df.clone()
                .lazy()
                .group_by(by.clone())
                .agg([len().cast(DataType::Float64).alias("__c")]),
        )
        .collect()
        .unwrap();
        let streaming = sorted(value_counts(df.clone().lazy(), by.clone()))
            .collect_with_engine(Engine::Streaming)
            .unwrap()
            .unwrap_single();
        let memory = sorted(value_counts(df.clone().lazy(), by))
            .collect_with_engine(Engine::InMemory)
            .unwrap()
            .unwrap_single();
        for got in [streaming, memory] {
            assert_eq!(got.shape(), plain.shape(), "{got}\n{plain}");
            // compared as text: NaN equals NaN there, as it does in a group-by; and -0.0
            // is 0.0: which of the two a group of both shows is the engine's
            // choice (the streaming group-by shows 0.0, the in-memory one the first seen)
            let text = |c: &Column| {
                let s = c.as_materialized_series();
                let s = match s.f64() {
                    Ok(f) => f
                        .apply_values(|x| if x == 0.0 { 0.0 } else { x })
                        .into_series(),
                    Err(_) => s.clone(),
                };
                s.cast(&DataType::String).unwrap()
            };
            for (a, b) in got.columns().iter().zip(plain.columns()) {
                let (a, b) = (text(a), text(b));
                let diff: Vec<String> = (0..a.len())
                    .filter(|&i| a.get(i).unwrap() != b.get(i).unwrap())
                    .map(|i| format!("row {i}: {} vs {}", a.get(i).unwrap(), b.get(i).unwrap()))
                    .collect();
                assert!(diff.is_empty(), "{}: {diff:?}\n{got}\n{plain}", a.name());
            }
        }
    }

    /// Strings longer than a view holds (12 bytes), in several chunks whose views point
    /// into different buffers, NULL keys and values, -0.0 beside 0.0, NaN.
    #[test]
    fn batch_counts_group_identical_rows_only() {
        let part = |k: usize| {
            let n = 5_000;
            df!(
                "level2" => (0..n).map(|i| match (i + k) % 4 {
                    0 => Some("服务对象满意度指标"),
                    1 => Some("数量指标"),
                    2 => None,
                    _ => Some("a much longer label than twelve bytes"),
                }).collect::<Vec<_>>(),
                "unit" => (0..n).map(|i| (i % 3 != 0).then_some(if i % 2 == 0 { "%" } else { "个" })).collect::<Vec<_>>(),
                "v" => (0..n).map(|i| match i % 7 {
                    0 => None,
                    1 => Some(-0.0),
                    2 => Some(0.0),
                    3 => Some(f64::NAN),
                    _ => Some((i % 5) as f64 * 10.0),
                }).collect::<Vec<_>>()
            )
            .unwrap()
        };
        let mut df = part(0);
        df.vstack_mut(&part(1)).unwrap();
        df.vstack_mut(&part(3)).unwrap();
        assert!(df.first_col_n_chunks() > 1);
        check(df);
    }

    /// Ids filling all 64 bits, then a column of NULLs only (width 0): no shift by 64.
    #[test]
    fn packed_ids_skip_empty_columns() {
        let ids = vec![vec![u32::MAX], vec![7], vec![0]];
        let key: u64 = packed(&ids, &[32, 32, 0], 0);
        assert_eq!(key, u64::from(u32::MAX) | (7 << 32));
        let key: u128 = packed(&ids, &[32, 32, 0], 0);
        assert_eq!(key, u128::from(u32::MAX) | (7 << 32));
    }

    /// Integer, boolean and date keys (ids from their bits), a row count over one batch
    /// of the streaming engine (several batches), and a table with too many distinct ids
    /// to pack into 128 bits (Polars' group-by counts that batch).
    #[test]
    fn batch_counts_other_types_many_batches_and_wide_keys() {
        let n = 250_000i32;
        let df = df!(
            "year" => (0..n).map(|i| 2012 + i % 9).collect::<Vec<_>>(),
            "flag" => (0..n).map(|i| (i % 5 != 0).then_some(i % 2 == 0)).collect::<Vec<_>>(),
            "v" => (0..n).map(|i| (i % 11) as f64).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy()
        .with_column(col("year").cast(DataType::Date).alias("day"))
        .collect()
        .unwrap();
        check(df);
        // nine columns of 20,000 distinct values: 9 × 15 bits > 128
        let n = 20_000i64;
        let cols: Vec<Column> = (0..9)
            .map(|c| {
                Column::new(
                    format!("c{c}").into(),
                    (0..n).map(|i| (i * (c + 1)) % n).collect::<Vec<_>>(),
                )
            })
            .collect();
        let wide = DataFrame::new(n as usize, cols).unwrap();
        let (ids, distinct) = column_ids(wide.columns()[0].as_materialized_series())
            .unwrap()
            .unwrap();
        assert_eq!((ids.len(), distinct), (20_000, 20_000));
        check(wide);
    }
}
