//! The document's tables, recognised by their header rows: units (部门机构设置),
//! procurement (政府采购预算), assets (固定资产占用), and the per-project
//! performance-goal tables (项目绩效目标表).

use super::amount::{parse_amount, parse_percent, parse_quantity, NumberError};
use super::lines::{clean, squash, Cell, Item, Row};
use super::narrative;
use super::target::parse_target;
use super::*;
use crate::error::IngestError;
use regex::Regex;
use std::sync::LazyLock;

fn amount(p: &Parser, cell: &Cell, what: &str) -> Result<Option<Decimal>, IngestError> {
    parse_amount(&cell.text).map_err(|NumberError(m)| {
        p.err(
            cell.line,
            format!("{what}: {m}; expected an amount in 万元 such as 12.50 or 0"),
        )
    })
}

fn quantity(p: &Parser, cell: &Cell, what: &str) -> Result<Option<Decimal>, IngestError> {
    parse_quantity(&cell.text)
        .map_err(|NumberError(m)| p.err(cell.line, format!("{what}: {m}; expected a number")))
}

fn opt(s: &str) -> Option<String> {
    let t = clean(s);
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

/// Try the table parsers on a row; returns true when one consumed it (and advanced `p.pos`).
pub(crate) fn try_table(p: &mut Parser, row: &Row) -> Result<bool, IngestError> {
    let heads: Vec<String> = row.cells.iter().map(|c| squash(&c.text)).collect();
    let h = |s: &str| heads.iter().any(|x| x == s);
    if h("单位名称") && h("单位性质") {
        units(p, row)?;
        return Ok(true);
    }
    if heads
        .first()
        .is_some_and(|x| x.starts_with("政府采购项目来源"))
    {
        procurement(p, row)?;
        return Ok(true);
    }
    if heads.first().is_some_and(|x| x == "项目")
        && heads.get(1).is_some_and(|x| x == "数量")
        && heads.get(2).is_some_and(|x| x.starts_with("价值"))
    {
        assets(p, row)?;
        return Ok(true);
    }
    Ok(false)
}

/// Rows following the header at `p.pos` until prose starts. Returns (item index, row).
fn body_rows(p: &Parser, from: usize) -> Vec<(usize, Row)> {
    let mut out = vec![];
    let mut i = from;
    while let Some(j) = p.next_nonblank(i) {
        match &p.items[j] {
            Item::Row(r) => out.push((j, r.clone())),
            _ => break,
        }
        i = j + 1;
    }
    out
}

fn units(p: &mut Parser, header: &Row) -> Result<(), IngestError> {
    let start = p.pos;
    p.mark(start);
    let col = |name: &str| header.cells.iter().position(|c| squash(&c.text) == name);
    let (c_name, c_kind, c_rank, c_fund) = (
        col("单位名称"),
        col("单位性质"),
        col("单位规格"),
        col("经费保障形式"),
    );
    let width = header.cells.len();
    let rows = body_rows(p, start + 1);
    let mut end = start + 1;
    for (j, r) in rows {
        end = j + 1;
        p.mark(j);
        if r.is_empty() {
            continue;
        }
        let first = squash(&r.cells[0].text);
        if first == "合计" || first == "总计" {
            continue;
        }
        if r.cells.len() != width {
            return Err(p.err(r.line(), format!(
                "a row of the unit table (部门机构设置, header at line {}) has {} cells but the header has {width}: `{}`",
                header.line(), r.cells.len(), r.preview()
            )));
        }
        let get = |c: Option<usize>| c.and_then(|i| opt(&r.cells[i].text));
        let Some(name) = get(c_name) else {
            return Err(p.err(r.line(), "a unit row has no unit name (单位名称)"));
        };
        p.rec.units.push(UnitRec {
            line: r.line(),
            unit_code: None,
            unit_name: name,
            unit_kind: get(c_kind),
            rank: get(c_rank),
            funding_form: get(c_fund),
        });
    }
    p.pos = end;
    Ok(())
}

fn procurement(p: &mut Parser, header: &Row) -> Result<(), IngestError> {
    let start = p.pos;
    p.mark(start);
    let rows = body_rows(p, start + 1);
    let Some((j2, sub)) = rows.first().cloned() else {
        return Err(p.err(
            header.line(),
            "the procurement table (政府采购预算) ends after its first header row",
        ));
    };
    // the second header row names the 13 columns the data rows follow
    let expected = ["项目名称", "预算资金"];
    if !expected.iter().all(|e| sub.has(e)) {
        return Err(p.err(sub.line(), format!(
            "expected the second header row of the procurement table (项目名称 | 预算资金 | … | 单位资金), found `{}`",
            sub.preview()
        )));
    }
    p.mark(j2);
    let width = sub.cells.len();
    if width != 13 {
        return Err(p.err(sub.line(), format!("the procurement header has {width} columns; budgetql knows the 13-column layout (项目名称 … 单位资金)")));
    }
    let mut end = j2 + 1;
    let mut unit: Option<String> = None;
    for (j, r) in rows.into_iter().skip(1) {
        end = j + 1;
        p.mark(j);
        if r.is_empty() {
            continue;
        }
        if r.cells.len() != width {
            return Err(p.err(
                r.line(),
                format!(
                    "a procurement row has {} cells but the header (line {}) has {width}: `{}`",
                    r.cells.len(),
                    sub.line(),
                    r.preview()
                ),
            ));
        }
        let c = &r.cells;
        let first = squash(&c[0].text);
        let (kind, unit_name, project) = if first == "合计" || first == "总计" {
            ("total", None, None)
        } else if let Some(u) = clean(&c[0].text).strip_suffix("小计") {
            unit = Some(clean(u));
            ("subtotal", unit.clone(), None)
        } else {
            ("item", unit.clone(), opt(&c[0].text))
        };
        let a = |k: usize, what: &str| amount(p, &c[k], what);
        p.rec.procurement.push(ProcurementRec {
            line: r.line(),
            row_kind: kind,
            unit_code: None,
            unit_name,
            project_name: project,
            project_budget: a(1, "预算资金")?,
            item_name: opt(&c[2].text),
            catalog_code: opt(&c[3].text),
            measure_unit: opt(&c[4].text),
            quantity: quantity(p, &c[5], "数量")?,
            unit_price: a(6, "单价")?,
            amount: a(7, "合计")?,
            general_public: a(8, "一般公共预算拨款")?,
            gov_fund: a(9, "基金预算拨款")?,
            state_capital: a(10, "国有资本经营预算拨款")?,
            special_account: a(11, "财政专户核拨")?,
            unit_funds: a(12, "单位资金")?,
        });
    }
    p.pos = end;
    Ok(())
}

static AS_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"截[止至](?:时间|日期)?[：:]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
        .unwrap()
});
static NUMBERING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\d+|[一二三四五六七八九十]+)\s*[、.．]\s*").unwrap());

