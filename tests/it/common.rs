//! Helpers: run the real binary, make scratch folders, read the bundled document.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub const BUNDLED: &str = include_str!("../../datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt");

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
        .map(|(n, _)| format!("{}/datasets/raw/{n}", env!("CARGO_MANIFEST_DIR")))
        .collect();
    ingest_files(&files, wh)
}

/// `budgetql ingest FILES --into wh`; its output.
pub fn ingest_files(files: &[String], wh: &std::path::Path) -> String {
    let mut args: Vec<&str> = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--into", wh.to_str().unwrap()]);
    ok(&args)
}

/// A one-page PDF with the given content stream and resources and a correct xref table,
/// written here (never copied from a published document). Objects: 1 catalog, 2 pages,
/// 3 page, 4 content, 5 Helvetica, 6 a 1x1 grey image; `trailer_extra` goes into the
/// trailer dictionary (e.g. an /Encrypt entry).
pub fn minimal_pdf(content: &[u8], resources: &[u8], trailer_extra: &[u8]) -> Vec<u8> {
    let mut page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources ".to_vec();
    page.extend_from_slice(resources);
    page.extend_from_slice(b" /Contents 4 0 R >>");
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    let objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        page,
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R ", objs.len() + 1).as_bytes());
    out.extend_from_slice(trailer_extra);
    out.extend_from_slice(format!(">>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

/// A PDF whose only page holds text (Helvetica at 12 pt).
pub fn text_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    minimal_pdf(content.as_bytes(), b"<< /Font << /F1 5 0 R >> >>", b"")
}

/// A workbook as (sheet name, rows of cells).
pub fn read_workbook(p: &Path) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(p).expect("a workbook calamine opens");
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("a readable sheet");
            assert_eq!(range.start(), Some((0, 0)), "the header is in A1");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

/// Every saved script in queries/, run with `args` before `--format csv -f SCRIPT`, each
/// in a folder of its own: (name, what it printed and the cells of the workbooks it wrote).
pub fn saved_script_outputs(args: &[&str]) -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scripts: Vec<_> = std::fs::read_dir(root.join("queries"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 10,
        "the README promises at least ten saved scripts"
    );
    scripts
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            let dir = scratch(&name);
            let mut all = args.to_vec();
            all.extend(["--format", "csv", "-f", p.to_str().unwrap()]);
            let (code, mut got, err) = run_in(&dir, &all);
            assert!(code == 0 && err.is_empty(), "{name} failed:\n{err}");
            got.push_str(&workbooks_in(&dir));
            (name, got)
        })
        .collect()
}

/// The workbooks in a folder, cell by cell: numbers as the shortest text of the double
/// a spreadsheet reads, NULL as nothing.
fn workbooks_in(dir: &Path) -> String {
    let mut books: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    books.sort();
    let mut out = String::new();
    for b in books {
        let file = b.file_name().unwrap().to_string_lossy().to_string();
        for (sheet, rows) in read_workbook(&b) {
            out.push_str(&format!("-- {file}, sheet {sheet}\n"));
            for r in rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match c {
                        calamine::Data::Empty => String::new(),
                        calamine::Data::String(s) if s.contains([',', '"']) => {
                            format!("\"{}\"", s.replace('"', "\"\""))
                        }
                        other => other.to_string(),
                    })
                    .collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
    }
    out
}

/// A many-year warehouse `budgetql gen` writes (three departments, 2012–2021, seed 1),
/// made once per test process: the saved scripts' many-year questions on data of the
/// project's own.
pub fn gen_warehouse() -> &'static str {
    static WH: OnceLock<String> = OnceLock::new();
    WH.get_or_init(|| {
        let wh = scratch("gen-warehouse");
        ok(&[
            "gen",
            "--size",
            "small",
            "--departments",
            "3",
            "--into",
            wh.to_str().unwrap(),
        ]);
        wh.display().to_string()
    })
}

/// Ingest `path` and check it is refused with the error `kind` (malformed, empty,
/// not-text, document, io, pdf) at `line` (`-` for none), its message containing `text`;
/// what differs, if anything.
pub fn refused_as(path: &Path, kind: &str, line: &str, text: &str) -> Option<String> {
    use budgetql::error::IngestError;
    let file = path.file_name().unwrap().to_string_lossy();
    let err = match budgetql::ingest::ingest_file(path) {
        Ok(_) => return Some(format!("{file}: was accepted")),
        Err(e) => e,
    };
    let got_kind = match &err {
        IngestError::Malformed { .. } => "malformed",
        IngestError::Empty { .. } => "empty",
        IngestError::NotText { .. } => "not-text",
        IngestError::Document { .. } => "document",
        IngestError::Io { .. } => "io",
        IngestError::Pdf { .. } => "pdf",
    };
    let got_line = err
        .line()
        .map(|l| l.to_string())
        .unwrap_or_else(|| "-".into());
    let msg = err.to_string();
    (got_kind != kind || got_line != line || !msg.contains(text)).then(|| {
        format!("{file}: want {kind} at {line} containing `{text}`, got {got_kind} at {got_line}: {msg}")
    })
}
