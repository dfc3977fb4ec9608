//! Name checks: the closest existing names for a misspelt one, and where in the
//! statement a name stands (line:column), for "did you mean" errors.

use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Edit distance (insertions, deletions, substitutions), by characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to three candidates close to `name`, closest first.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let n = name.chars().count();
    let limit = (n / 3).clamp(1, 3);
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance(name, c);
            let lname = name.to_lowercase();
            let lc = c.to_lowercase();
            let near = d <= limit
                || (n >= 3 && (lc.contains(&lname) || lname.contains(&lc)) && !lc.is_empty());
            near.then(|| (d, c.to_string()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Names for a message, each in backquotes, joined by `sep`: "`a`, `b`".
pub fn quoted<S: AsRef<str>>(names: impl IntoIterator<Item = S>, sep: &str) -> String {
    names
        .into_iter()
        .map(|x| format!("`{}`", x.as_ref()))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Names for a message as a sentence lists them: "a, b or c" (`last` is "or" or "and").
pub fn listed<S: AsRef<str>>(names: &[S], last: &str) -> String {
    match names.split_last() {
        Some((tail, rest)) if !rest.is_empty() => {
            let rest: Vec<&str> = rest.iter().map(|s| s.as_ref()).collect();
            format!("{} {last} {}", rest.join(", "), tail.as_ref())
        }
        Some((only, _)) => only.as_ref().to_string(),
        None => String::new(),
    }
}

/// "did you mean `a`?" / "did you mean `a` or `b`?", or empty.
pub fn did_you_mean(c: &[String]) -> String {
    match c {
        [] => String::new(),
        [a] => format!("; did you mean `{a}`?"),
        [init @ .., last] => format!("; did you mean {} or `{last}`?", quoted(init, ", ")),
    }
}

/// 1-based (line, column) of the first word token equal to `name` (case-insensitive).
pub fn position_of(sql: &str, name: &str) -> Option<(usize, usize)> {
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    tokens.iter().find_map(|t| match &t.token {
        Token::Word(w) if w.value.eq_ignore_ascii_case(name) => {
            Some((t.span.start.line as usize, t.span.start.column as usize))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names() {
        assert_eq!(distance("budgt", "budget"), 1);
        assert_eq!(
            closest("budgt", ["budget", "fiscal", "other"]),
            vec!["budget"]
        );
        assert_eq!(
            closest("projcts", ["projects", "project_goals"]),
            vec!["projects"]
        );
        assert_eq!(
            closest("level", ["level1", "level2", "level3", "basis"]),
            vec!["level1", "level2", "level3"]
        );
        assert!(closest("zzz", ["budget"]).is_empty());
        assert_eq!(
            did_you_mean(&["a".into(), "b".into()]),
            "; did you mean `a` or `b`?"
        );
    }

    #[test]
    fn positions() {
        assert_eq!(
            position_of("SELECT budgt\nFROM projects", "projects"),
            Some((2, 6))
        );
        assert_eq!(position_of("SELECT \"预算\" FROM t", "预算"), Some((1, 8)));
    }
}