fn assets(p: &mut Parser, header: &Row) -> Result<(), IngestError> {
    let start = p.pos;
    p.mark(start);
    // the date line (截止时间：2020年12月31日) sits just above the header
    let mut as_of = None;
    for k in (start.saturating_sub(4)..start).rev() {
        if let Item::Text { text, .. } = &p.items[k] {
            if let Some(m) = AS_OF.captures(text) {
                let (y, mo, d) = (
                    m[1].parse().unwrap_or(0),
                    m[2].parse().unwrap_or(0),
                    m[3].parse().unwrap_or(0),
                );
                if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
                    return Err(p.err(
                        p.items[k].line(),
                        format!("`{}` is not a valid date", &m[0]),
                    ));
                }
                as_of = Some((y, mo, d));
                p.mark(k);
                if k + 1 < start {
                    p.mark(k - 1);
                }
                break;
            }
        }
    }
    if as_of.is_none() {
        p.warn(
            header.line(),
            "the asset table states no date (截止时间); as_of is left empty",
        );
    }
    let yuan = header
        .cells
        .iter()
        .any(|c| c.text.contains("单位：元") || c.text.contains("单位:元"));
    let rows = body_rows(p, start + 1);
    let mut end = start + 1;
    let mut root: Option<String> = None;
    let mut last_numbered: Option<String> = None;
    for (j, r) in rows {
        end = j + 1;
        p.mark(j);
        if r.is_empty() {
            continue;
        }
        if r.cells.len() != 3 {
            return Err(p.err(
                r.line(),
                format!(
                    "an asset row has {} cells; expected 3 (项目 | 数量 | 价值): `{}`",
                    r.cells.len(),
                    r.preview()
                ),
            ));
        }
        let raw = clean(&r.cells[0].text);
        let (item, parent) = if let Some(rest) = raw
            .strip_prefix("其中：")
            .or_else(|| raw.strip_prefix("其中:"))
        {
            (clean(rest), last_numbered.clone().or(root.clone()))
        } else if NUMBERING.is_match(&raw) {
            let name = NUMBERING.replace(&raw, "").to_string();
            last_numbered = Some(name.clone());
            (name, root.clone())
        } else {
            root = Some(raw.clone());
            (raw, None)
        };
        let mut value = amount(p, &r.cells[2], "价值")?;
        if yuan {
            value = value
                .map(|v| amount::yuan_to_wan(v).map_err(|m| p.err(r.line(), format!("价值 {m}"))))
                .transpose()?;
        }
        p.rec.assets.push(AssetRec {
            line: r.line(),
            item,
            parent_item: parent,
            quantity: quantity(p, &r.cells[1], "数量")?,
            value,
            as_of,
        });
    }
    p.pos = end;
    Ok(())
}

