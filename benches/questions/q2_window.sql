-- q2 in plain SQL: the share as a window over the grouped rows of a CTE
WITH t AS (SELECT year, dept_code, SUM(budget) AS budget FROM projects GROUP BY year, dept_code) SELECT year, dept_code, budget, CAST(budget AS DOUBLE) / SUM(CAST(budget AS DOUBLE)) OVER (PARTITION BY year) AS share FROM t ORDER BY year, dept_code
