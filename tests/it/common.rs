//! Helpers: run the real binary, make scratch folders, read the bundled document.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BUNDLED: &str = include_str!("../../datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt");

/// Four of the bundled PDFs as pdfplumber extracted their text (`tests/pdf_text/`): the
/// documents the pdf-text layout was written on, and the last pages of a fifth (its
/// project performance form, one cell per line), each with its reviewed goldens.
pub const PDF_TEXT: &[(&str, &str)] = &[
    (
        "jiangsu_high_court_2019_dept_budget.txt",
        include_str!("../pdf_text/jiangsu_high_court_2019_dept_budget.txt"),
    ),
    (
        "jiangsu_procuratorate_2019_dept_budget.txt",
        include_str!("../pdf_text/jiangsu_procuratorate_2019_dept_budget.txt"),
    ),
    (
        "shanghai_putuo_justice_bureau_2026_dept_budget.txt",
        include_str!("../pdf_text/shanghai_putuo_justice_bureau_2026_dept_budget.txt"),
    ),
    (
        "shanghai_putuo_planning_resources_2024_final_accounts.txt",
        include_str!("../pdf_text/shanghai_putuo_planning_resources_2024_final_accounts.txt"),
    ),
    (
        "shanghai_putuo_jianguanwei_2026_pages21-24_perf_form_excerpt.txt",
        include_str!(
            "../pdf_text/shanghai_putuo_jianguanwei_2026_pages21-24_perf_form_excerpt.txt"
        ),
    ),
];

/// The five pdf-text documents, ingested.
pub fn ingest_pdf_text() -> Vec<budgetql::Document> {
    PDF_TEXT
        .iter()
        .map(|(n, t)| {
            budgetql::ingest_bytes(&format!("tests/pdf_text/{n}"), t.as_bytes())
                .expect("a pdf-text document ingests")
        })
        .collect()
}

/// The budgetql binary built for this test run.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_budgetql"));
    c.env_remove("BUDGETQL_DATA");
    c.stdin(Stdio::null());
    c
}

/// Run budgetql with arguments; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().expect("the binary runs");
    decode(o)
}

/// Run budgetql with arguments in the folder `dir` (a script may write files where it
/// runs); returns (exit code, stdout, stderr).
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    decode(
        bin()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("the binary runs"),
    )
}

pub fn decode(o: Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Run and require success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "budgetql {args:?} failed:\n{err}");
    assert!(err.is_empty(), "unexpected stderr: {err}");
    out
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty scratch folder under the system temp folder.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "budgetql-it-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

/// The error path contract: exit status 1, a message on stderr, never a panic.
pub fn assert_clean_failure(code: i32, err: &str) {
    assert_eq!(code, 1, "expected exit status 1, stderr:\n{err}");
    assert!(!err.contains("panicked"), "the process panicked:\n{err}");
    assert!(err.starts_with("budgetql: "), "{err}");
}

/// `budgetql ingest` of every bundled document (datasets/raw/) into `wh`; its output.
pub fn ingest_all_bundled(wh: &std::path::Path) -> String {
    let files: Vec<String> = budgetql::ingest::BUNDLED
        .iter()
        .map(|(n, _)| format!("datasets/raw/{n}"))
        .collect();
    let mut args: Vec<&str> = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--into", wh.to_str().unwrap()]);
    ok(&args)
}
