-- Question: what share of all project spending does each unit hold?
-- SHARE(x) is x as a fraction of the total of x over the result.
-- Tables: projects.
SELECT unit_name, SUM(budget) AS budget, SHARE(SUM(budget)) AS share
FROM projects
GROUP BY unit_name
ORDER BY budget DESC;
