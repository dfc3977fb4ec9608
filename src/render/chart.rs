//! Charts, in the terminal (`CHART …`) and as SVG (`COPY (CHART … ) TO 'x.svg'`):
//! horizontal bars (the first text column labels the bars, the first numeric column
//! sizes them, values at the bar ends), stacked and grouped bars ([`stack`]) and lines
//! of years ([`line`]). One data model, [`Multi`], reads the series of the last three
//! from a result the same way: x is the first column; one series per value of a text
//! column, else one per further numeric column.

pub mod line;
pub mod stack;

use super::{cell, truncate, value_text, width, MoneyUnit, Options};
use crate::error::RenderError;
use polars::prelude::*;
use std::io::Write;

/// The kinds of chart (`CHART BAR | BAR STACKED | BAR GROUPED | LINE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// one bar per row
    Bar,
    /// one bar per category, one segment per series
    StackedBar,
    /// one bar per category and series, side by side
    GroupedBar,
    /// one line per series over x (years)
    Line,
}

impl Chart {
    /// The words that ask for it, as `CHART` takes them.
    pub fn usage(self) -> &'static str {
        match self {
            Chart::Bar => "CHART BAR",
            Chart::StackedBar => "CHART BAR STACKED",
            Chart::GroupedBar => "CHART BAR GROUPED",
            Chart::Line => "CHART LINE",
        }
    }
}

/// A chart as a statement asks for it: its kind, and the title printed above it
/// (`CHART BAR TITLE '…' query`).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub chart: Chart,
    pub title: Option<String>,
}

impl Spec {
    /// A chart of this kind without a title.
    pub fn of(chart: Chart) -> Spec {
        Spec { chart, title: None }
    }
}

/// Draw `df` as `spec` in the terminal: the title, then the chart.
pub fn terminal(
    df: &DataFrame,
    spec: &Spec,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    if let Some(t) = &spec.title {
        writeln!(out, "{t}\n")?;
    }
    let chart = spec.chart;
    match chart {
        Chart::Bar => bar_terminal(df, opts, out),
        Chart::StackedBar | Chart::GroupedBar => {
            stack::terminal(&multi(df, chart, opts.money)?, chart, out)
        }
        Chart::Line => line::terminal(&multi(df, chart, opts.money)?, out),
    }
}

/// Draw `df` as `spec`, a standalone SVG document (with its title above the chart).
pub fn svg(df: &DataFrame, spec: &Spec, opts: &Options) -> Result<String, RenderError> {
    let chart = spec.chart;
    let drawn = match chart {
        Chart::Bar => bar_svg(df, opts)?,
        Chart::StackedBar | Chart::GroupedBar => stack::svg(&multi(df, chart, opts.money)?, chart),
        Chart::Line => line::svg(&multi(df, chart, opts.money)?),
    };
    Ok(match &spec.title {
        Some(t) => titled(&drawn, t),
        None => drawn,
    })
}

/// The height of the band a title takes above an SVG chart.
const TITLE_BAND: f64 = 32.0;

/// An SVG chart with `title` centred in a band above it: the chart's document becomes a
/// nested `<svg>` moved down by the band, inside one as wide and the band taller.
fn titled(svg: &str, title: &str) -> String {
    let body = svg
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .unwrap_or(svg);
    let attr = |name: &str| -> Option<f64> {
        let open = &body[..body.find('>')?];
        let at = open.find(&format!(" {name}=\""))? + name.len() + 3;
        open[at..].split('"').next()?.parse().ok()
    };
    let (Some(w), Some(h)) = (attr("width"), attr("height")) else {
        return svg.to_string();
    };
    let inner = body.replacen("<svg ", &format!("<svg y=\"{TITLE_BAND:.0}\" "), 1);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{:.0}\" viewBox=\"0 0 {w:.0} {:.0}\" font-family=\"{FONTS}\" class=\"titled-chart\">\n<text class=\"title\" x=\"{:.1}\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{}</text>\n{inner}</svg>\n",
        h + TITLE_BAND,
        h + TITLE_BAND,
        w / 2.0,
        xml(title)
    )
}

