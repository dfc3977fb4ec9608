-- Question: how is project spending split between the department's units,
-- and how much of each unit's project money is fiscal (财政资金) vs other funds?
-- Tables: projects. Money in 万元, exact.
SELECT unit_code,
       unit_name,
       COUNT(*)     AS projects,
       SUM(budget)  AS budget,
       SUM(fiscal)  AS fiscal,
       SUM(other)   AS other
FROM projects
GROUP BY unit_code, unit_name
ORDER BY budget DESC;
