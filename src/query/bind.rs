//! The binder: a SELECT core (FROM, WHERE, GROUP BY, HAVING, the SELECT list, DISTINCT,
//! ORDER BY, LIMIT), with the CTEs and derived tables it reads, bound to budgetql's own
//! logical plan ([`super::plan::Node`]): names resolved against the relations in scope,
//! aggregates collected, GROUP BY keys matched, ordinals and output names resolved.
//!
//! The binder takes what it can bind whole and answers [`Unbound`] for anything else (a
//! window, a subquery, a function it does not know yet): that query goes the SQL path
//! (polars-sql) unchanged, so a construct the binder does not know is never answered
//! differently. Expressions are bound to the Polars expressions polars-sql builds for
//! them, because the rewrites in front (normalize.rs, rewrite.rs, windows.rs) target those
//! semantics; the planner issue moves those rewrites onto this plan one at a time.

use super::plan::Node;
use polars::prelude::*;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType as SQLType, Distinct, ExactNumberInfo, Expr as SQLExpr,
    FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, JoinConstraint, JoinOperator,
    LimitClause, OrderByKind, Query, Select, SelectItem, SetExpr, TableFactor, UnaryOperator,
    Value as SQLValue, WindowFrameBound, WindowFrameUnits, WindowType,
};
use std::collections::HashMap;

/// Why the binder left a query to the SQL path: what it did not bind (for EXPLAIN and
/// for whoever extends the binder), never shown as an error.
#[derive(Debug)]
pub struct Unbound(pub String);

type Bound<T> = Result<T, Unbound>;

fn unbound<T>(what: impl Into<String>) -> Bound<T> {
    Err(Unbound(what.into()))
}

/// A column in scope: the name SQL reads it by, the name it has in the frame, its type.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    frame: String,
    dtype: DataType,
}

/// A relation in scope: what qualifies its columns (its alias, else its name).
#[derive(Clone, Debug)]
struct Relation {
    qualifier: String,
    columns: Vec<Column>,
}

/// The relations a query level reads, and the frames they are.
pub struct Catalog<'a> {
    /// the session's relations (tables, views, session tables, internal relations)
    pub frames: &'a HashMap<String, LazyFrame>,
    pub schemas: &'a HashMap<String, SchemaRef>,
}

/// Aggregation state of a grouped query level.
struct Grouping {
    /// GROUP BY keys, bound over the input; key i is column `__bq_k{i}` after grouping
    keys: Vec<Expr>,
    /// aggregates, bound over the input; aggregate i is column `__bq_a{i}`
    aggs: Vec<Expr>,
}

fn key_name(i: usize) -> String {
    format!("__bq_k{i}")
}
fn agg_name(i: usize) -> String {
    format!("__bq_a{i}")
}
fn sort_name(i: usize) -> String {
    format!("__bq_s{i}")
}

struct Binder<'a> {
    catalog: &'a Catalog<'a>,
    /// CTEs visible at this point, innermost last: (name, lowered frame, schema)
    ctes: Vec<(String, LazyFrame, SchemaRef)>,
}

/// Bind a query (a SELECT core with its CTEs, ORDER BY and LIMIT) to a plan, or say
/// what the binder does not bind.
pub fn bind_query(q: &Query, catalog: &Catalog) -> Result<Node, Unbound> {
    let mut b = Binder {
        catalog,
        ctes: vec![],
    };
    b.query(q)
}

