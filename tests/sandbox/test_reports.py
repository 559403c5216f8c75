"""Client reports: document shapes, parameter rules, intervals that add up, and stable daily numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.sandbox.client import Api

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

GMAID = "USA_100001"
MARCH = {"start_date": "2024-03-01", "end_date": "2024-03-10"}


def report(api: Api, name: str, gmaid: str = GMAID, **params: Any) -> dict[str, Any]:
    document: dict[str, Any] = api.json(f"/client_reports/{name}/{gmaid}", **params)
    return document


def add(rows: list[dict[str, Any]], *names: str) -> dict[str, Any]:
    return {name: round(sum(row.get(name, 0) for row in rows), 2) for name in names}


SHAPES = [
    (
        "campaigns",
        {"report_type": "campaigns_overview"},
        {"advertiser_name", "advertiser_code", "report_campaigns"},
    ),
    ("campaigns_overview", {}, {"report_type", "report_date", "time_zone", "currency", "report_data"}),
    (
        "campaigns_totals",
        {},
        {"report_type", "report_date", "start_date", "end_date", "time_zone", "report_data"},
    ),
    (
        "lead_detail",
        MARCH,
        {"report_type", "earliest_date_available", "interval_size", "report_data", "time_zone"},
    ),
    ("marketing_activity", MARCH, {"api_name", "api_run_date", "interval_size", "report_data", "time_zone"}),
    ("chat_summary", MARCH, {"api_name", "api_run_date", "currency", "report_data", "time_zone"}),
    ("search_activity", MARCH, {"report_type", "earliest_date_available", "currency", "report_data"}),
    ("keyword", MARCH, {"report_type", "page", "page_size", "report_data", "time_zone"}),
    ("unified_display", MARCH, {"api_name", "advertiser_name", "interval_size", "currency", "report_data"}),
    ("facebook_campaign", MARCH, {"report_type", "interval_size", "currency", "report_data", "time_zone"}),
    (
        "google_local_service_ads",
        MARCH,
        {"report_type", "report_date", "currency", "advertiser_name", "report_data"},
    ),
]


@pytest.mark.parametrize(("name", "params", "keys"), SHAPES, ids=[shape[0] for shape in SHAPES])
def test_every_report_answers_with_its_documented_envelope(
    data_api: Api, name: str, params: dict[str, str], keys: set[str]
) -> None:
    document = report(data_api, name, **params)

    assert keys <= set(document)
    assert document["global_master_advertiser_id"] == GMAID
    if "time_zone" in keys:
        assert document["time_zone"] == "America/Los_Angeles"
    label = document.get("report_type") or document.get("api_name")
    assert name == "campaigns" or label == name


def test_lsa_report_has_no_time_zone_like_the_api(data_api: Api) -> None:
    document = report(data_api, "google_local_service_ads", **MARCH)

    assert "time_zone" not in document
    (campaign,) = document["report_data"]["campaigns"]
    assert [row["start_date"] for row in campaign["intervals"]][:2] == ["2024-03-01", "2024-03-02"]
    assert all(row["charged_leads"] <= row["phone_calls"] for row in campaign["intervals"])


def test_a_days_numbers_do_not_depend_on_the_range(data_api: Api) -> None:
    def day_row(start: str, end: str) -> dict[str, Any]:
        rows = report(data_api, "lead_detail", start_date=start, end_date=end)["report_data"][
            "totals_per_interval"
        ]
        return next(row for row in rows if row["start_date"] == "2024-03-05")

    def campaign_day(start: str, end: str) -> list[dict[str, Any]]:
        campaigns = report(data_api, "search_activity", start_date=start, end_date=end)["report_data"][
            "campaigns"
        ]
        return [row for c in campaigns for row in c["intervals"] if row["start_date"] == "2024-03-05"]

    assert (
        day_row("2024-03-05", "2024-03-05")
        == day_row("2024-03-01", "2024-03-10")
        == day_row("2024-02-20", "2024-03-31")
    )
    assert campaign_day("2024-03-05", "2024-03-05") == campaign_day("2024-02-01", "2024-03-30")


def test_other_seeds_and_advertisers_get_other_numbers(data_api: Api) -> None:
    first = report(data_api, "lead_detail", **MARCH)["report_data"]["totals"]
    second = report(data_api, "lead_detail", "USA_100002", **MARCH)["report_data"]["totals"]

    assert first != second


def test_lead_detail_parts_add_up(data_api: Api) -> None:
    data = report(data_api, "lead_detail", start_date="2024-02-01", end_date="2024-02-29")["report_data"]
    totals = data["totals"]

    counts = ("calls", "emails", "web_events", "qualified_web_events", "chats")
    assert add(data["totals_per_interval"], *counts) == {name: totals[name] for name in counts}
    assert sum(bucket["total"] for bucket in data["call_duration"]) == totals["calls"]
    grid = {day: hours for day, hours in data["calls_by_time_and_day"].items() if day != "max"}
    assert sum(sum(hours.values()) for hours in grid.values()) == totals["calls"]
    assert data["calls_by_time_and_day"]["max"] == max(v for hours in grid.values() for v in hours.values())
    assert (
        totals["leads"]
        == totals["calls"] + totals["emails"] + totals["qualified_web_events"] + totals["chats"]
    )
    assert totals["unique_calls"] <= totals["calls"]


@pytest.mark.parametrize(
    ("size", "start", "end", "labels"),
    [
        (
            "calendar_week",
            "2024-03-01",
            "2024-03-20",
            ["2024-03-01", "2024-03-04", "2024-03-11", "2024-03-18"],
        ),
        ("calendar_month", "2024-01-15", "2024-03-10", ["2024-01-15", "2024-02-01", "2024-03-01"]),
    ],
    ids=["weeks-start-monday", "calendar-months"],
)
def test_weeks_and_months_are_sums_of_days(
    data_api: Api, size: str, start: str, end: str, labels: list[str]
) -> None:
    daily = report(data_api, "lead_detail", start_date=start, end_date=end)["report_data"][
        "totals_per_interval"
    ]
    grouped = report(data_api, "lead_detail", start_date=start, end_date=end, interval_size=size)

    rows = grouped["report_data"]["totals_per_interval"]
    assert grouped["interval_size"] == size
    assert [row["start_date"] for row in rows] == labels
    for row, next_label in zip(rows, [*labels[1:], "9999-12-31"], strict=True):
        days = [day for day in daily if row["start_date"] <= day["start_date"] < next_label]
        assert add(days, "calls", "emails", "chats") == {
            name: row[name] for name in ("calls", "emails", "chats")
        }
    mondays = [date.fromisoformat(label) for label in labels[1:]]
    assert size != "calendar_week" or all(day.weekday() == 0 for day in mondays)


def test_search_intervals_add_up_to_totals(data_api: Api) -> None:
    data = report(
        data_api,
        "search_activity",
        start_date="2024-03-01",
        end_date="2024-03-31",
        interval_size="calendar_week",
    )["report_data"]
    counts = ("impressions", "clicks", "calls", "emails", "web_events", "leads", "spend")

    assert add(data["totals_per_interval"], *counts) == {name: data["totals"][name] for name in counts}
    per_campaign = [row for campaign in data["campaigns"] for row in campaign["intervals"]]
    assert add(per_campaign, *counts) == add(data["totals_per_interval"], *counts)
    for row in per_campaign:
        devices = row["device_breakdowns"]["impressions"]
        assert sum(devices.values()) == row["impressions"]
    breakdown = data["totals"]["device_breakdowns"]["clicks"]
    assert sum(part["total"] for part in breakdown.values()) == data["totals"]["clicks"]


def test_include_cycles_moves_intervals_under_cycles_with_the_same_sums(data_api: Api) -> None:
    plain = report(data_api, "search_activity", start_date="2024-03-01", end_date="2024-04-15")["report_data"]
    cycled = report(
        data_api, "search_activity", start_date="2024-03-01", end_date="2024-04-15", include_cycles="true"
    )["report_data"]

    for flat, nested in zip(plain["campaigns"], cycled["campaigns"], strict=True):
        assert "intervals" not in nested
        assert len(nested["cycles"]) >= 2
        rows = [row for cycle in nested["cycles"] for row in cycle["intervals"]]
        assert add(rows, "clicks", "spend") == add(flat["intervals"], "clicks", "spend")


def test_campaign_cycle_replaces_the_dates(data_api: Api) -> None:
    listing = report(data_api, "campaigns", report_type="search_activity")["report_campaigns"]
    campaign = next(c for c in listing if c["status"] == "running")
    cycle = campaign["cycles"][3]

    document = report(data_api, "search_activity", campaign_cycle=cycle["campaign_cycle"])

    assert (document["start_date"], document["end_date"]) == (cycle["start_date"], cycle["end_date"])
    (reported,) = document["report_data"]["campaigns"]
    assert reported["global_master_campaign_id"] == campaign["global_master_campaign_id"]
    assert reported["intervals"][0]["start_date"] == cycle["start_date"]


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("search_activity", {**MARCH, "campaign_cycle": "USA_10000111001"}, "campaign_cycle"),
        ("lead_detail", {"campaign_cycle": "USA_1"}, "campaign_cycle"),
        ("lead_detail", {}, "start_date"),
        ("lead_detail", {"start_date": "2024-03-01"}, "end_date"),
        ("lead_detail", {"start_date": "03/01/2024", "end_date": "2024-03-02"}, "start_date"),
        ("lead_detail", {"start_date": "2024-03-05", "end_date": "2024-03-01"}, "end_date"),
        ("lead_detail", {**MARCH, "interval_size": "hour"}, "interval_size"),
        ("unified_display", {}, "start_date"),
        ("unified_display", {**MARCH, "interval_size": "fortnight"}, "interval_size"),
        ("marketing_activity", {"end_date": "2024-03-01"}, "start_date"),
        ("keyword", {**MARCH, "page": "0"}, "page"),
        ("keyword", {**MARCH, "sort_by": "cost"}, "sort_by"),
        ("campaigns", {}, "report_type"),
        ("campaigns", {"report_type": "nonsense"}, "report_type"),
        ("search_activity", {**MARCH, "campaign_status[]": "paused"}, "campaign_status[]"),
    ],
    ids=[
        "cycle-with-dates",
        "unknown-cycle",
        "no-dates-no-cycle",
        "half-range",
        "us-date-format",
        "end-before-start",
        "bad-interval",
        "display-needs-dates",
        "display-bad-interval",
        "activity-needs-start",
        "keyword-page-zero",
        "keyword-bad-sort",
        "campaigns-needs-report-type",
        "campaigns-bad-report-type",
        "bad-campaign-status",
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    data_api: Api, name: str, params: dict[str, str], parameter: str
) -> None:
    response = data_api.get(f"/client_reports/{name}/{GMAID}", **params)

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["parameter"] == parameter
    assert body["message"]


def test_campaign_ids_reuse_the_platform_prefix_and_can_be_negative(data_api: Api) -> None:
    campaigns = report(data_api, "campaigns", report_type="campaigns_overview")["report_campaigns"]

    ids = [campaign["global_master_campaign_id"] for campaign in campaigns]
    assert len(ids) >= 6
    assert all(re.fullmatch(r"USA_-?\d+", item) for item in ids)
    assert any(item.startswith("USA_-") for item in ids)
    gannett = next(c for c in campaigns if c["organization"] == "gannett")
    assert all(cycle["campaign_cycle"].startswith("USA_-") for cycle in gannett["cycles"])
    assert [c["cycles"][-1]["end_date"] for c in campaigns if c["status"] == "running"].count(None) >= 5


def test_keyword_listing_has_no_cycles_and_filters_work(data_api: Api) -> None:
    keyword = report(data_api, "campaigns", report_type="keyword")["report_campaigns"]
    running = report(
        data_api, "campaigns", **{"report_type": "search_activity", "campaign_status[]": "running"}
    )

    assert keyword
    assert all("cycles" not in campaign for campaign in keyword)
    assert {c["status"] for c in running["report_campaigns"]} == {"running"}


def test_keyword_pages_cover_every_keyword_once(data_api: Api) -> None:
    first = report(data_api, "keyword", page_size=5, **MARCH)
    total = first["report_data"]["totals"]["keywords"]
    pages = [first] + [
        report(data_api, "keyword", page_size=5, page=page, **MARCH) for page in range(2, -(-total // 5) + 2)
    ]

    keywords = [row["keyword"] for page in pages for row in page["report_data"]["keywords"]]
    assert total > 5
    assert len(keywords) == len(set(keywords)) == total
    assert pages[-1]["report_data"]["keywords"] == []
    assert keywords == sorted(keywords)
    assert all(
        page["report_data"]["unattributed_keywords"] == first["report_data"]["unattributed_keywords"]
        for page in pages
    )
    assert (
        add([r for p in pages for r in p["report_data"]["keywords"]], "clicks")["clicks"]
        == first["report_data"]["totals"]["clicks"]
    )
    by_clicks = report(data_api, "keyword", sort_by="clicks", sort_dir="desc", page_size=100, **MARCH)
    clicks = [row["clicks"] for row in by_clicks["report_data"]["keywords"]]
    assert clicks == sorted(clicks, reverse=True)


def test_keyword_page_size_setting(localiq_sandbox_factory: Any) -> None:
    sandbox = localiq_sandbox_factory(keyword_page_size=3)

    document = report(Api(sandbox.url).sign_in(), "keyword", **MARCH)

    assert document["page_size"] == 3
    assert len(document["report_data"]["keywords"]) == 3


def test_unified_display_leaves_out_intervals_unless_asked(data_api: Api) -> None:
    plain = report(data_api, "unified_display", **MARCH)
    daily = report(data_api, "unified_display", interval_size="day", **MARCH)

    assert plain["interval_size"] == "none"
    assert "intervals" not in plain["report_data"]
    assert all(
        "intervals" not in c for c in plain["report_data"]["campaigns"] + plain["report_data"]["line_items"]
    )
    data = daily["report_data"]
    assert len(data["intervals"]) == 10
    assert isinstance(data["totals"]["clicks"], float)
    assert add(data["intervals"], "clicks", "impressions") == {
        "clicks": data["totals"]["clicks"],
        "impressions": data["totals"]["impressions"],
    }
    (campaign,) = data["campaigns"]
    assert add(campaign["intervals"], "clicks")["clicks"] == campaign["clicks"]
    assert add(campaign["creatives"], "clicks", "impressions") == {
        "clicks": campaign["clicks"],
        "impressions": campaign["impressions"],
    }
    assert any("creative_size" not in creative for creative in campaign["creatives"])
    (line_item,) = data["line_items"]
    assert line_item["organization"] == "gannett"
    assert data["totals"]["clicks"] == campaign["clicks"] + line_item["clicks"]


def test_social_report_omits_missing_offline_metrics(data_api: Api) -> None:
    with_offline = report(data_api, "facebook_campaign", **MARCH)["report_data"]
    without = report(data_api, "facebook_campaign", "USA_100002", **MARCH)["report_data"]
    weekly = report(data_api, "facebook_campaign", interval_size="calendar_week", **MARCH)["report_data"]

    assert all("offline_conversion_purchases" in row for row in with_offline["campaigns"][0]["intervals"])
    assert all("roas" not in row for row in without["campaigns"][0]["intervals"])
    assert "offline_conversion_purchases" not in without["totals"]
    assert all("frequency" in row for row in with_offline["campaigns"][0]["intervals"])
    assert all("frequency" not in row for row in weekly["campaigns"][0]["intervals"])
    assert "leadgen.other" in with_offline["totals_per_interval"][0]
    assert "age_65+_gender_unknown" in with_offline["totals"]["impressions_breakdown"]
    counts = ("impressions", "clicks", "spend", "leads")
    assert add(with_offline["totals_per_interval"], *counts) == {
        name: with_offline["totals"][name] for name in counts
    }


def test_marketing_activity_buckets_and_campaigns_add_up(data_api: Api) -> None:
    data = report(data_api, "marketing_activity", start_date="2024-03-01", end_date="2024-03-14")[
        "report_data"
    ]
    buckets = (
        "search",
        "social",
        "direct",
        "shopping",
        "video",
        "directory",
        "marketplace",
        "other",
        "otherpaid",
    )

    assert set(buckets) <= set(data)
    for campaign in data["campaigns"]:
        sums = add(campaign["intervals"], "visits", "calls", "chats")
        assert sums == {name: campaign["totals"][f"total_{name}"] for name in sums}
        for row in campaign["intervals"]:
            assert sum(channel["visits"] for channel in row["channels"].values()) == row["visits"]
    visits = sum(c["totals"]["total_visits"] for c in data["campaigns"]) + sum(
        data[b]["totals"]["total_visits"] for b in buckets
    )
    assert visits == data["totals"]["total_visits"]
    assert data["marketplace"]["intervals"] == []


def test_chat_summary_counts_are_consistent(data_api: Api) -> None:
    data = report(data_api, "chat_summary", **MARCH)["report_data"]

    rows = [row for campaign in data["campaigns"] for row in campaign["intervals"]] + data["organic"][
        "intervals"
    ]
    assert rows
    for row in rows:
        assert row["total_chats"] == row["non_lead_chats"] + row["chat_leads"]
        assert row["chat_leads"] == row["chat_sales"] + row["chat_service"] + row["chat_other"]


def test_fixed_windows_end_on_today(data_api: Api) -> None:
    overview = report(data_api, "campaigns_overview")
    totals = report(data_api, "campaigns_totals")

    assert (overview["start_date"], overview["end_date"]) == ("2023-06-30", "2024-06-30")
    assert (totals["start_date"], totals["end_date"]) == ("2024-05-31", "2024-06-30")
    last_30 = overview["report_data"]["totals"]
    leads = last_30["calls"] + last_30["emails"] + last_30["qualified_web_events"] + last_30["chats"]
    assert totals["report_data"]["leads"] == leads
    assert totals["report_data"]["campaigns"] == 7
    email = next(c for c in overview["report_data"]["campaigns"] if c["type"] == "email")
    assert all("impressions" not in cycle and "opens" in cycle for cycle in email["cycles"])


def test_rows_served_uses_endpoint_names(localiq_sandbox: Sandbox) -> None:
    api = Api(localiq_sandbox.url).sign_in()
    lsa = report(api, "google_local_service_ads", **MARCH)
    listing = report(api, "campaigns", report_type="campaigns_overview")
    detail = report(api, "lead_detail", **MARCH)
    control = localiq_sandbox.control

    intervals = sum(len(c["intervals"]) for c in lsa["report_data"]["campaigns"])
    assert control.rows_served("lsa_campaigns", "report_data.campaigns[].intervals[]") == intervals
    assert control.rows_served("lsa_campaigns") == intervals + len(lsa["report_data"]["campaigns"])
    assert control.rows_served("campaigns_and_cycles", "report_campaigns[]") == len(
        listing["report_campaigns"]
    )
    assert control.rows_served("lead_detail", "report_data.totals_per_interval[]") == 10
    assert control.rows_served("lead_detail", "report_data.call_duration[]") == len(
        detail["report_data"]["call_duration"]
    )
    assert control.rows_served("unified_display") == 0
    with pytest.raises(ValueError, match="no row list"):
        control.rows_served("lead_detail", "contacts[]")
    with pytest.raises(ValueError, match="unknown endpoint"):
        control.rows_served("google_local_service_ads")


def test_reports_cover_many_days_quickly(data_api: Api) -> None:
    end = date(2024, 6, 30)
    start = end - timedelta(days=365)

    document = report(data_api, "search_activity", start_date=start.isoformat(), end_date=end.isoformat())

    assert len(document["report_data"]["totals_per_interval"]) == 366
