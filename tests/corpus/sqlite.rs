//! SQLite's public sqllogictest files (`../shared/sqllogictest`: select1–5 and evidence/*,
//! never copied into this repository), run with the `sqllogictest` crate as DuckDB plays
//! them: `skipif duckdb` records and `onlyif` records for any other engine are skipped.
//! CREATE TABLE and INSERT go to session tables; CREATE INDEX is accepted and ignored
//! (an index never changes an answer).
//!
//! Each query record is counted as right, wrong, refused (an error; its message must be
//! located) or crashed (a panic). A query whose answer differs after budgetql refused a
//! statement that writes a table the query reads (`INSERT INTO t1 VALUES(1<<63, …)`, which
//! DuckDB refuses too) is counted apart, as `after-refused`: it reads other rows than
//! SQLite's, so its answer cannot be SQLite's (the planner issue counts as wrong only the
//! answers where DuckDB gives the file's answer). Values are printed as SQLite's runner prints them, by
//! the record's column types (`query IIR`: an `I` column holds integers, so a real there is
//! truncated). SQLite divides integers as integers and DuckDB (and budgetql) do not: a
//! wrong answer to a query with a `/` is counted apart, as dialect.
//!
//! CI runs a fixed sample (every `SQLITE_SLT_EVERY`-th record of each file, default 25,
//! with the statements that build the tables); `SQLITE_SLT_EVERY=1` runs every record. The sample must have
//! no crash and no wrong answer. `SQLITE_SLT_FILES=select1,in1` runs only
//! the files whose names start so (default: [`DEFAULT_FILES`]); `SQLITE_SLT_VERBOSE=1`
//! prints every note.

use budgetql::query::Output;
use budgetql::Session;
use sqllogictest::{
    Condition, DBOutput, DefaultColumnType, QueryExpect, Record, Runner, TestErrorKind, DB,
};
use std::path::PathBuf;

/// The files, in the order they run.
fn files() -> Vec<PathBuf> {
    let dir = crate::corpus_root()
        .parent()
        .map(|p| p.join("sqllogictest"))
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sqllogictest")
        });
    assert!(
        dir.join("select1.test").is_file(),
        "SQLite's sqllogictest files are not kept in this repository: put them in {} \
         (select1.test … select5.test, evidence/)",
        dir.display()
    );
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("evidence")).unwrap())
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    v.sort();
    v
}

#[derive(Debug)]
struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

/// budgetql as the runner's database: one session, the bundled document beside the
/// tables the file makes.
struct Budgetql {
    session: Session,
    /// The column types the record being run declares (`query IIR`): SQLite's runner
    /// prints each value as its column's type says.
    types: Types,
    /// how values print: as SQLite's runner or as DuckDB's
    style: Style,
}

/// Whose runner the files were written for: SQLite's (values printed by the record's
/// column types, results of more than 8 values hashed) or DuckDB's (values printed as
/// DuckDB prints them, compared as numbers where both sides are numbers).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Sqlite,
    Duckdb,
}

type Types = std::sync::Arc<std::sync::Mutex<Vec<DefaultColumnType>>>;

impl DB for Budgetql {
    type Error = Failed;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, Failed> {
        let stmts = budgetql::query::split(sql);
        let mut last = DBOutput::StatementComplete(0);
        for st in &stmts {
            if is_index_statement(&st.text) {
                continue;
            }
            match self.session.engine.execute("", st) {
                Ok(Output::Frame(df)) => {
                    let types = self.types.lock().map(|t| t.clone()).unwrap_or_default();
                    last = DBOutput::Rows {
                        types: vec![DefaultColumnType::Any; df.width()],
                        rows: match self.style {
                            Style::Sqlite => rows(&df, &types),
                            Style::Duckdb => duckdb_rows(&df),
                        },
                    }
                }
                Ok(_) => last = DBOutput::StatementComplete(0),
                Err(e) => return Err(Failed(e.to_string())),
            }
        }
        Ok(last)
    }
}

