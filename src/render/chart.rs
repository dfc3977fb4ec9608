//! Horizontal bar charts: in the terminal (`CHART BAR <query>`) and as SVG
//! (`COPY (<query>) TO 'chart.svg'`). The first text column labels the bars, the
//! first numeric column sizes them; values are printed at the bar ends.

use super::{truncate, value_text, width, Options};
use crate::error::RenderError;
use polars::prelude::*;
use std::io::Write;

/// One bar: label, value for sizing, and the value as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// Pick the label and value columns and read the bars.
pub fn bars(df: &DataFrame, opts: &Options) -> Result<Vec<Bar>, RenderError> {
    let cols = df.columns();
    let numeric = |dt: &DataType| dt.is_primitive_numeric() || matches!(dt, DataType::Decimal(..));
    let value_col = cols.iter().find(|c| numeric(c.dtype())).ok_or_else(|| {
        RenderError::Data(
            "CHART BAR needs a numeric column to size the bars (e.g. SUM(budget))".into(),
        )
    })?;
    let label_col = cols
        .iter()
        .find(|c| !numeric(c.dtype()))
        .or_else(|| cols.iter().find(|c| c.name() != value_col.name()));
    let values = value_col
        .cast(&DataType::Float64)
        .map_err(|e| RenderError::Data(e.to_string()))?;
    let mut out = vec![];
    for i in 0..df.height() {
        let label = match label_col {
            Some(c) => c.get(i).map(|v| value_text(&v)).unwrap_or_default(),
            None => format!("{}", i + 1),
        };
        let av = value_col
            .get(i)
            .map_err(|e| RenderError::Data(e.to_string()))?;
        let text = super::cell(&av, true, opts.money).0;
        let v = values
            .get(i)
            .ok()
            .and_then(|v| v.extract::<f64>())
            .unwrap_or(0.0);
        out.push(Bar {
            label: if label.is_empty() {
                "NULL".into()
            } else {
                label
            },
            value: v,
            text,
        });
    }
    Ok(out)
}

/// Draw the bars with block characters, eighths for the fractional part.
pub fn terminal(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
    let bars = bars(df, opts)?;
    if bars.is_empty() {
        writeln!(out, "(no rows to chart)")?;
        return Ok(());
    }
    let max = bars.iter().map(|b| b.value.abs()).fold(0.0_f64, f64::max);
    let lw = bars
        .iter()
        .map(|b| width(&truncate(&b.label, 30)))
        .max()
        .unwrap_or(0);
    const W: f64 = 40.0;
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    for b in &bars {
        let label = truncate(&b.label, 30);
        let units = if max > 0.0 {
            (b.value.abs() / max * W * 8.0).round() as usize
        } else {
            0
        };
        let bar = format!("{}{}", "█".repeat(units / 8), EIGHTHS[units % 8]);
        let sign = if b.value < 0.0 { "-" } else { "" };
        writeln!(
            out,
            "{}{} │{sign}{bar} {}",
            label,
            " ".repeat(lw - width(&label)),
            b.text
        )?;
    }
    Ok(())
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The same chart as a standalone SVG document.
pub fn svg(df: &DataFrame, opts: &Options) -> Result<String, RenderError> {
    let bars = bars(df, opts)?;
    let max = bars.iter().map(|b| b.value.abs()).fold(0.0_f64, f64::max);
    let label_w = bars
        .iter()
        .map(|b| width(&b.label))
        .max()
        .unwrap_or(4)
        .min(40) as f64
        * 7.5
        + 16.0;
    let bar_w = 480.0;
    let row = 26.0;
    let h = bars.len() as f64 * row + 20.0;
    let w = label_w + bar_w + 120.0;
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"13\">\n"
    );
    s.push_str(&format!("<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\" class=\"background\"/>\n"));
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + i as f64 * row;
        let len = if max > 0.0 {
            b.value.abs() / max * bar_w
        } else {
            0.0
        };
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            label_w - 8.0,
            y + 17.0,
            xml(&b.label)
        ));
        s.push_str(&format!(
            "<rect class=\"bar\" x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{len:.2}\" height=\"{:.1}\" fill=\"#4e79a7\"><title>{}: {}</title></rect>\n",
            y + 3.0,
            row - 6.0,
            xml(&b.label),
            xml(&b.text)
        ));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            label_w + len + 6.0,
            y + 17.0,
            xml(&b.text)
        ));
    }
    s.push_str("</svg>\n");
    Ok(s)
}
