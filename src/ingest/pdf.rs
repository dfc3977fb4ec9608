//! The PDF-text layout: disclosures published as PDF and extracted page by page
//! (pdfplumber-style text: one printed line per text line, table cells separated
//! by spaces, `=== page N ===` markers, page numbers at the foot of each page).
//!
//! Tables are found by their printed titles (收支预算总表, 支出决算表, 一般公共预算支出
//! 功能分类预算表, “三公”经费…表 …), never by line numbers, and read with general
//! rules for what PDF extraction does to a table:
//!
//! - a row is a classification code (`2040501`, or `204 06 01` for 类/款/项 printed
//!   in separate columns), a name and its numeric cells; two such segments on one
//!   line are two tables printed side by side;
//! - a long name wraps: the fragments printed above and below the code line belong
//!   to it (a cell is centred vertically, so a row with k fragments above has k
//!   below; a row printed without a name takes the fragment just above it);
//! - headers repeat on every page and page numbers sit at the foot: both are
//!   recognised as such and never become names;
//! - each table's unit line (单位：元 / 单位：万元) says how to read its figures; a
//!   table that stores figures and states no unit is an error;
//! - a row with fewer figures than columns (PDF extraction drops empty cells) has
//!   its blanks placed where the row's own totals reconcile.
//!
//! Every table's printed subtotals are kept (`stated_subtotals`) so AUDIT can check
//! them against the stored rows; tables read but not stored (a narrower repeat of a
//! stored one) are listed by `budgetql ingest --check`.

use super::amount::{parse_decimal, to_money, yuan_to_wan};
use super::{
    BudgetLineRec, DepartmentRec, EconomicRec, FunctionRec, IncomeRec, Records, Skipped,
    SubtotalRec, ThreePublicRec, Warning,
};
use crate::error::IngestError;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// True when the text looks like the PDF-text layout.
pub(crate) fn is_pdf_text(text: &str) -> bool {
    text.starts_with("# SOURCE:") || text.lines().take(60).any(is_page_marker)
}

fn is_page_marker(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("=== page ") && t.ends_with("===")
}

/// The text without spaces, an ASCII colon read as the full-width one (`单位:万元`).
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ':' { '：' } else { c })
        .collect()
}

/// One meaningful line: its 1-based number, trimmed text and text without spaces, and
/// for a line read from a PDF the x extent of each word (in `text`'s word order).
#[derive(Debug, Clone)]
struct L {
    no: usize,
    text: String,
    c: String,
    xs: Vec<(f32, f32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Wan,
    Yuan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Summary,
    FiscalSummary,
    Income,
    Spending,
    FuncFiscal,
    FuncGeneral,
    FuncGovFund,
    FuncStateCapital,
    EconFiscalBasic,
    EconGeneralBasic,
    EconOperating,
    ThreePublic,
    Procurement,
}

/// A table title → its kind. `c` has no spaces; a leading ordinal (`一、`), 公开NN表,
/// year and the department's name (`…部门`) are ignored:
/// `一、2017年度江苏省高级人民法院部门收支预算总表` is a 收支预算总表.
fn title_kind(c: &str) -> Option<Kind> {
    // every title ends with 表, or with the bracket after it: `…预算表（功能科目）`
    if !c.ends_with(['表', '）', ')']) {
        return None;
    }
    if let Some(k) = title_kind_exact(c) {
        return Some(k);
    }
    // an ordinal and a year before the name of the department whose table it is
    let s = ordinal(c).1;
    if let Some(k) = title_kind_exact(s) {
        return Some(k);
    }
    // then the name of the department whose table it is: the longest known title the
    // text ends with, after a plain name (no digits or punctuation, at most 30 characters)
    let s = strip_year(s);
    let plain = |name: &str| {
        name.chars().count() <= 30
            && !name.contains(|ch: char| ch.is_ascii_digit() || "，。：；、表".contains(ch))
    };
    s.char_indices()
        .skip(1)
        .find_map(|(i, _)| title_kind_exact(&s[i..]).filter(|_| plain(&s[..i])))
}

/// The name the prose opens its sentences with before the document's year, when two or
/// more sentences agree (`江苏省人大常委会办公厅2019年度收入、支出预算总计…`).
fn prose_name(p: &P, year: i32) -> Option<(String, usize)> {
    let y = format!("{year}年");
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for l in &p.lines {
        let Some(at) = l.c.find(&y) else { continue };
        let name = &l.c[..at];
        if is_name(name, 4) {
            let e = counts.entry(name.to_string()).or_insert((0, l.no));
            e.0 += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, (c, _))| *c >= 2)
        .max_by_key(|(_, (c, _))| *c)
        .map(|(n, (_, line))| (n, line))
}

/// Whether `name` can be a department's name: `min`–30 characters, no digits or
/// punctuation, none of a sentence's words (关于, 根据 …) or a table's (财政拨款, 收入,
/// 预算 …), not a part's number (第…).
fn is_name(name: &str, min: usize) -> bool {
    (min..=30).contains(&name.chars().count())
        && !name.contains(|ch: char| ch.is_ascii_digit() || "，。：；、（）()“”\"表".contains(ch))
        && !name.starts_with('第')
        && ![
            "关于",
            "根据",
            "按照",
            "编制",
            "本部门",
            "财政拨款",
            "一般公共",
            "政府性基金",
            "国有资本",
            "收入",
            "支出",
            "预算",
            "决算",
            "三公",
            "经费",
            "采购",
            "资产",
            "项目",
        ]
        .iter()
        .any(|w| name.contains(w))
}

/// The name a label line gives (`部门：…`, `编制单位：…`, `预算主管部门：…`), up to where
/// the unit label starts (`单位：万元`, `金额单位：万元`).
fn label_name(c: &str) -> Option<String> {
    const LABELS: &[&str] = &[
        "预算主管部门",
        "预算单位",
        "部门名称",
        "编制部门",
        "编制单位",
        "单位名称",
        "部门",
    ];
    let rest = LABELS
        .iter()
        .find_map(|label| c.strip_prefix(label)?.strip_prefix(['：', ':']))?;
    let name = rest.split("单位").next().unwrap_or("");
    let name = name
        .strip_suffix("金额")
        .or_else(|| name.strip_suffix("货币"))
        .unwrap_or(name);
    (name.chars().count() >= 2).then(|| name.to_string())
}

/// The department's name a table title carries before the table's own name, after an
/// ordinal and a year (`九、2018年江苏省高级人民法院“三公”经费…表` → 江苏省高级人民法院).
fn title_name(c: &str) -> Option<String> {
    if !c.ends_with(['表', '）', ')']) || title_kind(c).is_none() {
        return None;
    }
    let s = strip_year(ordinal(c).1);
    let s = s.strip_prefix("公开").map_or(s, |_| "");
    // the shortest table name the title ends with leaves the longest name before it
    s.char_indices()
        .skip(1)
        .filter(|(i, _)| title_kind_exact(&s[*i..]).is_some())
        .last()
        .map(|(i, _)| s[..i].trim_end_matches("部门").to_string())
        .filter(|n| is_name(n, 2))
}

/// The text after a leading year (`2017年度`, `2017年`, or digits alone).
fn strip_year(s: &str) -> &str {
    let s = s.trim_start_matches(|ch: char| ch.is_ascii_digit());
    s.strip_prefix("年度")
        .or_else(|| s.strip_prefix('年'))
        .unwrap_or(s)
}

fn title_kind_exact(c: &str) -> Option<Kind> {
    let mut s = c;
    if let Some(rest) = s.strip_prefix("公开") {
        if let Some(i) = rest.find('表') {
            if rest[..i].chars().all(|ch| ch.is_ascii_digit()) {
                // `公开 01 表：收支预算总表`
                s = rest[i + '表'.len_utf8()..].trim_start_matches(['：', ':']);
            }
        }
    }
    if s.len() > 7 && s.is_char_boundary(4) && s[..4].chars().all(|ch| ch.is_ascii_digit()) {
        s = strip_year(s);
    }
    let s = ["部门", "预算单位", "单位"]
        .iter()
        .find_map(|w| s.strip_prefix(w))
        .unwrap_or(s);
    // a scope printed after the title in brackets (`…支出预算表（一般公共预算）`) is read
    // as part of it, before its 表
    let s = match s
        .strip_suffix(['）', ')'])
        .and_then(|t| t.rsplit_once(['（', '(']))
    {
        // (not a continuation: `…表（续）`)
        Some((title, scope))
            if title.ends_with('表') && !scope.is_empty() && !scope.starts_with('续') =>
        {
            format!("{}{scope}表", &title[..title.len() - '表'.len_utf8()])
        }
        _ => s.to_string(),
    };
    let s = s.replace(['(', ')'], "").replace(['（', '）'], "");
    classify_title(&s)
}

/// The standard table a title names, by what it says rather than its exact wording
/// (收支预算总表 / 部门收支总表 / 财务收支预算总表 / 收入支出决算总表 are one table):
/// the content (收支总, 收入, 支出, 基本支出, 三公, 机关运行经费, 政府采购), the funds it
/// covers (财政拨款, 一般公共预算, 政府性基金, 国有资本经营, or all) and the
/// classification (功能/经济). Tables of projects, assets and the like are not
/// classification tables and are left to other readers.
fn classify_title(s: &str) -> Option<Kind> {
    if !s.ends_with('表')
        && !s.ends_with("功能科目")
        && !s.ends_with("经济科目")
        && !s.ends_with("功能分类")
        && !s.ends_with("经济分类")
    {
        return None;
    }
    // a bare title is short; a longer one carries a department's name, which the caller
    // strips before asking again
    if s.chars().count() >= 30
        || s.contains(['，', '。', '；', ',', '：'])
        || [
            "说明",
            "空表",
            "详见",
            "附表",
            "本表",
            "情况表",
            "统计表",
            "绩效",
            "项目",
        ]
        .iter()
        .any(|w| s.contains(w))
    {
        return None;
    }
    if s.contains("三公") {
        return Some(Kind::ThreePublic);
    }
    if s.contains("政府采购") {
        return s.contains("预算").then_some(Kind::Procurement);
    }
    let fiscal = s.contains("财政拨款");
    let general = s.contains("一般公共预算");
    let gov_fund = s.contains("政府性基金");
    let state_capital = s.contains("国有资本经营");
    let economic = s.contains("经济");
    if s.contains("机关运行经费") {
        return (general || fiscal).then_some(Kind::EconOperating);
    }
    let summary = (s.contains("收支") || s.contains("收入支出")) && s.contains('总');
    if summary {
        return Some(if fiscal || general {
            Kind::FiscalSummary
        } else {
            Kind::Summary
        });
    }
    if s.contains("基本支出") {
        return Some(if general {
            Kind::EconGeneralBasic
        } else if fiscal {
            Kind::EconFiscalBasic
        } else {
            // a basic-spending table of all funds: not one of the standard views
            return None;
        });
    }
    if economic {
        // spending by economic class beyond basic spending: not read yet
        return None;
    }
    let spending = s.contains("支出");
    if s.contains("收入") && !spending {
        return (!fiscal && !general && !gov_fund && !state_capital).then_some(Kind::Income);
    }
    if !spending {
        return None;
    }
    Some(if gov_fund {
        Kind::FuncGovFund
    } else if state_capital {
        Kind::FuncStateCapital
    } else if general {
        Kind::FuncGeneral
    } else if fiscal {
        Kind::FuncFiscal
    } else {
        Kind::Spending
    })
}

impl Kind {
    /// The stored scope of a classification table, with its priority (lower wins).
    fn scope(self) -> Option<(&'static str, u8)> {
        Some(match self {
            Kind::Spending => ("all funds", 0),
            Kind::FuncFiscal => ("fiscal appropriation", 1),
            Kind::FuncGeneral => ("general public budget", 2),
            Kind::FuncGovFund => ("government funds", 3),
            Kind::FuncStateCapital => ("state capital", 4),
            Kind::Income => ("income", 9),
            Kind::EconFiscalBasic => ("fiscal appropriation, basic spending", 0),
            Kind::EconGeneralBasic => ("general public budget, basic spending", 1),
            Kind::EconOperating => ("机关运行经费", 2),
            _ => return None,
        })
    }
    /// The name a narrower view of a stored table goes by in `stated_subtotals`.
    fn view_name(self) -> Option<&'static str> {
        Some(match self {
            Kind::Spending => "spending_by_function (all funds)",
            Kind::FuncFiscal => "spending_by_function (fiscal appropriation)",
            Kind::FuncGeneral => "spending_by_function (general public budget)",
            Kind::FuncGovFund => "spending_by_function (government funds)",
            Kind::FuncStateCapital => "spending_by_function (state capital)",
            Kind::EconFiscalBasic => "spending_by_economic (fiscal appropriation, basic spending)",
            Kind::EconGeneralBasic => {
                "spending_by_economic (general public budget, basic spending)"
            }
            Kind::EconOperating => "spending_by_economic (机关运行经费)",
            _ => return None,
        })
    }
    fn is_economic(self) -> bool {
        matches!(
            self,
            Kind::EconFiscalBasic | Kind::EconGeneralBasic | Kind::EconOperating
        )
    }
}

/// True for an amount token: `37,188.34`, `0`, `96282213.44`, `-3.5`.
fn is_amount(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    if t.is_empty() || !t.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let mut dot = false;
    for (i, ch) in t.char_indices() {
        match ch {
            '0'..='9' => {}
            ',' if !dot && i > 0 => {}
            '.' if !dot => dot = true,
            _ => return false,
        }
    }
    !t.ends_with([',', '.'])
}

/// True for a token that can be a classification code (3, 5 or 7 digits).
fn is_code(t: &str) -> bool {
    matches!(t.len(), 3 | 5 | 7) && t.chars().all(|c| c.is_ascii_digit())
}

fn is_split_part(t: &str) -> bool {
    t.len() == 2 && t.chars().all(|c| c.is_ascii_digit())
}

/// One code-led segment of a table line.
#[derive(Debug, Clone)]
struct Seg {
    code: String,
    name: String,
    nums: Vec<String>,
    /// A token printed where a figure belongs that is not a figure (`16726725.4x`).
    bad: Option<String>,
}

/// A token that starts like a number (a digit, or a sign then a digit).
fn looks_numeric(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    t.starts_with(|c: char| c.is_ascii_digit())
}

/// A table line as code-led segments, or None when the line does not start with a code.
fn segments(text: &str) -> Option<Vec<Seg>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    if toks.is_empty() || !is_code(toks[0]) {
        return None;
    }
    let mut out: Vec<Seg> = vec![];
    let mut bad: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        // the code, maybe printed as 类 款 项 in separate columns
        let mut code = toks[i].to_string();
        i += 1;
        if code.len() == 3 {
            while code.len() < 7 && i < toks.len() {
                let t = toks[i];
                if is_split_part(t) {
                    code.push_str(t);
                } else if t.len() == 1
                    && t.chars().all(|c| c.is_ascii_digit())
                    && toks.get(i + 1).is_some_and(|n| !is_amount(n))
                {
                    // a spreadsheet export drops the leading zero: `301 2 津贴补贴` is 30102
                    code.push('0');
                    code.push_str(t);
                } else {
                    break;
                }
                i += 1;
            }
        }
        let mut name = String::new();
        while i < toks.len() && !is_amount(toks[i]) {
            if looks_numeric(toks[i]) {
                bad = bad.or(Some(toks[i].to_string()));
            }
            name.push_str(toks[i]);
            i += 1;
        }
        let mut nums = vec![];
        while i < toks.len() && is_amount(toks[i]) {
            // a code-like token followed by a name starts the next side-by-side segment
            // (or a split code: `302 01 办公费`)
            let named = |k: usize| toks.get(k).is_some_and(|t| !is_amount(t));
            // (a row of the left table may print no figure at all: `301 03 奖金 302 03 …`)
            let started = !nums.is_empty() || !name.is_empty();
            if started
                && is_code(toks[i])
                && (named(i + 1)
                    || toks[i].len() == 3
                        && toks.get(i + 1).is_some_and(|t| is_split_part(t))
                        && named(i + 2))
            {
                break;
            }
            nums.push(toks[i].to_string());
            i += 1;
        }
        if i < toks.len() && !is_code(toks[i]) && looks_numeric(toks[i]) {
            bad = bad.or(Some(toks[i].to_string()));
        }
        out.push(Seg {
            code,
            name,
            nums,
            bad: bad.take(),
        });
        if i < toks.len() && !is_code(toks[i]) {
            if looks_numeric(toks[i]) {
                // a broken figure after good ones: keep the row, it reports the figure
                i = toks.len();
                continue;
            }
            return None; // text after the figures: not a code row
        }
    }
    Some(out)
}

