//! ORDER BY an aggregate the SELECT list computes orders by that item.

use crate::query::rewrite::{contains, is_aggregate as is_aggregate_call};
use sqlparser::ast::{Expr as SQLExpr, Query as SQLQuery, SelectItem, SetExpr};
use std::ops::ControlFlow;

/// `ORDER BY COUNT(*) DESC` in a grouped query: polars-sql evaluates the aggregate over
/// the whole input again and fails ("sort expressions must have same length"); an ORDER
/// BY term that is an aggregate SELECT item is ordered by that item's name (or position,
/// when it has none), which is what it means. In every query of the statement.
pub(crate) fn order_by_items(q: &mut SQLQuery) {
    use sqlparser::ast::VisitMut;
    struct Queries;
    impl sqlparser::ast::VisitorMut for Queries {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut SQLQuery) -> ControlFlow<()> {
            order_by_item_names(q);
            ControlFlow::Continue(())
        }
    }
    let _ = q.visit(&mut Queries);
}

/// [`order_by_items`] for one query's own ORDER BY.
fn order_by_item_names(q: &mut SQLQuery) {
    let SetExpr::Select(sel) = q.body.as_ref() else {
        return;
    };
    let Some(ob) = &mut q.order_by else { return };
    let sqlparser::ast::OrderByKind::Expressions(terms) = &mut ob.kind else {
        return;
    };
    for t in terms {
        if !contains(&t.expr, &|x| is_aggregate_call(x)) {
            continue;
        }
        let at = sel.projection.iter().position(|it| match it {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => *e == t.expr,
            _ => false,
        });
        let Some(at) = at else { continue };
        t.expr = match &sel.projection[at] {
            SelectItem::ExprWithAlias { alias, .. } => SQLExpr::Identifier(alias.clone()),
            _ => SQLExpr::Value(sqlparser::ast::Value::Number((at + 1).to_string(), false).into()),
        };
    }
}
