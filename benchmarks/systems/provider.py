"""This provider through its public API: ``LocalIQToSqlOperator.execute()`` with a context dict.

One operator loads the reports of every advertiser (``replace``), a second one their contacts and
interactions (``merge``, PII kept so every system stores the same data), into one DuckDB file
through the ``duckdb`` connection type, as a DAG's tasks would.
"""

from __future__ import annotations

import json
import os
import sys
import time

from benchmarks.systems.common import arguments, report_database
from benchmarks.workload import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER


def main(argv: list[str] | None = None) -> int:
    """Run both operators and report the time from the first request to the last commit."""
    workload, url, workdir = arguments(argv)
    database = workdir / "provider.duckdb"
    database.unlink(missing_ok=True)
    os.environ["AIRFLOW_CONN_LOCALIQ_BENCH"] = json.dumps(
        {
            "conn_type": "localiq",
            "host": url,
            "login": USER,
            "password": PASSWORD,
            "extra": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        }
    )
    warehouse = {"conn_type": "duckdb", "host": str(database)}
    if workload.duckdb_memory_limit:
        warehouse["extra"] = {"memory_limit": workload.duckdb_memory_limit}
    os.environ["AIRFLOW_CONN_BENCH_WAREHOUSE"] = json.dumps(warehouse)

    importing = time.monotonic()
    from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator

    imported = time.monotonic()
    first, last = workload.days()
    common = {
        "gmaid": workload.gmaids(),
        "window_start": first.isoformat(),
        "window_end": last.isoformat(),
        "localiq_conn_id": "localiq_bench",
        "sql_conn_id": "bench_warehouse",
        "max_workers": workload.max_workers,
    }
    operators = []
    if workload.reports:
        operators.append(
            LocalIQToSqlOperator(
                task_id="load_reports",
                extract="reports",
                reports=list(workload.reports),
                write_mode="replace",
                **common,
            )
        )
    if workload.lead_endpoints:
        operators.append(
            LocalIQToSqlOperator(
                task_id="load_leads",
                extract="leads",
                leads=list(workload.lead_endpoints),
                lookback_days=0,
                pii="keep",
                write_mode="merge",
                chunk_rows=workload.chunk_rows,
                **common,
            )
        )

    started = time.monotonic()
    results = [operator.execute(context={}) for operator in operators]
    seconds = time.monotonic() - started

    report_database(
        database,
        seconds=seconds,
        import_seconds=imported - importing,
        operator_rows=sum(sum(result["rows"].values()) for result in results),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
