"""CRM pages: next links, the end of the walk, local-date filters, record shapes and volume."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_localiq.sandbox import SandboxAdvertiser, SandboxConfig, SandboxUser
from tests.sandbox.client import Api

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_localiq.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

LOCAL = ZoneInfo("America/Los_Angeles")
CHAT_STAMP = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")


def walk(api: Api, kind: str, gmaid: str, after: str, before: str, **params: Any) -> list[dict[str, Any]]:
    """Follow next links from page 1 to the end and return every page document."""
    pages = [api.crm(kind, gmaid, after, before, **params).json()]
    while pages[-1]["next_page_location"]:
        assert len(pages) < 200, "next links never end"
        response = api.session.get(
            pages[-1]["next_page_location"], headers={"Authorization": api.access_token}, timeout=10
        )
        assert response.status_code == 200
        pages.append(response.json())
    return pages


def values(document: Any) -> Iterator[Any]:
    """Yield every value nested in ``document``."""
    if isinstance(document, dict):
        for value in document.values():
            yield value
            yield from values(value)
    elif isinstance(document, list):
        for value in document:
            yield value
            yield from values(value)


@pytest.fixture
def small_pages(localiq_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """Four records per page, five contacts and seven interactions per day, no rate limit."""
    return localiq_sandbox_factory(crm_page_size=4, contacts_per_day=5, interactions_per_day=7, rate_limit=0)


def test_walk_follows_absolute_next_links_to_a_null_on_the_last_page(small_pages: Sandbox) -> None:
    api = Api(small_pages.url).sign_in()

    pages = walk(api, "contacts", "USA_100001", "2024-03-01", "2024-03-04")

    assert [page["page"] for page in pages] == [1, 2, 3, 4]
    assert {page["total_pages"] for page in pages} == {4}
    assert [len(page["contacts"]) for page in pages] == [4, 4, 4, 3]
    assert pages[-1]["next_page_location"] is None
    link = urlsplit(pages[0]["next_page_location"])
    assert f"{link.scheme}://{link.netloc}" == small_pages.url
    assert link.path == "/crm/contacts"
    assert parse_qs(link.query) == {
        "created_after_date": ["2024-03-01"],
        "created_before_date": ["2024-03-04"],
        "global_master_advertiser_id": ["USA_100001"],
        "page": ["2"],
    }
    ids = [record["id"] for page in pages for record in page["contacts"]]
    assert len(set(ids)) == 15
    control = small_pages.control
    assert control.rows_served("crm_contacts") == 15
    assert control.rows_served("crm_contacts", "contacts[]") == 15
    assert control.served_ids("crm_contacts") == set(ids)
    assert control.count("/crm/contacts") == 4


def test_page_past_the_end_is_an_empty_json_array(small_pages: Sandbox) -> None:
    api = Api(small_pages.url).sign_in()

    response = api.crm("contacts", "USA_100001", "2024-03-01", "2024-03-04", page=5)

    assert response.status_code == 200
    assert response.content == b"[]"
    assert small_pages.control.rows_served("crm_contacts") == 0


def test_empty_window_is_one_page_with_no_records(small_pages: Sandbox) -> None:
    api = Api(small_pages.url).sign_in()

    document = api.crm("contacts", "USA_100001", "2024-03-02", "2024-03-02").json()

    assert (document["page"], document["total_pages"], document["next_page_location"]) == (1, 0, None)
    assert document["contacts"] == []


def test_filters_are_local_dates_after_inclusive_before_exclusive(data_api: Api) -> None:
    pages = walk(data_api, "contact_interactions", "USA_100002", "2024-03-09", "2024-03-12")

    records = [record for page in pages for record in page["contact_interactions"]]
    local_days = {datetime.fromisoformat(r["created_at"]).astimezone(LOCAL).date() for r in records}
    assert local_days == {date(2024, 3, 9), date(2024, 3, 10), date(2024, 3, 11)}
    assert len(records) == 3 * 10


def test_datetimes_mix_utc_offsets_and_milliseconds(data_api: Api) -> None:
    pages = walk(data_api, "contacts", "USA_100001", "2024-06-01", "2024-06-15")

    stamps = [record["created_at"] for page in pages for record in page["contacts"]]
    assert any(stamp.endswith("Z") for stamp in stamps)
    assert any(stamp.endswith("-07:00") and "." not in stamp for stamp in stamps)
    assert any(re.search(r"\.\d{3}-07:00$", stamp) for stamp in stamps)
    utc_date_differs = [
        s
        for s in stamps
        if s.endswith("Z") and datetime.fromisoformat(s).astimezone(LOCAL).date().isoformat() != s[:10]
    ]
    assert utc_date_differs, "evening records in UTC should show the next calendar day"
    winter = walk(data_api, "contacts", "USA_100001", "2024-01-10", "2024-01-12")
    assert any(r["created_at"].endswith("-08:00") for page in winter for r in page["contacts"])


def test_records_are_sparse_with_fake_personal_data_and_large_ids(data_api: Api) -> None:
    pages = walk(data_api, "contact_interactions", "USA_100001", "2024-05-01", "2024-05-08")
    records = [record for page in pages for record in page["contact_interactions"]]

    assert None not in list(values(records)), "absent attributes are left out, never null"
    assert all(isinstance(record["id"], int) for record in records)
    assert any(record["id"] > 2**32 for record in records)
    emails = [v for r in records for k, v in r["contact"].items() if k == "email"]
    assert emails
    assert all(re.fullmatch(r"person\d+@example\.com", email) for email in emails)
    phones = [v for r in records for k, v in r["contact"].items() if k.startswith("phone_")]
    assert phones
    assert all(re.fullmatch(r"(\+1)?555\d{7}", phone) for phone in phones)
    optional = ("last_name", "email", "phone_work", "company", "address1")
    assert all(any(field not in r["contact"] for r in records) for field in optional)


def test_interactions_carry_their_contact_and_event_details(data_api: Api) -> None:
    pages = walk(data_api, "contact_interactions", "USA_100001", "2024-05-01", "2024-05-04")
    records = [record for page in pages for record in page["contact_interactions"]]

    assert {record["event_type"] for record in records} == {"call", "form", "chat"}
    for record in records:
        assert record["contact_id"] == record["contact"]["id"]
        assert "occured_at" in record
        kind = record["event_type"]
        assert {"call", "form", "chat"} & set(record) == {kind}
        if kind == "call":
            assert re.fullmatch(r"\d{2}:\d{2}", record["call"]["duration"])
            assert record["call"]["recording_url"].startswith("https://recordings.example.com/")
        elif kind == "form":
            assert record["form"]["sub_type"] in ("FormPost", "FormEmail")
            assert "full_name" in record["form"]["extra_fields"]
        else:
            transcript = record["chat"]["transcript"]
            assert [line["id"] for line in transcript] == list(range(1, len(transcript) + 1))
            assert all(CHAT_STAMP.match(line["timestamp"]) for line in transcript)
            assert record["chat"]["summary"]


def test_nested_contact_is_the_same_record_the_contacts_endpoint_serves(data_api: Api) -> None:
    interactions = walk(data_api, "contact_interactions", "USA_100003", "2024-04-10", "2024-04-11")
    contacts = walk(data_api, "contacts", "USA_100003", "2024-04-06", "2024-04-11")
    by_id = {record["id"]: record for page in contacts for record in page["contacts"]}

    nested = [record["contact"] for page in interactions for record in page["contact_interactions"]]

    assert nested
    assert all(by_id[contact["id"]] == contact for contact in nested)


def test_event_type_filter_partitions_the_interactions(data_api: Api) -> None:
    def ids(**params: str) -> list[int]:
        pages = walk(data_api, "contact_interactions", "USA_100001", "2024-02-01", "2024-02-11", **params)
        return [record["id"] for page in pages for record in page["contact_interactions"]]

    everything = ids()
    parts = {kind: ids(event_type=kind) for kind in ("call", "form", "chat")}

    assert all(parts.values())
    assert sorted(everything) == sorted(sum(parts.values(), []))
    first = data_api.crm("contact_interactions", "USA_100001", "2024-02-01", "2024-02-11", event_type="call")
    assert "event_type=call" in first.json()["next_page_location"]


def test_a_day_is_the_same_whatever_range_it_is_read_in(data_api: Api) -> None:
    alone = walk(data_api, "contacts", "USA_100002", "2024-03-02", "2024-03-03")
    inside = walk(data_api, "contacts", "USA_100002", "2024-02-28", "2024-03-06")

    day = [record for page in alone for record in page["contacts"]]
    wide = [record for page in inside for record in page["contacts"]]
    assert day
    assert all(record in wide for record in day)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"created_after_date": "2024-03-01"}, "created_before_date"),
        ({"created_after_date": "2024-3-1", "created_before_date": "2024-03-02"}, "created_after_date"),
        ({"created_after_date": "2024-03-01", "created_before_date": "2024-03-02", "page": "0"}, "page"),
        ({"created_after_date": "2024-03-01", "created_before_date": "2024-03-02", "page": "two"}, "page"),
    ],
    ids=["missing-before", "bad-date", "page-zero", "page-text"],
)
def test_bad_filters_are_422_naming_the_parameter(api: Api, params: dict[str, str], parameter: str) -> None:
    response = api.get("/crm/contacts", bare=True, global_master_advertiser_id="USA_100001", **params)

    assert response.status_code == 422
    assert response.json()["parameter"] == parameter


def test_bad_event_type_is_a_422(api: Api) -> None:
    response = api.crm("contact_interactions", "USA_100001", "2024-03-01", "2024-03-02", event_type="sms")

    assert response.status_code == 422
    assert response.json()["parameter"] == "event_type"


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("repeat", lambda link: parse_qs(urlsplit(link).query)["page"] == ["1"]),
        ("end_early", lambda link: link is None),
        (
            "change_filters",
            lambda link: parse_qs(urlsplit(link).query)["created_before_date"] != ["2024-03-04"],
        ),
    ],
)
def test_pagination_faults_bend_the_next_link(
    localiq_sandbox_factory: Callable[..., Sandbox], fault: str, check: Callable[[str | None], bool]
) -> None:
    sandbox = localiq_sandbox_factory(crm_page_size=4, contacts_per_day=5, pagination_fault=fault)
    api = Api(sandbox.url).sign_in()

    first = api.crm("contacts", "USA_100001", "2024-03-01", "2024-03-04").json()
    second = api.crm("contacts", "USA_100001", "2024-03-01", "2024-03-04", page=2).json()

    assert first["total_pages"] == 4
    assert check(first["next_page_location"])
    assert parse_qs(urlsplit(second["next_page_location"]).query)["page"] == ["3"]


def test_pagination_fault_page_moves_the_fault(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = localiq_sandbox_factory(
        crm_page_size=4, contacts_per_day=5, pagination_fault="end_early", pagination_fault_page=2
    )
    api = Api(sandbox.url).sign_in()

    pages = walk(api, "contacts", "USA_100001", "2024-03-01", "2024-03-04")

    assert [page["page"] for page in pages] == [1, 2]
    assert pages[-1]["total_pages"] == 4


def test_a_million_records_are_served_page_by_page(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = localiq_sandbox_factory(contacts_per_day=20_000, crm_page_size=10_000)
    api = Api(sandbox.url).sign_in()

    started = time.perf_counter()
    last = api.crm("contacts", "USA_100001", "2024-01-01", "2024-02-20", page=100)
    elapsed = time.perf_counter() - started
    past = api.crm("contacts", "USA_100001", "2024-01-01", "2024-02-20", page=101)

    document = last.json()
    assert document["total_pages"] == 100
    assert document["next_page_location"] is None
    assert len({record["id"] for record in document["contacts"]}) == 10_000
    local_days = {
        datetime.fromisoformat(r["created_at"]).astimezone(LOCAL).date() for r in document["contacts"]
    }
    assert local_days == {date(2024, 2, 19)}
    assert past.content == b"[]"
    assert elapsed < 5, f"a 10,000-record page took {elapsed:.1f} s"


def test_advertiser_volume_override(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    advertisers = (
        SandboxAdvertiser("USA_1", "Big", contacts_per_day=40),
        SandboxAdvertiser("USA_2", "Small"),
    )
    users = (SandboxUser("a@example.com", "pw", advertisers=("USA_1", "USA_2")),)
    sandbox = localiq_sandbox_factory(SandboxConfig(users=users, advertisers=advertisers, crm_page_size=1000))
    api = Api(sandbox.url)
    api.access_token = api.token(username="a@example.com", password="pw").json()["access_token"]

    big = api.crm("contacts", "USA_1", "2024-03-01", "2024-03-03").json()
    small = api.crm("contacts", "USA_2", "2024-03-01", "2024-03-03").json()

    assert (len(big["contacts"]), len(small["contacts"])) == (80, 12)
