//! The rustyline helper: keeps input open until a statement ends with `;`,
//! reports a statement that cannot parse before it runs, completes keywords,
//! tables, columns, functions, meta commands and file paths, highlights SQL and
//! hints the rest of a meta command.

use super::meta::COMMANDS;
use crate::query;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::cell::RefCell;

pub const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "FULL",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "UNION",
    "ALL",
    "WITH",
    "OVER",
    "PARTITION",
    "QUALIFY",
    "ASC",
    "DESC",
    "ROLLUP",
    "PIVOT",
    "FOR",
    "CAST",
    "DOUBLE",
    "VARCHAR",
    "SHOW",
    "TABLES",
    "DESCRIBE",
    "EXPLAIN",
    "LOAD",
    "COPY",
    "TO",
    "CREATE",
    "VIEW",
    "DROP",
    "SET",
    "TRUE",
    "FALSE",
    "NULLS",
    "FIRST",
    "LAST",
    "OVERWRITE",
    "CHART",
    "BAR",
];

pub const FUNCTIONS: &[&str] = &[
    "SUM",
    "COUNT",
    "AVG",
    "MIN",
    "MAX",
    "MEDIAN",
    "QUANTILE_CONT",
    "STDDEV",
    "ROUND",
    "ABS",
    "COALESCE",
    "LENGTH",
    "LOWER",
    "UPPER",
    "SUBSTR",
    "CONCAT",
    "RANK",
    "ROW_NUMBER",
    "DENSE_RANK",
    "LAG",
    "LEAD",
];

/// Function names for highlighting and completion: SQL's (the core ones and those the
/// binder's function list plans) and the budget extensions'.
fn functions() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .copied()
        .chain(crate::query::bind::functions::NAMES.iter().copied())
        .chain(
            crate::query::extensions::EXTENSIONS
                .iter()
                .filter(|x| x.is_function())
                .map(|x| x.name),
        )
}

/// What the completer knows about the session, refreshed after each statement.
#[derive(Default, Clone)]
pub struct Catalog {
    /// (table, its columns)
    pub tables: Vec<(String, Vec<String>)>,
}

/// The helper given to rustyline.
#[derive(Default)]
pub struct BudgetHelper {
    pub catalog: RefCell<Catalog>,
    /// Colours on (off when NO_COLOR is set).
    pub color: bool,
}

impl Helper for BudgetHelper {}

/// True when `text` ends a statement: `;` outside quotes and comments, brackets balanced.
pub fn complete_statement(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.starts_with('.') {
        return true;
    }
    let toks = query::lex::lex(t);
    if toks.iter().any(|x| !x.closed) {
        return false;
    }
    let mut depth = 0i32;
    for x in &toks {
        if x.kind == query::lex::Kind::Punct {
            match &t[x.start..x.end] {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                _ => {}
            }
        }
    }
    let last = toks.iter().rev().find(|x| x.is_code());
    depth <= 0 && last.is_some_and(|x| x.kind == query::lex::Kind::Semicolon)
}

impl Validator for BudgetHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if !complete_statement(input) {
            return Ok(ValidationResult::Incomplete);
        }
        if input.trim_start().starts_with('.') {
            return Ok(ValidationResult::Valid(None));
        }
        // a statement that cannot parse is reported before it runs, and stays editable
        for st in query::split(input) {
            // budgetql's own statements are checked when they run, not by the SQL parser
            if query::command_of(&st.text).is_some() {
                continue;
            }
            if let Err(e) = query::check_syntax("", &st) {
                return Ok(ValidationResult::Invalid(Some(format!("\n{e}"))));
            }
        }
        Ok(ValidationResult::Valid(None))
    }
}

fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0)
}

impl Completer for BudgetHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        // inside quotes: file paths
        if before.matches('\'').count() % 2 == 1 {
            let start = before.rfind('\'').map(|i| i + 1).unwrap_or(0);
            return Ok((start, paths(&before[start..])));
        }
        let start = word_start(line, pos);
        let word = &line[start..pos];
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        if line.trim_start().starts_with('.') && !before.contains(' ') {
            let cands = COMMANDS
                .iter()
                .filter(|(n, _, _)| n.starts_with(word))
                .map(|(n, _, _)| pair(n))
                .collect();
            return Ok((start, cands));
        }
        if word.is_empty() {
            return Ok((start, vec![]));
        }
        let upper = word.to_uppercase();
        let lower_input = word.chars().all(|c| !c.is_ascii_uppercase());
        let mut out: Vec<Pair> = vec![];
        let cat = self.catalog.borrow();
        // columns of the tables the statement names, or of all tables when it names none
        let named: Vec<&(String, Vec<String>)> = cat
            .tables
            .iter()
            .filter(|(t, _)| {
                line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == t)
            })
            .collect();
        let scope: Vec<&(String, Vec<String>)> = if named.is_empty() {
            cat.tables.iter().collect()
        } else {
            named
        };
        let mut cols: Vec<&String> = scope
            .iter()
            .flat_map(|(_, c)| c.iter())
            .filter(|c| c.starts_with(word))
            .collect();
        cols.sort();
        cols.dedup();
        out.extend(cols.into_iter().map(|c| pair(c)));
        out.extend(
            cat.tables
                .iter()
                .filter(|(t, _)| t.starts_with(word))
                .map(|(t, _)| pair(t)),
        );
        let mut words: Vec<&str> = KEYWORDS
            .iter()
            .copied()
            .chain(query::command_words())
            .chain(functions())
            .collect();
        words.sort_unstable();
        words.dedup();
        for k in words {
            if k.starts_with(&upper) {
                let text = if lower_input {
                    k.to_lowercase()
                } else {
                    k.to_string()
                };
                out.push(pair(&text));
            }
        }
        Ok((start, out))
    }
}

