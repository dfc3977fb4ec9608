//! Malformed documents made at test time from the real disclosures (never committed):
//! one edit each of a real pdf-text document and a real PDF cut short, each refused with
//! the kind of error and the line stated here; and random damage to the real documents,
//! which must never panic (`BUDGETQL_MUTATIONS=N` runs more).

use crate::common::refused_as;
use crate::mutation::{pdfs_never_panic, runs, texts_never_panic};

const SH: &str = "shanghai_putuo_justice_bureau_2026_dept_budget";
const ROW: &str = "204 06 01 行政运行 16726725.44 16726725.44 0.00";

/// (name, line to change (1-based), what it holds, what it becomes (None: every line
/// with its 2026年 removed), kind, the line the error names, the message contains)
type Case = (
    &'static str,
    usize,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    (
        "pdf-table-without-unit",
        139,
        "编制部门：上海市普陀区司法局 单位：元",
        Some("编制部门：上海市普陀区司法局"),
        "malformed",
        "138",
        "states no unit",
    ),
    (
        "pdf-figure-garbage",
        190,
        ROW,
        Some("204 06 01 行政运行 16726725.4x 16726725.44 0.00"),
        "malformed",
        "190",
        "`16726725.4x` in row 2040601",
    ),
    (
        "pdf-too-many-figures",
        190,
        ROW,
        Some("204 06 01 行政运行 16726725.44 16726725.44 0.00 1.00"),
        "malformed",
        "190",
        "has 4 figures but table",
    ),
    (
        "pdf-code-without-name",
        190,
        ROW,
        Some("204 06 01 16726725.44 16726725.44 0.00"),
        "malformed",
        "190",
        "code 2040601 in table",
    ),
    (
        "pdf-summary-without-total",
        149,
        "收入总计 96,282,213.44 支出总计 96,282,213.44",
        Some("支出总计 96,282,213.44"),
        "malformed",
        "142",
        "has no 收入合计/收入总计 line",
    ),
    (
        "pdf-no-year",
        0,
        "",
        None,
        "document",
        "-",
        "no budget year found",
    ),
];

