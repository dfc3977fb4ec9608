//! SQL's name resolution for a subquery: a bare column name that names no column of the
//! subquery's own tables is the column of the nearest enclosing query that has it, so
//! `EXISTS (SELECT 1 FROM t1 WHERE t1.k = t0.k AND f)` reads `t0.f`. The name is
//! qualified (`f` → `t0.f`) for the lowering of correlated subqueries, which finds outer
//! references by their qualifier (it refused the bare name as a column `t1` lacks).
//!
//! In a subquery's WHERE, a bare name of one of its own tables is qualified as well
//! (`k IS NULL` → `t1.k IS NULL`), for the same reason.
//!
//! A name is left as it is wherever the answer is not certain: when the columns of some
//! table of the subquery's own level are not known (a derived table of `*`, a table
//! function), when it is an alias of the level's SELECT list, and when two tables of the
//! enclosing level have it (the binder then reports the ambiguity). A derived table in
//! FROM does not see the other tables of its FROM (it is not LATERAL), only the levels
//! outside.

use sqlparser::ast::{
    Expr as SQLExpr, Ident, ObjectNamePart, Query as SQLQuery, Select, SelectItem, SetExpr,
    TableFactor, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// Qualify every bare outer column name of `q`'s subqueries.
pub(crate) fn outer_names(q: &mut SQLQuery, columns: &dyn Fn(&str) -> Option<Vec<String>>) {
    let mut v = Qualify {
        stack: vec![],
        ctes: vec![],
        columns,
    };
    let _ = q.visit(&mut v);
}

/// The tables one SELECT reads, by the name each is qualified with.
struct Scope {
    /// (qualifier, its columns in lower case)
    items: Vec<(Ident, Vec<String>)>,
    /// every table's columns are known
    known: bool,
    /// the SELECT list's aliases, in lower case
    aliases: Vec<String>,
}

enum Level {
    Query {
        ctes: usize,
    },
    Select(Scope),
    /// inside a derived table of FROM: the SELECT whose FROM it is in is not visible
    Derived,
}

struct Qualify<'a> {
    stack: Vec<Level>,
    /// the CTEs in scope (name in lower case, columns when known), innermost last
    ctes: Vec<(String, Option<Vec<String>>)>,
    columns: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

impl Qualify<'_> {
    fn scope(&self, sel: &Select) -> Scope {
        let mut items = vec![];
        let mut known = true;
        let factors = sel
            .from
            .iter()
            .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
        for f in factors {
            match self.factor(f) {
                Some(item) => items.push(item),
                None => known = false,
            }
        }
        let aliases = sel
            .projection
            .iter()
            .filter_map(|it| match it {
                SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_lowercase()),
                _ => None,
            })
            .collect();
        Scope {
            items,
            known,
            aliases,
        }
    }

    /// A FROM item's qualifier and columns, when both are known.
    fn factor(&self, f: &TableFactor) -> Option<(Ident, Vec<String>)> {
        match f {
            TableFactor::Table { name, alias, .. } => {
                let last = match name.0.last()? {
                    ObjectNamePart::Identifier(i) => i.clone(),
                    _ => return None,
                };
                let cte = (name.0.len() == 1)
                    .then(|| {
                        let n = last.value.to_lowercase();
                        self.ctes.iter().rev().find(|(c, _)| *c == n)
                    })
                    .flatten();
                let cols = match cte {
                    Some((_, cols)) => cols.clone()?,
                    None => (self.columns)(&name.to_string())?,
                };
                let cols = match alias {
                    Some(a) if !a.columns.is_empty() => {
                        a.columns.iter().map(|c| c.name.value.clone()).collect()
                    }
                    _ => cols,
                };
                let q = alias.as_ref().map_or(last, |a| a.name.clone());
                Some((q, lower(cols)))
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let a = alias.as_ref()?;
                let cols = if a.columns.is_empty() {
                    output_names(subquery)?
                } else {
                    a.columns.iter().map(|c| c.name.value.clone()).collect()
                };
                Some((a.name.clone(), lower(cols)))
            }
            _ => None,
        }
    }

    /// The qualifiers of every level on the stack, in lower case.
    fn qualifiers(&self) -> Vec<String> {
        self.stack
            .iter()
            .filter_map(|l| match l {
                Level::Select(s) => Some(s.items.iter().map(|(q, _)| q.value.to_lowercase())),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The enclosing table a bare name `id` of the innermost SELECT reads, if certain
    /// (and its qualifier names no table of a level nearer the name).
    fn outer(&self, id: &Ident) -> Option<Ident> {
        let name = id.value.to_lowercase();
        let mut levels = self.stack.iter().rev();
        match levels.next()? {
            Level::Select(own)
                if own.known
                    && !own.aliases.contains(&name)
                    && !own.items.iter().any(|(_, c)| c.contains(&name)) => {}
            _ => return None,
        }
        let mut hidden = false;
        // the qualifiers of the levels between the name and the table it reads
        let mut nearer: Vec<String> = match self.stack.last() {
            Some(Level::Select(own)) => own
                .items
                .iter()
                .map(|(q, _)| q.value.to_lowercase())
                .collect(),
            _ => vec![],
        };
        for level in levels {
            match level {
                Level::Derived => hidden = true,
                Level::Query { .. } => {}
                Level::Select(s) if hidden => {
                    hidden = false;
                    nearer.extend(s.items.iter().map(|(q, _)| q.value.to_lowercase()));
                }
                Level::Select(s) => {
                    let mut hits = s.items.iter().filter(|(_, c)| c.contains(&name));
                    match (hits.next(), hits.next()) {
                        (Some((q, _)), None) if nearer.contains(&q.value.to_lowercase()) => {
                            return None
                        }
                        (Some((q, _)), None) => return Some(q.clone()),
                        (Some(_), Some(_)) => return None,
                        // a level whose columns are not all known may hold it
                        (None, _) if !s.known => return None,
                        (None, _) => {
                            nearer.extend(s.items.iter().map(|(q, _)| q.value.to_lowercase()))
                        }
                    }
                }
            }
        }
        None
    }
}

fn lower(cols: Vec<String>) -> Vec<String> {
    cols.into_iter().map(|c| c.to_lowercase()).collect()
}

/// The names of a query's output columns, when each can be known from its text.
fn output_names(q: &SQLQuery) -> Option<Vec<String>> {
    let mut body = q.body.as_ref();
    loop {
        match body {
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            SetExpr::Select(sel) => {
                return sel
                    .projection
                    .iter()
                    .map(|it| match it {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                        SelectItem::UnnamedExpr(SQLExpr::Identifier(i)) => Some(i.value.clone()),
                        SelectItem::UnnamedExpr(SQLExpr::CompoundIdentifier(ids)) => {
                            ids.last().map(|i| i.value.clone())
                        }
                        // named by budgetql or the engine (`count`, the expression's text):
                        // not a name a bare identifier reads
                        SelectItem::UnnamedExpr(_) => Some(String::new()),
                        _ => None,
                    })
                    .collect();
            }
            _ => return None,
        }
    }
}

impl VisitorMut for Qualify<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut SQLQuery) -> ControlFlow<()> {
        let mut n = 0;
        if let Some(w) = &q.with {
            for cte in &w.cte_tables {
                let cols = if cte.alias.columns.is_empty() {
                    output_names(&cte.query)
                } else {
                    Some(
                        cte.alias
                            .columns
                            .iter()
                            .map(|c| c.name.value.clone())
                            .collect(),
                    )
                };
                self.ctes
                    .push((cte.alias.name.value.to_lowercase(), cols.map(lower)));
                n += 1;
            }
        }
        self.stack.push(Level::Query { ctes: n });
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut SQLQuery) -> ControlFlow<()> {
        if let Some(Level::Query { ctes }) = self.stack.pop() {
            self.ctes.truncate(self.ctes.len() - ctes);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, sel: &mut Select) -> ControlFlow<()> {
        let s = self.scope(sel);
        // in a subquery's WHERE, a bare name of one of its own tables is qualified too:
        // the lowering tells inner from outer columns by their qualifiers
        if self.stack.len() > 1 && s.known {
            if let Some(w) = &mut sel.selection {
                let taken = self.qualifiers();
                let _ = w.visit(&mut Inner {
                    scope: &s,
                    taken: &taken,
                    depth: 0,
                });
            }
        }
        self.stack.push(Level::Select(s));
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _: &mut Select) -> ControlFlow<()> {
        self.stack.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, f: &mut TableFactor) -> ControlFlow<()> {
        if matches!(f, TableFactor::Derived { lateral: false, .. }) {
            self.stack.push(Level::Derived);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, f: &mut TableFactor) -> ControlFlow<()> {
        if matches!(f, TableFactor::Derived { lateral: false, .. }) {
            self.stack.pop();
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut SQLExpr) -> ControlFlow<()> {
        if let SQLExpr::Identifier(id) = e {
            // only in a subquery: the top level has no enclosing table
            if self.stack.len() > 2 {
                if let Some(q) = self.outer(id) {
                    *e = SQLExpr::CompoundIdentifier(vec![q, id.clone()]);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Qualifies the bare names of one level's own tables (not inside its subqueries), unless
/// an enclosing level reads a table by the same name (then the qualifier would be taken
/// for the outer one: `FROM t WHERE x IN (SELECT x FROM t WHERE k = 1)`).
struct Inner<'a> {
    scope: &'a Scope,
    taken: &'a [String],
    depth: usize,
}

impl VisitorMut for Inner<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &mut SQLQuery) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut SQLQuery) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut SQLExpr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        if let SQLExpr::Identifier(id) = e {
            let name = id.value.to_lowercase();
            let mut hits = self.scope.items.iter().filter(|(_, c)| c.contains(&name));
            if let (Some((q, _)), None) = (hits.next(), hits.next()) {
                if !self.taken.contains(&q.value.to_lowercase()) {
                    *e = SQLExpr::CompoundIdentifier(vec![q.clone(), id.clone()]);
                }
            }
        }
        ControlFlow::Continue(())
    }
}
