//! Project performance forms (财政项目支出绩效目标申报表 / 项目支出绩效目标表) in
//! PDF text: the project, its money, its goals and the indicator tree with targets,
//! read from the form's cells in reading order into `projects`, `project_goals` and
//! `indicators`.
//!
//! A form prints labels (项目名称, 主管部门, 项目资金总额 …) each followed by its value,
//! then the header 一级指标 | 二级指标 | 三级指标 | 指标值 and the indicator rows. Merged
//! cells print a level-1 or level-2 name once for its group, and narrow cells wrap
//! names onto several pieces (`社会效益` / `指标`); both are resolved with the Ministry
//! of Finance's standard indicator names, so a group's name is never taken for an
//! indicator. Whatever cannot be read with certainty is a warning, never a guess.

use super::amount::{parse_decimal, to_money, yuan_to_wan};
use super::target::parse_target;
use super::{GoalRec, IndicatorRec, ProjectRec};
use rust_decimal::Decimal;

/// One cell piece: its line and text.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub line: usize,
    pub text: String,
}

/// A form as read.
#[derive(Debug)]
pub(crate) struct Form {
    pub project: ProjectRec,
    pub goals: Vec<GoalRec>,
    pub indicators: Vec<IndicatorRec>,
    /// (line, message) of what was not stored.
    pub warnings: Vec<(usize, String)>,
}

/// Does this line (without spaces) title a project's performance form? A department's
/// own form (部门整体支出绩效目标表) and a pointer sentence (`详见单位的项目绩效目标表`)
/// do not.
pub(crate) fn is_form_title(c: &str) -> bool {
    let n = c.chars().count();
    (6..=30).contains(&n)
        && (c.ends_with("绩效目标申报表") || c.ends_with("绩效目标表"))
        && !c.contains("整体")
        && !c.contains(|ch: char| "，。；：见".contains(ch))
}

/// Standard level-1 indicator names (财预〔2020〕10号 and the older framework).
const LEVEL1: &[&str] = &[
    "产出指标",
    "效益指标",
    "满意度指标",
    "成本指标",
    "效果指标",
    "影响力指标",
];

/// Standard level-2 names and the level-1 group each belongs to. 成本指标 is a level-2
/// name of 产出指标 in the older framework and a level-1 name in the current one.
const LEVEL2: &[(&str, &str)] = &[
    ("数量指标", "产出指标"),
    ("质量指标", "产出指标"),
    ("时效指标", "产出指标"),
    ("经济成本指标", "成本指标"),
    ("社会成本指标", "成本指标"),
    ("生态环境成本指标", "成本指标"),
    ("经济效益指标", "效益指标"),
    ("社会效益指标", "效益指标"),
    ("生态效益指标", "效益指标"),
    ("可持续影响指标", "效益指标"),
    ("服务对象满意度指标", "满意度指标"),
];

/// Labels of the form's fields. A value is every piece between its label and the next.
const LABELS: &[&str] = &[
    "项目名称",
    "项目性质",
    "项目类别",
    "项目类型",
    "项目属性",
    "主管部门",
    "预算部门",
    "实施单位",
    "预算单位",
    "项目单位",
    "项目负责人",
    "联系人",
    "联系电话",
    "计划开始日期",
    "计划完成日期",
    "项目期限",
    "项目资金",
    "项目资金总额",
    "年度资金申请总额",
    "年度资金总额",
    "其中：财政资金",
    "财政资金",
    "其中：当年财政拨款",
    "当年财政拨款",
    "上年结转资金",
    "其他资金",
    "项目绩效目标",
    "绩效目标",
    "项目总目标",
    "年度总体目标",
    "年度绩效目标",
];

/// Labels of the indicator header.
fn is_header_label(s: &str) -> bool {
    matches!(
        s,
        "一级指标" | "二级指标" | "三级指标" | "绩效指标描述" | "指标内容" | "指标值确定依据"
    ) || (s.ends_with("指标值") && !s.contains("级指标") && s.chars().count() <= 12)
}

fn known(s: &str) -> bool {
    LABELS.contains(&s)
        || LEVEL1.contains(&s)
        || LEVEL2.iter().any(|(n, _)| *n == s)
        || is_header_label(s)
}

