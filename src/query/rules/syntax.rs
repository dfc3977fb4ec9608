//! What the rules share over the syntax tree: each SELECT of a query, the names FROM items
//! are read by, the outer names a subquery reads, parsing printed pieces back, and the
//! "not supported yet" message.

use crate::query::rewrite::{contains, fname, RewriteError};
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Function as SQLFunction, FunctionArg,
    FunctionArguments, Ident, ObjectNamePart, Query as SQLQuery, Select, SelectItem, SetExpr,
    TableFactor,
};
use std::ops::ControlFlow;

/// Parse SQL the rewrites print from the query's own pieces; text that does not parse
/// back (it cannot: it is printed AST) is kept as a name, which the engine then reports.
pub(super) fn parse(text: &str) -> SQLExpr {
    crate::query::rewrite::parse_expr(text)
        .unwrap_or_else(|_| SQLExpr::Identifier(Ident::new(text)))
}

pub(super) fn args(f: &SQLFunction) -> Vec<&FunctionArg> {
    match &f.args {
        FunctionArguments::List(l) => l.args.iter().collect(),
        _ => vec![],
    }
}

pub(super) fn is_count(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Function(f) if fname(f) == "COUNT" && f.over.is_none())
}

/// True when an expression reads no column and no subquery (`1`, `2.5 * 3`, `-1`).
pub(super) fn constant(e: &SQLExpr) -> bool {
    !contains(e, &|x| {
        matches!(
            x,
            SQLExpr::Identifier(_)
                | SQLExpr::CompoundIdentifier(_)
                | SQLExpr::Subquery(_)
                | SQLExpr::Function(_)
                | SQLExpr::Exists { .. }
                | SQLExpr::InSubquery { .. }
        )
    })
}

pub(super) fn not_yet(e: &SQLExpr, what: &str) -> RewriteError {
    crate::query::rewrite::err_at(e, format!("not supported yet: {what}"))
}

/// The name a FROM item is referred to by.
pub(super) fn relation_name(t: &TableFactor) -> Option<String> {
    match t {
        TableFactor::Table { name, alias, .. } => alias
            .as_ref()
            .map(|a| a.name.value.clone())
            .or_else(|| match name.0.last() {
                Some(ObjectNamePart::Identifier(i)) => Some(i.value.clone()),
                _ => None,
            }),
        TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| a.name.value.clone()),
        _ => None,
    }
}

/// The relations a condition reads: Some(qualifiers) when every column is qualified.
pub(super) fn qualifiers(e: &SQLExpr) -> Option<Vec<String>> {
    let mut c = e.clone();
    let mut out = vec![];
    let mut bare = false;
    let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
        match x {
            SQLExpr::CompoundIdentifier(ids) if ids.len() >= 2 => {
                out.push(ids[ids.len() - 2].value.clone())
            }
            SQLExpr::Identifier(_) | SQLExpr::Subquery(_) | SQLExpr::Exists { .. } => bare = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (!bare).then_some(out)
}

/// The names a query's FROM items are referred to by (its own level only).
pub(super) fn from_names(q: &SQLQuery) -> Vec<String> {
    let mut out = vec![];
    if let SetExpr::Select(sel) = q.body.as_ref() {
        for t in &sel.from {
            out.extend(relation_name(&t.relation));
            for j in &t.joins {
                out.extend(relation_name(&j.relation));
            }
        }
    }
    out
}

/// Qualifiers a query uses that no FROM item in scope defines: the outer rows it reads (a
/// correlated subquery). A qualifier is looked up in the FROM of each SELECT from the
/// column outwards to `q`, so a table of a derived table inside `q` (`(SELECT … FROM
/// (SELECT k FROM u WHERE u.k > 1) AS d)`) is not an outer row, and neither hides one.
pub(super) fn outer_refs(q: &SQLQuery) -> Vec<String> {
    struct Refs {
        scopes: Vec<Vec<String>>,
        out: Vec<String>,
    }
    impl sqlparser::ast::Visitor for Refs {
        type Break = ();
        fn pre_visit_select(&mut self, sel: &Select) -> ControlFlow<()> {
            let names = sel
                .from
                .iter()
                .flat_map(|t| {
                    std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
                })
                .filter_map(relation_name)
                .collect();
            self.scopes.push(names);
            ControlFlow::Continue(())
        }
        fn post_visit_select(&mut self, _: &Select) -> ControlFlow<()> {
            self.scopes.pop();
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, x: &SQLExpr) -> ControlFlow<()> {
            if let SQLExpr::CompoundIdentifier(ids) = x {
                if ids.len() >= 2 {
                    let qn = &ids[ids.len() - 2].value;
                    if !self.scopes.iter().any(|s| s.contains(qn)) && !self.out.contains(qn) {
                        self.out.push(qn.clone());
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Refs {
        scopes: vec![],
        out: vec![],
    };
    let _ = sqlparser::ast::Visit::visit(q, &mut v);
    v.out
}

/// A `*`'s EXCLUDE names, taken out of it.
pub(super) fn exclude_list(
    opts: &mut sqlparser::ast::WildcardAdditionalOptions,
) -> Vec<sqlparser::ast::ObjectName> {
    use sqlparser::ast::ExcludeSelectItem;
    match opts.opt_exclude.take() {
        Some(ExcludeSelectItem::Single(n)) => vec![n],
        Some(ExcludeSelectItem::Multiple(ns)) => ns,
        None => vec![],
    }
}

/// Every SELECT of a query, its CTEs, derived tables and expression subqueries.
pub(crate) fn each_select(
    q: &mut SQLQuery,
    f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
) -> Result<(), RewriteError> {
    fn body(
        s: &mut SetExpr,
        f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
    ) -> Result<(), RewriteError> {
        match s {
            SetExpr::Select(sel) => {
                for t in &mut sel.from {
                    factor(&mut t.relation, f)?;
                    for j in &mut t.joins {
                        factor(&mut j.relation, f)?;
                    }
                }
                f(sel)
            }
            SetExpr::Query(q) => each_select(q, f),
            SetExpr::SetOperation { left, right, .. } => {
                body(left, f)?;
                body(right, f)
            }
            _ => Ok(()),
        }
    }
    fn factor(
        t: &mut TableFactor,
        f: &mut dyn FnMut(&mut Select) -> Result<(), RewriteError>,
    ) -> Result<(), RewriteError> {
        if let TableFactor::Derived { subquery, .. } = t {
            each_select(subquery, f)?;
        }
        Ok(())
    }
    if let Some(w) = &mut q.with {
        for c in &mut w.cte_tables {
            each_select(&mut c.query, f)?;
        }
    }
    body(&mut q.body, f)
}

/// Columns the rewrites added, left out of each `SELECT *` (after its own EXCLUDE list).
pub(super) fn exclude_from_stars(sel: &mut Select, helpers: &[String]) {
    use sqlparser::ast::{ExcludeSelectItem, ObjectName};
    if helpers.is_empty() {
        return;
    }
    for it in &mut sel.projection {
        let SelectItem::Wildcard(opts) = it else {
            continue;
        };
        let mut names = exclude_list(opts);
        // quoted: a polars-sql name such as `k:u` prints back as one identifier
        names.extend(
            helpers
                .iter()
                .map(|h| ObjectName::from(vec![Ident::with_quote('"', h.clone())])),
        );
        opts.opt_exclude = Some(ExcludeSelectItem::Multiple(names));
    }
}
