-- Question: which kinds of performance indicators are set, and how often?
-- Counts by level-1 and level-2 indicator.
-- Tables: indicators.
SELECT level1, level2, COUNT(*) AS indicators, COUNT(DISTINCT project_code) AS projects
FROM indicators
GROUP BY level1, level2
ORDER BY level1, indicators DESC, level2;
