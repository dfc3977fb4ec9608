//! PDF → the text layer the layouts read: pages → glyphs (x extent, baseline, size,
//! character) → lines (glyphs grouped by baseline, ordered by x) → words with their x
//! extents. `budgetql text file.pdf` prints it.
//!
//! Read with hayro (pure Rust). What PDF producers do to text, handled here once:
//! text drawn with fill and then stroke arrives twice (a run identical to the one
//! before it is skipped, and a glyph drawn again over itself is dropped); rotated pages
//! (`/Rotate 90`) are read through the page's initial transform, so text comes out
//! upright; glyphs outside the crop box are not on the page and are dropped; figures
//! drawn a little below their row's baseline still belong to that row (lines are
//! grouped with a tolerance of a fraction of the font size). A PDF that cannot be read
//! is an error naming the file and page, never a panic.

use std::fmt::Write as _;

use hayro_interpret::font::GlyphRun;
use hayro_interpret::hayro_syntax::page::Page as HPage;
use hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro_interpret::kurbo::{Affine, BezPath, Point, Rect};
use hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image,
    ImageDrawProps, InterpreterCache, InterpreterSettings, SoftMask,
};

/// One word (a run of glyphs without a gap) with its horizontal extent, in points
/// from the page's left edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub x0: f32,
    pub x1: f32,
    pub text: String,
}

/// One printed line: the words sharing a baseline, left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Baseline, in points from the top of the page.
    pub y: f32,
    /// The largest font size on the line.
    pub size: f32,
    pub words: Vec<Word>,
}

impl Line {
    /// The line as text, words separated by one space.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// One page of the text layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    pub width: f32,
    pub height: f32,
    pub lines: Vec<Line>,
}

/// A whole PDF's text layer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextLayer {
    pub pages: Vec<Page>,
    /// the number of pages the file's page tree lists (its `/Count`); None when the tree
    /// cannot be read and the pages were found by searching the file
    pub declared_pages: Option<usize>,
}

/// Why a PDF's text could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum PdfProblem {
    /// Encrypted with a password (or an encryption hayro does not support).
    Encrypted,
    /// Not a readable PDF (truncated, damaged, no page tree).
    Damaged,
    /// Pages without any text: a scan.
    NoText { pages: usize },
    /// The reader failed on a page (a defect in the file or in the reader).
    PageFailed { page: usize },
    /// A page took longer than the reader allows.
    TooSlow { page: usize },
}

impl std::fmt::Display for PdfProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfProblem::Encrypted => write!(
                f,
                "the PDF is encrypted with a password; open it in a PDF reader and save or print an unprotected copy"
            ),
            PdfProblem::Damaged => write!(
                f,
                "the PDF cannot be read (truncated or damaged); download it again, or open and re-save it in a PDF reader"
            ),
            PdfProblem::NoText { pages } => write!(
                f,
                "no text on pages 1-{pages}: this looks like a scan (or a damaged file); OCR it first (e.g. `ocrmypdf in.pdf out.pdf`), or download it again"
            ),
            PdfProblem::PageFailed { page } => write!(
                f,
                "page {page}: the PDF's content could not be read; re-save the file in a PDF reader and try again"
            ),
            PdfProblem::TooSlow { page } => write!(
                f,
                "page {page}: reading it took longer than {} s, so the file was given up on (it may be damaged); re-save it in a PDF reader and try again",
                PAGE_TIME.as_secs()
            ),
        }
    }
}

/// A glyph on the page, in points, y growing downwards.
#[derive(Debug, Clone)]
struct Glyph {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    text: String,
}

/// One line of the layer as laid out for reading: `budgetql text` prints these, and
/// their index (from 1) is the line number the ingest, its messages and the `line`
/// column use.
#[derive(Debug, Clone, Copy)]
pub enum TextRow<'a> {
    /// The blank line between two pages.
    Blank,
    /// `=== page N ===`
    Marker(usize),
    Line(&'a Line),
}

