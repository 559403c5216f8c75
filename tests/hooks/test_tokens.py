"""Token lifecycle: caching, expiry, single-use refresh rotation, password fallback, and races."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_localiq.exceptions import LocalIQAuthError
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.tokens import (
    AccessToken,
    MemoryTokenStore,
    StoredTokens,
    TokenResponse,
    token_variable_name,
)
from tests.hooks.conftest import HookLogs

if TYPE_CHECKING:
    from collections.abc import Callable

REPORT = "/client_reports/campaigns_totals/USA_100001"


def test_access_token_is_cached_across_requests_and_hooks(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)
    for _ in range(3):
        hook.request("GET", REPORT)
    make_hook(localiq_sandbox.url).request("GET", REPORT)

    assert localiq_sandbox.control.tokens_issued == 1
    assert localiq_sandbox.control.count("/oauth/token") == 1


def test_token_close_to_expiry_is_renewed_before_use(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(token_ttl_seconds=60)
    hook = make_hook(sandbox.url)

    hook.request("GET", REPORT)
    hook.request("GET", REPORT)

    assert sandbox.control.tokens_issued == 2
    assert sandbox.control.count(REPORT, status=401) == 0


def test_password_grant_sends_json_body(localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]) -> None:
    make_hook(localiq_sandbox.url).get_access_token()

    (record,) = [r for r in localiq_sandbox.control.requests if r.path == "/oauth/token"]
    assert record.grant_type == "password"
    assert record.status == 200


def test_rotated_refresh_token_is_stored_and_used_by_the_next_hook(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    bootstrap = localiq_sandbox.control.issue_refresh_token()
    store = MemoryTokenStore()
    first = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=store)
    first.request("GET", REPORT)
    rotated = store.tokens.refresh_token if store.tokens else None

    LocalIQHook._shared.clear()
    localiq_sandbox.control.expire_access_tokens()
    second = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=store)
    second.request("GET", REPORT)

    assert rotated
    assert rotated != bootstrap
    assert not localiq_sandbox.control.is_refresh_token_valid(bootstrap)
    assert not localiq_sandbox.control.is_refresh_token_valid(rotated)
    assert store.tokens
    assert localiq_sandbox.control.is_refresh_token_valid(store.tokens.refresh_token)
    assert store.saves == 2
    assert localiq_sandbox.control.count("/oauth/token", status=400) == 0


def test_refresh_token_is_stored_before_the_access_token_is_used(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    bootstrap = localiq_sandbox.control.issue_refresh_token()
    seen_at_first_use: list[int] = []

    class WatchedStore(MemoryTokenStore):
        pass

    store = WatchedStore()
    hook = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=store)
    original_send = hook._send

    def send(*args: Any, **kwargs: Any) -> Any:
        if args[2] == REPORT:
            seen_at_first_use.append(store.saves)
        return original_send(*args, **kwargs)

    hook._send = send  # type: ignore[method-assign]
    hook.request("GET", REPORT)

    assert seen_at_first_use == [1]


def test_store_failure_is_logged_as_an_error(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], hook_logs: HookLogs
) -> None:
    class ReadOnlyStore(MemoryTokenStore):
        def save(self, tokens: StoredTokens) -> None:
            raise PermissionError("variables are read-only here")

    bootstrap = localiq_sandbox.control.issue_refresh_token()
    hook = make_hook(
        localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=ReadOnlyStore()
    )

    hook.request("GET", REPORT)

    (error,) = hook_logs.lines("error")
    assert "chain will break" in error
    assert token_variable_name("localiq_test") in error


def test_refused_refresh_falls_back_to_password_once_with_a_warning(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook], hook_logs: HookLogs
) -> None:
    hook = make_hook(localiq_sandbox.url)
    hook.request("GET", REPORT)
    hook._tokens.refresh_token = "0" * 64
    localiq_sandbox.control.expire_access_tokens()

    hook.request("GET", REPORT)

    grants = [(r.grant_type, r.status) for r in localiq_sandbox.control.requests if r.path == "/oauth/token"]
    assert grants == [("password", 200), ("refresh_token", 400), ("password", 200)]
    assert any("logging in again" in line for line in hook_logs.lines("warning"))


def test_parallel_hooks_share_one_rotation(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    """Threads of one process renew under one lock: one refresh, no invalid_grant."""
    bootstrap = localiq_sandbox.control.issue_refresh_token()
    store = MemoryTokenStore()
    hooks = [
        make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=store)
        for _ in range(4)
    ]
    errors: list[BaseException] = []

    def run(hook: LocalIQHook) -> None:
        try:
            hook.request("GET", REPORT)
        except BaseException as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(hook,)) for hook in hooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert localiq_sandbox.control.count("/oauth/token") == 1


class StaleFirstRead(MemoryTokenStore):
    """A view of a shared store whose first read happened before another task's rotation landed."""

    def __init__(self, shared: MemoryTokenStore, stale: StoredTokens) -> None:
        super().__init__()
        self.shared = shared
        self.stale: StoredTokens | None = stale

    def load(self) -> StoredTokens | None:
        stale, self.stale = self.stale, None
        return stale or self.shared.load()

    def save(self, tokens: StoredTokens) -> None:
        self.shared.save(tokens)


def test_rotation_by_another_process_is_detected_instead_of_failing(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    """A task that refreshes with a token another task already rotated picks up the stored result."""
    bootstrap = localiq_sandbox.control.issue_refresh_token()
    shared = MemoryTokenStore(StoredTokens(bootstrap))
    winner = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=bootstrap, store=shared)
    winner.request("GET", REPORT)
    LocalIQHook._shared.clear()

    loser = make_hook(
        localiq_sandbox.url,
        login=None,
        password=None,
        refresh_token=bootstrap,
        store=StaleFirstRead(shared, StoredTokens(bootstrap)),
    )
    loser.request("GET", REPORT)

    assert localiq_sandbox.control.count("/oauth/token", status=400) == 1
    assert localiq_sandbox.control.count("/oauth/token", status=200) == 1
    assert localiq_sandbox.control.count(REPORT, status=200) == 2
    assert shared.saves == 1


def test_refresh_chain_with_no_valid_token_fails_with_advice(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token="f" * 64)

    with pytest.raises(LocalIQAuthError, match="put it in the connection's 'refresh_token' extra"):
        hook.get_access_token()


def test_token_response_parsing_names_the_bad_field() -> None:
    with pytest.raises(ValueError, match="access_token"):
        TokenResponse.from_json({"token_type": "bearer"})

    token = TokenResponse.from_json(
        {"access_token": "a", "expires_in": 7200, "created_at": 1000, "refresh_token": "r"}
    )

    assert token.access_token == AccessToken("a", 8200.0)
    assert token.refresh_token == "r"


def test_stored_tokens_round_trip_and_accept_a_bare_token() -> None:
    tokens = StoredTokens("rt", AccessToken("at", 123.0))

    assert StoredTokens.from_text(tokens.to_json()) == tokens
    assert StoredTokens.from_text("  bare-refresh-token\n") == StoredTokens("bare-refresh-token")
    assert StoredTokens.from_text("{broken") is None


def test_access_token_freshness_has_a_margin() -> None:
    token = AccessToken("a", expires_at=1000.0)

    assert token.is_fresh(now=800.0)
    assert not token.is_fresh(now=900.0)
