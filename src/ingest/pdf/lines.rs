//! Text to rows: tokens (amounts, classification codes), a line's code-name-figures
//! segments, header, unit and total lines, and names wrapped over several lines joined.

use super::*;

/// True for an amount token: `37,188.34`, `0`, `96282213.44`, `-3.5`.
pub(super) fn is_amount(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    if t.is_empty() || !t.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let mut dot = false;
    for (i, ch) in t.char_indices() {
        match ch {
            '0'..='9' => {}
            ',' if !dot && i > 0 => {}
            '.' if !dot => dot = true,
            _ => return false,
        }
    }
    !t.ends_with([',', '.'])
}

/// True for a token that can be a classification code (3, 5 or 7 digits).
pub(super) fn is_code(t: &str) -> bool {
    matches!(t.len(), 3 | 5 | 7) && t.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn is_split_part(t: &str) -> bool {
    t.len() == 2 && t.chars().all(|c| c.is_ascii_digit())
}

/// One code-led segment of a table line.
#[derive(Debug, Clone)]
pub(super) struct Seg {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) nums: Vec<String>,
    /// A token printed where a figure belongs that is not a figure (`16726725.4x`).
    pub(super) bad: Option<String>,
}

/// A token that starts like a number (a digit, or a sign then a digit).
pub(super) fn looks_numeric(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    t.starts_with(|c: char| c.is_ascii_digit())
}

/// A table line as code-led segments, or None when the line does not start with a code.
pub(super) fn segments(text: &str) -> Option<Vec<Seg>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    if toks.is_empty() || !is_code(toks[0]) {
        return None;
    }
    let mut out: Vec<Seg> = vec![];
    let mut bad: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        // the code, maybe printed as 类 款 项 in separate columns
        let mut code = toks[i].to_string();
        i += 1;
        if code.len() == 3 {
            while code.len() < 7 && i < toks.len() {
                let t = toks[i];
                if is_split_part(t) {
                    code.push_str(t);
                } else if t.len() == 1
                    && t.chars().all(|c| c.is_ascii_digit())
                    && toks.get(i + 1).is_some_and(|n| !is_amount(n))
                {
                    // a spreadsheet export drops the leading zero: `301 2 津贴补贴` is 30102
                    code.push('0');
                    code.push_str(t);
                } else {
                    break;
                }
                i += 1;
            }
        }
        let mut name = String::new();
        while i < toks.len() && !is_amount(toks[i]) {
            if looks_numeric(toks[i]) {
                bad = bad.or(Some(toks[i].to_string()));
            }
            name.push_str(toks[i]);
            i += 1;
        }
        let mut nums = vec![];
        while i < toks.len() && is_amount(toks[i]) {
            // a code-like token followed by a name starts the next side-by-side segment
            // (or a split code: `302 01 办公费`)
            let named = |k: usize| toks.get(k).is_some_and(|t| !is_amount(t));
            // (a row of the left table may print no figure at all: `301 03 奖金 302 03 …`)
            let started = !nums.is_empty() || !name.is_empty();
            if started
                && is_code(toks[i])
                && (named(i + 1)
                    || toks[i].len() == 3
                        && toks.get(i + 1).is_some_and(|t| is_split_part(t))
                        && named(i + 2))
            {
                break;
            }
            nums.push(toks[i].to_string());
            i += 1;
        }
        if i < toks.len() && !is_code(toks[i]) && looks_numeric(toks[i]) {
            bad = bad.or(Some(toks[i].to_string()));
        }
        out.push(Seg {
            code,
            name,
            nums,
            bad: bad.take(),
        });
        if i < toks.len() && !is_code(toks[i]) {
            if looks_numeric(toks[i]) {
                // a broken figure after good ones: keep the row, it reports the figure
                i = toks.len();
                continue;
            }
            return None; // text after the figures: not a code row
        }
    }
    Some(out)
}

