//! The SELECT core: its list, GROUP BY keys, HAVING, ORDER BY, DISTINCT and LIMIT.

use super::*;

impl Binder<'_> {
    /// A SELECT core with the ORDER BY and LIMIT of its query: FROM, WHERE, the SELECT
    /// list, GROUP BY and HAVING, QUALIFY, DISTINCT, ORDER BY, LIMIT.
    pub(super) fn select(&mut self, s: &Select, q: &Query) -> Bound<Node> {
        refuse_clauses(s)?;
        let (mut node, scope) = self.from(s)?;
        let mut ex = Exprs {
            scope: &scope,
            grouping: None,
        };
        if let Some(w) = &s.selection {
            if has_aggregate(w) || has_window(w) {
                return Err(Unbound::Invalid(
                    "an aggregate or a window function cannot be in `WHERE`, which filters rows before they are grouped; put a condition on an aggregate in HAVING, on a window in QUALIFY".into(),
                ));
            }
            node = Node::Filter {
                input: Box::new(node),
                predicate: ex.condition(w)?,
            };
        }
        let items = select_items(s, &scope)?;
        self.grouping(s, &items, &scope, &mut ex)?;
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
            Some(h) => Some(ex.condition(&with_aliases(h, &items, &scope))?),
            None => None,
        };
        let (distinct, distinct_on) = match &s.distinct {
            None | Some(Distinct::All) => (false, vec![]),
            Some(Distinct::Distinct) => (true, vec![]),
            // DISTINCT ON (outputs): the first row of each, after ORDER BY
            Some(Distinct::On(keys)) => {
                let mut on = vec![];
                for k in keys {
                    match output_named(k, &outputs) {
                        Some(i) => on.push(outputs[i].0.clone()),
                        None => {
                            return unbound("DISTINCT ON a value the SELECT list does not name")
                        }
                    }
                }
                (false, on)
            }
        };
        let (sorts, mut sort_exprs) = order_by(q, &outputs, distinct, &mut ex)?;
        // QUALIFY: a condition over the level's rows (its groups) and its windows, where
        // an output's alias reads the output's expression; computed beside the outputs,
        // it filters them before DISTINCT, ORDER BY and LIMIT
        let qualify = match &s.qualify {
            Some(c) => Some(ex.condition(&with_aliases(c, &items, &scope))?),
            None => None,
        };
        if let Some(g) = ex.grouping.take() {
            node = aggregate(node, g, having);
        }
        let names: Vec<Expr> = outputs.iter().map(|(n, _)| col(n.clone())).collect();
        let hidden: Vec<Expr> = (0..sort_exprs.len()).map(|j| col(sort_name(j))).collect();
        let kept = names.iter().chain(&hidden).cloned().collect::<Vec<_>>();
        let mut beside = hidden.clone();
        if let Some(c) = &qualify {
            sort_exprs.push(c.clone().alias(QUALIFY));
            beside.push(col(QUALIFY));
        }
        node = project(node, outputs, sort_exprs, &names, &beside);
        if qualify.is_some() {
            node = Node::Project {
                input: Box::new(Node::Filter {
                    input: Box::new(node),
                    predicate: col(QUALIFY),
                }),
                exprs: kept,
            };
        }
        if distinct {
            node = Node::Distinct {
                input: Box::new(node),
                on: vec![],
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
        if !distinct_on.is_empty() {
            node = Node::Distinct {
                input: Box::new(node),
                on: distinct_on,
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

    /// GROUP BY: the keys (an ordinal, a SELECT alias, an expression; `GROUP BY ALL` the
    /// items without aggregates), set on `ex` when the level is grouped (keys, an
    /// aggregate in the list, or HAVING).
    fn grouping(
        &self,
        s: &Select,
        items: &[Item],
        scope: &[Relation],
        ex: &mut Exprs,
    ) -> Bound<()> {
        let group_exprs: Vec<&SQLExpr> = match &s.group_by {
            GroupByExpr::Expressions(v, mods) if mods.is_empty() => v.iter().collect(),
            GroupByExpr::All(mods) if mods.is_empty() => {
                let mut v = vec![];
                for (_, e, _) in items {
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
                let e = self.group_key(g, items, scope)?;
                if !keys.contains(&e) {
                    keys.push(e);
                }
            }
            ex.grouping = Some(Grouping {
                keys,
                aggs: vec![],
                calls: vec![],
            });
        }
        Ok(())
    }

    /// A GROUP BY item: an ordinal or a SELECT alias (that is not an input column) names
    /// a SELECT item's expression; anything else is an expression over the input.
    fn group_key(&self, g: &SQLExpr, items: &[Item], scope: &[Relation]) -> Bound<Expr> {
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

/// A SELECT item: its output name, its expression, or the column a wildcard reads.
type Item<'e> = (String, Option<&'e SQLExpr>, Option<Expr>);

/// The clauses of a SELECT the binder does not bind, named.
fn refuse_clauses(s: &Select) -> Bound<()> {
    let clauses = [
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
        (s.from.is_empty(), "SELECT without FROM"),
    ];
    match clauses.iter().find(|(present, _)| *present) {
        Some((_, what)) => unbound(*what),
        None => Ok(()),
    }
}

/// The SELECT list with wildcards expanded: each output's name and what it reads.
fn select_items<'e>(s: &'e Select, scope: &[Relation]) -> Bound<Vec<Item<'e>>> {
    let ex = Exprs {
        scope,
        grouping: None,
    };
    let input_schema = schema_of(scope);
    let mut items: Vec<Item> = vec![];
    let mut excluded: Vec<String> = vec![];
    // `*` lists a USING join's key once (the left one); `u.*` lists all of u
    let every = |items: &mut Vec<Item>, rels: &[Relation], except: &[String], qualified: bool| {
        for c in rels.iter().flat_map(|r| &r.columns) {
            if !except.contains(&c.frame) && (qualified || !c.using) {
                items.push((output_name(items, c), None, Some(col(c.frame.clone()))));
            }
        }
    };
    for item in &s.projection {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let name = match e {
                    SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_) => {
                        output_name(&items, &ex.column(e)?)
                    }
                    _ => ex
                        .bind_ref(e)?
                        .to_field(&input_schema)
                        .map_err(Unbound::from)?
                        .name
                        .to_string(),
                };
                items.push((name, Some(e), None));
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                items.push((alias.value.clone(), Some(expr), None))
            }
            SelectItem::Wildcard(opts) if plain_wildcard(opts) => {
                every(&mut items, scope, &[], false)
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
                // a name of no column is a mistake (DuckDB refuses it too)
                let all: Vec<String> = scope
                    .iter()
                    .flat_map(|r| &r.columns)
                    .map(|c| c.name.clone())
                    .collect();
                let frames: Vec<&str> = scope
                    .iter()
                    .flat_map(|r| &r.columns)
                    .map(|c| c.frame.as_str())
                    .collect();
                if let Some(n) = names.iter().find(|n| {
                    let last = n.rsplit('.').next().unwrap_or(n);
                    !all.iter().any(|c| c.eq_ignore_ascii_case(last))
                        && !frames.contains(&n.as_str())
                }) {
                    return Err(Unbound::Column {
                        name: n.clone(),
                        valid: all,
                    });
                }
                let names = named_as_columns(names, &all, &frames);
                every(&mut items, scope, &names, false);
                excluded.extend(names);
            }
            SelectItem::Wildcard(opts) if only_replace(opts) => {
                // `* REPLACE (expr AS name)`: the column of that name computed instead
                let Some(r) = &opts.opt_replace else {
                    return unbound("REPLACE");
                };
                for c in scope.iter().flat_map(|r| &r.columns).filter(|c| !c.using) {
                    match r.items.iter().find(|i| i.column_name.value == c.name) {
                        Some(i) => items.push((c.name.clone(), Some(&i.expr), None)),
                        None => {
                            items.push((output_name(&items, c), None, Some(col(c.frame.clone()))))
                        }
                    }
                }
                if let Some(i) = r
                    .items
                    .iter()
                    .find(|i| !items.iter().any(|(n, _, _)| *n == i.column_name.value))
                {
                    return Err(Unbound::Column {
                        name: i.column_name.value.clone(),
                        valid: items.iter().map(|(n, _, _)| n.clone()).collect(),
                    });
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
                every(&mut items, std::slice::from_ref(r), &[], true);
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
    let mut seen: Vec<&str> = vec![];
    for (n, _, _) in &items {
        if seen.contains(&n.as_str()) {
            return unbound("duplicate output names");
        }
        seen.push(n);
    }
    Ok(items)
}

/// HAVING with the SELECT list's aliases read as what they name (`HAVING n > 1` for
/// `COUNT(*) AS n`), where no column in scope has that name (a column wins, as in
/// DuckDB).
fn with_aliases(h: &SQLExpr, items: &[Item], scope: &[Relation]) -> SQLExpr {
    let ex = Exprs {
        scope,
        grouping: None,
    };
    let mut h = h.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut h, |e: &mut SQLExpr| {
        if let SQLExpr::Identifier(i) = e {
            if ex.lookup(None, &i.value).is_none() {
                if let Some((_, Some(x), _)) = items
                    .iter()
                    .find(|(n, x, _)| x.is_some() && n.eq_ignore_ascii_case(&i.value))
                {
                    *e = SQLExpr::Nested(Box::new((*x).clone()));
                }
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    h
}

/// The output name of a column read as it is, as polars-sql names it: its own name, or
/// the name it has in the joined frame (`year:u`) when an earlier output has that name.
fn output_name(items: &[Item], c: &Column) -> String {
    if items.iter().any(|(n, _, _)| *n == c.name) {
        c.frame.clone()
    } else {
        c.name.clone()
    }
}

/// The hidden column holding QUALIFY's condition.
const QUALIFY: &str = "__bq_qualify";

/// A sort key: what it sorts by, descending, NULLs last.
type SortKey = (Expr, bool, bool);

/// ORDER BY: an ordinal or an output name reads the output; anything else is an
/// expression over the input (or over the groups), computed beside the outputs as a
/// hidden column (the second list) unless it is one of them.
fn order_by(
    q: &Query,
    outputs: &[(String, Expr)],
    distinct: bool,
    ex: &mut Exprs,
) -> Bound<(Vec<SortKey>, Vec<Expr>)> {
    let mut sorts: Vec<SortKey> = vec![];
    let mut sort_exprs: Vec<Expr> = vec![];
    let Some(ob) = &q.order_by else {
        return Ok((sorts, sort_exprs));
    };
    if ob.interpolate.is_some() {
        return unbound("ORDER BY INTERPOLATE");
    }
    let every_output = |asc: Option<bool>, nulls_first: Option<bool>| {
        let desc = !asc.unwrap_or(true);
        let nulls_last = !nulls_first.unwrap_or(false);
        outputs
            .iter()
            .map(|(n, _)| (col(n.clone()), desc, nulls_last))
            .collect::<Vec<_>>()
    };
    let obs = match &ob.kind {
        OrderByKind::All(opts) => {
            return Ok((every_output(opts.asc, opts.nulls_first), sort_exprs))
        }
        // ORDER BY ALL (GenericDialect parses it as a name)
        OrderByKind::Expressions(obs)
            if matches!(obs.as_slice(), [o] if matches!(&o.expr, SQLExpr::Identifier(i)
                if i.value.eq_ignore_ascii_case("ALL") && i.quote_style.is_none()
                    && !outputs.iter().any(|(n, _)| n.eq_ignore_ascii_case("ALL")))) =>
        {
            let o = &obs[0].options;
            return Ok((every_output(o.asc, o.nulls_first), sort_exprs));
        }
        OrderByKind::Expressions(obs) => obs,
    };
    for o in obs {
        if o.with_fill.is_some() {
            return unbound("WITH FILL");
        }
        let desc = !o.options.asc.unwrap_or(true);
        let nulls_last = !o.options.nulls_first.unwrap_or(false);
        let target = match ordinal(&o.expr) {
            Some(k) if k >= 1 && k <= outputs.len() => col(outputs[k - 1].0.clone()),
            Some(k) => {
                return Err(Unbound::Invalid(format!(
                    "ORDER BY {k}: the SELECT list has {} column{}; an ORDER BY number is a position in it",
                    outputs.len(),
                    if outputs.len() == 1 { "" } else { "s" }
                )))
            }
            None => match output_named(&o.expr, outputs) {
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
    Ok((sorts, sort_exprs))
}

/// The aggregation of a grouped level: its keys (a column key keeps its name, Polars
/// groups by a column fastest), its aggregates, HAVING over the groups.
fn aggregate(node: Node, g: Grouping, having: Option<Expr>) -> Node {
    let node = Node::Aggregate {
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
        calls: g.calls,
    };
    match having {
        Some(h) => Node::Filter {
            input: Box::new(node),
            predicate: h,
        },
        None => node,
    }
}

/// The outputs under their names, with the sort keys that are not outputs beside them
/// (`hidden`, dropped after the sort). Outputs that read no column are computed beside
/// the input, so they have a row for each input row.
fn project(
    node: Node,
    outputs: Vec<(String, Expr)>,
    sort_exprs: Vec<Expr>,
    names: &[Expr],
    hidden: &[Expr],
) -> Node {
    let cols: Vec<Expr> = outputs
        .into_iter()
        .map(|(n, e)| e.alias(n))
        .chain(sort_exprs)
        .collect();
    let reads_input = cols
        .iter()
        .any(|e| !e.clone().meta().root_names().is_empty());
    if reads_input {
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
            exprs: names.iter().chain(hidden).cloned().collect(),
        }
    }
}

/// EXCLUDE's names as the columns they name: a name matches a column as any name does,
/// regardless of case (`EXCLUDE (J)` of column `j`); a name of a frame stays as it is.
fn named_as_columns(names: Vec<String>, all: &[String], frames: &[&str]) -> Vec<String> {
    names
        .into_iter()
        .map(|n| {
            let (head, last) = match n.rsplit_once('.') {
                Some((h, l)) => (format!("{h}."), l.to_string()),
                None => (String::new(), n.clone()),
            };
            let found = all
                .iter()
                .find(|c| **c == last)
                .or_else(|| all.iter().find(|c| c.eq_ignore_ascii_case(&last)));
            match found {
                Some(c) if !frames.contains(&n.as_str()) => format!("{head}{c}"),
                _ => n,
            }
        })
        .collect()
}
