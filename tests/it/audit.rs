//! AUDIT on the bundled document (its real inconsistencies, found by reading it),
//! on a clean version of it (no findings), and on one-figure mutations of the clean
//! version, each of which must fire its rule and no other.

use crate::common::*;
use budgetql::ingest::ingest_text;
use budgetql::Session;

fn findings(text: &str) -> String {
    let doc = ingest_text("doc.txt", text).expect("ingests");
    let mut s = Session::from_documents(&[doc]).unwrap();
    let df = s.query("AUDIT; SELECT rule, severity, table_name, line, lines, expected, found, difference FROM audit_findings ORDER BY line, rule, expected").unwrap();
    let mut buf = vec![];
    budgetql::render::render(&df, budgetql::Format::Csv, &Default::default(), &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

fn rules_fired(text: &str) -> Vec<String> {
    let mut r: Vec<String> = findings(text)
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    r.dedup();
    r
}

/// Replace exactly one occurrence of `from` (which must exist once).
fn fix(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// The bundled document with its real inconsistencies corrected.
fn clean() -> String {
    let t = BUNDLED.to_string();
    let t = fix(
        &t,
        "预算数15万元。其中：财政资金12万元",
        "预算数12万元。其中：财政资金12万元",
    );
    let t = fix(
        &t,
        "预算数11万元。其中：财政资金11万元",
        "预算数12万元。其中：财政资金12万元",
    );
    let t = fix(&t, "预算数72万元。", "预算数62万元。");
    let t = fix(
        &t,
        "预算数4万元。其中：财政资金2万元",
        "预算数2万元。其中：财政资金2万元",
    );
    fix(&t, "较2010年增加1209.63万元", "较2020年增加1292.06万元")
}

/// Set line `n` (1-based) of `text`, checking what was there.
fn set_line(text: &str, n: usize, was: &str, now: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines[n - 1], was, "line {n}");
    lines[n - 1] = now;
    lines.join("\n")
}

#[test]
fn the_bundled_document_real_inconsistencies() {
    // read off the document:
    //  line 95: 较2010年 — the budget year is 2021, so the comparison year must be 2020 (R11);
    //           and the parts of the change (817.54 + 474.52 = 1292.06) are not the stated 1209.63 (R6)
    //  line 1191: 综治工作专项经费 sentence says 预算数15万元, its table 12.00 (R5)
    //  line 2275: 法律服务费 sentence says 11 and 财政资金11, the table 12 and 12 (R5 twice)
    //  line 2458: 护路经费 sentence says 72, the table 62 (R5)
    //  line 2546: 社区矫正工作经费 sentence says 4, the table 2 (R5)
    // (R11 compares years: its explanation says them; the money columns are for money)
    assert_eq!(
        findings(BUNDLED),
        "rule,severity,table_name,line,lines,expected,found,difference\n\
         R11,error,budget_lines,95,95,,,\n\
         R6,error,budget_lines,95,95,1209.63,1292.06,82.43\n\
         R5,error,projects,1191,\"1173, 1191\",12.00,15.00,3.00\n\
         R5,error,projects,2275,\"2257, 2275\",12.00,11.00,-1.00\n\
         R5,error,projects,2275,\"2257, 2275\",12.00,11.00,-1.00\n\
         R5,error,projects,2458,\"2440, 2458\",62.00,72.00,10.00\n\
         R5,error,projects,2546,\"2528, 2546\",2.00,4.00,2.00\n"
    );
}

#[test]
fn a_clean_document_has_no_findings() {
    assert_eq!(
        findings(&clean()),
        "rule,severity,table_name,line,lines,expected,found,difference\n"
    );
}

#[test]
fn each_rule_fires_alone() {
    let c = clean();
    let cases: Vec<(&str, String)> = vec![
        ("R1", fix(&c, "人员经费841.20万元", "人员经费841.30万元")),
        (
            "R2",
            fix(
                &c,
                "收入为1662.99万元，其中：财政拨款收入1572.09万元",
                "收入为1663.99万元，其中：财政拨款收入1573.09万元",
            ),
        ),
        ("R3", {
            let t = fix(&c, "\t综治视联网建设经费\n\n\t预算规模及资金用途\n\t预算数\n\t162.00\n\t其中：财政资金\n\t162.00", "\t综治视联网建设经费\n\n\t预算规模及资金用途\n\t预算数\n\t163.00\n\t其中：财政资金\n\t163.00");
            fix(
                &t,
                "预算数162万元。其中：财政资金162万元",
                "预算数163万元。其中：财政资金163万元",
            )
        }),
        ("R4", {
            let t = set_line(&c, 468, "\t5.00", "\t4.00");
            fix(
                &t,
                "预算数5万元。其中：财政资金5万元，其他资金0万元。主要用于维护稳定工作专项经费",
                "预算数5万元。其中：财政资金4万元，其他资金0万元。主要用于维护稳定工作专项经费",
            )
        }),
        (
            "R5",
            fix(
                &c,
                "预算数5万元。其中：财政资金5万元，其他资金0万元。主要用于维护稳定工作专项经费",
                "预算数6万元。其中：财政资金5万元，其他资金0万元。主要用于维护稳定工作专项经费",
            ),
        ),
        (
            "R6",
            fix(&c, "公务接待费增加了0.57万元", "公务接待费增加了0.58万元"),
        ),
        (
            "R7",
            fix(
                &c,
                "公务用车运行维护费12.68万元；",
                "公务用车运行维护费12.58万元；",
            ),
        ),
        ("R8", set_line(&c, 176, "\t11.90", "\t11.80")),
        ("R9", set_line(&c, 256, "\t278.57", "\t278.58")),
        ("R10", set_line(&c, 484, "\t75.00%", "\t45.00%")),
        ("R11", fix(&c, "与2020年相比", "与2019年相比")),
    ];
    for (rule, text) in cases {
        assert_eq!(
            rules_fired(&text),
            vec![rule.to_string()],
            "{rule}:\n{}",
            findings(&text)
        );
    }
}

#[test]
fn rounding_differences_are_warnings() {
    // 278.57 → 278.58 is one unit in the last printed digit
    let t = set_line(&clean(), 256, "\t278.57", "\t278.58");
    assert_eq!(findings(&t), "rule,severity,table_name,line,lines,expected,found,difference\nR9,warning,assets,234,234-254,314.78,314.79,0.01\n");
}

#[test]
fn audit_from_the_command_line_and_sql() {
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "SELECT rule, COUNT(*) AS n FROM audit_findings WHERE source = 'qinhuangdao-etdz-zhengfawei-2021' GROUP BY rule ORDER BY rule",
    ]);
    // the 2021 document's seven findings (the real PDFs': the corpus target's audit.rs)
    assert_eq!(out, "rule,n\nR11,1\nR5,5\nR6,1\n");
    let out = ok(&["audit", "--format", "csv"]);
    assert!(out.starts_with("year,dept_code,rule,severity,table_name,source,page,line,lines,expected,found,difference,explanation\n"), "{out}");
    assert!(
        out.contains("the text compares 2021 with 2010; the year before the budget year is 2020"),
        "{out}"
    );
    assert!(
        out.contains("project 护路经费: the sentence states 预算数 72.00 but the table says 62.00"),
        "{out}"
    );
    // the header and the 2021 document's 7 findings
    assert_eq!(out.lines().count(), 1 + 7, "{out}");
    // a filter on year and department reaches every rule, the prose ones too
    let out = ok(&[
        "--format",
        "csv",
        "-c",
        "AUDIT WHERE year = 2021 AND dept_code = '216'",
    ]);
    assert_eq!(out.lines().count(), 1 + 7, "{out}");
    assert!(
        out.contains(",R5,") && out.contains(",R6,") && out.contains(",R11,"),
        "{out}"
    );
    let out = ok(&["--format", "csv", "-c", "AUDIT WHERE year = 2020"]);
    assert_eq!(out.lines().count(), 1, "no 2020 document: {out}");
}

