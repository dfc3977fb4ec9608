-- q7: spending on projects with a satisfaction (满意度) indicator targeting at least 95%, by year
SELECT year, SUM(budget) AS spending FROM projects WHERE project_code IN (SELECT project_code FROM indicators WHERE level2 = '服务对象满意度指标' AND target_value >= 95) GROUP BY year ORDER BY year
