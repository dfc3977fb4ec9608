//! Ingest throughput: the 2021 document (doc-tabbed) and the four PDF-text documents,
//! text → typed records and records → Polars frames; bytes/s and documents/s.
//! Run with `cargo bench --bench ingest`.

use budgetql::ingest::{ingest_bytes, BUNDLED, BUNDLED_TEXT};
use budgetql::model;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn ingest(c: &mut Criterion) {
    let bytes = BUNDLED_TEXT.as_bytes();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse bundled document", |b| {
        b.iter(|| ingest_bytes("bundled.txt", black_box(bytes)).expect("ingests"))
    });
    let doc = ingest_bytes("bundled.txt", bytes).expect("ingests");
    g.bench_function("records to frames", |b| {
        b.iter(|| model::frames(black_box(&doc)).expect("frames"))
    });
    g.bench_function("parse + frames", |b| {
        b.iter(|| {
            let d = ingest_bytes("bundled.txt", black_box(bytes)).expect("ingests");
            model::frames(&d).expect("frames")
        })
    });
    g.finish();

    // documents per second, each layout
    let mut g = c.benchmark_group("documents");
    g.throughput(Throughput::Elements(1));
    g.bench_function("doc-tabbed (2021 district, 125 KiB)", |b| {
        b.iter(|| ingest_bytes("bundled.txt", black_box(bytes)).expect("ingests"))
    });
    let pdf: Vec<&str> = vec![
        include_str!("../tests/pdf_text/jiangsu_high_court_2019_dept_budget.txt"),
        include_str!("../tests/pdf_text/jiangsu_procuratorate_2019_dept_budget.txt"),
        include_str!("../tests/pdf_text/shanghai_putuo_justice_bureau_2026_dept_budget.txt"),
        include_str!("../tests/pdf_text/shanghai_putuo_planning_resources_2024_final_accounts.txt"),
    ];
    let total: usize = pdf.iter().map(|t| t.len()).sum();
    g.throughput(Throughput::Elements(pdf.len() as u64));
    g.bench_function(
        format!("pdf-text (the four corpus documents, {} KiB)", total / 1024),
        |b| {
            b.iter(|| {
                for t in &pdf {
                    ingest_bytes("d.txt", black_box(t.as_bytes())).expect("ingests");
                }
            })
        },
    );
    // PDF → typed records, one document at a time (text layer + layout)
    for (name, bytes) in BUNDLED.iter().filter(|(n, _)| n.ends_with(".pdf")) {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("pdf {name}"), |b| {
            b.iter(|| ingest_bytes(name, black_box(bytes)).expect("ingests"))
        });
    }
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
