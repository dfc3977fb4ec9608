//! `EXPLAIN query`: budgetql's plan of the query (the rules that changed it, each SELECT
//! core's nodes) and the plan Polars runs.

use super::super::*;
use super::{Command, Touches};

/// The `EXPLAIN` statement.
pub(super) const EXPLAIN: Command = Command {
    name: "EXPLAIN",
    words: &[&["EXPLAIN"]],
    usage: "EXPLAIN query",
    touches: Touches::Nothing,
    query: None,
    run: |engine, origin, st| engine.explain(origin, st),
};

impl Engine {
    fn explain(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let rest = t[7..].trim_start();
        let offset = t.len() - rest.len();
        let inner = sub_statement(st, t, offset, rest.to_string());
        check_syntax(origin, &inner)?;
        let q = parse_query(&inner.text).map_err(|e| located(origin, &inner, 1, 1, &e))?;
        self.explained = Some(vec![]);
        let lf = self.frame(origin, &inner, &q);
        let explained = self.explained.take().unwrap_or_default();
        let lf = lf?;
        let plan = lf
            .describe_optimized_plan()
            .map_err(|e| self.explain_error(origin, &inner, &e))?;
        // budgetql's plan of each SELECT core, then the plan Polars runs
        let mut lines: Vec<String> = vec!["budgetql plan:".into()];
        lines.extend(explained.into_iter().map(|l| format!("  {l}")));
        lines.push("Polars plan (optimised):".into());
        lines.extend(plan.lines().map(|l| format!("  {l}")));
        let h = lines.len();
        Ok(Output::Frame(
            DataFrame::new(h, vec![Column::new("plan".into(), lines)])
                .map_err(|e| qerr(e.to_string()))?,
        ))
    }
}
