-- Question: how much does each department spend in each year and phase (预算 budget,
-- 决算 final accounts), and how much of it is basic vs project spending?
-- Tables: spending_by_function (one row per printed leaf 类/款/项 of the functional
-- classification table; the bundled 2021 district document prints no such table).
SELECT dept_name, year, phase, SUM(total) AS total, SUM(basic) AS basic, SUM(project) AS project
FROM spending_by_function
GROUP BY ALL
ORDER BY year, dept_name;
