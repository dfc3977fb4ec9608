//! AUDIT: reconcile a disclosure against itself. Each rule reads the contract
//! tables (through SQL, so it works on a warehouse as on memory), and every
//! figure that does not add up becomes a row of `audit_findings`.
//!
//! Comparison is exact; a difference of 0.01 (one unit in the last printed digit
//! of a 万元 figure) is a rounding warning, anything larger an error.

mod prose;

use crate::model::{self, TableDef, Value};
use crate::query::Engine;
use crate::render::decimal;
use polars::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The rules, in the order the README documents them: (id, what must hold).
pub const RULES: &[(&str, &str)] = &[
    ("R1", "a total equals the sum of its parts (income sources, basic + project spending, personnel + public)"),
    ("R2", "spending equals income: a department budget balances"),
    ("R3", "项目支出 in the summary equals the sum of the project tables' budgets"),
    ("R4", "each project's budget equals its fiscal plus other funds"),
    ("R5", "each project's sentence (预算数…万元, 财政资金, 其他资金) states the table's figures"),
    ("R6", "a stated change equals the sum of its stated parts, and current − prior = change where both years are stated"),
    ("R7", "the 三公 total equals the sum of its categories, every year stated"),
    ("R8", "procurement subtotal and total rows equal the sum of their items; quantity × unit price = amount"),
    ("R9", "the asset total equals the sum of its categories"),
    ("R10", "a disbursement plan never decreases and ends at 100%"),
    ("R11", "the text compares against the year before the budget year"),
    ("R12", "an income total equals the sum of its sources (income_by_source)"),
    ("R13", "every 类/款 subtotal and 合计 a classification table prints equals the sum of its rows"),
    ("R14", "a functional-classification row's basic plus project spending equals its total"),
    ("R15", "the functional-classification table (all funds) adds up to the year's spending"),
    ("R16", "a percentage change the text states matches its figures (current and prior amount, or amount and change), allowing for rounding"),
    ("R17", "a share the text states (占 … %) matches its amount and base (the 三公 total, the spending total, the total it is listed under)"),
    ("R18", "an item states one amount for the year, not two"),
    ("R19", "an amount the text states equals the table's (基本支出, 项目支出, a classification code, the 财政拨款 total)"),
    ("R20", "the same amount against the same year is said to change by the same amount everywhere"),
    ("R21", "an amount minus its stated change equals the prior year's document's figure"),
    ("R22", "the reason given for a change points the same way as the change"),
    ("R23", "a table a note calls empty prints no figures"),
    ("R24", "a functional class the summary prints (by name) has the amount the all-funds classification table prints (by code)"),
    ("R26", "the functional classes a summary lists add up to its 本年支出合计 (when it lists every class the classification tables print)"),
    ("R25", "a table header or label names the department the document is of (its key, so an abbreviation or a wrapped label agrees)"),
];

/// The findings table's columns.
pub const FINDINGS: TableDef = TableDef {
    name: "audit_findings",
    about: "figures of the disclosures that do not add up (AUDIT)",
    columns: &[
        ("year", model::Kind::Int),
        ("dept_code", model::Kind::Text),
        ("rule", model::Kind::Text),
        ("severity", model::Kind::Text),
        ("table_name", model::Kind::Text),
        ("source", model::Kind::Text),
        ("page", model::Kind::Int),
        ("line", model::Kind::Int),
        ("lines", model::Kind::Text),
        ("expected", model::Kind::Money),
        ("found", model::Kind::Money),
        ("difference", model::Kind::Money),
        ("explanation", model::Kind::Text),
    ],
};

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub year: Option<i32>,
    pub dept_code: Option<String>,
    pub rule: &'static str,
    pub severity: &'static str,
    pub table: String,
    pub source: String,
    /// The page of `line`, for a document with pages.
    pub page: Option<i32>,
    pub line: Option<i32>,
    pub lines: String,
    pub expected: Decimal,
    pub found: Decimal,
    /// what `expected` and `found` are: only money is stored in the money columns
    pub figures: Figures,
    pub explanation: String,
}

impl Finding {
    /// The finding with figures that are not money (percentages, years, none).
    pub fn other(mut self) -> Finding {
        self.figures = Figures::Other;
        self
    }
}

/// What a finding's two figures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    /// amounts (万元): `expected`, `found` and `difference` hold them, shown in the
    /// session's money unit
    Money,
    /// percentages or years: said in the explanation; the money columns stay empty, so
    /// `--money yuan` never scales a year or a percentage
    Other,
}

/// A row of a rule query, read by column name.
struct Row<'a> {
    df: &'a DataFrame,
    i: usize,
}

