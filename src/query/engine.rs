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
use crate::render::chart::Chart;
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
    /// `CHART … q`: the result, drawn as this chart in the table format.
    Chart(DataFrame, Chart),
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
    workbooks: HashMap<PathBuf, Workbook>,
    /// The keys (PRIMARY KEY, UNIQUE) of each session table, checked by INSERT
    keys: HashMap<String, Vec<session_tables::Key>>,
    /// budgetql's plans of the SELECT cores planned since EXPLAIN began (query/bind.rs)
    /// (Some only while an EXPLAIN runs)
    explained: Option<Vec<String>>,
}

/// A workbook written by COPY: its sheets, and the file's size and time when written.
#[derive(Clone)]
struct Workbook {
    sheets: Vec<(String, DataFrame)>,
    stamp: Option<(u64, std::time::SystemTime)>,
}

fn stamp(p: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn qerr(message: impl Into<String>) -> QueryError {
    QueryError::Execution {
        message: message.into(),
    }
}

static SET_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^SET\s+([\p{L}_][\p{L}\p{N}_]*)\s*(?:=|TO)\s*(.+)$").expect("valid")
});
static LOAD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^LOAD\s+'((?:[^']|'')+)'(?:\s+AS\s+([\p{L}_][\p{L}\p{N}_]*))?$")
        .expect("valid")
});
static COPY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^COPY\s*\((.*)\)\s*TO\s+'((?:[^']|'')+)'\s*(?:\((.*)\))?\s*$").expect("valid")
});

/// The options of `COPY … TO 'file' (OVERWRITE, SHEET 'name')`.
#[derive(Debug, Default, PartialEq)]
struct CopyOptions {
    overwrite: bool,
    /// the sheet and the byte offset of its name in the options text
    sheet: Option<(String, usize)>,
}

