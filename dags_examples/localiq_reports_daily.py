"""Load yesterday's LocalIQ campaign and lead-metric reports for every advertiser into a warehouse.

One mapped task per advertiser (GMAID) the connection's business user may read. Each task
replaces the rows of its window, so reruns and overlapping backfills never duplicate. An
advertiser LocalIQ refuses (inactive, not linked) is skipped with a warning naming the cause.

Connections: ``localiq_default`` (LocalIQ) and ``localiq_warehouse`` (any common-sql database,
for example DuckDB).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator

REPORTS = [
    "campaigns_overview",
    "lead_detail",
    "marketing_activity",
    "chat_summary",
    "search_activity",
    "unified_display",
]


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["localiq", "example"],
)
def localiq_reports_daily() -> None:
    @task
    def list_advertisers() -> list[str]:
        """Every GMAID the business user may read; the load task skips the ones LocalIQ refuses."""
        from airflow_provider_localiq.hooks.localiq import LocalIQHook

        return [advertiser["gmaid"] for advertiser in LocalIQHook().get_advertisers()]

    LocalIQToSqlOperator.partial(
        task_id="load_reports",
        extract="reports",
        reports=REPORTS,
        sql_conn_id="localiq_warehouse",
        write_mode="replace",
        on_forbidden="skip",
        map_index_template="{{ task.gmaid }}",
    ).expand(gmaid=list_advertisers())


localiq_reports_daily()
