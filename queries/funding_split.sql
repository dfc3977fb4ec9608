-- Question: how is each unit's project money funded: fiscal (财政资金) vs other funds,
-- as amounts and as columns side by side?
-- Tables: projects (PIVOT turns the funding source into columns).
SELECT *
FROM (SELECT unit_code, 'fiscal' AS source_kind, fiscal AS amount FROM projects
      UNION ALL
      SELECT unit_code, 'other' AS source_kind, other AS amount FROM projects)
PIVOT (SUM(amount) FOR source_kind IN ('fiscal', 'other'))
ORDER BY unit_code;
