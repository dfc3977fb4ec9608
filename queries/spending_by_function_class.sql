-- Question: what does each department spend on each functional class (类: 公共安全,
-- 社会保障和就业, 住房保障 …), and what share of its spending is that?
-- Tables: spending_by_function.
SELECT dept_name, year, phase, class_code, class_name, SUM(total) AS total,
       ROUND(SHARE(SUM(total)) OVER (PARTITION BY dept_name, year, phase), 4) AS share
FROM spending_by_function
GROUP BY dept_name, year, phase, class_code, class_name
ORDER BY year, dept_name, class_code;
