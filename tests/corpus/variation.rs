//! Variation: the training PDFs with their titles, headers and labels printed the way
//! other provinces and years print them (the Ministry of Finance's templates are the
//! same everywhere; the wording is not). Each variation edits the PDF's text layer word
//! by word, keeping every word's position, and the document must read to exactly the
//! same figures as the original: nothing lost, nothing changed, no error.

use crate::corpus_pdfs;
use crate::pdf::amounts;
use budgetql::ingest::{ingest_layer, Document};
use regex::Regex;

/// (name, what it does to one word; None drops the word)
type Edit = fn(&str) -> Option<String>;

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap()
}

const VARIATIONS: &[(&str, Edit)] = &[
    // 收支预算总表 / 部门收支总表 / 财务收支预算总表 (the first summary table)
    ("部门收支总表", |w| {
        Some(if w.contains("财政拨款") {
            w.into()
        } else {
            w.replace("部门收支预算总表", "收支预算总表")
                .replace("收支预算总表", "部门收支总表")
        })
    }),
    ("财务收支预算总表", |w| {
        Some(if w.contains("财政拨款") {
            w.into()
        } else {
            w.replace("部门收支预算总表", "收支预算总表")
                .replace("收支预算总表", "财务收支预算总表")
        })
    }),
    ("财政拨款收支总表", |w| {
        Some(w.replace("财政拨款收支预算总表", "财政拨款收支总表"))
    }),
    ("部门收入总表 / 部门支出总表", |w| {
        Some(if w.contains("财政拨款") || w.contains("一般公共预算") {
            w.into()
        } else {
            w.replace("部门收入预算总表", "收入预算总表")
                .replace("部门支出预算总表", "支出预算总表")
                .replace("收入预算总表", "部门收入总表")
                .replace("支出预算总表", "部门支出总表")
        })
    }),
    ("一般公共预算支出表 (no 预算 before 表)", |w| {
        Some(
            w.replace("一般公共预算支出预算表", "一般公共预算支出表")
                .replace("一般公共预算基本支出预算表", "一般公共预算基本支出表"),
        )
    }),
    ("2019年 for 2019年度", |w| {
        Some(re(r"(\d{4})年度").replace_all(w, "${1}年").into_owned())
    }),
    ("金额单位：万元", |w| {
        Some(re(r"^单位[：:]").replace(w, "金额单位：").into_owned())
    }),
    ("单位: with an ASCII colon", |w| {
        Some(w.replace("单位：", "单位:"))
    }),
    ("\"三公\" with ASCII quotes", |w| {
        Some(w.replace(['“', '”'], "\""))
    }),
    ("ASCII parentheses", |w| {
        Some(w.replace('（', "(").replace('）', ")"))
    }),
    ("功能分类科目编码 for 科目编码", |w| {
        Some(if w == "科目编码" {
            "功能分类科目编码".into()
        } else {
            w.into()
        })
    }),
    ("部门预算收支总表 (word order)", |w| {
        Some(if w.contains("财政拨款") {
            w.into()
        } else {
            w.replace("部门收支预算总表", "收支预算总表")
                .replace("收支预算总表", "部门预算收支总表")
        })
    }),
    ("三公经费 without quotes", |w| {
        Some(w.replace("“三公”", "三公"))
    }),
    ("一、 for 公开01表：", |w| {
        Some(
            re(r"^公开\s*\d+\s*表\s*[：:]")
                .replace(w, "一、")
                .into_owned(),
        )
    }),
    ("编制单位： for 部门：", |w| {
        Some(match w.strip_prefix("部门：") {
            Some(rest) => format!("编制单位：{rest}"),
            None => w.into(),
        })
    }),
    ("项目 for 科目名称", |w| {
        Some(if w == "科目名称" {
            "项目".into()
        } else {
            w.into()
        })
    }),
    ("预算金额 for 预算数", |w| {
        Some(if w == "预算数" {
            "预算金额".into()
        } else {
            w.into()
        })
    }),
    (
        "2019年部门预算 for 2019年度部门预算公开",
        |w| {
            Some(
                re(r"(\d{4})年度部门预算公开")
                    .replace(w, "${1}年部门预算")
                    .into_owned(),
            )
        },
    ),
    ("年度 dropped from titles (2019部门预算)", |w| {
        Some(
            re(r"^(\d{4})年度?(部门|单位)")
                .replace(w, "${1}${2}")
                .into_owned(),
        )
    }),
    ("no table numbers (公开01表)", |w| {
        let w2 = re(r"^公开\s*\d+\s*表\s*[：:]?").replace(w, "").into_owned();
        if w2.is_empty() {
            None
        } else {
            Some(w2)
        }
    }),
];