#[test]
fn edited_real_documents_get_their_error_and_line() {
    let dir = crate::common::scratch("corpus-malformed");
    let base = crate::text(SH);
    let mut failures = vec![];
    for (name, n, was, now, kind, line, text) in CASES {
        let body = match now {
            Some(now) => {
                let mut t: Vec<&str> = base.split('\n').collect();
                assert_eq!(t[n - 1], *was, "{name}: line {n}");
                t[n - 1] = now;
                t.join("\n")
            }
            None => base.replace("2026年", ""),
        };
        let path = dir.join(format!("{name}.txt"));
        std::fs::write(&path, body).unwrap();
        failures.extend(refused_as(&path, kind, line, text));
    }
    // a real disclosure cut after its first tenth: the reader recovers one page, without text
    let real = std::fs::read(crate::pdf("jiangsu_npc_office_2019_dept_budget_tables")).unwrap();
    let path = dir.join("pdf-truncated.pdf");
    std::fs::write(&path, &real[..real.len() / 10]).unwrap();
    failures.extend(refused_as(
        &path,
        "pdf",
        "-",
        "no text on pages 1-1: this looks like a scan (or a damaged file)",
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The real pdf-text documents, mutated line by line (see tests/it/mutation.rs).
#[test]
fn mutated_real_text_documents_never_panic() {
    let docs = crate::pdf_text_documents();
    let texts: Vec<(&str, &str)> = docs.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    texts_never_panic(&texts, runs(150));
}

/// Damaged PDFs: bytes flipped, the file cut, runs zeroed or duplicated, in two real PDFs
/// of different producers (550 runs by hand on 2026-12-01 through the release binary:
/// 340 ingested, 210 refused, no crash or hang).
#[test]
fn damaged_real_pdfs_never_panic() {
    let bases: Vec<Vec<u8>> = [
        "jiangsu_npc_office_2019_dept_budget_tables",
        "shanghai_putuo_justice_bureau_2026_dept_budget",
    ]
    .iter()
    .map(|id| std::fs::read(crate::pdf(id)).unwrap())
    .collect();
    pdfs_never_panic(&bases, runs(180) / 3);
}

/// A real PDF cut short (an interrupted download) that still reads is ingested with a
/// warning saying so, first; every whole corpus PDF ends as a PDF does (no such warning).
#[test]
fn a_real_pdf_cut_short_is_ingested_with_a_warning_saying_so() {
    let whole = std::fs::read(crate::pdf("jiangsu_procuratorate_2019_dept_budget")).unwrap();
    let half = &whole[..whole.len() / 2];
    let doc = budgetql::ingest::ingest_bytes("half.pdf", half).expect("the first half still reads");
    let first = doc.warnings.first().expect("a warning");
    assert!(
        first.message.starts_with("the file does not end as a PDF does (no %%EOF in its last 1 KB): it is probably cut short"),
        "{}",
        first.message
    );
    for p in crate::corpus_pdfs() {
        let doc = budgetql::ingest::ingest_file(&p).unwrap();
        assert!(
            !doc.warnings.iter().any(|w| w.message.contains("%%EOF")),
            "{}",
            p.display()
        );
    }
}

/// A file whose page tree lists more pages than can be read (pages lost from a damaged
/// file) is ingested with a first warning counting the missing pages; no whole corpus
/// PDF gets it. The real PDF's `/Count 33` edited to 38 (same length, offsets kept).
#[test]
fn a_pdf_missing_pages_is_ingested_with_a_warning_saying_so() {
    let whole = std::fs::read(crate::pdf("jiangsu_procuratorate_2019_dept_budget")).unwrap();
    let at = whole
        .windows(9)
        .position(|w| w == b"/Count 33")
        .expect("the page tree's count");
    let mut edited = whole.clone();
    edited[at + 7..at + 9].copy_from_slice(b"38");
    let doc = budgetql::ingest::ingest_bytes("missing.pdf", &edited).expect("its pages still read");
    let first = doc.warnings.first().expect("a warning");
    assert!(
        first.message.starts_with(
            "the file's page tree lists 38 pages but 33 could be read: 5 page(s) are missing"
        ),
        "{}",
        first.message
    );
    // the figures read are the whole file's
    let whole_doc = budgetql::ingest::ingest_bytes("whole.pdf", &whole).unwrap();
    assert_eq!(
        doc.records.budget_lines.len(),
        whole_doc.records.budget_lines.len()
    );
    for p in crate::corpus_pdfs() {
        let doc = budgetql::ingest::ingest_file(&p).unwrap();
        assert!(
            !doc.warnings.iter().any(|w| w.message.contains("page tree")),
            "{}",
            p.display()
        );
    }
}

/// A file whose pages repeat (the document twice, as a careless merge makes it) gets a
/// first warning naming a repeated page: its tables' rows would otherwise be stored
/// twice without a word. The text layer of a real PDF, every page appended again.
#[test]
fn a_document_whose_pages_repeat_is_ingested_with_a_warning_saying_so() {
    let bytes = std::fs::read(crate::pdf("jiangsu_procuratorate_2019_dept_budget")).unwrap();
    let text = budgetql::text_layer::read(&bytes).unwrap().to_text();
    let pages = text.matches("=== page ").count();
    let mut twice = text.clone();
    for l in text.lines() {
        match l
            .strip_prefix("=== page ")
            .and_then(|r| r.strip_suffix(" ==="))
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => twice.push_str(&format!("=== page {} ===\n", n + pages)),
            None => {
                twice.push_str(l);
                twice.push('\n');
            }
        }
    }
    let once = budgetql::ingest::ingest_bytes("once.txt", text.as_bytes()).unwrap();
    assert!(!once
        .warnings
        .iter()
        .any(|w| w.message.contains("repeat earlier pages")));
    let doc = budgetql::ingest::ingest_bytes("twice.txt", twice.as_bytes()).unwrap();
    let first = doc.warnings.first().expect("a warning");
    assert!(
        first
            .message
            .contains("page(s) repeat earlier pages word for word (page ")
            && first.message.contains("stored again"),
        "{}",
        first.message
    );
    // located at the first repeated page (the cover, of few words, is not compared)
    assert!(
        doc.page_of(first.line).is_some_and(|p| p > pages),
        "{}",
        first.message
    );
}
