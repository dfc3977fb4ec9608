//! The files results are written to (COPY, the shell's `.once` and `.output`) and read
//! from (LOAD): one list, [`FILE_FORMATS`], of each format's name, extensions, what it
//! holds, and how it is written and read. COPY's and LOAD's checks and messages are
//! generated from the list. A new format is an entry here (and, for a text format the
//! shell can also print, a variant of [`crate::Format`]).

use crate::render::chart::{Chart, Spec};
use crate::render::{Format, MoneyUnit};
use polars::prelude::*;
use std::path::Path;

/// A file format.
pub struct FileFormat {
    pub name: &'static str,
    /// the extensions that name it, the usual one first
    pub extensions: &'static [&'static str],
    pub what: &'static str,
    /// how a result is written to it (None: read only)
    pub write: Option<fn(&DataFrame, &Path, MoneyUnit) -> Result<(), String>>,
    /// how it is read as a relation (None: written only)
    pub scan: Option<fn(&Path) -> Result<LazyFrame, String>>,
}

/// Every file format.
pub const FILE_FORMATS: &[FileFormat] = &[
    FileFormat {
        name: "csv",
        extensions: &["csv"],
        what: "comma-separated values with a header line",
        write: Some(|df, p, _| write_text(df, p, Format::Csv)),
        scan: Some(|p| scan_delimited(p, b',')),
    },
    FileFormat {
        name: "tsv",
        extensions: &["tsv", "tab"],
        what: "tab-separated values with a header line",
        write: Some(|df, p, _| write_text(df, p, Format::Tsv)),
        scan: Some(|p| scan_delimited(p, b'\t')),
    },
    FileFormat {
        name: "json",
        extensions: &["json"],
        what: "a JSON array of objects",
        write: Some(|df, p, _| write_text(df, p, Format::Json)),
        scan: Some(|p| scan_json(p, JsonFormat::Json)),
    },
    FileFormat {
        name: "ndjson",
        extensions: &["ndjson", "jsonl"],
        what: "one JSON object per line",
        write: None,
        scan: Some(|p| scan_json(p, JsonFormat::JsonLines)),
    },
    FileFormat {
        name: "parquet",
        extensions: &["parquet"],
        what: "Apache Parquet",
        write: Some(|df, p, _| {
            write_with(p, |f| {
                ParquetWriter::new(f)
                    .finish(&mut df.clone())
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
        scan: Some(|p| {
            LazyFrame::scan_parquet(
                PlRefPath::from(p.to_string_lossy().as_ref()),
                Default::default(),
            )
            .map_err(|e| e.to_string())
        }),
    },
    FileFormat {
        name: "arrow",
        extensions: &["arrow", "ipc", "feather"],
        what: "Apache Arrow IPC",
        write: Some(|df, p, _| {
            write_with(p, |f| {
                IpcWriter::new(f)
                    .finish(&mut df.clone())
                    .map_err(|e| e.to_string())
            })
        }),
        scan: Some(|p| {
            LazyFrame::scan_ipc(
                PlRefPath::from(p.to_string_lossy().as_ref()),
                Default::default(),
                Default::default(),
            )
            .map_err(|e| e.to_string())
        }),
    },
    FileFormat {
        name: "xlsx",
        extensions: &["xlsx"],
        what: "an Excel workbook, money in the --money unit",
        write: Some(|df, p, money| {
            write_workbook(&[(default_sheet(p), df.clone())], money, p).map(|_| ())
        }),
        scan: None,
    },
    FileFormat {
        name: "svg",
        extensions: &["svg"],
        what: "a chart (a bar chart unless the result is a CHART's)",
        write: Some(|df, p, money| write_chart(df, &Spec::of(Chart::Bar), money, p)),
        scan: None,
    },
];

/// The format a file's extension names.
pub fn by_extension(p: &Path) -> Option<&'static FileFormat> {
    let e = ext(p);
    FILE_FORMATS
        .iter()
        .find(|f| f.extensions.contains(&e.as_str()))
}

/// The formats results can be written to, for messages: `.csv, .tsv, … or .svg`.
pub fn writable() -> String {
    listed(|f| f.write.is_some())
}

/// The formats LOAD reads as relations, for messages.
pub fn readable() -> String {
    listed(|f| f.scan.is_some())
}

fn listed(keep: fn(&FileFormat) -> bool) -> String {
    let names: Vec<String> = FILE_FORMATS
        .iter()
        .filter(|f| keep(f))
        .map(|f| format!(".{}", f.extensions[0]))
        .collect();
    crate::query::names::listed(&names, "or")
}

/// Write a result to a file by its extension; money keeps its exact digits in text
/// formats (stored 万元: CSV and JSON are for programs), and is shown in `money` in a
/// workbook or a chart (for people).
pub fn write_frame(df: &DataFrame, path: &Path, money: MoneyUnit) -> Result<(), String> {
    match by_extension(path).and_then(|f| f.write) {
        Some(write) => write(df, path, money),
        None => Err(format!(
            "cannot write `.{}` files; use {}",
            ext(path),
            writable()
        )),
    }
}

/// A file read as a relation by its extension.
pub fn scan_file(p: &Path) -> Result<LazyFrame, String> {
    match by_extension(p).and_then(|f| f.scan) {
        Some(scan) => scan(p),
        None => Err(format!(
            "cannot read `.{}` files; use {}",
            ext(p),
            readable()
        )),
    }
}

/// A result as text in a display format, written atomically.
fn write_text(df: &DataFrame, path: &Path, format: Format) -> Result<(), String> {
    write_with(path, |f| {
        crate::render::render(df, format, &Default::default(), f).map_err(|e| e.to_string())
    })
}

/// A file written by `write`, atomically, in a folder that exists.
fn write_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), String> {
    check_folder(path)?;
    crate::store::write_atomic(path, write).map_err(|e| e.to_string())
}

fn scan_delimited(p: &Path, separator: u8) -> Result<LazyFrame, String> {
    LazyCsvReader::new(PlRefPath::from(p.to_string_lossy().as_ref()))
        .with_has_header(true)
        .with_separator(separator)
        .finish()
        .map_err(|e| e.to_string())
}

fn scan_json(p: &Path, format: JsonFormat) -> Result<LazyFrame, String> {
    let file = std::fs::File::open(p).map_err(|e| e.to_string())?;
    JsonReader::new(file)
        .with_json_format(format)
        .finish()
        .map(|d| d.lazy())
        .map_err(|e| e.to_string())
}

/// A sheet's name when COPY gives none: the file's name, cut to Excel's 31
/// characters, without the characters Excel refuses.
pub(crate) fn default_sheet(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let clean: String = stem
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    if clean.trim().is_empty() || clean.eq_ignore_ascii_case("history") {
        "result".into()
    } else {
        clean
    }
}

pub(crate) fn render_text(e: crate::error::RenderError) -> String {
    match e {
        crate::error::RenderError::Data(m) => m,
        other => other.to_string(),
    }
}

/// Write sheets as one workbook (atomically: a reader never sees half a file).
pub fn write_workbook(
    sheets: &[(String, DataFrame)],
    money: MoneyUnit,
    path: &Path,
) -> Result<crate::render::xlsx::Notes, String> {
    let (bytes, notes) = crate::render::xlsx::workbook(sheets, money).map_err(render_text)?;
    write_bytes(path, &bytes)?;
    Ok(notes)
}

/// Bytes to a file, atomically (a reader never sees half a file), in a folder that exists.
fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), String> {
    check_folder(path)?;
    crate::store::write_atomic(path, |f| {
        use std::io::Write as _;
        f.write_all(bytes).map_err(|e| e.to_string())
    })
    .map_err(|e| e.to_string())
}

/// Write a result as an SVG chart.
pub fn write_chart(
    df: &DataFrame,
    chart: &Spec,
    money: MoneyUnit,
    path: &Path,
) -> Result<(), String> {
    let opts = crate::render::Options {
        money,
        ..Default::default()
    };
    let text = crate::render::chart::svg(df, chart, &opts).map_err(render_text)?;
    write_bytes(path, text.as_bytes())
}

fn check_folder(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(format!("{}: no such folder", dir.display()));
        }
    }
    Ok(())
}

pub(crate) fn ext(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}
