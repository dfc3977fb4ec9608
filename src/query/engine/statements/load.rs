//! `LOAD 'path' [AS name]`: documents (PDF or text) ingested into the session's tables, or
//! a file (CSV, Parquet, …) registered as a table of its own.

use super::super::*;
use super::{Command, Touches};

/// The `LOAD` statement.
pub(super) const LOAD: Command = Command {
    name: "LOAD",
    words: &[&["LOAD"]],
    usage: "LOAD 'path' [AS name]",
    touches: Touches::ReadsFiles,
    query: None,
    run: |engine, origin, st| engine.load(origin, st),
};

static LOAD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^LOAD\s+'((?:[^']|'')+)'(?:\s+AS\s+([\p{L}_][\p{L}\p{N}_]*))?$")
        .expect("valid")
});

fn sanitize(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("t_{t}")
    } else {
        t
    }
}

/// Expand `*` and `?` in the file-name part of a path; a path without them must exist.
fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let p = Path::new(pattern);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        if p.is_dir() {
            return Err(format!(
                "{pattern} is a folder; name its files, e.g. LOAD '{}/*.pdf'",
                pattern.trim_end_matches('/')
            ));
        }
        if !p.is_file() {
            return Err(format!("{pattern}: no such file"));
        }
        return Ok(vec![p.to_path_buf()]);
    }
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|f| {
            f.is_file()
                && f.file_name()
                    .is_some_and(|n| wildcard(&name, &n.to_string_lossy()))
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(format!("{pattern}: no file matches"));
    }
    Ok(out)
}

