//! The benchmark questions q1–q7 (benches/questions/*.sql) on a generated `small`
//! warehouse (12 departments × 10 years, ~4,000 projects, ~27,000 indicators), through
//! the whole engine: front end, lazy scan of the Parquet files, execution.
//! Run with `cargo bench --bench questions`. The medium-size comparison with DuckDB
//! and Polars is `benches/compare/run.sh`.

use budgetql::gen::{generate, Options, Size};
use budgetql::Session;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const QUESTIONS: &[(&str, &str)] = &[
    ("q1", include_str!("questions/q1.sql")),
    ("q2", include_str!("questions/q2.sql")),
    ("q3", include_str!("questions/q3.sql")),
    ("q4", include_str!("questions/q4.sql")),
    ("q5", include_str!("questions/q5.sql")),
    ("q6", include_str!("questions/q6.sql")),
    ("q7", include_str!("questions/q7.sql")),
];

fn questions(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("budgetql-bench-questions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = Options {
        first_year: 2012,
        last_year: 2021,
        departments: Size::Small.departments(),
        seed: 1,
    };
    generate(&dir, &opts, &mut |_, _, _, _| {}).expect("generate the small warehouse");
    let mut s = Session::open(&dir).expect("open the warehouse");
    let mut g = c.benchmark_group("questions (small warehouse)");
    for (name, sql) in QUESTIONS {
        g.bench_function(*name, |b| b.iter(|| s.query(black_box(sql)).expect("runs")));
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, questions);
criterion_main!(benches);
