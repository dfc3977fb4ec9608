//! Figures stated in sentences rather than tables: the budget year, income and
//! spending totals with their parts, the change against the prior year, 机关运行经费,
//! 三公 amounts of both years, each project's "预算数…万元" sentence, and the
//! functional classification codes explained in 名词解释.

use super::amount::{parse_amount, NumberError};
use super::lines::{clean, Item};
use super::*;
use crate::error::IngestError;
use regex::Regex;
use std::sync::LazyLock;

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new($pat).expect("a valid pattern"));
    };
}

const AMT: &str = r"(\d+(?:\.\d+)?)\s*万元";
const Q: &str = r"[“”「」‘’\x22]?";

re!(TITLE, r"^\s*(\d{4})\s*年(?:度)?\s*部门(?:预算|决算)");
re!(
    INCOME,
    &format!(r"(\d{{4}})年(?:部门)?预算收入(?:为|合计|总计)?\s*{AMT}[，,]?\s*其中[：:]\s*([^。]*)")
);
re!(
    EXPENSE,
    &format!(r"(\d{{4}})年(?:部门)?预算支出(?:为|合计|总计)?\s*{AMT}[，,]?\s*其中[：:]\s*([^。]*)")
);
re!(
    CHANGE,
    &format!(
        r"(\d{{4}})年(?:部门)?预算(?:较|比)(\d{{4}})年(增加|减少)\s*{AMT}[，,]?\s*(?:其中[：:]\s*([^。]*?))?(?:[，,]\s*主要原因|。|$)"
    )
);
re!(
    RUNNING,
    &format!(r"机关运行经费(?:共计)?(?:安排|预算为?)\s*{AMT}")
);
re!(
    TP_CURRENT,
    &format!(
        r"(\d{{4}})年{Q}三公经费?{Q}预算(?:总额|合计)?为?\s*{AMT}[，,]?\s*(?:其中[：:]\s*([^。]*))?"
    )
);
re!(
    TP_PRIOR,
    &format!(
        r"(\d{{4}})年{Q}三公经费?{Q}(?:预算)?(?:总额)?为\s*{AMT}[，,]?\s*(?:其中[：:]\s*([^。]*))?"
    )
);
re!(
    TP_CHANGE,
    &format!(
        r"与(\d{{4}})年相比[，,]\s*(\d{{4}})年{Q}三公经费?{Q}(增加|减少)了?\s*{AMT}[，,]?\s*(?:其中[：:]\s*([^。]*))?"
    )
);
re!(
    PART,
    r"([^，,、；;：:。]*?)(增加了|增加|减少了|减少|增长了|增长|下降了|下降)?\s*(\d+(?:\.\d+)?)\s*万元"
);
re!(STATED_BUDGET, &format!(r"预算(?:数|资金|金额)?为?\s*{AMT}"));
re!(STATED_FISCAL, &format!(r"财政资金\s*{AMT}"));
re!(STATED_OTHER, &format!(r"其他资金\s*{AMT}"));
re!(HEADING, r"^\s*[一二三四五六七八九十]+\s*[、.]");
re!(FUNC_CODE, r"(\d{3,7})\s*((?:（|\()(?:类|款|项)(?:）|\)))?");
re!(ENUM_PREFIX, r"^\s*(?:[（(]\s*\d+\s*[)）]|\d+\s*[、.．])\s*");

/// A paragraph: consecutive prose lines joined without separators (a Word
/// export breaks lines inside a sentence: `基本支出1056.27` / `万元，…`).
struct Para {
    text: String,
    starts: Vec<(usize, usize)>, // (byte offset in text, line)
}

impl Para {
    fn line_at(&self, byte: usize) -> usize {
        let mut line = self.starts.first().map(|s| s.1).unwrap_or(0);
        for (off, l) in &self.starts {
            if *off <= byte {
                line = *l;
            } else {
                break;
            }
        }
        line
    }
}

/// One stated figure of a sentence list like "基本支出1056.27万元，包括人员经费841.20万元…".
#[derive(Debug, Clone)]
struct Part {
    label: String,
    value: Decimal,
    line: usize,
    children: Vec<Part>,
}

