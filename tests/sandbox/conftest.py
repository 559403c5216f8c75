"""Fixtures for the sandbox contract tests: a signed-in client and a shared read-only data server."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from airflow_provider_localiq.sandbox import Sandbox, SandboxConfig, start
from tests.sandbox.client import Api

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def api(localiq_sandbox: Sandbox) -> Api:
    """A signed-in client of a fresh default sandbox."""
    return Api(localiq_sandbox.url).sign_in()


@pytest.fixture(scope="module")
def data_sandbox() -> Iterator[Sandbox]:
    """One server per module for read-only data tests: no rate limit, a fixed ``today``."""
    sandbox = start(SandboxConfig(rate_limit=0, today=date(2024, 6, 30)))
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def data_api(data_sandbox: Sandbox) -> Api:
    """A signed-in client of the module's data server."""
    return Api(data_sandbox.url).sign_in()
