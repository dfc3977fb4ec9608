#!/usr/bin/env bash
# Fuzz every target for SECONDS each (default 300) with cargo-fuzz (nightly toolchain):
#   cargo install cargo-fuzz; fuzz/run.sh 600
# Seeds the corpora from the project's own documents and queries first. A crash is
# saved under fuzz/artifacts/<target>/ and printed; turn it into a test in tests/ before
# fixing it (the README's Reliability section says how it was done so far).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-300}"
./seed.sh
for t in ingest_bytes ingest_mutations query_front_end pdf_bytes; do
    echo "== $t for ${SECONDS_EACH}s"
    cargo +nightly fuzz run --dev "$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -max_len=$([ "$t" = pdf_bytes ] && echo 400000 || echo 65536) -timeout=10 -print_final_stats=1 2>&1 \
        | grep -E "^Done|stat::number_of_executed_units|ERROR|SUMMARY|Test unit written" || true
done
