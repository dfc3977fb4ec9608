-- q5, spelled with ordinals
SELECT level1, level2, target_unit, COUNT(*) AS n, AVG(target_value) AS mean, MEDIAN(target_value) AS median, QUANTILE_CONT(target_value, 0.9) AS p90 FROM indicators GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS LAST
