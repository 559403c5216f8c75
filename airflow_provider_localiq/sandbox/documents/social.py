"""The social ads report, ``/client_reports/facebook_campaign/{gmaid}``.

Missing metrics are 0, except the offline-conversion fields, ``cpsc`` and ``roas``, which are
left out; ``frequency`` appears on daily intervals only. Keys keep the API's awkward spelling
(``leadgen.other``, ``age_65+_gender_unknown``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import (
    DayRow,
    DayRowFunction,
    ReportContext,
    add_rows,
    campaign_intervals,
    cycle_header,
    cycle_windows,
    date_or_none,
    totals_per_interval,
)
from airflow_provider_localiq.sandbox.documents.params import (
    parse_bool,
    parse_choice,
    parse_interval_size,
    parse_window,
)
from airflow_provider_localiq.sandbox.generators.calendar import Interval, split
from airflow_provider_localiq.sandbox.generators.metrics import daily, money, ratio
from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

_ENGAGEMENT = (
    "call_to_action_clicks",
    "social_clicks",
    "social_reach",
    "website_clicks",
    "inline_link_clicks",
    "link_click",
    "page_engagement",
    "like",
    "post_engagement",
    "comment",
    "post",
    "post_reaction",
    "checkin",
    "action_reaction",
    "leadgen.other",
    "video_p100_watched_actions",
)
_BREAKDOWN_KEYS = (
    "age_18-24_gender_male",
    "age_18-24_gender_female",
    "age_25-34_gender_female",
    "age_35-44_gender_male",
    "age_65+_gender_unknown",
    "age_Unknown_gender_unknown",
)
_DEVICE_KEYS = ("device_desktop", "device_iphone", "device_android_smartphone")


def build(context: ReportContext) -> dict[str, Any]:
    """Return the social ads report for the requested window or cycle."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates_or_cycle", context.today, ("facebook",))
    size = parse_interval_size(query, ("day", "calendar_week", "calendar_month"), "day")
    include_cycles = parse_bool(query, "include_cycles")
    parse_choice(query, "focus", ("goal",), "goal")
    intervals = split(window.start, window.end, size)
    offline = context.advertiser.number % 2 == 1

    def day_row(campaign: Campaign, day: date) -> DayRow:
        return _day_row(context, campaign, day, offline)

    campaigns = []
    for campaign in window.campaigns:
        document: dict[str, Any] = {
            "name": campaign.name,
            "global_master_campaign_id": campaign.gmcid,
            "start_date": campaign.start.isoformat(),
            "end_date": date_or_none(campaign.end),
            "type": campaign.kind,
            "status": campaign.status,
            "goals": campaign.goal_documents(),
        }
        if include_cycles:
            document["cycles"] = [
                {
                    **cycle_header(cycle),
                    "intervals": _intervals(context, campaign, cycle_intervals, day_row, size),
                }
                for cycle, cycle_intervals in cycle_windows(campaign, window.start, window.end, size)
            ]
        else:
            document["intervals"] = _intervals(context, campaign, intervals, day_row, size)
        campaigns.append(document)

    per_interval = totals_per_interval(window.campaigns, intervals, day_row)
    totals = add_rows(row for _, row in per_interval)
    return {
        **context.classic_header("facebook_campaign", window.start, window.end),
        "interval_size": size,
        "currency": context.advertiser.currency,
        "report_data": {
            "campaigns": campaigns,
            "totals": _totals(context, totals, (window.end - window.start).days + 1),
            "totals_per_interval": [_summary(interval, row) for interval, row in per_interval],
        },
        "global_master_advertiser_id": context.gmaid,
    }


def _day_row(context: ReportContext, campaign: Campaign, day: date, offline: bool) -> DayRow:
    metrics = daily(context.seed, context.gmaid, campaign, day)
    stream = Stream(context.seed, "social", context.gmaid, campaign.gmcid, day.toordinal())
    reach = metrics.impressions * stream.between(55, 95) // 100
    row: DayRow = {
        "impressions": metrics.impressions,
        "clicks": metrics.clicks,
        "reach": reach,
        "social_impressions": metrics.impressions * stream.between(5, 20) // 100,
        "spend_cents": metrics.spend_cents,
        "leads": metrics.leads,
    }
    for name in _ENGAGEMENT:
        row[name] = (
            0 if name == "leadgen.other" and stream.chance(0.8) else stream.between(0, max(1, metrics.clicks))
        )
    if offline:
        purchases = stream.between(0, 2)
        row["offline_conversion_purchases"] = purchases
        row["offline_conversion_purchases_value_cents"] = purchases * stream.between(2_000, 15_000)
    return row


