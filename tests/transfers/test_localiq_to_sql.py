"""LocalIQToSqlOperator: overlapping backfills, write modes and the checks made before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pendulum
import pytest

from airflow_provider_localiq.exceptions import LocalIQInputError
from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator
from tests.conftest import connection_json

CONTEXT = {
    "data_interval_start": pendulum.datetime(2026, 11, 2, tz="UTC"),
    "data_interval_end": pendulum.datetime(2026, 11, 3, tz="UTC"),
}


@pytest.fixture
def database(localiq_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_DEFAULT", connection_json(localiq_sandbox.url))
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "duckdb", "host": str(path)}))
    monkeypatch.setenv("AIRFLOW_VAR_LOCALIQ_PII_SALT", "transfer-test-salt")
    return path


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _load(window: tuple[str, str], mode: str = "replace", **kwargs: Any) -> dict[str, Any]:
    operator = LocalIQToSqlOperator(
        task_id="load",
        gmaid="USA_100001",
        reports=["lead_detail"],
        window_start=window[0],
        window_end=window[1],
        sql_conn_id="warehouse",
        write_mode=mode,  # type: ignore[arg-type]
        **kwargs,
    )
    return operator.execute(CONTEXT)


def test_overlapping_backfills_replace_only_their_overlap(database: Path) -> None:
    _load(("2026-11-01", "2026-11-03"))
    _load(("2026-11-02", "2026-11-05"))

    days = _query(
        database,
        'SELECT CAST(start_date AS TEXT), COUNT(*) FROM "localiq_lead_detail__totals_per_interval" GROUP BY 1 ORDER BY 1',
    )
    assert days == [(f"2026-11-0{day}", 1) for day in range(1, 6)]


def test_window_totals_of_each_backfill_are_kept_apart(database: Path) -> None:
    _load(("2026-11-01", "2026-11-03"))
    _load(("2026-11-02", "2026-11-05"))
    _load(("2026-11-02", "2026-11-05"))

    windows = _query(
        database,
        'SELECT CAST("_window_start" AS TEXT), CAST("_window_end" AS TEXT), COUNT(*) '
        'FROM "localiq_lead_detail__totals" GROUP BY ALL ORDER BY 1',
    )
    assert windows == [("2026-11-01", "2026-11-03", 1), ("2026-11-02", "2026-11-05", 1)]


def test_append_adds_and_merge_upserts(database: Path) -> None:
    _load(("2026-11-01", "2026-11-02"), mode="append")
    _load(("2026-11-01", "2026-11-02"), mode="append")
    appended = _query(database, 'SELECT COUNT(*) FROM "localiq_lead_detail__totals_per_interval"')

    operator = LocalIQToSqlOperator(
        task_id="m", gmaid="USA_100001", extract="leads", sql_conn_id="warehouse", write_mode="merge"
    )
    operator.execute(CONTEXT)
    operator.execute(CONTEXT)
    merged = _query(database, 'SELECT COUNT(*), COUNT(DISTINCT id) FROM "localiq_crm_contacts"')

    assert appended == [(4,)]
    assert merged[0][0] == merged[0][1] > 0


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"reports": ["no_such_report"]}, "reports"),
        ({"reports": []}, "reports"),
        ({"gmaid": "usa_1"}, "gmaid"),
        ({"window_start": "2026-11-05", "window_end": "2026-11-01"}, "window_end"),
        ({"window_start": "2026-11-31", "window_end": "2026-12-01"}, "window_start"),
        ({"window_start": "2026-11-01"}, "window_end"),
        (
            {"campaign_cycle": "USA_5", "window_start": "2026-11-01", "window_end": "2026-11-02"},
            "campaign_cycle",
        ),
        ({"reports": ["marketing_activity"], "campaign_cycle": "USA_5"}, "campaign_cycle"),
        ({"report_params": {"interval_size": "fortnight"}}, "report_params"),
        ({"report_params": {"start_date": "2026-11-01"}}, "report_params"),
        ({"write_mode": "upsert"}, "write_mode"),
        ({"on_forbidden": "ignore"}, "on_forbidden"),
        ({"extract": "leads", "pii": "mask"}, "pii"),
        ({"extract": "leads", "lookback_days": -1}, "lookback_days"),
        ({"extract": "leads", "pii_salt_variable": "missing_salt"}, "pii_salt_variable"),
        ({"extract": "everything"}, "extract"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_arguments_fail_before_any_request(
    arguments: dict[str, Any], field: str, database: Path, localiq_sandbox: Any
) -> None:
    settings: dict[str, Any] = {"gmaid": "USA_100001", "reports": ["lead_detail"], "sql_conn_id": "warehouse"}
    settings.update(arguments)
    operator = LocalIQToSqlOperator(task_id="bad", **settings)

    with pytest.raises(LocalIQInputError) as caught:
        operator.execute(CONTEXT)

    assert caught.value.field == field
    assert localiq_sandbox.control.count() == 0
    assert not database.exists()


def test_sql_conn_id_must_be_a_database(
    database: Path, localiq_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NOT_SQL", connection_json(localiq_sandbox.url))
    operator = LocalIQToSqlOperator(
        task_id="x", gmaid="USA_100001", reports=["lead_detail"], sql_conn_id="not_sql"
    )

    with pytest.raises(LocalIQInputError, match="not a common-sql DbApiHook"):
        operator.execute(CONTEXT)
