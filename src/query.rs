//! Queries: scripts split into statements, each parsed with sqlparser first (so a
//! syntax error points at line:column with a caret); budgetql's own statements run by
//! their files (`engine/statements/`); queries have their names checked, the rules and
//! the budget extensions applied ([`rules`], [`rewrite`]), are bound and planned by
//! budgetql ([`bind`], [`plan`], [`optimize`]) and run as Polars LazyFrames ([`engine`]).

pub(crate) mod bind;
pub mod dialect;
pub mod engine;
pub mod extensions;
pub mod files;
pub mod lex;
pub mod names;
mod optimize;
pub mod plan;
mod polars_errors;
pub mod rewrite;
mod rules;

pub use engine::{Engine, Output};

use crate::error::QueryError;
use regex::Regex;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser as SQLParser;
use std::sync::LazyLock;

/// budgetql's own statements: one file each under `engine/statements/`, one list.
pub use engine::statements::{Command, Touches, COMMANDS};

/// The budgetql statement a text is, from its first words; None for plain SQL.
pub fn command_of(text: &str) -> Option<&'static Command> {
    engine::statements::of(text)
}

/// One usage line per budgetql statement, for help texts.
pub fn command_usages() -> Vec<&'static str> {
    engine::statements::usages()
}

/// Every word budgetql's statements start with, for highlighting and completion.
pub fn command_words() -> impl Iterator<Item = &'static str> {
    engine::statements::words()
}

/// One statement of a script, with where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub text: String,
    pub line: usize,
    pub column: usize,
}

/// Split a script on `;` outside quotes and comments. Empty statements
/// (only whitespace and comments) are dropped.
pub fn split(script: &str) -> Vec<Statement> {
    let mut out = vec![];
    // (start, end) bytes of the current statement's code, comments inside it included
    let mut cur: Option<(usize, usize)> = None;
    let mut push = |cur: &mut Option<(usize, usize)>| {
        if let Some((a, b)) = cur.take() {
            let before = &script[..a];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            // an invisible character between words is a space to the parser too (one
            // character for one, so positions stay); inside a string it is kept
            let mut text = String::with_capacity(b - a);
            for t in lex::lex(&script[a..b]) {
                let piece = &script[a + t.start..a + t.end];
                if t.kind == lex::Kind::Space {
                    text.extend(piece.chars().map(|c| {
                        if lex::INVISIBLE.contains(&c) {
                            ' '
                        } else {
                            c
                        }
                    }));
                } else {
                    text.push_str(piece);
                }
            }
            out.push(Statement {
                text: text.trim().to_string(),
                line,
                column,
            });
        }
    };
    for t in lex::lex(script) {
        match t.kind {
            lex::Kind::Semicolon => push(&mut cur),
            _ if t.is_code() => match &mut cur {
                Some((_, b)) => *b = t.end,
                None => cur = Some((t.start, t.end)),
            },
            // space and comments belong to a statement once it has started
            _ => {
                if let Some((_, b)) = &mut cur {
                    *b = t.end;
                }
            }
        }
    }
    push(&mut cur);
    out
}

static POS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*at Line: (\d+), Column: (\d+)").expect("valid"));

