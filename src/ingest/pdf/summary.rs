//! The readers of the summary tables (收支预算总表, 财政拨款收支总表) and of a spending
//! table printed as its parts (基本支出/项目支出 without codes).

use super::*;

/// The reader of 收支预算总表.
pub(super) fn read_summary(p: &mut P, t: &Table) -> Result<Read, IngestError> {
    summary(p, t.rows, t.unit())?;
    Ok(Read::Stored)
}

/// The reader of 财政拨款收支总表: only its grand total is kept (in stated_subtotals) and
/// its class rows checked; its rows repeat the summary's fiscal part, so `--check` lists
/// the table as skipped.
pub(super) fn read_fiscal_summary(p: &mut P, t: &Table) -> Result<Read, IngestError> {
    if let Some(u) = t.unit {
        fiscal_total(p, t.rows, u)?;
        // (its class rows may come before the first row the header scan calls data)
        summary_classes(p, t.body, u, "财政拨款收支总表 (spending by class)")?;
    }
    Ok(Read::Listed)
}

/// The 财政拨款收支总表's grand total (总计 / 收入总计: the first figure after it).
pub(super) fn fiscal_total(p: &mut P, body: &[L], unit: Unit) -> Result<(), IngestError> {
    for l in body {
        let toks: Vec<&str> = l.text.split_whitespace().collect();
        let Some(k) = toks
            .iter()
            .position(|t| matches!(*t, "总计" | "收入总计" | "收入总计合计"))
        else {
            continue;
        };
        if let Some(fig) = toks[k + 1..].first().filter(|t| is_amount(t)) {
            let amount = p.money(l.no, fig, unit)?;
            p.rec.stated_subtotals.push(SubtotalRec {
                line: l.no,
                table: "财政拨款收支总表",
                code: None,
                name: "总计".into(),
                column: "total",
                amount,
            });
            return Ok(());
        }
    }
    Ok(())
}

pub(super) const INCOME_WORDS: &[&str] = &[
    "财政拨款",
    "一般公共预算",
    "政府性基金",
    "国有资本经营",
    "财政专户",
    "其他资金",
    "事业收入",
    "经营收入",
    "其他收入",
    "上级补助",
    "附属单位上缴",
    "结转",
    "结余",
    "收入",
];

/// The income/spending summary (收支预算总表, 收入支出决算总表): the income side
/// by source into `income_by_source`, the grand totals into `budget_lines`.
/// A summary's spending side by functional class (`九、卫生健康支出 236.63`, the first
/// figure after the name) and its spending total (本年支出合计 / 当年支出小计), kept in
/// `stated_subtotals` under `table` for AUDIT (R24: against the classification table;
/// R26: the classes against the total).
pub(super) fn summary_classes(
    p: &mut P,
    body: &[L],
    unit: Unit,
    table: &'static str,
) -> Result<(), IngestError> {
    static CLASS: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?:^|\s)[一二三四五六七八九十]+、(\S{2,20}?支出)\s+(\d[\d,]*\.\d+)(?:\s|$)",
        )
        .expect("static regex")
    });
    static TOTAL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:^|\s)(本年支出合计|当年支出小计)\s+(\d[\d,]*\.\d+)(?:\s|$)")
            .expect("static regex")
    });
    for l in body {
        let found = CLASS
            .captures_iter(&l.text)
            .map(|m| (m[1].to_string(), m[2].to_string()))
            .chain(
                TOTAL
                    .captures_iter(&l.text)
                    .map(|m| (m[1].to_string(), m[2].to_string())),
            )
            .collect::<Vec<_>>();
        for (name, fig) in found {
            if [
                "基本支出",
                "项目支出",
                "事业单位经营支出",
                "上缴上级支出",
                "对附属单位补助支出",
            ]
            .contains(&name.as_str())
            {
                continue;
            }
            let amount = p.money(l.no, &fig, unit)?;
            p.rec.stated_subtotals.push(SubtotalRec {
                line: l.no,
                table,
                code: None,
                name,
                column: "total",
                amount,
            });
        }
    }
    Ok(())
}

