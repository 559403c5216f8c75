"""Serve the sandbox in a process of its own and answer the harness's questions over stdin/stdout.

``python -m benchmarks.server '<workload json>'`` prints one JSON line with the URL once the server
accepts connections, then reads one JSON command per line and answers each with one JSON line:

========================= =======================================================================
command                   answer
========================= =======================================================================
``{"op": "stats"}``       requests, 429s, rows served, and the times of the API requests
``{"op": "reset"}``       zeroes every counter (between two systems)
``{"op": "configure",     applies sandbox settings such as ``latency_ms`` and answers the
"settings": {...}}``      settings now in force
``{"op": "stop"}``        stops the server and exits
========================= =======================================================================

The process binds 127.0.0.1 only, exits when its standard input closes (the harness died) and in
any case after ``max_seconds``.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from typing import Any

from benchmarks.workload import Workload

REQUEST_LOG_LIMIT = 200_000


class RequestClock:
    """ASGI wrapper that notes when each request arrived and finished, and its status."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.entries: list[tuple[float, float, int, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        status = [0]

        async def noting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            with self.lock:
                if len(self.entries) < REQUEST_LOG_LIMIT:
                    self.entries.append((arrived, time.monotonic(), status[0], scope["path"]))

    def reset(self) -> None:
        with self.lock:
            self.entries.clear()

    def api_entries(self) -> list[tuple[float, float, int, str]]:
        """Every request except the token endpoint's, in order of arrival."""
        with self.lock:
            return sorted(entry for entry in self.entries if entry[3] != "/oauth/token")


def stats(clock: RequestClock, control: Any) -> dict[str, Any]:
    """Counters of everything served since the last reset."""
    from airflow_provider_localiq.sandbox.rows import ROW_LISTS

    entries = clock.api_entries()
    rows = {endpoint: control.rows_served(endpoint) for endpoint in ROW_LISTS}
    return {
        "requests": len(entries),
        "token_requests": control.count("/oauth/token"),
        "http_429": control.http_429_sent,
        "statuses": _statuses(entries),
        "rows_served": {endpoint: count for endpoint, count in rows.items() if count},
        "arrivals": [round(entry[0], 4) for entry in entries],
        "arrivals_429": [round(entry[0], 4) for entry in entries if entry[2] == 429],
        "first_arrival": entries[0][0] if entries else None,
        "last_finish": max(entry[1] for entry in entries) if entries else None,
    }


def _statuses(entries: list[tuple[float, float, int, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[str(entry[2])] = counts.get(str(entry[2]), 0) + 1
    return counts


def serve(workload: Workload, max_seconds: float) -> int:
    """Run the server in a thread and answer commands until told to stop."""
    import uvicorn

    from airflow_provider_localiq.sandbox.app import create_app, prepare_generators
    from airflow_provider_localiq.sandbox.control import SandboxControl
    from airflow_provider_localiq.sandbox.server import bind, url_for

    config = workload.sandbox_config()
    control = SandboxControl(config)
    listener = bind(config)
    clock = RequestClock(create_app(control))
    # Build the generators first and keep them out of the collector's way, so that a collection
    # pause cannot bunch the requests the rate limit counts (the client spaces them; see NOTES.md).
    prepare_generators(config)
    gc.freeze()
    server = uvicorn.Server(
        uvicorn.Config(
            clock,
            log_config=None,
            log_level="error",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=60,
            backlog=2048,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        print(json.dumps({"error": "the sandbox did not start"}), flush=True)
        return 1

    watchdog = threading.Timer(max_seconds, lambda: setattr(server, "should_exit", True))
    watchdog.daemon = True
    watchdog.start()
    print(json.dumps({"url": url_for(listener)}), flush=True)

    for line in sys.stdin:
        if not thread.is_alive():
            break
        command = json.loads(line)
        op = command.get("op")
        if op == "stats":
            answer: dict[str, Any] = stats(clock, control)
        elif op == "reset":
            control.reset_counters()
            clock.reset()
            answer = {"ok": True}
        elif op == "configure":
            settings = control.configure(**command.get("settings", {}))
            answer = {"latency_ms": settings.latency_ms, "jitter_ms": settings.jitter_ms}
        elif op == "stop":
            print(json.dumps({"ok": True}), flush=True)
            break
        else:
            answer = {"error": f"unknown op {op!r}"}
        print(json.dumps(answer), flush=True)

    server.should_exit = True
    thread.join(timeout=5)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m benchmarks.server '<workload json>' [max_seconds]``."""
    arguments = sys.argv[1:] if argv is None else argv
    workload = Workload.from_json(arguments[0])
    max_seconds = float(arguments[1]) if len(arguments) > 1 else 1800.0
    return serve(workload, max_seconds)


if __name__ == "__main__":
    sys.exit(main())
