"""A small ``requests`` client for the sandbox contract tests, and the documented bodies they expect.

Every call has a timeout, so a broken server fails a test instead of hanging it. The expected
bodies are written out here rather than imported from the sandbox, so a typo there is caught.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT = 10
PASSWORD_GRANT = {
    "grant_type": "password",
    "client_id": "demo-client",
    "client_secret": "demo-secret",
    "username": "demo@example.com",
    "password": "demo-password",
}
INVALID_GRANT = (
    b'{ "error": "invalid_grant", "error_description": "The provided authorization credentials are invalid. '
    b'Refer to documentation at https://doc.api.localiq.com/#error-codes for further information." }'
)
UNAUTHORIZED = b'{ "message": "Unauthorized" }'
NOT_AUTHORIZED = b'{ "name": "not_authorized", "message": "You are not permitted to perform this action." }'
TOO_MANY_REQUESTS = b'{ "message": "Too Many Requests" }'


@dataclass
class Api:
    """A ``requests`` session signed in to one sandbox."""

    url: str
    session: requests.Session = field(default_factory=requests.Session)
    access_token: str = ""

    def token(self, **body: Any) -> requests.Response:
        """POST to the token endpoint with the password grant, overridden by ``body``."""
        return self.session.post(f"{self.url}/oauth/token", json={**PASSWORD_GRANT, **body}, timeout=TIMEOUT)

    def sign_in(self) -> Api:
        """Obtain an access token with the demo credentials."""
        response = self.token()
        assert response.status_code == 200, response.text
        self.access_token = response.json()["access_token"]
        return self

    def get(self, path: str, *, bare: bool = False, **params: Any) -> requests.Response:
        """GET ``path`` with the access token, as ``Bearer`` or, with ``bare``, as the bare token."""
        value = self.access_token if bare else f"Bearer {self.access_token}"
        return self.session.get(
            f"{self.url}{path}", params=params, headers={"Authorization": value}, timeout=TIMEOUT
        )

    def json(self, path: str, **params: Any) -> Any:
        """GET ``path`` and return the JSON of a 200 response."""
        response = self.get(path, **params)
        assert response.status_code == 200, f"{path} answered {response.status_code}: {response.text[:300]}"
        return response.json()

    def crm(self, kind: str, gmaid: str, after: str, before: str, **params: Any) -> requests.Response:
        """GET one CRM page with the bare token, as the CRM pages of the docs do."""
        return self.get(
            f"/crm/{kind}",
            bare=True,
            global_master_advertiser_id=gmaid,
            created_after_date=after,
            created_before_date=before,
            **params,
        )
