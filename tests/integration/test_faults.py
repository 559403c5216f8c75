"""The fault matrix, end to end: an Airflow task against a misbehaving sandbox, into a real DuckDB file.

Each test runs a one-task DAG from ``tests/integration/dags/localiq_test_operators.py`` with
``dag.test()`` (two task retries, no retry delay) and checks three things: the task's final state,
how many tries it took, and that the warehouse holds every served row exactly once, or nothing
for an advertiser that failed. In-task backoff is shortened to milliseconds; 429 waits are the
real ones (to the next second, or ``Retry-After``).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from airflow_provider_localiq.hooks import localiq as hook_module
from airflow_provider_localiq.hooks.retry import RetryPolicy
from tests.conftest import connection_json
from tests.integration.conftest import TokenLedger, Warehouse, served_table_rows, task_try, wait_for

REPORTS = ["lead_detail", "marketing_activity", "unified_display"]
GMAID = "USA_100002"
TOKEN_VARIABLE = "localiq_test__refresh_token"


@pytest.fixture(autouse=True)
def _fast_in_task_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back off for milliseconds instead of seconds between in-task retries of 5xx, resets and timeouts."""
    fast = functools.partial(RetryPolicy, backoff_initial=0.01, backoff_max=0.05)
    monkeypatch.setattr(hook_module, "RetryPolicy", fast)


@pytest.fixture(autouse=True)
def _no_stored_refresh_token(airflow_db: Any) -> Iterator[None]:
    """Start and end without a rotated refresh token left in the session's metadata database."""
    from airflow.models import Variable

    Variable.delete(TOKEN_VARIABLE)
    yield
    Variable.delete(TOKEN_VARIABLE)


@pytest.fixture(autouse=True)
def task_log(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, ledgers: list[TokenLedger]
) -> Iterator[Callable[[], str]]:
    """Return ``read()``: what the task logged since the last read (hook lines go to stdout, the rest to logging).

    ``dag.test()`` does not mask secrets, so at the end every line logged must be free of the
    password, the client secret and every token the sandbox issued: error messages never hold them.
    """
    caplog.set_level("INFO")
    seen: list[str] = []

    def read() -> str:
        text = capfd.readouterr().out + caplog.text
        caplog.clear()
        seen.append(text)
        return text

    yield read
    everything = "".join(seen) + read()
    credentials = ["demo-password", "demo-secret", *(token for ledger in ledgers for token in ledger.values)]
    assert [value for value in credentials if value in everything] == []


@pytest.fixture
def ledgers() -> list[TokenLedger]:
    return []


@pytest.fixture
def api(localiq_sandbox_factory: Any, monkeypatch: pytest.MonkeyPatch, ledgers: list[TokenLedger]) -> Any:
    """Return ``start(**settings)``: a sandbox behind connection ``localiq_test`` (password grant)."""

    def start(connection: dict[str, Any] | None = None, **settings: Any) -> Any:
        server = localiq_sandbox_factory(**settings)
        ledgers.append(TokenLedger(server))
        monkeypatch.setenv("AIRFLOW_CONN_LOCALIQ_TEST", connection_json(server.url, **(connection or {})))
        return server

    return start


def refresh_only(server: Any, monkeypatch: pytest.MonkeyPatch, token: str | None = None, **extra: Any) -> str:
    """Point ``localiq_test`` at ``server`` with only a refresh token (a fresh bootstrap one by default)."""
    token = token or server.control.issue_refresh_token()
    monkeypatch.setenv(
        "AIRFLOW_CONN_LOCALIQ_TEST",
        connection_json(server.url, login=None, password=None, refresh_token=token, **extra),
    )
    return token


def ids(warehouse: Warehouse, table: str) -> list[int]:
    return sorted(row[0] for row in warehouse.rows(f'SELECT "id" FROM "{table}"'))


