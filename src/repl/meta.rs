//! Meta commands (`.tables`, `.mode csv`, …): one list drives the parser, the
//! help text, completion and hints, so they cannot drift apart.

use crate::render::{Format, MoneyUnit};
use std::str::FromStr;

/// A parsed meta command.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    Help,
    Tables,
    Schema(Option<String>),
    Mode(Format),
    MaxRows(usize),
    MaxWidth(usize),
    Timer(bool),
    Read(String),
    /// `.output [FILE [overwrite]]`
    Output(Option<(String, bool)>),
    /// `.once FILE [overwrite]`
    Once(String, bool),
    Money(MoneyUnit),
    Safe,
    Quit,
}

/// (name, argument syntax, what it does): the single source of `.help`.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (".help", "", "show this list"),
    (".tables", "", "list tables and views"),
    (".schema", "[TABLE]", "columns and types of a table (all tables without an argument)"),
    (".mode", "table|csv|tsv|json|markdown|line", "output format"),
    (".maxrows", "N", "rows shown before a long result is elided (head and tail)"),
    (".maxwidth", "N", "widest cell, in display columns, before text is cut with …"),
    (".timer", "on|off", "print how long each statement took"),
    (".read", "FILE", "run the statements of a SQL file"),
    (".output", "[FILE [overwrite]]", "send results to FILE (an existing file only with overwrite); without FILE, back to the screen"),
    (".once", "FILE [overwrite]", "send the next result to FILE (.xlsx: a workbook, .svg: a chart; an existing file only with overwrite)"),
    (".money", "wan|yuan|yi", "display money in 万元 (stored), 元 or 亿元"),
    (".safe", "on", "refuse every statement and command that reads or writes files, for the rest of the session"),
    (".quit", "", "leave (also .exit or Ctrl-D)"),
];

/// The help text, generated from [`COMMANDS`].
pub fn help() -> String {
    let w = COMMANDS
        .iter()
        .map(|(n, a, _)| n.len() + a.len() + 1)
        .max()
        .unwrap_or(0);
    let mut s = String::from("Statements end with `;` and may span lines. Meta commands:\n");
    for (n, a, h) in COMMANDS {
        let usage = if a.is_empty() {
            n.to_string()
        } else {
            format!("{n} {a}")
        };
        s.push_str(&format!("  {usage:<w$}  {h}\n"));
    }
    s.push_str("budgetql statements, beside SELECT/WITH and CREATE/DROP VIEW:\n");
    for usage in crate::query::command_usages() {
        s.push_str(&format!("  {usage}\n"));
    }
    s.push_str("Budget extensions of SQL (the README has examples):\n");
    for x in crate::query::extensions::EXTENSIONS {
        s.push_str(&format!("  {}\n      {}\n", x.usage, x.help));
    }
    s.trim_end().to_string()
}

/// `FILE` or `FILE overwrite`: the file, and whether it may replace an existing one.
fn overwrite(arg: &str) -> (String, bool) {
    match arg.rsplit_once(char::is_whitespace) {
        Some((path, word)) if word.eq_ignore_ascii_case("overwrite") && !path.trim().is_empty() => {
            (path.trim().to_string(), true)
        }
        _ => (arg.to_string(), false),
    }
}

fn closest_command(word: &str) -> String {
    let best = COMMANDS
        .iter()
        .map(|(n, _, _)| (crate::query::names::distance(word, n), *n))
        .min();
    match best {
        Some((d, n)) if d <= 3 => format!("; did you mean `{n}`?"),
        _ => "; `.help` lists the commands".to_string(),
    }
}

impl FromStr for Meta {
    type Err = String;
    fn from_str(line: &str) -> Result<Self, String> {
        let line = line.trim().trim_end_matches(';').trim();
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        let need = |what: &str| -> Result<String, String> {
            if arg.is_empty() {
                Err(format!("{cmd} needs {what}"))
            } else {
                Ok(arg.to_string())
            }
        };
        let number = |what: &str| -> Result<usize, String> {
            need(what)?
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{cmd}: `{arg}` is not a positive whole number"))
        };
        Ok(match cmd {
            ".help" => Meta::Help,
            ".tables" => Meta::Tables,
            ".schema" => Meta::Schema(if arg.is_empty() {
                None
            } else {
                Some(arg.to_string())
            }),
            ".mode" => {
                Meta::Mode(need(&format!("a mode: {}", crate::render::Format::names()))?.parse()?)
            }
            ".maxrows" => Meta::MaxRows(number("a number of rows")?),
            ".maxwidth" => Meta::MaxWidth(number("a width")?),
            ".timer" => match arg {
                "on" => Meta::Timer(true),
                "off" => Meta::Timer(false),
                _ => return Err(".timer takes on or off".into()),
            },
            ".read" => Meta::Read(need("a file")?),
            ".output" => Meta::Output(if arg.is_empty() {
                None
            } else {
                Some(overwrite(arg))
            }),
            ".once" => {
                let (path, o) = overwrite(&need("a file")?);
                Meta::Once(path, o)
            }
            ".money" => Meta::Money(need("a unit: wan, yuan or yi")?.parse()?),
            ".safe" => {
                match arg {
                    "on" => Meta::Safe,
                    "off" => return Err(
                        ".safe cannot be turned off: safe mode lasts for the rest of the session"
                            .into(),
                    ),
                    _ => return Err(".safe takes on".into()),
                }
            }
            ".quit" | ".exit" | ".q" => Meta::Quit,
            other => {
                return Err(format!(
                    "unknown command `{other}`{}",
                    closest_command(other)
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_commands() {
        assert_eq!(".mode csv".parse::<Meta>(), Ok(Meta::Mode(Format::Csv)));
        assert_eq!(".maxrows 20".parse::<Meta>(), Ok(Meta::MaxRows(20)));
        assert_eq!(
            ".schema projects".parse::<Meta>(),
            Ok(Meta::Schema(Some("projects".into())))
        );
        assert_eq!(".output".parse::<Meta>(), Ok(Meta::Output(None)));
        assert_eq!(
            ".output r.csv".parse::<Meta>(),
            Ok(Meta::Output(Some(("r.csv".into(), false))))
        );
        assert_eq!(
            ".once my results.xlsx OVERWRITE".parse::<Meta>(),
            Ok(Meta::Once("my results.xlsx".into(), true))
        );
        // a file named overwrite is a file
        assert_eq!(
            ".once overwrite".parse::<Meta>(),
            Ok(Meta::Once("overwrite".into(), false))
        );
        assert_eq!(".money yi".parse::<Meta>(), Ok(Meta::Money(MoneyUnit::Yi)));
        assert_eq!(".quit;".parse::<Meta>(), Ok(Meta::Quit));
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            ".tabels".parse::<Meta>().unwrap_err(),
            "unknown command `.tabels`; did you mean `.tables`?"
        );
        assert_eq!(
            ".mode xml".parse::<Meta>().unwrap_err(),
            "unknown mode `xml`; use table, csv, tsv, json, markdown or line"
        );
        assert_eq!(
            ".maxrows -1".parse::<Meta>().unwrap_err(),
            ".maxrows: `-1` is not a positive whole number"
        );
        assert_eq!(".read".parse::<Meta>().unwrap_err(), ".read needs a file");
    }

    #[test]
    fn help_lists_every_command() {
        let h = help();
        for (n, _, _) in COMMANDS {
            assert!(h.contains(n), "{n}");
        }
    }
}
