-- Question: what did the department budget for “三公” expenses this year and last,
-- category by category, and what change does the text state?
-- Tables: three_public (one row per category and stated year).
SELECT year, category, parent_category, amount, change_vs_prior, label
FROM three_public
ORDER BY category, year;
