//! Statements that touch files or need more than one document: COPY, LOAD, YOY over
//! two years, parameters from the command line; and a differential test of the
//! rewrites against hand-built Polars plans.

use crate::common::*;
use budgetql::ingest::{ingest_bundled, ingest_text};
use budgetql::{model, Session};
use polars::prelude::*;

/// The bundled document as a 2022 edition in which 综治视联网建设经费 grows from 162 to 200.
fn edition_2022() -> String {
    let from = "\t综治视联网建设经费\n\n\t预算规模及资金用途\n\t预算数\n\t162.00";
    assert!(BUNDLED.contains(from));
    BUNDLED
        .replacen(
            "2021年部门预算信息公开情况说明",
            "2022年部门预算信息公开情况说明",
            1,
        )
        .replacen(
            from,
            "\t综治视联网建设经费\n\n\t预算规模及资金用途\n\t预算数\n\t200.00",
            1,
        )
}

#[test]
fn yoy_compares_with_the_previous_year_of_the_same_group() {
    let d21 = ingest_bundled().unwrap();
    let d22 = ingest_text("edition-2022.txt", &edition_2022()).unwrap();
    let mut s = Session::from_documents(&[d21, d22]).unwrap();
    let mut csv = |sql: &str| {
        let df = s.query(sql).unwrap();
        let mut buf = vec![];
        budgetql::render::render(&df, budgetql::Format::Csv, &Default::default(), &mut buf)
            .unwrap();
        String::from_utf8(buf).unwrap()
    };
    // by hand: 2021 606.72; 2022 606.72 + 38 = 644.72; growth 38 / 606.72 = 0.06263185654008438
    assert_eq!(
        csv("SELECT year, dept_code, SUM(budget) AS budget, YOY(SUM(budget)) AS growth FROM projects GROUP BY year, dept_code ORDER BY year"),
        "year,dept_code,budget,growth\n2021,216,606.72,\n2022,216,644.72,0.06263185654008438\n"
    );
    // per unit: 216001 grows by 38/515.82 = 0.0736691…, 216003 not at all
    assert_eq!(
        csv("SELECT unit_code, year, ROUND(YOY(SUM(budget)), 6) AS g FROM projects GROUP BY unit_code, year ORDER BY unit_code, year"),
        "unit_code,year,g\n216001,2021,\n216001,2022,0.073669\n216003,2021,\n216003,2022,0.0\n"
    );
    // filtered on YOY's alias with QUALIFY: the one unit that grew
    assert_eq!(
        csv("SELECT unit_code, year, ROUND(YOY(SUM(budget)), 6) AS g FROM projects GROUP BY unit_code, year QUALIFY g > 0 ORDER BY unit_code"),
        "unit_code,year,g\n216001,2022,0.073669\n"
    );
    // … on YOY itself, and on an aggregate beside a window (both failed: polars-sql's
    // QUALIFY needs a window in its condition and reads its other parts from the SELECT
    // list, where SUM(budget) had become a hidden `__a1`)
    assert_eq!(
        csv("SELECT unit_code, year FROM projects GROUP BY unit_code, year QUALIFY YOY(SUM(budget)) > 0"),
        "unit_code,year\n216001,2022\n"
    );
    assert_eq!(
        csv("SELECT unit_code, year, SUM(budget) AS b FROM projects GROUP BY unit_code, year QUALIFY SUM(budget) > 100 AND RANK() OVER (PARTITION BY year ORDER BY SUM(budget) DESC) = 1 ORDER BY year"),
        "unit_code,year,b\n216001,2021,515.82\n216001,2022,553.82\n"
    );
    // the SELECT list's windows see every group, the QUALIFY filters after them: 216003 is
    // ranked 2 of 2 in its year even though only it passes
    assert_eq!(
        csv("SELECT unit_code, year, RANK() OVER (PARTITION BY year ORDER BY SUM(budget) DESC) AS r FROM projects GROUP BY unit_code, year QUALIFY SUM(budget) < 100 ORDER BY year"),
        "unit_code,year,r\n216003,2021,2\n216003,2022,2\n"
    );
}

