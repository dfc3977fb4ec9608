//! `SHOW TABLES`: the session's tables and views, their kinds, column counts and what the
//! contract tables hold.

use super::super::*;
use super::{Command, Touches};

/// The `SHOW TABLES` statement.
pub(super) const SHOW_TABLES: Command = Command {
    name: "SHOW TABLES",
    words: &[&["SHOW", "TABLES"]],
    usage: "SHOW TABLES",
    touches: Touches::Nothing,
    query: None,
    run: |engine, origin, st| {
        let _ = (origin, st);
        engine.show_tables().map(Output::Frame)
    },
};

impl Engine {
    fn show_tables(&mut self) -> Result<DataFrame, QueryError> {
        let mut names = vec![];
        let mut kinds = vec![];
        let mut cols = vec![];
        let mut about = vec![];
        for (n, k) in self.names.clone() {
            let ncols = self.schema_of(&n).map(|s| s.len() as i32);
            names.push(n.clone());
            kinds.push(k.label().to_string());
            cols.push(ncols);
            about.push(match k {
                Kind::Contract => model::table(&n).map(|t| t.about.to_string()),
                Kind::Derived => Some(crate::audit::FINDINGS.about.to_string()),
                _ => None,
            });
        }
        let h = names.len();
        DataFrame::new(
            h,
            vec![
                Column::new("name".into(), names),
                Column::new("kind".into(), kinds),
                Column::new("columns".into(), cols),
                Column::new("about".into(), about),
            ],
        )
        .map_err(|e| qerr(e.to_string()))
    }
}
