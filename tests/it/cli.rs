//! The real binary on the bundled data: answers checked against figures read off
//! the document by hand (and recomputed independently in comments).

use crate::common::*;

#[test]
fn counts_the_49_projects() {
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT COUNT(*) AS n FROM projects",
    ]);
    assert_eq!(out, "n\n49\n");
}

#[test]
fn per_unit_budget_matches_the_document_to_the_cent() {
    // 216001: 25 tables summing to 515.82; 216003 (公证处): 24 tables summing to 90.90,
    // which is also the document's 其他收入 (the 公证处's own funds).
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT unit_code, SUM(budget) FROM projects GROUP BY 1 ORDER BY 1",
    ]);
    assert_eq!(out, "unit_code,budget\n216001,515.82\n216003,90.90\n");
}

#[test]
fn project_budgets_sum_to_the_stated_project_spending() {
    // 项目支出606.72万元 (line 91) = 515.82 + 90.90
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "WITH t AS (SELECT SUM(budget) AS tables FROM projects), \
              s AS (SELECT amount AS stated FROM budget_lines WHERE item = '项目支出' AND source = 'qinhuangdao-etdz-zhengfawei-2021') \
         SELECT tables, stated FROM t CROSS JOIN s",
    ]);
    assert_eq!(out, "tables,stated\n606.72,606.72\n");
}

#[test]
fn fiscal_and_other_funds_by_unit() {
    let out = ok(&["--format", "csv", "-c", "SELECT unit_code, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY 1 ORDER BY 1"]);
    assert_eq!(
        out,
        "unit_code,fiscal,other\n216001,515.82,0.00\n216003,0.00,90.90\n"
    );
}

#[test]
fn narrative_totals_are_captured() {
    let out = ok(&["--format", "csv", "-c", "SELECT direction, item, parent_item, amount, change_vs_prior, prior_year, line FROM budget_lines WHERE source = 'qinhuangdao-etdz-zhengfawei-2021' ORDER BY line, item"]);
    assert_eq!(
        out,
        "direction,item,parent_item,amount,change_vs_prior,prior_year,line\n\
         income,其他收入,收入合计,90.90,,,87\n\
         income,收入合计,,1662.99,,,87\n\
         income,财政拨款收入,收入合计,1572.09,,,87\n\
         expense,基本支出,支出合计,1056.27,817.54,2010,90\n\
         expense,支出合计,,1662.99,1209.63,2010,90\n\
         expense,人员经费,基本支出,841.20,,,91\n\
         expense,日常公用经费,基本支出,215.07,,,91\n\
         expense,项目支出,支出合计,606.72,474.52,2010,91\n\
         expense,机关运行经费,,215.07,,,97\n"
    );
}

#[test]
fn three_public_both_years() {
    let out = ok(&["--format", "csv", "-c", "SELECT year, category, amount, change_vs_prior FROM three_public WHERE source = 'qinhuangdao-etdz-zhengfawei-2021' ORDER BY year DESC, line, category"]);
    assert_eq!(
        out,
        "year,category,amount,change_vs_prior\n\
         2021,公务接待费,0.68,0.57\n\
         2021,公务用车购置及运行费,12.68,\n\
         2021,公务用车购置费,0.00,0.00\n\
         2021,公务用车运行维护费,12.68,7.18\n\
         2021,合计,13.36,7.75\n\
         2021,因公出国（境）费,0.00,0.00\n\
         2020,公务接待费,0.11,\n\
         2020,公务用车购置及运行费,5.50,\n\
         2020,合计,5.61,\n\
         2020,因公出国（境）费,0.00,\n"
    );
}

#[test]
fn narrative_budget_sentences_differ_where_the_document_differs() {
    // read off the document: the table says 12 but the sentence says 15 (综治工作专项经费), and so on
    let out = ok(&["--format", "csv", "-c", "SELECT project_name, budget, stated_budget FROM projects WHERE stated_budget <> budget ORDER BY seq"]);
    assert_eq!(out, "project_name,budget,stated_budget\n综治工作专项经费,12.00,15.00\n法律服务费,12.00,11.00\n护路经费,62.00,72.00\n社区矫正工作经费,2.00,4.00\n");
}

