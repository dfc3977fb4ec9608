//! What analysts hand on: Excel workbooks read back as a spreadsheet program reads them
//! (every value equal to the CSV output), and charts of years, in the terminal and as
//! SVG, checked by their structure.

use crate::common::*;
use calamine::Data;
use std::io::Read;
use std::path::Path;

/// One XML part of an .xlsx file (a zip archive).
fn part(p: &Path, name: &str) -> String {
    let f = std::fs::File::open(p).unwrap();
    let mut z = zip::ZipArchive::new(f).expect("an xlsx is a zip archive");
    let mut s = String::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in {}", p.display()))
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// Days from Excel's epoch (1899-12-30) to a `YYYY-MM-DD` date.
fn excel_serial(date: &str) -> f64 {
    let p: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (y, m, d) = (p[0], p[1], p[2]);
    // days from civil (Howard Hinnant), then shift to 1899-12-30
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468 + 25_569) as f64
}

/// Split one CSV line as budgetql writes it (quotes only around fields that need them).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Every cell of a sheet equals the CSV output of the same query: text as text, numbers
/// as the number the CSV prints (parsed once, so exactly the same double), dates as
/// their serial day, NULL as an empty cell.
fn assert_sheet_is_csv(rows: &[Vec<Data>], csv: &str, what: &str) {
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), lines.len(), "{what}: rows (header included)");
    for (r, (row, line)) in rows.iter().zip(&lines).enumerate() {
        let fields = csv_fields(line);
        assert_eq!(row.len(), fields.len(), "{what}: row {r} width");
        for (c, (cell, field)) in row.iter().zip(&fields).enumerate() {
            let at = format!("{what}: row {} column {}", r + 1, c + 1);
            match cell {
                Data::Empty => assert_eq!(field, "", "{at}"),
                Data::String(s) => assert_eq!(s, field, "{at}"),
                Data::Float(f) => assert_eq!(*f, field.parse::<f64>().unwrap(), "{at}: {field}"),
                Data::Int(i) => assert_eq!(i.to_string(), *field, "{at}"),
                Data::Bool(b) => assert_eq!(b.to_string(), *field, "{at}"),
                Data::DateTime(d) => assert_eq!(d.as_f64(), excel_serial(field), "{at}"),
                other => panic!("{at}: unexpected cell {other:?}"),
            }
        }
    }
}

const MIXED: &str = "SELECT p.unit_code, p.project_name, p.budget, p.fiscal, p.other, \
    p.seq, ROUND(p.budget / 7, 3) AS per_week, p.stated_budget, p.budget > 100 AS large \
    FROM projects p ORDER BY p.seq LIMIT 30";
const ASSETS: &str = "SELECT item, parent_item, quantity, value, as_of FROM assets ORDER BY line";

#[test]
fn a_workbook_holds_exactly_what_the_csv_prints_in_every_money_unit() {
    for unit in ["wan", "yuan", "yi"] {
        let dir = scratch("xlsx");
        let book = dir.join("out.xlsx");
        let script = format!(
            "COPY ({MIXED}) TO '{b}' (SHEET '项目'); COPY ({ASSETS}) TO '{b}' (SHEET 'assets');",
            b = book.display()
        );
        let msg = ok(&["--money", unit, "-c", &script]);
        assert!(msg.contains("30 rows") && msg.contains("2 sheets"), "{msg}");
        let sheets = crate::common::read_workbook(&book);
        let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["项目", "assets"]);
        for ((name, rows), q) in sheets.iter().zip([MIXED, ASSETS]) {
            let csv = ok(&["--money", unit, "--format", "csv", "-c", q]);
            assert_sheet_is_csv(rows, &csv, &format!("{unit} {name}"));
        }
        // NULLs are empty cells (stated_budget is null for most projects); money is a
        // number, not text that looks like one
        assert!(sheets[0].1.iter().any(|r| r[7] == Data::Empty));
        for row in &sheets[0].1[1..] {
            assert!(
                row[2..5].iter().all(|c| matches!(c, Data::Float(_))),
                "{row:?}"
            );
        }
        // money is shown in the unit, with separators and at least two decimals
        let styles = part(&book, "xl/styles.xml");
        let code = match unit {
            "wan" => "#,##0.00####&quot;万元&quot;",
            "yuan" => "#,##0.00&quot;元&quot;",
            _ => "#,##0.00########&quot;亿元&quot;",
        };
        assert!(styles.contains(code), "{unit}: {styles}");
        assert!(
            styles.contains("yyyy-mm-dd"),
            "dates are formatted as dates"
        );
    }
}

