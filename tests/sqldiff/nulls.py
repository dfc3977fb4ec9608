#!/usr/bin/env python3
"""Random queries over two small session tables full of NULLs, answered by DuckDB and by
budgetql's CLI, compared value by value (numbers to six significant digits; a CSV cell
cannot tell '' from NULL, so the tables hold no empty text). Complements make_corpus.py,
whose queries run over a generated warehouse: this one reaches NULL handling in
predicates, CASE, COALESCE/NULLIF, IS [NOT] TRUE, IN/ANY/ALL/EXISTS subqueries, joins of
every kind, windows and frames, set operations, ORDER BY without NULLS FIRST/LAST, LIMIT.

    python3 tests/sqldiff/nulls.py SEED COUNT [-v]     (SHAPES=0..1: the share of joins,
                                                        windows, set operations, …)

Needs the `duckdb` package (2.0.1) and a built target/debug/budgetql (BUDGETQL=path).
Prints each disagreement (WRONG) and, with -v, each refusal; then the tally.
"""
import random, subprocess, csv, io, sys, duckdb, math, os
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
BQ = os.environ.get("BUDGETQL", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../target/debug/budgetql"))
setup = """CREATE TABLE t0(k INTEGER, a INTEGER, b BIGINT, c DOUBLE, d DECIMAL(10,2), s VARCHAR, f BOOLEAN);
INSERT INTO t0 VALUES (1, 1, 10, 1.5, 2.25, 'ab', true), (2, NULL, -3, NULL, 0.50, 'b', false), (3, 0, NULL, -2.0, NULL, NULL, NULL), (4, 5, 7, 0.0, -1.25, 'abc', true), (5, -2, 0, 3.25, 100.00, 'xyz', false), (6, 1, 10, 1.5, 2.25, 'ab', true), (7, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE t1(k INTEGER, a INTEGER, s VARCHAR);
INSERT INTO t1 VALUES (1, 1, 'ab'), (2, 5, 'x'), (3, NULL, 'b'), (4, 1, NULL), (5, 7, 'abc')"""
ints = ["a", "b", "k", "0", "1", "-1", "3", "NULL"]
nums = ints + ["c", "d", "1.5", "0.25"]
texts = ["s", "'ab'", "'b'", "'x'", "NULL"]
bools = ["f", "TRUE", "FALSE"]
def num(depth=0):
    r = random.random()
    if depth > 2 or r < 0.4: return random.choice(nums)
    ops = [
        lambda: f"({num(depth+1)} {random.choice(['+','-','*'])} {num(depth+1)})",
        lambda: f"ABS({num(depth+1)})",
        lambda: f"COALESCE({num(depth+1)}, {num(depth+1)})",
        lambda: f"NULLIF({num(depth+1)}, {num(depth+1)})",
        lambda: f"CASE WHEN {pred(depth+1)} THEN {num(depth+1)} ELSE {num(depth+1)} END",
        lambda: f"LENGTH({text(depth+1)})",
        lambda: f"(-{random.choice(ints)})",
        lambda: f"CAST({num(depth+1)} AS INTEGER)",
        lambda: f"ROUND({num(depth+1)}, {random.choice([0,1,2])})",
        lambda: f"GREATEST({num(depth+1)}, {num(depth+1)})",
        lambda: f"LEAST({num(depth+1)}, {num(depth+1)})",
        lambda: f"({random.choice(ints)} % {random.choice(['2','3','-3'])})",
        lambda: f"SIGN({num(depth+1)})",
    ]
    return random.choice(ops)()
def text(depth=0):
    r = random.random()
    if depth > 2 or r < 0.5: return random.choice(texts)
    ops = [
        lambda: f"UPPER({text(depth+1)})",
        lambda: f"({text(depth+1)} || {text(depth+1)})",
        lambda: f"COALESCE({text(depth+1)}, {text(depth+1)})",
        lambda: f"SUBSTR({text(depth+1)}, {random.choice([1,2,-1])}, {random.choice([1,2])})",
        lambda: f"REPLACE({text(depth+1)}, 'b', 'q')",
        lambda: f"TRIM({text(depth+1)})",
        lambda: f"CASE WHEN {pred(depth+1)} THEN {text(depth+1)} ELSE {text(depth+1)} END",
        lambda: f"CAST({random.choice(ints)} AS VARCHAR)",
    ]
    return random.choice(ops)()
def pred(depth=0):
    r = random.random()
    if depth > 2 or r < 0.3:
        return random.choice([
            lambda: f"{num(depth+1)} {random.choice(['=','<>','<','<=','>','>='])} {num(depth+1)}",
            lambda: f"{text(depth+1)} {random.choice(['=','<>','<','>'])} {text(depth+1)}",
            lambda: f"{random.choice(nums)} IS {random.choice(['','NOT '])}NULL",
            lambda: random.choice(bools),
        ])()
    ops = [
        lambda: f"({pred(depth+1)} AND {pred(depth+1)})",
        lambda: f"({pred(depth+1)} OR {pred(depth+1)})",
        lambda: f"(NOT {pred(depth+1)})",
        lambda: f"{num(depth+1)} BETWEEN {num(depth+1)} AND {num(depth+1)}",
        lambda: f"{random.choice(ints)} {random.choice(['','NOT '])}IN ({', '.join(random.choice(ints) for _ in range(3))})",
        lambda: f"{text(depth+1)} {random.choice(['','NOT '])}LIKE '{random.choice(['a%','%b','_b%','%'])}'",
        lambda: f"({pred(depth+1)}) IS {random.choice(['','NOT '])}{random.choice(['TRUE','FALSE'])}",
        lambda: f"{num(depth+1)} IS {random.choice(['','NOT '])}DISTINCT FROM {num(depth+1)}",
        lambda: f"a {random.choice(['','NOT '])}IN (SELECT a FROM t1 WHERE {pred(depth+2)})",
        lambda: f"{random.choice(['','NOT '])}EXISTS (SELECT 1 FROM t1 WHERE t1.k = t0.k AND {pred(depth+2)})",
        lambda: f"a {random.choice(['=','<','>'])} {random.choice(['ANY','ALL'])} (SELECT a FROM t1)",
    ]
    return random.choice(ops)()
def query2():
    r = random.random()
    col = lambda: random.choice(["a","b","c","d","s","f"])
    if r < 0.2:
        j = random.choice(["JOIN","LEFT JOIN","RIGHT JOIN","FULL JOIN"])
        cond = random.choice(["t0.k = t1.k", "t0.a = t1.a", "t0.a = t1.a AND t0.k < t1.k", "t0.s = t1.s OR t0.a > t1.a", "t0.a < t1.a"])
        return f"SELECT t0.k AS k0, t1.k AS k1 FROM t0 {j} t1 ON {cond} ORDER BY 1 NULLS LAST, 2 NULLS LAST"
    if r < 0.4:
        w = random.choice(["ROW_NUMBER()", "RANK()", "DENSE_RANK()", f"SUM({random.choice(['a','b','d'])})", f"COUNT({col()})", f"MAX({col()})", f"LAG({col()})", f"AVG({random.choice(['a','c','d'])})", f"MIN({col()})"])
        part = random.choice(["", "PARTITION BY f ", "PARTITION BY a % 2 ", "PARTITION BY s IS NULL "])
        o = random.choice(["a","b","c","s","d"])
        order = random.choice([f"ORDER BY {o}, k", f"ORDER BY {o} DESC, k", f"ORDER BY {o} NULLS FIRST, k", f"ORDER BY {o} DESC NULLS LAST, k DESC", "ORDER BY k"])
        frame = random.choice(["", "", " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING", " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"]) if not w.endswith("()") and not w.startswith("LAG") else ""
        return f"SELECT k, {w} OVER ({part}{order}{frame}) AS v FROM t0 ORDER BY k"
    if r < 0.55:
        ops = random.choice(["UNION","UNION ALL","EXCEPT","INTERSECT","EXCEPT ALL","INTERSECT ALL"])
        return f"SELECT a FROM t0 WHERE {pred()} {ops} SELECT a FROM t1 WHERE {pred()} ORDER BY 1 NULLS LAST"
    if r < 0.7:
        o = random.choice(["a","b","c","s","d","f"])
        return f"SELECT k FROM t0 ORDER BY {o} {random.choice(['','DESC'])} {random.choice(['','NULLS FIRST','NULLS LAST'])}, k LIMIT {random.choice([1,2,3,5])} OFFSET {random.choice([0,1,2])}"
    if r < 0.85:
        g = random.choice(["f","a % 2","s","s IS NULL","a"])
        agg = random.choice(["COUNT(DISTINCT a)","SUM(DISTINCT a)","COUNT(*)","MAX(s)","MIN(d)","SUM(d)","AVG(d)","STRING_AGG(s, ',' ORDER BY s)","COUNT(s)","SUM(c)"])
        return f"SELECT {g} AS g, {agg} AS v FROM t0 GROUP BY 1 HAVING {random.choice(['COUNT(*) > 1','SUM(a) > 0','MAX(k) < 6','TRUE','MIN(s) IS NOT NULL'])} ORDER BY 1 NULLS LAST"
    return f"SELECT k, (SELECT {random.choice(['COUNT(*)','MAX(t1.a)','SUM(t1.a)','MIN(t1.s)'])} FROM t1 WHERE t1.a {random.choice(['=','<','>','<>'])} t0.a) AS v FROM t0 ORDER BY k"

def query3():
    """Nested shapes: derived tables, CTEs, windows over groups, QUALIFY, DISTINCT."""
    r = random.random()
    if r < 0.2:
        return f"WITH w AS (SELECT k, {num()} AS x FROM t0 WHERE {pred()}) SELECT COUNT(*) AS n, SUM(x) AS s, MIN(x) AS m FROM w"
    if r < 0.4:
        g = random.choice(["f", "a % 2", "s IS NULL"])
        return f"SELECT {g} AS g, SUM(COUNT(*)) OVER () AS total, COUNT(*) AS n, RANK() OVER (ORDER BY COUNT(*) DESC) AS r FROM t0 GROUP BY 1 ORDER BY 1 NULLS LAST"
    if r < 0.55:
        return f"SELECT k, a FROM t0 QUALIFY ROW_NUMBER() OVER (PARTITION BY f ORDER BY a DESC, k) = 1 ORDER BY k"
    if r < 0.7:
        return f"SELECT DISTINCT {random.choice(['a', 's', 'f', 'a % 2', 'c > 0'])} AS v FROM t0 WHERE {pred()} ORDER BY 1 NULLS LAST"
    if r < 0.85:
        return f"SELECT x.k, y.n FROM t0 AS x JOIN (SELECT a, COUNT(*) AS n FROM t1 GROUP BY a) AS y ON x.a = y.a WHERE {pred().replace('t0.', 'x.')} ORDER BY 1, 2"
    return f"SELECT k, CASE WHEN {pred()} THEN 'y' WHEN {pred()} THEN 'n' END AS v FROM t0 ORDER BY k"

def query():
    if random.random() < 0.25: return query3()
    if random.random() < float(os.environ.get('SHAPES', '0.5')): return query2()
    r = random.random()
    if r < 0.35:
        return f"SELECT k, {num()} AS v FROM t0 ORDER BY k"
    if r < 0.5:
        return f"SELECT k, {text()} AS v FROM t0 ORDER BY k"
    if r < 0.75:
        return f"SELECT COUNT(*) AS n FROM t0 WHERE {pred()}"
    if r < 0.85:
        agg = random.choice(["SUM","MIN","MAX","COUNT","AVG"])
        return f"SELECT {random.choice(['f','a % 2','s IS NULL'])} AS g, {agg}({num()}) AS v FROM t0 GROUP BY 1 ORDER BY 1 NULLS LAST"
    return f"SELECT k, ({pred()}) AS v FROM t0 ORDER BY k"
def norm(v):
    if v is None or v == "": return ""
    if isinstance(v, bool): return "true" if v else "false"
    s = str(v)
    if s in ("True","False"): return s.lower()
    try:
        x = float(s)
        if math.isnan(x): return "nan"
        if x == int(x) and abs(x) < 1e15: return str(int(x))
        return f"{x:.6g}"
    except: return s
con = duckdb.connect()
for st in setup.split(";"):
    con.execute(st)
stats = {"same":0,"refused":0,"wrong":0,"duck_error":0}
for i in range(N):
    q = query()
    try:
        r = con.execute(q).fetchall()
        want = [[norm(v) for v in row] for row in r]
    except Exception as e:
        stats["duck_error"] += 1
        continue
    p = subprocess.run([BQ, "--format", "csv", "-c", setup + ";\n" + q], capture_output=True, text=True)
    if p.returncode != 0 or "budgetql:" in p.stderr:
        stats["refused"] += 1
        if "-v" in sys.argv: print("REFUSED", q, p.stderr.strip().split("\n")[0][:200])
        continue
    rows = list(csv.reader(io.StringIO(p.stdout)))
    got = [[norm(v) for v in row] if row else [""] for row in rows[1:]]
    if got == want:
        stats["same"] += 1
    else:
        stats["wrong"] += 1
        print("WRONG", q, "\n  want", want, "\n  got ", got)
print(stats)
