//! Stacked and grouped horizontal bars (`CHART BAR STACKED`, `CHART BAR GROUPED`): one
//! bar per category (the first column) with a segment per series, or a bar per
//! category and series side by side — e.g. fiscal vs other funds per unit. A stacked
//! bar ends with its total, added up exactly.

use super::{exact_sum, text_px, xml, Chart, Multi, FONTS, PALETTE};
use crate::error::RenderError;
use crate::render::{truncate, width};
use std::io::Write;

/// The fill of each series' segments in the terminal, in the order of [`PALETTE`].
pub const FILLS: [char; super::MAX_SERIES] = ['█', '▓', '▒', '░', '▚', '▞', '▙', '▟', '▛', '▜'];

/// Bar length in character cells (terminal) for the largest bar.
const CELLS: f64 = 40.0;
/// Bar length in pixels (SVG) for the largest bar.
const BAR_PX: f64 = 480.0;

fn value(m: &Multi, si: usize, ci: usize) -> f64 {
    m.series[si].values[ci].unwrap_or(0.0)
}

/// A stacked bar's total as printed: exact when every part is a plain decimal.
fn total_text(m: &Multi, ci: usize) -> String {
    let parts: Vec<&str> = m.series.iter().map(|s| s.exact[ci].as_str()).collect();
    exact_sum(&parts).unwrap_or_else(|| {
        let t: f64 = (0..m.series.len()).map(|si| value(m, si, ci)).sum();
        crate::render::float(t)
    })
}

fn total(m: &Multi, ci: usize) -> f64 {
    (0..m.series.len()).map(|si| value(m, si, ci)).sum()
}

/// The chart in the terminal.
pub fn terminal(m: &Multi, chart: Chart, out: &mut dyn Write) -> Result<(), RenderError> {
    if m.categories.is_empty() {
        writeln!(out, "(no rows to chart)")?;
        return Ok(());
    }
    let labels: Vec<String> = m.categories.iter().map(|c| truncate(c, 30)).collect();
    let lw = labels.iter().map(|l| width(l)).max().unwrap_or(0);
    let pad = |l: &str| format!("{l}{}", " ".repeat(lw - width(l)));
    if chart == Chart::StackedBar {
        let max = (0..m.categories.len())
            .map(|ci| total(m, ci))
            .fold(0.0_f64, f64::max);
        for (ci, label) in labels.iter().enumerate() {
            let mut bar = String::new();
            let (mut cum, mut drawn) = (0.0, 0usize);
            for (si, fill) in FILLS.iter().enumerate().take(m.series.len()) {
                cum += value(m, si, ci);
                let end = if max > 0.0 {
                    (cum / max * CELLS).round() as usize
                } else {
                    0
                };
                bar.extend(std::iter::repeat_n(*fill, end.saturating_sub(drawn)));
                drawn = drawn.max(end);
            }
            writeln!(out, "{} │{bar} {}", pad(label), total_text(m, ci))?;
        }
        let legend: Vec<String> = m
            .series
            .iter()
            .enumerate()
            .map(|(si, s)| format!("{} {}", FILLS[si], truncate(&s.name, 30)))
            .collect();
        writeln!(out, "{}  {}", " ".repeat(lw), legend.join("  "))?;
        if m.unit.is_some() {
            writeln!(out, "{}  {}", " ".repeat(lw), m.y_title())?;
        }
        return Ok(());
    }
    // grouped: one line per category and series
    let names: Vec<String> = m.series.iter().map(|s| truncate(&s.name, 20)).collect();
    let sw = names.iter().map(|n| width(n)).max().unwrap_or(0);
    let max = m
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |a, v| a.max(v.abs()));
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    for (ci, label) in labels.iter().enumerate() {
        for (si, name) in names.iter().enumerate() {
            let v = value(m, si, ci);
            let units = if max > 0.0 {
                (v.abs() / max * CELLS * 8.0).round() as usize
            } else {
                0
            };
            let bar = format!("{}{}", "█".repeat(units / 8), EIGHTHS[units % 8]);
            let sign = if v < 0.0 { "-" } else { "" };
            let text = &m.series[si].texts[ci];
            writeln!(
                out,
                "{} {name}{} │{sign}{bar} {}",
                if si == 0 { pad(label) } else { " ".repeat(lw) },
                " ".repeat(sw - width(name)),
                if text.is_empty() { "NULL" } else { text }
            )?;
        }
    }
    if m.unit.is_some() {
        writeln!(out, "{}  {}", " ".repeat(lw + sw + 1), m.y_title())?;
    }
    Ok(())
}

