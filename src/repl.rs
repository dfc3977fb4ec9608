//! The interactive shell: a thin loop over [`Session::run`] with rustyline for
//! editing, history, completion and highlighting, and meta commands.

pub mod helper;
pub mod meta;

use crate::render::{Format, Options};
use crate::{Error, Session};
use helper::{BudgetHelper, Catalog};
use meta::Meta;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set by the Ctrl-C handler while a statement runs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Where history is kept: `$XDG_DATA_HOME/budgetql/history`, else
/// `~/.local/share/budgetql/history`; never the current folder.
pub fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("budgetql").join("history"))
}

/// Shell state beyond the session: output settings and destinations.
pub struct Shell {
    pub format: Format,
    pub opts: Options,
    pub timer: bool,
    output: Option<(PathBuf, std::fs::File)>,
    once: Option<PathBuf>,
}

impl Shell {
    pub fn new(format: Format, opts: Options) -> Shell {
        Shell {
            format,
            opts,
            timer: false,
            output: None,
            once: None,
        }
    }

    /// Whether the next results go to a `.once` file that holds frames, not text
    /// (a workbook or a chart): then the session keeps them instead of printing.
    fn capturing(&self) -> bool {
        self.once.as_deref().is_some_and(|p| file_kind(p).is_some())
    }

    /// Write the results kept for `.once x.xlsx` (one sheet each) or `.once x.svg` (one
    /// chart), as COPY would; a `.once` file is replaced, as for text.
    fn emit_captured(&mut self, kept: Vec<Captured>, err: &mut dyn Write) {
        let Some(path) = self.once.take() else { return };
        let written = match (file_kind(&path), kept.len()) {
            (_, 0) => Err("the statement returned no result to write".to_string()),
            (Some(FileKind::Workbook), _) => {
                // COPY's default name, leaving room for `_2`, `_3` …
                let stem: String = crate::query::files::default_sheet(&path)
                    .chars()
                    .take(28)
                    .collect();
                let stem = match crate::render::xlsx::check_sheet_name(&stem) {
                    Ok(()) => stem,
                    Err(_) => "result".into(),
                };
                let sheets: Vec<(String, polars::prelude::DataFrame)> = kept
                    .into_iter()
                    .enumerate()
                    .map(|(i, (df, _))| {
                        let name = if i == 0 {
                            stem.clone()
                        } else {
                            format!("{stem}_{}", i + 1)
                        };
                        (name, df)
                    })
                    .collect();
                crate::query::files::write_workbook(&sheets, self.opts.money, &path).map(|_| ())
            }
            (Some(FileKind::Chart), 1) => {
                let (df, chart) = &kept[0];
                let bar = crate::render::chart::Spec::of(crate::render::chart::Chart::Bar);
                crate::query::files::write_chart(
                    df,
                    chart.as_ref().unwrap_or(&bar),
                    self.opts.money,
                    &path,
                )
            }
            (Some(FileKind::Chart), n) => Err(format!(
                "an SVG file holds one chart, and {n} statements returned results; run one"
            )),
            (None, _) => Ok(()),
        };
        if let Err(e) = written {
            let _ = writeln!(err, "budgetql: .once {}: {e}", path.display());
        }
    }

    /// Deliver what a run produced: results kept for a `.once` workbook or chart are
    /// written there (and any text, such as messages, goes to the screen); otherwise
    /// the text goes to the current destination.
    fn deliver(&mut self, kept: Option<Vec<Captured>>, buf: &[u8], err: &mut dyn Write) {
        match kept {
            Some(kept) => {
                self.emit_captured(kept, err);
                self.emit_to_screen(buf);
            }
            None => self.emit(buf, err),
        }
    }

    /// Write a finished result to the current destination (`.once`, `.output` or the screen).
    fn emit(&mut self, bytes: &[u8], err: &mut dyn Write) {
        match self.once.take() {
            Some(path) => match std::fs::File::create(&path) {
                Ok(mut f) => {
                    let _ = f.write_all(bytes);
                }
                Err(e) => {
                    let _ = writeln!(err, "budgetql: .once {}: {e}", path.display());
                }
            },
            None => self.emit_to_screen(bytes),
        }
    }

    /// Text printed while results went to a `.once` workbook or chart (messages): to
    /// the `.output` file or the screen.
    fn emit_to_screen(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Some((_, f)) = &mut self.output {
            let _ = f.write_all(bytes);
            return;
        }
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let _ = lock.write_all(bytes);
        let _ = lock.flush();
    }

