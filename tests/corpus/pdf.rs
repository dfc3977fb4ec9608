//! PDFs read directly: the 15 real disclosures of the corpus against its `pdf/truth.csv`,
//! the figures read off each document by hand.

use budgetql::ingest::{ingest_file, Document};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

use crate::{corpus_pdfs, pdf, pdf_dir};

/// The corpus PDFs budgetql cannot read yet, with the error each gives. The test fails when one starts to ingest, so this list
/// only shrinks.
const NOT_YET_READ: &[(&str, &str)] = &[
    // every corpus PDF ingests (2026-12-01); a new one that does not goes here, with
    // the start of its error
];

/// Figures of truth.csv that the tables do not hold yet, each with why (reviewed: none is
/// a wrong figure, each is a table not yet read). The test fails when one is found, so
/// this list only shrinks.
const KNOWN_MISSING: &[(&str, &str)] = &[
    // every figure of truth.csv is found (2026-12-01); one a change loses goes here only
    // with the reason, reviewed
];

/// Every amount the document's tables hold, as (table, label, phase, amount in 万元).
pub fn amounts(d: &Document) -> Vec<(&'static str, String, &'static str, Decimal)> {
    let r = &d.records;
    let mut v = vec![];
    for b in &r.budget_lines {
        if let Some(a) = b.amount {
            v.push(("budget_lines", b.item.clone(), d.phase, a));
        }
    }
    for b in &r.income_by_source {
        if let Some(a) = b.amount {
            v.push(("income_by_source", b.item.clone(), d.phase, a));
        }
    }
    for t in &r.three_public {
        if let Some(a) = t.amount {
            v.push((
                "three_public",
                t.category.clone(),
                t.phase.unwrap_or(d.phase),
                a,
            ));
        }
    }
    for s in &r.stated_subtotals {
        if s.code.is_none() {
            v.push((
                "stated_subtotals",
                format!("{}:{}", s.table, s.column),
                d.phase,
                s.amount,
            ));
        }
    }
    let total: Option<Decimal> = r
        .spending_by_function
        .iter()
        .map(|f| f.total)
        .try_fold(Decimal::ZERO, |acc, t| t.map(|t| acc + t));
    if let Some(t) = total.filter(|_| !r.spending_by_function.is_empty()) {
        v.push(("spending_by_function", "SUM(total)".into(), d.phase, t));
    }
    v
}

/// Where each figure of truth.csv must be found: the tables and the labels it may carry.
fn places(figure: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const BL: &[&str] = &["budget_lines"];
    const IS: &[&str] = &["income_by_source", "budget_lines"];
    const TP: &[&str] = &["three_public"];
    match figure {
        "income_total" => (IS, &["收入合计", "收入总计", "本年收入合计"]),
        "expenditure_total" => (BL, &["支出合计", "支出总计", "本年支出合计"]),
        "grand_total_income" => (IS, &["收入总计", "总计", "收入合计"]),
        "grand_total_expenditure" => (BL, &["支出总计", "总计", "支出合计"]),
        "fiscal_appropriation_income" => (IS, &["财政拨款", "财政拨款收入"]),
        "general_public_budget_income" => (
            IS,
            &[
                "一般公共预算",
                "一般公共预算资金",
                "一般公共预算财政拨款收入",
                "一般公共预算财政拨款",
                "一般公共预算收入",
            ],
        ),
        "basic_expenditure" => (BL, &["基本支出"]),
        "project_expenditure" => (BL, &["项目支出"]),
        "reserve_fund" => (BL, &["单位预留机动经费"]),
        "admin_operating_cost" => (BL, &["机关运行经费"]),
        "carryover_begin" => (IS, &["年初结转和结余"]),
        "carryover_end" => (BL, &["年末结转和结余"]),
        "other_income" | "other_funds_income" => (IS, &["其他收入", "其他资金"]),
        "sangong_total" | "sangong_budget_total" => (TP, &["合计"]),
        "sangong_outbound" => (TP, &["因公出国（境）费"]),
        "sangong_vehicle_purchase" => (TP, &["公务用车购置费"]),
        "sangong_vehicle_operation" => (TP, &["公务用车运行维护费"]),
        "sangong_reception" => (TP, &["公务接待费"]),
        // the functional table's 合计: the stored table's rows, or a printed total of it
        // or of its 一般公共预算 / 财政拨款 view
        "func_table_total" => (
            &["spending_by_function", "stated_subtotals"],
            &[
                "SUM(total)",
                "spending_by_function:total",
                "spending_by_function (general public budget):total",
                "spending_by_function (fiscal appropriation):total",
            ],
        ),
        "gpb_basic_expenditure" => (
            &["stated_subtotals"],
            &[
                "spending_by_function:basic",
                "spending_by_function (general public budget):basic",
            ],
        ),
        // the 财政拨款收支总表's 总计 (kept in stated_subtotals)
        "fiscal_grand_total" => (&["stated_subtotals"], &["财政拨款收支总表:total"]),
        other => panic!("truth.csv has a figure this test does not know: {other}"),
    }
}

