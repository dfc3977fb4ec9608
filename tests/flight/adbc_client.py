"""A Flight SQL client nobody here wrote (the ADBC Flight SQL driver), driving `budgetql serve`.

    adbc_client.py answers URI STATEMENTS.json OUT_DIR
        run each statement once; write OUT_DIR/<i>.arrow (an Arrow IPC file) or
        OUT_DIR/<i>.err (the error message the client saw)
    adbc_client.py load URI STATEMENTS.json OUT_DIR [--clients 8] [--statements 200]
                   [--disconnect SQL] [--report FILE]
        CLIENTS threads, each with its own connection, run STATEMENTS statements at once
        (cycling through the list from a different start); every result is compared with
        OUT_DIR/<i>.arrow from `answers`; meanwhile, with --disconnect, child processes
        start fetching SQL's result and die after its first batch. Prints (and writes to
        --report) a JSON summary: statements, errors, mismatches, p50/p99 latency.

Options: --token T sends `authorization: Bearer T` (`user:NAME:PASSWORD` a username and
password, `header:VALUE` the header as given).
Exit status: 0 when every statement answered and matched, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import adbc_driver_flightsql
import adbc_driver_flightsql.dbapi as flightsql
import pyarrow as pa
import pyarrow.ipc


def connect(uri, token):
    """--token T sends `authorization: Bearer T`; `user:NAME:PASSWORD` gives the driver a
    username and password instead (it sends Basic credentials in a handshake and uses the
    bearer token the server answers with); `header:VALUE` sends VALUE as it is."""
    kwargs = {}
    if token and token.startswith("user:"):
        name, password = token[len("user:"):].split(":", 1)
        kwargs["username"] = name
        kwargs["password"] = password
    elif token and token.startswith("header:"):
        kwargs[adbc_driver_flightsql.DatabaseOptions.AUTHORIZATION_HEADER.value] = token[len("header:"):]
    elif token:
        kwargs[adbc_driver_flightsql.DatabaseOptions.AUTHORIZATION_HEADER.value] = f"Bearer {token}"
    return flightsql.connect(uri, db_kwargs=kwargs, autocommit=True)


def plain(table):
    """Strings as strings whatever their Arrow layout (view or not), for comparing."""
    cols = []
    for c in table.columns:
        t = c.type
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            c = c.cast(pa.string())
        cols.append(c)
    return pa.Table.from_arrays(cols, names=table.column_names)


def same(got, want):
    """Equal names, types and values; doubles within 1e-12 relative (a plain-SQL sum of
    doubles depends on the order rows arrive in, which differs between runs)."""
    got = plain(got)
    if got.schema != want.schema or got.num_rows != want.num_rows:
        return False
    for g, w in zip(got.columns, want.columns):
        if pa.types.is_floating(w.type):
            for p, q in zip(g.to_pylist(), w.to_pylist()):
                if p is None or q is None:
                    if p is not q:
                        return False
                elif not (p == q or abs(p - q) <= 1e-12 * max(1.0, abs(q))):
                    return False
        elif not g.equals(w):
            return False
    return True


def answers(args, statements):
    os.makedirs(args.out, exist_ok=True)
    with connect(args.uri, args.token) as conn:
        for i, sql in enumerate(statements):
            with conn.cursor() as cur:
                try:
                    cur.execute(sql)
                    t = cur.fetch_arrow_table()
                except Exception as e:  # the message is the answer
                    with open(os.path.join(args.out, f"{i}.err"), "w") as f:
                        f.write(str(e))
                    continue
            with pa.OSFile(os.path.join(args.out, f"{i}.arrow"), "wb") as f:
                with pa.ipc.new_file(f, t.schema) as w:
                    w.write_table(t)
    return 0


def disconnecter(uri, token, sql):
    """Start fetching a result, then die after its first batch, without closing anything."""
    conn = connect(uri, token)
    cur = conn.cursor()
    cur.execute(sql)
    reader = cur.fetch_record_batch()
    reader.read_next_batch()
    os._exit(0)


def load(args, statements):
    want = {}
    for i in range(len(statements)):
        p = os.path.join(args.out, f"{i}.arrow")
        if os.path.exists(p):
            want[i] = plain(pa.ipc.open_file(p).read_all())
    runnable = sorted(want)
    if not runnable:
        print("no reference answers in", args.out, file=sys.stderr)
        return 1
    latencies, errors, mismatches = [], [], []
    lock = threading.Lock()

    def client(k):
        try:
            conn = connect(args.uri, args.token)
        except Exception as e:
            with lock:
                errors.append(f"client {k}: cannot connect: {e}")
            return
        with conn:
            for n in range(args.statements):
                i = runnable[(k * 7 + n) % len(runnable)]
                t0 = time.perf_counter()
                try:
                    with conn.cursor() as cur:
                        cur.execute(statements[i])
                        got = cur.fetch_arrow_table()
                except Exception as e:
                    with lock:
                        errors.append(f"client {k} statement {i}: {e}")
                    continue
                dt = time.perf_counter() - t0
                same_ = same(got, want[i])
                with lock:
                    latencies.append(dt)
                    if not same_:
                        mismatches.append(f"client {k} statement {i}: {got.num_rows} rows, want {want[i].num_rows}")

    killed = []
    stop = threading.Event()

    def disconnects():
        while not stop.is_set() and len(killed) < 20:
            p = subprocess.run(
                [sys.executable, __file__, "_disconnect", args.uri, args.disconnect]
                + (["--token", args.token] if args.token else []),
                capture_output=True,
                text=True,
            )
            killed.append(p.returncode)
            if p.returncode != 0:
                with lock:
                    errors.append(f"the disconnecting client failed before it could disconnect: {p.stderr[-400:]}")
                return

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    d = threading.Thread(target=disconnects) if args.disconnect else None
    for t in threads:
        t.start()
    if d:
        d.start()
    for t in threads:
        t.join()
    stop.set()
    if d:
        d.join()
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 1)

    report = {
        "clients": args.clients,
        "statements_per_client": args.statements,
        "answered": len(latencies),
        "errors": len(errors),
        "mismatches": len(mismatches),
        "disconnected_mid_result": len(killed),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "wall_s": round(wall, 2),
        "statements_per_s": round(len(latencies) / wall, 1) if wall else None,
        "first_problems": (errors + mismatches)[:5],
    }
    print(json.dumps(report, ensure_ascii=False))
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
    ok = not errors and not mismatches and len(latencies) == args.clients * args.statements
    return 0 if ok else 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_disconnect":
        p = argparse.ArgumentParser()
        p.add_argument("mode")
        p.add_argument("uri")
        p.add_argument("sql")
        p.add_argument("--token")
        a = p.parse_args()
        disconnecter(a.uri, a.token, a.sql)
        return 1
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["answers", "load"])
    p.add_argument("uri")
    p.add_argument("statements", help="a JSON list of SQL statements")
    p.add_argument("out")
    p.add_argument("--token")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--statements", type=int, default=200, dest="statements_n")
    p.add_argument("--disconnect", help="a statement with a large result, fetched then abandoned")
    p.add_argument("--report")
    args = p.parse_args()
    args.statements_list = json.load(open(args.statements))
    args.statements, statements = args.statements_n, args.statements_list
    return answers(args, statements) if args.mode == "answers" else load(args, statements)


if __name__ == "__main__":
    sys.exit(main())
