//! Results → text: an aligned table (display-width aware, so Chinese lines up),
//! CSV, JSON and Markdown. Everything writes to any `impl Write`, so rendering is
//! tested into a `Vec<u8>`.
//!
//! Money (`Decimal`) keeps its exact digits: 2 decimals are shown unless more are
//! significant (`162.00`, `0.125`), in every format.

pub mod chart;
pub mod xlsx;

use crate::error::RenderError;
use polars::prelude::*;
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// The unit money is displayed in (values are stored in 万元).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MoneyUnit {
    /// 万元 (10,000 yuan), as stored
    #[default]
    Wan,
    /// 元
    Yuan,
    /// 亿元 (100 million yuan)
    Yi,
}

impl std::str::FromStr for MoneyUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "wan" | "万元" => Ok(MoneyUnit::Wan),
            "yuan" | "元" => Ok(MoneyUnit::Yuan),
            "yi" | "亿元" => Ok(MoneyUnit::Yi),
            other => Err(format!("unknown money unit `{other}`; use wan, yuan or yi")),
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// aligned columns with a row count (default)
    Table,
    /// RFC 4180 comma-separated values with a header line
    Csv,
    /// tab-separated values with a header line (a value holding a tab, quote or line
    /// break quoted as in CSV)
    Tsv,
    /// a JSON array of objects; money as exact numbers
    Json,
    /// a GitHub-flavoured Markdown table
    Markdown,
    /// one `column = value` line per field, a blank line between rows
    Line,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        <Format as clap::ValueEnum>::from_str(s.trim(), true)
            .map_err(|_| format!("unknown mode `{}`; use {}", s.trim(), Format::names()))
    }
}

impl Format {
    /// Every format's name, for messages: `table, csv, tsv, json, markdown or line`.
    pub fn names() -> String {
        let names: Vec<String> = <Format as clap::ValueEnum>::value_variants()
            .iter()
            .filter_map(|f| clap::ValueEnum::to_possible_value(f))
            .map(|v| v.get_name().to_string())
            .collect();
        crate::query::names::listed(&names, "or")
    }
}

/// Display options for the table format.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest cell, in display columns, before it is cut with `…`.
    pub max_width: usize,
    /// Rows shown before the middle of a long result is elided.
    pub max_rows: usize,
    /// The unit money (Decimal with scale 4) is shown in.
    pub money: MoneyUnit,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_width: 48,
            max_rows: 200,
            money: MoneyUnit::Wan,
        }
    }
}

/// A value as budgetql prints it (money exact, dates as YYYY-MM-DD), without separators.
pub fn value_text(av: &AnyValue) -> String {
    cell(av, false, MoneyUnit::Wan).0
}

/// A cell as text, plus whether it is a number (right-aligned).
fn cell(av: &AnyValue, grouped: bool, unit: MoneyUnit) -> (String, bool) {
    let mut s = String::new();
    let num = push_cell(&mut s, av, grouped, unit);
    (s, num)
}

/// [`cell`], appended to `s` (a whole column or row in one buffer, not a string per cell);
/// returns whether it is a number.
fn push_cell(s: &mut String, av: &AnyValue, grouped: bool, unit: MoneyUnit) -> bool {
    if let Some(i) = integer(av) {
        s.push_str(itoa::Buffer::new().format(i));
        return true;
    }
    match av {
        AnyValue::Null => false,
        AnyValue::String(t) => {
            s.push_str(t);
            false
        }
        AnyValue::StringOwned(t) => {
            s.push_str(t);
            false
        }
        AnyValue::Boolean(b) => {
            s.push_str(if *b { "true" } else { "false" });
            false
        }
        AnyValue::Decimal(v, _, scale) if *scale == crate::model::MONEY.1 => {
            push_money(s, *v, *scale, grouped, unit);
            true
        }
        AnyValue::Decimal(v, _, scale) => {
            push_decimal(s, *v, *scale, grouped);
            true
        }
        AnyValue::Float64(f) => {
            push_float(s, *f);
            true
        }
        AnyValue::Float32(f) => {
            push_float(s, *f as f64);
            true
        }
        AnyValue::Date(d) => {
            s.push_str(&date(*d));
            false
        }
        // a list (ARRAY_AGG) in full, its values as budgetql prints them, NULL spelled out
        AnyValue::List(values) => {
            s.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                if matches!(v, AnyValue::Null) {
                    s.push_str("NULL");
                } else {
                    push_cell(s, &v, false, unit);
                }
            }
            s.push(']');
            false
        }
        v if v.is_primitive_numeric() => {
            s.push_str(&v.to_string());
            true
        }
        v => {
            s.push_str(v.to_string().trim_matches('"'));
            false
        }
    }
}