/// Words that make up table headers (repeated on each page); a line made only of
/// them is a header line, never part of a name.
const HEADER_WORDS: &[&str] = &[
    "功能分类科目编码",
    "功能分类科目名称",
    "部门预算经济分类科目",
    "经济分类科目名称",
    "功能科目编码",
    "功能科目代码",
    "功能科目名称",
    "科目编码",
    "科目代码",
    "科目名称",
    "功能分类",
    "经济分类",
    "编码",
    "一般公共预算基本支出",
    "一般公共预算支出",
    "政府性基金预算支出",
    "国有资本经营预算支出",
    "本年支出合计",
    "本年收入合计",
    "财政拨款收入",
    "上级补助收入",
    "事业单位",
    "经营收入",
    "事业收入",
    "其他收入",
    "附属单位",
    "上缴收入",
    "上缴上级支出",
    "经营支出",
    "对附属单位补",
    "助支出",
    "收入预算",
    "支出预算",
    "机关运行经费支出",
    "基本支出",
    "项目支出",
    "人员经费",
    "公用经费",
    "决算数",
    "预算数",
    "决算金额",
    "预算金额",
    "合计",
    "金额",
    "项目",
    "类",
    "款",
    "项",
];

fn is_header_line(c: &str) -> bool {
    let mut rest = c.to_string();
    for w in HEADER_WORDS {
        rest = rest.replace(w, "");
    }
    rest.is_empty()
}

/// The line ends a table: a note, a new part of the document, or prose.
fn ends_table(c: &str) -> bool {
    looks_like_a_title(c)
        || c.starts_with('注')
        || c.starts_with('：')
        || c.starts_with("说明")
        || c.starts_with("此表为空")
        || c.starts_with('第') && c.contains("部分")
}

/// A line printed like a table's title even when budgetql does not know the table
/// (`七、2017年度…部门政府性基金支出预算表`): a table ends before it, never takes in
/// the next table's rows.
fn looks_like_a_title(c: &str) -> bool {
    let n = c.chars().count();
    (4..=50).contains(&n)
        && c.ends_with('表')
        && (c.contains("预算") || c.contains("决算"))
        && !c.contains(|ch: char| "，。；：".contains(ch))
        && (c.starts_with(|ch: char| "一二三四五六七八九十".contains(ch))
            || c.starts_with("公开")
            || c.starts_with(|ch: char| ch.is_ascii_digit()))
}

struct P<'a> {
    file: &'a str,
    lines: Vec<L>,
    consumed: Vec<bool>,
    rec: Records,
    warnings: Vec<Warning>,
    /// (kind, title line, rows) of every classification table read, for choosing the stored one.
    class_tables: Vec<ClassTable>,
    /// Tables read but not stored, for --check.
    unstored: Vec<(usize, usize, String)>,
    year: i32,
    /// The document prints its table cells one per line (no line holds two figures, many
    /// hold one alone): a table too small to tell by itself (`合` / `计` / `0`) is read so.
    cells: bool,
}

impl P<'_> {
    /// The lines no table consumed (the prose).
    fn unread(&self) -> impl Iterator<Item = &L> {
        self.lines
            .iter()
            .zip(&self.consumed)
            .filter(|(_, c)| !**c)
            .map(|(l, _)| l)
    }
    fn err(&self, line: usize, message: impl Into<String>) -> IngestError {
        IngestError::Malformed {
            file: self.file.to_string(),
            page: None,
            line,
            message: message.into(),
        }
    }
    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Warning {
            line,
            message: message.into(),
        });
    }
    fn money(&self, line: usize, tok: &str, unit: Unit) -> Result<Decimal, IngestError> {
        let d = parse_decimal(tok)
            .map_err(|e| self.err(line, format!("bad figure: {}", e.0)))?
            .ok_or_else(|| self.err(line, format!("`{tok}` is not a figure")))?;
        match unit {
            Unit::Wan => to_money(d),
            Unit::Yuan => yuan_to_wan(d),
        }
        .map_err(|m| self.err(line, format!("`{tok}` {m}")))
    }
}

/// One classification table as read.
struct ClassTable {
    kind: Kind,
    title: String,
    first: usize,
    last: usize,
    columns: Vec<&'static str>,
    /// (line, code, name, figures in 万元 by column)
    rows: Vec<(usize, String, String, Vec<Option<Decimal>>)>,
    /// (line, label, figures) of total rows (合计, 人员经费合计 …)
    totals: Vec<(usize, String, Vec<Option<Decimal>>)>,
    /// for each row, whether its code does not fit where it is printed (misprinted or
    /// under a 类/款 it is not part of): the row above it is then its parent as printed
    misfit: Vec<bool>,
}

/// Ingest a document in the PDF-text layout.
/// Read PDF text. `input.positions`, when the text comes from a PDF's text layer, holds
/// each text line's word extents (index = line number - 1).
pub(crate) fn parse(input: &super::Input) -> Result<super::Parsed, IngestError> {
    let (file, text, positions) = (input.file, input.text, input.positions);
    let raw: Vec<&str> = text.lines().collect();
    let mut lines = vec![];
    for (i, l) in raw.iter().enumerate() {
        let t = l.trim();
        if t.is_empty() || is_page_marker(t) || (i == 0 && t.starts_with("# SOURCE:")) {
            continue;
        }
        // a page number: digits alone just before a page marker or the end
        let next = raw[i + 1..].iter().find(|x| !x.trim().is_empty());
        if t.len() <= 3
            && t.chars().all(|c| c.is_ascii_digit())
            && next.is_none_or(|n| is_page_marker(n))
        {
            continue;
        }
        let xs = positions
            .and_then(|ps| ps.get(i))
            .filter(|xs| xs.len() == t.split_whitespace().count())
            .cloned()
            .unwrap_or_default();
        lines.push(L {
            no: i + 1,
            text: t.to_string(),
            c: compact(t),
            xs,
        });
    }
    let n = lines.len();
    let mut p = P {
        file,
        lines,
        consumed: vec![false; n],
        rec: Records::default(),
        warnings: vec![],
        class_tables: vec![],
        unstored: vec![],
        year: 0,
        cells: false,
    };
    let figures = |l: &L| {
        l.text
            .split_whitespace()
            .filter(|t| is_amount(t) && t.len() > 1)
            .count()
    };
    let lone = p
        .lines
        .iter()
        .filter(|l| figures(l) == 1 && !l.text.contains(' '))
        .count();
    let several = p.lines.iter().filter(|l| figures(l) > 1).count();
    p.cells = lone >= 10 && several * 50 <= lone;
    let (year, phase, title_line, title_prefix) = title(&p)?;
    p.year = year;
    let mut i = 0;
    while i < p.lines.len() {
        if super::perf_form::is_form_title(&p.lines[i].c) {
            i = perf_form(&mut p, i);
            continue;
        }
        match title_at(&p, i) {
            Some(kind) if unit_line_follows(&p, i) => {
                i = table(&mut p, kind, i)?;
            }
            _ => i += 1,
        }
    }
    choose_class_tables(&mut p);
    project_narratives(&mut p);
    prose(&mut p)?;
    // without a title page, the name the tables' titles carry (`2017年度江苏省高级人民法院
    // 收支预算总表`) stands in for the title page's
    let on_cover = p.lines.get(11).is_none_or(|l| title_line <= l.no);
    let title_prefix = if title_prefix.is_empty() || !on_cover {
        p.lines
            .iter()
            .find_map(|l| title_name(&l.c))
            .unwrap_or(title_prefix)
    } else {
        title_prefix
    };
    let (dept_name, dept_line) = department(&p, &title_prefix, title_line);
    // nothing names it yet (a narrative without its cover): the name the 情况说明's
    // sentences open with before the year (`江苏省人大常委会办公厅2019年度收入、支出预算总计`)
    let (dept_name, dept_line) = if dept_name.is_empty() {
        prose_name(&p, year).unwrap_or((dept_name, dept_line))
    } else {
        (dept_name, dept_line)
    };
    if dept_name.is_empty() {
        return Err(IngestError::Document {
            file: file.to_string(),
            message: "no department name found: expected a title page (`江苏省人民检察院 2019年度部门预算公开`), a label such as `部门：…` or `预算单位：…` above the tables, or the name in the tables' titles".into(),
        });
    }
    let region = region_of(&title_prefix).or_else(|| region_of(&dept_name));
    let unread: Vec<(usize, &str)> = p.unread().map(|l| (l.no, l.c.as_str())).collect();
    let mut stated = super::statements::read(&unread, year, &dept_name, &p.rec);
    let all: Vec<(usize, &str)> = p.lines.iter().map(|l| (l.no, l.text.as_str())).collect();
    stated.extend(super::statements::empty_table_notes(&all));
    stated.extend(other_names(&p, &dept_name, region.as_deref()));
    stated.sort_by_key(|s| s.line);
    p.rec.statements = stated;
    p.rec.departments.push(DepartmentRec {
        line: dept_line,
        dept_name: dept_name.clone(),
        region,
    });
    if p.rec.budget_lines.is_empty() && p.rec.spending_by_function.is_empty() {
        return Err(IngestError::Document {
            file: file.to_string(),
            message: "no budget tables were recognised (expected titles such as 收支预算总表 or 支出决算表 with a 单位 line); is this a 部门预算/决算 document?".into(),
        });
    }
    let skipped = skipped(&p);
    let P { rec, warnings, .. } = p;
    Ok(super::Parsed {
        year,
        phase,
        // the PDF-text documents print no unit codes: the department is its own code
        dept_code: dept_name.clone(),
        dept_name,
        records: rec,
        skipped,
        warnings,
    })
}

/// Lines joined without spaces (a title or a sentence may wrap), remembering where
/// each line starts so a match can name its line.
struct Joined {
    text: String,
    /// (byte offset in `text`, line number), in order
    starts: Vec<(usize, usize)>,
}

impl Joined {
    fn new<'a>(lines: impl Iterator<Item = &'a L>) -> Joined {
        let mut j = Joined {
            text: String::new(),
            starts: vec![],
        };
        for l in lines {
            j.starts.push((j.text.len(), l.no));
            j.text.push_str(&l.c);
        }
        j
    }

    /// The line the byte at `pos` came from.
    fn line_at(&self, pos: usize) -> usize {
        let k = self.starts.partition_point(|(s, _)| *s <= pos);
        k.checked_sub(1).map_or(1, |k| self.starts[k].1)
    }
}

/// What a figure stated in the prose (情况说明) is.
#[derive(Clone, Copy)]
enum Stated {
    Income,
    Expense,
    IncomeAndExpense,
    Fiscal,
    GeneralPublic,
    Part(&'static str),
    Memo(&'static str),
    ThreePublic(&'static str, Option<&'static str>),
    ThreePublicFinal,
}

/// Figures the prose (情况说明) states, read where the tables did not state them: a
/// disclosure published as a narrative PDF alone, or a table whose cells are blank.
/// The tables win where both state a figure (AUDIT compares the two).
fn prose(p: &mut P) -> Result<(), IngestError> {
    static RULES: LazyLock<Vec<(regex::Regex, Stated)>> = LazyLock::new(|| {
        let n = r"(\d[\d,]*(?:\.\d+)?)万元";
        let r = |pat: &str, s: Stated| {
            (
                regex::Regex::new(&pat.replace("NUM", n)).expect("static regex"),
                s,
            )
        };
        vec![
            r(
                r"收入、支出(?:预算)?总计(?:为)?NUM",
                Stated::IncomeAndExpense,
            ),
            r(r"财政拨款收入(?:预算)?总计(?:为)?NUM", Stated::Fiscal),
            r(r"(?:^|[^款])收入(?:预算)?总计(?:为)?NUM", Stated::Income),
            r(r"(?:^|[^款])支出(?:预算)?总计(?:为)?NUM", Stated::Expense),
            r(
                r"一般公共预算收入(?:预算)?(?:为)?NUM",
                Stated::GeneralPublic,
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?基本支出(?:预算数?)?为NUM",
                Stated::Part("基本支出"),
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?项目支出(?:预算数?)?为NUM",
                Stated::Part("项目支出"),
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?单位预留机动经费(?:预算数?)?为NUM",
                Stated::Part("单位预留机动经费"),
            ),
            r(
                r"机关运行经费(?:支出|预算)(?:数)?(?:为)?NUM",
                Stated::Memo("机关运行经费"),
            ),
            r(
                r"因公出国[（(]境[)）]费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("因公出国（境）费", Some("合计")),
            ),
            r(
                r"公务用车购置(?:费)?(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务用车购置费", Some("公务用车购置及运行费")),
            ),
            r(
                r"公务用车运行维护费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务用车运行维护费", Some("公务用车购置及运行费")),
            ),
            r(
                r"公务接待费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务接待费", Some("合计")),
            ),
            r(
                r"“三公”经费(?:财政拨款)?支出决算(?:数)?为NUM",
                Stated::ThreePublicFinal,
            ),
        ]
    });
    // the unread lines joined without spaces (a sentence may wrap)
    let unread = Joined::new(p.unread());
    let (joined, line_at) = (&unread.text, |pos: usize| unread.line_at(pos));
    // totals, parts and income sources come from the prose only when no summary table
    // was read: a figure the tables state is never mixed with one the prose states
    let summary_read = p.rec.budget_lines.iter().any(|b| b.line_kind != "memo")
        || !p.rec.income_by_source.is_empty();
    let table_three_public = p.rec.three_public.iter().any(|t| t.amount.is_some());
    for (re, what) in RULES.iter() {
        let Some(m) = re.captures(&joined) else {
            continue;
        };
        let whole = m.get(0).map_or(0, |g| g.start());
        let line = line_at(m.get(1).map_or(whole, |g| g.start()));
        let amount = p.money(line, &m[1], Unit::Wan)?;
        let from_summary = matches!(
            what,
            Stated::IncomeAndExpense
                | Stated::Income
                | Stated::Expense
                | Stated::Fiscal
                | Stated::GeneralPublic
                | Stated::Part(_)
        );
        if from_summary && summary_read {
            continue;
        }
        match *what {
            Stated::IncomeAndExpense | Stated::Income | Stated::Expense => {
                let dirs: &[(&'static str, &str)] = match what {
                    Stated::Income => &[("income", "收入合计")],
                    Stated::Expense => &[("expense", "支出合计")],
                    _ => &[("income", "收入合计"), ("expense", "支出合计")],
                };
                for (dir, item) in dirs {
                    let taken = p
                        .rec
                        .budget_lines
                        .iter()
                        .any(|b| b.direction == *dir && b.line_kind == "total");
                    if !taken {
                        p.rec.budget_lines.push(BudgetLineRec::new(
                            line,
                            dir,
                            item,
                            None,
                            "total",
                            Some(amount),
                        ));
                    }
                }
            }
            Stated::Fiscal | Stated::GeneralPublic => {
                let (item, parent) = match what {
                    Stated::Fiscal => ("财政拨款", "收入合计"),
                    _ => ("一般公共预算", "财政拨款"),
                };
                if !p.rec.income_by_source.iter().any(|r| r.item == item) {
                    p.rec.income_by_source.push(IncomeRec {
                        line,
                        item: item.into(),
                        parent_item: Some(parent.into()),
                        line_kind: "part",
                        amount: Some(amount),
                    });
                }
            }
            Stated::Part(item) | Stated::Memo(item) => {
                let (parent, kind) = match what {
                    Stated::Part(_) => (Some("支出合计"), "part"),
                    _ => (None, "memo"),
                };
                if !p.rec.budget_lines.iter().any(|b| b.item == item) {
                    p.rec.budget_lines.push(BudgetLineRec::new(
                        line,
                        "expense",
                        item,
                        parent,
                        kind,
                        Some(amount),
                    ));
                }
            }
            Stated::ThreePublic(cat, parent) => {
                if !table_three_public && !p.rec.three_public.iter().any(|t| t.category == cat) {
                    p.rec.three_public.push(ThreePublicRec {
                        line,
                        year: p.year,
                        category: cat.into(),
                        label: cat.into(),
                        parent_category: parent.map(str::to_string),
                        amount: Some(amount),
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase: None,
                    });
                }
            }
            Stated::ThreePublicFinal => {
                // a 决算 whose 三公 table leaves the 决算数 cells blank states the total here
                let stated = p.rec.three_public.iter().any(|t| {
                    t.category == "合计"
                        && t.amount.is_some()
                        && t.phase.is_none_or(|ph| ph == "final")
                });
                let blank = p.rec.three_public.iter().position(|t| {
                    t.category == "合计"
                        && t.amount.is_none()
                        && t.phase.is_none_or(|ph| ph == "final")
                });
                if let Some(i) = blank.filter(|_| !stated) {
                    p.rec.three_public[i].amount = Some(amount);
                    let tl = p.rec.three_public[i].line;
                    p.warn(
                        tl,
                        format!("the “三公” table leaves the 决算数 total blank; the prose (line {line}) states {amount} 万元, which is stored"),
                    );
                } else if !stated {
                    p.rec.three_public.push(ThreePublicRec {
                        line,
                        year: p.year,
                        category: "合计".into(),
                        label: "“三公”经费".into(),
                        parent_category: None,
                        amount: Some(amount),
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase: Some("final"),
                    });
                }
            }
        }
    }
    Ok(())
}

