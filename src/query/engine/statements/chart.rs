//! `CHART BAR [STACKED|GROUPED] query` / `CHART LINE query`: a query's rows drawn (in the
//! terminal, or as SVG by `.once`/COPY).

use super::super::*;
use super::{Command, Touches};

/// The `CHART` statement.
pub(super) const CHART: Command = Command {
    name: "CHART",
    words: &[&["CHART"]],
    usage: "CHART BAR [STACKED|GROUPED] [TITLE 'text'] query | CHART LINE [TITLE 'text'] query",
    touches: Touches::Nothing,
    query: Some(query),
    run: |engine, origin, st| engine.chart(origin, st),
};

/// The query the statement runs.
fn query(text: &str) -> Result<(usize, &str), String> {
    parse(text).map(|c| (c.start, c.query)).map_err(|(_, m)| m)
}

/// A CHART statement read: the chart it asks for and where its query starts.
struct Parsed<'t> {
    spec: Spec,
    /// the query's byte offset in the statement, and its text
    start: usize,
    query: &'t str,
}

/// Read a CHART statement (trimmed); an error is the byte offset it points at and what
/// is wrong.
fn parse(t: &str) -> Result<Parsed<'_>, (usize, String)> {
    static CHART_RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)^CHART(\s+(\w+))?(?:\s+(STACKED|GROUPED)\b)?\s*(.*)$").expect("valid")
    });
    static TRAILING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?is)^(.*?)\s+(STACKED|GROUPED)\s*$").expect("valid"));
    static TITLE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?is)^TITLE\b\s*(?:'((?:[^']|'')*)')?\s*").expect("valid"));
    const USAGE: &str = "CHART BAR [STACKED | GROUPED] [TITLE 'text'] <query> or CHART LINE [TITLE 'text'] <query>, e.g. CHART LINE TITLE 'Spending by year' SELECT year, dept_code, SUM(amount) FROM budget_lines WHERE item = '支出合计' GROUP BY 1, 2";
    let Some(m) = CHART_RE.captures(t) else {
        return Err((0, format!("expected {USAGE}")));
    };
    let kind_at = m.get(2).map(|g| g.start()).unwrap_or(t.len());
    let kind = m
        .get(2)
        .map(|g| g.as_str().to_uppercase())
        .unwrap_or_default();
    let mut query = m.get(4).map(|g| g.as_str()).unwrap_or("");
    let mut start = m.get(4).map(|g| g.start()).unwrap_or(t.len());
    // TITLE 'text' before the query
    let mut title = None;
    if let Some(tm) = TITLE.captures(query) {
        let Some(text) = tm.get(1) else {
            return Err((
                start,
                "put the chart's title in single quotes: TITLE 'Spending by year'".into(),
            ));
        };
        title = Some(text.as_str().replace("''", "'"));
        let skip = tm.get(0).map(|g| g.end()).unwrap_or(0);
        query = &query[skip..];
        start += skip;
    }
    let mut layout = m.get(3).map(|g| g.as_str().to_uppercase());
    if layout.is_none() {
        if let Some(tm) = TRAILING.captures(query) {
            layout = Some(tm[2].to_uppercase());
            query = tm.get(1).map(|g| g.as_str()).unwrap_or("");
        }
    }
    let chart = match (kind.as_str(), layout.as_deref()) {
        ("BAR", None) => Chart::Bar,
        ("BAR", Some("STACKED")) => Chart::StackedBar,
        ("BAR", Some(_)) => Chart::GroupedBar,
        ("LINE", None) => Chart::Line,
        ("LINE", Some(l)) => {
            return Err((kind_at, format!("{l} is for bars: CHART BAR {l} <query>; a line chart draws one line per series already")))
        }
        ("", _) => return Err((kind_at, format!("say which chart: {USAGE}"))),
        (other, _) => return Err((kind_at, format!("unknown chart `{other}`; expected {USAGE}"))),
    };
    if query.trim().is_empty() {
        return Err((start, format!("{} needs a query after it", chart.usage())));
    }
    Ok(Parsed {
        spec: Spec { chart, title },
        start,
        query,
    })
}

impl Engine {
    fn chart(&mut self, origin: &str, st: &Statement) -> Result<Output, QueryError> {
        let t = st.text.trim();
        let Parsed { spec, start, query } = parse(t).map_err(|(at, m)| {
            // the column of a byte offset (1 for the statement's start)
            located(origin, st, 1, t[..at].chars().count() + 1, &m)
        })?;
        let chart = spec.chart;
        let inner = sub_statement(st, t, start, query.to_string());
        let df = match self.execute(origin, &inner)? {
            Output::Frame(df) | Output::Chart(df, _) => df,
            Output::Message(_) => {
                return Err(located(
                    origin,
                    st,
                    1,
                    1,
                    &format!("{} needs a query that returns rows", chart.usage()),
                ))
            }
        };
        crate::render::chart::check(&df, chart)
            .map_err(|e| located(origin, st, 1, 1, &crate::query::files::render_text(e)))?;
        Ok(Output::Chart(df, spec))
    }
}
