#!/usr/bin/env bash
# The comparison harness, one command from a clean checkout:
#   benches/compare/run.sh                 # medium warehouse, 5 runs
#   SIZE=small RUNS=3 benches/compare/run.sh
# Builds budgetql (release), generates the warehouse once (kept in $WH), installs
# DuckDB and Polars from PyPI into benches/compare/.venv, checks that the three
# engines agree on q1–q7, then times them. See benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE="${SIZE:-medium}"
RUNS="${RUNS:-5}"
SEED="${SEED:-1}"
WH="${WH:-${TMPDIR:-/tmp}/budgetql-bench-$SIZE-s$SEED}"
DUCKDB_VERSION="${DUCKDB_VERSION:-1.5.6}"
POLARS_VERSION="${POLARS_VERSION:-1.44.2}"

cargo build --release --bin budgetql
BIN="${CARGO_TARGET_DIR:-target}/release/budgetql"

VENV=benches/compare/.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" "polars==$POLARS_VERSION"

if [ ! -f "$WH/manifest.json" ]; then
    "$BIN" gen --size "$SIZE" --seed "$SEED" --into "$WH"
fi
"$VENV/bin/python" benches/compare/compare.py --warehouse "$WH" --budgetql "$BIN" --runs "$RUNS" \
    --out "benches/compare/last-$SIZE.md" "$@"
