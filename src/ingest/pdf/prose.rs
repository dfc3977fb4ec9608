//! The prose around the tables: the sentences stating totals (收支总计…), project
//! narratives and performance-goal forms.

use super::*;

/// Lines joined without spaces (a title or a sentence may wrap), remembering where
/// each line starts so a match can name its line.
pub(super) struct Joined {
    pub(super) text: String,
    /// (byte offset in `text`, line number), in order
    pub(super) starts: Vec<(usize, usize)>,
}

impl Joined {
    pub(super) fn new<'a>(lines: impl Iterator<Item = &'a L>) -> Joined {
        let mut j = Joined {
            text: String::new(),
            starts: vec![],
        };
        for l in lines {
            j.starts.push((j.text.len(), l.no));
            j.text.push_str(&l.c);
        }
        j
    }

    /// The line the byte at `pos` came from.
    pub(super) fn line_at(&self, pos: usize) -> usize {
        let k = self.starts.partition_point(|(s, _)| *s <= pos);
        k.checked_sub(1).map_or(1, |k| self.starts[k].1)
    }
}

/// What a figure stated in the prose (情况说明) is.
#[derive(Clone, Copy)]
pub(super) enum Stated {
    Income,
    Expense,
    IncomeAndExpense,
    Fiscal,
    GeneralPublic,
    Part(&'static str),
    Memo(&'static str),
    ThreePublic(&'static str, Option<&'static str>),
    ThreePublicFinal,
}

/// Figures the prose (情况说明) states, read where the tables did not state them: a
/// disclosure published as a narrative PDF alone, or a table whose cells are blank.
/// The tables win where both state a figure (AUDIT compares the two).
pub(super) fn prose(p: &mut P) -> Result<(), IngestError> {
    static RULES: LazyLock<Vec<(regex::Regex, Stated)>> = LazyLock::new(|| {
        let n = r"(\d[\d,]*(?:\.\d+)?)万元";
        let r = |pat: &str, s: Stated| {
            (
                regex::Regex::new(&pat.replace("NUM", n)).expect("static regex"),
                s,
            )
        };
        vec![
            r(
                r"收入、支出(?:预算)?总计(?:为)?NUM",
                Stated::IncomeAndExpense,
            ),
            r(r"财政拨款收入(?:预算)?总计(?:为)?NUM", Stated::Fiscal),
            r(r"(?:^|[^款])收入(?:预算)?总计(?:为)?NUM", Stated::Income),
            r(r"(?:^|[^款])支出(?:预算)?总计(?:为)?NUM", Stated::Expense),
            r(
                r"一般公共预算收入(?:预算)?(?:为)?NUM",
                Stated::GeneralPublic,
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?基本支出(?:预算数?)?为NUM",
                Stated::Part("基本支出"),
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?项目支出(?:预算数?)?为NUM",
                Stated::Part("项目支出"),
            ),
            r(
                r"(?:^|[，。：；、）．])(?:此外，)?单位预留机动经费(?:预算数?)?为NUM",
                Stated::Part("单位预留机动经费"),
            ),
            r(
                r"机关运行经费(?:支出|预算)(?:数)?(?:为)?NUM",
                Stated::Memo("机关运行经费"),
            ),
            r(
                r"因公出国[（(]境[)）]费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("因公出国（境）费", Some("合计")),
            ),
            r(
                r"公务用车购置(?:费)?(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务用车购置费", Some("公务用车购置及运行费")),
            ),
            r(
                r"公务用车运行维护费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务用车运行维护费", Some("公务用车购置及运行费")),
            ),
            r(
                r"公务接待费(?:预算)?支出(?:为)?NUM",
                Stated::ThreePublic("公务接待费", Some("合计")),
            ),
            r(
                r"“三公”经费(?:财政拨款)?支出决算(?:数)?为NUM",
                Stated::ThreePublicFinal,
            ),
        ]
    });
    // the unread lines joined without spaces (a sentence may wrap)
    let unread = Joined::new(p.unread());
    let (joined, line_at) = (&unread.text, |pos: usize| unread.line_at(pos));
    // totals, parts and income sources come from the prose only when no summary table
    // was read: a figure the tables state is never mixed with one the prose states
    let summary_read = p.rec.budget_lines.iter().any(|b| b.line_kind != "memo")
        || !p.rec.income_by_source.is_empty();
    let table_three_public = p.rec.three_public.iter().any(|t| t.amount.is_some());
    for (re, what) in RULES.iter() {
        let Some(m) = re.captures(&joined) else {
            continue;
        };
        let whole = m.get(0).map_or(0, |g| g.start());
        let line = line_at(m.get(1).map_or(whole, |g| g.start()));
        let amount = p.money(line, &m[1], Unit::Wan)?;
        let from_summary = matches!(
            what,
            Stated::IncomeAndExpense
                | Stated::Income
                | Stated::Expense
                | Stated::Fiscal
                | Stated::GeneralPublic
                | Stated::Part(_)
        );
        if from_summary && summary_read {
            continue;
        }
        match *what {
            Stated::IncomeAndExpense | Stated::Income | Stated::Expense => {
                let dirs: &[(&'static str, &str)] = match what {
                    Stated::Income => &[("income", "收入合计")],
                    Stated::Expense => &[("expense", "支出合计")],
                    _ => &[("income", "收入合计"), ("expense", "支出合计")],
                };
                for (dir, item) in dirs {
                    let taken = p
                        .rec
                        .budget_lines
                        .iter()
                        .any(|b| b.direction == *dir && b.line_kind == "total");
                    if !taken {
                        p.rec.budget_lines.push(BudgetLineRec::new(
                            line,
                            dir,
                            item,
                            None,
                            "total",
                            Some(amount),
                        ));
                    }
                }
            }
            Stated::Fiscal | Stated::GeneralPublic => {
                let (item, parent) = match what {
                    Stated::Fiscal => ("财政拨款", "收入合计"),
                    _ => ("一般公共预算", "财政拨款"),
                };
                if !p.rec.income_by_source.iter().any(|r| r.item == item) {
                    p.rec.income_by_source.push(IncomeRec {
                        line,
                        item: item.into(),
                        parent_item: Some(parent.into()),
                        line_kind: "part",
                        amount: Some(amount),
                    });
                }
            }
            Stated::Part(item) | Stated::Memo(item) => {
                let (parent, kind) = match what {
                    Stated::Part(_) => (Some("支出合计"), "part"),
                    _ => (None, "memo"),
                };
                if !p.rec.budget_lines.iter().any(|b| b.item == item) {
                    p.rec.budget_lines.push(BudgetLineRec::new(
                        line,
                        "expense",
                        item,
                        parent,
                        kind,
                        Some(amount),
                    ));
                }
            }
            Stated::ThreePublic(cat, parent) => {
                if !table_three_public && !p.rec.three_public.iter().any(|t| t.category == cat) {
                    p.rec.three_public.push(ThreePublicRec {
                        line,
                        year: p.year,
                        category: cat.into(),
                        label: cat.into(),
                        parent_category: parent.map(str::to_string),
                        amount: Some(amount),
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase: None,
                    });
                }
            }
            Stated::ThreePublicFinal => {
                // a 决算 whose 三公 table leaves the 决算数 cells blank states the total here
                let stated = p.rec.three_public.iter().any(|t| {
                    t.category == "合计"
                        && t.amount.is_some()
                        && t.phase.is_none_or(|ph| ph == "final")
                });
                let blank = p.rec.three_public.iter().position(|t| {
                    t.category == "合计"
                        && t.amount.is_none()
                        && t.phase.is_none_or(|ph| ph == "final")
                });
                if let Some(i) = blank.filter(|_| !stated) {
                    p.rec.three_public[i].amount = Some(amount);
                    let tl = p.rec.three_public[i].line;
                    p.warn(
                        tl,
                        format!("the “三公” table leaves the 决算数 total blank; the prose (line {line}) states {amount} 万元, which is stored"),
                    );
                } else if !stated {
                    p.rec.three_public.push(ThreePublicRec {
                        line,
                        year: p.year,
                        category: "合计".into(),
                        label: "“三公”经费".into(),
                        parent_category: None,
                        amount: Some(amount),
                        change_vs_prior: None,
                        prior_year: None,
                        change_line: None,
                        phase: Some("final"),
                    });
                }
            }
        }
    }
    Ok(())
}

/// The title of a project's narrative (`兰溪路-真南路下立交工程项目经费情况说明`) → the
/// project's name.
pub(super) fn narrative_project(c: &str) -> Option<&str> {
    let name = c
        .strip_suffix("项目经费情况说明")
        .or_else(|| c.strip_suffix("经费情况说明"))?;
    (name.chars().count() >= 2 && c.chars().count() <= 60 && !c.contains(['，', '。', '：']))
        .then_some(name)
}

/// A project's performance form (财政项目支出绩效目标申报表) starting at line `start`: read
/// up to the next form, project narrative or table; returns the line after it.
pub(super) fn perf_form(p: &mut P, start: usize) -> usize {
    let end = (start + 1..p.lines.len())
        .find(|&j| {
            let c = &p.lines[j].c;
            crate::ingest::perf_form::is_form_title(c)
                || narrative_project(c).is_some()
                || title_at(p, j).is_some() && unit_line_follows(p, j)
        })
        .unwrap_or(p.lines.len());
    let toks: Vec<crate::ingest::perf_form::Tok> = p.lines[start + 1..end]
        .iter()
        .flat_map(|l| {
            l.text
                .split_whitespace()
                .map(|w| crate::ingest::perf_form::Tok {
                    line: l.no,
                    text: compact(w),
                })
        })
        .collect();
    let title_line = p.lines[start].no;
    let last_line = p.lines[end - 1].no;
    let seq = p.rec.projects.len() as i32 + 1;
    match crate::ingest::perf_form::read(title_line, &toks, seq, p.year) {
        Ok(f) => {
            for (line, m) in f.warnings {
                p.warn(line, m);
            }
            p.rec.projects.push(f.project);
            p.rec.project_goals.extend(f.goals);
            p.rec.indicators.extend(f.indicators);
        }
        Err((line, m)) => {
            p.warn(line, format!("{m}; the form is not stored"));
            p.unstored.push((
                title_line,
                last_line,
                format!("{} (not read)", p.lines[start].text),
            ));
        }
    }
    for c in &mut p.consumed[start..end] {
        *c = true;
    }
    end
}

/// What each project's narrative (`…项目经费情况说明`) states as the year's budget
/// (`六、年度预算安排` / `2026年度预算安排22,614.51万元`) → `projects.stated_budget`, for
/// AUDIT's R5 against the form. A budget stated as several figures (a quarterly plan) is
/// left alone.
pub(super) fn project_narratives(p: &mut P) {
    static WAN: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(\d[\d,，]*(?:\.\d+)?)万元").expect("static regex"));
    for k in 0..p.lines.len() {
        let Some(name) = narrative_project(&p.lines[k].c) else {
            continue;
        };
        let name = name.to_string();
        let Some(pi) = p
            .rec
            .projects
            .iter()
            .position(|r| compact(&r.project_name) == name)
        else {
            continue;
        };
        let stop = (k + 1..p.lines.len())
            .find(|&j| {
                narrative_project(&p.lines[j].c).is_some()
                    || crate::ingest::perf_form::is_form_title(&p.lines[j].c)
            })
            .unwrap_or(p.lines.len());
        let Some(h) = (k + 1..stop).find(|&j| p.lines[j].c.contains("年度预算安排")) else {
            continue;
        };
        // the heading's own line after the words, and the lines up to the next heading
        let mut found = vec![];
        for j in h..stop {
            let c = &p.lines[j].c;
            if j > h
                && c.starts_with(|ch: char| "一二三四五六七八九十".contains(ch))
                && c.contains('、')
            {
                break;
            }
            let text = if j == h {
                c.split("年度预算安排").last().unwrap_or("")
            } else {
                c
            };
            for m in WAN.captures_iter(text) {
                found.push((p.lines[j].no, m[1].to_string()));
            }
        }
        if let [(line, figure)] = found.as_slice() {
            match parse_decimal(figure).ok().flatten().map(to_money) {
                Some(Ok(d)) => {
                    let r = &mut p.rec.projects[pi];
                    r.stated_budget = Some(d);
                    r.stated_line = Some(*line);
                }
                _ => p.warn(*line, format!("`{figure}万元` is not a figure")),
            }
        }
    }
}
