"""dlt's REST API source (``dlt.sources.rest_api``) for the same endpoints, into DuckDB.

The access token comes from the sandbox's password grant. A local resource lists the GMAIDs;
each report and each CRM endpoint is a resource that resolves ``gmaid`` from it. Reports are one
page each; CRM pages follow ``next_page_location`` with the ``json_link`` paginator. As dlt's
performance guide recommends, every resource is ``parallelized`` and the extract stage gets as
many worker threads as dlt gives it by default, five (``EXTRACT__WORKERS``). Nested lists become dlt's child
tables. dlt has no client-side rate limit: its HTTP client retries 429s with backoff.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Any

from benchmarks.systems.common import arguments, password_grant, report_database
from benchmarks.workload import CRM_PATHS, CRM_RECORDS, Workload


def resources(workload: Workload, gmaids: Any) -> list[Any]:
    """The rest_api resource definitions: one per report and one per CRM endpoint."""
    first, last = workload.days()
    after, before = workload.crm_bounds()
    definitions: list[Any] = [gmaids]
    for name in workload.reports:
        definitions.append(
            {
                "name": name,
                "endpoint": {
                    "path": f"client_reports/{name}/{{resources.advertisers.gmaid}}",
                    "params": {"start_date": first.isoformat(), "end_date": last.isoformat()},
                    "data_selector": "$",
                    "paginator": "single_page",
                },
                "include_from_parent": ["gmaid"],
            }
        )
    for endpoint in workload.lead_endpoints:
        definitions.append(
            {
                "name": endpoint,
                "endpoint": {
                    "path": CRM_PATHS[endpoint].lstrip("/"),
                    "params": {
                        "global_master_advertiser_id": "{resources.advertisers.gmaid}",
                        "created_after_date": after,
                        "created_before_date": before,
                    },
                    "data_selector": CRM_RECORDS[endpoint],
                    "paginator": {"type": "json_link", "next_url_path": "next_page_location"},
                },
                "primary_key": "id",
                "write_disposition": "merge",
            }
        )
    return definitions


def main(argv: list[str] | None = None) -> int:
    """Build the source and run one pipeline into a DuckDB file."""
    workload, url, workdir = arguments(argv)
    database = workdir / "dlt.duckdb"
    database.unlink(missing_ok=True)
    os.environ.setdefault("EXTRACT__WORKERS", str(workload.dlt_workers))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

    importing = time.monotonic()
    import dlt
    import requests
    from dlt.sources.rest_api import rest_api_source

    imported = time.monotonic()
    started = time.monotonic()
    token = password_grant(requests.Session(), url)

    @dlt.resource(name="advertisers", selected=False)
    def advertisers() -> Any:
        yield [{"gmaid": gmaid} for gmaid in workload.gmaids()]

    source = rest_api_source(
        {
            "client": {"base_url": f"{url}/", "auth": {"type": "bearer", "token": token}},
            "resource_defaults": {"write_disposition": "append", "parallelized": True},
            "resources": resources(workload, advertisers),
        },
        name="localiq",
        parallelized=True,
    )
    shutil.rmtree(workdir / "dlt-pipelines", ignore_errors=True)
    pipeline = dlt.pipeline(
        pipeline_name="localiq_bench",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="localiq",
        pipelines_dir=str(workdir / "dlt-pipelines"),
    )
    pipeline.run(source)
    seconds = time.monotonic() - started

    report_database(
        database,
        seconds=seconds,
        import_seconds=imported - importing,
        schema="localiq",
        extract_workers=int(os.environ["EXTRACT__WORKERS"]),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