pub(super) fn summary(p: &mut P, body: &[L], unit: Unit) -> Result<(), IngestError> {
    summary_classes(p, body, unit, "收支总表 (spending by class)")?;
    // labelled figures in reading order, each label starting at an ordinal or a total word
    let mut income: Vec<(usize, u8, String, Option<Decimal>)> = vec![];
    let mut spend_total: Option<(usize, String, Decimal)> = None;
    let mut spend_year: Option<(usize, Decimal)> = None;
    let mut spend_carry: Option<(usize, String, Decimal)> = None;
    for l in body {
        if is_header_line(&l.c)
            || l.c.starts_with("收入") && !l.c.contains(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let mut items: Vec<(String, Option<String>)> = vec![];
        for tok in l.text.split_whitespace() {
            if is_amount(tok) {
                if let Some(last) = items.last_mut() {
                    if last.1.is_none() {
                        last.1 = Some(tok.to_string());
                    }
                }
                continue;
            }
            let starts_new = items.last().is_none_or(|x| x.1.is_some())
                || ordinal(tok).0 > 0
                || is_summary_total(tok);
            let ends_marker = items
                .last()
                .is_some_and(|x| x.1.is_none() && (x.0.ends_with('.') || x.0.ends_with('．')));
            if starts_new && !ends_marker {
                items.push((tok.to_string(), None));
            } else if let Some(last) = items.last_mut() {
                last.0.push_str(tok);
            }
        }
        for (k, (label, fig)) in items.into_iter().enumerate() {
            let amount = match &fig {
                Some(t) => Some(p.money(l.no, t, unit)?),
                None => None,
            };
            let (lvl, name) = ordinal(&label);
            let is_income = k == 0
                && !name.ends_with("支出")
                && !name.contains("支出合计")
                && !name.contains("支出小计")
                && INCOME_WORDS.iter().any(|w| name.contains(w))
                || k == 0 && name == "总计";
            if is_income {
                income.push((l.no, lvl, name.to_string(), amount));
                continue;
            }
            let Some(a) = amount else { continue };
            match name {
                "支出合计" | "支出总计" | "总计" => {
                    spend_total = Some((l.no, name.to_string(), a))
                }
                "当年支出小计" | "本年支出合计" => spend_year = Some((l.no, a)),
                "结转下年资金" | "年末结转和结余" => {
                    spend_carry = Some((l.no, name.to_string(), a))
                }
                _ => {}
            }
        }
    }
    // structure of the income side
    let grand = income
        .iter()
        .rev()
        .find(|x| matches!(x.2.as_str(), "收入合计" | "收入总计" | "总计"))
        .cloned();
    let year_sub = income
        .iter()
        // (`当年收入` alone: its 小计 printed on the next page)
        .find(|x| {
            matches!(
                x.2.as_str(),
                "当年收入小计" | "本年收入合计" | "当年收入" | "本年收入"
            )
        })
        .cloned();
    let Some((gno, gname, _, gamount)) = grand.map(|g| (g.0, g.2, g.1, g.3)) else {
        return Err(p.err(
            body.first().map_or(1, |l| l.no),
            "the income and spending summary has no 收入合计/收入总计 line",
        ));
    };
    let top = year_sub.as_ref().map_or(gname.clone(), |y| y.2.clone());
    let mut last_l1: Option<String> = None;
    for (no, lvl, name, amount) in &income {
        let (parent, kind) = if *name == gname && *no == gno {
            (None, "total")
        } else if year_sub.as_ref().is_some_and(|y| y.2 == *name)
            || name.contains("结转")
            || name.contains("结余")
        {
            // the year's subtotal and the carry-over are parts of the grand total
            (Some(gname.clone()), "part")
        } else if *lvl == 2 {
            (last_l1.clone().or(Some(top.clone())), "part")
        } else {
            if *lvl == 1 {
                last_l1 = Some(name.clone());
            }
            (Some(top.clone()), "part")
        };
        if amount.is_none() {
            continue;
        }
        p.rec.income_by_source.push(IncomeRec {
            line: *no,
            item: name.clone(),
            parent_item: parent,
            line_kind: kind,
            amount: *amount,
        });
    }
    p.rec.budget_lines.push(BudgetLineRec::new(
        gno,
        "income",
        "收入合计",
        None,
        "total",
        gamount,
    ));
    if let Some((no, _, a)) = spend_total {
        p.rec.budget_lines.push(BudgetLineRec::new(
            no,
            "expense",
            "支出合计",
            None,
            "total",
            Some(a),
        ));
        if let Some((yno, ya)) = spend_year {
            if ya != a || spend_carry.is_some() {
                p.rec.budget_lines.push(BudgetLineRec::new(
                    yno,
                    "expense",
                    "本年支出合计",
                    Some("支出合计"),
                    "part",
                    Some(ya),
                ));
            }
        }
        if let Some((cno, cname, ca)) = spend_carry {
            p.rec.budget_lines.push(BudgetLineRec::new(
                cno,
                "expense",
                &cname,
                Some("支出合计"),
                "part",
                Some(ca),
            ));
        }
    }
    Ok(())
}

pub(super) fn is_summary_total(tok: &str) -> bool {
    matches!(
        tok,
        "收入合计"
            | "支出合计"
            | "收入总计"
            | "支出总计"
            | "总计"
            | "当年收入小计"
            | "当年支出小计"
            | "本年收入合计"
            | "本年支出合计"
            | "上年结转资金"
            | "结转下年资金"
            | "年初结转和结余"
            | "年末结转和结余"
            | "使用非财政拨款结余"
            | "结余分配"
    )
}

/// A 支出预算总表 printed as a header row of purposes and one row of figures
/// (合计 基本支出 项目支出 单位预留机动经费 结转下年资金).
pub(super) fn spending_parts(
    p: &mut P,
    header: &[&L],
    body: &[L],
    unit: Unit,
) -> Result<(), IngestError> {
    // the row of figures: figures only, or figures after a short label (`合计 …`,
    // `2024年决算数 …`)
    let Some(fig_line) = body
        .iter()
        .find(|l| figures_only(&l.text).is_some())
        .or_else(|| body.iter().find(|l| labelled_figures(&l.text).is_some()))
    else {
        return Ok(());
    };
    let figs = figures_only(&fig_line.text).unwrap_or_default();
    // with positions, the header's cells (names stacked over lines joined) and the
    // column each figure lines up with; else the labels of the line starting 合计
    let by_position = stacked_header(header).and_then(|cells| {
        let extents: Vec<(f32, f32)> = cells.iter().map(|c| c.1).collect();
        let cols = columns_by(&extents, &fig_line.xs)?;
        (fig_line.xs.len() == figs.len())
            .then(|| cols.into_iter().map(|k| cells[k].0.clone()).collect())
    });
    let labels: Vec<String> = by_position.unwrap_or_else(|| {
        // (from its 合计 on: a cell wrapped above the line may stand before it)
        header
            .iter()
            .rev()
            .find(|l| l.text.split_whitespace().any(|t| t == "合计"))
            .map(|l| {
                l.text
                    .split_whitespace()
                    .skip_while(|t| *t != "合计")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    });
    if labels.len() < figs.len() {
        return Err(p.err(
            fig_line.no,
            format!(
                "{} figures under {} column headings",
                figs.len(),
                labels.len()
            ),
        ));
    }
    let parent = if p.rec.budget_lines.iter().any(|b| b.item == "本年支出合计") {
        "本年支出合计"
    } else {
        "支出合计"
    };
    for (label, fig) in labels.iter().zip(figs) {
        let a = p.money(fig_line.no, fig, unit)?;
        // a header cell names its column, perhaps with the cells stacked above it
        let label = ["基本支出", "项目支出", "结转下年资金", "单位预留机动经费"]
            .into_iter()
            .find(|w| label.contains(w))
            .or_else(|| label.contains("预留机动").then_some("单位预留机动经费"))
            .or_else(|| (label.contains("合计") || label.contains("总计")).then_some("合计"))
            .unwrap_or(label);
        match label {
            "合计" => {}
            "结转下年资金" => p.rec.budget_lines.push(BudgetLineRec::new(
                fig_line.no,
                "expense",
                label,
                Some("支出合计"),
                "part",
                Some(a),
            )),
            _ => p.rec.budget_lines.push(BudgetLineRec::new(
                fig_line.no,
                "expense",
                label,
                Some(parent),
                "part",
                Some(a),
            )),
        }
    }
    Ok(())
}
