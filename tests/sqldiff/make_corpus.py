#!/usr/bin/env python3
"""Random plain-SQL queries over the contract tables, answered by DuckDB.

Writes a corpus file that tests/it/sqldiff.rs replays through budgetql and compares
(sqllogictest style: the reference answers are checked in, so `cargo nextest run`
needs no reference engine). Regenerate after changing the generator or `budgetql gen`:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install duckdb==2.0.1
    cargo build
    /tmp/venv/bin/python tests/sqldiff/make_corpus.py --seed 1 --count 2000 \
        --out tests/sqldiff/corpus.slt

The data is `budgetql gen --years 2019..=2021 --departments 2 --seed 1` (the test makes
the same warehouse; the header records each table's row count so a change to the
generator is noticed). A query DuckDB rejects is dropped; every other one is kept with
DuckDB's rows, each row a JSON array of typed cells: null, "n:<number>", "s:<text>",
"b:true"/"b:false".
"""

import argparse
import decimal
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile

TABLES = {
    # name: (int columns, text columns, money columns, float columns)
    "projects": (
        ["year", "seq", "line"],
        ["dept_code", "unit_code", "project_code", "project_name", "phase"],
        ["budget", "fiscal", "other"],
        [],
    ),
    "indicators": (
        ["year", "line"],
        ["dept_code", "unit_code", "project_code", "level1", "level2", "target_op", "target_unit"],
        [],
        ["target_value"],
    ),
    "budget_lines": (
        ["year", "line"],
        ["dept_code", "direction", "item", "parent_item", "line_kind", "phase"],
        ["amount", "change_vs_prior"],
        [],
    ),
    "three_public": (
        ["year", "line"],
        ["dept_code", "category", "parent_category", "phase"],
        ["amount", "change_vs_prior"],
        [],
    ),
    "departments": (
        ["year", "line"],
        ["dept_code", "dept_name", "region", "phase", "budget_level"],
        [],
        [],
    ),
}

# joinable pairs: (left, right, keys)
JOINS = [
    ("projects", "departments", ["dept_code", "year"]),
    ("indicators", "projects", ["project_code", "year"]),
    ("budget_lines", "departments", ["dept_code", "year"]),
    ("three_public", "departments", ["dept_code", "year"]),
    ("projects", "budget_lines", ["dept_code", "year"]),
]

TEXT_VALUES = {
    "level1": ["产出指标", "效益指标", "满意度指标"],
    "level2": ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"],
    "target_op": [">=", "<=", "="],
    "target_unit": ["%", "次", "项"],
    "direction": ["income", "expense"],
    "item": ["基本支出", "项目支出", "支出合计", "收入合计", "财政拨款"],
    "line_kind": ["total", "part", "memo"],
    "category": ["合计", "公务接待费", "公务用车购置及运行费"],
    "phase": ["budget", "final"],
    "budget_level": ["department", "unit"],
}


