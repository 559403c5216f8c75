"""The keyword report, ``/client_reports/keyword/{gmaid}``, paged by ``page`` and ``page_size``.

The total number of keywords sits in ``report_data.totals.keywords``; there is no ``total_pages``.
``unattributed_keywords`` repeats on every page. Keywords with no impressions in the range are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.params import (
    filter_campaigns,
    parse_choice,
    parse_date,
    parse_positive_int,
)
from airflow_provider_localiq.sandbox.errors import ParameterError
from airflow_provider_localiq.sandbox.generators.calendar import each_day
from airflow_provider_localiq.sandbox.generators.metrics import ratio
from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.documents.context import ReportContext
    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

_MODIFIERS = ("emergency", "best", "affordable", "local")
_SERVICES = ("plumber", "water heater repair", "drain cleaning", "leak detection")
_PLACES = ("near me", "open now")
KEYWORDS = tuple(
    f"{modifier} {service} {place}" for modifier in _MODIFIERS for service in _SERVICES for place in _PLACES
)
TYPES = ("search", "display", "xmedia")


def build(context: ReportContext) -> dict[str, Any]:
    """Return one page of the keyword report."""
    query = context.query
    start, end = parse_date(query, "start_date"), parse_date(query, "end_date")
    if end < start:
        raise ParameterError(
            "end_date", f"end_date {end.isoformat()} is before start_date {start.isoformat()}"
        )
    page = parse_positive_int(query, "page", 1)
    page_size = parse_positive_int(query, "page_size", context.keyword_page_size)
    sort_by = parse_choice(query, "sort_by", ("keyword", "clicks", "impressions", "ctr"), "keyword")
    sort_dir = parse_choice(query, "sort_dir", ("asc", "desc"), "asc")
    types = query.array("types") or ["search"]
    if set(types) - set(TYPES):
        raise ParameterError("types[]", f"types[] takes {', '.join(TYPES)}")

    campaigns = filter_campaigns(query, tuple(item for item in context.campaigns if item.kind == "search"))
    rows = _keyword_rows(context, campaigns, start, end) if "search" in types else []
    rows.sort(key=lambda row: row[sort_by], reverse=sort_dir == "desc")
    clicks, impressions = sum(row["clicks"] for row in rows), sum(row["impressions"] for row in rows)
    return {
        **context.classic_header("keyword", start, end),
        "report_data": {
            "totals": {
                "clicks": clicks,
                "impressions": impressions,
                "ctr": ratio(clicks, impressions, 100),
                "keywords": len(rows),
            },
            "keywords": rows[(page - 1) * page_size : page * page_size],
            "unattributed_keywords": _unattributed(context, campaigns, start, end)
            if "search" in types
            else [],
        },
        "global_master_advertiser_id": context.gmaid,
        "page": page,
        "page_size": page_size,
    }


def _keyword_rows(
    context: ReportContext, campaigns: tuple[Campaign, ...], start: date, end: date
) -> list[dict[str, Any]]:
    rows = []
    for index, keyword in enumerate(KEYWORDS):
        if not campaigns:
            break
        campaign = campaigns[index % len(campaigns)]
        clicks = impressions = 0
        for day in each_day(max(start, campaign.start), end):
            if not campaign.active_on(day):
                continue
            stream = Stream(context.seed, "keyword", context.gmaid, keyword, day.toordinal())
            day_impressions = stream.below(60) if stream.chance(0.8) else 0
            impressions += day_impressions
            clicks += day_impressions * stream.between(0, 60) // 1000
        if impressions:
            rows.append(
                {
                    "keyword": keyword,
                    "type": "search",
                    "clicks": clicks,
                    "impressions": impressions,
                    "ctr": ratio(clicks, impressions, 100),
                }
            )
    return rows


def _unattributed(
    context: ReportContext, campaigns: tuple[Campaign, ...], start: date, end: date
) -> list[dict[str, Any]]:
    clicks = impressions = 0
    for day in each_day(start, end):
        if any(campaign.active_on(day) for campaign in campaigns):
            stream = Stream(context.seed, "unattributed", context.gmaid, day.toordinal())
            day_impressions = stream.below(20)
            impressions += day_impressions
            clicks += day_impressions * stream.between(0, 200) // 1000
    if not impressions:
        return []
    return [
        {
            "type": "search",
            "clicks": clicks,
            "impressions": impressions,
            "ctr": ratio(clicks, impressions, 100),
        }
    ]
