"""Token endpoint and access tokens: grants, rotation of refresh tokens, lifetimes, header forms."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest

from tests.sandbox.client import INVALID_GRANT, UNAUTHORIZED, Api

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_localiq.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

REPORT = "/client_reports/campaigns_totals/USA_100001"
HEX_64 = re.compile(r"^[0-9a-f]{64}$")


def test_password_grant_returns_the_documented_token_shape(localiq_sandbox: Sandbox) -> None:
    before = int(time.time())

    response = Api(localiq_sandbox.url).token()

    assert response.status_code == 200
    document = response.json()
    assert set(document) == {"access_token", "token_type", "expires_in", "refresh_token", "created_at"}
    assert HEX_64.match(document["access_token"])
    assert HEX_64.match(document["refresh_token"])
    assert document["token_type"] == "bearer"
    assert document["expires_in"] == 7200
    assert before <= document["created_at"] <= int(time.time())
    assert localiq_sandbox.control.tokens_issued == 1
    (record,) = localiq_sandbox.control.requests
    assert (record.path, record.status, record.grant_type) == ("/oauth/token", 200, "password")


@pytest.mark.parametrize(
    "body",
    [
        {"password": "wrong-password"},
        {"username": "nobody@example.com"},
        {"client_id": "other-client"},
        {"client_secret": "wrong-secret"},
        {"grant_type": "refresh_token", "refresh_token": "0" * 64},
        {"grant_type": "authorization_code", "code": "unknown", "redirect_uri": "https://example.com/cb"},
    ],
    ids=[
        "wrong-password",
        "unknown-user",
        "wrong-client-id",
        "wrong-client-secret",
        "unknown-refresh",
        "bad-code",
    ],
)
def test_bad_credentials_get_the_exact_invalid_grant_body(
    localiq_sandbox: Sandbox, body: dict[str, str]
) -> None:
    response = Api(localiq_sandbox.url).token(**body)

    assert response.status_code == 400
    assert response.content == INVALID_GRANT
    assert localiq_sandbox.control.tokens_issued == 0


def test_form_encoded_token_request_is_refused(localiq_sandbox: Sandbox) -> None:
    from tests.sandbox.client import PASSWORD_GRANT

    response = Api(localiq_sandbox.url).session.post(
        f"{localiq_sandbox.url}/oauth/token", data=PASSWORD_GRANT, timeout=10
    )

    assert response.status_code == 400
    assert response.content == INVALID_GRANT


def test_refresh_token_rotates_and_a_second_use_is_invalid_grant(localiq_sandbox: Sandbox) -> None:
    api = Api(localiq_sandbox.url)
    first = api.token().json()

    refreshed = api.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    replayed = api.token(grant_type="refresh_token", refresh_token=first["refresh_token"])

    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != first["refresh_token"]
    assert new["access_token"] != first["access_token"]
    assert replayed.status_code == 400
    assert replayed.content == INVALID_GRANT
    control = localiq_sandbox.control
    assert not control.is_refresh_token_valid(first["refresh_token"])
    assert control.is_refresh_token_valid(new["refresh_token"])
    assert [(r.grant_type, r.status) for r in control.requests] == [
        ("password", 200),
        ("refresh_token", 200),
        ("refresh_token", 400),
    ]


def test_issued_refresh_token_works_once_and_needs_no_password(localiq_sandbox: Sandbox) -> None:
    token = localiq_sandbox.control.issue_refresh_token()
    api = Api(localiq_sandbox.url)

    response = api.token(grant_type="refresh_token", refresh_token=token, username=None, password=None)

    assert response.status_code == 200
    assert not localiq_sandbox.control.is_refresh_token_valid(token)
    api.access_token = response.json()["access_token"]
    assert api.get(REPORT).status_code == 200


def test_wrong_client_does_not_burn_the_refresh_token(localiq_sandbox: Sandbox) -> None:
    token = localiq_sandbox.control.issue_refresh_token()

    response = Api(localiq_sandbox.url).token(
        grant_type="refresh_token", refresh_token=token, client_secret="x"
    )

    assert response.status_code == 400
    assert localiq_sandbox.control.is_refresh_token_valid(token)


def test_authorization_code_is_single_use(localiq_sandbox: Sandbox) -> None:
    code = localiq_sandbox.control.issue_authorization_code()
    api = Api(localiq_sandbox.url)
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://airflow.example.com/cb",
    }

    first, second = api.token(**body), api.token(**body)

    assert first.status_code == 200
    assert HEX_64.match(first.json()["access_token"])
    assert second.status_code == 400
    assert second.content == INVALID_GRANT


def test_unknown_grant_type_is_a_400(localiq_sandbox: Sandbox) -> None:
    response = Api(localiq_sandbox.url).token(grant_type="client_credentials")

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("bare", [False, True], ids=["bearer", "bare"])
def test_data_endpoints_accept_bearer_and_bare_tokens(api: Api, bare: bool, localiq_sandbox: Sandbox) -> None:
    crm = {"global_master_advertiser_id": "USA_100001", "created_after_date": "2024-03-01"}

    statuses = [
        api.get(REPORT, bare=bare).status_code,
        api.get("/identities/v3", bare=bare, user="demo@example.com").status_code,
        api.get("/crm/contacts", bare=bare, created_before_date="2024-03-02", **crm).status_code,
    ]

    assert statuses == [200, 200, 200]
    expected = "bare" if bare else "bearer"
    assert [r.auth_scheme for r in localiq_sandbox.control.requests[1:]] == [expected] * 3


@pytest.mark.parametrize(
    "header",
    [None, "Bearer " + "f" * 64, "f" * 64, "Basic Zm9vOmJhcg=="],
    ids=["missing", "unknown-bearer", "unknown-bare", "basic"],
)
def test_missing_or_unknown_token_gets_the_exact_401_body(
    localiq_sandbox: Sandbox, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}

    response = Api(localiq_sandbox.url).session.get(
        f"{localiq_sandbox.url}{REPORT}", headers=headers, timeout=10
    )

    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    (record,) = localiq_sandbox.control.requests
    assert record.authorization is (header is not None)


def test_access_token_expires_after_the_configured_ttl(
    localiq_sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = localiq_sandbox_factory(token_ttl_seconds=1)
    api = Api(sandbox.url).sign_in()
    assert api.token().json()["expires_in"] == 1
    assert api.get(REPORT).status_code == 200

    time.sleep(1.1)
    expired = api.get(REPORT)

    assert expired.status_code == 401
    assert expired.content == UNAUTHORIZED


def test_expire_access_tokens_invalidates_every_issued_token(api: Api, localiq_sandbox: Sandbox) -> None:
    assert api.get(REPORT).status_code == 200

    localiq_sandbox.control.expire_access_tokens()

    assert api.get(REPORT).status_code == 401
    assert api.sign_in().get(REPORT).status_code == 200
    assert localiq_sandbox.control.count(REPORT, status=401) == 1
    assert localiq_sandbox.control.tokens_issued == 2


def test_request_log_never_holds_token_values(api: Api, localiq_sandbox: Sandbox) -> None:
    api.get(REPORT)

    logged = repr(localiq_sandbox.control.requests) + repr(
        [vars(r) for r in localiq_sandbox.control.requests]
    )

    assert api.access_token not in logged
    assert "demo-password" not in logged
    assert "demo-secret" not in logged
