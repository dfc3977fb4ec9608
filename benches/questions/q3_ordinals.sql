-- q3, spelled with ordinals
SELECT year, unit_code, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY 1, 2 ORDER BY 1, 2
