-- Question: which ten projects carry the most money, and from which unit?
-- Tables: projects.
SELECT seq, unit_code, project_name, budget, fiscal, other
FROM projects
ORDER BY budget DESC, seq
LIMIT 10;