fn money(p: &Parser, line: usize, s: &str) -> Result<Decimal, IngestError> {
    match parse_amount(s) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(p.err(line, format!("expected an amount, found `{s}`"))),
        Err(NumberError(m)) => Err(p.err(line, m)),
    }
}

fn sign(word: &str) -> Decimal {
    if word.starts_with("减少") || word.starts_with("下降") {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    }
}

fn strip_label(s: &str) -> String {
    let mut t = clean(s);
    for pre in ["其中", "包括", "和", "及", "以及", "另外"] {
        if let Some(r) = t.strip_prefix(pre) {
            t = clean(r);
        }
    }
    t
}

/// Parse "A1万元；B2万元，其中C1万元，D1万元；E3万元" into parts with children.
fn parts(p: &Parser, para: &Para, list: &str, offset: usize) -> Result<Vec<Part>, IngestError> {
    let mut out = vec![];
    // segments separated by ；/; with their byte offsets inside `list`
    let mut segs: Vec<(usize, &str)> = vec![];
    let mut from = 0;
    for (i, sep) in list.match_indices(['；', ';']) {
        segs.push((from, &list[from..i]));
        from = i + sep.len();
    }
    segs.push((from, &list[from..]));
    for (seg_off, seg) in segs {
        let base = offset + seg_off;
        let mut items: Vec<(Part, usize, usize)> = vec![];
        for m in PART.captures_iter(seg) {
            let whole = m.get(0).expect("match");
            let line = para.line_at(base + whole.start());
            let mut v = money(p, line, &m[3])?;
            if let Some(w) = m.get(2) {
                v *= sign(w.as_str());
            }
            items.push((
                Part {
                    label: strip_label(&m[1]),
                    value: v,
                    line,
                    children: vec![],
                },
                whole.start(),
                whole.end(),
            ));
        }
        if items.is_empty() {
            continue;
        }
        // "A1万元，其中B…" / "A1万元，包括B…": the first figure is the parent of the rest
        let nested = items.len() > 1 && {
            let between = &seg[items[0].2..items[1].2];
            between.contains("其中") || between.contains("包括")
        };
        if nested {
            let mut it = items.into_iter().map(|x| x.0);
            let mut parent = it.next().expect("non-empty");
            parent.children = it.collect();
            out.push(parent);
        } else {
            out.extend(items.into_iter().map(|x| x.0));
        }
    }
    Ok(out)
}

fn year(s: &str) -> i32 {
    s.parse().unwrap_or(0)
}