impl TextLayer {
    /// The layer's lines, in order: a blank line between pages, `=== page N ===` before
    /// each, then its printed lines (the one definition of the numbering).
    pub fn rows(&self) -> Vec<TextRow<'_>> {
        let mut v = vec![];
        for (i, p) in self.pages.iter().enumerate() {
            if i > 0 {
                v.push(TextRow::Blank);
            }
            v.push(TextRow::Marker(p.number));
            v.extend(p.lines.iter().map(TextRow::Line));
        }
        v
    }

    /// The layer as the pdf-text layout reads it: one text line per [`TextRow`], words
    /// separated by one space.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for r in self.rows() {
            match r {
                TextRow::Blank => {}
                TextRow::Marker(n) => {
                    let _ = write!(s, "=== page {n} ===");
                }
                TextRow::Line(l) => s.push_str(&l.text()),
            }
            s.push('\n');
        }
        s
    }

    /// For each line of [`TextLayer::to_text`] (index = line number - 1), the x extent
    /// of each of its words; empty for page markers and blank lines.
    pub fn word_extents(&self) -> Vec<Vec<(f32, f32)>> {
        self.rows()
            .into_iter()
            .map(|r| match r {
                TextRow::Line(l) => l.words.iter().map(|w| (w.x0, w.x1)).collect(),
                _ => vec![],
            })
            .collect()
    }
}

/// True when the bytes start like a PDF (the `%PDF-` header within the first KiB).
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Run `f` with panics caught and silenced.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    crate::guard::catch(f).ok()
}

/// How long the reader may spend on one page before the PDF is given up on.
const PAGE_TIME: std::time::Duration = std::time::Duration::from_secs(20);

/// What the reading thread reports: a page done, or the result.
enum Progress {
    Page,
    Done(Result<TextLayer, PdfProblem>),
}

/// Read the text layer of every page of a PDF. The reader runs on a thread of its own
/// with a large stack, and a page that takes longer than [`PAGE_TIME`] ends the read
/// with an error (a damaged or hostile file must not hang the shell).
pub fn read(bytes: &[u8]) -> Result<TextLayer, PdfProblem> {
    let data = bytes.to_vec();
    let (tx, rx) = std::sync::mpsc::channel::<Progress>();
    let spawned = std::thread::Builder::new()
        .name("pdf-reader".into())
        .stack_size(64 << 20)
        .spawn(move || {
            let on_page = || {
                let _ = tx.send(Progress::Page);
            };
            let r = read_all(data, &on_page);
            let _ = tx.send(Progress::Done(r));
        });
    if spawned.is_err() {
        return read_all(bytes.to_vec(), &|| {});
    }
    let mut pages = 0;
    loop {
        match rx.recv_timeout(PAGE_TIME) {
            Ok(Progress::Page) => pages += 1,
            Ok(Progress::Done(r)) => return r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                return Err(PdfProblem::TooSlow { page: pages + 1 })
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PdfProblem::Damaged)
            }
        }
    }
}

fn read_all(data: Vec<u8>, on_page: &dyn Fn()) -> Result<TextLayer, PdfProblem> {
    let pdf = match guarded(|| Pdf::new(data)) {
        Some(Ok(p)) => p,
        Some(Err(LoadPdfError::Decryption(_))) => return Err(PdfProblem::Encrypted),
        Some(Err(LoadPdfError::Invalid)) | None => return Err(PdfProblem::Damaged),
    };
    let n = guarded(|| pdf.pages().len()).ok_or(PdfProblem::Damaged)?;
    if n == 0 {
        return Err(PdfProblem::Damaged);
    }
    let cache = InterpreterCache::new();
    let mut layer = TextLayer {
        declared_pages: guarded(|| declared_pages(&pdf)).flatten(),
        ..Default::default()
    };
    for i in 0..n {
        let page =
            guarded(|| read_page(&pdf, i, &cache)).ok_or(PdfProblem::PageFailed { page: i + 1 })?;
        layer.pages.push(page);
        on_page();
    }
    if layer.pages.iter().all(|p| p.lines.is_empty()) {
        return Err(PdfProblem::NoText { pages: n });
    }
    Ok(layer)
}