/// Check that `df` can be drawn as `chart`; the error says what the query must return.
pub fn check(df: &DataFrame, chart: Chart) -> Result<(), RenderError> {
    match chart {
        Chart::Bar => bars(df, &Options::default()).map(|_| ()),
        _ => multi(df, chart, MoneyUnit::Wan).map(|_| ()),
    }
}

/// At most this many series (lines, segments): one colour and marker each.
pub const MAX_SERIES: usize = 10;

/// One series: its name and one value per category (None: no row, or NULL).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// the value in the display unit, for drawing
    pub values: Vec<Option<f64>>,
    /// the value as budgetql prints it (thousands separators), for labels
    pub texts: Vec<String>,
    /// the exact digits, without separators (to add up totals exactly)
    pub exact: Vec<String>,
}

/// Categories (x values) and the series over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Multi {
    /// the x column's name
    pub x_name: String,
    /// the value axis' title: the value column's name, or the series' common unit
    pub y_name: String,
    /// the money unit when every value column is money (万元, 元, 亿元)
    pub unit: Option<&'static str>,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

impl Multi {
    /// The value axis' title with its unit: `spending (万元)`.
    pub fn y_title(&self) -> String {
        match (self.y_name.is_empty(), self.unit) {
            (true, Some(u)) => u.to_string(),
            (false, Some(u)) => format!("{} ({u})", self.y_name),
            _ => self.y_name.clone(),
        }
    }
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_primitive_numeric() || matches!(dt, DataType::Decimal(..))
}

fn is_money(dt: &DataType) -> bool {
    matches!(dt, DataType::Decimal(_, s) if *s == crate::model::MONEY.1)
}

fn get<'a>(c: &'a Column, r: usize) -> Result<AnyValue<'a>, RenderError> {
    c.get(r).map_err(|e| RenderError::Data(e.to_string()))
}

/// A value as a number in the display unit, its printed text and its exact digits.
fn reading(av: &AnyValue, unit: MoneyUnit) -> (Option<f64>, String, String) {
    if matches!(av, AnyValue::Null) {
        return (None, "NULL".into(), String::new());
    }
    let exact = cell(av, false, unit).0;
    let shown = cell(av, true, unit).0;
    (
        exact.parse::<f64>().ok().filter(|f| f.is_finite()),
        shown,
        exact,
    )
}

/// The column naming the series (long form), if any, and the value columns: long form
/// when a text column follows x, or when x repeats and a column follows it naming the
/// series (`dept_code, year, SUM(amount)`: a year per row is a series, not a value);
/// else every numeric column after x is a series (wide form).
fn series_columns<'a>(
    df: &'a DataFrame,
    usage: &str,
    example: &str,
) -> Result<(Option<&'a Column>, Vec<&'a Column>), RenderError> {
    let cols = df.columns();
    let (x, rest) = (&cols[0], &cols[1..]);
    let x_repeats = x.n_unique().is_ok_and(|n| n < df.height());
    let split = rest
        .iter()
        .find(|c| !is_numeric(c.dtype()))
        .or_else(|| rest.first().filter(|_| x_repeats && rest.len() >= 2));
    let nums: Vec<&Column> = rest
        .iter()
        .filter(|c| is_numeric(c.dtype()) && split.is_none_or(|s| s.name() != c.name()))
        .collect();
    if nums.is_empty() {
        return Err(RenderError::Data(format!(
            "{usage} needs a numeric column after `{}` for the values ({example})",
            x.name()
        )));
    }
    let values = match split {
        Some(_) => vec![nums[0]],
        None => nums,
    };
    Ok((split, values))
}

