//! budgetql SQL lowered to the SQL another engine runs (`budgetql sql --dialect …`): the
//! budget extensions (SHARE, YOY, ROLLUP, PIVOT, `:name` parameters) are rewritten by
//! [`super::rewrite`] into standard SQL — windows, CTEs, UNION ALL, conditional
//! aggregates — and the text is then adjusted to the engine:
//!
//! - **DuckDB** reads it nearly as it is (double-quoted identifiers, `MEDIAN`,
//!   `QUANTILE_CONT`, a quotient in DOUBLE); a semi join is spelled `SEMI JOIN`.
//! - **Spark SQL** quotes identifiers with backticks (a double-quoted word is a string
//!   there); `QUANTILE_CONT(x, p)` is `percentile(x, p)`; text is `STRING`; a quotient of two decimals
//!   keeps decimal digits in Spark, so every `a / b` is computed in DOUBLE, as budgetql
//!   and DuckDB compute it.
//!
//! What is left out on purpose: the rewrites that make polars-sql answer as SQL means
//! (the rules in rules/; `polars.rs` for `--dialect polars`) — the other engines already do.

pub(crate) mod polars;
use super::rewrite::{fname, RewriteError};
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, DataType, Expr as SQLExpr, Ident, JoinOperator,
    ObjectName, ObjectNamePart, SetExpr, Statement as SQLStatement, VisitMut, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser as SQLParser;
use std::ops::ControlFlow;

/// An engine budgetql's SQL can be lowered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// DuckDB (1.x, 2.x)
    Duckdb,
    /// Spark SQL (3.4 and later)
    Spark,
    /// Polars' own SQL (`pl.sql`), its windows written out so that Polars computes what SQL means
    Polars,
}

/// Identifiers Spark cannot read bare (non-ASCII names, keywords-like shapes) are quoted;
/// [`requote`] then turns every double-quoted identifier into a backticked one.
struct QuoteNames;

impl VisitorMut for QuoteNames {
    type Break = ();
    fn pre_visit_expr(&mut self, e: &mut SQLExpr) -> ControlFlow<()> {
        match e {
            SQLExpr::Identifier(i) => tick(i),
            SQLExpr::CompoundIdentifier(is) => is.iter_mut().for_each(tick),
            _ => {}
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
        for p in &mut r.0 {
            if let ObjectNamePart::Identifier(i) = p {
                tick(i);
            }
        }
        ControlFlow::Continue(())
    }
}

fn tick(i: &mut Ident) {
    if i.quote_style.is_none() && needs_quotes(&i.value) {
        i.quote_style = Some('"');
    }
}

fn needs_quotes(s: &str) -> bool {
    !s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every double-quoted identifier outside string literals, in expressions, relations,
/// aliases and CTE names alike, becomes a backticked one (Spark reads `"x"` as text).
fn requote(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push(c);
                // a string literal, '' inside it included
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\'' {
                        if chars.peek() == Some(&'\'') {
                            out.push(chars.next().unwrap_or('\''));
                        } else {
                            break;
                        }
                    }
                }
            }
            '"' => {
                out.push('`');
                while let Some(d) = chars.next() {
                    if d == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            out.push('"');
                        } else {
                            break;
                        }
                    } else if d == '`' {
                        out.push_str("``");
                    } else {
                        out.push(d);
                    }
                }
                out.push('`');
            }
            _ => out.push(c),
        }
    }
    out
}

fn is_double(e: &SQLExpr) -> bool {
    match e {
        SQLExpr::Nested(x) => is_double(x),
        SQLExpr::Cast { data_type, .. } => matches!(data_type, DataType::Double(_)),
        _ => false,
    }
}

fn double(e: SQLExpr) -> SQLExpr {
    if is_double(&e) {
        return e;
    }
    SQLExpr::Cast {
        kind: sqlparser::ast::CastKind::Cast,
        expr: Box::new(SQLExpr::Nested(Box::new(e))),
        data_type: DataType::Double(sqlparser::ast::ExactNumberInfo::None),
        array: false,
        format: None,
    }
}

/// `LEFT SEMI JOIN` (Spark's and polars-sql's spelling) → `SEMI JOIN` (DuckDB's), in
/// every query of the statement.
struct SemiJoins;

