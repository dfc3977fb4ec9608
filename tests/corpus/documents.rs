//! The disclosures read from PDF (the many-year warehouse of the corpus) and the four in
//! the PDF-text layout (pdfplumber's text of four of those PDFs, in the corpus):
//! layout recognition, the totals each document states against the sums of the
//! parsed rows, AUDIT, and one query across all five bundled documents.
//!
//! Every expected figure below was read off the document by hand (line numbers in
//! the comments); the sums are computed by the engine from the parsed rows, so a
//! mis-parsed, lost or doubled row fails.

use crate::common::*;
use crate::{q, text, text_path};

/// (document id, the figure it states, the query summing the parsed rows)
const STATED: &[(&str, &str, &str)] = &[
    // 江苏省高级人民法院 2019: 公开01表 支出合计 37,188.34 (line 200); 公开05表 合计 (line 247)
    ("jiangsu_high_court_2019_dept_budget", "37188.34", "SELECT SUM(total) FROM spending_by_function WHERE source = '{s}'"),
    // 公开06表 财政拨款基本支出 合计 21,968.00 (line 275) = 公开03表 基本支出 (line 230)
    ("jiangsu_high_court_2019_dept_budget", "21968.00", "SELECT SUM(amount) FROM spending_by_economic WHERE source = '{s}'"),
    ("jiangsu_high_court_2019_dept_budget", "21968.00", "SELECT amount FROM budget_lines WHERE source = '{s}' AND item = '基本支出'"),
    // 收入合计 37,188.34 = 当年收入小计 (line 198) = 一、财政拨款 (line 174)
    ("jiangsu_high_court_2019_dept_budget", "37188.34", "SELECT amount FROM income_by_source WHERE source = '{s}' AND item = '财政拨款'"),
    // 公开09表 (line 395): 三公 小计 513.75 = 160.00 + 266.80 + 86.95
    ("jiangsu_high_court_2019_dept_budget", "513.75", "SELECT SUM(amount) FROM three_public WHERE source = '{s}' AND parent_category = '合计'"),
    // 基本 21,968.00 + 项目 10,208.94 + 单位预留机动经费 5,011.40 = 37,188.34 (公开03表, line 230)
    ("jiangsu_high_court_2019_dept_budget", "37188.34", "SELECT SUM(amount) FROM budget_lines WHERE source = '{s}' AND parent_item = '支出合计'"),
    // 江苏省人民检察院 2019: 支出合计 24,169.74 (line 328); 公开06表 合计 15,844.04 (line 400)
    ("jiangsu_procuratorate_2019_dept_budget", "24169.74", "SELECT SUM(total) FROM spending_by_function WHERE source = '{s}'"),
    ("jiangsu_procuratorate_2019_dept_budget", "15844.04", "SELECT SUM(amount) FROM spending_by_economic WHERE source = '{s}'"),
    // 公开09表 (line 510): 三公 418.26 = 80 + 237 + 101.26
    ("jiangsu_procuratorate_2019_dept_budget", "418.26", "SELECT SUM(amount) FROM three_public WHERE source = '{s}' AND parent_category = '合计'"),
    ("jiangsu_procuratorate_2019_dept_budget", "24169.74", "SELECT SUM(amount) FROM budget_lines WHERE source = '{s}' AND parent_item = '支出合计'"),
    // 上海市普陀区司法局 2026 (tables in 元): 支出总计 96,282,213.44 元 (line 149) = 9,628.221344 万元
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "9628.221344", "SELECT SUM(total) FROM spending_by_function WHERE source = '{s}'"),
    // 支出预算总表 合计 row (line 211): 基本支出 25,741,666.44 元, 项目支出 70,540,547.00 元
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "2574.166644", "SELECT SUM(basic) FROM spending_by_function WHERE source = '{s}'"),
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "7054.0547", "SELECT SUM(project) FROM spending_by_function WHERE source = '{s}'"),
    // 经济分类预算表 合计 25,741,666.44 元 (line 293): 人员经费 23,563,342.00, 公用经费 2,178,324.44
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "2574.166644", "SELECT SUM(amount) FROM spending_by_economic WHERE source = '{s}'"),
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "2356.3342", "SELECT SUM(personnel) FROM spending_by_economic WHERE source = '{s}'"),
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "217.832444", "SELECT SUM(public) FROM spending_by_economic WHERE source = '{s}'"),
    // 三公 table in 万元 (line 332): 10.81 = 0 + 0.83 + 9.98
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "10.81", "SELECT SUM(amount) FROM three_public WHERE source = '{s}' AND parent_category = '合计'"),
    // 收入总计 96,282,213.44 元 = 财政拨款收入 + 事业收入 0 + 经营收入 0 + 其他收入 0
    ("shanghai_putuo_justice_bureau_2026_dept_budget", "9628.221344", "SELECT SUM(amount) FROM income_by_source WHERE source = '{s}' AND parent_item = '收入总计'"),
    // 上海市普陀区规划和自然资源局 2024 决算: 本年支出合计 9,759.38 (line 145) = 支出决算表 合计 (line 202)
    ("shanghai_putuo_planning_resources_2024_final_accounts", "9759.38", "SELECT SUM(total) FROM spending_by_function WHERE source = '{s}'"),
    ("shanghai_putuo_planning_resources_2024_final_accounts", "5377.64", "SELECT SUM(basic) FROM spending_by_function WHERE source = '{s}'"),
    ("shanghai_putuo_planning_resources_2024_final_accounts", "4381.74", "SELECT SUM(project) FROM spending_by_function WHERE source = '{s}'"),
    // 总计 9,859.38 = 本年支出合计 9,759.38 + 年末结转和结余 100.00 (lines 145-148)
    ("shanghai_putuo_planning_resources_2024_final_accounts", "9859.38", "SELECT SUM(amount) FROM budget_lines WHERE source = '{s}' AND parent_item = '支出合计'"),
    // 总计 9,859.38 = 本年收入合计 9,746.50 + 年初结转和结余 112.88
    ("shanghai_putuo_planning_resources_2024_final_accounts", "9859.38", "SELECT SUM(amount) FROM income_by_source WHERE source = '{s}' AND parent_item = '总计'"),
    // 基本支出决算表: 人员经费合计 4,884.09 + 公用经费合计 480.66 = 5,364.75 printed; the 61
    // printed items add up to 5,364.74 (the document's own rounding: its 302 row says
    // 440.90 where its items add up to 440.88)
    ("shanghai_putuo_planning_resources_2024_final_accounts", "5364.74", "SELECT SUM(amount) FROM spending_by_economic WHERE source = '{s}'"),
    // 三公 (line 409): 预算数 2.85, 决算数 0.39, both all 公务接待费
    ("shanghai_putuo_planning_resources_2024_final_accounts", "2.85", "SELECT SUM(amount) FROM three_public WHERE source = '{s}' AND parent_category = '合计' AND phase = 'budget'"),
    ("shanghai_putuo_planning_resources_2024_final_accounts", "0.39", "SELECT SUM(amount) FROM three_public WHERE source = '{s}' AND parent_category = '合计' AND phase = 'final'"),
];