/// The number of pages the document's page tree lists (`/Count` of the catalog's
/// `/Pages`), when the tree can be read.
fn declared_pages(pdf: &Pdf) -> Option<usize> {
    use hayro_interpret::hayro_syntax::object::Dict;
    let xref = pdf.xref();
    let root: Dict = xref.get(xref.root_id())?;
    let pages: Dict = root.get(b"Pages")?;
    pages.get::<usize>(b"Count")
}

fn read_page<'a>(pdf: &'a Pdf, i: usize, cache: &InterpreterCache<'a>) -> Page {
    let page: &HPage<'a> = &pdf.pages()[i];
    let (w, h) = page.render_dimensions();
    let t = Affine::new(page.initial_transform(true).as_coeffs());
    let settings = InterpreterSettings::default();
    let mut ctx = Context::new(
        t,
        Rect::new(0.0, 0.0, w as f64, h as f64),
        cache,
        pdf.xref(),
        settings,
    );
    let mut dev = Collector::default();
    interpret_page(page, &mut ctx, &mut dev);
    let glyphs: Vec<Glyph> = dev
        .glyphs
        .into_iter()
        .filter(|g| {
            // outside the crop box: not on the printed page
            g.x0 >= -1.0 && g.x0 <= w + 1.0 && g.y >= 0.0 && g.y <= h + 1.0
        })
        .collect();
    Page {
        number: i + 1,
        width: w,
        height: h,
        lines: lines(glyphs),
    }
}

/// Collects the glyphs hayro draws.
#[derive(Default)]
struct Collector {
    glyphs: Vec<Glyph>,
    /// The previous run's glyphs (text, x, y), to skip a run drawn twice.
    last_run: Vec<(String, i32, i32)>,
}

impl Device<'_> for Collector {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'_>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'_>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'_, '_>, _: ImageDrawProps<'_>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, '_>, props: DrawProps<'_>, _: &DrawMode) {
        let mut got: Vec<Glyph> = Vec::with_capacity(run.glyphs().len());
        for g in run.glyphs() {
            let Some(u) = g.as_unicode() else { continue };
            let text = match u {
                hayro_interpret::hayro_cmap::BfString::Char(c) => c.to_string(),
                hayro_interpret::hayro_cmap::BfString::String(s) => s,
            };
            let m = props.transform * g.transform();
            let o = m * Point::ZERO;
            let up = m * Point::new(0.0, 1000.0);
            let size = ((up.x - o.x).powi(2) + (up.y - o.y).powi(2)).sqrt() as f32;
            let adv = match &**g {
                hayro_interpret::font::Glyph::Outline(og) => og.advance_width(),
                hayro_interpret::font::Glyph::Type3(t3) => t3.advance_width(),
            }
            .filter(|a| a.is_finite() && *a > 0.0)
            .unwrap_or(if text.is_ascii() { 500.0 } else { 1000.0 });
            let end = m * Point::new(adv as f64, 0.0);
            let (x0, x1) = if end.x >= o.x {
                (o.x, end.x)
            } else {
                (end.x, o.x)
            };
            if !(o.x.is_finite() && o.y.is_finite() && size.is_finite()) {
                continue;
            }
            got.push(Glyph {
                x0: x0 as f32,
                x1: x1 as f32,
                y: o.y as f32,
                size,
                text,
            });
        }
        let sig: Vec<(String, i32, i32)> = got
            .iter()
            .map(|g| (g.text.clone(), (g.x0 * 10.0) as i32, (g.y * 10.0) as i32))
            .collect();
        if !sig.is_empty() && sig == self.last_run {
            return; // fill, then stroke: the same run again
        }
        self.last_run = sig;
        self.glyphs.extend(got);
    }
}

