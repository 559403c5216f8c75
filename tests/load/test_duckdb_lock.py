"""Waiting for another process that holds the DuckDB file, as parallel Airflow tasks do."""

from __future__ import annotations

import logging
import subprocess
import sys
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

import pytest

from airflow_provider_localiq.load import DatabaseLockedError, SqlTableWriter

if TYPE_CHECKING:
    from collections.abc import Iterator

HOLD_FILE = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""
ROW = {"day": date(2024, 1, 1), "campaign_id": 1, "clicks": 3, "spend": 1.0}


@contextmanager
def file_held_by_another_process(path: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_waits_until_another_process_releases_the_file(duckdb_warehouse, make_batch, caplog):
    writer = SqlTableWriter(duckdb_warehouse.hook(), lock_timeout=60)

    with file_held_by_another_process(duckdb_warehouse.document["host"], seconds=1.0):
        with caplog.at_level(logging.WARNING, logger="airflow_provider_localiq"):
            written = writer.write_all([make_batch([ROW])])

    assert written == {"localiq_campaign_summary": 1}
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings
    assert all("DuckDB database is locked by another process" in message for message in warnings)
    assert duckdb_warehouse.count('"localiq_campaign_summary"') == 1


def test_gives_up_with_database_locked_error_after_the_lock_timeout(duckdb_warehouse, make_batch):
    writer = SqlTableWriter(duckdb_warehouse.hook(), lock_timeout=0.5)

    with file_held_by_another_process(duckdb_warehouse.document["host"], seconds=60):
        with pytest.raises(
            DatabaseLockedError, match=r"stayed locked by another process for 0 s .*Conflicting lock"
        ):
            writer.write_all([make_batch([ROW])])


def test_other_io_errors_are_not_retried(tmp_path, monkeypatch, make_batch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_LOCALIQ_WAREHOUSE",
        f'{{"conn_type": "duckdb", "host": "{tmp_path}/missing-directory/warehouse.duckdb"}}',
    )
    from airflow.sdk import BaseHook

    writer = SqlTableWriter(BaseHook.get_hook("localiq_warehouse"), lock_timeout=60)

    with pytest.raises(Exception, match="missing-directory") as raised:
        writer.write_all([make_batch([ROW])])

    assert not isinstance(raised.value, DatabaseLockedError)
