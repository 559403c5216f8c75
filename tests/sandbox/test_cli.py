"""The command line: a separate process serving the same API, walked end to end with its own banner."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import pytest
import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.timeout(60)

TIMEOUT = 10


def banner_lines(process: subprocess.Popen[str]) -> Iterator[str]:
    """Yield the banner's lines up to "Press Ctrl-C"; the process is killed if it stays silent."""
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            yield line.rstrip("\n")
            if line.startswith("Press Ctrl-C"):
                return
    finally:
        watchdog.cancel()


def test_cli_serves_the_default_fixture_from_another_process() -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LOCALIQ_SANDBOX_")}
    command = [
        sys.executable,
        "-m",
        "airflow_provider_localiq.sandbox",
        "--port",
        "0",
        "--crm-page-size",
        "10",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment
    )
    try:
        lines = list(banner_lines(process))
        url = re.fullmatch(r"LocalIQ sandbox listening on (http://127\.0\.0\.1:\d+)", lines[0])
        assert url, lines
        base = url.group(1)
        assert any("demo@example.com" in line and "demo-password" in line for line in lines)
        exported = next(line for line in lines if "AIRFLOW_CONN_LOCALIQ_DEFAULT=" in line)
        connection = json.loads(exported.split("=", 1)[1].strip("'"))
        assert connection["host"] == base

        walk(base, connection)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0


def walk(base: str, connection: dict[str, object]) -> None:
    """Token, identity, one report, then every page of contacts, as a DAG run would."""
    session = requests.Session()
    extra = connection["extra"]
    assert isinstance(extra, dict)
    grant = {
        "grant_type": "password",
        "username": connection["login"],
        "password": connection["password"],
        "client_id": extra["client_id"],
        "client_secret": extra["client_secret"],
    }
    token = session.post(f"{base}/oauth/token", json=grant, timeout=TIMEOUT).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    identity = session.get(
        f"{base}/identities/v3", params={"user": "demo@example.com"}, headers=bearer, timeout=TIMEOUT
    )
    active = [a["gmaid"] for a in identity.json()["authorized_advertisers"] if a["active_state"] == 2]
    assert active == ["USA_100001", "USA_100002", "USA_100003", "USA_100091"]

    window = {"start_date": "2024-03-01", "end_date": "2024-03-03"}
    lead_detail = session.get(
        f"{base}/client_reports/lead_detail/USA_100001", params=window, headers=bearer, timeout=TIMEOUT
    )
    assert [row["start_date"] for row in lead_detail.json()["report_data"]["totals_per_interval"]] == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]

    filters = {"global_master_advertiser_id": "USA_100001", "created_after_date": "2024-03-01"}
    link: str | None = f"{base}/crm/contacts"
    params: dict[str, str] | None = {**filters, "created_before_date": "2024-03-08"}
    contacts, pages = [], 0
    while link:
        page = session.get(link, params=params, headers={"Authorization": token}, timeout=TIMEOUT).json()
        contacts += page["contacts"]
        link, params, pages = page["next_page_location"], None, pages + 1
    assert pages == 5
    assert len({contact["id"] for contact in contacts}) == 7 * 6