/// Words that make up table headers (repeated on each page); a line made only of
/// them is a header line, never part of a name.
pub(super) const HEADER_WORDS: &[&str] = &[
    "功能分类科目编码",
    "功能分类科目名称",
    "部门预算经济分类科目",
    "经济分类科目名称",
    "功能科目编码",
    "功能科目代码",
    "功能科目名称",
    "科目编码",
    "科目代码",
    "科目名称",
    "功能分类",
    "经济分类",
    "编码",
    "一般公共预算基本支出",
    "一般公共预算支出",
    "政府性基金预算支出",
    "国有资本经营预算支出",
    "本年支出合计",
    "本年收入合计",
    "财政拨款收入",
    "上级补助收入",
    "事业单位",
    "经营收入",
    "事业收入",
    "其他收入",
    "附属单位",
    "上缴收入",
    "上缴上级支出",
    "经营支出",
    "对附属单位补",
    "助支出",
    "收入预算",
    "支出预算",
    "机关运行经费支出",
    "基本支出",
    "项目支出",
    "人员经费",
    "公用经费",
    "决算数",
    "预算数",
    "决算金额",
    "预算金额",
    "合计",
    "金额",
    "项目",
    "类",
    "款",
    "项",
];

pub(super) fn is_header_line(c: &str) -> bool {
    let mut rest = c.to_string();
    for w in HEADER_WORDS {
        rest = rest.replace(w, "");
    }
    rest.is_empty()
}

/// The line ends a table: a note, a new part of the document, or prose.
pub(super) fn ends_table(c: &str) -> bool {
    looks_like_a_title(c)
        || c.starts_with('注')
        || c.starts_with('：')
        || c.starts_with("说明")
        || c.starts_with("此表为空")
        || c.starts_with('第') && c.contains("部分")
}

/// A table title is only a title when a unit line (单位…) follows within a few
/// lines: the table of contents lists the same titles without one.
pub(super) fn unit_line_follows(p: &P, i: usize) -> bool {
    // a title wrapped onto a second line (`…培训费` / `支出预算表`): look after both
    let skip = 1 + usize::from(title_kind(&p.lines[i].c).is_none());
    p.lines[(i + skip).min(p.lines.len())..]
        .iter()
        .take(4)
        .take_while(|l| title_kind(&l.c).is_none())
        .any(|l| {
            is_unit_line(&l.c)
                || ["部门名称", "编制部门", "部门："]
                    .iter()
                    .any(|w| l.c.starts_with(w))
                || is_header_line(&l.c)
        })
}

/// A line stating a unit (单位：万元, 部门名称：… 单位:元).
pub(super) fn is_unit_line(c: &str) -> bool {
    ["单位：", "单位:", "单位"].iter().any(|p| c.starts_with(p))
        || c.contains("单位：")
        || c.contains("单位:")
}

/// The unit of a table from its header lines.
pub(super) fn unit_of(header: &[&L]) -> Option<Unit> {
    let joined: String = header.iter().map(|l| l.c.as_str()).collect();
    // every `单位`: the first may be a label such as 编制单位：上海市…
    joined.match_indices("单位").find_map(|(at, _)| {
        let rest = joined[at + "单位".len()..].trim_start_matches(['：', ':']);
        if rest.starts_with("万元") {
            Some(Unit::Wan)
        } else if rest.starts_with('元') {
            Some(Unit::Yuan)
        } else if rest.starts_with('万') && rest.contains('元') {
            // `单位：万` with `元` wrapped onto the next printed line
            Some(Unit::Wan)
        } else {
            None
        }
    })
}

/// `公开05表`: the number a Jiangsu-style disclosure prints above each table title.
pub(super) fn is_table_label(c: &str) -> bool {
    c.strip_prefix("公开")
        .and_then(|r| r.strip_suffix('表'))
        .is_some_and(|d| !d.is_empty() && d.chars().all(|ch| ch.is_ascii_digit()))
}