impl Binder<'_> {
    fn query(&mut self, q: &Query) -> Bound<Node> {
        if q.fetch.is_some() || !q.locks.is_empty() || q.for_clause.is_some() {
            return unbound("FETCH/FOR/locks");
        }
        if q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty() {
            return unbound("query settings");
        }
        let depth = self.ctes.len();
        if let Some(with) = &q.with {
            if with.recursive {
                return unbound("WITH RECURSIVE");
            }
            for cte in &with.cte_tables {
                if !cte.alias.columns.is_empty() || cte.from.is_some() {
                    return unbound("CTE column list");
                }
                let node = self.query(&cte.query)?;
                let lf = node.lower();
                let schema = lf
                    .clone()
                    .collect_schema()
                    .map_err(|e| Unbound(e.to_string()))?;
                self.ctes.push((cte.alias.name.value.clone(), lf, schema));
            }
        }
        let r = match &*q.body {
            SetExpr::Select(s) => self.select(s, q),
            SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
                self.query(inner)
            }
            _ => unbound("a set operation or VALUES inside a query"),
        };
        self.ctes.truncate(depth);
        r
    }

    /// The frame a name in FROM reads: a CTE (innermost first), else a session relation.
    fn relation(&self, name: &str) -> Option<(LazyFrame, SchemaRef)> {
        if let Some((_, lf, s)) = self.ctes.iter().rev().find(|(n, _, _)| n == name) {
            return Some((lf.clone(), s.clone()));
        }
        let lf = self.catalog.frames.get(name)?;
        let s = self.catalog.schemas.get(name)?;
        Some((lf.clone(), s.clone()))
    }

    /// One FROM item: a named relation or a derived table.
    fn table_factor(&mut self, tf: &TableFactor) -> Bound<(Node, Relation)> {
        match tf {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                partitions,
                json_path,
                sample,
                index_hints,
                with_ordinality,
            } => {
                if args.is_some()
                    || !with_hints.is_empty()
                    || version.is_some()
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_hints.is_empty()
                    || *with_ordinality
                {
                    return unbound("table options");
                }
                if name.0.len() != 1 {
                    return unbound("a qualified table name");
                }
                let Some(ident) = name.0[0].as_ident() else {
                    return unbound("a table name");
                };
                let Some((lf, schema)) = self.relation(&ident.value) else {
                    return unbound(format!("unknown relation {}", ident.value));
                };
                let qualifier = match alias {
                    Some(a) if !a.columns.is_empty() => return unbound("alias column list"),
                    Some(a) => a.name.value.clone(),
                    None => ident.value.clone(),
                };
                Ok((
                    Node::Frame {
                        name: ident.value.clone(),
                        lf,
                    },
                    relation_of(qualifier, &schema),
                ))
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return unbound("LATERAL");
                }
                let node = self.query(subquery)?;
                let lf = node.lower();
                let schema = lf
                    .clone()
                    .collect_schema()
                    .map_err(|e| Unbound(e.to_string()))?;
                let qualifier = match alias {
                    Some(a) if !a.columns.is_empty() => return unbound("alias column list"),
                    Some(a) => a.name.value.clone(),
                    None => String::new(),
                };
                Ok((
                    Node::Frame {
                        name: if qualifier.is_empty() {
                            "(subquery)".into()
                        } else {
                            qualifier.clone()
                        },
                        lf,
                    },
                    relation_of(qualifier, &schema),
                ))
            }
            _ => unbound("this kind of FROM item"),
        }
    }

    /// FROM: one item, and JOIN … ON equalities / CROSS JOIN after it.
    /// FROM: its first item with the JOINs after it; further items (a comma list the
    /// comma-join rule left, without conditions) cross joined in order.
    fn from(&mut self, s: &Select) -> Bound<(Node, Vec<Relation>)> {
        let Some((twj, rest)) = s.from.split_first() else {
            return unbound("SELECT without FROM");
        };
        let (mut node, first) = self.table_factor(&twj.relation)?;
        let mut scope = vec![first];
        for j in &twj.joins {
            if j.global {
                return unbound("GLOBAL JOIN");
            }
            let (right, rel) = self.table_factor(&j.relation)?;
            let (how, constraint) = match &j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinType::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinType::Left, Some(c)),
                JoinOperator::CrossJoin(JoinConstraint::None) => (JoinType::Cross, None),
                JoinOperator::LeftSemi(c) | JoinOperator::Semi(c) => (JoinType::Semi, Some(c)),
                JoinOperator::LeftAnti(c) | JoinOperator::Anti(c) => (JoinType::Anti, Some(c)),
                _ => return unbound("this kind of JOIN"),
            };
            node = attach(node, &mut scope, right, rel, how, constraint)?;
        }
        for item in rest {
            if !item.joins.is_empty() {
                return unbound("a JOIN in a later FROM item");
            }
            let (right, rel) = self.table_factor(&item.relation)?;
            node = attach(node, &mut scope, right, rel, JoinType::Cross, None)?;
        }
        Ok((node, scope))
    }

    fn select(&mut self, s: &Select, q: &Query) -> Bound<Node> {
        let clauses = [
            (s.qualify.is_some(), "QUALIFY"),
            (!s.named_window.is_empty(), "WINDOW (named windows)"),
            (s.exclude.is_some(), "SELECT * EXCLUDE"),
            (s.top.is_some(), "TOP"),
            (s.into.is_some(), "SELECT INTO"),
            (!s.lateral_views.is_empty(), "LATERAL VIEW"),
            (s.prewhere.is_some(), "PREWHERE"),
            (!s.connect_by.is_empty(), "CONNECT BY"),
            (
                !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty(),
                "CLUSTER/DISTRIBUTE/SORT BY",
            ),
            (s.value_table_mode.is_some(), "SELECT AS VALUE/STRUCT"),
            (s.select_modifiers.is_some(), "SELECT modifiers"),
            (!s.optimizer_hints.is_empty(), "optimizer hints"),
        ];
        if let Some((_, what)) = clauses.iter().find(|(present, _)| *present) {
            return unbound(*what);
        }
        if s.from.is_empty() {
            return unbound("SELECT without FROM");
        }
        let (mut node, scope) = self.from(s)?;
        let input_schema = schema_of(&scope);
        let mut ex = Exprs {
            scope: &scope,
            grouping: None,
        };
        if let Some(w) = &s.selection {
            if has_aggregate(w) || has_window(w) {
                return unbound("an aggregate or a window in WHERE");
            }
            node = Node::Filter {
                input: Box::new(node),
                predicate: ex.bind(w)?,
            };
        }
        // the SELECT list: (output name, SQL expression) with wildcards expanded
        let mut items: Vec<(String, Option<&SQLExpr>, Option<Expr>)> = vec![];
        let mut excluded: Vec<String> = vec![];
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_) => {
                            ex.column(e)?.frame
                        }
                        _ => {
                            let plain = Exprs {
                                scope: &scope,
                                grouping: None,
                            }
                            .bind_any(e)?;
                            plain
                                .to_field(&input_schema)
                                .map_err(|e| Unbound(e.to_string()))?
                                .name
                                .to_string()
                        }
                    };
                    items.push((name, Some(e), None));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((alias.value.clone(), Some(expr), None))
                }
                SelectItem::Wildcard(opts) if plain_wildcard(opts) => {
                    for r in &scope {
                        for c in &r.columns {
                            items.push((c.frame.clone(), None, Some(col(c.frame.clone()))));
                        }
                    }
                }
                SelectItem::Wildcard(opts) if only_exclude(opts) => {
                    // `* EXCLUDE (names)`: polars-sql drops the outputs of those names (a
                    // name of no column is ignored)
                    let dotted = |n: &sqlparser::ast::ObjectName| {
                        n.0.iter()
                            .map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(".")
                    };
                    let names: Vec<String> = match &opts.opt_exclude {
                        Some(sqlparser::ast::ExcludeSelectItem::Single(n)) => vec![dotted(n)],
                        Some(sqlparser::ast::ExcludeSelectItem::Multiple(ns)) => {
                            ns.iter().map(dotted).collect()
                        }
                        None => vec![],
                    };
                    excluded.extend(names.iter().cloned());
                    for r in &scope {
                        for c in &r.columns {
                            if !names.contains(&c.frame) {
                                items.push((c.frame.clone(), None, Some(col(c.frame.clone()))));
                            }
                        }
                    }
                }
                SelectItem::QualifiedWildcard(
                    sqlparser::ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    opts,
                ) if plain_wildcard(opts) && n.0.len() == 1 => {
                    let q = n.0[0]
                        .as_ident()
                        .map(|i| i.value.clone())
                        .unwrap_or_default();
                    let Some(r) = scope.iter().find(|r| r.qualifier == q) else {
                        return unbound("qualified wildcard of an unknown relation");
                    };
                    for c in &r.columns {
                        items.push((c.frame.clone(), None, Some(col(c.frame.clone()))));
                    }
                }
                _ => return unbound("this SELECT item"),
            }
        }
        if items
            .iter()
            .any(|(n, e, _)| e.is_some() && excluded.contains(n))
        {
            return unbound("EXCLUDE of a name the SELECT list gives");
        }
        {
            let mut seen: Vec<&str> = vec![];
            for (n, _, _) in &items {
                if seen.contains(&n.as_str()) {
                    return unbound("duplicate output names");
                }
                seen.push(n);
            }
        }
        // GROUP BY keys
        let group_exprs: Vec<&SQLExpr> = match &s.group_by {
            GroupByExpr::Expressions(v, mods) if mods.is_empty() => v.iter().collect(),
            GroupByExpr::All(mods) if mods.is_empty() => {
                let mut v = vec![];
                for (_, e, _) in &items {
                    match e {
                        Some(e) if !has_aggregate(e) && !is_literal(e) => v.push(*e),
                        Some(_) => {}
                        None => return unbound("GROUP BY ALL with *"),
                    }
                }
                v
            }
            _ => return unbound("GROUP BY modifiers"),
        };
        let grouped = !group_exprs.is_empty()
            || items.iter().any(|(_, e, _)| e.is_some_and(has_aggregate))
            || s.having.is_some();
        if grouped {
            let mut keys = vec![];
            for g in group_exprs {
                let e = self.group_key(g, &items, &scope)?;
                if keys.contains(&e) {
                    continue;
                }
                keys.push(e);
            }
            ex.grouping = Some(Grouping { keys, aggs: vec![] });
        }
        // the SELECT list bound (in a grouped query: over keys and aggregates)
        let mut outputs: Vec<(String, Expr)> = vec![];
        for (name, e, direct) in &items {
            let bound = match (e, direct) {
                (_, Some(d)) if ex.grouping.is_none() => d.clone(),
                (Some(e), _) => ex.bind(e)?,
                _ => return unbound("* in a grouped query"),
            };
            outputs.push((name.clone(), bound));
        }
        let having = match &s.having {
            Some(h) => Some(ex.bind(h)?),
            None => None,
        };
        // ORDER BY: an ordinal or an output name reads the output; anything else is an
        // expression over the input (or over the groups)
        let mut sorts: Vec<(Expr, bool, bool)> = vec![];
        let mut sort_exprs: Vec<Expr> = vec![];
        let distinct = match &s.distinct {
            None | Some(Distinct::All) => false,
            Some(Distinct::Distinct) => true,
            Some(Distinct::On(_)) => return unbound("DISTINCT ON"),
        };
        if let Some(ob) = &q.order_by {
            if ob.interpolate.is_some() {
                return unbound("ORDER BY INTERPOLATE");
            }
            match &ob.kind {
                OrderByKind::All(opts) => {
                    let desc = !opts.asc.unwrap_or(true);
                    let nulls_last = !opts.nulls_first.unwrap_or(desc);
                    for (n, _) in &outputs {
                        sorts.push((col(n.clone()), desc, nulls_last));
                    }
                }
                OrderByKind::Expressions(obs)
                    if matches!(obs.as_slice(), [o] if matches!(&o.expr, SQLExpr::Identifier(i)
                        if i.value.eq_ignore_ascii_case("ALL") && i.quote_style.is_none()
                            && !outputs.iter().any(|(n, _)| n.eq_ignore_ascii_case("ALL")))) =>
                {
                    // ORDER BY ALL (GenericDialect parses it as a name)
                    let o = &obs[0];
                    let desc = !o.options.asc.unwrap_or(true);
                    let nulls_last = !o.options.nulls_first.unwrap_or(desc);
                    for (n, _) in &outputs {
                        sorts.push((col(n.clone()), desc, nulls_last));
                    }
                }
                OrderByKind::Expressions(obs) => {
                    for o in obs {
                        if o.with_fill.is_some() {
                            return unbound("WITH FILL");
                        }
                        let desc = !o.options.asc.unwrap_or(true);
                        let nulls_last = !o.options.nulls_first.unwrap_or(desc);
                        let target = match ordinal(&o.expr) {
                            Some(k) if k >= 1 && k <= outputs.len() => {
                                col(outputs[k - 1].0.clone())
                            }
                            Some(_) => return unbound("ORDER BY ordinal out of range"),
                            None => match output_named(&o.expr, &outputs) {
                                Some(i) => col(outputs[i].0.clone()),
                                None if distinct => return unbound("ORDER BY of DISTINCT"),
                                None => {
                                    let e = ex.bind(&o.expr)?;
                                    // an expression that is an output is read from it
                                    match outputs.iter().position(|(_, x)| *x == e) {
                                        Some(i) => col(outputs[i].0.clone()),
                                        None => {
                                            sort_exprs.push(e.alias(sort_name(sort_exprs.len())));
                                            col(sort_name(sort_exprs.len() - 1))
                                        }
                                    }
                                }
                            },
                        };
                        sorts.push((target, desc, nulls_last));
                    }
                }
            }
        }
        // aggregation
        if let Some(g) = ex.grouping.take() {
            node = Node::Aggregate {
                input: Box::new(node),
                keys: g
                    .keys
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| match &k {
                        Expr::Column(_) => k,
                        _ => k.alias(key_name(i)),
                    })
                    .collect(),
                aggs: g
                    .aggs
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| a.alias(agg_name(i)))
                    .collect(),
            };
            if let Some(h) = having {
                node = Node::Filter {
                    input: Box::new(node),
                    predicate: h,
                };
            }
        }
        // the outputs under their names, with the sort keys that are not outputs beside
        // them; sorted, then those keys dropped. (Outputs that read no column are
        // computed beside the input, so they have a row for each input row.)
        let names: Vec<Expr> = outputs.iter().map(|(n, _)| col(n.clone())).collect();
        let hidden: Vec<Expr> = (0..sort_exprs.len()).map(|j| col(sort_name(j))).collect();
        let cols: Vec<Expr> = outputs
            .into_iter()
            .map(|(n, e)| e.alias(n))
            .chain(sort_exprs)
            .collect();
        let reads_input = cols
            .iter()
            .any(|e| !e.clone().meta().root_names().is_empty());
        node = if reads_input {
            Node::Project {
                input: Box::new(node),
                exprs: cols,
            }
        } else {
            Node::Project {
                input: Box::new(Node::With {
                    input: Box::new(node),
                    exprs: cols,
                }),
                exprs: names.iter().chain(&hidden).cloned().collect(),
            }
        };
        if distinct {
            node = Node::Distinct {
                input: Box::new(node),
            };
        }
        if !sorts.is_empty() {
            node = Node::Sort {
                input: Box::new(node),
                by: sorts.iter().map(|(e, _, _)| e.clone()).collect(),
                descending: sorts.iter().map(|(_, d, _)| *d).collect(),
                nulls_last: sorts.iter().map(|(_, _, n)| *n).collect(),
            };
        }
        if let Some((offset, len)) = limit(&q.limit_clause)? {
            node = Node::Slice {
                input: Box::new(node),
                offset,
                len,
            };
        }
        if !hidden.is_empty() {
            node = Node::Project {
                input: Box::new(node),
                exprs: names,
            };
        }
        Ok(node)
    }

    /// A GROUP BY item: an ordinal or a SELECT alias (that is not an input column) names
    /// a SELECT item's expression; anything else is an expression over the input.
    fn group_key(
        &self,
        g: &SQLExpr,
        items: &[(String, Option<&SQLExpr>, Option<Expr>)],
        scope: &[Relation],
    ) -> Bound<Expr> {
        let plain = Exprs {
            scope,
            grouping: None,
        };
        if let Some(k) = ordinal(g) {
            return match items.get(k.wrapping_sub(1)) {
                Some((_, Some(e), _)) if !has_aggregate(e) => plain.bind_ref(e),
                _ => unbound("GROUP BY ordinal"),
            };
        }
        if let SQLExpr::Identifier(i) = g {
            if plain.lookup(None, &i.value).is_none() {
                if let Some((_, Some(e), _)) = items.iter().find(|(n, _, _)| *n == i.value) {
                    if has_aggregate(e) {
                        return unbound("GROUP BY an aggregate");
                    }
                    return plain.bind_ref(e);
                }
            }
        }
        if has_aggregate(g) {
            return unbound("GROUP BY an aggregate");
        }
        plain.bind_ref(g)
    }
}