/// The budget year and phase from the title on the first page(s):
/// `2019 年度部门预算公开`, `上海市普陀区2026年区级部门预算`, `2024 年度部门决算`.
/// `2019 年度部门预算公开`, `上海市普陀区2026年区级单位预算`: the name (if any) before the year.
static YEAR_TITLE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(\d{4})(?:年度?)?(?:区级|市级|省级|县级)?(?:部门|单位)(预算|决算)")
        .expect("static regex")
});

/// Names the document prints for itself other than its department's: a table header
/// (`上海市规划和自然资源局 2024 年度部门决算表`) or a label (`部门：…`) whose key differs from
/// the document's (a wrap-cut label or an abbreviation with the same key is the same
/// name), as `statements` rows of kind `name` for AUDIT (R25).
fn other_names(
    p: &P,
    dept_name: &str,
    region: Option<&str>,
) -> Vec<super::statements::StatementRec> {
    let own = super::department::key(dept_name, region).0;
    let mut out: Vec<super::statements::StatementRec> = vec![];
    for l in &p.lines {
        // (a heading: the title ends the line, `…部门决算表`, not a sentence that goes on)
        let heading = YEAR_TITLE
            .find(&l.c)
            .filter(|m| matches!(&l.c[m.end()..], "" | "表" | "公开" | "信息公开"));
        let name = if let Some(m) = heading {
            l.c[..m.start()].to_string()
        } else if let Some(n) = label_name(&l.c) {
            n
        } else {
            continue;
        };
        if !is_name(&name, 4) || dept_name.starts_with(&name) || name.starts_with(dept_name) {
            continue;
        }
        if super::department::key(&name, region).0 == own || out.iter().any(|s| s.subject == name) {
            continue;
        }
        out.push(super::statements::StatementRec {
            line: l.no,
            kind: "name",
            subject: name,
            text: l.c.clone(),
            ..Default::default()
        });
    }
    out
}

fn title(p: &P) -> Result<(i32, &'static str, usize, String), IngestError> {
    let before = &*YEAR_TITLE;
    // `2017 年度江苏省高级人民法院部门预算公开`, `2018 年度江苏省高级人民法院预算公开`: the name after it
    static AFTER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(\d{4})(?:年度?)?([^\d，。：、]{2,40}?)(预算|决算)(?:公开|信息公开|情况说明|$)",
        )
        .expect("static regex")
    });
    // a table's own title: `2019年政府采购预算表`, `2024年部门收支预算总表`
    static TABLE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^[^\d]{0,30}?(\d{4})年度?[^\d，。：]{0,30}?(预算|决算)?[^\d，。：]{0,20}表$",
        )
        .expect("static regex")
    });
    // join the title page's lines (a title may wrap; the table of contents ends it) and
    // remember where each came from
    let page1 = Joined::new(p.lines.iter().take(12).take_while(|l| l.c != "目录"));
    let (joined, line_of) = (&page1.text, |at: usize| page1.line_at(at));
    let phase_of = |w: &str| if w == "决算" { "final" } else { "budget" };
    let plausible = |y: i32| (1990..=2100).contains(&y);
    if let Some(m) = before.captures(&joined) {
        let year: i32 = m[1].parse().unwrap_or(0);
        if plausible(year) {
            let at = m.get(0).map_or(0, |g| g.start());
            // the text before the year on the title page names the department or its region
            return Ok((year, phase_of(&m[2]), line_of(at), joined[..at].to_string()));
        }
    }
    if let Some(m) = AFTER.captures(&joined) {
        let year: i32 = m[1].parse().unwrap_or(0);
        if plausible(year) {
            let at = m.get(0).map_or(0, |g| g.start());
            let name = m[2].trim_end_matches("部门").to_string();
            return Ok((year, phase_of(&m[3]), line_of(at), name));
        }
    }
    // no title page (a tables-only PDF): a running header or heading that names the
    // year the way a title page does (`江苏省人民检察院2019年部门预算`), the most frequent
    let mut years: BTreeMap<i32, (usize, &'static str, usize)> = BTreeMap::new();
    for l in &p.lines {
        if let Some(m) = before.captures(&l.c) {
            let year: i32 = m[1].parse().unwrap_or(0);
            if plausible(year) {
                let e = years.entry(year).or_insert((0, phase_of(&m[2]), l.no));
                e.0 += 1;
            }
        }
    }
    if let Some((&year, &(_, phase, line))) = years.iter().max_by_key(|(_, v)| v.0) {
        // the heading's text before the year names the department when it is a name
        // (`上海市普陀区财政局2024年度部门决算`)
        let name = p
            .lines
            .iter()
            .find(|l| l.no == line)
            .and_then(|l| before.find(&l.c).map(|m| l.c[..m.start()].to_string()))
            .map(|n| {
                // `第二部分上海市普陀区财政局…`: the part's number is not the name
                let n = n
                    .strip_prefix('第')
                    .and_then(|r| r.split_once("部分"))
                    .map_or(n.as_str(), |(_, r)| r);
                n.to_string()
            })
            .filter(|n| is_name(n, 2))
            .unwrap_or_default();
        return Ok((year, phase, line, name));
    }
    // else the year the tables' own titles print, when they agree; 决算 when any of
    // the document's tables is a 决算 table
    let final_tables = p
        .lines
        .iter()
        .any(|l| l.c.contains("决算") && l.c.ends_with('表') && title_kind(&l.c).is_some());
    let mut found: Vec<(i32, &'static str, usize)> = vec![];
    for l in &p.lines {
        if let Some(m) = TABLE.captures(&l.c) {
            let year: i32 = m[1].parse().unwrap_or(0);
            if plausible(year) {
                found.push((
                    year,
                    m.get(2).map_or("budget", |g| phase_of(g.as_str())),
                    l.no,
                ));
            }
        }
    }
    if let Some(&(year, phase, line)) = found.first() {
        if found.iter().all(|f| f.0 == year) {
            let phase = if final_tables { "final" } else { phase };
            return Ok((year, phase, line, String::new()));
        }
    }
    Err(IngestError::Document {
        file: p.file.to_string(),
        message: "no budget year found: expected a title such as `2019 年度部门预算公开`, `2026年区级部门预算` or `2024 年度部门决算` on the first page, or a year in the tables' titles (`2019年政府采购预算表`)".into(),
    })
}

/// The department's name: a labelled line (预算主管部门：/部门名称：/编制部门：/部门：)
/// or the title page's text before the year.
fn department(p: &P, prefix: &str, title_line: usize) -> (String, usize) {
    let mut labelled: Vec<(String, usize)> = vec![];
    for (k, l) in p.lines.iter().enumerate() {
        if let Some(name) = label_name(&l.c) {
            labelled.push((name, l.no));
        } else if let Some(next) = p
            .lines
            .get(k + 1)
            .filter(|_| l.c.ends_with(['：', ':']) && label_name(&format!("{}名称", l.c)).is_some())
        {
            // the label's cell and the name's printed one per line (`部门名称：` / `江苏省…`)
            if let Some(name) = label_name(&format!("{}{}", l.c, next.c)) {
                labelled.push((name, next.no));
            }
        }
    }
    let Some((name, line)) = labelled.first().cloned() else {
        return (prefix.to_string(), title_line);
    };
    // a labelled name cut where its cell wraps (部门名称：江苏省人大 / 常委会办公厅): the
    // title page's longer name, or a longer label of another table, is the whole one
    // (compared by key too: the title page may print the full form of a name the label
    // cuts in its short form, 江苏省人民代表大会常务委员会办公厅 / 江苏省人大)
    let key = |n: &str| super::department::key(n, None).0;
    if prefix.len() > name.len()
        && (prefix.starts_with(&name) || key(prefix).starts_with(&key(&name)))
    {
        return (prefix.to_string(), title_line);
    }
    // (the longer label only when more tables print it than the cut one: `…法院` and
    // one stray `…法院元` keep the first)
    let count = |n: &str| labelled.iter().filter(|(m, _)| m == n).count();
    if let Some(longer) = labelled
        .iter()
        .filter(|(n, _)| n.len() > name.len() && n.starts_with(&name) && count(n) > count(&name))
        .max_by_key(|(n, _)| count(n))
    {
        return longer.clone();
    }
    (name, line)
}

/// The place a department belongs to: its province/city/district words.
fn region_of(name: &str) -> Option<String> {
    static REGION: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^(?:[^省市区县]{2,6}?(?:省|自治区))?(?:[^省市区县]{2,6}?市)?(?:[^省市区县]{2,6}?(?:区|县))?").expect("static regex")
    });
    let re = &*REGION;
    let m = re.find(name)?.as_str();
    (!m.is_empty()).then(|| m.to_string())
}

/// The kind of the table whose title is line `i`. A title too long for the page wraps
/// its last characters onto the next line (`“三公”经费、会议费、培训费支出预算` / `表`).
fn title_at(p: &P, i: usize) -> Option<Kind> {
    let l = p.lines.get(i)?;
    title_kind(&l.c).or_else(|| {
        let next = p.lines.get(i + 1)?;
        // (`表`, or the title's last words: `…培训费` / `支出预算表`), after a line
        // that starts like a title (a header fragment such as `结转和结余资金` above a
        // title does not)
        let n = next.c.chars().count();
        let starts_like_a_title = l.c.starts_with("公开")
            || l.c
                .starts_with(|ch: char| ch.is_ascii_digit() || "一二三四五六七八九十".contains(ch))
            || ["预算", "决算", "三公", "收支"]
                .iter()
                .any(|w| l.c.contains(w));
        (starts_like_a_title && (n <= 3 || n <= 6 && next.c.ends_with('表')))
            .then(|| title_kind(&format!("{}{}", l.c, next.c)))
            .flatten()
    })
}

/// The 财政拨款收支总表's grand total (总计 / 收入总计: the first figure after it).
fn fiscal_total(p: &mut P, body: &[L], unit: Unit) -> Result<(), IngestError> {
    for l in body {
        let toks: Vec<&str> = l.text.split_whitespace().collect();
        let Some(k) = toks
            .iter()
            .position(|t| matches!(*t, "总计" | "收入总计" | "收入总计合计"))
        else {
            continue;
        };
        if let Some(fig) = toks[k + 1..].first().filter(|t| is_amount(t)) {
            let amount = p.money(l.no, fig, unit)?;
            p.rec.stated_subtotals.push(SubtotalRec {
                line: l.no,
                table: "财政拨款收支总表",
                code: None,
                name: "总计".into(),
                column: "total",
                amount,
            });
            return Ok(());
        }
    }
    Ok(())
}

/// A table title is only a title when a unit line (单位…) follows within a few
/// lines: the table of contents lists the same titles without one.
fn unit_line_follows(p: &P, i: usize) -> bool {
    // a title wrapped onto a second line (`…培训费` / `支出预算表`): look after both
    let skip = 1 + usize::from(title_kind(&p.lines[i].c).is_none());
    p.lines[(i + skip).min(p.lines.len())..]
        .iter()
        .take(4)
        .take_while(|l| title_kind(&l.c).is_none())
        .any(|l| {
            is_unit_line(&l.c)
                || ["部门名称", "编制部门", "部门："]
                    .iter()
                    .any(|w| l.c.starts_with(w))
                || is_header_line(&l.c)
        })
}

/// A line stating a unit (单位：万元, 部门名称：… 单位:元).
fn is_unit_line(c: &str) -> bool {
    ["单位：", "单位:", "单位"].iter().any(|p| c.starts_with(p))
        || c.contains("单位：")
        || c.contains("单位:")
}

/// The unit of a table from its header lines.
fn unit_of(header: &[&L]) -> Option<Unit> {
    let joined: String = header.iter().map(|l| l.c.as_str()).collect();
    // every `单位`: the first may be a label such as 编制单位：上海市…
    joined.match_indices("单位").find_map(|(at, _)| {
        let rest = joined[at + "单位".len()..].trim_start_matches(['：', ':']);
        if rest.starts_with("万元") {
            Some(Unit::Wan)
        } else if rest.starts_with('元') {
            Some(Unit::Yuan)
        } else if rest.starts_with('万') && rest.contains('元') {
            // `单位：万` with `元` wrapped onto the next printed line
            Some(Unit::Wan)
        } else {
            None
        }
    })
}

