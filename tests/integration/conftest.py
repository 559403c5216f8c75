"""Fixtures that run DAGs through Airflow against the sandbox and read the warehouse back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pendulum
import pytest

from tests.conftest import REPO_ROOT, connection_json

PII_SALT = "integration-salt-0d3b"


@dataclass
class Warehouse:
    """A database file behind the ``localiq_warehouse`` connection."""

    kind: str
    path: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(str(self.path), read_only=True) as conn:
                return [tuple(row) for row in conn.execute(sql).fetchall()]
        import sqlite3

        with sqlite3.connect(self.path) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]

    def count(self, table: str, where: str = "TRUE") -> int:
        return int(self.rows(f'SELECT COUNT(*) FROM "{table}" WHERE {where}')[0][0])

    def tables(self) -> set[str]:
        if self.kind == "duckdb":
            return {row[0] for row in self.rows("SELECT table_name FROM information_schema.tables")}
        return {row[0] for row in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture(params=["duckdb", "sqlite"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    kind = str(request.param)
    path = tmp_path / f"warehouse.{kind}"
    document = {"conn_type": kind, "host": str(path)}
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_WAREHOUSE", json.dumps(document))
    return Warehouse(kind, path)


@pytest.fixture
def duckdb_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(
        "AIRFLOW_CONN_LOCALIQ_WAREHOUSE", json.dumps({"conn_type": "duckdb", "host": str(path)})
    )
    return Warehouse("duckdb", path)


@pytest.fixture
def sandbox(localiq_sandbox_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A sandbox behind ``localiq_default``, and the PII salt Variable the leads DAG reads."""
    server = localiq_sandbox_factory()
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_DEFAULT", connection_json(server.url))
    monkeypatch.setenv("AIRFLOW_VAR_LOCALIQ_PII_SALT", PII_SALT)
    return server


@pytest.fixture
def run_dag(airflow_db: Path) -> Callable[..., Any]:
    """Run a DAG from ``dags_examples/`` (or a given folder) for one logical date with ``dag.test()``."""
    from airflow.dag_processing.dagbag import DagBag

    bags: dict[Path, Any] = {}

    def _run(dag_id: str, day: date, folder: Path = REPO_ROOT / "dags_examples") -> Any:
        if folder not in bags:
            bags[folder] = DagBag(dag_folder=str(folder))
        dag = bags[folder].get_dag(dag_id)
        assert dag is not None, f"{dag_id} did not load: {bags[folder].import_errors}"
        return dag.test(logical_date=pendulum.datetime(day.year, day.month, day.day, tz="UTC"))

    return _run


def task_states(dag_run: Any, task_id: str) -> dict[int, str]:
    """State of each mapped instance of ``task_id`` in a finished run, by map index."""
    return {ti.map_index: ti.state for ti in dag_run.get_task_instances() if ti.task_id == task_id}
