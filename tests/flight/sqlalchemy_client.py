"""What SQLAlchemy (the `flightsql-dbapi` dialect, which Superset uses) and pandas see of
a budgetql Flight SQL server: the tables and one table's column types by inspection, a
query's rows through SQLAlchemy, and the same query through pandas over the DB-API
connection. Prints one JSON object.

    python sqlalchemy_client.py PORT 'SELECT …'
"""

import json
import sys
import warnings

import flightsql
import flightsql.sqlalchemy  # registers datafusion+flightsql  # noqa: F401
import pandas as pd
from sqlalchemy import create_engine, inspect, text


def main():
    port, query = int(sys.argv[1]), sys.argv[2]
    engine = create_engine(f"datafusion+flightsql://127.0.0.1:{port}?insecure=true")
    insp = inspect(engine)
    out = {
        "tables": insp.get_table_names(),
        "columns": [[c["name"], str(c["type"])] for c in insp.get_columns("projects")],
    }
    with engine.connect() as conn:
        r = conn.execute(text(query))
        out["keys"] = list(r.keys())
        out["rows"] = [[str(v) for v in row] for row in r.fetchall()]
    conn = flightsql.connect(flightsql.FlightSQLClient(host="127.0.0.1", port=port, insecure=True))
    with warnings.catch_warnings():
        # pandas names SQLAlchemy 2 as the tested path; flightsql-dbapi's is 1.4
        warnings.simplefilter("ignore", UserWarning)
        df = pd.read_sql(query, conn)
    out["pandas"] = {
        "columns": list(df.columns),
        "text": [c for c in df.columns if pd.api.types.is_string_dtype(df[c])],
        "rows": [[str(v) for v in row] for row in df.itertuples(index=False)],
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
