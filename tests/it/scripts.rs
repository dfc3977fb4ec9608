//! Every saved script in queries/ runs on the bundled data and prints exactly its
//! checked-in output (tests/queries/<name>.csv). Each runs in a folder of its own; a
//! workbook it writes there is read back as a spreadsheet program reads it, and each
//! sheet's cells are part of the output (`-- name.xlsx, sheet S` and the rows).
//! UPDATE_GOLDEN=1 rewrites them.

use crate::common::*;
use std::path::Path;

#[test]
fn saved_scripts_print_their_checked_in_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = vec![];
    for p in &scripts {
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let dir = scratch(&name);
        let (code, mut got, err) = run_in(&dir, &["--format", "csv", "-f", p.to_str().unwrap()]);
        assert!(code == 0 && err.is_empty(), "{name} failed:\n{err}");
        got.push_str(&workbooks_in(&dir));
        let expected = root.join("tests/queries").join(format!("{name}.csv"));
        if update {
            std::fs::write(&expected, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{name}: output differs\n--- got\n{got}--- want\n{want}"
            )),
            Err(_) => failures.push(format!(
                "{name}: no expected output {}; run with UPDATE_GOLDEN=1 and review",
                expected.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
        for (sheet, rows) in crate::outputs::read_workbook(&b) {
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
