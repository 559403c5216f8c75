"""Who may read what: the default fixture, each 403 cause, GMAID validation and the identity API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_localiq.sandbox import SandboxAdvertiser, SandboxConfig, SandboxUser
from tests.sandbox.client import NOT_AUTHORIZED, Api

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests

    from airflow_provider_localiq.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

WINDOW = {"start_date": "2024-03-01", "end_date": "2024-03-02"}


def _report(api: Api, gmaid: str) -> int:
    return api.get(f"/client_reports/lead_detail/{gmaid}", **WINDOW).status_code


def _contacts(api: Api, gmaid: str) -> int:
    return api.crm("contacts", gmaid, "2024-03-01", "2024-03-02").status_code


@pytest.mark.parametrize(
    ("gmaid", "report", "crm"),
    [
        ("USA_100001", 200, 200),
        ("USA_100002", 200, 200),
        ("USA_100003", 200, 200),
        ("USA_100090", 403, 403),
        ("USA_100091", 200, 403),
        ("CAN_200001", 403, 403),
        ("USA_999999", 403, 403),
    ],
    ids=["active-1", "active-2", "active-3", "inactive", "hipaa", "unlinked", "unknown"],
)
def test_default_fixture_access(api: Api, gmaid: str, report: int, crm: int) -> None:
    assert (_report(api, gmaid), _contacts(api, gmaid)) == (report, crm)


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api.get("/client_reports/lead_detail/USA_100090", **WINDOW),
        lambda api: api.crm("contact_interactions", "USA_100091", "2024-03-01", "2024-03-02"),
        lambda api: api.get("/client_reports/search_activity/CAN_200001", **WINDOW),
    ],
    ids=["inactive-report", "hipaa-crm", "unlinked-report"],
)
def test_every_403_carries_the_exact_documented_body(
    api: Api, call: Callable[[Api], requests.Response]
) -> None:
    response = call(api)

    assert response.status_code == 403
    assert response.content == NOT_AUTHORIZED


def test_hipaa_access_flag_opens_crm_and_can_change_at_runtime(api: Api, localiq_sandbox: Sandbox) -> None:
    assert _contacts(api, "USA_100091") == 403

    localiq_sandbox.control.configure(hipaa_access=True)
    assert _contacts(api, "USA_100091") == 200
    assert api.crm("contact_interactions", "USA_100091", "2024-03-01", "2024-03-02").status_code == 200

    localiq_sandbox.control.configure(hipaa_access=False)
    assert _contacts(api, "USA_100091") == 403


def test_per_user_hipaa_access(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    advertisers = (SandboxAdvertiser("USA_7", "Clinic", hipaa_protected=True),)
    users = (SandboxUser("agency@example.com", "pw-12345", hipaa_access=True, advertisers=("USA_7",)),)
    sandbox = localiq_sandbox_factory(SandboxConfig(users=users, advertisers=advertisers))
    api = Api(sandbox.url)
    api.access_token = api.token(username="agency@example.com", password="pw-12345").json()["access_token"]

    assert _contacts(api, "USA_7") == 200


@pytest.mark.parametrize("gmaid", ["usa_100001", "USA100001", "USA_abc", "1"])
def test_malformed_gmaid_in_a_report_path_is_a_json_404(api: Api, gmaid: str) -> None:
    response = api.get(f"/client_reports/lead_detail/{gmaid}", **WINDOW)

    assert response.status_code == 404
    assert gmaid in response.json()["message"]


@pytest.mark.parametrize("gmaid", ["usa_100001", "USA_", "", "TEST"])
def test_malformed_gmaid_on_crm_is_a_422_naming_the_parameter(api: Api, gmaid: str) -> None:
    response = api.crm("contacts", gmaid, "2024-03-01", "2024-03-02")

    assert response.status_code == 422
    assert response.json()["parameter"] == "global_master_advertiser_id"


def test_unknown_report_and_path_are_json_404s(api: Api) -> None:
    unknown_report = api.get("/client_reports/no_such_report/USA_100001", **WINDOW)
    unknown_path = api.get("/nowhere")

    assert (unknown_report.status_code, unknown_path.status_code) == (404, 404)
    assert unknown_report.json()["message"] == "Not Found"
    assert unknown_path.json()["name"] == "not_found"


def test_identity_lists_linked_advertisers_with_states(api: Api) -> None:
    document = api.json("/identities/v3", user="demo@example.com")

    assert document["advertiser_count"] == 5
    assert (document["page"], document["page_size"]) == (1, 5000)
    states = {
        a["gmaid"]: (a["active_state"], a["hipaa_protected"]) for a in document["authorized_advertisers"]
    }
    assert states == {
        "USA_100001": (2, False),
        "USA_100002": (2, False),
        "USA_100003": (2, False),
        "USA_100090": (0, False),
        "USA_100091": (2, True),
    }
    first = document["authorized_advertisers"][0]
    assert set(first) >= {"name", "gmaid", "platform", "business_id", "privilege_level", "cobrand_name"}
    assert document["users"] == [
        {
            "platform": "USA",
            "buid": 1001,
            "email": "demo@example.com",
            "business_id": 15,
            "name": "Demo User",
            "privilege_level": 3,
        }
    ]


def test_identity_pages_by_page_size(api: Api) -> None:
    pages = [
        api.json("/identities/v3", user="demo@example.com", page=page, page_size=2) for page in (1, 2, 3, 4)
    ]

    gmaids = [[a["gmaid"] for a in page["authorized_advertisers"]] for page in pages]
    assert gmaids == [["USA_100001", "USA_100002"], ["USA_100003", "USA_100090"], ["USA_100091"], []]
    assert all(page["advertiser_count"] == 5 and page["page_size"] == 2 for page in pages)


def test_identity_filters_by_active_state(api: Api) -> None:
    document = api.json("/identities/v3", **{"user": "demo@example.com", "active_state[]": "0"})

    assert [a["gmaid"] for a in document["authorized_advertisers"]] == ["USA_100090"]
    assert document["advertiser_count"] == 1


def test_identity_page_size_setting(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = localiq_sandbox_factory(identity_page_size=3)

    document = Api(sandbox.url).sign_in().json("/identities/v3", user="demo@example.com")

    assert document["page_size"] == 3
    assert len(document["authorized_advertisers"]) == 3


def test_identity_needs_user_and_only_answers_for_the_signed_in_one(api: Api) -> None:
    missing = api.get("/identities/v3")
    other = api.get("/identities/v3", user="someone.else@example.com")

    assert missing.status_code == 422
    assert missing.json()["parameter"] == "user"
    assert other.status_code == 403
    assert other.content == NOT_AUTHORIZED