#[test]
fn the_header_is_frozen_and_columns_are_as_wide_as_their_text() {
    let dir = scratch("xlsx-layout");
    let book = dir.join("w.xlsx");
    ok(&[
        "-c",
        &format!(
            "COPY (SELECT 'abcdefgh' AS latin, '政法委员会经费' AS chinese, 1 AS n) TO '{}'",
            book.display()
        ),
    ]);
    let sheet = part(&book, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""),
        "{sheet}"
    );
    assert!(sheet.contains("<autoFilter ref=\"A1:C2\""), "{sheet}");
    let widths: Vec<f64> = sheet
        .split("<col ")
        .skip(1)
        .map(|c| {
            let w = c.split("width=\"").nth(1).unwrap();
            w[..w.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    // 7 Chinese characters are 14 display columns; 8 Latin letters are 8
    assert!(widths[1] > widths[0] + 4.0, "{widths:?}");
    // the sheet is named after the file when COPY names none
    let wb = part(&book, "xl/workbook.xml");
    assert!(wb.contains("name=\"w\""), "{wb}");
}

#[test]
fn workbooks_are_never_overwritten_without_overwrite() {
    let dir = scratch("xlsx-over");
    let book = dir.join("b.xlsx");
    let b = book.display().to_string();
    ok(&["-c", &format!("COPY (SELECT 1 AS a) TO '{b}' (SHEET 'one'); COPY (SELECT 2 AS a) TO '{b}' (SHEET 'two')")]);
    let before = std::fs::read(&book).unwrap();
    // a sheet of the same name in the same session: refused, file untouched
    let (code, _, err) = run(&[
        "-c",
        &format!(
            "COPY (SELECT 1 AS a) TO '{b}' (SHEET 'x'); COPY (SELECT 3 AS a) TO '{b}' (SHEET 'X')"
        ),
    ]);
    assert_clean_failure(code, &err);
    // the first statement of that run failed already: the file exists and is not this session's
    assert!(err.contains("already exists; add (OVERWRITE)"), "{err}");
    assert_eq!(std::fs::read(&book).unwrap(), before);
    // within one session: the same sheet name again is refused at the name
    let (code, _, err) = run(&["-c", &format!("COPY (SELECT 1 AS a) TO '{b}' (SHEET 'x', OVERWRITE); COPY (SELECT 3 AS a) TO '{b}' (SHEET 'X')")]);
    assert_clean_failure(code, &err);
    assert!(err.contains("already has a sheet `X`"), "{err}");
    let sheets = crate::common::read_workbook(&book);
    assert_eq!(sheets.len(), 1, "OVERWRITE replaced the old workbook");
    assert_eq!(sheets[0].1[1][0], Data::Float(1.0));
    // OVERWRITE replaces the sheet of that name and keeps the others
    ok(&["-c", &format!("COPY (SELECT 1 AS a) TO '{b}' (SHEET 'x', OVERWRITE); COPY (SELECT 2 AS a) TO '{b}' (SHEET 'y'); COPY (SELECT 9 AS a) TO '{b}' (SHEET 'x', OVERWRITE)")]);
    let sheets = crate::common::read_workbook(&book);
    let got: Vec<(&str, &Data)> = sheets.iter().map(|(n, r)| (n.as_str(), &r[1][0])).collect();
    assert_eq!(got, [("x", &Data::Float(9.0)), ("y", &Data::Float(2.0))]);
}

#[test]
fn copy_options_and_sheet_names_are_checked_where_they_are_written() {
    let dir = scratch("xlsx-errors");
    let cases = [
        (
            "COPY (SELECT 1 AS a) TO 'x.xlsx' (SHEET 'a/b')",
            "1:42: sheet name `a/b` contains `/`",
        ),
        (
            "COPY (SELECT 1 AS a) TO 'x.xlsx' (SHEET a)",
            "1:41: put the sheet name in single quotes",
        ),
        (
            "COPY (SELECT 1 AS a) TO 'x.xlsx' (FORMAT csv)",
            "1:35: unknown COPY option `FORMAT`",
        ),
        (
            "COPY (SELECT 1 AS a) TO 'x.csv' (SHEET 'a')",
            "1:41: SHEET is for workbooks",
        ),
        (
            "COPY (SELECT 1 AS a) TO 'x.docx'",
            "1:26: cannot write `.docx` files",
        ),
    ];
    for (sql, want) in cases {
        let (code, _, err) = run_in(&dir, &["-c", sql]);
        assert_clean_failure(code, &err);
        assert!(err.contains(want), "{sql}\n{err}");
        assert!(err.contains('^'), "{err}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn once_in_the_shell_writes_a_workbook_or_a_chart() {
    use budgetql::repl::{meta::Meta, Shell};
    let dir = scratch("once");
    let mut session = budgetql::Session::bundled().unwrap();
    let mut shell = Shell::new(budgetql::Format::Table, Default::default());
    let (mut out, mut err) = (vec![], vec![]);
    let book = dir.join("r.xlsx");
    let m: Meta = format!(".once {}", book.display()).parse().unwrap();
    assert!(shell.meta(&mut session, m, &mut out, &mut err));
    shell.run_sql(&mut session, &format!("{MIXED};"), "", &mut err);
    assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    let sheets = crate::common::read_workbook(&book);
    assert_eq!(sheets[0].0, "r");
    assert_sheet_is_csv(
        &sheets[0].1,
        &ok(&["--format", "csv", "-c", MIXED]),
        ".once",
    );
    // .once x.svg: the next result, as the chart it was asked as
    let svg = dir.join("c.svg");
    let m: Meta = format!(".once {}", svg.display()).parse().unwrap();
    shell.meta(&mut session, m, &mut out, &mut err);
    shell.run_sql(
        &mut session,
        &format!("CHART LINE {SPENDING};"),
        "",
        &mut err,
    );
    assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("class=\"chart line\""), "{text}");
    // .output x.xlsx would write text into a workbook's name: refused, with the way
    let m: Meta = format!(".output {}", dir.join("o.xlsx").display())
        .parse()
        .unwrap();
    shell.meta(&mut session, m, &mut out, &mut err);
    assert!(String::from_utf8_lossy(&err).contains("use `.once"));
    assert!(!dir.join("o.xlsx").exists());
    // an existing file is replaced only when asked, as COPY does
    for (command, file) in [(".once", &book), (".output", &dir.join("o.csv"))] {
        std::fs::write(file, "keep me").unwrap();
        let mut err = vec![];
        let m: Meta = format!("{command} {}", file.display()).parse().unwrap();
        shell.meta(&mut session, m, &mut out, &mut err);
        shell.run_sql(&mut session, "SELECT 1 AS a;", "", &mut vec![]);
        shell.meta(&mut session, Meta::Output(None), &mut out, &mut vec![]);
        let said = String::from_utf8_lossy(&err);
        assert!(said.contains("already exists; add `overwrite`"), "{said}");
        assert_eq!(std::fs::read_to_string(file).unwrap(), "keep me");
        let m: Meta = format!("{command} {} overwrite", file.display())
            .parse()
            .unwrap();
        shell.meta(&mut session, m, &mut out, &mut err);
        shell.run_sql(&mut session, "SELECT 1 AS a;", "", &mut err);
        shell.meta(&mut session, Meta::Output(None), &mut out, &mut vec![]);
        assert_ne!(std::fs::read(file).unwrap(), b"keep me");
    }
}

/// Each department's spending, 2017–2019, on the generated warehouse ([`gen_warehouse`]),
/// in the order a user might well write it: by department.
const SPENDING: &str = "SELECT year, dept_code, SUM(amount) AS spending FROM budget_lines \
    WHERE source IN (SELECT source FROM departments WHERE budget_level = 'department') \
    AND direction = 'expense' AND item = '支出合计' AND year BETWEEN 2017 AND 2019 \
    GROUP BY 1, 2 ORDER BY 2, 1";

fn num(n: &roxmltree::Node, a: &str) -> f64 {
    n.attribute(a).unwrap().parse().unwrap()
}

#[test]
fn a_line_chart_of_years_has_one_line_per_department_through_its_figures() {
    for (unit, label) in [("wan", "万元"), ("yuan", "元")] {
        let dir = scratch("line");
        let p = dir.join("s.svg");
        ok(&[
            "--data",
            gen_warehouse(),
            "--money",
            unit,
            "-c",
            &format!("COPY (CHART LINE {SPENDING}) TO '{}'", p.display()),
        ]);
        let text = std::fs::read_to_string(&p).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
        let root = doc.root_element();
        let (w, h) = (num(&root, "width"), num(&root, "height"));
        let series: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("series"))
            .collect();
        let names: Vec<&str> = series
            .iter()
            .map(|s| s.attribute("data-name").unwrap())
            .collect();
        // one line per department, in the order of the first value of each
        let depts = ok(&[
            "--data",
            gen_warehouse(),
            "--format",
            "csv",
            "-c",
            "SELECT DISTINCT dept_code FROM budget_lines ORDER BY 1",
        ]);
        let depts: Vec<&str> = depts.lines().skip(1).collect();
        assert_eq!(depts.len(), 3);
        assert_eq!(names, depts);
        // the figures, as the CSV prints them, by department and year
        let csv = ok(&[
            "--data",
            gen_warehouse(),
            "--money",
            unit,
            "--format",
            "csv",
            "-c",
            SPENDING,
        ]);
        let mut all_y = vec![];
        for s in &series {
            let pts: Vec<roxmltree::Node> =
                s.children().filter(|n| n.has_tag_name("circle")).collect();
            assert_eq!(pts.len(), 3, "one point a year");
            let path = s.children().find(|n| n.has_tag_name("path")).unwrap();
            let d = path.attribute("d").unwrap();
            assert_eq!(d.matches('M').count() + d.matches('L').count(), 3, "{d}");
            let xs: Vec<f64> = pts.iter().map(|c| num(c, "cx")).collect();
            assert!(
                xs.windows(2).all(|p| p[0] < p[1]),
                "years left to right: {xs:?}"
            );
            for (c, year) in pts.iter().zip(["2017", "2018", "2019"]) {
                let title = c
                    .children()
                    .find(|n| n.has_tag_name("title"))
                    .unwrap()
                    .text()
                    .unwrap();
                let dept = s.attribute("data-name").unwrap();
                let line = csv
                    .lines()
                    .find(|l| l.starts_with(&format!("{year},{dept},")))
                    .unwrap();
                let exact = line.rsplit(',').next().unwrap();
                let v: f64 = exact.parse().unwrap();
                assert!(title.ends_with(&grouped(exact)), "{title} vs {exact}");
                all_y.push((v, num(c, "cy")));
                assert!((0.0..=w).contains(&num(c, "cx")) && (0.0..=h).contains(&num(c, "cy")));
            }
        }
        // a larger figure is drawn higher, in proportion
        all_y.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(all_y.windows(2).all(|p| p[0].1 >= p[1].1), "{all_y:?}");
        let (lo, hi) = (all_y[0], all_y[all_y.len() - 1]);
        let ticks: Vec<(f64, f64)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("grid"))
            .map(|n| num(&n, "y1"))
            .zip(
                doc.descendants()
                    .filter(|n| {
                        n.attribute("class") == Some("tick")
                            && n.parent().unwrap().attribute("class") == Some("y-axis")
                    })
                    .map(|n| n.text().unwrap().replace(',', "").parse::<f64>().unwrap()),
            )
            .map(|(y, v)| (v, y))
            .collect();
        // the value axis is linear: the points sit where the ticks say
        let (t0, t1) = (ticks[0], ticks[ticks.len() - 1]);
        let at = |v: f64| t0.1 + (v - t0.0) / (t1.0 - t0.0) * (t1.1 - t0.1);
        assert!(
            (at(lo.0) - lo.1).abs() < 0.1 && (at(hi.0) - hi.1).abs() < 0.1,
            "{ticks:?}"
        );
        assert!(
            t0.0 <= 0.0 && t1.0 >= hi.0,
            "zero and the largest figure are on the axis"
        );
        // the unit is in the value axis' title; the legend names every line
        let titles: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("axis-title"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(titles, [format!("spending ({label})").as_str(), "year"]);
        let legend: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend-label"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(legend, names);
    }
}

/// Thousands separators, as the chart labels print figures.
pub fn grouped(exact: &str) -> String {
    let (int, frac) = exact.split_once('.').unwrap_or((exact, ""));
    let mut g = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    if frac.is_empty() {
        g
    } else {
        format!("{g}.{frac}")
    }
}

#[test]
fn stacked_and_grouped_bars_split_each_bar_by_series() {
    let q = "SELECT unit_name, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY 1 ORDER BY 1";
    let dir = scratch("stack");
    let (s, g) = (dir.join("s.svg"), dir.join("g.svg"));
    ok(&[
        "-c",
        &format!(
            "COPY (CHART BAR STACKED {q}) TO '{}'; COPY (CHART BAR GROUPED {q}) TO '{}'",
            s.display(),
            g.display()
        ),
    ]);
    let text = std::fs::read_to_string(&s).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let cats: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("category"))
        .collect();
    assert_eq!(cats.len(), 2);
    let mut per_px = vec![];
    for c in &cats {
        let segs: Vec<roxmltree::Node> = c
            .children()
            .filter(|n| n.attribute("class") == Some("segment"))
            .collect();
        let series: Vec<&str> = segs
            .iter()
            .map(|n| n.attribute("data-series").unwrap())
            .collect();
        assert_eq!(series, ["fiscal", "other"]);
        // segments follow each other
        assert!((num(&segs[0], "x") + num(&segs[0], "width") - num(&segs[1], "x")).abs() < 0.01);
        let total = c
            .children()
            .find(|n| n.attribute("class") == Some("total"))
            .unwrap()
            .text()
            .unwrap();
        let width: f64 = segs.iter().map(|n| num(n, "width")).sum();
        per_px.push(total.replace(',', "").parse::<f64>().unwrap() / width);
    }
    assert!(
        (per_px[0] - per_px[1]).abs() < 1e-3,
        "bar lengths are proportional: {per_px:?}"
    );
    let unit = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("unit"))
        .unwrap();
    assert_eq!(unit.attribute("data-unit"), Some("万元"));
    let text = std::fs::read_to_string(&g).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let bars = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bar"))
        .count();
    assert_eq!(bars, 4, "one bar per unit and funding source");
    // in the terminal
    let out = ok(&[
        "-c",
        "CHART BAR STACKED SELECT 'a' AS k, 3 AS x, 1 AS y UNION ALL SELECT 'b' AS k, 1 AS x, 1 AS y",
    ]);
    assert_eq!(
        out,
        format!(
            "a │{}{} 4\nb │{}{} 2\n   █ x  ▓ y\n",
            "█".repeat(30),
            "▓".repeat(10),
            "█".repeat(10),
            "▓".repeat(10)
        )
    );
    // long form: a text column names the series; trailing STACKED is accepted too
    let long = ok(&[
        "-c",
        "CHART BAR SELECT 'a' AS k, 'x' AS s, 3 AS v UNION ALL SELECT 'a' AS k, 'y' AS s, 1 AS v UNION ALL SELECT 'b' AS k, 'x' AS s, 1 AS v UNION ALL SELECT 'b' AS k, 'y' AS s, 1 AS v STACKED",
    ]);
    assert_eq!(long, out);
    // long form with a numeric series column (`dept_code, year, SUM(amount)`): each row's
    // x repeats, so the column after it names the series (issue 32: the years were
    // stacked as amounts, a series of their own)
    let years = ok(&[
        "-c",
        "CHART BAR STACKED SELECT 'a' AS k, 2020 AS year, 3 AS v UNION ALL SELECT 'a', 2021, 1 UNION ALL SELECT 'b', 2020, 1 UNION ALL SELECT 'b', 2021, 1",
    ]);
    assert_eq!(
        years,
        format!(
            "a │{}{} 4\nb │{}{} 2\n   █ 2020  ▓ 2021\n",
            "█".repeat(30),
            "▓".repeat(10),
            "█".repeat(10),
            "▓".repeat(10)
        )
    );
    let grouped = ok(&["-c", "CHART BAR GROUPED SELECT 'a' AS k, 4 AS x, -2 AS y"]);
    assert_eq!(
        grouped,
        format!("a x │{} 4\n  y │-{} -2\n", "█".repeat(40), "█".repeat(20))
    );
}

