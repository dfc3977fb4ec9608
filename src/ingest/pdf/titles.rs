//! Title and table recognition: a table's kind from its printed title (any ordinal, year,
//! department name or scope around it), the document's year, department and region.

use super::*;

/// A table title → its kind. `c` has no spaces; a leading ordinal (`一、`), 公开NN表,
/// year and the department's name (`…部门`) are ignored:
/// `一、2017年度江苏省高级人民法院部门收支预算总表` is a 收支预算总表.
pub(super) fn title_kind(c: &str) -> Option<Kind> {
    // every title ends with 表, or with the bracket after it: `…预算表（功能科目）`
    if !c.ends_with(['表', '）', ')']) {
        return None;
    }
    if let Some(k) = title_kind_exact(c) {
        return Some(k);
    }
    // an ordinal and a year before the name of the department whose table it is
    let s = ordinal(c).1;
    if let Some(k) = title_kind_exact(s) {
        return Some(k);
    }
    // then the name of the department whose table it is: the longest known title the
    // text ends with, after a plain name (no digits or punctuation, at most 30 characters)
    let s = strip_year(s);
    let plain = |name: &str| {
        name.chars().count() <= 30
            && !name.contains(|ch: char| ch.is_ascii_digit() || "，。：；、表".contains(ch))
    };
    s.char_indices()
        .skip(1)
        .find_map(|(i, _)| title_kind_exact(&s[i..]).filter(|_| plain(&s[..i])))
}

/// The name the prose opens its sentences with before the document's year, when two or
/// more sentences agree (`江苏省人大常委会办公厅2019年度收入、支出预算总计…`).
pub(super) fn prose_name(p: &P, year: i32) -> Option<(String, usize)> {
    let y = format!("{year}年");
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for l in &p.lines {
        let Some(at) = l.c.find(&y) else { continue };
        let name = &l.c[..at];
        if is_name(name, 4) {
            let e = counts.entry(name.to_string()).or_insert((0, l.no));
            e.0 += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, (c, _))| *c >= 2)
        .max_by_key(|(_, (c, _))| *c)
        .map(|(n, (_, line))| (n, line))
}

/// Whether `name` can be a department's name: `min`–30 characters, no digits or
/// punctuation, none of a sentence's words (关于, 根据 …) or a table's (财政拨款, 收入,
/// 预算 …), not a part's number (第…).
pub(super) fn is_name(name: &str, min: usize) -> bool {
    (min..=30).contains(&name.chars().count())
        && !name.contains(|ch: char| ch.is_ascii_digit() || "，。：；、（）()“”\"表".contains(ch))
        && !name.starts_with('第')
        && ![
            "关于",
            "根据",
            "按照",
            "编制",
            "本部门",
            "财政拨款",
            "一般公共",
            "政府性基金",
            "国有资本",
            "收入",
            "支出",
            "预算",
            "决算",
            "三公",
            "经费",
            "采购",
            "资产",
            "项目",
        ]
        .iter()
        .any(|w| name.contains(w))
}

/// The name a label line gives (`部门：…`, `编制单位：…`, `预算主管部门：…`), up to where
/// the unit label starts (`单位：万元`, `金额单位：万元`).
pub(super) fn label_name(c: &str) -> Option<String> {
    const LABELS: &[&str] = &[
        "预算主管部门",
        "预算单位",
        "部门名称",
        "编制部门",
        "编制单位",
        "单位名称",
        "部门",
    ];
    let rest = LABELS
        .iter()
        .find_map(|label| c.strip_prefix(label)?.strip_prefix(['：', ':']))?;
    let name = rest.split("单位").next().unwrap_or("");
    let name = name
        .strip_suffix("金额")
        .or_else(|| name.strip_suffix("货币"))
        .unwrap_or(name);
    (name.chars().count() >= 2).then(|| name.to_string())
}