fn paths(prefix: &str) -> Vec<Pair> {
    let (dir, file) = match prefix.rfind('/') {
        Some(i) => (&prefix[..=i], &prefix[i + 1..]),
        None => ("", prefix),
    };
    let read = if dir.is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    let Ok(rd) = read else { return vec![] };
    let mut out: Vec<Pair> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with(file) || (name.starts_with('.') && !file.starts_with('.')) {
                return None;
            }
            let slash = if e.path().is_dir() { "/" } else { "" };
            Some(Pair {
                display: format!("{name}{slash}"),
                replacement: format!("{dir}{name}{slash}"),
            })
        })
        .collect();
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

impl Hinter for BudgetHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos != line.len() || !line.starts_with('.') || line.len() < 2 {
            return None;
        }
        let matches: Vec<&(&str, &str, &str)> = COMMANDS
            .iter()
            .filter(|(n, _, _)| {
                n.starts_with(line) || line.starts_with(&format!("{n} ")) || line == *n
            })
            .collect();
        match matches.as_slice() {
            [(n, args, _)] if n.starts_with(line) => {
                let rest = &n[line.len()..];
                Some(if args.is_empty() {
                    rest.to_string()
                } else {
                    format!("{rest} {args}")
                })
            }
            [(n, args, _)] if line == format!("{n} ") && !args.is_empty() => Some(args.to_string()),
            _ => None,
        }
    }
}

/// ANSI colours for keywords, strings and numbers.
pub fn highlight_sql(line: &str) -> String {
    use query::lex::Kind;
    let toks = query::lex::lex(line);
    let mut out = String::with_capacity(line.len() + 16);
    for (k, t) in toks.iter().enumerate() {
        let w = &line[t.start..t.end];
        match t.kind {
            Kind::Str => out.push_str(&format!("\x1b[32m{w}\x1b[0m")),
            Kind::LineComment | Kind::BlockComment => out.push_str(&format!("\x1b[2m{w}\x1b[0m")),
            Kind::Number => out.push_str(&format!("\x1b[33m{w}\x1b[0m")),
            Kind::Word => {
                let up = w.to_uppercase();
                let call = toks
                    .get(k + 1)
                    .is_some_and(|n| n.kind == Kind::Punct && &line[n.start..n.end] == "(");
                if KEYWORDS.contains(&up.as_str()) || query::command_words().any(|c| c == up) {
                    out.push_str(&format!("\x1b[1;34m{w}\x1b[0m"));
                } else if call && functions().any(|f| f == up) {
                    out.push_str(&format!("\x1b[36m{w}\x1b[0m"));
                } else {
                    out.push_str(w);
                }
            }
            _ => out.push_str(w),
        }
    }
    out
}

impl Highlighter for BudgetHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.starts_with('.') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_sql(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_with_a_semicolon_outside_quotes_and_comments() {
        assert!(!complete_statement("SELECT 1"));
        assert!(complete_statement("SELECT 1;"));
        assert!(!complete_statement("SELECT ';"));
        assert!(complete_statement("SELECT ';';"));
        assert!(!complete_statement("SELECT (1;"));
        assert!(!complete_statement("SELECT 1 -- done;"));
        assert!(complete_statement("SELECT 1; -- done"));
        assert!(!complete_statement("SELECT 1 /* ; "));
        assert!(complete_statement(".tables"));
        assert!(complete_statement("SELECT 1\nFROM t;"));
    }

    #[test]
    fn highlight_marks_keywords_strings_numbers() {
        let h = highlight_sql("select 'a' , 12 from t");
        assert!(h.contains("\x1b[1;34mselect\x1b[0m"), "{h:?}");
        assert!(h.contains("\x1b[32m'a'\x1b[0m"), "{h:?}");
        assert!(h.contains("\x1b[33m12\x1b[0m"), "{h:?}");
    }

    #[test]
    fn the_shell_reads_text_as_the_splitter_does() {
        // one tokenizer: a `;` in a block comment or quoted name ends nothing anywhere
        for s in ["SELECT 1 /* ; */ AS \"a;b\";", "SELECT ';' -- ;\n;"] {
            assert!(complete_statement(s), "{s}");
            assert_eq!(crate::query::split(s).len(), 1, "{s}");
        }
        let h = highlight_sql("SELECT 1 /* AUDIT */ AS x");
        assert!(h.contains("\x1b[2m/* AUDIT */\x1b[0m"), "{h:?}");
        assert!(
            highlight_sql("AUDIT").contains("\x1b[1;34mAUDIT"),
            "statements are keywords"
        );
    }
}
