//! Rules over what the prose states (the `statements` table): a percentage against the
//! figures it is computed from, a share against its base, one subject stated twice,
//! a sentence against the tables, a change against the year before's document.
//!
//! Every comparison allows for the rounding of what is printed: `57.8` stands for any
//! value in [57.75, 57.85], `22 %` for [21.5, 22.5]; a finding is made only when no
//! values the printed figures can stand for agree.

use super::{m, rows, span, Auditor, Figures, Finding, Row};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Half of the last printed digit of a figure (amounts: at least two decimals, as
/// 万元 amounts print; `5573.00` is stored as 5573).
fn half(d: Decimal, min_scale: u32) -> f64 {
    let s = d.normalize().scale().max(min_scale);
    0.5 * 10f64.powi(-(s as i32))
}

/// An interval of values a printed figure may stand for.
#[derive(Clone, Copy, Debug)]
struct Iv(f64, f64);

impl Iv {
    fn amount(d: Decimal) -> Iv {
        let x = d.to_f64().unwrap_or(0.0);
        let h = half(d, 2);
        Iv(x - h, x + h)
    }
    /// A printed percentage: rounded, or cut off (documents do both), give or take one
    /// unit of its last digit (a list of shares is often adjusted to add to 100%).
    fn percent(d: Decimal) -> Iv {
        let x = d.to_f64().unwrap_or(0.0);
        let h = half(d, 0);
        Iv(x - 3.0 * h, x + 4.0 * h)
    }
    fn meets(self, o: Iv) -> bool {
        self.0 <= o.1 + 1e-9 && o.0 <= self.1 + 1e-9
    }
}

/// 100 × (cur − prior) / prior over the corners of both intervals.
fn growth(cur: Iv, prior: Iv) -> Option<Iv> {
    if prior.0 <= 0.0 {
        return None;
    }
    let v = [
        (cur.0, prior.0),
        (cur.0, prior.1),
        (cur.1, prior.0),
        (cur.1, prior.1),
    ]
    .map(|(c, p)| 100.0 * (c - p) / p);
    Some(Iv(
        v.iter().copied().fold(f64::MAX, f64::min),
        v.iter().copied().fold(f64::MIN, f64::max),
    ))
}

/// 100 × part / whole over the corners of both intervals.
fn ratio(part: Iv, whole: Iv) -> Option<Iv> {
    if whole.0 <= 0.0 {
        return None;
    }
    let v = [
        part.0 / whole.0,
        part.0 / whole.1,
        part.1 / whole.0,
        part.1 / whole.1,
    ]
    .map(|x| 100.0 * x);
    Some(Iv(
        v.iter().copied().fold(f64::MAX, f64::min),
        v.iter().copied().fold(f64::MIN, f64::max),
    ))
}

fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x)
        .map(|d| d.round_dp(2))
        .unwrap_or_default()
}

/// A percentage off by less than a tenth of a point is a warning (a rounding slip),
/// more an error.
fn size(diff: Decimal) -> &'static str {
    if diff.abs() < Decimal::new(1, 1) {
        "warning"
    } else {
        "error"
    }
}

fn finding(
    r: &Row,
    rule: &'static str,
    severity: &'static str,
    expected: Decimal,
    found: Decimal,
    explanation: String,
) -> Finding {
    Finding {
        year: r.int("year"),
        dept_code: Some(r.text("dept_code")),
        rule,
        severity,
        table: "statements".into(),
        source: r.text("source"),
        page: r.int("page"),
        line: r.int("line"),
        lines: span(r.int("line"), None, None),
        expected,
        found,
        figures: Figures::Money,
        explanation,
    }
}

/// The subject a sentence names, without the words that only say it is a budget
/// figure (`基本支出预算数为` → `基本支出`).
fn plain(subject: &str) -> &str {
    let mut s = subject;
    for suffix in ["预算数", "预算", "数", "支出预算"] {
        s = s.strip_suffix(suffix).unwrap_or(s);
    }
    s
}