#[test]
fn indicator_targets_are_parsed() {
    let out = ok(&["--format", "csv", "-c", "SELECT target_op, target_value, target_unit, COUNT(*) AS n FROM indicators GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3"]);
    assert_eq!(
        out,
        "target_op,target_value,target_unit,n\n\
         >=,90.0,%,123\n\
         =,100.0,%,121\n\
         <=,100.0,%,47\n\
         >=,1.0,次,9\n\
         >=,95.0,%,7\n\
         >=,1.0,项,6\n\
         >=,1.0,人,3\n\
         >=,92.0,%,2\n\
         =,95.0,%,1\n\
         >=,2.0,项,1\n"
    );
}

#[test]
fn level1_is_carried_down_the_indicator_tree() {
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT level1, COUNT(*) AS n FROM indicators GROUP BY 1 ORDER BY 1",
    ]);
    // 产出指标 has 4 rows per project (数量/质量/时效/成本), 满意度 1, 效益 the rest
    assert_eq!(out, "level1,n\n产出指标,196\n效益指标,75\n满意度指标,49\n");
}

#[test]
fn formats_json_and_markdown() {
    let sql = "SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 1";
    assert_eq!(ok(&["--format", "json", "-c", sql]), "[\n{\"unit_code\":\"216001\",\"budget\":515.82},\n{\"unit_code\":\"216003\",\"budget\":90.90}\n]\n");
    assert_eq!(
        ok(&["--format", "markdown", "-c", sql]),
        "| unit_code | budget |\n|---|---:|\n| 216001 | 515.82 |\n| 216003 | 90.90 |\n"
    );
}

#[test]
fn table_format_aligns_and_counts_rows() {
    let out = ok(&[
        "-c",
        "SELECT unit_name, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 2 DESC",
    ]);
    let widths: Vec<usize> = out
        .lines()
        .take(6)
        .map(|l| unicode_width::UnicodeWidthStr::width(l))
        .collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "misaligned:\n{out}"
    );
    assert!(
        out.contains("│ 中共秦皇岛经济技术开发区工委政法委员会(本级） │ 515.82 │"),
        "{out}"
    );
    assert!(out.ends_with("2 rows\n"), "{out}");
}

#[test]
fn commands_and_files_run_in_order() {
    let dir = scratch("order");
    let f = dir.join("q.sql");
    std::fs::write(&f, "-- two statements; the comment has a semicolon\nSELECT 2 AS b;\nSELECT 3 AS c; -- trailing\n").unwrap();
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT 1 AS a",
        "-f",
        f.to_str().unwrap(),
        "-c",
        "SELECT 4 AS d",
    ]);
    assert_eq!(out, "a\n1\nb\n2\nc\n3\nd\n4\n");
}

#[test]
fn sql_on_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = bin()
        .args(["--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT COUNT(*) AS goals FROM project_goals;")
        .unwrap();
    let (code, out, err) = decode(child.wait_with_output().unwrap());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "goals\n98\n");
}

#[test]
fn syntax_error_has_position_and_caret() {
    let (code, _, err) = run(&["-c", "SELECT unit_code\nFROM projects GROUP 1"]);
    assert_clean_failure(code, &err);
    assert_eq!(err, "budgetql: query: 2:15: syntax error: Expected: end of statement, found: GROUP\n  FROM projects GROUP 1\n                ^\n");
}

#[test]
fn script_errors_name_the_file_and_line() {
    let dir = scratch("script-err");
    let f = dir.join("bad.sql");
    std::fs::write(&f, "SELECT 1;\n\nSELEC 2;\n").unwrap();
    let (code, out, err) = run(&["--format", "csv", "-f", f.to_str().unwrap()]);
    assert_clean_failure(code, &err);
    assert_eq!(
        out, "1\n1\n",
        "statements before the error still print (`SELECT 1` names its column `1`, as DuckDB does)"
    );
    assert!(err.contains("bad.sql:3:1: syntax error"), "{err}");
}

