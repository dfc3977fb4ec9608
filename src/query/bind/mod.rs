//! The binder: a SELECT core (FROM, WHERE, GROUP BY, HAVING, the SELECT list, DISTINCT,
//! ORDER BY, LIMIT), with the CTEs and derived tables it reads, bound to budgetql's own
//! logical plan ([`super::plan::Node`]): names resolved against the relations in scope,
//! aggregates collected, GROUP BY keys matched, ordinals and output names resolved.
//!
//! The binder takes what it can bind whole and answers [`Unbound`] for anything else (a
//! construct or a function it does not know): the query is then refused with a located
//! message naming the construct, never answered another way. Expressions are bound to
//! Polars expressions with SQL's meaning (NULLs, integer overflow, rounding, windows:
//! `window.rs`); the rewrites in front (rules/, rewrite.rs) still work on the syntax tree
//! and text for the extensions and subqueries.

use super::plan::Node;
use polars::prelude::*;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType as SQLType, DateTimeField, Distinct, ExactNumberInfo,
    Expr as SQLExpr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, JoinConstraint,
    JoinOperator, LimitClause, OrderByKind, Query, Select, SelectItem, SetExpr, TableAlias,
    TableFactor, UnaryOperator, Value as SQLValue, WindowFrameBound, WindowFrameUnits, WindowType,
};
use std::collections::HashMap;

mod expr;
pub(crate) mod functions;
pub(crate) use expr::number_text;
mod select;
mod window;

/// Why the binder did not plan a query.
#[derive(Debug)]
pub enum Unbound {
    /// a construct the binder does not bind (yet): what it is
    Construct(String),
    /// a name that reads no column in scope, and the columns that are
    Column { name: String, valid: Vec<String> },
    /// a name that reads a column of two relations
    Ambiguous {
        name: String,
        relations: Vec<String>,
    },
    /// Polars refused the plan (a type it cannot compute with)
    Polars(PolarsError),
    /// the query is wrong in another way: what to tell the user
    Invalid(String),
}

impl std::fmt::Display for Unbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unbound::Construct(what) => write!(f, "{what}"),
            Unbound::Column { name, .. } => write!(f, "the column {name}"),
            Unbound::Ambiguous { name, .. } => write!(f, "the ambiguous column {name}"),
            Unbound::Polars(e) => write!(f, "{e}"),
            Unbound::Invalid(m) => write!(f, "{m}"),
        }
    }
}

impl From<PolarsError> for Unbound {
    fn from(e: PolarsError) -> Self {
        Unbound::Polars(e)
    }
}

type Bound<T> = Result<T, Unbound>;

fn unbound<T>(what: impl Into<String>) -> Bound<T> {
    Err(Unbound::Construct(what.into()))
}

/// A column in scope: the name SQL reads it by, the name it has in the frame, its type.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    frame: String,
    dtype: DataType,
    /// the right key of a `JOIN … USING`: read only qualified (`u.k`); the unqualified
    /// name and `*` read the left key
    using: bool,
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
    /// the plan rules the session applies, and what they know
    pub optimize: &'a super::optimize::Context,
}

