"""Lead metric reports: ``lead_detail`` and ``google_local_service_ads`` (LSA campaigns).

Lead detail counts come from the same daily campaign metrics as the campaign reports; each call
of a day gets a deterministic duration and hour, so the duration buckets and the weekday/hour
grid always add up to the call count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import DayRow, ReportContext, add_rows, date_or_none
from airflow_provider_localiq.sandbox.documents.params import parse_interval_size, parse_window
from airflow_provider_localiq.sandbox.generators.calendar import each_day, split
from airflow_provider_localiq.sandbox.generators.metrics import daily, money, ratio, total
from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DURATION_BUCKETS = (("0-29", 0, 29), ("30-59", 30, 59), ("60-119", 60, 119), ("120", 120, 10**9))
ALL_KINDS = ("search", "display", "gannett_display", "facebook", "chat", "lsa", "email")


def build_lead_detail(context: ReportContext) -> dict[str, Any]:
    """Return the lead detail report for the requested window or cycle."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates_or_cycle", context.today, ALL_KINDS)
    size = parse_interval_size(query, ("day", "calendar_week", "calendar_month"), "day")
    intervals = split(window.start, window.end, size)

    per_interval = [
        (interval, add_rows(_day_row(context, window.campaigns, day) for day in interval.days()))
        for interval in intervals
    ]
    totals = add_rows(row for _, row in per_interval)
    return {
        **context.classic_header("lead_detail", window.start, window.end),
        "interval_size": size,
        "report_data": {
            "totals_per_interval": [
                {
                    "start_date": interval.start.isoformat(),
                    **{
                        name: row.get(name, 0)
                        for name in ("calls", "emails", "web_events", "qualified_web_events", "chats")
                    },
                }
                for interval, row in per_interval
            ],
            "call_duration": [
                {"duration": label, "total": totals.get(f"duration_{label}", 0)}
                for label, _, _ in DURATION_BUCKETS
            ],
            "calls_by_time_and_day": _calls_by_time_and_day(totals),
            "totals": {
                "calls": totals.get("calls", 0),
                "unique_calls": totals.get("unique_calls", 0),
                "calls_connected": totals.get("calls_connected", 0),
                "average_call_length": ratio(totals.get("call_seconds", 0), totals.get("calls", 0)),
                "emails": totals.get("emails", 0),
                "web_events": totals.get("web_events", 0),
                "qualified_web_events": totals.get("qualified_web_events", 0),
                "chats": totals.get("chats", 0),
                "leads": sum(
                    totals.get(name, 0) for name in ("calls", "emails", "qualified_web_events", "chats")
                ),
            },
        },
        "global_master_advertiser_id": context.gmaid,
    }


def _day_row(context: ReportContext, campaigns: tuple[Campaign, ...], day: date) -> DayRow:
    metrics = total(daily(context.seed, context.gmaid, campaign, day) for campaign in campaigns)
    row: DayRow = {
        "calls": metrics.calls,
        "emails": metrics.emails,
        "web_events": metrics.web_events,
        "qualified_web_events": metrics.qualified_web_events,
        "chats": metrics.chats,
        "unique_calls": 0,
        "calls_connected": 0,
        "call_seconds": 0,
    }
    stream = Stream(context.seed, "calls", context.gmaid, day.toordinal())
    weekday = WEEKDAYS[day.weekday()]
    for _ in range(metrics.calls):
        seconds = stream.between(5, 420)
        hour = stream.between(7, 19)
        row["call_seconds"] += seconds
        row["unique_calls"] += 1 if stream.chance(0.9) else 0
        row["calls_connected"] += 1 if stream.chance(0.92) else 0
        label = next(label for label, low, high in DURATION_BUCKETS if low <= seconds <= high)
        row[f"duration_{label}"] = row.get(f"duration_{label}", 0) + 1
        row[f"{weekday}_{hour}"] = row.get(f"{weekday}_{hour}", 0) + 1
    return row


def _calls_by_time_and_day(totals: DayRow) -> dict[str, Any]:
    """The weekday/hour grid; only weekdays with calls appear, plus the largest cell as ``max``."""
    grid: dict[str, Any] = {}
    for weekday in WEEKDAYS:
        hours = {str(hour): totals.get(f"{weekday}_{hour}", 0) for hour in range(24)}
        if any(hours.values()):
            grid[weekday] = hours
    grid["max"] = max((count for hours in grid.values() for count in hours.values()), default=0)
    return grid


def build_lsa(context: ReportContext) -> dict[str, Any]:
    """Return the Local Services Ads campaign report; its rows are always daily."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates", context.today, ("lsa",))
    campaigns = []
    for campaign in window.campaigns:
        intervals = [
            _lsa_day(context, campaign, day)
            for day in each_day(window.start, window.end)
            if campaign.active_on(day)
        ]
        if not intervals:
            continue
        campaigns.append(
            {
                "name": campaign.name,
                "global_master_campaign_id": campaign.gmcid,
                "start_date": campaign.start.isoformat(),
                "end_date": date_or_none(campaign.end),
                "type": campaign.kind,
                "status": campaign.status,
                "goals": [],
                "weekly_budget": money(campaign.monthly_budget_cents * 7 // 30),
                "intervals": intervals,
            }
        )
    return {
        "report_type": "google_local_service_ads",
        "report_date": context.today.isoformat(),
        "start_date": window.start.isoformat(),
        "end_date": window.end.isoformat(),
        "currency": context.advertiser.currency,
        "global_master_advertiser_id": context.gmaid,
        "advertiser_name": context.advertiser.name,
        "report_data": {"campaigns": campaigns},
    }


def _lsa_day(context: ReportContext, campaign: Campaign, day: date) -> dict[str, Any]:
    metrics = daily(context.seed, context.gmaid, campaign, day)
    stream = Stream(context.seed, "lsa", context.gmaid, campaign.gmcid, day.toordinal())
    rating = Stream(context.seed, "lsa-rating", context.gmaid, campaign.gmcid).between(42, 49) / 10
    charged = stream.between(0, metrics.calls)
    return {
        "start_date": day.isoformat(),
        "rating_score": rating,
        "total_reviews": 40 + (day - campaign.start).days // 5,
        "charged_leads": charged,
        "phone_calls": metrics.calls,
        "total_cost": money(charged * 2_500),
    }
