//! `COPY (query) TO 'file' [(OVERWRITE, SHEET 'name')]`: a query's result written to a
//! file, its format from the extension (`query::files`), never over an existing file
//! unless OVERWRITE says so.

use super::super::*;
use super::{Command, Touches};

/// The `COPY` statement.
pub(super) const COPY: Command = Command {
    name: "COPY",
    words: &[&["COPY"]],
    usage: "COPY (query) TO 'file' [(OVERWRITE, SHEET 'name')]",
    touches: Touches::WritesFiles,
    query: Some(query),
    run: |engine, origin, st| engine.copy(origin, st),
};

/// The query the statement runs.
fn query(text: &str) -> Result<(usize, &str), String> {
    match COPY_RE.captures(text) {
        Some(m) => Ok(m
            .get(1)
            .map(|g| (g.start(), g.as_str().trim()))
            .unwrap_or((0, ""))),
        None => Err("expected COPY (query) TO 'file'".to_string()),
    }
}

static COPY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^COPY\s*\((.*)\)\s*TO\s+'((?:[^']|'')+)'\s*(?:\((.*)\))?\s*$").expect("valid")
});

/// The options of `COPY … TO 'file' (OVERWRITE, SHEET 'name')`.
#[derive(Debug, Default, PartialEq)]
struct CopyOptions {
    overwrite: bool,
    /// the sheet and the byte offset of its name in the options text
    sheet: Option<(String, usize)>,
}

/// Parse a COPY option list (without its brackets); `Err((offset, message))`.
fn copy_options(text: &str) -> Result<CopyOptions, (usize, String)> {
    static OPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^\s*(?:(OVERWRITE)|SHEET\s+'((?:[^']|'')*)'|SHEET\s+(\S+))\s*(?:,|$)")
            .expect("valid")
    });
    let mut o = CopyOptions::default();
    let mut at = 0;
    while at < text.len() && !text[at..].trim().is_empty() {
        let rest = &text[at..];
        let lead = rest.len() - rest.trim_start().len();
        let Some(m) = OPT.captures(rest) else {
            return Err((at + lead, format!(
                "unknown COPY option `{}`; the options are OVERWRITE and SHEET 'name' (for .xlsx), e.g. (SHEET 'by unit', OVERWRITE)",
                rest.trim().split([',', ' ']).next().unwrap_or("")
            )));
        };
        if m.get(1).is_some() {
            o.overwrite = true;
        } else if let Some(name) = m.get(2) {
            o.sheet = Some((name.as_str().replace("''", "'"), at + name.start()));
        } else if let Some(bare) = m.get(3) {
            return Err((
                at + bare.start(),
                format!(
                    "put the sheet name in single quotes: SHEET '{}'",
                    bare.as_str()
                ),
            ));
        }
        at += m.get(0).map(|g| g.end()).unwrap_or(rest.len()).max(1);
    }
    Ok(o)
}

/// A workbook written by COPY: its sheets, and the file's size and time when written.
#[derive(Clone)]
pub(in crate::query::engine) struct Workbook {
    sheets: Vec<(String, DataFrame)>,
    stamp: Option<(u64, std::time::SystemTime)>,
}

fn stamp(p: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.len(), m.modified().ok()?))
}

impl Engine {
    fn copy(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let Some(m) = COPY_RE.captures(t) else {
            return Err(located(origin, st, 1, 1, "expected COPY (query) TO 'file.csv' [(OVERWRITE)]; the file kind comes from its extension: .csv, .json, .parquet, .arrow, .xlsx (add SHEET 'name' to put several results in one workbook) or .svg (a chart)"));
        };
        let col = |byte: usize| t[..byte].chars().count() + 1;
        let inner_text = m[1].to_string();
        let path = PathBuf::from(m[2].replace("''", "'"));
        let path_col = col(m.get(2).map(|g| g.start()).unwrap_or(0));
        let opts = match m.get(3) {
            Some(o) => copy_options(o.as_str())
                .map_err(|(at, msg)| located(origin, st, 1, col(o.start() + at), &msg))?,
            None => CopyOptions::default(),
        };
        let overwrite = opts.overwrite;
        let start = m.get(1).map(|g| g.start()).unwrap_or(0);
        let inner = sub_statement(st, t, start, inner_text);
        let e = crate::query::files::ext(&path);
        let format = crate::query::files::by_extension(&path).filter(|f| f.write.is_some());
        let Some(format) = format else {
            return Err(located(
                origin,
                st,
                1,
                path_col,
                &format!(
                    "cannot write `.{e}` files; use {}",
                    crate::query::files::writable()
                ),
            ));
        };
        // the sheet named, and the column of its name in the statement
        let sheet = opts.sheet.as_ref().map(|(name, at)| {
            (
                name.clone(),
                col(m.get(3).map(|g| g.start()).unwrap_or(0) + at),
            )
        });
        if let Some((_, name_col)) = &sheet {
            if format.name != "xlsx" {
                return Err(located(
                    origin,
                    st,
                    1,
                    *name_col,
                    "SHEET is for workbooks: write to a .xlsx file",
                ));
            }
        }
        if format.name == "xlsx" {
            return self.copy_xlsx(origin, st, &inner, &path, path_col, sheet, overwrite);
        }
        if path.exists() && !overwrite {
            return Err(located(
                origin,
                st,
                1,
                path_col,
                &format!(
                    "{} already exists; add (OVERWRITE) to replace it",
                    path.display()
                ),
            ));
        }
        let (df, chart) = self.copy_source(origin, st, &inner)?;
        let written = match chart {
            Some(c) if format.name == "svg" => {
                crate::query::files::write_chart(&df, &c, self.money, &path)
            }
            _ => crate::query::files::write_frame(&df, &path, self.money),
        };
        written.map_err(qerr)?;
        Ok(Output::Message(format!(
            "wrote {} to {}",
            row_count(df.height()),
            path.display()
        )))
    }

