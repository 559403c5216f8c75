"""ASGI layer in front of the routes: request log, rate limit, latency and injected faults.

It sits outside FastAPI so it can do what a route cannot: answer before routing, hold a response
back, cut a body short, or close the connection halfway through a response.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from airflow_provider_localiq.sandbox.control import RequestRecord, ResponseTally
from airflow_provider_localiq.sandbox.errors import body_for_status

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from airflow_provider_localiq.sandbox.config import SandboxConfig
    from airflow_provider_localiq.sandbox.control import AuthScheme, SandboxControl

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("airflow_provider_localiq.sandbox.requests")

STATE_KEY = "localiq_sandbox"


class DroppedConnection(Exception):
    """Raised on purpose after a partial body so the server closes the connection mid-response."""


class QuietDroppedConnections(logging.Filter):
    """Keep the server's error log free of the tracebacks that injected drops cause."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


@dataclass
class RequestState:
    """Per-request state shared with the route handlers through the ASGI scope."""

    record: RequestRecord
    tally: ResponseTally


class SandboxMiddleware:
    """Wrap the routes with the sandbox's enforcement and fault injection."""

    def __init__(self, app: ASGIApp, control: SandboxControl) -> None:
        self.app = app
        self.control = control
        self._jitter = random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        control, config = self.control, self.control.config
        record = _record_for(scope)
        control.record_request(record)
        state = RequestState(record, ResponseTally())
        scope[STATE_KEY] = state

        allowed = control.rate_limiter.allow(config.rate_limit)
        fault = control.faults.next_fault(record.path, config) if allowed else None
        await self._delay(config)
        try:
            if not allowed:
                await self._send_error(send, 429, config, record)
            elif isinstance(fault, int):
                record.fault = str(fault)
                await self._send_error(send, fault, config, record)
            else:
                await self._serve(scope, receive, send, fault, config, state)
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "%s %s %s %.1f ms fault=%s",
                record.method,
                record.path,
                record.status,
                record.duration_ms,
                record.fault or "-",
            )

    async def _delay(self, config: SandboxConfig) -> None:
        delay_ms = config.latency_ms + (
            self._jitter.uniform(0, config.jitter_ms) if config.jitter_ms else 0.0
        )
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)

    async def _send_error(
        self, send: Send, status: int, config: SandboxConfig, record: RequestRecord
    ) -> None:
        headers = [(b"content-type", b"application/json")]
        if status == 429:
            self.control.record_429()
            if config.retry_after is not None:
                headers.append((b"retry-after", str(config.retry_after).encode()))
        body = body_for_status(status)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        record.status = status

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        fault: str | int | None,
        config: SandboxConfig,
        state: RequestState,
    ) -> None:
        record = state.record
        if fault == "slow":
            record.fault = "slow"
            await asyncio.sleep(config.slow_seconds)

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        status = int(start.get("status", 500))
        headers = [
            (name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"
        ]

        if fault == "drop":
            record.fault = "drop"
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise DroppedConnection(record.path)
        if fault == "malformed":
            record.fault = "malformed"
            body = body[: max(1, len(body) // 2)]

        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        record.status = status
        if fault != "malformed":
            self.control.commit(state.tally)


def _record_for(scope: Scope) -> RequestRecord:
    authorization: bytes | None = None
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            authorization = value
    scheme: AuthScheme | None = None
    if authorization is not None:
        scheme = "bearer" if authorization[:7].lower() == b"bearer " else "bare"
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    return RequestRecord(
        method=scope["method"],
        path=scope["path"],
        query=query,
        authorization=authorization is not None,
        auth_scheme=scheme,
    )
