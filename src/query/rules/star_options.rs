//! `SELECT *` over `JOIN … USING (k)` shows `k` once; `* EXCLUDE (t.col)` with qualified names.

use super::syntax::*;
use crate::query::rewrite::RewriteError;
use sqlparser::ast::{JoinConstraint, JoinOperator, ObjectNamePart, Select, SelectItem};

/// What `SELECT *` means beside joins and EXCLUDE, which polars-sql got wrong:
/// - `JOIN … USING (k)` lists `k` once (polars-sql also listed the right side's `k:u`);
///   after a RIGHT or FULL join the one `k` would have to be the coalesced key, which is
///   refused with a way to write it;
/// - `EXCLUDE (t.k)` names `k` of the one FROM item `t` (polars-sql ignored a qualified
///   name and kept the column); over a join, where the name is ambiguous, it is refused.
pub(crate) fn star_options(sel: &mut Select) -> Result<(), RewriteError> {
    use sqlparser::ast::{ExcludeSelectItem, ObjectName};
    let stars = sel
        .projection
        .iter()
        .any(|it| matches!(it, SelectItem::Wildcard(_)));
    if !stars {
        return Ok(());
    }
    let mut hidden: Vec<String> = vec![];
    for t in &sel.from {
        for j in &t.joins {
            let (c, outer) = match &j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c) => (c, false),
                JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => (c, true),
                _ => continue,
            };
            let JoinConstraint::Using(keys) = c else {
                continue;
            };
            let Some(right) = relation_name(&j.relation) else {
                continue;
            };
            if outer {
                return Err(crate::query::rewrite::err_at(
                    &j.relation,
                    "not supported yet: `SELECT *` over a RIGHT or FULL join with USING (its key is the two sides coalesced); join ON the keys and name the columns, e.g. SELECT COALESCE(a.k, b.k) AS k, …",
                ));
            }
            for k in keys {
                if let Some(ObjectNamePart::Identifier(i)) = k.0.last() {
                    hidden.push(format!("{}:{right}", i.value));
                }
            }
        }
    }
    let single = (sel.from.len() == 1 && sel.from[0].joins.is_empty())
        .then(|| relation_name(&sel.from[0].relation))
        .flatten();
    for it in &mut sel.projection {
        let SelectItem::Wildcard(opts) = it else {
            continue;
        };
        let mut names = exclude_list(opts);
        for n in &mut names {
            let [ObjectNamePart::Identifier(q), ObjectNamePart::Identifier(c)] = n.0.as_slice()
            else {
                continue;
            };
            if single
                .as_ref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&q.value))
            {
                *n = ObjectName::from(vec![c.clone()]);
            } else {
                return Err(crate::query::rewrite::err_at(
                    &*n,
                    format!("not supported yet: `EXCLUDE ({n})` names a column by its table over a join (or a table the query does not read); name it alone, EXCLUDE ({c}), or list the columns you want"),
                ));
            }
        }
        if !names.is_empty() {
            opts.opt_exclude = Some(ExcludeSelectItem::Multiple(names));
        }
    }
    exclude_from_stars(sel, &hidden);
    Ok(())
}
