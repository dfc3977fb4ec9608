-- q1, spelled with ordinals
SELECT year, SUM(budget) AS total FROM projects GROUP BY 1 ORDER BY 1