pub(super) fn run(a: &mut Auditor) -> Result<(), String> {
    let df = a.q("WITH s AS (SELECT * FROM statements WHERE {f}), d AS (SELECT source, dept_name AS dept_name_of FROM departments) \
        SELECT s.*, d.dept_name_of FROM s LEFT JOIN d ON d.source = s.source ORDER BY s.source, s.line")?;
    let mut out = vec![];
    for r in rows(&df) {
        let year = r.int("year").unwrap_or(0);
        let subject = r.text("subject");
        let kind = r.text("kind");
        let amount = r.dec("amount");
        let restated = r.dec("restated");
        let prior = r.dec("prior_amount");
        let change = r.dec("change");
        let percent = r.dec("percent");
        let direction = r.text("direction");
        // R25: the document names itself differently in a table header or label
        if kind == "name" {
            out.push(
                finding(
                    &r,
                    "R25",
                    "warning",
                    Decimal::ZERO,
                    Decimal::ZERO,
                    format!(
                        "a table header names the department “{subject}”, but the document is {}'s",
                        r.text("dept_name_of")
                    ),
                )
                .other(),
            );
            continue;
        }
        // R23: a note calls the table above it empty, and it prints figures
        if kind == "empty note" {
            if let Some(x) = amount.filter(|x| !x.is_zero()) {
                out.push(finding(&r, "R23", "error", Decimal::ZERO, x, format!(
                    "the note says the table above it is empty (“{subject}”), but the table prints figures up to {}", m(x))));
            }
            continue;
        }
        // R11: the sentence compares with the document's own (or a later) year
        if let Some(p) = r.int("prior_year").filter(|p| *p >= year) {
            out.push(finding(&r, "R11", "error", Decimal::from(year - 1), Decimal::from(p), format!(
                "“{subject}” is compared with {p}, but the document is {year}'s: the year before is {}", year - 1)).other());
        }
        // R18: one subject, two amounts for the year
        if let (Some(x), Some(y)) = (amount, restated) {
            if !Iv::amount(x).meets(Iv::amount(y)) {
                out.push(finding(&r, "R18", "error", x, y, format!(
                    "“{subject}” is stated as {} and, in the same item, as {} for the same year", m(x), m(y))));
            }
        }
        // R16: a percentage change against the figures it is computed from
        let currents: Vec<Decimal> = amount.into_iter().chain(restated).collect();
        if let Some(p) = percent {
            let stated = Iv::percent(p);
            let mut fits = false;
            let mut computed = None;
            for cur in &currents {
                let prior_iv = match (prior, change) {
                    (Some(pr), _) => Some(Iv::amount(pr)),
                    (None, Some(ch)) => {
                        let (c, h) = (Iv::amount(*cur), Iv::amount(ch));
                        Some(Iv(c.0 - h.1, c.1 - h.0))
                    }
                    _ => None,
                };
                let Some(prior_iv) = prior_iv else { continue };
                let Some(g) = growth(Iv::amount(*cur), prior_iv) else {
                    continue;
                };
                // the direction word says the sign; the percentage is printed unsigned
                let g = if direction == "decrease" {
                    Iv(-g.1, -g.0)
                } else {
                    g
                };
                if g.meets(stated) {
                    fits = true;
                }
                computed.get_or_insert(((g.0 + g.1) / 2.0, *cur, prior_iv));
            }
            if let (false, Some((g, cur, piv))) = (fits, computed) {
                let base = (piv.0 + piv.1) / 2.0;
                let word = if direction == "decrease" {
                    "a fall"
                } else {
                    "a rise"
                };
                // g is signed so that a positive g agrees with the direction word
                let other = if direction == "decrease" {
                    "a rise"
                } else {
                    "a fall"
                };
                let actual = if g >= 0.0 {
                    format!("{word} of {:.2}%", g.abs())
                } else {
                    format!("{other} of {:.2}%", g.abs())
                };
                out.push(
                    finding(
                        &r,
                        "R16",
                        size(dec(g) - p),
                        dec(g),
                        p,
                        format!(
                    "“{subject}” is said to change by {word} of {}%, but {} against {} is {actual}",
                    m(p), m(cur), m(dec(base))),
                    )
                    .other(),
                );
            }
        } else if let (Some(cur), Some(pr)) = (amount, prior) {
            // a direction word without a percentage, against the two figures
            let (c, p) = (Iv::amount(cur), Iv::amount(pr));
            let wrong = match direction.as_str() {
                "increase" => c.1 < p.0,
                "decrease" => c.0 > p.1,
                _ => false,
            };
            if wrong && restated.is_none() {
                out.push(finding(
                    &r,
                    "R16",
                    "error",
                    pr,
                    cur,
                    format!(
                        "“{subject}” is said to {} but it goes from {} to {}",
                        if direction == "increase" {
                            "rise"
                        } else {
                            "fall"
                        },
                        m(pr),
                        m(cur)
                    ),
                ));
            }
        }
        // R17: a share against its base
        if let (Some(sh), Some(base), Some(x)) = (r.dec("share"), r.dec("share_base"), amount) {
            if let Some(q) = ratio(Iv::amount(x), Iv::amount(base)) {
                if !q.meets(Iv::percent(sh)) {
                    let of = r.text("share_of");
                    let of = if of.is_empty() {
                        "the total it is listed under".to_string()
                    } else {
                        format!("“{of}”")
                    };
                    let mid = dec((q.0 + q.1) / 2.0);
                    out.push(
                        finding(
                            &r,
                            "R17",
                            size(mid - sh),
                            mid,
                            sh,
                            format!(
                                "“{subject}” {} is said to be {}% of {of}, but of {} it is {:.2}%",
                                m(x),
                                m(sh),
                                m(base),
                                (q.0 + q.1) / 2.0
                            ),
                        )
                        .other(),
                    );
                }
            }
        }
        // R22: the reason given points the other way
        // only a short reason that names a direction and no figure: one that explains
        // a transfer (`从会议费预算中调减403.75万元用于培训费`) says more than a direction
        let reason = r.text("reason");
        let short =
            reason.chars().count() <= 40 && !reason.contains("万元") && !reason.contains("一是");
        if short {
            let up = ["增加", "增长", "提高", "上升"]
                .iter()
                .any(|w| reason.contains(w));
            let down = [
                "减少", "下降", "降低", "压减", "压缩", "节约", "调减", "减支", "缩减", "减",
            ]
            .iter()
            .any(|w| reason.contains(w));
            let other_way = match direction.as_str() {
                "decrease" => up && !down,
                "increase" => down && !up,
                _ => false,
            };
            if other_way && percent.or(change).is_some_and(|x| !x.is_zero()) {
                out.push(
                    finding(
                        &r,
                        "R22",
                        "warning",
                        Decimal::ZERO,
                        Decimal::ZERO,
                        format!(
                            "“{subject}” is said to {}, but the reason given says the opposite: {}",
                            if direction == "increase" {
                                "rise"
                            } else {
                                "fall"
                            },
                            reason.trim_end_matches('。')
                        ),
                    )
                    .other(),
                );
            }
        }
    }
    a.out.extend(out);
    same_change_twice(a, &df)?;
    let dis = disclosures(a)?;
    let parts = parts(a, &dis)?;
    against_tables(a, &parts, &dis)?;
    against_last_year(a, &parts)?;
    Ok(())
}