/// The join of `right` (relation `rel`) onto `node` (the relations of `scope`): the
/// right side's names that clash with a column already in the frame are renamed
/// `name:qualifier`, as polars-sql names them; `rel` joins the scope unless the join is
/// a semi or anti join.
fn attach(
    node: Node,
    scope: &mut Vec<Relation>,
    right: Node,
    mut rel: Relation,
    how: JoinType,
    constraint: Option<&JoinConstraint>,
) -> Bound<Node> {
    // the right side's names that clash with a column already in the frame are
    // renamed `name:qualifier`, as polars-sql names them
    let taken: Vec<String> = scope
        .iter()
        .flat_map(|r| r.columns.iter().map(|c| c.frame.clone()))
        .collect();
    let mut renames = vec![];
    for c in &mut rel.columns {
        if taken.contains(&c.frame) {
            let new = format!("{}:{}", c.frame, rel.qualifier);
            if taken.contains(&new) {
                return unbound("a column name repeated across joins");
            }
            renames.push((c.frame.clone(), new.clone()));
            c.frame = new;
        }
    }
    let right = if renames.is_empty() {
        right
    } else {
        Node::Project {
            input: Box::new(right),
            exprs: rel
                .columns
                .iter()
                .map(|c| {
                    let old = renames
                        .iter()
                        .find(|(_, n)| *n == c.frame)
                        .map(|(o, _)| o.clone())
                        .unwrap_or_else(|| c.frame.clone());
                    col(old).alias(c.frame.clone())
                })
                .collect(),
        }
    };
    let (left_on, right_on) = match constraint {
        None => (vec![], vec![]),
        Some(JoinConstraint::On(cond)) => {
            let left_scope = scope.clone();
            equi_keys(cond, &left_scope, &rel)?
        }
        Some(_) => return unbound("JOIN USING/NATURAL"),
    };
    if how != JoinType::Cross && left_on.is_empty() {
        return unbound("a JOIN without equalities");
    }
    // a semi or anti join keeps the left rows only: its right side is not in scope
    let keeps_right = !matches!(how, JoinType::Semi | JoinType::Anti);
    let node = Node::Join {
        left: Box::new(node),
        right: Box::new(right),
        how,
        left_on,
        right_on,
    };
    if keeps_right {
        scope.push(rel);
    }
    Ok(node)
}

