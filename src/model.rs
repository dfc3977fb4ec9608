//! The table contract: one schema per table, and ingested records → Polars frames.
//!
//! Money is `Decimal(38,6)` in 万元 (exact to 0.01 元, so 元 sources convert exactly); quantities and percentages are exact `Decimal(38,3)`. Every table starts with `year` and
//! `dept_code` and ends with `source`, `page` and `line`, so many documents share one
//! warehouse and every row can be traced back to where it was read (the page is null
//! for a document without pages).

use crate::error::ModelError;
use crate::ingest::Document;
use polars::prelude::*;
use rust_decimal::Decimal;

/// Precision and scale of every money column. Money is the only Decimal with scale 6,
/// which lets the renderer apply `.money yuan|yi` to money alone.
pub const MONEY: (usize, usize) = (38, 6);

/// Precision and scale of exact non-money numbers (quantities, percentages).
pub const NUMBER: (usize, usize) = (38, 3);

/// The kinds of column the contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Money,
    /// an exact non-money number: Decimal(38,3)
    Number,
    Float,
    Date,
}

impl Kind {
    pub fn dtype(self) -> DataType {
        match self {
            Kind::Text => DataType::String,
            Kind::Int => DataType::Int32,
            Kind::Money => DataType::Decimal(MONEY.0, MONEY.1),
            Kind::Number => DataType::Decimal(NUMBER.0, NUMBER.1),
            Kind::Float => DataType::Float64,
            Kind::Date => DataType::Date,
        }
    }
}

