//! Scalar functions beyond the core ones in expr.rs: mathematics, bits, text, dates and
//! lists, each as one arm (the arguments already bound; `args` are the SQL arguments,
//! for the ones that must be literals). Semantics are SQL's (DuckDB's where dialects
//! differ): text positions and lengths count characters, not bytes.

use super::expr::{literal_number, Num};
use super::*;

/// The functions [`scalar`] plans (their main spellings), for the shell's completion and
/// highlighting; a test checks that each is planned.
/// The function the rewrite of a scalar subquery calls: its value, refused when its
/// subquery returned more than one row.
pub(crate) const ONE_ROW: &str = "__BQ_ONE_ROW";

pub(crate) const NAMES: &[&str] = &[
    "ACOS",
    "ARRAY_CONTAINS",
    "ARRAY_GET",
    "ARRAY_LENGTH",
    "ARRAY_LOWER",
    "ARRAY_MAX",
    "ARRAY_MEAN",
    "ARRAY_MIN",
    "ARRAY_SUM",
    "ARRAY_TO_STRING",
    "ARRAY_UPPER",
    "ASIN",
    "ATAN",
    "ATAN2",
    "BIT_AND",
    "BIT_LENGTH",
    "BIT_NOT",
    "BIT_OR",
    "BIT_XOR",
    "CONCAT_WS",
    "COS",
    "COSD",
    "COT",
    "DATE",
    "DATE_PART",
    "DEGREES",
    "ENDS_WITH",
    "IF",
    "IFNULL",
    "LOG1P",
    "LPAD",
    "LTRIM",
    "NORMALIZE",
    "NVL",
    "OCTET_LENGTH",
    "PI",
    "RADIANS",
    "REGEXP_LIKE",
    "REGEXP_MATCHES",
    "RPAD",
    "RTRIM",
    "SIN",
    "SIND",
    "SPLIT_PART",
    "STRFTIME",
    "STRING_TO_ARRAY",
    "STRPOS",
    "TAN",
    "TAND",
    "XOR",
];

