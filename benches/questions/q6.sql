-- q6: year-over-year growth of each department's budget (YOY)
SELECT year, dept_code, SUM(budget) AS budget, YOY(SUM(budget)) AS growth FROM projects GROUP BY year, dept_code ORDER BY dept_code, year
