-- Question: by the end of each quarter, what share of the year's project money is
-- planned to be paid out? Simple average of the projects' plans, and weighted by
-- each project's budget (big projects count more).
-- Tables: disbursement joined with projects.
SELECT d.month,
       ROUND(AVG(CAST(d.cumulative_pct AS DOUBLE)), 2) AS avg_pct,
       ROUND(SUM(CAST(d.cumulative_pct AS DOUBLE) * CAST(p.budget AS DOUBLE)) / SUM(CAST(p.budget AS DOUBLE)), 2) AS weighted_pct,
       COUNT(*) AS projects
FROM disbursement d
JOIN projects p ON p.project_code = d.project_code AND p.source = d.source
GROUP BY d.month
ORDER BY d.month;