/// Aggregation state of a grouped query level.
struct Grouping {
    /// GROUP BY keys, bound over the input; key i is column `__bq_k{i}` after grouping
    keys: Vec<Expr>,
    /// aggregates, bound over the input; aggregate i is column `__bq_a{i}`
    aggs: Vec<Expr>,
    /// what each aggregate is, when a plain one over a column
    calls: Vec<Option<super::plan::AggCall>>,
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
    ctes: Vec<(String, Node, LazyFrame, SchemaRef)>,
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
        if let Some(f) = &q.fetch {
            // `FETCH FIRST n ROWS ONLY` is `LIMIT n`
            if f.with_ties || f.percent || q.limit_clause.is_some() || f.quantity.is_none() {
                return unbound("FETCH … WITH TIES/PERCENT");
            }
            let mut q = q.clone();
            q.limit_clause = Some(LimitClause::LimitOffset {
                limit: f.quantity.clone(),
                offset: None,
                limit_by: vec![],
            });
            q.fetch = None;
            return self.query(&q);
        }
        if !q.locks.is_empty() || q.for_clause.is_some() {
            return unbound("FOR/locks");
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
                let (lf, schema) = lowered(&node)?;
                self.ctes
                    .push((cte.alias.name.value.clone(), node, lf, schema));
            }
        }
        let r = match &*q.body {
            SetExpr::Select(s) => self.select(s, q),
            SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
                self.query(inner)
            }
            SetExpr::SetOperation { .. } => self.set_operation(q),
            SetExpr::Values(v) if q.order_by.is_none() && q.limit_clause.is_none() => {
                self.values(v)
            }
            _ => unbound("this kind of query"),
        };
        self.ctes.truncate(depth);
        r.map(|node| super::optimize::apply(node, self.catalog.optimize))
    }

    /// A set operation (in a CTE, a derived table, a subquery): planned by
    /// [`super::plan`] with each term bound here, and its ORDER BY/LIMIT bound over the
    /// result. The CTEs of `q` are already in scope.
    fn set_operation(&mut self, q: &Query) -> Bound<Node> {
        use super::plan;
        let mut q = q.clone();
        q.with = None;
        let Ok((p, tail)) = plan::build(q) else {
            return unbound("this set operation");
        };
        let what = match &p {
            plan::Plan::SetOp { op, all, .. } => {
                format!("{}{}", op.name(), if *all { " ALL" } else { "" })
            }
            _ => "SET OPERATION".into(),
        };
        let mut terms = vec![];
        let lf = plan::lower(
            p,
            &mut |leaf, _at| {
                let node = self.query(&leaf)?;
                terms.push(node.clone());
                Ok(node.lower())
            },
            &|e| Unbound::Invalid(e.message),
        )?;
        let node = Node::Combined {
            what,
            inputs: terms,
            lf,
        };
        let Some(plan::Tail(t)) = tail else {
            return Ok(node);
        };
        let (lf, schema) = lowered(&node)?;
        self.ctes
            .push((plan::SET_RESULT.to_string(), node, lf, schema));
        let r = self.query(&t);
        self.ctes.pop();
        r
    }

    /// `VALUES (…), (…)`: a row each, columns `col0`, `col1`, … (as DuckDB names them)
    /// of the common type of each column's values.
    fn values(&mut self, v: &sqlparser::ast::Values) -> Bound<Node> {
        let Some(one) = self.catalog.frames.get(super::plan::ONE_ROW) else {
            return unbound("VALUES");
        };
        let width = v.rows.first().map_or(0, |r| r.content.len());
        if width == 0 {
            return unbound("VALUES without values");
        }
        let mut rows = vec![];
        for (i, r) in v.rows.iter().enumerate() {
            if r.content.len() != width {
                return Err(Unbound::Invalid(format!(
                    "VALUES row {} has {} values and the first has {width}; give every row as many",
                    i + 1,
                    r.content.len()
                )));
            }
            let mut ex = Exprs {
                scope: &[],
                grouping: None,
            };
            let mut cols = vec![];
            for (j, e) in r.content.iter().enumerate() {
                cols.push(ex.bind(e)?.alias(format!("col{j}")));
            }
            rows.push(one.clone().select(cols));
        }
        let lf = concat(
            rows,
            UnionArgs {
                to_supertypes: true,
                ..Default::default()
            },
        )?;
        Ok(Node::Combined {
            what: format!("VALUES ({} rows)", v.rows.len()),
            inputs: vec![],
            lf,
        })
    }

    /// The frame a name in FROM reads: a CTE (innermost first), else a session relation.
    fn relation(&self, name: &str) -> Option<(Node, SchemaRef)> {
        if let Some((_, node, lf, s)) = self.ctes.iter().rev().find(|c| c.0 == name) {
            let node = Node::Subquery {
                name: name.to_string(),
                input: Box::new(node.clone()),
                lf: lf.clone(),
            };
            return Some((node, s.clone()));
        }
        let lf = self.catalog.frames.get(name)?;
        let s = self.catalog.schemas.get(name)?;
        let node = Node::Frame {
            name: name.to_string(),
            lf: lf.clone(),
        };
        Some((node, s.clone()))
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
                let Some((node, schema)) = self.relation(&ident.value) else {
                    return unbound(format!("unknown relation {}", ident.value));
                };
                let qualifier = match alias {
                    Some(a) => a.name.value.clone(),
                    None => ident.value.clone(),
                };
                let (node, schema) = renamed(node, &schema, alias.as_ref())?;
                Ok((node, relation_of(qualifier, &schema)))
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
                let (lf, schema) = lowered(&node)?;
                let qualifier = match alias {
                    Some(a) => a.name.value.clone(),
                    None => String::new(),
                };
                let node = Node::Subquery {
                    name: qualifier.clone(),
                    input: Box::new(node),
                    lf,
                };
                let (node, schema) = renamed(node, &schema, alias.as_ref())?;
                Ok((node, relation_of(qualifier, &schema)))
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
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinType::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinType::Full, Some(c)),
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
    let mut residual = None;
    let (left_on, right_on) = match constraint {
        None => (vec![], vec![]),
        Some(JoinConstraint::On(cond)) => {
            let (l, r, rest) = equi_keys(cond, scope, &rel);
            if !rest.is_empty() {
                // the rest of the condition, over both sides
                let both: Vec<Relation> = scope.iter().cloned().chain([rel.clone()]).collect();
                let mut x = Exprs {
                    scope: &both,
                    grouping: None,
                };
                let mut terms = rest.into_iter().map(|t| x.bind(t));
                let first = terms.next().unwrap_or_else(|| Ok(lit(true)))?;
                residual = Some(terms.try_fold(first, |a, t| Ok::<_, Unbound>(a.and(t?)))?);
            }
            (l, r)
        }
        Some(JoinConstraint::Using(_) | JoinConstraint::Natural)
            if matches!(how, JoinType::Right | JoinType::Full) =>
        {
            return unbound("a RIGHT or FULL JOIN with USING or NATURAL")
        }
        Some(JoinConstraint::Using(names)) => using_keys(names, scope, &mut rel)?,
        Some(JoinConstraint::Natural) => {
            // USING every name both sides have (a right column read unqualified by the
            // left side's name)
            let common: Vec<sqlparser::ast::ObjectName> = rel
                .columns
                .iter()
                .filter(|c| {
                    scope
                        .iter()
                        .flat_map(|r| &r.columns)
                        .any(|l| !l.using && l.name == c.name)
                })
                .map(|c| {
                    sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(&c.name)])
                })
                .collect();
            if common.is_empty() {
                return unbound("a NATURAL JOIN without common columns");
            }
            using_keys(&common, scope, &mut rel)?
        }
        Some(_) => return unbound("this JOIN condition"),
    };
    if how != JoinType::Cross && left_on.is_empty() && residual.is_none() {
        // ON TRUE or a condition of literals only
        return unbound("a JOIN without a condition over its columns");
    }
    // a semi or anti join keeps the left rows only: its right side is not in scope
    let keeps_right = !matches!(how, JoinType::Semi | JoinType::Anti);
    let columns = scope
        .iter()
        .flat_map(|r| &r.columns)
        .map(|c| (c.frame.clone(), c.dtype.clone(), false))
        .chain(
            keeps_right
                .then_some(&rel.columns)
                .into_iter()
                .flatten()
                .map(|c| (c.frame.clone(), c.dtype.clone(), true)),
        )
        .collect();
    let node = Node::Join {
        left: Box::new(node),
        right: Box::new(right),
        how,
        left_on,
        right_on,
        residual,
        columns,
    };
    if keeps_right {
        scope.push(rel);
    }
    Ok(node)
}