#[test]
fn share_matches_a_hand_built_polars_plan() {
    let doc = ingest_bundled().unwrap();
    let projects = model::frames(&doc)
        .unwrap()
        .into_iter()
        .find(|(n, _)| *n == "projects")
        .unwrap()
        .1;
    // the answer built directly with the lazy API: group, then divide by the total
    let want = projects
        .clone()
        .lazy()
        .group_by([col("unit_code")])
        .agg([col("budget").sum()])
        .with_column(
            (col("budget").cast(DataType::Float64) / col("budget").cast(DataType::Float64).sum())
                .alias("share"),
        )
        .sort(["unit_code"], Default::default())
        .collect()
        .unwrap();
    let mut s = Session::from_documents(&[doc]).unwrap();
    let got = s.query("SELECT unit_code, SUM(budget) AS budget, SHARE(SUM(budget)) AS share FROM projects GROUP BY unit_code ORDER BY unit_code").unwrap();
    assert!(got.equals_missing(&want), "got\n{got}\nwant\n{want}");
    // and the window-over-aggregate trap: each group must see the grand total
    let got = s.query("SELECT unit_code, SUM(budget) / SUM(SUM(budget)) OVER () AS frac FROM projects GROUP BY unit_code ORDER BY unit_code").unwrap();
    let fracs: Vec<f64> = got
        .column("frac")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(fracs.len(), 2);
    assert!(
        (fracs[0] - 0.8502).abs() < 1e-3 && (fracs[1] - 0.1498).abs() < 1e-3,
        "{fracs:?}"
    );
}

#[test]
fn copy_writes_every_format_and_load_reads_them_back() {
    let dir = scratch("copy");
    // every format the list says is both written and read
    let formats = budgetql::query::files::FILE_FORMATS
        .iter()
        .filter(|f| f.write.is_some() && f.scan.is_some());
    let exts: Vec<&str> = formats.map(|f| f.extensions[0]).collect();
    assert_eq!(exts, ["csv", "tsv", "json", "parquet", "arrow"]);
    for ext in exts {
        let path = dir.join(format!("units.{ext}"));
        let p = path.to_str().unwrap();
        let out = ok(&["-c", &format!("COPY (SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 1) TO '{p}'")]);
        assert_eq!(out, format!("wrote 2 rows to {p}\n"));
        let back = ok(&["--format", "csv", "-c", &format!("LOAD '{p}' AS t; SELECT unit_code, CAST(budget AS DOUBLE) AS budget FROM t ORDER BY 1")]);
        assert!(
            back.ends_with("unit_code,budget\n216001,515.82\n216003,90.9\n"),
            "{ext}: {back}"
        );
    }
    // the CSV keeps the exact digits
    assert_eq!(
        std::fs::read_to_string(dir.join("units.csv")).unwrap(),
        "unit_code,budget\n216001,515.82\n216003,90.90\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("units.tsv")).unwrap(),
        "unit_code\tbudget\n216001\t515.82\n216003\t90.90\n"
    );
    // and the shell prints it
    let tsv = ok(&[
        "--format",
        "tsv",
        "-c",
        "SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 1",
    ]);
    assert_eq!(tsv, "unit_code\tbudget\n216001\t515.82\n216003\t90.90\n");
    // an existing file is not overwritten unless asked
    let p = dir.join("units.csv");
    let (code, _, err) = run(&["-c", &format!("COPY (SELECT 1 AS a) TO '{}'", p.display())]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("already exists; add (OVERWRITE) to replace it"),
        "{err}"
    );
    ok(&[
        "-c",
        &format!("COPY (SELECT 1 AS a) TO '{}' (OVERWRITE)", p.display()),
    ]);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\n1\n");
}

