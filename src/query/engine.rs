//! Statement execution: budgetql's own statements (SHOW TABLES, DESCRIBE, EXPLAIN,
//! LOAD, COPY, CREATE/DROP VIEW, SET) and SQL queries, checked and rewritten
//! before polars-sql runs them.

use super::line_col;
use super::names::{closest, did_you_mean, position_of};
use super::rewrite::{self, Columns, RewriteError};
use super::{check_syntax, located, Statement};
use crate::error::QueryError;
use crate::ingest;
use crate::model;
use crate::render::chart::{Chart, Spec};
use crate::render::MoneyUnit;
use polars::prelude::*;
use regex::Regex;
use sqlparser::ast::{
    visit_expressions_mut, Expr as SQLExpr, ObjectName, ObjectNamePart, Query as SQLQuery, Spanned,
    Statement as SQLStatement, TableFactor, Value as SQLValue, Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser as SQLParser;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

mod session_tables;
pub(crate) mod statements;

/// How deep a query's expressions and subqueries may nest: deeper statements are refused
/// with a message (the rewrites and polars-sql walk them recursively).
const MAX_NESTING: usize = 400;

/// The stack a statement runs on (address space; pages are used only as deep as a
/// statement goes).
const STATEMENT_STACK: usize = 512 << 20;

/// What a statement produced.
#[derive(Debug)]
pub enum Output {
    /// A result table.
    Frame(DataFrame),
    /// A one-line report (COPY, LOAD, CREATE VIEW, SET): shown in the table format only.
    Message(String),
    /// `CHART … q`: the result, drawn as this chart (with its title) in the table format.
    Chart(DataFrame, Spec),
}

/// What a registered name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A table of the contract.
    Contract,
    /// A file loaded with LOAD.
    Loaded,
    /// A view made with CREATE VIEW.
    View,
    /// A table computed by budgetql (audit_findings).
    Derived,
    /// A table made with CREATE TABLE in this session (in memory only).
    Session,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Contract => "table",
            Kind::Loaded => "loaded",
            Kind::View => "view",
            Kind::Derived => "derived",
            Kind::Session => "session table",
        }
    }
}

/// Finds a table's damaged file: `path: why`.
pub type Damaged = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The query engine of a session. Cloning is cheap: frames are lazy plans.
#[derive(Clone)]
pub struct Engine {
    /// Run queries on Polars' streaming engine (`--engine`, the default for a warehouse):
    /// memory stays bounded on warehouses larger than RAM.
    pub streaming: bool,
    /// Plan grouped MEDIAN/QUANTILE_CONT from value counts (query/optimize/value_counts.rs); off only
    /// to compare with the general plan.
    pub value_count_quantiles: bool,
    /// registered names in the order they appeared, with their kind
    names: Vec<(String, Kind)>,
    /// the registered frames, by name (polars-sql keeps its own copy)
    frames: HashMap<String, LazyFrame>,
    /// their schemas, resolved once at registration (a warehouse scan reads file footers)
    schemas: HashMap<String, SchemaRef>,
    /// `:name` parameters
    pub params: HashMap<String, String>,
    /// Safe mode: statements that read or write files are refused (one-way).
    safe: bool,
    /// The contract tables are lazy scans of a warehouse (not in memory).
    scanned: bool,
    /// The warehouse columns that hold no NULL, by scan (the plan rule query/optimize/null_free_sums.rs).
    null_free: super::optimize::NullFree,
    /// relations whose frame cannot be read (a damaged file), with Polars' reason
    unreadable: HashMap<String, String>,
    /// a table's damaged file and why, found when a query fails reading Parquet
    damaged: Option<Damaged>,
    /// The unit money is shown in (`--money`, `.money`): what a workbook or a chart
    /// written by COPY shows.
    pub money: MoneyUnit,
    /// Workbooks this session wrote, by absolute path: a COPY with `(SHEET 'name')` adds
    /// a sheet to one of them (while the file is as this session left it).
    workbooks: HashMap<PathBuf, statements::Workbook>,
    /// The keys (PRIMARY KEY, UNIQUE) of each session table, checked by INSERT
    keys: HashMap<String, Vec<session_tables::Key>>,
    /// budgetql's plans of the SELECT cores planned since EXPLAIN began (query/bind.rs)
    /// (Some only while an EXPLAIN runs)
    explained: Option<Vec<String>>,
}

fn qerr(message: impl Into<String>) -> QueryError {
    QueryError::Execution {
        message: message.into(),
    }
}

