//! `budgetql serve` through a client nobody here wrote: the ADBC Flight SQL driver
//! (`adbc-driver-flightsql` from PyPI) in tests/flight/adbc_client.py. The answers must
//! be the CLI's (compared as Arrow data, types included), errors keep their positions,
//! writes are refused, a token is enforced, and 8 clients × 200 statements at once, with
//! clients dying mid-result, lose nothing.
//!
//! Needs a Python with the driver: `BUDGETQL_TEST_PYTHON`, else `.venv/bin/python` in the
//! project, which the first test that needs it makes when it is missing (`python3 -m venv
//! .venv && .venv/bin/pip install -r tests/requirements.txt`, from PyPI).

use crate::common::*;
use budgetql::query::{self, Output};
use budgetql::Session;
use polars::prelude::*;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn python() -> PathBuf {
    let given = std::env::var_os("BUDGETQL_TEST_PYTHON").map(PathBuf::from);
    let p = given
        .clone()
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    if !has_client(&p) && given.is_none() {
        provision_venv();
    }
    assert!(
        has_client(&p),
        "the Flight SQL tests need a Python with the ADBC driver at {} (or BUDGETQL_TEST_PYTHON): \
         python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt",
        p.display()
    );
    p
}

/// Whether the Python at `p` has the clients the tests run: the ADBC driver and pyarrow,
/// SQLAlchemy's Flight SQL dialect and pandas.
fn has_client(p: &Path) -> bool {
    Command::new(p)
        .args([
            "-c",
            "import adbc_driver_flightsql.dbapi, pyarrow, flightsql.sqlalchemy, pandas",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Make the project's `.venv` with the test client (tests/requirements.txt from PyPI), so
/// that on a fresh machine `cargo nextest run` alone passes. nextest runs each test in a
/// process of its own: the first makes it while holding a lock (a directory made
/// atomically), the others wait for it.
fn provision_venv() {
    let lock = root().join(".venv-provisioning");
    let started = std::time::Instant::now();
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            // another test is making it; a lock older than 10 minutes was left by a run
            // that was killed
            Err(_) if started.elapsed() < std::time::Duration::from_secs(600) => {
                std::thread::sleep(std::time::Duration::from_millis(500));
                if has_client(&root().join(".venv/bin/python")) {
                    return;
                }
            }
            Err(_) => {
                let _ = std::fs::remove_dir(&lock);
            }
        }
    }
    eprintln!("making .venv with the Flight SQL test client (tests/requirements.txt) …");
    let venv = root().join(".venv");
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(root().join("tests/requirements.txt"))
            .status()
            .is_ok_and(|s| s.success());
    let _ = std::fs::remove_dir(&lock);
    assert!(
        ok,
        "could not make .venv with tests/requirements.txt (PyPI must be reachable)"
    );
}

/// A running `budgetql serve`, stopped when dropped.
struct Server {
    child: Child,
    uri: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Server {
    serve_with(&[], args)
}

fn serve_with(env: &[(&str, &str)], args: &[&str]) -> Server {
    let mut child = bin()
        .envs(env.iter().copied())
        .args(args)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout");
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .expect("the server says where it listens");
    let uri = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    assert!(uri.starts_with("grpc://127.0.0.1:"), "{uri}");
    Server { child, uri }
}

/// Run the ADBC client; returns (exit code, stdout, stderr).
fn client(args: &[&str]) -> (i32, String, String) {
    decode(
        Command::new(python())
            .arg(root().join("tests/flight/adbc_client.py"))
            .args(args)
            .output()
            .expect("python runs"),
    )
}

/// Send each statement once through the client (`adbc_client.py answers`), the answers
/// going to `out`; returns the statement list's file (for `load`).
fn answers(uri: &str, statements: &[String], out: &Path, token: Option<&str>) -> PathBuf {
    let list = out.with_extension("json");
    std::fs::write(&list, serde_json::to_string(statements).unwrap()).unwrap();
    let mut args = vec![
        "answers",
        uri,
        list.to_str().unwrap(),
        out.to_str().unwrap(),
    ];
    if let Some(t) = token {
        args.extend(["--token", t]);
    }
    let (code, _, err) = client(&args);
    assert_eq!(code, 0, "{err}");
    list
}

/// Every answer the client received is the one the CLI's engine gives.
fn assert_clis_answers(session: &Session, statements: &[String], out: &Path) {
    for (i, sql) in statements.iter().enumerate() {
        let got = received(out, i).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let want = local(session, sql);
        assert!(same(&got, &want), "{sql}:\nserver {got}\nCLI {want}");
    }
}

/// What the client received for statement `i`: a frame, or the error message.
fn received(out: &Path, i: usize) -> Result<DataFrame, String> {
    match std::fs::read_to_string(out.join(format!("{i}.err"))) {
        Ok(e) => Err(e),
        Err(_) => {
            let f = std::fs::File::open(out.join(format!("{i}.arrow")))
                .unwrap_or_else(|_| panic!("no answer for statement {i}"));
            Ok(IpcReader::new(f).finish().expect("an Arrow IPC file"))
        }
    }
}

/// The answer the CLI's engine gives in this process.
fn local(session: &Session, sql: &str) -> DataFrame {
    let st = query::split(sql).remove(0);
    let mut e = session.engine.clone();
    match e.execute("", &st) {
        Ok(Output::Frame(df)) | Ok(Output::Chart(df, _)) => df,
        other => panic!("{sql}: {other:?}"),
    }
}

/// Equal names, types and values; doubles within 1e-12 relative (a plain-SQL sum of
/// doubles, e.g. `SUM(CAST(x AS DOUBLE)) OVER (…)`, depends on the order rows arrive in,
/// which differs from run to run on several threads — in DuckDB too).
fn same(a: &DataFrame, b: &DataFrame) -> bool {
    if a.schema() != b.schema() || a.height() != b.height() {
        return false;
    }
    a.columns().iter().zip(b.columns()).all(|(x, y)| {
        if x.dtype().is_float() {
            let (x, y) = (
                x.cast(&DataType::Float64).unwrap(),
                y.cast(&DataType::Float64).unwrap(),
            );
            let (x, y) = (x.f64().unwrap(), y.f64().unwrap());
            let close = x.iter().zip(y.iter()).all(|(p, q)| match (p, q) {
                (Some(p), Some(q)) => (p - q).abs() <= 1e-12 * q.abs().max(1.0) || p == q,
                (None, None) => true,
                _ => false,
            });
            close
        } else {
            x.as_materialized_series()
                .equals_missing(y.as_materialized_series())
        }
    })
}

fn small_warehouse(name: &str) -> PathBuf {
    let dir = scratch(name).join("wh");
    ok(&[
        "gen",
        "--size",
        "small",
        "--years",
        "2019..=2021",
        "--seed",
        "3",
        "--into",
        dir.to_str().unwrap(),
    ]);
    dir
}

/// The .sql files of a project folder, in name order.
fn sql_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

/// Every benchmark question (each spelling), on a generated warehouse.
fn questions() -> Vec<String> {
    sql_files("benches/questions")
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().trim().to_string())
        .collect()
}

/// The statements of the saved scripts as a remote client sends them: a COPY's query
/// (the server writes no files), everything else as written.
fn saved_script_statements() -> Vec<String> {
    let copy = regex::Regex::new(r"(?is)^COPY\s*\((.*)\)\s*TO\s+'").unwrap();
    let mut out = vec![];
    for f in sql_files("queries") {
        for st in query::split(&std::fs::read_to_string(&f).unwrap()) {
            match copy.captures(&st.text) {
                Some(m) => out.push(m[1].trim().to_string()),
                None => out.push(st.text),
            }
        }
    }
    out
}

#[test]
fn a_flight_sql_client_gets_the_clis_answers() {
    let wh = small_warehouse("flight-answers");
    let mut statements = questions();
    statements.extend(
        [
            "AUDIT",
            "SHOW TABLES",
            "DESCRIBE indicators",
            "SELECT year, SHARE(SUM(budget)) AS s, YOY(SUM(budget)) AS g FROM projects GROUP BY year ORDER BY year",
            "SELECT * FROM projects WHERE year = 2020 ORDER BY project_code LIMIT 3",
            "SELECT COUNT(*) AS n FROM projects WHERE 1 = 0",
            "SELECT project_code, project_name, unit_name FROM projects ORDER BY budget DESC, project_code LIMIT 3",
        ]
        .map(String::from),
    );
    let dir = scratch("flight-answers-out");
    let out = dir.join("out");
    let server = serve(&["--data", wh.to_str().unwrap()]);
    answers(&server.uri, &statements, &out, None);
    let mut session = Session::open(&wh).unwrap();
    session.engine.streaming = true; // as the CLI and the server run a warehouse
    assert_clis_answers(&session, &statements, &out);
    for (i, sql) in statements.iter().enumerate() {
        // generated data reconciles: AUDIT finds nothing there
        let rows = received(&out, i).map(|d| d.height()).unwrap_or(0);
        assert!(
            rows > 0 || sql.contains("1 = 0") || sql == "AUDIT",
            "{sql}: no rows"
        );
    }

    // the saved scripts, on the bundled documents
    let statements = saved_script_statements();
    assert!(statements.len() >= 19, "{}", statements.len());
    let out = dir.join("out-bundled");
    let server = serve(&[]);
    answers(&server.uri, &statements, &out, None);
    assert_clis_answers(&Session::bundled().unwrap(), &statements, &out);
}

#[test]
fn errors_reach_the_client_located_and_writes_are_refused() {
    let statements: Vec<String> = [
        "SELECT year, dept_nme FROM projects",
        "SELECT year FROM projects WHERE",
        "COPY (SELECT 1) TO '/tmp/budgetql-flight-should-not-exist.csv'",
        "LOAD '/etc/passwd' AS p",
        "CREATE VIEW v AS SELECT 1",
        "SET min = 3",
        "SELECT 1; SELECT 2",
        "-- only a comment",
    ]
    .map(String::from)
    .to_vec();
    let dir = scratch("flight-errors");
    let out = dir.join("out");
    let server = serve(&[]);
    answers(&server.uri, &statements, &out, None);
    let e = |i: usize| received(&out, i).expect_err(&statements[i]);
    let unknown = e(0);
    assert!(unknown.contains("INVALID_ARGUMENT"), "{unknown}");
    assert!(
        unknown.contains("1:14: unknown column `dept_nme`"),
        "{unknown}"
    );
    assert!(
        unknown.contains("\n  SELECT year, dept_nme FROM projects\n               ^"),
        "{unknown}"
    );
    assert!(e(1).contains("syntax error"), "{}", e(1));
    assert!(
        e(2).contains("read-only and in safe mode: COPY writes files"),
        "{}",
        e(2)
    );
    assert!(!Path::new("/tmp/budgetql-flight-should-not-exist.csv").exists());
    assert!(e(3).contains("LOAD reads files"), "{}", e(3));
    assert!(
        e(4).contains("views and session tables would change the session"),
        "{}",
        e(4)
    );
    assert!(e(5).contains("SET would change"), "{}", e(5));
    assert!(
        e(6).contains("1:11: send one statement at a time"),
        "{}",
        e(6)
    );
    assert!(e(7).contains("empty"), "{}", e(7));
    // statements long and deep enough to exhaust a recursive front end: each answered
    // or refused with a message, and the server (one process for every client) lives
    let long: Vec<String> = vec![
        format!(
            "SELECT COUNT(*) AS n FROM ({}) AS t",
            vec!["SELECT 1 AS k"; 3000].join(" UNION ALL ")
        ),
        format!(
            "SELECT COUNT(*) AS n FROM projects WHERE {}",
            (0..10_000)
                .map(|i| format!("seq = {i}"))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        format!("SELECT {}1{} AS x", "(".repeat(1000), ")".repeat(1000)),
        format!(
            "SELECT * FROM {}(SELECT 1 AS x){}",
            "(SELECT * FROM ".repeat(600),
            " AS t)".repeat(600)
        ),
    ];
    let deep = dir.join("deep");
    answers(&server.uri, &long, &deep, None);
    for (i, st) in long.iter().enumerate() {
        match received(&deep, i) {
            Ok(df) => assert!(df.height() >= 1, "{}", &st[..60]),
            Err(m) => assert!(
                m.contains("INVALID_ARGUMENT") && !m.contains("UNAVAILABLE"),
                "{}: {m}",
                &st[..60]
            ),
        }
    }
    let n = received(&deep, 0).expect("a 3,000-term UNION ALL is answered");
    assert_eq!(
        n.column("n").unwrap().get(0).unwrap().extract::<i64>(),
        Some(3000)
    );
    // the server is still answering
    let after = dir.join("after");
    answers(
        &server.uri,
        &["SELECT COUNT(*) AS n FROM projects".into()],
        &after,
        None,
    );
    assert!(received(&after, 0).is_ok());
}

#[test]
fn a_token_is_required_when_given() {
    let dir = scratch("flight-token");
    let server = serve_with(&[("BUDGETQL_TOKEN", "s3cret")], &[]);
    let run = |name: &str, token: Option<&str>| {
        let out = dir.join(name);
        answers(
            &server.uri,
            &["SELECT COUNT(*) AS n FROM projects".into()],
            &out,
            token,
        );
        received(&out, 0)
    };
    let none = run("none", None).expect_err("no token");
    assert!(
        none.contains("UNAUTHENTICATED") && none.contains("needs a token"),
        "{none}"
    );
    let wrong = run("wrong", Some("guess")).expect_err("a wrong token");
    assert!(wrong.contains("wrong token"), "{wrong}");
    let right = run("right", Some("s3cret")).expect("the token");
    assert_eq!(right.height(), 1);
    // the scheme in lower case, as some clients send it
    let lower = run("lower", Some("header:bearer s3cret")).expect("`bearer` in lower case");
    assert_eq!(lower.height(), 1);
    // a username and password (the password is the token): the ADBC driver sends Basic
    // credentials without base64 padding in a handshake and needs a bearer token back
    let user = run("user", Some("user:analyst:s3cret")).expect("a username and password");
    assert_eq!(user.height(), 1);
}

#[test]
fn eight_clients_at_once_lose_nothing_while_others_disconnect_mid_result() {
    let wh = small_warehouse("flight-load");
    let mut statements = questions();
    statements.push(
        "SELECT year, dept_code, SUM(budget) AS b FROM projects GROUP BY ALL ORDER BY ALL".into(),
    );
    let dir = scratch("flight-load-out");
    let out = dir.join("out");
    let server = serve(&["--data", wh.to_str().unwrap()]);
    let list = answers(&server.uri, &statements, &out, None);
    let report = dir.join("load.json");
    let (code, stdout, err) = client(&[
        "load",
        &server.uri,
        list.to_str().unwrap(),
        out.to_str().unwrap(),
        "--clients",
        "8",
        "--statements",
        "200",
        "--disconnect",
        "SELECT i.* FROM indicators i CROSS JOIN (SELECT DISTINCT year AS y FROM projects) AS ys",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{err}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["answered"], 1600, "{r}");
    assert_eq!(r["errors"], 0, "{r}");
    assert_eq!(r["mismatches"], 0, "{r}");
    assert!(r["disconnected_mid_result"].as_u64().unwrap() >= 1, "{r}");
}

/// Results waiting for their clients hold at most `--result-memory` MB together: a
/// result larger than that is refused with a message saying what to do, and smaller
/// ones are still answered (issue 32: 40 unfetched results of a million rows took the
/// server from 124 MB to 2.5 GB).
#[test]
fn a_result_larger_than_the_result_memory_is_refused_and_small_ones_answer() {
    let wh = small_warehouse("flight-memory");
    let dir = scratch("flight-memory-out");
    // (`--result-memory 1`, given as its environment variable)
    let server = serve_with(
        &[("BUDGETQL_RESULT_MEMORY_MB", "1")],
        &["--data", wh.to_str().unwrap()],
    );
    let out = dir.join("out");
    answers(
        &server.uri,
        &[
            "SELECT a.project_name, b.level3 FROM projects a CROSS JOIN indicators b LIMIT 100000"
                .into(),
            "SELECT COUNT(*) AS n FROM projects".into(),
        ],
        &out,
        None,
    );
    let big = received(&out, 0).expect_err("a result over 1 MB");
    assert!(
        (big.contains("RESOURCE_EXHAUSTED") || big.contains("ResourceExhausted"))
            && big.contains("--result-memory")
            && big.contains("LIMIT"),
        "{big}"
    );
    assert_eq!(received(&out, 1).expect("a small result").height(), 1);
}

/// SQLAlchemy's Flight SQL dialect (flightsql-dbapi, what Superset uses) inspects the
/// server — its tables, a table's columns with text typed as text (not BLOB) — and runs a
/// query, and pandas reads it over the DB-API connection: the CLI's answer in both.
#[test]
fn sqlalchemy_and_pandas_read_what_the_cli_answers() {
    let server = serve(&[]);
    let port = server.uri.rsplit(':').next().expect("a port");
    let q = "SELECT unit_code, COUNT(*) AS n, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 1";
    let out = Command::new(python())
        .arg(root().join("tests/flight/sqlalchemy_client.py"))
        .args([port, q])
        .output()
        .expect("python runs");
    let (code, stdout, stderr) = decode(out);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let tables: Vec<&str> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tables.contains(&"projects") && tables.contains(&"indicators"),
        "{tables:?}"
    );
    let cols: Vec<(String, String)> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().into(), c[1].as_str().unwrap().into()))
        .collect();
    let ty = |n: &str| cols.iter().find(|(c, _)| c == n).map(|(_, t)| t.clone());
    assert_eq!(ty("project_name").as_deref(), Some("TEXT"), "{cols:?}");
    assert_eq!(ty("year").as_deref(), Some("INTEGER"), "{cols:?}");
    // the CLI's answer, row by row, through SQLAlchemy and through pandas
    let session = Session::bundled().expect("bundled");
    let local = local(&session, q);
    let expected: Vec<Vec<String>> = (0..local.height())
        .map(|i| {
            local
                .columns()
                .iter()
                .map(|c| match c.get(i).unwrap() {
                    AnyValue::String(s) => s.to_string(),
                    AnyValue::Decimal(m, _, s) => {
                        rust_decimal::Decimal::from_i128_with_scale(m, s as u32).to_string()
                    }
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let rows = |x: &serde_json::Value| -> Vec<Vec<String>> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    assert_eq!(v["keys"], serde_json::json!(["unit_code", "n", "budget"]));
    assert_eq!(rows(&v["rows"]), expected);
    assert_eq!(
        v["pandas"]["columns"],
        serde_json::json!(["unit_code", "n", "budget"])
    );
    assert_eq!(v["pandas"]["text"], serde_json::json!(["unit_code"]));
    // pandas reads a decimal as a float by default (coerce_float): the same number
    let number = |t: &str| t.parse::<f64>().ok();
    let got = rows(&v["pandas"]["rows"]);
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (g, e) in got.iter().zip(&expected) {
        for (a, b) in g.iter().zip(e) {
            match (number(a), number(b)) {
                (Some(x), Some(y)) if !b.starts_with('0') || b.contains('.') => {
                    assert!((x - y).abs() < 1e-9, "{got:?} vs {expected:?}")
                }
                _ => assert_eq!(a, b, "{got:?} vs {expected:?}"),
            }
        }
    }
}
