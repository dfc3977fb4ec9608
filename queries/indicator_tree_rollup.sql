-- Question: how many indicators does each unit set, by level-1 kind, with subtotals
-- per unit and a grand total, as a budget table prints them?
-- Tables: indicators (GROUP BY ROLLUP adds 小计 and 合计 rows).
SELECT unit_code, level1, COUNT(*) AS indicators
FROM indicators
GROUP BY ROLLUP(unit_code, level1);
