"""budgetql's questions on other engines, from the SQL budgetql lowers them to.

For each question (benches/questions/q1.sql … q7.sql, or --questions):
  1. budgetql answers it (`budgetql --data W -c "COPY (q) TO 'x.parquet'"`, read back exactly);
  2. `budgetql --data W sql --dialect duckdb|spark -f q.sql` prints the standard SQL;
  3. DuckDB runs that SQL over views of exactly the files the manifest lists
     (`budgetql sql --tables`), Spark (local mode) over DataFrames read from the same list;
  4. the answers must be equal: same rows in the same order, exact for money, integers
     and text, doubles within 1e-9 relative. Then each engine is timed (median of --runs).

    python benches/scaleout/engines.py --budgetql target/release/budgetql --warehouse W \\
        [--engines duckdb,spark] [--runs 3] [--questions q1,q2] [--out results.md]

Exit status 1 when any answer differs. Needs duckdb and (for spark) pyspark with a Java
17+ runtime: `pip install duckdb pyspark`, `apt install openjdk-17-jre-headless`.
"""

import argparse
import decimal
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
QUESTIONS = os.path.join(HERE, "..", "questions")


def budgetql(bin_, wh, *args, stdin=None):
    p = subprocess.run([bin_, "--data", wh, *args], capture_output=True, text=True, input=stdin)
    if p.returncode != 0:
        raise RuntimeError(f"budgetql {' '.join(args)}: {p.stderr}")
    return p.stdout


def rows_of_arrow(t):
    return [tuple(r.values()) for r in t.to_pylist()]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(b))
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        return decimal.Decimal(str(a)) == decimal.Decimal(str(b))
    return a == b


def compare(got, want):
    """None when equal; else a sentence saying where they differ."""
    if len(got) != len(want):
        return f"{len(got)} rows, budgetql has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if len(g) != len(w):
            return f"{len(g)} columns, budgetql has {len(w)}"
        for j, (x, y) in enumerate(zip(g, w)):
            if not close(x, y):
                return f"row {i + 1} column {j + 1}: {x!r}, budgetql has {y!r}"
    return None


def timed(f, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def contract_columns(bin_, wh, table):
    header = budgetql(bin_, wh, "--format", "csv", "-c", f"SELECT * FROM {table} LIMIT 0")
    return header.strip().split(",")


class DuckDB:
    name = "duckdb"

    def __init__(self, bin_, wh):
        import duckdb

        self.version = duckdb.__version__
        self.con = duckdb.connect()
        self.con.execute(budgetql(bin_, wh, "sql", "--tables"))

    def run(self, sql):
        return rows_of_arrow(self.con.execute(sql).to_arrow_table())


class Spark:
    name = "spark"

    def __init__(self, bin_, wh):
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("budgetql-scaleout")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "8g")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        self.version = self.spark.version
        manifest = json.load(open(os.path.join(wh, "manifest.json")))
        tables = sorted({f.split("/")[0] for d in manifest["documents"] for f in d["files"]})
        for t in tables:
            # exactly the files the manifest lists: never a folder or a glob
            files = [os.path.join(wh, f) for d in manifest["documents"] for f in d["files"] if f.startswith(t + "/")]
            df = self.spark.read.option("basePath", os.path.join(wh, t)).parquet(*files)
            cols = contract_columns(bin_, wh, t)
            df = df.withColumn("year", F.col("year").cast("int")).select(*cols)
            df.createOrReplaceTempView(t)

    def run(self, sql):
        return [tuple(r) for r in self.spark.sql(sql).collect()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budgetql", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--questions", default="q1,q2,q3,q4,q5,q6,q7")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--extra", help="a JSON file: a list of more statements (budgetql SQL) to check")
    ap.add_argument("--out")
    a = ap.parse_args()
    wh = os.path.abspath(a.warehouse)
    engines = []
    for e in a.engines.split(","):
        engines.append({"duckdb": DuckDB, "spark": Spark}[e.strip()](a.budgetql, wh))
    failures, lines = 0, []
    head = "| q | budgetql (whole command) | " + " | ".join(f"{e.name} {e.version} (in process)" for e in engines) + " | answers |"
    lines += [head, "|" + "---|" * (3 + len(engines))]
    tmp = tempfile.mkdtemp()
    todo = [(q.strip(), os.path.join(QUESTIONS, f"{q.strip()}.sql")) for q in a.questions.split(",") if q.strip()]
    if a.extra:
        for i, text in enumerate(json.load(open(a.extra))):
            path = os.path.join(tmp, f"extra{i + 1}.sql")
            open(path, "w").write(text)
            todo.append((f"extra{i + 1}", path))
    for q, path in todo:
        sql = open(path).read().strip()
        body = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--")).strip().rstrip(";")
        out = os.path.join(tmp, f"{q}.parquet")
        try:
            budgetql(a.budgetql, wh, "-c", f"COPY ({body}) TO '{out}' (OVERWRITE)")
        except RuntimeError as ex:
            failures += 1
            lines.append(f"| {q} | error | " + " | ".join("" for _ in engines) + f" | budgetql: {str(ex)[-200:]!r} |")
            print(lines[-1], flush=True)
            continue
        want = rows_of_arrow(pq.read_table(out))
        bq_t, _ = timed(lambda: budgetql(a.budgetql, wh, "--format", "csv", "-f", path), a.runs)
        cells, verdicts = [], []
        for e in engines:
            lowered = budgetql(a.budgetql, wh, "sql", "--dialect", e.name, "-f", path)
            try:
                t, got = timed(lambda: e.run(lowered), a.runs)
            except Exception as ex:
                failures += 1
                cells.append("error")
                first = next((l for l in str(ex).splitlines() if l.strip()), repr(ex))
                verdicts.append(f"{e.name}: {first[:200]}")
                continue
            diff = compare(got, want)
            if diff:
                failures += 1
                verdicts.append(f"{e.name} differs: {diff}")
            cells.append(f"{t:.3f} s")
        verdict = "; ".join(verdicts) if verdicts else f"equal ({len(want)} rows)"
        lines.append(f"| {q} | {bq_t:.3f} s | " + " | ".join(cells) + f" | {verdict} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
