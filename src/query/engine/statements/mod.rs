//! budgetql's own statements, beside plain SQL (SELECT/WITH, CREATE/DROP VIEW, CREATE
//! TABLE, INSERT, DROP TABLE, which sqlparser parses): one file each, one list,
//! [`COMMANDS`]. The list drives the engine's dispatch, safe mode's and the server's
//! refusals (from what a statement [`Touches`]), `budgetql sql --dialect` (the query a
//! statement runs), the shell's validator (these are not sent to the SQL parser), its
//! highlighting and completion, and the usage lines of every help text. A new statement
//! is a file here (its [`Command`]) and one line in the list.

use super::{Engine, Output};
use crate::error::QueryError;
use crate::query::Statement;

mod audit;
mod chart;
mod copy;
mod describe;
mod explain;
mod load;
mod set;
mod show_tables;

pub(super) use copy::Workbook;

/// What running a statement reaches beyond the tables it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    /// nothing beyond the session's tables
    Nothing,
    /// files on the machine (refused in safe mode and by the server)
    ReadsFiles,
    /// files on the machine, written (refused in safe mode and by the server)
    WritesFiles,
    /// the session's state (refused by the server, whose session every client shares)
    Session,
}

/// One of budgetql's statements.
pub struct Command {
    /// its name, as help and messages write it (`SHOW TABLES`)
    pub name: &'static str,
    /// every spelling of its first words (`DESCRIBE`, `DESC`)
    pub words: &'static [&'static [&'static str]],
    /// its usage line
    pub usage: &'static str,
    /// what running it reaches
    pub touches: Touches,
    /// the query it runs, for `budgetql sql --dialect`: its byte offset in the
    /// statement's text and its text, or what is wrong with the statement; None for a
    /// statement with no query another engine could run
    pub query: Option<fn(&str) -> Result<(usize, &str), String>>,
    /// run it on the engine's session
    pub run: fn(&mut Engine, &str, &Statement) -> Result<Output, QueryError>,
}

/// Every statement of budgetql's own.
pub static COMMANDS: &[Command] = &[
    set::SET,
    load::LOAD,
    copy::COPY,
    show_tables::SHOW_TABLES,
    describe::DESCRIBE,
    explain::EXPLAIN,
    chart::CHART,
    audit::AUDIT,
];

/// The statement a text is, from its first words; None for plain SQL.
pub fn of(text: &str) -> Option<&'static Command> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .filter(|w| !w.is_empty())
        .take(2)
        .map(|w| w.to_uppercase())
        .collect();
    COMMANDS.iter().find(|c| {
        c.words
            .iter()
            .any(|ws| ws.len() <= words.len() && ws.iter().zip(&words).all(|(a, b)| *a == b))
    })
}

/// One usage line per statement, for help texts.
pub fn usages() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.usage).collect()
}

/// Every word the statements start with, for highlighting and completion.
pub fn words() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| c.words.iter().flat_map(|ws| ws.iter().copied()))
}

/// Why safe mode refuses a statement (it reads or writes files), if it does.
pub fn refused_in_safe_mode(c: &Command) -> Option<String> {
    let does = match c.touches {
        Touches::ReadsFiles => "reads",
        Touches::WritesFiles => "writes",
        Touches::Nothing | Touches::Session => return None,
    };
    Some(format!(
        "safe mode: {} {does} files and is refused; this session only queries what is loaded",
        c.name
    ))
}

/// Why a server, which every client shares, refuses a statement, if it does.
pub fn refused_by_server(c: &Command) -> Option<String> {
    let what = match c.touches {
        Touches::ReadsFiles => "reads files on the server",
        Touches::WritesFiles => "writes files on the server",
        Touches::Session => "would change the session every client shares",
        Touches::Nothing => return None,
    };
    Some(format!("{} {what}", c.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_recognised_by_their_first_words() {
        let name = |t: &str| of(t).map(|c| c.name);
        assert_eq!(name("show tables"), Some("SHOW TABLES"));
        assert_eq!(name("SHOW"), None);
        assert_eq!(name("desc projects"), Some("DESCRIBE"));
        assert_eq!(name("COPY(SELECT 1) TO 'x.csv'"), Some("COPY"));
        assert_eq!(name("SELECT 1"), None);
        assert_eq!(name("settle"), None);
    }

    #[test]
    fn each_statement_is_listed_once_with_its_usage() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(
                !COMMANDS[..i].iter().any(|p| p.name == c.name),
                "{}",
                c.name
            );
            let first = c.words[0].join(" ");
            assert!(c.usage.starts_with(&first), "{}", c.usage);
        }
        // what reaches files is refused in safe mode; what changes the session, by the server
        let load = of("LOAD 'x.pdf'").expect("LOAD");
        assert!(refused_in_safe_mode(load).is_some() && refused_by_server(load).is_some());
        let set = of("SET year = 2021").expect("SET");
        assert!(refused_in_safe_mode(set).is_none() && refused_by_server(set).is_some());
        let show = of("SHOW TABLES").expect("SHOW TABLES");
        assert!(refused_in_safe_mode(show).is_none() && refused_by_server(show).is_none());
    }
}
