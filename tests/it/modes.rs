//! Each output mode on Chinese data, the money display units, the bar chart in the
//! terminal and as SVG, and the scripting flags.

use crate::common::*;

const Q: &str = "SELECT unit_name AS 单位, COUNT(*) AS 项目数, SUM(budget) AS 预算数 FROM projects GROUP BY 1 ORDER BY 3 DESC";

#[test]
fn table_mode_on_cjk_data() {
    assert_eq!(
        ok(&["-c", Q]),
        "┌───────────────────────────────────────────────┬────────┬────────┐\n\
         │ 单位                                          │ 项目数 │ 预算数 │\n\
         ├───────────────────────────────────────────────┼────────┼────────┤\n\
         │ 中共秦皇岛经济技术开发区工委政法委员会(本级） │     25 │ 515.82 │\n\
         │ 秦皇岛市第三公证处                            │     24 │  90.90 │\n\
         └───────────────────────────────────────────────┴────────┴────────┘\n\
         2 rows\n"
    );
}

#[test]
fn other_modes_on_cjk_data() {
    assert_eq!(ok(&["--format", "csv", "-c", Q]), "单位,项目数,预算数\n中共秦皇岛经济技术开发区工委政法委员会(本级）,25,515.82\n秦皇岛市第三公证处,24,90.90\n");
    assert_eq!(
        ok(&["--format", "json", "-c", Q]),
        "[\n{\"单位\":\"中共秦皇岛经济技术开发区工委政法委员会(本级）\",\"项目数\":25,\"预算数\":515.82},\n{\"单位\":\"秦皇岛市第三公证处\",\"项目数\":24,\"预算数\":90.90}\n]\n"
    );
    assert_eq!(
        ok(&["--format", "markdown", "-c", Q]),
        "| 单位 | 项目数 | 预算数 |\n|---|---:|---:|\n| 中共秦皇岛经济技术开发区工委政法委员会(本级） | 25 | 515.82 |\n| 秦皇岛市第三公证处 | 24 | 90.90 |\n"
    );
    assert_eq!(
        ok(&["--format", "line", "-c", Q]),
        "  单位 = 中共秦皇岛经济技术开发区工委政法委员会(本级）\n项目数 = 25\n预算数 = 515.82\n\n  单位 = 秦皇岛市第三公证处\n项目数 = 24\n预算数 = 90.90\n\n2 rows\n"
    );
}

#[test]
fn money_units_change_only_money() {
    // 1662.99万元 = 16,629,900.00元 = 0.166299亿元; percentages and counts stay as they are
    let q = "SELECT amount, 1 AS n FROM budget_lines WHERE item = '支出合计' AND source LIKE 'qinhuangdao%'";
    assert_eq!(
        ok(&["--format", "csv", "--money", "yuan", "-c", q]),
        "amount,n\n16629900.00,1\n"
    );
    assert_eq!(
        ok(&["--format", "csv", "--money", "yi", "-c", q]),
        "amount,n\n0.166299,1\n"
    );
    assert_eq!(
        ok(&[
            "--format",
            "csv",
            "--money",
            "yuan",
            "-c",
            "SELECT cumulative_pct FROM disbursement WHERE month = 3 LIMIT 1"
        ]),
        "cumulative_pct\n25.00\n"
    );
}

#[test]
fn long_results_show_head_and_tail() {
    let out = ok(&[
        "--max-rows",
        "4",
        "-c",
        "SELECT seq FROM projects ORDER BY seq",
    ]);
    assert!(
        out.contains("│   1 │\n│   2 │\n│ ·   │\n│  48 │\n│  49 │\n"),
        "{out}"
    );
    assert!(out.ends_with("49 rows (4 shown)\n"), "{out}");
}

#[test]
fn bar_chart_in_the_terminal() {
    let out = ok(&["-c", "CHART BAR SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 2 DESC"]);
    // 515.82 is the longest bar (40 blocks); 90.90/515.82 × 40 × 8 = 56.4 → 56 eighths = 7 blocks
    assert_eq!(
        out,
        format!(
            "216001 │{} 515.82\n216003 │{} 90.90\n",
            "█".repeat(40),
            "█".repeat(7)
        )
    );
    // fractions of a block use the eighth characters: 1/3 × 40 × 8 = 106.7 → 107 eighths = 13 blocks + ▍
    let out = ok(&[
        "-c",
        "CHART BAR SELECT 'a' AS k, 3 AS v UNION ALL SELECT 'b' AS k, 1 AS v",
    ]);
    assert_eq!(
        out,
        format!("a │{} 3\nb │{}▍ 1\n", "█".repeat(40), "█".repeat(13))
    );
}

