"""Sort a LocalIQ HTTP response into data, a transient failure, or a permanent provider error."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.exceptions import (
    LocalIQPermissionError,
    LocalIQRequestError,
)
from airflow_provider_localiq.hooks.retry import TransientFailure, parse_retry_after

if TYPE_CHECKING:
    import requests

MAX_MESSAGE_CHARS = 200

_GMAID_IN_PATH = re.compile(r"^/client_reports/[^/]+/(?P<gmaid>[^/?]+)")


def parse_json(response: requests.Response) -> Any:
    """Return the body of a 2xx response; broken or truncated JSON is a transient failure."""
    try:
        return response.json()
    except ValueError:
        raise TransientFailure(
            f"{response.status_code} with a body that is not valid JSON ({len(response.content)} bytes)",
            maybe_processed=True,
        ) from None


def raise_for_status(
    response: requests.Response,
    *,
    conn_id: str,
    method: str,
    path: str,
    params: dict[str, Any] | None,
) -> None:
    """Raise for every non-2xx status except 401, which the caller answers by renewing the token."""
    status = response.status_code
    if status < 400 or status == 401:
        return

    if status == 429:
        raise TransientFailure(
            "429 Too Many Requests",
            rate_limited=True,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500 or status == 408:
        raise TransientFailure(f"{status} {response.reason or 'server error'}")
    if status == 403:
        raise permission_error(conn_id=conn_id, method=method, path=path, params=params)

    message, parameter = _describe_body(response, params)
    hint = f" The parameter at fault is {parameter!r}." if parameter else ""
    next_step = (
        "Check the report name and advertiser (GMAID) in the path."
        if status == 404
        else "Fix the request's parameters; retrying the same request cannot succeed."
    )
    raise LocalIQRequestError(
        f"LocalIQ rejected {method} {path} with {status}: {message or 'no message'}.{hint} {next_step}",
        status=status,
        parameter=parameter,
    )


def permission_error(
    *, conn_id: str, method: str, path: str, params: dict[str, Any] | None
) -> LocalIQPermissionError:
    """Build the 403 error, naming the endpoint, the advertiser and the causes LocalIQ documents."""
    gmaid = gmaid_of(path, params)
    causes = [
        f"the business user of connection {conn_id!r} is not linked to advertiser {gmaid}",
        "the advertiser is inactive (no active campaigns for 31 days)",
    ]
    if path.startswith("/crm/"):
        causes.append(
            "the advertiser is HIPAA-protected and the user lacks HIPAA access (the 'Agency Customer' "
            "role, privilege level 3) needed for lead data"
        )
    return LocalIQPermissionError(
        f"LocalIQ answered 403 not_authorized for {method} {path} (advertiser {gmaid}). "
        f"Possible causes: {'; '.join(causes)}. Check the advertiser's active_state and hipaa_protected "
        "with LocalIQHook.get_advertisers(), and ask your LocalIQ account team to grant access; "
        "retrying cannot succeed.",
        endpoint=path,
        gmaid=gmaid,
    )


def gmaid_of(path: str, params: dict[str, Any] | None) -> str | None:
    """The advertiser a request is about: in the path for reports, in the query for CRM."""
    match = _GMAID_IN_PATH.match(path)
    if match:
        return match.group("gmaid")
    value = (params or {}).get("global_master_advertiser_id")
    return str(value) if value else None


def _describe_body(response: requests.Response, params: dict[str, Any] | None) -> tuple[str, str | None]:
    """Extract LocalIQ's message (truncated) and the parameter it names, if it names one."""
    try:
        body = response.json()
    except ValueError:
        body = None

    parameter: str | None = None
    if isinstance(body, dict):
        for key in ("parameter", "param", "field"):
            if isinstance(body.get(key), str):
                parameter = body[key]
        parts = [str(body[key]) for key in ("error", "name", "message", "error_description") if body.get(key)]
        message = " ".join(parts) if parts else str(body)
    elif isinstance(body, list):
        message = "; ".join(str(item) for item in body)
    else:
        message = response.text

    message = " ".join(message.split())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    if parameter is None:
        parameter = next((name for name in (params or {}) if name and name in message), None)
    return message, parameter
