//! Session tables: `CREATE TABLE t (cols)`, `CREATE TABLE t AS SELECT …`, `INSERT INTO t
//! [(cols)] VALUES … | SELECT …` and `DROP TABLE [IF EXISTS] t`. They live in memory for
//! the session only (never in a warehouse) and are refused in safe mode and by the
//! server: an analyst's lookups (a deflator series, a department mapping), and what a
//! conformance suite needs to run as written.

use super::{located, object_name, qerr, Engine, Kind, Output};
use crate::error::QueryError;
use crate::query::Statement;
use polars::prelude::*;
use sqlparser::ast::{
    CreateTable, DataType as SQLType, ExactNumberInfo, Expr as SQLExpr, Insert, ObjectName,
    SetExpr, Spanned, TableObject, UnaryOperator, Value as SQLValue,
};

/// A key of a session table: its columns, and whether it is the PRIMARY KEY (its
/// values may not be NULL) or UNIQUE (rows with a NULL in it are not compared).
#[derive(Clone, Debug)]
pub(crate) struct Key {
    columns: Vec<String>,
    primary: bool,
}

/// The keys a CREATE TABLE declares, on a column or of the table.
fn declared_keys(ct: &CreateTable) -> Vec<Key> {
    use sqlparser::ast::{ColumnOption as O, TableConstraint as T};
    let mut keys = vec![];
    for c in &ct.columns {
        for o in &c.options {
            let primary = match &o.option {
                O::PrimaryKey(_) => true,
                O::Unique(_) => false,
                _ => continue,
            };
            keys.push(Key {
                columns: vec![c.name.value.clone()],
                primary,
            });
        }
    }
    for t in &ct.constraints {
        let (cols, primary) = match t {
            T::PrimaryKey(k) => (&k.columns, true),
            T::Unique(k) => (&k.columns, false),
            _ => continue,
        };
        keys.push(Key {
            columns: cols.iter().map(|c| c.column.expr.to_string()).collect(),
            primary,
        });
    }
    keys
}

/// A key the rows break: a repeated value, or a NULL in the primary key; the message.
fn broken_key(table: &DataFrame, name: &str, keys: &[Key]) -> Result<Option<String>, PolarsError> {
    for k in keys {
        let cols: Vec<Expr> = k.columns.iter().map(|c| col(c.as_str())).collect();
        let shown = k.columns.join(", ");
        let what = if k.primary { "PRIMARY KEY" } else { "UNIQUE" };
        if k.primary {
            let nulls = table
                .clone()
                .lazy()
                .filter(any_horizontal(
                    cols.iter().map(|c| c.clone().is_null()).collect::<Vec<_>>(),
                )?)
                .select([len()])
                .collect()?;
            if nulls.column("len")?.get(0)?.extract::<u64>().unwrap_or(0) > 0 {
                return Ok(Some(format!(
                    "the {what} ({shown}) of `{name}` may not be NULL; the INSERT is refused and `{name}` is unchanged"
                )));
            }
        }
        let repeated = table
            .clone()
            .lazy()
            .filter(all_horizontal(
                cols.iter()
                    .map(|c| c.clone().is_not_null())
                    .collect::<Vec<_>>(),
            )?)
            .group_by(cols.clone())
            .agg([len().alias("__n")])
            .filter(col("__n").gt(lit(1)))
            .limit(1)
            .collect()?;
        if repeated.height() > 0 {
            let values: Vec<String> = k
                .columns
                .iter()
                .map(|c| {
                    repeated
                        .column(c)
                        .and_then(|v| v.get(0))
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                })
                .collect();
            return Ok(Some(format!(
                "the INSERT would repeat the {what} ({shown}) = ({}) of `{name}`; it is refused and `{name}` is unchanged",
                values.join(", ")
            )));
        }
    }
    Ok(None)
}

/// How many chunks an INSERTed-to table may hold before it is made contiguous again (each
/// INSERT appends one).
const MAX_CHUNKS: usize = 64;

impl Engine {
    fn refuse_in_safe_mode(
        &self,
        origin: &str,
        st: &Statement,
        what: &str,
    ) -> Result<(), QueryError> {
        if self.safe {
            return Err(located(origin, st, 1, 1, &format!(
                "safe mode: {what} changes the session's tables and is refused; this session only queries what is loaded"
            )));
        }
        Ok(())
    }