static PROJECT_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)\s*[.．、]\s*(.+?)绩效目标表").unwrap());

pub(crate) fn is_project_title(text: &str) -> bool {
    PROJECT_TITLE.is_match(text)
}

/// The next non-blank item must be a row; otherwise the table is cut short.
fn expect_row(
    p: &Parser,
    from: usize,
    title_line: usize,
    name: &str,
    what: &str,
) -> Result<(usize, Row), IngestError> {
    match p.next_nonblank(from) {
        Some(j) => match &p.items[j] {
            Item::Row(r) => Ok((j, r.clone())),
            Item::Text { line, text } => Err(p.err(*line, format!(
                "the project table `{name}` (line {title_line}) is cut short: expected {what}, found the text `{}`",
                lines::shorten(text, 30)
            ))),
            Item::Blank { line } => Err(p.err(*line, format!("expected {what}"))),
        },
        None => Err(p.err(p.last_line(), format!(
            "the document ends inside the project table `{name}` (line {title_line}): expected {what}; the file may be truncated"
        ))),
    }
}

fn wrong_row(p: &Parser, r: &Row, title_line: usize, name: &str, what: &str) -> IngestError {
    p.err(
        r.line(),
        format!(
            "project table `{name}` (line {title_line}): expected {what}, found `{}`",
            r.preview()
        ),
    )
}