/// Group glyphs into lines by baseline (within a third of the font size, so a
/// figure drawn a little below its row's text stays on the row), then into words.
fn lines(mut glyphs: Vec<Glyph>) -> Vec<Line> {
    glyphs.retain(|g| g.size > 0.1);
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));
    let mut groups: Vec<Vec<Glyph>> = Vec::new();
    let mut anchor = f32::NEG_INFINITY;
    let mut tol = 0.0;
    for g in glyphs {
        let t = (g.size * 0.35).max(1.0);
        match groups.last_mut() {
            Some(group) if g.y - anchor <= tol => {
                tol = tol.max(t);
                group.push(g);
            }
            _ => {
                anchor = g.y;
                tol = t;
                groups.push(vec![g]);
            }
        }
    }
    let mut out: Vec<Line> = groups
        .into_iter()
        .filter_map(|mut gs| {
            gs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            let y = gs.iter().map(|g| g.y).fold(f32::NEG_INFINITY, f32::max);
            let size = gs.iter().map(|g| g.size).fold(0.0, f32::max);
            let words = words(gs);
            (!words.is_empty()).then_some(Line { y, size, words })
        })
        .collect();
    merge_offset_figures(&mut out);
    move_offset_figure_suffixes(&mut out);
    merge_wrapped_cells(&mut out);
    out
}

/// A table cell too narrow for its text wraps it over lines above and below the row's
/// figures (the cell is centred vertically): `收入合` / `13,649.07 支出合计 13,649.07` /
/// `计`. A line without figures whose words all fall into the empty stretches of the
/// nearest row (within 1.8 font sizes, and at most 0.6 of the distance to the row on
/// its other side) is that row's wrapped cells: its words join the row at their x
/// position, the fragments of one gap joined top to bottom. Prose never qualifies (its
/// lines span the width, overlapping the row's words).
fn merge_wrapped_cells(lines: &mut Vec<Line>) {
    let figures = |l: &Line| l.words.iter().filter(|w| is_figure(&w.text)).count();
    let is_row = |l: &Line| figures(l) >= 1;
    let n = lines.len();
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let l = &lines[i];
        // (nor a header row of one-character column names: `类 款 项`)
        let column_names =
            l.words.len() >= 2 && l.words.iter().all(|w| w.text.chars().count() == 1);
        if figures(l) > 0 || column_names || l.words.iter().any(|w| w.text.chars().count() > 12) {
            continue;
        }
        let above = (0..i).rev().find(|&j| is_row(&lines[j]));
        let below = (i + 1..n).find(|&j| is_row(&lines[j]));
        let d = |j: Option<usize>| j.map_or(f32::INFINITY, |j| (lines[j].y - l.y).abs());
        let (near, far, t) = if d(above) <= d(below) {
            (d(above), d(below), above)
        } else {
            (d(below), d(above), below)
        };
        let Some(t) = t else { continue };
        if near > 1.8 * l.size.max(lines[t].size) || near > 0.6 * far {
            continue;
        }
        let fits = l.words.iter().all(|w| {
            lines[t]
                .words
                .iter()
                .all(|r| w.x1.min(r.x1) - w.x0.max(r.x0) <= 0.0)
        });
        if fits {
            owner[i] = Some(t);
        }
    }
    if owner.iter().all(Option::is_none) {
        return;
    }
    // each fragment goes into the gap of its row it falls in (before the row's k-th
    // word); the fragments of one gap are one cell, joined top to bottom, left to right
    let mut extra: Vec<Vec<Word>> = vec![vec![]; n];
    for t in 0..n {
        let frags: Vec<&Word> = (0..n)
            .filter(|&i| owner[i] == Some(t))
            .flat_map(|i| lines[i].words.iter())
            .collect();
        if frags.is_empty() {
            continue;
        }
        let slot = |w: &Word| lines[t].words.iter().filter(|r| r.x1 <= w.x0).count();
        let mut cells: Vec<(usize, Word)> = vec![];
        for w in frags {
            let k = slot(w);
            match cells.iter_mut().find(|(s, _)| *s == k) {
                Some((_, c)) => {
                    c.text.push_str(&w.text);
                    c.x0 = c.x0.min(w.x0);
                    c.x1 = c.x1.max(w.x1);
                }
                None => cells.push((k, w.clone())),
            }
        }
        extra[t] = cells.into_iter().map(|(_, w)| w).collect();
    }
    let old = std::mem::take(lines);
    for (i, mut l) in old.into_iter().enumerate() {
        if owner[i].is_some() {
            continue;
        }
        if !extra[i].is_empty() {
            l.words.append(&mut extra[i]);
            l.words.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        }
        lines.push(l);
    }
}

