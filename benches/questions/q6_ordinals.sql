-- q6, spelled with ordinals
SELECT year, dept_code, SUM(budget) AS budget, YOY(SUM(budget)) AS growth FROM projects GROUP BY 1, 2 ORDER BY 2, 1
