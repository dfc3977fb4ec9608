-- Question: how did each department's total spending (支出合计) change year over year?
-- Read from the bundled PDFs: the Jiangsu High Court, Procuratorate and 人大 office,
-- 2017-2019. YOY compares each year with the previous one of the same
-- department (NULL for its first year).
SELECT dept_code,
       year,
       SUM(amount)      AS spending,
       YOY(SUM(amount)) AS growth
FROM budget_lines
WHERE direction = 'expense' AND item = '支出合计' AND year BETWEEN 2017 AND 2019
GROUP BY dept_code, year
ORDER BY dept_code, year;