#[test]
fn unknown_table_and_missing_script_fail_cleanly() {
    let (code, _, err) = run(&["-c", "SELECT * FROM projcts"]);
    assert_clean_failure(code, &err);
    assert!(err.contains("projcts"), "{err}");
    let (code, _, err) = run(&["-f", "/no/such/file.sql"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("/no/such/file.sql: cannot read the script: no such file"),
        "{err}"
    );
}

#[test]
fn help_documents_the_interface() {
    let out = ok(&["--help"]);
    for needle in [
        "-c, --command",
        "-f, --file",
        "--format",
        "--data",
        "BUDGETQL_DATA",
        "ingest",
        "Exit status",
    ] {
        assert!(out.contains(needle), "--help lacks {needle}:\n{out}");
    }
}

#[test]
fn ingest_check_reports_tables_and_skipped_regions() {
    let out = ok(&[
        "ingest",
        "--check",
        "datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt",
    ]);
    assert!(
        out.contains(
            "year 2021, budget (预算), department 中共秦皇岛经济技术开发区工委政法委员会 (216)"
        ),
        "{out}"
    );
    assert!(out.contains("  layout: doc-tabbed"), "{out}");
    assert!(out.contains("    projects                 49\n"), "{out}");
    assert!(out.contains("    indicators              320\n"), "{out}");
    assert!(out.contains("skipped regions ("), "{out}");
    assert!(out.contains(" text `"), "{out}");
}

#[test]
fn every_saved_query_runs_on_the_bundled_data_and_answers_on_many_years() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "sql") {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                text.starts_with("-- Question:"),
                "{} must start with a `-- Question:` header",
                p.display()
            );
            // in a folder of its own: a script may write a workbook where it runs
            let here = scratch("saved");
            let (code, out, err) = run_in(&here, &["--format", "csv", "-f", p.to_str().unwrap()]);
            assert!(code == 0 && err.is_empty(), "{}: {err}", p.display());
            let answered = out.lines().count() > 1 || std::fs::read_dir(&here).unwrap().count() > 0;
            // and on many years of data (the bundled document has no other year; the
            // generated warehouse has no narrative): each answers on one of the two
            let here = scratch("saved-gen");
            let (code, out, err) = run_in(
                &here,
                &[
                    "--data",
                    gen_warehouse(),
                    "--format",
                    "csv",
                    "-f",
                    p.to_str().unwrap(),
                ],
            );
            assert!(code == 0 && err.is_empty(), "{}: {err}", p.display());
            let wrote = std::fs::read_dir(&here).unwrap().count() > 0;
            assert!(
                answered || out.lines().count() > 1 || wrote,
                "{} returned no rows",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 6, "only {n} saved queries");
}

#[test]
fn largest_projects_script_answers() {
    let out = ok(&["--format", "csv", "-f", "queries/largest_projects.sql"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "seq,unit_code,project_name,budget,fiscal,other");
    assert_eq!(lines[1], "13,216001,综治视联网建设经费,162.00,162.00,0.00");
    assert_eq!(lines[2], "12,216001,雪亮工程建设,104.00,104.00,0.00");
    assert_eq!(lines.len(), 11);
}

/// `--help` and the shell's `.help` list every budget extension and statement from the
/// registries the engine uses, so neither can drift from what runs.
#[test]
fn help_lists_every_extension_and_statement() {
    let (code, out, _) = crate::common::run(&["--help"]);
    assert_eq!(code, 0);
    for x in budgetql::query::extensions::EXTENSIONS {
        assert!(out.contains(x.usage), "--help lacks {}", x.usage);
    }
    for c in budgetql::query::COMMANDS {
        assert!(out.contains(c.usage), "--help lacks {}", c.usage);
    }
}

/// build.rs links the executable not position-independent (the loader would otherwise
/// rewrite 4 MB of pointers at every start: ~12 MiB more resident, measured in
/// benches/RESULTS.md). On Linux with Rust's default linker this must hold; a failure
/// here means the link probe in build.rs stopped taking `-no-pie`.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn the_executable_is_linked_at_a_fixed_address() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_budgetql")).expect("the test binary exists");
    assert_eq!(&bytes[..4], b"\x7fELF");
    // e_type, little-endian, at offset 16: 2 = ET_EXEC, 3 = ET_DYN (PIE)
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert_eq!(e_type, 2, "budgetql was linked as a PIE (e_type {e_type})");
}
