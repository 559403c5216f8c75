"""An offline stand-in for the LocalIQ API, with fault injection, for tests, demos and benchmarks.

Start one with ``with run_sandbox(SandboxConfig()) as sandbox:`` (``sandbox.url``, ``sandbox.control``)
or from a shell with ``python -m airflow_provider_localiq.sandbox``. FastAPI and uvicorn are only
imported when a server starts.
"""

from __future__ import annotations

from airflow_provider_localiq.sandbox.config import SandboxAdvertiser, SandboxConfig, SandboxUser
from airflow_provider_localiq.sandbox.control import RequestRecord, SandboxControl
from airflow_provider_localiq.sandbox.server import Sandbox, run_sandbox, start

__all__ = [
    "RequestRecord",
    "Sandbox",
    "SandboxAdvertiser",
    "SandboxConfig",
    "SandboxControl",
    "SandboxUser",
    "run_sandbox",
    "start",
]
