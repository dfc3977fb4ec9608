-- q7 with EXISTS
SELECT year, SUM(budget) AS spending FROM projects p WHERE EXISTS (SELECT 1 FROM indicators i WHERE i.project_code = p.project_code AND i.level2 = '服务对象满意度指标' AND i.target_value >= 95) GROUP BY year ORDER BY year
