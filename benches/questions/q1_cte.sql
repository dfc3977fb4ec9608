-- q1, the grouping in a CTE, an alias for the year
WITH totals AS (SELECT year AS y, SUM(budget) AS total FROM projects GROUP BY y) SELECT y AS year, total FROM totals ORDER BY year
