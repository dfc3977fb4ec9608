-- Question: in each disclosure, how does spending divide between basic spending
-- (基本支出: staff and running costs) and project spending (项目支出), and how did
-- each change against the year the text compares with?
-- Tables: budget_lines (figures as the document's sentences and summary tables state them).
SELECT source, year, phase, item, amount,
       ROUND(SHARE(amount) OVER (PARTITION BY source), 4) AS share,
       change_vs_prior, prior_year
FROM budget_lines
WHERE direction = 'expense' AND item IN ('基本支出', '项目支出')
ORDER BY year, source, item;