    /// The rows a COPY writes, and the chart they were asked for (`COPY (CHART …)`).
    fn copy_source(
        &mut self,
        origin: &str,
        st: &Statement,
        inner: &Statement,
    ) -> Result<(DataFrame, Option<Spec>), QueryError> {
        match self.execute(origin, inner)? {
            Output::Frame(df) => Ok((df, None)),
            Output::Chart(df, c) => Ok((df, Some(c))),
            Output::Message(_) => Err(located(
                origin,
                st,
                1,
                1,
                "COPY needs a query that returns rows",
            )),
        }
    }

    /// COPY to a workbook: a new file, or with `(SHEET 'name')` a sheet added to a
    /// workbook this session wrote (replacing a sheet of that name only with OVERWRITE).
    #[allow(clippy::too_many_arguments)]
    fn copy_xlsx(
        &mut self,
        origin: &str,
        st: &Statement,
        inner: &Statement,
        path: &Path,
        path_col: usize,
        named: Option<(String, usize)>,
        overwrite: bool,
    ) -> Result<Output, QueryError> {
        let adding = named.is_some();
        let (sheet, sheet_col) =
            named.unwrap_or_else(|| (crate::query::files::default_sheet(path), path_col));
        crate::render::xlsx::check_sheet_name(&sheet)
            .map_err(|e| located(origin, st, 1, sheet_col, &e))?;
        let key = std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf());
        let ours = self
            .workbooks
            .get(&key)
            .filter(|b| b.stamp.is_some() && b.stamp == stamp(path))
            .cloned();
        // Excel's sheet names are case-insensitive
        let same_name = |n: &str| n.to_lowercase() == sheet.to_lowercase();
        let mut sheets = match ours {
            Some(book) if adding => {
                if book.sheets.iter().any(|(n, _)| same_name(n)) && !overwrite {
                    return Err(located(origin, st, 1, sheet_col, &format!("{} already has a sheet `{sheet}`; name this one differently, or add OVERWRITE to replace it: (SHEET '{sheet}', OVERWRITE)", path.display())));
                }
                book.sheets
            }
            _ if path.exists() && !overwrite => {
                let hint = if adding {
                    " (SHEET adds to a workbook only while it is one this session wrote)"
                } else {
                    ""
                };
                return Err(located(
                    origin,
                    st,
                    1,
                    path_col,
                    &format!(
                        "{} already exists; add (OVERWRITE) to replace it{hint}",
                        path.display()
                    ),
                ));
            }
            _ => vec![],
        };
        let (df, _) = self.copy_source(origin, st, inner)?;
        let n = df.height();
        match sheets.iter().position(|(n, _)| same_name(n)) {
            Some(i) => sheets[i] = (sheet.clone(), df),
            None => sheets.push((sheet.clone(), df)),
        }
        let notes = crate::query::files::write_workbook(&sheets, self.money, path).map_err(qerr)?;
        let count = sheets.len();
        self.workbooks.insert(
            key,
            Workbook {
                sheets,
                stamp: stamp(path),
            },
        );
        let mut msg = format!(
            "wrote {} to {} (sheet `{sheet}`{})",
            row_count(n),
            path.display(),
            if count > 1 {
                format!("; {count} sheets in the workbook")
            } else {
                String::new()
            }
        );
        if notes.rounded > 0 {
            msg.push_str(&format!("; note: {} numbers have more than the 15 significant digits a spreadsheet holds and are rounded there (.csv and .parquet keep them exact)", notes.rounded));
        }
        Ok(Output::Message(msg))
    }
}