/// Handle the prose paragraph at `p.pos`, advancing past it; lines a rule used are marked.
pub(crate) fn try_text(p: &mut Parser) -> Result<(), IngestError> {
    let start = p.pos;
    let mut end = start;
    while end < p.items.len() {
        match &p.items[end] {
            Item::Text { text, .. } if end == start || !tables::is_project_title(text) => end += 1,
            _ => break,
        }
    }
    let mut para = Para {
        text: String::new(),
        starts: vec![],
    };
    for it in &p.items[start..end] {
        if let Item::Text { line, text } = it {
            para.starts.push((para.text.len(), *line));
            para.text.push_str(text);
        }
    }
    p.pos = end;
    let first_line = para.starts[0].1;
    let mut matched = false;

    // the title gives the budget year
    if let Some(m) = TITLE.captures(&para.text) {
        let y = year(&m[1]);
        match p.year {
            None => p.year = Some(y),
            Some(y0) if y0 != y => p.warn(
                first_line,
                format!("this heading names the year {y} but the document's title says {y0}"),
            ),
            _ => {}
        }
        matched = true;
    }

    // 功能分类名词解释: the list of classification codes that follows
    if para.text.contains("功能分类名词解释") || para.text.contains("功能分类科目解释")
    {
        p.in_func_classes = true;
        matched = true;
    } else if p.in_func_classes {
        if HEADING.is_match(&para.text) {
            p.in_func_classes = false;
        } else {
            for (k, it) in p.items[start..end].to_vec().iter().enumerate() {
                if let Item::Text { line, text } = it {
                    if func_class_line(p, *line, text) {
                        p.mark(start + k);
                    }
                }
            }
            return Ok(());
        }
    }

    let mut spans: Vec<(usize, usize)> = vec![];
    let text = para.text.clone();
    for (re, direction, total_item) in [
        (&*INCOME, "income", "收入合计"),
        (&*EXPENSE, "expense", "支出合计"),
    ] {
        if let Some(m) = re.captures(&text) {
            let whole = m.get(0).expect("m");
            let total = money(p, para.line_at(m.get(2).expect("group").start()), &m[2])?;
            push_line(
                p,
                para.line_at(whole.start()),
                direction,
                total_item,
                None,
                "total",
                Some(total),
            );
            let list = m.get(3).expect("group");
            for part in parts(p, &para, list.as_str(), list.start())? {
                push_tree(p, direction, total_item, &part);
            }
            spans.push((whole.start(), whole.end()));
        }
    }
    if let Some(m) = CHANGE.captures(&text) {
        let line = para.line_at(m.get(0).expect("m").start());
        let budget_year = year(&m[1]);
        let prior = year(&m[2]);
        let change = money(p, line, &m[4])? * sign(&m[3]);
        if let Some(y) = p.year {
            if budget_year != y {
                p.warn(
                    line,
                    format!(
                        "the change sentence speaks of {budget_year}, the document's year is {y}"
                    ),
                );
            }
        }
        set_change(p, line, "支出合计", Some("total"), change, prior);
        if let Some(list) = m.get(5) {
            for part in parts(p, &para, list.as_str(), list.start())? {
                set_change(p, part.line, &part.label, None, part.value, prior);
            }
        }
        spans.push((m.get(0).expect("m").start(), m.get(0).expect("m").end()));
    }
    if let Some(m) = RUNNING.captures(&text) {
        let line = para.line_at(m.get(0).expect("m").start());
        let v = money(p, line, &m[1])?;
        push_line(p, line, "expense", "机关运行经费", None, "memo", Some(v));
        spans.push((m.get(0).expect("m").start(), m.get(0).expect("m").end()));
    }
    let mut tp_years: Vec<i32> = vec![];
    for re in [&*TP_CURRENT, &*TP_PRIOR] {
        for m in re.captures_iter(&text) {
            let whole = m.get(0).expect("m");
            if spans
                .iter()
                .any(|(a, b)| whole.start() < *b && *a < whole.end())
            {
                continue;
            }
            let y = year(&m[1]);
            if tp_years.contains(&y) {
                continue;
            }
            tp_years.push(y);
            let line = para.line_at(whole.start());
            let total = money(p, line, &m[2])?;
            p.rec.three_public.push(ThreePublicRec {
                line,
                year: y,
                category: "合计".into(),
                label: "“三公”经费".into(),
                parent_category: None,
                amount: Some(total),
                change_vs_prior: None,
                prior_year: None,
                change_line: None,
                phase: None,
            });
            if let Some(list) = m.get(3) {
                for part in parts(p, &para, list.as_str(), list.start())? {
                    push_three_public(p, y, &part, Some("合计".into()));
                }
            }
            spans.push((whole.start(), whole.end()));
        }
    }
    if let Some(m) = TP_CHANGE.captures(&text) {
        let whole = m.get(0).expect("m");
        let line = para.line_at(whole.start());
        let prior = year(&m[1]);
        let y = year(&m[2]);
        let change = money(p, line, &m[4])? * sign(&m[3]);
        set_tp_change(p, line, y, "合计", "“三公”经费", change, prior);
        if let Some(list) = m.get(5) {
            for part in parts(p, &para, list.as_str(), list.start())? {
                let (cat, _) = tp_category(&part.label, !part.children.is_empty());
                set_tp_change(p, part.line, y, &cat, &part.label, part.value, prior);
                for c in &part.children {
                    let (cc, _) = tp_category(&c.label, false);
                    set_tp_change(p, c.line, y, &cc, &c.label, c.value, prior);
                }
            }
        }
        spans.push((whole.start(), whole.end()));
    }

    if !spans.is_empty() {
        matched = true;
        // a money figure outside every recognised sentence would be lost: say so
        let mut rest = String::new();
        let mut last = 0;
        spans.sort();
        for (a, b) in &spans {
            if *a >= last {
                rest.push_str(&text[last..*a]);
                last = *b;
            }
        }
        rest.push_str(&text[last.min(text.len())..]);
        if has_money_figure(&rest) {
            p.warn(
                first_line,
                format!(
                    "figures in this paragraph were not captured: `{}`",
                    lines::shorten(&rest, 60)
                ),
            );
        }
    }
    if matched {
        for k in start..end {
            p.mark(k);
        }
    }
    Ok(())
}