/// The department's name a table title carries before the table's own name, after an
/// ordinal and a year (`九、2018年江苏省高级人民法院“三公”经费…表` → 江苏省高级人民法院).
pub(super) fn title_name(c: &str) -> Option<String> {
    if !c.ends_with(['表', '）', ')']) || title_kind(c).is_none() {
        return None;
    }
    let s = strip_year(ordinal(c).1);
    let s = s.strip_prefix("公开").map_or(s, |_| "");
    // the shortest table name the title ends with leaves the longest name before it
    s.char_indices()
        .skip(1)
        .filter(|(i, _)| title_kind_exact(&s[*i..]).is_some())
        .last()
        .map(|(i, _)| s[..i].trim_end_matches("部门").to_string())
        .filter(|n| is_name(n, 2))
}

/// The text after a leading year (`2017年度`, `2017年`, or digits alone).
pub(super) fn strip_year(s: &str) -> &str {
    let s = s.trim_start_matches(|ch: char| ch.is_ascii_digit());
    s.strip_prefix("年度")
        .or_else(|| s.strip_prefix('年'))
        .unwrap_or(s)
}

pub(super) fn title_kind_exact(c: &str) -> Option<Kind> {
    let mut s = c;
    if let Some(rest) = s.strip_prefix("公开") {
        if let Some(i) = rest.find('表') {
            if rest[..i].chars().all(|ch| ch.is_ascii_digit()) {
                // `公开 01 表：收支预算总表`
                s = rest[i + '表'.len_utf8()..].trim_start_matches(['：', ':']);
            }
        }
    }
    if s.len() > 7 && s.is_char_boundary(4) && s[..4].chars().all(|ch| ch.is_ascii_digit()) {
        s = strip_year(s);
    }
    let s = ["部门", "预算单位", "单位"]
        .iter()
        .find_map(|w| s.strip_prefix(w))
        .unwrap_or(s);
    // a scope printed after the title in brackets (`…支出预算表（一般公共预算）`) is read
    // as part of it, before its 表
    let s = match s
        .strip_suffix(['）', ')'])
        .and_then(|t| t.rsplit_once(['（', '(']))
    {
        // (not a continuation: `…表（续）`)
        Some((title, scope))
            if title.ends_with('表') && !scope.is_empty() && !scope.starts_with('续') =>
        {
            format!("{}{scope}表", &title[..title.len() - '表'.len_utf8()])
        }
        _ => s.to_string(),
    };
    let s = s.replace(['(', ')'], "").replace(['（', '）'], "");
    classify_title(&s)
}

/// The standard table a title names, by what it says rather than its exact wording
/// (收支预算总表 / 部门收支总表 / 财务收支预算总表 / 收入支出决算总表 are one table):
/// the content (收支总, 收入, 支出, 基本支出, 三公, 机关运行经费, 政府采购), the funds it
/// covers (财政拨款, 一般公共预算, 政府性基金, 国有资本经营, or all) and the
/// classification (功能/经济). Tables of projects, assets and the like are not
/// classification tables and are left to other readers.
pub(super) fn classify_title(s: &str) -> Option<Kind> {
    if !s.ends_with('表')
        && !s.ends_with("功能科目")
        && !s.ends_with("经济科目")
        && !s.ends_with("功能分类")
        && !s.ends_with("经济分类")
    {
        return None;
    }
    // a bare title is short; a longer one carries a department's name, which the caller
    // strips before asking again
    if s.chars().count() >= 30
        || s.contains(['，', '。', '；', ',', '：'])
        || [
            "说明",
            "空表",
            "详见",
            "附表",
            "本表",
            "情况表",
            "统计表",
            "绩效",
            "项目",
        ]
        .iter()
        .any(|w| s.contains(w))
    {
        return None;
    }
    if s.contains("三公") {
        return Some(Kind::ThreePublic);
    }
    if s.contains("政府采购") {
        return s.contains("预算").then_some(Kind::Procurement);
    }
    let fiscal = s.contains("财政拨款");
    let general = s.contains("一般公共预算");
    let gov_fund = s.contains("政府性基金");
    let state_capital = s.contains("国有资本经营");
    let economic = s.contains("经济");
    if s.contains("机关运行经费") {
        return (general || fiscal).then_some(Kind::EconOperating);
    }
    let summary = (s.contains("收支") || s.contains("收入支出")) && s.contains('总');
    if summary {
        return Some(if fiscal || general {
            Kind::FiscalSummary
        } else {
            Kind::Summary
        });
    }
    if s.contains("基本支出") {
        return Some(if general {
            Kind::EconGeneralBasic
        } else if fiscal {
            Kind::EconFiscalBasic
        } else {
            // a basic-spending table of all funds: not one of the standard views
            return None;
        });
    }
    if economic {
        // spending by economic class beyond basic spending: not read yet
        return None;
    }
    let spending = s.contains("支出");
    if s.contains("收入") && !spending {
        return (!fiscal && !general && !gov_fund && !state_capital).then_some(Kind::Income);
    }
    if !spending {
        return None;
    }
    Some(if gov_fund {
        Kind::FuncGovFund
    } else if state_capital {
        Kind::FuncStateCapital
    } else if general {
        Kind::FuncGeneral
    } else if fiscal {
        Kind::FuncFiscal
    } else {
        Kind::Spending
    })
}