#[test]
fn load_a_disclosure_and_a_glob() {
    let dir = scratch("load");
    std::fs::write(dir.join("edition-2022.txt"), edition_2022()).unwrap();
    let out = ok(&["--format", "csv", "-c", &format!("LOAD '{}/*.txt'; SELECT year, COUNT(*) AS n, SUM(budget) AS b FROM projects GROUP BY 1 ORDER BY 1", dir.display())]);
    assert_eq!(out, "year,n,b\n2021,49,606.72\n2022,49,644.72\n");
    let (code, _, err) = run(&["-c", &format!("LOAD '{}/*.pdf'", dir.display())]);
    assert_clean_failure(code, &err);
    assert!(err.contains("no file matches"), "{err}");
}

#[test]
fn parameters_from_the_command_line() {
    let q = "SELECT COUNT(*) AS n FROM projects WHERE budget >= :min AND unit_code = :unit";
    let out = ok(&[
        "--format",
        "csv",
        "--param",
        "min=100",
        "--param",
        "unit='216001'",
        "-c",
        q,
    ]);
    assert_eq!(out, "n\n2\n");
    // bare words are text; a bare number stays a number, and comparing it with a text column is explained
    assert_eq!(
        ok(&[
            "--format",
            "csv",
            "--param",
            "min=100",
            "--param",
            "unit=x216001",
            "-c",
            q
        ]),
        "n\n0\n"
    );
    let (code, _, err) = run(&["--param", "min=100", "--param", "unit=216001", "-c", q]);
    assert_clean_failure(code, &err);
    assert!(err.contains("`unit_code` is text but is compared with the number 216001; quote the value: unit_code = '216001'"), "{err}");
    let (code, _, err) = run(&["-c", "SELECT * FROM projects WHERE year = :year"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains(
            "parameter :year has no value; give it with `SET year = …;` or `--param year=…`"
        ),
        "{err}"
    );
}

#[test]
fn safe_mode_refuses_file_statements() {
    let dir = scratch("safe");
    let p = dir.join("x.csv");
    for sql in [
        format!("COPY (SELECT 1 AS a) TO '{}'", p.display()),
        format!("LOAD '{}'", p.display()),
    ] {
        let (code, _, err) = run(&["--safe", "-c", &sql]);
        assert_clean_failure(code, &err);
        assert!(
            err.contains("safe mode:") && err.contains("is refused"),
            "{err}"
        );
    }
    assert!(!p.exists(), "nothing was written");
    // queries still run
    assert_eq!(
        ok(&[
            "--safe",
            "--format",
            "csv",
            "-c",
            "SELECT COUNT(*) AS n FROM projects"
        ]),
        "n\n49\n"
    );
}

#[test]
fn safe_mode_in_the_shell_is_one_way_and_covers_meta_commands() {
    use budgetql::repl::meta::Meta;
    use budgetql::repl::Shell;
    let mut s = Session::bundled().unwrap();
    let mut shell = Shell::new(budgetql::Format::Csv, Default::default());
    let (mut out, mut err) = (vec![], vec![]);
    assert!(shell.meta(&mut s, ".safe on".parse().unwrap(), &mut out, &mut err));
    assert!(s.engine.is_safe());
    assert_eq!(
        ".safe off".parse::<Meta>().unwrap_err(),
        ".safe cannot be turned off: safe mode lasts for the rest of the session"
    );
    for cmd in [
        ".read queries/largest_projects.sql",
        ".output /tmp/budgetql-safe-test.txt",
        ".once /tmp/budgetql-safe-test.txt",
    ] {
        let mut err = vec![];
        shell.meta(&mut s, cmd.parse().unwrap(), &mut out, &mut err);
        assert!(
            String::from_utf8(err)
                .unwrap()
                .contains("safe mode: this command reads or writes files and is refused"),
            "{cmd}"
        );
    }
    assert!(!std::path::Path::new("/tmp/budgetql-safe-test.txt").exists());
}

#[test]
fn loading_a_document_again_replaces_its_rows() {
    let dir = scratch("reload");
    let p = dir.join("qinhuangdao-etdz-zhengfawei-2021.txt");
    std::fs::write(&p, BUNDLED).unwrap();
    // the bundled document is loaded at start; LOAD of the same document id replaces it
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        &format!(
            "LOAD '{}'; LOAD '{}'; SELECT COUNT(*) AS n FROM projects",
            p.display(),
            p.display()
        ),
    ]);
    assert_eq!(out, "n\n49\n");
}

