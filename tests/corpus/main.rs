//! The corpus target: every test that reads the real published disclosures. They are
//! third-party documents, so they are never copied into this repository; the tests read
//! them from `../shared/corpus` beside the checkout (the PDFs in its `pdf/` folder, the
//! pdfplumber text documents beside it), or from `BUDGETQL_CORPUS=DIR` (that folder, or
//! its `pdf/` folder). Files made from them (cut, edited, damaged copies) are made at test
//! time in a scratch folder.
//!
//! Not part of the default `cargo nextest run` (the target has `test = false`); CI runs it
//! after the README's test command: `cargo nextest run --test corpus`. Without the corpus
//! every test here fails with a message saying where to put it: it never passes silently.

#[path = "../it/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../it/mutation.rs"]
#[allow(dead_code)]
mod mutation;

mod audit;
mod documents;
mod golden;
mod malformed;
mod pdf;
mod scripts;
mod sqlite;
mod variation;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The corpus folder: the one holding `pdf/` and the text documents.
pub fn corpus_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let given = std::env::var_os("BUDGETQL_CORPUS").map(PathBuf::from);
        let dir = given.clone().unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
        });
        // BUDGETQL_CORPUS may name the corpus folder or its pdf/ folder
        let dir = match dir.parent() {
            Some(up) if dir.join("truth.csv").is_file() => up.to_path_buf(),
            _ => dir,
        };
        if !dir.join("pdf/truth.csv").is_file() {
            panic!(
                "the corpus tests need the real disclosures, which are not kept in this repository:\n\
                 no {} found.\n\
                 Put the shared corpus beside the checkout (../shared/corpus, with its pdf/ folder of \
                 PDFs and truth.csv), or set BUDGETQL_CORPUS=DIR to the folder holding it{}.",
                dir.join("pdf/truth.csv").display(),
                if given.is_some() { " (BUDGETQL_CORPUS is set but does not hold it)" } else { "" }
            )
        }
        dir
    })
}

/// The folder of the real PDFs.
pub fn pdf_dir() -> PathBuf {
    corpus_root().join("pdf")
}

/// The path of a corpus PDF by its document id, as a string for command lines.
pub fn pdf(id: &str) -> String {
    let p = pdf_dir().join(format!("{id}.pdf"));
    assert!(p.is_file(), "{} is missing from the corpus", p.display());
    p.display().to_string()
}

/// The path of a pdfplumber text document of the corpus (`corpus/<id>.txt`).
pub fn text_path(id: &str) -> String {
    let p = corpus_root().join(format!("{id}.txt"));
    assert!(p.is_file(), "{} is missing from the corpus", p.display());
    p.display().to_string()
}

/// The text of a pdfplumber text document of the corpus.
pub fn text(id: &str) -> String {
    std::fs::read_to_string(text_path(id)).expect("a corpus text document reads")
}

/// Every corpus PDF, sorted by file name.
pub fn corpus_pdfs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(pdf_dir())
        .expect("the corpus pdf folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    v
}

/// The text documents of the corpus (pdfplumber's text of four of its PDFs, and the last
/// pages of a fifth with one table cell per line), as (file name, text).
pub fn pdf_text_documents() -> Vec<(String, String)> {
    PDF_TEXT_IDS
        .iter()
        .map(|id| (format!("{id}.txt"), text(id)))
        .collect()
}

pub const PDF_TEXT_IDS: &[&str] = &[
    "jiangsu_high_court_2019_dept_budget",
    "jiangsu_procuratorate_2019_dept_budget",
    "shanghai_putuo_justice_bureau_2026_dept_budget",
    "shanghai_putuo_planning_resources_2024_final_accounts",
    "shanghai_putuo_jianguanwei_2026_pages21-24_perf_form_excerpt",
];

/// The five pdf-text documents, ingested.
pub fn ingest_pdf_text() -> Vec<budgetql::Document> {
    pdf_text_documents()
        .iter()
        .map(|(n, t)| {
            budgetql::ingest_bytes(&format!("corpus/{n}"), t.as_bytes())
                .expect("a pdf-text document ingests")
        })
        .collect()
}

