"""The example DAGs, run through Airflow against the sandbox, into real DuckDB and SQLite files."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from airflow_provider_localiq.normalize import get_endpoint
from tests.integration.conftest import Warehouse, task_states

DAY = date(2026, 11, 3)
ADVERTISERS = ["USA_100001", "USA_100002", "USA_100003", "USA_100090", "USA_100091"]
REPORTS = ["lead_detail", "marketing_activity", "chat_summary", "search_activity", "unified_display"]


def _served_tables(sandbox: Any, endpoint: str) -> dict[str, int]:
    """Rows the sandbox served per output table, for the row lists both sides name alike."""
    counts = {}
    for table in get_endpoint(endpoint).tables:
        try:
            counts[f"localiq_{table.name}"] = sandbox.control.rows_served(endpoint, table.path)
        except ValueError:
            continue
    return counts


def test_reports_dag_loads_what_the_sandbox_served(sandbox: Any, warehouse: Warehouse, run_dag: Any) -> None:
    run = run_dag("localiq_reports_daily", DAY)

    assert run.state == "success"
    states = task_states(run, "load_reports")
    assert sorted(states.values()) == ["skipped", "success", "success", "success", "success"]
    assert states[ADVERTISERS.index("USA_100090")] == "skipped"
    compared = 0
    for report in REPORTS:
        for table, served in _served_tables(sandbox, report).items():
            assert warehouse.count(table) == served, table
            compared += 1
    assert compared >= 10
    assert warehouse.count("localiq_lead_detail__totals_per_interval") == 4
    (window,) = warehouse.rows(
        'SELECT DISTINCT CAST("_window_start" AS TEXT), CAST("_window_end" AS TEXT) '
        'FROM "localiq_lead_detail__totals_per_interval"'
    )
    assert window == ("2026-11-02", "2026-11-02")


def test_rerun_and_next_day_never_duplicate(sandbox: Any, duckdb_warehouse: Warehouse, run_dag: Any) -> None:
    run_dag("localiq_reports_daily", DAY)
    first = {table: duckdb_warehouse.count(table) for table in duckdb_warehouse.tables()}

    run_dag("localiq_reports_daily", DAY)
    again = {table: duckdb_warehouse.count(table) for table in duckdb_warehouse.tables()}
    run_dag("localiq_reports_daily", date(2026, 11, 4))

    assert again == first
    assert duckdb_warehouse.count("localiq_lead_detail__totals_per_interval") == 8
    duplicates = duckdb_warehouse.rows(
        'SELECT "_gmaid", "start_date", COUNT(*) FROM "localiq_lead_detail__totals_per_interval" '
        "GROUP BY ALL HAVING COUNT(*) > 1"
    )
    assert duplicates == []


def test_leads_dag_merges_lookback_and_hashes_pii(
    sandbox: Any, duckdb_warehouse: Warehouse, run_dag: Any
) -> None:
    run = run_dag("localiq_leads_daily", DAY)
    run_dag("localiq_leads_daily", date(2026, 11, 4))

    assert run.state == "success"
    states = task_states(run, "load_leads")
    # Inactive advertisers are filtered out by the DAG; the HIPAA-protected one is skipped.
    assert sorted(states.values()) == ["skipped", "success", "success", "success"]
    served = sandbox.control.served_ids("crm_contacts")
    assert duckdb_warehouse.count("localiq_crm_contacts") == len(served)
    ids = {row[0] for row in duckdb_warehouse.rows('SELECT "id" FROM "localiq_crm_contacts"')}
    assert ids == served
    interactions = sandbox.control.served_ids("crm_contact_interactions")
    assert duckdb_warehouse.count("localiq_crm_contact_interactions") == len(interactions)

    emails = [
        row[0]
        for row in duckdb_warehouse.rows(
            'SELECT "email" FROM "localiq_crm_contacts" WHERE "email" IS NOT NULL'
        )
    ]
    assert emails
    assert all(re.fullmatch(r"[0-9a-f]{64}", email) for email in emails)
    everything = " ".join(str(row) for row in duckdb_warehouse.rows('SELECT * FROM "localiq_crm_contacts"'))
    assert "@example.com" not in everything