impl Row<'_> {
    fn av(&self, c: &str) -> AnyValue<'_> {
        self.df
            .column(c)
            .ok()
            .and_then(|col| col.get(self.i).ok())
            .map(|v| v.into_static())
            .unwrap_or(AnyValue::Null)
    }
    fn dec(&self, c: &str) -> Option<Decimal> {
        match self.av(c) {
            AnyValue::Decimal(v, _, s) => Some(Decimal::from_i128_with_scale(v, s as u32)),
            AnyValue::Int32(v) => Some(Decimal::from(v)),
            AnyValue::Int64(v) => Some(Decimal::from(v)),
            AnyValue::UInt32(v) => Some(Decimal::from(v)),
            AnyValue::UInt64(v) => Some(Decimal::from(v)),
            _ => None,
        }
    }
    fn int(&self, c: &str) -> Option<i32> {
        match self.av(c) {
            AnyValue::Int32(v) => Some(v),
            AnyValue::Int64(v) => i32::try_from(v).ok(),
            AnyValue::UInt32(v) => i32::try_from(v).ok(),
            _ => None,
        }
    }
    fn text(&self, c: &str) -> String {
        match self.av(c) {
            AnyValue::String(s) => s.to_string(),
            AnyValue::StringOwned(s) => s.to_string(),
            AnyValue::Null => String::new(),
            other => other.to_string(),
        }
    }
}

fn rows(df: &DataFrame) -> impl Iterator<Item = Row<'_>> {
    (0..df.height()).map(move |i| Row { df, i })
}

/// Money as the document prints it: 2 decimals unless more are significant.
fn m(d: Decimal) -> String {
    let mut x = d.normalize();
    if x.scale() > 4 {
        return x.to_string();
    }
    x.rescale(4);
    decimal(x.mantissa(), 4, false)
}

fn severity(diff: Decimal) -> &'static str {
    if diff.abs() == Decimal::new(1, 2) {
        "warning"
    } else {
        "error"
    }
}