/// A line printed like a table's title even when budgetql does not know the table
/// (`七、2017年度…部门政府性基金支出预算表`): a table ends before it, never takes in
/// the next table's rows.
pub(super) fn looks_like_a_title(c: &str) -> bool {
    let n = c.chars().count();
    (4..=50).contains(&n)
        && c.ends_with('表')
        && (c.contains("预算") || c.contains("决算"))
        && !c.contains(|ch: char| "，。；：".contains(ch))
        && (c.starts_with(|ch: char| "一二三四五六七八九十".contains(ch))
            || c.starts_with("公开")
            || c.starts_with(|ch: char| ch.is_ascii_digit()))
}

/// The budget year and phase from the title on the first page(s):
/// `2019 年度部门预算公开`, `上海市普陀区2026年区级部门预算`, `2024 年度部门决算`.
/// `2019 年度部门预算公开`, `上海市普陀区2026年区级单位预算`: the name (if any) before the year.
pub(super) static YEAR_TITLE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(\d{4})(?:年度?)?(?:区级|市级|省级|县级)?(?:部门|单位)(预算|决算)")
        .expect("static regex")
});

/// Names the document prints for itself other than its department's: a table header
/// (`上海市规划和自然资源局 2024 年度部门决算表`) or a label (`部门：…`) whose key differs from
/// the document's (a wrap-cut label or an abbreviation with the same key is the same
/// name), as `statements` rows of kind `name` for AUDIT (R25).
pub(super) fn other_names(
    p: &P,
    dept_name: &str,
    region: Option<&str>,
) -> Vec<crate::ingest::statements::StatementRec> {
    let own = crate::ingest::department::key(dept_name, region).0;
    let mut out: Vec<crate::ingest::statements::StatementRec> = vec![];
    for l in &p.lines {
        // (a heading: the title ends the line, `…部门决算表`, not a sentence that goes on)
        let heading = YEAR_TITLE
            .find(&l.c)
            .filter(|m| matches!(&l.c[m.end()..], "" | "表" | "公开" | "信息公开"));
        let name = if let Some(m) = heading {
            l.c[..m.start()].to_string()
        } else if let Some(n) = label_name(&l.c) {
            n
        } else {
            continue;
        };
        if !is_name(&name, 4) || dept_name.starts_with(&name) || name.starts_with(dept_name) {
            continue;
        }
        if crate::ingest::department::key(&name, region).0 == own
            || out.iter().any(|s| s.subject == name)
        {
            continue;
        }
        out.push(crate::ingest::statements::StatementRec {
            line: l.no,
            kind: "name",
            subject: name,
            text: l.c.clone(),
            ..Default::default()
        });
    }
    out
}

