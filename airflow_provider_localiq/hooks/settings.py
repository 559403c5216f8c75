"""Read and validate the settings of a ``localiq`` Airflow Connection.

The same connection can arrive as UI fields, as ``AIRFLOW_CONN_<ID>`` JSON or as a URI; all
three end up here and produce the same :class:`LocalIQSettings`. Every problem names the field
and is raised before any request. Secret values are never part of a message.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from airflow_provider_localiq.exceptions import LocalIQConfigError

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = logging.getLogger(__name__)

DEFAULT_HOST = "https://api.localiqservices.com"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_REQUESTS_PER_SECOND = 20.0

KNOWN_EXTRAS = frozenset(
    {
        "client_id",
        "client_secret",
        "refresh_token",
        "timeout",
        "requests_per_second",
        "allow_insecure_http",
        "scheme",
    }
)


@dataclass(frozen=True)
class LocalIQSettings:
    """Everything the hook needs from the connection, validated."""

    conn_id: str
    base_url: str
    client_id: str
    client_secret: str
    username: str | None
    password: str | None
    refresh_token: str | None
    timeout: float
    requests_per_second: float

    @property
    def uses_password_grant(self) -> bool:
        """Whether the stateless password grant is available (preferred over refresh tokens)."""
        return bool(self.username and self.password)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must be registered with the secrets masker."""
        return tuple(value for value in (self.client_secret, self.password, self.refresh_token) if value)


def parse_connection(conn: Connection) -> LocalIQSettings:
    """Turn an Airflow connection into validated settings, or raise naming the bad field."""
    conn_id = conn.conn_id
    extra = _read_extra(conn_id, conn.extra)
    unknown = sorted(set(extra) - KNOWN_EXTRAS)
    if unknown:
        log.warning(
            "Connection %r has extras this provider does not use: %s. Check them for typos.",
            conn_id,
            ", ".join(unknown),
        )

    base_url = _base_url(conn_id, conn.host, conn.port, extra)
    username = unquote(conn.login) if conn.login else None
    password = conn.password or None
    refresh_token = _optional_text(conn_id, extra, "refresh_token")

    if username is not None and "@" not in username:
        raise LocalIQConfigError(
            conn_id, "login", "must be the business user's email address (it has no '@')."
        )
    if password and not username:
        raise LocalIQConfigError(conn_id, "login", "is empty while a password is set; set the user's email.")
    if not password and not refresh_token:
        raise LocalIQConfigError(
            conn_id,
            "password",
            "is empty and the extra 'refresh_token' is not set either: set login and password "
            "(preferred) or put a refresh token in the 'refresh_token' extra.",
        )

    return LocalIQSettings(
        conn_id=conn_id,
        base_url=base_url,
        client_id=_required_text(conn_id, extra, "client_id"),
        client_secret=_required_text(conn_id, extra, "client_secret"),
        username=username,
        password=password,
        refresh_token=refresh_token,
        timeout=_positive_number(conn_id, extra, "timeout", DEFAULT_TIMEOUT_SECONDS),
        requests_per_second=_positive_number(
            conn_id, extra, "requests_per_second", DEFAULT_REQUESTS_PER_SECOND
        ),
    )


def _read_extra(conn_id: str, raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Parse the extra JSON ourselves, so that invalid JSON is an error rather than ``{}``."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except ValueError as err:
        raise LocalIQConfigError(
            conn_id,
            "extra",
            f"is not valid JSON (line {getattr(err, 'lineno', '?')}, column {getattr(err, 'colno', '?')}); "
            'expected an object such as {"client_id": "...", "client_secret": "..."}.',
        ) from None
    if not isinstance(value, dict):
        raise LocalIQConfigError(
            conn_id, "extra", f"must be a JSON object, got a JSON {type(value).__name__}."
        )
    return value


def _base_url(conn_id: str, host: str | None, port: int | None, extra: dict[str, Any]) -> str:
    """Build ``scheme://host[:port]``; plain http is only allowed to loopback unless opted in."""
    allow_http = parse_bool(conn_id, extra, "allow_insecure_http", default=False)
    if not host:
        return DEFAULT_HOST

    if "://" in host:
        parts = urlsplit(host)
        scheme, hostname, url_port = parts.scheme.lower(), parts.hostname, parts.port
        if parts.path not in ("", "/"):
            raise LocalIQConfigError(
                conn_id, "host", f"must be a base URL without a path, got path {parts.path!r}."
            )
    else:
        scheme = str(extra.get("scheme") or "https").lower()
        hostname, url_port = host.strip("/"), None
    if scheme not in ("http", "https"):
        raise LocalIQConfigError(conn_id, "host", f"must use https (or http to loopback), got {scheme!r}.")
    if not hostname:
        raise LocalIQConfigError(conn_id, "host", "has no host name.")
    if scheme == "http" and not allow_http and not _is_loopback(hostname):
        raise LocalIQConfigError(
            conn_id,
            "host",
            f"uses plain http to {hostname!r}, which would send credentials unencrypted. Use https, "
            "or set the extra 'allow_insecure_http' to true if this is a trusted test server.",
        )

    netloc = f"[{hostname}]" if ":" in hostname else hostname
    final_port = url_port or port
    return f"{scheme}://{netloc}:{final_port}" if final_port else f"{scheme}://{netloc}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _required_text(conn_id: str, extra: dict[str, Any], field: str) -> str:
    value = _optional_text(conn_id, extra, field)
    if not value:
        raise LocalIQConfigError(
            conn_id, field, "is missing from the connection extras; LocalIQ issues it with your API access."
        )
    return value


def _optional_text(conn_id: str, extra: dict[str, Any], field: str) -> str | None:
    value = extra.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise LocalIQConfigError(conn_id, field, f"must be a string, got {type(value).__name__}.")
    return value.strip()


def _positive_number(conn_id: str, extra: dict[str, Any], field: str, default: float) -> float:
    value = extra.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise LocalIQConfigError(conn_id, field, f"must be a positive number, got the boolean {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LocalIQConfigError(conn_id, field, f"must be a positive number, got {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise LocalIQConfigError(conn_id, field, f"must be a positive number, got {value!r}.")
    return number


def parse_bool(conn_id: str, extra: dict[str, Any], field: str, *, default: bool) -> bool:
    """Read a boolean extra, accepting the strings a URI or a form produces ("False", "0", "yes")."""
    value = extra.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise LocalIQConfigError(conn_id, field, f"must be true or false, got {value!r}.")