/// `AS d (x, y)`: the relation's columns renamed in order, as many names as it has
/// columns (polars-sql refuses another count, and so that stays on its path).
fn renamed(node: Node, schema: &Schema, alias: Option<&TableAlias>) -> Bound<(Node, Schema)> {
    let names = match alias {
        Some(a) if !a.columns.is_empty() => &a.columns,
        _ => return Ok((node, schema.clone())),
    };
    if names.len() != schema.len() {
        return unbound("an alias column list of another length than the relation");
    }
    let mut out = Schema::default();
    let mut exprs = vec![];
    for ((old, dt), new) in schema.iter().zip(names) {
        if new.data_type.is_some() {
            return unbound("a typed alias column");
        }
        out.insert(new.name.value.as_str().into(), dt.clone());
        exprs.push(col(old.clone()).alias(new.name.value.clone()));
    }
    if out.len() != names.len() {
        return unbound("an alias column list naming a column twice");
    }
    let node = Node::Project {
        input: Box::new(node),
        exprs,
    };
    Ok((node, out))
}

/// `JOIN … USING (k, …)`: each name is one column on the left (unqualified, as SQL
/// reads it) and one of the right relation, of one type; the right one is then read only
/// qualified.
fn using_keys(
    names: &[sqlparser::ast::ObjectName],
    left: &[Relation],
    right: &mut Relation,
) -> Bound<(Vec<Expr>, Vec<Expr>)> {
    let (mut l, mut r) = (vec![], vec![]);
    for n in names {
        let [part] = n.0.as_slice() else {
            return unbound("a qualified USING column");
        };
        let Some(name) = part.as_ident().map(|i| i.value.clone()) else {
            return unbound("a USING column");
        };
        let lookup = Exprs {
            scope: left,
            grouping: None,
        }
        .lookup(None, &name);
        let Some(x) = lookup else {
            return unbound("a USING column not on the left once");
        };
        let mut matching = right.columns.iter_mut().filter(|c| c.name == name);
        let (Some(y), None) = (matching.next(), matching.next()) else {
            return unbound("a USING column not on the right once");
        };
        if x.dtype != y.dtype || y.using {
            return unbound("USING columns of two types");
        }
        y.using = true;
        l.push(col(x.frame));
        r.push(col(y.frame.clone()));
    }
    Ok((l, r))
}