/// The chart as a standalone SVG document.
pub fn svg(m: &Multi, chart: Chart) -> String {
    const FONT: f64 = 12.0;
    let stacked = chart == Chart::StackedBar;
    let labels: Vec<String> = m.categories.iter().map(|c| truncate(c, 30)).collect();
    let label_w = 16.0 + labels.iter().map(|l| text_px(l, FONT)).fold(40.0, f64::max);
    let ns = m.series.len().max(1);
    let (bar_h, gap) = if stacked { (20.0, 8.0) } else { (14.0, 12.0) };
    let block = if stacked { bar_h } else { bar_h * ns as f64 };
    // legend: swatches and names in rows across the top
    let legend_items: Vec<(String, f64)> = m
        .series
        .iter()
        .map(|s| {
            let l = truncate(&s.name, 24);
            let w = 22.0 + text_px(&l, FONT) + 16.0;
            (l, w)
        })
        .collect();
    let body_w = label_w + BAR_PX + 110.0;
    let mut rows: Vec<Vec<usize>> = vec![vec![]];
    let mut row_w = 0.0;
    for (i, (_, w)) in legend_items.iter().enumerate() {
        if row_w + w > body_w - 20.0 && !rows.last().is_some_and(|r| r.is_empty()) {
            rows.push(vec![]);
            row_w = 0.0;
        }
        if let Some(r) = rows.last_mut() {
            r.push(i);
        }
        row_w += w;
    }
    let unit_h = if m.unit.is_some() { 18.0 } else { 0.0 };
    let top = 14.0 + rows.len() as f64 * 20.0 + unit_h;
    let h = top + m.categories.len() as f64 * (block + gap) + 14.0;
    let w = body_w;
    // the value scale: from the smallest to the largest end, zero included
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for ci in 0..m.categories.len() {
        if stacked {
            hi = hi.max(total(m, ci));
        } else {
            for si in 0..m.series.len() {
                lo = lo.min(value(m, si, ci));
                hi = hi.max(value(m, si, ci));
            }
        }
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f64| label_w + (v - lo) / span * BAR_PX;
    let zero = px(0.0);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONTS}\" font-size=\"{FONT}\" class=\"chart {}\">\n",
        if stacked { "stacked" } else { "grouped" }
    );
    s.push_str(&format!(
        "<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\" class=\"background\"/>\n<g class=\"legend\">\n"
    ));
    for (r, row) in rows.iter().enumerate() {
        let mut x = 10.0;
        let y = 14.0 + r as f64 * 20.0;
        for &i in row {
            s.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"12\" fill=\"{}\"/><text class=\"legend-label\" x=\"{:.1}\" y=\"{:.1}\">{}<title>{}</title></text>\n",
                y - 10.0,
                PALETTE[i],
                x + 20.0,
                y,
                xml(&legend_items[i].0),
                xml(&m.series[i].name)
            ));
            x += legend_items[i].1;
        }
    }
    if let Some(u) = m.unit {
        s.push_str(&format!(
            "<text class=\"unit\" x=\"10\" y=\"{:.1}\" fill=\"#555\" data-unit=\"{u}\">{}</text>\n",
            14.0 + rows.len() as f64 * 20.0,
            xml(&m.y_title())
        ));
    }
    s.push_str("</g>\n");
    for (ci, label) in labels.iter().enumerate() {
        let y0 = top + ci as f64 * (block + gap);
        s.push_str(&format!(
            "<g class=\"category\" data-name=\"{}\">\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}<title>{}</title></text>\n",
            xml(&m.categories[ci]),
            label_w - 8.0,
            y0 + block / 2.0 + 4.0,
            xml(label),
            xml(&m.categories[ci])
        ));
        if stacked {
            let mut cum = 0.0;
            for (si, ser) in m.series.iter().enumerate() {
                let v = value(m, si, ci);
                let (a, b) = (px(cum), px(cum + v));
                cum += v;
                s.push_str(&format!(
                    "<rect class=\"segment\" data-series=\"{}\" x=\"{a:.2}\" y=\"{y0:.1}\" width=\"{:.2}\" height=\"{bar_h}\" fill=\"{}\"><title>{}, {}: {}</title></rect>\n",
                    xml(&ser.name),
                    b - a,
                    PALETTE[si],
                    xml(&m.categories[ci]),
                    xml(&ser.name),
                    xml(&ser.texts[ci])
                ));
            }
            s.push_str(&format!(
                "<text class=\"total\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                px(cum) + 6.0,
                y0 + bar_h / 2.0 + 4.0,
                xml(&total_text(m, ci))
            ));
        } else {
            for (si, ser) in m.series.iter().enumerate() {
                let v = value(m, si, ci);
                let y = y0 + si as f64 * bar_h;
                let (a, b) = if v < 0.0 {
                    (px(v), zero)
                } else {
                    (zero, px(v))
                };
                let text = if ser.texts[ci].is_empty() {
                    "NULL"
                } else {
                    &ser.texts[ci]
                };
                s.push_str(&format!(
                    "<rect class=\"bar\" data-series=\"{}\" x=\"{a:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{}\"><title>{}, {}: {}</title></rect>\n",
                    xml(&ser.name),
                    y + 1.0,
                    b - a,
                    bar_h - 2.0,
                    PALETTE[si],
                    xml(&m.categories[ci]),
                    xml(&ser.name),
                    xml(text)
                ));
                s.push_str(&format!(
                    "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>\n",
                    b.max(zero) + 4.0,
                    y + bar_h / 2.0 + 3.5,
                    xml(text)
                ));
            }
        }
        s.push_str("</g>\n");
    }
    if lo < 0.0 {
        s.push_str(&format!(
            "<line class=\"zero\" x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"{top:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\n",
            h - 10.0
        ));
    }
    s.push_str("</svg>\n");
    s
}
