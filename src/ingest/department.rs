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

/// Where in a name a [`Form`]'s words are read.
#[derive(Clone, Copy, PartialEq)]
enum At {
    /// right after the name's region (`江苏省` + `委员会办公厅`)
    AfterRegion,
    /// anywhere in the name
    Anywhere,
}

/// Words of a department's name printed in a full and an abbreviated form, and the form
/// its key takes; applied in this order (each pair is tested below).
struct Form {
    printed: &'static str,
    key: &'static str,
    at: At,
}

const FORMS: &[Form] = &[
    // the party committee of a region: 中国共产党江苏省委员会办公厅 = 中共江苏省委办公厅
    Form {
        printed: "委员会",
        key: "委",
        at: At::AfterRegion,
    },
    // the government of a region: 上海市普陀区政府办公室 = 上海市普陀区人民政府办公室
    Form {
        printed: "政府",
        key: "人民政府",
        at: At::AfterRegion,
    },
    // the people's congress: 江苏省人民代表大会常务委员会办公厅 = 江苏省人大常委会办公厅
    Form {
        printed: "人民代表大会",
        key: "人大",
        at: At::AfterRegion,
    },
    Form {
        printed: "常务委员会",
        key: "常委会",
        at: At::Anywhere,
    },
    Form {
        printed: "人大常委办公",
        key: "人大常委会办公",
        at: At::Anywhere,
    },
    Form {
        printed: "人大办公",
        key: "人大常委会办公",
        at: At::AfterRegion,
    },
    // party bodies: 纪律检查委员会 = 纪委, 工作委员会 = 工委, 政法委员会 = 政法委
    Form {
        printed: "纪律检查委员会",
        key: "纪委",
        at: At::Anywhere,
    },
    Form {
        printed: "工作委员会",
        key: "工委",
        at: At::Anywhere,
    },
    Form {
        printed: "政法委员会",
        key: "政法委",
        at: At::Anywhere,
    },
    // government commissions known by their short names
    Form {
        printed: "发改委",
        key: "发展和改革委员会",
        at: At::AfterRegion,
    },
    Form {
        printed: "卫健委",
        key: "卫生健康委员会",
        at: At::AfterRegion,
    },
    Form {
        printed: "经信委",
        key: "经济和信息化委员会",
        at: At::AfterRegion,
    },
    Form {
        printed: "民宗委",
        key: "民族和宗教事务委员会",
        at: At::AfterRegion,
    },
    Form {
        printed: "住建委",
        key: "住房和城乡建设委员会",
        at: At::AfterRegion,
    },
];

/// The names of the people's political consultative conference (政协) before its
/// region: 中国人民政治协商会议江苏省委员会 = 政协江苏省委员会 = 江苏省政协.
const CPPCC: &[&str] = &["中国人民政治协商会议", "政协"];

/// The party's name before a region: 中国共产党 / 中共, dropped from the key.
const PARTY: &[&str] = &["中国共产党", "中共"];

/// The region a name opens with (`江苏省`, `上海市普陀区`, `秦皇岛经济技术开发区`), by its
/// level words; empty when it opens with none.
fn leading_region(name: &str) -> &str {
    static REGION: OnceLock<regex::Regex> = OnceLock::new();
    let re = REGION.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[^省市区县]{2,6}?(?:省|自治区))?(?:[^省市区县]{2,6}?(?:市|州|盟))?(?:[^省市区县]{2,8}?(?:开发区|新区|自治县|区|县|旗))?",
        )
        .expect("static regex")
    });
    re.find(name).map_or("", |m| m.as_str())
}

