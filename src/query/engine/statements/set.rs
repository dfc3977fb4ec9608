//! `SET name = value`: a parameter that `:name` reads in later queries (a number or quoted
//! text), for the session.

use super::super::*;
use super::{Command, Touches};

/// The `SET` statement.
pub(super) const SET: Command = Command {
    name: "SET",
    words: &[&["SET"]],
    usage: "SET name = value",
    touches: Touches::Session,
    query: None,
    run: |engine, origin, st| engine.set(origin, st),
};

static SET_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^SET\s+([\p{L}_][\p{L}\p{N}_]*)\s*(?:=|TO)\s*(.+)$").expect("valid")
});

impl Engine {
    fn set(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let Some(m) = SET_RE.captures(st.text.trim()) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected SET name = value, e.g. SET year = 2021",
            ));
        };
        let value = m[2].trim().to_string();
        let ok = value.parse::<f64>().is_ok()
            || (value.starts_with('\'') && value.ends_with('\'') && value.len() >= 2);
        if !ok {
            return Err(located(
                origin,
                st,
                1,
                m.get(2).map(|g| g.start() + 1).unwrap_or(1),
                &format!("`{value}` is not a value: use a number (2021) or quoted text ('216')"),
            ));
        }
        self.params.insert(m[1].to_string(), value.clone());
        Ok(Output::Message(format!("{} = {value}", &m[1])))
    }
}
