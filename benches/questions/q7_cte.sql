-- q7 with the qualifying projects in a CTE and a join
WITH satisfied AS (SELECT DISTINCT project_code FROM indicators WHERE level2 = '服务对象满意度指标' AND target_value >= 95) SELECT p.year, SUM(p.budget) AS spending FROM projects p JOIN satisfied s ON p.project_code = s.project_code GROUP BY 1 ORDER BY 1
