"""Fixtures for hook tests: a hook wired to a sandbox, with retry waits recorded instead of slept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.retry import RetryPolicy
from airflow_provider_localiq.hooks.tokens import MemoryTokenStore
from tests.conftest import connection_json

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class RecordedSleeps:
    """Retry waits the hook asked for, in order; nothing actually sleeps."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def make_hook(monkeypatch: pytest.MonkeyPatch, sleeps: RecordedSleeps) -> Callable[..., LocalIQHook]:
    """Build a hook on a connection to ``url``; extras and login/password can be overridden."""

    def _make(
        url: str,
        *,
        conn_id: str = "localiq_test",
        store: MemoryTokenStore | None = None,
        max_attempts: int = 4,
        max_workers: int = 1,
        **connection: Any,
    ) -> LocalIQHook:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection_json(url, **connection))
        hook = LocalIQHook(
            conn_id,
            retry_policy=RetryPolicy(max_attempts=max_attempts, backoff_initial=0.5, sleep=sleeps),
            token_store=store if store is not None else MemoryTokenStore(),
            max_workers=max_workers,
        )
        hook.rotation_wait_seconds = 0.0
        return hook

    return _make


@dataclass
class HookLogs:
    """What the hook logged: Airflow's task loggers are structlog loggers that print to stdout."""

    capsys: pytest.CaptureFixture[str]
    caplog: pytest.LogCaptureFixture
    seen: str = ""

    @property
    def text(self) -> str:
        captured = self.capsys.readouterr()
        self.seen += captured.out + captured.err
        return self.seen + self.caplog.text

    def lines(self, level: str) -> list[str]:
        """Lines logged at ``level`` (``"warning"``, ``"error"``)."""
        return [line for line in self.text.splitlines() if f"[{level}" in line.lower()]


@pytest.fixture
def hook_logs(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> HookLogs:
    caplog.set_level("INFO")
    return HookLogs(capsys, caplog)