/// Apply one edit to every word of a text layer, keeping each kept word's extent.
fn vary(text: &str, positions: &[Vec<(f32, f32)>], edit: Edit) -> (String, Vec<Vec<(f32, f32)>>) {
    let mut out = String::new();
    let mut pos = vec![];
    for (i, line) in text.lines().enumerate() {
        let xs = positions.get(i).cloned().unwrap_or_default();
        if line.starts_with("=== page ") || xs.is_empty() {
            out.push_str(line);
            out.push('\n');
            pos.push(xs);
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        if words.len() != xs.len() {
            // a line whose words cannot be matched to extents is kept as it is
            out.push_str(line);
            out.push('\n');
            pos.push(xs);
            continue;
        }
        let mut kept = vec![];
        let mut kept_xs = vec![];
        for (w, x) in words.iter().zip(&xs) {
            if let Some(n) = edit(w).filter(|n| !n.is_empty()) {
                kept.push(n);
                kept_xs.push(*x);
            }
        }
        out.push_str(&kept.join(" "));
        out.push('\n');
        pos.push(kept_xs);
    }
    (out, pos)
}

/// The figures of a document, with the row counts of its classification tables.
fn figures(d: &Document) -> Vec<String> {
    let mut v: Vec<String> = amounts(d).iter().map(|a| format!("{a:?}")).collect();
    let r = &d.records;
    v.push(format!("function rows {}", r.spending_by_function.len()));
    v.push(format!("economic rows {}", r.spending_by_economic.len()));
    let econ: rust_decimal::Decimal = r.spending_by_economic.iter().filter_map(|e| e.amount).sum();
    v.push(format!("economic sum {econ}"));
    v.push(format!("{} {} {}", d.year, d.phase, d.dept_code));
    v.sort();
    v
}

/// What a varied document lost or gained against the original's figures, or its error.
fn differs(
    base: &[String],
    varied: Result<Document, budgetql::error::IngestError>,
) -> Option<String> {
    match varied {
        Err(e) => Some(e.to_string()),
        Ok(d) => {
            let got = figures(&d);
            let lost: Vec<_> = base.iter().filter(|x| !got.contains(x)).collect();
            let new: Vec<_> = got.iter().filter(|x| !base.contains(x)).collect();
            (!lost.is_empty() || !new.is_empty()).then(|| format!("lost {lost:?}, new {new:?}"))
        }
    }
}

/// A corpus PDF: its file name, bytes, text layer (text and word extents) and the
/// figures it reads to as printed.
struct Pdf {
    file: String,
    bytes: Vec<u8>,
    text: String,
    positions: Vec<Vec<(f32, f32)>>,
    base: Vec<String>,
}

fn pdfs() -> Vec<Pdf> {
    corpus_pdfs()
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let layer = budgetql::text_layer::read(&bytes).unwrap();
            let (text, positions) = (layer.to_text(), layer.word_extents());
            let base = figures(&ingest_layer(&file, &bytes, &text, &positions).unwrap());
            Pdf {
                file,
                bytes,
                text,
                positions,
                base,
            }
        })
        .collect()
}

#[test]
fn titles_headers_and_labels_printed_differently_lose_nothing() {
    let mut failures = vec![];
    let mut tried = 0;
    for pdf in pdfs() {
        let Pdf {
            file,
            bytes,
            text,
            positions,
            base,
        } = &pdf;
        for (name, edit) in VARIATIONS {
            let (t, p) = vary(&text, &positions, *edit);
            if &t == text {
                continue;
            }
            tried += 1;
            if let Some(f) = differs(base, ingest_layer(file, bytes, &t, &p)) {
                failures.push(format!("{file} / {name}: {f}"));
            }
        }
    }
    assert!(tried > 100, "only {tried} variations changed anything");
    assert!(
        failures.is_empty(),
        "{} of {tried} variations lose or change figures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The document without its cover page (page 1): a tables PDF published on its own
/// prints no title page; year, phase and department must come from the tables' titles
/// and labels.
#[test]
fn without_its_cover_page_a_document_reads_the_same_figures() {
    let mut failures = vec![];
    for pdf in pdfs() {
        let Pdf {
            file,
            bytes,
            text,
            positions,
            base,
        } = &pdf;
        // a PDF whose first page is already a table has no cover to take away
        let page1: Vec<&str> = text
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("=== page"))
            .collect();
        let unit = re(r"单位\s*[：:]\s*(万元|元)");
        if page1.iter().any(|l| unit.is_match(l)) {
            continue;
        }
        let mut t = String::new();
        let mut p = vec![];
        let mut page = 0;
        for (i, line) in text.lines().enumerate() {
            if let Some(n) = line
                .strip_prefix("=== page ")
                .and_then(|r| r.strip_suffix(" ==="))
            {
                page = n.parse().unwrap_or(0);
            } else if page == 1 {
                // the line stays (numbering), its words go
                t.push('\n');
                p.push(vec![]);
                continue;
            }
            t.push_str(line);
            t.push('\n');
            p.push(positions.get(i).cloned().unwrap_or_default());
        }
        if let Some(f) = differs(base, ingest_layer(file, bytes, &t, &p)) {
            failures.push(format!("{file}: {f}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The parts of a disclosure in another order: the 情况说明 (第三部分) before the tables
/// (第二部分), as some provinces print them. Whole lines move with their positions; the
/// figures must not change.
#[test]
fn the_explanations_before_the_tables_read_the_same_figures() {
    let mut failures = vec![];
    let mut tried = 0;
    for pdf in pdfs() {
        let Pdf {
            file,
            bytes,
            text,
            positions,
            base,
        } = &pdf;
        let lines: Vec<&str> = text.lines().collect();
        // the parts' own headings: the last line starting with each (the contents page
        // lists them first)
        let last = |w: &str| lines.iter().rposition(|l| l.starts_with(w));
        let (Some(two), Some(three), Some(four)) =
            (last("第二部分"), last("第三部分"), last("第四部分"))
        else {
            continue;
        };
        if !(two < three && three < four) {
            continue;
        }
        tried += 1;
        let order: Vec<usize> = (0..two)
            .chain(three..four)
            .chain(two..three)
            .chain(four..lines.len())
            .collect();
        let t: String = order.iter().map(|&i| format!("{}\n", lines[i])).collect();
        let p: Vec<Vec<(f32, f32)>> = order
            .iter()
            .map(|&i| positions.get(i).cloned().unwrap_or_default())
            .collect();
        if let Some(f) = differs(base, ingest_layer(file, bytes, &t, &p)) {
            failures.push(format!("{file}: {f}"));
        }
    }
    assert!(
        tried >= 10,
        "only {tried} documents have their parts headed"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
