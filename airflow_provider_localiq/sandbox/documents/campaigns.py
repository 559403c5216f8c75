"""Campaign listings: ``campaigns`` (campaigns and cycles), ``campaigns_overview`` and ``campaigns_totals``.

The overview and totals cover fixed windows that end on ``today``: totals over the last 30 days,
campaigns with activity in the last year.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import ReportContext, date_or_none
from airflow_provider_localiq.sandbox.documents.params import filter_campaigns
from airflow_provider_localiq.sandbox.errors import ParameterError
from airflow_provider_localiq.sandbox.generators.calendar import TIME_ZONE_NAME, each_day
from airflow_provider_localiq.sandbox.generators.metrics import daily, money, total

if TYPE_CHECKING:
    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign, Cycle
    from airflow_provider_localiq.sandbox.generators.metrics import DailyMetrics

REPORT_TYPE_KINDS: dict[str, tuple[str, ...]] = {
    "facebook_campaign": ("facebook",),
    "facebook_campaigns": ("facebook",),
    "display_activity": ("display", "gannett_display"),
    "unified_display": ("display", "gannett_display"),
    "search_activity": ("search",),
    "youtube": (),
    "campaigns_overview": ("search", "display", "gannett_display", "facebook", "chat", "lsa", "email"),
    "keyword": ("search",),
    "google_keyword": ("search",),
    "geofence_summary": ("gannett_display",),
    "cvt": ("search", "display"),
    "wpc": (),
    "addressable_geofence": ("gannett_display",),
}


def build_campaigns(context: ReportContext) -> dict[str, Any]:
    """Return the campaigns and cycles listing for ``report_type``."""
    report_type = context.query.get("report_type")
    if report_type not in REPORT_TYPE_KINDS:
        choices = ", ".join(REPORT_TYPE_KINDS)
        problem = "is required" if not report_type else f"must be one of {choices}, got {report_type!r}"
        raise ParameterError("report_type", f"report_type {problem}")
    kinds = REPORT_TYPE_KINDS[report_type]
    campaigns = filter_campaigns(
        context.query, tuple(item for item in context.campaigns if item.kind in kinds)
    )
    return {
        "advertiser_name": context.advertiser.name,
        "advertiser_code": re.sub(r"[^a-z0-9]+", "-", context.advertiser.name.lower()).strip("-"),
        "global_master_advertiser_id": context.gmaid,
        "report_campaigns": [
            _listing(campaign, with_cycles=report_type != "keyword") for campaign in campaigns
        ],
    }


def _listing(campaign: Campaign, *, with_cycles: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": campaign.name,
        "global_master_campaign_id": campaign.gmcid,
        "campaign_type": "display" if campaign.kind == "gannett_display" else campaign.kind,
        "organization": campaign.organization,
        "status": campaign.status,
    }
    if campaign.bidding_pricing_model_id is not None:
        document["bidding_pricing_model_id"] = campaign.bidding_pricing_model_id
    document.update(
        has_addressable_geofence=campaign.has_addressable_geofence,
        has_cvt=campaign.has_cvt,
        has_video=campaign.has_video,
        offer_name=campaign.offer_name,
    )
    if campaign.kind == "email":
        document["off_platform_activity"] = False
    if with_cycles:
        document["cycles"] = [
            {
                "campaign_cycle": cycle.campaign_cycle,
                "start_date": cycle.start.isoformat(),
                "end_date": date_or_none(cycle.end),
                "name": cycle.name,
            }
            for cycle in campaign.cycles
        ]
    if campaign.goals or campaign.kind == "search":
        document["goals"] = campaign.goal_documents()
    return document


def _running_last_30_days(context: ReportContext) -> tuple[list[Campaign], DailyMetrics]:
    """The running campaigns and their summed metrics over the last 30 days (the fixed windows)."""
    today = context.today
    running = [campaign for campaign in context.campaigns if campaign.status == "running"]
    summed = total(
        daily(context.seed, context.gmaid, campaign, day)
        for campaign in running
        for day in each_day(today - timedelta(days=30), today)
    )
    return running, summed


def build_overview(context: ReportContext) -> dict[str, Any]:
    """Return the overview: campaigns active in the last year, totals of the last 30 days."""
    today = context.today
    year_ago = _years_before(today)
    recent = [campaign for campaign in context.campaigns if _ran_between(campaign, year_ago, today)]
    _, last_30 = _running_last_30_days(context)
    return {
        "report_type": "campaigns_overview",
        "report_date": today.isoformat(),
        "start_date": year_ago.isoformat(),
        "end_date": today.isoformat(),
        "time_zone": TIME_ZONE_NAME,
        "currency": context.advertiser.currency,
        "report_data": {
            "campaigns": [_overview_campaign(context, campaign, year_ago) for campaign in recent],
            "totals": {
                "calls": last_30.calls,
                "chats": last_30.chats,
                "clicks": last_30.clicks,
                "emails": last_30.emails,
                "web_events": last_30.web_events,
                "impressions": last_30.impressions,
                "qualified_web_events": last_30.qualified_web_events,
            },
        },
        "global_master_advertiser_id": context.gmaid,
    }


def _overview_campaign(context: ReportContext, campaign: Campaign, since: date) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": campaign.name,
        "global_master_campaign_id": campaign.gmcid,
        "type": campaign.kind,
        "source": campaign.offer_name,
        "start_date": campaign.start.isoformat(),
        "end_date": date_or_none(campaign.end),
        "status": campaign.status,
    }
    if campaign.bidding_pricing_model_id is not None:
        document["bidding_pricing_model_id"] = campaign.bidding_pricing_model_id
    document["cycles"] = [
        _overview_cycle(context, campaign, cycle)
        for cycle in campaign.cycles
        if (cycle.end is None or cycle.end >= since) and cycle.start <= context.today
    ]
    return document


def _overview_cycle(context: ReportContext, campaign: Campaign, cycle: Cycle) -> dict[str, Any]:
    last_day = min(cycle.end or context.today, context.today)
    metrics = total(
        daily(context.seed, context.gmaid, campaign, day) for day in each_day(cycle.start, last_day)
    )
    budget = money(campaign.monthly_budget_cents)
    document: dict[str, Any] = {
        "campaign_cycle": cycle.campaign_cycle,
        "start_date": cycle.start.isoformat(),
        "end_date": date_or_none(cycle.end),
    }
    if campaign.kind != "email":
        document["impressions"] = metrics.impressions
    document["clicks"] = metrics.clicks
    document["leads"] = None if campaign.kind == "gannett_display" else metrics.leads
    document["spend"] = money(metrics.spend_cents)
    document["budget"] = budget
    if campaign.kind == "email":
        views = metrics.clicks * 20
        document.update(quantity=50_000, views=views, opens=views)
    return document


def build_totals(context: ReportContext) -> dict[str, Any]:
    """Return the running-campaign count and the leads of the last 30 days."""
    today = context.today
    month_ago = today - timedelta(days=30)
    running, last_30 = _running_last_30_days(context)
    return {
        "report_type": "campaigns_totals",
        "report_date": today.isoformat(),
        "start_date": month_ago.isoformat(),
        "end_date": today.isoformat(),
        "time_zone": TIME_ZONE_NAME,
        "report_data": {"campaigns": len(running), "leads": last_30.leads},
        "global_master_advertiser_id": context.gmaid,
    }


def _years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _ran_between(campaign: Campaign, start: date, end: date) -> bool:
    return campaign.start <= end and (campaign.end is None or campaign.end >= start)
