"""The LocalIQ hook: authenticated, rate-limited, retried calls to the LocalIQ API.

Every request goes through :meth:`LocalIQHook.request`, the one place where authentication, the
rate limit, retries and the sorting of failures live. See :mod:`airflow_provider_localiq.exceptions`
for what each failure becomes.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import parse_qsl, urlsplit

import requests
from airflow.sdk import BaseHook
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay

from airflow_provider_localiq.concurrency import ordered_map
from airflow_provider_localiq.exceptions import (
    LocalIQAuthError,
    LocalIQConfigError,
    LocalIQInputError,
    LocalIQRateLimitError,
    LocalIQServerError,
)
from airflow_provider_localiq.hooks.auth import (
    SHARED_TOKENS,
    Grant,
    InvalidGrant,
    SharedTokens,
    TokenManager,
    mask,
)
from airflow_provider_localiq.hooks.pagination import DEFAULT_MAX_PAGES, CountedPages, NextLinkPages
from airflow_provider_localiq.hooks.rate_limit import TokenBucket
from airflow_provider_localiq.hooks.responses import parse_json, raise_for_status
from airflow_provider_localiq.hooks.retry import RetryPolicy, TransientFailure
from airflow_provider_localiq.hooks.settings import LocalIQSettings, parse_connection
from airflow_provider_localiq.hooks.tokens import (
    TokenResponse,
    TokenStore,
    VariableTokenStore,
)
from airflow_provider_localiq.validation import check_gmaid, check_window, to_date

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from tenacity import RetryCallState

CRM_RECORD_KEYS = {"/crm/contacts": "contacts", "/crm/contact_interactions": "contact_interactions"}


class LocalIQHook(BaseHook):
    """Call the LocalIQ reporting and lead APIs with the credentials of an Airflow connection.

    The hook obtains and renews OAuth tokens itself: with the connection's login and password
    (the password grant, preferred) or, without a password, with a refresh token whose rotated
    successor is kept in the Airflow Variable ``<conn_id>__refresh_token``.

    :param localiq_conn_id: the ``localiq`` connection to use.
    :param retry_policy: bounds and waits of in-task retries for 429, 5xx, timeouts and broken JSON.
    :param token_store: where rotated refresh tokens are kept; defaults to the Airflow Variable.
    :param max_workers: concurrent requests this hook may run for paged endpoints; all of them
        share one rate limit.
    :param max_pages: the most pages one paged walk may take before it is treated as a loop.
    """

    conn_name_attr = "localiq_conn_id"
    default_conn_name = "localiq_default"
    conn_type = "localiq"
    hook_name = "LocalIQ"

    # How long a task that lost a refresh race waits for the winner to store the rotated token.
    rotation_wait_seconds: float = 3.0

    _shared: ClassVar[dict[tuple[str, ...], SharedTokens]] = SHARED_TOKENS

    def __init__(
        self,
        localiq_conn_id: str = default_conn_name,
        *,
        retry_policy: RetryPolicy | None = None,
        token_store: TokenStore | None = None,
        max_workers: int = 4,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        super().__init__()
        if max_workers < 1:
            raise LocalIQInputError("max_workers", f"must be at least 1, got {max_workers!r}.")
        self.localiq_conn_id = localiq_conn_id
        self.retry_policy = retry_policy or RetryPolicy()
        self.max_workers = max_workers
        self.max_pages = max_pages
        self._token_store = token_store
        self._sessions = threading.local()

    # ------------------------------------------------------------------ settings and plumbing

    @cached_property
    def settings(self) -> LocalIQSettings:
        """The validated connection settings; secrets are registered with the masker on first read."""
        from airflow.sdk.log import mask_secret

        settings = parse_connection(self.get_connection(self.localiq_conn_id))
        for secret in settings.secrets:
            mask_secret(secret)
        return settings

    @cached_property
    def token_store(self) -> TokenStore:
        """Where rotated refresh tokens are kept (the Airflow Variable unless one was given)."""
        return self._token_store or VariableTokenStore(self.localiq_conn_id)

    @cached_property
    def rate_limiter(self) -> TokenBucket:
        """The token bucket every request of this hook passes through."""
        return TokenBucket(self.settings.requests_per_second)

    def get_conn(self) -> requests.Session:
        """Return this thread's HTTP session (sessions are not shared between threads)."""
        session: requests.Session | None = getattr(self._sessions, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(self.max_workers, 4))
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update({"Accept": "application/json", "User-Agent": "airflow-provider-localiq"})
            self._sessions.session = session
        return session

    # ------------------------------------------------------------------ tokens

    @cached_property
    def tokens(self) -> TokenManager:
        """The token lifecycle of this hook's connection (shared with other hooks in the process)."""
        return TokenManager(
            self.settings,
            store=self.token_store,
            request_token=self._token_request,
            log=self.log,
            rotation_wait_seconds=self.rotation_wait_seconds,
        )

    @property
    def _tokens(self) -> SharedTokens:
        return self.tokens.shared

    def get_access_token(self, *, stale: str | None = None) -> str:
        """Return a usable access token, obtaining a new one if the cached one is ``stale`` or old."""
        return self.tokens.access_token(stale=stale)

    def _token_request(self, grant: Grant, fields: dict[str, Any]) -> TokenResponse:
        """POST ``/oauth/token``; a refresh is only retried when LocalIQ cannot have used the token."""
        settings = self.settings
        body = {"grant_type": grant, "client_id": settings.client_id, "client_secret": settings.client_secret}
        body.update(fields)
        url = f"{settings.base_url}/oauth/token"

        try:
            for attempt in self._retrying():
                with attempt:
                    number = attempt.retry_state.attempt_number
                    try:
                        response = self._send("POST", url, "/oauth/token", None, body, None, number, grant)
                        return self._parse_token_response(response, grant)
                    except TransientFailure as failure:
                        if grant == "refresh_token" and failure.maybe_processed:
                            raise self._refresh_lost_in_flight(failure) from None
                        raise
        except TransientFailure as failure:
            raise self._exhausted("POST", "/oauth/token", failure) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _refresh_lost_in_flight(self, failure: TransientFailure) -> LocalIQServerError:
        message = (
            f"The refresh-token request of connection {self.localiq_conn_id!r} failed in flight "
            f"({failure.description}). It is not resent, because LocalIQ may already have used the "
            "single-use token; Airflow may retry the task, and if the token was used, the retry fails "
            "with instructions to set a new one."
        )
        self.log.error("%s", message)
        return LocalIQServerError(message)

    def _parse_token_response(self, response: requests.Response, grant: Grant) -> TokenResponse:
        status = response.status_code
        if status in (400, 401):
            try:
                body = response.json()
            except ValueError:
                body = {}
            error = body.get("error") if isinstance(body, dict) else None
            description = (
                str(body.get("error_description") or body.get("message") or "")
                if isinstance(body, dict)
                else ""
            )
            if error == "invalid_grant":
                raise InvalidGrant(description or "invalid_grant")
            raise self.tokens.auth_error(
                grant, description or f"HTTP {status} from the token endpoint", client=True
            )
        raise_for_status(
            response, conn_id=self.localiq_conn_id, method="POST", path="/oauth/token", params=None
        )
        try:
            token = TokenResponse.from_json(parse_json(response))
        except ValueError as err:
            raise TransientFailure(f"token response unreadable: {err}", maybe_processed=True) from None
        mask(token.access_token.value, token.refresh_token)
        return token

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one API call and return its parsed JSON.

        ``path`` is relative to the connection's host (``/identities/v3``) or an absolute link the
        API returned on the same host. The call is rate-limited, retried on 429, 5xx, timeouts,
        resets and broken JSON, and replayed once with a new token after a 401.

        :raises LocalIQAuthError: credentials refused, or a 401 that survived one renewal.
        :raises LocalIQPermissionError: 403 not_authorized.
        :raises LocalIQRequestError: 404, 422 or another 4xx.
        :raises LocalIQServerError: transient failures outlasted the in-task retries.
        """
        url, relative, params = self._resolve(path, params)
        try:
            for attempt in self._retrying():
                with attempt:
                    return self._attempt(
                        method, url, relative, params, json, attempt.retry_state.attempt_number
                    )
        except TransientFailure as failure:
            raise self._exhausted(method, relative, failure) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _attempt(
        self, method: str, url: str, path: str, params: dict[str, Any] | None, body: Any, attempt: int
    ) -> Any:
        token = self.get_access_token()
        response = self._send(method, url, path, params, body, token, attempt)
        if response.status_code == 401:
            token = self.get_access_token(stale=token)
            response = self._send(method, url, path, params, body, token, attempt)
            if response.status_code == 401:
                message = (
                    f"LocalIQ answered 401 Unauthorized to {method} {path} even with a newly obtained access "
                    f"token. Next step: check that connection {self.localiq_conn_id!r} belongs to the business "
                    "user and client registered with LocalIQ, and that LocalIQ has not revoked its access."
                )
                self.log.error("%s", message)
                raise LocalIQAuthError(message)
        raise_for_status(response, conn_id=self.localiq_conn_id, method=method, path=path, params=params)
        return parse_json(response)

    def _send(
        self,
        method: str,
        url: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        token: str | None,
        attempt: int,
        grant: str | None = None,
    ) -> requests.Response:
        """Send once through the rate limiter and log one INFO line; network failures are transient."""
        headers = {}
        if token is not None:
            headers["Authorization"] = token if path.startswith("/crm/") else f"Bearer {token}"
        label = f"{path} ({grant} grant)" if grant else path

        self.rate_limiter.acquire()
        started = time.monotonic()
        try:
            response = self.get_conn().request(
                method, url, params=params, json=body, headers=headers, timeout=self.settings.timeout
            )
        except requests.Timeout as err:
            self._log_request(method, label, type(err).__name__, started, attempt)
            connecting = isinstance(err, requests.ConnectTimeout)
            raise TransientFailure(
                f"{'connecting' if connecting else 'waiting for the response'} timed out after "
                f"{self.settings.timeout:g} s",
                maybe_processed=not connecting,
            ) from None
        except requests.RequestException as err:
            self._log_request(method, label, type(err).__name__, started, attempt)
            raise TransientFailure(
                f"the connection failed ({type(err).__name__})", maybe_processed=not _never_connected(err)
            ) from None
        self._log_request(method, label, response.status_code, started, attempt)
        return response

    def _log_request(self, method: str, label: str, outcome: object, started: float, attempt: int) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        self.log.info("%s %s -> %s in %.0f ms (attempt %d)", method, label, outcome, elapsed_ms, attempt)

    def _retrying(self) -> Retrying:
        policy = self.retry_policy
        return Retrying(
            stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_elapsed_seconds),
            wait=policy.wait,
            retry=retry_if_exception_type(TransientFailure),
            sleep=policy.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _log_retry(self, retry_state: RetryCallState) -> None:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
        self.log.warning(
            "LocalIQ request failed (%s); retrying in %.2f s (attempt %d of %d).",
            failure,
            wait,
            retry_state.attempt_number + 1,
            self.retry_policy.max_attempts,
        )

    def _exhausted(self, method: str, path: str, failure: TransientFailure) -> LocalIQServerError:
        policy = self.retry_policy
        cls = LocalIQRateLimitError if failure.rate_limited else LocalIQServerError
        message = (
            f"LocalIQ kept failing {method} {path}: {failure.description}, after {policy.max_attempts} attempts "
            f"or {policy.max_elapsed_seconds:g} s. Airflow will retry the task if it has retries left; if this "
            "persists, lower 'requests_per_second' for 429s or check LocalIQ's status."
        )
        self.log.error("%s", message)
        return cls(message)

    def _resolve(self, path: str, params: dict[str, Any] | None) -> tuple[str, str, dict[str, Any] | None]:
        """Split a relative path or a same-host absolute link into URL, path and parameters."""
        base = self.settings.base_url
        if "://" not in path:
            relative = path if path.startswith("/") else f"/{path}"
            return f"{base}{relative}", relative, params

        parts = urlsplit(path)
        origin = urlsplit(base)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            raise LocalIQInputError(
                "path",
                f"must be on the connection's host {base}; refusing to send credentials to {parts.netloc!r}.",
            )
        merged = dict(parse_qsl(parts.query, keep_blank_values=True))
        merged.update(params or {})
        return f"{base}{parts.path}", parts.path, merged

    # ------------------------------------------------------------------ API

    def get_advertisers(self) -> list[dict[str, Any]]:
        """List the advertisers (GMAIDs) the connection's business user may read, across all pages."""
        username = self.settings.username
        if not username:
            raise LocalIQConfigError(
                self.localiq_conn_id, "login", "is needed to list advertisers: set the business user's email."
            )
        pages = CountedPages(
            path="/identities/v3",
            count_path=("advertiser_count",),
            records_path=("authorized_advertisers",),
            max_pages=self.max_pages,
        )

        advertisers: list[dict[str, Any]] = []
        page = 1
        while True:
            document = self.request("GET", "/identities/v3", params={"user": username, "page": page})
            advertisers.extend(pages.records(document))
            if not pages.has_more(document, page, len(advertisers)):
                return advertisers
            page += 1

    def get_report(
        self,
        report: str,
        gmaid: str,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Fetch ``/client_reports/<report>/<gmaid>`` for an inclusive date range.

        Paged reports (keyword, google_keyword) are fetched page by page and their keyword rows
        joined into one document. Extra keyword arguments become query parameters
        (``interval_size="calendar_week"``, ``campaign_cycle="USA_5"``).
        """
        documents = list(self.iter_report_pages(report, gmaid, start_date, end_date, **params))
        document = documents[0]
        if len(documents) > 1:
            keywords = [row for page in documents for row in page.get("report_data", {}).get("keywords", [])]
            document["report_data"]["keywords"] = keywords
        return document

    def iter_report_pages(
        self,
        report: str,
        gmaid: str,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Yield the documents of one report request: one, or one per page for the paged reports."""
        path, paged = report_path(report, check_gmaid(gmaid))
        query = report_params(start_date, end_date, params)
        if not paged:
            yield self.request("GET", path, params=query)
            return

        pages = CountedPages(
            path=path,
            count_path=("report_data", "totals", "keywords"),
            records_path=("report_data", "keywords"),
            max_pages=self.max_pages,
        )
        page, seen = 1, 0
        while True:
            document = self.request("GET", path, params={**query, "page": page})
            seen += len(pages.records(document))
            yield document
            if not pages.has_more(document, page, seen):
                return
            page += 1

    def iter_contacts(
        self, gmaid: str, created_after: date | str, created_before: date | str
    ) -> Iterator[dict[str, Any]]:
        """Yield every contact created on or after ``created_after`` and before ``created_before``."""
        for records in self.iter_crm_pages("/crm/contacts", gmaid, created_after, created_before):
            yield from records

    def iter_contact_interactions(
        self, gmaid: str, created_after: date | str, created_before: date | str
    ) -> Iterator[dict[str, Any]]:
        """Yield every contact interaction (call, form, chat) created in ``[created_after, created_before)``."""
        for records in self.iter_crm_pages("/crm/contact_interactions", gmaid, created_after, created_before):
            yield from records

    def iter_crm_pages(
        self,
        path: Literal["/crm/contacts", "/crm/contact_interactions"],
        gmaid: str,
        created_after: date | str,
        created_before: date | str,
        **params: Any,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the records of a CRM endpoint page by page, in order.

        Once the first page tells how many there are, the remaining pages are fetched up to
        ``max_workers`` at a time; each is still checked against its own next-page link.
        """
        after = to_date(created_after, "created_after")
        before = to_date(created_before, "created_before")
        check_window(
            after, before, start_field="created_after", end_field="created_before", end_exclusive=True
        )
        query = {
            "global_master_advertiser_id": check_gmaid(gmaid),
            "created_after_date": after.isoformat(),
            "created_before_date": before.isoformat(),
            **params,
        }
        checker = NextLinkPages(
            base_url=self.settings.base_url,
            path=path,
            params=query,
            records_key=CRM_RECORD_KEYS[path],
            max_pages=self.max_pages,
        )

        def fetch(page: int) -> list[dict[str, Any]]:
            return checker.check(self.request("GET", path, params={**query, "page": page}), page).records

        first = checker.check(self.request("GET", path, params={**query, "page": 1}), 1)
        yield first.records
        if first.total_pages <= 1:
            return
        yield from ordered_map(fetch, range(2, first.total_pages + 1), max_workers=self.max_workers)

    def test_connection(self) -> tuple[bool, str]:
        """Check the connection from the UI without ever consuming a single-use refresh token."""
        try:
            settings = self.settings
        except Exception as err:
            return False, str(err)
        if not settings.uses_password_grant:
            return True, (
                "Settings are valid. LocalIQ was not called: this connection has only a refresh token, "
                "which is single use, and testing would consume it. Add login and password to test a call."
            )
        try:
            advertisers = self.get_advertisers()
        except Exception as err:
            return False, str(err)
        return True, f"Connected to LocalIQ; the business user may read {len(advertisers)} advertisers."


def _never_connected(err: requests.RequestException) -> bool:
    """Whether the request certainly never reached the server (the connection was not established)."""
    from urllib3.exceptions import NewConnectionError

    reason = err.args[0] if err.args else None
    return isinstance(getattr(reason, "reason", reason), NewConnectionError)


def report_path(report: str, gmaid: str) -> tuple[str, bool]:
    """The request path of a report and whether it is paged.

    Names in the endpoint registry (``lsa_campaigns``, ``campaigns_and_cycles``, ...) map to their
    documented paths; any other lowercase name is sent as ``/client_reports/<name>/<gmaid>``, so
    reports the registry does not list yet can still be fetched.
    """
    from airflow_provider_localiq.normalize import UnknownEndpointError, get_endpoint

    try:
        spec = get_endpoint(report)
    except UnknownEndpointError:
        if not report.replace("_", "").isalnum() or not report.islower():
            raise LocalIQInputError(
                "report", f"must be a LocalIQ report name like 'lead_detail', got {report!r}."
            ) from None
        return f"/client_reports/{report}/{gmaid}", False
    if spec.kind != "report":
        raise LocalIQInputError("report", f"{report!r} is a {spec.kind} endpoint, not a report.")
    return spec.render_path(gmaid), spec.pagination.style == "offset_total"


def report_params(
    start_date: date | str | None, end_date: date | str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """Build a report's query: inclusive ``YYYY-MM-DD`` dates, never together with a campaign cycle."""
    query = {key: value for key, value in params.items() if value is not None}
    if (start_date is None) != (end_date is None):
        missing = "end_date" if end_date is None else "start_date"
        raise LocalIQInputError(missing, "is required when the other end of the date range is given.")
    if start_date is not None and end_date is not None:
        if query.get("campaign_cycle"):
            raise LocalIQInputError(
                "campaign_cycle",
                "cannot be combined with start_date/end_date; LocalIQ takes one or the other.",
            )
        start, end = to_date(start_date, "start_date"), to_date(end_date, "end_date")
        check_window(start, end, start_field="start_date", end_field="end_date")
        query["start_date"], query["end_date"] = start.isoformat(), end.isoformat()
    return query
