//! Mutations shared by the test targets: structure-aware edits of text documents and
//! damage to PDFs, with a deterministic generator so a failure reproduces.

use budgetql::ingest::ingest_bytes;
use budgetql::{model, Session};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const GARBAGE: &[&str] = &[
    "\tx",
    "\t",
    "\t１２．５",
    "\t-",
    "\t999999999999999999999999999999",
    "\t1,2,3",
    "\t≥",
    "\t%",
    "\t(",
    "\t0.000001",
    "\t—",
    "\t\u{3000}",
];

pub fn mutate(rng: &mut Rng, lines: &mut Vec<String>) -> String {
    let n = lines.len();
    let i = rng.below(n);
    match rng.below(10) {
        8 => {
            // break the first number of the line in place (PDF text keeps cells on one line)
            let l = lines[i].clone();
            match l.find(|c: char| c.is_ascii_digit()) {
                Some(s) => {
                    let e = l[s..]
                        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                        .map_or(l.len(), |e| s + e);
                    let g = GARBAGE[rng.below(GARBAGE.len())].trim_start_matches('\t');
                    lines[i] = format!("{}{g}{}", &l[..s], &l[e..]);
                    format!("line {}: number {:?} := {g:?}", i + 1, &l[s..e])
                }
                None => format!("line {} has no number", i + 1),
            }
        }
        9 => {
            // swap two space-separated cells
            let mut cells: Vec<String> = lines[i].split(' ').map(str::to_string).collect();
            if cells.len() > 1 {
                let a = rng.below(cells.len());
                let b = (a + 1) % cells.len();
                cells.swap(a, b);
                lines[i] = cells.join(" ");
            }
            format!("swap cells of line {}", i + 1)
        }
        0 => {
            lines.remove(i);
            format!("delete line {}", i + 1)
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
            format!("duplicate line {}", i + 1)
        }
        2 if i + 1 < n => {
            lines.swap(i, i + 1);
            format!("swap lines {} and {}", i + 1, i + 2)
        }
        3 => {
            lines.truncate(i.max(1));
            format!("cut after line {}", i.max(1))
        }
        4 => {
            let g = GARBAGE[rng.below(GARBAGE.len())];
            lines[i] = g.to_string();
            format!("line {} := {g:?}", i + 1)
        }
        5 => {
            let t = lines[i].trim_start_matches('\t').to_string();
            lines[i] = t;
            format!("untab line {}", i + 1)
        }
        6 => {
            lines[i] = format!("\t{}", lines[i]);
            format!("tab line {}", i + 1)
        }
        _ => {
            // drop a whole row (a run of tab-led lines)
            let j = i;
            while j < lines.len() && lines[j].starts_with('\t') {
                lines.remove(j);
            }
            format!("drop the row at line {}", i + 1)
        }
    }
}

/// Ingest mutated bytes with panics caught: Ok(true) when the document ingests (its
/// frames build, and with `audit` AUDIT runs on it), Ok(false) when it is refused with
/// an error naming the file, Err on a panic.
pub fn try_ingest(file: &str, bytes: &[u8], audit: bool) -> std::thread::Result<bool> {
    catch_unwind(AssertUnwindSafe(|| match ingest_bytes(file, bytes) {
        Ok(doc) => {
            model::frames(&doc).expect("frames of an ingested document");
            if audit {
                let mut s = Session::from_documents(&[doc]).expect("session");
                s.query("AUDIT").expect("audit runs");
            }
            true
        }
        Err(e) => {
            assert!(
                e.to_string().starts_with(file),
                "error without the file name: {e}"
            );
            false
        }
    }))
}

/// Mutate the text documents `texts` (name, text) `runs` times, a few edits a run: every
/// outcome is a document that builds its frames and survives AUDIT, or an error naming
/// the file; both outcomes must occur.
pub fn texts_never_panic(texts: &[(&str, &str)], runs: usize) {
    let bases: Vec<Vec<String>> = texts
        .iter()
        .map(|(_, t)| t.split('\n').map(|s| s.to_string()).collect())
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut failures = vec![];
    let (mut ok, mut err) = (0, 0);
    for run in 0..runs {
        let doc = rng.below(bases.len());
        let mut lines = bases[doc].clone();
        let steps = 1 + rng.below(3);
        let what: Vec<String> = (0..steps).map(|_| mutate(&mut rng, &mut lines)).collect();
        let text = lines.join("\n");
        let outcome = try_ingest("m.txt", text.as_bytes(), true);
        match outcome {
            Ok(true) => ok += 1,
            Ok(false) => err += 1,
            Err(_) => failures.push(format!(
                "run {run} (document {}): {}",
                texts[doc].0,
                what.join("; ")
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} panics ({ok} ingested, {err} refused):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        ok > 0 && err > 0,
        "the mutations should produce both outcomes: {ok} ingested, {err} refused"
    );
}

/// How many mutation runs: `BUDGETQL_MUTATIONS`, else `default`.
pub fn runs(default: usize) -> usize {
    std::env::var("BUDGETQL_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Damage the PDFs `bases` `runs` times (bytes flipped, the file cut, runs zeroed or
/// duplicated): every outcome is a document or an error naming the file, never a panic.
pub fn pdfs_never_panic(bases: &[Vec<u8>], runs: usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut failures = vec![];
    let (mut ok, mut err) = (0, 0);
    for run in 0..runs {
        let mut b = bases[run % bases.len()].to_vec();
        let what = match rng.below(4) {
            0 => {
                for _ in 0..1 + rng.below(50) {
                    let i = rng.below(b.len());
                    b[i] = rng.below(256) as u8;
                }
                "bytes flipped"
            }
            1 => {
                b.truncate(rng.below(b.len()));
                "cut"
            }
            2 => {
                let s = rng.below(b.len());
                let e = (s + 1 + rng.below(4000)).min(b.len());
                b[s..e].fill(0);
                "a run zeroed"
            }
            _ => {
                let s = rng.below(b.len());
                let e = (s + 1 + rng.below(3000)).min(b.len());
                let dup = b[s..e].to_vec();
                b.splice(s..s, dup);
                "a run duplicated"
            }
        };
        let outcome = try_ingest("m.pdf", &b, false);
        match outcome {
            Ok(true) => ok += 1,
            Ok(false) => err += 1,
            Err(_) => failures.push(format!("run {run}: {what}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} panics ({ok} ingested, {err} refused):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
