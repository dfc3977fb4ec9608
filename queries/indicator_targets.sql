-- Question: which kinds of performance indicators do the projects set, and what
-- targets (operator, value, unit) do they use?
-- Tables: indicators.
SELECT level1, level2, target_op, target_unit,
       COUNT(*)          AS indicators,
       MIN(target_value) AS min_target,
       MAX(target_value) AS max_target
FROM indicators
GROUP BY level1, level2, target_op, target_unit
ORDER BY level1, level2, indicators DESC;
