//! Line charts of years (`CHART LINE`): x is the first column, one line per series.
//! In the terminal the lines are drawn in braille dots (2 × 4 per character) with a
//! marker at every value; as SVG each series is a path with a circle per value (its
//! value in a tooltip), axes with round ticks, the unit in the value axis' title, and a
//! legend whose labels are measured (Chinese counts double) so they fit.

use super::{text_px, tick_text, ticks, xml, Multi, FONTS, PALETTE};
use crate::error::RenderError;
use crate::render::{truncate, width};
use std::io::Write;

/// One marker per series, in the order of [`PALETTE`].
pub const MARKERS: [char; super::MAX_SERIES] = ['●', '■', '▲', '◆', '○', '□', '△', '◇', '×', '+'];

/// Plot height in character rows.
const ROWS: usize = 16;

/// The value range drawn: the values' range with zero in it (as bars and most chart
/// tools start at zero, so a trend is not exaggerated), widened to round ticks.
fn value_range(m: &Multi) -> (f64, f64, Vec<f64>, usize) {
    let vals = m.series.iter().flat_map(|s| s.values.iter().flatten());
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for v in vals {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let (t, d) = ticks(lo, hi, 4);
    let lo = t.first().copied().unwrap_or(lo);
    let hi = t.last().copied().unwrap_or(hi);
    (lo, hi, t, d)
}

/// Where category `i` of `n` sits on an axis of `len` units.
fn x_at(i: usize, n: usize, len: f64) -> f64 {
    if n <= 1 {
        len / 2.0
    } else {
        i as f64 * len / (n - 1) as f64
    }
}

/// The chart in the terminal.
pub fn terminal(m: &Multi, out: &mut dyn Write) -> Result<(), RenderError> {
    let n = m.categories.len();
    if n == 0 {
        writeln!(out, "(no rows to chart)")?;
        return Ok(());
    }
    let cols = if n > 30 { (2 * n).min(200) } else { 60 };
    let (lo, hi, tick_vals, decimals) = value_range(m);
    let (pw, ph) = (cols * 2, ROWS * 4);
    let py = |v: f64| -> usize {
        (((hi - v) / (hi - lo)) * (ph - 1) as f64)
            .round()
            .clamp(0.0, (ph - 1) as f64) as usize
    };
    let px = |i: usize| -> usize { x_at(i, n, (pw - 2) as f64).round() as usize };
    let mut dots = vec![vec![false; pw]; ph];
    let mut marks: Vec<Vec<Option<char>>> = vec![vec![None; cols]; ROWS];
    for (si, s) in m.series.iter().enumerate() {
        let pts: Vec<Option<(usize, usize)>> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| v.map(|v| (px(i), py(v))))
            .collect();
        for w in pts.windows(2) {
            if let [Some(a), Some(b)] = w {
                segment(&mut dots, *a, *b);
            }
        }
        for (x, y) in pts.iter().flatten() {
            marks[y / 4][x / 2] = Some(MARKERS[si]);
        }
    }
    let labels: Vec<(usize, String)> = tick_vals
        .iter()
        .map(|t| (py(*t) / 4, tick_text(*t, decimals)))
        .collect();
    let lw = labels.iter().map(|(_, l)| width(l)).max().unwrap_or(0);
    writeln!(out, "{}", m.y_title())?;
    for (r, row_marks) in marks.iter().enumerate() {
        let label = labels.iter().find(|(row, _)| *row == r);
        let mut line = match label {
            Some((_, l)) => format!("{}{l} ┤", " ".repeat(lw - width(l))),
            None => format!("{} │", " ".repeat(lw)),
        };
        for (c, mark) in row_marks.iter().enumerate() {
            line.push(mark.unwrap_or_else(|| braille(&dots, r, c)));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    // the x axis: a tick under each category, labels where they do not overlap
    let xs: Vec<usize> = (0..n).map(|i| px(i) / 2).collect();
    let mut axis: Vec<char> = vec!['─'; cols];
    for &x in &xs {
        axis[x] = '┬';
    }
    writeln!(
        out,
        "{} └{} {}",
        " ".repeat(lw),
        axis.iter().collect::<String>(),
        m.x_name
    )?;
    let mut under = String::new();
    let mut used = 0usize; // display columns written so far
    for (i, &x) in xs.iter().enumerate() {
        let l = truncate(&m.categories[i], 16);
        let start = (lw + 2 + x).saturating_sub(width(&l) / 2);
        if start < used + 1 && used > 0 {
            continue;
        }
        under.push_str(&" ".repeat(start.saturating_sub(used)));
        under.push_str(&l);
        used = start.max(used) + width(&l);
    }
    writeln!(out, "{under}")?;
    // legend: marker and name per series, wrapped at 80 columns
    let mut legend = " ".repeat(lw);
    let mut lines = vec![];
    for (si, s) in m.series.iter().enumerate() {
        let item = format!("  {} {}", MARKERS[si], truncate(&s.name, 40));
        if width(&legend) + width(&item) > 80 && !legend.trim().is_empty() {
            lines.push(std::mem::replace(&mut legend, " ".repeat(lw + 2)));
        }
        legend.push_str(&item);
    }
    lines.push(legend);
    for l in lines {
        writeln!(out, "{}", l.trim_end())?;
    }
    Ok(())
}

/// Set the dots of a straight segment (Bresenham).
fn segment(dots: &mut [Vec<bool>], a: (usize, usize), b: (usize, usize)) {
    let (mut x, mut y) = (a.0 as i64, a.1 as i64);
    let (x1, y1) = (b.0 as i64, b.1 as i64);
    let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
    let (sx, sy) = (if x < x1 { 1 } else { -1 }, if y < y1 { 1 } else { -1 });
    let mut err = dx + dy;
    loop {
        if let Some(cell) = dots.get_mut(y as usize).and_then(|r| r.get_mut(x as usize)) {
            *cell = true;
        }
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// The braille character for the 2 × 4 dots of cell (row, col); a space when empty.
fn braille(dots: &[Vec<bool>], row: usize, col: usize) -> char {
    const BITS: [[u32; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];
    let mut b = 0;
    for (dy, bits) in BITS.iter().enumerate() {
        for (dx, bit) in bits.iter().enumerate() {
            if dots[row * 4 + dy][col * 2 + dx] {
                b |= bit;
            }
        }
    }
    if b == 0 {
        ' '
    } else {
        char::from_u32(0x2800 + b).unwrap_or(' ')
    }
}

/// The chart as a standalone SVG document.
pub fn svg(m: &Multi) -> String {
    const FONT: f64 = 12.0;
    const PLOT_W: f64 = 560.0;
    const PLOT_H: f64 = 300.0;
    const LEGEND_CHARS: usize = 28;
    let n = m.categories.len();
    let (lo, hi, tick_vals, decimals) = value_range(m);
    let tick_labels: Vec<String> = tick_vals.iter().map(|t| tick_text(*t, decimals)).collect();
    let tick_w = tick_labels
        .iter()
        .map(|t| text_px(t, FONT))
        .fold(0.0, f64::max);
    let left = 28.0 + tick_w + 10.0; // rotated axis title, labels, gap
    let top = 30.0;
    let legend_labels: Vec<String> = m
        .series
        .iter()
        .map(|s| truncate(&s.name, LEGEND_CHARS))
        .collect();
    let legend_w = 34.0
        + legend_labels
            .iter()
            .map(|l| text_px(l, FONT))
            .fold(0.0, f64::max);
    // x labels turn 45° when they would not fit side by side
    let slot = if n > 1 {
        PLOT_W / (n - 1) as f64
    } else {
        PLOT_W
    };
    let x_label_w = m
        .categories
        .iter()
        .map(|c| text_px(&truncate(c, 16), FONT))
        .fold(0.0, f64::max);
    let slanted = x_label_w + 6.0 > slot;
    let x_labels_h = if slanted {
        x_label_w * 0.72 + 14.0
    } else {
        18.0
    };
    let w = left + PLOT_W + 24.0 + legend_w + 10.0;
    let legend_h = 20.0 * m.series.len() as f64 + 10.0;
    let h = top + PLOT_H.max(legend_h) + x_labels_h + 34.0;
    let x = |i: usize| left + x_at(i, n, PLOT_W);
    let y = |v: f64| top + (hi - v) / (hi - lo) * PLOT_H;
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONTS}\" font-size=\"{FONT}\" class=\"chart line\">\n"
    );
    s.push_str(&format!(
        "<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\" class=\"background\"/>\n"
    ));
    // value axis: grid lines, tick labels, title
    s.push_str("<g class=\"y-axis\">\n");
    for (t, label) in tick_vals.iter().zip(&tick_labels) {
        let yy = y(*t);
        let stroke = if *t == 0.0 { "#888" } else { "#e5e5e5" };
        s.push_str(&format!(
            "<line class=\"grid\" x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"{stroke}\"/>\n",
            left + PLOT_W
        ));
        s.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left - 6.0,
            yy + 4.0,
            xml(label)
        ));
    }
    let mid = top + PLOT_H / 2.0;
    s.push_str(&format!(
        "<text class=\"axis-title\" x=\"14\" y=\"{mid:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {mid:.1})\">{}</text>\n</g>\n",
        xml(&m.y_title())
    ));
    // x axis: ticks, labels, title
    s.push_str("<g class=\"x-axis\">\n");
    let base = top + PLOT_H;
    s.push_str(&format!(
        "<line x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\" stroke=\"#888\"/>\n",
        left + PLOT_W
    ));
    for (i, c) in m.categories.iter().enumerate() {
        let xx = x(i);
        s.push_str(&format!(
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\n",
            base + 4.0
        ));
        let label = xml(&truncate(c, 16));
        if slanted {
            s.push_str(&format!(
                "<text class=\"tick\" x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {xx:.1} {:.1})\">{label}<title>{}</title></text>\n",
                base + 16.0,
                base + 16.0,
                xml(c)
            ));
        } else {
            s.push_str(&format!(
                "<text class=\"tick\" x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n",
                base + 17.0
            ));
        }
    }
    s.push_str(&format!(
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n</g>\n",
        left + PLOT_W / 2.0,
        base + x_labels_h + 22.0,
        xml(&m.x_name)
    ));
    // one path and its points per series
    for (si, ser) in m.series.iter().enumerate() {
        let colour = PALETTE[si];
        s.push_str(&format!(
            "<g class=\"series\" data-name=\"{}\">\n",
            xml(&ser.name)
        ));
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in ser.values.iter().enumerate() {
            match v {
                Some(v) => {
                    d.push_str(&format!(
                        "{}{:.1} {:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    ));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        s.push_str(&format!(
            "<path class=\"line\" d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n",
            d.trim_end()
        ));
        for (i, v) in ser.values.iter().enumerate() {
            if let Some(v) = v {
                s.push_str(&format!(
                    "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}, {}: {}</title></circle>\n",
                    x(i),
                    y(*v),
                    xml(&ser.name),
                    xml(&m.categories[i]),
                    xml(&ser.texts[i])
                ));
            }
        }
        s.push_str("</g>\n");
    }
    // legend
    let lx = left + PLOT_W + 24.0;
    s.push_str("<g class=\"legend\">\n");
    for (si, (ser, label)) in m.series.iter().zip(&legend_labels).enumerate() {
        let ly = top + 10.0 + si as f64 * 20.0;
        s.push_str(&format!(
            "<line x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2\"/><circle cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"3.5\" fill=\"{}\"/>\n",
            lx + 22.0,
            PALETTE[si],
            lx + 11.0,
            PALETTE[si]
        ));
        s.push_str(&format!(
            "<text class=\"legend-label\" x=\"{:.1}\" y=\"{:.1}\">{}<title>{}</title></text>\n",
            lx + 30.0,
            ly + 4.0,
            xml(label),
            xml(&ser.name)
        ));
    }
    s.push_str("</g>\n</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_braille() {
        let mut dots = vec![vec![false; 4]; 8];
        segment(&mut dots, (0, 0), (3, 7));
        assert!(dots[0][0] && dots[7][3]);
        assert_eq!(braille(&vec![vec![true, true]; 4], 0, 0), '⣿');
        assert_eq!(braille(&vec![vec![false, false]; 4], 0, 0), ' ');
    }
}
