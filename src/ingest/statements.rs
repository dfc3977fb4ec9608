//! What the prose (情况说明) states, sentence by sentence, as figures AUDIT can check:
//! a subject's amount for the year, the year it is compared with, the change, the
//! percentage, a share and what it is a share of, the reason given — each as printed,
//! a typo kept as a typo. Nothing here feeds the other tables: a figure a sentence
//! states never replaces one a table prints.
//!
//! The reading is clause by clause (`，` `；` `。`), in the order the sentence runs:
//! `基本支出 12323.46 万元` opens a subject; `与上年相比增加 1670.85 万元，增长 13.56 %`
//! adds its change; `2025年当年预算执行数为 1690.69 万元` its prior amount;
//! `2026年预算安排 1434.89 万元` restates its amount; `占“三公”经费的 8.75%` its share.
//! A sentence without a subject of its own (`与上年相比减少了…`) continues the previous
//! sentence's subject within the same numbered item.

use super::amount::{parse_amount, parse_decimal, yuan_to_wan};
use super::Records;
use regex::Regex;
use rust_decimal::Decimal;
use std::sync::LazyLock;

/// One subject a sentence states figures for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatementRec {
    pub line: usize,
    /// `figure` (a sentence's figures) or `empty note` (a note calling the table above
    /// it empty; `amount` is then the largest figure that table prints).
    pub kind: &'static str,
    /// What the figures are of, as printed (enumeration, year and department stripped).
    pub subject: String,
    /// The functional classification code the sentence names (`（204类）（06款）（01项）`).
    pub func_code: Option<String>,
    /// The amount stated for the document's year (万元).
    pub amount: Option<Decimal>,
    /// A second, different amount stated for the same subject and year (`预算安排 …`).
    pub restated: Option<Decimal>,
    /// The year the sentence compares with, as printed (`上年` = the year before).
    pub prior_year: Option<i32>,
    /// The prior year's amount, where the sentence states it (`执行数为 …`).
    pub prior_amount: Option<Decimal>,
    /// The stated change, signed by its direction word.
    pub change: Option<Decimal>,
    /// `increase`, `decrease` or `unchanged`, from the direction word.
    pub direction: Option<&'static str>,
    /// The stated percentage change, as printed (unsigned).
    pub percent: Option<Decimal>,
    /// The stated share, in percent (`占 … 8.75%`).
    pub share: Option<Decimal>,
    /// What the share is of, as printed (`“三公”经费`); empty when the sentence only
    /// says `占 …%` of the total it lists the part under.
    pub share_of: Option<String>,
    /// The amount the share is of, where the document states it.
    pub share_base: Option<Decimal>,
    /// The reason given (`主要原因是：…`).
    pub reason: Option<String>,
    /// The sentence, as read (spaces removed).
    pub text: String,
}

static AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d[\d,]*(?:\.\d+)?)(万元|元)").expect("static regex"));
static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)[%％]").expect("static regex"));
static DIRECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(增加|增长|增幅|上升|提高|减少|下降|降幅|降低|减幅|持平|相等|相同|不变)")
        .expect("static regex")
});
static COMPARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:与|比|较)(?:上年|上一年|(\d{4})\s*年)").expect("static regex")
});
static ENUM_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．](?:\D|$))")
        .expect("static regex")
});
static YEAR_LEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^.*?\d{4}年(?:度)?[，,]?").expect("static regex"));
static CODE_PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(](\d{2,3})(类|款|项)[)）]").expect("static regex"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{4})年").expect("static regex"));
static THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d),(\d{3})").expect("static regex"));
static EMPTY_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"本表为空表|此表为空表|故本表为空|故本表无数据|本表无数据").expect("static regex")
});

/// A line is the start of a numbered item (`一、` `（二）` `3、` `（4）`).
fn starts_item(c: &str) -> bool {
    ENUM_PREFIX.is_match(c)
}

fn signed(direction: &str, d: Decimal) -> Decimal {
    if direction == "decrease" {
        -d
    } else {
        d
    }
}

fn direction_of(word: &str) -> &'static str {
    match word {
        "增加" | "增长" | "增幅" | "上升" | "提高" => "increase",
        "减少" | "下降" | "降幅" | "降低" | "减幅" => "decrease",
        _ => "unchanged",
    }
}

