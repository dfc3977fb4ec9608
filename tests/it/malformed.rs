//! The malformed-document corpus (tests/malformed/, derived from the bundled
//! documents by tests/malformed/make.py, PDFs among them): each file must be refused with the kind
//! of error and the line that expected.tsv states, without a panic.

use budgetql::error::IngestError;
use budgetql::ingest::ingest_file;
use std::path::Path;

#[test]
fn every_malformed_document_gets_its_error_and_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut failures = vec![];
    let mut n = 0;
    for row in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = row.split('\t').collect();
        let (file, kind, line, text) = (f[0], f[1], f[2], f[3]);
        n += 1;
        let err = match ingest_file(&dir.join(file)) {
            Ok(_) => {
                failures.push(format!("{file}: was accepted"));
                continue;
            }
            Err(e) => e,
        };
        let got_kind = match &err {
            IngestError::Malformed { .. } => "malformed",
            IngestError::Empty { .. } => "empty",
            IngestError::NotText { .. } => "not-text",
            IngestError::Document { .. } => "document",
            IngestError::Io { .. } => "io",
            IngestError::Pdf { .. } => "pdf",
        };
        let got_line = err
            .line()
            .map(|l| l.to_string())
            .unwrap_or_else(|| "-".into());
        let msg = err.to_string();
        if got_kind != kind || got_line != line || !msg.contains(text) {
            failures.push(format!("{file}: want {kind} at {line} containing `{text}`, got {got_kind} at {got_line}: {msg}"));
        }
    }
    assert!(
        n >= 30,
        "the corpus must hold at least 30 documents, it has {n}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
