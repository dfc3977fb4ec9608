//! Every saved script in queries/ runs on a generated many-year warehouse (`budgetql gen
//! --size small --departments 3`, the project's own synthetic data) and prints exactly its
//! checked-in output (tests/queries/<name>.csv). Each runs in a folder of its own; a
//! workbook it writes there is read back as a spreadsheet program reads it, and each
//! sheet's cells are part of the output (`-- name.xlsx, sheet S` and the rows).
//! UPDATE_GOLDEN=1 rewrites them. (Their many-year outputs on the real disclosures are
//! checked in the corpus target, tests/corpus/scripts.rs.)

use crate::common::*;
use std::path::Path;

#[test]
fn saved_scripts_print_their_checked_in_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = vec![];
    for (name, got) in saved_script_outputs(&["--data", gen_warehouse()]) {
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
