//! Ingest throughput on the bundled document: text → typed records, and
//! records → Polars frames. Run with `cargo bench --bench ingest`.

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
}

criterion_group!(benches, ingest);
criterion_main!(benches);
