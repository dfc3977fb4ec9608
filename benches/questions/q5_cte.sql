-- q5, the statistics in a CTE, ordered outside
WITH stats AS (SELECT level1, level2, target_unit, COUNT(*) AS n, AVG(target_value) AS mean, MEDIAN(target_value) AS median, QUANTILE_CONT(target_value, 0.9) AS p90 FROM indicators GROUP BY level1, level2, target_unit) SELECT * FROM stats ORDER BY level1, level2, target_unit NULLS LAST
