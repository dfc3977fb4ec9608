-- Question: what does the department plan to buy through government procurement,
-- by procurement catalogue code (政府采购目录)?
-- Tables: procurement (item rows only; the 合计/小计 rows are totals).
SELECT catalog_code, item_name, COUNT(*) AS items, SUM(amount) AS amount, SUM(general_public) AS general_public
FROM procurement
WHERE row_kind = 'item'
GROUP BY catalog_code, item_name
ORDER BY amount DESC, catalog_code;
