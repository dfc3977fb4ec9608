//! `budgetql sql --dialect …`: budgetql's SQL lowered to standard SQL gives budgetql's
//! answers when DuckDB runs it over the warehouse's committed files
//! (benches/scaleout/engines.py compares them: money exact, doubles within 1e-9).
//! Spark is checked the same way by hand (benches/RESULTS.md); its spelling rules are
//! unit tests in src/query/dialect.rs.

use crate::common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn lowered_sql_gives_budgetqls_answers_in_duckdb() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let wh = scratch("dialect").join("wh");
    ok(&[
        "gen",
        "--size",
        "small",
        "--years",
        "2019..=2021",
        "--seed",
        "5",
        "--into",
        wh.to_str().unwrap(),
    ]);
    // the extensions and the plain-SQL shapes the rewrites produce, beyond q1–q7
    let extra: Vec<&str> = vec![
        "SELECT year, dept_code, SUM(budget) AS b FROM projects GROUP BY ROLLUP(year, dept_code)",
        "SELECT * FROM (SELECT dept_code, year, budget FROM projects) PIVOT (SUM(budget) FOR year IN (2019, 2020 AS y2020, 2021)) ORDER BY dept_code",
        "SELECT dept_code, year, SUM(budget) AS b, SHARE(SUM(budget)) OVER (PARTITION BY year) AS s, YOY(SUM(budget)) AS g FROM projects GROUP BY dept_code, year ORDER BY dept_code, year",
        "SELECT unit_code, project_code, budget, SHARE(budget) AS s FROM projects WHERE year = 2020 ORDER BY budget DESC, project_code LIMIT 20",
        "SELECT level1, COUNT(*) AS n, MEDIAN(target_value) AS m, QUANTILE_CONT(target_value, 0.9) AS p90 FROM indicators GROUP BY 1 ORDER BY 1",
        "SELECT year, COUNT(*) AS n, SUM(budget) / COUNT(*) AS per_project, ROUND(AVG(budget), 2) AS r FROM projects GROUP BY year ORDER BY year",
        "CHART LINE SELECT year, SUM(budget) AS b FROM projects GROUP BY 1 ORDER BY 1",
    ];
    let dir = scratch("dialect-extra");
    let list = dir.join("extra.json");
    std::fs::write(&list, serde_json::to_string(&extra).unwrap()).unwrap();
    let python = crate::flight::python();
    let o = Command::new(python)
        .arg(root.join("benches/scaleout/engines.py"))
        .args([
            "--budgetql",
            env!("CARGO_BIN_EXE_budgetql"),
            "--warehouse",
            wh.to_str().unwrap(),
        ])
        .args([
            "--engines",
            "duckdb",
            "--runs",
            "1",
            "--extra",
            list.to_str().unwrap(),
        ])
        .output()
        .expect("python runs");
    let (code, out, err) = decode(o);
    assert_eq!(code, 0, "{out}\n{err}");
    // each line is printed as it runs, then again in the closing table
    let equal = out.lines().filter(|l| l.contains("| equal (")).count();
    assert_eq!(equal, 2 * (7 + extra.len()), "{out}");
}

#[test]
fn what_cannot_be_lowered_is_refused_with_a_position() {
    let (code, _, err) = run(&["sql", "AUDIT"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("1:1: AUDIT is budgetql's own statement"),
        "{err}"
    );
    let (code, _, err) = run(&["sql", "SELECT year,\n  nosuch FROM projects"]);
    assert_clean_failure(code, &err);
    assert!(err.contains("2:3: unknown column `nosuch`"), "{err}");
    let (code, _, err) = run(&["sql", "--tables", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(err.contains("--tables needs a warehouse"), "{err}");
    let (code, _, err) = run(&["sql", "--dialect", "spark", "--tables", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("Spark reads the files manifest.json lists"),
        "{err}"
    );
    // a parameter is bound, a COPY lowers to its query, and Spark gets backticks
    let out = ok(&[
        "--param",
        "y=2019",
        "sql",
        "--dialect",
        "spark",
        "COPY (SELECT year AS `年` FROM projects WHERE year = :y) TO 'x.csv'",
    ]);
    assert_eq!(
        out,
        "SELECT year AS `年` FROM projects WHERE year = 2019;\n"
    );
}
