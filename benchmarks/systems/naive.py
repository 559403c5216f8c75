"""The hand-written loop: sequential ``requests``, ``pandas.json_normalize``, ``DataFrame.to_sql``.

What a data engineer writes in an afternoon: one request after the other, a one-second pause and
a retry on 429, each report's row lists and each CRM page flattened with ``json_normalize`` and
kept in memory, then every table written with ``to_sql`` into DuckDB through duckdb_engine's
SQLAlchemy dialect (``duckdb:///file``). Nested lists left inside a row are stored as JSON text,
because ``to_sql`` cannot bind them.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from typing import Any

from benchmarks.systems.common import arguments, password_grant, report_database
from benchmarks.workload import CRM_PATHS, CRM_RECORDS

MAX_ATTEMPTS = 20


def get(session: Any, url: str, headers: dict[str, str], params: dict[str, str] | None = None) -> Any:
    """GET and parse; on 429 wait a second and try again, a bounded number of times."""
    for _ in range(MAX_ATTEMPTS):
        response = session.get(url, headers=headers, params=params, timeout=60)
        if response.status_code == 429:
            time.sleep(1)
            continue
        response.raise_for_status()
        return response.json()
    raise RuntimeError(f"still rate limited after {MAX_ATTEMPTS} attempts: {url}")


def report_tables(report: str, document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each list of objects under ``report_data`` becomes a table; the rest one summary row."""
    data = document.get("report_data") or {}
    tables: dict[str, list[dict[str, Any]]] = {}
    summary: dict[str, Any] = {key: value for key, value in document.items() if key != "report_data"}
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            tables[f"{report}__{key}"] = value
        else:
            summary[key] = value
    tables[f"{report}__summary"] = [summary]
    return tables


def to_text(value: Any) -> Any:
    """What ``to_sql`` cannot bind (lists, dicts) becomes JSON text."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def main(argv: list[str] | None = None) -> int:
    """Extract everything one request at a time, then write each table."""
    workload, url, workdir = arguments(argv)
    database = workdir / "naive.duckdb"
    database.unlink(missing_ok=True)

    importing = time.monotonic()
    import pandas as pd
    import requests
    import sqlalchemy

    imported = time.monotonic()
    started = time.monotonic()
    session = requests.Session()
    token = password_grant(session, url)
    headers = {"Authorization": f"Bearer {token}"}
    first, last = workload.days()
    after, before = workload.crm_bounds()
    frames: dict[str, list[pd.DataFrame]] = defaultdict(list)

    for gmaid in workload.gmaids():
        for name in workload.reports:
            document = get(
                session,
                f"{url}/client_reports/{name}/{gmaid}",
                headers,
                {"start_date": first.isoformat(), "end_date": last.isoformat()},
            )
            for table, rows in report_tables(name, document).items():
                frame = pd.json_normalize(rows)
                frame["gmaid"] = gmaid
                frames[table].append(frame)
        for endpoint in workload.lead_endpoints:
            link: str | None = f"{url}{CRM_PATHS[endpoint]}"
            params: dict[str, str] | None = {
                "global_master_advertiser_id": gmaid,
                "created_after_date": after,
                "created_before_date": before,
            }
            while link:
                page = get(session, link, headers, params)
                if not isinstance(page, dict):
                    break
                frames[endpoint].append(pd.json_normalize(page[CRM_RECORDS[endpoint]]))
                link, params = page.get("next_page_location"), None

    engine = sqlalchemy.create_engine(f"duckdb:///{database}")
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.map(to_text)
        frame.to_sql(table, engine, if_exists="replace", index=False)
    engine.dispose()
    seconds = time.monotonic() - started

    report_database(database, seconds=seconds, import_seconds=imported - importing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
