//! Results → an Excel workbook (`COPY (…) TO 'x.xlsx'`, `.once x.xlsx`): one sheet per
//! result, a bold frozen header row with a filter, column widths from display width
//! (Chinese counts double), money as numbers with a number format that names the
//! display unit (`#,##0.00####"万元"`), integers as integers, dates as dates, NULL as
//! an empty cell. Every number is the one the CSV output prints, parsed once.

use super::{cell, money, width, MoneyUnit};
use crate::error::RenderError;
use polars::prelude::*;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};

/// Rows a sheet holds below its header (Excel's limit is 1,048,576 rows in all).
pub const MAX_ROWS: usize = 1_048_575;
/// Columns a sheet holds.
pub const MAX_COLS: usize = 16_384;
/// The widest column set from its contents, in characters.
const MAX_WIDTH: usize = 60;
/// Days from Excel's epoch (1899-12-30) to 1970-01-01.
const EXCEL_1970: f64 = 25_569.0;

/// The unit's label, as the number format and chart axes print it.
pub fn unit_label(unit: MoneyUnit) -> &'static str {
    match unit {
        MoneyUnit::Wan => "万元",
        MoneyUnit::Yuan => "元",
        MoneyUnit::Yi => "亿元",
    }
}

/// Decimal places money has in `unit` (stored to 0.000001 万元 = 0.01 元).
fn money_scale(unit: MoneyUnit) -> usize {
    match unit {
        MoneyUnit::Wan => crate::model::MONEY.1,
        MoneyUnit::Yuan => crate::model::MONEY.1 - 4,
        MoneyUnit::Yi => crate::model::MONEY.1 + 4,
    }
}

/// `#,##0.00##…`: thousands separators, two decimals, more only when they are
/// significant (as budgetql prints money), up to `scale`.
fn decimal_format(scale: usize) -> String {
    match scale {
        0 => "#,##0".into(),
        1 => "#,##0.0".into(),
        s => format!("#,##0.00{}", "#".repeat(s - 2)),
    }
}

/// Excel's rules for a sheet name; `Err` says what to change.
pub fn check_sheet_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        return Err("a sheet name cannot be empty".into());
    }
    if n > 31 {
        return Err(format!(
            "sheet name `{name}` has {n} characters; Excel allows at most 31"
        ));
    }
    if let Some(c) = name.chars().find(|c| "[]:*?/\\".contains(*c)) {
        return Err(format!(
            "sheet name `{name}` contains `{c}`; Excel does not allow [ ] : * ? / \\ in sheet names"
        ));
    }
    if name.starts_with('\'') || name.ends_with('\'') {
        return Err(format!(
            "sheet name `{name}` starts or ends with an apostrophe, which Excel does not allow"
        ));
    }
    if name.eq_ignore_ascii_case("history") {
        return Err("`History` is a name Excel keeps for itself; choose another sheet name".into());
    }
    Ok(())
}

/// How one column is written.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Decimal money: a number in the display unit, with the unit in its format
    Money,
    /// another Decimal, with its scale
    Decimal(usize),
    Integer,
    Float,
    Boolean,
    Date,
    Text,
}

fn kind_of(dt: &DataType) -> Kind {
    match dt {
        DataType::Decimal(_, s) if *s == crate::model::MONEY.1 => Kind::Money,
        DataType::Decimal(_, s) => Kind::Decimal(*s),
        DataType::Float32 | DataType::Float64 => Kind::Float,
        DataType::Boolean => Kind::Boolean,
        DataType::Date => Kind::Date,
        dt if dt.is_integer() => Kind::Integer,
        _ => Kind::Text,
    }
}

/// What writing a workbook noticed that the reader should know.
#[derive(Debug, Default, PartialEq)]
pub struct Notes {
    /// Numbers with more significant digits than Excel holds (15): rounded in the sheet.
    pub rounded: usize,
}

/// A workbook with one sheet per `(name, result)`, as the bytes of an `.xlsx` file.
pub fn workbook(
    sheets: &[(String, DataFrame)],
    unit: MoneyUnit,
) -> Result<(Vec<u8>, Notes), RenderError> {
    let mut wb = Workbook::new();
    let mut notes = Notes::default();
    for (name, df) in sheets {
        check_sheet_name(name).map_err(RenderError::Data)?;
        if df.height() > MAX_ROWS {
            return Err(RenderError::Data(format!(
                "the result has {} rows; an Excel sheet holds at most {MAX_ROWS} below its header: filter or aggregate it, or write .csv or .parquet",
                df.height()
            )));
        }
        if df.width() > MAX_COLS {
            return Err(RenderError::Data(format!(
                "the result has {} columns; an Excel sheet holds at most {MAX_COLS}",
                df.width()
            )));
        }
        let ws = wb.add_worksheet();
        ws.set_name(name)
            .map_err(|e| RenderError::Data(format!("sheet `{name}`: {e}")))?;
        sheet(ws, df, unit, &mut notes)?;
    }
    let bytes = wb
        .save_to_buffer()
        .map_err(|e| RenderError::Data(format!("cannot write the workbook: {e}")))?;
    Ok((bytes, notes))
}

fn xerr(sheet_row: u32, col: u16, e: rust_xlsxwriter::XlsxError) -> RenderError {
    RenderError::Data(format!(
        "row {sheet_row}, column {}: {e}",
        u32::from(col) + 1
    ))
}