/// One table of the contract: its name, a one-line description and its columns.
pub struct TableDef {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::*;

/// The whole contract, in the order tables are listed to users.
pub const TABLES: &[TableDef] = &[
    TableDef { name: "departments", about: "one row per document: the department (dept_code: its key across years; key_rule: how it was made), year, phase, budget level and layout", columns: &[
        ("year", Int), ("dept_code", Text), ("dept_name", Text), ("region", Text), ("phase", Text), ("budget_level", Text), ("key_rule", Text), ("disclosure", Text), ("layout", Text),
        ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "units", about: "the department's budget units (部门机构设置)", columns: &[
        ("year", Int), ("dept_code", Text), ("unit_code", Text), ("unit_name", Text), ("unit_kind", Text), ("rank", Text),
        ("funding_form", Text), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "budget_lines", about: "income and spending totals and parts (text or summary tables), with the change against the prior year", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("direction", Text), ("item", Text), ("parent_item", Text), ("line_kind", Text),
        ("amount", Money), ("change_vs_prior", Money), ("prior_year", Int), ("change_line", Int), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "three_public", about: "“三公” expenses by category, one row per stated year and phase", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("category", Text), ("label", Text), ("parent_category", Text), ("amount", Money),
        ("change_vs_prior", Money), ("prior_year", Int), ("change_line", Int), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "procurement", about: "government procurement budget (政府采购预算), items with subtotal and total rows", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("row_kind", Text), ("unit_code", Text), ("unit_name", Text), ("project_name", Text),
        ("project_budget", Money), ("item_name", Text), ("catalog_code", Text), ("measure_unit", Text), ("quantity", Number),
        ("unit_price", Money), ("amount", Money), ("general_public", Money), ("gov_fund", Money), ("state_capital", Money),
        ("special_account", Money), ("unit_funds", Money), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "assets", about: "fixed assets held (固定资产占用), quantity and value", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("item", Text), ("parent_item", Text), ("quantity", Number), ("value", Money),
        ("as_of", Date), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "func_classes", about: "functional classification codes explained in the document (类/款/项)", columns: &[
        ("year", Int), ("dept_code", Text), ("code", Text), ("level", Text), ("parent_code", Text), ("name", Text),
        ("description", Text), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "projects", about: "one row per project performance-goal table (项目绩效目标表)", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("unit_code", Text), ("unit_name", Text), ("seq", Int), ("project_code", Text),
        ("project_name", Text), ("budget", Money), ("fiscal", Money), ("other", Money), ("purpose", Text),
        ("stated_budget", Money), ("stated_fiscal", Money), ("stated_other", Money), ("stated_line", Int),
        ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "project_goals", about: "each project's numbered performance goals", columns: &[
        ("year", Int), ("dept_code", Text), ("project_code", Text), ("seq", Int), ("goal", Text), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "disbursement", about: "each project's cumulative disbursement plan (% by month 3/6/10/12)", columns: &[
        ("year", Int), ("dept_code", Text), ("project_code", Text), ("month", Int), ("cumulative_pct", Number),
        ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "indicators", about: "performance indicators: three-level tree, target value parsed", columns: &[
        ("year", Int), ("dept_code", Text), ("unit_code", Text), ("project_code", Text), ("level1", Text), ("level2", Text),
        ("level3", Text), ("description", Text), ("target_raw", Text), ("target_op", Text), ("target_value", Float),
        ("target_unit", Text), ("basis", Text), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "spending_by_function", about: "spending by functional classification (功能分类), one row per printed leaf 类/款/项", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("dept_name", Text), ("func_code", Text), ("level", Text),
        ("class_code", Text), ("class_name", Text), ("section_code", Text), ("section_name", Text), ("name", Text),
        ("basic", Money), ("project", Money), ("total", Money), ("scope", Text), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "spending_by_economic", about: "basic spending by economic classification (经济分类 301/30101 …), one row per printed leaf", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("dept_name", Text), ("econ_code", Text), ("class_code", Text),
        ("class_name", Text), ("name", Text), ("personnel", Money), ("public", Money), ("amount", Money), ("scope", Text),
        ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "income_by_source", about: "income by source (收入: 财政拨款, 事业收入 …) as the summary table prints it", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("dept_name", Text), ("item", Text), ("parent_item", Text),
        ("line_kind", Text), ("amount", Money), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "stated_subtotals", about: "the subtotals and totals classification tables print (类/款 rows, 合计), for AUDIT", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("table_name", Text), ("code", Text), ("name", Text),
        ("column_name", Text), ("amount", Money), ("source", Text), ("page", Int), ("line", Int)] },
    TableDef { name: "statements", about: "what the prose (情况说明) states, one subject per row: amount, change, percent, share, reason, as printed, for AUDIT", columns: &[
        ("year", Int), ("dept_code", Text), ("phase", Text), ("kind", Text), ("subject", Text), ("func_code", Text),
        ("amount", Money), ("restated", Money), ("prior_year", Int), ("prior_amount", Money), ("change", Money),
        ("direction", Text), ("percent", Number), ("share", Number), ("share_of", Text), ("share_base", Money),
        ("reason", Text), ("text", Text), ("source", Text), ("page", Int), ("line", Int)] },
];

/// The definition of a table, by name.
pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

/// The Polars schema of a contract table.
pub fn schema(def: &TableDef) -> Schema {
    def.columns
        .iter()
        .map(|(n, k)| Field::new((*n).into(), k.dtype()))
        .collect()
}

/// One cell value while building a frame.
#[derive(Debug, Clone)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i32>),
    Money(Option<Decimal>),
    Float(Option<f64>),
    /// (year, month, day)
    Date(Option<(i32, u32, u32)>),
}

fn t(s: &str) -> Value {
    Value::Text(Some(s.to_string()))
}
fn ot(s: &Option<String>) -> Value {
    Value::Text(s.clone())
}
fn m(d: &Option<Decimal>) -> Value {
    Value::Money(*d)
}
fn i(n: usize) -> Value {
    Value::Int(i32::try_from(n).ok())
}
fn oi(n: Option<usize>) -> Value {
    Value::Int(n.and_then(|n| i32::try_from(n).ok()))
}

/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Build a frame from rows of values, checked against the table's schema.
pub fn frame(def: &TableDef, rows: &[Vec<Value>]) -> Result<DataFrame, ModelError> {
    let err = |message: String| ModelError::Build {
        table: def.name.to_string(),
        message,
    };
    // every row has a value of its column's kind in each place: a value of another kind
    // (a record's field put in the wrong place) is an error here, never a NULL
    for (ri, r) in rows.iter().enumerate() {
        if r.len() != def.columns.len() {
            return Err(err(format!(
                "row {ri} has {} values for {} columns",
                r.len(),
                def.columns.len()
            )));
        }
        for ((name, kind), v) in def.columns.iter().zip(r) {
            let fits = matches!(
                (kind, v),
                (Kind::Text, Value::Text(_))
                    | (Kind::Int, Value::Int(_))
                    | (Kind::Money | Kind::Number, Value::Money(_))
                    | (Kind::Float, Value::Float(_))
                    | (Kind::Date, Value::Date(_))
            );
            if !fits {
                return Err(err(format!(
                    "row {ri}: column {name} holds {kind:?} values but was given {v:?}; this is a budgetql bug (a field built in the wrong place), please report it"
                )));
            }
        }
    }
    let mut cols: Vec<Column> = Vec::with_capacity(def.columns.len());
    for (ci, (name, kind)) in def.columns.iter().enumerate() {
        let name: PlSmallStr = (*name).into();
        let cell = |r: &Vec<Value>| r.get(ci).cloned();
        let series = match kind {
            Kind::Text => StringChunked::from_iter_options(
                name,
                rows.iter().map(|r| match cell(r) {
                    Some(Value::Text(s)) => s,
                    _ => None,
                }),
            )
            .into_series(),
            Kind::Int => Int32Chunked::from_iter_options(
                name,
                rows.iter().map(|r| match cell(r) {
                    Some(Value::Int(v)) => v,
                    _ => None,
                }),
            )
            .into_series(),
            Kind::Float => Float64Chunked::from_iter_options(
                name,
                rows.iter().map(|r| match cell(r) {
                    Some(Value::Float(v)) => v,
                    _ => None,
                }),
            )
            .into_series(),
            Kind::Date => Int32Chunked::from_iter_options(
                name,
                rows.iter().map(|r| match cell(r) {
                    Some(Value::Date(Some((y, mo, d)))) => Some(days_from_civil(y, mo, d)),
                    _ => None,
                }),
            )
            .into_date()
            .into_series(),
            Kind::Money | Kind::Number => {
                let (prec, scale) = if *kind == Kind::Money { MONEY } else { NUMBER };
                let mut mantissas = Vec::with_capacity(rows.len());
                for r in rows {
                    mantissas.push(match cell(r) {
                        Some(Value::Money(Some(d))) => Some(
                            mantissa(d, scale)
                                .map_err(|e| err(format!("column {}: {e}", def.columns[ci].0)))?,
                        ),
                        _ => None,
                    });
                }
                Int128Chunked::from_iter_options(name, mantissas.into_iter())
                    .into_decimal(prec, scale)
                    .map_err(|e| err(e.to_string()))?
                    .into_series()
            }
        };
        cols.push(series.into_column());
    }
    DataFrame::new(rows.len(), cols).map_err(|e| err(e.to_string()))
}

/// The integer a money Decimal(38,6) stores for `d` (d × 10⁶), refusing any rounding.
pub fn money_mantissa(d: Decimal) -> Result<i128, String> {
    mantissa(d, MONEY.1)
}

/// The integer a Decimal with `scale` stores for `d`, refusing any rounding.
pub fn mantissa(d: Decimal, scale: usize) -> Result<i128, String> {
    let mut x = d.normalize();
    if x.scale() > scale as u32 {
        return Err(format!("{d} has more than {scale} decimals"));
    }
    x.rescale(scale as u32);
    Ok(x.mantissa())
}

/// A number as SQL writes it (`1.005`, `-12`) as the integer a DECIMAL(p, s) stores:
/// exact, rounded half away from zero to `s` places as DuckDB casts a decimal literal
/// (`CAST(1.005 AS DECIMAL(10,2))` is 1.01; through a double it was 1.00). None for text
/// that is not a plain decimal number (an exponent) or a value of more than `p` digits.
pub fn decimal_literal(text: &str, p: usize, s: usize) -> Option<i128> {
    // read digit by digit (rust_decimal keeps 28 decimals; DECIMAL(38, 37) needs more)
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut m: i128 = 0;
    for b in int
        .bytes()
        .chain(frac.bytes().chain(std::iter::repeat(b'0')).take(s))
    {
        m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    // half away from zero at the first dropped decimal
    if frac.as_bytes().get(s).is_some_and(|&b| b >= b'5') {
        m = m.checked_add(1)?;
    }
    let m = if negative { -m } else { m };
    (m.unsigned_abs() < 10u128.checked_pow(u32::try_from(p).ok()?)?).then_some(m)
}

/// Every contract table of one document, in [`TABLES`] order.
pub fn frames(doc: &Document) -> Result<Vec<(&'static str, DataFrame)>, ModelError> {
    let y = Value::Int(Some(doc.year));
    let dc = t(&doc.dept_code);
    let src = t(&doc.source);
    let ph = t(doc.phase);
    let dn = t(&doc.dept_name);
    let r = &doc.records;
    let wrap = |mut v: Vec<Value>, line: usize| {
        let mut row = vec![y.clone(), dc.clone()];
        row.append(&mut v);
        row.push(src.clone());
        row.push(oi(doc.page_of(line)));
        row.push(i(line));
        row
    };
    let mut out = vec![];
    for def in TABLES {
        let rows: Vec<Vec<Value>> = match def.name {
            "departments" => r
                .departments
                .iter()
                .map(|d| {
                    wrap(
                        vec![
                            t(&d.dept_name),
                            ot(&d.region),
                            ph.clone(),
                            t(doc.level),
                            t(&doc.key_rule),
                            t(&doc.disclosure),
                            t(doc.layout),
                        ],
                        d.line,
                    )
                })
                .collect(),
            "units" => r
                .units
                .iter()
                .map(|u| {
                    wrap(
                        vec![
                            ot(&u.unit_code),
                            t(&u.unit_name),
                            ot(&u.unit_kind),
                            ot(&u.rank),
                            ot(&u.funding_form),
                        ],
                        u.line,
                    )
                })
                .collect(),
            "budget_lines" => r
                .budget_lines
                .iter()
                .map(|b| {
                    wrap(
                        vec![
                            ph.clone(),
                            t(b.direction),
                            t(&b.item),
                            ot(&b.parent_item),
                            t(b.line_kind),
                            m(&b.amount),
                            m(&b.change_vs_prior),
                            Value::Int(b.prior_year),
                            oi(b.change_line),
                        ],
                        b.line,
                    )
                })
                .collect(),
            "three_public" => r
                .three_public
                .iter()
                .map(|x| {
                    // the figure's own year: a 2021 document states 2020's 三公 too
                    let mut row = wrap(
                        vec![
                            x.phase.map_or_else(|| ph.clone(), t),
                            t(&x.category),
                            t(&x.label),
                            ot(&x.parent_category),
                            m(&x.amount),
                            m(&x.change_vs_prior),
                            Value::Int(x.prior_year),
                            oi(x.change_line),
                        ],
                        x.line,
                    );
                    row[0] = Value::Int(Some(x.year));
                    row
                })
                .collect(),
            "procurement" => r
                .procurement
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            t(x.row_kind),
                            ot(&x.unit_code),
                            ot(&x.unit_name),
                            ot(&x.project_name),
                            m(&x.project_budget),
                            ot(&x.item_name),
                            ot(&x.catalog_code),
                            ot(&x.measure_unit),
                            m(&x.quantity),
                            m(&x.unit_price),
                            m(&x.amount),
                            m(&x.general_public),
                            m(&x.gov_fund),
                            m(&x.state_capital),
                            m(&x.special_account),
                            m(&x.unit_funds),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "assets" => r
                .assets
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            t(&x.item),
                            ot(&x.parent_item),
                            m(&x.quantity),
                            m(&x.value),
                            Value::Date(x.as_of),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "func_classes" => r
                .func_classes
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            t(&x.code),
                            t(x.level),
                            ot(&x.parent_code),
                            t(&x.name),
                            ot(&x.description),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "projects" => r
                .projects
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            ot(&x.unit_code),
                            t(&x.unit_name),
                            Value::Int(Some(x.seq)),
                            t(&x.project_code),
                            t(&x.project_name),
                            Value::Money(Some(x.budget)),
                            m(&x.fiscal),
                            m(&x.other),
                            ot(&x.purpose),
                            m(&x.stated_budget),
                            m(&x.stated_fiscal),
                            m(&x.stated_other),
                            Value::Int(x.stated_line.and_then(|l| i32::try_from(l).ok())),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "project_goals" => r
                .project_goals
                .iter()
                .map(|x| {
                    wrap(
                        vec![t(&x.project_code), Value::Int(Some(x.seq)), t(&x.goal)],
                        x.line,
                    )
                })
                .collect(),
            "disbursement" => r
                .disbursement
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            t(&x.project_code),
                            Value::Int(Some(x.month)),
                            m(&x.cumulative_pct),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "indicators" => r
                .indicators
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ot(&x.unit_code),
                            t(&x.project_code),
                            t(&x.level1),
                            t(&x.level2),
                            ot(&x.level3),
                            ot(&x.description),
                            t(&x.target.raw),
                            Value::Text(x.target.op.map(str::to_string)),
                            Value::Float(x.target.value),
                            ot(&x.target.unit),
                            ot(&x.basis),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "spending_by_function" => r
                .spending_by_function
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            dn.clone(),
                            t(&x.func_code),
                            t(x.level),
                            t(&x.class_code),
                            ot(&x.class_name),
                            ot(&x.section_code),
                            ot(&x.section_name),
                            t(&x.name),
                            m(&x.basic),
                            m(&x.project),
                            m(&x.total),
                            t(x.scope),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "spending_by_economic" => r
                .spending_by_economic
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            dn.clone(),
                            t(&x.econ_code),
                            t(&x.class_code),
                            ot(&x.class_name),
                            t(&x.name),
                            m(&x.personnel),
                            m(&x.public),
                            m(&x.amount),
                            t(x.scope),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "income_by_source" => r
                .income_by_source
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            dn.clone(),
                            t(&x.item),
                            ot(&x.parent_item),
                            t(x.line_kind),
                            m(&x.amount),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "stated_subtotals" => r
                .stated_subtotals
                .iter()
                .map(|x| {
                    wrap(
                        vec![
                            ph.clone(),
                            t(x.table),
                            ot(&x.code),
                            t(&x.name),
                            t(x.column),
                            Value::Money(Some(x.amount)),
                        ],
                        x.line,
                    )
                })
                .collect(),
            "statements" => r
                .statements
                .iter()
                .map(|x| {
                    let num = |d: Option<Decimal>| {
                        Value::Money(d.filter(|d| d.normalize().scale() <= NUMBER.1 as u32))
                    };
                    wrap(
                        vec![
                            ph.clone(),
                            t(x.kind),
                            t(&x.subject),
                            ot(&x.func_code),
                            Value::Money(x.amount),
                            Value::Money(x.restated),
                            Value::Int(x.prior_year),
                            Value::Money(x.prior_amount),
                            Value::Money(x.change),
                            Value::Text(x.direction.map(str::to_string)),
                            num(x.percent),
                            num(x.share),
                            ot(&x.share_of),
                            Value::Money(x.share_base),
                            ot(&x.reason),
                            t(&x.text),
                        ],
                        x.line,
                    )
                })
                .collect(),
            other => {
                return Err(ModelError::Build {
                    table: other.to_string(),
                    message: "no record mapping".into(),
                })
            }
        };
        out.push((def.name, frame(def, &rows)?));
    }
    Ok(out)
}

/// Every contract table of several documents, each document's rows stacked, in
/// [`TABLES`] order; a table no document fills is empty with its schema.
pub fn stacked(docs: &[Document]) -> Result<Vec<(&'static str, DataFrame)>, ModelError> {
    let mut out: Vec<(&'static str, DataFrame)> = TABLES
        .iter()
        .map(|t| (t.name, DataFrame::empty_with_schema(&schema(t))))
        .collect();
    for doc in docs {
        for ((name, acc), (_, df)) in out.iter_mut().zip(frames(doc)?) {
            acc.vstack_mut(&df).map_err(|e| ModelError::Build {
                table: name.to_string(),
                message: e.to_string(),
            })?;
        }
    }
    Ok(out)
}

/// Row counts per table, in contract order.
pub fn row_counts(doc: &Document) -> Vec<(&'static str, usize)> {
    let r = &doc.records;
    vec![
        ("departments", r.departments.len()),
        ("units", r.units.len()),
        ("budget_lines", r.budget_lines.len()),
        ("three_public", r.three_public.len()),
        ("procurement", r.procurement.len()),
        ("assets", r.assets.len()),
        ("func_classes", r.func_classes.len()),
        ("projects", r.projects.len()),
        ("project_goals", r.project_goals.len()),
        ("disbursement", r.disbursement.len()),
        ("indicators", r.indicators.len()),
        ("spending_by_function", r.spending_by_function.len()),
        ("spending_by_economic", r.spending_by_economic.len()),
        ("income_by_source", r.income_by_source.len()),
        ("stated_subtotals", r.stated_subtotals.len()),
        ("statements", r.statements.len()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2020, 12, 31), 18627);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
    }

    #[test]
    fn a_value_of_another_kind_is_an_error_not_a_null() {
        let def = table("units").expect("units");
        let row = |unit_kind: Value| {
            vec![
                Value::Int(Some(2021)),
                t("216"),
                t("216001"),
                t("某单位"),
                unit_kind,
                Value::Text(None),
                Value::Text(None),
                t("doc.pdf"),
                Value::Int(Some(1)),
                Value::Int(Some(3)),
            ]
        };
        let df = frame(def, &[row(Value::Text(None))]).expect("a typed NULL is a NULL");
        assert_eq!(df.height(), 1);
        // a number where the unit kind's text belongs: the field is in the wrong place
        let e = frame(def, &[row(Value::Int(Some(5)))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("column unit_kind"), "{e}");
        let mut short = row(Value::Text(None));
        short.pop();
        assert!(frame(def, &[short]).is_err());
    }

    #[test]
    fn mantissa_is_exact() {
        assert_eq!(
            money_mantissa("162.00".parse().unwrap()).unwrap(),
            162_000_000
        );
        assert_eq!(money_mantissa("0.000001".parse().unwrap()).unwrap(), 1);
        assert!(money_mantissa("0.0000001".parse().unwrap()).is_err());
    }
}
