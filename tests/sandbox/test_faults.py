"""Enforcement and injected faults: rate limit, scripted and random failures, latency, runtime changes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
import requests

from tests.sandbox.client import NOT_AUTHORIZED, TOO_MANY_REQUESTS, Api

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_localiq.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

REPORT = "/client_reports/campaigns_totals/USA_100001"


def burst(api: Api, count: int) -> list[requests.Response]:
    """Send ``count`` requests from four threads as fast as the server takes them."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: api.get(REPORT), range(count)))


def wait_for_fresh_window() -> None:
    """Start at the beginning of a wall-clock second, so a burst fits in one or two windows."""
    time.sleep(1 - time.time() % 1 + 0.01)


def test_burst_over_the_limit_gets_429_with_the_exact_body(api: Api, localiq_sandbox: Sandbox) -> None:
    wait_for_fresh_window()

    responses = burst(api, 45)

    statuses = [response.status_code for response in responses]
    limited = [response for response in responses if response.status_code == 429]
    assert set(statuses) == {200, 429}
    assert statuses.count(200) <= 40
    assert all(response.content == TOO_MANY_REQUESTS for response in limited)
    assert all("Retry-After" not in response.headers for response in limited)
    assert localiq_sandbox.control.http_429_sent == len(limited)
    assert localiq_sandbox.control.count(REPORT, status=429) == len(limited)


def test_limit_counts_fixed_one_second_windows(api: Api) -> None:
    wait_for_fresh_window()
    first = [api.get(REPORT).status_code for _ in range(20)]
    over = api.get(REPORT).status_code

    wait_for_fresh_window()
    after = api.get(REPORT).status_code

    assert first == [200] * 20
    assert (over, after) == (429, 200)


