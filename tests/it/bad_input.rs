//! Bad documents: each gives a clear error naming file:line, exit status 1, no panic.
//! The documents are derived here from the bundled one, so the expected lines are
//! computed from the text rather than hard-coded.

use crate::common::*;
use std::path::PathBuf;

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = scratch("bad");
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn lines() -> Vec<&'static str> {
    BUNDLED.split('\n').collect()
}

/// 1-based number of the first line equal to `s` at or after line `from`.
fn find(lines: &[&str], s: &str, from: usize) -> usize {
    from + lines[from - 1..]
        .iter()
        .position(|l| *l == s)
        .unwrap_or_else(|| panic!("{s:?} not found"))
}

fn check(path: &PathBuf) -> (i32, String, String) {
    run(&["ingest", "--check", path.to_str().unwrap()])
}

#[test]
fn truncated_inside_a_project_table() {
    let l = lines();
    // cut right after the budget row of the first project table
    let cut = find(&l, "\t其他资金", 1) + 1;
    let p = write("truncated.txt", l[..cut].join("\n").as_bytes());
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains(&format!(
            "truncated.txt:{cut}: the document ends inside the project table `维护稳定专项经费`"
        )),
        "{err}"
    );
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn project_table_without_its_budget_row() {
    let l = lines();
    let start = find(&l, "\t预算规模及资金用途", 1);
    let end = find(&l, "", start); // the blank line closing the row
    let mut kept: Vec<&str> = l[..start - 1].to_vec();
    kept.extend_from_slice(&l[end..]);
    let purpose_line = start + 1; // the purpose row moved up into the budget row's place
    assert!(
        kept[purpose_line - 1].starts_with('\t'),
        "{:?}",
        kept[purpose_line - 1]
    );
    let p = write("nobudget.txt", kept.join("\n").as_bytes());
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains(&format!(
            "nobudget.txt:{}: project table `维护稳定专项经费`",
            purpose_line - 1
        )),
        "{err}"
    );
    assert!(
        err.contains("expected the budget row (预算规模及资金用途"),
        "{err}"
    );
}

#[test]
fn garbage_in_an_amount_cell() {
    let mut l: Vec<String> = lines().iter().map(|s| s.to_string()).collect();
    let at = find(&lines(), "\t预算数", 1) + 1; // the budget figure cell, `\t5.00`
    assert_eq!(l[at - 1], "\t5.00");
    l[at - 1] = "\t5.0x".into();
    let p = write("garbage.txt", l.join("\n").as_bytes());
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains(&format!("garbage.txt:{at}: 预算数: `5.0x` is not a number")),
        "{err}"
    );
}

#[test]
fn columns_that_do_not_line_up() {
    let l = lines();
    let header = find(&l, "\t一级指标", 1);
    let first_row = find(&l, "", header) + 1;
    // drop one cell of the first indicator row
    let mut kept: Vec<&str> = l.clone();
    kept.remove(first_row + 1);
    let p = write("ragged.txt", kept.join("\n").as_bytes());
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(err.contains(&format!("ragged.txt:{first_row}: project table `维护稳定专项经费`: an indicator row has 5 cells but the header (line {header}) has 6")), "{err}");
}

#[test]
fn empty_file() {
    let p = write("empty.txt", b"");
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(err.contains("empty.txt: the document is empty"), "{err}");
    let p = write("blank.txt", b"\n  \n\n");
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(err.contains("blank.txt: the document is empty"), "{err}");
}

#[test]
fn binary_files() {
    let p = write("word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00");
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("word.doc:1: this is not a text document (a Word .doc file)"),
        "{err}"
    );
    let p = write("nul.txt", b"2021\xe5\xb9\xb4\n\x00\x01\x02");
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("nul.txt:2: this is not a text document (it contains NUL bytes)"),
        "{err}"
    );
    // GBK bytes are not UTF-8
    let p = write("gbk.txt", b"title\n\xb2\xbf\xc3\xc5\xd4\xa4\xcb\xe3\n");
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("gbk.txt:2: this is not a text document (invalid UTF-8 at byte 6"),
        "{err}"
    );
}

#[test]
fn not_a_disclosure() {
    let p = write("notes.txt", "shopping list\nmilk\n".as_bytes());
    let (code, _, err) = check(&p);
    assert_clean_failure(code, &err);
    assert!(err.contains("notes.txt: no budget year found"), "{err}");
}

#[test]
fn missing_file() {
    let (code, _, err) = run(&["ingest", "--check", "/no/such/doc.txt"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("/no/such/doc.txt: cannot read the file: no such file"),
        "{err}"
    );
}

#[test]
fn missing_warehouse() {
    let (code, _, err) = run(&["--data", "/no/such/warehouse", "-c", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(err.contains("/no/such/warehouse: no such folder"), "{err}");
}

/// A file far larger than any disclosure (`/dev/zero`, a disk image) is read only up to
/// the limit and refused, saying so; the limit can be raised.
#[test]
fn an_endless_or_huge_file_is_read_no_further_than_the_limit() {
    let (code, _, err) = run(&["ingest", "--check", "/dev/zero"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("/dev/zero: cannot read the file: larger than 256 MB, read no further"),
        "{err}"
    );
    let big = write("big.txt", &vec![b' '; 2 << 20]);
    let out = bin()
        .env("BUDGETQL_MAX_INPUT_MB", "1")
        .args(["ingest", "--check", big.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, _, err) = decode(out);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("larger than 1 MB") && err.contains("BUDGETQL_MAX_INPUT_MB"),
        "{err}"
    );
}
