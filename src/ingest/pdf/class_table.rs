//! The reader of classification tables (功能分类, 经济分类, 收入/支出预算表): rows by
//! their codes, misprinted and misplaced codes kept as printed, subtotals verified, the
//! widest scope of each table chosen for storing.

use super::*;

/// The reader of classification tables (and of a spending table printed as its parts,
/// without codes); a table whose figures are not a classification table's is listed by
/// `--check`, not stored.
pub(super) fn read(p: &mut P, t: &Table) -> Result<Read, IngestError> {
    if t.kind == Kind::Spending && !t.body.iter().any(|l| segments(&l.text).is_some()) {
        spending_parts(p, t.header, t.rows, t.unit())?;
        return Ok(Read::Stored);
    }
    let table = class_table(
        p,
        t.kind,
        t.title,
        t.title_no,
        t.last_no,
        t.header,
        t.rows,
        t.unit(),
    )?;
    let figures_elsewhere = t
        .rows
        .iter()
        .any(|l| !total_label(&l.text) && l.text.split_whitespace().any(is_amount));
    if table.rows.is_empty() && figures_elsewhere {
        // printed figures that are not a classification table: leave them for --check
        return Ok(Read::Listed);
    }
    p.class_tables.push(table);
    Ok(Read::Stored)
}

/// One classification table as read.
pub(super) struct ClassTable {
    pub(super) kind: Kind,
    pub(super) title: String,
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) columns: Vec<&'static str>,
    /// (line, code, name, figures in 万元 by column)
    pub(super) rows: Vec<(usize, String, String, Vec<Option<Decimal>>)>,
    /// (line, label, figures) of total rows (合计, 人员经费合计 …)
    pub(super) totals: Vec<(usize, String, Vec<Option<Decimal>>)>,
    /// for each row, whether its code does not fit where it is printed (misprinted or
    /// under a 类/款 it is not part of): the row above it is then its parent as printed
    pub(super) misfit: Vec<bool>,
}

/// Columns of a classification table from its header.
pub(super) fn columns_of(kind: Kind, header: &[&L]) -> Vec<&'static str> {
    let mut h: String = header.iter().map(|l| l.c.as_str()).collect();
    // a PDF's header cells, their names stacked over lines joined
    if let Some(cells) = stacked_header(header) {
        h.extend(cells.iter().map(|c| c.0.as_str()));
    }
    if kind.is_economic() {
        if h.contains("人员经费") && h.contains("公用经费") {
            vec!["amount", "personnel", "public"]
        } else {
            vec!["amount"]
        }
    } else if h.contains("基本支出") && h.contains("项目支出") {
        vec!["total", "basic", "project"]
    } else {
        vec!["total"]
    }
}

/// A line of a classification table's body, as read.
#[derive(Debug)]
pub(super) enum ClassLine {
    /// a code-led row (side-by-side tables: several segments)
    Row(usize, Vec<Seg>),
    /// a total row: its label and figures
    Total(usize, String, Vec<String>),
    /// a fragment of a name printed on a line of its own
    Frag(String),
}

