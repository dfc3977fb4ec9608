//! The differential corpus: random plain-SQL queries over a generated warehouse, with
//! DuckDB's answers checked in (`tests/sqldiff/corpus.slt`, made by
//! `tests/sqldiff/make_corpus.py`). Each query runs through budgetql as a user runs it
//! on a warehouse (`--data`, the streaming engine) and its answer is compared with the
//! reference: cell types exactly, text exactly, numbers to 10⁻⁶ absolute or 10⁻⁹
//! relative (money is exact to six places; quotients are DOUBLE in both engines). A query budgetql
//! refuses must say so in a located message; a wrong answer or a panic fails the test.
//!
//! `SQLDIFF_CORPUS=path` runs another corpus (a fresh seed, `tests/sqldiff/fresh.sh`);
//! `SQLDIFF_REPORT=path` writes every disagreement and refusal there.

use budgetql::{Output, Session};
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Num(f64),
    Text(String),
    Bool(bool),
}

struct Case {
    name: String,
    ordered: bool,
    sql: String,
    rows: Vec<Vec<Cell>>,
}

fn parse_cell(v: &serde_json::Value) -> Cell {
    match v {
        serde_json::Value::Null => Cell::Null,
        serde_json::Value::String(s) => match s.split_once(':') {
            Some(("n", n)) => Cell::Num(n.parse().unwrap_or(f64::NAN)),
            Some(("s", t)) => Cell::Text(t.to_string()),
            Some(("b", b)) => Cell::Bool(b == "true"),
            _ => panic!("bad cell {s}"),
        },
        other => panic!("bad cell {other}"),
    }
}

fn parse(text: &str) -> (Vec<(String, usize)>, Vec<Case>) {
    let mut counts = vec![];
    let mut cases = vec![];
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(rest) = l.strip_prefix("rows ") {
            for kv in rest.split_whitespace() {
                let (k, v) = kv.split_once('=').unwrap();
                counts.push((k.to_string(), v.parse().unwrap()));
            }
        }
        if let Some(rest) = l.strip_prefix("query ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap();
            let mode = words.next().unwrap_or("rowsort");
            let sql = lines[i + 1].to_string();
            assert_eq!(lines[i + 2], "----", "corpus line {}", i + 3);
            let mut rows = vec![];
            i += 3;
            while i < lines.len() && !lines[i].is_empty() {
                let v: Vec<serde_json::Value> = serde_json::from_str(lines[i]).unwrap();
                rows.push(v.iter().map(parse_cell).collect());
                i += 1;
            }
            cases.push(Case {
                name: name.into(),
                ordered: mode == "ordered",
                sql,
                rows,
            });
        }
        i += 1;
    }
    (counts, cases)
}

fn cells(df: &DataFrame) -> Vec<Vec<Cell>> {
    let cols: Vec<Column> = df
        .columns()
        .iter()
        .map(|c| {
            let dt = c.dtype();
            if dt.is_decimal() || dt.is_float() || dt.is_integer() {
                c.cast(&DataType::Float64).unwrap()
            } else {
                c.clone()
            }
        })
        .collect();
    (0..df.height())
        .map(|r| {
            cols.iter()
                .map(|c| match c.get(r).unwrap() {
                    AnyValue::Null => Cell::Null,
                    AnyValue::Float64(x) => Cell::Num(x),
                    AnyValue::Boolean(b) => Cell::Bool(b),
                    AnyValue::String(s) => Cell::Text(s.to_string()),
                    AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
                    other => Cell::Text(format!("{other}")),
                })
                .collect()
        })
        .collect()
}

fn same(a: &Cell, b: &Cell) -> bool {
    // money is exact to six decimal places; floating-point results agree to 10⁻⁹
    let (abs, rel) = (1.01e-6, 1e-9);
    match (a, b) {
        (Cell::Num(x), Cell::Num(y)) => {
            (x.is_nan() && y.is_nan())
                || x == y
                || (x - y).abs() <= abs + rel * x.abs().max(y.abs())
        }
        _ => a == b,
    }
}

fn key(r: &[Cell]) -> String {
    r.iter()
        .map(|c| match c {
            Cell::Null => "~".to_string(),
            Cell::Num(x) => format!("n{:.4}", x),
            Cell::Text(t) => format!("s{t}"),
            Cell::Bool(b) => format!("b{b}"),
        })
        .collect::<Vec<_>>()
        .join("\u{1}")
}

fn agree(case: &Case, got: &[Vec<Cell>]) -> Result<(), String> {
    if got.len() != case.rows.len() {
        return Err(format!("{} rows, expected {}", got.len(), case.rows.len()));
    }
    let row_same = |x: &Vec<Cell>, y: &Vec<Cell>| {
        x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
    };
    if case.ordered {
        for (i, (x, y)) in got.iter().zip(&case.rows).enumerate() {
            if !row_same(x, y) {
                return Err(format!("row {i}: got {x:?}, expected {y:?}"));
            }
        }
        return Ok(());
    }
    // as multisets: each expected row takes an equal row not taken yet (rows that differ
    // only within the tolerance sort either way)
    let mut a: Vec<&Vec<Cell>> = got.iter().collect();
    let mut b: Vec<&Vec<Cell>> = case.rows.iter().collect();
    a.sort_by_key(|r| key(r));
    b.sort_by_key(|r| key(r));
    let mut taken = vec![false; a.len()];
    for y in &b {
        match (0..a.len()).find(|&i| !taken[i] && row_same(a[i], y)) {
            Some(i) => taken[i] = true,
            None => return Err(format!("expected row {y:?} not found in {a:?}")),
        }
    }
    Ok(())
}

