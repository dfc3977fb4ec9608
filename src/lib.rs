//! budgetql: an embedded analytics engine for public budget disclosures.
//!
//! Pipeline: disclosure text → [`ingest`] → typed records → [`model`] → Polars
//! frames → [`store`] (Parquet warehouse) → [`query`] (SQL) → [`render`].
//! The CLI, scripts and (later) the REPL all go through [`Session::run`].

pub mod audit;
pub mod error;
pub mod gen;
pub mod guard;
pub mod ingest;
pub mod model;
pub mod query;
pub mod render;
pub mod repl;
pub mod serve;
pub mod store;
pub mod text_layer;

pub use query::Output;

pub use error::{Error, Result};
pub use ingest::{ingest_bytes, ingest_file, Document};
pub use render::Format;

use polars::prelude::*;
use std::io::Write;
use std::path::Path;

/// A query session: the contract tables registered for SQL, plus views,
/// loaded files and parameters. Cloning is cheap (lazy plans, shared data).
#[derive(Clone)]
pub struct Session {
    /// The engine that checks, rewrites and runs statements.
    pub engine: query::Engine,
    /// One line saying what is loaded, for banners and `--help`-style output.
    pub description: String,
    /// Print each statement's time to standard error (`--timer`).
    pub timer: bool,
    /// When set, results are kept here instead of printed (the shell's `.once x.xlsx`
    /// and `.once x.svg` write them to a file), with the chart each was asked as.
    pub capture: Option<Vec<(DataFrame, Option<render::chart::Spec>)>>,
}

impl Session {
    fn with_tables(tables: Vec<(&'static str, LazyFrame)>, description: String) -> Session {
        Session {
            engine: query::Engine::new(tables),
            description,
            timer: false,
            capture: None,
        }
    }

    /// The bundled document (`datasets/raw/`, the project's own 2021 seed), ingested in
    /// memory at start (a few milliseconds).
    pub fn bundled() -> Result<Session> {
        Session::from_documents(&ingest::ingest_bundled_all()?)
    }

    /// Documents ingested in memory, all tables concatenated.
    pub fn from_documents(docs: &[Document]) -> Result<Session> {
        let tables = model::stacked(docs)?
            .into_iter()
            .map(|(name, df)| (name, df.lazy()))
            .collect();
        let desc = match docs {
            [d] => format!(
                "{} ({}, {} projects, {} indicators)",
                d.source,
                d.year,
                d.records.projects.len(),
                d.records.indicators.len()
            ),
            _ => format!("{} documents", docs.len()),
        };
        Ok(Session::with_tables(tables, desc))
    }

    /// A warehouse on disk, scanned lazily.
    pub fn open(dir: &Path) -> Result<Session> {
        let manifest = store::read_manifest(dir)?;
        let tables = store::scan(dir, &manifest)?;
        let years: std::collections::BTreeSet<i32> =
            manifest.documents.iter().map(|d| d.year).collect();
        let desc = format!(
            "warehouse {} ({} documents, years {})",
            dir.display(),
            manifest.documents.len(),
            years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut s = Session::with_tables(tables, desc);
        s.engine.set_scanned();
        s.engine
            .set_null_free(store::null_free_columns(dir, &manifest));
        // a table that cannot be read is named by its damaged file, found only then (at
        // opening, or when a query fails reading one)
        let find = {
            let (dir, manifest) = (dir.to_path_buf(), manifest.clone());
            move |table: &str| {
                store::damaged_file(&dir, &manifest, table)
                    .map(|(file, why)| format!("{}: {why}", file.display()))
            }
        };
        for name in s.engine.unreadable() {
            if let Some(why) = find(&name) {
                s.engine.set_unreadable(&name, why);
            }
        }
        s.engine.set_damaged(std::sync::Arc::new(find));
        Ok(s)
    }

    /// Execute the statements of `sql` and return the last result table.
    pub fn query(&mut self, sql: &str) -> Result<DataFrame> {
        let stmts = query::split(sql);
        let mut last = DataFrame::empty();
        for s in &stmts {
            if let query::Output::Frame(df) | query::Output::Chart(df, _) =
                self.engine.execute("", s)?
            {
                last = df;
            }
        }
        Ok(last)
    }

    /// Bind a `:name` parameter (the value is SQL: a number or quoted text).
    pub fn set_param(&mut self, name: &str, value: &str) {
        self.engine
            .params
            .insert(name.to_string(), value.to_string());
    }

    /// Execute every statement of a script and print each result: the one
    /// "execute and print" path of `-c`, `-f`, standard input, scripts and the REPL.
    /// Stops at the first error. `origin` prefixes positions in errors (`file.sql:`).
    pub fn run(
        &mut self,
        script: &str,
        origin: &str,
        format: Format,
        opts: &render::Options,
        out: &mut dyn Write,
    ) -> Result<usize> {
        let mut first: Option<Error> = None;
        let n = self.run_each(script, origin, format, opts, false, out, &mut |e| {
            first = Some(e);
            false
        })?;
        match first {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }

    /// Like [`Session::run`], but each statement's error goes to `on_error`, which
    /// says whether to go on. With `echo`, each statement is printed before its result.
    /// Returns the number of statements run; `Err` only when output cannot be written.
    #[allow(clippy::too_many_arguments)]
    pub fn run_each(
        &mut self,
        script: &str,
        origin: &str,
        format: Format,
        opts: &render::Options,
        echo: bool,
        out: &mut dyn Write,
        on_error: &mut dyn FnMut(Error) -> bool,
    ) -> Result<usize> {
        let stmts = query::split(script);
        let mut printed = false;
        let mut n = 0;
        // COPY writes workbooks and charts in the unit results are shown in
        self.engine.money = opts.money;
        for s in &stmts {
            n += 1;
            if echo {
                writeln!(out, "{};", s.text).map_err(error::RenderError::from)?;
            }
            let started = std::time::Instant::now();
            let executed = self.engine.execute(origin, s);
            if self.timer {
                // to stderr, so results stay clean; the shell's `.timer on` prints the same
                eprintln!("time: {:.3} s", started.elapsed().as_secs_f64());
            }
            let result = match executed {
                Ok(r) => r,
                Err(e) => {
                    out.flush().map_err(error::RenderError::from)?;
                    if on_error(e.into()) {
                        continue;
                    }
                    break;
                }
            };
            let sep = printed && format == Format::Table;
            let chart = match &result {
                query::Output::Chart(_, c) => Some(c.clone()),
                _ => None,
            };
            match result {
                query::Output::Frame(df) | query::Output::Chart(df, _) => {
                    if let Some(kept) = &mut self.capture {
                        kept.push((df, chart));
                        continue;
                    }
                    if sep {
                        writeln!(out).map_err(error::RenderError::from)?;
                    }
                    let audit = query::command_of(&s.text).is_some_and(|c| c.name == "AUDIT");
                    if let (Some(c), Format::Table) = (chart, format) {
                        render::chart::terminal(&df, &c, opts, out)?;
                    } else if audit && format == Format::Table && df.height() > 0 {
                        // a finding is read, not scanned across: one block per finding, its
                        // explanation whole (a table row was 600 columns wide, the
                        // explanation cut); other formats keep the table's columns
                        render::render(&df, Format::Line, opts, out)?;
                    } else {
                        render::render(&df, format, opts, out)?;
                    }
                    printed = true;
                }
                query::Output::Message(m) => {
                    if format == Format::Table {
                        writeln!(out, "{m}").map_err(error::RenderError::from)?;
                    }
                }
            }
        }
        Ok(n)
    }
}