/// What an amount is of, as far as R20 needs to know: money from the budget
/// (财政拨款, 一般公共预算: one quantity when they are equal), the whole budget
/// (收入、支出总计), or the subject itself.
fn family(subject: &str) -> String {
    if subject.contains("财政拨款") || subject.contains("一般公共预算") {
        "fiscal".into()
    } else if subject.contains("总计") || subject.contains("合计") {
        "total".into()
    } else {
        plain(subject).to_string()
    }
}

/// R20: one amount, compared with the same year, printed with two different changes
/// (`一般公共预算收入 21,940.96 … 增加 3,959.28` and `财政拨款支出 21,940.96 … 增加 3,958.98`).
fn same_change_twice(a: &mut Auditor, df: &polars::prelude::DataFrame) -> Result<(), String> {
    let mut seen: Vec<(String, Decimal, i32, Decimal, String, i32)> = vec![];
    for r in rows(df) {
        let (Some(x), Some(p), Some(ch)) = (r.dec("amount"), r.int("prior_year"), r.dec("change"))
        else {
            continue;
        };
        if x.is_zero() || ch.is_zero() {
            continue;
        }
        let src = r.text("source");
        let fam = family(&r.text("subject"));
        let first = seen
            .iter()
            .find(|s| s.0 == src && s.1 == x && s.2 == p && s.3 != ch && family(&s.4) == fam)
            .cloned();
        if let Some((_, _, _, ch0, subj0, line0)) = first {
            if !Iv::amount(ch0).meets(Iv::amount(ch)) {
                a.out.push(finding(&r, "R20", "warning", ch0, ch, format!(
                    "{} against {p} is said to change by {} here (“{}”) and by {} on line {line0} (“{subj0}”)",
                    m(x), m(ch), r.text("subject"), m(ch0))));
                continue;
            }
        }
        seen.push((src, x, p, ch, r.text("subject"), r.int("line").unwrap_or(0)));
    }
    Ok(())
}

