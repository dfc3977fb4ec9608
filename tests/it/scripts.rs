//! Every saved script in queries/ runs on the bundled data and prints exactly its
//! checked-in output (tests/queries/<name>.csv). UPDATE_GOLDEN=1 rewrites them.

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
        let got = ok(&["--format", "csv", "-f", p.to_str().unwrap()]);
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