class Gen:
    def __init__(self, rng, data):
        self.r = rng
        self.data = data  # table -> {col: [sample values]}

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    # --- columns and literals -------------------------------------------------
    def cols(self, t, kind):
        i, s, m, f = TABLES[t]
        return {"int": i, "text": s, "money": m, "float": f, "num": i + m + f}[kind]

    def text_lit(self, col):
        vals = TEXT_VALUES.get(col) or self.data.get(col) or ["x"]
        v = self.pick(vals) if vals else "x"
        return "'" + str(v).replace("'", "''") + "'"

    def num_lit(self, kind):
        if kind == "int":
            return str(self.pick([0, 1, 2, 3, 5, 10, 2019, 2020, 2021, -1, -7]))
        if kind == "money":
            return self.pick(["0", "1", "2.5", "10", "100", "0.01", "1000.25", "-3"])
        return self.pick(["0", "0.5", "1", "90", "95.5", "100"])

    # --- expressions ------------------------------------------------------------
    def col(self, t, kind, alias=None):
        cs = self.cols(t, kind)
        if not cs:
            return None
        c = self.pick(cs)
        return f"{alias}.{c}" if alias else c

    def num_expr(self, t, depth=0, alias=None):
        kinds = [k for k in ["int", "money", "float"] if self.cols(t, k)]
        k = self.pick(kinds)
        base = self.col(t, k, alias)
        if depth >= 2 or self.chance(0.45):
            return base
        r = self.r.random()
        other = self.num_expr(t, depth + 1, alias)
        if r < 0.35:
            op = self.pick(["+", "-", "*"])
            return f"({base} {op} {other})"
        if r < 0.45:
            return f"({base} / NULLIF({other}, 0))"
        if r < 0.5 and k == "int":
            return f"({base} % {self.pick(['3', '-3', '7'])})"
        if r < 0.6:
            return f"ABS({base})"
        if r < 0.68:
            return f"ROUND({base}, {self.pick(['0', '1', '2'])})"
        if r < 0.74:
            return f"COALESCE(NULLIF({base}, {self.num_lit(k)}), {self.num_lit(k)})"
        if r < 0.8:
            return f"CASE WHEN {self.pred(t, depth + 1, alias)} THEN {base} ELSE {other} END"
        if r < 0.85:
            return f"NULLIF({base}, {self.num_lit(k)})"
        if r < 0.9:
            return f"CAST({base} AS {self.pick(['BIGINT', 'DOUBLE', 'INTEGER'])})"
        if r < 0.95:
            return f"POWER({base}, 2)"
        return f"({base} * {self.num_lit('int')})"

    def text_expr(self, t, alias=None):
        c = self.col(t, "text", alias)
        r = self.r.random()
        if r < 0.6:
            return c
        if r < 0.7:
            return f"UPPER({c})"
        if r < 0.78:
            return f"LEFT({c}, {self.pick(['1', '2', '3', '20'])})"
        if r < 0.86:
            return f"RIGHT({c}, {self.pick(['1', '2', '3', '20'])})"
        if r < 0.92:
            return f"SUBSTR({c}, {self.pick(['1', '2'])}, {self.pick(['1', '3'])})"
        return f"COALESCE({c}, 'none')"

    def pred(self, t, depth=0, alias=None):
        r = self.r.random()
        if depth < 2 and r < 0.15:
            return f"({self.pred(t, depth + 1, alias)} {self.pick(['AND', 'OR'])} {self.pred(t, depth + 1, alias)})"
        if depth < 2 and r < 0.2:
            return f"NOT ({self.pred(t, depth + 1, alias)})"
        r = self.r.random()
        if r < 0.3:
            k = self.pick([k for k in ["int", "money", "float"] if self.cols(t, k)])
            c = self.col(t, k, alias)
            return f"{c} {self.pick(['=', '<>', '<', '<=', '>', '>='])} {self.num_lit(k)}"
        if r < 0.45:
            c = self.pick(self.cols(t, "text"))
            full = f"{alias}.{c}" if alias else c
            return f"{full} {self.pick(['=', '<>'])} {self.text_lit(c)}"
        if r < 0.55:
            c = self.pick(self.cols(t, "text"))
            full = f"{alias}.{c}" if alias else c
            return f"{full} IN ({self.text_lit(c)}, {self.text_lit(c)})"
        if r < 0.63:
            c = self.col(t, self.pick(["text", "num"]), alias)
            return f"{c} IS {self.pick(['', 'NOT '])}NULL"
        if r < 0.7:
            k = self.pick([k for k in ["int", "money"] if self.cols(t, k)])
            c = self.col(t, k, alias)
            a, b = sorted([int(float(self.num_lit('int'))), int(float(self.num_lit('int')))])
            return f"{c} {self.pick(['', 'NOT '])}BETWEEN {a} AND {b}"
        if r < 0.77:
            c = self.pick(self.cols(t, "text"))
            full = f"{alias}.{c}" if alias else c
            return f"{full} LIKE '{self.pick(['%费%', '产出%', '%1', '1%', '%'])}'"
        if r < 0.85:
            k = self.pick([k for k in ["int", "money"] if self.cols(t, k)])
            a = self.col(t, k, alias)
            b = self.col(t, k, alias)
            tail = ""
            if self.chance(0.5):
                tail = f" AND {self.pred(t, 2, alias)}"
            return f"{a} IS {self.pick(['', 'NOT '])}DISTINCT FROM {b}{tail}"
        return f"{self.num_expr(t, 1, alias)} {self.pick(['<', '>', '>=', '='])} {self.num_expr(t, 1, alias)}"

    def agg(self, t, alias=None):
        r = self.r.random()
        if r < 0.1:
            return "COUNT(*)"
        if r < 0.15:
            return f"COUNT(DISTINCT {self.col(t, self.pick(['text', 'int']), alias)})"
        if r < 0.2:
            return f"COUNT({self.col(t, self.pick(['text', 'num']), alias)})"
        if r < 0.25:
            return f"{self.pick(['SUM', 'MIN', 'MAX', 'AVG'])}({self.num_lit(self.pick(['int', 'money']))})"
        if r < 0.3:
            return f"(COUNT(DISTINCT {self.col(t, 'int', alias)}) - {self.pick(['11', '1', '100'])})"
        if r < 0.36:
            return f"{self.pick(['MIN', 'MAX'])}({self.col(t, 'text', alias)})"
        f = self.pick(["SUM", "MIN", "MAX", "AVG", "SUM", "COUNT"])
        return f"{f}({self.num_expr(t, 1, alias)})"

    # --- queries ------------------------------------------------------------
    def order_all(self, n, limit=True):
        self.ordered = True
        parts = []
        for i in range(1, n + 1):
            parts.append(f"{i} {self.pick(['ASC', 'DESC'])} NULLS {self.pick(['FIRST', 'LAST'])}")
        s = " ORDER BY " + ", ".join(parts)
        if limit and self.chance(0.6):
            s += f" LIMIT {self.pick([1, 2, 5, 10])}"
            if self.chance(0.2):
                s += f" OFFSET {self.pick([1, 3])}"
        return s

    def simple(self):
        t = self.pick(list(TABLES))
        n = self.r.randint(1, 3)
        items = []
        for _ in range(n):
            items.append(self.pick([self.num_expr, lambda t: self.text_expr(t), self.num_expr])(t))
        distinct = "DISTINCT " if self.chance(0.15) else ""
        sel = ", ".join(f"{e} AS c{i}" for i, e in enumerate(items))
        q = f"SELECT {distinct}{sel} FROM {t}"
        if self.chance(0.7):
            q += f" WHERE {self.pred(t)}"
        if self.chance(0.5):
            q += self.order_all(n)
        return q

    def grouped(self):
        t = self.pick(list(TABLES))
        keys = self.r.sample(self.cols(t, "text") + self.cols(t, "int"), self.r.randint(1, 2))
        if self.chance(0.1) and self.cols(t, "money"):
            keys = [self.pick(self.cols(t, "money"))]
        aggs = [self.agg(t) for _ in range(self.r.randint(1, 3))]
        sel = ", ".join(keys + [f"{a} AS a{i}" for i, a in enumerate(aggs)])
        q = f"SELECT {sel} FROM {t}"
        if self.chance(0.5):
            q += f" WHERE {self.pred(t)}"
        style = self.r.random()
        if style < 0.6:
            q += " GROUP BY " + ", ".join(keys)
        elif style < 0.85:
            q += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
        else:
            q += " GROUP BY ALL"
        if self.chance(0.25):
            q += f" HAVING {self.agg(t)} {self.pick(['>', '>=', '<'])} {self.num_lit('int')}"
        if self.chance(0.6):
            q += self.order_all(len(keys) + len(aggs))
        return q

    def window(self):
        t = self.pick(list(TABLES))
        part = self.pick(self.cols(t, "text") + ["year"])
        okey = self.pick(self.cols(t, "int") + self.cols(t, "money"))
        val = self.col(t, self.pick([k for k in ["int", "money", "float"] if self.cols(t, k)]))
        # every known column breaks ties: an order-sensitive window (ROW_NUMBER, LAG, a
        # ROWS frame) is then determined up to rows that print the same
        tb = ", ".join(sum(TABLES[t], []))
        r = self.r.random()
        over_p = f"PARTITION BY {part}" if self.chance(0.7) else ""
        direction = self.pick(["", " DESC", " ASC"])
        if r < 0.2:
            w = f"ROW_NUMBER() OVER ({over_p} ORDER BY {okey}{direction}, {tb})"
        elif r < 0.3:
            w = f"{self.pick(['RANK', 'DENSE_RANK'])}() OVER ({over_p} ORDER BY {okey}{direction})"
        elif r < 0.45:
            w = f"{self.pick(['SUM', 'COUNT', 'MIN', 'MAX', 'AVG'])}({val}) OVER ({over_p})"
        elif r < 0.55:
            w = f"{self.pick(['SUM', 'COUNT', 'MAX'])}({val}) OVER ({over_p} ORDER BY {okey}{direction})"
        elif r < 0.65:
            frame = self.pick([
                "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
                "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW",
                "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
            ])
            w = f"{self.pick(['SUM', 'AVG', 'MIN'])}({val}) OVER ({over_p} ORDER BY {okey}{direction}, {tb} {frame})"
        elif r < 0.75:
            extra = f", 1, {self.num_lit('int')}" if self.chance(0.3) else ""
            w = f"{self.pick(['LAG', 'LEAD'])}({val}{extra}) OVER ({over_p} ORDER BY {okey}{direction}, {tb})"
        elif r < 0.82:
            w = f"{self.pick(['FIRST_VALUE', 'LAST_VALUE'])}({val}) OVER ({over_p} ORDER BY {okey}{direction}, {tb} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        elif r < 0.9:
            w = f"{self.pick(['NTILE(3)', 'PERCENT_RANK()', 'CUME_DIST()'])} OVER ({over_p} ORDER BY {okey}{direction}, {tb})"
        else:
            w = f"{val} / NULLIF(SUM({val}) OVER ({over_p}), 0)"
        q = f"SELECT {part} AS p, {okey} AS o, line AS l, {w} AS w FROM {t}"
        if self.chance(0.4):
            q += f" WHERE {self.pred(t)}"
        if self.chance(0.15):
            q += f" QUALIFY ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY {okey} DESC, {tb}) <= 2"
        q += self.order_all(4, limit=self.chance(0.3))
        return q

    def grouped_window(self):
        t = self.pick(list(TABLES))
        key = self.pick(self.cols(t, "text") + ["year"])
        num = self.pick(self.cols(t, "num"))
        r = self.r.random()
        if r < 0.25:
            w = "COUNT(*) OVER ()"
        elif r < 0.45:
            w = f"ROW_NUMBER() OVER (ORDER BY {key})"
        elif r < 0.7:
            w = f"SUM(SUM({num})) OVER ()"
        elif r < 0.85:
            w = f"SUM({num}) / NULLIF(SUM(SUM({num})) OVER (), 0)"
        else:
            w = f"RANK() OVER (ORDER BY SUM({num}) DESC)"
        q = f"SELECT {key}, SUM({num}) AS s, {w} AS w FROM {t} GROUP BY {key}"
        q += self.order_all(3, limit=False)
        return q

    def join(self):
        lt, rt, keys = self.pick(JOINS)
        kind = self.pick(["JOIN", "LEFT JOIN", "INNER JOIN", "LEFT JOIN"])
        on = " AND ".join(f"l.{k} = r.{k}" for k in keys)
        if self.chance(0.35):
            on += f" AND {self.pred(rt, 2, 'r')}"
        a = self.num_expr(lt, 1, "l")
        b = self.col(rt, self.pick(["text", "int"]), "r")
        if self.chance(0.5):
            q = f"SELECT l.{keys[0]}, {self.agg(lt, 'l')} AS a, COUNT({b}) AS n FROM {lt} l {kind} {rt} r ON {on}"
            if self.chance(0.4):
                q += f" WHERE {self.pred(lt, 1, 'l')}"
            q += f" GROUP BY l.{keys[0]}" + self.order_all(3, limit=False)
        else:
            q = f"SELECT {a} AS a, {b} AS b FROM {lt} l {kind} {rt} r ON {on}"
            if self.chance(0.4):
                q += f" WHERE {self.pred(lt, 1, 'l')}"
            q += self.order_all(2)
        return q

    def cte(self):
        t = self.pick(list(TABLES))
        key = self.pick(self.cols(t, "text") + ["year"])
        num = self.pick(self.cols(t, "num"))
        inner = f"SELECT {key} AS k, SUM({num}) AS s, COUNT(*) AS n FROM {t}"
        if self.chance(0.4):
            inner += f" WHERE {self.pred(t)}"
        inner += f" GROUP BY {key}"
        r = self.r.random()
        if r < 0.4:
            q = f"WITH x AS ({inner}) SELECT k, s, n, s / NULLIF(n, 0) AS avg_s FROM x WHERE n {self.pick(['>', '>='])} {self.pick([0, 1, 2, 5])}"
            q += self.order_all(4)
        elif r < 0.7:
            q = f"WITH x AS ({inner}) SELECT COUNT(*) AS c, SUM(s) AS total, MAX(n) AS m FROM x"
        else:
            q = f"WITH x AS ({inner}), y AS (SELECT k, s FROM x WHERE s IS NOT NULL) SELECT k, s FROM y" + self.order_all(2)
        return q

    def subquery(self):
        t = self.pick(list(TABLES))
        num = self.pick(self.cols(t, "money") or self.cols(t, "num"))
        key = self.pick(self.cols(t, "text") + ["year"])
        r = self.r.random()
        if r < 0.3:
            q = f"SELECT {key} AS k, {num} AS v, {num} / (SELECT SUM({num}) FROM {t}) AS share FROM {t}"
            q += self.order_all(3)
        elif r < 0.45:
            q = f"SELECT {key} AS k, {num} AS v FROM {t} WHERE {num} > (SELECT AVG({num}) FROM {t})" + self.order_all(2)
        elif r < 0.6:
            c = self.pick(self.cols(t, "text"))
            q = f"SELECT COUNT(*) AS n FROM {t} WHERE {c} IN (SELECT {c} FROM {t} WHERE {self.pred(t)})"
        elif r < 0.75:
            q = f"SELECT a.{key} AS k, a.{num} AS v FROM {t} a WHERE EXISTS (SELECT 1 FROM {t} b WHERE b.{key} = a.{key} AND b.{num} > a.{num})" + self.order_all(2)
        elif r < 0.8:
            q = f"SELECT {key} AS k, (SELECT COUNT(*) FROM {t}) AS total FROM {t} GROUP BY {key}" + self.order_all(2)
        elif r < 0.85:
            q = f"SELECT SUM({num}) / (SELECT SUM({num}) FROM {t} WHERE {self.pred(t)}) AS r, COUNT(*) AS n FROM {t} WHERE {self.pred(t)}"
        else:
            q = f"SELECT a.{key} AS k, a.{num} AS v, (SELECT MAX(b.{num}) FROM {t} b WHERE b.{key} = a.{key}) AS top FROM {t} a" + self.order_all(3)
        return q

    def setop(self):
        t = self.pick(list(TABLES))
        c = self.pick(self.cols(t, "text") + self.cols(t, "int"))
        a = f"SELECT {c} FROM {t} WHERE {self.pred(t)}"
        b = f"SELECT {c} FROM {t} WHERE {self.pred(t)}"
        op = self.pick(["UNION ALL", "UNION", "EXCEPT", "INTERSECT", "UNION ALL"])
        r = self.r.random()
        if r < 0.4:
            return f"SELECT COUNT(*) AS n FROM ({a} {op} {b}) u"
        if r < 0.7:
            return f"SELECT * FROM ({a} {op} {b}) u" + self.order_all(1)
        return f"{a} {op} {b}"

    def misc(self):
        """Text functions, NULL-sensitive IN, CASE forms, GROUP BY expressions, statistics,
        booleans, derived-table column aliases, ORDER BY expressions."""
        t = self.pick(list(TABLES))
        c = self.pick(self.cols(t, "text"))
        c2 = self.pick(self.cols(t, "text"))
        k = self.pick([k for k in ["int", "money", "float"] if self.cols(t, k)])
        n = self.col(t, k)
        r = self.r.random()
        if r < 0.1:
            e = self.pick([f"{c} || '-' || {c2}", f"CONCAT({c}, {c2})", f"LENGTH({c})", f"LOWER({c})",
                           f"TRIM({c})", f"REPLACE({c}, '1', 'x')", f"UPPER(LEFT({c}, 2))",
                           f"SUBSTRING({c}, 2, 3)", f"STARTS_WITH({c}, '1')", f"REVERSE({c})"])
            q = f"SELECT {e} AS e, COUNT(*) AS n FROM {t} GROUP BY 1" + self.order_all(2)
        elif r < 0.2:
            vals = ", ".join([self.num_lit("int"), "NULL"] if self.chance(0.5) else [self.num_lit("int"), self.num_lit("int")])
            q = f"SELECT COUNT(*) AS n, COUNT({n}) AS m FROM {t} WHERE {n} {self.pick(['IN', 'NOT IN'])} ({vals})"
        elif r < 0.28:
            q = f"SELECT COUNT(*) AS n FROM projects WHERE unit_code {self.pick(['IN', 'NOT IN'])} (SELECT unit_code FROM indicators WHERE {self.pred('indicators')})"
        elif r < 0.38:
            case = self.pick([
                f"CASE WHEN {n} > {self.num_lit(k)} THEN 'big' WHEN {n} > 0 THEN 'small' END",
                f"CASE {c} WHEN {self.text_lit(c)} THEN 1 WHEN {self.text_lit(c)} THEN 2 ELSE 0 END",
                f"CASE WHEN {n} IS NULL THEN -1 ELSE {n} END",
            ])
            q = f"SELECT {case} AS e, COUNT(*) AS n FROM {t} GROUP BY 1" + self.order_all(2)
        elif r < 0.48:
            g = self.pick([f"{self.col(t, 'int')} % 2", f"LEFT({c}, 2)", f"{n} > {self.num_lit(k)}", f"ROUND({n}, 0)", f"{c} IS NULL"])
            q = f"SELECT {g} AS g, COUNT(*) AS n, SUM({n}) AS s FROM {t} GROUP BY {g}" + self.order_all(3)
        elif r < 0.6:
            f = self.pick(["STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP", "MEDIAN", "AVG", "COUNT(DISTINCT"])
            arg = f"{f} {n})" if f.endswith("DISTINCT") else f"{f}({n})"
            if f == "COUNT(DISTINCT":
                arg = f"COUNT(DISTINCT {n})"
            key = self.pick(self.cols(t, "text") + ["year"])
            q = f"SELECT {key} AS k, {arg} AS v FROM {t} GROUP BY {key}" + self.order_all(2)
        elif r < 0.68:
            q = f"SELECT {n} > {self.num_lit(k)} AS b, {c} IS NOT NULL AS nn, COUNT(*) AS n FROM {t} GROUP BY 1, 2" + self.order_all(3)
        elif r < 0.76:
            q = f"SELECT x, y FROM (SELECT {c}, {n} FROM {t} WHERE {self.pred(t)}) AS d(x, y)" + self.order_all(2)
        elif r < 0.84:
            q = f"SELECT {c} AS a, {n} AS b FROM {t} ORDER BY {n} * -1 {self.pick(['ASC', 'DESC'])} NULLS LAST, 1 NULLS FIRST, 2 NULLS LAST LIMIT 5"
            self.ordered = True
        elif r < 0.92:
            f = self.pick(["ABS", "SIGN", "CEIL", "FLOOR", "SQRT", "LN", "EXP"])
            arg = f"ABS({n}) + 1" if f in ("SQRT", "LN") else (f"{n} / 1000" if f == "EXP" else n)
            q = f"SELECT {f}({arg}) AS e FROM {t} WHERE {self.pred(t)}" + self.order_all(1)
        else:
            q = f"SELECT {self.agg(t)} AS a FROM {t} HAVING {self.agg(t)} {self.pick(['>', '<', '>='])} {self.num_lit('int')}"
        return q

    def query(self):
        self.ordered = False
        f = self.r.choices(
            [self.simple, self.grouped, self.window, self.grouped_window, self.join, self.cte, self.subquery, self.setop, self.misc],
            weights=[20, 20, 14, 8, 12, 8, 10, 8, 16],
        )[0]
        return f()


