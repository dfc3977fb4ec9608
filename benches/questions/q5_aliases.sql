-- q5, grouped and ordered by aliases
SELECT level1 AS l1, level2 AS l2, target_unit AS unit, COUNT(*) AS n, AVG(target_value) AS mean, MEDIAN(target_value) AS median, QUANTILE_CONT(target_value, 0.9) AS p90 FROM indicators GROUP BY l1, l2, unit ORDER BY l1, l2, unit NULLS LAST