#[test]
fn charts_say_what_the_query_must_return() {
    let cases = [
        ("CHART PIE SELECT 1", "1:7: unknown chart `PIE`"),
        ("CHART LINE STACKED SELECT 1 AS a, 2 AS b", "1:7: STACKED is for bars"),
        ("CHART LINE SELECT 1 AS x", "CHART LINE needs an x column followed by values"),
        ("CHART LINE SELECT 'a' AS x, 'b' AS y", "needs a numeric column after `x`"),
        ("CHART BAR STACKED SELECT 'a' AS k, -1 AS v", "stacks amounts ≥ 0, but v is -1 for a"),
        (
            "CHART LINE SELECT year, budget FROM projects",
            "CHART LINE: two rows for `year` = 2021 (row 2); a chart draws one value for each: GROUP BY them",
        ),
        (
            "CHART LINE SELECT year, unit_name || project_name AS p, SUM(budget) FROM projects GROUP BY 1, 2",
            "CHART LINE draws at most 10 series; this result has 49 values of `p`: filter them (WHERE …)",
        ),
    ];
    for (sql, want) in cases {
        let (code, _, err) = run(&["-c", sql]);
        assert_clean_failure(code, &err);
        assert!(err.contains(want), "{sql}\n{err}");
    }
}

#[test]
fn the_terminal_line_chart_of_the_saved_script_is_as_reviewed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let got = ok(&[
        "--data",
        gen_warehouse(),
        "-f",
        root.join("queries/spending_by_year_chart.sql")
            .to_str()
            .unwrap(),
    ]);
    let want_path = root.join("tests/queries/spending_by_year_chart.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&want_path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&want_path).unwrap();
    assert_eq!(got, want);
    // every department has its marker in the legend and on the plot (a point drawn over
    // another's at the terminal's resolution hides it: at most 3 years × 3 departments)
    let (plot, legend) = got.rsplit_once('\n').unwrap().0.rsplit_once('\n').unwrap();
    let on_plot: usize = ['●', '■', '▲']
        .iter()
        .map(|m| plot.matches(*m).count())
        .sum();
    for m in ['●', '■', '▲'] {
        assert!(legend.contains(m) && plot.contains(m), "{m}\n{got}");
    }
    assert!((3..=9).contains(&on_plot), "{on_plot} points\n{got}");
}

/// A bar chart of `year, SUM(x)` labels the bars with the year and sizes them by the sum
/// (issue 32: the year sized them and the money labelled them).
#[test]
fn a_bar_chart_of_years_is_labelled_by_the_year_and_sized_by_the_value() {
    let wh = gen_warehouse();
    let out = ok(&[
        "--data",
        wh,
        "-c",
        "CHART BAR SELECT year, SUM(budget) AS b FROM projects WHERE year >= 2020 GROUP BY year ORDER BY year",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (l, year) in lines.iter().zip(["2020", "2021"]) {
        assert!(l.starts_with(&format!("{year} │█")), "{out}");
        let shown = l.rsplit(' ').next().unwrap().replace(',', "");
        assert!(shown.parse::<f64>().unwrap() > 1000.0, "{out}");
    }
}