/// Pieces joined where a narrow cell wrapped a known name (`社会效益` + `指标`): at each
/// piece, the longest run of up to four pieces that spells a known name.
fn join_names(toks: &[Tok]) -> Vec<Tok> {
    let mut out = vec![];
    let mut i = 0;
    while i < toks.len() {
        let mut best = 1;
        let mut s = String::new();
        for k in 1..=4.min(toks.len() - i) {
            s.push_str(&toks[i + k - 1].text);
            if known(&s) {
                best = k;
            }
        }
        let text: String = toks[i..i + best].iter().map(|t| t.text.as_str()).collect();
        out.push(Tok {
            line: toks[i].line,
            text,
        });
        i += best;
    }
    out
}

fn ends_sentence(s: &str) -> bool {
    s.ends_with(['。', '；', ';', '！'])
}

/// Read one form. `toks` are its cell pieces after the title, in reading order; `seq` its
/// number in the document; `year` the document's year.
pub(crate) fn read(
    title_line: usize,
    toks: &[Tok],
    seq: i32,
    year: i32,
) -> Result<Form, (usize, String)> {
    let toks = join_names(toks);
    let mut warnings = vec![];
    // the form's year, `（2026年度）`, when printed
    let mut start = 0;
    if let Some(t) = toks.first() {
        let digits: String = t.text.chars().filter(|c| c.is_ascii_digit()).collect();
        if t.text.contains('年') && digits.len() == 4 && t.text.chars().count() <= 10 {
            if digits.parse::<i32>().ok() != Some(year) {
                warnings.push((
                    t.line,
                    format!("the form is for {digits} in a {year} document"),
                ));
            }
            start = 1;
        }
    }
    let header = toks[start..]
        .iter()
        .position(|t| t.text == "一级指标")
        .map(|k| k + start);
    let fields_end = header.unwrap_or(toks.len());

    // label → value pieces; a run of labels before their values (项目总目标 | 年度总体目标
    // over two texts) shares them out in order
    let mut fields: Vec<(String, usize, Vec<Tok>)> = vec![];
    let mut run: Vec<usize> = vec![];
    let mut values: Vec<Tok> = vec![];
    let flush = |fields: &mut Vec<(String, usize, Vec<Tok>)>,
                 run: &mut Vec<usize>,
                 values: &mut Vec<Tok>| {
        match run.len() {
            0 => {}
            1 => fields[run[0]].2.append(values),
            n => {
                // one value per label, else texts split where a sentence ends
                if values.len() == n {
                    for (k, v) in values.drain(..).enumerate() {
                        fields[run[k]].2.push(v);
                    }
                } else {
                    let mut k = 0;
                    for v in values.drain(..) {
                        let end = ends_sentence(&v.text);
                        fields[run[k]].2.push(v);
                        if end && k + 1 < n {
                            k += 1;
                        }
                    }
                }
            }
        }
        run.clear();
        values.clear();
    };
    for t in &toks[start..fields_end] {
        if LABELS.contains(&t.text.as_str()) {
            if !values.is_empty() {
                flush(&mut fields, &mut run, &mut values);
            }
            // section labels own no value of their own
            if !matches!(t.text.as_str(), "项目绩效目标" | "绩效目标") {
                fields.push((t.text.clone(), t.line, vec![]));
                run.push(fields.len() - 1);
            }
        } else if let Some(lbl) = t.text.strip_suffix(['）', ')']).and_then(|s| {
            // `项目资金（元）` in one piece
            s.rsplit_once(['（', '('])
        }) {
            if LABELS.contains(&lbl.0) {
                flush(&mut fields, &mut run, &mut values);
                fields.push((
                    lbl.0.to_string(),
                    t.line,
                    vec![Tok {
                        line: t.line,
                        text: format!("（{}）", lbl.1),
                    }],
                ));
            } else {
                values.push(t.clone());
            }
        } else {
            values.push(t.clone());
        }
    }
    flush(&mut fields, &mut run, &mut values);
    let text_of = |v: &[Tok]| v.iter().map(|t| t.text.as_str()).collect::<String>();
    let field = |name: &str| {
        fields
            .iter()
            .find(|f| f.0 == name)
            .map(|f| (f.1, text_of(&f.2)))
    };
    let all = |name: &str| {
        fields
            .iter()
            .filter(|f| f.0 == name)
            .map(|f| (f.1, text_of(&f.2)))
            .collect::<Vec<_>>()
    };

    let Some((name_line, project_name)) = field("项目名称").filter(|(_, v)| !v.is_empty())
    else {
        return Err((
            title_line,
            "the form prints no project name (项目名称)".into(),
        ));
    };
    // the money unit: `项目资金（元）`, else a `单位：元` line in the form
    let unit = field("项目资金").map(|(_, v)| v).unwrap_or_default();
    let unit_piece = toks
        .iter()
        .find(|t| t.text.contains("单位：") || t.text.contains("单位:"));
    let yuan = if unit.contains("万元") {
        false
    } else if unit.contains('元') {
        true
    } else if let Some(t) = unit_piece {
        !t.text.contains("万元")
    } else {
        return Err((
            name_line,
            format!("project `{project_name}`: the form prints no money unit (项目资金（元）or 单位：万元), so its amounts cannot be read with certainty"),
        ));
    };
    let money = |what: &str, line: usize, v: &str| -> Result<Option<Decimal>, (usize, String)> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        let d = parse_decimal(v)
            .map_err(|e| {
                (
                    line,
                    format!(
                        "project `{project_name}`: {what} `{v}` is not a figure: {}",
                        e.0
                    ),
                )
            })?
            .ok_or_else(|| {
                (
                    line,
                    format!("project `{project_name}`: {what} `{v}` is not a figure"),
                )
            })?;
        if yuan { yuan_to_wan(d) } else { to_money(d) }
            .map(Some)
            .map_err(|m| (line, format!("project `{project_name}`: {what} `{v}` {m}")))
    };
    let get = |what: &str, names: &[&str]| -> Result<Option<(usize, Decimal)>, (usize, String)> {
        for n in names {
            if let Some((line, v)) = field(n) {
                return Ok(money(what, line, &v)?.map(|d| (line, d)));
            }
        }
        Ok(None)
    };
    let total = get("项目资金总额", &["项目资金总额"])?;
    let annual = get("年度资金申请总额", &["年度资金申请总额", "年度资金总额"])?;
    let appropriation = get("当年财政拨款", &["其中：当年财政拨款", "当年财政拨款"])?;
    let carried = get("上年结转资金", &["上年结转资金"])?;
    let fiscal_total = get("财政资金", &["其中：财政资金", "财政资金"])?;
    let others = all("其他资金")
        .into_iter()
        .map(|(line, v)| money("其他资金", line, &v).map(|d| d.map(|d| (line, d))))
        .collect::<Result<Vec<_>, _>>()?;
    let (budget, fiscal, other) = if let Some((_, a)) = annual {
        // the year's column: 当年财政拨款 + 上年结转资金 (fiscal money carried over) + 其他资金;
        // of two 其他资金 (the whole project's and the year's, left to right) the year's is
        // the one its column adds up with
        let fiscal = match (appropriation, carried) {
            (Some((_, f)), Some((_, c))) => Some(f + c),
            (Some((_, f)), None) => Some(f),
            _ => None,
        };
        let other = match (fiscal, others.as_slice()) {
            (_, []) => None,
            (_, [one]) => one.map(|(_, o)| o),
            (Some(f), many) => {
                let fits: Vec<Decimal> = many
                    .iter()
                    .flatten()
                    .map(|(_, o)| *o)
                    .filter(|o| f + o == a)
                    .collect();
                match fits.as_slice() {
                    [o] => Some(*o),
                    _ => many.last().copied().flatten().map(|(_, o)| o),
                }
            }
            (None, many) => many.last().copied().flatten().map(|(_, o)| o),
        };
        (a, fiscal, other)
    } else if let Some((_, t)) = total {
        let other = others.first().copied().flatten().map(|(_, o)| o);
        (t, fiscal_total.map(|(_, f)| f), other)
    } else {
        return Err((
            name_line,
            format!("project `{project_name}`: the form prints no amount (年度资金申请总额 or 项目资金总额)"),
        ));
    };
    let unit_name = field("实施单位")
        .or_else(|| field("预算单位"))
        .or_else(|| field("项目单位"))
        .map(|(_, v)| v)
        .unwrap_or_default();
    let purpose = field("项目总目标")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty());
    let project_code = project_name.clone();
    let mut goals = vec![];
    for n in ["年度总体目标", "年度绩效目标"] {
        if let Some(f) = fields.iter().find(|f| f.0 == n) {
            let pieces: Vec<(usize, String)> =
                f.2.iter().map(|t| (t.line, t.text.clone())).collect();
            for (k, (line, g)) in super::tables::split_goals(&pieces).into_iter().enumerate() {
                goals.push(GoalRec {
                    line,
                    project_code: project_code.clone(),
                    seq: k as i32 + 1,
                    goal: g,
                });
            }
            break;
        }
    }

    // the indicator tree
    let mut indicators = vec![];
    let heads: Vec<&Tok> = header
        .map(|h| {
            toks[h..]
                .iter()
                .take_while(|t| is_header_label(&t.text))
                .collect()
        })
        .unwrap_or_default();
    // a header without its 二级指标 and 指标值 columns cannot say which cell is the target
    let complete = heads.get(1).is_some_and(|t| t.text == "二级指标")
        && heads.iter().skip(2).any(|t| t.text.ends_with("指标值"));
    if let (Some(h), false) = (header, complete) {
        warnings.push((
            toks[h].line,
            format!("project `{project_name}`: the indicator header prints no 二级指标 and 指标值 columns, so its indicators are not stored"),
        ));
    }
    if let (Some(h), true) = (header, complete) {
        let after = &toks[h + heads.len()..];
        // cells per indicator row after the level-1 and level-2 columns
        let width = heads.len().saturating_sub(2).max(1);
        let value_col = heads
            .iter()
            .skip(2)
            .position(|t| t.text.ends_with("指标值"))
            .unwrap_or(width - 1);
        let name_col = heads.iter().skip(2).position(|t| t.text == "三级指标");
        let desc_col = heads
            .iter()
            .skip(2)
            .position(|t| t.text == "绩效指标描述" || t.text == "指标内容");
        let basis_col = heads
            .iter()
            .skip(2)
            .position(|t| t.text == "指标值确定依据");
        let mut level1: Option<String> = None;
        let mut level2: Option<String> = None;
        let mut group: Vec<&Tok> = vec![];
        let mut bad = false;
        let mut close = |group: &mut Vec<&Tok>,
                         level1: &Option<String>,
                         level2: &Option<String>,
                         out: &mut Vec<IndicatorRec>,
                         warnings: &mut Vec<(usize, String)>| {
            if group.is_empty() {
                return;
            }
            let first = group[0].line;
            let (Some(l1), Some(l2)) = (level1.clone(), level2.clone()) else {
                warnings.push((first, format!("project `{project_name}`: indicator cells before any level-1/level-2 name (`{}`)", group[0].text)));
                bad = true;
                group.clear();
                return;
            };
            if !group.len().is_multiple_of(width) {
                warnings.push((
                    first,
                    format!(
                        "project `{project_name}`: the indicators under {l2} print {} cells for rows of {width} ({}); a cell is wrapped or empty, so they are not stored",
                        group.len(),
                        heads.iter().skip(2).map(|t| t.text.as_str()).collect::<Vec<_>>().join(" | ")
                    ),
                ));
                bad = true;
                group.clear();
                return;
            }
            for row in group.chunks(width) {
                let cell = |c: Option<usize>| c.map(|c| row[c].text.clone());
                out.push(IndicatorRec {
                    line: row[0].line,
                    unit_code: None,
                    project_code: project_code.clone(),
                    level1: l1.clone(),
                    level2: l2.clone(),
                    level3: cell(name_col),
                    description: cell(desc_col),
                    target: parse_target(&row[value_col].text),
                    basis: cell(basis_col),
                });
            }
            group.clear();
        };
        for (k, t) in after.iter().enumerate() {
            let s = t.text.as_str();
            let next_is_level2 = after
                .get(k + 1)
                .is_some_and(|n| LEVEL2.iter().any(|(x, _)| *x == n.text));
            let as_level2 = LEVEL2.iter().find(|(x, _)| *x == s);
            let is_level1 = LEVEL1.contains(&s)
                && (s != "成本指标" || next_is_level2 || level1.as_deref() != Some("产出指标"));
            if is_level1 {
                close(&mut group, &level1, &level2, &mut indicators, &mut warnings);
                level1 = Some(s.to_string());
                level2 = None;
            } else if let Some((n, parent)) = as_level2
                .copied()
                .or_else(|| (s == "成本指标").then_some(("成本指标", "产出指标")))
            {
                close(&mut group, &level1, &level2, &mut indicators, &mut warnings);
                // a level-2 name implies its group when the level-1 cell printed elsewhere
                if level1.as_deref() != Some(parent) {
                    level1 = Some(parent.to_string());
                }
                level2 = Some(n.to_string());
            } else {
                group.push(t);
            }
        }
        close(&mut group, &level1, &level2, &mut indicators, &mut warnings);
        if bad {
            indicators.clear();
        }
    }
    Ok(Form {
        project: ProjectRec {
            line: title_line,
            unit_code: None,
            unit_name,
            seq,
            project_code,
            project_name,
            budget,
            fiscal,
            other,
            purpose,
            stated_budget: None,
            stated_fiscal: None,
            stated_other: None,
            stated_line: None,
        },
        goals,
        indicators,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        s.lines()
            .enumerate()
            .flat_map(|(i, l)| {
                l.split_whitespace().map(move |w| Tok {
                    line: i + 1,
                    text: w.to_string(),
                })
            })
            .collect()
    }

    #[test]
    fn wrapped_names_are_joined() {
        let t = join_names(&toks(
            "社会效益\n指标\n可持续影\n响指标\n满意度指\n标\n服务对象\n满意度指\n标",
        ));
        let v: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            v,
            [
                "社会效益指标",
                "可持续影响指标",
                "满意度指标",
                "服务对象满意度指标"
            ]
        );
    }

    #[test]
    fn titles() {
        assert!(is_form_title("财政项目支出绩效目标申报表"));
        assert!(is_form_title("2026年项目支出绩效目标表"));
        assert!(!is_form_title("详见单位的项目绩效目标表"));
        assert!(!is_form_title("部门整体支出绩效目标申报表"));
    }

    #[test]
    fn a_form_in_wan_yuan_with_one_column() {
        let f = read(
            1,
            &toks("项目名称 培训经费 主管部门 某局 实施单位 某中心\n项目资金（万元） 项目资金总额 12.50 其中：财政资金 10.00 其他资金 2.50\n年度总体目标 1.培训100人次。2.考核合格。\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 培训人次 ≥100人次\n质量指标 合格率 ≥95%\n效益指标 社会效益指标 能力提升 提升\n满意度指标 服务对象满意度指标 学员满意度 ≥90%"),
            1,
            2026,
        )
        .unwrap();
        assert_eq!(f.project.project_name, "培训经费");
        assert_eq!(f.project.budget, Decimal::new(1250, 2));
        assert_eq!(f.project.fiscal, Some(Decimal::new(1000, 2)));
        assert_eq!(f.project.other, Some(Decimal::new(250, 2)));
        assert_eq!(f.project.unit_name, "某中心");
        let l: Vec<(&str, &str, &str, &str)> = f
            .indicators
            .iter()
            .map(|i| {
                (
                    i.level1.as_str(),
                    i.level2.as_str(),
                    i.level3.as_deref().unwrap(),
                    i.target.raw.as_str(),
                )
            })
            .collect();
        assert_eq!(
            l,
            [
                ("产出指标", "数量指标", "培训人次", "≥100人次"),
                ("产出指标", "质量指标", "合格率", "≥95%"),
                ("效益指标", "社会效益指标", "能力提升", "提升"),
                ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%"),
            ]
        );
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    #[test]
    fn a_wrapped_indicator_is_a_warning_not_a_guess() {
        let f = read(
            1,
            &toks("项目名称 X 项目资金（元） 项目资金总额 100\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 道路安全隐患减 少情况 减少"),
            1,
            2026,
        )
        .unwrap();
        assert!(f.indicators.is_empty());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert!(
            f.warnings[0].1.contains("3 cells for rows of 2"),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn a_header_cut_short_is_a_warning() {
        let f = read(
            1,
            &toks("项目名称 X 项目资金（元） 项目资金总额 100\n一级指标\n产出指标 数量指标 a b c"),
            1,
            2026,
        )
        .unwrap();
        assert!(f.indicators.is_empty());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    }

    #[test]
    fn no_unit_is_an_error() {
        let e = read(1, &toks("项目名称 X 项目资金总额 100"), 1, 2026).unwrap_err();
        assert!(e.1.contains("no money unit"), "{e:?}");
    }
}
