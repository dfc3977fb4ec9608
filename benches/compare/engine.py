#!/usr/bin/env python3
"""Run one benchmark question on one engine (duckdb or polars) over a budgetql
warehouse; print the result as CSV on stdout and the in-process query time (ms,
after imports and set-up) on stderr as `query_ms=<t>`. The time ends when the engine
hands over its result as Arrow data (DuckDB's `to_arrow_table()`, Polars'
`collect()`), not after turning it into Python objects.

usage: engine.py duckdb|polars q1..q7 WAREHOUSE [--streaming]
       engine.py views WAREHOUSE   # the CREATE VIEW statements for the DuckDB shell"""
import csv
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import queries  # noqa: E402


def files(wh, table):
    m = json.load(open(os.path.join(wh, "manifest.json")))
    return [os.path.join(wh, f) for d in m["documents"] for f in d["files"] if f.startswith(table + "/")]


def cell(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def views(wh):
    """DuckDB views of the warehouse's committed files (the manifest's, not a glob)."""
    out = []
    for t in ("projects", "indicators"):
        fl = ", ".join("'" + f.replace("'", "''") + "'" for f in files(wh, t))
        out.append(f"CREATE VIEW {t} AS SELECT * FROM read_parquet([{fl}], hive_partitioning = true);")
    return "\n".join(out)


def main():
    if sys.argv[1] == "views":
        print(views(sys.argv[2]))
        return
    engine, q, wh = sys.argv[1], sys.argv[2], sys.argv[3]
    streaming = "--streaming" in sys.argv
    out = csv.writer(sys.stdout, lineterminator="\n")
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute(views(wh))
        t0 = time.perf_counter()
        tbl = con.execute(queries.DUCKDB[q]).to_arrow_table()
        ms = (time.perf_counter() - t0) * 1000
        out.writerow(tbl.column_names)
        for r in tbl.to_pylist():
            out.writerow([cell(v) for v in r.values()])
    elif engine == "polars":
        import polars as pl

        def scan(t):
            return pl.scan_parquet(files(wh, t), hive_partitioning=True)

        plan = queries.polars_plans(pl, scan)[q]()
        t0 = time.perf_counter()
        df = plan.collect(engine="streaming") if streaming else plan.collect()
        ms = (time.perf_counter() - t0) * 1000
        out.writerow(df.columns)
        for r in df.iter_rows():
            out.writerow([cell(v) for v in r])
    else:
        sys.exit(f"unknown engine {engine}")
    print(f"query_ms={ms:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
