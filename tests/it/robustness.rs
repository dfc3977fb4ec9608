//! Structure-aware mutations of the bundled document (deleted, duplicated, swapped
//! and cut lines, broken numbers, lost tabs, stray bytes): ingest must return a
//! document or an error, never panic, and an ingested document must build its
//! frames and survive AUDIT. A deterministic generator, so a failure reproduces;
//! BUDGETQL_MUTATIONS=N runs more than the default 150.

use crate::common::BUNDLED;
use crate::mutation::{pdfs_never_panic, runs, texts_never_panic, Rng};
use budgetql::Session;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn mutated_documents_never_panic() {
    // the bundled document; the real pdf-text documents are mutated in the corpus target
    texts_never_panic(
        &[("qinhuangdao-etdz-zhengfawei-2021.txt", BUNDLED)],
        runs(150),
    );
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    ",",
    "'",
    "\"",
    ";",
    "SHARE(",
    "YOY(",
    "ROLLUP(",
    ":x",
    " OVER ()",
    " PIVOT (SUM(budget) FOR unit_code IN ('a'))",
    " GROUP BY 1",
    "*",
    "预算数",
    " ORDER BY",
    " QUALIFY",
    "--",
    "/*",
    "SUM(",
    " AS ",
    "0.1",
    "CAST(",
    " UNION ALL SELECT 1",
];

#[test]
fn mutated_queries_never_panic() {
    let runs = runs(150);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // the queries of the .slt files and the saved scripts
    let mut queries: Vec<String> = vec![];
    for dir in ["tests/sql", "queries"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap();
            for block in text.split("\n\n") {
                let body: Vec<&str> = block
                    .lines()
                    // comments out; the `----` that ends the query stays (it was
                    // dropped as a comment, so every query carried its expected answer)
                    .filter(|l| !l.starts_with('#') && (!l.starts_with("--") || *l == "----"))
                    .collect();
                let sql: Vec<&str> = body
                    .iter()
                    .skip_while(|l| {
                        l.starts_with("query")
                            || l.starts_with("error")
                            || l.starts_with("statement")
                    })
                    .take_while(|l| **l != "----")
                    .copied()
                    .collect();
                if !sql.is_empty() {
                    queries.push(sql.join("\n"));
                }
            }
        }
    }
    assert!(queries.len() > 40, "{}", queries.len());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut s = Session::bundled().unwrap();
    s.set_param("x", "1");
    let mut failures = vec![];
    let (mut answered, mut refused) = (0, 0);
    for run in 0..runs {
        let base = &queries[rng.below(queries.len())];
        let mut chars: Vec<char> = base.chars().collect();
        let at = rng.below(chars.len() + 1);
        let what = match rng.below(3) {
            0 => {
                let len = 1 + rng.below(8);
                let end = (at + len).min(chars.len());
                chars.drain(at..end);
                format!("delete {at}..{end}")
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                for (k, c) in t.chars().enumerate() {
                    chars.insert(at + k, c);
                }
                format!("insert {t:?} at {at}")
            }
            _ => {
                chars.truncate(at);
                format!("cut at {at}")
            }
        };
        let sql: String = chars.into_iter().collect();
        if sql.to_uppercase().contains("COPY") || sql.to_uppercase().contains("LOAD") {
            continue; // no file system writes from a fuzz loop
        }
        let mut s2 = s.clone();
        match catch_unwind(AssertUnwindSafe(|| s2.query(&sql).is_ok())) {
            Ok(true) => answered += 1,
            Ok(false) => refused += 1,
            Err(_) => failures.push(format!("run {run}: {what} in\n{base}\n=> {sql}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} panics:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        answered > 0 && refused > 0,
        "{answered} answered, {refused} refused"
    );
    eprintln!("{answered} answered, {refused} refused");
}

/// Damaged PDFs: bytes flipped, the file cut, runs zeroed or duplicated, in a PDF written
/// here (the real disclosures are damaged the same way in the corpus target). Every
/// outcome must be a document or an error naming the file, never a panic
/// (`BUDGETQL_MUTATIONS=N` runs more).
#[test]
fn mutated_pdfs_never_panic() {
    let bases = vec![
        crate::common::text_pdf("2021 budget 1,234.56"),
        crate::common::minimal_pdf(
            b"q 595 0 0 842 0 0 cm /Im1 Do Q",
            b"<< /XObject << /Im1 6 0 R >> >>",
            b"",
        ),
    ];
    pdfs_never_panic(&bases, runs(180) / 3);
}