/// Read one table starting at its title line; returns the index after it.
fn table(p: &mut P, kind: Kind, start: usize) -> Result<usize, IngestError> {
    let title = p.lines[start].text.clone();
    let title_no = p.lines[start].no;
    // the body runs to the next title or the end of the table (a note, a new part); a
    // title wrapped onto a second line (`…培训费` / `支出预算表`) continues there
    let wrapped = title_kind(&p.lines[start].c).is_none();
    let mut end = start + 1 + usize::from(wrapped);
    while end < p.lines.len() {
        let c = &p.lines[end].c;
        if title_at(p, end).is_some() && unit_line_follows(p, end) {
            break;
        }
        if ends_table(c) || is_table_label(c) {
            break;
        }
        // prose after the table: a long line with no figure and no code
        if end > start + 3
            && c.chars().count() > 24
            && !c.chars().any(|ch| ch.is_ascii_digit())
            && !is_header_line(c)
        {
            break;
        }
        if matches!(kind, Kind::ThreePublic | Kind::Spending | Kind::Summary)
            && (c.ends_with("情况说明") || c.starts_with("其他相关"))
        {
            break;
        }
        end += 1;
    }
    // include a trailing note line in the table
    let mut stop = end;
    while stop < p.lines.len()
        && (p.lines[stop].c.starts_with('注')
            || p.lines[stop].c.starts_with('：')
            || p.lines[stop].c.starts_with("此表为空")
            || p.lines[stop].c.starts_with("说明"))
    {
        stop += 1;
        // a note may wrap onto following lines that start with a number (2.“科目编码”…)
        while stop < p.lines.len()
            && title_kind(&p.lines[stop].c).is_none()
            && !p.lines[stop].c.starts_with("第")
            && p.lines[stop]
                .c
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
            && !p.lines[stop].c.chars().all(|c| c.is_ascii_digit())
            && segments(&p.lines[stop].text).is_none()
        {
            stop += 1;
        }
    }
    let body: Vec<L> = join_wrapped_rows(&p.lines[start + 1..end]);
    // a text export that prints each table cell on its own line: its rows put together
    let one_each = body
        .iter()
        .all(|l| l.text.split_whitespace().filter(|t| is_amount(t)).count() <= 1);
    let body = if cells_per_line(&body) || p.cells && one_each {
        rows_from_cells(&body, matches!(kind, Kind::Summary | Kind::FiscalSummary))
    } else {
        body
    };
    let first_data = if kind == Kind::Summary {
        body.iter()
            .position(|l| l.text.split_whitespace().any(is_amount) && !l.c.contains("单位"))
    } else {
        body.iter().position(|l| {
            segments(&l.text).is_some() || total_label(&l.text) || figures_only(&l.text).is_some()
        })
    }
    .unwrap_or(body.len());
    // a name fragment printed above the first row belongs to the body, not the header
    // (in a PDF's text layer such fragments are already joined to their row)
    let mut first_data = first_data;
    if !matches!(kind, Kind::Summary | Kind::ThreePublic)
        && first_data < body.len()
        && body[first_data].xs.is_empty()
    {
        while first_data > 0 {
            let l = &body[first_data - 1];
            if is_header_line(&l.c)
                || is_unit_line(&l.c)
                || l.c.chars().count() > 12
                || l.c.contains(|c: char| c.is_ascii_digit())
            {
                break;
            }
            first_data -= 1;
        }
    }
    let header: Vec<&L> = body[..first_data].iter().collect();
    let unit = unit_of(&header);
    let last_no = p.lines[stop.max(start + 1) - 1].no;
    let stored = match kind {
        Kind::FiscalSummary => {
            // only its grand total is kept (in stated_subtotals); its rows repeat the
            // summary's fiscal part, so --check lists the table as skipped
            if let Some(u) = unit {
                fiscal_total(p, &body[first_data..], u)?;
                // (its class rows may come before the first row the header scan calls data)
                summary_classes(p, &body, u, "财政拨款收支总表 (spending by class)")?;
            }
            return Ok(end.max(start + 1));
        }
        Kind::Procurement => {
            // not stored: left for --check to list as skipped, with its line range
            return Ok(end.max(start + 1));
        }
        _ => true,
    };
    let unit = match unit {
        Some(u) => u,
        None if stored => {
            return Err(p.err(
                title_no,
                format!("table `{title}` states no unit (单位：万元 or 单位：元) in its header; budgetql never guesses the unit from the figures"),
            ))
        }
        None => Unit::Wan,
    };
    match kind {
        Kind::Summary => summary(p, &body[first_data..], unit)?,
        Kind::ThreePublic => three_public(p, &title, title_no, &header, &body[first_data..], unit)?,
        Kind::Spending if !body.iter().any(|l| segments(&l.text).is_some()) => {
            spending_parts(p, &header, &body[first_data..], unit)?
        }
        _ => {
            let t = class_table(
                p,
                kind,
                &title,
                title_no,
                last_no,
                &header,
                &body[first_data..],
                unit,
            )?;
            let figures_elsewhere = body[first_data..]
                .iter()
                .any(|l| !total_label(&l.text) && l.text.split_whitespace().any(is_amount));
            if t.rows.is_empty() && figures_elsewhere {
                // printed figures that are not a classification table: leave them for --check
                return Ok(end.max(start + 1));
            }
            p.class_tables.push(t);
        }
    }
    // the 公开NN表 label printed just above the title belongs to the table
    let from = if start > 0 && is_table_label(&p.lines[start - 1].c) {
        start - 1
    } else {
        start
    };
    for c in &mut p.consumed[from..stop] {
        *c = true;
    }
    Ok(stop.max(start + 1))
}

/// A table body printed one cell per line (what some PDF-to-text tools produce): several
/// lines that are a lone figure and none with two figures.
fn cells_per_line(body: &[L]) -> bool {
    let figures = |l: &L| l.text.split_whitespace().filter(|t| is_amount(t)).count();
    let lone = body
        .iter()
        .filter(|l| figures(l) == 1 && l.text.split_whitespace().count() == 1)
        .count();
    lone >= 3 && body.iter().all(|l| figures(l) <= 1)
}

/// A 3-digit token that can be a 类 code: functional classes 201–239, economic classes
/// 301–399 and 501–599 (`700` or `237` between figures is a figure).
fn plausible_class(t: &str) -> bool {
    t.parse::<u16>().is_ok_and(|n| {
        (201..=239).contains(&n) || (301..=399).contains(&n) || (501..=599).contains(&n)
    })
}

/// The rows of a table printed one cell per line, each on its first cell's line: a
/// code (its 类 款 项 parts on lines of their own too), its name and its figures; a
/// label (合计, 一、财政拨款收入) and its figures. In the income and spending summary
/// (`two_sided`) a row prints its income side then its spending side: an income label
/// and figure followed by a spending label and figure are one row, as a line-per-row
/// text prints them.
fn rows_from_cells(body: &[L], two_sided: bool) -> Vec<L> {
    let lone_figure =
        |l: &L| is_amount(&l.text) && !l.text.contains(char::is_whitespace) && !is_code(&l.text);
    let code_part = |l: &L| is_split_part(&l.text);
    let label = |l: &L| {
        !l.text.split_whitespace().any(is_amount)
            && !is_code(&l.text)
            && !is_split_part(&l.text)
            && l.c.chars().count() <= 30
    };
    // the label of a row, not a header cell above a row of figures (`结转下年资金` heads
    // the last column of a 支出总表): a total (合计, 人员经费合计), an ordinal (一、, 1.)
    // or, in the summary, any label that is not a header word
    let row_label = |l: &L| {
        total_label(&l.text)
            || ["合计", "总计", "小计"].iter().any(|w| l.c.ends_with(w))
            || ordinal(&l.c).0 > 0
            || two_sided && !is_header_line(&l.c)
    };
    let mut out: Vec<L> = vec![];
    let mut i = 0;
    while i < body.len() {
        let start = i;
        let mut words: Vec<String> = vec![];
        if is_code(&body[i].text) {
            // the code, its parts, its name, then its figures
            words.push(body[i].text.clone());
            i += 1;
            if words[0].len() == 3 {
                while i < body.len() && code_part(&body[i]) && words.len() < 3 {
                    words.push(body[i].text.clone());
                    i += 1;
                }
            }
            if i < body.len() && label(&body[i]) && !is_header_line(&body[i].c) {
                words.push(body[i].text.clone());
                i += 1;
            }
        } else if label(&body[i]) && body.get(i + 1).is_some_and(lone_figure) && row_label(&body[i])
        {
            words.push(body[i].text.clone());
            i += 1;
        } else if label(&body[i])
            && body.get(i + 1).is_some_and(label)
            && body.get(i + 2).is_some_and(lone_figure)
            && total_label(&format!("{}{}", body[i].c, body[i + 1].c))
        {
            // a total label spaced out over two cells (`合` / `计`)
            words.push(format!("{}{}", body[i].c, body[i + 1].c));
            i += 2;
        } else if lone_figure(&body[i]) {
            // figures under the header's cells (a row without a label: 三公, 支出总表):
            // the header cells printed just above are one header line, as a
            // line-per-row text prints them (`合计 基本支出 项目支出 …`)
            if body.get(i + 1).is_some_and(lone_figure) {
                let mut cells: Vec<L> = vec![];
                // (not the unit line: `单位：万元`; `单位预留机动经费` is a cell)
                while let Some(l) =
                    out.pop_if(|l| label(l) && l.c.chars().count() <= 16 && !l.c.contains("单位："))
                {
                    cells.push(l);
                }
                cells.reverse();
                if let Some(first) = cells.first() {
                    let text = cells
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    out.push(L {
                        no: first.no,
                        c: compact(&text),
                        xs: vec![],
                        text,
                    });
                }
            }
        } else {
            out.push(body[i].clone());
            i += 1;
            continue;
        }
        let named = words.len();
        // (a 3-digit figure, `237`, reads like a 类 code: inside a run of figures it is
        // one when a figure follows it, not a name or a 款 part)
        let figure_here = |k: usize| {
            let t = &body[k].text;
            lone_figure(&body[k])
                || k > start + named
                    && t.len() == 3
                    && is_amount(t)
                    && (!plausible_class(t)
                        || body
                            .get(k + 1)
                            .is_some_and(|n| is_amount(&n.text) && !is_split_part(&n.text)))
        };
        while i < body.len() && figure_here(i) {
            words.push(body[i].text.clone());
            i += 1;
        }
        if words.len() == named && named == 1 && !is_code(&words[0]) {
            out.push(body[start].clone());
            continue;
        }
        if named == 0 && words.len() == 1 {
            // (a lone figure not followed by another: as it is)
            out.push(body[start].clone());
            continue;
        }
        let text = words.join(" ");
        out.push(L {
            no: body[start].no,
            c: compact(&text),
            xs: vec![],
            text,
        });
    }
    if two_sided {
        join_two_sides(out)
    } else {
        join_header_cells(out, &label)
    }
}

/// Header cells (labels with no figure after them) one line, as a line-per-row text
/// prints them: `合计` beside `基本支出` heads a column, it is not a total row.
fn join_header_cells(out: Vec<L>, label: &dyn Fn(&L) -> bool) -> Vec<L> {
    let header_cell = |l: &L| {
        label(l)
            && !l.c.contains(['：', ':'])
            && l.c.chars().count() <= 16
            && !l.text.split_whitespace().any(is_amount)
    };
    let mut joined: Vec<L> = vec![];
    for l in out {
        match joined.last_mut() {
            Some(prev) if header_cell(prev) && header_cell(&l) => {
                prev.text = format!("{} {}", prev.text, l.text);
                prev.c = compact(&prev.text);
            }
            _ => joined.push(l),
        }
    }
    joined
}

/// The summary's rows: an income row followed by a spending row is one printed row.
fn join_two_sides(out: Vec<L>) -> Vec<L> {
    let income_side = |l: &L| {
        let first = l.text.split_whitespace().next().unwrap_or("");
        let name = ordinal(first).1;
        (INCOME_WORDS.iter().any(|w| name.contains(w)) && !name.contains("支出")) || name == "总计"
    };
    let spending_side = |l: &L| {
        let first = l.text.split_whitespace().next().unwrap_or("");
        l.text.split_whitespace().any(is_amount)
            && (first.contains("支出") || is_summary_total(first) || ordinal(first).0 > 0)
            && !income_side(l)
    };
    let mut joined: Vec<L> = vec![];
    let mut k = 0;
    while k < out.len() {
        let a = &out[k];
        match out.get(k + 1) {
            Some(b)
                if income_side(a)
                    && a.text.split_whitespace().any(is_amount)
                    && (spending_side(b)
                        || b.text.split_whitespace().next() == Some("总计")
                            && a.text.starts_with("总计")) =>
            {
                let text = format!("{} {}", a.text, b.text);
                joined.push(L {
                    no: a.no,
                    c: compact(&text),
                    xs: vec![],
                    text,
                });
                k += 2;
            }
            _ => {
                joined.push(a.clone());
                k += 1;
            }
        }
    }
    joined
}

/// The title of a project's narrative (`兰溪路-真南路下立交工程项目经费情况说明`) → the
/// project's name.
fn narrative_project(c: &str) -> Option<&str> {
    let name = c
        .strip_suffix("项目经费情况说明")
        .or_else(|| c.strip_suffix("经费情况说明"))?;
    (name.chars().count() >= 2 && c.chars().count() <= 60 && !c.contains(['，', '。', '：']))
        .then_some(name)
}

/// A project's performance form (财政项目支出绩效目标申报表) starting at line `start`: read
/// up to the next form, project narrative or table; returns the line after it.
fn perf_form(p: &mut P, start: usize) -> usize {
    let end = (start + 1..p.lines.len())
        .find(|&j| {
            let c = &p.lines[j].c;
            super::perf_form::is_form_title(c)
                || narrative_project(c).is_some()
                || title_at(p, j).is_some() && unit_line_follows(p, j)
        })
        .unwrap_or(p.lines.len());
    let toks: Vec<super::perf_form::Tok> = p.lines[start + 1..end]
        .iter()
        .flat_map(|l| {
            l.text.split_whitespace().map(|w| super::perf_form::Tok {
                line: l.no,
                text: compact(w),
            })
        })
        .collect();
    let title_line = p.lines[start].no;
    let last_line = p.lines[end - 1].no;
    let seq = p.rec.projects.len() as i32 + 1;
    match super::perf_form::read(title_line, &toks, seq, p.year) {
        Ok(f) => {
            for (line, m) in f.warnings {
                p.warn(line, m);
            }
            p.rec.projects.push(f.project);
            p.rec.project_goals.extend(f.goals);
            p.rec.indicators.extend(f.indicators);
        }
        Err((line, m)) => {
            p.warn(line, format!("{m}; the form is not stored"));
            p.unstored.push((
                title_line,
                last_line,
                format!("{} (not read)", p.lines[start].text),
            ));
        }
    }
    for c in &mut p.consumed[start..end] {
        *c = true;
    }
    end
}

/// What each project's narrative (`…项目经费情况说明`) states as the year's budget
/// (`六、年度预算安排` / `2026年度预算安排22,614.51万元`) → `projects.stated_budget`, for
/// AUDIT's R5 against the form. A budget stated as several figures (a quarterly plan) is
/// left alone.
fn project_narratives(p: &mut P) {
    static WAN: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(\d[\d,，]*(?:\.\d+)?)万元").expect("static regex"));
    for k in 0..p.lines.len() {
        let Some(name) = narrative_project(&p.lines[k].c) else {
            continue;
        };
        let name = name.to_string();
        let Some(pi) = p
            .rec
            .projects
            .iter()
            .position(|r| compact(&r.project_name) == name)
        else {
            continue;
        };
        let stop = (k + 1..p.lines.len())
            .find(|&j| {
                narrative_project(&p.lines[j].c).is_some()
                    || super::perf_form::is_form_title(&p.lines[j].c)
            })
            .unwrap_or(p.lines.len());
        let Some(h) = (k + 1..stop).find(|&j| p.lines[j].c.contains("年度预算安排")) else {
            continue;
        };
        // the heading's own line after the words, and the lines up to the next heading
        let mut found = vec![];
        for j in h..stop {
            let c = &p.lines[j].c;
            if j > h
                && c.starts_with(|ch: char| "一二三四五六七八九十".contains(ch))
                && c.contains('、')
            {
                break;
            }
            let text = if j == h {
                c.split("年度预算安排").last().unwrap_or("")
            } else {
                c
            };
            for m in WAN.captures_iter(text) {
                found.push((p.lines[j].no, m[1].to_string()));
            }
        }
        if let [(line, figure)] = found.as_slice() {
            match parse_decimal(figure).ok().flatten().map(to_money) {
                Some(Ok(d)) => {
                    let r = &mut p.rec.projects[pi];
                    r.stated_budget = Some(d);
                    r.stated_line = Some(*line);
                }
                _ => p.warn(*line, format!("`{figure}万元` is not a figure")),
            }
        }
    }
}

/// `公开05表`: the number a Jiangsu-style disclosure prints above each table title.
fn is_table_label(c: &str) -> bool {
    c.strip_prefix("公开")
        .and_then(|r| r.strip_suffix('表'))
        .is_some_and(|d| !d.is_empty() && d.chars().all(|ch| ch.is_ascii_digit()))
}