/// The amount a match states, in 万元 (exact, as the tables' money; a figure finer
/// than the stored scale is left out rather than rounded).
fn amount(m: &regex::Captures) -> Option<Decimal> {
    if &m[2] == "元" {
        yuan_to_wan(parse_decimal(&m[1]).ok()??).ok()
    } else {
        parse_amount(&m[1]).ok()?
    }
}

/// The subject a clause's text before its amount names: the last name in it, without
/// numbering, year and department, codes read out.
fn subject(prefix: &str, dept_name: &str) -> (String, Option<String>) {
    let mut s = prefix.to_string();
    if let Some(m) = ENUM_PREFIX.find(&s) {
        let end = m.end();
        // keep the non-digit the pattern looked at
        let cut = s[..end]
            .char_indices()
            .rev()
            .find(|(_, c)| matches!(c, '、' | '.' | '．' | ')' | '）'))
            .map_or(end, |(i, c)| i + c.len_utf8());
        s = s[cut..].to_string();
    }
    // a heading run into its first sentence (`收入预算情况说明省检察院本年收入预算合计`)
    if let Some(k) = s.rfind("情况说明") {
        s = s[k + "情况说明".len()..].to_string();
    }
    if let Some(m) = YEAR_LEAD.find(&s) {
        if m.end() < s.len() {
            s = s[m.end()..].to_string();
        }
    }
    if !dept_name.is_empty() {
        if let Some(rest) = s.strip_prefix(dept_name) {
            s = rest.to_string();
        }
    }
    for lead in ["此外", "其中", "主要用于以下方面", "主要用于"] {
        if let Some(rest) = s.strip_prefix(lead) {
            s = rest.trim_start_matches(['，', ',', '：', ':']).to_string();
        }
    }
    let mut code = String::new();
    let mut name = None;
    let mut prev_end = 0;
    for m in CODE_PART.captures_iter(&s) {
        let whole = m.get_match();
        code.push_str(&m[1]);
        name = Some(s[prev_end..whole.start()].to_string());
        prev_end = whole.end();
    }
    let code = (code.len() >= 3).then_some(code);
    let subject = match (&code, name) {
        (Some(_), Some(n)) if !n.is_empty() => n,
        _ => CODE_PART.replace_all(&s, "").into_owned(),
    };
    let subject = subject
        .trim_matches(['“', '”', '"'])
        .trim_end_matches(['为', '：', ':', '，', ','])
        .trim_end_matches("共计")
        .trim_end_matches("合计为")
        .to_string();
    (subject, code)
}

/// Reads the statements of the prose lines (line number, compact text), in order.
/// `year` is the document's year; `records` are the tables already read (for the base
/// of a share: the 三公 total, the spending total).
pub fn read(
    lines: &[(usize, &str)],
    year: i32,
    dept_name: &str,
    records: &Records,
) -> Vec<StatementRec> {
    let mut out: Vec<StatementRec> = vec![];
    // one item at a time: consecutive lines from one numbered line to the next
    let mut items: Vec<Vec<(usize, &str)>> = vec![];
    for &(no, c) in lines {
        if items.is_empty() || starts_item(c) {
            items.push(vec![]);
        }
        if let Some(last) = items.last_mut() {
            last.push((no, c));
        }
    }
    for item in items {
        let mut text = String::new();
        let mut starts = vec![];
        for (no, c) in &item {
            starts.push((text.len(), *no));
            let mut c = c.to_string();
            while THOUSANDS.is_match(&c) {
                c = THOUSANDS.replace_all(&c, "$1$2").into_owned();
            }
            text.push_str(&c);
        }
        let line_at = |pos: usize| {
            let k = starts.partition_point(|(s, _)| *s <= pos);
            k.checked_sub(1).map_or(0, |k| starts[k].1)
        };
        read_item(&text, &line_at, year, dept_name, records, &mut out);
    }
    // a clause with a direction word but no figure states nothing to check
    out.retain(|s| {
        s.amount.is_some() || s.change.is_some() || s.percent.is_some() || s.share.is_some()
    });
    out
}

