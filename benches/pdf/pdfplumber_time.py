#!/usr/bin/env python3
"""Time pdfplumber's text extraction on the shared corpus's real PDFs (../shared/corpus/pdf
beside the checkout, or BUDGETQL_CORPUS=DIR; never copied into the repository), the peer of budgetql's PDF
ingest (`cargo bench --bench ingest`, group `documents`, "pdf …" entries).

    python3 -m pip install pdfplumber   # the newest release
    python3 benches/pdf/pdfplumber_time.py [RUNS]

Prints, per document, the median of RUNS (default 5) runs of opening the file and
calling extract_text() on every page — what the pdf-text layout's reference text was
made with — and the median over all documents.
"""
import glob
import os
import statistics
import sys
import time

import pdfplumber

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
corpus = os.environ.get("BUDGETQL_CORPUS", os.path.join(root, "..", "shared", "corpus"))
if os.path.isdir(os.path.join(corpus, "pdf")):
    corpus = os.path.join(corpus, "pdf")
files = sorted(glob.glob(os.path.join(corpus, "*.pdf")))
if not files:
    sys.exit(f"no PDFs in {corpus}: put the shared corpus there or set BUDGETQL_CORPUS=DIR")
print(f"pdfplumber {pdfplumber.__version__}, {runs} runs each")
medians = []
for f in files:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
        times.append(time.perf_counter() - t)
    m = statistics.median(times)
    medians.append(m)
    print(f"{os.path.basename(f):60} {os.path.getsize(f) / 1e6:6.2f} MB {m * 1000:9.1f} ms")
print(f"median over {len(files)} documents: {statistics.median(medians) * 1000:.1f} ms")
