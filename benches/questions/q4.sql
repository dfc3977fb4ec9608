-- q4: the ten largest projects of each year (QUALIFY, RANK; ties kept)
SELECT year, project_code, budget FROM projects QUALIFY RANK() OVER (PARTITION BY year ORDER BY budget DESC) <= 10 ORDER BY year, budget DESC, project_code
