"""The search campaign report, ``/client_reports/search_activity/{gmaid}``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import (
    DayRow,
    ReportContext,
    add_rows,
    campaign_intervals,
    cycle_header,
    cycle_windows,
    date_or_none,
    totals_per_interval,
)
from airflow_provider_localiq.sandbox.documents.params import parse_bool, parse_interval_size, parse_window
from airflow_provider_localiq.sandbox.generators.calendar import split
from airflow_provider_localiq.sandbox.generators.metrics import daily, money, ratio
from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

DEVICES = ("mobile", "desktop", "tablet")
COUNTS = ("impressions", "clicks", "calls", "emails", "web_events", "qualified_web_events", "chats")
TOP_SEARCH_FIELDS = (
    "search_impression_share",
    "top_search_impression_share",
    "absolute_top_search_impression_share",
    "rank_lost_absolute_top_search_impression_share",
    "budget_lost_absolute_top_search_impression_share",
)


def build(context: ReportContext) -> dict[str, Any]:
    """Return the search report for the requested window."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates_or_cycle", context.today, ("search",))
    size = parse_interval_size(query, ("day", "calendar_week", "calendar_month"), "day")
    include_cycles = parse_bool(query, "include_cycles")
    intervals = split(window.start, window.end, size)

    def day_row(campaign: Campaign, day: date) -> DayRow:
        return _day_row(context, campaign, day)

    campaigns = []
    for campaign in window.campaigns:
        document = _campaign_header(context, campaign)
        top_search = _top_search(context, campaign)
        if include_cycles:
            document["cycles"] = [
                {
                    **cycle_header(cycle),
                    "intervals": [
                        _interval(interval.start, row, top_search)
                        for interval, row in campaign_intervals(campaign, cycle_intervals, day_row)
                    ],
                }
                for cycle, cycle_intervals in cycle_windows(campaign, window.start, window.end, size)
            ]
        else:
            document["intervals"] = [
                _interval(interval.start, row, top_search)
                for interval, row in campaign_intervals(campaign, intervals, day_row)
            ]
        document.update(top_search)
        campaigns.append(document)

    per_interval = totals_per_interval(window.campaigns, intervals, day_row)
    totals = add_rows(row for _, row in per_interval)
    return {
        **context.classic_header("search_activity", window.start, window.end),
        "interval_size": size,
        "currency": context.advertiser.currency,
        "report_data": {
            "campaigns": campaigns,
            "totals": _totals(context, totals, window.campaigns),
            "totals_per_interval": [_plain_interval(interval.start, row) for interval, row in per_interval],
        },
        "global_master_advertiser_id": context.gmaid,
    }


def _day_row(context: ReportContext, campaign: Campaign, day: date) -> DayRow:
    metrics = daily(context.seed, context.gmaid, campaign, day)
    stream = Stream(context.seed, "search-devices", context.gmaid, campaign.gmcid, day.toordinal())
    row: DayRow = {name: getattr(metrics, name) for name in COUNTS}
    row["spend_cents"] = metrics.spend_cents
    for name in ("impressions", "clicks"):
        value = row[name]
        mobile = value * stream.between(70, 92) // 100
        desktop = (value - mobile) * stream.between(60, 100) // 100
        row[f"{name}_mobile"], row[f"{name}_desktop"] = mobile, desktop
        row[f"{name}_tablet"] = value - mobile - desktop
    return row


def _plain_interval(start: date, row: DayRow) -> dict[str, Any]:
    return {
        "start_date": start.isoformat(),
        "impressions": row.get("impressions", 0),
        "impression_share": 0,
        "leads": _leads(row),
        "clicks": row.get("clicks", 0),
        "chats": float(row.get("chats", 0)),
        "calls": row.get("calls", 0),
        "web_events": row.get("web_events", 0),
        "qualified_web_events": row.get("qualified_web_events", 0),
        "emails": row.get("emails", 0),
        "spend": money(row.get("spend_cents", 0)),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
        "cpc": ratio(row.get("spend_cents", 0) / 100, row.get("clicks", 0)),
        "position": None,
    }


def _interval(start: date, row: DayRow, top_search: dict[str, float]) -> dict[str, Any]:
    document = _plain_interval(start, row)
    document["device_breakdowns"] = {
        "impression_share": dict.fromkeys(DEVICES, 0),
        "impressions": {device: row[f"impressions_{device}"] for device in DEVICES},
        "clicks": {device: row[f"clicks_{device}"] for device in DEVICES},
    }
    document.update(top_search)
    return document


def _campaign_header(context: ReportContext, campaign: Campaign) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": campaign.name,
        "global_master_campaign_id": campaign.gmcid,
        "start_date": campaign.start.isoformat(),
        "end_date": date_or_none(campaign.end),
        "type": campaign.kind,
        "status": campaign.status,
    }
    if campaign.bidding_pricing_model_id is not None:
        document["bidding_pricing_model_id"] = campaign.bidding_pricing_model_id
    return document


def _top_search(context: ReportContext, campaign: Campaign) -> dict[str, float]:
    """Impression-share fields, which only top search campaigns (bidding model 8) report."""
    if campaign.bidding_pricing_model_id != 8:
        return {}
    stream = Stream(context.seed, "top-search", context.gmaid, campaign.gmcid)
    return {name: round(stream.between(40, 100) / 100, 2) for name in TOP_SEARCH_FIELDS}


def _totals(context: ReportContext, row: DayRow, campaigns: tuple[Campaign, ...]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "impressions": row.get("impressions", 0),
        "clicks": row.get("clicks", 0),
        "chats": float(row.get("chats", 0)),
        "calls": row.get("calls", 0),
        "web_events": row.get("web_events", 0),
        "qualified_web_events": row.get("qualified_web_events", 0),
        "emails": row.get("emails", 0),
        "leads": _leads(row),
        "spend": money(row.get("spend_cents", 0)),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
        "cpc": ratio(row.get("spend_cents", 0) / 100, row.get("clicks", 0)),
        "device_breakdowns": {
            name: {
                device: {
                    "total": row.get(f"{name}_{device}", 0),
                    "percent": ratio(row.get(f"{name}_{device}", 0), row.get(name, 0), 100),
                }
                for device in ("desktop", "mobile", "tablet")
            }
            for name in ("impressions", "clicks")
        },
        "position": None,
    }
    top_search = [campaign for campaign in campaigns if campaign.bidding_pricing_model_id == 8]
    if top_search:
        document.update(_top_search(context, top_search[0]))
    return document


def _leads(row: DayRow) -> int:
    return (
        row.get("calls", 0) + row.get("emails", 0) + row.get("qualified_web_events", 0) + row.get("chats", 0)
    )
