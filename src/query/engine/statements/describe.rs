//! `DESCRIBE table` / `DESCRIBE query` (`DESC`): the columns and their types.

use super::super::*;
use super::{Command, Touches};

/// The `DESCRIBE` statement.
pub(super) const DESCRIBE: Command = Command {
    name: "DESCRIBE",
    words: &[&["DESCRIBE"], &["DESC"]],
    usage: "DESCRIBE table | DESCRIBE query",
    touches: Touches::Nothing,
    query: None,
    run: |engine, origin, st| engine.describe(origin, st),
};

impl Engine {
    fn describe(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let rest = t
            .split_once(char::is_whitespace)
            .map(|x| x.1.trim())
            .unwrap_or("");
        if rest.is_empty() {
            return Err(located(
                origin,
                st,
                1,
                1,
                "DESCRIBE needs a table or a query: DESCRIBE projects, DESCRIBE SELECT …",
            ));
        }
        let upper = rest.to_uppercase();
        let lf =
            if upper.starts_with("SELECT") || upper.starts_with("WITH") || rest.starts_with('(') {
                let offset = t.len() - rest.len();
                let inner = sub_statement(st, t, offset, rest.to_string());
                check_syntax(origin, &inner)?;
                let q = parse_query(&inner.text).map_err(qerr)?;
                self.frame(origin, &inner, &q)?
            } else {
                let name = rest.trim_matches('"').to_string();
                match self.frames.get(&name) {
                    Some(lf) => lf.clone(),
                    None => {
                        let cands: Vec<&str> = self.names.iter().map(|(n, _)| n.as_str()).collect();
                        let (l, c) = position_of(t, &name).unwrap_or((1, 1));
                        let hint = did_you_mean(&closest(&name, cands));
                        return Err(located(
                            origin,
                            st,
                            l,
                            c,
                            &format!(
                                "unknown table `{name}`{}",
                                if hint.is_empty() {
                                    "; SHOW TABLES lists the tables".to_string()
                                } else {
                                    hint
                                }
                            ),
                        ));
                    }
                }
            };
        let mut lf = lf;
        let schema = lf.collect_schema().map_err(|e| qerr(e.to_string()))?;
        let mut exprs = vec![];
        for (n, _) in schema.iter() {
            exprs.push(col(n.clone()).null_count().alias(format!("{n}\u{1}nulls")));
            exprs.push(
                col(n.clone())
                    .drop_nulls()
                    .first()
                    .alias(format!("{n}\u{1}example")),
            );
        }
        exprs.push(len().alias("\u{1}rows"));
        let stats = lf
            .select(exprs)
            .collect()
            .map_err(|e| self.explain_error(origin, st, &e))?;
        let mut c_name = vec![];
        let mut c_type = vec![];
        let mut c_nulls: Vec<Option<i64>> = vec![];
        let mut c_ex: Vec<Option<String>> = vec![];
        for (n, dt) in schema.iter() {
            c_name.push(n.to_string());
            c_type.push(type_name(dt));
            let nulls = stats
                .column(&format!("{n}\u{1}nulls"))
                .ok()
                .and_then(|c| c.get(0).ok())
                .and_then(|v| v.extract::<i64>());
            c_nulls.push(nulls);
            let ex = stats
                .column(&format!("{n}\u{1}example"))
                .ok()
                .and_then(|c| c.get(0).ok())
                .filter(|v| !matches!(v, AnyValue::Null))
                .map(|v| crate::render::value_text(&v));
            c_ex.push(ex);
        }
        let h = c_name.len();
        let df = DataFrame::new(
            h,
            vec![
                Column::new("column".into(), c_name),
                Column::new("type".into(), c_type),
                Column::new("null_count".into(), c_nulls),
                Column::new("example".into(), c_ex),
            ],
        )
        .map_err(|e| qerr(e.to_string()))?;
        Ok(Output::Frame(df))
    }
}
