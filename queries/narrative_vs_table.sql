-- Question: where does a project's narrative sentence ("预算数X万元") state a
-- different budget from its own table? Each row is a figure to check by hand;
-- `line` and `stated_line` point into the source document.
-- Tables: projects.
SELECT seq, project_name, budget AS table_budget, stated_budget, budget - stated_budget AS difference,
       line, stated_line, source
FROM projects
WHERE stated_budget IS NOT NULL AND stated_budget <> budget
ORDER BY seq;
