//! A table printed one cell per line (what some PDF-to-text tools produce), put back
//! together into rows.

use super::*;

/// A table body printed one cell per line (what some PDF-to-text tools produce): several
/// lines that are a lone figure and none with two figures.
pub(super) fn cells_per_line(body: &[L]) -> bool {
    let figures = |l: &L| l.text.split_whitespace().filter(|t| is_amount(t)).count();
    let lone = body
        .iter()
        .filter(|l| figures(l) == 1 && l.text.split_whitespace().count() == 1)
        .count();
    lone >= 3 && body.iter().all(|l| figures(l) <= 1)
}

/// A 3-digit token that can be a 类 code: functional classes 201–239, economic classes
/// 301–399 and 501–599 (`700` or `237` between figures is a figure).
pub(super) fn plausible_class(t: &str) -> bool {
    t.parse::<u16>().is_ok_and(|n| {
        (201..=239).contains(&n) || (301..=399).contains(&n) || (501..=599).contains(&n)
    })
}

/// The rows of a table printed one cell per line, each on its first cell's line: a
/// code (its 类 款 项 parts on lines of their own too), its name and its figures; a
/// label (合计, 一、财政拨款收入) and its figures. In the income and spending summary
/// (`two_sided`) a row prints its income side then its spending side: an income label
/// and figure followed by a spending label and figure are one row, as a line-per-row
/// text prints them.
pub(super) fn rows_from_cells(body: &[L], two_sided: bool) -> Vec<L> {
    let lone_figure =
        |l: &L| is_amount(&l.text) && !l.text.contains(char::is_whitespace) && !is_code(&l.text);
    let code_part = |l: &L| is_split_part(&l.text);
    let label = |l: &L| {
        !l.text.split_whitespace().any(is_amount)
            && !is_code(&l.text)
            && !is_split_part(&l.text)
            && l.c.chars().count() <= 30
    };
    // the label of a row, not a header cell above a row of figures (`结转下年资金` heads
    // the last column of a 支出总表): a total (合计, 人员经费合计), an ordinal (一、, 1.)
    // or, in the summary, any label that is not a header word
    let row_label = |l: &L| {
        total_label(&l.text)
            || ["合计", "总计", "小计"].iter().any(|w| l.c.ends_with(w))
            || ordinal(&l.c).0 > 0
            || two_sided && !is_header_line(&l.c)
    };
    let mut out: Vec<L> = vec![];
    let mut i = 0;
    while i < body.len() {
        let start = i;
        let mut words: Vec<String> = vec![];
        if is_code(&body[i].text) {
            // the code, its parts, its name, then its figures
            words.push(body[i].text.clone());
            i += 1;
            if words[0].len() == 3 {
                while i < body.len() && code_part(&body[i]) && words.len() < 3 {
                    words.push(body[i].text.clone());
                    i += 1;
                }
            }
            if i < body.len() && label(&body[i]) && !is_header_line(&body[i].c) {
                words.push(body[i].text.clone());
                i += 1;
            }
        } else if label(&body[i]) && body.get(i + 1).is_some_and(lone_figure) && row_label(&body[i])
        {
            words.push(body[i].text.clone());
            i += 1;
        } else if label(&body[i])
            && body.get(i + 1).is_some_and(label)
            && body.get(i + 2).is_some_and(lone_figure)
            && total_label(&format!("{}{}", body[i].c, body[i + 1].c))
        {
            // a total label spaced out over two cells (`合` / `计`)
            words.push(format!("{}{}", body[i].c, body[i + 1].c));
            i += 2;
        } else if lone_figure(&body[i]) {
            // figures under the header's cells (a row without a label: 三公, 支出总表):
            // the header cells printed just above are one header line, as a
            // line-per-row text prints them (`合计 基本支出 项目支出 …`)
            if body.get(i + 1).is_some_and(lone_figure) {
                let mut cells: Vec<L> = vec![];
                // (not the unit line: `单位：万元`; `单位预留机动经费` is a cell)
                while let Some(l) =
                    out.pop_if(|l| label(l) && l.c.chars().count() <= 16 && !l.c.contains("单位："))
                {
                    cells.push(l);
                }
                cells.reverse();
                if let Some(first) = cells.first() {
                    let text = cells
                        .iter()
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    out.push(L {
                        no: first.no,
                        c: compact(&text),
                        xs: vec![],
                        text,
                    });
                }
            }
        } else {
            out.push(body[i].clone());
            i += 1;
            continue;
        }
        let named = words.len();
        // (a 3-digit figure, `237`, reads like a 类 code: inside a run of figures it is
        // one when a figure follows it, not a name or a 款 part)
        let figure_here = |k: usize| {
            let t = &body[k].text;
            lone_figure(&body[k])
                || k > start + named
                    && t.len() == 3
                    && is_amount(t)
                    && (!plausible_class(t)
                        || body
                            .get(k + 1)
                            .is_some_and(|n| is_amount(&n.text) && !is_split_part(&n.text)))
        };
        while i < body.len() && figure_here(i) {
            words.push(body[i].text.clone());
            i += 1;
        }
        if words.len() == named && named == 1 && !is_code(&words[0]) {
            out.push(body[start].clone());
            continue;
        }
        if named == 0 && words.len() == 1 {
            // (a lone figure not followed by another: as it is)
            out.push(body[start].clone());
            continue;
        }
        let text = words.join(" ");
        out.push(L {
            no: body[start].no,
            c: compact(&text),
            xs: vec![],
            text,
        });
    }
    if two_sided {
        join_two_sides(out)
    } else {
        join_header_cells(out, &label)
    }
}