#[test]
fn bar_chart_as_svg() {
    let dir = scratch("svg");
    let p = dir.join("units.svg");
    ok(&["-c", &format!("COPY (SELECT unit_name, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 2 DESC) TO '{}'", p.display())]);
    let text = std::fs::read_to_string(&p).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let bars: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
        .collect();
    assert_eq!(bars.len(), 2);
    let w: Vec<f64> = bars
        .iter()
        .map(|b| b.attribute("width").unwrap().parse().unwrap())
        .collect();
    // sized on a value axis from 0 to its last round tick (0, 200, 400, 600)
    let ticks: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some("tick"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(ticks, ["0", "200", "400", "600"]);
    assert!((w[0] - 480.0 * 515.82 / 600.0).abs() < 0.01, "{w:?}");
    assert!((w[1] - 480.0 * 90.90 / 600.0).abs() < 0.01, "{w:?}");
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        labels.contains(&"秦皇岛市第三公证处") && labels.contains(&"515.82"),
        "{labels:?}"
    );
    // the axis says what the bars measure, in which unit
    assert!(labels.contains(&"budget (万元)"), "{labels:?}");
}

#[test]
fn scripts_stop_at_the_first_error_unless_asked() {
    let dir = scratch("cont");
    let f = dir.join("s.sql");
    std::fs::write(
        &f,
        "SELECT 1 AS a;\nSELECT nope FROM projects;\nSELECT 3 AS c;\n",
    )
    .unwrap();
    let (code, out, err) = run(&["--format", "csv", "-f", f.to_str().unwrap()]);
    assert_clean_failure(code, &err);
    assert_eq!(out, "a\n1\n");
    let (code, out, err) = run(&[
        "--format",
        "csv",
        "--continue-on-error",
        "-f",
        f.to_str().unwrap(),
    ]);
    assert_clean_failure(code, &err);
    assert_eq!(out, "a\n1\nc\n3\n");
    assert!(err.contains("s.sql:2:8: unknown column `nope`"), "{err}");
    let out = ok(&[
        "--format",
        "csv",
        "--echo",
        "-c",
        "SELECT 1 AS a; SELECT 2 AS b",
    ]);
    assert_eq!(out, "SELECT 1 AS a;\na\n1\nSELECT 2 AS b;\nb\n2\n");
}

/// `CHART … TITLE 'text'`: the title above the chart, in the terminal and in the SVG
/// (a band above the chart, which keeps its own size); a bare word is refused.
#[test]
fn a_chart_has_a_title_when_given_one() {
    let q = "SELECT unit_code, SUM(budget) AS budget FROM projects GROUP BY 1 ORDER BY 2 DESC";
    let out = ok(&["-c", &format!("CHART BAR TITLE 'Budget by unit, 2021' {q}")]);
    assert!(out.starts_with("Budget by unit, 2021\n\n216001 │"), "{out}");
    let dir = scratch("svg-title");
    let plain = dir.join("plain.svg");
    let titled = dir.join("titled.svg");
    ok(&[
        "-c",
        &format!("COPY (CHART BAR STACKED {q}) TO '{}'", plain.display()),
    ]);
    ok(&[
        "-c",
        &format!(
            "COPY (CHART BAR STACKED TITLE 'It''s the 预算' {q}) TO '{}'",
            titled.display()
        ),
    ]);
    let plain = std::fs::read_to_string(&plain).unwrap();
    let text = std::fs::read_to_string(&titled).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    let title: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("class") == Some("title"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(title, ["It's the 预算"]);
    // the chart inside is the untitled one, moved down by the title's band
    let inner = root
        .children()
        .find(|n| n.has_tag_name("svg"))
        .expect("the chart");
    assert_eq!(inner.attribute("y"), Some("32"));
    let plain_doc = roxmltree::Document::parse(&plain).expect("well-formed XML");
    let h = |n: roxmltree::Node| n.attribute("height").unwrap().parse::<f64>().unwrap();
    assert_eq!(h(inner), h(plain_doc.root_element()));
    assert_eq!(h(root), h(inner) + 32.0);
    let (code, _, err) = crate::common::run(&["-c", &format!("CHART BAR TITLE Budget {q}")]);
    assert_ne!(code, 0);
    assert!(
        err.contains("put the chart's title in single quotes"),
        "{err}"
    );
}
