-- q3, grouped and ordered by aliases, in a derived table
SELECT * FROM (SELECT year AS y, unit_code AS unit, SUM(fiscal) AS fiscal, SUM(other) AS other FROM projects GROUP BY y, unit) ORDER BY y, unit
