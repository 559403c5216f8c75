"""OAuth token state: access tokens with a lifetime, single-use refresh tokens, authorization codes.

Refresh tokens rotate: exchanging one returns a new one and retires the old, so a second use of
the same refresh token fails with ``invalid_grant`` the way the API's troubleshooting notes imply.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedToken:
    """The fields of a token response."""

    access_token: str
    refresh_token: str
    expires_in: int
    created_at: int

    def as_response(self) -> dict[str, object]:
        """Return the JSON document the token endpoint sends."""
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "created_at": self.created_at,
        }


class TokenStore:
    """Thread-safe store of every credential the sandbox has handed out, keyed by its value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, str] = {}
        self._codes: dict[str, tuple[str, float]] = {}
        self.access_tokens_issued = 0

    def issue(self, user: str, ttl_seconds: float) -> IssuedToken:
        """Create a new access/refresh pair for ``user``."""
        now = time.time()
        access, refresh = secrets.token_hex(32), secrets.token_hex(32)
        with self._lock:
            self._access[access] = (user, now + ttl_seconds)
            self._refresh[refresh] = user
            self.access_tokens_issued += 1
        return IssuedToken(access, refresh, int(ttl_seconds), int(now))

    def redeem_refresh_token(self, token: str) -> str | None:
        """Retire ``token`` and return its user, or None if it is unknown or already used."""
        with self._lock:
            return self._refresh.pop(token, None)

    def add_refresh_token(self, user: str) -> str:
        """Create a refresh token for ``user`` without an access token."""
        token = secrets.token_hex(32)
        with self._lock:
            self._refresh[token] = user
        return token

    def is_refresh_token_valid(self, token: str) -> bool:
        """Return whether ``token`` can still be exchanged."""
        with self._lock:
            return token in self._refresh

    def add_authorization_code(self, user: str, ttl_seconds: float) -> str:
        """Create a single-use authorization code for ``user``."""
        code = secrets.token_hex(16)
        with self._lock:
            self._codes[code] = (user, time.time() + ttl_seconds)
        return code

    def redeem_authorization_code(self, code: str) -> str | None:
        """Retire ``code`` and return its user, or None if it is unknown, used or expired."""
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]

    def user_for_access_token(self, token: str) -> str | None:
        """Return the user of a live access token, or None if it is unknown or expired."""
        with self._lock:
            entry = self._access.get(token)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired."""
        with self._lock:
            self._access = {token: (user, 0.0) for token, (user, _) in self._access.items()}