/// True for a word that is a figure (`1,503.52`, `0`, `-3.5`).
fn is_figure(w: &str) -> bool {
    let t = w.strip_prefix('-').unwrap_or(w);
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.ends_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// Some producers draw a row's figures a little above or below its text, further than
/// baseline grouping allows. A line of figures only that sits much closer to one
/// neighbour (within one font size, and at most half the distance to the other
/// neighbour) and overlaps none of its words horizontally belongs to that neighbour.
fn merge_offset_figures(lines: &mut Vec<Line>) {
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        if !l.words.iter().all(|w| is_figure(&w.text)) {
            i += 1;
            continue;
        }
        let d_prev = (i > 0).then(|| l.y - lines[i - 1].y);
        let d_next = lines.get(i + 1).map(|n| n.y - l.y);
        let target = match (d_prev, d_next) {
            (Some(p), Some(n)) if n < p => Some((i + 1, n, p)),
            (Some(p), Some(n)) => Some((i - 1, p, n)),
            (Some(p), None) => Some((i - 1, p, f32::INFINITY)),
            (None, Some(n)) => Some((i + 1, n, f32::INFINITY)),
            (None, None) => None,
        };
        let Some((t, near, far)) = target else {
            i += 1;
            continue;
        };
        let fits = near <= 1.0 * l.size
            && 2.0 * near <= far
            && !lines[t].words.iter().all(|w| is_figure(&w.text));
        let overlaps = l.words.iter().any(|a| {
            lines[t]
                .words
                .iter()
                .any(|b| a.x0.max(b.x0) < a.x1.min(b.x1))
        });
        if fits && !overlaps {
            let moved = lines.remove(i);
            let t = if t > i { t - 1 } else { t };
            let ws = &mut lines[t].words;
            ws.extend(moved.words);
            ws.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            if t < i {
                continue; // the line now at i is the next one
            }
        } else {
            i += 1;
        }
    }
}

/// The same offset drawing can put a row's figures on the baseline of the header line
/// above it (`类 款 项 2,336.91 603.14` over `合计 2,940.05`): figures ending a line of
/// words, within one font size of the next line — which prints figures itself and
/// overlaps none of them — and at most half as far from it as from the line before,
/// belong to that next line.
fn move_offset_figure_suffixes(lines: &mut [Line]) {
    for i in 0..lines.len().saturating_sub(1) {
        let l = &lines[i];
        let k = l
            .words
            .iter()
            .rposition(|w| !is_figure(&w.text))
            .map_or(0, |k| k + 1);
        if k == 0 || k == l.words.len() {
            continue; // no words before the figures, or no figures
        }
        let next = &lines[i + 1];
        let near = next.y - l.y;
        let far = if i > 0 {
            l.y - lines[i - 1].y
        } else {
            f32::INFINITY
        };
        let suffix = &l.words[k..];
        let fits = near > 0.0
            && near <= 1.0 * l.size
            && 2.0 * near <= far
            && next.words.iter().any(|w| is_figure(&w.text))
            && suffix
                .iter()
                .all(|a| next.words.iter().all(|b| a.x0.max(b.x0) >= a.x1.min(b.x1)));
        if fits {
            let moved: Vec<Word> = lines[i].words.drain(k..).collect();
            let ws = &mut lines[i + 1].words;
            ws.extend(moved);
            ws.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        }
    }
}