fn sheet(
    ws: &mut Worksheet,
    df: &DataFrame,
    unit: MoneyUnit,
    notes: &mut Notes,
) -> Result<(), RenderError> {
    let head = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let money_fmt = Format::new().set_num_format(format!(
        "{}\"{}\"",
        decimal_format(money_scale(unit)),
        unit_label(unit)
    ));
    let mut widths = vec![];
    for (c, column) in df.columns().iter().enumerate() {
        let c16 = c as u16;
        let name = column.name().to_string();
        ws.write_string_with_format(0, c16, &name, &head)
            .map_err(|e| xerr(1, c16, e))?;
        let kind = kind_of(column.dtype());
        let dec_fmt = Format::new().set_num_format(decimal_format(match kind {
            Kind::Decimal(s) => s,
            _ => 2,
        }));
        let mut w = width(&name) + 2; // the filter button
        let cells = super::values(column);
        for (r, av) in cells.iter().flat_map(|s| s.iter()).enumerate() {
            let row = (r + 1) as u32;
            if matches!(av, AnyValue::Null) {
                continue;
            }
            let shown = cell(&av, true, unit).0;
            let e = |e| xerr(row + 1, c16, e);
            match (kind, &av) {
                (Kind::Money, AnyValue::Decimal(v, _, s)) => {
                    let exact = money(*v, *s, false, unit);
                    number(ws, row, c16, &exact, &money_fmt, notes).map_err(e)?;
                    w = w.max(width(&shown) + width(unit_label(unit)));
                }
                (Kind::Decimal(_), AnyValue::Decimal(v, _, s)) => {
                    let exact = super::decimal(*v, *s, false);
                    number(ws, row, c16, &exact, &dec_fmt, notes).map_err(e)?;
                    w = w.max(width(&shown));
                }
                (Kind::Integer, av) => {
                    let i = av.extract::<i128>().unwrap_or_default();
                    if i.unsigned_abs() <= 1 << 53 {
                        ws.write_number(row, c16, i as f64).map_err(e)?;
                    } else {
                        // beyond 2^53 a spreadsheet number is not exact: keep the digits
                        ws.write_string(row, c16, i.to_string()).map_err(e)?;
                    }
                    w = w.max(width(&shown));
                }
                (Kind::Float, av) => {
                    let f = av.extract::<f64>().unwrap_or(f64::NAN);
                    if f.is_finite() {
                        ws.write_number(row, c16, f).map_err(e)?;
                    } else {
                        ws.write_string(row, c16, shown.clone()).map_err(e)?;
                    }
                    w = w.max(width(&shown));
                }
                (Kind::Boolean, AnyValue::Boolean(b)) => {
                    ws.write_boolean(row, c16, *b).map_err(e)?;
                    w = w.max(5);
                }
                (Kind::Date, AnyValue::Date(d)) => {
                    ws.write_number_with_format(row, c16, *d as f64 + EXCEL_1970, &date_fmt)
                        .map_err(e)?;
                    w = w.max(10);
                }
                _ => {
                    let s = super::value_text(&av);
                    ws.write_string(row, c16, &s).map_err(e)?;
                    w = w.max(width(&s));
                }
            }
        }
        widths.push(w.min(MAX_WIDTH));
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w + 1) as f64)
            .map_err(|e| xerr(1, c as u16, e))?;
    }
    if df.width() > 0 {
        ws.set_freeze_panes(1, 0).map_err(|e| xerr(1, 0, e))?;
        let last_row = df.height().max(1) as u32;
        ws.autofilter(0, 0, last_row, (df.width() - 1) as u16)
            .map_err(|e| xerr(1, 0, e))?;
    }
    Ok(())
}

/// Write the number an exact decimal text stands for (the nearest double, as a
/// spreadsheet program reading the CSV would); count it when a double cannot hold it.
fn number(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    exact: &str,
    fmt: &Format,
    notes: &mut Notes,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let f: f64 = exact.parse().unwrap_or(f64::NAN);
    let places = exact.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
    if format!("{f:.places$}") != exact {
        notes.rounded += 1;
    }
    ws.write_number_with_format(row, col, f, fmt)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_show_two_decimals_and_more_when_significant() {
        assert_eq!(decimal_format(6), "#,##0.00####");
        assert_eq!(decimal_format(2), "#,##0.00");
        assert_eq!(decimal_format(0), "#,##0");
        assert_eq!(money_scale(MoneyUnit::Yi), 10);
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert!(check_sheet_name("按单位").is_ok());
        assert!(check_sheet_name("a/b").unwrap_err().contains('/'));
        assert!(check_sheet_name(&"x".repeat(32))
            .unwrap_err()
            .contains("31"));
        assert!(check_sheet_name(" ").is_err());
        assert!(check_sheet_name("'q").is_err());
    }

    #[test]
    fn a_number_beyond_fifteen_digits_is_noted() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let mut notes = Notes::default();
        let f = Format::new();
        number(ws, 1, 0, "9628.221344", &f, &mut notes).unwrap();
        assert_eq!(notes.rounded, 0);
        number(ws, 2, 0, "1234567890123.123456", &f, &mut notes).unwrap();
        assert_eq!(notes.rounded, 1);
    }
}
