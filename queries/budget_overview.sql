-- Question: what does each disclosure say about income, spending and the change
-- against the prior year? (parent_item shows the breakdown tree; prior_year is the
-- year the text compares against, as printed; memo lines stand beside the tree.)
-- Tables: budget_lines.
SELECT year, source, phase, direction, item, parent_item, line_kind, amount, change_vs_prior, prior_year, line
FROM budget_lines
ORDER BY year, source, direction DESC, line, item;