def assert_leads_exactly_once(server: Any, warehouse: Warehouse) -> None:
    """Every contact and interaction the sandbox served is stored once; none is missing or extra."""
    for endpoint in ("crm_contacts", "crm_contact_interactions"):
        served = server.control.served_ids(endpoint)
        assert served
        assert ids(warehouse, f"localiq_{endpoint}") == sorted(served), endpoint


def assert_reports_exactly_once(server: Any, warehouse: Warehouse) -> None:
    """Each report table holds exactly the rows the sandbox served (served once: no failed reads)."""
    compared = 0
    for report in REPORTS:
        for table, served in served_table_rows(server, report).items():
            assert warehouse.count(table) == served, table
            compared += 1
    assert compared >= 6


def assert_nothing_written(warehouse: Warehouse) -> None:
    """The warehouse holds no table at all: the failed unit was rolled back, table creation included."""
    assert not warehouse.path.exists() or warehouse.tables() == set()


def used_refresh_token(server: Any) -> str:
    """A refresh token that was valid once and has been exchanged since."""
    token = server.control.issue_refresh_token()
    body = {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": "demo-client",
        "client_secret": "demo-secret",
    }
    assert requests.post(f"{server.url}/oauth/token", json=body, timeout=10).status_code == 200
    return token


# ---------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("grant", ["password", "refresh_token"])
def test_access_token_expiring_mid_paging_is_renewed_and_no_page_is_lost(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, monkeypatch: pytest.MonkeyPatch, grant: str
) -> None:
    server = api(crm_page_size=2, latency_ms=30)
    if grant == "refresh_token":
        refresh_only(server, monkeypatch)

    def expire_after_the_first_interaction_page() -> None:
        wait_for(lambda: server.control.count("/crm/contact_interactions", status=200) >= 1, what="page 1")
        server.control.expire_access_tokens()

    watcher = threading.Thread(target=expire_after_the_first_interaction_page, daemon=True)
    watcher.start()
    run = run_test_dag("localiq_test_leads", gmaid=GMAID, window_start="2026-11-01", window_end="2026-11-03")
    watcher.join(timeout=30)

    assert task_try(run) == ("success", 1)
    assert server.control.count("/crm/contact_interactions", status=401) >= 1
    assert server.control.count("/crm/contact_interactions", status=200) >= 15
    assert server.control.count("/oauth/token", status=400) == 0
    assert_leads_exactly_once(server, duckdb_warehouse)


def test_used_refresh_token_fails_on_the_first_try_with_the_next_step(
    api: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    monkeypatch: pytest.MonkeyPatch,
    task_log: Callable[[], str],
) -> None:
    server = api()
    token = refresh_only(server, monkeypatch, used_refresh_token(server))

    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("failed", 1)
    output = task_log()
    assert "LocalIQ refused the refresh_token grant" in output
    assert (
        "Next step: the refresh token of connection 'localiq_test' has expired or was already used" in output
    )
    assert token not in output
    assert server.control.count("/client_reports") == 0
    assert_nothing_written(duckdb_warehouse)


def test_reset_during_the_refresh_fails_and_the_retry_names_the_next_step(
    api: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    monkeypatch: pytest.MonkeyPatch,
    task_log: Callable[[], str],
) -> None:
    """Known limit: LocalIQ used the single-use token but its answer was lost, so the chain is broken."""
    server = api(scripts={"/oauth/token": ["drop"]})
    bootstrap = refresh_only(server, monkeypatch)

    run = run_test_dag("localiq_test_leads", gmaid=GMAID)

    assert task_try(run) == ("failed", 2)
    output = task_log()
    assert (
        "LocalIQServerError: The refresh-token request of connection 'localiq_test' failed in flight"
        in output
    )
    assert "It is not resent" in output
    assert "LocalIQAuthError: LocalIQ refused the refresh_token grant" in output
    assert (
        "Next step: the refresh token of connection 'localiq_test' has expired or was already used" in output
    )
    grants = [r for r in server.control.requests if r.path == "/oauth/token"]
    assert grants[0].fault == "drop"
    assert all(r.status == 400 for r in grants[1:])
    assert not server.control.is_refresh_token_valid(bootstrap)
    assert_nothing_written(duckdb_warehouse)


