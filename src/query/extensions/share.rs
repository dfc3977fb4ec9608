//! `SHARE(x) [OVER (PARTITION BY …)]`: x as a fraction of its total over the window.

use super::{Call, Extension, Form, Over};
use crate::query::rewrite::{parse_expr, RewriteError};
use sqlparser::ast::Expr as SQLExpr;

pub(super) const SHARE: Extension = Extension {
    name: "SHARE",
    usage: "SHARE(x) [OVER (PARTITION BY …)]",
    help: "x as a fraction of its total over the result (float); SHARE(SUM(budget)) in a grouped query",
    form: Form::Function {
        args: 1,
        column: "share",
        expand,
    },
};

/// `CAST(x AS DOUBLE) / CAST(SUM(x) OVER (…) AS DOUBLE)`: the total is summed in x's own
/// type (exact for money and counts) and divided once; a sum of doubles depends on the
/// order the rows arrive in, which differs between runs on several threads.
fn expand(call: &Call, _: &Over) -> Result<SQLExpr, RewriteError> {
    let x = &call.args[0];
    let over = call.over().unwrap_or_else(|| "()".into());
    parse_expr(&format!(
        "(CAST(({x}) AS DOUBLE) / CAST(SUM({x}) OVER {over} AS DOUBLE))"
    ))
}