fn push_line(
    p: &mut Parser,
    line: usize,
    direction: &'static str,
    item: &str,
    parent: Option<&str>,
    kind: &'static str,
    amount: Option<Decimal>,
) {
    p.rec.budget_lines.push(BudgetLineRec::new(
        line, direction, item, parent, kind, amount,
    ));
}

fn push_tree(p: &mut Parser, direction: &'static str, parent: &str, part: &Part) {
    push_line(
        p,
        part.line,
        direction,
        &part.label,
        Some(parent),
        "part",
        Some(part.value),
    );
    for c in &part.children {
        push_tree(p, direction, &part.label, c);
    }
}

fn set_change(
    p: &mut Parser,
    line: usize,
    item: &str,
    kind: Option<&str>,
    change: Decimal,
    prior: i32,
) {
    let found = p.rec.budget_lines.iter_mut().rev().find(|b| {
        b.direction == "expense" && b.item == item && kind.is_none_or(|k| b.line_kind == k)
    });
    match found {
        Some(b) => {
            b.change_vs_prior = Some(change);
            b.prior_year = Some(prior);
            b.change_line = Some(line);
        }
        None => p.rec.budget_lines.push(BudgetLineRec {
            line,
            direction: "expense",
            item: item.to_string(),
            parent_item: Some("支出合计".into()),
            line_kind: "part",
            amount: None,
            change_vs_prior: Some(change),
            prior_year: Some(prior),
            change_line: Some(line),
        }),
    }
}

/// Canonical 三公 category and its parent for a label as printed.
fn tp_category(label: &str, has_children: bool) -> (String, Option<String>) {
    let l = match label.find("中的") {
        Some(i) => &label[i + "中的".len()..],
        None => label,
    };
    const CAR: &str = "公务用车购置及运行费";
    let s = |x: &str| x.to_string();
    if l.contains("出国") {
        (s("因公出国（境）费"), Some(s("合计")))
    } else if l.contains("接待") {
        (s("公务接待费"), Some(s("合计")))
    } else if l.contains("公务用车") || l.contains("车辆") {
        if has_children || (l.contains("购置") && (l.contains("运行") || l.contains("运维")))
        {
            (s(CAR), Some(s("合计")))
        } else if l.contains("购置") {
            (s("公务用车购置费"), Some(s(CAR)))
        } else {
            (s("公务用车运行维护费"), Some(s(CAR)))
        }
    } else {
        (l.to_string(), Some(s("合计")))
    }
}

fn push_three_public(p: &mut Parser, year: i32, part: &Part, _parent: Option<String>) {
    let (cat, parent) = tp_category(&part.label, !part.children.is_empty());
    p.rec.three_public.push(ThreePublicRec {
        line: part.line,
        year,
        category: cat.clone(),
        label: part.label.clone(),
        parent_category: parent,
        amount: Some(part.value),
        change_vs_prior: None,
        prior_year: None,
        change_line: None,
        phase: None,
    });
    for c in &part.children {
        let (cc, _) = tp_category(&c.label, false);
        p.rec.three_public.push(ThreePublicRec {
            line: c.line,
            year,
            category: cc,
            label: c.label.clone(),
            parent_category: Some(cat.clone()),
            amount: Some(c.value),
            change_vs_prior: None,
            prior_year: None,
            change_line: None,
            phase: None,
        });
    }
}

fn set_tp_change(
    p: &mut Parser,
    line: usize,
    year: i32,
    category: &str,
    label: &str,
    change: Decimal,
    prior: i32,
) {
    match p
        .rec
        .three_public
        .iter_mut()
        .find(|t| t.year == year && t.category == category)
    {
        Some(t) => {
            t.change_vs_prior = Some(change);
            t.prior_year = Some(prior);
            t.change_line = Some(line);
        }
        None => {
            let (_, parent) = tp_category(label, false);
            p.rec.three_public.push(ThreePublicRec {
                line,
                year,
                category: category.to_string(),
                label: label.to_string(),
                parent_category: parent,
                amount: None,
                change_vs_prior: Some(change),
                prior_year: Some(prior),
                change_line: Some(line),
                phase: None,
            });
        }
    }
}