/// CREATE [UNIQUE] INDEX, DROP INDEX, REINDEX: an index never changes an answer.
fn is_index_statement(sql: &str) -> bool {
    let w: Vec<String> = sql
        .split_whitespace()
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    matches!(
        w.as_slice(),
        ["CREATE", "INDEX", ..]
            | ["CREATE", "UNIQUE", "INDEX", ..]
            | ["DROP", "INDEX", ..]
            | ["REINDEX", ..]
    )
}

/// The result as SQLite's sqllogictest runner prints it: NULL as `NULL`, then by the
/// column's declared type: `I` the value as a 64-bit integer (a real truncated toward
/// zero, text by its leading number or 0, a boolean 1/0), `R` as a real with three
/// decimals, `T` as text (empty text as `(empty)`). Undeclared columns print as they are.
fn rows(df: &polars::prelude::DataFrame, types: &[DefaultColumnType]) -> Vec<Vec<String>> {
    use polars::prelude::AnyValue as V;
    let cols = df.columns();
    (0..df.height())
        .map(|i| {
            cols.iter()
                .enumerate()
                .map(|(k, c)| {
                    let v = c.get(i).unwrap_or(V::Null);
                    if matches!(v, V::Null) {
                        return "NULL".to_string();
                    }
                    let n = number(&v);
                    match (types.get(k), n) {
                        (Some(DefaultColumnType::Integer), Some(Num::Int(x))) => x.to_string(),
                        (Some(DefaultColumnType::Integer), Some(Num::Real(x))) => {
                            (x.trunc() as i64).to_string()
                        }
                        (Some(DefaultColumnType::Integer), None) => {
                            (leading_number(&text(&v)).trunc() as i64).to_string()
                        }
                        (Some(DefaultColumnType::FloatingPoint), Some(Num::Int(x))) => {
                            format!("{:.3}", x as f64)
                        }
                        (Some(DefaultColumnType::FloatingPoint), Some(Num::Real(x))) => {
                            format!("{x:.3}")
                        }
                        (Some(DefaultColumnType::FloatingPoint), None) => {
                            format!("{:.3}", leading_number(&text(&v)))
                        }
                        (_, Some(Num::Real(x))) if !matches!(v, V::Decimal(..)) => {
                            format!("{x:.3}")
                        }
                        _ => shown_text(&v),
                    }
                })
                .collect()
        })
        .collect()
}

/// A value as text, empty text as `(empty)` (both runners print it so).
fn shown_text(v: &polars::prelude::AnyValue) -> String {
    let t = text(v);
    if t.is_empty() {
        "(empty)".into()
    } else {
        t
    }
}

enum Num {
    Int(i128),
    Real(f64),
}

/// A value as a number, if it is one (a boolean is 1 or 0, as in SQLite).
fn number(v: &polars::prelude::AnyValue) -> Option<Num> {
    use polars::prelude::AnyValue as V;
    Some(match *v {
        V::Boolean(b) => Num::Int(b as i128),
        V::Int8(x) => Num::Int(x as i128),
        V::Int16(x) => Num::Int(x as i128),
        V::Int32(x) => Num::Int(x as i128),
        V::Int64(x) => Num::Int(x as i128),
        V::Int128(x) => Num::Int(x),
        V::UInt8(x) => Num::Int(x as i128),
        V::UInt16(x) => Num::Int(x as i128),
        V::UInt32(x) => Num::Int(x as i128),
        V::UInt64(x) => Num::Int(x as i128),
        V::Float32(x) => Num::Real(x as f64),
        V::Float64(x) => Num::Real(x),
        V::Decimal(x, _, 0) => Num::Int(x),
        V::Decimal(x, _, scale) => Num::Real(x as f64 / 10f64.powi(scale as i32)),
        _ => return None,
    })
}

