//! A row value left outside `IN (SELECT …)` refused with a way to write it.

use super::syntax::*;
use crate::query::rewrite::RewriteError;
use sqlparser::ast::{visit_expressions_mut, Expr as SQLExpr, Query as SQLQuery};
use std::ops::ControlFlow;

/// Normalise a query in place (see the module docs). `kind` says what a column name is
/// (`None`: not a column of the tables the query reads).
/// `x = (a, b)` and other row values left after the subquery rules: refused here, not
/// as a syntax-tree dump.
pub(crate) fn row_values(q: &mut SQLQuery) -> Result<(), RewriteError> {
    let mut tuple: Option<RewriteError> = None;
    let _ = visit_expressions_mut(q, |x: &mut SQLExpr| {
        if let SQLExpr::Tuple(_) = x {
            tuple.get_or_insert(not_yet(&*x, &format!("the row value `{x}` here; compare column by column (`a = 1 AND b = 2`), or count distinct pairs in a subquery: SELECT COUNT(*) FROM (SELECT DISTINCT a, b FROM …)")));
        }
        ControlFlow::<()>::Continue(())
    });
    match tuple {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
