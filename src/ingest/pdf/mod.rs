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

mod cells;
mod class_table;
mod lines;
mod placement;
mod prose;
mod summary;
mod three_public;
mod titles;
use cells::*;
use class_table::*;
use lines::*;
use placement::*;
use prose::*;
use summary::*;
use titles::*;

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

/// A table as its reader sees it.
struct Table<'a> {
    kind: Kind,
    title: &'a str,
    /// the line numbers of its title and of its last line
    title_no: usize,
    last_no: usize,
    /// its header lines, every line of its body (header included) and its rows
    header: &'a [&'a L],
    body: &'a [L],
    rows: &'a [L],
    /// the unit its header states (present for a reader that needs one)
    unit: Option<Unit>,
}

impl Table<'_> {
    /// The table's unit: a reader that needs one is only given a table that states it.
    fn unit(&self) -> Unit {
        self.unit.unwrap_or(Unit::Wan)
    }
}

/// What a reader did with a table.
#[derive(Debug, PartialEq)]
enum Read {
    /// stored its rows: the table's lines are read
    Stored,
    /// kept only what it checks against (totals), or found no rows to store: the table
    /// is listed by `ingest --check` as skipped
    Listed,
}

/// A reader of tables of some kinds, and whether a table must state its unit for it.
struct Reader {
    kinds: &'static [Kind],
    needs_unit: bool,
    read: fn(&mut P, &Table) -> Result<Read, IngestError>,
}

/// One reader per kind of table; a kind recognised by its title and read by none
/// (政府采购) is listed by `ingest --check` as skipped. A new kind of table is a reader
/// file and a line here (and its title in `titles::classify_title`).
const READERS: &[Reader] = &[
    Reader {
        kinds: &[Kind::Summary],
        needs_unit: true,
        read: summary::read_summary,
    },
    Reader {
        kinds: &[Kind::FiscalSummary],
        needs_unit: false,
        read: summary::read_fiscal_summary,
    },
    Reader {
        kinds: &[Kind::ThreePublic],
        needs_unit: true,
        read: three_public::read,
    },
    Reader {
        kinds: &[
            Kind::Income,
            Kind::Spending,
            Kind::FuncFiscal,
            Kind::FuncGeneral,
            Kind::FuncGovFund,
            Kind::FuncStateCapital,
            Kind::EconFiscalBasic,
            Kind::EconGeneralBasic,
            Kind::EconOperating,
        ],
        needs_unit: true,
        read: class_table::read,
    },
];

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
    let Some(reader) = READERS.iter().find(|r| r.kinds.contains(&kind)) else {
        // recognised but not stored (政府采购): left for --check to list as skipped, with
        // its line range
        return Ok(end.max(start + 1));
    };
    if reader.needs_unit && unit.is_none() {
        return Err(p.err(
            title_no,
            format!("table `{title}` states no unit (单位：万元 or 单位：元) in its header; budgetql never guesses the unit from the figures"),
        ));
    }
    let t = Table {
        kind,
        title: &title,
        title_no,
        last_no,
        header: &header,
        body: &body,
        rows: &body[first_data..],
        unit,
    };
    if (reader.read)(p, &t)? == Read::Listed {
        return Ok(end.max(start + 1));
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
