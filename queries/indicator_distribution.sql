-- Question: how demanding are the numeric performance targets? For each indicator
-- kind (level1 / level2) and unit of measure: how many, mean, median and 90th percentile.
-- Tables: indicators (target_value is the number parsed from e.g. ≥90%).
SELECT level1, level2, target_unit,
       COUNT(*)                         AS n,
       ROUND(AVG(target_value), 2)      AS mean,
       MEDIAN(target_value)             AS median,
       QUANTILE_CONT(target_value, 0.9) AS p90
FROM indicators
WHERE target_value IS NOT NULL
GROUP BY level1, level2, target_unit
ORDER BY level1, level2, target_unit;
