"""The benchmark questions, as budgetql SQL (every spelling in benches/questions/),
DuckDB SQL and hand-written Polars lazy plans, over the same warehouse (Parquet files
listed in manifest.json)."""

import glob
import os

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "questions")


def _read(path):
    text = open(path, encoding="utf-8").read()
    return " ".join(l for l in text.splitlines() if not l.startswith("--")).strip()


# budgetql: the dialect, run by the CLI against --data WAREHOUSE. `qN` is the question as
# first written (also run by `cargo bench --bench questions`); `qN_<how>` the same question
# spelled another way (ordinals, aliases, a CTE or derived table, plain SQL instead of an
# extension). Every spelling must give qN's answer.
BUDGETQL = {
    os.path.basename(p)[:-4]: _read(p)
    for p in sorted(glob.glob(os.path.join(_DIR, "q*.sql")))
}
QUESTIONS = [q for q in BUDGETQL if "_" not in q]


def question(name):
    """The question a spelling asks: q5_ordinals → q5."""
    return name.split("_", 1)[0]


# DuckDB: the same questions in standard SQL over views of the Parquet files; only
# SHARE and YOY (budgetql's extensions) need spelling out
DUCKDB = {q: BUDGETQL[q] for q in QUESTIONS}
DUCKDB.update({
    "q2": "SELECT year, dept_code, SUM(budget) AS budget, "
          "CAST(SUM(budget) AS DOUBLE) / SUM(CAST(SUM(budget) AS DOUBLE)) OVER (PARTITION BY year) AS share "
          "FROM projects GROUP BY year, dept_code ORDER BY year, dept_code",
    "q6": "WITH t AS (SELECT year, dept_code, SUM(budget) AS budget FROM projects GROUP BY year, dept_code) "
          "SELECT year, dept_code, budget, "
          "CAST(budget - LAG(budget) OVER (PARTITION BY dept_code ORDER BY year) AS DOUBLE) "
          "/ CAST(LAG(budget) OVER (PARTITION BY dept_code ORDER BY year) AS DOUBLE) AS growth "
          "FROM t ORDER BY dept_code, year",
})


def polars_plans(pl, scan):
    """Hand-written Polars lazy plans; `scan(table)` returns a LazyFrame."""
    p = lambda: scan("projects")
    i = lambda: scan("indicators")
    f64 = pl.Float64
    return {
        "q1": lambda: p().group_by("year").agg(pl.col("budget").sum().alias("total")).sort("year"),
        "q2": lambda: p().group_by("year", "dept_code").agg(pl.col("budget").sum())
            .with_columns((pl.col("budget").cast(f64) / pl.col("budget").cast(f64).sum().over("year")).alias("share"))
            .sort("year", "dept_code"),
        "q3": lambda: p().group_by("year", "unit_code").agg(pl.col("fiscal").sum(), pl.col("other").sum())
            .sort("year", "unit_code"),
        "q4": lambda: p().select("year", "project_code", "budget")
            .filter(pl.col("budget").rank("min", descending=True).over("year") <= 10)
            .sort(["year", "budget", "project_code"], descending=[False, True, False]),
        "q5": lambda: i().group_by("level1", "level2", "target_unit").agg(
                pl.len().alias("n"), pl.col("target_value").mean().alias("mean"),
                pl.col("target_value").median().alias("median"),
                pl.col("target_value").quantile(0.9, interpolation="linear").alias("p90"))
            .sort("level1", "level2", "target_unit", nulls_last=True),
        "q6": lambda: p().group_by("year", "dept_code").agg(pl.col("budget").sum())
            .sort("dept_code", "year")
            .with_columns(((pl.col("budget").cast(f64) - pl.col("budget").cast(f64).shift(1).over("dept_code"))
                           / pl.col("budget").cast(f64).shift(1).over("dept_code")).alias("growth")),
        "q7": lambda: p().join(
                i().filter((pl.col("level2") == "服务对象满意度指标") & (pl.col("target_value") >= 95))
                   .select("project_code").unique(),
                on="project_code", how="semi")
            .group_by("year").agg(pl.col("budget").sum().alias("spending")).sort("year"),
    }