/// A total row: `合计 …`, `合 计`, `人员经费合计 4884.09 公用经费合计 480.66`.
/// A row whose cells wrap inside it, read from the PDF as two lines: the codes and the
/// start of a name above (`301 08 机关事业单位基本养老保险缴`), the rest of the name and
/// the figures below (`费 160.75 302 06 电费`). The two lines are one row when the upper
/// one starts with a code and prints no figure, and the lower one (a short line) starts
/// with neither a code, a figure, a total nor a note; their words are put together by position (a word under another
/// continues it: `缴` + `费`). Without positions (a text file) lines stay as they are.
fn join_wrapped_rows(lines: &[L]) -> Vec<L> {
    let figure = |w: &str| is_amount(w) && (w.contains('.') || w.contains(','));
    let words = |l: &L| -> Option<Vec<(f32, f32, String)>> {
        let w: Vec<&str> = l.text.split(' ').collect();
        (!l.xs.is_empty() && w.len() == l.xs.len()).then(|| {
            w.iter()
                .zip(&l.xs)
                .map(|(t, x)| (x.0, x.1, t.to_string()))
                .collect()
        })
    };
    let mut out: Vec<L> = vec![];
    let mut i = 0;
    while i < lines.len() {
        let a = &lines[i];
        let Some(b) = lines.get(i + 1) else {
            out.push(a.clone());
            break;
        };
        let (Some(aw), Some(bw)) = (words(a), words(b)) else {
            out.push(a.clone());
            i += 1;
            continue;
        };
        let joins = is_code(&aw[0].2)
            && !aw.iter().any(|w| figure(&w.2))
            && !is_code(&bw[0].2)
            && !figure(&bw[0].2)
            && !total_label(&b.text)
            && !b.c.starts_with('注')
            && !b.c.starts_with("说明")
            && misprinted_code_row(&b.text).is_none()
            && b.c.chars().count() <= 40;
        if !joins {
            out.push(a.clone());
            i += 1;
            continue;
        }
        // the upper line's cells: runs of words that are neither codes nor figures (a
        // name may print as one word or as one word a character); a word of the lower
        // line under a run's span ends that cell's text (`因公出国（境）费` + `用`), any
        // other word takes its place by its left edge
        let cell = |w: &str| !is_code(w) && !is_amount(w) && !is_split_part(w);
        let mut merged: Vec<(f32, f32, String)> = aw;
        let mut runs: Vec<(usize, usize)> = vec![];
        let mut k = 0;
        while k < merged.len() {
            if cell(&merged[k].2) {
                let s0 = k;
                while k + 1 < merged.len() && cell(&merged[k + 1].2) {
                    k += 1;
                }
                runs.push((s0, k));
            }
            k += 1;
        }
        let mut tails: Vec<String> = vec![String::new(); merged.len()];
        let mut free: Vec<(f32, f32, String)> = vec![];
        for w in bw {
            let under = runs
                .iter()
                .find(|(s0, s1)| cell(&w.2) && w.0 < merged[*s1].1 && w.1 > merged[*s0].0);
            match under {
                Some(&(_, s1)) => tails[s1].push_str(&w.2),
                None => free.push(w),
            }
        }
        for (m, t) in merged.iter_mut().zip(&tails) {
            m.2.push_str(t);
        }
        merged.extend(free);
        merged.sort_by(|p, q| p.0.total_cmp(&q.0));
        let text = merged
            .iter()
            .map(|w| w.2.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(L {
            no: a.no,
            c: compact(&text),
            xs: merged.iter().map(|w| (w.0, w.1)).collect(),
            text,
        });
        i += 2;
    }
    out
}

fn total_label(text: &str) -> bool {
    let mut groups: Vec<String> = vec![];
    let mut cur = String::new();
    let mut figures = false;
    for t in text.split_whitespace() {
        if is_amount(t) {
            figures = true;
            if !cur.is_empty() {
                groups.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push_str(t);
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    !groups.is_empty()
        && groups.iter().all(|g| {
            g == "合计" || g == "总计" || figures && g.ends_with("合计") && g.chars().count() <= 8
        })
}

/// The figures of a line that holds only figures.
fn figures_only(text: &str) -> Option<Vec<&str>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    (!toks.is_empty() && toks.iter().all(|t| is_amount(t))).then_some(toks)
}

/// A row of at least two figures after a short label of words (`合计 1.2 3.4`):
/// the figures. A label is at most 8 characters and holds no figure.
fn labelled_figures(text: &str) -> Option<Vec<&str>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let k = toks.iter().position(|t| is_amount(t))?;
    let label: String = toks[..k].concat();
    let figs = &toks[k..];
    // (digits only in a year: `2024年决算数`)
    let digits_ok = label.contains('年') || !label.contains(|c: char| c.is_ascii_digit());
    (k > 0
        && label.chars().count() <= 8
        && digits_ok
        && figs.len() >= 2
        && figs.iter().all(|t| is_amount(t)))
    .then(|| figs.to_vec())
}

/// Columns of a classification table from its header.
fn columns_of(kind: Kind, header: &[&L]) -> Vec<&'static str> {
    let mut h: String = header.iter().map(|l| l.c.as_str()).collect();
    // a PDF's header cells, their names stacked over lines joined
    if let Some(cells) = stacked_header(header) {
        h.extend(cells.iter().map(|c| c.0.as_str()));
    }
    if kind.is_economic() {
        if h.contains("人员经费") && h.contains("公用经费") {
            vec!["amount", "personnel", "public"]
        } else {
            vec!["amount"]
        }
    } else if h.contains("基本支出") && h.contains("项目支出") {
        vec!["total", "basic", "project"]
    } else {
        vec!["total"]
    }
}

/// A line of a classification table's body, as read.
#[derive(Debug)]
enum ClassLine {
    /// a code-led row (side-by-side tables: several segments)
    Row(usize, Vec<Seg>),
    /// a total row: its label and figures
    Total(usize, String, Vec<String>),
    /// a fragment of a name printed on a line of its own
    Frag(String),
}

/// A classification table's body lines classified (repeated headers, 无 and unit lines
/// left out; a line of figures with no code or label warned of and left out, never a
/// name fragment), and the lines whose code is misprinted (kept as rows, warned of).
fn class_lines(p: &mut P, title: &str, body: &[L]) -> (Vec<ClassLine>, Vec<usize>) {
    let mut es: Vec<ClassLine> = vec![];
    let mut misprinted: Vec<usize> = vec![];
    let mut i = 0;
    while i < body.len() {
        let l = &body[i];
        if let Some(mut segs) = segments(&l.text) {
            // a code alone, its name and figures on the next line
            if segs.len() == 1 && segs[0].name.is_empty() && segs[0].nums.is_empty() {
                if let Some(next) = body.get(i + 1) {
                    if segments(&next.text).is_none() && !is_header_line(&next.c) {
                        let toks: Vec<&str> = next.text.split_whitespace().collect();
                        let k = toks.iter().position(|t| is_amount(t)).unwrap_or(toks.len());
                        if k > 0 && toks[k..].iter().all(|t| is_amount(t)) {
                            segs[0].name = toks[..k].concat();
                            segs[0].nums = toks[k..].iter().map(|s| s.to_string()).collect();
                            es.push(ClassLine::Row(l.no, segs));
                            i += 2;
                            continue;
                        }
                    }
                }
            }
            es.push(ClassLine::Row(l.no, segs));
        } else if total_label(&l.text) {
            // 合计 38.5 / 人员经费合计 4884.09 公用经费合计 480.66 / 合计 then figures below
            let toks: Vec<&str> = l.text.split_whitespace().collect();
            let mut label = String::new();
            let mut nums: Vec<String> = vec![];
            let mut pairs: Vec<(String, Vec<String>)> = vec![];
            for t in toks {
                if is_amount(t) {
                    nums.push(t.to_string());
                } else {
                    if !nums.is_empty() {
                        pairs.push((std::mem::take(&mut label), std::mem::take(&mut nums)));
                    }
                    label.push_str(t);
                }
            }
            if nums.is_empty() {
                if let Some(f) = body.get(i + 1).and_then(|n| figures_only(&n.text)) {
                    nums = f.iter().map(|s| s.to_string()).collect();
                    i += 1;
                }
            }
            pairs.push((label, nums));
            for (label, nums) in pairs {
                es.push(ClassLine::Total(l.no, label, nums));
            }
        } else if is_header_line(&l.c) || l.c == "无" || is_unit_line(&l.c) {
            // repeated header, or an empty table's 无
        } else if let Some(seg) = misprinted_code_row(&l.text) {
            // a row whose code is misprinted (`7 11 02` for `210 11 02`): its own row,
            // kept as printed, never part of the name above it
            p.warn(
                l.no,
                format!(
                    "`{title}`: row `{}` prints the code `{}`, which is not a classification code (3, 5 or 7 digits); kept as printed — check it against the document (AUDIT's R13 reports the subtotal it is missing from)",
                    l.text.trim(),
                    seg.code
                ),
            );
            misprinted.push(l.no);
            es.push(ClassLine::Row(l.no, vec![seg]));
        } else if l
            .text
            .split_whitespace()
            .any(|t| is_amount(t) && t.len() > 2)
        {
            // figures with no code and no total label: never part of a name
            p.warn(
                l.no,
                format!(
                    "`{title}`: `{}` prints figures with no classification code or total label; not stored — check the table in the document",
                    l.text.trim()
                ),
            );
        } else {
            es.push(ClassLine::Frag(l.c.clone()));
        }
        i += 1;
    }
    (es, misprinted)
}

#[allow(clippy::too_many_arguments)]
fn class_table(
    p: &mut P,
    kind: Kind,
    title: &str,
    title_no: usize,
    last_no: usize,
    header: &[&L],
    body: &[L],
    unit: Unit,
) -> Result<ClassTable, IngestError> {
    let columns = columns_of(kind, header);
    // 1. classify lines: code rows, totals, fragments (text), headers
    let (es, misprinted) = class_lines(p, title, body);
    // 2. attach name fragments to rows (see the module docs)
    let mut rows: Vec<(usize, Seg, usize)> = vec![]; // (line, first segment, fragments above)
    let mut others: Vec<(usize, Seg)> = vec![]; // side-by-side segments after the first
    let mut pending: Vec<String> = vec![];
    let mut totals = vec![];
    for e in es {
        match e {
            ClassLine::Frag(f) => pending.push(f),
            ClassLine::Row(no, segs) => {
                let mut it = segs.into_iter();
                let Some(mut first) = it.next() else { continue };
                let prefix = distribute(&mut pending, rows.last_mut(), first.name.is_empty());
                let pre = prefix.len();
                first.name = format!("{}{}", prefix.concat(), first.name);
                rows.push((no, first, pre));
                for s in it {
                    others.push((no, s));
                }
            }
            ClassLine::Total(no, label, nums) => {
                let _ = distribute(&mut pending, rows.last_mut(), false);
                pending.clear();
                totals.push((no, label, nums));
            }
        }
    }
    let _ = distribute(&mut pending, rows.last_mut(), false);
    // 3. figures; with positions (a PDF), a row printing fewer figures than the table
    // has columns has each placed in the column it lines up with: the columns are
    // where the full rows print their figures (else the header's leaf cells)
    let first_segs: Vec<(usize, Vec<(f32, f32)>)> = {
        let line_of = |no: usize| {
            p.lines
                .binary_search_by_key(&no, |l| l.no)
                .ok()
                .map(|i| &p.lines[i])
        };
        rows.iter()
            .filter_map(|(no, s, _)| Some((*no, num_extents(line_of(*no)?, s)?)))
            .collect()
    };
    let width = columns.len();
    let mut ranges: Vec<Option<(f32, f32)>> = vec![None; width];
    for (_, xs) in first_segs.iter().filter(|(_, xs)| xs.len() == width) {
        for (k, x) in xs.iter().enumerate() {
            let r = ranges[k].get_or_insert(*x);
            r.0 = r.0.min(x.0);
            r.1 = r.1.max(x.1);
        }
    }
    let anchors: Option<Vec<(f32, f32)>> = ranges.into_iter().collect();
    let mut out_rows = vec![];
    let mut all: Vec<(usize, Seg)> = rows.into_iter().map(|(n, s, _)| (n, s)).collect();
    all.extend(others);
    all.sort_by_key(|(n, _)| *n);
    for (no, s) in all {
        if s.nums.len() > columns.len() && !matches!(kind, Kind::Income) {
            return Err(p.err(
                no,
                format!(
                    "row `{} {}` has {} figures but table `{title}` has {} amount columns",
                    s.code,
                    s.name,
                    s.nums.len(),
                    columns.len()
                ),
            ));
        }
        let mut figs = vec![None; columns.len()];
        let mut slots: Vec<usize> = (0..s.nums.len().min(width)).collect();
        if s.nums.len() < width {
            let xs = first_segs
                .iter()
                .find(|(n, xs)| *n == no && xs.len() == s.nums.len())
                .map(|(_, xs)| xs.clone());
            let by_anchor = xs.as_ref().and_then(|xs| match &anchors {
                Some(a) => columns_by(a, xs),
                None => None,
            });
            let by_header = || place_by_position(header, xs.as_deref()?, width);
            if let Some(placed) = by_anchor.or_else(by_header) {
                if placed != slots {
                    p.warn(
                        no,
                        format!(
                            "row `{} {}` prints {} figures for {width} columns; each is placed in the column it lines up with ({})",
                            s.code,
                            s.name,
                            s.nums.len(),
                            placed.iter().map(|k| columns[*k]).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
                slots = placed;
            }
        }
        for (t, k) in s.nums.iter().zip(slots) {
            figs[k] = Some(p.money(no, t, unit)?);
        }
        if let Some(b) = &s.bad {
            return Err(p.err(no, format!("`{b}` in row {} of table `{title}` is not a figure; fix the number (digits, one decimal point, commas between thousands)", s.code)));
        }
        if s.name.is_empty() {
            return Err(p.err(
                no,
                format!("code {} in table `{title}` has no name", s.code),
            ));
        }
        out_rows.push((no, s.code, s.name, figs));
    }
    let misfit = misplaced_codes(p, title, &out_rows, &misprinted);
    let mut out_totals = vec![];
    for (no, label, nums) in totals {
        let mut figs = vec![None; columns.len()];
        for (k, t) in nums.iter().take(columns.len()).enumerate() {
            figs[k] = Some(p.money(no, t, unit)?);
        }
        out_totals.push((no, label, figs));
    }
    let t = ClassTable {
        kind,
        title: title.to_string(),
        first: title_no,
        last: last_no,
        columns,
        rows: out_rows,
        totals: out_totals,
        misfit,
    };
    verify(p, &t);
    Ok(t)
}

/// A table line that is a row but for its code: digits that are not a classification
/// code (`7 11 02`, a misprint of `210 11 02`), then a name, then only figures. Its code
/// is the digits as printed.
fn misprinted_code_row(text: &str) -> Option<Seg> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    let first = *toks.first()?;
    if !digits(first) || first.len() > 7 || is_code(first) {
        return None;
    }
    // a 款/项 part alone before the name's tail is the rest of a row wrapped inside it
    // (`302 其他商品和服务支` / `99 出 11.53`), not a code of its own
    if first.len() == 2 && !toks.get(1).is_some_and(|t| is_split_part(t)) {
        return None;
    }
    // the code as printed, its parts apart (`7 11 02`: a 项 by its three parts)
    let mut code = first.to_string();
    let mut i = 1;
    while i < toks.len() && toks[i].len() <= 2 && digits(toks[i]) && i < 3 {
        code.push(' ');
        code.push_str(toks[i]);
        i += 1;
    }
    let name_start = i;
    while i < toks.len() && !looks_numeric(toks[i]) {
        i += 1;
    }
    let name = toks[name_start..i].concat();
    let nums: Vec<String> = toks[i..].iter().map(|t| t.to_string()).collect();
    (!name.is_empty() && !nums.is_empty() && nums.iter().all(|t| is_amount(t))).then_some(Seg {
        code,
        name,
        nums,
        bad: None,
    })
}

/// Warn of each row whose code does not fit where it is printed: not under the row of
/// shorter code above it, and with no row of its own 类/款 anywhere in the table (a
/// misprinted `201 11 02` under `210 11`). The row is kept as printed.
fn misplaced_codes(
    p: &mut P,
    title: &str,
    rows: &[(usize, String, String, Vec<Option<Decimal>>)],
    misprinted: &[usize],
) -> Vec<bool> {
    let mut msgs = vec![];
    let mut misfit = vec![false; rows.len()];
    for (k, (no, code, name, _)) in rows.iter().enumerate() {
        if !is_code(code) || misprinted.contains(no) {
            misfit[k] = true; // warned of when read
            continue;
        }
        let Some((_, above, above_name, _)) = rows[..k]
            .iter()
            .rev()
            .find(|(_, c, _, _)| c.len() < code.len())
        else {
            continue;
        };
        let parent = &code[..code.len() - 2];
        let has_parent = rows.iter().any(|(_, c, _, _)| c == parent);
        if !code.starts_with(above.as_str()) && !has_parent {
            misfit[k] = true;
            msgs.push((
                *no,
                format!(
                    "`{title}`: code {code} {name} is printed under {above} {above_name} but is not part of it, and the table prints no {parent}; kept as printed — check the code against the document (AUDIT's R13 reports the subtotal it is missing from)"
                ),
            ));
        }
    }
    for (no, m) in msgs {
        p.warn(no, m);
    }
    misfit
}

/// Share the name fragments printed between two code rows: the row above takes as
/// many below as it had above (a vertically centred cell), or all of them when it
/// had none above; a row printed without a name keeps the last fragment as its
/// name's start. Returns the next row's prefix fragments.
fn distribute(
    pending: &mut Vec<String>,
    prev: Option<&mut (usize, Seg, usize)>,
    next_needs_name: bool,
) -> Vec<String> {
    let m = pending.len();
    let reserve = usize::from(next_needs_name).min(m);
    let avail = m - reserve;
    if let Some((_, seg, above)) = prev {
        let take = if *above > 0 {
            (*above).min(avail)
        } else {
            avail
        };
        for f in pending.drain(..take) {
            seg.name.push_str(&f);
        }
    }
    std::mem::take(pending)
}

/// A sum that reports overflow (figures too large for a decimal) instead of panicking.
fn checked_sum(xs: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    xs.into_iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b))
}

/// The rows that are leaves: no other row's code extends theirs.
fn leaves(t: &ClassTable) -> Vec<bool> {
    t.rows
        .iter()
        .enumerate()
        .map(|(k, (_, code, _, _))| {
            let extended = t.rows.iter().any(|(_, other, _, _)| {
                other.len() > code.len() && other.starts_with(code.as_str())
            });
            // a misfit row printed under it, deeper, is its child as printed (its
            // figures are not counted twice: once in it, once in the misfit)
            let misfit_below = t.misfit.get(k + 1) == Some(&true)
                && t.rows
                    .get(k + 1)
                    .is_some_and(|(_, c, _, _)| c.len() > code.len());
            !extended && !misfit_below
        })
        .collect()
}

/// Check every printed subtotal and total of a table against its leaves; a
/// difference is a warning (the document's, or a misread row).
fn verify(p: &mut P, t: &ClassTable) {
    let leaf = leaves(t);
    // None when the figures are too large to add (a damaged document): reported, not a panic
    let sum_under = |prefix: &str, k: usize| -> Option<Decimal> {
        checked_sum(
            t.rows
                .iter()
                .zip(&leaf)
                .filter(|((_, c, _, _), l)| **l && c.starts_with(prefix))
                .filter_map(|((_, _, _, f), _)| f[k]),
        )
    };
    let show = |s: Option<Decimal>| {
        s.map_or("more than a decimal can hold".to_string(), |s| {
            s.normalize().to_string()
        })
    };
    let mut msgs = vec![];
    for ((no, code, name, figs), is_leaf) in t.rows.iter().zip(&leaf) {
        if *is_leaf {
            continue;
        }
        for (k, col) in t.columns.iter().enumerate() {
            if let Some(v) = figs[k] {
                let s = sum_under(code, k);
                if s != Some(v) {
                    msgs.push((
                        *no,
                        format!(
                            "`{}`: {code} {name} {col} is printed as {} but its items add up to {}",
                            t.title,
                            v.normalize(),
                            show(s)
                        ),
                    ));
                }
            }
        }
    }
    let named: Vec<_> = t
        .totals
        .iter()
        .filter(|(_, l, _)| l != "合计" && l != "总计")
        .collect();
    for (no, label, figs) in &t.totals {
        if label != "合计" && label != "总计" {
            continue;
        }
        for (k, col) in t.columns.iter().enumerate() {
            if let Some(v) = figs[k] {
                let s = sum_under("", k);
                if s != Some(v) {
                    msgs.push((
                        *no,
                        format!(
                            "`{}`: {label} {col} is printed as {} but the items add up to {}",
                            t.title,
                            v.normalize(),
                            show(s)
                        ),
                    ));
                }
            }
        }
    }
    if !named.is_empty() {
        // side-by-side halves with their own totals (人员经费合计, 公用经费合计): their sum is the table's
        let s = checked_sum(named.iter().filter_map(|(_, _, f)| f[0]));
        let items = sum_under("", 0);
        if s != items {
            msgs.push((
                named[0].0,
                format!(
                    "`{}`: the printed totals add up to {} but the items add up to {}",
                    t.title,
                    show(s),
                    show(items)
                ),
            ));
        }
    }
    for (no, m) in msgs {
        p.warn(no, m);
    }
}

/// Store the widest classification table of each kind (function, economic); the
/// others are checked the same way and listed by --check as read, not stored.
/// A classification table's printed total rows, into `stated_subtotals` as `table`.
fn keep_totals(p: &mut P, t: &ClassTable, table: &'static str) {
    for (no, label, figs) in &t.totals {
        keep_row(p, t, table, *no, None, label, figs);
    }
}

/// One printed row of a classification table kept in `stated_subtotals`, a record per
/// column that prints a figure.
fn keep_row(
    p: &mut P,
    t: &ClassTable,
    table: &'static str,
    line: usize,
    code: Option<&str>,
    name: &str,
    figs: &[Option<Decimal>],
) {
    for (col, v) in t.columns.iter().zip(figs) {
        if let Some(v) = v {
            p.rec.stated_subtotals.push(SubtotalRec {
                line,
                table,
                code: code.map(str::to_string),
                name: name.to_string(),
                column: col,
                amount: *v,
            });
        }
    }
}

fn choose_class_tables(p: &mut P) {
    let tables = std::mem::take(&mut p.class_tables);
    let best = |econ: bool| {
        tables
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.kind.is_economic() == econ && t.kind != Kind::Income && !t.rows.is_empty()
            })
            .min_by_key(|(_, t)| t.kind.scope().map_or(99, |s| s.1))
            .map(|(i, _)| i)
    };
    let (bf, be) = (best(false), best(true));
    for (i, t) in tables.iter().enumerate() {
        let scope = t.kind.scope().map_or("", |s| s.0);
        if Some(i) != bf && Some(i) != be {
            // its printed totals are kept, under the view's own name (AUDIT's R13 checks
            // only the stored tables' subtotals against their rows)
            if let Some(view) = t.kind.view_name() {
                keep_totals(p, t, view);
                // and its rows, so AUDIT can check each row of the view (basic + project
                // = total) as it checks the stored table's
                for (no, code, name, figs) in &t.rows {
                    keep_row(p, t, view, *no, Some(code), name, figs);
                }
            }
            p.unstored.push((
                t.first,
                t.last,
                format!(
                    "{} ({} rows; a narrower or repeated view of a stored table)",
                    t.title,
                    t.rows.len()
                ),
            ));
            continue;
        }
        let leaf = leaves(t);
        let names: BTreeMap<&str, &str> = t
            .rows
            .iter()
            .map(|(_, c, n, _)| (c.as_str(), n.as_str()))
            .collect();
        let table_name = if t.kind.is_economic() {
            "spending_by_economic"
        } else {
            "spending_by_function"
        };
        for ((no, code, name, figs), is_leaf) in t.rows.iter().zip(&leaf) {
            if !is_leaf {
                keep_row(p, t, table_name, *no, Some(code), name, figs);
                continue;
            }
            // (a misprinted code kept as printed, `7 11 02`: its parts as printed)
            let parts: Vec<&str> = code.split(' ').collect();
            let class_code = if parts.len() > 1 {
                parts[0].to_string()
            } else {
                code.get(..3).unwrap_or(code).to_string()
            };
            let class_name = names.get(class_code.as_str()).map(|s| s.to_string());
            let col = |c: &str| t.columns.iter().position(|x| *x == c).and_then(|k| figs[k]);
            if t.kind.is_economic() {
                p.rec.spending_by_economic.push(EconomicRec {
                    line: *no,
                    econ_code: code.clone(),
                    class_code,
                    class_name,
                    name: name.clone(),
                    amount: col("amount"),
                    personnel: col("personnel"),
                    public: col("public"),
                    scope,
                });
            } else {
                let section_code = if parts.len() > 1 {
                    (parts.len() > 2).then(|| parts[..2].join(" "))
                } else {
                    code.get(..5).filter(|_| code.len() > 5).map(str::to_string)
                };
                let section_name = section_code
                    .as_deref()
                    .and_then(|s| names.get(s))
                    .map(|s| s.to_string());
                // by its length, or a misprinted code by its printed parts (`7 11 02`)
                let level = match code.split(' ').count() {
                    1 => match code.len() {
                        3 => "类",
                        5 => "款",
                        _ => "项",
                    },
                    2 => "款",
                    _ => "项",
                };
                p.rec.spending_by_function.push(FunctionRec {
                    line: *no,
                    func_code: code.clone(),
                    level,
                    class_code,
                    class_name,
                    section_code,
                    section_name,
                    name: name.clone(),
                    total: col("total"),
                    basic: col("basic"),
                    project: col("project"),
                    scope,
                });
            }
        }
        keep_totals(p, t, table_name);
        // basic and project spending from the stored function table's total row, when
        // the summary did not state them
        if !t.kind.is_economic() {
            let has_parts = p.rec.budget_lines.iter().any(|b| b.item == "基本支出");
            if let Some((no, _, figs)) = t.totals.iter().find(|(_, l, _)| l == "合计") {
                if !has_parts && t.kind == Kind::Spending {
                    let parent = if p.rec.budget_lines.iter().any(|b| b.item == "本年支出合计")
                    {
                        "本年支出合计"
                    } else {
                        "支出合计"
                    };
                    for (k, col) in t.columns.iter().enumerate() {
                        let item = match *col {
                            "basic" => "基本支出",
                            "project" => "项目支出",
                            _ => continue,
                        };
                        p.rec.budget_lines.push(BudgetLineRec::new(
                            *no,
                            "expense",
                            item,
                            Some(parent),
                            "part",
                            figs[k],
                        ));
                    }
                }
            }
        }
    }
}

