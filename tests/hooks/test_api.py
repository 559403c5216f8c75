"""The hook's public calls: advertisers, reports, CRM paging and its guards, test_connection."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_localiq.exceptions import LocalIQInputError, LocalIQPaginationError
from airflow_provider_localiq.hooks.localiq import LocalIQHook
from airflow_provider_localiq.hooks.rate_limit import TokenBucket

if TYPE_CHECKING:
    from collections.abc import Callable


def test_get_advertisers_walks_every_page(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(identity_page_size=2)
    hook = make_hook(sandbox.url)

    advertisers = hook.get_advertisers()

    assert [a["gmaid"] for a in advertisers] == [
        "USA_100001",
        "USA_100002",
        "USA_100003",
        "USA_100090",
        "USA_100091",
    ]
    assert sandbox.control.count("/identities/v3") == 3


def test_get_report_sends_inclusive_iso_dates(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)

    document = hook.get_report("lead_detail", "USA_100001", date(2026, 11, 1), "2026-11-03")

    (record,) = [r for r in localiq_sandbox.control.requests if r.path.startswith("/client_reports/")]
    assert record.query["start_date"] == "2026-11-01"
    assert record.query["end_date"] == "2026-11-03"
    assert [row["start_date"] for row in document["report_data"]["totals_per_interval"]] == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ]


def test_paged_keyword_report_is_joined(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(keyword_page_size=3)
    hook = make_hook(sandbox.url)

    document = hook.get_report("keyword", "USA_100001", "2026-11-01", "2026-11-07")

    total = document["report_data"]["totals"]["keywords"]
    assert total > 3
    assert len(document["report_data"]["keywords"]) == total
    assert sandbox.control.count("/client_reports/keyword/USA_100001") == -(-total // 3)


@pytest.mark.parametrize("workers", [1, 4], ids=["sequential", "concurrent"])
def test_iter_contacts_returns_every_record_in_order(
    workers: int, localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(crm_page_size=4, contacts_per_day=5)
    hook = make_hook(sandbox.url, max_workers=workers)

    contacts = list(hook.iter_contacts("USA_100001", "2026-11-01", "2026-11-05"))

    assert len(contacts) == 20
    assert len({c["id"] for c in contacts}) == 20
    assert sandbox.control.rows_served("crm_contacts") == 20
    assert sandbox.control.count("/crm/contacts") == 5
    created = [c["created_at"] for c in contacts]
    assert created == list(contacts_sorted_as_served(sandbox, hook))


def contacts_sorted_as_served(sandbox: Any, hook: LocalIQHook) -> list[str]:
    """The order a plain sequential walk sees, for comparison."""
    sequential = LocalIQHook(
        hook.localiq_conn_id, retry_policy=hook.retry_policy, token_store=hook.token_store
    )
    return [c["created_at"] for c in sequential.iter_contacts("USA_100001", "2026-11-01", "2026-11-05")]


def test_iter_contact_interactions_keeps_nested_documents(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)

    interactions = list(hook.iter_contact_interactions("USA_100001", "2026-11-01", "2026-11-03"))

    assert interactions
    assert {i["event_type"] for i in interactions} <= {"call", "form", "chat"}
    assert all("contact" in i for i in interactions)
    assert len(interactions) == localiq_sandbox.control.rows_served(
        "crm_contact_interactions", "contact_interactions[]"
    )


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("repeat", "points at page 1 again"),
        ("end_early", "next-page link is missing"),
        ("change_filters", "changes the filters"),
    ],
)
def test_broken_next_links_raise_instead_of_looping(
    fault: str, message: str, localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(crm_page_size=4, contacts_per_day=5, pagination_fault=fault)
    hook = make_hook(sandbox.url)

    with pytest.raises(LocalIQPaginationError, match=message):
        list(hook.iter_contacts("USA_100001", "2026-11-01", "2026-11-05"))

    assert sandbox.control.count("/crm/contacts") <= 2


def test_more_pages_than_the_bound_raise(
    localiq_sandbox_factory: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    sandbox = localiq_sandbox_factory(crm_page_size=2, contacts_per_day=5)
    hook = make_hook(sandbox.url)
    hook.max_pages = 3

    with pytest.raises(LocalIQPaginationError, match="more than the bound of 3"):
        list(hook.iter_contacts("USA_100001", "2026-11-01", "2026-11-03"))


def test_links_to_another_host_are_refused(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    hook = make_hook(localiq_sandbox.url)

    with pytest.raises(LocalIQInputError, match="refusing to send credentials"):
        hook.request("GET", "https://elsewhere.example.com/crm/contacts?page=2")

    assert localiq_sandbox.control.count() == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.get_report("lead_detail", "usa-1", "2026-11-01", "2026-11-02"), "gmaid"),
        (lambda h: h.get_report("lead_detail", "USA_1", "2026-11-05", "2026-11-02"), "end_date"),
        (lambda h: h.get_report("lead_detail", "USA_1", "2026-13-01", "2026-11-02"), "start_date"),
        (lambda h: h.get_report("lead_detail", "USA_1", "2026-11-01", None), "end_date"),
        (
            lambda h: h.get_report(
                "lead_detail", "USA_1", "2026-11-01", "2026-11-02", campaign_cycle="USA_5"
            ),
            "campaign_cycle",
        ),
        (lambda h: h.get_report("Lead Detail", "USA_1"), "report"),
        (lambda h: list(h.iter_contacts("USA_1", "2026-11-02", "2026-11-02")), "created_before"),
    ],
    ids=[
        "bad-gmaid",
        "end-before-start",
        "invalid-date",
        "half-range",
        "dates-and-cycle",
        "bad-report",
        "empty-window",
    ],
)
def test_bad_arguments_fail_before_any_request(
    call: Callable[[LocalIQHook], Any],
    field: str,
    localiq_sandbox: Any,
    make_hook: Callable[..., LocalIQHook],
) -> None:
    hook = make_hook(localiq_sandbox.url)

    with pytest.raises(LocalIQInputError) as caught:
        call(hook)

    assert caught.value.field == field
    assert localiq_sandbox.control.count() == 0


def test_test_connection_with_password_calls_identity(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    ok, message = make_hook(localiq_sandbox.url).test_connection()

    assert ok, message
    assert "5 advertisers" in message
    assert localiq_sandbox.control.count("/identities/v3") == 1


def test_test_connection_never_consumes_a_refresh_token(
    localiq_sandbox: Any, make_hook: Callable[..., LocalIQHook]
) -> None:
    token = localiq_sandbox.control.issue_refresh_token()
    hook = make_hook(localiq_sandbox.url, login=None, password=None, refresh_token=token)

    ok, message = hook.test_connection()

    assert ok
    assert "single use" in message
    assert localiq_sandbox.control.count() == 0
    assert localiq_sandbox.control.is_refresh_token_valid(token)


def test_test_connection_reports_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_BROKEN",
        '{"conn_type": "localiq", "login": "a@example.com", "password": "pw", "extra": {"client_id": "x"}}',
    )

    ok, message = LocalIQHook("broken").test_connection()

    assert not ok
    assert "client_secret" in message


def test_token_bucket_spaces_requests_to_the_rate() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(20, clock=lambda: now[0], sleep=sleep)
    for _ in range(41):
        bucket.acquire()

    assert 2.0 <= now[0] <= 2.1


def test_token_bucket_keeps_its_spacing_when_every_thread_wakes_up_late() -> None:
    """A stall of the whole process (a garbage collection, say) must not release a burst."""
    started = time.monotonic()
    stall_end = started + 0.3

    def stalling_sleep(seconds: float) -> None:
        time.sleep(seconds)
        # Every thread that wakes during the stall resumes only when it ends, as under a pause.
        time.sleep(max(0.0, stall_end - time.monotonic()))

    bucket = TokenBucket(20, sleep=stalling_sleep)
    sent: list[float] = []
    lock = threading.Lock()

    def send() -> None:
        bucket.acquire()
        with lock:
            sent.append(time.monotonic())

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent.sort()
    gaps = [later - earlier for earlier, later in zip(sent, sent[1:], strict=False)]
    # Without giving up the missed slots, five threads would send together at the stall's end.
    assert min(gaps) >= 0.8 / 20, [round(gap, 3) for gap in gaps]