# ---------------------------------------------------------------------------- transient faults


def test_429_storm_without_retry_after_waits_for_the_next_window(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any
) -> None:
    server = api(scripts={"/client_reports": [429, 429, 429]})

    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("success", 1)
    assert server.control.http_429_sent == 3
    assert_reports_exactly_once(server, duckdb_warehouse)


def test_429_storm_with_retry_after_is_waited_out_as_told(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, task_log: Callable[[], str]
) -> None:
    server = api(retry_after=1, scripts={"/client_reports/lead_detail": [429, 429]})

    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("success", 1)
    assert server.control.http_429_sent == 2
    waits = re.findall(r"\(429 Too Many Requests\); retrying in ([0-9.]+) s", task_log())
    assert waits
    assert set(waits) == {"1.00"}
    assert_reports_exactly_once(server, duckdb_warehouse)


def test_429_storm_longer_than_the_in_task_retries_is_retried_by_airflow(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, task_log: Callable[[], str]
) -> None:
    server = api(retry_after=0, scripts={"/client_reports/unified_display": [429] * 6})

    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("success", 2)
    assert server.control.http_429_sent == 6
    assert "LocalIQRateLimitError" in task_log()
    served = served_table_rows(server, "unified_display")
    assert all(duckdb_warehouse.count(table) == rows for table, rows in served.items())
    assert duckdb_warehouse.count("localiq_lead_detail__totals_per_interval") == 1


def test_5xx_flaps_are_retried_inside_the_task(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any
) -> None:
    server = api(scripts={"/client_reports": [500, 502, 503, 504]})

    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("success", 1)
    assert sum(server.control.count("/client_reports", status=status) for status in (500, 502, 503, 504)) == 4
    assert_reports_exactly_once(server, duckdb_warehouse)


@pytest.mark.parametrize(
    ("fault", "settings", "connection"),
    [
        pytest.param("drop", {}, {}, id="connection-reset"),
        pytest.param("malformed", {}, {}, id="malformed-json"),
        pytest.param("slow", {"slow_seconds": 3.0}, {"timeout": 1}, id="slower-than-the-timeout"),
    ],
)
def test_broken_crm_pages_are_read_again_without_loss_or_duplicates(
    api: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    fault: str,
    settings: dict[str, Any],
    connection: dict[str, Any],
) -> None:
    script = {"/crm/contacts": ["ok", fault, fault], "/crm/contact_interactions": [fault]}
    server = api(connection, crm_page_size=2, scripts=script, **settings)

    run = run_test_dag("localiq_test_leads", gmaid=GMAID)

    assert task_try(run) == ("success", 1)
    faulted = [r for r in server.control.requests if r.fault == fault]
    assert len(faulted) == 3
    assert_leads_exactly_once(server, duckdb_warehouse)


# ---------------------------------------------------------------------------- permanent faults


FORBIDDEN = [
    pytest.param("USA_100090", "reports", "the advertiser is inactive", id="inactive"),
    pytest.param("USA_100091", "leads", "the advertiser is HIPAA-protected", id="hipaa-leads"),
    pytest.param(
        "CAN_200001", "reports", "the business user is not linked to this advertiser", id="unlinked"
    ),
]
FORBIDDEN_IDS = [case.id for case in FORBIDDEN]


@pytest.mark.parametrize(("gmaid", "extract"), [case.values[:2] for case in FORBIDDEN], ids=FORBIDDEN_IDS)
def test_forbidden_advertiser_fails_at_once_with_on_forbidden_fail(
    api: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    task_log: Callable[[], str],
    gmaid: str,
    extract: str,
) -> None:
    server = api()

    run = run_test_dag(f"localiq_test_{extract}", gmaid=gmaid, reports=REPORTS)

    assert task_try(run) == ("failed", 1)
    output = task_log()
    assert "LocalIQ answered 403 not_authorized for GET /" in output
    assert f"(advertiser {gmaid}). Possible causes:" in output
    assert server.control.count(status=403) >= 1
    assert_nothing_written(duckdb_warehouse)