/// Split a line's glyphs (left to right) into words: at spaces and at gaps wider
/// than a quarter of the font size.
fn words(gs: Vec<Glyph>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut prev: Option<Glyph> = None;
    for g in gs {
        if g.text.trim().is_empty() {
            prev = None;
            continue;
        }
        if let Some(p) = &prev {
            // the same glyph drawn again over itself (fake bold, fill + stroke)
            let overlap = p.x1.min(g.x1) - p.x0.max(g.x0);
            if p.text == g.text && overlap > 0.6 * (g.x1 - g.x0).max(0.1) {
                continue;
            }
        }
        let gap_limit = (g.size * 0.25).clamp(1.0, 3.0);
        let joins = match &prev {
            Some(p) => g.x0 - p.x1 <= gap_limit,
            None => false,
        };
        match out.last_mut() {
            Some(w) if joins => {
                w.text.push_str(&g.text);
                w.x1 = w.x1.max(g.x1);
            }
            _ => out.push(Word {
                x0: g.x0,
                x1: g.x1,
                text: g.text.clone(),
            }),
        }
        prev = Some(g);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x0: f32, x1: f32, y: f32, t: &str) -> Glyph {
        Glyph {
            x0,
            x1,
            y,
            size: 10.0,
            text: t.into(),
        }
    }

    #[test]
    fn glyphs_group_into_lines_and_words() {
        let ls = lines(vec![
            g(50.0, 55.0, 102.5, "1"), // a figure drawn 2.5 pt below its row's text
            g(10.0, 20.0, 100.0, "合"),
            g(20.0, 30.0, 100.0, "计"),
            g(55.0, 60.0, 102.5, "2"),
            g(10.0, 20.0, 120.0, "下"),
        ]);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].text(), "合计 12");
        assert_eq!(ls[0].words[1].x0, 50.0);
        assert_eq!(ls[1].text(), "下");
    }

    #[test]
    fn a_cell_wrapped_around_its_row_joins_the_row() {
        let w = |x0: f32, t: &str| g(x0, x0 + 9.0 * t.chars().count() as f32, 0.0, t);
        let at = |y: f32, ws: Vec<Glyph>| {
            ws.into_iter()
                .map(|mut x| {
                    x.y = y;
                    x
                })
                .collect::<Vec<_>>()
        };
        let mut gs = at(372.8, vec![w(58.0, "收入合")]);
        gs.extend(at(
            387.5,
            vec![
                w(148.0, "13,649.07"),
                w(300.0, "支出合计"),
                w(460.0, "13,649.07"),
            ],
        ));
        gs.extend(at(402.3, vec![w(58.0, "计")]));
        // prose below: it overlaps the row's words, so it stays a line of its own
        gs.extend(at(420.0, vec![w(58.0, "此外，基本支出预算数为")]));
        let ls = lines(gs);
        let texts: Vec<String> = ls.iter().map(Line::text).collect();
        assert_eq!(
            texts,
            vec![
                "收入合计 13,649.07 支出合计 13,649.07",
                "此外，基本支出预算数为"
            ]
        );
    }

    #[test]
    fn a_glyph_drawn_over_itself_counts_once() {
        let ls = lines(vec![g(10.0, 20.0, 100.0, "合"), g(10.3, 20.3, 100.0, "合")]);
        assert_eq!(ls[0].text(), "合");
    }

    #[test]
    fn not_a_pdf_and_damaged_pdfs_are_errors() {
        assert!(!is_pdf(b"hello"));
        assert_eq!(read(b"%PDF-1.4\n garbage"), Err(PdfProblem::Damaged));
        assert_eq!(read(b"%PDF-"), Err(PdfProblem::Damaged));
    }
}
