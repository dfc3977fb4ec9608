-- q6 in plain SQL: LAG over the grouped rows of a CTE
WITH t AS (SELECT year, dept_code, SUM(budget) AS budget FROM projects GROUP BY year, dept_code) SELECT year, dept_code, budget, CAST(budget - LAG(budget) OVER (PARTITION BY dept_code ORDER BY year) AS DOUBLE) / CAST(LAG(budget) OVER (PARTITION BY dept_code ORDER BY year) AS DOUBLE) AS growth FROM t ORDER BY dept_code, year