fn only_exclude(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_some()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

fn plain_wildcard(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_none()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

fn relation_of(qualifier: String, schema: &Schema) -> Relation {
    Relation {
        qualifier,
        columns: schema
            .iter()
            .map(|(n, dt)| Column {
                name: n.to_string(),
                frame: n.to_string(),
                dtype: dt.clone(),
            })
            .collect(),
    }
}

fn schema_of(scope: &[Relation]) -> Schema {
    let mut s = Schema::default();
    for r in scope {
        for c in &r.columns {
            s.insert(c.frame.as_str().into(), c.dtype.clone());
        }
    }
    s
}

/// `a.x = b.y AND …` of a JOIN's ON: each equality has one side over the left relations
/// and the other over the right one.
fn equi_keys(cond: &SQLExpr, left: &[Relation], right: &Relation) -> Bound<(Vec<Expr>, Vec<Expr>)> {
    let mut terms = vec![cond];
    let mut l = vec![];
    let mut r = vec![];
    while let Some(t) = terms.pop() {
        match t {
            SQLExpr::Nested(x) => terms.push(x),
            SQLExpr::BinaryOp {
                left: a,
                op: BinaryOperator::And,
                right: b,
            } => {
                terms.push(b);
                terms.push(a);
            }
            SQLExpr::BinaryOp {
                left: a,
                op: BinaryOperator::Eq,
                right: b,
            } => {
                // keys are columns of one type on each side (Polars refuses keys of two
                // types only when it runs; polars-sql casts them)
                let on = |e: &SQLExpr, rels: &[Relation]| {
                    Exprs {
                        scope: rels,
                        grouping: None,
                    }
                    .column(e)
                };
                let right = std::slice::from_ref(right);
                let pair = match (on(a, left), on(b, right)) {
                    (Ok(x), Ok(y)) => Some((x, y)),
                    _ => match (on(b, left), on(a, right)) {
                        (Ok(x), Ok(y)) => Some((x, y)),
                        _ => None,
                    },
                };
                match pair {
                    Some((x, y)) if x.dtype == y.dtype => {
                        l.push(col(x.frame));
                        r.push(col(y.frame));
                    }
                    _ => return unbound("a JOIN condition other than equalities of columns"),
                }
            }
            _ => return unbound("a JOIN condition other than equalities"),
        }
    }
    Ok((l, r))
}

fn ordinal(e: &SQLExpr) -> Option<usize> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The output an ORDER BY bare name reads (a name of the SELECT list).
fn output_named(e: &SQLExpr, outputs: &[(String, Expr)]) -> Option<usize> {
    let SQLExpr::Identifier(i) = e else {
        return None;
    };
    outputs.iter().position(|(n, _)| *n == i.value)
}

fn limit(l: &Option<LimitClause>) -> Bound<Option<(i64, IdxSize)>> {
    let number = |e: &SQLExpr| match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) => n.parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    match l {
        None => Ok(None),
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if !limit_by.is_empty() {
                return unbound("LIMIT BY");
            }
            let len = match limit {
                None => IdxSize::MAX,
                Some(SQLExpr::Value(v)) if matches!(v.value, SQLValue::Null) => IdxSize::MAX,
                Some(e) => match number(e).and_then(|n| IdxSize::try_from(n).ok()) {
                    Some(n) => n,
                    None => return unbound("a LIMIT that is not a number"),
                },
            };
            let off = match offset {
                None => 0,
                Some(o) => match number(&o.value).and_then(|n| i64::try_from(n).ok()) {
                    Some(n) => n,
                    None => return unbound("an OFFSET that is not a number"),
                },
            };
            Ok(Some((off, len)))
        }
        Some(_) => unbound("LIMIT offset, count"),
    }
}

fn is_literal(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Value(_))
}

const AGGREGATES: &[&str] = &[
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "MEDIAN",
    "STDEV",
    "STDDEV",
    "STDEV_SAMP",
    "STDDEV_SAMP",
    "VAR",
    "VARIANCE",
    "VAR_SAMP",
];

fn function_name(f: &sqlparser::ast::Function) -> Option<String> {
    match f.name.0.as_slice() {
        [p] => p.as_ident().map(|i| i.value.to_uppercase()),
        _ => None,
    }
}

/// Whether an expression calls an aggregate (outside a subquery).
fn has_aggregate(e: &SQLExpr) -> bool {
    super::rewrite::contains(e, &|x| match x {
        SQLExpr::Function(f) => {
            f.over.is_none() && function_name(f).is_some_and(|n| AGGREGATES.contains(&n.as_str()))
        }
        _ => false,
    })
}

/// Whether an expression calls a window function (outside a subquery).
fn has_window(e: &SQLExpr) -> bool {
    super::rewrite::contains(
        e,
        &|x| matches!(x, SQLExpr::Function(f) if f.over.is_some()),
    )
}

/// Binds expressions over a scope; in a grouped query level, over its keys and
/// aggregates.
struct Exprs<'a> {
    scope: &'a [Relation],
    grouping: Option<Grouping>,
}

