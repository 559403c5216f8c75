"""OAuth tokens and where a rotated refresh token is kept between tasks and DAG runs.

LocalIQ refresh tokens are single use: each refresh returns a new one and the old one stops
working. Tasks in Airflow 3 cannot update their Connection, so the newest token lives in an
Airflow Variable named ``<conn_id>__refresh_token`` (see :func:`token_variable_name`). The hook
reads that Variable before the connection's ``refresh_token`` extra, and writes it before it uses
the access token a refresh returned. The Variable holds JSON with the newest refresh token and the
current access token, so parallel tasks share one access token instead of racing to refresh::

    {"refresh_token": "...", "access_token": "...", "expires_at": 1764770000.0}

A plain string in the Variable is read as a refresh token, so an operator can also seed it by hand.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Renew this long before LocalIQ's stated expiry, so that a request never leaves with a token
# that expires in flight.
EXPIRY_MARGIN_SECONDS = 120.0


def token_variable_name(conn_id: str) -> str:
    """Name of the Airflow Variable that holds the newest refresh token of ``conn_id``."""
    return f"{conn_id}__refresh_token"


@dataclass(frozen=True)
class AccessToken:
    """An access token and the moment (epoch seconds) LocalIQ stops accepting it."""

    value: str
    expires_at: float

    def is_fresh(self, now: float | None = None) -> bool:
        """Whether the token can still be sent, with a margin before its expiry."""
        current = time.time() if now is None else now
        return current < self.expires_at - EXPIRY_MARGIN_SECONDS


@dataclass(frozen=True)
class TokenResponse:
    """What ``POST /oauth/token`` returned, parsed."""

    access_token: AccessToken
    refresh_token: str | None

    @classmethod
    def from_json(cls, body: Any) -> TokenResponse:
        """Parse a token response; raise ``ValueError`` naming the field that is missing or wrong."""
        if not isinstance(body, dict):
            raise ValueError(f"expected a JSON object, got {type(body).__name__}")
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise ValueError("field 'access_token' is missing or not a string")
        expires_in = body.get("expires_in", 7200)
        created_at = body.get("created_at", time.time())
        if not isinstance(expires_in, int | float) or not isinstance(created_at, int | float):
            raise ValueError("fields 'expires_in' and 'created_at' must be numbers")
        refresh = body.get("refresh_token")
        return cls(
            access_token=AccessToken(value=value, expires_at=float(created_at) + float(expires_in)),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        )


@dataclass(frozen=True)
class StoredTokens:
    """The newest refresh token of a connection, with the access token it last produced."""

    refresh_token: str
    access_token: AccessToken | None = None

    def to_json(self) -> str:
        document: dict[str, Any] = {"refresh_token": self.refresh_token}
        if self.access_token is not None:
            document["access_token"] = self.access_token.value
            document["expires_at"] = self.access_token.expires_at
        return json.dumps(document)

    @classmethod
    def from_text(cls, text: str) -> StoredTokens | None:
        """Read what the Variable holds: our JSON, or a bare refresh token set by hand."""
        text = text.strip()
        if not text:
            return None
        if not text.startswith("{"):
            return cls(refresh_token=text)
        try:
            document = json.loads(text)
        except ValueError:
            return None
        refresh = document.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            return None
        access = document.get("access_token")
        expires_at = document.get("expires_at")
        token = (
            AccessToken(access, float(expires_at))
            if isinstance(access, str) and isinstance(expires_at, int | float)
            else None
        )
        return cls(refresh_token=refresh, access_token=token)


class TokenStore(Protocol):
    """Where the newest refresh token of one connection is kept."""

    def load(self) -> StoredTokens | None:
        """Return the stored tokens, or None when nothing (readable) is stored."""

    def save(self, tokens: StoredTokens) -> None:
        """Persist the tokens; raise if they could not be stored."""


class VariableTokenStore:
    """Keep the tokens in an Airflow Variable; works from tasks on any Airflow 3 worker."""

    def __init__(self, conn_id: str) -> None:
        self.key = token_variable_name(conn_id)

    def load(self) -> StoredTokens | None:
        from airflow.sdk import Variable

        try:
            text = Variable.get(self.key, default=None)
        except Exception as err:  # the secrets backends raise many kinds
            log.warning(
                "Could not read Variable %r (%s); using the connection's refresh token.", self.key, err
            )
            return None
        return StoredTokens.from_text(text) if isinstance(text, str) else None

    def save(self, tokens: StoredTokens) -> None:
        from airflow.sdk import Variable

        Variable.set(self.key, tokens.to_json(), description="Newest LocalIQ refresh token (rotated).")


class MemoryTokenStore:
    """Keep the tokens in this process only: for tests and for code that runs outside Airflow tasks."""

    def __init__(self, tokens: StoredTokens | None = None) -> None:
        self.tokens = tokens
        self.saves = 0

    def load(self) -> StoredTokens | None:
        return self.tokens

    def save(self, tokens: StoredTokens) -> None:
        self.tokens = tokens
        self.saves += 1
