"""Bad connection settings and operator arguments fail the task at once, naming the field, before any call.

Each case runs ``LocalIQToSqlOperator.execute`` with a minimal context against a sandbox and a
DuckDB warehouse, and checks the error type (an ``AirflowFailException``, so no retries are
spent), the field it names, that no secret is echoed, and that the sandbox saw no request.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any

import pendulum
import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_localiq.exceptions import LocalIQConfigError, LocalIQInputError
from airflow_provider_localiq.transfers.localiq_to_sql import LocalIQToSqlOperator
from tests.conftest import connection_json
from tests.integration.conftest import Warehouse, task_try

DAY = pendulum.datetime(2026, 11, 3, tz="UTC")
CONTEXT = {"logical_date": DAY, "data_interval_start": DAY, "data_interval_end": DAY}
SECRET = "s3cret-value-never-echoed"


@pytest.fixture
def server(localiq_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_BAD", connection_json(localiq_sandbox.url))
    monkeypatch.delenv("AIRFLOW_VAR_LOCALIQ_PII_SALT", raising=False)
    return localiq_sandbox


def run_operator(**arguments: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "task_id": "load",
        "gmaid": "USA_100001",
        "reports": ["lead_detail"],
        "sql_conn_id": "localiq_warehouse",
        "localiq_conn_id": "localiq_bad",
    }
    options.update(arguments)
    return LocalIQToSqlOperator(**options).execute(CONTEXT)  # type: ignore[arg-type]


OPERATOR_CASES = [
    pytest.param({"reports": ["lead_details"]}, "reports", "not a LocalIQ report", id="unknown-report"),
    pytest.param({"reports": []}, "reports", "is empty", id="no-reports"),
    pytest.param({"window_start": "2026-02-30", "window_end": "2026-03-01"}, "window_start", "YYYY-MM-DD", id="no-such-day"),
    pytest.param({"window_start": "yesterday", "window_end": "2026-11-03"}, "window_start", "YYYY-MM-DD", id="not-a-date"),
    pytest.param({"window_start": "2026-11-05", "window_end": "2026-11-01"}, "window_end", "on or after window_start", id="end-before-start"),
    pytest.param({"window_start": "2026-11-01"}, "window_end", "is required", id="start-without-end"),
    pytest.param({"gmaid": "usa_100001"}, "gmaid", "like 'USA_123456'", id="gmaid-lowercase"),
    pytest.param({"gmaid": "USA-100001"}, "gmaid", "like 'USA_123456'", id="gmaid-dash"),
    pytest.param({"gmaid": 100001}, "gmaid", "got 100001", id="gmaid-number"),
    pytest.param({"gmaid": ["USA_100001", "USA 100002"]}, "gmaid", "got 'USA 100002'", id="gmaid-in-a-list"),
    pytest.param({"gmaid": []}, "gmaid", "is an empty list", id="gmaid-empty-list"),
    pytest.param({"campaign_cycle": "USA_5", "window_start": "2026-11-01", "window_end": "2026-11-02"}, "campaign_cycle", "cannot be combined", id="dates-with-campaign-cycle"),
    pytest.param({"campaign_cycle": "USA_5", "reports": ["marketing_activity"]}, "campaign_cycle", "is not accepted by report", id="cycle-for-a-date-report"),
    pytest.param({"report_params": {"start_date": "2026-11-01"}}, "report_params", "must not set 'start_date'", id="report-params-dates"),
    pytest.param({"report_params": {"interval_size": "fortnight"}}, "report_params", "interval_size='fortnight'", id="interval-size"),
    pytest.param({"write_mode": "upsert"}, "write_mode", "got 'upsert'", id="write-mode"),
    pytest.param({"extract": "leads", "pii": "mask"}, "pii", "got 'mask'", id="pii"),
    pytest.param({"on_forbidden": "ignore"}, "on_forbidden", "got 'ignore'", id="on-forbidden"),
    pytest.param({"extract": "contacts"}, "extract", "got 'contacts'", id="extract"),
    pytest.param({"extract": "leads", "leads": ["crm_calls"]}, "leads", "got 'crm_calls'", id="lead-endpoint"),
    pytest.param({"extract": "leads", "pii": "drop", "lookback_days": "three"}, "lookback_days", "whole number", id="lookback-text"),
    pytest.param({"extract": "leads", "pii": "drop", "lookback_days": -1}, "lookback_days", "zero or more", id="lookback-negative"),
    pytest.param({"extract": "leads", "pii": "hash"}, "pii_salt_variable", "empty or missing", id="salt-missing"),
    pytest.param({"max_workers": 0}, "max_workers", "at least 1", id="max-workers"),
    pytest.param({"sql_conn_id": "localiq_bad"}, "sql_conn_id", "not a common-sql DbApiHook", id="sql-conn-not-a-database"),
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "field", "message"), OPERATOR_CASES)
def test_bad_operator_argument_fails_before_any_call_naming_the_field(
    server: Any, duckdb_warehouse: Warehouse, arguments: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(LocalIQInputError, match=message) as raised:
        run_operator(**arguments)

    assert isinstance(raised.value, AirflowFailException)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field} ")
    assert server.control.count() == 0
    assert not duckdb_warehouse.path.exists()


def connection(url: str, **changes: Any) -> str:
    """A LocalIQ connection as JSON, with fields changed or (given None) removed."""
    document = json.loads(connection_json(url, password=SECRET))
    extra = document.pop("extra")
    for key, value in changes.items():
        target = document if key in ("host", "login", "password") else extra
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    document["extra"] = extra
    return json.dumps(document)


CONNECTION_CASES = [
    pytest.param({"extra": '{"client_id": "demo-client", "client_secret": '}, "extra", "is not valid JSON", id="extra-invalid-json"),
    pytest.param({"extra": "[1, 2]"}, "extra", "must be a JSON object", id="extra-not-an-object"),
    pytest.param({"client_id": None}, "client_id", "is missing", id="client-id-missing"),
    pytest.param({"client_id": ""}, "client_id", "is missing", id="client-id-empty"),
    pytest.param({"client_secret": 918273645}, "client_secret", "must be a string, got int", id="client-secret-wrong-type"),
    pytest.param({"timeout": "soon"}, "timeout", "positive number, got 'soon'", id="timeout-text"),
    pytest.param({"timeout": -5}, "timeout", "positive number", id="timeout-negative"),
    pytest.param({"requests_per_second": True}, "requests_per_second", "got the boolean True", id="rate-boolean"),
    pytest.param({"host": "http://api.example.com", "allow_insecure_http": "False"}, "host", "plain http to 'api.example.com'", id="insecure-http-false-string"),
    pytest.param({"host": "http://api.example.com"}, "host", "plain http to 'api.example.com'", id="insecure-http-default"),
    pytest.param({"allow_insecure_http": "maybe"}, "allow_insecure_http", "true or false, got 'maybe'", id="boolean-not-a-boolean"),
    pytest.param({"host": "ftp://api.example.com"}, "host", "must use https", id="host-scheme"),
    pytest.param({"host": "https://api.example.com/v1"}, "host", "without a path", id="host-with-path"),
    pytest.param({"login": "reports-agency.example"}, "login", "has no '@'", id="login-not-an-email"),
    pytest.param({"login": None}, "login", "is empty while a password is set", id="password-without-login"),
    pytest.param({"password": None, "login": None}, "password", "refresh_token' is not set either", id="no-credentials"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), CONNECTION_CASES)
def test_bad_connection_fails_before_any_call_or_warehouse_write(
    server: Any,
    duckdb_warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    raw_extra = changes.pop("extra", None)
    document = json.loads(connection(server.url, **changes))
    if raw_extra is not None:
        document["extra"] = raw_extra
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_BAD", json.dumps(document))

    with pytest.raises(LocalIQConfigError, match=message) as raised:
        run_operator()

    assert isinstance(raised.value, AirflowFailException)
    assert raised.value.field == field
    assert f"Connection 'localiq_bad': {field} " in str(raised.value)
    assert SECRET not in str(raised.value)
    assert "918273645" not in str(raised.value)
    assert server.control.count() == 0
    assert not duckdb_warehouse.path.exists()


def non_loopback_address() -> str | None:
    """This machine's address on its default route, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


