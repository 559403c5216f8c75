"""The control handle: what a test sees of a running sandbox and how it changes it mid-run.

Everything here is thread-safe, because the server runs in its own thread (or process) while the
test calls these methods. Request records never hold credential values, only whether an
``Authorization`` header came and in which form.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_localiq.sandbox.auth import TokenStore
from airflow_provider_localiq.sandbox.faults import FaultInjector, RateLimiter
from airflow_provider_localiq.sandbox.rows import ROW_LISTS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow_provider_localiq.sandbox.config import FaultStep, SandboxConfig

AuthScheme = Literal["bearer", "bare"]


@dataclass
class RequestRecord:
    """One request the sandbox received; ``status`` stays None until (and unless) a response is sent."""

    method: str
    path: str
    query: dict[str, str]
    authorization: bool
    auth_scheme: AuthScheme | None = None
    grant_type: str | None = None
    status: int | None = None
    fault: str | None = None
    duration_ms: float | None = None

    def __repr__(self) -> str:
        return f"<RequestRecord {self.method} {self.path} status={self.status} fault={self.fault}>"


@dataclass
class ResponseTally:
    """Rows and record ids a handler put in one response, committed only if it reaches the client."""

    endpoint: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    ids: set[int] = field(default_factory=set)


class SandboxControl:
    """Inspect and steer one sandbox: request log, counters, credentials, faults and settings."""

    def __init__(self, config: SandboxConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self.tokens = TokenStore()
        self.faults = FaultInjector(config)
        self.rate_limiter = RateLimiter()
        self._requests: list[RequestRecord] = []
        self._rows: Counter[tuple[str, str]] = Counter()
        self._ids: dict[str, set[int]] = {}
        self._http_429_sent = 0
        self._tokens_issued_offset = 0

    # ---------------------------------------------------------------- settings

    @property
    def config(self) -> SandboxConfig:
        """The settings in force right now."""
        return self._config

    def configure(self, **settings: Any) -> SandboxConfig:
        """Change fault and enforcement settings at runtime, e.g. ``configure(rate_limit=0)``.

        :raises ValueError: for an unknown setting, an invalid value, or ``host``/``port``.
        """
        if {"host", "port"} & set(settings):
            raise ValueError("host and port cannot change while the sandbox runs; start another one")
        with self._lock:
            self._config = self._config.replace(**settings)
            config = self._config
        if "fault_seed" in settings:
            self.faults.reseed(config.fault_seed)
        if "scripts" in settings:
            for path, steps in config.scripts.items():
                self.faults.script(path, steps)
        return config

    def script(self, path: str, steps: Iterable[FaultStep]) -> None:
        """Queue faults for requests under ``path``, consumed in order: ``[503, "drop", 200]``.

        Steps are HTTP statuses (200 passes through) or ``"ok"``, ``"drop"``, ``"malformed"``,
        ``"slow"``. A new script for the same path replaces the old one; ``[]`` removes it.
        """
        from airflow_provider_localiq.sandbox.config import validate_steps

        step_list = list(steps)
        validate_steps(path, step_list)
        self.faults.script(path, step_list)

    # ---------------------------------------------------------------- credentials

    def issue_refresh_token(self, user: str = "demo@example.com") -> str:
        """Return a valid refresh token for ``user``, as if it came from an earlier sign-in."""
        return self.tokens.add_refresh_token(self._known_user(user))

    def issue_authorization_code(self, user: str = "demo@example.com") -> str:
        """Return an authorization code for ``user``, as the browser redirect would deliver it."""
        return self.tokens.add_authorization_code(
            self._known_user(user), self._config.authorization_code_ttl_seconds
        )

    def expire_access_tokens(self) -> None:
        """Expire every access token issued so far; the next call with one gets 401."""
        self.tokens.expire_access_tokens()

    def is_refresh_token_valid(self, token: str) -> bool:
        """Return whether ``token`` can still be exchanged at the token endpoint."""
        return self.tokens.is_refresh_token_valid(token)

    def _known_user(self, email: str) -> str:
        user = self._config.user(email)
        if user is None:
            raise ValueError(f"no sandbox user {email!r}; configure it in SandboxConfig.users")
        return user.email

    # ---------------------------------------------------------------- observations

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    def count(
        self, path_prefix: str | None = None, *, status: int | None = None, method: str | None = None
    ) -> int:
        """Count received requests whose path starts with ``path_prefix`` and that match the filters."""
        return sum(
            1
            for record in self.requests
            if (path_prefix is None or record.path.startswith(path_prefix))
            and (status is None or record.status == status)
            and (method is None or record.method == method.upper())
        )

    @property
    def tokens_issued(self) -> int:
        """Access tokens the token endpoint has issued since the last ``reset_counters``."""
        return self.tokens.access_tokens_issued - self._tokens_issued_offset

    @property
    def http_429_sent(self) -> int:
        """429 responses sent since the last ``reset_counters``."""
        with self._lock:
            return self._http_429_sent

    def rows_served(self, endpoint: str, row_list: str | None = None) -> int:
        """Rows delivered in complete responses of ``endpoint`` (its endpoints.yaml name).

        ``row_list`` is one of the endpoint's ``row_lists[].path`` values, e.g. ``contacts[]``;
        None sums over all of them.

        :raises ValueError: for an endpoint or row list the sandbox does not serve.
        """
        paths = ROW_LISTS.get(endpoint)
        if paths is None:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {sorted(ROW_LISTS)!r}")
        if row_list is not None and row_list not in paths:
            raise ValueError(f"{endpoint!r} has no row list {row_list!r}; expected one of {list(paths)!r}")
        wanted = paths if row_list is None else (row_list,)
        with self._lock:
            return sum(self._rows[(endpoint, path)] for path in wanted)

    def served_ids(self, endpoint: str) -> set[int]:
        """Distinct record ids delivered by a CRM endpoint (``crm_contacts``, ``crm_contact_interactions``)."""
        if endpoint not in ("crm_contacts", "crm_contact_interactions"):
            raise ValueError(f"served_ids tracks CRM endpoints only, got {endpoint!r}")
        with self._lock:
            return set(self._ids.get(endpoint, ()))

    def reset_counters(self) -> None:
        """Forget recorded requests, rows, ids and the 429 and token counts."""
        with self._lock:
            self._requests.clear()
            self._rows.clear()
            self._ids.clear()
            self._http_429_sent = 0
            self._tokens_issued_offset = self.tokens.access_tokens_issued

    # ---------------------------------------------------------------- used by the server

    def record_request(self, record: RequestRecord) -> None:
        """Add a request to the log as it arrives."""
        with self._lock:
            self._requests.append(record)

    def record_429(self) -> None:
        """Count one 429 response."""
        with self._lock:
            self._http_429_sent += 1

    def commit(self, tally: ResponseTally) -> None:
        """Add the rows and ids of a response that reached the client intact."""
        if tally.endpoint is None:
            return
        with self._lock:
            for path, count in tally.rows.items():
                self._rows[(tally.endpoint, path)] += count
            if tally.ids:
                self._ids.setdefault(tally.endpoint, set()).update(tally.ids)
