#!/usr/bin/env bash
# The comparison harness, one command from a clean checkout:
#   benches/compare/run.sh                 # medium warehouse, 5 runs, every spelling
#   SIZE=small RUNS=3 benches/compare/run.sh --queries q1,q5,q5_ordinals
#   PROFILE=dist FEATURES=mimalloc benches/compare/run.sh
# Builds budgetql (release), generates the warehouse once (kept in $WH), installs the
# DuckDB shell, DuckDB and Polars from PyPI into benches/compare/.venv (the newest
# releases unless the versions are given), checks that every engine and every spelling
# in benches/questions/ agree, then times them. See benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE="${SIZE:-medium}"
RUNS="${RUNS:-5}"
SEED="${SEED:-1}"
WH="${WH:-${TMPDIR:-/tmp}/budgetql-bench-$SIZE-s$SEED}"
PROFILE="${PROFILE:-release}"      # or dist (LTO)
FEATURES="${FEATURES:-}"           # e.g. mimalloc

cargo build --profile "$PROFILE" --bin budgetql ${FEATURES:+--features "$FEATURES"}
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/budgetql"

VENV=benches/compare/.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
pin() { if [ -n "${2:-}" ]; then echo "$1==$2"; else echo "$1"; fi; }
"$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade \
    "$(pin duckdb-cli "${DUCKDB_CLI_VERSION:-}")" "$(pin duckdb "${DUCKDB_VERSION:-}")" \
    "$(pin polars "${POLARS_VERSION:-}")" pyarrow

if [ ! -f "$WH/manifest.json" ]; then
    "$BIN" gen --size "$SIZE" --seed "$SEED" --into "$WH"
fi
"$VENV/bin/python" benches/compare/compare.py --warehouse "$WH" --budgetql "$BIN" \
    --duckdb-shell "$VENV/bin/duckdb" --runs "$RUNS" --out "benches/compare/last-$SIZE.md" "$@"
