//! The one table of Polars error texts budgetql rewrites for an analyst. Polars' messages
//! are not an API, so every pattern is here, each with a test on the text Polars 0.55
//! prints; the engine turns a [`Known`] into a located message with a hint.

use regex::Regex;
use std::sync::LazyLock;

/// What a Polars error says, as far as budgetql translates it.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// `unable to find column "x"; valid columns: [...]`
    UnknownColumn { name: String, valid: Vec<String> },
    /// `` `sum` operation not supported for dtype `str` ``
    WrongType { op: String, dtype: String },
    /// `no column named 'x' found in table 'r'` (a qualified name in a join)
    UnknownJoinColumn { name: String, table: String },
    /// a subquery where polars-sql accepts none
    Subquery,
    /// `conversion from `i128` to `i64` failed …`: a SUM, `+`, `-` or `*` of integers past
    /// the range of its type (the binder computes them in 128 bits and casts back strictly)
    IntegerOverflow,
    /// anything Polars says it does not support
    Unsupported(String),
    /// the text, without Polars' plan dump
    Other(String),
}

/// Polars' message with the plan it appends (`Resolved plan until failure`, `---> FAILED
/// HERE …`) cut off and its lines joined.
pub fn clean(raw: &str) -> String {
    let head = raw
        .split("Resolved plan until failure")
        .next()
        .unwrap_or(raw)
        .split("---> FAILED HERE")
        .next()
        .unwrap_or(raw);
    head.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("Error originated"))
        .collect::<Vec<_>>()
        .join(" ")
}

static TABLE: LazyLock<[(&'static str, Regex); 6]> = LazyLock::new(|| {
    let r = |p: &str| Regex::new(p).expect("static regex");
    [
        (
            "overflow",
            r(r"conversion from `i128` to `[iu](?:8|16|32|64)` failed"),
        ),
        (
            "column",
            r(r#"unable to find column "([^"]+)"(?:; valid columns: \[([^\]]*)\])?"#),
        ),
        (
            "type",
            r(r"`(\w+)` operation not supported for dtype `(\w+)`"),
        ),
        (
            "join",
            r(r"no column named '([^']+)' found in table '([^']+)'"),
        ),
        (
            "subquery",
            r(r"unexpected subquery|subquery.*not supported"),
        ),
        (
            "unsupported",
            r(r"not yet implemented|not supported|is not currently supported"),
        ),
    ]
});

/// Classify a Polars error message.
pub fn classify(raw: &str) -> Known {
    let msg = clean(raw);
    for (what, re) in TABLE.iter() {
        let Some(m) = re.captures(&msg) else { continue };
        return match *what {
            "column" => Known::UnknownColumn {
                name: m[1].to_string(),
                valid: m
                    .get(2)
                    .map(|v| {
                        v.as_str()
                            .split(',')
                            .map(|s| s.trim().trim_matches('"').to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            "type" => Known::WrongType {
                op: m[1].to_string(),
                dtype: m[2].to_string(),
            },
            "join" => Known::UnknownJoinColumn {
                name: m[1].to_string(),
                table: m[2].to_string(),
            },
            "subquery" => Known::Subquery,
            "overflow" => Known::IntegerOverflow,
            _ => Known::Unsupported(msg.clone()),
        };
    }
    Known::Other(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pattern_on_the_text_polars_prints() {
        assert_eq!(
            classify("not found: unable to find column \"budgt\"; valid columns: [\"year\", \"budget\"]\n\nResolved plan until failure:\n\n\t---> FAILED HERE RESOLVING 'select' <---\nDF [\"year\"]"),
            Known::UnknownColumn { name: "budgt".into(), valid: vec!["year".into(), "budget".into()] }
        );
        assert_eq!(
            classify("`sum` operation not supported for dtype `str`"),
            Known::WrongType {
                op: "sum".into(),
                dtype: "str".into()
            }
        );
        assert_eq!(
            classify("no column named 'project_code' found in table 'r'"),
            Known::UnknownJoinColumn {
                name: "project_code".into(),
                table: "r".into()
            }
        );
        assert_eq!(
            classify("SQL interface error: unexpected subquery"),
            Known::Subquery
        );
        assert_eq!(
            classify("'INTERSECT ALL' is not supported"),
            Known::Unsupported("'INTERSECT ALL' is not supported".into())
        );
    }

    #[test]
    fn an_integer_total_past_bigint() {
        assert_eq!(
            classify("conversion from `i128` to `i64` failed in column '__POLARS_CSER_0xe10af81999d36d7d' for 1 out of 1 values: [9223372036854775808]"),
            Known::IntegerOverflow
        );
    }

    #[test]
    fn the_plan_dump_is_cut_off() {
        assert_eq!(
            classify("duplicate: multiple fields with name 'x' found\n\tResolved plan until failure:\n\t---> FAILED HERE RESOLVING 'select' <--- SELECT [col(\"x\")]"),
            Known::Other("duplicate: multiple fields with name 'x' found".into())
        );
    }
}
