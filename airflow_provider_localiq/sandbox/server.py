"""Run a sandbox on loopback: in a background thread of this process, or in the foreground (the CLI).

``uvicorn`` and the app are imported when a server starts, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.config import SandboxConfig
from airflow_provider_localiq.sandbox.control import SandboxControl

if TYPE_CHECKING:
    from collections.abc import Iterator

    import uvicorn

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0


class Sandbox:
    """A running sandbox: its base ``url`` and its ``control`` handle."""

    def __init__(
        self, url: str, control: SandboxControl, server: uvicorn.Server, thread: threading.Thread
    ) -> None:
        self.url = url
        self.control = control
        self._server = server
        self._thread = thread

    @property
    def config(self) -> SandboxConfig:
        """The settings in force right now."""
        return self.control.config

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving; requests still waiting on a slow fault are cut off.

        With ``wait=False`` this returns at once and the server finishes closing (about 0.2 s) in
        its own thread; the port is then free again.
        """
        stop_all([self], wait=wait)

    def _signal_stop(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = True

    def _wait_stopped(self) -> None:
        self._thread.join(timeout=5)
        if self._thread.is_alive():
            log.warning(
                "Sandbox at %s did not stop within 5 s; its thread is left to exit with the process.",
                self.url,
            )

    def __repr__(self) -> str:
        return f"<Sandbox {self.url}>"


def stop_all(sandboxes: list[Sandbox], *, wait: bool = True) -> None:
    """Stop several sandboxes at once, which is quicker than one after the other."""
    for sandbox in sandboxes:
        sandbox._signal_stop()
    if wait:
        for sandbox in sandboxes:
            sandbox._wait_stopped()


def bind(config: SandboxConfig) -> socket.socket:
    """Open the listening socket first, so port 0 resolves to a known free port before serving."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((config.host, config.port))
    listener.listen(2048)
    return listener


def url_for(listener: socket.socket) -> str:
    """Return ``http://host:port`` for a bound socket."""
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def build_server(
    control: SandboxControl, *, log_level: str = "warning", **uvicorn_options: Any
) -> uvicorn.Server:
    """Create the uvicorn server for ``control``, leaving the host's logging configuration alone."""
    import uvicorn

    from airflow_provider_localiq.sandbox.app import create_app
    from airflow_provider_localiq.sandbox.middleware import QuietDroppedConnections

    _install_drop_filter(QuietDroppedConnections)
    server_config = uvicorn.Config(
        create_app(control),
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
        **uvicorn_options,
    )
    return uvicorn.Server(server_config)


def _install_drop_filter(filter_class: type[logging.Filter]) -> None:
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(item, filter_class) for item in error_log.filters):
        error_log.addFilter(filter_class())


def start(config: SandboxConfig | None = None) -> Sandbox:
    """Start a sandbox in a background thread and return once it accepts connections."""
    config = config or SandboxConfig()
    control = SandboxControl(config)
    listener = bind(config)
    url = url_for(listener)
    server = build_server(control)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"localiq-sandbox {url}", daemon=True
    )
    thread.start()

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            listener.close()
            raise RuntimeError(f"the LocalIQ sandbox did not start on {url}; see the uvicorn.error log")
        time.sleep(0.01)
    log.info("LocalIQ sandbox listening on %s", url)
    return Sandbox(url, control, server, thread)


@contextmanager
def run_sandbox(config: SandboxConfig | None = None, **overrides: Any) -> Iterator[Sandbox]:
    """Serve a sandbox for the duration of a ``with`` block.

    Example: ``with run_sandbox(SandboxConfig(latency_ms=150)) as sandbox: requests.get(sandbox.url + ...)``.
    Keyword ``overrides`` change single settings of ``config`` (or of the defaults).
    """
    base = config or SandboxConfig()
    sandbox = start(base.replace(**overrides) if overrides else base)
    try:
        yield sandbox
    finally:
        sandbox.stop()