/// The twelve PDFs of the many-year set the tests below query (Jiangsu's High Court,
/// Procuratorate and 人大 office 2017–2019; Shanghai Putuo's justice bureau 2026, Wanli
/// subdistrict 2024, planning bureau 2024 决算). The other three corpus PDFs (the 2019
/// 人大 narrative, the justice bureau's unit budget, the finance bureau's 决算) are loaded
/// by the tests about them.
pub const MANY_YEARS: &[&str] = &[
    "jiangsu_high_court_2017_dept_budget",
    "jiangsu_high_court_2018_dept_budget",
    "jiangsu_high_court_2019_dept_budget",
    "jiangsu_npc_office_2017_dept_budget",
    "jiangsu_npc_office_2018_dept_budget",
    "jiangsu_npc_office_2019_dept_budget_tables",
    "jiangsu_procuratorate_2017_dept_budget",
    "jiangsu_procuratorate_2018_dept_budget",
    "jiangsu_procuratorate_2019_dept_budget",
    "shanghai_putuo_justice_bureau_2026_dept_budget",
    "shanghai_putuo_planning_resources_2024_final_accounts",
    "shanghai_putuo_wanli_subdistrict_2024_dept_budget",
];

/// The files of the many-year warehouse: the bundled 2021 document and [`MANY_YEARS`].
pub fn many_year_files() -> Vec<String> {
    std::iter::once(format!(
        "{}/datasets/raw/{}",
        env!("CARGO_MANIFEST_DIR"),
        budgetql::ingest::BUNDLED_NAME
    ))
    .chain(MANY_YEARS.iter().map(|id| pdf(id)))
    .collect()
}

/// A warehouse of the bundled document and the twelve many-year PDFs, ingested once per
/// test process.
pub fn warehouse() -> &'static str {
    static WH: OnceLock<String> = OnceLock::new();
    WH.get_or_init(|| {
        let wh = common::scratch("corpus-warehouse");
        let out = common::ingest_files(&many_year_files(), &wh);
        assert!(out.contains("now holds 13 document(s)"), "{out}");
        wh.display().to_string()
    })
}

/// Run budgetql on the many-year warehouse; the arguments follow `--data WH`.
pub fn on_warehouse(args: &[&str]) -> String {
    let mut all = vec!["--data", warehouse()];
    all.extend_from_slice(args);
    common::ok(&all)
}

/// A query's CSV output on the many-year warehouse.
pub fn q(sql: &str) -> String {
    on_warehouse(&["--format", "csv", "-c", sql])
}

/// Lines of `<sha256>  <lines>  <name>`: the digests the corpus target keeps in place of
/// outputs made from the real documents (those outputs are never committed).
pub fn digests(file: &str) -> Vec<(String, usize, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].parse().unwrap(), f[2].to_string())
        })
        .collect()
}

/// The sha256 of bytes, in hex.
pub fn sha256(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Compare outputs (name, text) with the digests in `file`. A mismatch writes every
/// output to a folder the message names, to diff against a build that passed;
/// `UPDATE_GOLDEN=1` rewrites the digests instead (review the outputs first).
pub fn check_digests(file: &str, outputs: &[(String, String)]) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus")
            .join(file);
        let mut s = String::from(
            "# sha256  lines  output — outputs made from the real documents, kept as digests only\n",
        );
        for (name, text) in outputs {
            s.push_str(&format!(
                "{}  {:>5}  {name}\n",
                sha256(text.as_bytes()),
                text.lines().count()
            ));
        }
        std::fs::write(path, s).unwrap();
        return;
    }
    let want = digests(file);
    let dump = common::scratch("corpus-outputs");
    let mut failures = vec![];
    for (name, text) in outputs {
        let path = dump.join(name.replace('/', "__"));
        std::fs::write(&path, text).unwrap();
        match want.iter().find(|(_, _, n)| n == name) {
            None => failures.push(format!("{name}: no digest in tests/corpus/{file}")),
            Some((sha, lines, _)) if *sha != sha256(text.as_bytes()) => failures.push(format!(
                "{name}: differs ({} lines, {lines} expected); the output is {}",
                text.lines().count(),
                path.display()
            )),
            Some(_) => {}
        }
    }
    for (_, _, n) in &want {
        if !outputs.iter().any(|(name, _)| name == n) {
            failures.push(format!("{n}: expected but not produced"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(every output is in {}; diff it against a build that passed, or run with \
         UPDATE_GOLDEN=1 after reviewing it)",
        failures.join("\n"),
        dump.display()
    );
}
