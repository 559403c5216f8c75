"""LocalIQReportOperator and LocalIQLeadsOperator: Parquet output, reruns, PII, skips, XCom size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
import pyarrow.parquet as pq
import pytest
from airflow.sdk.exceptions import AirflowSkipException

from airflow_provider_localiq.exceptions import LocalIQPermissionError
from airflow_provider_localiq.operators.leads import LocalIQLeadsOperator
from airflow_provider_localiq.operators.report import LocalIQReportOperator
from tests.conftest import connection_json

CONTEXT = {
    "data_interval_start": pendulum.datetime(2026, 11, 2, tz="UTC"),
    "data_interval_end": pendulum.datetime(2026, 11, 4, tz="UTC"),
}


@pytest.fixture
def sandbox(localiq_sandbox_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    server = localiq_sandbox_factory()
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_DEFAULT", connection_json(server.url))
    monkeypatch.setenv("AIRFLOW_VAR_LOCALIQ_PII_SALT", "operator-test-salt")
    return server


def _rows(folder: Path) -> int:
    return sum(pq.read_table(path).num_rows for path in folder.rglob("*.parquet"))


def test_report_operator_writes_one_folder_per_table_and_rerun_replaces(sandbox: Any, tmp_path: Path) -> None:
    operator = LocalIQReportOperator(
        task_id="reports",
        gmaid=["USA_100001", "USA_100002"],
        reports=["lead_detail"],
        output_path=str(tmp_path),
    )

    result = operator.execute(CONTEXT)
    operator.execute(CONTEXT)

    served = sandbox.control.rows_served("lead_detail", "report_data.totals_per_interval[]") // 2
    assert result["rows"]["lead_detail__totals_per_interval"] == served == 4
    assert _rows(tmp_path / "lead_detail__totals_per_interval") == served
    partitions = sorted(
        p.relative_to(tmp_path).as_posix() for p in (tmp_path / "lead_detail__totals").glob("*/*")
    )
    assert partitions == [
        "lead_detail__totals/gmaid=USA_100001/window=2026-11-02_2026-11-03",
        "lead_detail__totals/gmaid=USA_100002/window=2026-11-02_2026-11-03",
    ]
    assert len(json.dumps(result)) < 2000


def test_leads_operator_drops_pii_and_keeps_ids_exact(sandbox: Any, tmp_path: Path) -> None:
    operator = LocalIQLeadsOperator(
        task_id="leads", gmaid="USA_100001", pii="drop", output_path=str(tmp_path)
    )

    result = operator.execute(CONTEXT)

    contacts = pq.read_table(next((tmp_path / "crm_contacts").rglob("*.parquet")))
    assert "email" not in contacts.column_names
    assert "first_name" not in contacts.column_names
    assert str(contacts.schema.field("id").type) == "int64"
    assert set(contacts.column("id").to_pylist()) == sandbox.control.served_ids("crm_contacts")
    assert result["rows"]["crm_contacts"] == len(sandbox.control.served_ids("crm_contacts"))
    requested = {r.query["created_after_date"] for r in sandbox.control.requests if r.path == "/crm/contacts"}
    assert requested == {"2026-10-30"}


def test_forbidden_advertiser_fails_by_default_and_skips_on_request(sandbox: Any, tmp_path: Path) -> None:
    failing = LocalIQReportOperator(
        task_id="fail", gmaid="USA_100090", reports=["lead_detail"], output_path=str(tmp_path)
    )
    skipping = LocalIQReportOperator(
        task_id="skip",
        gmaid="USA_100090",
        reports=["lead_detail"],
        output_path=str(tmp_path),
        on_forbidden="skip",
    )

    with pytest.raises(LocalIQPermissionError):
        failing.execute(CONTEXT)
    with pytest.raises(AirflowSkipException, match=r"USA_100090 \(the advertiser is inactive\)"):
        skipping.execute(CONTEXT)

    assert not list(tmp_path.rglob("*.parquet"))


def test_skip_keeps_the_other_advertisers(sandbox: Any, tmp_path: Path) -> None:
    operator = LocalIQReportOperator(
        task_id="mixed",
        gmaid=["USA_100001", "CAN_200001"],
        reports=["lead_detail"],
        output_path=str(tmp_path),
        on_forbidden="skip",
    )

    result = operator.execute(CONTEXT)

    assert result["skipped"] == ["CAN_200001"]
    assert _rows(tmp_path / "lead_detail__totals_per_interval") == 2
