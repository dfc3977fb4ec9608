//! Grouped medians and quantiles from value counts: a rule over budgetql's plan.
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
//! The rule matches an aggregation of the plan, so the question is recognised by what it
//! computes whatever its spelling (ordinals, aliases, a CTE or derived table around it,
//! ORDER BY or HAVING above it): grouped by plain columns, every aggregate one of COUNT,
//! SUM, AVG, MIN, MAX, MEDIAN and QUANTILE_CONT over one column of floats or integers
//! (decimals and an integer SUM keep the general plan, which is exact), at least one of
//! them a quantile. Its output has the general aggregation's names and types (checked;
//! where they do not line up the general plan is kept).

use super::Context;
use crate::query::plan::{AggCall, Node};
use polars::prelude::*;
use polars_arrow::array::Array;
use polars_core::series::BitRepr;

/// An aggregation of this shape as the value-count plan (the aggregation kept under it,
/// for EXPLAIN).
pub(super) fn value_counts(node: Node, _: &Context) -> Result<Node, Node> {
    match from_value_counts(&node) {
        Some(lf) => Ok(Node::Combined {
            what: "RULE value_counts: grouped quantiles from value counts".into(),
            inputs: vec![node],
            lf,
        }),
        None => Err(node),
    }
}

/// The value-count plan of an aggregation of this shape, with the general plan's names
/// and types.
fn from_value_counts(node: &Node) -> Option<LazyFrame> {
    let Node::Aggregate {
        input,
        keys,
        aggs,
        calls,
    } = node
    else {
        return None;
    };
    if keys.is_empty() || calls.len() != aggs.len() {
        return None;
    }
    let keys: Vec<PlSmallStr> = keys
        .iter()
        .map(|k| match k {
            Expr::Column(c) => Some(c.clone()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let calls: Vec<&AggCall> = calls.iter().map(|c| c.as_ref()).collect::<Option<_>>()?;
    if !calls.iter().any(|c| matches!(c, AggCall::Quantile(..))) {
        return None;
    }
    // one value column, not a key
    let mut value: Option<&str> = None;
    for c in &calls {
        if let Some(v) = c.column() {
            if *value.get_or_insert(v) != v {
                return None;
            }
        }
    }
    let v = value?;
    if keys.iter().any(|k| k.as_str() == v) {
        return None;
    }
    let mut lf = input.clone().lower();
    let dt = lf.collect_schema().ok()?.get(v).cloned()?;
    if !dt.is_primitive_numeric() {
        return None; // decimals and text keep the general path
    }
    if dt.is_integer() && calls.iter().any(|c| matches!(c, AggCall::Sum(_))) {
        return None; // an integer SUM stays exact on the general path
    }
    // the general aggregation's names and types, which this plan must reproduce
    let general = lf
        .clone()
        .group_by(keys.iter().map(|k| col(k.clone())).collect::<Vec<_>>())
        .agg(aggs.to_vec())
        .collect_schema()
        .ok()?;

    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.clone())).collect();
    let mut by = key_exprs.clone();
    by.push(col(v));
    let counts = counted(lf, by).sort([v], SortMultipleOptions::default().with_nulls_last(true));
    let nn = col(v).is_not_null();
    let c = col("__c").filter(nn.clone());
    let vals = col(v).filter(nn).cast(DataType::Float64);
    let n = c.clone().sum();
    let sum = (vals.clone() * c.clone()).sum();
    let mut out: Vec<Expr> = vec![];
    for (call, agg) in calls.iter().zip(aggs) {
        let e = match call {
            AggCall::CountRows => col("__c").sum().cast(IDX_DTYPE),
            AggCall::Count(_) => n.clone().cast(IDX_DTYPE),
            AggCall::Sum(_) => when(n.clone().gt(lit(0.0)))
                .then(sum.clone())
                .otherwise(lit(NULL).cast(DataType::Float64)),
            AggCall::Avg(_) => when(n.clone().gt(lit(0.0)))
                .then(sum.clone() / n.clone())
                .otherwise(lit(NULL).cast(DataType::Float64)),
            AggCall::Min(_) => col(v).min(),
            AggCall::Max(_) => col(v).max(),
            AggCall::Quantile(_, p) => {
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
        let name = agg.clone().meta().output_name().ok()?;
        out.push(e.alias(name));
    }
    let mut res = counts.group_by(key_exprs).agg(out);
    let mine = res.collect_schema().ok()?;
    if mine.len() != general.len() {
        return None;
    }
    let mut cols = vec![];
    for ((m, mt), (g, gt)) in mine.iter().zip(general.iter()) {
        let numeric = |t: &DataType| t.is_primitive_numeric();
        if m != g || (mt != gt && !(numeric(mt) && numeric(gt))) {
            return None;
        }
        cols.push(col(m.clone()).strict_cast(gt.clone()));
    }
    Some(res.select(cols))
}

/// The rows of `lf` counted by the columns `by`: those columns and `__c`, the number of
/// rows with them (a float). Each batch's rows are counted by exact identity first (see
/// `batch_counts`), then Polars' group-by adds the batches' counts up, applying SQL's
/// equality.
fn counted(lf: LazyFrame, by: Vec<Expr>) -> LazyFrame {
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
        let streaming = sorted(counted(df.clone().lazy(), by.clone()))
            .collect_with_engine(Engine::Streaming)
            .unwrap()
            .unwrap_single();
        let memory = sorted(counted(df.clone().lazy(), by))
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
