-- Question: each department's spending by year, 2017-2019, with growth.
-- Run on a warehouse of many years (`--data DIR`: your ingested PDFs, or `budgetql gen`).
-- dept_code is the department's key across years (the name with 中共 dropped, the
-- region written out and abbreviations such as 省法院 expanded; departments.key_rule
-- says how, and `--dept-map FILE` overrides it). Only department budgets (部门预算) are
-- counted: a unit budget (单位预算) of the same body loaded beside them is part of the
-- department's and would count twice. YOY compares each year with the previous one of
-- the same department (NULL for its first year).
SELECT dept_code,
       year,
       SUM(amount)      AS spending,
       YOY(SUM(amount)) AS growth
FROM budget_lines
WHERE source IN (SELECT source FROM departments WHERE budget_level = 'department')
  AND direction = 'expense' AND item = '支出合计'
  AND year BETWEEN 2017 AND 2019
GROUP BY dept_code, year
ORDER BY dept_code, year;
