-- Question: how does spending divide between basic spending (基本支出: staff and
-- running costs) and project spending (项目支出), and how did each change against
-- the year the text compares with?
-- Tables: budget_lines (figures as the document's sentences state them).
SELECT item, amount, ROUND(SHARE(amount), 4) AS share, change_vs_prior, prior_year
FROM budget_lines
WHERE direction = 'expense' AND parent_item = '支出合计'
ORDER BY amount DESC;
