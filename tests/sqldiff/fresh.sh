#!/usr/bin/env bash
# A fresh differential corpus: N random queries with a seed never used in development,
# answered by DuckDB, then run through budgetql (the same test as the suite's, pointed at
# the new corpus). Prints the tally; the report lists every disagreement and refusal.
#
#   tests/sqldiff/fresh.sh [SEED] [COUNT]        (defaults: a seed from the clock, 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-$(date +%s)}
count=${2:-10000}
venv=${VENV:-/tmp/budgetql-sqldiff-venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q duckdb==2.0.1; }
target=${CARGO_TARGET_DIR:-target}
cargo build -q
out=$(mktemp -d)
"$venv/bin/python" tests/sqldiff/make_corpus.py --seed "$seed" --count "$count" \
    --out "$out/corpus.slt" --bin "$target/debug/budgetql"
SQLDIFF_CORPUS="$out/corpus.slt" SQLDIFF_REPORT="$out/report.txt" \
    cargo nextest run -E 'test(plain_sql_agrees_with_the_reference_engine)' --no-capture >/dev/null 2>&1 || true
head -1 "$out/report.txt"
echo "seed $seed; corpus and report in $out"
