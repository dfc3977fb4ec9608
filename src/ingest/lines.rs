//! The first ingest step: raw text → a stream of items (table rows, prose lines,
//! blanks), each carrying its 1-based line number.
//!
//! A `.doc` exported to text prints each table cell on its own line led by a tab;
//! the cells of one table row are consecutive lines and rows are separated by a
//! blank line.

/// One table cell: its text (trimmed) and the line it sits on.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub line: usize,
    pub text: String,
}

/// A table row: consecutive tab-led lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn line(&self) -> usize {
        self.cells.first().map(|c| c.line).unwrap_or(0)
    }
    pub fn last_line(&self) -> usize {
        self.cells.last().map(|c| c.line).unwrap_or(0)
    }
    /// The cell texts, for matching headers.
    pub fn texts(&self) -> Vec<&str> {
        self.cells.iter().map(|c| c.text.as_str()).collect()
    }
    /// True when every cell is empty.
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|c| c.text.is_empty())
    }
    /// The cell right after the first cell whose squashed text equals `label`.
    pub fn after(&self, label: &str) -> Option<&Cell> {
        let i = self.cells.iter().position(|c| squash(&c.text) == label)?;
        self.cells.get(i + 1)
    }
    pub fn has(&self, label: &str) -> bool {
        self.cells.iter().any(|c| squash(&c.text) == label)
    }
    /// A short quote of the row for error messages.
    pub fn preview(&self) -> String {
        let joined = self.texts().join(" | ");
        shorten(&joined, 60)
    }
}

/// One item of the document stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Row(Row),
    Text { line: usize, text: String },
    Blank { line: usize },
}

impl Item {
    pub fn line(&self) -> usize {
        match self {
            Item::Row(r) => r.line(),
            Item::Text { line, .. } | Item::Blank { line } => *line,
        }
    }
    pub fn last_line(&self) -> usize {
        match self {
            Item::Row(r) => r.last_line(),
            Item::Text { line, .. } | Item::Blank { line } => *line,
        }
    }
}

/// Whitespace of every width removed: `合    计` → `合计`, `计量  单位` → `计量单位`.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// Trim ASCII, ideographic and no-break spaces.
pub fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
        .to_string()
}

/// At most `n` characters, with an ellipsis when cut.
pub fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// Split text into items. Line endings may be `\n` or `\r\n`.
pub fn items(text: &str) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cell) = raw.strip_prefix('\t') {
            row.push(Cell {
                line,
                text: clean(cell),
            });
            continue;
        }
        if !row.is_empty() {
            out.push(Item::Row(Row {
                cells: std::mem::take(&mut row),
            }));
        }
        let t = clean(raw);
        if t.is_empty() {
            out.push(Item::Blank { line });
        } else {
            out.push(Item::Text { line, text: t });
        }
    }
    if !row.is_empty() {
        out.push(Item::Row(Row { cells: row }));
    }
    // a final newline yields one empty trailing line that is not part of the document
    if text.ends_with('\n') {
        if let Some(Item::Blank { .. }) = out.last() {
            out.pop();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_prose_and_blanks() {
        let it = items("title\n\n\tA\n\t B \n\n\tC\r\nnext\n");
        assert_eq!(it.len(), 6);
        assert_eq!(
            it[0],
            Item::Text {
                line: 1,
                text: "title".into()
            }
        );
        assert_eq!(it[1], Item::Blank { line: 2 });
        match &it[2] {
            Item::Row(r) => {
                assert_eq!(r.texts(), vec!["A", "B"]);
                assert_eq!((r.line(), r.last_line()), (3, 4));
            }
            other => panic!("{other:?}"),
        }
        match &it[4] {
            Item::Row(r) => assert_eq!(r.texts(), vec!["C"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn squash_and_lookup() {
        assert_eq!(squash("合    计"), "合计");
        assert_eq!(squash("计量\u{3000}单位"), "计量单位");
        let r = Row {
            cells: vec![
                Cell {
                    line: 1,
                    text: "项目编码".into(),
                },
                Cell {
                    line: 2,
                    text: "X1".into(),
                },
            ],
        };
        assert_eq!(r.after("项目编码").map(|c| c.text.as_str()), Some("X1"));
        assert!(r.after("项目名称").is_none());
    }
}