impl VisitorMut for SemiJoins {
    type Break = ();
    fn pre_visit_query(&mut self, q: &mut sqlparser::ast::Query) -> ControlFlow<()> {
        fn body(s: &mut SetExpr) {
            match s {
                SetExpr::Select(sel) => {
                    for t in &mut sel.from {
                        for j in &mut t.joins {
                            let op = std::mem::replace(
                                &mut j.join_operator,
                                JoinOperator::CrossJoin(sqlparser::ast::JoinConstraint::None),
                            );
                            j.join_operator = match op {
                                JoinOperator::LeftSemi(c) => JoinOperator::Semi(c),
                                JoinOperator::LeftAnti(c) => JoinOperator::Anti(c),
                                other => other,
                            };
                        }
                    }
                }
                SetExpr::SetOperation { left, right, .. } => {
                    body(left);
                    body(right);
                }
                _ => {}
            }
        }
        body(&mut q.body);
        ControlFlow::Continue(())
    }
}

/// Standard SQL from [`super::rewrite`] → the text `d` runs.
pub fn adapt(sql: &str, d: Dialect) -> Result<String, RewriteError> {
    if d == Dialect::Polars {
        return Ok(sql.to_string());
    }
    let mut stmts = SQLParser::parse_sql(&GenericDialect {}, sql).map_err(|e| RewriteError {
        line: 1,
        column: 1,
        message: format!("internal: the lowered SQL does not parse again: {e}"),
    })?;
    for s in &mut stmts {
        match d {
            Dialect::Spark => spark(s),
            _ => {
                let _ = s.visit(&mut SemiJoins);
            }
        }
    }
    let text = stmts
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(";\n");
    Ok(if d == Dialect::Spark {
        requote(&text)
    } else {
        text
    })
}

fn spark(s: &mut SQLStatement) {
    let _ = visit_expressions_mut(s, |e: &mut SQLExpr| {
        match e {
            SQLExpr::BinaryOp {
                left,
                op: BinaryOperator::Divide,
                right,
            } => {
                let l =
                    std::mem::replace(left.as_mut(), SQLExpr::value(sqlparser::ast::Value::Null));
                let r =
                    std::mem::replace(right.as_mut(), SQLExpr::value(sqlparser::ast::Value::Null));
                **left = double(l);
                **right = double(r);
            }
            // Spark's text type is STRING (its VARCHAR needs a length)
            SQLExpr::Cast { data_type, .. }
                if matches!(
                    data_type,
                    DataType::Varchar(None) | DataType::Text | DataType::CharacterVarying(None)
                ) =>
            {
                *data_type = DataType::String(None);
            }
            SQLExpr::Function(f) if fname(f) == "QUANTILE_CONT" => {
                f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("percentile"))]);
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = s.visit(&mut QuoteNames);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_quotes_with_backticks_and_divides_in_double() {
        let s = adapt(
            "WITH t AS (SELECT \"year\", SUM(budget) AS \"合计\" FROM projects GROUP BY 1) SELECT \"year\", \"合计\" / 2 AS \"half\", 'a \"quoted\" word' AS w, CAST(\"year\" AS VARCHAR) AS y FROM t",
            Dialect::Spark,
        )
        .unwrap();
        assert_eq!(
            s,
            "WITH t AS (SELECT `year`, SUM(budget) AS `合计` FROM projects GROUP BY 1) SELECT `year`, CAST((`合计`) AS DOUBLE) / CAST((2) AS DOUBLE) AS `half`, 'a \"quoted\" word' AS w, CAST(`year` AS STRING) AS y FROM t"
        );
    }

    #[test]
    fn spark_names_quantiles_percentile_and_duckdb_is_unchanged() {
        let q = "SELECT QUANTILE_CONT(target_value, 0.9) AS p FROM indicators";
        assert_eq!(
            adapt(q, Dialect::Spark).unwrap(),
            "SELECT percentile(target_value, 0.9) AS p FROM indicators"
        );
        assert_eq!(adapt(q, Dialect::Duckdb).unwrap(), q);
    }

    #[test]
    fn duckdb_spells_a_semi_join_semi_join_in_every_query() {
        let q = "SELECT year FROM projects LEFT SEMI JOIN (SELECT project_code AS __k FROM indicators) AS s ON project_code = s.__k WHERE unit_code IN (SELECT unit_code FROM units LEFT SEMI JOIN t ON a = b)";
        assert_eq!(
            adapt(q, Dialect::Duckdb).unwrap(),
            "SELECT year FROM projects SEMI JOIN (SELECT project_code AS __k FROM indicators) AS s ON project_code = s.__k WHERE unit_code IN (SELECT unit_code FROM units SEMI JOIN t ON a = b)"
        );
        assert_eq!(adapt(q, Dialect::Spark).unwrap(), q);
    }
}