fn wildcard(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

impl Engine {
    fn load(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let Some(m) = LOAD_RE.captures(st.text.trim()) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected LOAD 'path' [AS name], e.g. LOAD 'data/*.csv' AS funds",
            ));
        };
        // a quote inside the name is written twice, as in SQL: 'it''s.pdf'
        let pattern = m[1].replace("''", "'");
        let alias = m.get(2).map(|a| a.as_str().to_string());
        let paths = expand_glob(&pattern).map_err(|e| located(origin, st, 1, 6, &e))?;
        let mut docs = vec![];
        let mut others: Vec<PathBuf> = vec![];
        for p in &paths {
            match crate::query::files::ext(p).as_str() {
                "txt" | "pdf" => docs.push(ingest::ingest_file(p).map_err(|e| qerr(format!("{}1:1: LOAD: {e}", origin)))?),
                _ if crate::query::files::by_extension(p).is_some_and(|f| f.scan.is_some()) => others.push(p.clone()),
                other => return Err(located(origin, st, 1, 6, &format!("`{}`: unknown file kind `.{other}`; LOAD reads .pdf and .txt disclosures and {} files", p.display(), crate::query::files::readable()))),
            }
        }
        let mut report = vec![];
        if !docs.is_empty() {
            crate::ingest::check_distinct_sources(&mut docs)
                .map_err(|e| located(origin, st, 1, 6, &e))?;
            // a unit's document beside its department's, already loaded: say so
            for d in docs.iter().filter(|d| d.level == "unit") {
                if let Some(src) = self.loaded_department_doc(d) {
                    report.push(format!(
                        "{} is a unit's document of {} {}, part of the loaded department document {src}: sum `source IN (SELECT source FROM departments WHERE budget_level = 'department')` to count each yuan once",
                        d.file, d.dept_code, d.year
                    ));
                }
            }
            // a narrative-only file of a disclosure whose tables are already loaded joins it
            for d in docs.iter_mut().filter(|d| !ingest::has_tables(d)) {
                if let Some((src, disclosure)) = self.loaded_tables_of(d) {
                    ingest::join_narrative(d, &src, &disclosure, [true; 3]);
                    report.push(format!(
                        "{} joins the disclosure {disclosure}: its prose figures are kept in `statements`, the tables' figures are {src}'s",
                        d.file
                    ));
                }
            }
            let stacked = model::stacked(&docs).map_err(|e| qerr(e.to_string()))?;
            // loading a document again replaces its rows, as ingesting into a warehouse does
            let sources: Vec<String> = docs.iter().map(|d| d.source.clone()).collect();
            for (name, new_rows) in stacked {
                let lf = match self.frames.get(name).cloned() {
                    Some(base) => {
                        let kept = sources.iter().fold(base, |lf, src| {
                            lf.filter(col("source").neq(lit(src.clone())))
                        });
                        if self.scanned {
                            // a warehouse scan stays lazy
                            concat([kept, new_rows.lazy()], UnionArgs::default())
                                .map_err(|e| qerr(e.to_string()))?
                        } else {
                            // in memory: stack eagerly (polars 0.55 fails an ungrouped COUNT(*)
                            // over a lazy union: "casting from UInt32 to UInt128 not supported")
                            let mut acc = kept.collect().map_err(|e| qerr(e.to_string()))?;
                            acc.vstack_mut(&new_rows).map_err(|e| qerr(e.to_string()))?;
                            acc.lazy()
                        }
                    }
                    None => new_rows.lazy(),
                };
                self.register(name, lf, Kind::Contract);
            }
            report.push(format!(
                "{} document(s) ingested into the contract tables",
                docs.len()
            ));
        }
        if !others.is_empty() {
            let name = alias
                .clone()
                .unwrap_or_else(|| sanitize(&ingest::source_id(&others[0].to_string_lossy())));
            let mut parts = vec![];
            for p in &others {
                // read its schema now: a damaged file is refused here, named, rather than
                // loaded and failing later
                let lf = crate::query::files::scan_file(p)
                    .and_then(|mut lf| lf.collect_schema().map(|_| lf).map_err(|e| e.to_string()))
                    .map_err(|e| {
                        located(
                            origin,
                            st,
                            1,
                            6,
                            &format!("{}: cannot be read: {e}", p.display()),
                        )
                    })?;
                parts.push(lf);
            }
            let lf = if parts.len() == 1 {
                parts.remove(0)
            } else {
                concat(parts, UnionArgs::default()).map_err(|e| qerr(e.to_string()))?
            };
            if self
                .names
                .iter()
                .any(|(n, k)| *n == name && *k == Kind::Contract)
            {
                return Err(located(origin, st, 1, 1, &format!("`{name}` is a contract table; load the file under another name: LOAD '{pattern}' AS my_{name}")));
            }
            self.register(&name, lf, Kind::Loaded);
            report.push(format!("{} file(s) loaded as table {name}", others.len()));
        }
        Ok(Output::Message(report.join("; ")))
    }

    /// The loaded documents (the `departments` rows) of `d`'s department, year and phase at
    /// `level`.
    fn loaded_like(&self, d: &ingest::Document, level: &str) -> Option<LazyFrame> {
        Some(
            self.frames.get("departments")?.clone().filter(
                col("dept_code")
                    .eq(lit(d.dept_code.clone()))
                    .and(col("year").eq(lit(d.year)))
                    .and(col("phase").eq(lit(d.phase)))
                    .and(col("budget_level").eq(lit(level.to_string()))),
            ),
        )
    }

    /// The loaded department-level document of the same department, year and phase as the
    /// unit's document `d`, if any.
    fn loaded_department_doc(&self, d: &ingest::Document) -> Option<String> {
        let deps = self
            .loaded_like(d, "department")?
            .select([col("source")])
            .limit(1)
            .collect()
            .ok()?;
        let v = deps.column("source").ok()?.get(0).ok()?;
        v.get_str().map(str::to_string)
    }

    /// The loaded document (source, disclosure) with classification tables for the same
    /// department, year, phase and level as `d`, if any.
    fn loaded_tables_of(&self, d: &ingest::Document) -> Option<(String, String)> {
        let deps = self
            .loaded_like(d, d.level)?
            .filter(col("source").neq(lit(d.source.clone())))
            .select([col("source"), col("disclosure")])
            .collect()
            .ok()?;
        let (srcs, discs) = (deps.column("source").ok()?, deps.column("disclosure").ok()?);
        for i in 0..deps.height() {
            let src = srcs.get(i).ok()?.get_str()?.to_string();
            let disclosure = discs.get(i).ok()?.get_str().unwrap_or(&src).to_string();
            let funcs = self
                .frames
                .get("spending_by_function")?
                .clone()
                .filter(col("source").eq(lit(src.clone())))
                .limit(1)
                .collect()
                .ok()?;
            if funcs.height() > 0 {
                return Some((src, disclosure));
            }
        }
        None
    }
}
