-- Question: what did each department budget (or, in a 决算, spend) on “三公”
-- expenses, category by category, and what change does the text state?
-- Tables: three_public (one row per category, stated year and phase).
SELECT year, source, phase, category, parent_category, amount, change_vs_prior, label
FROM three_public
ORDER BY source, category, year, phase;