/// One 项目绩效目标表, from its title line to its last indicator row.
pub(crate) fn project(p: &mut Parser, title_line: usize, title: &str) -> Result<(), IngestError> {
    let caps = PROJECT_TITLE
        .captures(title)
        .expect("checked by is_project_title");
    let seq: i32 = caps[1].parse().map_err(|_| {
        p.err(
            title_line,
            format!("table number `{}` is too large", &caps[1]),
        )
    })?;
    let title_name = clean(&caps[2]);
    let name = title_name.clone();
    let t0 = p.pos;
    p.mark(t0);
    if let Some(prev) = p.rec.projects.last() {
        if seq != prev.seq + 1 {
            let prev_seq = prev.seq;
            p.warn(title_line, format!("project table numbered {seq} follows table {prev_seq}: a table may be missing from the document"));
        }
    }

    // unit row: `216001中共…(本级）` | `单位：万元`
    let (j, r) = expect_row(
        p,
        t0 + 1,
        title_line,
        &name,
        "the unit row (unit code and name | 单位：万元)",
    )?;
    let unit_cell = r.cells.iter().find(|c| {
        !c.text.starts_with("单位：") && !c.text.starts_with("单位:") && !c.text.is_empty()
    });
    let Some(unit_cell) = unit_cell else {
        return Err(wrong_row(
            p,
            &r,
            title_line,
            &name,
            "the unit row (unit code and name | 单位：万元)",
        ));
    };
    if unit_cell.text == "项目编码" {
        return Err(wrong_row(
            p,
            &r,
            title_line,
            &name,
            "the unit row (unit code and name) before 项目编码",
        ));
    }
    let digits: String = unit_cell
        .text
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let unit_code = if digits.is_empty() {
        None
    } else {
        Some(digits.clone())
    };
    let unit_name = clean(&unit_cell.text[digits.len()..]);
    let yuan = r
        .cells
        .iter()
        .any(|c| squash(&c.text) == "单位：元" || squash(&c.text) == "单位:元");
    p.mark(j);

    // 项目编码 | code | 项目名称 | name
    let (j, r) = expect_row(
        p,
        j + 1,
        title_line,
        &name,
        "the row 项目编码 | … | 项目名称 | …",
    )?;
    let (Some(code), Some(pname)) = (r.after("项目编码"), r.after("项目名称")) else {
        return Err(wrong_row(
            p,
            &r,
            title_line,
            &name,
            "the row 项目编码 | … | 项目名称 | …",
        ));
    };
    let project_code = clean(&code.text);
    let project_name = clean(&pname.text);
    if project_code.is_empty() {
        return Err(p.err(
            code.line,
            format!(
                "project table `{name}` (line {title_line}): the project code (项目编码) is empty"
            ),
        ));
    }
    if project_name.is_empty() {
        return Err(p.err(
            pname.line,
            format!(
                "project table `{name}` (line {title_line}): the project name (项目名称) is empty"
            ),
        ));
    }
    let name = project_name.clone();
    p.mark(j);

    // 预算规模及资金用途 | 预算数 | X | 其中：财政资金 | Y | 其他资金 | Z
    let budget_what =
        "the budget row (预算规模及资金用途 | 预算数 | … | 其中：财政资金 | … | 其他资金 | …)";
    let (j, r) = expect_row(p, j + 1, title_line, &name, budget_what)?;
    let Some(b) = r.after("预算数") else {
        return Err(wrong_row(p, &r, title_line, &name, budget_what));
    };
    let conv =
        |p: &Parser, v: Option<Decimal>, line: usize| -> Result<Option<Decimal>, IngestError> {
            if yuan {
                v.map(|v| amount::yuan_to_wan(v).map_err(|m| p.err(line, m)))
                    .transpose()
            } else {
                Ok(v)
            }
        };
    let budget = amount(p, b, "预算数")?;
    let budget = conv(p, budget, b.line)?.ok_or_else(|| {
        p.err(
            b.line,
            format!("project table `{name}` (line {title_line}): the budget (预算数) is empty"),
        )
    })?;
    let fiscal = match r.after("其中：财政资金").or_else(|| r.after("财政资金")) {
        Some(c) => conv(p, amount(p, c, "财政资金")?, c.line)?,
        None => None,
    };
    let other = match r.after("其他资金") {
        Some(c) => conv(p, amount(p, c, "其他资金")?, c.line)?,
        None => None,
    };
    p.mark(j);

    // the purpose cell: "预算数5万元。其中：财政资金5万元，其他资金0万元。主要用于…"
    let (mut j, r) = expect_row(
        p,
        j + 1,
        title_line,
        &name,
        "the purpose row (预算数…万元。主要用于…)",
    )?;
    let mut purpose = None;
    let mut stated = (None, None, None, None);
    if !r.has("资金支出计划（%）") && !r.has("资金支出计划(%)") {
        let text: Vec<&Cell> = r.cells.iter().filter(|c| !c.text.is_empty()).collect();
        if let Some(c) = text.first() {
            let s = narrative::stated_budget(p, c.line, &c.text)?;
            stated = (s.0, s.1, s.2, Some(c.line));
            purpose = Some(match c.text.find("主要用于") {
                Some(k) => clean(&c.text[k..]),
                None => clean(&c.text),
            });
        }
        p.mark(j);
        j += 1;
    } else {
        j = p.next_nonblank(j).unwrap_or(j);
    }

    // 资金支出计划（%） | 3月底 | 6月底 | 10月底 | 12月底, then the percentages
    let plan_what =
        "the disbursement plan header (资金支出计划（%） | 3月底 | 6月底 | 10月底 | 12月底)";
    let (jh, hr) = expect_row(p, j, title_line, &name, plan_what)?;
    if !hr
        .cells
        .first()
        .is_some_and(|c| squash(&c.text).starts_with("资金支出计划"))
    {
        return Err(wrong_row(p, &hr, title_line, &name, plan_what));
    }
    let mut months = vec![];
    for c in hr.cells.iter().skip(1) {
        let m: String = squash(&c.text);
        let Some(num) = m
            .strip_suffix("月底")
            .or_else(|| m.strip_suffix("月末"))
            .or_else(|| m.strip_suffix("月"))
        else {
            return Err(p.err(
                c.line,
                format!(
                    "expected a month such as `3月底` in the disbursement plan header, found `{}`",
                    c.text
                ),
            ));
        };
        let month: i32 = num
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| p.err(c.line, format!("`{}` is not a month", c.text)))?;
        months.push(month);
    }
    p.mark(jh);
    let (jv, vr) = expect_row(
        p,
        jh + 1,
        title_line,
        &name,
        "the disbursement percentages row",
    )?;
    let values: Vec<&Cell> = vr
        .cells
        .iter()
        .skip(vr.cells.len().saturating_sub(months.len()))
        .collect();
    if vr.cells.len() < months.len() || vr.cells.len() > months.len() + 1 {
        return Err(p.err(vr.line(), format!(
            "project table `{name}`: the disbursement row has {} cells but the header (line {}) names {} months; the columns do not line up",
            vr.cells.len(), hr.line(), months.len()
        )));
    }
    let mut plan = vec![];
    for (m, c) in months.iter().zip(values) {
        let v = parse_percent(&c.text).map_err(|NumberError(e)| {
            p.err(c.line, format!("disbursement plan of `{name}`: {e}"))
        })?;
        plan.push(DisbursementRec {
            line: c.line,
            project_code: project_code.clone(),
            month: *m,
            cumulative_pct: v,
        });
    }
    p.mark(jv);

    // 绩效目标 | 1.… (continued by prose lines "2.…")
    let (jg, gr) = expect_row(
        p,
        jv + 1,
        title_line,
        &name,
        "the goals row (绩效目标 | 1.…)",
    )?;
    if !gr
        .cells
        .first()
        .is_some_and(|c| squash(&c.text) == "绩效目标")
    {
        return Err(wrong_row(
            p,
            &gr,
            title_line,
            &name,
            "the goals row (绩效目标 | 1.…)",
        ));
    }
    p.mark(jg);
    let mut pieces: Vec<(usize, String)> = gr
        .cells
        .iter()
        .skip(1)
        .filter(|c| !c.text.is_empty())
        .map(|c| (c.line, c.text.clone()))
        .collect();
    let mut k = jg + 1;
    while k < p.items.len() {
        match &p.items[k] {
            Item::Blank { .. } => {}
            Item::Text { line, text } if !is_project_title(text) => {
                pieces.push((*line, text.clone()))
            }
            _ => break,
        }
        p.mark(k);
        k += 1;
    }
    let goals = split_goals(&pieces);

    // indicator header and rows
    let ind_what = "the indicator header (一级指标 | 二级指标 | 三级指标 | 绩效指标描述 | 指标值 | 指标值确定依据)";
    let (jh, ih) = expect_row(p, k, title_line, &name, ind_what)?;
    let heads: Vec<String> = ih.cells.iter().map(|c| squash(&c.text)).collect();
    let pos = |n: &str| heads.iter().position(|h| h == n);
    let (Some(c1), Some(c2), Some(cv)) = (pos("一级指标"), pos("二级指标"), pos("指标值"))
    else {
        return Err(wrong_row(p, &ih, title_line, &name, ind_what));
    };
    let (c3, cd, cb) = (
        pos("三级指标"),
        pos("绩效指标描述").or_else(|| pos("指标内容")),
        pos("指标值确定依据"),
    );
    p.mark(jh);
    let width = ih.cells.len();
    let mut level1: Option<String> = None;
    let mut level2: Option<String> = None;
    let mut inds = vec![];
    let mut k = jh + 1;
    while let Some(j) = p.next_nonblank(k) {
        let Item::Row(r) = &p.items[j] else { break };
        if r.cells.len() != width {
            return Err(p.err(r.line(), format!(
                "project table `{name}`: an indicator row has {} cells but the header (line {}) has {width}; the columns do not line up: `{}`",
                r.cells.len(), ih.line(), r.preview()
            )));
        }
        let cell = |c: usize| clean(&r.cells[c].text);
        let l1 = cell(c1);
        if !l1.is_empty() {
            level1 = Some(l1);
            level2 = None;
        }
        let l2 = cell(c2);
        if !l2.is_empty() {
            level2 = Some(l2);
        }
        let Some(l1v) = level1.clone() else {
            return Err(p.err(r.line(), format!("project table `{name}`: the first indicator row has no level-1 indicator (一级指标)")));
        };
        let Some(l2v) = level2.clone() else {
            return Err(p.err(
                r.line(),
                format!(
                    "project table `{name}`: indicator row without a level-2 indicator (二级指标)"
                ),
            ));
        };
        inds.push(IndicatorRec {
            line: r.line(),
            unit_code: unit_code.clone(),
            project_code: project_code.clone(),
            level1: l1v,
            level2: l2v,
            level3: c3.and_then(|c| opt(&r.cells[c].text)),
            description: cd.and_then(|c| opt(&r.cells[c].text)),
            target: parse_target(&cell(cv)),
            basis: cb.and_then(|c| opt(&r.cells[c].text)),
        });
        p.mark(j);
        k = j + 1;
    }
    if inds.is_empty() {
        return Err(p.err(ih.last_line(), format!("project table `{name}` (line {title_line}) has an indicator header but no indicator rows")));
    }
    if title_name != project_name
        && !project_name.contains(&title_name)
        && !title_name.contains(&project_name)
    {
        p.warn(
            title_line,
            format!(
                "the table title `{title_name}` differs from the project name `{project_name}`"
            ),
        );
    }
    p.rec.projects.push(ProjectRec {
        line: title_line,
        unit_code: unit_code.clone(),
        unit_name,
        seq,
        project_code: project_code.clone(),
        project_name,
        budget,
        fiscal,
        other,
        purpose,
        stated_budget: stated.0,
        stated_fiscal: stated.1,
        stated_other: stated.2,
        stated_line: stated.3,
    });
    for (i, (line, g)) in goals.into_iter().enumerate() {
        p.rec.project_goals.push(GoalRec {
            line,
            project_code: project_code.clone(),
            seq: i as i32 + 1,
            goal: g,
        });
    }
    p.rec.disbursement.extend(plan);
    p.rec.indicators.extend(inds);
    p.pos = k;
    Ok(())
}

