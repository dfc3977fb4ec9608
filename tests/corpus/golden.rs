//! Golden tests of the five real pdf-text documents: every table, every row, rendered as
//! CSV, compared by digest with tests/corpus/goldens.sha256 (the outputs hold the
//! documents' figures, so only their digests are committed). The outputs were reviewed
//! row by row against the documents when first written (the performance form's project,
//! goal and nine indicators against page 24 of the 建管委 excerpt).

use budgetql::model;
use budgetql::render::{render, Format, Options};

#[test]
fn pdf_layout_documents_every_table_every_row() {
    let docs = crate::ingest_pdf_text();
    assert_eq!(docs.iter().filter(|d| d.layout == "pdf-text").count(), 5);
    let mut outputs = vec![];
    for doc in &docs {
        for (table, df) in model::frames(doc).expect("frames") {
            let mut buf = vec![];
            render(&df, Format::Csv, &Options::default(), &mut buf).expect("render");
            let text = String::from_utf8(buf).expect("utf-8");
            outputs.push((format!("{}/{table}.csv", doc.source), text));
        }
    }
    crate::check_digests("goldens.sha256", &outputs);
}