@pytest.mark.parametrize(("allow", "allowed"), [("True", True), ("False", False), ("0", False)])
def test_plain_http_to_a_non_loopback_host_needs_allow_insecure_http(
    localiq_sandbox_factory: Any,
    duckdb_warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    allow: str,
    allowed: bool,
) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to serve the sandbox on")
    server = localiq_sandbox_factory(host=address)
    assert server.url.startswith(f"http://{address}:")
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_BAD", connection_json(server.url, allow_insecure_http=allow))

    if allowed:
        assert run_operator()["rows"]["localiq_lead_detail__totals_per_interval"] == 1
        assert server.control.count("/client_reports/lead_detail", status=200) == 1
    else:
        with pytest.raises(LocalIQConfigError, match=f"plain http to '{address}'") as raised:
            run_operator()
        assert raised.value.field == "host"
        assert server.control.count() == 0


@pytest.mark.parametrize(
    "conf",
    [
        pytest.param({"gmaid": "usa_100001"}, id="gmaid"),
        pytest.param({"window_start": "2026-11-05", "window_end": "2026-11-01"}, id="window"),
        pytest.param({"reports": ["lead_detail", "no_such_report"]}, id="report"),
    ],
)
def test_bad_templated_input_fails_the_first_try_without_spending_retries(
    localiq_sandbox: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    monkeypatch: pytest.MonkeyPatch,
    conf: dict[str, Any],
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_TEST", connection_json(localiq_sandbox.url))

    run = run_test_dag("localiq_test_reports", **conf)

    assert task_try(run) == ("failed", 1)
    assert localiq_sandbox.control.count() == 0
