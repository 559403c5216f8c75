"""Registration with Airflow, and what importing the provider costs a DAG file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

from airflow_provider_localiq import get_provider_info
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from tests.conftest import REPO_ROOT


def test_entry_point_returns_the_provider_info() -> None:
    (entry,) = [
        e
        for e in entry_points(group="apache_airflow_provider")
        if e.value.startswith("airflow_provider_localiq")
    ]

    info = entry.load()()

    assert info == get_provider_info()
    assert info["package-name"] == "airflow-provider-localiq"


def test_connection_type_declares_fields_for_the_airflow_3_form() -> None:
    (connection,) = get_provider_info()["connection-types"]

    assert connection["connection-type"] == LocalIQHook.conn_type == "localiq"
    assert connection["hook-class-name"] == "airflow_provider_localiq.hooks.localiq.LocalIQHook"
    assert set(connection["conn-fields"]) == {
        "client_id",
        "client_secret",
        "refresh_token",
        "timeout",
        "requests_per_second",
    }
    for name in ("client_secret", "refresh_token"):
        assert connection["conn-fields"][name]["schema"]["format"] == "password"
    assert "extra" in connection["ui-field-behaviour"]["hidden-fields"]


def test_airflow_lists_the_provider_and_its_connection_type(tmp_path: object) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    airflow = [sys.executable, "-m", "airflow"]

    providers = subprocess.run(
        [*airflow, "providers", "list", "-o", "json"], env=env, capture_output=True, text=True, check=True
    )
    hooks = subprocess.run(
        [*airflow, "providers", "hooks", "-o", "json"], env=env, capture_output=True, text=True, check=True
    )

    assert "airflow-provider-localiq" in {p["package_name"] for p in _json_rows(providers.stdout)}
    (hook,) = [h for h in _json_rows(hooks.stdout) if h["connection_type"] == "localiq"]
    assert hook["class"] == "airflow_provider_localiq.hooks.localiq.LocalIQHook"


def _json_rows(output: str) -> list[dict[str, object]]:
    """The JSON table the CLI printed (log lines may come before it)."""
    (line,) = [line for line in output.splitlines() if line.startswith("[{")]
    return list(json.loads(line))


def test_dag_files_import_without_pandas_pyarrow_or_network() -> None:
    probe = (
        "import importlib.util, socket, sys\n"
        "def refuse(*a, **k): raise AssertionError('network call at import')\n"
        "socket.socket.connect = refuse\n"
        "for name in ('localiq_reports_daily', 'localiq_leads_daily'):\n"
        f"    spec = importlib.util.spec_from_file_location(name, {str(REPO_ROOT / 'dags_examples')!r} + f'/{{name}}.py')\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'duckdb', 'requests') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert result.stdout.strip().splitlines()[-1] == "[]"
