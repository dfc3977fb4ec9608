-- q2, spelled with ordinals
SELECT year, dept_code, SUM(budget) AS budget, SHARE(SUM(budget)) OVER (PARTITION BY year) AS share FROM projects GROUP BY 1, 2 ORDER BY 1, 2