def _intervals(
    context: ReportContext,
    campaign: Campaign,
    intervals: list[Interval],
    day_row: DayRowFunction,
    size: str,
) -> list[dict[str, Any]]:
    documents = []
    for interval, row in campaign_intervals(campaign, intervals, day_row):
        stream = Stream(
            context.seed, "social-video", context.gmaid, campaign.gmcid, interval.start.toordinal()
        )
        document: dict[str, Any] = {
            "start_date": interval.start.isoformat(),
            "impressions": row["impressions"],
        }
        document["call_to_action_clicks"] = row["call_to_action_clicks"]
        document["clicks"] = row["clicks"]
        document["social_clicks"] = row["social_clicks"]
        document["reach"] = row["reach"]
        document["social_reach"] = row["social_reach"]
        document["social_impressions"] = row["social_impressions"]
        for name in _ENGAGEMENT[3:15]:
            document[name] = row[name]
        if size == "day":
            document["frequency"] = ratio(row["impressions"], row["reach"])
        document["spend"] = money(row["spend_cents"])
        document["video_p100_watched_actions"] = row["video_p100_watched_actions"]
        document["video_avg_percent_watched_actions"] = stream.between(20, 95)
        document.update(_offline(row))
        document["leads"] = row["leads"]
        document.update(_rates(row))
        documents.append(document)
    return documents


def _offline(row: DayRow) -> dict[str, Any]:
    if "offline_conversion_purchases" not in row:
        return {}
    return {
        "offline_conversion_purchases": row["offline_conversion_purchases"],
        "offline_conversion_purchases_value": money(row["offline_conversion_purchases_value_cents"]),
    }


def _rates(row: DayRow) -> dict[str, Any]:
    spend = row.get("spend_cents", 0) / 100
    rates: dict[str, Any] = {
        "cpc": ratio(spend, row.get("clicks", 0)),
        "cpm": ratio(spend, row.get("impressions", 0), 1000),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
    }
    if row.get("social_clicks"):
        rates["cpsc"] = ratio(spend, row["social_clicks"])
    if "offline_conversion_purchases_value_cents" in row and spend:
        rates["roas"] = ratio(row["offline_conversion_purchases_value_cents"] / 100, spend, 100)
    return rates


def _summary(interval: Interval, row: DayRow) -> dict[str, Any]:
    spend = row.get("spend_cents", 0) / 100
    return {
        "start_date": interval.start.isoformat(),
        "impressions": row.get("impressions", 0),
        "clicks": row.get("clicks", 0),
        "reach": row.get("reach", 0),
        "leadgen.other": row.get("leadgen.other", 0),
        "spend": money(row.get("spend_cents", 0)),
        "leads": row.get("leads", 0),
        "cpc": ratio(spend, row.get("clicks", 0)),
        "cpm": ratio(spend, row.get("impressions", 0), 1000),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
    }


def _breakdown(context: ReportContext, name: str, value: int) -> dict[str, float]:
    """Split ``value`` over age/gender keys and, separately, over device keys."""
    stream = Stream(context.seed, "social-breakdown", context.gmaid, name)
    result: dict[str, float] = {}
    for keys in (_BREAKDOWN_KEYS, _DEVICE_KEYS):
        weights = [stream.between(1, 10) for _ in keys]
        remaining = value
        for index, key in enumerate(keys):
            part = remaining if index == len(keys) - 1 else value * weights[index] // sum(weights)
            result[key] = float(part)
            remaining -= part
    return result


def _totals(context: ReportContext, row: DayRow, days: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "impressions_breakdown": _breakdown(context, "impressions", row.get("impressions", 0)),
        "clicks_breakdown": _breakdown(context, "clicks", row.get("clicks", 0)),
        "reach_breakdown": _breakdown(context, "reach", row.get("reach", 0)),
        "leads": row.get("leads", 0),
        "impressions": row.get("impressions", 0),
        "call_to_action_clicks": row.get("call_to_action_clicks", 0),
        "clicks": row.get("clicks", 0),
        "social_clicks": row.get("social_clicks", 0),
        "reach": float(row.get("reach", 0)),
        "social_reach": row.get("social_reach", 0),
        "social_impressions": row.get("social_impressions", 0),
    }
    for name in _ENGAGEMENT[3:15]:
        document[name] = row.get(name, 0)
    document["spend"] = money(row.get("spend_cents", 0))
    document["video_p100_watched_actions"] = row.get("video_p100_watched_actions", 0)
    document.update(_offline(row))
    document.update(_rates(row))
    document["average_daily_reach"] = ratio(row.get("reach", 0), days)
    return document