/// A total row: `合计 …`, `合 计`, `人员经费合计 4884.09 公用经费合计 480.66`.
/// A row whose cells wrap inside it, read from the PDF as two lines: the codes and the
/// start of a name above (`301 08 机关事业单位基本养老保险缴`), the rest of the name and
/// the figures below (`费 160.75 302 06 电费`). The two lines are one row when the upper
/// one starts with a code and prints no figure, and the lower one (a short line) starts
/// with neither a code, a figure, a total nor a note; their words are put together by position (a word under another
/// continues it: `缴` + `费`). Without positions (a text file) lines stay as they are.
pub(super) fn join_wrapped_rows(lines: &[L]) -> Vec<L> {
    let figure = |w: &str| is_amount(w) && (w.contains('.') || w.contains(','));
    let words = |l: &L| -> Option<Vec<(f32, f32, String)>> {
        let w: Vec<&str> = l.text.split(' ').collect();
        (!l.xs.is_empty() && w.len() == l.xs.len()).then(|| {
            w.iter()
                .zip(&l.xs)
                .map(|(t, x)| (x.0, x.1, t.to_string()))
                .collect()
        })
    };
    let mut out: Vec<L> = vec![];
    let mut i = 0;
    while i < lines.len() {
        let a = &lines[i];
        let Some(b) = lines.get(i + 1) else {
            out.push(a.clone());
            break;
        };
        let (Some(aw), Some(bw)) = (words(a), words(b)) else {
            out.push(a.clone());
            i += 1;
            continue;
        };
        let joins = is_code(&aw[0].2)
            && !aw.iter().any(|w| figure(&w.2))
            && !is_code(&bw[0].2)
            && !figure(&bw[0].2)
            && !total_label(&b.text)
            && !b.c.starts_with('注')
            && !b.c.starts_with("说明")
            && misprinted_code_row(&b.text).is_none()
            && b.c.chars().count() <= 40;
        if !joins {
            out.push(a.clone());
            i += 1;
            continue;
        }
        // the upper line's cells: runs of words that are neither codes nor figures (a
        // name may print as one word or as one word a character); a word of the lower
        // line under a run's span ends that cell's text (`因公出国（境）费` + `用`), any
        // other word takes its place by its left edge
        let cell = |w: &str| !is_code(w) && !is_amount(w) && !is_split_part(w);
        let mut merged: Vec<(f32, f32, String)> = aw;
        let mut runs: Vec<(usize, usize)> = vec![];
        let mut k = 0;
        while k < merged.len() {
            if cell(&merged[k].2) {
                let s0 = k;
                while k + 1 < merged.len() && cell(&merged[k + 1].2) {
                    k += 1;
                }
                runs.push((s0, k));
            }
            k += 1;
        }
        let mut tails: Vec<String> = vec![String::new(); merged.len()];
        let mut free: Vec<(f32, f32, String)> = vec![];
        for w in bw {
            let under = runs
                .iter()
                .find(|(s0, s1)| cell(&w.2) && w.0 < merged[*s1].1 && w.1 > merged[*s0].0);
            match under {
                Some(&(_, s1)) => tails[s1].push_str(&w.2),
                None => free.push(w),
            }
        }
        for (m, t) in merged.iter_mut().zip(&tails) {
            m.2.push_str(t);
        }
        merged.extend(free);
        merged.sort_by(|p, q| p.0.total_cmp(&q.0));
        let text = merged
            .iter()
            .map(|w| w.2.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(L {
            no: a.no,
            c: compact(&text),
            xs: merged.iter().map(|w| (w.0, w.1)).collect(),
            text,
        });
        i += 2;
    }
    out
}

pub(super) fn total_label(text: &str) -> bool {
    let mut groups: Vec<String> = vec![];
    let mut cur = String::new();
    let mut figures = false;
    for t in text.split_whitespace() {
        if is_amount(t) {
            figures = true;
            if !cur.is_empty() {
                groups.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push_str(t);
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    !groups.is_empty()
        && groups.iter().all(|g| {
            g == "合计" || g == "总计" || figures && g.ends_with("合计") && g.chars().count() <= 8
        })
}

/// The figures of a line that holds only figures.
pub(super) fn figures_only(text: &str) -> Option<Vec<&str>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    (!toks.is_empty() && toks.iter().all(|t| is_amount(t))).then_some(toks)
}

/// A row of at least two figures after a short label of words (`合计 1.2 3.4`):
/// the figures. A label is at most 8 characters and holds no figure.
pub(super) fn labelled_figures(text: &str) -> Option<Vec<&str>> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let k = toks.iter().position(|t| is_amount(t))?;
    let label: String = toks[..k].concat();
    let figs = &toks[k..];
    // (digits only in a year: `2024年决算数`)
    let digits_ok = label.contains('年') || !label.contains(|c: char| c.is_ascii_digit());
    (k > 0
        && label.chars().count() <= 8
        && digits_ok
        && figs.len() >= 2
        && figs.iter().all(|t| is_amount(t)))
    .then(|| figs.to_vec())
}