    /// `CREATE TABLE t (cols)` or `CREATE TABLE t AS query`.
    pub(super) fn create_table(
        &mut self,
        origin: &str,
        st: &Statement,
        ct: &CreateTable,
    ) -> Result<Output, QueryError> {
        self.refuse_in_safe_mode(origin, st, "CREATE TABLE")?;
        let name = object_name(&ct.name);
        if let Some((_, k)) = self.names.iter().find(|(n, _)| *n == name) {
            if ct.if_not_exists {
                return Ok(Output::Message(format!("table {name} exists")));
            }
            if !(ct.or_replace && *k == Kind::Session) {
                let (l, c) = start_of(&ct.name);
                return Err(located(
                    origin,
                    st,
                    l,
                    c,
                    &format!(
                        "`{name}` is already a {}; choose another name{}",
                        k.label(),
                        if *k == Kind::Session {
                            " (or CREATE OR REPLACE TABLE)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        let df = match &ct.query {
            Some(q) => {
                if !ct.columns.is_empty() {
                    return Err(located(origin, st, 1, 1, "CREATE TABLE … AS takes its columns from the query; name them there (SELECT x AS name)"));
                }
                let lf = self.frame(origin, st, q)?;
                lf.collect()
                    .map_err(|e| self.explain_error(origin, st, &e))?
            }
            None => {
                if ct.columns.is_empty() {
                    return Err(located(origin, st, 1, 1, "CREATE TABLE needs its columns: CREATE TABLE t (name TYPE, …), or CREATE TABLE t AS SELECT …"));
                }
                let mut cols: Vec<Column> = vec![];
                for c in &ct.columns {
                    let cname = c.name.value.clone();
                    if cols.iter().any(|x| x.name().as_str() == cname) {
                        let (l, cc) = ident_start(&c.name);
                        return Err(located(
                            origin,
                            st,
                            l,
                            cc,
                            &format!("column `{cname}` is named twice"),
                        ));
                    }
                    if let Some(what) = c.options.iter().find_map(|o| changes_answers(&o.option)) {
                        let (l, cc) = ident_start(&c.name);
                        return Err(located(origin, st, l, cc, &format!(
                            "column `{cname}`: budgetql's session tables do not support {what} yet (it would change what the table holds or how its values compare); create the column without it"
                        )));
                    }
                    let dt = column_type(&c.data_type).ok_or_else(|| {
                        let (l, cc) = ident_start(&c.name);
                        located(origin, st, l, cc, &format!(
                            "column `{cname}`: type `{}` is not one budgetql stores; use INTEGER, BIGINT, DOUBLE, REAL, DECIMAL(p, s), TEXT, VARCHAR, BOOLEAN or DATE",
                            c.data_type
                        ))
                    })?;
                    cols.push(Column::new_empty(cname.into(), &dt));
                }
                DataFrame::new(0, cols).map_err(|e| qerr(e.to_string()))?
            }
        };
        let n = df.height();
        // (a table made from a query declares no key: its columns come from the query)
        self.keys.insert(name.clone(), declared_keys(ct));
        self.register(&name, df.lazy(), Kind::Session);
        Ok(Output::Message(format!("table {name} created ({n} rows)")))
    }

    /// `INSERT INTO t [(cols)] VALUES (…), … | query`.
    pub(super) fn insert(
        &mut self,
        origin: &str,
        st: &Statement,
        ins: &Insert,
    ) -> Result<Output, QueryError> {
        self.refuse_in_safe_mode(origin, st, "INSERT")?;
        // forms that change which rows are kept, or answer with rows: not silently ignored
        let unsupported = if ins.on.is_some() {
            Some("ON CONFLICT / ON DUPLICATE KEY")
        } else if ins.or.is_some() || ins.replace_into || ins.ignore {
            Some("INSERT OR REPLACE / OR IGNORE")
        } else if ins.returning.is_some() || ins.output.is_some() {
            Some("RETURNING")
        } else if ins.overwrite || ins.partitioned.is_some() || !ins.assignments.is_empty() {
            Some("this form of INSERT")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return Err(located(origin, st, 1, 1, &format!(
                "budgetql's session tables do not support {what} yet; INSERT INTO t [(cols)] VALUES … | query adds rows"
            )));
        }
        let TableObject::TableName(tn) = &ins.table else {
            return Err(located(origin, st, 1, 1, "INSERT INTO names a table"));
        };
        let name = object_name(tn);
        let (l, c) = start_of(tn);
        match self.names.iter().find(|(n, _)| *n == name) {
            Some((_, Kind::Session)) => {}
            Some((_, k)) => {
                return Err(located(origin, st, l, c, &format!(
                    "`{name}` is a {}: budgetql reads budgets, it does not change them; INSERT adds rows to a table made with CREATE TABLE",
                    k.label()
                )))
            }
            None => {
                return Err(located(origin, st, l, c, &format!(
                    "there is no table `{name}`; make it first with CREATE TABLE {name} (…)"
                )))
            }
        }
        let table = self
            .frames
            .get(&name)
            .cloned()
            .ok_or_else(|| qerr(format!("table {name} is not registered")))?
            .collect()
            .map_err(|e| qerr(e.to_string()))?;
        let schema = table.schema().clone();
        let targets = target_columns(origin, st, &name, &schema, ins)?;
        let types: Vec<DataType> = targets
            .iter()
            .map(|t| schema.get(t).cloned().unwrap_or(DataType::Null))
            .collect();
        let new = self.new_rows(origin, st, ins, &targets, &types)?;
        let height = new.first().map(|c| c.len()).unwrap_or(0);
        // VALUES holds literals: `2.5` is an exact number there, as in DuckDB
        let literals = ins
            .source
            .as_ref()
            .is_some_and(|q| matches!(q.body.as_ref(), SetExpr::Values(_)));
        // every column of the table, cast to its type; columns not named are NULL
        let mut out: Vec<Column> = vec![];
        for (cname, dt) in schema.iter() {
            let col = match new.iter().find(|c| c.name() == cname) {
                Some(c) => integral(c, dt, literals).strict_cast(dt).map_err(|_| {
                    located(
                        origin,
                        st,
                        1,
                        1,
                        &format!(
                            "column `{cname}` is {}, and a value given for it is not: {}",
                            super::type_name(dt),
                            first_uncastable(c, dt).unwrap_or_default()
                        ),
                    )
                })?,
                None => Column::full_null(cname.clone(), height, dt),
            };
            out.push(col);
        }
        let rows = DataFrame::new(height, out).map_err(|e| qerr(e.to_string()))?;
        let mut table = table;
        table.vstack_mut(&rows).map_err(|e| qerr(e.to_string()))?;
        let keys = self.keys.get(&name).cloned().unwrap_or_default();
        if let Some(m) = broken_key(&table, &name, &keys).map_err(|e| qerr(e.to_string()))? {
            return Err(located(origin, st, 1, 1, &m));
        }
        if table.first_col_n_chunks() > MAX_CHUNKS {
            table.rechunk_mut();
        }
        self.register(&name, table.lazy(), Kind::Session);
        Ok(Output::Message(format!(
            "{height} row{} inserted into {name}",
            if height == 1 { "" } else { "s" }
        )))
    }

    /// The rows an INSERT adds (its VALUES, or its query's result), as columns named like
    /// the target columns.
    fn new_rows(
        &mut self,
        origin: &str,
        st: &Statement,
        ins: &Insert,
        targets: &[String],
        types: &[DataType],
    ) -> Result<Vec<Column>, QueryError> {
        let source = ins
            .source
            .as_ref()
            .ok_or_else(|| located(origin, st, 1, 1, "INSERT takes VALUES (…) or a query"))?;
        Ok(match source.body.as_ref() {
            SetExpr::Values(values) if source.order_by.is_none() && source.with.is_none() => {
                let mut cells: Vec<Vec<AnyValue<'static>>> = vec![vec![]; targets.len()];
                for row in &values.rows {
                    if row.len() != targets.len() {
                        let (l, cc) =
                            start_of(row.first().unwrap_or(&SQLExpr::value(SQLValue::Null)));
                        return Err(located(
                            origin,
                            st,
                            l,
                            cc,
                            &format!(
                                "a row of {} values for {} columns ({})",
                                row.len(),
                                targets.len(),
                                targets.join(", ")
                            ),
                        ));
                    }
                    for (i, e) in row.iter().enumerate() {
                        let exact = match types.get(i) {
                            Some(DataType::Decimal(p, s)) => decimal(e, *p, *s),
                            _ => None,
                        };
                        let v = match exact.or_else(|| literal(e)) {
                            Some(v) => v,
                            None => self.evaluate(origin, st, e)?,
                        };
                        cells[i].push(v);
                    }
                }
                targets
                    .iter()
                    .zip(cells)
                    .map(|(n, vals)| {
                        Series::from_any_values(n.as_str().into(), &vals, false)
                            .map(Column::from)
                            .map_err(|e| qerr(e.to_string()))
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => {
                let lf = self.frame(origin, st, source)?;
                let df = lf
                    .collect()
                    .map_err(|e| self.explain_error(origin, st, &e))?;
                if df.width() != targets.len() {
                    return Err(located(
                        origin,
                        st,
                        1,
                        1,
                        &format!(
                            "the query gives {} columns for {} ({})",
                            df.width(),
                            targets.len(),
                            targets.join(", ")
                        ),
                    ));
                }
                df.columns()
                    .iter()
                    .zip(targets)
                    .map(|(c, n)| c.clone().with_name(n.as_str().into()))
                    .collect()
            }
        })
    }

    /// `DROP TABLE [IF EXISTS] t, …`: session tables only.
    pub(super) fn drop_tables(
        &mut self,
        origin: &str,
        st: &Statement,
        names: &[ObjectName],
        if_exists: bool,
    ) -> Result<Output, QueryError> {
        self.refuse_in_safe_mode(origin, st, "DROP TABLE")?;
        for n in names {
            let name = object_name(n);
            let (l, c) = start_of(n);
            match self.names.iter().position(|(x, _)| *x == name) {
                Some(i) if self.names[i].1 == Kind::Session => {
                    self.names.remove(i);
                    self.frames.remove(&name);
                    self.schemas.remove(&name);
                    self.keys.remove(&name);
                }
                Some(i) => {
                    return Err(located(origin, st, l, c, &format!(
                        "`{name}` is a {}; DROP TABLE drops tables made with CREATE TABLE in this session",
                        self.names[i].1.label()
                    )))
                }
                None if if_exists => {}
                None => {
                    return Err(located(origin, st, l, c, &format!("there is no table `{name}`")))
                }
            }
        }
        Ok(Output::Message("table dropped".into()))
    }

    /// The value of one expression of a VALUES row that is not a plain literal
    /// (`1 + 2`, `CAST('2021-01-01' AS DATE)`), computed by the query engine.
    fn evaluate(
        &mut self,
        origin: &str,
        st: &Statement,
        e: &SQLExpr,
    ) -> Result<AnyValue<'static>, QueryError> {
        let sql = format!("SELECT {e} AS v");
        let sub = Statement {
            text: sql.clone(),
            line: st.line,
            column: st.column,
        };
        let q = super::parse_query(&sql).map_err(qerr)?;
        let df = self
            .frame(origin, &sub, &q)?
            .collect()
            .map_err(|err| self.explain_error(origin, &sub, &err))?;
        let v = df
            .column("v")
            .and_then(|c| c.get(0))
            .map_err(|err| qerr(err.to_string()))?;
        Ok(v.into_static())
    }
}

/// A column option that would change the table's rows or how its values compare
/// (COLLATE, DEFAULT, CHECK, generated values, …), named for the message; None for the
/// ones that only constrain what may be inserted (NULL, NOT NULL, PRIMARY KEY, UNIQUE,
/// REFERENCES) or describe the column (COMMENT, CHARACTER SET).
fn changes_answers(o: &sqlparser::ast::ColumnOption) -> Option<String> {
    use sqlparser::ast::ColumnOption as O;
    match o {
        O::Null
        | O::NotNull
        | O::PrimaryKey(_)
        | O::Unique(_)
        | O::ForeignKey(_)
        | O::Comment(_)
        | O::CharacterSet(_) => None,
        O::Collation(c) => Some(format!("COLLATE {c}")),
        O::Default(_) => Some("DEFAULT".into()),
        O::Check(_) => Some("CHECK".into()),
        other => Some(format!("`{other}`")),
    }
}

/// The columns an INSERT names (all of the table's, in order, when it names none).
fn target_columns(
    origin: &str,
    st: &Statement,
    name: &str,
    schema: &Schema,
    ins: &Insert,
) -> Result<Vec<String>, QueryError> {
    Ok(if ins.columns.is_empty() {
        schema.iter_names().map(|n| n.to_string()).collect()
    } else {
        let mut v = vec![];
        for c in &ins.columns {
            let cname = object_name(c);
            if !schema.contains(&cname) {
                let (l, cc) = start_of(c);
                return Err(located(
                    origin,
                    st,
                    l,
                    cc,
                    &format!(
                        "table `{name}` has no column `{cname}`; its columns are {}",
                        schema
                            .iter_names()
                            .map(|n| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if v.contains(&cname) {
                let (l, cc) = start_of(c);
                return Err(located(
                    origin,
                    st,
                    l,
                    cc,
                    &format!("column `{cname}` is named twice"),
                ));
            }
            v.push(cname);
        }
        v
    })
}

/// A literal of a VALUES row (a number, a string, NULL, TRUE/FALSE, a signed number).
fn literal(e: &SQLExpr) -> Option<AnyValue<'static>> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Null => Some(AnyValue::Null),
            SQLValue::Boolean(b) => Some(AnyValue::Boolean(*b)),
            SQLValue::SingleQuotedString(s) => Some(AnyValue::StringOwned(s.as_str().into())),
            SQLValue::Number(n, _) => number(n, false),
            _ => None,
        },
        SQLExpr::UnaryOp { op, expr } => match (op, expr.as_ref()) {
            (UnaryOperator::Minus | UnaryOperator::Plus, SQLExpr::Value(v)) => match &v.value {
                SQLValue::Number(n, _) => number(n, *op == UnaryOperator::Minus),
                _ => None,
            },
            _ => None,
        },
        SQLExpr::Nested(inner) => literal(inner),
        _ => None,
    }
}

/// A number literal for a DECIMAL(p, s) column, read exactly (never through a double).
fn decimal(e: &SQLExpr, p: usize, s: usize) -> Option<AnyValue<'static>> {
    let text = crate::query::bind::number_text(e)?;
    crate::model::decimal_literal(&text, p, s).map(|m| AnyValue::Decimal(m, p, s))
}

fn number(n: &str, negative: bool) -> Option<AnyValue<'static>> {
    let text = if negative {
        format!("-{n}")
    } else {
        n.to_string()
    };
    if let Ok(i) = text.parse::<i64>() {
        return Some(AnyValue::Int64(i));
    }
    text.parse::<f64>().ok().map(AnyValue::Float64)
}

/// The Polars type a column declared with `t` is stored as.
fn column_type(t: &SQLType) -> Option<DataType> {
    Some(match t {
        SQLType::Int(_)
        | SQLType::Integer(_)
        | SQLType::BigInt(_)
        | SQLType::SmallInt(_)
        | SQLType::TinyInt(_)
        | SQLType::Int64
        | SQLType::Int32 => DataType::Int64,
        SQLType::Real
        | SQLType::Float(_)
        | SQLType::Double(_)
        | SQLType::DoublePrecision
        | SQLType::Float64
        | SQLType::Float8 => DataType::Float64,
        SQLType::Text
        | SQLType::String(_)
        | SQLType::Varchar(_)
        | SQLType::Char(_)
        | SQLType::CharacterVarying(_)
        | SQLType::Character(_)
        | SQLType::Nvarchar(_) => DataType::String,
        SQLType::Boolean | SQLType::Bool => DataType::Boolean,
        SQLType::Date => DataType::Date,
        SQLType::Decimal(info) | SQLType::Numeric(info) => {
            // DECIMAL alone is DuckDB's DECIMAL(18, 3); DECIMAL(p) has no decimals
            let scale = match info {
                ExactNumberInfo::PrecisionAndScale(_, s) => (*s).max(0) as usize,
                ExactNumberInfo::None => 3,
                _ => 0,
            };
            if scale > 38 {
                return None;
            }
            DataType::Decimal(38, scale)
        }
        _ => return None,
    })
}

/// Values with decimals going into an integer column rounded as SQL casts them (Polars
/// truncated 223.88 to 223): a double half to even, a decimal or a literal (`literals`,
/// VALUES: DuckDB reads `2.5` as a decimal) half away from zero. Other values as they are.
fn integral(c: &Column, dt: &DataType, literals: bool) -> Column {
    use polars::prelude::RoundSeries;
    let mode = match c.dtype() {
        d if d.is_float() && !literals => RoundMode::HalfToEven,
        d if d.is_float() => RoundMode::HalfAwayFromZero,
        d if d.is_decimal() => RoundMode::HalfAwayFromZero,
        _ => return c.clone(),
    };
    if !dt.is_integer() {
        return c.clone();
    }
    match c.as_materialized_series().round(0, mode) {
        Ok(r) => r.into_column(),
        Err(_) => c.clone(),
    }
}

/// The first value of `c` that does not cast to `dt`, for the message.
fn first_uncastable(c: &Column, dt: &DataType) -> Option<String> {
    let cast = c.cast(dt).ok()?;
    for i in 0..c.len() {
        let (a, b) = (c.get(i).ok()?, cast.get(i).ok()?);
        if !a.is_null() && b.is_null() {
            return Some(format!("`{a}`"));
        }
    }
    None
}

/// The line and column (1-based, within the statement) where a node starts.
fn start_of(node: &impl Spanned) -> (usize, usize) {
    let s = node.span().start;
    (s.line.max(1) as usize, s.column.max(1) as usize)
}

/// Where an identifier starts (line, column; 1-based, within the statement).
fn ident_start(i: &sqlparser::ast::Ident) -> (usize, usize) {
    (
        i.span.start.line.max(1) as usize,
        i.span.start.column.max(1) as usize,
    )
}