fn text(v: &polars::prelude::AnyValue) -> String {
    use polars::prelude::AnyValue as V;
    match v {
        V::String(s) => s.to_string(),
        V::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// SQLite's conversion of text to a number: its longest leading numeric prefix, else 0.
fn leading_number(s: &str) -> f64 {
    let t = s.trim_start();
    (1..=t.len())
        .rev()
        .filter(|&n| t.is_char_boundary(n))
        .find_map(|n| t[..n].parse::<f64>().ok().filter(|x| x.is_finite()))
        .unwrap_or(0.0)
}

/// SQLite's files print a result of up to 8 values one value per line (not one row per
/// line, as the crate's default validator expects): the rows' values in order, each
/// compared as the runner's normalizer prints it. A row-per-line result is accepted too.
fn value_per_line(
    normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let values: Vec<String> = actual.iter().flatten().map(normalizer).collect();
    let lines: Vec<String> = expected.iter().map(normalizer).collect();
    values == lines || sqllogictest::default_validator(normalizer, actual, expected)
}

/// The result as DuckDB's runner prints it: NULL as `NULL`, empty text as `(empty)`,
/// booleans `true`/`false`, decimals with their scale, other values as Polars prints them.
fn duckdb_rows(df: &polars::prelude::DataFrame) -> Vec<Vec<String>> {
    let cols = df.columns();
    (0..df.height())
        .map(|i| {
            cols.iter()
                .map(|c| duckdb_value(c.get(i).unwrap_or(polars::prelude::AnyValue::Null)))
                .collect()
        })
        .collect()
}

/// One value as DuckDB prints it (a list as `[a, NULL, c]`, its text unquoted).
fn duckdb_value(v: polars::prelude::AnyValue) -> String {
    use polars::prelude::AnyValue as V;
    match v {
        V::Null => "NULL".to_string(),
        V::Boolean(b) => b.to_string(),
        V::Float64(x) => x.to_string(),
        V::Float32(x) => x.to_string(),
        V::Decimal(x, _, scale) => decimal_text(x, scale),
        V::List(s) => {
            let items: Vec<String> = s
                .iter()
                .map(|x| match x {
                    V::String(t) => t.to_string(),
                    x => duckdb_value(x.into_static()),
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        v => shown_text(&v),
    }
}

/// An exact decimal's digits with `scale` of them after the point.
fn decimal_text(x: i128, scale: usize) -> String {
    let digits = x.unsigned_abs().to_string();
    let sign = if x < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// A value as DuckDB's runner compares it: booleans as 1/0, exact numbers without
/// trailing zeros (`1000.0` is `1000`), empty text as `(empty)`, the rest as printed;
/// [`same_value`] then compares other numbers approximately.
fn canonical(s: &str) -> String {
    let t = s.trim();
    match t {
        "true" => return "1".into(),
        "false" => return "0".into(),
        "" => return "(empty)".into(),
        _ => {}
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    let exact = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.');
    if !exact {
        return t.to_string();
    }
    let mut d = digits.to_string();
    if d.contains('.') {
        d = d.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let d = d.trim_start_matches('0');
    let d = if d.is_empty() || d.starts_with('.') {
        format!("0{d}")
    } else {
        d.to_string()
    };
    if d == "0" || !t.starts_with('-') {
        d
    } else {
        format!("-{d}")
    }
}

/// Two values the same for DuckDB's runner: the same [`canonical`] text, or, where one is
/// not an integer, numbers as close as DuckDB's runner asks of doubles (1 % and 10⁻⁸: its
/// files print them to six decimals or fewer).
fn same_value(a: &str, e: &str) -> bool {
    let (a, e) = (canonical(a), canonical(e));
    if a == e {
        return true;
    }
    let whole = |t: &str| t.parse::<i128>().is_ok();
    match (a.parse::<f64>(), e.parse::<f64>()) {
        _ if whole(&a) && whole(&e) => false,
        (Ok(x), Ok(y)) => (x - y).abs() <= 0.01 * y.abs() + 1e-8 || (x.is_nan() && y.is_nan()),
        _ => false,
    }
}

/// Rows equal value by value.
fn same_rows(a: &[Vec<String>], e: &[Vec<String>]) -> bool {
    a.len() == e.len()
        && a.iter()
            .zip(e)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(u, v)| same_value(u, v)))
}

/// Whether the record being checked sorts its rows (`rowsort`/`valuesort`): DuckDB's
/// runner sorts the expected rows as well as the result's.
static SORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// DuckDB's files print a row per line, values separated by tabs; each value compared by
/// [`canonical`], the rows in order unless the record sorts them.
fn duckdb_validator(
    _normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let sorted = SORTED.load(std::sync::atomic::Ordering::Relaxed);
    let sort = |mut rows: Vec<Vec<String>>| {
        if sorted {
            rows.sort_by_key(|r| r.iter().map(|v| canonical(v)).collect::<Vec<_>>());
        }
        rows
    };
    let a = sort(actual.to_vec());
    // a file may print a tab too many between values (`Boston\t\t2019-01-12`)
    let width = actual.first().map_or(0, |r| r.len());
    let e = sort(
        expected
            .iter()
            .map(|l| {
                let cells: Vec<String> = l.split('\t').map(String::from).collect();
                if cells.len() == width {
                    cells
                } else {
                    cells.into_iter().filter(|c| !c.is_empty()).collect()
                }
            })
            .collect(),
    );
    if same_rows(&a, &e) {
        return true;
    }
    // some files (those taken from SQLite's) print one value per line
    let values = sort(actual.iter().flatten().map(|v| vec![v.clone()]).collect());
    let lines = sort(expected.iter().map(|l| vec![l.clone()]).collect());
    same_rows(&values, &lines)
}

/// Counts of one file's query records.
#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    right: usize,
    wrong: usize,
    dialect: usize,
    after_refused: usize,
    refused: usize,
    crashed: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, c: &Counts) {
        self.right += c.right;
        self.wrong += c.wrong;
        self.dialect += c.dialect;
        self.after_refused += c.after_refused;
        self.refused += c.refused;
        self.crashed += c.crashed;
        self.skipped += c.skipped;
    }

    fn total(&self) -> usize {
        self.right + self.wrong + self.dialect + self.after_refused + self.refused + self.crashed
    }
}

/// Whether DuckDB's runner skips a record with these conditions.
fn skipped_for_duckdb(conditions: &[Condition]) -> bool {
    conditions.iter().any(|c| match c {
        Condition::OnlyIf { label } => label != "duckdb",
        Condition::SkipIf { label } => label == "duckdb",
        #[allow(unreachable_patterns)]
        _ => false,
    })
}

/// Run one file (every `every`-th query record, and every statement); the counts and
/// one line per wrong answer, refusal without a position, or crash.
fn run_file(path: &std::path::Path, every: usize, style: Style) -> (Counts, Vec<String>) {
    // SQLite's files allow a comment after a condition (`onlyif sqlite # empty RHS`),
    // which the crate's parser does not: dropped before parsing
    let text: String = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| match l.split_once(" #") {
            Some((head, _)) if l.starts_with("onlyif") || l.starts_with("skipif") => head,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let records =
        sqllogictest::parse_with_name::<DefaultColumnType>(&text, path.display().to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let types: Types = Default::default();
    let shared = types.clone();
    let mut runner = Runner::new(move || {
        let types = shared.clone();
        async move {
            Ok(Budgetql {
                session: Session::bundled().expect("the bundled session"),
                types,
                style,
            })
        }
    });
    runner.add_label("duckdb");
    // SQLite's runner hashes a result of more than 8 values (the files say so only by
    // their `N values hashing to …` lines)
    runner.with_column_validator(|_, _| true);
    match style {
        Style::Sqlite => {
            runner.with_hash_threshold(8);
            runner.with_validator(value_per_line);
        }
        Style::Duckdb => runner.with_validator(duckdb_validator),
    }
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut counts = Counts::default();
    let mut notes = vec![];
    let mut nth = 0usize;
    // tables written by a statement budgetql refused: they hold other rows than SQLite's
    let mut diverged: Vec<String> = vec![];
    for mut record in records {
        let (sql, line, is_query) = match &record {
            Record::Query {
                conditions,
                sql,
                loc,
                expected,
                ..
            } => {
                let hashed = matches!(expected, QueryExpect::Results { results, .. }
                    if results.len() == 1 && results[0].contains(" values hashing to "));
                // DuckDB hashes the values as DuckDB prints them, and its statements
                // (DESCRIBE, INSERT, …) answer with DuckDB's own tables: not comparable
                let first = sql.split_whitespace().next().unwrap_or("").to_uppercase();
                let statement =
                    !["SELECT", "WITH", "FROM", "VALUES", "("].contains(&first.as_str());
                if skipped_for_duckdb(conditions) || (style == Style::Duckdb && hashed) {
                    counts.skipped += 1;
                    continue;
                }
                if style == Style::Duckdb && statement {
                    // run as a statement (an INSERT's rows count for later queries)
                    counts.skipped += 1;
                    (sql.clone(), loc.line(), false)
                } else {
                    nth += 1;
                    if (nth - 1) % every != 0 {
                        continue;
                    }
                    (sql.clone(), loc.line(), true)
                }
            }
            Record::Statement {
                conditions,
                sql,
                loc,
                ..
            } => {
                if skipped_for_duckdb(conditions) {
                    continue;
                }
                (sql.clone(), loc.line(), false)
            }
            _ => (String::new(), 0, false),
        };
        if let Record::Query {
            expected:
                QueryExpect::Results {
                    types: t,
                    sort_mode,
                    ..
                },
            ..
        } = &record
        {
            if let Ok(mut slot) = types.lock() {
                *slot = t.clone();
            }
            SORTED.store(
                matches!(
                    sort_mode,
                    Some(sqllogictest::SortMode::RowSort | sqllogictest::SortMode::ValueSort)
                ),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        if let (
            false,
            Record::Query {
                loc,
                conditions,
                connection,
                sql,
                retry,
                ..
            },
        ) = (is_query, &record)
        {
            record = Record::Statement {
                loc: loc.clone(),
                conditions: conditions.clone(),
                connection: connection.clone(),
                sql: sql.clone(),
                expected: sqllogictest::StatementExpect::Ok,
                retry: retry.clone(),
            };
        }
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(record)));
        let took = started.elapsed().as_secs_f64();
        if took > 1.0 {
            notes.push(format!(
                "{file}:{line}: took {took:.1} s (debug build)\n  {sql}"
            ));
            if std::env::var_os("SQLITE_SLT_VERBOSE").is_some() {
                eprintln!("{}", notes.last().unwrap());
            }
        }
        if !is_query {
            let failed = match &outcome {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some("panicked".to_string()),
            };
            // a setting (DuckDB's `SET default_null_order = …`; budgetql's SET names a
            // parameter): every later answer may depend on it
            let first = sql.split_whitespace().next().unwrap_or("");
            if ["set", "pragma", "reset"].contains(&first.to_lowercase().as_str()) {
                diverged.push("*".into());
            }
            // a table (or view) made from one that holds other rows holds other rows
            if diverged.iter().any(|t| reads_table(&sql, t)) {
                diverged.extend(written_table(&sql));
            }
            if let Some(e) = failed {
                if !e.contains("expected to fail") {
                    // a refused statement that writes no table budgetql can name
                    // (ROLLBACK, EXECUTE, ATTACH, …) may change any later answer
                    diverged.push(written_table(&sql).unwrap_or_else(|| "*".into()));
                }
                notes.push(format!("{file}:{line}: statement failed: {e}\n  {sql}"));
            }
            continue;
        }
        match outcome {
            Ok(Ok(_)) => counts.right += 1,
            Ok(Err(e)) => match e.kind() {
                TestErrorKind::Fail { err, .. } => {
                    counts.refused += 1;
                    // a refused `WITH … MERGE INTO t`: t holds other rows
                    diverged.extend(written_table(&sql));
                    let msg = err.to_string();
                    // a refusal says where: `L:C: …`
                    if !msg
                        .split(':')
                        .next()
                        .is_some_and(|l| l.trim().parse::<usize>().is_ok())
                    {
                        notes.push(format!(
                            "{file}:{line}: refused without a position: {msg}\n  {sql}"
                        ));
                    } else {
                        notes.push(format!(
                            "{file}:{line}: refused: {}",
                            msg.lines().next().unwrap_or("")
                        ));
                    }
                }
                TestErrorKind::QueryResultMismatch { .. }
                    if style == Style::Sqlite && sql.contains('/') =>
                {
                    counts.dialect += 1
                }
                TestErrorKind::QueryResultMismatch { .. }
                    if diverged.iter().any(|t| reads_table(&sql, t)) =>
                {
                    counts.after_refused += 1;
                    notes.push(format!(
                        "{file}:{line}: differs after a refused statement wrote its table\n  {sql}"
                    ));
                }
                _ => {
                    counts.wrong += 1;
                    notes.push(format!("{file}:{line}: wrong answer\n  {sql}\n{e}"));
                }
            },
            Err(_) => {
                counts.crashed += 1;
                notes.push(format!("{file}:{line}: crashed (a panic)\n  {sql}"));
            }
        }
    }
    (counts, notes)
}

/// The table an INSERT, UPDATE, DELETE, MERGE, COPY, ALTER, TRUNCATE or CREATE TABLE
/// writes, or the view a CREATE VIEW makes (lower case).
fn written_table(sql: &str) -> Option<String> {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('"').to_lowercase())
        .filter(|w| {
            ![
                "if",
                "not",
                "exists",
                "or",
                "replace",
                "temp",
                "temporary",
                "only",
            ]
            .contains(&w.as_str())
        })
        .collect();
    let after = |k: &str| {
        words
            .iter()
            .position(|w| w == k)
            .and_then(|i| words.get(i + 1).cloned())
    };
    match words.first().map(|w| w.as_str()) {
        Some("insert") | Some("merge") => after("into"),
        Some("update") => words.get(1).cloned(),
        Some("delete") => after("from"),
        Some("copy") => words.get(1).cloned(),
        Some("alter") | Some("truncate") | Some("drop") => after("table"),
        Some("create") => after("table").or_else(|| after("view")),
        // WITH … MERGE INTO / INSERT INTO
        Some("with") if words.iter().any(|w| w == "merge" || w == "insert") => after("into"),
        _ => None,
    }
}

/// Whether a query names the table (as a whole word); every query reads `*`.
fn reads_table(sql: &str, table: &str) -> bool {
    if table == "*" {
        return true;
    }
    sql.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == table)
}

/// The files the default run reads: all of them (select4 and select5, whose comma joins
/// of up to 64 tables were once built as cross products, run in seconds since
/// `src/query/joins.rs` plans them).
const DEFAULT_FILES: &str = "select,in,slt_lang";

#[test]
fn sqlite_sqllogictest_sample() {
    let every: usize = std::env::var("SQLITE_SLT_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
        .max(1);
    let mut total = Counts::default();
    let mut failures = vec![];
    let mut report = String::from(
        "file                         right  wrong  dialect  after-refused  refused  crashed  skipped\n",
    );
    let only = std::env::var("SQLITE_SLT_FILES").unwrap_or_else(|_| DEFAULT_FILES.to_string());
    for f in files() {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if !only.is_empty() && !only.split(',').any(|o| name.starts_with(o)) {
            continue;
        }
        let started = std::time::Instant::now();
        let (c, notes) = run_file(&f, every, Style::Sqlite);
        eprintln!("{name}: {c:?} in {:.1} s", started.elapsed().as_secs_f64());
        report.push_str(&format!(
            "{name:<28} {:>5}  {:>5}  {:>7}  {:>13}  {:>7}  {:>7}  {:>7}\n",
            c.right, c.wrong, c.dialect, c.after_refused, c.refused, c.crashed, c.skipped
        ));
        if c.crashed > 0 || c.wrong > 0 {
            failures.extend(
                notes
                    .iter()
                    .filter(|n| n.contains("wrong answer") || n.contains("crashed"))
                    .cloned(),
            );
        }
        if std::env::var_os("SQLITE_SLT_VERBOSE").is_some() {
            for n in &notes {
                eprintln!("{n}");
            }
        }
        total.add(&c);
    }
    let n = total.total().max(1) as f64;
    report.push_str(&format!(
        "all {:>5} queries: {:.1} % right, {:.1} % wrong, {:.1} % dialect (integer division), {:.1} % after a refused statement, {:.1} % refused, {} crashed\n",
        total.total(),
        100.0 * total.right as f64 / n,
        100.0 * total.wrong as f64 / n,
        100.0 * total.dialect as f64 / n,
        100.0 * total.after_refused as f64 / n,
        100.0 * total.refused as f64 / n,
        total.crashed
    ));
    println!("{report}");
    assert!(
        failures.is_empty(),
        "{report}\n{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Directives of DuckDB's runner that the `sqllogictest` crate does not read (extensions,
/// loops, reconnects, settings): a file using one is skipped whole.
const DUCKDB_ONLY: &[&str] = &[
    "require",
    "require-env",
    "load",
    "loop",
    "foreach",
    "concurrentloop",
    "concurrentforeach",
    "endloop",
    "mode",
    "restart",
    "reconnect",
    "set",
    "reset",
    "unzip",
    "tags",
    "test-env",
    "sleep",
    "template",
    "cleanup",
];

/// Another suite in sqllogictest's format, written for DuckDB's runner (DuckDB's own
/// `test/sql/**/*.test`, which this repository does not keep): every query of every file
/// under `SLT_DIR` (or only those whose path contains one of `SLT_FILES`'s comma-separated
/// parts) counted as the SQLite files are, with values compared as DuckDB's runner
/// compares them. Files using DuckDB-only directives are skipped, and so are results
/// given as a hash. A wrong answer or a crash fails the test; the counts are printed.
///
/// `SLT_DIR=~/duckdb/test/sql cargo nextest run --test corpus --run-ignored only other_sqllogictest --no-capture`
#[test]
#[ignore = "needs SLT_DIR: a folder of sqllogictest files written for DuckDB's runner"]
fn other_sqllogictest() {
    let dir = PathBuf::from(
        std::env::var_os("SLT_DIR").expect("SLT_DIR names the folder of .test files"),
    );
    let only = std::env::var("SLT_FILES").unwrap_or_default();
    let mut files = vec![];
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "test")
                && (only.is_empty() || only.split(',').any(|o| p.to_string_lossy().contains(o)))
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let (mut total, mut skipped_files, mut failures) = (Counts::default(), 0, vec![]);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            skipped_files += 1; // not UTF-8
            continue;
        };
        let unreadable = text.lines().any(|l| {
            let w = l.split_whitespace().next().unwrap_or("");
            DUCKDB_ONLY.contains(&w)
        }) || sqllogictest::parse::<DefaultColumnType>(&text).is_err();
        if unreadable {
            skipped_files += 1;
            continue;
        }
        let name = f.strip_prefix(&dir).unwrap_or(f).display().to_string();
        let (c, notes) = run_file(f, 1, Style::Duckdb);
        for n in &notes {
            if n.contains("wrong answer") || n.contains("crashed") {
                failures.push(format!("{name}: {n}"));
            }
            if std::env::var_os("SLT_VERBOSE").is_some() {
                eprintln!("{n}");
            }
        }
        total.add(&c);
    }
    let n = total.total().max(1) as f64;
    let report = format!(
        "{} files ({skipped_files} skipped: DuckDB-only directives, or not UTF-8), {} queries: {:.1} % right, {} wrong, {} after a refused statement, {:.1} % refused, {} crashed, {} skipped",
        files.len(),
        total.total(),
        100.0 * total.right as f64 / n,
        total.wrong + total.dialect,
        total.after_refused,
        100.0 * total.refused as f64 / n,
        total.crashed,
        total.skipped
    );
    println!("{report}");
    assert!(failures.is_empty(), "{report}\n{}", failures.join("\n"));
}