/// Strip an ordinal (一、 / 1. / 1．) from a label; returns (level, label).
fn ordinal(label: &str) -> (u8, &str) {
    if let Some(i) = label.find('、') {
        let head = &label[..i];
        if !head.is_empty() && head.chars().all(|c| "一二三四五六七八九十".contains(c)) {
            return (1, &label[i + '、'.len_utf8()..]);
        }
    }
    let digits = label.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        let rest = &label[digits..];
        for sep in ['.', '．', '、'] {
            if let Some(r) = rest.strip_prefix(sep) {
                return (2, r);
            }
        }
    }
    (0, label)
}

const INCOME_WORDS: &[&str] = &[
    "财政拨款",
    "一般公共预算",
    "政府性基金",
    "国有资本经营",
    "财政专户",
    "其他资金",
    "事业收入",
    "经营收入",
    "其他收入",
    "上级补助",
    "附属单位上缴",
    "结转",
    "结余",
    "收入",
];

/// The income/spending summary (收支预算总表, 收入支出决算总表): the income side
/// by source into `income_by_source`, the grand totals into `budget_lines`.
/// A summary's spending side by functional class (`九、卫生健康支出 236.63`, the first
/// figure after the name) and its spending total (本年支出合计 / 当年支出小计), kept in
/// `stated_subtotals` under `table` for AUDIT (R24: against the classification table;
/// R26: the classes against the total).
fn summary_classes(
    p: &mut P,
    body: &[L],
    unit: Unit,
    table: &'static str,
) -> Result<(), IngestError> {
    static CLASS: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:^|\s)[一二三四五六七八九十]+、(\S{2,20}?支出)\s+(\d[\d,]*\.\d+)(?:\s|$)",
        )
        .expect("static regex")
    });
    static TOTAL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:^|\s)(本年支出合计|当年支出小计)\s+(\d[\d,]*\.\d+)(?:\s|$)")
            .expect("static regex")
    });
    for l in body {
        let found = CLASS
            .captures_iter(&l.text)
            .map(|m| (m[1].to_string(), m[2].to_string()))
            .chain(
                TOTAL
                    .captures_iter(&l.text)
                    .map(|m| (m[1].to_string(), m[2].to_string())),
            )
            .collect::<Vec<_>>();
        for (name, fig) in found {
            if [
                "基本支出",
                "项目支出",
                "事业单位经营支出",
                "上缴上级支出",
                "对附属单位补助支出",
            ]
            .contains(&name.as_str())
            {
                continue;
            }
            let amount = p.money(l.no, &fig, unit)?;
            p.rec.stated_subtotals.push(SubtotalRec {
                line: l.no,
                table,
                code: None,
                name,
                column: "total",
                amount,
            });
        }
    }
    Ok(())
}

