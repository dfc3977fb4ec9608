//! The warehouse on disk: Parquet per table, hive-partitioned by year
//! (`DIR/projects/year=2021/<document>.parquet`), and `manifest.json` listing the
//! documents (sha256, rows per table). One file per (table, year, document), so
//! ingesting a document again replaces exactly its rows.

use crate::error::StoreError;
use crate::ingest::Document;
use crate::model::{self, TABLES};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";

/// The warehouse format this budgetql writes and reads (2: budget_lines and
/// three_public gained `change_line`; 3: versioned files listed in the manifest; 4: money
/// is Decimal(38,6), `phase` on money tables, the classification tables; 5: `page` on
/// every table; 6: the `statements` table).
pub const FORMAT: u32 = 6;

/// The manifest: what the warehouse holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub documents: Vec<ManifestDoc>,
}

/// One ingested document in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestDoc {
    pub source: String,
    pub file: String,
    pub sha256: String,
    pub bytes: usize,
    pub year: i32,
    pub dept_code: String,
    pub rows: BTreeMap<String, usize>,
    /// The ingest that wrote this document's files (part of their names).
    pub version: u64,
    /// The document's Parquet files, relative to the warehouse folder: what scans read.
    pub files: Vec<String>,
    /// The columns holding at least one NULL in this document's rows, by table (a table
    /// without an entry has none). Absent in manifests written before it was recorded:
    /// then any column may hold NULLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<BTreeMap<String, Vec<String>>>,
}

/// Adds the columns of `df` holding NULLs to a table's entry (created even when none do:
/// the table was seen).
pub(crate) fn note_nulls(nulls: &mut BTreeMap<String, Vec<String>>, table: &str, df: &DataFrame) {
    let e = nulls.entry(table.to_string()).or_default();
    for c in df.columns().iter().filter(|c| c.null_count() > 0) {
        if !e.iter().any(|n| n == c.name().as_str()) {
            e.push(c.name().to_string());
        }
    }
}