/// A classification table's body lines classified (repeated headers, 无 and unit lines
/// left out; a line of figures with no code or label warned of and left out, never a
/// name fragment), and the lines whose code is misprinted (kept as rows, warned of).
pub(super) fn class_lines(p: &mut P, title: &str, body: &[L]) -> (Vec<ClassLine>, Vec<usize>) {
    let mut es: Vec<ClassLine> = vec![];
    let mut misprinted: Vec<usize> = vec![];
    let mut i = 0;
    while i < body.len() {
        let l = &body[i];
        if let Some(mut segs) = segments(&l.text) {
            // a code alone, its name and figures on the next line
            if segs.len() == 1 && segs[0].name.is_empty() && segs[0].nums.is_empty() {
                if let Some(next) = body.get(i + 1) {
                    if segments(&next.text).is_none() && !is_header_line(&next.c) {
                        let toks: Vec<&str> = next.text.split_whitespace().collect();
                        let k = toks.iter().position(|t| is_amount(t)).unwrap_or(toks.len());
                        if k > 0 && toks[k..].iter().all(|t| is_amount(t)) {
                            segs[0].name = toks[..k].concat();
                            segs[0].nums = toks[k..].iter().map(|s| s.to_string()).collect();
                            es.push(ClassLine::Row(l.no, segs));
                            i += 2;
                            continue;
                        }
                    }
                }
            }
            es.push(ClassLine::Row(l.no, segs));
        } else if total_label(&l.text) {
            // 合计 38.5 / 人员经费合计 4884.09 公用经费合计 480.66 / 合计 then figures below
            let toks: Vec<&str> = l.text.split_whitespace().collect();
            let mut label = String::new();
            let mut nums: Vec<String> = vec![];
            let mut pairs: Vec<(String, Vec<String>)> = vec![];
            for t in toks {
                if is_amount(t) {
                    nums.push(t.to_string());
                } else {
                    if !nums.is_empty() {
                        pairs.push((std::mem::take(&mut label), std::mem::take(&mut nums)));
                    }
                    label.push_str(t);
                }
            }
            if nums.is_empty() {
                if let Some(f) = body.get(i + 1).and_then(|n| figures_only(&n.text)) {
                    nums = f.iter().map(|s| s.to_string()).collect();
                    i += 1;
                }
            }
            pairs.push((label, nums));
            for (label, nums) in pairs {
                es.push(ClassLine::Total(l.no, label, nums));
            }
        } else if is_header_line(&l.c) || l.c == "无" || is_unit_line(&l.c) {
            // repeated header, or an empty table's 无
        } else if let Some(seg) = misprinted_code_row(&l.text) {
            // a row whose code is misprinted (`7 11 02` for `210 11 02`): its own row,
            // kept as printed, never part of the name above it
            p.warn(
                l.no,
                format!(
                    "`{title}`: row `{}` prints the code `{}`, which is not a classification code (3, 5 or 7 digits); kept as printed — check it against the document (AUDIT's R13 reports the subtotal it is missing from)",
                    l.text.trim(),
                    seg.code
                ),
            );
            misprinted.push(l.no);
            es.push(ClassLine::Row(l.no, vec![seg]));
        } else if l
            .text
            .split_whitespace()
            .any(|t| is_amount(t) && t.len() > 2)
        {
            // figures with no code and no total label: never part of a name
            p.warn(
                l.no,
                format!(
                    "`{title}`: `{}` prints figures with no classification code or total label; not stored — check the table in the document",
                    l.text.trim()
                ),
            );
        } else {
            es.push(ClassLine::Frag(l.c.clone()));
        }
        i += 1;
    }
    (es, misprinted)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn class_table(
    p: &mut P,
    kind: Kind,
    title: &str,
    title_no: usize,
    last_no: usize,
    header: &[&L],
    body: &[L],
    unit: Unit,
) -> Result<ClassTable, IngestError> {
    let columns = columns_of(kind, header);
    // 1. classify lines: code rows, totals, fragments (text), headers
    let (es, misprinted) = class_lines(p, title, body);
    // 2. attach name fragments to rows (see the module docs)
    let mut rows: Vec<(usize, Seg, usize)> = vec![]; // (line, first segment, fragments above)
    let mut others: Vec<(usize, Seg)> = vec![]; // side-by-side segments after the first
    let mut pending: Vec<String> = vec![];
    let mut totals = vec![];
    for e in es {
        match e {
            ClassLine::Frag(f) => pending.push(f),
            ClassLine::Row(no, segs) => {
                let mut it = segs.into_iter();
                let Some(mut first) = it.next() else { continue };
                let prefix = distribute(&mut pending, rows.last_mut(), first.name.is_empty());
                let pre = prefix.len();
                first.name = format!("{}{}", prefix.concat(), first.name);
                rows.push((no, first, pre));
                for s in it {
                    others.push((no, s));
                }
            }
            ClassLine::Total(no, label, nums) => {
                let _ = distribute(&mut pending, rows.last_mut(), false);
                pending.clear();
                totals.push((no, label, nums));
            }
        }
    }
    let _ = distribute(&mut pending, rows.last_mut(), false);
    // 3. figures; with positions (a PDF), a row printing fewer figures than the table
    // has columns has each placed in the column it lines up with: the columns are
    // where the full rows print their figures (else the header's leaf cells)
    let first_segs: Vec<(usize, Vec<(f32, f32)>)> = {
        let line_of = |no: usize| {
            p.lines
                .binary_search_by_key(&no, |l| l.no)
                .ok()
                .map(|i| &p.lines[i])
        };
        rows.iter()
            .filter_map(|(no, s, _)| Some((*no, num_extents(line_of(*no)?, s)?)))
            .collect()
    };
    let width = columns.len();
    let mut ranges: Vec<Option<(f32, f32)>> = vec![None; width];
    for (_, xs) in first_segs.iter().filter(|(_, xs)| xs.len() == width) {
        for (k, x) in xs.iter().enumerate() {
            let r = ranges[k].get_or_insert(*x);
            r.0 = r.0.min(x.0);
            r.1 = r.1.max(x.1);
        }
    }
    let anchors: Option<Vec<(f32, f32)>> = ranges.into_iter().collect();
    let mut out_rows = vec![];
    let mut all: Vec<(usize, Seg)> = rows.into_iter().map(|(n, s, _)| (n, s)).collect();
    all.extend(others);
    all.sort_by_key(|(n, _)| *n);
    for (no, s) in all {
        if s.nums.len() > columns.len() && !matches!(kind, Kind::Income) {
            return Err(p.err(
                no,
                format!(
                    "row `{} {}` has {} figures but table `{title}` has {} amount columns",
                    s.code,
                    s.name,
                    s.nums.len(),
                    columns.len()
                ),
            ));
        }
        let mut figs = vec![None; columns.len()];
        let mut slots: Vec<usize> = (0..s.nums.len().min(width)).collect();
        if s.nums.len() < width {
            let xs = first_segs
                .iter()
                .find(|(n, xs)| *n == no && xs.len() == s.nums.len())
                .map(|(_, xs)| xs.clone());
            let by_anchor = xs.as_ref().and_then(|xs| match &anchors {
                Some(a) => columns_by(a, xs),
                None => None,
            });
            let by_header = || place_by_position(header, xs.as_deref()?, width);
            if let Some(placed) = by_anchor.or_else(by_header) {
                if placed != slots {
                    p.warn(
                        no,
                        format!(
                            "row `{} {}` prints {} figures for {width} columns; each is placed in the column it lines up with ({})",
                            s.code,
                            s.name,
                            s.nums.len(),
                            placed.iter().map(|k| columns[*k]).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
                slots = placed;
            }
        }
        for (t, k) in s.nums.iter().zip(slots) {
            figs[k] = Some(p.money(no, t, unit)?);
        }
        if let Some(b) = &s.bad {
            return Err(p.err(no, format!("`{b}` in row {} of table `{title}` is not a figure; fix the number (digits, one decimal point, commas between thousands)", s.code)));
        }
        if s.name.is_empty() {
            return Err(p.err(
                no,
                format!("code {} in table `{title}` has no name", s.code),
            ));
        }
        out_rows.push((no, s.code, s.name, figs));
    }
    let misfit = misplaced_codes(p, title, &out_rows, &misprinted);
    let mut out_totals = vec![];
    for (no, label, nums) in totals {
        let mut figs = vec![None; columns.len()];
        for (k, t) in nums.iter().take(columns.len()).enumerate() {
            figs[k] = Some(p.money(no, t, unit)?);
        }
        out_totals.push((no, label, figs));
    }
    let t = ClassTable {
        kind,
        title: title.to_string(),
        first: title_no,
        last: last_no,
        columns,
        rows: out_rows,
        totals: out_totals,
        misfit,
    };
    verify(p, &t);
    Ok(t)
}

/// A table line that is a row but for its code: digits that are not a classification
/// code (`7 11 02`, a misprint of `210 11 02`), then a name, then only figures. Its code
/// is the digits as printed.
pub(super) fn misprinted_code_row(text: &str) -> Option<Seg> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    let first = *toks.first()?;
    if !digits(first) || first.len() > 7 || is_code(first) {
        return None;
    }
    // a 款/项 part alone before the name's tail is the rest of a row wrapped inside it
    // (`302 其他商品和服务支` / `99 出 11.53`), not a code of its own
    if first.len() == 2 && !toks.get(1).is_some_and(|t| is_split_part(t)) {
        return None;
    }
    // the code as printed, its parts apart (`7 11 02`: a 项 by its three parts)
    let mut code = first.to_string();
    let mut i = 1;
    while i < toks.len() && toks[i].len() <= 2 && digits(toks[i]) && i < 3 {
        code.push(' ');
        code.push_str(toks[i]);
        i += 1;
    }
    let name_start = i;
    while i < toks.len() && !looks_numeric(toks[i]) {
        i += 1;
    }
    let name = toks[name_start..i].concat();
    let nums: Vec<String> = toks[i..].iter().map(|t| t.to_string()).collect();
    (!name.is_empty() && !nums.is_empty() && nums.iter().all(|t| is_amount(t))).then_some(Seg {
        code,
        name,
        nums,
        bad: None,
    })
}

/// Warn of each row whose code does not fit where it is printed: not under the row of
/// shorter code above it, and with no row of its own 类/款 anywhere in the table (a
/// misprinted `201 11 02` under `210 11`). The row is kept as printed.
pub(super) fn misplaced_codes(
    p: &mut P,
    title: &str,
    rows: &[(usize, String, String, Vec<Option<Decimal>>)],
    misprinted: &[usize],
) -> Vec<bool> {
    let mut msgs = vec![];
    let mut misfit = vec![false; rows.len()];
    for (k, (no, code, name, _)) in rows.iter().enumerate() {
        if !is_code(code) || misprinted.contains(no) {
            misfit[k] = true; // warned of when read
            continue;
        }
        let Some((_, above, above_name, _)) = rows[..k]
            .iter()
            .rev()
            .find(|(_, c, _, _)| c.len() < code.len())
        else {
            continue;
        };
        let parent = &code[..code.len() - 2];
        let has_parent = rows.iter().any(|(_, c, _, _)| c == parent);
        if !code.starts_with(above.as_str()) && !has_parent {
            misfit[k] = true;
            msgs.push((
                *no,
                format!(
                    "`{title}`: code {code} {name} is printed under {above} {above_name} but is not part of it, and the table prints no {parent}; kept as printed — check the code against the document (AUDIT's R13 reports the subtotal it is missing from)"
                ),
            ));
        }
    }
    for (no, m) in msgs {
        p.warn(no, m);
    }
    misfit
}

/// Share the name fragments printed between two code rows: the row above takes as
/// many below as it had above (a vertically centred cell), or all of them when it
/// had none above; a row printed without a name keeps the last fragment as its
/// name's start. Returns the next row's prefix fragments.
pub(super) fn distribute(
    pending: &mut Vec<String>,
    prev: Option<&mut (usize, Seg, usize)>,
    next_needs_name: bool,
) -> Vec<String> {
    let m = pending.len();
    let reserve = usize::from(next_needs_name).min(m);
    let avail = m - reserve;
    if let Some((_, seg, above)) = prev {
        let take = if *above > 0 {
            (*above).min(avail)
        } else {
            avail
        };
        for f in pending.drain(..take) {
            seg.name.push_str(&f);
        }
    }
    std::mem::take(pending)
}

/// A sum that reports overflow (figures too large for a decimal) instead of panicking.
pub(super) fn checked_sum(xs: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    xs.into_iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b))
}

/// The rows that are leaves: no other row's code extends theirs.
pub(super) fn leaves(t: &ClassTable) -> Vec<bool> {
    t.rows
        .iter()
        .enumerate()
        .map(|(k, (_, code, _, _))| {
            let extended = t.rows.iter().any(|(_, other, _, _)| {
                other.len() > code.len() && other.starts_with(code.as_str())
            });
            // a misfit row printed under it, deeper, is its child as printed (its
            // figures are not counted twice: once in it, once in the misfit)
            let misfit_below = t.misfit.get(k + 1) == Some(&true)
                && t.rows
                    .get(k + 1)
                    .is_some_and(|(_, c, _, _)| c.len() > code.len());
            !extended && !misfit_below
        })
        .collect()
}

/// Check every printed subtotal and total of a table against its leaves; a
/// difference is a warning (the document's, or a misread row).
pub(super) fn verify(p: &mut P, t: &ClassTable) {
    let leaf = leaves(t);
    // None when the figures are too large to add (a damaged document): reported, not a panic
    let sum_under = |prefix: &str, k: usize| -> Option<Decimal> {
        checked_sum(
            t.rows
                .iter()
                .zip(&leaf)
                .filter(|((_, c, _, _), l)| **l && c.starts_with(prefix))
                .filter_map(|((_, _, _, f), _)| f[k]),
        )
    };
    let show = |s: Option<Decimal>| {
        s.map_or("more than a decimal can hold".to_string(), |s| {
            s.normalize().to_string()
        })
    };
    let mut msgs = vec![];
    for ((no, code, name, figs), is_leaf) in t.rows.iter().zip(&leaf) {
        if *is_leaf {
            continue;
        }
        for (k, col) in t.columns.iter().enumerate() {
            if let Some(v) = figs[k] {
                let s = sum_under(code, k);
                if s != Some(v) {
                    msgs.push((
                        *no,
                        format!(
                            "`{}`: {code} {name} {col} is printed as {} but its items add up to {}",
                            t.title,
                            v.normalize(),
                            show(s)
                        ),
                    ));
                }
            }
        }
    }
    let named: Vec<_> = t
        .totals
        .iter()
        .filter(|(_, l, _)| l != "合计" && l != "总计")
        .collect();
    for (no, label, figs) in &t.totals {
        if label != "合计" && label != "总计" {
            continue;
        }
        for (k, col) in t.columns.iter().enumerate() {
            if let Some(v) = figs[k] {
                let s = sum_under("", k);
                if s != Some(v) {
                    msgs.push((
                        *no,
                        format!(
                            "`{}`: {label} {col} is printed as {} but the items add up to {}",
                            t.title,
                            v.normalize(),
                            show(s)
                        ),
                    ));
                }
            }
        }
    }
    if !named.is_empty() {
        // side-by-side halves with their own totals (人员经费合计, 公用经费合计): their sum is the table's
        let s = checked_sum(named.iter().filter_map(|(_, _, f)| f[0]));
        let items = sum_under("", 0);
        if s != items {
            msgs.push((
                named[0].0,
                format!(
                    "`{}`: the printed totals add up to {} but the items add up to {}",
                    t.title,
                    show(s),
                    show(items)
                ),
            ));
        }
    }
    for (no, m) in msgs {
        p.warn(no, m);
    }
}

/// Store the widest classification table of each kind (function, economic); the
/// others are checked the same way and listed by --check as read, not stored.
/// A classification table's printed total rows, into `stated_subtotals` as `table`.
pub(super) fn keep_totals(p: &mut P, t: &ClassTable, table: &'static str) {
    for (no, label, figs) in &t.totals {
        keep_row(p, t, table, *no, None, label, figs);
    }
}

/// One printed row of a classification table kept in `stated_subtotals`, a record per
/// column that prints a figure.
pub(super) fn keep_row(
    p: &mut P,
    t: &ClassTable,
    table: &'static str,
    line: usize,
    code: Option<&str>,
    name: &str,
    figs: &[Option<Decimal>],
) {
    for (col, v) in t.columns.iter().zip(figs) {
        if let Some(v) = v {
            p.rec.stated_subtotals.push(SubtotalRec {
                line,
                table,
                code: code.map(str::to_string),
                name: name.to_string(),
                column: col,
                amount: *v,
            });
        }
    }
}

pub(super) fn choose_class_tables(p: &mut P) {
    let tables = std::mem::take(&mut p.class_tables);
    let best = |econ: bool| {
        tables
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.kind.is_economic() == econ && t.kind != Kind::Income && !t.rows.is_empty()
            })
            .min_by_key(|(_, t)| t.kind.scope().map_or(99, |s| s.1))
            .map(|(i, _)| i)
    };
    let (bf, be) = (best(false), best(true));
    for (i, t) in tables.iter().enumerate() {
        let scope = t.kind.scope().map_or("", |s| s.0);
        if Some(i) != bf && Some(i) != be {
            // its printed totals are kept, under the view's own name (AUDIT's R13 checks
            // only the stored tables' subtotals against their rows)
            if let Some(view) = t.kind.view_name() {
                keep_totals(p, t, view);
                // and its rows, so AUDIT can check each row of the view (basic + project
                // = total) as it checks the stored table's
                for (no, code, name, figs) in &t.rows {
                    keep_row(p, t, view, *no, Some(code), name, figs);
                }
            }
            p.unstored.push((
                t.first,
                t.last,
                format!(
                    "{} ({} rows; a narrower or repeated view of a stored table)",
                    t.title,
                    t.rows.len()
                ),
            ));
            continue;
        }
        let leaf = leaves(t);
        let names: BTreeMap<&str, &str> = t
            .rows
            .iter()
            .map(|(_, c, n, _)| (c.as_str(), n.as_str()))
            .collect();
        let table_name = if t.kind.is_economic() {
            "spending_by_economic"
        } else {
            "spending_by_function"
        };
        for ((no, code, name, figs), is_leaf) in t.rows.iter().zip(&leaf) {
            if !is_leaf {
                keep_row(p, t, table_name, *no, Some(code), name, figs);
                continue;
            }
            // (a misprinted code kept as printed, `7 11 02`: its parts as printed)
            let parts: Vec<&str> = code.split(' ').collect();
            let class_code = if parts.len() > 1 {
                parts[0].to_string()
            } else {
                code.get(..3).unwrap_or(code).to_string()
            };
            let class_name = names.get(class_code.as_str()).map(|s| s.to_string());
            let col = |c: &str| t.columns.iter().position(|x| *x == c).and_then(|k| figs[k]);
            if t.kind.is_economic() {
                p.rec.spending_by_economic.push(EconomicRec {
                    line: *no,
                    econ_code: code.clone(),
                    class_code,
                    class_name,
                    name: name.clone(),
                    amount: col("amount"),
                    personnel: col("personnel"),
                    public: col("public"),
                    scope,
                });
            } else {
                let section_code = if parts.len() > 1 {
                    (parts.len() > 2).then(|| parts[..2].join(" "))
                } else {
                    code.get(..5).filter(|_| code.len() > 5).map(str::to_string)
                };
                let section_name = section_code
                    .as_deref()
                    .and_then(|s| names.get(s))
                    .map(|s| s.to_string());
                // by its length, or a misprinted code by its printed parts (`7 11 02`)
                let level = match code.split(' ').count() {
                    1 => match code.len() {
                        3 => "类",
                        5 => "款",
                        _ => "项",
                    },
                    2 => "款",
                    _ => "项",
                };
                p.rec.spending_by_function.push(FunctionRec {
                    line: *no,
                    func_code: code.clone(),
                    level,
                    class_code,
                    class_name,
                    section_code,
                    section_name,
                    name: name.clone(),
                    total: col("total"),
                    basic: col("basic"),
                    project: col("project"),
                    scope,
                });
            }
        }
        keep_totals(p, t, table_name);
        // basic and project spending from the stored function table's total row, when
        // the summary did not state them
        if !t.kind.is_economic() {
            let has_parts = p.rec.budget_lines.iter().any(|b| b.item == "基本支出");
            if let Some((no, _, figs)) = t.totals.iter().find(|(_, l, _)| l == "合计") {
                if !has_parts && t.kind == Kind::Spending {
                    let parent = if p.rec.budget_lines.iter().any(|b| b.item == "本年支出合计")
                    {
                        "本年支出合计"
                    } else {
                        "支出合计"
                    };
                    for (k, col) in t.columns.iter().enumerate() {
                        let item = match *col {
                            "basic" => "基本支出",
                            "project" => "项目支出",
                            _ => continue,
                        };
                        p.rec.budget_lines.push(BudgetLineRec::new(
                            *no,
                            "expense",
                            item,
                            Some(parent),
                            "part",
                            figs[k],
                        ));
                    }
                }
            }
        }
    }
}
