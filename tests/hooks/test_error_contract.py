"""The error contract, row by row, against the sandbox on loopback.

Each row states what LocalIQ answers, which exception the hook raises, how many requests it
sent, and what the message must say. No row may leak a secret into the message or the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_provider_localiq.exceptions import (
    LocalIQAuthError,
    LocalIQPermissionError,
    LocalIQRateLimitError,
    LocalIQRequestError,
    LocalIQServerError,
)
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.tokens import MemoryTokenStore, StoredTokens
from tests.hooks.conftest import HookLogs

if TYPE_CHECKING:
    from collections.abc import Callable

REPORT = "/client_reports/lead_detail/USA_100001"
WINDOW = {"start_date": "2026-11-01", "end_date": "2026-11-02"}
SECRETS = ("demo-password", "demo-secret")


@dataclass(frozen=True)
class Row:
    """One row of the contract: what the sandbox is told to do and what the hook must do."""

    script: list[int | str] = field(default_factory=list)
    path: str = REPORT
    params: dict[str, Any] = field(default_factory=lambda: dict(WINDOW))
    error: type[Exception] | None = None
    match: str = ""
    data_requests: int = 1
    settings: dict[str, Any] = field(default_factory=dict)


MATRIX = [
    pytest.param(
        Row(path="/client_reports/lead_detail/USA_100090", error=LocalIQPermissionError, match="inactive"),
        id="403-inactive-advertiser",
    ),
    pytest.param(
        Row(path="/client_reports/lead_detail/CAN_200001", error=LocalIQPermissionError, match="not linked"),
        id="403-unlinked-advertiser",
    ),
    pytest.param(
        Row(
            path="/crm/contacts",
            params={
                "global_master_advertiser_id": "USA_100091",
                "created_after_date": "2026-11-01",
                "created_before_date": "2026-11-02",
            },
            error=LocalIQPermissionError,
            match="Agency Customer",
        ),
        id="403-hipaa-lead-data",
    ),
    pytest.param(
        Row(path="/client_reports/no_such_report/USA_100001", error=LocalIQRequestError, match="404"),
        id="404-unknown-report",
    ),
    pytest.param(
        Row(
            path="/client_reports/unified_display/USA_100001",
            params={},
            error=LocalIQRequestError,
            match="422",
        ),
        id="422-missing-parameter",
    ),
    pytest.param(Row(script=[429, 429]), id="429-twice-then-ok"),
    pytest.param(
        Row(script=[429] * 4, error=LocalIQRateLimitError, match="429", data_requests=4),
        id="429-storm-exhausts-retries",
    ),
    pytest.param(Row(script=[503, 502]), id="5xx-flap-then-ok"),
    pytest.param(
        Row(script=[500] * 4, error=LocalIQServerError, match="500", data_requests=4),
        id="5xx-exhausts-retries",
    ),
    pytest.param(Row(script=["drop"]), id="connection-reset-then-ok"),
    pytest.param(Row(script=["malformed"]), id="truncated-json-then-ok"),
    pytest.param(Row(script=["slow"], settings={"slow_seconds": 3}), id="timeout-then-ok"),
    pytest.param(
        Row(script=["malformed"] * 4, error=LocalIQServerError, match="not valid JSON", data_requests=4),
        id="broken-json-exhausts-retries",
    ),
]


@pytest.mark.parametrize("row", MATRIX)
def test_error_contract(
    row: Row,
    localiq_sandbox_factory: Any,
    make_hook: Callable[..., LocalIQHook],
    hook_logs: HookLogs,
) -> None:
    sandbox = localiq_sandbox_factory(**row.settings)
    if row.script:
        sandbox.control.script(row.path, row.script)
    hook = make_hook(sandbox.url, timeout=1)

    if row.error is None:
        document = hook.request("GET", row.path, params=row.params)
        assert document["global_master_advertiser_id"] == "USA_100001"
        assert sandbox.control.count(row.path) == len(row.script) + 1
    else:
        with pytest.raises(row.error, match=row.match) as caught:
            hook.request("GET", row.path, params=row.params)
        assert sandbox.control.count(row.path) == row.data_requests
        _assert_no_secret(str(caught.value), hook_logs.text, hook)

    assert sandbox.control.count("/oauth/token") == 1
    _assert_no_secret("", hook_logs.text, hook)
    assert f"GET {row.path} -> " in hook_logs.text


@pytest.mark.parametrize(
    ("error", "fails_fast"),
    [
        (LocalIQAuthError, True),
        (LocalIQPermissionError, True),
        (LocalIQRequestError, True),
        (LocalIQServerError, False),
        (LocalIQRateLimitError, False),
    ],
)
def test_permanent_errors_skip_airflow_retries_and_transient_ones_do_not(
    error: type[Exception], fails_fast: bool
) -> None:
    assert issubclass(error, AirflowException)
    assert issubclass(error, AirflowFailException) is fails_fast


def test_permission_error_names_endpoint_and_gmaid(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)

    with pytest.raises(LocalIQPermissionError) as caught:
        hook.get_report("lead_detail", "USA_100090", "2026-11-01", "2026-11-02")

    assert caught.value.gmaid == "USA_100090"
    assert caught.value.endpoint == "/client_reports/lead_detail/USA_100090"
    assert "USA_100090" in str(caught.value)
    assert "/client_reports/lead_detail/USA_100090" in str(caught.value)


def test_wrong_password_fails_at_once_with_login_advice(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], hook_logs: HookLogs
) -> None:
    hook = make_hook(localiq_sandbox.url, password="wrong-password")

    with pytest.raises(LocalIQAuthError, match="check the login .* of connection 'localiq_test'") as caught:
        hook.request("GET", REPORT, params=WINDOW)

    assert "The provided authorization credentials are invalid" in str(caught.value)
    assert localiq_sandbox.control.count("/oauth/token") == 1
    assert localiq_sandbox.control.count(REPORT) == 0
    assert "wrong-password" not in str(caught.value) + hook_logs.text
    (error,) = hook_logs.lines("error")
    assert "check the login" in error


def test_used_refresh_token_fails_at_once_with_the_next_step(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], hook_logs: HookLogs
) -> None:
    burned = localiq_sandbox.control.issue_refresh_token()
    first = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=burned)
    first.get_access_token()
    LocalIQHook._shared.clear()
    second = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=burned)

    with pytest.raises(LocalIQAuthError, match="expired or was already used") as caught:
        second.request("GET", REPORT, params=WINDOW)

    message = str(caught.value)
    assert "'refresh_token' extra" in message
    assert "set login and password" in message
    assert "The provided authorization credentials are invalid" in message
    assert burned not in message + hook_logs.text
    assert localiq_sandbox.control.count("/oauth/token", status=400) == 1


def test_401_is_answered_by_one_renewal_and_a_replay(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)
    hook.request("GET", REPORT, params=WINDOW)
    localiq_sandbox.control.expire_access_tokens()

    hook.request("GET", REPORT, params=WINDOW)

    assert localiq_sandbox.control.count(REPORT, status=401) == 1
    assert localiq_sandbox.control.count(REPORT, status=200) == 2
    assert localiq_sandbox.control.tokens_issued == 2


def test_second_401_after_renewal_is_an_auth_error(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)
    localiq_sandbox.control.script(REPORT, [401, 401])

    with pytest.raises(LocalIQAuthError, match="401 Unauthorized .* even with a newly obtained access token"):
        hook.request("GET", REPORT, params=WINDOW)

    assert localiq_sandbox.control.count(REPORT) == 2
    assert localiq_sandbox.control.tokens_issued == 2


def test_429_waits_for_the_next_window_and_never_grows(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], sleeps: Any
) -> None:
    hook = make_hook(localiq_sandbox.url, max_attempts=5)
    localiq_sandbox.control.script(REPORT, [429, 429, 429])

    hook.request("GET", REPORT, params=WINDOW)

    assert len(sleeps.waits) == 3
    assert all(0 < wait <= 1.25 for wait in sleeps.waits)


def test_429_honours_retry_after(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook], sleeps: Any
) -> None:
    sandbox = localiq_sandbox_factory(retry_after=7)
    hook = make_hook(sandbox.url, max_attempts=5)
    sandbox.control.script(REPORT, [429, 429])

    hook.request("GET", REPORT, params=WINDOW)

    assert sleeps.waits == [7.0, 7.0]


def test_server_errors_back_off_exponentially(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], sleeps: Any
) -> None:
    hook = make_hook(localiq_sandbox.url, max_attempts=5)
    localiq_sandbox.control.script(REPORT, [503, 503, 503])

    hook.request("GET", REPORT, params=WINDOW)

    assert len(sleeps.waits) == 3
    # 0.5, 1, 2 seconds, each plus up to one second of jitter.
    for attempt, wait in enumerate(sleeps.waits):
        assert 0.5 * 2**attempt <= wait <= 0.5 * 2**attempt + 1


def test_refresh_lost_in_flight_is_not_resent(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(slow_seconds=3)
    token = sandbox.control.issue_refresh_token()
    hook = make_hook(sandbox.url, login=None, password=None, refresh_token=token, timeout=1)
    sandbox.control.script("/oauth/token", ["slow"])

    with pytest.raises(LocalIQServerError, match="not resent"):
        hook.get_access_token()

    assert sandbox.control.count("/oauth/token") == 1


def _assert_no_secret(message: str, logs: str, hook: LocalIQHook) -> None:
    shared = hook._tokens
    secrets = [*SECRETS]
    if shared.access:
        secrets.append(shared.access.value)
    if shared.refresh_token:
        secrets.append(shared.refresh_token)
    for secret in secrets:
        assert secret not in message, "a secret reached the exception text"
        assert secret not in logs, "a secret reached the logs"


def test_store_shared_access_token_is_used_without_refreshing(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    token = localiq_sandbox.control.issue_refresh_token()
    store = MemoryTokenStore(StoredTokens(token))
    first = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=token, store=store)
    first.request("GET", REPORT, params=WINDOW)
    LocalIQHook._shared.clear()

    second = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=token, store=store)
    second.request("GET", REPORT, params=WINDOW)

    assert localiq_sandbox.control.count("/oauth/token") == 1
    assert localiq_sandbox.control.count(REPORT, status=200) == 2


def test_refresh_answered_with_broken_json_is_not_resent(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    token = localiq_sandbox.control.issue_refresh_token()
    hook = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=token)
    localiq_sandbox.control.script("/oauth/token", ["malformed"])

    with pytest.raises(LocalIQServerError, match="not resent"):
        hook.get_access_token()

    assert localiq_sandbox.control.count("/oauth/token") == 1


def test_password_grant_answered_with_broken_json_is_retried(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)
    localiq_sandbox.control.script("/oauth/token", ["malformed"])

    hook.get_access_token()

    assert localiq_sandbox.control.count("/oauth/token") == 2
