-- Question: what do the document's own sentences say about income, spending and
-- the change against the prior year? (parent_item shows the breakdown tree;
-- prior_year is the year the text compares against, as printed.)
-- Tables: budget_lines.
SELECT direction, item, parent_item, line_kind, amount, change_vs_prior, prior_year, line
FROM budget_lines
ORDER BY direction DESC, line, item;