def cell(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "b:true" if v else "b:false"
    if isinstance(v, (int,)):
        return f"n:{v}"
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return f"n:{v}"
        return f"n:{v!r}"
    if isinstance(v, decimal.Decimal):
        return f"n:{v}"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return f"s:{v.isoformat()}"
    return f"s:{v}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-rows", type=int, default=30)
    ap.add_argument("--bin", default=os.environ.get("BUDGETQL_BIN", "target/debug/budgetql"))
    a = ap.parse_args()
    import duckdb

    wh = tempfile.mkdtemp(prefix="sqldiff-")
    os.rmdir(wh)
    subprocess.run([a.bin, "gen", "--years", "2019..=2021", "--departments", "2", "--seed", "1", "--into", wh],
                   check=True, stdout=subprocess.DEVNULL)
    con = duckdb.connect()
    counts = {}
    data = {}
    for t in TABLES:
        # tables, not views over the files: DuckDB 2.0.1 applies a filter on the hive
        # partition column `year` before a window over the view (COUNT(x) OVER (PARTITION
        # BY k) … WHERE year = 2019 counts all years), a reference bug, not ours
        con.execute(
            f"CREATE TABLE {t} AS SELECT * FROM read_parquet('{wh}/{t}/*/*.parquet', hive_partitioning=true, hive_types={{'year': INTEGER}})"
        )
        counts[t] = con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for c in TABLES[t][1]:
            vals = [r[0] for r in con.execute(f"SELECT DISTINCT {c} FROM {t} WHERE {c} IS NOT NULL ORDER BY 1 LIMIT 6").fetchall()]
            data.setdefault(c, vals)
    g = Gen(random.Random(a.seed), data)
    out = [f"# generated by tests/sqldiff/make_corpus.py --seed {a.seed} --count {a.count}; DuckDB {duckdb.__version__}",
           "# data: budgetql gen --years 2019..=2021 --departments 2 --seed 1",
           "rows " + " ".join(f"{t}={n}" for t, n in counts.items()), ""]
    kept = 0
    seen = set()
    tries = 0
    while kept < a.count and tries < a.count * 20:
        tries += 1
        q = g.query()
        if q in seen:
            continue
        seen.add(q)
        try:
            rows = con.execute(q).fetchall()
        except Exception:
            continue
        # keep the checked-in corpus small: a query answering many rows is regenerated
        if len(rows) > a.max_rows:
            continue
        ordered = g.ordered
        kept += 1
        out.append(f"query q{kept} {'ordered' if ordered else 'rowsort'}")
        out.append(q)
        out.append("----")
        for r in rows:
            out.append(json.dumps([cell(v) for v in r], ensure_ascii=False))
        out.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print(f"{kept} queries ({tries} generated) → {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
