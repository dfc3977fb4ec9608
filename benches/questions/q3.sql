-- q3: fiscal vs other funds by year and unit
SELECT year, unit_code, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY year, unit_code ORDER BY year, unit_code
