"""Start the sandbox process and the systems' processes, with deadlines, and measure their peak RSS."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks.workload import Workload

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SECONDS = 0.02


def child_environment(workdir: Path) -> dict[str, str]:
    """An environment that keeps Airflow, dlt and the caches of every system inside ``workdir``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_", "LOCALIQ_SANDBOX_"))
    }
    environment.update(
        {
            "AIRFLOW_HOME": str(workdir / "airflow-home"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "DLT_DATA_DIR": str(workdir / "dlt-data"),
            "PYTHONPATH": str(REPO_ROOT),
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return environment


class SandboxProcess:
    """The sandbox in its own process, so that serving never competes with a client for one GIL."""

    def __init__(self, workload: Workload, workdir: Path, *, max_seconds: float = 1800.0) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self._log = (workdir / "sandbox.log").open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", workload.to_json(), str(max_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=REPO_ROOT,
            env=child_environment(workdir),
            text=True,
        )
        self._answers: queue.Queue[str] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=_pump, args=(self._process.stdout, self._answers), daemon=True).start()
        first = self._read(timeout=60)
        if "url" not in first:
            self.stop()
            raise RuntimeError(f"the sandbox process did not start: {first}")
        self.url: str = first["url"]

    def command(self, op: str, timeout: float = 60, **fields: Any) -> dict[str, Any]:
        """Send one command and return its answer."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self._process.stdin.flush()
        return self._read(timeout)

    def stats(self) -> dict[str, Any]:
        """Requests, 429s and rows served since the last reset."""
        return self.command("stats")

    def reset(self) -> None:
        """Zero the counters, then wait for a fresh rate-limit window."""
        self.command("reset")
        time.sleep(1.1)

    def configure(self, **settings: Any) -> None:
        """Change sandbox settings (latency, jitter) while it runs."""
        self.command("configure", settings=settings)

    def stop(self) -> None:
        """Stop the server and wait for its process to end."""
        if self._process.poll() is None:
            try:
                self.command("stop", timeout=10)
            except (RuntimeError, BrokenPipeError, OSError):
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._log.close()

    def _read(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"the sandbox process gave no answer within {timeout:g} s") from None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pump(stream: IO[str], answers: queue.Queue[str]) -> None:
    for line in stream:
        if line.strip():
            answers.put(line)


@dataclass
class ChildResult:
    """What one system's process reported, with its peak RSS and wall time as seen from outside."""

    report: dict[str, Any]
    peak_rss_mb: float
    sampled_rss_mb: float
    wall_seconds: float


def run_child(module: str, arguments: list[str], workdir: Path, *, timeout: float, name: str) -> ChildResult:
    """Run ``python -m <module> <arguments>``; its last stdout line is a JSON report.

    Peak RSS is the kernel's high-water mark of that process (``wait4``), cross-checked by sampling.

    :raises RuntimeError: the process failed or outlived ``timeout``.
    """
    import psutil

    workdir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.log"
    started = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *arguments],
            stdout=out,
            stderr=err,
            cwd=REPO_ROOT,
            env=child_environment(workdir),
            start_new_session=True,
        )
        sampled = 0.0
        watched = psutil.Process(process.pid)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            try:
                sampled = max(sampled, watched.memory_info().rss)
            except psutil.Error:
                pass
            if time.monotonic() - started > timeout:
                os.killpg(process.pid, signal.SIGKILL)
                os.wait4(process.pid, 0)
                raise RuntimeError(f"{name} did not finish within {timeout:g} s; see {err_path}")
            time.sleep(SAMPLE_SECONDS)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started

    lines = [line for line in out_path.read_text().splitlines() if line.strip()]
    if process.returncode != 0 or not lines:
        tail = err_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} failed with exit status {process.returncode}:\n{tail}")
    return ChildResult(
        report=json.loads(lines[-1]),
        peak_rss_mb=usage.ru_maxrss / 1024,
        sampled_rss_mb=sampled / 2**20,
        wall_seconds=wall,
    )
