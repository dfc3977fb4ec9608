#!/usr/bin/env bash
# Seed the fuzz corpora from the project's own material (saved queries and SQL tests for
# the front end, the bundled document) and, when it is there, the shared corpus of real
# disclosures (../../shared/corpus, or BUDGETQL_CORPUS; never copied into the repository).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/query_front_end corpus/ingest_bytes corpus/ingest_mutations corpus/pdf_bytes
for f in ../queries/*.sql ../tests/sql/*.slt; do
    cp "$f" "corpus/query_front_end/$(basename "$f")"
done
corpus="${BUDGETQL_CORPUS:-../../shared/corpus}"
[ -d "$corpus/pdf" ] || corpus="$corpus/.."
n=0
for f in ../datasets/raw/*.txt "$corpus"/*.txt; do
    [ -f "$f" ] || continue
    # 60-line slices keep inputs small enough for libFuzzer's default max_len
    split -l 60 -d -a 3 "$f" "corpus/ingest_bytes/$(basename "$f" .txt)-"
    n=$((n + 1))
done
printf '\x00\x01\x00\x00\x00' > corpus/ingest_mutations/seed0
# whole PDFs for the PDF reader (the smallest ones; libFuzzer mutates bytes from there)
for f in "$corpus"/pdf/*.pdf; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 400000 ] && cp "$f" "corpus/pdf_bytes/$(basename "$f")"
done