fn span(a: Option<i32>, b: Option<i32>, c: Option<i32>) -> String {
    let mut v: Vec<i32> = [a, b, c].into_iter().flatten().collect();
    v.sort();
    v.dedup();
    match v.as_slice() {
        [] => String::new(),
        [x] => x.to_string(),
        [x, .., y] if v.len() > 2 => format!("{x}-{y}"),
        _ => v
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

struct Auditor<'a> {
    engine: &'a mut Engine,
    filter: String,
    out: Vec<Finding>,
}

impl Auditor<'_> {
    fn q(&mut self, sql: &str) -> Result<DataFrame, String> {
        let sql = sql.replace("{f}", &format!("({})", self.filter));
        self.engine
            .internal_sql(&sql)
            .map_err(|e| format!("{e}\n(in {sql})"))
    }

    /// The page of each finding's line, from the rows of its document (every table of a
    /// document numbers lines the same way); only the documents with findings are read.
    fn fill_pages(&mut self) -> Result<(), String> {
        let sources: std::collections::BTreeSet<String> =
            self.out.iter().map(|f| f.source.clone()).collect();
        if sources.is_empty() {
            return Ok(());
        }
        let list = sources
            .iter()
            .map(|s| format!("'{}'", s.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = [
            "budget_lines",
            "three_public",
            "income_by_source",
            "spending_by_function",
            "spending_by_economic",
            "stated_subtotals",
            "statements",
            "projects",
            "procurement",
            "assets",
        ]
        .iter()
        .map(|t| {
            format!(
                "SELECT source, line, page FROM {t} WHERE source IN ({list}) AND page IS NOT NULL"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
        let df = self.q(&sql)?;
        let mut pages: std::collections::HashMap<(String, i32), i32> = Default::default();
        for r in rows(&df) {
            if let (Some(l), Some(p)) = (r.int("line"), r.int("page")) {
                pages.insert((r.text("source"), l), p);
            }
        }
        for f in &mut self.out {
            f.page = f
                .line
                .and_then(|l| pages.get(&(f.source.clone(), l)).copied());
        }
        Ok(())
    }

    /// Standard columns: year, dept_code, source, line, l0, l1, expected, found, what.
    fn compare(
        &mut self,
        rule: &'static str,
        table: &str,
        sql: &str,
        explain: &dyn Fn(&Row, Decimal, Decimal) -> String,
    ) -> Result<(), String> {
        let df = self.q(sql)?;
        for r in rows(&df) {
            let (Some(e), Some(f)) = (r.dec("expected"), r.dec("found")) else {
                continue;
            };
            if e == f {
                continue;
            }
            self.out.push(Finding {
                year: r.int("year"),
                dept_code: Some(r.text("dept_code")),
                rule,
                severity: severity(f.checked_sub(e).unwrap_or(Decimal::MAX)),
                table: table.to_string(),
                source: r.text("source"),
                page: None,
                line: r.int("line"),
                lines: span(r.int("line"), r.int("l0"), r.int("l1")),
                expected: e,
                found: f,
                figures: Figures::Money,
                explanation: explain(&r, e, f),
            });
        }
        Ok(())
    }
}

/// The checks of the rules ([`RULES`]), grouped by what they read, in the order they run
/// (findings are then sorted by source, line and rule).
const CHECKS: &[fn(&mut Auditor) -> Result<(), String>] = &[
    budget_totals,
    three_public_rules,
    classifications,
    procurement_assets_plans,
    compared_year,
    // R11 (sentences), R16-R23: what the prose states
    prose::run,
];

/// Run every rule; `filter` is a SQL condition on year/dept_code/source (or `TRUE`).
pub fn run(engine: &mut Engine, filter: Option<&str>) -> Result<Vec<Finding>, String> {
    let mut a = Auditor {
        engine,
        filter: filter.unwrap_or("TRUE").to_string(),
        out: vec![],
    };
    for check in CHECKS {
        check(&mut a)?;
    }
    a.fill_pages()?;
    let mut out = a.out;
    out.sort_by(|x, y| (&x.source, x.line, x.rule).cmp(&(&y.source, y.line, y.rule)));
    Ok(out)
}

/// R1–R5: the budget's totals, its projects' figures and the sentences that state them.
fn budget_totals(a: &mut Auditor) -> Result<(), String> {
    // R1: totals = sum of parts
    a.compare("R1", "budget_lines", "WITH b AS (SELECT * FROM budget_lines WHERE {f}), \
        c AS (SELECT source, direction, parent_item, SUM(amount) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM b WHERE line_kind = 'part' AND amount IS NOT NULL GROUP BY source, direction, parent_item) \
        SELECT b.year, b.dept_code, b.source, b.line, c.l0, c.l1, b.amount AS expected, c.s AS found, b.item AS what \
        FROM b JOIN c ON c.source = b.source AND c.direction = b.direction AND c.parent_item = b.item WHERE b.amount IS NOT NULL",
        &|r, e, f| format!("{} is stated as {} but its parts add up to {}", r.text("what"), m(e), m(f)))?;

    // R2: balanced budget
    a.compare("R2", "budget_lines", "WITH b AS (SELECT * FROM budget_lines WHERE {f}) \
        SELECT x.year, x.dept_code, x.source, x.line, i.line AS l0, i.line AS l1, i.amount AS expected, x.amount AS found \
        FROM b x JOIN b i ON i.source = x.source \
        WHERE x.item = '支出合计' AND x.direction = 'expense' AND i.item = '收入合计' AND i.direction = 'income'",
        &|_, e, f| format!("spending (支出合计) is {} but income (收入合计) is {}; a department budget balances", m(f), m(e)))?;

    // R3: 项目支出 = sum of project tables, where they are every project's: a document in
    // the doc-tabbed layout prints one table per project; a PDF prints the performance
    // forms of selected projects only (Shanghai: the key ones), so its sum is partial
    a.compare("R3", "projects", "WITH b AS (SELECT * FROM budget_lines WHERE {f}), \
        p AS (SELECT source, SUM(budget) AS s, COUNT(*) AS n, MIN(line) AS l0, MAX(line) AS l1 FROM projects WHERE {f} \
              AND source IN (SELECT source FROM departments WHERE layout = 'doc-tabbed') GROUP BY source) \
        SELECT b.year, b.dept_code, b.source, b.line, p.l0, p.l1, p.n, b.amount AS expected, p.s AS found \
        FROM b JOIN p ON p.source = b.source WHERE b.item = '项目支出' AND b.direction = 'expense' AND b.amount IS NOT NULL",
        &|r, e, f| format!("the summary states 项目支出 {} but the {} project tables add up to {}", m(e), r.text("n"), m(f)))?;

    // R4: budget = fiscal + other
    a.compare("R4", "projects", "SELECT year, dept_code, source, line, line AS l0, line AS l1, project_name AS what, budget AS expected, fiscal + other AS found \
        FROM projects WHERE {f} AND fiscal IS NOT NULL AND other IS NOT NULL",
        &|r, e, f| format!("project {}: the budget is {} but fiscal plus other funds are {}", r.text("what"), m(e), m(f)))?;

    // R5: the sentence states the table's figures
    for (col, stated, cn) in [
        ("budget", "stated_budget", "预算数"),
        ("fiscal", "stated_fiscal", "财政资金"),
        ("other", "stated_other", "其他资金"),
    ] {
        let sql = format!(
            "SELECT year, dept_code, source, stated_line AS line, line AS l0, stated_line AS l1, project_name AS what, {col} AS expected, {stated} AS found \
             FROM projects WHERE {{f}} AND {stated} IS NOT NULL AND {col} IS NOT NULL"
        );
        a.compare("R5", "projects", &sql, &|r, e, f| {
            format!(
                "project {}: the sentence states {cn} {} but the table says {}",
                r.text("what"),
                m(f),
                m(e)
            )
        })?;
    }
    Ok(())
}

/// R6, R7: the 三公 expenses — stated changes against the prior year, totals against their categories.
fn three_public_rules(a: &mut Auditor) -> Result<(), String> {
    // R6: changes
    changes(a)?;
    a.compare("R6", "three_public", "WITH t AS (SELECT * FROM three_public WHERE {f}) \
        SELECT c.year, c.dept_code, c.source, c.change_line AS line, p.line AS l0, c.line AS l1, c.category AS what, c.prior_year, \
               c.change_vs_prior AS expected, c.amount - p.amount AS found \
        FROM t c JOIN t p ON p.source = c.source AND p.category = c.category AND p.phase = c.phase AND p.year = c.prior_year \
        WHERE c.change_vs_prior IS NOT NULL AND c.amount IS NOT NULL AND p.amount IS NOT NULL",
        &|r, e, f| format!("三公 {}: {} minus {} is {} but the stated change is {}", r.text("what"), r.text("year"), r.text("prior_year"), m(f), m(e)))?;

    // R7: 三公 total = sum of categories, each year
    a.compare("R7", "three_public", "WITH t AS (SELECT * FROM three_public WHERE {f}), \
        c AS (SELECT source, year, phase, parent_category, SUM(amount) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM t WHERE amount IS NOT NULL AND parent_category IS NOT NULL GROUP BY source, year, phase, parent_category) \
        SELECT t.year, t.dept_code, t.source, t.line, c.l0, c.l1, t.category AS what, t.amount AS expected, c.s AS found \
        FROM t JOIN c ON c.source = t.source AND c.year = t.year AND c.phase = t.phase AND c.parent_category = t.category WHERE t.amount IS NOT NULL",
        &|r, e, f| format!("三公 {} of {} is stated as {} but its categories add up to {}", r.text("what"), r.text("year"), m(e), m(f)))?;
    Ok(())
}

/// R12–R15, R24, R26: income sources, the classification tables' printed subtotals, basic plus project spending, the summary's classes against the classification tables.
fn classifications(a: &mut Auditor) -> Result<(), String> {
    // R12: income sources
    a.compare("R12", "income_by_source", "WITH b AS (SELECT * FROM income_by_source WHERE {f}), \
        c AS (SELECT source, parent_item, SUM(amount) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM b WHERE amount IS NOT NULL AND parent_item IS NOT NULL GROUP BY source, parent_item) \
        SELECT b.year, b.dept_code, b.source, b.line, c.l0, c.l1, b.amount AS expected, c.s AS found, b.item AS what \
        FROM b JOIN c ON c.source = b.source AND c.parent_item = b.item WHERE b.amount IS NOT NULL",
        &|r, e, f| format!("income {} is stated as {} but its sources add up to {}", r.text("what"), m(e), m(f)))?;

    // R13: printed subtotals of the classification tables
    for (table, cols, keys) in [
        (
            "spending_by_function",
            &["total", "basic", "project"][..],
            &["class_code", "section_code"][..],
        ),
        (
            "spending_by_economic",
            &["amount", "personnel", "public"][..],
            &["class_code"][..],
        ),
    ] {
        let leaves = cols
            .iter()
            .map(|c| format!("SELECT source, class_code, {sec} AS section_code, '{c}' AS column_name, {c} AS v, line FROM {table} WHERE {{f}} AND {c} IS NOT NULL",
                sec = if keys.len() > 1 { "section_code" } else { "CAST(NULL AS VARCHAR)" }))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        for key in keys.iter().map(Some).chain([None]) {
            let (group, on, cond) = match key {
                Some(k) => (
                    format!("source, {k}, column_name"),
                    format!("AND c.{k} = s.code"),
                    "s.code IS NOT NULL",
                ),
                None => (
                    "source, column_name".to_string(),
                    String::new(),
                    "s.code IS NULL AND s.name IN ('合计', '总计')",
                ),
            };
            let sql = format!(
                "WITH l AS ({leaves}), \
                 c AS (SELECT {group}, SUM(v) AS total, MIN(line) AS l0, MAX(line) AS l1 FROM l GROUP BY {group}), \
                 s AS (SELECT * FROM stated_subtotals WHERE {{f}} AND table_name = '{table}') \
                 SELECT s.year, s.dept_code, s.source, s.line, c.l0, c.l1, s.name AS what, s.code, s.column_name AS col, s.amount AS expected, c.total AS found \
                 FROM s JOIN c ON c.source = s.source AND c.column_name = s.column_name {on} WHERE {cond}"
            );
            a.compare("R13", table, &sql, &|r, e, f| {
                let code = r.text("code");
                let what = if code.is_empty() {
                    r.text("what")
                } else {
                    format!("{code} {}", r.text("what"))
                };
                format!(
                    "{what} ({}) is printed as {} but its rows add up to {}",
                    r.text("col"),
                    m(e),
                    m(f)
                )
            })?;
        }
    }

    // R13, the economic table's 人员经费合计 / 公用经费合计: 人员经费 are classes 301 and 303,
    // 公用经费 the others (302, 307, 309, 310, 399), by the national classification
    a.compare("R13", "spending_by_economic", "WITH t AS (SELECT * FROM stated_subtotals WHERE {f} AND table_name = 'spending_by_economic' AND code IS NULL \
            AND name IN ('人员经费合计', '公用经费合计') AND column_name = 'amount'), \
          c AS (SELECT source, CASE WHEN code IN ('301', '303') THEN '人员经费合计' ELSE '公用经费合计' END AS name, SUM(amount) AS s, MIN(line) AS l0 \
            FROM stated_subtotals WHERE table_name = 'spending_by_economic' AND column_name = 'amount' AND LENGTH(code) = 3 GROUP BY 1, 2) \
        SELECT t.year, t.dept_code, t.source, t.line, c.l0, t.line AS l1, t.name AS what, t.amount AS expected, c.s AS found \
        FROM t JOIN c ON c.source = t.source AND c.name = t.name",
        &|r, e, f| {
            let parts = if r.text("what") == "人员经费合计" { "classes 301 and 303" } else { "classes 302, 307, 309, 310 and 399" };
            format!("{} is printed as {} but its {parts} add up to {}", r.text("what"), m(e), m(f))
        })?;

    // R14: basic + project = total
    a.compare("R14", "spending_by_function", "SELECT year, dept_code, source, line, line AS l0, line AS l1, func_code AS code, name AS what, total AS expected, basic + project AS found \
        FROM spending_by_function WHERE {f} AND basic IS NOT NULL AND project IS NOT NULL AND total IS NOT NULL",
        &|r, e, f| format!("{} {}: the total is {} but basic plus project spending is {}", r.text("code"), r.text("what"), m(e), m(f)))?;
    // … and in the narrower views printed beside the stored table (一般公共预算, 财政拨款)
    a.compare("R14", "stated_subtotals", "WITH v AS (SELECT year, dept_code, source, line, table_name, code, name, \
            SUM(CASE WHEN column_name = 'total' THEN amount END) AS total, \
            SUM(CASE WHEN column_name = 'basic' THEN amount END) AS basic, \
            SUM(CASE WHEN column_name = 'project' THEN amount END) AS project \
          FROM stated_subtotals WHERE {f} AND table_name LIKE 'spending_by_function (%' GROUP BY year, dept_code, source, line, table_name, code, name) \
        SELECT year, dept_code, source, line, line AS l0, line AS l1, COALESCE(code, '') AS code, name AS what, table_name, total AS expected, basic + project AS found \
        FROM v WHERE basic IS NOT NULL AND project IS NOT NULL AND total IS NOT NULL",
        &|r, e, f| format!("{} in the {} view: the total is {} but basic plus project spending is {}",
            format!("{} {}", r.text("code"), r.text("what")).trim(),
            r.text("table_name").trim_start_matches("spending_by_function (").trim_end_matches(')'), m(e), m(f)))?;

    // R24: the summary's spending by class (by name) = the all-funds classification table's
    a.compare("R24", "stated_subtotals", "WITH s AS (SELECT * FROM stated_subtotals WHERE {f} AND table_name = '收支总表 (spending by class)'), \
          c AS (SELECT source, code, name, amount, line FROM stated_subtotals WHERE table_name = 'spending_by_function' AND column_name = 'total' AND LENGTH(code) = 3 \
                AND source IN (SELECT source FROM spending_by_function WHERE scope = 'all funds')) \
        SELECT s.year, s.dept_code, s.source, s.line, s.line AS l0, c.line AS l1, c.code AS code, s.name AS what, c.line AS table_line, c.amount AS expected, s.amount AS found \
        FROM s JOIN c ON c.source = s.source AND c.name = s.name",
        &|r, e, f| format!("{} {} is {} in the summary but {} in the classification table (line {})", r.text("code"), r.text("what"), m(f), m(e), r.text("table_line")))?;

    // R26: a summary's classes add up to its spending total, when it lists every class
    // the classification tables print (a class name wrapped off its figure is not a gap)
    summary_class_sums(a)?;

    // R15: the all-funds functional table adds up to the year's spending
    a.compare("R15", "spending_by_function", "WITH f AS (SELECT source, SUM(total) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM spending_by_function WHERE {f} AND scope = 'all funds' GROUP BY source), \
        b AS (SELECT * FROM budget_lines WHERE {f} AND direction = 'expense' AND item IN ('本年支出合计', '支出合计')), \
        y AS (SELECT source, MIN(CASE WHEN item = '本年支出合计' THEN 0 ELSE 1 END) AS pick FROM b GROUP BY source) \
        SELECT b.year, b.dept_code, b.source, b.line, f.l0, f.l1, b.item AS what, b.amount AS expected, f.s AS found \
        FROM b JOIN y ON y.source = b.source JOIN f ON f.source = b.source \
        WHERE (CASE WHEN b.item = '本年支出合计' THEN 0 ELSE 1 END) = y.pick",
        &|r, e, f| format!("{} is {} but the functional-classification table adds up to {}", r.text("what"), m(e), m(f)))?;
    Ok(())
}

/// R8–R10: procurement totals and items, assets by category, disbursement plans.
fn procurement_assets_plans(a: &mut Auditor) -> Result<(), String> {
    // R8: procurement
    a.compare("R8", "procurement", "WITH p AS (SELECT * FROM procurement WHERE {f}), \
        i AS (SELECT source, SUM(amount) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM p WHERE row_kind = 'item' AND amount IS NOT NULL GROUP BY source) \
        SELECT p.year, p.dept_code, p.source, p.line, i.l0, i.l1, p.amount AS expected, i.s AS found FROM p JOIN i ON i.source = p.source WHERE p.row_kind = 'total'",
        &|_, e, f| format!("the procurement total (合计) is {} but its items add up to {}", m(e), m(f)))?;
    a.compare("R8", "procurement", "WITH p AS (SELECT * FROM procurement WHERE {f}), \
        u AS (SELECT source, unit_name, SUM(amount) AS s, MIN(line) AS l0, MAX(line) AS l1 FROM p WHERE row_kind = 'item' AND amount IS NOT NULL GROUP BY source, unit_name) \
        SELECT p.year, p.dept_code, p.source, p.line, u.l0, u.l1, p.unit_name AS what, p.amount AS expected, u.s AS found \
        FROM p JOIN u ON u.source = p.source AND u.unit_name = p.unit_name WHERE p.row_kind = 'subtotal'",
        &|r, e, f| format!("the procurement subtotal (小计) of {} is {} but its items add up to {}", r.text("what"), m(e), m(f)))?;
    a.compare("R8", "procurement", "SELECT year, dept_code, source, line, line AS l0, line AS l1, project_name AS what, amount AS expected, quantity * unit_price AS found \
        FROM procurement WHERE {f} AND row_kind = 'item' AND quantity IS NOT NULL AND unit_price IS NOT NULL AND amount IS NOT NULL",
        &|r, e, f| format!("procurement item {}: quantity × unit price is {} but the amount is {}", r.text("what"), m(f), m(e)))?;

    // R9: assets
    a.compare("R9", "assets", "WITH s AS (SELECT * FROM assets WHERE {f}), \
        c AS (SELECT source, parent_item, SUM(value) AS v, MIN(line) AS l0, MAX(line) AS l1 FROM s WHERE value IS NOT NULL AND parent_item IS NOT NULL GROUP BY source, parent_item) \
        SELECT s.year, s.dept_code, s.source, s.line, c.l0, c.l1, s.item AS what, s.value AS expected, c.v AS found \
        FROM s JOIN c ON c.source = s.source AND c.parent_item = s.item WHERE s.value IS NOT NULL",
        &|r, e, f| format!("assets: {} is stated as {} but its categories add up to {}", r.text("what"), m(e), m(f)))?;

    // R10: disbursement plans
    disbursement(a)?;
    Ok(())
}

/// R11: the year a stated change compares with is the year before.
fn compared_year(a: &mut Auditor) -> Result<(), String> {
    // R11: the compared year
    for table in ["budget_lines", "three_public"] {
        let df = a.q(&format!(
            "SELECT year, dept_code, source, change_line, prior_year FROM {table} WHERE {{f}} AND prior_year IS NOT NULL AND prior_year <> year - 1"
        ))?;
        let mut seen: Vec<(String, Option<i32>)> = vec![];
        for r in rows(&df) {
            let key = (r.text("source"), r.int("change_line"));
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let (Some(y), Some(p)) = (r.int("year"), r.int("prior_year")) else {
                continue;
            };
            a.out.push(Finding {
                year: Some(y),
                dept_code: Some(r.text("dept_code")),
                rule: "R11",
                severity: "error",
                table: table.into(),
                source: r.text("source"),
                page: None,
                line: r.int("change_line"),
                lines: span(r.int("change_line"), None, None),
                expected: Decimal::from(y - 1),
                found: Decimal::from(p),
                figures: Figures::Other,
                explanation: format!(
                    "the text compares {y} with {p}; the year before the budget year is {}",
                    y - 1
                ),
            });
        }
    }
    Ok(())
}

/// R26: the functional classes a summary lists (收支总表, 财政拨款收支总表) add up to its
/// 本年支出合计 — checked only when the summary lists exactly the classes with spending
/// that the document's classification tables print, so a class the reader could not
/// take (its name wrapped away from its figure) never makes a finding.
fn summary_class_sums(a: &mut Auditor) -> Result<(), String> {
    let df = a.q(
        "SELECT year, dept_code, source, table_name, name, amount, line FROM stated_subtotals \
        WHERE {f} AND table_name LIKE '%(spending by class)'",
    )?;
    let classes = a.q(
        "SELECT source, name FROM stated_subtotals WHERE table_name LIKE 'spending_by_function%' \
        AND column_name = 'total' AND LENGTH(code) = 3 AND amount <> 0",
    )?;
    let mut printed: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for r in rows(&classes) {
        printed
            .entry(r.text("source"))
            .or_default()
            .insert(r.text("name"));
    }
    type Key = (String, String);
    let mut groups: BTreeMap<
        Key,
        (
            Vec<(String, Decimal)>,
            Option<(Decimal, i32, i32)>,
            Option<String>,
            i32,
            i32,
        ),
    > = BTreeMap::new();
    for r in rows(&df) {
        let key = (r.text("source"), r.text("table_name"));
        let g = groups
            .entry(key)
            .or_insert((vec![], None, None, 0, i32::MAX));
        let (Some(x), Some(line)) = (r.dec("amount"), r.int("line")) else {
            continue;
        };
        g.2 = Some(r.text("dept_code"));
        g.3 = r.int("year").unwrap_or(0);
        g.4 = g.4.min(line);
        let name = r.text("name");
        if name == "本年支出合计" || name == "当年支出小计" {
            g.1.get_or_insert((x, line, r.int("year").unwrap_or(0)));
        } else {
            g.0.push((name, x));
        }
    }
    for ((source, table), (cls, total, dept, year, first)) in groups {
        let Some((t, tl, _)) = total else { continue };
        let listed: std::collections::BTreeSet<String> = cls
            .iter()
            .filter(|c| !c.1.is_zero())
            .map(|c| c.0.clone())
            .collect();
        if cls.is_empty() || printed.get(&source) != Some(&listed) {
            continue;
        }
        let sum: Decimal = cls.iter().map(|c| c.1).sum();
        if sum == t {
            continue;
        }
        a.out.push(Finding {
            year: Some(year),
            dept_code: dept,
            rule: "R26",
            severity: severity(sum - t),
            table: "stated_subtotals".into(),
            source,
            page: None,
            line: Some(tl),
            lines: span(Some(first), Some(tl), None),
            expected: t,
            found: sum,
            figures: Figures::Money,
            explanation: format!(
                "the classes the {} lists add up to {} but its 本年支出合计 is {}",
                table.trim_end_matches(" (spending by class)"),
                m(sum),
                m(t)
            ),
        });
    }
    Ok(())
}

/// R6, first half: a stated total change = the sum of its stated component changes.
/// Components are the rows below the total that state a change, not counting a row
/// whose parent already states one (no double counting across levels).
fn changes(a: &mut Auditor) -> Result<(), String> {
    for (table, item, parent, total) in [
        ("budget_lines", "item", "parent_item", "支出合计"),
        ("three_public", "category", "parent_category", "合计"),
    ] {
        let df = a.q(&format!(
            "SELECT year, dept_code, source, {item} AS item, {parent} AS parent, change_vs_prior AS change, change_line FROM {table} WHERE {{f}} AND change_vs_prior IS NOT NULL"
        ))?;
        let mut groups: BTreeMap<
            (String, i32),
            Vec<(String, String, Decimal, Option<i32>, String)>,
        > = BTreeMap::new();
        for r in rows(&df) {
            let (Some(y), Some(c)) = (r.int("year"), r.dec("change")) else {
                continue;
            };
            groups.entry((r.text("source"), y)).or_default().push((
                r.text("item"),
                r.text("parent"),
                c,
                r.int("change_line"),
                r.text("dept_code"),
            ));
        }
        for ((source, year), rs) in groups {
            let Some(t) = rs.iter().find(|x| x.0 == total) else {
                continue;
            };
            let stated: Vec<&String> = rs.iter().map(|x| &x.0).collect();
            let parts: Vec<&(String, String, Decimal, Option<i32>, String)> = rs
                .iter()
                .filter(|x| x.0 != total && (x.1 == total || !stated.contains(&&x.1)))
                .collect();
            if parts.is_empty() {
                continue;
            }
            // stated changes too large to add (a damaged document) are not a finding to compute
            let Some(sum) = parts
                .iter()
                .try_fold(Decimal::ZERO, |a, x| a.checked_add(x.2))
            else {
                continue;
            };
            if sum == t.2 {
                continue;
            }
            let lines: Vec<Option<i32>> = parts.iter().map(|x| x.3).collect();
            a.out.push(Finding {
                year: Some(year),
                dept_code: Some(t.4.clone()),
                rule: "R6",
                severity: severity(sum.checked_sub(t.2).unwrap_or(Decimal::MAX)),
                table: table.into(),
                source,
                page: None,
                line: t.3,
                lines: span(
                    t.3,
                    lines.iter().flatten().min().copied(),
                    lines.iter().flatten().max().copied(),
                ),
                expected: t.2,
                found: sum,
                figures: Figures::Money,
                explanation: format!(
                    "the stated change of {total} is {} but its stated parts ({}) add up to {}",
                    m(t.2),
                    parts
                        .iter()
                        .map(|x| format!("{} {}", x.0, m(x.2)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    m(sum)
                ),
            });
        }
    }
    Ok(())
}

/// R10: cumulative percentages never decrease and end at 100.
fn disbursement(a: &mut Auditor) -> Result<(), String> {
    let df = a.q("WITH d AS (SELECT * FROM disbursement WHERE {f}) \
        SELECT d.year, d.dept_code, d.source, d.project_code, d.month, d.cumulative_pct, d.line, p.project_name \
        FROM d LEFT JOIN projects p ON p.project_code = d.project_code AND p.source = d.source \
        ORDER BY d.source, d.project_code, d.month")?;
    let mut plans: BTreeMap<
        (String, String),
        Vec<(
            i32,
            Option<Decimal>,
            Option<i32>,
            Option<i32>,
            String,
            String,
        )>,
    > = BTreeMap::new();
    for r in rows(&df) {
        plans
            .entry((r.text("source"), r.text("project_code")))
            .or_default()
            .push((
                r.int("month").unwrap_or(0),
                r.dec("cumulative_pct"),
                r.int("line"),
                r.int("year"),
                r.text("dept_code"),
                r.text("project_name"),
            ));
    }
    let hundred = Decimal::from(100);
    for ((source, code), mut plan) in plans {
        plan.sort_by_key(|x| x.0);
        let name = if plan[0].5.is_empty() {
            code.clone()
        } else {
            plan[0].5.clone()
        };
        let mut prev: Option<(i32, Decimal)> = None;
        for (month, pct, line, year, dept, _) in &plan {
            let Some(p) = pct else { continue };
            if let Some((pm, pv)) = prev {
                if *p < pv {
                    a.out.push(Finding {
                        year: *year, dept_code: Some(dept.clone()), rule: "R10", severity: "error", table: "disbursement".into(),
                        source: source.clone(), line: *line, lines: span(*line, None, None), expected: pv, found: *p, figures: Figures::Other,
                        page: None,
                        explanation: format!("project {name}: the cumulative plan falls from {}% at the end of month {pm} to {}% at month {month}", m(pv), m(*p)),
                    });
                }
            }
            prev = Some((*month, *p));
        }
        if let Some((_, Some(last), line, year, dept, _)) = plan.last() {
            if *last != hundred {
                a.out.push(Finding {
                    year: *year,
                    dept_code: Some(dept.clone()),
                    rule: "R10",
                    severity: "error",
                    table: "disbursement".into(),
                    source: source.clone(),
                    page: None,
                    line: *line,
                    lines: span(*line, None, None),
                    expected: hundred,
                    found: *last,
                    figures: Figures::Other,
                    explanation: format!(
                        "project {name}: the plan ends at {}% instead of 100%",
                        m(*last)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Findings → the `audit_findings` frame.
pub fn frame(findings: &[Finding]) -> Result<DataFrame, crate::error::ModelError> {
    let rows: Vec<Vec<Value>> = findings
        .iter()
        .map(|f| {
            let money = f.figures == Figures::Money;
            vec![
                Value::Int(f.year),
                Value::Text(f.dept_code.clone()),
                Value::Text(Some(f.rule.to_string())),
                Value::Text(Some(f.severity.to_string())),
                Value::Text(Some(f.table.clone())),
                Value::Text(Some(f.source.clone())),
                Value::Int(f.page),
                Value::Int(f.line),
                Value::Text(Some(f.lines.clone())),
                Value::Money(money.then(|| round_money(f.expected))),
                Value::Money(money.then(|| round_money(f.found))),
                // a difference too large for a decimal (a damaged document) is left empty
                Value::Money(
                    f.found
                        .checked_sub(f.expected)
                        .filter(|_| money)
                        .map(round_money),
                ),
                Value::Text(Some(f.explanation.clone())),
            ]
        })
        .collect();
    model::frame(&FINDINGS, &rows)
}

/// Products (quantity × price) can carry more than 4 decimals; the table keeps 4.
fn round_money(d: Decimal) -> Decimal {
    d.round_dp(4)
}