static GOAL_NUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[（(]?\d+[)）]?\s*[.．、]?\s*").unwrap());
static GOAL_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\d+\s*[.．、]|[（(]\d+[)）])").unwrap());

/// Goals "1.…", "2.…" each start a new goal; other lines continue the previous one.
pub(crate) fn split_goals(pieces: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = vec![];
    for (line, text) in pieces {
        if GOAL_START.is_match(text) || out.is_empty() {
            let g = GOAL_NUM.replace(text, "").to_string();
            out.push((*line, clean(&g)));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(text);
        }
    }
    out.retain(|(_, g)| !g.is_empty());
    out
}

fn norm_name(s: &str) -> String {
    squash(s).replace('（', "(").replace('）', ")")
}

/// Give units their codes from the project tables, attach codes to procurement
/// rows, and add units that only the project tables name.
pub(crate) fn link_units(p: &mut Parser) {
    let mut known: Vec<(String, String, usize)> = vec![]; // (norm name, code, line)
    for pr in &p.rec.projects {
        if let Some(code) = &pr.unit_code {
            if !known.iter().any(|(n, _, _)| *n == norm_name(&pr.unit_name)) {
                known.push((norm_name(&pr.unit_name), code.clone(), pr.line));
            }
        }
    }
    for u in &mut p.rec.units {
        if let Some((_, code, _)) = known.iter().find(|(n, _, _)| *n == norm_name(&u.unit_name)) {
            u.unit_code = Some(code.clone());
        }
    }
    let missing: Vec<(String, String, usize)> = p
        .rec
        .projects
        .iter()
        .filter(|pr| {
            !p.rec
                .units
                .iter()
                .any(|u| norm_name(&u.unit_name) == norm_name(&pr.unit_name))
        })
        .map(|pr| {
            (
                pr.unit_name.clone(),
                pr.unit_code.clone().unwrap_or_default(),
                pr.line,
            )
        })
        .collect();
    for (name, code, line) in missing {
        if p.rec.units.iter().any(|u| u.unit_name == name) {
            continue;
        }
        p.rec.units.push(UnitRec {
            line,
            unit_code: if code.is_empty() { None } else { Some(code) },
            unit_name: name,
            unit_kind: None,
            rank: None,
            funding_form: None,
        });
    }
    let units = p.rec.units.clone();
    for r in &mut p.rec.procurement {
        if let Some(name) = &r.unit_name {
            r.unit_code = units
                .iter()
                .find(|u| norm_name(&u.unit_name) == norm_name(name))
                .and_then(|u| u.unit_code.clone());
        }
    }
}

