//! `YOY(x) [OVER (PARTITION BY … ORDER BY year)]`: growth of x against the previous year.

use super::{Call, Extension, Form, Over};
use crate::query::rewrite::{err_at, parse_expr, RewriteError};
use sqlparser::ast::Expr as SQLExpr;

pub(super) const YOY: Extension = Extension {
    name: "YOY",
    usage: "YOY(x) [OVER (PARTITION BY … ORDER BY year)]",
    help:
        "growth of x against the previous year of the same group (float, NULL for the first year)",
    form: Form::Function {
        args: 1,
        column: "yoy",
        expand,
    },
};

/// `(x − LAG(x)) / LAG(x)` over the window given, or by default over the previous year of
/// the same group (the grouped query's keys other than `year`, ordered by `year`).
fn expand(call: &Call, over: &Over) -> Result<SQLExpr, RewriteError> {
    let x = format!("CAST(({}) AS DOUBLE)", call.args[0]);
    let window = match call.over() {
        Some(w) => w,
        None => {
            let Some(year) = over.year() else {
                return Err(err_at(
                    call.function,
                    "YOY needs years to compare: group by `year` (e.g. GROUP BY year, dept_code) or give the window, YOY(x) OVER (PARTITION BY dept_code ORDER BY year)",
                ));
            };
            match over.other_keys() {
                [] => format!("(ORDER BY {year})"),
                keys => format!("(PARTITION BY {} ORDER BY {year})", keys.join(", ")),
            }
        }
    };
    // the previous year's value, read twice (the plan rule repeated_windows computes it once)
    let lag = format!("LAG({x}) OVER {window}");
    parse_expr(&format!("(({x} - {lag}) / {lag})"))
}
