-- q1: total budget by year
SELECT year, SUM(budget) AS total FROM projects GROUP BY year ORDER BY year