/// The summary's parts (基本支出, 项目支出 …) of every loaded disclosure:
/// (disclosure, dept_code, year, phase, item) → (amount, line, source).
type Parts =
    std::collections::HashMap<(String, String, i32, String, String), (Decimal, i32, String)>;

/// Each document's disclosure (the files of one disclosure share it: tables + narrative).
type Disclosures = std::collections::HashMap<String, String>;

/// The sources of unit documents (单位预算/决算).
fn unit_sources(a: &mut Auditor) -> Result<std::collections::BTreeSet<String>, String> {
    let df = a.q("SELECT source FROM departments WHERE budget_level = 'unit'")?;
    Ok(rows(&df).map(|r| r.text("source")).collect())
}

fn disclosures(a: &mut Auditor) -> Result<Disclosures, String> {
    let df = a.q("SELECT source, disclosure FROM departments")?;
    Ok(rows(&df)
        .map(|r| (r.text("source"), r.text("disclosure")))
        .collect())
}

fn parts(a: &mut Auditor, dis: &Disclosures) -> Result<Parts, String> {
    let df = a.q("SELECT source, dept_code, year, phase, item, amount, line FROM budget_lines WHERE line_kind = 'part' AND amount IS NOT NULL")?;
    Ok(rows(&df)
        .filter_map(|r| {
            let src = r.text("source");
            Some((
                (
                    dis.get(&src).cloned().unwrap_or(src.clone()),
                    r.text("dept_code"),
                    r.int("year")?,
                    r.text("phase"),
                    r.text("item"),
                ),
                (r.dec("amount")?, r.int("line")?, src),
            ))
        })
        .collect())
}

fn exact(t: Decimal) -> Iv {
    let x = t.to_f64().unwrap_or(0.0);
    Iv(x, x)
}

/// R19: a sentence's amount against the table that prints the same figure: 基本支出 and
/// 项目支出 against the summary, a classification code against its row, the 财政拨款
/// total against the 财政拨款收支总表.
fn against_tables(a: &mut Auditor, parts: &Parts, dis: &Disclosures) -> Result<(), String> {
    let df = a.q("SELECT * FROM statements WHERE {f} AND kind = 'figure' AND amount IS NOT NULL AND func_code IS NULL")?;
    let mut found = vec![];
    for r in rows(&df) {
        let Some(x) = r.dec("amount") else { continue };
        let subject = r.text("subject");
        let src = r.text("source");
        let disclosure = dis.get(&src).cloned().unwrap_or(src.clone());
        let key = (
            disclosure,
            r.text("dept_code"),
            r.int("year").unwrap_or(0),
            r.text("phase"),
            plain(&subject).to_string(),
        );
        let Some((t, tl, tsrc)) = parts.get(&key) else {
            continue;
        };
        let (t, tl) = (*t, *tl);
        if (r.int("line") == Some(tl) && *tsrc == src) || Iv::amount(x).meets(exact(t)) {
            continue;
        }
        let where_ = if *tsrc == src {
            format!("line {tl}")
        } else {
            format!("{tsrc}, line {tl}")
        };
        found.push(finding(
            &r,
            "R19",
            "error",
            t,
            x,
            format!(
                "the text says {} {} but the table ({where_}) prints {}",
                plain(&subject),
                m(x),
                m(t)
            ),
        ));
    }
    let df = a.q("WITH s AS (SELECT * FROM statements WHERE {f} AND kind = 'figure' AND amount IS NOT NULL AND func_code IS NOT NULL), \
        t AS (SELECT source, func_code AS code, total AS amount, line FROM spending_by_function \
              UNION ALL SELECT source, code, amount, line FROM stated_subtotals WHERE column_name = 'total' AND code IS NOT NULL) \
        SELECT s.*, t.amount AS table_amount, t.line AS table_line FROM s JOIN t ON t.source = s.source AND t.code = s.func_code")?;
    // a code may be printed by more than one table: a finding only when none agrees
    let mut by_stmt: std::collections::BTreeMap<
        (String, i32, String),
        (bool, Option<(Decimal, i32)>, usize),
    > = Default::default();
    for (i, r) in rows(&df).enumerate() {
        let (Some(x), Some(t)) = (r.dec("amount"), r.dec("table_amount")) else {
            continue;
        };
        let key = (
            r.text("source"),
            r.int("line").unwrap_or(0),
            r.text("subject"),
        );
        let e = by_stmt.entry(key).or_insert((false, None, i));
        if Iv::amount(x).meets(exact(t)) {
            e.0 = true;
        } else {
            e.1.get_or_insert((t, r.int("table_line").unwrap_or(0)));
        }
    }
    for (ok, bad, i) in by_stmt.into_values() {
        let (false, Some((t, tl))) = (ok, bad) else {
            continue;
        };
        let r = Row { df: &df, i };
        let x = r.dec("amount").unwrap_or_default();
        found.push(finding(
            &r,
            "R19",
            "error",
            t,
            x,
            format!(
                "the text says {} ({}) {} but the table on line {tl} prints {}",
                r.text("subject"),
                r.text("func_code"),
                m(x),
                m(t)
            ),
        ));
    }
    let df = a.q("WITH s AS (SELECT * FROM statements WHERE {f} AND kind = 'figure' AND amount IS NOT NULL \
            AND (subject LIKE '%财政拨款收入支出总计%' OR subject LIKE '%财政拨款收支总计%' OR subject LIKE '%财政拨款收、支总%')), \
        t AS (SELECT source, amount, line FROM stated_subtotals WHERE table_name = '财政拨款收支总表' AND code IS NULL) \
        SELECT s.*, t.amount AS table_amount, t.line AS table_line FROM s JOIN t ON t.source = s.source")?;
    for r in rows(&df) {
        let (Some(x), Some(t)) = (r.dec("amount"), r.dec("table_amount")) else {
            continue;
        };
        if Iv::amount(x).meets(exact(t)) {
            continue;
        }
        found.push(finding(
            &r,
            "R19",
            "error",
            t,
            x,
            format!(
                "the text says {} {} but the table on line {} prints {}",
                r.text("subject"),
                m(x),
                r.int("table_line").unwrap_or(0),
                m(t)
            ),
        ));
    }
    a.out.extend(found);
    Ok(())
}