impl Exprs<'_> {
    /// The column a name reads: qualified by a relation's qualifier, or the one column of
    /// that name in scope (exact case first).
    fn lookup(&self, qualifier: Option<&str>, name: &str) -> Option<Column> {
        let rels = self
            .scope
            .iter()
            .filter(|r| qualifier.is_none_or(|q| r.qualifier == q));
        let mut exact = rels
            .clone()
            .flat_map(|r| r.columns.iter())
            .filter(|c| c.name == name);
        if let Some(c) = exact.next() {
            return if exact.next().is_some() {
                None
            } else {
                Some(c.clone())
            };
        }
        let mut folded = rels
            .flat_map(|r| r.columns.iter())
            .filter(|c| c.name.eq_ignore_ascii_case(name));
        let c = folded.next()?;
        if folded.next().is_some() {
            return None;
        }
        Some(c.clone())
    }

    fn column(&self, e: &SQLExpr) -> Bound<Column> {
        let found = match e {
            SQLExpr::Identifier(i) => self.lookup(None, &i.value),
            SQLExpr::CompoundIdentifier(p) if p.len() == 2 => {
                self.lookup(Some(&p[0].value), &p[1].value)
            }
            _ => None,
        };
        match found {
            Some(c) => Ok(c),
            None => unbound(format!("the column {e}")),
        }
    }

    /// Bind without grouping (a key, a JOIN key).
    fn bind_ref(&self, e: &SQLExpr) -> Bound<Expr> {
        Exprs {
            scope: self.scope,
            grouping: None,
        }
        .bind(e)
    }

    /// Bind without grouping, aggregates allowed as such (for an output's name).
    fn bind_any(&mut self, e: &SQLExpr) -> Bound<Expr> {
        self.bind(e)
    }

    /// Bind an expression. In a grouped level, a subexpression equal to a key reads the
    /// key, an aggregate reads its result, and a column outside both is not bound.
    fn bind(&mut self, e: &SQLExpr) -> Bound<Expr> {
        if let Some(g) = &self.grouping {
            if !has_aggregate(e) {
                let plain = self.bind_ref(e)?;
                if let Some(i) = g.keys.iter().position(|k| *k == plain) {
                    // a column key keeps its name (Polars groups by a column fastest)
                    return Ok(match &plain {
                        Expr::Column(c) => col(c.clone()),
                        _ => col(key_name(i)),
                    });
                }
                if matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_)) {
                    return unbound("a column neither grouped nor aggregated");
                }
                if is_literal(e) {
                    return Ok(plain);
                }
            }
        }
        match e {
            SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_) => {
                Ok(col(self.column(e)?.frame))
            }
            SQLExpr::Value(v) => literal(&v.value),
            SQLExpr::Nested(x) => self.bind(x),
            SQLExpr::BinaryOp { left, op, right } => self.binary(left, op, right),
            SQLExpr::UnaryOp { op, expr } => {
                if matches!(op, UnaryOperator::Plus | UnaryOperator::Minus) {
                    match literal_number(e) {
                        Some(Num::Int(i)) => return Ok(lit(i)),
                        Some(Num::Float(f)) => return Ok(lit(f)),
                        None => {}
                    }
                }
                let x = self.bind(expr)?;
                Ok(match op {
                    UnaryOperator::Plus => lit(0) + x,
                    UnaryOperator::Minus => lit(0) - x,
                    UnaryOperator::Not => {
                        let boolean_column = matches!(&x, Expr::Column(n)
                            if self.scope.iter().flat_map(|r| &r.columns)
                                .any(|c| c.frame == n.as_str() && c.dtype == DataType::Boolean));
                        if boolean_column {
                            x.not()
                        } else {
                            x.strict_cast(DataType::Boolean).not()
                        }
                    }
                    _ => return unbound("this unary operator"),
                })
            }
            SQLExpr::IsNull(x) => Ok(self.bind(x)?.is_null()),
            SQLExpr::IsNotNull(x) => Ok(self.bind(x)?.is_not_null()),
            SQLExpr::IsDistinctFrom(a, b) => {
                self.comparable(a, b)?;
                Ok(self.bind(a)?.neq_missing(self.bind(b)?))
            }
            SQLExpr::IsNotDistinctFrom(a, b) => {
                self.comparable(a, b)?;
                Ok(self.bind(a)?.eq_missing(self.bind(b)?))
            }
            SQLExpr::IsTrue(x) => Ok(self.bind(x)?.eq(lit(true))),
            SQLExpr::IsFalse(x) => Ok(self.bind(x)?.eq(lit(false))),
            SQLExpr::IsNotTrue(x) => Ok(self.bind(x)?.eq(lit(true)).not()),
            SQLExpr::IsNotFalse(x) => Ok(self.bind(x)?.eq(lit(false)).not()),
            SQLExpr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                self.comparable(expr, low)?;
                self.comparable(expr, high)?;
                let x = self.bind(expr)?;
                let (lo, hi) = (self.bind(low)?, self.bind(high)?);
                Ok(if *negated {
                    x.clone().lt(lo).or(x.gt(hi))
                } else {
                    x.clone().gt_eq(lo).and(x.lt_eq(hi))
                })
            }
            SQLExpr::InList {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated),
            SQLExpr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if conditions.is_empty() {
                    return unbound("CASE without WHEN");
                }
                let otherwise = match else_result {
                    Some(x) => self.bind(x)?,
                    None => Expr::Literal(LiteralValue::untyped_null()),
                };
                let mut pairs = vec![];
                for w in conditions {
                    let cond = match operand {
                        Some(op) => {
                            self.comparable(op, &w.condition)?;
                            self.bind(op)?.eq(self.bind(&w.condition)?)
                        }
                        None => self.bind(&w.condition)?,
                    };
                    pairs.push((cond, self.bind(&w.result)?));
                }
                let mut it = pairs.into_iter();
                let Some((c0, r0)) = it.next() else {
                    return unbound("CASE without WHEN");
                };
                let first = when(c0).then(r0);
                let Some((c1, r1)) = it.next() else {
                    return Ok(first.otherwise(otherwise));
                };
                let mut chain = first.when(c1).then(r1);
                for (c, r) in it {
                    chain = chain.when(c).then(r);
                }
                Ok(chain.otherwise(otherwise))
            }
            SQLExpr::Cast {
                kind,
                expr,
                data_type,
                format,
                ..
            } => {
                if format.is_some() {
                    return unbound("CAST FORMAT");
                }
                let dt = sql_type(data_type)?;
                let x = self.bind(expr)?;
                Ok(match kind {
                    CastKind::Cast | CastKind::DoubleColon => x.strict_cast(dt),
                    CastKind::TryCast | CastKind::SafeCast => x.cast(dt),
                })
            }
            SQLExpr::Function(f) => self.function(f),
            SQLExpr::Substring {
                expr,
                substring_from: Some(from),
                substring_for,
                ..
            } => {
                let x = self.bind(expr)?;
                let len = match substring_for {
                    Some(l) => {
                        let n = match literal_number(l) {
                            Some(Num::Int(n)) => Some(n),
                            Some(Num::Float(_)) => return unbound("SUBSTRING's length"),
                            None => None,
                        };
                        Some((self.bind(l)?, n))
                    }
                    None => None,
                };
                let start = match literal_number(from) {
                    Some(Num::Int(n)) => Some(n),
                    _ => None,
                };
                substring(x, start, len)
            }
            SQLExpr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => self.like(expr, pattern, *negated, false),
            SQLExpr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => self.like(expr, pattern, *negated, true),
            _ => unbound("this expression"),
        }
    }

    /// A comparison of a text literal with a column that is not text: polars-sql turns
    /// the text into a date or time first; that stays on the SQL path.
    fn comparable(&self, a: &SQLExpr, b: &SQLExpr) -> Bound<()> {
        let text = |e: &SQLExpr| matches!(e, SQLExpr::Value(v) if matches!(v.value, SQLValue::SingleQuotedString(_)));
        let is_text_column = |e: &SQLExpr| {
            matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_))
                && self.column(e).is_ok_and(|c| c.dtype == DataType::String)
        };
        if (text(b) && !(text(a) || is_text_column(a)))
            || (text(a) && !(text(b) || is_text_column(b)))
        {
            return unbound("a text literal compared with a value that is not text");
        }
        Ok(())
    }

    /// `x [NOT] [I]LIKE 'pattern'`, as polars-sql: a pattern without wildcards is an
    /// equality, else a regular expression.
    fn like(&mut self, e: &SQLExpr, pattern: &SQLExpr, negated: bool, folded: bool) -> Bound<Expr> {
        let SQLExpr::Value(v) = pattern else {
            return unbound("a LIKE pattern that is not text");
        };
        let SQLValue::SingleQuotedString(pat) = &v.value else {
            return unbound("a LIKE pattern that is not text");
        };
        if pat.is_empty() || (!folded && !pat.contains(['%', '_'])) {
            let op = if negated {
                BinaryOperator::NotEq
            } else {
                BinaryOperator::Eq
            };
            return self.binary(e, &op, pattern);
        }
        let rx = regex::escape(pat).replace('%', ".*").replace('_', ".");
        let rx = format!("^{}{rx}$", if folded { "(?is)" } else { "(?s)" });
        let m = self.bind(e)?.str().contains(lit(rx), true);
        Ok(if negated { m.not() } else { m })
    }

    fn binary(&mut self, a: &SQLExpr, op: &BinaryOperator, b: &SQLExpr) -> Bound<Expr> {
        use BinaryOperator as B;
        if matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
            self.comparable(a, b)?;
        }
        let (l, r) = (self.bind(a)?, self.bind(b)?);
        Ok(match op {
            B::Plus => l + r,
            B::Minus => l - r,
            B::Multiply => l * r,
            B::Divide => l.true_div(r),
            B::Modulo => l % r,
            B::DuckIntegerDivide => l.floor_div(r).cast(DataType::Int64),
            B::Eq => l.eq(r),
            B::NotEq => l.eq(r).not(),
            B::Lt => l.lt(r),
            B::LtEq => l.lt_eq(r),
            B::Gt => l.gt(r),
            B::GtEq => l.gt_eq(r),
            B::And => l.and(r),
            B::Or => l.or(r),
            B::StringConcat => l.cast(DataType::String) + r.cast(DataType::String),
            _ => return unbound("this operator"),
        })
    }

    /// `x [NOT] IN (v1, v2, …)` over literal values, as polars-sql: the values one
    /// series of one type (mixed types are polars-sql's to refuse), a NULL among them
    /// makes a non-match unknown. Text values against a column that is not text (a date
    /// written as text) stay on the SQL path.
    fn in_list(&mut self, e: &SQLExpr, list: &[SQLExpr], negated: bool) -> Bound<Expr> {
        let mut values: Vec<AnyValue<'static>> = vec![];
        for x in list {
            let (v, minus) = match x {
                SQLExpr::Value(v) => (&v.value, false),
                SQLExpr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr,
                } => match &**expr {
                    SQLExpr::Value(v) => (&v.value, true),
                    _ => return unbound("an IN value that is not a literal"),
                },
                _ => return unbound("an IN value that is not a literal"),
            };
            let v = match v {
                SQLValue::Null if !minus => AnyValue::Null,
                SQLValue::Boolean(b) if !minus => AnyValue::Boolean(*b),
                SQLValue::SingleQuotedString(t) if !minus => {
                    AnyValue::StringOwned(t.as_str().into())
                }
                SQLValue::Number(n, _) if n.contains('.') => match n.parse::<f64>() {
                    Ok(f) => AnyValue::Float64(if minus { -f } else { f }),
                    Err(_) => return unbound("an IN value"),
                },
                SQLValue::Number(n, _) => match n.parse::<i64>() {
                    Ok(i) => AnyValue::Int64(if minus { -i } else { i }),
                    Err(_) => return unbound("an IN value"),
                },
                _ => return unbound("an IN value"),
            };
            values.push(v);
        }
        let texts = values.iter().any(|v| matches!(v, AnyValue::StringOwned(_)));
        if texts {
            let is_text_column =
                matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_))
                    && self.column(e).is_ok_and(|c| c.dtype == DataType::String);
            if !is_text_column {
                return unbound("text IN values for a value that is not a text column");
            }
        }
        let series = Series::from_any_values(PlSmallStr::EMPTY, &values, true)
            .map_err(|e| Unbound(e.to_string()))?;
        let has_null = series.null_count() > 0;
        let x = self.bind(e)?;
        let member = x.is_in(lit(series).implode(false), false);
        let member = if has_null {
            member.or(Expr::Literal(LiteralValue::untyped_null()).cast(DataType::Boolean))
        } else {
            member
        };
        Ok(if negated { member.not() } else { member })
    }

    fn function(&mut self, f: &sqlparser::ast::Function) -> Bound<Expr> {
        if let Some(over) = &f.over {
            return self.window(f, over);
        }
        if f.filter.is_some()
            || f.null_treatment.is_some()
            || !f.within_group.is_empty()
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return unbound("FILTER or WITHIN GROUP");
        }
        let Some(name) = function_name(f) else {
            return unbound("a qualified function");
        };
        let (args, distinct) = match &f.args {
            FunctionArguments::List(l) => {
                if !l.clauses.is_empty() {
                    return unbound("function clauses");
                }
                let distinct = match l.duplicate_treatment {
                    Some(sqlparser::ast::DuplicateTreatment::Distinct) => true,
                    Some(sqlparser::ast::DuplicateTreatment::All) | None => false,
                };
                let mut args = vec![];
                for a in &l.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(Some(e)),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => args.push(None),
                        _ => return unbound("a named or qualified argument"),
                    }
                }
                (args, distinct)
            }
            FunctionArguments::None => (vec![], false),
            FunctionArguments::Subquery(_) => return unbound("a subquery argument"),
        };
        if AGGREGATES.contains(&name.as_str()) {
            return self.aggregate(&name, &args, distinct);
        }
        if distinct {
            return unbound("DISTINCT in a function that is not an aggregate");
        }
        let mut xs = vec![];
        for a in &args {
            match a {
                Some(e) => xs.push(self.bind(e)?),
                None => return unbound("* as an argument"),
            }
        }
        // an integer literal argument (polars-sql reads some arguments only so)
        let int_arg = |k: usize| match args.get(k).copied().flatten().map(literal_number) {
            Some(Some(Num::Int(n))) => Some(n),
            _ => None,
        };
        let null = || Expr::Literal(LiteralValue::untyped_null());
        Ok(match (name.as_str(), xs.as_slice()) {
            ("COALESCE", [_, ..]) => coalesce(&xs),
            ("ABS", [x]) => x.clone().abs(),
            ("NULLIF", [a, b]) => when(a.clone().eq(b.clone()))
                .then(null())
                .otherwise(a.clone()),
            ("ROUND", [x]) => x.clone().round(0, RoundMode::default()),
            ("ROUND", [x, _]) => match int_arg(1).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => x.clone().round(n, RoundMode::default()),
                None => return unbound("ROUND's places"),
            },
            ("TRUNC" | "TRUNCATE", [x]) => x.clone().truncate(0),
            ("TRUNC" | "TRUNCATE", [x, _]) => {
                match int_arg(1).and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => x.clone().truncate(n),
                    None => return unbound("TRUNCATE's places"),
                }
            }
            ("SIGN", [x]) => x.clone().sign(),
            ("SQRT", [x]) => x.clone().sqrt(),
            ("GREATEST", [_, ..]) => max_horizontal(&xs).map_err(|e| Unbound(e.to_string()))?,
            ("LEAST", [_, ..]) => min_horizontal(&xs).map_err(|e| Unbound(e.to_string()))?,
            ("POW" | "POWER", [x, y]) => x.clone().pow(y.clone()),
            ("UPPER", [x]) => x.clone().str().to_uppercase(),
            ("LOWER", [x]) => x.clone().str().to_lowercase(),
            ("LENGTH" | "CHAR_LENGTH" | "CHARACTER_LENGTH", [x]) => x.clone().str().len_chars(),
            ("REVERSE", [x]) => x.clone().str().reverse(),
            ("REPLACE", [x, old, new]) => {
                x.clone().str().replace_all(old.clone(), new.clone(), true)
            }
            ("STARTS_WITH", [x, p]) => x.clone().str().starts_with(p.clone()),
            ("CONCAT", [_, ..]) => concat_str(&xs, "", true),
            ("LEFT", [x, _]) => match int_arg(1) {
                Some(0) => lit(""),
                Some(n) if n > 0 => x.clone().str().slice(lit(0), lit(n)),
                Some(n) => x.clone().str().slice(
                    lit(0),
                    (x.clone().str().len_chars() + lit(n)).clip_min(lit(0)),
                ),
                None => return unbound("LEFT's length"),
            },
            ("RIGHT", [x, _]) => match int_arg(1).and_then(|n| i64::try_from(n).ok()) {
                Some(0) => lit(""),
                Some(n) => {
                    let offset = if n < 0 {
                        lit(n.abs())
                    } else {
                        x.clone().str().len_chars().cast(DataType::Int32) - lit(n)
                    };
                    x.clone().str().slice(offset, null())
                }
                None => return unbound("RIGHT's length"),
            },
            ("SUBSTR", [x, _]) => substring(x.clone(), int_arg(1), None)?,
            ("SUBSTR", [x, _, len]) => {
                substring(x.clone(), int_arg(1), Some((len.clone(), int_arg(2))))?
            }
            _ => return unbound(format!("the function {name}")),
        })
    }

    /// A window function (in a query level without GROUP BY), as polars-sql computes it:
    /// over its partition, ordered by its ORDER BY (one direction for every key), an
    /// aggregate with ORDER BY as a running one (`cum_sum` …), ROWS frames from the start
    /// only.
    fn window(&mut self, f: &sqlparser::ast::Function, over: &WindowType) -> Bound<Expr> {
        if self.grouping.is_some() {
            return unbound("a window in a grouped query");
        }
        let WindowType::WindowSpec(spec) = over else {
            return unbound("a named window");
        };
        if spec.window_name.is_some()
            || f.filter.is_some()
            || f.null_treatment.is_some()
            || !f.within_group.is_empty()
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return unbound("this window");
        }
        if let Some(frame) = &spec.window_frame {
            let from_start = frame.units == WindowFrameUnits::Rows
                && matches!(frame.start_bound, WindowFrameBound::Preceding(None))
                && matches!(frame.end_bound, None | Some(WindowFrameBound::CurrentRow));
            if !from_start {
                return unbound("this window frame");
            }
        }
        let Some(name) = function_name(f) else {
            return unbound("a qualified function");
        };
        let FunctionArguments::List(l) = &f.args else {
            if matches!(f.args, FunctionArguments::None) {
                return unbound("a window function without parentheses");
            }
            return unbound("a subquery argument");
        };
        if !l.clauses.is_empty() || l.duplicate_treatment.is_some() {
            return unbound("DISTINCT or clauses in a window function");
        }
        let mut args: Vec<Option<&SQLExpr>> = vec![];
        for a in &l.args {
            match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(Some(e)),
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => args.push(None),
                _ => return unbound("a named or qualified argument"),
            }
        }
        let mut partition = vec![];
        for p in &spec.partition_by {
            if has_aggregate(p) {
                return unbound("an aggregate in PARTITION BY");
            }
            partition.push(self.bind(p)?);
        }
        let mut order = vec![];
        let desc = spec
            .order_by
            .first()
            .is_some_and(|o| !o.options.asc.unwrap_or(true));
        for o in &spec.order_by {
            if o.options.asc.unwrap_or(true) == desc {
                return unbound("mixed directions in a window's ORDER BY");
            }
            if has_aggregate(&o.expr) {
                return unbound("an aggregate in a window's ORDER BY");
            }
            order.push(self.bind(&o.expr)?);
        }
        let sorted = !order.is_empty();
        let opts = SortOptions::default().with_order_descending(desc);
        let err = |e: PolarsError| Unbound(e.to_string());
        // the function over its window: `spec` applies the partition and the order
        let spec = |x: Expr, partition: Vec<Expr>, order: Vec<Expr>| -> Bound<Expr> {
            match (partition.is_empty(), order.is_empty()) {
                (true, true) => Ok(x),
                (false, true) => x.over(partition).map_err(err),
                (_, false) => x
                    .over_with_options(
                        (!partition.is_empty()).then_some(partition),
                        Some((order, opts)),
                        Default::default(),
                    )
                    .map_err(err),
            }
        };
        let mut arg = |k: usize| -> Bound<Expr> {
            match args.get(k).copied().flatten() {
                Some(e) if !has_aggregate(e) => self.bind(e),
                _ => unbound(format!("this use of {name}")),
            }
        };
        let running = |x: Expr, cum: fn(Expr, bool) -> Expr| -> Bound<Expr> {
            cum(x, false)
                .fill_null_with_strategy(FillNullStrategy::Forward(None))
                .over_with_options(
                    (!partition.is_empty()).then(|| partition.clone()),
                    Some((order.clone(), opts)),
                    Default::default(),
                )
                .map_err(err)
        };
        let n = args.len();
        match name.as_str() {
            "ROW_NUMBER" if n == 0 => spec(
                int_range(lit(0i64), len(), 1, DataType::UInt32) + lit(1u32),
                partition,
                order,
            ),
            "RANK" | "DENSE_RANK" if n == 0 && sorted => {
                let method = if name == "RANK" {
                    RankMethod::Min
                } else {
                    RankMethod::Dense
                };
                let by = if order.len() == 1 {
                    order[0].clone()
                } else {
                    as_struct(order.clone())
                };
                let r = by.rank(
                    RankOptions {
                        method,
                        descending: desc,
                    },
                    None,
                );
                spec(r, partition, order)
            }
            "COUNT" if sorted && n <= 1 => match args.first().copied() {
                None | Some(None) => spec(
                    int_range(lit(0), len(), 1, DataType::Int64) + lit(1),
                    partition,
                    order,
                ),
                Some(Some(e)) if is_non_null_literal(e) => spec(
                    int_range(lit(0), len(), 1, DataType::Int64) + lit(1),
                    partition,
                    order,
                ),
                Some(Some(_)) => running(arg(0)?, |x, r| x.cum_count(r)),
            },
            "COUNT" if n <= 1 => {
                let c = match args.first().copied() {
                    None | Some(None) => len(),
                    Some(Some(e)) if is_non_null_literal(e) => len(),
                    Some(Some(_)) => arg(0)?.count(),
                };
                spec(c, partition, order)
            }
            "SUM" | "MIN" | "MAX" if n == 1 && sorted => {
                let x = arg(0)?;
                running(
                    x,
                    match name.as_str() {
                        "SUM" => |x, r| x.cum_sum(r),
                        "MIN" => |x, r| x.cum_min(r),
                        _ => |x, r| x.cum_max(r),
                    },
                )
            }
            "SUM" | "MIN" | "MAX" | "AVG" | "MEDIAN" | "FIRST_VALUE" if n == 1 => {
                let x = arg(0)?;
                let a = match name.as_str() {
                    "SUM" => when(x.clone().null_count().lt(x.clone().len()))
                        .then(x.sum())
                        .otherwise(Expr::Literal(LiteralValue::untyped_null())),
                    "MIN" => x.min(),
                    "MAX" => x.max(),
                    "AVG" => x.mean(),
                    "MEDIAN" => x.median(),
                    _ => x.first(),
                };
                spec(a, partition, order)
            }
            "LAST_VALUE" if n == 1 => arg(0),
            "LAG" | "LEAD" if sorted && (n == 1 || n == 2) => {
                let sign: i64 = if name == "LAG" { 1 } else { -1 };
                let k = match args.get(1).copied() {
                    None => 1,
                    Some(Some(e)) => match literal_number(e) {
                        Some(Num::Int(k)) if k > 0 => match i64::try_from(k) {
                            Ok(k) => k,
                            Err(_) => return unbound("this LAG/LEAD offset"),
                        },
                        _ => return unbound("this LAG/LEAD offset"),
                    },
                    Some(None) => return unbound("this LAG/LEAD offset"),
                };
                let x = arg(0)?.shift((sign * k).into());
                spec(x, partition, order)
            }
            _ => unbound(format!("the window function {name}")),
        }
    }

    /// An aggregate: bound over the input, collected, read back as its column.
    fn aggregate(&mut self, name: &str, args: &[Option<&SQLExpr>], distinct: bool) -> Bound<Expr> {
        let plain = |e: &SQLExpr| -> Bound<Expr> {
            if has_aggregate(e) {
                return unbound("an aggregate inside an aggregate");
            }
            self.bind_ref(e)
        };
        let agg = match (name, args, distinct) {
            ("COUNT", [None] | [], false) => len(),
            ("COUNT", [Some(e)], false) if is_non_null_literal(e) => len(),
            ("COUNT", [Some(e)], false) => plain(e)?.count(),
            ("COUNT", [Some(e)], true) => {
                let x = plain(e)?;
                x.clone().n_unique() - x.null_count().gt(lit(0))
            }
            ("SUM", [Some(e)], false) => {
                let x = plain(e)?;
                when(x.clone().null_count().lt(x.clone().len()))
                    .then(x.sum())
                    .otherwise(Expr::Literal(LiteralValue::untyped_null()))
            }
            ("AVG", [Some(e)], false) => plain(e)?.mean(),
            ("MIN", [Some(e)], false) => plain(e)?.min(),
            ("MAX", [Some(e)], false) => plain(e)?.max(),
            ("MEDIAN", [Some(e)], false) => plain(e)?.median(),
            ("STDEV" | "STDDEV" | "STDEV_SAMP" | "STDDEV_SAMP", [Some(e)], false) => {
                plain(e)?.std(1)
            }
            ("VAR" | "VARIANCE" | "VAR_SAMP", [Some(e)], false) => plain(e)?.var(1),
            _ => return unbound(format!("this use of {name}")),
        };
        match &mut self.grouping {
            Some(g) => {
                let i = match g.aggs.iter().position(|a| *a == agg) {
                    Some(i) => i,
                    None => {
                        g.aggs.push(agg);
                        g.aggs.len() - 1
                    }
                };
                Ok(col(agg_name(i)))
            }
            None => Ok(agg),
        }
    }
}