/// Read the series of a stacked/grouped bar or line chart from a result.
///
/// x is the first column. With a text column after it (e.g. `year, dept_code,
/// SUM(amount)`), each of its values is a series and the first numeric column after x
/// gives the values (long form); so too when x repeats, with the column after x naming
/// the series (`dept_code, year, SUM(amount)`: each year a series); otherwise each
/// numeric column after x is a series (wide form). Two rows for one x and series are an error, never summed; lines are
/// drawn in x order when x is a number or a date.
pub fn multi(df: &DataFrame, chart: Chart, unit: MoneyUnit) -> Result<Multi, RenderError> {
    let usage = chart.usage();
    let cols = df.columns();
    let example = match chart {
        Chart::Line => "e.g. CHART LINE SELECT year, dept_code, SUM(amount) FROM budget_lines … GROUP BY 1, 2",
        _ => "e.g. CHART BAR STACKED SELECT unit_code, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY 1",
    };
    if cols.len() < 2 {
        return Err(RenderError::Data(format!(
            "{usage} needs an x column followed by values ({example})"
        )));
    }
    let x = &cols[0];
    let (split, value_cols) = series_columns(df, usage, example)?;
    let money = value_cols.iter().all(|c| is_money(c.dtype()));
    let x_sorted =
        chart == Chart::Line && (is_numeric(x.dtype()) || matches!(x.dtype(), DataType::Date));
    // categories in first-seen order, with a sort key for lines over numbers/dates
    let mut categories: Vec<(String, f64)> = vec![];
    let mut series_names: Vec<String> = match split {
        Some(_) => vec![],
        None => value_cols.iter().map(|c| c.name().to_string()).collect(),
    };
    let mut cells: std::collections::HashMap<(usize, usize), (Option<f64>, String, String)> =
        Default::default();
    for r in 0..df.height() {
        let xv = get(x, r)?;
        let label = if matches!(xv, AnyValue::Null) {
            "NULL".to_string()
        } else {
            value_text(&xv)
        };
        let key = match &xv {
            AnyValue::Date(d) => *d as f64,
            v => v.extract::<f64>().unwrap_or(f64::NAN),
        };
        let ci = match categories.iter().position(|(l, _)| *l == label) {
            Some(i) => i,
            None => {
                categories.push((label.clone(), key));
                categories.len() - 1
            }
        };
        let targets: Vec<(usize, &Column)> = match split {
            Some(sc) => {
                let sv = get(sc, r)?;
                let name = if matches!(sv, AnyValue::Null) {
                    "NULL".to_string()
                } else {
                    value_text(&sv)
                };
                let si = match series_names.iter().position(|n| *n == name) {
                    Some(i) => i,
                    None => {
                        series_names.push(name);
                        series_names.len() - 1
                    }
                };
                vec![(si, value_cols[0])]
            }
            None => value_cols
                .iter()
                .enumerate()
                .map(|(i, c)| (i, *c))
                .collect(),
        };
        for (si, vc) in targets {
            if cells.contains_key(&(ci, si)) && (split.is_some() || chart == Chart::Line) {
                let what = match split {
                    Some(sc) => format!(
                        "`{}` = {label} and `{}` = {}",
                        x.name(),
                        sc.name(),
                        series_names[si]
                    ),
                    None => format!("`{}` = {label}", x.name()),
                };
                return Err(RenderError::Data(format!(
                    "{usage}: two rows for {what} (row {}); a chart draws one value for each: GROUP BY them",
                    r + 1
                )));
            }
            cells.insert((ci, si), reading(&get(vc, r)?, unit));
        }
    }
    if series_names.len() > MAX_SERIES {
        let by = split.map(|c| c.name().to_string()).unwrap_or_default();
        return Err(RenderError::Data(format!(
            "{usage} draws at most {MAX_SERIES} series; this result has {}{}: filter them (WHERE …) or keep the largest (ORDER BY … LIMIT)",
            series_names.len(),
            if by.is_empty() { " value columns".to_string() } else { format!(" values of `{by}`") }
        )));
    }
    let mut order: Vec<usize> = (0..categories.len()).collect();
    if x_sorted {
        order.sort_by(|a, b| categories[*a].1.total_cmp(&categories[*b].1));
    }
    let series: Vec<Series> = series_names
        .iter()
        .enumerate()
        .map(|(si, name)| {
            let mut s = Series {
                name: name.clone(),
                values: vec![],
                texts: vec![],
                exact: vec![],
            };
            for &ci in &order {
                let (v, t, e) =
                    cells
                        .get(&(ci, si))
                        .cloned()
                        .unwrap_or((None, String::new(), String::new()));
                s.values.push(v);
                s.texts.push(t);
                s.exact.push(e);
            }
            s
        })
        .collect();
    if chart == Chart::StackedBar {
        for ser in &series {
            if let Some(ci) = ser.values.iter().position(|v| v.is_some_and(|v| v < 0.0)) {
                return Err(RenderError::Data(format!(
                    "{usage} stacks amounts ≥ 0, but {} is {} for {}; draw signed values with CHART BAR GROUPED or CHART LINE",
                    ser.name, ser.texts[ci], categories[order[ci]].0
                )));
            }
        }
    }
    let y_name = match split {
        Some(_) => value_cols[0].name().to_string(),
        None if value_cols.len() == 1 => value_cols[0].name().to_string(),
        None => String::new(),
    };
    Ok(Multi {
        x_name: x.name().to_string(),
        y_name,
        unit: money.then(|| super::xlsx::unit_label(unit)),
        categories: order.iter().map(|&i| categories[i].0.clone()).collect(),
        series,
    })
}

