-- q4 with the rank in a CTE and ordinals in ORDER BY
WITH ranked AS (SELECT year, project_code, budget, RANK() OVER (PARTITION BY year ORDER BY budget DESC) AS r FROM projects) SELECT year, project_code, budget FROM ranked WHERE r <= 10 ORDER BY 1, 3 DESC, 2
