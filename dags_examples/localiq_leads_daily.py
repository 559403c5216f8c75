"""Load LocalIQ contacts and contact interactions, with a lookback for late arrivals, PII hashed.

Each run asks for the leads created in its window plus the three days before (LocalIQ's
advice for records that arrive late) and merges them on their id, so a lead seen twice is
stored once. Names, emails, phones and message text are replaced by salted SHA-256 hashes; the
salt is read at run time from the Variable ``localiq_pii_salt``.

Connections: ``localiq_default`` (LocalIQ) and ``localiq_warehouse`` (any common-sql database).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["localiq", "example"],
)
def localiq_leads_daily() -> None:
    @task
    def list_advertisers() -> list[str]:
        """GMAIDs that are not inactive; HIPAA-protected ones are skipped unless the user has access."""
        from airflow_provider_localiq.hooks.localiq import LocalIQHook

        return [a["gmaid"] for a in LocalIQHook().get_advertisers() if a.get("active_state") != 0]

    LocalIQToSqlOperator.partial(
        task_id="load_leads",
        extract="leads",
        lookback_days=3,
        pii="hash",
        pii_salt_variable="localiq_pii_salt",
        sql_conn_id="localiq_warehouse",
        write_mode="merge",
        on_forbidden="skip",
        map_index_template="{{ task.gmaid }}",
    ).expand(gmaid=list_advertisers())


localiq_leads_daily()
