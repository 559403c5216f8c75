"""Shared test setup: a throwaway Airflow home, its metadata database, and LocalIQ connections.

The environment is set at import time, before anything imports Airflow, so that no test touches
``~/airflow``. The sandbox fixtures come from the ``airflow_provider_localiq.sandbox.pytest_plugin``
pytest plugin, which the package registers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="localiq-airflow-home-"))

os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags_examples")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
os.environ.pop("AIRFLOW_CONN_LOCALIQ_DEFAULT", None)


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The Airflow home every test in this session shares."""
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """Create Airflow's metadata database once per session (``dag.test()`` needs its tables)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return airflow_home


def connection_json(
    url: str,
    *,
    login: str | None = "demo@example.com",
    password: str | None = "demo-password",
    **extra: object,
) -> str:
    """Serialise a LocalIQ connection the way ``AIRFLOW_CONN_<ID>`` expects it."""
    settings: dict[str, object] = {"client_id": "demo-client", "client_secret": "demo-secret"}
    settings.update(extra)
    document: dict[str, object] = {"conn_type": "localiq", "host": url, "extra": settings}
    if login is not None:
        document["login"] = login
    if password is not None:
        document["password"] = password
    return json.dumps(document)


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    """Each test starts as a new process would: no access token shared from an earlier test."""
    from airflow_provider_localiq.hooks.localiq import LocalIQHook

    LocalIQHook._shared.clear()
    yield
    LocalIQHook._shared.clear()
