"""Error bodies the sandbox sends, byte for byte where the API documents them.

The documented bodies keep the API's own spacing. Statuses the API leaves undocumented (404, 422,
5xx) get a small ``{"name", "message"}`` object in the style of the 403 body.
"""

from __future__ import annotations

import json
from http import HTTPStatus

INVALID_GRANT = (
    b'{ "error": "invalid_grant", "error_description": "The provided authorization credentials are invalid. '
    b'Refer to documentation at https://doc.api.localiq.com/#error-codes for further information." }'
)
UNAUTHORIZED = b'{ "message": "Unauthorized" }'
NOT_AUTHORIZED = b'{ "name": "not_authorized", "message": "You are not permitted to perform this action." }'
TOO_MANY_REQUESTS = b'{ "message": "Too Many Requests" }'

_DOCUMENTED = {400: INVALID_GRANT, 401: UNAUTHORIZED, 403: NOT_AUTHORIZED, 429: TOO_MANY_REQUESTS}


class ParameterError(ValueError):
    """A query parameter is missing or invalid; the API answers 422 naming the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def body_for_status(status: int) -> bytes:
    """Return the body the API sends with ``status`` when nothing more specific applies."""
    documented = _DOCUMENTED.get(status)
    if documented is not None:
        return documented
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    name = phrase.lower().replace(" ", "_").replace("-", "_")
    return json.dumps({"name": name, "message": phrase}).encode()


def parameter_error_body(error: ParameterError) -> bytes:
    """Return the 422 body for an invalid parameter, naming it in ``parameter``."""
    return json.dumps(
        {"name": "invalid_parameter", "parameter": error.parameter, "message": error.message}
    ).encode()