    /// Run statements and print them. Errors are printed, not returned.
    pub fn run_sql(
        &mut self,
        session: &mut Session,
        text: &str,
        origin: &str,
        err: &mut dyn Write,
    ) {
        let started = Instant::now();
        let mut buf = vec![];
        let capturing = self.capturing();
        if capturing {
            session.capture = Some(vec![]);
        }
        let result = session.run(text, origin, self.format, &self.opts, &mut buf);
        let kept = session.capture.take().filter(|_| capturing);
        self.deliver(kept, &buf, err);
        if let Err(e) = result {
            let _ = writeln!(err, "budgetql: {e}");
        }
        if self.timer {
            let _ = writeln!(err, "time: {:.3} s", started.elapsed().as_secs_f64());
        }
    }

    /// Run typed statements on a worker thread over a copy of the session, so that
    /// Ctrl-C returns to the prompt at once. An interrupted statement runs on in the
    /// background; its result and any state it would set (SET, CREATE VIEW, LOAD)
    /// are dropped, and the session goes on as it was before it.
    pub fn run_interruptible(&mut self, session: &mut Session, text: &str, err: &mut dyn Write) {
        self.run_interruptible_from(session, text, "", err)
    }

    /// [`Self::run_interruptible`] for statements read from `origin` (`file.sql:`, which
    /// errors are located in): `.read`, whose statements Ctrl-C stops as typed ones.
    fn run_interruptible_from(
        &mut self,
        session: &mut Session,
        text: &str,
        origin: &str,
        err: &mut dyn Write,
    ) {
        INTERRUPTED.store(false, Ordering::SeqCst);
        let started = Instant::now();
        let (tx, rx) = mpsc::channel();
        let (mut s, format, opts, text, origin) = (
            session.clone(),
            self.format,
            self.opts.clone(),
            text.to_string(),
            origin.to_string(),
        );
        let capturing = self.capturing();
        if capturing {
            s.capture = Some(vec![]);
        }
        std::thread::spawn(move || {
            let mut buf = vec![];
            let result = s
                .run(&text, &origin, format, &opts, &mut buf)
                .map(|_| ())
                .map_err(|e| e.to_string());
            let _ = tx.send((s, buf, result));
        });
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((mut s, buf, result)) => {
                    let kept = s.capture.take().filter(|_| capturing);
                    self.deliver(kept, &buf, err);
                    *session = s;
                    if let Err(e) = result {
                        let _ = writeln!(err, "budgetql: {e}");
                    }
                    if self.timer {
                        let _ = writeln!(err, "time: {:.3} s", started.elapsed().as_secs_f64());
                    }
                    return;
                }
                Err(mpsc::RecvTimeoutError::Timeout) if INTERRUPTED.load(Ordering::SeqCst) => {
                    let _ = writeln!(err, "interrupted; the statement is abandoned (its result and settings are dropped)");
                    return;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Apply a meta command. Returns false to leave the shell.
    pub fn meta(
        &mut self,
        session: &mut Session,
        m: Meta,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> bool {
        if session.engine.is_safe()
            && matches!(m, Meta::Read(_) | Meta::Output(Some(_)) | Meta::Once(..))
        {
            let _ = writeln!(
                err,
                "budgetql: safe mode: this command reads or writes files and is refused"
            );
            return true;
        }
        match m {
            Meta::Safe => {
                session.engine.set_safe();
                let _ = writeln!(out, "safe mode on: LOAD, COPY, .read, .output FILE and .once are refused from now on");
            }
            Meta::Help => {
                let _ = writeln!(out, "{}", meta::help());
            }
            Meta::Tables => self.run_sql(session, "SHOW TABLES", "", err),
            Meta::Schema(None) => {
                for (t, _) in session.engine.tables() {
                    let _ = writeln!(out, "{t}");
                    self.run_sql(session, &format!("DESCRIBE \"{t}\""), "", err);
                }
            }
            Meta::Schema(Some(t)) => self.run_sql(session, &format!("DESCRIBE {t}"), "", err),
            Meta::Mode(f) => self.format = f,
            Meta::MaxRows(n) => self.opts.max_rows = n,
            Meta::MaxWidth(n) => self.opts.max_width = n.max(2),
            Meta::Timer(on) => self.timer = on,
            // (Ctrl-C stops a slow statement of the file as it does a typed one)
            Meta::Read(path) => match std::fs::read_to_string(&path) {
                Ok(text) => self.run_interruptible_from(session, &text, &format!("{path}:"), err),
                Err(e) => {
                    let _ = writeln!(err, "budgetql: .read {path}: {e}");
                }
            },
            Meta::Output(None) => self.output = None,
            Meta::Output(Some((path, _))) if file_kind(std::path::Path::new(&path)).is_some() => {
                let _ = writeln!(err, "budgetql: .output {path}: .output writes text; for a workbook or a chart use `.once {path}` (the next result), or COPY (…) TO '{path}' (SHEET 'name') to put several results in one workbook");
            }
            Meta::Output(Some((path, over))) | Meta::Once(path, over)
                if !over && std::path::Path::new(&path).exists() =>
            {
                let _ = writeln!(err, "budgetql: {path} already exists; add `overwrite` to replace it (`.once {path} overwrite`, `.output {path} overwrite`), as COPY … (OVERWRITE) does");
            }
            Meta::Output(Some((path, _))) => match std::fs::File::create(&path) {
                Ok(f) => self.output = Some((PathBuf::from(path), f)),
                Err(e) => {
                    let _ = writeln!(err, "budgetql: .output {path}: {e}");
                }
            },
            Meta::Once(path, _) => self.once = Some(PathBuf::from(path)),
            Meta::Money(u) => self.opts.money = u,
            Meta::Quit => return false,
        }
        true
    }
}

/// A result kept for a `.once` workbook or chart, with the chart it was asked as.
type Captured = (
    polars::prelude::DataFrame,
    Option<crate::render::chart::Spec>,
);

/// The `.once` files that take results rather than text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// `.xlsx`: one sheet per result
    Workbook,
    /// `.svg`: the result as a chart (a bar chart unless it was a CHART statement)
    Chart,
}

fn file_kind(p: &std::path::Path) -> Option<FileKind> {
    match p.extension()?.to_string_lossy().to_lowercase().as_str() {
        "xlsx" => Some(FileKind::Workbook),
        "svg" => Some(FileKind::Chart),
        _ => None,
    }
}

fn catalog(session: &mut Session) -> Catalog {
    let mut tables = vec![];
    for (t, _) in session.engine.tables() {
        let cols = session
            .engine
            .schema_of(&t)
            .map(|s| s.iter_names().map(|n| n.to_string()).collect())
            .unwrap_or_default();
        tables.push((t, cols));
    }
    Catalog { tables }
}

/// The interactive loop.
pub fn run(mut session: Session, format: Format, opts: Options) -> Result<(), Error> {
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(5000)
        .map_err(io_err)?
        .build();
    let mut ed: Editor<BudgetHelper, DefaultHistory> =
        Editor::with_config(config).map_err(io_err)?;
    let color = std::env::var_os("NO_COLOR").is_none();
    let helper = BudgetHelper {
        catalog: std::cell::RefCell::new(catalog(&mut session)),
        color,
    };
    ed.set_helper(Some(helper));
    // while a statement runs the terminal is not in raw mode: Ctrl-C arrives as SIGINT
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = ed.load_history(h);
    }
    let mut shell = Shell::new(format, opts);
    println!(
        "budgetql {} — loaded {}",
        env!("CARGO_PKG_VERSION"),
        session.description
    );
    println!(
        "End statements with `;`. `.help` lists commands; Ctrl-C clears the input, Ctrl-D leaves."
    );
    let mut stderr = std::io::stderr();
    loop {
        match ed.readline("budgetql> ") {
            Ok(line) => {
                let text = line.trim();
                if text.is_empty() {
                    continue;
                }
                let _ = ed.add_history_entry(text);
                if text.starts_with('.') {
                    match text.parse::<Meta>() {
                        Ok(m) => {
                            let mut stdout = std::io::stdout();
                            if !shell.meta(&mut session, m, &mut stdout, &mut stderr) {
                                break;
                            }
                        }
                        Err(e) => eprintln!("budgetql: {e}"),
                    }
                } else {
                    shell.run_interruptible(&mut session, text, &mut stderr);
                }
                if let Some(h) = ed.helper_mut() {
                    *h.catalog.borrow_mut() = catalog(&mut session);
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(io_err(e)),
        }
    }
    if let Some(h) = &hist {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = ed.save_history(h);
    }
    Ok(())
}

fn io_err(e: impl std::fmt::Display) -> Error {
    Error::Render(crate::error::RenderError::Data(format!("terminal: {e}")))
}
