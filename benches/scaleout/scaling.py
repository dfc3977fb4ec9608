"""Where one machine stops: q1–q7 on warehouses of growing size, budgetql beside the DuckDB
shell, both as a user runs them (whole command, start to exit), peak memory from GNU time.

The DuckDB shell runs the SQL budgetql lowers each question to (`budgetql sql --dialect
duckdb`) over views of exactly the manifest's files (`budgetql sql --tables`), so both read
the same Parquet and answer the same question.

    budgetql gen --size small  --seed 1 --into /tmp/small
    budgetql gen --size medium --seed 1 --into /tmp/medium
    budgetql gen --size large  --seed 1 --into /tmp/large
    python benches/scaleout/scaling.py --budgetql target/release/budgetql \\
        --duckdb-shell benches/compare/.venv/bin/duckdb \\
        small=/tmp/small medium=/tmp/medium large=/tmp/large [--runs 3] [--out scaling.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUESTIONS = os.path.join(HERE, "..", "questions")


def measure(cmd, stdin=None):
    """(seconds, peak MiB) of one run; raises on failure."""
    t0 = time.perf_counter()
    with open(stdin or os.devnull) as f:
        p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M"] + cmd, capture_output=True, text=True, stdin=f)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}…: {p.stderr[-500:]}")
    kb = [l for l in p.stderr.splitlines() if l.startswith("maxrss_kb=")]
    return wall, int(kb[-1].split("=")[1]) / 1024 if kb else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budgetql", required=True)
    ap.add_argument("--duckdb-shell", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--questions", default="q1,q2,q3,q4,q5,q6,q7")
    ap.add_argument("--out")
    ap.add_argument("warehouses", nargs="+", help="NAME=DIR, smallest first")
    a = ap.parse_args()
    shell_version = subprocess.run([a.duckdb_shell, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"| warehouse | projects | indicators | q | budgetql | peak | DuckDB shell {shell_version.split()[0]} | peak | ratio |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for spec in a.warehouses:
        name, wh = spec.split("=", 1)
        m = json.load(open(os.path.join(wh, "manifest.json")))
        projects = sum(d["rows"].get("projects", 0) for d in m["documents"])
        indicators = sum(d["rows"].get("indicators", 0) for d in m["documents"])
        views = subprocess.run([a.budgetql, "--data", wh, "sql", "--tables"], capture_output=True, text=True, check=True).stdout
        for q in a.questions.split(","):
            path = os.path.join(QUESTIONS, f"{q}.sql")
            lowered = subprocess.run([a.budgetql, "--data", wh, "sql", "-f", path], capture_output=True, text=True, check=True).stdout
            bq = [a.budgetql, "--data", wh, "--format", "csv", "-f", path]
            # the views name every file: too long for one argument on a large warehouse
            script = os.path.join(tempfile.mkdtemp(), f"{q}.sql")
            open(script, "w").write(views + lowered)
            dk = [a.duckdb_shell, "-csv"]
            b, d = [], []
            for _ in range(a.runs):  # alternating, so drift hits both
                b.append(measure(bq))
                d.append(measure(dk, stdin=script))
            bt, dt = statistics.median(x[0] for x in b), statistics.median(x[0] for x in d)
            bm, dm = max(x[1] for x in b), max(x[1] for x in d)
            lines.append(
                f"| {name} | {projects:,} | {indicators:,} | {q} | {bt:.2f} s | {bm:,.0f} MiB | {dt:.2f} s | {dm:,.0f} MiB | {dt / bt:.2f} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