fn read_item(
    text: &str,
    line_at: &dyn Fn(usize) -> usize,
    year: i32,
    dept_name: &str,
    records: &Records,
    out: &mut Vec<StatementRec>,
) {
    // the statement clauses add to: its index in `out`
    let mut current: Option<usize> = None;
    // the subject a list (其中：…；…) is of
    let mut parent: Option<usize> = None;
    let mut pos = 0;
    for sentence in text.split_inclusive(['。', '！']) {
        let sentence_start = pos;
        pos += sentence.len();
        let mut in_reason = false;
        let mut sub_pos = sentence_start;
        for sub in sentence.split_inclusive(['；', ';']) {
            let sub_start = sub_pos;
            sub_pos += sub.len();
            let mut clause_pos = sub_start;
            // a colon opens a list whose parts are of the subject before it
            for (ci, seg) in sub.split_inclusive(['：', ':']).enumerate() {
                if ci > 0 && !in_reason {
                    parent = current;
                }
                for clause in seg.split_inclusive(['，', ',']) {
                    let at = clause_pos;
                    clause_pos += clause.len();
                    let c = clause.trim_end_matches(['，', ',', '；', ';', '。', '！', '：', ':']);
                    if c.is_empty() {
                        continue;
                    }
                    if c.starts_with("主要原因")
                        || c.starts_with("主要是")
                        || c.starts_with("原因是")
                    {
                        in_reason = true;
                    }
                    if in_reason {
                        if let Some(k) = current {
                            let r = out[k].reason.get_or_insert_with(String::new);
                            r.push_str(clause);
                        }
                        continue;
                    }
                    clause_into(
                        c,
                        at,
                        sentence,
                        line_at,
                        year,
                        dept_name,
                        &mut current,
                        parent,
                        out,
                    );
                }
            }
        }
    }
    // shares: resolve what they are of
    for s in out
        .iter_mut()
        .filter(|s| s.share.is_some() && s.share_base.is_none())
    {
        let of = s.share_of.clone().unwrap_or_default();
        if of.contains("三公") {
            s.share_base = records
                .three_public
                .iter()
                .find(|t| t.year == year && t.phase.is_none() && t.category == "合计")
                .and_then(|t| t.amount);
        } else if !of.is_empty() {
            // a total the summary prints under that name (本年支出合计), or the
            // spending total where the summary has no such row
            let named = records.budget_lines.iter().any(|b| b.item == of);
            let total = of == "本年支出合计" || of == "支出合计";
            s.share_base = records
                .budget_lines
                .iter()
                .find(|b| {
                    if named {
                        b.item == of
                    } else {
                        total && b.direction == "expense" && b.line_kind == "total"
                    }
                })
                .and_then(|b| b.amount);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn clause_into(
    c: &str,
    at: usize,
    sentence: &str,
    line_at: &dyn Fn(usize) -> usize,
    year: i32,
    dept_name: &str,
    current: &mut Option<usize>,
    parent: Option<usize>,
    out: &mut Vec<StatementRec>,
) {
    let amt = AMOUNT.captures(c);
    let pct = PERCENT.captures(c);
    let dir = DIRECTION.captures(c);
    let cmp = COMPARE.captures(c);
    let new = |out: &mut Vec<StatementRec>, current: &mut Option<usize>, subj: &str| {
        let (subject, func_code) = subject(subj, dept_name);
        out.push(StatementRec {
            line: line_at(at),
            subject,
            func_code,
            text: sentence.trim().to_string(),
            kind: "figure",
            ..Default::default()
        });
        *current = Some(out.len() - 1);
    };
    // a share: 占 … p%
    if let (Some(z), Some(p)) = (c.find('占'), &pct) {
        let pm = p.get_match();
        if z < pm.start() {
            // an amount before 占 opens the subject
            if let Some(a) = amt.as_ref().filter(|a| a.get_match().end() <= z) {
                new(out, current, &c[..a.get_match().start()]);
                let k = out.len() - 1;
                out[k].amount = amount(a);
            }
            if let Some(k) = *current {
                let of = c[z + '占'.len_utf8()..pm.start()]
                    .trim_end_matches('的')
                    .to_string();
                out[k].share = parse_decimal(&p[1]).ok().flatten();
                if of.is_empty() {
                    out[k].share_base = parent.filter(|&p| p != k).and_then(|p| out[p].amount);
                }
                out[k].share_of = Some(of);
            }
            return;
        }
    }
    // a change: [与上年相比|比2025年…] 增加 X 万元 | 增长 p% | 持平
    if let Some(d) = &dir {
        let dm = d.get_match();
        let word = direction_of(&d[1]);
        // the text before the comparison (or the direction word) may name a new subject
        let lead_end = cmp
            .as_ref()
            .map_or(dm.start(), |m| m.get_match().start().min(dm.start()));
        let lead = &c[..lead_end];
        let amount_before = amt.as_ref().filter(|a| a.get_match().end() <= lead_end);
        if let Some(a) = amount_before {
            new(out, current, &c[..a.get_match().start()]);
            let k = out.len() - 1;
            out[k].amount = amount(a);
        } else if !lead.is_empty()
            && (current.is_none() || current.is_some_and(|k| out[k].percent.is_some()))
        {
            // a second change in the same item is of a subject of its own
            new(out, current, lead);
        } else if current.is_some_and(|k| out[k].percent.is_some()) {
            // a further change without a subject (`按口径一致相比，…下降了4.39%`):
            // not this subject's
            return;
        }
        let Some(k) = *current else { return };
        let s = &mut out[k];
        s.direction.get_or_insert(word);
        if let Some(m) = &cmp {
            s.prior_year = Some(
                m.get(1)
                    .and_then(|y| y.as_str().parse().ok())
                    .unwrap_or(year - 1),
            );
        } else if s.prior_year.is_none() && (c.contains("上年") || sentence.contains("上年")) {
            s.prior_year = Some(year - 1);
        }
        if word == "unchanged" {
            s.change.get_or_insert(Decimal::ZERO);
            return;
        }
        if let Some(a) = amt.as_ref().filter(|a| a.get_match().start() >= dm.end()) {
            if let Some(v) = amount(a) {
                s.change.get_or_insert(signed(word, v));
            }
        }
        if let Some(p) = pct.as_ref().filter(|p| p.get_match().start() >= dm.end()) {
            s.percent = parse_decimal(&p[1]).ok().flatten();
            s.direction = Some(word);
        }
        return;
    }
    // a comparison without a direction word yet (`与上年相比，…`)
    if let Some(m) = &cmp {
        if amt.is_none() {
            if let Some(k) = *current {
                out[k].prior_year = Some(
                    m.get(1)
                        .and_then(|y| y.as_str().parse().ok())
                        .unwrap_or(year - 1),
                );
            }
            return;
        }
    }
    let Some(a) = amt else { return };
    let start = a.get_match().start();
    let prefix = &c[..start];
    if prefix.contains("执行数") || prefix.contains("上年预算") || prefix.contains("上年决算")
    {
        if let Some(k) = *current {
            out[k].prior_amount = amount(&a);
            out[k].prior_year = COMPARE
                .captures(prefix)
                .and_then(|m| m.get(1).and_then(|y| y.as_str().parse().ok()))
                .or_else(|| YEAR.captures(prefix)?.get(1)?.as_str().parse().ok())
                .or(Some(year - 1));
        }
        return;
    }
    if prefix.contains("预算安排") || prefix.ends_with("安排") {
        if let Some(k) = *current {
            let v = amount(&a);
            match out[k].amount {
                None => out[k].amount = v,
                Some(x) if Some(x) != v => out[k].restated = v,
                _ => {}
            }
            return;
        }
    }
    if prefix.is_empty() {
        if let Some(k) = *current {
            if out[k].amount.is_none() {
                out[k].amount = amount(&a);
                return;
            }
        }
    }
    new(out, current, prefix);
    let k = out.len() - 1;
    out[k].amount = amount(&a);
}

/// Notes that call the table above them empty (`本表为空表`), with the largest figure
/// that table prints (figures with a decimal point or a thousands separator; codes and
/// years are not figures). `lines` are (line number, text with its spaces).
pub fn empty_table_notes(lines: &[(usize, &str)]) -> Vec<StatementRec> {
    let mut out = vec![];
    for (i, (no, c)) in lines.iter().enumerate() {
        if !EMPTY_NOTE.is_match(c) {
            continue;
        }
        let mut largest = Decimal::ZERO;
        for (_, above) in lines[..i].iter().rev() {
            let above = above.trim();
            if above.ends_with('表') || above.contains("空表") {
                break;
            }
            for w in above.split(|ch: char| ch.is_whitespace()) {
                if let Ok(Some(d)) = parse_decimal(w) {
                    let figure = w.contains(['.', ','])
                        && w.chars()
                            .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == ',');
                    if figure && d > largest {
                        largest = d;
                    }
                }
            }
        }
        out.push(StatementRec {
            line: *no,
            kind: "empty note",
            subject: c.split_whitespace().collect(),
            amount: Some(largest),
            text: c.split_whitespace().collect(),
            ..Default::default()
        });
    }
    out
}
