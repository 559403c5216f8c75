"""Run both example DAGs through Airflow against the sandbox and show what landed in DuckDB.

``make demo`` calls this. It keeps an Airflow home in ``.airflow/`` and the warehouse in
``demo/localiq.duckdb`` (``LOCALIQ_DEMO_DB`` overrides); both are git-ignored. The data intervals
are fixed, so a second run replaces the same windows and prints the same row counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRST_DAY = date(2026, 11, 2)
DAYS = 3
DAG_IDS = ("localiq_reports_daily", "localiq_leads_daily")
SAMPLES = {
    "localiq_lead_detail__totals_per_interval": (
        "_gmaid",
        "start_date",
        "calls",
        "emails",
        "web_events",
        "chats",
    ),
    "localiq_crm_contacts": ("_gmaid", "id", "created_at", "status", "email"),
}


def main() -> int:
    """Set up Airflow, start the sandbox, run the DAGs for each day, print the warehouse."""
    database = Path(os.environ.get("LOCALIQ_DEMO_DB", REPO_ROOT / "demo" / "localiq.duckdb")).resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    _configure_airflow()
    _migrate()

    from airflow_provider_localiq.sandbox import SandboxConfig, run_sandbox

    with run_sandbox(SandboxConfig()) as sandbox:
        print(f"Sandbox running at {sandbox.url}")
        env = _connections(sandbox.url, database)
        os.environ.update(env)
        for offset in range(DAYS):
            logical_date = FIRST_DAY + timedelta(days=offset)
            for dag_id in DAG_IDS:
                _run_dag(dag_id, logical_date)

    _print_warehouse(database)
    return 0


def _configure_airflow() -> None:
    home = REPO_ROOT / ".airflow"
    home.mkdir(exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags_examples")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")


def _migrate() -> None:
    print("Preparing Airflow's metadata database in .airflow/ ...")
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)


def _connections(url: str, database: Path) -> dict[str, str]:
    localiq = {
        "conn_type": "localiq",
        "host": url,
        "login": "demo@example.com",
        "password": "demo-password",
        "extra": {"client_id": "demo-client", "client_secret": "demo-secret"},
    }
    warehouse = {"conn_type": "duckdb", "host": str(database)}
    return {
        "AIRFLOW_CONN_LOCALIQ_DEFAULT": json.dumps(localiq),
        "AIRFLOW_CONN_LOCALIQ_WAREHOUSE": json.dumps(warehouse),
        "AIRFLOW_VAR_LOCALIQ_PII_SALT": "demo-salt-not-for-production",
    }


def _run_dag(dag_id: str, logical_date: date) -> None:
    """Run one DAG for one logical date through Airflow's own test runner."""
    from airflow.dag_processing.dagbag import DagBag

    print(f"Running {dag_id} for {logical_date.isoformat()} ...", flush=True)
    dag = DagBag(dag_folder=str(REPO_ROOT / "dags_examples")).get_dag(dag_id)
    if dag is None:
        raise SystemExit(f"DAG {dag_id!r} did not load from dags_examples/")

    import pendulum

    run = dag.test(logical_date=pendulum.datetime(logical_date.year, logical_date.month, logical_date.day))
    if run.state != "success":
        raise SystemExit(f"{dag_id} for {logical_date} ended {run.state!r}; see the log above.")


def _print_warehouse(database: Path) -> None:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
        ]
        print(f"\nWarehouse {database}: {len(tables)} tables")
        for table in tables:
            (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)
            print(f"  {table:<60} {count:>8} rows")
        for table, columns in SAMPLES.items():
            if table in tables:
                print(f"\nSample of {table}:")
                query = f'SELECT {", ".join(columns)} FROM "{table}" ORDER BY ALL LIMIT 3'
                print(conn.execute(query).df().to_string(index=False, max_colwidth=20))


if __name__ == "__main__":
    sys.exit(main())
