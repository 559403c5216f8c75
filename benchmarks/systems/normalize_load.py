"""Normalise and load already-fetched CRM pages into DuckDB, timing only those two steps.

The pages are read from the sandbox first (untimed). Then the leads operator's own path runs on
them: ``LeadsPlan.batches`` chunks and normalises the records on a producer thread while the
task's thread writes the batches with ``SqlTableWriter`` in ``merge`` mode, one transaction, as
``LocalIQExtractOperator.execute`` does. This isolates the provider's CPU cost per row from the
network.

A warm-up of ``WARM_UP_RECORDS`` records goes through the same path into another database first:
the first chunk of a process pays once for imports and first calls (pyarrow's pandas shim,
compute kernels, DuckDB's catalogue), which is no cost per row. Then the pages are loaded
``TIMED_RUNS`` times, each time into a new file, and the median rate is reported with the others.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from benchmarks.systems.common import arguments, report
from benchmarks.workload import CLIENT_ID, CLIENT_SECRET, CRM_PATHS, PASSWORD, USER

if TYPE_CHECKING:
    from pathlib import Path

WARM_UP_RECORDS = 2_000
#: Timed loads of the same pages, each into a new file; the median is reported.
TIMED_RUNS = 5


class FetchedPages:
    """Stands in for the hook inside ``LeadsPlan.batches``: hands out pages read beforehand."""

    def __init__(self, pages: dict[str, list[list[dict[str, Any]]]], max_workers: int) -> None:
        self.pages = pages
        self.max_workers = max_workers

    def iter_crm_pages(self, path: str, *_: Any) -> list[list[dict[str, Any]]]:
        return self.pages[path]


def main(argv: list[str] | None = None) -> int:
    """Fetch the pages, warm up, then time normalising and loading them."""
    workload, url, workdir = arguments(argv)
    os.environ["AIRFLOW_CONN_LOCALIQ_BENCH"] = json.dumps(
        {
            "conn_type": "localiq",
            "host": url,
            "login": USER,
            "password": PASSWORD,
            "extra": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        }
    )

    from airflow_provider_localiq.hooks.localiq import LocalIQHook

    (gmaid,) = workload.gmaids()[:1]
    after, before = workload.crm_bounds()
    hook = LocalIQHook("localiq_bench")
    pages = {
        CRM_PATHS[endpoint]: list(hook.iter_crm_pages(CRM_PATHS[endpoint], gmaid, after, before))  # type: ignore[arg-type]
        for endpoint in workload.lead_endpoints
    }
    warm_up = {path: [records[0][:WARM_UP_RECORDS]] for path, records in pages.items()}

    cold_rows, cold_seconds = load(
        workload, workdir / "warm_up.duckdb", FetchedPages(warm_up, hook.max_workers)
    )
    timed = [
        load(workload, workdir / f"normalize_load_{run}.duckdb", FetchedPages(pages, hook.max_workers))
        for run in range(TIMED_RUNS)
    ]
    rates = [written / seconds for written, seconds in timed]
    report(
        seconds=statistics.median(seconds for _, seconds in timed),
        rows_written=timed[0][0],
        rows_per_s=statistics.median(rates),
        rows_per_s_all=rates,
        warm_up_rows=cold_rows,
        warm_up_rows_per_s=cold_rows / cold_seconds,
    )
    return 0


def load(workload: Any, database: Path, pages: FetchedPages) -> tuple[int, float]:
    """Run the leads operator's extract-and-write loop over ``pages``; return rows and seconds."""
    from contextlib import closing

    from airflow.providers.duckdb.hooks.duckdb import DuckDBHook

    from airflow_provider_localiq.concurrency import ordered_streams
    from airflow_provider_localiq.extract.plan import LeadsPlan
    from airflow_provider_localiq.load.sql import SqlTableWriter
    from airflow_provider_localiq.operators.base import ADVERTISERS_AHEAD
    from airflow_provider_localiq.windows import DateWindow

    database.unlink(missing_ok=True)
    first, last = workload.days()
    plan = LeadsPlan(
        endpoints=workload.lead_endpoints,
        window=DateWindow(first, last),
        pii="keep",
        salt="",
        chunk_rows=workload.chunk_rows,
    )
    writer = SqlTableWriter(DuckDBHook(database=str(database)), mode="merge")
    (gmaid,) = workload.gmaids()[:1]

    started = time.monotonic()
    extractions = ordered_streams(
        [partial(plan.batches, pages, gmaid, extracted_at=datetime.now(UTC))],  # type: ignore[arg-type]
        ahead=ADVERTISERS_AHEAD,
    )
    with closing(extractions), writer.transaction() as transaction:
        for batches in extractions:
            for batch in batches:
                transaction.write(batch)
    return sum(writer.rows_written.values()), time.monotonic() - started


if __name__ == "__main__":
    sys.exit(main())
