-- Question: how is every document's money funded, as a workbook to hand on?
-- Writes funding_split.xlsx in the current folder (replacing it), three sheets:
--   by document  each document's income total, its fiscal appropriation (财政拨款, the
--                top-level row that names it) and everything else (other sources and
--                carry-over), with the fiscal share;
--   by unit      project money per unit, fiscal vs other funds (PIVOT);
--   sources      every income line as the documents print it.
-- Money is written as numbers in the display unit (`--money yuan` for 元), with the unit
-- in the cells' number format.
-- Tables: income_by_source, projects.
COPY (
  WITH totals AS (
    SELECT source, year, phase, dept_code, SUM(amount) AS total
    FROM income_by_source WHERE line_kind = 'total'
    GROUP BY source, year, phase, dept_code),
  fiscal AS (
    SELECT source, SUM(amount) AS fiscal
    FROM income_by_source
    WHERE item LIKE '%财政拨款%' AND COALESCE(parent_item, '') NOT LIKE '%财政拨款%'
    GROUP BY source)
  SELECT t.source, t.year, t.phase, t.dept_code, t.total,
         COALESCE(f.fiscal, 0) AS fiscal,
         t.total - COALESCE(f.fiscal, 0) AS other,
         ROUND(COALESCE(f.fiscal, 0) / t.total, 4) AS fiscal_share
  FROM totals t LEFT JOIN fiscal f ON f.source = t.source
  ORDER BY t.dept_code, t.year, t.source
) TO 'funding_split.xlsx' (SHEET 'by document', OVERWRITE);

COPY (
  SELECT *
  FROM (SELECT unit_code, 'fiscal' AS source_kind, fiscal AS amount FROM projects
        UNION ALL
        SELECT unit_code, 'other' AS source_kind, other AS amount FROM projects)
  PIVOT (SUM(amount) FOR source_kind IN ('fiscal', 'other'))
  ORDER BY unit_code
) TO 'funding_split.xlsx' (SHEET 'by unit', OVERWRITE);

COPY (
  SELECT source, year, phase, dept_code, item, parent_item, line_kind, amount, page, line
  FROM income_by_source
  ORDER BY source, line
) TO 'funding_split.xlsx' (SHEET 'sources', OVERWRITE);