/// `--money yuan` scales money, never a year or a percentage: a finding whose figures are
/// not money leaves the money columns empty and says its figures in the explanation.
#[test]
fn only_money_is_scaled_in_findings() {
    let yuan = ok(&[
        "--money",
        "yuan",
        "--format",
        "csv",
        "-c",
        "SELECT rule, expected, found, difference, explanation FROM audit_findings WHERE rule IN ('R11', 'R6') ORDER BY rule",
    ]);
    let lines: Vec<&str> = yuan.lines().collect();
    assert_eq!(lines[0], "rule,expected,found,difference,explanation");
    assert!(lines[1].starts_with("R11,,,,"), "{yuan}");
    assert!(
        lines[1].contains("2010") && lines[1].contains("2020"),
        "{yuan}"
    );
    // money in 元
    assert!(
        lines[2].starts_with("R6,12096300.00,12920600.00,824300.00,"),
        "{yuan}"
    );
    let table = ok(&[
        "--money",
        "yuan",
        "-c",
        "SELECT rule, expected FROM audit_findings WHERE rule = 'R6'",
    ]);
    assert!(table.contains("12,096,300.00"), "{table}");
}

/// AUDIT on the screen shows each finding as a block with its explanation whole (a table
/// row was 600 columns wide and cut the explanation); other formats keep the columns.
#[test]
fn audit_on_the_screen_shows_each_finding_whole() {
    let shown = ok(&["-c", "AUDIT"]);
    assert!(
        shown.contains("explanation = the text compares 2021 with 2010; the year before the budget year is 2020\n"),
        "{shown}"
    );
    assert!(shown.ends_with("\n7 rows\n"), "{shown}");
    let widest = shown.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest < 200, "{widest}");
    let csv = ok(&["--format", "csv", "-c", "AUDIT"]);
    assert!(csv.starts_with("year,dept_code,rule,severity,"), "{csv}");
}