/// `SUBSTR(x, start[, length])` as polars-sql computes it, for an integer literal start.
fn substring(x: Expr, start: Option<i128>, len: Option<(Expr, Option<i128>)>) -> Bound<Expr> {
    let Some(n) = start else {
        return unbound("SUBSTR's start");
    };
    Ok(match len {
        None if n <= 0 => x,
        None => x
            .str()
            .slice(lit(n - 1), Expr::Literal(LiteralValue::untyped_null())),
        Some((_, Some(l))) if l < 0 => return unbound("a negative SUBSTR length"),
        Some((l, _)) if n > 0 => x.str().slice(lit(n - 1), l),
        Some((l, _)) => x.str().slice(lit(0), (l + lit(n - 1)).clip_min(lit(0))),
    })
}

fn is_non_null_literal(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Value(v) if !matches!(v.value, SQLValue::Null))
}

enum Num {
    Int(i128),
    Float(f64),
}

/// The number a signed number literal is (`5`, `-(5)`, `- -2.5`): polars-sql folds the
/// sign into such a literal, and so does the binder.
fn literal_number(e: &SQLExpr) -> Option<Num> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) if n.contains('.') => n.parse::<f64>().ok().map(Num::Float),
            SQLValue::Number(n, _) => n.parse::<i64>().ok().map(|i| Num::Int(i as i128)),
            _ => None,
        },
        SQLExpr::Nested(x) => literal_number(x),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => literal_number(expr),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal_number(expr)? {
            Num::Int(i) => Some(Num::Int(-i)),
            Num::Float(f) => Some(Num::Float(-f)),
        },
        _ => None,
    }
}