/// "预算数15万元。其中：财政资金12万元，其他资金0万元。" → (15, 12, 0).
pub(crate) fn stated_budget(
    p: &Parser,
    line: usize,
    text: &str,
) -> Result<(Option<Decimal>, Option<Decimal>, Option<Decimal>), IngestError> {
    let get = |re: &Regex| -> Result<Option<Decimal>, IngestError> {
        match re.captures(text) {
            Some(m) => Ok(Some(money(p, line, &m[1])?)),
            None => Ok(None),
        }
    };
    Ok((
        get(&STATED_BUDGET)?,
        get(&STATED_FISCAL)?,
        get(&STATED_OTHER)?,
    ))
}

/// One line of the 功能分类名词解释 list; returns true when it held codes.
///   `（1）208社会保障和就业支出（类）20805行政事业单位离退休（款）：反映…`
///   `2080504未归口管理的行政单位离、退休（项）：反映…`
///   `（4）201（类）一般公共服务支出  20131（款） 党委办公厅（室）及相关机构事务：反映…`
fn func_class_line(p: &mut Parser, line: usize, text: &str) -> bool {
    let body = ENUM_PREFIX.replace(text, "").to_string();
    let (head, desc) = match body.find(['：', ':']) {
        Some(i) => {
            let sep_len = body[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            (&body[..i], Some(clean(&body[i + sep_len..])))
        }
        None => (body.as_str(), None),
    };
    let codes: Vec<regex::Captures> = FUNC_CODE.captures_iter(head).collect();
    let codes: Vec<regex::Captures> = codes
        .into_iter()
        .filter(|c| matches!(c[1].len(), 3 | 5 | 7))
        .collect();
    if codes.is_empty() || !head.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let n = codes.len();
    for (i, c) in codes.iter().enumerate() {
        let code = c[1].to_string();
        let from = c.get(0).expect("m").end();
        let to = codes
            .get(i + 1)
            .map(|x| x.get(0).expect("m").start())
            .unwrap_or(head.len());
        let raw_name = &head[from..to];
        let marker = c.get(2).map(|m| m.as_str().to_string()).or_else(|| {
            ["（类）", "（款）", "（项）", "(类)", "(款)", "(项)"]
                .iter()
                .find(|m| raw_name.contains(**m))
                .map(|m| m.to_string())
        });
        let mut name = raw_name.to_string();
        for m in ["（类）", "（款）", "（项）", "(类)", "(款)", "(项)"] {
            name = name.replace(m, "");
        }
        let name = clean(&name);
        let level = match code.len() {
            3 => "类",
            5 => "款",
            _ => "项",
        };
        if let Some(mk) = &marker {
            if !mk.contains(level) {
                p.warn(
                    line,
                    format!(
                        "code {code} has {} digits (a {level}) but is marked {mk}",
                        code.len()
                    ),
                );
            }
        }
        let parent_code = if code.len() > 3 {
            Some(code[..code.len() - 2].to_string())
        } else {
            None
        };
        p.rec.func_classes.push(FuncClassRec {
            line,
            code,
            level,
            parent_code,
            name,
            description: if i + 1 == n {
                desc.clone().filter(|d| !d.is_empty())
            } else {
                None
            },
        });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_public_categories() {
        assert_eq!(tp_category("公务出国", false).0, "因公出国（境）费");
        assert_eq!(
            tp_category("公务用车运行费", true).0,
            "公务用车购置及运行费"
        );
        assert_eq!(
            tp_category("公务用车购置及运维费", false).0,
            "公务用车购置及运行费"
        );
        assert_eq!(
            tp_category("公务用车购置及运维费中的公务用车购置费", false).0,
            "公务用车购置费"
        );
        assert_eq!(
            tp_category("公务用车运行维护费", false).0,
            "公务用车运行维护费"
        );
        assert_eq!(tp_category("公务接待", false).0, "公务接待费");
    }
}