#[test]
fn two_documents_with_one_id_are_refused() {
    let a = scratch("same-a").join("doc-2021.txt");
    let b = scratch("same-b").join("doc-2021.txt");
    std::fs::write(&a, BUNDLED).unwrap();
    std::fs::write(&b, BUNDLED).unwrap();
    let wh = scratch("same-w").join("w");
    let (code, _, err) = run(&[
        "ingest",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--into",
        wh.to_str().unwrap(),
    ]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("have the same document id `doc-2021`"),
        "{err}"
    );
}

/// EXPLAIN prints budgetql's own plan of each SELECT core (the binder's), then the plan
/// Polars runs; a construct the binder does not plan is an error that names it.
#[test]
fn explain_prints_budgetqls_plan_and_refuses_what_it_does_not_plan() {
    let plan = ok(&[
        "--format",
        "csv",
        "-c",
        "EXPLAIN SELECT p.unit_code, SUM(p.budget) AS b FROM projects p JOIN units u ON u.unit_code = p.unit_code WHERE p.year = 2021 GROUP BY 1 HAVING COUNT(*) > 2 ORDER BY b DESC LIMIT 3",
    ]);
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(lines[1], "budgetql plan:", "{plan}");
    // the nodes, outermost first, each input indented below its consumer
    // the rules that rewrote the query come first, each with what it does
    assert!(
        lines
            .iter()
            .any(|l| l.contains("(rule plain_expressions: counts BIGINT")),
        "{plan}"
    );
    // then the rules over the plan that changed it
    assert!(
        lines.iter().any(|l| l.trim_start()
            == "(plan rule sum_guard: SQL's SUM (NULL over no value) tested by one count)"),
        "{plan}"
    );
    let nodes: Vec<String> = lines
        .iter()
        .skip(2)
        .take_while(|l| !l.starts_with("Polars plan"))
        .filter(|l| {
            let l = l.trim_start_matches('"').trim_start();
            !l.starts_with("(rule ") && !l.starts_with("(plan rule ")
        })
        .map(|l| {
            let l = l.trim_start_matches('"');
            let depth = (l.len() - l.trim_start().len()) / 2;
            let word = l.trim_start().split_whitespace().next().unwrap_or("");
            format!("{depth}:{word}")
        })
        .collect();
    assert_eq!(
        nodes,
        [
            "1:LIMIT",
            "2:SORT",
            "3:PROJECT",
            "4:FILTER",
            "5:AGGREGATE",
            "6:FILTER",
            "7:INNER",
            "8:SCAN",
            // the right side's names that clash are renamed (`unit_code:u`)
            "8:PROJECT",
            "9:SCAN"
        ],
        "{plan}"
    );
    assert!(plan.contains("Polars plan (optimised):"), "{plan}");
    // a construct the binder does not plan is refused, located at it (polars-sql is not
    // asked to plan it)
    let (code, _, err) = run(&[
        "-c",
        "EXPLAIN SELECT unit_code, INITCAP(project_name) AS s FROM projects",
    ]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("1:27: budgetql does not support the function INITCAP yet"),
        "{err}"
    );
}

