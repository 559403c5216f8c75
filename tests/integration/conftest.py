"""Fixtures that run DAGs through Airflow against the sandbox and read the warehouse back."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_localiq.normalize import get_endpoint
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


TEST_DAGS = Path(__file__).resolve().parent / "dags"
TEST_DAY = date(2026, 11, 3)


def _local_bundle(name: str, path: Path) -> dict[str, Any]:
    return {
        "name": name,
        "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
        "kwargs": {"path": str(path)},
    }


@pytest.fixture
def run_test_dag(airflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run a DAG from ``tests/integration/dags/`` with ``dag.test()``; keyword arguments become its conf.

    ``dag.test()`` only runs DAGs it finds in a configured bundle, so the test DAGs get a bundle of
    their own next to the examples' ``dags-folder``.
    """
    from airflow.dag_processing.dagbag import DagBag

    bundles = [
        _local_bundle("dags-folder", REPO_ROOT / "dags_examples"),
        _local_bundle("localiq-tests", TEST_DAGS),
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
    bag = DagBag(dag_folder=str(TEST_DAGS))

    def _run(dag_id: str, day: date = TEST_DAY, **conf: Any) -> Any:
        dag = bag.get_dag(dag_id)
        assert dag is not None, f"{dag_id} did not load: {bag.import_errors}"
        logical_date = pendulum.datetime(day.year, day.month, day.day, tz="UTC")
        return dag.test(logical_date=logical_date, run_conf=conf)

    return _run


def task_try(dag_run: Any, task_id: str = "load") -> tuple[str, int]:
    """Final state and number of tries of an unmapped task in a finished run."""
    (ti,) = [ti for ti in dag_run.get_task_instances() if ti.task_id == task_id]
    return str(ti.state), int(ti.try_number)


def served_table_rows(sandbox: Any, endpoint: str, prefix: str = "localiq_") -> dict[str, int]:
    """Rows the sandbox served per output table, for the row lists both sides name alike."""
    counts = {}
    for table in get_endpoint(endpoint).tables:
        try:
            counts[f"{prefix}{table.name}"] = sandbox.control.rows_served(endpoint, table.path)
        except ValueError:
            continue
    return counts


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "a condition") -> None:
    """Poll ``condition`` every 10 ms until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


class TokenLedger:
    """Every token the sandbox hands out, recorded as it is issued, and every refresh token sent to it.

    The sandbox keeps tokens only while they are valid; the secrets scan needs all of them, and the
    race test needs to know how often each refresh token was sent.
    """

    def __init__(self, sandbox: Any) -> None:
        self.values: list[str] = []
        self.refresh_tokens: dict[str, list[str]] = defaultdict(list)
        self.redeemed: list[tuple[str, bool]] = []
        store = sandbox.control.tokens
        issue, add_refresh_token, redeem = store.issue, store.add_refresh_token, store.redeem_refresh_token

        def recording_issue(user: str, ttl_seconds: float) -> Any:
            issued = issue(user, ttl_seconds)
            self.values += [issued.access_token, issued.refresh_token]
            self.refresh_tokens[user].append(issued.refresh_token)
            return issued

        def recording_add(user: str) -> str:
            token = add_refresh_token(user)
            self.values.append(token)
            self.refresh_tokens[user].append(token)
            return token

        def recording_redeem(token: str) -> str | None:
            user = redeem(token)
            self.redeemed.append((token, user is not None))
            return user

        store.issue = recording_issue  # type: ignore[method-assign]
        store.add_refresh_token = recording_add  # type: ignore[method-assign]
        store.redeem_refresh_token = recording_redeem  # type: ignore[method-assign]
