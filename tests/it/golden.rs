//! Golden tests of the ingest of the bundled document: every table, every row,
//! rendered as CSV into tests/golden/<table>.csv. Set UPDATE_GOLDEN=1 to rewrite
//! the files after a deliberate change, then review the diff. (The real pdf-text
//! documents' goldens are in the corpus target, tests/corpus/golden.rs.)

use budgetql::ingest::ingest_bundled;
use budgetql::model;
use budgetql::render::{render, Format, Options};
use std::path::Path;

/// Compare every table of one document with its golden CSV files in `dir`.
pub fn golden(doc: &budgetql::Document, dir: &Path, failures: &mut Vec<String>) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    std::fs::create_dir_all(dir).expect("golden folder");
    for (table, df) in model::frames(doc).expect("frames") {
        let mut buf = vec![];
        render(&df, Format::Csv, &Options::default(), &mut buf).expect("render");
        let got = String::from_utf8(buf).expect("utf-8");
        let path = dir.join(format!("{table}.csv"));
        if update {
            std::fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "missing golden file {}; run with UPDATE_GOLDEN=1",
                path.display()
            )
        });
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .enumerate()
                .find(|(_, (g, w))| g != w);
            failures.push(match first {
                Some((i, (g, w))) => format!(
                    "{}: {table}: line {} differs\n  got:  {g}\n  want: {w}",
                    doc.source,
                    i + 1
                ),
                None => format!(
                    "{}: {table}: {} lines, golden has {}",
                    doc.source,
                    got.lines().count(),
                    want.lines().count()
                ),
            });
        }
    }
}

#[test]
fn bundled_document_every_table_every_row() {
    let doc = ingest_bundled().expect("the bundled document ingests");
    let mut failures = vec![];
    golden(
        &doc,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        &mut failures,
    );
    assert!(
        failures.is_empty(),
        "golden mismatch:\n{}",
        failures.join("\n")
    );
}

#[test]
fn bundled_document_counts_and_report() {
    let doc = ingest_bundled().unwrap();
    let counts: Vec<(&str, usize)> = model::row_counts(&doc);
    let get = |t: &str| counts.iter().find(|(n, _)| *n == t).unwrap().1;
    // counted by hand in the document: 49 project tables (TC 1 … TC 49)
    assert_eq!(get("projects"), 49);
    assert_eq!(get("disbursement"), 49 * 4);
    // 24 tables with 6 indicator rows, 24 with 7, one with 8 (counted with a script over the text)
    assert_eq!(get("indicators"), 24 * 6 + 24 * 7 + 8);
    assert_eq!(get("units"), 3);
    assert_eq!(get("assets"), 6);
    // 合计, one 小计, five items
    assert_eq!(get("procurement"), 7);
    assert_eq!(doc.year, 2021);
    assert_eq!(doc.dept_code, "216");
    // every table is recognised: what is left is prose
    assert!(
        doc.skipped.iter().all(|s| s.kind == "text"),
        "{:?}",
        doc.skipped
            .iter()
            .filter(|s| s.kind != "text")
            .collect::<Vec<_>>()
    );
    // the only prose with a money figure is the performance narrative (lines 296-453), whose
    // figure is a past amount, not this budget: "2019年区中心上报区一级司法救助资金预算30万元" (line 330)
    let with_figures: Vec<(usize, usize)> = doc
        .skipped
        .iter()
        .filter(|s| s.has_figures)
        .map(|s| (s.first_line, s.last_line))
        .collect();
    assert_eq!(with_figures, vec![(296, 453)]);
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
}