/// Ten distinct colours (Tableau 10), one per series.
pub const PALETTE: [&str; MAX_SERIES] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The fonts SVG text asks for: Chinese-capable first, then the generic family.
pub const FONTS: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif";

/// Pixels a text takes at `size` px: Chinese characters are as wide as the font
/// size, Latin letters and digits about 0.6 of it (display width counts CJK double).
pub fn text_px(s: &str, size: f64) -> f64 {
    width(s) as f64 * size * 0.6
}

/// Round tick values covering [lo, hi] (about `n` steps of 1, 2, 2.5 or 5 × 10^k),
/// and the decimals their labels need.
pub fn ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() * 0.5, hi + hi.abs() * 0.5)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| norm <= *m + 1e-9)
        .unwrap_or(10.0);
    let step = nice * mag;
    let start = (lo / step + 1e-9).floor();
    let end = (hi / step - 1e-9).ceil();
    let out: Vec<f64> = (start as i64..=end as i64)
        .map(|k| k as f64 * step)
        .collect();
    let mut decimals = (-step.log10().floor()).max(0.0) as usize;
    if nice == 2.5 && step < 10.0 {
        decimals += 1;
    }
    (out, decimals)
}

/// A tick label: fixed decimals, thousands separators.
pub fn tick_text(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, if v == 0.0 { 0.0 } else { v });
    let (sign, s) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", &s));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let grouped = super::group(int);
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// The exact sum of printed values, with as many decimals as the most precise of them
/// (money adds up to the cent); None when any is not a plain decimal.
pub fn exact_sum(values: &[&str]) -> Option<String> {
    let mut total = rust_decimal::Decimal::ZERO;
    let mut places = 0;
    for v in values.iter().filter(|v| !v.is_empty()) {
        places = places.max(v.split_once('.').map(|(_, f)| f.len()).unwrap_or(0));
        total = total.checked_add(v.parse::<rust_decimal::Decimal>().ok()?)?;
    }
    let s = format!("{total:.places$}");
    let (sign, s) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", &s));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = super::group(int);
    Some(match frac {
        "" => format!("{sign}{int}"),
        f => format!("{sign}{int}.{f}"),
    })
}

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
    // the first text column labels the bars and the first numeric column sizes them; with
    // no text column (`SELECT year, SUM(amount)`), the first column labels them and the
    // first numeric column after it sizes them (the year is a label, not a size)
    let text = cols.iter().position(|c| !numeric(c.dtype()));
    let (label, value) = match text {
        Some(t) => (Some(t), cols.iter().position(|c| numeric(c.dtype()))),
        None if cols.len() >= 2 => (Some(0), Some(1)),
        None => (None, (!cols.is_empty()).then_some(0)),
    };
    let value_col = value.map(|v| &cols[v]).ok_or_else(|| {
        RenderError::Data(
            "CHART BAR needs a numeric column to size the bars (e.g. SUM(budget))".into(),
        )
    })?;
    let label_col = label.map(|l| &cols[l]);
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
fn bar_terminal(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
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

/// Text escaped for SVG.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The bar chart's value axis title: the sizing column's name, with the money unit when
/// it is money (`budget (万元)`).
fn bar_axis_title(df: &DataFrame, opts: &Options) -> String {
    let cols = df.columns();
    let text = cols.iter().position(|c| !is_numeric(c.dtype()));
    let value = match text {
        Some(_) => cols.iter().position(|c| is_numeric(c.dtype())),
        None if cols.len() >= 2 => Some(1),
        None => (!cols.is_empty()).then_some(0),
    };
    match value.map(|v| &cols[v]) {
        Some(c) if is_money(c.dtype()) => {
            format!("{} ({})", c.name(), super::xlsx::unit_label(opts.money))
        }
        Some(c) => c.name().to_string(),
        None => String::new(),
    }
}

/// The same chart as a standalone SVG document: bars from a value axis at 0 with round
/// ticks, the axis titled with the value column and its unit.
fn bar_svg(df: &DataFrame, opts: &Options) -> Result<String, RenderError> {
    let bars = bars(df, opts)?;
    let top = bars.iter().map(|b| b.value.abs()).fold(0.0_f64, f64::max);
    let (tick_values, decimals) = ticks(0.0, top, 5);
    // the axis ends at the last round tick, and the bars are sized on it
    let max = tick_values
        .last()
        .copied()
        .filter(|m| *m > 0.0)
        .unwrap_or(top);
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
    let axis_y = bars.len() as f64 * row + 14.0;
    let h = axis_y + 52.0;
    let w = label_w + bar_w + 120.0;
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONTS}\" font-size=\"13\">\n"
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
    // the value axis: a line at the bars' foot, ticks with their values, its title
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{label_w:.1}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#555\"/>\n",
        label_w + bar_w
    ));
    for t in &tick_values {
        let x = label_w + if max > 0.0 { t / max * bar_w } else { 0.0 };
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{axis_y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#555\"/>\n<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
            axis_y + 4.0,
            axis_y + 17.0,
            xml(&tick_text(*t, decimals))
        ));
    }
    let title = bar_axis_title(df, opts);
    if !title.is_empty() {
        s.push_str(&format!(
            "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            label_w + bar_w / 2.0,
            axis_y + 38.0,
            xml(&title)
        ));
    }
    s.push_str("</svg>\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_exact_with_the_parts_decimals() {
        assert_eq!(exact_sum(&["515.82", "0.00"]).unwrap(), "515.82");
        assert_eq!(exact_sum(&["0.1", "0.2"]).unwrap(), "0.3");
        assert_eq!(exact_sum(&["3", "1"]).unwrap(), "4");
        assert_eq!(
            exact_sum(&["9628.221344", "1000"]).unwrap(),
            "10,628.221344"
        );
        assert_eq!(exact_sum(&["NaN"]), None);
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (t, d) = ticks(0.0, 37_188.34, 4);
        assert_eq!(t, [0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0]);
        assert_eq!(d, 0);
        let (t, d) = ticks(-0.3, 0.9, 4);
        assert_eq!((t[0], *t.last().unwrap(), d), (-0.5, 1.0, 1));
        assert_eq!(tick_text(-12_500.0, 0), "-12,500");
        assert_eq!(tick_text(0.25, 2), "0.25");
    }
}
