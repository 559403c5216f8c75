"""One-task DAGs that run ``LocalIQToSqlOperator`` with the advertiser, reports and window from the run's conf.

The fault and bad-input tests run them with ``dag.test()``: each has two task retries with no
delay, so a test sees in a few seconds whether a failure spent Airflow retries or failed at once.
The variants differ in what cannot be templated: what is extracted and what a 403 does.

The tasks make one request at a time (``max_workers=1``). ``dag.test()`` runs a task in the test
process, where its channel to Airflow (Variables, secrets masking) is not thread-safe: a request
thread using it while the task reports its state can fail the run with a ``NameError``. Real
workers have a thread-safe channel; the deployment tests run the operators with their defaults.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator

CONN_ID = "localiq_test"
RETRIES = 2

VARIANTS: dict[str, dict[str, str]] = {
    "localiq_test_reports": {"extract": "reports", "write_mode": "replace", "on_forbidden": "fail"},
    "localiq_test_reports_skip": {"extract": "reports", "write_mode": "replace", "on_forbidden": "skip"},
    "localiq_test_leads": {"extract": "leads", "write_mode": "merge", "on_forbidden": "fail"},
    "localiq_test_leads_skip": {"extract": "leads", "write_mode": "merge", "on_forbidden": "skip"},
}

for dag_id, options in VARIANTS.items():
    with DAG(
        dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
        catchup=False,
        default_args={"retries": RETRIES, "retry_delay": timedelta(seconds=0)},
        params={
            "gmaid": "USA_100001",
            "reports": ["lead_detail", "marketing_activity", "unified_display"],
            "window_start": None,
            "window_end": None,
        },
        render_template_as_native_obj=True,
        tags=["localiq", "test"],
    ):
        LocalIQToSqlOperator(
            task_id="load",
            gmaid="{{ params.gmaid }}",
            reports="{{ params.reports }}",
            window_start="{{ params.window_start }}",
            window_end="{{ params.window_end }}",
            lookback_days=0,
            pii="drop",
            sql_conn_id="localiq_warehouse",
            localiq_conn_id=CONN_ID,
            max_workers=1,
            **options,
        )
