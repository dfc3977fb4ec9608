-- q5: indicator targets by level1, level2 and target_unit: count, mean, median, p90
SELECT level1, level2, target_unit, COUNT(*) AS n, AVG(target_value) AS mean, MEDIAN(target_value) AS median, QUANTILE_CONT(target_value, 0.9) AS p90 FROM indicators GROUP BY level1, level2, target_unit ORDER BY level1, level2, target_unit NULLS LAST