/// An integer cell's value.
fn integer(av: &AnyValue) -> Option<i128> {
    Some(match av {
        AnyValue::Int8(v) => *v as i128,
        AnyValue::Int16(v) => *v as i128,
        AnyValue::Int32(v) => *v as i128,
        AnyValue::Int64(v) => *v as i128,
        AnyValue::UInt8(v) => *v as i128,
        AnyValue::UInt16(v) => *v as i128,
        AnyValue::UInt32(v) => *v as i128,
        AnyValue::UInt64(v) => *v as i128,
        _ => return None,
    })
}

/// Money in the chosen display unit, as its own string.
fn money(v: i128, scale: usize, grouped: bool, unit: MoneyUnit) -> String {
    let mut s = String::with_capacity(24);
    push_money(&mut s, v, scale, grouped, unit);
    s
}

/// A float as text: whole numbers keep one decimal (`3.0`), others print in full.
fn float(f: f64) -> String {
    let mut s = String::new();
    push_float(&mut s, f);
    s
}

fn push_float(s: &mut String, f: f64) {
    use std::fmt::Write as _;
    let _ = if f.is_finite() && f == f.trunc() && f.abs() < 1e15 {
        write!(s, "{f:.1}")
    } else {
        write!(s, "{f}")
    };
}

/// Money in the chosen display unit, exact (万元 → 元 multiplies by 10⁴, → 亿元 divides).
fn push_money(s: &mut String, v: i128, scale: usize, grouped: bool, unit: MoneyUnit) {
    match unit {
        MoneyUnit::Wan => push_decimal(s, v, scale, grouped),
        MoneyUnit::Yuan => match v.checked_mul(10_000) {
            Some(x) => push_decimal(s, x, scale, grouped),
            None => push_decimal(s, v, scale - 4, grouped),
        },
        MoneyUnit::Yi => push_decimal(s, v, scale + 4, grouped),
    }
}

/// Exact text of a Decimal: at least 2 decimals, more only when significant.
pub fn decimal(v: i128, scale: usize, grouped: bool) -> String {
    let mut s = String::with_capacity(24);
    push_decimal(&mut s, v, scale, grouped);
    s
}

