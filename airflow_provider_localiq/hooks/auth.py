"""Obtain, cache, renew and rotate the OAuth tokens of one LocalIQ connection.

With a login and password the password grant is used (stateless). Without one, the refresh-token
chain is: use the stored access token while it is fresh; otherwise refresh with the newest known
refresh token, store the rotated one before its access token is used, and, when LocalIQ refuses a
token another task has already used, pick up that task's stored result instead of failing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from airflow_provider_localiq.exceptions import LocalIQAuthError
from airflow_provider_localiq.hooks.tokens import StoredTokens, token_variable_name

if TYPE_CHECKING:
    from airflow_provider_localiq.hooks.settings import LocalIQSettings
    from airflow_provider_localiq.hooks.tokens import AccessToken, TokenResponse, TokenStore

Grant = Literal["password", "refresh_token"]

# How often a task that lost a refresh race looks for the winner's stored result.
ROTATION_POLL_SECONDS = 0.25


class InvalidGrant(Exception):
    """The token endpoint answered 400 invalid_grant; turned into LocalIQAuthError by the caller."""

    def __init__(self, description: str) -> None:
        self.description = description
        super().__init__(description)


class TokenRequester(Protocol):
    """Sends one ``POST /oauth/token``; raises :class:`InvalidGrant` when LocalIQ refuses the grant."""

    def __call__(self, grant: Grant, fields: dict[str, Any]) -> TokenResponse: ...


class Logger(Protocol):
    """The logging calls the manager makes (a stdlib logger or the hook's structlog logger)."""

    def info(self, msg: str, /, *args: Any) -> Any: ...
    def warning(self, msg: str, /, *args: Any) -> Any: ...
    def error(self, msg: str, /, *args: Any) -> Any: ...


@dataclass
class SharedTokens:
    """Tokens shared by every hook of one connection in this process.

    ``spent`` holds the refresh tokens this process has sent, whether LocalIQ exchanged or refused
    them: they are single use, so sending one again can only earn another invalid_grant.
    ``unsaved`` says that storing ``refresh_token`` failed, so it is newer than the stored one.
    ``stalled_on`` is the stored refresh token ("" for none) with which a wait for another task's
    rotation ran out, so the next thread fails at once instead of waiting again.
    """

    lock: threading.RLock = field(default_factory=threading.RLock)
    access: AccessToken | None = None
    refresh_token: str | None = None
    spent: set[str] = field(default_factory=set)
    unsaved: bool = False
    stalled_on: str | None = None


SHARED_TOKENS: dict[tuple[str, ...], SharedTokens] = {}
_SHARED_LOCK = threading.Lock()


def shared_tokens(settings: LocalIQSettings) -> SharedTokens:
    """The process-wide token cache of one connection (same id, host, client and user)."""
    key = (settings.conn_id, settings.base_url, settings.client_id, settings.username or "")
    with _SHARED_LOCK:
        return SHARED_TOKENS.setdefault(key, SharedTokens())


def mask(*values: str | None) -> None:
    """Register token values with Airflow's secrets masker."""
    from airflow.sdk.log import mask_secret

    for value in values:
        if value:
            mask_secret(value)


class TokenManager:
    """Hand out a usable access token for one connection, renewing it only when needed."""

    def __init__(
        self,
        settings: LocalIQSettings,
        *,
        store: TokenStore,
        request_token: TokenRequester,
        log: Logger,
        rotation_wait_seconds: float,
    ) -> None:
        self.settings = settings
        self.store = store
        self.request_token = request_token
        self.log = log
        self.rotation_wait_seconds = rotation_wait_seconds
        self.shared = shared_tokens(settings)

    def access_token(self, *, stale: str | None = None) -> str:
        """Return a usable access token, obtaining a new one if the cached one is ``stale`` or old."""
        shared = self.shared
        with shared.lock:
            if shared.access and shared.access.value != stale and shared.access.is_fresh():
                return shared.access.value

            if self.settings.uses_password_grant:
                token = self._renew_with_password()
            else:
                token = self._renew_with_refresh_chain(stale)
            shared.access = token
            return token.value

    def auth_error(self, grant: Grant, description: str, *, client: bool = False) -> LocalIQAuthError:
        """Build (and log) the error for refused credentials, with the next step for this grant."""
        conn_id = self.settings.conn_id
        if client:
            advice = f"check the 'client_id' and 'client_secret' extras of connection {conn_id!r}"
        elif grant == "password":
            advice = f"check the login (business user email) and password of connection {conn_id!r}"
        else:
            advice = (
                f"the refresh token of connection {conn_id!r} has expired or was already used. Obtain a new "
                f"one and put it in the connection's 'refresh_token' extra (or in Variable "
                f"{token_variable_name(conn_id)!r}), or set login and password on the connection"
            )
        message = f"LocalIQ refused the {grant} grant: {description} Next step: {advice}."
        self.log.error("%s", message)
        return LocalIQAuthError(message)

    def _renew_with_password(self) -> AccessToken:
        """Refresh with the in-process refresh token if there is one, else (or if refused) log in."""
        settings, shared = self.settings, self.shared
        if shared.refresh_token:
            try:
                response = self.request_token("refresh_token", {"refresh_token": shared.refresh_token})
            except InvalidGrant:
                self.log.warning(
                    "LocalIQ refused the refresh token of connection %r (invalid_grant); "
                    "logging in again with the connection's login and password.",
                    settings.conn_id,
                )
            else:
                shared.refresh_token = response.refresh_token
                return response.access_token

        try:
            response = self.request_token(
                "password", {"username": settings.username, "password": settings.password}
            )
        except InvalidGrant as err:
            raise self.auth_error("password", err.description) from None
        shared.refresh_token = response.refresh_token
        return response.access_token

    def _renew_with_refresh_chain(self, stale: str | None) -> AccessToken:
        """Use or rotate the stored refresh token, detecting a rotation made by a parallel task.

        Tokens are tried newest first: the stored one, then this process's own if storing it
        failed. When LocalIQ refuses them, a parallel task has most likely rotated the
        chain, so its stored result is awaited before the connection's ``refresh_token`` (the
        bootstrap token, or a new one set after the chain broke) is tried. No token is sent twice.
        """
        stored = self.store.load()
        if stored and stored.access_token and stored.access_token.value != stale:
            if stored.access_token.is_fresh():
                mask(stored.access_token.value, stored.refresh_token)
                return stored.access_token

        shared = self.shared
        stored_token = stored.refresh_token if stored else ""
        own = shared.refresh_token if shared.unsaved or not stored else None
        chain = [token for token in (stored_token, own) if token]
        fallback = self.settings.refresh_token
        tried: list[str] = list(shared.spent)
        last_error = "every refresh token this task knows was used already."
        # Another thread of this process already waited in vain for this stored token to rotate.
        waited = shared.stalled_on == stored_token
        deadline = time.monotonic() + (0.0 if waited else self.rotation_wait_seconds)
        while True:
            token = next((token for token in chain if token not in tried), None)
            if token is None and fallback and fallback not in tried and not chain:
                token = fallback
            if token is None:
                rotated = self._await_rotation(tried, stale, deadline) if chain or tried else None
                if isinstance(rotated, str):
                    chain.append(rotated)
                    continue
                if rotated is not None:
                    return rotated
                shared.stalled_on = stored_token
                if not fallback or fallback in tried:
                    raise self.auth_error("refresh_token", last_error)
                token = fallback

            tried.append(token)
            shared.spent.add(token)
            mask(token)
            try:
                response = self.request_token("refresh_token", {"refresh_token": token})
            except InvalidGrant as err:
                last_error = err.description
                continue
            self._keep_rotated(response)
            return response.access_token

    def _await_rotation(
        self, tried: list[str], stale: str | None, deadline: float
    ) -> AccessToken | str | None:
        """After every known token was refused, wait briefly for a parallel task's rotation to land."""
        while True:
            stored = self.store.load()
            if stored and stored.refresh_token not in tried:
                self.log.info(
                    "Another task rotated the refresh token of connection %r; using its result.",
                    self.settings.conn_id,
                )
                access = stored.access_token
                if access and access.value != stale and access.is_fresh():
                    mask(access.value, stored.refresh_token)
                    return access
                return stored.refresh_token
            if time.monotonic() >= deadline:
                return None
            time.sleep(ROTATION_POLL_SECONDS)

    def _keep_rotated(self, response: TokenResponse) -> None:
        """Store the new refresh token before its access token is used; never lose it silently."""
        if not response.refresh_token:
            return
        self.shared.refresh_token = response.refresh_token
        try:
            self.store.save(StoredTokens(response.refresh_token, response.access_token))
        except Exception as err:
            self.shared.unsaved = True
            self.log.error(
                "Could not store the rotated refresh token of connection %r in Variable %r (%s: %s). "
                "The previous refresh token no longer works, so the refresh-token chain will break when "
                "this process ends: make the Variable writable, or set login and password on the connection.",
                self.settings.conn_id,
                token_variable_name(self.settings.conn_id),
                type(err).__name__,
                err,
            )
        else:
            self.shared.unsaved = False
