#!/usr/bin/env python3
"""Derive the malformed-document corpus from the bundled disclosure (the project's own seed).

Each case changes the real document in one way and states the error budgetql must
give: its kind and the line it must point at (worked out from the change, not by
running budgetql). Run from the repository root: python3 tests/malformed/make.py

Only the project's own document and PDFs written here are used: cases derived from the
real third-party disclosures (a cut PDF, edited pdf-text documents) are made at test time
from ../shared by the corpus target (tests/corpus/malformed.rs), never committed; the
small PDFs of the malformed cases (a scan, an encrypted file, …) are written at test time
by tests/it/malformed.rs, so no PDF is kept in the repository.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "datasets", "raw", "qinhuangdao-etdz-zhengfawei-2021.txt")
L = open(SRC, encoding="utf-8").read().split("\n")


def setl(n, was, now):
    t = list(L)
    assert t[n - 1] == was, (n, t[n - 1], was)
    t[n - 1] = now
    return t


def dell(first, last):
    t = list(L)
    del t[first - 1:last]
    return t


def cut(n):
    return L[:n]


def ins(n, line):
    t = list(L)
    t.insert(n - 1, line)
    return t


# (file, kind, line or "-", text the message must contain, lines or bytes)
CASES = [
    ("budget-garbage", "malformed", 466, "预算数: `5.0x` is not a number", setl(466, "\t5.00", "\t5.0x")),
    ("fiscal-garbage", "malformed", 468, "财政资金: `abc` is not a number", setl(468, "\t5.00", "\tabc")),
    ("other-two-points", "malformed", 470, "其他资金: `1..2` is not a number", setl(470, "\t0", "\t1..2")),
    ("percent-double-sign", "malformed", 482, "is not a percentage", setl(482, "\t25.00%", "\t25.00%%")),
    ("percent-too-precise", "malformed", 483, "has more than 3 decimals", setl(483, "\t50.00%", "\t50.0001%")),
    ("month-not-a-month", "malformed", 476, "expected a month", setl(476, "\t3月底", "\tMarch")),
    ("procurement-letter-o", "malformed", 162, "`162.0O` is not a number", setl(162, "\t162.00", "\t162.0O")),
    ("procurement-row-short", "malformed", 156, "a procurement row has 12 cells", dell(165, 165)),
    ("asset-value-with-unit", "malformed", 240, "`11.15元` is not a number", setl(240, "\t11.15", "\t11.15元")),
    ("asset-row-short", "malformed", 238, "an asset row has 2 cells", dell(239, 239)),
    ("unit-row-short", "malformed", 66, "has 3 cells but the header has 4", dell(68, 68)),
    ("indicator-row-short", "malformed", 500, "an indicator row has 5 cells", dell(502, 502)),
    ("indicator-without-level1", "malformed", 500, "no level-1 indicator", setl(500, "\t产出指标", "\t")),
    ("cut-after-budget-row", "malformed", 470, "the document ends inside the project table", cut(470)),
    ("cut-inside-indicator-header", "malformed", 493, "expected the indicator header", cut(496)),
    ("cut-after-title", "malformed", 455, "the document ends inside the project table", cut(455)),
    ("no-unit-row", "malformed", 456, "expected the unit row", dell(456, 458)),
    ("no-code-row", "malformed", 459, "expected the row 项目编码", dell(459, 463)),
    ("no-budget-row", "malformed", 464, "expected the budget row", dell(464, 471)),
    ("no-plan-header", "malformed", 475, "expected the disbursement plan header", dell(475, 480)),
    ("no-goals-row", "malformed", 487, "expected the goals row", dell(487, 489)),
    ("empty-project-code", "malformed", 460, "the project code (项目编码) is empty", setl(460, "\t1303112109I8BNS7D5O6N", "\t")),
    ("asset-date-month-13", "malformed", 229, "is not a valid date", setl(229, L[228], L[228].replace("2020年12月31日", "2020年13月31日"))),
    ("amount-sub-fen", "malformed", 466, "has more than 6 decimals", setl(466, "\t5.00", "\t5.0000001")),
    ("plan-extra-cell", "malformed", 481, "the columns do not line up", ins(486, "\t100%")),
    ("thousands-misplaced", "malformed", 466, "misplaced thousands separators", setl(466, "\t5.00", "\t1,23")),
    ("no-year", "document", "-", "no budget year found", None),
    ("empty", "empty", "-", "the document is empty", b""),
    ("blank-lines", "empty", "-", "the document is empty", b"\n \n\t\n\n"),
    ("word-binary", "not-text", 1, "a Word .doc file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256))),
    ("nul-byte", "not-text", 100, "it contains NUL bytes", None),
    ("gbk-encoded", "not-text", 1, "invalid UTF-8", None),
    ("pdf", "pdf", "-", "the PDF cannot be read (truncated or damaged)", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
]


def main():
    rows = []
    for name, kind, line, text, body in CASES:
        if name == "no-year":
            # two project tables without the document around them: no title, no year
            body = "\n".join(L[452:718]).encode("utf-8")
        elif name == "nul-byte":
            t = list(L)
            t[99] = t[99] + "\x00"
            body = "\n".join(t).encode("utf-8")
        elif name == "gbk-encoded":
            body = "\n".join(L[:10]).encode("gb18030")
        elif isinstance(body, list):
            body = "\n".join(body).encode("utf-8")
        path = os.path.join(HERE, f"{name}.txt")
        with open(path, "wb") as f:
            f.write(body)
        rows.append(f"{name}.txt\t{kind}\t{line}\t{text}")
    with open(os.path.join(HERE, "expected.tsv"), "w", encoding="utf-8") as f:
        f.write("# file\tkind\tline\tthe message contains\n")
        f.write("\n".join(rows) + "\n")
    print(f"{len(rows)} malformed documents")


if __name__ == "__main__":
    main()
