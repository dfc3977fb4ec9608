//! One key per department across years: the same body is printed as 省法院 one year and
//! 江苏省高级人民法院 the next, 中共江苏省委办公厅 or 江苏省委办公厅. The key (`dept_code`)
//! is the name with the party prefix dropped, the region written out and the usual
//! abbreviations of institutions expanded; how it was made is kept (`departments.key_rule`)
//! and a mapping file (`--dept-map FILE`, lines `name,key`) overrides it.

use crate::error::IngestError;
use std::sync::OnceLock;

/// Abbreviations of institution names (after the region): (short, full).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("省法院", "省高级人民法院"),
    ("省高院", "省高级人民法院"),
    ("省检察院", "省人民检察院"),
    ("市检察院", "市人民检察院"),
    ("区检察院", "区人民检察院"),
    ("县检察院", "县人民检察院"),
    ("区法院", "区人民法院"),
    ("县法院", "县人民法院"),
    ("省人大办公厅", "省人大常委会办公厅"),
    ("省人大常委办公厅", "省人大常委会办公厅"),
    ("市人大办公厅", "市人大常委会办公室"),
];

/// A user's mapping: (name or key as printed, key, file:line).
static MAPPING: OnceLock<Vec<(String, String, String)>> = OnceLock::new();

/// Reads a mapping file (`name,key` per line; `#` comments and a `name,key` header
/// allowed) for every document ingested from now on. Call once, before ingesting.
pub fn load_mapping(path: &std::path::Path) -> Result<(), IngestError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| IngestError::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let mut v = vec![];
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || (i == 0 && l.replace(' ', "") == "name,key") {
            continue;
        }
        let Some((name, key)) = l.split_once(',') else {
            return Err(IngestError::Malformed {
                file,
                page: None,
                line: i + 1,
                message: format!(
                    "expected `name,key` (the department as printed, then the key to use), found `{l}`"
                ),
            });
        };
        let (name, key) = (name.trim().trim_matches('"'), key.trim().trim_matches('"'));
        if name.is_empty() || key.is_empty() {
            return Err(IngestError::Malformed {
                file,
                page: None,
                line: i + 1,
                message: "both the name and the key must be given".into(),
            });
        }
        v.push((
            name.to_string(),
            key.to_string(),
            format!("{file}:{}", i + 1),
        ));
    }
    let _ = MAPPING.set(v);
    Ok(())
}

/// Whether a mapping file is in use (the bundled documents' cache is then not used).
pub fn has_mapping() -> bool {
    MAPPING.get().is_some_and(|m| !m.is_empty())
}

/// The key of a department printed as `name` (in `region`, when known), and how it was
/// made. A code (digits: a unit-code prefix) is its own key.
pub fn key(name: &str, region: Option<&str>) -> (String, String) {
    let printed: String = name.split_whitespace().collect();
    if let Some((_, k, at)) = MAPPING
        .get()
        .and_then(|m| m.iter().find(|(n, _, _)| *n == printed))
    {
        return (k.clone(), format!("mapping {at}"));
    }
    if printed.chars().all(|c| c.is_ascii_digit()) {
        return (printed, "unit code prefix".into());
    }
    let mut s = printed.clone();
    let mut how = vec![];
    for prefix in ["中国共产党", "中共"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
            how.push(format!("{prefix} dropped"));
            break;
        }
    }
    if let Some(r) = region {
        // `省法院` in a document of 江苏省: the region written out (省 always; 市, 区, 县
        // only before an institution's word, so 市场监督管理局 stays as it is)
        let level = r.chars().last();
        let rest = &s[s.chars().next().map_or(0, char::len_utf8)..];
        let institution = [
            "委",
            "人大",
            "政协",
            "法院",
            "高院",
            "检察院",
            "人民政府",
            "政府",
            "公安",
            "财政",
            "司法",
            "教育",
        ]
        .iter()
        .any(|w| rest.starts_with(w));
        if s.chars().next() == level && !s.starts_with(r) && (level == Some('省') || institution) {
            s = format!("{r}{}", &s[s.chars().next().map_or(0, char::len_utf8)..]);
            how.push(format!("region {r} written out"));
        }
    }
    for (short, full) in ABBREVIATIONS {
        if s.ends_with(short) {
            s = format!("{}{full}", &s[..s.len() - short.len()]);
            how.push(format!("{short} → {full}"));
            break;
        }
    }
    if let Some((_, k, at)) = MAPPING
        .get()
        .and_then(|m| m.iter().find(|(n, _, _)| *n == s))
    {
        return (k.clone(), format!("mapping {at}"));
    }
    let how = if how.is_empty() {
        "the name as printed".to_string()
    } else {
        how.join("; ")
    };
    (s, how)
}

/// Whether the document is a unit budget (单位预算/单位决算, 预算单位：…) rather than a
/// department budget (部门预算, 预算主管部门：…), from its first page.
pub fn level(text: &str) -> &'static str {
    let head: String = text
        .lines()
        .take_while(|l| !l.contains("=== page 2 ==="))
        .take(60)
        .collect::<Vec<_>>()
        .join("")
        .split_whitespace()
        .collect();
    if head.contains("单位预算") || head.contains("单位决算") || head.contains("预算单位：")
    {
        "unit"
    } else {
        "department"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_for_the_names_of_one_body() {
        assert_eq!(key("省法院", Some("江苏省")).0, "江苏省高级人民法院");
        assert_eq!(
            key("江苏省高级人民法院", Some("江苏省")).0,
            "江苏省高级人民法院"
        );
        assert_eq!(
            key("中共江苏省委办公厅", Some("江苏省")).0,
            "江苏省委办公厅"
        );
        assert_eq!(key("江苏省委办公厅", Some("江苏省")).0, "江苏省委办公厅");
        assert_eq!(key("省检察院", Some("江苏省")).0, "江苏省人民检察院");
        assert_eq!(
            key("上海市普陀区司法局", Some("上海市普陀区")).0,
            "上海市普陀区司法局"
        );
        assert_eq!(key("216", None), ("216".into(), "unit code prefix".into()));
        assert_eq!(
            key("省法院", Some("江苏省")).1,
            "region 江苏省 written out; 省法院 → 省高级人民法院"
        );
    }

    #[test]
    fn unit_and_department_budgets_are_told_apart_by_their_cover() {
        assert_eq!(level("=== page 1 ===\n上海市普陀区2026年区级单位预算\n预算单位：上海市普陀区司法局\n=== page 2 ===\n"), "unit");
        assert_eq!(level("=== page 1 ===\n上海市普陀区2026年区级部门预算\n预算主管部门：上海市普陀区司法局\n=== page 2 ===\n单位预算"), "department");
    }
}
