//! Disclosure text → typed records, one list per contract table.
//!
//! The parser walks the document once. Tables are recognised by their header
//! rows (never by line numbers), narrative figures by the sentences that carry
//! them. Anything no rule recognises is kept as a [`Skipped`] region so that
//! `budgetql ingest --check` can show it: nothing is dropped silently.

pub mod amount;
pub mod department;
pub mod lines;
mod narrative;
mod pdf;
mod perf_form;
pub mod statements;
mod tables;
pub mod target;

use crate::error::IngestError;
use lines::Item;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The bundled 2021 district document (a .doc exported to text), compiled into the binary.
pub const BUNDLED_NAME: &str = "qinhuangdao-etdz-zhengfawei-2021.txt";
pub const BUNDLED_TEXT: &str = include_str!("../datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt");

/// Every bundled document (`datasets/raw/`), compiled into the binary: the default
/// data. Only the project's own seed document is bundled; real disclosures published
/// by others are never copied into the repository (tests read them from `../shared`,
/// `datasets/raw/PROVENANCE.md` says where they come from).
pub const BUNDLED: &[(&str, &[u8])] = &[(BUNDLED_NAME, BUNDLED_TEXT.as_bytes())];

#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRec {
    pub line: usize,
    pub dept_name: String,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRec {
    pub line: usize,
    pub unit_code: Option<String>,
    pub unit_name: String,
    pub unit_kind: Option<String>,
    pub rank: Option<String>,
    pub funding_form: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BudgetLineRec {
    pub line: usize,
    pub direction: &'static str,
    pub item: String,
    pub parent_item: Option<String>,
    /// `total`, `part` or `memo` (a figure stated beside the breakdown, e.g. 机关运行经费).
    pub line_kind: &'static str,
    pub amount: Option<Decimal>,
    pub change_vs_prior: Option<Decimal>,
    /// The year the change is stated against, as printed (a typo stays a typo).
    pub prior_year: Option<i32>,
    /// The line of the sentence stating the change.
    pub change_line: Option<usize>,
}

impl BudgetLineRec {
    /// A figure without a stated change against the prior year.
    pub fn new(
        line: usize,
        direction: &'static str,
        item: &str,
        parent: Option<&str>,
        line_kind: &'static str,
        amount: Option<Decimal>,
    ) -> BudgetLineRec {
        BudgetLineRec {
            line,
            direction,
            item: item.to_string(),
            parent_item: parent.map(str::to_string),
            line_kind,
            amount,
            change_vs_prior: None,
            prior_year: None,
            change_line: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThreePublicRec {
    pub line: usize,
    pub year: i32,
    pub category: String,
    pub label: String,
    pub parent_category: Option<String>,
    pub amount: Option<Decimal>,
    pub change_vs_prior: Option<Decimal>,
    pub prior_year: Option<i32>,
    pub change_line: Option<usize>,
    /// `budget` or `final` when the row's own phase differs from the document's
    /// (a 决算 prints the 三公 budget beside the actual figures).
    pub phase: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcurementRec {
    pub line: usize,
    /// `total`, `subtotal` or `item`.
    pub row_kind: &'static str,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub project_name: Option<String>,
    pub project_budget: Option<Decimal>,
    pub item_name: Option<String>,
    pub catalog_code: Option<String>,
    pub measure_unit: Option<String>,
    pub quantity: Option<Decimal>,
    pub unit_price: Option<Decimal>,
    pub amount: Option<Decimal>,
    pub general_public: Option<Decimal>,
    pub gov_fund: Option<Decimal>,
    pub state_capital: Option<Decimal>,
    pub special_account: Option<Decimal>,
    pub unit_funds: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssetRec {
    pub line: usize,
    pub item: String,
    pub parent_item: Option<String>,
    pub quantity: Option<Decimal>,
    pub value: Option<Decimal>,
    /// (year, month, day)
    pub as_of: Option<(i32, u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncClassRec {
    pub line: usize,
    pub code: String,
    pub level: &'static str,
    pub parent_code: Option<String>,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRec {
    pub line: usize,
    pub unit_code: Option<String>,
    pub unit_name: String,
    pub seq: i32,
    pub project_code: String,
    pub project_name: String,
    pub budget: Decimal,
    pub fiscal: Option<Decimal>,
    pub other: Option<Decimal>,
    pub purpose: Option<String>,
    pub stated_budget: Option<Decimal>,
    pub stated_fiscal: Option<Decimal>,
    pub stated_other: Option<Decimal>,
    pub stated_line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GoalRec {
    pub line: usize,
    pub project_code: String,
    pub seq: i32,
    pub goal: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DisbursementRec {
    pub line: usize,
    pub project_code: String,
    pub month: i32,
    pub cumulative_pct: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRec {
    pub line: usize,
    pub unit_code: Option<String>,
    pub project_code: String,
    pub level1: String,
    pub level2: String,
    pub level3: Option<String>,
    pub description: Option<String>,
    pub target: target::Target,
    pub basis: Option<String>,
}

/// One leaf row of a functional-classification spending table (功能分类: 类/款/项).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionRec {
    pub line: usize,
    pub func_code: String,
    /// The printed level of this row: 类, 款 or 项.
    pub level: &'static str,
    pub class_code: String,
    pub class_name: Option<String>,
    pub section_code: Option<String>,
    pub section_name: Option<String>,
    pub name: String,
    pub total: Option<Decimal>,
    pub basic: Option<Decimal>,
    pub project: Option<Decimal>,
    /// Which spending the table covers (all funds, fiscal appropriation, …).
    pub scope: &'static str,
}

/// One leaf row of an economic-classification table (经济分类: 301 / 30101 …).
#[derive(Debug, Clone, PartialEq)]
pub struct EconomicRec {
    pub line: usize,
    pub econ_code: String,
    pub class_code: String,
    pub class_name: Option<String>,
    pub name: String,
    pub amount: Option<Decimal>,
    pub personnel: Option<Decimal>,
    pub public: Option<Decimal>,
    pub scope: &'static str,
}

/// One income source (收入) as the income and spending summary prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomeRec {
    pub line: usize,
    pub item: String,
    pub parent_item: Option<String>,
    /// `total` or `part`
    pub line_kind: &'static str,
    pub amount: Option<Decimal>,
}

/// A subtotal or total a classification table prints (类/款 rows, 合计), kept so
/// AUDIT can check it against the stored rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtotalRec {
    pub line: usize,
    /// The table whose rows it totals.
    pub table: &'static str,
    /// The 类/款 code; None for the table's total.
    pub code: Option<String>,
    pub name: String,
    /// The column it totals (total, basic, project, amount, personnel, public).
    pub column: &'static str,
    pub amount: Decimal,
}

/// All records of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    pub departments: Vec<DepartmentRec>,
    pub units: Vec<UnitRec>,
    pub budget_lines: Vec<BudgetLineRec>,
    pub three_public: Vec<ThreePublicRec>,
    pub procurement: Vec<ProcurementRec>,
    pub assets: Vec<AssetRec>,
    pub func_classes: Vec<FuncClassRec>,
    pub projects: Vec<ProjectRec>,
    pub project_goals: Vec<GoalRec>,
    pub disbursement: Vec<DisbursementRec>,
    pub indicators: Vec<IndicatorRec>,
    pub spending_by_function: Vec<FunctionRec>,
    pub spending_by_economic: Vec<EconomicRec>,
    pub income_by_source: Vec<IncomeRec>,
    pub stated_subtotals: Vec<SubtotalRec>,
    pub statements: Vec<statements::StatementRec>,
}

/// A part of the document that no rule recognised.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub first_line: usize,
    pub last_line: usize,
    /// `table` (unrecognised table rows) or `text` (prose).
    pub kind: &'static str,
    /// True when the region prints money figures (万元/元) that no table holds.
    pub has_figures: bool,
    pub preview: String,
}

/// A recognised-but-suspicious fact, reported without failing the ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// One ingested disclosure.
#[derive(Debug, Clone)]
pub struct Document {
    /// Document id: the file name without extension.
    pub source: String,
    /// The path or name the document was read from (for messages).
    pub file: String,
    pub sha256: String,
    pub bytes: usize,
    pub year: i32,
    pub dept_code: String,
    pub dept_name: String,
    /// `budget` (预算) or `final` (决算).
    pub phase: &'static str,
    /// `department` (部门预算/决算: the department and its units) or `unit` (单位预算: one
    /// unit of it); both of one body loaded together would count the unit twice.
    pub level: &'static str,
    /// How `dept_code` was made from the printed name (see [`department::key`]).
    pub key_rule: String,
    /// The disclosure the document belongs to: its own id, or the common name of the
    /// files of one disclosure ingested together (tables + narrative, see [`combine`]).
    pub disclosure: String,
    /// The layout recognised: `doc-tabbed` (a .doc exported to text, tab-led cells)
    /// or `pdf-text` (text extracted from a PDF, page by page).
    pub layout: &'static str,
    pub records: Records,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
    /// For each 1-based line of the text read, its page (0 for none); empty when the
    /// document has no pages (a .doc exported to text).
    pub line_pages: Vec<usize>,
}

impl Document {
    /// The page a line of the document is on, when the document has pages.
    pub fn page_of(&self, line: usize) -> Option<usize> {
        self.line_pages.get(line).copied().filter(|p| *p > 0)
    }

    /// Where a line is, for messages: `file:57`, or `file:page 7:line 57`.
    pub fn at(&self, line: usize) -> String {
        match self.page_of(line) {
            Some(p) => format!("{}:page {p}:line {line}", self.file),
            None => format!("{}:{line}", self.file),
        }
    }
}

/// For each 1-based line of a text with `=== page N ===` markers, its page (0 before
/// the first marker).
pub fn line_pages(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    let mut page = 0;
    for l in text.lines() {
        let t = l.trim();
        if let Some(n) = t
            .strip_prefix("=== page ")
            .and_then(|r| r.strip_suffix("==="))
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            page = n;
        }
        v.push(page);
    }
    v
}

/// Documents ingested together: two with the same id (file name without extension)
/// would replace each other's rows, so they are refused, naming both files; the files
/// of one disclosure are joined (see [`combine`]).
pub fn check_distinct_sources(docs: &mut [Document]) -> Result<(), String> {
    for (i, a) in docs.iter().enumerate() {
        if let Some(b) = docs[..i].iter().find(|b| b.source == a.source) {
            return Err(format!(
                "{} and {} have the same document id `{}` (the file name without extension); rename one of them",
                b.file, a.file, a.source
            ));
        }
    }
    combine(docs);
    Ok(())
}

/// The files of one disclosure: a department's tables and its narrative (情况说明)
/// published as two PDFs, same department, year, phase and level. They become one
/// disclosure (`departments.disclosure`, their common name), each row still traced to its
/// own file, page and line; the narrative's figures that the tables also state are
/// dropped from its tables (they stay in `statements`, where AUDIT compares them with the
/// tables), so nothing is counted twice.
pub fn combine(docs: &mut [Document]) {
    // a unit's document beside its department's: say how not to count it twice
    for i in 0..docs.len() {
        if docs[i].level != "unit" {
            continue;
        }
        let dept = docs.iter().find(|d| {
            d.level == "department"
                && d.dept_code == docs[i].dept_code
                && d.year == docs[i].year
                && d.phase == docs[i].phase
        });
        if let Some(d) = dept {
            let message = format!(
                "a unit's document of {} {}, ingested with the department's own ({}): the unit's figures are part of the department's, so sum `source IN (SELECT source FROM departments WHERE budget_level = 'department')` to count each yuan once",
                docs[i].dept_code, docs[i].year, d.file
            );
            let line = docs[i].records.departments.first().map_or(1, |r| r.line);
            if !docs[i].warnings.iter().any(|w| w.message == message) {
                docs[i].warnings.push(Warning { line, message });
            }
        }
    }
    let key = |d: &Document| (d.dept_code.clone(), d.year, d.phase, d.level);
    for i in 0..docs.len() {
        if has_tables(&docs[i]) {
            continue;
        }
        let Some(j) = (0..docs.len())
            .find(|&j| j != i && key(&docs[j]) == key(&docs[i]) && has_tables(&docs[j]))
        else {
            continue;
        };
        let (tables_source, t) = (docs[j].source.clone(), docs[j].records.clone());
        let common: String = docs[i]
            .source
            .chars()
            .zip(tables_source.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect();
        let common = common.trim_end_matches(['_', '-', '.', ' ']).to_string();
        let disclosure = if common.chars().count() >= 4 {
            common
        } else {
            tables_source.clone()
        };
        let states = [
            !t.budget_lines.is_empty(),
            !t.income_by_source.is_empty(),
            !t.three_public.is_empty(),
        ];
        let tables_file = docs[j].file.clone();
        join_narrative(&mut docs[i], &tables_file, &disclosure, states);
        docs[j].disclosure = disclosure;
    }
}

/// Joins a narrative-only document to the disclosure whose tables are in `tables_file`:
/// the figures those tables state (`states`: budget_lines, income_by_source,
/// three_public) are dropped from the narrative's tables (kept in its `statements`),
/// with a warning that says so.
pub fn join_narrative(
    narrative: &mut Document,
    tables_file: &str,
    disclosure: &str,
    states: [bool; 3],
) {
    let n = &mut narrative.records;
    let mut dropped = vec![];
    if states[0] && !n.budget_lines.is_empty() {
        dropped.push(format!("{} budget_lines", n.budget_lines.len()));
        n.budget_lines.clear();
    }
    if states[1] && !n.income_by_source.is_empty() {
        dropped.push(format!("{} income_by_source", n.income_by_source.len()));
        n.income_by_source.clear();
    }
    if states[2] && !n.three_public.is_empty() {
        dropped.push(format!("{} three_public", n.three_public.len()));
        n.three_public.clear();
    }
    if !dropped.is_empty() {
        let line = n.departments.first().map_or(1, |d| d.line);
        narrative.warnings.push(Warning {
            line,
            message: format!(
                "one disclosure with {tables_file} (same department, year and phase): its tables state these figures, so this file's prose figures are kept in `statements` only ({} dropped)",
                dropped.join(", ")
            ),
        });
    }
    narrative.disclosure = disclosure.to_string();
}

/// Whether a document has classification tables of its own (a narrative-only PDF has
/// none).
pub fn has_tables(d: &Document) -> bool {
    !d.records.spending_by_function.is_empty() || !d.records.spending_by_economic.is_empty()
}

/// Document id from a path: `datasets/raw/foo-2021.txt` → `foo-2021`.
pub fn source_id(path: &str) -> String {
    let p = Path::new(path);
    p.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string())
}

/// Read and ingest a file.
pub fn ingest_file(path: &Path) -> Result<Document, IngestError> {
    let name = path.display().to_string();
    ingest_bytes(&name, &read_file(path)?)
}

/// The most a document may hold: a disclosure is a few MB (the largest real one read so
/// far is 3.7 MB), so anything larger is the wrong file (`/dev/zero`, a disk image), read
/// no further. `BUDGETQL_MAX_INPUT_MB` raises it.
fn max_input() -> u64 {
    std::env::var("BUDGETQL_MAX_INPUT_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(256)
        .saturating_mul(1 << 20)
}

/// A document's bytes, or an error naming the file and saying what to do.
pub fn read_file(path: &Path) -> Result<Vec<u8>, IngestError> {
    use std::io::Read;
    let cap = max_input();
    let mut bytes = vec![];
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map(|_| bytes);
    let bytes = read.map_err(|e| IngestError::Io {
        file: path.display().to_string(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => {
                "no such file; check the path (budgetql reads PDF and text disclosures)".into()
            }
            std::io::ErrorKind::IsADirectory => {
                "this is a folder; name the files in it (e.g. folder/*.pdf)".into()
            }
            _ => e.to_string(),
        },
    })?;
    if bytes.len() as u64 > cap {
        return Err(IngestError::Io {
            file: path.display().to_string(),
            reason: format!(
                "larger than {} MB, read no further; a budget disclosure is a few MB: check the file (BUDGETQL_MAX_INPUT_MB raises the limit)",
                cap >> 20
            ),
        });
    }
    Ok(bytes)
}

/// The bundled 2021 document, ingested.
pub fn ingest_bundled() -> Result<Document, IngestError> {
    ingest_bytes(
        &format!("datasets/raw/{BUNDLED_NAME}"),
        BUNDLED_TEXT.as_bytes(),
    )
}

/// Every bundled document, ingested.
pub fn ingest_bundled_all() -> Result<Vec<Document>, IngestError> {
    let mut docs = BUNDLED
        .iter()
        .map(|(name, bytes)| ingest_bytes(&format!("datasets/raw/{name}"), bytes))
        .collect::<Result<Vec<_>, _>>()?;
    combine(&mut docs);
    Ok(docs)
}

/// Read a PDF's text layer and ingest it (the pdf-text layout reads the layer's lines;
/// line numbers are those `budgetql text FILE` prints).
pub fn ingest_pdf(file: &str, bytes: &[u8]) -> Result<Document, IngestError> {
    let layer = crate::text_layer::read(bytes).map_err(|p| IngestError::Pdf {
        file: file.to_string(),
        problem: p.to_string(),
    })?;
    let mut doc = ingest_layer(file, bytes, &layer.to_text(), &layer.word_extents())?;
    let read = layer.pages.len();
    match layer.declared_pages {
        Some(listed) if listed > read => doc.warnings.insert(0, Warning {
            line: 1,
            message: format!("the file's page tree lists {listed} pages but {read} could be read: {} page(s) are missing (a damaged file or an interrupted download), and the tables on them are not read; download the file again", listed - read),
        }),
        None => doc.warnings.insert(0, Warning {
            line: 1,
            message: "the file's page tree cannot be read (a damaged file): its pages were found by searching the file, so some may be missing or out of order; download the file again".into(),
        }),
        Some(_) => {}
    }
    if !ends_as_pdf(bytes) {
        doc.warnings.insert(0, Warning {
            line: 1,
            message: "the file does not end as a PDF does (no %%EOF in its last 1 KB): it is probably cut short, by an interrupted download or copy, and pages or tables may be missing; download it again".into(),
        });
    }
    Ok(doc)
}

/// Pages that repeat an earlier page word for word (a file holding the document twice or
/// more, whose rows are then stored as often): where the first repeat starts, and the
/// warning. Pages with little text (a blank or a one-line page) are not compared.
fn repeated_pages(text: &str) -> Option<(usize, String)> {
    let mut pages: Vec<(usize, usize, String)> = vec![]; // (page, first line, text)
    for (i, l) in text.lines().enumerate() {
        if let Some(n) = l
            .strip_prefix("=== page ")
            .and_then(|r| r.strip_suffix(" ==="))
            .and_then(|n| n.parse().ok())
        {
            pages.push((n, i + 1, String::new()));
        } else if let Some(p) = pages.last_mut() {
            p.2.push_str(l.trim());
            p.2.push('\n');
        }
    }
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    let mut repeats: Vec<(usize, usize, usize)> = vec![]; // (page, line, the page it repeats)
    for (n, line, t) in &pages {
        if t.chars().filter(|c| !c.is_whitespace()).count() < 100 {
            continue;
        }
        match seen.get(t.as_str()) {
            Some(first) => repeats.push((*n, *line, *first)),
            None => {
                seen.insert(t, *n);
            }
        }
    }
    let (page, line, of) = *repeats.first()?;
    Some((
        line,
        format!(
            "{} page(s) repeat earlier pages word for word (page {page} repeats page {of}): the file holds the document, or part of it, more than once, and the repeated tables' rows are stored again; check the file",
            repeats.len()
        ),
    ))
}

/// A whole PDF ends with `%%EOF` (a few bytes of line ends or padding may follow); one
/// cut short does not.
fn ends_as_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

/// Ingest a PDF's text layer given as its text ([`crate::text_layer::TextLayer::to_text`])
/// and word extents, e.g. a layer edited to vary titles and headers the way other
/// provinces print them (tests/it/variation.rs). `bytes` are the PDF's, for its checksum.
pub fn ingest_layer(
    file: &str,
    bytes: &[u8],
    text: &str,
    positions: &[Vec<(f32, f32)>],
) -> Result<Document, IngestError> {
    let mut doc = read(file, bytes, text, Some(positions))?;
    doc.layout = "pdf";
    Ok(doc)
}

/// What a layout reads a document into: everything but the document's identity,
/// which [`read`] adds the same way for every layout.
pub(crate) struct Parsed {
    pub year: i32,
    /// `budget` (预算) or `final` (决算).
    pub phase: &'static str,
    pub dept_code: String,
    pub dept_name: String,
    pub records: Records,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
}

/// The text a layout reads, and for a PDF's text layer each line's word extents
/// (index = line number - 1).
pub(crate) struct Input<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub positions: Option<&'a [Vec<(f32, f32)>]>,
}

/// One layout of disclosure text: how to recognise it and how to read it. A new
/// layout is one file with its `parse` and one entry in [`LAYOUTS`]; document ids,
/// pages, checksums and located errors are added by [`read`] for all of them.
pub struct Layout {
    pub name: &'static str,
    /// One line for `ingest --check`.
    pub about: &'static str,
    sniff: fn(&str) -> bool,
    parse: fn(&Input) -> Result<Parsed, IngestError>,
}

/// Every layout, tried in order: the first whose `sniff` accepts the text reads it.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        name: "pdf-text",
        about: "pdf-text (text extracted from a PDF page by page; tables read by their titles)",
        sniff: pdf::is_pdf_text,
        parse: pdf::parse,
    },
    Layout {
        name: "doc-tabbed",
        about: "doc-tabbed (a .doc exported to text; one tab-led cell per line)",
        sniff: |_| true,
        parse: parse_doc_tabbed,
    },
];

/// How `ingest --check` describes a document's layout (`pdf`: a PDF, read through its
/// text layer by the pdf-text layout).
pub fn layout_about(name: &str) -> &'static str {
    if name == "pdf" {
        return "pdf (the PDF's text layer, read as pdf-text; lines as `budgetql text FILE` prints them)";
    }
    LAYOUTS
        .iter()
        .find(|l| l.name == name)
        .map_or("unknown", |l| l.about)
}

/// Read text with the first layout that recognises it and assemble the document;
/// `original` is what the file holds (checksum and size), `text` what is read of it.
fn read(
    file: &str,
    original: &[u8],
    text: &str,
    positions: Option<&[Vec<(f32, f32)>]>,
) -> Result<Document, IngestError> {
    if text.trim().is_empty() {
        return Err(IngestError::Empty {
            file: file.to_string(),
        });
    }
    let layout = LAYOUTS
        .iter()
        .find(|l| (l.sniff)(text))
        .unwrap_or(&LAYOUTS[LAYOUTS.len() - 1]);
    let pages = line_pages(text);
    let pages = if pages.iter().any(|p| *p > 0) {
        pages
    } else {
        vec![]
    };
    let parsed = (layout.parse)(&Input {
        file,
        text,
        positions,
    })
    .map_err(|e| match e {
        IngestError::Malformed {
            file,
            line,
            message,
            ..
        } => IngestError::Malformed {
            file,
            page: pages.get(line).copied().filter(|p| *p > 0),
            line,
            message,
        },
        e => e,
    })?;
    let region = parsed
        .records
        .departments
        .first()
        .and_then(|d| d.region.clone());
    let (dept_code, key_rule) = department::key(&parsed.dept_code, region.as_deref());
    let mut warnings = parsed.warnings;
    if !pages.is_empty() {
        if let Some((line, message)) = repeated_pages(text) {
            warnings.insert(0, Warning { line, message });
        }
    }
    Ok(Document {
        disclosure: source_id(file),
        level: department::level(text),
        key_rule,
        source: source_id(file),
        file: file.to_string(),
        sha256: format!("{:x}", Sha256::digest(original)),
        bytes: original.len(),
        year: parsed.year,
        dept_code,
        dept_name: parsed.dept_name,
        phase: parsed.phase,
        layout: layout.name,
        records: parsed.records,
        skipped: parsed.skipped,
        warnings,
        line_pages: pages,
    })
}

/// Validate that bytes are a text document or a PDF, then ingest them.
pub fn ingest_bytes(file: &str, bytes: &[u8]) -> Result<Document, IngestError> {
    if crate::text_layer::is_pdf(bytes) {
        return ingest_pdf(file, bytes);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty {
            file: file.to_string(),
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
            let what = if bytes.starts_with(b"\xd0\xcf\x11\xe0") {
                "a Word .doc file".to_string()
            } else if bytes.starts_with(b"%PDF") {
                "a PDF file".to_string()
            } else if bytes.starts_with(b"PK\x03\x04") {
                "a zip archive (a .docx or .xlsx?)".to_string()
            } else {
                format!("invalid UTF-8 at byte {at}; a GBK-encoded file must be converted to UTF-8")
            };
            return Err(IngestError::NotText {
                file: file.to_string(),
                line,
                what,
            });
        }
    };
    if let Some(pos) = text.find('\0') {
        let line = 1 + text[..pos].matches('\n').count();
        return Err(IngestError::NotText {
            file: file.to_string(),
            line,
            what: "it contains NUL bytes".into(),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    read(file, bytes, text, None)
}

/// The parser state while walking a document.
pub(crate) struct Parser<'a> {
    pub file: &'a str,
    pub items: Vec<Item>,
    pub pos: usize,
    pub consumed: Vec<bool>,
    pub rec: Records,
    pub warnings: Vec<Warning>,
    pub year: Option<i32>,
    /// Inside the 功能分类名词解释 list.
    pub in_func_classes: bool,
}

impl Parser<'_> {
    pub fn err(&self, line: usize, message: impl Into<String>) -> IngestError {
        IngestError::Malformed {
            file: self.file.to_string(),
            page: None,
            line,
            message: message.into(),
        }
    }
    pub fn mark(&mut self, i: usize) {
        if let Some(c) = self.consumed.get_mut(i) {
            *c = true;
        }
    }
    pub fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Warning {
            line,
            message: message.into(),
        });
    }
    /// Index of the next non-blank item at or after `i`.
    pub fn next_nonblank(&self, mut i: usize) -> Option<usize> {
        while i < self.items.len() {
            if !matches!(self.items[i], Item::Blank { .. }) {
                return Some(i);
            }
            i += 1;
        }
        None
    }
    pub fn last_line(&self) -> usize {
        self.items.last().map(|i| i.last_line()).unwrap_or(1)
    }
}

/// Ingest a document's text. `file` names it in messages and gives its id.
pub fn ingest_text(file: &str, text: &str) -> Result<Document, IngestError> {
    read(file, text.as_bytes(), text, None)
}

/// The doc-tabbed layout: a .doc exported to text, each table cell on a tab-led line.
fn parse_doc_tabbed(input: &Input) -> Result<Parsed, IngestError> {
    let (file, text) = (input.file, input.text);
    let items = lines::items(text);
    let n = items.len();
    let mut p = Parser {
        file,
        items,
        pos: 0,
        consumed: vec![false; n],
        rec: Records::default(),
        warnings: vec![],
        year: None,
        in_func_classes: false,
    };

    while p.pos < p.items.len() {
        let i = p.pos;
        match p.items[i].clone() {
            Item::Blank { .. } => {
                p.mark(i);
                p.pos += 1;
            }
            Item::Row(row) => {
                if tables::try_table(&mut p, &row)? {
                    continue;
                }
                p.pos += 1;
            }
            Item::Text { line, text } => {
                if tables::is_project_title(&text) {
                    tables::project(&mut p, line, &text)?;
                    continue;
                }
                narrative::try_text(&mut p)?;
            }
        }
    }

    let year = p.year.ok_or_else(|| IngestError::Document {
        file: file.to_string(),
        message: "no budget year found: expected a title such as `2021年部门预算信息公开情况说明` near the top".into(),
    })?;
    if p.rec.projects.is_empty() && p.rec.budget_lines.is_empty() && p.rec.units.is_empty() {
        return Err(IngestError::Document {
            file: file.to_string(),
            message: "no budget tables or budget figures were recognised; is this a 部门预算信息公开 document?".into(),
        });
    }
    tables::link_units(&mut p);
    let dept_code = tables::department(&mut p, file);
    let skipped = skipped_regions(&p);
    let Parser { rec, warnings, .. } = p;
    let dept_name = rec
        .departments
        .first()
        .map_or_else(|| dept_code.clone(), |d| d.dept_name.clone());
    let phase = if text.lines().take(10).any(|l| l.contains("部门决算")) {
        "final"
    } else {
        "budget"
    };
    Ok(Parsed {
        year,
        phase,
        dept_code,
        dept_name,
        records: rec,
        skipped,
        warnings,
    })
}

/// Group the items no rule consumed into line ranges.
fn skipped_regions(p: &Parser) -> Vec<Skipped> {
    let mut out: Vec<Skipped> = Vec::new();
    let mut cur: Option<(usize, usize, bool, bool, String)> = None; // first, last, is_table, figures, preview
    for (i, item) in p.items.iter().enumerate() {
        let blank = matches!(item, Item::Blank { .. });
        if p.consumed[i] && !blank {
            if let Some(c) = cur.take() {
                out.push(region(c));
            }
            continue;
        }
        if blank {
            continue;
        }
        let (text, is_table) = match item {
            Item::Row(r) => (r.texts().join(" "), true),
            Item::Text { text, .. } => (text.clone(), false),
            Item::Blank { .. } => continue,
        };
        let figures =
            has_money_figure(&text) || (is_table && text.chars().any(|c| c.is_ascii_digit()));
        match &mut cur {
            Some(c) => {
                c.1 = item.last_line();
                c.2 |= is_table;
                c.3 |= figures;
            }
            None => {
                cur = Some((
                    item.line(),
                    item.last_line(),
                    is_table,
                    figures,
                    lines::shorten(&text, 40),
                ))
            }
        }
    }
    if let Some(c) = cur.take() {
        out.push(region(c));
    }
    out
}

fn region((first, last, table, figures, preview): (usize, usize, bool, bool, String)) -> Skipped {
    Skipped {
        first_line: first,
        last_line: last,
        kind: if table { "table" } else { "text" },
        has_figures: figures,
        preview,
    }
}

/// True when text prints an amount of money: digits followed by 万元 or 元.
pub(crate) fn has_money_figure(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '万' || *c == '元' {
            let mut j = i;
            if *c == '万' && chars.get(i + 1) != Some(&'元') {
                continue;
            }
            while j > 0 && (chars[j - 1] == ' ') {
                j -= 1;
            }
            if j > 0 && chars[j - 1].is_ascii_digit() {
                return true;
            }
        }
    }
    false
}