@pytest.mark.parametrize(("gmaid", "extract", "cause"), FORBIDDEN)
def test_forbidden_advertiser_is_skipped_with_its_cause_with_on_forbidden_skip(
    api: Any,
    duckdb_warehouse: Warehouse,
    run_test_dag: Any,
    task_log: Callable[[], str],
    gmaid: str,
    extract: str,
    cause: str,
) -> None:
    api()

    run = run_test_dag(f"localiq_test_{extract}_skip", gmaid=gmaid, reports=REPORTS)

    assert task_try(run) == ("skipped", 1)
    output = task_log()
    assert f"Skipping advertiser {gmaid}: LocalIQ answered 403" in output
    assert cause in output
    assert_nothing_written(duckdb_warehouse)


@pytest.mark.parametrize("fault", ["repeat", "end_early", "change_filters"])
def test_contradictory_next_page_links_fail_the_task_and_write_nothing(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, task_log: Callable[[], str], fault: str
) -> None:
    server = api(crm_page_size=2, pagination_fault=fault)

    run = run_test_dag("localiq_test_leads", gmaid=GMAID)

    assert task_try(run) == ("failed", 3)
    assert "LocalIQPaginationError" in task_log()
    assert server.control.count("/crm/contacts", status=200) >= 2
    assert_nothing_written(duckdb_warehouse)


# ---------------------------------------------------------------------------- a load that fails halfway


def extracted_at(warehouse: Warehouse) -> dict[str, set[str]]:
    """The distinct ``_extracted_at`` of each table that has rows: which try wrote the rows it holds."""
    moments = {
        table: {str(row[0]) for row in warehouse.rows(f'SELECT DISTINCT "_extracted_at" FROM "{table}"')}
        for table in sorted(warehouse.tables())
    }
    return {table: values for table, values in moments.items() if values}


def table_counts(warehouse: Warehouse) -> dict[str, int]:
    return {table: warehouse.count(table) for table in sorted(warehouse.tables())}


def test_load_failing_halfway_is_retried_and_stores_the_window_once(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, task_log: Callable[[], str]
) -> None:
    server = api()
    run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)
    baseline, first_written = table_counts(duckdb_warehouse), extracted_at(duckdb_warehouse)
    task_log()

    server.control.script("/client_reports/unified_display", [500] * 6)
    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("success", 2)
    output = task_log()
    assert "Replacing report lead_detail of gmaid USA_100002 for 2026-11-02..2026-11-02" in output
    assert "Rolled back the DuckDB transaction" in output
    assert table_counts(duckdb_warehouse) == baseline
    rewritten = extracted_at(duckdb_warehouse)
    assert rewritten.keys() == first_written.keys()
    assert len(rewritten) >= 10
    assert all(len(moments) == 1 for moments in rewritten.values())
    assert all(rewritten[table] != first_written[table] for table in rewritten)


def test_load_failing_on_every_try_leaves_the_previous_window_untouched(
    api: Any, duckdb_warehouse: Warehouse, run_test_dag: Any, task_log: Callable[[], str]
) -> None:
    server = api()
    run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)
    baseline, first_written = table_counts(duckdb_warehouse), extracted_at(duckdb_warehouse)
    task_log()

    server.control.script("/client_reports/unified_display", [500] * 18)
    run = run_test_dag("localiq_test_reports", gmaid=GMAID, reports=REPORTS)

    assert task_try(run) == ("failed", 3)
    output = task_log()
    assert "Rolled back the DuckDB transaction" in output
    assert "LocalIQ kept failing GET /client_reports/unified_display/USA_100002: 500" in output
    assert table_counts(duckdb_warehouse) == baseline
    assert len(first_written) >= 10
    assert extracted_at(duckdb_warehouse) == first_written