/// [`decimal`], appended to `s` (one allocation for a whole row or none).
fn push_decimal(s: &mut String, v: i128, scale: usize, grouped: bool) {
    let mut buf = [0u8; 48];
    let mut n = v.unsigned_abs();
    let mut len = 0;
    loop {
        buf[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    // buf holds the digits least significant first; pad to scale + 1 digits
    while len <= scale {
        buf[len] = b'0';
        len += 1;
    }
    let digit = |i: usize| buf[len - 1 - i] as char; // i-th digit from the left
    let int_len = len - scale;
    // fraction: drop trailing zeros, keep at least two places (fewer if the scale is)
    let mut frac_len = scale;
    while frac_len > 2.min(scale) && buf[scale - frac_len] == b'0' {
        frac_len -= 1;
    }
    if v < 0 {
        s.push('-');
    }
    for i in 0..int_len {
        if grouped && i > 0 && (int_len - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(digit(i));
    }
    if frac_len > 0 {
        s.push('.');
        for i in int_len..int_len + frac_len {
            s.push(digit(i));
        }
    }
}

/// Digits with thousands separators (`1234567` → `1,234,567`).
fn group(int: &str) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A Polars date (days since 1970-01-01) as `YYYY-MM-DD`.
pub fn date(days: i32) -> String {
    let z = days as i64 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

/// A column's values in row order, read from one chunk (looking a cell up by row
/// index searches the chunks every time, and a streamed result has many); None for an
/// empty column.
pub(crate) fn values(c: &Column) -> Option<Series> {
    (!c.is_empty()).then(|| c.as_materialized_series().rechunk())
}

/// The cells of every row, each (text, is a number, is NULL).
fn rows_of(df: &DataFrame, grouped: bool, unit: MoneyUnit) -> Vec<Vec<(String, bool, bool)>> {
    let cols = df.columns();
    let mut out: Vec<Vec<(String, bool, bool)>> = (0..df.height())
        .map(|_| Vec::with_capacity(cols.len()))
        .collect();
    for s in cols.iter().filter_map(values) {
        for (row, av) in out.iter_mut().zip(s.iter()) {
            let null = matches!(av, AnyValue::Null);
            let (text, num) = cell(&av, grouped, unit);
            row.push((text, num, null));
        }
    }
    out
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `max` display columns, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// Render a result in `format` to `out`.
pub fn render(
    df: &DataFrame,
    format: Format,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    // one write per block, not per line (a terminal's stdout flushes every line)
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Table => table(df, opts, &mut buf),
        Format::Csv => delimited(df, opts, &mut buf, ','),
        Format::Tsv => delimited(df, opts, &mut buf, '\t'),
        Format::Json => json(df, opts, &mut buf),
        Format::Markdown => markdown(df, opts, &mut buf),
        Format::Line => line(df, opts, &mut buf),
    }?;
    buf.flush()?;
    Ok(())
}

fn table(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
    let heads = names(df);
    let n = df.height();
    // only the rows shown are turned into text (a large result shows its first and last)
    let (head, tail) = if n > opts.max_rows {
        let head = opts.max_rows / 2;
        (head, opts.max_rows - head)
    } else {
        (n, 0)
    };
    let mut cells = rows_of(&df.slice(0, head), true, opts.money);
    cells.extend(rows_of(
        &df.slice((n - tail) as i64, tail),
        true,
        opts.money,
    ));
    let shown: Vec<Option<&Vec<(String, bool, bool)>>> = if n > opts.max_rows {
        cells[..head]
            .iter()
            .map(Some)
            .chain(std::iter::once(None))
            .chain(cells[head..].iter().map(Some))
            .collect()
    } else {
        cells.iter().map(Some).collect()
    };
    let shown: Vec<Option<Vec<(String, bool, bool)>>> = shown
        .into_iter()
        .map(|r| {
            r.map(|r| {
                r.iter()
                    .map(|(s, num, null)| {
                        (
                            if *null {
                                "NULL".to_string()
                            } else {
                                truncate(s, opts.max_width)
                            },
                            *num,
                            *null,
                        )
                    })
                    .collect()
            })
        })
        .collect();
    let mut w: Vec<usize> = heads.iter().map(|h| width(h)).collect();
    for r in shown.iter().flatten() {
        for (i, (s, _, _)) in r.iter().enumerate() {
            w[i] = w[i].max(width(s));
        }
    }
    let line = |l: &str, m: &str, r: &str| -> String {
        let mut s = String::from(l);
        for (i, wi) in w.iter().enumerate() {
            s.push_str(&"─".repeat(wi + 2));
            s.push_str(if i + 1 == w.len() { r } else { m });
        }
        s
    };
    if !heads.is_empty() {
        writeln!(out, "{}", line("┌", "┬", "┐"))?;
        let hs: Vec<String> = heads
            .iter()
            .enumerate()
            .map(|(i, h)| pad(h, w[i], false))
            .collect();
        writeln!(out, "│ {} │", hs.join(" │ "))?;
        writeln!(out, "{}", line("├", "┼", "┤"))?;
        for r in &shown {
            match r {
                Some(r) => {
                    let cs: Vec<String> = r
                        .iter()
                        .enumerate()
                        .map(|(i, (s, num, _))| pad(s, w[i], *num))
                        .collect();
                    writeln!(out, "│ {} │", cs.join(" │ "))?;
                }
                None => {
                    let cs: Vec<String> = w.iter().map(|wi| pad("·", *wi, false)).collect();
                    writeln!(out, "│ {} │", cs.join(" │ "))?;
                }
            }
        }
        writeln!(out, "{}", line("└", "┴", "┘"))?;
    }
    let noun = if n == 1 { "row" } else { "rows" };
    if n > opts.max_rows {
        writeln!(out, "{n} {noun} ({} shown)", opts.max_rows)?;
    } else {
        writeln!(out, "{n} {noun}")?;
    }
    Ok(())
}

/// A delimited field: quoted when it holds the separator, a quote or a line break.
fn quoted(s: String, sep: char) -> String {
    if needs_quotes(&s, sep) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn needs_quotes(s: &str, sep: char) -> bool {
    s.contains([sep, '"', '\n', '\r'])
}

/// CSV (`,`) or TSV (a tab): a header line, then a line per row.
fn delimited(
    df: &DataFrame,
    opts: &Options,
    out: &mut dyn Write,
    sep: char,
) -> Result<(), RenderError> {
    let heads: Vec<String> = names(df).iter().map(|h| quoted(h.clone(), sep)).collect();
    writeln!(out, "{}", heads.join(&sep.to_string()))?;
    // column by column into one text each (cell ends kept), then each row written as one line
    let h = df.height();
    let cols: Vec<(String, Vec<usize>)> = df
        .columns()
        .iter()
        .filter_map(values)
        .map(|s| {
            let mut text = String::with_capacity(h * 8);
            let mut ends = Vec::with_capacity(h);
            for av in s.iter() {
                let start = text.len();
                push_cell(&mut text, &av, false, opts.money);
                if needs_quotes(&text[start..], sep) {
                    let q = quoted(text[start..].to_string(), sep);
                    text.truncate(start);
                    text.push_str(&q);
                }
                ends.push(text.len());
            }
            (text, ends)
        })
        .collect();
    let mut line = String::new();
    for r in 0..h {
        line.clear();
        for (i, (text, ends)) in cols.iter().enumerate() {
            if i > 0 {
                line.push(sep);
            }
            let start = if r == 0 { 0 } else { ends[r - 1] };
            line.push_str(&text[start..ends[r]]);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn json(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
    let heads = names(df);
    let rows = rows_of(df, false, opts.money);
    writeln!(out, "[")?;
    for (k, r) in rows.iter().enumerate() {
        let fields: Vec<String> = r
            .iter()
            .zip(&heads)
            .map(|((s, num, null), h)| {
                let key = serde_json::to_string(h).unwrap_or_default();
                let v = if *null {
                    "null".to_string()
                } else if *num && s.parse::<f64>().is_ok_and(|f| f.is_finite()) {
                    s.clone()
                } else {
                    serde_json::to_string(s).unwrap_or_default()
                };
                format!("{key}:{v}")
            })
            .collect();
        writeln!(
            out,
            "{{{}}}{}",
            fields.join(","),
            if k + 1 < rows.len() { "," } else { "" }
        )?;
    }
    writeln!(out, "]")?;
    Ok(())
}

fn line(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
    let heads = names(df);
    let w = heads.iter().map(|h| width(h)).max().unwrap_or(0);
    for (k, r) in rows_of(df, true, opts.money).iter().enumerate() {
        if k > 0 {
            writeln!(out)?;
        }
        for (h, (s, _, null)) in heads.iter().zip(r) {
            writeln!(
                out,
                "{} = {}",
                pad(h, w, true),
                if *null { "NULL" } else { s }
            )?;
        }
    }
    let n = df.height();
    writeln!(
        out,
        "{}{n} {}",
        if n > 0 { "\n" } else { "" },
        if n == 1 { "row" } else { "rows" }
    )?;
    Ok(())
}

fn markdown(df: &DataFrame, opts: &Options, out: &mut dyn Write) -> Result<(), RenderError> {
    let heads = names(df);
    let rows = rows_of(df, true, opts.money);
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    writeln!(
        out,
        "| {} |",
        heads.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
    )?;
    let numeric: Vec<bool> = (0..heads.len())
        .map(|i| rows.iter().any(|r| r[i].1))
        .collect();
    writeln!(
        out,
        "|{}|",
        numeric
            .iter()
            .map(|n| if *n { "---:" } else { "---" })
            .collect::<Vec<_>>()
            .join("|")
    )?;
    for r in rows {
        writeln!(
            out,
            "| {} |",
            r.iter()
                .map(|(s, _, _)| esc(s))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_show_two_places_unless_more_matter() {
        assert_eq!(decimal(1_620_000, 4, false), "162.00");
        assert_eq!(decimal(1_250, 4, false), "0.125");
        assert_eq!(decimal(-5_000, 4, false), "-0.50");
        assert_eq!(decimal(16_629_900, 4, true), "1,662.99");
        assert_eq!(decimal(12_345_678_9000, 4, true), "12,345,678.90");
        assert_eq!(decimal(7, 0, false), "7");
        assert_eq!(decimal(1, 4, false), "0.0001");
    }

    #[test]
    fn money_units_are_exact() {
        assert_eq!(money(6_067_200, 4, true, MoneyUnit::Yuan), "6,067,200.00");
        assert_eq!(money(6_067_200, 4, false, MoneyUnit::Yi), "0.060672");
        assert_eq!(money(1, 4, false, MoneyUnit::Yi), "0.00000001");
        assert_eq!("yi".parse::<MoneyUnit>().unwrap(), MoneyUnit::Yi);
        assert!("usd".parse::<MoneyUnit>().is_err());
    }

    #[test]
    fn line_mode() {
        let df = df!("name" => ["政法委"], "n" => [1i32]).unwrap();
        let mut buf = vec![];
        line(&df, &Options::default(), &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "name = 政法委\n   n = 1\n\n1 row\n"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(18627), "2020-12-31");
    }

    #[test]
    fn truncation_counts_display_columns() {
        assert_eq!(truncate("政法委员会", 6), "政法…");
        assert_eq!(width(&truncate("政法委员会", 6)), 5);
        assert_eq!(truncate("abc", 6), "abc");
    }

    #[test]
    fn table_aligns_chinese_text() {
        let df = df!("name" => ["政法委", "ab"], "n" => [1i32, 22]).unwrap();
        let mut buf = vec![];
        table(&df, &Options::default(), &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        let widths: Vec<usize> = s.lines().take(5).map(width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{s}");
        assert!(s.ends_with("2 rows\n"));
    }

    #[test]
    fn a_long_table_shows_its_first_and_last_rows() {
        let n: Vec<i64> = (1..=10).collect();
        let df = df!("n" => n).unwrap();
        let opts = Options {
            max_rows: 4,
            ..Options::default()
        };
        let mut buf = vec![];
        table(&df, &opts, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        let cells: Vec<&str> = s
            .lines()
            .filter_map(|l| l.strip_prefix("│"))
            .map(|l| l.trim_matches(|c: char| c == '│' || c == ' '))
            .collect();
        assert_eq!(cells, ["n", "1", "2", "·", "9", "10"], "{s}");
        assert!(s.ends_with("10 rows (4 shown)\n"), "{s}");
    }

    #[test]
    fn csv_quotes_only_cells_that_need_it() {
        let df = df!(
            "name" => [Some("a,b"), Some("say \"hi\""), None, Some("plain")],
            "n" => [Some(-12i64), None, Some(0), Some(1_234_567)],
            "x" => [Some(1.0f64), Some(0.25), None, Some(-3.5)]
        )
        .unwrap();
        let mut buf = vec![];
        delimited(&df, &Options::default(), &mut buf, ',').unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "name,n,x\n\"a,b\",-12,1.0\n\"say \"\"hi\"\"\",,0.25\n,0,\nplain,1234567,-3.5\n"
        );
    }

    #[test]
    fn tsv_separates_by_tabs_and_quotes_a_tab_not_a_comma() {
        let df = df!(
            "name" => [Some("a,b"), Some("tab\there"), None],
            "n" => [Some(-12i64), None, Some(0)]
        )
        .unwrap();
        let mut buf = vec![];
        render(&df, Format::Tsv, &Options::default(), &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "name\tn\na,b\t-12\n\"tab\there\"\t\n\t0\n"
        );
        assert_eq!(Format::names(), "table, csv, tsv, json, markdown or line");
    }
}
