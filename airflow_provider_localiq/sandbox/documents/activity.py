"""Lead activity reports: ``marketing_activity`` and ``chat_summary``.

Paid LocaliQ campaigns sit under ``campaigns``; organic and other traffic sits in one object per
bucket (``search``, ``direct``...), each listing only the intervals that had activity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import (
    DayRow,
    ReportContext,
    add_rows,
    campaign_intervals,
    date_or_none,
)
from airflow_provider_localiq.sandbox.documents.params import parse_interval_size, parse_window
from airflow_provider_localiq.sandbox.generators.calendar import Interval, split
from airflow_provider_localiq.sandbox.generators.metrics import daily
from airflow_provider_localiq.sandbox.generators.randomness import Stream, stable_seed

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.calendar import IntervalSize
    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

ACTIVITY = ("bookings", "sms", "visits", "chats", "calls", "forms")
BUCKET_ACTIVITY = {
    "search": 0.7,
    "social": 0.3,
    "direct": 0.9,
    "shopping": 0.05,
    "video": 0.05,
    "directory": 0.2,
    "marketplace": 0.0,
    "other": 0.2,
    "otherpaid": 0.1,
}
_CHANNELS = {
    "search": ("search", "social"),
    "display": ("display",),
    "facebook": ("social",),
    "chat": ("chat",),
}
CHAT_FIELDS = (
    "non_lead_chats",
    "total_chats",
    "chat_leads",
    "chat_sales",
    "chat_service",
    "chat_other",
    "call_connect",
)
SIZES: tuple[IntervalSize, ...] = ("day", "calendar_week", "calendar_month")


def build_marketing_activity(context: ReportContext) -> dict[str, Any]:
    """Return the marketing activity report for the requested range."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates", context.today, tuple(_CHANNELS))
    size = parse_interval_size(query, SIZES, "day")
    intervals = split(window.start, window.end, size)

    def day_row(campaign: Campaign, day: date) -> DayRow:
        return _campaign_day(context, campaign, day)

    report_data: dict[str, Any] = {"campaigns": []}
    grand_total: DayRow = {}
    for campaign in window.campaigns:
        rows = campaign_intervals(campaign, intervals, day_row)
        campaign_total = add_rows(row for _, row in rows)
        grand_total = add_rows((grand_total, campaign_total))
        report_data["campaigns"].append(
            {
                "global_master_campaign_id": campaign.gmcid,
                "campaign_name": campaign.name,
                "campaign_type": campaign.kind,
                "campaign_status": campaign.status,
                "organization": campaign.organization,
                "offer_id": 2000 + stable_seed(context.seed, "offer", campaign.offer_name) % 1000,
                "source": campaign.offer_name,
                "campaign_start_date": campaign.start.isoformat(),
                "campaign_end_date": date_or_none(campaign.end),
                "intervals": [_campaign_interval(interval, row, campaign) for interval, row in rows],
                "totals": _totals(campaign_total),
            }
        )

    for bucket, probability in BUCKET_ACTIVITY.items():
        rows = [
            (interval, add_rows(_bucket_day(context, bucket, probability, day) for day in interval.days()))
            for interval in intervals
        ]
        bucket_total = add_rows(row for _, row in rows)
        grand_total = add_rows((grand_total, bucket_total))
        report_data[bucket] = {
            "intervals": [
                {"start_date": interval.start.isoformat(), **{name: row.get(name, 0) for name in ACTIVITY}}
                for interval, row in rows
                if any(row.values())
            ],
            "totals": _totals(bucket_total),
        }
    report_data["totals"] = _totals(grand_total)
    return {
        **context.api_header("marketing_activity", window.start, window.end),
        "interval_size": size,
        "report_data": report_data,
        "global_master_advertiser_id": context.gmaid,
    }


def _campaign_day(context: ReportContext, campaign: Campaign, day: date) -> DayRow:
    metrics = daily(context.seed, context.gmaid, campaign, day)
    stream = Stream(context.seed, "activity", context.gmaid, campaign.gmcid, day.toordinal())
    values = {
        "bookings": stream.between(0, 1) if stream.chance(0.2) else 0,
        "sms": stream.between(0, 2) if stream.chance(0.3) else 0,
        "visits": metrics.clicks,
        "chats": metrics.chats,
        "calls": metrics.calls,
        "forms": metrics.qualified_web_events,
    }
    channels = _CHANNELS[campaign.kind]
    share = stream.between(70, 90)
    row: DayRow = dict(values)
    for name, value in values.items():
        first = value if len(channels) == 1 else value * share // 100
        row[f"{channels[0]}.{name}"] = first
        if len(channels) > 1:
            row[f"{channels[1]}.{name}"] = value - first
    return row