fn summary(p: &mut P, body: &[L], unit: Unit) -> Result<(), IngestError> {
    summary_classes(p, body, unit, "收支总表 (spending by class)")?;
    // labelled figures in reading order, each label starting at an ordinal or a total word
    let mut income: Vec<(usize, u8, String, Option<Decimal>)> = vec![];
    let mut spend_total: Option<(usize, String, Decimal)> = None;
    let mut spend_year: Option<(usize, Decimal)> = None;
    let mut spend_carry: Option<(usize, String, Decimal)> = None;
    for l in body {
        if is_header_line(&l.c)
            || l.c.starts_with("收入") && !l.c.contains(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let mut items: Vec<(String, Option<String>)> = vec![];
        for tok in l.text.split_whitespace() {
            if is_amount(tok) {
                if let Some(last) = items.last_mut() {
                    if last.1.is_none() {
                        last.1 = Some(tok.to_string());
                    }
                }
                continue;
            }
            let starts_new = items.last().is_none_or(|x| x.1.is_some())
                || ordinal(tok).0 > 0
                || is_summary_total(tok);
            let ends_marker = items
                .last()
                .is_some_and(|x| x.1.is_none() && (x.0.ends_with('.') || x.0.ends_with('．')));
            if starts_new && !ends_marker {
                items.push((tok.to_string(), None));
            } else if let Some(last) = items.last_mut() {
                last.0.push_str(tok);
            }
        }
        for (k, (label, fig)) in items.into_iter().enumerate() {
            let amount = match &fig {
                Some(t) => Some(p.money(l.no, t, unit)?),
                None => None,
            };
            let (lvl, name) = ordinal(&label);
            let is_income = k == 0
                && !name.ends_with("支出")
                && !name.contains("支出合计")
                && !name.contains("支出小计")
                && INCOME_WORDS.iter().any(|w| name.contains(w))
                || k == 0 && name == "总计";
            if is_income {
                income.push((l.no, lvl, name.to_string(), amount));
                continue;
            }
            let Some(a) = amount else { continue };
            match name {
                "支出合计" | "支出总计" | "总计" => {
                    spend_total = Some((l.no, name.to_string(), a))
                }
                "当年支出小计" | "本年支出合计" => spend_year = Some((l.no, a)),
                "结转下年资金" | "年末结转和结余" => {
                    spend_carry = Some((l.no, name.to_string(), a))
                }
                _ => {}
            }
        }
    }
    // structure of the income side
    let grand = income
        .iter()
        .rev()
        .find(|x| matches!(x.2.as_str(), "收入合计" | "收入总计" | "总计"))
        .cloned();
    let year_sub = income
        .iter()
        // (`当年收入` alone: its 小计 printed on the next page)
        .find(|x| {
            matches!(
                x.2.as_str(),
                "当年收入小计" | "本年收入合计" | "当年收入" | "本年收入"
            )
        })
        .cloned();
    let Some((gno, gname, _, gamount)) = grand.map(|g| (g.0, g.2, g.1, g.3)) else {
        return Err(p.err(
            body.first().map_or(1, |l| l.no),
            "the income and spending summary has no 收入合计/收入总计 line",
        ));
    };
    let top = year_sub.as_ref().map_or(gname.clone(), |y| y.2.clone());
    let mut last_l1: Option<String> = None;
    for (no, lvl, name, amount) in &income {
        let (parent, kind) = if *name == gname && *no == gno {
            (None, "total")
        } else if year_sub.as_ref().is_some_and(|y| y.2 == *name)
            || name.contains("结转")
            || name.contains("结余")
        {
            // the year's subtotal and the carry-over are parts of the grand total
            (Some(gname.clone()), "part")
        } else if *lvl == 2 {
            (last_l1.clone().or(Some(top.clone())), "part")
        } else {
            if *lvl == 1 {
                last_l1 = Some(name.clone());
            }
            (Some(top.clone()), "part")
        };
        if amount.is_none() {
            continue;
        }
        p.rec.income_by_source.push(IncomeRec {
            line: *no,
            item: name.clone(),
            parent_item: parent,
            line_kind: kind,
            amount: *amount,
        });
    }
    p.rec.budget_lines.push(BudgetLineRec::new(
        gno,
        "income",
        "收入合计",
        None,
        "total",
        gamount,
    ));
    if let Some((no, _, a)) = spend_total {
        p.rec.budget_lines.push(BudgetLineRec::new(
            no,
            "expense",
            "支出合计",
            None,
            "total",
            Some(a),
        ));
        if let Some((yno, ya)) = spend_year {
            if ya != a || spend_carry.is_some() {
                p.rec.budget_lines.push(BudgetLineRec::new(
                    yno,
                    "expense",
                    "本年支出合计",
                    Some("支出合计"),
                    "part",
                    Some(ya),
                ));
            }
        }
        if let Some((cno, cname, ca)) = spend_carry {
            p.rec.budget_lines.push(BudgetLineRec::new(
                cno,
                "expense",
                &cname,
                Some("支出合计"),
                "part",
                Some(ca),
            ));
        }
    }
    Ok(())
}

fn is_summary_total(tok: &str) -> bool {
    matches!(
        tok,
        "收入合计"
            | "支出合计"
            | "收入总计"
            | "支出总计"
            | "总计"
            | "当年收入小计"
            | "当年支出小计"
            | "本年收入合计"
            | "本年支出合计"
            | "上年结转资金"
            | "结转下年资金"
            | "年初结转和结余"
            | "年末结转和结余"
            | "使用非财政拨款结余"
            | "结余分配"
    )
}

/// A 支出预算总表 printed as a header row of purposes and one row of figures
/// (合计 基本支出 项目支出 单位预留机动经费 结转下年资金).
fn spending_parts(p: &mut P, header: &[&L], body: &[L], unit: Unit) -> Result<(), IngestError> {
    // the row of figures: figures only, or figures after a short label (`合计 …`,
    // `2024年决算数 …`)
    let Some(fig_line) = body
        .iter()
        .find(|l| figures_only(&l.text).is_some())
        .or_else(|| body.iter().find(|l| labelled_figures(&l.text).is_some()))
    else {
        return Ok(());
    };
    let figs = figures_only(&fig_line.text).unwrap_or_default();
    // with positions, the header's cells (names stacked over lines joined) and the
    // column each figure lines up with; else the labels of the line starting 合计
    let by_position = stacked_header(header).and_then(|cells| {
        let extents: Vec<(f32, f32)> = cells.iter().map(|c| c.1).collect();
        let cols = columns_by(&extents, &fig_line.xs)?;
        (fig_line.xs.len() == figs.len())
            .then(|| cols.into_iter().map(|k| cells[k].0.clone()).collect())
    });
    let labels: Vec<String> = by_position.unwrap_or_else(|| {
        // (from its 合计 on: a cell wrapped above the line may stand before it)
        header
            .iter()
            .rev()
            .find(|l| l.text.split_whitespace().any(|t| t == "合计"))
            .map(|l| {
                l.text
                    .split_whitespace()
                    .skip_while(|t| *t != "合计")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    });
    if labels.len() < figs.len() {
        return Err(p.err(
            fig_line.no,
            format!(
                "{} figures under {} column headings",
                figs.len(),
                labels.len()
            ),
        ));
    }
    let parent = if p.rec.budget_lines.iter().any(|b| b.item == "本年支出合计") {
        "本年支出合计"
    } else {
        "支出合计"
    };
    for (label, fig) in labels.iter().zip(figs) {
        let a = p.money(fig_line.no, fig, unit)?;
        // a header cell names its column, perhaps with the cells stacked above it
        let label = ["基本支出", "项目支出", "结转下年资金", "单位预留机动经费"]
            .into_iter()
            .find(|w| label.contains(w))
            .or_else(|| label.contains("预留机动").then_some("单位预留机动经费"))
            .or_else(|| (label.contains("合计") || label.contains("总计")).then_some("合计"))
            .unwrap_or(label);
        match label {
            "合计" => {}
            "结转下年资金" => p.rec.budget_lines.push(BudgetLineRec::new(
                fig_line.no,
                "expense",
                label,
                Some("支出合计"),
                "part",
                Some(a),
            )),
            _ => p.rec.budget_lines.push(BudgetLineRec::new(
                fig_line.no,
                "expense",
                label,
                Some(parent),
                "part",
                Some(a),
            )),
        }
    }
    Ok(())
}

/// The 三公 table: one row of figures under a multi-line header. The header says
/// which layout (with 会议费/培训费, with 机关运行经费, or 预算数/决算数 pairs); a
/// row with fewer figures than columns has its blanks where the totals reconcile.
fn three_public(
    p: &mut P,
    title: &str,
    title_no: usize,
    header: &[&L],
    body: &[L],
    unit: Unit,
) -> Result<(), IngestError> {
    let h: String = header.iter().map(|l| l.c.as_str()).collect::<String>() + title;
    // the row of figures: figures only, or figures after a short label (`合计 …`,
    // `2024年决算数 …`)
    let Some(fig_line) = body
        .iter()
        .find(|l| figures_only(&l.text).is_some())
        .or_else(|| body.iter().find(|l| labelled_figures(&l.text).is_some()))
    else {
        // an empty table (`…没有财政拨款“三公”经费支出，故本表无数据`): nothing to lose
        p.warn(
            title_no,
            format!("table `{title}` prints no row of figures; nothing is stored from it"),
        );
        return Ok(());
    };
    let (toks, fig_line) = match figures_only(&fig_line.text) {
        Some(t) => (t, fig_line.clone()),
        None => {
            // the label's words dropped, with their extents
            let t = labelled_figures(&fig_line.text).unwrap_or_default();
            let skip = fig_line.text.split_whitespace().count() - t.len();
            let mut l = fig_line.clone();
            l.xs = l.xs.iter().skip(skip).copied().collect();
            l.text = t.join(" ");
            (t, l)
        }
    };
    let toks: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
    let no = fig_line.no;
    let mut figs = vec![];
    for t in &toks {
        figs.push(p.money(no, t, unit)?);
    }
    // column names; the constraints (total, parts) a row must satisfy
    use sangong::*;
    let (cols, sums, pairs): (Vec<&str>, Vec<(usize, Vec<usize>)>, bool) = if (h.contains("预算数")
        || h.contains("预算金额")
        || h.contains("年初预算"))
        && (h.contains("决算数") || h.contains("决算金额") || h.contains("实际支出"))
    {
        (
            vec![T, ABROAD, CAR, BUY, RUN, RECV],
            vec![(0, vec![1, 2, 5]), (2, vec![3, 4])],
            true,
        )
    } else if h.contains("会议费") && h.contains("培训费") {
        (
            vec![ALL, T, ABROAD, CAR, BUY, RUN, RECV, "会议费", "培训费"],
            vec![(0, vec![1, 7, 8]), (1, vec![2, 3, 6]), (3, vec![4, 5])],
            false,
        )
    } else if h.contains("机关运行经费") {
        (
            vec![T, ABROAD, RECV, CAR, BUY, RUN, "机关运行经费"],
            vec![(0, vec![1, 2, 3]), (3, vec![4, 5])],
            false,
        )
    } else {
        return Err(p.err(title_no, format!("table `{title}`: the header is not a 三公 layout budgetql knows (expected 因公出国, 公务用车, 公务接待 columns)")));
    };
    let width = if pairs { cols.len() * 2 } else { cols.len() };
    // with positions (a PDF), the columns the figures line up with
    let by_position = if figs.len() < width {
        place_by_position(header, &fig_line.xs, width)
    } else {
        None
    };
    let by_position: Option<Vec<Option<Decimal>>> = by_position.map(|cols_of| {
        let mut v = vec![None; width];
        for (f, k) in figs.iter().zip(cols_of) {
            v[k] = Some(*f);
        }
        v
    });
    let reconciles = |v: &[Option<Decimal>]| {
        sums.iter().all(|(t, parts)| {
            let total = v[*t].unwrap_or(Decimal::ZERO);
            checked_sum(parts.iter().map(|k| v[*k].unwrap_or(Decimal::ZERO))) == Some(total)
        })
    };
    // the cell under the header's column wins; the totals only confirm it (a row whose
    // totals do not add up as printed is the document's: AUDIT's R7 reports it)
    let positioned = by_position;
    let was_positioned = positioned.is_some();
    // a blank cell is 0 where the row's totals reconcile with it so, else not printed
    // (NULL): a blank 合计 beside printed parts is not a total of 0
    let mut blanks_are_zero = true;
    let series: Vec<Vec<Option<Decimal>>> = if let Some(v) = positioned {
        blanks_are_zero = pairs || reconciles(&v);
        let confirmed = if pairs {
            String::new()
        } else if reconciles(&v) {
            ", and the row's totals reconcile".to_string()
        } else {
            ", but the row's totals do not add up as printed (AUDIT's R7 reports it): check the table in the document".to_string()
        };
        p.warn(no, format!("`{title}`: {} figures for {width} columns; each placed in the column it lines up with{confirmed}", figs.len()));
        if pairs {
            vec![
                v.iter().step_by(2).cloned().collect(),
                v.iter().skip(1).step_by(2).cloned().collect(),
            ]
        } else {
            vec![v]
        }
    } else if pairs {
        let placed = place(&figs, width, &[])?;
        let Some(v) = placed else {
            return Err(p.err(
                no,
                format!(
                    "{} figures for {width} columns of 预算数/决算数",
                    figs.len()
                ),
            ));
        };
        vec![
            v.iter().step_by(2).cloned().collect(),
            v.iter().skip(1).step_by(2).cloned().collect(),
        ]
    } else {
        match place(&figs, width, &sums)? {
            Some(v) => vec![v],
            None => {
                // never guess: the table is left out, and the document still reads
                p.warn(no, format!("`{title}`: {} figures for {width} columns, and neither their positions nor any placement of the blanks makes the row's totals add up; the table is not stored (`budgetql text FILE --positions` shows its cells)", figs.len()));
                p.unstored.push((
                    title_no,
                    no,
                    format!("{title} (its figures could not be placed)"),
                ));
                return Ok(());
            }
        }
    };
    if figs.len() < width && !was_positioned {
        p.warn(no, format!("`{title}`: {} figures for {width} columns; blank cells placed where the totals reconcile", figs.len()));
    }
    store_three_public(p, no, &cols, &series, pairs, blanks_are_zero);
    Ok(())
}

/// The 三公 table's column names.
mod sangong {
    pub(super) const ALL: &str = "三公、会议费、培训费合计";
    pub(super) const T: &str = "合计";
    pub(super) const ABROAD: &str = "因公出国（境）费";
    pub(super) const CAR: &str = "公务用车购置及运行费";
    pub(super) const BUY: &str = "公务用车购置费";
    pub(super) const RUN: &str = "公务用车运行维护费";
    pub(super) const RECV: &str = "公务接待费";
}

/// The 三公 row's figures as placed, by column, into `three_public` (the categories) and
/// `budget_lines` (the memo lines: the 三公/会议费/培训费 total, 会议费, 培训费,
/// 机关运行经费); a 决算's pairs as two series, budget and final. A blank cell is 0 when
/// `blanks_are_zero`, else NULL.
fn store_three_public(
    p: &mut P,
    no: usize,
    cols: &[&str],
    series: &[Vec<Option<Decimal>>],
    pairs: bool,
    blanks_are_zero: bool,
) {
    use sangong::*;
    for (si, vals) in series.iter().enumerate() {
        let phase = if pairs {
            Some(if si == 0 { "budget" } else { "final" })
        } else {
            None
        };
        for (k, col) in cols.iter().enumerate() {
            let amount = vals[k].or(blanks_are_zero.then_some(Decimal::ZERO));
            match *col {
                ALL => {
                    p.rec.budget_lines.push(BudgetLineRec::new(
                        no,
                        "expense",
                        "“三公”经费、会议费、培训费合计",
                        None,
                        "memo",
                        amount,
                    ));
                }
                "会议费" | "培训费" | "机关运行经费" => {
                    p.rec
                        .budget_lines
                        .push(BudgetLineRec::new(no, "expense", col, None, "memo", amount));
                }
                _ => {
                    let parent = match *col {
                        T => None,
                        BUY | RUN => Some(CAR.to_string()),
                        _ => Some(T.to_string()),
                    };
                    let label = if *col == T {
                        "“三公”经费".to_string()
                    } else {
                        col.to_string()
                    };
                    p.rec.three_public.push(ThreePublicRec {
                        line: no,
                        year: p.year,
                        category: col.to_string(),
                        label,
                        parent_category: parent,
                        amount,
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase,
                    });
                }
            }
        }
    }
}

/// A table header's cells from positions: words of the header lines that overlap
/// horizontally are one cell, stacked top to bottom (`基` over `本支出` is 基本支出; a
/// cell spanning several below it joins the first). None without positions.
fn stacked_header(header: &[&L]) -> Option<Vec<(String, (f32, f32))>> {
    if header.is_empty() || header.iter().any(|h| h.xs.is_empty()) {
        return None;
    }
    let mut cells: Vec<(String, (f32, f32))> = vec![];
    // the 部门/单位 line above a header is not part of it
    for h in header.iter().filter(|h| {
        !h.c.contains("单位：")
            && !["部门：", "部门名称", "编制部门", "预算单位："]
                .iter()
                .any(|w| h.c.starts_with(w))
    }) {
        for (w, x) in h.text.split_whitespace().zip(&h.xs) {
            match cells.iter_mut().find(|(_, c)| c.0.max(x.0) < c.1.min(x.1)) {
                Some((t, c)) => {
                    t.push_str(w);
                    c.0 = c.0.min(x.0);
                    c.1 = c.1.max(x.1);
                }
                None => cells.push((w.to_string(), *x)),
            }
        }
    }
    cells.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
    Some(cells)
}

/// The x extents of a segment's figures on its line, when the line has positions: the
/// figures are the first run of tokens equal to them.
fn num_extents(l: &L, seg: &Seg) -> Option<Vec<(f32, f32)>> {
    if l.xs.is_empty() || seg.nums.is_empty() {
        return None;
    }
    let toks: Vec<&str> = l.text.split_whitespace().collect();
    let n = seg.nums.len();
    (0..toks.len().checked_sub(n)? + 1)
        .find(|&i| toks[i..i + n].iter().zip(&seg.nums).all(|(a, b)| a == b))
        .map(|i| l.xs[i..i + n].to_vec())
}

/// The columns (indices into `anchors`, each a column's x extent) that figures at `xs`
/// line up with: the column whose extent holds a figure's centre, else the nearest;
/// None when two figures would share a column or their order would change.
fn columns_by(anchors: &[(f32, f32)], xs: &[(f32, f32)]) -> Option<Vec<usize>> {
    let mut out: Vec<usize> = vec![];
    for x in xs {
        let c = (x.0 + x.1) / 2.0;
        let d = |a: &(f32, f32)| {
            if a.0 <= c && c <= a.1 {
                0.0
            } else {
                (c - a.0).abs().min((c - a.1).abs())
            }
        };
        let k = (0..anchors.len()).min_by(|&a, &b| d(&anchors[a]).total_cmp(&d(&anchors[b])))?;
        if out.last().is_some_and(|&prev| prev >= k) {
            return None;
        }
        out.push(k);
    }
    Some(out)
}

/// The column each figure of `row` lines up with, from positions: the table's columns
/// are the header's leaf cells (header words with no other header word printed below
/// them) right of the row's label area; a figure belongs to the leaf whose x extent
/// holds its centre (else the nearest). None without positions, when the leaves are not
/// exactly `width`, or when two figures would share a column.
fn place_by_position(header: &[&L], row: &[(f32, f32)], width: usize) -> Option<Vec<usize>> {
    if row.is_empty() || header.iter().any(|h| h.xs.is_empty()) {
        return None;
    }
    let first_fig = row.first()?.0;
    // every header word with its line index
    let words: Vec<(usize, (f32, f32))> = header
        .iter()
        .enumerate()
        .flat_map(|(i, h)| h.xs.iter().map(move |x| (i, *x)))
        .collect();
    let overlaps = |a: (f32, f32), b: (f32, f32)| a.0.max(b.0) < a.1.min(b.1);
    let mut leaves: Vec<(f32, f32)> = words
        .iter()
        .filter(|(i, x)| !words.iter().any(|(j, y)| j > i && overlaps(*x, *y)))
        .map(|(_, x)| *x)
        .collect();
    leaves.sort_by(|a, b| a.0.total_cmp(&b.0));
    // a header of exactly the table's columns (a 三公 row prints no label): every leaf
    // is a column, whatever the row's first figure lines up with
    if leaves.len() == width {
        return columns_by(&leaves, row);
    }
    // the row's label area is left of the first figure's column: leaves left of the leaf
    // nearest the first figure go (a right-aligned figure may start right of its own
    // column's heading: `合计` at 104–128, its figure at 135–159)
    let first = row.first()?;
    let c = (first.0 + first.1) / 2.0;
    let dist = |a: &(f32, f32)| {
        if a.0 <= c && c <= a.1 {
            0.0
        } else {
            (c - a.0).abs().min((c - a.1).abs())
        }
    };
    let nearest =
        (0..leaves.len()).min_by(|&a, &b| dist(&leaves[a]).total_cmp(&dist(&leaves[b])))?;
    let keep_from = leaves
        .iter()
        .position(|x| x.1 > first_fig - 1.0)
        .unwrap_or(nearest)
        .min(nearest);
    let mut leaves = leaves.split_off(keep_from);
    leaves.sort_by(|a, b| a.0.total_cmp(&b.0));
    if leaves.len() != width {
        return None;
    }
    columns_by(&leaves, row)
}

/// Place `figs` into `width` columns, leaving `width - figs.len()` blanks, so that every
/// (total, parts) constraint holds; ties go to the leftmost blanks. None when no
/// placement works.
fn place(
    figs: &[Decimal],
    width: usize,
    sums: &[(usize, Vec<usize>)],
) -> Result<Option<Vec<Option<Decimal>>>, IngestError> {
    if figs.len() > width {
        return Ok(None);
    }
    let blanks = width - figs.len();
    if blanks > 3 {
        return Ok(None);
    }
    // enumerate blank positions in lexicographic order
    let mut best = None;
    let mut idx: Vec<usize> = (0..blanks).collect();
    loop {
        let mut v = vec![None; width];
        let mut f = figs.iter();
        for (k, slot) in v.iter_mut().enumerate() {
            if !idx.contains(&k) {
                *slot = f.next().copied();
            }
        }
        let ok = sums.iter().all(|(t, parts)| {
            let total = v[*t].unwrap_or(Decimal::ZERO);
            checked_sum(parts.iter().map(|k| v[*k].unwrap_or(Decimal::ZERO))) == Some(total)
        });
        if ok {
            best = Some(v);
            break;
        }
        // next combination
        let mut k = blanks;
        loop {
            if k == 0 {
                return Ok(best);
            }
            k -= 1;
            if idx[k] < width - blanks + k {
                idx[k] += 1;
                for j in k + 1..blanks {
                    idx[j] = idx[j - 1] + 1;
                }
                break;
            }
        }
        if blanks == 0 {
            break;
        }
    }
    Ok(best)
}

/// Lines no rule consumed, grouped into ranges; tables read but not stored are
/// listed with their titles.
fn skipped(p: &P) -> Vec<Skipped> {
    let mut out: Vec<Skipped> = vec![];
    let mut cur: Option<Skipped> = None;
    for (i, l) in p.lines.iter().enumerate() {
        if p.consumed[i] {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            continue;
        }
        // a table title starts a region of its own, so --check names the table
        if cur.is_some()
            && (title_kind(&l.c).is_some()
                && unit_line_follows(p, i)
                && !p
                    .lines
                    .get(i.wrapping_sub(1))
                    .is_some_and(|x| is_table_label(&x.c))
                || is_table_label(&l.c))
        {
            out.extend(cur.take());
        }
        let figures = super::has_money_figure(&l.text)
            || l.text
                .split_whitespace()
                .any(|t| is_amount(t) && t.contains(['.', ',']));
        let is_table = segments(&l.text).is_some() || figures_only(&l.text).is_some();
        match &mut cur {
            Some(c) => {
                c.last_line = l.no;
                c.has_figures |= figures;
                if is_table {
                    c.kind = "table";
                }
            }
            None => {
                cur = Some(Skipped {
                    first_line: l.no,
                    last_line: l.no,
                    kind: if is_table || title_kind(&l.c).is_some() {
                        "table"
                    } else {
                        "text"
                    },
                    has_figures: figures,
                    preview: match p.lines.get(i + 1) {
                        // a table's number label: name the table by its title
                        Some(next) if is_table_label(&l.c) => {
                            super::lines::shorten(&format!("{} {}", l.text, next.text), 40)
                        }
                        _ => super::lines::shorten(&l.text, 40),
                    },
                })
            }
        }
    }
    if let Some(c) = cur.take() {
        out.push(c);
    }
    for (first, last, what) in &p.unstored {
        out.push(Skipped {
            first_line: *first,
            last_line: *last,
            kind: "table read, not stored",
            has_figures: false,
            preview: what.clone(),
        });
    }
    out.sort_by_key(|s| s.first_line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(no: usize, words: &[(&str, f32, f32)]) -> L {
        let text = words.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
        L {
            no,
            c: compact(&text),
            text,
            xs: words.iter().map(|w| (w.1, w.2)).collect(),
        }
    }

    #[test]
    fn right_aligned_figures_go_to_the_column_whose_heading_they_follow() {
        // a Shanghai 三公 table (positions as the text layer reads them): 3 figures for 7
        // columns; the 合计 figure starts right of its heading
        let h1 = line(1, &[("“三公”经费预算数", 316.1, 424.1)]);
        let h2 = line(2, &[("机关运行经费预算", 676.9, 772.9)]);
        let h3 = line(3, &[("公务用车购置及运行费", 462.1, 582.1)]);
        let h4 = line(4, &[("数", 718.9, 730.9)]);
        let h5 = line(
            5,
            &[
                ("合计", 104.5, 128.5),
                ("因公出国(境)费", 175.9, 259.9),
                ("公务接待费", 289.3, 349.3),
            ],
        );
        let h6 = line(
            6,
            &[
                ("小计", 408.7, 432.7),
                ("购置费", 504.1, 540.1),
                ("运行费", 605.5, 641.5),
            ],
        );
        let header = [&h1, &h2, &h3, &h4, &h5, &h6];
        let row = [(135.3, 159.3), (338.1, 362.1), (737.7, 773.7)];
        // 合计, 公务接待费, 机关运行经费 (columns in left-to-right order)
        assert_eq!(place_by_position(&header, &row, 7), Some(vec![0, 2, 6]));
    }

    #[test]
    fn a_row_whose_cells_wrap_inside_it_is_read_as_one() {
        let up = line(
            1,
            &[
                ("301", 40.0, 52.0),
                ("08", 60.0, 68.0),
                ("机关事业单位基本养老保险缴", 80.0, 200.0),
                ("302", 300.0, 312.0),
            ],
        );
        let down = line(
            2,
            &[
                ("费", 80.0, 88.0),
                ("160.75", 230.0, 260.0),
                ("06", 320.0, 328.0),
                ("电费", 340.0, 356.0),
            ],
        );
        let next = line(
            3,
            &[
                ("301", 40.0, 52.0),
                ("09", 60.0, 68.0),
                ("职业年金缴费", 80.0, 140.0),
                ("80.38", 230.0, 255.0),
            ],
        );
        let rows = join_wrapped_rows(&[up, down, next]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].text,
            "301 08 机关事业单位基本养老保险缴费 160.75 302 06 电费"
        );
        assert_eq!(rows[1].text, "301 09 职业年金缴费 80.38");
        // without positions (a text file) nothing is joined
        let mut plain = line(1, &[("301", 0.0, 0.0), ("08", 0.0, 0.0)]);
        plain.xs.clear();
        let other = line(2, &[("费", 0.0, 0.0)]);
        assert_eq!(join_wrapped_rows(&[plain, other]).len(), 2);
    }

    #[test]
    fn side_by_side_tables_with_split_codes_are_two_segments() {
        let segs = segments("301 01 基本工资 262.33 302 01 办公费 21.21").unwrap();
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[0].code.as_str(), segs[0].nums.len()), ("30101", 1));
        assert_eq!(
            (segs[1].code.as_str(), segs[1].name.as_str()),
            ("30201", "办公费")
        );
        // the left row prints no figure
        let segs = segments("301 03 奖金 302 03 咨询费 1.00").unwrap();
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[0].code.as_str(), segs[0].nums.len()), ("30103", 0));
        assert_eq!((segs[1].code.as_str(), segs[1].nums.len()), ("30203", 1));
    }

    #[test]
    fn a_split_code_without_its_leading_zero_is_read() {
        let segs = segments("301 2 津贴补贴 16,623,810 16,623,810 0").unwrap();
        assert_eq!(segs[0].code, "30102");
        assert_eq!(segs[0].name, "津贴补贴");
        assert_eq!(segs[0].nums.len(), 3);
    }

    #[test]
    fn a_short_classification_row_takes_the_columns_its_figures_line_up_with() {
        // total, basic, project columns where the full rows print them
        let anchors = [(300.0, 360.0), (380.0, 440.0), (460.0, 520.0)];
        // total and project printed, basic blank: never total and basic
        assert_eq!(
            columns_by(&anchors, &[(310.0, 358.0), (470.0, 518.0)]),
            Some(vec![0, 2])
        );
        assert_eq!(columns_by(&anchors, &[(310.0, 358.0)]), Some(vec![0]));
        // two figures in one column is no placement
        assert_eq!(
            columns_by(&anchors, &[(310.0, 330.0), (331.0, 358.0)]),
            None
        );
        let seg = Seg {
            code: "2010199".into(),
            name: "其他".into(),
            nums: vec!["5.00".into(), "5.00".into()],
            bad: None,
        };
        let l = line(
            7,
            &[
                ("2010199", 50.0, 90.0),
                ("其他", 100.0, 120.0),
                ("5.00", 330.0, 358.0),
                ("5.00", 490.0, 518.0),
            ],
        );
        assert_eq!(
            num_extents(&l, &seg),
            Some(vec![(330.0, 358.0), (490.0, 518.0)])
        );
    }

    #[test]
    fn blank_cells_are_placed_by_the_columns_figures_line_up_with() {
        // a 决算 三公 table: 预算数/决算数 under each category; the 决算数 of 合计 and of
        // 公务接待费 are blank. Without positions the blanks would go leftmost.
        let h1 = line(
            1,
            &[
                ("项目", 10.0, 40.0),
                ("合计", 100.0, 180.0),
                ("公务接待费", 200.0, 280.0),
            ],
        );
        let h2 = line(
            2,
            &[
                ("预算数", 100.0, 138.0),
                ("决算数", 142.0, 180.0),
                ("预算数", 200.0, 238.0),
                ("决算数", 242.0, 280.0),
            ],
        );
        let row = line(3, &[("0.95", 120.0, 136.0), ("0.95", 220.0, 236.0)]);
        assert_eq!(place_by_position(&[&h1, &h2], &row.xs, 4), Some(vec![0, 2]));
        // a figure between two columns goes to the nearer; columns must not repeat
        let row = line(3, &[("1", 139.0, 141.5), ("2", 139.0, 141.0)]);
        assert_eq!(place_by_position(&[&h1, &h2], &row.xs, 4), None);
        // a header of another width, or text without positions: no placement by position
        assert_eq!(place_by_position(&[&h1, &h2], &row.xs, 5), None);
        let plain = L {
            xs: vec![],
            ..row.clone()
        };
        assert_eq!(place_by_position(&[&h1, &h2], &plain.xs, 4), None);
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_kind("公开05表财政拨款支出预算表（功能科目）"),
            Some(Kind::FuncFiscal)
        );
        assert_eq!(title_kind("2026年部门支出预算总表"), Some(Kind::Spending));
        assert_eq!(title_kind("收入支出决算总表"), Some(Kind::Summary));
        assert_eq!(title_kind("公开01表：收支预算总表"), Some(Kind::Summary));
        assert_eq!(
            title_kind("一、2017年度江苏省高级人民法院部门收支预算总表"),
            Some(Kind::Summary)
        );
        assert_eq!(
            title_kind("八、2017年度江苏省高级人民法院部门一般公共预算支出预算表"),
            Some(Kind::FuncGeneral)
        );
        assert_eq!(
            title_kind("四、2018年江苏省高级人民法院财政拨款收支预算总表"),
            Some(Kind::FiscalSummary)
        );
        // a sentence that ends like a title is not one
        assert_eq!(title_kind("以下为2017年部门，收支预算总表"), None);
        assert_eq!(
            title_kind("2026年部门“三公”经费和机关运行经费预算表"),
            Some(Kind::ThreePublic)
        );
        // a table of contents names tables too; `unit_line_follows` tells it from a title
        assert_eq!(title_kind("五、财政拨款支出预算表"), Some(Kind::FuncFiscal));
        assert_eq!(
            title_kind("一般公共预算财政拨款基本支出决算表"),
            Some(Kind::EconGeneralBasic)
        );
        // a scope printed after the title in brackets is part of what the title says
        assert_eq!(
            title_kind("“三公”经费、会议费、培训费支出预算表（一般公共预算）"),
            Some(Kind::ThreePublic)
        );
        assert_eq!(
            title_kind("2024年部门支出预算表(政府性基金)"),
            Some(Kind::FuncGovFund)
        );
        // a continued table is not a new title
        assert_eq!(title_kind("部门收支预算总表（续）"), None);
    }

    #[test]
    fn code_segments() {
        let s = segments("204 06 01 行政运行 16726725.44 16726725.44 0.00").unwrap();
        assert_eq!(
            (s[0].code.as_str(), s[0].name.as_str(), s[0].nums.len()),
            ("2040601", "行政运行", 3)
        );
        let s = segments("30108 446.11 30206 电费 18.86").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].code.as_str(), s[0].name.as_str()), ("30108", ""));
        assert_eq!(
            (
                s[1].code.as_str(),
                s[1].name.as_str(),
                s[1].nums[0].as_str()
            ),
            ("30206", "电费", "18.86")
        );
        assert!(segments("2019 年度部门预算公开").is_none());
        assert!(segments("204 公共安全支出 27,488.23").is_some());
    }

    #[test]
    fn blanks_are_placed_where_totals_reconcile() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // 合计 三公 出国 车 购置(blank) 运行 接待 会议 培训
        let figs: Vec<Decimal> = [
            "2382.02", "513.75", "160.00", "266.80", "266.80", "86.95", "271.02", "1597.25",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        let v = place(
            &figs,
            9,
            &[(0, vec![1, 7, 8]), (1, vec![2, 3, 6]), (3, vec![4, 5])],
        )
        .unwrap()
        .unwrap();
        assert_eq!(v[4], None);
        assert_eq!(v[5], Some(d("266.80")));
        assert_eq!(v[6], Some(d("86.95")));
        // no placement: the totals cannot add up
        let bad: Vec<Decimal> = ["1", "2", "3"].iter().map(|s| d(s)).collect();
        assert!(place(&bad, 4, &[(0, vec![1, 2, 3])]).unwrap().is_none());
    }

    #[test]
    fn regions() {
        assert_eq!(
            region_of("上海市普陀区规划和自然资源局").as_deref(),
            Some("上海市普陀区")
        );
        assert_eq!(region_of("江苏省高级人民法院").as_deref(), Some("江苏省"));
    }
}
