"""A real Airflow deployment on loopback for end-to-end tests: api-server, scheduler, dag-processor.

Tasks run on the LocalExecutor in their own processes, exactly as in production: they reach the
metadata database only through the Execution API, and their logs are masked. Runs are triggered
and watched through the public REST API (``simple_auth_manager_all_admins`` lets the tests call
it without a login).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

STARTUP_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class AirflowDeployment:
    """Start, drive and stop one Airflow deployment with its own home and SQLite metadata database."""

    home: Path
    dags_folder: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            }
        )
        env.update(self.env)
        return env

    def start(self) -> None:
        """Migrate the database, start the three services and wait until they are healthy."""
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        airflow = [sys.executable, "-m", "airflow"]
        subprocess.run([*airflow, "db", "migrate"], env=env, check=True, capture_output=True)

        for name, command in (
            ("api-server", [*airflow, "api-server", "--port", str(self.port)]),
            ("scheduler", [*airflow, "scheduler"]),
            ("dag-processor", [*airflow, "dag-processor"]),
        ):
            log = (self.home / f"{name}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        self._wait_healthy()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                health = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
            except (requests.RequestException, ValueError):
                health = {}
            if all(
                health.get(part, {}).get("status") == "healthy" for part in ("scheduler", "dag_processor")
            ):
                return
            time.sleep(1)
        raise RuntimeError(
            f"Airflow did not become healthy in {STARTUP_TIMEOUT:.0f} s; see {self.home}/*.log"
        )

    # ------------------------------------------------------------------ REST API

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/api/v2{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        """Wait until the dag-processor has parsed ``dag_id``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.api("GET", f"/dags/{dag_id}")
                return
            except requests.HTTPError:
                time.sleep(1)
        raise RuntimeError(f"DAG {dag_id!r} was not parsed within {timeout:.0f} s")

    def trigger(
        self, dag_id: str, run_id: str, logical_date: str | None = None, conf: dict[str, Any] | None = None
    ) -> str:
        self.wait_for_dag(dag_id)
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": conf or {}}
        self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return str(state)
            time.sleep(1)
        raise RuntimeError(f"Run {dag_id}/{run_id} did not finish within {timeout:.0f} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        body = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        return list(body["task_instances"])

    def xcom_values(self, dag_id: str, run_id: str) -> list[str]:
        values = []
        for ti in self.task_instances(dag_id, run_id):
            entries = self.api(
                "GET",
                f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/xcomEntries",
                params={"map_index": ti["map_index"]},
            )
            for entry in entries["xcom_entries"]:
                detail = self.api(
                    "GET",
                    f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/xcomEntries/{entry['key']}",
                    params={"map_index": ti["map_index"], "stringify": "true"},
                )
                values.append(str(detail.get("value")))
        return values

    def task_logs(self, dag_id: str, run_id: str) -> str:
        """Every task log file of one run, concatenated."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
        return "\n".join(path.read_text(errors="replace") for path in sorted(folder.rglob("*.log")))