/// Parse a COPY option list (without its brackets); `Err((offset, message))`.
fn copy_options(text: &str) -> Result<CopyOptions, (usize, String)> {
    static OPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^\s*(?:(OVERWRITE)|SHEET\s+'((?:[^']|'')*)'|SHEET\s+(\S+))\s*(?:,|$)")
            .expect("valid")
    });
    let mut o = CopyOptions::default();
    let mut at = 0;
    while at < text.len() && !text[at..].trim().is_empty() {
        let rest = &text[at..];
        let lead = rest.len() - rest.trim_start().len();
        let Some(m) = OPT.captures(rest) else {
            return Err((at + lead, format!(
                "unknown COPY option `{}`; the options are OVERWRITE and SHEET 'name' (for .xlsx), e.g. (SHEET 'by unit', OVERWRITE)",
                rest.trim().split([',', ' ']).next().unwrap_or("")
            )));
        };
        if m.get(1).is_some() {
            o.overwrite = true;
        } else if let Some(name) = m.get(2) {
            o.sheet = Some((name.as_str().replace("''", "'"), at + name.start()));
        } else if let Some(bare) = m.get(3) {
            return Err((
                at + bare.start(),
                format!(
                    "put the sheet name in single quotes: SHEET '{}'",
                    bare.as_str()
                ),
            ));
        }
        at += m.get(0).map(|g| g.end()).unwrap_or(rest.len()).max(1);
    }
    Ok(o)
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

    /// The loaded documents (the `departments` rows) of `d`'s department, year and phase at
    /// `level`.
    fn loaded_like(&self, d: &ingest::Document, level: &str) -> Option<LazyFrame> {
        Some(
            self.frames.get("departments")?.clone().filter(
                col("dept_code")
                    .eq(lit(d.dept_code.clone()))
                    .and(col("year").eq(lit(d.year)))
                    .and(col("phase").eq(lit(d.phase)))
                    .and(col("budget_level").eq(lit(level.to_string()))),
            ),
        )
    }

    /// The loaded department-level document of the same department, year and phase as the
    /// unit's document `d`, if any.
    fn loaded_department_doc(&self, d: &ingest::Document) -> Option<String> {
        let deps = self
            .loaded_like(d, "department")?
            .select([col("source")])
            .limit(1)
            .collect()
            .ok()?;
        let v = deps.column("source").ok()?.get(0).ok()?;
        v.get_str().map(str::to_string)
    }

    /// The loaded document (source, disclosure) with classification tables for the same
    /// department, year, phase and level as `d`, if any.
    fn loaded_tables_of(&self, d: &ingest::Document) -> Option<(String, String)> {
        let deps = self
            .loaded_like(d, d.level)?
            .filter(col("source").neq(lit(d.source.clone())))
            .select([col("source"), col("disclosure")])
            .collect()
            .ok()?;
        let (srcs, discs) = (deps.column("source").ok()?, deps.column("disclosure").ok()?);
        for i in 0..deps.height() {
            let src = srcs.get(i).ok()?.get_str()?.to_string();
            let disclosure = discs.get(i).ok()?.get_str().unwrap_or(&src).to_string();
            let funcs = self
                .frames
                .get("spending_by_function")?
                .clone()
                .filter(col("source").eq(lit(src.clone())))
                .limit(1)
                .collect()
                .ok()?;
            if funcs.height() > 0 {
                return Some((src, disclosure));
            }
        }
        None
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
        use super::Command as C;
        match super::Command::of(text) {
            Some(C::Set) => return self.set(origin, st),
            Some(c @ (C::Load | C::Copy)) if self.safe => {
                let (what, does) = if c == C::Load {
                    ("LOAD", "reads")
                } else {
                    ("COPY", "writes")
                };
                return Err(located(origin, st, 1, 1, &format!(
                    "safe mode: {what} {does} files and is refused; this session only queries what is loaded"
                )));
            }
            Some(C::Load) => return self.load(origin, st),
            Some(C::Copy) => return self.copy(origin, st),
            Some(C::ShowTables) => return self.show_tables().map(Output::Frame),
            Some(C::Describe) => return self.describe(origin, st),
            Some(C::Explain) => return self.explain(origin, st),
            Some(C::Chart) => return self.chart(origin, st),
            Some(C::Audit) => return self.audit(origin, st),
            None => {}
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
        let st = match super::Command::of(t) {
            None => st.clone(),
            Some(super::Command::Chart) => {
                static Q: LazyLock<Regex> = LazyLock::new(|| {
                    Regex::new(r"(?is)^CHART\s+\w+(?:\s+(?:STACKED|GROUPED)\b)?\s*(.*?)(?:\s+(?:STACKED|GROUPED))?\s*$").expect("valid")
                });
                let m = Q.captures(t).and_then(|m| m.get(1)).filter(|g| !g.as_str().is_empty());
                let g = m.ok_or_else(|| {
                    located(origin, st, 1, 1, "expected CHART BAR|LINE followed by a query")
                })?;
                sub_statement(st, t, g.start(), g.as_str().to_string())
            }
            Some(super::Command::Copy) => {
                let m = COPY_RE.captures(t).ok_or_else(|| {
                    located(origin, st, 1, 1, "expected COPY (query) TO 'file'")
                })?;
                let inner = m.get(1).map(|g| (g.start(), g.as_str())).unwrap_or((0, ""));
                sub_statement(st, t, inner.0, inner.1.trim().to_string())
            }
            Some(_) => {
                return Err(located(origin, st, 1, 1, &format!(
                    "{} is budgetql's own statement and has no SQL to lower; --dialect lowers queries (SELECT/WITH, with {} and :params)",
                    t.split_whitespace().next().unwrap_or("this").to_uppercase(),
                    super::extensions::names()
                )))
            }
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

    /// `AUDIT [WHERE condition]`: run the reconciliation rules and register the
    /// findings as `audit_findings`.
    fn audit(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        static AUDIT_RE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?is)^AUDIT(?:\s+WHERE\s+(.+))?$").expect("valid"));
        let t = st.text.trim();
        let Some(m) = AUDIT_RE.captures(t) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected AUDIT or AUDIT WHERE <condition on year, dept_code or source>",
            ));
        };
        let filter = m.get(1).map(|g| g.as_str().trim().to_string());
        if let Some(f) = &filter {
            let start = m.get(1).map(|g| g.start()).unwrap_or(0);
            let cond = Statement {
                text: format!("SELECT 1 FROM projects WHERE {f}"),
                line: st.line,
                column: st.column,
            };
            if let Err(e) = check_syntax(origin, &cond) {
                return Err(located(
                    origin,
                    st,
                    1,
                    start + 1,
                    &format!(
                        "AUDIT WHERE: {}",
                        e.to_string().lines().next().unwrap_or("")
                    ),
                ));
            }
            // the filter picks the documents audited: only columns every table has
            const COMMON: &[&str] = &["year", "dept_code", "source", "page", "line"];
            if let Ok(q) = parse_query(&cond.text) {
                let mut c = q.clone();
                let mut bad: Option<String> = None;
                let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
                    let name = match x {
                        SQLExpr::Identifier(i) => Some(i.value.clone()),
                        SQLExpr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    if let Some(n) = name {
                        if !COMMON.contains(&n.to_lowercase().as_str()) {
                            bad.get_or_insert(n);
                        }
                    }
                    ControlFlow::<()>::Continue(())
                });
                if let Some(n) = bad {
                    let (l, col) = position_of(&st.text, &n).unwrap_or((1, start + 1));
                    return Err(located(origin, st, l, col, &format!(
                        "AUDIT WHERE picks the documents to audit, by {}; `{n}` is not one of them. To filter the findings, query them: SELECT * FROM audit_findings WHERE {f}",
                        COMMON.join(", ")
                    )));
                }
            }
        }
        let df = self
            .run_audit(filter.as_deref())
            .map_err(|e| located(origin, st, 1, 1, &format!("AUDIT failed: {e}")))?;
        Ok(Output::Frame(df))
    }

    fn run_audit(&mut self, filter: Option<&str>) -> Result<DataFrame, String> {
        let findings = crate::audit::run(self, filter)?;
        let df = crate::audit::frame(&findings).map_err(|e| e.to_string())?;
        self.register("audit_findings", df.clone().lazy(), Kind::Derived);
        Ok(df)
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

    fn set(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let Some(m) = SET_RE.captures(st.text.trim()) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected SET name = value, e.g. SET year = 2021",
            ));
        };
        let value = m[2].trim().to_string();
        let ok = value.parse::<f64>().is_ok()
            || (value.starts_with('\'') && value.ends_with('\'') && value.len() >= 2);
        if !ok {
            return Err(located(
                origin,
                st,
                1,
                m.get(2).map(|g| g.start() + 1).unwrap_or(1),
                &format!("`{value}` is not a value: use a number (2021) or quoted text ('216')"),
            ));
        }
        self.params.insert(m[1].to_string(), value.clone());
        Ok(Output::Message(format!("{} = {value}", &m[1])))
    }

    fn show_tables(&mut self) -> Result<DataFrame, QueryError> {
        let mut names = vec![];
        let mut kinds = vec![];
        let mut cols = vec![];
        let mut about = vec![];
        for (n, k) in self.names.clone() {
            let ncols = self.schema_of(&n).map(|s| s.len() as i32);
            names.push(n.clone());
            kinds.push(k.label().to_string());
            cols.push(ncols);
            about.push(match k {
                Kind::Contract => model::table(&n).map(|t| t.about.to_string()),
                Kind::Derived => Some(crate::audit::FINDINGS.about.to_string()),
                _ => None,
            });
        }
        let h = names.len();
        DataFrame::new(
            h,
            vec![
                Column::new("name".into(), names),
                Column::new("kind".into(), kinds),
                Column::new("columns".into(), cols),
                Column::new("about".into(), about),
            ],
        )
        .map_err(|e| qerr(e.to_string()))
    }

    fn describe(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let rest = t
            .split_once(char::is_whitespace)
            .map(|x| x.1.trim())
            .unwrap_or("");
        if rest.is_empty() {
            return Err(located(
                origin,
                st,
                1,
                1,
                "DESCRIBE needs a table or a query: DESCRIBE projects, DESCRIBE SELECT …",
            ));
        }
        let upper = rest.to_uppercase();
        let lf =
            if upper.starts_with("SELECT") || upper.starts_with("WITH") || rest.starts_with('(') {
                let offset = t.len() - rest.len();
                let inner = sub_statement(st, t, offset, rest.to_string());
                check_syntax(origin, &inner)?;
                let q = parse_query(&inner.text).map_err(qerr)?;
                self.frame(origin, &inner, &q)?
            } else {
                let name = rest.trim_matches('"').to_string();
                match self.frames.get(&name) {
                    Some(lf) => lf.clone(),
                    None => {
                        let cands: Vec<&str> = self.names.iter().map(|(n, _)| n.as_str()).collect();
                        let (l, c) = position_of(t, &name).unwrap_or((1, 1));
                        let hint = did_you_mean(&closest(&name, cands));
                        return Err(located(
                            origin,
                            st,
                            l,
                            c,
                            &format!(
                                "unknown table `{name}`{}",
                                if hint.is_empty() {
                                    "; SHOW TABLES lists the tables".to_string()
                                } else {
                                    hint
                                }
                            ),
                        ));
                    }
                }
            };
        let mut lf = lf;
        let schema = lf.collect_schema().map_err(|e| qerr(e.to_string()))?;
        let mut exprs = vec![];
        for (n, _) in schema.iter() {
            exprs.push(col(n.clone()).null_count().alias(format!("{n}\u{1}nulls")));
            exprs.push(
                col(n.clone())
                    .drop_nulls()
                    .first()
                    .alias(format!("{n}\u{1}example")),
            );
        }
        exprs.push(len().alias("\u{1}rows"));
        let stats = lf
            .select(exprs)
            .collect()
            .map_err(|e| self.explain_error(origin, st, &e))?;
        let mut c_name = vec![];
        let mut c_type = vec![];
        let mut c_nulls: Vec<Option<i64>> = vec![];
        let mut c_ex: Vec<Option<String>> = vec![];
        for (n, dt) in schema.iter() {
            c_name.push(n.to_string());
            c_type.push(type_name(dt));
            let nulls = stats
                .column(&format!("{n}\u{1}nulls"))
                .ok()
                .and_then(|c| c.get(0).ok())
                .and_then(|v| v.extract::<i64>());
            c_nulls.push(nulls);
            let ex = stats
                .column(&format!("{n}\u{1}example"))
                .ok()
                .and_then(|c| c.get(0).ok())
                .filter(|v| !matches!(v, AnyValue::Null))
                .map(|v| crate::render::value_text(&v));
            c_ex.push(ex);
        }
        let h = c_name.len();
        let df = DataFrame::new(
            h,
            vec![
                Column::new("column".into(), c_name),
                Column::new("type".into(), c_type),
                Column::new("null_count".into(), c_nulls),
                Column::new("example".into(), c_ex),
            ],
        )
        .map_err(|e| qerr(e.to_string()))?;
        Ok(Output::Frame(df))
    }

    fn explain(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let rest = t[7..].trim_start();
        let offset = t.len() - rest.len();
        let inner = sub_statement(st, t, offset, rest.to_string());
        check_syntax(origin, &inner)?;
        let q = parse_query(&inner.text).map_err(|e| located(origin, &inner, 1, 1, &e))?;
        self.explained = Some(vec![]);
        let lf = self.frame(origin, &inner, &q);
        let explained = self.explained.take().unwrap_or_default();
        let lf = lf?;
        let plan = lf
            .describe_optimized_plan()
            .map_err(|e| self.explain_error(origin, &inner, &e))?;
        // budgetql's plan of each SELECT core, then the plan Polars runs
        let mut lines: Vec<String> = vec!["budgetql plan:".into()];
        lines.extend(explained.into_iter().map(|l| format!("  {l}")));
        lines.push("Polars plan (optimised):".into());
        lines.extend(plan.lines().map(|l| format!("  {l}")));
        let h = lines.len();
        Ok(Output::Frame(
            DataFrame::new(h, vec![Column::new("plan".into(), lines)])
                .map_err(|e| qerr(e.to_string()))?,
        ))
    }

    fn chart(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        static CHART_RE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?is)^CHART(\s+(\w+))?(?:\s+(STACKED|GROUPED)\b)?\s*(.*)$").expect("valid")
        });
        static TRAILING: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?is)^(.*?)\s+(STACKED|GROUPED)\s*$").expect("valid"));
        const USAGE: &str = "CHART BAR [STACKED | GROUPED] <query> or CHART LINE <query>, e.g. CHART LINE SELECT year, dept_code, SUM(amount) FROM budget_lines WHERE item = '支出合计' GROUP BY 1, 2";
        let t = st.text.trim();
        let Some(m) = CHART_RE.captures(t) else {
            return Err(located(origin, st, 1, 1, &format!("expected {USAGE}")));
        };
        let kind_at = m.get(2).map(|g| g.start()).unwrap_or(t.len());
        let col = |byte: usize| t[..byte].chars().count() + 1;
        let kind = m
            .get(2)
            .map(|g| g.as_str().to_uppercase())
            .unwrap_or_default();
        let mut query = m.get(4).map(|g| g.as_str()).unwrap_or("");
        let start = m.get(4).map(|g| g.start()).unwrap_or(t.len());
        let mut layout = m.get(3).map(|g| g.as_str().to_uppercase());
        if layout.is_none() {
            if let Some(tm) = TRAILING.captures(query) {
                layout = Some(tm[2].to_uppercase());
                query = tm.get(1).map(|g| g.as_str()).unwrap_or("");
            }
        }
        let chart = match (kind.as_str(), layout.as_deref()) {
            ("BAR", None) => Chart::Bar,
            ("BAR", Some("STACKED")) => Chart::StackedBar,
            ("BAR", Some(_)) => Chart::GroupedBar,
            ("LINE", None) => Chart::Line,
            ("LINE", Some(l)) => {
                return Err(located(origin, st, 1, col(kind_at), &format!("{l} is for bars: CHART BAR {l} <query>; a line chart draws one line per series already")))
            }
            ("", _) => return Err(located(origin, st, 1, col(kind_at), &format!("say which chart: {USAGE}"))),
            (other, _) => {
                return Err(located(origin, st, 1, col(kind_at), &format!("unknown chart `{other}`; expected {USAGE}")))
            }
        };
        if query.trim().is_empty() {
            return Err(located(
                origin,
                st,
                1,
                col(start),
                &format!("{} needs a query after it", chart.usage()),
            ));
        }
        let inner = sub_statement(st, t, start, query.to_string());
        let df = match self.execute(origin, &inner)? {
            Output::Frame(df) | Output::Chart(df, _) => df,
            Output::Message(_) => {
                return Err(located(
                    origin,
                    st,
                    1,
                    1,
                    &format!("{} needs a query that returns rows", chart.usage()),
                ))
            }
        };
        crate::render::chart::check(&df, chart)
            .map_err(|e| located(origin, st, 1, 1, &super::files::render_text(e)))?;
        Ok(Output::Chart(df, chart))
    }

    fn load(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let Some(m) = LOAD_RE.captures(st.text.trim()) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected LOAD 'path' [AS name], e.g. LOAD 'data/*.csv' AS funds",
            ));
        };
        // a quote inside the name is written twice, as in SQL: 'it''s.pdf'
        let pattern = m[1].replace("''", "'");
        let alias = m.get(2).map(|a| a.as_str().to_string());
        let paths = expand_glob(&pattern).map_err(|e| located(origin, st, 1, 6, &e))?;
        let mut docs = vec![];
        let mut others: Vec<PathBuf> = vec![];
        for p in &paths {
            match super::files::ext(p).as_str() {
                "txt" | "pdf" => docs.push(ingest::ingest_file(p).map_err(|e| qerr(format!("{}1:1: LOAD: {e}", origin)))?),
                _ if super::files::by_extension(p).is_some_and(|f| f.scan.is_some()) => others.push(p.clone()),
                other => return Err(located(origin, st, 1, 6, &format!("`{}`: unknown file kind `.{other}`; LOAD reads .pdf and .txt disclosures and {} files", p.display(), super::files::readable()))),
            }
        }
        let mut report = vec![];
        if !docs.is_empty() {
            crate::ingest::check_distinct_sources(&mut docs)
                .map_err(|e| located(origin, st, 1, 6, &e))?;
            // a unit's document beside its department's, already loaded: say so
            for d in docs.iter().filter(|d| d.level == "unit") {
                if let Some(src) = self.loaded_department_doc(d) {
                    report.push(format!(
                        "{} is a unit's document of {} {}, part of the loaded department document {src}: sum `source IN (SELECT source FROM departments WHERE budget_level = 'department')` to count each yuan once",
                        d.file, d.dept_code, d.year
                    ));
                }
            }
            // a narrative-only file of a disclosure whose tables are already loaded joins it
            for d in docs.iter_mut().filter(|d| !ingest::has_tables(d)) {
                if let Some((src, disclosure)) = self.loaded_tables_of(d) {
                    ingest::join_narrative(d, &src, &disclosure, [true; 3]);
                    report.push(format!(
                        "{} joins the disclosure {disclosure}: its prose figures are kept in `statements`, the tables' figures are {src}'s",
                        d.file
                    ));
                }
            }
            let stacked = model::stacked(&docs).map_err(|e| qerr(e.to_string()))?;
            // loading a document again replaces its rows, as ingesting into a warehouse does
            let sources: Vec<String> = docs.iter().map(|d| d.source.clone()).collect();
            for (name, new_rows) in stacked {
                let lf = match self.frames.get(name).cloned() {
                    Some(base) => {
                        let kept = sources.iter().fold(base, |lf, src| {
                            lf.filter(col("source").neq(lit(src.clone())))
                        });
                        if self.scanned {
                            // a warehouse scan stays lazy
                            concat([kept, new_rows.lazy()], UnionArgs::default())
                                .map_err(|e| qerr(e.to_string()))?
                        } else {
                            // in memory: stack eagerly (polars 0.55 fails an ungrouped COUNT(*)
                            // over a lazy union: "casting from UInt32 to UInt128 not supported")
                            let mut acc = kept.collect().map_err(|e| qerr(e.to_string()))?;
                            acc.vstack_mut(&new_rows).map_err(|e| qerr(e.to_string()))?;
                            acc.lazy()
                        }
                    }
                    None => new_rows.lazy(),
                };
                self.register(name, lf, Kind::Contract);
            }
            report.push(format!(
                "{} document(s) ingested into the contract tables",
                docs.len()
            ));
        }
        if !others.is_empty() {
            let name = alias
                .clone()
                .unwrap_or_else(|| sanitize(&ingest::source_id(&others[0].to_string_lossy())));
            let mut parts = vec![];
            for p in &others {
                // read its schema now: a damaged file is refused here, named, rather than
                // loaded and failing later
                let lf = super::files::scan_file(p)
                    .and_then(|mut lf| lf.collect_schema().map(|_| lf).map_err(|e| e.to_string()))
                    .map_err(|e| {
                        located(
                            origin,
                            st,
                            1,
                            6,
                            &format!("{}: cannot be read: {e}", p.display()),
                        )
                    })?;
                parts.push(lf);
            }
            let lf = if parts.len() == 1 {
                parts.remove(0)
            } else {
                concat(parts, UnionArgs::default()).map_err(|e| qerr(e.to_string()))?
            };
            if self
                .names
                .iter()
                .any(|(n, k)| *n == name && *k == Kind::Contract)
            {
                return Err(located(origin, st, 1, 1, &format!("`{name}` is a contract table; load the file under another name: LOAD '{pattern}' AS my_{name}")));
            }
            self.register(&name, lf, Kind::Loaded);
            report.push(format!("{} file(s) loaded as table {name}", others.len()));
        }
        Ok(Output::Message(report.join("; ")))
    }

    fn copy(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let Some(m) = COPY_RE.captures(t) else {
            return Err(located(origin, st, 1, 1, "expected COPY (query) TO 'file.csv' [(OVERWRITE)]; the file kind comes from its extension: .csv, .json, .parquet, .arrow, .xlsx (add SHEET 'name' to put several results in one workbook) or .svg (a chart)"));
        };
        let col = |byte: usize| t[..byte].chars().count() + 1;
        let inner_text = m[1].to_string();
        let path = PathBuf::from(m[2].replace("''", "'"));
        let path_col = col(m.get(2).map(|g| g.start()).unwrap_or(0));
        let opts = match m.get(3) {
            Some(o) => copy_options(o.as_str())
                .map_err(|(at, msg)| located(origin, st, 1, col(o.start() + at), &msg))?,
            None => CopyOptions::default(),
        };
        let overwrite = opts.overwrite;
        let start = m.get(1).map(|g| g.start()).unwrap_or(0);
        let inner = sub_statement(st, t, start, inner_text);
        let e = super::files::ext(&path);
        let format = super::files::by_extension(&path).filter(|f| f.write.is_some());
        let Some(format) = format else {
            return Err(located(
                origin,
                st,
                1,
                path_col,
                &format!(
                    "cannot write `.{e}` files; use {}",
                    super::files::writable()
                ),
            ));
        };
        // the sheet named, and the column of its name in the statement
        let sheet = opts.sheet.as_ref().map(|(name, at)| {
            (
                name.clone(),
                col(m.get(3).map(|g| g.start()).unwrap_or(0) + at),
            )
        });
        if let Some((_, name_col)) = &sheet {
            if format.name != "xlsx" {
                return Err(located(
                    origin,
                    st,
                    1,
                    *name_col,
                    "SHEET is for workbooks: write to a .xlsx file",
                ));
            }
        }
        if format.name == "xlsx" {
            return self.copy_xlsx(origin, st, &inner, &path, path_col, sheet, overwrite);
        }
        if path.exists() && !overwrite {
            return Err(located(
                origin,
                st,
                1,
                path_col,
                &format!(
                    "{} already exists; add (OVERWRITE) to replace it",
                    path.display()
                ),
            ));
        }
        let (df, chart) = self.copy_source(origin, st, &inner)?;
        let written = match chart {
            Some(c) if format.name == "svg" => super::files::write_chart(&df, c, self.money, &path),
            _ => super::files::write_frame(&df, &path, self.money),
        };
        written.map_err(qerr)?;
        Ok(Output::Message(format!(
            "wrote {} to {}",
            row_count(df.height()),
            path.display()
        )))
    }

    /// The rows a COPY writes, and the chart they were asked for (`COPY (CHART …)`).
    fn copy_source(
        &mut self,
        origin: &str,
        st: &Statement,
        inner: &Statement,
    ) -> Result<(DataFrame, Option<Chart>), QueryError> {
        match self.execute(origin, inner)? {
            Output::Frame(df) => Ok((df, None)),
            Output::Chart(df, c) => Ok((df, Some(c))),
            Output::Message(_) => Err(located(
                origin,
                st,
                1,
                1,
                "COPY needs a query that returns rows",
            )),
        }
    }

    /// COPY to a workbook: a new file, or with `(SHEET 'name')` a sheet added to a
    /// workbook this session wrote (replacing a sheet of that name only with OVERWRITE).
    #[allow(clippy::too_many_arguments)]
    fn copy_xlsx(
        &mut self,
        origin: &str,
        st: &Statement,
        inner: &Statement,
        path: &Path,
        path_col: usize,
        named: Option<(String, usize)>,
        overwrite: bool,
    ) -> Result<Output, QueryError> {
        let adding = named.is_some();
        let (sheet, sheet_col) =
            named.unwrap_or_else(|| (super::files::default_sheet(path), path_col));
        crate::render::xlsx::check_sheet_name(&sheet)
            .map_err(|e| located(origin, st, 1, sheet_col, &e))?;
        let key = std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf());
        let ours = self
            .workbooks
            .get(&key)
            .filter(|b| b.stamp.is_some() && b.stamp == stamp(path))
            .cloned();
        // Excel's sheet names are case-insensitive
        let same_name = |n: &str| n.to_lowercase() == sheet.to_lowercase();
        let mut sheets = match ours {
            Some(book) if adding => {
                if book.sheets.iter().any(|(n, _)| same_name(n)) && !overwrite {
                    return Err(located(origin, st, 1, sheet_col, &format!("{} already has a sheet `{sheet}`; name this one differently, or add OVERWRITE to replace it: (SHEET '{sheet}', OVERWRITE)", path.display())));
                }
                book.sheets
            }
            _ if path.exists() && !overwrite => {
                let hint = if adding {
                    " (SHEET adds to a workbook only while it is one this session wrote)"
                } else {
                    ""
                };
                return Err(located(
                    origin,
                    st,
                    1,
                    path_col,
                    &format!(
                        "{} already exists; add (OVERWRITE) to replace it{hint}",
                        path.display()
                    ),
                ));
            }
            _ => vec![],
        };
        let (df, _) = self.copy_source(origin, st, inner)?;
        let n = df.height();
        match sheets.iter().position(|(n, _)| same_name(n)) {
            Some(i) => sheets[i] = (sheet.clone(), df),
            None => sheets.push((sheet.clone(), df)),
        }
        let notes = super::files::write_workbook(&sheets, self.money, path).map_err(qerr)?;
        let count = sheets.len();
        self.workbooks.insert(
            key,
            Workbook {
                sheets,
                stamp: stamp(path),
            },
        );
        let mut msg = format!(
            "wrote {} to {} (sheet `{sheet}`{})",
            row_count(n),
            path.display(),
            if count > 1 {
                format!("; {count} sheets in the workbook")
            } else {
                String::new()
            }
        );
        if notes.rounded > 0 {
            msg.push_str(&format!("; note: {} numbers have more than the 15 significant digits a spreadsheet holds and are rounded there (.csv and .parquet keep them exact)", notes.rounded));
        }
        Ok(Output::Message(msg))
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

fn sanitize(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("t_{t}")
    } else {
        t
    }
}

/// Expand `*` and `?` in the file-name part of a path; a path without them must exist.
fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let p = Path::new(pattern);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        if p.is_dir() {
            return Err(format!(
                "{pattern} is a folder; name its files, e.g. LOAD '{}/*.pdf'",
                pattern.trim_end_matches('/')
            ));
        }
        if !p.is_file() {
            return Err(format!("{pattern}: no such file"));
        }
        return Ok(vec![p.to_path_buf()]);
    }
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|f| {
            f.is_file()
                && f.file_name()
                    .is_some_and(|n| wildcard(&name, &n.to_string_lossy()))
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(format!("{pattern}: no file matches"));
    }
    Ok(out)
}

fn wildcard(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
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
