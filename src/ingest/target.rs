//! Indicator target values (`≥90%`, `≤100%`, `≥1次`, `100%`, `合理`) split into
//! operator, number and unit; the raw text is always kept beside them.

use super::amount::normalize_number_text;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A parsed target. All three parsed fields are `None` when the value is not numeric.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub raw: String,
    pub op: Option<&'static str>,
    pub value: Option<f64>,
    pub unit: Option<String>,
}

/// Units seen in disclosures, longest first so that `人次` wins over `人`.
const UNITS: &[&str] = &[
    "平方米",
    "千米",
    "公里",
    "小时",
    "人次",
    "场次",
    "户次",
    "万元",
    "万人",
    "工作日",
    "个月",
    "%",
    "‰",
    "次",
    "人",
    "项",
    "个",
    "元",
    "天",
    "日",
    "月",
    "年",
    "件",
    "户",
    "台",
    "套",
    "篇",
    "场",
    "期",
    "家",
    "册",
    "份",
    "所",
    "名",
    "座",
    "辆",
    "处",
    "条",
    "本",
    "批",
    "张",
    "部",
    "类",
    "分",
    "米",
    "亩",
    "吨",
    "批次",
    "课时",
    "学时",
    "周",
    "季度",
    "km",
    "m²",
    "m2",
];

/// Comparison words and symbols, longest first.
const OPS: &[(&str, &str)] = &[
    ("大于等于", ">="),
    ("小于等于", "<="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不小于", ">="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("不大于", "<="),
    ("至少", ">="),
    ("≥", ">="),
    ("≧", ">="),
    (">=", ">="),
    ("＞＝", ">="),
    ("≤", "<="),
    ("≦", "<="),
    ("<=", "<="),
    ("＜＝", "<="),
    ("大于", ">"),
    ("小于", "<"),
    ("高于", ">"),
    ("低于", "<"),
    ("＞", ">"),
    (">", ">"),
    ("＜", "<"),
    ("<", "<"),
    ("＝", "="),
    ("=", "="),
    ("等于", "="),
];

/// Parse an indicator value. Never fails: text that is not a number keeps only `raw`.
pub fn parse_target(raw: &str) -> Target {
    let none = Target {
        raw: raw.to_string(),
        op: None,
        value: None,
        unit: None,
    };
    let t = normalize_number_text(raw);
    if t.is_empty() {
        return none;
    }
    let mut rest = t.as_str();
    let mut op = None;
    for (word, sym) in OPS {
        if let Some(r) = rest.strip_prefix(word) {
            op = Some(*sym);
            rest = r.trim_start();
            break;
        }
    }
    let num_len = rest
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || *c == ',' || (*i == 0 && *c == '-'))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if num_len == 0 {
        return none;
    }
    let num: String = rest[..num_len].chars().filter(|c| *c != ',').collect();
    let Ok(d) = Decimal::from_str(&num) else {
        return none;
    };
    let Some(value) = d.to_f64() else { return none };
    let after = rest[num_len..].trim_start();
    // a unit in brackets, as forms print it: `=100.00(%)`, `985（米）`
    let bracketed = after
        .strip_prefix(['(', '（'])
        .and_then(|a| a.split_once([')', '）']))
        .map(|(u, _)| u.trim())
        .filter(|u| UNITS.contains(u));
    let after = bracketed.unwrap_or(after);
    // trailing words after the unit ("100%显著提升", "≥90%以上") are kept in raw only
    let unit = UNITS
        .iter()
        .filter(|u| after.starts_with(**u))
        .max_by_key(|u| u.len())
        .map(|u| u.to_string());
    let unit = match unit {
        Some(u) => Some(u),
        None if after.is_empty() => None,
        // an unknown short unit word such as `场次` or `瓶`
        None if after.chars().count() <= 2 && after.chars().all(|c| !c.is_ascii_punctuation()) => {
            Some(after.to_string())
        }
        None => None,
    };
    Target {
        raw: raw.to_string(),
        op: Some(op.unwrap_or("=")),
        value: Some(value),
        unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Option<&'static str>, Option<f64>, Option<String>) {
        let t = parse_target(s);
        assert_eq!(t.raw, s);
        (t.op, t.value, t.unit)
    }

    #[test]
    fn the_values_of_the_bundled_document() {
        assert_eq!(p("≥90%"), (Some(">="), Some(90.0), Some("%".into())));
        assert_eq!(p("≤100%"), (Some("<="), Some(100.0), Some("%".into())));
        assert_eq!(p("≥1次"), (Some(">="), Some(1.0), Some("次".into())));
        assert_eq!(p("100%"), (Some("="), Some(100.0), Some("%".into())));
        assert_eq!(p("≥1人"), (Some(">="), Some(1.0), Some("人".into())));
        assert_eq!(p("≥2项"), (Some(">="), Some(2.0), Some("项".into())));
        assert_eq!(p("95%"), (Some("="), Some(95.0), Some("%".into())));
        assert_eq!(
            p("100%显著提升"),
            (Some("="), Some(100.0), Some("%".into()))
        );
    }

    #[test]
    fn other_spellings() {
        assert_eq!(p("＞＝９５％"), (Some(">="), Some(95.0), Some("%".into())));
        assert_eq!(p(">= 80 %"), (Some(">="), Some(80.0), Some("%".into())));
        assert_eq!(p("不低于98%"), (Some(">="), Some(98.0), Some("%".into())));
        assert_eq!(
            p("≥1000人次"),
            (Some(">="), Some(1000.0), Some("人次".into()))
        );
        assert_eq!(p("≤15万元"), (Some("<="), Some(15.0), Some("万元".into())));
        assert_eq!(p("3"), (Some("="), Some(3.0), None));
        assert_eq!(p("≥0.5"), (Some(">="), Some(0.5), None));
        assert_eq!(
            p("1,200平方米"),
            (Some("="), Some(1200.0), Some("平方米".into()))
        );
        assert_eq!(p("≥2场次"), (Some(">="), Some(2.0), Some("场次".into())));
        assert_eq!(p("=100.00(%)"), (Some("="), Some(100.0), Some("%".into())));
        assert_eq!(p("≥90.00(%)"), (Some(">="), Some(90.0), Some("%".into())));
        assert_eq!(p("985（米）"), (Some("="), Some(985.0), Some("米".into())));
    }

    #[test]
    fn words_keep_only_raw() {
        for s in [
            "合理",
            "提高",
            "有效提升",
            "",
            "  ",
            "≥",
            "好",
            "逐步完善",
            "％",
        ] {
            assert_eq!(p(s), (None, None, None), "{s}");
        }
    }
}
