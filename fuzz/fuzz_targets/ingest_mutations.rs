//! Structure-aware mutations of the real documents (the bundled one and, when the shared
//! corpus is there — `../../shared/corpus` or `BUDGETQL_CORPUS`, read at start, never
//! copied into the repository — its PDF-text documents): the fuzzer's bytes choose which
//! lines to delete, duplicate, swap or cut, which cells to swap and which numbers to
//! break. Ingest must return a document or an error; a document must build its frames.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn docs() -> &'static [String] {
    static DOCS: OnceLock<Vec<String>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut v = vec![budgetql::ingest::BUNDLED_TEXT.to_string()];
        let corpus = std::env::var("BUDGETQL_CORPUS")
            .unwrap_or_else(|_| format!("{}/../../shared/corpus", env!("CARGO_MANIFEST_DIR")));
        if let Ok(rd) = std::fs::read_dir(&corpus) {
            let mut files: Vec<_> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            files.sort();
            v.extend(files.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
        }
        v
    })
}

const BROKEN: &[&str] = &[
    "x", "", "１２．５", "-", "999999999999999999999999999999", "1,2,3", "≥", "%", "(", "0.000001",
    "—", "\u{3000}", "1e9", "-0", "12.3.4", ",,", "NaN",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let docs = docs();
    let doc = &docs[data[0] as usize % docs.len()];
    let mut lines: Vec<String> = doc.lines().map(str::to_string).collect();
    for op in data[1..].chunks(4) {
        if lines.is_empty() || op.len() < 4 {
            break;
        }
        let n = lines.len();
        let i = (u16::from_le_bytes([op[1], op[2]]) as usize) % n;
        let arg = op[3] as usize;
        match op[0] % 8 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines.swap(i, (i + 1 + arg % 8).min(n - 1)),
            3 => lines.truncate(i.max(1)),
            4 => {
                // break a number: replace the first digit run of the line
                let l = &lines[i];
                if let Some(s) = l.find(|c: char| c.is_ascii_digit()) {
                    let e = l[s..].find(|c: char| !c.is_ascii_digit() && c != '.' && c != ',').map_or(l.len(), |e| s + e);
                    lines[i] = format!("{}{}{}", &l[..s], BROKEN[arg % BROKEN.len()], &l[e..]);
                }
            }
            5 => {
                // swap two cells of a space- or tab-separated row
                let sep = if lines[i].contains('\t') { '\t' } else { ' ' };
                let mut cells: Vec<&str> = lines[i].split(sep).collect();
                if cells.len() > 1 {
                    let a = arg % cells.len();
                    let b = (a + 1) % cells.len();
                    cells.swap(a, b);
                    lines[i] = cells.join(&sep.to_string());
                }
            }
            6 => {
                // cut a table: drop the run of tab-led or digit-bearing lines from i
                let mut k = 0;
                while i < lines.len() && k < 1 + arg % 40 {
                    lines.remove(i);
                    k += 1;
                }
            }
            _ => lines[i] = BROKEN[arg % BROKEN.len()].to_string(),
        }
    }
    let text = lines.join("\n");
    if let Ok(doc) = budgetql::ingest_bytes("fuzz.txt", text.as_bytes()) {
        let _ = budgetql::model::frames(&doc);
    }
});
