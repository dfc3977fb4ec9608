//! Ingest throughput: the 2021 document (doc-tabbed) and, from the shared corpus of real
//! disclosures (`../shared/corpus`, or `BUDGETQL_CORPUS=DIR`; never part of the
//! repository), its four PDF-text documents and its PDFs: text → typed records and
//! records → Polars frames; bytes/s and documents/s. Without the corpus only the 2021
//! document is measured. Run with `cargo bench --bench ingest`.

use budgetql::ingest::{ingest_bytes, BUNDLED_TEXT};
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
    let corpus = std::env::var_os("BUDGETQL_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
        });
    let corpus = if corpus.join("pdf").is_dir() {
        corpus
    } else {
        corpus.join("..")
    };
    if !corpus.join("pdf").is_dir() {
        eprintln!(
            "no corpus at {}: the real documents are not measured",
            corpus.display()
        );
        g.finish();
        return;
    }
    let pdf: Vec<String> = [
        "jiangsu_high_court_2019_dept_budget",
        "jiangsu_procuratorate_2019_dept_budget",
        "shanghai_putuo_justice_bureau_2026_dept_budget",
        "shanghai_putuo_planning_resources_2024_final_accounts",
    ]
    .iter()
    .map(|id| std::fs::read_to_string(corpus.join(format!("{id}.txt"))).expect("a corpus text"))
    .collect();
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
    let mut pdfs: Vec<_> = std::fs::read_dir(corpus.join("pdf"))
        .expect("the corpus pdf folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    pdfs.sort();
    for path in pdfs {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).expect("a corpus PDF");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("pdf {name}"), |b| {
            b.iter(|| ingest_bytes(&name, black_box(&bytes)).expect("ingests"))
        });
    }
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