/// The department: named after its own-level (本级) unit; code = the common
/// 3-digit prefix of its unit codes (Hebei's 216001, 216003 → 216).
pub(crate) fn department(p: &mut Parser, file: &str) -> String {
    let units = &p.rec.units;
    let own = units
        .iter()
        .find(|u| u.unit_name.contains("本级"))
        .or_else(|| units.first());
    let codes: Vec<&String> = units.iter().filter_map(|u| u.unit_code.as_ref()).collect();
    let code = match codes.first() {
        Some(c) if c.len() >= 3 && codes.iter().all(|x| x.get(..3) == c.get(..3)) => {
            c[..3].to_string()
        }
        Some(c) => (*c).clone(),
        None => source_id(file),
    };
    if let Some(u) = own {
        let name = u
            .unit_name
            .replace("(本级）", "")
            .replace("（本级）", "")
            .replace("(本级)", "");
        let name = clean(&name);
        let region = region_of(&name);
        p.rec.departments.push(DepartmentRec {
            line: u.line,
            dept_name: name,
            region,
        });
    }
    code
}

/// The place a department belongs to: the name up to its first 省/市/区/县 word.
fn region_of(name: &str) -> Option<String> {
    let n = name.strip_prefix("中共").unwrap_or(name);
    let mut best: Option<usize> = None;
    for suffix in ["开发区", "新区", "自治县", "区", "县", "市", "省"] {
        if let Some(i) = n.find(suffix) {
            let end = i + suffix.len();
            if end > suffix.len() {
                best = Some(best.map_or(end, |b: usize| b.min(end)));
            }
        }
    }
    best.map(|e| n[..e].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert_eq!(
            region_of("中共秦皇岛经济技术开发区工委政法委员会").as_deref(),
            Some("秦皇岛经济技术开发区")
        );
        assert_eq!(region_of("秦皇岛市第三公证处").as_deref(), Some("秦皇岛市"));
        assert_eq!(region_of("上海市普陀区司法局").as_deref(), Some("上海市"));
        assert_eq!(region_of("法律援助中心"), None);
    }

    #[test]
    fn goals_split_on_numbers() {
        let g = split_goals(&[
            (1, "1.维护稳定".into()),
            (3, "2.加强".into()),
            (4, "建设".into()),
        ]);
        assert_eq!(
            g,
            vec![(1, "维护稳定".to_string()), (3, "加强建设".to_string())]
        );
    }
}
