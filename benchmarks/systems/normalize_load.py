"""Normalise and load already-fetched CRM pages into DuckDB, timing only those two steps.

The pages are read from the sandbox first (untimed); then the provider's own path turns them into
table batches and writes them with ``SqlTableWriter`` in ``merge`` mode, one transaction, as the
leads operator does. This isolates the provider's CPU cost per row from the network.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime

from benchmarks.systems.common import arguments, report
from benchmarks.workload import CLIENT_ID, CLIENT_SECRET, CRM_PATHS, PASSWORD, USER


def main(argv: list[str] | None = None) -> int:
    """Fetch the pages, then time normalising and loading them."""
    workload, url, workdir = arguments(argv)
    database = workdir / "normalize_load.duckdb"
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
    os.environ["AIRFLOW_CONN_BENCH_WAREHOUSE"] = json.dumps({"conn_type": "duckdb", "host": str(database)})

    from airflow.sdk import BaseHook

    from airflow_provider_localiq.extract.plan import _chunks, frames_to_batches
    from airflow_provider_localiq.hooks.localiq import LocalIQHook
    from airflow_provider_localiq.load.sql import SqlTableWriter
    from airflow_provider_localiq.normalize import Normalizer, get_endpoint

    (gmaid,) = workload.gmaids()[:1]
    after, before = workload.crm_bounds()
    first, last = workload.days()
    hook = LocalIQHook("localiq_bench")
    fetched = {
        endpoint: list(hook.iter_crm_pages(CRM_PATHS[endpoint], gmaid, after, before))  # type: ignore[arg-type]
        for endpoint in workload.lead_endpoints
    }

    writer = SqlTableWriter(BaseHook.get_hook("bench_warehouse"), mode="merge")
    started = time.monotonic()
    with writer.transaction() as transaction:
        for endpoint, pages in fetched.items():
            normalizer = Normalizer(get_endpoint(endpoint))
            for records in _chunks(iter(pages), workload.chunk_rows):
                for batch in frames_to_batches(
                    normalizer, records, gmaid=gmaid, first=first, last=last, extracted_at=datetime.now(UTC)
                ):
                    transaction.write(batch)
    seconds = time.monotonic() - started

    rows = sum(writer.rows_written.values())
    report(seconds=seconds, rows_written=rows, rows_per_s=rows / seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