pub(super) fn title(p: &P) -> Result<(i32, &'static str, usize, String), IngestError> {
    let before = &*YEAR_TITLE;
    // `2017 年度江苏省高级人民法院部门预算公开`, `2018 年度江苏省高级人民法院预算公开`: the name after it
    static AFTER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(\d{4})(?:年度?)?([^\d，。：、]{2,40}?)(预算|决算)(?:公开|信息公开|情况说明|$)",
        )
        .expect("static regex")
    });
    // a table's own title: `2019年政府采购预算表`, `2024年部门收支预算总表`
    static TABLE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^[^\d]{0,30}?(\d{4})年度?[^\d，。：]{0,30}?(预算|决算)?[^\d，。：]{0,20}表$",
        )
        .expect("static regex")
    });
    // join the title page's lines (a title may wrap; the table of contents ends it) and
    // remember where each came from
    let page1 = Joined::new(p.lines.iter().take(12).take_while(|l| l.c != "目录"));
    let (joined, line_of) = (&page1.text, |at: usize| page1.line_at(at));
    let phase_of = |w: &str| if w == "决算" { "final" } else { "budget" };
    let plausible = |y: i32| (1990..=2100).contains(&y);
    if let Some(m) = before.captures(&joined) {
        let year: i32 = m[1].parse().unwrap_or(0);
        if plausible(year) {
            let at = m.get(0).map_or(0, |g| g.start());
            // the text before the year on the title page names the department or its region
            return Ok((year, phase_of(&m[2]), line_of(at), joined[..at].to_string()));
        }
    }
    if let Some(m) = AFTER.captures(&joined) {
        let year: i32 = m[1].parse().unwrap_or(0);
        if plausible(year) {
            let at = m.get(0).map_or(0, |g| g.start());
            let name = m[2].trim_end_matches("部门").to_string();
            return Ok((year, phase_of(&m[3]), line_of(at), name));
        }
    }
    // no title page (a tables-only PDF): a running header or heading that names the
    // year the way a title page does (`江苏省人民检察院2019年部门预算`), the most frequent
    let mut years: BTreeMap<i32, (usize, &'static str, usize)> = BTreeMap::new();
    for l in &p.lines {
        if let Some(m) = before.captures(&l.c) {
            let year: i32 = m[1].parse().unwrap_or(0);
            if plausible(year) {
                let e = years.entry(year).or_insert((0, phase_of(&m[2]), l.no));
                e.0 += 1;
            }
        }
    }
    if let Some((&year, &(_, phase, line))) = years.iter().max_by_key(|(_, v)| v.0) {
        // the heading's text before the year names the department when it is a name
        // (`上海市普陀区财政局2024年度部门决算`)
        let name = p
            .lines
            .iter()
            .find(|l| l.no == line)
            .and_then(|l| before.find(&l.c).map(|m| l.c[..m.start()].to_string()))
            .map(|n| {
                // `第二部分上海市普陀区财政局…`: the part's number is not the name
                let n = n
                    .strip_prefix('第')
                    .and_then(|r| r.split_once("部分"))
                    .map_or(n.as_str(), |(_, r)| r);
                n.to_string()
            })
            .filter(|n| is_name(n, 2))
            .unwrap_or_default();
        return Ok((year, phase, line, name));
    }
    // else the year the tables' own titles print, when they agree; 决算 when any of
    // the document's tables is a 决算 table
    let final_tables = p
        .lines
        .iter()
        .any(|l| l.c.contains("决算") && l.c.ends_with('表') && title_kind(&l.c).is_some());
    let mut found: Vec<(i32, &'static str, usize)> = vec![];
    for l in &p.lines {
        if let Some(m) = TABLE.captures(&l.c) {
            let year: i32 = m[1].parse().unwrap_or(0);
            if plausible(year) {
                found.push((
                    year,
                    m.get(2).map_or("budget", |g| phase_of(g.as_str())),
                    l.no,
                ));
            }
        }
    }
    if let Some(&(year, phase, line)) = found.first() {
        if found.iter().all(|f| f.0 == year) {
            let phase = if final_tables { "final" } else { phase };
            return Ok((year, phase, line, String::new()));
        }
    }
    Err(IngestError::Document {
        file: p.file.to_string(),
        message: "no budget year found: expected a title such as `2019 年度部门预算公开`, `2026年区级部门预算` or `2024 年度部门决算` on the first page, or a year in the tables' titles (`2019年政府采购预算表`)".into(),
    })
}

/// The department's name: a labelled line (预算主管部门：/部门名称：/编制部门：/部门：)
/// or the title page's text before the year.
pub(super) fn department(p: &P, prefix: &str, title_line: usize) -> (String, usize) {
    let mut labelled: Vec<(String, usize)> = vec![];
    for (k, l) in p.lines.iter().enumerate() {
        if let Some(name) = label_name(&l.c) {
            labelled.push((name, l.no));
        } else if let Some(next) = p
            .lines
            .get(k + 1)
            .filter(|_| l.c.ends_with(['：', ':']) && label_name(&format!("{}名称", l.c)).is_some())
        {
            // the label's cell and the name's printed one per line (`部门名称：` / `江苏省…`)
            if let Some(name) = label_name(&format!("{}{}", l.c, next.c)) {
                labelled.push((name, next.no));
            }
        }
    }
    let Some((name, line)) = labelled.first().cloned() else {
        return (prefix.to_string(), title_line);
    };
    // a labelled name cut where its cell wraps (部门名称：江苏省人大 / 常委会办公厅): the
    // title page's longer name, or a longer label of another table, is the whole one
    // (compared by key too: the title page may print the full form of a name the label
    // cuts in its short form, 江苏省人民代表大会常务委员会办公厅 / 江苏省人大)
    let key = |n: &str| crate::ingest::department::key(n, None).0;
    if prefix.len() > name.len()
        && (prefix.starts_with(&name) || key(prefix).starts_with(&key(&name)))
    {
        return (prefix.to_string(), title_line);
    }
    // (the longer label only when more tables print it than the cut one: `…法院` and
    // one stray `…法院元` keep the first)
    let count = |n: &str| labelled.iter().filter(|(m, _)| m == n).count();
    if let Some(longer) = labelled
        .iter()
        .filter(|(n, _)| n.len() > name.len() && n.starts_with(&name) && count(n) > count(&name))
        .max_by_key(|(n, _)| count(n))
    {
        return longer.clone();
    }
    (name, line)
}

/// The place a department belongs to: its province/city/district words.
pub(super) fn region_of(name: &str) -> Option<String> {
    static REGION: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^(?:[^省市区县]{2,6}?(?:省|自治区))?(?:[^省市区县]{2,6}?市)?(?:[^省市区县]{2,6}?(?:区|县))?").expect("static regex")
    });
    let re = &*REGION;
    let m = re.find(name)?.as_str();
    (!m.is_empty()).then(|| m.to_string())
}