/// Header cells (labels with no figure after them) one line, as a line-per-row text
/// prints them: `合计` beside `基本支出` heads a column, it is not a total row.
pub(super) fn join_header_cells(out: Vec<L>, label: &dyn Fn(&L) -> bool) -> Vec<L> {
    let header_cell = |l: &L| {
        label(l)
            && !l.c.contains(['：', ':'])
            && l.c.chars().count() <= 16
            && !l.text.split_whitespace().any(is_amount)
    };
    let mut joined: Vec<L> = vec![];
    for l in out {
        match joined.last_mut() {
            Some(prev) if header_cell(prev) && header_cell(&l) => {
                prev.text = format!("{} {}", prev.text, l.text);
                prev.c = compact(&prev.text);
            }
            _ => joined.push(l),
        }
    }
    joined
}

/// The summary's rows: an income row followed by a spending row is one printed row.
pub(super) fn join_two_sides(out: Vec<L>) -> Vec<L> {
    let income_side = |l: &L| {
        let first = l.text.split_whitespace().next().unwrap_or("");
        let name = ordinal(first).1;
        (INCOME_WORDS.iter().any(|w| name.contains(w)) && !name.contains("支出")) || name == "总计"
    };
    let spending_side = |l: &L| {
        let first = l.text.split_whitespace().next().unwrap_or("");
        l.text.split_whitespace().any(is_amount)
            && (first.contains("支出") || is_summary_total(first) || ordinal(first).0 > 0)
            && !income_side(l)
    };
    let mut joined: Vec<L> = vec![];
    let mut k = 0;
    while k < out.len() {
        let a = &out[k];
        match out.get(k + 1) {
            Some(b)
                if income_side(a)
                    && a.text.split_whitespace().any(is_amount)
                    && (spending_side(b)
                        || b.text.split_whitespace().next() == Some("总计")
                            && a.text.starts_with("总计")) =>
            {
                let text = format!("{} {}", a.text, b.text);
                joined.push(L {
                    no: a.no,
                    c: compact(&text),
                    xs: vec![],
                    text,
                });
                k += 2;
            }
            _ => {
                joined.push(a.clone());
                k += 1;
            }
        }
    }
    joined
}
