"""pytest fixtures that serve a LocalIQ sandbox on loopback (registered as the ``localiq_sandbox`` plugin).

``localiq_sandbox`` is a fresh server per test with the default fixture, no injected faults and
the rate limit on. ``localiq_sandbox_factory`` starts servers with other settings and stops them
all at teardown (without waiting for the last 0.2 s of each shutdown, so tests stay quick). The
server modules are imported inside the fixtures to keep plugin loading light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_localiq.sandbox.config import SandboxConfig
    from airflow_provider_localiq.sandbox.server import Sandbox


@pytest.fixture
def localiq_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Return ``start(config=None, **overrides)``, which serves a sandbox until the test ends.

    Example: ``sandbox = localiq_sandbox_factory(latency_ms=150, rate_limit=0)``.
    """
    from airflow_provider_localiq.sandbox.config import SandboxConfig
    from airflow_provider_localiq.sandbox.server import start, stop_all

    running: list[Sandbox] = []

    def factory(config: SandboxConfig | None = None, **overrides: Any) -> Sandbox:
        base = config if config is not None else _quiet(SandboxConfig())
        sandbox = start(base.replace(**overrides) if overrides else base)
        running.append(sandbox)
        return sandbox

    yield factory
    stop_all(running, wait=False)


def _quiet(config: SandboxConfig) -> SandboxConfig:
    """Zero every injected fault, whatever the defaults say, keeping the rate limit."""
    return config.replace(
        latency_ms=0.0,
        jitter_ms=0.0,
        error_rate=0.0,
        drop_rate=0.0,
        malformed_rate=0.0,
        slow_rate=0.0,
        scripts={},
        pagination_fault="none",
    )


@pytest.fixture
def localiq_sandbox(localiq_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox with the default fixture, no faults and the documented rate limit."""
    return localiq_sandbox_factory()
