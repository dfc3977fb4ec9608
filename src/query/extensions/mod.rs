//! The budget extensions of budgetql's SQL: one file each, one list ([`EXTENSIONS`]).
//!
//! An extension is lowered into standard SQL before the query is bound (the rewrite stage,
//! `rewrite.rs`, calls it where its grammar puts it):
//!
//! - a **function** (`SHARE(x)`, `YOY(x)`) is expanded where it stands into window
//!   expressions ([`Form::Function`]); in a grouped query the rewrite groups first and the
//!   expansion runs over the grouped rows, with the query's group keys to default to
//!   ([`Over`]);
//! - a **GROUP BY form** (`ROLLUP`) lowers the whole SELECT ([`Form::Grouping`]);
//! - a **FROM form** (`PIVOT`) replaces its FROM item by a derived table ([`Form::From`]).
//!
//! `:name` parameters are bound before any of these ([`params`]).
//!
//! A new extension is one file here and one line in [`EXTENSIONS`]: arity checks,
//! `--help`, the shell's `.help`, highlighting, completion, the default name of its column
//! and the messages that list the extensions are generated from the list.

use super::rewrite::{err_at, fname, Columns, Hoist, RewriteError};
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, Function as SQLFunction, FunctionArg, FunctionArgExpr,
    FunctionArguments, Query as SQLQuery, Select as SQLSelect, TableFactor, WindowType,
};
use std::ops::ControlFlow;

pub mod params;
mod pivot;
mod rollup;
mod share;
mod yoy;

/// A budget extension: its name, how it is written, what it gives, and how it lowers.
pub struct Extension {
    pub name: &'static str,
    pub usage: &'static str,
    pub help: &'static str,
    pub form: Form,
}

/// Where an extension stands in a query, and its lowering there.
pub enum Form {
    /// A function call `NAME(args) [OVER (…)]`, replaced by the expression `expand`
    /// returns; `column` names an unaliased item that is this call.
    Function {
        args: usize,
        column: &'static str,
        expand: fn(&Call, &Over) -> Result<SQLExpr, RewriteError>,
    },
    /// A GROUP BY form: the SELECT lowered to the text of a query, or None when its GROUP
    /// BY does not hold the form.
    Grouping {
        lower: fn(&SQLQuery, &SQLSelect, &mut Hoist) -> Option<Result<String, RewriteError>>,
    },
    /// A FROM form: the FROM item replaced, or None when it is not this form.
    From {
        lower: fn(
            &TableFactor,
            &mut dyn Columns,
            &mut Hoist,
        ) -> Option<Result<TableFactor, RewriteError>>,
    },
}

/// Every extension, in the order help lists them.
pub const EXTENSIONS: &[Extension] = &[share::SHARE, yoy::YOY, rollup::ROLLUP, pivot::PIVOT];

impl Extension {
    /// A function (`SHARE(x)`) rather than a clause (`GROUP BY ROLLUP(…)`).
    pub fn is_function(&self) -> bool {
        matches!(self.form, Form::Function { .. })
    }
}

/// The extensions' names, for messages: `SHARE, YOY, ROLLUP, PIVOT`.
pub fn names() -> String {
    EXTENSIONS
        .iter()
        .map(|x| x.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The function extensions' names, for messages: `SHARE and YOY`.
pub(crate) fn function_names() -> String {
    let names: Vec<&str> = EXTENSIONS
        .iter()
        .filter(|x| x.is_function())
        .map(|x| x.name)
        .collect();
    crate::query::names::listed(&names, "and")
}

/// The function extension a call names.
fn function(f: &SQLFunction) -> Option<&'static Extension> {
    let name = fname(f);
    EXTENSIONS
        .iter()
        .find(|x| x.is_function() && x.name == name)
}

/// True for a call of a function extension (`SHARE(x)`).
pub(crate) fn is_extension(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Function(f) if function(f).is_some())
}

/// The name an unaliased item that is an extension's call gets (`share`).
pub(crate) fn column_name(e: &SQLExpr) -> Option<&'static str> {
    let SQLExpr::Function(f) = e else {
        return None;
    };
    match function(f)?.form {
        Form::Function { column, .. } => Some(column),
        _ => None,
    }
}

/// A call of a function extension, as its expansion sees it.
pub struct Call<'a> {
    pub function: &'a SQLFunction,
    /// the arguments, as many as the extension takes
    pub args: Vec<SQLExpr>,
}

impl Call<'_> {
    /// The call's window as written after OVER (`(PARTITION BY …)` or a window's name).
    pub fn over(&self) -> Option<String> {
        match &self.function.over {
            Some(WindowType::WindowSpec(s)) => Some(format!("({s})")),
            Some(WindowType::NamedWindow(n)) => Some(n.to_string()),
            None => None,
        }
    }
}