#[test]
fn join_using_reads_the_key_once_and_answers_as_join_on() {
    let plan = ok(&[
        "--format",
        "csv",
        "-c",
        "EXPLAIN SELECT p.year FROM projects p JOIN units u USING (unit_code)",
    ]);
    assert!(plan.contains("INNER JOIN ON"), "{plan}");
    // the unqualified key is the left one; `u.unit_code` is still the right one
    let using = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT unit_code, u.unit_code AS r, COUNT(*) AS n FROM projects p LEFT JOIN units u USING (unit_code) GROUP BY 1, 2 ORDER BY 1",
    ]);
    let on = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT p.unit_code, u.unit_code AS r, COUNT(*) AS n FROM projects p LEFT JOIN units u ON p.unit_code = u.unit_code GROUP BY 1, 2 ORDER BY 1",
    ]);
    assert_eq!(using, on);
    assert!(using.lines().count() > 1, "{using}");
    // `*` lists the key once, `u.*` lists all of u
    let star = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT * FROM projects p JOIN units u USING (unit_code) LIMIT 1",
    ]);
    let header = star.lines().next().unwrap_or("");
    assert_eq!(header.matches("unit_code").count(), 1, "{header}");
    let right = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT u.* FROM projects p JOIN units u USING (unit_code) LIMIT 1",
    ]);
    let units = ok(&["--format", "csv", "-c", "SELECT * FROM units LIMIT 1"]);
    assert_eq!(right.lines().next(), units.lines().next(), "{right}");
    // a right-side column read alone keeps its name (it was `year:u`)
    let one = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT u.year FROM projects p JOIN units u USING (unit_code) LIMIT 1",
    ]);
    assert_eq!(one.lines().next(), Some("year"), "{one}");
    // NATURAL JOIN is USING the names both sides have
    let natural = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT * FROM (SELECT unit_code, seq, budget FROM projects) p NATURAL JOIN (SELECT unit_code, unit_kind FROM units) u ORDER BY seq, unit_code",
    ]);
    let spelled = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT * FROM (SELECT unit_code, seq, budget FROM projects) p JOIN (SELECT unit_code, unit_kind FROM units) u USING (unit_code) ORDER BY seq, unit_code",
    ]);
    assert_eq!(natural, spelled);
    assert!(
        natural.starts_with("unit_code,seq,budget,unit_kind\n"),
        "{natural}"
    );
    assert!(natural.lines().count() > 2, "{natural}");
}

#[test]
fn qualify_and_alias_column_lists_are_planned_by_budgetql() {
    let sql = "SELECT x, y FROM (SELECT year, budget FROM projects) AS d (x, y) \
               QUALIFY RANK() OVER (PARTITION BY x ORDER BY y DESC) <= 2 ORDER BY x, y DESC";
    let plan = ok(&["--format", "csv", "-c", &format!("EXPLAIN {sql}")]);
    let (budgetql, words) = budgetql_plan(&plan);
    // QUALIFY is computed beside the outputs, filters them and is dropped, before the
    // sort (which then sorts only the rows that pass); the derived table's columns are
    // renamed by the alias list
    assert_eq!(
        words,
        ["SORT", "PROJECT", "FILTER", "PROJECT", "PROJECT", "SUBQUERY", "PROJECT", "SCAN"],
        "{plan}"
    );
    // the rank within 2 is read from each partition's second value (the rule top_n)
    assert!(budgetql[3].contains("slice(offset=dyn int: 1"), "{plan}");
    assert!(plan.contains("(plan rule top_n: "), "{plan}");
    assert!(
        budgetql[4].contains(r#"col(""year"").alias(""x"")"#),
        "{plan}"
    );
    assert_eq!(budgetql[5], "SUBQUERY d", "{plan}");
    // the answer: at most two rows a year, the largest budgets, as the plain query
    // without QUALIFY ranks them
    let rows = ok(&["--format", "csv", "-c", sql]);
    let all = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT year, budget FROM projects ORDER BY year, budget DESC",
    ]);
    let mut expected = vec!["x,y".to_string()];
    let mut per_year: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in all.lines().skip(1) {
        let (year, _) = line.split_once(',').unwrap_or((line, ""));
        per_year
            .entry(year.to_string())
            .or_default()
            .push(line.to_string());
    }
    for lines in per_year.values() {
        // RANK keeps ties: every row whose budget is among the two largest ranks
        let second = lines.get(1).or(lines.first()).cloned().unwrap_or_default();
        let cut = second
            .split_once(',')
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        let mut kept = 0;
        for l in lines {
            let b = l.split_once(',').map(|(_, b)| b).unwrap_or("");
            if kept < 2 || b == cut {
                expected.push(l.clone());
                kept += 1;
            }
        }
    }
    assert_eq!(rows.lines().collect::<Vec<_>>(), expected, "{rows}");
}

