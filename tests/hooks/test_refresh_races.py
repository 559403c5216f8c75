"""Refresh-token races between tasks: what losing one costs, and that no refused token is sent again."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_localiq.exceptions import LocalIQAuthError
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.tokens import MemoryTokenStore, StoredTokens

if TYPE_CHECKING:
    from collections.abc import Callable

from tests.hooks.test_tokens import StaleFirstRead

REPORT = "/client_reports/campaigns_totals/USA_100001"


def test_losing_a_renewal_race_costs_one_refusal_and_leaves_the_connection_token_unsent(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    control = localiq_sandbox.control
    connection_token = control.issue_refresh_token()
    shared = MemoryTokenStore(StoredTokens(control.issue_refresh_token()))
    winner = make_hook(
        localiq_sandbox.url, login=None, password=None, refresh_token=connection_token, store=shared
    )
    raced = shared.load()
    winner.request("GET", REPORT)
    LocalIQHook._shared.clear()

    loser = make_hook(
        localiq_sandbox.url,
        login=None,
        password=None,
        refresh_token=connection_token,
        store=StaleFirstRead(shared, raced),
    )
    loser.request("GET", REPORT)

    assert control.count("/oauth/token", status=400) == 1
    assert control.count("/oauth/token", status=200) == 1
    assert control.is_refresh_token_valid(connection_token)
    assert control.count(REPORT, status=200) == 2


def test_a_refused_refresh_token_is_never_sent_again_by_the_process(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    used = "0" * 64
    hook = make_hook(
        localiq_sandbox.url,
        login=None,
        password=None,
        refresh_token=used,
        store=MemoryTokenStore(StoredTokens("1" * 64)),
    )

    for _ in range(2):
        with pytest.raises(LocalIQAuthError, match="Next step: the refresh token of connection"):
            hook.request("GET", REPORT)

    assert localiq_sandbox.control.count("/oauth/token", status=400) == 2
    assert localiq_sandbox.control.count(REPORT) == 0


def test_only_one_thread_waits_for_a_rotation_that_never_comes(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hooks = [
        make_hook(localiq_sandbox.url, login=None, password=None, refresh_token="2" * 64) for _ in range(3)
    ]
    for hook in hooks:
        hook.rotation_wait_seconds = 0.6
    errors: list[BaseException] = []

    def run(hook: LocalIQHook) -> None:
        try:
            hook.request("GET", REPORT)
        except LocalIQAuthError as err:
            errors.append(err)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(hook,)) for hook in hooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert len(errors) == 3
    assert localiq_sandbox.control.count("/oauth/token") == 1
    # One wait of 0.6 s; the old behaviour was a wait per thread (1.8 s).
    assert elapsed < 1.4