/// A file of the manifest (`table/year=…/…`) belongs to `table`.
fn in_table(file: &str, table: &str) -> bool {
    file.strip_prefix(table).is_some_and(|r| r.starts_with('/'))
}

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Read the manifest of a warehouse folder.
pub fn read_manifest(dir: &Path) -> Result<Manifest, StoreError> {
    let path = dir.join(MANIFEST);
    if !dir.is_dir() {
        return Err(io(
            dir,
            "no such folder; create a warehouse with `budgetql ingest FILE... --into DIR`",
        ));
    }
    if !path.exists() {
        return Err(StoreError::NotAWarehouse {
            path: dir.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| StoreError::Manifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if m.format != FORMAT {
        return Err(StoreError::Format {
            path,
            reason: format!(
                "was written by {} budgetql (format {}, this one reads {FORMAT}); ingest the documents again into a new folder",
                if m.format < FORMAT { "an older" } else { "a newer" },
                m.format
            ),
        });
    }
    Ok(m)
}

/// Write a file atomically: to a temporary name in the same folder, then rename.
pub(crate) fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<(), String>,
) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let mut f = fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
    if let Err(e) = write(&mut f).and_then(|_| f.sync_all().map_err(|e| e.to_string())) {
        let _ = fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    fs::rename(&tmp, path).map_err(|e| io(path, e))
}

/// An exclusive lock on a warehouse folder (`DIR/.lock`), released on drop, so two
/// ingests into one warehouse never interleave: the second fails clearly.
struct Lock(PathBuf);

impl Lock {
    fn take(dir: &Path) -> Result<Lock, StoreError> {
        let path = dir.join(".lock");
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                let _ = writeln!(f, "{}", std::process::id());
                Ok(Lock(path))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = fs::read_to_string(&path).unwrap_or_default();
                // a lock left by a process that no longer runs (killed) is taken over
                let dead = cfg!(target_os = "linux")
                    && pid
                        .trim()
                        .parse::<u32>()
                        .is_ok_and(|p| !Path::new(&format!("/proc/{p}")).exists());
                if dead {
                    let _ = fs::remove_file(&path);
                    return Lock::take(dir);
                }
                Err(StoreError::Io {
                    path: dir.to_path_buf(),
                    reason: format!(
                        "another ingest is writing to this warehouse (lock file {}, process {}); wait for it to finish, or remove the lock file if no ingest is running",
                        path.display(),
                        pid.trim()
                    ),
                })
            }
            Err(e) => Err(io(&path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Write one Parquet file atomically (a temporary name, then rename).
pub(crate) fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), StoreError> {
    write_atomic(path, |f| {
        ParquetWriter::new(f)
            .finish(df)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

/// Publish the manifest: written under a temporary name and renamed into place, the
/// commit point of every write to the warehouse.
pub(crate) fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), StoreError> {
    let json = serde_json::to_string_pretty(manifest).map_err(|e| io(dir, e))?;
    write_atomic(&dir.join(MANIFEST), |f| {
        use std::io::Write;
        f.write_all(json.as_bytes()).map_err(|e| e.to_string())
    })
}

/// Ingested documents → the warehouse at `dir` (created when missing).
/// Returns the manifest as written.
pub fn write(dir: &Path, docs: &[Document]) -> Result<Manifest, crate::error::Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(io(
            dir,
            "this is a file, not a folder; --into takes the warehouse's folder (created when missing)",
        )
        .into());
    }
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let _lock = Lock::take(dir)?;
    let old = if dir.join(MANIFEST).exists() {
        read_manifest(dir)?
    } else {
        Manifest {
            format: FORMAT,
            documents: vec![],
        }
    };
    let mut manifest = old.clone();
    let version = old.documents.iter().map(|d| d.version).max().unwrap_or(0) + 1;
    // 1. write every new file under a name no reader knows yet (version in the name)
    for doc in docs {
        let frames = model::frames(doc)?;
        let file_name = format!("{}@{version}.parquet", doc.source);
        let mut files = vec![];
        let mut nulls = BTreeMap::new();
        for (table, df) in frames {
            if df.height() == 0 {
                continue;
            }
            let tdir = dir.join(table);
            let years = df
                .column("year")
                .and_then(|c| c.i32().map(|ca| ca.unique()))
                .map_err(|e| io(&tdir, e))?;
            let years = years.map_err(|e| io(&tdir, e))?;
            for y in years.iter().flatten() {
                let mask = df
                    .column("year")
                    .and_then(|c| c.i32().map(|ca| ca.equal(y)))
                    .map_err(|e| io(&tdir, e))?;
                let mut part = df
                    .filter(&mask)
                    .and_then(|d| d.drop("year"))
                    .map_err(|e| io(&tdir, e))?;
                let rel = format!("{table}/year={y}/{file_name}");
                note_nulls(&mut nulls, table, &part);
                write_parquet(&dir.join(&rel), &mut part)?;
                files.push(rel);
            }
        }
        let rows = model::row_counts(doc)
            .into_iter()
            .map(|(t, n)| (t.to_string(), n))
            .collect();
        manifest.documents.retain(|d| d.source != doc.source);
        manifest.documents.push(ManifestDoc {
            source: doc.source.clone(),
            file: doc.file.clone(),
            sha256: doc.sha256.clone(),
            bytes: doc.bytes,
            year: doc.year,
            dept_code: doc.dept_code.clone(),
            rows,
            version,
            files,
            nulls: Some(nulls),
        });
    }
    manifest
        .documents
        .sort_by(|a, b| (a.year, &a.source).cmp(&(b.year, &b.source)));
    // 2. publish: the manifest names the files readers scan; its rename is the commit point
    write_manifest(dir, &manifest)?;
    // 3. remove the versions no reader can still be reading, and any leftovers of an
    //    ingest that was killed before it published. A reader that opened the previous
    //    manifest may still scan its files (a query started before this ingest): those
    //    are kept until the ingest after this one, so only files neither manifest names go
    let live: std::collections::HashSet<&String> = manifest
        .documents
        .iter()
        .chain(old.documents.iter())
        .flat_map(|d| d.files.iter())
        .collect();
    for def in TABLES {
        let tdir = dir.join(def.name);
        let Ok(parts) = fs::read_dir(&tdir) else {
            continue;
        };
        for part in parts.flatten() {
            let Ok(entries) = fs::read_dir(part.path()) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                let rel = format!("{}/{}/{name}", def.name, part.file_name().to_string_lossy());
                let ours = name.ends_with(".parquet") || name.contains(".tmp-");
                if ours && !live.contains(&rel) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
    Ok(manifest)
}

impl Manifest {
    /// The committed files of one table, relative to the warehouse folder: what every
    /// reader, budgetql or another engine, must read (and nothing else).
    pub fn files_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.documents
            .iter()
            .flat_map(|d| d.files.iter())
            .filter(move |f| in_table(f, table))
    }
}

/// Lazy scans of every contract table of a warehouse: only the columns and
/// `year` partitions a query needs are read.
pub fn scan(dir: &Path, manifest: &Manifest) -> Result<Vec<(&'static str, LazyFrame)>, StoreError> {
    let mut out = vec![];
    for def in TABLES {
        let tdir: PathBuf = dir.join(def.name);
        let schema = model::schema(def);
        let files: Vec<PathBuf> = manifest.files_of(def.name).map(|f| dir.join(f)).collect();
        if files.is_empty() {
            out.push((def.name, DataFrame::empty_with_schema(&schema).lazy()));
            continue;
        }
        if let Some(missing) = files.iter().find(|f| !f.is_file()) {
            return Err(StoreError::Parquet {
                path: missing.clone(),
                reason:
                    "the manifest lists this file but it is missing; ingest the documents again"
                        .into(),
            });
        }
        let hive_schema: Schema = [Field::new("year".into(), DataType::Int32)]
            .into_iter()
            .collect();
        let base = format!("{}/", tdir.display());
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(true),
                hive_start_idx: base.len(),
                schema: Some(Arc::new(hive_schema)),
                try_parse_dates: false,
            },
            ..Default::default()
        };
        let paths: Vec<PlRefPath> = files.iter().map(|f| scan_path(f)).collect();
        let lf = LazyFrame::scan_parquet_files(paths.into_iter().collect(), args).map_err(|e| {
            StoreError::Parquet {
                path: tdir.clone(),
                reason: e.to_string(),
            }
        })?;
        let cols: Vec<Expr> = def.columns.iter().map(|(n, _)| col(*n)).collect();
        out.push((def.name, lf.select(cols)));
    }
    Ok(out)
}

/// The first file of a table whose Parquet metadata cannot be read, with Polars' reason
/// (each file's footer read on its own: for naming a damaged file in a message).
pub fn damaged_file(dir: &Path, manifest: &Manifest, table: &str) -> Option<(PathBuf, String)> {
    manifest.files_of(table).find_map(|f| {
        let path = dir.join(f);
        let schema = LazyFrame::scan_parquet(scan_path(&path), Default::default())
            .and_then(|mut lf| lf.collect_schema());
        schema.err().map(|e| (path, e.to_string()))
    })
}

/// A file as a scan names it.
fn scan_path(f: &Path) -> PlRefPath {
    PlRefPath::from(f.to_string_lossy().as_ref())
}

/// The columns of each scanned table that hold no NULL in any document, keyed by the first
/// file its scan reads (how a plan names the scan): what lets a grouped `SUM` skip SQL's
/// NULL-for-no-values test (the plan rule `query/optimize/null_free_sums.rs`). A table some document of which did not
/// record its NULLs (an older manifest) has none: any column may hold NULLs.
pub fn null_free_columns(dir: &Path, manifest: &Manifest) -> HashMap<String, HashSet<String>> {
    let mut out = HashMap::new();
    for def in TABLES {
        let Some(first) = manifest.files_of(def.name).next() else {
            continue;
        };
        let mut with_nulls: HashSet<&str> = HashSet::new();
        let holding = manifest
            .documents
            .iter()
            .filter(|d| d.files.iter().any(|f| in_table(f, def.name)));
        for d in holding {
            let Some(n) = &d.nulls else {
                // not recorded: no column is known to be free of NULLs
                with_nulls.extend(def.columns.iter().map(|(c, _)| *c));
                break;
            };
            with_nulls.extend(n.get(def.name).into_iter().flatten().map(|c| c.as_str()));
        }
        let free = def
            .columns
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !with_nulls.contains(n))
            .map(String::from)
            .collect();
        out.insert(scan_path(&dir.join(first)).as_str().to_string(), free);
    }
    out
}

/// DuckDB views over exactly the files the manifest lists (never a glob: while an
/// ingest runs, its new files sit beside the ones the manifest still names), with the
/// contract's column order and types, so budgetql's SQL lowered with
/// `budgetql sql --dialect duckdb` runs on them as printed.
pub fn duckdb_views(dir: &Path) -> Result<String, StoreError> {
    let manifest = read_manifest(dir)?;
    let abs = fs::canonicalize(dir).map_err(|e| io(dir, e))?;
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut out = format!(
        "-- the budgetql warehouse {} (format {}, {} documents): the files manifest.json lists\n",
        abs.display(),
        manifest.format,
        manifest.documents.len()
    );
    for def in TABLES {
        let files: Vec<String> = manifest
            .files_of(def.name)
            .map(|f| lit(&abs.join(f).to_string_lossy()))
            .collect();
        let cols: Vec<String> = def
            .columns
            .iter()
            .map(|(n, k)| {
                let t = match k {
                    model::Kind::Text => "VARCHAR",
                    model::Kind::Int => "INTEGER",
                    model::Kind::Money => "DECIMAL(38, 6)",
                    model::Kind::Number => "DECIMAL(38, 3)",
                    model::Kind::Float => "DOUBLE",
                    model::Kind::Date => "DATE",
                };
                if files.is_empty() {
                    format!("CAST(NULL AS {t}) AS {n}")
                } else if *n == "year" {
                    // the partition value, typed as the contract types it
                    format!("CAST(year AS {t}) AS year")
                } else {
                    n.to_string()
                }
            })
            .collect();
        if files.is_empty() {
            out.push_str(&format!(
                "CREATE OR REPLACE VIEW {} AS SELECT {} WHERE false;\n",
                def.name,
                cols.join(", ")
            ));
        } else {
            out.push_str(&format!(
                "CREATE OR REPLACE VIEW {} AS SELECT {} FROM read_parquet([{}], hive_partitioning = true);\n",
                def.name,
                cols.join(", "),
                files.join(", ")
            ));
        }
    }
    Ok(out)
}