/// What happened to each query.
#[derive(Default)]
struct Tally {
    agree: usize,
    refused: Vec<String>,
    wrong: Vec<String>,
    panics: Vec<String>,
}

/// An engine error that is a caught panic, not a refusal.
fn is_internal(msg: &str) -> bool {
    msg.contains("internal error")
}

fn run_corpus(corpus: &Path) -> Tally {
    let text = std::fs::read_to_string(corpus).expect("the corpus file");
    let (counts, cases) = parse(&text);
    let dir: PathBuf = crate::common::scratch("sqldiff").join("wh");
    let (code, _, err) = crate::common::run(&[
        "gen",
        "--years",
        "2019..=2021",
        "--departments",
        "2",
        "--seed",
        "1",
        "--into",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut s = Session::open(&dir).expect("the generated warehouse opens");
    s.engine.streaming = true;
    for (t, n) in &counts {
        let df = s.query(&format!("SELECT COUNT(*) AS n FROM {t}")).unwrap();
        let got = df.column("n").unwrap().cast(&DataType::Int64).unwrap();
        assert_eq!(
            got.i64().unwrap().get(0),
            Some(*n as i64),
            "{t}: the generated warehouse differs from the one the corpus was answered on; regenerate it (tests/sqldiff/make_corpus.py)"
        );
    }
    let mut tally = Tally::default();
    for case in &cases {
        let stmts = budgetql::query::split(&case.sql);
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.engine.execute("", &stmts[0])
        }));
        let label = format!("{}: {}", case.name, case.sql);
        match res {
            Err(p) => {
                let m = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                tally.panics.push(format!("{label}\n  panic: {m}"));
            }
            Ok(Err(e)) if is_internal(&e.to_string()) => {
                tally.panics.push(format!("{label}\n  {e}"))
            }
            Ok(Err(e)) => tally.refused.push(format!("{label}\n  {e}")),
            Ok(Ok(Output::Frame(df))) => match agree(case, &cells(&df)) {
                Ok(()) => tally.agree += 1,
                Err(why) => tally.wrong.push(format!("{label}\n  {why}")),
            },
            Ok(Ok(_)) => tally.wrong.push(format!("{label}\n  not a result")),
        }
    }
    if let Some(p) = std::env::var_os("SQLDIFF_REPORT") {
        let mut out = format!(
            "{} queries: {} agree, {} refused, {} wrong, {} panics\n\n",
            cases.len(),
            tally.agree,
            tally.refused.len(),
            tally.wrong.len(),
            tally.panics.len()
        );
        for (what, xs) in [
            ("WRONG", &tally.wrong),
            ("PANIC", &tally.panics),
            ("REFUSED", &tally.refused),
        ] {
            for x in xs {
                out.push_str(&format!("{what} {x}\n\n"));
            }
        }
        std::fs::write(p, out).unwrap();
    }
    tally
}

/// `tests/sqldiff/known.txt`: the checked-in corpus's documented differences (`qN why`)
/// and the most refusals allowed (`max-refusals N`), both only ever lowered.
fn known() -> (Vec<(String, String)>, usize) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sqldiff/known.txt"),
    )
    .expect("tests/sqldiff/known.txt");
    let mut diffs = vec![];
    let mut max = 0;
    for l in text.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(n) = l.strip_prefix("max-refusals ") {
            max = n.trim().parse().expect("max-refusals N");
        } else if let Some((id, why)) = l.split_once(' ') {
            diffs.push((id.to_string(), why.to_string()));
        }
    }
    (diffs, max)
}

#[test]
fn plain_sql_agrees_with_the_reference_engine() {
    let fresh = std::env::var_os("SQLDIFF_CORPUS").map(PathBuf::from);
    let corpus = fresh
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sqldiff/corpus.slt"));
    let t = run_corpus(&corpus);
    let n = t.agree + t.refused.len() + t.wrong.len() + t.panics.len();
    let (diffs, max_refusals) = if fresh.is_some() {
        (vec![], n / 20)
    } else {
        known()
    };
    assert!(fresh.is_some() || n >= 2000, "{n} queries");
    let id = |x: &String| x.split(':').next().unwrap_or_default().to_string();
    let wrong: Vec<&String> = t
        .wrong
        .iter()
        .filter(|w| !diffs.iter().any(|(k, _)| *k == id(w)))
        .collect();
    assert!(
        wrong.is_empty() && t.panics.is_empty(),
        "{} of {n} wrong, {} panics:\n{}\n{}",
        wrong.len(),
        t.panics.len(),
        wrong
            .iter()
            .take(10)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        t.panics
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // a documented difference that now agrees is taken off the list
    for (k, why) in &diffs {
        assert!(
            t.wrong.iter().any(|w| id(w) == *k),
            "{k} is listed in tests/sqldiff/known.txt ({why}) but no longer differs: remove it"
        );
    }
    assert!(
        t.refused.len() <= max_refusals,
        "{} of {n} refused (at most {max_refusals}):\n{}",
        t.refused.len(),
        t.refused
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // every refusal is located and says what to do, never a syntax-tree dump
    for r in &t.refused {
        let msg = r.lines().nth(1).unwrap_or_default();
        assert!(
            msg.trim_start()
                .split(':')
                .next()
                .is_some_and(|l| l.parse::<usize>().is_ok()),
            "a refusal without a position: {r}"
        );
    }
}
