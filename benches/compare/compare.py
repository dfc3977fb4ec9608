#!/usr/bin/env python3
"""Compare budgetql, DuckDB and Polars on the benchmark questions q1–q7 over one
generated warehouse. Checks that every engine returns the same answer before timing
anything, then runs the engines alternately (q by q, run by run) and prints the median
wall time of each whole process, the median in-process query time, the ratio to
budgetql and each process's peak memory (max RSS).

usage: compare.py --warehouse DIR --budgetql BIN [--runs N] [--streaming] [--out FILE]"""
import argparse
import csv
import io
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import queries  # noqa: E402

ENGINES = ["budgetql", "duckdb", "polars"]


def command(engine, q, a):
    if engine == "budgetql":
        return [a.budgetql, "--data", a.warehouse, "--format", "csv", "--max-rows", "0", "--timer",
                "-c", queries.BUDGETQL[q]]
    cmd = [sys.executable, os.path.join(HERE, "engine.py"), engine, q, a.warehouse]
    return cmd + (["--streaming"] if a.streaming else [])


def run(cmd):
    """Run a command; return (wall seconds, query ms or None, max RSS MiB, stdout)."""
    # GNU time reports the peak RSS of the command itself; rusage from wait4 can carry
    # the parent's high-water mark across fork on some kernels
    gnu_time = os.path.exists("/usr/bin/time")
    if gnu_time:
        cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M"] + cmd
    with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=o, stderr=e)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        o.seek(0)
        e.seek(0)
        out, err = o.read().decode(), e.read().decode()
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}\n{err}")
    qms = None
    rss = ru.ru_maxrss / 1024
    for line in err.splitlines():
        if line.startswith("maxrss_kb="):
            rss = int(line.split("=", 1)[1]) / 1024
        if line.startswith("query_ms="):
            qms = float(line.split("=", 1)[1])
        elif line.startswith("time: ") and line.endswith(" s"):
            qms = float(line.split()[1]) * 1000
    return wall, qms, rss, out


def norm(v):
    if v in ("", "NULL", "None", "nan", "NaN"):
        return None
    try:
        return Decimal(v)
    except InvalidOperation:
        return v


def same(a, b):
    x, y = norm(a), norm(b)
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, Decimal) and isinstance(y, Decimal):
        if x == y:
            return True
        fx, fy = float(x), float(y)
        return math.isclose(fx, fy, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


def answers_agree(q, outs):
    rows = {e: list(csv.reader(io.StringIO(o))) for e, o in outs.items()}
    base = rows["budgetql"]
    for e, r in rows.items():
        if len(r) != len(base):
            return f"{q}: {e} returns {len(r) - 1} rows, budgetql {len(base) - 1}"
        for i, (x, y) in enumerate(zip(base[1:], r[1:])):
            if len(x) != len(y) or not all(same(a, b) for a, b in zip(x, y)):
                return f"{q}: row {i + 1} differs: budgetql {x} vs {e} {y}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--budgetql", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--streaming", action="store_true")
    ap.add_argument("--queries", default="q1,q2,q3,q4,q5,q6,q7")
    ap.add_argument("--out")
    a = ap.parse_args()
    qs = a.queries.split(",")

    print("checking that the engines agree …", file=sys.stderr)
    for q in qs:
        outs = {e: run(command(e, q, a))[3] for e in ENGINES}
        bad = answers_agree(q, outs)
        if bad:
            sys.exit("answers differ: " + bad)
        print(f"  {q}: {len(outs['budgetql'].splitlines()) - 1} rows, same answer from all three", file=sys.stderr)

    res = {(q, e): [] for q in qs for e in ENGINES}
    for r in range(a.runs):
        for q in qs:
            order = ENGINES[r % 3:] + ENGINES[:r % 3]  # alternate who goes first
            for e in order:
                res[(q, e)].append(run(command(e, q, a))[:3])
        print(f"  run {r + 1}/{a.runs} done", file=sys.stderr)

    med = lambda xs: statistics.median(xs) if xs and None not in xs else float("nan")
    lines = ["| query | budgetql wall | DuckDB wall | Polars wall | budgetql query | DuckDB query | Polars query "
             "| DuckDB/budgetql (query) | Polars/budgetql (query) | peak RSS budgetql / DuckDB / Polars |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for q in qs:
        w = {e: med([x[0] * 1000 for x in res[(q, e)]]) for e in ENGINES}
        t = {e: med([x[1] for x in res[(q, e)]]) for e in ENGINES}
        m = {e: max(x[2] for x in res[(q, e)]) for e in ENGINES}
        lines.append(
            f"| {q} | {w['budgetql']:.0f} ms | {w['duckdb']:.0f} ms | {w['polars']:.0f} ms "
            f"| {t['budgetql']:.0f} ms | {t['duckdb']:.0f} ms | {t['polars']:.0f} ms "
            f"| {t['duckdb'] / t['budgetql']:.2f} | {t['polars'] / t['budgetql']:.2f} "
            f"| {m['budgetql']:.0f} / {m['duckdb']:.0f} / {m['polars']:.0f} MiB |")
    import duckdb
    import polars
    head = (f"{a.runs} runs each, medians; engines alternating. Machine: {platform.machine()}, "
            f"{os.cpu_count()} cores; Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"Polars {polars.__version__}; {time.strftime('%Y-%m-%d')}.")
    text = head + "\n\n" + "\n".join(lines) + "\n"
    print(text)
    if a.out:
        open(a.out, "w").write(text)


if __name__ == "__main__":
    main()
