-- q2: each department's share of its year's total (SHARE … OVER PARTITION BY year)
SELECT year, dept_code, SUM(budget) AS budget, SHARE(SUM(budget)) OVER (PARTITION BY year) AS share FROM projects GROUP BY year, dept_code ORDER BY year, dept_code
