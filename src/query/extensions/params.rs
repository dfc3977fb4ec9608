//! `:name` parameters: bound to the session's values (`SET name = …`, `--param name=…`)
//! before the query is planned, so a saved script runs for any department or year.

use crate::query::rewrite::{err_at, parse_expr, RewriteError};
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Query as SQLQuery, Value as SQLValue,
};
use std::collections::HashMap;
use std::ops::ControlFlow;

/// Replace every `:name` placeholder with its value.
pub fn bind_params(q: &mut SQLQuery, params: &HashMap<String, String>) -> Result<(), RewriteError> {
    let mut failure = None;
    let _ = visit_expressions_mut(q, |x: &mut SQLExpr| {
        if let SQLExpr::Value(v) = x {
            if let SQLValue::Placeholder(p) = &v.value {
                let key = p.trim_start_matches([':', '$', '@']).to_string();
                match params.get(&key) {
                    Some(val) => match parse_expr(val) {
                        Ok(e) => *x = e,
                        Err(e) => failure = Some(e),
                    },
                    None => {
                        let mut known: Vec<&String> = params.keys().collect();
                        known.sort();
                        let hint = if known.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (set: {})",
                                known
                                    .iter()
                                    .map(|k| format!(":{k}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        failure = Some(err_at(&*v, format!("parameter {p} has no value; give it with `SET {key} = …;` or `--param {key}=…`{hint}")));
                    }
                }
                if failure.is_some() {
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    failure.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::rewrite::query;

    #[test]
    fn params_bind_and_missing_ones_are_named() {
        let mut q = query("SELECT * FROM projects WHERE year = :year").unwrap();
        let mut p = HashMap::new();
        p.insert("year".to_string(), "2021".to_string());
        bind_params(&mut q, &p).unwrap();
        assert_eq!(q.to_string(), "SELECT * FROM projects WHERE year = 2021");
        let mut q = query("SELECT * FROM projects WHERE year = :yr").unwrap();
        let e = bind_params(&mut q, &p).unwrap_err();
        assert!(e.message.contains(":yr has no value"), "{}", e.message);
        assert_eq!(e.column, 37);
    }
}
