//! The `budgetql` command: arguments only; the work is in the library.

use budgetql::ingest::{self, Document};
use budgetql::render::{self, Format};
use budgetql::{model, store, Error, Session};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

// With `--features mimalloc`: Polars allocates and frees large buffers per morsel, and
// glibc's malloc hands them back to the kernel and faults fresh pages in again (a
// quarter of q3's profile); mimalloc keeps them, faster but with a higher peak (see
// benches/RESULTS.md). Without the feature, `tune_allocator` has glibc keep them.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// glibc's malloc, tuned before any thread starts. By default it returns each freed buffer
/// over 128 KiB (up to 32 MiB as it adapts) to the kernel and faults fresh zeroed pages in
/// for the next: a quarter of q3's profile was page faults. Buffers up to 32 MiB come from
/// the heap, 128 MiB of free heap is kept for the next query, and the threads share one
/// arena per core instead of eight (which keeps the peak near the default's). Medium
/// warehouse, 2 cores, medians of 7 in process: q1 37 → 32 ms, q2 66 → 57, q3 100 → 80,
/// q4 151 → 135, q5 414 → 384, q6 78 → 66, q7 311 → 282; peak q5 213 → 310 MiB, q4 207 →
/// 189, the others 9–17 MiB higher (benches/RESULTS.md). A long-running `serve` keeps up
/// to 128 MiB of free heap per arena between queries. The same settings given in
/// `GLIBC_TUNABLES` take precedence.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
fn tune_allocator() {
    let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = i32::try_from(cores.max(2)).unwrap_or(i32::MAX);
    for (name, param, value) in [
        ("glibc.malloc.arena_max", libc::M_ARENA_MAX, arenas),
        (
            "glibc.malloc.mmap_threshold",
            libc::M_MMAP_THRESHOLD,
            32 << 20,
        ),
        (
            "glibc.malloc.trim_threshold",
            libc::M_TRIM_THRESHOLD,
            128 << 20,
        ),
    ] {
        if !tunables.contains(name) {
            // SAFETY: mallopt only sets allocator parameters; called before any thread
            // exists. It returns 0 for a value it refuses, which leaves the default.
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
fn tune_allocator() {}

const ABOUT: &str = "Query public budget disclosures (部门预算信息公开) with SQL.";

/// The long help's closing text: the static part, then the extensions and statements
/// from their registries (so `--help` cannot drift from the engine).
fn after_help() -> String {
    let (head, examples) = AFTER_HELP
        .split_once("Examples:")
        .unwrap_or((AFTER_HELP, ""));
    let mut s = head.trim_end().to_string();
    s.push_str("\n  Extensions:");
    for x in budgetql::query::extensions::EXTENSIONS {
        s.push_str(&format!("\n    {}\n        {}", x.usage, x.help));
    }
    s.push_str("\n  Statements:");
    for usage in budgetql::query::command_usages() {
        s.push_str(&format!("\n    {usage}"));
    }
    s.push_str("\n\nExamples:");
    s.push_str(examples);
    s
}

const AFTER_HELP: &str = "\
Data:
  With no --data, budgetql answers from its bundled document (compiled into the
  binary): the 2021 budget of the Qinhuangdao ETDZ 政法委. Your own PDFs go in with
  `budgetql ingest FILE.pdf… --into DIR` (or `LOAD 'FILE.pdf'` in a session); many
  years of synthetic budgets with `budgetql gen --size small --into DIR`.
  With --data DIR (or BUDGETQL_DATA) it scans a warehouse made by `budgetql ingest`
  or `budgetql gen`.
  With no -c/-f and a terminal on standard input, budgetql opens an interactive
  shell (history in $XDG_DATA_HOME/budgetql/history; `.help` lists its commands).

Tables:
  departments, units, budget_lines, three_public, procurement, assets,
  func_classes, projects, project_goals, disbursement, indicators
  spending_by_function, spending_by_economic, income_by_source, stated_subtotals
  (money is exact: Decimal(38,6) in 万元; every row keeps `source`, `page` and `line`)
  audit_findings: what AUDIT finds (computed when first read)

SQL: SELECT/WITH as SQL means it (checked against DuckDB; see the README), CREATE/DROP
  VIEW and :params, plus the budget extensions and statements below.

Examples:
  budgetql -c \"SELECT COUNT(*) FROM projects\"
  budgetql --format csv -c \"SELECT unit_code, SUM(budget) FROM projects GROUP BY 1 ORDER BY 1\"
  budgetql -f queries/project_spending_by_unit.sql
  budgetql --param min=100 -c \"SELECT project_name, budget FROM projects WHERE budget >= :min\"
  budgetql -c \"SELECT unit_name, SUM(budget), SHARE(SUM(budget)) FROM projects GROUP BY 1\"
  budgetql audit
  echo \"SELECT * FROM three_public\" | budgetql --format markdown
  budgetql ingest report.pdf other.pdf --into warehouse && budgetql --data warehouse -c \"SHOW TABLES\"
  budgetql ingest --check report.pdf
  budgetql text report.pdf --page 7

Exit status: 0 on success, 1 on any error (message on stderr), 2 on bad arguments.";

#[derive(Parser, Debug)]
#[command(name = "budgetql", version, about = ABOUT, after_help = after_help())]
struct Cli {
    /// Run a SQL statement (or several, separated by `;`). Repeatable; runs in order with -f.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    command: Vec<String>,

    /// Run a SQL script file (statements separated by `;`, `--` comments). Repeatable.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    format: Format,

    /// A warehouse folder made by `budgetql ingest --into DIR` (default: the bundled documents).
    #[arg(long, value_name = "DIR", env = "BUDGETQL_DATA", global = true)]
    data: Option<PathBuf>,

    /// Bind a `:name` parameter, e.g. --param year=2021. Numbers stay numbers and other words
    /// become text; quote a number meant as text: --param unit="'216001'".
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,

    /// Rows shown by the table format before the middle is elided.
    #[arg(long, value_name = "N", default_value_t = 200)]
    max_rows: usize,

    /// Refuse every statement that reads or writes files (LOAD, COPY … TO), e.g. to run a
    /// script someone else wrote. The -f files given here are still read.
    #[arg(long)]
    safe: bool,

    /// Go on after a failing statement (the exit status is still 1).
    #[arg(long)]
    continue_on_error: bool,

    /// Print each statement before its result.
    #[arg(long)]
    echo: bool,

    /// Print how long each statement took (to standard error, like the shell's `.timer on`).
    #[arg(long)]
    timer: bool,

    /// Which Polars engine runs queries: `streaming` keeps memory bounded on a warehouse
    /// larger than RAM and is faster on large scans; `memory` is the in-memory engine;
    /// `auto` (default) streams a --data warehouse and keeps in-memory data in memory.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto, value_name = "ENGINE")]
    engine: EngineChoice,

    /// A file mapping department names to keys (`name,key` per line), for a body printed
    /// differently across years that the built-in rules do not match; see
    /// `departments.key_rule` for how each key was made.
    #[arg(long, value_name = "FILE", env = "BUDGETQL_DEPT_MAP", global = true)]
    dept_map: Option<PathBuf>,

    /// The unit money is shown in (stored in 万元).
    #[arg(long, value_enum, default_value_t = budgetql::render::MoneyUnit::Wan, global = true)]
    money: budgetql::render::MoneyUnit,

    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum EngineChoice {
    Auto,
    Streaming,
    Memory,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Reconcile disclosures against themselves: totals vs parts, sentences vs tables,
    /// changes vs years. Prints the findings (also queryable as `audit_findings`).
    #[command(after_help = "\
Without FILE, audits --data DIR (or the bundled documents). The rules (R1-R26) are
listed in the README. Exit status is 0 whether or not there are findings.

Examples:
  budgetql audit
  budgetql audit reports/*.pdf --format csv
  budgetql -c \"SELECT rule, COUNT(*) FROM audit_findings GROUP BY rule\"")]
    Audit {
        /// Disclosure files (PDF or text) to ingest in memory and audit.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Ingest disclosure documents (PDF, or UTF-8 text) into a Parquet warehouse, or check them.
    #[command(after_help = "\
Examples:
  budgetql ingest reports/*.pdf --into warehouse
  budgetql ingest --check report.pdf

A PDF is read through its text layer (`budgetql text FILE` shows it); a scanned PDF
without text must be OCRed first. Messages and --check name the page and line.

The warehouse holds one Parquet file per table, year and document
(DIR/projects/year=2021/<document>.parquet) and a manifest.json with each
document's sha256 and row counts. Ingesting a document again replaces its rows.")]
    Ingest {
        /// Disclosure files: PDFs as published, or text (a .doc saved as text, or a PDF's text).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The warehouse folder to write (created when missing).
        #[arg(long, value_name = "DIR", required_unless_present = "check")]
        into: Option<PathBuf>,
        /// Print rows recognised per table, warnings, and every skipped region.
        #[arg(long)]
        check: bool,
        /// Refuse the whole ingest (nothing written) when a document has warnings (a
        /// figure not read with certainty); without it they are ingested and listed.
        #[arg(long)]
        strict: bool,
    },
    /// Print the text layer budgetql reads from a PDF: its lines, page by page, as the
    /// ingest numbers them (attach this to a bug report about a PDF).
    #[command(after_help = "\
Each page starts with `=== page N ===`; each printed line is one line, its words
separated by one space. The output is itself a document budgetql can ingest
(`budgetql text x.pdf > x.txt && budgetql ingest --check x.txt` reads the same).
With --positions every line is prefixed by its line number (as ingest messages
and the `line` column count them) and baseline, and every word by its x extent in
points from the page's left edge: what the table reader lines figures up by.

Examples:
  budgetql text report.pdf --page 7
  budgetql text report.pdf --positions --page 7")]
    Text {
        /// The PDF file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Only this page (1-based; repeatable).
        #[arg(long, value_name = "N")]
        page: Vec<usize>,
        /// Show line numbers, baselines and word positions.
        #[arg(long)]
        positions: bool,
    },
    /// Serve the warehouse (or the bundled documents) over Arrow Flight SQL, read-only, for
    /// BI tools, notebooks and scripts (ADBC or JDBC Flight SQL drivers).
    #[command(after_help = "\
Each statement runs as in the CLI (the dialect, AUDIT, the warehouse) on its own copy
of the session, in safe mode: LOAD, COPY, SET and CREATE/DROP VIEW are refused, and
nothing one client does changes what another sees. Results go out as Arrow record
batches; errors come back with the CLI's located messages (INVALID_ARGUMENT).

Prints `listening on grpc://HOST:PORT` on standard output once clients can connect;
Ctrl-C stops. Bind beyond 127.0.0.1 only with a --token (and behind TLS, e.g. a
reverse proxy: the server itself speaks plain gRPC).

Examples:
  budgetql --data warehouse serve
  budgetql --data warehouse serve --listen 0.0.0.0:8815 --token \"$(openssl rand -hex 16)\"
  # Python: pip install adbc-driver-flightsql pyarrow
  #   import adbc_driver_flightsql.dbapi as f
  #   with f.connect(\"grpc://127.0.0.1:8815\", autocommit=True) as c, c.cursor() as cur:
  #       cur.execute(\"SELECT year, SUM(budget) FROM projects GROUP BY 1\")
  #       print(cur.fetch_arrow_table())")]
    Serve {
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8815", value_name = "HOST:PORT")]
        listen: String,
        /// A token every client must send (`authorization: Bearer TOKEN`, or as the password).
        #[arg(
            long,
            env = "BUDGETQL_TOKEN",
            value_name = "TOKEN",
            hide_env_values = true
        )]
        token: Option<String>,
        /// Statements run at once, sharing the cores; more wait their turn (default: four
        /// times the cores, at least 8, so a quick statement is answered while slow ones run).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
        /// Memory the results waiting for their clients may hold together, in MB: the
        /// oldest unfetched go first to make room; a larger result is refused (default 1024).
        #[arg(long, value_name = "MB", env = "BUDGETQL_RESULT_MEMORY_MB")]
        result_memory: Option<usize>,
    },
    /// Print the SQL a budgetql query lowers to for another engine (DuckDB, Spark SQL): the
    /// extensions (SHARE, YOY, ROLLUP, PIVOT, :params) as standard SQL, for a cluster.
    #[command(after_help = "\
Names and types are checked against the data (--data DIR, or the bundled documents)
as for a query, parameters (--param) are bound, and each statement is printed with a
`;`. A CHART's or COPY's query prints as the query; other budgetql statements (AUDIT,
SHOW TABLES, …) have no SQL equivalent and are refused. `--dialect polars` prints what
budgetql itself runs.

With --tables (DuckDB), views over exactly the files the warehouse's manifest lists come
first, so the output runs as it is:
  budgetql --data warehouse sql --tables \"SELECT year, SHARE(SUM(budget)) FROM projects GROUP BY 1\" | duckdb
Spark reads the same files from manifest.json (see benches/scaleout/engines.py).

Examples:
  budgetql sql \"SELECT unit_name, SUM(budget), SHARE(SUM(budget)) FROM projects GROUP BY 1\"
  budgetql sql --dialect spark -f queries/spending_growth.sql
  budgetql --param y=2019 sql \"SELECT * FROM budget_lines WHERE year = :y\"")]
    Sql {
        /// The statements (budgetql SQL; several separated by `;`).
        #[arg(value_name = "SQL", required_unless_present_any = ["file", "tables"])]
        sql: Option<String>,
        /// Read the statements from a script file instead.
        #[arg(
            short = 'f',
            long = "file",
            value_name = "FILE",
            conflicts_with = "sql"
        )]
        file: Option<PathBuf>,
        /// The engine to print SQL for.
        #[arg(long, value_enum, default_value_t = budgetql::query::dialect::Dialect::Duckdb)]
        dialect: budgetql::query::dialect::Dialect,
        /// First print DuckDB views over the warehouse's committed files (needs --data).
        #[arg(long)]
        tables: bool,
    },
    /// Generate a warehouse of synthetic department budgets over many years (for
    /// benchmarks and tests), calibrated on the real documents.
    #[command(after_help = "\
Every contract table is filled, every total reconciles (AUDIT of generated data is
clean), and the output is the same for the same seed. Sizes (ten years):
  small    12 departments a year: about 4,000 projects, 28,000 indicators
  medium   4,000 departments: about 1.4 million projects, 10 million indicators
  large    44,000 departments: about 15 million projects, 102 million indicators
--departments overrides the size's count.

Examples:
  budgetql gen --size small --into /tmp/small
  budgetql gen --years 2012..=2021 --size medium --seed 7 --into /tmp/medium
  budgetql --data /tmp/medium -c \"SELECT year, SUM(budget) FROM projects GROUP BY 1 ORDER BY 1\"")]
    Gen {
        /// The years, as FIRST..=LAST (or one year).
        #[arg(long, default_value = "2012..=2021", value_name = "FIRST..=LAST")]
        years: String,
        /// small, medium or large.
        #[arg(long, default_value = "small", value_name = "SIZE")]
        size: String,
        /// Departments per year (overrides --size).
        #[arg(long, value_name = "N")]
        departments: Option<usize>,
        /// The random seed: the same seed gives the same warehouse.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The warehouse folder to create (must not hold a warehouse yet).
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
    },
}

/// `2012..=2021`, `2012..2021` (inclusive too) or `2021` → (first, last).
fn parse_years(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("--years {s}: expected FIRST..=LAST such as 2012..=2021, or one year");
    let t = s.trim();
    let (a, b) = match t.split_once("..") {
        Some((a, b)) => (a, b.trim_start_matches('=')),
        None => (t, t),
    };
    let a: i32 = a.trim().parse().map_err(|_| bad())?;
    let b: i32 = b.trim().parse().map_err(|_| bad())?;
    if !(1900..=2200).contains(&a) || !(1900..=2200).contains(&b) || a > b {
        return Err(bad());
    }
    Ok((a, b))
}

fn gen_cmd(
    years: &str,
    size: &str,
    departments: Option<usize>,
    seed: u64,
    into: &std::path::Path,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (first_year, last_year) = parse_years(years).map_err(Error::Usage)?;
    let size = budgetql::gen::Size::parse(size)
        .ok_or_else(|| Error::Usage(format!("--size {size}: expected small, medium or large")))?;
    let opts = budgetql::gen::Options {
        first_year,
        last_year,
        departments: departments.unwrap_or(size.departments()),
        seed,
    };
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let m = budgetql::gen::generate(into, &opts, &mut |done, total, p, i| {
        if tty {
            let width = 30;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} files  {p} projects  {i} indicators  {:.0?}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                started.elapsed()
            );
        }
    })?;
    if tty {
        eprintln!();
    }
    let rows = |t: &str| -> usize {
        m.documents
            .iter()
            .map(|d| d.rows.get(t).copied().unwrap_or(0))
            .sum()
    };
    writeln!(
        out,
        "generated {} departments × {} years into {}: {} projects, {} indicators, {} files, in {:.1?}",
        opts.departments,
        last_year - first_year + 1,
        into.display(),
        rows("projects"),
        rows("indicators"),
        m.documents.iter().map(|d| d.files.len()).sum::<usize>(),
        started.elapsed()
    )
    .map_err(|e| Error::from(budgetql::error::RenderError::from(e)))?;
    Ok(())
}

/// `year=2021` → ("year", "2021"); text values keep their quotes, bare words become text.
fn parse_param(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE (e.g. year=2021)"))?;
    let k = k.trim();
    if k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("`{k}` is not a parameter name"));
    }
    let v = v.trim();
    let v =
        if v.parse::<f64>().is_ok() || (v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2) {
            v.to_string()
        } else {
            format!("'{}'", v.replace('\'', "''"))
        };
    Ok((k.to_string(), v))
}

fn main() -> ExitCode {
    tune_allocator();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(cli, &matches, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // a closed pipe (`budgetql … | head`) is the reader's choice, not an error
        Err(budgetql::Error::Render(budgetql::error::RenderError::Io(e)))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = out.flush();
            eprintln!("budgetql: {e}");
            ExitCode::from(1)
        }
    }
}

/// The -c and -f arguments in command-line order.
fn scripts(cli: &Cli, m: &ArgMatches) -> Result<Vec<(String, String)>, Error> {
    let mut items: Vec<(usize, String, String)> = vec![];
    if let Some(idx) = m.indices_of("command") {
        for (i, sql) in idx.zip(&cli.command) {
            items.push((i, String::new(), sql.clone()));
        }
    }
    if let Some(idx) = m.indices_of("file") {
        for (i, path) in idx.zip(&cli.file) {
            let text =
                std::fs::read_to_string(path).map_err(|e| budgetql::error::QueryError::Script {
                    path: path.display().to_string(),
                    reason: if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file".into()
                    } else {
                        e.to_string()
                    },
                })?;
            items.push((i, format!("{}:", path.display()), text));
        }
    }
    items.sort_by_key(|x| x.0);
    Ok(items.into_iter().map(|(_, o, t)| (o, t)).collect())
}

fn run(cli: Cli, m: &ArgMatches, out: &mut dyn Write) -> Result<(), Error> {
    if let Some(map) = &cli.dept_map {
        budgetql::ingest::department::load_mapping(map)?;
    }
    if let Some(Cmd::Text {
        file,
        page,
        positions,
    }) = &cli.cmd
    {
        return text_cmd(file, page, *positions, out);
    }
    if let Some(Cmd::Ingest {
        files,
        into,
        check,
        strict,
    }) = &cli.cmd
    {
        return ingest_cmd(files, into.as_deref(), *check, *strict, out);
    }
    if let Some(Cmd::Gen {
        years,
        size,
        departments,
        seed,
        into,
    }) = &cli.cmd
    {
        return gen_cmd(years, size, *departments, *seed, into, out);
    }
    let opts = render::Options {
        max_rows: cli.max_rows,
        money: cli.money,
        ..Default::default()
    };
    if let Some(Cmd::Audit { files }) = &cli.cmd {
        let mut session = if !files.is_empty() {
            let mut docs = files
                .iter()
                .map(|f| ingest::ingest_file(f))
                .collect::<Result<Vec<_>, _>>()?;
            ingest::check_distinct_sources(&mut docs).map_err(|message| {
                budgetql::error::IngestError::Document {
                    file: "audit".into(),
                    message,
                }
            })?;
            Session::from_documents(&docs)?
        } else {
            match &cli.data {
                Some(dir) => Session::open(dir)?,
                None => Session::bundled()?,
            }
        };
        // the explanation is the point of an audit: show it whole
        let opts = render::Options {
            max_width: opts.max_width.max(160),
            ..opts
        };
        session.run("AUDIT", "", cli.format, &opts, out)?;
        return Ok(());
    }
    // before standard input is read: a server started with a pipe on its standard input
    // would otherwise wait for that pipe to close
    if let Some(Cmd::Sql {
        sql,
        file,
        dialect,
        tables,
    }) = &cli.cmd
    {
        return sql_cmd(
            &cli,
            sql.as_deref(),
            file.as_deref(),
            *dialect,
            *tables,
            out,
        );
    }
    if let Some(Cmd::Serve {
        listen,
        token,
        concurrency,
        result_memory,
    }) = &cli.cmd
    {
        let limits = (*concurrency, *result_memory);
        return serve_cmd(&cli, listen, token.clone(), limits, out);
    }
    let mut jobs = scripts(&cli, m)?;
    let interactive = std::io::stdin().is_terminal();
    if jobs.is_empty() && !interactive {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            budgetql::error::QueryError::Script {
                path: "<stdin>".into(),
                reason: e.to_string(),
            }
        })?;
        jobs.push(("<stdin>:".into(), text));
    }
    let mut session = open_session(&cli)?;
    if cli.safe {
        session.engine.set_safe();
    }
    session.timer = cli.timer;
    if jobs.is_empty() {
        // no query and a terminal: the interactive shell
        return budgetql::repl::run(session, cli.format, opts);
    }
    let mut failed: Option<Error> = None;
    for (origin, text) in jobs {
        let keep_going = cli.continue_on_error;
        let mut stop = false;
        session.run_each(&text, &origin, cli.format, &opts, cli.echo, out, &mut |e| {
            if keep_going {
                eprintln!("budgetql: {e}");
                failed.get_or_insert(e);
            } else {
                failed = Some(e);
                stop = true;
            }
            keep_going
        })?;
        if stop {
            break;
        }
    }
    match failed {
        // with --continue-on-error the messages were printed as they happened
        Some(e) if cli.continue_on_error => {
            Err(Error::Query(budgetql::error::QueryError::Execution {
                message: format!(
                    "some statements failed (the first: {})",
                    e.to_string().lines().next().unwrap_or("")
                ),
            }))
        }
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The session the arguments ask for: the warehouse (--data) or the bundled documents,
/// with the --param bindings and the --engine choice.
fn open_session(cli: &Cli) -> Result<Session, Error> {
    let mut session = match &cli.data {
        Some(dir) => Session::open(dir)?,
        None => Session::bundled()?,
    };
    for (k, v) in &cli.params {
        session.set_param(k, v);
    }
    session.engine.streaming = match cli.engine {
        EngineChoice::Streaming => true,
        EngineChoice::Memory => false,
        EngineChoice::Auto => cli.data.is_some(),
    };
    Ok(session)
}

fn sql_cmd(
    cli: &Cli,
    sql: Option<&str>,
    file: Option<&std::path::Path>,
    dialect: budgetql::query::dialect::Dialect,
    tables: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    use budgetql::query::dialect::Dialect;
    let (origin, text) = match (sql, file) {
        (_, Some(f)) => (
            format!("{}:", f.display()),
            std::fs::read_to_string(f).map_err(|e| budgetql::error::QueryError::Script {
                path: f.display().to_string(),
                reason: e.to_string(),
            })?,
        ),
        (Some(s), None) => (String::new(), s.to_string()),
        (None, None) if tables => (String::new(), String::new()),
        (None, None) => return Err(Error::Usage("sql: give the SQL, or -f FILE".into())),
    };
    if tables && dialect != Dialect::Duckdb {
        return Err(Error::Usage(
            "--tables prints DuckDB views; Spark reads the files manifest.json lists (see benches/scaleout/engines.py)".into(),
        ));
    }
    if tables && cli.data.is_none() {
        return Err(Error::Usage(
            "--tables needs a warehouse: --data DIR (made by `budgetql ingest` or `budgetql gen`)"
                .into(),
        ));
    }
    let mut session = open_session(cli)?;
    let w = |e: std::io::Error| Error::from(budgetql::error::RenderError::from(e));
    if let (true, Some(dir)) = (tables, &cli.data) {
        out.write_all(store::duckdb_views(dir)?.as_bytes())
            .map_err(w)?;
    }
    let statements = budgetql::query::split(&text);
    if statements.is_empty() && !tables {
        return Err(Error::Usage("sql: there is no statement to lower".into()));
    }
    for st in &statements {
        let lowered = session.engine.lower(&origin, st, dialect)?;
        writeln!(out, "{lowered};").map_err(w)?;
    }
    Ok(())
}

fn serve_cmd(
    cli: &Cli,
    listen: &str,
    token: Option<String>,
    (concurrency, result_memory): (Option<usize>, Option<usize>),
    out: &mut dyn Write,
) -> Result<(), Error> {
    use std::net::ToSocketAddrs;
    let addr = listen
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            Error::Usage(format!(
                "--listen {listen}: expected HOST:PORT such as 127.0.0.1:8815 (port 0 picks a free one)"
            ))
        })?;
    let token = token.filter(|t| !t.is_empty());
    if !addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "budgetql: warning: serving on {addr} without a token: anyone who can reach it can query the warehouse (--token)"
        );
    }
    let session = open_session(cli)?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let desc = session.description.clone();
    let opts = budgetql::serve::Options {
        listen: addr,
        token: token.clone(),
        concurrency: concurrency.unwrap_or((4 * cores).max(8)).max(1),
        result_memory: result_memory
            .map(|mb| mb.max(1).saturating_mul(1 << 20))
            .unwrap_or(budgetql::serve::RESULT_MEMORY),
    };
    budgetql::serve::serve(session, opts, |bound| {
        let _ = writeln!(out, "listening on grpc://{bound}");
        let _ = out.flush();
        eprintln!(
            "budgetql: serving {desc} over Arrow Flight SQL (read-only{}); Ctrl-C stops",
            if token.is_some() {
                ", token required"
            } else {
                ""
            }
        );
    })
}

fn text_cmd(
    file: &std::path::Path,
    pages: &[usize],
    positions: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let w = |e: std::io::Error| Error::from(budgetql::error::RenderError::from(e));
    let name = file.display().to_string();
    let bytes = ingest::read_file(file)?;
    if !budgetql::text_layer::is_pdf(&bytes) {
        return Err(Error::Usage(format!(
            "{name}: not a PDF file; `budgetql text` prints a PDF's text layer (a text document can be read as it is)"
        )));
    }
    let layer =
        budgetql::text_layer::read(&bytes).map_err(|p| budgetql::error::IngestError::Pdf {
            file: name.clone(),
            problem: p.to_string(),
        })?;
    if let Some(bad) = pages.iter().find(|p| **p == 0 || **p > layer.pages.len()) {
        return Err(Error::Usage(format!(
            "{name}: there is no page {bad}; the PDF has pages 1-{}",
            layer.pages.len()
        )));
    }
    use budgetql::text_layer::TextRow;
    let mut shown = true;
    for (i, row) in layer.rows().into_iter().enumerate() {
        let line = i + 1; // as the ingest, its messages and the `line` column number it
        match row {
            TextRow::Marker(n) => {
                shown = pages.is_empty() || pages.contains(&n);
                if shown {
                    writeln!(out, "=== page {n} ===").map_err(w)?;
                }
            }
            // between pages only when every page is printed
            TextRow::Blank if pages.is_empty() => writeln!(out).map_err(w)?,
            TextRow::Blank => {}
            TextRow::Line(_) if !shown => {}
            TextRow::Line(l) if positions => {
                let words: Vec<String> = l
                    .words
                    .iter()
                    .map(|wd| format!("[{:.1}-{:.1}]{}", wd.x0, wd.x1, wd.text))
                    .collect();
                writeln!(
                    out,
                    "{line:>5} y={:<6.1} size={:<4.1} {}",
                    l.y,
                    l.size,
                    words.join(" ")
                )
                .map_err(w)?;
            }
            TextRow::Line(l) => writeln!(out, "{}", l.text()).map_err(w)?,
        }
    }
    Ok(())
}

/// What of a document was not read with certainty: its warnings and the skipped regions
/// that hold figures; None when it was read whole.
fn partial(d: &Document) -> Option<String> {
    let skipped = d.skipped.iter().filter(|s| s.has_figures).count();
    let mut parts = vec![];
    if !d.warnings.is_empty() {
        parts.push(format!(
            "{} warning{}",
            d.warnings.len(),
            if d.warnings.len() == 1 { "" } else { "s" }
        ));
    }
    if skipped > 0 {
        parts.push(format!(
            "{skipped} skipped region{} with figures",
            if skipped == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Names for a message: the first ten, then how many more.
fn named<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = names.collect();
    let mut s = all.iter().take(10).copied().collect::<Vec<_>>().join(", ");
    if all.len() > 10 {
        s.push_str(&format!(" and {} more", all.len() - 10));
    }
    s
}

fn ingest_cmd(
    files: &[PathBuf],
    into: Option<&std::path::Path>,
    check: bool,
    strict: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let w = |e: std::io::Error| Error::from(budgetql::error::RenderError::from(e));
    let mut docs: Vec<Document> = vec![];
    for f in files {
        docs.push(ingest::ingest_file(f)?);
    }
    // the files of one disclosure (tables + narrative) are joined before anything is said
    ingest::combine(&mut docs);
    if check {
        for doc in &docs {
            report(doc, out).map_err(w)?;
        }
    }
    let partial_docs: Vec<(String, String)> = docs
        .iter()
        .filter_map(|d| partial(d).map(|p| (d.file.clone(), p)))
        .collect();
    let warned: Vec<String> = docs
        .iter()
        .filter(|d| !d.warnings.is_empty())
        .map(|d| format!("{} ({} warning(s))", d.file, d.warnings.len()))
        .collect();
    if strict && !warned.is_empty() {
        return Err(budgetql::error::IngestError::Document {
            file: "ingest --strict".into(),
            message: format!(
                "nothing written: {} document(s) have warnings: {}; `budgetql ingest --check FILE` lists them and where",
                warned.len(),
                named(warned.iter().map(|s| s.as_str()))
            ),
        }
        .into());
    }
    if let Some(dir) = into {
        ingest::check_distinct_sources(&mut docs).map_err(|message| {
            budgetql::error::IngestError::Document {
                file: "ingest".into(),
                message,
            }
        })?;
        let manifest = store::write(dir, &docs)?;
        for d in &docs {
            let total: usize = model::row_counts(d).iter().map(|(_, n)| n).sum();
            writeln!(
                out,
                "ingested {} ({}, {} rows{}) into {}",
                d.file,
                d.year,
                total,
                partial(d).map(|p| format!("; {p}")).unwrap_or_default(),
                dir.display()
            )
            .map_err(w)?;
        }
        writeln!(
            out,
            "warehouse {} now holds {} document(s)",
            dir.display(),
            manifest.documents.len()
        )
        .map_err(w)?;
        if !partial_docs.is_empty() {
            writeln!(
                out,
                "{} of {} document(s) not read whole (warnings, or skipped regions with figures): {}; `budgetql ingest --check FILE` lists what and where, --strict refuses documents with warnings",
                partial_docs.len(),
                docs.len(),
                named(partial_docs.iter().map(|(f, _)| f.as_str()))
            )
            .map_err(w)?;
        }
    }
    Ok(())
}

/// The --check report of one document.
fn report(doc: &Document, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: year {}, {}, department {} ({}), sha256 {}",
        doc.file,
        doc.year,
        if doc.phase == "final" {
            "final accounts (决算)"
        } else {
            "budget (预算)"
        },
        doc.dept_name,
        doc.dept_code,
        &doc.sha256[..12.min(doc.sha256.len())]
    )?;
    writeln!(
        out,
        "  department key: {} ({}); {}{}",
        doc.dept_code,
        doc.key_rule,
        if doc.level == "unit" {
            "a unit's document (单位预算/决算): part of its department's"
        } else {
            "the department's own document (部门预算/决算)"
        },
        if doc.disclosure != doc.source {
            format!(
                "; one disclosure with the other file(s) of `{}`",
                doc.disclosure
            )
        } else {
            String::new()
        }
    )?;
    writeln!(out, "  layout: {}", ingest::layout_about(doc.layout))?;
    writeln!(out, "  rows recognised:")?;
    for (t, n) in model::row_counts(doc) {
        writeln!(out, "    {t:<21} {n:>5}")?;
    }
    if doc.warnings.is_empty() {
        writeln!(out, "  warnings: none")?;
    } else {
        writeln!(out, "  warnings ({}):", doc.warnings.len())?;
        for wn in &doc.warnings {
            writeln!(out, "    {}: {}", doc.at(wn.line), wn.message)?;
        }
    }
    let with_figures = doc.skipped.iter().filter(|s| s.has_figures).count();
    writeln!(
        out,
        "  skipped regions ({}, {} with figures):",
        doc.skipped.len(),
        with_figures
    )?;
    for s in &doc.skipped {
        let range = match (doc.page_of(s.first_line), doc.page_of(s.last_line)) {
            (Some(a), Some(b)) if a == b && s.first_line == s.last_line => {
                format!("page {a}:line {}", s.first_line)
            }
            (Some(a), Some(b)) if a == b => {
                format!("page {a}:lines {}-{}", s.first_line, s.last_line)
            }
            (Some(a), Some(b)) => format!("pages {a}-{b}:lines {}-{}", s.first_line, s.last_line),
            _ if s.first_line == s.last_line => format!("{}", s.first_line),
            _ => format!("{}-{}", s.first_line, s.last_line),
        };
        let flag = if s.has_figures { "  [has figures]" } else { "" };
        writeln!(
            out,
            "    {}:{range} {} `{}`{flag}",
            doc.file, s.kind, s.preview
        )?;
    }
    Ok(())
}
