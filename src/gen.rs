//! `budgetql gen`: a calibrated generator of many years of department budgets,
//! written straight into a warehouse with the whole table contract.
//!
//! Calibrated on the real documents (datasets/raw/): a department has 1–4 budget
//! units (one 行政 unit, the others 事业 with 全额/差额/自收自支 funding), about 35
//! projects a year (lognormal, like the 49 of the 2021 district document), project
//! budgets lognormal with median 4 万元 and a long tail (0.50 … 162 万元 there), scaled
//! by a heavy-tailed department size so a few departments hold most of the money;
//! 6–8 indicators per project in the 产出/效益/满意度 tree with the target shapes of
//! the real tables (≥90%, =100%, ≤100%, ≥1次 …); a 3/6/10/12-month disbursement plan
//! ending at 100%; 三公, procurement, assets, functional and economic classification
//! and income by source. Every total is computed from its parts, so AUDIT of
//! generated data is clean.
//!
//! Deterministic for a given seed: every department-year draws from its own stream
//! (seed, department, year), so the output does not depend on chunking. Columns are
//! built directly (no per-row values), one Parquet file per table, year and chunk of
//! departments, so memory stays bounded at any size.

use crate::error::{Error, StoreError};
use crate::model::{self, days_from_civil, Kind, TableDef, MONEY, NUMBER, TABLES};
use crate::store::{self, Manifest, ManifestDoc, FORMAT, MANIFEST};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The preset sizes (`--size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// A few thousand projects: what the tests use.
    Small,
    /// About a million projects and ten million indicators over ten years.
    Medium,
    /// More than a hundred million indicators over ten years.
    Large,
}

impl Size {
    pub fn parse(s: &str) -> Option<Size> {
        match s {
            "small" => Some(Size::Small),
            "medium" => Some(Size::Medium),
            "large" => Some(Size::Large),
            _ => None,
        }
    }
    /// Departments per year for ten years.
    pub fn departments(self) -> usize {
        match self {
            Size::Small => 12,
            Size::Medium => 4_000,
            Size::Large => 44_000,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub first_year: i32,
    pub last_year: i32,
    pub departments: usize,
    pub seed: u64,
}

/// Departments per output file (bounds memory: ~70k projects, ~500k indicators).
const CHUNK: usize = 2_000;

/// splitmix64: small, fast, and good enough for synthetic data.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, a: u64, b: u64) -> Rng {
        let mut r = Rng(seed
            ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.f().max(1e-300);
        let v = self.f();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

/// A money amount in cents (0.01 万元) → the Decimal(38,6) mantissa.
fn cents(c: i64) -> i128 {
    c as i128 * 10_000
}

/// Round a positive amount of 万元 to cents, at least `min` cents.
fn to_cents(wan: f64, min: i64) -> i64 {
    ((wan * 100.0).round() as i64).max(min)
}

/// One cell while filling a table.
enum V<'a> {
    S(&'a str),
    N,
    I(i32),
    /// money in cents
    M(i64),
    /// an exact number (Decimal(38,3)) given as thousandths
    Q(i64),
    F(f64),
}

enum ColBuf {
    Text(StringChunkedBuilder),
    Int(Vec<Option<i32>>),
    Dec(Vec<Option<i128>>, (usize, usize)),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
}

/// A contract table being filled column by column (no per-row allocation).
struct TableBuf {
    def: &'static TableDef,
    cols: Vec<ColBuf>,
    rows: usize,
    /// the first value given to a column of another kind (or a row of the wrong width):
    /// `finish` fails with it rather than store a NULL in its place
    misfit: Option<String>,
}

impl TableBuf {
    fn new(name: &str, cap: usize) -> TableBuf {
        let def = model::table(name).expect("a contract table");
        let cols = def
            .columns
            .iter()
            .map(|(n, k)| match k {
                Kind::Text => ColBuf::Text(StringChunkedBuilder::new((*n).into(), cap)),
                Kind::Int => ColBuf::Int(Vec::with_capacity(cap)),
                Kind::Money => ColBuf::Dec(Vec::with_capacity(cap), MONEY),
                Kind::Number => ColBuf::Dec(Vec::with_capacity(cap), NUMBER),
                Kind::Float => ColBuf::Float(Vec::with_capacity(cap)),
                Kind::Date => ColBuf::Date(Vec::with_capacity(cap)),
            })
            .collect();
        TableBuf {
            def,
            cols,
            rows: 0,
            misfit: None,
        }
    }

    /// Append a row: year and dept_code first, source and line last, as the contract has
    /// them; generated rows have no page, so `page` (before `line`) is null.
    fn row(&mut self, vals: &[V]) {
        let n = self.cols.len();
        if vals.len() + 1 != n || n < 2 {
            self.misfit.get_or_insert(format!(
                "a row of {} values for {} columns (page is added)",
                vals.len(),
                n
            ));
            return;
        }
        let with_page = vals[..n - 2]
            .iter()
            .chain(std::iter::once(&V::N))
            .chain(&vals[n - 2..]);
        for ((c, v), (name, _)) in self.cols.iter_mut().zip(with_page).zip(self.def.columns) {
            match (c, v) {
                (ColBuf::Text(b), V::S(s)) => b.append_value(s),
                (ColBuf::Text(b), V::N) => b.append_null(),
                (ColBuf::Int(b), V::I(i)) => b.push(Some(*i)),
                (ColBuf::Int(b), V::N) => b.push(None),
                (ColBuf::Dec(b, (_, 6)), V::M(m)) => b.push(Some(cents(*m))),
                (ColBuf::Dec(b, (_, 3)), V::Q(q)) => b.push(Some(*q as i128)),
                (ColBuf::Dec(b, _), V::N) => b.push(None),
                (ColBuf::Float(b), V::F(f)) => b.push(Some(*f)),
                (ColBuf::Float(b), V::N) => b.push(None),
                (ColBuf::Date(b), V::I(d)) => b.push(Some(*d)),
                (ColBuf::Date(b), V::N) => b.push(None),
                (c, _) => {
                    // kept the same length as the others; the table fails at `finish`
                    match c {
                        ColBuf::Text(b) => b.append_null(),
                        ColBuf::Int(b) | ColBuf::Date(b) => b.push(None),
                        ColBuf::Dec(b, _) => b.push(None),
                        ColBuf::Float(b) => b.push(None),
                    }
                    self.misfit
                        .get_or_insert(format!("column {name} was given a value of another kind"));
                }
            }
        }
        self.rows += 1;
    }

    fn finish(self) -> PolarsResult<DataFrame> {
        if let Some(m) = &self.misfit {
            polars_bail!(SchemaMismatch: "generated table {}: {m} (a budgetql bug)", self.def.name);
        }
        let mut cols = Vec::with_capacity(self.cols.len());
        for ((name, _), c) in self.def.columns.iter().zip(self.cols) {
            let name: PlSmallStr = (*name).into();
            let s = match c {
                ColBuf::Text(b) => b.finish().into_series(),
                ColBuf::Int(v) => {
                    Int32Chunked::from_iter_options(name, v.into_iter()).into_series()
                }
                ColBuf::Dec(v, (p, s)) => Int128Chunked::from_iter_options(name, v.into_iter())
                    .into_decimal(p, s)?
                    .into_series(),
                ColBuf::Float(v) => {
                    Float64Chunked::from_iter_options(name, v.into_iter()).into_series()
                }
                ColBuf::Date(v) => Int32Chunked::from_iter_options(name, v.into_iter())
                    .into_date()
                    .into_series(),
            };
            cols.push(s.into_column());
        }
        DataFrame::new(self.rows, cols)
    }
}

const REGIONS: &[&str] = &[
    "秦皇岛经济技术开发区",
    "江苏省",
    "上海市普陀区",
    "河北省",
    "浙江省杭州市",
    "广东省深圳市",
    "四川省成都市",
    "湖北省武汉市",
];
const DEPT_KINDS: &[&str] = &[
    "政法委员会",
    "司法局",
    "法院",
    "人民检察院",
    "规划和自然资源局",
    "教育局",
    "卫生健康委员会",
    "财政局",
    "民政局",
    "交通运输局",
    "生态环境局",
    "文化和旅游局",
    "应急管理局",
    "住房和城乡建设局",
    "农业农村局",
];
const PURPOSES: &[&str] = &[
    "保障机构正常运转，完成年度重点工作任务",
    "开展专项业务工作，提升服务能力",
    "维护社会稳定，保障公共安全",
    "改善办公条件，推进信息化建设",
    "落实民生政策，提高群众满意度",
];
const PROJECT_KINDS: &[&str] = &[
    "专项经费",
    "业务经费",
    "工作经费",
    "运行维护费",
    "信息化建设",
    "培训费",
    "购买服务",
    "设备购置",
    "宣传经费",
    "补助资金",
];
const PROJECT_TOPICS: &[&str] = &[
    "维护稳定",
    "综治",
    "法律服务",
    "社区矫正",
    "护路",
    "普法宣传",
    "人民调解",
    "规划编制",
    "不动产登记",
    "执法办案",
    "安全生产",
    "公共法律服务",
    "司法鉴定",
    "法律援助",
    "档案管理",
    "网络运维",
];
const GOALS: &[&str] = &[
    "按时完成年度工作任务，确保资金使用规范",
    "提升服务质量和群众满意度",
    "保障重点项目顺利实施",
    "加强监督管理，提高资金使用效益",
];
/// (level2, level3 choices, target shapes: (op, value, unit, raw))
type Shape = (&'static str, f64, &'static str, &'static str);
const OUTPUT_QTY: &[Shape] = &[
    (">=", 1.0, "次", "≥1次"),
    (">=", 2.0, "次", "≥2次"),
    (">=", 1.0, "项", "≥1项"),
    (">=", 2.0, "项", "≥2项"),
    (">=", 1.0, "人", "≥1人"),
    (">=", 4.0, "次", "≥4次"),
];
const OUTPUT_QUALITY: &[Shape] = &[
    ("=", 100.0, "%", "100%"),
    (">=", 95.0, "%", "≥95%"),
    (">=", 90.0, "%", "≥90%"),
];
const OUTPUT_TIME: &[Shape] = &[("=", 100.0, "%", "100%"), ("<=", 100.0, "%", "≤100%")];
const OUTPUT_COST: &[Shape] = &[("<=", 100.0, "%", "≤100%")];
const EFFECT: &[Shape] = &[
    (">=", 90.0, "%", "≥90%"),
    (">=", 95.0, "%", "≥95%"),
    ("=", 100.0, "%", "100%"),
];
const SATISFACTION: &[Shape] = &[
    (">=", 90.0, "%", "≥90%"),
    (">=", 95.0, "%", "≥95%"),
    (">=", 98.0, "%", "≥98%"),
    ("=", 95.0, "%", "95%"),
];
const QUALITATIVE: &[&str] = &["合理", "提高", "有效提升", "明显改善"];

/// A department's lasting traits (the same every year).
struct Dept {
    code: String,
    name: String,
    region: &'static str,
    /// heavy-tailed size factor
    scale: f64,
    growth: f64,
    units: Vec<Unit>,
}

struct Unit {
    code: String,
    name: String,
    kind: &'static str,
    funding: &'static str,
    rank: &'static str,
}

fn department(seed: u64, d: usize) -> Dept {
    let mut r = Rng::new(seed, d as u64, 0);
    let region = *r.pick(REGIONS);
    let kind = *r.pick(DEPT_KINDS);
    let code = format!("{:06}", 100_000 + d);
    let name = format!(
        "{region}{kind}{}",
        if d >= DEPT_KINDS.len() {
            format!("（{d}）")
        } else {
            String::new()
        }
    );
    let n_units = 1 + r.below(4).min(r.below(4));
    let mut units = vec![Unit {
        code: format!("{code}001"),
        name: format!("{name}（本级）"),
        kind: "行政",
        funding: "全额",
        rank: "正处级",
    }];
    for u in 1..n_units {
        let funding = *r.pick(&["全额", "差额", "自收自支"]);
        units.push(Unit {
            code: format!("{code}{:03}", u + 1),
            name: format!("{name}所属事业单位{u}"),
            kind: "事业",
            funding,
            rank: *r.pick(&["正科级", "副处级", "股级"]),
        });
    }
    Dept {
        code,
        name,
        region,
        scale: r.lognormal(1.0, 1.0),
        growth: 1.0 + r.normal() * 0.04 + 0.03,
        units,
    }
}

/// The buffers of every table for one chunk of departments in one year.
struct Bufs {
    t: BTreeMap<&'static str, TableBuf>,
}

impl Bufs {
    fn new(depts: usize) -> Bufs {
        let cap = |name: &str| match name {
            "projects" => depts * 40,
            "indicators" => depts * 40 * 7,
            "disbursement" => depts * 40 * 4,
            "project_goals" => depts * 40 * 2,
            _ => depts * 8,
        };
        Bufs {
            t: TABLES
                .iter()
                .map(|d| (d.name, TableBuf::new(d.name, cap(d.name))))
                .collect(),
        }
    }
    fn row(&mut self, table: &str, vals: &[V]) {
        if let Some(b) = self.t.get_mut(table) {
            b.row(vals);
        }
    }
}

/// Generate one department-year into the buffers. Returns (projects, indicators).
fn dept_year(
    b: &mut Bufs,
    seed: u64,
    d: &Dept,
    dix: usize,
    year: i32,
    first_year: i32,
) -> (usize, usize) {
    let mut r = Rng::new(seed, dix as u64, year as u64);
    // one synthetic document per department and year, as a real warehouse has
    let src = format!("gen-{}-{year}", d.code);
    let src = src.as_str();
    let dc = d.code.as_str();
    let ph = "budget";
    let mut line = 1i32;
    let mut next_line = || {
        line += 1;
        line
    };
    let size = d.scale * d.growth.powi(year - first_year);

    b.row(
        "departments",
        &[
            V::I(year),
            V::S(dc),
            V::S(&d.name),
            V::S(d.region),
            V::S(ph),
            V::S("department"),
            V::S("generated"),
            V::S(src),
            V::S("generated"),
            V::S(src),
            V::I(next_line()),
        ],
    );
    for u in &d.units {
        b.row(
            "units",
            &[
                V::I(year),
                V::S(dc),
                V::S(&u.code),
                V::S(&u.name),
                V::S(u.kind),
                V::S(u.rank),
                V::S(u.funding),
                V::S(src),
                V::I(next_line()),
            ],
        );
    }

    // projects and their tables
    let n_projects = (r.lognormal(30.0, 0.55).round() as usize).clamp(1, 400);
    let (mut fiscal_sum, mut other_sum, mut project_sum) = (0i64, 0i64, 0i64);
    let mut n_ind = 0;
    let mut code = String::with_capacity(24);
    let mut pname = String::with_capacity(40);
    for seq in 1..=n_projects {
        let u = &d.units[r.below(d.units.len())];
        let budget = to_cents(r.lognormal(4.0 * size, 1.4), 50);
        let (fiscal, other) = match (u.kind, u.funding) {
            ("行政", _) | (_, "全额") => (budget, 0),
            (_, "差额") => {
                let f = (budget as f64 * (0.3 + 0.5 * r.f())).round() as i64;
                (f, budget - f)
            }
            _ => (0, budget),
        };
        fiscal_sum += fiscal;
        other_sum += other;
        project_sum += budget;
        code.clear();
        use std::fmt::Write;
        let _ = write!(code, "{year}{}{seq:04}", u.code);
        pname.clear();
        let _ = write!(pname, "{}{}", r.pick(PROJECT_TOPICS), r.pick(PROJECT_KINDS));
        let pline = next_line();
        b.row(
            "projects",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(&u.code),
                V::S(&u.name),
                V::I(seq as i32),
                V::S(&code),
                V::S(&pname),
                V::M(budget),
                V::M(fiscal),
                V::M(other),
                V::S(*r.pick(PURPOSES)),
                V::M(budget),
                V::M(fiscal),
                V::M(other),
                V::I(pline + 20),
                V::S(src),
                V::I(pline),
            ],
        );
        for g in 1..=2 {
            b.row(
                "project_goals",
                &[
                    V::I(year),
                    V::S(dc),
                    V::S(&code),
                    V::I(g),
                    V::S(*r.pick(GOALS)),
                    V::S(src),
                    V::I(pline + 1),
                ],
            );
        }
        // disbursement: non-decreasing, ending at 100%
        let p3 = *r.pick(&[0i64, 10, 20, 25, 30]);
        let p6 = p3.max(*r.pick(&[40i64, 50, 60]));
        let p10 = p6.max(*r.pick(&[60i64, 70, 75, 80, 90]));
        for (m, p) in [(3, p3), (6, p6), (10, p10), (12, 100)] {
            b.row(
                "disbursement",
                &[
                    V::I(year),
                    V::S(dc),
                    V::S(&code),
                    V::I(m),
                    V::Q(p * 1000),
                    V::S(src),
                    V::I(pline + 2),
                ],
            );
        }
        // the indicator tree: 4 产出, 1–3 效益, 1 满意度
        let ind = |b: &mut Bufs,
                   r: &mut Rng,
                   l1: &str,
                   l2: &str,
                   l3: &str,
                   shapes: &[Shape],
                   n: &mut usize| {
            let qualitative = l1 == "效益指标" && r.chance(0.1);
            let (op, v, unit, raw) = *r.pick(shapes);
            let (raw, op, v, unit) = if qualitative {
                (*r.pick(QUALITATIVE), V::N, V::N, V::N)
            } else {
                (raw, V::S(op), V::F(v), V::S(unit))
            };
            b.row(
                "indicators",
                &[
                    V::I(year),
                    V::S(dc),
                    V::S(&u.code),
                    V::S(&code),
                    V::S(l1),
                    V::S(l2),
                    V::S(l3),
                    V::S(l3),
                    V::S(raw),
                    op,
                    v,
                    unit,
                    V::S("部门工作计划"),
                    V::S(src),
                    V::I(pline + 3 + *n as i32),
                ],
            );
            *n += 1;
        };
        let mut k = 0;
        ind(
            b,
            &mut r,
            "产出指标",
            "数量指标",
            "完成工作数量",
            OUTPUT_QTY,
            &mut k,
        );
        ind(
            b,
            &mut r,
            "产出指标",
            "质量指标",
            "工作完成质量",
            OUTPUT_QUALITY,
            &mut k,
        );
        ind(
            b,
            &mut r,
            "产出指标",
            "时效指标",
            "按时完成率",
            OUTPUT_TIME,
            &mut k,
        );
        ind(
            b,
            &mut r,
            "产出指标",
            "成本指标",
            "成本控制率",
            OUTPUT_COST,
            &mut k,
        );
        ind(
            b,
            &mut r,
            "效益指标",
            "社会效益指标",
            "社会效益",
            EFFECT,
            &mut k,
        );
        if r.chance(0.4) {
            ind(
                b,
                &mut r,
                "效益指标",
                "可持续影响指标",
                "长效机制",
                EFFECT,
                &mut k,
            );
        }
        if r.chance(0.25) {
            ind(
                b,
                &mut r,
                "效益指标",
                "经济效益指标",
                "经济效益",
                EFFECT,
                &mut k,
            );
        }
        ind(
            b,
            &mut r,
            "满意度指标",
            "服务对象满意度指标",
            "服务对象满意度",
            SATISFACTION,
            &mut k,
        );
        n_ind += k;
    }

    // the summary: spending = basic + project; income = fiscal + other (basic is fiscal)
    let basic = to_cents(project_sum as f64 / 100.0 * r.lognormal(1.6, 0.35), 100);
    let personnel = basic * 4 / 5;
    let public = basic - personnel;
    let total = basic + project_sum;
    let bl = |b: &mut Bufs,
              dir: &str,
              item: &str,
              parent: Option<&str>,
              kind: &str,
              amount: i64,
              line: i32| {
        b.row(
            "budget_lines",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(dir),
                V::S(item),
                parent.map_or(V::N, V::S),
                V::S(kind),
                V::M(amount),
                V::N,
                V::N,
                V::N,
                V::S(src),
                V::I(line),
            ],
        );
    };
    let l = next_line();
    bl(b, "income", "收入合计", None, "total", total, l);
    bl(
        b,
        "income",
        "财政拨款收入",
        Some("收入合计"),
        "part",
        basic + fiscal_sum,
        l,
    );
    bl(
        b,
        "income",
        "其他收入",
        Some("收入合计"),
        "part",
        other_sum,
        l,
    );
    let l = next_line();
    bl(b, "expense", "支出合计", None, "total", total, l);
    bl(b, "expense", "基本支出", Some("支出合计"), "part", basic, l);
    bl(
        b,
        "expense",
        "人员经费",
        Some("基本支出"),
        "part",
        personnel,
        l,
    );
    bl(
        b,
        "expense",
        "日常公用经费",
        Some("基本支出"),
        "part",
        public,
        l,
    );
    bl(
        b,
        "expense",
        "项目支出",
        Some("支出合计"),
        "part",
        project_sum,
        l,
    );
    bl(b, "expense", "机关运行经费", None, "memo", public, l);
    // the sentence a disclosure prints about it (支出预算情况说明): 基本支出 …万元，占 …%
    let share_hundredths = (basic as i128 * 10_000 + total as i128 / 2) / total.max(1) as i128;
    b.row(
        "statements",
        &[
            V::I(year),
            V::S(dc),
            V::S(ph),
            V::S("figure"),
            V::S("基本支出"),
            V::N,
            V::M(basic),
            V::N,
            V::N,
            V::N,
            V::N,
            V::N,
            V::N,
            V::Q(share_hundredths as i64 * 10),
            V::S(""),
            V::M(total),
            V::N,
            V::S("基本支出…万元，占…%"),
            V::S(src),
            V::I(l),
        ],
    );
    let l = next_line();
    for (item, parent, kind, amount) in [
        ("收入合计", None, "total", total),
        ("财政拨款收入", Some("收入合计"), "part", basic + fiscal_sum),
        ("其他收入", Some("收入合计"), "part", other_sum),
    ] {
        b.row(
            "income_by_source",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(&d.name),
                V::S(item),
                parent.map_or(V::N, V::S),
                V::S(kind),
                V::M(amount),
                V::S(src),
                V::I(l),
            ],
        );
    }

    // 三公: a small part of public spending
    let car_run = to_cents(public as f64 / 100.0 * 0.05 * r.f(), 0);
    let car_buy = if r.chance(0.1) {
        to_cents(20.0 + 10.0 * r.f(), 0)
    } else {
        0
    };
    let abroad = if r.chance(0.2) {
        to_cents(5.0 * r.f(), 0)
    } else {
        0
    };
    let recv = to_cents(public as f64 / 100.0 * 0.01 * r.f(), 0);
    let l = next_line();
    for (cat, parent, amount) in [
        ("合计", None, abroad + car_buy + car_run + recv),
        ("因公出国（境）费", Some("合计"), abroad),
        ("公务用车购置及运行费", Some("合计"), car_buy + car_run),
        ("公务用车购置费", Some("公务用车购置及运行费"), car_buy),
        ("公务用车运行维护费", Some("公务用车购置及运行费"), car_run),
        ("公务接待费", Some("合计"), recv),
    ] {
        b.row(
            "three_public",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(cat),
                V::S(cat),
                parent.map_or(V::N, V::S),
                V::M(amount),
                V::N,
                V::N,
                V::N,
                V::S(src),
                V::I(l),
            ],
        );
    }

    // procurement: total, one subtotal per department, 1–4 items (quantity × unit price)
    let n_items = 1 + r.below(4);
    let items: Vec<(i64, i64)> = (0..n_items)
        .map(|_| (1 + r.below(3) as i64, to_cents(r.lognormal(10.0, 1.0), 100)))
        .collect();
    let ptotal: i64 = items.iter().map(|(q, p)| q * p).sum();
    let l = next_line();
    let own = &d.units[0];
    for kind in ["total", "subtotal"] {
        b.row(
            "procurement",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(kind),
                if kind == "total" {
                    V::N
                } else {
                    V::S(&own.code)
                },
                if kind == "total" {
                    V::N
                } else {
                    V::S(&own.name)
                },
                V::N,
                V::N,
                V::N,
                V::N,
                V::N,
                V::N,
                V::N,
                V::M(ptotal),
                V::M(ptotal),
                V::N,
                V::N,
                V::N,
                V::N,
                V::S(src),
                V::I(l),
            ],
        );
    }
    for (q, p) in &items {
        b.row(
            "procurement",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S("item"),
                V::S(&own.code),
                V::S(&own.name),
                V::S("设备购置"),
                V::M(q * p),
                V::S(*r.pick(&[
                    "台式计算机",
                    "打印机",
                    "其他保险服务",
                    "平台运营服务",
                    "通信网络维护和管理系统",
                ])),
                V::S("A02010104"),
                V::S(*r.pick(&["台", "套", "服务"])),
                V::Q(q * 1000),
                V::M(*p),
                V::M(q * p),
                V::M(q * p),
                V::N,
                V::N,
                V::N,
                V::N,
                V::S(src),
                V::I(l + 1),
            ],
        );
    }

    // assets at the end of the prior year: a total and three categories
    let as_of = days_from_civil(year - 1, 12, 31);
    let cats: Vec<(&str, i64, i64)> = vec![
        (
            "房屋",
            1 + r.below(3) as i64,
            to_cents(r.lognormal(200.0 * size, 0.8), 100),
        ),
        (
            "车辆",
            r.below(6) as i64,
            to_cents(r.lognormal(30.0, 0.5), 100),
        ),
        (
            "办公设备",
            10 + r.below(90) as i64,
            to_cents(r.lognormal(20.0, 0.6), 100),
        ),
    ];
    let l = next_line();
    let (qn, val) = cats.iter().fold((0, 0), |(a, b), (_, q, v)| (a + q, b + v));
    b.row(
        "assets",
        &[
            V::I(year),
            V::S(dc),
            V::S(ph),
            V::S("资产总额"),
            V::N,
            V::Q(qn * 1000),
            V::M(val),
            V::I(as_of),
            V::S(src),
            V::I(l),
        ],
    );
    for (item, q, v) in &cats {
        b.row(
            "assets",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(item),
                V::S("资产总额"),
                V::Q(q * 1000),
                V::M(*v),
                V::I(as_of),
                V::S(src),
                V::I(l + 1),
            ],
        );
    }
    for (code, level, parent, name) in [
        ("204", "类", None, "公共安全支出"),
        ("20406", "款", Some("204"), "司法"),
        ("2040601", "项", Some("20406"), "行政运行"),
    ] {
        b.row(
            "func_classes",
            &[
                V::I(year),
                V::S(dc),
                V::S(code),
                V::S(level),
                parent.map_or(V::N, V::S),
                V::S(name),
                V::S("反映行政单位的基本支出"),
                V::S(src),
                V::I(next_line()),
            ],
        );
    }

    // functional classification: basic in 行政运行, projects in 其他 items, pensions and housing from basic
    let pension = basic / 10;
    let housing = basic / 12;
    let admin = basic - pension - housing;
    let proj_a = project_sum / 2;
    let proj_b = project_sum - proj_a;
    let l = next_line();
    let leaves: [(&str, &str, &str, &str, &str, &str, i64, i64); 5] = [
        (
            "2040601",
            "204",
            "公共安全支出",
            "20406",
            "司法",
            "行政运行",
            admin,
            0,
        ),
        (
            "2040604",
            "204",
            "公共安全支出",
            "20406",
            "司法",
            "基层司法业务",
            0,
            proj_a,
        ),
        (
            "2040699",
            "204",
            "公共安全支出",
            "20406",
            "司法",
            "其他司法支出",
            0,
            proj_b,
        ),
        (
            "2080505",
            "208",
            "社会保障和就业支出",
            "20805",
            "行政事业单位养老支出",
            "机关事业单位基本养老保险缴费支出",
            pension,
            0,
        ),
        (
            "2210201",
            "221",
            "住房保障支出",
            "22102",
            "住房改革支出",
            "住房公积金",
            housing,
            0,
        ),
    ];
    for (i, (fc, cc, cn, sc, sn, name, ba, pr)) in leaves.iter().enumerate() {
        b.row(
            "spending_by_function",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(&d.name),
                V::S(fc),
                V::S("项"),
                V::S(cc),
                V::S(cn),
                V::S(sc),
                V::S(sn),
                V::S(name),
                V::M(*ba),
                V::M(*pr),
                V::M(ba + pr),
                V::S("all funds"),
                V::S(src),
                V::I(l + i as i32),
            ],
        );
    }
    let sub =
        |b: &mut Bufs, table: &str, code: Option<&str>, name: &str, col: &str, amount: i64| {
            b.row(
                "stated_subtotals",
                &[
                    V::I(year),
                    V::S(dc),
                    V::S(ph),
                    V::S(table),
                    code.map_or(V::N, V::S),
                    V::S(name),
                    V::S(col),
                    V::M(amount),
                    V::S(src),
                    V::I(l),
                ],
            );
        };
    for (code, name, ba, pr) in [
        (Some("204"), "公共安全支出", admin, project_sum),
        (Some("20406"), "司法", admin, project_sum),
        (Some("208"), "社会保障和就业支出", pension, 0),
        (Some("20805"), "行政事业单位养老支出", pension, 0),
        (Some("221"), "住房保障支出", housing, 0),
        (Some("22102"), "住房改革支出", housing, 0),
        (None, "合计", basic, project_sum),
    ] {
        sub(b, "spending_by_function", code, name, "basic", ba);
        sub(b, "spending_by_function", code, name, "project", pr);
        sub(b, "spending_by_function", code, name, "total", ba + pr);
    }
    // economic classification of basic spending: personnel in 301, public in 302
    let wages = personnel * 3 / 5;
    let l = next_line();
    for (i, (ec, cc, cn, name, pe, pu)) in [
        ("30101", "301", "工资福利支出", "基本工资", wages, 0),
        (
            "30102",
            "301",
            "工资福利支出",
            "津贴补贴",
            personnel - wages,
            0,
        ),
        ("30201", "302", "商品和服务支出", "办公费", 0, public),
    ]
    .iter()
    .enumerate()
    {
        b.row(
            "spending_by_economic",
            &[
                V::I(year),
                V::S(dc),
                V::S(ph),
                V::S(&d.name),
                V::S(ec),
                V::S(cc),
                V::S(cn),
                V::S(name),
                V::M(*pe),
                V::M(*pu),
                V::M(pe + pu),
                V::S("general public budget, basic spending"),
                V::S(src),
                V::I(l + i as i32),
            ],
        );
    }
    sub(
        b,
        "spending_by_economic",
        Some("301"),
        "工资福利支出",
        "amount",
        personnel,
    );
    sub(
        b,
        "spending_by_economic",
        Some("302"),
        "商品和服务支出",
        "amount",
        public,
    );
    sub(b, "spending_by_economic", None, "合计", "amount", basic);
    (n_projects, n_ind)
}

/// Generate the warehouse. `progress(done, total)` is called after each chunk.
pub fn generate(
    dir: &Path,
    o: &Options,
    progress: &mut dyn FnMut(usize, usize, usize, usize),
) -> Result<Manifest, Error> {
    if o.first_year > o.last_year {
        return Err(Error::Usage(format!(
            "--years {}..={}: the first year is after the last",
            o.first_year, o.last_year
        )));
    }
    if o.departments == 0 {
        return Err(Error::Usage("--departments must be at least 1".into()));
    }
    if dir.join(MANIFEST).exists() {
        return Err(Error::Usage(format!(
            "{} already holds a warehouse; generate into a new folder (budgetql gen never mixes generated data into real documents)",
            dir.display()
        )));
    }
    fs::create_dir_all(dir).map_err(|e| StoreError::Io {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let depts: Vec<Dept> = (0..o.departments).map(|d| department(o.seed, d)).collect();
    let chunks = o.departments.div_ceil(CHUNK);
    let years = (o.last_year - o.first_year + 1) as usize;
    let total = years * chunks;
    let mut manifest = Manifest {
        format: FORMAT,
        documents: vec![],
    };
    let (mut all_projects, mut all_indicators) = (0usize, 0usize);
    let mut done = 0;
    for year in o.first_year..=o.last_year {
        for c in 0..chunks {
            let src = format!("gen-s{}-{year}-c{c:03}", o.seed);
            let range = c * CHUNK..((c + 1) * CHUNK).min(o.departments);
            let mut b = Bufs::new(range.len());
            for dix in range {
                let (p, i) = dept_year(&mut b, o.seed, &depts[dix], dix, year, o.first_year);
                all_projects += p;
                all_indicators += i;
            }
            let mut files = vec![];
            let mut rows = BTreeMap::new();
            let mut nulls = BTreeMap::new();
            for (table, buf) in b.t {
                let n = buf.rows;
                rows.insert(table.to_string(), n);
                if n == 0 {
                    continue;
                }
                let mut df =
                    buf.finish()
                        .and_then(|d| d.drop("year"))
                        .map_err(|e| StoreError::Io {
                            path: dir.join(table),
                            reason: e.to_string(),
                        })?;
                let rel = format!("{table}/year={year}/{src}@1.parquet");
                store::note_nulls(&mut nulls, table, &df);
                store::write_parquet(&dir.join(&rel), &mut df)?;
                files.push(rel);
            }
            manifest.documents.push(ManifestDoc {
                source: src.clone(),
                file: "budgetql gen".into(),
                sha256: String::new(),
                bytes: 0,
                year,
                dept_code: format!("{}..{}", c * CHUNK, ((c + 1) * CHUNK).min(o.departments)),
                rows,
                version: 1,
                files,
                nulls: Some(nulls),
            });
            done += 1;
            progress(done, total, all_projects, all_indicators);
        }
    }
    store::write_manifest(dir, &manifest)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_value_of_another_kind_fails_the_table() {
        let row = |unit_kind: V<'static>| {
            [
                V::I(2021),
                V::S("216"),
                V::S("216001"),
                V::S("某单位"),
                unit_kind,
                V::N,
                V::N,
                V::S("gen-216-2021"),
                V::I(3),
            ]
        };
        let mut b = TableBuf::new("units", 2);
        b.row(&row(V::N));
        assert_eq!(b.finish().expect("a NULL where none is known").height(), 1);
        let mut b = TableBuf::new("units", 2);
        b.row(&row(V::I(5)));
        let e = b.finish().unwrap_err().to_string();
        assert!(e.contains("column unit_kind"), "{e}");
        let mut b = TableBuf::new("units", 2);
        b.row(&row(V::N)[..8]);
        assert!(b.finish().is_err());
    }
}
