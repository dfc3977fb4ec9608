//! The one tokenizer of budgetql's text: splitting a script into statements, deciding in
//! the shell whether a statement is complete, and highlighting all read the same tokens,
//! so a quote, a comment or a `;` means the same thing to each.

/// What a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Number,
    /// `'text'`
    Str,
    /// `"name"` or `` `name` ``
    Quoted,
    /// `-- …` to the end of the line
    LineComment,
    /// `/* … */`
    BlockComment,
    Semicolon,
    Space,
    /// any other character
    Punct,
}

/// One token: its kind and byte range; `closed` is false for a string, quoted name or
/// block comment the text ends inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub closed: bool,
}

impl Tok {
    /// Code, as opposed to space and comments.
    pub fn is_code(&self) -> bool {
        !matches!(
            self.kind,
            Kind::Space | Kind::LineComment | Kind::BlockComment
        )
    }
}

/// Characters that separate words without showing: white space, and the invisible ones
/// an editor or a copy from a web page leaves in a script (a byte-order mark, zero-width
/// spaces and joiners), which SQL would otherwise report as an invisible `found: ﻿`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || INVISIBLE.contains(&c)
}

/// The invisible characters read as space outside strings and names.
pub const INVISIBLE: [char; 5] = ['\u{feff}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}'];

/// Tokenize text.
pub fn lex(text: &str) -> Vec<Tok> {
    let cs: Vec<(usize, char)> = text.char_indices().collect();
    let at = |k: usize| cs.get(k).map(|x| x.1);
    let pos = |k: usize| cs.get(k).map(|x| x.0).unwrap_or(text.len());
    let mut out = vec![];
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i].1;
        let start = i;
        let (kind, closed) = if c == '-' && at(i + 1) == Some('-') {
            while i < cs.len() && cs[i].1 != '\n' {
                i += 1;
            }
            (Kind::LineComment, true)
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < cs.len() && !(cs[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            let closed = i < cs.len();
            i = (i + 2).min(cs.len());
            (Kind::BlockComment, closed)
        } else if matches!(c, '\'' | '"' | '`') {
            i += 1;
            while i < cs.len() && cs[i].1 != c {
                i += 1;
            }
            let closed = i < cs.len();
            i = (i + 1).min(cs.len());
            (if c == '\'' { Kind::Str } else { Kind::Quoted }, closed)
        } else if c.is_ascii_digit() {
            while i < cs.len() && (cs[i].1.is_ascii_digit() || cs[i].1 == '.') {
                i += 1;
            }
            (Kind::Number, true)
        } else if c.is_alphabetic() || c == '_' {
            while i < cs.len() && (cs[i].1.is_alphanumeric() || cs[i].1 == '_') {
                i += 1;
            }
            (Kind::Word, true)
        } else if is_space(c) {
            while i < cs.len() && is_space(cs[i].1) {
                i += 1;
            }
            (Kind::Space, true)
        } else {
            i += 1;
            (
                if c == ';' {
                    Kind::Semicolon
                } else {
                    Kind::Punct
                },
                true,
            )
        };
        out.push(Tok {
            kind,
            start: pos(start),
            end: pos(i),
            closed,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, &str)> {
        lex(s)
            .iter()
            .map(|t| (t.kind, &s[t.start..t.end]))
            .collect()
    }

    #[test]
    fn quotes_comments_and_words() {
        assert_eq!(
            kinds("SELECT ';' -- x;\n/* ; */ 预算数1;"),
            vec![
                (Kind::Word, "SELECT"),
                (Kind::Space, " "),
                (Kind::Str, "';'"),
                (Kind::Space, " "),
                (Kind::LineComment, "-- x;"),
                (Kind::Space, "\n"),
                (Kind::BlockComment, "/* ; */"),
                (Kind::Space, " "),
                (Kind::Word, "预算数1"),
                (Kind::Semicolon, ";"),
            ]
        );
        assert!(!lex("'open").last().unwrap().closed);
        assert!(!lex("/* open").last().unwrap().closed);
    }
}