impl Engine {
    /// An engine over the contract tables.
    pub fn new(tables: Vec<(&'static str, LazyFrame)>) -> Engine {
        let mut e = Engine {
            names: vec![],
            frames: HashMap::new(),
            explained: None,
            schemas: HashMap::new(),
            params: HashMap::new(),
            safe: false,
            scanned: false,
            null_free: Default::default(),
            unreadable: HashMap::new(),
            damaged: None,
            value_count_quantiles: true,
            streaming: false,
            money: MoneyUnit::Wan,
            workbooks: HashMap::new(),
            keys: HashMap::new(),
        };
        for (n, lf) in tables {
            e.register(n, lf, Kind::Contract);
        }
        // what a SELECT without FROM reads (not a name the user sees)
        let one = super::plan::one_row();
        if let Ok(s) = one.clone().collect_schema() {
            e.schemas.insert(super::plan::ONE_ROW.to_string(), s);
        }
        e.frames.insert(super::plan::ONE_ROW.to_string(), one);
        e
    }

    fn register(&mut self, name: &str, lf: LazyFrame, kind: Kind) {
        match lf.clone().collect_schema() {
            Ok(schema) => {
                self.unreadable.remove(name);
                self.schemas.insert(name.to_string(), schema)
            }
            Err(e) => {
                // a damaged file: said when a query reads the table, naming the file
                self.unreadable.insert(name.to_string(), e.to_string());
                self.schemas.remove(name)
            }
        };
        self.frames.insert(name.to_string(), lf.clone());
        if let Some(slot) = self.names.iter_mut().find(|(n, _)| n == name) {
            slot.1 = kind;
        } else {
            self.names.push((name.to_string(), kind));
        }
    }

    /// The relations whose frame cannot be read (a damaged file).
    pub fn unreadable(&self) -> Vec<String> {
        let mut names: Vec<String> = self.unreadable.keys().cloned().collect();
        names.sort();
        names
    }

    /// How to find a table's damaged file, for a query that fails reading one.
    pub fn set_damaged(&mut self, find: Damaged) {
        self.damaged = Some(find);
    }

    /// Why a relation cannot be read, as a query reading it is told.
    pub fn set_unreadable(&mut self, name: &str, why: String) {
        self.unreadable.insert(name.to_string(), why);
    }

    /// The warehouse columns without NULLs (`store::null_free_columns`): a grouped SUM of
    /// one of them needs no test for a group of NULLs.
    pub fn set_null_free(&mut self, cols: HashMap<String, std::collections::HashSet<String>>) {
        self.null_free = std::sync::Arc::new(cols);
    }

    /// Say that the contract tables are warehouse scans, so LOAD keeps them lazy.
    pub fn set_scanned(&mut self) {
        self.scanned = true;
    }

    /// Turn safe mode on for the rest of the session: LOAD and COPY are refused.
    pub fn set_safe(&mut self) {
        self.safe = true;
    }

    /// True in safe mode.
    pub fn is_safe(&self) -> bool {
        self.safe
    }

    /// The registered names and kinds.
    pub fn tables(&self) -> Vec<(String, &'static str)> {
        self.names
            .iter()
            .map(|(n, k)| (n.clone(), k.label()))
            .collect()
    }

    /// The schema of a registered table or view.
    pub fn schema_of(&self, name: &str) -> Option<SchemaRef> {
        self.schemas.get(name).cloned()
    }

    /// Execute one statement. `origin` prefixes positions (`file.sql:`).
    pub fn execute(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        // a panic inside Polars (a kernel missing for a type, an assertion) never reaches
        // the user: it becomes an error naming the statement, and nothing is printed
        let run = |engine: &mut Engine| {
            match crate::guard::catch(|| engine.execute_unguarded(origin, st)) {
            Ok(r) => r,
            Err(m) => Err(located(origin, st, 1, 1, &format!(
                "internal error in the query engine while running this statement ({m}); nothing was printed. This is a budgetql bug: please report it with the statement. Rephrasing the query (a CTE, another GROUP BY) may avoid it"
            ))),
        }
        };
        // on a thread of its own with a deep stack: sqlparser's visitors and the rules
        // walk a statement recursively, and a long one (a UNION of thousands
        // of terms inside a subquery) must not overflow the caller's stack
        std::thread::scope(|scope| {
            match std::thread::Builder::new()
                .name("budgetql-statement".into())
                .stack_size(STATEMENT_STACK)
                .spawn_scoped(scope, || run(self))
            {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(located(origin, st, 1, 1, "internal error: the statement's thread stopped; nothing was printed"))
                }),
                Err(e) => Err(located(origin, st, 1, 1, &format!(
                    "cannot start a thread to run the statement ({e}); the machine may be out of memory or threads"
                ))),
            }
        })
    }

    fn execute_unguarded(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let text = st.text.trim();
        if let Some(c) = statements::of(text) {
            if self.safe {
                if let Some(why) = statements::refused_in_safe_mode(c) {
                    return Err(located(origin, st, 1, 1, &why));
                }
            }
            return (c.run)(self, origin, st);
        }
        check_syntax(origin, st)?;
        let mut stmts =
            SQLParser::parse_sql(&GenericDialect {}, text).map_err(|e| qerr(e.to_string()))?;
        if stmts.len() != 1 {
            return Err(located(origin, st, 1, 1, "expected one statement"));
        }
        match stmts.remove(0) {
            SQLStatement::Query(q) => {
                let lf = self.frame_of(origin, st, *q)?;
                let streamed = self.streaming.then(|| {
                    crate::guard::catch(|| {
                        lf.clone()
                            .collect_with_engine(polars::prelude::Engine::Streaming)
                            .map(|r| match r {
                                polars_core::query_result::QueryResult::Single(df) => df,
                                polars_core::query_result::QueryResult::Multiple(dfs) => {
                                    dfs.into_iter().next().unwrap_or_default()
                                }
                            })
                    })
                });
                let df = match streamed {
                    Some(Ok(r)) => r,
                    // the streaming engine lacks a kernel for this plan (money's Int128 in
                    // top-k, a count over a UNION): the in-memory engine runs it
                    Some(Err(_)) | None => lf.collect(),
                }
                .map_err(|e| self.explain_error(origin, st, &e))?;
                Ok(Output::Frame(df))
            }
            SQLStatement::CreateView(cv) => {
                let name = object_name(&cv.name);
                if cv.if_not_exists && self.names.iter().any(|(n, _)| *n == name) {
                    return Ok(Output::Message(format!("{name} exists; left as it is")));
                }
                if self
                    .names
                    .iter()
                    .any(|(n, k)| *n == name && *k != Kind::View)
                    && !cv.or_replace
                {
                    return Err(located(
                        origin,
                        st,
                        1,
                        1,
                        &format!("`{name}` is already a table; choose another view name"),
                    ));
                }
                let lf = self.frame(origin, st, &cv.query)?;
                self.register(&name, lf, Kind::View);
                Ok(Output::Message(format!("view {name} created")))
            }
            SQLStatement::CreateTable(ct) => self.create_table(origin, st, &ct),
            SQLStatement::Insert(ins) => self.insert(origin, st, &ins),
            SQLStatement::Drop {
                object_type,
                names,
                if_exists,
                ..
            } if object_type.to_string().eq_ignore_ascii_case("TABLE") => {
                self.drop_tables(origin, st, &names, if_exists)
            }
            SQLStatement::Drop {
                object_type,
                names,
                if_exists,
                ..
            } if object_type.to_string().eq_ignore_ascii_case("VIEW") => {
                for n in names {
                    let name = object_name(&n);
                    match self
                        .names
                        .iter()
                        .position(|(x, k)| *x == name && *k == Kind::View)
                    {
                        Some(i) => {
                            self.names.remove(i);
                            self.frames.remove(&name);
                            self.schemas.remove(&name);
                        }
                        None if if_exists => {}
                        None => {
                            let (l, c) = position_of(text, &name).unwrap_or((1, 1));
                            let views: Vec<&str> = self
                                .names
                                .iter()
                                .filter(|(_, k)| *k == Kind::View)
                                .map(|(n, _)| n.as_str())
                                .collect();
                            let hint = if views.is_empty() {
                                "; this session has no views".to_string()
                            } else {
                                did_you_mean(&closest(&name, views))
                            };
                            return Err(located(
                                origin,
                                st,
                                l,
                                c,
                                &format!("there is no view `{name}`{hint}"),
                            ));
                        }
                    }
                }
                Ok(Output::Message("view dropped".into()))
            }
            other => {
                let kw = other
                    .to_string()
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                Err(located(origin, st, 1, 1, &format!(
                    "`{kw}` is not supported: budgetql reads budgets, it does not change them; supported are SELECT/WITH, SHOW TABLES, DESCRIBE, EXPLAIN, LOAD, COPY, CREATE VIEW, DROP VIEW, SET, and session tables (CREATE TABLE, INSERT INTO, DROP TABLE: in memory, for this session only)"
                )))
            }
        }
    }

    /// The front end alone: parse, bind parameters, check names and types, rewrite.
    /// Returns the SQL polars-sql would run (benchmarked; also handy for debugging).
    pub fn front_end(&mut self, sql: &str) -> Result<String, QueryError> {
        let st = Statement {
            text: sql.trim().to_string(),
            line: 1,
            column: 1,
        };
        check_syntax("", &st)?;
        let q = parse_query(&st.text).map_err(qerr)?;
        self.prepare("", &st, &q)
    }

    /// Statements of budgetql SQL → the SQL another engine runs for them (`budgetql sql
    /// --dialect`): names and types checked, parameters bound and the extensions rewritten
    /// as for a query here, then adjusted to the engine ([`super::dialect`]). A CHART's
    /// query and a COPY's query lower to the query; other budgetql statements have no
    /// equivalent and are refused.
    pub fn lower(
        &mut self,
        origin: &str,
        st: &Statement,
        dialect: super::dialect::Dialect,
    ) -> Result<String, QueryError> {
        use super::dialect::Dialect;
        let t = st.text.trim();
        let st = match statements::of(t) {
            None => st.clone(),
            Some(c) => match c.query.map(|q| q(t)) {
                Some(Ok((start, q))) => sub_statement(st, t, start, q.to_string()),
                Some(Err(why)) => return Err(located(origin, st, 1, 1, &why)),
                None => {
                    return Err(located(origin, st, 1, 1, &format!(
                        "{} is budgetql's own statement and has no SQL to lower; --dialect lowers queries (SELECT/WITH, with {} and :params)",
                        c.name,
                        super::extensions::names()
                    )))
                }
            },
        };
        check_syntax(origin, &st)?;
        let mut q = match parse_query(&st.text) {
            Ok(q) => q,
            Err(_) => {
                return Err(located(origin, &st, 1, 1, &format!("--dialect lowers queries (SELECT/WITH, with {} and :params); CREATE VIEW, DROP VIEW and SET are budgetql's", super::extensions::names())))
            }
        };
        // planned as budgetql would run it, so an unknown column or a type error is reported
        // here, located, rather than by the other engine
        let polars_sql = self.prepare(origin, &st, &q)?;
        if let Err(e) = self.bound_plan(&polars_sql) {
            return Err(self.unbound_error(origin, &st, e));
        }
        if dialect == Dialect::Polars {
            return super::dialect::polars::lower(&polars_sql).map_err(|e| rw_err(origin, &st, e));
        }
        // names and types were checked by prepare(); the extensions are rewritten again
        // without polars-sql's corrections (the rules)
        super::extensions::params::bind_params(&mut q, &self.params)
            .map_err(|e| rw_err(origin, &st, e))?;
        let mut cols = Probe { engine: self };
        let sql = rewrite::rewrite(&q, &mut cols).map_err(|e| rw_err(origin, &st, e))?;
        super::dialect::adapt(&sql, dialect).map_err(|e| rw_err(origin, &st, e))
    }

    fn prepare(
        &mut self,
        origin: &str,
        st: &Statement,
        q: &SQLQuery,
    ) -> Result<String, QueryError> {
        let mut q = q.clone();
        super::extensions::params::bind_params(&mut q, &self.params)
            .map_err(|e| rw_err(origin, st, e))?;
        let rels = Relations::of(&q);
        let columns = |t: &str| {
            self.schema_of(t)
                .map(|s| s.iter_names().map(|n| n.to_string()).collect())
        };
        let cx = super::rules::Context { columns: &columns };
        let mut changed = vec![];
        let explaining = self.explained.is_some();
        super::rules::apply(&mut q, &cx, explaining.then_some(&mut changed))
            .map_err(|e| rw_err(origin, st, e))?;
        if let Some(x) = &mut self.explained {
            x.extend(
                changed
                    .iter()
                    .map(|r| format!("(rule {}: {})", r.name, r.what)),
            );
        }
        self.check_names(origin, st, &rels)?;
        self.check_types(origin, st, &q, &rels)?;
        let mut cols = Probe { engine: self };
        rewrite::rewrite(&q, &mut cols).map_err(|e| rw_err(origin, st, e))
    }

    /// Run SQL that budgetql wrote itself (the audit rules): no checks, no rewrites;
    /// planned by the binder like any query.
    pub fn internal_sql(&mut self, sql: &str) -> Result<DataFrame, String> {
        let st = Statement {
            text: sql.to_string(),
            line: 1,
            column: 1,
        };
        let q = parse_query(sql).map_err(|e| e.to_string())?;
        let sql = self.prepare("", &st, &q).map_err(|e| e.to_string())?;
        self.binder_frame(&sql)
            .map_err(|e| e.to_string())?
            .collect()
            .map_err(|e| e.to_string())
    }

    /// A query → a LazyFrame: parameters bound, names checked, extensions rewritten.
    fn frame(
        &mut self,
        origin: &str,
        st: &Statement,
        q: &SQLQuery,
    ) -> Result<LazyFrame, QueryError> {
        self.frame_of(origin, st, q.clone())
    }

    /// A query's frame: planned (set operations and the ORDER BY/LIMIT over them, in
    /// [`super::plan`]), each SELECT core lowered by [`Engine::core_frame`].
    fn frame_of(
        &mut self,
        origin: &str,
        st: &Statement,
        q: SQLQuery,
    ) -> Result<LazyFrame, QueryError> {
        use super::plan;
        let (p, tail) = match plan::build(q) {
            Ok(pt) => pt,
            Err(q) => return self.core_frame(origin, st, q),
        };
        let lf = plan::lower(
            p,
            &mut |leaf, _at| self.core_frame(origin, st, leaf),
            &|e| located(origin, st, e.at.0, e.at.1, &e.message),
        )?;
        let Some(plan::Tail(t)) = tail else {
            return Ok(lf);
        };
        // ORDER BY/LIMIT over the set operation: a query of its result
        self.frames.insert(plan::SET_RESULT.to_string(), lf.clone());
        if let Ok(s) = lf.clone().collect_schema() {
            self.schemas.insert(plan::SET_RESULT.to_string(), s);
        }
        let r = self.core_frame(origin, st, *t);
        self.frames.remove(plan::SET_RESULT);
        self.schemas.remove(plan::SET_RESULT);
        r
    }

    /// A query without a set operation at its top: rules and rewrites, then the binder.
    fn core_frame(
        &mut self,
        origin: &str,
        st: &Statement,
        mut q: SQLQuery,
    ) -> Result<LazyFrame, QueryError> {
        let planned = self.plan_nested_set_operations(origin, st, &mut q);
        super::plan::give_from_less_selects_a_row(&mut q);
        super::plan::name_clashing_expressions(&mut q);
        let r = if super::plan::too_deep(&q, MAX_NESTING) {
            Err(located(origin, st, 1, 1, &format!(
                "this query nests expressions or subqueries more than {MAX_NESTING} levels deep (a chain of thousands of OR, AND or + terms nests one level a term); budgetql refuses it rather than exhaust its stack: use IN (…) for a list of values, or split the query"
            )))
        } else {
            self.sql_frame(origin, st, &q)
        };
        for name in planned {
            self.frames.remove(&name);
            self.schemas.remove(&name);
        }
        r
    }

    /// Set operations inside the query (a derived table, a CTE, an uncorrelated subquery)
    /// planned by [`super::plan`] and read back as internal relations; the names
    /// registered, for the caller to remove. A set operation that does not plan on its
    /// own (it reads an outer column) is left to the query around it.
    fn plan_nested_set_operations(
        &mut self,
        origin: &str,
        st: &Statement,
        q: &mut SQLQuery,
    ) -> Vec<String> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        struct V<'a> {
            engine: &'a mut Engine,
            origin: &'a str,
            st: &'a Statement,
            root: bool,
            names: Vec<String>,
        }
        impl sqlparser::ast::VisitorMut for V<'_> {
            type Break = ();
            fn pre_visit_query(&mut self, q: &mut SQLQuery) -> ControlFlow<()> {
                if std::mem::take(&mut self.root)
                    || !matches!(*q.body, sqlparser::ast::SetExpr::SetOperation { .. })
                {
                    return ControlFlow::Continue(());
                }
                if let Ok(lf) = self.engine.frame_of(self.origin, self.st, q.clone()) {
                    let name = format!("__budgetql_rel_{}", N.fetch_add(1, Ordering::Relaxed));
                    if let Ok(s) = lf.clone().collect_schema() {
                        self.engine.schemas.insert(name.clone(), s);
                    }
                    self.engine.frames.insert(name.clone(), lf);
                    *q = super::plan::select_star_query(&name);
                    self.names.push(name);
                }
                ControlFlow::Continue(())
            }
        }
        let mut v = V {
            engine: self,
            origin,
            st,
            root: true,
            names: vec![],
        };
        let _ = sqlparser::ast::VisitMut::visit(q, &mut v);
        v.names
    }

    /// The query rewritten (rules, extensions, windows), then bound and planned by the
    /// binder, with the plan rules applied, and lowered to a frame.
    fn sql_frame(
        &mut self,
        origin: &str,
        st: &Statement,
        q: &SQLQuery,
    ) -> Result<LazyFrame, QueryError> {
        // audit_findings is computed the first time a query reads it
        if !self.frames.contains_key("audit_findings")
            && st.text.to_lowercase().contains("audit_findings")
        {
            self.run_audit(None)
                .map_err(|e| located(origin, st, 1, 1, &format!("AUDIT failed: {e}")))?;
        }
        let sql = self.prepare(origin, st, q)?;
        match self.bound_frame(&sql) {
            Ok(lf) => Ok(lf),
            Err(e) => Err(self.unbound_error(origin, st, e)),
        }
    }

    /// Why the binder planned no query, as the user is told it: located where the name
    /// or the construct is in the statement.
    fn unbound_error(&self, origin: &str, st: &Statement, e: super::bind::Unbound) -> QueryError {
        use super::bind::Unbound;
        match e {
            Unbound::Column { name, valid } => self.unknown_column(origin, st, &name, &valid),
            Unbound::Ambiguous { name, relations } => {
                let last = name.rsplit('.').next().unwrap_or(&name);
                let (l, c) = position_of(&st.text, last).unwrap_or((1, 1));
                let of = super::names::quoted(&relations, " and ");
                let first = relations.first().map(|r| r.as_str()).unwrap_or("t");
                let m = if relations.len() > 1 {
                    format!("column `{name}` is in {of}; qualify it: {first}.{last}")
                } else {
                    format!("`{name}` names two columns of {of}; give them different names (AS) where {of} is defined")
                };
                located(origin, st, l, c, &m)
            }
            Unbound::Polars(e) => self.explain_error(origin, st, &e),
            Unbound::Invalid(m) => {
                // at the first name the message quotes (`p` of `p.year`)
                let (l, c) = m
                    .split('`')
                    .nth(1)
                    .and_then(|w| w.split(['.', '(']).next())
                    .and_then(|w| position_of(&st.text, w))
                    .unwrap_or((1, 1));
                located(origin, st, l, c, &m)
            }
            Unbound::Construct(what) => {
                // at the function or keyword the construct names, where it has one
                let word = what
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .find(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
                let (l, c) = word
                    .and_then(|w| position_of(&st.text, w))
                    .unwrap_or((1, 1));
                // an expression a rule rewrote names budgetql's own columns (`__sq1_v`),
                // which the user never wrote: named by its keyword instead
                let what = if what.contains("`") && what.contains("__") {
                    match word {
                        Some(w) => format!("this use of {w}"),
                        None => "this use of a subquery".to_string(),
                    }
                } else {
                    what
                };
                located(
                    origin,
                    st,
                    l,
                    c,
                    &format!("budgetql does not support {what} yet; rewrite the query without it (the README lists the SQL budgetql plans)"),
                )
            }
        }
    }

    /// The query planned by budgetql's binder ([`super::bind`]) and lowered to a frame,
    /// or why not (a construct it does not plan, a name it cannot resolve, a type Polars
    /// refuses), which the caller reports located. The plan is kept for EXPLAIN.
    ///
    /// For whoever extends the binder: `BUDGETQL_BINDER_LOG=file` appends a line per SELECT
    /// core — `bound`, or what was not bound — with the SQL it planned (run a test suite
    /// with it and count the reasons to choose what to bind next).
    fn bound_frame(&mut self, sql: &str) -> Result<LazyFrame, super::bind::Unbound> {
        let r = self.bound_plan(sql);
        if let Ok(f) = std::env::var("BUDGETQL_BINDER_LOG") {
            use std::io::Write;
            let what = match &r {
                Ok(_) => "bound".to_string(),
                Err(e) => format!("not bound: {e}"),
            };
            if let Ok(mut w) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(f)
            {
                let _ = writeln!(
                    w,
                    "{}\t{}",
                    what.replace(['\n', '\t'], " "),
                    sql.replace(['\n', '\t'], " ")
                );
            }
        }
        let (node, lf, rules) = r?;
        if let Some(x) = &mut self.explained {
            x.extend(rules);
            x.extend(node.explain().lines().map(|l| l.to_string()));
        }
        Ok(lf)
    }

    /// The query's SQL bound to budgetql's plan, with its frame (Polars has checked the
    /// plan's types).
    fn bound_plan(
        &self,
        sql: &str,
    ) -> Result<(super::plan::Node, LazyFrame, Vec<String>), super::bind::Unbound> {
        use super::bind::Unbound;
        let q = parse_query(sql).map_err(|e| {
            Unbound::Invalid(format!("internal error: budgetql's rewrite of the query does not parse ({e}); please report it with the query"))
        })?;
        let optimize = super::optimize::Context::new(
            super::optimize::Settings {
                value_counts: self.value_count_quantiles,
            },
            self.null_free.clone(),
        );
        let catalog = super::bind::Catalog {
            frames: &self.frames,
            schemas: &self.schemas,
            optimize: &optimize,
        };
        super::bind::bind_query(&q, &catalog).and_then(|node| {
            let lf = node.clone().lower();
            // without Polars' common-subexpression pass: it made a constant computed
            // twice (`ABS(-2) * a, ABS(-2) + a`, the divisor check of `a % 2`) a column
            // of one row and panicked on a filtered frame's height, and it returned no
            // rows for `SELECT CAST(16.5 AS INTEGER) AS b, CAST(16.5 AS INTEGER) AS c`;
            // the plan names each aggregate once and a plan rule lifts repeated windows
            let mut opt = lf.get_current_optimizations();
            opt.remove(OptFlags::COMM_SUBEXPR_ELIM);
            let lf = lf.with_optimizations(opt);
            lf.clone().collect_schema()?;
            Ok((node, lf, optimize.applied()))
        })
    }

    /// [`Self::bound_plan`]'s frame alone (no EXPLAIN lines, no log).
    fn binder_frame(&self, sql: &str) -> Result<LazyFrame, super::bind::Unbound> {
        self.bound_plan(sql).map(|(_, lf, _)| lf)
    }

    /// Unknown tables: the closest names, located.
    fn check_names(&self, origin: &str, st: &Statement, v: &Relations) -> Result<(), QueryError> {
        for rel in &v.rels {
            let name = object_name(rel);
            if let Some(why) = self.unreadable.get(&name) {
                let s = rel.span().start;
                let (l, c) = (s.line.max(1) as usize, s.column.max(1) as usize);
                let why = why.lines().next().unwrap_or("").trim();
                return Err(located(origin, st, l, c, &unreadable(&name, why)));
            }
            if v.ctes.iter().any(|c| c.eq_ignore_ascii_case(&name))
                || self.names.iter().any(|(n, _)| *n == name)
                || (name.starts_with("__budgetql_") && self.frames.contains_key(&name))
            {
                continue;
            }
            let s = rel.span().start;
            let (l, c) = if s.line > 0 {
                (s.line as usize, s.column as usize)
            } else {
                position_of(&st.text, &name).unwrap_or((1, 1))
            };
            let mut cands: Vec<&str> = self.names.iter().map(|(n, _)| n.as_str()).collect();
            cands.extend(v.ctes.iter().map(|c| c.as_str()));
            let hint = did_you_mean(&closest(&name, cands));
            let hint = if hint.is_empty() {
                "; SHOW TABLES lists the tables".to_string()
            } else {
                hint
            };
            return Err(located(
                origin,
                st,
                l,
                c,
                &format!("unknown table `{name}`{hint}"),
            ));
        }
        Ok(())
    }

    /// Money or numbers compared with text (`budget > 'abc'`) would silently match nothing.
    fn check_types(
        &self,
        origin: &str,
        st: &Statement,
        q: &SQLQuery,
        v: &Relations,
    ) -> Result<(), QueryError> {
        let mut types: HashMap<String, DataType> = HashMap::new();
        for rel in &v.rels {
            if let Some(s) = self.schema_of(&object_name(rel)) {
                for (n, dt) in s.iter() {
                    types.entry(n.to_string()).or_insert_with(|| dt.clone());
                }
            }
        }
        let mut failure = None;
        let mut qc = q.clone();
        let _ = visit_expressions_mut(&mut qc, |x: &mut SQLExpr| {
            if let SQLExpr::BinaryOp { left, op, right } = x {
                let cmp = super::rewrite::is_comparison(op);
                if cmp {
                    for (a, b) in [(&**left, &**right), (&**right, &**left)] {
                        let col = match a {
                            SQLExpr::Identifier(i) => Some(i.value.clone()),
                            SQLExpr::CompoundIdentifier(is) => is.last().map(|i| i.value.clone()),
                            _ => None,
                        };
                        let (text, number) = match b {
                            SQLExpr::Value(v) => match &v.value {
                                SQLValue::SingleQuotedString(s) => (Some(s.clone()), None),
                                SQLValue::Number(n, _) => (None, Some(n.clone())),
                                _ => (None, None),
                            },
                            _ => (None, None),
                        };
                        if let Some((c, dt)) = col.and_then(|c| types.get(&c).map(|dt| (c, dt))) {
                            let numeric =
                                dt.is_primitive_numeric() || matches!(dt, DataType::Decimal(..));
                            if let (true, Some(s)) = (numeric, &text) {
                                if s.trim().parse::<f64>().is_err() {
                                    failure = Some((b.span().start, format!(
                                        "`{c}` is {} but is compared with the text '{s}'; compare it with a number, e.g. {c} > 10",
                                        type_name(dt)
                                    )));
                                }
                            }
                            if let (DataType::String, Some(n)) = (dt, &number) {
                                failure = Some((b.span().start, format!(
                                    "`{c}` is text but is compared with the number {n}; quote the value: {c} = '{n}'"
                                )));
                            }
                        }
                    }
                }
            }
            if failure.is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        match failure {
            Some((loc, m)) => Err(located(
                origin,
                st,
                loc.line as usize,
                loc.column as usize,
                &m,
            )),
            None => Ok(()),
        }
    }

    /// An unknown column (`name`, or `q.name`): the closest of the `valid` names, and the
    /// tables that have it when the query does not read them; located at the name.
    fn unknown_column(
        &self,
        origin: &str,
        st: &Statement,
        name: &str,
        valid: &[String],
    ) -> QueryError {
        let last = name.rsplit('.').next().unwrap_or(name);
        let mut hint = did_you_mean(&closest(last, valid.iter().map(|s| s.as_str())));
        let elsewhere: Vec<&str> = self
            .names
            .iter()
            .filter(|(n, _)| self.schema_of(n).is_some_and(|s| s.contains(last)))
            .map(|(n, _)| n.as_str())
            .collect();
        if !elsewhere.is_empty() {
            hint.push_str(&format!(
                "; `{name}` is a column of {}, which this query does not read",
                super::names::quoted(&elsewhere, ", ")
            ));
        }
        let (l, c) = position_of(&st.text, last).unwrap_or((1, 1));
        located(origin, st, l, c, &format!("unknown column `{name}`{hint}"))
    }

    /// A Polars error, made readable and located where possible.
    fn explain_error(&self, origin: &str, st: &Statement, e: &PolarsError) -> QueryError {
        use super::polars_errors::{classify, Known};
        // a damaged warehouse file: named, at the table the statement reads it by
        if let (Some(find), true) = (&self.damaged, e.to_string().contains("parquet")) {
            let stmts = SQLParser::parse_sql(&GenericDialect {}, &st.text).unwrap_or_default();
            for r in &Relations::of(&stmts).rels {
                let name = object_name(r);
                if let Some(why) = find(&name) {
                    let s = r.span().start;
                    let (l, c) = (s.line.max(1) as usize, s.column.max(1) as usize);
                    return located(origin, st, l, c, &unreadable(&name, &why));
                }
            }
        }
        match classify(&e.to_string()) {
            Known::UnknownColumn { name, valid } => self.unknown_column(origin, st, &name, &valid),
            Known::WrongType { op, dtype } => {
                let op = op.to_uppercase();
                let dt = match dtype.as_str() {
                    "str" => "text",
                    "date" => "a date",
                    "bool" => "true/false",
                    other => other,
                };
                let (l, c) = position_of(&st.text, &op).unwrap_or((1, 1));
                located(origin, st, l, c, &format!("{op}(…) needs numbers or money, but its argument is {dt}; pick a numeric column (DESCRIBE shows the types)"))
            }
            Known::UnknownJoinColumn { name, table } => {
                let stmts = SQLParser::parse_sql(&GenericDialect {}, &st.text).unwrap_or_default();
                let v = Relations::of(&stmts);
                let mut cols: Vec<String> = vec![];
                for r in &v.rels {
                    if let Some(s) = self.schema_of(&object_name(r)) {
                        cols.extend(s.iter_names().map(|n| n.to_string()));
                    }
                }
                let hint = did_you_mean(&closest(&name, cols.iter().map(|s| s.as_str())));
                let (l, c) = position_of(&st.text, &name).unwrap_or((1, 1));
                located(
                    origin,
                    st,
                    l,
                    c,
                    &format!("unknown column `{table}.{name}`{hint}"),
                )
            }
            Known::Subquery => {
                static SUB: LazyLock<Regex> =
                    LazyLock::new(|| Regex::new(r"(?i)\(\s*SELECT\b").expect("valid"));
                let (l, c) = SUB
                    .find(&st.text)
                    .map(|m| line_col(&st.text, m.start()))
                    .unwrap_or((1, 1));
                located(origin, st, l, c, "a subquery inside an expression is not supported by the engine; compute it in a CTE and join it: WITH t AS (SELECT SUM(budget) AS total FROM projects) SELECT … FROM projects CROSS JOIN t")
            }
            Known::IntegerOverflow => {
                let (l, c) = st
                    .text
                    .to_ascii_uppercase()
                    .find("SUM")
                    .map(|at| line_col(&st.text, at))
                    .unwrap_or((1, 1));
                located(origin, st, l, c, "an integer SUM, +, − or × passed its type's range (BIGINT: ±9.2·10¹⁸), where budgetql stops rather than wrap; compute it in decimals to keep every digit: SUM(CAST(x AS DECIMAL(38, 0))), CAST(a AS DECIMAL(38, 0)) * b")
            }
            Known::Unsupported(msg) => located(
                origin,
                st,
                1,
                1,
                &format!("not supported by the SQL engine: {msg}"),
            ),
            Known::Other(msg) if msg.contains("subquery used as a value") => {
                // at the first subquery in parentheses
                let upper = st.text.to_ascii_uppercase();
                let at = upper
                    .match_indices("(SELECT")
                    .next()
                    .or_else(|| upper.match_indices("( SELECT").next())
                    .map(|(i, _)| line_col(&st.text, i))
                    .unwrap_or((1, 1));
                located(origin, st, at.0, at.1, &msg)
            }
            Known::Other(msg) => located(origin, st, 1, 1, &msg),
        }
    }
}

/// "1 row", "12 rows".
/// What a query reading a table with a damaged file is told.
fn unreadable(table: &str, why: &str) -> String {
    format!("table `{table}` cannot be read: {why}; a warehouse's damaged file: ingest its documents again (budgetql ingest … --into); a loaded file: LOAD it again")
}

fn row_count(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// Readable type names for DESCRIBE and messages.
pub fn type_name(dt: &DataType) -> String {
    match dt {
        DataType::String => "text".into(),
        DataType::Int32 | DataType::Int64 | DataType::Int16 | DataType::Int8 => "int".into(),
        DataType::UInt32 | DataType::UInt64 | DataType::UInt16 | DataType::UInt8 => "int".into(),
        DataType::Float64 | DataType::Float32 => "float".into(),
        DataType::Decimal(p, s) => format!("decimal({p},{s})"),
        DataType::Date => "date".into(),
        DataType::Boolean => "bool".into(),
        other => other.to_string(),
    }
}

fn object_name(n: &ObjectName) -> String {
    n.0.iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn parse_query(text: &str) -> Result<SQLQuery, String> {
    SQLParser::new(&GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_query())
        .map(|q| *q)
        .map_err(|e| e.to_string())
}

/// The part of statement `st` that starts at byte `start` of its trimmed text `t`,
/// positioned where it stands in the script (so errors inside it point right).
fn sub_statement(st: &Statement, t: &str, start: usize, text: impl Into<String>) -> Statement {
    Statement {
        text: text.into(),
        line: st.line,
        column: st.column + t[..start].chars().count(),
    }
}

fn rw_err(origin: &str, st: &Statement, e: RewriteError) -> QueryError {
    located(origin, st, e.line as usize, e.column as usize, &e.message)
}

/// Tables a query reads, and the CTE names it defines.
struct Relations {
    ctes: Vec<String>,
    rels: Vec<ObjectName>,
}

impl Relations {
    fn of(node: &impl Visit) -> Relations {
        let mut v = Relations {
            ctes: vec![],
            rels: vec![],
        };
        let _ = node.visit(&mut v);
        v
    }
}

impl Visitor for Relations {
    type Break = ();
    fn pre_visit_query(&mut self, q: &SQLQuery) -> ControlFlow<()> {
        if let Some(w) = &q.with {
            for c in &w.cte_tables {
                self.ctes.push(c.alias.name.value.clone());
            }
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, .. } = tf {
            self.rels.push(name.clone());
        }
        ControlFlow::Continue(())
    }
}

/// Column lookup for PIVOT sources, through the engine.
struct Probe<'a> {
    engine: &'a mut Engine,
}

impl Columns for Probe<'_> {
    fn columns_of(&mut self, sql: &str) -> Result<Vec<String>, String> {
        let mut lf = self.engine.binder_frame(sql).map_err(|e| e.to_string())?;
        let s = lf.collect_schema().map_err(|e| e.to_string())?;
        Ok(s.iter_names().map(|n| n.to_string()).collect())
    }
}