/// A syntax error located in the script, with the offending line and a caret.
fn syntax_error(origin: &str, stmt: &Statement, message: &str) -> QueryError {
    let (l, c) = match POS.captures(message) {
        Some(m) => (
            m[1].parse::<usize>().unwrap_or(1),
            m[2].parse::<usize>().unwrap_or(1),
        ),
        None => (1, 1),
    };
    let msg = POS.replace(message, "").to_string();
    let msg = msg
        .strip_prefix("sql parser error: ")
        .unwrap_or(&msg)
        .to_string();
    if msg.trim() == "recursion limit exceeded" {
        // the parser's own bound on nesting, met before budgetql's (see engine::MAX_NESTING)
        return located(origin, stmt, l, c, "this statement nests parentheses or subqueries too deeply for the SQL parser (more than about 50 levels inside one another); budgetql refuses it rather than risk its stack. Name the inner parts with WITH, or flatten the parentheses");
    }
    located(origin, stmt, l, c, &format!("syntax error: {msg}"))
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// A message that quotes a name budgetql's rules made up (`__sq1.__sq1_v`, `__inq`) and
/// the statement does not hold, said without it: the user never wrote that name.
fn without_internal_names(stmt: &Statement, msg: &str) -> Option<String> {
    static INTERNAL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b__[A-Za-z]\w*").expect("static regex"));
    let text = stmt.text.to_lowercase();
    INTERNAL
        .find_iter(msg)
        .any(|m| !text.contains(&m.as_str().to_lowercase()))
        .then(|| {
            "not supported yet: budgetql cannot plan this query — a subquery here (or what SHARE, YOY or ANY/ALL became) takes a form it does not join, such as a subquery inside another subquery's condition; compute the inner part in a CTE and join it, or report the statement".to_string()
        })
}

/// An error at (line, column) of a statement, with the statement's line and a caret.
pub fn located(origin: &str, stmt: &Statement, l: usize, c: usize, msg: &str) -> QueryError {
    let plain = without_internal_names(stmt, msg);
    let msg = plain.as_deref().unwrap_or(msg);
    // said without the made-up name, and where no better place is known: at the first
    // subquery
    let (l, c) = match (&plain, stmt.text.to_lowercase().find("(select")) {
        (Some(_), Some(at)) if (l, c) == (1, 1) => line_col(&stmt.text, at),
        _ => (l, c),
    };
    let l = l.max(1);
    let c = c.max(1);
    let line = stmt.line + l - 1;
    let column = if l == 1 { stmt.column + c - 1 } else { c };
    let src_line = stmt.text.lines().nth(l - 1).unwrap_or("");
    let lead = if l == 1 { stmt.column - 1 } else { 0 };
    let caret_pad: usize = src_line
        .chars()
        .take(c.saturating_sub(1))
        .map(|ch| unicode_width::UnicodeWidthChar::width(ch).unwrap_or(1))
        .sum();
    QueryError::Syntax {
        message: format!(
            "{origin}{line}:{column}: {msg}\n  {}{}\n  {}^",
            " ".repeat(lead),
            src_line,
            " ".repeat(lead + caret_pad)
        ),
    }
}

/// Parse a statement with sqlparser to report syntax errors with positions.
pub fn check_syntax(origin: &str, stmt: &Statement) -> Result<(), QueryError> {
    // `1_000`: DuckDB and PostgreSQL read a digit separator, the parser reads the number 1
    // named `_000`
    let toks = lex::lex(&stmt.text);
    for w in toks.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let glued = a.kind == lex::Kind::Number
            && a.end == b.start
            && b.kind == lex::Kind::Word
            && stmt.text[b.start..b.end].starts_with('_');
        if glued || (a.kind == lex::Kind::Number && stmt.text[a.start..a.end].contains('_')) {
            let at = &stmt.text[..a.start];
            let line = at.matches('\n').count() + 1;
            let column = at.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let number = &stmt.text[a.start..b.end.max(a.end)];
            return Err(located(
                origin,
                stmt,
                line,
                column,
                &format!(
                    "`{number}`: budgetql does not read digit separators; write the number without `_` ({})",
                    number.replace('_', "")
                ),
            ));
        }
    }
    SQLParser::parse_sql(&GenericDialect {}, &stmt.text)
        .map(|_| ())
        .map_err(|e| syntax_error(origin, stmt, &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised_by_their_first_words() {
        let name = |t: &str| command_of(t).map(|c| c.name);
        assert_eq!(name("audit"), Some("AUDIT"));
        assert_eq!(name("AUDIT WHERE year = 2021"), Some("AUDIT"));
        assert_eq!(name("SHOW COLUMNS"), None);
        assert_eq!(name("WITH t AS (SELECT 1) SELECT * FROM t"), None);
    }

    #[test]
    fn split_respects_quotes_and_comments() {
        let s = split("SELECT ';' AS a; -- one; two\nSELECT 2 /* ; */ ;\n\n  SELECT 3");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].text, "SELECT ';' AS a");
        assert_eq!((s[1].line, s[1].column), (2, 1));
        assert_eq!(s[1].text, "SELECT 2 /* ; */");
        assert_eq!((s[2].line, s[2].column), (4, 3));
    }

    #[test]
    fn empty_statements_are_dropped() {
        assert!(split(" ; -- only a comment\n;").is_empty());
    }

    #[test]
    fn nesting_past_the_parsers_limit_is_refused_in_words() {
        let deep = format!("SELECT {}1{} AS x", "(".repeat(300), ")".repeat(300));
        let e = check_syntax("", &split(&deep)[0]).unwrap_err().to_string();
        assert!(
            e.contains("nests parentheses or subqueries too deeply"),
            "{e}"
        );
        assert!(!e.contains("recursion limit"), "{e}");
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        let st = &split("\n\nSELECT unit_code FROM projects WHERE ORDER BY 1")[0];
        let e = check_syntax("q.sql:", st).unwrap_err().to_string();
        assert!(e.starts_with("q.sql:3:"), "{e}");
        assert!(e.contains('^'), "{e}");
    }
}
