//! Query-semantics files (`tests/sql/*.slt`), sqllogictest style. Each block:
//!
//! ```text
//! query <name>          -- run, compare the CSV output (header + rows) exactly
//! SELECT …
//! ----
//! col,col
//! 1,2
//!
//! statement <name>      -- run, expect success and no rows to compare (SET, CREATE VIEW, …)
//! SET year = 2021
//!
//! error <name>          -- run, compare the error message exactly
//! SELEC 1
//! ----
//! 1:1: syntax error: …
//! ```
//!
//! Blocks run in order on one session over the bundled document, so SET and
//! CREATE VIEW carry over. The expected outputs were computed by hand from the
//! document (see the comments in each file), not by running budgetql.

use budgetql::render::{render, Format, Options};
use budgetql::{Output, Session};
use std::path::Path;

struct Block {
    kind: String,
    name: String,
    line: usize,
    sql: String,
    expected: String,
}

fn parse(text: &str) -> Vec<Block> {
    let mut out = vec![];
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.trim().is_empty() || l.starts_with('#') {
            i += 1;
            continue;
        }
        let (kind, name) = l.split_once(' ').unwrap_or((l, ""));
        assert!(
            matches!(kind, "query" | "statement" | "error"),
            "line {}: unknown block kind `{kind}`",
            i + 1
        );
        let start = i + 1;
        i += 1;
        let mut sql = vec![];
        while i < lines.len() && lines[i] != "----" && !lines[i].trim().is_empty() {
            sql.push(lines[i]);
            i += 1;
        }
        let mut expected = vec![];
        if i < lines.len() && lines[i] == "----" {
            i += 1;
            while i < lines.len() && !lines[i].is_empty() {
                expected.push(lines[i]);
                i += 1;
            }
        }
        out.push(Block {
            kind: kind.into(),
            name: name.into(),
            line: start,
            sql: sql.join("\n"),
            expected: expected.join("\n"),
        });
    }
    out
}

fn run_file(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut s = Session::bundled().unwrap();
    let mut failures = vec![];
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    for b in parse(&text) {
        let where_ = format!("{file}:{} ({})", b.line, b.name);
        let stmts = budgetql::query::split(&b.sql);
        assert_eq!(stmts.len(), 1, "{where_}: one statement per block");
        let res = s.engine.execute("", &stmts[0]);
        match (b.kind.as_str(), res) {
            ("query", Ok(Output::Frame(df))) => {
                let mut buf = vec![];
                render(&df, Format::Csv, &Options::default(), &mut buf).unwrap();
                let got = String::from_utf8(buf).unwrap();
                if got.trim_end() != b.expected {
                    failures.push(format!(
                        "{where_}: result differs\n--- got\n{}\n--- want\n{}",
                        got.trim_end(),
                        b.expected
                    ));
                }
            }
            ("statement", Ok(_)) => {}
            ("error", Err(e)) => {
                let got = e.to_string();
                if got.trim_end() != b.expected {
                    failures.push(format!(
                        "{where_}: error differs\n--- got\n{}\n--- want\n{}",
                        got.trim_end(),
                        b.expected
                    ));
                }
            }
            (_, Err(e)) => failures.push(format!("{where_}: unexpected error\n{e}")),
            (k, Ok(_)) => failures.push(format!("{where_}: expected {k} outcome, got success")),
        }
    }
    failures
}

#[test]
fn query_semantics_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "expected the .slt files in tests/sql");
    let failures: Vec<String> = files.iter().flat_map(|f| run_file(f)).collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