/// A literal as polars-sql makes it.
fn literal(v: &SQLValue) -> Bound<Expr> {
    Ok(match v {
        SQLValue::Boolean(b) => lit(*b),
        SQLValue::Null => Expr::Literal(LiteralValue::untyped_null()),
        SQLValue::SingleQuotedString(s) => lit(s.clone()),
        SQLValue::Number(s, _) => {
            if s.contains('.') {
                match s.parse::<f64>() {
                    Ok(f) => lit(f),
                    Err(_) => return unbound("a number"),
                }
            } else {
                match s.parse::<i64>() {
                    Ok(i) => lit(i),
                    Err(_) => return unbound("a number"),
                }
            }
        }
        _ => return unbound("this literal"),
    })
}

/// A SQL type as polars-sql maps it (the common ones).
fn sql_type(t: &SQLType) -> Bound<DataType> {
    Ok(match t {
        SQLType::Boolean | SQLType::Bool => DataType::Boolean,
        SQLType::SmallInt(_) | SQLType::Int2(_) | SQLType::Int16 => DataType::Int16,
        SQLType::Int(_) | SQLType::Integer(_) | SQLType::Int4(_) | SQLType::Int32 => {
            DataType::Int32
        }
        SQLType::BigInt(_) | SQLType::Int8(_) | SQLType::Int64 => DataType::Int64,
        SQLType::HugeInt | SQLType::Int128 => DataType::Int128,
        SQLType::Real | SQLType::Float4 => DataType::Float32,
        SQLType::Double(_) | SQLType::DoublePrecision | SQLType::Float8 => DataType::Float64,
        SQLType::Float(ExactNumberInfo::None) => DataType::Float64,
        SQLType::Varchar(_) | SQLType::Text | SQLType::String(_) => DataType::String,
        SQLType::Decimal(info) | SQLType::Numeric(info) | SQLType::Dec(info) => match *info {
            ExactNumberInfo::PrecisionAndScale(p, s) => DataType::Decimal(p as usize, s as usize),
            ExactNumberInfo::Precision(p) => DataType::Decimal(p as usize, 0),
            ExactNumberInfo::None => DataType::Decimal(38, 9),
        },
        SQLType::Date => DataType::Date,
        _ => return unbound("this type"),
    })
}
