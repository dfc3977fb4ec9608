-- q4 without QUALIFY: the rank in a derived table, filtered outside
SELECT year, project_code, budget FROM (SELECT year, project_code, budget, RANK() OVER (PARTITION BY year ORDER BY budget DESC) AS r FROM projects) WHERE r <= 10 ORDER BY year, budget DESC, project_code
