#!/usr/bin/env python3
"""Compare budgetql with DuckDB and Polars on the benchmark questions over one generated
warehouse. Checks that every engine, and every spelling of every question, returns the
same answer before timing anything, then runs the engines alternately (question by
question, run by run) and prints medians:

- whole commands as their users run them: the budgetql CLI vs the DuckDB shell
  (`duckdb -csv`), start to exit, printing CSV;
- time inside the process: budgetql's `--timer` vs the DuckDB shell's `.timer`, DuckDB's
  Python package (Arrow result) and a hand-written Polars lazy plan;
- peak memory (max RSS, GNU time) of the budgetql and DuckDB shell processes.

A spelling (`q5_ordinals`) runs on budgetql only and is compared with its question's
peers.

usage: compare.py --warehouse DIR --budgetql BIN --duckdb-shell BIN [--runs N]
                  [--streaming] [--queries q1,q5_cte,…] [--out FILE]"""
import argparse
import csv
import io
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import engine as engine_py  # noqa: E402
import queries  # noqa: E402

PEERS = ["duckdb-shell", "duckdb", "polars"]
RUN_TIME = re.compile(r"^Run Time \(s\): real ([0-9.]+)")


def command(engine, q, a):
    if engine == "budgetql":
        return [a.budgetql, "--data", a.warehouse, "--format", "csv", "--max-rows", "0", "--timer",
                "-c", queries.BUDGETQL[q]]
    if engine == "duckdb-shell":
        return [a.duckdb_shell, "-csv", "-c", a.views, "-c", ".timer on", "-c", queries.DUCKDB[q]]
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
        sys.exit(f"failed ({status}): {' '.join(cmd)[:400]}\n{err}")
    qms = None
    rss = ru.ru_maxrss / 1024
    for line in err.splitlines():
        if line.startswith("maxrss_kb="):
            rss = int(line.split("=", 1)[1]) / 1024
        if line.startswith("query_ms="):
            qms = float(line.split("=", 1)[1])
        elif line.startswith("time: ") and line.endswith(" s"):
            qms = float(line.split()[1]) * 1000
    # the DuckDB shell prints its timer on stdout, after the result
    kept = []
    for line in out.splitlines(keepends=True):
        m = RUN_TIME.match(line)
        if m:
            qms = float(m.group(1)) * 1000
        else:
            kept.append(line)
    return wall, qms, rss, "".join(kept)


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
    ap.add_argument("--duckdb-shell", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--streaming", action="store_true")
    ap.add_argument("--queries", default=",".join(queries.BUDGETQL))
    ap.add_argument("--out")
    a = ap.parse_args()
    a.views = engine_py.views(a.warehouse)
    names = a.queries.split(",")
    asked = sorted({queries.question(n) for n in names}, key=lambda q: int(q[1:]))

    def engines(n):
        return ["budgetql"] + (PEERS if n in queries.QUESTIONS else [])

    print("checking that the engines and the spellings agree …", file=sys.stderr)
    for q in asked:
        outs = {e: run(command(e, q, a))[3] for e in engines(q)}
        for n in names:
            if n != q and queries.question(n) == q:
                outs[n] = run(command("budgetql", n, a))[3]
        bad = answers_agree(q, outs)
        if bad:
            sys.exit("answers differ: " + bad)
        print(f"  {q}: {len(outs['budgetql'].splitlines()) - 1} rows, same answer from "
              f"{', '.join(outs)}", file=sys.stderr)

    todo = [(n, e) for n in names for e in engines(n)]
    res = {k: [] for k in todo}
    for r in range(a.runs):
        for n in names:
            es = engines(n)
            order = es[r % len(es):] + es[:r % len(es)]  # alternate who goes first
            for e in order:
                res[(n, e)].append(run(command(e, n, a))[:3])
        print(f"  run {r + 1}/{a.runs} done", file=sys.stderr)

    med = lambda xs: statistics.median(xs) if xs and None not in xs else float("nan")
    wall = {k: med([x[0] * 1000 for x in v]) for k, v in res.items()}
    qms = {k: med([x[1] for x in v]) for k, v in res.items()}
    rss = {k: max(x[2] for x in v) for k, v in res.items()}
    lines = ["| question | budgetql wall | DuckDB shell wall | shell / budgetql | budgetql query "
             "| DuckDB shell query | DuckDB 2 query (Arrow) | Polars query | DuckDB 2 / budgetql "
             "| Polars / budgetql | peak RSS budgetql / DuckDB shell |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for n in names:
        q = queries.question(n)
        b = (n, "budgetql")
        p = lambda e: (q, e)
        lines.append(
            f"| {n} | {wall[b]:.0f} ms | {wall[p('duckdb-shell')]:.0f} ms "
            f"| {wall[p('duckdb-shell')] / wall[b]:.2f} | {qms[b]:.0f} ms "
            f"| {qms[p('duckdb-shell')]:.0f} ms | {qms[p('duckdb')]:.0f} ms | {qms[p('polars')]:.0f} ms "
            f"| {qms[p('duckdb')] / qms[b]:.2f} | {qms[p('polars')] / qms[b]:.2f} "
            f"| {rss[b]:.0f} / {rss[p('duckdb-shell')]:.0f} MiB |")
    import duckdb
    import polars
    shell = subprocess.run([a.duckdb_shell, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.machine())
    head = (f"{a.runs} runs each, medians; engines alternating. Machine: {cpu}, {os.cpu_count()} cores; "
            f"DuckDB shell {shell}; Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"Polars {polars.__version__}; {time.strftime('%Y-%m-%d')}. Ratios above 1: budgetql faster.")
    text = head + "\n\n" + "\n".join(lines) + "\n"
    print(text)
    if a.out:
        open(a.out, "w").write(text)


if __name__ == "__main__":
    main()
