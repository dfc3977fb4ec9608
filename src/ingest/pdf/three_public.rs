//! The reader of the “三公”经费 table: its categories placed by position under their
//! header cells, totals only confirming.

use super::*;

/// The reader of the “三公”经费 table.
pub(super) fn read(p: &mut P, t: &Table) -> Result<Read, IngestError> {
    three_public(p, t.title, t.title_no, t.header, t.rows, t.unit())?;
    Ok(Read::Stored)
}

/// The 三公 table: one row of figures under a multi-line header. The header says
/// which layout (with 会议费/培训费, with 机关运行经费, or 预算数/决算数 pairs); a
/// row with fewer figures than columns has its blanks where the totals reconcile.
pub(super) fn three_public(
    p: &mut P,
    title: &str,
    title_no: usize,
    header: &[&L],
    body: &[L],
    unit: Unit,
) -> Result<(), IngestError> {
    let h: String = header.iter().map(|l| l.c.as_str()).collect::<String>() + title;
    // the row of figures: figures only, or figures after a short label (`合计 …`,
    // `2024年决算数 …`)
    let Some(fig_line) = body
        .iter()
        .find(|l| figures_only(&l.text).is_some())
        .or_else(|| body.iter().find(|l| labelled_figures(&l.text).is_some()))
    else {
        // an empty table (`…没有财政拨款“三公”经费支出，故本表无数据`): nothing to lose
        p.warn(
            title_no,
            format!("table `{title}` prints no row of figures; nothing is stored from it"),
        );
        return Ok(());
    };
    let (toks, fig_line) = match figures_only(&fig_line.text) {
        Some(t) => (t, fig_line.clone()),
        None => {
            // the label's words dropped, with their extents
            let t = labelled_figures(&fig_line.text).unwrap_or_default();
            let skip = fig_line.text.split_whitespace().count() - t.len();
            let mut l = fig_line.clone();
            l.xs = l.xs.iter().skip(skip).copied().collect();
            l.text = t.join(" ");
            (t, l)
        }
    };
    let toks: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
    let no = fig_line.no;
    let mut figs = vec![];
    for t in &toks {
        figs.push(p.money(no, t, unit)?);
    }
    // column names; the constraints (total, parts) a row must satisfy
    use sangong::*;
    let (cols, sums, pairs): (Vec<&str>, Vec<(usize, Vec<usize>)>, bool) = if (h.contains("预算数")
        || h.contains("预算金额")
        || h.contains("年初预算"))
        && (h.contains("决算数") || h.contains("决算金额") || h.contains("实际支出"))
    {
        (
            vec![T, ABROAD, CAR, BUY, RUN, RECV],
            vec![(0, vec![1, 2, 5]), (2, vec![3, 4])],
            true,
        )
    } else if h.contains("会议费") && h.contains("培训费") {
        (
            vec![ALL, T, ABROAD, CAR, BUY, RUN, RECV, "会议费", "培训费"],
            vec![(0, vec![1, 7, 8]), (1, vec![2, 3, 6]), (3, vec![4, 5])],
            false,
        )
    } else if h.contains("机关运行经费") {
        (
            vec![T, ABROAD, RECV, CAR, BUY, RUN, "机关运行经费"],
            vec![(0, vec![1, 2, 3]), (3, vec![4, 5])],
            false,
        )
    } else {
        return Err(p.err(title_no, format!("table `{title}`: the header is not a 三公 layout budgetql knows (expected 因公出国, 公务用车, 公务接待 columns)")));
    };
    let width = if pairs { cols.len() * 2 } else { cols.len() };
    // with positions (a PDF), the columns the figures line up with
    let by_position = if figs.len() < width {
        place_by_position(header, &fig_line.xs, width)
    } else {
        None
    };
    let by_position: Option<Vec<Option<Decimal>>> = by_position.map(|cols_of| {
        let mut v = vec![None; width];
        for (f, k) in figs.iter().zip(cols_of) {
            v[k] = Some(*f);
        }
        v
    });
    let reconciles = |v: &[Option<Decimal>]| {
        sums.iter().all(|(t, parts)| {
            let total = v[*t].unwrap_or(Decimal::ZERO);
            checked_sum(parts.iter().map(|k| v[*k].unwrap_or(Decimal::ZERO))) == Some(total)
        })
    };
    // the cell under the header's column wins; the totals only confirm it (a row whose
    // totals do not add up as printed is the document's: AUDIT's R7 reports it)
    let positioned = by_position;
    let was_positioned = positioned.is_some();
    // a blank cell is 0 where the row's totals reconcile with it so, else not printed
    // (NULL): a blank 合计 beside printed parts is not a total of 0
    let mut blanks_are_zero = true;
    let series: Vec<Vec<Option<Decimal>>> = if let Some(v) = positioned {
        blanks_are_zero = pairs || reconciles(&v);
        let confirmed = if pairs {
            String::new()
        } else if reconciles(&v) {
            ", and the row's totals reconcile".to_string()
        } else {
            ", but the row's totals do not add up as printed (AUDIT's R7 reports it): check the table in the document".to_string()
        };
        p.warn(no, format!("`{title}`: {} figures for {width} columns; each placed in the column it lines up with{confirmed}", figs.len()));
        if pairs {
            vec![
                v.iter().step_by(2).cloned().collect(),
                v.iter().skip(1).step_by(2).cloned().collect(),
            ]
        } else {
            vec![v]
        }
    } else if pairs {
        let placed = place(&figs, width, &[])?;
        let Some(v) = placed else {
            return Err(p.err(
                no,
                format!(
                    "{} figures for {width} columns of 预算数/决算数",
                    figs.len()
                ),
            ));
        };
        vec![
            v.iter().step_by(2).cloned().collect(),
            v.iter().skip(1).step_by(2).cloned().collect(),
        ]
    } else {
        match place(&figs, width, &sums)? {
            Some(v) => vec![v],
            None => {
                // never guess: the table is left out, and the document still reads
                p.warn(no, format!("`{title}`: {} figures for {width} columns, and neither their positions nor any placement of the blanks makes the row's totals add up; the table is not stored (`budgetql text FILE --positions` shows its cells)", figs.len()));
                p.unstored.push((
                    title_no,
                    no,
                    format!("{title} (its figures could not be placed)"),
                ));
                return Ok(());
            }
        }
    };
    if figs.len() < width && !was_positioned {
        p.warn(no, format!("`{title}`: {} figures for {width} columns; blank cells placed where the totals reconcile", figs.len()));
    }
    store_three_public(p, no, &cols, &series, pairs, blanks_are_zero);
    Ok(())
}