#[test]
fn each_document_s_stated_totals_equal_the_sums_of_its_rows() {
    let mut failures = vec![];
    for (source, want, sql) in STATED {
        let sql = sql.replace("{s}", source);
        let out = q(&sql);
        let got = out.lines().nth(1).unwrap_or("");
        if got != *want {
            failures.push(format!("{source}: {sql}\n  want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn spending_per_department_and_phase_across_all_five_documents() {
    // the issue's own query, on the bundled data: every department as its document states it
    assert_eq!(
        q("SELECT dept_name, year, phase, SUM(total) FROM spending_by_function GROUP BY ALL ORDER BY year, dept_name"),
        "dept_name,year,phase,total\n\
         江苏省人大常委会办公厅,2017,budget,13649.07\n\
         江苏省人民检察院,2017,budget,17981.68\n\
         江苏省高级人民法院,2017,budget,28849.38\n\
         江苏省人大常委会办公厅,2018,budget,15897.44\n\
         江苏省人民检察院,2018,budget,21940.96\n\
         江苏省高级人民法院,2018,budget,33172.15\n\
         江苏省人大常委会办公厅,2019,budget,18330.37\n\
         江苏省人民检察院,2019,budget,24169.74\n\
         江苏省高级人民法院,2019,budget,37188.34\n\
         上海市普陀区人民政府万里街道办事处,2024,budget,15621.1123\n\
         上海市普陀区规划和自然资源局,2024,final,9759.38\n\
         上海市普陀区司法局,2026,budget,9628.221344\n"
    );
    // total spending of all five (the 2021 district document prints no functional table; its
    // 支出合计 1,662.99 comes from its text); a 决算's 支出合计 includes the carry-over
    assert_eq!(
        q("SELECT d.dept_name, b.year, b.phase, b.amount FROM budget_lines b JOIN departments d ON d.source = b.source \
           WHERE b.direction = 'expense' AND b.item = '支出合计' ORDER BY b.year, d.dept_name"),
        // every figure as truth.csv has it (read by hand off the PDFs)
        "dept_name,year,phase,amount\n\
         江苏省人大常委会办公厅,2017,budget,13649.07\n\
         江苏省人民检察院,2017,budget,17996.68\n\
         江苏省高级人民法院,2017,budget,28849.38\n\
         江苏省人大常委会办公厅,2018,budget,15897.44\n\
         江苏省人民检察院,2018,budget,21955.35\n\
         江苏省高级人民法院,2018,budget,33172.15\n\
         江苏省人大常委会办公厅,2019,budget,18330.37\n\
         江苏省人民检察院,2019,budget,24169.74\n\
         江苏省高级人民法院,2019,budget,37188.34\n\
         中共秦皇岛经济技术开发区工委政法委员会,2021,budget,1662.99\n\
         上海市普陀区人民政府万里街道办事处,2024,budget,15621.1123\n\
         上海市普陀区规划和自然资源局,2024,final,9859.38\n\
         上海市普陀区司法局,2026,budget,9628.221344\n"
    );
}

#[test]
fn layouts_are_recognised_and_reported() {
    let out = ok(&[
        "ingest",
        "--check",
        &text_path("shanghai_putuo_planning_resources_2024_final_accounts"),
        &text_path("jiangsu_high_court_2019_dept_budget"),
    ]);
    assert!(
        out.contains("year 2024, final accounts (决算), department 上海市普陀区规划和自然资源局"),
        "{out}"
    );
    assert!(
        out.contains("year 2019, budget (预算), department 江苏省高级人民法院"),
        "{out}"
    );
    assert!(out.contains("  layout: pdf-text"), "{out}");
    // how the department's key was made, and what kind of document it is
    assert!(
        out.contains("  department key: 江苏省高级人民法院 (the name as printed); the department's own document (部门预算/决算)\n"),
        "{out}"
    );
    assert!(out.contains("    spending_by_function     13\n"), "{out}");
    // tables read but not stored, and tables not read (procurement), are listed with their pages and lines
    assert!(
        out.contains(":pages 8-9:lines 152-190 table read, not stored `收入决算表"),
        "{out}"
    );
    assert!(
        out.contains(
            ":pages 16-26:lines 433-757 table `公开12表 政府采购支出预算表`  [has figures]"
        ),
        "{out}"
    );
    // the blank cell of the Jiangsu 三公 row was placed by reconciliation, and says so
    assert!(
        out.contains(
            ":page 14:line 395: `“三公”经费、会议费、培训费支出预算表`: 8 figures for 9 columns"
        ),
        "{out}"
    );
}

#[test]
fn audit_findings_of_the_bundled_pdfs_are_queryable_with_page_and_line() {
    // the same findings `budgetql audit FILE…` reports (audit::audit_of_the_real_pdfs…
    // lists and explains each), here from the bundled session's audit_findings
    let out = q(
        "SELECT rule, COUNT(*) AS n, MIN(page) AS first_page FROM audit_findings \
                 WHERE source <> 'qinhuangdao-etdz-zhengfawei-2021' GROUP BY rule ORDER BY rule",
    );
    assert_eq!(
        out,
        "rule,n,first_page\nR11,5,8\nR13,2,16\nR14,4,14\nR16,12,9\nR17,6,22\nR18,2,9\nR19,1,19\nR20,3,25\nR21,1,24\nR22,1,6\nR23,1,31\nR24,2,7\nR25,1,7\nR26,1,13\n"
    );
}

/// The same documents in memory (ingested and combined as `LOAD` does) and from the
/// warehouse answer every table alike.
#[test]
fn the_documents_in_memory_and_in_a_warehouse_answer_alike() {
    let mut docs: Vec<budgetql::Document> = crate::many_year_files()
        .iter()
        .map(|f| budgetql::ingest::ingest_file(std::path::Path::new(f)).unwrap())
        .collect();
    budgetql::ingest::combine(&mut docs);
    let mut s = budgetql::Session::from_documents(&docs).unwrap();
    let mut queries = vec![
        "SELECT dept_name, year, phase, SUM(total) FROM spending_by_function GROUP BY ALL ORDER BY year, dept_name".to_string(),
    ];
    for def in budgetql::model::TABLES {
        let cols: Vec<&str> = def.columns.iter().map(|c| c.0).collect();
        queries.push(format!(
            "SELECT * FROM {} ORDER BY {}",
            def.name,
            cols.join(", ")
        ));
    }
    for sql in &queries {
        let df = s.query(sql).unwrap();
        let mut buf = vec![];
        budgetql::render::render(&df, budgetql::Format::Csv, &Default::default(), &mut buf)
            .unwrap();
        assert_eq!(q(sql), String::from_utf8(buf).unwrap(), "{sql}");
    }
}

#[test]
fn a_three_public_row_that_cannot_be_placed_leaves_its_table_out_with_a_warning() {
    // the Jiangsu High Court 2019 text with one 三公 figure changed so that no placement of
    // the row's blank cell makes its totals add up (513.75 → 513.76)
    let text = text("jiangsu_high_court_2019_dept_budget");
    let from = "2,382.02 513.75 160.00 266.80 266.80 86.95 271.02 1,597.25";
    assert_eq!(text.matches(from).count(), 1);
    let text = text.replace(
        from,
        "2,382.02 513.76 160.00 266.80 266.80 86.95 271.02 1,597.25",
    );
    let doc =
        budgetql::ingest::ingest_text("court-2019.txt", &text).expect("the document still reads");
    // nothing from the table's line; the 三公 figures the 情况说明 states are read instead
    // (as for any document whose 三公 table is not read)
    assert!(
        doc.records.three_public.iter().all(|t| t.line != 395),
        "{:?}",
        doc.records.three_public
    );
    assert!(doc
        .records
        .three_public
        .iter()
        .any(|t| t.category == "因公出国（境）费" && t.line == 684));
    let w = doc
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.line, w.message))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        w.contains("395: `“三公”经费、会议费、培训费支出预算表`: 8 figures for 9 columns, and neither their positions nor any placement of the blanks makes the row's totals add up; the table is not stored"),
        "{w}"
    );
    // the rest of the document is read as before
    assert_eq!(doc.records.spending_by_function.len(), 11);
}