fn only_exclude(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_some()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

fn only_replace(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_none()
        && o.opt_except.is_none()
        && o.opt_replace.is_some()
        && o.opt_rename.is_none()
}

fn plain_wildcard(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_none()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

/// A plan lowered, and the columns it gives.
fn lowered(node: &Node) -> Bound<(LazyFrame, SchemaRef)> {
    let lf = node.clone().lower();
    let schema = lf.clone().collect_schema().map_err(Unbound::from)?;
    Ok((lf, schema))
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
                using: false,
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

/// `a.x = b.y AND …` of a JOIN's ON: the equalities of a column on the left with a
/// column on the right (of one type, or numbers cast to a common type) are its keys; the
/// other terms are returned as they are (the residual condition).
fn equi_keys<'e>(
    cond: &'e SQLExpr,
    left: &[Relation],
    right: &Relation,
) -> (Vec<Expr>, Vec<Expr>, Vec<&'e SQLExpr>) {
    let mut terms = vec![cond];
    let (mut l, mut r, mut rest) = (vec![], vec![], vec![]);
    let on = |e: &SQLExpr, rels: &[Relation]| {
        Exprs {
            scope: rels,
            grouping: None,
        }
        .column(e)
        .ok()
    };
    let right = std::slice::from_ref(right);
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
                let pair = match (on(a, left), on(b, right)) {
                    (Some(x), Some(y)) => Some((x, y)),
                    _ => on(b, left).zip(on(a, right)),
                };
                let key = pair.and_then(|(x, y)| {
                    if x.dtype == y.dtype {
                        return Some((col(x.frame), col(y.frame)));
                    }
                    // numbers of two types meet in their common type
                    let numeric = |d: &DataType| d.is_primitive_numeric() || d.is_decimal();
                    if !(numeric(&x.dtype) && numeric(&y.dtype)) {
                        return None;
                    }
                    let common = polars_core::utils::try_get_supertype(&x.dtype, &y.dtype).ok()?;
                    Some((col(x.frame).cast(common.clone()), col(y.frame).cast(common)))
                });
                match key {
                    Some((x, y)) => {
                        l.push(x);
                        r.push(y);
                    }
                    None => rest.push(t),
                }
            }
            _ => rest.push(t),
        }
    }
    (l, r, rest)
}

fn is_literal(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Value(_))
}

use super::rewrite::AGGREGATES;

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