def test_retry_after_header_when_configured(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = localiq_sandbox_factory(retry_after=2, rate_limit=3)
    api = Api(sandbox.url).sign_in()
    wait_for_fresh_window()

    responses = [api.get(REPORT) for _ in range(5)]

    limited = [response for response in responses if response.status_code == 429]
    assert limited
    assert all(response.headers["Retry-After"] == "2" for response in limited)


def test_rate_limit_zero_disables_it_and_can_change_at_runtime(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.configure(rate_limit=0)
    wait_for_fresh_window()
    assert {response.status_code for response in burst(api, 60)} == {200}

    localiq_sandbox.control.configure(rate_limit=2)
    wait_for_fresh_window()
    assert [api.get(REPORT).status_code for _ in range(3)] == [200, 200, 429]


def test_scripted_sequence_is_consumed_in_order(localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.configure(slow_seconds=2)
    api = Api(localiq_sandbox.url).sign_in()
    localiq_sandbox.control.script(REPORT, [503, 502, "drop", "malformed", "slow", 200, 429, 403])

    outcomes: list[object] = []
    for _ in range(9):
        try:
            response = api.session.get(
                f"{localiq_sandbox.url}{REPORT}", headers={"Authorization": api.access_token}, timeout=1
            )
        except requests.exceptions.Timeout:
            outcomes.append("timeout")
            continue
        except requests.exceptions.RequestException as err:
            outcomes.append(type(err).__name__)
            continue
        try:
            response.json()
            outcomes.append(response.status_code)
        except requests.exceptions.JSONDecodeError:
            outcomes.append(f"{response.status_code} malformed")

    assert outcomes == [503, 502, "ChunkedEncodingError", "200 malformed", "timeout", 200, 429, 403, 200]
    records = localiq_sandbox.control.requests[1:]
    assert [record.fault for record in records][:5] == ["503", "502", "drop", "malformed", "slow"]
    assert records[2].status is None
    assert localiq_sandbox.control.http_429_sent == 1


def test_drop_announces_more_body_than_it_sends(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script(REPORT, ["drop"])

    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        api.get(REPORT)

    assert api.get(REPORT).status_code == 200
    assert localiq_sandbox.control.rows_served("campaigns_totals") == 1


def test_malformed_is_a_complete_200_with_truncated_json(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script(REPORT, ["malformed"])

    response = api.get(REPORT)

    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.content))
    assert response.content.startswith(b'{"report_type":"campaigns_totals"')
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()
    assert localiq_sandbox.control.rows_served("campaigns_totals") == 0


def test_scripted_error_statuses_use_documented_bodies(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script("/client_reports", [403, 500])

    forbidden = api.get(REPORT)
    server_error = api.get(
        "/client_reports/lead_detail/USA_100001", start_date="2024-03-01", end_date="2024-03-01"
    )

    assert forbidden.content == NOT_AUTHORIZED
    assert server_error.status_code == 500
    assert server_error.json() == {"name": "internal_server_error", "message": "Internal Server Error"}


def test_script_matches_path_prefixes_on_segment_boundaries(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script("/client_reports/campaigns", [503])

    other = api.get("/client_reports/campaigns_totals/USA_100001")
    listing = api.get("/client_reports/campaigns/USA_100001", report_type="keyword")

    assert (other.status_code, listing.status_code) == (200, 503)


def test_script_on_the_token_endpoint(localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script("/oauth/token", [502, "ok"])
    api = Api(localiq_sandbox.url)

    assert [api.token().status_code, api.token().status_code] == [502, 200]
    assert localiq_sandbox.control.tokens_issued == 1


def test_invalid_script_steps_are_refused(localiq_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        localiq_sandbox.control.script(REPORT, ["explode"])
    with pytest.raises(ValueError, match="HTTP status"):
        localiq_sandbox.control.script(REPORT, [42])
    with pytest.raises(ValueError, match="start with '/'"):
        localiq_sandbox.control.script("client_reports", [500])


def test_random_errors_follow_the_seed(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    def statuses(seed: int) -> list[int]:
        sandbox = localiq_sandbox_factory(
            rate_limit=0,
            error_rate=0.4,
            error_statuses=[500, 503],
            fault_seed=seed,
            fault_paths=["/client_reports"],
        )
        api = Api(sandbox.url).sign_in()
        return [api.get(REPORT).status_code for _ in range(30)]

    first, again, other = statuses(7), statuses(7), statuses(8)

    assert first == again
    assert first != other
    assert set(first) == {200, 500, 503}
    assert 4 <= first.count(200) <= 26


def test_latency_delays_responses_without_serialising_them(
    localiq_sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = localiq_sandbox_factory(latency_ms=150, rate_limit=0)
    api = Api(sandbox.url).sign_in()
    sessions = threading.local()

    def one(_: int) -> int:
        if not hasattr(sessions, "api"):
            sessions.api = Api(sandbox.url, access_token=api.access_token)
        return int(sessions.api.get(REPORT).status_code)

    started = time.perf_counter()
    single = api.get(REPORT)
    single_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(40)))
    elapsed = time.perf_counter() - started

    assert single.status_code == 200
    assert single_ms >= 150
    assert statuses == [200] * 40
    assert 40 / elapsed >= 20, f"only {40 / elapsed:.1f} requests/second with 150 ms latency"


def test_jitter_adds_up_to_its_bound(localiq_sandbox_factory: Callable[..., Sandbox]) -> None:
    sandbox = localiq_sandbox_factory(latency_ms=20, jitter_ms=60, rate_limit=0)
    api = Api(sandbox.url).sign_in()

    for _ in range(8):
        api.get(REPORT)
    durations = [record.duration_ms or 0.0 for record in sandbox.control.requests[1:]]

    assert all(20 <= duration <= 120 for duration in durations)
    assert max(durations) - min(durations) > 5


def test_configure_rejects_unknown_and_invalid_settings(localiq_sandbox: Sandbox) -> None:
    control = localiq_sandbox.control
    with pytest.raises(ValueError, match="unknown sandbox settings"):
        control.configure(rate_limt=5)
    with pytest.raises(ValueError, match="rate_limit"):
        control.configure(rate_limit=-1)
    with pytest.raises(ValueError, match="host and port"):
        control.configure(port=1)
    with pytest.raises(ValueError, match="add up to at most 1"):
        control.configure(error_rate=0.7, drop_rate=0.5)
    assert control.config.rate_limit == 20


def test_configure_scripts_and_seed_at_runtime(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.configure(scripts={REPORT: [504]})

    assert api.get(REPORT).status_code == 504
    assert api.get(REPORT).status_code == 200


def test_reset_counters(api: Api, localiq_sandbox: Sandbox) -> None:
    localiq_sandbox.control.script(REPORT, [429])
    api.get(REPORT)
    api.get(REPORT)
    control = localiq_sandbox.control
    assert (control.count(), control.tokens_issued, control.http_429_sent) == (3, 1, 1)
    assert control.rows_served("campaigns_totals") == 1

    control.reset_counters()

    assert (control.count(), control.tokens_issued, control.http_429_sent) == (0, 0, 0)
    assert control.rows_served("campaigns_totals") == 0
    api.sign_in()
    assert control.tokens_issued == 1


def test_count_filters_by_method_and_status(api: Api, localiq_sandbox: Sandbox) -> None:
    api.get(REPORT)
    api.get("/identities/v3")

    control = localiq_sandbox.control
    assert control.count(method="POST") == 1
    assert control.count(method="get") == 2
    assert control.count("/identities", status=422) == 1
    assert control.count("/client_reports", status=200, method="GET") == 1
    assert control.requests[-1].query == {}
    assert control.requests[1].query == {}