/// The key of a department printed as `name` (in `region`, when known), and how it was
/// made. A code (digits: a unit-code prefix) is its own key.
///
/// The key is the name with the party's name dropped, the region written out, a unit's
/// `（本级）` dropped, and each word that has two printed forms in one form ([`FORMS`]):
/// so 中国共产党江苏省委员会办公厅, 中共江苏省委办公厅 and 江苏省委办公厅 are one key.
pub fn key(name: &str, region: Option<&str>) -> (String, String) {
    let printed: String = name
        .split_whitespace()
        .collect::<String>()
        .replace('(', "（")
        .replace(')', "）");
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
    if let Some(rest) = s.strip_suffix("（本级）") {
        s = rest.to_string();
        how.push("（本级） dropped".to_string());
    }
    let mut cppcc = false;
    for prefix in CPPCC {
        if let Some(rest) = s.strip_prefix(prefix) {
            if !rest.is_empty() {
                s = rest.to_string();
                cppcc = true;
                break;
            }
        }
    }
    if !cppcc {
        for prefix in PARTY {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
                how.push(format!("{prefix} dropped"));
                break;
            }
        }
    }
    if let Some(r) = region {
        s = written_out(&s, r, &mut how);
    }
    if cppcc {
        // 政协 + region + 委员会 + rest → region + 政协 + rest
        let lead = leading_region(&s).to_string();
        let rest = &s[lead.len()..];
        let rest = rest.strip_prefix("委员会").unwrap_or(rest);
        let rest = rest.strip_prefix("政协").unwrap_or(rest);
        s = format!("{lead}政协{rest}");
        how.push(format!("政协 written after the region ({lead}政协)"));
    }
    for f in FORMS {
        let lead = leading_region(&s).len();
        let changed = match f.at {
            At::AfterRegion if lead > 0 && s[lead..].starts_with(f.printed) => Some(format!(
                "{}{}{}",
                &s[..lead],
                f.key,
                &s[lead + f.printed.len()..]
            )),
            At::Anywhere if s.contains(f.printed) => Some(s.replace(f.printed, f.key)),
            _ => None,
        };
        if let Some(c) = changed {
            s = c;
            how.push(format!("{} → {}", f.printed, f.key));
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

/// The name with the document's region `r` written out where it is shortened: `省法院` in
/// a document of 江苏省 (the level word alone: 省 always; 市, 区, 县 only before an
/// institution's word, so 市场监督管理局 stays as it is), `普陀区司法局` in one of
/// 上海市普陀区 (the region's last part).
fn written_out(s: &str, r: &str, how: &mut Vec<String>) -> String {
    if s.starts_with(r) {
        return s.to_string();
    }
    let level = r.chars().last();
    let first = s.chars().next().map_or(0, char::len_utf8);
    let rest = &s[first..];
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
    if s.chars().next() == level && (level == Some('省') || institution) {
        how.push(format!("region {r} written out"));
        return format!("{r}{rest}");
    }
    // the region's last part (`普陀区` of 上海市普陀区), printed without what is above it
    let upper = r
        .char_indices()
        .filter(|(_, c)| "省市州盟".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
        .filter(|i| *i < r.len())
        .last()
        .map_or("", |i| &r[..i]);
    let last = &r[upper.len()..];
    if !upper.is_empty() && last.chars().count() >= 2 && s.starts_with(last) {
        how.push(format!("region {r} written out"));
        return format!("{upper}{s}");
    }
    s.to_string()
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

    /// Each pair: two printed names of one body, one key.
    #[test]
    fn full_and_abbreviated_forms_of_one_body_get_one_key() {
        let pairs = [
            (
                "中国共产党江苏省委员会办公厅",
                "中共江苏省委办公厅",
                Some("江苏省"),
            ),
            ("中国共产党江苏省委员会办公厅", "江苏省委办公厅", None),
            (
                "中共上海市普陀区委员会组织部",
                "上海市普陀区委组织部",
                Some("上海市普陀区"),
            ),
            ("上海市普陀区人民政府办公室", "上海市普陀区政府办公室", None),
            (
                "上海市普陀区人民政府办公室",
                "普陀区政府办公室",
                Some("上海市普陀区"),
            ),
            (
                "江苏省人民代表大会常务委员会办公厅",
                "江苏省人大常委会办公厅",
                None,
            ),
            ("江苏省人大常委会办公厅", "省人大办公厅", Some("江苏省")),
            ("江苏省人大常委会办公厅", "江苏省人大常委办公厅", None),
            (
                "中国人民政治协商会议江苏省委员会办公厅",
                "政协江苏省委员会办公厅",
                None,
            ),
            ("政协江苏省委员会办公厅", "江苏省政协办公厅", None),
            ("中国共产党江苏省纪律检查委员会", "中共江苏省纪委", None),
            (
                "中共秦皇岛经济技术开发区工作委员会",
                "秦皇岛经济技术开发区工委",
                None,
            ),
            ("中共江苏省委政法委员会", "江苏省委政法委", None),
            ("上海市普陀区发展和改革委员会", "上海市普陀区发改委", None),
            (
                "上海市普陀区卫生健康委员会",
                "普陀区卫健委",
                Some("上海市普陀区"),
            ),
            ("上海市普陀区司法局（本级）", "上海市普陀区司法局", None),
            ("上海市普陀区司法局(本级)", "上海市 普陀区 司法局", None),
        ];
        for (a, b, region) in pairs {
            assert_eq!(key(a, region).0, key(b, region).0, "{a} / {b}");
        }
        // and the key says how it was made
        assert_eq!(
            key("中国共产党江苏省委员会办公厅", None),
            (
                "江苏省委办公厅".to_string(),
                "中国共产党 dropped; 委员会 → 委".to_string()
            )
        );
    }

    /// Names that look alike but are different bodies keep different keys.
    #[test]
    fn different_bodies_keep_different_keys() {
        let pairs = [
            // the party committee's office, the CPPCC's office, the congress's office
            ("中共江苏省委办公厅", "政协江苏省委员会办公厅"),
            ("中共江苏省委办公厅", "江苏省人大常委会办公厅"),
            ("江苏省委办公厅", "江苏省人民政府办公厅"),
            // a government commission is not the party committee
            ("上海市普陀区发展和改革委员会", "上海市普陀区委"),
            (
                "上海市普陀区卫生健康委员会",
                "上海市普陀区民族和宗教事务委员会",
            ),
            // another district of the same city
            ("上海市普陀区司法局", "上海市静安区司法局"),
            ("市场监督管理局", "上海市市场监督管理局"),
        ];
        for (a, b) in pairs {
            assert_ne!(key(a, None).0, key(b, None).0, "{a} / {b}");
        }
        assert_eq!(
            key("市场监督管理局", Some("上海市")).0,
            "市场监督管理局",
            "市 of 市场 is not the region's level word"
        );
    }

    #[test]
    fn unit_and_department_budgets_are_told_apart_by_their_cover() {
        assert_eq!(level("=== page 1 ===\n上海市普陀区2026年区级单位预算\n预算单位：上海市普陀区司法局\n=== page 2 ===\n"), "unit");
        assert_eq!(level("=== page 1 ===\n上海市普陀区2026年区级部门预算\n预算主管部门：上海市普陀区司法局\n=== page 2 ===\n单位预算"), "department");
    }
}