fn parse_csv_line(l: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = l.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn ingest_all() -> BTreeMap<String, Result<Document, String>> {
    corpus_pdfs()
        .iter()
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().to_string();
            (id, ingest_file(p).map_err(|e| e.to_string()))
        })
        .collect()
}

#[test]
fn every_corpus_pdf_ingests_and_holds_every_hand_read_figure() {
    let docs = ingest_all();
    assert_eq!(docs.len(), 15);
    let truth = std::fs::read_to_string(pdf_dir().join("truth.csv")).unwrap();
    let mut failures = vec![];
    for (id, d) in &docs {
        match (d, NOT_YET_READ.iter().find(|(n, _)| n == id)) {
            (Err(e), None) => failures.push(format!("{id}: does not ingest: {e}")),
            (Err(e), Some((_, why))) => assert!(e.contains(why), "{id}: {e}"),
            (Ok(_), Some(_)) => {
                failures.push(format!("{id} now ingests: take it off NOT_YET_READ"))
            }
            (Ok(_), None) => {}
        }
    }
    let mut checked = 0;
    for l in truth.lines().skip(1) {
        let f = parse_csv_line(l);
        let (doc, figure, value, unit) = (&f[0], &f[1], &f[2], &f[3]);
        let Some(Ok(d)) = docs.get(doc.as_str()) else {
            continue;
        };
        checked += 1;
        let known = KNOWN_MISSING.contains(&(doc.as_str(), figure.as_str()));
        let fail = |failures: &mut Vec<String>, msg: String| {
            if !known {
                failures.push(msg);
            }
        };
        if figure == "func_lei_count" {
            let n: usize = value.parse().unwrap();
            let mut classes: Vec<&str> = d
                .records
                .spending_by_function
                .iter()
                .map(|f| f.class_code.as_str())
                .collect();
            classes.sort();
            classes.dedup();
            if classes.len() != n {
                fail(
                    &mut failures,
                    format!("{doc}: {figure}: expected {n} 类, the table has {classes:?}"),
                );
            } else if known {
                failures.push(format!(
                    "{doc}: {figure} is found now: take it off KNOWN_MISSING"
                ));
            }
            continue;
        }
        let mut want = Decimal::from_str(value).unwrap();
        if unit == "元" {
            want /= Decimal::from(10_000);
        }
        let (tables, labels) = places(figure);
        let phase = if figure == "sangong_budget_total" {
            "budget"
        } else {
            d.phase
        };
        let found = amounts(d).iter().any(|(t, label, ph, a)| {
            tables.contains(t)
                && (labels.is_empty() || labels.contains(&label.as_str()))
                && (*t != "three_public" || *ph == phase)
                && a.normalize() == want.normalize()
        });
        if found && known {
            failures.push(format!(
                "{doc}: {figure} is found now: take it off KNOWN_MISSING"
            ));
        }
        if !found {
            let near: Vec<String> = amounts(d)
                .iter()
                .filter(|(t, ..)| tables.contains(t))
                .map(|(t, l, ph, a)| format!("{t}.{l}[{ph}]={a}"))
                .collect();
            fail(
                &mut failures,
                format!("{doc}: {figure} = {want} 万元 not found; the tables hold {near:?}"),
            );
        }
    }
    assert!(checked >= 210, "only {checked} figures checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} figures missing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_pdf_row_traces_to_a_page() {
    let p = pdf("jiangsu_high_court_2018_dept_budget");
    let d = ingest_file(std::path::Path::new(&p)).unwrap();
    assert_eq!(d.layout, "pdf");
    for b in &d.records.budget_lines {
        assert!(d.page_of(b.line).is_some(), "{b:?} has no page");
    }
}

/// `budgetql text FILE` prints the text layer the ingest reads: saved as a file, it
/// ingests to the same tables as the PDF itself.
#[test]
fn the_text_command_prints_what_the_ingest_reads() {
    use crate::common::*;
    let pdf = &crate::pdf("jiangsu_npc_office_2019_dept_budget_tables");
    let text = ok(&["text", pdf]);
    assert!(
        text.starts_with("=== page 1 ===\n收支预算总表\n公开表一\n"),
        "{text}"
    );
    let dir = scratch("text-cmd");
    let txt = dir.join("jiangsu_npc_office_2019_dept_budget_tables.txt");
    std::fs::write(&txt, &text).unwrap();
    let from_pdf = ingest_file(std::path::Path::new(pdf)).unwrap();
    let from_text = ingest_file(&txt).unwrap();
    assert_eq!(from_pdf.records, from_text.records);
    assert_eq!(from_pdf.line_pages, from_text.line_pages);
    // --positions: line numbers as the `line` column counts them, baselines, font sizes,
    // x extents
    let pos = ok(&["text", pdf, "--positions", "--page", "9"]);
    assert!(
        pos.starts_with(
            "=== page 9 ===\n  192 y=116.4  size=25.9 [231.1-727.9]“三公”经费、会议费、培训费支出预算表\n"
        ),
        "{pos}"
    );
    let (code, _, err) = run(&["text", pdf, "--page", "99"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("there is no page 99; the PDF has pages 1-13"),
        "{err}"
    );
    let seed = format!(
        "{}/datasets/raw/{}",
        env!("CARGO_MANIFEST_DIR"),
        budgetql::ingest::BUNDLED_NAME
    );
    let (code, _, err) = run(&["text", &seed]);
    assert_clean_failure(code, &err);
    assert!(err.contains("not a PDF file"), "{err}");
    let (code, _, err) = run(&["text", "no-such.pdf"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("no-such.pdf: cannot read the file: no such file"),
        "{err}"
    );
}

/// PDFs through every door: ingest --check names pages, LOAD reads them, and a
/// broken PDF is a clean error in the shell's statements too.
#[test]
fn pdfs_ingest_load_and_fail_cleanly_from_the_command_line() {
    use crate::common::*;
    let wanli = pdf("shanghai_putuo_wanli_subdistrict_2024_dept_budget");
    let out = ok(&["ingest", "--check", &wanli]);
    assert!(
        out.contains("year 2024, budget (预算), department 上海市普陀区人民政府万里街道办事处"),
        "{out}"
    );
    assert!(out.contains("  layout: pdf (the PDF's text layer"), "{out}");
    assert!(out.contains(".pdf:page "), "{out}");
    // LOAD: the 三公 table of p31 (truth.csv: 47.91 = 0 + 1.35 + 25 + 21.56)
    let q = format!("LOAD '{wanli}'; \
             SELECT category, amount, page FROM three_public WHERE source LIKE '%wanli%' ORDER BY category");
    assert_eq!(
        ok(&["--format", "csv", "-c", &q]),
        "category,amount,page\n公务接待费,1.35,31\n公务用车购置及运行费,46.56,31\n公务用车购置费,25.00,31\n\
         公务用车运行维护费,21.56,31\n合计,47.91,31\n因公出国（境）费,0.00,31\n"
    );
    // (broken PDFs through the same doors: tests/it/malformed.rs)
}

#[test]
fn department_and_unit_budgets_are_told_apart_and_not_counted_twice() {
    use crate::common::*;
    let dept = pdf("shanghai_putuo_justice_bureau_2026_dept_budget");
    let unit = pdf("shanghai_putuo_justice_bureau_2026_unit_budget");
    let load_dept = format!("LOAD '{dept}'");
    let load_unit = format!("LOAD '{unit}' AS u");
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        &load_dept,
        "-c",
        &load_unit,
        "-c",
        "SELECT source, dept_code, budget_level FROM departments WHERE year = 2026 ORDER BY source",
        "-c",
        "SELECT SUM(amount) AS spending FROM budget_lines WHERE source IN \
         (SELECT source FROM departments WHERE budget_level = 'department') \
         AND year = 2026 AND item = '支出合计'",
    ]);
    assert!(
        out.contains(
            "shanghai_putuo_justice_bureau_2026_dept_budget,上海市普陀区司法局,department\n\
             shanghai_putuo_justice_bureau_2026_unit_budget,上海市普陀区司法局,unit\n"
        ),
        "{out}"
    );
    // the department budget's 支出合计 (9,628.22 万元, p8), not that plus the unit's 8,695.94
    assert!(out.ends_with("spending\n9628.221344\n"), "{out}");
    // and loading the unit's document beside its department's says how not to count twice
    let said = ok(&["-c", &load_dept, "-c", &load_unit]);
    assert!(
        said.contains("is a unit's document of 上海市普陀区司法局 2026, part of the loaded department document shanghai_putuo_justice_bureau_2026_dept_budget"),
        "{said}"
    );
    let both = ok(&["ingest", "--check", &dept, &unit]);
    assert!(
        both.contains(
            "a unit's document of 上海市普陀区司法局 2026, ingested with the department's own"
        ),
        "{both}"
    );
}

#[test]
fn a_department_mapping_file_overrides_the_key_and_says_so() {
    use crate::common::*;
    let dir = scratch("dept-map");
    let map = dir.join("map.csv");
    std::fs::write(
        &map,
        "name,key\n# the 人大 office under its short name\n江苏省人大常委会办公厅,江苏省人大办\n",
    )
    .unwrap();
    let loads: Vec<String> = [
        "jiangsu_npc_office_2017_dept_budget",
        "jiangsu_npc_office_2018_dept_budget",
        "jiangsu_npc_office_2019_dept_budget_tables",
    ]
    .iter()
    .map(|id| format!("LOAD '{}'", pdf(id)))
    .collect();
    let out = ok(&[
        "--dept-map",
        map.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        &loads[0],
        "-c",
        &loads[1],
        "-c",
        &loads[2],
        "-c",
        "SELECT year, dept_code, dept_name, key_rule FROM departments WHERE dept_name LIKE '%人大%' ORDER BY year",
    ]);
    let at = format!("mapping {}:3", map.display());
    assert_eq!(
        out,
        format!(
            "year,dept_code,dept_name,key_rule\n\
             2017,江苏省人大办,江苏省人大常委会办公厅,{at}\n\
             2018,江苏省人大办,江苏省人大常委会办公厅,{at}\n\
             2019,江苏省人大办,江苏省人大常委会办公厅,{at}\n"
        )
    );
    // a malformed line is named
    std::fs::write(&map, "江苏省人大常委会办公厅\n").unwrap();
    let (code, _, err) = run(&["--dept-map", map.to_str().unwrap(), "-c", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(err.contains("map.csv:1: expected `name,key`"), "{err}");
}

#[test]
fn a_narrative_pdf_and_its_tables_pdf_are_one_disclosure_counted_once() {
    use crate::common::*;
    let tables = &pdf("jiangsu_npc_office_2019_dept_budget_tables");
    let narrative = &pdf("jiangsu_npc_office_2019_dept_budget_narrative");
    // ingested together: one disclosure, the narrative's figures kept as statements only
    let out = ok(&["ingest", "--check", tables, narrative]);
    assert!(
        out.contains(&format!(
            "one disclosure with {tables} (same department, year and phase): its tables state these figures, so this file's prose figures are kept in `statements` only (5 budget_lines, 2 income_by_source, 4 three_public dropped)"
        )),
        "{out}"
    );
    // loaded beside the tables: it joins them, and 支出合计 2019 is counted once
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        &format!("LOAD '{tables}'"),
        "-c",
        &format!("LOAD '{narrative}' AS n"),
        "-c",
        "SELECT source, disclosure FROM departments WHERE year = 2019 AND dept_name LIKE '%人大%' ORDER BY source",
        "-c",
        "SELECT SUM(amount) AS spending FROM budget_lines WHERE year = 2019 AND dept_code = '江苏省人大常委会办公厅' AND item = '支出合计'",
        "-c",
        "SELECT COUNT(*) AS n FROM statements WHERE source = 'jiangsu_npc_office_2019_dept_budget_narrative'",
    ]);
    assert!(
        out.contains(
            "jiangsu_npc_office_2019_dept_budget_narrative,jiangsu_npc_office_2019_dept_budget_tables\n\
             jiangsu_npc_office_2019_dept_budget_tables,jiangsu_npc_office_2019_dept_budget_tables\n"
        ),
        "{out}"
    );
    assert!(out.contains("spending\n18330.37\n"), "{out}");
    assert!(out.contains("n\n65\n"), "{out}");
    // and AUDIT compares the narrative's sentences with the other file's tables: they agree
    let out = ok(&["audit", "--format", "csv", tables, narrative]);
    assert_eq!(out.lines().count(), 1, "{out}");
}

/// No stored name holds an amount (issue 31: a row glued into the one above it was
/// stored as `行政事业单位医疗71102事业单位医疗503,724503,724`): the names and items of
/// every classification, summary, 三公 and subtotal row of the 15 PDFs hold no figure
/// (digits with a thousands comma or a decimal point) and no classification code.
#[test]
fn no_stored_name_holds_an_amount() {
    let figure = regex::Regex::new(r"\d,\d{3}|\d\.\d|\d{5,}").unwrap();
    let mut bad = vec![];
    let mut names = 0;
    for (doc, d) in ingest_all() {
        let Ok(d) = d else { continue };
        let r = &d.records;
        let all: Vec<&String> = r
            .spending_by_function
            .iter()
            .map(|x| &x.name)
            .chain(r.spending_by_economic.iter().map(|x| &x.name))
            .chain(r.budget_lines.iter().map(|x| &x.item))
            .chain(r.income_by_source.iter().map(|x| &x.item))
            .chain(r.three_public.iter().map(|x| &x.category))
            .chain(r.stated_subtotals.iter().map(|x| &x.name))
            .collect();
        names += all.len();
        bad.extend(
            all.into_iter()
                .filter(|n| figure.is_match(n))
                .map(|n| format!("{doc}: {n}")),
        );
    }
    assert!(names > 1000, "only {names} names read");
    assert!(
        bad.is_empty(),
        "names holding a figure or a code:\n{}",
        bad.join("\n")
    );
}
