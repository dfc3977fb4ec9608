//! Placement by position: which header column each printed figure stands under, from
//! the x extents of the header cells and of the figures.

use super::*;

/// A table header's cells from positions: words of the header lines that overlap
/// horizontally are one cell, stacked top to bottom (`基` over `本支出` is 基本支出; a
/// cell spanning several below it joins the first). None without positions.
pub(super) fn stacked_header(header: &[&L]) -> Option<Vec<(String, (f32, f32))>> {
    if header.is_empty() || header.iter().any(|h| h.xs.is_empty()) {
        return None;
    }
    let mut cells: Vec<(String, (f32, f32))> = vec![];
    // the 部门/单位 line above a header is not part of it
    for h in header.iter().filter(|h| {
        !h.c.contains("单位：")
            && !["部门：", "部门名称", "编制部门", "预算单位："]
                .iter()
                .any(|w| h.c.starts_with(w))
    }) {
        for (w, x) in h.text.split_whitespace().zip(&h.xs) {
            match cells.iter_mut().find(|(_, c)| c.0.max(x.0) < c.1.min(x.1)) {
                Some((t, c)) => {
                    t.push_str(w);
                    c.0 = c.0.min(x.0);
                    c.1 = c.1.max(x.1);
                }
                None => cells.push((w.to_string(), *x)),
            }
        }
    }
    cells.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
    Some(cells)
}

/// The x extents of a segment's figures on its line, when the line has positions: the
/// figures are the first run of tokens equal to them.
pub(super) fn num_extents(l: &L, seg: &Seg) -> Option<Vec<(f32, f32)>> {
    if l.xs.is_empty() || seg.nums.is_empty() {
        return None;
    }
    let toks: Vec<&str> = l.text.split_whitespace().collect();
    let n = seg.nums.len();
    (0..toks.len().checked_sub(n)? + 1)
        .find(|&i| toks[i..i + n].iter().zip(&seg.nums).all(|(a, b)| a == b))
        .map(|i| l.xs[i..i + n].to_vec())
}

/// The columns (indices into `anchors`, each a column's x extent) that figures at `xs`
/// line up with: the column whose extent holds a figure's centre, else the nearest;
/// None when two figures would share a column or their order would change.
pub(super) fn columns_by(anchors: &[(f32, f32)], xs: &[(f32, f32)]) -> Option<Vec<usize>> {
    let mut out: Vec<usize> = vec![];
    for x in xs {
        let c = (x.0 + x.1) / 2.0;
        let d = |a: &(f32, f32)| {
            if a.0 <= c && c <= a.1 {
                0.0
            } else {
                (c - a.0).abs().min((c - a.1).abs())
            }
        };
        let k = (0..anchors.len()).min_by(|&a, &b| d(&anchors[a]).total_cmp(&d(&anchors[b])))?;
        if out.last().is_some_and(|&prev| prev >= k) {
            return None;
        }
        out.push(k);
    }
    Some(out)
}

/// The column each figure of `row` lines up with, from positions: the table's columns
/// are the header's leaf cells (header words with no other header word printed below
/// them) right of the row's label area; a figure belongs to the leaf whose x extent
/// holds its centre (else the nearest). None without positions, when the leaves are not
/// exactly `width`, or when two figures would share a column.
pub(super) fn place_by_position(
    header: &[&L],
    row: &[(f32, f32)],
    width: usize,
) -> Option<Vec<usize>> {
    if row.is_empty() || header.iter().any(|h| h.xs.is_empty()) {
        return None;
    }
    let first_fig = row.first()?.0;
    // every header word with its line index
    let words: Vec<(usize, (f32, f32))> = header
        .iter()
        .enumerate()
        .flat_map(|(i, h)| h.xs.iter().map(move |x| (i, *x)))
        .collect();
    let overlaps = |a: (f32, f32), b: (f32, f32)| a.0.max(b.0) < a.1.min(b.1);
    let mut leaves: Vec<(f32, f32)> = words
        .iter()
        .filter(|(i, x)| !words.iter().any(|(j, y)| j > i && overlaps(*x, *y)))
        .map(|(_, x)| *x)
        .collect();
    leaves.sort_by(|a, b| a.0.total_cmp(&b.0));
    // a header of exactly the table's columns (a 三公 row prints no label): every leaf
    // is a column, whatever the row's first figure lines up with
    if leaves.len() == width {
        return columns_by(&leaves, row);
    }
    // the row's label area is left of the first figure's column: leaves left of the leaf
    // nearest the first figure go (a right-aligned figure may start right of its own
    // column's heading: `合计` at 104–128, its figure at 135–159)
    let first = row.first()?;
    let c = (first.0 + first.1) / 2.0;
    let dist = |a: &(f32, f32)| {
        if a.0 <= c && c <= a.1 {
            0.0
        } else {
            (c - a.0).abs().min((c - a.1).abs())
        }
    };
    let nearest =
        (0..leaves.len()).min_by(|&a, &b| dist(&leaves[a]).total_cmp(&dist(&leaves[b])))?;
    let keep_from = leaves
        .iter()
        .position(|x| x.1 > first_fig - 1.0)
        .unwrap_or(nearest)
        .min(nearest);
    let mut leaves = leaves.split_off(keep_from);
    leaves.sort_by(|a, b| a.0.total_cmp(&b.0));
    if leaves.len() != width {
        return None;
    }
    columns_by(&leaves, row)
}

/// Place `figs` into `width` columns, leaving `width - figs.len()` blanks, so that every
/// (total, parts) constraint holds; ties go to the leftmost blanks. None when no
/// placement works.
pub(super) fn place(
    figs: &[Decimal],
    width: usize,
    sums: &[(usize, Vec<usize>)],
) -> Result<Option<Vec<Option<Decimal>>>, IngestError> {
    if figs.len() > width {
        return Ok(None);
    }
    let blanks = width - figs.len();
    if blanks > 3 {
        return Ok(None);
    }
    // enumerate blank positions in lexicographic order
    let mut best = None;
    let mut idx: Vec<usize> = (0..blanks).collect();
    loop {
        let mut v = vec![None; width];
        let mut f = figs.iter();
        for (k, slot) in v.iter_mut().enumerate() {
            if !idx.contains(&k) {
                *slot = f.next().copied();
            }
        }
        let ok = sums.iter().all(|(t, parts)| {
            let total = v[*t].unwrap_or(Decimal::ZERO);
            checked_sum(parts.iter().map(|k| v[*k].unwrap_or(Decimal::ZERO))) == Some(total)
        });
        if ok {
            best = Some(v);
            break;
        }
        // next combination
        let mut k = blanks;
        loop {
            if k == 0 {
                return Ok(best);
            }
            k -= 1;
            if idx[k] < width - blanks + k {
                idx[k] += 1;
                for j in k + 1..blanks {
                    idx[j] = idx[j - 1] + 1;
                }
                break;
            }
        }
        if blanks == 0 {
            break;
        }
    }
    Ok(best)
}
