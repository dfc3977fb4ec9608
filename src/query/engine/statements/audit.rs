//! `AUDIT [WHERE condition]`: the reconciliation rules run over the session's tables, the
//! findings registered as `audit_findings`.

use super::super::*;
use super::{Command, Touches};

/// The `AUDIT` statement.
pub(super) const AUDIT: Command = Command {
    name: "AUDIT",
    words: &[&["AUDIT"]],
    usage: "AUDIT [WHERE condition]",
    touches: Touches::Nothing,
    query: None,
    run: |engine, origin, st| engine.audit(origin, st),
};

impl Engine {
    /// `AUDIT [WHERE condition]`: run the reconciliation rules and register the
    /// findings as `audit_findings`.
    fn audit(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        static AUDIT_RE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?is)^AUDIT(?:\s+WHERE\s+(.+))?$").expect("valid"));
        let t = st.text.trim();
        let Some(m) = AUDIT_RE.captures(t) else {
            return Err(located(
                origin,
                st,
                1,
                1,
                "expected AUDIT or AUDIT WHERE <condition on year, dept_code or source>",
            ));
        };
        let filter = m.get(1).map(|g| g.as_str().trim().to_string());
        if let Some(f) = &filter {
            let start = m.get(1).map(|g| g.start()).unwrap_or(0);
            let cond = Statement {
                text: format!("SELECT 1 FROM projects WHERE {f}"),
                line: st.line,
                column: st.column,
            };
            if let Err(e) = check_syntax(origin, &cond) {
                return Err(located(
                    origin,
                    st,
                    1,
                    start + 1,
                    &format!(
                        "AUDIT WHERE: {}",
                        e.to_string().lines().next().unwrap_or("")
                    ),
                ));
            }
            // the filter picks the documents audited: only columns every table has
            const COMMON: &[&str] = &["year", "dept_code", "source", "page", "line"];
            if let Ok(q) = parse_query(&cond.text) {
                let mut c = q.clone();
                let mut bad: Option<String> = None;
                let _ = visit_expressions_mut(&mut c, |x: &mut SQLExpr| {
                    let name = match x {
                        SQLExpr::Identifier(i) => Some(i.value.clone()),
                        SQLExpr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    if let Some(n) = name {
                        if !COMMON.contains(&n.to_lowercase().as_str()) {
                            bad.get_or_insert(n);
                        }
                    }
                    ControlFlow::<()>::Continue(())
                });
                if let Some(n) = bad {
                    let (l, col) = position_of(&st.text, &n).unwrap_or((1, start + 1));
                    return Err(located(origin, st, l, col, &format!(
                        "AUDIT WHERE picks the documents to audit, by {}; `{n}` is not one of them. To filter the findings, query them: SELECT * FROM audit_findings WHERE {f}",
                        COMMON.join(", ")
                    )));
                }
            }
        }
        let df = self
            .run_audit(filter.as_deref())
            .map_err(|e| located(origin, st, 1, 1, &format!("AUDIT failed: {e}")))?;
        Ok(Output::Frame(df))
    }

    pub(in crate::query::engine) fn run_audit(
        &mut self,
        filter: Option<&str>,
    ) -> Result<DataFrame, String> {
        let findings = crate::audit::run(self, filter)?;
        let df = crate::audit::frame(&findings).map_err(|e| e.to_string())?;
        self.register("audit_findings", df.clone().lazy(), Kind::Derived);
        Ok(df)
    }
}
