"""Errors raised by the LocalIQ provider, grouped by what Airflow should do with the task.

Permanent problems fail the task at once (no retries are spent on them); transient ones are
retried inside the task first and, once those retries are used up, raised as plain
``AirflowException`` subclasses so that the task's own ``retries`` apply::

    AirflowException
    ├── AirflowFailException                 fail now, no task retries
    │   ├── LocalIQConfigError               connection settings missing or malformed
    │   ├── LocalIQInputError                an operator or hook argument is invalid
    │   ├── LocalIQAuthError                 400 invalid_grant, or a 401 that survived one renewal
    │   ├── LocalIQPermissionError           403 not_authorized for an endpoint and advertiser
    │   └── LocalIQRequestError              404, 422 and other 4xx: the request itself is wrong
    └── LocalIQServerError                   5xx, timeouts, resets, broken JSON: Airflow may retry
        ├── LocalIQRateLimitError            429s that outlasted the in-task retries
        └── LocalIQPaginationError           the API's page links contradict themselves

Messages never contain a password, client secret, token or a lead's personal data.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException

__all__ = [
    "LocalIQAuthError",
    "LocalIQConfigError",
    "LocalIQInputError",
    "LocalIQPaginationError",
    "LocalIQPermissionError",
    "LocalIQRateLimitError",
    "LocalIQRequestError",
    "LocalIQServerError",
]


class LocalIQConfigError(AirflowFailException, ValueError):
    """A connection setting is missing or malformed; raised before any request is sent."""

    def __init__(self, conn_id: str, field: str, problem: str) -> None:
        self.conn_id = conn_id
        self.field = field
        super().__init__(f"Connection {conn_id!r}: {field} {problem}")


class LocalIQInputError(AirflowFailException, ValueError):
    """An argument given to the hook or an operator is invalid; raised before any request is sent."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field} {problem}")


class LocalIQAuthError(AirflowFailException):
    """LocalIQ rejected the credentials; retrying with the same ones cannot succeed."""


class LocalIQPermissionError(AirflowFailException):
    """The business user may not read this endpoint for this advertiser (403 not_authorized)."""

    def __init__(self, message: str, *, endpoint: str, gmaid: str | None) -> None:
        self.endpoint = endpoint
        self.gmaid = gmaid
        super().__init__(message)


class LocalIQRequestError(AirflowFailException):
    """LocalIQ refused the request as malformed (404, 422, other 4xx)."""

    def __init__(self, message: str, *, status: int, parameter: str | None = None) -> None:
        self.status = status
        self.parameter = parameter
        super().__init__(message)


class LocalIQServerError(AirflowException):
    """LocalIQ kept failing (5xx, timeouts, resets, broken JSON) after the in-task retries."""


class LocalIQRateLimitError(LocalIQServerError):
    """LocalIQ kept answering 429 Too Many Requests after the in-task retries."""


class LocalIQPaginationError(LocalIQServerError):
    """The page links of a paged endpoint repeat, change the filters or end too soon."""