def _campaign_interval(interval: Interval, row: DayRow, campaign: Campaign) -> dict[str, Any]:
    return {
        "start_date": interval.start.isoformat(),
        **{name: row.get(name, 0) for name in ACTIVITY},
        "channels": {
            channel: {name: row.get(f"{channel}.{name}", 0) for name in ACTIVITY}
            for channel in _CHANNELS[campaign.kind]
        },
    }


def _bucket_day(context: ReportContext, bucket: str, probability: float, day: date) -> DayRow:
    stream = Stream(context.seed, "bucket", context.gmaid, bucket, day.toordinal())
    if not stream.chance(probability):
        return {}
    return {
        "bookings": 1 if stream.chance(0.03) else 0,
        "sms": 1 if stream.chance(0.05) else 0,
        "visits": stream.between(1, 40),
        "chats": 1 if stream.chance(0.15) else 0,
        "calls": stream.between(0, 2) if stream.chance(0.3) else 0,
        "forms": 1 if stream.chance(0.15) else 0,
    }


def _totals(row: DayRow) -> dict[str, int]:
    return {
        f"total_{name}": row.get(name, 0) for name in ("bookings", "sms", "visits", "calls", "chats", "forms")
    }


def build_chat_summary(context: ReportContext) -> dict[str, Any]:
    """Return the chat summary report for the requested range."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates", context.today, ("chat",))
    size = parse_interval_size(query, SIZES, "day")
    intervals = split(window.start, window.end, size)

    def day_row(campaign: Campaign, day: date) -> DayRow:
        metrics = daily(context.seed, context.gmaid, campaign, day)
        return _chat_split(
            Stream(context.seed, "chat", context.gmaid, campaign.gmcid, day.toordinal()), metrics.chats
        )

    campaigns = [
        {
            "global_master_campaign_id": campaign.gmcid,
            "campaign_name": campaign.name,
            "campaign_type": campaign.kind,
            "campaign_status": campaign.status,
            "organization": campaign.organization,
            "campaign_start_date": campaign.start.isoformat(),
            "campaign_end_date": date_or_none(campaign.end),
            "intervals": [
                {"start_date": interval.start.isoformat(), **{name: row[name] for name in CHAT_FIELDS}}
                for interval, row in campaign_intervals(campaign, intervals, day_row)
            ],
        }
        for campaign in window.campaigns
    ]
    report_data: dict[str, Any] = {"campaigns": campaigns}
    for bucket, probability in (("organic", 0.5), ("otherpaid", 0.1)):
        rows = [
            (interval, add_rows(_organic_chats(context, bucket, probability, day) for day in interval.days()))
            for interval in intervals
        ]
        report_data[bucket] = {
            "intervals": [
                {"start_date": interval.start.isoformat(), **{name: row[name] for name in CHAT_FIELDS}}
                for interval, row in rows
                if row
            ]
        }
    return {
        **context.api_header("chat_summary", window.start, window.end),
        "interval_size": size,
        "currency": context.advertiser.currency,
        "report_data": report_data,
        "global_master_advertiser_id": context.gmaid,
    }


def _organic_chats(context: ReportContext, bucket: str, probability: float, day: date) -> DayRow:
    stream = Stream(context.seed, "organic-chat", context.gmaid, bucket, day.toordinal())
    if not stream.chance(probability):
        return {}
    return _chat_split(stream, stream.between(1, 4))


def _chat_split(stream: Stream, total_chats: int) -> DayRow:
    """Split a chat count into the summary fields so that the parts add up to the whole."""
    non_lead = stream.between(0, min(2, total_chats))
    leads = total_chats - non_lead
    sales = stream.between(0, leads)
    service = stream.between(0, leads - sales)
    return {
        "non_lead_chats": non_lead,
        "total_chats": total_chats,
        "chat_leads": leads,
        "chat_sales": sales,
        "chat_service": service,
        "chat_other": leads - sales - service,
        "call_connect": stream.between(0, min(1, leads)),
    }