#[test]
fn rollup_is_planned_by_budgetql_as_a_union_of_its_levels() {
    let plan = ok(&[
        "--format",
        "csv",
        "-c",
        "EXPLAIN SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY ROLLUP (unit_code)",
    ]);
    let (budgetql, words) = budgetql_plan(&plan);
    // the units' rows and the 合计 row, each an aggregate of projects, in one UNION ALL
    assert_eq!(
        words,
        [
            "PROJECT",
            "SORT",
            "PROJECT",
            "SUBQUERY",
            "UNION",
            "PROJECT",
            "AGGREGATE",
            "SCAN",
            "PROJECT",
            "AGGREGATE",
            "SCAN"
        ],
        "{plan}"
    );
    assert!(budgetql[8].contains("合计"), "{plan}");
    let rows = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY ROLLUP (unit_code)",
    ]);
    // the project rows summed outside budgetql (Python decimals over `SELECT unit_code, budget`)
    assert_eq!(
        rows,
        "unit_code,budget\n216001,515.82\n216003,90.90\n合计,606.72\n"
    );
}

/// The lines of EXPLAIN's "budgetql plan" part (CSV quoting and indentation removed, the
/// rules that rewrote the query left out), and each line's first word (the node).
fn budgetql_plan(plan: &str) -> (Vec<&str>, Vec<&str>) {
    let lines: Vec<&str> = plan
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with("Polars plan"))
        .map(|l| l.trim_start_matches('"').trim_start())
        .filter(|l| !l.starts_with("(rule ") && !l.starts_with("(plan rule "))
        .collect();
    let words = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    (lines, words)
}

/// What an analyst's files and editors bring: a quote in a file's name (written twice, as
/// in SQL), a folder where a file was meant, and the invisible characters an editor or a
/// web page leaves in a script (a byte-order mark, a zero-width space).
#[test]
fn file_names_folders_and_invisible_characters_are_read_as_meant() {
    let dir = scratch("names");
    let file = dir.join("it's.csv");
    std::fs::write(&file, "a,b\n1,x\n2,y\n").unwrap();
    let quoted = file.display().to_string().replace('\'', "''");
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        &format!("LOAD '{quoted}' AS t; SELECT SUM(a) AS s FROM t"),
    ]);
    assert!(out.ends_with("s\n3\n"), "{out}");
    // a damaged file is refused when it is loaded, named
    let bad = dir.join("bad.parquet");
    std::fs::write(&bad, "not parquet").unwrap();
    let (code, _, err) = run(&["-c", &format!("LOAD '{}' AS b", bad.display())]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains(&format!("1:6: {}: cannot be read: parquet", bad.display())),
        "{err}"
    );
    let (code, _, err) = run(&["-c", &format!("LOAD '{}'", dir.display())]);
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!(
            "{} is a folder; name its files, e.g. LOAD '{}/*.pdf'",
            dir.display(),
            dir.display()
        )),
        "{err}"
    );
    // a byte-order mark before the script and a zero-width space between words are
    // space; one inside a string is kept
    let script = "\u{feff}SELECT\u{200b}1 AS a, 'x\u{200b}y' AS b";
    let out = ok(&["--format", "json", "-c", script]);
    assert_eq!(out, "[\n{\"a\":1,\"b\":\"x\u{200b}y\"}\n]\n");
    let path = dir.join("bom.sql");
    std::fs::write(&path, format!("{script};")).unwrap();
    let out = ok(&["--format", "csv", "-f", path.to_str().unwrap()]);
    assert_eq!(out, "a,b\n1,x\u{200b}y\n");
}