/// What an expansion knows of the query it stands in.
#[derive(Default)]
pub struct Over {
    /// In a grouped query: its group keys other than `year`, as written (the default
    /// PARTITION BY of a comparison across years).
    pub(crate) others: Option<Vec<String>>,
    /// In a grouped query: its `year` key, as written.
    pub(crate) year: Option<String>,
}

impl Over {
    /// The group key `year` of a grouped query.
    pub fn year(&self) -> Option<&str> {
        self.year.as_deref()
    }

    /// The group keys other than `year` of a grouped query (none otherwise).
    pub fn other_keys(&self) -> &[String] {
        self.others.as_deref().unwrap_or(&[])
    }

    /// Every function extension in `e` expanded, innermost first.
    pub(crate) fn expand(&self, e: &mut SQLExpr) -> Result<(), RewriteError> {
        let mut failure: Option<RewriteError> = None;
        let _ = visit_expressions_mut(e, |x: &mut SQLExpr| {
            let SQLExpr::Function(f) = x else {
                return ControlFlow::Continue(());
            };
            let Some(Extension {
                name,
                usage,
                form: Form::Function { args, expand, .. },
                ..
            }) = function(f)
            else {
                return ControlFlow::Continue(());
            };
            let given = arguments(f);
            let r = if given.len() != *args {
                Err(err_at(
                    &*f,
                    format!(
                        "{name} takes exactly {} argument{}: {usage}",
                        ["no", "one", "two", "three"].get(*args).unwrap_or(&"more"),
                        if *args == 1 { "" } else { "s" }
                    ),
                ))
            } else {
                expand(
                    &Call {
                        function: f,
                        args: given,
                    },
                    self,
                )
            };
            match r {
                Ok(new) => {
                    *x = new;
                    ControlFlow::Continue(())
                }
                Err(er) => {
                    failure = Some(er);
                    ControlFlow::Break(())
                }
            }
        });
        failure.map_or(Ok(()), Err)
    }
}

/// A call's arguments (named ones by their value).
fn arguments(f: &SQLFunction) -> Vec<SQLExpr> {
    match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e.clone()),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// The GROUP BY form that lowers this SELECT, lowered.
pub(crate) fn lower_grouping(
    q: &SQLQuery,
    sel: &SQLSelect,
    h: &mut Hoist,
) -> Option<Result<String, RewriteError>> {
    EXTENSIONS.iter().find_map(|x| match x.form {
        Form::Grouping { lower } => lower(q, sel, h),
        _ => None,
    })
}

/// The FROM form this item is, lowered.
pub(crate) fn lower_from(
    tf: &TableFactor,
    cols: &mut dyn Columns,
    h: &mut Hoist,
) -> Option<Result<TableFactor, RewriteError>> {
    EXTENSIONS.iter().find_map(|x| match x.form {
        Form::From { lower } => lower(tf, cols, h),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::rewrite::parse_expr;

    #[test]
    fn the_list_names_each_extension_once_and_messages_read_it() {
        let listed: Vec<&str> = EXTENSIONS.iter().map(|x| x.name).collect();
        for (i, n) in listed.iter().enumerate() {
            assert!(!listed[..i].contains(n), "{n} listed twice");
            assert_eq!(n.to_uppercase(), *n);
        }
        assert_eq!(names(), "SHARE, YOY, ROLLUP, PIVOT");
        assert_eq!(function_names(), "SHARE and YOY");
    }

    #[test]
    fn a_call_with_the_wrong_arity_is_refused_at_the_call_with_its_usage() {
        let mut e = parse_expr("1 + SHARE(a, b)").unwrap();
        let err = Over::default().expand(&mut e).unwrap_err();
        assert_eq!((err.line, err.column), (1, 5));
        assert_eq!(
            err.message,
            "SHARE takes exactly one argument: SHARE(x) [OVER (PARTITION BY …)]"
        );
    }

    #[test]
    fn calls_expand_where_they_stand() {
        let mut e = parse_expr("share(x) + 1").unwrap();
        Over::default().expand(&mut e).unwrap();
        assert_eq!(
            e.to_string(),
            "(CAST((x) AS DOUBLE) / CAST(SUM(x) OVER () AS DOUBLE)) + 1"
        );
        // in a grouped query, YOY compares with the previous year of the other keys
        let over = Over {
            others: Some(vec!["dept".into(), "p.unit".into()]),
            year: Some("year".into()),
        };
        let mut e = parse_expr("YOY(a)").unwrap();
        over.expand(&mut e).unwrap();
        let lag = "LAG(CAST((a) AS DOUBLE)) OVER (PARTITION BY dept, p.unit ORDER BY year)";
        assert_eq!(
            e.to_string(),
            format!("((CAST((a) AS DOUBLE) - {lag}) / {lag})")
        );
        assert_eq!(column_name(&parse_expr("yoy(b)").unwrap()), Some("yoy"));
        assert_eq!(column_name(&parse_expr("sum(b)").unwrap()), None);
    }
}
