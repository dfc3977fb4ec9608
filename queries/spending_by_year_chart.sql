-- Question: how did each department's spending move from 2017 to 2019? A line chart of
-- years, one line per department (on a warehouse of your PDFs, `budgetql ingest … --into
-- DIR`, or a generated one, `budgetql gen --size small --departments 3 --into DIR`; run
-- with `--data DIR`).
-- Tables: budget_lines (支出合计 of each department budget; unit budgets are part of
-- their department's and are left out so nothing counts twice).
-- In the shell this draws in the terminal; `COPY (CHART LINE …) TO 'spending.svg'`
-- writes the same chart as SVG; `--format csv` prints the figures instead.
CHART LINE
SELECT year,
       dept_code,
       SUM(amount) AS spending
FROM budget_lines
WHERE source IN (SELECT source FROM departments WHERE budget_level = 'department')
  AND direction = 'expense' AND item = '支出合计'
  AND year BETWEEN 2017 AND 2019
GROUP BY year, dept_code
ORDER BY dept_code, year;