/// The 三公 table's column names.
pub(super) mod sangong {
    pub(super) const ALL: &str = "三公、会议费、培训费合计";
    pub(super) const T: &str = "合计";
    pub(super) const ABROAD: &str = "因公出国（境）费";
    pub(super) const CAR: &str = "公务用车购置及运行费";
    pub(super) const BUY: &str = "公务用车购置费";
    pub(super) const RUN: &str = "公务用车运行维护费";
    pub(super) const RECV: &str = "公务接待费";
}

/// The 三公 row's figures as placed, by column, into `three_public` (the categories) and
/// `budget_lines` (the memo lines: the 三公/会议费/培训费 total, 会议费, 培训费,
/// 机关运行经费); a 决算's pairs as two series, budget and final. A blank cell is 0 when
/// `blanks_are_zero`, else NULL.
pub(super) fn store_three_public(
    p: &mut P,
    no: usize,
    cols: &[&str],
    series: &[Vec<Option<Decimal>>],
    pairs: bool,
    blanks_are_zero: bool,
) {
    use sangong::*;
    for (si, vals) in series.iter().enumerate() {
        let phase = if pairs {
            Some(if si == 0 { "budget" } else { "final" })
        } else {
            None
        };
        for (k, col) in cols.iter().enumerate() {
            let amount = vals[k].or(blanks_are_zero.then_some(Decimal::ZERO));
            match *col {
                ALL => {
                    p.rec.budget_lines.push(BudgetLineRec::new(
                        no,
                        "expense",
                        "“三公”经费、会议费、培训费合计",
                        None,
                        "memo",
                        amount,
                    ));
                }
                "会议费" | "培训费" | "机关运行经费" => {
                    p.rec
                        .budget_lines
                        .push(BudgetLineRec::new(no, "expense", col, None, "memo", amount));
                }
                _ => {
                    let parent = match *col {
                        T => None,
                        BUY | RUN => Some(CAR.to_string()),
                        _ => Some(T.to_string()),
                    };
                    let label = if *col == T {
                        "“三公”经费".to_string()
                    } else {
                        col.to_string()
                    };
                    p.rec.three_public.push(ThreePublicRec {
                        line: no,
                        year: p.year,
                        category: col.to_string(),
                        label,
                        parent_category: parent,
                        amount,
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase,
                    });
                }
            }
        }
    }
}