/// R21: a change against the year before, against that year's own document: the
/// amount minus the stated change is the prior year's figure, for 基本支出, 项目支出 and
/// the totals, where the same department's document of that year is loaded.
fn against_last_year(a: &mut Auditor, parts: &Parts) -> Result<(), String> {
    let df = a.q("SELECT * FROM statements WHERE {f} AND kind = 'figure' AND amount IS NOT NULL AND change IS NOT NULL AND prior_year = year - 1")?;
    // the parts by department, year, phase and item, whatever the disclosure; of two
    // documents of one department and year (its own and a unit's), the department's
    let units = unit_sources(a)?;
    let mut by_year: std::collections::BTreeMap<
        (String, i32, String, String),
        (Decimal, i32, String),
    > = Default::default();
    for ((_, d, y, p, i), v) in parts {
        let key = (d.clone(), *y, p.clone(), i.clone());
        // department documents first, then by source, so the choice never depends on order
        let rank = |src: &String| (units.contains(src), src.clone());
        if by_year
            .get(&key)
            .is_none_or(|old| rank(&v.2) < rank(&old.2))
        {
            by_year.insert(key, v.clone());
        }
    }
    let mut found = vec![];
    for r in rows(&df) {
        let (Some(x), Some(ch), Some(py)) = (r.dec("amount"), r.dec("change"), r.int("prior_year"))
        else {
            continue;
        };
        let item = plain(&r.text("subject")).to_string();
        let (dept, phase) = (r.text("dept_code"), r.text("phase"));
        let Some(&(t, tl, ref src)) = by_year.get(&(dept, py, phase, item.clone())) else {
            continue;
        };
        let implied = x - ch;
        let (c, h) = (Iv::amount(x), Iv::amount(ch));
        if Iv(c.0 - h.1, c.1 - h.0).meets(exact(t)) {
            continue;
        }
        found.push(finding(&r, "R21", "warning", t, implied, format!(
            "{item} {} with a change of {} implies {} in {py}, but {py}'s document ({src}, line {tl}) prints {}: the change on that figure is {}",
            m(x), m(ch), m(implied), m(t), m(x - t))));
    }
    a.out.extend(found);
    Ok(())
}