/// A literal text argument.
fn text_arg(a: Option<&SQLExpr>) -> Option<String> {
    match a? {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::SingleQuotedString(t) => Some(t.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn null() -> Expr {
    Expr::Literal(LiteralValue::untyped_null())
}

/// `x`, NULL where `x` is NULL (for results that Polars computes from a default).
fn null_if_null(x: &Expr, value: Expr) -> Expr {
    when(x.clone().is_null()).then(null()).otherwise(value)
}

/// The scalar function `name` over bound arguments `xs`, or None when budgetql does not
/// know it (with these arguments).
pub(super) fn scalar(name: &str, xs: &[Expr], args: &[Option<&SQLExpr>]) -> Option<Bound<Expr>> {
    let text = |k: usize| text_arg(args.get(k).copied().flatten());
    Some(Ok(match (name, xs) {
        // mathematics, in DOUBLE
        ("PI", []) => lit(std::f64::consts::PI),
        ("SIN", [x]) => x.clone().sin(),
        ("COS", [x]) => x.clone().cos(),
        ("TAN", [x]) => x.clone().tan(),
        ("COT", [x]) => x.clone().cot(),
        ("ASIN", [x]) => x.clone().arcsin(),
        ("ACOS", [x]) => x.clone().arccos(),
        ("ATAN", [x]) => x.clone().arctan(),
        ("ATAN2", [y, x]) => y.clone().arctan2(x.clone()),
        ("DEGREES", [x]) => x.clone().degrees(),
        ("RADIANS", [x]) => x.clone().radians(),
        ("SIND", [x]) => x.clone().radians().sin(),
        ("COSD", [x]) => x.clone().radians().cos(),
        ("TAND", [x]) => x.clone().radians().tan(),
        ("LOG1P", [x]) => x.clone().log1p(),
        // bits of integers
        ("BIT_AND", [a, b]) => a.clone().and(b.clone()),
        ("BIT_OR", [a, b]) => a.clone().or(b.clone()),
        ("BIT_XOR" | "XOR", [a, b]) => a.clone().xor(b.clone()),
        ("BIT_NOT", [a]) => a.clone().not(),
        // conditionals
        ("IF" | "IIF", [c, a, b]) => when(c.clone()).then(a.clone()).otherwise(b.clone()),
        ("IFNULL" | "NVL", [a, b]) => coalesce(&[a.clone(), b.clone()]),
        // budgetql's own: a scalar subquery's value `v` of its `n` rows (the rewrite of
        // rules/subqueries.rs `one_row`); more than one row is an error, as in SQL
        (ONE_ROW, [n, v]) => one_row(n, v),
        // text
        ("BIT_LENGTH", [x]) => x.clone().str().len_bytes().cast(DataType::Int64) * lit(8i64),
        ("OCTET_LENGTH", [x]) => x.clone().str().len_bytes().cast(DataType::Int64),
        ("ENDS_WITH", [x, s]) => x.clone().str().ends_with(s.clone()),
        ("CONCAT_WS", [_, rest @ ..]) if !rest.is_empty() => {
            let sep = text(0)?;
            concat_str(rest, &sep, true)
        }
        ("LPAD" | "RPAD", [x, n] | [x, n, _]) => {
            let fill = match xs.len() {
                2 => ' ',
                _ => {
                    let t = text(2)?;
                    let mut cs = t.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) => c,
                        _ => {
                            return Some(unbound(format!(
                                "{name} with a fill of other than one character"
                            )))
                        }
                    }
                }
            };
            let padded = if name == "LPAD" {
                x.clone().str().pad_start(n.clone(), fill)
            } else {
                x.clone().str().pad_end(n.clone(), fill)
            };
            padded.str().slice(lit(0), n.clone())
        }
        ("LTRIM", [x]) => x.clone().str().strip_chars_start(null()),
        ("RTRIM", [x]) => x.clone().str().strip_chars_end(null()),
        ("LTRIM", [x, c]) => x.clone().str().strip_chars_start(c.clone()),
        ("RTRIM", [x, c]) => x.clone().str().strip_chars_end(c.clone()),
        ("NORMALIZE", [x]) => x.clone().str().normalize(UnicodeForm::NFC),
        ("REGEXP_LIKE" | "REGEXP_MATCHES", [x, p]) => x.clone().str().contains(p.clone(), true),
        ("REGEXP_LIKE" | "REGEXP_MATCHES", [x, _, _]) => {
            let (p, f) = (text(1)?, text(2)?);
            if f.is_empty() || !f.chars().all(|c| "imsx".contains(c)) {
                return Some(unbound(format!("{name}'s flags '{f}'")));
            }
            x.clone().str().contains(lit(format!("(?{f}){p}")), true)
        }
        ("SPLIT_PART", [x, sep, _]) => {
            // the n-th part, counted from 1 (negative: from the end); '' past the parts
            let n = match args.get(2).copied().flatten().and_then(literal_number) {
                Some(Num::Int(n)) if n != 0 => n as i64,
                _ => return Some(unbound("SPLIT_PART's part number")),
            };
            let i = if n > 0 { n - 1 } else { n };
            null_if_null(
                x,
                x.clone()
                    .str()
                    .split(sep.clone())
                    .list()
                    .get(lit(i), true)
                    .fill_null(lit("")),
            )
        }
        ("STRING_TO_ARRAY" | "STRING_SPLIT" | "STR_SPLIT", [x, sep]) => {
            x.clone().str().split(sep.clone())
        }
        ("STRPOS" | "INSTR", [x, _]) => {
            // the position of the first occurrence in characters, from 1; 0 when none
            let needle = text(1)?;
            if needle.is_empty() {
                null_if_null(x, lit(1i64))
            } else {
                let before = x.clone().str().split(lit(needle.clone())).list().first();
                null_if_null(
                    x,
                    when(x.clone().str().contains_literal(lit(needle)))
                        .then(before.str().len_chars().cast(DataType::Int64) + lit(1i64))
                        .otherwise(lit(0i64)),
                )
            }
        }
        // dates
        ("DATE", [x]) => x.clone().str().to_date(StrptimeOptions {
            format: Some("%Y-%m-%d".into()),
            strict: true,
            ..Default::default()
        }),
        ("DATE", [x, _]) => x.clone().str().to_date(StrptimeOptions {
            format: Some(text(1)?.into()),
            strict: true,
            ..Default::default()
        }),
        ("STRFTIME", [x, _]) => x.clone().dt().strftime(&text(1)?),
        ("DATE_PART" | "DATEPART", [_, x]) => return Some(date_part(&text(0)?, x.clone())),
        // lists (ARRAY_AGG's), indexes from 1
        ("ARRAY_LENGTH" | "LEN", [l]) => l.clone().list().len().cast(DataType::Int64),
        ("ARRAY_SUM", [l]) => l.clone().list().sum(),
        ("ARRAY_MEAN", [l]) => l.clone().list().mean(),
        ("ARRAY_LOWER" | "ARRAY_MIN", [l]) => l.clone().list().min(),
        ("ARRAY_UPPER" | "ARRAY_MAX", [l]) => l.clone().list().max(),
        ("ARRAY_GET" | "LIST_EXTRACT", [l, _]) => {
            let i = match args.get(1).copied().flatten().and_then(literal_number) {
                Some(Num::Int(n)) if n > 0 => n as i64 - 1,
                Some(Num::Int(n)) if n < 0 => n as i64,
                _ => return Some(unbound(format!("{name}'s index"))),
            };
            l.clone().list().get(lit(i), true)
        }
        ("ARRAY_CONTAINS" | "LIST_CONTAINS", [l, v]) => l.clone().list().contains(v.clone(), false),
        ("ARRAY_TO_STRING", [l, _]) => {
            let sep = text(1)?;
            l.clone()
                .cast(DataType::List(Box::new(DataType::String)))
                .list()
                .join(lit(sep), true)
        }
        _ => return None,
    }))
}

/// `EXTRACT(part FROM x)` / `DATE_PART('part', x)` of a date or timestamp, as BIGINT.
pub(super) fn date_part(part: &str, x: Expr) -> Bound<Expr> {
    let dt = x.dt();
    let v = match part.to_ascii_lowercase().as_str() {
        "year" | "years" | "y" => dt.year(),
        "quarter" => dt.quarter(),
        "month" | "months" | "mon" => dt.month(),
        "week" | "weeks" | "w" => dt.week(),
        "day" | "days" | "d" | "dayofmonth" => dt.day(),
        "doy" | "dayofyear" => dt.ordinal_day(),
        // Sunday 0 … Saturday 6 (Polars: Monday 1 … Sunday 7)
        "dow" | "dayofweek" => dt.weekday() % lit(7),
        "isodow" => dt.weekday(),
        "hour" | "hours" | "h" => dt.hour(),
        "minute" | "minutes" | "m" => dt.minute(),
        "second" | "seconds" | "s" => dt.second(),
        other => return unbound(format!("the date part '{other}'")),
    };
    Ok(v.cast(DataType::Int64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_function_is_planned() {
        let text = SQLExpr::Value(SQLValue::SingleQuotedString("-".into()).into());
        for name in NAMES {
            let planned = (0..=3).any(|k| {
                let xs = vec![col("x"); k];
                let args = vec![Some(&text); k];
                scalar(name, &xs, &args).is_some()
            });
            assert!(planned, "{name} is listed but not planned");
        }
    }
}

/// `v`, a scalar subquery's value, refused when its `n` rows are more than one: the count
/// is checked as it is computed (an error there is Polars'; its message is the user's).
fn one_row(n: &Expr, v: &Expr) -> Expr {
    let checked = n.clone().map(
        |c: polars::prelude::Column| {
            let counts = c.cast(&DataType::Int64)?;
            let many = counts.i64()?.iter().any(|k| k.is_some_and(|k| k > 1));
            if many {
                polars_bail!(ComputeError: "a subquery used as a value returned more than one row; add a condition, an aggregate (MAX, MIN) or LIMIT 1 so that it returns one");
            }
            Ok(c)
        },
        |_: &Schema, f: &Field| Ok(f.clone()),
    );
    // a count is never below 0: the value, read once the count is checked
    when(checked.gt(lit(-1i64)))
        .then(v.clone())
        .otherwise(lit(NULL))
}
