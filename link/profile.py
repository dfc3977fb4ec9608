#!/usr/bin/env python3
"""Write link/symbol-order.txt: the functions budgetql runs, for the linker to place together.

A release build of budgetql is ~100 MB of machine code, of which a query runs 2-4 MB
spread over the whole of it. Linux maps an executable's pages as they are first run,
and around each one it maps its neighbours too, so a scattered 4 MB becomes ~45 MB of
resident memory — most of the peak memory of a small query. Listing the functions that
run, in order, lets the linker (LLD's --symbol-ordering-file; build.rs passes it when
the linker accepts it) put them side by side at the start of the code.

This script runs a set of ordinary workloads under Valgrind's callgrind (every function
that executes, not a sample), keeps the functions of budgetql's own executable, and
writes them ordered by how many workloads ran them (the start-up path first), then by
their address in the build profiled. Run it by hand after a change of dependencies or
compiler (the names it lists are the compiler's, so an outdated list only helps less;
it never changes what the program does):

    cargo build --release
    python3 link/profile.py --budgetql $CARGO_TARGET_DIR/release/budgetql \\
        --warehouse /tmp/wh-small --warehouse /tmp/wh-medium
    cargo build --release   # relinks with the new order

`--check` instead reports how many of the listed functions a build still has (after a
dependency or compiler upgrade: refresh the list when the share drops).

Warehouses come from `budgetql gen --size small|medium --seed 1 --into DIR`. Needs
valgrind and binutils' nm (Debian: apt install valgrind binutils).
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "benches", "compare"))
import queries  # noqa: E402  (the benchmark questions, every spelling)

FN = re.compile(r"c?fn=\((\d+)\)(?: (.*))?$")


def workloads(bq, warehouses, scratch):
    """The commands profiled: what a user runs most — queries on a warehouse (both the
    CSV the benchmarks read and the default table output), the bundled documents'
    saved scripts, the audit, and ingesting PDF and text documents."""
    out = []
    for w in warehouses:
        out.append([bq, "--data", w, "-c", "SELECT 1"])
        for q, sql in queries.BUDGETQL.items():
            out.append([bq, "--data", w, "--format", "csv", "--max-rows", "0", "--timer", "-c", sql])
        for q in queries.QUESTIONS:
            out.append([bq, "--data", w, "-c", queries.BUDGETQL[q]])
    for f in sorted(glob.glob(os.path.join(ROOT, "queries", "*.sql"))):
        out.append([bq, "-f", f])
    out.append([bq, "audit"])
    out.append([bq, "--help"])
    # the real disclosures live outside the repository (../shared/corpus/pdf, or
    # BUDGETQL_CORPUS); without them the ingest workload reads the bundled document only
    corpus = os.environ.get("BUDGETQL_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
    if os.path.isdir(os.path.join(corpus, "pdf")):
        corpus = os.path.join(corpus, "pdf")
    docs = sorted(glob.glob(os.path.join(corpus, "*.pdf")))
    docs += sorted(glob.glob(os.path.join(ROOT, "datasets", "raw", "*.txt")))
    out.append([bq, "ingest", "--into", os.path.join(scratch, "wh")] + docs)
    return out


def executed(path):
    """Names of the functions a callgrind profile saw run (defined by `fn=(id) name`, or
    first named as a callee by `cfn=(id) name`)."""
    names = set()
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=(", "cfn=(")):
                m = FN.match(line.rstrip("\n"))
                if m and m.group(2):
                    names.add(m.group(2))
    return names


def text_symbols(bq):
    """Function symbols of the executable: name → address."""
    nm = subprocess.run(["nm", "--defined-only", bq], capture_output=True, text=True, check=True)
    addr = {}
    for line in nm.stdout.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in "tTwW":
            addr.setdefault(parts[2], int(parts[0], 16))
    return addr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budgetql", required=True, help="the release executable to profile")
    ap.add_argument("--warehouse", action="append", default=[], help="a generated warehouse (repeatable)")
    ap.add_argument("--out", default=os.path.join(HERE, "symbol-order.txt"))
    ap.add_argument("--check", action="store_true",
                    help="only report how many functions of the list the executable has")
    a = ap.parse_args()
    if a.check:
        addr = text_symbols(a.budgetql)
        listed = [n for n in open(a.out).read().splitlines() if n]
        have = sum(1 for n in listed if n in addr)
        print(f"{have} of {len(listed)} listed functions are in {a.budgetql} "
              f"({100 * have / max(len(listed), 1):.0f} %)")
        return
    if not a.warehouse:
        sys.exit("give at least one --warehouse (budgetql gen --size small --seed 1 --into DIR)")
    addr = text_symbols(a.budgetql)
    runs = {}
    with tempfile.TemporaryDirectory() as scratch:
        cmds = workloads(os.path.abspath(a.budgetql), a.warehouse, scratch)
        for i, cmd in enumerate(cmds):
            prof = os.path.join(scratch, f"cg.{i}")
            p = subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no",
                                f"--callgrind-out-file={prof}"] + cmd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               cwd=scratch)  # scripts that write files (a workbook) write there
            if p.returncode != 0:
                sys.exit(f"failed ({p.returncode}): {' '.join(cmd)[:300]}\n{p.stderr[-2000:]}")
            for name in executed(prof) & addr.keys():
                runs[name] = runs.get(name, 0) + 1
            os.remove(prof)
            print(f"{i + 1}/{len(cmds)} {len(runs)} functions", file=sys.stderr)
    order = sorted(runs, key=lambda n: (-runs[n], addr[n]))
    with open(a.out, "w") as f:
        for n in order:
            f.write(n + "\n")
    print(f"wrote {a.out}: {len(order)} functions from {len(cmds)} workloads", file=sys.stderr)


if __name__ == "__main__":
    main()