/// The kind of the table whose title is line `i`. A title too long for the page wraps
/// its last characters onto the next line (`“三公”经费、会议费、培训费支出预算` / `表`).
pub(super) fn title_at(p: &P, i: usize) -> Option<Kind> {
    let l = p.lines.get(i)?;
    title_kind(&l.c).or_else(|| {
        let next = p.lines.get(i + 1)?;
        // (`表`, or the title's last words: `…培训费` / `支出预算表`), after a line
        // that starts like a title (a header fragment such as `结转和结余资金` above a
        // title does not)
        let n = next.c.chars().count();
        let starts_like_a_title = l.c.starts_with("公开")
            || l.c
                .starts_with(|ch: char| ch.is_ascii_digit() || "一二三四五六七八九十".contains(ch))
            || ["预算", "决算", "三公", "收支"]
                .iter()
                .any(|w| l.c.contains(w));
        (starts_like_a_title && (n <= 3 || n <= 6 && next.c.ends_with('表')))
            .then(|| title_kind(&format!("{}{}", l.c, next.c)))
            .flatten()
    })
}

/// Strip an ordinal (一、 / 1. / 1．) from a label; returns (level, label).
pub(super) fn ordinal(label: &str) -> (u8, &str) {
    if let Some(i) = label.find('、') {
        let head = &label[..i];
        if !head.is_empty() && head.chars().all(|c| "一二三四五六七八九十".contains(c)) {
            return (1, &label[i + '、'.len_utf8()..]);
        }
    }
    let digits = label.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        let rest = &label[digits..];
        for sep in ['.', '．', '、'] {
            if let Some(r) = rest.strip_prefix(sep) {
                return (2, r);
            }
        }
    }
    (0, label)
}
