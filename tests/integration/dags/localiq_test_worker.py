"""DAGs the real-deployment tests trigger: refresh-token chains on a worker, parallel renewals, kept PII.

- ``localiq_test_refresh_chain``: one task loading leads on a connection that has only a refresh
  token, so each run must find the token the previous run rotated in the Variable.
- ``localiq_test_parallel_refresh``: mapped tasks reading leads at the same time on another
  refresh-token-only connection, so they race to renew the one access token they share.
- ``localiq_test_pii``: leads loaded with ``pii="keep"`` and a task that fails on a 403, so that
  personal data and exception text pass through the worker and its logs.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, dag, task

from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator

CHAIN_CONN_ID = "localiq_rt"
PARALLEL_CONN_ID = "localiq_rt_parallel"
PARALLEL_GMAIDS = ["USA_100001", "USA_100002", "USA_100003", "USA_100091"]
PARALLEL_DAYS = 7
START = pendulum.datetime(2026, 11, 1, tz="UTC")

with DAG("localiq_test_refresh_chain", schedule=None, start_date=START, tags=["localiq", "test"]):
    LocalIQToSqlOperator(
        task_id="load_leads",
        gmaid=["USA_100001", "USA_100002"],
        extract="leads",
        lookback_days=0,
        pii="drop",
        write_mode="merge",
        sql_conn_id="localiq_warehouse",
        table_prefix="chain_",
        localiq_conn_id=CHAIN_CONN_ID,
    )


@dag(schedule=None, start_date=START, tags=["localiq", "test"])
def localiq_test_parallel_refresh() -> None:
    @task
    def read_leads(gmaid: str, data_interval_start: pendulum.DateTime | None = None) -> int:
        """Count a week of one advertiser's contacts and interactions, a day (one request) at a time."""
        from airflow_provider_localiq.hooks.localiq import LocalIQHook

        assert data_interval_start is not None
        hook = LocalIQHook(PARALLEL_CONN_ID, max_workers=1)
        first = data_interval_start.date() - timedelta(days=PARALLEL_DAYS)
        records = 0
        for offset in range(PARALLEL_DAYS):
            day = first + timedelta(days=offset)
            records += sum(1 for _ in hook.iter_contacts(gmaid, day, day + timedelta(days=1)))
            records += sum(1 for _ in hook.iter_contact_interactions(gmaid, day, day + timedelta(days=1)))
        return records

    read_leads.expand(gmaid=PARALLEL_GMAIDS)


localiq_test_parallel_refresh()


with DAG("localiq_test_pii", schedule=None, start_date=START, tags=["localiq", "test"]):
    LocalIQToSqlOperator(
        task_id="load_leads_keeping_pii",
        gmaid="USA_100001",
        extract="leads",
        lookback_days=0,
        pii="keep",
        write_mode="merge",
        sql_conn_id="localiq_warehouse",
        table_prefix="pii_",
    )
    LocalIQToSqlOperator(
        task_id="load_forbidden_leads",
        gmaid=["USA_100001", "USA_100090"],
        extract="leads",
        lookback_days=0,
        pii="keep",
        write_mode="merge",
        sql_conn_id="localiq_warehouse",
        table_prefix="pii_forbidden_",
    )
